"""``provenance eval stemma DIR --truth EDGES.tsv``: an inferred derivation
tree scored against a known one (a stemma), as textual critics score their
reconstructions.

* **Average sign similarity** (Roos and Heikkilä, "Evaluating methods for
  computer-assisted stemmatology using artificial benchmark data sets",
  LLC 24(4), 2009): for every ordered triple (A, B, C) of distinct extant
  witnesses, sign(d(A, B) - d(A, C)) in the inferred tree is compared with the
  same in the true tree, where d counts the edges of the undirected path (lost
  and latent nodes are ordinary nodes on it).  A triple scores 1 when the signs
  agree, 1/2 when exactly one of them is 0, 0 otherwise.  Separate trees of a
  forest hang from one virtual root by long edges.
* **Directed edges between documents**: each document's parent is its nearest
  ancestor that is a document (lost and latent nodes collapsed, in both trees);
  precision, recall and F1 of those (child, parent) pairs.  A document copied
  from two exemplars (contamination) has two true parents; either one counts.
* **Roots**: the documents without a document ancestor, in both trees.
"""

from __future__ import annotations

import csv
import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


def _virtual_edge(n_nodes: int) -> int:
    """Length of the edges that join a forest's separate trees to the virtual
    root: longer than any path inside one tree."""
    return n_nodes + 1


def read_truth(path: Path) -> list[tuple[str, str]]:
    """``child<TAB>parent`` lines (a header line ``child parent`` is allowed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    edges = []
    for k, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), start=1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) != 2:
            raise ValueError(f"{path}: line {k}: expected 'child<TAB>parent', got {row!r}")
        child, parent = row[0].strip(), row[1].strip()
        if k == 1 and (child.lower(), parent.lower()) == ("child", "parent"):
            continue
        edges.append((child, parent))
    if not edges:
        raise ValueError(f"{path}: no edges")
    return edges


def _distances(edges: Iterable[tuple[str, str]], nodes: Iterable[str]) -> dict[str, dict[str, int]]:
    """Path lengths between every two of ``nodes`` in the undirected forest of
    ``edges``; separate trees joined through a virtual root."""
    adj: dict[str, list[tuple[str, int]]] = defaultdict(list)
    all_nodes = set(nodes)
    for c, p in edges:
        adj[c].append((p, 1))
        adj[p].append((c, 1))
        all_nodes |= {c, p}
    # components: each gets an edge from the virtual root to one of its nodes
    seen: set[str] = set()
    root = "\x00virtual"
    long = _virtual_edge(len(all_nodes))
    for n in sorted(all_nodes):
        if n in seen:
            continue
        stack = [n]
        seen.add(n)
        while stack:
            x = stack.pop()
            for y, _ in adj[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        adj[root].append((n, long))
        adj[n].append((root, long))
    out: dict[str, dict[str, int]] = {}
    for src in sorted(set(nodes)):
        dist = {src: 0}
        heap = [(0, src)]
        while heap:
            d, x = heapq.heappop(heap)
            if d > dist.get(x, 1 << 60):
                continue
            for y, w in adj[x]:
                nd = d + w
                if nd < dist.get(y, 1 << 60):
                    dist[y] = nd
                    heapq.heappush(heap, (nd, y))
        out[src] = dist
    return out


def sign_similarity(true_edges: Iterable[tuple[str, str]], got_edges: Iterable[tuple[str, str]],
                    witnesses: Iterable[str]) -> float:
    """Average sign similarity over ordered triples of ``witnesses``."""
    ws = sorted(set(witnesses))
    dt = _distances(true_edges, ws)
    dg = _distances(got_edges, ws)
    total = 0.0
    n = 0
    for a, b, c in itertools.permutations(ws, 3):
        st = _sign(dt[a][b] - dt[a][c])
        sg = _sign(dg[a][b] - dg[a][c])
        total += 1.0 if st == sg else (0.5 if (st == 0) != (sg == 0) else 0.0)
        n += 1
    return total / n if n else 0.0


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def collapsed_parents(edges: Iterable[tuple[str, str]], documents: set[str]) -> dict[str, set[str]]:
    """Each document's nearest ancestors that are documents (through lost or latent nodes)."""
    parents: dict[str, set[str]] = defaultdict(set)
    for c, p in edges:
        parents[c].add(p)
    out: dict[str, set[str]] = {}
    for d in sorted(documents):
        found: set[str] = set()
        stack = sorted(parents.get(d, ()))
        seen: set[str] = set()
        while stack:
            x = stack.pop()
            if x in seen or x == d:
                continue
            seen.add(x)
            if x in documents:
                found.add(x)
            else:
                stack.extend(sorted(parents.get(x, ())))
        if found:
            out[d] = found
    return out


@dataclass(frozen=True)
class StemmaScore:
    witnesses: int
    sign_similarity: float
    precision: float
    recall: float
    f1: float
    correct_edges: tuple[tuple[str, str], ...]  # (child, parent)
    wrong_edges: tuple[tuple[str, str], ...]
    missed_edges: tuple[tuple[str, str], ...]
    true_roots: tuple[str, ...]
    roots: tuple[str, ...]
    parent: Mapping[str, tuple[str, ...]]  # inferred, collapsed

    def as_dict(self) -> dict[str, object]:
        return {
            "witnesses": self.witnesses, "sign_similarity": round(self.sign_similarity, 4),
            "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
            "correct_edges": [list(e) for e in self.correct_edges], "wrong_edges": [list(e) for e in self.wrong_edges],
            "missed_edges": [list(e) for e in self.missed_edges], "true_roots": list(self.true_roots),
            "roots": list(self.roots),
        }


def score(true_edges: list[tuple[str, str]], got_edges: list[tuple[str, str]], documents: Iterable[str]) -> StemmaScore:
    """Score the inferred ``got_edges`` (child, parent) against ``true_edges``
    over the extant ``documents`` (those the truth names that were audited)."""
    docs = set(documents)
    true_nodes = {n for e in true_edges for n in e}
    witnesses = docs & true_nodes
    t_par = collapsed_parents(true_edges, witnesses)
    g_par = collapsed_parents(got_edges, witnesses)
    true_set = {(c, p) for c, ps in t_par.items() for p in ps}
    # a contaminated witness (two true parents) is right below either one
    got_set = {(c, p) for c, ps in g_par.items() for p in ps}
    correct = sorted(got_set & true_set)
    wrong = sorted(got_set - true_set)
    covered_children = {c for c, _ in correct}
    missed = sorted(e for e in true_set if e[0] not in covered_children)
    n_true_children = len(t_par)
    precision = len(correct) / len(got_set) if got_set else 0.0
    recall = len(covered_children) / n_true_children if n_true_children else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return StemmaScore(
        witnesses=len(witnesses),
        sign_similarity=sign_similarity(true_edges, got_edges, witnesses),
        precision=precision, recall=recall, f1=f1,
        correct_edges=tuple(correct), wrong_edges=tuple(wrong), missed_edges=tuple(missed),
        true_roots=tuple(sorted(witnesses - set(t_par))), roots=tuple(sorted(witnesses - set(g_par))),
        parent={c: tuple(sorted(ps)) for c, ps in sorted(g_par.items())},
    )


def format_score(s: StemmaScore) -> str:
    lines = [
        f"witnesses: {s.witnesses}",
        f"average sign similarity: {s.sign_similarity:.3f}",
        (f"directed edges between documents: precision {s.precision:.3f}, recall {s.recall:.3f}, F1 {s.f1:.3f} "
         f"({len(s.correct_edges)} right, {len(s.wrong_edges)} wrong, {len(s.missed_edges)} missed)"),
        f"roots: true {', '.join(s.true_roots) or '-'}; inferred {', '.join(s.roots) or '-'}",
    ]
    for c, p in s.wrong_edges:
        lines.append(f"  wrong: {c} below {p}")
    for c, p in s.missed_edges:
        lines.append(f"  missed: {c} below {p}")
    return "\n".join(lines)


def evaluate(folder: Path, truth: Path) -> StemmaScore:
    """Audit ``folder`` with the default settings and score its tree against ``truth``."""
    from provenance import sources
    from provenance.audit import audit
    from provenance.settings import Settings

    true_edges = read_truth(truth)
    loaded = sources.load(folder, sources.Options())
    if not loaded.documents:
        raise ValueError(f"{folder}: no documents to audit")
    result = audit(loaded.documents, Settings(min_len=None))  # the command line's defaults
    assert result.lineage is not None
    docs = [d.id for d in result.documents]
    named = {n for e in true_edges for n in e}
    if not named & set(docs):
        raise ValueError(f"{truth}: names none of the documents of {folder} (ids such as {docs[0]!r})")
    return score(true_edges, [(e.child, e.parent) for e in result.lineage.edges], docs)
