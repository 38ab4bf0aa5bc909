"""Which files in an output folder arxiv-radar wrote, so that it never replaces one it did not.

Every run that publishes records the files it wrote, with a SHA-256 of their content, in
``.arxiv-radar-outputs.json`` at the top of the output folder (the *manifest*). Before the
next run writes anything, each of its targets that already exists must be in the manifest
with the content recorded there: a file arxiv-radar never wrote (the README.md of the
repository you cloned, a page of your own) or one changed by hand since is refused, with its
name, unless ``--force`` is given. Refused means nothing is written at all.

The manifest lists the new content of each file *before* the files are written, beside the
content they replace, and only the new content afterwards: a run killed half-way leaves
files that the next run still knows as its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

from arxiv_radar.errors import UsageError
from arxiv_radar.publish.files import write_atomic

__all__ = ["MANIFEST", "OwnedFiles", "digest_of"]

logger = logging.getLogger(__name__)

MANIFEST = ".arxiv-radar-outputs.json"
"""The manifest's file name, at the top of the output folder."""

_VERSION = 1


def digest_of(content: bytes | str) -> str:
    """The SHA-256 of ``content`` (text as UTF-8), as the manifest records it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


class OwnedFiles:
    """The manifest of one output folder: what arxiv-radar wrote there, and checks of it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST
        self.files: dict[str, list[str]] = self._read()

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise UsageError(
                f"{self.path} cannot be read ({error}): it records which files arxiv-radar "
                "wrote in this folder. Delete it and run again with --force to take the "
                "folder's outputs over."
            ) from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            raise UsageError(
                f"{self.path} is not an arxiv-radar manifest: delete it and run again with "
                "--force to take the folder's outputs over."
            )
        return {
            str(name): [str(h) for h in (hashes if isinstance(hashes, list) else [hashes])]
            for name, hashes in files.items()
        }

    def _key(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def foreign(self, targets: Iterable[Path]) -> list[Path]:
        """The targets that exist but were not written by arxiv-radar as they are now."""
        refused = []
        for target in targets:
            if not target.is_file():
                continue
            known = self.files.get(self._key(target))
            if known is None or digest_of(target.read_bytes()) not in known:
                refused.append(target)
        return refused

    def check(self, targets: Iterable[Path], *, force: bool) -> None:
        """Raise :class:`UsageError` (exit 2) naming the existing targets arxiv-radar did
        not write, unless ``force``."""
        refused = self.foreign(targets)
        if not refused or force:
            if refused:
                logger.warning(
                    "--force: replacing %d file(s) arxiv-radar did not write: %s",
                    len(refused),
                    ", ".join(self._key(path) for path in refused),
                )
            return
        shown = ", ".join(self._key(path) for path in refused[:8])
        more = f" and {len(refused) - 8} more" if len(refused) > 8 else ""
        raise UsageError(
            f"{self.root} already holds files that arxiv-radar did not write (or that were "
            f"changed since): {shown}{more}. Nothing was written. Publish somewhere else "
            "with --output DIR (or publish.output), or pass --force to replace them."
        )

    def begin(self, contents: Mapping[Path, bytes | str]) -> None:
        """Record the new content of each file beside its current one, before writing."""
        for path, content in contents.items():
            key, new = self._key(path), digest_of(content)
            current = digest_of(path.read_bytes()) if path.is_file() else None
            kept = [current] if current in self.files.get(key, []) and current != new else []
            self.files[key] = [new, *[h for h in kept if h is not None]]
        self._save()

    def commit(self, contents: Mapping[Path, bytes | str]) -> None:
        """Record that each file now holds exactly its new content."""
        for path, content in contents.items():
            self.files[self._key(path)] = [digest_of(content)]
        self._save()

    def _save(self) -> None:
        data = {
            "written_by": "arxiv-radar",
            "version": _VERSION,
            "files": {name: self.files[name] for name in sorted(self.files)},
        }
        write_atomic(self.path, json.dumps(data, indent=1) + "\n")
