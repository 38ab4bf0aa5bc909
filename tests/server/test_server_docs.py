"""``/docs`` and ``/redoc`` work without internet: every script, stylesheet and icon they
load is served by the app itself (from the ``fastapi-offline`` package), no page names an
external host, and ``/openapi.json`` is still there. The site's KaTeX files are served too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from lxml import html as lxml_html

from arxiv_radar.config import Config
from arxiv_radar.publish.site import asset_names
from arxiv_radar.server import create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Config(), str(tmp_path / "empty.db"), env={})
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


def loaded(page: bytes) -> list[str]:
    """What a page loads: script and stylesheet sources, icons, and URLs in its scripts."""
    tree = lxml_html.fromstring(page)
    found = tree.xpath("//script/@src | //link/@href | //img/@src | //redoc/@spec-url")
    for script in tree.xpath("//script[not(@src)]"):
        found += re.findall(r"""["'](https?://[^"']+|/[^"'\s]*)["']""", script.text or "")
    return found


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_api_pages_load_only_the_apps_own_files(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(rb"https?://", page.content), "an external host in " + path
    urls = loaded(page.content)
    assets = [url for url in urls if url.startswith("/docs/assets/")]
    assert assets and "/openapi.json" in urls
    for url in assets:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 1000, url
    kinds = {url.rsplit(".", 1)[1] for url in assets}
    assert kinds == ({"js", "css", "png"} if path == "/docs" else {"js", "png"})


async def test_the_openapi_description_stays(client: httpx.AsyncClient) -> None:
    answer = await client.get("/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert "/rss" in paths and not any(p.startswith(("/docs", "/redoc")) for p in paths)


async def test_unknown_docs_files_are_404(client: httpx.AsyncClient) -> None:
    for url in ("/docs/assets/core.py", "/docs/assets/..%2F__init__.py", "/docs/assets/"):
        assert (await client.get(url)).status_code in (400, 404), url


async def test_the_sites_katex_files_are_served(client: httpx.AsyncClient) -> None:
    names = [name for name in asset_names() if name.startswith("katex/")]
    assert len(names) == 24  # script, stylesheet, auto-render, licence, 20 fonts
    for name in names:
        answer = await client.get(f"/assets/{name}")
        assert answer.status_code == 200, name
    font = await client.get("/assets/katex/fonts/KaTeX_Main-Regular.woff2")
    assert font.headers["content-type"] == "font/woff2" and font.content[:4] == b"wOF2"
    script = await client.get("/assets/math.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/assets/katex/nothing.js")).status_code == 404
