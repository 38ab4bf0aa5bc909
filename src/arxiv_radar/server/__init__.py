"""The feed server: the digest, feeds, site and JSON API served from the store (FastAPI).

``create_app(config, store_url, *, read_only=False, ...)`` builds the app (see
:func:`arxiv_radar.server.app.create_app`); ``arxiv-radar serve`` runs it on uvicorn.

FastAPI, fastapi-offline and limits come with the ``serve`` extra: without them, importing this
package (``arxiv-radar serve``, a Vercel entry point) raises a
:class:`~arxiv_radar.errors.MissingExtraError` naming ``pip install "arxiv-radar[serve]"``.
"""

from arxiv_radar.errors import require_extra

SERVER_MODULES = {"fastapi": "fastapi", "fastapi_offline": "fastapi-offline", "limits": "limits"}
"""What the app imports (module -> package), from the ``serve`` extra."""

require_extra("serve", "the feed server", SERVER_MODULES)

from arxiv_radar.server.app import app_from_env, create_app  # noqa: E402  (after the check)

__all__ = ["SERVER_MODULES", "app_from_env", "create_app"]
