"""``check``: where did a new text come from, against everything archived.

For a checked document X the answer must be what a full audit of the archive
plus X finds for the pairs (X, s).  The engine's pairs are local once every
position's boilerplate status is known (``provenance.distributed`` rests on
the same fact), so:

1. X's distinct ``min_len``-token runs are fingerprinted as the archive's
   are, and their postings give each run's archived document frequency; with
   X itself, a run in more than ``max_df`` documents is boilerplate.
2. The candidates are the archived documents sharing with X a run that is not
   boilerplate: no other document can share a passage with X.
3. The same engine (``audit.match_stage``) runs on the candidates and X, given
   those boilerplate runs as masks and asked only for the pairs with X.  A
   match between X and s consists of runs both hold, so only the status of
   runs X holds matters to it, and that status is exact.  The pairs among the
   candidates, whose masks would need more, are not kept.
4. Direction, confidence and the kind of change come from the lineage
   stage's pair evidence (dates, attribution, containment), weighed among X
   and the documents it shares text with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.archive.store import Snapshot
from provenance.model import Derivation, Document, Lineage, PairEvidence, Skipped
from provenance.settings import Settings

if TYPE_CHECKING:  # the lineage is imported when a check weighs its pairs
    from provenance.lineage.evidence import Candidate, _Family

SCHEMA = "provenance.check/1"
#: Suffix of a checked document's id inside the engine when an archived one has the same id.
_CLASH = "\x00checked"


@dataclass(frozen=True)
class CheckMatch:
    """One archived document sharing passages with a checked one."""

    checked: str
    archived: Document
    pair: PairEvidence  # as the engine found it (``a < b`` by id)
    direction: str  # checked_from_archived, archived_from_checked or unknown
    confidence: float
    change: str | None
    edge: Derivation | None  # the lineage edge the direction was read from

    @property
    def checked_is_a(self) -> bool:
        return self.pair.a == self.checked

    @property
    def covered_checked(self) -> float:
        return self.pair.covered_a if self.checked_is_a else self.pair.covered_b

    @property
    def covered_archived(self) -> float:
        return self.pair.covered_b if self.checked_is_a else self.pair.covered_a


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found for every checked document."""

    checked: tuple[Document, ...]
    matches: tuple[CheckMatch, ...]
    tokens: dict[str, int]  # of checked and matched archived documents
    identical: dict[str, str]  # checked id -> archived id of the same text
    candidates: dict[str, int]  # checked id -> archived documents the engine compared it with
    settings: Settings
    archived: int  # documents in the archive's snapshot
    skipped: tuple[Skipped, ...] = ()

    def likely_source(self, checked: str) -> CheckMatch | None:
        """The archived document ``checked`` most likely derives from: the
        most confident match whose direction is from the archive."""
        best = [m for m in self.matches if m.checked == checked and m.direction == "checked_from_archived"]
        best.sort(key=lambda m: (-m.confidence, -m.covered_checked, m.archived.id))
        return best[0] if best else None


def _chosen_edge(xid: str, sid: str, fam: _Family, edges: dict[tuple[str, str], Candidate]) -> tuple[str, Derivation | None]:
    """The direction of the pair (checked ``xid``, archived ``sid``) and its edge, calibrated."""
    from provenance.lineage import derivation
    from provenance.lineage.calibration import calibrated

    into, out = edges.get((sid, xid)), edges.get((xid, sid))
    if into is None or out is None:
        return "unknown", None
    p = into.probability
    if p == 0.5:
        return "unknown", None
    e = derivation(fam, into if p > 0.5 else out)
    e = dataclasses.replace(e, confidence=calibrated(e.confidence, e.evidence), evidence={**e.evidence, "score": e.confidence})
    return ("checked_from_archived" if p > 0.5 else "archived_from_checked"), e


def check_one(snap: Snapshot, x: Document, settings: Settings) -> tuple[list[CheckMatch], dict[str, int], str | None, int]:
    """The matches of one checked document ``x``; the tokens of it and of its
    matched documents; the archived id of an identical text; how many
    candidates were compared."""
    from provenance import sources
    from provenance.audit import match_stage
    from provenance.distributed import RunReader, boilerplate_masks
    from provenance.lineage import verbatim_pairs, weigh

    reader = RunReader(settings.stem, settings.k)
    own = reader.vocab.tokenize(x.text)
    fps = np.unique(reader.runs(own))
    df, holders = snap.postings(fps)
    twin = snap.find(sources.text_key(x.text))
    # X joins its twin in a full audit, so its runs count once
    total = df + (0 if twin is not None else 1)
    boiler = total > settings.max_df
    linked = np.flatnonzero(~boiler & (df >= 1)).tolist()
    nums = np.unique(np.concatenate([holders[i] for i in linked])) if linked else np.zeros(0, np.uint32)
    archived = [d for _, d, _ in snap.documents(nums.tolist()) if d.id != twin]
    if not archived:
        return [], {x.id: len(own)}, twin, 0
    xid = x.id if all(d.id != x.id for d in archived) else x.id + _CLASH
    mine = dataclasses.replace(x, id=xid)
    docs = sorted([*archived, mine], key=lambda d: d.id)
    engine = RunReader(settings.stem, settings.k)
    streams = engine.streams(docs)
    masks = boilerplate_masks(engine, streams, fps[boiler])
    pairs, _ = match_stage(docs, streams, settings, boilerplate=masks, keep=lambda a, b: xid in (a, b))
    if not pairs:
        return [], {x.id: len(own)}, twin, len(archived)
    related = {p.a if p.b == xid else p.b for p in pairs}
    keep_docs = [(d, s) for d, s in zip(docs, streams) if d.id in related or d.id == xid]
    kd, ks = [d for d, _ in keep_docs], [s for _, s in keep_docs]
    fam, edges = weigh(kd, ks, verbatim_pairs(kd, ks, pairs), aligned=pairs)
    by_id = {d.id: d for d in archived}
    out = []
    for p in pairs:
        sid = p.a if p.b == xid else p.b
        direction, e = _chosen_edge(xid, sid, fam, edges)
        if xid != x.id:  # the checked document under its own id again
            p = dataclasses.replace(p, a=x.id if p.a == xid else p.a, b=x.id if p.b == xid else p.b)
            if e is not None:
                e = dataclasses.replace(e, child=x.id if e.child == xid else e.child,
                                        parent=x.id if e.parent == xid else e.parent)
        out.append(CheckMatch(checked=x.id, archived=by_id[sid], pair=p, direction=direction,
                              confidence=e.confidence if e is not None else 0.0,
                              change=e.change if e is not None else None, edge=e))
    tokens = {(x.id if d.id == xid else d.id): len(s) for d, s in keep_docs}
    return out, tokens, twin, len(archived)


def check(snap: Snapshot, documents: Sequence[Document], *, max_df: int | None = None,
          skipped: Sequence[Skipped] = ()) -> CheckResult:
    """Check each of ``documents`` alone against the archive's snapshot
    (each is one audit of the archive plus it; they do not count each other)."""
    from threadpoolctl import threadpool_limits

    settings = snap.settings if max_df is None else dataclasses.replace(snap.settings, max_df=max_df)
    matches: list[CheckMatch] = []
    tokens: dict[str, int] = {}
    identical: dict[str, str] = {}
    compared: dict[str, int] = {}
    docs = sorted(documents, key=lambda d: d.id)
    with threadpool_limits(limits=1):
        for x in docs:
            got, counted, twin, n = check_one(snap, x, settings)
            matches.extend(got)
            tokens.update(counted)
            compared[x.id] = n
            if twin is not None:
                identical[x.id] = twin
    matches.sort(key=lambda m: (m.checked, -m.covered_checked, m.archived.id))
    return CheckResult(checked=tuple(docs), matches=tuple(matches), tokens=tokens, identical=identical,
                       candidates=compared, settings=settings, archived=snap.count(),
                       skipped=tuple(sorted(skipped, key=lambda s: s.path)))


def to_dict(result: CheckResult, version: str) -> dict[str, Any]:
    """``check.json``: plain JSON values, deterministic."""
    from provenance import export

    matches = []
    for m in result.matches:
        a_is_x = m.checked_is_a
        matches.append({
            "checked": m.checked,
            "archived": m.archived.id,
            "title": m.archived.title,
            "site": m.archived.site,
            "published": m.archived.published,
            "covered_checked": m.covered_checked,
            "covered_archived": m.covered_archived,
            "longest": m.pair.longest,
            "passages": [{"checked": list(q.a_chars if a_is_x else q.b_chars),
                          "archived": list(q.b_chars if a_is_x else q.a_chars),
                          "tokens": q.tokens, "exact": q.exact, "kind": q.kind} for q in m.pair.passages],
            "direction": m.direction,
            "confidence": m.confidence,
            "change": m.change,
        })
    sources = {}
    for d in result.checked:
        best = result.likely_source(d.id)
        sources[d.id] = best.archived.id if best is not None else None
    return {
        "schema": SCHEMA,
        "tool": {"name": "provenance", "version": version},
        "archive": {"documents": result.archived},
        "settings": result.settings.as_dict(),
        "checked": [export.document_dict(d, result.tokens.get(d.id, 0)) for d in result.checked],
        "candidates": dict(result.candidates),
        "identical": dict(result.identical),
        "likely_source": sources,
        "matches": matches,
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
    }


def _forest(edges: Sequence[Derivation]) -> list[Derivation]:
    """The edges the report can draw: each document below its most confident
    parent, and no edge that would close a cycle.  Checked documents that are
    archived ones, or that share text with each other through the archive, can
    otherwise give a document two parents or a loop (each check weighs its own
    pairs); ``check.json`` keeps every match's direction as it is."""
    parent: dict[str, str] = {}
    kept = []
    for e in sorted(edges, key=lambda e: (-e.confidence, e.child, e.parent)):
        if e.child in parent:
            continue
        up: str | None = e.parent
        while up is not None and up != e.child:
            up = parent.get(up)
        if up == e.child:
            continue
        parent[e.child] = e.parent
        kept.append(e)
    return kept


def as_audit(result: CheckResult) -> dict[str, Any]:
    """The check as an ``audit.json`` of the checked documents and the archived
    ones they share text with, each pair's chosen edge as its lineage: what the
    report draws."""
    from provenance import __version__, export
    from provenance.model import AuditResult

    docs: dict[str, Document] = {d.id: d for d in result.checked}
    for m in result.matches:
        docs.setdefault(m.archived.id, m.archived)
    edges = sorted(_forest([m.edge for m in result.matches if m.edge is not None]), key=lambda e: (e.child, e.parent))
    has_parent = {e.child for e in edges}
    ids = sorted(docs)
    audit = AuditResult(
        documents=tuple(docs[i] for i in ids), skipped=result.skipped,
        pairs=tuple(sorted((m.pair for m in result.matches), key=lambda p: (p.a, p.b))), boilerplate=(),
        lineage=Lineage(roots=tuple(i for i in ids if i not in has_parent), edges=tuple(edges)),
        settings=result.settings.as_dict(), tokens={i: result.tokens.get(i, 0) for i in ids})
    return export.to_dict(audit, __version__)
