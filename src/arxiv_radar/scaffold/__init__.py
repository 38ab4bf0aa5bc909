"""``arxiv-radar init``: scaffold a digest repository from its configuration.

:func:`plan` decides every file of a digest repository and its content, from the folder's
configuration (an existing ``arxiv-radar.toml`` or ``config.json``, else the commented example
shipped as package data, which it also writes); :func:`scaffold` checks the folder, then writes
what is missing (or, with ``force``, what differs) and reports each file's fate. Nothing is
written when any path is in the way, and the configuration itself is never replaced: it is the
input from which the workflow's cron, the committed paths and the Vercel files are derived.

The files, all rendered from ``templates/`` (Jinja2 with ``[[ ]]``/``[% %]`` delimiters, which
leave GitHub's ``${{ }}`` expressions alone):

- ``arxiv-radar.toml``: the example configuration, every key commented;
- ``.github/workflows/arxiv-radar.yml``: the daily run (cron = ``publish.schedule``, manual
  trigger), committing the outputs and the SQLite store, with a concurrency group and a
  keep-alive step;
- ``requirements.txt``: the arxiv-radar release, for the workflow and for Vercel;
- ``vercel.json`` and ``api/index.py``: the feed server on Vercel over the committed store,
  opened read-only;
- ``README.md`` and ``DEPLOY.md``: the three deployments, step by step;
- ``.gitignore``: the store's transient files.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Literal

import jinja2

from arxiv_radar.config import Config, find_config_file, load_config
from arxiv_radar.errors import UsageError
from arxiv_radar.publish.files import write_atomic
from arxiv_radar.publish.markdown import describe_schedule

__all__ = [
    "CONFIG_NAME",
    "PYTHON_VERSION",
    "WORKFLOW_PATH",
    "Action",
    "FileOutcome",
    "PlannedFile",
    "ScaffoldResult",
    "config_text",
    "plan",
    "requirement",
    "scaffold",
]

CONFIG_NAME = "arxiv-radar.toml"
WORKFLOW_PATH = ".github/workflows/arxiv-radar.yml"
PACKAGE = "arxiv-radar"
PYTHON_VERSION = "3.12"
PROVIDER_KEYS = ("DASHSCOPE_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY")
OUTPUT_NAMES = ("README.md", "feeds", "site", "exports", "reports")
_VERSION = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
_CONFIG_HEADER = (
    "# arxiv-radar configuration of this digest repository (written by `arxiv-radar init`).\n"
    "#\n"
    "# publish.schedule below is also the cron of .github/workflows/arxiv-radar.yml: after\n"
    "# changing it, run `arxiv-radar init --force`, which rewrites the workflow and keeps this\n"
    "# file.\n"
)

Action = Literal["created", "overwritten", "unchanged", "kept"]


@dataclass(frozen=True)
class PlannedFile:
    """One file of the digest repository: where (relative, POSIX) and what it holds."""

    path: str
    content: str
    purpose: str


@dataclass(frozen=True)
class FileOutcome:
    """What :func:`scaffold` did with one file."""

    path: str
    action: Action
    purpose: str


@dataclass(frozen=True)
class ScaffoldResult:
    """The folder, each file's outcome, the configuration used and what to watch out for."""

    folder: Path
    files: tuple[FileOutcome, ...]
    config_file: str
    config: Config
    config_written: bool
    warnings: tuple[str, ...] = field(default=())

    @property
    def kept(self) -> list[FileOutcome]:
        """Files that exist with other content and were left as they are (no ``force``)."""
        return [item for item in self.files if item.action == "kept"]


def requirement(pin: str | None = None) -> str:
    """The pip requirement for arxiv-radar: the newest release, or exactly ``pin``."""
    if pin is None:
        return PACKAGE
    version = pin.strip().removeprefix("==").strip()
    if not _VERSION.fullmatch(version):
        raise UsageError(
            f"--pin '{pin}' is not a release version (expected a version such as 0.1.0 or 1.2.0rc1)"
        )
    return f"{PACKAGE}=={version}"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("arxiv_radar.scaffold", "templates"),
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )


def _template_text(name: str) -> str:
    return resources.files(__name__).joinpath("templates", name).read_text(encoding="utf-8")


def config_text() -> str:
    """The configuration ``init`` writes: the shipped example, with a header for the repo."""
    lines = _template_text(CONFIG_NAME).splitlines(keepends=True)
    if lines and lines[0].startswith("# arxiv-radar configuration"):
        lines = lines[1:]
    return _CONFIG_HEADER + "".join(lines)


def _inside(path: str) -> str | None:
    """``path`` as a clean relative POSIX path when it stays inside the repository."""
    candidate = PurePosixPath(Path(path).as_posix())
    if candidate.is_absolute() or ".." in candidate.parts:
        return None
    text = candidate.as_posix()
    return "" if text == "." else text


def _store_file(url: str) -> str | None:
    """The store's path in the repository, or None for a database server or outside path."""
    if "://" in url or url == ":memory:":
        return None
    return _inside(url) or None


@dataclass(frozen=True)
class _Facts:
    """What the files say, derived once from the configuration."""

    config_file: str
    cron: str
    timezone: str
    store: str | None
    output: str | None
    secrets: tuple[str, ...]
    warnings: tuple[str, ...]

    def output_path(self, name: str) -> str:
        return f"{self.output}/{name}" if self.output else name

    @property
    def commit_paths(self) -> list[str]:
        paths = [self.output_path(name) for name in OUTPUT_NAMES] if self.output is not None else []
        return paths + ([self.store] if self.store else [])


def _facts(config: Config, config_file: str) -> _Facts:
    publish = config.publish
    warnings: list[str] = []
    store = _store_file(config.store.url)
    secrets = [config.summaries.api_key_env, *PROVIDER_KEYS]
    if store is None:
        secrets.append("ARXIV_RADAR_DB")
        warnings.append(
            f"the store '{config.store.url}' is not a file in the repository, so the workflow "
            "does not commit it: give GitHub Actions a database server through the "
            "ARXIV_RADAR_DB secret, or set [store] url to a relative path such as "
            "'arxiv-radar.db' so that each run remembers the last"
        )
    output = _inside(publish.output)
    if output is None:
        warnings.append(
            f"publish.output '{publish.output}' is outside the repository, so the workflow "
            "commits no digest: set it to '.' or a folder inside the repository"
        )
    if publish.timezone != "UTC":
        warnings.append(
            f"publish.timezone is {publish.timezone}, but GitHub Actions reads cron in UTC: "
            f"the workflow runs at '{publish.schedule}' UTC (shift its hours if needed)"
        )
    return _Facts(
        config_file=config_file,
        cron=publish.schedule,
        timezone=publish.timezone,
        store=store,
        output=output,
        secrets=tuple(dict.fromkeys(secrets)),
        warnings=tuple(warnings),
    )


def _words(items: list[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    if len(quoted) < 2:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _render(config: Config, facts: _Facts, pin: str | None) -> list[PlannedFile]:
    env = _environment()
    includes = [facts.config_file] + ([facts.store] if facts.store else [])
    outputs = (
        [facts.output_path(name) + ("" if "." in name else "/") for name in OUTPUT_NAMES]
        if facts.output is not None
        else []
    )
    context = {
        "title": config.publish.title,
        "description": config.publish.description,
        "config_file": facts.config_file,
        "cron": facts.cron,
        "timezone": facts.timezone,
        "schedule_words": describe_schedule(facts.cron, "UTC").removeprefix("Runs ").strip(),
        "store": facts.store or "arxiv-radar.db",
        "store_display": facts.store or config.store.url,
        "secrets": facts.secrets,
        "other_secrets": _words(list(facts.secrets[1:])),
        "first_secret": facts.secrets[0],
        "commit_paths": " ".join(shlex.quote(path) for path in facts.commit_paths),
        "commit_words": _words(outputs + ([facts.store] if facts.store else [])),
        "outputs_words": _words(outputs) if outputs else "its outputs",
        "feed_path": facts.output_path("feeds/rss.xml") if facts.output is not None else "",
        "site_path": facts.output_path("site/") if facts.output is not None else "",
        "include_files": includes[0] if len(includes) == 1 else "{" + ",".join(includes) + "}",
        "requirement": requirement(pin),
        "python_version": PYTHON_VERSION,
    }
    # Values that land inside YAML or JSON strings are written as JSON strings (valid YAML).
    workflow_context = {**context, "cron": json.dumps(facts.cron)[1:-1]}
    deploy = env.get_template("DEPLOY.md").render(context)
    body = deploy.split("\n", 1)[1].lstrip("\n")
    return [
        PlannedFile(
            WORKFLOW_PATH,
            env.get_template("workflow.yml").render(workflow_context),
            f"the daily run on GitHub Actions (cron {facts.cron!r} UTC, manual trigger)",
        ),
        PlannedFile(
            "requirements.txt",
            env.get_template("requirements.txt").render(context),
            f"what the workflow and Vercel install ({context['requirement']})",
        ),
        PlannedFile(
            "vercel.json",
            env.get_template("vercel.json").render(context),
            "Vercel: every request to api/index.py",
        ),
        PlannedFile(
            "api/index.py",
            _template_text("vercel_index.py"),
            "Vercel: the feed server over the committed store, read-only",
        ),
        PlannedFile(
            "README.md",
            env.get_template("README.md").render({**context, "deploy_body": body}),
            "the three deployments, until the first run writes the digest here",
        ),
        PlannedFile("DEPLOY.md", deploy, "the three deployments, step by step"),
        PlannedFile(
            ".gitignore", env.get_template("gitignore").render(context), "the store's temp files"
        ),
    ]


def _existing_config(folder: Path) -> Path | None:
    return find_config_file(folder) if folder.is_dir() else None


def plan(
    folder: Path, *, pin: str | None = None
) -> tuple[list[PlannedFile], Config, str, tuple[str, ...]]:
    """The files of a digest repository in ``folder``, with the configuration they follow.

    Returns the planned files (the configuration first when it is to be written), the
    configuration, its file name and warnings. An existing configuration (``arxiv-radar.toml``,
    else the old ``config.json``) is read, without environment overrides, and never planned
    for writing; a broken one raises :class:`~arxiv_radar.errors.ConfigError`.
    """
    existing = _existing_config(folder)
    files: list[PlannedFile] = []
    if existing is not None:
        config = load_config(existing, env={})
        config_file = existing.name
    else:
        text = config_text()
        config = Config.model_validate(tomllib.loads(text))
        config_file = CONFIG_NAME
        files.append(PlannedFile(CONFIG_NAME, text, "what to watch, rank, summarize and publish"))
    facts = _facts(config, config_file)
    files += _render(config, facts, pin)
    return files, config, config_file, facts.warnings + _other_workflows(folder)


def _other_workflows(folder: Path) -> tuple[str, ...]:
    workflows = folder / ".github" / "workflows"
    if not workflows.is_dir():
        return ()
    others = sorted(
        path.name
        for path in workflows.iterdir()
        if path.suffix in (".yml", ".yaml") and path.name != Path(WORKFLOW_PATH).name
    )
    if not others:
        return ()
    return (
        f"other workflows in .github/workflows: {', '.join(others)}. If one runs arXiv Papers "
        "Bot (or another digest job), delete it so that two jobs do not both rewrite README.md",
    )


def _obstacles(folder: Path, files: list[PlannedFile]) -> list[str]:
    """Every path in the way of ``files``: a folder where a file goes, a file where a folder."""
    problems: list[str] = []
    for planned in files:
        target = folder / planned.path
        if target.is_dir():
            problems.append(f"{target} is a folder, where {planned.path} should be written")
            continue
        for parent in list(PurePosixPath(planned.path).parents)[:-1]:
            blocker = folder / parent
            if blocker.exists() and not blocker.is_dir():
                problems.append(f"{blocker} is a file, where the folder {parent}/ should be")
                break
    return sorted(set(problems))


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder: give a folder for the repository")
    ancestor = folder.absolute()
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(
            f"cannot create {folder}: {ancestor} is a file, not a folder (choose another folder)"
        )


def scaffold(folder: Path, *, force: bool = False, pin: str | None = None) -> ScaffoldResult:
    """Write a digest repository into ``folder`` (created if missing).

    Existing files are kept unless ``force`` (identical ones are reported as ``unchanged``);
    an existing configuration is always kept and followed. Nothing is written when the
    folder or a path inside it is in the way: :class:`~arxiv_radar.errors.UsageError`.
    """
    _check_folder(folder)
    files, config, config_file, warnings = plan(folder, pin=pin)
    problems = _obstacles(folder, files)
    if problems:
        raise UsageError("cannot scaffold here, nothing was written: " + "; ".join(problems))
    outcomes: list[FileOutcome] = []
    for planned in files:
        target = folder / planned.path
        action: Action = "created"
        if target.exists():
            if target.read_bytes() == planned.content.encode("utf-8"):
                outcomes.append(FileOutcome(planned.path, "unchanged", planned.purpose))
                continue
            if not force:
                outcomes.append(FileOutcome(planned.path, "kept", planned.purpose))
                continue
            action = "overwritten"
        try:
            write_atomic(target, planned.content)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
        outcomes.append(FileOutcome(planned.path, action, planned.purpose))
    return ScaffoldResult(
        folder=folder,
        files=tuple(outcomes),
        config_file=config_file,
        config=config,
        config_written=any(item.path == config_file for item in files),
        warnings=warnings,
    )
