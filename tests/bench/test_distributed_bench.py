"""Scaling: the same ``provenance audit`` on one process and on a local Dask
cluster of 2 workers, at 1,000, 10,000 and 50,000 synthetic articles.

Each audit runs in a child process, as a user runs it; the child reports its
own peak resident memory and the largest of its children's (the cluster's
worker processes).  Both paths must give byte-identical ``audit.json``.  The
cluster sizes run only with ``PROVENANCE_BENCH_SCALE=full`` (a cluster start
costs tens of seconds; in CI tests/test_distributed.py checks the identity on
real articles).  ``python -m tests.bench.test_distributed_bench`` prints the
table and the projection for 10 million articles used in the README.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from .synth import WARM, full_scale, make_corpus, write_folder

SIZES = (1_000, 10_000, 50_000)

# The child prints, last on stderr, its own peak RSS and its children's (KiB on Linux).
_CHILD = (
    "import resource, sys\n"
    "from provenance.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def run(folder: Path, out: Path, *extra: str) -> dict[str, float]:
    """Wall seconds, and peak RSS in MiB of the audit process and of its largest child."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, "audit", str(folder), "--out", str(out), "--quiet", "--format", "json", *extra],
        capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, f"audit failed ({proc.returncode}): {proc.stderr[-2000:]}"
    lines = proc.stderr.strip().splitlines()
    own, child = (int(x) for x in lines[-1].split())
    got: dict[str, object] = {"wall_s": round(wall, 1), "rss_mb": round(own / 1024), "child_rss_mb": round(child / 1024)}
    account = [line for line in lines if line.startswith("cluster: ")]  # the cluster's own account of its work
    if account:
        got["cluster"] = account[0]
    return got


def measure(n: int, root: Path) -> dict[str, object]:
    folder = write_folder(make_corpus(n), root / f"articles-{n}")
    single = run(folder, root / f"single-{n}")
    cluster = run(folder, root / f"cluster-{n}", "--scheduler", "local", "--workers", "2")
    same = (root / f"single-{n}" / "audit.json").read_bytes() == (root / f"cluster-{n}" / "audit.json").read_bytes()
    tokens = sum(len(d.text.split()) for d in make_corpus(n).documents)
    return {"articles": n, "words": tokens, "single": single, "cluster": cluster, "identical": same}


@pytest.mark.skipif(not full_scale(), reason="cluster scaling runs with PROVENANCE_BENCH_SCALE=full only "
                    "(tests/test_distributed.py checks the identity in CI)")
@pytest.mark.parametrize("n", SIZES)
def test_cluster_scaling(benchmark, news_corpus, tmp_path: Path, n: int) -> None:  # type: ignore[no-untyped-def]
    got: list[dict[str, object]] = []
    benchmark.pedantic(lambda: got.append(measure(n, tmp_path)), rounds=1, iterations=1)
    benchmark.extra_info.update(got[-1])
    assert got[-1]["identical"], "the cluster's audit.json differs from the single-process one"


if __name__ == "__main__":  # pragma: no cover - prints the README table
    import json
    import tempfile

    sizes = [int(x) for x in sys.argv[1:]] or list(SIZES)
    with tempfile.TemporaryDirectory() as tmp:
        run(WARM, Path(tmp) / "warm-out")  # numba's cache
        for n in sizes:
            print(json.dumps(measure(n, Path(tmp))), flush=True)
