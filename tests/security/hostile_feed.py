"""An rss.arxiv.org listing and LLM answers carrying :data:`payloads.PAYLOADS`.

The listing copies the structure of the recorded feed
``synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml`` (channel, namespaces, one ``<item>`` per
paper with guid, categories, pubDate, ``arxiv:announce_type``, ``dc:rights``, ``arxiv:DOI``,
``arxiv:journal_reference``, ``dc:creator``). lxml writes it, so every payload is XML-escaped
exactly as arXiv's serializer escapes text; characters XML cannot carry at all (NUL and most
C0 controls) are left out of the feed and reach the outputs through the LLM's answers.
"""

from __future__ import annotations

import re

from lxml import etree

from payloads import PAYLOADS, Payload, xml_safe

__all__ = [
    "ANNOUNCED_ON",
    "FEED_PATH",
    "KEYWORD",
    "hostile_answer",
    "hostile_listing",
    "paper_id",
]

FEED_PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"
ANNOUNCED_ON = "2026-04-27"
KEYWORD = "hostile"
"""Every title starts with ``Hostile N:``: a profile with this keyword ranks every paper."""

_PUB_DATE = "Mon, 27 Apr 2026 00:00:00 -0400"
_NS = {
    "arxiv": "http://arxiv.org/schemas/atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
_LONG = 1_000  # payloads longer than this go into the title, abstract and summary only
_NUMBER = re.compile(r"Hostile (\d+):")


def paper_id(number: int) -> str:
    return f"2604.{30000 + number:05d}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> None:
    prefix, _, local = tag.rpartition(":")
    element = etree.SubElement(parent, f"{{{_NS[prefix]}}}{local}" if prefix else tag, attrib)
    element.text = text


def _item(channel: etree._Element, number: int, payload: Payload) -> None:
    text = xml_safe(payload.text)
    short = len(text) <= _LONG
    arxiv_id = paper_id(number)
    item = etree.SubElement(channel, "item")
    _sub(item, "title", f"Hostile {number}: {text}")
    _sub(item, "link", f"https://arxiv.org/abs/{arxiv_id}")
    abstract = f"We study hostile text {text} in depth. Results improve by 12%."
    if short:
        abstract += f" Again: {text}"
    _sub(item, "description", f"arXiv:{arxiv_id}v1 Announce Type: new \nAbstract: {abstract}")
    _sub(item, "guid", f"oai:arXiv.org:{arxiv_id}v1", isPermaLink="false")
    _sub(item, "category", "cs.AI")
    _sub(item, "category", "cs.LG")
    if short:
        _sub(item, "category", f"cs.CR {text}")
    _sub(item, "pubDate", _PUB_DATE)
    _sub(item, "arxiv:announce_type", "new")
    _sub(
        item, "dc:rights", text if short else "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    )
    if short:
        _sub(item, "arxiv:DOI", f"10.1000/{text}")
        _sub(item, "arxiv:journal_reference", f"J. Hostile {text}")
    authors = f"Mallory {text}, Alice Example" if short else f"Mallory {text[:_LONG]}"
    _sub(item, "dc:creator", authors)


def hostile_listing() -> bytes:
    """The listing of 27 April 2026: one ``new`` paper per payload, ``Hostile 1`` first."""
    rss = etree.Element("rss", nsmap=_NS, version="2.0")
    channel = etree.SubElement(rss, "channel")
    _sub(channel, "title", "cs.AI, cs.CL, cs.DC, cs.LG updates on arXiv.org")
    _sub(channel, "link", "http://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG")
    _sub(
        channel,
        "description",
        "cs.AI, cs.CL, cs.DC, cs.LG updates on the arXiv.org e-print archive.",
    )
    _sub(
        channel,
        "atom:link",
        href="http://rss.arxiv.org/rss/cs.AI+cs.CL+cs.DC+cs.LG",
        rel="self",
        type="application/rss+xml",
    )
    _sub(channel, "docs", "http://www.rssboard.org/rss-specification")
    _sub(channel, "language", "en-us")
    _sub(channel, "lastBuildDate", "Mon, 27 Apr 2026 04:00:02 +0000")
    _sub(channel, "managingEditor", "rss-help@arxiv.org")
    _sub(channel, "pubDate", _PUB_DATE)
    skip = etree.SubElement(channel, "skipDays")
    for day in ("Sunday", "Saturday"):
        _sub(skip, "day", day)
    for number, payload in enumerate(PAYLOADS, start=1):
        _item(channel, number, payload)
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def payload_of(prompt: str) -> Payload | None:
    """The payload of the paper a summary prompt is about (by its ``Hostile N:`` title)."""
    match = _NUMBER.search(prompt)
    if match is None:
        return None
    number = int(match.group(1))
    return PAYLOADS[number - 1] if 1 <= number <= len(PAYLOADS) else None


def hostile_answer(prompt: str) -> str:
    """A well-formed four-section summary with the paper's payload (raw: NUL included) in the
    TL;DR and every section, and the next payload too, so every one reaches a summary."""
    payload = payload_of(prompt)
    text = payload.text if payload else PAYLOADS[0].text
    index = PAYLOADS.index(payload) if payload else 0
    other = PAYLOADS[(index + 1) % len(PAYLOADS)].text[:_LONG]
    return (
        f"TL;DR: {text}\n\n"
        f"## 1. Main contributions and innovations\n{text}\n\n{other}\n\n"
        f"## 2. Method and experimental setup\n- {other}\n- item\n\n"
        f"## 3. Key results\nA 12% gain. {other}\n\n"
        f"## 4. Conclusions, limitations and future work\n{other}\n"
    )
