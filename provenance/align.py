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
   lets long sentences of common words through.  Sentences are sparse rows
   (memory in tokens); the candidate pairs come from an inverted index of the
   rarer terms of each sentence (prefix filtering: the common terms left out
   cannot reach either threshold alone), in one compiled pass, so a pair
   of books costs about its length, not the product of its sentences.
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
import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from provenance import passages
from provenance._nltk import PunktSentenceTokenizer
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
    """One document cut into sentences: each token's sentence and term id, and the
    document's distinct (sentence, term) entries with their counts."""

    chars: np.ndarray  # int64[n, 2]: each sentence's character span
    rows: np.ndarray  # int64[m]: the sentence of each token inside one
    terms: np.ndarray  # int64[m]: its stemmed term id
    entry_row: np.ndarray  # int64[k]: distinct (sentence, term) entries, sorted by sentence then term
    entry_term: np.ndarray  # int64[k]
    entry_count: np.ndarray  # float64[k]: how often the term occurs in the sentence
    vocab: np.ndarray  # int64[v]: the document's distinct terms, sorted
    vocab_sf: np.ndarray  # int64[v]: how many of its sentences hold each


@dataclass(frozen=True)
class Weighted:
    """A document's sentences as sparse rows over the vocabulary of one pair (entries sorted
    by sentence, then column): memory in the document's tokens, not sentences x vocabulary."""

    chars: np.ndarray
    row: np.ndarray  # int64[k]: the sentence of each entry
    col: np.ndarray  # int64[k]: its column in the pair's vocabulary
    count: np.ndarray  # float64[k]: term count
    weight: np.ndarray  # float64[k]: tf-isf, each sentence L2-normalised
    ptr: np.ndarray  # int64[n + 1]: the entries of sentence r are ptr[r]:ptr[r + 1]
    mass: np.ndarray  # float64[n]: isf summed over each sentence's distinct terms

    @property
    def n(self) -> int:
        return int(self.chars.shape[0])


_PUNKT = PunktSentenceTokenizer()
# Punkt asks, for every period followed by a word, whether that short context
# ("said. The") holds a sentence break: nearly three quarters of its time, and a
# pure function of the context for this untrained tokenizer, whose parameters
# never change.  Contexts recur (71,025 asked for 43,104 distinct in 3,000
# news articles): remembered, the same spans come out sooner.
_PUNKT.text_contains_sentbreak = functools.lru_cache(maxsize=1 << 16)(  # type: ignore[method-assign]
    _PUNKT.text_contains_sentbreak)


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


_EMPTY = np.zeros(0, dtype=np.int64)


def _sentences_of(chars: np.ndarray, rows: np.ndarray, terms: np.ndarray) -> Sentences:
    """``Sentences`` with the distinct (sentence, term) entries of ``rows``/``terms``."""
    if rows.size == 0:
        return Sentences(chars, rows, terms, _EMPTY, _EMPTY, np.zeros(0), _EMPTY, _EMPTY)
    order = np.lexsort((terms, rows))
    r, t = rows[order], terms[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (t[1:] != t[:-1])
    starts = np.nonzero(first)[0]
    count = np.diff(np.append(starts, r.size)).astype(np.float64)
    er, et = r[starts], t[starts]
    vocab, sf = np.unique(et, return_counts=True)
    return Sentences(chars, rows, terms, er, et, count, vocab, sf.astype(np.int64))


def _cut(text: str, starts: np.ndarray, ids: np.ndarray) -> Sentences:
    """``sentences`` of a text given its tokens' first characters and term ids."""
    spans = _merge_short(sentence_spans(text), starts)
    chars = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if chars.shape[0] == 0 or starts.size == 0:
        return _sentences_of(chars, _EMPTY, _EMPTY)
    # the sentence of each token: the last sentence starting at or before it
    row = np.searchsorted(chars[:, 0], starts, side="right") - 1
    keep = row >= 0
    return _sentences_of(chars, row[keep].astype(np.int64), ids[keep].astype(np.int64))


def sentences(doc: Document, stream: TokenStream) -> Sentences:
    """One document's sentences, each token assigned to the sentence it lies in."""
    return _cut(doc.text, stream.spans[:, 0], stream.ids)


@numba.njit(cache=True, nogil=True)
def _union_sf(va, sfa, vb, sfb):  # pragma: no cover - compiled
    """The union of two sorted vocabularies, with the summed sentence frequency of each term."""
    vocab = np.empty(va.shape[0] + vb.shape[0], dtype=np.int64)
    sf = np.zeros(vocab.shape[0], dtype=np.int64)
    i = j = n = 0
    while i < va.shape[0] or j < vb.shape[0]:
        if j == vb.shape[0] or (i < va.shape[0] and va[i] < vb[j]):
            vocab[n], sf[n] = va[i], sfa[i]
            i += 1
        elif i == va.shape[0] or vb[j] < va[i]:
            vocab[n], sf[n] = vb[j], sfb[j]
            j += 1
        else:
            vocab[n], sf[n] = va[i], sfa[i] + sfb[j]
            i += 1
            j += 1
        n += 1
    return vocab[:n], sf[:n]


def pair_idf(sa: Sentences, sb: Sentences) -> tuple[np.ndarray, np.ndarray]:
    """The pair's vocabulary and the inverse sentence frequency of each of its terms over
    the sentences of both texts.

    Computed from the pair alone, so that a pair aligns the same whatever else
    is in the folder (and on whichever worker it runs): a word found in most
    sentences of the two texts (a function word, the topic's own name) weighs
    little, a word found in few weighs much.
    """
    vocab, sf = _union_sf(sa.vocab, sa.vocab_sf, sb.vocab, sb.vocab_sf)
    n = sa.chars.shape[0] + sb.chars.shape[0]
    return vocab, np.log((n + 1) / np.maximum(sf, 1))


@numba.njit(cache=True, nogil=True)
def _weigh(entry_row, entry_term, entry_count, n, vocab, idf):  # pragma: no cover - compiled
    col = np.searchsorted(vocab, entry_term)
    tf = entry_count * idf[col]
    sq = np.zeros(n)
    mass = np.zeros(n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(col.shape[0]):
        r = entry_row[e]
        sq[r] += tf[e] * tf[e]
        mass[r] += idf[col[e]]
        ptr[r + 1] += 1
    for r in range(n):
        ptr[r + 1] += ptr[r]
    norms = np.sqrt(sq)
    for r in range(n):
        if norms[r] == 0.0:
            norms[r] = 1.0
    weight = np.empty(col.shape[0])
    for e in range(col.shape[0]):
        weight[e] = tf[e] / norms[entry_row[e]]
    return col, weight, ptr, mass


def weigh(s: Sentences, vocab: np.ndarray, idf: np.ndarray) -> Weighted:
    """One text's sentences over a pair's vocabulary, weighted by the pair's tf-isf, each sentence L2-normalised."""
    col, weight, ptr, mass = _weigh(s.entry_row, s.entry_term, s.entry_count, s.chars.shape[0], vocab, idf)
    return Weighted(s.chars, s.entry_row, col, s.entry_count, weight, ptr, mass)


def weigh_pair(sa: Sentences, sb: Sentences) -> tuple[Weighted, Weighted, np.ndarray]:
    """Both texts over their joint vocabulary, weighted by the pair's tf-isf."""
    vocab, idf = pair_idf(sa, sb)
    return weigh(sa, vocab, idf), weigh(sb, vocab, idf), idf


_NONE = np.zeros((0, 2), dtype=np.int64)

#: Work allowed for candidate generation: this many (sentence, sentence) pairs
#: per sentence of the pair, and at least CANDIDATE_FLOOR.  Terms are taken
#: rarest first until the budget is spent; below it (every pair of news or PAN
#: size) the candidates are exactly the pairs that can pass the thresholds.
CANDIDATE_BUDGET = 32
CANDIDATE_FLOOR = 100_000


@numba.njit(cache=True, nogil=True)
def _candidates(a_row, a_col, a_weight, a_ptr, a_mass, b_col, b_weight, b_ptr, b_mass, rank, idf, cosine,
                dice_min, budget):  # pragma: no cover - compiled
    """The sentence pairs of ``a`` and ``b`` passing both thresholds, with their cosine (see
    ``candidates``): prefix filter, budget, inverted index, bounds, exact scores."""
    width = idf.shape[0]
    n_a = a_ptr.shape[0] - 1
    n_b = b_ptr.shape[0] - 1
    k = a_row.shape[0]
    # which entries of a a candidate pair must share a term with (prefix filtering):
    # each sentence's terms in order from the most common; the longest prefix whose
    # weight alone cannot reach the cosine (its norm is below it: Cauchy-Schwarz) or the
    # Dice overlap (its isf mass is below dice / (2 - dice) of the sentence's) is left
    # out, with a small margin that keeps the filter exact despite rounding
    order = np.empty(k, dtype=np.int64)
    for r in range(n_a):
        lo, hi = a_ptr[r], a_ptr[r + 1]
        order[lo:hi] = np.argsort(rank[a_col[lo:hi]]) + lo
    sq = np.empty(k)
    ms = np.empty(k)
    run_sq = 0.0
    run_ms = 0.0
    for t in range(k):
        e = order[t]
        run_sq += a_weight[e] * a_weight[e]
        run_ms += idf[a_col[e]]
        sq[t] = run_sq
        ms[t] = run_ms
    share = dice_min / (2.0 - dice_min) if dice_min < 2.0 else np.inf
    keep = np.empty(k, dtype=np.bool_)
    for t in range(k):
        e = order[t]
        r = a_row[e]
        start = a_ptr[r]
        s_t = sq[t] - (sq[start - 1] if start > 0 else 0.0)
        m_t = ms[t] - (ms[start - 1] if start > 0 else 0.0)
        common = ((s_t + 1e-7 < cosine * cosine) and cosine > 0) or (
            (m_t + 1e-7 * (1.0 + a_mass[r]) < share * a_mass[r]) and dice_min > 0)
        keep[e] = not common
    # the budget: the rarest terms first, while their lookups fit
    per_col = np.zeros(width, dtype=np.int64)
    for q in range(b_col.shape[0]):
        per_col[b_col[q]] += 1
    cost = np.zeros(width, dtype=np.int64)
    for e in range(k):
        if keep[e]:
            cost[a_col[e]] += 1
    total = 0
    for c in range(width):
        cost[c] *= per_col[c]
        total += cost[c]
    cut = -1  # the commonest terms, of rank up to cut, are left out of every lookup (the budget)
    if total > budget:
        by_rank = np.empty(width, dtype=np.int64)
        for c in range(width):
            by_rank[rank[c]] = c
        allowed = np.zeros(width, dtype=np.bool_)
        spent = 0
        for q in range(width - 1, -1, -1):
            spent += cost[by_rank[q]]
            if spent <= budget:
                allowed[by_rank[q]] = True
        for e in range(k):
            keep[e] = keep[e] and allowed[a_col[e]]
        for q in range(width):
            if not allowed[by_rank[q]]:
                cut = q
    # the most the terms left out of the lookup can add to a pair's cosine and shared mass
    # (the norm of a sentence's left-out part, or its weights times the largest weight in b)
    top_b = np.zeros(width)
    for q in range(b_col.shape[0]):
        top_b[b_col[q]] = max(top_b[b_col[q]], b_weight[q])
    left_sq = np.zeros(n_a)
    left_top = np.zeros(n_a)
    left_mass = np.zeros(n_a)
    for e in range(k):
        if not keep[e]:
            r = a_row[e]
            left_sq[r] += a_weight[e] * a_weight[e]
            left_top[r] += a_weight[e] * top_b[a_col[e]]
            left_mass[r] += idf[a_col[e]]
    left_len = np.sqrt(left_sq)
    left_norm = np.minimum(left_len, left_top)
    # a sentence of a whose left-out terms are all of rank up to cut adds, through them, at most
    # their norm times the norm of a b sentence's terms of those ranks (and at most their mass)
    low = np.ones(n_a, dtype=np.bool_)
    for e in range(k):
        if not keep[e] and rank[a_col[e]] > cut:
            low[a_row[e]] = False
    b_low_len = np.zeros(n_b)
    b_low_mass = np.zeros(n_b)
    if cut >= 0:
        for j in range(n_b):
            for q in range(b_ptr[j], b_ptr[j + 1]):
                if rank[b_col[q]] <= cut:
                    b_low_len[j] += b_weight[q] * b_weight[q]
                    b_low_mass[j] += idf[b_col[q]]
            b_low_len[j] = np.sqrt(b_low_len[j])
    # b's inverted index: for each term, the entries holding it, in sentence order
    t_ptr = np.zeros(width + 1, dtype=np.int64)
    for c in range(width):
        t_ptr[c + 1] = t_ptr[c] + per_col[c]
    fill = t_ptr[:-1].copy()
    # (each term's sentences and weights side by side: a lookup reads them in sequence)
    t_row = np.empty(b_col.shape[0], dtype=np.int64)
    t_weight = np.empty(b_col.shape[0])
    for j in range(n_b):
        for q in range(b_ptr[j], b_ptr[j + 1]):
            u = fill[b_col[q]]
            t_row[u] = j
            t_weight[u] = b_weight[q]
            fill[b_col[q]] += 1
    # row by row (Gustavson's sparse product): each pair's score on the looked-up terms,
    # summed in the order of a's entries; the pairs the bounds cannot rule out scored exactly
    acc_w = np.zeros(n_b)
    acc_m = np.zeros(n_b)
    seen = np.full(n_b, -1, dtype=np.int64)
    touched = np.empty(n_b, dtype=np.int64)
    size = 1024
    out_i = np.empty(size, dtype=np.int64)
    out_j = np.empty(size, dtype=np.int64)
    out_c = np.empty(size)
    n = 0
    # row i of a spread over the vocabulary, for the exact scores: b's entries of a
    # candidate are looked up in it (both in term order, so the sums keep their order)
    mark = np.full(width, -1, dtype=np.int64)
    row_w = np.zeros(width)
    for i in range(n_a):
        for e in range(a_ptr[i], a_ptr[i + 1]):
            mark[a_col[e]] = i
            row_w[a_col[e]] = a_weight[e]
        nt = 0
        for e in range(a_ptr[i], a_ptr[i + 1]):
            if not keep[e]:
                continue
            c = a_col[e]
            for u in range(t_ptr[c], t_ptr[c + 1]):
                j = t_row[u]
                if seen[j] != i:
                    seen[j] = i
                    touched[nt] = j
                    nt += 1
                    acc_w[j] = 0.0
                    acc_m[j] = 0.0
                acc_w[j] += a_weight[e] * t_weight[u]
                acc_m[j] += idf[c]
        for j in np.sort(touched[:nt]):
            add_w, add_m = left_norm[i], left_mass[i]
            if cut >= 0 and low[i]:
                add_w = min(add_w, left_len[i] * b_low_len[j] * (1.0 + 1e-9))
                add_m = min(add_m, b_low_mass[j] * (1.0 + 1e-9))
            bound_mass = 2 * (acc_m[j] + add_m) + 1e-9 * (1.0 + a_mass[i] + b_mass[j])
            if not (acc_w[j] + add_w + 1e-9 >= cosine and bound_mass >= dice_min * (a_mass[i] + b_mass[j])):
                continue
            cos = 0.0
            shared = 0.0
            for q in range(b_ptr[j], b_ptr[j + 1]):
                c = b_col[q]
                if mark[c] == i:
                    cos += row_w[c] * b_weight[q]
                    shared += idf[c]
            dice = 2 * shared / max(a_mass[i] + b_mass[j], 1e-12)
            if cos >= cosine and dice >= dice_min:
                if n == size:
                    size *= 2
                    out_i = np.concatenate((out_i, np.empty(size - n, dtype=np.int64)))
                    out_j = np.concatenate((out_j, np.empty(size - n, dtype=np.int64)))
                    out_c = np.concatenate((out_c, np.empty(size - n)))
                out_i[n], out_j[n], out_c[n] = i, j, cos
                n += 1
    return out_i[:n], out_j[:n], out_c[:n]


def candidates(a: Weighted, b: Weighted, idf: np.ndarray, cosine: float = DEFAULT_ALIGN_COSINE,
               dice_min: float = DEFAULT_ALIGN_DICE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence pairs ``(i, j)`` that pass both thresholds, with their cosine, sorted.

    The rarer terms of each sentence of ``a`` (prefix filtering: a pair that
    shares none of them cannot pass) are looked up in an inverted index of
    ``b``, rarest terms first within a budget linear in the pair's sentences;
    below it (every pair of news or PAN size) the candidates are exactly the
    pairs that pass.  The lookups give each pair its score on those terms; with
    the most the terms left out can add (their norm, their isf mass) they drop
    the pairs that cannot pass, and the rest are scored exactly.  One compiled
    pass (``_candidates``): memory in the pair's entries and candidates.
    """
    width = idf.shape[0]
    if a.n == 0 or b.n == 0 or width == 0:
        return _EMPTY, _EMPTY, np.zeros(0)
    rank = np.empty(width, dtype=np.int64)
    rank[np.lexsort((np.arange(width), idf))] = np.arange(width)  # most common first
    budget = max(CANDIDATE_FLOOR, CANDIDATE_BUDGET * (a.n + b.n))
    return _candidates(a.row, a.col, a.weight, a.ptr, a.mass, b.col, b.weight, b.ptr, b.mass, rank, idf,
                       float(cosine), float(dice_min), budget)


@numba.njit(cache=True, nogil=True)
def _cuts(perm, lo, hi, key, gap, out_lo, out_hi, n_out):  # pragma: no cover - compiled
    """Sort ``perm[lo:hi]`` by ``key`` and append its pieces between gaps wider than ``gap``."""
    sub = perm[lo:hi]
    order = np.argsort(key[sub], kind="mergesort")
    perm[lo:hi] = sub[order]
    start = lo
    for k in range(lo + 1, hi):
        if key[perm[k]] - key[perm[k - 1]] > gap:
            out_lo[n_out], out_hi[n_out] = start, k
            n_out += 1
            start = k
    out_lo[n_out], out_hi[n_out] = start, hi
    return n_out + 1


@numba.njit(cache=True, nogil=True)
def _groups(pi, pj, gap_a, gap_b, ordered, backstep):  # pragma: no cover - compiled
    """Label each seed ``(pi[k], pj[k])`` with its group: seeds that are close on both
    sides (split alternately until stable), and in the same order on both sides when
    ``ordered``.  A group is cut wherever its seeds leave a gap of more than ``gap_a``
    sentences in the first text (or ``gap_b`` in the second); each piece is cut again on
    the other text, until neither cuts it.  When ``ordered``, a group is also cut where,
    in the order of the first text, the second text steps back more than ``backstep``
    sentences: reordered paragraphs are separate passages.  Groups are numbered by their
    first sentence in the first text, then in the second."""
    n = pi.shape[0]
    perm = np.arange(n)
    lex = pi * (pj.max() + 1) + pj
    # the stack: disjoint, non-empty slices of perm with the axis to split first (at most n)
    st_lo = np.empty(n + 1, dtype=np.int64)
    st_hi = np.empty(n + 1, dtype=np.int64)
    st_ax = np.empty(n + 1, dtype=np.int64)
    p_lo = np.empty(n + 1, dtype=np.int64)
    p_hi = np.empty(n + 1, dtype=np.int64)
    q_lo = np.empty(n + 1, dtype=np.int64)
    q_hi = np.empty(n + 1, dtype=np.int64)
    label = np.empty(n, dtype=np.int64)
    st_lo[0], st_hi[0], st_ax[0] = 0, n, 0
    top = 1
    groups = 0
    while top:
        top -= 1
        lo, hi, ax = st_lo[top], st_hi[top], st_ax[top]
        parts = _cuts(perm, lo, hi, pi if ax == 0 else pj, gap_a if ax == 0 else gap_b, p_lo, p_hi, 0)
        if parts > 1:
            for k in range(parts):
                st_lo[top], st_hi[top], st_ax[top] = p_lo[k], p_hi[k], 1 - ax
                top += 1
            continue
        other = _cuts(perm, lo, hi, pj if ax == 0 else pi, gap_b if ax == 0 else gap_a, q_lo, q_hi, 0)
        if other > 1:
            for k in range(other):
                st_lo[top], st_hi[top], st_ax[top] = q_lo[k], q_hi[k], ax
                top += 1
            continue
        runs = 1
        if ordered:
            sub = perm[lo:hi]
            perm[lo:hi] = sub[np.argsort(lex[sub], kind="mergesort")]
            start = lo
            runs = 0
            for k in range(lo + 1, hi):
                x, y = perm[k - 1], perm[k]
                if pi[y] > pi[x] and pj[y] < pj[x] - backstep:
                    q_lo[runs], q_hi[runs] = start, k
                    runs += 1
                    start = k
            q_lo[runs], q_hi[runs] = start, hi
            runs += 1
        if runs > 1:
            for k in range(runs):
                st_lo[top], st_hi[top], st_ax[top] = q_lo[k], q_hi[k], 0
                top += 1
            continue
        for k in range(lo, hi):
            label[perm[k]] = groups
        groups += 1
    # number the groups by (first sentence of a, first of b): unique, as groups are cut apart
    first_a = np.full(groups, pi.max() + 1)
    first_b = np.full(groups, pj.max() + 1)
    for k in range(n):
        first_a[label[k]] = min(first_a[label[k]], pi[k])
        first_b[label[k]] = min(first_b[label[k]], pj[k])
    rank = np.empty(groups, dtype=np.int64)
    rank[np.argsort(first_a * (pj.max() + 2) + first_b, kind="mergesort")] = np.arange(groups)
    for k in range(n):
        label[k] = rank[label[k]]
    return label, groups


@numba.njit(cache=True, nogil=True)
def _side(ptr, col, count, idf, r0, r1):  # pragma: no cover - compiled
    """The summed tf-isf vector of sentences ``r0..r1``: its columns (sorted) and values."""
    cols = col[ptr[r0]:ptr[r1 + 1]]
    counts = count[ptr[r0]:ptr[r1 + 1]]
    order = np.argsort(cols, kind="mergesort")
    out_c = np.empty(cols.size, dtype=np.int64)
    out_v = np.zeros(cols.size)
    m = -1
    for k in order:
        if m < 0 or cols[k] != out_c[m]:
            m += 1
            out_c[m] = cols[k]
        out_v[m] += counts[k]
    m += 1
    out_c, out_v = out_c[:m], out_v[:m]
    return out_c, out_v * idf[out_c]


@numba.njit(cache=True, nogil=True)
def _cosine(a_ptr, a_col, a_count, b_ptr, b_col, b_count, idf, a0, a1, b0, b1):  # pragma: no cover - compiled
    ca, va = _side(a_ptr, a_col, a_count, idf, a0, a1)
    cb, vb = _side(b_ptr, b_col, b_count, idf, b0, b1)
    na, nb = np.sqrt(np.dot(va, va)), np.sqrt(np.dot(vb, vb))
    if na == 0.0 or nb == 0.0:
        return 0.0
    # the columns both sides hold, in order
    xa = np.empty(min(ca.size, cb.size))
    xb = np.empty(xa.size)
    i = j = m = 0
    while i < ca.size and j < cb.size:
        if ca[i] == cb[j]:
            xa[m], xb[m] = va[i], vb[j]
            m += 1
            i += 1
            j += 1
        elif ca[i] < cb[j]:
            i += 1
        else:
            j += 1
    return np.dot(xa[:m], xb[:m]) / (na * nb)


@numba.njit(cache=True, nogil=True)
def _fragments_of(pi, pj, gap_a, gap_b, ordered, backstep, validate, a_ptr, a_col, a_count, b_ptr, b_col, b_count,
                  idf):  # pragma: no cover - compiled
    """The passages of the seeds ``(pi[k], pj[k])`` (see ``_fragments``), as arrays of their
    first and last sentences on both sides and their cosine."""
    width = pj.max() + 1
    height = pi.max() + 1
    # the work: groups of seeds (as indices, in the order of a, then b) with the gaps to read them at
    items = [np.argsort(pi * width + pj, kind="mergesort")]
    gaps = [(gap_a, gap_b)]
    # each passage holds seeds of its own (a group that fails is cut into smaller ones): at most n
    n = pi.shape[0]
    out = np.empty((n, 4), dtype=np.int64)
    out_sim = np.empty(n)
    m = 0
    while items:
        idx = items.pop()
        ga, gb = gaps.pop()
        label, count = _groups(pi[idx], pj[idx], ga, gb, ordered, backstep)
        members = idx[np.argsort(label * height * width + pi[idx] * width + pj[idx], kind="mergesort")]
        sizes = np.bincount(label, minlength=count)
        start = 0
        for g in range(count):
            group = members[start : start + sizes[g]]
            start += sizes[g]
            a0, a1 = pi[group].min(), pi[group].max()
            b0, b1 = pj[group].min(), pj[group].max()
            sim = _cosine(a_ptr, a_col, a_count, b_ptr, b_col, b_count, idf, a0, a1, b0, b1)
            if sim >= validate:
                out[m, 0], out[m, 1], out[m, 2], out[m, 3] = a0, a1, b0, b1
                out_sim[m] = sim
                m += 1
            elif max(ga, gb) > 0 and group.shape[0] > 1:
                items.append(group)
                gaps.append((max(ga - 1, 0), max(gb - 1, 0)))
    return out[:m], out_sim[:m]


@numba.njit(cache=True, nogil=True)
def _grown(li, lj, a0, a1, b0, b1, grow, ordered):  # pragma: no cover - compiled
    """The box ``a0..a1`` x ``b0..b1`` widened by the pairs ``(li[k], lj[k])`` within ``grow``
    sentences of it, until none widens it (see ``_grow``)."""
    while True:
        n0, n1, m0, m1 = a0, a1, b0, b1
        for k in range(li.shape[0]):
            i, j = li[k], lj[k]
            if not (a0 - grow <= i <= a1 + grow and b0 - grow <= j <= b1 + grow):
                continue
            if ordered and not ((i < a0 and j < b0) or (i > a1 and j > b1)
                                or (a0 <= i <= a1 and b0 <= j <= b1)):
                continue
            n0, n1, m0, m1 = min(n0, i), max(n1, i), min(m0, j), max(m1, j)
        if (n0, n1, m0, m1) == (a0, a1, b0, b1):
            return a0, a1, b0, b1
        a0, a1, b0, b1 = n0, n1, m0, m1


@numba.njit(cache=True, nogil=True)
def _seeds(i, j, c, n_a, n_b, best_share):  # pragma: no cover - compiled
    """Seeds and looser pairs of the candidate pairs ``(i[k], j[k])`` of cosine ``c[k]``,
    each sorted by its first sentence, then its second: a seed is the best match of both
    its sentences (within ``best_share``), a looser pair the best match of one."""
    best_i = np.zeros(n_a)
    best_j = np.zeros(n_b)
    for k in range(i.shape[0]):
        best_i[i[k]] = max(best_i[i[k]], c[k])
        best_j[j[k]] = max(best_j[j[k]], c[k])
    strict = np.empty((i.shape[0], 2), dtype=np.int64)
    loose = np.empty((i.shape[0], 2), dtype=np.int64)
    ns = nl = 0
    for k in _lex(i, j):
        row_best = c[k] >= best_share * best_i[i[k]]
        col_best = c[k] >= best_share * best_j[j[k]]
        if row_best and col_best:
            strict[ns, 0], strict[ns, 1] = i[k], j[k]
            ns += 1
        if row_best or col_best:
            loose[nl, 0], loose[nl, 1] = i[k], j[k]
            nl += 1
    return strict[:ns], loose[:nl]


@numba.njit(cache=True, nogil=True)
def _lex(x, y):  # pragma: no cover - compiled
    """The order of the pairs ``(x[k], y[k])`` sorted by x, then y (stable)."""
    order = np.argsort(y, kind="mergesort")
    return order[np.argsort(x[order], kind="mergesort")]


@numba.njit(cache=True, nogil=True)
def _union(p, q):  # pragma: no cover - compiled
    """The distinct rows of ``p`` and ``q`` (sentence pairs), sorted."""
    both = np.concatenate((p, q))
    order = _lex(both[:, 0], both[:, 1])
    out = np.empty_like(both)
    n = 0
    for k in order:
        if n == 0 or both[k, 0] != out[n - 1, 0] or both[k, 1] != out[n - 1, 1]:
            out[n] = both[k]
            n += 1
    return out[:n]


@numba.njit(cache=True, nogil=True)
def _resolve(box, sim):  # pragma: no cover - compiled
    """Of passages (rows ``a0, a1, b0, b1`` of first and last sentences, cosine ``sim``)
    overlapping on either text, keep the more similar, then the longer on the first text,
    then the first by its sentences; the kept ones sorted by their sentences."""
    m = box.shape[0]
    order = np.arange(m)
    for col in range(3, -1, -1):
        order = order[np.argsort(box[order, col], kind="mergesort")]
    order = order[np.argsort(box[order, 0] - box[order, 1], kind="mergesort")]
    order = order[np.argsort(-sim[order], kind="mergesort")]
    kept = np.empty(m, dtype=np.int64)
    n = 0
    for t in order:
        free = True
        for u in range(n):
            k = kept[u]
            if not ((box[t, 1] < box[k, 0] or box[t, 0] > box[k, 1]) and (box[t, 3] < box[k, 2] or box[t, 2] > box[k, 3])):
                free = False
                break
        if free:
            kept[n] = t
            n += 1
    kept = kept[:n]
    for col in range(3, -1, -1):
        kept = kept[np.argsort(box[kept, col], kind="mergesort")]
    return box[kept], sim[kept]


@numba.njit(cache=True, nogil=True)
def _summaries(pi, pj, gap, a_chars, a_ptr, a_col, a_count, b_chars, b_ptr, b_col, b_count, idf,
               params):  # pragma: no cover - compiled
    """Passages where ``a`` summarises ``b``: the seeds read with a wide gap on ``b``
    (``params``' SUMMARY_GAP), kept where summary-shaped: the source side several times
    longer than the first (SUMMARY_RATIO) and most first-side sentences seeded (at least
    SUMMARY_SEEDS, and SUMMARY_SEEDED of them).  A summary of most of ``b`` (SUMMARY_WHOLE
    of its sentences) summarises all of it."""
    backstep, validate, summary_gap, ratio, min_seeded, seeded_share, whole = (
        params[0], params[1], params[2], params[3], params[4], params[5], params[6])
    box, sim = _fragments_of(pi, pj, gap, int(summary_gap), False, int(backstep), validate, a_ptr, a_col, a_count,
                             b_ptr, b_col, b_count, idf)
    box, sim = _resolve(box, sim)
    n_b = b_chars.shape[0]
    keep = np.zeros(box.shape[0], dtype=np.bool_)
    for k in range(box.shape[0]):
        a0, a1, b0, b1 = box[k, 0], box[k, 1], box[k, 2], box[k, 3]
        if b_chars[b1, 1] - b_chars[b0, 0] < ratio * (a_chars[a1, 1] - a_chars[a0, 0]):
            continue
        inside = np.empty(pi.shape[0], dtype=np.int64)
        n = 0
        for q in range(pi.shape[0]):
            if a0 <= pi[q] <= a1 and b0 <= pj[q] <= b1:
                inside[n] = pi[q]
                n += 1
        seeded = np.unique(inside[:n]).shape[0]
        if seeded >= min_seeded and seeded >= seeded_share * (a1 - a0 + 1):
            keep[k] = True
            if b1 - b0 + 1 >= whole * n_b:
                box[k, 2], box[k, 3] = 0, n_b - 1
    return box[keep], sim[keep]


@numba.njit(cache=True, nogil=True)
def _passages(pi, pj, li, lj, a_chars, a_ptr, a_col, a_count, b_chars, b_ptr, b_col, b_count, idf, exact, gap,
              ordered, both_ways, min_chars, params):  # pragma: no cover - compiled
    """The passages of the seeds ``(pi, pj)`` as character spans (rows ``a0, a1, b0, b1``),
    widened by the looser pairs ``(li, lj)`` and snapped to the verbatim passages
    ``exact`` (rows of character spans); see ``align_pair``."""
    backstep, validate = int(params[0]), params[1]
    min_seeded, grow, grow_keep, snap_share, min_seeds = params[4], int(params[7]), params[8], params[9], params[10]
    box, sim = _fragments_of(pi, pj, gap, gap, ordered, backstep, validate, a_ptr, a_col, a_count,
                             b_ptr, b_col, b_count, idf)
    box, sim = _resolve(box, sim)
    summaries = np.empty((0, 4), dtype=np.int64)
    summary_sim = np.empty(0)
    if np.unique(pi).shape[0] >= min_seeded:
        summaries, summary_sim = _summaries(pi, pj, gap, a_chars, a_ptr, a_col, a_count, b_chars, b_ptr, b_col,
                                            b_count, idf, params)
    if both_ways and np.unique(pj).shape[0] >= min_seeded:
        flipped, flipped_sim = _summaries(pj, pi, gap, b_chars, b_ptr, b_col, b_count, a_chars, a_ptr, a_col,
                                          a_count, idf, params)
        summaries = np.concatenate((summaries, flipped[:, np.array([2, 3, 0, 1])]))
        summary_sim = np.concatenate((summary_sim, flipped_sim))
    # a summary replaces the passages it overlaps on either text
    for s in range(summaries.shape[0]):
        f = summaries[s]
        apart = np.empty(box.shape[0], dtype=np.bool_)
        for k in range(box.shape[0]):
            apart[k] = (box[k, 1] < f[0] or box[k, 0] > f[1]) and (box[k, 3] < f[2] or box[k, 2] > f[3])
        box = np.concatenate((box[apart], summaries[s : s + 1]))
        sim = np.concatenate((sim[apart], summary_sim[s : s + 1]))
    box, sim = _resolve(box, sim)
    # each widened by similar pairs just beyond its ends (edits blur them) while it stays similar
    for k in range(box.shape[0]):
        a0, a1, b0, b1 = _grown(li, lj, box[k, 0], box[k, 1], box[k, 2], box[k, 3], grow, ordered)
        if a0 == box[k, 0] and a1 == box[k, 1] and b0 == box[k, 2] and b1 == box[k, 3]:
            continue
        wide = _cosine(a_ptr, a_col, a_count, b_ptr, b_col, b_count, idf, a0, a1, b0, b1)
        if wide >= grow_keep * sim[k]:
            box[k, 0], box[k, 1], box[k, 2], box[k, 3] = a0, a1, b0, b1
            sim[k] = wide
    box, sim = _resolve(box, sim)
    out = np.empty((box.shape[0], 4), dtype=np.int64)
    n = 0
    for k in range(box.shape[0]):
        inside = 0
        for q in range(pi.shape[0]):
            inside += box[k, 0] <= pi[q] <= box[k, 1] and box[k, 2] <= pj[q] <= box[k, 3]
        if inside < min_seeds:
            continue
        ca0, ca1 = a_chars[box[k, 0], 0], a_chars[box[k, 1], 1]
        cb0, cb1 = b_chars[box[k, 2], 0], b_chars[box[k, 3], 1]
        # a passage mostly made of verbatim text ends where the verbatim text ends
        covered = 0
        hits = 0
        ea0, ea1, eb0, eb1 = ca1, ca0, cb1, cb0
        for e in range(exact.shape[0]):
            if exact[e, 0] < ca1 and exact[e, 1] > ca0 and exact[e, 2] < cb1 and exact[e, 3] > cb0:
                covered += min(exact[e, 1], ca1) - max(exact[e, 0], ca0)
                hits += 1
                ea0, ea1 = min(ea0, exact[e, 0]), max(ea1, exact[e, 1])
                eb0, eb1 = min(eb0, exact[e, 2]), max(eb1, exact[e, 3])
        if hits and covered >= snap_share * (ca1 - ca0):
            ca0, ca1, cb0, cb1 = ea0, ea1, eb0, eb1
        if ca1 - ca0 >= min_chars and cb1 - cb0 >= min_chars:
            out[n, 0], out[n, 1], out[n, 2], out[n, 3] = ca0, ca1, cb0, cb1
            n += 1
    return out[:n]


#: The constants of ``_passages`` and ``_summaries``, in the order they read them
#: (passed, not read as globals, so that a changed constant is never a stale compiled one).
_PARAMS = np.array([BACKSTEP, VALIDATE_COSINE, SUMMARY_GAP, SUMMARY_RATIO, SUMMARY_SEEDS, SUMMARY_SEEDED,
                    SUMMARY_WHOLE, GROW, GROW_KEEP, SNAP_SHARE, MIN_SEEDS], dtype=np.float64)


def seeds(a: Weighted, b: Weighted, idf: np.ndarray, cosine: float = DEFAULT_ALIGN_COSINE,
          dice_min: float = DEFAULT_ALIGN_DICE) -> tuple[np.ndarray, np.ndarray]:
    """Sentence pairs ``(i, j)`` that seed a passage, and looser pairs that may widen one, sorted.

    Seeds are similar pairs that are each other's best match; the looser
    pairs are similar pairs that are the best match of one of their sentences.
    """
    i, j, c = candidates(a, b, idf, cosine, dice_min)
    if i.size == 0:
        return _NONE, _NONE
    strict, loose = _seeds(i, j, c, a.n, b.n, BEST_SHARE)
    return strict, loose


def align_pair(sa: Sentences, sb: Sentences, extra: np.ndarray | None = None,
               exact: Sequence[Detection] = (), *, cosine: float = DEFAULT_ALIGN_COSINE,
               dice: float = DEFAULT_ALIGN_DICE, gap: int = DEFAULT_ALIGN_GAP,
               min_chars: int = DEFAULT_ALIGN_MIN_CHARS, both_ways: bool = False) -> list[Detection]:
    """The passages ``a`` and ``b`` share, as character spans.

    ``extra`` are more seeds (sentence pairs), ``exact`` the verbatim passages
    the suffix array found for this pair: a passage mostly made of them is
    cut to their extent.  Summaries are looked for where ``a`` summarises
    ``b`` (the suspicious text of PAN), and also the other way round when
    ``both_ways`` (an audit, where either text may be the summary).  In an
    audit a passage also keeps its order (a moved paragraph is a passage of its
    own); PAN's random obfuscation reorders sentences, so its pairs do not.
    After the seeds, one compiled pass (``_passages``): passages found, the
    overlapping ones resolved, summaries, widening, snapping.
    """
    a, b, idf = weigh_pair(sa, sb)
    points, loose = seeds(a, b, idf, cosine, dice)
    if extra is not None and extra.size:
        points = _union(points, np.asarray(extra, dtype=np.int64).reshape(-1, 2))
    if points.shape[0] < MIN_SEEDS:
        return []  # a passage needs MIN_SEEDS seeds
    spans = np.asarray(exact, dtype=np.int64).reshape(-1, 4)
    rows = _passages(points[:, 0].copy(), points[:, 1].copy(), loose[:, 0].copy(), loose[:, 1].copy(),
                     a.chars, a.ptr, a.col, a.count, b.chars, b.ptr, b.col, b.count, idf, spans, int(gap),
                     both_ways, both_ways, int(min_chars), _PARAMS)
    return [((w, x), (y, z)) for w, x, y, z in rows.tolist()]


@numba.njit(cache=True, nogil=True)
def _diagonals(runs, a_starts, b_starts):  # pragma: no cover - compiled
    """For each run (rows of character spans on both sides), one sentence pair per sentence
    of its longer side, stepping through both sides evenly."""
    ia0 = np.searchsorted(a_starts, runs[:, 0], side="right") - 1
    ia1 = np.searchsorted(a_starts, runs[:, 1] - 1, side="right") - 1
    ib0 = np.searchsorted(b_starts, runs[:, 2], side="right") - 1
    ib1 = np.searchsorted(b_starts, runs[:, 3] - 1, side="right") - 1
    na, nb = ia1 - ia0 + 1, ib1 - ib0 + 1
    steps = np.maximum(na, nb)
    out = np.empty((steps.sum(), 2), dtype=np.int64)
    n = 0
    for r in range(runs.shape[0]):
        for k in range(steps[r]):
            out[n, 0] = ia0[r] + k * na[r] // steps[r]
            out[n, 1] = ib0[r] + k * nb[r] // steps[r]
            n += 1
    return out


def _run_chars(ev: PairEvidence, a_is_first: bool) -> np.ndarray:
    """The exact runs of a pair as rows of character spans, the first text's first."""
    runs = np.frombuffer(b"".join([p.packed_run_chars for p in ev.passages]), dtype="<i4").reshape(-1, 4).astype(np.int64)
    return np.ascontiguousarray(runs if a_is_first else runs[:, [2, 3, 0, 1]])


def _points_along(runs: np.ndarray, sa: Sentences, sb: Sentences) -> np.ndarray:
    """Sentence pairs along the exact runs ``runs`` (``_run_chars``), as extra seeds: for
    each run, one pair per sentence of its longer side, stepping through both sides evenly."""
    return _diagonals(runs, sa.chars[:, 0].copy(), sb.chars[:, 0].copy())


def _exact_of(ev: PairEvidence | None, a_first: bool) -> list[Detection]:
    if ev is None:
        return []
    return [(p.a_chars, p.b_chars) if a_first else (p.b_chars, p.a_chars) for p in ev.passages]


# An aligning process's state: the sentences file it has mapped (``_mapped``).
_STATE: dict[str, object] = {}


#: One pair to align: the positions of its two documents, and the exact runs
#: (``_run_chars``, None where the suffix array found none) and passages
#: (``_exact_of``) of the pair, the first text's first.
_Work = tuple[int, int, "np.ndarray | None", list[Detection]]


def _work(found: dict[tuple[int, int], PairEvidence], todo: Sequence[tuple[int, int]]) -> list[_Work]:
    """The pairs ``todo`` with what the aligner reads of their evidence."""
    out: list[_Work] = []
    for i, j in todo:
        ev = found.get((min(i, j), max(i, j)))
        a_first = i < j
        out.append((i, j, _run_chars(ev, a_first) if ev is not None else None, _exact_of(ev, a_first)))
    return out


def _align_chunk(of: Callable[[int], Sentences], chunk: Sequence[_Work], options: dict[str, float]) -> list[list[Detection]]:
    out = []
    for i, j, runs, exact in chunk:
        si, sj = of(i), of(j)
        extra = _points_along(runs, si, sj) if runs is not None else None
        out.append(sorted(align_pair(si, sj, extra, exact, **options)))  # type: ignore[arg-type]
    return out


def _align_mapped(path: str, chunk: Sequence[_Work], options: dict[str, float]) -> list[list[Detection]]:
    """``_align_chunk`` in an aligning process, the sentences read from the file at ``path``."""
    return _align_chunk(_mapped(path), chunk, options)


def _cut_part(part: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> list[Sentences]:
    return [_cut(*doc) for doc in part]


# The sentences file: each document's fields one after the other, eight bytes an element
# (entry_count's float64 bits among the int64s), then the table of where each document's
# are (element offset, sentences, tokens, entries, terms; -1 where absent), then the
# table's offset.
_FIELDS = ("chars", "rows", "terms", "entry_row", "entry_term", "entry_count", "vocab", "vocab_sf")


def _write_sentences(cut: Iterator[tuple[int, Sentences]], n_docs: int, path: str) -> None:
    """Write the documents' sentences ``cut`` (position, sentences) to ``path``."""
    table = np.full((n_docs, 5), -1, dtype=np.int64)
    at = 0
    with open(path, "wb") as f:
        for k, s in cut:
            table[k] = (at, s.chars.shape[0], s.rows.size, s.entry_row.size, s.vocab.size)
            for name in _FIELDS:
                x = np.ascontiguousarray(getattr(s, name), dtype=np.float64 if name == "entry_count" else np.int64)
                f.write(x.tobytes())
                at += x.size
        f.write(table.tobytes())
        f.write(np.int64(at).tobytes())


def _mapped(path: str) -> Callable[[int], Sentences]:
    """The sentences of each document in the file at ``path``, mapped once per process:
    its pages are shared by every process that maps it, never copied."""
    if _STATE.get("path") != path:
        import mmap

        with open(path, "rb") as f:
            # a private mapping, so that the arrays are writable (the kernels' types); nothing writes them
            base = np.frombuffer(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY), dtype=np.int64)
        start = int(base[-1])
        table = base[start:-1].reshape(-1, 5)
        views: dict[int, Sentences] = {}

        def of(k: int) -> Sentences:
            if k not in views:
                at, n, m, e, v = (int(x) for x in table[k])
                parts = []
                for size in (2 * n, m, m, e, e, e, v, v):
                    parts.append(base[at : at + size])
                    at += size
                parts[0] = parts[0].reshape(n, 2)
                parts[5] = parts[5].view(np.float64)
                views[k] = Sentences(*parts)
            return views[k]

        _STATE.clear()
        _STATE.update(path=path, sentences=of)
    return _STATE["sentences"]  # type: ignore[return-value]


def _start() -> None:
    """An aligning process's start (it loads this module to run it): BLAS held to one
    thread, since the matrices are small and BLAS threads would only fight over the cores."""
    threadpool_limits(limits=1)


def _ready() -> None:
    """A task that makes the aligning processes start now (loky starts them at the first)."""


#: Pairs aligned a task: with no more than this many, one process aligns them.
CHUNK_PAIRS = 64


def prepare(jobs: int, n_docs: int) -> Executor | None:
    """The aligning processes of an audit of ``n_docs`` documents on ``jobs > 1``
    processes, started now, so that they load the aligner while the audit goes on with
    the stages before alignment (pass them to ``enrich``; ``release`` them where they
    are not); None where one process will align the pairs.

    They are new interpreters (loky), not forks of the audit: a forked process shares
    the audit's memory pages until either writes to one, and the audit writes all the
    while (it builds each pair's enriched evidence as its detections arrive), so each
    page written would be held twice.  Nor do they run the caller's main module again,
    as processes of multiprocessing's spawn and forkserver methods would."""
    if jobs <= 1 or n_docs * (n_docs - 1) // 2 <= CHUNK_PAIRS:
        return None
    import loky

    # loky restarts a process whose resident size grew 300 MB since its first task, taking it for a
    # leak; an aligning process's grows by the pages of the sentences file it reads, shared, not leaked
    pool = loky.ProcessPoolExecutor(max_workers=jobs, initializer=_start,
                                    env={"LOKY_MAX_MEMORY_LEAK_SIZE": str(2**62)})
    for _ in range(jobs):
        pool.submit(_ready)
    return pool


def release(workers: Executor) -> None:
    """Stop aligning processes (``prepare``) at once, busy loading or idle."""
    workers.shutdown(wait=False, kill_workers=True)  # type: ignore[call-arg]


def _options(settings: Settings, both_ways: bool) -> dict[str, float]:
    return {"cosine": settings.align_cosine, "dice": settings.align_dice, "gap": settings.align_gap,
            "min_chars": settings.align_min_chars, "both_ways": both_ways}


def _run(docs: Sequence[Document], streams: Sequence[TokenStream], found: dict[tuple[int, int], PairEvidence],
         todo: Sequence[tuple[int, int]], settings: Settings, jobs: int, progress: Progress,
         both_ways: bool = False) -> list[list[Detection]]:
    """Align the pairs ``todo`` (positions in ``docs``), in order, on ``jobs`` processes."""
    return list(_aligned(docs, streams, found, todo, settings, jobs, progress, both_ways))


def _aligned(docs: Sequence[Document], streams: Sequence[TokenStream], found: dict[tuple[int, int], PairEvidence],
             todo: Sequence[tuple[int, int]], settings: Settings, jobs: int, progress: Progress,
             both_ways: bool = False, workers: Executor | None = None) -> Iterator[list[Detection]]:
    """``_run``'s detections one pair at a time, in order, as the workers give them
    (the caller uses each while the workers align the next: ``enrich``); on the
    processes ``workers`` (``prepare``) if given, which it shuts down."""
    options = _options(settings, both_ways)
    work = _work(found, todo)
    chunks = [work[k : k + CHUNK_PAIRS] for k in range(0, len(work), CHUNK_PAIRS)]
    done = 0
    if jobs <= 1 or len(chunks) <= 1:
        if workers is not None:
            release(workers)
        cache: dict[int, Sentences] = {}

        def of(k: int) -> Sentences:
            if k not in cache:
                cache[k] = sentences(docs[k], streams[k])
            return cache[k]

        for chunk in chunks:
            part = _align_chunk(of, chunk, options)
            yield from part
            done += len(part)
            progress("align", done, len(todo))
        return
    import tempfile

    pool = workers or prepare(jobs, len(docs))
    assert pool is not None  # more than one chunk of pairs: more than CHUNK_PAIRS pairs of documents
    try:
        with tempfile.TemporaryDirectory(prefix="provenance-align-") as tmp:
            path = f"{tmp}/sentences"
            # each document is cut into sentences once (Punkt costs 1 to 2.5 ms a document), by
            # the processes in turn, and written to the file every aligning process maps
            needed = sorted({k for pair in todo for k in pair})
            parts = [[(docs[k].text, streams[k].spans[:, 0], streams[k].ids) for k in needed[at : at + 256]]
                     for at in range(0, len(needed), 256)]
            cut = (s for part in pool.map(_cut_part, parts) for s in part)
            _write_sentences(zip(needed, cut, strict=True), len(docs), path)
            del parts, cut
            for part in pool.map(_align_mapped, itertools.repeat(path), chunks, itertools.repeat(options)):
                yield from part
                done += len(part)
                progress("align", done, len(todo))
    finally:
        release(pool)


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


def _token_spans(stream: TokenStream, chars: np.ndarray) -> list[Span]:
    """Token spans of the character spans ``chars`` (rows start, end): the tokens they touch."""
    starts, ends = stream.spans[:, 0], stream.spans[:, 1]
    lo = np.searchsorted(ends, chars[:, 0], side="right").tolist()
    hi = np.searchsorted(starts, chars[:, 1], side="left").tolist()
    return list(zip(lo, hi))


def _enriched(ev: PairEvidence, dets: Sequence[Detection], sa: TokenStream, sb: TokenStream) -> PairEvidence:
    """``ev`` with the aligned passages added; exact passages inside one are absorbed into it."""
    if not dets:
        return ev
    # each passage kept as its character spans on a and on b, and itself (spans unpacked once)
    kept = [(*p.spans[4:], p) for p in ev.passages]
    added: list[tuple[int, int, int, int, list[Passage]]] = []
    for (x0, x1), (y0, y1) in dets:
        inside = [k for k in kept if k[0] < x1 and k[1] > x0 and k[2] < y1 and k[3] > y0]
        if any(k[0] <= x0 and k[1] >= x1 for k in inside):
            continue  # already found verbatim
        if inside:
            x0, x1 = min(x0, min(k[0] for k in inside)), max(x1, max(k[1] for k in inside))
            y0, y1 = min(y0, min(k[2] for k in inside)), max(y1, max(k[3] for k in inside))
        # by identity: ``in`` would compare passages field by field
        absorbed = {id(k) for k in inside}
        rest = [k for k in kept if id(k) not in absorbed]
        if any(k[0] < x1 and k[1] > x0 or k[2] < y1 and k[3] > y0 for k in rest) or any(
                k[0] < x1 and k[1] > x0 or k[2] < y1 and k[3] > y0 for k in added):
            continue  # crosses another passage on one side: the report shows passages that do not overlap
        kept = rest
        added.append((x0, x1, y0, y1, [k[4] for k in inside]))
    if not added:
        return ev
    chars = np.array([k[:4] for k in added], dtype=np.int64).reshape(-1, 4)
    on_a, on_b = _token_spans(sa, chars[:, 0:2]), _token_spans(sb, chars[:, 2:4])
    new = [Passage(
        a=ta, b=tb, a_chars=(x0, x1), b_chars=(y0, y1),
        runs=b"".join([p.packed_runs for p in inside]), exact=sum(p.exact for p in inside),
        run_chars=b"".join([p.packed_run_chars for p in inside]), kind="aligned",
        parts=tuple(sorted(inside, key=passages.token_order)),
    ) for ta, tb, (x0, x1, y0, y1, inside) in zip(on_a, on_b, added)]
    merged = tuple(sorted([k[4] for k in kept] + new, key=passages.token_order))
    n_a, n_b = len(sa), len(sb)
    # the pair as the suffix array found it: ``ev`` itself, unless it was aligned already
    found = ev.as_found if ev.as_found is not None else (
        ev if all(p.kind != "aligned" for p in ev.passages) else None)
    return PairEvidence(
        a=ev.a, b=ev.b, passages=merged,
        covered_a=round(passages.covered_tokens([p.a for p in merged]) / n_a, 6) if n_a else 0.0,
        covered_b=round(passages.covered_tokens([p.b for p in merged]) / n_b, 6) if n_b else 0.0,
        longest=ev.longest,
        as_found=found,
    )


def explained(ev: PairEvidence, len_a: int, len_b: int, min_chars: int) -> bool:
    """True when the pair's one exact passage leaves too little text outside it for
    alignment to add anything, so the pair need not be aligned (texts of ``len_a`` and
    ``len_b`` characters, ``a`` the first text of ``align_pair``).

    An aligned passage is at least ``min_chars`` long on both sides.  One that
    overlaps the exact passage on both sides and is at least half verbatim on
    the first text is cut to the exact passage (``_snap``), which already holds
    it (``_enriched`` then drops it); one that is not needs more than
    ``min_chars / 2`` characters of the first text outside the passage; one
    that misses it on a side needs ``min_chars`` outside it on that side.
    """
    if len(ev.passages) != 1:
        return False
    p = ev.passages[0]
    return (len_a - (p.a_chars[1] - p.a_chars[0]) <= min_chars / 2
            and len_b - (p.b_chars[1] - p.b_chars[0]) < min_chars)


def enrich(docs: Sequence[Document], streams: Sequence[TokenStream], evidence: Sequence[PairEvidence],
           settings: Settings, jobs: int = 1, progress: Progress = _quiet,
           workers: Executor | None = None) -> list[PairEvidence]:
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
                  if max(p.covered_a, p.covered_b) >= settings.align_min_coverage and min(p.covered_a, p.covered_b) < 1.0
                  and not explained(p, len(docs[k[0]].text), len(docs[k[1]].text), settings.align_min_chars))
    out = dict(found)
    # each pair's enriched evidence is made here as its detections arrive, while the workers align the next
    # (strict: the detections are checked to end with the pairs, which also closes the pool and its state)
    results = _aligned(docs, streams, found, todo, settings, jobs, progress, both_ways=True, workers=workers)
    for k, dets in zip(todo, results, strict=True):
        out[k] = _enriched(found[k], dets, streams[k[0]], streams[k[1]])
    return sorted(out.values(), key=lambda p: (p.a, p.b))


__all__ = ["align_corpus", "align_pair", "candidates", "enrich", "explained", "pair_idf", "seeds",
           "sentence_spans", "sentences"]
