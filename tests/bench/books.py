"""Book-length texts with edited copies: pairs built from the PAN 2013 training corpus, and
shelves of books built from real news sentences (``shelf``).

A *source book* is PAN source documents joined end to end (in the order of the
corpus's ``pairs`` listings of the random and translation obfuscation
folders), a *copy book* the suspicious documents of the same pairs joined in
the same order: each suspicious document holds an obfuscated passage of its
source document (words replaced, shuffled, or translated there and back), so
a copy book shares one edited passage with its source book per pair, in
order, amid the suspicious documents' own text.  No document appears twice in
one collection.  Real text and real edits, deterministic, and long: a 60,000
word book is about 40 documents of each kind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from provenance.model import Document
from tests.conftest import corpus_dir

FOLDERS = ("03-random-obfuscation", "04-translation-obfuscation")


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")


def book_texts(words: int, count: int = 1) -> list[tuple[str, str]]:
    """``count`` pairs ``(source_book, copy_book)`` of at least ``words`` words in the source book each."""
    root = corpus_dir("pan13-train")
    listed = []
    for folder in FOLDERS:
        for line in (root / folder / "pairs").read_text(encoding="utf-8").splitlines():
            if line.strip():
                susp, src = line.split()
                listed.append((susp, src))
    used: set[str] = set()
    out: list[tuple[str, str]] = []
    src_parts: list[str] = []
    susp_parts: list[str] = []
    n = 0
    for susp, src in listed:
        if susp in used or src in used:
            continue
        used.update((susp, src))
        text = _read(root / "src" / src)
        src_parts.append(text)
        susp_parts.append(_read(root / "susp" / susp))
        n += len(text.split())
        if n >= words:
            out.append(("\n\n".join(src_parts), "\n\n".join(susp_parts)))
            src_parts, susp_parts, n = [], [], 0
            if len(out) == count:
                return out
    raise ValueError(f"the corpus holds fewer than {count} books of {words} words")


def book_documents(words: int, count: int = 1) -> list[Document]:
    """The books of ``book_texts`` as documents ``book-K-source`` and ``book-K-copy``."""
    docs = []
    for k, (src, copy) in enumerate(book_texts(words, count)):
        for kind, text in (("source", src), ("copy", copy)):
            docs.append(Document(id=f"book-{k}-{kind}", path=f"book-{k}-{kind}.txt", title=f"book {k} {kind}", text=text,
                                 sha256=hashlib.sha256(text.encode()).hexdigest()))
    return docs


#: Words per chapter of a ``shelf`` book, and which chapters a borrowing book takes from its partner.
CHAPTER_WORDS = 3_000
SHARED_EVERY = 4


def shelf(words: int, count: int = 20, seed: int = 0) -> list[Document]:
    """``count`` books of about ``words`` words each, some sharing chapters.

    A chapter is about CHAPTER_WORDS words of real news sentences (``synth``'s
    fresh text: sentences of news-2018 with one word in four replaced, so that
    two chapters share no run of eight words by chance).  Books come in
    pairs: the second of each pair takes every SHARED_EVERY-th chapter from
    the first, edited as a newsroom edits a copy (``synth``: paragraphs
    dropped and reordered, words replaced, sentences inserted, at times only
    a block of it inside new text).  The share of text two books share is the
    same at any length, so an audit's work should grow with the length alone.
    Deterministic for a given ``seed``.
    """
    import random

    from tests.bench.synth import _derive, _fresh, _pool

    pool = _pool()
    rng = random.Random(seed)
    chapters = max(1, round(words / CHAPTER_WORDS))
    books: list[list[list[str]]] = []
    for k in range(count):
        partner = books[k - 1] if k % 2 else None
        own = []
        for c in range(chapters):
            if partner is not None and c % SHARED_EVERY == 0:
                own.append(_derive(partner[c], rng, pool))
            else:
                own.append(_fresh(rng, pool, target=CHAPTER_WORDS))
        books.append(own)
    docs = []
    for k, book in enumerate(books):
        text = "\n\n\n".join("\n\n".join(ch) for ch in book) + "\n"
        docs.append(Document(id=f"book-{k:02d}", path=f"book-{k:02d}.txt", title=f"book {k}", text=text,
                             sha256=hashlib.sha256(text.encode()).hexdigest()))
    return docs
