"""Notifications through Apprise, against a real HTTP server on 127.0.0.1.

Apprise's ``json://`` and ``form://`` services POST to the local server; the tests read what
arrived. Failures (unreachable host, malformed URL, an error answer, an exception inside an
Apprise plugin) are reported and logged, never raised, and no secret of a URL reaches a log
record or a result.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import apprise
import pytest
from apprise.manager_plugins import NotificationManager
from markdown_it import MarkdownIt

from arxiv_radar.models import Digest
from arxiv_radar.publish.notify import (
    NotifyResult,
    digest_message,
    escape_markdown,
    mask_url,
    notify,
)

from digest_helpers import XSS_PAYLOADS, sample_digest, xss_digest

# Apprise loads its plugins on first use; one of them imports the standard library's imghdr,
# deprecated since Python 3.11 (an Apprise matter, not ours; hidden by default outside tests).
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

SECRETS = ("S3cretPassw0rd", "tok3nInPath", "HeaderS3cret", "QueryS3cret")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class Hook:
    """The local server: what it received, and the status it answers per path."""

    port: int
    received: list[Received] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def url(self, scheme: str, path: str, userinfo: str = "", query: str = "") -> str:
        user = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{user}127.0.0.1:{self.port}{path}{'?' + query if query else ''}"


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            state.received.append(Received("POST", path, dict(self.headers.items()), body))
            status = state.statuses.get(path, 200)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.levelname} {r.getMessage()}" for r in caplog.records)


# -- delivery ------------------------------------------------------------------------------


def test_json_notification_carries_the_digest_title_and_body(hook: Hook) -> None:
    title, body = digest_message(sample_digest())
    result = notify([hook.url("json", "/radar/hook")], title=title, body=body)
    assert result.ok and not result.failed
    assert result.succeeded == (f"json://127.0.0.1:{hook.port}/****/****",)
    [got] = hook.received
    assert got.path == "/radar/hook"
    assert got.headers["Content-Type"].startswith("application/json")
    payload = got.json()
    assert payload["title"] == title
    assert payload["message"] == body
    assert payload["type"] == "info"
    assert "[Math Takes Two: A test for emergent mathematical reasoning in communication]" in body


def test_form_notification(hook: Hook) -> None:
    result = notify([hook.url("form", "/form")], title="Radar · 2026-04-27", body="**2** papers")
    assert result.ok
    [got] = hook.received
    fields = got.form()
    assert fields["title"] == ["Radar · 2026-04-27"]
    assert fields["message"] == ["**2** papers"]


def test_each_url_gets_its_own_notification(hook: Hook) -> None:
    urls = [hook.url("json", "/one"), hook.url("form", "/two"), hook.url("json", "/three")]
    result = notify(urls, title="t", body="b")
    assert [o.index for o in result.outcomes] == [0, 1, 2]
    assert result.ok and len(result.succeeded) == 3
    assert sorted(r.path for r in hook.received) == ["/one", "/three", "/two"]


def test_attachment_is_sent(hook: Hook, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Digest\n", encoding="utf-8")
    result = notify([hook.url("json", "/att")], title="t", body="b", attach_url=str(readme))
    assert result.ok
    [attachment] = hook.received[0].json()["attachments"]
    assert attachment["filename"] == "README.md"
    assert base64.b64decode(attachment["base64"]) == b"# Digest\n"


def test_no_urls_is_a_quiet_success() -> None:
    assert notify([], title="t", body="b") == NotifyResult()
    assert NotifyResult().ok


# -- failures never raise ------------------------------------------------------------------


def test_failures_are_reported_and_logged_not_raised(
    hook: Hook, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hook.statuses["/broken"] = 500
    urls = [
        f"json://127.0.0.1:{closed_port}/hook",  # unreachable
        "json://",  # malformed
        "not a url at all",
        "nosuchservice://example.org/x",  # unknown scheme
        hook.url("json", "/broken"),  # the service answers 500
        hook.url("json", "/fine"),  # still delivered
    ]
    result = notify(urls, title="t", body="b")
    assert [o.ok for o in result.outcomes] == [False, False, False, False, False, True]
    assert not result.ok and len(result.failed) == 5
    unreachable, malformed, not_url, unknown, broken = result.failed
    assert unreachable.target == f"json://127.0.0.1:{closed_port}/****"
    assert "did not accept" in (unreachable.error or "")
    for outcome in (malformed, not_url, unknown):
        assert "not a valid Apprise URL" in (outcome.error or "")
    assert not_url.target == "(not a URL)"
    assert unknown.target == "nosuchservice://example.org/****"
    assert "500" in (broken.error or "")
    assert [r.path for r in hook.received] == ["/broken", "/fine"]
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "arxiv_radar.publish.notify" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 5
    assert warnings[0].startswith(f"notification 1 (json://127.0.0.1:{closed_port}/****) failed")


@pytest.fixture
def exploding_scheme() -> Iterator[str]:
    """A real Apprise plugin (custom ``radarboom://`` scheme) that raises when it sends."""
    scheme = "radarboom"

    @apprise.decorators.notify(on=scheme)
    def explode(body: str, title: str, notify_type: str, meta: dict[str, Any], **_: Any) -> bool:
        raise RuntimeError(f"plugin crashed holding {meta['url']}")

    try:
        yield scheme
    finally:
        NotificationManager().remove(scheme)  # a singleton: the registry Apprise uses


def test_an_exception_inside_apprise_is_a_failure(
    exploding_scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"{exploding_scheme}://{SECRETS[1]}/{SECRETS[3]}"
    result = notify([url], title="t", body="b")
    [outcome] = result.outcomes
    assert not outcome.ok and outcome.error
    assert outcome.target == f"{exploding_scheme}://****/****"
    assert "exception" in outcome.error.lower()
    text = logged(caplog) + repr(result)
    assert not [s for s in SECRETS if s in text]


# -- secrets ---------------------------------------------------------------------------------


def test_secrets_never_reach_logs_or_results(
    hook: Hook, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # Apprise and urllib3 debug output included
    hook.statuses[f"/{SECRETS[1]}"] = 403
    userinfo = f"radar:{SECRETS[0]}"
    query = f"+X-Api-Key={SECRETS[2]}&-token={SECRETS[3]}"
    urls = [
        hook.url("json", f"/{SECRETS[1]}", userinfo, query),  # answered 403
        f"json://{userinfo}@127.0.0.1:{closed_port}/{SECRETS[1]}?{query}",  # unreachable
        hook.url("json", f"/ok/{SECRETS[1]}", userinfo, query),  # delivered
        f"tgram://123456789:{SECRETS[1]}/{SECRETS[3]}",  # fails (no real Telegram)
        f"json://{SECRETS[0]}",  # malformed-ish, secret as host
    ]
    result = notify(urls, title="t", body="b")
    assert [o.ok for o in result.outcomes] == [False, False, True, False, False]
    assert hook.received[0].headers["X-Api-Key"] == SECRETS[2]  # the real URL was used
    text = logged(caplog) + repr(result)
    assert "notification 1 (json://****@127.0.0.1:" in text
    assert not [s for s in SECRETS if s in text], text


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "json://user:pass@127.0.0.1:8080/hook/abc?+X-Token=xyz",
            "json://****@127.0.0.1:8080/****/****?+X-Token=****",
        ),
        ("mailto://me:app-password@gmail.com", "mailto://****@gmail.com"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://****/****/****"),
        ("tgram://123456789:ABCdefGHI/987654", "tgram://****/****"),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "discord://****/****"),
        ("feishu://tokenAAAABBBB", "feishu://****"),
        ("lark://tokenCCCCDDDD/?secret=xyz", "lark://****/?secret=****"),
        ("jsons://hooks.example.com/p?flag&x=", "jsons://hooks.example.com/****?flag&x="),
        (
            "https://hooks.slack.com/services/T1/B2/XyZ#frag",
            "https://hooks.slack.com/****/****/****/****#****",
        ),
        ("token-without-scheme", "(not a URL)"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


# -- the message -----------------------------------------------------------------------------


def test_digest_message_summarizes_the_top_papers() -> None:
    digest = sample_digest()
    title, body = digest_message(digest, top=2)
    matched = len(digest.entries)
    assert title == f"arXiv Radar 📡 · 2026-04-27 · {matched} papers"
    assert body.startswith(f"**{matched} papers matched** out of 12 announced on 2026-04-27")
    first, second = digest.entries[0].ranked, digest.entries[1].ranked
    assert f"1. **[{first.paper.title}](https://arxiv.org/abs/{first.paper.arxiv_id})**" in body
    assert f"score {first.score:.1f} · {first.announce_type.value}" in body
    assert f"2. **[{escape_markdown(second.paper.title)}]" in body
    assert "3. " not in body
    assert f"…and {matched - 2} more." in body
    tldr = digest.entries[0].summary
    assert tldr is not None and tldr.tldr and escape_markdown(tldr.tldr) in body


def test_digest_message_links_to_the_site_and_names_the_profile() -> None:
    digest = sample_digest().model_copy(
        update={"base_url": "https://radar.example.org/digest (1)/", "profile": "systems"}
    )
    title, body = digest_message(digest)
    assert " [systems] " in title
    assert body.endswith("[Full digest](https://radar.example.org/digest%20%281%29/)")
    hostile = digest.model_copy(update={"base_url": "javascript:alert(1)"})
    assert "javascript" not in digest_message(hostile)[1]


def test_empty_digest() -> None:
    digest = sample_digest().model_copy(update={"entries": (), "papers_matched": 0})
    title, body = digest_message(digest)
    assert title.endswith("· 0 papers")
    assert body.startswith("No papers matched on 2026-04-27 in cs.AI, cs.CL, cs.DC, cs.LG")


class Tags(HTMLParser):
    """The elements and attributes an HTML fragment really has (text is not markup)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(digest: Digest) -> list[Tags]:
    """The body as Apprise's e-mail HTML (Python-Markdown) and as CommonMark HTML."""
    _, body = digest_message(digest, top=len(digest.entries))
    return [
        Tags(apprise.conversion.markdown_to_html(body)),
        Tags(MarkdownIt("commonmark").render(body)),
    ]


def test_untrusted_text_cannot_inject_markup() -> None:
    digest = xss_digest()
    _, body = digest_message(digest, top=len(digest.entries))
    assert "\n#" not in body and "<" not in body  # no heading, no raw HTML
    for html in rendered(digest):
        names = {tag for tag, _ in html.tags}
        assert names <= {"p", "ol", "li", "strong", "a", "br"}, names
        attributes = [(tag, attrs) for tag, attrs in html.tags if attrs]
        # The only links are the arXiv pages the digest itself builds; nothing else has any.
        assert attributes == [
            ("a", {"href": f"https://arxiv.org/abs/2604.{20000 + n:05d}"}) for n in range(1, 8)
        ]
        text = "".join(html.text)
        for payload in XSS_PAYLOADS:
            assert payload in text  # shown to the reader as text


def test_escape_markdown() -> None:
    assert escape_markdown("a\nb\r\n# c") == "a b # c"
    assert escape_markdown("x<y & z>w") == "x&lt;y &amp; z&gt;w"
    assert escape_markdown(r"*a* _b_ `c` [d](e) ~f~ |g| \h") == (
        r"\*a\* \_b\_ \`c\` \[d\](e) \~f\~ \|g\| \\h"
    )
    assert escape_markdown("ping @everyone and @here") == "ping @\u200beveryone and @\u200bhere"
    assert escape_markdown("(Chat)GPT: v2.0 - fast!") == "(Chat)GPT: v2.0 - fast!"
    for payload in XSS_PAYLOADS:
        assert "<" not in escape_markdown(payload)
