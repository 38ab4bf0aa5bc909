"""The import graph of ``src/arxiv_radar`` points down only and has no cycle (docs/architecture.md).

Every module under ``src/arxiv_radar`` is parsed with :mod:`ast` and every ``import`` and
``from ... import`` of an ``arxiv_radar`` module is an edge, wherever it is written: at the
top, inside a function, or under ``if TYPE_CHECKING:``. An import under ``TYPE_CHECKING``
never runs, so it cannot break an import at run time; it counts all the same, because a
module that names another's types depends on it, and a cycle of types is a cycle of
knowledge that the floors forbid. Importing ``arxiv_radar.a.b`` also runs the package
``arxiv_radar.a`` first; that implicit step is not an edge (a package's ``__init__`` that
re-exports its modules would otherwise be "in a cycle" with each of them).

``from arxiv_radar.a import b`` is an edge to the module ``arxiv_radar.a.b`` when there is
one, otherwise to the package ``arxiv_radar.a`` (``b`` is a name defined there).

The files of ``scaffold/templates/`` are not modules of the package: ``arxiv-radar init``
copies them into a new repository (``vercel_index.py`` is that repository's entry point and
imports the server from the installed package). Alembic's revisions under
``store/migrations/versions/`` are loaded by path, but they are the store's code and are read.

Two checks:

- **floors** (DESIGN.md "Layout"): a module imports from its own floor or below, never up.
  ``__main__`` is the entry point: on the top floor with the CLI it may import
  ``arxiv_radar.cli``; nothing else outside ``cli/`` may.
- **cycles**: no strongly connected component of more than one module (nor a module
  importing itself).

Imports that still break a rule are listed in :data:`KNOWN_EDGES`, each with the reason it
is still there; both checks leave them out. Any other upward import or cycle fails, and so
does a listed import that is gone (remove it from the list: the list only shrinks).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "arxiv_radar"
PACKAGE = "arxiv_radar"

FLOORS: dict[str, int] = {
    # 5: what users and operators start; they call the runtime
    "cli": 5,
    "server": 5,
    "workers": 5,
    "scheduler": 5,
    "__main__": 5,
    # 4: builds the collaborators from a Config and runs the stages; no environment, no UI
    "runtime": 4,
    # 3: the stages in order
    "pipeline": 3,
    "fanout": 3,  # the run's side of the workers: embed, rank, publish sent and waited for
    # 2: the stages; demo and scaffold build on them (the demo day, `init`'s repository)
    "ingest": 2,
    "rank": 2,
    "summarize": 2,
    "publish": 2,
    "demo": 2,
    "evaluate": 2,  # ranks with rank/ and scores the rankings against labels
    "scaffold": 2,
    # 1: the arXiv client, the store, configuration and shared concerns
    "arxiv": 1,
    "store": 1,
    "broker": 1,  # the Celery client of [workers]: the tasks' names and settings
    "config": 1,
    "text": 1,
    "schemas": 1,
    "schedule": 1,
    "net": 1,
    "masking": 1,
    "embed": 1,  # the embedding model, and each paper's vector read from or kept in the store
    "library": 1,  # a reader's BibTeX or CSL-JSON export
    "zotero": 1,  # a reader's Zotero web library, read through the Zotero API and kept on disk
    # 0: values and errors that every floor shares
    "models": 0,
    "errors": 0,
    "": 0,  # the package itself: __version__
}
"""The floor of each top-level module or subpackage of ``arxiv_radar`` (higher is upper)."""

KNOWN_EDGES: dict[tuple[str, str], str] = {}
"""Imports (importer, imported) that still break a rule, each with the reason why, e.g.
``("arxiv_radar.config", "arxiv_radar.scheduler"): "validates the cron string; moving"``.
None today: keep it that way."""

NOT_MODULES = ("scaffold/templates/",)
"""Folders of files that are templates for other repositories, not modules of the package."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {
        module_name(path): path
        for path in sorted(SOURCE.rglob("*.py"))
        if not path.relative_to(SOURCE).as_posix().startswith(NOT_MODULES)
    }


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module ``name`` lives in: itself, or its nearest enclosing module."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The ``arxiv_radar`` modules that module ``name`` imports, with the line of each."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    target = _resolve(alias.name, known)
                    if target is not None:
                        yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .x import y, from .. import z
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            if origin != PACKAGE and not origin.startswith(PACKAGE + "."):
                continue
            for alias in node.names:
                target = _resolve(f"{origin}.{alias.name}", known)
                if target is not None:
                    yield target, node.lineno


def graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: line of the first such import}."""
    known = modules()
    edges: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        targets: dict[str, int] = {}
        for target, line in imports_of(name, path, known):
            targets.setdefault(target, line)
        edges[name] = targets
    return edges


def floor(module: str) -> int:
    top = module.removeprefix(PACKAGE).removeprefix(".").split(".")[0]
    return FLOORS[top]


def cycles(edges: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components with a cycle (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, {}):
                    found.append(frozenset(component))
    return found


def describe(component: frozenset[str], edges: dict[str, dict[str, int]]) -> str:
    """A cycle's modules and the imports that tie them, one per line."""
    lines = [
        f"  {source} -> {target} (line {line})"
        for source in sorted(component)
        for target, line in sorted(edges[source].items())
        if target in component
    ]
    return f"{len(component)} modules:\n" + "\n".join(lines)


ALL_EDGES = graph()
EDGES = {
    source: {
        target: line for target, line in targets.items() if (source, target) not in KNOWN_EDGES
    }
    for source, targets in ALL_EDGES.items()
}
"""The graph without :data:`KNOWN_EDGES`: what the rules are checked on."""


def test_the_graph_is_read() -> None:
    # A parser that finds nothing would pass every check below.
    assert len(EDGES) > 50
    assert "arxiv_radar.store" in EDGES["arxiv_radar.pipeline"]
    assert "arxiv_radar.cli" in EDGES["arxiv_radar.__main__"]
    assert not any(name.startswith("arxiv_radar.scaffold.templates") for name in EDGES)
    assert "arxiv_radar.store.tables" in EDGES["arxiv_radar.store.migrations.env"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a top-level import, an import inside a function, one under TYPE_CHECKING,
        # a name from a package, a module from a package, a relative import
        ("from arxiv_radar.store import Store\n", {"arxiv_radar.store"}),
        ("def f():\n    from arxiv_radar.cli.common import out\n", {"arxiv_radar.cli.common"}),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from arxiv_radar.config import Config\n",
            {"arxiv_radar.config"},
        ),
        ("from arxiv_radar import pipeline, __version__\n", {"arxiv_radar.pipeline", PACKAGE}),
        ("import arxiv_radar.arxiv.http as http\n", {"arxiv_radar.arxiv.http"}),
        ("from .outputs import OwnedFiles\n", {"arxiv_radar.publish.outputs"}),
        ("from .. import errors\n", {"arxiv_radar.errors"}),
        ("import httpx\nfrom typing import Any\n", set()),
    ],
)
def test_every_kind_of_import_is_an_edge(tmp_path: Path, source: str, expected: set[str]) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    known = {**modules(), "arxiv_radar.publish.probe": path}
    assert {target for target, _ in imports_of("arxiv_radar.publish.probe", path, known)} == (
        expected
    )


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}, "e": {"e": 1}}
    assert sorted(cycles(edges), key=len) == [frozenset("e"), frozenset("abc")]


def test_every_module_has_a_floor() -> None:
    missing = sorted(
        name
        for name in EDGES
        if name.removeprefix(PACKAGE + ".").split(".")[0] not in FLOORS and name != PACKAGE
    )
    assert not missing, f"give these a floor in FLOORS (and docs/architecture.md): {missing}"


def upward(edges: dict[str, dict[str, int]]) -> list[str]:
    """The imports of a module from a floor above its own, one line each."""
    return [
        f"{source} (floor {floor(source)}) imports {target} (floor {floor(target)}), line {line}"
        for source, targets in sorted(edges.items())
        for target, line in sorted(targets.items())
        if floor(target) > floor(source)
    ]


def test_the_floor_check_finds_upward_imports() -> None:
    edges = {
        "arxiv_radar.config": {"arxiv_radar.scheduler": 499, "arxiv_radar.errors": 3},
        "arxiv_radar.cli.common": {"arxiv_radar.runtime": 9, "arxiv_radar.server.app": 10},
        "arxiv_radar.rank.keywords": {"arxiv_radar.summarize.llm": 5},
    }
    assert upward(edges) == [
        "arxiv_radar.config (floor 1) imports arxiv_radar.scheduler (floor 5), line 499"
    ]


def test_imports_point_down_only() -> None:
    found = upward(EDGES)
    assert not found, "imports pointing up:\n" + "\n".join(found)


def test_only_the_entry_point_imports_the_cli() -> None:
    # __main__ is `python -m arxiv_radar`: it starts the CLI, so it may import it.
    outside = sorted(
        f"{source} line {line}"
        for source, targets in EDGES.items()
        if not source.startswith("arxiv_radar.cli") and source != "arxiv_radar.__main__"
        for target, line in targets.items()
        if target.startswith("arxiv_radar.cli")
    )
    assert not outside, f"these import arxiv_radar.cli: {outside}"


def test_no_import_cycles() -> None:
    found = cycles(EDGES)
    assert not found, "import cycles:\n" + "\n".join(describe(c, EDGES) for c in found)


def test_the_known_exceptions_still_exist() -> None:
    gone = [edge for edge in KNOWN_EDGES if edge[1] not in ALL_EDGES.get(edge[0], {})]
    assert not gone, f"these imports are gone: remove them from KNOWN_EDGES: {gone}"
