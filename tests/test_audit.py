"""The audit end to end: passages, coverage, the JSON contract, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from provenance import export
from provenance.audit import audit
from provenance.cli import main
from provenance.model import Document, Passage
from provenance.settings import Settings
from provenance.sources import load_folder
from provenance.tokenize import Vocabulary

LOREM = (
    "The committee met on Thursday to review the budget for the coming year and agreed to "
    "postpone the vote on the new library until the auditors had finished their report on the "
    "costs of the old building, which had been closed since the flood in the spring of last year."
)
OTHER = (
    "Farmers in the northern valley said the late frost had damaged most of the apple blossom, "
    "and several orchards expect to lose half of their harvest unless the weather turns warmer "
    "before the end of the month, according to the regional growers association."
)


def doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, path=f"{doc_id}.txt", title=doc_id, text=text, sha256="0" * 64)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_light_edit_does_not_split_a_passage() -> None:
    edited = LOREM.replace("postpone", "delay").replace("old building", "former building")
    result = audit([doc("a", LOREM), doc("b", edited)], Settings(lineage=False))
    (pair,) = result.pairs
    (p,) = pair.passages
    assert len(p.runs) == len(p.packed_runs) // 12 == 3  # three exact runs bridged across two one-word edits
    # the runs are held packed: the same passage from its rows, and each run's words the same on both sides
    assert Passage(p.a, p.b, p.a_chars, p.b_chars, p.runs, p.exact, p.run_chars) == p
    for (ta, tb, n), (a0, a1, b0, b1) in zip(p.runs, p.run_chars):
        assert n >= 1 and words(LOREM[a0:a1]) == words(edited[b0:b1]) and len(words(LOREM[a0:a1])) == n
    assert Passage.from_packed(p.packed_spans, p.packed_runs, p.exact, p.packed_run_chars) == p
    with pytest.raises(ValueError, match="not rows of 12"):
        Passage(p.a, p.b, p.a_chars, p.b_chars, p.packed_runs[:-1], p.exact)
    with pytest.raises(ValueError, match="packed spans of 28 bytes"):
        Passage.from_packed(p.packed_spans[:-4], p.packed_runs, p.exact)
    assert p.exact < p.tokens
    a0, a1 = p.a_chars
    assert LOREM[a0:a1] == LOREM.rstrip(".")
    assert pair.covered_a == pair.covered_b == 1.0


def test_reordered_paragraphs_stay_separate_passages() -> None:
    a = LOREM + "\n\n" + OTHER
    b = OTHER + "\n\n" + LOREM
    result = audit([doc("a", a), doc("b", b)], Settings(lineage=False))
    (pair,) = result.pairs
    assert len(pair.passages) == 2
    for p in pair.passages:
        assert words(a[slice(*p.a_chars)]) == words(b[slice(*p.b_chars)])


def test_partial_copy_coverage_both_ways() -> None:
    source = LOREM + " " + OTHER
    copy = "In other news. " + OTHER
    result = audit([doc("copy", copy), doc("source", source)], Settings(lineage=False))
    (pair,) = result.pairs
    assert pair.a == "copy" and pair.b == "source"
    n_other = len(words(OTHER))
    assert pair.covered_a == pytest.approx(n_other / len(words(copy)), abs=1e-6)
    assert pair.covered_b == pytest.approx(n_other / len(words(source)), abs=1e-6)
    assert pair.longest == n_other


def test_no_passage_below_min_len() -> None:
    a = "one two three four five six seven alpha beta"
    b = "one two three four five six seven gamma delta"
    assert not audit([doc("a", a), doc("b", b)], Settings(min_len=8, lineage=False)).pairs
    assert audit([doc("a", a), doc("b", b)], Settings(min_len=7, lineage=False)).pairs[0].longest == 7


def test_boilerplate_recorded_once_not_expanded() -> None:
    footer = "Copyright the Daily Example all rights reserved reproduction without permission prohibited"
    docs = [doc(f"d{i}", f"Story number {i} about topic {i * 7}. " + footer) for i in range(6)]
    result = audit(docs, Settings(max_df=3, lineage=False))
    assert not result.pairs
    (bp,) = result.boilerplate
    assert bp.df == 6 and len(bp.docs) == 6
    text = next(d.text for d in docs if d.id == bp.doc)
    assert words(text[slice(*bp.chars)]) == words(footer)


def test_seeds_share_the_kumsusan_passage(seeds_dir: Path) -> None:
    loaded = load_folder(seeds_dir, Settings().max_bytes)
    result = audit(loaded.documents, Settings(lineage=False))
    texts = {d.id: d.text for d in result.documents}
    ids = sorted(texts)
    pair = next(p for p in result.pairs if (p.a, p.b) == (ids[0], ids[1]))
    hits = []
    for p in pair.passages:
        ta, tb = texts[pair.a][slice(*p.a_chars)], texts[pair.b][slice(*p.b_chars)]
        if "Kumsusan guesthouse" in ta:
            hits.append((ta, tb, p))
    assert len(hits) == 1
    ta, tb, p = hits[0]
    for phrase in ("Kumsusan guesthouse", "Xi Jinping", "2019"):
        assert phrase in ta and phrase in tb
    # an exact run: the same stemmed words on both sides, whatever the punctuation
    stem = Vocabulary(stem=True).term
    for a0, a1, b0, b1 in p.run_chars:
        wa, wb = words(texts[pair.a][a0:a1]), words(texts[pair.b][b0:b1])
        assert [stem(w) for w in wa] == [stem(w) for w in wb]
        assert len(wa) >= Settings().min_len


def test_json_contract_and_determinism(tmp_path: Path, seeds_dir: Path) -> None:
    outs = []
    for n in range(2):
        out = tmp_path / f"run{n}"
        assert main(["audit", str(seeds_dir), "--out", str(out), "--quiet"]) == 0
        outs.append((out / "audit.json").read_bytes())
    assert outs[0] == outs[1]
    data = json.loads(outs[0])
    assert data["schema"] == "provenance.audit/1"
    docs = {d["id"]: d for d in data["documents"]}
    assert len(docs) == len(list(seeds_dir.glob("*.txt")))
    for d in data["documents"]:
        assert d["chars"] == len(d["text"])
        assert (seeds_dir / d["path"]).read_text(encoding="utf-8") == d["text"]
    assert data["pairs"]
    for p in data["pairs"]:
        assert p["a"] < p["b"]
        assert 0 < p["covered_a"] <= 1 and 0 < p["covered_b"] <= 1
        for q in p["passages"]:
            sa, sb = docs[p["a"]]["text"][slice(*q["a"])], docs[p["b"]]["text"][slice(*q["b"])]
            assert q["exact"] <= q["tokens"]
            assert len(words(sa)) <= q["tokens"] and len(words(sb)) <= q["tokens"]
            assert q["kind"] in ("exact", "aligned")
            if q["kind"] == "exact":  # aligned passages (edited text) may hold no run of min_len
                assert q["exact"] >= data["settings"]["min_len"]
    assert any(q["kind"] == "aligned" for p in data["pairs"] for q in p["passages"])
    assert data["settings"]["min_len"] == Settings().min_len
    assert data["skipped"] == []


def test_bad_plain_text_is_skipped_and_the_audit_goes_on(tmp_path: Path) -> None:
    (tmp_path / "good1.txt").write_text(LOREM, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good2.md").write_text("# Title\n\n" + LOREM, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin.txt").write_bytes(bytes(range(128, 256)) * 3)  # no encoding fits
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "out"
    assert main(["audit", str(tmp_path), "--out", str(out), "--quiet"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert sorted(d["id"] for d in data["documents"]) == ["good1", "sub/good2"]
    reasons = {s["path"]: s["reason"] for s in data["skipped"]}
    assert set(reasons) >= {"empty.txt", "latin.txt", "binary.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"] or "NUL" in reasons["binary.txt"]
    assert reasons["latin.txt"]
    (pair,) = data["pairs"]
    assert pair["covered_a"] == 1.0


def test_nothing_auditable_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert main(["audit", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert main(["audit", str(tmp_path), "--min-len", "0"]) == 2


def test_compare_prints_shared_passages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("Intro. " + LOREM, encoding="utf-8")
    (tmp_path / "b.txt").write_text(LOREM + " Outro.", encoding="utf-8")
    assert main(["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]) == 0
    out = capsys.readouterr().out
    assert "auditors had finished their report" in out
    assert "1 passages" in out


def test_export_round_trips_settings() -> None:
    result = audit([doc("a", LOREM), doc("b", LOREM)], Settings(min_len=5, lineage=False))
    data = export.to_dict(result, "test")
    assert data["settings"]["min_len"] == 5
    assert json.loads(export.dumps(data)) == data


def test_audit_json_is_streamed_compact_json(tmp_path: Path, seeds_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``audit.json`` is the compact JSON of ``to_dict`` (sorted keys, no
    indentation), written in pieces none of which holds more than a few
    hundred documents or pairs."""
    from provenance import __version__, api

    result = audit([doc(f"d{i:03d}", f"Story {i} begins. " + LOREM) for i in range(600)], Settings(lineage=False))
    data = export.to_dict(result, __version__)
    whole = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                       default=export.json_default) + "\n"  # the pairs are rows made as they are read
    pieces = list(export.iter_json(data))
    assert "".join(pieces) == whole and json.loads(whole) == data
    assert len(pieces) > 3 and max(map(len, pieces)) < len(whole) / 2
    api.write(result, tmp_path / "out", ("json",))
    assert (tmp_path / "out" / "audit.json").read_text(encoding="utf-8") == whole
    # a file that cannot be made leaves the old files, not a mix of old and new
    monkeypatch.setattr("provenance.report.render", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(export.WriteError, match="report.html"):
        api.write(audit([doc("x", LOREM), doc("y", LOREM)], Settings(lineage=False)), tmp_path / "out")
    assert (tmp_path / "out" / "audit.json").read_text(encoding="utf-8") == whole
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == ["audit.json"]


def test_a_pair_written_directly_is_its_row_encoded() -> None:
    """``audit.json`` writes each pair straight from its passages (``pair_json``):
    the same text as its row (``pair_dict``) through the C encoder, on every pair
    of 300 news-2018 articles (aligned passages included) and on pairs whose ids
    need escaping and whose shares are not the plain floats of a pair."""
    import dataclasses

    import numpy as np

    from tests.conftest import matched

    encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
    _, _, pairs = matched("news-2018")
    assert any(q.kind == "aligned" for p in pairs for q in p.passages)
    hostile = [dataclasses.replace(pairs[0], a='x"\\\n\u2028é</script>', b="\x00\x1fé", covered_a=np.float64(1 / 3),
                                   covered_b=1e-7),
               dataclasses.replace(pairs[1], passages=(), covered_a=0.0, covered_b=1.0)]
    for p in [*pairs, *hostile]:
        assert export.pair_json(p) == encode(export.pair_dict(p)), (p.a, p.b)
    assert len(pairs) > 100


def test_max_memory_stops_the_audit_with_a_message_not_a_kill(tmp_path: Path, seeds_dir: Path) -> None:
    """With less memory than the audit needs (100 MB: the interpreter and its
    libraries alone take more) it stops before the large stages with exit 2 and
    says what to do; it is not killed and writes nothing.  The same audit with
    the default (most of the memory available) completes."""
    import subprocess
    import sys

    out = tmp_path / "out"
    probe = ("import resource, sys; from provenance.cli import main; rc = main(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", probe, "audit", str(seeds_dir), "--out", str(out), "-q",
                          "--max-memory", "100M"], capture_output=True, text=True, check=False)
    assert run.returncode == 2, run.stderr
    message = run.stderr.strip().splitlines()[0]
    assert "--max-memory" in message and "in parts" in message and "100 MB" in message
    assert not out.exists() or not any(out.iterdir())
    assert int(run.stderr.strip().splitlines()[-1]) * 1024 > 100 * 2**20  # it did need more than the cap
    assert main(["audit", str(seeds_dir), "--out", str(out), "-q"]) == 0 and (out / "audit.json").is_file()
    assert main(["audit", str(seeds_dir), "--out", str(out), "-q", "--max-memory", "lots"]) == 2


def test_max_memory_between_one_process_and_two_runs_the_audit_on_one(
        seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Where the audit fits in ``--max-memory`` on one process but not on two
    (each worker holds its own share of the passages), it runs on one rather
    than stopping, says so, and gives the result it gives on one process."""
    from provenance import align
    from provenance.audit import MemoryLimitError, chosen, estimate_peak, index_stage, tokenize_stage

    docs = sorted(load_folder(seeds_dir).documents, key=lambda d: d.id)
    streams = tokenize_stage(docs, Settings())
    settings = chosen(docs, streams, Settings())
    tokens = sum(len(s) for s in streams)
    runs, _ = index_stage(streams, settings).size(len(streams))
    one, two = estimate_peak(tokens, runs, 1), estimate_peak(tokens, runs, 2)
    assert runs and one < two
    used: list[int] = []
    real = align.enrich

    def spy(*args: object, jobs: int = 1, **kw: object) -> object:
        used.append(jobs)
        return real(*args, jobs=jobs, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(align, "enrich", spy)
    with caplog.at_level("WARNING", logger="provenance.audit"):
        got = audit(docs, Settings(), jobs=2, max_memory=(one + two) // 2)
    assert used == [1]
    assert "runs on 1" in caplog.text and "--max-memory" in caplog.text
    assert got == audit(docs, Settings(), jobs=1)
    with pytest.raises(MemoryLimitError):
        audit(docs, Settings(), jobs=2, max_memory=one - 1)


def test_parallel_audit_gives_the_same_audit() -> None:
    """``--jobs 2`` tokenizes, aligns pairs across edits and weighs candidate
    edges in two processes: the result is the one process's, byte for byte (a
    synthetic corpus of real news text with planted edited copies, enough
    texts, pairs and edges for several chunks of work in each stage)."""
    from provenance.lineage.evidence import CHUNK_PAIRS
    from provenance.tokenize import CHUNK_DOCS
    from tests.bench.synth import make_corpus
    from tests.conftest import corpus_dir

    docs = list(make_corpus(400, derived=0.5, path=corpus_dir("news-2018") / "helsinki_articles.csv").documents)
    one = audit(docs, Settings())
    assert len(docs) > 2 * CHUNK_DOCS
    assert sum(q.kind == "aligned" for p in one.pairs for q in p.passages) > 64
    assert len(one.pairs) > 2 * CHUNK_PAIRS and one.lineage is not None and len(one.lineage.edges) > 50
    two = audit(docs, Settings(), jobs=2)
    assert export.dumps(export.to_dict(two, "t")) == export.dumps(export.to_dict(one, "t"))


def test_parallel_reading_gives_the_same_documents(tmp_path: Path) -> None:
    """``load(..., jobs=2)`` reads chunks of files in two processes: the same
    documents, identical copies, skipped entries and manifest dates, in the
    same order, as one process (more files than one chunk; copies whose twin
    is read by the other process; a file that cannot be decoded; a manifest
    row that names no file; the audit's own output folder left unread)."""
    from provenance import sources

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    n = 3 * sources.READ_CHUNK
    for i in range(n):
        text = f"Story {i % (n // 3)}: the council met on day {i % (n // 3)} and voted on the budget again."
        (folder / ("sub" if i % 2 else ".") / f"a{i:04d}.txt").write_text(text.replace("council", "Council") if i > n // 2 else text)
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00\xd8" * 10 + b"\x00" * 40)
    (folder / "out").mkdir()
    (folder / "out" / "audit.json").write_text("{}")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,published\nsub/a0001.txt,2020-01-02\nmissing.txt,2020-01-03\n")
    options = sources.Options(manifest=manifest, own=(str((folder / "out").resolve()),))
    one = sources.load(folder, options, jobs=1)
    two = sources.load(folder, options, jobs=2)
    assert one == two
    assert len(one.documents) == n // 3 and all(len(d.copies) == 2 for d in one.documents)
    assert {s.path for s in one.skipped} >= {"bad.txt", "out"} and any("missing.txt" in s.path for s in one.skipped)
    assert any(d.published == "2020-01-02" for d in one.documents)


def test_a_file_that_kills_its_reader_is_named_and_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose parser takes the reading process down (here the reader
    kills itself on one file, as a C library might crash on a malformed PDF;
    SIGKILL rather than SIGSEGV, which pytest's faulthandler would report):
    with ``jobs=2`` that file is skipped with a reason naming the signal, and
    every other file is read, the same documents as one process reading the
    folder without it."""
    import os
    import signal

    from provenance import sources

    folder = tmp_path / "in"
    folder.mkdir()
    n = 2 * sources.READ_CHUNK + 7
    for i in range(n):
        (folder / f"a{i:04d}.txt").write_text(f"Story {i}: the council met on day {i} and voted on the budget.")
    bad = f"a{sources.READ_CHUNK + 3:04d}.txt"
    real = sources._read_file

    def fragile(path: Path, rel: str, options: sources.Options) -> list:  # type: ignore[type-arg]
        if rel == bad:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, rel, options)

    monkeypatch.setattr(sources, "_read_file", fragile)
    got = sources.load(folder, sources.Options(), jobs=2)
    monkeypatch.setattr(sources, "_read_file", real)
    (folder / bad).unlink()
    want = sources.load(folder, sources.Options(), jobs=1)
    assert got.documents == want.documents and len(got.documents) == n - 1
    assert [s.path for s in got.skipped] == [bad]
    assert "SIGKILL" in got.skipped[0].reason and "process" in got.skipped[0].reason


def test_a_small_folder_survives_a_reader_crash_with_one_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one job and one chunk of files, a web page whose parser takes the
    process down is read in a process of its own: the audit itself survives,
    the page is skipped with the signal named, and the text files are read."""
    import os
    import signal

    from provenance import sources

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text(f"Story {i}: the council met on day {i} and voted on the budget.")
    (folder / "b.html").write_text("<html><body><p>The page a parser cannot survive.</p></body></html>")
    real = sources._read_file

    def fragile(path: Path, rel: str, options: sources.Options) -> list:  # type: ignore[type-arg]
        if rel == "b.html":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, rel, options)

    monkeypatch.setattr(sources, "_read_file", fragile)
    got = sources.load(folder, sources.Options(), jobs=1)
    assert [d.path for d in got.documents] == ["a0.txt", "a1.txt", "a2.txt"]
    assert [s.path for s in got.skipped] == ["b.html"]
    assert "SIGKILL" in got.skipped[0].reason


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_parser_stuck_on_a_file_is_skipped_against_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               jobs: int) -> None:
    """A web page whose parser never returns (a loop on a malformed file) is
    skipped once it has taken ``read_timeout`` seconds, with a reason that says
    so and names the option; the other files are read, with one job or two.
    Text files are not put against the clock."""
    import time

    from provenance import sources

    folder = tmp_path / "in"
    folder.mkdir()
    n = sources.READ_CHUNK + 5  # two chunks: with jobs=2 the pool reads them
    for i in range(n):
        body = "".join(f"<p>Story {i}, part {k}: the council of the town met on day {i} and voted on the budget, "
                       "the new school, the bridge over the river and the wages of its clerks.</p>" for k in range(6))
        (folder / f"a{i:04d}.html").write_text(f"<html><body><article>{body}</article></body></html>")
    (folder / "slow.txt").write_text("A text file that takes its time to be read, and is read whole.")
    real = sources._read_file

    def stuck(path: Path, rel: str, options: sources.Options) -> list:  # type: ignore[type-arg]
        if rel == "a0003.html":
            while True:
                pass
        if rel == "slow.txt":
            time.sleep(4)
        return real(path, rel, options)

    monkeypatch.setattr(sources, "_read_file", stuck)
    started = time.monotonic()
    got = sources.load(folder, sources.Options(read_timeout=3), jobs=jobs)
    assert time.monotonic() - started < 60
    assert [s.path for s in got.skipped] == ["a0003.html"]
    assert "took more than" in got.skipped[0].reason and "--read-timeout" in got.skipped[0].reason
    assert len(got.documents) == n and "slow.txt" in {d.path for d in got.documents}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_parser_stuck_where_the_clock_cannot_reach_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 jobs: int) -> None:
    """A parser stuck where the reader's own clock cannot stop it (a loop in C
    code, a regular expression backtracking inside ``re``; here the clock's
    signal is blocked) is killed by the process watching it once the file has
    taken twice its limit and a grace: that page is skipped saying so, and the
    pages after it in its chunk are read by a new process."""
    import signal
    import time

    from provenance import sources

    folder = tmp_path / "in"
    folder.mkdir()
    n = 12
    for i in range(n):
        body = "".join(f"<p>Story {i}, part {k}: the council of the town met on day {i} and voted on the budget, "
                       "the new school, the bridge over the river and the wages of its clerks.</p>" for k in range(6))
        (folder / f"a{i:02d}.html").write_text(f"<html><body><article>{body}</article></body></html>")
    real = sources._read_file

    def stuck(path: Path, rel: str, options: sources.Options) -> list:  # type: ignore[type-arg]
        if rel == "a04.html":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            while True:
                time.sleep(0.05)
        return real(path, rel, options)

    monkeypatch.setattr(sources, "_read_file", stuck)
    monkeypatch.setattr(sources, "READ_CHUNK", 8)  # two chunks: with jobs=2 both are watched at once
    monkeypatch.setattr(sources, "HARD_GRACE", 0.5)
    started = time.monotonic()
    got = sources.load(folder, sources.Options(read_timeout=1), jobs=jobs)
    assert time.monotonic() - started < 60
    assert [s.path for s in got.skipped] == ["a04.html"]
    assert "had to be stopped" in got.skipped[0].reason and "--read-timeout" in got.skipped[0].reason
    assert [d.path for d in got.documents] == [f"a{i:02d}.html" for i in range(n) if i != 4]


def test_jobs_default_to_the_usable_cores_and_change_nothing(tmp_path: Path, seeds_dir: Path) -> None:
    """``--jobs`` defaults to the cores the process may use (its affinity, not
    the machine's count), and the output is the same for any number."""
    import os
    import subprocess
    import sys

    code = "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); " \
           "from provenance.settings import usable_cores; print(usable_cores())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "1"
    outs = []
    for extra in ([], ["--jobs", "1"], ["--jobs", "3"]):
        out = tmp_path / f"out{len(outs)}"
        assert main(["audit", str(seeds_dir), "--out", str(out), "--quiet", "--format", "json", *extra]) == 0
        outs.append((out / "audit.json").read_bytes())
    assert outs[0] == outs[1] == outs[2]
    # one BLAS thread per process unless the user asked for more
    probe = "import os, sys; from provenance.cli import main; main(['--help']); print(os.environ['OMP_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    for given, expected in ((None, "1"), ("3", "3")):
        run_env = env if given is None else {**env, "OMP_NUM_THREADS": given}
        got = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=run_env)
        assert got.stdout.strip().splitlines()[-1] == expected


def test_parallel_alignment_runs_no_main_module_again(tmp_path: Path, seeds_dir: Path) -> None:
    """The aligning processes of ``jobs=2`` are new interpreters that do not
    run the caller's main module again: a script with no ``if __name__ ==
    "__main__"`` guard audits on two processes, its top level runs once, and
    the result is the one process's (multiprocessing's spawn and forkserver
    would run the script again in each worker, and the audit in it fail)."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import random, sys\n"
        "from provenance import export\n"
        "from provenance.audit import audit\n"
        "from provenance.model import Document\n"
        "from provenance.settings import Settings\n"
        "print('top level', flush=True)\n"
        "base = open(sys.argv[1], encoding='utf-8').read().split()\n"
        "rng = random.Random(3)\n"
        "docs = []\n"
        "for k in range(13):\n"
        "    words = [rng.choice(base) if rng.random() < 0.08 else w for w in base]\n"
        "    docs.append(Document(id=f'c{k:02d}', path=f'c{k:02d}.txt', title='', text=' '.join(words), sha256='0' * 64))\n"
        "two = audit(docs, Settings(), jobs=2)\n"
        "one = audit(docs, Settings(), jobs=1)\n"
        "print('pairs', len(two.pairs), 'aligned', sum(any(q.kind == 'aligned' for q in p.passages) for p in two.pairs))\n"
        "print('same', export.dumps(export.to_dict(two, 't')) == export.dumps(export.to_dict(one, 't')))\n",
        encoding="utf-8")
    source = sorted(seeds_dir.glob("*.txt"))[0]
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(script), str(source)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines.count("top level") == 1, proc.stdout
    pairs, aligned = (int(x) for x in re.fullmatch(r"pairs (\d+) aligned (\d+)", lines[1]).groups())  # type: ignore[union-attr]
    assert pairs == 78 and aligned > 64  # more than a chunk of pairs aligned: the processes aligned them
    assert lines[2] == "same True"
