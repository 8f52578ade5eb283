"""Index + passages throughput on real news text replicated with edits.

Target on the 2-core machine: 2 M tokens/s or more for the engine stages
(suffix array, LCP scan, passages), tokenization excluded.
"""

from __future__ import annotations

import pytest

from provenance.audit import match_stage, tokenize_stage
from provenance.settings import Settings
from .synth import make_tokens, scaled


@pytest.mark.parametrize("full_tokens", [1_000_000, 10_000_000], ids=["1M", "10M"])
def test_index_and_passages_throughput(benchmark, news_corpus, full_tokens: int) -> None:  # type: ignore[no-untyped-def]
    corpus = make_tokens(scaled(full_tokens, 50_000))
    docs = sorted(corpus.documents, key=lambda d: d.id)
    settings = Settings()
    streams = tokenize_stage(docs, settings)
    n_tokens = sum(len(s) for s in streams)
    match_stage(docs[:2], streams[:2], settings)  # load the compiled scan before timing

    pairs, _ = benchmark.pedantic(match_stage, args=(docs, streams, settings), rounds=3, iterations=1)

    if benchmark.stats is not None:
        mean = benchmark.stats.stats.mean
        benchmark.extra_info["tokens"] = n_tokens
        benchmark.extra_info["tokens_per_s"] = round(n_tokens / mean)
    # every planted copy is found: a derived article shares passages with its parent
    found = {(p.a, p.b) for p in pairs}
    missed = [c for c, p in corpus.parent.items() if (min(c, p), max(c, p)) not in found]
    assert corpus.parent and not missed
