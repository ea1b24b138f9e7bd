"""The county server (县级平台): many halls, one view, on PostgreSQL (docs/county.md)."""
