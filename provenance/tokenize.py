"""Normalization and word tokens with character spans into the original text.

Tokens are found on the *original* text (so spans index it directly) and each
token is then normalized on its own: NFKC, quotes and dashes folded, case
folded, and optionally Snowball-stemmed.  Punctuation is not a token: a
changed comma never splits a shared passage, and a passage always starts and
ends on a word boundary.
"""

from __future__ import annotations

import multiprocessing
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from provenance._nltk import SnowballStemmer
from provenance._nltk import redos as nltk_redos
from provenance.model import TokenStream

# Typographic variants a copy-editor or a CMS swaps freely.
_FOLD_MAP = (
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ",
    }
)
# str.translate looks every character up in a dict (5 s on 40 MB of text);
# a regular expression visits only the characters to fold
_FOLD_RE = re.compile("[" + "".join(_FOLD_MAP) + "]")


def _fold(text: str) -> str:
    if text.isascii():
        return text
    return _FOLD_RE.sub(lambda m: _FOLD_MAP[m.group()], text)


# A word is a run of letters, digits or underscores (Unicode-aware), matched
# with nltk's hardened regex module (no downloaded data).  nltk checks a
# wall-clock limit at every match by default; ``\w+`` cannot backtrack, so we
# take its documented opt-out (timeout=None): half the tokenizer's time was
# that check, and a 50 MB single-line file no longer needs cutting in pieces.
_WORDS = nltk_redos.compile(r"\w+")


def normalize(text: str) -> str:
    """NFKC, typographic quotes and dashes folded, case folded."""
    return _fold(unicodedata.normalize("NFKC", text)).casefold()


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the word tokens of ``text``."""
    return [m.span() for m in _WORDS.finditer(text, timeout=None)]


class Vocabulary:
    """Maps normalized (and optionally stemmed) words to stable integer ids.

    Ids are given in order of first appearance, so the same documents in the
    same order always get the same ids; id 0 is never given (it separates
    documents in the suffix array).  Each distinct surface form is normalized
    and stemmed once.
    """

    def __init__(self, stem: bool = True) -> None:
        self.stem = stem
        self._stemmer = SnowballStemmer("english") if stem else None
        self._ids: dict[str, int] = {}
        self._surface: dict[str, int] = {}  # raw token -> id: the hot path

    def __len__(self) -> int:
        return len(self._ids)

    def term(self, word: str) -> str:
        """The normalized (and stemmed) form of one word."""
        norm = normalize(word)
        if self._stemmer is not None:
            norm = self._stemmer.stem(norm)
        return norm

    def id_of(self, word: str) -> int:
        found = self._surface.get(word)
        if found is not None:
            return found
        term = self.term(word)
        found = self._ids.get(term)
        if found is None:
            found = len(self._ids) + 1
            self._ids[term] = found
        self._surface[word] = found
        return found

    def tokenize(self, text: str) -> TokenStream:
        """The token stream of one document."""
        found = list(_WORDS.finditer(text, timeout=None))
        lookup, add = self._surface.get, self.id_of
        # ids start at 1, so a missing surface form (None) falls through to `add`
        ids = np.array([lookup(w) or add(w) for w in (m.group() for m in found)], dtype=np.int32)
        spans = np.array([m.span() for m in found], dtype=np.int32).reshape(-1, 2)
        return TokenStream(ids=ids, spans=spans)


#: Documents per task of ``tokenize_many``: small enough to balance the
#: processes, large enough that each task's distinct words are few.
CHUNK_DOCS = 100


def _tokenize_chunk(texts: list[str]) -> tuple[list[str], list[tuple[np.ndarray, np.ndarray]]]:
    """One process's share: the chunk's distinct surface forms in order of
    first appearance, and per text its tokens as indices into that list, with
    their spans."""
    seen: dict[str, int] = {}
    order: list[str] = []
    out = []
    for text in texts:
        found = list(_WORDS.finditer(text, timeout=None))
        ids = []
        for m in found:
            w = m.group()
            k = seen.get(w)
            if k is None:
                k = seen[w] = len(order)
                order.append(w)
            ids.append(k)
        spans = np.array([m.span() for m in found], dtype=np.int32).reshape(-1, 2)
        out.append((np.array(ids, dtype=np.int32), spans))
    return order, out


def tokenize_many(texts: Sequence[str], vocab: Vocabulary, jobs: int,
                  tick: Callable[[int], None] = lambda done: None) -> list[TokenStream]:
    """``vocab.tokenize`` of every text, on ``jobs`` processes: the same
    streams and the same ids.  Each process finds the words of its chunks;
    this process then gives their distinct forms ids (normalizing each form
    once, as ``tokenize`` does) chunk by chunk in order, and within a chunk in
    order of first appearance, which is the order one process gives them in."""
    if jobs <= 1 or len(texts) <= CHUNK_DOCS:
        streams = []
        for t in texts:
            streams.append(vocab.tokenize(t))
            if len(streams) % CHUNK_DOCS == 0 or len(streams) == len(texts):
                tick(len(streams))
        return streams
    chunks = [list(texts[k : k + CHUNK_DOCS]) for k in range(0, len(texts), CHUNK_DOCS)]
    streams = []
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        for order, part in pool.map(_tokenize_chunk, chunks):
            lookup, add = vocab._surface.get, vocab.id_of
            glob = np.array([lookup(w) or add(w) for w in order], dtype=np.int32)
            for local_ids, spans in part:
                streams.append(TokenStream(ids=glob[local_ids], spans=spans))
            tick(len(streams))
    return streams


def tokenize_all(texts: Iterable[str], stem: bool = True) -> tuple[list[TokenStream], Vocabulary]:
    """Token streams of many documents sharing one vocabulary."""
    vocab = Vocabulary(stem=stem)
    return [vocab.tokenize(t) for t in texts], vocab


def token_texts(text: str, stream: TokenStream, indices: Sequence[int]) -> list[str]:
    """The original surface of some tokens (for messages and tests)."""
    return [text[int(stream.spans[i, 0]) : int(stream.spans[i, 1])] for i in indices]
