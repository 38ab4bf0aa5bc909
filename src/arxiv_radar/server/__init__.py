"""The feed server: the digest, feeds, site and JSON API served from the store (FastAPI).

``create_app(config, store_url, *, read_only=False, ...)`` builds the app (see
:func:`arxiv_radar.server.app.create_app`); ``arxiv-radar serve`` runs it on uvicorn.
"""

from arxiv_radar.server.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
