"""The store: SQLAlchemy Core tables and the ``Store`` class, the only SQL in arxiv-radar.

``Store.open("arxiv-radar.db")`` (a SQLite file, ``:memory:``, or any SQLAlchemy URL such as
``postgresql+psycopg://user:password@host/db``) creates or migrates the schema and returns a
store; see docs/store.md for the tables and the upsert rules.
"""

from .publications import Publication
from .rankings import RankingEntry, StoredRanking
from .readers import Reader, ReaderTokens
from .runs import RunRecord
from .store import Store

__all__ = [
    "Publication",
    "RankingEntry",
    "Reader",
    "ReaderTokens",
    "RunRecord",
    "Store",
    "StoredRanking",
]
