"""No request to arXiv or to a model on the request path: the server reads the store only.

arXiv's endpoints (``ARXIV_RADAR_*_URL``) point at a local server that records every request,
and the configured LLM is a local OpenAI-compatible server that does too; every route is
requested (with and without filters, cold and warm); neither server may see one request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from arxiv_radar.config import load_config

from demo_expectations import DROPPED, KEPT_NOT_SHOWN, SHOWN
from openai_server import OpenAIServer
from replay_server import ReplayServer

pytestmark = pytest.mark.anyio

PATHS = [
    "/",
    "/index.html",
    "/data.json",
    "/archive/index.html",
    "/archive/2026-04-27.html",
    "/assets/site.js",
    "/rss",
    "/atom",
    "/feed.json",
    "/rss/cs.AI",
    "/feeds/rss.xml",
    "/rss?min_score=2&type=new&q=model&limit=5",
    "/api/papers?limit=200",
    "/api/papers?q=agent&category=cs.AI",
    f"/api/papers/{SHOWN[0].arxiv_id}",  # shown
    f"/api/papers/{KEPT_NOT_SHOWN[0].arxiv_id}",  # ranked, not shown
    f"/api/papers/{DROPPED[0].arxiv_id}",  # dropped
    "/api/papers/2604.99999",
    "/api/runs",
    "/health",
    "/openapi.json",
]


async def test_no_arxiv_or_llm_request_on_the_request_path(
    serve: Callable[..., httpx.AsyncClient], tmp_path: Path, replay: ReplayServer
) -> None:
    with OpenAIServer(models=("m",)) as llm:
        config_file = tmp_path / "arxiv-radar.toml"
        config_file.write_text(
            '[summaries]\nprovider = "openai-compatible"\n'
            f'base_url = "{llm.base_url}"\nmodel = "m"\ninput_mode = "fulltext"\n',
            encoding="utf-8",
        )
        env = {
            "ARXIV_RADAR_RSS_URL": replay.url("/rss"),
            "ARXIV_RADAR_API_URL": replay.url("/api/query"),
            "ARXIV_RADAR_OAI_URL": replay.url("/oai"),
            "ARXIV_RADAR_HTML_URL": replay.url("/html"),
            "ARXIV_RADAR_PDF_URL": replay.url("/pdf"),
            "ARXIV_RADAR_MIN_INTERVAL": "0",
        }
        config = load_config(config_file, env=env)
        assert config.arxiv.rss_url.startswith(replay.base_url)
        client = serve(config=config, env={})
        for _ in range(2):  # cold, then from the cache
            for path in PATHS:
                response = await client.get(path)
                assert response.status_code < 500, (path, response.text)
        for record in (SHOWN[0], KEPT_NOT_SHOWN[0], DROPPED[0]):  # in the store: no lookup
            assert (await client.get(f"/api/papers/{record.arxiv_id}")).status_code == 200
        assert (await client.get("/api/papers/2604.99999")).status_code == 404
        assert replay.requests == []
        assert llm.requests == []
