"""The sparse sentence aligner against the dense sentence-by-sentence matrix it replaced.

``_dense_seeds`` is the old path (every sentence pair of the two texts scored
in one matrix product), kept here only as the oracle.  The candidates of the
inverted index must be exactly the pairs passing the thresholds, and on PAN
2013 pairs the old path detected exactly (plagdet 1 against the gold) the new
one must find the same passages.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np
import pytest

from provenance import align, pan
from provenance.audit import match_stage, tokenize_stage
from provenance.model import Document
from provenance.settings import (
    DEFAULT_ALIGN_COSINE,
    DEFAULT_ALIGN_DICE,
    DEFAULT_ALIGN_GAP,
    DEFAULT_ALIGN_MIN_CHARS,
    Settings,
)
from tests.conftest import corpus_dir, matched


def _dense(w: align.Weighted, width: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.zeros((w.n, width))
    counts[w.row, w.col] = w.count
    return counts, (counts > 0).astype(np.float64)


def _dense_matrix(a: align.Weighted, b: align.Weighted, idf: np.ndarray, cosine: float, dice_min: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every sentence pair passing both thresholds, from the full matrix (the old path)."""
    ca, pa = _dense(a, idf.shape[0])
    cb, pb = _dense(b, idf.shape[0])
    ta, tb = ca * idf, cb * idf
    ta /= np.maximum(np.sqrt((ta * ta).sum(axis=1)), 1e-300)[:, None]
    tb /= np.maximum(np.sqrt((tb * tb).sum(axis=1)), 1e-300)[:, None]
    full = ta @ tb.T
    i, j = np.nonzero(full >= cosine)
    shared = ((pa[i] * idf) * pb[j]).sum(axis=1)
    dice = 2 * shared / np.maximum((pa @ idf)[i] + (pb @ idf)[j], 1e-12)
    ok = dice >= dice_min
    return i[ok], j[ok], full[i[ok], j[ok]]


def _dense_seeds(a: align.Weighted, b: align.Weighted, idf: np.ndarray, cosine: float = DEFAULT_ALIGN_COSINE,
                 dice_min: float = DEFAULT_ALIGN_DICE) -> tuple[np.ndarray, np.ndarray]:
    i, j, c = _dense_matrix(a, b, idf, cosine, dice_min)
    if i.size == 0:
        return align._NONE, align._NONE
    best_i, best_j = np.zeros(a.n), np.zeros(b.n)
    np.maximum.at(best_i, i, c)
    np.maximum.at(best_j, j, c)
    rb, cb = c >= best_i[i], c >= best_j[j]
    strict = np.stack([i[rb & cb], j[rb & cb]], axis=1).astype(np.int64)
    loose = np.stack([i[rb | cb], j[rb | cb]], axis=1).astype(np.int64)
    return strict[np.lexsort((strict[:, 1], strict[:, 0]))], loose[np.lexsort((loose[:, 1], loose[:, 0]))]


def _random_sentences(rng: np.random.Generator, n: int, vocab: int) -> align.Sentences:
    lengths = rng.integers(1, 25, size=n)
    rows = np.repeat(np.arange(n), lengths)
    # Zipf-like terms: a few common words in most sentences, many rare ones
    terms = np.minimum(rng.zipf(1.3, size=rows.size), vocab) - 1
    chars = np.stack([np.arange(n) * 10, np.arange(n) * 10 + 9], axis=1)
    return align._sentences_of(chars, rows.astype(np.int64), terms.astype(np.int64))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("thresholds", [(DEFAULT_ALIGN_COSINE, DEFAULT_ALIGN_DICE), (0.1, 0.1), (0.6, 0.2), (0.2, 0.7)])
def test_candidates_are_exactly_the_pairs_passing_the_thresholds(seed: int, thresholds: tuple[float, float]) -> None:
    rng = np.random.default_rng(seed)
    sa, sb = _random_sentences(rng, 60, 300), _random_sentences(rng, 90, 300)
    a, b, idf = align.weigh_pair(sa, sb)
    i, j, c = align.candidates(a, b, idf, *thresholds)
    di, dj, dc = _dense_matrix(a, b, idf, *thresholds)
    assert list(zip(i.tolist(), j.tolist())) == list(zip(di.tolist(), dj.tolist()))
    assert np.allclose(c, dc, rtol=0, atol=1e-12)


def _pan_pairs(per_folder: int) -> tuple[list[pan.Pair], dict[str, align.Sentences], list[Document], list]:
    root = corpus_dir("pan13-train")
    chosen = [p for p in pan.sample(pan.pairs(root), per_folder) if p.folder != "01-no-plagiarism"]
    docs = sorted(pan.load(root, [(f, n) for p in chosen for f, n in (("susp", p.susp), ("src", p.src))]),
                  key=lambda d: d.id)
    streams = tokenize_stage(docs, Settings())
    return chosen, {d.id: align.sentences(d, s) for d, s in zip(docs, streams)}, docs, streams


def test_same_passages_as_the_dense_matrix_where_it_was_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    root = corpus_dir("pan13-train")
    chosen, sents, _, _ = _pan_pairs(12)
    exact = 0
    for p in chosen:
        sa, sb = sents[pan._doc_id("susp", p.susp)], sents[pan._doc_id("src", p.src)]
        new = align.align_pair(sa, sb)
        with monkeypatch.context() as m:
            m.setattr(align, "seeds", _dense_seeds)
            old = align.align_pair(sa, sb)
        gold = pan.gold(root, p)
        if pan.score(gold, [pan.Case(p.susp, p.src, x, y) for x, y in old]).plagdet < 0.99:
            continue  # the old path was not exact on this pair: nothing to hold the new one to
        exact += 1
        assert new == old, p
    assert exact >= 10


def test_a_pair_explained_by_its_exact_passage_gains_nothing_from_alignment() -> None:
    """``explained`` pairs are skipped by ``enrich``: aligning them anyway changes nothing."""
    root = corpus_dir("pan13-train")
    pairs = [p for p in pan.pairs(root) if p.folder == "03-random-obfuscation"][:6]
    base = pan.load(root, [("src", p.src) for p in pairs])
    docs = []
    for k, d in enumerate(base):
        docs.append(Document(id=f"{k:02d}a", path="", title="", text=d.text, sha256=""))
        # the same text with a short tail and a light edit near the start: one exact passage
        # covers almost all of it
        edited = d.text[:30] + d.text[30:].replace(" the ", " a ", 1) + " And so it ended."
        docs.append(Document(id=f"{k:02d}b", path="", title="", text=edited, sha256=""))
    settings = Settings()
    streams = tokenize_stage(docs, settings)
    evidence, _ = match_stage(docs, streams, Settings(align=False))
    position = {d.id: i for i, d in enumerate(docs)}
    found = {(position[e.a], position[e.b]): e for e in evidence}
    todo = [k for k, e in found.items()
            if align.explained(e, len(docs[k[0]].text), len(docs[k[1]].text), settings.align_min_chars)]
    assert len(todo) >= 3
    results = align._run(docs, streams, found, todo, settings, 1, align._quiet, both_ways=True)
    for k, dets in zip(todo, results):
        assert align._enriched(found[k], dets, streams[k[0]], streams[k[1]]) == found[k]


def _extend(points: np.ndarray, gap_a: int, gap_b: int, ordered: bool = False) -> list[np.ndarray]:
    """The compiled grouping (``align._groups``) as groups of seeds, each sorted by the
    first text, then the second, the groups by their first seeds likewise."""
    if points.shape[0] == 0:
        return []
    label, count = align._groups(points[:, 0], points[:, 1], gap_a, gap_b, ordered, align.BACKSTEP)
    order = np.lexsort((points[:, 1], points[:, 0], label))
    return np.split(points[order], np.cumsum(np.bincount(label, minlength=count))[:-1])


def _extend_reference(points: np.ndarray, gap_a: int, gap_b: int, ordered: bool) -> list[set[tuple[int, int]]]:
    """The seeds' groups as the aligner first cut them, in numpy, one split at a time (the oracle
    of the compiled ``_groups``): cut on one text where the gap exceeds its limit, each piece on
    the other, until neither cuts; then, when ``ordered``, where the second text steps back."""
    def split(pts: np.ndarray, axis: int, gap: int) -> list[np.ndarray]:
        pts = pts[np.argsort(pts[:, axis], kind="stable")]
        return np.split(pts, np.nonzero(np.diff(pts[:, axis]) > gap)[0] + 1)

    def monotone(pts: np.ndarray) -> list[np.ndarray]:
        pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]
        back = (np.diff(pts[:, 0]) > 0) & (np.diff(pts[:, 1]) < -align.BACKSTEP)
        return np.split(pts, np.nonzero(back)[0] + 1)

    done, todo = [], [(points, 0)]
    while todo:
        group, axis = todo.pop()
        parts = split(group, axis, gap_a if axis == 0 else gap_b)
        if len(parts) > 1:
            todo.extend((p, 1 - axis) for p in parts)
            continue
        other = split(group, 1 - axis, gap_b if axis == 0 else gap_a)
        if len(other) > 1:
            todo.extend((p, axis) for p in other)
            continue
        runs = monotone(group) if ordered else [group]
        if len(runs) > 1:
            todo.extend((p, 0) for p in runs)
        else:
            done.append(group)
    done.sort(key=lambda g: (int(g[:, 0].min()), int(g[:, 1].min())))
    return [{(int(i), int(j)) for i, j in g} for g in done]


@pytest.mark.parametrize("seed", range(40))
def test_extend_groups_seeds_as_the_numpy_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    # clustered seeds: diagonal runs (reuse), scattered noise, reordered blocks
    base = rng.integers(0, 40, size=(n, 1))
    points = np.unique(np.concatenate([base, base + rng.integers(-3, 12, size=(n, 1))], axis=1).clip(0), axis=0)
    points = np.concatenate([points, rng.integers(0, 60, size=(int(rng.integers(0, 10)), 2))]).astype(np.int64)
    points = np.unique(points, axis=0)
    for gap_a, gap_b in ((0, 0), (1, 1), (2, 5), (5, 2), (24, 3)):
        for ordered in (False, True):
            got = _extend(points, gap_a, gap_b, ordered)
            assert [{(int(i), int(j)) for i, j in g} for g in got] == _extend_reference(points, gap_a, gap_b, ordered)
            for g in got:  # each group's seeds sorted by the first text, then the second
                assert np.array_equal(g, g[np.lexsort((g[:, 1], g[:, 0]))])


Box = tuple[int, int, int, int]


def _resolve_reference(boxes: list[Box], sims: list[float]) -> list[tuple[Box, float]]:
    """Of overlapping passages the more similar wins (then the longer on the first text, then
    the first by its sentences): each checked against every passage kept before it."""
    ranked = sorted(zip(boxes, sims), key=lambda f: (-f[1], -(f[0][1] - f[0][0]), f[0]))
    kept: list[tuple[Box, float]] = []
    for box, sim in ranked:
        if all((box[1] < k[0] or box[0] > k[1]) and (box[3] < k[2] or box[2] > k[3]) for k, _ in kept):
            kept.append((box, sim))
    return sorted(kept)


def _resolved(boxes: list[Box], sims: list[float]) -> list[tuple[Box, float]]:
    """The compiled ``_resolve`` on Python boxes."""
    if not boxes:
        return []
    box, sim = align._resolve(np.array(boxes, dtype=np.int64).reshape(-1, 4), np.array(sims, dtype=np.float64))
    return [(tuple(b), s) for b, s in zip(box.tolist(), sim.tolist())]  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(20))
def test_resolve_keeps_what_the_pairwise_check_keeps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    boxes: list[Box] = []
    for _ in range(int(rng.integers(1, 120))):
        a0, b0 = (int(x) for x in rng.integers(0, 200, 2))
        boxes.append((a0, a0 + int(rng.integers(0, 12)), b0, b0 + int(rng.integers(0, 12))))
    sims = [float(rng.integers(0, 5)) / 4 for _ in boxes]  # many ties: the order of the keys decides
    assert _resolved(boxes, sims) == _resolve_reference(boxes, sims)


def _cosine(a: align.Weighted, b: align.Weighted, box: Box, idf: np.ndarray) -> float:
    """The cosine of a passage's two sides, each as one bag of words (the compiled primitive)."""
    return float(align._cosine(a.ptr, a.col, a.count, b.ptr, b.col, b.count, idf, *box))


def _fragments(a: align.Weighted, b: align.Weighted, points: np.ndarray, idf: np.ndarray, gap_a: int, gap_b: int,
               ordered: bool) -> list[tuple[Box, float]]:
    """The compiled passage finder (``align._fragments_of``) on Python boxes."""
    if points.shape[0] == 0:
        return []
    box, sim = align._fragments_of(points[:, 0].copy(), points[:, 1].copy(), gap_a, gap_b, ordered, align.BACKSTEP,
                                   align.VALIDATE_COSINE, a.ptr, a.col, a.count, b.ptr, b.col, b.count, idf)
    return [(tuple(x), s) for x, s in zip(box.tolist(), sim.tolist())]  # type: ignore[misc]


def _unzip(frags: list[tuple[Box, float]]) -> tuple[list[Box], list[float]]:
    return [f[0] for f in frags], [f[1] for f in frags]


def _fragments_reference(a: align.Weighted, b: align.Weighted, points: np.ndarray, idf: np.ndarray, gap_a: int,
                         gap_b: int, ordered: bool) -> list[tuple[Box, float]]:
    """The recursive Python reading that ``_fragments_of`` compiled: groups by ``_extend``,
    each validated by its whole cosine, a failed group read again with narrower gaps."""
    out = []
    for group in _extend(points, gap_a, gap_b, ordered):
        box = (int(group[:, 0].min()), int(group[:, 0].max()), int(group[:, 1].min()), int(group[:, 1].max()))
        sim = _cosine(a, b, box, idf)
        if sim >= align.VALIDATE_COSINE:
            out.append((box, sim))
        elif max(gap_a, gap_b) > 0 and len(group) > 1:
            out.extend(_fragments_reference(a, b, group, idf, max(gap_a - 1, 0), max(gap_b - 1, 0), ordered))
    return out


@pytest.mark.parametrize("seed", range(30))
def test_fragments_are_the_recursive_reading(seed: int) -> None:
    """The compiled passage finder gives the passages, cosines bit for bit, of the
    recursive reading it replaced (in another order: ``_resolve`` ranks them)."""
    rng = np.random.default_rng(seed)
    sa = _random_sentences(rng, int(rng.integers(5, 90)), 300)
    # b: a's sentences in order, some copied (a word or two changed), some replaced
    rows, terms = [], []
    for k in range(sa.chars.shape[0]):
        own = sa.terms[sa.rows == k]
        if rng.random() < 0.6 and own.size:
            own = np.where(rng.random(own.size) < 0.15, rng.integers(0, 300, own.size), own)
        else:
            own = np.minimum(rng.zipf(1.3, size=int(rng.integers(1, 25))), 300) - 1
        rows.append(np.full(own.size, k))
        terms.append(own)
    sb = align._sentences_of(sa.chars, np.concatenate(rows).astype(np.int64), np.concatenate(terms).astype(np.int64))
    a, b, idf = align.weigh_pair(sa, sb)
    n = int(rng.integers(1, 60))
    base = rng.integers(0, min(a.n, b.n), size=(n, 1))
    points = np.concatenate([base, (base + rng.integers(-3, 8, size=(n, 1))).clip(0, b.n - 1)], axis=1)
    points = np.unique(np.concatenate([points, np.stack([rng.integers(0, a.n, 5), rng.integers(0, b.n, 5)], axis=1)]),
                       axis=0).astype(np.int64)
    for gap_a, gap_b in ((0, 0), (1, 1), (3, 3), (3, align.SUMMARY_GAP)):
        for ordered in (False, True):
            got = _fragments(a, b, points, idf, gap_a, gap_b, ordered)
            want = _fragments_reference(a, b, points, idf, gap_a, gap_b, ordered)
            assert sorted(got) == sorted(want)
            assert _resolved(*_unzip(got)) == _resolve_reference(*_unzip(want))


def _grown_reference(loose: np.ndarray, box: tuple[int, int, int, int], ordered: bool) -> tuple[int, int, int, int]:
    """The numpy widening that ``_grown`` compiled."""
    a0, a1, b0, b1 = box
    g = align.GROW
    while loose.shape[0]:
        i, j = loose[:, 0], loose[:, 1]
        ok = (i >= a0 - g) & (i <= a1 + g) & (j >= b0 - g) & (j <= b1 + g)
        if ordered:
            ok &= ((i < a0) & (j < b0)) | ((i > a1) & (j > b1)) | ((i >= a0) & (i <= a1) & (j >= b0) & (j <= b1))
        near = loose[ok]
        if near.shape[0] == 0:
            break
        new = (min(a0, int(near[:, 0].min())), max(a1, int(near[:, 0].max())),
               min(b0, int(near[:, 1].min())), max(b1, int(near[:, 1].max())))
        if new == (a0, a1, b0, b1):
            break
        a0, a1, b0, b1 = new
    return a0, a1, b0, b1


@pytest.mark.parametrize("seed", range(20))
def test_grow_widens_as_the_numpy_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 50, size=(int(rng.integers(1, 60)), 1))
    loose = np.unique(np.concatenate([base, (base + rng.integers(-2, 3, size=base.shape)).clip(0)], axis=1), axis=0)
    widened = 0
    for _ in range(20):
        near = loose[int(rng.integers(0, loose.shape[0]))]  # a box beside a pair, or around it
        a0, b0 = (int(x) + int(rng.integers(-2, 3)) for x in near)
        box = (a0, a0 + int(rng.integers(0, 4)), b0, b0 + int(rng.integers(0, 4)))
        for ordered in (False, True):
            got = tuple(int(x) for x in align._grown(loose[:, 0], loose[:, 1], *box, align.GROW, ordered))
            assert got == _grown_reference(loose, box, ordered)
            widened += got != box
    assert widened  # the cases exercise the widening, not only boxes left alone


def _exact_points_reference(runs: np.ndarray, sa: align.Sentences, sb: align.Sentences) -> list[list[int]]:
    """Sentence pairs along exact runs (rows of character spans), one run and one step at a
    time: the oracle of ``_diagonals``."""
    def sentence(starts: list[int], char: int) -> int:  # the last sentence starting at or before char
        return bisect.bisect_right(starts, char) - 1

    starts_a, starts_b = sa.chars[:, 0].tolist(), sb.chars[:, 0].tolist()
    out = []
    for c0, c1, d0, d1 in runs.tolist():
        first_a, first_b = sentence(starts_a, c0), sentence(starts_b, d0)
        na, nb = sentence(starts_a, c1 - 1) - first_a + 1, sentence(starts_b, d1 - 1) - first_b + 1
        steps = max(na, nb)
        out.extend([first_a + k * na // steps, first_b + k * nb // steps] for k in range(steps))
    return out


def _align_pair_reference(sa: align.Sentences, sb: align.Sentences, extra: np.ndarray | None,
                          exact: list[align.Detection], both_ways: bool) -> list[align.Detection]:
    """``align_pair`` read step by step in plain Python over the references above: seeds from
    the dense matrix, passages by the recursive reading, overlaps resolved by the pairwise
    check, summaries, widening, snapping to the verbatim passages."""
    gap, g = DEFAULT_ALIGN_GAP, align
    a, b, idf = align.weigh_pair(sa, sb)
    points, loose = _dense_seeds(a, b, idf)
    if extra is not None and extra.size:
        points = np.unique(np.concatenate([points, extra]), axis=0)
    if points.shape[0] < g.MIN_SEEDS:
        return []

    def within(pts: np.ndarray, box: Box) -> np.ndarray:
        return pts[(pts[:, 0] >= box[0]) & (pts[:, 0] <= box[1]) & (pts[:, 1] >= box[2]) & (pts[:, 1] <= box[3])]

    def summaries(x: align.Weighted, y: align.Weighted, pts: np.ndarray) -> list[tuple[Box, float]]:
        out = []
        for box, sim in _resolve_reference(*_unzip(_fragments_reference(x, y, pts, idf, gap, g.SUMMARY_GAP, False))):
            x_len = x.chars[box[1], 1] - x.chars[box[0], 0]
            if y.chars[box[3], 1] - y.chars[box[2], 0] < g.SUMMARY_RATIO * x_len:
                continue
            seeded = np.unique(within(pts, box)[:, 0]).size
            if seeded >= g.SUMMARY_SEEDS and seeded >= g.SUMMARY_SEEDED * (box[1] - box[0] + 1):
                if box[3] - box[2] + 1 >= g.SUMMARY_WHOLE * y.n:
                    box = (box[0], box[1], 0, y.n - 1)
                out.append((box, sim))
        return out

    frags = _resolve_reference(*_unzip(_fragments_reference(a, b, points, idf, gap, gap, both_ways)))
    found = summaries(a, b, points) if np.unique(points[:, 0]).size >= g.SUMMARY_SEEDS else []
    if both_ways and np.unique(points[:, 1]).size >= g.SUMMARY_SEEDS:
        flipped = summaries(b, a, np.ascontiguousarray(points[:, ::-1]))
        found += [((x[2], x[3], x[0], x[1]), s) for x, s in flipped]
    for box, sim in found:
        frags = [f for f in frags if (f[0][1] < box[0] or f[0][0] > box[1]) and (f[0][3] < box[2] or f[0][2] > box[3])]
        frags.append((box, sim))
    grown = []
    for box, sim in _resolve_reference(*_unzip(frags)):
        wide = _grown_reference(loose, box, both_ways)
        if wide != box and _cosine(a, b, wide, idf) >= g.GROW_KEEP * sim:
            box, sim = wide, _cosine(a, b, wide, idf)
        grown.append((box, sim))
    out = []
    for box, _ in _resolve_reference(*_unzip(grown)):
        if within(points, box).shape[0] < g.MIN_SEEDS:
            continue
        a0, a1 = int(a.chars[box[0], 0]), int(a.chars[box[1], 1])
        b0, b1 = int(b.chars[box[2], 0]), int(b.chars[box[3], 1])
        inside = [e for e in exact if e[0][0] < a1 and e[0][1] > a0 and e[1][0] < b1 and e[1][1] > b0]
        if inside and sum(min(e[0][1], a1) - max(e[0][0], a0) for e in inside) >= g.SNAP_SHARE * (a1 - a0):
            a0, a1 = min(e[0][0] for e in inside), max(e[0][1] for e in inside)
            b0, b1 = min(e[1][0] for e in inside), max(e[1][1] for e in inside)
        if a1 - a0 >= DEFAULT_ALIGN_MIN_CHARS and b1 - b0 >= DEFAULT_ALIGN_MIN_CHARS:
            out.append(((a0, a1), (b0, b1)))
    return out


def test_compiled_pair_alignment_is_its_plain_reading() -> None:
    """``align_pair`` (seeds, then one compiled pass) gives the passages of its plain
    reading: on PAN pairs one way, and on the pairs an audit of 300 news-2018 articles
    aligns both ways, with the exact runs as extra seeds and the verbatim passages to snap to."""
    chosen, sents, _, _ = _pan_pairs(12)
    found = 0
    for p in chosen:
        sa, sb = sents[pan._doc_id("susp", p.susp)], sents[pan._doc_id("src", p.src)]
        got = align.align_pair(sa, sb)
        assert got == _align_pair_reference(sa, sb, None, [], False), p
        found += bool(got)
    assert found >= 30, found
    docs, streams, pairs = matched("news-2018")
    position = {d.id: k for k, d in enumerate(docs)}
    cache: dict[int, align.Sentences] = {}
    checked = snapped = 0
    for ev in pairs:
        i, j = position[ev.a], position[ev.b]
        if max(ev.covered_a, ev.covered_b) < Settings().align_min_coverage:
            continue
        sa = cache.setdefault(i, align.sentences(docs[i], streams[i]))
        sb = cache.setdefault(j, align.sentences(docs[j], streams[j]))
        runs = np.array([r for q in ev.passages for r in q.run_chars], dtype=np.int64).reshape(-1, 4)
        extra = align._points_along(align._run_chars(ev, True), sa, sb)
        assert extra.tolist() == _exact_points_reference(runs, sa, sb)
        exact = align._exact_of(ev, True)
        got = align.align_pair(sa, sb, extra, exact, both_ways=True)
        assert got == _align_pair_reference(sa, sb, extra, exact, True), (ev.a, ev.b)
        checked += 1
        snapped += any(d in exact for d in got)
    assert checked >= 100 and snapped >= 10, (checked, snapped)


def test_the_sentences_file_gives_back_each_documents_sentences(tmp_path: Path, seeds_dir: Path) -> None:
    """The aligning processes read the documents' sentences from one file
    (``_write_sentences``, ``_mapped``): every field of every written document
    comes back equal, with its dtype and shape, including a document with no
    words and one with no sentence break; a document left out is not in it."""
    docs = [Document(id=p.stem, path=p.name, title="", text=p.read_text(encoding="utf-8"), sha256="0" * 64)
            for p in sorted(seeds_dir.glob("*.txt"))]
    docs += [Document(id="empty", path="empty.txt", title="", text="  \n ", sha256="0" * 64),
             Document(id="one", path="one.txt", title="", text="a line without a stop", sha256="0" * 64)]
    streams = tokenize_stage(docs, Settings())
    written = [k for k in range(len(docs)) if k != 1]
    path = str(tmp_path / "sentences")
    align._write_sentences(((k, align.sentences(docs[k], streams[k])) for k in written), len(docs), path)
    of = align._mapped(path)
    try:
        for k in written:
            want, got = align.sentences(docs[k], streams[k]), of(k)
            for name in align._FIELDS:
                x, y = getattr(want, name), getattr(got, name)
                assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), (docs[k].id, name)
        assert of(len(docs) - 2).rows.size == 0 and of(len(docs) - 1).chars.shape == (1, 2)
        assert all(of(k).entry_count.flags.writeable for k in written)  # the kernels' array types
    finally:
        align._STATE.clear()
