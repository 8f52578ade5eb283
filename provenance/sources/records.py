"""Articles inside files: a saved web page (trafilatura) or a collection with
one article per record (JSON Lines, a JSON list, CSV)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from provenance.model import Document, Skipped

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


def _field(record: dict[str, Any], columns: Columns, name: str) -> str | None:
    chosen = getattr(columns, name)
    keys = (chosen,) if chosen else _USUAL[name]
    lower = {str(k).lower(): k for k in record}
    for key in keys:
        k = lower.get(key.lower())
        if k is not None and record[k] not in (None, ""):
            value = record[k]
            return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return None


#: htmldate's output with the time and zone when the page gives them
#: (``article:published_time``): two versions published on one day are then
#: ordered by the moment (lineage, ``by: times``)
_PAGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_MIDNIGHT = re.compile(r"T00:00:00(?:[+-]\d{4}|Z)?$")


def _page_date(value: str | None) -> str | None:
    """A page's date; a time of exactly midnight is what stands in for a page
    that gives only the day, so it is read as the day."""
    if not value:
        return None
    return value[:10] if _MIDNIGHT.search(value) else value


def from_html(data: bytes, rel: str, doc_id: str) -> Document | Skipped:
    """The article body and metadata of a saved web page."""
    import trafilatura  # slow to import: only when a page is read
    from trafilatura.settings import set_date_params

    params = {**set_date_params(), "outputformat": _PAGE_DATE_FORMAT}  # trafilatura's own, with the time
    try:
        got = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                          date_extraction_params=params)
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        return Skipped(rel, f"unreadable HTML: {type(exc).__name__}: {exc}")
    info = got.as_dict() if got is not None and hasattr(got, "as_dict") else (got or {})
    text = (info.get("text") or "").strip()
    n_words = len(text.split())
    if n_words < MIN_ARTICLE_WORDS:
        return Skipped(rel, f"no article text found in the HTML page ({n_words} words outside scripts and navigation)")
    meta = [("format", "html")]
    for key in ("date", "sitename", "author", "url", "title"):
        if info.get(key):
            meta.append((f"{key}_from", "html"))
    return Document(
        id=doc_id, path=rel, title=info.get("title") or text.splitlines()[0][:120], text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        published=_page_date(info.get("date")), site=info.get("sitename") or info.get("hostname") or None,
        url=info.get("url") or None, author=info.get("author") or None, meta=tuple(sorted(meta)),
    )


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
    return Document(
        id=f"{file_id}#{rec_id}", path=f"{rel}#{rec_id}", title=title, text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        published=_field(record, columns, "date"), site=_field(record, columns, "site"),
        url=_field(record, columns, "url"), author=_field(record, columns, "author"),
        meta=(("format", fmt),),
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
    items: Iterable[tuple[int, Any, str | None]] = parse(text)
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
