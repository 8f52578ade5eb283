"""Reports at scale in Chromium: file size and load time.

- the 612 real news articles (first 80 by default, all with PROVENANCE_BENCH_SCALE=full):
  under 15 MB, open (script done) in under 3 s;
- 10,000 synthetic news articles with derived copies (300 by default): one file that
  opens in 5 s or less, whose search draws a document's family and fits it on screen.
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
from provenance.report import decode_payload, render
from tests.bench.synth import full_scale, make_corpus, scaled
from tests.conftest import corpus_dir

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _chromium():  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium binary (apt-get install chromium)")
    return chromium, pytest.importorskip("playwright.sync_api")


def test_news_report_size_and_load(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chromium, sync_api = _chromium()
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


def test_report_of_10k_articles_opens_and_searches(benchmark, news_corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chromium, sync_api = _chromium()
    n = scaled(10_000, 300)
    corpus = make_corpus(n)
    page_bytes = render(export.to_dict(audit(corpus.documents, jobs=2), "bench"), source="synthetic")
    path = tmp_path / "report.html"
    path.write_bytes(page_bytes)
    data = decode_payload(page_bytes)
    fams = data["families"]
    assert fams
    by_id = {d[0]: d for d in data["docs"]}
    target = next(m for m in fams[0][1] if m in by_id)
    loads: list[float] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        problems: list[str] = []

        def load() -> None:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            loads.append(time.perf_counter() - t0)
            page.fill("#search", target)  # its id finds it first: ids are unique
            page.press("#search", "Enter")
            assert page.locator("#tree g.node.found").get_attribute("data-doc") == target
            wrap = page.locator("#tree-wrap").bounding_box()
            assert wrap is not None
            boxes = page.locator("#tree g.node rect").evaluate_all("rs => rs.map(r => r.getBoundingClientRect().toJSON())")
            assert len(boxes) == len(fams[0][1])
            for b in boxes:
                assert wrap["x"] - 1 <= b["x"] and b["x"] + b["width"] <= wrap["x"] + wrap["width"] + 1
                assert wrap["y"] - 1 <= b["y"] and b["y"] + b["height"] <= wrap["y"] + wrap["height"] + 1
            page.close()

        benchmark.pedantic(load, rounds=3, iterations=1)
        browser.close()
    benchmark.extra_info.update({"articles": n, "documents": len(data["docs"]), "pairs": len(data["pairs"]),
                                 "families": len(fams), "bytes": len(page_bytes),
                                 "load_s": [round(x, 2) for x in loads]})
    assert not problems, problems
    if full_scale():
        assert min(loads) <= 5.0, loads
