"""The report in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from provenance.cli import main
from tests.test_report import hostile_folder

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_report(browser, path: Path):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))

    def route(r):  # type: ignore[no-untyped-def]
        requests.append(r.request.url)
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return page, problems, requests


def test_seeds_report_tree_pairs_and_screenshot(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "seeds"
    assert main(["audit", str(ROOT / "seeds"), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    page, problems, requests = open_report(browser, out / "report.html")
    n_nodes = page.locator("g.node").count()
    assert n_nodes == len(data["documents"]) + len(data["lineage"]["latent"])
    texts = {d["id"]: d["text"] for d in data["documents"]}
    edges = data["lineage"]["edges"]
    assert edges
    for i, e in enumerate(edges):
        page.locator("g.edge").nth(i).click()
        parent, child = page.locator("g.edge").nth(i).get_attribute("data-parent"), page.locator("g.edge").nth(i).get_attribute("data-child")
        a, b = sorted((parent, child))
        pair = next(p for p in data["pairs"] if (p["a"], p["b"]) == (a, b))
        cols = page.locator("#pair-view .col")
        marks_a = cols.nth(0).locator("mark").all_text_contents()
        marks_b = cols.nth(1).locator("mark").all_text_contents()
        expected_a = [texts[a][slice(*q["a"])] for q in sorted(pair["passages"], key=lambda q: q["a"])]
        expected_b = sorted(texts[b][slice(*q["b"])] for q in pair["passages"])
        assert marks_a == expected_a
        assert sorted(marks_b) == expected_b
        assert page.locator("#pair-view .evidence .claim").inner_text().startswith(f"{child} derives from {parent}")
    # clicking a passage highlights its twin on the other side
    page.locator("#pair-view .col").nth(0).locator("mark").first.click()
    assert page.locator("#pair-view mark.active").count() == 2
    assert not problems, problems
    assert all(u.startswith("file://") for u in requests), requests
    if (ROOT / "reports" / "seeds" / "report.html").is_file():
        page2, problems2, _ = open_report(browser, ROOT / "reports" / "seeds" / "report.html")
        page2.screenshot(path=str(ROOT / "reports" / "seeds" / "report.png"))
        assert not problems2, problems2


def test_hostile_article_runs_nothing_and_shows_as_text(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert main(["audit", str(hostile_folder(tmp_path / "in")), "--out", str(out), "-q"]) == 0
    page, problems, requests = open_report(browser, out / "report.html")
    page.locator("g.edge").first.click() if page.locator("g.edge").count() else page.locator("a.doclink").first.click()
    page.locator("a.doclink").first.click()
    body = page.locator("#pair-view").inner_text()
    assert "<script>window.__pwned = 1; alert('x')</script>" in body
    assert '<a href="javascript:window.__pwned=4">link</a>' in body
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#pair-view script, #pair-view img, #pair-view a[href^='javascript']").count() == 0
    assert not [p for p in problems if "dialog" in p or "pageerror" in p], problems
    assert all(u.startswith("file://") for u in requests), requests



def test_passages_after_emoji_are_marked_where_they_are(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Offsets count characters (Python); the browser counts UTF-16 units, in
    which an emoji or a flag is two or four.  Text after them is still marked
    exactly where the passage is, exact runs included."""
    story = (ROOT / "seeds" / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    paras = story.split("\n\n")
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("\U0001F600\U0001F1FA\U0001F1F8 Live updates \U0001F4F0\n\n" + story, encoding="utf-8")
    edited = [p.replace(" the ", " \U0001F449 the ", 1) for p in paras[:8]]
    (root / "b.txt").write_text("\U0001F44D Shared from a feed.\n\n" + "\n\n".join(edited), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(root), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    texts = {d["id"]: d["text"] for d in data["documents"]}
    (pair,) = data["pairs"]
    page, problems, _ = open_report(browser, out / "report.html")
    page.locator("g.edge").first.click()
    cols = page.locator("#pair-view .col")
    by_start = sorted(pair["passages"], key=lambda q: q["a"])
    assert cols.nth(0).locator("mark").all_text_contents() == [texts["a"][slice(*q["a"])] for q in by_start]
    assert sorted(cols.nth(1).locator("mark").all_text_contents()) == sorted(texts["b"][slice(*q["b"])]
                                                                               for q in pair["passages"])
    runs = [texts["a"][r[0]:r[1]] for q in by_start for r in q["runs"]]
    assert cols.nth(0).locator("span.exact").all_text_contents() == runs
    assert not problems, problems
