"""The ``embeddings`` table: vectors stored as little-endian float32 under (paper, version,
model), read back exactly, never replaced; migration 0008; numpy stays out of a plain open."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest
from alembic import command
from sqlalchemy import inspect

from arxiv_radar.errors import StoreError
from arxiv_radar.store import Store, migrate
from arxiv_radar.store.tables import embeddings

from store_helpers import make_paper, table_rows

MODEL = "test-model-int8"
NOW = dt.datetime(2024, 5, 6, 12, tzinfo=dt.UTC)


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_vectors_round_trip_exactly_per_version_and_model(store: Store) -> None:
    store.upsert_papers([make_paper("2405.00001", 2), make_paper("2405.00002")])
    first, second, other = unit(1, 2, 3), unit(-0.5, 0.25, 1e-7), unit(3, 0, 4)
    added = store.save_embeddings(
        MODEL, [("2405.00001", 1, first), ("2405.00001", 2, second), ("2405.00002", 1, other)]
    )
    assert added == 3
    store.save_embeddings("another-model", [("2405.00002", 1, unit(0, 1, 0))])

    found = store.embeddings(MODEL, [("2405.00001", 2), ("2405.00002", 1), ("2405.00002", 7)])
    assert set(found) == {("2405.00001", 2), ("2405.00002", 1)}  # no v7: absent
    assert np.array_equal(found[("2405.00001", 2)], second)
    assert np.array_equal(found[("2405.00002", 1)], other)
    vector = found[("2405.00001", 2)]
    assert vector.dtype == np.float32 and vector.shape == (3,) and vector.flags.writeable
    assert np.array_equal(store.embeddings(MODEL, [("2405.00001", 1)])[("2405.00001", 1)], first)
    assert store.embeddings("another-model", [("2405.00001", 1)]) == {}
    assert store.embeddings(MODEL, []) == {}


def test_the_row_holds_little_endian_float32_bytes_and_the_length(store: Store) -> None:
    store.upsert_papers([make_paper("2405.00001")])
    vector = unit(0.6, 0.8)
    store.save_embeddings(MODEL, [("2405.00001", 1, vector.astype(">f8"))])  # any float input
    (row,) = table_rows(store, embeddings)
    assert (row["arxiv_id"], row["version"], row["model_id"], row["dim"]) == (
        "2405.00001",
        1,
        MODEL,
        2,
    )
    assert bytes(row["vector"]) == vector.astype("<f4").tobytes()
    assert row["created_at"].tzinfo is not None


def test_a_stored_vector_is_kept(store: Store) -> None:
    store.upsert_papers([make_paper("2405.00001"), make_paper("2405.00002")])
    store.save_embeddings(MODEL, [("2405.00001", 1, unit(1, 0))])
    again = [("2405.00001", 1, unit(0, 1)), ("2405.00002", 1, unit(1, 1))]
    assert store.save_embeddings(MODEL, again) == 1  # only the new key
    found = store.embeddings(MODEL, [("2405.00001", 1), ("2405.00002", 1)])
    assert np.array_equal(found[("2405.00001", 1)], unit(1, 0))
    assert len(table_rows(store, embeddings)) == 2


def test_many_vectors_are_written_and_read_in_chunks(store: Store) -> None:
    ids = [f"2405.{number:05d}" for number in range(1, 1201)]
    store.upsert_papers([make_paper(arxiv_id) for arxiv_id in ids])
    rng = np.random.default_rng(7)
    vectors = {arxiv_id: rng.standard_normal(16).astype(np.float32) for arxiv_id in ids}
    items = [(arxiv_id, 1, vector) for arxiv_id, vector in vectors.items()]
    assert store.save_embeddings(MODEL, items) == 1200
    found = store.embeddings(MODEL, [(arxiv_id, 1) for arxiv_id in ids])
    assert len(found) == 1200
    assert all(np.array_equal(found[(arxiv_id, 1)], vectors[arxiv_id]) for arxiv_id in ids)


def test_bad_vectors_and_unknown_papers_are_refused(store: Store) -> None:
    store.upsert_papers([make_paper("2405.00001")])
    with pytest.raises(ValueError, match="one non-empty row"):
        store.save_embeddings(MODEL, [("2405.00001", 1, np.ones((2, 3)))])
    with pytest.raises(ValueError, match="one non-empty row"):
        store.save_embeddings(MODEL, [("2405.00001", 1, np.ones(0))])
    with pytest.raises(ValueError, match="NaN"):
        store.save_embeddings(MODEL, [("2405.00001", 1, np.array([1.0, np.nan]))])
    with pytest.raises(StoreError, match="saving embeddings"):
        store.save_embeddings(MODEL, [("2499.99999", 1, unit(1, 0))])  # not a stored paper
    assert table_rows(store, embeddings) == []


def test_opening_a_store_does_not_import_numpy(db_url: str) -> None:
    probe = (
        "import sys\n"
        "from arxiv_radar.store import Store\n"
        f"with Store.open({db_url!r}) as store:\n"
        "    store.count_papers()\n"
        "print('numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_0007_store_gains_embeddings(db_url: str) -> None:
    with Store.open(db_url, migrate=False) as empty:
        with empty._require_engine().begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0007")
    with Store.open(db_url, migrate=False) as old:
        assert old.schema_revision() == "0007"
        with old._require_engine().connect() as conn:
            assert "embeddings" not in inspect(conn).get_table_names()
        old.upsert_papers([make_paper("2405.00001")])

    with Store.open(db_url) as store:
        assert store.applied_migrations[0] == "0008"  # and any later revision
        assert store.schema_revision() == Store.head_revision()
        assert store.count_papers() == 1
        store.save_embeddings(MODEL, [("2405.00001", 1, unit(1, 0))])
        with store._require_engine().begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0007")
    with Store.open(db_url, migrate=False) as old:
        with old._require_engine().connect() as conn:
            assert "embeddings" not in inspect(conn).get_table_names()
        assert old.count_papers() == 1
    with Store.open(db_url) as store:  # up again: no vectors until they are computed
        assert store.applied_migrations[0] == "0008"
        assert store.embeddings(MODEL, [("2405.00001", 1)]) == {}


def test_a_vector_whose_length_is_not_its_dim_is_an_error(store: Store) -> None:
    store.upsert_papers([make_paper("2405.00001")])
    with store._require_engine().begin() as conn:
        row = {"arxiv_id": "2405.00001", "version": 1, "model_id": MODEL, "dim": 3}
        conn.execute(embeddings.insert().values(**row, vector=unit(1, 0).tobytes(), created_at=NOW))
    with pytest.raises(StoreError, match="holds 2 values, not 3"):
        store.embeddings(MODEL, [("2405.00001", 1)])
