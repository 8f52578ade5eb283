"""Sentence alignment of book-length pairs grows linearly with their length.

One pair of books (``books.py``: PAN 2013 source documents joined, and the
suspicious documents holding their edited passages joined) at ``L`` and
``2L`` words of the source book; both are aligned in the same run, and the
ratio of their times (best of five, the two sizes in turn) and of their peak traced memory must
grow no faster than the pair's tokens (which grow 1.6 to 1.9 times: the copy
books' suspicious documents vary in length) times 1.25, never an absolute
time.  CI: L = 30,000 words (141,000 tokens in the pair);
``PROVENANCE_BENCH_SCALE=full``: L = 60,000 (232,000 tokens).
"""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

from provenance import align
from provenance.audit import tokenize_stage
from provenance.settings import Settings
from tests.bench.books import book_documents
from tests.bench.synth import full_scale, scaled

#: Time and peak memory may grow at most this much faster than the pair's tokens
#: (doubling the tokens: at most 2.5 times the time and memory).
MAX_RATIO = 1.25


def _pair(words: int) -> tuple[align.Sentences, align.Sentences]:
    docs = book_documents(words)
    streams = tokenize_stage(docs, Settings())
    sa, sb = (align.sentences(d, s) for d, s in zip(docs, streams))
    return sa, sb


def _tokens(pair: tuple[align.Sentences, align.Sentences]) -> int:
    return sum(int(s.rows.shape[0]) for s in pair)


def _best(sa: align.Sentences, sb: align.Sentences) -> float:
    t = time.perf_counter()
    align.align_pair(sa, sb, both_ways=True)
    return time.perf_counter() - t


def _peak(sa: align.Sentences, sb: align.Sentences) -> tuple[int, int]:
    tracemalloc.start()
    try:
        found = align.align_pair(sa, sb, both_ways=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, len(found)


def test_alignment_time_and_memory_grow_linearly(benchmark: Any) -> None:
    words = scaled(60_000, 30_000)
    short, long = _pair(words), _pair(2 * words)
    # the two sizes in turn, best of five each: a change in the machine's load between
    # them would otherwise be read as growth
    t1 = t2 = float("inf")
    for _ in range(5):
        t1, t2 = min(t1, _best(*short)), min(t2, _best(*long))
    (m1, n1), (m2, n2) = _peak(*short), _peak(*long)
    benchmark.pedantic(align.align_pair, args=long, kwargs={"both_ways": True}, rounds=1, iterations=1)
    print(f"\n{words} words: {t1:.2f} s, {m1 / 1e6:.0f} MB, {n1} passages; "
          f"{2 * words} words: {t2:.2f} s, {m2 / 1e6:.0f} MB, {n2} passages; "
          f"tokens {_tokens(long) / _tokens(short):.2f}x, time {t2 / t1:.2f}x, memory {m2 / m1:.2f}x")
    grew = _tokens(long) / _tokens(short)
    assert n2 >= 1.5 * n1  # twice the copied passages are found
    if full_scale():  # at the CI size a pair aligns in a quarter second: its time ratio is noise on a shared machine
        assert t2 / t1 <= MAX_RATIO * grew, f"time grew {t2 / t1:.2f}x for {grew:.2f}x the tokens"
    assert m2 / m1 <= MAX_RATIO * grew, f"peak memory grew {m2 / m1:.2f}x for {grew:.2f}x the tokens"
