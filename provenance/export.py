"""The JSON twin of the report, and atomic writing of every output file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from provenance.model import AuditResult, Derivation, Lineage, PairEvidence, Passage

SCHEMA = "provenance.audit/1"


def _passage(p: Passage) -> dict[str, Any]:
    return {
        "a": list(p.a_chars),
        "b": list(p.b_chars),
        "tokens": p.tokens,
        "exact": p.exact,
        "kind": p.kind,
        "a_tokens": list(p.a),
        "b_tokens": list(p.b),
        # exact runs inside the passage, as character spans on both sides
        "runs": [list(r) for r in p.run_chars],
    }


def pair_dict(pair: PairEvidence) -> dict[str, Any]:
    return {
        "a": pair.a,
        "b": pair.b,
        "covered_a": pair.covered_a,
        "covered_b": pair.covered_b,
        "longest": pair.longest,
        "passages": [_passage(p) for p in pair.passages],
    }


def _edge(e: Derivation) -> dict[str, Any]:
    return {
        "child": e.child,
        "parent": e.parent,
        "confidence": e.confidence,
        "change": e.change,
        "evidence": e.evidence,
    }


def lineage_dict(lin: Lineage) -> dict[str, Any]:
    return {
        "roots": list(lin.roots),
        "edges": [_edge(e) for e in lin.edges],
        "latent": [
            {"id": x.id, "label": x.label, "children": list(x.children), "passages": list(x.passages)}
            for x in lin.latent
        ],
    }


def to_dict(result: AuditResult, version: str) -> dict[str, Any]:
    """The whole result as plain JSON values."""
    return {
        "schema": SCHEMA,
        "tool": {"name": "provenance", "version": version},
        "documents": [
            {
                "id": d.id,
                "path": d.path,
                "title": d.title,
                "text": d.text,
                "chars": len(d.text),
                "tokens": result.tokens.get(d.id, 0),
                "sha256": d.sha256,
                "published": d.published,
                "site": d.site,
                "url": d.url,
                "author": d.author,
                "copies": list(d.copies),
                "meta": {k: v for k, v in d.meta},
            }
            for d in result.documents
        ],
        "pairs": [pair_dict(p) for p in result.pairs],
        "boilerplate": [
            {"doc": b.doc, "chars": list(b.chars), "tokens": b.tokens, "df": b.df, "docs": list(b.docs)}
            for b in result.boilerplate
        ],
        "lineage": lineage_dict(result.lineage) if result.lineage is not None else None,
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "settings": result.settings,
    }


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, fixed separators, a trailing newline."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one,
    never half of one: a temporary file beside it, flushed, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
