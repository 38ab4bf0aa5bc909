"""docs/relevance.md's figures are what `arxiv-radar eval` measures on the shipped labelled set
with the real model: the table of means, the per-reader comparisons and the weight's effect."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_radar.cli.eval_command import read_records
from arxiv_radar.config import load_config
from arxiv_radar.embed import Embedder, load_embedder
from arxiv_radar.evaluate import candidates_for, evaluate, load_labels, rank_for_eval
from arxiv_radar.rank.ranker import semantic_scorer
from arxiv_radar.schemas import EvalReportOut
from arxiv_radar.store import Store

from cli_helpers import invoke_cli

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "relevance.md"
RELEVANCE = ROOT / "tests" / "fixtures" / "relevance"
RECORDS = (
    ROOT
    / "tests/fixtures/arxiv/oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
)


def documented_table() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- relevance-table -->")[1].split("<!-- /relevance-table -->")[0]
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", table, re.MULTILINE)
    return {mode: [cell.strip() for cell in cells.split("|")] for mode, cells in rows}


def row(report: EvalReportOut, mode: str) -> list[str]:
    mean = next(m for m in report.means if m.mode == mode)
    at = {item.k: item for item in mean.at}
    values = [at[10].precision, at[20].precision, at[20].recall, at[20].ndcg]
    values.append(mean.mean_average_precision)
    return [f"{value:.3f}" for value in values]


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    yield load_embedder()


@pytest.fixture(scope="module")
def measured(embedder: Embedder) -> Iterator[dict[float, EvalReportOut]]:
    """The shipped set in every mode, hybrid at several weights: one store, each paper
    embedded once."""
    config = load_config(RELEVANCE / "readers.toml")
    labels = load_labels(RELEVANCE / "labels.jsonl")
    papers = {paper.arxiv_id: paper for paper in read_records(RECORDS)}
    reports: dict[float, EvalReportOut] = {}
    with Store.open(":memory:") as store:
        store.upsert_papers(papers.values())

        def rank(profile, mode, candidates):  # type: ignore[no-untyped-def]
            if mode not in ("semantic", "hybrid"):
                return rank_for_eval(profile, mode, candidates)
            scorer = semantic_scorer(
                store, profile, mode, [c.paper for c in candidates], embedder=embedder
            )
            return [item.paper.arxiv_id for item in scorer.rank(candidates)]

        candidates = {name: candidates_for(labels, name, papers) for name in labels.profiles}
        for weight in (5.0, 2.0, 10.0, 20.0):
            profiles = {
                name: settings.model_copy(update={"semantic_weight": weight})
                for name, settings in config.profiles.items()
            }
            modes = ("keywords", "legacy", "semantic", "hybrid") if weight == 5.0 else ("hybrid",)
            reports[weight] = evaluate(labels, profiles, candidates, modes=modes, rank=rank)
    yield reports


def test_the_table_of_means_is_measured(measured: dict[float, EvalReportOut]) -> None:
    table = documented_table()
    assert list(table) == ["keywords", "legacy", "semantic", "hybrid"]
    for mode, cells in table.items():
        assert cells == row(measured[5.0], mode), mode


def test_what_the_doc_says_of_the_modes(measured: dict[float, EvalReportOut]) -> None:
    report = measured[5.0]
    ndcg = {(r.profile, r.mode): next(a.ndcg for a in r.at if a.k == 20) for r in report.results}
    readers = sorted({profile for profile, _ in ndcg})
    ahead = [p for p in readers if ndcg[p, "hybrid"] > ndcg[p, "keywords"]]
    assert len(ahead) == 7 and set(readers) - set(ahead) == {"cs_LO"}
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert f"cs.LO: {ndcg['cs_LO', 'hybrid']:.3f} against {ndcg['cs_LO', 'keywords']:.3f}" in text
    keywords, hybrid = row(report, "keywords"), row(report, "hybrid")
    assert f"+{float(hybrid[3]) - float(keywords[3]):.3f} nDCG@20" in text
    assert f"+{float(hybrid[4]) - float(keywords[4]):.2f} MAP" in text
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"hybrid ranks best (nDCG@20 {hybrid[3]}, keywords {keywords[3]})" in readme
    assert max(row(report, mode)[3] for mode in ("keywords", "legacy", "semantic")) < hybrid[3]
    for reader in ("cs_CR", "cs_RO"):  # "far ahead"
        assert ndcg[reader, "semantic"] - ndcg[reader, "keywords"] > 0.09
    assert ndcg["cs_DS", "keywords"] - ndcg["cs_DS", "semantic"] > 0.2  # "far behind"


def test_what_the_doc_says_of_the_weight(measured: dict[float, EvalReportOut]) -> None:
    at = {weight: float(row(report, "hybrid")[3]) for weight, report in measured.items()}
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    low, high = sorted((at[2.0], at[5.0], at[10.0]))[::2]
    assert f"between 2 and 10 (nDCG@20 {low:.3f} to {high:.3f})" in text
    assert f"costs at 20 ({at[20.0]:.3f})" in text


def test_the_documented_command_runs(tmp_path: Path) -> None:
    """The doc's command, one reader, keywords and hybrid: the same figures as in process."""
    result = invoke_cli(
        "eval",
        "--config",
        str(RELEVANCE / "readers.toml"),
        "--labels",
        str(RELEVANCE / "labels.jsonl"),
        "--records",
        str(RECORDS),
        "--profile",
        "cs_DB",
        "--mode",
        "keywords,hybrid",
        "--json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["modes"] == ["keywords", "hybrid"]
    hybrid = next(r for r in report["results"] if r["mode"] == "hybrid")
    assert hybrid["ranked"] > 900  # every paper close enough in meaning is ranked
