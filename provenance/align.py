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

import dataclasses
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from nltk.tokenize.punkt import PunktSentenceTokenizer
from threadpoolctl import threadpool_limits

from provenance import passages
from provenance.audit import match_stage, tokenize_stage
from provenance.model import Document, PairEvidence, Passage, Span, TokenStream
from provenance.settings import (
    DEFAULT_ALIGN_COSINE,
    DEFAULT_ALIGN_DICE,
    DEFAULT_ALIGN_GAP,
    DEFAULT_ALIGN_MIN_CHARS,
    Settings,
)

CharSpan = tuple[int, int]
Detection = tuple[CharSpan, CharSpan]
Progress = Callable[[str, int, int], None]

#: A seed must come close to the best match of its sentence on one side
#: (a sentence on a topic resembles many sentences on the same topic).
BEST_SHARE = 1.0
#: Inside an ordered passage (audits) the second text may step back this many
#: sentences; further back starts another passage.
BACKSTEP = 0
#: A sentence of fewer words is joined to the next.
MIN_SENTENCE = 6
#: A passage widens by looser pairs at most this many sentences beyond its
#: ends while its whole similarity stays above GROW_KEEP of what it was.
GROW = 1
GROW_KEEP = 0.9
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


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class Sentences:
    """One document cut into sentences: each token's sentence and term id."""

    chars: np.ndarray  # int64[n, 2]: each sentence's character span
    rows: np.ndarray  # int64[m]: the sentence of each token inside one
    terms: np.ndarray  # int64[m]: its stemmed term id


@dataclass(frozen=True)
class Weighted:
    """A document's sentences as dense rows over the vocabulary of one pair."""

    chars: np.ndarray
    counts: np.ndarray  # n x V term counts
    present: np.ndarray  # n x V, 1.0 where the term occurs
    tfidf: np.ndarray  # rows L2-normalised tf-isf
    mass: np.ndarray  # float64[n]: isf summed over each sentence's distinct terms


_PUNKT = PunktSentenceTokenizer()


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


def sentences(doc: Document, stream: TokenStream) -> Sentences:
    """One document's sentences, each token assigned to the sentence it lies in."""
    spans = _merge_short(sentence_spans(doc.text), stream.spans[:, 0])
    chars = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if chars.shape[0] == 0 or len(stream) == 0:
        none = np.zeros(0, dtype=np.int64)
        return Sentences(chars, none, none)
    # the sentence of each token: the last sentence starting at or before it
    row = np.searchsorted(chars[:, 0], stream.spans[:, 0], side="right") - 1
    keep = row >= 0
    return Sentences(chars, row[keep].astype(np.int64), stream.ids[keep].astype(np.int64))


def _dense(s: Sentences, vocab: np.ndarray) -> np.ndarray:
    n, width = s.chars.shape[0], vocab.shape[0]
    cols = np.searchsorted(vocab, s.terms)
    return np.bincount(s.rows * width + cols, minlength=n * width).reshape(n, width).astype(np.float64)


def pair_idf(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """Inverse sentence frequency of each term over the sentences of both texts.

    Computed from the pair alone, so that a pair aligns the same whatever else
    is in the folder (and on whichever worker it runs): a word found in most
    sentences of the two texts (a function word, the topic's own name) weighs
    little, a word found in few weighs much.
    """
    n = ca.shape[0] + cb.shape[0]
    sf = (ca > 0).sum(axis=0) + (cb > 0).sum(axis=0)
    return np.log((n + 1) / np.maximum(sf, 1))


def weigh(s: Sentences, counts: np.ndarray, idf: np.ndarray) -> Weighted:
    present = (counts > 0).astype(np.float64)
    tfidf = counts * idf
    norms = np.sqrt((tfidf * tfidf).sum(axis=1))
    norms[norms == 0] = 1.0
    return Weighted(s.chars, counts, present, tfidf / norms[:, np.newaxis], present @ idf)


def weigh_pair(sa: Sentences, sb: Sentences) -> tuple[Weighted, Weighted, np.ndarray]:
    """Both texts over their joint vocabulary, weighted by the pair's tf-isf."""
    vocab = np.unique(np.concatenate([sa.terms, sb.terms]))
    ca, cb = _dense(sa, vocab), _dense(sb, vocab)
    idf = pair_idf(ca, cb)
    return weigh(sa, ca, idf), weigh(sb, cb, idf), idf


_NONE = np.zeros((0, 2), dtype=np.int64)


def seeds(a: Weighted, b: Weighted, idf: np.ndarray, cosine: float = DEFAULT_ALIGN_COSINE,
          dice_min: float = DEFAULT_ALIGN_DICE) -> tuple[np.ndarray, np.ndarray]:
    """Sentence pairs ``(i, j)`` that seed a passage, and looser pairs that may widen one, sorted.

    Seeds are similar pairs that are each other's best match; the looser
    pairs are similar pairs that are the best match of one of their sentences.
    """
    if a.tfidf.shape[0] == 0 or b.tfidf.shape[0] == 0:
        return _NONE, _NONE
    full = a.tfidf @ b.tfidf.T
    i, j = np.nonzero(full >= cosine)
    if i.size == 0:
        return _NONE, _NONE
    # isf mass of the shared terms of each candidate pair
    shared = ((a.present[i] * idf) * b.present[j]).sum(axis=1)
    dice = 2 * shared / np.maximum(a.mass[i] + b.mass[j], 1e-12)
    c = full[i, j]
    ok = dice >= dice_min
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


def _monotone(points: np.ndarray) -> list[np.ndarray]:
    """Cut a group where, in the order of the first text, the second text steps back
    more than BACKSTEP sentences: reordered paragraphs are separate passages."""
    pts = points[np.lexsort((points[:, 1], points[:, 0]))]
    back = (np.diff(pts[:, 0]) > 0) & (np.diff(pts[:, 1]) < -BACKSTEP)
    return np.split(pts, np.nonzero(back)[0] + 1)


def extend(points: np.ndarray, gap_a: int, gap_b: int, ordered: bool = False) -> list[np.ndarray]:
    """Groups of seeds that are close on both sides (split alternately until
    stable), and in the same order on both sides when ``ordered``."""
    done: list[np.ndarray] = []
    todo = [(points, 0)]
    while todo:
        group, axis = todo.pop()
        parts = _split(group, axis, gap_a if axis == 0 else gap_b)
        if len(parts) == 1:
            other = _split(group, 1 - axis, gap_b if axis == 0 else gap_a)
            if len(other) == 1:
                runs = _monotone(group) if ordered else [group]
                if len(runs) == 1:
                    done.append(group)
                else:
                    todo.extend((p, 0) for p in runs)
            else:
                todo.extend((p, axis) for p in other)
        else:
            todo.extend((p, 1 - axis) for p in parts)
    return sorted(done, key=lambda g: (int(g[:, 0].min()), int(g[:, 1].min())))


def _whole_cosine(a: Weighted, b: Weighted, ra: tuple[int, int], rb: tuple[int, int], idf: np.ndarray) -> float:
    va = a.counts[ra[0] : ra[1] + 1].sum(axis=0) * idf
    vb = b.counts[rb[0] : rb[1] + 1].sum(axis=0) * idf
    na, nb = float(np.linalg.norm(va)), float(np.linalg.norm(vb))
    return float(va @ vb) / (na * nb) if na and nb else 0.0


@dataclass(frozen=True)
class Fragment:
    a: tuple[int, int]  # first and last sentence, inclusive
    b: tuple[int, int]
    similarity: float


def _fragments(a: Weighted, b: Weighted, points: np.ndarray, idf: np.ndarray, gap_a: int, gap_b: int,
               ordered: bool = False) -> list[Fragment]:
    out = []
    for group in extend(points, gap_a, gap_b, ordered):
        ra = (int(group[:, 0].min()), int(group[:, 0].max()))
        rb = (int(group[:, 1].min()), int(group[:, 1].max()))
        sim = _whole_cosine(a, b, ra, rb, idf)
        if sim >= VALIDATE_COSINE:
            out.append(Fragment(ra, rb, sim))
        elif max(gap_a, gap_b) > 0 and len(group) > 1:
            out.extend(_fragments(a, b, group, idf, max(gap_a - 1, 0), max(gap_b - 1, 0), ordered))
    return out


def _resolve(frags: list[Fragment]) -> list[Fragment]:
    """Of passages overlapping on either text, keep the more similar (then the longer)."""
    ranked = sorted(frags, key=lambda f: (-f.similarity, -(f.a[1] - f.a[0]), f.a, f.b))
    kept: list[Fragment] = []
    for f in ranked:
        if all((f.a[1] < k.a[0] or f.a[0] > k.a[1]) and (f.b[1] < k.b[0] or f.b[0] > k.b[1]) for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: (f.a, f.b))


def _grow(f: Fragment, loose: np.ndarray, a: Weighted, b: Weighted, idf: np.ndarray,
          ordered: bool = False) -> Fragment:
    """Widen a passage by similar sentence pairs just beyond its ends (edits blur its edges);
    when ``ordered``, only by pairs before it on both sides or after it on both sides."""
    (a0, a1), (b0, b1) = f.a, f.b
    while loose.shape[0]:
        i, j = loose[:, 0], loose[:, 1]
        ok = (i >= a0 - GROW) & (i <= a1 + GROW) & (j >= b0 - GROW) & (j <= b1 + GROW)
        if ordered:
            ok &= ((i < a0) & (j < b0)) | ((i > a1) & (j > b1)) | ((i >= a0) & (i <= a1) & (j >= b0) & (j <= b1))
        near = loose[ok]
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


def _summaries(a: Weighted, b: Weighted, points: np.ndarray, idf: np.ndarray, gap: int) -> list[Fragment]:
    """Passages where ``a`` summarises ``b``: read with a wide gap on ``b``, summary-shaped."""
    out = []
    for f in _resolve(_fragments(a, b, points, idf, gap, SUMMARY_GAP)):
        if _summary_shaped(f, points, a, b):
            n_b = b.chars.shape[0]
            if f.b[1] - f.b[0] + 1 >= SUMMARY_WHOLE * n_b:  # a summary of most of a text summarises all of it
                f = Fragment(f.a, (0, n_b - 1), f.similarity)
            out.append(f)
    return out


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
               exact: Sequence[Detection] = (), *, cosine: float = DEFAULT_ALIGN_COSINE,
               dice: float = DEFAULT_ALIGN_DICE, gap: int = DEFAULT_ALIGN_GAP,
               min_chars: int = DEFAULT_ALIGN_MIN_CHARS, both_ways: bool = False) -> list[Detection]:
    """The passages ``a`` and ``b`` share, as character spans.

    ``extra`` are more seeds (sentence pairs), ``exact`` the verbatim passages
    the suffix array found for this pair: a passage mostly made of them is
    cut to their extent.  Summaries are looked for where ``a`` summarises
    ``b`` (the suspicious text of PAN), and also the other way round when
    ``both_ways`` (an audit, where either text may be the summary).
    """
    a, b, idf = weigh_pair(sa, sb)
    points, loose = seeds(a, b, idf, cosine, dice)
    if extra is not None and extra.size:
        points = np.unique(np.concatenate([points, extra]), axis=0)
    if points.shape[0] < MIN_SEEDS:
        return []  # a passage needs MIN_SEEDS seeds
    # in an audit a passage keeps its order (a moved paragraph is a passage of
    # its own); PAN's random obfuscation reorders sentences, so its pairs do not
    frags = _resolve(_fragments(a, b, points, idf, gap, gap, ordered=both_ways))
    summaries = _summaries(a, b, points, idf, gap) if np.unique(points[:, 0]).size >= SUMMARY_SEEDS else []
    if both_ways and np.unique(points[:, 1]).size >= SUMMARY_SEEDS:
        flipped = _summaries(b, a, points[:, ::-1], idf, gap)
        summaries += [Fragment(f.b, f.a, f.similarity) for f in flipped]
    for f in summaries:
        frags = [g for g in frags if (g.a[1] < f.a[0] or g.a[0] > f.a[1]) and (g.b[1] < f.b[0] or g.b[0] > f.b[1])]
        frags.append(f)
    frags = _resolve([_grow(f, loose, a, b, idf, ordered=both_ways) for f in _resolve(frags)])
    out = []
    for f in frags:
        inside = points[(points[:, 0] >= f.a[0]) & (points[:, 0] <= f.a[1])
                        & (points[:, 1] >= f.b[0]) & (points[:, 1] <= f.b[1])]
        if inside.shape[0] < MIN_SEEDS:
            continue
        ca, cb = _snap((_chars(a, f.a), _chars(b, f.b)), exact)
        if ca[1] - ca[0] >= min_chars and cb[1] - cb[0] >= min_chars:
            out.append((ca, cb))
    return out


def _exact_points(ev: PairEvidence, a_is_first: bool, sa: Sentences, sb: Sentences) -> np.ndarray:
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


def _exact_of(ev: PairEvidence | None, a_first: bool) -> list[Detection]:
    if ev is None:
        return []
    return [(p.a_chars, p.b_chars) if a_first else (p.b_chars, p.a_chars) for p in ev.passages]


# Worker state for ``jobs > 1``: set before the pool forks, read by _align_chunk.
_STATE: dict[str, object] = {}


def _align_chunk(chunk: Sequence[tuple[int, int]]) -> list[list[Detection]]:
    docs, streams, found, options = (_STATE[k] for k in ("docs", "streams", "found", "options"))
    cache: dict[int, Sentences] = _STATE.setdefault("cache", {})  # type: ignore[assignment]
    out = []
    for i, j in chunk:
        for k in (i, j):
            if k not in cache:
                cache[k] = sentences(docs[k], streams[k])  # type: ignore[index]
        ev = found.get((min(i, j), max(i, j)))  # type: ignore[attr-defined]
        a_first = i < j
        extra = _exact_points(ev, a_first, cache[i], cache[j]) if ev is not None else None
        out.append(sorted(align_pair(cache[i], cache[j], extra, _exact_of(ev, a_first), **options)))  # type: ignore[arg-type]
    return out


def _options(settings: Settings, both_ways: bool) -> dict[str, float]:
    return {"cosine": settings.align_cosine, "dice": settings.align_dice, "gap": settings.align_gap,
            "min_chars": settings.align_min_chars, "both_ways": both_ways}


def _run(docs: Sequence[Document], streams: Sequence[TokenStream], found: dict[tuple[int, int], PairEvidence],
         todo: Sequence[tuple[int, int]], settings: Settings, jobs: int, progress: Progress,
         both_ways: bool = False) -> list[list[Detection]]:
    """Align the pairs ``todo`` (positions in ``docs``), in order, on ``jobs`` processes."""
    _STATE.clear()
    _STATE.update(docs=docs, streams=streams, found=found, options=_options(settings, both_ways))
    size = 64
    chunks = [todo[k : k + size] for k in range(0, len(todo), size)]
    out: list[list[Detection]] = []
    try:
        if jobs > 1 and len(chunks) > 1:
            ctx = multiprocessing.get_context("fork")
            # the matrices are small: BLAS threads in every process only fight over the cores
            with threadpool_limits(limits=1), ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                for part in pool.map(_align_chunk, chunks):
                    out.extend(part)
                    progress("align", len(out), len(todo))
        else:
            for chunk in chunks:
                out.extend(_align_chunk(chunk))
                progress("align", len(out), len(todo))
    finally:
        _STATE.clear()
    return out


def align_corpus(
    documents: Sequence[Document],
    pairs: Sequence[tuple[str, str]],
    settings: Settings,
    *,
    jobs: int = 1,
    progress: Progress = _quiet,
) -> dict[tuple[str, str], list[Detection]]:
    """The passages each requested pair ``(a, b)`` shares, as character spans of ``a`` and ``b``.

    One suffix array over all the documents gives the exact passages of every
    pair at once; the sentence alignment then runs pair by pair, on ``jobs``
    processes.
    """
    docs = sorted(documents, key=lambda d: d.id)
    position = {d.id: i for i, d in enumerate(docs)}
    for a, b in pairs:
        for x in (a, b):
            if x not in position:
                raise ValueError(f"pair ({a!r}, {b!r}): no document {x!r}")
    streams = tokenize_stage(docs, settings, progress)
    evidence, _ = match_stage(docs, streams, dataclasses.replace(settings, align=False), progress)
    found = {(position[p.a], position[p.b]): p for p in evidence}
    todo = [(position[a], position[b]) for a, b in pairs]
    results = _run(docs, streams, found, todo, settings, jobs, progress)
    return {pair: dets for pair, dets in zip(pairs, results)}


def _token_span(stream: TokenStream, chars: CharSpan) -> Span:
    starts, ends = stream.spans[:, 0], stream.spans[:, 1]
    return int(np.searchsorted(ends, chars[0], side="right")), int(np.searchsorted(starts, chars[1], side="left"))


def _enriched(ev: PairEvidence, dets: Sequence[Detection], sa: TokenStream, sb: TokenStream) -> PairEvidence:
    """``ev`` with the aligned passages added; exact passages inside one are absorbed into it."""
    kept = list(ev.passages)
    added: list[Passage] = []
    for ca, cb in dets:
        inside = [p for p in kept if p.a_chars[0] < ca[1] and p.a_chars[1] > ca[0]
                  and p.b_chars[0] < cb[1] and p.b_chars[1] > cb[0]]
        if any(p.a_chars[0] <= ca[0] and p.a_chars[1] >= ca[1] for p in inside):
            continue  # already found verbatim
        ca = (min([ca[0], *(p.a_chars[0] for p in inside)]), max([ca[1], *(p.a_chars[1] for p in inside)]))
        cb = (min([cb[0], *(p.b_chars[0] for p in inside)]), max([cb[1], *(p.b_chars[1] for p in inside)]))
        rest = [p for p in kept if p not in inside]
        if any(p.a_chars[0] < ca[1] and p.a_chars[1] > ca[0] or p.b_chars[0] < cb[1] and p.b_chars[1] > cb[0]
               for p in rest + added):
            continue  # crosses another passage on one side: the report shows passages that do not overlap
        kept = rest
        added.append(Passage(
            a=_token_span(sa, ca), b=_token_span(sb, cb), a_chars=ca, b_chars=cb,
            runs=tuple(r for p in inside for r in p.runs), exact=sum(p.exact for p in inside),
            run_chars=tuple(r for p in inside for r in p.run_chars), kind="aligned",
            parts=tuple(sorted(inside, key=lambda p: (p.a, p.b))),
        ))
    if not added:
        return ev
    merged = tuple(sorted(kept + added, key=lambda p: (p.a, p.b)))
    n_a, n_b = len(sa), len(sb)
    return PairEvidence(
        a=ev.a, b=ev.b, passages=merged,
        covered_a=round(passages.covered_tokens([p.a for p in merged]) / n_a, 6) if n_a else 0.0,
        covered_b=round(passages.covered_tokens([p.b for p in merged]) / n_b, 6) if n_b else 0.0,
        longest=ev.longest,
    )


def enrich(docs: Sequence[Document], streams: Sequence[TokenStream], evidence: Sequence[PairEvidence],
           settings: Settings, jobs: int = 1, progress: Progress = _quiet) -> list[PairEvidence]:
    """The audit's pairs with the passages that survive edits added (``kind="aligned"``).

    Only pairs the suffix array already related are aligned (an edited copy
    of a news story keeps some verbatim run of ``min_len`` words), and of
    those only the ones whose exact passages cover ``align_min_coverage`` of
    one text.
    """
    position = {d.id: i for i, d in enumerate(docs)}
    found = {(position[p.a], position[p.b]): p for p in evidence}
    # pairs worth aligning: enough verbatim reuse to extend, and something left to find
    todo = sorted(k for k, p in found.items()
                  if max(p.covered_a, p.covered_b) >= settings.align_min_coverage and min(p.covered_a, p.covered_b) < 1.0)
    results = _run(docs, streams, found, todo, settings, jobs, progress, both_ways=True)
    out = dict(found)
    for k, dets in zip(todo, results):
        out[k] = _enriched(found[k], dets, streams[k[0]], streams[k[1]])
    return sorted(out.values(), key=lambda p: (p.a, p.b))


__all__ = ["align_corpus", "align_pair", "enrich", "extend", "pair_idf", "seeds", "sentence_spans", "sentences"]
