"""Finding inputs and reading them into documents: the only stage that reads.

Every file under the folder ends up as a ``Document``, as an identical copy
listed on one (``Document.copies``), or as a ``Skipped`` with the reason;
nothing is lost silently and nothing is ever written here.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import fnmatch
import functools
import hashlib
import importlib
import multiprocessing
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import overload

from provenance.model import Document, Skipped
from provenance.settings import COLLECTION_FACTOR, DEFAULT_MAX_BYTES, DEFAULT_READ_TIMEOUT
from provenance.sources import office, records, safe
from provenance.sources.dates import read_date
from provenance.sources.decode import DecodeError, decode
from provenance.sources.manifest import Manifest, load_manifest
from provenance.tokenize import normalize

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
COLLECTION_SUFFIXES = (".jsonl", ".json", ".csv")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + COLLECTION_SUFFIXES + office.OFFICE_SUFFIXES
#: office files are compressed and carry fonts and images: their size limit is this many times --max-bytes
OFFICE_FACTOR = 4
#: Formats whose parsers are C libraries or large third-party code (lxml for web pages and office
#: XML, pypdf): a malformed or hostile file can crash them or send them into a loop, so they are
#: read in a process of their own and against the clock (``Options.read_timeout``).  Text and
#: collections are read by Python's own decoders.
FRAGILE_SUFFIXES = HTML_SUFFIXES + office.OFFICE_SUFFIXES
#: The module each fragile format's reader imports on its first file, imported before the clock
#: starts so that the import (a second or more for trafilatura) does not count against that file.
_PARSERS = {**dict.fromkeys(HTML_SUFFIXES, "trafilatura"), ".pdf": "pypdf", ".docx": "docx", ".odt": "odfdo",
            ".rtf": "striprtf.striprtf"}

__all__ = ["Columns", "Loaded", "Options", "load", "load_folder", "read_record", "read_text_file"]

Columns = records.Columns


@dataclass(frozen=True)
class Options:
    """What to read and how.  Plain values; the CLI builds it from its flags."""

    max_bytes: int = DEFAULT_MAX_BYTES
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    manifest: Path | None = None
    columns: records.Columns = records.Columns()
    #: what the audit writes (its --out folder and the files in it), resolved: never read as input
    own: tuple[str, ...] = ()
    #: seconds per megabyte (and at least this many) a file of a fragile format
    #: (FRAGILE_SUFFIXES) may take to be read; None: no limit.  Kept by a clock inside the
    #: reader, where it runs in a process's main thread (a Dask worker's task does not),
    #: and, where ``load`` reads in watched processes, by killing a reader stuck past
    #: HARD_FACTOR times it (a loop in C code, which that clock cannot stop)
    read_timeout: float | None = DEFAULT_READ_TIMEOUT


@dataclass(frozen=True)
class Loaded:
    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]


def _title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 120 else line[:117].rstrip() + "..."
    return ""


def _doc_id(rel: str) -> str:
    return str(Path(rel).with_suffix("")).replace(os.sep, "/")


def _read_bytes(path: Path, rel: str, max_bytes: int) -> bytes | Skipped:
    try:
        st = path.stat()
    except OSError as exc:
        return Skipped(rel, f"unreadable: {exc.strerror or exc}")
    if not stat.S_ISREG(st.st_mode):
        return Skipped(rel, "unreadable: not a regular file")
    if st.st_size > max_bytes:
        return Skipped(rel, f"too large: {st.st_size} bytes (limit {max_bytes}, see --max-bytes)")
    try:
        with path.open("rb") as fh:
            return fh.read()
    except OSError as exc:
        return Skipped(rel, f"unreadable: {exc.strerror or exc}")


def _read_file(path: Path, rel: str, options: Options) -> list[Document | Skipped]:
    """The documents one file holds (several for a collection), or why none."""
    suffix = path.suffix.lower()
    factor = COLLECTION_FACTOR if suffix in COLLECTION_SUFFIXES else OFFICE_FACTOR if suffix in office.OFFICE_SUFFIXES else 1
    limit = options.max_bytes * factor
    data = _read_bytes(path, rel, limit)
    if isinstance(data, Skipped):
        return [data]
    if not data.strip():
        return [Skipped(rel, "empty: no text")]
    if suffix in HTML_SUFFIXES:
        return [records.from_html(data, rel, _doc_id(rel))]
    if suffix in office.PDF_SUFFIXES:
        return [office.from_pdf(data, rel, _doc_id(rel))]
    if suffix in office.DOCX_SUFFIXES:
        return [office.from_docx(data, rel, _doc_id(rel))]
    if suffix in office.ODT_SUFFIXES:
        return [office.from_odt(data, rel, _doc_id(rel))]
    if suffix in office.RTF_SUFFIXES:
        return [office.from_rtf(data, rel, _doc_id(rel))]
    try:
        decoded = decode(data)
    except DecodeError as exc:
        return [Skipped(rel, str(exc))]
    if suffix in COLLECTION_SUFFIXES:
        return records.from_collection(decoded.text, suffix, rel, _doc_id(rel), options.columns)
    text = decoded.text
    if not text.strip():
        return [Skipped(rel, "empty: only whitespace after decoding")]
    meta = (("encoding", decoded.encoding),) if decoded.encoding not in ("utf-8", "utf-8-sig") else ()
    return [
        Document(
            id=_doc_id(rel), path=rel, title=_title(text), text=text,
            sha256=hashlib.sha256(data).hexdigest(), meta=meta,
        )
    ]


def read_text_file(path: Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document | Skipped:
    """One file holding one article (text, Markdown or HTML) as a document, or why not."""
    got = _read_file(path, rel, Options(max_bytes=max_bytes))
    if len(got) != 1:
        return _shown(Skipped(rel, f"holds {len(got)} records, not one article: name one as {rel}#ID"))
    one = _shown(got[0])
    return one if isinstance(one, Skipped) else _dated(one)


def read_record(path: Path, rel: str, record: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document | Skipped:
    """One record of a collection, by the id an audit gives it (``rel#ID``:
    the record's id, its number when it has none, ``ID@line54`` for a
    repeated id), or why not: the file is not a collection, or holds no
    record with that id (the skip names the file, the id and the ids it holds)."""
    if path.suffix.lower() not in COLLECTION_SUFFIXES:
        return _shown(Skipped(f"{rel}#{record}", f"{rel} is not a collection (.jsonl, .json, .csv): it has no records"))
    got = _read_file(path, rel, Options(max_bytes=max_bytes))
    prefix = f"{rel}#"
    for g in got:
        if g.path == prefix + record:
            return _shown(g) if isinstance(g, Skipped) else _dated(_shown(g))
    ids = [d.path[len(prefix):] for d in got if isinstance(d, Document)]
    if not ids:
        reasons = "; ".join(s.reason for s in got if isinstance(s, Skipped))
        return _shown(Skipped(f"{rel}#{record}", f"{rel} holds no readable record ({reasons})"))
    shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
    return _shown(Skipped(f"{rel}#{record}", f"{rel} holds no record with id {record!r} "
                                             f"({len(ids)} records, ids {shown})"))


def _matches(rel: str, patterns: tuple[str, ...]) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    for pat in patterns:
        if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(name, pat):
            return pat
    return None


def _walk(root: Path, options: Options) -> tuple[list[tuple[Path, str]], list[Skipped]]:
    """Files to read (sorted) and the entries passed over, following symlinks once."""
    files: list[tuple[Path, str]] = []
    skipped: list[Skipped] = []
    seen: dict[tuple[int, int], str] = {}

    def visit(folder: Path, prefix: str) -> None:
        st = folder.stat()
        seen[(st.st_dev, st.st_ino)] = prefix or "."
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(prefix or ".", f"unreadable folder: {exc.strerror or exc}"))
            return
        real = os.path.realpath(folder)  # each entry's resolved path: one look-up per folder, not per entry
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            path = Path(entry.path)
            if entry.name.startswith("."):
                kind = "folder, not searched" if entry.is_dir() else "file"
                skipped.append(Skipped(rel, f"hidden {kind}"))
                continue
            if options.own and (os.path.realpath(entry.path) if entry.is_symlink()
                                else os.path.join(real, entry.name)) in options.own:
                skipped.append(Skipped(rel, "written by the audit (--out), not read"))
                continue
            pat = _matches(rel, options.exclude)
            if pat is not None:
                skipped.append(Skipped(rel, f"excluded by --exclude {pat!r}"))
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
                target = entry.stat()  # follows symlinks
            except OSError:
                skipped.append(Skipped(rel, "broken symlink" if entry.is_symlink() else "unreadable: cannot stat"))
                continue
            if is_dir:
                key = (target.st_dev, target.st_ino)
                if key in seen:
                    skipped.append(Skipped(rel, f"symlink loop: folder already searched as {seen[key]!r}"))
                    continue
                visit(path, rel + "/")
                continue
            if options.include and _matches(rel, options.include) is None:
                skipped.append(Skipped(rel, "not matched by --include"))
                continue
            if path.suffix.lower() not in SUFFIXES:
                skipped.append(Skipped(rel, f"unsupported file type {path.suffix or '(no extension)'!r}"))
                continue
            files.append((path, rel))

    visit(root, "")
    return files, skipped


def _unique_ids(docs: list[Document]) -> list[Document]:
    """Two inputs whose ids would clash (``a.txt`` and ``a.md``) keep their extensions."""
    count: dict[str, int] = {}
    for d in docs:
        count[d.id] = count.get(d.id, 0) + 1
    out = [dataclasses.replace(d, id=d.path) if count[d.id] > 1 else d for d in docs]
    # a path can still be another input's id (``a.txt`` beside ``a.md`` and
    # ``a.txt.txt``): such a clash gets a counter, in the order given
    taken: set[str] = set()
    for i, d in enumerate(out):
        new, k = d.id, 1
        while new in taken:
            k += 1
            new = f"{d.id}~{k}"
        taken.add(new)
        if new != d.id:
            out[i] = dataclasses.replace(d, id=new)
    return out


def text_key(text: str) -> str:
    """What makes two texts identical copies: the same words after normalization."""
    return hashlib.sha256(" ".join(normalize(text).split()).encode("utf-8")).hexdigest()


def _group_identical(docs: list[Document], keys: Sequence[str] | None = None) -> list[Document]:
    """One document per distinct normalized text; the others become its ``copies``.

    ``keys`` are the documents' ``text_key`` when computed elsewhere (a Dask
    worker that read the text); by default they are computed here.
    """
    groups: dict[str, list[Document]] = {}
    for i, d in enumerate(docs):
        key = keys[i] if keys is not None else text_key(d.text)
        groups.setdefault(key, []).append(d)
    out = []
    for group in groups.values():
        group.sort(key=lambda d: d.id)
        head = group[0]
        if len(group) > 1:
            head = dataclasses.replace(head, copies=tuple(d.path for d in group[1:]))
        out.append(head)
    return sorted(out, key=lambda d: d.id)


@dataclass(frozen=True)
class Plan:
    """The files an audit will read, found without reading them."""

    files: tuple[tuple[str, str], ...]  # (path, path relative to the audited folder), sorted
    skipped: tuple[Skipped, ...]


def plan(path: Path, options: Options | None = None) -> Plan:
    """The files under ``path`` (a folder, searched recursively, or one file) to read.

    Raises ``ValueError`` naming the path when it does not exist.
    """
    options = options or Options()
    if path.is_dir():
        files, skipped = _walk(path, options)
    elif path.is_file():
        files, skipped = [(path, path.name)], []
    else:
        raise ValueError(f"{path}: no such file or folder")
    return Plan(tuple((str(p), rel) for p, rel in files), tuple(_shown(s) for s in skipped))


def read_files(files: Sequence[tuple[str, str]], options: Options | None = None,
               manifest: Manifest | None = None) -> list[list[Document | Skipped]]:
    """What each of ``files`` holds, in order (the manifest applied: ``manifest``,
    or the one ``options`` names): the part of ``load`` that touches the files,
    which a Dask worker runs on its share."""
    options = options or Options()
    if manifest is None and options.manifest:
        manifest = load_manifest(options.manifest)
    if options.read_timeout:
        for module in sorted({_PARSERS.get(Path(p).suffix.lower(), "") for p, _ in files} - {""}):
            with contextlib.suppress(ImportError):  # the reader names a parser that is missing
                importlib.import_module(module)
    out = []
    for file_path, rel in files:
        path = Path(file_path)
        limit = _read_limit(path, options)
        try:  # against the clock where the parser may loop
            with _time_limit(limit):
                got = _read_file(path, rel, options)
        except _StuckReading:
            got = [Skipped(rel, f"reading it took more than {limit:.3g} s: its parser is stuck on the file "
                                "(malformed or hostile); --read-timeout gives it longer")]
        shown = [_shown(g) for g in got]
        out.append([g if isinstance(g, Skipped) else _dated(manifest.apply(g) if manifest else g) for g in shown])
    return out


def _read_limit(path: Path, options: Options) -> float | None:
    """Seconds ``path`` may take to be read: ``options.read_timeout`` per
    megabyte, and at least that, for a fragile format; None (no limit) for the
    rest or when the option is None."""
    if not options.read_timeout or path.suffix.lower() not in FRAGILE_SUFFIXES:
        return None
    try:
        megabytes = path.stat().st_size / 2**20
    except OSError:  # _read_file names the problem
        megabytes = 0.0
    return options.read_timeout * max(1.0, megabytes)


class _StuckReading(BaseException):
    """Raised inside a parser by the reading's clock.  A BaseException, as
    KeyboardInterrupt is, so that a parser's own ``except Exception`` (pypdf
    recovers from most errors so) does not swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``_StuckReading`` in the body once it has run ``seconds`` (SIGALRM,
    so only in a process's main thread; elsewhere, or with None, no limit).
    A timer already set (pytest-timeout's, say) is set again afterwards with
    what was left of it."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise _StuckReading

    previous = signal.signal(signal.SIGALRM, ring)
    started = time.monotonic()
    left, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left:
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - started), 1e-3), interval)


#: Files ``load`` reads at once: its chunks, and a watched reader's batches of results.
READ_CHUNK = 200


def _read_part(files: Sequence[tuple[str, str]], options: Options,
               manifest: Manifest | None) -> tuple[list[list[Document | Skipped]], list[str]]:
    """One process's share of ``load``: what the files hold, and each document's ``text_key``."""
    got = read_files(files, options, manifest)
    return got, [text_key(g.text) for held in got for g in held if isinstance(g, Document)]


_Part = tuple[list[list[Document | Skipped]], list[str]]


def _fragile(chunk: Sequence[tuple[str, str]]) -> bool:
    return any(Path(path).suffix.lower() in FRAGILE_SUFFIXES for path, _ in chunk)


#: A reader is killed once one file has taken it HARD_FACTOR times that file's limit
#: (``_read_limit``) and HARD_GRACE seconds more: its parser is stuck where the clock inside the
#: reader cannot stop it (a loop in C code, a regular expression backtracking inside ``re``).
HARD_FACTOR = 2.0
HARD_GRACE = 10.0


def _read_guarded(read: Callable[[Sequence[tuple[str, str]]], _Part],
                  chunks: Sequence[Sequence[tuple[str, str]]], jobs: int,
                  limit_of: Callable[[tuple[str, str]], float | None]) -> list[_Part]:
    """``read`` of every chunk, in order: in ``jobs`` watched processes when
    there are several chunks and jobs; otherwise here, but for a chunk holding
    a file of a fragile format (``FRAGILE_SUFFIXES``), which is read in a
    watched process.  A watched process says when it starts each fragile file
    (``_watched``), so that a file whose parser takes the process down (a
    crash in a C library on a malformed file) or never returns is named and
    skipped, and the files after it are read by a new process."""
    parallel = jobs > 1 and len(chunks) > 1
    watched = [k for k, chunk in enumerate(chunks) if parallel or _fragile(chunk)]
    files = [one for k in watched for one in chunks[k]]
    # a few long stretches of files per process, so that few processes are forked
    pieces = max(1, jobs) * 2 if parallel else 1
    cuts = sorted({len(files) * i // pieces for i in range(pieces)} | {len(files)})
    each = iter(_watched(read, files, list(pairwise(cuts)), max(1, jobs), limit_of))
    parts: list[_Part | None] = [None] * len(chunks)
    for k in watched:
        held = [next(each) for _ in chunks[k]]
        parts[k] = ([g for part in held for g in part[0]], [key for part in held for key in part[1]])
    return [got if got is not None else read(chunk) for got, chunk in zip(parts, chunks)]


@dataclass
class _Reader:
    """A watched reading process: the stretch of files it reads (``begin`` to
    ``stop``), the next file whose result it owes, and the fragile file it is
    reading, if any, since when."""

    begin: int
    stop: int
    careful: bool
    process: multiprocessing.process.BaseProcess
    conn: Connection
    next: int
    at: int | None = None
    since: float = 0.0


def _watched(read: Callable[[Sequence[tuple[str, str]]], _Part], files: Sequence[tuple[str, str]],
             stretches: Sequence[tuple[int, int]], jobs: int,
             limit_of: Callable[[tuple[str, str]], float | None]) -> list[_Part]:
    """``read`` of each file, in forked processes (one per stretch, ``jobs``
    at a time); an exception ``read`` raises is raised here."""
    ctx = multiprocessing.get_context("fork")
    got: list[_Part | None] = [None] * len(files)
    todo = collections.deque((lo, hi, False) for lo, hi in stretches if hi > lo)
    active: list[_Reader] = []

    def deadline(r: _Reader) -> float:
        limit = limit_of(files[r.at]) if r.at is not None else None
        return r.since + HARD_FACTOR * limit + HARD_GRACE if limit else float("inf")

    def end(r: _Reader, reason: str | None = None) -> None:
        """``r`` is done; with ``reason``, the file it was reading is skipped
        for it, and the files after that are read anew."""
        active.remove(r)
        r.conn.close()
        if r.process.is_alive() and reason is not None:
            r.process.kill()
        r.process.join()
        if reason is None:
            return
        if r.at is None:  # not a fragile file: find which, reading them one at a time
            todo.appendleft((r.next, r.stop, True))
            return
        got[r.at] = ([[Skipped(safe.name(files[r.at][1]), reason)]], [])
        if r.at + 1 < r.stop:
            todo.appendleft((r.at + 1, r.stop, r.careful))

    try:
        while todo or active:
            while todo and len(active) < jobs:
                lo, hi, careful = todo.popleft()
                receive, send = ctx.Pipe(duplex=False)
                child = ctx.Process(target=_read_each, args=(read, files[lo:hi], careful, send))
                child.start()
                send.close()
                active.append(_Reader(lo, hi, careful, child, receive, lo))
            soonest = min(deadline(r) for r in active)
            ready = wait([r.conn for r in active],
                         None if soonest == float("inf") else max(0.0, soonest - time.monotonic()))
            for r in active[:]:  # end() removes readers from it
                if r.conn in ready:
                    try:
                        message = r.conn.recv()
                    except EOFError:  # it died reading a file
                        r.process.join()
                        code = r.process.exitcode
                        how = (f"signal {signal.Signals(-code).name}" if code is not None and code < 0
                               else f"exit code {code}")
                        end(r, f"reading it ended the reader's process ({how}): its parser could not survive "
                               "the file (malformed or hostile)")
                        continue
                    if message[0] == "start":
                        r.at, r.since = r.begin + message[1], time.monotonic()
                    elif message[0] == "files":
                        for part in message[1]:
                            got[r.next] = part
                            r.next += 1
                        r.at = None
                    elif message[0] == "error":
                        raise message[1]
                    else:
                        end(r)
                elif time.monotonic() >= deadline(r):
                    end(r, f"reading it took more than {deadline(r) - r.since:.3g} s and its "
                           "reader had to be stopped: its parser is stuck on the file (malformed or hostile); "
                           "--read-timeout gives it longer")
    finally:
        for r in active:
            r.process.kill()
            r.process.join()
            r.conn.close()
    assert all(part is not None for part in got)
    return got  # type: ignore[return-value]


def _read_each(read: Callable[[Sequence[tuple[str, str]]], _Part], files: Sequence[tuple[str, str]],
               careful: bool, send: Connection) -> None:
    """A watched process: ``read`` of the files, the results sent file by
    file in batches; a file of a fragile format (or any file, ``careful``) is
    read alone, once its start is said."""
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        if pending:
            docs, keys = read(pending)
            parts, at = [], 0
            for held in docs:  # the keys of each file's documents, in order
                n = sum(isinstance(g, Document) for g in held)
                parts.append(([held], keys[at : at + n]))
                at += n
            send.send(("files", parts))
            pending.clear()

    try:
        for k, one in enumerate(files):
            if careful or Path(one[0]).suffix.lower() in FRAGILE_SUFFIXES:
                flush()
                send.send(("start", k))
                send.send(("files", [read([one])]))
            else:
                pending.append(one)
                if len(pending) >= READ_CHUNK:
                    flush()
        flush()
        send.send(("end",))
    except Exception as e:  # noqa: BLE001  (any error of read's is raised again in the parent)
        send.send(("error", e))
    send.close()


def _dated(doc: Document) -> Document:
    """``doc`` with its publication date in ISO 8601 (``dates.read_date``), or
    none and the reason in ``meta`` when the date as found does not settle it."""
    if not doc.published:
        return doc
    iso, why = read_date(doc.published)
    if iso == doc.published:
        return doc
    meta = dict(doc.meta)
    meta["published_as_found"] = doc.published
    if why is not None:
        meta["published_not_read"] = why
    return dataclasses.replace(doc, published=iso, meta=tuple(sorted(meta.items())))


@overload
def _shown(got: Skipped) -> Skipped: ...
@overload
def _shown(got: Document) -> Document: ...
@overload
def _shown(got: Document | Skipped) -> Document | Skipped: ...
def _shown(got: Document | Skipped) -> Document | Skipped:
    """``got`` with its names and metadata as they may be shown (``safe``): once,
    where every document and every file's skipped entry is made."""
    if isinstance(got, Skipped):
        return Skipped(safe.name(got.path), safe.field(got.reason))

    def shown(v: str | None) -> str | None:
        return None if v is None else safe.field(v)

    return dataclasses.replace(got, id=safe.name(got.id), path=safe.name(got.path),
                               title=safe.field(got.title), copies=tuple(safe.name(c) for c in got.copies),
                               published=shown(got.published), site=shown(got.site), url=shown(got.url),
                               author=shown(got.author))


def unread_manifest_rows(manifest: Manifest | None, docs: Sequence[Document],
                         skipped: Sequence[Skipped]) -> list[Skipped]:
    """The manifest's rows that name no input (neither a document's path or id
    nor a skipped input's path), each as a skipped entry: a misspelt file name
    there would otherwise leave its document undated without a word."""
    if manifest is None:
        return []
    seen = {d.path for d in docs} | {d.id for d in docs} | {s.path for s in skipped}
    where = safe.name(Path(manifest.source).name)
    return [Skipped(f"{where}#{safe.name(key)}", "manifest row names no input: no file or document has this path or id")
            for key in sorted(manifest.rows) if key not in seen]


def finish(docs: Sequence[Document], skipped: Sequence[Skipped], keys: Sequence[str] | None = None) -> Loaded:
    """Ids made unique, identical texts grouped, everything sorted: ``load``'s last step.

    ``keys`` are the documents' ``text_key`` when already made (by the
    processes that read them, or a Dask worker); by default they are made here.
    """
    return finish_indexed(docs, skipped, keys)[0]


def finish_indexed(docs: Sequence[Document], skipped: Sequence[Skipped],
                   keys: Sequence[str] | None = None) -> tuple[Loaded, list[int], list[int]]:
    """``finish``; for each input document the index of the output document it
    became (itself, or the one it is an identical copy of); and for each output
    document the index of the input it is."""
    order = sorted(range(len(docs)), key=lambda i: (docs[i].id, docs[i].path))
    ordered = _unique_ids([docs[i] for i in order])
    key_of = [keys[i] if keys is not None else text_key(docs[i].text) for i in order]
    grouped = _group_identical(ordered, key_of)
    head: dict[str, tuple[str, int]] = {}  # text key -> (smallest id, its input index)
    for k, d, i in zip(key_of, ordered, order):
        if k not in head or d.id < head[k][0]:
            head[k] = (d.id, i)
    position = {d.id: n for n, d in enumerate(grouped)}
    became = [0] * len(docs)
    origin = [0] * len(grouped)
    for k, i in zip(key_of, order):
        became[i] = position[head[k][0]]
        origin[became[i]] = head[k][1]
    loaded = Loaded(documents=tuple(grouped), skipped=tuple(sorted(skipped, key=lambda s: s.path)))
    return loaded, became, origin


def load(path: Path, options: Options | None = None, jobs: int = 1) -> Loaded:
    """Every article under ``path``: a folder (searched recursively) or one file,
    read on ``jobs`` processes (the same result).

    Raises ``ValueError`` naming the path when it does not exist or the
    manifest cannot be read; every other problem is a ``Skipped`` entry.
    """
    options = options or Options()
    found = plan(path, options)
    # read first: a bad manifest is an error before any file is read
    manifest = load_manifest(options.manifest) if options.manifest else None
    chunks = [found.files[k : k + READ_CHUNK] for k in range(0, len(found.files), READ_CHUNK)]
    read = functools.partial(_read_part, options=options, manifest=manifest)
    parts = _read_guarded(read, chunks, jobs, lambda one: _read_limit(Path(one[0]), options))
    docs: list[Document] = []
    keys: list[str] = []
    skipped = list(found.skipped)
    for got, part_keys in parts:
        keys.extend(part_keys)
        for held in got:
            for g in held:
                (skipped if isinstance(g, Skipped) else docs).append(g)  # type: ignore[arg-type]
    return finish(docs, skipped + unread_manifest_rows(manifest, docs, skipped), keys)


def load_folder(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """Every article under ``root`` with default options but the size limit."""
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder")
    return load(root, Options(max_bytes=max_bytes))
