"""Saved web pages: the article is pulled out of a full page, metadata kept,
and its passages match a plain-text copy of the same story."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml.builder import E

from provenance import sources
from provenance.audit import audit
from provenance.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def saved_page(title: str, paragraphs: list[str], site: str, date: str, url: str) -> bytes:
    """A full news page around an article: navigation, ads, related links,
    comments, scripts, a cookie banner and a footer (built with lxml)."""
    head = E.head(
        E.meta(charset="utf-8"),
        E.title(f"{title} | {site}"),
        E.meta(property="og:site_name", content=site),
        E.meta(property="og:title", content=title),
        E.meta(property="article:published_time", content=date),
        E.meta(name="author", content="Staff Reporter"),
        E.link(rel="canonical", href=url),
        E.script("window.dataLayer = []; function track(e) { dataLayer.push(e); }"),
        E.style("body { font-family: serif }"),
    )
    nav = E.nav(E.ul(*[E.li(E.a(x, href=f"/{x.lower()}")) for x in ("Home", "World", "Politics", "Sport", "Weather")]))
    ad = E.div(E.p("Advertisement: Subscribe now and save 50% on your first year of unlimited access!"), **{"class": "ad-banner"})
    article = E.article(
        E.h1(title),
        E.p(E.span("By Staff Reporter", **{"class": "byline"}), " ", E.time(date, datetime=date)),
        *[E.p(p) for p in paragraphs],
    )
    related = E.aside(
        E.h2("Related stories"),
        E.ul(*[E.li(E.a(f"Related headline number {i} you may have missed", href=f"/r{i}")) for i in range(6)]),
        **{"class": "related"},
    )
    comments = E.section(
        E.h2("Comments"),
        *[E.div(E.p(f"Reader {i}: this is an outrageous story and I cannot believe it happened again."), **{"class": "comment"}) for i in range(4)],
        id="comments",
    )
    footer = E.footer(E.p(f"© 2024 {site}. All rights reserved."), E.a("Privacy", href="/privacy"))
    cookie = E.div(E.p("We use cookies to improve your experience. Accept all?"), id="cookie-banner")
    body = E.body(cookie, E.header(nav), ad, E.main(article, related), comments, footer, E.script("track('view');"))
    return etree.tostring(E.html(head, body), doctype="<!DOCTYPE html>", encoding="utf-8", method="html")


def test_article_and_metadata_pulled_out_of_a_full_page(tmp_path: Path) -> None:
    text = (SEEDS / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    title, *paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    page = saved_page(title, paras, "World News Daily", "2024-06-18", "https://news.example/putin-pyongyang")
    (tmp_path / "page.html").write_bytes(page)
    loaded = sources.load(tmp_path)
    (doc,) = loaded.documents
    assert doc.published == "2024-06-18"
    assert doc.site == "World News Daily"
    assert doc.url == "https://news.example/putin-pyongyang"
    assert doc.author == "Staff Reporter"
    assert title in doc.title
    body = words(doc.text)
    article = words(" ".join(paras))
    # every article word is there, in order, and the page furniture is not
    joined = " ".join(body)
    assert " ".join(article) in joined
    for furniture in ("advertisement", "cookies", "related headline", "outrageous", "privacy", "datalayer"):
        assert furniture not in joined


def test_page_and_plain_copy_share_passages(tmp_path: Path) -> None:
    text = (SEEDS / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    title, *paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    (tmp_path / "bbc.html").write_bytes(saved_page(title, paras, "BBC", "2024-06-18", "https://bbc.example/x"))
    (tmp_path / "copy.txt").write_text((SEEDS / "000_1d8f2c2912b56707.txt").read_text(encoding="utf-8"), encoding="utf-8")
    loaded = sources.load(tmp_path)
    result = audit(loaded.documents, Settings(lineage=False))
    (pair,) = result.pairs
    docs = {d.id: d for d in result.documents}
    assert (pair.a, pair.b) == ("bbc", "copy")
    kumsusan = [p for p in pair.passages if "Kumsusan" in docs["bbc"].text[slice(*p.a_chars)]]
    assert len(kumsusan) == 1
    p = kumsusan[0]
    assert "Kumsusan guesthouse" in docs["copy"].text[slice(*p.b_chars)]
    assert pair.covered_b > 0.3  # most of the short copy is found in the page's article


def test_pages_published_on_one_day_are_ordered_by_their_times(tmp_path: Path) -> None:
    """``article:published_time`` with a time and zone is kept whole: of two
    pages of one day, the later (09:30 in New York, after 14:05 in London)
    hangs below the earlier even though it holds all of it and adds a
    paragraph, which containment alone would read the other way."""
    import json

    from provenance.cli import main

    text = (SEEDS / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    title, *paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    first = saved_page(title, paras, "BBC", "2024-06-18T14:05:00+01:00", "https://bbc.example/x")
    added = "Our correspondent adds that talks are expected to continue late into the night."
    later = saved_page(title, [*paras, added], "Wire Daily", "2024-06-18T09:30:00-04:00", "https://wire.example/y")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bbc.html").write_bytes(first)
    (tmp_path / "in" / "wire.html").write_bytes(later)
    docs = {d.id: d for d in sources.load(tmp_path / "in").documents}
    assert docs["bbc"].published.startswith("2024-06-18T14:05:00")
    assert main(["audit", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"]) == 0
    (edge,) = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))["lineage"]["edges"]
    assert (edge["child"], edge["parent"], edge["evidence"]["direction"]["by"]) == ("wire", "bbc", "times")
