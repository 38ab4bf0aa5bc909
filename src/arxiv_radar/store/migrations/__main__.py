"""``python -m arxiv_radar.store.migrations revision -m "add scores"`` drafts a revision.

It lives here, not in ``store/migrate.py``: it opens a :class:`~arxiv_radar.store.Store`,
which imports ``migrate``, so ``migrate`` importing the store back would be a cycle.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alembic import command

from arxiv_radar.store.migrate import alembic_config, known_revisions
from arxiv_radar.store.store import Store


def main(argv: Sequence[str] | None = None) -> None:
    """Draft a new revision from the difference between ``tables.py`` and the head schema."""
    parser = argparse.ArgumentParser(prog="python -m arxiv_radar.store.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="draft a new migration from tables.py")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)

    number = len(known_revisions()) + 1
    with tempfile.TemporaryDirectory() as folder, Store.open(str(Path(folder) / "head.db")) as s:
        with s._require_engine().begin() as connection:
            command.revision(
                alembic_config(connection),
                message=args.message,
                autogenerate=True,
                rev_id=f"{number:04d}",
            )


if __name__ == "__main__":
    main()
