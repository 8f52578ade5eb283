"""The report of ``provenance check`` in a real headless Chromium: it opens on
the checked article, its text coloured by the archived documents it shares,
runs nothing from the texts and asks nothing of the network."""

from __future__ import annotations

import html
import json
from pathlib import Path

from provenance.cli import main
from tests.browser.test_report_browser import ROOT, open_report, pytestmark  # noqa: F401  (the same skip)

EVIL = "<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>"


def _check(tmp_path: Path, extra_html: bool = False) -> tuple[Path, dict]:  # type: ignore[type-arg]
    seeds = sorted((ROOT / "seeds").iterdir())
    kept, new = tmp_path / "kept", tmp_path / "new"
    kept.mkdir()
    new.mkdir()
    for f in seeds[1:]:
        (kept / f.name).write_bytes(f.read_bytes())
    (new / seeds[0].name).write_bytes(seeds[0].read_bytes())
    if extra_html:  # an archived page whose title and text carry markup
        words = seeds[0].read_text(encoding="utf-8").split()
        paras = f"<p>{' '.join(words[: len(words) // 2])}</p><p>A paragraph of this page's own, about other things.</p>"
        shown = html.escape(EVIL)  # markup as the page's text: what the report must show, not run
        (kept / "evil.html").write_text(f"<html><head><title>{shown}</title></head><body><article><h1>{shown}</h1>"
                                        f"<p>{shown} was written here by someone.</p>{paras}</article></body></html>",
                                        encoding="utf-8")
    arc = tmp_path / "arc"
    assert main(["archive", "add", str(arc), str(kept), "-q"]) == 0
    out = tmp_path / "out"
    assert main(["check", str(new), "--archive", str(arc), "--out", str(out), "-q"]) == 0
    return out, json.loads((out / "check.json").read_text(encoding="utf-8"))


def test_check_report_opens_on_the_checked_article(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, data = _check(tmp_path)
    checked = data["checked"][0]["id"]
    archived = {m["archived"] for m in data["matches"]}
    assert archived
    page, problems, requests = open_report(browser, out / "report.html")
    view = page.locator("#view")
    assert view.get_attribute("data-kind") == "doc" and view.get_attribute("data-doc") == checked
    # its sources table names every archived document it shares text with, and the
    # coloured shares with its own text add up to the whole
    assert set(view.locator("tr.src[data-other]").evaluate_all("rs => rs.map(r => r.dataset.other)")) == archived
    shares = view.locator("tr.src").evaluate_all("rs => rs.map(r => parseFloat(r.dataset.share))")
    assert abs(sum(shares) - 1.0) < 1e-6
    # the family drawn above holds the checked article, marked
    assert page.locator(f"#tree g.node.found[data-doc='{checked}']").count() == 1
    # each pair view shows the checked text's passages exactly as check.json gives them
    text = data["checked"][0]["text"]
    for m in data["matches"]:
        page.locator(f"#view tr.src[data-other='{m['archived']}'] a").last.click()
        assert page.locator("#view").get_attribute("data-kind") == "pair"
        marks = set(page.locator("#view .col mark").all_text_contents())
        assert {text[slice(*p["checked"])] for p in m["passages"]} <= marks
        page.locator(f"#tree g.node[data-doc='{checked}']").click()
    assert problems == [] and all(r.startswith("file://") for r in requests)


def test_check_report_shows_hostile_archived_text_as_text(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, data = _check(tmp_path, extra_html=True)
    assert any(m["archived"].startswith("evil") for m in data["matches"])
    page, problems, requests = open_report(browser, out / "report.html")
    evil = next(m["archived"] for m in data["matches"] if m["archived"].startswith("evil"))
    page.locator(f"#view tr.src[data-other='{evil}'] a").last.click()
    assert EVIL in page.locator("#view").inner_text()
    page.locator(f"#tree g.node[data-doc='{evil}']").click()
    assert page.locator("#view").get_attribute("data-doc") == evil
    assert EVIL in page.locator("#view").inner_text() and EVIL in (page.locator("#tree").text_content() or "")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("body img, #view script, #tree script").count() == 0
    assert problems == [] and all(r.startswith("file://") for r in requests)
