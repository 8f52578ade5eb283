"""The report of the 612 real news articles: file size and load time in Chromium.

Targets: under 15 MB, open (script done) in under 3 s.  Small by default (the
first 80 articles), all 612 with PROVENANCE_BENCH_SCALE=full.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import time
from pathlib import Path

import pytest

from provenance import export
from provenance.audit import audit
from provenance.model import Document
from provenance.report import render
from tests.bench.synth import scaled
from tests.conftest import corpus_dir

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def test_news_report_size_and_load(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium binary (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    csv.field_size_limit(1 << 30)
    with (corpus_dir("news-2018") / "helsinki_articles.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[: scaled(612, 80)]
    docs = [Document(id=f"a{r['id']}", path=f"a{r['id']}", title=r["text"][:80], text=r["text"], site=r["publisher"],
                     sha256=hashlib.sha256(r["text"].encode()).hexdigest()) for r in rows]
    page_bytes = render(export.to_dict(audit(docs), "bench"))
    path = tmp_path / "report.html"
    path.write_bytes(page_bytes)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)

        def load() -> float:
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            elapsed = time.perf_counter() - t0
            page.close()
            return elapsed

        seconds = benchmark.pedantic(load, rounds=3, iterations=1)
        browser.close()
    benchmark.extra_info.update({"articles": len(docs), "bytes": len(page_bytes), "load_s": round(seconds, 3)})
    assert len(page_bytes) < 15 * 2**20
