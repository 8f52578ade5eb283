"""The derivation forest of a family of excerpts and rewrites: triangulation
between candidate parents, a maximum spanning arborescence (networkx
Edmonds), latent sources for text that siblings share and their parent lacks.

Families whose members are versions of one text (most of each in the others)
get their tree from their variants instead (``provenance.lineage.forest``)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from provenance.lineage.evidence import (
    LATENT_MIN_RUN,
    LATENT_MIN_TOKENS,
    MIN_RELATED,
    Candidate,
    _Family,
    derivation,
)
from provenance.lineage.triples import triple_facts
from provenance.model import Derivation, Latent, PairEvidence

ROOT = "\x00root"
#: Families larger than this without an acyclic orientation use greedy choice
#: (networkx's Edmonds copies the graph at every contraction).
EDMONDS_MAX_NODES = 400


def weighted(edges: dict[tuple[str, str], Candidate]) -> dict[tuple[str, str], tuple[float, Candidate]]:
    """The candidate edges this method weighs: each direction whose child is
    related enough to its parent and that is at least as likely as the other,
    weighted by how much of the child its parent explains (the tree picks, for
    each child, the parent that explains most of it: confidence saturates once
    a pair is surely related, so it cannot tell a source from a sibling that
    copied the same part)."""
    out = {}
    for key, e in edges.items():
        d = float(e.probability)
        if d < 0.5 or float(e.relatedness_exact) < MIN_RELATED:
            continue
        explains = max(float(e.covered_child_weighted), float(e.bigram_containment))
        out[key] = (round(explains * d, 4), e)
    return out


def triangulate(
    fam: _Family, edges: dict[tuple[str, str], tuple[float, Candidate]], top: int = 3
) -> dict[tuple[str, str], tuple[float, Candidate]]:
    """Settle x -> b against g -> b, where g is one of x's own likely sources
    (``_read``): b copied x if, at the variant sites where x's text differs
    from g's inside what all three hold, it reads with x more often than with
    g; when those do not tell, if it holds more of x's additions (text of x
    that g lacks) than of what x dropped (text of g that x lacks); otherwise
    b copied g, and its sharing with x is only their common inheritance.
    x's additions that a copy of g holds too, one whose readings at x's
    changes refute that it copied x, are not x's own: they came to both
    from a fuller common source (g is an excerpt of it), and they are not
    counted for the other copies, whose sites tie.  When b holds neither,
    it took only text that x kept and x inherited: with chance (share of x
    that g holds) ** (pieces b took from x) if it copied x (none of x's
    additions), and (share of g that x kept) ** (pieces b took from g) if
    it copied g (none of what x dropped), the pieces counted by ``_draws``;
    the prior odds of copying a copy are
    the family's own rate among the triples that b's text did decide (``_copy_of_copy_rate``).  The loser's weight is halved, so the
    arborescence prefers the winner."""
    keys = list(edges)
    if not keys:
        return {}
    tail, head = _edge_rows(fam, keys)
    t_xb, t_gb = _triples(fam, tail, head, edges, top)
    tx, tb, tg = tail[t_xb], head[t_xb], tail[t_gb]
    only_x, only_g, with_x, with_g = _triple_facts(fam, tx, tb, tg)
    read = _read(only_x, only_g, with_x, with_g)
    rate = _copy_of_copy_rate(fam, tail, head, tb, read)
    lost: dict[int, dict[str, Any]] = {}
    for i, (e_xb, e_gb, ox, og, wx, wg, x_read) in enumerate(zip(
            t_xb.tolist(), t_gb.tolist(), only_x.tolist(), only_g.tolist(), with_x.tolist(), with_g.tolist(),
            read.tolist())):
        if e_xb in lost or e_gb in lost:
            continue
        if x_read < 0 and ox:
            continue
        x, b = keys[e_xb]
        g = keys[e_gb][0]
        if x_read < 0:
            # nothing in b tells x from g: b copied x and happened to take
            # only text that x inherited from g, or it copied g and happened
            # to take only text that x kept too
            xg = fam.by_pair.get((min(x, g), max(x, g)))
            kept = (xg.covered_a if xg.a == g else xg.covered_b) if xg is not None else 0.0
            inherited = (xg.covered_b if xg.a == g else xg.covered_a) if xg is not None else 0.0
            bg = fam.by_pair.get((min(b, g), max(b, g)))
            bx = fam.by_pair.get((min(b, x), max(b, x)))
            chance_g = kept ** _draws(bg, b) if bg is not None else 0.0
            chance_x = inherited ** _draws(bx, b) if bx is not None else 0.0
            r = float(rate[int(tb[i])])
            x_wins = (1.0 - r) * chance_g < r * chance_x
        else:
            x_wins = x_read == 1
        lost[e_gb if x_wins else e_xb] = {
            "document": x if x_wins else g, "own_tokens": ox if x_wins else og, "loser_own_tokens": og if x_wins else ox,
            "readings": wx if x_wins else wg, "loser_readings": wg if x_wins else wx}
    out = {}
    for e, (key, (w, edge)) in enumerate(edges.items()):
        if e not in lost:
            out[key] = (w, edge)
            continue
        conf = round(w * 0.5, 4)
        out[key] = (conf, edge._replace(confidence=conf, explained_by=lost[e]))
    return out


def _edge_rows(fam: _Family, keys: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of each edge's parent and child (``fam.row``)."""
    row = fam.row
    tail = np.fromiter((row[p] for p, _ in keys), dtype=np.int64, count=len(keys))
    head = np.fromiter((row[c] for _, c in keys), dtype=np.int64, count=len(keys))
    return tail, head


def _triples(fam: _Family, tail: np.ndarray, head: np.ndarray,
             edges: dict[tuple[str, str], tuple[float, Candidate]], top: int) -> tuple[np.ndarray, np.ndarray]:
    """The triples ``(x, b, g)`` that triangulation settles, as the indices of
    their edges x -> b and g -> b (``tail``, ``head``: the rows of each edge
    of ``edges``): each candidate edge x -> b (in the order of the
    documents' ids) with each of x's ``top`` likeliest sources g (by
    weight, then id) that is also a candidate parent of b."""
    n = len(fam.docs)
    weight = np.fromiter((w for w, _ in edges.values()), dtype=np.float64, count=len(edges))
    rank = fam.rank
    by_child = np.lexsort((rank[tail], -weight, head))
    heads = head[by_child]
    first = np.flatnonzero(np.concatenate(([True], heads[1:] != heads[:-1])))
    place = np.arange(heads.shape[0]) - np.repeat(first, np.diff(np.append(first, heads.shape[0])))
    keep = place < top
    best = np.full((n, top), -1, dtype=np.int64)  # per document: the edges from its likeliest sources
    best[heads[keep], place[keep]] = by_child[keep]
    order = np.lexsort((rank[head], rank[tail]))
    codes = tail * n + head
    code_order = np.argsort(codes, kind="stable")
    sorted_codes = codes[code_order]
    e_xb = np.repeat(order, top)
    e_gx = best[tail[order]].reshape(-1)  # the edge g -> x
    g = np.where(e_gx >= 0, tail[np.maximum(e_gx, 0)], -1)
    b = head[e_xb]
    want = g * n + b
    at = np.minimum(np.searchsorted(sorted_codes, want), sorted_codes.shape[0] - 1)
    found = (e_gx >= 0) & (g != b) & (sorted_codes[at] == want)
    return e_xb[found], code_order[at][found]


def _triple_facts(fam: _Family, tx: np.ndarray, tb: np.ndarray, tg: np.ndarray) -> tuple[np.ndarray, ...]:
    """``triples.triple_facts`` of the triples with rows ``tx``, ``tb``, ``tg``."""
    return triple_facts(fam.packed, fam.sizes, tb, tx, tg, fam.pair_index(tb, tx), fam.pair_index(tb, tg),
                        fam.pair_index(tx, tg))


def _draws(pair: PairEvidence, b: str) -> int:
    """How many separate pieces ``b`` took from the other side of ``pair``:
    the stretches of ``b`` its passages cover, where a passage whose span
    in ``b`` overlaps another's is the same text of ``b`` matched a second
    time elsewhere (a phrase the other text repeats), not a second piece."""
    spans = sorted(q.a if pair.a == b else q.b for q in pair.passages)
    pieces, end = 0, -1
    for lo, hi in spans:
        if lo >= end:
            pieces += 1
        end = max(end, hi)
    return pieces


def _read(only_x: np.ndarray, only_g: np.ndarray, with_x: np.ndarray, with_g: np.ndarray) -> np.ndarray:
    """What b's text says of x -> b against g -> b, per triple: 1 that b
    copied x, 0 that it copied g, -1 that it cannot tell.

    The variant sites first (Lachmann's common errors): where x's text
    differs from g's inside a passage all three hold, a copy of x reads with
    x and a copy of g with g, whatever either kept or dropped.  Where b reads
    with neither more often, the additions decide: x's own text (that g
    lacks) found in b against g's text that x dropped."""
    by_additions = np.where(only_x == only_g, -1, only_x > only_g)
    return np.where(with_x != with_g, with_x > with_g, by_additions).astype(np.int64)


def _copy_of_copy_rate(fam: _Family, tail: np.ndarray, head: np.ndarray, tb: np.ndarray,
                       read: np.ndarray) -> np.ndarray:
    """Per document row: how often, in its family (the documents the
    candidate edges ``tail`` -> ``head`` connect), a copy whose text tells an
    intermediate x from x's source g (``_read``; ``tb``: each triple's
    copy) copied x rather than g.  A family of copies made from one source
    (answers to one question, a wire story) rarely copies copies; a chain
    of rewrites often does.  Laplace's rule of succession: a family with no
    such cases gets even odds.  Per family, so that a family audited on its
    own (``provenance.distributed``) gets the same rate."""
    n = len(fam.docs)
    graph = coo_matrix((np.ones(tail.shape[0], dtype=np.int8), (tail, head)), shape=(n, n))
    _, family = connected_components(graph, directed=False)
    copied_x = np.bincount(family[tb[read == 1]], minlength=n)
    copied_g = np.bincount(family[tb[read == 0]], minlength=n)
    return (copied_x[family] + 1) / (copied_x[family] + copied_g[family] + 2)


def _arborescence(nodes: list[str], edges: dict[tuple[str, str], tuple[float, Candidate]]) -> dict[str, str]:
    """Parent of each node in one family (absent: hangs off the root)."""
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    for (p, c), (w, _) in edges.items():
        g.add_edge(p, c, weight=w)
    if nx.is_directed_acyclic_graph(g) or len(nodes) > EDMONDS_MAX_NODES:
        best: dict[str, tuple[float, str]] = {}
        for p, c, w in sorted(g.edges(data="weight")):
            if c not in best or w > best[c][0]:
                best[c] = (w, p)
        parent = {c: p for c, (_, p) in best.items()}
        _break_cycles(parent, best)
        return parent
    g.add_node(ROOT)
    for n in nodes:
        g.add_edge(ROOT, n, weight=0.0)
    tree = nx.maximum_spanning_arborescence(g, attr="weight", preserve_attrs=True)
    return {c: p for p, c in tree.edges() if p != ROOT}


def _break_cycles(parent: dict[str, str], best: dict[str, tuple[float, str]]) -> None:
    """Greedy choice can close a cycle: cut each cycle at its weakest edge."""
    for start in sorted(parent):
        seen = []
        node = start
        while node in parent and node not in seen:
            seen.append(node)
            node = parent[node]
        if node in seen:
            cycle = seen[seen.index(node):]
            weakest = min(cycle, key=lambda c: (best[c][0], c))
            del parent[weakest]


def _latent(fam: _Family, parent: dict[str, str], edges: dict[tuple[str, str], tuple[float, Candidate]]) -> tuple[list[Latent], dict[str, str]]:
    """Siblings sharing text their common parent lacks: a missing source above them all."""
    by_pair = fam.by_pair
    children: dict[str, list[str]] = defaultdict(list)
    for c, p in sorted(parent.items()):
        children[p].append(c)
    latents: list[Latent] = []
    new_parent = dict(parent)
    for p in sorted(children):
        kids = children[p]
        links = []
        for i, b in enumerate(kids):
            for c in kids[i + 1 :]:
                pair = by_pair.get((min(b, c), max(b, c)))
                if pair is None or (b, c) in edges or (c, b) in edges:
                    continue  # no shared text, or one may well be the other's source
                unexplained = _unexplained(fam, pair, p, by_pair)
                if unexplained:
                    links.append((b, c, unexplained))
        if not links:
            continue
        g = nx.Graph()
        g.add_edges_from((b, c) for b, c, u in links if sum(x["tokens"] for x in u) >= LATENT_MIN_TOKENS)
        for comp in sorted((sorted(x) for x in nx.connected_components(g)), key=lambda x: x[0]):
            if len(comp) < 2:
                continue
            members = [p, *comp]
            cues: dict[str, int] = defaultdict(int)
            for m in members:
                for cue in fam.cues(m):
                    cues[cue] += 1
            label = max(sorted(cues), key=lambda k: cues[k]) if cues else "unknown source"
            # named by its members, not by a counter, so that auditing each
            # family on its own (provenance.distributed) gives the same id
            lid = "latent:" + hashlib.blake2b("\n".join(sorted(members)).encode("utf-8"), digest_size=6).hexdigest()
            shared = [x for b, c, u in links if b in comp and c in comp for x in u]
            latents.append(Latent(lid, label, tuple(sorted(members)), tuple(shared[:50])))
            if p in new_parent:
                new_parent[lid] = new_parent[p]
            for m in members:
                new_parent[m] = lid
    return latents, new_parent


def _unexplained(fam: _Family, pair: PairEvidence, parent: str, by_pair: dict[tuple[str, str], PairEvidence]) -> list[dict[str, Any]]:
    """Passages of a sibling pair holding text (side a) that the parent does not
    share with side a, outside quotations, with the count of such tokens."""
    with_parent = by_pair.get((min(pair.a, parent), max(pair.a, parent)))
    covered = np.zeros(len(fam.streams[pair.a]), dtype=bool)
    if with_parent is not None:
        for q in with_parent.passages:
            lo, hi = q.a if with_parent.a == pair.a else q.b
            covered[lo:hi] = True
    quoted = fam.quoted_tokens(pair.a)
    out = []
    for q in pair.passages:
        own = 0
        for start, _, n in q.runs:
            if n >= LATENT_MIN_RUN:
                own += int((~covered[start : start + n] & ~quoted[start : start + n]).sum())
        if own:
            out.append({"a": pair.a, "b": pair.b, "a_chars": list(q.a_chars), "b_chars": list(q.b_chars), "tokens": own})
    return out


def _latent_edge(child: str, parent: str, latents: list[Latent], edges: dict[tuple[str, str], tuple[float, Candidate]]) -> Derivation:
    """An edge to or from a latent source: as sure as the child's best tie to the group."""
    lat = next(x for x in latents if x.id in (parent, child))
    ties = [edges[(x, child)][1] for x in lat.children if (x, child) in edges]
    best = max(ties, key=lambda e: (e.confidence, e.parent), default=None)
    evidence: dict[str, Any] = {"latent": lat.id, "label": lat.label}
    if best is None:
        return Derivation(child, parent, 0.5, "unknown", evidence)
    evidence["via"] = {"document": best.parent, "confidence": best.confidence, "change": best.change}
    evidence.update(covered_child=best.covered_child, covered_child_weighted=best.covered_child_weighted,
                    bigram_containment=best.bigram_containment)
    return Derivation(child, parent, best.confidence, best.change, evidence)


def forest(fam: _Family, edges: dict[tuple[str, str], Candidate], nodes: Sequence[str]) -> tuple[list[Derivation], list[Latent], set[str]]:
    """Derivations and latent sources of the families of ``nodes``; also the
    documents that got an edge."""
    cand = triangulate(fam, weighted(edges))
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(cand)
    parent: dict[str, str] = {}
    comps = [sorted(c) for c in nx.connected_components(g) if len(c) > 1]
    family_of = {n: k for k, comp in enumerate(comps) for n in comp}
    by_family: dict[int, dict[tuple[str, str], tuple[float, Candidate]]] = defaultdict(dict)
    for key, value in cand.items():
        by_family[family_of[key[0]]][key] = value
    for k, comp in enumerate(comps):
        parent.update(_arborescence(comp, by_family[k]))
    latents, parent = _latent(fam, parent, cand)
    lat_ids = {x.id for x in latents}
    out_edges = []
    for child, p in sorted(parent.items()):
        if p in lat_ids or child in lat_ids:
            out_edges.append(_latent_edge(child, p, latents, cand))
        else:
            out_edges.append(derivation(fam, cand[(p, child)][1]))
    return out_edges, latents, set(parent)
