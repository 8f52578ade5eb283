"""``provenance check`` and ``provenance archive`` on the command line: the
files, their schema and determinism, the summary, the exit codes, ``--add``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance import sources
from provenance.archive import Archive
from provenance.cli import main
from provenance.report import decode_payload

MATCH_KEYS = {"checked", "archived", "title", "site", "published", "covered_checked", "covered_archived", "longest",
              "passages", "direction", "confidence", "change"}


@pytest.fixture
def archive(tmp_path: Path, seeds_dir: Path) -> tuple[Path, Path, Path]:
    """An archive of four seeds, and the fifth in a folder of its own."""
    docs = sorted(seeds_dir.iterdir())
    kept = tmp_path / "kept"
    kept.mkdir()
    for f in docs[1:]:
        (kept / f.name).write_bytes(f.read_bytes())
    new = tmp_path / "new"
    new.mkdir()
    (new / docs[0].name).write_bytes(docs[0].read_bytes())
    root = tmp_path / "arc"
    assert main(["archive", "add", str(root), str(kept), "-q"]) == 0
    return root, kept, new


def test_check_json(archive: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, _, new = archive
    out = tmp_path / "out"
    assert main(["check", str(new), "--archive", str(root), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    raw = (out / "check.json").read_bytes()
    data = json.loads(raw)
    assert data["schema"] == "provenance.check/1"
    assert [d["id"] for d in data["checked"]] == ["000_1d8f2c2912b56707"]
    assert set(data["checked"][0]) >= {"id", "path", "title", "text", "tokens", "sha256", "published", "site", "copies"}
    assert data["matches"] and all(set(m) == MATCH_KEYS for m in data["matches"])
    text = data["checked"][0]["text"]
    archived = {d.id: d.text for d in sources.load(archive[1]).documents}
    for m in data["matches"]:
        assert m["direction"] in ("checked_from_archived", "archived_from_checked", "unknown")
        assert 0 <= m["covered_checked"] <= 1 and 0 <= m["confidence"] <= 1
        for p in m["passages"]:
            assert set(p) == {"checked", "archived", "tokens", "exact", "kind"}
            assert 0 <= p["checked"][0] < p["checked"][1] <= len(text)
            assert 0 <= p["archived"][0] < p["archived"][1] <= len(archived[m["archived"]])
    src = data["likely_source"]["000_1d8f2c2912b56707"]
    assert src in {m["archived"] for m in data["matches"] if m["direction"] == "checked_from_archived"}
    assert f"most likely source {src}" in summary
    # keys sorted, and the same bytes again
    assert raw.decode("utf-8") == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    assert main(["check", str(new), "--archive", str(root), "--out", str(tmp_path / "again"), "-q"]) == 0
    assert (tmp_path / "again" / "check.json").read_bytes() == raw
    assert (tmp_path / "again" / "report.html").read_bytes() == (out / "report.html").read_bytes()


def test_report_holds_the_checked_article_and_its_sources(archive: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, _, new = archive
    assert main(["check", str(new), "--archive", str(root), "--out", str(tmp_path / "o"), "-q"]) == 0
    page = (tmp_path / "o" / "report.html").read_bytes()
    data = json.loads((tmp_path / "o" / "check.json").read_bytes())
    shown = decode_payload(page)
    ids = {d[0] for d in shown["docs"]}
    assert ids == {"000_1d8f2c2912b56707"} | {m["archived"] for m in data["matches"]}
    assert len(shown["pairs"]) == len(data["matches"])
    assert b"connect-src 'none'" in page and b'src="http' not in page and b"<link" not in page


def test_checking_archived_articles_together_draws_a_forest(archive: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """Two checked articles that are archived already: each check weighs its own pairs, so
    together they can give a document two parents or a loop; the report draws each
    document below its most confident parent (it ended in a KeyError in the layout)."""
    root, kept, _ = archive
    both = sorted(kept.iterdir())[:2]
    out = tmp_path / "o"
    assert main(["check", *map(str, both), "--archive", str(root), "--out", str(out), "-q"]) in (0, 1)
    data = json.loads((out / "check.json").read_bytes())
    edges = [(e[0], e[1], e[2]) for e in decode_payload((out / "report.html").read_bytes())["edges"]]
    children = [c for c, _, _ in edges]
    assert len(children) == len(set(children)), edges
    parent = {c: p for c, p, _ in edges}
    for c in parent:  # no loop: every chain of parents ends
        seen, up = set(), c
        while up in parent:
            assert up not in seen, edges
            seen.add(up)
            up = parent[up]
    directed = {(m["checked"], m["archived"]) for m in data["matches"] if m["direction"] != "unknown"}
    assert len(directed) > len(edges), "the two checks gave more directed matches than a forest can hold"


def test_hostile_archived_text_is_escaped(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    body = "The minister said the talks would resume in Geneva next week after a pause. " * 4
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_text(f"<html><head><title>{evil}</title></head><body><p>{evil} {body}</p></body></html>")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "b.txt").write_text(body + " And more words of its own here today.")
    assert main(["archive", "add", str(tmp_path / "arc"), str(tmp_path / "in"), "--min-len", "4", "-q"]) == 0
    assert main(["check", str(tmp_path / "x"), "--archive", str(tmp_path / "arc"), "--out", str(tmp_path / "o"), "-q"]) == 0
    page = (tmp_path / "o" / "report.html").read_bytes()
    assert json.loads((tmp_path / "o" / "check.json").read_bytes())["matches"]
    assert b"<script>alert" not in page


def test_exit_codes(archive: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, _, new = archive
    out = str(tmp_path / "o")
    assert main(["check", str(new), "--archive", str(root), "--out", out, "-q", "--fail-over", "0.99"]) == 0
    assert main(["check", str(new), "--archive", str(root), "--out", out, "-q", "--fail-over", "0.1"]) == 1
    assert "findings" in capsys.readouterr().err
    assert main(["check", str(new), "--out", out]) == 2  # no --archive
    assert main(["check", str(new), "--archive", str(root), "--out", out, "--max-df", "1"]) == 2
    assert main(["check", str(tmp_path / "missing"), "--archive", str(root), "--out", out]) == 2
    assert main(["archive", "remove", str(root), "nope"]) == 2


def test_check_add_archives_the_checked_articles(archive: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, _, new = archive
    assert Archive(root).info()["documents"] == 4
    assert main(["check", str(new), "--archive", str(root), "--out", str(tmp_path / "o"), "-q", "--add"]) == 0
    assert Archive(root).info()["documents"] == 5
    # checked again, it is found identical to what was archived
    assert main(["check", str(new), "--archive", str(root), "--out", str(tmp_path / "p"), "-q"]) == 0
    data = json.loads((tmp_path / "p" / "check.json").read_bytes())
    assert data["identical"] == {"000_1d8f2c2912b56707": "000_1d8f2c2912b56707"}


def test_info_and_verify(archive: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root = archive[0]
    capsys.readouterr()
    assert main(["archive", "info", str(root)]) == 0
    out = capsys.readouterr().out
    assert "4 documents" in out and "min_len 8" in out
    assert main(["archive", "verify", str(root)]) == 0
    assert "sound" in capsys.readouterr().out
