"""Book-length texts with edited copies, built from the PAN 2013 training corpus.

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
