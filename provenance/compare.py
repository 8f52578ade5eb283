"""``provenance compare``: the passages two articles share, shown in the terminal.

An article is a file or one record of a collection, addressed as an audit
names it (``FILE#ID``: ``helsinki_articles.csv#12``).  Inside each passage the
exact runs and the edited or bridged text between them are shown apart (two
colours on a terminal, ``[exact]`` and ``{edited}`` without colour), and the
text is the article's own, character for character: a passage's span starts
at its first word, so the punctuation that touches its ends (the "(" of
"(CNN)") is shown beside it as context, outside both marks, and the offsets
printed are the audit's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from provenance.model import Document, Passage, Skipped

__all__ = ["Segment", "address", "legend", "read", "render", "segments"]


def address(arg: str) -> tuple[Path, str | None]:
    """(the file, the record id or None) that ``arg`` names: a file as it is,
    or ``FILE#ID`` when no file has the whole name (the first ``#`` after
    which a file is named, so that an id may hold a ``#``)."""
    path = Path(arg)
    if path.exists() or "#" not in arg:
        return path, None
    for m in re.finditer("#", arg):
        head = Path(arg[: m.start()])
        if head.is_file():
            return head, arg[m.end():]
    return path, None


def read(arg: str) -> Document | Skipped:
    """The article ``arg`` names (``address``), or why it cannot be read."""
    from provenance import sources

    path, record = address(arg)
    return sources.read_text_file(path, str(path)) if record is None else sources.read_record(path, str(path), record)


@dataclass(frozen=True)
class Segment:
    """A piece of a passage's text as shown: ``kind`` is ``exact`` (inside an
    exact run), ``edited`` (between runs: bridged or aligned across edits) or
    ``context`` (whitespace between the two, punctuation touching the span)."""

    start: int
    end: int
    kind: str


def _runs(passage: Passage, side: int) -> list[tuple[int, int]]:
    """The passage's exact runs on one side (0: a, 1: b), in characters, sorted and merged."""
    spans = sorted((r[2 * side], r[2 * side + 1]) for r in passage.run_chars)
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def segments(text: str, passage: Passage, side: int) -> list[Segment]:
    """The text shown for one side of ``passage``, cut into exact, edited and
    context pieces that together are ``text[start:end]`` for a span that
    holds the passage's (``a_chars`` or ``b_chars``) and the punctuation
    touching it."""
    s, e = passage.a_chars if side == 0 else passage.b_chars
    exact: list[tuple[int, int]] = []
    for rs, re_ in _runs(passage, side):
        rs, re_ = max(rs, s), min(re_, e)
        if rs >= re_:
            continue
        # two runs apart only by spaces or punctuation are one: exact means the same words
        if exact and not any(c.isalnum() for c in text[exact[-1][1]:rs]):
            exact[-1] = (exact[-1][0], re_)
        else:
            exact.append((rs, re_))
    out: list[Segment] = []

    def gap(g0: int, g1: int) -> None:  # text between runs: edited, its surrounding whitespace context
        if g0 >= g1:
            return
        piece = text[g0:g1]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if lead == len(piece):
            out.append(Segment(g0, g1, "context"))
            return
        if lead:
            out.append(Segment(g0, g0 + lead, "context"))
        out.append(Segment(g0 + lead, g1 - trail, "edited"))
        if trail:
            out.append(Segment(g1 - trail, g1, "context"))

    at = s
    for rs, re_ in exact:
        gap(at, rs)
        out.append(Segment(rs, re_, "exact"))
        at = re_
    gap(at, e)
    ds, de = s, e
    while ds > 0 and not text[ds - 1].isspace() and not text[ds - 1].isalnum():
        ds -= 1
    while de < len(text) and not text[de].isspace() and not text[de].isalnum():
        de += 1
    head = [Segment(ds, s, "context")] if ds < s else []
    tail = [Segment(e, de, "context")] if de > e else []
    return head + out + tail


_COLOURS = {"exact": "green", "edited": "yellow"}
_MARKS = {"exact": ("[", "]"), "edited": ("{", "}")}


def legend(colour: bool) -> str:
    if colour:
        import click

        return ("in each passage: " + click.style("exact runs", fg=_COLOURS["exact"]) + ", "
                + click.style("edited or bridged text", fg=_COLOURS["edited"]))
    return "in each passage: [exact runs], {edited or bridged text}"


def render(text: str, parts: list[Segment], colour: bool) -> str:
    """The segments as one line of terminal text: coloured, or marked with brackets."""
    import click

    from provenance.sources import safe

    out = []
    for seg in parts:
        piece = safe.terminal(text[seg.start:seg.end])
        if seg.kind == "context":
            out.append(piece)
        elif colour:
            out.append(click.style(piece, fg=_COLOURS[seg.kind]))
        else:
            opening, closing = _MARKS[seg.kind]
            out.append(f"{opening}{piece}{closing}")
    return "".join(out)
