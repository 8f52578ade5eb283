"""Against the peer: copydetect (winnowing, all pairs) on the same folder of 2,000 articles.

copydetect is a benchmark-only dependency (``pip install '.[bench]'``); without
it the comparison is skipped.  It needs ``disable_filtering`` on prose: its
lexer otherwise drops the text of plain files and it reports nothing.  Both
sides do the same job from the same folder: read every file and find what
each pair shares.  copydetect's timing is ``CopyDetector(...).run()`` (files
read, fingerprints, the all-pairs similarity matrix; no HTML report); ours is
``sources.load_folder`` then ``audit`` without the lineage stage (copydetect
has none).  Size: 2,000 articles with ``PROVENANCE_BENCH_SCALE=full``, 150
otherwise.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from provenance.audit import audit
from provenance.settings import Settings
from provenance.sources import load_folder

from .synth import full_scale, make_corpus, scaled, write_folder


def _copydetect(folder: Path) -> tuple[float, set[tuple[str, str]]]:
    """copydetect's wall seconds, and the pairs it reports over its default display threshold."""
    cd = pytest.importorskip("copydetect", reason="copydetect not installed (pip install '.[bench]')")
    t0 = time.perf_counter()
    det = cd.CopyDetector(
        test_dirs=[str(folder)], extensions=["txt"], disable_filtering=True, autoopen=False, silent=True,
    )
    det.run()
    elapsed = time.perf_counter() - t0
    names = [Path(f).stem for f in det.test_files]
    sim = det.similarity_matrix[:, :, 0]  # share of row file's fingerprints found in column file
    over = sim > det.conf.display_t
    rows, cols = (over | over.T).nonzero()
    pairs = {(min(names[i], names[j]), max(names[i], names[j])) for i, j in zip(rows, cols) if i != j}
    return elapsed, pairs


def test_faster_than_copydetect(benchmark, news_corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    n = scaled(2_000, 150)
    corpus = make_corpus(n)
    folder = write_folder(corpus, tmp_path / "articles")
    planted = corpus.planted_pairs()  # by file: copydetect does not fold identical files

    theirs, their_pairs = _copydetect(folder)
    # The comparison is void unless copydetect did the work: it must report planted copies.
    assert their_pairs & planted, "copydetect reported none of the planted copies: the comparison would be void"

    # numba compiles the engine's scans once and caches them on disk; a cold
    # cache (a fresh clone) costs seconds that no later run pays, so load it first.
    audit(corpus.documents[:2], Settings(lineage=False))
    timings: list[float] = []

    def ours() -> tuple[set[tuple[str, str]], dict[str, tuple[str, ...]]]:
        t0 = time.perf_counter()
        loaded = load_folder(folder, Settings().max_bytes)
        result = audit(loaded.documents, Settings(lineage=False), skipped=loaded.skipped)
        timings.append(time.perf_counter() - t0)
        return {(p.a, p.b) for p in result.pairs}, {d.id: d.copies for d in result.documents}

    our_pairs, copies = benchmark.pedantic(ours, rounds=1, iterations=1)
    ours_planted = corpus.planted_pairs(copies)  # identical files are folded into one document

    benchmark.extra_info.update(
        {
            "articles": n, "ours_s": round(timings[-1], 2), "copydetect_s": round(theirs, 2),
            "planted": len(planted), "copydetect_found": len(planted & their_pairs),
            "ours_planted": len(ours_planted), "ours_found": len(ours_planted & our_pairs),
        }
    )
    assert ours_planted <= our_pairs, f"planted copies we missed: {sorted(ours_planted - our_pairs)[:3]}"
    if full_scale():  # a speed claim, checked at the real size only
        assert timings[-1] < theirs, f"ours {timings[-1]:.2f} s, copydetect {theirs:.2f} s"
