"""The HTML provenance report: one self-contained file, built with lxml.

Every element is made by lxml, so article text is escaped by construction.
The data the page's script needs (texts, passages, edges) is embedded once as
JSON in a non-executable ``<script type="application/json">`` block with
``<``, ``>`` and ``&`` escaped, so ``</script>`` inside an article cannot end
it; pair views are rendered on demand from it, with character offsets turned
into the browser's UTF-16 offsets (an emoji counts two there).  A Content-Security-Policy
allows only the page's own inline script (by hash) and style, and no network.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from lxml import etree
from lxml.html import builder as E

from provenance.report.layout import NODE_H, NODE_W, layout

__all__ = ["render"]

SVG = "http://www.w3.org/2000/svg"


def _static(name: str) -> str:
    return resources.files("provenance.report").joinpath("static", name).read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _s(tag: str, **attrs: Any) -> etree._Element:
    el = etree.Element(f"{{{SVG}}}{tag}", nsmap={None: SVG} if tag == "svg" else None)
    for k, v in attrs.items():
        el.set(k.rstrip("_").replace("_", "-"), str(v))
    return el


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _shared_fraction(data: dict[str, Any]) -> dict[str, float]:
    """Share of each document's tokens inside any shared passage."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for p in data["pairs"]:
        for q in p["passages"]:
            spans.setdefault(p["a"], []).append(tuple(q["a_tokens"]))
            spans.setdefault(p["b"], []).append(tuple(q["b_tokens"]))
    out = {}
    for d in data["documents"]:
        total, end = 0, -1
        for s, e in sorted(spans.get(d["id"], [])):
            if e > end:
                total += e - max(s, end)
                end = e
        out[d["id"]] = total / d["tokens"] if d["tokens"] else 0.0
    return out


def _tree(data: dict[str, Any]) -> etree._Element:
    lin = data.get("lineage") or {"roots": [], "edges": [], "latent": []}
    docs = {d["id"]: d for d in data["documents"]}
    latent = {x["id"]: x for x in lin["latent"]}
    nodes = sorted(docs) + sorted(latent)
    edges = [(e["parent"], e["child"]) for e in lin["edges"]]
    placed, width, height = layout(nodes, edges, set(latent))
    where = {p.id: p for p in placed}
    svg = _s("svg", width=f"{width:.0f}", height=f"{height:.0f}", viewBox=f"0 0 {width:.0f} {height:.0f}",
             role="img", **{"aria-label": "derivation tree"})
    svg.set("class", "tree")
    defs = _s("defs")
    marker = _s("marker", id="arrow", viewBox="0 0 10 10", refX="9", refY="5", markerWidth="10", markerHeight="10",
               orient="auto", markerUnits="userSpaceOnUse")
    marker.append(_s("path", d="M0,0 L10,5 L0,10 z", fill="#555"))
    defs.append(marker)
    svg.append(defs)
    for e in sorted(lin["edges"], key=lambda e: (e["parent"], e["child"])):
        p, c = where[e["parent"]], where[e["child"]]
        x1, y1, x2, y2 = p.x, p.y + NODE_H, c.x, c.y
        g = _s("g", class_="edge", tabindex="0")
        g.set("data-parent", e["parent"])
        g.set("data-child", e["child"])
        width_px = 1 + 5 * float(e["confidence"])
        g.append(_s("path", d=f"M{x1:.1f},{y1:.1f} C{x1:.1f},{(y1 + y2) / 2:.1f} {x2:.1f},{(y1 + y2) / 2:.1f} {x2:.1f},{y2 - 2:.1f}",
                    stroke_width=f"{width_px:.1f}", marker_end="url(#arrow)"))
        hit = _s("path", d=f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}", class_="hit")
        g.append(hit)
        label = _s("text", x=f"{(x1 + x2) / 2 + 4:.1f}", y=f"{(y1 + y2) / 2:.1f}", class_="elabel")
        label.text = f"{e['change']} {float(e['confidence']):.2f}"
        g.append(label)
        title = _s("title")
        title.text = f"{e['parent']} → {e['child']}: {e['change']}, confidence {float(e['confidence']):.2f}"
        g.append(title)
        svg.append(g)
    for p in placed:
        g = _s("g", class_="node latent" if p.latent else "node", tabindex="0")
        g.set("data-doc", p.id)
        g.append(_s("rect", x=f"{p.x - NODE_W / 2:.1f}", y=f"{p.y:.1f}", width=str(NODE_W), height=str(NODE_H), rx="6"))
        t1 = _s("text", x=f"{p.x - NODE_W / 2 + 6:.1f}", y=f"{p.y + 17:.1f}", class_="ntitle")
        t2 = _s("text", x=f"{p.x - NODE_W / 2 + 6:.1f}", y=f"{p.y + 35:.1f}", class_="nmeta")
        if p.latent:
            x = latent[p.id]
            t1.text = _short(f"missing: {x['label']}", 24)
            t2.text = f"{len(x['children'])} documents share it"
        else:
            d = docs[p.id]
            t1.text = _short(d["title"] or d["id"], 24)
            meta = [v for v in (d.get("site"), (d.get("published") or "")[:10]) if v]
            same = [f"+{len(d['copies'])} identical"] if d.get("copies") else []
            t2.text = _short(" · ".join(same + meta + [f"{d['tokens']} words"]), 28)
        title = _s("title")
        title.text = p.id if p.latent else f"{p.id}: {docs[p.id]['title']}"
        if not p.latent and docs[p.id].get("copies"):
            title.text += "\nidentical copies: " + ", ".join(docs[p.id]["copies"])
        g.append(t1)
        g.append(t2)
        g.append(title)
        svg.append(g)
    return svg


def _legend() -> etree._Element:
    return E.DIV(
        E.CLASS("legend"),
        E.SPAN(E.CLASS("key node-key"), "document"), " ",
        E.SPAN(E.CLASS("key latent-key"), "missing source (inferred)"), " ",
        E.SPAN(E.CLASS("key edge-key"), "parent → child; thicker = more confident; label = how the text changed"), " ",
        E.SPAN(E.CLASS("key exact"), "exact shared text"), " ",
        E.SPAN(E.CLASS("key edited"), "near-verbatim (edited) part of a passage"),
    )


def _tree_order(data: dict[str, Any]) -> list[str]:
    lin = data.get("lineage") or {"roots": [], "edges": []}
    kids: dict[str, list[str]] = {}
    for e in lin["edges"]:
        kids.setdefault(e["parent"], []).append(e["child"])
    order: list[str] = []

    def walk(n: str) -> None:
        order.append(n)
        for c in sorted(kids.get(n, [])):
            walk(c)

    for r in lin["roots"]:
        walk(r)
    ids = {d["id"] for d in data["documents"]}
    seen = set(order)
    return [n for n in order if n in ids] + sorted(ids - seen)


def _table(data: dict[str, Any], shared: dict[str, float]) -> etree._Element:
    lin = data.get("lineage") or {"edges": []}
    parent = {e["child"]: e["parent"] for e in lin["edges"]}
    children: dict[str, list[str]] = {}
    for e in lin["edges"]:
        children.setdefault(e["parent"], []).append(e["child"])
    partners: dict[str, int] = {}
    for p in data["pairs"]:
        partners[p["a"]] = partners.get(p["a"], 0) + 1
        partners[p["b"]] = partners.get(p["b"], 0) + 1
    rows = _tree_order(data)
    by_id = {d["id"]: d for d in data["documents"]}
    body = E.TBODY()
    for doc_id in rows:
        d = by_id[doc_id]
        link = E.A(d["id"], href="#", **{"data-doc": d["id"], "class": "doclink"})
        body.append(E.TR(
            E.TD(link), E.TD(_short(d["title"], 80)), E.TD(d.get("site") or ""), E.TD((d.get("published") or "")[:10]),
            E.TD(str(d["tokens"])), E.TD(f"{shared[d['id']]:.0%}"), E.TD(str(partners.get(d["id"], 0))),
            E.TD(parent.get(d["id"], "")), E.TD(", ".join(sorted(children.get(d["id"], [])))),
            E.TD(", ".join(d.get("copies", []))),
        ))
    head = E.THEAD(E.TR(*[E.TH(h) for h in ("document", "title", "site", "date", "words", "shared", "related", "parent",
                                            "children", "identical copies")]))
    return E.TABLE(E.CLASS("docs"), head, body)


def _summary(data: dict[str, Any]) -> etree._Element:
    lin = data.get("lineage") or {"edges": [], "latent": []}
    same = sum(len(d.get("copies", [])) for d in data["documents"])
    counts = E.UL(
        E.LI(f"{len(data['documents'])} documents, {len(data['pairs'])} related pairs, "
             f"{sum(len(p['passages']) for p in data['pairs'])} shared passages"),
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


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _utf16(text: str) -> Callable[[int], int]:
    """Character offset of ``text`` -> the browser's offset (UTF-16 code units,
    in which each character above U+FFFF, an emoji or half a flag, is two)."""
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    if not astral:
        return lambda i: i
    return lambda i: i + bisect.bisect_left(astral, i)


def _payload(data: dict[str, Any], order: list[str]) -> dict[str, Any]:
    index = {d["id"]: i for i, d in enumerate(data["documents"])}
    lin = data.get("lineage") or {"roots": [], "edges": [], "latent": []}
    js = {d["id"]: _utf16(d["text"]) for d in data["documents"]}

    def spans(p: dict[str, Any], q: dict[str, Any]) -> list[Any]:
        fa, fb = js[p["a"]], js[p["b"]]
        runs = [x for r in q.get("runs", []) for x in (fa(r[0]), fa(r[1]), fb(r[2]), fb(r[3]))]
        return [fa(q["a"][0]), fa(q["a"][1]), fb(q["b"][0]), fb(q["b"][1]), q.get("kind", "exact"), runs]

    return {
        "docs": [[d["id"], d["title"], d.get("site") or "", (d.get("published") or "")[:10], d["text"], d["tokens"]]
                 for d in data["documents"]],
        "pairs": [
            [index[p["a"]], index[p["b"]], p["covered_a"], p["covered_b"], p["longest"],
             [spans(p, q) for q in p["passages"]]]
            for p in data["pairs"]
        ],
        "edges": [[e["child"], e["parent"], e["confidence"], e["change"], e["evidence"]] for e in lin["edges"]],
        "latent": [[x["id"], x["label"], x["children"]] for x in lin["latent"]],
        "order": order,
    }


def render(data: dict[str, Any]) -> bytes:
    """The report for one audit (the dict of ``export.to_dict``), as bytes."""
    script = _static("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
           "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'; frame-src 'none'")
    order = _tree_order(data)
    shared = _shared_fraction(data)
    title = f"Provenance report: {len(data['documents'])} documents"
    head = E.HEAD(
        E.META(charset="utf-8"),
        E.META(**{"http-equiv": "Content-Security-Policy", "content": csp}),
        E.META(name="viewport", content="width=device-width, initial-scale=1"),
        E.TITLE(title),
        E.STYLE(_static("report.css")),
    )
    data_block = E.SCRIPT(type="application/json", id="audit-data")
    data_block.text = _json_for_script(_payload(data, order))
    code = E.SCRIPT()
    code.text = script
    body = E.BODY(
        E.HEADER(E.H1(title), E.P("Who copied whom: the derivation tree, every shared passage side by side, and the evidence for each claim.")),
        E.SECTION(E.H2("Derivation tree"), _legend(), E.DIV(E.CLASS("tree-wrap"), _tree(data)), id="tree"),
        E.SECTION(E.H2("Pair"), E.DIV(E.P("Click an edge of the tree, a matrix cell or a document to see the texts side by side."), id="pair-view"), id="pair"),
        E.SECTION(E.H2("Coverage matrix"), E.P("Cell: share of the row document found in the column document. ",
                  E.BUTTON("order by tree", id="order-tree", type="button"), " ", E.BUTTON("order by id", id="order-id", type="button")),
                  E.DIV(E.CLASS("matrix-wrap"), id="matrix"), id="matrix-section"),
        E.SECTION(E.H2("Documents"), _table(data, shared), id="documents"),
        E.SECTION(E.H2("Summary"), _summary(data), id="summary"),
        data_block,
        code,
    )
    html = E.HTML(head, body, lang="en")
    return etree.tostring(html, doctype="<!DOCTYPE html>", encoding="utf-8", method="html", pretty_print=False)
