"""Articles inside files: a saved web page (trafilatura; its publication date
only as its publisher states it, ``page_date``) or a collection with one
article per record (JSON Lines, a JSON list, CSV)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from provenance.model import Document, Skipped
from provenance.sources import safe
from provenance.sources.dates import is_date, read_date

# trafilatura and its helpers log extraction trouble at WARNING on the root
# logger; the skip reason says what matters.
for _name in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
    logging.getLogger(_name).setLevel(logging.ERROR)


#: A web page whose extracted body is shorter than this holds no article: what
#: trafilatura falls back to on such pages is a menu label or a cookie notice.
MIN_ARTICLE_WORDS = 25


@dataclass(frozen=True)
class Columns:
    """Record field names; ``None`` means the first of the usual names found."""

    text: str | None = None
    id: str | None = None
    title: str | None = None
    date: str | None = None
    url: str | None = None
    site: str | None = None
    author: str | None = None


_USUAL = {
    "text": ("text", "body", "content", "article", "full_text"),
    "id": ("id", "doc_id", "uid", "guid"),
    "title": ("title", "headline"),
    # not scrape or crawl times: those say when a page was fetched, not published
    "date": ("date", "published", "publication_date", "pubdate", "datetime"),
    "url": ("url", "link", "canonical_url"),
    "site": ("site", "publisher", "sitename", "source", "outlet"),
    "author": ("author", "byline", "authors"),
}


def _found(record: dict[str, Any], columns: Columns, name: str) -> tuple[str, str] | None:
    """(the record's field that gives ``name``, its value as text), or None."""
    chosen = getattr(columns, name)
    keys = (chosen,) if chosen else _USUAL[name]
    lower = {str(k).lower(): k for k in record}
    for key in keys:
        k = lower.get(key.lower())
        if k is not None and record[k] not in (None, ""):
            value = record[k]
            return str(k), value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return None


def _key(record: dict[str, Any], columns: Columns, name: str) -> str | None:
    """The record's field that would give ``name`` (empty or not), or None."""
    chosen = getattr(columns, name)
    lower = {str(k).lower(): str(k) for k in record}
    return next((lower[k.lower()] for k in ((chosen,) if chosen else _USUAL[name]) if k.lower() in lower), None)


#: the most column names a skip line lists, and the most characters of each
_LISTED = 20
_NAME_CHARS = 40


def _no_text(records: list[dict[str, Any]], columns: Columns, header: list[str] | None) -> str | None:
    """Why no record of a collection can give a text, said once for the file
    (the columns found, the option that names one), or None when one can."""
    keys = [_key(r, columns, "text") for r in records]
    if any(k is not None and _field(r, columns, "text") for k, r in zip(keys, records)):
        return None
    found: dict[str, None] = dict.fromkeys(header or ())
    for r in records:
        found.update(dict.fromkeys(str(k) for k in r))
    # a CSV without a header row has its first record's values as names: each is cut short
    names = [n if len(n) <= _NAME_CHARS else n[:_NAME_CHARS - 1] + "…" for n in found]
    listed = ", ".join(names[:_LISTED]) + (f", … ({len(names) - _LISTED} more)" if len(names) > _LISTED else "")
    have = sorted({k for k in keys if k is not None})
    n = _count(len(records), "record")
    if have:
        which = ", ".join(repr(k) for k in have)
        return (f"the text column {which} is empty in all {n} (columns: {listed}); "
                "name another with --text-column")
    if columns.text:
        return f"no column {columns.text!r} (--text-column) in its {n} (columns: {listed or 'none'})"
    return f"no text column in its {n} (columns: {listed or 'none'}); name one with --text-column"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _field(record: dict[str, Any], columns: Columns, name: str) -> str | None:
    got = _found(record, columns, name)
    return got[1] if got else None


# -- a page's publication date, only as its publisher states it --------------
#
# Not htmldate: even with ``extensive_search=False`` it reads the text of
# every <footer> and <small> ("© 2016 ..., 12 March 2016"), the <h1> and
# <title>, any <time> on the page (a reader's comment), and finally any
# ISO-looking date in the body text.  A guessed date is worse than none (it
# decides direction at high confidence), so the page's own statements are read
# here, in this order, and nothing else.

#: (attribute value, name recorded in ``meta["published_from"]``), strongest first
_META_NAMES = (
    ("article:published_time", "article:published_time"),
    ("og:published_time", "og:published_time"),
    ("og:article:published_time", "og:published_time"),
)
_META_NAMES_LATER = (  # after JSON-LD and microdata
    ("dc.date.issued", "DC.date.issued"),
    ("dcterms.issued", "DC.date.issued"),
    ("datepublished", "meta datePublished"),
    ("citation_publication_date", "citation_publication_date"),
    ("publication_date", "meta publication_date"),
    ("dc.date", "DC.date"),
    ("dcterms.date", "DC.date"),
    ("date", "meta date"),
    ("pubdate", "meta pubdate"),
    ("publishdate", "meta pubdate"),
    ("publish-date", "meta pubdate"),
)
#: where a date is not the article's: a site's footer and navigation, an aside,
#: comments (by the HTML element, its ARIA role, or a comment section's usual id/class)
_OUTSIDE_TAGS = frozenset({"footer", "nav", "aside"})
_OUTSIDE_ROLES = frozenset({"contentinfo", "navigation", "complementary"})
_COMMENTS = re.compile(
    r"(?:comments?|comment[-_]?(?:list|area|section|body|content|thread|wrap\w*|container)"
    r"|comments[-_](?:list|area|section|thread|wrap\w*|container)|disqus[-_]thread|respond|replies)",
    re.IGNORECASE,
)
#: what a time says when it is not the publication: an update
_UPDATED = re.compile(r"updat|modif|edited|revis", re.IGNORECASE)
#: schema.org types whose ``datePublished`` is the article's (or its page's)
_ARTICLE_TYPE = re.compile(r"(?:\w*Article|BlogPosting|LiveBlogPosting|Report|CreativeWork)")
_PAGE_TYPE = re.compile(r"\w*WebPage|ItemPage")
#: the day in a URL's path, as sites that use one write it: /2018/07/15/
_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:/|$)")
#: a paragraph this long is the article's body: a <time> after it is not in the header
_BODY_WORDS = 20
_MIDNIGHT = re.compile(r"[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]\d\d:?\d\d)?$")


def _page_date(value: str | None) -> str | None:
    """A page's date; a time of exactly midnight is what stands in for a page
    that gives only the day, so it is read as the day."""
    if not value:
        return None
    return value[:10] if _MIDNIGHT.search(value) else value


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _types(value: Any) -> list[str]:
    """schema.org type names without their prefix (``schema:NewsArticle``, a URL)."""
    names = value if isinstance(value, list) else [value]
    return [re.split(r"[/:#]", n)[-1] for n in names if isinstance(n, str)]


def _outside(el: Any, stop: Any = None) -> bool:
    """Whether ``el`` is in a footer, navigation, an aside or a comment section
    (looking up to ``stop``, exclusive)."""
    while el is not None and el is not stop:
        tag = _tag(el)
        if tag in ("body", "html"):
            return False
        if tag in _OUTSIDE_TAGS or (el.get("role") or "").strip().lower() in _OUTSIDE_ROLES:
            return True
        tokens = (el.get("id") or "").split() + (el.get("class") or "").split()
        if any(_COMMENTS.fullmatch(t) for t in tokens):
            return True
        if any(t.endswith("Comment") for t in _types((el.get("itemtype") or "").split())):
            return True
        el = el.getparent()
    return False


def _meta_dates(tree: Any, names: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, str]]:
    wanted = dict(names)
    found: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content or _outside(el):
            continue
        for attr in ("property", "name"):
            key = (el.get(attr) or "").strip().lower()
            if key in wanted:
                found.setdefault(key, []).append(content)
                break
    for key, label in names:
        for content in found.get(key, ()):
            yield content, label


def _json_ld_dates(tree: Any) -> Iterator[tuple[str, str]]:
    """``datePublished`` of the page's article (then of the page itself) in its
    JSON-LD: top-level items, items of ``@graph`` and a page's ``mainEntity``;
    not the dates of comments, reviews or related items nested in them."""
    articles: list[str] = []
    pages: list[str] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        raw = script.text.strip()
        for wrap in ("<!--", "//<![CDATA[", "<![CDATA["):
            raw = raw.removeprefix(wrap)
        for wrap in ("-->", "//]]>", "]]>"):
            raw = raw.removesuffix(wrap)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        todo: list[tuple[Any, int]] = [(data, 0)]
        while todo:
            node, depth = todo.pop(0)
            if isinstance(node, list):
                todo.extend((n, depth) for n in node)
                continue
            if not isinstance(node, dict) or depth > 3:
                continue
            for key in ("@graph", "mainEntity"):
                if key in node:
                    todo.append((node[key], depth + 1))
            value = node.get("datePublished")
            if isinstance(value, list):
                value = next((v for v in value if isinstance(v, (str, dict))), None)
            if isinstance(value, dict):
                value = value.get("@value")
            if not isinstance(value, str) or not value.strip():
                continue
            types = _types(node.get("@type"))
            if any(_ARTICLE_TYPE.fullmatch(t) for t in types):
                articles.append(value.strip())
            elif any(_PAGE_TYPE.fullmatch(t) for t in types):
                pages.append(value.strip())
    for value in articles + pages:
        yield value, "json-ld datePublished"


def _microdata_dates(tree: Any) -> Iterator[tuple[str, str]]:
    """``itemprop="datePublished"`` of the article (or of no item at all), not
    of a comment or a review marked up inside it, nor of an item in a footer,
    an aside or the navigation (the article's own may sit in its footer)."""
    for el in tree.iter():
        if not _tag(el) or "datepublished" not in (el.get("itemprop") or "").lower().split():
            continue
        scope = el.getparent()
        while scope is not None and scope.get("itemscope") is None:
            scope = scope.getparent()
        if scope is not None:
            types = _types((scope.get("itemtype") or "").split())
            if not any(_ARTICLE_TYPE.fullmatch(t) or _PAGE_TYPE.fullmatch(t) for t in types):
                continue
        if _outside(el if scope is None else scope):
            continue
        tag = _tag(el)
        value = el.get("content") if tag == "meta" else el.get("datetime") if tag == "time" else None
        value = (value if value is not None else el.text_content()).strip()
        if value:
            yield value, "itemprop datePublished"


def _main_article(tree: Any) -> Any:
    """The page's one article: an <article> (inside <main> when the page has
    one) that is not nested in another, nor in a footer, aside or comments;
    of several, one that holds at least twice the text of any other, else none."""
    mains = [m for m in tree.iter() if _tag(m) == "main" or (_tag(m) and (m.get("role") or "").lower() == "main")]
    roots = mains or [tree]
    found = []
    for root in roots:
        for art in root.iter("article"):
            up = art.getparent()
            while up is not None and _tag(up) != "article":
                up = up.getparent()
            if up is None and not _outside(art) and art not in found:
                found.append(art)
    if len(found) <= 1:
        return found[0] if found else None
    sizes = sorted(((len(a.text_content().split()), i) for i, a in enumerate(found)), reverse=True)
    return found[sizes[0][1]] if sizes[0][0] >= 2 * sizes[1][0] else None


def _time_dates(tree: Any) -> Iterator[tuple[str, str]]:
    """A <time> of the article's header: with ``pubdate``, anywhere in the
    article; otherwise in the article's <header> or before its first body
    paragraph (one without a <time>, or of 20 words or more).  Not an update's
    time, nor one in a figure, a quotation, a nested article (a comment) or
    the article's footer or asides."""
    art = _main_article(tree)
    if art is None:
        return

    def own(el: Any) -> bool:  # in the article itself, not in a part of it that is not the header
        up = el.getparent()
        while up is not None and up is not art:
            if _tag(up) in ("article", "figure", "figcaption", "blockquote", "q"):
                return False
            up = up.getparent()
        return not _outside(el, art)

    def in_header(el: Any) -> bool:
        up = el.getparent()
        while up is not None and up is not art:
            if _tag(up) == "header":
                return True
            up = up.getparent()
        return False

    def value(el: Any) -> str | None:
        if _UPDATED.search(" ".join(el.get(a) or "" for a in ("class", "itemprop", "id"))):
            return None
        got = el.get("datetime")
        if got is None and el.get("pubdate") is not None:
            got = el.text_content()
        return got.strip() if got and got.strip() else None

    times = [t for t in art.iter("time") if own(t)]
    header_times = set(times)
    for t in times:
        if t.get("pubdate") is not None and (v := value(t)):
            yield v, "time element"
    for el in art.iter():
        tag = _tag(el)
        if tag == "p" and own(el) and not in_header(el):
            has_time = any(True for _ in el.iter("time"))
            if not has_time or len(el.text_content().split()) >= _BODY_WORDS:
                return
        if tag == "time" and el in header_times and (v := value(el)):
            yield v, "time element"


def _url_dates(tree: Any) -> Iterator[tuple[str, str]]:
    """The day in the path of the page's canonical URL (or og:url)."""
    from urllib.parse import urlsplit

    urls = [el.get("href") for el in tree.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    urls += [el.get("content") for el in tree.iter("meta") if (el.get("property") or "").lower() == "og:url"]
    for url in urls:
        try:
            path = urlsplit((url or "").strip()).path
        except ValueError:
            continue
        m = _URL_DAY.search(path)
        if m:
            yield "-".join(m.groups()), "url path"


def stated_dates(tree: Any) -> Iterator[tuple[str, str]]:
    """Every publication date the page's publisher states, as (value as found,
    where), strongest first: its metadata, its JSON-LD and microdata, the
    <time> in its article's header, the day in its URL."""
    yield from _meta_dates(tree, _META_NAMES)
    yield from _json_ld_dates(tree)
    yield from _microdata_dates(tree)
    yield from _meta_dates(tree, _META_NAMES_LATER)
    yield from _time_dates(tree)
    yield from _url_dates(tree)


#: the years a web page's date can have in the Gregorian calendar: a year
#: outside is another calendar's (Solar Hijri 1404, Buddhist 2568)
_PAGE_YEARS = range(1800, 2200)


def _load_tree(data: bytes) -> Any:
    """The page's element tree (trafilatura's parser), or None when it cannot be parsed."""
    from trafilatura.utils import load_html

    try:
        return load_html(data)
    except Exception:  # noqa: BLE001 - lxml raises many kinds on broken markup; then there is no tree
        return None


def page_date(data: bytes) -> tuple[str | None, list[tuple[str, str]]]:
    """The page's publication date and what ``meta`` says of it: the first
    stated date that reads as one (``dates.read_date``), a bare midnight read
    as the day; when none reads, none, with the first as found and why;
    ``(None, [])`` for a page that states none.  What the page wrote is in
    ``meta`` as it may be shown (``safe.field``)."""
    return _tree_date(_load_tree(data))


def _tree_date(tree: Any) -> tuple[str | None, list[tuple[str, str]]]:
    if tree is None:
        return None, []
    first: list[tuple[str, str]] = []
    for value, where in stated_dates(tree):
        value = " ".join(value.split())
        iso, why = read_date(value)
        if iso is not None and (year := int(iso[:4])) not in _PAGE_YEARS:
            iso, why = None, f"the year {year} is another calendar's, not a Gregorian date"
        if iso is not None:
            published = _page_date(iso)
            meta = [("published_from", where)]
            return published, meta + ([("published_as_found", safe.field(value))] if published != value else [])
        first = first or [("published_from", where), ("published_as_found", safe.field(value)),
                          ("published_not_read", why or "not a date")]
    return None, first


def from_html(data: bytes, rel: str, doc_id: str) -> Document | Skipped:
    """The article body and metadata of a saved web page; its publication date
    only as its publisher states it (``page_date``)."""
    import trafilatura  # slow to import: only when a page is read

    # htmldate runs inside trafilatura's metadata whatever is asked; its fast
    # mode is the cheaper, and what it finds is not used (page_date)
    params = {"extensive_search": False, "original_date": True}
    try:
        got = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                          date_extraction_params=params)
    except Exception as exc:  # noqa: BLE001 - trafilatura raises many kinds on broken markup
        return Skipped(rel, f"unreadable HTML: {type(exc).__name__}: {exc}")
    info = got.as_dict() if got is not None and hasattr(got, "as_dict") else (got or {})
    text = (info.get("text") or "").strip()
    n_words = len(text.split())
    if n_words < MIN_ARTICLE_WORDS:
        return Skipped(rel, f"no article text found in the HTML page ({n_words} words outside scripts and navigation)")
    tree = _load_tree(data)
    links = _link_words(text, tree)
    if n_words - links < MIN_ARTICLE_WORDS:
        # a home or section page: what trafilatura fell back to is its menu and a list of headlines
        return Skipped(rel, f"no article text found in the HTML page ({n_words - links} words outside links; "
                            f"the other {links} are menu and link text)")
    published, meta = _tree_date(tree)
    meta.append(("format", "html"))
    for key in ("sitename", "url", "title"):
        if info.get(key):
            meta.append((f"{key}_from", "html"))
    author, not_taken = authors(info.get("author"))
    if author:
        meta.append(("author_from", "html"))
    if not_taken:
        meta.append(("author_not_taken", not_taken))
    return Document(
        id=doc_id, path=rel, title=info.get("title") or text.splitlines()[0][:120], text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        published=published, site=info.get("sitename") or info.get("hostname") or None,
        url=info.get("url") or None, author=author, meta=tuple(sorted(meta)),
    )


def _link_words(text: str, tree: Any) -> int:
    """Words of ``text`` on lines that are, whole, the text of one of the
    page's links (a menu label, a headline in a list of stories): the lines
    trafilatura extracts from a page that holds no article.  A paragraph
    with a link inside it is not one of these."""
    if tree is None:
        return 0
    labels = {" ".join(a.text_content().split()) for a in tree.iter("a")}
    labels.discard("")
    return sum(len(words) for line in text.splitlines() if (words := line.split()) and " ".join(words) in labels)


def authors(value: str | None) -> tuple[str | None, str | None]:
    """(the author names in ``value``, what was left out as a date): a byline's
    date ("July 15, 2018", cut to "July" by trafilatura, "Updated July",
    "Monday") is never an author (``dates.is_date``); names that begin with
    a month ("April Ryan") are kept.  Several names are split at ";"."""
    if not value or not value.strip():
        return None, None
    kept: list[str] = []
    dropped: list[str] = []
    for part in value.split(";"):
        part = part.strip()
        if part:
            (dropped if is_date(part) else kept).append(part)
    return "; ".join(kept) or None, "; ".join(dropped) or None


def _record(
    record: Any, where: str, rel: str, file_id: str, number: int, columns: Columns, fmt: str
) -> Document | Skipped:
    if not isinstance(record, dict):
        return Skipped(f"{rel}#{number}", f"malformed record at {where}: not an object")
    text = _field(record, columns, "text")
    if text is None or not text.strip():
        wanted = columns.text or "/".join(_USUAL["text"])
        return Skipped(f"{rel}#{number}", f"record at {where} has no text (field {wanted!r})")
    rec_id = _field(record, columns, "id") or str(number)
    title = _field(record, columns, "title") or text.strip().splitlines()[0][:120]
    date = _found(record, columns, "date")
    meta = (("format", fmt),) + ((("published_from", f"collection field {safe.field(date[0])}"),) if date else ())
    author, not_taken = authors(_field(record, columns, "author"))
    if not_taken:
        meta += (("author_not_taken", not_taken),)
    return Document(
        id=f"{file_id}#{rec_id}", path=f"{rel}#{rec_id}", title=title, text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        published=date[1] if date else None, site=_field(record, columns, "site"),
        url=_field(record, columns, "url"), author=author,
        meta=tuple(sorted(meta)),
    )


def _jsonl(text: str) -> Iterator[tuple[int, Any, str | None]]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield n, None, f"malformed record at line {n}: {exc.msg}"
        except RecursionError:
            yield n, None, f"malformed record at line {n}: nested too deeply to read"


def _csv(text: str) -> Iterator[tuple[int, Any, str | None]]:
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        yield 1, None, f"malformed CSV header: {exc}"
        return
    while True:
        start = reader.line_num + 1  # a record's first line (a field may hold newlines)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, f"malformed record at line {reader.line_num}: {exc}"
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield reader.line_num, None, (
                f"malformed record at line {reader.line_num}: {len(row)} fields, header has {len(header)}"
            )
            continue
        yield start, dict(zip(header, row)), None


def _csv_header(text: str) -> list[str] | None:
    try:
        return next(csv.reader(io.StringIO(text, newline="")))
    except (StopIteration, csv.Error):
        return None


def _json(text: str) -> Iterator[tuple[int, Any, str | None]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield exc.lineno, None, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        return
    except RecursionError:
        yield 1, None, "malformed JSON: nested too deeply to read"
        return
    if isinstance(data, dict):
        inner = next((data[k] for k in ("articles", "records", "items", "documents") if isinstance(data.get(k), list)), None)
        data = inner if inner is not None else [data]
    if not isinstance(data, list):
        yield 1, None, "malformed JSON: neither a list of records nor one record"
        return
    for n, item in enumerate(data, 1):
        yield n, item, None


def from_collection(
    text: str, suffix: str, rel: str, file_id: str, columns: Columns
) -> list[Document | Skipped]:
    """One document per record; a skip, with its line, per malformed record."""
    parse = {".jsonl": _jsonl, ".csv": _csv, ".json": _json}[suffix]
    where = "item" if suffix == ".json" else "line"
    out: list[Document | Skipped] = []
    items: list[tuple[int, Any, str | None]] = list(parse(text))
    objects = [record for _, record, error in items if error is None and isinstance(record, dict)]
    why = _no_text(objects, columns, _csv_header(text) if suffix == ".csv" else None) if objects else None
    if why is not None:
        # one line for the file, not one per record; malformed records are still named
        for n, record, error in items:
            if error is not None:
                out.append(Skipped(f"{rel}#{where}{n}" if suffix != ".json" or n > 1 else rel, error))
            elif not isinstance(record, dict):
                out.append(Skipped(f"{rel}#{where}{n}", f"malformed record at {where} {n}: not an object"))
        return [*out, Skipped(rel, why)]
    number = 0
    taken: set[str] = set()
    for n, record, error in items:
        if error is not None:
            out.append(Skipped(f"{rel}#{where}{n}" if suffix != ".json" or n > 1 else rel, error))
            continue
        number += 1
        got = _record(record, f"{where} {n}", rel, file_id, number, columns, suffix.lstrip("."))
        if isinstance(got, Document) and got.id in taken:
            # an id the collection already used (a scrape that kept two versions):
            # this record is named by its place, and says so
            tail, k = f"@{where}{n}", 1
            while got.id + tail in taken:
                k += 1
                tail = f"@{where}{n}.{k}"
            got = dataclasses.replace(got, id=got.id + tail, path=got.path + tail,
                                      meta=tuple(sorted((*got.meta, ("id", f"repeated; this record is {where} {n}")))))
        if isinstance(got, Document):
            taken.add(got.id)
        out.append(got)
    if not out:
        out.append(Skipped(rel, "empty collection: no records"))
    return out
