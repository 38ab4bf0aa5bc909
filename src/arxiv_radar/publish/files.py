"""Writing outputs so that a reader never sees half a file, and a failure leaves the old one.

Each file is written to a temporary file of its own naming beside it,
``.arxiv-radar-tmp-<name>-<random>.tmp`` (:data:`TEMPORARY_PREFIX`), then moved over the old
one. The name does not depend on how :mod:`tempfile` names things, so the temporary files a
killed writer left behind are known by their prefix alone (:func:`is_temporary`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["TEMPORARY_PREFIX", "TEMPORARY_SUFFIX", "is_temporary", "write_all", "write_atomic"]

TEMPORARY_PREFIX = ".arxiv-radar-tmp-"
"""How the name of every temporary file :func:`write_atomic` makes begins."""
TEMPORARY_SUFFIX = ".tmp"
"""How it ends (so that ``*.tmp`` patterns, such as a ``.gitignore``'s, know it too)."""

_ATTEMPTS = 100


def is_temporary(name: str) -> bool:
    """Whether a file named ``name`` is one of :func:`write_atomic`'s temporary files."""
    return name.startswith(TEMPORARY_PREFIX) and name.endswith(TEMPORARY_SUFFIX)


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty temporary file for ``name`` in ``folder``, open for writing (mode 0600)."""
    for _ in range(_ATTEMPTS):
        temporary = folder / f"{TEMPORARY_PREFIX}{name}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name for {name} in {folder}")


def write_atomic(path: Path, content: bytes | str) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same folder, flushed to
    disk and then moved over ``path`` in one step (``os.replace``). Folders are created.

    On any error the temporary file is removed and ``path`` keeps what it held before.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _create_temporary(path.parent, path.name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _unchanged(path: Path, data: bytes) -> bool:
    """Whether ``path`` already holds exactly ``data`` (then there is nothing to write)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _sync(temporary: Path) -> None:
    handle = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_all(files: Sequence[tuple[Path, bytes | str]], *, workers: int = 8) -> list[Path]:
    """Write many files atomically, each as :func:`write_atomic` would, faster: a file that
    already holds its content is left alone (not even its time changes), the others are
    written to temporary files, flushed to disk together (``fsync`` waits overlap), then moved
    into place in the order given. Returns the paths that were written.

    On any error the temporary files not yet moved are removed; files moved before it stay.
    """
    pending: list[tuple[Path, Path]] = []
    try:
        for path, content in files:
            data = content.encode("utf-8") if isinstance(content, str) else content
            if _unchanged(path, data):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = _create_temporary(path.parent, path.name)
            pending.append((path, temporary))
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.chmod(temporary, 0o644)
        if pending:
            with ThreadPoolExecutor(max_workers=min(workers, len(pending))) as pool:
                list(pool.map(_sync, [temporary for _, temporary in pending]))
        written: list[Path] = []
        while pending:
            path, temporary = pending[0]
            os.replace(temporary, path)
            pending.pop(0)
            written.append(path)
        return written
    finally:
        for _, temporary in pending:
            temporary.unlink(missing_ok=True)
