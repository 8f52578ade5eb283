"""A family's tree from its variants, as textual critics build a stemma.

Two related documents differ at *variant sites*: a word replaced, inserted or
dropped, a sentence or a paragraph present in one and absent from the other.
The exact runs the suffix array found between them are the anchors of their
alignment; everything between and around the anchors is a difference.  Each
copy adds its own changes to those of its exemplar, so the number of change
events between two documents grows with the copyings that separate them: a
distance a tree can be fitted to.

* ``events``: the change events between two documents, counted from the
  anchors; a stretch of text present on one side only counts one event up to
  ``BLOCK_TOKENS`` tokens (a sentence) and more, slowly, beyond, so that an
  omitted line is one event; documents that share nothing differ by one event
  per sentence.
* ``family_tree``: neighbour joining (scikit-bio) on those distances gives an
  unrooted tree over the documents and hypothetical ancestors.  A hypothetical
  ancestor that a document matches (a branch of at most ``MATCH_EVENTS``
  events between them) *is* that document: in real traditions most exemplars
  survive.  Two hypothetical ancestors that close are one.  What remains is a
  latent source: a copy missing from the folder that two or more documents
  descend from.
* ``omissions``: the variant sites where one side has text and the other
  none, the direction evidence of an undated edge (``forest._family``).
* ``orient``: the tree is rooted where the direction evidence of its edges
  (dates, times and attribution where stated, omissions otherwise) agrees
  best with it, weighed with the prior that a tradition grows from its
  centre: every node is tried as the root, each edge then points away from
  it, and the root of highest posterior wins.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence

import numpy as np

from provenance.model import PairEvidence

#: A stretch present on one side only counts one event up to this many tokens
#: (about a sentence), then more with the logarithm of its length.
BLOCK_TOKENS = 20
#: A hypothetical ancestor within this many change events of a document is
#: that document ("no branch of its own, or one of at most a change or two").
#: Chosen on the generated manuscript traditions (tests/test_traditions.py,
#: 12 traditions), by directed edge F1: 0.658, 0.751, 0.759, 0.759 for 1, 2,
#: 3, 4 (sign similarity 0.855, 0.854, 0.851, 0.851).  Notre Besoin, the
#: held-out real tradition, did not choose it.
MATCH_EVENTS = 3.0


def _blocks(k: int) -> float:
    """Events of a stretch of ``k`` tokens on one side: one up to a sentence,
    then growing with the logarithm of its length (one omission can drop a
    page, but a long stretch is more often several changes)."""
    return 1.0 if k <= BLOCK_TOKENS else 1.0 + math.log2(k / BLOCK_TOKENS)


def _text_blocks(k: int) -> float:
    """Events between documents that share nothing: all their text differs."""
    return float(-(-k // BLOCK_TOKENS))


#: Pairs with more exact runs than this are chained greedily (in order of
#: side a, keeping each run that goes on forward on side b) instead of by the
#: quadratic best chain.
CHAIN_MAX_RUNS = 1500


def _chain(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The co-linear anchors: the heaviest chain of runs (sorted by side a)
    that also go forward on side b.  Runs off the chain are repeated phrases
    matched elsewhere, or moved text."""
    k = len(runs)
    if k > CHAIN_MAX_RUNS:
        out, end_b = [], -1
        for r in runs:
            if r[1] >= end_b:
                out.append(r)
                end_b = r[1] + r[2]
        return out
    best = [0] * k
    back = [-1] * k
    for i, (ra, rb, n) in enumerate(runs):
        top, arg = 0, -1
        for j in range(i):
            qa, qb, m = runs[j]
            # starts and ends go forward on both sides (maximal runs may
            # overlap by a token or two around a repeated word)
            if qa < ra and qb < rb and qa + m < ra + n and qb + m < rb + n and best[j] > top:
                top, arg = best[j], j
        best[i], back[i] = top + n, arg
    i = max(range(k), key=lambda x: (best[x], -x))
    chain = []
    while i >= 0:
        chain.append(runs[i])
        i = back[i]
    return chain[::-1]


def events(pair: PairEvidence | None, n_a: int, n_b: int,
           ids_a: np.ndarray | None = None, ids_b: np.ndarray | None = None) -> float:
    """Change events between two documents of ``n_a`` and ``n_b`` tokens.

    The exact runs on one co-linear chain are the anchors.  Text outside them
    counts on each side; where both sides have a stretch between the same two
    anchors (a word or a sentence replaced), the replacement is one event, not
    two.  With the token ids of both documents, the two stretches between two
    anchors are aligned word by word (difflib), so that two slips a few words
    apart, closer than the shortest exact run, count as two.  A run off the
    chain that covers text the chain leaves uncovered on both sides is moved
    text: one event, and its text counts as shared.  Documents that share
    nothing differ in all their text."""
    runs = sorted({r for q in pair.passages for r in q.runs}) if pair is not None else []
    if not runs:
        return _text_blocks(n_a) + _text_blocks(n_b)
    chain = _chain(runs)
    on_a = np.zeros(n_a + 1, dtype=bool)
    on_b = np.zeros(n_b + 1, dtype=bool)
    for ra, rb, n in chain:
        on_a[ra : ra + n] = True
        on_b[rb : rb + n] = True
    moved = 0
    in_chain = set(chain)
    for ra, rb, n in runs:
        if (ra, rb, n) in in_chain:
            continue
        if not on_a[ra : ra + n].any() and not on_b[rb : rb + n].any():
            on_a[ra : ra + n] = True
            on_b[rb : rb + n] = True
            moved += 1
    e_a = sum(_blocks(k) for k in _uncovered(on_a[:n_a]))
    e_b = sum(_blocks(k) for k in _uncovered(on_b[:n_b]))
    both = 0.0
    finer = 0.0
    prev_a = prev_b = 0
    for ra, rb, n in [*chain, (n_a, n_b, 0)]:
        ga = int((~on_a[prev_a:ra]).sum())
        gb = int((~on_b[prev_b:rb]).sum())
        if ga > 0 and gb > 0:
            both += min(_blocks(ga), _blocks(gb))
            if ids_a is not None and ids_b is not None and ga == ra - prev_a and gb == rb - prev_b:
                # one stretch on each side: count its slips word by word
                finer += _slips(ids_a[prev_a:ra], ids_b[prev_b:rb]) - max(_blocks(ga), _blocks(gb))
        prev_a, prev_b = ra + n, rb + n
    return float(e_a + e_b - both + moved + finer)


def _slips(a: np.ndarray, b: np.ndarray) -> float:
    """Change events between two stretches, aligned word by word (difflib)."""
    sm = difflib.SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False)
    total = 0.0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "replace":
            total += max(_blocks(i2 - i1), _blocks(j2 - j1))
        elif op == "delete":
            total += _blocks(i2 - i1)
        elif op == "insert":
            total += _blocks(j2 - j1)
    return total


def omissions(pair: PairEvidence | None, n_a: int, n_b: int,
              ids_a: np.ndarray | None = None, ids_b: np.ndarray | None = None) -> tuple[int, int]:
    """Variant sites where one side has text and the other none: (sites where
    side a lacks text that b has, sites where b lacks text that a has).  A
    copyist drops words and skips lines far more often than he adds them, and
    what a copy dropped its own copies lack too: the side that lacks text at
    more sites is more likely the copy.  Sites, not tokens: a lost page is one
    omission.  With the token ids, a stretch on both sides between two anchors
    is aligned word by word, and the words one side lacks inside it count."""
    runs = sorted({r for q in pair.passages for r in q.runs}) if pair is not None else []
    if not runs:
        return 0, 0
    chain = _chain(runs)
    a_lacks = b_lacks = 0
    prev_a = prev_b = 0
    for ra, rb, n in [*chain, (n_a, n_b, 0)]:
        ga, gb = ra - prev_a, rb - prev_b
        if ga > 0 and gb <= 0:
            b_lacks += 1
        elif gb > 0 and ga <= 0:
            a_lacks += 1
        elif ga > 0 and gb > 0 and ids_a is not None and ids_b is not None:
            sm = difflib.SequenceMatcher(None, ids_a[prev_a:ra].tolist(), ids_b[prev_b:rb].tolist(), autojunk=False)
            for op, *_ in sm.get_opcodes():
                b_lacks += op == "delete"
                a_lacks += op == "insert"
        prev_a, prev_b = max(prev_a, ra + n), max(prev_b, rb + n)
    return a_lacks, b_lacks


def _uncovered(covered: np.ndarray) -> list[int]:
    """Lengths of the maximal runs of False in ``covered``."""
    if covered.size == 0:
        return []
    edges = np.diff(np.concatenate(([1], covered.astype(np.int8), [1])))
    starts = np.flatnonzero(edges == -1)
    ends = np.flatnonzero(edges == 1)
    return (ends - starts).tolist()


def distance_matrix(members: Sequence[str], sizes: Mapping[str, int],
                    by_pair: Mapping[tuple[str, str], PairEvidence],
                    ids: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """Change events between every two ``members`` (``ids``: their token ids, for word-by-word slips)."""
    n = len(members)
    d = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            x, y = members[i], members[j]
            pair = by_pair.get((x, y) if x < y else (y, x))
            a, b = (pair.a, pair.b) if pair is not None else (x, y)
            d[i, j] = d[j, i] = events(pair, sizes[a], sizes[b],
                                       ids[a] if ids is not None else None, ids[b] if ids is not None else None)
    return d


class UnrootedTree:
    """Nodes are document ids or hypothetical ancestors (``"\\x00h<k>"``);
    ``adj[x][y]`` is the branch length between neighbours x and y."""

    def __init__(self) -> None:
        self.adj: dict[str, dict[str, float]] = {}

    def link(self, x: str, y: str, length: float) -> None:
        self.adj.setdefault(x, {})[y] = length
        self.adj.setdefault(y, {})[x] = length

    def merge(self, keep: str, gone: str) -> None:
        """``gone`` becomes ``keep``: its other branches are ``keep``'s now."""
        for z, length in self.adj.pop(gone).items():
            del self.adj[z][gone]
            if z != keep:
                self.link(keep, z, length)

    def edges(self) -> list[tuple[str, str]]:
        return sorted((x, y) for x in self.adj for y in self.adj[x] if x < y)


def hypothetical(node: str) -> bool:
    return node.startswith("\x00h")


def neighbour_joining(members: Sequence[str], d: np.ndarray) -> UnrootedTree:
    """Neighbour joining over ``members`` (scikit-bio), as an ``UnrootedTree``."""
    tree = UnrootedTree()
    if len(members) == 1:
        tree.adj[members[0]] = {}
        return tree
    if len(members) == 2:
        tree.link(members[0], members[1], float(d[0, 1]))
        return tree
    from skbio import DistanceMatrix  # slow to import: only when a family has three members or more
    from skbio.tree import nj

    # scikit-bio wants string ids; the positions keep them short and safe
    result = nj(DistanceMatrix(d, [str(k) for k in range(len(members))]))
    counter = 0
    names: dict[int, str] = {}

    def name(node: object) -> str:
        nonlocal counter
        key = id(node)
        if key not in names:
            if node.is_tip():
                names[key] = members[int(node.name)]
            else:
                names[key] = f"\x00h{counter}"
                counter += 1
        return names[key]

    for node in result.preorder(include_self=True):
        for child in node.children:
            tree.link(name(node), name(child), max(0.0, float(child.length or 0.0)))
    return tree


def collapse(tree: UnrootedTree, match_events: float = MATCH_EVENTS) -> UnrootedTree:
    """Hypothetical ancestors that a document matches become that document;
    two that close become one.  The shortest such branch goes first."""
    while True:
        best: tuple[float, int, str, str] | None = None
        for x, nbrs in tree.adj.items():
            if not hypothetical(x):
                continue
            for y, length in nbrs.items():
                if length > match_events:
                    continue
                # a document absorbs an ancestor before two ancestors merge
                key = (length, 0 if not hypothetical(y) else 1, y, x)
                if best is None or key < best:
                    best = key
        if best is None:
            return tree
        _, _, keep, gone = best
        tree.merge(keep, gone)


def _drop_leaf_ancestors(tree: UnrootedTree) -> None:
    """A hypothetical ancestor with fewer than three branches explains no
    grouping: it is passed through (two branches) or dropped (a leaf)."""
    changed = True
    while changed:
        changed = False
        for x in sorted(tree.adj):
            if not hypothetical(x) or x not in tree.adj:
                continue
            nbrs = tree.adj[x]
            if len(nbrs) <= 1:
                tree.merge(next(iter(nbrs)), x) if nbrs else tree.adj.pop(x)
                changed = True
            elif len(nbrs) == 2:
                (y, ly), (z, lz) = sorted(nbrs.items())
                tree.merge(y, x)
                tree.adj[y][z] = tree.adj[z][y] = ly + lz
                changed = True


def family_tree(members: Sequence[str], d: np.ndarray, match_events: float | None = None) -> UnrootedTree:
    tree = collapse(neighbour_joining(members, d), MATCH_EVENTS if match_events is None else match_events)
    _drop_leaf_ancestors(tree)
    return tree


def _hang(tree: UnrootedTree, root: str) -> tuple[list[str], dict[str, str]]:
    """The nodes in breadth-first order from ``root``, and each one's parent."""
    parent: dict[str, str] = {}
    order = [root]
    seen = {root}
    for x in order:
        for y in sorted(tree.adj[x]):
            if y not in seen:
                seen.add(y)
                parent[y] = x
                order.append(y)
    return order, parent


def support(members: Sequence[str], d: np.ndarray, tree: UnrootedTree) -> dict[tuple[str, str], float]:
    """How stable each branch between two documents is: the share of the
    trees built with one other document left out (a jackknife) in which the
    two are still neighbours.  Neighbour joining gives one tree, not a set of
    equally good ones; this is the spread of its answer."""
    pairs = [(x, y) for x, y in tree.edges() if not hypothetical(x) and not hypothetical(y)]
    if len(members) < 4 or not pairs:
        return {e: 1.0 for e in pairs}
    kept = dict.fromkeys(pairs, 0)
    trials = dict.fromkeys(pairs, 0)
    for k, gone in enumerate(members):
        rest = [m for m in members if m != gone]
        keep = [i for i in range(len(members)) if i != k]
        sub = family_tree(rest, d[np.ix_(keep, keep)])
        for x, y in pairs:
            if gone in (x, y):
                continue
            trials[(x, y)] += 1
            kept[(x, y)] += y in sub.adj.get(x, {})
    return {e: round(kept[e] / trials[e], 3) if trials[e] else 1.0 for e in pairs}


def orient(tree: UnrootedTree, logodds: Mapping[tuple[str, str], float]) -> tuple[str, dict[str, str]]:
    """The root and each node's parent.  ``logodds[(p, c)]``: the direction
    evidence that ``c`` derives from ``p`` (log-odds; missing: none).

    The root is the node of highest posterior: the edges' evidence for the
    orientation it gives them, plus the log prior that the tree grew from it.
    The prior is that of a tradition in which each new copy was made from one
    of the copies already made, any of them alike (a random recursive tree):
    the probability that such a process, started at ``r``, grows this tree is
    proportional to the number of orders in which its nodes could have been
    copied, n! / prod over nodes u of the size of u's subtree hanging from
    ``r`` (Shah and Zaman's rumour centrality, "Rumors in a network: who's the
    culprit?", IEEE Trans. Inf. Theory 57(8), 2011, where it is the maximum
    likelihood source).  An original is seldom a leaf of its own tradition:
    it was copied more than once, or its copies were.  The prior has no free
    constant; lost copies (hypothetical ancestors) count as nodes.

    Every node is tried as the root in one pass (moving the root from x to its
    neighbour y flips that edge alone, and changes the prior by
    log size(y) - log (n - size(y)), size taken from x); ties go to the first
    node in sorted order."""
    nodes = sorted(tree.adj)
    if not nodes:
        return "", {}
    order, parent = _hang(tree, nodes[0])
    size = dict.fromkeys(nodes, 1)
    for y in reversed(order[1:]):
        size[parent[y]] += size[y]
    n = len(nodes)
    score = {nodes[0]: sum(logodds.get((p, c), 0.0) for c, p in parent.items())}
    for y in order[1:]:
        x = parent[y]
        score[y] = (score[x] - logodds.get((x, y), 0.0) + logodds.get((y, x), 0.0)
                    + math.log(size[y]) - math.log(n - size[y]))
    root = max(nodes, key=lambda n: (round(score[n], 9), -nodes.index(n)))
    return root, _hang(tree, root)[1]


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
