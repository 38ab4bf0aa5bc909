"""One JSON shape per thing: the same paper is the same JSON in every output.

The demo day goes through the real pipeline into a SQLite store and an output folder,
offline; then ``papers --json`` and ``rank --json`` (in process), ``site/data.json``,
``exports/digest.json`` and the API's ``/api/papers`` (in process, over ASGI) must show each
paper with the same fields and values, and each document must validate against the JSON
Schema of its model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from arxiv_radar.config import Config, ProfileConfig, SummaryConfig
from arxiv_radar.demo import DEMO_NOW, demo_transport
from arxiv_radar.models import RunReport
from arxiv_radar.scheduler import pipeline_runner
from arxiv_radar.schemas import (
    DigestOut,
    DigestPaperOut,
    PaperOut,
    RankedPaperOut,
    StoredPaperOut,
)
from arxiv_radar.server import create_app
from arxiv_radar.server.schemas import PapersPage

from cli_helpers import invoke_cli

DAY = DEMO_NOW.date().isoformat()
MAX_PAPERS = 10
PAPER_FIELDS = set(PaperOut.model_fields)
RANKED_FIELDS = set(RankedPaperOut.model_fields)


def demo_config() -> Config:
    return Config(
        profiles={"default": ProfileConfig(max_papers=MAX_PAPERS)},
        summaries=SummaryConfig(provider="extractive"),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the demo day's store (radar.db), outputs (out/) and configuration."""
    folder = tmp_path_factory.mktemp("schemas")
    config = demo_config()
    report: RunReport = pipeline_runner(
        config,
        str(folder / "radar.db"),
        output=folder / "out",
        transport=demo_transport(),
        now=lambda: DEMO_NOW,
        catch_up=False,
    )()
    assert report.status == "ok" and report.papers_shown == MAX_PAPERS
    (folder / "arxiv-radar.toml").write_text(
        f'[profiles.default]\nmax_papers = {MAX_PAPERS}\n\n[summaries]\nprovider = "extractive"\n',
        encoding="utf-8",
    )
    return folder


def cli_json(demo: Path, *args: str) -> Any:
    result = invoke_cli(*args, "--json", "--date", DAY, "--db", str(demo / "radar.db"), cwd=demo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def api_papers(demo: Path) -> Any:
    async def get() -> Any:
        app = create_app(demo_config(), str(demo / "radar.db"), env={}, state_ttl=0.0)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/api/papers", params={"date": DAY, "limit": 200})
        finally:
            app.state.data.close()
        assert response.status_code == 200, response.text
        return response.json()

    import anyio

    return anyio.run(get)


def by_id(papers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {paper["arxiv_id"]: paper for paper in papers}


def validate(document: Any, model: Any) -> None:
    """``document`` is valid under the JSON Schema of ``model`` (as its readers see it)."""
    schema = model.model_json_schema(mode="serialization", by_alias=True)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


def test_the_same_paper_has_the_same_fields_and_values_everywhere(demo: Path) -> None:
    stored = by_id(cli_json(demo, "papers"))
    ranked = by_id(cli_json(demo, "rank"))
    digest = json.loads((demo / "out" / "exports" / "digest.json").read_text(encoding="utf-8"))
    site = json.loads((demo / "out" / "site" / "data.json").read_text(encoding="utf-8"))
    api = api_papers(demo)

    assert digest == site  # the site's data is the digest, the same document
    shown = by_id(digest["papers"])
    served = by_id(api["papers"])
    assert len(shown) == MAX_PAPERS and list(served) == list(shown)
    assert list(ranked)[:MAX_PAPERS] == list(shown)  # the digest is the ranking's head
    assert set(shown) <= set(ranked) <= set(stored)

    for arxiv_id, paper in shown.items():
        assert set(paper) == set(DigestPaperOut.model_fields)
        # the API's paper is the digest's paper, field for field
        assert served[arxiv_id] == paper
        # the ranked paper is the digest's paper without its summary
        assert ranked[arxiv_id] == {k: v for k, v in paper.items() if k in RANKED_FIELDS}
        # the stored paper carries the same paper fields, plus its announcements
        assert {k: stored[arxiv_id][k] for k in PAPER_FIELDS} == {k: paper[k] for k in PAPER_FIELDS}
    summarized = [paper for paper in shown.values() if paper["summary"] is not None]
    assert summarized and all(p["summary"]["extractive"] for p in summarized)


def test_every_output_validates_against_its_model_schema(demo: Path) -> None:
    digest = json.loads((demo / "out" / "exports" / "digest.json").read_text(encoding="utf-8"))
    validate(digest, DigestOut)
    for paper in cli_json(demo, "papers"):
        validate(paper, StoredPaperOut)
    ranked = cli_json(demo, "rank")
    assert ranked
    for paper in ranked:
        validate(paper, RankedPaperOut)
        assert set(paper) == RANKED_FIELDS
    validate(api_papers(demo), PapersPage)


def test_a_schema_model_refuses_a_field_it_does_not_declare() -> None:
    fields = dict.fromkeys(PAPER_FIELDS) | {"surprise": 1}
    with pytest.raises(ValueError, match="surprise"):
        PaperOut.model_validate(fields)
