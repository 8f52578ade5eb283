"""Who copied whom: direction, confidence and evidence per related pair, and
the derivation forest.

For every pair the engine relates, two quantities are measured from the text:

* **relatedness**: how much of the would-be child is explained by the
  would-be parent: its share of tokens inside shared passages, with passages
  inside quotation marks (independent reports quote the same speaker) and stock
  phrases (found across many documents) discounted; and the share of its
  distinct word pairs (stemmed bigrams) found in the parent, which survives the
  edits of a heavy rewrite that split exact runs.
* **direction**, strongest evidence first: publication dates (a copy cannot
  precede its source); attribution (the child names the parent's outlet, "the
  BBC reported"); containment asymmetry (most of the child is in the parent,
  less of the parent in the child).

The forest is a maximum spanning arborescence (networkx, Edmonds) over the
documents and a virtual root, per connected family; a document whose best
incoming edge is weak hangs off the root.  Documents that share text which
their parent in the tree does not contain point at a source missing from the
folder: a latent node, named from the attribution cues of its children.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from provenance.model import Derivation, Document, Latent, Lineage, PairEvidence, Passage, TokenStream
from provenance.settings import Settings

ROOT = "\x00root"
#: Quoted text counts a tenth of the reporter's own words as evidence of copying:
#: every report of one event quotes the same speakers word for word.
QUOTE_WEIGHT = 0.1
#: A stock phrase (found in at least this many documents, short) counts for little.
STOCK_DF = 3
STOCK_MAX_TOKENS = 20
STOCK_WEIGHT = 0.25
#: Relatedness 1.0 means: this share of the child inside shared passages (after
#: discounts), or this much bigram containment above the chance level.  Texts
#: written independently on one subject share names and common word pairs: a
#: bigram containment of 0.10 is chance, 0.25 and more is reuse.
COVERAGE_FULL = 0.2
BIGRAM_CHANCE = 0.10
BIGRAM_SPAN = 0.30
#: Logistic slopes of the two undated, unattributed direction cues: a 0.2
#: difference in coverage or in hub share makes one direction about 3:1.
CONTAINMENT_SLOPE = 6.0
HUB_SLOPE = 6.0
#: Readings (see ``_Family.readings``) of the other documents weigh in on the
#: direction of every pair they witness, in place of the hub share; VOTE_SMOOTH
#: tokens damp small counts (one or two words of difference between near
#: copies say nothing), and at most VOTE_MAX_WITNESSES common neighbours are read.
VOTE_SLOPE = 4.0
VOTE_SMOOTH = 50
VOTE_MAX_WITNESSES = 64
#: An edge needs at least this relatedness and a direction at least this sure.
MIN_RELATED = 0.5
MIN_DIRECTION = 0.5
#: Siblings point at a missing source when they share, outside quotations, at
#: least LATENT_MIN_TOKENS tokens of exact runs of at least LATENT_MIN_RUN
#: tokens that their parent does not hold: two runs that long do not recur by
#: chance, shorter shared phrasing does (answers to one question, one event).
LATENT_MIN_RUN = 8
LATENT_MIN_TOKENS = 16
#: Families larger than this without an acyclic orientation use greedy choice
#: (networkx's Edmonds copies the graph at every contraction).
EDMONDS_MAX_NODES = 400

_QUOTES_OPEN = "\u201c\u00ab\u201e"
_QUOTES_CLOSE = "\u201d\u00bb"
_NOT_OUTLETS = {"he", "she", "it", "they", "we", "i", "mr", "ms", "mrs", "president", "the", "a", "an"}


_QUOTE_MARKS = re.compile('[\u201c\u00ab\u201e\u201d\u00bb"\n]')


def quoted_mask(text: str) -> np.ndarray:
    """A boolean per character: inside quotation marks (curly, guillemets, straight).
    An unclosed quotation ends with its paragraph."""
    mask = np.zeros(len(text), dtype=bool)
    depth = 0
    straight_open = False
    start = 0
    for m in _QUOTE_MARKS.finditer(text):  # only the quote marks and newlines are visited
        i, ch = m.start(), m.group()
        if ch in _QUOTES_OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _QUOTES_CLOSE:
            if depth:
                depth -= 1
                if depth == 0:
                    mask[start : i + 1] = True
        elif ch == '"':
            if straight_open:
                mask[start : i + 1] = True
                straight_open = False
            elif depth == 0:
                straight_open, start = True, i
        elif depth or straight_open:  # a newline inside an open quotation
            depth, straight_open = 0, False
    return mask


# the first letter as a class keeps the scan fast (a case-insensitive
# alternation is five times slower on long texts)
_AFTER = re.compile(r"[AaRrTtQqCc](?:ccording to|eported by|old|uoted by|ited by)\s+(?:the\s+)?")
_BEFORE = re.compile(r"\s+(?:reported|reports|has reported|report said|said in a report|news agency)\b")
_NAME_AFTER = re.compile(r"(?:[A-Z][\w&.'-]*\s?){1,4}")
_NAME_BEFORE = re.compile(r"((?:[A-Z][\w&.'-]*\s){0,3}[A-Z][\w&.'-]*)$")


def attribution_cues(text: str) -> list[str]:
    """Outlets a text names as its source ("the BBC reported", "according to Reuters").

    Trigger phrases are found first; the capitalised name is then read right
    after ("according to X") or right before ("X reported") each of them."""
    found = set()
    names = []
    for t in _AFTER.finditer(text):
        m = _NAME_AFTER.match(text, t.end())
        if m:
            names.append(m.group())
    for t in _BEFORE.finditer(text):
        m = _NAME_BEFORE.search(text, max(0, t.start() - 60), t.start())
        if m:
            names.append(m.group(1))
    for name in names:
        words = [w for w in name.split() if w.lower() not in _NOT_OUTLETS]
        if words:
            found.add(" ".join(words))
    return sorted(found)


def _norm_outlet(name: str) -> str:
    name = re.sub(r"^(www\.)|(\.(com|co\.uk|org|net|ru|de|fr))$", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", name.replace("the ", ""))


def _bigrams(ids: np.ndarray) -> np.ndarray:
    if ids.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    return np.unique(ids[:-1].astype(np.int64) << 32 | ids[1:].astype(np.int64))




def _date(d: Document) -> str | None:
    return d.published[:10] if d.published and re.match(r"\d{4}-\d{2}-\d{2}", d.published) else None


class _Family:
    """Per-document facts computed once: quote masks, token spans, cues, bigrams."""

    def __init__(self, docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence]):
        self.docs = {d.id: d for d in docs}
        self.streams = {d.id: s for d, s in zip(docs, streams)}
        self._quoted: dict[str, np.ndarray] = {}
        self._bigrams: dict[str, np.ndarray] = {}
        self._cues: dict[str, list[str]] = {}
        # how many documents share each token of each document (for stock phrases)
        self.share: dict[str, np.ndarray] = {d.id: np.zeros(len(s), dtype=np.int32) for d, s in zip(docs, streams)}
        for p in pairs:
            for q in p.passages:
                self.share[p.a][q.a[0] : q.a[1]] += 1
                self.share[p.b][q.b[0] : q.b[1]] += 1
        # hub: on average, how much of what each neighbour shares with anyone
        # this document holds.  A source holds the union of what its copies
        # took; a copy holds only its own part (triangulation).
        shared_any = {d: float((v > 0).mean()) if v.size else 0.0 for d, v in self.share.items()}
        sums: dict[str, list[float]] = defaultdict(list)
        for p in pairs:
            if shared_any[p.a]:
                sums[p.b].append(p.covered_a / shared_any[p.a])
            if shared_any[p.b]:
                sums[p.a].append(p.covered_b / shared_any[p.b])
        self.hub = {d: (sum(v) / len(v) if v else 0.0) for d, v in sums.items()}
        self.by_pair = {(p.a, p.b): p for p in pairs}
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        for p in pairs:
            self.neighbours[p.a].add(p.b)
            self.neighbours[p.b].add(p.a)
        self._runs: dict[tuple[str, str], np.ndarray] = {}
        self._readings: dict[tuple[str, str], tuple[int, int]] = {}
        self._common: dict[tuple[str, str], int] = {}

    def run_mask(self, doc: str, other: str) -> np.ndarray:
        """Tokens of ``doc`` inside exact runs of at least LATENT_MIN_RUN tokens shared with ``other``."""
        got = self._runs.get((doc, other))
        if got is None:
            got = np.zeros(len(self.streams[doc]), dtype=bool)
            pair = self.by_pair.get((min(doc, other), max(doc, other)))
            for q in pair.passages if pair is not None else ():
                for ra, rb, n in q.runs:
                    if n >= LATENT_MIN_RUN:
                        start = ra if pair.a == doc else rb
                        got[start : start + n] = True
            self._runs[(doc, other)] = got
        return got

    def readings(self, x: str, g: str) -> tuple[int, int]:
        """Witnesses for x against g (textual criticism): tokens that the
        documents related to both share with x but not with g, and the
        reverse.  Of two near-identical texts the source is the one whose
        wording the others kept; a copy's own changes are found in no other
        document but its own copies.  Runs of LATENT_MIN_RUN tokens and more
        only: short runs recur between independent texts on one subject."""
        if x > g:
            sg, sx = self.readings(g, x)
            return sx, sg
        got = self._readings.get((x, g))
        if got is not None:
            return got
        sx = sg = 0
        for b in sorted(self.neighbours[x] & self.neighbours[g])[:VOTE_MAX_WITNESSES]:
            fx, fg = self.run_mask(b, x), self.run_mask(b, g)
            sx += int((fx & ~fg).sum())
            sg += int((fg & ~fx).sum())
        self._readings[(x, g)] = (sx, sg)
        return sx, sg

    def cues(self, doc: str) -> list[str]:
        got = self._cues.get(doc)
        if got is None:
            got = self._cues[doc] = attribution_cues(self.docs[doc].text)
        return got

    def quoted_tokens(self, doc: str) -> np.ndarray:
        got = self._quoted.get(doc)
        if got is None:
            mask = quoted_mask(self.docs[doc].text)
            spans = self.streams[doc].spans
            got = mask[spans[:, 0]] if len(spans) else np.zeros(0, dtype=bool)
            self._quoted[doc] = got
        return got

    def common_bigrams(self, x: str, y: str) -> int:
        """Distinct bigrams of ``x`` also in ``y`` (computed once per pair)."""
        key = (x, y) if x < y else (y, x)
        got = self._common.get(key)
        if got is None:
            got = self._common[key] = int(np.intersect1d(self.bigrams(x), self.bigrams(y), assume_unique=True).shape[0])
        return got

    def bigrams(self, doc: str) -> np.ndarray:
        got = self._bigrams.get(doc)
        if got is None:
            got = self._bigrams[doc] = _bigrams(self.streams[doc].ids)
        return got


def _passage_weights(fam: _Family, pair: PairEvidence) -> list[tuple[Passage, float, bool, bool]]:
    out = []
    for q in pair.passages:
        quoted = fam.quoted_tokens(pair.a)[q.a[0] : q.a[1]]
        share = float(quoted.mean()) if quoted.size else 0.0
        is_quote = share >= 0.5
        n = q.a[1] - q.a[0]
        # share counts the other documents holding each token: +1 for this one
        held = fam.share[pair.a][q.a[0] : q.a[1]]
        stock = n <= STOCK_MAX_TOKENS and held.size > 0 and int(held.min()) + 1 >= STOCK_DF
        w = 1.0 - (1.0 - QUOTE_WEIGHT) * share
        if stock:
            w *= STOCK_WEIGHT
        out.append((q, w, is_quote, stock))
    return out


def _side(q: Passage, child_is_a: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """(child chars, parent chars) of a passage."""
    return (q.a_chars, q.b_chars) if child_is_a else (q.b_chars, q.a_chars)


def _relatedness(fam: _Family, pair: PairEvidence, weighted: list[tuple[Passage, float, bool, bool]], child: str) -> tuple[float, dict[str, Any]]:
    child_is_a = child == pair.a
    parent = pair.b if child_is_a else pair.a
    n_child = len(fam.streams[child])
    covered = np.zeros(n_child, dtype=np.float64)
    for q, w, _, _ in weighted:
        lo, hi = q.a if child_is_a else q.b
        covered[lo:hi] = np.maximum(covered[lo:hi], w)
    cov_w = float(covered.sum()) / n_child if n_child else 0.0
    child_bigrams = fam.bigrams(child)
    bi = fam.common_bigrams(child, parent) / child_bigrams.shape[0] if child_bigrams.shape[0] else 0.0
    # word pairs count only beside at least one shared run that is the
    # reporter's own (not a quotation, not a stock phrase): same-event news
    # shares names and phrasing without any copying
    own_run = any(not isq and not st for _, _, isq, st in weighted)
    rel = max(cov_w / COVERAGE_FULL, (bi - BIGRAM_CHANCE) / BIGRAM_SPAN if own_run else 0.0, 0.0)
    facts = {
        "covered_child": round(pair.covered_a if child_is_a else pair.covered_b, 4),
        "covered_parent": round(pair.covered_b if child_is_a else pair.covered_a, 4),
        "covered_child_weighted": round(cov_w, 4),
        "bigram_containment": round(bi, 4),
    }
    return rel, facts


def _direction(fam: _Family, pair: PairEvidence, parent: str, child: str) -> tuple[float, dict[str, Any]]:
    """Probability that ``child`` derives from ``parent`` rather than the reverse."""
    dp, dc = _date(fam.docs[parent]), _date(fam.docs[child])
    ev: dict[str, Any] = {"dates": {"parent": dp, "child": dc}}
    if dp and dc and dp != dc:
        ev["by"] = "dates"
        return (0.95 if dp < dc else 0.05), ev
    site_p = fam.docs[parent].site
    cites = [c for c in fam.cues(child) if _norm_outlet(c) == _norm_outlet(site_p)] if site_p else []
    site_c = fam.docs[child].site
    cited_back = [c for c in fam.cues(parent) if _norm_outlet(c) == _norm_outlet(site_c)] if site_c else []
    if cites or cited_back:
        ev["by"] = "attribution"
        ev["attribution"] = cites or cited_back
        return (0.9 if cites else 0.1), ev
    cc = pair.covered_a if child == pair.a else pair.covered_b
    cp = pair.covered_b if child == pair.a else pair.covered_a
    hp, hc = fam.hub.get(parent, 0.0), fam.hub.get(child, 0.0)
    ev["hub"] = {"parent": round(hp, 4), "child": round(hc, 4)}
    tri = HUB_SLOPE * (hp - hc)
    sp, sc = fam.readings(parent, child)
    if sp + sc:
        ev["readings"] = {"parent": sp, "child": sc}
        tri = VOTE_SLOPE * (sp - sc) / (sp + sc + VOTE_SMOOTH)
    ev["by"] = "containment" if abs(CONTAINMENT_SLOPE * (cc - cp)) >= abs(tri) else "triangulation"
    # more of the child in the parent than of the parent in the child, and the
    # parent holding more of what the family shares: the child copied
    return 1.0 / (1.0 + math.exp(-(CONTAINMENT_SLOPE * (cc - cp) + tri))), ev


def _change(pair: PairEvidence, child: str, n_child: int, n_parent: int, rel_facts: dict[str, Any]) -> str:
    """How the text changed on the way from parent to child (rules in the README)."""
    child_is_a = child == pair.a
    cc, cp = rel_facts["covered_child"], rel_facts["covered_parent"]
    tokens = sum(q.tokens for q in pair.passages)
    exact = sum(q.exact for q in pair.passages)
    runs = [r[2] for q in pair.passages for r in q.runs]
    exact_share = exact / tokens if tokens else 0.0
    mean_run = sum(runs) / len(runs) if runs else 0.0
    if cc >= 0.8 and exact_share >= 0.9:
        return "copy" if cp >= 0.8 else "excerpt"
    if n_parent and n_child / n_parent < 0.5 and cc < 0.6:
        return "summary"
    if len(runs) >= 5 and mean_run < 12 and cc >= 0.3:
        return "translation"
    if cc >= 0.5:
        return "rewrite"
    del child_is_a
    return "paraphrase"


def candidates(docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence]) -> tuple[_Family, dict[tuple[str, str], tuple[float, Derivation]]]:
    fam = _Family(docs, streams, pairs)
    edges: dict[tuple[str, str], tuple[float, Derivation]] = {}
    for pair in pairs:
        weighted = _passage_weights(fam, pair)
        for parent, child in ((pair.a, pair.b), (pair.b, pair.a)):
            rel, facts = _relatedness(fam, pair, weighted, child)
            if rel < MIN_RELATED:
                continue
            d, dev = _direction(fam, pair, parent, child)
            if d < MIN_DIRECTION:
                continue
            child_is_a = child == pair.a
            passages = sorted(weighted, key=lambda t: -t[0].tokens)[:50]
            evidence = {
                **facts,
                "direction": dev,
                "passages": len(pair.passages),
                "longest": pair.longest,
                "quoted_passages": sum(1 for t in weighted if t[2]),
                "stock_passages": sum(1 for t in weighted if t[3]),
                "cues": fam.cues(child),
                "shared": [
                    {"child": list(_side(q, child_is_a)[0]), "parent": list(_side(q, child_is_a)[1]),
                     "tokens": q.tokens, "quote": isq, "stock": st, "weight": round(w, 3)}
                    for q, w, isq, st in sorted(passages, key=lambda t: _side(t[0], child_is_a)[0])
                ],
            }
            confidence = round(min(1.0, rel) * d, 4)
            change = _change(pair, child, len(fam.streams[child]), len(fam.streams[parent]), facts)
            # the tree picks, for each child, the parent that explains most of
            # it (confidence saturates once a pair is surely related, so it
            # cannot tell a source from a sibling that copied the same part)
            weight = round(_explains(evidence) * d, 4)
            edges[(parent, child)] = (weight, Derivation(child, parent, confidence, change, evidence))
    return fam, edges


def _covered_by(fam: _Family, by_pair: dict[tuple[str, str], PairEvidence], doc: str, other: str) -> np.ndarray:
    mask = np.zeros(len(fam.streams[doc]), dtype=bool)
    pair = by_pair.get((min(doc, other), max(doc, other)))
    if pair is not None:
        for q in pair.passages:
            lo, hi = q.a if pair.a == doc else q.b
            mask[lo:hi] = True
    return mask


def triangulate(
    fam: _Family, pairs: Sequence[PairEvidence], edges: dict[tuple[str, str], tuple[float, Derivation]], top: int = 3
) -> dict[tuple[str, str], tuple[float, Derivation]]:
    """Settle x -> b against g -> b, where g is one of x's own likely sources:
    b copied x if it holds text of x that g lacks (x's additions) more than
    text of g that x lacks (what x dropped); otherwise b copied g, and its
    sharing with x is only their common inheritance.  The loser's weight is
    halved, so the arborescence prefers the winner."""
    by_pair = {(p.a, p.b): p for p in pairs}
    into: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (p, c), (w, _) in edges.items():
        into[c].append((w, p))
    best_sources = {c: [p for _, p in sorted(v, key=lambda t: (-t[0], t[1]))[:top]] for c, v in into.items()}
    lost: dict[tuple[str, str], dict[str, Any]] = {}
    for (x, b) in sorted(edges):
        for g in best_sources.get(x, ()):
            if g == b or (g, b) not in edges or (x, b) in lost or (g, b) in lost:
                continue
            from_x = _covered_by(fam, by_pair, b, x)
            from_g = _covered_by(fam, by_pair, b, g)
            only_x = int((from_x & ~from_g).sum())
            only_g = int((from_g & ~from_x).sum())
            if only_x == only_g:
                continue
            winner, loser = ((x, b), (g, b)) if only_x > only_g else ((g, b), (x, b))
            lost[loser] = {"document": winner[0], "own_tokens": max(only_x, only_g), "loser_own_tokens": min(only_x, only_g)}
    out = {}
    for key, (w, edge) in edges.items():
        if key not in lost:
            out[key] = (w, edge)
            continue
        conf = round(w * 0.5, 4)
        evidence = {**edge.evidence, "explained_by": lost[key]}
        out[key] = (conf, Derivation(edge.child, edge.parent, conf, edge.change, evidence))
    return out


def _arborescence(nodes: list[str], edges: dict[tuple[str, str], tuple[float, Derivation]]) -> dict[str, str]:
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


def _flatten(parent: dict[str, str], edges: dict[tuple[str, str], tuple[float, Derivation]]) -> dict[str, str]:
    """Triangulation: a child whose grandparent explains it as well as its
    parent does (its text is in the grandparent too) copied the grandparent;
    siblings that copied one source share that source's text, which otherwise
    makes one of them look like the other's parent."""
    out = dict(parent)
    for child in sorted(parent):
        while True:
            mid = out.get(child)
            grand = out.get(mid) if mid is not None else None
            if grand is None or (grand, child) not in edges:
                break
            via_mid = edges[(mid, child)][1].evidence
            via_grand = edges[(grand, child)][1].evidence
            if _explains(via_grand) < 0.9 * _explains(via_mid):
                break
            out[child] = grand
    return out


def _explains(evidence: dict[str, Any]) -> float:
    return max(float(evidence["covered_child_weighted"]), float(evidence["bigram_containment"]))


def _latent(fam: _Family, pairs: Sequence[PairEvidence], parent: dict[str, str], edges: dict[tuple[str, str], tuple[float, Derivation]]) -> tuple[list[Latent], dict[str, str]]:
    """Siblings sharing text their common parent lacks: a missing source above them all."""
    by_pair = {(p.a, p.b): p for p in pairs}
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
            cues = defaultdict(int)
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
        region = slice(q.a[0], q.a[1])
        own = 0
        for start, _, n in q.runs:
            if n >= LATENT_MIN_RUN:
                own += int((~covered[start : start + n] & ~quoted[start : start + n]).sum())
        if own:
            out.append({"a": pair.a, "b": pair.b, "a_chars": list(q.a_chars), "b_chars": list(q.b_chars), "tokens": own})
    return out


def _latent_edge(child: str, parent: str, latents: list[Latent], edges: dict[tuple[str, str], tuple[float, Derivation]]) -> Derivation:
    """An edge to or from a latent source: as sure as the child's best tie to the group."""
    lat = next(x for x in latents if x.id in (parent, child))
    ties = [edges[(x, child)][1] for x in lat.children if (x, child) in edges]
    best = max(ties, key=lambda e: (e.confidence, e.parent), default=None)
    evidence: dict[str, Any] = {"latent": lat.id, "label": lat.label}
    if best is None:
        return Derivation(child, parent, 0.5, "unknown", evidence)
    evidence["via"] = {"document": best.parent, "confidence": best.confidence, "change": best.change}
    evidence.update({k: best.evidence[k] for k in ("covered_child", "covered_child_weighted", "bigram_containment") if k in best.evidence})
    return Derivation(child, parent, best.confidence, best.change, evidence)


def infer(
    docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence], settings: Settings
) -> Lineage:
    """The derivation forest of ``docs`` from the evidence of ``pairs``."""
    fam, edges = candidates(docs, streams, pairs)
    edges = triangulate(fam, pairs, edges)
    g = nx.Graph()
    g.add_nodes_from(d.id for d in docs)
    g.add_edges_from(edges)
    parent: dict[str, str] = {}
    family_of: dict[str, int] = {}
    comps = [sorted(c) for c in nx.connected_components(g) if len(c) > 1]
    for k, comp in enumerate(comps):
        for n in comp:
            family_of[n] = k
    by_family: dict[int, dict[tuple[str, str], tuple[float, Derivation]]] = defaultdict(dict)
    for key, value in edges.items():
        by_family[family_of[key[0]]][key] = value
    for k, comp in enumerate(comps):
        parent.update(_arborescence(comp, by_family[k]))
    latents, parent = _latent(fam, pairs, parent, edges)
    lat_ids = {x.id for x in latents}
    out_edges = []
    for child, p in sorted(parent.items()):
        if p in lat_ids or child in lat_ids:
            out_edges.append(_latent_edge(child, p, latents, edges))
        else:
            out_edges.append(edges[(p, child)][1])
    nodes = [d.id for d in docs] + sorted(lat_ids)
    roots = tuple(n for n in nodes if n not in parent)
    return Lineage(roots=roots, edges=tuple(out_edges), latent=tuple(sorted(latents, key=lambda x: x.id)))
