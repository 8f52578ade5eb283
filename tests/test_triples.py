"""Triangulation's facts per triple (``provenance.lineage.triples``, compiled)
against their plain definitions, one triple and one run at a time."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from provenance.lineage import arborescence, evidence, triples
from provenance.model import PairEvidence, Passage
from tests.conftest import matched


def candidate_triples(fam: evidence._Family, edges: dict, top: int = 3) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    """The triples ``(x, b, g)`` triangulation settles (``arborescence._triples``), by document id."""
    keys = list(edges)
    if not keys:
        return []
    tail, head = arborescence._edge_rows(fam, keys)
    t_xb, t_gb = arborescence._triples(fam, tail, head, edges, top)
    return [(*keys[e], keys[f][0]) for e, f in zip(t_xb.tolist(), t_gb.tolist())]


def triple_readings(fam: evidence._Family, trips: list[tuple[str, str, str]]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Per triple ``(x, b, g)``, as ``arborescence._triple_facts`` computes them: b's own text with x against
    g and with g against x, and its readings with x and with g at the variant sites."""
    tx, tb, tg = (np.array([fam.row[t[i]] for t in trips], dtype=np.int64) for i in range(3))
    own_x, own_g, reads_x, reads_g = (v.tolist() for v in arborescence._triple_facts(fam, tx, tb, tg))
    return ({t: (own_x[i], own_g[i]) for i, t in enumerate(trips)},
            {t: (reads_x[i], reads_g[i]) for i, t in enumerate(trips)})


def _pair(fam: evidence._Family, u: str, v: str) -> PairEvidence | None:
    return fam.by_pair.get((min(u, v), max(u, v)))


def _covered(fam: evidence._Family, doc: str, other: str) -> np.ndarray:
    """Tokens of ``doc`` inside a passage it shares with ``other``."""
    mask = np.zeros(len(fam.streams[doc]), dtype=bool)
    pair = _pair(fam, doc, other)
    for q in pair.passages if pair is not None else ():
        lo, hi = q.a if pair.a == doc else q.b
        mask[lo:hi] = True
    return mask


def _run_tokens(fam: evidence._Family, b: str, x: str) -> tuple[list[int], list[int]]:
    """The token positions of the exact runs of ``b`` and ``x``, side by side."""
    on_b: list[int] = []
    on_x: list[int] = []
    pair = _pair(fam, b, x)
    for q in pair.passages if pair is not None else ():
        for ra, rx, n in q.runs:
            sb, sx = (ra, rx) if pair.a == b else (rx, ra)
            on_b.extend(range(sb, sb + n))
            on_x.extend(range(sx, sx + n))
    return on_b, on_x


def _inherited_on(fam: evidence._Family, b: str, x: str, g: str,
                  not_own: np.ndarray | None = None) -> tuple[set[int], set[int]]:
    """Tokens ``b`` shares word for word with ``x`` where neither shares that
    text with ``g`` (and not in ``not_own``): their positions in ``b`` and in ``x``."""
    cov_b, cov_x = _covered(fam, b, g), _covered(fam, x, g)
    in_b: set[int] = set()
    in_x: set[int] = set()
    for pb, px in zip(*_run_tokens(fam, b, x)):
        if not cov_b[pb] and not cov_x[px] and (not_own is None or not not_own[px]):
            in_b.add(pb)
            in_x.add(px)
    return in_b, in_x


def _breaks(pair: PairEvidence | None, b: str, size: int) -> list[tuple[int, int]]:
    """Consecutive runs of one passage in order on both sides, with text of
    ``b`` between them that no run of the pair holds."""
    if pair is None:
        return []
    b_first = pair.a == b
    held = np.zeros(size, dtype=bool)
    for q in pair.passages:
        for ra, rx, n in q.runs:
            start = ra if b_first else rx
            held[start : start + n] = True
    out = []
    for q in pair.passages:
        runs = sorted((ra, rx, n) if b_first else (rx, ra, n) for ra, rx, n in q.runs)
        for (s0, x0, n0), (s1, x1, _) in pairwise(runs):
            if s1 >= s0 + n0 and x1 >= x0 + n0 and not held[s0 + n0 : s1].any():
                out.append((s0 + n0 - 1, s1))
    return out


def _sides_with(fam: evidence._Family, b: str, x: str, g: str) -> int:
    """Breaks of ``b``'s text with ``g`` that one run of ``b`` with ``x`` crosses."""
    run_of = np.full(len(fam.streams[b]), -1)
    pair = _pair(fam, b, x)
    k = 0
    for q in pair.passages if pair is not None else ():
        for ra, rx, n in q.runs:
            start = ra if pair.a == b else rx
            run_of[start : start + n] = k
            k += 1
    return sum(1 for lo, hi in _breaks(_pair(fam, b, g), b, len(fam.streams[b]))
               if run_of[lo] >= 0 and run_of[lo] == run_of[hi])


def _reference(fam: evidence._Family, trips: list[tuple[str, str, str]]) -> tuple[dict, dict, int]:  # type: ignore[type-arg]
    counts = {(x, b, g): (len(_inherited_on(fam, b, x, g)[0]), len(_inherited_on(fam, b, g, x)[0]))
              for x, b, g in trips}
    sites = {(x, b, g): (_sides_with(fam, b, x, g), _sides_with(fam, b, g, x)) for x, b, g in trips}
    common: dict[tuple[str, str], np.ndarray] = {}
    for (x, b, g) in trips:
        if sites[(x, b, g)][1] > sites[(x, b, g)][0] and counts[(x, b, g)][0]:
            mask = common.setdefault((x, g), np.zeros(len(fam.streams[x]), dtype=bool))
            mask[sorted(_inherited_on(fam, b, x, g)[1])] = True
    recounted = 0
    for t in trips:
        shared = common.get((t[0], t[2]))
        if shared is not None and sites[t][0] == sites[t][1]:
            counts[t] = (len(_inherited_on(fam, t[1], t[0], t[2], shared)[0]), counts[t][1])
            recounted += 1
    return counts, sites, recounted


def test_variant_sites_are_breaks_between_runs_in_order() -> None:
    """A break between two exact runs of one passage is a variant site; not
    where the runs overlap or step back (a sentence found twice), nor where
    the text between them is matched elsewhere in the pair."""

    def breaks(*runs: tuple[int, int, int], elsewhere: tuple[tuple[int, int, int], ...] = (),
               side: int = 0) -> list[tuple[int, int]]:
        q = Passage(a=(0, 40), b=(0, 40), a_chars=(0, 1), b_chars=(0, 1), runs=runs, exact=0)
        other = Passage(a=(0, 40), b=(30, 40), a_chars=(0, 1), b_chars=(0, 1), runs=elsewhere, exact=0)
        pair = PairEvidence("a", "b", (q, other) if elsewhere else (q,), 1.0, 1.0, 10)
        table = np.array([(0, *p.a, p.tokens, 1, *p.b) for p in pair.passages], dtype=np.int64)
        run_table = np.array([r for p in pair.passages for r in p.runs], dtype=np.int64).reshape(-1, 3)
        rp = np.cumsum([0] + [len(p.runs) for p in pair.passages]).astype(np.int64)
        packed = triples.PackedPairs(np.array([[0, 1]], dtype=np.int64), np.array([0, len(pair.passages)]),
                                     table, rp, run_table)
        lo, hi = triples.breaks(tuple(packed), 0, side, np.zeros(40, dtype=bool))
        got = list(zip(lo.tolist(), hi.tolist()))
        assert got == _breaks(pair, "ab"[side], 40)  # the plain definition agrees
        return got

    assert breaks((0, 0, 10), (11, 12, 10)) == [(9, 11)]  # one word changed
    assert breaks((0, 0, 10), (11, 12, 10), side=1) == [(9, 12)]  # the same site, on b's side
    assert breaks((0, 20, 10), (10, 0, 10)) == []  # steps back on b
    assert breaks((0, 0, 10), (5, 20, 10)) == []  # overlapping runs
    # the changed word's text is held by another run of the pair: not a variant
    assert breaks((0, 0, 10), (12, 12, 10), elsewhere=((10, 30, 2),)) == []
    assert breaks((0, 0, 10), (12, 12, 10)) == [(9, 12)]


@pytest.mark.parametrize("corpus", ["clough-stevenson", "news-2018"])
def test_compiled_triangulation_equals_its_definition(corpus: str) -> None:
    """For every triple triangulation settles on real texts: b's own text
    with x against g and with g against x, its readings at the variant
    sites, and x's additions that a copy of g also holds left out for the
    copies whose sites tie, equal the plain definitions exactly."""
    from provenance import lineage

    docs, streams, pairs = matched(corpus)
    fam, edges = lineage.weigh(docs, streams, lineage.verbatim_pairs(docs, streams, pairs), aligned=pairs)
    trips = candidate_triples(fam, arborescence.weighted(edges))
    assert len(trips) >= 100
    counts, sites = triple_readings(fam, trips)
    want_counts, want_sites, recounted = _reference(fam, trips)
    assert sites == want_sites
    assert counts == want_counts
    # the facts were exercised: own text both ways, readings at sites
    assert any(c[0] for c in counts.values()) and any(c[1] for c in counts.values())
    assert any(s[0] or s[1] for s in sites.values())
    if corpus == "news-2018":
        assert recounted  # the additions a copy of g also holds were left out somewhere


def _plain_triangulation(fam: evidence._Family, edges: dict, top: int = 3) -> tuple[dict, list, dict]:  # type: ignore[type-arg]
    """Triangulation read one triple at a time over dicts of document ids:
    each edge's ``top`` likeliest sources, the triples in the order of the
    edges' ids, what b's text says of each (sites first, then additions),
    the family's copy-of-copy rate (networkx components), and the
    sequential choice with the chance rule where b's text cannot tell."""
    import networkx as nx

    into: dict[str, list[tuple[float, str]]] = {}
    for (p, c), (w, _) in edges.items():
        into.setdefault(c, []).append((w, p))
    best = {c: [p for _, p in sorted(v, key=lambda t: (-t[0], t[1]))[:top]] for c, v in into.items()}
    trips = [(x, b, g) for (x, b) in sorted(edges) for g in best.get(x, ()) if g != b and (g, b) in edges]
    counts, sites = triple_readings(fam, trips)

    def read(t: tuple[str, str, str]) -> bool | None:
        (only_x, only_g), (with_x, with_g) = counts[t], sites[t]
        if with_x != with_g:
            return with_x > with_g
        return None if only_x == only_g else only_x > only_g

    said = {t: read(t) for t in trips}
    g_all = nx.Graph()
    g_all.add_edges_from(edges)
    family = {n: k for k, comp in enumerate(nx.connected_components(g_all)) for n in comp}
    wins: dict[int, list[int]] = {}
    for (_, b, _), x_wins in said.items():
        if x_wins is not None:
            wins.setdefault(family[b], [0, 0])[0 if x_wins else 1] += 1
    rate = {n: (wins.get(k, [0, 0])[0] + 1) / (sum(wins.get(k, [0, 0])) + 2) for n, k in family.items()}
    lost: dict[tuple[str, str], dict] = {}  # type: ignore[type-arg]
    for x, b, g in trips:
        if (x, b) in lost or (g, b) in lost:
            continue
        (only_x, only_g), (with_x, with_g) = counts[(x, b, g)], sites[(x, b, g)]
        x_wins = said[(x, b, g)]
        if x_wins is None and only_x:
            continue
        if x_wins is None:
            xg, bg, bx = _pair(fam, x, g), _pair(fam, b, g), _pair(fam, b, x)
            kept = (xg.covered_a if xg.a == g else xg.covered_b) if xg is not None else 0.0
            inherited = (xg.covered_b if xg.a == g else xg.covered_a) if xg is not None else 0.0
            chance_g = kept ** arborescence._draws(bg, b) if bg is not None else 0.0
            chance_x = inherited ** arborescence._draws(bx, b) if bx is not None else 0.0
            x_wins = (1.0 - rate[b]) * chance_g < rate[b] * chance_x
        winner, loser = ((x, b), (g, b)) if x_wins else ((g, b), (x, b))
        lost[loser] = {"document": winner[0], "own_tokens": only_x if x_wins else only_g,
                       "loser_own_tokens": only_g if x_wins else only_x,
                       "readings": with_x if x_wins else with_g, "loser_readings": with_g if x_wins else with_x}
    out = {}
    for key, (w, edge) in edges.items():
        if key in lost:
            conf = round(w * 0.5, 4)
            out[key] = (conf, edge._replace(confidence=conf, explained_by=lost[key]))
        else:
            out[key] = (w, edge)
    return out, trips, said


@pytest.mark.parametrize("corpus", ["clough-stevenson", "news-2018"])
def test_triangulation_on_arrays_is_its_plain_reading(corpus: str) -> None:
    """The triples, what b's text says of each, the family's copy-of-copy
    rate and the sequential choice, computed on arrays, equal their plain
    reading one triple at a time, on real texts where every way of deciding
    (the sites, the additions, the chance rule) is exercised."""
    from provenance import lineage

    docs, streams, pairs = matched(corpus)
    fam, edges = lineage.weigh(docs, streams, lineage.verbatim_pairs(docs, streams, pairs), aligned=pairs)
    weighted = arborescence.weighted(edges)
    want, trips, said = _plain_triangulation(fam, weighted)
    assert candidate_triples(fam, weighted) == trips
    assert arborescence.triangulate(fam, weighted) == want
    counts, sites = triple_readings(fam, trips)
    by_sites = sum(1 for t in trips if sites[t][0] != sites[t][1])
    by_additions = sum(1 for t in trips if sites[t][0] == sites[t][1] and said[t] is not None)
    by_chance = sum(1 for t in trips if said[t] is None and not counts[t][0])
    assert by_sites and by_additions and by_chance, (by_sites, by_additions, by_chance)
    assert any(e.explained_by is not None for _, e in want.values())
