"""The same audit on a Dask cluster, with identical results.

Two documents can share a passage only if they share a run of ``min_len``
tokens, so they share that run's fingerprint.  Linking the documents that
share any fingerprint (every run, not winnowed, boilerplate included) gives
components that no shared passage crosses.  Every quantity of the engine and
of the lineage stage is local to such a component: a run's document frequency
(all documents holding it are linked), each pair's passages, each document's
sharing with its neighbours, each family's tree.  So auditing every component
on its own and merging gives exactly the single-machine result.

Stages: workers fingerprint batches of documents (stable blake2 hashes of
normalized terms, never Python's salted ``hash``); a Dask bag ``foldby``
gathers the documents of each fingerprint; the client joins them with a
union-find into components; workers audit components (batched, so text
travels per batch of a component, never one document at a time) with the
ordinary ``match_stage`` and ``lineage.infer``; the client merges.  Tasks are
retried, so a worker that dies has its tasks rerun elsewhere.

Dask is imported only here, and this module is imported only when the CLI is
given ``--scheduler``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from provenance import lineage as lineage_stage
from provenance.audit import match_stage, tokenize_stage
from provenance.model import AuditResult, Boilerplate, Derivation, Document, Latent, Lineage, PairEvidence, Skipped
from provenance.settings import Settings
from provenance.tokenize import Vocabulary

BATCH_DOCS = 200  # documents (files, for workers that read) per fingerprinting task
SHUFFLE_PARTS = 8  # buckets of the fingerprint shuffle
RETRIES = 3


class _TermHashes:
    """blake2 hash of each term, by the vocabulary's id (grown as ids are given)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.table = np.zeros(1, dtype=np.uint64)

    def of(self, text: str) -> np.ndarray:
        ids = self.vocab.tokenize(text).ids
        if len(self.vocab) + 1 > self.table.shape[0]:
            terms = sorted(self.vocab._ids.items(), key=lambda kv: kv[1])  # noqa: SLF001 - its own table
            new = np.zeros(len(self.vocab) + 1, dtype=np.uint64)
            new[: self.table.shape[0]] = self.table
            for term, tid in terms[self.table.shape[0] - 1 :]:
                new[tid] = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")
            self.table = new
        return self.table[ids]


def fingerprints(docs: Sequence[Document], min_len: int, stem: bool) -> list[tuple[int, str]]:
    """(fingerprint, document id) for every run of ``min_len`` tokens, deduplicated per document.

    A run's fingerprint is a polynomial hash (mod 2**64) of its terms' blake2
    hashes: the same on every machine and in every process."""
    hashes = _TermHashes(Vocabulary(stem=stem))
    out: list[tuple[int, str]] = []
    base = np.uint64(1099511628211)
    for d in docs:
        h = hashes.of(d.text)
        n = h.shape[0] - min_len + 1
        if n <= 0:
            continue
        acc = np.zeros(n, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(min_len):
                acc = acc * base + h[k : k + n]
        out.extend((int(f), d.id) for f in np.unique(acc))
    return out


def _key(fd: tuple[int, str]) -> int:
    return fd[0]


def _add(acc: frozenset[str], fd: tuple[int, str]) -> frozenset[str]:
    return acc | {fd[1]}


def _join(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    return a | b


class _UnionFind:
    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.up.get(root, root) != root:
            root = self.up[root]
        while self.up.get(x, x) != root:
            self.up[x], x = root, self.up[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.up[hi] = lo


def components(links: Sequence[tuple[int, list[str]]], ids: Sequence[str]) -> list[list[str]]:
    """Documents linked by a shared fingerprint, as sorted groups (singletons left out)."""
    uf = _UnionFind()
    for _, members in links:
        for other in members[1:]:
            uf.union(members[0], other)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(uf.find(i), []).append(i)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def audit_component(docs: Sequence[Document], settings: Settings) -> tuple[list[PairEvidence], list[Boilerplate], Lineage | None, dict[str, int]]:
    """The ordinary engine and lineage stage on one component."""
    docs = sorted(docs, key=lambda d: d.id)
    streams = tokenize_stage(docs, settings)
    pairs, boiler = match_stage(docs, streams, settings)
    lin = lineage_stage.infer(docs, streams, pairs, settings) if settings.lineage else None
    return pairs, boiler, lin, {d.id: len(s) for d, s in zip(docs, streams)}


# ---- workers that read the inputs themselves


def _code(k: int, pos: int) -> int:
    """A document's provisional number: its file's index and its position in the file."""
    return (k << 24) | pos


def _read_and_fingerprint(batch: Sequence[tuple[int, str, str]], options: Any, min_len: int, stem: bool,
                          parts: int) -> tuple[list[tuple[int, Document, str]], list[Skipped], list[np.ndarray]]:
    """On a worker: read a batch of files ``(file index, path, rel)``.

    Returns each document found, by its provisional number, with its text left
    out (the client needs only ids and metadata) and its ``text_key``; what
    was skipped; and the (fingerprint, document number) rows of every
    document, cut into ``parts`` buckets by fingerprint for the shuffle.
    """
    from provenance import sources

    found: list[tuple[int, Document, str]] = []
    skipped: list[Skipped] = []
    rows: list[np.ndarray] = []
    for (k, _, _), got in zip(batch, sources.read_files([(p, rel) for _, p, rel in batch], options)):
        for pos, g in enumerate(got):
            if isinstance(g, Skipped):
                skipped.append(g)
                continue
            code = _code(k, pos)
            found.append((code, dataclasses.replace(g, text=""), sources.text_key(g.text)))
            fps = np.asarray([f for f, _ in fingerprints([g], min_len, stem)], dtype=np.uint64)
            rows.append(np.stack([fps.view(np.int64), np.full(fps.shape[0], code, dtype=np.int64)], axis=1))
    table = np.concatenate(rows) if rows else np.zeros((0, 2), dtype=np.int64)
    bucket = table[:, 0].view(np.uint64) % np.uint64(parts)
    return found, skipped, [table[bucket == j] for j in range(parts)]


def _bucket(part: tuple[Any, Any, list[np.ndarray]], j: int) -> np.ndarray:
    return part[2][j]


def _links(*tables: np.ndarray) -> np.ndarray:
    """On a worker: one bucket of the shuffle.  Documents sharing a fingerprint
    are linked (each to the first of them): rows ``(document, document)``."""
    rows = np.unique(np.concatenate(tables), axis=0) if tables else np.zeros((0, 2), dtype=np.int64)
    if rows.shape[0] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(rows[:, 0]) != 0) + 1]  # rows sorted by fingerprint
    first = np.repeat(rows[starts, 1], np.diff(np.r_[starts, rows.shape[0]]))
    edges = np.stack([first, rows[:, 1]], axis=1)
    return np.unique(edges[edges[:, 0] != edges[:, 1]], axis=0)


def _read_documents(wanted: Sequence[tuple[int, str, str, int, Document]], options: Any) -> list[Document]:
    """On a worker: the documents ``(file index, path, rel, position, final header)``,
    read from their files, with the final id and copies of the header."""
    from provenance import sources

    files = sorted({(k, p, rel) for k, p, rel, _, _ in wanted})
    held = dict(zip((k for k, _, _ in files), sources.read_files([(p, rel) for _, p, rel in files], options)))
    out = []
    for k, _, _, pos, head in wanted:
        doc = held[k][pos]
        assert isinstance(doc, Document), f"{head.path}: read as a skip on the worker, a document on the first pass"
        out.append(dataclasses.replace(doc, id=head.id, copies=head.copies))
    return out


def _audit_files(wanted: Sequence[tuple[int, str, str, int, Document]], options: Any, settings: Settings) -> tuple[Any, ...]:
    docs = _read_documents(wanted, options)
    return (*audit_component(docs, settings), docs)


def _count_files(wanted: Sequence[tuple[int, str, str, int, Document]], options: Any, stem: bool) -> tuple[dict[str, int], list[Document]]:
    docs = _read_documents(wanted, options)
    return _count_tokens(docs, stem), docs


def audit_path_on_cluster(
    path: Path, options: Any, settings: Settings, *, scheduler: str, workers: int = 2, client: Any = None,
) -> tuple[AuditResult, list[Skipped]]:
    """``audit(sources.load(path, options).documents)`` on a Dask cluster whose
    workers read the inputs themselves (``path`` must be readable by every
    worker at the same path: a shared filesystem).

    The client only lists the files.  Workers read batches of files, return
    each document's metadata and identity key (not its text) and its
    fingerprints; the client groups identical texts, links documents into
    components, and sends each component's file list to a worker, which reads
    them again, audits them and returns its documents with the results (text
    travels once, per component, to the client that writes the report).
    Returns the result and what was skipped.
    """
    from provenance import sources

    found = sources.plan(path, options)
    if options.manifest:
        sources.load_manifest(options.manifest)
    files = [(k, p, rel) for k, (p, rel) in enumerate(found.files)]
    made = client is None
    client, own = _client(scheduler, workers, client)
    try:
        batches = [files[i : i + BATCH_DOCS] for i in range(0, len(files), BATCH_DOCS)]
        n_parts = max(1, min(len(batches), SHUFFLE_PARTS))
        parts = client.map(_read_and_fingerprint, batches, options=options, min_len=settings.min_len,
                           stem=settings.stem, parts=n_parts, retries=RETRIES, pure=False)
        _progress(parts, "files read")
        # the shuffle: bucket j of every batch to one task, which links the documents sharing a fingerprint
        linked = [client.submit(_links, *[client.submit(_bucket, f, j, pure=False) for f in parts],
                                retries=RETRIES, pure=False) for j in range(n_parts)]
        light: list[Document] = []
        keys: list[str] = []
        prov: list[int] = []
        skipped = list(found.skipped)
        for got, skip, _ in client.gather(parts):
            skipped.extend(skip)
            for code, doc, tkey in got:
                prov.append(code)
                light.append(doc)
                keys.append(tkey)
        loaded, became, origin = sources.finish_indexed(light, skipped, keys)
        heads = loaded.documents
        ids = [d.id for d in heads]
        # where each document is read from: the file and position of the input it is
        source_of: dict[str, tuple[int, str, str, int, Document]] = {}
        for head, i in zip(heads, origin):
            k, pos = prov[i] >> 24, prov[i] & ((1 << 24) - 1)
            source_of[head.id] = (k, files[k][1], files[k][2], pos, head)
        index_of = dict(zip(prov, became))
        edges = [e for e in client.gather(linked) if e.shape[0]]
        links = []
        if edges:
            both = np.concatenate(edges)
            lookup = np.vectorize(index_of.__getitem__, otypes=[np.int64])
            mapped = lookup(both)
            mapped = np.unique(mapped[mapped[:, 0] != mapped[:, 1]], axis=0)
            links = [(0, [ids[a], ids[b]]) for a, b in mapped.tolist()]
        comps = components(links, ids)
        in_comp = {i for c in comps for i in c}
        lonely = [i for i in ids if i not in in_comp]
        futures = [client.submit(_audit_files, [source_of[i] for i in comp], options, settings,
                                 retries=RETRIES, pure=False) for comp in comps]
        lonely_futures = [client.submit(_count_files, [source_of[i] for i in lonely[j : j + BATCH_DOCS]], options,
                                        settings.stem, retries=RETRIES, pure=False)
                          for j in range(0, len(lonely), BATCH_DOCS)]
        _progress(futures + lonely_futures, "components audited")
        tokens: dict[str, int] = {}
        documents: dict[str, Document] = {}
        for t, docs in client.gather(lonely_futures):
            tokens.update(t)
            documents.update((d.id, d) for d in docs)
        pairs: list[PairEvidence] = []
        boiler: list[Boilerplate] = []
        lineages: list[Lineage] = []
        for p, b, lin, t, docs in client.gather(futures):
            pairs.extend(p)
            boiler.extend(b)
            tokens.update(t)
            documents.update((d.id, d) for d in docs)
            if lin is not None:
                lineages.append(lin)
        pairs.sort(key=lambda p: (p.a, p.b))
        boiler.sort(key=lambda b: (b.doc, b.chars))
        result = AuditResult(
            documents=tuple(documents[i] for i in ids),
            skipped=loaded.skipped,
            pairs=tuple(pairs),
            boilerplate=tuple(boiler),
            lineage=_merge_lineage(lineages, ids) if settings.lineage else None,
            settings=settings.as_dict(),
            tokens={i: tokens[i] for i in ids},
        )
        return result, list(loaded.skipped)
    finally:
        if made:
            client.close()
        if own is not None:
            own.close()


def _client(scheduler: str, workers: int, client: Any) -> tuple[Any, Any]:
    """A client of ``scheduler`` (or of a new LocalCluster), and the cluster to close after."""
    if client is not None:
        return client, None
    from dask.distributed import Client, LocalCluster

    if scheduler == "local":
        own = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(own), own
    return Client(scheduler), None


def _count_tokens(docs: Sequence[Document], stem: bool) -> dict[str, int]:
    vocab = Vocabulary(stem=stem)
    return {d.id: len(vocab.tokenize(d.text)) for d in docs}


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


def audit_on_cluster(
    documents: Sequence[Document], settings: Settings, *, scheduler: str, workers: int = 2,
    skipped: Sequence[Skipped] = (), client: Any = None,
) -> AuditResult:
    """``audit(documents, settings)`` computed on a Dask cluster.

    ``scheduler`` is an address (``tcp://host:8786``) or ``"local"`` for a
    ``LocalCluster`` of ``workers`` processes on this machine; an existing
    ``client`` may be given instead.
    """
    import dask.bag as db
    from dask.distributed import Client, LocalCluster

    own = None
    if client is None:
        if scheduler == "local":
            own = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(own)
        else:
            client = Client(scheduler)
    try:
        docs = sorted(documents, key=lambda d: d.id)
        ids = [d.id for d in docs]
        by_id = {d.id: d for d in docs}
        batches = [docs[i : i + BATCH_DOCS] for i in range(0, len(docs), BATCH_DOCS)]
        bag = db.from_sequence(batches, npartitions=max(1, len(batches))).map(
            fingerprints, settings.min_len, settings.stem
        ).flatten()
        grouped = bag.foldby(_key, _add, frozenset(), _join, frozenset())
        links = [(f, sorted(m)) for f, m in grouped.compute(retries=RETRIES) if len(m) > 1]
        comps = components(links, ids)
        in_comp = {i for c in comps for i in c}
        lonely = [d for d in docs if d.id not in in_comp]
        futures = [client.submit(audit_component, [by_id[i] for i in comp], settings, retries=RETRIES, pure=False)
                   for comp in comps]
        lonely_futures = [client.submit(_count_tokens, lonely[i : i + BATCH_DOCS], settings.stem, retries=RETRIES, pure=False)
                          for i in range(0, len(lonely), BATCH_DOCS)]
        _progress(futures + lonely_futures, "components audited")
        results = client.gather(futures)
        tokens: dict[str, int] = {}
        for part in client.gather(lonely_futures):
            tokens.update(part)
        pairs: list[PairEvidence] = []
        boiler: list[Boilerplate] = []
        lineages: list[Lineage] = []
        for p, b, lin, t in results:
            pairs.extend(p)
            boiler.extend(b)
            tokens.update(t)
            if lin is not None:
                lineages.append(lin)
        pairs.sort(key=lambda p: (p.a, p.b))
        boiler.sort(key=lambda b: (b.doc, b.chars))
        return AuditResult(
            documents=tuple(docs),
            skipped=tuple(sorted(skipped, key=lambda s: s.path)),
            pairs=tuple(pairs),
            boilerplate=tuple(boiler),
            lineage=_merge_lineage(lineages, ids) if settings.lineage else None,
            settings=settings.as_dict(),
            tokens={i: tokens[i] for i in ids},
        )
    finally:
        if own is not None:
            client.close()
            own.close()
