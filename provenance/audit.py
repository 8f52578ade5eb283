"""The one public entry point: ``audit(documents, settings) -> AuditResult``.

Each stage's module (nltk, numba, scipy, networkx behind them) is imported by
the function that runs it, so that ``import provenance`` and the command
line's ``--help`` load none of them.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provenance.model import AuditResult, Boilerplate, Document, PairEvidence, Skipped, TokenStream
from provenance.settings import Settings

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import numpy as np

    from provenance.index import BoilerplateRuns, Corpus, Matches

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: Peak memory of an audit (the audit's process and its ``jobs`` workers
#: together, proportional set sizes), estimated as PEAK_BASE + PEAK_PER_TOKEN x
#: tokens + PEAK_PER_RUN x the exact runs two documents share, plus
#: PEAK_PER_WORKER for each worker process when ``jobs`` > 1 (an aligning
#: process is a new interpreter with the aligner loaded; the documents'
#: sentences it reads are one file the workers share, counted with the
#: tokens).  First fitted on 2026-12-01 to whole audits, outputs written, on
#: two processes: the dense news corpus (``dense_corpus.py`` 500, 1,000 and
#: 2,000 articles), 3,000 sparse synthetic articles (2.1 M tokens, 13,900
#: runs: 553 MB) and 20 books of 60,000 and 120,000 words (``books.shelf``,
#: 1.2 M and 2.4 M tokens: 342 and 413 MB), which set the base and the tokens'
#: share.  The runs' share refitted on 2026-12-08, after the passages' spans
#: and runs were packed (``model.Passage``), to whole ``provenance audit``
#: runs of the dense corpus on one process: 2,000 articles (1.22 M tokens,
#: 505,107 runs) 786 MB, 5,000 (2.85 M, 2.01 M runs) 1,893 MB, 10,000 (5.69 M,
#: 4.81 M runs) 3,942 MB, 568 to 629 bytes a run, raised to 800 so that every
#: peak is at least 9.5% below its estimate.  Until the aligning processes
#: were new interpreters (``align.prepare``) they were forks, and each page
#: the audit wrote while they ran was held twice: a share of 100 bytes a run
#: for each of them.  Now two processes take no more than one but for the
#: workers' own interpreters, about 95 MB each: 2,000 articles 901 MB on two
#: (785 on one), 5,000 1,939 (1,935), 10,000 3,750 and 3,748 (3,942); 128 MB
#: each is their share, which also covers the lineage's forked workers.
PEAK_BASE = 250 * 2**20
PEAK_PER_TOKEN = 200
PEAK_PER_RUN = 800
PEAK_PER_WORKER = 128 * 2**20


class MemoryLimitError(Exception):
    """The audit would need more memory than it may use: raised before the
    large stages, with what it would need and what to do."""

    def __init__(self, needed: int, limit: int, tokens: int, pairs: int | None) -> None:
        self.needed, self.limit, self.tokens, self.pairs = needed, limit, tokens, pairs
        size = f"{tokens:,} words" + (f" and {pairs:,} related pairs" if pairs is not None else "")
        super().__init__(
            f"this audit would need about {_gb(needed)} of memory ({size}) even on one process, more than the "
            f"{_gb(limit)} it may use (--max-memory, by default most of the memory available): audit the folder in "
            "parts (--include/--exclude, or one subfolder at a time), or give it more with --max-memory on a "
            "machine that has it")


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def estimate_peak(tokens: int, runs: int = 0, jobs: int = 1) -> int:
    """Peak memory, in bytes, of auditing ``tokens`` word tokens whose documents
    share ``runs`` exact runs, on ``jobs`` processes, outputs included (the
    index and the texts grow with the tokens; the Python objects of passages,
    lineage evidence and the report's data with the runs)."""
    workers = jobs if jobs > 1 else 0
    return PEAK_BASE + PEAK_PER_TOKEN * tokens + PEAK_PER_RUN * runs + PEAK_PER_WORKER * workers


def available_memory() -> int | None:
    """MemAvailable of /proc/meminfo in bytes (what can be used without
    swapping), or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_max_memory() -> int | None:
    """Most of the memory available now (four fifths of MemAvailable): the rest
    is left to the system and to other programs."""
    free = available_memory()
    return None if free is None else free * 4 // 5


def jobs_within(limit: int | None, tokens: int, runs: int, pairs: int | None, jobs: int) -> int:
    """The most processes, up to ``jobs``, whose audit's estimated peak stays
    within ``limit`` (each worker process is an interpreter of its own);
    ``MemoryLimitError`` when even one process would not.
    Fewer processes change nothing in the result, only the time."""
    if limit is None:
        return jobs
    fits = next((j for j in range(jobs, 0, -1) if estimate_peak(tokens, runs, j) <= limit), None)
    if fits is None:
        raise MemoryLimitError(estimate_peak(tokens, runs, 1), limit, tokens, pairs)
    if fits < jobs:
        log.warning("the audit would need about %s of memory on %d processes, more than the %s it may use "
                    "(--max-memory): it runs on %d (about %s), which takes longer and gives the same result",
                    _gb(estimate_peak(tokens, runs, jobs)), jobs, _gb(limit), fits,
                    _gb(estimate_peak(tokens, runs, fits)))
    return fits


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the stages build their
    millions of small objects (passages, runs, evidence, the outputs' dicts),
    none of which form cycles: each collection of the oldest generation walks
    every object alive, and they came often enough to make building the
    dense 2,000-article audit's dicts take 10.4 s instead of 1.1 s.  Reference
    counting still frees everything; the collector is switched back on after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def tokenize_stage(docs: Sequence[Document], settings: Settings, tick: Progress = _quiet, *,
                   jobs: int = 1) -> list[TokenStream]:
    """Token streams of ``docs`` (sorted by id), sharing one vocabulary, on
    ``jobs`` processes (the streams do not depend on it)."""
    from provenance.tokenize import Vocabulary, tokenize_many

    vocab = Vocabulary(stem=settings.stem)
    return tokenize_many([d.text for d in docs], vocab, jobs, lambda done: tick("tokenize", done, len(docs)))


def chosen(docs: Sequence[Document], streams: Sequence[TokenStream], settings: Settings) -> Settings:
    """``settings`` with min_len chosen from the texts if it was left to them:
    from every input's tokens, identical inputs (``copies``) included."""
    return settings.for_texts([len(s) for d, s in zip(docs, streams) for _ in range(1 + len(d.copies))])


def match_stage(
    docs: Sequence[Document], streams: Sequence[TokenStream], settings: Settings, tick: Progress = _quiet,
    *, boilerplate: Sequence[np.ndarray] | None = None, keep: Callable[[str, str], bool] | None = None,
    jobs: int = 1,
) -> tuple[list[PairEvidence], list[Boilerplate]]:
    """The engine: suffix array, maximal matches, passages per pair, boilerplate.

    ``docs`` must be sorted by id and ``streams`` in the same order.  For a
    part of a larger collection (``distributed``): ``boilerplate`` gives the
    collection's boilerplate runs per stream (then none are recorded here) and
    ``keep(a, b)`` the pairs this part answers for.  ``jobs`` processes align
    the pairs (the result does not depend on it).  ``audit`` runs its two
    halves itself, with the memory guard between them.
    """
    found = index_stage(streams, settings, tick, boilerplate=boilerplate)
    return passage_stage(docs, streams, settings, found, tick, keep=keep, jobs=jobs)


@dataclass(frozen=True)
class Found:
    """What the suffix array found: the maximal matches between documents,
    the runs too common to expand, the joined corpus and its suffix array."""

    matches: Matches
    runs: BoilerplateRuns
    corpus: Corpus
    sa: np.ndarray

    def size(self, n_streams: int) -> tuple[int, int]:
        """The exact runs two documents share and the pairs they relate."""
        import numpy as np

        m = self.matches
        if not len(m):
            return 0, 0
        key = m.a.astype(np.int64) * n_streams + m.b  # sorted by (a, b): pairs are its changes
        return len(m), int(np.count_nonzero(np.diff(key))) + 1


def index_stage(streams: Sequence[TokenStream], settings: Settings, tick: Progress = _quiet, *,
                boilerplate: Sequence[np.ndarray] | None = None) -> Found:
    """The suffix array over every stream and its maximal matches (``match_stage``'s first half)."""
    from provenance import index

    tick("index", 0, 1)
    found = Found(*index.maximal_matches(streams, settings.k, settings.max_df, boilerplate))
    tick("index", 1, 1)
    return found


def passage_stage(docs: Sequence[Document], streams: Sequence[TokenStream], settings: Settings, found: Found,
                  tick: Progress = _quiet, *, keep: Callable[[str, str], bool] | None = None,
                  jobs: int = 1, workers: Executor | None = None) -> tuple[list[PairEvidence], list[Boilerplate]]:
    """Passages per pair from the matches, aligned across edits on ``jobs``
    processes (``workers``: started by ``align.prepare``), and the boilerplate
    (``match_stage``'s second half)."""
    from provenance import align, passages

    ids = [d.id for d in docs]
    matches, runs, corpus, sa = found.matches, found.runs, found.corpus, found.sa
    pairs = passages.pair_evidence(matches, streams, ids, settings.max_gap)
    if keep is not None:
        pairs = [p for p in pairs if keep(p.a, p.b)]
    if settings.align:
        pairs = align.enrich(docs, streams, pairs, settings, jobs=jobs, progress=tick, workers=workers)
    boiler = passages.boilerplate(runs, corpus, sa, streams, docs, settings.k)
    tick("passages", 1, 1)
    return pairs, boiler


def audit(
    documents: Sequence[Document],
    settings: Settings | None = None,
    *,
    skipped: Sequence[Skipped] = (),
    progress: Progress | None = None,
    jobs: int = 1,
    max_memory: int | None = None,
) -> AuditResult:
    """Run every stage over ``documents`` and return the whole result.

    ``skipped`` are inputs that did not become documents; they are carried into
    the result so that reports list them.  ``progress(stage, done, total)`` is
    called as work advances; ``jobs`` processes share the tokenizing, the
    alignment of pairs across edits and the weighing of candidate edges
    (same result).  ``max_memory`` (bytes): before any large stage, the
    estimated peak (``estimate_peak``, first from the tokens, then from the
    matches) must fit in it, on fewer processes than ``jobs`` if need be
    (``jobs_within``); ``MemoryLimitError`` when it does not fit on one.
    """
    settings = settings or Settings()
    tick = progress or _quiet
    docs = sorted(documents, key=lambda d: d.id)
    seen: set[str] = set()
    for d in docs:
        if d.id in seen:
            raise ValueError(f"duplicate document id {d.id!r} ({d.path})")
        seen.add(d.id)

    from threadpoolctl import threadpool_limits

    # one BLAS thread per process on every path: the stages parallelize by
    # processes (``jobs``), and BLAS threads on top of them, or beside another
    # program, oversubscribe the cores (40-47 s against 15.9 s for news-2018
    # when another process shared them)
    with threadpool_limits(limits=1), gc_paused():
        streams = tokenize_stage(docs, settings, tick, jobs=jobs)
        tokens = sum(len(s) for s in streams)
        jobs_within(max_memory, tokens, 0, None, jobs)  # the index and the texts alone must fit
        settings = chosen(docs, streams, settings)
        workers = None
        if settings.align:
            from provenance import align

            workers = align.prepare(jobs, len(docs))  # they load while the index is built
        try:
            found = index_stage(streams, settings, tick)
            # once the matches are known, before the passages are made: fewer processes, or a stop
            fewer = jobs_within(max_memory, tokens, *found.size(len(streams)), jobs)
            if fewer != jobs and workers is not None:
                align.release(workers)
                workers = None
            jobs = fewer
            pairs, boiler = passage_stage(docs, streams, settings, found, tick, jobs=jobs, workers=workers)
        finally:
            if workers is not None:
                align.release(workers)  # released already unless a stage failed
        del found

        lineage = None
        if settings.lineage:
            from provenance import lineage as lineage_stage

            lineage = lineage_stage.infer(docs, streams, pairs, settings, jobs=jobs)
            tick("lineage", 1, 1)

    return AuditResult(
        documents=tuple(docs),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        pairs=tuple(pairs),
        boilerplate=tuple(boiler),
        lineage=lineage,
        settings=settings.as_dict(),
        tokens={d.id: len(s) for d, s in zip(docs, streams)},
    )
