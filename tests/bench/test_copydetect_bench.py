"""Against the peer: copydetect (winnowing, all pairs) on the same 2,000 articles.

copydetect is a benchmark-only dependency (``pip install '.[bench]'``); without
it the comparison is skipped.  It needs ``disable_filtering`` on prose: its
lexer otherwise drops the text of plain files and it reports nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from provenance.audit import audit
from provenance.settings import Settings
from .synth import make_corpus, scaled, write_folder


def _copydetect(folder: Path) -> tuple[float, set[tuple[str, str]]]:
    cd = pytest.importorskip("copydetect", reason="copydetect not installed (pip install '.[bench]')")
    t0 = time.perf_counter()
    det = cd.CopyDetector(
        test_dirs=[str(folder)], extensions=["txt"], disable_filtering=True,
        autoopen=False, silent=True, display_t=0.1,
    )
    det.run()
    elapsed = time.perf_counter() - t0
    pairs = set()
    for _sim1, _sim2, f1, f2, *_ in det.get_copied_code_list():
        a, b = sorted((Path(f1).stem, Path(f2).stem))
        pairs.add((a, b))
    return elapsed, pairs


def test_faster_than_copydetect(benchmark, news_corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    n = scaled(2_000, 150)
    corpus = make_corpus(n)
    folder = write_folder(corpus, tmp_path / "articles")
    theirs, their_pairs = _copydetect(folder)
    assert their_pairs, "copydetect reported nothing: the comparison would be void"

    timings: list[float] = []

    def ours() -> set[tuple[str, str]]:
        t0 = time.perf_counter()
        result = audit(corpus.documents, Settings(lineage=False))
        timings.append(time.perf_counter() - t0)
        return {(p.a, p.b) for p in result.pairs}

    our_pairs = benchmark.pedantic(ours, rounds=1, iterations=1)
    benchmark.extra_info.update({"articles": n, "ours_s": round(timings[-1], 2), "copydetect_s": round(theirs, 2)})
    planted = {(min(c, p), max(c, p)) for c, p in corpus.parent.items()}
    assert planted <= our_pairs
    assert timings[-1] < theirs
