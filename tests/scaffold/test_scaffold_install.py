"""The requirements.txt that `arxiv-radar init` writes really installs the arxiv-radar that
wrote it.

A wheel of this project is built here, then pip installs the generated requirements.txt into a
brand-new virtual environment, offline: no index, the wheel found through ``--find-links`` (as
the package index would serve it) or named by path (``--source``). arxiv-radar's dependencies
are lent from the test environment through a ``.pth`` file, arxiv-radar itself left out, so
that what pip installs can only come from the requirement.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from arxiv_radar import __version__
from arxiv_radar.scaffold import scaffold

ROOT = Path(__file__).resolve().parents[2]
PIP_ENV = {
    **{key: value for key, value in os.environ.items() if not key.startswith("PIP_")},
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason="building arxiv-radar's wheel offline needs hatchling: pip install 'hatchling>=1.24'",
)


def pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        cwd=cwd,
        env=PIP_ENV,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this project, built offline (no build isolation: hatchling is here)."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    built = pip(
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        str(folder),
        str(ROOT),
        cwd=folder,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert [path.name for path in folder.glob("*.whl")] == [
        f"arxiv_radar-{__version__}-py3-none-any.whl"
    ]
    return folder


@pytest.fixture
def fresh_venv(tmp_path: Path) -> Path:
    """A new virtual environment that sees arxiv-radar's dependencies but not arxiv-radar."""
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    lent = tmp_path / "dependencies"
    lent.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if "arxiv_radar" in name or "arxiv-radar" in name or name.startswith("__editable__"):
            continue
        (lent / entry.name).symlink_to(entry)
    python = home / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(target, "_lent_dependencies.pth").write_text(f"{lent}\n", encoding="utf-8")
    missing = subprocess.run([str(python), "-c", "import arxiv_radar"], capture_output=True)
    assert missing.returncode != 0, "the fresh environment must not see arxiv-radar yet"
    return home


def installed_version(home: Path, cwd: Path) -> str:
    ran = subprocess.run(
        [str(home / "bin" / "arxiv-radar"), "--version"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    where = subprocess.run(
        [str(home / "bin" / "python"), "-c", "import arxiv_radar; print(arxiv_radar.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(home)), where  # the installed wheel, not this source tree
    return ran.stdout.strip()


def requirement(repo: Path) -> str:
    """The line of ``repo``'s requirements.txt that names arxiv-radar (its last)."""
    return (repo / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1]


def install_requirements(
    home: Path, repo: Path, find_links: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """pip installs ``repo``'s requirements.txt into the environment at ``home``, offline:
    no index, only the wheels in ``find_links`` (if given) or named by path."""
    links = ["--find-links", str(find_links)] if find_links is not None else []
    return pip(
        "--python",
        str(home / "bin" / "python"),
        "install",
        "--no-index",
        *links,
        "-r",
        "requirements.txt",
        cwd=repo,
    )


def test_the_default_requirement_installs_this_version_from_the_index(
    tmp_path: Path, wheelhouse: Path, fresh_venv: Path
) -> None:
    repo = tmp_path / "digest"
    scaffold(repo)
    assert requirement(repo) == f"arxiv-radar[serve]=={__version__}"
    installed = install_requirements(fresh_venv, repo, find_links=wheelhouse)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed_version(fresh_venv, repo) == f"arxiv-radar {__version__}"


def test_a_wheel_committed_in_the_repository_installs_from_its_path(
    tmp_path: Path, wheelhouse: Path, fresh_venv: Path
) -> None:
    repo = tmp_path / "digest"
    (repo / "vendor").mkdir(parents=True)
    wheel = next(wheelhouse.glob("*.whl"))
    (repo / "vendor" / wheel.name).write_bytes(wheel.read_bytes())
    scaffold(repo, source=str(repo / "vendor" / wheel.name))
    assert requirement(repo) == f"./vendor/{wheel.name}[serve]"
    installed = install_requirements(fresh_venv, repo)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed_version(fresh_venv, repo) == f"arxiv-radar {__version__}"


def test_a_version_the_index_lacks_does_not_install(
    tmp_path: Path, wheelhouse: Path, fresh_venv: Path
) -> None:
    """The check above can fail: a pin the wheelhouse does not hold is refused by pip."""
    repo = tmp_path / "digest"
    scaffold(repo, pin="0.0.1")
    installed = install_requirements(fresh_venv, repo, find_links=wheelhouse)
    assert installed.returncode != 0
    assert "arxiv-radar[serve]==0.0.1" in installed.stdout + installed.stderr
