"""Passage alignment for given pairs of documents (the PAN text-alignment task).

``align_corpus(documents, pairs, settings)`` returns, for every requested pair
``(a, b)``, the reused passages as character spans ``((a_start, a_end),
(b_start, b_end))`` of the two documents' texts, sorted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from provenance.audit import match_stage, tokenize_stage
from provenance.model import Document
from provenance.settings import Settings

CharSpan = tuple[int, int]
Detection = tuple[CharSpan, CharSpan]
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def align_corpus(
    documents: Sequence[Document],
    pairs: Sequence[tuple[str, str]],
    settings: Settings,
    *,
    jobs: int = 1,
    progress: Progress = _quiet,
) -> dict[tuple[str, str], list[Detection]]:
    """The passages each requested pair shares (exact runs only, for now)."""
    docs = sorted(documents, key=lambda d: d.id)
    streams = tokenize_stage(docs, settings, progress)
    evidence, _ = match_stage(docs, streams, settings, progress)
    found = {(p.a, p.b): p for p in evidence}
    out: dict[tuple[str, str], list[Detection]] = {}
    for a, b in pairs:
        ev = found.get((min(a, b), max(a, b)))
        spans: list[Detection] = []
        if ev is not None:
            for p in ev.passages:
                sa, sb = (p.a_chars, p.b_chars) if ev.a == a else (p.b_chars, p.a_chars)
                spans.append((tuple(sa), tuple(sb)))  # type: ignore[arg-type]
        out[(a, b)] = sorted(spans)
    return out
