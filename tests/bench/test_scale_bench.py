"""Speed and memory on what users have: dense wire-copy folders, book-length texts, many sparse articles (issue 13).

Every audit here is ``provenance audit DIR --out OUT -q`` in a child process,
as a user runs it (interpreter, imports, reading, every stage, audit.json and
report.html written), with the peak resident memory of the audit's process.
The machine is shared and its speed varies, so targets are ratios against a
reference run beside them in the same session; bounds (seconds, gigabytes)
are asserted at full scale only (``PROVENANCE_BENCH_SCALE=full``).

- **dense**: ``../shared/bench/dense_corpus.py N`` (the 612 news-2018
  articles and edited copies of them, about 6% of all pairs related), against
  copydetect (all pairs, ``-f``) on the same folder; and the curve of time and
  memory against tokens and related pairs at 1k, 2k, 5k and 10k articles
  (150 and 300 in CI).
- **books**: 20 texts built from real sentences with chapters shared between
  pairs of them (``books.shelf``), at 1x, 2x and 4x the length (60,000 words
  at 1x; 12,000 in CI): time and memory must grow no faster than the tokens.
- **sparse**: 10,000 synthetic articles (``synth``; 300 in CI), the default
  audit against ``--no-align`` beside it.
- **estimate**: the memory guard's estimate (``audit.estimate_peak``) is
  never below the measured peak of the dense audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from provenance.audit import estimate_peak
from provenance.settings import usable_cores

from .books import shelf
from .synth import WARM, full_scale, make_corpus, scaled, write_folder
from .test_audit_bench import _CHILD  # the audit in a child that prints its own peak

DENSE = Path(__file__).resolve().parents[3] / "shared" / "bench" / "dense_corpus.py"
GB = 2**30

_COPYDETECT = (
    "import sys, copydetect as cd\n"
    "det = cd.CopyDetector(test_dirs=[sys.argv[1]], extensions=['txt'], disable_filtering=True, autoopen=False,"
    " silent=True)\n"
    "det.run()\n"
    "print(int((det.similarity_matrix[:, :, 0] > det.conf.display_t).sum()))\n"
)


def _tree_pss(pid: int) -> int:
    """Proportional set size, bytes, of process ``pid`` and its descendants (0 where unreadable):
    memory they use together, shared pages counted once."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


class Stopped(Exception):
    """The audit stopped itself (exit 2) because it would need more memory than it may use."""


def audit_child(folder: Path, out: Path, *extra: str, pss: list[int] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one ``provenance audit`` in a child process; with ``pss``,
    also the peak memory of the audit and its worker processes together (sampled every 0.2 s).
    Raises ``Stopped`` when the memory guard stopped it."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, "audit", str(folder), "--out", str(out), "-q", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_pss = 0
    if pss is not None:
        while proc.poll() is None:
            peak_pss = max(peak_pss, _tree_pss(proc.pid))
            time.sleep(0.2)
        pss.append(peak_pss)
    _, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    if proc.returncode == 2 and "--max-memory" in err:
        raise Stopped(err.strip().splitlines()[0])
    assert proc.returncode == 0, f"audit failed ({proc.returncode}): {err[-2000:]}"
    return elapsed, int(err.strip().splitlines()[-1]) * 1024


def dense_folder(n: int, folder: Path) -> Path:
    if not DENSE.is_file():
        pytest.skip(f"{DENSE} is absent (the dense corpus is built from news-2018 by it)")
    if not folder.is_dir():
        subprocess.run([sys.executable, str(DENSE), str(n), str(folder)], check=True)
    return folder


def _sizes(out: Path) -> dict[str, Any]:
    data = json.loads((out / "audit.json").read_bytes())
    return {"tokens": sum(d["tokens"] for d in data["documents"]), "pairs": len(data["pairs"]),
            "passages": sum(len(p["passages"]) for p in data["pairs"]),
            "aligned": sum(q["kind"] == "aligned" for p in data["pairs"] for q in p["passages"]),
            "json_mb": round((out / "audit.json").stat().st_size / 2**20, 1),
            "html_mb": round((out / "report.html").stat().st_size / 2**20, 1)}


def _matches(folder: Path) -> tuple[int, int]:
    """Tokens and exact runs of the folder, as the audit's memory guard counts them."""
    from provenance import index, sources
    from provenance.audit import chosen, tokenize_stage
    from provenance.settings import Settings

    docs = sorted(sources.load(folder, sources.Options()).documents, key=lambda d: d.id)
    settings = Settings(min_len=None)
    streams = tokenize_stage(docs, settings)
    settings = chosen(docs, streams, settings)
    return sum(len(s) for s in streams), len(index.maximal_matches(streams, settings.k, settings.max_df)[0])


def _warm(tmp_path: Path) -> None:
    """numba compiles the engine's and the aligner's kernels once and caches them on disk: paid here, not by the timed runs."""
    audit_child(WARM, tmp_path / "warm-out")


def test_dense_against_copydetect(benchmark: Any, news_corpus: None, tmp_path: Path) -> None:
    """Target: the whole audit at least 5x faster than copydetect on 2,000 dense articles, peak 1.5 GB or less."""
    pytest.importorskip("copydetect", reason="copydetect not installed (pip install '.[bench]')")
    n = scaled(2_000, 300)
    folder = dense_folder(n, tmp_path / "dense")
    _warm(tmp_path)
    t0 = time.perf_counter()
    theirs = subprocess.run([sys.executable, "-c", _COPYDETECT, str(folder)], capture_output=True, text=True,
                            check=True)
    their_s = time.perf_counter() - t0
    assert int(theirs.stdout.strip().splitlines()[-1]) > n, "copydetect reported next to nothing: a void comparison"
    figures: list[tuple[float, int]] = []
    together: list[int] = []
    benchmark.pedantic(lambda: figures.append(audit_child(folder, tmp_path / "out", pss=together)),
                       rounds=1, iterations=1)
    ours_s, peak = figures[-1]
    sizes = _sizes(tmp_path / "out")
    tokens, runs = _matches(folder)
    estimate = estimate_peak(tokens, runs, jobs=usable_cores())
    info = {"articles": n, **sizes, "ours_s": round(ours_s, 1), "copydetect_s": round(their_s, 1),
            "speedup": round(their_s / ours_s, 2), "peak_mb": peak >> 20, "with_workers_mb": together[-1] >> 20,
            "estimate_mb": estimate >> 20}
    benchmark.extra_info.update(info)
    print("\n" + json.dumps(info))
    assert sizes["pairs"] > n and sizes["aligned"], "the dense corpus is dense and edited"
    used = max(peak, together[-1])
    assert estimate >= used, f"the memory guard's estimate {estimate >> 20} MB is below the peak {used >> 20} MB"
    if full_scale():
        assert peak <= 1.5 * GB, f"peak {peak / GB:.2f} GB"
        assert their_s / ours_s >= 5, f"{their_s / ours_s:.2f}x copydetect's speed, target 5x"


def test_dense_curve(benchmark: Any, news_corpus: None, tmp_path: Path) -> None:
    """Time and memory against tokens and related pairs, printed (1k, 2k, 5k, 10k at full scale)."""
    sizes = (1_000, 2_000, 5_000, 10_000) if full_scale() else (150, 300)
    _warm(tmp_path)
    rows = []
    for n in sizes:
        folder = dense_folder(n, tmp_path / f"dense{n}")
        try:
            elapsed, peak = audit_child(folder, tmp_path / f"out{n}")
        except Stopped as exc:  # the curve goes on; the bound below fails on it
            rows.append({"articles": n, "stopped": str(exc)})
            print("\n" + json.dumps(rows[-1]))
            continue
        got = _sizes(tmp_path / f"out{n}")
        rows.append({"articles": n, **got, "wall_s": round(elapsed, 1), "peak_mb": peak >> 20,
                     "us_per_pair": round(1e6 * elapsed / got["pairs"]), "bytes_per_token": peak // got["tokens"]})
        print("\n" + json.dumps(rows[-1]))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    benchmark.extra_info["curve"] = rows
    assert all(r["pairs"] > r["articles"] for r in rows if "pairs" in r) and "pairs" in rows[0]
    if full_scale():
        big = rows[-1]
        assert "stopped" not in big and big["wall_s"] <= 60 and big["peak_mb"] <= 4096, f"10,000 dense articles: {big}"


def test_books_grow_linearly(benchmark: Any, news_corpus: None, tmp_path: Path) -> None:
    """20 book-length texts with shared chapters at 1x, 2x and 4x the length: time and memory
    grow at most 1.25 times as fast as the tokens; at full scale (60,000 words) 20 s and 2 GB at 1x."""
    words = scaled(60_000, 12_000)
    _warm(tmp_path)
    rows = []
    for m in (1, 2, 4):
        folder = tmp_path / f"books{m}"
        folder.mkdir()
        for d in shelf(m * words):
            (folder / d.path).write_text(d.text, encoding="utf-8")
        elapsed, peak = audit_child(folder, tmp_path / f"out{m}")
        rows.append({"length": m, "words": m * words, **_sizes(tmp_path / f"out{m}"), "wall_s": round(elapsed, 2),
                     "peak_mb": peak >> 20})
        print("\n" + json.dumps(rows[-1]))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    benchmark.extra_info["books"] = rows
    one, four = rows[0], rows[-1]
    grew = four["tokens"] / one["tokens"]
    assert one["pairs"] >= 10 and four["passages"] >= 2 * one["passages"], "shared chapters are found at every length"
    assert four["peak_mb"] / one["peak_mb"] <= 1.25 * grew, f"memory grew {four['peak_mb'] / one['peak_mb']:.2f}x"
    if full_scale():  # at the CI size the interpreter's start is most of the time
        assert four["wall_s"] / one["wall_s"] <= 1.25 * grew, f"time grew {four['wall_s'] / one['wall_s']:.2f}x"
        assert one["wall_s"] <= 20 and one["peak_mb"] <= 2048, f"20 books of 60,000 words: {one}"


def test_sparse_alignment_costs_little(benchmark: Any, news_corpus: None, tmp_path: Path) -> None:
    """10,000 sparse articles: the default audit within 1.25x of the ``--no-align`` audit beside it,
    asserted at full scale (in CI, 300 articles, the best of five runs of each, printed)."""
    n = scaled(10_000, 300)
    folder = write_folder(make_corpus(n), tmp_path / "articles")
    _warm(tmp_path)
    # in CI each audit takes about 2 s, most of it the interpreter's start and imports: the best of
    # five runs of each, taken in turn, so that one slow start on the shared machine does not decide
    rounds = 1 if full_scale() else 5
    plains: list[float] = []
    figures: list[tuple[float, int]] = []
    for _ in range(rounds - 1):
        plains.append(audit_child(folder, tmp_path / "plain", "--no-align")[0])
        figures.append(audit_child(folder, tmp_path / "out"))
    plains.append(audit_child(folder, tmp_path / "plain", "--no-align")[0])
    benchmark.pedantic(lambda: figures.append(audit_child(folder, tmp_path / "out")), rounds=1, iterations=1)
    plain, full, peak = min(plains), min(t for t, _ in figures), max(m for _, m in figures)
    info = {"articles": n, "default_s": round(full, 1), "no_align_s": round(plain, 1),
            "ratio": round(full / plain, 3), "peak_mb": peak >> 20, **_sizes(tmp_path / "out")}
    benchmark.extra_info.update(info)
    print("\n" + json.dumps(info))
    assert info["aligned"] > 0
    # at 300 articles the ratio measures start-up, not the per-pair cost the target is about: each
    # aligning process is a new interpreter that loads the aligner and its cached kernels (about
    # 0.6 s, while the index is built), against an audit of 1.5 s (CI measured 1.9 s against 1.5 s,
    # 1.27x, the best of five, when they were forks); at 10,000 it was 1.22x, 1.28x on 2026-12-08
    if full_scale():
        assert full / plain <= 1.25, f"default {full:.1f} s against --no-align {plain:.1f} s"
