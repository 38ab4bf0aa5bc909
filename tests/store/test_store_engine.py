"""``[store]``'s pool size and statement timeout reach the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError

from arxiv_radar.config import StoreConfig
from arxiv_radar.errors import StoreError
from arxiv_radar.store import Store
from arxiv_radar.store.tables import http_cache

from pg_helpers import pg_url_or_skip


def test_the_pool_holds_the_configured_connections(db_url: str) -> None:
    options = StoreConfig(url=db_url, pool_size=3).engine_options()
    with Store.open(db_url, **options) as store:
        engine = store._engine
        assert engine is not None and engine.pool.size() == 3  # type: ignore[attr-defined]
        assert store.count_papers() == 0


def test_a_statement_that_runs_too_long_is_cancelled_on_postgresql() -> None:
    url = pg_url_or_skip()
    joiner = "&" if "?" in url else "?"
    schema_url = f"{url}{joiner}options=-csearch_path%3Dpublic"  # the URL's own options stay
    options = StoreConfig(statement_timeout=0.2).engine_options()
    with Store.open(schema_url, **options) as store, store._transaction("testing") as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "200ms"
        assert conn.execute(text("SHOW search_path")).scalar() == "public"
    with Store.open(schema_url, **options) as store:
        engine = store._engine
        assert engine is not None
        with engine.connect() as conn, pytest.raises(OperationalError, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(2)"))
        # through the store: a store error (exit 4), and the transaction's writes undone
        with pytest.raises(StoreError) as caught:
            with store._transaction("writing", write=True) as conn:
                conn.execute(
                    insert(http_cache).values(url="https://x/", updated_at=dt.datetime.now(dt.UTC))
                )
                conn.execute(text("SELECT pg_sleep(2)"))
        assert caught.value.exit_code == 4 and "statement timeout" in str(caught.value)
        assert store.get_validators("https://x/") is None
    with Store.open(url, read_only=True, **options) as store, store._transaction("x") as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "200ms"
        assert conn.execute(text("SHOW default_transaction_read_only")).scalar() == "on"
