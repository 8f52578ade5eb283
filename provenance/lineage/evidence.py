"""Evidence of derivation for each related pair: quotations and stock phrases,
attribution cues, relatedness (coverage, word-pair containment), direction
(dates, attribution, containment, readings of the other documents) and how
the text changed.  ``candidates`` turns it into weighted candidate edges."""


from __future__ import annotations

import array
import gc
import itertools
import math
import multiprocessing
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from typing import Any, NamedTuple

import numba
import numpy as np

from provenance.lineage.triples import PackedPairs
from provenance.model import RUN, Derivation, Document, PairEvidence, Passage, TokenStream

#: Quoted text counts a tenth of the reporter's own words as evidence of copying:
#: every report of one event quotes the same speakers word for word.
QUOTE_WEIGHT = 0.1
#: A stock phrase (found in at least this many documents, short, and never part
#: of a longer shared passage: fragments of a sentence that many copies took
#: whole from one source are copied text) counts for little.
STOCK_DF = 3
STOCK_MAX_TOKENS = 20
STOCK_WEIGHT = 0.25
#: A token inside a passage aligned across edits (paraphrase: ``provenance.align``)
#: but outside its exact runs counts this much as evidence of copying: below a
#: verbatim run, since independent reports of one event also say the same
#: things in other words.
ALIGNED_WEIGHT = 0.5
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
#: Readings (see ``_Family.readings``) of the other documents decide the
#: direction of every pair they witness, in place of the hub share, with
#: containment as their prior: it counts as VOTE_SMOOTH tokens of readings, so
#: that a few tokens (one or two words of difference between near copies) say
#: little and many outweigh it; at most VOTE_MAX_WITNESSES common neighbours
#: are read.
VOTE_SLOPE = 4.0
VOTE_SMOOTH = 50
VOTE_MAX_WITNESSES = 64
#: A pair is related (an edge of the family graph) when one side is explained
#: by the other at least this much.
MIN_RELATED = 0.5
#: Siblings point at a missing source when they share, outside quotations, at
#: least LATENT_MIN_TOKENS tokens of exact runs of at least LATENT_MIN_RUN
#: tokens that their parent does not hold: two runs that long do not recur by
#: chance, shorter shared phrasing does (answers to one question, one event).
LATENT_MIN_RUN = 8
LATENT_MIN_TOKENS = 16

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
    # sorted and deduplicated by hand: np.unique hashes first, five times slower here
    pairs = np.sort(ids[:-1].astype(np.int64) << 32 | ids[1:].astype(np.int64))
    return pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]




def _date(d: Document) -> str | None:
    return d.published[:10] if d.published and re.match(r"\d{4}-\d{2}-\d{2}", d.published) else None


def _instant(d: Document) -> datetime | None:
    """The moment of publication, when the date gives a time and its zone:
    only then can two times be compared (a time without a zone may be off
    by up to a day)."""
    if not d.published or len(d.published) <= 10:
        return None
    try:
        when = datetime.fromisoformat(d.published)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


@numba.njit(cache=True, nogil=True)
def _coverage(offsets, table):  # pragma: no cover - compiled
    """Per token of the joined documents (``offsets``): how many passage sides
    hold it, and the longest of them.  ``table`` rows: document, start, end and
    tokens of side a, then document, start, end of side b."""
    share = np.zeros(offsets[-1], dtype=np.int32)
    longest = np.zeros(offsets[-1], dtype=np.int32)
    for k in range(table.shape[0]):
        n = table[k, 3]
        for d, lo, hi in ((table[k, 0], table[k, 1], table[k, 2]), (table[k, 4], table[k, 5], table[k, 6])):
            base = offsets[d]
            for i in range(base + lo, base + hi):
                share[i] += 1
                longest[i] = max(longest[i], n)
    return share, longest


@numba.njit(cache=True, nogil=True)
def _packed_masks(table, start):  # pragma: no cover - compiled
    """The run masks of pairs' sides packed as ``np.packbits`` packs them (first
    token in the high bit), side ``e``'s from byte ``start[e]`` (entries start
    on whole 64-bit words, so that ``_all_readings`` reads them a word at a
    time), and how many tokens each holds.  ``table`` rows: 2 x the pair's
    index, the run's start on side a, on side b, its length."""
    buf = np.zeros(start[-1], dtype=np.uint8)
    count = np.zeros(start.shape[0] - 1, dtype=np.int64)
    for k in range(table.shape[0]):
        n = table[k, 3]
        for e, at in ((table[k, 0], table[k, 1]), (table[k, 0] + 1, table[k, 2])):
            base = start[e]
            for i in range(at, at + n):
                byte = base + (i >> 3)
                bit = np.uint8(0x80 >> (i & 7))
                if buf[byte] & bit == 0:
                    buf[byte] |= bit
                    count[e] += 1
    return buf, count


@numba.njit(cache=True, nogil=True)
def _block_sum(a, lo, n):  # pragma: no cover - compiled
    """numpy's sum of at most 128 values: on eight accumulators from 8 on."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True)
def _pairwise_sum(a, lo, n):  # pragma: no cover - compiled
    """``a[lo : lo + n].sum()`` to the last bit: numpy's pairwise summation
    (blocks of at most 128 summed by ``_block_sum``, longer stretches halved
    at a multiple of eight and their two sums added), so that the compiled
    relatedness equals the numpy one.  The halving is walked with a stack of
    its own (a recursive kernel does not survive numba's cache)."""
    if n <= 128:
        return _block_sum(a, lo, n)
    starts = np.empty(64, dtype=np.int64)
    sizes = np.empty(64, dtype=np.int64)
    stage = np.empty(64, dtype=np.int64)
    sums = np.empty(64, dtype=np.float64)
    depth, held = 1, 0
    starts[0], sizes[0], stage[0] = lo, n, 0
    while depth:
        top = depth - 1
        m = sizes[top]
        if m <= 128:
            sums[held] = _block_sum(a, starts[top], m)
            held += 1
            depth -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:  # its first half next
            stage[top] = 1
            starts[depth], sizes[depth], stage[depth] = starts[top], half, 0
            depth += 1
        elif stage[top] == 1:  # then its second half
            stage[top] = 2
            starts[depth], sizes[depth], stage[depth] = starts[top] + half, m - half, 0
            depth += 1
        else:  # both summed: their sum
            held -= 1
            sums[held - 1] = sums[held - 1] + sums[held]
            depth -= 1
    return sums[0]


@numba.njit(cache=True, nogil=True)
def _pair_facts(k_lo, k_hi, offsets, rows, pp, table, rp, runs, ap, spans, quoted, share, longest, bp, bigrams,
                weight, is_quote, stock, cov, common, rel):  # pragma: no cover - compiled
    """Pairs ``k_lo`` to ``k_hi``'s passage weights and relatedness, in one pass.

    ``rows[k]``: the documents of pair k (rows of ``offsets``); its passages
    are ``table[pp[k] : pp[k + 1]]`` (document, start, end, tokens of side a,
    then of side b), passage p's exact runs ``runs[rp[p] : rp[p + 1]]`` (start
    on a, on b, length), the pair's aligned spans ``spans[ap[k] : ap[k + 1]]``
    (start and end on a, on b).  Per token of the joined documents:
    ``quoted``, ``share`` and ``longest`` (``_coverage``); per document its
    sorted distinct bigrams, ``bigrams[bp[d] : bp[d + 1]]``.

    Fills in, per passage of these pairs, its weight, whether it is a
    quotation, whether a stock phrase; per pair the weighted coverage of side
    a and of side b by the other (``covered_child_weighted``), their distinct
    bigrams in common, and the relatedness of side a and of side b as the
    child.  Each pair's facts are its own: any split of the pairs between
    calls gives the same arrays."""
    widest = 0
    for d in range(offsets.shape[0] - 1):
        widest = max(widest, offsets[d + 1] - offsets[d])
    covered = np.zeros(widest, dtype=np.float64)
    for k in range(k_lo, k_hi):
        base_a, base_b = offsets[rows[k, 0]], offsets[rows[k, 1]]
        own_run = False
        for p in range(pp[k], pp[k + 1]):
            a0, a1, b0, b1 = table[p, 1], table[p, 2], table[p, 5], table[p, 6]
            size = a1 - a0
            n_quoted = 0
            held = np.iinfo(np.int32).max
            long_a = 0
            for i in range(base_a + a0, base_a + a1):
                n_quoted += quoted[i]
                held = min(held, share[i])
                long_a = max(long_a, longest[i])
            long_b = 0
            for i in range(base_b + b0, base_b + b1):
                long_b = max(long_b, longest[i])
            quote_share = n_quoted / size if size else 0.0
            is_quote[p] = quote_share >= 0.5
            # share counts the other documents holding each token: +1 for this one
            stock[p] = (size <= STOCK_MAX_TOKENS and size > 0 and held + 1 >= STOCK_DF
                        and long_a <= STOCK_MAX_TOKENS and long_b <= STOCK_MAX_TOKENS)
            w = 1.0 - (1.0 - QUOTE_WEIGHT) * quote_share
            if stock[p]:
                w *= STOCK_WEIGHT
            weight[p] = w
            # word pairs and aligned text count only beside a distinctive run
            # of the reporter's own (not a quotation, not a stock phrase): a
            # run of LATENT_MIN_RUN tokens or more in a passage that is long or
            # found in fewer than STOCK_DF documents.  Same-event news, and
            # answers to one question, share names, terms, phrasing and short
            # phrases many documents hold without any copying
            longest_run = 0
            for r in range(rp[p], rp[p + 1]):
                longest_run = max(longest_run, runs[r, 2])
            if (not is_quote[p] and not stock[p] and longest_run >= LATENT_MIN_RUN
                    and (size > STOCK_MAX_TOKENS or size == 0 or held + 1 < STOCK_DF)):
                own_run = True
        for side in range(2):
            child = rows[k, side]
            base = offsets[child]
            n_child = offsets[child + 1] - base
            covered[:n_child] = 0.0
            # a run shorter than LATENT_MIN_RUN tokens may recur by chance
            # between texts on one subject: it counts in proportion to its length
            for p in range(pp[k], pp[k + 1]):
                for r in range(rp[p], rp[p + 1]):
                    start, n = runs[r, side], runs[r, 2]
                    v = weight[p] * min(1.0, n / LATENT_MIN_RUN)
                    for i in range(start, start + n):
                        covered[i] = max(covered[i], v)
            # aligned text counts below verbatim runs, a tenth of that inside
            # quotations, and only beside a distinctive run of the reporter's own
            if own_run:
                for s in range(ap[k], ap[k + 1]):
                    for i in range(spans[s, 2 * side], spans[s, 2 * side + 1]):
                        v = ALIGNED_WEIGHT * QUOTE_WEIGHT if quoted[base + i] else ALIGNED_WEIGHT
                        covered[i] = max(covered[i], v)
            cov[k, side] = _pairwise_sum(covered, 0, n_child) / n_child if n_child else 0.0
        # distinct bigrams the two hold in common (both sorted and distinct)
        i, i_end = bp[rows[k, 0]], bp[rows[k, 0] + 1]
        j, j_end = bp[rows[k, 1]], bp[rows[k, 1] + 1]
        both = 0
        while i < i_end and j < j_end:
            if bigrams[i] < bigrams[j]:
                i += 1
            elif bigrams[i] > bigrams[j]:
                j += 1
            else:
                both += 1
                i += 1
                j += 1
        common[k] = both
        for side in range(2):
            child = rows[k, side]
            n_big = bp[child + 1] - bp[child]
            bi = both / n_big if n_big else 0.0
            rel[k, side] = max(cov[k, side] / COVERAGE_FULL, (bi - BIGRAM_CHANCE) / BIGRAM_SPAN if own_run else 0.0, 0.0)


def _split(work: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` ranges of items cutting ``work`` (the running total of their
    cost, one entry more than the items) into ``parts`` of about equal cost."""
    n = work.shape[0] - 1
    cuts = np.searchsorted(work, np.linspace(work[0], work[-1], parts + 1)[1:-1]) if parts > 1 and n else []
    bounds = [0, *sorted({min(int(c), n) for c in cuts}), n]
    return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]


def _on_threads(kernel: Any, ranges: list[tuple[int, int]], *args: Any) -> None:
    """``kernel(lo, hi, *args)`` for each range, on a thread each (the compiled
    kernels let go of the interpreter; each range writes its own part of the
    output arrays in ``args``)."""
    if len(ranges) <= 1:
        for lo, hi in ranges:
            kernel(lo, hi, *args)
        return
    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        for done in [pool.submit(kernel, lo, hi, *args) for lo, hi in ranges]:
            done.result()


def pair_facts(offsets: np.ndarray, rows: np.ndarray, pp: np.ndarray, table: np.ndarray, rp: np.ndarray,
               runs: np.ndarray, ap: np.ndarray, spans: np.ndarray, quoted: np.ndarray, share: np.ndarray,
               longest: np.ndarray, bp: np.ndarray, bigrams: np.ndarray, jobs: int = 1) -> tuple[np.ndarray, ...]:
    """``_pair_facts`` of every pair, the pairs cut between ``jobs`` threads by their runs' tokens."""
    n_pass, n_pairs = table.shape[0], rows.shape[0]
    weight = np.ones(n_pass, dtype=np.float64)
    is_quote = np.zeros(n_pass, dtype=np.bool_)
    stock = np.zeros(n_pass, dtype=np.bool_)
    cov = np.zeros((n_pairs, 2), dtype=np.float64)
    common = np.zeros(n_pairs, dtype=np.int64)
    rel = np.zeros((n_pairs, 2), dtype=np.float64)
    run_tokens = np.concatenate(([0], np.cumsum(runs[:, 2]))) if runs.shape[0] else np.zeros(1, dtype=np.int64)
    cost = run_tokens[rp[pp]] + np.arange(n_pairs + 1)  # a pair costs its runs' tokens, and one
    _on_threads(_pair_facts, _split(cost, jobs), offsets, rows, pp, table, rp, runs, ap, spans, quoted, share,
                longest, bp, bigrams, weight, is_quote, stock, cov, common, rel)
    return weight, is_quote, stock, cov, common, rel


_M1, _M2, _M4 = np.uint64(0x5555555555555555), np.uint64(0x3333333333333333), np.uint64(0x0F0F0F0F0F0F0F0F)
_H = np.uint64(0x0101010101010101)


@numba.njit(cache=True, nogil=True, inline="always")
def _bits(x):  # pragma: no cover - compiled
    """How many bits the 64-bit word ``x`` has set (the SWAR popcount)."""
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return (x * _H) >> np.uint64(56)


@numba.njit(cache=True, nogil=True)
def _all_readings(t_lo, t_hi, rows, todo, nb_ptr, nb_rank, nb_entry, words, start, count, most, out):  # pragma: no cover - compiled
    """``readings`` of pairs ``todo[t_lo:t_hi]`` (rows of ``rows``: its two documents), into ``out``.
    Each document's neighbours are ``nb_rank[nb_ptr[d] : nb_ptr[d + 1]]`` (by
    rank of their ids, ascending), with the entry of each neighbour's run
    mask in its pair with ``d`` (``nb_entry``; entry e is the 64-bit
    ``words[start[e] : start[e + 1]]``).  The witnesses of a pair are
    the first ``most`` neighbours the two documents have in common; per pair,
    the tokens their masks with side a hold and those with side b lack, and
    the reverse."""
    for t in range(t_lo, t_hi):
        x, g = rows[todo[t], 0], rows[todo[t], 1]
        i, i_end = nb_ptr[x], nb_ptr[x + 1]
        j, j_end = nb_ptr[g], nb_ptr[g + 1]
        seen = 0
        tx = tg = both = 0
        while i < i_end and j < j_end and seen < most:
            if nb_rank[i] < nb_rank[j]:
                i += 1
            elif nb_rank[j] < nb_rank[i]:
                j += 1
            else:
                ex, eg = nb_entry[i], nb_entry[j]
                tx += count[ex]
                tg += count[eg]
                off = start[eg] - start[ex]
                held = np.uint64(0)
                for k in range(start[ex], start[ex + 1]):
                    held += _bits(words[k] & words[k + off])
                both += np.int64(held)
                seen += 1
                i += 1
                j += 1
        out[t, 0], out[t, 1] = tx - both, tg - both


class _Family:
    """Facts computed once: per document its quote mask, token spans, cues
    and bigrams; per pair its passage weights and relatedness both ways."""

    def __init__(self, docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence],
                 aligned: Sequence[PairEvidence] = (), jobs: int = 1):
        self.docs = {d.id: d for d in docs}
        self.streams = {d.id: s for d, s in zip(docs, streams)}
        self._cues: dict[str, list[str]] = {}
        self._stated: dict[str, tuple[str | None, datetime | None, str | None]] = {}
        # per token of each document: how many passages hold it (how many
        # documents share it, for stock phrases), and the longest passage
        # holding it over all pairs (a short passage that is part of a longer
        # one elsewhere is copied text); one compiled pass over every
        # passage's two sides, into one array per fact cut per document
        sizes = np.array([len(s) for s in streams], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        row = {d.id: k for k, d in enumerate(docs)}
        # the rows, flat: no Python object per passage held.  Per passage: the
        # two documents' rows, its exact tokens and its number of runs (its
        # spans and runs from their packed bytes, ``model.SPANS`` and
        # ``RUN``); per pair: its number of passages and its coverage
        flat = array.array("q")
        runs = bytearray()  # the passages' runs, packed (``model.RUN``)
        span_bytes = bytearray()  # and their spans (``model.SPANS``)
        n_passages = array.array("q")
        covered = array.array("d")
        put, put_runs, put_count, put_covered = flat.extend, runs.extend, n_passages.append, covered.extend
        put_spans = span_bytes.extend
        run_size = RUN.size
        for p in pairs:
            ra, rb = row[p.a], row[p.b]
            ps = p.passages
            put_count(len(ps))
            put_covered((p.covered_a, p.covered_b))
            for q in ps:
                r = q.packed_runs
                put((ra, rb, q.exact, len(r) // run_size))
                put_spans(q.packed_spans)
                put_runs(r)
        cols = np.frombuffer(flat, dtype=np.int64).reshape(-1, 4)
        tok = np.frombuffer(span_bytes, dtype="<i4").reshape(-1, 8)[:, :4].astype(np.int64)  # a, b (``model.SPANS``)
        # document, start, end and tokens (the longer side) of side a, then document, start, end of side b
        table = np.column_stack((cols[:, 0], tok[:, 0:2], np.maximum(tok[:, 1] - tok[:, 0], tok[:, 3] - tok[:, 2]),
                                 cols[:, 1], tok[:, 2:4])).astype(np.int64)
        exact, n_runs = cols[:, 2].copy(), cols[:, 3].copy()
        del cols, flat, tok, span_bytes
        share, longest = _coverage(offsets, table)
        self.share: dict[str, np.ndarray] = {d.id: share[offsets[k] : offsets[k + 1]] for k, d in enumerate(docs)}
        self.longest: dict[str, np.ndarray] = {d.id: longest[offsets[k] : offsets[k + 1]] for k, d in enumerate(docs)}
        # per token: inside a quotation (its first character is); per
        # document: its distinct bigrams, sorted.  For the documents of some
        # pair only (the others are never read)
        pp = np.concatenate(([0], np.cumsum(np.frombuffer(n_passages, dtype=np.int64)))).astype(np.int64)
        rows = table[pp[:-1][np.diff(pp) > 0]][:, [0, 4]] if len(pairs) else np.zeros((0, 2), dtype=np.int64)
        if rows.shape[0] != len(pairs):  # a pair without passages: its rows from its ids
            rows = np.array([(row[p.a], row[p.b]) for p in pairs], dtype=np.int64).reshape(-1, 2)
        related = np.unique(rows).tolist()
        quoted = np.zeros(offsets[-1], dtype=np.uint8)
        big_sizes = np.zeros(len(docs), dtype=np.int64)
        big_parts = []
        for k in related:
            d, s = docs[k], streams[k]
            if len(s):
                quoted[offsets[k] : offsets[k + 1]] = quoted_mask(d.text)[s.spans[:, 0]]
            part = _bigrams(s.ids)
            big_sizes[k] = part.shape[0]
            big_parts.append(part)
        bigrams = np.concatenate(big_parts) if big_parts else np.zeros(0, dtype=np.int64)
        self._offsets, self.row, self._quoted = offsets, row, quoted
        # each pair's passage weights and relatedness, both ways (``_pair_facts``),
        # with the token spans of its passages aligned across edits
        self.index = {(p.a, p.b): k for k, p in enumerate(pairs)}
        spans_of: dict[int, list[int]] = {}
        same = len(aligned) == len(pairs)
        for k, p in enumerate(aligned):
            if same and p is pairs[k]:
                continue  # the pair as the suffix array found it: no passage aligned across edits
            at = self.index.get((p.a, p.b))
            if at is not None:
                got = [t for q in p.passages if q.kind == "aligned" for t in (*q.a, *q.b)]
                if got:
                    spans_of[at] = got
        spans = array.array("q")
        n_spans = np.zeros(len(pairs), dtype=np.int64)
        for at in sorted(spans_of):  # in pair order, as ``_pair_facts`` reads them
            spans.extend(spans_of[at])
            n_spans[at] = len(spans_of[at]) // 4
        self._pp = pp
        rp = np.concatenate(([0], np.cumsum(n_runs))).astype(np.int64)
        run_table = np.frombuffer(runs, dtype="<i4").reshape(-1, 3).astype(np.int64)
        del runs
        span_table = np.frombuffer(spans, dtype=np.int64).reshape(-1, 4) if spans else np.zeros((0, 4), dtype=np.int64)
        ap = np.concatenate(([0], np.cumsum(n_spans))).astype(np.int64)
        bp = np.concatenate(([0], np.cumsum(big_sizes))).astype(np.int64)
        self._weight, self._is_quote, self._stock, self._cov, self._common, self._rel = pair_facts(
            offsets, rows, self._pp, table, rp, run_table, ap, span_table, quoted, share, longest, bp, bigrams, jobs)
        # kept for triangulation (``triples``), which reads the same passages and runs
        self.packed = PackedPairs(rows, self._pp, table, rp, run_table)
        self.sizes = sizes
        # per pair: tokens in passages, exact tokens, exact runs, and their summed length (``_change``)
        at_pass, at_run = self._pp, rp[self._pp]
        tokens = np.concatenate(([0], np.cumsum(table[:, 3])))
        exact_sum = np.concatenate(([0], np.cumsum(exact)))
        run_sum = np.concatenate(([0], np.cumsum(run_table[:, 2])))
        self._totals = np.column_stack((np.diff(tokens[at_pass]), np.diff(exact_sum[at_pass]), np.diff(at_run),
                                        np.diff(run_sum[at_run]))).astype(np.int64)
        self._n_bigrams = big_sizes
        # hub: on average, how much of what each neighbour shares with anyone
        # this document holds.  A source holds the union of what its copies
        # took; a copy holds only its own part (triangulation).
        shared_any = np.array([float((v > 0).mean()) if v.size else 0.0 for v in self.share.values()])
        cover = np.frombuffer(covered, dtype=np.float64).reshape(-1, 2)
        # each pair's two contributions in pair order (b's from a, then a's
        # from b): bincount adds them in that order, as a running sum would
        into = rows[:, ::-1].reshape(-1)
        source = shared_any[rows].reshape(-1)
        held = source != 0
        value = np.divide(cover.reshape(-1), source, out=np.zeros_like(source), where=held)
        total = np.bincount(into[held], weights=value[held], minlength=len(docs))
        count = np.bincount(into[held], minlength=len(docs))
        self.hub = {docs[k].id: t / c for k, t, c in zip(np.flatnonzero(count).tolist(), total[count > 0].tolist(),
                                                           count[count > 0].tolist())}
        self.by_pair = {(p.a, p.b): p for p in pairs}
        # run_mask(doc, other) of both sides of every related pair, packed
        # eight tokens a byte (np.packbits order) into one buffer, made in one
        # compiled pass: entry e = self._entry_of(doc, other) is
        # buf[start[e] : start[e + 1]] and holds count[e] tokens
        self._buf, self._start, self._count = self._all_runs()
        self._words, self._word_start = self._buf.view(np.uint64), self._start // 8
        # each document's neighbours by rank of their ids, with the entry of
        # the neighbour's run mask in their pair; the readings of every
        # related pair from them in one compiled pass
        rank = np.empty(len(docs), dtype=np.int64)
        rank[sorted(range(len(docs)), key=lambda k: docs[k].id)] = np.arange(len(docs))
        own = np.concatenate((rows[:, 0], rows[:, 1]))
        other = np.concatenate((rows[:, 1], rows[:, 0]))
        k_all = np.arange(len(pairs), dtype=np.int64)
        order = np.lexsort((rank[other], own))
        self._nb_rank, self._nb_entry = rank[other][order], np.concatenate((2 * k_all + 1, 2 * k_all))[order]
        self.rank = rank  # per row: its document's place by id
        self.pairs = pairs
        # pair k's documents as one code per unordered pair, sorted (``pair_index``)
        lo_hi = np.sort(rows, axis=1)
        codes = lo_hi[:, 0] * len(docs) + lo_hi[:, 1]
        self._code_order = np.argsort(codes, kind="stable")
        self._codes = codes[self._code_order]
        self._nb_ptr = np.concatenate(([0], np.cumsum(np.bincount(own, minlength=len(docs))))).astype(np.int64)
        todo = self.related_pairs()
        self._read = self._readings_of(todo, jobs)
        self._read_at = np.full(len(pairs), -1, dtype=np.int64)
        self._read_at[todo] = np.arange(todo.shape[0])

    def _all_runs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The packed run masks of both sides of every pair (entry 2k: side a of
        pair k, 2k + 1: side b), of its exact runs of LATENT_MIN_RUN tokens or
        more: the buffer, each entry's start in it (in bytes, on whole 64-bit
        words), and its count of tokens."""
        rows, pp, _, rp, runs = self.packed
        pair_of_run = np.repeat(np.repeat(np.arange(rows.shape[0], dtype=np.int64), np.diff(pp)), np.diff(rp))
        keep = runs[:, 2] >= LATENT_MIN_RUN
        table = np.column_stack((2 * pair_of_run[keep], runs[keep])).astype(np.int64)
        size = self.sizes[rows].reshape(-1)
        start = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum((size + 63) // 64 * 8)))
        buf, count = _packed_masks(table, start)
        return buf, start, count

    def pair_index(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The index of the pair of rows ``u[i]`` and ``v[i]``, in either order; -1 where they share nothing."""
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        codes = lo.astype(np.int64) * len(self.docs) + hi
        if self._codes.shape[0] == 0:
            return np.full(codes.shape[0], -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._codes, codes), self._codes.shape[0] - 1)
        return np.where(self._codes[at] == codes, self._code_order[at], -1).astype(np.int64)

    def _entry_of(self, doc: str, other: str) -> int | None:
        """The entry of ``run_mask(doc, other)`` in the buffer (None: the two are not related)."""
        k = self.index.get((min(doc, other), max(doc, other)))
        return None if k is None else 2 * k + (doc > other)

    def run_mask(self, doc: str, other: str) -> np.ndarray:
        """Tokens of ``doc`` inside exact runs of at least LATENT_MIN_RUN tokens shared with ``other``."""
        e = self._entry_of(doc, other)
        if e is None:
            return np.zeros(len(self.streams[doc]), dtype=bool)
        return np.unpackbits(self._buf[self._start[e] : self._start[e + 1]], count=len(self.streams[doc])).view(bool)

    def run_tokens(self, doc: str, other: str) -> int:
        """How many tokens ``run_mask(doc, other)`` holds."""
        e = self._entry_of(doc, other)
        return 0 if e is None else int(self._count[e])

    def _readings_of(self, todo: np.ndarray, jobs: int = 1) -> np.ndarray:
        out = np.zeros((todo.shape[0], 2), dtype=np.int64)
        _on_threads(_all_readings, _split(np.arange(todo.shape[0] + 1), jobs), self.packed.rows, todo, self._nb_ptr,
                    self._nb_rank, self._nb_entry, self._words, self._word_start, self._count, VOTE_MAX_WITNESSES, out)
        return out

    def cues(self, doc: str) -> list[str]:
        got = self._cues.get(doc)
        if got is None:
            got = self._cues[doc] = attribution_cues(self.docs[doc].text)
        return got

    def quoted_tokens(self, doc: str) -> np.ndarray:
        """Per token of ``doc`` (a document of some pair): inside a quotation."""
        k = self.row[doc]
        return self._quoted[self._offsets[k] : self._offsets[k + 1]].view(bool)

    def facts(self, ks: Sequence[int]) -> Iterator[tuple[int, list[float], list[float], list[float], list[int],
                                                         list[int], list[int]]]:
        """Per pair of ``ks`` (indices of ``pairs``), read from the family's
        arrays at once: its index; the relatedness of side a and of side b as
        the child, and the weighted share of each that the other covers
        (``_pair_facts``); the share of each side's distinct word pairs that
        the other holds; the readings; the pair's tokens in passages, exact
        tokens, exact runs and their summed length; the two sides' tokens.

        The readings are the witnesses for a against b and for b against a
        (textual criticism): tokens that the documents related to both share
        with one side but not with the other.  Of two near-identical texts the
        source is the one whose wording the others kept; a copy's own changes
        are found in no other document but its own copies.  Runs of
        LATENT_MIN_RUN tokens and more only: short runs recur between
        independent texts on one subject.  The witnesses are the first
        VOTE_MAX_WITNESSES documents (by id) related to both; read for all
        related pairs at once (``_all_readings``), for any other when asked."""
        at = np.asarray(ks, dtype=np.int64)
        rows = self.packed.rows[at]
        n_big = self._n_bigrams[rows]
        bigrams = np.divide(self._common[at][:, None], n_big, out=np.zeros(n_big.shape, dtype=np.float64),
                            where=n_big > 0)
        read_at = self._read_at[at]
        reads = np.zeros((at.shape[0], 2), dtype=np.int64)
        ready = read_at >= 0
        reads[ready] = self._read[read_at[ready]]
        if not ready.all():
            reads[~ready] = self._readings_of(at[~ready])
        return zip(at.tolist(), self._rel[at].tolist(), self._cov[at].tolist(), bigrams.tolist(), reads.tolist(),
                   self._totals[at].tolist(), self.sizes[rows].tolist())

    def stated(self, doc: str) -> tuple[str | None, datetime | None, str | None]:
        """What ``doc``'s publisher states: its day, its moment (with a time
        zone), and its outlet as cues name it (normalized; None when unknown)."""
        got = self._stated.get(doc)
        if got is None:
            d = self.docs[doc]
            got = self._stated[doc] = (_date(d), _instant(d), _norm_outlet(d.site) if d.site else None)
        return got

    def related_pairs(self) -> np.ndarray:
        """The indices of the pairs one side of which the other explains at least MIN_RELATED."""
        return np.flatnonzero(self._rel.max(axis=1) >= MIN_RELATED)

    def passage_weights(self, pair: PairEvidence) -> list[tuple[Passage, float, bool, bool]]:
        """Each passage of ``pair`` with its weight, whether a quotation, whether a stock phrase."""
        lo = int(self._pp[self.index[(pair.a, pair.b)]])
        return [(q, float(self._weight[lo + i]), bool(self._is_quote[lo + i]), bool(self._stock[lo + i]))
                for i, q in enumerate(pair.passages)]


def _side(q: Passage, child_is_a: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """(child chars, parent chars) of a passage."""
    return (q.a_chars, q.b_chars) if child_is_a else (q.b_chars, q.a_chars)


def _direction(fam: _Family, pair: PairEvidence, parent: str, child: str,
               readings: tuple[int, int]) -> tuple[float, dict[str, Any]]:
    """Probability that ``child`` derives from ``parent`` rather than the
    reverse; ``readings``: the witnesses for the parent against the child
    (``_Family.facts``)."""
    dp, tp, site_p = fam.stated(parent)
    dc, tc, site_c = fam.stated(child)
    ev: dict[str, Any] = {"dates": {"parent": dp, "child": dc}}
    if tp is not None and tc is not None and tp != tc:
        # both moments known: they decide, even where the days on the two
        # zones' clocks say otherwise; within a day a little less surely
        # (a page may show when it was updated)
        ev["by"] = "times"
        ev["times"] = {"parent": fam.docs[parent].published, "child": fam.docs[child].published}
        sure = 0.95 if abs((tc - tp).total_seconds()) >= 86400 else 0.9
        return (sure if tp < tc else 1.0 - sure), ev
    if dp and dc and dp != dc:
        ev["by"] = "dates"
        return (0.95 if dp < dc else 0.05), ev
    cites = [c for c in fam.cues(child) if _norm_outlet(c) == site_p] if site_p is not None else []
    cited_back = [c for c in fam.cues(parent) if _norm_outlet(c) == site_c] if site_c is not None else []
    if cites or cited_back:
        ev["by"] = "attribution"
        ev["attribution"] = cites or cited_back
        return (0.9 if cites else 0.1), ev
    cc = pair.covered_a if child == pair.a else pair.covered_b
    cp = pair.covered_b if child == pair.a else pair.covered_a
    hp, hc = fam.hub.get(parent, 0.0), fam.hub.get(child, 0.0)
    ev["hub"] = {"parent": round(hp, 4), "child": round(hc, 4)}
    contained = CONTAINMENT_SLOPE * (cc - cp)
    sp, sc = readings
    if sp + sc:
        # the readings of the other documents are the data, containment their
        # prior: it counts as VOTE_SMOOTH tokens of readings.  What the child
        # dropped lives on in the parent's other copies, what it added in its
        # own; the witnesses read both, so containment (dropped against added
        # text) is not counted a second time beside them
        ev["readings"] = {"parent": sp, "child": sc}
        ev["by"] = "containment" if abs(contained * VOTE_SMOOTH) >= abs(VOTE_SLOPE * (sp - sc)) else "triangulation"
        z = (contained * VOTE_SMOOTH + VOTE_SLOPE * (sp - sc)) / (sp + sc + VOTE_SMOOTH)
    else:
        tri = HUB_SLOPE * (hp - hc)
        ev["by"] = "containment" if abs(contained) >= abs(tri) else "triangulation"
        z = contained + tri
    # more of the child in the parent than of the parent in the child, and the
    # parent holding more of what the family shares: the child copied
    return 1.0 / (1.0 + math.exp(-z)), ev


def _change(totals: tuple[int, int, int, int], n_child: int, n_parent: int, cc: float, cp: float) -> str:
    """How the text changed on the way from parent to child (rules in the
    README), from the pair's tokens in passages, exact tokens, exact runs
    and their summed length, and the shares of the child and of the parent
    (rounded as the evidence states them) that the pair's passages cover."""
    tokens, exact, n_runs, run_sum = totals
    exact_share = exact / tokens if tokens else 0.0
    mean_run = run_sum / n_runs if n_runs else 0.0
    if cc >= 0.8 and exact_share >= 0.9:
        return "copy" if cp >= 0.8 else "excerpt"
    if n_parent and n_child / n_parent < 0.5 and cc < 0.6:
        return "summary"
    if n_runs >= 5 and mean_run < 12 and cc >= 0.3:
        return "translation"
    if cc >= 0.5:
        return "rewrite"
    return "paraphrase"


class Candidate(NamedTuple):
    """A candidate edge as the forest chooses among them: its score and the
    figures the choice reads (each as its evidence states it), without the
    evidence itself, which ``derivation`` builds for the edges chosen."""

    child: str
    parent: str
    confidence: float
    change: str
    probability: float  # that the child derives from the parent (the evidence's ``direction``)
    by: str  # what decided the direction
    relatedness: float
    relatedness_exact: float
    covered_child: float
    covered_child_weighted: float
    bigram_containment: float
    explained_by: dict[str, Any] | None = None  # the sibling that explains the child better (``arborescence.triangulate``)


#: Pairs per task when ``weigh`` runs on several processes.
CHUNK_PAIRS = 200
_STATE: dict[str, Any] = {}


def weigh(docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence],
          jobs: int = 1, aligned: Sequence[PairEvidence] = ()) -> tuple[_Family, dict[tuple[str, str], Candidate]]:
    """Every related pair's candidate edges, both ways, on ``jobs``
    processes (forked after the family's facts are computed; the edges come
    back in pair order, so the result does not depend on ``jobs``)."""
    fam = _Family(docs, streams, pairs, aligned, jobs)
    # only the pairs one side of which the other explains enough have edges
    todo = fam.related_pairs().tolist()
    chunks = [todo[k : k + CHUNK_PAIRS] for k in range(0, len(todo), CHUNK_PAIRS)]
    edges: dict[tuple[str, str], Candidate] = {}
    if jobs <= 1 or len(chunks) < 2:
        for e in _edges(fam, todo)[0]:
            edges[(e.parent, e.child)] = e
        return fam, edges
    _STATE.update(fam=fam)
    # the forked workers share the parent's objects until they write to them:
    # frozen, the cyclic collector of a worker does not visit (and so copy) them
    gc.freeze()
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for part in pool.map(_chunk_edges, chunks):
                for e in part:
                    edges[(e.parent, e.child)] = e
    finally:
        gc.unfreeze()
        _STATE.clear()
    return fam, edges


def _chunk_edges(chunk: list[int]) -> list[Candidate]:
    fam = _STATE["fam"]
    return _edges(fam, chunk)[0]


def derivation(fam: _Family, edge: Candidate) -> Derivation:
    """A candidate edge with its evidence, as ``audit.json`` exports it."""
    pair = fam.by_pair[(min(edge.child, edge.parent), max(edge.child, edge.parent))]
    evidence = _edges(fam, [fam.index[(pair.a, pair.b)]], evidence_of=edge.child)[1]
    if edge.explained_by is not None:
        evidence["explained_by"] = edge.explained_by
    return Derivation(edge.child, edge.parent, edge.confidence, edge.change, evidence)


def _edges(fam: _Family, ks: Sequence[int], evidence_of: str | None = None) -> tuple[list[Candidate], dict[str, Any]]:
    """Both directions of the pairs ``ks`` (indices of ``fam.pairs``; none for a
    pair neither side of which is explained enough by the other), each with
    its confidence; and the evidence of the one whose child is
    ``evidence_of``, if any.  The pairs' facts are read at once
    (``_Family.facts``), then weighed one pair at a time."""
    out: list[Candidate] = []
    evidence: dict[str, Any] = {}
    for k, rel_of, cov_of, big_of, read_of, totals, size_of in fam.facts(ks):
        if max(rel_of) < MIN_RELATED:
            continue
        pair = fam.pairs[k]
        covered = (round(pair.covered_a, 4), round(pair.covered_b, 4))
        for side, (parent, child) in ((1, (pair.a, pair.b)), (0, (pair.b, pair.a))):
            rel = rel_of[side]
            facts = {
                "covered_child": covered[side],
                "covered_parent": covered[1 - side],
                "covered_child_weighted": round(cov_of[side], 4),
                "bigram_containment": round(big_of[side], 4),
            }
            # the witnesses for the parent against the child, and the reverse
            d, dev = _direction(fam, pair, parent, child, (read_of[1 - side], read_of[side]))
            if child == evidence_of:
                evidence = _evidence(fam, pair, child, rel, d, dev, facts)
            related = round(min(1.0, rel), 4)
            confidence = round(min(1.0, rel) * d, 4)
            change = _change((totals[0], totals[1], totals[2], totals[3]), size_of[side], size_of[1 - side],
                             covered[side], covered[1 - side])
            out.append(Candidate(child, parent, confidence, change, round(d, 4), dev["by"], related,
                                 round(rel, 6), facts["covered_child"], facts["covered_child_weighted"],
                                 facts["bigram_containment"]))
    return out, evidence


def _evidence(fam: _Family, pair: PairEvidence, child: str, rel: float, d: float, dev: dict[str, Any],
              facts: dict[str, Any]) -> dict[str, Any]:
    """The evidence of the edge from the other side of ``pair`` to ``child``, as ``audit.json`` exports it."""
    child_is_a = child == pair.a
    weighted = fam.passage_weights(pair)
    passages = sorted(weighted, key=lambda t: -t[0].tokens)[:50]
    return {
        **facts,
        "relatedness": round(min(1.0, rel), 4),
        "relatedness_exact": round(rel, 6),
        "direction": {**dev, "probability": round(d, 4)},
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
