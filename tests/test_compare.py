"""``provenance compare``: a record of a collection addressed as FILE#ID, the
exact and the edited parts of each passage shown apart, the text kept as it is."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from provenance import compare, sources
from provenance.audit import audit
from provenance.cli import main
from provenance.model import Document
from provenance.settings import Settings
from tests.conftest import corpus_dir

STORY = ("(CNN) The harbour authority said on Monday that the new ferry terminal would open in September, two "
         "years later than planned, after engineers found that the foundations of the old pier could not carry "
         "the weight of the larger ships now used on the island route.")
EDITED = STORY.replace("on Monday", "on Tuesday").replace("the larger ships", "the bigger vessels")
OTHER = ("Construction began in the spring of last year, and the council had promised islanders that the first "
         "sailings from the new berth would carry passengers before the summer holidays.")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _collection(tmp_path: Path) -> Path:
    path = tmp_path / "feed.csv"
    path.write_text(f'id,title,text\n11,Other,"{OTHER}"\n12,Ferry,"{STORY}"\n', encoding="utf-8")
    (tmp_path / "copy.txt").write_text(EDITED, encoding="utf-8")
    return path


def _passage_lines(out: str) -> dict[str, str]:
    """The A and B lines of the one passage printed: side -> (offsets, text shown)."""
    lines = {line[0]: line for line in out.splitlines() if line[:2] in ("A ", "B ")}
    assert set(lines) == {"A", "B"}, out
    return lines


def test_a_record_of_a_collection_is_addressed_as_file_hash_id(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    feed = _collection(tmp_path)
    assert main(["compare", f"{feed}#12", str(tmp_path / "copy.txt"), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{feed}#12: ")
    a_line = _passage_lines(out)["A"]
    assert "harbour authority" in a_line and "Construction began" not in a_line
    # the other record is another article: it shares nothing with the copy
    assert main(["compare", f"{feed}#11", str(tmp_path / "copy.txt")]) == 0
    assert capsys.readouterr().out.strip() == "no shared passages"


def test_a_record_named_as_the_audit_names_it_in_jsonl(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Ids as the audit gives them: a record's number when it has no id, and
    ``ID@lineN`` for a repeated id."""
    path = tmp_path / "feed.jsonl"
    rows = [{"text": OTHER}, {"id": "7", "text": OTHER + " Again."}, {"id": "7", "text": STORY}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    loaded = sources.load(path)
    assert sorted(d.path for d in loaded.documents) == ["feed.jsonl#1", "feed.jsonl#7", "feed.jsonl#7@line3"]
    (tmp_path / "copy.txt").write_text(EDITED, encoding="utf-8")
    assert main(["compare", f"{path}#7@line3", str(tmp_path / "copy.txt"), "--no-color"]) == 0
    assert "harbour authority" in _passage_lines(capsys.readouterr().out)["A"]


def test_a_missing_record_is_an_error_naming_the_file_and_the_id(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    feed = _collection(tmp_path)
    copy = str(tmp_path / "copy.txt")
    assert main(["compare", f"{feed}#99", copy]) == 2
    err = capsys.readouterr().err
    assert f"{feed} holds no record with id '99'" in err and "2 records, ids 11, 12" in err
    assert main(["compare", str(feed), copy]) == 2
    assert f"name one as {feed}#ID" in capsys.readouterr().err
    assert main(["compare", f"{copy}#1", str(feed) + "#12"]) == 2
    assert "is not a collection" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "missing.csv#1"), copy]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_exact_and_edited_parts_are_shown_apart_without_colour(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    feed = _collection(tmp_path)
    assert main(["compare", f"{feed}#12", str(tmp_path / "copy.txt"), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "[exact runs], {edited or bridged text}" in out  # the legend
    lines = _passage_lines(out)
    a_shown = lines["A"].split("] ", 1)[1]
    b_shown = lines["B"].split("] ", 1)[1]
    assert re.findall(r"\{([^}]*)\}", a_shown) == ["Monday", "larger ships"]
    assert re.findall(r"\{([^}]*)\}", b_shown) == ["Tuesday", "bigger vessels"]
    exact_a = re.findall(r"\[([^\]]*)\]", a_shown)
    assert exact_a == re.findall(r"\[([^\]]*)\]", b_shown) and len(exact_a) == 3
    assert all(run in STORY and run in EDITED for run in exact_a)


def test_exact_and_edited_parts_are_coloured_on_request(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    feed = _collection(tmp_path)
    assert main(["compare", f"{feed}#12", str(tmp_path / "copy.txt"), "--color"]) == 0
    out = capsys.readouterr().out
    green, yellow, reset = "\x1b[32m", "\x1b[33m", "\x1b[0m"
    assert f"{green}exact runs{reset}" in out and f"{yellow}edited or bridged text{reset}" in out
    a_line = _passage_lines(out)["A"]
    assert f"{yellow}Monday{reset}" in a_line and f"{yellow}larger ships{reset}" in a_line
    assert f"{green}that the new ferry terminal" in a_line
    assert "{" not in a_line and "[exact" not in a_line  # colours, not marks
    # the same text, character for character, with the colours taken away
    assert ANSI.sub("", a_line).split("] ", 1)[1] == STORY


def test_the_original_text_is_kept_with_the_audit_s_offsets(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The passage's span starts at its first word ("CNN"), so the "(" was
    dropped: it is shown as context beside the span, whose offsets are the
    audit's."""
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(EDITED + "\n", encoding="utf-8")
    assert main(["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--color"]) == 0
    lines = _passage_lines(capsys.readouterr().out)
    docs = [Document("a", "a.txt", "a", STORY), Document("b", "b.txt", "b", EDITED + "\n")]
    (pair,) = audit(docs, Settings(min_len=None, lineage=False)).pairs  # as compare chooses it
    (passage,) = pair.passages
    assert passage.a_chars[0] == 1  # the audit's span leaves out the "("
    for side, text, span in (("A", STORY, passage.a_chars), ("B", EDITED, passage.b_chars)):
        offsets, shown = lines[side][2:].split(" ", 1)
        assert offsets == f"[{span[0]}:{span[1]}]"
        assert ANSI.sub("", shown) == text  # byte for byte, "(CNN)" and the final "." included


def test_segments_cover_the_span_and_its_punctuation() -> None:
    text = "Intro. (CNN) one two three four five six seven eight nine ten, said he."
    other = "(CNN) one two three four fifth sixth seven eight nine ten, said he!"
    docs = [Document("a", "a", "a", text), Document("b", "b", "b", other)]
    (pair,) = audit(docs, Settings(min_len=3, max_gap=4, lineage=False, align=False)).pairs
    (p,) = pair.passages
    for side, t in ((0, text), (1, other)):
        segs = compare.segments(t, p, side)
        assert all(x.end == y.start for x, y in itertools.pairwise(segs))
        shown = t[segs[0].start:segs[-1].end]
        assert shown.startswith("(CNN) one") and shown.endswith("said he" + t[-1])
        assert segs[0].kind == "context" and t[segs[0].start:segs[0].end] == "("
        edited = [t[s.start:s.end] for s in segs if s.kind == "edited"]
        assert edited == (["five six"] if side == 0 else ["fifth sixth"])


def test_a_record_of_the_real_news_collection_against_an_edited_copy(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """news-2018's record 645 (a CNN report with "Washington (CNN)") against a
    copy with two sentences' words changed: addressed by its id, its text
    shown as it is in the collection."""
    feed = corpus_dir("news-2018") / "helsinki_articles.csv"
    record = sources.read_record(feed, str(feed), "645")
    assert isinstance(record, Document) and "(CNN)" in record.text
    copy = record.text.replace("Republican senator", "GOP lawmaker").replace("Monday", "Tuesday")
    assert copy != record.text
    (tmp_path / "copy.txt").write_text(copy, encoding="utf-8")
    assert main(["compare", f"{feed}#645", str(tmp_path / "copy.txt"), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{feed}#645: ")
    lines = _passage_lines(out)
    assert "{Republican senator}" in lines["A"] and "{Monday}" in lines["A"]
    assert "{GOP lawmaker}" in lines["B"] and "{Tuesday}" in lines["B"]
    assert "Washington (CNN) ### A] {" in lines["A"]
