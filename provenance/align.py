"""Passage alignment that survives edits: seeds, extension, filtering.

Exact runs from the suffix array find verbatim reuse; a copier who shuffles,
replaces or translates words leaves few runs of eight words.  This stage
aligns a pair sentence by sentence instead:

1. **Seeds.**  Both texts are split into sentences (nltk's Punkt, untrained:
   no downloaded model).  Each sentence is a vector of its stemmed word ids
   weighted by tf-isf: the inverse frequency of the word among the sentences
   of the two texts, so that function words and the topic's own words weigh
   little without a stop-word list, and a pair aligns the same whatever else
   is in the folder.  A pair of
   sentences is a seed when the cosine of their vectors and the idf-weighted
   Dice overlap of their word sets both reach a threshold: the cosine alone
   lets two short sentences that share one rare name through, the Dice alone
   lets long sentences of common words through.
2. **Extension.**  Seeds close to each other on both sides are one passage:
   sort the seeds by their sentence in the first text and cut where two
   neighbours are more than ``gap`` sentences apart, then do the same on the
   second text inside each group, and repeat until no group splits.  A
   group is then the pair of sentence ranges from its first to its last seed.
3. **Filtering.**  A passage whose two sides are not similar as wholes
   (cosine of their summed vectors) is split again with a smaller gap or
   dropped; passages that overlap on the first text keep the more similar
   one; passages shorter than ``min_chars`` on either side are dropped.

Summaries: a summary keeps a sentence here and there from a much longer
passage, so its seeds lie far apart on the source side.  A second extension
with a wide gap on the source side is kept instead of the normal one when it
explains the first text's sentences with one passage whose source side is
several times longer (the shape of a summary).

``align_corpus(documents, pairs, settings)`` returns, for every requested pair
``(a, b)``, the reused passages as character spans ``((a_start, a_end),
(b_start, b_end))`` of the two documents' texts, sorted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from nltk.tokenize.punkt import PunktSentenceTokenizer

from provenance.audit import match_stage, tokenize_stage
from provenance.model import Document, TokenStream
from provenance.settings import Settings

CharSpan = tuple[int, int]
Detection = tuple[CharSpan, CharSpan]
Progress = Callable[[str, int, int], None]

#: A pair of sentences seeds a passage when both their tf-idf cosine and
#: their idf-weighted Dice overlap reach these values.
SEED_COSINE = 0.33
SEED_DICE = 0.33
#: A seed must come close to the best match of its sentence on one side
#: (a sentence on a topic resembles many sentences on the same topic).
BEST_SHARE = 1.0
#: A sentence of fewer words is joined to the next.
MIN_SENTENCE = 6
#: A passage widens by looser pairs at most this many sentences beyond its
#: ends while its whole similarity stays above GROW_KEEP of what it was.
GROW = 1
GROW_KEEP = 0.9
#: Seeds at most this many sentences apart on both sides extend one passage.
GAP = 4
#: A passage's two sides, as wholes, must be at least this similar (cosine).
VALIDATE_COSINE = 0.34
#: Source-side gap of the summary extension, and how much longer than the
#: first side its source side must be for the summary reading to win.
SUMMARY_GAP = 24
SUMMARY_RATIO = 3.0
SUMMARY_SEEDS = 3
#: A summary whose source side spans this share of the source's sentences is
#: taken to summarise the whole source text.
SUMMARY_WHOLE = 0.5
SUMMARY_SEEDED = 0.5
#: A passage whose first side is at least this much verbatim text (exact
#: passages of the suffix array) is cut to the extent of that text.
SNAP_SHARE = 0.5
#: A passage needs this many seeds: one similar sentence pair is as often a
#: shared topic as reuse.
MIN_SEEDS = 2
#: Passages shorter than this many characters on either side are dropped.
MIN_CHARS = 150


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class Sentences:
    """One document cut into sentences, as rows of term counts."""

    chars: np.ndarray  # int64[n, 2]: each sentence's character span
    counts: sp.csr_matrix  # n x V term counts (stemmed ids)
    present: sp.csr_matrix  # 1 where the term occurs


@dataclass(frozen=True)
class Weighted:
    """A document's sentences weighted for one comparison."""

    s: Sentences
    tfidf: sp.csr_matrix  # rows L2-normalised tf-idf
    mass: np.ndarray  # float64[n]: sum of idf over each sentence's distinct terms

    @property
    def chars(self) -> np.ndarray:
        return self.s.chars


_PUNKT = PunktSentenceTokenizer()
_DEBUG: dict | None = None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; long lines without stops are cut at newlines."""
    out: list[tuple[int, int]] = []
    for start, end in _PUNKT.span_tokenize(text):
        # Punkt joins lines without a full stop (headings, list items): cut at blank-ish line breaks
        piece = text[start:end]
        at = start
        for line in piece.split("\n"):
            stripped = line.strip()
            if stripped:
                lead = len(line) - len(line.lstrip())
                out.append((at + lead, at + lead + len(stripped)))
            at += len(line) + 1
    return out


def _merge_short(spans: list[tuple[int, int]], token_starts: np.ndarray) -> list[tuple[int, int]]:
    """Join sentences of fewer than MIN_SENTENCE words to the next one (headings, list items, "No.")."""
    if not spans:
        return spans
    starts = np.asarray([s for s, _ in spans], dtype=np.int64)
    owner = np.searchsorted(starts, token_starts, side="right") - 1
    words = np.bincount(owner[owner >= 0], minlength=len(spans))
    out: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    count = 0
    for (start, end), n in zip(spans, words):
        pending = (pending[0], end) if pending else (start, end)
        count += int(n)
        if count >= MIN_SENTENCE:
            out.append(pending)
            pending, count = None, 0
    if pending:
        if out:
            out[-1] = (out[-1][0], pending[1])
        else:
            out.append(pending)
    return out


def sentences(doc: Document, stream: TokenStream, width: int) -> Sentences:
    """The sentence-by-term count matrix of one document (``width``: largest term id + 1)."""
    spans = _merge_short(sentence_spans(doc.text), stream.spans[:, 0])
    chars = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    n = len(spans)
    if n == 0 or len(stream) == 0:
        empty = sp.csr_matrix((n, width))
        return Sentences(chars, empty, empty)
    # the sentence of each token: the last sentence starting at or before it
    row = np.searchsorted(chars[:, 0], stream.spans[:, 0], side="right") - 1
    keep = row >= 0
    row, col = row[keep], stream.ids[keep].astype(np.int64)
    counts = sp.csr_matrix((np.ones(row.shape[0]), (row, col)), shape=(n, width))
    counts.sum_duplicates()
    present = counts.copy()
    present.data[:] = 1.0
    return Sentences(chars, counts.tocsr(), present.tocsr())


def pair_idf(a: Sentences, b: Sentences) -> np.ndarray:
    """Inverse sentence frequency of each term over the sentences of both texts.

    Computed from the pair alone, so that a pair aligns the same whatever else
    is in the folder (and on whichever worker it runs): a word found in most
    sentences of the two texts (a function word, the topic's own name) weighs
    little, a word found in few weighs much.
    """
    n = a.present.shape[0] + b.present.shape[0]
    sf = np.asarray(a.present.sum(axis=0)).ravel() + np.asarray(b.present.sum(axis=0)).ravel()
    idf = np.zeros(sf.shape[0], dtype=np.float64)
    seen = sf > 0
    idf[seen] = np.log((n + 1) / sf[seen])
    return idf


def weigh(s: Sentences, idf: np.ndarray) -> Weighted:
    if s.counts.shape[0] == 0:
        return Weighted(s, s.counts, np.zeros(0))
    tfidf = s.counts.multiply(idf[np.newaxis, :]).tocsr()
    norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    tfidf = (sp.diags(1.0 / norms) @ tfidf).tocsr()
    mass = np.asarray(s.present @ idf).ravel()
    return Weighted(s, tfidf, mass)


_NONE = np.zeros((0, 2), dtype=np.int64)


def seeds(a: Weighted, b: Weighted, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sentence pairs ``(i, j)`` that seed a passage, and looser pairs that may widen one, sorted.

    Seeds are similar pairs that are each other's best match; the looser
    pairs are similar pairs that are the best match of one of their sentences.
    """
    if a.tfidf.shape[0] == 0 or b.tfidf.shape[0] == 0:
        return _NONE, _NONE
    cos = (a.tfidf @ b.tfidf.T).tocoo()
    ok = cos.data >= SEED_COSINE
    i, j = cos.row[ok], cos.col[ok]
    if i.size == 0:
        return _NONE, _NONE
    # idf mass of the shared terms of each candidate pair
    weighted = a.s.present.multiply(idf[np.newaxis, :]).tocsr()
    shared = np.asarray(weighted[i].multiply(b.s.present[j]).sum(axis=1)).ravel()
    dice = 2 * shared / np.maximum(a.mass[i] + b.mass[j], 1e-12)
    c = cos.data[cos.data >= SEED_COSINE]
    ok = dice >= SEED_DICE
    i, j, c = i[ok], j[ok], c[ok]
    if i.size == 0:
        return _NONE, _NONE
    # a sentence of one text that resembles several of the other keeps only its best matches
    best_i = np.zeros(a.tfidf.shape[0])
    best_j = np.zeros(b.tfidf.shape[0])
    np.maximum.at(best_i, i, c)
    np.maximum.at(best_j, j, c)
    row_best, col_best = c >= BEST_SHARE * best_i[i], c >= BEST_SHARE * best_j[j]
    ok, near = row_best & col_best, row_best | col_best
    strict = np.stack([i[ok], j[ok]], axis=1).astype(np.int64)
    loose = np.stack([i[near], j[near]], axis=1).astype(np.int64)
    return strict[np.lexsort((strict[:, 1], strict[:, 0]))], loose[np.lexsort((loose[:, 1], loose[:, 0]))]


def _split(points: np.ndarray, axis: int, gap: int) -> list[np.ndarray]:
    order = np.argsort(points[:, axis], kind="stable")
    pts = points[order]
    cuts = np.nonzero(np.diff(pts[:, axis]) > gap)[0] + 1
    return np.split(pts, cuts)


def extend(points: np.ndarray, gap_a: int, gap_b: int) -> list[np.ndarray]:
    """Groups of seeds that are close on both sides (split alternately until stable)."""
    done: list[np.ndarray] = []
    todo = [(points, 0)]
    while todo:
        group, axis = todo.pop()
        parts = _split(group, axis, gap_a if axis == 0 else gap_b)
        if len(parts) == 1:
            other = _split(group, 1 - axis, gap_b if axis == 0 else gap_a)
            if len(other) == 1:
                done.append(group)
            else:
                todo.extend((p, axis) for p in other)
        else:
            todo.extend((p, 1 - axis) for p in parts)
    return sorted(done, key=lambda g: (int(g[:, 0].min()), int(g[:, 1].min())))


def _whole_cosine(a: Weighted, b: Weighted, ra: tuple[int, int], rb: tuple[int, int], idf: np.ndarray) -> float:
    va = np.asarray(a.s.counts[ra[0] : ra[1] + 1].sum(axis=0)).ravel() * idf
    vb = np.asarray(b.s.counts[rb[0] : rb[1] + 1].sum(axis=0)).ravel() * idf
    na, nb = float(np.linalg.norm(va)), float(np.linalg.norm(vb))
    return float(va @ vb) / (na * nb) if na and nb else 0.0


@dataclass(frozen=True)
class Fragment:
    a: tuple[int, int]  # first and last sentence, inclusive
    b: tuple[int, int]
    similarity: float


def _fragments(a: Weighted, b: Weighted, points: np.ndarray, idf: np.ndarray, gap_a: int, gap_b: int) -> list[Fragment]:
    out = []
    for group in extend(points, gap_a, gap_b):
        ra = (int(group[:, 0].min()), int(group[:, 0].max()))
        rb = (int(group[:, 1].min()), int(group[:, 1].max()))
        sim = _whole_cosine(a, b, ra, rb, idf)
        if sim >= VALIDATE_COSINE:
            out.append(Fragment(ra, rb, sim))
        elif max(gap_a, gap_b) > 0 and len(group) > 1:
            out.extend(_fragments(a, b, group, idf, max(gap_a - 1, 0), max(gap_b - 1, 0)))
    return out


def _resolve(frags: list[Fragment]) -> list[Fragment]:
    """Of passages overlapping on the first text, keep the more similar (then the longer)."""
    ranked = sorted(frags, key=lambda f: (-f.similarity, -(f.a[1] - f.a[0]), f.a, f.b))
    kept: list[Fragment] = []
    for f in ranked:
        if all(f.a[1] < k.a[0] or f.a[0] > k.a[1] for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: (f.a, f.b))


def _grow(f: Fragment, loose: np.ndarray, a: Weighted, b: Weighted, idf: np.ndarray) -> Fragment:
    """Widen a passage by similar sentence pairs just beyond its ends (edits blur its edges)."""
    (a0, a1), (b0, b1) = f.a, f.b
    while loose.shape[0]:
        near = loose[(loose[:, 0] >= a0 - GROW) & (loose[:, 0] <= a1 + GROW)
                     & (loose[:, 1] >= b0 - GROW) & (loose[:, 1] <= b1 + GROW)]
        if near.shape[0] == 0:
            break
        box = (min(a0, int(near[:, 0].min())), max(a1, int(near[:, 0].max())),
               min(b0, int(near[:, 1].min())), max(b1, int(near[:, 1].max())))
        if box == (a0, a1, b0, b1):
            break
        a0, a1, b0, b1 = box
    if (a0, a1, b0, b1) == (*f.a, *f.b):
        return f
    sim = _whole_cosine(a, b, (a0, a1), (b0, b1), idf)
    return Fragment((a0, a1), (b0, b1), sim) if sim >= GROW_KEEP * f.similarity else f


def _summary_shaped(f: Fragment, points: np.ndarray, a: Weighted, b: Weighted) -> bool:
    """A passage read with the wide source gap is a summary when its first side is much
    shorter, and most of its sentences have a seed (a summary keeps every sentence on topic)."""
    ca, cb = _chars(a, f.a), _chars(b, f.b)
    if cb[1] - cb[0] < SUMMARY_RATIO * (ca[1] - ca[0]):
        return False
    inside = points[(points[:, 0] >= f.a[0]) & (points[:, 0] <= f.a[1]) & (points[:, 1] >= f.b[0]) & (points[:, 1] <= f.b[1])]
    seeded = np.unique(inside[:, 0]).shape[0]
    return seeded >= SUMMARY_SEEDS and seeded >= SUMMARY_SEEDED * (f.a[1] - f.a[0] + 1)


def _chars(s: Weighted, r: tuple[int, int]) -> CharSpan:
    return int(s.chars[r[0], 0]), int(s.chars[r[1], 1])


def _snap(det: Detection, exact: Sequence[Detection]) -> Detection:
    """A passage mostly made of verbatim text ends where the verbatim text ends."""
    (a0, a1), (b0, b1) = det
    inside = [e for e in exact if e[0][0] < a1 and e[0][1] > a0 and e[1][0] < b1 and e[1][1] > b0]
    covered = sum(min(e[0][1], a1) - max(e[0][0], a0) for e in inside)
    if not inside or covered < SNAP_SHARE * (a1 - a0):
        return det
    return ((min(e[0][0] for e in inside), max(e[0][1] for e in inside)),
            (min(e[1][0] for e in inside), max(e[1][1] for e in inside)))


def align_pair(sa: Sentences, sb: Sentences, extra: np.ndarray | None = None,
               exact: Sequence[Detection] = ()) -> list[Detection]:
    """The passages ``a`` and ``b`` share, as character spans.

    ``extra`` are more seeds (sentence pairs), ``exact`` the verbatim passages
    the suffix array found for this pair: a passage mostly made of them is
    cut to their extent.
    """
    idf = pair_idf(sa, sb)
    a, b = weigh(sa, idf), weigh(sb, idf)
    points, loose = seeds(a, b, idf)
    if extra is not None and extra.size:
        points = np.unique(np.concatenate([points, extra]), axis=0)
    if points.shape[0] == 0:
        return []
    frags = _resolve(_fragments(a, b, points, idf, GAP, GAP))
    for f in _resolve(_fragments(a, b, points, idf, GAP, SUMMARY_GAP)):
        if _summary_shaped(f, points, a, b):
            n_b = b.chars.shape[0]
            if f.b[1] - f.b[0] + 1 >= SUMMARY_WHOLE * n_b:  # a summary of most of a text summarises all of it
                f = Fragment(f.a, (0, n_b - 1), f.similarity)
            frags = [g for g in frags if g.a[1] < f.a[0] or g.a[0] > f.a[1]] + [f]
    frags = _resolve([_grow(f, loose, a, b, idf) for f in _resolve(frags)])
    out = []
    for f in frags:
        inside = points[(points[:, 0] >= f.a[0]) & (points[:, 0] <= f.a[1])
                        & (points[:, 1] >= f.b[0]) & (points[:, 1] <= f.b[1])]
        if inside.shape[0] < MIN_SEEDS:
            continue
        ca, cb = _snap((_chars(a, f.a), _chars(b, f.b)), exact)
        if ca[1] - ca[0] >= MIN_CHARS and cb[1] - cb[0] >= MIN_CHARS:
            out.append((ca, cb))
            if _DEBUG is not None:
                inside = points[(points[:, 0] >= f.a[0]) & (points[:, 0] <= f.a[1]) & (points[:, 1] >= f.b[0]) & (points[:, 1] <= f.b[1])]
                _DEBUG[(ca, cb)] = (round(f.similarity, 3), len(inside), f.a[1] - f.a[0] + 1, f.b[1] - f.b[0] + 1)
    return out


def _exact_points(ev, a_is_first: bool, sa: Sentences, sb: Sentences) -> np.ndarray:
    """Sentence pairs along the exact runs of a pair, as extra seeds."""
    pts = []
    for p in ev.passages:
        for r in p.run_chars:
            ca, cb = (r[0], r[1]), (r[2], r[3])
            if not a_is_first:
                ca, cb = cb, ca
            ia = np.searchsorted(sa.chars[:, 0], [ca[0], ca[1] - 1], side="right") - 1
            ib = np.searchsorted(sb.chars[:, 0], [cb[0], cb[1] - 1], side="right") - 1
            na, nb = int(ia[1] - ia[0] + 1), int(ib[1] - ib[0] + 1)
            steps = max(na, nb)
            for k in range(steps):
                pts.append((int(ia[0]) + k * na // steps, int(ib[0]) + k * nb // steps))
    return np.asarray(pts, dtype=np.int64).reshape(-1, 2)


def align_corpus(
    documents: Sequence[Document],
    pairs: Sequence[tuple[str, str]],
    settings: Settings,
    *,
    jobs: int = 1,
    progress: Progress = _quiet,
) -> dict[tuple[str, str], list[Detection]]:
    """The passages each requested pair ``(a, b)`` shares, as character spans of ``a`` and ``b``."""
    docs = sorted(documents, key=lambda d: d.id)
    position = {d.id: i for i, d in enumerate(docs)}
    for a, b in pairs:
        for x in (a, b):
            if x not in position:
                raise ValueError(f"pair ({a!r}, {b!r}): no document {x!r}")
    streams = tokenize_stage(docs, settings, progress)
    evidence, _ = match_stage(docs, streams, settings, progress)
    found = {(p.a, p.b): p for p in evidence}
    width = max((int(s.ids.max()) for s in streams if len(s)), default=0) + 1
    cache: dict[str, Sentences] = {}

    def sent(doc_id: str) -> Sentences:
        if doc_id not in cache:
            i = position[doc_id]
            cache[doc_id] = sentences(docs[i], streams[i], width)
        return cache[doc_id]

    out: dict[tuple[str, str], list[Detection]] = {}
    for n, (a, b) in enumerate(pairs):
        sa, sb = sent(a), sent(b)
        ev = found.get((min(a, b), max(a, b)))
        extra = _exact_points(ev, ev.a == a, sa, sb) if ev is not None else None
        exact = []
        if ev is not None:
            for p in ev.passages:
                exact.append((p.a_chars, p.b_chars) if ev.a == a else (p.b_chars, p.a_chars))
        out[(a, b)] = sorted(align_pair(sa, sb, extra, exact))
        if n % 50 == 0 or n == len(pairs) - 1:
            progress("align", n + 1, len(pairs))
    return out


__all__ = ["align_corpus", "align_pair", "sentences", "sentence_spans", "seeds", "extend", "pair_idf"]
