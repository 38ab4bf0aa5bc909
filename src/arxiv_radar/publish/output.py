"""The output folder: where each output goes, rendering all of them, the checks before the
first write, the atomic writes and the clean-up of what a killed writer left.

Outputs, under ``output``::

    README.md                    the digest (publish/markdown.py)
    feeds/rss.xml, atom.xml, feed.json, <category>.xml
    site/index.html, site/archive/<date>.html, site/data.json, site/assets/
    exports/digest.bib, exports/digest.json
    reports/run-<date>.json      the run's report

:func:`publish` renders everything before it writes anything, and writes every file
atomically (:func:`~arxiv_radar.publish.files.write_atomic`), so a failure leaves the last
good outputs as they were. An output folder that cannot be written is refused before anything
is fetched (:func:`preflight`), an output path blocked by a folder before the first write, a
file arxiv-radar did not write unless ``force`` (:mod:`arxiv_radar.publish.outputs`), and the
temporary files a killed run left behind are removed by the next one (docs/reliability.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from arxiv_radar.config import PublishConfig
from arxiv_radar.errors import UsageError
from arxiv_radar.models import Digest
from arxiv_radar.publish import exports, feeds, markdown, site
from arxiv_radar.publish.files import TEMPORARY_PREFIX, is_temporary, write_all, write_atomic
from arxiv_radar.publish.outputs import OwnedFiles

__all__ = [
    "OUTPUT_FOLDERS",
    "Published",
    "check_output_folder",
    "fixed_outputs",
    "output_paths",
    "preflight",
    "publish",
    "remove_stale_temporaries",
    "write_report",
]

logger = logging.getLogger(__name__)

OUTPUT_FOLDERS = ("feeds", "site", "exports", "reports")
"""The folders under ``output`` a run writes into, with all their subfolders, beside ``output``
itself: where stale temporary files are looked for."""

_FIX = (
    "choose another --output (or publish.output), or fix the folder: it must be a folder you "
    "can write to, with free space"
)


@dataclass(frozen=True)
class Published:
    """What :func:`publish` did: the files it wrote (for a dry run, the main ones it would
    write), its warnings, and where the run's report goes (:func:`write_report`)."""

    files: tuple[Path, ...]
    warnings: tuple[str, ...]
    report: Path
    dry_run: bool = False


def output_paths(output: Path, day: dt.date, categories: Sequence[str]) -> dict[str, Path]:
    """Where each output of ``day`` goes under ``output`` (the layout in the module doc)."""
    paths = {
        "readme": output / "README.md",
        "rss": output / "feeds" / feeds.RSS_FILE,
        "atom": output / "feeds" / feeds.ATOM_FILE,
        "json_feed": output / "feeds" / feeds.JSON_FEED_FILE,
        "site": output / "site" / "index.html",
        "site_day": output / "site" / "archive" / f"{day.isoformat()}.html",
        "bibtex": output / "exports" / "digest.bib",
        "json": output / "exports" / "digest.json",
        "report": output / "reports" / f"run-{day.isoformat()}.json",
    }
    for category in dict.fromkeys(categories):
        paths[f"feed:{category}"] = output / "feeds" / feeds.category_file(category)
    return paths


def fixed_outputs(output: Path) -> list[Path]:
    """The outputs whose names do not depend on the day: what is checked for ownership
    before anything is fetched."""
    return [
        output / "README.md",
        *(output / "feeds" / name for name in (feeds.RSS_FILE, feeds.ATOM_FILE)),
        output / "feeds" / feeds.JSON_FEED_FILE,
        output / "site" / "index.html",
        output / "site" / "data.json",
        output / "exports" / "digest.bib",
        output / "exports" / "digest.json",
    ]


def check_output_folder(output: Path) -> None:
    """Raise :class:`UsageError` (exit 2) at once when ``output`` cannot be a writable folder:
    before anything is fetched or paid for."""
    existing = output
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "is a file, not a folder" if existing == output else "cannot be created"
        if existing != output:
            what += f" ({existing} is a file, not a folder)"
        raise UsageError(f"the output folder {output} {what}: {_FIX}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"the output folder {output} is not writable ({existing}): {_FIX}")


def preflight(output: Path, *, force: bool, dry_run: bool = False) -> None:
    """The checks made before anything is fetched or paid for: ``output`` can be a writable
    folder and, unless ``dry_run``, its outputs that do not depend on the day were written by
    arxiv-radar (or ``force``). Raises :class:`UsageError` (exit 2)."""
    check_output_folder(output)
    if not dry_run:
        OwnedFiles(output).check(fixed_outputs(output), force=force)


def _render(
    config: PublishConfig, digest: Digest, paths: dict[str, Path]
) -> dict[Path, bytes | str]:
    """Every output but the site, rendered in memory: a failure here writes nothing."""
    rendered: dict[Path, bytes | str] = {
        paths["readme"]: markdown.render_readme(
            digest, template=config.template, abstract_chars=config.abstract_chars
        ),
        paths["rss"]: feeds.render_rss(digest),
        paths["atom"]: feeds.render_atom(digest),
        paths["json_feed"]: feeds.render_json_feed(digest),
        paths["bibtex"]: exports.render_bibtex(digest),
        paths["json"]: exports.render_json(digest),
    }
    for category in dict.fromkeys(digest.categories):
        rendered[paths[f"feed:{category}"]] = feeds.render_rss(digest, category=category)
    return rendered


def publish(
    config: PublishConfig, digest: Digest, output: Path, *, force: bool, dry_run: bool = False
) -> Published:
    """Render every output of ``digest`` (the site included) and write them into ``output``.

    Nothing is written before everything is rendered and checked: a folder or file in the
    way, or a file arxiv-radar did not write (unless ``force``), raises :class:`UsageError`
    with nothing written; so does a failed write, which leaves each file either new or as it
    was. ``dry_run`` renders and checks ownership (a warning instead of an error), writing
    nothing.
    """
    paths = output_paths(output, digest.announced_on, digest.categories)
    rendered = _render(config, digest, paths)
    site_files = site.render_site(digest, output / "site")
    contents: dict[Path, bytes | str] = {**dict(site_files.files), **rendered}
    if dry_run:
        foreign = OwnedFiles(output).foreign(contents)
        warnings: tuple[str, ...] = ()
        if foreign and not force:
            warnings = (
                f"a real run would stop: {len(foreign)} file(s) in {output} were not written "
                f"by arxiv-radar ({', '.join(str(p) for p in foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); pass --force to replace them",
            )
        return Published(
            files=(*rendered, paths["site"], paths["site_day"]),
            warnings=warnings,
            report=paths["report"],
            dry_run=True,
        )
    _check_targets(output, [*contents, paths["report"]])
    owned = OwnedFiles(output)
    owned.check([*contents, paths["report"]], force=force)
    removed = remove_stale_temporaries(output)
    try:
        owned.begin(contents)
        write_all([*site_files.files, *rendered.items()])
        owned.commit(contents)
    except OSError as error:
        raise _write_failed(output, error) from error
    return Published(
        files=(*rendered, *(path for path, _ in site_files.files)),
        warnings=(
            (f"removed {len(removed)} temporary file(s) an interrupted run left behind",)
            if removed
            else ()
        ),
        report=paths["report"],
    )


def write_report(output: Path, path: Path, text: str, *, force: bool | None = None) -> Path:
    """Write the run's report ``text`` to ``path`` (from :attr:`Published.report`) as an
    output of ``output``, recorded in its manifest; a failed write raises :class:`UsageError`.
    With ``force`` not None, a file there that arxiv-radar did not write is refused first
    (:class:`UsageError`, exit 2) unless ``force`` (the demo's configuration file)."""
    contents = {path: text}
    try:
        owned = OwnedFiles(output)
        if force is not None:
            owned.check([path], force=force)
        owned.begin(contents)
        write_atomic(path, text)
        owned.commit(contents)
    except OSError as error:
        raise _write_failed(output, error) from error
    return path


def _check_targets(output: Path, targets: Sequence[Path]) -> None:
    """Refuse, before the first write, outputs that cannot be replaced by a file: a folder
    where a file goes, a file where a folder goes (so nothing is published half-way)."""
    check_output_folder(output)
    for target in targets:
        if target.is_dir():
            raise UsageError(
                f"cannot publish {target}: a folder is in the way of that output file; "
                f"move or delete it and run again (nothing was written)"
            )
        parent = target.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise UsageError(
                f"cannot publish {target}: {parent} is a file where a folder should be; "
                f"move or delete it and run again (nothing was written)"
            )


def remove_stale_temporaries(output: Path) -> list[Path]:
    """Delete the temporary files a killed writer left in the output folders (those named
    by :func:`~arxiv_radar.publish.files.write_atomic`, and only those); return them."""
    removed: list[Path] = []
    candidates = [
        *(output.iterdir() if output.is_dir() else ()),
        *(
            path
            for name in OUTPUT_FOLDERS
            for path in (output / name).rglob(f"{TEMPORARY_PREFIX}*")
        ),
    ]
    for path in candidates:
        if is_temporary(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.info("removed %d stale temporary files under %s", len(removed), output)
    return removed


def _write_failed(output: Path, error: OSError) -> UsageError:
    where = f" ({error.filename})" if error.filename else ""
    return UsageError(
        f"writing the outputs into {output} failed: {error.strerror or error}{where}. Each "
        "file is either the new or the previous version, never half-written; "
        f"{_FIX}, then run again."
    )
