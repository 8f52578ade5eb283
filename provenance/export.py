"""The JSON twin of the report, and atomic writing of every output file."""

from __future__ import annotations

import csv
import io
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


#: A cell a spreadsheet would run as a formula starts with one of these; such a
#: cell is written with a leading apostrophe (OWASP's advice on CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as ``documents.csv``, ``pairs.csv`` and ``edges.csv`` write it:
    numbers as ``json`` writes them, lists joined with ``;``, nothing as empty,
    and a text a spreadsheet would run as a formula behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([csv_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")  # the BOM tells a spreadsheet it is UTF-8


def to_csv(data: dict[str, Any]) -> dict[str, bytes]:
    """``documents.csv``, ``pairs.csv`` and ``edges.csv`` of an audit (the dict of
    ``to_dict``): one row per document, per pair and per edge of ``audit.json``,
    the edges with their plain-language verdict."""
    from provenance.verdict import shared_words, verdicts

    lin = data.get("lineage") or {"edges": [], "latent": []}
    tokens = {d["id"]: int(d["tokens"]) for d in data["documents"]}
    parent = {e["child"]: e["parent"] for e in lin["edges"]}
    kids: dict[str, list[str]] = {}
    for e in lin["edges"]:
        kids.setdefault(e["parent"], []).append(e["child"])
    related: dict[str, int] = {}
    for p in data["pairs"]:
        related[p["a"]] = related.get(p["a"], 0) + 1
        related[p["b"]] = related.get(p["b"], 0) + 1
    edge_of = {(e["parent"], e["child"]): e for e in lin["edges"]}
    documents = _csv(
        ["id", "path", "title", "site", "published", "url", "author", "words", "chars", "related", "parent",
         "children", "copies"],
        [[d["id"], d["path"], d["title"], d["site"], d["published"], d["url"], d["author"], d["tokens"], d["chars"],
          related.get(d["id"], 0), parent.get(d["id"]), sorted(kids.get(d["id"], [])), d["copies"]]
         for d in data["documents"]])
    pair_rows = []
    for p in data["pairs"]:
        e = edge_of.get((p["a"], p["b"])) or edge_of.get((p["b"], p["a"]))
        pair_rows.append([p["a"], p["b"], p["covered_a"], p["covered_b"], p["longest"], len(p["passages"]),
                          shared_words(p, tokens), e["parent"] if e else None, e["child"] if e else None,
                          e["confidence"] if e else None, e["change"] if e else None])
    pairs = _csv(["a", "b", "covered_a", "covered_b", "longest", "passages", "shared_words", "source", "copy",
                  "confidence", "change"], pair_rows)
    edge_rows = []
    for e, v in zip(lin["edges"], verdicts(data)):
        ev = e["evidence"]
        d = ev.get("direction") or {}
        edge_rows.append([e["child"], e["parent"], e["confidence"], e["change"], d.get("by"), d.get("probability"),
                          ev.get("covered_child"), ev.get("covered_parent"), ev.get("score"), ev.get("latent"),
                          v["sentence"]])
    edges = _csv(["child", "parent", "confidence", "change", "direction_by", "direction_probability", "covered_child",
                  "covered_parent", "score", "latent", "verdict"], edge_rows)
    return {"documents.csv": documents, "pairs.csv": pairs, "edges.csv": edges}


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
