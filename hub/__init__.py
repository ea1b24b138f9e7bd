"""hallq: the hub of a town government service hall's queue (便民服务中心 一窗受理)."""
__version__ = "0.1.0"


def optional_module(name):
    """The module `name`, or None when that part of hallq is not installed
    (a ModuleNotFoundError from inside the module itself is a real error)."""
    import importlib
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
