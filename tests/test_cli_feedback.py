"""`arxiv-radar feedback`: a reader's up and down change the next ranking, and its explanation
says so (end to end through the command line, with the real embedding model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.demo import demo_feed_bytes, seed_store
from arxiv_radar.store import Store

from cli_helpers import invoke_cli

SILGAN, MOLCLAW, MEDICAL = "2107.07364", "2604.21937", "2604.21936"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A keywords-only profile and the demo day (34 real papers) in the store."""
    (tmp_path / "arxiv-radar.toml").write_text(
        '[profiles.default]\nkeywords = ["agent"]\n', encoding="utf-8"
    )
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        seed_store(store)
        store.ingest(parse_listing(demo_feed_bytes()).entries)
    return tmp_path


def ranked(folder: Path) -> list[dict[str, object]]:
    result = invoke_cli("rank", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def feedback(folder: Path, *args: str) -> str:
    result = invoke_cli("feedback", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())


def explanation(item: dict[str, object]) -> dict[str, object]:
    value = item["explanation"]
    assert isinstance(value, dict)
    return value


def test_feedback_changes_the_next_ranking_and_says_so(folder: Path) -> None:
    before = ranked(folder)
    assert {explanation(item)["mode"] for item in before} == {"keywords"}
    assert {item["arxiv_id"] for item in before[:2]} == {MOLCLAW, MEDICAL}
    assert SILGAN not in [item["arxiv_id"] for item in before]  # no "agent" in it

    said = feedback(folder, SILGAN, "up")
    assert f"{SILGAN}v1 SilGAN" in said and "marked up for profile default (1 up, 0 down)" in said
    after = ranked(folder)
    order = [item["arxiv_id"] for item in after]
    assert {explanation(item)["mode"] for item in after} == {"hybrid"}
    assert order[0] == SILGAN  # itself: similarity 1
    top = explanation(after[0])
    assert top["nearest_kind"] == "feedback" and str(top["nearest"]).endswith("marked up")
    molclaw_before = next(i["score"] for i in after if i["arxiv_id"] == MOLCLAW)
    assert isinstance(molclaw_before, float)

    said = feedback(folder, f"arXiv:{MOLCLAW}v1", "down")
    assert "marked down" in said and "(1 up, 1 down)" in said
    again = ranked(folder)
    molclaw_after = next(i["score"] for i in again if i["arxiv_id"] == MOLCLAW)
    assert isinstance(molclaw_after, float) and molclaw_after < molclaw_before
    assert [i["arxiv_id"] for i in again].index(MOLCLAW) > order.index(MOLCLAW)

    assert "forgotten" in feedback(folder, SILGAN, "clear")
    assert "(0 up, 1 down)" in feedback(folder, MOLCLAW, "down")
    assert "(0 up, 0 down)" in feedback(folder, MOLCLAW, "clear")
    assert [item["arxiv_id"] for item in ranked(folder)] == [item["arxiv_id"] for item in before]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("2401.99999", "up"),
            "2401.99999 is not in the store: fetch it first "
            "(arxiv-radar backfill --ids 2401.99999)",
        ),
        (("not-an-id", "up"), "'not-an-id' is not an arXiv id"),
        ((SILGAN, "sideways"), "'sideways' is not one of 'up', 'down', 'clear'"),
        ((SILGAN, "up", "--profile", "defualt"), "did you mean default"),
    ],
)
def test_bad_feedback_exits_2(folder: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke_cli("feedback", *args, cwd=folder)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())


def test_enough_feedback_trains_a_model_that_joins_the_hybrid_score(folder: Path) -> None:
    liked = (SILGAN, "2109.07960", "2012.06822")  # driving: maneuvers, pedestrians, ADAS
    disliked = (MOLCLAW, MEDICAL, "2604.21935")  # the agent papers, and the math one
    for arxiv_id in liked[:2]:
        feedback(folder, arxiv_id, "up")
    for arxiv_id in disliked:
        feedback(folder, arxiv_id, "down")
    assert {explanation(item)["feedback"] for item in ranked(folder)} == {None}  # 2 up: no model
    assert "(3 up, 3 down)" in feedback(folder, liked[2], "up")
    trained = {item["arxiv_id"]: explanation(item) for item in ranked(folder)}
    points = {arxiv_id: why["feedback"] for arxiv_id, why in trained.items()}
    assert all(isinstance(value, float) and -2 <= value <= 2 for value in points.values())
    # what was marked up gains, what was marked down loses; the others are judged by likeness
    assert points[SILGAN] > 0 > points[MOLCLAW] and points[MEDICAL] < 0
    unjudged = [i for i in trained if i not in liked + disliked]
    assert len({points[i] for i in unjudged}) == len(unjudged)  # each paper its own
    best = unjudged[0]
    why = trained[best]
    total = sum(why[part] for part in ("keywords", "title_bonus", "semantic", "feedback"))  # type: ignore[misc]
    assert why["total"] == pytest.approx(total, abs=1e-6)
    result = invoke_cli("rank", "--explain", best, cwd=folder)
    assert f"feedback model {points[best]:g}" in " ".join(result.stdout.split())
