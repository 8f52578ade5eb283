"""Normalization and word tokens with character spans into the original text.

Tokens are found on the *original* text (so spans index it directly) and each
token is then normalized on its own: NFKC, quotes and dashes folded, case
folded, and optionally Snowball-stemmed.  Punctuation is not a token: a
changed comma never splits a shared passage, and a passage always starts and
ends on a word boundary.
"""

from __future__ import annotations

import functools
import itertools
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
_WORD_CHAR = nltk_redos.compile(r"\w")
# Per code point: 1 a word character (``\w`` of the same engine), 0 not, 2 not
# yet asked (asked once per process, for the code points the texts hold).
_IS_WORD = np.full(0x110000, 2, dtype=np.uint8)
_IS_WORD[:128] = [_WORD_CHAR.fullmatch(chr(c), timeout=None) is not None for c in range(128)]


def normalize(text: str) -> str:
    """NFKC, typographic quotes and dashes folded, case folded."""
    return _fold(unicodedata.normalize("NFKC", text)).casefold()


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the word tokens of ``text`` (one match at a time:
    the obvious twin of ``words``, which ``tests/test_tokenize.py`` checks
    against it)."""
    return [m.span() for m in _WORDS.finditer(text, timeout=None)]


def words(text: str) -> tuple[list[str], np.ndarray]:
    r"""The word tokens of ``text`` and their character spans (int32[n, 2]).

    A ``\w+`` token is a maximal run of word characters, so the spans are
    where the text's code points change between word and not word (numpy
    over the code points), and the words come from one ``findall``: a match
    object per token, which ``finditer`` makes, was most of the tokenizer's
    time."""
    found = _WORDS.findall(text, timeout=None)
    if text.isascii():
        code = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        word = _IS_WORD[code]
    else:
        code = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        word = _IS_WORD[code]
        unknown = word == 2
        if unknown.any():
            for c in np.unique(code[unknown]).tolist():
                _IS_WORD[c] = _WORD_CHAR.fullmatch(chr(c), timeout=None) is not None
            word = _IS_WORD[code]
    edges = np.zeros(word.shape[0] + 2, dtype=np.int8)
    edges[1:-1] = word
    spans = np.flatnonzero(edges[1:] != edges[:-1]).astype(np.int32).reshape(-1, 2)
    return found, spans


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
        return self._add(word, self.term(word))

    def _add(self, word: str, term: str) -> int:
        """The id of a new surface form ``word`` whose term is ``term``."""
        found = self._ids.get(term)
        if found is None:
            found = len(self._ids) + 1
            self._ids[term] = found
        self._surface[word] = found
        return found

    def tokenize(self, text: str) -> TokenStream:
        """The token stream of one document."""
        found, spans = words(text)
        surface = self._surface
        # new forms get ids in order of first appearance; then every token is
        # looked up by the map in C, not by a Python loop
        for w in dict.fromkeys(found):
            if w not in surface:
                self.id_of(w)
        ids = np.fromiter(map(surface.__getitem__, found), dtype=np.int32, count=len(found))
        return TokenStream(ids=ids, spans=spans)


#: Documents per task of ``tokenize_many``: small enough to balance the
#: processes, large enough that each task's distinct words are few.
CHUNK_DOCS = 100


def _chunk_words(texts: list[str]) -> tuple[list[str], list[tuple[np.ndarray, np.ndarray]]]:
    """One process's share: the chunk's distinct surface forms in order of
    first appearance, and per text its tokens as indices into that list,
    with their spans."""
    found = [words(text) for text in texts]
    order = list(dict.fromkeys(itertools.chain.from_iterable(w for w, _ in found)))
    local = dict(zip(order, range(len(order))))
    return order, [(np.fromiter(map(local.__getitem__, w), dtype=np.int32, count=len(w)), spans)
                   for w, spans in found]


def _terms(stem: bool, forms: list[str]) -> list[str]:
    """The terms of some surface forms (a worker's share of the new forms)."""
    return list(map(Vocabulary(stem=stem).term, forms))


def tokenize_many(texts: Sequence[str], vocab: Vocabulary, jobs: int,
                  tick: Callable[[int], None] = lambda done: None) -> list[TokenStream]:
    """``vocab.tokenize`` of every text, on ``jobs`` processes: the same
    streams and the same ids.  The processes find the words of chunks of
    texts; this process lists the forms new to ``vocab`` in order of first
    appearance, which is the order one process meets them in; the processes
    normalize (and stem) those forms, each once; then this process gives them
    ids in that order and maps every chunk's forms to their ids."""
    if jobs <= 1 or len(texts) <= CHUNK_DOCS:
        streams = []
        for t in texts:
            streams.append(vocab.tokenize(t))
            if len(streams) % CHUNK_DOCS == 0 or len(streams) == len(texts):
                tick(len(streams))
        return streams
    chunks = [list(texts[k : k + CHUNK_DOCS]) for k in range(0, len(texts), CHUNK_DOCS)]
    parts = []
    met: dict[str, None] = {}  # every form, in order of first appearance
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        done = 0
        for order, part in pool.map(_chunk_words, chunks):
            met.update(dict.fromkeys(order))
            parts.append((order, part))
            done += len(part)
            tick(done)
        fresh = [w for w in met if w not in vocab._surface]
        step = -(-len(fresh) // (4 * jobs)) or 1
        shares = pool.map(functools.partial(_terms, vocab.stem), [fresh[k : k + step] for k in range(0, len(fresh), step)])
        for w, term in zip(fresh, itertools.chain.from_iterable(shares)):
            vocab._add(w, term)
    streams = []
    for order, part in parts:
        glob = np.fromiter(map(vocab._surface.__getitem__, order), dtype=np.int32, count=len(order))
        streams.extend(TokenStream(ids=glob[local_ids], spans=spans) for local_ids, spans in part)
    return streams


def tokenize_all(texts: Iterable[str], stem: bool = True) -> tuple[list[TokenStream], Vocabulary]:
    """Token streams of many documents sharing one vocabulary."""
    vocab = Vocabulary(stem=stem)
    return [vocab.tokenize(t) for t in texts], vocab


def token_texts(text: str, stream: TokenStream, indices: Sequence[int]) -> list[str]:
    """The original surface of some tokens (for messages and tests)."""
    return [text[int(stream.spans[i, 0]) : int(stream.spans[i, 1])] for i in indices]
