"""The report in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.cli import main
from tests.browser.conftest import CHROMIUM
from tests.conftest import corpus_dir
from tests.test_report import hostile_folder

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium; .ci/run does)")


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
    members = {n for e in data["lineage"]["edges"] for n in (e["child"], e["parent"])}
    assert sorted(page.locator("g.node").evaluate_all("ns => ns.map(n => n.getAttribute('data-doc'))")) == sorted(members)
    texts = {d["id"]: d["text"] for d in data["documents"]}
    edges = data["lineage"]["edges"]
    assert edges
    for i, e in enumerate(edges):
        page.locator("g.edge").nth(i).click()
        parent, child = page.locator("g.edge").nth(i).get_attribute("data-parent"), page.locator("g.edge").nth(i).get_attribute("data-child")
        a, b = sorted((parent, child))
        pair = next(p for p in data["pairs"] if (p["a"], p["b"]) == (a, b))
        cols = page.locator("#view .col")
        marks_a = cols.nth(0).locator("mark").all_text_contents()
        marks_b = cols.nth(1).locator("mark").all_text_contents()
        expected_a = [texts[a][slice(*q["a"])] for q in sorted(pair["passages"], key=lambda q: q["a"])]
        expected_b = sorted(texts[b][slice(*q["b"])] for q in pair["passages"])
        assert marks_a == expected_a
        assert sorted(marks_b) == expected_b
        assert page.locator("#view .evidence .claim").inner_text().startswith(f"{child} derives from {parent}")
        assert page.locator("#view .evidence .verdict").inner_text().startswith(f"{child} was ")
        # its readings underlined in both texts, exactly their text
        e = next(x for x in edges if (x["parent"], x["child"]) == (parent, child))
        want = sorted([texts[child][slice(*r["child"])] for r in e["evidence"].get("readings", [])]
                      + [texts[parent][slice(*r["parent"])] for r in e["evidence"].get("readings", [])])
        got = page.evaluate("() => CSS.highlights.has('reading') ? Array.from(CSS.highlights.get('reading')).map(r => r.toString()) : []")
        assert sorted(got) == want
        # every technical term of the evidence box explains itself
        terms = page.locator("#view .evidence .term")
        assert terms.count() >= 5
        assert all(t for t in terms.evaluate_all("ns => ns.map(n => n.title)")), "a term without a tooltip"
    # clicking a passage highlights its twin on the other side
    page.locator("#view .col").nth(0).locator("mark").first.click()
    assert page.locator("#view mark.active").count() == 2
    assert not problems, problems
    assert all(u.startswith("file://") for u in requests), requests



def test_seeds_overview_screenshot(browser, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """reports/seeds/report.png: the report as `bash scripts/audit-seeds.sh` writes it (seeds audited
    from the project's folder), its header, families and tree."""
    monkeypatch.chdir(ROOT)
    assert main(["audit", "seeds", "--out", str(tmp_path / "seeds"), "-q"]) == 0
    page, problems, _ = open_report(browser, tmp_path / "seeds" / "report.html")
    page.set_viewport_size({"width": 1300, "height": 1250})
    page.click("#fit")
    page.screenshot(path=str(ROOT / "reports" / "seeds" / "report.png"))
    assert not problems, problems


def test_hostile_article_runs_nothing_and_shows_as_text(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert main(["audit", str(hostile_folder(tmp_path / "in")), "--out", str(out), "-q"]) == 0
    page, problems, requests = open_report(browser, out / "report.html")
    evil = "evil <img src=x onerror=alert(1)> name"
    shown = []
    page.locator("g.edge").first.click()  # the pair view
    shown.append(page.locator("#view").inner_text())
    page.locator("#tree g.node").first.click()  # a document view
    shown.append(page.locator("#view").inner_text())
    page.fill("#search", "evil img")  # the search results
    shown.append(page.locator("#search-results").inner_text())
    page.locator("#search-results button").first.click()
    shown.append(page.locator("#view").inner_text())
    shown.append(page.locator("#tree").text_content() or "")  # the tree's labels and tooltips
    shown.append(page.locator("#family-index").inner_text() + page.locator("#pairs-table").inner_text()
                 + page.locator("#docs-table").inner_text())
    assert evil in shown[2] and evil in shown[3] and evil in shown[4] and evil in shown[5]
    for body in (shown[0], shown[1], shown[3]):
        assert "<script>window.__pwned = 1; alert('x')</script>" in body
        assert '<a href="javascript:window.__pwned=4">link</a>' in body
    page.emulate_media(media="print")
    page.pdf()
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("body img, #view script, #tree script, a[href^='javascript']").count() == 0
    assert page.locator("script").count() == 2
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
    cols = page.locator("#view .col")
    by_start = sorted(pair["passages"], key=lambda q: q["a"])
    assert cols.nth(0).locator("mark").all_text_contents() == [texts["a"][slice(*q["a"])] for q in by_start]
    assert sorted(cols.nth(1).locator("mark").all_text_contents()) == sorted(texts["b"][slice(*q["b"])]
                                                                               for q in pair["passages"])
    runs = [texts["a"][r[0]:r[1]] for q in by_start for r in q["runs"]]
    assert cols.nth(0).locator("span.exact").all_text_contents() == runs
    assert not problems, problems


# ---- the news-2018 report: 579 real articles ---------------------------------

@pytest.fixture(scope="module")
def news(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("news")
    assert main(["audit", str(corpus_dir("news-2018") / "helsinki_articles.csv"), "--out", str(out), "-q",
                 "--format", "html,json,csv"]) == 0
    return out, json.loads((out / "audit.json").read_text(encoding="utf-8"))


def test_news_csv_reads_back_as_audit_json(news) -> None:  # type: ignore[no-untyped-def]
    """One row per document, pair and edge of audit.json, with its values (the same audit as the report's)."""
    import csv

    from provenance.report import decode_payload

    out, data = news

    def rows(name: str) -> list[dict[str, str]]:
        with (out / name).open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))

    assert [r["id"] for r in rows("documents.csv")] == [d["id"] for d in data["documents"]]
    pairs = rows("pairs.csv")
    assert [(r["a"], r["b"], float(r["covered_a"]), float(r["covered_b"]), int(r["longest"])) for r in pairs] == [
        (p["a"], p["b"], p["covered_a"], p["covered_b"], p["longest"]) for p in data["pairs"]]
    edges = rows("edges.csv")
    assert [(r["child"], r["parent"], float(r["confidence"]), r["change"]) for r in edges] == [
        (e["child"], e["parent"], e["confidence"], e["change"]) for e in data["lineage"]["edges"]]
    shown = [e[5] for e in decode_payload((out / "report.html").read_bytes())["edges"]]
    assert [r["verdict"] for r in edges] == shown  # the sentence the report shows


def _inside(box: dict, outer: dict, slack: float = 1.0) -> bool:
    return (box["x"] >= outer["x"] - slack and box["y"] >= outer["y"] - slack
            and box["x"] + box["width"] <= outer["x"] + outer["width"] + slack
            and box["y"] + box["height"] <= outer["y"] + outer["height"] + slack)


def _first_match(docs: list[list], words: str) -> int | None:
    """Which document the report's search lists first for ``words`` (its own rule)."""
    ws = words.lower().split()
    for i, d in enumerate(docs):
        h = f"{d[1]} \u0001 {d[2]} \u0001 {d[6]} \u0001 {d[0]}".lower()
        if all(w in h for w in ws):
            return i
    return None


def test_news_search_draws_the_family_and_fits_it(browser, news) -> None:  # type: ignore[no-untyped-def]
    import time

    from provenance.report import decode_payload

    out, _ = news
    t0 = time.perf_counter()
    page, problems, requests = open_report(browser, out / "report.html")
    assert time.perf_counter() - t0 <= 5.0
    payload = decode_payload((out / "report.html").read_bytes())
    docs, fams = payload["docs"], payload["families"]
    by_id = {d[0]: i for i, d in enumerate(docs)}
    # a member of a family other than the one drawn first, found by words of its headline
    target = words = None
    for k in (2, 1, 3, 4):
        for m in fams[k][1]:
            if m not in by_id:
                continue
            title = docs[by_id[m]][1].split()
            for n in (3, 4, 5, 6):
                w = " ".join(title[:n])
                if len(title) >= n and _first_match(docs, w) == by_id[m]:
                    target, words, family = m, w, k
                    break
            if target:
                break
        if target:
            break
    assert target is not None
    page.fill("#search", words)
    page.press("#search", "Enter")
    assert page.locator("#tree").get_attribute("data-family") == str(family)
    assert page.locator("#tree g.node.found").get_attribute("data-doc") == target
    assert page.locator("#tree g.node").count() == len(fams[family][1])
    wrap = page.locator("#tree-wrap").bounding_box()
    boxes = page.locator("#tree g.node rect").evaluate_all("rs => rs.map(r => r.getBoundingClientRect().toJSON())")
    assert boxes and all(_inside(b, wrap) for b in boxes)
    assert page.locator("#view").get_attribute("data-doc") == target
    # the largest family: after fit every member is inside the window, and no two labels overlap
    page.locator("#family-index tbody tr").first.click()
    assert page.locator("#tree g.node").count() == len(fams[0][1])
    wrap = page.locator("#tree-wrap").bounding_box()
    boxes = page.locator("#tree g.node rect").evaluate_all("rs => rs.map(r => r.getBoundingClientRect().toJSON())")
    assert all(_inside(b, wrap) for b in boxes)
    overlaps = page.evaluate("""() => {
        // boxes in the drawing's own units, measured at reading size (one unit a pixel: text
        // metrics at a tenth of that are rounded up), each moved by its group's place
        const svg = document.getElementById('tree'), wrap = document.getElementById('tree-wrap').getBoundingClientRect();
        svg.setAttribute('viewBox', '0 0 ' + wrap.width + ' ' + wrap.height);
        const back = svg.getScreenCTM().inverse();
        const bs = Array.from(svg.querySelectorAll('text')).map(t => {
            const b = t.getBBox(), m = back.multiply(t.getScreenCTM());
            return {left: b.x + m.e, right: b.x + b.width + m.e, top: b.y + m.f, bottom: b.y + b.height + m.f};
        });
        let bad = 0;
        for (let i = 0; i < bs.length; i++) for (let j = i + 1; j < bs.length; j++) {
            const a = bs[i], b = bs[j];
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) bad++;
        }
        return [bs.length, bad];
    }""")
    assert overlaps[0] >= 3 * len(fams[0][1]) and overlaps[1] == 0, overlaps
    # zoom and pan change the view; fit brings the whole family back
    page.click("#fit")
    before = page.locator("#tree").get_attribute("viewBox")
    page.click("#zoom-in")
    page.mouse.move(wrap["x"] + 300, wrap["y"] + 300)
    page.mouse.down()
    page.mouse.move(wrap["x"] + 500, wrap["y"] + 400, steps=4)
    page.mouse.up()
    assert page.locator("#tree").get_attribute("viewBox") != before
    page.click("#fit")
    assert page.locator("#tree").get_attribute("viewBox") == before
    # the screenshot: zoomed in on the family's root with the mouse wheel, to reading size
    root = page.locator(f"#tree g.node[data-doc='{fams[0][0]}'] rect").bounding_box()
    page.mouse.move(root["x"] + root["width"], root["y"] + root["height"] / 2)
    for _ in range(8):
        page.mouse.wheel(0, -100)
    page.wait_for_timeout(100)
    page.locator("#tree-wrap").screenshot(path=str(ROOT / "reports" / "news-2018" / "family.png"))
    assert not problems, problems
    assert all(u.startswith("file://") for u in requests), requests


def test_news_pairs_table_sorts_on_every_column(browser, news) -> None:  # type: ignore[no-untyped-def]
    out, data = news
    page, problems, _ = open_report(browser, out / "report.html")
    table = page.locator("#pairs-table")
    assert "of 724 " in table.locator(".pager").inner_text() or str(len(data["pairs"])) in table.locator(".pager").inner_text()
    heads = table.locator("thead th")
    n = heads.count()
    assert n == 9

    def column(k: int) -> list:
        cells = table.locator(f"tbody tr td:nth-child({k + 1})").all_inner_texts()
        num = "num" in (heads.nth(k).get_attribute("class") or "")
        return [float(c.rstrip("%")) if c else -1.0 for c in cells] if num else cells

    for k in range(n):
        heads.nth(k).locator("button").click()
        first = column(k)
        assert heads.nth(k).get_attribute("aria-sort") in ("ascending", "descending")
        asc = heads.nth(k).get_attribute("aria-sort") == "ascending"
        assert first == sorted(first, reverse=not asc), (k, first[:5])
        heads.nth(k).locator("button").click()
        second = column(k)
        assert second == sorted(second, reverse=asc), (k, second[:5])
    table.locator(".pager button.next").click()
    assert "page 2 of" in table.locator(".pager").inner_text()
    assert not problems, problems


def test_news_document_view_colours_each_source(browser, news) -> None:  # type: ignore[no-untyped-def]
    out, data = news
    page, problems, _ = open_report(browser, out / "report.html")
    lin = data["lineage"]
    has_parent = {e["child"]: e["parent"] for e in lin["edges"]}
    related: dict[str, int] = {}
    for p in data["pairs"]:
        related[p["a"]] = related.get(p["a"], 0) + 1
        related[p["b"]] = related.get(p["b"], 0) + 1
    docs = {d["id"] for d in data["documents"]}
    doc = max((d for d in has_parent if d in docs and has_parent[d] in docs and 3 <= related.get(d, 0) <= 12),
              key=lambda d: (related[d], d))
    page.fill("#search", doc)
    page.locator(f"#search-results button[data-doc='{doc}']").click()
    view = page.locator("#view")
    assert view.get_attribute("data-doc") == doc
    rows = view.locator("table.sources tr.src")
    shares = [float(x) for x in rows.evaluate_all("rs => rs.map(r => r.getAttribute('data-share'))")]
    assert abs(sum(shares) - 1.0) < 1e-9  # each character is the parent's, one partner's, or its own
    groups = rows.evaluate_all("rs => rs.map(r => r.getAttribute('data-group'))")
    colours = view.locator("table.sources .swatch").evaluate_all("ss => ss.map(s => getComputedStyle(s).backgroundColor)")
    assert len(set(colours)) == len(colours) == len(groups)  # one colour per source
    assert rows.first.get_attribute("data-other") == has_parent[doc]  # its source first
    # the coloured text is the document's own text, and each colour belongs to one source
    text = next(d["text"] for d in data["documents"] if d["id"] == doc)
    assert view.locator(".doctext").text_content() == text
    spans = view.locator(".doctext span.src").evaluate_all("ss => ss.map(s => [s.className, s.getAttribute('data-src')])")
    by_class: dict[str, set] = {}
    for cls, src in spans:
        by_class.setdefault(cls, set()).add(src)
    assert spans and all(len(v) == 1 for v in by_class.values())
    # its list of sources links to the pair views
    view.locator("table.sources a.pairlink").first.click()
    assert page.locator("#view").get_attribute("data-kind") == "pair"
    page.fill("#search", doc)
    page.locator(f"#search-results button[data-doc='{doc}']").click()
    page.locator("#view").screenshot(path=str(ROOT / "reports" / "news-2018" / "document.png"))
    assert not problems, problems


def test_news_printed_pair_view_holds_both_texts(browser, news) -> None:  # type: ignore[no-untyped-def]
    out, _ = news
    page, problems, _ = open_report(browser, out / "report.html")
    page.locator("#pairs-table thead th").nth(7).locator("button").click()  # most confident derivation first
    page.locator("#pairs-table tbody tr").first.click()
    assert page.locator("#view").get_attribute("data-kind") == "pair"
    page.emulate_media(media="print")
    hidden = page.evaluate("() => ['families', 'pairs', 'documents', 'terms', 'summary'].map(i => getComputedStyle(document.getElementById(i)).display)")
    assert hidden == ["none"] * 5
    sides = page.locator("#view .col .text")
    assert sides.count() == 2
    for k in range(2):  # each text whole on paper: nothing cut off by a scroll box
        assert sides.nth(k).evaluate("t => t.scrollHeight <= t.clientHeight + 1 && getComputedStyle(t).overflow === 'visible'")
        assert sides.nth(k).is_visible()
    assert page.locator("#view .evidence .verdict").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    assert not problems, problems
