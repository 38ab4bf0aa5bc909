"""`arxiv-radar init`: the files it writes, what it keeps, and how it refuses a bad folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxiv_radar.config import Config, load_config
from arxiv_radar.errors import ConfigError, UsageError
from arxiv_radar.scaffold import WORKFLOW_PATH, config_text, requirement, scaffold

from cli_helpers import run_cli

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
    result = run_cli("init", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (folder / name).is_file(), name
        assert name in result.stdout, name
    assert result.stdout.count("created") == len(FILES)
    assert "DEPLOY.md" in result.stdout and "--dry-run" in result.stdout
    # The configuration is the shipped example, every key commented, and loads as it is.
    config = load_config(folder / "arxiv-radar.toml", env={})
    assert config.model_dump() == Config().model_dump()
    text = (folder / "arxiv-radar.toml").read_text(encoding="utf-8")
    assert "arxiv-radar init --force" in text.splitlines()[3]
    assert text.count("\n# ") > 100
    assert (folder / "requirements.txt").read_text().splitlines()[-1] == "arxiv-radar"
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
    assert config_text().endswith(body)


def test_rerunning_keeps_every_file(tmp_path: Path) -> None:
    scaffold(tmp_path)
    (tmp_path / "README.md").write_text("my own readme\n", encoding="utf-8")
    (tmp_path / "vercel.json").write_text("{}\n", encoding="utf-8")
    before = snapshot(tmp_path)

    result = run_cli("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path) == before
    assert "kept 2 existing file(s)" in " ".join(result.stderr.split())
    assert "--force" in result.stderr
    again = scaffold(tmp_path)
    actions = {item.path: item.action for item in again.files}
    assert actions.pop("README.md") == actions.pop("vercel.json") == "kept"
    assert set(actions.values()) == {"unchanged"}
    assert not again.config_written and [item.path for item in again.kept] == [
        "vercel.json",
        "README.md",
    ]


def test_force_replaces_files_but_never_the_configuration(tmp_path: Path) -> None:
    scaffold(tmp_path)
    config = tmp_path / "arxiv-radar.toml"
    config.write_text('[publish]\nschedule = "15 7 * * 1-5"\n', encoding="utf-8")
    (tmp_path / "README.md").write_text("my own readme\n", encoding="utf-8")

    result = scaffold(tmp_path, force=True)
    actions = {item.path: item.action for item in result.files}
    assert actions["README.md"] == "overwritten" and actions[WORKFLOW_PATH] == "overwritten"
    assert "arxiv-radar.toml" not in actions
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
        "state/radar.db; do" in workflow
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
        '[publish]\ntimezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    result = scaffold(tmp_path)
    workflow = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "for path in README.md feeds site exports reports; do" in workflow
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
    result = run_cli("init", str(target), cwd=tmp_path)
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr and "Traceback" not in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder\n"

    result = run_cli("init", str(target / "digest"), cwd=tmp_path)
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

    result = run_cli("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "nothing was written" in " ".join(result.stderr.split())


def test_pin_writes_an_exact_requirement(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path), "--pin", "0.1.0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "arxiv-radar==0.1.0" and all(line.startswith("#") for line in lines[:-1])
    assert requirement("==1.2.0rc1") == "arxiv-radar==1.2.0rc1"
    for bad in ("latest", "1.0; rm -rf /", ">=1.0", ""):
        with pytest.raises(UsageError, match="not a release version"):
            requirement(bad)
    result = run_cli("init", str(tmp_path / "other"), "--pin", "newest", cwd=tmp_path)
    assert result.returncode == 2 and "not a release version" in result.stderr
    assert not (tmp_path / "other").exists()


def test_help_teaches_what_init_writes(tmp_path: Path) -> None:
    result = run_cli("init", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for text in (
        "arxiv-radar.toml",
        ".github/workflows/arxiv-radar.yml",
        "vercel.json, api/index.py",
        "requirements.txt",
        "DEPLOY.md",
        "--force",
        "--pin",
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
