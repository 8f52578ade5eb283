"""From maximal exact matches to shared passages per pair of documents.

Matches of one pair that follow each other in the same order on both sides,
with gaps of at most ``max_gap`` tokens on each side, merge into one passage:
a word swapped or a clause inserted does not split a reused paragraph, while
reordered paragraphs stay separate passages.  Runs found in more than
``max_df`` documents were set aside by the index as boilerplate; here they are
merged into spans and recorded once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from provenance.index import BoilerplateRuns, Corpus, Matches
from provenance.model import (
    RUN,
    RUN_CHARS,
    SPANS,
    Boilerplate,
    Document,
    PairEvidence,
    Passage,
    Span,
    TokenStream,
)


@numba.njit(cache=True, nogil=True)
def _chain(a, b, a_start, b_start, length, max_gap):  # pragma: no cover - compiled
    """Label each match (sorted by pair, a_start, b_start) with its passage.

    A match joins the passage most recently opened for its pair when it starts
    no earlier on both sides and within ``max_gap`` tokens of the passage's end
    on both sides; otherwise it opens a new passage.  Also returns, per
    passage, its token spans and the tokens of side a inside exact runs.
    """
    n = a.shape[0]
    label = np.empty(n, dtype=np.int64)
    lo_a = np.empty(n, dtype=np.int64)
    hi_a = np.empty(n, dtype=np.int64)
    lo_b = np.empty(n, dtype=np.int64)
    hi_b = np.empty(n, dtype=np.int64)
    exact = np.zeros(n, dtype=np.int64)
    cur = -1
    for i in range(n):
        s_a = a_start[i]
        s_b = b_start[i]
        e_a = s_a + length[i]
        e_b = s_b + length[i]
        if (
            cur >= 0 and a[i] == a[i - 1] and b[i] == b[i - 1]
            and s_a >= lo_a[cur] and s_b >= lo_b[cur]
            and s_a - hi_a[cur] <= max_gap and s_b - hi_b[cur] <= max_gap
        ):
            # runs arrive sorted by a_start: the union on side a grows at the end
            if e_a > hi_a[cur]:
                exact[cur] += e_a - max(s_a, hi_a[cur])
                hi_a[cur] = e_a
            hi_b[cur] = max(hi_b[cur], e_b)
        else:
            cur += 1
            lo_a[cur], hi_a[cur], lo_b[cur], hi_b[cur] = s_a, e_a, s_b, e_b
            exact[cur] = e_a - s_a
        label[i] = cur
    m = cur + 1
    return label, lo_a[:m], hi_a[:m], lo_b[:m], hi_b[:m], exact[:m]


@numba.njit(cache=True, nogil=True)
def union_sizes(first, last, lo, hi):  # pragma: no cover - compiled
    """Tokens in the union of spans ``[lo, hi)`` of each group ``first..last``."""
    g = first.shape[0]
    out = np.zeros(g, dtype=np.int64)
    for k in range(g):
        f = first[k]
        order = np.argsort(lo[f : last[k]], kind="mergesort")
        end = -1
        total = 0
        for o in order:
            s = lo[f + o]
            e = hi[f + o]
            if e <= end:
                continue
            total += e - max(s, end)
            end = e
        out[k] = total
    return out


def token_order(p: Passage) -> tuple[int, int, int, int]:
    """A passage's sort key: its token spans, (a, b), flat."""
    return SPANS.unpack(p.packed_spans)[:4]  # type: ignore[return-value]


def char_span(stream: TokenStream, start: int, end: int) -> tuple[int, int]:
    """Character span of tokens ``[start, end)``."""
    return int(stream.spans[start, 0]), int(stream.spans[end - 1, 1])


def pair_evidence(
    matches: Matches,
    streams: Sequence[TokenStream],
    ids: Sequence[str],
    max_gap: int,
) -> list[PairEvidence]:
    """Merge the matches of every pair into passages, with coverage both ways.

    ``ids`` are the document ids in the order of ``streams`` and must be sorted,
    so that the match order ``a < b`` is also the id order.  The arithmetic is
    done on whole arrays; Python objects are made once at the end.
    """
    if len(matches) == 0:
        return []
    label, lo_a, hi_a, lo_b, hi_b, exact = _chain(
        matches.a, matches.b, matches.a_start, matches.b_start, matches.length, int(max_gap)
    )
    # all spans in one table: row offset[d] + t is token t of document d
    offset = np.zeros(len(streams) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in streams], out=offset[1:])
    spans = np.concatenate([s.spans for s in streams]) if offset[-1] else np.zeros((0, 2), np.int32)

    m_first = np.flatnonzero(np.r_[True, np.diff(label) != 0])  # first match of each passage
    p_doc_a = matches.a[m_first].astype(np.int64)
    p_doc_b = matches.b[m_first].astype(np.int64)
    ga, gb = offset[p_doc_a], offset[p_doc_b]
    # each passage's four spans, packed (``model.SPANS``: a passage's are a slice of these bytes)
    p_spans = np.column_stack((lo_a, hi_a, lo_b, hi_b, spans[ga + lo_a, 0], spans[ga + hi_a - 1, 1],
                               spans[gb + lo_b, 0], spans[gb + hi_b - 1, 1])).astype("<i4").tobytes()
    # each run in tokens and in characters
    ma, mb = offset[matches.a.astype(np.int64)], offset[matches.b.astype(np.int64)]
    sa_, sb_, ln = matches.a_start.astype(np.int64), matches.b_start.astype(np.int64), matches.length
    # (packed rows, ``model.RUN`` and ``RUN_CHARS``: a passage's runs are a slice of these bytes)
    run_tok = np.column_stack((sa_, sb_, ln)).astype("<i4").tobytes()
    run_chr = np.column_stack((spans[ma + sa_, 0], spans[ma + sa_ + ln - 1, 1],
                               spans[mb + sb_, 0], spans[mb + sb_ + ln - 1, 1])).astype("<i4").tobytes()
    tok_size, chr_size, span_size = RUN.size, RUN_CHARS.size, SPANS.size

    # pairs: runs of passages with the same (a, b)
    pair_key = p_doc_a * (len(streams) + 1) + p_doc_b
    q_first = np.flatnonzero(np.r_[True, np.diff(pair_key) != 0])
    q_last = np.r_[q_first[1:], len(pair_key)]
    cov_a = union_sizes(q_first, q_last, lo_a, hi_a)
    cov_b = union_sizes(q_first, q_last, lo_b, hi_b)
    m_last = np.r_[m_first[1:], len(label)]
    longest = np.maximum.reduceat(ln, m_first[q_first]) if len(q_first) else ln[:0]

    exact_l = exact.tolist()
    m_first_l, m_last_l = m_first.tolist(), m_last.tolist()
    sizes = offset[1:] - offset[:-1]
    out: list[PairEvidence] = []
    for q, (f, l) in enumerate(zip(q_first.tolist(), q_last.tolist())):
        da, db = int(p_doc_a[f]), int(p_doc_b[f])
        ps = []
        for k in range(f, l):
            r0, r1 = m_first_l[k], m_last_l[k]
            ps.append(Passage.from_packed(p_spans[k * span_size : (k + 1) * span_size],
                                          run_tok[r0 * tok_size : r1 * tok_size], exact_l[k],
                                          run_chr[r0 * chr_size : r1 * chr_size]))
        if len(ps) > 1:
            ps.sort(key=token_order)
        n_a, n_b = int(sizes[da]), int(sizes[db])
        out.append(
            PairEvidence(
                a=ids[da], b=ids[db], passages=tuple(ps),
                covered_a=round(int(cov_a[q]) / n_a, 6) if n_a else 0.0,
                covered_b=round(int(cov_b[q]) / n_b, 6) if n_b else 0.0,
                longest=int(longest[q]),
            )
        )
    return out


def boilerplate(
    runs: BoilerplateRuns,
    corpus: Corpus,
    sa: np.ndarray,
    streams: Sequence[TokenStream],
    documents: Sequence[Document],
    min_len: int,
) -> list[Boilerplate]:
    """Merge boilerplate runs that follow each other in one document into spans."""
    out: list[Boilerplate] = []
    i = 0
    n = len(runs.pos)
    while i < n:
        start = int(runs.pos[i])
        end = start + min_len
        df = int(runs.df[i])
        lo, hi = int(runs.lo[i]), int(runs.hi[i])
        j = i + 1
        while j < n and int(runs.pos[j]) <= end and corpus.doc[int(runs.pos[j])] == corpus.doc[start]:
            end = max(end, int(runs.pos[j]) + min_len)
            df = min(df, int(runs.df[j]))
            j += 1
        d = int(corpus.doc[start])
        t0 = start - int(corpus.starts[d])
        t1 = end - int(corpus.starts[d])
        member_docs = sorted({documents[int(corpus.doc[int(p)])].id for p in sa[lo : hi + 1]})
        out.append(
            Boilerplate(
                doc=documents[d].id, chars=char_span(streams[d], t0, t1),
                tokens=t1 - t0, df=df, docs=tuple(member_docs),
            )
        )
        i = j
    return out


def covered_tokens(spans: Sequence[Span]) -> int:
    """Tokens inside the union of half-open ``spans``."""
    total, reach = 0, -1
    for lo, hi in sorted(spans):
        lo = max(lo, reach)
        if hi > lo:
            total += hi - lo
        reach = max(reach, hi)
    return total


def verbatim(pair: PairEvidence, n_a: int, n_b: int) -> PairEvidence:
    """``pair`` as the suffix array alone found it: aligned passages give back
    the exact passages they absorbed (``n_a``, ``n_b``: the documents' tokens):
    the pair before alignment where it is kept (``as_found``)."""
    if pair.as_found is not None:
        return pair.as_found
    if all(p.kind != "aligned" for p in pair.passages):
        return pair
    passages = tuple(sorted((part for p in pair.passages for part in (p.parts if p.kind == "aligned" else (p,))),
                            key=token_order))
    return PairEvidence(
        a=pair.a, b=pair.b, passages=passages,
        covered_a=round(covered_tokens([p.a for p in passages]) / n_a, 6) if n_a else 0.0,
        covered_b=round(covered_tokens([p.b for p in passages]) / n_b, 6) if n_b else 0.0,
        longest=pair.longest,
    )
