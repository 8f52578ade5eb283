"""Index + passages throughput on real news text replicated with edits.

Target on the 2-core machine: 2 M tokens/s or more for the engine stages
(suffix array, LCP scan, passages per pair, boilerplate), tokenization
excluded: ``match_stage`` on streams made beforehand by ``tokenize_stage``.
Sizes: 1 M and 10 M tokens with ``PROVENANCE_BENCH_SCALE=full``, 50,000 tokens
otherwise (CI runs it once, untimed, for its assertions).
"""

from __future__ import annotations

import pytest

from provenance.audit import match_stage, tokenize_stage
from provenance.settings import Settings

from .synth import full_scale, make_tokens, scaled

SMALL_TOKENS = 50_000


@pytest.mark.parametrize("full_tokens", [1_000_000, 10_000_000], ids=["1M", "10M"])
def test_index_and_passages_throughput(benchmark, news_corpus, full_tokens: int) -> None:  # type: ignore[no-untyped-def]
    corpus = make_tokens(scaled(full_tokens, SMALL_TOKENS))
    docs = list(corpus.documents)  # sorted by id, as match_stage needs
    settings = Settings()
    streams = tokenize_stage(docs, settings)
    n_tokens = sum(len(s) for s in streams)
    match_stage(docs[:2], streams[:2], settings)  # load the compiled scans before timing

    pairs, boiler = benchmark.pedantic(
        match_stage, args=(docs, streams, settings), rounds=3 if full_scale() else 1, iterations=1
    )

    benchmark.extra_info.update(
        {"tokens": n_tokens, "documents": len(docs), "pairs": len(pairs), "boilerplate": len(boiler)}
    )
    if benchmark.stats is not None:  # None under --benchmark-disable
        stats = benchmark.stats.stats
        benchmark.extra_info["tokens_per_s"] = round(n_tokens / stats.mean)
        benchmark.extra_info["tokens_per_s_best"] = round(n_tokens / stats.min)

    # Every planted copy is found: a derived article shares passages with its source.
    planted = corpus.planted_pairs()
    missed = planted - {(p.a, p.b) for p in pairs}
    assert planted, "the synthetic corpus has no derived articles"
    assert not missed, f"{len(missed)} planted copies not found, e.g. {sorted(missed)[:3]}"
    # None is invented: outside a family of copies, what two articles share is
    # a stray fragment, never half of either article.
    invented = [
        (p.a, p.b) for p in pairs
        if corpus.family(p.a) != corpus.family(p.b) and max(p.covered_a, p.covered_b) >= 0.5
    ]
    assert not invented, f"unrelated articles reported as copies: {invented[:3]}"


def test_tokenize_throughput(benchmark, news_corpus) -> None:  # type: ignore[no-untyped-def]
    """The stage before the engine, for comparison: the largest share of a whole audit."""
    corpus = make_tokens(scaled(1_000_000, SMALL_TOKENS))
    docs = list(corpus.documents)

    streams = benchmark.pedantic(tokenize_stage, args=(docs, Settings()), rounds=1, iterations=1)

    n_tokens = sum(len(s) for s in streams)
    benchmark.extra_info.update({"tokens": n_tokens, "documents": len(docs)})
    if benchmark.stats is not None:
        benchmark.extra_info["tokens_per_s"] = round(n_tokens / benchmark.stats.stats.mean)
    # The tokenizer and the generator agree on what a word token is (runs of \w).
    assert n_tokens == corpus.tokens
