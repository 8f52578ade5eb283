"""The archive and ``check``: the identity with a full audit, and the archive's life.

The identity: for every checked X and archived S, the pairs (X, s) that
``check`` reports carry the same passages (exact and aligned, with their
runs, coverage and longest run) as ``audit(S + [X])`` finds for those pairs,
with the archive's settings.  Checked on generated corpora (Hypothesis:
shared and edited passages, a boilerplate sentence in many documents, small
``max_df``, several adds, segments merged, a document removed), on seeds/ and
on a slice of news-2018.  The generator's first 30 corpora, audited with
their first checked document, hold 232 related pairs, 99 boilerplate passages
and 69 aligned passages: the property is not checked on empty answers.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance import Document, Settings, audit, sources
from provenance.archive import Archive, store
from provenance.cli import main
from provenance.model import PairEvidence
from tests.conftest import corpus_dir


def audited(archived: Sequence[Document], x: Document, s: Settings) -> dict[str, PairEvidence]:
    """What a full audit of the archived documents plus ``x`` finds for the pairs with ``x``."""
    result = audit([*archived, x], dataclasses.replace(s, lineage=False))
    return {(p.b if p.a == x.id else p.a): p for p in result.pairs if x.id in (p.a, p.b)}


def checked(archive: Archive, x: Document, max_df: int | None = None) -> dict[str, PairEvidence]:
    result = archive.check(documents=[x], max_df=max_df)
    return {m.archived.id: m.pair for m in result.matches}


def assert_same(got: dict[str, PairEvidence], want: dict[str, PairEvidence]) -> None:
    assert sorted(got) == sorted(want)
    for k, pair in want.items():
        assert got[k] == pair, k
        assert [p.run_chars for p in got[k].passages] == [p.run_chars for p in pair.passages]


# ---- generated corpora

WORDS = [f"w{i}" for i in range(300)]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _edited(text: str, rng: random.Random, rate: float) -> str:
    return " ".join(rng.choice(WORDS) if rng.random() < rate else w for w in text.split(" "))


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[Document], list[Document], int]:
    """Archived documents, checked documents and max_df: documents made of
    fresh sentences, sentences of a shared pool (some lightly edited) and a
    stock sentence that many documents carry."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    n_docs = draw(st.integers(3, 12))
    pool = [_sentence(rng, rng.randint(6, 16)) for _ in range(draw(st.integers(2, 10)))]
    stock = _sentence(rng, 10)
    docs = []
    for i in range(n_docs + 3):
        parts = []
        for _ in range(rng.randint(3, 14)):
            r = rng.random()
            if r < 0.45:
                parts.append(rng.choice(pool) if rng.random() < 0.7 else _edited(rng.choice(pool), rng, 0.15))
            elif r < 0.55:
                parts.append(stock)
            else:
                parts.append(_sentence(rng, rng.randint(5, 14)))
        text = f"Doc {i}. " + " ".join(parts)
        docs.append(Document(id=f"d{i:02d}", path=f"d{i:02d}.txt", title=f"d{i}", text=text))
    return docs[:n_docs], docs[n_docs:], draw(st.integers(2, 4))


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(corpora(), st.integers(1, 3))
def test_check_finds_the_passages_of_a_full_audit(tmp_path_factory: pytest.TempPathFactory,
                                                  data: tuple[list[Document], list[Document], int], adds: int) -> None:
    archived, to_check, max_df = data
    s = Settings(min_len=4, max_df=max_df, align_min_chars=40)
    root = tmp_path_factory.mktemp("arc")
    archive = Archive(root / "a", s)
    saved = store.MERGE_FACTOR, store.BATCH_DOCS
    store.MERGE_FACTOR, store.BATCH_DOCS = 2, 2  # many segments, merged within and across adds
    try:
        for k in range(adds):
            archive.add(documents=archived[k::adds])
    finally:
        store.MERGE_FACTOR, store.BATCH_DOCS = saved
    assert archive.verify() == ([], [])
    for x in to_check:
        assert_same(checked(archive, x), audited(archived, x, s))
    # a check's own --max-df is the audit's
    assert_same(checked(archive, to_check[0], max_df=max_df + 1),
                audited(archived, to_check[0], dataclasses.replace(s, max_df=max_df + 1)))
    # removed documents count no more, before and after their segment is merged away
    gone = archived[0]
    archive.remove(gone.id)
    rest = archived[1:]
    assert_same(checked(archive, to_check[0]), audited(rest, to_check[0], s))
    assert archive.verify()[0] == []


def test_aligned_passages_are_checked_as_audited(tmp_path: Path) -> None:
    """A fixed case with edits heavy enough that the aligner, not only the suffix array, finds the passage."""
    rng = random.Random(5)
    base = " ".join(_sentence(rng, 20) for _ in range(12))
    others = [Document(id=f"o{i}", path=f"o{i}", title="", text=" ".join(_sentence(rng, 12) for _ in range(8)))
              for i in range(4)]
    src = Document(id="source", path="source", title="", text=base)
    x = Document(id="x", path="x", title="", text=_edited(base, rng, 0.3))
    s = Settings(min_len=4)
    archive = Archive(tmp_path / "a", s)
    archive.add(documents=[src, *others])
    got = checked(archive, x)
    assert any(p.kind == "aligned" for p in got["source"].passages)
    assert_same(got, audited([src, *others], x, s))


def test_seeds_identity(tmp_path: Path, seeds_dir: Path) -> None:
    """Each seed checked against an archive of the others, with the CLI defaults (min_len chosen from the texts)."""
    docs = list(sources.load(seeds_dir).documents)
    aligned = 0
    for x in docs:
        rest = [d for d in docs if d.id != x.id]
        archive = Archive(tmp_path / x.id)
        archive.add(documents=rest)
        s = archive.settings
        assert s.min_len == 8 and s.min_len_chosen
        got = checked(archive, x)
        assert got, x.id  # the seeds are one family
        assert_same(got, audited(rest, x, s))
        aligned += sum(p.kind == "aligned" for pair in got.values() for p in pair.passages)
    assert aligned, "the seeds' pairs include passages aligned across edits"


def test_news_identity(tmp_path: Path) -> None:
    """A real slice: 120 news-2018 articles archived in three adds, 4 others checked."""
    loaded = sources.load(corpus_dir("news-2018"))
    docs = list(loaded.documents)[:124]
    archived, to_check = docs[:120], docs[120:]
    archive = Archive(tmp_path / "a")
    for k in range(3):
        archive.add(documents=archived[k::3])
    s = archive.settings
    found = 0
    for x in to_check:
        want = audited(archived, x, s)
        assert_same(checked(archive, x), want)
        found += len(want)
    assert found, "the slice relates the checked articles to the archive"


# ---- the archive's life


def test_identical_text_added_again_changes_nothing(tmp_path: Path, seeds_dir: Path) -> None:
    root = tmp_path / "a"
    archive = Archive(root)
    first = archive.add(seeds_dir)
    assert len(first.added) == 5
    before = {f.name: f.read_bytes() for f in (root / "segments").iterdir()}
    info = archive.info()
    again = archive.add(seeds_dir)
    assert again.added == () and sorted(again.unchanged) == sorted(first.added)
    renamed = Document(id="other", path="other.txt", title="", text=sources.load(seeds_dir).documents[0].text + "\n")
    third = archive.add(documents=[renamed])
    assert third.identical == (("other", sources.load(seeds_dir).documents[0].id),)
    assert {f.name: f.read_bytes() for f in (root / "segments").iterdir()} == before
    assert archive.info() == info


def test_an_id_archived_with_another_text_is_skipped_and_listed(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a", Settings(min_len=4))
    archive.add(documents=[Document(id="a", path="a.txt", title="", text="one two three four five six")])
    got = archive.add(documents=[Document(id="a", path="b/a.txt", title="", text="seven eight nine ten eleven")])
    assert got.added == () and len(got.skipped) == 1
    assert got.skipped[0].path == "b/a.txt" and "archived with another text" in got.skipped[0].reason


def test_bad_inputs_are_skipped_and_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Moscow said on Monday that talks would resume next week in Geneva. " * 5)
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50)
    (folder / "empty.txt").write_text("")
    rc = main(["archive", "add", str(tmp_path / "a"), str(folder), "--min-len", "4"])
    out = capsys.readouterr()
    assert rc == 0
    assert "1 added" in out.out and "2 skipped" in out.out
    assert "bad.txt" in out.err and "empty.txt" in out.err
    assert json.loads(_run_json(tmp_path / "a", capsys))["documents"] == 1


def _run_json(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["archive", "info", str(root), "--json"]) == 0
    return capsys.readouterr().out


def test_remove_and_merges_drop_the_postings(tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "MERGE_FACTOR", 2)
    monkeypatch.setattr(store, "BATCH_DOCS", 1)
    monkeypatch.setattr(store, "level", lambda postings, factor=None: 0)  # every two segments merge
    docs = list(sources.load(seeds_dir).documents)
    archive = Archive(tmp_path / "a")
    archive.add(documents=docs[:3])
    removed, missing = archive.remove(docs[0].id, "nope")
    assert removed == [docs[0].id] and missing == ["nope"]
    assert archive.info()["removed_pending"] == 1
    assert archive.verify()[0] == []
    got = archive.check(documents=[docs[4]])
    assert docs[0].id not in {m.archived.id for m in got.matches}
    archive.add(documents=docs[3:4])  # merges the removed document's segment away
    info = archive.info()
    assert info["removed_pending"] == 0 and info["documents"] == 3
    assert len(info["segments"]) < 4
    assert archive.verify() == ([], [])
    assert_same(checked(archive, docs[4]), audited(docs[1:4], docs[4], archive.settings))


def test_merge_plan_is_tiered() -> None:
    assert store.merge_plan({f"s{i}": 100 for i in range(9)}) is None
    sizes = {f"s{i}": 100 + i for i in range(10)} | {"big": 5000}
    assert store.merge_plan(sizes) == [f"s{i}" for i in range(10)]
    assert store.merge_plan({"a": 5, "b": 50, "c": 500}, factor=2) is None
    # segments too large to merge stay as they are
    huge = store.MAX_MERGE_POSTINGS // 10 + 1
    assert store.merge_plan({f"s{i}": huge + i for i in range(12)}) is None


def test_settings_are_fixed_when_created(tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "a"
    assert main(["archive", "add", str(root), str(seeds_dir), "--min-len", "6", "-q"]) == 0
    assert main(["archive", "add", str(root), str(seeds_dir), "--min-len", "7"]) == 2
    assert "--min-len is 6" in capsys.readouterr().err
    assert Archive(root).settings.min_len == 6


def test_not_an_archive_is_a_usage_error(tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["archive", "info", str(tmp_path / "none")]) == 2
    assert main(["check", str(seeds_dir), "--archive", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "not an archive" in capsys.readouterr().err


def test_an_archive_of_another_format_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    import sqlite3

    archive = Archive(tmp_path / "a")
    archive.add(seeds_dir)
    con = sqlite3.connect(tmp_path / "a" / store.CATALOGUE)
    con.execute("UPDATE meta SET value = 'provenance.archive/99' WHERE key = 'format'")
    con.commit()
    con.close()
    with pytest.raises(store.ArchiveError, match="archive/99"):
        archive.info()


def test_verify_finds_damage(tmp_path: Path, seeds_dir: Path) -> None:
    archive = Archive(tmp_path / "a")
    archive.add(seeds_dir)
    seg = next((tmp_path / "a" / "segments").glob("*.fps.npy"))
    data = bytearray(seg.read_bytes())
    data[-3] ^= 0xFF
    seg.write_bytes(bytes(data))
    problems, _ = archive.verify()
    assert any("checksum" in p for p in problems)


def test_a_checked_copy_of_an_archived_text_is_found_identical(tmp_path: Path, seeds_dir: Path) -> None:
    """In a full audit the copy joins the archived text, and its pairs are that text's."""
    docs = list(sources.load(seeds_dir).documents)
    archive = Archive(tmp_path / "a")
    archive.add(documents=docs)
    twin = docs[1]
    x = dataclasses.replace(twin, id=twin.id + "~copy", path="copy.txt")
    got = archive.check(documents=[x])
    assert got.identical == {x.id: twin.id}
    want = audited([d for d in docs if d.id != twin.id], twin, archive.settings)
    rename = {twin.id: x.id}
    assert sorted(m.archived.id for m in got.matches) == sorted(want)
    for m in got.matches:
        w = want[m.archived.id]
        assert m.pair == dataclasses.replace(w, a=rename.get(w.a, w.a), b=rename.get(w.b, w.b))


def test_a_checked_id_that_is_archived_with_another_text(tmp_path: Path, seeds_dir: Path) -> None:
    """The checked document keeps its id in the answer; the engine tells the two apart."""
    docs = list(sources.load(seeds_dir).documents)
    archive = Archive(tmp_path / "a")
    archive.add(documents=docs[1:])
    x = dataclasses.replace(docs[0], id=docs[1].id)
    got = archive.check(documents=[x])
    assert {m.checked for m in got.matches} == {x.id}
    assert docs[1].id in {m.archived.id for m in got.matches}
    assert all(m.edge is None or x.id in (m.edge.child, m.edge.parent) for m in got.matches)
