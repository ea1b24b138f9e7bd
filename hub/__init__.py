"""hallq: the hub of a town government service hall's queue (便民服务中心 一窗受理)."""
__version__ = "0.1.0"
