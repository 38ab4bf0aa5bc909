"""Vercel entry point of this digest repository, written by ``arxiv-radar init``.

Vercel's Python runtime imports this file and serves the ASGI application ``app``: arxiv-radar's
feed server (``/``, ``/rss``, ``/atom``, ``/feed.json``, ``/rss/<category>``, ``/api/papers``,
``/health``) over the store that the daily GitHub Actions run commits (``arxiv-radar.db``).
The store is opened read-only, as Vercel's file system is, and nothing is ever fetched from
arXiv on a request: the feeds change when the daily commit redeploys the project.

The configuration is this repository's ``arxiv-radar.toml`` (or the old ``config.json``);
``ARXIV_RADAR_DB`` in the project's environment variables points the server at another
store, such as a PostgreSQL URL.

The server comes with arxiv-radar's ``serve`` extra, which requirements.txt installs
(``arxiv-radar[serve]``); without it the import below stops with a message saying so.
"""

from __future__ import annotations

from pathlib import Path

from arxiv_radar.config import find_config_file, load_config
from arxiv_radar.server.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def store_url(url: str, root: Path = ROOT) -> str:
    """``url`` as the server opens it: a relative SQLite path is taken from the repository."""
    if "://" in url or url == ":memory:" or Path(url).is_absolute():
        return url
    return str(root / url)


config = load_config(find_config_file(ROOT))
app = create_app(config, store_url(config.store.url), read_only=True)
