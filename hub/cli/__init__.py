"""The command line: `hallq` and its subcommands."""
