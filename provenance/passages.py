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
from provenance.model import Boilerplate, Document, PairEvidence, Passage, TokenStream


@numba.njit(cache=True, nogil=True)
def _chain(a, b, a_start, b_start, length, max_gap):  # pragma: no cover - compiled
    """Label each match (sorted by pair, a_start, b_start) with its passage.

    A match joins the passage most recently opened for its pair when it starts
    no earlier on both sides and within ``max_gap`` tokens of the passage's end
    on both sides; otherwise it opens a new passage.
    """
    n = a.shape[0]
    label = np.empty(n, dtype=np.int64)
    cur = -1
    pa_lo = pa_hi = pb_lo = pb_hi = 0
    for i in range(n):
        s_a = a_start[i]
        s_b = b_start[i]
        e_a = s_a + length[i]
        e_b = s_b + length[i]
        same_pair = i > 0 and a[i] == a[i - 1] and b[i] == b[i - 1]
        if (
            same_pair
            and s_a >= pa_lo and s_b >= pb_lo
            and s_a - pa_hi <= max_gap and s_b - pb_hi <= max_gap
        ):
            if e_a > pa_hi:
                pa_hi = e_a
            if e_b > pb_hi:
                pb_hi = e_b
        else:
            cur += 1
            pa_lo, pa_hi, pb_lo, pb_hi = s_a, e_a, s_b, e_b
        label[i] = cur
    return label


def _union_length(spans: list[tuple[int, int]]) -> int:
    total = 0
    end = -1
    for s, e in sorted(spans):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


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
    so that the match order ``a < b`` is also the id order.
    """
    if len(matches) == 0:
        return []
    label = _chain(matches.a, matches.b, matches.a_start, matches.b_start, matches.length, int(max_gap))
    # boundaries of passages and of pairs in the sorted match arrays
    cuts = np.flatnonzero(np.diff(label)) + 1
    p_first = np.concatenate(([0], cuts))
    p_last = np.concatenate((cuts, [len(label)]))
    out: list[PairEvidence] = []
    passages: list[Passage] = []
    longest = 0
    a_arr, b_arr = matches.a, matches.b
    as_arr, bs_arr, ln_arr = matches.a_start, matches.b_start, matches.length
    for k in range(len(p_first)):
        lo, hi = int(p_first[k]), int(p_last[k])
        da, db = int(a_arr[lo]), int(b_arr[lo])
        runs = tuple(
            (int(as_arr[i]), int(bs_arr[i]), int(ln_arr[i])) for i in range(lo, hi)
        )
        a_lo = min(r[0] for r in runs)
        a_hi = max(r[0] + r[2] for r in runs)
        b_lo = min(r[1] for r in runs)
        b_hi = max(r[1] + r[2] for r in runs)
        exact = _union_length([(r[0], r[0] + r[2]) for r in runs])
        sa_, sb_ = streams[da], streams[db]
        passages.append(
            Passage(
                a=(a_lo, a_hi), b=(b_lo, b_hi),
                a_chars=char_span(sa_, a_lo, a_hi), b_chars=char_span(sb_, b_lo, b_hi),
                runs=runs, exact=exact,
                run_chars=tuple(
                    char_span(sa_, r[0], r[0] + r[2]) + char_span(sb_, r[1], r[1] + r[2]) for r in runs
                ),
            )
        )
        longest = max(longest, max(r[2] for r in runs))
        end_of_pair = hi == len(label) or int(a_arr[hi]) != da or int(b_arr[hi]) != db
        if end_of_pair:
            out.append(_evidence(ids[da], ids[db], passages, len(sa_), len(sb_), longest))
            passages = []
            longest = 0
    return out


def _evidence(
    a: str, b: str, passages: list[Passage], n_a: int, n_b: int, longest: int
) -> PairEvidence:
    cov_a = _union_length([p.a for p in passages]) / n_a if n_a else 0.0
    cov_b = _union_length([p.b for p in passages]) / n_b if n_b else 0.0
    ordered = tuple(sorted(passages, key=lambda p: (p.a, p.b)))
    return PairEvidence(
        a=a, b=b, passages=ordered,
        covered_a=round(cov_a, 6), covered_b=round(cov_b, 6), longest=longest,
    )


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
