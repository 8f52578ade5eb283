"""The archive on disk: a SQLite catalogue and immutable segments of postings.

An archive is one folder::

    ARCHIVE/catalogue.sqlite      documents (metadata, text zlib-compressed), settings, the segment list
    ARCHIVE/segments/sNNNNNN.fps.npy   fingerprints of min_len-token runs, sorted (uint64)
    ARCHIVE/segments/sNNNNNN.docs.npy  the document number of each (uint32)
    ARCHIVE/writer.lock           held (flock) by the one process that writes

A segment holds the postings of the documents of one add (or of the segments
merged into it): each document's distinct run fingerprints.  A run's document
frequency is the number of its postings over all segments, less those of
removed documents, so ``--max-df`` can be chosen at check time.  Token streams
are not stored: tokenizing a text again costs half a millisecond (measured on
news articles of 724 tokens), while ids and spans would take 12 bytes a token,
more than the compressed text itself.

Commits (Whoosh's and SQLite's own recipe): an add writes its segment files
under names not yet in the catalogue (each through a temporary name, fsynced,
then renamed), then publishes them, its documents and the segments merged
away in one SQLite transaction (WAL, ``synchronous=FULL``).  A killed add
leaves files that no catalogue names: readers ignore them and the next writer
deletes them.  Readers take a snapshot: one read transaction, in which they
open the segments it names (a merged-away file deleted meanwhile makes them
take a newer snapshot).

Merges are tiered, as Lucene's ``LogMergePolicy``: a segment's level is the
base-``MERGE_FACTOR`` logarithm of its postings; whenever ``MERGE_FACTOR``
segments share a level they are merged into one, so a posting is rewritten
about once per level, never in a full rebuild.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from provenance.model import Document, Skipped
from provenance.settings import Settings

#: The on-disk format; an archive of another version is refused, not misread.
FORMAT = "provenance.archive/1"
CATALOGUE = "catalogue.sqlite"
SEGMENTS = "segments"
LOCK = "writer.lock"
#: Segments of one level merged at once (Lucene's default mergeFactor).
MERGE_FACTOR = 10
#: A merge writes at most this many postings (Lucene's maxMergedSegmentMB):
#: segments larger than a ``MERGE_FACTOR``-th of it are merged no further, so
#: a merge holds at most 40 M postings in memory (about 1.3 GB while sorting)
#: however large the archive grows, and a check looks them up in one more
#: segment per 36 M postings (about 50,000 news articles).
MAX_MERGE_POSTINGS = 40_000_000
#: Documents tokenized and fingerprinted per segment written during one add:
#: bounds the memory of a large add (5,000 news articles are about 3.6 M
#: postings, 43 MB, before sorting).
BATCH_DOCS = 5000

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    pass


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    num INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    text BLOB NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    text_key TEXT NOT NULL,
    published TEXT,
    site TEXT,
    url TEXT,
    author TEXT,
    copies TEXT NOT NULL,
    meta TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    segment TEXT NOT NULL,
    added INTEGER NOT NULL
);
CREATE INDEX documents_text_key ON documents (text_key);
CREATE TABLE segments (
    name TEXT PRIMARY KEY,
    docs INTEGER NOT NULL,
    postings INTEGER NOT NULL,
    fps_sha256 TEXT NOT NULL,
    docs_sha256 TEXT NOT NULL
);
CREATE TABLE removed (num INTEGER PRIMARY KEY, segment TEXT NOT NULL);
"""


class ArchiveError(ValueError):
    """The archive cannot be opened or used as asked; the message names it."""


@dataclass(frozen=True)
class AddResult:
    """What one add did."""

    added: tuple[str, ...]  # ids of documents archived by this add
    unchanged: tuple[str, ...]  # already archived with the same text
    identical: tuple[tuple[str, str], ...]  # (id, archived id) whose text is already archived under another id
    skipped: tuple[Skipped, ...]  # inputs not read, and documents refused (an id archived with another text)
    merges: int = 0  # segment merges this add ran


@dataclass
class _Segment:
    name: str
    fps: np.ndarray
    docs: np.ndarray

    @property
    def postings(self) -> int:
        return int(self.fps.shape[0])


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save(path: Path, array: np.ndarray) -> str:
    """``array`` written durably at ``path`` (a temporary name, fsync, rename); its sha256."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return _digest(path)


def level(postings: int, factor: int | None = None) -> int:
    """A segment's merge level: the base-``factor`` logarithm of its postings."""
    return int(math.log(max(postings, 1), factor or MERGE_FACTOR))


def merge_plan(sizes: dict[str, int], factor: int | None = None) -> list[str] | None:
    """The segments to merge next (``factor``, default ``MERGE_FACTOR``, of
    the lowest level holding that many, smallest first, by name on ties,
    among those small enough to merge), or None when no level is full."""
    factor = factor or MERGE_FACTOR
    by_level: dict[int, list[tuple[int, str]]] = {}
    for name, size in sizes.items():
        if size <= MAX_MERGE_POSTINGS // factor:
            by_level.setdefault(level(size, factor), []).append((size, name))
    for lv in sorted(by_level):
        group = sorted(by_level[lv])
        if len(group) >= factor:
            return [name for _, name in group[:factor]]
    return None


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, timeout=60.0)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    return con


class Store:
    """One archive folder: opened for reading (``snapshot``) or writing (``writer``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def catalogue(self) -> Path:
        return self.root / CATALOGUE

    def exists(self) -> bool:
        return self.catalogue.is_file()

    def _require(self) -> None:
        if not self.exists():
            raise ArchiveError(f"{self.root}: not an archive (no {CATALOGUE}; `provenance archive add` creates one)")

    # ---- reading

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A consistent view: one read transaction and the segments it names,
        open.  Everything read through it is from one committed state."""
        self._require()
        for _ in range(20):
            con = _connect(self.catalogue)
            try:
                con.execute("BEGIN")
                snap = Snapshot.read(self.root, con)
            except FileNotFoundError:  # merged away and deleted after we began: take a newer view
                con.close()
                continue
            try:
                yield snap
            finally:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("COMMIT")
                con.close()
            return
        raise ArchiveError(f"{self.root}: segments keep disappearing under the reader (is a writer looping?)")

    # ---- writing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _create(self, settings: Settings) -> None:
        """A new, empty archive (under the writer lock): one transaction, so a
        killed creation leaves no catalogue (the next add starts again)."""
        (self.root / SEGMENTS).mkdir(parents=True, exist_ok=True)
        tmp = self.root / (CATALOGUE + ".new")
        for stale in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            stale.unlink(missing_ok=True)
        con = sqlite3.connect(tmp, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")  # recorded in the file: no reader ever has to convert it
        con.executescript("BEGIN;" + _SCHEMA + "COMMIT;")
        con.execute("INSERT INTO meta VALUES ('format', ?), ('settings', ?), ('next_segment', '1'), ('adds', '0')",
                    (FORMAT, json.dumps(settings.as_dict(), sort_keys=True)))
        con.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.catalogue)
        _fsync_dir(self.root)

    def _clean_orphans(self, con: sqlite3.Connection) -> int:
        """Delete segment files no catalogue names (a killed add's or a merge's leftovers)."""
        named = {r[0] for r in con.execute("SELECT name FROM segments")}
        gone = 0
        folder = self.root / SEGMENTS
        for f in folder.iterdir() if folder.is_dir() else ():
            if f.name.split(".")[0] not in named:
                f.unlink(missing_ok=True)
                gone += 1
        return gone

    def add(self, documents: Sequence[Document], skipped: Sequence[Skipped], settings: Settings | None,
            progress: Progress = _quiet) -> AddResult:
        """Archive ``documents`` (as ``sources.load`` returns them) in one
        commit.  ``settings`` create the archive when it does not exist
        (min_len left to the texts is chosen from these documents) and must
        match it otherwise (or be None)."""
        from provenance import sources

        with self._locked():
            if not self.exists():
                base = settings or Settings(min_len=None)
                if base.min_len is None:
                    from provenance.tokenize import word_spans

                    tokens = [len(word_spans(d.text)) for d in documents for _ in range(1 + len(d.copies))]
                    if not tokens:
                        raise ArchiveError(f"{self.root}: nothing to archive, so no min_len to choose; "
                                           "give --min-len or add some documents")
                    base = base.for_texts(tokens)
                self._create(base)
            con = _connect(self.catalogue)
            try:
                fixed = _settings(con, self.root)
                if settings is not None and _differs(settings, fixed):
                    raise ArchiveError(f"{self.root}: the archive's settings are fixed when it is created "
                                       f"({_differs(settings, fixed)}); leave the option out")
                self._clean_orphans(con)
                return self._add(con, fixed, documents, skipped, progress, sources.text_key)
            finally:
                con.close()

    def _add(self, con: sqlite3.Connection, settings: Settings, documents: Sequence[Document],
             skipped: Sequence[Skipped], progress: Progress, text_key: Callable[[str], str]) -> AddResult:
        archived = con.execute("SELECT id, text_key FROM documents ORDER BY id DESC").fetchall()
        have = dict(archived)
        keys = {k: i for i, k in archived}  # a text archived under several ids: its first id
        refused: list[Skipped] = list(skipped)
        unchanged: list[str] = []
        identical: list[tuple[str, str]] = []
        fresh: list[tuple[Document, str]] = []
        for d in sorted(documents, key=lambda d: d.id):
            key = text_key(d.text)
            if d.id in have:
                if have[d.id] == key:
                    unchanged.append(d.id)
                else:
                    refused.append(Skipped(d.path, f"id {d.id!r} is archived with another text "
                                                   "(`provenance archive remove` it first to replace it)"))
                continue
            if key in keys:
                identical.append((d.id, keys[key]))
                continue
            keys[key] = d.id
            fresh.append((d, key))
        (n_seg,) = con.execute("SELECT value FROM meta WHERE key = 'next_segment'").fetchone()
        (adds,) = con.execute("SELECT value FROM meta WHERE key = 'adds'").fetchone()
        n_seg, adds = int(n_seg), int(adds) + 1
        folder = self.root / SEGMENTS
        folder.mkdir(exist_ok=True)
        from provenance.distributed import RunReader

        reader = RunReader(settings.stem, settings.k)
        written: dict[str, tuple[int, int, str, str]] = {}  # new segment -> docs, postings, sha256s
        merged_away: list[str] = []
        merges = 0
        renamed: dict[str, str] = {}  # old segment -> the one it was merged into
        # one write transaction for the whole add: documents go in batch by
        # batch (SQLite spills them to the WAL, so an add of any size holds one
        # batch), and nothing is visible to readers before the COMMIT
        con.execute("BEGIN IMMEDIATE")
        try:
            (next_num,) = con.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence WHERE name = 'documents'"
                                      ).fetchone() if _has_sequence(con) else (1,)
            num = int(next_num)
            done = 0
            for start in range(0, len(fresh), BATCH_DOCS):
                batch = fresh[start : start + BATCH_DOCS]
                name = f"s{n_seg:06d}"
                n_seg += 1
                fps_parts, doc_parts, rows = [], [], []
                for d, key in batch:
                    fps, tokens = reader.fingerprints(d.text)
                    fps_parts.append(fps)
                    doc_parts.append(np.full(fps.shape[0], num, dtype=np.uint32))
                    raw = d.text.encode("utf-8")
                    rows.append((num, d.id, d.path, d.title, zlib.compress(raw, 6), len(raw), d.sha256, key,
                                 d.published, d.site, d.url, d.author, json.dumps(list(d.copies)),
                                 json.dumps(dict(d.meta), sort_keys=True), tokens, name, adds))
                    num += 1
                    done += 1
                    if done % 100 == 0 or done == len(fresh):
                        progress("archive", done, len(fresh))
                con.executemany("INSERT INTO documents VALUES (" + ",".join("?" * 17) + ")", rows)
                fps = np.concatenate(fps_parts) if fps_parts else np.zeros(0, np.uint64)
                docs = np.concatenate(doc_parts) if doc_parts else np.zeros(0, np.uint32)
                order = np.argsort(fps, kind="stable")  # documents ascending within a fingerprint
                written[name] = self._write_segment(name, fps[order], docs[order], len(batch))
            sizes = {name: p for name, p in con.execute("SELECT name, postings FROM segments")}
            sizes.update({name: w[1] for name, w in written.items()})
            while (group := merge_plan(sizes)) is not None:
                name = f"s{n_seg:06d}"
                n_seg += 1
                progress("merge", 0, 1)
                written[name] = self._merge(con, name, group)
                merges += 1
                for g in group:
                    del sizes[g]
                    renamed[g] = name
                    if g in written:  # never published: delete now
                        del written[g]
                        for f in folder.glob(f"{g}.*"):
                            f.unlink()
                    else:
                        merged_away.append(g)
                sizes[name] = written[name][1]
                progress("merge", 1, 1)
            _fsync_dir(folder)

            def final(seg: str) -> str:
                while seg in renamed:
                    seg = renamed[seg]
                return seg

            for old in renamed:
                con.execute("UPDATE documents SET segment = ? WHERE segment = ?", (final(old), old))
            for old in merged_away:
                con.execute("DELETE FROM removed WHERE segment = ?", (old,))
                con.execute("DELETE FROM segments WHERE name = ?", (old,))
            con.executemany("INSERT INTO segments VALUES (?, ?, ?, ?, ?)",
                            [(name, *w) for name, w in sorted(written.items())])
            con.execute("UPDATE meta SET value = ? WHERE key = 'next_segment'", (str(n_seg),))
            if fresh:
                con.execute("UPDATE meta SET value = ? WHERE key = 'adds'", (str(adds),))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        for old in merged_away:  # readers holding them keep them open; new readers see the merged one
            for f in folder.glob(f"{old}.*"):
                f.unlink(missing_ok=True)
        return AddResult(added=tuple(d.id for d, _ in fresh), unchanged=tuple(unchanged),
                         identical=tuple(identical), skipped=tuple(sorted(refused, key=lambda s: s.path)),
                         merges=merges)

    def _write_segment(self, name: str, fps: np.ndarray, docs: np.ndarray, n_docs: int) -> tuple[int, int, str, str]:
        folder = self.root / SEGMENTS
        f_sha = _save(folder / f"{name}.fps.npy", fps.astype(np.uint64, copy=False))
        d_sha = _save(folder / f"{name}.docs.npy", docs.astype(np.uint32, copy=False))
        return n_docs, int(fps.shape[0]), f_sha, d_sha

    def _merge(self, con: sqlite3.Connection, name: str, group: Sequence[str]) -> tuple[int, int, str, str]:
        """Segments ``group`` merged into a new one, the postings of removed documents left out."""
        folder = self.root / SEGMENTS
        dead = np.array(sorted(r[0] for r in con.execute(
            f"SELECT num FROM removed WHERE segment IN ({','.join('?' * len(group))})", list(group))), dtype=np.uint32)
        fps_parts, doc_parts = [], []
        for g in group:
            fps = np.load(folder / f"{g}.fps.npy", mmap_mode="r")
            docs = np.load(folder / f"{g}.docs.npy", mmap_mode="r")
            keep = ~np.isin(docs, dead) if dead.size else slice(None)
            fps_parts.append(np.asarray(fps[keep]))
            doc_parts.append(np.asarray(docs[keep]))
        fps = np.concatenate(fps_parts)
        docs = np.concatenate(doc_parts)
        order = np.lexsort((docs, fps))
        n_docs = int(np.unique(docs).shape[0])
        return self._write_segment(name, fps[order], docs[order], n_docs)

    def remove(self, ids: Sequence[str]) -> tuple[list[str], list[str]]:
        """Remove documents by id in one commit; returns (removed, not archived).
        Their postings stay in their segments, masked, until a merge drops them."""
        self._require()
        with self._locked():
            con = _connect(self.catalogue)
            try:
                _settings(con, self.root)
                con.execute("BEGIN IMMEDIATE")
                removed, missing = [], []
                for i in sorted(set(ids)):
                    row = con.execute("SELECT num, segment FROM documents WHERE id = ?", (i,)).fetchone()
                    if row is None:
                        missing.append(i)
                        continue
                    con.execute("INSERT INTO removed VALUES (?, ?)", row)
                    con.execute("DELETE FROM documents WHERE num = ?", (row[0],))
                    removed.append(i)
                con.execute("COMMIT")
                return removed, missing
            finally:
                con.close()


def _has_sequence(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone() is not None


def _settings(con: sqlite3.Connection, root: Path) -> Settings:
    """The archive's settings, after checking its format."""
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{root}: the catalogue cannot be read ({exc})") from exc
    if meta.get("format") != FORMAT:
        raise ArchiveError(f"{root}: archive format {meta.get('format')!r}, this version reads {FORMAT!r}")
    raw: dict[str, Any] = json.loads(meta["settings"])
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return Settings(**fields)


#: Options that shape the index and the passages: fixed when the archive is created.
FIXED = ("min_len", "max_gap", "max_df", "stem", "align")


def _differs(given: Settings, fixed: Settings) -> str:
    """The fixed settings ``given`` asks to change, as ``--option archive-value``, or ''."""
    out = []
    for name in FIXED:
        mine = getattr(given, name)
        if mine is not None and mine != getattr(fixed, name):
            out.append(f"--{name.replace('_', '-')} is {getattr(fixed, name)}")
    return ", ".join(out)


@dataclass
class Snapshot:
    """One committed state of an archive, open for reading."""

    root: Path
    con: sqlite3.Connection
    settings: Settings
    segments: list[_Segment]
    removed: np.ndarray  # uint32, sorted: document numbers whose postings are masked
    meta: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path, con: sqlite3.Connection) -> Snapshot:
        settings = _settings(con, root)
        meta = dict(con.execute("SELECT key, value FROM meta"))
        segs = []
        for (name,) in con.execute("SELECT name FROM segments ORDER BY name"):
            segs.append(_Segment(name, np.load(root / SEGMENTS / f"{name}.fps.npy", mmap_mode="r"),
                                 np.load(root / SEGMENTS / f"{name}.docs.npy", mmap_mode="r")))
        removed = np.array(sorted(r[0] for r in con.execute("SELECT num FROM removed")), dtype=np.uint32)
        return cls(root, con, settings, segs, removed, meta)

    def postings(self, fps: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """For sorted distinct fingerprints ``fps``: each one's archived
        documents (live ones only) counted, and the documents of each."""
        counts = np.zeros(fps.shape[0], dtype=np.int64)
        found: list[list[np.ndarray]] = [[] for _ in range(fps.shape[0])]
        for seg in self.segments:
            lo = np.searchsorted(seg.fps, fps, "left")
            hi = np.searchsorted(seg.fps, fps, "right")
            for i in np.flatnonzero(hi > lo).tolist():
                docs = np.asarray(seg.docs[lo[i] : hi[i]])
                if self.removed.size:
                    docs = docs[~np.isin(docs, self.removed)]
                counts[i] += docs.shape[0]
                found[i].append(docs)
        return counts, [np.concatenate(f) if f else np.zeros(0, np.uint32) for f in found]

    def documents(self, nums: Sequence[int]) -> list[tuple[int, Document, int]]:
        """Archived documents by number, with their tokens, in number order."""
        out = []
        wanted = sorted({int(n) for n in nums})
        for k in range(0, len(wanted), 500):
            part = wanted[k : k + 500]
            for row in self.con.execute(
                    "SELECT num, id, path, title, text, sha256, published, site, url, author, copies, meta, tokens "
                    f"FROM documents WHERE num IN ({','.join('?' * len(part))}) ORDER BY num", part):
                out.append((row[0], _document(row[1:]), row[12]))
        return out

    def find(self, text_key: str) -> str | None:
        """The id of the archived document whose text is identical to one with this ``text_key``."""
        row = self.con.execute("SELECT id FROM documents WHERE text_key = ? ORDER BY id LIMIT 1", (text_key,)).fetchone()
        return None if row is None else str(row[0])

    def count(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM documents").fetchone()[0])


def _document(row: Sequence[Any]) -> Document:
    id_, path, title, text, sha, published, site, url, author, copies, meta = row[:11]
    return Document(id=id_, path=path, title=title, text=zlib.decompress(text).decode("utf-8"), sha256=sha,
                    published=published, site=site, url=url, author=author, copies=tuple(json.loads(copies)),
                    meta=tuple(sorted(json.loads(meta).items())))


def info(store: Store) -> dict[str, Any]:
    """Counts, sizes and settings of an archive."""
    with store.snapshot() as snap:
        con = snap.con
        docs, raw, tokens = con.execute("SELECT COUNT(*), COALESCE(SUM(bytes), 0), COALESCE(SUM(tokens), 0) "
                                        "FROM documents").fetchone()
        stored_text = con.execute("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM documents").fetchone()[0]
        seg_rows = con.execute("SELECT name, docs, postings FROM segments ORDER BY name").fetchall()
        seg_bytes = sum(f.stat().st_size for name, _, _ in seg_rows for f in (store.root / SEGMENTS).glob(f"{name}.*"))
        cat_bytes = sum(f.stat().st_size for f in store.root.glob(CATALOGUE + "*"))
        return {
            "format": snap.meta["format"],
            "documents": int(docs),
            "tokens": int(tokens),
            "text_bytes": int(raw),
            "text_stored_bytes": int(stored_text),
            "segments": [{"name": n, "docs": d, "postings": p, "level": level(p)} for n, d, p in seg_rows],
            "postings": sum(p for _, _, p in seg_rows),
            "removed_pending": int(snap.removed.shape[0]),
            "catalogue_bytes": cat_bytes,
            "segment_bytes": seg_bytes,
            "disk_bytes": cat_bytes + seg_bytes,
            "adds": int(snap.meta["adds"]),
            "settings": snap.settings.as_dict(),
        }


def verify(store: Store, progress: Progress = _quiet) -> tuple[list[str], list[str]]:
    """Check an archive's integrity; returns (problems, notes).  Problems:
    SQLite's integrity check, a segment file missing, of the wrong size or
    checksum, unsorted, or naming documents the catalogue does not hold; a
    live document without its postings; a stored text that does not
    decompress or no longer has its key.  Notes: files of interrupted adds."""
    from provenance import sources

    problems: list[str] = []
    notes: list[str] = []
    try:
        snap_cm = store.snapshot()
        snap = snap_cm.__enter__()
    except FileNotFoundError as exc:
        return [f"{store.root}: a segment file is missing ({exc.filename})"], notes
    try:
        con = snap.con
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            problems.append(f"{store.catalogue}: SQLite integrity check: {ok}")
        live = dict(con.execute("SELECT num, segment FROM documents"))
        dead = dict(con.execute("SELECT num, segment FROM removed"))
        rows = con.execute("SELECT name, docs, postings, fps_sha256, docs_sha256 FROM segments").fetchall()
        names = {r[0] for r in rows}
        for name, _, postings, f_sha, d_sha in rows:
            seg = next(s for s in snap.segments if s.name == name)
            for kind, sha in (("fps", f_sha), ("docs", d_sha)):
                if _digest(store.root / SEGMENTS / f"{name}.{kind}.npy") != sha:
                    problems.append(f"segment {name}: {kind} file does not match its checksum")
            if seg.postings != postings or seg.docs.shape[0] != postings:
                problems.append(f"segment {name}: {seg.postings} postings, the catalogue says {postings}")
                continue
            if postings and bool(np.any(np.diff(np.asarray(seg.fps)) < 0)):
                problems.append(f"segment {name}: fingerprints not sorted")
            held = np.unique(np.asarray(seg.docs)).tolist()
            stray = [n for n in held if live.get(n, dead.get(n)) != name]
            if stray:
                problems.append(f"segment {name}: postings of {len(stray)} documents it does not hold (first {stray[0]})")
        for num, seg_name in live.items():
            if seg_name not in names:
                problems.append(f"document #{num}: its segment {seg_name} is not catalogued")
        has = {s.name: set(np.unique(np.asarray(s.docs)).tolist()) for s in snap.segments}
        total = len(live)
        for k, (num, id_, text, key, tokens, seg_name) in enumerate(con.execute(
                "SELECT num, id, text, text_key, tokens, segment FROM documents ORDER BY num")):
            try:
                body = zlib.decompress(text).decode("utf-8")
            except (zlib.error, UnicodeDecodeError) as exc:
                problems.append(f"{id_}: stored text unreadable ({exc})")
                continue
            if sources.text_key(body) != key:
                problems.append(f"{id_}: stored text does not match its key")
            if tokens >= snap.settings.k and num not in has.get(seg_name, set()):
                problems.append(f"{id_}: no postings in its segment {seg_name}")
            if k % 1000 == 0 or k + 1 == total:
                progress("verify", k + 1, total)
        folder = store.root / SEGMENTS
        orphans = [f.name for f in folder.iterdir() if f.name.split(".")[0] not in names] if folder.is_dir() else []
        if orphans:
            notes.append(f"{len(orphans)} segment files not in the catalogue (left by an interrupted add; ignored, "
                         "and removed by the next add)")
    finally:
        snap_cm.__exit__(None, None, None)
    return problems, notes
