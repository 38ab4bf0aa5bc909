"""The scaffolded Vercel entry point serves a store filled by `arxiv-radar demo`, read-only.

The repository is made as a user makes it: ``arxiv-radar init DIR``, then a run (here the
offline demo day) writes the store ``DIR/arxiv-radar.db`` and the outputs. ``DIR/api/index.py``
is then imported from the generated folder, as Vercel's Python runtime imports it, and its
``app`` is called in process.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import feedparser
import httpx
import pytest

from cli_helpers import invoke_cli

ROUTES = ["/rss", "/atom", "/feed.json", "/rss/cs.AI", "/api/papers", "/health", "/"]


@pytest.fixture(scope="module")
def digest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scaffolded digest repository after its first (demo) run."""
    folder = tmp_path_factory.mktemp("vercel") / "digest"
    made = invoke_cli("init", str(folder), cwd=folder.parent)
    assert made.returncode == 0, made.stderr
    ran = invoke_cli("demo", "--output", str(folder), cwd=folder.parent)
    assert ran.returncode == 0, ran.stderr
    assert (folder / "arxiv-radar.db").is_file()
    # the demo ranks for its own reader; the repository's configuration ranks its day too
    ranked = invoke_cli("rank", "--db", str(folder / "arxiv-radar.db"), cwd=folder)
    assert ranked.returncode == 0, ranked.stderr
    for transient in folder.glob("arxiv-radar.db?*"):  # the run lock: not committed
        transient.unlink()
    return folder


@pytest.fixture
def repository(digest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the repository, as a deployment sees it."""
    target = tmp_path / "repo"
    shutil.copytree(digest, target)
    monkeypatch.delenv("ARXIV_RADAR_DB", raising=False)
    return target


def import_entry(folder: Path) -> ModuleType:
    """``api/index.py`` imported from its file, under a unique name."""
    pytest.importorskip("arxiv_radar.server.app", reason="the feed server is not there yet")
    path = folder / "api" / "index.py"
    spec = importlib.util.spec_from_file_location(f"vercel_entry_{id(folder)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def get_all(module: ModuleType, routes: list[str]) -> dict[str, httpx.Response]:
    """GET every route from the entry point's app, with its lifespan run around them."""
    app = module.app

    async def main() -> dict[str, httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://x.test") as c:
                return {route: await c.get(route) for route in routes}

    return asyncio.run(main())


def test_the_entry_point_serves_the_committed_store(repository: Path) -> None:
    module = import_entry(repository)
    responses = get_all(module, ROUTES)
    for route, response in responses.items():
        assert response.status_code == 200, (route, response.text[:300])

    rss = responses["/rss"]
    assert rss.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(rss.content)
    assert not feed.bozo, feed.get("bozo_exception")
    # The server's feed holds the repository profile's ranking of the day, from the store
    # (the demo published its own reader's; the fixture ranked the day for the repository).
    ranked = invoke_cli("rank", "--db", "arxiv-radar.db", "--json", cwd=repository)
    published = json.loads(ranked.stdout)
    assert feed.version == "rss20" and len(feed.entries) == len(published) > 0
    assert all(entry.link.startswith("https://arxiv.org/abs/") for entry in feed.entries)
    assert feedparser.parse(responses["/atom"].content).version == "atom10"
    assert len(responses["/feed.json"].json()["items"]) == len(published)

    health = responses["/health"].json()
    assert health["read_only"] is True and health["latest_announcement"] == "2026-04-27"
    # It is the repository's store that is served, whatever the working directory.
    assert Path(module.store_url("arxiv-radar.db")) == repository / "arxiv-radar.db"
    assert module.store_url("postgresql://db/radar") == "postgresql://db/radar"


def test_the_entry_point_follows_the_repository_configuration(repository: Path) -> None:
    config = repository / "arxiv-radar.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'title = "arXiv Radar 📡"', 'title = "Systems Radar"'
        ),
        encoding="utf-8",
    )
    module = import_entry(repository)
    assert module.config.publish.title == "Systems Radar"
    rss = get_all(module, ["/rss"])["/rss"]
    assert feedparser.parse(rss.content).feed.title.startswith("Systems Radar")


def test_the_entry_point_writes_nothing_beside_the_store(repository: Path) -> None:
    before = {path.name: path.read_bytes() for path in repository.iterdir() if path.is_file()}
    module = import_entry(repository)
    app = module.app

    async def main() -> list[str]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://x.test") as c:
                assert (await c.get("/rss")).status_code == 200
                return sorted(path.name for path in repository.iterdir() if path.is_file())

    during = asyncio.run(main())
    assert during == sorted(before)
    after = {path.name: path.read_bytes() for path in repository.iterdir() if path.is_file()}
    assert after == before


def _can_mount_read_only() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,ro,bind /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.fixture
def read_only_mount() -> Iterator[None]:
    if not _can_mount_read_only():
        pytest.skip("needs root and mount namespaces (unshare -m) to mount a read-only folder")
    yield


SERVE_SNIPPET = """
import asyncio, importlib.util, json, sys
import httpx
spec = importlib.util.spec_from_file_location("entry", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
async def main():
    async with module.app.router.lifespan_context(module.app):
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://x.test") as client:
            return {route: (await client.get(route)).status_code for route in sys.argv[2:]}
print(json.dumps(asyncio.run(main())))
"""


def test_the_entry_point_serves_from_a_read_only_file_system(
    repository: Path, read_only_mount: None
) -> None:
    """Vercel's file system is read-only: the repository is mounted read-only here too."""
    folder = str(repository)
    command = (
        f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" "{folder}" '
        f'&& exec "{sys.executable}" -c "$SNIPPET" "{folder}/api/index.py" /rss /health'
    )
    env = {**os.environ, "SNIPPET": SERVE_SNIPPET, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"/rss": 200, "/health": 200}
