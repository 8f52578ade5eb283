"""The whole ``provenance audit`` of a folder of 10,000 articles, as a user runs it.

Targets on the 2-core machine: 60 s or less, peak memory under 4 GB.  The audit
runs in a child process so its peak resident memory can be read.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from .synth import make_corpus, scaled, write_folder


def run_audit(folder: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one CLI audit in a child process."""
    code = (
        "import resource, sys; from provenance.cli import main; rc = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)"
    )
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, "audit", str(folder), "--out", str(out), "--quiet"],
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    return elapsed, peak_kib * 1024


def test_audit_10k_articles(benchmark, news_corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    n = scaled(10_000, 300)
    corpus = make_corpus(n)
    folder = write_folder(corpus, tmp_path / "articles")
    out = tmp_path / "out"
    figures: list[tuple[float, int]] = []
    benchmark.pedantic(lambda: figures.append(run_audit(folder, out)), rounds=1, iterations=1)
    elapsed, peak = figures[-1]
    benchmark.extra_info.update({"articles": n, "wall_s": round(elapsed, 2), "peak_rss_mb": round(peak / 2**20)})
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss > 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert len(data["documents"]) == n
    found = {(p["a"], p["b"]) for p in data["pairs"]}
    assert all((min(c, p), max(c, p)) in found for c, p in corpus.parent.items())
