"""The one public entry point: ``audit(documents, settings) -> AuditResult``.

Each stage's module (nltk, numba, scipy, networkx behind them) is imported by
the function that runs it, so that ``import provenance`` and the command
line's ``--help`` load none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from provenance.model import AuditResult, Boilerplate, Document, PairEvidence, Skipped, TokenStream
from provenance.settings import Settings

if TYPE_CHECKING:
    import numpy as np

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


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
    the pairs (the result does not depend on it).
    """
    from provenance import align, index, passages

    ids = [d.id for d in docs]
    tick("index", 0, 1)
    matches, runs, corpus, sa = index.maximal_matches(streams, settings.k, settings.max_df, boilerplate)
    tick("index", 1, 1)
    pairs = passages.pair_evidence(matches, streams, ids, settings.max_gap)
    if keep is not None:
        pairs = [p for p in pairs if keep(p.a, p.b)]
    if settings.align:
        pairs = align.enrich(docs, streams, pairs, settings, jobs=jobs, progress=tick)
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
) -> AuditResult:
    """Run every stage over ``documents`` and return the whole result.

    ``skipped`` are inputs that did not become documents; they are carried into
    the result so that reports list them.  ``progress(stage, done, total)`` is
    called as work advances; ``jobs`` processes share the tokenizing, the
    alignment of pairs across edits and the weighing of candidate edges
    (same result).
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
    with threadpool_limits(limits=1):
        streams = tokenize_stage(docs, settings, tick, jobs=jobs)
        settings = chosen(docs, streams, settings)
        pairs, boiler = match_stage(docs, streams, settings, tick, jobs=jobs)

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
