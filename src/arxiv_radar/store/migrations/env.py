"""Alembic environment: runs on the connection the store hands over.

The store passes its open connection in ``config.attributes["connection"]``
(see ``arxiv_radar.store.migrate``); nothing here reads an ini file or configures logging.
"""

from __future__ import annotations

from alembic import context

from arxiv_radar.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "arxiv-radar migrations run through arxiv_radar.store (Store.open or "
        "python -m arxiv_radar.store.migrations), not the alembic command line"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
