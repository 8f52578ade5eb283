"""The data model shared by every stage: frozen dataclasses, nothing else.

Offsets are always half-open ``[start, end)``.  Inside the engine they count
tokens; wherever a reader or a scorer sees them they count characters of the
document's ``text`` (Python string indices).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: importing the model (and the command line) loads no numpy
    import numpy as np

Span = tuple[int, int]


@dataclass(frozen=True)
class Document:
    """One article as the audit sees it.

    ``text`` is the decoded text that every character offset indexes.
    ``copies`` lists the other inputs whose text is identical after
    normalization; they are matched once, as this document.
    """

    id: str
    path: str
    title: str
    text: str
    sha256: str = ""  # of the input's bytes; left empty, that of the text (UTF-8)
    published: str | None = None  # ISO 8601 date or datetime (sources.dates); the form found is in meta
    site: str | None = None
    url: str | None = None
    author: str | None = None
    copies: tuple[str, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()  # where each metadata field came from, and anything else found

    def __post_init__(self) -> None:
        if not self.sha256:
            import hashlib

            object.__setattr__(self, "sha256", hashlib.sha256(self.text.encode("utf-8")).hexdigest())


@dataclass(frozen=True)
class Skipped:
    """An input that did not become a document, and why."""

    path: str
    reason: str


@dataclass(frozen=True, eq=False)
class TokenStream:
    """Token ids of one document and each token's character span in its text."""

    ids: np.ndarray  # int32[n], ids >= 1 (0 is reserved for the separator)
    spans: np.ndarray  # int32[n, 2]

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True, order=True)
class Match:
    """A maximal exact match between two documents, in token offsets.

    ``a`` and ``b`` are document indices with ``a < b``.
    """

    a: int
    a_start: int
    b: int
    b_start: int
    length: int


#: A passage's four spans, ``Passage.packed_spans``: a, b (tokens), a_chars, b_chars, int32 little-endian.
SPANS = struct.Struct("<8i")
_SPAN = struct.Struct("<2i")
_TOKENS = struct.Struct("<4i")  # a and b, the first half of SPANS
#: A run of ``Passage.packed_runs``: a_start, b_start, length (tokens).
RUN = struct.Struct("<3i")
#: A run of ``Passage.packed_run_chars``: a_start, a_end, b_start, b_end (characters).
RUN_CHARS = struct.Struct("<4i")


def _packed(rows: bytes | Sequence[Sequence[int]], form: struct.Struct) -> bytes:
    if isinstance(rows, bytes):
        if len(rows) % form.size:
            raise ValueError(f"packed runs of {len(rows)} bytes are not rows of {form.size}")
        return rows
    return b"".join([form.pack(*r) for r in rows])


@dataclass(frozen=True, slots=True, init=False)
class Passage:
    """A shared passage of one pair: exact runs merged across small gaps.

    ``a``/``b`` are token spans; ``a_chars``/``b_chars`` the character spans
    in each document's text.  ``runs`` are the exact runs inside, as
    ``(a_start, b_start, length)`` in tokens (``run_chars``: the same in
    characters).  ``exact`` counts the tokens of
    side ``a`` covered by exact runs.

    The spans and runs are held packed, as int32 rows (``SPANS``, ``RUN``,
    ``RUN_CHARS``): a pair's passages are most of an audit's memory, and a
    span or a run as a tuple of Python ints costs 100 to 200 bytes where its
    row costs 8 to 16.  The properties unpack them; readers of many passages
    read the bytes (``spans`` unpacks all four spans at once).
    """

    packed_spans: bytes
    packed_runs: bytes
    exact: int
    packed_run_chars: bytes
    kind: str  # "exact" (runs of the suffix array) or "aligned" (edit-tolerant seeds)
    # the exact passages an aligned passage absorbed (not exported: their runs are)
    parts: tuple[Passage, ...] = field(compare=False, repr=False)

    def __init__(self, a: Span, b: Span, a_chars: Span, b_chars: Span,
                 runs: bytes | Sequence[Sequence[int]], exact: int,
                 run_chars: bytes | Sequence[Sequence[int]] = b"", kind: str = "exact",
                 parts: tuple[Passage, ...] = ()) -> None:
        """``runs`` and ``run_chars`` as rows (tuples) or already packed (bytes)."""
        self._fill(SPANS.pack(*a, *b, *a_chars, *b_chars), runs, exact, run_chars, kind, parts)

    def _fill(self, spans: bytes, runs: bytes | Sequence[Sequence[int]], exact: int,
              run_chars: bytes | Sequence[Sequence[int]], kind: str, parts: tuple[Passage, ...]) -> None:
        put = object.__setattr__
        put(self, "packed_spans", spans)
        put(self, "packed_runs", _packed(runs, RUN))
        put(self, "exact", exact)
        put(self, "packed_run_chars", _packed(run_chars, RUN_CHARS))
        put(self, "kind", kind)
        put(self, "parts", parts)

    @classmethod
    def from_packed(cls, spans: bytes, runs: bytes, exact: int, run_chars: bytes = b"", kind: str = "exact",
                    parts: tuple[Passage, ...] = ()) -> Passage:
        """A passage from its packed spans (``SPANS``) and runs, as they are: for
        makers of many passages that pack them in bulk (``passages.pair_evidence``)."""
        if len(spans) != SPANS.size:
            raise ValueError(f"packed spans of {len(spans)} bytes, not {SPANS.size}")
        self = object.__new__(cls)
        self._fill(spans, runs, exact, run_chars, kind, parts)
        return self

    def __repr__(self) -> str:
        return (f"Passage(a={self.a}, b={self.b}, a_chars={self.a_chars}, b_chars={self.b_chars}, "
                f"runs={self.runs}, exact={self.exact}, run_chars={self.run_chars}, kind={self.kind!r})")

    @property
    def a(self) -> Span:
        return _SPAN.unpack_from(self.packed_spans, 0)  # type: ignore[return-value]

    @property
    def b(self) -> Span:
        return _SPAN.unpack_from(self.packed_spans, 8)  # type: ignore[return-value]

    @property
    def a_chars(self) -> Span:
        return _SPAN.unpack_from(self.packed_spans, 16)  # type: ignore[return-value]

    @property
    def b_chars(self) -> Span:
        return _SPAN.unpack_from(self.packed_spans, 24)  # type: ignore[return-value]

    @property
    def spans(self) -> tuple[int, int, int, int, int, int, int, int]:
        """a, b, a_chars and b_chars, flat: (a_start, a_end, b_start, ..., b_chars_end)."""
        return SPANS.unpack(self.packed_spans)  # type: ignore[return-value]

    @property
    def runs(self) -> tuple[tuple[int, int, int], ...]:
        return tuple(RUN.iter_unpack(self.packed_runs))

    @property
    def run_chars(self) -> tuple[tuple[int, int, int, int], ...]:
        """Each run as (a_start, a_end, b_start, b_end) characters (none where not known)."""
        return tuple(RUN_CHARS.iter_unpack(self.packed_run_chars))

    @property
    def tokens(self) -> int:
        a0, a1, b0, b1 = _TOKENS.unpack_from(self.packed_spans, 0)
        return max(a1 - a0, b1 - b0)


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """Everything two documents share.  ``a < b`` by document id."""

    a: str
    b: str
    passages: tuple[Passage, ...]
    covered_a: float  # fraction of a's tokens inside shared passages
    covered_b: float
    longest: int  # tokens in the longest exact shared run
    # the pair as the suffix array found it, before passages were aligned
    # across edits (``align.enrich``); None: this is it, or not known.  Not
    # exported: its passages are the aligned passages' parts
    as_found: PairEvidence | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Boilerplate:
    """A passage found in more than ``max_df`` documents, recorded once."""

    doc: str  # the document whose text the span indexes (first by id)
    chars: Span
    tokens: int
    df: int  # documents that contain it
    docs: tuple[str, ...]


@dataclass(frozen=True)
class Derivation:
    """``child`` derives from ``parent`` (a document id or a latent id)."""

    child: str
    parent: str
    confidence: float
    change: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Latent:
    """A source missing from the folder, inferred from what its children share."""

    id: str
    label: str
    children: tuple[str, ...]
    passages: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Lineage:
    roots: tuple[str, ...]
    edges: tuple[Derivation, ...]
    latent: tuple[Latent, ...] = ()


@dataclass(frozen=True)
class AuditResult:
    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]
    pairs: tuple[PairEvidence, ...]
    boilerplate: tuple[Boilerplate, ...]
    lineage: Lineage | None
    settings: dict[str, Any]
    tokens: dict[str, int] = field(default_factory=dict)  # tokens per document id
