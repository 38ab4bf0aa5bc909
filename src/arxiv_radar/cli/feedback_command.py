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
    be in the store; the latest judgement of a paper is kept. The pages arxiv-radar serve
    serves do the same with up and down buttons, for the holder of the profile's token
    (arxiv-radar feedback-token). See docs/relevance.md.

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
    with open_existing(ctx.store_url, **ctx.store_options) as store:
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


def feedback_token(
    profile: Annotated[
        str | None,
        typer.Option("--profile", "-p", help="Profile it is for (default: 'default')."),
    ] = None,
    revoke: Annotated[
        bool,
        typer.Option("--revoke", help="Forget the profile's token: its buttons stop working."),
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Make the token that shows up/down buttons on the pages arxiv-radar serve serves.

    Prints a new random token for the profile, once: the store keeps only its SHA-256, and
    the new token replaces the one made before (which stops working). Open a page of the
    server once with #token=TOKEN at the end of its address: the page keeps the token in
    that browser, removes it from the address, and shows up and down buttons on every paper
    that record feedback as arxiv-radar feedback does. Without the token a page shows no
    buttons, and the server refuses feedback (401 without a token, 403 with a wrong one).
    See docs/server.md.

    Examples:

      arxiv-radar feedback-token

      arxiv-radar feedback-token --profile systems

      arxiv-radar feedback-token --revoke
    """
    ctx = load_context(config, db, debug)
    name, _ = resolve_profile(ctx.config, profile)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        if revoke:
            had = store.revoke_feedback_token(name)
        else:
            token = store.new_feedback_token(name)
    if revoke:
        done = "revoked" if had else "had none to revoke"
        out.print(f"Feedback token of profile [bold]{escape(name)}[/]: {done}.")
        return
    out.print(token, markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"Above: the new feedback token of profile [bold]{escape(name)}[/], shown only this "
        "once (a token made before no longer works). Open a page served by arxiv-radar serve "
        f"once with #token={token} at the end of its address, e.g. "
        f"http://127.0.0.1:8000/#token={token} : that browser then shows up and down buttons "
        "on every paper.",
        highlight=False,
        soft_wrap=True,
    )
