"""The code base stays lint-clean and formatted: part of the test suite, not a separate step."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("ruff") is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean() -> None:
    result = _ruff("check", "src", "tests", "bench", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _ruff("format", "--check", "src", "tests", "bench", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    """The whole package type-checks under ``mypy --strict`` ([tool.mypy] in pyproject)."""
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_recorded_fixture_is_used_by_a_test() -> None:
    """A recording no test reads is dead weight or a test that went missing."""
    fixtures = sorted((ROOT / "tests" / "fixtures" / "arxiv").glob("*.xml"))
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_quality.py"
    )
    unused = [path.name for path in fixtures if path.name not in sources]
    assert fixtures, "no recorded fixtures found"
    assert not unused, f"fixtures no test reads: {unused}"


def test_cli_reference_is_generated_from_help() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_cli_docs.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_readme_starts_with_the_demo_and_test_commands() -> None:
    """The front door: install-and-demo (offline, into its own folder), then
    install-and-test, which .ci/run calls as written, inside a brand-new virtual environment."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert blocks[:2] == [
        "pip install . && arxiv-radar demo",
        'pip install -e ".[test]" && python -m pytest',
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"{blocks[1]} || status=$?" in ci
    assert ci.index('python3 -m venv "$venv"') < ci.index('. "$venv/bin/activate"')
    assert ci.index('. "$venv/bin/activate"') < ci.index(blocks[1])


def test_long_modules_say_why() -> None:
    """A module over 400 lines is asking to be split; one that stays long says why near its
    top, in a line starting "Long on purpose:"."""
    unexplained = []
    for path in sorted((ROOT / "src" / "arxiv_radar").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 400 and not any(line.startswith("Long on purpose:") for line in lines[:15]):
            unexplained.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert not unexplained, f"over 400 lines without a 'Long on purpose:' line: {unexplained}"


def test_the_architecture_doc_names_every_table_and_top_level_module() -> None:
    """docs/architecture.md is the picture of the package: every store table and every
    top-level module or package of src/arxiv_radar is in it, named in backticks."""
    from arxiv_radar.store.tables import metadata

    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "arxiv_radar"
    modules = [
        f"{path.name}/" if path.is_dir() else path.name
        for path in sorted(package.iterdir())
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.name != "__init__.py")
    ]
    tables = sorted(metadata.tables)
    assert "papers" in tables and "summaries" in tables
    assert len(modules) > 15
    missing = [name for name in [*modules, *tables] if f"`{name}`" not in doc]
    assert not missing, f"not named in docs/architecture.md: {missing}"
