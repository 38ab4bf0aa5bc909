"""👍/👎 on the pages ``arxiv-radar serve`` serves, in a real browser.

``arxiv-radar serve`` runs in a subprocess on 127.0.0.1 over a store of the demo day (SQLite or
PostgreSQL) ranked for a profile that wants "agent"; headless Chromium (Debian's, driven by
Playwright) opens its page. Without a token the page shows no button and asks the server
nothing; opened once with ``#token=...`` (from ``arxiv-radar feedback-token``) it keeps the
token, takes it out of the address and shows 👍/👎 on every paper; a click is recorded in
the store, shows as pressed (after a reload too), and the next ``arxiv-radar rank`` ranks the
paper marked up first. A token replaced by a new one is refused, and the page says so. All
under the page's Content-Security-Policy: any other console error fails the test.

Skipped without Chromium or Playwright (a failure under ``CI=true``), by
``reader_helpers.chromium_or_skip``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import load_config
from arxiv_radar.demo import demo_feed_bytes, seed_store
from arxiv_radar.store import Store

from cli_helpers import cli_environment, invoke_cli
from reader_helpers import chromium_browser
from store_backends import store_section

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CONFIG = '[profiles.default]\nkeywords = ["agent"]\n'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def folder(tmp_path: Path, store_url: str) -> Path:
    """The demo day in a store (SQLite or PostgreSQL, named by the folder's configuration),
    ranked for the profile ``default``."""
    (tmp_path / "arxiv-radar.toml").write_text(CONFIG + store_section(store_url), encoding="utf-8")
    with Store.open(store_url) as store:
        seed_store(store)
        store.ingest(parse_listing(demo_feed_bytes()).entries)
    assert invoke_cli("rank", cwd=tmp_path).returncode == 0
    return tmp_path


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def server(folder: Path, browser: Browser) -> Iterator[str]:
    """``arxiv-radar serve`` over the folder's store (started once Chromium is known to be
    there); yields its base URL."""
    port = free_port()
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "arxiv_radar", "serve", "--port", str(port)],
        cwd=folder,
        env=cli_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (folder / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 30 s"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            process.kill()
            process.wait(timeout=5)
        log.close()


def new_token(folder: Path) -> str:
    result = invoke_cli("feedback-token", cwd=folder)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[0]


def recorded(folder: Path) -> dict[str, int]:
    with Store.open(load_config(folder / "arxiv-radar.toml").store.url) as store:
        return store.feedback("default")


def card_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all("article.paper", "cards => cards.map(c => c.dataset.arxivId)")


def test_the_buttons_record_feedback_for_the_tokens_holder_only(
    browser: Browser, server: str, folder: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/feedback" in r.url else None)
    try:
        # No token: no buttons, no bar, no request; the command is there, folded.
        page.goto(server + "/")
        page.wait_for_selector("section[data-filters]:not([hidden])")  # the scripts ran
        ids = card_ids(page)
        assert len(ids) == 3
        assert page.locator(".feedback-buttons, .feedback-bar").count() == 0
        assert page.locator("details.feedback-command").count() == len(ids)
        assert asked == []

        # Opened once with the token: buttons on every paper, the token out of the address.
        token = new_token(folder)
        page.goto(f"{server}/#token={token}")
        page.wait_for_selector(".feedback-buttons")
        assert page.locator(".feedback-buttons").count() == len(ids)
        assert page.evaluate("() => location.href") == server + "/"
        stored = page.evaluate("() => localStorage.getItem('arxiv-radar.feedback-token.default')")
        assert stored == token
        assert not page.locator("details.feedback-command").first.is_visible()
        bar = page.get_by_role("region", name="Feedback")
        assert "Feedback for profile default" in bar.inner_text()

        last = page.locator(f"article.paper[data-arxiv-id='{ids[-1]}']")
        up = last.get_by_role("button", name="More like this")
        assert up.get_attribute("aria-pressed") == "false"
        up.click()
        page.wait_for_function(
            "id => document.querySelector(`article[data-arxiv-id='${id}'] .feedback-up`)"
            ".getAttribute('aria-pressed') === 'true'",
            arg=ids[-1],
        )
        assert page.get_by_role("status").filter(has_text="marked up").inner_text() == (
            f"{ids[-1]}: marked up (1 up, 0 down)."
        )
        assert recorded(folder) == {ids[-1]: 1}

        # The next ranking puts it first, and says why.
        result = invoke_cli("rank", "--json", cwd=folder)
        ranking = json.loads(result.stdout)
        assert ranking[0]["arxiv_id"] == ids[-1]
        assert ranking[0]["explanation"]["nearest_kind"] == "feedback"

        # A reload (no token in the address) keeps the buttons and shows what is pressed.
        page.goto(server + "/")
        page.wait_for_selector(".feedback-buttons")
        up = page.locator(f"article.paper[data-arxiv-id='{ids[-1]}']").get_by_role(
            "button", name="More like this"
        )
        assert up.get_attribute("aria-pressed") == "true"
        up.click()  # pressed again: taken back
        page.wait_for_function(
            "id => document.querySelector(`article[data-arxiv-id='${id}'] .feedback-up`)"
            ".getAttribute('aria-pressed') === 'false'",
            arg=ids[-1],
        )
        first = page.locator(f"article.paper[data-arxiv-id='{ids[0]}']")
        first.get_by_role("button", name="Less like this").click()
        page.wait_for_function(
            "() => document.querySelector('.feedback-down').getAttribute('aria-pressed') === 'true'"
        )
        assert recorded(folder) == {ids[0]: -1}
        assert not errors, errors

        # A new token replaces this browser's: refused, and the page says so.
        new_token(folder)
        page.reload()
        alert = page.get_by_role("alert")
        alert.filter(has_text="refused").wait_for()
        assert "arxiv-radar feedback-token" in alert.inner_text()
        assert page.locator(".feedback-buttons").count() == 0
        assert errors and all("403" in error for error in errors), errors  # the refused GET
        page.get_by_role("button", name="Forget the token").click()
        assert page.locator(".feedback-bar").count() == 0
        assert page.evaluate("() => localStorage.length") == 0
        assert page.locator("details.feedback-command").first.is_visible()
        assert recorded(folder) == {ids[0]: -1}
    finally:
        context.close()
