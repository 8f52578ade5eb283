"""Office files as articles: PDF (pypdf), Word .docx (python-docx),
OpenDocument .odt (odfdo) and RTF (striprtf).

The document's text is what the file shows, in reading order, paragraphs
separated by a blank line; every character offset indexes that extracted
text.  Title from the file's own metadata where it names one; a publication
date is never taken from it (a PDF's ``/CreationDate`` and a .docx's
``created`` are when the file was made, not when the story was published):
what was found is kept in ``meta``.  Each library is imported only when
such a file is read.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from statistics import median
from typing import Any

from provenance.model import Document, Skipped

PDF_SUFFIXES = (".pdf",)
DOCX_SUFFIXES = (".docx",)
ODT_SUFFIXES = (".odt",)
RTF_SUFFIXES = (".rtf",)
OFFICE_SUFFIXES = PDF_SUFFIXES + DOCX_SUFFIXES + ODT_SUFFIXES + RTF_SUFFIXES

#: fewer words than this in the whole file: no article (as for a web page)
MIN_WORDS = 25
#: a page with fewer words than this "yields little text" (a scan, a figure, a cover)
THIN_PAGE_WORDS = 20
#: a vertical gap this many times the page's usual line spacing starts a paragraph
PARAGRAPH_GAP = 1.4

# metadata titles that name the program or the template, not the story
_JUNK_TITLE = re.compile(r"^(untitled|document\d*|microsoft word - .*|title|\s*)$", re.IGNORECASE)
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: a password-protected .docx or an old .doc


def _title(found: str | None, text: str) -> tuple[str, str]:
    """The title and where it came from: the metadata's when it is one, else the first line."""
    if found and not _JUNK_TITLE.match(found.strip()):
        return found.strip()[:200], "metadata"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return (first if len(first) <= 120 else first[:117].rstrip() + "..."), "first line"


def _document(data: bytes, rel: str, doc_id: str, text: str, found_title: str | None, title_source: str,
              meta: list[tuple[str, str]]) -> Document:
    """The document an office file gives: its title from its metadata when that
    is one (``title_source`` names the field), else its first line."""
    title, title_from = _title(found_title, text)
    meta.append(("title_from", title_source if title_from == "metadata" else title_from))
    return Document(id=doc_id, path=rel, title=title, text=text, sha256=hashlib.sha256(data).hexdigest(),
                    meta=tuple(sorted(meta)))


def _words(text: str) -> int:
    return len(text.split())


# --- PDF -------------------------------------------------------------------


def _page_text(page: Any) -> str:
    """A page's text in content order, lines as pypdf finds them, a blank line
    where the vertical gap is well over the page's usual line spacing."""
    chunks: list[tuple[str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text:
            y = float(tm[5]) * float(cm[3]) + float(tm[4]) * float(cm[1]) + float(cm[5])
            chunks.append((text, y))

    plain: str = page.extract_text(visitor_text=visit) or ""
    if "".join(c for c, _ in chunks) != plain:
        return plain  # the visitor did not see the text as returned: keep pypdf's lines
    # where each line starts: the chunk after a newline, and its baseline
    starts: list[tuple[int, float]] = []  # (index into chunks, y)
    at_line_start = True
    for i, (chunk, y) in enumerate(chunks):
        if at_line_start and chunk.strip():
            starts.append((i, y))
            at_line_start = False
        if chunk.endswith("\n"):
            at_line_start = True
    gaps = [a[1] - b[1] for a, b in itertools.pairwise(starts) if a[1] - b[1] > 0]
    if len(gaps) < 2:
        return plain
    usual = median(gaps)
    breaks = {b[0] for a, b in itertools.pairwise(starts) if a[1] - b[1] > PARAGRAPH_GAP * usual}
    out: list[str] = []
    for i, (chunk, _) in enumerate(chunks):
        if i in breaks and out and not "".join(out).endswith("\n\n"):
            out.append("\n")
        out.append(chunk)
    return "".join(out)


def _clean(text: str) -> str:
    """Trailing spaces off each line, runs of blank lines as one, ends stripped."""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def from_pdf(data: bytes, rel: str, doc_id: str) -> Document | Skipped:
    """A PDF's text layer as a document, or why not (corrupt, encrypted, no text)."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    name = rel.rsplit("/", 1)[-1]
    if not data.lstrip()[:1024].find(b"%PDF-") >= 0:
        return Skipped(rel, f"corrupt PDF: {name} does not start with a %PDF- header")
    meta: list[tuple[str, str]] = [("format", "pdf")]
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # an owner password alone restricts editing, not reading: the empty user password opens it
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf's ciphers raise several kinds
                return Skipped(rel, f"encrypted PDF: {name} cannot be decrypted here ({type(exc).__name__}: {exc})")
            if not opened:
                return Skipped(rel, f"encrypted PDF: {name} needs a password to open; not read")
            meta.append(("encrypted", "owner password only (opened without one)"))
        n_pages = len(reader.pages)
        pages: list[str] = []
        for page in reader.pages:  # one page at a time: only the texts are kept
            pages.append(_clean(_page_text(page)))
        info = reader.metadata
    except FileNotDecryptedError:
        return Skipped(rel, f"encrypted PDF: {name} needs a password to open; not read")
    except (PdfReadError, Exception) as exc:  # noqa: BLE001 - a broken file raises anything from pypdf
        return Skipped(rel, f"corrupt PDF: {name} could not be read ({type(exc).__name__}: {exc})")
    words = [_words(p) for p in pages]
    total = sum(words)
    if total == 0:
        return Skipped(rel, f"no text layer in PDF: {name} has {n_pages} page(s) and none holds text "
                            "(a scan? run OCR on it first)")
    thin = sum(1 for w in words if w < THIN_PAGE_WORDS)
    if total < MIN_WORDS:
        return Skipped(rel, f"little text in PDF: {name} yields {total} words from {n_pages} page(s) "
                            f"(fewer than {MIN_WORDS}; a scan without a text layer?)")
    text = "\n\n".join(p for p in pages if p)
    meta.append(("pages", str(n_pages)))
    if thin:
        meta.append(("pages_with_little_text", (f"{thin} of {n_pages} (under {THIN_PAGE_WORDS} words: "
                                               "scanned pages or figures are not in the text)")))
    found_title = None
    if info is not None:
        found_title = str(info.title) if info.title else None
        for key, label in (("/CreationDate", "pdf_created"), ("/ModDate", "pdf_modified"),
                           ("/Author", "pdf_author"), ("/Producer", "pdf_producer")):
            value = info.get(key)
            if value:
                meta.append((label, str(value)))
        if info.get("/CreationDate"):
            meta.append(("date_not_taken", ("a PDF states no publication date: /CreationDate is when "
                                               "the file was made, not taken as one")))
    return _document(data, rel, doc_id, text, found_title, "pdf /Title", meta)


# --- DOCX ------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph_text(p: Any) -> str:
    """A paragraph's text with tracked changes accepted: insertions in, deletions
    (``w:delText``, ``w:moveFrom``) out; comments live elsewhere and are never in."""
    parts: list[str] = []
    for el in p.iter(f"{{{_W}}}t", f"{{{_W}}}tab", f"{{{_W}}}br", f"{{{_W}}}cr"):
        if any(a.tag in (f"{{{_W}}}del", f"{{{_W}}}moveFrom") for a in el.iterancestors()):
            continue
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(el.text or "")
        elif tag == "tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _body_paragraphs(body: Any) -> list[str]:
    """The body's paragraphs in reading order, a table's cells row by row."""
    out: list[str] = []
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(_paragraph_text(el))
        elif tag == "tbl":
            for tc in el.iter(f"{{{_W}}}tc"):
                for p in tc.iterchildren(f"{{{_W}}}p"):
                    out.append(_paragraph_text(p))
        elif tag == "sdt":  # a content control: its paragraphs
            content = el.find(f"{{{_W}}}sdtContent")
            if content is not None:
                out.extend(_body_paragraphs(content))
    return out


def from_docx(data: bytes, rel: str, doc_id: str) -> Document | Skipped:
    """A Word document's body text as a document, or why not."""
    name = rel.rsplit("/", 1)[-1]
    if data.startswith(_CFB):
        return Skipped(rel, f"encrypted or old-format Word file: {name} is an OLE compound file, "
                            "not a .docx package (password-protected, or a .doc renamed)")
    if not data.startswith(b"PK"):
        return Skipped(rel, f"corrupt .docx: {name} is not a zip package")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = _body_paragraphs(document.element.body)
        props = document.core_properties
    except Exception as exc:  # noqa: BLE001 - zipfile, lxml and python-docx raise many kinds
        return Skipped(rel, f"corrupt .docx: {name} could not be read ({type(exc).__name__}: {exc})")
    text = _clean("\n\n".join(p.strip() for p in paragraphs if p.strip()))
    n_words = _words(text)
    if n_words < MIN_WORDS:
        return Skipped(rel, f"little text in .docx: {name} holds {n_words} words (fewer than {MIN_WORDS})")
    meta: list[tuple[str, str]] = [("format", "docx")]
    for attr, label in (("created", "docx_created"), ("modified", "docx_modified"), ("author", "docx_author")):
        value = getattr(props, attr, None)
        if value:
            meta.append((label, value.isoformat() if hasattr(value, "isoformat") else str(value)))
    if props.created or props.modified:
        meta.append(("date_not_taken", ("a .docx states no publication date: created and modified are "
                                           "when the file was made and saved, not taken as one")))
    return _document(data, rel, doc_id, text, props.title, "docx core_properties.title", meta)


# --- ODT -------------------------------------------------------------------

#: the paragraphs and headings of the body, in reading order (tables cell by cell, lists item by item);
#: not those of a comment, a footnote, a text box inside a paragraph, or the deleted text that tracked
#: changes keep at the top of the body
_ODT_PARAGRAPHS = ("(.//text:p | .//text:h)[not(ancestor::office:annotation) and not(ancestor::text:tracked-changes)"
                   " and not(ancestor::text:note) and not(ancestor::text:p) and not(ancestor::text:h)]")


def _odt_paragraph(p: Any) -> str:
    """A paragraph's text as odfdo reads it (spaces, tabs, line breaks), its
    comments and footnotes left out; a tracked insertion is in the text and a
    deletion is not (ODF keeps deleted text outside the paragraph)."""
    p = p.clone
    for el in p.xpath(".//office:annotation | .//office:annotation-end | .//text:note"):
        el.delete()
    return str(p.inner_text)


def from_odt(data: bytes, rel: str, doc_id: str) -> Document | Skipped:
    """An OpenDocument text's body as a document, or why not."""
    import zipfile

    name = rel.rsplit("/", 1)[-1]
    if not data.startswith(b"PK"):
        return Skipped(rel, f"corrupt .odt: {name} is not a zip package")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            manifest = z.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in z.namelist() else b""
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return Skipped(rel, f"corrupt .odt: {name} could not be read ({type(exc).__name__}: {exc})")
    if b"encryption-data" in manifest:
        return Skipped(rel, f"encrypted .odt: {name} needs a password to open; not read")
    from odfdo import Document as OdfDocument

    try:
        document = OdfDocument(io.BytesIO(data))
        paragraphs = [_odt_paragraph(p) for p in document.body.xpath(_ODT_PARAGRAPHS)]
        found_title, created = document.meta.title, document.meta.creation_date
    except Exception as exc:  # noqa: BLE001 - zipfile, lxml and odfdo raise many kinds
        return Skipped(rel, f"corrupt .odt: {name} could not be read ({type(exc).__name__}: {exc})")
    text = _clean("\n\n".join(p.strip() for p in paragraphs if p.strip()))
    n_words = _words(text)
    if n_words < MIN_WORDS:
        return Skipped(rel, f"little text in .odt: {name} holds {n_words} words (fewer than {MIN_WORDS})")
    meta: list[tuple[str, str]] = [("format", "odt")]
    if created:
        meta.append(("odt_created", created.isoformat() if hasattr(created, "isoformat") else str(created)))
        meta.append(("date_not_taken", ("an .odt states no publication date: its creation date is when the "
                                           "file was made, not taken as one")))
    return _document(data, rel, doc_id, text, found_title, "odt dc:title", meta)


# --- RTF -------------------------------------------------------------------

_RTF_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_RTF_TITLE = re.compile(r"\{\\title\s?((?:[^{}\\]|\\.)*)\}", re.DOTALL)
_RTF_DELETED = re.compile(r"\{\\deleted(?![a-z])")


def _drop_deleted(rtf: str) -> tuple[str, int]:
    """The RTF with its tracked deletions left out: each group that opens
    with ``\\deleted`` (as Word writes them), found by matching its braces
    (escaped ones, ``\\{``, do not count); and how many were dropped."""
    out, at, dropped = [], 0, 0
    for m in _RTF_DELETED.finditer(rtf):
        if m.start() < at:
            continue
        depth, i = 0, m.start()
        while i < len(rtf):
            c = rtf[i]
            if c == "\\":
                i += 2
                continue
            depth += c == "{"
            depth -= c == "}"
            i += 1
            if depth == 0:
                break
        out.append(rtf[at:m.start()])
        at = i
        dropped += 1
    out.append(rtf[at:])
    return "".join(out), dropped


def from_rtf(data: bytes, rel: str, doc_id: str) -> Document | Skipped:
    """An RTF file's text as a document (striprtf), or why not."""
    import codecs

    name = rel.rsplit("/", 1)[-1]
    if not data.lstrip().startswith(b"{\\rtf"):
        return Skipped(rel, f"corrupt RTF: {name} does not start with {{\\rtf")
    page = _RTF_CODEPAGE.search(data[:4096])
    encoding = f"cp{int(page.group(1))}" if page else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit text; bytes above it are the code page's, as striprtf reads its \\'xx escapes
    rtf, dropped = _drop_deleted(data.decode(encoding, errors="replace"))
    try:
        raw = rtf_to_text(rtf, encoding=encoding, errors="replace")
    except Exception as exc:  # noqa: BLE001 - a broken file raises anything from striprtf's parser
        return Skipped(rel, f"corrupt RTF: {name} could not be read ({type(exc).__name__}: {exc})")
    # each \\par ends a paragraph: a blank line between them, as for the other formats
    text = _clean("\n\n".join(ln.strip() for ln in raw.splitlines() if ln.strip()))
    n_words = _words(text)
    if n_words < MIN_WORDS:
        return Skipped(rel, f"little text in RTF: {name} holds {n_words} words (fewer than {MIN_WORDS})")
    meta: list[tuple[str, str]] = [("format", "rtf")]
    if dropped:
        meta.append(("tracked_deletions", f"{dropped} left out"))
    found = _RTF_TITLE.search(rtf)
    found_title = " ".join(rtf_to_text(found.group(1), encoding=encoding, errors="replace").split()) if found else None
    return _document(data, rel, doc_id, text, found_title, "rtf \\title", meta)
