"""Every option that shapes an audit, in one validated frozen dataclass.

Defaults live here as named constants and nowhere else.  Algorithms take
plain arguments; only ``audit`` reads a ``Settings``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Shortest exact run, in word tokens, that counts as shared text.  Eight
#: stemmed words in the same order almost never recur by chance in news prose
#: (names and stock phrases such as "Russian President Vladimir Putin" are
#: four or five), while a reused sentence is usually longer than that.
DEFAULT_MIN_LEN = 8
#: ``min_len=None`` (the command line's default) chooses it from the texts:
#: SHORT_MIN_LEN when the median input has fewer than SHORT_TEXT_TOKENS tokens
#: (short answers, abstracts, student work: 250 words leave few long runs to
#: a heavy revision, so four stemmed words in order are the shortest exact
#: evidence worth linking, and the lineage stage then weighs coverage and word
#: pairs, not one run), DEFAULT_MIN_LEN otherwise (news is about 700).  The
#: data that chose: Clough & Stevenson's answers (median 212 tokens) chose 4
#: (README, "Lineage"); news-2018 (median 492) chose 8, and seeds/ (median
#: 404) keeps 8.  Any threshold from 213 to 404 tokens treats all three alike.
SHORT_MIN_LEN = 4
SHORT_TEXT_TOKENS = 300
#: Largest gap, in tokens on either side, bridged when merging two exact runs
#: of one pair into one passage: a light edit (a word swapped, a clause
#: inserted) does not split a reused paragraph.
DEFAULT_MAX_GAP = 10
#: A run found in more than this many documents is boilerplate: recorded once,
#: not expanded into every pair (MOSS ``-m``, passim ``--maxDF``).
DEFAULT_MAX_DF = 100
#: An article file (text, Markdown, HTML) larger than this is skipped as too
#: large: 16 MiB of plain text is about three million words, no article is that
#: long, and reading it would cost the whole audit a minute.  Collections (one
#: article per record) may be COLLECTION_FACTOR times larger.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: Seconds per megabyte (and at least this many) that a web page or office file may take to be
#: read before it is skipped as stuck (``--read-timeout``).  Measured on the 2-core machine on a
#: day it ran about twice slower than idle: trafilatura took 134 s on a 16 MB page of 200,000
#: paragraphs (8.4 s per MB), pypdf 1.1 s on a dense 500-page 0.7 MB PDF (1.6 s per MB).  30 s
#: per MB leaves more than three times the slowest of them.
DEFAULT_READ_TIMEOUT = 30.0
COLLECTION_FACTOR = 64
#: Passage alignment that survives edits (``provenance.align``): a pair of
#: sentences seeds a passage when their tf-isf cosine and their weighted Dice
#: overlap both reach these values; seeds at most ``align_gap`` sentences apart
#: on both sides make one passage; passages shorter than ``align_min_chars``
#: characters on either side are dropped.  Values of Sanchez-Perez, Sidorov and
#: Gelbukh (PAN 2014), kept after a sweep on the PAN 2013 training corpus
#: (README, "Passage alignment"): 0.25 and 0.4 for both thresholds, gaps 3 and
#: 6, all scored lower or within noise of these.
DEFAULT_ALIGN = True
DEFAULT_ALIGN_COSINE = 0.33
DEFAULT_ALIGN_DICE = 0.33
DEFAULT_ALIGN_GAP = 4
DEFAULT_ALIGN_MIN_CHARS = 150
#: In an audit, only pairs whose exact passages cover at least this share of
#: one of the two texts are aligned across edits: alignment extends verbatim
#: reuse, and a pair linked by one shared quotation or stock phrase is not a
#: copy to extend (same-event news shares the same facts in other words).  It
#: also bounds the cost on a dense collection: of the 18,058 related pairs of
#: the 612 news-2018 articles, 4,907 reach 10%.
DEFAULT_ALIGN_MIN_COVERAGE = 0.1
DEFAULT_INCLUDE: tuple[str, ...] = ()
DEFAULT_EXCLUDE: tuple[str, ...] = ()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, as a container or
    ``taskset`` sets it), the command line's default ``--jobs``."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Options of one audit.  Construct with keywords; invalid values raise ``ValueError``."""

    min_len: int | None = DEFAULT_MIN_LEN  # None: chosen from the texts (``for_texts``)
    max_gap: int = DEFAULT_MAX_GAP
    max_df: int = DEFAULT_MAX_DF
    stem: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    lineage: bool = True
    align: bool = DEFAULT_ALIGN
    align_cosine: float = DEFAULT_ALIGN_COSINE
    align_dice: float = DEFAULT_ALIGN_DICE
    align_gap: int = DEFAULT_ALIGN_GAP
    align_min_chars: int = DEFAULT_ALIGN_MIN_CHARS
    align_min_coverage: float = DEFAULT_ALIGN_MIN_COVERAGE

    #: set by ``for_texts``: min_len was chosen from the texts, and how
    min_len_chosen: str | None = None

    def __post_init__(self) -> None:
        if self.min_len is not None and self.min_len < 1:
            raise ValueError(f"min_len must be at least 1, got {self.min_len}")
        if self.max_gap < 0:
            raise ValueError(f"max_gap must be 0 or more, got {self.max_gap}")
        if self.max_df < 2:
            raise ValueError(f"max_df must be at least 2 (a passage needs two documents), got {self.max_df}")
        for name in ("align_cosine", "align_dice"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if not 0 <= self.align_min_coverage <= 1:
            raise ValueError(f"align_min_coverage must be in [0, 1], got {self.align_min_coverage}")
        if self.align_gap < 0 or self.align_min_chars < 0:
            raise ValueError(f"align_gap and align_min_chars must be 0 or more, got {self.align_gap}, {self.align_min_chars}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {self.max_bytes}")

    @property
    def k(self) -> int:
        """``min_len`` once chosen (``for_texts``)."""
        if self.min_len is None:
            raise ValueError("min_len is chosen from the texts: call Settings.for_texts first")
        return self.min_len

    def for_texts(self, tokens: Sequence[int]) -> Settings:
        """These settings with ``min_len`` chosen from the token counts of the
        inputs (one per input file or record, identical inputs included) when
        it was left to the texts; unchanged otherwise."""
        if self.min_len is not None:
            return self
        import numpy as np  # here, not at the top: the command line reads these defaults without numpy

        median = float(np.median(np.asarray(tokens, dtype=np.int64))) if len(tokens) else 0.0
        k = SHORT_MIN_LEN if median < SHORT_TEXT_TOKENS else DEFAULT_MIN_LEN
        return dataclasses.replace(self, min_len=k, min_len_chosen=(
            f"{k}: median input {median:g} tokens, {'under' if k == SHORT_MIN_LEN else 'at least'} {SHORT_TEXT_TOKENS}"))

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values, in a stable order."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out
