"""docs/store.md keeps up with the code: every public method and every table is described."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from arxiv_radar.store import Store
from arxiv_radar.store.tables import metadata

DOC = Path(__file__).resolve().parents[2] / "docs" / "store.md"


def public_names() -> list[str]:
    return [
        name
        for name, _ in inspect.getmembers(Store)
        if not name.startswith("_") and name not in {"open", "close"}
    ]


def test_every_public_store_method_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [
        name for name in public_names() if not re.search(rf"`[^`\n]*\b{name}\b[^`\n]*`", text)
    ]
    assert missing == []


def test_every_table_and_column_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table in metadata.sorted_tables:
        assert f"`{table.name}`" in text
        for column in table.columns:
            assert f"`{column.name}`" in text, f"{table.name}.{column.name}"
