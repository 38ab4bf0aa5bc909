"""``arxiv-radar feedback``: tell a profile that a paper is, or is not, what you want."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.markup import escape

from arxiv_radar.cli.common import ConfigOption, DbOption, DebugOption, load_context, out
from arxiv_radar.cli.ingest_commands import open_existing
from arxiv_radar.cli.rank_command import resolve_profile
from arxiv_radar.errors import UsageError

JUDGEMENTS = {"up": 1, "down": -1, "clear": None}


def feedback(
    paper: Annotated[str, typer.Argument(help="The paper's arXiv id, e.g. 2604.21935.")],
    judgement: Annotated[
        Literal["up", "down", "clear"],
        typer.Argument(help="up: more like this. down: less like this. clear: forget it."),
    ],
    profile: Annotated[
        str | None,
        typer.Option("--profile", "-p", help="Profile it is for (default: 'default')."),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Mark a paper up or down for a profile: its next rankings learn from it.

    A paper marked up counts as one more of the profile's interests: papers close to it in
    meaning rank higher, and the explanation says "similarity ... to feedback". A paper
    marked down pulls papers close to it down. Judgements count in the semantic and hybrid
    modes; a profile with keywords only ranks in hybrid mode once it has one. The paper must
    be in the store; the latest judgement of a paper is kept. See docs/relevance.md.

    Examples:

      arxiv-radar feedback 2604.21935 up

      arxiv-radar feedback 2604.21937 down --profile systems

      arxiv-radar feedback 2604.21935 clear
    """
    from arxiv_radar.arxiv.ids import InvalidArxivId, normalize_arxiv_id

    ctx = load_context(config, db, debug)
    name, _ = resolve_profile(ctx.config, profile)
    try:
        wanted = normalize_arxiv_id(paper)
    except InvalidArxivId as error:
        raise UsageError(str(error)) from None
    with open_existing(ctx.store_url) as store:
        stored = store.get_paper(wanted)
        if stored is None:
            raise UsageError(
                f"{wanted} is not in the store: fetch it first "
                f"(arxiv-radar backfill --ids {wanted})"
            )
        store.record_feedback(name, wanted, JUDGEMENTS[judgement])
        recorded = store.feedback(name)
    ups = sum(1 for value in recorded.values() if value > 0)
    downs = len(recorded) - ups
    done = "forgotten" if judgement == "clear" else f"marked {judgement}"
    out.print(
        f"{escape(stored.paper.versioned_id)} {escape(stored.paper.title)}: {done} for profile "
        f"[bold]{escape(name)}[/] ({ups} up, {downs} down). The next ranking of a day uses it."
    )
