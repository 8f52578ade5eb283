"""A deterministic synthetic corpus of real news text, with derived copies.

Sentences come from the 612 real articles of ``news-2018`` (Associated Press,
Reuters, AFP and many other publishers, July 2018).  A *fresh* article is
paragraphs of sentences drawn across the whole corpus with about one word in
five replaced, so that fresh articles share no run of eight words by chance
(the real articles share a lot of wire copy, and drawing them whole would make
cliques of a hundred copies).  A *derived* article copies another synthetic
article the way a newsroom does: paragraphs dropped and reordered, a few words
replaced, new sentences inserted.  The first lines of each article say which
it is, so a test can check what the engine should find.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from provenance.model import Document

NEWS_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "news-2018" / "helsinki_articles.csv"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


@dataclass(frozen=True)
class Synthetic:
    documents: tuple[Document, ...]
    parent: dict[str, str]  # derived document id -> the id it was copied from

    @property
    def tokens(self) -> int:
        return sum(len(d.text.split()) for d in self.documents)


@lru_cache(maxsize=2)
def _pool(path: Path = NEWS_CSV) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Distinct sentences (8 to 60 words) and a word list from the real articles."""
    csv.field_size_limit(1 << 30)
    sentences: dict[str, None] = {}
    words: dict[str, None] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for para in row["text"].split(" ### "):
                for s in _SENT.split(para.strip()):
                    n = len(s.split())
                    if 8 <= n <= 60:
                        sentences.setdefault(s, None)
                    for w in s.split():
                        if w.isalpha():
                            words.setdefault(w.lower(), None)
    return tuple(sentences), tuple(words)


def _perturb(sentence: str, rng: random.Random, words: tuple[str, ...], every: int) -> str:
    out = sentence.split()
    for i in range(rng.randrange(every), len(out), every):
        out[i] = rng.choice(words)
    return " ".join(out)


def _fresh(rng: random.Random, sentences: tuple[str, ...], words: tuple[str, ...]) -> list[str]:
    paras = []
    for _ in range(rng.randint(5, 9)):
        paras.append(" ".join(_perturb(rng.choice(sentences), rng, words, 5) for _ in range(rng.randint(2, 4))))
    return paras


def _derive(parent: list[str], rng: random.Random, sentences: tuple[str, ...], words: tuple[str, ...]) -> list[str]:
    paras = [p for p in parent if rng.random() > 0.2] or parent[:1]
    if len(paras) > 2 and rng.random() < 0.5:
        i, j = rng.sample(range(len(paras)), 2)
        paras[i], paras[j] = paras[j], paras[i]
    paras = [_perturb(p, rng, words, 40) if rng.random() < 0.5 else p for p in paras]
    for _ in range(rng.randint(0, 2)):
        paras.insert(rng.randrange(len(paras) + 1), _perturb(rng.choice(sentences), rng, words, 5))
    return paras


def make_corpus(n_docs: int, seed: int = 0, derived: float = 0.25, path: Path = NEWS_CSV) -> Synthetic:
    """``n_docs`` articles, about ``derived`` of them copies of earlier ones."""
    sentences, words = _pool(path)
    rng = random.Random(seed)
    bodies: list[list[str]] = []
    docs: list[Document] = []
    parent: dict[str, str] = {}
    width = max(5, len(str(n_docs)))
    for i in range(n_docs):
        doc_id = f"a{i:0{width}d}"
        if bodies and rng.random() < derived:
            src = rng.randrange(len(bodies))
            body = _derive(bodies[src], rng, sentences, words)
            parent[doc_id] = f"a{src:0{width}d}"
        else:
            body = _fresh(rng, sentences, words)
        bodies.append(body)
        text = "\n\n".join(body) + "\n"
        docs.append(
            Document(
                id=doc_id, path=f"{doc_id}.txt", title=body[0][:80], text=text,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    return Synthetic(documents=tuple(docs), parent=parent)


def make_tokens(n_tokens: int, seed: int = 0) -> Synthetic:
    """A corpus of about ``n_tokens`` word tokens."""
    per_doc = 470  # measured: mean word tokens per synthetic article (1,000 articles, seed 0)
    return make_corpus(max(2, n_tokens // per_doc), seed=seed)


def write_folder(corpus: Synthetic, folder: Path) -> Path:
    """Write each article as ``ID.txt`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for d in corpus.documents:
        (folder / d.path).write_text(d.text, encoding="utf-8")
    return folder
