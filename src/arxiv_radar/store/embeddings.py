"""Reading and writing ``embeddings``: each paper version's vector, per model, kept so that
no paper version is embedded twice.

A vector is stored as the bytes of its little-endian float32 values, with its length
(``dim``), under (arxiv_id, version, model_id). numpy is imported by the functions that
need it, so that opening a store never loads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Insert, insert, select

from ..errors import StoreError
from .papers import chunked
from .tables import embeddings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Key = tuple[str, int]
"""(arxiv_id, version)."""


def save(
    conn: Connection,
    model_id: str,
    items: Iterable[tuple[str, int, npt.ArrayLike]],
    now: dt.datetime,
) -> int:
    """Store the vector of each (arxiv_id, version, vector) of ``items`` under ``model_id``;
    a key that has a vector already keeps it. Returns how many rows were inserted."""
    import numpy as np

    rows: dict[Key, dict[str, object]] = {}
    for arxiv_id, version, vector in items:
        values = np.asarray(vector, dtype="<f4")
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"the vector of {arxiv_id}v{version} must be one non-empty row, "
                f"not of shape {values.shape}"
            )
        if not np.isfinite(values).all():
            raise ValueError(f"the vector of {arxiv_id}v{version} holds NaN or infinity")
        rows[(arxiv_id, version)] = {
            "arxiv_id": arxiv_id,
            "version": version,
            "model_id": model_id,
            "dim": int(values.size),
            "vector": values.tobytes(),
            "created_at": now,
        }
    inserted = 0
    for chunk in chunked(list(rows)):
        stored = _stored_keys(conn, model_id, chunk)
        new = [rows[key] for key in chunk if key not in stored]
        if new:
            # Another process (a worker given the same task again) may store the same key
            # between the read above and this insert: its vector, equal to this one, stays.
            conn.execute(_insert_new(conn), new)
            inserted += len(new)
    return inserted


def _insert_new(conn: Connection) -> Insert:
    """An insert into ``embeddings`` that leaves a key stored already as it is."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(embeddings).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(embeddings).on_conflict_do_nothing()
    return insert(embeddings)


def stored(conn: Connection, model_id: str, keys: Iterable[Key]) -> set[Key]:
    """Which of ``keys`` have a vector under ``model_id`` (the vectors are not read)."""
    found: set[Key] = set()
    for chunk in chunked(sorted(set(keys))):
        found |= _stored_keys(conn, model_id, chunk)
    return found


def load(
    conn: Connection, model_id: str, keys: Iterable[Key]
) -> dict[Key, npt.NDArray[np.float32]]:
    """The stored vectors of ``keys`` under ``model_id``; keys without one are absent."""
    import numpy as np

    wanted = set(keys)
    found: dict[Key, npt.NDArray[np.float32]] = {}
    for chunk in chunked(sorted({arxiv_id for arxiv_id, _ in wanted})):
        query = select(
            embeddings.c.arxiv_id, embeddings.c.version, embeddings.c.dim, embeddings.c.vector
        ).where(embeddings.c.model_id == model_id, embeddings.c.arxiv_id.in_(chunk))
        for row in conn.execute(query):
            key = (row.arxiv_id, row.version)
            if key in wanted:
                vector = np.frombuffer(row.vector, dtype="<f4")
                if vector.size != row.dim:
                    raise StoreError(
                        f"the {model_id} vector of {row.arxiv_id}v{row.version} holds "
                        f"{vector.size} values, not {row.dim}"
                    )
                found[key] = vector.astype(np.float32)  # a writable copy, in native order
    return found


def _stored_keys(conn: Connection, model_id: str, keys: list[Key]) -> set[Key]:
    query = select(embeddings.c.arxiv_id, embeddings.c.version).where(
        embeddings.c.model_id == model_id,
        embeddings.c.arxiv_id.in_({arxiv_id for arxiv_id, _ in keys}),
    )
    wanted = set(keys)
    return {key for row in conn.execute(query) if (key := (row.arxiv_id, row.version)) in wanted}
