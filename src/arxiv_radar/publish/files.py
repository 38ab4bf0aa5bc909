"""Writing outputs so that a reader never sees half a file, and a failure leaves the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, content: bytes | str) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same folder, flushed to
    disk and then moved over ``path`` in one step (``os.replace``). Folders are created.

    On any error the temporary file is removed and ``path`` keeps what it held before.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
