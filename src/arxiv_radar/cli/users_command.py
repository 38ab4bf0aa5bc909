"""``arxiv-radar users``: the readers of a server shared by many (add, list, token, remove)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arxiv_radar.cli.common import (
    ConfigOption,
    DbOption,
    DebugOption,
    RadarCommand,
    load_context,
    out,
    reflow_help,
)
from arxiv_radar.cli.ingest_commands import open_existing
from arxiv_radar.errors import UsageError

if TYPE_CHECKING:
    from arxiv_radar.store import ReaderTokens

users_app = typer.Typer(
    name="users",
    help=(
        "Readers of a server shared by many: each owns profiles and reads them alone.\n\n"
        "A reader gets two secrets, printed once (the store keeps only their SHA-256): an "
        "API token for Authorization: Bearer (GET /api/me, and /api/feedback for their "
        "profiles) and a feed token, the secret part of their feed URLs /u/<feed token>/rss, "
        "/atom and /feed.json, which feed readers can poll. The profiles a reader owns leave "
        "the server's public routes. See docs/server.md (Many readers).\n\n"
        "Examples:\n\n"
        "  arxiv-radar users add ada --profile ada\n\n"
        "  arxiv-radar users list"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ReaderName = Annotated[str, typer.Argument(help="The reader's name (letters, digits, . _ -).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _print_tokens(tokens: ReaderTokens, profiles: list[str], as_json: bool) -> None:
    name, api, feed, paths = tokens.name, tokens.api_token, tokens.feed_token, tokens.feeds
    if as_json:
        shown = {
            "name": name,
            "profiles": profiles,
            "api_token": api,
            "feed_token": feed,
            "feeds": paths,
        }
        out.print_json(json.dumps(shown))
        return
    out.print(
        f"Reader [bold]{escape(name)}[/], profiles: {escape(', '.join(profiles) or 'none')}. "
        "Their secrets are shown only this once:",
        highlight=False,
        soft_wrap=True,
    )
    out.print(f"API token:  {api}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"feed token: {feed}", markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"Feeds, after the server's address: {paths['rss']}  {paths['atom']}  {paths['json']}"
        " (add ?profile=NAME for another of their profiles).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _check_profiles(profiles: list[str], known: Collection[str]) -> None:
    unknown = [name for name in profiles if name not in known]
    if unknown:
        raise UsageError(
            f"no profile {', '.join(repr(name) for name in unknown)} in the configuration: "
            "add [profiles.NAME] first, or choose one of "
            f"{', '.join(sorted(known)) or 'none'}"
        )


def add(
    name: ReaderName,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="<profile>",
            help="A profile of the configuration they own (repeat it).",
        ),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Add a reader owning some profiles, and print their API token and feed URLs once.

    A profile has one owner at most: one owned by another reader is refused (exit 2), and
    nothing is written. The store is created if there is none yet.

    Examples:

      arxiv-radar users add ada --profile ada

      arxiv-radar users add lab --profile systems --profile theory --json
    """
    ctx = load_context(config, db, debug)
    profiles = list(dict.fromkeys(profile or []))
    _check_profiles(profiles, ctx.config.profiles)
    from arxiv_radar.store import Store

    # A server's readers may come before its first run: the store is made if need be.
    with Store.open(ctx.store_url, **ctx.store_options) as store:
        tokens = store.add_reader(name, profiles)
    _print_tokens(tokens, profiles, as_json)


def list_(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """List the readers and the profiles they own (never their tokens: only hashes are kept)."""
    ctx = load_context(config, db, debug)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        readers = store.readers()
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "name": reader.name,
                        "profiles": list(reader.profiles),
                        "created_at": reader.created_at.isoformat(),
                        "updated_at": reader.updated_at.isoformat(),
                    }
                    for reader in readers
                ]
            )
        )
        return
    if not readers:
        out.print("No readers yet: arxiv-radar users add NAME --profile P adds one.")
        return
    table = Table(show_edge=False)
    table.add_column("reader")
    table.add_column("profiles")
    table.add_column("since")
    for reader in readers:
        table.add_row(
            escape(reader.name),
            escape(", ".join(reader.profiles)),
            reader.created_at.date().isoformat(),
        )
    out.print(table)


def token(
    name: ReaderName,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Give a reader new tokens (a lost or leaked one): the old API token and feed URLs stop
    working at once."""
    ctx = load_context(config, db, debug)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        tokens = store.new_reader_tokens(name)
        readers = store.readers(name)
    if tokens is None or not readers:
        raise UsageError(f"there is no reader '{name}' (arxiv-radar users list)")
    _print_tokens(tokens, list(readers[0].profiles), as_json)


def grant(
    name: ReaderName,
    profile: Annotated[str, typer.Argument(help="A profile of the configuration.")],
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Give a reader one more profile (refused when another reader owns it)."""
    ctx = load_context(config, db, debug)
    _check_profiles([profile], ctx.config.profiles)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        added = store.grant_profile(name, profile)
    done = "now owns" if added else "already owns"
    out.print(f"Reader [bold]{escape(name)}[/] {done} profile [bold]{escape(profile)}[/].")


def remove(
    name: ReaderName,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Remove a reader: their tokens stop working and their profiles are public again (the
    profiles' feedback stays)."""
    ctx = load_context(config, db, debug)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        removed = store.remove_reader(name)
    if not removed:
        raise UsageError(f"there is no reader '{name}' (arxiv-radar users list)")
    out.print(f"Reader [bold]{escape(name)}[/] removed.")


for _name, _command in (
    ("add", add),
    ("list", list_),
    ("token", token),
    ("grant", grant),
    ("remove", remove),
):
    users_app.command(_name, help=reflow_help(_command.__doc__), cls=RadarCommand)(_command)
