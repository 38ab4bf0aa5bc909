"""docs/relevance.md's figures are what `arxiv-radar eval` measures on the shipped labelled set
with the real model: the table of means, the per-reader comparisons and the weight's effect."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from arxiv_radar.cli.eval_command import read_records
from arxiv_radar.config import load_config
from arxiv_radar.embed import Embedder, load_embedder
from arxiv_radar.embed.papers import embed_papers
from arxiv_radar.evaluate import candidates_for, evaluate, load_labels, ndcg_at, rank_for_eval
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank.ranker import semantic_scorer
from arxiv_radar.rank.scoring import Candidate
from arxiv_radar.schemas import EvalReportOut
from arxiv_radar.store import Store

from cli_helpers import invoke_cli

# One worker measures the set once for every test of this module.
pytestmark = pytest.mark.xdist_group("relevance-doc")

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


class Remembering:
    """The real model, each text embedded once: the readers' anchors are ranked many times."""

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self.model_id = model.model_id
        self.dim = model.dim
        self.seen: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.seen]
        if missing:
            self.seen.update(zip(missing, self.model.embed(missing), strict=True))
        return np.vstack([self.seen[text] for text in texts]).astype(np.float32)


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    yield Remembering(load_embedder())


@pytest.fixture(scope="module")
def papers() -> dict[str, Paper]:
    return {paper.arxiv_id: paper for paper in read_records(RECORDS)}


@pytest.fixture(scope="module")
def store(embedder: Embedder, papers: dict[str, Paper]) -> Iterator[Store]:
    """The records, each embedded once, for every measurement of this module."""
    with Store.open(":memory:") as opened:
        opened.upsert_papers(papers.values())
        embed_papers(opened, embedder, list(papers.values()))
        yield opened


SETTINGS: dict[str, dict[str, float]] = {
    "default": {},
    **{f"expansion {n}": {"expansion_per_1000": n} for n in (0, 5, 20, 30)},
    **{f"weight {w:g}": {"semantic_weight": w} for w in (2.0, 10.0, 20.0)},
}


@pytest.fixture(scope="module")
def measured(
    embedder: Embedder, papers: dict[str, Paper], store: Store
) -> Iterator[dict[str, EvalReportOut]]:
    """The shipped set in every mode with the default settings, and the semantic modes with
    other settings."""
    config = load_config(RELEVANCE / "readers.toml")
    labels = load_labels(RELEVANCE / "labels.jsonl")
    reports: dict[str, EvalReportOut] = {}

    def rank(profile, mode, candidates):  # type: ignore[no-untyped-def]
        if mode not in ("semantic", "hybrid"):
            return rank_for_eval(profile, mode, candidates)
        scorer = semantic_scorer(
            store, profile, mode, [c.paper for c in candidates], embedder=embedder
        )
        return [item.paper.arxiv_id for item in scorer.rank(candidates)]

    candidates = {name: candidates_for(labels, name, papers) for name in labels.profiles}
    for name, update in SETTINGS.items():
        profiles = {
            reader: settings.model_copy(update=update)
            for reader, settings in config.profiles.items()
        }
        modes = (
            ("keywords", "legacy", "semantic", "hybrid")
            if name == "default"
            else ("semantic", "hybrid")
        )
        reports[name] = evaluate(labels, profiles, candidates, modes=modes, rank=rank)
    yield reports


@pytest.fixture(scope="module")
def small_days(
    embedder: Embedder, papers: dict[str, Paper], store: Store
) -> Iterator[dict[tuple[str, int], str]]:
    """The shipped set cut into 10 days of 100 papers (in id order), each ranked alone in the
    semantic modes without expansion and expanded by its first 10 papers (100 per 1,000):
    the mean nDCG@10 over the readers and days, by (mode, expansion_per_1000)."""
    config = load_config(RELEVANCE / "readers.toml")
    labels = load_labels(RELEVANCE / "labels.jsonl")
    ids = sorted(papers)
    found: dict[tuple[str, int], list[float]] = {}
    for mode in ("semantic", "hybrid"):
        for expansion in (0, 100):
            for reader, settings in config.profiles.items():
                profile = settings.model_copy(update={"expansion_per_1000": expansion})
                for start in range(0, len(ids), 100):
                    day = [papers[i] for i in ids[start : start + 100]]
                    relevant = labels.relevant(reader) & {p.arxiv_id for p in day}
                    scorer = semantic_scorer(store, profile, mode, day, embedder=embedder)
                    chosen = [Candidate(p, AnnounceType.NEW, n) for n, p in enumerate(day)]
                    ranked = [item.paper.arxiv_id for item in scorer.rank(chosen)]
                    value = ndcg_at(ranked, relevant, 10)
                    if value is not None:
                        found.setdefault((mode, expansion), []).append(value)
    yield {key: f"{sum(values) / len(values):.3f}" for key, values in found.items()}


def test_what_the_doc_says_of_small_days(small_days: dict[tuple[str, int], str]) -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    for mode in ("semantic", "hybrid"):
        assert float(small_days[mode, 100]) < float(small_days[mode, 0]), mode
    semantic = f"from {small_days['semantic', 0]} to {small_days['semantic', 100]} (`semantic`)"
    hybrid = f"from {small_days['hybrid', 0]} to {small_days['hybrid', 100]} (`hybrid`)"
    assert f"lowers the mean nDCG@10 {semantic} and {hybrid}" in text


def ndcg20(report: EvalReportOut, mode: str) -> str:
    return row(report, mode)[3]


def test_the_table_of_means_is_measured(measured: dict[str, EvalReportOut]) -> None:
    table = documented_table()
    assert list(table) == ["keywords", "legacy", "semantic", "hybrid"]
    for mode, cells in table.items():
        assert cells == row(measured["default"], mode), mode


def test_what_the_doc_says_of_the_modes(measured: dict[str, EvalReportOut]) -> None:
    report = measured["default"]
    ndcg = {(r.profile, r.mode): next(a.ndcg for a in r.at if a.k == 20) for r in report.results}
    readers = sorted({profile for profile, _ in ndcg})
    for mode in ("hybrid", "semantic"):
        ahead = [p for p in readers if ndcg[p, mode] > ndcg[p, "keywords"]]
        assert len(ahead) == 7 and set(readers) - set(ahead) == {"cs_NE"}, mode
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert f"cs.NE: {ndcg['cs_NE', 'hybrid']:.3f} against {ndcg['cs_NE', 'keywords']:.3f}" in text
    keywords, hybrid, semantic = (row(report, m) for m in ("keywords", "hybrid", "semantic"))
    assert f"+{float(hybrid[3]) - float(keywords[3]):.3f} nDCG@20 and" in text
    assert f"+{float(hybrid[4]) - float(keywords[4]):.2f} MAP" in text
    assert f"(+{float(semantic[3]) - float(keywords[3]):.3f} nDCG@20 over" in text
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"hybrid ranks best (nDCG@20 {hybrid[3]}, keywords {keywords[3]})" in readme
    assert max(row(report, mode)[3] for mode in ("keywords", "legacy", "semantic")) < hybrid[3]
    for measure in range(5):  # "the best mode on every measure"
        assert all(row(report, m)[measure] <= hybrid[measure] for m in ("keywords", "legacy"))
    for reader in ("cs_CR", "cs_RO"):  # "far ahead"
        assert ndcg[reader, "semantic"] - ndcg[reader, "keywords"] > 0.2


def test_the_expansion_table_is_measured(measured: dict[str, EvalReportOut]) -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- expansion-table -->")[1].split("<!-- /expansion-table -->")[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", table, re.MULTILINE))
    for mode in ("semantic", "hybrid"):
        reports = [measured[name] for name in ("expansion 0", "expansion 5", "default")]
        reports += [measured["expansion 20"], measured["expansion 30"]]
        measured_row = [ndcg20(report, mode) for report in reports]
        assert [cell.strip() for cell in rows[mode].split("|")] == measured_row, mode
        # "every value helps"
        assert all(value > measured_row[0] for value in measured_row[1:]), mode


def test_what_the_doc_says_of_the_weight(measured: dict[str, EvalReportOut]) -> None:
    at = {
        weight: ndcg20(measured["default" if weight == 5 else f"weight {weight:g}"], "hybrid")
        for weight in (2, 5, 10, 20)
    }
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert (
        f"nDCG@20 of `hybrid` is {at[2]} at 2, {at[5]} at 5, {at[10]} at 10 and {at[20]} at 20"
    ) in text


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
