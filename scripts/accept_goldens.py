"""Accept reviewed golden outputs: show the diff of every ``.new`` file under tests/, then move
each one over its golden.

    python scripts/accept_goldens.py [--yes] [--root tests]

``ARXIV_RADAR_UPDATE_GOLDEN=1 python -m pytest ...`` writes ``<golden>.new`` beside each golden
whose output changed (and fails those tests). This script prints each diff (a new golden in
full), asks once whether to accept them all (``--yes`` skips the question), then renames every
``.new`` file onto its golden. Nothing is accepted under ``CI=true``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = ".new"


def pending(root: Path) -> list[Path]:
    """Every ``.new`` file under ``root``, in path order."""
    return sorted(path for path in root.rglob(f"*{SUFFIX}") if path.is_file())


def describe(new: Path) -> str:
    """The diff from the golden beside ``new`` to ``new`` (a missing golden: all added)."""
    golden = new.with_name(new.name.removesuffix(SUFFIX))
    before = golden.read_bytes() if golden.is_file() else b""
    after = new.read_bytes()
    try:
        old_lines = before.decode("utf-8").splitlines(keepends=True)
        new_lines = after.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"binary {golden}: {len(before)} bytes -> {len(after)} bytes\n"
    lines = difflib.unified_diff(old_lines, new_lines, str(golden), str(new))
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--yes", action="store_true", help="accept without asking")
    parser.add_argument("--root", type=Path, default=ROOT / "tests", help="where to look")
    args = parser.parse_args(argv)
    if os.environ.get("CI", "").lower() == "true":
        print("refusing under CI=true: goldens are accepted on a developer's machine")
        return 2
    found = pending(args.root)
    if not found:
        print(f"no {SUFFIX} files under {args.root}: nothing to accept")
        return 0
    for new in found:
        print(describe(new) or f"{new}: identical to its golden\n")
    if not args.yes:
        answer = input(f"accept these {len(found)} golden file(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing accepted")
            return 1
    for new in found:
        golden = new.with_name(new.name.removesuffix(SUFFIX))
        new.replace(golden)
        print(f"accepted {golden}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
