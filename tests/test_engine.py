"""The suffix-array engine against two independent oracles.

A brute-force scan of every pair of positions gives the set of maximal exact
matches by definition; the ``suffix-trees`` package's generalized suffix tree
gives the longest common run of every pair.  Random small corpora use a tiny
alphabet (so accidental matches abound) and have shared runs planted in them.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from suffix_trees import STree

from provenance.index import maximal_matches, suffix_array
from provenance.model import TokenStream


def stream(ids: list[int]) -> TokenStream:
    n = len(ids)
    spans = np.array([(2 * i, 2 * i + 1) for i in range(n)], dtype=np.int32).reshape(-1, 2)
    return TokenStream(ids=np.array(ids, dtype=np.int32), spans=spans)


def brute_force(docs: list[list[int]], k: int) -> set[tuple[int, int, int, int, int]]:
    """Every left- and right-maximal common run of >= k tokens, pair by pair."""
    out = set()
    for a, b in itertools.combinations(range(len(docs)), 2):
        x, y = docs[a], docs[b]
        for i in range(len(x)):
            for j in range(len(y)):
                if x[i] != y[j]:
                    continue
                if i > 0 and j > 0 and x[i - 1] == y[j - 1]:
                    continue  # not left-maximal: it continues a run that starts earlier
                n = 0
                while i + n < len(x) and j + n < len(y) and x[i + n] == y[j + n]:
                    n += 1
                if n >= k:
                    out.add((a, i, b, j, n))
    return out


def found(docs: list[list[int]], k: int, max_df: int | None = None) -> set[tuple[int, int, int, int, int]]:
    m, _, _, _ = maximal_matches([stream(d) for d in docs], k, max_df)
    return {
        (int(m.a[i]), int(m.a_start[i]), int(m.b[i]), int(m.b_start[i]), int(m.length[i]))
        for i in range(len(m))
    }


def _as_text(ids: list[int]) -> str:
    # one CJK character per token id: no clash with the tree's end markers
    return "".join(chr(0x4E00 + t) for t in ids)


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[list[int]], int]:
    alphabet = draw(st.integers(min_value=1, max_value=5))
    n_docs = draw(st.integers(min_value=2, max_value=5))
    token = st.integers(min_value=1, max_value=alphabet)
    docs = [draw(st.lists(token, min_size=0, max_size=30)) for _ in range(n_docs)]
    # plant a few shared runs, each in several documents at random places
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        run = draw(st.lists(st.integers(min_value=1, max_value=alphabet + 3), min_size=1, max_size=12))
        for d in draw(st.sets(st.integers(min_value=0, max_value=n_docs - 1), min_size=2, max_size=n_docs)):
            at = draw(st.integers(min_value=0, max_value=len(docs[d])))
            docs[d] = docs[d][:at] + run + docs[d][at:]
    k = draw(st.integers(min_value=1, max_value=6))
    return docs, k


@settings(max_examples=400)
@given(corpora())
def test_maximal_matches_equal_brute_force(case: tuple[list[list[int]], int]) -> None:
    docs, k = case
    assert found(docs, k) == brute_force(docs, k)


@settings(max_examples=300)
@given(corpora())
def test_matches_stay_inside_documents_and_are_real(case: tuple[list[list[int]], int]) -> None:
    docs, k = case
    for a, i, b, j, n in found(docs, k):
        assert a < b
        assert n >= k
        assert i + n <= len(docs[a]) and j + n <= len(docs[b])
        assert docs[a][i : i + n] == docs[b][j : j + n]


@settings(max_examples=300)
@given(corpora())
def test_longest_equals_suffix_tree_lcs(case: tuple[list[list[int]], int]) -> None:
    docs, k = case
    matches = found(docs, k)
    for a, b in itertools.combinations(range(len(docs)), 2):
        ours = max((n for (x, _, y, _, n) in matches if (x, y) == (a, b)), default=0)
        if not docs[a] or not docs[b]:
            assert ours == 0
            continue
        tree = STree.STree([_as_text(docs[a]), _as_text(docs[b])])
        lcs = len(tree.lcs())
        assert ours == (lcs if lcs >= k else 0)


def _df(docs: list[list[int]], run: list[int]) -> int:
    k = len(run)
    return sum(any(d[p : p + k] == run for p in range(len(d) - k + 1)) for d in docs)


def brute_force_limited(docs: list[list[int]], k: int, max_df: int) -> set[tuple[int, int, int, int, int]]:
    """Each maximal match from its first run of k tokens found in at most
    max_df documents to its end; matches made only of such runs vanish."""
    out = set()
    for a, i, b, j, n in brute_force(docs, k):
        for t in range(n - k + 1):
            if _df(docs, docs[a][i + t : i + t + k]) <= max_df:
                out.add((a, i + t, b, j + t, n - t))
                break
    return out


@settings(max_examples=300)
@given(corpora(), st.integers(min_value=2, max_value=4))
def test_boilerplate_is_never_expanded_and_the_rest_is_kept(
    case: tuple[list[list[int]], int], max_df: int
) -> None:
    docs, k = case
    assert found(docs, k, max_df) == brute_force_limited(docs, k, max_df)


def test_passage_that_starts_with_boilerplate_keeps_its_own_text() -> None:
    # a dateline [7 8 9] in every document, then text only docs 0 and 1 share:
    # the dateline itself is boilerplate; the first 3-token run found in at most
    # two documents is [8 9 1], so the pair's match starts there
    dateline = [7, 8, 9]
    docs = [dateline + [1, 2, 3, 4], dateline + [1, 2, 3, 4], dateline + [5], dateline + [6]]
    assert found(docs, 3, max_df=2) == {(0, 1, 1, 1, 6)}
    assert found(docs, 3) == {(0, 0, 1, 0, 7), (0, 0, 2, 0, 3), (0, 0, 3, 0, 3), (1, 0, 2, 0, 3),
                              (1, 0, 3, 0, 3), (2, 0, 3, 0, 3)}


def test_run_at_document_end_does_not_leak_into_next_document() -> None:
    # doc 0 ends with [1 2 3]; doc 1 is [1 2 3] then doc 2 starts with [4 5]:
    # a scan that ignored boundaries would extend the match across the separator.
    docs = [[9, 1, 2, 3], [1, 2, 3], [4, 5, 1, 2, 3, 4, 5]]
    got = found(docs, 2)
    assert got == brute_force(docs, 2)
    assert all(n == 3 for *_, n in got)


def _boiler_masks(docs: list[list[int]], k: int, max_df: int) -> list[np.ndarray]:
    """Where a run of k tokens found in more than max_df of ``docs`` starts, per document."""
    out = []
    for d in docs:
        mask = np.zeros(len(d), dtype=np.bool_)
        for p in range(len(d) - k + 1):
            mask[p] = _df(docs, d[p : p + k]) > max_df
        out.append(mask)
    return out


@settings(max_examples=300)
@given(corpora(), st.integers(min_value=2, max_value=4), st.data())
def test_a_block_with_the_collections_boilerplate_matches_as_the_whole(
    case: tuple[list[list[int]], int], max_df: int, data: st.DataObject
) -> None:
    """A distributed worker audits a block of a collection, knowing which runs
    are boilerplate in the whole collection: between the block's documents it
    must find exactly the matches the whole corpus gives."""
    docs, k = case
    whole = brute_force_limited(docs, k, max_df)
    masks = _boiler_masks(docs, k, max_df)
    block = sorted(data.draw(st.sets(st.integers(0, len(docs) - 1), min_size=2, max_size=len(docs))))
    m, runs, _, _ = maximal_matches([stream(docs[i]) for i in block], k, max_df, [masks[i] for i in block])
    got = {(block[int(m.a[i])], int(m.a_start[i]), block[int(m.b[i])], int(m.b_start[i]), int(m.length[i]))
           for i in range(len(m))}
    assert got == {x for x in whole if x[0] in block and x[2] in block}
    assert len(runs.pos) == 0  # the caller records boilerplate


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 255, 256, 65_535, 65_536, 2**24 - 1, 2**24, 2**31 - 1]).flatmap(
    lambda top: st.lists(st.one_of(st.integers(0, 2), st.integers(0, top)), min_size=1, max_size=200)))
def test_suffix_array_equals_the_sorted_suffixes(ids: list[int]) -> None:
    """The ids written in as few bytes as the largest needs (1 to 4) sort as the
    ids do: the suffix array is the suffixes sorted, and its LCP theirs."""
    text = np.array(ids, dtype=np.int32)
    sa, lcp = suffix_array(text)
    assert sa.tolist() == sorted(range(len(ids)), key=lambda i: ids[i:])
    common = [len(list(itertools.takewhile(lambda ab: ab[0] == ab[1], zip(ids[p:], ids[q:]))))
              for p, q in zip(sa.tolist(), sa.tolist()[1:])]
    assert lcp.tolist()[: len(common)] == common
