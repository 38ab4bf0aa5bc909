"""`arxiv-radar init`: the files it writes, what it keeps, and how it refuses a bad folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxiv_radar import __version__
from arxiv_radar.config import Config, load_config
from arxiv_radar.errors import ConfigError, UsageError
from arxiv_radar.publish.outputs import OwnedFiles
from arxiv_radar.scaffold import (
    EXAMPLE_OUTPUT,
    INIT_README_MARK,
    REPOSITORY_OUTPUT,
    WORKFLOW_PATH,
    config_text,
    install_requirement,
    requirement,
    scaffold,
)

from cli_helpers import invoke_cli

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    "arxiv-radar.toml",
    WORKFLOW_PATH,
    "requirements.txt",
    "vercel.json",
    "api/index.py",
    "README.md",
    "DEPLOY.md",
    ".gitignore",
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def test_init_writes_a_digest_repository(tmp_path: Path) -> None:
    folder = tmp_path / "digest"
    result = invoke_cli("init", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (folder / name).is_file(), name
        assert name in result.stdout, name
    assert result.stdout.count("created") == len(FILES)
    assert "DEPLOY.md" in result.stdout and "--dry-run" in result.stdout
    # The configuration is the shipped example, every key commented, and loads as it is.
    # A digest repository publishes at its root, whatever the default output elsewhere.
    config = load_config(folder / "arxiv-radar.toml", env={})
    assert config.publish.output == "."
    expected = Config().model_dump()
    expected["publish"]["output"] = "."
    assert config.model_dump() == expected
    text = (folder / "arxiv-radar.toml").read_text(encoding="utf-8")
    assert "arxiv-radar init` again" in text.splitlines()[3]
    assert text.count("\n# ") > 100
    assert (folder / "requirements.txt").read_text().splitlines()[-1] == (
        f"arxiv-radar[serve]=={__version__}"  # Vercel's feed server; the run needs no extra
    )
    # Vercel: every path to the function (so the store file itself is never served), the
    # configuration and the store bundled with it.
    vercel = json.loads((folder / "vercel.json").read_text(encoding="utf-8"))
    assert vercel["routes"] == [{"src": "/(.*)", "dest": "/api/index"}]
    assert vercel["functions"] == {
        "api/index.py": {"includeFiles": "{arxiv-radar.toml,arxiv-radar.db}"}
    }
    assert "rewrites" not in vercel and "builds" not in vercel


def test_the_shipped_configuration_is_the_repository_example() -> None:
    """The package carries a copy of arxiv-radar.example.toml: the two must not drift."""
    shipped = ROOT / "src" / "arxiv_radar" / "scaffold" / "templates" / "arxiv-radar.toml"
    example = ROOT / "arxiv-radar.example.toml"
    assert shipped.read_bytes() == example.read_bytes(), (
        "copy arxiv-radar.example.toml to src/arxiv_radar/scaffold/templates/arxiv-radar.toml"
    )
    body = example.read_text(encoding="utf-8").split("\n", 1)[1]
    assert config_text().endswith(body.replace(EXAMPLE_OUTPUT, REPOSITORY_OUTPUT))


def test_rerunning_refuses_files_init_did_not_write_and_writes_nothing(tmp_path: Path) -> None:
    scaffold(tmp_path)
    (tmp_path / "README.md").write_text("my own readme\n", encoding="utf-8")
    (tmp_path / "vercel.json").write_text("{}\n", encoding="utf-8")
    before = snapshot(tmp_path)
    manifest = (tmp_path / ".arxiv-radar-outputs.json").read_bytes()

    result = invoke_cli("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "did not write (or that were changed since): vercel.json, README.md" in message
    assert "Nothing was written" in message and "--force" in message
    assert snapshot(tmp_path) == before
    assert (tmp_path / ".arxiv-radar-outputs.json").read_bytes() == manifest


def test_a_second_init_updates_only_its_own_files(tmp_path: Path) -> None:
    scaffold(tmp_path)
    config = tmp_path / "arxiv-radar.toml"
    config.write_text('[publish]\nschedule = "15 7 * * 1-5"\n', encoding="utf-8")

    result = invoke_cli("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    again = scaffold(tmp_path)
    assert {item.action for item in again.files} == {"unchanged"}
    workflow = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert 'cron: "15 7 * * 1-5"' in workflow
    assert "updated" in result.stdout and "at 07:15 UTC" in (tmp_path / "DEPLOY.md").read_text()
    assert config.read_text(encoding="utf-8") == '[publish]\nschedule = "15 7 * * 1-5"\n'


def test_a_file_in_a_new_folder_is_refused_until_forced(tmp_path: Path) -> None:
    """The old tool's repository: its own README.md (its digest) and workflow."""
    (tmp_path / "README.md").write_text("# arXiv Papers\n", encoding="utf-8")
    result = invoke_cli("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "README.md" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["README.md"]
    result = invoke_cli("init", str(tmp_path), "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "overwritten" in result.stdout
    assert (tmp_path / "README.md").read_text(encoding="utf-8").endswith(INIT_README_MARK + "\n")


def test_the_digest_that_replaced_the_readme_is_left_alone(tmp_path: Path) -> None:
    """A run replaces init's README.md with the digest (recorded in the same manifest); init
    neither refuses it nor puts its placeholder back, even with --force."""
    scaffold(tmp_path)
    readme = tmp_path / "README.md"
    owned = OwnedFiles(tmp_path)
    owned.check([readme], force=False)  # the run may replace init's README.md
    owned.begin({readme: "# digest of the day\n"})
    readme.write_text("# digest of the day\n", encoding="utf-8")
    owned.commit({readme: "# digest of the day\n"})

    for force in (False, True):
        result = scaffold(tmp_path, force=force)
        actions = {item.path: item.action for item in result.files}
        assert actions.pop("README.md") == "kept"
        assert set(actions.values()) == {"unchanged"}
        assert readme.read_text(encoding="utf-8") == "# digest of the day\n"
    assert "the next run rewrites it" in invoke_cli("init", str(tmp_path), cwd=tmp_path).stdout


def test_force_replaces_files_but_never_the_configuration(tmp_path: Path) -> None:
    scaffold(tmp_path)
    config = tmp_path / "arxiv-radar.toml"
    config.write_text('[publish]\nschedule = "15 7 * * 1-5"\n', encoding="utf-8")
    (tmp_path / "README.md").write_text("my own readme\n", encoding="utf-8")

    result = scaffold(tmp_path, force=True)
    actions = {item.path: item.action for item in result.files}
    assert actions["README.md"] == "overwritten" and actions[WORKFLOW_PATH] == "updated"
    assert "arxiv-radar.toml" not in actions and actions["DEPLOY.md"] == "updated"
    assert config.read_text(encoding="utf-8") == '[publish]\nschedule = "15 7 * * 1-5"\n'
    assert 'cron: "15 7 * * 1-5"' in (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "my own readme" not in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_the_files_follow_an_existing_configuration(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text(
        '[publish]\nschedule = "0 8 * * 2-6"\noutput = "digest"\ntitle = "Systems papers"\n'
        '[store]\nurl = "state/radar.db"\n[summaries]\napi_key_env = "MY_LLM_KEY"\n',
        encoding="utf-8",
    )
    result = scaffold(tmp_path)
    assert not result.config_written and result.config.publish.schedule == "0 8 * * 2-6"
    workflow = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert 'cron: "0 8 * * 2-6"' in workflow
    assert "MY_LLM_KEY: ${{ secrets.MY_LLM_KEY }}" in workflow
    assert (
        "for path in digest/README.md digest/feeds digest/site digest/exports digest/reports "
        "digest/.arxiv-radar-outputs.json state/radar.db; do" in workflow
    )
    vercel = json.loads((tmp_path / "vercel.json").read_text(encoding="utf-8"))
    assert vercel["functions"]["api/index.py"]["includeFiles"] == (
        "{arxiv-radar.toml,state/radar.db}"
    )
    assert "state/radar.db-wal" in (tmp_path / ".gitignore").read_text(encoding="utf-8")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Systems papers\n")
    assert "raw.githubusercontent.com/YOU/REPO/main/digest/feeds/rss.xml" in readme
    assert "`MY_LLM_KEY`" in readme and "at 08:00 UTC, Tuesday to Saturday" in readme


def test_a_store_outside_the_repository_is_not_committed(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text(
        '[store]\nurl = "postgresql://radar@db.example/radar"\n'
        '[publish]\ntimezone = "Europe/Berlin"\noutput = "."\n',
        encoding="utf-8",
    )
    result = scaffold(tmp_path)
    workflow = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "for path in README.md feeds site exports reports .arxiv-radar-outputs.json; do" in (
        workflow
    )
    assert "ARXIV_RADAR_DB: ${{ secrets.ARXIV_RADAR_DB }}" in workflow
    assert "shift its hours to match" in workflow
    warnings = " ".join(result.warnings)
    assert "not a file in the repository" in warnings and "Europe/Berlin" in warnings
    vercel = json.loads((tmp_path / "vercel.json").read_text(encoding="utf-8"))
    assert vercel["functions"]["api/index.py"]["includeFiles"] == "arxiv-radar.toml"


def test_the_old_tools_config_json_is_kept_and_followed(tmp_path: Path) -> None:
    legacy = {"categories": ["cs.DC"], "keywords": ["kv cache"], "max_papers": 30}
    (tmp_path / "config.json").write_text(json.dumps(legacy), encoding="utf-8")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "update_papers.yml").write_text("name: old\n", encoding="utf-8")

    result = scaffold(tmp_path)
    assert result.config_file == "config.json" and not result.config_written
    assert not (tmp_path / "arxiv-radar.toml").exists()  # it would take precedence
    assert result.config.arxiv.categories == ["cs.DC"]
    assert any("update_papers.yml" in warning for warning in result.warnings)
    vercel = json.loads((tmp_path / "vercel.json").read_text(encoding="utf-8"))
    assert vercel["functions"]["api/index.py"]["includeFiles"] == "{config.json,arxiv-radar.db}"


def test_a_broken_configuration_stops_init_before_writing(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text("[publish]\nschedule = 'daily'\n")
    with pytest.raises(ConfigError, match="publish.schedule"):
        scaffold(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["arxiv-radar.toml"]


def test_a_file_as_the_folder_is_refused_with_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("not a folder\n", encoding="utf-8")
    result = invoke_cli("init", str(target), cwd=tmp_path)
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr and "Traceback" not in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder\n"

    result = invoke_cli("init", str(target / "digest"), cwd=tmp_path)
    assert result.returncode == 2 and "is a file, not a folder" in " ".join(result.stderr.split())


def test_paths_in_the_way_stop_init_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / ".github").write_text("a file where a folder goes\n", encoding="utf-8")
    (tmp_path / "vercel.json").mkdir()
    with pytest.raises(UsageError) as caught:
        scaffold(tmp_path, force=True)
    message = str(caught.value)
    assert "nothing was written" in message
    assert ".github is a file" in message and "vercel.json is a folder" in message
    assert sorted(path.name for path in tmp_path.iterdir()) == [".github", "vercel.json"]

    result = invoke_cli("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "nothing was written" in " ".join(result.stderr.split())


def test_pin_writes_an_exact_requirement(tmp_path: Path) -> None:
    result = invoke_cli("init", str(tmp_path), "--pin", "0.1.0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "arxiv-radar[serve]==0.1.0"
    assert all(line.startswith("#") for line in lines[:-1])
    assert requirement("==1.2.0rc1") == "arxiv-radar==1.2.0rc1"
    for bad in ("latest", "1.0; rm -rf /", ">=1.0", ""):
        with pytest.raises(UsageError, match="not a release version"):
            requirement(bad)
    result = invoke_cli("init", str(tmp_path / "other"), "--pin", "newest", cwd=tmp_path)
    assert result.returncode == 2 and "not a release version" in result.stderr
    assert not (tmp_path / "other").exists()


def test_help_teaches_what_init_writes(tmp_path: Path) -> None:
    result = invoke_cli("init", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for text in (
        "arxiv-radar.toml",
        ".github/workflows/arxiv-radar.yml",
        "vercel.json, api/index.py",
        "requirements.txt",
        "DEPLOY.md",
        "--force",
        "--pin",
        "--source",
        "git+https://github.com/OWNER/REPO@TAG",
        "30 6 * * 1-5",
        "exit 2",
        "arxiv-radar init my-digest",
    ):
        assert text in result.stdout, text


def test_the_digest_readme_and_deploy_guide_cover_three_deployments(tmp_path: Path) -> None:
    scaffold(tmp_path)
    deploy = (tmp_path / "DEPLOY.md").read_text(encoding="utf-8")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    headings = [line for line in deploy.splitlines() if line.startswith("## ")]
    assert [heading.split(":")[0] for heading in headings] == [
        "## 0. Configure and try it",
        "## 1. GitHub Actions",
        "## 2. Vercel",
        "## 3. Your own server, or Docker",
    ]
    assert deploy.split("\n", 2)[2] in readme  # the README carries the same steps
    for text in (
        "DASHSCOPE_API_KEY",
        "Run workflow",
        "contents: write",
        "at 06:30 UTC, Monday to Friday",
        "`README.md`, `feeds/`, `site/`, `exports/`, `reports/` and `arxiv-radar.db`",
        "vercel --prod",
        "https://PROJECT.vercel.app/rss",
        'arxiv-radar serve --host 0.0.0.0 --port 8000 --schedule "30 6 * * 1-5"',
        "docker run",
        "60 days",
    ):
        assert text in deploy, text
    assert "[[" not in deploy and "[%" not in deploy and "[[" not in readme


def test_source_chooses_where_arxiv_radar_is_installed_from(tmp_path: Path) -> None:
    url = "git+https://github.com/someone/arxiv-radar@v0.1.0"
    result = invoke_cli("init", str(tmp_path), "--source", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == f"arxiv-radar[serve] @ {url}"
    # A second init without --source keeps the source chosen; --source pypi goes back.
    assert scaffold(tmp_path).files and (tmp_path / "requirements.txt").read_text().endswith(
        f"arxiv-radar[serve] @ {url}\n"
    )
    scaffold(tmp_path, source="pypi")
    written = (tmp_path / "requirements.txt").read_text()
    assert written.endswith(f"arxiv-radar[serve]=={__version__}\n")
    assert install_requirement("PyPI", "0.2.0", tmp_path) == ("arxiv-radar==0.2.0", ())
    _, warnings = install_requirement("git+https://github.com/someone/arxiv-radar", None, tmp_path)
    assert "names no tag or commit" in warnings[0]


def test_a_wheel_inside_the_repository_is_a_relative_path(tmp_path: Path) -> None:
    wheel = tmp_path / "vendor" / "arxiv_radar-0.1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK")
    assert install_requirement(str(wheel), None, tmp_path) == (
        "./vendor/arxiv_radar-0.1.0-py3-none-any.whl",
        (),
    )
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    (outside / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    line, warnings = install_requirement(str(outside), None, tmp_path)
    assert line == f"arxiv-radar @ {outside.resolve().as_uri()}"
    assert "GitHub Actions and Vercel cannot reach it" in warnings[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "git+https://example.org/x y"], "not a git URL"),
        (["--source", "git+https://example.org/x;rm"], "not a git URL"),
        (["--source", "http://example.org/arxiv-radar.zip"], "neither 'pypi', a git URL"),
        (["--source", "no/such/wheel.whl"], "neither 'pypi', a git URL"),
        (["--source", "git+https://example.org/r@v1", "--pin", "0.1.0"], "--pin chooses"),
    ],
)
def test_a_bad_source_stops_init_with_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke_cli("init", str(tmp_path / "digest"), *args, cwd=tmp_path)
    assert result.returncode == 2 and message in " ".join(result.stderr.split())
    assert not (tmp_path / "digest").exists()
    other = tmp_path / "not-a-wheel.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="not an arxiv-radar wheel"):
        install_requirement(str(other), None, tmp_path)
