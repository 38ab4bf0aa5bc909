"""The coverage floor's scope: the whole suite, not a run of some of its tests.

pyproject.toml sets ``fail_under`` for coverage and ``--cov`` in pytest's addopts, so every run
measures coverage; :func:`pytest_configure` (imported by conftest.py, where pytest finds it)
keeps the floor for ``python -m pytest`` alone."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """The coverage floor (``fail_under`` in pyproject.toml) holds for the whole suite only.

    ``python -m pytest`` measures coverage and fails under the floor; a run of some of the
    tests (paths, ``-k``, ``-m``, ``--deselect``, ``--lf``) still prints the figure but does not
    fail on it, since it runs only part of the code. ``--cov-fail-under`` on the command line
    applies as given."""
    if config.getoption("cov_fail_under", None) is not None:
        return
    whole_suite = (
        config.args_source is pytest.Config.ArgsSource.TESTPATHS
        and not config.getoption("keyword", "")
        and not config.getoption("markexpr", "")
        and not config.getoption("deselect", None)
        and not config.getoption("lf", False)
    )
    if not whole_suite:
        # pytest-cov keeps its settings in the namespace of the first parse of the options.
        config.known_args_namespace.cov_fail_under = None
