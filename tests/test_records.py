"""Collections whose records give no text: one line for the file, naming the
columns found and ``--text-column``, not one line per record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance import sources
from provenance.cli import main
from tests.conftest import corpus_dir

STORY = ("The harbour authority said on Monday that the new ferry terminal would open in September, two years "
         "later than planned, after engineers found that the foundations of the old pier could not carry the "
         "weight of the larger ships now used on the island route.")


def _lines_about(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if name in line]


def test_csv_without_a_text_column_gives_one_line_and_exit_2(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data.csv"
    rows = "".join(f"{n},{n * 2},row {n}\n" for n in range(2000))
    path.write_text("a,b,c\n" + rows, encoding="utf-8")
    rc = main(["audit", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert rc == 2
    # the summary that nothing is auditable, and one line about the file: not one per record
    about = _lines_about(captured.out + captured.err, "data.csv")
    assert len(about) == 2 and about[0].startswith(f"{path}: nothing auditable"), about[:5]
    lines = _lines_about(captured.out + captured.err, "skipped data.csv")
    assert len(lines) == 1, lines[:5]
    assert "no text column" in lines[0] and "(columns: a, b, c)" in lines[0] and "--text-column" in lines[0]
    assert "2000 records" in lines[0]


def test_the_collection_is_one_skipped_entry_beside_the_documents(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("File,Task,Category\n" + "g0.txt,a,non\n" * 50, encoding="utf-8")
    (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "copy.txt").write_text("Copied: " + STORY, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(tmp_path), "--out", str(out), "--format", "json", "-q"]) == 0
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    about = [s for s in audit["skipped"] if s["path"].startswith("data.csv")]
    assert about == [{"path": "data.csv", "reason": "no text column in its 50 records (columns: File, Task, "
                                                   "Category); name one with --text-column"}]
    assert {d["id"] for d in audit["documents"]} == {"story", "copy"}


def test_jsonl_lists_every_field_found_and_keeps_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text('{"headline": "One", "summary": "x"}\n{"headline": "Two", "lead": "y"}\nnot json\n[1]\n',
                    encoding="utf-8")
    got = sources.load(path)
    assert not got.documents
    reasons = {s.path: s.reason for s in got.skipped}
    assert set(reasons) == {"feed.jsonl", "feed.jsonl#line3", "feed.jsonl#line4"}
    assert reasons["feed.jsonl"] == ("no text column in its 2 records (columns: headline, summary, lead); "
                                     "name one with --text-column")
    assert "malformed record at line 3" in reasons["feed.jsonl#line3"]
    assert "not an object" in reasons["feed.jsonl#line4"]


def test_a_named_text_column_that_is_missing_is_said_once(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(f'id,text\n1,"{STORY}"\n2,"{STORY} Again."\n', encoding="utf-8")
    got = sources.load(path, sources.Options(columns=sources.Columns(text="body")))
    assert not got.documents
    assert [(s.path, s.reason) for s in got.skipped] == [
        ("data.csv", "no column 'body' (--text-column) in its 2 records (columns: id, text)")]


def test_a_text_column_empty_in_every_record_is_said_once(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,text,note\n" + "".join(f"{n},,n\n" for n in range(30)), encoding="utf-8")
    got = sources.load(path)
    assert [(s.path, s.reason) for s in got.skipped] == [
        ("data.csv", ("the text column 'text' is empty in all 30 records (columns: id, text, note); "
                     "name another with --text-column"))]


def test_some_records_without_text_are_still_named_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(f'id,text\n1,"{STORY}"\n2,\n', encoding="utf-8")
    got = sources.load(path)
    assert [d.id for d in got.documents] == ["data#1"]
    assert [s.path for s in got.skipped] == ["data.csv#2"] and "has no text" in got.skipped[0].reason


def test_the_clough_folder_prints_one_line_for_its_file_information(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    corpus = corpus_dir("clough-stevenson")
    rc = main(["audit", str(corpus), "--out", str(tmp_path / "out"), "--format", "json"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = _lines_about(out, "file_information.csv")
    assert len(lines) == 1, lines[:5]
    assert lines[0] == ("skipped file_information.csv: no text column in its 100 records "
                        "(columns: File, Task, Category); name one with --text-column")


def test_every_column_option_has_help_and_author_column_names_the_author(tmp_path: Path) -> None:
    import click

    from provenance.cli import cli

    audit_cmd = cli.commands["audit"]
    columns = {p.name: p for p in audit_cmd.params if isinstance(p, click.Option) and p.name.endswith("_column")}
    assert set(columns) == {f"{n}_column" for n in ("text", "id", "title", "date", "url", "site", "author")}
    assert all(p.help and p.help.strip() for p in columns.values()), [n for n, p in columns.items() if not p.help]
    path = tmp_path / "feed.csv"
    path.write_text(f'id,body,writer,byline\n1,"{STORY}",Ann Lee,July 15 2018\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(path), "--out", str(out), "--format", "json", "-q", "--text-column", "body",
                 "--author-column", "writer"]) == 0
    (doc,) = json.loads((out / "audit.json").read_text(encoding="utf-8"))["documents"]
    assert doc["author"] == "Ann Lee"
    (doc,) = sources.load(path, sources.Options(columns=sources.Columns(text="body"))).documents
    assert doc.author is None and dict(doc.meta)["author_not_taken"] == "July 15 2018"  # byline: a date


@pytest.mark.parametrize(("argv", "option"), [
    (["--max-df", "0"], "--max-df"), (["--max-gap", "-1"], "--max-gap"), (["--min-len", "0"], "--min-len"),
    (["--max-bytes", "0"], "--max-bytes")])
def test_a_bad_setting_is_named_by_its_option(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              argv: list[str], option: str) -> None:
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err
    assert option in err and option.lstrip("-").replace("-", "_") not in err, err


def test_a_csv_without_a_header_row_gives_a_short_line(tmp_path: Path) -> None:
    """Its first record is read as the header: the names listed are cut short,
    not the article printed whole."""
    path = tmp_path / "data.csv"
    path.write_text("".join(f'{n},"{STORY}"\n' for n in range(3)), encoding="utf-8")
    (skipped,) = sources.load(path).skipped
    assert skipped.reason.startswith("no text column in its 2 records (columns: 0, The harbour authority said on")
    assert len(skipped.reason) < 200 and "…" in skipped.reason
