"""What a copy ``b``'s text says of ``x -> b`` against ``g -> b``, for every
triple of triangulation (``arborescence.triangulate``) in one compiled pass.

The facts read from each pair's exact runs and passages, as ``_Family``
packs them (``pairs``: each pair's documents, passages and runs):

- *own text*: tokens ``b`` shares word for word with ``x`` where neither
  ``b`` nor ``x`` shares that text with ``g`` (what ``x`` holds and ``g``
  lacks, found again in ``b``), read through the runs of ``b`` and ``x`` so
  that a run with ``g`` that happened to stop sooner does not count;
- *variant sites*: where the text ``b`` shares with ``g`` breaks off inside
  a passage (two consecutive runs, in order on both sides, with text of
  ``b`` between them that no run of the pair holds) and one run of ``b``
  with ``x`` goes on across it: there ``b`` reads with ``x``.

The Python definitions these kernels replace were a numpy call or more per
triple; ``tests/test_triples.py`` keeps them as the oracle.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np


class PackedPairs(NamedTuple):
    """Pairs' passages and runs as flat arrays: pair ``k``'s documents are
    ``rows[k]``, its passages ``table[pp[k] : pp[k + 1]]`` (document, start,
    end, tokens of side a, then document, start, end of side b), passage
    ``q``'s exact runs ``runs[rp[q] : rp[q + 1]]`` (start on a, on b, length)."""

    rows: np.ndarray
    pp: np.ndarray
    table: np.ndarray
    rp: np.ndarray
    runs: np.ndarray


@numba.njit(cache=True, nogil=True)
def _cover(mask, rows, pp, table, k, doc, value):  # pragma: no cover - compiled
    """Set ``mask`` over the tokens of ``doc`` that pair ``k``'s passages hold (k < 0: none)."""
    if k < 0:
        return
    c = 1 if rows[k, 0] == doc else 5
    for q in range(pp[k], pp[k + 1]):
        mask[table[q, c] : table[q, c + 1]] = value


@numba.njit(cache=True, nogil=True)
def _own(rows, pp, rp, runs, k, b, not_b, not_x, stamp, tag, not_own, own_base, mark, mark_base):  # pragma: no cover - compiled
    """Distinct tokens of ``b`` in the runs of pair ``k`` (``b`` and ``x``) whose
    token in ``b`` is not in ``not_b`` and whose token in ``x`` is not in
    ``not_x`` (nor in ``not_own[own_base:]`` when ``own_base >= 0``); the
    tokens of ``x`` counted are set in ``mark[mark_base:]`` when ``mark_base >= 0``."""
    b_first = rows[k, 0] == b
    count = 0
    for q in range(pp[k], pp[k + 1]):
        for r in range(rp[q], rp[q + 1]):
            sb, sx = (runs[r, 0], runs[r, 1]) if b_first else (runs[r, 1], runs[r, 0])
            for t in range(runs[r, 2]):
                at_b, at_x = sb + t, sx + t
                if not_b[at_b] or not_x[at_x]:
                    continue
                if own_base >= 0 and not_own[own_base + at_x]:
                    continue
                if mark_base >= 0:
                    mark[mark_base + at_x] = True
                if stamp[at_b] != tag:
                    stamp[at_b] = tag
                    count += 1
    return count


@numba.njit(cache=True, nogil=True)
def _inherited(p, k_bx, k_bg, k_xg, b, x, cov_b, cov_x, stamp, tag, not_own, own_base, mark, mark_base):  # pragma: no cover - compiled
    """Tokens ``b`` shares with ``x`` where neither shares that text with ``g`` (see the module)."""
    rows, pp, table, rp, runs = p
    _cover(cov_b, rows, pp, table, k_bg, b, True)
    _cover(cov_x, rows, pp, table, k_xg, x, True)
    n = _own(rows, pp, rp, runs, k_bx, b, cov_b, cov_x, stamp, tag, not_own, own_base, mark, mark_base)
    _cover(cov_b, rows, pp, table, k_bg, b, False)
    _cover(cov_x, rows, pp, table, k_xg, x, False)
    return n


@numba.njit(cache=True, nogil=True)
def _sort_runs(s, o, n):  # pragma: no cover - compiled
    """The order of runs ``(s, o, n)`` sorted as tuples: stable sorts from the last key to the first."""
    order = np.argsort(n, kind="mergesort")
    order = order[np.argsort(o[order], kind="mergesort")]
    return order[np.argsort(s[order], kind="mergesort")]


@numba.njit(cache=True, nogil=True)
def breaks(p, k, b, held):  # pragma: no cover - compiled
    """The variant sites of pair ``k`` on ``b``'s side: for each two consecutive
    exact runs of one passage, in order on both sides, the last token of the
    first and the first token of the second in ``b``; not where ``b``'s text
    between them is held by a run of the pair (a sentence found twice in a
    text, its runs aligned with the other copy).  ``held``: a zeroed scratch
    mask at least as long as ``b``, left zeroed."""
    rows, pp, _, rp, runs = p
    b_first = rows[k, 0] == b
    for r in range(rp[pp[k]], rp[pp[k + 1]]):
        start = runs[r, 0] if b_first else runs[r, 1]
        held[start : start + runs[r, 2]] = True
    lo = []
    hi = []
    for q in range(pp[k], pp[k + 1]):
        r0, r1 = rp[q], rp[q + 1]
        if r1 - r0 < 2:
            continue
        s = runs[r0:r1, 0] if b_first else runs[r0:r1, 1]
        o = runs[r0:r1, 1] if b_first else runs[r0:r1, 0]
        n = runs[r0:r1, 2]
        order = _sort_runs(s, o, n)
        for i in range(order.shape[0] - 1):
            u, v = order[i], order[i + 1]
            end_b, end_o = s[u] + n[u], o[u] + n[u]
            if s[v] >= end_b and o[v] >= end_o and not held[end_b : s[v]].any():
                lo.append(end_b - 1)
                hi.append(s[v])
    for r in range(rp[pp[k]], rp[pp[k + 1]]):
        start = runs[r, 0] if b_first else runs[r, 1]
        held[start : start + runs[r, 2]] = False
    return np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _all_breaks(p, keys, held):  # pragma: no cover - compiled
    """``breaks`` of each side ``keys[i]`` (2 x pair + 0 for side a, 1 for side b),
    as one array cut by ``ptr``."""
    rows = p[0]
    parts_lo = []
    parts_hi = []
    ptr = np.zeros(keys.shape[0] + 1, dtype=np.int64)
    for i in range(keys.shape[0]):
        k = keys[i] // 2
        lo, hi = breaks(p, k, rows[k, keys[i] % 2], held)
        parts_lo.append(lo)
        parts_hi.append(hi)
        ptr[i + 1] = ptr[i] + lo.shape[0]
    out_lo = np.empty(ptr[-1], dtype=np.int64)
    out_hi = np.empty(ptr[-1], dtype=np.int64)
    for i in range(keys.shape[0]):
        out_lo[ptr[i] : ptr[i + 1]] = parts_lo[i]
        out_hi[ptr[i] : ptr[i + 1]] = parts_hi[i]
    return ptr, out_lo, out_hi


@numba.njit(cache=True, nogil=True)
def _sides_with(p, k_bx, b, ids, ptr, lo, hi, slot):  # pragma: no cover - compiled
    """Variant sites of ``b`` against ``g`` (``breaks`` slot ``slot``) where one
    exact run of ``b`` with ``x`` (pair ``k_bx``) goes on across the break.
    ``ids``: a scratch array at least as long as ``b``, all -1, left so."""
    rows, pp, _, rp, runs = p
    if ptr[slot + 1] == ptr[slot]:
        return 0
    b_first = rows[k_bx, 0] == b
    first = rp[pp[k_bx]]
    for r in range(first, rp[pp[k_bx + 1]]):  # each token: the last run holding it, runs numbered in order
        start = runs[r, 0] if b_first else runs[r, 1]
        ids[start : start + runs[r, 2]] = r - first
    n = 0
    for i in range(ptr[slot], ptr[slot + 1]):
        if ids[lo[i]] >= 0 and ids[lo[i]] == ids[hi[i]]:
            n += 1
    for r in range(rp[pp[k_bx]], rp[pp[k_bx + 1]]):
        start = runs[r, 0] if b_first else runs[r, 1]
        ids[start : start + runs[r, 2]] = -1
    return n


@numba.njit(cache=True, nogil=True)
def _triples(p, width, tb, tx, tg, k_bx, k_bg, k_xg, ptr, lo, hi, slot_bg, slot_bx, group, n_groups, group_size):  # pragma: no cover - compiled
    """``triple_facts`` once its inputs are arrays: the breaks of the sides it
    reads (``ptr``, ``lo``, ``hi``; slot of b's side with g and with x per
    triple), each triple's (x, g) ``group`` and the tokens of its x."""
    n = tb.shape[0]
    only_x = np.zeros(n, dtype=np.int64)
    only_g = np.zeros(n, dtype=np.int64)
    with_x = np.zeros(n, dtype=np.int64)
    with_g = np.zeros(n, dtype=np.int64)
    cov_b = np.zeros(width, dtype=np.bool_)
    cov_o = np.zeros(width, dtype=np.bool_)
    stamp = np.full(width, -1, dtype=np.int64)
    ids = np.full(width, -1, dtype=np.int64)
    none = np.zeros(1, dtype=np.bool_)
    tag = 0
    for t in range(n):
        only_x[t] = _inherited(p, k_bx[t], k_bg[t], k_xg[t], tb[t], tx[t], cov_b, cov_o, stamp, tag, none, -1, none, -1)
        only_g[t] = _inherited(p, k_bg[t], k_bx[t], k_xg[t], tb[t], tg[t], cov_b, cov_o, stamp, tag + 1, none, -1, none, -1)
        tag += 2
        with_x[t] = _sides_with(p, k_bx[t], tb[t], ids, ptr, lo, hi, slot_bg[t])
        with_g[t] = _sides_with(p, k_bg[t], tb[t], ids, ptr, lo, hi, slot_bx[t])
    # x's additions that a copy of g holds too, one whose readings at x's
    # changes refute that it copied x, are not x's own: one mask over x per
    # (x, g) that has such a copy
    base = np.full(n_groups, -1, dtype=np.int64)
    total = 0
    for t in range(n):
        if with_g[t] > with_x[t] and only_x[t] and base[group[t]] < 0:
            base[group[t]] = total
            total += group_size[group[t]]
    common = np.zeros(total, dtype=np.bool_)
    for t in range(n):
        if with_g[t] > with_x[t] and only_x[t]:
            _inherited(p, k_bx[t], k_bg[t], k_xg[t], tb[t], tx[t], cov_b, cov_o, stamp, tag, none, -1,
                       common, base[group[t]])
            tag += 1
    # ... and are not counted for the other copies, whose sites tie
    for t in range(n):
        if base[group[t]] >= 0 and with_x[t] == with_g[t]:
            only_x[t] = _inherited(p, k_bx[t], k_bg[t], k_xg[t], tb[t], tx[t], cov_b, cov_o, stamp, tag, common,
                                   base[group[t]], none, -1)
            tag += 1
    return only_x, only_g, with_x, with_g


def triple_facts(p: PackedPairs, sizes: np.ndarray, tb: np.ndarray, tx: np.ndarray, tg: np.ndarray,
                 k_bx: np.ndarray, k_bg: np.ndarray, k_xg: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each triple ``(x, b, g)`` (document rows ``tx``, ``tb``, ``tg``; pair
    indices ``k_bx``, ``k_bg`` and ``k_xg``, -1 where x and g share nothing):
    ``b``'s own text with ``x`` against ``g`` and with ``g`` against ``x``,
    then its readings with ``x`` and with ``g`` at the variant sites, x's
    additions that a copy of g holds too not counted for the copies whose
    sites tie (see the module and ``arborescence.triangulate``).  ``sizes``:
    each document's tokens."""
    n = tb.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    rows = p.rows
    side_bg = (rows[k_bg, 0] != tb).astype(np.int64)
    side_bx = (rows[k_bx, 0] != tb).astype(np.int64)
    keys = np.unique(np.concatenate((2 * k_bg + side_bg, 2 * k_bx + side_bx)))
    width = int(sizes.max()) if sizes.size else 0
    held = np.zeros(width, dtype=np.bool_)
    ptr, lo, hi = _all_breaks(tuple(p), keys, held)
    slot_bg = np.searchsorted(keys, 2 * k_bg + side_bg)
    slot_bx = np.searchsorted(keys, 2 * k_bx + side_bx)
    pair_key = tx.astype(np.int64) * (int(sizes.shape[0]) + 1) + tg
    _, group = np.unique(pair_key, return_inverse=True)
    group = group.astype(np.int64).reshape(-1)
    n_groups = int(group.max()) + 1
    group_size = np.zeros(n_groups, dtype=np.int64)
    group_size[group] = sizes[tx]
    return _triples(tuple(p), width, tb, tx, tg, k_bx, k_bg, k_xg, ptr, lo, hi, slot_bg, slot_bx, group, n_groups,
                    group_size)


__all__ = ["PackedPairs", "breaks", "triple_facts"]
