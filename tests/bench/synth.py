"""A deterministic synthetic corpus of real news text, with derived copies.

Sentences come from the 612 real articles of ``news-2018`` (Associated Press,
Reuters, AFP and many other publishers, July 2018).  A *fresh* article is a
headline and paragraphs of sentences drawn across the whole corpus, with one
word in four replaced by another word of the corpus, so that fresh articles
share no run of eight words by chance (the real articles share a lot of wire
copy, and drawing them whole would make cliques of a hundred copies); one
replacement in ten is a new word, so the vocabulary grows with the corpus as a
real one does (28,000 distinct stems in 1 M tokens, 190,000 in 10 M).  Its
length follows the real articles' lengths (median about 500 words, mean about
700).  What fresh articles still share is what the source text makes
unavoidable: a few scraped web fragments whose punctuation splits three words
into eight tokens, and once in a while the same word replaced twice alike.

A *derived* article copies another synthetic article the way a newsroom does:
either whole (paragraphs dropped and reordered, a few words replaced, new
sentences inserted) or in part (a block of the source's paragraphs inside new
text).  ``Synthetic.parent`` records every such copy, so a test can check what
the engine must find.  The same arguments always give the same corpus
(``random.Random(seed)`` only).
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from provenance.model import Document

NEWS_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "news-2018" / "helsinki_articles.csv"
#: ``PROVENANCE_BENCH_SCALE=full`` runs the benchmarks at their real sizes.
SCALE_ENV = "PROVENANCE_BENCH_SCALE"
#: A folder whose audit runs every kernel numba compiles, the engine's scans and the aligner's
#: (its pairs have aligned passages): audited once before a timed run, so that a fresh install's
#: one-off compilation (seconds, and a few hundred MB of LLVM) is not measured as the audit's.
WARM = Path(__file__).resolve().parents[2] / "seeds"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_TOKEN = re.compile(r"\w+")  # what provenance.tokenize counts as a token
_MIN_WORDS, _MAX_WORDS = 120, 2500  # clip the real length distribution (a few scraped pages are huge)
_NOVEL = 0.1  # share of replacement words that are new words (see _word)
_QUOTED = 40  # fewest words a copy takes from its source (where the source has that many)


def full_scale() -> bool:
    """True when the benchmarks should run at their real sizes."""
    return os.environ.get(SCALE_ENV, "small") == "full"


def scaled(full: int, small: int) -> int:
    """``full`` under ``PROVENANCE_BENCH_SCALE=full``, else ``small`` (the CI size)."""
    return full if full_scale() else small


@dataclass(frozen=True)
class Synthetic:
    """The articles, sorted by id, and which article each derived one copies."""

    documents: tuple[Document, ...]
    parent: dict[str, str]  # derived document id -> the id it was copied from

    @property
    def tokens(self) -> int:
        """Word tokens in all articles, counted as the tokenizer counts them."""
        return sum(len(_TOKEN.findall(d.text)) for d in self.documents)

    def planted_pairs(self, copies: Mapping[str, Iterable[str]] | None = None) -> set[tuple[str, str]]:
        """The pairs ``(a, b)``, ``a < b``, that an audit must report: each derived article with its source.

        ``copies`` maps a document id to the paths of the identical files folded
        into it (``Document.copies``): the pairs are then between the documents
        that stand for them, and a copy folded into its own source is no pair.
        """
        rep = {str(Path(p).with_suffix("")): head for head, paths in (copies or {}).items() for p in paths}
        out = set()
        for child, source in self.parent.items():
            a, b = rep.get(child, child), rep.get(source, source)
            if a != b:
                out.add((min(a, b), max(a, b)))
        return out

    def family(self, doc_id: str) -> str:
        """The fresh article that ``doc_id`` descends from (itself if fresh)."""
        while doc_id in self.parent:
            doc_id = self.parent[doc_id]
        return doc_id


@dataclass(frozen=True)
class _Pool:
    sentences: tuple[str, ...]  # distinct sentences of 8 to 60 words
    headlines: tuple[str, ...]  # first paragraphs of 4 to 20 words
    words: tuple[str, ...]  # distinct lower-case alphabetic words
    lengths: tuple[int, ...]  # word tokens per real article, clipped


@lru_cache(maxsize=2)
def _pool(path: Path = NEWS_CSV) -> _Pool:
    csv.field_size_limit(1 << 30)
    sentences: dict[str, None] = {}
    headlines: dict[str, None] = {}
    words: dict[str, None] = {}
    lengths: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            paras = [p.strip() for p in row["text"].split(" ### ")]
            lengths.append(min(max(len(_TOKEN.findall(row["text"])), _MIN_WORDS), _MAX_WORDS))
            if 4 <= len(paras[0].split()) <= 20:
                headlines.setdefault(paras[0], None)
            for para in paras:
                for s in _SENT.split(para):
                    n = len(s.split())
                    if 8 <= n <= 60:
                        sentences.setdefault(s, None)
                    for w in s.split():
                        if w.isalpha():
                            words.setdefault(w.lower(), None)
    if not sentences:
        raise ValueError(f"{path}: no sentences found (expected columns id, publisher, scrape_time, text)")
    return _Pool(tuple(sentences), tuple(headlines), tuple(words), tuple(lengths))


def _word(rng: random.Random, words: tuple[str, ...]) -> str:
    """A word of the corpus or, for one replacement in ten (``_NOVEL``), a new one spliced from two.

    New words stand for the names, coinages and typos that keep a real news
    vocabulary growing with its size (about 30,000 distinct stems in 1 M
    tokens, 200,000 in 10 M): without them the ids of 10 M tokens would stay
    below 10,000, and the suffix array sorts small alphabets faster.
    """
    w = rng.choice(words)
    if rng.random() < _NOVEL:
        other = rng.choice(words)
        w = w[: rng.randint(2, max(2, len(w)))] + other[rng.randrange(len(other)) :]
    return w


def _perturb(text: str, rng: random.Random, words: tuple[str, ...], every: int) -> str:
    """Replace one word in every ``every`` words (from a random offset)."""
    out = text.split()
    for i in range(rng.randrange(every), len(out), every):
        out[i] = _word(rng, words)
    return " ".join(out)


def _title(headline: str) -> str:
    """The title ``provenance.sources`` gives the file: its first line, at most 120 characters."""
    return headline if len(headline) <= 120 else headline[:117].rstrip() + "..."


def _words(paras: list[str]) -> int:
    return sum(len(p.split()) for p in paras)


def _fresh_paragraph(rng: random.Random, pool: _Pool) -> str:
    return " ".join(_perturb(rng.choice(pool.sentences), rng, pool.words, 4) for _ in range(rng.randint(1, 4)))


def _fresh(rng: random.Random, pool: _Pool, target: int | None = None) -> list[str]:
    """A headline and paragraphs until about ``target`` words (a real article's length)."""
    target = rng.choice(pool.lengths) if target is None else target
    paras = [_perturb(rng.choice(pool.headlines), rng, pool.words, 4)]
    while _words(paras) < target:
        paras.append(_fresh_paragraph(rng, pool))
    return paras


def _derive(parent: list[str], rng: random.Random, pool: _Pool) -> list[str]:
    """A copy of ``parent`` as a newsroom makes one: whole with edits, or a part inside new text."""
    head, body = parent[0], parent[1:] or parent[:1]
    if rng.random() < 0.3:  # a few paragraphs of the source quoted in an article of its own
        start = rng.randrange(len(body))
        end = start + rng.randint(1, 4)
        while _words(body[start:end]) < _QUOTED and end < len(body):
            end += 1
        own = _fresh(rng, pool, target=rng.randint(_MIN_WORDS, 600))
        cut = rng.randint(1, len(own))
        return own[:cut] + body[start:end] + own[cut:]
    paras = [p for p in body if rng.random() > 0.2]
    if _words(paras) < _QUOTED:  # a copy worth the name keeps a real part of its source
        paras.insert(0, max(body, key=len))
    if len(paras) > 2 and rng.random() < 0.5:
        i, j = rng.sample(range(len(paras)), 2)
        paras[i], paras[j] = paras[j], paras[i]
    paras = [_perturb(p, rng, pool.words, 40) if rng.random() < 0.5 else p for p in paras]
    for _ in range(rng.randint(0, 2)):
        paras.insert(rng.randrange(len(paras) + 1), _fresh_paragraph(rng, pool))
    if rng.random() < 0.3:  # the copy runs under a headline of its own
        head = _perturb(rng.choice(pool.headlines), rng, pool.words, 4)
    return [head] + paras


def _generate(seed: int, derived: float, path: Path, n_docs: int | None, n_tokens: int | None) -> Synthetic:
    pool = _pool(path)
    rng = random.Random(seed)
    bodies: list[list[str]] = []
    parents: list[int | None] = []
    tokens = 0
    while (n_docs is not None and len(bodies) < n_docs) or (n_tokens is not None and tokens < n_tokens):
        if bodies and rng.random() < derived:
            src = rng.randrange(len(bodies))
            body = _derive(bodies[src], rng, pool)
            parents.append(src)
        else:
            body = _fresh(rng, pool)
            parents.append(None)
        bodies.append(body)
        if n_tokens is not None:
            tokens += sum(len(_TOKEN.findall(p)) for p in body)
    width = max(5, len(str(len(bodies))))
    names = [f"a{i:0{width}d}" for i in range(len(bodies))]
    docs = []
    for name, body in zip(names, bodies):
        text = "\n\n".join(body) + "\n"
        docs.append(
            Document(
                id=name, path=f"{name}.txt", title=_title(body[0]), text=text,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    parent = {names[i]: names[p] for i, p in enumerate(parents) if p is not None}
    return Synthetic(documents=tuple(docs), parent=parent)


def make_corpus(n_docs: int, seed: int = 0, derived: float = 0.25, path: Path = NEWS_CSV) -> Synthetic:
    """``n_docs`` articles, about ``derived`` of them copies of earlier ones.

    Raises ``FileNotFoundError`` when the news-2018 corpus is absent (tests skip
    first through the ``news_corpus`` fixture).
    """
    if n_docs < 1:
        raise ValueError(f"n_docs must be at least 1, got {n_docs}")
    if not 0.0 <= derived < 1.0:
        raise ValueError(f"derived must be in [0, 1), got {derived}")
    return _generate(seed, derived, path, n_docs=n_docs, n_tokens=None)


def make_tokens(n_tokens: int, seed: int = 0, derived: float = 0.25, path: Path = NEWS_CSV) -> Synthetic:
    """Articles until there are at least ``n_tokens`` word tokens (at most one article more)."""
    if n_tokens < 1:
        raise ValueError(f"n_tokens must be at least 1, got {n_tokens}")
    if not 0.0 <= derived < 1.0:
        raise ValueError(f"derived must be in [0, 1), got {derived}")
    return _generate(seed, derived, path, n_docs=None, n_tokens=n_tokens)


def write_folder(corpus: Synthetic, folder: Path) -> Path:
    """Write each article as ``ID.txt`` (UTF-8) into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for d in corpus.documents:
        (folder / d.path).write_bytes(d.text.encode("utf-8"))
    return folder
