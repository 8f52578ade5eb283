"""Command line: a thin ``main(argv) -> int`` around the library.

Exit codes: 0 success; 1 findings over ``--fail-over``; 2 usage error or
nothing auditable.

Each command imports what it runs (the readers, the engine, the report):
``provenance --help`` and ``provenance audit --help`` load none of numpy,
nltk, numba, scipy, lxml or trafilatura (``tests/test_cli_startup.py``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from provenance import __version__
from provenance.model import AuditResult, PairEvidence, Skipped
from provenance.settings import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DF,
    DEFAULT_MAX_GAP,
    DEFAULT_READ_TIMEOUT,
    Settings,
    usable_cores,
)
from provenance.verdict import words_shared

if TYPE_CHECKING:
    from tqdm import tqdm

    from provenance import sources

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
CSV_FILES = ("documents.csv", "pairs.csv", "edges.csv")


class _Bar:
    """Progress on stderr, shown only for long runs and only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self.bars.get(stage)
        if bar is None:
            from tqdm import tqdm

            bar = self.bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, leave=False)
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _shared_words(result: AuditResult, p: PairEvidence) -> int:
    """Words inside the pair's shared passages, on the side that has more of them (as the report counts)."""
    return words_shared(p.covered_a, p.covered_b, result.tokens.get(p.a, 0), result.tokens.get(p.b, 0))


def _summary(result: AuditResult, top: int = 10, report: str | None = None) -> str:
    lines = [
        (f"{_count(len(result.documents), 'document')}, {_count(len(result.pairs), 'related pair')}, "
         f"{len(result.skipped)} skipped, {_count(len(result.boilerplate), 'boilerplate passage')}")
    ]
    same = sum(len(d.copies) for d in result.documents)
    if same:
        lines.append(f"{_count(same, 'more input')} identical to a document (after normalization): "
                     "listed as its copies in audit.json and the report")
    ranked = sorted(result.pairs, key=lambda p: (-_shared_words(result, p), p.a, p.b))
    if ranked:
        lines.append("top pairs by shared words (words, share of a in b, of b in a, longest run):")
        for p in ranked[:top]:
            lines.append(
                f"  {_shared_words(result, p):6d} {p.covered_a:6.1%} {p.covered_b:6.1%} {p.longest:5d}  {p.a}  <->  {p.b}"
            )
    for s in result.skipped:
        lines.append(f"skipped {s.path}: {s.reason}")
    unread = [(d.id, dict(d.meta)) for d in result.documents if "published_not_read" in dict(d.meta)]
    if unread:
        doc_id, meta = unread[0]
        lines.append(f"{_count(len(unread), 'date')} not read, so not used for direction (meta.published_not_read), "
                     f"e.g. {doc_id}: {meta['published_as_found']!r}: {meta['published_not_read']}")
    if result.lineage is not None:
        lines.append("derivation tree by family, largest first (parent, then each child below it: "
                     "-> confidence, how the text changed: child):")
        lines.extend(tree_lines(result, limit=top * 6, report=report))
    return "\n".join(lines)


def _as_options(message: str) -> str:
    """A settings error in the words of the command line: ``max_df`` is ``--max-df``."""
    return re.sub(r"\b(min_len|max_gap|max_df|max_bytes)\b", lambda m: "--" + m.group(1).replace("_", "-"), message)


def _audit_time() -> str:
    """Now, or SOURCE_DATE_EPOCH (the reproducible-builds convention) when set, in UTC, ISO 8601."""
    import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.UTC) if epoch.isdigit()
            else datetime.datetime.now(datetime.UTC))
    return when.replace(microsecond=0).isoformat()


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?", re.IGNORECASE)


def _memory_size(value: str) -> int | None:
    """``--max-memory``: bytes from ``500M``, ``8G``, ``1.5GB`` or a number of
    bytes; ``auto`` is the audit's default (None where the memory available
    cannot be read)."""
    from provenance.audit import default_max_memory

    if value.strip().lower() == "auto":
        return default_max_memory()
    m = _SIZE.fullmatch(value.strip())
    if m is None or float(m.group(1)) <= 0:
        raise click.UsageError(f"--max-memory takes a size such as 500M or 8G, or auto; not {value!r}")
    return int(float(m.group(1)) * 1024 ** "_kmgt".index(m.group(2).lower() or "_"))


def _unwritable(out: Path) -> str | None:
    """Why the outputs cannot be written into ``out`` (made if missing), or None."""
    from provenance.sources import safe

    probe = out
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"{safe.name(str(probe))} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{safe.name(str(probe))} is not writable"
    return None


def tree_lines(result: AuditResult, limit: int = 60, report: str | None = None) -> list[str]:
    """The forest, family by family (largest first, then by root), indented;
    singletons (no parent, no children) left out.  When more than ``limit``
    lines would be printed the rest is counted and ``report`` named for it."""
    assert result.lineage is not None
    lin = result.lineage
    kids: dict[str, list[tuple[str, float, str]]] = {}
    for e in lin.edges:
        kids.setdefault(e.parent, []).append((e.child, e.confidence, e.change))
    labels = {x.id: f"[missing source: {x.label}]" for x in lin.latent}
    for d in result.documents:  # the headline beside the id: what a reader recognizes
        title = " ".join(d.title.split())
        if title and title != d.id:
            labels[d.id] = f"{d.id}  \"{title if len(title) <= 60 else title[:59].rstrip() + '…'}\""

    def members(root: str) -> int:
        n, stack = 0, [root]
        while stack:
            x = stack.pop()
            n += 1
            stack.extend(c for c, _, _ in kids.get(x, ()))
        return n

    families = sorted(((members(r), r) for r in lin.roots if r in kids), key=lambda t: (-t[0], t[1]))
    per_family = max(5, limit // 3)  # a large family does not hide the next ones
    out: list[str] = []
    shown = 0
    cut = False
    for size, root in families:
        if len(out) >= limit:
            cut = True
            break
        shown += 1
        out.append(f"  family {shown}: {_count(size, 'member')}")
        room = min(per_family, limit - len(out))
        listed = 0
        stack: list[tuple[str, int, str]] = [(root, 0, "")]
        while stack and listed < room:
            node, depth, how = stack.pop()
            out.append(f"{'  ' * (depth + 2)}{how}{labels.get(node, node)}")
            listed += 1
            ordered = sorted(kids.get(node, []), key=lambda k: (-k[1], k[0]))
            stack.extend((child, depth + 1, f"-> {conf:.2f} {change}: ") for child, conf, change in reversed(ordered))
        if listed < size:
            out.append(f"    ... {size - listed} more of this family")
            cut = True
    left = families[shown:]
    if cut:
        more = "1 more family" if len(left) == 1 else f"{len(left)} more families"
        rest = f"; {more} ({sum(n for n, _ in left)} members) not listed" if left else ""
        out.append(f"  ... cut at {limit} lines{rest}: see {report or 'audit.json'} for every family")
    alone = sum(1 for r in lin.roots if r not in kids)
    fams = "1 family" if len(families) == 1 else f"{len(families)} families"
    out.append(f"  {fams}; {_count(alone, 'document')} with no derivation found")
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
def cli() -> None:
    """Find the passages articles share and decide who copied whom."""


def _load(folder: Path, options: sources.Options, strict: bool, jobs: int) -> sources.Loaded | int:
    from provenance import sources

    try:
        loaded = sources.load(folder, options, jobs=jobs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    problem = _check_loaded(folder, loaded, strict)
    return loaded if problem is None else problem


def _check_loaded(folder: Path, loaded: sources.Loaded, strict: bool) -> int | None:
    """The exit code when what was loaded cannot be audited (``--strict`` skips, nothing left)."""
    if strict and loaded.skipped:
        for s in loaded.skipped:
            click.echo(f"error: {s.path}: {s.reason}", err=True)
        click.echo(f"--strict: {len(loaded.skipped)} inputs could not be audited", err=True)
        return EXIT_USAGE
    if not loaded.documents:
        click.echo(f"{folder}: nothing auditable ({len(loaded.skipped)} inputs skipped)", err=True)
        for s in loaded.skipped:
            click.echo(f"  skipped {s.path}: {s.reason}", err=True)
        return EXIT_USAGE
    return None


@cli.command("audit")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Folder for audit.json (default: reports/NAME).")
@click.option("--min-len", type=click.IntRange(1), default=None,
              help="Shortest shared run, in words, that counts (default: chosen from the texts: "
                   "4 when the median input has fewer than 300 words, else 8; recorded in settings).")
@click.option("--max-gap", type=int, default=DEFAULT_MAX_GAP, show_default=True,
              help="Largest gap in words bridged inside one passage.")
@click.option("--max-df", type=int, default=DEFAULT_MAX_DF, show_default=True,
              help="A run in more documents than this is boilerplate.")
@click.option("--stem/--no-stem", default=True, show_default=True, help="Snowball stemming.")
@click.option("--align/--no-align", default=True, show_default=True,
              help="Also align passages across edits (sentence by sentence), not only exact runs.")
@click.option("--include", multiple=True, help="Only files matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Leave out files or folders matching this glob (repeatable).")
@click.option("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, show_default=True,
              help="Skip files larger than this.")
@click.option("--read-timeout", type=click.FloatRange(min=0), default=DEFAULT_READ_TIMEOUT, show_default=True,
              help="Skip a web page or office file that takes longer than this many seconds per MB "
                   "(and at least this many) to read: a parser stuck on a malformed file; 0: no limit.")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="CSV mapping file (path) to date, url, site, title, author.")
@click.option("--text-column", default=None, help="Record field holding the article text (collections).")
@click.option("--id-column", default=None, help="Record field holding the record id.")
@click.option("--title-column", default=None, help="Record field holding the headline.")
@click.option("--date-column", default=None, help="Record field holding the publication date.")
@click.option("--url-column", default=None, help="Record field holding the article's address.")
@click.option("--site-column", default=None, help="Record field naming the outlet.")
@click.option("--author-column", default=None, help="Record field naming the author.")
@click.option("--strict", is_flag=True, help="Any input that cannot be audited is an error (exit 2).")
@click.option("--fail-over", type=click.FloatRange(0, 1), default=None,
              help="Exit 1 when a pair shares more than this fraction of either side.")
@click.option("--format", "formats", default="html,json", show_default=True,
              help="Outputs to write, comma-separated: html (report.html), json (audit.json), "
                   "csv (documents.csv, pairs.csv, edges.csv with each edge's verdict).")
@click.option("--scheduler", default=None,
              help="Run on a Dask cluster: its address (tcp://host:8786), or 'local' for one on this machine.")
@click.option("--workers", type=click.IntRange(1), default=2, show_default=True,
              help="Worker processes of a --scheduler local cluster.")
@click.option("--jobs", "jobs", type=click.IntRange(1), default=None,
              help="Processes that tokenize, align pairs across edits and weigh lineage edges on this "
                   "machine (default: the cores this process may use; not with --scheduler, whose workers "
                   "do the work; the result does not change).")
@click.option("--max-memory", "max_memory", default="auto", show_default=True, metavar="SIZE",
              help="Memory the audit may use (500M, 8G; 'auto': four fifths of the memory available now). "
                   "The audit estimates its peak before the large stages and stops with exit 2 and a "
                   "message if it is above (not with --scheduler).")
@click.option("--block-docs", type=click.IntRange(2), default=4000, show_default=True,
              help="With --scheduler: a group of related documents larger than this is split into "
                   "overlapping blocks across workers (the result does not change).")
@click.option("--stamp", is_flag=True,
              help="Show the time of the audit in the report's header (then two runs no longer give "
                   "byte-identical reports; SOURCE_DATE_EPOCH, if set, is the time shown).")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stdout.")
def audit_cmd(folder: Path, out: Path | None, min_len: int | None, max_gap: int, max_df: int,
              stem: bool, align: bool, include: tuple[str, ...], exclude: tuple[str, ...], max_bytes: int,
              read_timeout: float, manifest: Path | None, text_column: str | None, id_column: str | None,
              title_column: str | None, date_column: str | None, url_column: str | None,
              site_column: str | None, author_column: str | None, strict: bool, fail_over: float | None,
              formats: str, scheduler: str | None, workers: int, jobs: int | None, max_memory: str,
              block_docs: int, stamp: bool, quiet: bool) -> int:
    """Audit every article under FOLDER (or in one collection file)."""
    from provenance import export, sources
    from provenance.sources import safe

    wanted = {f.strip() for f in formats.split(",") if f.strip()}
    if not wanted or wanted - {"html", "json", "csv"}:
        raise click.UsageError(f"--format takes html, json and csv (comma-separated), not {formats!r}")
    memory_limit = _memory_size(max_memory)
    try:
        settings = Settings(min_len=min_len, max_gap=max_gap, max_df=max_df, stem=stem, align=align,
                            max_bytes=max_bytes, include=include, exclude=exclude)
    except ValueError as exc:
        raise click.UsageError(_as_options(str(exc))) from exc
    columns = sources.Columns(text=text_column, id=id_column, title=title_column, date=date_column,
                              url=url_column, site=site_column, author=author_column)
    out = out or Path("reports") / folder.resolve().stem
    problem = _unwritable(out)
    if problem is not None:  # found now, not after the audit has run
        raise click.UsageError(f"--out {safe.name(str(out))}: {problem}")
    own = tuple(str(p.resolve()) for p in (out, *(out / n for n in ("audit.json", "report.html", *CSV_FILES))))
    options = sources.Options(max_bytes=max_bytes, include=include, exclude=exclude,
                              manifest=manifest, columns=columns, own=own, read_timeout=read_timeout or None)
    if scheduler:
        # the cluster's workers read the inputs themselves: the client only lists them
        try:
            from provenance.distributed import ClusterError, audit_path_on_cluster
        except ImportError as exc:
            raise click.UsageError(f"--scheduler needs Dask: pip install 'provenance[dask]' ({exc})") from exc
        try:
            stats: dict[str, float] = {}
            result, skipped = audit_path_on_cluster(folder, options, settings, scheduler=scheduler, workers=workers,
                                                    block_docs=block_docs, stats=stats)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        except ClusterError as exc:
            click.echo(f"error: the cluster failed: {exc}", err=True)
            return EXIT_FAILED
        click.echo(f"cluster: {stats['pairs']} related pairs in {stats['components']} groups (largest "
                   f"{stats['largest']} documents, {stats['split']} split into {stats['blocks']} blocks), "
                   f"{stats['boilerplate']} boilerplate runs; seconds: read {stats['read_s']}, "
                   f"shuffle {stats['shuffle_s']}, audit {stats['audit_s']}, merge {stats['merge_s']}", err=True)
        failed = _check_loaded(folder, sources.Loaded(result.documents, tuple(skipped)), strict)
        if failed is not None:
            return failed
    else:
        from provenance.audit import MemoryLimitError, audit

        jobs = jobs or usable_cores()
        loaded = _load(folder, options, strict, jobs)
        if isinstance(loaded, int):
            return loaded
        bar = _Bar(enabled=sys.stderr.isatty() and len(loaded.documents) > 200)
        try:
            result = audit(loaded.documents, settings, skipped=loaded.skipped, progress=bar,
                           jobs=jobs, max_memory=memory_limit)
        except MemoryLimitError as exc:
            click.echo(f"error: {safe.name(str(folder))}: {exc}", err=True)
            return EXIT_USAGE
        finally:
            bar.close()
    from provenance.api import write

    # all made before any is renamed into place: a failure leaves no mixed pair
    try:
        written = write(result, out, wanted, source=safe.name(str(folder)),
                        audited_at=_audit_time() if stamp else None)
    except export.WriteError as exc:
        click.echo(f"error: cannot write {safe.name(str(exc.path))}: {exc.reason}", err=True)
        return EXIT_USAGE
    if not quiet:
        report = out / "report.html" if "html" in wanted else out / "audit.json" if "json" in wanted else None
        click.echo(_summary(result, report=str(report) if report else None))
        for path in written:
            click.echo(f"wrote {path}")
    over = [p for p in result.pairs if max(p.covered_a, p.covered_b) > fail_over] if fail_over is not None else []
    if over:
        over.sort(key=lambda p: (-max(p.covered_a, p.covered_b), p.a, p.b))
        click.echo(f"findings: {_count(len(over), 'pair')} share more than {fail_over:.0%} of an article:", err=True)
        for p in over[:20]:
            click.echo(f"  {p.a} <-> {p.b}: {p.covered_a:.1%} of {p.a} and {p.covered_b:.1%} of {p.b} shared", err=True)
        if len(over) > 20:
            click.echo(f"  ... and {len(over) - 20} more (pairs.csv or audit.json list them all)", err=True)
        return EXIT_FINDINGS
    return EXIT_OK


@cli.command("compare")
@click.argument("first")
@click.argument("second")
@click.option("--min-len", type=click.IntRange(1), default=None,
              help="Shortest shared run in words (default: chosen from the two texts, as audit does).")
@click.option("--max-gap", type=int, default=DEFAULT_MAX_GAP, show_default=True,
              help="Largest gap in words bridged inside one passage.")
@click.option("--stem/--no-stem", default=True, show_default=True, help="Snowball stemming.")
@click.option("--color/--no-color", "colour", default=None,
              help="Colour the exact and edited parts (default: on a terminal, unless NO_COLOR is set); "
                   "without colour they are marked [exact] and {edited}.")
def compare_cmd(first: str, second: str, min_len: int | None, max_gap: int, stem: bool,
                colour: bool | None) -> int:
    """Print the passages two articles share: FIRST and SECOND are files, or
    records of a collection as an audit names them (FILE.csv#ID)."""
    from provenance import compare
    from provenance.audit import audit
    from provenance.sources import safe

    docs = []
    for label, arg in (("a", first), ("b", second)):
        got = compare.read(arg)
        if isinstance(got, Skipped):
            click.echo(f"{safe.name(arg)}: {got.reason}", err=True)
            return EXIT_USAGE
        docs.append(dataclasses.replace(got, id=label))
    try:
        settings = Settings(min_len=min_len, max_gap=max_gap, stem=stem, lineage=False)
    except ValueError as exc:
        raise click.UsageError(_as_options(str(exc))) from exc
    result = audit(docs, settings)
    a, b = result.documents
    if not result.pairs:
        click.echo("no shared passages")
        return EXIT_OK
    if colour is None:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    pair = result.pairs[0]
    click.echo(f"{safe.name(first)}: {pair.covered_a:.1%} shared; "
               f"{safe.name(second)}: {pair.covered_b:.1%} shared; "
               f"{len(pair.passages)} passages, longest exact run {pair.longest} words")
    click.echo(compare.legend(colour), color=colour)
    for n, p in enumerate(pair.passages, 1):
        how = "exact runs across small gaps" if p.kind == "exact" else "aligned across edits"
        head = f"\n#{n}  {p.tokens} words, {p.exact} in exact runs ({how})"
        click.echo(click.style(head, bold=True) if colour else head, color=colour)
        for side, doc, span in ((0, a, p.a_chars), (1, b, p.b_chars)):
            s, e = span
            shown = compare.render(doc.text, compare.segments(doc.text, p, side), colour)
            click.echo(f"{'AB'[side]} [{s}:{e}] {shown}", color=colour)
    return EXIT_OK


@cli.group("eval")
def eval_group() -> None:
    """Score the auditor on labelled corpora."""


@eval_group.command("clough")
@click.argument("corpus", type=click.Path(path_type=Path, file_okay=False))
@click.option("--min-len", type=click.IntRange(1), default=None,
              help="Shortest shared run in words (default: chosen from the texts, as audit does).")
def eval_clough(corpus: Path, min_len: int | None) -> int:
    """Score the derivation tree on the Clough & Stevenson corpus, audited with the defaults."""
    from provenance import clough

    settings = Settings(min_len=min_len)
    try:
        score = clough.evaluate(corpus, settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(clough.format_score(score))
    return EXIT_OK


@eval_group.command("stemma")
@click.argument("folder", type=click.Path(path_type=Path, exists=True))
@click.option("--truth", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=True,
              help="The true tree: a TSV of child<TAB>parent lines, named by document id (a file's name without "
                   "its extension); lost copies are any other name.")
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
def eval_stemma(folder: Path, truth: Path, as_json: bool) -> int:
    """Audit FOLDER with the defaults and score its tree against a known one
    (average sign similarity, directed edges between documents, roots)."""
    import json

    from provenance import stemma

    try:
        result = stemma.evaluate(folder, truth)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(json.dumps(result.as_dict(), sort_keys=True) if as_json else stemma.format_score(result))
    return EXIT_OK


@eval_group.command("pan13")
@click.argument("corpus", type=click.Path(path_type=Path, file_okay=False))
@click.option("--detections", "out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write one PAN detections XML per pair into this folder.")
@click.option("--jobs", type=click.IntRange(1), default=None,
              help="Processes for the sentence alignment (default: the cores this process may use).")
@click.option("--sample", type=click.IntRange(1), default=None,
              help="Only this many pairs per obfuscation folder (the fixed stratified sample of the quality gate).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def eval_pan13(corpus: Path, out: Path | None, jobs: int | None, sample: int | None, quiet: bool) -> int:
    """Align every pair of a PAN 2013 text-alignment corpus and score it (plagdet)."""
    from provenance import pan

    try:
        chosen = pan.pairs(corpus)
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    if sample:
        chosen = pan.sample(chosen, sample)
    bar = _Bar(enabled=not quiet and sys.stderr.isatty())
    try:
        result = pan.evaluate(corpus, chosen, Settings(), jobs=jobs or usable_cores(), out=out, progress=bar)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        bar.close()
    click.echo(pan.format_evaluation(result))
    return EXIT_OK


from provenance.archive.cli import archive_group, check_cmd  # registered here, defined there

cli.add_command(archive_group)
cli.add_command(check_cmd)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    # one BLAS thread per process, set before numpy loads (the stages run on
    # --jobs processes instead); a value the user set is kept
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("PROVENANCE_NLTK_WITHOUT_SCIPY", "1")  # 0.45 s less at start: see provenance._nltk
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return int(rv or 0)


def entry() -> None:
    sys.exit(main())
