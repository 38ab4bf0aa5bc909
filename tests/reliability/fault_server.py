"""Faults arXiv really produces, as replies and feeds for the replay server.

Each function gives a :class:`~replay_server.Reply` (what the server does: a status, a
``Retry-After``, a dropped connection, a hang, a slow drip, a body cut short) or the bytes
of a feed derived from a recorded one (truncated XML, an HTML error page, an empty holiday
feed, duplicated items, malformed items, a day of many papers). The server records when
every request arrived and when its reply was sent, so tests can check request spacing and
time a ``kill -9`` from the request log.
"""

from __future__ import annotations

import copy
import datetime as dt
import email.utils
import re
import threading
from zoneinfo import ZoneInfo

from lxml import etree

from openai_server import OpenAIServer
from openai_server import RecordedRequest as LLMRequest
from openai_server import Reply as LLMReply
from replay_server import Reply, fixture_bytes

MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
EMPTY = "synthetic_rss_empty_weekend.xml"
API_PAGE = "api_atom_idlist_single_1605.08386_2026.xml"
FEED_PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"
API_PATH = "/api/query"
DAY = dt.date(2026, 4, 27)
"""The announcement date of the recorded mixed listing (a Monday)."""
DAY_PAPERS = 12
"""Papers in that listing (each once)."""


LLM_ANSWER = """TL;DR: The paper in one line.

## 1. Main contributions and innovations
A contribution.

## 2. Method and experimental setup
A method.

## 3. Key results
A 12% gain.

## 4. Conclusions, limitations and future work
Limits.
"""
"""A complete structured summary, as the local OpenAI-compatible server answers it."""


def hold_answers(llm: OpenAIServer) -> threading.Event:
    """Make ``llm`` answer :data:`LLM_ANSWER` only once the returned event is set (at most a
    minute later): calls stay in flight while a test kills or restarts something."""
    held = threading.Event()

    def answer(request: LLMRequest) -> LLMReply:
        held.wait(timeout=60)
        return LLMReply(text=LLM_ANSWER)

    llm.respond(answer)
    return held


def fast_config(*, timeout: float = 0.5, max_retries: int = 1, extra: str = "") -> str:
    """An ``arxiv-radar.toml`` with short timeouts and few retries: a fault costs a second."""
    return (
        f"[arxiv]\ntimeout = {timeout}\nmax_retries = {max_retries}\n\n"
        f'[publish]\noutput = "."\n\n{extra}'
    )


def good_feed() -> bytes:
    """The recorded listing of cs.AI, cs.CL, cs.DC and cs.LG for :data:`DAY`."""
    return fixture_bytes(MIXED)


def api_page() -> bytes:
    """A recorded export API answer (one paper, math.CO: stored without announcement)."""
    return fixture_bytes(API_PAGE)


# -- replies -------------------------------------------------------------------------------


def rate_limited(retry_after: str = "1") -> Reply:
    """HTTP 429 with ``Retry-After`` (seconds), as arXiv answers a client going too fast."""
    return Reply(
        status=429,
        body=b"Rate exceeded.",
        content_type="text/plain",
        headers={"Retry-After": retry_after},
    )


def unavailable(retry_after: str | None = "0") -> Reply:
    """HTTP 503, arXiv's answer while it is down or overloaded."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(
        status=503, body=b"Service Unavailable", content_type="text/plain", headers=headers
    )


def connection_reset() -> Reply:
    """The connection is closed without an answer (TCP reset)."""
    return Reply(reset=True)


def hang(seconds: float, body: bytes | None = None) -> Reply:
    """No answer for ``seconds`` (a client with a shorter timeout gives up), then ``body``."""
    return Reply(body=good_feed() if body is None else body, delay=seconds)


def slow_drip(every: float, body: bytes | None = None) -> Reply:
    """The body in 64-byte chunks, ``every`` seconds apart."""
    return Reply(body=good_feed() if body is None else body, drip=every)


def cut_short(fraction: float = 0.5, body: bytes | None = None) -> Reply:
    """A transfer that stops part-way: Content-Length announces more than is sent."""
    data = good_feed() if body is None else body
    return Reply(body=data, cut_after=int(len(data) * fraction))


def truncated_xml(fraction: float = 0.6) -> Reply:
    """A complete HTTP answer (status 200, right length) whose XML stops mid-document."""
    data = good_feed()
    return Reply(body=data[: int(len(data) * fraction)])


HTML_ERROR_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><title>arXiv is experiencing technical difficulties</title></head>
<body><h1>Service temporarily unavailable</h1>
<p>We are working on it. Please try again in a few minutes.</p></body></html>
"""


def html_error_page() -> Reply:
    """An HTML error page served with status 200 (a proxy or maintenance page)."""
    return Reply(body=HTML_ERROR_PAGE, content_type="text/html; charset=utf-8")


# -- feeds ---------------------------------------------------------------------------------


def _rfc822(day: dt.date) -> str:
    """Midnight in New York on ``day``, as rss.arxiv.org dates its feeds."""
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo("America/New_York"))
    return email.utils.format_datetime(midnight)


def redated(body: bytes, day: dt.date) -> bytes:
    """``body`` with every date moved to ``day`` (the channel's and the items')."""
    root = etree.fromstring(body)
    for element in root.iter("pubDate", "lastBuildDate"):
        element.text = _rfc822(day)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def holiday_feed(day: dt.date) -> bytes:
    """The empty feed arXiv serves after a holiday (the recorded weekend feed, re-dated)."""
    return redated(fixture_bytes(EMPTY), day)


def _channel(body: bytes) -> tuple[etree._Element, etree._Element, list[etree._Element]]:
    root = etree.fromstring(body)
    channel = root.find("channel")
    assert channel is not None
    return root, channel, channel.findall("item")


def _set(item: etree._Element, tag: str, text: str | None) -> None:
    element = item.find(tag)
    assert element is not None, tag
    element.text = text


def _renumbered(item: etree._Element, arxiv_id: str, title: str | None = None) -> etree._Element:
    """A copy of ``item`` for another paper id (same version and announce type)."""
    clone = copy.deepcopy(item)
    for child in clone:
        if child.tag == "link":
            child.text = f"https://arxiv.org/abs/{arxiv_id}"
        elif child.tag == "guid":
            child.text = re.sub(r":[^:]+?(v\d+)$", rf":{arxiv_id}\1", child.text or "")
        elif child.tag == "description":
            child.text = re.sub(r"^arXiv:\S+?(v\d+)", rf"arXiv:{arxiv_id}\1", child.text or "")
        elif child.tag == "title" and title is not None:
            child.text = title
    return clone


def with_duplicates(body: bytes) -> bytes:
    """The listing with items repeated: two exact copies, and one paper listed again as
    ``cross`` after its ``new`` item (the store must keep one paper, announced ``new``)."""
    root, channel, items = _channel(body)
    channel.append(copy.deepcopy(items[0]))
    channel.append(copy.deepcopy(items[5]))
    cross = copy.deepcopy(items[1])
    announce = cross.find("{http://arxiv.org/schemas/atom}announce_type")
    assert announce is not None and announce.text == "new"
    announce.text = "cross"
    _set(cross, "description", (cross.findtext("description") or "").replace("new", "cross", 1))
    channel.append(cross)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


MALFORMED_IDS = ("2604.99901", "2604.99902", "2604.99903")
"""The papers of :func:`with_malformed_items`; none of them may reach the store."""


def with_malformed_items(body: bytes) -> bytes:
    """The listing plus three broken items: no id at all, an unreadable date, an empty title."""
    root, channel, items = _channel(body)
    no_id = _renumbered(items[0], MALFORMED_IDS[0], "A paper nobody can identify")
    for tag in ("guid", "link"):
        element = no_id.find(tag)
        assert element is not None
        no_id.remove(element)
    description = no_id.findtext("description") or ""
    _set(no_id, "description", re.sub(r"^arXiv:\S+ Announce Type: \S+", "", description))
    bad_date = _renumbered(items[1], MALFORMED_IDS[1], "A paper from no day at all")
    _set(bad_date, "pubDate", "Someday, 99 Foo 2026 25:61:00 +9999")
    no_title = _renumbered(items[2], MALFORMED_IDS[2], "   ")
    for item in (no_id, bad_date, no_title):
        channel.insert(list(channel).index(items[3]), item)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def big_feed(count: int, day: dt.date) -> bytes:
    """A listing of ``count`` papers on ``day`` (the recorded items, renumbered), every title
    naming "LLM inference" so that the default profile ranks them all."""
    root, channel, items = _channel(redated(good_feed(), day))
    news = [item for item in items if "Announce Type: new" in (item.findtext("description") or "")]
    for item in items:
        channel.remove(item)
    for number in range(count):
        item = news[number % len(news)]
        title = f"LLM inference at scale, part {number}: {item.findtext('title')}"
        channel.append(_renumbered(item, f"2604.{30000 + number}", title))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
