"""Full texts and PDFs download while the model works: paper 1 is summarized while paper 2
downloads, and the downloads stay one at a time, in order and spaced by the polite client.

A real replay server stands in for arXiv, the local OpenAI-compatible server for the model.
The rate gate's sleep is injected: before each download after the first it waits (up to a
bound) for the model's first call, so a stage that downloads everything before calling the
model shows up as a wrong order of events, not as a slow test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import ArxivConfig, Config, SummaryConfig
from arxiv_radar.models import Paper
from arxiv_radar.net import RetryPolicy
from arxiv_radar.store import Store
from arxiv_radar.summarize.service import summarize_configured

from openai_server import OpenAIServer, Reply
from replay_server import RecordedRequest, ReplayServer, fixture_bytes
from replay_server import Reply as ArxivReply

MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
FULLTEXT_HTML = Path(__file__).resolve().parents[1] / "fixtures" / "fulltext" / "2405.01234v2.html"
INTERVAL = 0.2
ANSWER = """TL;DR: One line.

## 1. Main contributions and innovations
A.

## 2. Method and experimental setup
B.

## 3. Key results
C 12%.

## 4. Conclusions, limitations and future work
D.
"""

SERVER_SLACK = 0.05  # seconds between the client reading a reply and the server noting it


class FirstCallGate(RateGate):
    """A rate gate whose waits between downloads also wait (at most ``bound`` seconds) for
    the model's first call: the overlap is then a matter of order, whatever the machine's
    speed. The waits arXiv's interval asks for are kept."""

    def __init__(self, llm: OpenAIServer, bound: float = 20.0) -> None:
        def sleep(seconds: float) -> None:
            give_up = time.monotonic() + bound
            while not llm.chat_requests and time.monotonic() < give_up:
                time.sleep(0.01)
            time.sleep(seconds)

        super().__init__(sleep=sleep)


@pytest.fixture
def llm() -> Iterator[OpenAIServer]:
    with OpenAIServer(models=("qwen-long",)) as server:
        server.respond(lambda request: Reply(text=ANSWER))
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "radar.db")) as opened:
        opened.ingest(parse_listing(fixture_bytes(MIXED)).entries)
        yield opened


def papers(count: int) -> list[Paper]:
    return [entry.paper for entry in parse_listing(fixture_bytes(MIXED)).entries][:count]


def config(replay: ReplayServer, llm: OpenAIServer, input_mode: str) -> Config:
    return Config(
        arxiv=ArxivConfig(html_url=replay.url("/html"), pdf_url=replay.url("/pdf")),
        summaries=SummaryConfig(
            provider="dashscope",
            base_url=llm.base_url,
            model="qwen-long",
            language="en",
            input_mode=input_mode,  # type: ignore[arg-type]
            max_retries=0,
            concurrency=8,
        ),
    )


def serve_inputs(replay: ReplayServer, chosen: list[Paper]) -> dict[str, str]:
    """A PDF and an HTML rendering for each paper; the path each download asks for."""
    html = FULLTEXT_HTML.read_bytes()
    for paper in chosen:
        name = f"{paper.arxiv_id}v{paper.version}"
        pdf = b"%PDF-1.4\n% " + name.encode() + b"\n"
        replay.add(f"/pdf/{name}", ArxivReply(body=pdf, content_type="application/pdf"))
        replay.add(f"/html/{name}", ArxivReply(body=html, content_type="text/html"))
    return {paper.arxiv_id: f"{paper.arxiv_id}v{paper.version}" for paper in chosen}


def downloads(replay: ReplayServer, prefix: str) -> list[RecordedRequest]:
    return sorted(
        (r for r in replay.requests if r.path.startswith(prefix)), key=lambda r: r.started
    )


@pytest.mark.parametrize(("input_mode", "prefix"), [("upload", "/pdf/"), ("fulltext", "/html/")])
def test_the_first_call_starts_before_the_last_download_ends(
    store: Store, replay: ReplayServer, llm: OpenAIServer, input_mode: str, prefix: str
) -> None:
    chosen = papers(5)
    names = serve_inputs(replay, chosen)
    gate = FirstCallGate(llm)
    arxiv = ArxivClient(min_interval=INTERVAL, retry=RetryPolicy(max_retries=0), gate=gate)
    try:
        report = summarize_configured(
            chosen,
            config=config(replay, llm, input_mode),
            store=store,
            env={"DASHSCOPE_API_KEY": "sk-test"},
            arxiv=arxiv,
        )
    finally:
        arxiv.close()

    assert [o.status for o in report.outcomes] == ["ok"] * 5
    assert report.calls == 5 and len(llm.chat_requests) == 5
    fetched = downloads(replay, prefix)
    # every input read once, in the papers' order
    assert [r.path.removeprefix(prefix) for r in fetched] == [names[p.arxiv_id] for p in chosen]
    # the model was at work before the downloads were over
    first_call = min(r.arrived for r in llm.chat_requests)
    assert fetched[-1].finished is not None
    assert first_call < fetched[-1].started < fetched[-1].finished
    # one download at a time, each starting the polite interval after the previous ended. The
    # client counts from when it read the reply; the server notes "finished" a moment after
    # writing it (its thread may be descheduled in between), so that end gets some slack,
    # while the start-to-start gap is exact.
    for previous, following in zip(fetched, fetched[1:], strict=False):
        assert previous.finished is not None
        assert following.started - previous.started >= INTERVAL
        assert following.started - previous.finished >= INTERVAL - SERVER_SLACK
    if input_mode == "upload":
        sent = [r for r in llm.requests if r.method == "POST" and r.path.endswith("/files")]
        assert len(sent) == 5 and llm.files == {}  # every upload deleted again
        for name in names.values():
            assert sum(name.encode() in r.raw for r in sent) == 1


def summarize(
    chosen: list[Paper], store: Store, replay: ReplayServer, llm: OpenAIServer
) -> list[str]:
    arxiv = ArxivClient(min_interval=0.05, retry=RetryPolicy(max_retries=0), gate=RateGate())
    try:
        report = summarize_configured(
            chosen,
            config=config(replay, llm, "upload"),
            store=store,
            env={"DASHSCOPE_API_KEY": "sk-test"},
            arxiv=arxiv,
        )
    finally:
        arxiv.close()
    return [f"{o.status}: {o.error}" if o.error else o.status for o in report.outcomes]


def test_a_missing_pdf_fails_its_paper_only_and_is_tried_again(
    store: Store, replay: ReplayServer, llm: OpenAIServer
) -> None:
    chosen = papers(3)
    names = serve_inputs(replay, chosen)
    missing = names[chosen[1].arxiv_id]
    replay.add(f"/pdf/{missing}", ArxivReply(status=404, body=b"no such paper"))
    first = summarize(chosen, store, replay, llm)
    assert first[0] == first[2] == "ok" and first[1].startswith("failed: ")
    assert "404" in first[1] and missing in first[1]
    assert len(llm.chat_requests) == 2

    replay.add(f"/pdf/{missing}", ArxivReply(body=b"%PDF-1.4\n", content_type="application/pdf"))
    assert summarize(chosen, store, replay, llm) == ["cached", "ok", "cached"]
    assert len(llm.chat_requests) == 3


def test_when_arxiv_stops_answering_no_further_download_is_tried(
    store: Store, replay: ReplayServer, llm: OpenAIServer
) -> None:
    chosen = papers(4)
    names = serve_inputs(replay, chosen)
    dropped = names[chosen[1].arxiv_id]
    replay.add(f"/pdf/{dropped}", ArxivReply(reset=True))
    outcomes = summarize(chosen, store, replay, llm)
    assert outcomes[0] == "ok"
    assert outcomes[1].startswith("failed: ") and outcomes[1:] == [outcomes[1]] * 3
    assert [r.path for r in downloads(replay, "/pdf/")] == [
        f"/pdf/{names[chosen[0].arxiv_id]}",
        f"/pdf/{dropped}",
    ]
    assert len(llm.chat_requests) == 1
