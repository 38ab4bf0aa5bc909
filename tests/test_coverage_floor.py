"""The coverage floor fails the whole suite, not a run of some of its tests; README states it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# A project whose one test covers half of its one module, with the suite's floor hook.
FILES = {
    "pyproject.toml": """
[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-p no:cacheprovider --cov --cov-report=term"

[tool.coverage.run]
source = ["half"]
parallel = true

[tool.coverage.report]
fail_under = 90
""",
    "half.py": "def used():\n    return 1\n\n\ndef unused():\n    return 2\n",
    "tests/conftest.py": "from coverage_floor import pytest_configure  # noqa: F401\n",
    "tests/test_half.py": "from half import used\n\n\ndef test_used():\n    assert used() == 1\n",
}


def pytest_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``project``, measured by its own coverage alone."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COV")}
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT / "tests")])
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def half_covered(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_whole_suite_fails_under_the_floor(half_covered: Path) -> None:
    result = pytest_in(half_covered)
    assert result.returncode == 1, result.stdout
    assert "1 passed" in result.stdout
    assert "FAIL Required test coverage of 90" in result.stdout


@pytest.mark.parametrize(
    "args",
    [("tests/test_half.py",), ("-k", "used"), ("-m", "not slow")],
    ids=["paths", "keyword", "marker"],
)
def test_some_tests_report_coverage_without_failing_on_it(
    half_covered: Path, args: tuple[str, ...]
) -> None:
    result = pytest_in(half_covered, *args)
    assert result.returncode == 0, result.stdout
    assert re.search(r"^TOTAL .* 75%$", result.stdout, re.MULTILINE), result.stdout
    assert "Required test coverage" not in result.stdout


def test_a_floor_given_on_the_command_line_applies_to_some_tests(half_covered: Path) -> None:
    result = pytest_in(half_covered, "tests/test_half.py", "--cov-fail-under=70")
    assert result.returncode == 0, result.stdout
    result = pytest_in(half_covered, "tests/test_half.py", "--cov-fail-under=80")
    assert result.returncode == 1, result.stdout


def test_the_suite_measures_coverage_and_subprocesses_and_readme_states_its_floor() -> None:
    addopts = PROJECT["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "--cov" in addopts
    coverage = PROJECT["tool"]["coverage"]
    assert coverage["run"]["source"] == ["arxiv_radar"]
    assert "subprocess" in coverage["run"]["patch"]
    floor = coverage["report"]["fail_under"]
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"covers less than {floor:g}% of its lines" in readme
