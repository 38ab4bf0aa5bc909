"""arxiv-radar: a self-hostable arXiv paper radar."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("arxiv-radar")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
