"""Synthetic traditions: random copy trees grown from real news text, scored
on directed edges and roots (floors in tests/baselines/traditions.json).

A tree starts from one real article of ``news-2018``; every other member copies
one earlier member the way a newsroom does: it keeps or drops sentences and
paragraphs, reorders paragraphs, inserts sentences of its own, replaces words,
cuts the end off, and sometimes (merge trees only) takes paragraphs from a
second member too.  Depth is at most four.  A few unrelated real articles are
mixed in; they must stay roots.  ``python -m tests.test_traditions`` prints
the scores the floors were pinned from.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
import random
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pytest

from provenance.audit import audit
from provenance.model import AuditResult, Document
from provenance.settings import Settings
from tests.conftest import CORPORA

BASELINE = Path(__file__).resolve().parent / "baselines" / "traditions.json"
NEWS = CORPORA / "news-2018" / "helsinki_articles.csv"
MAX_DEPTH = 4
N_TREES = 24
_SENT = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])")


@dataclass(frozen=True)
class Tradition:
    documents: tuple[Document, ...]
    parent: dict[str, str]  # copy -> its source (first source of a merge)
    merged: dict[str, str]  # merge -> its second source
    root: str
    unrelated: tuple[str, ...]


@lru_cache(maxsize=1)
def _articles() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Real articles as paragraphs of sentences, those long enough to copy from."""
    out = []
    with NEWS.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            paras = [p.strip() for p in row["text"].split(" ### ")]
            paras = [tuple(_SENT.split(p)) for p in paras if len(p.split()) >= 25]
            if len(paras) >= 6 and sum(len(p) for p in paras) >= 12:
                out.append(tuple(paras))
    return tuple(out)


def _shingles(paras: tuple[tuple[str, ...], ...]) -> set[tuple[str, ...]]:
    words = " ".join(" ".join(p) for p in paras).lower().split()
    return {tuple(words[i : i + 8]) for i in range(len(words) - 7)}


def _derive(rng: random.Random, paras: list[list[str]], filler: list[str], vocab: list[str]) -> list[list[str]]:
    """One newsroom copy of ``paras``; its own sentences are taken (popped) from
    ``filler``, so no two copies add the same sentence independently."""
    keep_p = rng.uniform(0.6, 1.0)
    keep_s = rng.uniform(0.7, 1.0)
    out = []
    for para in paras:
        if rng.random() > keep_p and len(out) + 1 < len(paras):
            continue
        sents = [s for s in para if rng.random() < keep_s] or para[:1]
        if rng.random() < 0.25:  # the copy's own sentence
            sents.insert(rng.randrange(len(sents) + 1), filler.pop())
        out.append(sents)
    if rng.random() < 0.4 and len(out) > 3:  # paragraphs reordered
        i, j = rng.sample(range(1, len(out)), 2)
        out[i], out[j] = out[j], out[i]
    if rng.random() < 0.3 and len(out) > 4:  # shortened: the end cut off
        out = out[: rng.randint(max(3, len(out) // 2), len(out))]
    rate = rng.choice([0.0, 0.01, 0.03])  # words replaced
    if rate:
        out = [[" ".join(rng.choice(vocab) if rng.random() < rate else w for w in s.split()) for s in p] for p in out]
    out.insert(rng.randrange(len(out) + 1), [filler.pop() for _ in range(rng.randint(1, 3))])  # new paragraph
    return out


def make_tradition(seed: int, merges: bool = False) -> Tradition:
    """A random copy tree of 5-30 documents from real text (same seed, same tree)."""
    rng = random.Random(seed)
    arts = _articles()
    picks = rng.sample(range(len(arts)), 30)
    chosen: list[tuple[tuple[str, ...], ...]] = []
    seen: set[tuple[str, ...]] = set()
    for i in picks:  # the source, unrelated articles and filler share no 8-word run
        sh = _shingles(arts[i])
        if not sh & seen:
            chosen.append(arts[i])
            seen |= sh
    source, others = chosen[0], chosen[1:]
    n_unrelated = min(2, max(0, len(others) - 2))
    unrelated_texts, filler_texts = others[:n_unrelated], others[n_unrelated:]
    filler = [s for a in filler_texts for p in a for s in p if len(s.split()) >= 8]
    rng.shuffle(filler)
    vocab = sorted({w for s in filler for w in s.split() if w.isalpha()})
    n = rng.randint(5, 30)
    texts: list[list[list[str]]] = [[list(p) for p in source]]
    depth = [0]
    parent: dict[int, int] = {}
    merged: dict[int, int] = {}
    for k in range(1, n):
        p = rng.choice([i for i in range(k) if depth[i] < MAX_DEPTH])
        copy = _derive(rng, texts[p], filler, vocab)
        if merges and k > 2 and rng.random() < 0.2:
            q = rng.choice([i for i in range(k) if i != p])
            take = rng.sample(texts[q], min(2, len(texts[q])))
            copy[len(copy) // 2 : len(copy) // 2] = [list(t) for t in take]
            merged[k] = q
        texts.append(copy)
        depth.append(depth[p] + 1)
        parent[k] = p
    names = [f"doc{i:02d}" for i in rng.sample(range(n + n_unrelated), n + n_unrelated)]
    docs = []
    for i, t in enumerate(texts + [[list(p) for p in a] for a in unrelated_texts]):
        text = "\n\n".join(" ".join(p) for p in t)
        docs.append(Document(id=names[i], path=f"{names[i]}.txt", title=names[i], text=text, sha256=f"{i:064d}"))
    return Tradition(
        documents=tuple(sorted(docs, key=lambda d: d.id)),
        parent={names[c]: names[p] for c, p in parent.items()},
        merged={names[c]: names[q] for c, q in merged.items()},
        root=names[0],
        unrelated=tuple(names[n:]),
    )


def _order(t: Tradition) -> list[str]:
    """Members in the order they were written (a source before its copies)."""
    depth = {}
    for d in t.documents:
        k, node = 0, d.id
        while node in t.parent:
            node, k = t.parent[node], k + 1
        depth[d.id] = k
    return sorted(depth, key=lambda x: (depth[x], x))


@cache
def audited(seed: int, case: str) -> tuple[Tradition, AuditResult]:
    """Tradition ``seed`` of ``case`` (undated, dated, merges) and its audit,
    once per test run (the calibration gate reads the same audits)."""
    t = make_tradition(seed, merges=case == "merges")
    docs = list(t.documents)
    if case == "dated":  # a source is published before its copies
        day0 = datetime.date(2018, 7, 1)
        when = {d: (day0 + datetime.timedelta(days=i)).isoformat() for i, d in enumerate(_order(t))}
        docs = [dataclasses.replace(d, published=when[d.id]) for d in docs]
    return t, audit(docs, Settings(min_len=None))


def gold_edges(t: Tradition) -> set[tuple[str, str]]:
    """(parent, child) of every true derivation; a merge is right below either of its sources."""
    return {(p, c) for c, p in t.parent.items()} | {(q, c) for c, q in t.merged.items()}


def score(n_trees: int = N_TREES, dated: bool = False, merges: bool = False) -> dict[str, float]:
    """Directed edge precision, recall, F1 and root accuracy over ``n_trees`` trees."""
    tp = fp = fn = roots = roots_ok = 0
    case = "dated" if dated else "merges" if merges else "undated"
    for seed in range(n_trees):
        t, result = audited(seed, case)
        assert result.lineage is not None
        got = {(e.parent, e.child) for e in result.lineage.edges if not e.parent.startswith("latent:")}
        gold = gold_edges(t)
        got_ok = {e for e in got if e in gold}
        tp += len(got_ok)
        fp += len(got - gold)
        fn += len({c for _, c in gold} - {c for _, c in got_ok})
        parent = {e.child: e.parent for e in result.lineage.edges}
        for r in (t.root, *t.unrelated):
            roots += 1
            roots_ok += r not in parent or parent[r].startswith("latent:")
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "root_accuracy": round(roots_ok / max(1, roots), 4)}


def test_generated_trees_are_trees_of_real_copies() -> None:
    if not NEWS.is_file():
        pytest.skip(f"news-2018 corpus not found at {NEWS}")
    for seed in range(6):
        t = make_tradition(seed, merges=True)
        ids = {d.id for d in t.documents}
        assert 5 <= len(ids) - len(t.unrelated) <= 30
        assert set(t.parent) | set(t.parent.values()) <= ids
        assert t.root not in t.parent and not set(t.unrelated) & (set(t.parent) | set(t.parent.values()))
        texts = {d.id: d.text for d in t.documents}
        for child, par in t.parent.items():
            depth, node = 0, child
            while node in t.parent:
                node, depth = t.parent[node], depth + 1
            assert node == t.root and depth <= MAX_DEPTH
            # a copy keeps runs of eight words of its source word for word
            assert _shingles(((texts[child],),)) & _shingles(((texts[par],),))
        assert make_tradition(seed, merges=True) == t  # same seed, same tree


@pytest.mark.parametrize("case", ["undated", "dated", "merges"])
def test_traditions_gate(case: str) -> None:
    if not NEWS.is_file():
        pytest.skip(f"news-2018 corpus not found at {NEWS}")
    got = score(dated=case == "dated", merges=case == "merges")
    floor = json.loads(BASELINE.read_text(encoding="utf-8"))["trees"][case]
    assert got["f1"] >= floor["edge_f1"], got
    assert got["root_accuracy"] >= floor["root_accuracy"], got




# -- manuscript traditions: word-level variants accumulating along chains ----

N_MANUSCRIPTS = 12


@dataclass(frozen=True)
class Manuscripts:
    documents: tuple[Document, ...]
    edges: tuple[tuple[str, str], ...]  # (child, parent) over extant and lost copies
    lost: tuple[str, ...]


def _copy_by_hand(rng: random.Random, words: list[str], vocab: list[str]) -> list[str]:
    """One hand copy: a few slips of the copyist, each a word replaced,
    dropped, doubled or swapped with the next, or a line (8-12 words) skipped."""
    out = list(words)
    for _ in range(rng.randint(2, 8)):
        if len(out) < 30:
            break
        i = rng.randrange(len(out) - 12)
        kind = rng.random()
        if kind < 0.4:
            out[i] = rng.choice(vocab)
        elif kind < 0.6:
            del out[i]
        elif kind < 0.7:
            out.insert(i, out[i])
        elif kind < 0.85:
            out[i], out[i + 1] = out[i + 1], out[i]
        else:
            del out[i : i + rng.randint(8, 12)]
    return out


def make_manuscripts(seed: int) -> Manuscripts:
    """A copying tradition of 8-20 hand copies of one real article: each copy
    copies one earlier copy and adds its own slips; one copy in eight also
    takes its second half from another exemplar (contamination); one in six
    is lost (absent from the folder)."""
    rng = random.Random(1000 + seed)
    arts = _articles()
    source = arts[rng.randrange(len(arts))]
    words = " ".join(" ".join(p) for p in source).split()[:600]
    vocab = sorted({w for a in rng.sample(arts, 20) for p in a for s in p for w in s.split() if w.isalpha()})
    n = rng.randint(8, 20)
    texts = [words]
    edges: list[tuple[int, int]] = []
    for k in range(1, n):
        p = rng.randrange(k)
        copy = _copy_by_hand(rng, texts[p], vocab)
        edges.append((k, p))
        if k > 2 and rng.random() < 0.125:
            q = rng.choice([i for i in range(k) if i != p])
            half = len(copy) // 2
            copy = copy[:half] + texts[q][len(texts[q]) // 2 :]
            edges.append((k, q))
        texts.append(copy)
    lost = {k for k in range(1, n) if rng.random() < 1 / 6 and any(p == k for _, p in edges)}
    names = [f"ms{i:02d}" for i in rng.sample(range(n), n)]
    docs = [Document(id=names[i], path=f"{names[i]}.txt", title=names[i], text=" ".join(t), sha256=f"{i:064d}")
            for i, t in enumerate(texts) if i not in lost]
    return Manuscripts(documents=tuple(sorted(docs, key=lambda d: d.id)),
                       edges=tuple((names[c], names[p]) for c, p in edges), lost=tuple(sorted(names[i] for i in lost)))


@cache
def audited_manuscripts(seed: int) -> tuple[Manuscripts, AuditResult]:
    t = make_manuscripts(seed)
    return t, audit(list(t.documents), Settings(min_len=None))


def score_manuscripts(n: int = N_MANUSCRIPTS) -> dict[str, float]:
    """Mean sign similarity and pooled directed edge F1 (``provenance.stemma``) over ``n`` traditions."""
    from provenance import stemma

    sims = []
    right = got_n = true_n = 0
    for seed in range(n):
        t, result = audited_manuscripts(seed)
        assert result.lineage is not None
        got = [(e.child, e.parent) for e in result.lineage.edges]
        s = stemma.score(list(t.edges), got, [d.id for d in t.documents])
        sims.append(s.sign_similarity)
        right += len(s.correct_edges)
        got_n += len(s.correct_edges) + len(s.wrong_edges)
        true_n += len({c for c, _ in s.correct_edges}) + len({c for c, _ in s.missed_edges})
    precision = right / max(1, got_n)
    recall = right / max(1, true_n)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"sign_similarity": round(sum(sims) / len(sims), 4), "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}


def test_manuscript_traditions_gate() -> None:
    if not NEWS.is_file():
        pytest.skip(f"news-2018 corpus not found at {NEWS}")
    got = score_manuscripts()
    floor = json.loads(BASELINE.read_text(encoding="utf-8"))["manuscripts"]
    assert got["sign_similarity"] >= floor["sign_similarity"], got
    assert got["f1"] >= floor["edge_f1"], got


if __name__ == "__main__":
    for case in ("undated", "dated", "merges"):
        print(case, score(dated=case == "dated", merges=case == "merges"))
    print("manuscripts", score_manuscripts())
