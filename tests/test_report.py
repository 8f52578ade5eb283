"""The HTML report without a browser: escaping, self-containment, determinism,
and the committed reports/seeds being up to date."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import html as lxml_html

from provenance.cli import main
from tests.conftest import SEEDS

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
    assert scripts[0].get("type") == "application/json"
    assert b"</script><script>window.__pwned" not in raw
    assert not tree.xpath("//img") and not tree.xpath("//*[@onerror]")
    assert not tree.xpath("//a[starts-with(@href, 'javascript:')]")
    for attr in ("src", "href"):
        for value in tree.xpath(f"//@{attr}"):
            assert not value.startswith(("http:", "https:", "//")), value
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    # the hostile text is in the page as data, intact once decoded
    data = json.loads(scripts[0].text)
    assert any(HOSTILE in d[4] for d in data["docs"])


def test_report_is_deterministic(tmp_path: Path) -> None:
    seeds = ROOT / "seeds"
    runs = []
    for n in range(2):
        out = tmp_path / f"r{n}"
        assert main(["audit", str(seeds), "--out", str(out), "-q"]) == 0
        runs.append(((out / "report.html").read_bytes(), (out / "audit.json").read_bytes()))
    assert runs[0] == runs[1]


def test_tree_has_one_node_per_document_and_latent(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["audit", str(ROOT / "seeds"), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    tree = lxml_html.fromstring((out / "report.html").read_bytes())
    nodes = tree.xpath("//*[local-name()='g'][contains(@class, 'node')]/@data-doc")
    expected = [d["id"] for d in data["documents"]] + [x["id"] for x in data["lineage"]["latent"]]
    assert sorted(nodes) == sorted(expected)
    edges = tree.xpath("//*[local-name()='g'][@class='edge']")
    assert len(edges) == len(data["lineage"]["edges"])


def test_committed_seeds_report_is_up_to_date(tmp_path: Path) -> None:
    """reports/seeds is what `bash scripts/audit-seeds.sh` writes; regenerate it with that command."""
    out = tmp_path / "seeds"
    assert main(["audit", str(ROOT / "seeds"), "--out", str(out), "-q"]) == 0
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
    page = lxml_html.parse(str(tmp_path / "out" / "report.html")).getroot()
    table = next(t for t in page.iter("table") if "docs" in (t.get("class") or ""))
    head = [th.text_content() for th in table.iter("th")]
    rows = {tr[0].text_content(): [td.text_content() for td in tr] for tr in table.iter("tr") if tr[0].tag == "td"}
    assert rows["a"][head.index("identical copies")] == "b.txt" and rows["c"][head.index("identical copies")] == ""
    node = next(g for g in page.iter("{*}g") if g.get("data-doc") == "a")
    assert "identical copies: b.txt" in next(t for t in node if t.tag.endswith("title")).text
    assert any(li.text_content().startswith("1 more input identical") for li in page.iter("li"))
