"""The lineage stage's share of the audit on the synthetic news corpus.

Target (issue 12): lineage under 15% of the audit of 10,000 articles.
Measured here in one process, stage by stage, as ``provenance audit`` runs
them: reading the folder, tokenize, index and passages, lineage, and the
JSON of ``audit.json``.  Size: 10,000 articles with
``PROVENANCE_BENCH_SCALE=full``, 300 otherwise.
The share is asserted at full scale only: at the CI size the stages take a
fraction of a second and their ratio is noise; there the benchmark checks
that the forest is well formed: every article placed once, as a root or a
child, and every edge between two articles backed by a shared passage (no
timing in CI).
"""

from __future__ import annotations

import time

from provenance import export, lineage, sources
from provenance.audit import chosen, match_stage, tokenize_stage
from provenance.model import AuditResult
from provenance.settings import Settings

from .synth import full_scale, make_corpus, scaled, write_folder

MAX_SHARE = 0.15


def test_lineage_share_of_audit(benchmark, news_corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = scaled(10_000, 300)
    folder = write_folder(make_corpus(n), tmp_path / "articles")
    settings = Settings(min_len=None)
    t0 = time.perf_counter()
    docs = sorted(sources.load(folder, sources.Options()).documents, key=lambda d: d.id)
    streams = tokenize_stage(docs, settings)
    settings = chosen(docs, streams, settings)
    pairs, boiler = match_stage(docs, streams, settings)
    before = time.perf_counter() - t0
    timings: list[float] = []
    results = []

    def run() -> None:
        t = time.perf_counter()
        results.append(lineage.infer(docs, streams, pairs, settings))
        timings.append(time.perf_counter() - t)

    benchmark.pedantic(run, rounds=1, iterations=1)
    t1 = time.perf_counter()
    result = AuditResult(documents=tuple(docs), skipped=(), pairs=tuple(pairs), boilerplate=tuple(boiler),
                         lineage=results[-1], settings=settings.as_dict(),
                         tokens={d.id: len(x) for d, x in zip(docs, streams)})
    export.dumps(export.to_dict(result, "bench"))
    after = time.perf_counter() - t1
    share = timings[-1] / (before + timings[-1] + after)
    benchmark.extra_info.update({"articles": n, "pairs": len(pairs), "stages_before_s": round(before, 2),
                                 "lineage_s": round(timings[-1], 2), "json_s": round(after, 2),
                                 "share": round(share, 3)})
    result = results[-1]
    placed = sorted([*result.roots, *(e.child for e in result.edges)])
    latent = {x.id for x in result.latent}
    assert sorted({*placed} - latent) == sorted(d.id for d in docs), "an article is missing from the forest"
    assert len(placed) == len(set(placed)), "an article placed twice"
    related = {(p.a, p.b) for p in pairs}
    unbacked = [(e.child, e.parent) for e in result.edges if e.parent not in latent and e.child not in latent
                and (min(e.child, e.parent), max(e.child, e.parent)) not in related]
    assert result.edges and not unbacked, f"edges without a shared passage: {unbacked[:3]}"
    if full_scale():
        assert share < MAX_SHARE, f"lineage took {timings[-1]:.2f} s, {share:.1%} of the audit"
    print(benchmark.extra_info)
