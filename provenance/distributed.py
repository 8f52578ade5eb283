"""The same audit on a Dask cluster, with identical results.

Two documents can share a passage only if they share a run of ``min_len``
tokens that is not boilerplate, so they share that run's fingerprint.  Every
quantity of the engine is then local to one pair, once each position's
boilerplate status is known: a run is boilerplate when more than ``max_df``
documents of the whole collection hold it, and the fingerprint shuffle counts
exactly that.  Every quantity of the lineage stage is local to one connected
family of related pairs.

Stages:

1. Workers read batches of files themselves (the client only lists them) and
   return each document's metadata and identity key, not its text, and the
   (fingerprint, document) rows of every run, cut into buckets by fingerprint.
   Fingerprints are polynomial hashes of blake2 hashes of the normalized
   terms: the same on every machine, never Python's salted ``hash``.
2. The shuffle: one task per bucket counts each fingerprint's documents.
   Fingerprints in more than ``max_df`` documents are boilerplate and link
   nothing; the others give every pair of documents that shares one, which is
   exactly the set of pairs the audit will report.
3. The client groups identical texts (as ``sources.load`` does) and joins the
   pairs into connected components.  A component is audited by one worker
   (engine and lineage) when it is small; a larger one is cut into parts of
   ``block_docs / 2`` documents, and every two parts that share a pair form an
   overlapping block, so every related pair is compared in one block, which
   answers for it alone.  A last task per split component runs the lineage
   stage on the merged pairs.  Boilerplate is recorded once, by the task that
   owns the first document holding it, as one machine records it.
4. The client merges.  A worker that dies has its tasks, and the results it
   held, computed again elsewhere.  A task whose workers keep dying (Dask
   allows three) ends the audit with a ``ClusterError`` naming its files.

Dask is imported only here, and this module is imported only when the CLI is
given ``--scheduler``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from provenance import lineage as lineage_stage
from provenance import passages
from provenance.audit import match_stage
from provenance.model import (
    AuditResult,
    Boilerplate,
    Derivation,
    Document,
    Latent,
    Lineage,
    PairEvidence,
    Skipped,
    TokenStream,
)
from provenance.settings import DEFAULT_MIN_LEN, SHORT_MIN_LEN, Settings
from provenance.tokenize import Vocabulary

BATCH_DOCS = 200  # files per reading task
SHUFFLE_PARTS = 8  # buckets of the fingerprint shuffle
BLOCK_DOCS = 4000  # a component of more documents is split into overlapping blocks of at most this many
RETRIES = 3
_BASE = np.uint64(1099511628211)


class ClusterError(RuntimeError):
    """The cluster could not finish the audit: every worker given one task died."""


def term_hashes(vocab: Vocabulary, known: np.ndarray | None = None) -> np.ndarray:
    """blake2 hash of every term of ``vocab``, indexed by its id (id 0 unused).

    ``known``, the table of an earlier call on the same vocabulary, is kept:
    ids are given in order of first appearance, so only the new terms are hashed."""
    have = 1 if known is None else known.shape[0]
    table = np.zeros(len(vocab) + 1, dtype=np.uint64)
    if known is not None:
        table[:have] = known
    for term, tid in itertools.islice(vocab._ids.items(), have - 1, None):
        table[tid] = term_hash(term)
    return table


def term_hash(term: str) -> int:
    """A term's 64-bit hash (blake2b), the same on every machine and in every process."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def run_hashes(hashes: np.ndarray, min_len: int) -> np.ndarray:
    """The fingerprint of the run of ``min_len`` tokens starting at each
    position of a document whose terms hash to ``hashes`` (a polynomial hash
    mod 2**64): the same on every machine and in every process."""
    n = hashes.shape[0] - min_len + 1
    acc = np.zeros(max(n, 0), dtype=np.uint64)
    if n > 0:
        with np.errstate(over="ignore"):
            for k in range(min_len):
                acc = acc * _BASE + hashes[k : k + n]
    return acc


class RunReader:
    """Token streams of documents, with each run's fingerprint: one
    vocabulary, the polynomial hash of ``run_hashes`` over ``term_hashes``.
    The table of term hashes grows geometrically and only for new terms, so a
    reader that meets new words in every document (an archive's large add)
    stays linear."""

    def __init__(self, stem: bool, min_len: int) -> None:
        self.vocab = Vocabulary(stem=stem)
        self.min_len = min_len
        self.table = np.zeros(1024, dtype=np.uint64)
        self.filled = 1  # ids below this have their hash in the table (id 0 unused)

    def streams(self, docs: Sequence[Document]) -> list[TokenStream]:
        """Exactly ``tokenize_stage(docs)``: one vocabulary, documents in order."""
        return [self.vocab.tokenize(d.text) for d in docs]

    def runs(self, stream: TokenStream, min_len: int | None = None) -> np.ndarray:
        need = len(self.vocab) + 1
        if need > self.filled:
            if need > self.table.shape[0]:
                grown = np.zeros(max(need, 2 * self.table.shape[0]), dtype=np.uint64)
                grown[: self.filled] = self.table[: self.filled]
                self.table = grown
            # ids are given in order of first appearance: the new terms are the last ones
            for term, tid in itertools.islice(reversed(self.vocab._ids.items()), need - self.filled):
                self.table[tid] = term_hash(term)
            self.filled = need
        return run_hashes(self.table[stream.ids], self.min_len if min_len is None else min_len)

    def fingerprints(self, text: str) -> tuple[np.ndarray, int]:
        """The distinct run fingerprints of ``text`` (sorted) and its tokens."""
        stream = self.vocab.tokenize(text)
        return np.unique(self.runs(stream)), len(stream)


# ---- what workers do


def _code(k: int, pos: int) -> int:
    """A document's provisional number: its file's index and its position in the file."""
    return (k << 24) | pos


def _read_and_fingerprint(batch: Sequence[tuple[int, str, str]], options: Any, min_lens: tuple[int, ...], stem: bool,
                          parts: int) -> tuple[list[tuple[int, Document, str, int]], list[Skipped], list[np.ndarray]]:
    """Read a batch of files ``(file index, path, rel)``.

    Returns each document found, by its provisional number, with its text left
    out (the client needs only ids and metadata), its ``text_key`` and its
    tokens; what was skipped; and the (fingerprint, document number) rows of
    every document, cut into ``parts`` buckets by fingerprint for the shuffle,
    for each run length of ``min_lens`` (bucket ``k * parts + j``: more than
    one when min_len is chosen from the texts, known once all are read).
    """
    from provenance import sources

    reader = RunReader(stem, min_lens[0])
    found: list[tuple[int, Document, str, int]] = []
    skipped: list[Skipped] = []
    rows: list[list[np.ndarray]] = [[] for _ in min_lens]
    for (k, _, _), got in zip(batch, sources.read_files([(p, rel) for _, p, rel in batch], options)):
        for pos, g in enumerate(got):
            if isinstance(g, Skipped):
                skipped.append(g)
                continue
            code = _code(k, pos)
            stream = reader.streams([g])[0]
            found.append((code, dataclasses.replace(g, text=""), sources.text_key(g.text), len(stream)))
            for i, m in enumerate(min_lens):
                fps = np.unique(reader.runs(stream, m))
                rows[i].append(np.stack([fps.view(np.int64), np.full(fps.shape[0], code, dtype=np.int64)], axis=1))
    out: list[np.ndarray] = []
    for r in rows:
        table = np.concatenate(r) if r else np.zeros((0, 2), dtype=np.int64)
        bucket = table[:, 0].view(np.uint64) % np.uint64(parts)
        out.extend(table[bucket == j] for j in range(parts))
    return found, skipped, out


def _held(value: Any) -> Any:
    """``value`` itself: a small array sent in the task, so that the scheduler
    can compute it again on another worker."""
    return value


def _bucket(part: tuple[Any, Any, list[np.ndarray]], j: int) -> np.ndarray:
    return part[2][j]


@dataclasses.dataclass(frozen=True)
class Shared:
    """What one bucket of the shuffle found (documents by their final index)."""

    pairs: np.ndarray  # int64[k, 2]: every pair (a < b) sharing a fingerprint that is not boilerplate
    boiler: np.ndarray  # uint64[m]: fingerprints in more than max_df documents, sorted
    df: np.ndarray  # int64[m]: their documents
    first: np.ndarray  # int64[m]: the first of them (the document that records the boilerplate)
    members: list[np.ndarray]  # the documents of each, sorted


def _share(codes: np.ndarray, finals: np.ndarray, max_df: int, *tables: np.ndarray) -> Shared:
    """One bucket of the shuffle: each fingerprint's documents counted.

    ``codes`` (sorted) and ``finals`` map provisional document numbers to
    final indices (identical texts become one document)."""
    rows = np.concatenate(tables) if tables else np.zeros((0, 2), dtype=np.int64)
    rows = np.stack([rows[:, 0], finals[np.searchsorted(codes, rows[:, 1])]], axis=1)
    rows = np.unique(rows, axis=0)  # sorted by fingerprint, then document
    if rows.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Shared(np.zeros((0, 2), dtype=np.int64), empty.view(np.uint64), empty, empty, [])
    starts = np.r_[0, np.flatnonzero(np.diff(rows[:, 0]) != 0) + 1]
    sizes = np.diff(np.r_[starts, rows.shape[0]])
    pairs = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_df)]).tolist():
        groups = rows[starts[sizes == size][:, None] + np.arange(size)[None, :], 1]  # [groups, size], sorted rows
        i, j = np.triu_indices(size, 1)
        got = np.stack([groups[:, i].ravel(), groups[:, j].ravel()], axis=1)
        pairs.append(np.unique(got, axis=0))
    big = np.flatnonzero(sizes > max_df)
    return Shared(
        pairs=np.unique(np.concatenate(pairs), axis=0) if pairs else np.zeros((0, 2), dtype=np.int64),
        boiler=rows[starts[big], 0].view(np.uint64),
        df=sizes[big].astype(np.int64),
        first=rows[starts[big], 1],
        members=[rows[starts[b] : starts[b] + sizes[b], 1] for b in big.tolist()],
    )


# what a task reads: (file index, path, rel, position in the file, final header)
Wanted = tuple[int, str, str, int, Document]
# boilerplate a document records: (fingerprint, documents, member ids)
Records = dict[str, list[tuple[int, int, tuple[str, ...]]]]


def _read_documents(wanted: Sequence[Wanted], options: Any) -> list[Document]:
    """The documents ``wanted``, read from their files, with their final id and copies."""
    from provenance import sources

    files = sorted({(k, p, rel) for k, p, rel, _, _ in wanted})
    held = dict(zip((k for k, _, _ in files), sources.read_files([(p, rel) for _, p, rel in files], options)))
    out = []
    for k, _, _, pos, head in wanted:
        doc = held[k][pos]
        assert isinstance(doc, Document), f"{head.path}: read as a skip on the worker, a document on the first pass"
        out.append(dataclasses.replace(doc, id=head.id, copies=head.copies))
    return out


def boilerplate_masks(reader: RunReader, streams: Sequence[TokenStream], boiler: np.ndarray) -> list[np.ndarray]:
    """Where a boilerplate run (its fingerprint in ``boiler``) starts, in each stream."""
    out = []
    for s in streams:
        mask = np.zeros(len(s), dtype=np.bool_)
        runs = reader.runs(s)
        mask[: runs.shape[0]] = np.isin(runs, boiler)
        out.append(mask)
    return out


def _boilerplate(reader: RunReader, docs: Sequence[Document], streams: Sequence[TokenStream],
                 records: Records, min_len: int) -> list[Boilerplate]:
    """The boilerplate ``docs`` record, as ``passages.boilerplate`` records it on
    one machine: each run at its first place in its first document, runs that
    follow each other in one document merged (fewest documents, first run's members)."""
    out: list[Boilerplate] = []
    for d, s in zip(docs, streams):
        mine = records.get(d.id)
        if not mine:
            continue
        runs = reader.runs(s)
        found = sorted((int(np.flatnonzero(runs == np.uint64(fp))[0]), df, members) for fp, df, members in mine)
        i = 0
        while i < len(found):
            start, df, members = found[i]
            end = start + min_len
            j = i + 1
            while j < len(found) and found[j][0] <= end:
                end = max(end, found[j][0] + min_len)
                df = min(df, found[j][1])
                j += 1
            out.append(Boilerplate(doc=d.id, chars=passages.char_span(s, start, end), tokens=end - start,
                                   df=df, docs=members))
            i = j
    return out


def _open(wanted: Sequence[Wanted], options: Any, settings: Settings) -> tuple[list[Document], RunReader, list[TokenStream]]:
    """A task's documents, read, and their token streams (one vocabulary, as ``tokenize_stage``)."""
    docs = _read_documents(wanted, options)
    reader = RunReader(settings.stem, settings.k)
    return docs, reader, reader.streams(docs)


def _audit_whole(wanted: Sequence[Wanted], options: Any, settings: Settings, boiler: np.ndarray,
                 records: Records) -> tuple[Any, ...]:
    """Components small enough for one worker, batched: engine and lineage.

    Their documents share only boilerplate across components, so one suffix
    array over the batch relates exactly the pairs each would on its own, and
    the lineage stage works family by family."""
    docs, reader, streams = _open(wanted, options, settings)
    pairs, _ = match_stage(docs, streams, settings, boilerplate=boilerplate_masks(reader, streams, boiler))
    lin = lineage_stage.infer(docs, streams, pairs, settings) if settings.lineage else None
    kept = _boilerplate(reader, docs, streams, records, settings.k)
    return pairs, kept, lin, {d.id: len(s) for d, s in zip(docs, streams)}, docs


def _audit_block(wanted: Sequence[Wanted], options: Any, settings: Settings, boiler: np.ndarray,
                 part_of: dict[str, int], key: tuple[int, int]) -> list[PairEvidence]:
    """One block of a split component: the pairs whose parts are ``key``."""
    docs, reader, streams = _open(wanted, options, settings)
    keep: Callable[[str, str], bool] = lambda a, b: tuple(sorted((part_of[a], part_of[b]))) == key
    pairs, _ = match_stage(docs, streams, settings, boilerplate=boilerplate_masks(reader, streams, boiler), keep=keep)
    return pairs


def _finish_split(wanted: Sequence[Wanted], options: Any, settings: Settings, records: Records,
                  *blocks: list[PairEvidence]) -> tuple[Any, ...]:
    """A split component's lineage, on the pairs of all its blocks."""
    docs, reader, streams = _open(wanted, options, settings)
    pairs = sorted((p for b in blocks for p in b), key=lambda p: (p.a, p.b))
    lin = lineage_stage.infer(docs, streams, pairs, settings) if settings.lineage else None
    kept = _boilerplate(reader, docs, streams, records, settings.k)
    return pairs, kept, lin, {d.id: len(s) for d, s in zip(docs, streams)}, docs


def _alone(wanted: Sequence[Wanted], options: Any, settings: Settings, records: Records) -> tuple[Any, ...]:
    """Documents that share nothing: their tokens and any boilerplate they record."""
    docs, reader, streams = _open(wanted, options, settings)
    kept = _boilerplate(reader, docs, streams, records, settings.k)
    return [], kept, None, {d.id: len(s) for d, s in zip(docs, streams)}, docs


# ---- the client


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.up = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.up[root] != root:
            root = self.up[root]
        while self.up[x] != root:
            self.up[x], x = root, self.up[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[max(ra, rb)] = min(ra, rb)


def components(pairs: np.ndarray, n: int) -> list[list[int]]:
    """Documents joined by related pairs, as sorted groups (singletons left out)."""
    uf = _UnionFind(n)
    for a, b in pairs.tolist():
        uf.union(a, b)
    groups: dict[int, list[int]] = {}
    for i in np.unique(pairs).tolist():
        groups.setdefault(uf.find(i), []).append(i)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def blocks(members: Sequence[int], pairs: np.ndarray, block_docs: int) -> tuple[dict[int, int], dict[tuple[int, int], list[int]]]:
    """Cut a component into parts of at most ``block_docs // 2`` documents, in
    breadth-first order (neighbours land in the same or nearby parts), and
    return each document's part and the blocks: for every two parts (or one)
    that some pair joins, their documents.  Every pair is inside the block of
    its parts."""
    size = max(1, block_docs // 2)
    near: dict[int, list[int]] = {m: [] for m in members}
    for a, b in pairs.tolist():
        near[a].append(b)
        near[b].append(a)
    order: list[int] = []
    seen: set[int] = set()
    for m in members:
        if m in seen:
            continue
        seen.add(m)
        queue = deque([m])
        while queue:
            x = queue.popleft()
            order.append(x)
            for y in sorted(near[x]):
                if y not in seen:
                    seen.add(y)
                    queue.append(y)
    part = {x: i // size for i, x in enumerate(order)}
    keys = sorted({(min(part[a], part[b]), max(part[a], part[b])) for a, b in pairs.tolist()})
    by_part: dict[int, list[int]] = {}
    for x in order:
        by_part.setdefault(part[x], []).append(x)
    out = {k: sorted(set(by_part[k[0]]) | set(by_part[k[1]])) for k in keys}
    return part, out


def audit_path_on_cluster(
    path: Path, options: Any, settings: Settings, *, scheduler: str, workers: int = 2, client: Any = None,
    block_docs: int = BLOCK_DOCS, stats: dict[str, float] | None = None,
) -> tuple[AuditResult, list[Skipped]]:
    """``audit`` of what ``sources.load(path, options)`` loads, on a Dask
    cluster whose workers read the inputs themselves (``path`` must be
    readable by every worker at the same path: a shared filesystem).

    ``scheduler`` is an address (``tcp://host:8786``) or ``"local"`` for a
    ``LocalCluster`` of ``workers`` processes; an existing ``client`` may be
    given instead.  ``stats``, if given, receives counts of the work (related
    pairs, components, split components, blocks, boilerplate runs) and the
    seconds of each phase.  Text travels from the workers only with the
    results, once per document, to the client that writes the report.
    Returns the result and what was skipped.
    """
    from provenance import sources

    found = sources.plan(path, options)
    # read here, so that a bad manifest fails once, not on every worker
    manifest = sources.load_manifest(options.manifest) if options.manifest else None
    files = [(k, p, rel) for k, (p, rel) in enumerate(found.files)]
    clock = [time.perf_counter()]
    from dask.distributed import KilledWorker

    client, opened = _client(scheduler, workers, client)
    about: dict[Any, str] = {}  # task key -> what it works on, for an error naming it

    def named(future: Any, what: str, names: Sequence[str] = ()) -> Any:
        about[future.key] = f"{what} {len(names)} ({names[0]} ... {names[-1]})" if names else what
        return future

    def submit(what: str, task: Callable[..., Any], wanted: list[Wanted], *args: Any) -> Any:
        """A task on some documents, retried, named by their ids."""
        future = client.submit(task, wanted, options, settings, *args, retries=RETRIES, pure=False)
        return named(future, what, [w[4].id for w in wanted])

    try:
        batches = [files[i : i + BATCH_DOCS] for i in range(0, len(files), BATCH_DOCS)]
        n_parts = max(1, min(len(batches), SHUFFLE_PARTS))
        min_lens = (settings.min_len,) if settings.min_len is not None else (SHORT_MIN_LEN, DEFAULT_MIN_LEN)
        read = client.map(_read_and_fingerprint, batches, options=options, min_lens=min_lens,
                          stem=settings.stem, parts=n_parts, retries=RETRIES, pure=False)
        for f, b in zip(read, batches):
            named(f, "reading files:", [rel for _, _, rel in b])
        _progress(read, "files read")
        clock.append(time.perf_counter())
        light: list[Document] = []
        keys: list[str] = []
        prov: list[int] = []
        skipped = list(found.skipped)
        read_tokens: list[int] = []
        for got, skip, _ in client.gather(read):
            skipped.extend(skip)
            for code, doc, tkey, n in got:
                prov.append(code)
                light.append(doc)
                keys.append(tkey)
                read_tokens.append(n)
        # every input read, identical ones included, as one machine counts them
        settings = settings.for_texts(read_tokens)
        first = min_lens.index(settings.k) * n_parts
        skipped += sources.unread_manifest_rows(manifest, light, skipped)
        loaded, became, origin = sources.finish_indexed(light, skipped, keys)
        heads = loaded.documents
        ids = [d.id for d in heads]
        assert ids == sorted(ids), "documents come out of sources sorted by id"
        codes = np.asarray(prov, dtype=np.int64)
        order = np.argsort(codes)
        # Held by tasks, not scattered: a task's result lost with a worker is
        # computed again, while scattered data is gone (and a worker that dies
        # during a scatter fails it).
        codes = client.submit(_held, codes[order], pure=False)
        finals = client.submit(_held, np.asarray(became, dtype=np.int64)[order], pure=False)
        # the shuffle: bucket j of every batch to one task
        shared = [named(client.submit(_share, codes, finals, settings.max_df,
                                      *[client.submit(_bucket, f, first + j, pure=False) for f in read],
                                      retries=RETRIES, pure=False), "the fingerprint shuffle")
                  for j in range(n_parts)]
        _progress(shared, "fingerprints shuffled")
        clock.append(time.perf_counter())
        got = client.gather(shared)
        del read, shared
        pairs = np.unique(np.concatenate([g.pairs for g in got]), axis=0)
        boiler = np.sort(np.concatenate([g.boiler for g in got]))
        records: Records = {}
        for g in got:
            for fp, df, first, members in zip(g.boiler.tolist(), g.df.tolist(), g.first.tolist(), g.members):
                records.setdefault(ids[first], []).append((fp, df, tuple(ids[m] for m in members.tolist())))
        del got
        where: list[Wanted] = []
        for head, i in zip(heads, origin):
            k, pos = prov[i] >> 24, prov[i] & ((1 << 24) - 1)
            where.append((k, files[k][1], files[k][2], pos, head))
        boiler_f = client.submit(_held, boiler, pure=False)

        def owned(group: Sequence[int]) -> Records:
            return {ids[i]: records[ids[i]] for i in group if ids[i] in records}

        comps = components(pairs, len(ids))
        tasks = []
        n_blocks = 0
        batch: list[int] = []
        batch_cap = min(BATCH_DOCS, block_docs)  # small components share a task, within --block-docs
        for comp in comps + [[]]:  # the empty one sends the last batch
            if batch and (not comp or len(batch) + len(comp) > batch_cap):
                batch.sort()  # by id, as the engine wants its documents
                tasks.append(submit("auditing documents:", _audit_whole, [where[i] for i in batch], boiler_f,
                                    owned(batch)))
                batch = []
            if len(comp) <= block_docs:
                batch.extend(comp)
                continue
            inside = pairs[np.isin(pairs[:, 0], comp)]
            part, cut = blocks(comp, inside, block_docs)
            part_of = {ids[i]: p for i, p in part.items()}
            done = [submit("auditing a block of documents:", _audit_block, [where[i] for i in members],
                           boiler_f, part_of, key) for key, members in cut.items()]
            n_blocks += len(done)
            tasks.append(submit("the lineage of documents:", _finish_split, [where[i] for i in comp],
                                owned(comp), *done))
        in_comp = np.zeros(len(ids), dtype=np.bool_)
        in_comp[np.unique(pairs)] = True
        lonely = np.flatnonzero(~in_comp).tolist()
        for j in range(0, len(lonely), BATCH_DOCS):
            group = lonely[j : j + BATCH_DOCS]
            tasks.append(submit("tokenizing documents:", _alone, [where[i] for i in group], owned(group)))
        _progress(tasks, "components audited")
        clock.append(time.perf_counter())
        if stats is not None:
            stats.update(pairs=int(pairs.shape[0]), components=len(comps), boilerplate=int(boiler.shape[0]),
                         split=sum(len(c) > block_docs for c in comps), blocks=n_blocks, tasks=len(tasks),
                         largest=max((len(c) for c in comps), default=0))
        tokens: dict[str, int] = {}
        documents: dict[str, Document] = {}
        found_pairs: list[PairEvidence] = []
        kept: list[Boilerplate] = []
        lineages: list[Lineage] = []
        for p, b, lin, t, docs in client.gather(tasks):
            found_pairs.extend(p)
            kept.extend(b)
            tokens.update(t)
            documents.update((d.id, d) for d in docs)
            if lin is not None:
                lineages.append(lin)
        found_pairs.sort(key=lambda p: (p.a, p.b))
        kept.sort(key=lambda b: (b.doc, b.chars))
        result = AuditResult(
            documents=tuple(documents[i] for i in ids),
            skipped=loaded.skipped,
            pairs=tuple(found_pairs),
            boilerplate=tuple(kept),
            lineage=_merge_lineage(lineages, ids) if settings.lineage else None,
            settings=settings.as_dict(),
            tokens={i: tokens[i] for i in ids},
        )
        clock.append(time.perf_counter())
        if stats is not None:
            # seconds: cluster start and reading, shuffle and components, audits, gathering and merging
            stats.update({f"{name}_s": round(b - a, 1) for name, a, b in
                          zip(("read", "shuffle", "audit", "merge"), clock, clock[1:])})
        return result, list(loaded.skipped)
    except KilledWorker as exc:
        raise ClusterError(f"{about.get(exc.task, exc.task)}: {exc.allowed_failures + 1} workers died "
                           "running it (out of memory, or killed); try a smaller --block-docs or more "
                           "memory per worker") from exc
    finally:
        for thing in opened:  # a client we made is closed too, not only a LocalCluster
            thing.close()


def _client(scheduler: str, workers: int, client: Any) -> tuple[Any, list[Any]]:
    """A client of ``scheduler`` (or of a new LocalCluster), and what to close
    after (nothing when ``client`` was given).  Raises ``ValueError`` naming the
    address when the scheduler cannot be reached."""
    if client is not None:
        return client, []
    from dask.distributed import Client, LocalCluster

    if scheduler == "local":
        own = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        made = Client(own)
        return made, [made, own]
    try:
        made = Client(scheduler)
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc})") from exc
    return made, [made]


def _merge_lineage(parts: list[Lineage], all_ids: Sequence[str]) -> Lineage:
    edges: list[Derivation] = sorted((e for p in parts for e in p.edges), key=lambda e: (e.child, e.parent))
    latent: list[Latent] = sorted((x for p in parts for x in p.latent), key=lambda x: x.id)
    has_parent = {e.child for e in edges}
    nodes = list(all_ids) + sorted(x.id for x in latent)
    return Lineage(roots=tuple(n for n in nodes if n not in has_parent), edges=tuple(edges), latent=tuple(latent))


def _progress(futures: Any, label: str) -> None:
    from dask.distributed import as_completed

    total = len(futures)
    for done, _ in enumerate(as_completed(futures), 1):
        if sys.stderr.isatty() or done == total:
            print(f"\r{label}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr)
