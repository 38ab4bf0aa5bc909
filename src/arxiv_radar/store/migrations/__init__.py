"""Alembic revisions of the store's schema (run by ``arxiv_radar.store.migrate``)."""
