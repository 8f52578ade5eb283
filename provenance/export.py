"""The JSON twin of the report, and atomic writing of every output file."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:  # annotations only: the command line imports this module, and loads no numpy to start
    import numpy as np

from provenance.model import RUN_CHARS, AuditResult, Derivation, Document, Lineage, PairEvidence, Passage

SCHEMA = "provenance.audit/1"

class PairRows(Sequence[dict[str, Any]]):
    """The pairs of ``to_dict``, each made into its JSON row (``pair_dict``)
    only as it is read, not held: the rows of the dense 2,000 articles'
    118,973 pairs are 190 MB, and the outputs read them a few times, one row
    at a time; ``summaries`` and ``token_spans`` read the pairs themselves.
    ``json`` cannot encode it directly: ``dumps``, ``iter_json`` and
    ``json_default`` can."""

    def __init__(self, pairs: Sequence[PairEvidence]) -> None:
        self._pairs = pairs

    @property
    def pairs(self) -> Sequence[PairEvidence]:
        """The pairs themselves, for readers that need not make their rows."""
        return self._pairs

    def __len__(self) -> int:
        return len(self._pairs)

    @overload
    def __getitem__(self, k: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, k: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, k: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(k, slice):
            return [pair_dict(p) for p in self._pairs[k]]
        return pair_dict(self._pairs[k])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(pair_dict, self._pairs)

    def __eq__(self, other: object) -> bool:  # equal to the list of its rows
        if isinstance(other, (list, PairRows)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list's equality, a list's (lack of) hash


class Encoded(Iterator[str]):
    """Elements of a list already encoded as compact JSON, one string each, which
    ``iter_json`` writes as they are (the report's pair rows, written directly as
    ``pair_json`` writes a pair)."""

    def __init__(self, items: Iterable[str]) -> None:
        self._items = iter(items)

    def __next__(self) -> str:
        return next(self._items)


#: A pair's two ids, shares and number of passages (``summaries``).
PairSummary = tuple[str, str, float, float, int]


def summaries(pairs: Iterable[dict[str, Any]]) -> Iterator[PairSummary]:
    """(a, b, covered_a, covered_b, number of passages) of each pair of
    ``data["pairs"]``, without making its passages when they are ``PairRows``."""
    if isinstance(pairs, PairRows):
        return ((p.a, p.b, p.covered_a, p.covered_b, len(p.passages)) for p in pairs.pairs)
    return ((p["a"], p["b"], float(p["covered_a"]), float(p["covered_b"]), len(p["passages"])) for p in pairs)


def token_spans(pairs: Iterable[dict[str, Any]], index: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every passage's token span on each side of its pair in ``data["pairs"]``, as
    columns: the document (its number in ``index``), start and end; read from the
    passages' packed spans at once when they are ``PairRows``."""
    import numpy as np

    if isinstance(pairs, PairRows):
        ps = pairs.pairs
        counts = [len(p.passages) for p in ps]
        spans = np.frombuffer(b"".join([q.packed_spans for p in ps for q in p.passages]), dtype="<i4").reshape(-1, 8)
        docs = np.concatenate((np.repeat(np.array([index[p.a] for p in ps], dtype=np.int64), counts),
                               np.repeat(np.array([index[p.b] for p in ps], dtype=np.int64), counts)))
        return (docs, np.concatenate((spans[:, 0], spans[:, 2])).astype(np.int64),
                np.concatenate((spans[:, 1], spans[:, 3])).astype(np.int64))
    doc: list[int] = []
    lo: list[int] = []
    hi: list[int] = []
    for p in pairs:
        ia, ib = index[p["a"]], index[p["b"]]
        for q in p["passages"]:
            doc += (ia, ib)
            lo += (q["a_tokens"][0], q["b_tokens"][0])
            hi += (q["a_tokens"][1], q["b_tokens"][1])
    return np.array(doc, dtype=np.int64), np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)


#: A pair's two ids, shares, longest run and each passage's character spans on
#: a and on b, kind and exact runs (``char_spans``).
PairSpans = tuple[str, str, float, float, int, list[tuple[Sequence[int], Sequence[int], str, Sequence[Sequence[int]]]]]


def char_spans(pairs: Iterable[dict[str, Any]]) -> Iterator[PairSpans]:
    """(a, b, covered_a, covered_b, longest, each passage's (a_chars, b_chars,
    kind, runs)) of each pair of ``data["pairs"]``, without making its
    passages' dicts when they are ``PairRows``."""
    if isinstance(pairs, PairRows):
        return ((p.a, p.b, p.covered_a, p.covered_b, p.longest,  # each passage's spans unpacked once
                 [(sp[4:6], sp[6:8], q.kind, q.run_chars) for q in p.passages for sp in (q.spans,)])
                for p in pairs.pairs)
    return ((p["a"], p["b"], p["covered_a"], p["covered_b"], p["longest"],
             [(q["a"], q["b"], q.get("kind", "exact"), q.get("runs", [])) for q in p["passages"]]) for p in pairs)


def json_default(value: Any) -> Any:
    """``json.dumps(..., default=json_default)`` encodes ``PairRows`` as the lists they are."""
    if isinstance(value, PairRows):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _passage(p: Passage) -> dict[str, Any]:
    return {
        "a": [*p.a_chars],
        "b": [*p.b_chars],
        "tokens": p.tokens,
        "exact": p.exact,
        "kind": p.kind,
        "a_tokens": [*p.a],
        "b_tokens": [*p.b],
        # exact runs inside the passage, as character spans on both sides
        "runs": list(map(list, p.run_chars)),
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


_STR = encode_basestring  # the C encoder's strings without ensure_ascii, as ``iter_json`` writes them
_PASSAGE = ('{"a":[%d,%d],"a_tokens":[%d,%d],"b":[%d,%d],"b_tokens":[%d,%d],"exact":%d,"kind":%s,"runs":[%s],'
            '"tokens":%d}')
_RUN = "[%d,%d,%d,%d]"
#: The passage kinds as JSON strings (written often: ``pair_json``, the report's rows).
KIND_JSON = {"exact": '"exact"', "aligned": '"aligned"'}
_PAIR = '{"a":%s,"b":%s,"covered_a":%s,"covered_b":%s,"longest":%d,"passages":[%s]}'


def _passage_json(p: Passage) -> str:
    a0, a1, b0, b1, ac0, ac1, bc0, bc1 = p.spans
    return _PASSAGE % (ac0, ac1, a0, a1, bc0, bc1, b0, b1, p.exact, KIND_JSON.get(p.kind) or _STR(p.kind),
                       ",".join([_RUN % r for r in RUN_CHARS.iter_unpack(p.packed_run_chars)]),
                       max(a1 - a0, b1 - b0))


def pair_json(pair: PairEvidence) -> str:
    """``pair_dict(pair)`` encoded as ``iter_json`` encodes it (compact, keys
    sorted), written directly: making each passage's dict and lists only to
    encode them was most of the time ``audit.json`` took on dense folders."""
    rows = ",".join([_passage_json(p) for p in pair.passages])
    return _PAIR % (
        _STR(pair.a), _STR(pair.b), float.__repr__(pair.covered_a), float.__repr__(pair.covered_b), pair.longest,
        rows)


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


def document_dict(d: Document, tokens: int) -> dict[str, Any]:
    """A document as ``audit.json`` (and ``check.json``) lists it."""
    return {
        "id": d.id,
        "path": d.path,
        "title": d.title,
        "text": d.text,
        "chars": len(d.text),
        "tokens": tokens,
        "sha256": d.sha256,
        "published": d.published,
        "site": d.site,
        "url": d.url,
        "author": d.author,
        "copies": list(d.copies),
        "meta": {k: v for k, v in d.meta},
    }


def to_dict(result: AuditResult, version: str) -> dict[str, Any]:
    """The whole result as plain JSON values."""
    return {
        "schema": SCHEMA,
        "tool": {"name": "provenance", "version": version},
        "documents": [document_dict(d, result.tokens.get(d.id, 0)) for d in result.documents],
        "pairs": PairRows(result.pairs),
        "boilerplate": [
            {"doc": b.doc, "chars": list(b.chars), "tokens": b.tokens, "df": b.df, "docs": list(b.docs)}
            for b in result.boilerplate
        ],
        "lineage": lineage_dict(result.lineage) if result.lineage is not None else None,
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "settings": result.settings,
    }


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON, indented for reading: sorted keys, fixed separators, a
    trailing newline (``audit.json`` itself is written by ``iter_json``)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1, default=json_default) + "\n"


#: Elements of a top-level list encoded into one piece by ``iter_json``.
_PIECE = 256


def iter_json(data: Mapping[str, Any], end: str = "\n") -> Iterator[str]:
    """``data`` as ``audit.json`` holds it: compact JSON (no indentation, keys
    sorted, ``end`` after it), in pieces, each top-level list (or iterator,
    consumed as it goes) a few hundred elements at a time, so that no piece
    holds the whole file.  Joined, the pieces are ``json.dumps(data,
    sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    default=json_default) + end`` (an ``Encoded`` list: its strings are its elements' JSON).  The
    compact form is also what lets ``json`` use its C encoder (an indented
    dump runs in Python: 14 s for the 148 MB of the dense 2,000-article
    audit)."""
    encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
    yield "{"
    for n, key in enumerate(sorted(data)):
        yield ("," if n else "") + encode(key) + ":"
        value = data[key]
        if not isinstance(value, (list, Iterator, PairRows)):
            yield encode(value)
            continue
        # the pairs are encoded from themselves (``pair_json``), not from their rows
        items: Iterator[Any]
        each: Callable[[Any], str]
        if isinstance(value, PairRows):
            items, each = iter(value.pairs), pair_json
        elif isinstance(value, Encoded):
            items, each = value, str
        else:
            items, each = iter(value), encode
        yield "["
        first = True
        while piece := list(itertools.islice(items, _PIECE)):
            yield ("" if first else ",") + ",".join(map(each, piece))
            first = False
        yield "]"
    yield "}" + end


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
    for a, b, *_ in summaries(data["pairs"]):
        related[a] = related.get(a, 0) + 1
        related[b] = related.get(b, 0) + 1
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


#: What an output file is made of: its bytes, or text in pieces (``iter_json``).
Content = bytes | Iterable[str]


class WriteError(Exception):
    """An output file could not be written: ``path`` and the reason."""

    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(f"{path}: {exc.strerror or exc}")
        self.path, self.reason = path, exc.strerror or str(exc)


def _stage(path: Path, content: Content) -> str:
    """``content`` in a temporary file beside ``path``, flushed to disk; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, bytes):
                fh.write(content)
            else:
                for piece in content:
                    fh.write(piece.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def write_atomic(path: Path, data: Content) -> None:
    """Write ``data`` (bytes, or text in pieces) to ``path`` so that readers see
    the old file or the new one, never half of one: a temporary file beside
    it, flushed, then renamed."""
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def write_files(files: Mapping[Path, Content | Callable[[], Content]]) -> None:
    """Write several files, each atomically, none renamed into place before all
    are made: a failure leaves the old files (or none), never a mix.  Each is
    first written to a temporary file beside it, flushed, then all are
    renamed.  A value may be a function that makes the content, called in turn
    (so that a large file is streamed to disk before the next one is made).
    Raises ``WriteError`` naming the file."""
    staged: list[tuple[str, Path]] = []
    renamed = 0
    try:
        for path, content in files.items():
            try:
                staged.append((_stage(path, content() if callable(content) else content), path))
            except OSError as exc:
                raise WriteError(path, exc) from exc
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise WriteError(path, exc) from exc
            renamed += 1
    finally:
        for tmp, _ in staged[renamed:]:
            _unlink(tmp)
