"""The generalized suffix array over all documents and the scan for shared runs.

All documents' token ids are joined into one int32 text, each followed by the
separator 0 (token ids start at 1).  libdivsufsort (pydivsufsort) sorts the
suffixes and Kasai's algorithm gives the LCP array.

One separator value for every document, rather than one per document as the
design card says, keeps the alphabet as small as the vocabulary (libdivsufsort
needs twice the memory once ids pass 65,535).  It is made safe by clamping each
LCP to the tokens left in both documents: two suffixes then share exactly the
longest run that stays inside both documents.  Since the separator sorts below
every token, the suffix order is also the order of the document-truncated
suffixes, so every LCP-interval property still holds.

The scan (compiled with numba) walks the clamped LCP array once.  Each maximal
block of adjacent suffixes whose clamped LCP is at least ``min_len`` holds all
positions that start with one ``min_len``-token run.  A pair of positions in
such a block from different documents starts a *maximal* exact match exactly
when the tokens before them differ (left-maximal; a document start counts as
different from everything), and the match length is the smallest clamped LCP
between them (right-maximal by construction).  Each maximal match lies in one
block only, so it is reported once.  A block whose tokens before are all equal
holds only continuations of matches that start earlier and is skipped after a
linear check, so the work is linear in the tokens plus the pairs examined in
blocks that start matches.  A block spanning more than ``max_df`` documents is
boilerplate: it is reported once and never expanded into pairs; a match that
begins with boilerplate (a wire dateline, a stock sentence) is reported from
its first run that is not boilerplate, so the rest of the passage is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
import pydivsufsort

from provenance.model import TokenStream


@dataclass(frozen=True, eq=False)
class Corpus:
    """All token ids of all documents joined, with the maps back."""

    text: np.ndarray  # int32[n]: ids, each document followed by 0
    doc: np.ndarray  # int32[n]: document index per position (-1 on separators)
    starts: np.ndarray  # int64[d + 1]: position of each document's first token; last = n

    @property
    def n_docs(self) -> int:
        return int(self.starts.shape[0] - 1)


@dataclass(frozen=True, eq=False)
class Matches:
    """Maximal exact matches as parallel arrays, sorted by (a, b, a_start, b_start).

    Documents are indices into the stream list; ``a < b``; starts are token
    offsets inside each document.
    """

    a: np.ndarray
    b: np.ndarray
    a_start: np.ndarray
    b_start: np.ndarray
    length: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])


@dataclass(frozen=True, eq=False)
class BoilerplateRuns:
    """Runs of ``min_len`` tokens found in more than ``max_df`` documents.

    ``pos`` is the smallest corpus position holding the run, ``df`` the number
    of documents, ``lo``/``hi`` the suffix-array rank range of its block.
    """

    pos: np.ndarray
    df: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def join(streams: Sequence[TokenStream]) -> Corpus:
    """Join the token streams of all documents into one text."""
    lengths = np.fromiter((len(s) for s in streams), dtype=np.int64, count=len(streams))
    starts = np.zeros(len(streams) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=starts[1:])
    n = int(starts[-1])
    text = np.zeros(n, dtype=np.int32)
    doc = np.full(n, -1, dtype=np.int32)
    for i, s in enumerate(streams):
        lo = int(starts[i])
        text[lo : lo + len(s)] = s.ids
        doc[lo : lo + len(s)] = i
    return Corpus(text=text, doc=doc, starts=starts)


@numba.njit(cache=True, nogil=True)
def _bytes_of(text, width):  # pragma: no cover - compiled
    """Each id of ``text`` big-endian in its last ``width`` bytes, one after another."""
    out = np.empty(text.shape[0] * width, dtype=np.uint8)
    k = 0
    for v in text:
        for shift in range(8 * (width - 1), -1, -8):
            out[k] = (v >> shift) & 0xFF
            k += 1
    return out


@numba.njit(cache=True, nogil=True)
def _id_starts(ranked, width, n):  # pragma: no cover - compiled
    """The suffixes of ``ranked`` (byte offsets in sorted order) that start on an
    id, as id offsets, in the same order."""
    out = np.empty(n, dtype=ranked.dtype)
    k = 0
    for r in ranked:
        if r % width == 0:
            out[k] = r // width
            k += 1
    return out


def suffix_array(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Suffix array and LCP array of an int32 text (both int32 below 2^31 / 4
    tokens, so that the scan is compiled for one type).

    ``lcp[i]`` is the length of the common prefix of the suffixes at ranks
    ``i`` and ``i + 1`` (pydivsufsort's Kasai is shifted by one from the
    textbook convention; this is what it returns).
    """
    if text.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty
    # libdivsufsort sorts bytes: each id is written big-endian in as few bytes as
    # the largest needs (3 for up to 16.7 M ids, where pydivsufsort's own cast takes
    # the next power of two, 4) and the suffixes that start on an id are kept, in
    # the order of the ids' suffixes.  Both steps are compiled passes: with numpy's
    # casts, slices and masks they made 200 MB of temporaries for 7 M tokens, and
    # this machine pays for every fresh page it touches (1.1 s of the 2.5 s sort)
    width = max(1, (int(text.max()).bit_length() + 7) // 8)
    code = _bytes_of(text, width) if width > 1 else text.astype(np.uint8)
    ranked = pydivsufsort.divsufsort(code)
    sa = _id_starts(ranked, width, text.shape[0]) if width > 1 else ranked
    lcp = pydivsufsort.kasai(text, sa)
    return sa, lcp


@numba.njit(cache=True, nogil=True)
def _scan(sa, lcp, text, doc, starts, min_len, max_df, forced):  # pragma: no cover - compiled
    n = sa.shape[0]
    n_docs = starts.shape[0] - 1
    cap = 1024
    out_x = np.empty(cap, dtype=np.int64)
    out_y = np.empty(cap, dtype=np.int64)
    out_len = np.empty(cap, dtype=np.int64)
    n_out = 0
    bp_pos = np.empty(64, dtype=np.int64)
    bp_df = np.empty(64, dtype=np.int64)
    bp_lo = np.empty(64, dtype=np.int64)
    bp_hi = np.empty(64, dtype=np.int64)
    n_bp = 0
    seen = np.full(n_docs, -1, dtype=np.int64)
    # clamped lcp between ranks r and r + 1
    clamped = np.zeros(n, dtype=np.int32)
    for r in range(n - 1):
        p = sa[r]
        q = sa[r + 1]
        dp = doc[p]
        dq = doc[q]
        if dp < 0 or dq < 0:
            continue
        v = lcp[r]
        rp = starts[dp + 1] - 1 - p
        rq = starts[dq + 1] - 1 - q
        v = min(v, rp)
        v = min(v, rq)
        clamped[r] = v
    # pass 1: the blocks, their document frequency, and which positions start
    # a boilerplate run
    blk_lo = np.empty(1024, dtype=np.int64)
    blk_hi = np.empty(1024, dtype=np.int64)
    n_blk = 0
    # forced (when not empty) says which positions start a boilerplate run,
    # from document frequencies counted over a larger corpus than this one
    use_forced = forced.shape[0] == n
    boiler = forced.copy() if use_forced else np.zeros(n, dtype=np.bool_)
    r = 0
    while r < n - 1:
        if clamped[r] < min_len:
            r += 1
            continue
        lo = r
        hi = r + 1
        while hi < n - 1 and clamped[hi] >= min_len:
            hi += 1
        r = hi
        if use_forced and forced[sa[lo]]:
            continue
        df = 0
        for t in range(lo, hi + 1):
            d = doc[sa[t]]
            if seen[d] != lo:
                seen[d] = lo
                df += 1
        if df < 2:
            continue
        if df > max_df and not use_forced:
            if n_bp == bp_pos.shape[0]:
                bp_pos = np.concatenate((bp_pos, np.empty(n_bp, dtype=np.int64)))
                bp_df = np.concatenate((bp_df, np.empty(n_bp, dtype=np.int64)))
                bp_lo = np.concatenate((bp_lo, np.empty(n_bp, dtype=np.int64)))
                bp_hi = np.concatenate((bp_hi, np.empty(n_bp, dtype=np.int64)))
            m = sa[lo]
            for t in range(lo, hi + 1):
                boiler[sa[t]] = True
                m = min(m, sa[t])
            bp_pos[n_bp] = m
            bp_df[n_bp] = df
            bp_lo[n_bp] = lo
            bp_hi[n_bp] = hi
            n_bp += 1
            continue
        if n_blk == blk_lo.shape[0]:
            blk_lo = np.concatenate((blk_lo, np.empty(n_blk, dtype=np.int64)))
            blk_hi = np.concatenate((blk_hi, np.empty(n_blk, dtype=np.int64)))
        blk_lo[n_blk] = lo
        blk_hi[n_blk] = hi
        n_blk += 1
    # bp_run[p]: how many boilerplate runs start right before p, back to back
    bp_run = np.zeros(n, dtype=np.int32)
    if n_bp > 0 or use_forced:
        for p in range(1, n):
            if boiler[p - 1] and doc[p] >= 0 and p > starts[doc[p]]:
                bp_run[p] = bp_run[p - 1] + 1
    # pass 2: emit the pairs that start a match.  A pair whose tokens before are
    # equal still starts one when everything it continues is boilerplate: the
    # match is reported from its first run that is not boilerplate.
    for b in range(n_blk):
        lo = blk_lo[b]
        hi = blk_hi[b]
        first = sa[lo]
        left0 = text[first - 1] if first > starts[doc[first]] else -1 - first
        interesting = bp_run[first] > 0
        if not interesting:
            for t in range(lo + 1, hi + 1):
                p = sa[t]
                lp = text[p - 1] if p > starts[doc[p]] else -1 - p
                if lp != left0 or bp_run[p] > 0:
                    interesting = True
                    break
        if not interesting:
            continue
        for x in range(lo, hi):
            p = sa[x]
            dp = doc[p]
            lp = text[p - 1] if p > starts[dp] else -1 - p
            run = clamped[x]
            for y in range(x + 1, hi + 1):
                run = min(run, clamped[y - 1])
                q = sa[y]
                dq = doc[q]
                if dq == dp:
                    continue
                lq = text[q - 1] if q > starts[dq] else -1 - q
                if lq == lp:
                    # equal tokens before: a start only if the common run to the
                    # left is all boilerplate (no longer than bp_run[p])
                    limit = bp_run[p]
                    if limit == 0:
                        continue
                    ext = 0
                    while (
                        ext <= limit
                        and p - ext > starts[dp] and q - ext > starts[dq]
                        and text[p - ext - 1] == text[q - ext - 1]
                    ):
                        ext += 1
                    if ext > limit:
                        continue
                if n_out == out_x.shape[0]:
                    out_x = np.concatenate((out_x, np.empty(n_out, dtype=np.int64)))
                    out_y = np.concatenate((out_y, np.empty(n_out, dtype=np.int64)))
                    out_len = np.concatenate((out_len, np.empty(n_out, dtype=np.int64)))
                out_x[n_out] = p
                out_y[n_out] = q
                out_len[n_out] = run
                n_out += 1
    return (
        out_x[:n_out], out_y[:n_out], out_len[:n_out],
        bp_pos[:n_bp], bp_df[:n_bp], bp_lo[:n_bp], bp_hi[:n_bp],
    )


def maximal_matches(
    streams: Sequence[TokenStream], min_len: int, max_df: int | None = None,
    boilerplate: Sequence[np.ndarray] | None = None,
) -> tuple[Matches, BoilerplateRuns, Corpus, np.ndarray]:
    """Every maximal exact match of at least ``min_len`` tokens between two
    different documents, and the runs too common to expand.

    Returns the matches, the boilerplate runs, the joined corpus and its
    suffix array (for callers that map boilerplate back to documents).
    ``max_df=None`` expands everything.

    ``boilerplate``, one boolean array per stream (True where a boilerplate
    run starts), replaces the document frequencies of these streams by ones
    counted over a whole collection: a part of it audited alone (a Dask
    worker's block) then finds exactly the matches the whole would, and
    reports no boilerplate runs (the caller records them).
    """
    if min_len < 1:
        raise ValueError(f"min_len must be at least 1, got {min_len}")
    corpus = join(streams)
    sa, lcp = suffix_array(corpus.text)
    limit = len(streams) if max_df is None else int(max_df)
    forced = np.zeros(0, dtype=np.bool_)
    if boilerplate is not None:
        forced = np.zeros(corpus.text.shape[0], dtype=np.bool_)
        for i, mask in enumerate(boilerplate):
            forced[corpus.starts[i] : corpus.starts[i] + mask.shape[0]] = mask
    x, y, length, bpos, bdf, blo, bhi = _scan(
        sa, lcp, corpus.text, corpus.doc, corpus.starts, int(min_len), limit, forced,
    )
    dx = corpus.doc[x].astype(np.int64)
    dy = corpus.doc[y].astype(np.int64)
    swap = dx > dy
    da = np.where(swap, dy, dx)
    db = np.where(swap, dx, dy)
    pa = np.where(swap, y, x) - corpus.starts[da]
    pb = np.where(swap, x, y) - corpus.starts[db]
    order = np.lexsort((pb, pa, db, da))
    matches = Matches(
        a=da[order].astype(np.int32), b=db[order].astype(np.int32),
        a_start=pa[order].astype(np.int32), b_start=pb[order].astype(np.int32),
        length=length[order].astype(np.int32),
    )
    border = np.argsort(bpos, kind="stable")
    boiler = BoilerplateRuns(pos=bpos[border], df=bdf[border], lo=blo[border], hi=bhi[border])
    return matches, boiler, corpus, sa
