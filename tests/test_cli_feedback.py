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
