"""Office files as inputs: .docx (python-docx) and .pdf (pypdf).

The .docx files are built with python-docx; the PDFs with pypdf's own writer
(a page whose content stream draws the text in Helvetica, a standard font, so
the PDF has a real text layer), so no PDF-writing library is needed.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import docx
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

from provenance import sources
from provenance.cli import main
from provenance.model import Document, Skipped

PARAGRAPHS = [
    ("The harbour authority said on Monday that the new ferry terminal would open in September, two years "
    "later than planned, after engineers found that the foundations of the old pier could not carry the "
    "weight of the larger ships now used on the island route."),
    ("Construction began in the spring of last year, and the council had promised islanders that the first "
    "sailings from the new berth would carry passengers before the summer holidays, when the population of "
    "the island triples and queues for the ferry stretch back through the village."),
    ("A spokeswoman for the harbour authority said the delay would add about four million pounds to the "
    "cost of the project, most of it for steel piles driven deep into the bedrock beneath the harbour floor, "
    "and that the old pier would stay in use until the new terminal was ready."),
]
STORY = "\n\n".join(PARAGRAPHS)
TITLE = "Ferry terminal delayed by two years"


def write_docx(path: Path, paragraphs: list[str], title: str | None = TITLE) -> None:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if title:
        d.core_properties.title = title
    d.save(str(path))


def _lines(text: str, width: int = 80) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    return out


def _pdf_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(pages: list[list[str]], title: str | None = TITLE, password: str | None = None) -> bytes:
    """A PDF whose pages draw ``pages`` (each a list of paragraphs) as text, a
    paragraph's lines 14 pt apart and paragraphs 28 pt apart; an empty list
    draws a filled rectangle only (a page without a text layer, as a scan's)."""
    w = PdfWriter()
    for paragraphs in pages:
        page = w.add_blank_page(612, 792)
        if paragraphs:
            ops = ["BT", "/F1 11 Tf", "72 740 Td"]
            for k, para in enumerate(paragraphs):
                if k:
                    ops.append("0 -14 Td")  # an extra line's height: a paragraph break
                for line in _lines(para):
                    ops.append(f"({_pdf_escape(line)}) Tj")
                    ops.append("0 -14 Td")
            ops.append("ET")
            font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                     NameObject("/Subtype"): NameObject("/Type1"),
                                     NameObject("/BaseFont"): NameObject("/Helvetica"),
                                     NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
            page[NameObject("/Resources")] = DictionaryObject({
                NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
        else:
            ops = ["0.5 g", "72 72 468 648 re f"]
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("cp1252"))  # WinAnsiEncoding, curly quotes and dashes included
        page[NameObject("/Contents")] = ArrayObject([w._add_object(stream)])
    if title:
        w.add_metadata({"/Title": title, "/CreationDate": "D:20240105120000Z"})
    if password:
        w.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def odt_bytes(paragraphs: list[str], title: str | None = TITLE, heading: str | None = None,
              extra: tuple[str, ...] = (), tracked: str | None = None) -> bytes:
    """An OpenDocument text made with odfdo: an optional heading, the
    paragraphs, ``extra`` paragraphs as ODF XML, and a tracked-changes region
    (``tracked``: its XML) at the top of the body, where ODF keeps deletions."""
    from odfdo import Document as OdfDocument
    from odfdo import Element, Header, Paragraph

    d = OdfDocument("text")
    body = d.body
    body.clear()
    if tracked:
        body.append(Element.from_tag(tracked))
    if heading:
        body.append(Header(1, heading))
    for para in paragraphs:
        body.append(Paragraph(para))
    for xml in extra:
        body.append(Element.from_tag(xml))
    if title:
        d.meta.title = title
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _rtf_escape(text: str) -> str:
    out = []
    for c in text:
        if c in "\\{}":
            out.append("\\" + c)
        elif ord(c) < 128:
            out.append(c)
        else:
            try:
                out.append(f"\\'{c.encode('cp1252')[0]:02x}")
            except UnicodeEncodeError:
                out.append(f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?")
    return "".join(out)


def rtf_bytes(paragraphs: list[str], title: str | None = TITLE, raw: tuple[str, ...] = ()) -> bytes:
    """An RTF file as Word writes one: a font table, an info group with the
    title, each paragraph ended by \\par, and ``raw`` paragraphs as RTF."""
    head = ("{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}}"
            "{\\*\\revtbl{Unknown;}{ed;}}\n")
    info = ("{\\info{\\title " + _rtf_escape(title) + "}{\\author ed}{\\creatim\\yr2024\\mo1\\dy5\\hr12\\min0}}\n"
            if title else "")
    body = "".join("\\pard\\sa200\\f0\\fs24 " + _rtf_escape(p) + "\\par\n" for p in paragraphs)
    body += "".join("\\pard " + r + "\\par\n" for r in raw)
    return (head + info + body + "}\n").encode("ascii")


def _one(path: Path) -> Document | Skipped:
    got = sources.read_files([(str(path), path.name)])
    assert len(got) == 1 and len(got[0]) == 1
    return got[0][0]


def test_docx_is_read_with_paragraph_breaks_and_its_title(tmp_path: Path) -> None:
    path = tmp_path / "story.docx"
    write_docx(path, PARAGRAPHS)
    doc = _one(path)
    assert isinstance(doc, Document), doc
    assert doc.text == STORY
    assert doc.title == TITLE and dict(doc.meta)["title_from"] == "docx core_properties.title"
    assert doc.published is None  # created/modified are not publication dates
    meta = dict(doc.meta)
    assert meta["format"] == "docx" and "docx_created" in meta and "date_not_taken" in meta
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_docx_without_title_takes_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "untitled.docx"
    write_docx(path, [TITLE, *PARAGRAPHS], title=None)
    doc = _one(path)
    assert isinstance(doc, Document)
    assert doc.title == TITLE and dict(doc.meta)["title_from"] == "first line"


def test_docx_tracked_change_accepted_and_comment_left_out(tmp_path: Path) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    path = tmp_path / "tracked.docx"
    d = docx.Document()
    for p in PARAGRAPHS:
        d.add_paragraph(p)
    para = d.add_paragraph("The ferry will ")
    para._p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="1" w:author="ed" w:date="2024-01-01T00:00:00Z">'
                             '<w:r><w:delText>never </w:delText></w:r></w:del>'))
    para._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="2" w:author="ed" w:date="2024-01-01T00:00:00Z">'
                             '<w:r><w:t xml:space="preserve">soon </w:t></w:r></w:ins>'))
    para.add_run("sail.")
    d.add_comment(para.runs[0], text="Check this with the harbour master", author="ed")  # python-docx >= 1.2
    d.save(str(path))
    with zipfile.ZipFile(path) as z:  # the file does hold the comment, anchored in the paragraph
        assert "harbour master" in z.read("word/comments.xml").decode("utf-8")
        assert "commentRangeStart" in z.read("word/document.xml").decode("utf-8")
    doc = _one(path)
    assert isinstance(doc, Document)
    assert doc.text.endswith("\n\nThe ferry will soon sail.")
    assert "never" not in doc.text and "harbour master" not in doc.text


def test_pdf_is_read_in_order_with_paragraph_breaks(tmp_path: Path) -> None:
    path = tmp_path / "story.pdf"
    path.write_bytes(pdf_bytes([PARAGRAPHS[:2], PARAGRAPHS[2:]]))
    doc = _one(path)
    assert isinstance(doc, Document), doc
    paras = doc.text.split("\n\n")
    assert [" ".join(p.split()) for p in paras] == PARAGRAPHS
    meta = dict(doc.meta)
    assert doc.title == TITLE and meta["title_from"] == "pdf /Title"
    assert doc.published is None and meta["pdf_created"] == "D:20240105120000Z" and "date_not_taken" in meta
    assert meta["pages"] == "2" and "pages_with_little_text" not in meta


def test_pdf_with_some_pages_without_text_says_so(tmp_path: Path) -> None:
    path = tmp_path / "partly.pdf"
    path.write_bytes(pdf_bytes([PARAGRAPHS, [], []]))
    doc = _one(path)
    assert isinstance(doc, Document)
    assert dict(doc.meta)["pages_with_little_text"].startswith("2 of 3")


def test_pdf_with_little_text_is_skipped_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "cover.pdf"
    path.write_bytes(pdf_bytes([["Annual report"], []]))
    got = _one(path)
    assert isinstance(got, Skipped)
    assert "little text in PDF" in got.reason and "cover.pdf" in got.reason and "2 page(s)" in got.reason


def _hostile(folder: Path) -> dict[str, bytes]:
    write_docx(folder / "original.docx", PARAGRAPHS)
    (folder / "copy.txt").write_text(
        "Local news in brief.\n\n" + STORY.replace("Monday", "Tuesday") + "\n\nReporting by our island desk.\n",
        encoding="utf-8")
    (folder / "report.pdf").write_bytes(pdf_bytes([PARAGRAPHS]))
    (folder / "locked.pdf").write_bytes(pdf_bytes([PARAGRAPHS], password="secret"))
    (folder / "scan.pdf").write_bytes(pdf_bytes([[], []]))
    good = pdf_bytes([PARAGRAPHS])
    (folder / "truncated.pdf").write_bytes(good[: len(good) // 3])
    (folder / "notapdf.pdf").write_bytes(b"this is not a PDF at all, just some words in a file " * 3)
    zipped = (folder / "original.docx").read_bytes()
    (folder / "broken.docx").write_bytes(zipped[: len(zipped) // 2])
    (folder / "plain.docx").write_bytes(b"plain text saved with the wrong name " * 3)
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_folder_with_office_files_is_audited_and_bad_ones_skipped(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    before = _hostile(folder)
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    rc = main(["audit", str(folder), "--out", str(out)])
    assert rc in (0, 1)
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))

    # input files are never modified, and nothing is added to the folder
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes

    skipped = {s["path"]: s["reason"] for s in audit["skipped"]}
    assert skipped["locked.pdf"].startswith("encrypted PDF: locked.pdf needs a password")
    assert skipped["scan.pdf"].startswith("no text layer in PDF: scan.pdf has 2 page(s)")
    assert skipped["truncated.pdf"].startswith("corrupt PDF: truncated.pdf")
    assert skipped["notapdf.pdf"].startswith("corrupt PDF: notapdf.pdf")
    assert skipped["broken.docx"].startswith("corrupt .docx: broken.docx")
    assert skipped["plain.docx"].startswith("corrupt .docx: plain.docx")

    docs = {d["id"]: d for d in audit["documents"]}
    assert set(docs) == {"original", "copy"}  # report.pdf is the .docx's identical copy (checked below)
    for d in docs.values():
        # audit.json holds each text, as extracted, for any document
        assert d["text"].strip()
    assert docs["original"]["text"] == STORY

    # the .docx and its .txt copy are a pair, their passages at the right offsets of each text
    pairs = [p for p in audit["pairs"] if {p["a"], p["b"]} == {"original", "copy"}]
    assert len(pairs) == 1, [(p["a"], p["b"]) for p in audit["pairs"]]
    pair = pairs[0]
    side = {pair["a"]: "a", pair["b"]: "b"}
    txt = docs["copy"]["text"]
    spans_docx = [tuple(q[side["original"]]) for q in pair["passages"]]
    spans_txt = [tuple(q[side["copy"]]) for q in pair["passages"]]
    assert spans_docx and min(s for s, _ in spans_docx) == 0  # the story starts the .docx
    assert min(s for s, _ in spans_txt) == txt.index("The harbour authority")
    assert sum(e - s for s, e in spans_docx) > 0.9 * len(STORY)
    for q, (ds, de), (ts, te) in zip(pair["passages"], spans_docx, spans_txt, strict=True):
        assert 0 <= ds < de <= len(STORY) and 0 <= ts < te <= len(txt)
        if q["kind"] == "exact":
            assert STORY[ds:de].lower().split() == txt[ts:te].lower().split()
        for a0, a1, b0, b1 in q["runs"]:  # every exact run is the same words in both texts (up to case)
            run_docx, run_txt = ((a0, a1), (b0, b1)) if side["original"] == "a" else ((b0, b1), (a0, a1))
            assert STORY[slice(*run_docx)].lower().split() == txt[slice(*run_txt)].lower().split()
    # the .pdf of the same story is its identical copy (same words after normalization) or a pair of it
    assert "report.pdf" in docs["original"]["copies"] or any(
        {p["a"], p["b"]} == {"original", "report"} for p in audit["pairs"])


def test_reading_an_office_file_imports_its_library_only_then(tmp_path: Path) -> None:
    import subprocess
    import sys

    write_docx(tmp_path / "a.docx", PARAGRAPHS)
    (tmp_path / "b.pdf").write_bytes(pdf_bytes([PARAGRAPHS]))
    (tmp_path / "c.odt").write_bytes(odt_bytes(PARAGRAPHS))
    (tmp_path / "d.rtf").write_bytes(rtf_bytes(PARAGRAPHS))
    show = "print(*(m in sys.modules for m in ('docx', 'pypdf', 'odfdo', 'striprtf')))\n"
    code = "import sys\nfrom pathlib import Path\nimport provenance.sources as s\n" + show
    for name in ("a.docx", "b.pdf", "c.odt", "d.rtf"):
        code += f"got = s.read_files([({str(tmp_path / name)!r}, {name!r})])\nassert got[0][0].text\n" + show
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert [line.split() for line in proc.stdout.splitlines()] == [
        ["False", "False", "False", "False"], ["True", "False", "False", "False"], ["True", "True", "False", "False"],
        ["True", "True", "True", "False"], ["True", "True", "True", "True"]]


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    w = PdfWriter(clone_from=io.BytesIO(pdf_bytes([PARAGRAPHS])))
    w.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    path = tmp_path / "restricted.pdf"
    path.write_bytes(buf.getvalue())
    doc = _one(path)
    assert isinstance(doc, Document), doc
    assert " ".join(doc.text.split()) == " ".join(STORY.split())
    assert dict(doc.meta)["encrypted"].startswith("owner password only")


def test_ole_file_named_docx_is_skipped_as_encrypted_or_old(tmp_path: Path) -> None:
    path = tmp_path / "protected.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    got = _one(path)
    assert isinstance(got, Skipped) and got.reason.startswith("encrypted or old-format Word file: protected.docx")


def test_500_page_pdf_is_read_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "long.pdf"
    path.write_bytes(pdf_bytes([[f"Page {n}.", *PARAGRAPHS] for n in range(500)]))
    tracemalloc.start()
    try:
        doc = _one(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(doc, Document)
    assert dict(doc.meta)["pages"] == "500" and doc.text.count("The harbour authority said") == 500
    # the text is 0.4 MB and the file 0.7 MB; reading it peaked at 5.7 MB here (page by page, only texts kept)
    assert peak < 40 * 2**20, peak


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _edited_copy(text: str) -> str:
    """A reworked copy of an article: a line of its own first, its second
    paragraph left out, "said" made "stated" throughout, a closing line."""
    paras = [p for p in text.splitlines() if p.strip()]
    body = [paras[0], *paras[2:]]
    return ("Reporting by our foreign desk.\n\n" + "\n\n".join(body).replace(" said", " stated")
            + "\n\nMore on this story as it develops.\n")


def test_real_articles_as_office_files_are_linked_to_their_edited_copies(tmp_path: Path) -> None:
    """Four real news reports (seeds/001, 003, 000, 004) saved as a .docx, a
    PDF of three pages, an .odt and an .rtf, beside edited .txt copies of
    each: the office files become documents holding their extracted text,
    each is linked to its copy in the tree, and every passage indexes the
    extracted text."""
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    word = (SEEDS / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    pdf = (SEEDS / "003_b917cdaeb1a24712.txt").read_text(encoding="utf-8")
    word_title, *word_paras = [p.strip() for p in word.splitlines() if p.strip()]
    write_docx(folder / "putin-visit.docx", word_paras, title=word_title)
    pdf_paras = [p.strip() for p in pdf.splitlines() if p.strip()]
    third = -(-len(pdf_paras) // 3)
    (folder / "kremlin.pdf").write_bytes(pdf_bytes([pdf_paras[i:i + third] for i in range(0, len(pdf_paras), third)],
                                                   title="Putin arrives in North Korea"))
    (folder / "copy-of-docx.txt").write_text(_edited_copy("\n\n".join(word_paras)), encoding="utf-8")
    (folder / "copy-of-pdf.txt").write_text(_edited_copy("\n\n".join(pdf_paras)), encoding="utf-8")
    odt_paras = [p.strip() for p in (SEEDS / "000_1d8f2c2912b56707.txt").read_text(encoding="utf-8").splitlines()
                 if p.strip()]
    rtf_paras = [p.strip() for p in (SEEDS / "004_7cf5b5fb64e0e282.txt").read_text(encoding="utf-8").splitlines()
                 if p.strip()]
    (folder / "pyongyang.odt").write_bytes(odt_bytes(odt_paras, title="Putin to visit Pyongyang"))
    (folder / "historic.rtf").write_bytes(rtf_bytes(rtf_paras, title="A historic visit"))
    (folder / "copy-of-odt.txt").write_text(_edited_copy("\n\n".join(odt_paras)), encoding="utf-8")
    (folder / "copy-of-rtf.txt").write_text(_edited_copy("\n\n".join(rtf_paras)), encoding="utf-8")
    assert main(["audit", str(folder), "--out", str(out), "--format", "json", "-q"]) == 0
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in audit["documents"]}
    assert set(docs) == {"putin-visit", "kremlin", "pyongyang", "historic", "copy-of-docx", "copy-of-pdf",
                         "copy-of-odt", "copy-of-rtf"} and not audit["skipped"]
    assert docs["pyongyang"]["text"] == "\n\n".join(odt_paras) and docs["historic"]["text"] == "\n\n".join(rtf_paras)
    assert docs["putin-visit"]["text"] == "\n\n".join(word_paras)
    assert docs["putin-visit"]["title"] == word_title and docs["kremlin"]["title"] == "Putin arrives in North Korea"
    assert [" ".join(p.split()) for p in docs["kremlin"]["text"].split("\n\n")] == pdf_paras
    edges = {frozenset((e["parent"], e["child"])) for e in audit["lineage"]["edges"]}
    for office, copy in (("putin-visit", "copy-of-docx"), ("kremlin", "copy-of-pdf"), ("pyongyang", "copy-of-odt"),
                         ("historic", "copy-of-rtf")):
        assert frozenset((office, copy)) in edges, (office, copy, edges)
        (pair,) = [p for p in audit["pairs"] if {p["a"], p["b"]} == {office, copy}]
        side = "a" if pair["a"] == office else "b"
        other = "b" if side == "a" else "a"
        text, copied = docs[office]["text"], docs[copy]["text"]
        assert pair[f"covered_{other}"] > 0.8  # the copy is mostly the office file's text
        for q in pair["passages"]:
            (s0, s1), (c0, c1) = q[side], q[other]
            assert 0 <= s0 < s1 <= len(text) and 0 <= c0 < c1 <= len(copied)
            for a0, a1, b0, b1 in q["runs"]:
                mine, theirs = ((a0, a1), (b0, b1)) if side == "a" else ((b0, b1), (a0, a1))
                assert text[slice(*mine)].lower().split() == copied[slice(*theirs)].lower().split()


def test_odt_is_read_with_headings_paragraphs_and_its_title(tmp_path: Path) -> None:
    path = tmp_path / "story.odt"
    table = ('<table:table table:name="t"><table:table-column/><table:table-row><table:table-cell>'
             '<text:p>Cell one</text:p></table:table-cell><table:table-cell><text:p>Cell two</text:p>'
             '</table:table-cell></table:table-row></table:table>')
    path.write_bytes(odt_bytes(PARAGRAPHS, heading="Harbour news", extra=(table,)))
    doc = _one(path)
    assert isinstance(doc, Document), doc
    assert doc.text == "Harbour news\n\n" + STORY + "\n\nCell one\n\nCell two"
    meta = dict(doc.meta)
    assert doc.title == TITLE and meta["title_from"] == "odt dc:title" and meta["format"] == "odt"
    assert doc.published is None and "odt_created" in meta and "date_not_taken" in meta
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_odt_tracked_change_accepted_comment_and_footnote_left_out(tmp_path: Path) -> None:
    """ODF keeps a deletion at the top of the body (text:tracked-changes) and
    marks its place in the paragraph; an insertion is in the paragraph between
    change marks; a comment (office:annotation) and a footnote sit inside it."""
    info = "<office:change-info><dc:creator>ed</dc:creator><dc:date>2024-01-01T00:00:00</dc:date></office:change-info>"
    tracked = ('<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion>' + info +
               '<text:p>never </text:p></text:deletion></text:changed-region><text:changed-region text:id="ct2">'
               '<text:insertion>' + info + '</text:insertion></text:changed-region></text:tracked-changes>')
    edited = ('<text:p>The ferry will <text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>'
              'soon <text:change-end text:change-id="ct2"/>sail.<office:annotation><dc:creator>ed</dc:creator>'
              '<text:p>Check this with the harbour master</text:p></office:annotation><text:note '
              'text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>'
              '<text:p>A footnote on the timetable.</text:p></text:note-body></text:note></text:p>')
    path = tmp_path / "tracked.odt"
    path.write_bytes(odt_bytes(PARAGRAPHS, extra=(edited,), tracked=tracked))
    with zipfile.ZipFile(path) as z:  # the file holds the deletion, the comment and the footnote
        content = z.read("content.xml").decode("utf-8")
    assert "never" in content and "harbour master" in content and "timetable" in content
    doc = _one(path)
    assert isinstance(doc, Document)
    assert doc.text == STORY + "\n\nThe ferry will soon sail."


def test_bad_odt_files_are_skipped_with_the_reason(tmp_path: Path) -> None:
    good = odt_bytes(PARAGRAPHS)
    (tmp_path / "truncated.odt").write_bytes(good[: len(good) // 2])
    (tmp_path / "plain.odt").write_bytes(b"plain text saved with the wrong name " * 3)
    # an encrypted package, as LibreOffice writes one: the manifest names the cipher of each part
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "content.xml":
                body = bytes(range(256)) * 8  # ciphertext
            elif item.filename == "META-INF/manifest.xml":
                body = body.replace(b'manifest:full-path="content.xml"', (
                    b'manifest:full-path="content.xml" manifest:size="3000"><manifest:encryption-data '
                    b'manifest:checksum-type="SHA1/1K" manifest:checksum="x"><manifest:algorithm '
                    b'manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/></manifest:encryption-data>'
                    b'</manifest:file-entry><manifest:file-entry manifest:full-path="unused.xml"'))
            dst.writestr(item, body)
    (tmp_path / "locked.odt").write_bytes(buf.getvalue())
    reasons = {s.path: s.reason for s in sources.load(tmp_path).skipped}
    assert reasons["truncated.odt"].startswith("corrupt .odt: truncated.odt")
    assert reasons["plain.odt"].startswith("corrupt .odt: plain.odt is not a zip package")
    assert reasons["locked.odt"].startswith("encrypted .odt: locked.odt needs a password")


def test_rtf_is_read_with_paragraphs_its_title_and_escapes(tmp_path: Path) -> None:
    path = tmp_path / "story.rtf"
    quoted = [PARAGRAPHS[0].replace("new ferry", "\u201cnew\u201d caf\u00e9 ferry"), *PARAGRAPHS[1:]]
    path.write_bytes(rtf_bytes(quoted, title="Ferry \u2013 delayed"))
    assert path.read_bytes().isascii()
    doc = _one(path)
    assert isinstance(doc, Document), doc
    assert doc.text == "\n\n".join(quoted)
    assert doc.title == "Ferry \u2013 delayed" and dict(doc.meta)["title_from"] == "rtf \\title"


def test_rtf_tracked_deletion_left_out_and_comment_not_read(tmp_path: Path) -> None:
    """Word's RTF: a deletion is a {\\deleted ...} group, an insertion a
    {\\revised ...} one, a comment an \\*\\annotation destination."""
    edited = ("The ferry will {\\deleted\\revauthdel1\\revdttmdel0 never }{\\revised\\revauth1 soon }sail."
              "{\\*\\atnid ed}{\\*\\atnauthor ed}\\chatn{\\*\\annotation{\\*\\atnref 1}\\pard\\plain "
              "Check this with the harbour master}")
    path = tmp_path / "tracked.rtf"
    path.write_bytes(rtf_bytes(PARAGRAPHS, raw=(edited,)))
    doc = _one(path)
    assert isinstance(doc, Document)
    assert doc.text == STORY + "\n\nThe ferry will soon sail."
    assert dict(doc.meta)["tracked_deletions"] == "1 left out"


def test_bad_rtf_files_are_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "plain.rtf").write_bytes(b"plain text saved with the wrong name " * 3)
    (tmp_path / "short.rtf").write_bytes(rtf_bytes(["Annual report"]))
    reasons = {s.path: s.reason for s in sources.load(tmp_path).skipped}
    assert reasons["plain.rtf"].startswith("corrupt RTF: plain.rtf does not start with {\\rtf")
    assert reasons["short.rtf"].startswith("little text in RTF: short.rtf holds 2 words")
