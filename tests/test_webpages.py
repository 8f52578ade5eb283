"""Saved web pages: the article is pulled out of a full page, metadata kept,
and its passages match a plain-text copy of the same story."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lxml import etree
from lxml.builder import E

from provenance import sources
from provenance.audit import audit
from provenance.model import Document
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
    assert dict(doc.meta)["published_from"] == "article:published_time"
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


# -- publication dates: only as the publisher states them ---------------------

STORY = (SEEDS / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
TITLE, *PARAS = [p.strip() for p in STORY.split("\n\n") if p.strip()]
#: what an undated page says of years in its text, and never as its date
YEAR_IN_TEXT = ("Looking back at the 2016 presidential election, on 2016-11-08 the count ran late; "
                "this excerpt was first shared on 12 March 2016 by readers of the original report.")


def page(paragraphs: list[str], *, head: tuple[Any, ...] = (), header: tuple[Any, ...] = (),
         in_article: tuple[Any, ...] = (), after: tuple[Any, ...] = (), title: str = "An excerpt worth reading",
         footer: tuple[Any, ...] = ()) -> bytes:
    """A page around an article that states no date of its own unless given
    one: ``head`` (meta, link, JSON-LD), ``header`` (in the article's header),
    ``in_article`` (after its paragraphs), ``after`` (after the article), and a
    site with years all over its navigation and footer."""
    nav = E.nav(E.ul(*[E.li(E.a(x, href=f"/{i}")) for i, x in enumerate(
        ("Home", "Election 2016", "Archive: March 2016", "12 March 2016: the week in review"))]))
    article = E.article(E.header(E.h1(title), *header), *[E.p(p) for p in paragraphs], *in_article)
    foot = E.footer(E.p("© 2016 Excerpts Ltd. All rights reserved."), E.small("Last updated 12 March 2016"),
                    *footer)
    body = E.body(E.header(nav), E.main(article, *after), foot)
    return etree.tostring(E.html(E.head(E.meta(charset="utf-8"), E.title(title), *head), body),
                          doctype="<!DOCTYPE html>", encoding="utf-8", method="html")


def json_ld(data: Any) -> Any:
    return E.script(json.dumps(data), type="application/ld+json")


def comments(*dates: str) -> Any:
    """A comment section, each comment a nested article with its own time, as HTML5 suggests."""
    return E.section(E.h2("Comments"), *[
        E.article(E.header(E.time(d, datetime=d)), E.p(f"Reader {i}: I remember reading this at the time."),
                  **{"class": "comment"}) for i, d in enumerate(dates)], id="comments")


def one_page(tmp_path: Path, data: bytes, name: str = "page.html") -> Document:
    folder = tmp_path / name.replace(".html", "")
    folder.mkdir()
    (folder / name).write_bytes(data)
    (doc,) = sources.load(folder).documents
    return doc


def test_an_undated_excerpt_gets_no_date_from_its_footer_navigation_or_text(tmp_path: Path) -> None:
    """Years in the footer (© 2016, "Last updated 12 March 2016"), in the
    navigation and in the text (2016-11-08) are not the page's date: htmldate
    made 2016-03-12 of this page (2016-01-01 of the issue's, from "© 2016"),
    and even in its fast mode it reads the footer."""
    doc = one_page(tmp_path, page([YEAR_IN_TEXT, *PARAS[:3]], title="Looking back at 2016"))
    assert "2016 presidential election" in doc.text
    assert doc.published is None
    assert not [k for k, _ in doc.meta if k.startswith(("published", "date"))]


def test_json_ld_date_published_is_the_article_s(tmp_path: Path) -> None:
    """``datePublished`` of the article in JSON-LD, as one object, in a list
    or in ``@graph``; not a comment's nested in it, listed first."""
    article = {"@type": "NewsArticle", "headline": TITLE,
               "comment": [{"@type": "Comment", "text": "first!", "datePublished": "2015-03-01T10:00:00Z"}],
               "datePublished": "2018-07-15T07:54:28-04:00", "dateModified": "2018-07-16T10:00:00-04:00"}
    shapes = {
        "object": {"@context": "https://schema.org", **article},
        "list": [{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": []},
                 {"@context": "https://schema.org", **article}],
        "graph": {"@context": "https://schema.org", "@graph": [
            {"@type": "Organization", "name": "Excerpts Ltd", "foundingDate": "2016-01-01"},
            {"@type": "WebPage", "@id": "https://x.example/#page"}, article]},
    }
    for shape, data in shapes.items():
        doc = one_page(tmp_path, page(PARAS, head=(json_ld(data),)), f"{shape}.html")
        assert doc.published == "2018-07-15T07:54:28-04:00", shape
        assert dict(doc.meta)["published_from"] == "json-ld datePublished", shape
    # a bare midnight is the day; the form found is kept
    data = {"@context": "https://schema.org", "@type": "Article", "datePublished": "2018-07-15T00:00:00Z"}
    doc = one_page(tmp_path, page(PARAS, head=(json_ld(data),)), "midnight.html")
    assert doc.published == "2018-07-15"
    assert dict(doc.meta)["published_as_found"] == "2018-07-15T00:00:00Z"


def test_a_time_in_comments_or_a_footer_is_not_the_page_s(tmp_path: Path) -> None:
    """A <time datetime> in the comments (nested articles, inside the article
    or after it), the article's footer, an aside or the site's footer is not
    the page's date; the one in the article's header is."""
    furniture: dict[str, Any] = {
        "in_article": (comments("2015-03-01T10:00:00Z"), E.footer(E.time("2017", datetime="2017-02-02"))),
        "after": (comments("2015-04-01T10:00:00Z"),
                  E.aside(E.article(E.h2("Related"), E.time("r", datetime="2014-05-05")))),
        "footer": (E.time("2024", datetime="2024-01-01"),),
    }
    doc = one_page(tmp_path, page(PARAS, **furniture), "undated.html")
    assert doc.published is None
    header = (E.p("By Staff Reporter, ", E.time("15 July 2018", datetime="2018-07-15T08:00:00+01:00")),)
    doc = one_page(tmp_path, page(PARAS, header=header, **furniture), "dated.html")
    assert doc.published == "2018-07-15T08:00:00+01:00"
    assert dict(doc.meta)["published_from"] == "time element"
    # a byline <time> before the body paragraphs, as most pages write it (no <header>)
    byline = E.article(E.h1(TITLE), E.p("By Staff Reporter ", E.time("x", datetime="2018-07-15")),
                       *[E.p(p) for p in PARAS], E.p("Later: ", E.time("y", datetime="2018-07-20")))
    html = etree.tostring(E.html(E.head(E.title(TITLE)), E.body(byline)), encoding="utf-8", method="html")
    assert one_page(tmp_path, html, "byline.html").published == "2018-07-15"


def test_the_day_in_the_url_path_is_the_page_s_where_the_site_uses_one(tmp_path: Path) -> None:
    """/2018/07/15/ in the canonical URL (or og:url) dates a page that states
    no other date; a URL without one dates nothing."""
    head = (E.link(rel="canonical", href="https://news.example/world/2016/harbour-ferry"),)
    assert one_page(tmp_path, page(PARAS, head=head), "nodate.html").published is None
    url = "https://news.example/2018/07/15/harbour-ferry-terminal/"
    for name, head in (("canonical.html", (E.link(rel="canonical", href=url),)),
                       ("og.html", (E.meta(property="og:url", content=url),))):
        doc = one_page(tmp_path, page(PARAS, head=head, after=(comments("2015-03-01"),)), name)
        assert doc.published == "2018-07-15", name
        assert dict(doc.meta)["published_from"] == "url path", name


def test_a_stated_date_in_another_form_is_read_or_reported(tmp_path: Path) -> None:
    """``<meta name="date">`` as RSS writes it is read with its zone; one whose
    day and month could be swapped, or that is another calendar's, is not
    used, and says so."""
    doc = one_page(tmp_path, page(PARAS, head=(E.meta(name="date", content="Sun, 15 Jul 2018 07:54:28 -0400"),)),
                   "rss.html")
    assert doc.published == "2018-07-15T07:54:28-04:00"
    meta = dict(doc.meta)
    assert (meta["published_from"], meta["published_as_found"]) == ("meta date", "Sun, 15 Jul 2018 07:54:28 -0400")
    doc = one_page(tmp_path, page(PARAS, head=(E.meta(name="date", content="05/07/2018"),)), "ambiguous.html")
    assert doc.published is None
    meta = dict(doc.meta)
    assert meta["published_from"] == "meta date" and meta["published_as_found"] == "05/07/2018"
    assert "ambiguous" in meta["published_not_read"]
    # what is not read is kept as it may be shown: a bidi override in a page's date is an escape
    doc = one_page(tmp_path, page(PARAS, head=(E.meta(name="date", content="2018\u202e"),)), "escape.html")
    assert doc.published is None and dict(doc.meta)["published_as_found"] == "2018\\u202e"
    # another calendar's date (Solar Hijri, in Persian or in ASCII digits) is not read as Gregorian: the
    # next date the page states is used, or none
    for n, stated in enumerate(("۱۳۹۹/۰۲/۲۱ - ۱۸:۵۹", "1399/02/21 18:59")):
        head = (E.meta(property="article:published_time", content=stated),)
        doc = one_page(tmp_path, page(PARAS, head=head), f"hijri{n}.html")
        assert doc.published is None and dict(doc.meta)["published_as_found"] == stated, stated
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": "2020-05-10T18:59:01+04:30"}
        doc = one_page(tmp_path, page(PARAS, head=(*head, json_ld(data))), f"hijri{n}-then-json-ld.html")
        assert doc.published == "2020-05-10T18:59:01+04:30", stated


def test_an_undated_excerpt_hangs_below_the_dated_article(tmp_path: Path) -> None:
    """The bug of issue 12: the excerpt's footer (© 2016) and text (the 2016
    presidential election) gave it a date in 2016, and the full article,
    dated 2018 by its publisher, was made its copy by dates.  Undated, the
    excerpt hangs below the article it is taken from."""
    full = saved_page(TITLE, PARAS, "World News Daily", "2018-07-15T07:54:28-04:00", "https://news.example/x")
    (tmp_path / "full.html").write_bytes(full)
    (tmp_path / "excerpt.html").write_bytes(page([YEAR_IN_TEXT, *PARAS[:4]], title="Looking back at 2016"))
    loaded = sources.load(tmp_path)
    docs = {d.id: d for d in loaded.documents}
    assert docs["excerpt"].published is None
    assert docs["full"].published == "2018-07-15T07:54:28-04:00"
    result = audit(loaded.documents, Settings())
    assert result.lineage is not None
    (edge,) = result.lineage.edges
    assert (edge.child, edge.parent) == ("excerpt", "full")
    assert edge.evidence["direction"]["by"] != "dates"


# -- pages without an article, and bylines that are dates ---------------------

#: a news site's menu, as the section pages of a regional paper list it
MENU = ("Home", "News", "Local news", "World", "Business", "Politics", "Technology", "Science", "Health",
        "Education", "Entertainment & Arts", "Sport", "Football", "Cricket", "Weather", "Traffic and travel",
        "What's on", "Opinion", "Letters", "Jobs", "Newsletters", "Contact us", "About us")


def landing_page(title: str, *, teasers: tuple[str, ...] = (), article: tuple[Any, ...] = ()) -> bytes:
    """A site's home or section page: a logo, a menu, an <h1>, a list of
    linked headlines and a footer of links; ``article`` adds an article."""
    nav = E.nav(E.ul(*[E.li(E.a(x, href="/" + x.lower().replace(" ", "-"))) for x in MENU]))
    stories = E.ul(*[E.li(E.a(h, href=f"/story/{i}")) for i, h in enumerate(teasers)], **{"class": "top-stories"})
    foot = E.footer(E.ul(*[E.li(E.a(x, href=f"/f{i}")) for i, x in enumerate(
        ("Terms of use", "Privacy policy", "Cookies", "Accessibility help"))]), E.p("© 2024 Island Gazette"))
    body = E.body(E.header(E.a("Island Gazette", href="/"), nav), E.main(E.h1(title), stories, *article), foot)
    head = E.head(E.meta(charset="utf-8"), E.title(title), E.meta(property="og:site_name", content="Island Gazette"))
    return etree.tostring(E.html(head, body), doctype="<!DOCTYPE html>", encoding="utf-8", method="html")


TEASERS = ("Council approves the new harbour plan after a long night of debate",
           "Ferry crossings cancelled again as the storm reaches the island",
           "Village school wins a national award for its reading scheme",
           "Coast road closed for repairs until the end of next week")


def test_a_page_with_only_navigation_is_skipped(tmp_path: Path) -> None:
    """A home page (menu, footer) and a section page (menu, linked headlines):
    trafilatura falls back to their link text (34 and 77 words here, past the
    25-word rule that let "Home" in), which is no article."""
    import trafilatura

    for name, data in (("home.html", landing_page("Home")), ("section.html", landing_page("News", teasers=TEASERS))):
        extracted = trafilatura.bare_extraction(data, with_metadata=True)
        assert len(extracted.text.split()) >= 25  # what made a document of the page before
        (tmp_path / name).write_bytes(data)
        got = sources.read_files([(str(tmp_path / name), name)])
        (skipped,) = got[0]
        assert not isinstance(skipped, Document), skipped
        assert skipped.reason.startswith("no article text"), skipped.reason
        assert "menu and link text" in skipped.reason


def test_an_article_with_links_on_a_page_with_navigation_is_read(tmp_path: Path) -> None:
    """A short article (three paragraphs, 57 words, a link inside one of them)
    on the same page furniture, with the list of headlines beside it, is read."""
    paras = (("The island's only ferry will not sail on Friday, the harbour authority said, because the storm "
             "is expected to reach the coast overnight."),
             E.p("Passengers booked on the morning crossing can travel on Saturday, or ask for a refund ",
                 E.a("on the authority's website", href="/ferry"), "."),
             "The coast road will stay open, but drivers are asked to avoid the harbour front.")
    article = E.article(E.h2("Friday's ferry cancelled"), *[p if not isinstance(p, str) else E.p(p) for p in paras])
    doc = one_page(tmp_path, landing_page("Ferry cancelled", teasers=TEASERS, article=(article,)), "short.html")
    assert "will not sail on Friday" in doc.text and "drivers are asked" in doc.text
    assert "on the authority's website" in doc.text


def _byline_page(byline: Any) -> bytes:
    article = E.article(E.h1(TITLE), byline, *[E.p(p) for p in PARAS[:3]])
    return etree.tostring(E.html(E.head(E.title(TITLE)), E.body(article)), encoding="utf-8", method="html")


def test_a_date_in_the_byline_is_never_the_author(tmp_path: Path) -> None:
    """trafilatura reads a byline "July 15, 2018" as the author "July" (and
    "Updated July 15, 2018" as "Updated July", a weekday as itself): none
    is an author, and what was left out is in meta.  Names that begin
    with a month or a weekday are names."""
    cases = {
        "date": (E.p("July 15, 2018", **{"class": "byline"}), None, "July"),
        "updated": (E.p(E.span("Updated July 15, 2018", **{"class": "byline"})), None, "Updated July"),
        "weekday": (E.span("Monday", **{"class": "author"}), None, "Monday"),
        "april": (E.span("By April Ryan", **{"class": "byline"}), "April Ryan", None),
        "june": (E.span("By June Carter", **{"class": "byline"}), "June Carter", None),
    }
    for name, (byline, author, dropped) in cases.items():
        doc = one_page(tmp_path, _byline_page(byline), f"{name}.html")
        meta = dict(doc.meta)
        assert doc.author == author, (name, doc.author)
        assert meta.get("author_not_taken") == dropped, name
        assert ("author_from" in meta) == (author is not None), name


def test_a_collection_s_author_field_that_is_a_date_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    rows = [{"id": "1", "text": STORY, "author": "July 15, 2018"},
            {"id": "2", "text": STORY + " Later.", "author": "May Li; Tue, 17 Jul 2018 09:00 GMT"},
            {"id": "3", "text": STORY + " Again.", "author": "2018"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    docs = {d.id: d for d in sources.load(path).documents}
    assert docs["feed#1"].author is None and dict(docs["feed#1"].meta)["author_not_taken"] == "July 15, 2018"
    assert docs["feed#2"].author == "May Li"
    assert dict(docs["feed#2"].meta)["author_not_taken"] == "Tue, 17 Jul 2018 09:00 GMT"
    assert docs["feed#3"].author is None


def test_is_date_tells_dates_from_names() -> None:
    from provenance.sources.dates import is_date

    dates = ("July", "Updated July", "July 15, 2018", "15th July", "Monday", "Sat", "2018", "By",
             "Published on 2018-07-15T07:54:28Z", "Tue, 17 Jul 2018 09:00 GMT", "Posted at 10:30")
    names = ("April Ryan", "June Carter", "May Li", "Sun Yang", "Jan Smith", "August Wilson", "Christa May",
             "Tuesday Weld", "The Associated Press", "Staff Reporter", "Reuters", "A. B. Jones")
    assert [d for d in dates if not is_date(d)] == []
    assert [n for n in names if is_date(n)] == []
