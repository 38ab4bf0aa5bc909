"""The scaffolded GitHub Actions workflow: valid, on the configured schedule, and its shell
steps really commit the outputs and the store (run here against a local git remote).

Validity is checked against a JSON schema of GitHub's workflow syntax written for these tests
(``github-workflow.schema.json``, strict: unknown keys fail); its security by zizmor, a GitHub
Actions linter installed from the package index (``pip install zizmor``), run offline; and,
where the ``actionlint`` binary is installed, by actionlint too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from arxiv_radar.scaffold import WORKFLOW_PATH, scaffold

SCHEMA = Path(__file__).with_name("github-workflow.schema.json")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def load_workflow(folder: Path) -> dict[str, Any]:
    """The workflow as GitHub reads it (YAML 1.1 reads the key ``on`` as True: undone)."""
    data = yaml.safe_load((folder / WORKFLOW_PATH).read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data  # type: ignore[no-any-return]


def steps(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in workflow["jobs"]["run"]["steps"]}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    scaffold(tmp_path / "digest")
    return tmp_path / "digest"


def test_the_workflow_is_valid_github_actions_syntax(repo: Path) -> None:
    workflow = load_workflow(repo)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(workflow, schema, cls=jsonschema.Draft202012Validator)


def test_the_schema_catches_mistakes(repo: Path) -> None:
    """The schema is strict enough to be worth something."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    good = load_workflow(repo)
    broken: list[dict[str, Any]] = []
    for mutate in (
        lambda w: w["on"]["schedule"][0].update(cron="30 6 * *"),
        lambda w: w.update(permission={"contents": "write"}),
        lambda w: w["permissions"].update(contents="admin"),
        lambda w: w["jobs"]["run"].pop("runs-on"),
        lambda w: w["jobs"]["run"]["steps"][0].update(run="echo both"),
        lambda w: w["jobs"]["run"]["steps"][1].update(uses="actions/setup-python"),
        lambda w: w["jobs"]["run"]["steps"][2].update(enviroment={}),
    ):
        copy = json.loads(json.dumps(good))
        mutate(copy)
        broken.append(copy)
    for workflow in broken:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(workflow, schema, cls=jsonschema.Draft202012Validator)


def test_actionlint_finds_nothing(repo: Path) -> None:
    """actionlint, when installed (a Go binary: not installable from this workplace's
    registries, so the schema above is what the suite relies on)."""
    binary = shutil.which("actionlint")
    if binary is None:
        pytest.skip("actionlint is not installed (no registry ships its binary); zizmor covers it")
    result = subprocess.run(
        [binary, "-no-color", WORKFLOW_PATH],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _zizmor() -> str | None:
    beside = Path(sys.executable).with_name("zizmor")
    return str(beside) if beside.is_file() else shutil.which("zizmor")


def zizmor(folder: Path) -> subprocess.CompletedProcess[str]:
    binary = _zizmor()
    if binary is None:
        pytest.skip("zizmor is not installed: pip install 'zizmor>=1.32,<2'")
    return subprocess.run(
        [binary, "--offline", "--no-progress", "--format", "plain", WORKFLOW_PATH],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_zizmor_finds_nothing(repo: Path) -> None:
    result = zizmor(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_finds_nothing_with_every_option(tmp_path: Path) -> None:
    """A store on a server (one more secret), a local time zone and an output folder."""
    (tmp_path / "arxiv-radar.toml").write_text(
        '[store]\nurl = "postgresql://radar@db.example/radar"\n'
        '[publish]\ntimezone = "Europe/Berlin"\noutput = "digest"\nschedule = "0 7 * * MON-FRI"\n'
        '[summaries]\napi_key_env = "MY_LLM_KEY"\n',
        encoding="utf-8",
    )
    scaffold(tmp_path)
    result = zizmor(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_is_not_a_rubber_stamp(repo: Path) -> None:
    """The same linter fails the workflow as it was once: actions by tag, a persisted token."""
    path = repo / WORKFLOW_PATH
    text = path.read_text(encoding="utf-8")
    pinned = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2"
    assert pinned in text
    path.write_text(
        text.replace(pinned, "actions/checkout@v4").replace(
            "        with:\n          persist-credentials: false\n", ""
        ),
        encoding="utf-8",
    )
    result = zizmor(repo)
    report = result.stdout + result.stderr
    assert result.returncode != 0
    assert "unpinned-uses" in report and "artipacked" in report


def test_the_token_reaches_only_the_steps_that_push(repo: Path) -> None:
    workflow = load_workflow(repo)
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["run"]
    assert job["permissions"] == {"contents": "write"}
    run = steps(workflow)
    assert run["Check out the repository"]["with"]["persist-credentials"] is False
    for name, step in run.items():
        pushes = "git push" in step.get("run", "")
        assert ("GITHUB_TOKEN" in step.get("env", {})) == pushes, name
        for value in step.get("env", {}).values():
            assert "github.token" not in value or pushes, name
    for name in ("Check out the repository", "Set up Python"):
        ref = run[name]["uses"].split("@", 1)[1]
        assert len(ref) == 40 and all(char in "0123456789abcdef" for char in ref), name


def test_schedule_trigger_permissions_and_concurrency(repo: Path) -> None:
    workflow = load_workflow(repo)
    assert workflow["on"]["schedule"] == [{"cron": "30 6 * * 1-5"}]
    assert "date" in workflow["on"]["workflow_dispatch"]["inputs"]
    assert workflow["jobs"]["run"]["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["concurrency"]["group"].startswith("arxiv-radar")
    run = steps(workflow)
    assert run["Check out the repository"]["uses"].startswith("actions/checkout@")
    setup = run["Set up Python"]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["python-version"] == "3.12"
    assert run["Install arxiv-radar"]["run"] == "python -m pip install -r requirements.txt"
    job = run["Run arxiv-radar"]
    assert "arxiv-radar run" in job["run"]
    for name in ("DASHSCOPE_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY"):
        assert job["env"][name] == "${{ secrets." + name + " }}"


@pytest.mark.parametrize("cron", ["30 6 * * 1-5", "0 7 * * MON-FRI", "*/30 5-7 * * 1,3,5"])
def test_the_cron_is_the_configured_schedule(tmp_path: Path, cron: str) -> None:
    (tmp_path / "arxiv-radar.toml").write_text(f'[publish]\nschedule = "{cron}"\n')
    scaffold(tmp_path)
    assert load_workflow(tmp_path)["on"]["schedule"] == [{"cron": cron}]


def test_a_macro_schedule_is_written_out_as_five_fields(tmp_path: Path) -> None:
    """GitHub reads five cron fields only: ``@daily`` in the configuration is ``0 0 * * *``."""
    (tmp_path / "arxiv-radar.toml").write_text('[publish]\nschedule = "@daily"\n')
    scaffold(tmp_path)
    workflow = load_workflow(tmp_path)
    assert workflow["on"]["schedule"] == [{"cron": "0 0 * * *"}]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(workflow, schema, cls=jsonschema.Draft202012Validator)
    deploy = (tmp_path / "DEPLOY.md").read_text(encoding="utf-8")
    assert "runs at 00:00 UTC, every day (cron `0 0 * * *`, in UTC)" in deploy


def test_no_expression_reaches_a_shell_script(repo: Path) -> None:
    """Inputs and secrets enter the scripts as environment variables, never as `${{ }}`
    pasted into the script (which would let a crafted input run commands)."""
    for step in load_workflow(repo)["jobs"]["run"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


def test_every_script_is_valid_bash(repo: Path) -> None:
    for name, step in steps(load_workflow(repo)).items():
        if "run" in step:
            result = subprocess.run(
                ["bash", "-n", "-e", "-c", step["run"]], capture_output=True, text=True
            )
            assert result.returncode == 0, (name, result.stderr)


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def run_step(repo: Path, script: str) -> subprocess.CompletedProcess[str]:
    """A step's script as GitHub runs it: ``bash -e`` in the checkout."""
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def checkout(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The scaffolded repository pushed to a bare remote, as actions/checkout leaves it."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--bare", "-b", "main", str(remote))
    git(repo, "init", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-m", "scaffold")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-u", "origin", "main")
    return repo, remote


def test_the_commit_step_commits_the_outputs_and_the_store(checkout: tuple[Path, Path]) -> None:
    repo, remote = checkout
    script = steps(load_workflow(repo))["Commit the digest, the outputs and the store"]["run"]
    # What a run leaves: the digest, outputs, a store (listed in a .gitignore, as some
    # repositories do) and transient files that must stay out.
    (repo / "README.md").write_text("# digest\n")
    for name in ("feeds/rss.xml", "site/index.html", "exports/digest.bib", "reports/run.json"):
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(name)
    (repo / "arxiv-radar.db").write_bytes(b"SQLite format 3\x00")
    (repo / "arxiv-radar.db.run.lock").write_text("")
    (repo / "arxiv-radar.db-wal").write_text("")
    with (repo / ".gitignore").open("a") as ignore:
        ignore.write("arxiv-radar.db\n")

    result = run_step(repo, script)
    assert result.returncode == 0, result.stderr
    committed = git(remote, "show", "--name-only", "--format=%s", "main").split()
    assert committed[:3] == ["arxiv-radar:", "digest", "of"]
    assert sorted(committed[4:]) == [
        "README.md",
        "arxiv-radar.db",
        "exports/digest.bib",
        "feeds/rss.xml",
        "reports/run.json",
        "site/index.html",
    ]
    # Nothing new: no commit, success.
    again = run_step(repo, script)
    assert again.returncode == 0 and "Nothing new to commit." in again.stdout
    assert git(remote, "rev-list", "--count", "main").strip() == "2"


def test_the_commit_step_survives_an_empty_first_day(checkout: tuple[Path, Path]) -> None:
    """A first run on a weekend writes no outputs: missing paths are not an error."""
    repo, remote = checkout
    script = steps(load_workflow(repo))["Commit the digest, the outputs and the store"]["run"]
    result = run_step(repo, script)
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-list", "--count", "main").strip() == "1"


def test_the_keep_alive_step_commits_only_after_50_quiet_days(
    checkout: tuple[Path, Path],
) -> None:
    repo, remote = checkout
    script = steps(load_workflow(repo))["Keep the schedule alive"]["run"]
    assert run_step(repo, script).returncode == 0
    assert git(remote, "rev-list", "--count", "main").strip() == "1"

    old = "2020-01-01T00:00:00+00:00"
    git(repo, "commit", "--allow-empty", "-m", "old", env={"GIT_COMMITTER_DATE": old})
    git(repo, "push")
    result = run_step(repo, script)
    assert result.returncode == 0, result.stderr
    assert git(remote, "log", "-1", "--format=%s", "main").strip() == (
        "arxiv-radar: keep the daily schedule alive"
    )
    assert run_step(repo, script).returncode == 0  # fresh again: nothing more
    assert git(remote, "rev-list", "--count", "main").strip() == "3"
