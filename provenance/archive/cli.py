"""``provenance archive add|info|remove|verify`` and ``provenance check``.

Registered on the main group by ``provenance.cli``; like it, each command
imports what it runs, so ``--help`` loads no heavy module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provenance.settings import DEFAULT_MAX_BYTES, DEFAULT_READ_TIMEOUT

if TYPE_CHECKING:
    from provenance import sources
    from provenance.archive.check import CheckResult
    from provenance.archive.store import AddResult

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _reading_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """What to read from each PATH, as ``provenance audit`` takes it."""
    for opt in reversed([
        click.option("--include", multiple=True, help="Only files matching this glob (repeatable)."),
        click.option("--exclude", multiple=True, help="Leave out files or folders matching this glob (repeatable)."),
        click.option("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, show_default=True,
                     help="Skip article files larger than this."),
        click.option("--read-timeout", type=click.FloatRange(min=0), default=DEFAULT_READ_TIMEOUT, show_default=True,
                     help="Skip a web page or office file that takes longer than this many seconds per MB "
                          "(and at least this many) to read: a parser stuck on a malformed file; 0: no limit."),
        click.option("--text-column", default=None, help="Record field holding the article text (collections)."),
        click.option("--id-column", default=None, help="Record field holding the record id."),
        click.option("--title-column", default=None, help="Record field holding the headline."),
        click.option("--date-column", default=None, help="Record field holding the publication date."),
        click.option("--url-column", default=None, help="Record field holding the article's address."),
        click.option("--site-column", default=None, help="Record field naming the outlet."),
        click.option("--author-column", default=None, help="Record field naming the author."),
    ]):
        f = opt(f)
    return f


def _options(kw: dict[str, Any], own: tuple[str, ...] = ()) -> sources.Options:
    from provenance import sources

    columns = sources.Columns(text=kw.pop("text_column"), id=kw.pop("id_column"), title=kw.pop("title_column"),
                              date=kw.pop("date_column"), url=kw.pop("url_column"), site=kw.pop("site_column"),
                              author=kw.pop("author_column"))
    return sources.Options(max_bytes=kw.pop("max_bytes"), include=tuple(kw.pop("include")),
                           exclude=tuple(kw.pop("exclude")), columns=columns, own=own,
                           read_timeout=kw.pop("read_timeout") or None)


def _read(paths: tuple[Path, ...], options: sources.Options) -> tuple[list[Any], list[Any]]:
    from provenance.archive import _read as read

    try:
        return read(paths, options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _bar() -> Any:
    from provenance.cli import _Bar

    return _Bar(enabled=sys.stderr.isatty())


def _echo_skipped(skipped: Any) -> None:
    from provenance.sources import safe

    for s in skipped:
        click.echo(f"  skipped {safe.name(s.path)}: {s.reason}", err=True)


def _add_summary(root: Path, got: AddResult) -> str:
    lines = [f"{root}: {len(got.added)} added, {len(got.unchanged)} already archived, "
             f"{len(got.identical)} identical to an archived text, {len(got.skipped)} skipped"
             + (f", {got.merges} segment merges" if got.merges else "")]
    for new, old in got.identical[:10]:
        lines.append(f"  {new}: same text as archived {old} (not added)")
    if len(got.identical) > 10:
        lines.append(f"  ... and {len(got.identical) - 10} more")
    return "\n".join(lines)


@click.group("archive")
def archive_group() -> None:
    """A persistent archive that new texts are checked against (`provenance check`)."""


@archive_group.command("add")
@click.argument("archive", type=click.Path(path_type=Path, file_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--min-len", type=click.IntRange(1), default=None,
              help="Shortest shared run, in words (on creation; default: chosen from the first texts added).")
@click.option("--max-gap", type=click.IntRange(0), default=None, help="Largest gap bridged inside a passage (on creation).")
@click.option("--max-df", type=click.IntRange(2), default=None,
              help="Default boilerplate threshold of checks (on creation; a check may give its own).")
@click.option("--stem/--no-stem", default=None, help="Snowball stemming (on creation; default: stem).")
@click.option("--align/--no-align", default=None, help="Passages aligned across edits (on creation; default: align).")
@_reading_options
@click.option("--quiet", "-q", is_flag=True, help="No summary on stdout.")
def add_cmd(archive: Path, paths: tuple[Path, ...], min_len: int | None, max_gap: int | None, max_df: int | None,
            stem: bool | None, align: bool | None, quiet: bool, **kw: Any) -> int:
    """Add the articles under each PATH (anything `provenance audit` reads) to ARCHIVE, created if needed."""
    from provenance.archive import Archive, ArchiveError

    given = {k: v for k, v in (("min_len", min_len), ("max_gap", max_gap), ("max_df", max_df), ("stem", stem),
                                ("align", align)) if v is not None}
    settings = _creation_settings(given)
    docs, skipped = _read(paths, _options(kw, own=(str(archive.resolve()),)))
    bar = _bar()
    try:
        got = Archive(archive, settings).store.add(docs, skipped, settings, progress=bar)
    except ArchiveError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        bar.close()
    if not quiet:
        click.echo(_add_summary(archive, got))
    _echo_skipped(got.skipped)
    return EXIT_OK


def _creation_settings(given: dict[str, Any]) -> Any:
    """The settings an add gives: None when no option was given (an existing
    archive keeps its own; a new one takes the defaults)."""
    from provenance.cli import _as_options
    from provenance.settings import Settings

    if not given:
        return None
    try:
        return Settings(**{"min_len": None, **given})
    except ValueError as exc:
        raise click.UsageError(_as_options(str(exc))) from exc


@archive_group.command("info")
@click.argument("archive", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def info_cmd(archive: Path, as_json: bool) -> int:
    """Counts, sizes and settings of ARCHIVE."""
    from provenance.archive import Archive, ArchiveError

    try:
        got = Archive(archive).info()
    except ArchiveError as exc:
        raise click.UsageError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(got, sort_keys=True, indent=1))
        return EXIT_OK
    mb = 1024 * 1024
    s = got["settings"]
    click.echo(f"{archive}: {got['format']}, {got['documents']} documents, {got['tokens']} tokens, {got['adds']} adds")
    click.echo(f"  text {got['text_bytes'] / mb:.1f} MB ({got['text_stored_bytes'] / mb:.1f} MB stored), "
               f"disk {got['disk_bytes'] / mb:.1f} MB (catalogue {got['catalogue_bytes'] / mb:.1f}, "
               f"segments {got['segment_bytes'] / mb:.1f})")
    click.echo(f"  {len(got['segments'])} segments, {got['postings']} postings"
               + (f", {got['removed_pending']} removed documents masked until a merge" if got["removed_pending"] else ""))
    click.echo(f"  settings: min_len {s['min_len']}" + (f" ({s['min_len_chosen']})" if s["min_len_chosen"] else "")
               + f", max_gap {s['max_gap']}, max_df {s['max_df']}, stem {s['stem']}, align {s['align']}")
    return EXIT_OK


@archive_group.command("remove")
@click.argument("archive", type=click.Path(path_type=Path, file_okay=False))
@click.argument("ids", nargs=-1, required=True)
def remove_cmd(archive: Path, ids: tuple[str, ...]) -> int:
    """Remove documents from ARCHIVE by id (an id not archived is a usage error)."""
    from provenance.archive import Archive, ArchiveError

    try:
        removed, missing = Archive(archive).remove(*ids)
    except ArchiveError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"{archive}: {len(removed)} removed")
    for m in missing:
        click.echo(f"error: {m!r} is not archived", err=True)
    return EXIT_USAGE if missing else EXIT_OK


@archive_group.command("verify")
@click.argument("archive", type=click.Path(path_type=Path, file_okay=False))
def verify_cmd(archive: Path) -> int:
    """Check ARCHIVE's integrity: exit 0 when sound, 1 with the problems listed."""
    from provenance.archive import Archive, ArchiveError

    try:
        problems, notes = Archive(archive).verify()
    except ArchiveError as exc:
        raise click.UsageError(str(exc)) from exc
    for n in notes:
        click.echo(f"note: {n}")
    for p in problems:
        click.echo(f"problem: {p}", err=True)
    click.echo(f"{archive}: {'sound' if not problems else f'{len(problems)} problems'}")
    return EXIT_FINDINGS if problems else EXIT_OK


def check_summary(result: CheckResult, top: int = 5) -> str:
    """The terminal summary: per checked document, its likely source and best matches."""
    lines = [f"checked {len(result.checked)} against {result.archived} archived documents"]
    for d in result.checked:
        mine = [m for m in result.matches if m.checked == d.id]
        twin = result.identical.get(d.id)
        head = f"{d.id}: {len(mine)} archived documents share text"
        if twin is not None:
            head += f"; identical to archived {twin}"
        best = result.likely_source(d.id)
        if best is not None:
            head += (f"; most likely source {best.archived.id} (confidence {best.confidence:.2f}, "
                     f"{best.covered_checked:.0%} of it found there)")
        lines.append(head)
        for m in mine[:top]:
            lines.append(f"  {m.covered_checked:6.1%} of it in {m.archived.id} ({m.covered_archived:.1%} of that), "
                         f"longest run {m.pair.longest}, {m.direction.replace('_', ' ')}"
                         + (f", {m.change}" if m.change else ""))
        if len(mine) > top:
            lines.append(f"  ... and {len(mine) - top} more (check.json lists them all)")
    return "\n".join(lines)


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--archive", "archive", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The archive to check against (`provenance archive add` makes one).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder for check.json and report.html.")
@click.option("--max-df", type=click.IntRange(2), default=None,
              help="A passage in more archived documents than this is boilerplate (default: the archive's).")
@click.option("--fail-over", type=click.FloatRange(0, 1), default=None,
              help="Exit 1 when an archived document holds more than this share of a checked article.")
@click.option("--add", "add_after", is_flag=True, help="Add the checked articles to the archive afterwards.")
@_reading_options
@click.option("--quiet", "-q", is_flag=True, help="No summary on stdout.")
def check_cmd(paths: tuple[Path, ...], archive: Path, out: Path, max_df: int | None, fail_over: float | None,
              add_after: bool, quiet: bool, **kw: Any) -> int:
    """Check the articles under each PATH against ARCHIVE: what they share with it, and who copied whom."""
    from provenance import __version__, export
    from provenance.archive import Archive, ArchiveError
    from provenance.archive.check import as_audit, check, to_dict
    from provenance.cli import _unwritable
    from provenance.report import render
    from provenance.sources import safe

    problem = _unwritable(out)
    if problem is not None:
        raise click.UsageError(f"--out {safe.name(str(out))}: {problem}")
    own = tuple(str(p.resolve()) for p in (out, out / "check.json", out / "report.html", archive))
    docs, skipped = _read(paths, _options(kw, own=own))
    if not docs:
        click.echo(f"{', '.join(map(str, paths))}: nothing to check ({len(skipped)} inputs skipped)", err=True)
        _echo_skipped(skipped)
        return EXIT_USAGE
    arc = Archive(archive)
    try:
        with arc.store.snapshot() as snap:
            result = check(snap, docs, max_df=max_df, skipped=skipped)
    except ArchiveError as exc:
        raise click.UsageError(str(exc)) from exc
    made = {out / "check.json": export.dumps(to_dict(result, __version__)).encode("utf-8"),
            # the report opens on the (first) checked article's view, coloured by source
            out / "report.html": render(as_audit(result), source=", ".join(safe.name(str(p)) for p in paths),
                                        focus=min(d.id for d in result.checked) if result.checked else None)}
    try:  # both or neither: a failed write never leaves a new check.json beside an old report
        export.write_files(made)
    except export.WriteError as exc:
        click.echo(f"error: cannot write {safe.name(str(exc.path))}: {exc.reason}", err=True)
        return EXIT_USAGE
    if not quiet:
        click.echo(check_summary(result))
        for path in made:
            click.echo(f"wrote {path}")
    _echo_skipped(skipped)
    if add_after:
        got = arc.store.add(docs, [], None)
        if not quiet:
            click.echo(_add_summary(archive, got))
        _echo_skipped(got.skipped)
    over = [m for m in result.matches if m.covered_checked > fail_over] if fail_over is not None else []
    if over:
        click.echo(f"findings: {len(over)} archived documents hold more than {fail_over:.0%} of a checked article",
                   err=True)
        return EXIT_FINDINGS
    return EXIT_OK
