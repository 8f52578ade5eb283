"""The HTML report without a browser: escaping, self-containment, determinism,
and the committed reports/seeds being up to date."""

from __future__ import annotations

import base64
import csv
import gzip
import json
import re
from pathlib import Path

from lxml import html as lxml_html

from provenance import export
from provenance.cli import main
from provenance.report import decode_payload, render
from provenance.report.layout import NODE_H, NODE_W, families, label_box
from provenance.verdict import GLOSSARY, verdicts
from tests.conftest import SEEDS, corpus_dir

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = (
    "Breaking story about the harbour authority and the new ferry terminal that opens in September. "
    "<script>window.__pwned = 1; alert('x')</script> and <img src=x onerror=\"window.__pwned = 2\"> "
    "then </script><script>window.__pwned = 3</script> and a <a href=\"javascript:window.__pwned=4\">link</a> "
    "that nobody should be able to click into running code."
)


def hostile_folder(root: Path) -> Path:
    root.mkdir()
    (root / "evil <img src=x onerror=alert(1)> name.txt").write_text(HOSTILE, encoding="utf-8")
    (root / "copy.txt").write_text("Copied: " + HOSTILE + " The end.", encoding="utf-8")
    return root


def test_hostile_text_is_escaped_and_nothing_external(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["audit", str(hostile_folder(tmp_path / "in")), "--out", str(out), "-q"]) == 0
    raw = (out / "report.html").read_bytes()
    tree = lxml_html.fromstring(raw)
    scripts = tree.xpath("//script")
    assert len(scripts) == 2  # the data block and our own code, nothing from the articles
    assert scripts[0].get("type") == "application/octet-stream"
    assert b"</script><script>window.__pwned" not in raw and b"onerror" not in raw.split(b"<script")[-1]
    assert not tree.xpath("//img") and not tree.xpath("//*[@onerror]")
    assert not tree.xpath("//a[starts-with(@href, 'javascript:')]")
    for attr in ("src", "href"):
        for value in tree.xpath(f"//@{attr}"):
            assert not value.startswith(("http:", "https:", "//")), value
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    # the hostile text is in the page as data, intact once decoded
    data = decode_payload(raw)
    assert any(HOSTILE in d[4] for d in data["docs"])
    assert any("<img src=x onerror=alert(1)>" in d[6] for d in data["docs"])


def test_script_never_reads_markup() -> None:
    """The views are built with createElement and textContent: nothing in the
    script turns a string into markup or code."""
    from importlib import resources

    js = resources.files("provenance.report").joinpath("static", "report.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "setTimeout(\"", "createContextualFragment", "DOMParser"):
        assert sink not in js, sink


def test_report_is_deterministic(tmp_path: Path) -> None:
    seeds = ROOT / "seeds"
    runs = []
    for n in range(2):
        out = tmp_path / f"r{n}"
        assert main(["audit", str(seeds), "--out", str(out), "-q"]) == 0
        runs.append(((out / "report.html").read_bytes(), (out / "audit.json").read_bytes()))
    assert runs[0] == runs[1]


def test_families_cover_every_derivation(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["audit", str(ROOT / "seeds"), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    page = decode_payload((out / "report.html").read_bytes())
    members = [m for f in page["families"] for m in f[1]]
    in_edges = {n for e in data["lineage"]["edges"] for n in (e["child"], e["parent"])}
    assert sorted(members) == sorted(in_edges)  # every node of a derivation in exactly one family
    assert [len(f[1]) for f in page["families"]] == sorted((len(f[1]) for f in page["families"]), reverse=True)
    assert len(page["edges"]) == len(data["lineage"]["edges"])
    assert all(e[5].startswith(f"{e[0]} was ") for e in page["edges"])


def test_layout_boxes_and_labels_never_overlap() -> None:
    """A wide family (one root, many children, grandchildren) and a deep chain:
    no two node boxes or edge-label slots overlap."""
    edges = [("r", f"c{i:02d}") for i in range(30)] + [(f"c{i:02d}", f"g{i:02d}{j}") for i in range(0, 30, 3) for j in range(4)]
    edges += [(f"k{i}", f"k{i + 1}") for i in range(1500)]  # deep: no recursion limit
    nodes = sorted({n for e in edges for n in e})
    fams = families(nodes, edges)
    assert [len(f.members) for f in fams] == [1501, 71]
    for f in fams:
        boxes = [(x, y, x + NODE_W, y + NODE_H) for x, y in f.xy]
        labels = [label_box(x, y) for (x, y), m in zip(f.xy, f.members) if m != f.root]
        for group in (boxes, labels, boxes + labels):
            ordered = sorted(group, key=lambda b: (b[1], b[0]))
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 : i + 40]:
                    assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        assert all(0 <= x and x + NODE_W <= f.width and 0 <= y and y + NODE_H <= f.height for x, y in f.xy)


def test_verdicts_say_why_in_plain_words(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["audit", str(ROOT / "seeds"), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    says = {(e["child"], e["parent"]): v for e, v in zip(data["lineage"]["edges"], verdicts(data))}
    v = says[("004_7cf5b5fb64e0e282", "000_1d8f2c2912b56707")]
    s = v["sentence"]
    assert re.match(r"004_7cf5b5fb64e0e282 was (probably|almost certainly) paraphrased from 000_1d8f2c2912b56707 "
                    r"\(confidence 0\.\d\d\): ", s)
    assert "19% of it is verbatim in 000_1d8f2c2912b56707" in s
    # the pair that shares more of it is named, and why the tree did not take it
    assert "001_24a45464d321b182 shares more of it (66%, counting edited text)" in s
    assert all(t in GLOSSARY for t in v["terms"]) and "confidence" in v["terms"]


def test_verdicts_of_a_family_of_versions_quote_its_readings(tmp_path: Path) -> None:
    """Notre Besoin is a real copying tradition: its tree comes from the variants,
    and a verdict quotes the readings that tie a copy to its parent."""
    out = tmp_path / "out"
    assert main(["audit", str(corpus_dir("notre-besoin") / "witnesses"), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    texts = {d["id"]: d["text"] for d in data["documents"]}
    found = 0
    for e, v in zip(data["lineage"]["edges"], verdicts(data)):
        ev = e["evidence"]
        assert ev["tree"]["method"] == "variants"
        assert f"differ by {float(ev['tree']['events']):g} change events" in v["sentence"]
        if ev["direction"]["by"] == "omissions":
            assert "places" in v["sentence"] or "1 place" in v["sentence"]
        if ev.get("readings") and ev["tree"]["against"]:
            found += 1
            n = len(ev["readings"])
            assert f"shares {n} reading{'s' if n != 1 else ''} with {e['parent']} that " in v["sentence"]
            first = " ".join(texts[e["child"]][slice(*ev["readings"][0]["child"])].split())
            assert first[:20] in v["sentence"]
    assert found


def test_committed_seeds_report_is_up_to_date(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """reports/seeds is what `bash scripts/audit-seeds.sh` writes; regenerate it with that command
    (it audits ``seeds`` from the project's folder, and the report names the folder so)."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "seeds"
    assert main(["audit", "seeds", "--out", str(out), "-q"]) == 0
    for name in ("audit.json", "report.html"):
        committed = ROOT / "reports" / "seeds" / name
        assert committed.is_file(), f"{committed} is missing: run bash scripts/audit-seeds.sh"
        assert committed.read_bytes() == (out / name).read_bytes(), f"{committed} is out of date: run bash scripts/audit-seeds.sh"


def test_identical_inputs_are_shown_with_their_document(tmp_path: Path) -> None:
    """Inputs whose text is identical to another's are matched once, but the
    reader still sees each of them: beside its document in the table, in the
    tree node's tooltip, and counted in the summary."""
    root = tmp_path / "in"
    root.mkdir()
    story = (SEEDS / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    (root / "a.txt").write_text(story, encoding="utf-8")
    (root / "b.txt").write_bytes(story.replace("\n", "\r\n").encode("utf-8"))  # the same text, other newlines
    (root / "c.txt").write_text((SEEDS / "002_006df795ca171f94.txt").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["audit", str(root), "--out", str(tmp_path / "out"), "-q"]) == 0
    page = decode_payload((tmp_path / "out" / "report.html").read_bytes())
    docs = {d[0]: d for d in page["docs"]}
    assert docs["a"][7] == ["b.txt"] and docs["c"][7] == []
    summary = lxml_html.parse(str(tmp_path / "out" / "report.html")).getroot()
    assert any(li.text_content().startswith("1 more input identical") for li in summary.iter("li"))


def test_header_names_the_audited_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    assert main(["audit", "seeds", "--out", str(tmp_path / "out"), "-q"]) == 0
    page = lxml_html.parse(str(tmp_path / "out" / "report.html")).getroot()
    assert page.get_element_by_id("audited-path").text_content() == "seeds"
    assert "seeds" in page.findtext(".//title")


def test_csv_export_reads_back_with_the_same_values(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["audit", str(ROOT / "seeds"), "--out", str(out), "-q", "--format", "json,csv"]) == 0
    assert not (out / "report.html").exists()
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))

    def rows(name: str) -> list[dict[str, str]]:
        with (out / name).open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))

    docs = rows("documents.csv")
    assert [r["id"] for r in docs] == [d["id"] for d in data["documents"]]
    for r, d in zip(docs, data["documents"]):
        assert (r["path"], r["title"], int(r["words"]), int(r["chars"])) == (d["path"], d["title"], d["tokens"], d["chars"])
    pairs = rows("pairs.csv")
    assert len(pairs) == len(data["pairs"])
    for r, p in zip(pairs, data["pairs"]):
        assert (r["a"], r["b"], float(r["covered_a"]), float(r["covered_b"]), int(r["longest"]), int(r["passages"])) == (
            p["a"], p["b"], p["covered_a"], p["covered_b"], p["longest"], len(p["passages"]))
    edges = rows("edges.csv")
    lin = data["lineage"]["edges"]
    assert len(edges) == len(lin)
    for r, e, v in zip(edges, lin, verdicts(data)):
        assert (r["child"], r["parent"], float(r["confidence"]), r["change"]) == (e["child"], e["parent"], e["confidence"], e["change"])
        assert r["direction_by"] == e["evidence"]["direction"]["by"]
        assert r["verdict"] == v["sentence"] and r["verdict"].startswith(f"{e['child']} was ")
        assert r["verdict"] == next(x[5] for x in decode_payload(render(data))["edges"] if (x[0], x[1]) == (e["child"], e["parent"]))


def test_csv_cells_are_never_formulas() -> None:
    assert export.csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert export.csv_cell("@SUM(A1)") == "'@SUM(A1)" and export.csv_cell("plain") == "plain"
    assert export.csv_cell(0.25) == "0.25" and export.csv_cell(None) == "" and export.csv_cell(["a", "b"]) == "a;b"


def test_terminal_summary_families_by_size_and_arrows(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["audit", str(ROOT / "seeds"), "--out", str(tmp_path / "out"), "--fail-over", "0.7"]) == 1
    got = capsys.readouterr()
    assert "<- " not in got.out.replace("<->", "") and re.search(r"\n      -> \d\.\d\d \w+: ", got.out)
    assert "top pairs by shared words" in got.out
    top = [line for line in got.out.splitlines() if "<->" in line]
    words = [int(line.split()[0]) for line in top]
    assert words == sorted(words, reverse=True)
    assert "family 1: 4 members" in got.out
    assert "findings: 2 pairs share more than 70% of an article" in got.err
    assert "001_24a45464d321b182 <-> 002_006df795ca171f94" in got.err


def test_terminal_tree_cut_points_to_the_report() -> None:
    from provenance.cli import tree_lines
    from provenance.model import AuditResult, Derivation, Document, Lineage

    docs = tuple(Document(id=f"d{i:03d}", path=f"d{i:03d}.txt", title="", text="x", sha256="") for i in range(60))
    edges = [Derivation(f"d{i:03d}", "d000", 0.9, "copy") for i in range(1, 5)]  # a family of 5
    edges += [Derivation(f"d{i:03d}", "d010", 0.9, "copy") for i in range(11, 40)]  # a family of 30
    roots = tuple(sorted({d.id for d in docs} - {e.child for e in edges}))
    result = AuditResult(docs, (), (), (), Lineage(roots, tuple(edges)), {})
    lines = tree_lines(result, limit=14, report="out/report.html")
    assert lines[0] == "  family 1: 30 members" and lines[1].strip() == "d010"
    assert "    ... 25 more of this family" in lines  # five lines of it, then the next family
    assert "  family 2: 5 members" in lines
    assert "see out/report.html for every family" in lines[-2]
    assert lines[-1] == "  2 families; 25 documents with no derivation found"
    lines = tree_lines(result, limit=6, report="out/report.html")
    assert "1 more family (5 members) not listed: see out/report.html" in lines[-2]


def test_the_time_of_the_audit_is_shown_only_when_asked(tmp_path: Path) -> None:
    """``--stamp`` puts the time of the audit in the header (SOURCE_DATE_EPOCH
    when set, as reproducible builds do); without it two runs stay byte-identical."""
    import os

    from provenance.cli import main

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    plain = [tmp_path / "a", tmp_path / "b"]
    for out in plain:
        assert main(["audit", str(seeds), "--out", str(out), "--quiet", "--format", "html"]) == 0
    assert (plain[0] / "report.html").read_bytes() == (plain[1] / "report.html").read_bytes()
    assert b'id="audited-at"' not in (plain[0] / "report.html").read_bytes()
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1718668800"
    try:
        assert main(["audit", str(seeds), "--out", str(tmp_path / "c"), "--quiet", "--format", "html", "--stamp"]) == 0
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    page = (tmp_path / "c" / "report.html").read_bytes()
    assert b'datetime="2024-06-18T00:00:00+00:00"' in page and b'id="audited-at"' in page


def test_page_data_read_from_the_pairs_is_what_their_rows_give() -> None:
    """The page's pair rows are read from the audit's pairs themselves (``PairRows``),
    not from ``audit.json``'s rows: the same data as from the rows, which a report
    made from a saved ``audit.json`` reads, on 200 news-2018 articles (aligned
    passages, a derivation forest) with a character above U+FFFF in a text."""
    import dataclasses

    from provenance import __version__, sources
    from provenance.audit import audit
    from provenance.report import payload
    from provenance.settings import Settings

    loaded = sources.load(corpus_dir("news-2018") / "helsinki_articles.csv")
    docs = sorted(loaded.documents, key=lambda d: d.id)[:200]
    docs[0] = dataclasses.replace(docs[0], text="\U0001F600 " + docs[0].text)
    data = export.to_dict(audit(docs, Settings()), __version__)
    assert isinstance(data["pairs"], export.PairRows) and data["lineage"]["edges"]
    from_pairs = payload(data)
    from_rows = payload({**data, "pairs": list(data["pairs"])})
    assert from_pairs == from_rows and any(q[4] == "aligned" for p in from_pairs["pairs"] for q in p[5])
    assert any(p[0] == 0 or p[1] == 0 for p in from_pairs["pairs"])  # the text with an astral character
    # the page's JSON, its pair rows written directly, is the generic encoder's text of the payload, byte for byte
    page = render(data)
    start = page.index(b">", page.index(b'id="audit-data"')) + 1
    text = gzip.decompress(base64.b64decode(page[start : page.index(b"</script>", start)]))
    assert text == json.dumps(from_pairs, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
