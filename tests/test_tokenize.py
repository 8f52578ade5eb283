"""Tokens keep their character spans; normalization folds what copy-editors swap."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.tokenize import (
    CHUNK_DOCS,
    Vocabulary,
    normalize,
    tokenize_all,
    tokenize_many,
    word_spans,
    words,
)


def test_spans_index_the_original_text() -> None:
    text = "“Strong support,” he said — Moscow’s war\r\nin Ukraine."
    vocab = Vocabulary(stem=False)
    s = vocab.tokenize(text)
    words = [text[a:b] for a, b in s.spans.tolist()]
    assert words == ["Strong", "support", "he", "said", "Moscow", "s", "war", "in", "Ukraine"]


def test_quotes_dashes_case_and_width_fold_to_one_id() -> None:
    vocab = Vocabulary(stem=False)
    a = vocab.tokenize("Moscow’s WAR")
    b = vocab.tokenize("moscow's war")
    c = vocab.tokenize("ＭＯＳＣＯＷ's war")  # fullwidth letters (NFKC)
    assert a.ids.tolist() == b.ids.tolist() == c.ids.tolist()
    assert normalize("“x” – y") == '"x" - y'


def test_stemming_joins_inflections_and_can_be_turned_off() -> None:
    stemmed = Vocabulary(stem=True)
    assert stemmed.tokenize("promised").ids.tolist() == stemmed.tokenize("promising").ids.tolist()
    plain = Vocabulary(stem=False)
    assert plain.tokenize("promised").ids.tolist() != plain.tokenize("promising").ids.tolist()


def test_ids_are_stable_for_the_same_input() -> None:
    texts = ["the cat sat", "a cat and a dog", "the dog sat"]
    first, _ = tokenize_all(texts)
    second, _ = tokenize_all(texts)
    assert [s.ids.tolist() for s in first] == [s.ids.tolist() for s in second]
    assert min(int(s.ids.min()) for s in first) >= 1  # 0 separates documents


@given(st.text(max_size=300))
def test_any_unicode_gives_ordered_in_bounds_word_spans(text: str) -> None:
    s = Vocabulary().tokenize(text)
    spans = s.spans.tolist()
    assert spans == [list(sp) for sp in word_spans(text)]
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        assert text[a:b].strip() == text[a:b]  # a token never holds whitespace
        last = b
    assert len(s.ids) == len(spans)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("abcAB éÉ’'“”—-\n\u0301") + ["Moscow", "promised", "promising", "ＭＯＳ"]),
                        max_size=30).map("".join), min_size=CHUNK_DOCS + 1, max_size=3 * CHUNK_DOCS))
def test_tokenizing_on_two_processes_gives_the_same_streams_and_ids(texts: list[str]) -> None:
    """The parallel tokenizer (chunks of CHUNK_DOCS texts, ids given in the
    main process) against one process: the same ids, spans and vocabulary,
    whichever chunk a word first appears in."""
    one, two = Vocabulary(stem=True), Vocabulary(stem=True)
    expected = [one.tokenize(t) for t in texts]
    got = tokenize_many(texts, two, jobs=2)
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g.ids.dtype == e.ids.dtype and g.ids.tolist() == e.ids.tolist()
        assert g.spans.tolist() == e.spans.tolist()
    assert two._ids == one._ids


# any code point, lone surrogates (a file decoded with surrogateescape) too, and words among them
_ANY = st.one_of(st.characters(exclude_categories=()), st.integers(0xD800, 0xDFFF).map(chr),
                 st.sampled_from(["word", "Moscow’s", " ", "_", "\u0301", "\u200d", "٣"]))


@given(st.lists(_ANY, max_size=120).map("".join))
def test_words_and_ids_agree_with_one_match_and_one_id_at_a_time(text: str) -> None:
    """``words`` (one findall, spans from the code points) against its twin,
    ``word_spans`` (one match object per token), on any code points, lone
    surrogates and astral ones included; and ``tokenize``'s ids against
    ``id_of`` called token by token."""
    found, spans = words(text)
    assert spans.dtype == np.int32 and spans.shape == (len(found), 2)
    assert spans.tolist() == [list(sp) for sp in word_spans(text)]
    assert found == [text[a:b] for a, b in word_spans(text)]
    one, other = Vocabulary(stem=True), Vocabulary(stem=True)
    assert one.tokenize(text).ids.tolist() == [other.id_of(w) for w in found]
    assert one._ids == other._ids
