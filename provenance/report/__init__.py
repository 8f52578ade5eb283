"""The HTML provenance report: one self-contained file, built with lxml.

Every element of the page is made by lxml, so names and metadata are escaped
by construction; the views the script draws on demand (a family's tree, the
tables, a pair, a document) are made with ``createElement`` and
``textContent`` only, never from markup.  The data the script needs (texts,
passages, edges with their verdicts, each family's layout) is embedded once,
as gzip-compressed JSON in base64 inside a non-executable ``<script
type="application/octet-stream">`` block, decompressed by the browser's own
``DecompressionStream``: no character of an article can end that block, and
the 10,000-article report stays one file.  Character offsets are turned into
the browser's UTF-16 offsets (an emoji counts two there).  A
Content-Security-Policy allows only the page's own inline script (by hash) and
style, and no network.  The output is byte-identical for the same audit.
"""

from __future__ import annotations

import base64
import bisect
import collections
import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from typing import Any

import numpy as np
from lxml import etree
from lxml.html import builder as E

from provenance.export import KIND_JSON, char_spans, summaries, token_spans
from provenance.passages import union_sizes
from provenance.report.layout import LABEL_W, NODE_H, NODE_W, families
from provenance.verdict import CHANGES, GLOSSARY, verdicts, words_shared

__all__ = ["decode_payload", "payload", "render"]

SVG = "http://www.w3.org/2000/svg"


def _static(name: str) -> str:
    return resources.files("provenance.report").joinpath("static", name).read_text(encoding="utf-8")


def _s(tag: str, **attrs: Any) -> etree._Element:
    el = etree.Element(f"{{{SVG}}}{tag}", nsmap={None: SVG} if tag == "svg" else None)
    for k, v in attrs.items():
        el.set(k.rstrip("_").replace("_", "-"), str(v))
    return el


def _shared_fraction(data: dict[str, Any]) -> dict[str, float]:
    """Share of each document's tokens inside any shared passage (the union of
    the passages' spans on it, over all its pairs: ``passages.union_sizes``)."""
    index = {d["id"]: i for i, d in enumerate(data["documents"])}
    doc, lo, hi = token_spans(data["pairs"], index)
    order = np.argsort(doc, kind="stable")
    by_doc = doc[order]
    first = np.searchsorted(by_doc, np.arange(len(index)), side="left")
    last = np.searchsorted(by_doc, np.arange(len(index)), side="right")
    covered = union_sizes(first, last, lo[order], hi[order]).tolist()
    return {d["id"]: covered[i] / d["tokens"] if d["tokens"] else 0.0 for i, d in enumerate(data["documents"])}


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _utf16(text: str) -> Callable[[int], int] | None:
    """Character offset of ``text`` -> the browser's offset (UTF-16 code units,
    in which each character above U+FFFF, an emoji or half a flag, is two);
    None when they are the same (no such character)."""
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    if not astral:
        return None
    return lambda i: i + bisect.bisect_left(astral, i)


def _same(i: int) -> int:
    return i


def payload(data: dict[str, Any]) -> dict[str, Any]:
    """What the page's script reads: compact lists, offsets in UTF-16 units."""
    rest, pairs = _payload(data)
    return {**rest, "pairs": list(pairs)}


#: A pair's row of the page data as compact JSON (``_payload``'s ``row``):
#: a, b, covered_a, covered_b, longest, passages, words shared, edge.
_ROW = "[%d,%d,%s,%s,%d,[%s],%d,%d]"
#: A passage of a row: its spans on a and on b, kind and exact runs (flat).
_PASSAGE = "[%d,%d,%d,%d,%s,[%s]]"
_RUN = "%d,%d,%d,%d"


def _number(x: float) -> str:
    """A number as ``json`` writes it."""
    return float.__repr__(x) if isinstance(x, float) else int.__repr__(x)


def _payload(data: dict[str, Any], encoded: bool = False) -> tuple[dict[str, Any], Iterator[Any]]:
    """The payload without its pairs, and its pairs one at a time (most of it: the
    page's data is encoded without ever holding them all); ``encoded``: each pair
    as its row's compact JSON, written directly (as ``export.pair_json`` writes a
    pair), not made as lists to be encoded."""
    index = {d["id"]: i for i, d in enumerate(data["documents"])}
    lin = data.get("lineage") or {"roots": [], "edges": [], "latent": []}
    js = {d["id"]: _utf16(d["text"]) for d in data["documents"]}
    tokens = {d["id"]: int(d["tokens"]) for d in data["documents"]}
    shared = _shared_fraction(data)
    edge_of = {(e["parent"], e["child"]): k for k, e in enumerate(lin["edges"])}
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def row(a: str, b: str, covered_a: float, covered_b: float, longest: int, passages: list[Any]) -> list[Any]:
        fa, fb = js[a] or _same, js[b] or _same
        return [index[a], index[b], covered_a, covered_b, longest,
                [[fa(ca[0]), fa(ca[1]), fb(cb[0]), fb(cb[1]), kind,
                  [x for r in runs for x in (fa(r[0]), fa(r[1]), fb(r[2]), fb(r[3]))]] for ca, cb, kind, runs in passages],
                words_shared(float(covered_a), float(covered_b), tokens.get(a, 0), tokens.get(b, 0)),
                edge_of.get((a, b), edge_of.get((b, a), -1))]

    def row_json(a: str, b: str, covered_a: float, covered_b: float, longest: int, passages: list[Any]) -> str:
        if js[a] is not None or js[b] is not None:  # offsets to convert: rare, made as lists
            return encode(row(a, b, covered_a, covered_b, longest, passages))
        return _ROW % (
            index[a], index[b], _number(covered_a), _number(covered_b), longest,
            ",".join([_PASSAGE % (*ca, *cb, KIND_JSON.get(kind) or encode(kind),
                                  ",".join([_RUN % (*r,) for r in runs])) for ca, cb, kind, runs in passages]),
            words_shared(float(covered_a), float(covered_b), tokens.get(a, 0), tokens.get(b, 0)),
            edge_of.get((a, b), edge_of.get((b, a), -1)))

    fams = families(list(index) + [x["id"] for x in lin["latent"]], [(e["parent"], e["child"]) for e in lin["edges"]])
    change_of = {e["child"]: e["change"] for e in lin["edges"]}
    says = verdicts(data)
    pairs = (row_json(*p) for p in char_spans(data["pairs"])) if encoded else (row(*p) for p in char_spans(data["pairs"]))
    return {
        "docs": [[d["id"], d["title"], d.get("site") or "", d.get("published") or "", d["text"], d["tokens"],
                  d["path"], list(d.get("copies", [])), round(shared[d["id"]], 4)]
                 for d in data["documents"]],
        "edges": [[e["child"], e["parent"], e["confidence"], e["change"],
                   {**{k: v for k, v in e["evidence"].items() if k not in ("shared", "readings")},
                    "readings_n": len(e["evidence"]["readings"]) if isinstance(e["evidence"].get("readings"), list) else 0},
                   v["sentence"], v["terms"], _reading_spans(e, js)]
                  for e, v in zip(lin["edges"], says)],
        "latent": [[x["id"], x["label"], x["children"]] for x in lin["latent"]],
        "families": [[f.root, list(f.members), [round(c, 1) for xy in f.xy for c in xy], f.width, f.height,
                      f.depth, _changes([change_of[m] for m in f.members if m in change_of])]
                     for f in fams],
        "glossary": GLOSSARY,
        "node": [NODE_W, NODE_H, LABEL_W],
    }, pairs


def _reading_spans(e: dict[str, Any], js: dict[str, Callable[[int], int] | None]) -> list[int]:
    """The edge's readings as UTF-16 spans, flat: child start, end, parent start, end, ..."""
    got = e["evidence"].get("readings")
    if not isinstance(got, list) or e["child"] not in js or e["parent"] not in js:
        return []
    fc, fp = js[e["child"]] or _same, js[e["parent"]] or _same
    return [x for r in got for x in (fc(r["child"][0]), fc(r["child"][1]), fp(r["parent"][0]), fp(r["parent"][1]))]


def _changes(kinds: list[str]) -> str:
    counts: dict[str, int] = {}
    for k in kinds:
        counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


#: The page data's gzip level: 1 compresses the 10,000 sparse articles' 52 MB
#: of JSON in 0.7 s instead of 2.5 s at level 6, to 24.4 MB instead of 20.7
#: (the page 17% larger); level 4 takes 0.9 s for 21.8 MB.
GZIP_LEVEL = 1
#: Pieces of the page's JSON waiting for the compressing thread at most.
_PENDING = 8


def _encode(data: dict[str, Any]) -> str:
    """The page's data: the payload as compact JSON (``export.iter_json``, without its
    newline), gzip-compressed (``GZIP_LEVEL``, no time stamp), in base64; its pairs
    made, encoded and compressed a few hundred at a time, so that neither all their rows
    nor the whole JSON text are held at once (the same bytes as compressing the whole
    text in one call).  A thread compresses each piece while this one encodes the next
    (zlib lets go of the interpreter while it works), in order."""
    from provenance.export import Encoded, iter_json

    rest, pairs = _payload(data, encoded=True)
    z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: a gzip stream, its header without a time
    out: list[bytes] = []
    pending: collections.deque[Future[bytes]] = collections.deque()
    with ThreadPoolExecutor(max_workers=1) as pool:  # one thread: the pieces are compressed in order
        for piece in iter_json({**rest, "pairs": Encoded(pairs)}, end=""):
            if len(pending) == _PENDING:
                out.append(pending.popleft().result())
            pending.append(pool.submit(z.compress, piece.encode("utf-8")))
        out.extend(f.result() for f in pending)
    out.append(z.flush())
    return base64.b64encode(b"".join(out)).decode("ascii")


def decode_payload(page: bytes) -> dict[str, Any]:
    """The embedded data of a report (for tests and tools).  Read from the bytes:
    libxml2 cuts text nodes of more than 10 MB, which a large report's block is."""
    start = page.index(b">", page.index(b'id="audit-data"')) + 1
    got: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(page[start : page.index(b"</script>", start)])))
    return got


def _term(name: str, shown: str | None = None) -> etree._Element:
    return E.SPAN(shown or name, **{"class": "term", "title": GLOSSARY[name], "tabindex": "0"})


def _legend() -> etree._Element:
    svg = _s("svg", width="40", height="14", viewBox="0 0 40 14", class_="key-line")
    svg.append(_s("path", d="M2,7 L36,7", stroke="#666", stroke_width="3", marker_end="url(#arrow)"))
    return E.DIV(
        E.CLASS("legend"),
        E.SPAN(E.CLASS("key node-key"), "document"), " ",
        E.SPAN(E.CLASS("key latent-key"), _term("missing source")), " ",
        E.SPAN(E.CLASS("key"), "source ", svg, " copy; thicker = higher ", _term("confidence"),
               "; the label says how the text changed (", *_changes_terms(), ")"), " ",
        E.SPAN(E.CLASS("key exact"), _term("exact run", "exact shared text")), " ",
        E.SPAN(E.CLASS("key edited"), _term("edited passage", "shared, edited on the way")), " ",
        E.SPAN(E.CLASS("key reading"), _term("readings", "a reading: ties the copy to this parent alone")),
    )


def _changes_terms() -> list[Any]:
    out: list[Any] = []
    for i, k in enumerate(CHANGES):
        if i:
            out.append(", ")
        out.append(_term(k))
    return out


def _glossary() -> etree._Element:
    dl = E.DL(E.CLASS("glossary"))
    for k in sorted(GLOSSARY):
        dl.append(E.DT(k, id=f"term-{re.sub(r'[^a-z0-9]+', '-', k)}"))
        dl.append(E.DD(GLOSSARY[k]))
    return dl


def _summary(data: dict[str, Any]) -> etree._Element:
    lin = data.get("lineage") or {"edges": [], "latent": []}
    same = sum(len(d.get("copies", [])) for d in data["documents"])
    counts = E.UL(
        E.LI(f"{len(data['documents'])} documents, {len(data['pairs'])} related pairs, "
             f"{sum(n for *_, n in summaries(data['pairs']))} shared passages"),
        E.LI(f"{same} more {'input' if same == 1 else 'inputs'} identical to a document (after normalization), "
             "listed with it in the documents table"),
        E.LI(f"{len(lin['edges'])} derivations, {len(lin['latent'])} missing sources inferred, "
             f"{len(data['boilerplate'])} boilerplate passages, {len(data['skipped'])} inputs skipped"),
        E.LI(f"{data['tool']['name']} {data['tool']['version']}, schema {data['schema']}"),
    )
    settings = E.TABLE(E.CLASS("settings"), E.TBODY(*[
        E.TR(E.TH(k), E.TD(json.dumps(v, ensure_ascii=False))) for k, v in sorted(data["settings"].items())
    ]))
    skipped = E.UL(*[E.LI(E.CODE(s["path"]), ": ", s["reason"]) for s in data["skipped"]]) if data["skipped"] else E.P("Nothing was skipped.")
    unread = [(d["id"], d["meta"]) for d in data["documents"] if "published_not_read" in d.get("meta", {})]
    dates = E.UL(*[E.LI(E.CODE(i), ": ", E.CODE(m.get("published_as_found", "")), ": ", m["published_not_read"])
                   for i, m in unread]) if unread else E.P("Every date found was read.")
    return E.DIV(E.CLASS("summary"), counts, E.H3("Settings"), settings, E.H3("Skipped inputs"), skipped,
                 E.H3("Dates not read (not used to decide direction)"), dates)


def _tree_svg() -> etree._Element:
    svg = _s("svg", id="tree", role="img", viewBox="0 0 100 100", preserveAspectRatio="xMidYMid meet",
             **{"aria-label": "the family's derivation tree"})
    svg.set("class", "tree")
    defs = _s("defs")
    marker = _s("marker", id="arrow", viewBox="0 0 10 10", refX="9", refY="5", markerWidth="10", markerHeight="10",
               orient="auto", markerUnits="userSpaceOnUse")
    marker.append(_s("path", d="M0,0 L10,5 L0,10 z", fill="#555"))
    defs.append(marker)
    svg.append(defs)
    svg.append(_s("g", id="tree-edges"))
    svg.append(_s("g", id="tree-nodes"))
    return svg


def render(data: dict[str, Any], source: str | None = None, audited_at: str | None = None,
           focus: str | None = None) -> bytes:
    """The report for one audit (the dict of ``export.to_dict``), as bytes.

    ``source`` names the audited folder or file as the reader gave it and
    ``audited_at`` the time of the audit; each is shown in the header when
    given (the page holds no other time, so the same audit gives the same bytes).
    ``focus``, a document's id, opens the page on that document's view (its
    text coloured by source, its family drawn): the report of a check."""
    script = _static("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
           "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'; frame-src 'none'")
    lin = data.get("lineage") or {"edges": [], "latent": []}
    n_docs = len(data["documents"])
    title = f"Provenance report: {source}" if source else f"Provenance report: {n_docs} documents"
    head = E.HEAD(
        E.META(charset="utf-8"),
        E.META(**{"http-equiv": "Content-Security-Policy", "content": csp}),
        E.META(name="viewport", content="width=device-width, initial-scale=1"),
        E.TITLE(title),
        E.STYLE(_static("report.css")),
    )
    data_block = E.SCRIPT(type="application/octet-stream", id="audit-data", **{"data-encoding": "gzip+base64"})
    data_block.text = _encode(data)
    code = E.SCRIPT()
    code.text = script
    facts = [f"{n_docs} documents", f"{len(data['pairs'])} related pairs", f"{len(lin['edges'])} derivations"]
    where = E.P(E.CLASS("audited"))
    if source:
        where.extend([E.SPAN("Audited: "), E.CODE(source, id="audited-path")])
    if audited_at:
        where.extend([E.SPAN(" on "), E.TIME(audited_at, datetime=audited_at, id="audited-at")])
    where.append(E.SPAN((" \u00b7 " if source or audited_at else "") + ", ".join(facts) +
                        f" \u00b7 {data['tool']['name']} {data['tool']['version']}"))
    search = E.DIV(
        E.CLASS("search"),
        E.LABEL("Find a document ", E.INPUT(id="search", type="search", autocomplete="off", spellcheck="false",
                                             placeholder="words of a headline, a site, a file name or an id"),
                **{"for": "search"}),
        E.UL(id="search-results", role="listbox"),
    )
    nav = E.NAV(*[E.A(t, href=f"#{i}") for i, t in (("families", "Families"), ("view", "Document or pair"),
                                                      ("pairs", "Ranked pairs"), ("documents", "Documents"),
                                                      ("terms", "Terms"), ("summary", "Summary"))])
    body = E.BODY(
        E.HEADER(E.H1(title), where, E.P("Who copied whom: each family's derivation tree, every shared passage side "
                                         "by side, and the evidence for each claim in plain words."), search, nav),
        E.SECTION(E.H2("Families"), E.P("Documents joined by derivations, largest family first. Choose one to draw it; "
                                        "documents with no derivation found are in the documents table."),
                  E.DIV(id="family-index"),
                  E.DIV(E.CLASS("family-view"),
                        E.DIV(E.CLASS("toolbar"),
                              E.BUTTON("fit", id="fit", type="button", title="show the whole family"),
                              E.BUTTON("+", id="zoom-in", type="button", title="zoom in (or the mouse wheel)"),
                              E.BUTTON("\u2212", id="zoom-out", type="button", title="zoom out"),
                              E.SPAN(id="family-caption")),
                        _legend(),
                        E.DIV(E.CLASS("tree-wrap"), _tree_svg(), id="tree-wrap")),
                  id="families"),
        E.SECTION(E.H2("Document or pair"),
                  E.DIV(E.P("Click a node or an edge of the tree, a row of a table, or a search result."), id="view"),
                  id="view-section"),
        E.SECTION(E.H2("Ranked pairs"), E.P("Every related pair, most shared words first; click a column to sort, "
                                            "a row to see the two texts."), E.DIV(id="pairs-table"), id="pairs"),
        E.SECTION(E.H2("Documents"), E.DIV(id="docs-table"), id="documents"),
        E.SECTION(E.H2("Terms"), _glossary(), id="terms"),
        E.SECTION(E.H2("Summary"), _summary(data), id="summary"),
        data_block,
        code,
    )
    if focus is not None:
        body.set("data-focus", focus)
    html = E.HTML(head, body, lang="en")
    return etree.tostring(html, doctype="<!DOCTYPE html>", encoding="utf-8", method="html", pretty_print=False)
