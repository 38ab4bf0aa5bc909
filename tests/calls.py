"""Count the Python calls made into a folder of the source, in every thread.

``with CallsInto(folder) as calls: ...`` records each function called whose code lives under
``folder`` (by ``(file name, function name)``), through :func:`sys.setprofile` in the current
thread and :func:`threading.setprofile` in the threads started meanwhile (the worker threads
of an ASGI app, for example). Nothing is replaced: the code under test runs as it is.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

SOURCE = Path(__file__).resolve().parents[1] / "src" / "arxiv_radar"


class CallsInto:
    """Calls into the modules under ``folder`` (a path, or a folder of ``src/arxiv_radar``),
    leaving out the files named in ``exclude``."""

    def __init__(self, folder: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        path = Path(folder)
        self.folder = str(path if path.is_absolute() else SOURCE / path)
        self.exclude = frozenset(str(Path(self.folder) / name) for name in exclude)
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        name = code.co_filename
        if name.startswith(self.folder) and name not in self.exclude:
            with self._lock:
                self.calls[(Path(name).name, code.co_name)] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def __enter__(self) -> CallsInto:
        threading.setprofile(self._profile)
        sys.setprofile(self._profile)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        sys.setprofile(None)
        threading.setprofile(None)
