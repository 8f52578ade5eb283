"""Hostile and messy inputs: the audit finishes and every file is accounted for."""

from __future__ import annotations

import codecs
import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import sources
from provenance.cli import main
from provenance.model import Document, Skipped
from provenance.report import decode_payload
from provenance.tokenize import Vocabulary

STORY = (
    "The harbour authority said on Monday that the new ferry terminal would open in September, "
    "two years later than planned, after engineers found that the foundations of the old pier "
    "could not carry the weight of the larger ships now used on the island route."
)
OTHER = (
    "A rare orchid thought to have vanished from the region a century ago has been found growing "
    "beside a railway embankment, botanists from the county wildlife trust announced this week."
)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def hostile_folder(root: Path) -> set[str]:
    """Write the hostile folder; return every file path (relative) it holds."""
    rng = random.Random(7)
    root.mkdir()
    (root / "empty.txt").write_bytes(b"")
    (root / "nul.txt").write_bytes(b"text with a \x00 NUL byte in it")
    (root / "random.txt").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (root / "invalid-utf8.txt").write_bytes(bytes(range(128, 256)) * 3)
    (root / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + ("Intro line.\r\n" + STORY).encode("utf-16-le"))
    (root / "cp1252.txt").write_bytes(("\u201cQuoted\u201d caf\u00e9 intro. " + STORY).encode("cp1252"))
    (root / "huge.txt").write_bytes(b"word " * (50 * 1024 * 1024 // 5))
    (root / "unreadable.txt").write_text(STORY, encoding="utf-8")  # made unreadable by the test
    os.mkfifo(root / "fifo.txt")  # opening it would block: never read
    (root / "loop").mkdir()
    (root / "loop" / "back").symlink_to(root, target_is_directory=True)
    (root / "scripts-only.html").write_text(
        "<html><head><script>var x = 1;</script></head><body><nav><a href='/'>Home</a></nav>"
        "<script>document.write('x')</script></body></html>",
        encoding="utf-8",
    )
    (root / "broken.csv").write_text(
        f'id,title,text\n1,Good,"{OTHER}"\n2,Broken,"unterminated, "extra",field,here\n', encoding="utf-8"
    )
    (root / "truncated.json").write_text('[{"id": "1", "text": "' + OTHER[:40], encoding="utf-8")
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # past the parser's recursion
    (root / "deep.jsonl").write_text('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    (root / "nom avec espaces é ü.txt").write_text("Plain copy. " + STORY, encoding="utf-8")
    twin = OTHER + " Its flowers last only a few days.\n"
    (root / "twin-a.txt").write_text(twin, encoding="utf-8")
    (root / "twin-b.txt").write_bytes(twin.replace("\n", "\r\n").encode("utf-8"))  # same text, other newlines
    (root / ".hidden.txt").write_text(STORY, encoding="utf-8")
    all_files = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "loop"]
        for f in filenames:
            all_files.add((Path(dirpath) / f).relative_to(root).as_posix())
    return all_files | {"loop/back"}


def test_hostile_folder_is_fully_accounted_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "in"
    files = hostile_folder(root)
    # tests run as root, whom chmod 000 does not stop: refuse the read instead
    real_open = Path.open

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "unreadable.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", guarded_open)
    before = {p: (root / p).stat().st_mtime_ns for p in files if (root / p).is_file()}
    out = tmp_path / "out"
    assert main(["audit", str(root), "--out", str(out), "--quiet"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in data["documents"]}
    skipped = {s["path"]: s["reason"] for s in data["skipped"]}
    accounted = {d["path"] for d in data["documents"]} | set(skipped)
    accounted |= {c for d in data["documents"] for c in d["copies"]}
    accounted = {p.split("#")[0] for p in accounted}
    assert files <= accounted, files - accounted

    assert "empty" in skipped["empty.txt"]
    assert "NUL" in skipped["nul.txt"]
    assert skipped["random.txt"].startswith(("binary", "undecodable"))
    assert "undecodable" in skipped["invalid-utf8.txt"]
    assert "too large" in skipped["huge.txt"]
    assert skipped["unreadable.txt"] == "unreadable: Permission denied"
    assert "not a regular file" in skipped["fifo.txt"]
    assert "symlink loop" in skipped["loop/back"]
    assert "no article text" in skipped["scripts-only.html"]
    assert "line 3" in skipped["broken.csv#line3"]
    assert "malformed JSON" in skipped["truncated.json"]
    assert "nested too deeply" in skipped["deep.json"] and "nested too deeply" in skipped["deep.jsonl#line1"]
    assert skipped[".hidden.txt"] == "hidden file"

    assert docs["utf16"]["text"].startswith("Intro line.\r\n")  # newlines kept as they were
    assert docs["cp1252"]["text"].startswith("\u201cQuoted\u201d caf\u00e9")
    assert docs["cp1252"]["meta"]["encoding"] == "cp1252"
    assert "broken#1" in docs
    twins = [d for d in data["documents"] if d["path"].startswith("twin-")]
    assert len(twins) == 1 and len(twins[0]["copies"]) == 1

    # the good ones are matched, and each passage's text is the story on both sides
    by_pair = {(p["a"], p["b"]): p for p in data["pairs"]}
    for a, b in [("cp1252", "utf16"), ("cp1252", "nom avec espaces é ü"), ("nom avec espaces é ü", "utf16")]:
        (passage,) = by_pair[(a, b)]["passages"]
        assert words(docs[a]["text"][slice(*passage["a"])]) == words(STORY.rstrip("."))
        assert words(docs[b]["text"][slice(*passage["b"])]) == words(STORY.rstrip("."))
    twin_id = twins[0]["id"]
    assert any(twin_id in (p["a"], p["b"]) and "broken#1" in (p["a"], p["b"]) for p in data["pairs"])

    monkeypatch.undo()
    after = {p: (root / p).stat().st_mtime_ns for p in before}
    assert before == after  # inputs untouched
    assert sorted(os.listdir(out)) == ["audit.json", "report.html"]  # no temporary file left behind


def test_strict_makes_a_skip_an_error(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "o1"), "-q"]) == 0
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "o2"), "-q", "--strict"]) == 2


def test_fail_over_exit_code(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Copied: " + STORY, encoding="utf-8")
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "o"), "-q", "--fail-over", "0.5"]) == 1
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "o"), "-q", "--fail-over", "1"]) == 0


def test_include_exclude_and_manifest(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "drafts").mkdir(parents=True)
    (root / "a.txt").write_text(STORY, encoding="utf-8")
    (root / "b.md").write_text(STORY + " More.", encoding="utf-8")
    (root / "drafts" / "c.txt").write_text(STORY, encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,date,site,url\na.txt,2024-06-18,Example Times,https://ex.example/a\n"
                        "b.md,2024-06-17,,\nmisspelt.txt,2024-06-19,,\n", encoding="utf-8")
    loaded = sources.load(root, sources.Options(exclude=("drafts",), include=("*.txt",), manifest=manifest))
    assert [d.id for d in loaded.documents] == ["a"]
    (doc,) = loaded.documents
    assert (doc.published, doc.site, doc.url) == ("2024-06-18", "Example Times", "https://ex.example/a")
    assert dict(doc.meta)["published_from"] == "manifest"
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert "--exclude" in reasons["drafts"] and "--include" in reasons["b.md"]
    # a row naming no input is reported; one naming a file that was passed over is not
    assert [p for p in reasons if p.startswith("manifest.csv#")] == ["manifest.csv#misspelt.txt"]
    assert "names no input" in reasons["manifest.csv#misspelt.txt"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,date\nx,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv"):
        sources.load(root, sources.Options(manifest=bad))


def test_collection_columns_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"uid": "x1", "body": STORY, "publisher": "Wire", "published": "2024-06-01"}) + "\n"
        + "{not json}\n"
        + json.dumps({"uid": "x2", "headline": "no text"}) + "\n",
        encoding="utf-8",
    )
    loaded = sources.load(tmp_path)
    (doc,) = loaded.documents
    assert doc.id == "feed#x1" and doc.site == "Wire" and doc.published == "2024-06-01"
    reasons = sorted(s.reason for s in loaded.skipped)
    assert any("line 2" in r for r in reasons) and any("no text" in r for r in reasons)


@settings(max_examples=150)
@given(st.binary(max_size=2000), st.sampled_from([".txt", ".md", ".html", ".csv", ".json", ".jsonl", ".pdf", ".docx", ".odt", ".rtf"]))
def test_random_bytes_give_a_document_or_a_skip(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    loaded = sources.load(folder)
    assert loaded.documents or loaded.skipped
    for d in loaded.documents:
        assert isinstance(d, Document) and d.text.strip()
    for s in loaded.skipped:
        assert isinstance(s, Skipped) and s.reason


def _office_files() -> dict[str, bytes]:
    """A real .pdf, .docx, .odt and .rtf of the story, made once (tests/test_office.py's writers)."""
    import io

    import docx

    from tests.test_office import PARAGRAPHS, odt_bytes, pdf_bytes, rtf_bytes

    d = docx.Document()
    for p in PARAGRAPHS:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return {".pdf": pdf_bytes([PARAGRAPHS, PARAGRAPHS[:1]]), ".docx": buf.getvalue(), ".odt": odt_bytes(PARAGRAPHS),
            ".rtf": rtf_bytes(PARAGRAPHS)}


OFFICE = _office_files()


@settings(max_examples=100)
@given(st.sampled_from(sorted(OFFICE)), st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                                 min_size=1, max_size=8),
       st.floats(0.05, 1))
def test_damaged_office_files_give_a_document_or_a_skip(tmp_path_factory: pytest.TempPathFactory, suffix: str,
                                                        flips: list[tuple[float, int]], keep: float) -> None:
    """A real PDF, .docx, .odt or .rtf with bytes overwritten and its end cut off (a bad
    download, a damaged disk): read or skipped with a reason, never a crash."""
    data = bytearray(OFFICE[suffix][: max(1, int(len(OFFICE[suffix]) * keep))])
    for where, byte in flips:
        data[int(where * len(data))] = byte
    folder = tmp_path_factory.mktemp("office")
    (folder / f"input{suffix}").write_bytes(bytes(data))
    loaded = sources.load(folder)
    assert len(loaded.documents) + len(loaded.skipped) == 1
    for d in loaded.documents:
        assert d.text.strip()
    for s in loaded.skipped:
        assert s.reason and s.path == f"input{suffix}"


@settings(max_examples=150)
@given(st.text(max_size=2000))
def test_random_unicode_reads_back_and_tokenizes(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("uni")
    (folder / "t.txt").write_bytes(text.encode("utf-8", "replace"))
    got = sources.read_text_file(folder / "t.txt", "t.txt")
    if isinstance(got, Document):
        stream = Vocabulary().tokenize(got.text)
        assert all(0 <= a < b <= len(got.text) for a, b in stream.spans.tolist())
    else:
        assert got.reason


# what no terminal and no XML attribute may receive as it is: controls but
# newline, lone surrogates, U+FFFE/U+FFFF, the bidi embedding/override/isolate controls
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def _strings(value: object, skip: str = "text") -> list[str]:
    """Every string of a JSON value, keys included, but those under ``skip``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != skip for s in [k, *_strings(v, skip)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, skip)]
    return []


def test_hostile_names_and_metadata_are_shown_escaped(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """File names with terminal escapes, bytes that are not UTF-8 and a bidi
    override, a title with controls, a collection whose record id and site hold
    them: the audit finishes, and the terminal, audit.json (but for article
    text) and the report's markup carry each as a visible escape."""
    from lxml import html as lhtml

    root = tmp_path / "in"
    root.mkdir()
    (root / "evil\x1b[2J\x1b]0;pwned\x07.txt").write_text("Copied. " + STORY, encoding="utf-8")
    with open(os.fsencode(root) + b"/caf\xe9.txt", "wb") as fh:  # a Latin-1 file name
        fh.write(STORY.encode("utf-8"))
    (root / "invoice\u202etxt.md").write_text(STORY + " Shared by a reader.", encoding="utf-8")
    (root / "titled.txt").write_text("Headline \x1b[31mred\x07\n" + STORY + " Updated.", encoding="utf-8")
    (root / "feed.csv").write_text(f'id,title,site,text\nr\x1b1,Wire copy,Wire\u202eSite,"{STORY} End."\n',
                                   encoding="utf-8")
    before = {p: p.read_bytes() for p in root.iterdir()}
    manifest = tmp_path / "manifest.csv"  # names the Latin-1 file as the audit shows it
    manifest.write_text("file,site\ncaf\\xe9.txt,Le Caf\x1b Site\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(root), "--out", str(out), "--manifest", str(manifest)]) == 0
    shown = capsys.readouterr()
    assert not RAW.search(shown.out) and not RAW.search(shown.err), RAW.findall(shown.out + shown.err)

    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    ids = {d["id"] for d in data["documents"]}
    assert ids == {"evil\\x1b[2J\\x1b]0;pwned\\x07", "caf\\xe9", "invoice\\u202etxt", "titled",
                   "feed#r\\x1b1"}
    assert len(data["pairs"]) == 10  # every two of the five share the story
    titled = next(d for d in data["documents"] if d["id"] == "titled")
    assert titled["title"] == "Headline \\x1b[31mred\\x07" and "\x1b" in titled["text"]  # the text as it was
    assert next(d for d in data["documents"] if d["id"].startswith("feed"))["site"] == "Wire\\u202eSite"
    assert next(d for d in data["documents"] if d["id"] == "caf\\xe9")["site"] == "Le Caf\\x1b Site"
    raw = [s for s in _strings(data) if RAW.search(s)]
    assert not raw, raw
    for ident in ids:
        assert ident in shown.out  # the tree and the pairs name them, escaped

    raw_page = (out / "report.html").read_bytes()
    page = lhtml.fromstring(raw_page)
    # the views are drawn from the embedded data: every name in it escaped (the texts are kept as they were)
    embedded = decode_payload(raw_page)
    assert ids <= {d[0] for d in embedded["docs"]}
    names = [v for d in embedded["docs"] for v in (d[0], d[1], d[2], d[3], d[6], *d[7])]
    assert not [s for s in names if RAW.search(s)]
    markup = [el.text or "" for el in page.iter() if el.tag != "script"]
    markup += [v for el in page.iter() for v in el.values()]
    assert not [s for s in markup if RAW.search(s)]
    assert {p: p.read_bytes() for p in root.iterdir()} == before  # inputs untouched


def _unescape(shown: str) -> str:
    """The inverse of ``safe.name``, written from its contract."""
    out, i = [], 0
    while i < len(shown):
        if shown[i] != "\\":
            out.append(shown[i])
            i += 1
        elif shown[i + 1] == "\\":
            out.append("\\")
            i += 2
        elif shown[i + 1] == "x":
            code = int(shown[i + 2 : i + 4], 16)
            out.append(chr(code) if code < 0x80 else chr(0xDC00 + code))
            i += 4
        else:
            assert shown[i + 1] == "u", shown
            out.append(chr(int(shown[i + 2 : i + 6], 16)))
            i += 6
    return "".join(out)


HOSTILE_CHARS = st.one_of(
    st.characters(),
    st.sampled_from(["\\", "\x1b", "\x00", "\x85", "\u202e", "\u2067", "\ufffe", "\uffff", "\ud800"]
                    + [chr(c) for c in range(0xDC80, 0xDD00, 7)]),
)


@settings(max_examples=300)
@given(st.text(HOSTILE_CHARS, max_size=40))
def test_a_name_is_escaped_reversibly_and_fits_xml(text: str) -> None:
    from lxml import etree

    from provenance.sources import safe

    shown = safe.name(text)
    assert _unescape(shown) == text  # so two names never become one
    assert not RAW.search(shown)
    field = safe.field(text)
    assert not RAW.search(field) and len(field) >= len(text)
    el = etree.Element("x")
    el.set("a", shown)  # lxml refuses what XML cannot hold
    el.text = field
    shown.encode("utf-8")
    assert not RAW.search(safe.terminal(text).replace("\t", ""))


def test_the_audit_never_reads_its_own_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run again with the output inside the audited folder (``--out`` below it,
    ``--out`` the folder itself, or the default ``reports/`` from inside it):
    the same documents each time, and the output listed as skipped."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text(STORY, encoding="utf-8")
    (root / "b.txt").write_text("Copied: " + STORY, encoding="utf-8")

    def ids(out: Path) -> tuple[set[str], dict[str, str]]:
        data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
        return {d["id"] for d in data["documents"]}, {s["path"]: s["reason"] for s in data["skipped"]}

    for out, where in ((root / "out", ["out"]), (root, ["audit.json", "report.html"])):
        for _ in range(2):
            assert main(["audit", str(root), "--out", str(out), "-q"]) == 0
        docs, skipped = ids(out)
        assert docs == {"a", "b"} and sorted(skipped) == where, skipped
        assert all("written by the audit" in skipped[p] for p in where)
        if out != root:
            shutil.rmtree(out)  # an earlier run's output elsewhere is input like any other
    (root / "audit.json").unlink()
    (root / "report.html").unlink()
    monkeypatch.chdir(root)
    for _ in range(2):
        assert main(["audit", ".", "-q"]) == 0
    docs, skipped = ids(root / "reports" / "in")
    assert docs == {"a", "b"} and skipped["reports/in"].startswith("written by the audit"), skipped


def test_repeated_ids_are_made_unique_and_nothing_is_dropped(tmp_path: Path) -> None:
    """A collection that repeats a record id (a scrape that kept two versions,
    one id looking like the other's new name), and files whose ids clash even
    by path: every record and file becomes a document with an id of its own."""
    root = tmp_path / "in"
    root.mkdir()
    rows = [("7", STORY), ("7", "Updated: " + STORY), ("7@line4", OTHER), ("7", OTHER + " Again.")]
    lines = "".join(f'{i},"{t}"\n' for i, t in rows)
    (root / "feed.csv").write_text("id,text\n" + lines, encoding="utf-8")
    for name in ("a.txt", "a.md", "a.txt.txt"):
        (root / name).write_text(f"{STORY} Filed as {name}.", encoding="utf-8")
    loaded = sources.load(root)
    ids = [d.id for d in loaded.documents]
    assert len(ids) == len(set(ids)) == 7 and not loaded.skipped, (ids, loaded.skipped)
    feed = {d.id: d for d in loaded.documents if d.id.startswith("feed#")}
    assert feed["feed#7"].text == STORY and feed["feed#7@line3"].text == "Updated: " + STORY
    assert feed["feed#7@line4"].text == OTHER  # the record that holds that id keeps it
    assert feed["feed#7@line5"].text == OTHER + " Again."
    assert dict(feed["feed#7@line3"].meta)["id"] == "repeated; this record is line 3"
    assert sorted(d.path for d in loaded.documents if not d.id.startswith("feed#")) == ["a.md", "a.txt", "a.txt.txt"]
    assert main(["audit", str(root), "--out", str(tmp_path / "out"), "-q"]) == 0


def test_an_output_that_cannot_be_written_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``--out`` below a regular file is refused before the audit runs; a write
    that fails (a full disk) names the file; neither leaves a traceback."""
    from provenance import export

    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Copied: " + STORY, encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["audit", str(tmp_path), "--out", str(blocker / "sub"), "-q"]) == 2
    assert f"{blocker} is not a folder" in capsys.readouterr().err

    def full(path: Path, data: bytes) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_stage", full)  # where every output's bytes go to disk
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "No space left on device" in err and "Traceback" not in err
