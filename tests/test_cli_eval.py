"""`arxiv-radar eval` end to end, on the shipped relevance set of 1,000 real arXiv records
(tests/fixtures/relevance/README.md) and on small stores; the set itself is checked against
its README and rebuilt from its sources."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.oai import parse_list_records
from arxiv_radar.config import load_config
from arxiv_radar.evaluate import load_labels
from arxiv_radar.models import Announcement, AnnounceType, ListingEntry, Paper
from arxiv_radar.store import Store
from test_cli_imports import HEAVY, invoke

from cli_helpers import invoke_cli

ROOT = Path(__file__).resolve().parents[1]
RELEVANCE = ROOT / "tests" / "fixtures" / "relevance"
READERS = RELEVANCE / "readers.toml"
LABELS = RELEVANCE / "labels.jsonl"
ARXIV = ROOT / "tests" / "fixtures" / "arxiv"
RECORDS = ARXIV / "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
API_FEED = ARXIV / "api_atom_search_testing_100entries_2026.xml"
SHIPPED = ("--config", str(READERS), "--labels", str(LABELS), "--records", str(RECORDS))
READER_NAMES = ("cs_CR", "cs_DB", "cs_DS", "cs_GT", "cs_LO", "cs_NE", "cs_NI", "cs_RO")


def records() -> list[Paper]:
    with RECORDS.open("rb") as source:
        return list(parse_list_records(source))


def eval_json(cwd: Path, *args: str) -> dict[str, object]:
    result = invoke_cli("eval", "--json", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def readme_counts() -> dict[str, tuple[str, int, int]]:
    text = (RELEVANCE / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (\S+) \| (\d+) \| (\d+) \|$", text, re.MULTILINE)
    return {name: (category, int(yes), int(no)) for name, category, yes, no in rows}


# ---------------------------------------------------------------- the shipped set


def test_the_shipped_set_as_tables(tmp_path: Path) -> None:
    result = invoke_cli("eval", *SHIPPED, "--mode", "keywords,legacy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for k in (5, 10, 20):
        assert f"k = {k} (labelled papers)" in text
        assert f"P@{k}" in text and f"R@{k}" in text and f"nDCG@{k}" in text
    for name in READER_NAMES:
        assert re.search(rf"│ {name} +│ keywords │ [01]\.\d{{3}} │", text), name
        assert re.search(rf"│ {name} +│ legacy +│ [01]\.\d{{3}} │", text), name
    assert text.count("mean of 8 ") == 8  # 3 values of k x 2 modes, and MAP x 2 modes
    assert "Average precision" in text and "mean of 8 (MAP)" in text
    assert "No relevant paper" not in text


def test_the_shipped_set_as_json_keywords_and_legacy(tmp_path: Path) -> None:
    report = eval_json(tmp_path, *SHIPPED, "--mode", "keywords", "--mode", "legacy")
    assert report["ks"] == [5, 10, 20] and report["modes"] == ["keywords", "legacy"]
    assert report["labels"] == str(LABELS) and report["day"] is None
    assert report["excluded"] == []
    results = report["results"]
    assert isinstance(results, list) and len(results) == 16
    assert [(r["profile"], r["mode"]) for r in results] == [
        (name, mode) for name in READER_NAMES for mode in ("keywords", "legacy")
    ]
    counts = readme_counts()
    for result in results:
        assert result["papers"] == 1000
        assert result["relevant"] == counts[result["profile"]][1]
        assert 0 < result["ranked"] <= 1000
        assert 0.0 <= result["average_precision"] <= 1.0
        assert [m["k"] for m in result["at"]] == [5, 10, 20]
        for metrics in result["at"]:
            for name in ("precision", "recall", "ndcg"):
                assert 0.0 <= metrics[name] <= 1.0
    means = {mean["mode"]: mean for mean in report["means"]}
    assert set(means) == {"keywords", "legacy"}
    for mean in means.values():
        assert mean["profiles"] == 8
        p_at_10 = mean["at"][1]["precision"]
        # A reader's base rate is 3 to 7%: plain keywords do far better than chance.
        assert 0.3 < p_at_10 <= 1.0
        assert 0.0 < mean["mean_average_precision"] <= 1.0
    # The two modes are different rankings: somewhere their numbers differ.
    assert means["keywords"]["at"] != means["legacy"]["at"]


def test_profiles_modes_and_cut_offs_can_be_chosen(tmp_path: Path) -> None:
    report = eval_json(
        tmp_path,
        *SHIPPED,
        "--profile",
        "cs_DB,cs_CR",
        "-p",
        "cs_DB",
        "--mode",
        "legacy",
        "--k",
        "3, 1",
    )
    assert report["ks"] == [1, 3] and report["modes"] == ["legacy"]
    assert [(r["profile"], r["mode"]) for r in report["results"]] == [
        ("cs_DB", "legacy"),
        ("cs_CR", "legacy"),
    ]
    assert [mean["profiles"] for mean in report["means"]] == [2]


def test_the_labelled_set_matches_its_readme_and_its_readers() -> None:
    labels = load_labels(LABELS)
    counts = readme_counts()
    assert list(counts) == labels.profiles == list(READER_NAMES)
    for name, (category, relevant, not_relevant) in counts.items():
        assert category == name.replace("_", ".")
        assert len(labels.papers(name)) == relevant + not_relevant == 1000
        assert len(labels.relevant(name)) == relevant
    by_id = {paper.arxiv_id: paper for paper in records()}
    assert set(labels.arxiv_ids()) == set(by_id)
    for name in READER_NAMES:
        category = counts[name][0]
        assert labels.relevant(name) == {i for i, p in by_id.items() if category in p.categories}
    config = load_config(READERS)
    assert list(config.profiles) == list(READER_NAMES)
    for profile in config.profiles.values():
        assert 3 <= len(profile.keywords) <= 6 and len(profile.interests) == 2
        assert (profile.max_papers, profile.min_score) == (1000, 0)
        assert not (profile.category_weights or profile.authors or profile.required)
        assert not profile.exclude


def load_script() -> ModuleType:
    path = ROOT / "scripts" / "build_relevance_set.py"
    spec = importlib.util.spec_from_file_location("build_relevance_set", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_rebuilds_exactly_the_committed_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = load_script()
    rebuilt = tmp_path / "labels.jsonl"
    assert script.main(["--output", str(rebuilt)]) == 0
    assert rebuilt.read_bytes() == LABELS.read_bytes()
    printed = capsys.readouterr().out
    table = "\n".join(line for line in printed.splitlines() if line.startswith("|"))
    assert table.count("\n") == 9  # header, rule, 8 readers
    assert table in (RELEVANCE / "README.md").read_text(encoding="utf-8")
    assert script.main(["--check"]) == 0
    rebuilt.write_text("{}\n", encoding="utf-8")
    assert script.main(["--check", "--output", str(rebuilt)]) == 1
    assert "is out of date" in capsys.readouterr().err


# ---------------------------------------------------------------- stores, days, other files


def write_labels(folder: Path, *labels: tuple[str, str, bool]) -> Path:
    path = folder / "labels.jsonl"
    path.write_text(
        "".join(
            json.dumps({"profile": p, "arxiv_id": i, "relevant": r}) + "\n" for p, i, r in labels
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The readers' configuration, and a store holding the first 50 records."""
    (tmp_path / "arxiv-radar.toml").write_text(
        READERS.read_text(encoding="utf-8"), encoding="utf-8"
    )
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        store.upsert_papers(records()[:50])
    return tmp_path


def test_a_labelled_paper_missing_from_the_store_is_named_with_the_fix(folder: Path) -> None:
    stored = [paper.arxiv_id for paper in records()[:3]]
    labels = write_labels(
        folder,
        ("cs_DB", stored[0], True),
        ("cs_DB", "0708.2571", False),
        ("cs_DB", "hep-th/9901001", True),
    )
    result = invoke_cli("eval", "--labels", str(labels), cwd=folder)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "2 of the 3 labelled papers are not in the store" in message
    assert "0708.2571, hep-th/9901001. " in message
    assert "arxiv-radar backfill --ids 0708.2571,hep-th/9901001" in message
    assert "--records FILE" in message
    labels = write_labels(folder, *[("cs_DB", f"0801.{n:04d}", False) for n in range(1, 31)])
    result = invoke_cli("eval", "--labels", str(labels), cwd=folder)
    message = " ".join(result.stderr.split())
    assert result.returncode == 2 and "30 of the 30 labelled papers" in message
    assert "0801.0004, 0801.0005 and 25 more" in message
    assert "backfill --ids ID,ID,...`" in message


def test_the_store_is_read_when_no_records_file_is_given(folder: Path) -> None:
    papers = records()[:50]
    networking = [p.arxiv_id for p in papers if "cs.NI" in p.categories]
    others = [p.arxiv_id for p in papers if "cs.NI" not in p.categories][:10]
    assert len(networking) == 4
    labels = write_labels(
        folder, *[("cs_NI", i, True) for i in networking], *[("cs_NI", i, False) for i in others]
    )
    report = eval_json(folder, "--labels", str(labels), "--db", "arxiv-radar.db", "--k", "2")
    keywords, legacy, semantic, hybrid = report["results"]  # the readers have interests
    assert keywords["papers"] == legacy["papers"] == semantic["papers"] == hybrid["papers"] == 14
    assert keywords["relevant"] == legacy["relevant"] == 4
    assert [m["k"] for m in keywords["at"]] == [2]


def test_a_day_ranks_the_days_papers_and_unlabelled_ones_are_not_relevant(folder: Path) -> None:
    day = dt.date(2007, 4, 2)
    papers = records()[50:54]
    labels_of_day = [p.arxiv_id for p in papers]
    with Store.open(str(folder / "arxiv-radar.db")) as store:
        store.ingest(
            ListingEntry(
                paper=paper,
                announcement=Announcement(
                    arxiv_id=paper.arxiv_id,
                    version=paper.version,
                    announced_on=day,
                    announce_type=AnnounceType.NEW,
                ),
            )
            for paper in papers
        )
    labels = write_labels(
        folder,
        ("cs_DB", labels_of_day[0], True),
        ("cs_DB", labels_of_day[1], False),
        ("cs_DB", "0704.0002", True),  # stored, but not announced that day: left out
        ("cs_NI", "0708.2571", True),  # not stored, not that day: no error with --date
    )
    report = eval_json(folder, "--labels", str(labels), "--date", str(day), "--mode", "keywords")
    assert report["day"] == str(day)
    db, ni = report["results"]
    assert (db["papers"], db["relevant"]) == (4, 1)  # the day's 4 papers, 2 of them unlabelled
    assert (ni["papers"], ni["relevant"]) == (4, 0)
    assert report["excluded"] == ["cs_NI"]
    assert report["means"][0]["profiles"] == 1
    table = invoke_cli("eval", "--labels", str(labels), "--date", str(day), cwd=folder)
    assert table.returncode == 0, table.stderr
    assert "k = 5 (2007-04-02: papers announced that day)" in table.stdout
    assert "No relevant paper, left out of the means: cs_NI" in table.stdout
    assert "│ cs_NI     │ keywords │     - │     - │      - │" in table.stdout

    only_other_days = write_labels(folder, ("cs_DB", "0704.0002", True))
    result = invoke_cli("eval", "--labels", str(only_other_days), "--date", str(day), cwd=folder)
    assert result.returncode == 2
    assert "none of the papers labelled in" in result.stderr
    result = invoke_cli("eval", "--labels", str(labels), "--date", "2007-04-03", cwd=folder)
    assert result.returncode == 2
    assert "the store holds no papers announced on 2007-04-03" in result.stderr


def test_records_from_an_export_api_feed(tmp_path: Path) -> None:
    papers = parse_feed(API_FEED.read_bytes()).papers
    labels = write_labels(
        tmp_path,
        *[("default", p.arxiv_id, "testing" in p.title.lower()) for p in papers[:20]],
    )
    (tmp_path / "arxiv-radar.toml").write_text(
        '[profiles.default]\nkeywords = ["testing", "tests"]\n', encoding="utf-8"
    )
    report = eval_json(tmp_path, "--labels", str(labels), "--records", str(API_FEED))
    assert report["results"][0]["papers"] == 20
    labels = write_labels(tmp_path, ("default", "0704.0002", True))
    result = invoke_cli("eval", "--labels", str(labels), "--records", str(API_FEED), cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert f"1 of the 1 labelled papers is not in {API_FEED}: 0704.0002." in message


# ---------------------------------------------------------------- errors


def test_bad_labels_exit_2_naming_the_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"profile": "cs_CR", "arxiv_id": "0704.0002", "relevant": false}\n'
        '{"profile": "cs_CR", "arxiv_id": "0704.0046", "relevant": "no"}\n',
        encoding="utf-8",
    )
    result = invoke_cli(
        "eval", "-c", str(READERS), "--labels", str(labels), "--records", str(RECORDS), cwd=tmp_path
    )
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert f"{labels}: line 2: key 'relevant': found \"no\" (expected true or false)" in message
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--mode", "keyword"),
            "unknown ranking mode 'keyword' (expected one of keywords, legacy, semantic, hybrid)",
        ),
        (("--k", "5,ten"), "--k '5,ten': expected whole numbers of 1 or more"),
        (("--k", "0,5"), "--k '0,5': expected whole numbers"),
        (("--profile", "cs_XX"), "has no labels for profile 'cs_XX' (it labels papers for cs_CR,"),
        (("--db", "other.db"), "--records and --db are alternatives"),
        (("--date", "2007-04-02"), "--date needs the store's announcements"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke_cli("eval", *SHIPPED, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())


def test_labels_for_a_profile_the_configuration_lacks(tmp_path: Path) -> None:
    result = invoke_cli("eval", "--labels", str(LABELS), "--records", str(RECORDS), cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "labels papers for 'cs_CR', 'cs_DB'," in message
    assert "which the built-in configuration does not define (its profiles: default)" in message
    assert "with --config" in message


def test_a_records_file_that_is_not_arxiv_xml(tmp_path: Path) -> None:
    for name, content in (("notes.xml", b"<notes/>"), ("junk.xml", b"not xml at all")):
        (tmp_path / name).write_bytes(content)
        result = invoke_cli(
            "eval", "-c", str(READERS), "--labels", str(LABELS), "--records", name, cwd=tmp_path
        )
        assert result.returncode == 2
        assert "is neither an OAI-PMH ListRecords response nor an export API feed" in result.stderr
    result = invoke_cli(
        "eval", "-c", str(READERS), "--labels", str(LABELS), "--records", "gone.xml", cwd=tmp_path
    )
    assert result.returncode == 2 and "cannot read the records file gone.xml" in result.stderr
    oai = (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="{}">x</error></OAI-PMH>'
    )
    for code, message in (
        ("noRecordsMatch", "empty.xml holds no arXiv records"),
        ("badArgument", "empty.xml: OAI-PMH error badArgument"),
    ):
        (tmp_path / "empty.xml").write_text(oai.format(code), encoding="utf-8")
        result = invoke_cli(
            "eval",
            "-c",
            str(READERS),
            "--labels",
            str(LABELS),
            "--records",
            "empty.xml",
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert message in " ".join(result.stderr.split())


def test_no_store_is_created_by_eval(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text(READERS.read_text(encoding="utf-8"), "utf-8")
    result = invoke_cli("eval", "--labels", str(LABELS), cwd=tmp_path)
    assert result.returncode == 2 and "no store" in result.stderr
    assert not (tmp_path / "arxiv-radar.db").exists()


def test_help_teaches_and_imports_nothing_heavy() -> None:
    code, output, modules = invoke("eval", "--help")
    assert code == 0
    assert "arxiv-radar eval --labels labels.jsonl" in output and "nDCG@k" in output
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
