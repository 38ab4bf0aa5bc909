"""``arxiv-radar init``: scaffold a digest repository from its configuration.

Long on purpose: planning and writing a repository share its facts and ownership checks.

:func:`plan` decides every file of a digest repository and its content, from the folder's
configuration (an existing ``arxiv-radar.toml`` or ``config.json``, else the commented example
shipped as package data, which it also writes); :func:`scaffold` checks the folder, then writes
what is missing (or, with ``force``, what differs) and reports each file's fate. Nothing is
written when any path is in the way, and the configuration itself is never replaced: it is the
input from which the workflow's cron, the committed paths and the Vercel files are derived.

``init`` replaces only files it wrote: it records each in the folder's manifest
(:data:`~arxiv_radar.publish.outputs.MANIFEST`, shared with ``arxiv-radar run``, which may then
replace the placeholder ``README.md`` with the digest). A second ``init`` refreshes its own
files that nobody changed since; any other file in the way stops it before anything is written
(exit 2, naming the files) unless ``force``. A ``README.md`` that the run has replaced with the
digest is left alone, with or without ``force``.

The files, all rendered from ``templates/`` (Jinja2 with ``[[ ]]``/``[% %]`` delimiters, which
leave GitHub's ``${{ }}`` expressions alone):

- ``arxiv-radar.toml``: the example configuration, every key commented;
- ``.github/workflows/arxiv-radar.yml``: the daily run (cron = ``publish.schedule``, a macro
  such as ``@daily`` written out as five fields; manual trigger), committing the outputs and
  the SQLite store, with a concurrency group and a keep-alive step;
- ``requirements.txt``: the arxiv-radar that scaffolded the repository (``arxiv-radar==`` its
  version from the package index, or a git URL, or a wheel or source folder), for the workflow
  and for Vercel, with the extras they need (:func:`with_extras`): ``serve`` for Vercel's feed
  server, and ``pdf`` when ``summaries.input_mode`` is ``fulltext`` (the PDF fallback);
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

from arxiv_radar import __version__
from arxiv_radar.config import Config, find_config_file, load_config
from arxiv_radar.errors import UsageError
from arxiv_radar.publish.files import write_atomic
from arxiv_radar.publish.outputs import MANIFEST, OwnedFiles
from arxiv_radar.schedule import describe_schedule, workflow_cron

__all__ = [
    "CONFIG_NAME",
    "PYTHON_VERSION",
    "WORKFLOW_PATH",
    "Action",
    "FileOutcome",
    "INIT_README_MARK",
    "PlannedFile",
    "ScaffoldResult",
    "config_text",
    "plan",
    "install_requirement",
    "requirement",
    "required_extras",
    "scaffold",
    "with_extras",
]

CONFIG_NAME = "arxiv-radar.toml"
WORKFLOW_PATH = ".github/workflows/arxiv-radar.yml"
PACKAGE = "arxiv-radar"
PYTHON_VERSION = "3.12"
PROVIDER_KEYS = ("DASHSCOPE_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY")
OUTPUT_NAMES = ("README.md", "feeds", "site", "exports", "reports")
_VERSION = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
_GIT_URL = re.compile(r"git\+(https|ssh|file)://[^\s;#'\"\\]+")
_EXTRAS = re.compile(r"\[[\w,\s-]*\]")
INIT_README_MARK = (
    "<!-- written by arxiv-radar init: the first run of arxiv-radar replaces this file "
    "with the digest -->"
)
"""The last line of the placeholder README.md: what tells it from the digest that replaces it."""
_CONFIG_HEADER = (
    "# arxiv-radar configuration of this digest repository (written by `arxiv-radar init`).\n"
    "#\n"
    "# publish.schedule below is also the cron of .github/workflows/arxiv-radar.yml: after\n"
    "# changing it, run `arxiv-radar init` again, which rewrites the workflow and keeps this\n"
    "# file.\n"
)

Action = Literal["created", "updated", "overwritten", "unchanged", "kept"]


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
        """Files left as they are although they differ: the digest that replaced README.md."""
        return [item for item in self.files if item.action == "kept"]


def requirement(pin: str | None = None) -> str:
    """The pip requirement for arxiv-radar from the package index: exactly ``pin``, by default
    the version running now (the one that scaffolds the repository)."""
    if pin is None:
        if not _VERSION.fullmatch(__version__):
            raise UsageError(
                f"this arxiv-radar is version {__version__}, which the package index cannot "
                "have: give --pin VERSION for a release, or --source with a git URL or a wheel"
            )
        return f"{PACKAGE}=={__version__}"
    version = pin.strip().removeprefix("==").strip()
    if not _VERSION.fullmatch(version):
        raise UsageError(
            f"--pin '{pin}' is not a release version (expected a version such as 0.1.0 or 1.2.0rc1)"
        )
    return f"{PACKAGE}=={version}"


def _local_requirement(source: str, folder: Path) -> tuple[str, tuple[str, ...]]:
    path = Path(source).expanduser()
    name = path.name
    if path.is_file():
        if not (
            name.endswith(".whl")
            and name.startswith("arxiv_radar-")
            or name.endswith(".tar.gz")
            and name.startswith(("arxiv_radar-", "arxiv-radar-"))
        ):
            raise UsageError(
                f"--source {source} is not an arxiv-radar wheel or source archive "
                "(arxiv_radar-VERSION-....whl or arxiv_radar-VERSION.tar.gz)"
            )
    elif path.is_dir():
        if not (path / "pyproject.toml").is_file():
            raise UsageError(f"--source {source} is a folder without pyproject.toml")
    else:
        raise UsageError(
            f"--source '{source}' is neither 'pypi', a git URL (git+https://HOST/OWNER/REPO@TAG)"
            " nor an existing wheel, source archive or folder"
        )
    absolute = path.resolve()
    try:
        relative = absolute.relative_to(folder.resolve()).as_posix()
    except ValueError:
        warning = (
            f"requirements.txt installs arxiv-radar from {absolute}, a path on this machine: "
            "GitHub Actions and Vercel cannot reach it. Commit the wheel inside the repository "
            "and run init again with --source pointing at it, or use a git URL"
        )
        return f"{PACKAGE} @ {absolute.as_uri()}", (warning,)
    if any(char.isspace() for char in relative):
        raise UsageError(f"--source {source}: the path holds a space, which pip cannot read")
    return f"./{relative}", ()


def install_requirement(
    source: str | None, pin: str | None, folder: Path
) -> tuple[str, tuple[str, ...]]:
    """The requirements.txt line that installs arxiv-radar, and warnings about it.

    ``source`` is ``pypi`` (or None): ``arxiv-radar==VERSION`` from the package index, the
    running version unless ``pin``; a git URL (``git+https://HOST/OWNER/REPO@TAG``, also
    ``git+ssh://`` and ``git+file://``): a PEP 508 direct reference; else a wheel, a source
    archive or a source folder, written relative (``./path``) when inside ``folder``.
    """
    if source is None or source.strip().lower() == "pypi":
        return requirement(pin), ()
    if pin is not None:
        raise UsageError(
            "--pin chooses a release of the package index (--source pypi): with another "
            "--source, name the version there (a tag in the git URL, or the wheel)"
        )
    source = source.strip()
    if source.startswith("git+"):
        if not _GIT_URL.fullmatch(source):
            raise UsageError(
                f"--source '{source}' is not a git URL pip can install "
                "(expected git+https://HOST/OWNER/REPO@TAG, git+ssh:// or git+file://)"
            )
        warnings: tuple[str, ...] = ()
        if "@" not in source.split("://", 1)[1].rsplit("/", 1)[-1]:
            warnings = (
                f"--source {source} names no tag or commit (…/REPO@TAG): each install takes "
                "whatever the default branch holds then",
            )
        return f"{PACKAGE} @ {source}", warnings
    return _local_requirement(source, folder)


def required_extras(config: Config) -> tuple[str, ...]:
    """The extras a digest repository installs: ``serve`` (Vercel's feed server, and
    ``arxiv-radar serve`` on a server of one's own; the daily run needs none), and ``pdf`` when
    the summaries read the full text, whose fallback is the paper's PDF."""
    return ("serve", "pdf") if config.summaries.input_mode == "fulltext" else ("serve",)


def with_extras(line: str, extras: tuple[str, ...]) -> str:
    """The requirement ``line`` (as :func:`install_requirement` writes it, without extras)
    installing ``extras`` too: ``arxiv-radar[serve]==1.0``, ``arxiv-radar[serve] @ URL``,
    ``./vendor/arxiv_radar-1.0-py3-none-any.whl[serve]``."""
    if not extras:
        return line
    names = f"[{','.join(extras)}]"
    if line.startswith(PACKAGE):
        return PACKAGE + names + line.removeprefix(PACKAGE)
    return line + names


def _without_extras(line: str) -> str:
    """``line`` as :func:`install_requirement` would write it: the extras taken out."""
    if line.startswith(PACKAGE + "["):
        rest = line.removeprefix(PACKAGE)
        found = _EXTRAS.match(rest)
        return PACKAGE + rest[found.end() :] if found else line
    found = _EXTRAS.search(line)
    return line[: found.start()] if found and found.end() == len(line) else line


def _previous_requirement(folder: Path) -> str | None:
    """The install source an earlier ``init`` wrote, when it was not the package index and
    the file is still as ``init`` wrote it."""
    path = folder / "requirements.txt"
    if not path.is_file() or OwnedFiles(folder).foreign([path]):
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    last = _without_extras(next((line.strip() for line in reversed(lines) if line.strip()), ""))
    if last.startswith((f"{PACKAGE} @ ", "./")):
        return last
    return None


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


EXAMPLE_OUTPUT = 'output = "arxiv-radar-digest"\n'
REPOSITORY_OUTPUT = 'output = "."  # this repository: README.md at its root\n'


def config_text() -> str:
    """The configuration ``init`` writes: the shipped example, with a header for the repo
    and the outputs at the repository's root (the example's own folder elsewhere)."""
    lines = _template_text(CONFIG_NAME).splitlines(keepends=True)
    if lines and lines[0].startswith("# arxiv-radar configuration"):
        lines = lines[1:]
    if EXAMPLE_OUTPUT not in lines:  # the shipped example changed: keep the two in step
        raise RuntimeError(f"{CONFIG_NAME} has no line {EXAMPLE_OUTPUT.strip()!r}")
    lines[lines.index(EXAMPLE_OUTPUT)] = REPOSITORY_OUTPUT
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
        """What the workflow commits: the outputs, the output folder's manifest (which files
        arxiv-radar wrote there) and the store."""
        names = (*OUTPUT_NAMES, MANIFEST)
        paths = [self.output_path(name) for name in names] if self.output is not None else []
        return paths + ([self.store] if self.store else [])


def _facts(config: Config, config_file: str) -> _Facts:
    publish = config.publish
    warnings: list[str] = []
    store = _store_file(config.store.url)
    secrets = [config.summaries.api_key_env, *PROVIDER_KEYS]
    secrets += [p.zotero_key_env for p in config.profiles.values() if p.zotero]  # Zotero keys
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
    cron = workflow_cron(publish.schedule)
    if publish.timezone != "UTC":
        warnings.append(
            f"publish.timezone is {publish.timezone}, but GitHub Actions reads cron in UTC: "
            f"the workflow runs at '{cron}' UTC (shift its hours if needed)"
        )
    return _Facts(
        config_file=config_file,
        cron=cron,
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


def _render(config: Config, facts: _Facts, install: str) -> list[PlannedFile]:
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
        "requirement": install,
        "readme_mark": INIT_README_MARK,
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
    folder: Path, *, pin: str | None = None, source: str | None = None
) -> tuple[list[PlannedFile], Config, str, tuple[str, ...]]:
    """The files of a digest repository in ``folder``, with the configuration they follow.

    Returns the planned files (the configuration first when it is to be written), the
    configuration, its file name and warnings. An existing configuration (``arxiv-radar.toml``,
    else the old ``config.json``) is read, without environment overrides, and never planned
    for writing; a broken one raises :class:`~arxiv_radar.errors.ConfigError`. Without
    ``source`` and ``pin``, a git URL or path that an earlier ``init`` wrote into
    requirements.txt is kept; otherwise see :func:`install_requirement`.
    """
    previous = _previous_requirement(folder) if source is None and pin is None else None
    install_warnings: tuple[str, ...]
    if previous is not None:
        install, install_warnings = previous, ()
    else:
        install, install_warnings = install_requirement(source, pin, folder)
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
    files += _render(config, facts, with_extras(install, required_extras(config)))
    warnings = facts.warnings + install_warnings + _other_workflows(folder)
    return files, config, config_file, warnings


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


def _is_digest(planned: PlannedFile, current: bytes, owned: OwnedFiles, target: Path) -> bool:
    """Whether ``target`` is the README.md digest a run of arxiv-radar wrote over init's."""
    return (
        planned.path == "README.md"
        and INIT_README_MARK.encode("utf-8") not in current
        and not owned.foreign([target])
    )


def scaffold(
    folder: Path, *, force: bool = False, pin: str | None = None, source: str | None = None
) -> ScaffoldResult:
    """Write a digest repository into ``folder`` (created if missing).

    A file that does not exist is created; one that ``init`` wrote and nobody changed since
    is updated; one already as planned is left ``unchanged``. Any other existing file stops
    ``init`` before anything is written (:class:`~arxiv_radar.errors.UsageError`, naming
    them) unless ``force``, which replaces them. The configuration is never replaced, and
    neither is the digest that a run wrote over the placeholder README.md. Nothing is written
    either when the folder or a path inside it is in the way.
    """
    _check_folder(folder)
    files, config, config_file, warnings = plan(folder, pin=pin, source=source)
    problems = _obstacles(folder, files)
    if problems:
        raise UsageError("cannot scaffold here, nothing was written: " + "; ".join(problems))
    owned = OwnedFiles(folder)
    decided: list[tuple[PlannedFile, Action]] = []
    foreign: list[str] = []
    for planned in files:
        target = folder / planned.path
        if not target.exists():
            decided.append((planned, "created"))
            continue
        current = target.read_bytes()
        if current == planned.content.encode("utf-8"):
            decided.append((planned, "unchanged"))
        elif _is_digest(planned, current, owned, target):
            decided.append((planned, "kept"))
        elif not owned.foreign([target]):
            decided.append((planned, "updated"))
        else:
            decided.append((planned, "overwritten"))
            foreign.append(planned.path)
    if foreign and not force:
        raise UsageError(
            f"{folder} already holds files that arxiv-radar init did not write (or that were "
            f"changed since): {', '.join(foreign)}. Nothing was written. Run init in an empty "
            "folder, or again with --force to replace them (the configuration is never "
            "replaced)."
        )
    writes = {
        folder / planned.path: planned.content
        for planned, action in decided
        if action in ("created", "updated", "overwritten")
    }
    # The configuration is the user's from the start: the manifest lists only the files that
    # init may refresh (and that a run may replace, such as README.md).
    recorded = {
        folder / planned.path: planned.content
        for planned, action in decided
        if action != "kept" and planned.path != config_file
    }
    try:
        if writes:
            folder.mkdir(parents=True, exist_ok=True)
            owned.begin({path: writes[path] for path in writes if path in recorded})
        for target, content in writes.items():
            write_atomic(target, content)
        owned.commit(recorded)
    except OSError as exc:
        raise UsageError(f"cannot write in {folder}: {exc.strerror or exc}") from exc
    return ScaffoldResult(
        folder=folder,
        files=tuple(FileOutcome(p.path, action, p.purpose) for p, action in decided),
        config_file=config_file,
        config=config,
        config_written=any(item.path == config_file for item in files),
        warnings=warnings,
    )
