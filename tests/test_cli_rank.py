"""`arxiv-radar rank` end to end: hand-computed scores on a real listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxiv_radar.config import load_config
from arxiv_radar.store import Store
from arxiv_radar.store.rankings import config_hash

from cli_helpers import invoke_cli
from replay_server import ReplayServer, Reply, fixture_bytes

RSS_FIXTURE = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
MATH, ARTIFACT, MOLCLAW = "2604.21935", "2604.21936", "2604.21937"


@pytest.fixture
def folder(tmp_path: Path, replay: ReplayServer) -> Path:
    """A store holding the real 27 April 2026 cs.AI listing, and a profile."""
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_FIXTURE)))
    (tmp_path / "arxiv-radar.toml").write_text(
        '[arxiv]\ncategories = ["cs.AI"]\n\n'
        "[profiles.default]\n"
        'keywords = ["agent", "benchmark", "Framework", "RL", "agent"]\n',
        encoding="utf-8",
    )
    result = invoke_cli("fetch", "--no-catch-up", cwd=tmp_path, server=replay)
    assert result.returncode == 0, result.stderr
    return tmp_path


def rank_json(folder: Path, *args: str) -> list[dict[str, object]]:
    result = invoke_cli("rank", "--json", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_keywords_mode_scores_words_not_substrings(folder: Path) -> None:
    ranked = rank_json(folder)
    # Artifact: agent in title 1.5 + benchmark 1.0 + Framework in title 1.5; "RL" is not
    # a word of "world". MolClaw: agent in title 1.5 + benchmark 1.0 ("RL" not in
    # "particularly"). Math: "agents" 1.0 + "benchmarks" 1.0. "agent" listed twice counts once.
    assert [(r["arxiv_id"], r["score"], r["rank"]) for r in ranked] == [
        (ARTIFACT, 4.0, 1),
        (MOLCLAW, 2.5, 2),
        (MATH, 2.0, 3),
    ]
    artifact = ranked[0]
    assert artifact["announce_type"] == "new" and artifact["version"] == 1
    matches = artifact["matches"]
    assert isinstance(matches, list)
    assert {"rule": "Framework", "where": "title", "text": "Framework"}.items() <= matches[
        [m["rule"] for m in matches].index("Framework")
    ].items()
    assert "RL" not in {m["rule"] for m in matches}
    math_matches = ranked[2]["matches"]
    assert isinstance(math_matches, list)
    assert {m["text"] for m in math_matches} >= {"agents", "benchmarks"}


def test_legacy_mode_reproduces_the_old_scores(folder: Path) -> None:
    ranked = rank_json(folder, "--mode", "legacy")
    # Substrings, the duplicate "agent" twice: Artifact 2*1.5 + 1 + 1.5 + 1 ("world") = 6.5;
    # MolClaw 2*1.5 + 1 + 1 ("particularly") = 5.0; Math 2*1 + 1 = 3.0.
    assert [(r["arxiv_id"], r["score"]) for r in ranked] == [
        (ARTIFACT, 6.5),
        (MOLCLAW, 5.0),
        (MATH, 3.0),
    ]


def test_filters_and_explanations(folder: Path) -> None:
    config = folder / "arxiv-radar.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + 'exclude = ["MolClaw"]\nmin_score = 2.5\nmax_papers = 5\n',
        encoding="utf-8",
    )
    assert [r["arxiv_id"] for r in rank_json(folder)] == [ARTIFACT]
    why = invoke_cli("rank", "--explain", MATH, cwd=folder)
    assert why.returncode == 0, why.stderr
    assert "dropped" in why.stdout and "2.5" in why.stdout
    excluded = invoke_cli("rank", "--explain", f"arXiv:{MOLCLAW}v1", "--json", cwd=folder)
    assert excluded.returncode == 0, excluded.stderr
    explanation = json.loads(excluded.stdout)
    assert explanation["dropped"] == "excluded"
    assert "MolClaw" in explanation["reason"]


def test_the_ranking_is_saved_with_every_explanation(folder: Path) -> None:
    result = invoke_cli("rank", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "ranking saved for profile default" in " ".join(result.stdout.split())
    config = load_config(folder / "arxiv-radar.toml")
    with Store.open(str(folder / "arxiv-radar.db")) as store:
        day = store.latest_announcement_date()
        assert day is not None
        stored = store.ranking("default", day, config_hash(config.profiles["default"]))
    assert stored is not None
    assert {e.arxiv_id: (e.rank, e.score) for e in stored.entries} == {
        ARTIFACT: (1, 4.0),
        MOLCLAW: (2, 2.5),
        MATH: (3, 2.0),
    }
    assert stored.entries[0].explanation.mode == "keywords"


def test_table_output_and_errors(folder: Path) -> None:
    table = invoke_cli("rank", cwd=folder)
    assert table.returncode == 0, table.stderr
    assert "3 of 3 papers" in table.stdout and ARTIFACT in table.stdout
    unknown = invoke_cli("rank", "--profile", "defualt", cwd=folder)
    assert unknown.returncode == 2
    assert "did you mean default" in unknown.stderr
    missing = invoke_cli("rank", "--explain", "2604.99999", cwd=folder)
    assert missing.returncode == 2 and "not in the store" in missing.stderr
    empty = invoke_cli("rank", cwd=folder, env={"ARXIV_RADAR_DB": str(folder / "empty.db")})
    assert empty.returncode == 2 and "arxiv-radar fetch" in empty.stderr
