"""The derivation forest: per family of related documents, a tree fitted to
their variants (``provenance.lineage.tree``), rooted and oriented by the
direction evidence of its edges, with latent sources where a hypothetical
ancestor matches no document."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from provenance.lineage import arborescence, calibration, verbatim_pairs
from provenance.lineage import tree as trees
from provenance.lineage.evidence import LATENT_MIN_RUN, Candidate, _Family, derivation, weigh
from provenance.model import Derivation, Document, Latent, Lineage, PairEvidence, TokenStream
from provenance.settings import Settings

#: A family is one of versions of one text when its median related pair
#: shares at least this share of both texts.
VERSIONS_COVERAGE = 0.9
#: Direction evidence that states who came first, rather than reads it from the text.
STATED = ("dates", "times", "attribution")
#: In a family of versions, an undated edge is oriented by its omissions
#: (``tree.omissions``): log-odds OMISSION_SLOPE * (child's - parent's) /
#: (sum + OMISSION_SMOOTH); one omission more on one side of an edge says 2:1,
#: many say up to e^2.
OMISSION_SLOPE = 2.0
OMISSION_SMOOTH = 1.0
#: Families of versions up to this size get each branch's jackknife support
#: (``tree.support``: one tree per member left out).
SUPPORT_MAX_MEMBERS = 60
#: A child's readings are weighed against at most this many of its siblings.
MAX_AGAINST = 8
#: At most this many readings are listed per edge as the evidence that ties
#: the child to its parent rather than to the parent's other neighbours.
MAX_READINGS = 20


def _readings(fam: _Family, child: str, parent: str, others: Sequence[str], min_tokens: int = 1) -> list[dict[str, Any]]:
    """What ties ``child`` to ``parent`` rather than to ``others`` (the
    parent's other neighbours in the tree): the text ``child`` shares word for
    word with ``parent`` that none of ``others`` shares with it, as spans in
    both texts; stretches shorter than ``min_tokens`` are left out."""
    pair = fam.by_pair.get((min(child, parent), max(child, parent)))
    if pair is None:
        return []
    elsewhere = np.zeros(len(fam.streams[child]), dtype=bool)
    for o in others:
        elsewhere |= fam.run_mask(child, o)
    child_is_a = pair.a == child
    sc, sp = fam.streams[child].spans, fam.streams[parent].spans
    out: list[dict[str, Any]] = []
    for q in pair.passages:
        for ra, rb, n in q.runs:
            if n < LATENT_MIN_RUN:
                continue
            c0, p0 = (ra, rb) if child_is_a else (rb, ra)
            own = ~elsewhere[c0 : c0 + n]
            k = 0
            while k < n:  # maximal stretches of the run that only this parent explains
                if not own[k]:
                    k += 1
                    continue
                j = k
                while j < n and own[j]:
                    j += 1
                if j - k < min_tokens:
                    k = j
                    continue
                out.append({"child": [int(sc[c0 + k, 0]), int(sc[c0 + j - 1, 1])],
                            "parent": [int(sp[p0 + k, 0]), int(sp[p0 + j - 1, 1])], "tokens": j - k})
                k = j
    out.sort(key=lambda r: (-r["tokens"], r["child"]))
    return sorted(out[:MAX_READINGS], key=lambda r: r["child"])


def _latent_id(members: Sequence[str]) -> str:
    # named by its descendants, not by a counter, so that auditing each family
    # on its own (provenance.distributed) gives the same id
    return "latent:" + hashlib.blake2b("\n".join(sorted(members)).encode("utf-8"), digest_size=6).hexdigest()


def _family(fam: _Family, members: list[str], edges: dict[tuple[str, str], Candidate],
            by_pair: dict[tuple[str, str], PairEvidence]) -> tuple[list[Derivation], list[Latent]]:
    """One family's tree: fitted, rooted, turned into derivations and latent sources."""
    sizes = {m: len(fam.streams[m]) for m in members}
    dist = trees.distance_matrix(members, sizes, by_pair, {m: fam.streams[m].ids for m in members})
    index = {m: k for k, m in enumerate(members)}
    tree = trees.family_tree(members, dist)
    stable = trees.support(members, dist, tree) if len(members) <= SUPPORT_MAX_MEMBERS else {}
    logodds: dict[tuple[str, str], float] = {}
    lacks: dict[tuple[str, str], tuple[int, int]] = {}
    for x, y in tree.edges():
        pair = by_pair.get((min(x, y), max(x, y)))
        if pair is None:
            continue
        a_lacks, b_lacks = trees.omissions(pair, sizes[pair.a], sizes[pair.b],
                                           fam.streams[pair.a].ids, fam.streams[pair.b].ids)
        for p, c in ((x, y), (y, x)):
            e = edges.get((p, c))
            if e is None:
                continue
            if e.by in STATED:  # dates, times, attribution: the publisher's word
                logodds[(p, c)] = trees.logit(float(e.probability))
                continue
            child_lacks, parent_lacks = (a_lacks, b_lacks) if c == pair.a else (b_lacks, a_lacks)
            lacks[(p, c)] = (child_lacks, parent_lacks)
            logodds[(p, c)] = OMISSION_SLOPE * (child_lacks - parent_lacks) / (child_lacks + parent_lacks + OMISSION_SMOOTH)
    _, parent = trees.orient(tree, logodds)
    children: dict[str, list[str]] = defaultdict(list)
    for c, p in sorted(parent.items()):
        children[p].append(c)

    def below(node: str) -> list[str]:
        out, stack = [], [node]
        while stack:
            x = stack.pop()
            if not trees.hypothetical(x):
                out.append(x)
            stack.extend(children.get(x, ()))
        return sorted(out)

    names = {h: _latent_id(below(h)) for h in tree.adj if trees.hypothetical(h)}
    latents: list[Latent] = []
    for h in sorted(names, key=lambda h: names[h]):
        kids = children.get(h, [])
        docs_below = [k for k in kids if not trees.hypothetical(k)]
        cues: dict[str, int] = defaultdict(int)
        for m in docs_below:
            for cue in fam.cues(m):
                cues[cue] += 1
        label = max(sorted(cues), key=lambda k: cues[k]) if cues else "unknown source"
        shared = []
        for i, b in enumerate(docs_below):
            for c in docs_below[i + 1 :]:
                pair = by_pair.get((min(b, c), max(b, c)))
                if pair is None:
                    continue
                for q in pair.passages:
                    shared.append({"a": pair.a, "b": pair.b, "a_chars": list(q.a_chars), "b_chars": list(q.b_chars),
                                   "tokens": q.tokens})
        latents.append(Latent(names[h], label, tuple(sorted(names.get(k, k) for k in kids)), tuple(shared[:50])))

    out: list[Derivation] = []
    for c, p in sorted(parent.items()):
        branch = float(tree.adj[c][p])
        if trees.hypothetical(c) or trees.hypothetical(p):
            out.append(_latent_edge(c, p, names, tree, edges, branch))
            continue
        e = edges.get((p, c))
        if e is None:
            continue  # neighbours in the tree that share too little to be related: the child is a root
        others = [o for o in sorted(tree.adj[p]) if o != c and not trees.hypothetical(o)]
        tree_ev: dict[str, Any] = {"method": "variants", "events": round(float(dist[index[c], index[p]]), 1),
                                   "branch": round(branch, 2), "against": others}
        if (min(c, p), max(c, p)) in stable:
            tree_ev["support"] = stable[(min(c, p), max(c, p))]
        pair_ev = derivation(fam, e).evidence
        direction = dict(pair_ev["direction"])
        if (p, c) in lacks:  # oriented by its omissions, not by the pair's containment
            tree_ev["omissions"] = {"child": lacks[(p, c)][0], "parent": lacks[(p, c)][1]}
            direction.update(by="omissions", probability=round(1.0 / (1.0 + math.exp(-logodds[(p, c)])), 4))
        evidence = {**pair_ev, "direction": direction, "tree": tree_ev, "readings": _readings(fam, c, p, others)}
        raw = round(float(e.relatedness) * float(direction["probability"]), 4)
        out.append(Derivation(c, p, raw, e.change, evidence))
    return out, latents


def _latent_edge(child: str, parent: str, names: dict[str, str], tree: trees.UnrootedTree,
                 edges: dict[tuple[str, str], Candidate], branch: float) -> Derivation:
    """An edge to or from a latent source: as sure as the child's best tie
    to the documents around that latent source."""
    lat = parent if trees.hypothetical(parent) else child
    around = [n for n in sorted(tree.adj[lat]) if not trees.hypothetical(n) and n != child]
    target = child if not trees.hypothetical(child) else None
    ties = [edges[(x, target)] for x in around if target is not None and (x, target) in edges]
    best = max(ties, key=lambda e: (e.confidence, e.parent), default=None)
    cid, pid = names.get(child, child), names.get(parent, parent)
    evidence: dict[str, Any] = {"latent": names[lat], "tree": {"method": "variants", "branch": round(branch, 2)}}
    if best is None:
        return Derivation(cid, pid, 0.5, "unknown", evidence)
    evidence["via"] = {"document": best.parent, "confidence": best.confidence, "change": best.change}
    evidence.update(covered_child=best.covered_child, covered_child_weighted=best.covered_child_weighted,
                    bigram_containment=best.bigram_containment)
    return Derivation(cid, pid, best.confidence, best.change, evidence)


def _with_readings(fam: _Family, edges: list[Derivation]) -> list[Derivation]:
    """Edges of the containment method get their ``readings`` too: what the
    child shares with its parent and with none of the parent's parent and its
    other children most like the child (at most MAX_AGAINST of them)."""
    parent_of = {e.child: e.parent for e in edges}
    kids: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        kids[e.parent].append(e.child)
    out = []
    for e in edges:
        if "readings" in e.evidence or "latent" in e.evidence:
            out.append(e)
            continue
        c, p = e.child, e.parent

        def shared(o: str, c: str = c) -> float:
            pair = fam.by_pair.get((min(c, o), max(c, o)))
            return 0.0 if pair is None else (pair.covered_a if pair.a == c else pair.covered_b)

        sibs = sorted((o for o in kids[p] if o != c and not o.startswith("latent:")), key=lambda o: (-shared(o), o))
        others = sibs[:MAX_AGAINST]
        grand = parent_of.get(p)
        if grand is not None and not grand.startswith("latent:"):
            others.append(grand)
        # here shared text, not a word's variant: a stretch shorter than a
        # distinctive run is where another partner's run merely stopped sooner
        evidence = {**e.evidence, "against": sorted(others),
                    "readings": _readings(fam, c, p, sorted(others), LATENT_MIN_RUN)}
        out.append(dataclasses.replace(e, evidence=evidence))
    return out


def _calibrated(e: Derivation) -> Derivation:
    """An edge between documents with its confidence calibrated; its raw score kept in the evidence."""
    if "latent" in e.evidence:
        return e
    conf = calibration.calibrated(e.confidence, e.evidence)
    return dataclasses.replace(e, confidence=conf, evidence={**e.evidence, "score": e.confidence})


def versions(members: Sequence[str], by_pair: dict[tuple[str, str], PairEvidence]) -> bool:
    """Whether a family is made of versions of one text: its typical related
    pair shares most of both texts (``VERSIONS_COVERAGE``), as copies of a
    manuscript or reprints of one story do.  Excerpts, digests and rewrites
    share parts, and their tree is taken from containment instead
    (``provenance.lineage.arborescence``)."""
    inside = set(members)
    shares = sorted(min(p.covered_a, p.covered_b) for p in by_pair.values() if p.a in inside and p.b in inside)
    return len(members) >= 3 and bool(shares) and shares[len(shares) // 2] >= VERSIONS_COVERAGE


def infer(
    docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence], settings: Settings,
    jobs: int = 1,
) -> Lineage:
    """The derivation forest of ``docs`` from the evidence of ``pairs``.

    Relatedness and direction are weighed on verbatim evidence (aligned
    passages give back their exact runs).  A family of versions of one text
    gets the tree fitted to the change events between its members; any other
    family, its maximum spanning arborescence of containment."""
    vpairs = verbatim_pairs(docs, streams, pairs)
    fam, edges = weigh(docs, streams, vpairs, jobs=jobs, aligned=pairs)
    by_pair = fam.by_pair
    g = nx.Graph()
    g.add_nodes_from(d.id for d in docs)
    g.add_edges_from(edges)
    out_edges: list[Derivation] = []
    latents: list[Latent] = []
    rest: set[str] = set()
    comps = sorted((sorted(c) for c in nx.connected_components(g) if len(c) > 1), key=lambda c: c[0])
    family_of = {n: k for k, comp in enumerate(comps) for n in comp}
    edges_of: dict[int, dict[tuple[str, str], Candidate]] = defaultdict(dict)
    for key, e in edges.items():
        edges_of[family_of[key[0]]][key] = e
    pairs_of: dict[int, dict[tuple[str, str], PairEvidence]] = defaultdict(dict)
    for key, p in by_pair.items():
        k = family_of.get(p.a)
        if k is not None and family_of.get(p.b) == k:
            pairs_of[k][key] = p
    for k, comp in enumerate(comps):
        if not versions(comp, pairs_of[k]):
            rest.update(comp)
            continue
        got, lat = _family(fam, comp, edges_of[k], by_pair)
        out_edges.extend(got)
        latents.extend(lat)
    if rest:
        got, lat, _ = arborescence.forest(fam, {k: v for k, v in edges.items() if k[0] in rest}, sorted(rest))
        out_edges.extend(got)
        latents.extend(lat)
    out_edges = _with_readings(fam, out_edges)
    out_edges = sorted((_calibrated(e) for e in out_edges), key=lambda e: (e.child, e.parent))
    has_parent = {e.child for e in out_edges}
    nodes = [d.id for d in docs] + sorted(x.id for x in latents)
    roots = tuple(n for n in nodes if n not in has_parent)
    return Lineage(roots=roots, edges=tuple(out_edges), latent=tuple(sorted(latents, key=lambda x: x.id)))
