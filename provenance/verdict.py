"""Plain-language verdicts: one sentence per derivation, built from its evidence.

A reader checks a claim by its reasons, so each verdict says who was taken
from whom, how surely (the calibrated confidence), why that way round (dates,
times, attribution, the wording the other documents kept, omissions,
containment), why that parent (the readings it alone shares with the child,
or how much of the child's wording it holds), and how much is verbatim.  The
report and ``edges.csv`` show the same sentence.  ``GLOSSARY`` explains every
technical term the report uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provenance.export import summaries

__all__ = ["CHANGES", "GLOSSARY", "shared_words", "verdict", "verdicts"]

#: How the text changed on the way from parent to child (``Derivation.change``).
CHANGES: dict[str, str] = {
    "copy": "the whole text taken over, nearly word for word",
    "excerpt": "a part of the source taken word for word",
    "summary": "a shorter text that keeps parts of a longer source",
    "translation": "reworded throughout: many short runs shared, as in a translation or a close rewording",
    "rewrite": "at least half of it kept from the source, the rest changed",
    "paraphrase": "less than half of it found in the source: the rest said in other words or new",
    "unknown": "how the text changed could not be told",
}
_VERB = {"copy": "copied from", "excerpt": "excerpted from", "summary": "summarised from",
         "translation": "reworded from", "rewrite": "rewritten from", "paraphrase": "paraphrased from",
         "unknown": "taken from"}

GLOSSARY: dict[str, str] = {
    "confidence": "How sure the audit is that this derivation is right, calibrated on labelled data: "
                  "claims at 0.8 were right about 8 times in 10.",
    "raw score": "The confidence before calibration: relatedness times the probability of the direction.",
    "verbatim share": "The share of a text's words that lie in passages found word for word in the other text.",
    "shared (with edited text)": "The share of a text's words inside shared passages, including the parts "
                                 "edited on the way (aligned sentence by sentence).",
    "word-pair containment": "The share of the child's distinct pairs of consecutive words that are also in "
                             "the parent: survives light rewording better than long runs.",
    "weighted share": "The verbatim share with quotations and stock phrases counted for little, and "
                      "passages edited on the way counted at half.",
    "relatedness": "How clearly the two texts are related at all (1 = surely), before direction.",
    "direction": "Which of the two came first. Decided by publication times or dates when both are known, "
                 "else by an outlet the copy names, else by the wording other documents kept "
                 "(triangulation), by omissions, or by containment.",
    "times": "Direction by the two publication moments (with their time zones): the later one copied.",
    "dates": "Direction by the two publication dates: the later one copied.",
    "attribution": "Direction by credit: the copy names the other's outlet (\"Reuters reported\").",
    "triangulation": "Direction by the other documents that share text with both: the source is the one "
                     "whose wording they kept; a copy's own changes appear nowhere else.",
    "containment": "Direction by how much of each is in the other: a text that takes part of another is "
                   "mostly inside it, not the reverse.",
    "omissions": "Direction by gaps: places where one text lacks words the other has. Copyists drop text "
                 "far more often than they add it, so the text with more gaps is the copy.",
    "readings": "Stretches of wording the child shares with this parent and with none of the parent's other "
                "neighbours in the tree: what ties it to this parent rather than to a sibling.",
    "change events": "Differences between two versions (a word changed, a line skipped), counted to build "
                     "the family tree of versions of one text.",
    "missing source": "A source not in the folder, inferred because several documents share text that none "
                      "of them could have taken from another document here.",
    "quotation": "A shared passage inside quotation marks: independent reports quote the same people, so it "
                 "counts as weak evidence of copying.",
    "stock phrase": "A shared passage that is a common formula of the genre; weak evidence of copying.",
    "boilerplate": "Text found in very many documents (navigation, bylines, disclaimers): recorded once and "
                   "never counted as shared.",
    "exact run": "Words shared in the same order with no change at all.",
    "edited passage": "A passage shared across edits: sentences that match with words changed, added or dropped.",
    "longest run": "The longest exact run the two texts share, in words.",
    "shared words": "Words of the text inside passages shared with the other (the larger of the two sides).",
    "identical copies": "Other inputs whose text is the same after normalization (case, quotes, dashes, "
                        "spacing); they are audited once, as this document.",
    "family": "Documents joined by derivations (and the missing sources they imply): one tree.",
    **{k: v[0].upper() + v[1:] + "." for k, v in CHANGES.items()},
}


def _likely(c: float) -> str:
    if c >= 0.9:
        return "almost certainly"
    if c >= 0.7:
        return "probably"
    if c >= 0.5:
        return "possibly"
    return "perhaps (weak evidence)"


def _pct(x: Any) -> str:
    v = float(x)
    if 0 < v < 0.01:
        return "under 1%"
    return f"{v:.0%}"


def _names(xs: Sequence[str], n: int = 3) -> str:
    xs = list(xs)
    head = xs[:n] + ([f"{len(xs) - n} more"] if len(xs) > n else [])
    return head[0] if len(head) == 1 else ", ".join(head[:-1]) + " and " + head[-1]


def _snippet(text: str, span: Sequence[int], n: int = 48) -> str:
    s = " ".join(text[int(span[0]) : int(span[1])].split())
    return "\u201c" + (s if len(s) <= n else s[: n - 1].rstrip() + "\u2026") + "\u201d"


def _places(n: Any) -> str:
    return "1 place" if int(n) == 1 else f"{int(n)} places"


def shared_words(pair: Mapping[str, Any], tokens: Mapping[str, int]) -> int:
    """Words inside the pair's shared passages (a pair of ``audit.json``), on the side that has more of them."""
    return words_shared(float(pair["covered_a"]), float(pair["covered_b"]),
                        tokens.get(pair["a"], 0), tokens.get(pair["b"], 0))


def words_shared(covered_a: float, covered_b: float, tokens_a: int, tokens_b: int) -> int:
    """Words inside a pair's shared passages, from each side's share and size: the larger of the two."""
    return round(max(covered_a * tokens_a, covered_b * tokens_b))


def _direction(ev: Mapping[str, Any], c: str, p: str, tree: Mapping[str, Any]) -> str | None:
    d = ev.get("direction") or {}
    by = d.get("by")
    prob = float(d.get("probability", 1.0))
    if by in ("times", "dates"):
        when = d.get("times") if by == "times" else d.get("dates")
        when = when or {}
        if prob >= 0.5:
            return f"it was published later ({when.get('child')}; {p}: {when.get('parent')})"
        return f"though the dates point the other way ({when.get('child')}; {p}: {when.get('parent')})"
    if by == "attribution":
        return f"it names {p}'s outlet ({_names(d.get('attribution') or [])})"
    if by == "omissions":
        om = tree.get("omissions") or {}
        return (f"it lacks text that {p} has at {_places(om.get('child', 0))}, {p} lacks text it has at "
                f"{_places(om.get('parent', 0))} (copies drop more than they add)")
    if by == "containment":
        return (f"more of it is in {p} ({_pct(ev.get('covered_child', 0))}) than of {p} in it "
                f"({_pct(ev.get('covered_parent', 0))})")
    if by == "triangulation":
        r = d.get("readings")
        if r:
            sp, sc = int(r.get("parent", 0)), int(r.get("child", 0))
            follow = f": they follow {p}" if sp > sc else ""
            return (f"the documents related to both keep {sp} words of {p}'s wording that it lacks, and {sc} of "
                    f"its own that {p} lacks{follow}")
        hub = d.get("hub") or {}
        if hub:
            return (f"{p} shares more with the rest of the family ({_pct(hub.get('parent', 0))} against "
                    f"{_pct(hub.get('child', 0))})")
    return None


def verdict(edge: Mapping[str, Any], docs: Mapping[str, Mapping[str, Any]],
            latent: Mapping[str, Mapping[str, Any]] | None = None,
            stronger: tuple[str, float] | None = None) -> dict[str, Any]:
    """``{"sentence": str, "reasons": [str], "terms": [str]}`` for one edge of
    ``lineage.edges``; ``docs`` maps ids to the documents of ``audit.json``
    (for the readings' text), ``latent`` ids to missing sources.  ``stronger``
    is another document that shares more of the child (id, share counting
    edited passages), when there is one: the verdict says why it lost."""
    latent = latent or {}
    c, p = str(edge["child"]), str(edge["parent"])
    ev: Mapping[str, Any] = edge.get("evidence") or {}
    conf = float(edge["confidence"])
    change = str(edge.get("change") or "unknown")
    tree: Mapping[str, Any] = ev.get("tree") or {}
    reasons: list[str] = []
    terms = ["confidence", change]
    if c in latent:
        x = latent[c]
        head = (f"A missing source ({x.get('label')}) of {_names(list(x.get('children', [])))} was "
                f"{_likely(conf)} {_VERB.get(change, 'taken from')} {p} (confidence {conf:.2f})")
        terms.append("missing source")
    else:
        head = f"{c} was {_likely(conf)} {_VERB.get(change, 'taken from')} {p} (confidence {conf:.2f})"
    if p in latent:
        x = latent[p]
        sibs = [k for k in x.get("children", []) if k != c]
        reasons.append(f"{p} is not in the folder: it is inferred because {c} shares text with "
                       f"{_names(sibs) if sibs else 'other documents'} that none of them could have taken "
                       "from a document here")
        terms.append("missing source")
    via = ev.get("via")
    if via:
        reasons.append(f"its closest document is {via.get('document')} ({via.get('change')}, confidence "
                       f"{float(via.get('confidence', 0)):.2f})")
    why = _direction(ev, c, p, tree)
    if why:
        reasons.append(why)
        terms.extend(["direction", str((ev.get("direction") or {}).get("by"))])
    variants = tree.get("method") == "variants"
    against = [str(a) for a in (tree.get("against") or ev.get("against") or [])]
    readings = ev.get("readings")
    spans = readings if isinstance(readings, list) else []
    if p not in latent and c not in latent and against:
        # what ties it to this parent rather than to the parent's other neighbours
        text = str((docs.get(c) or {}).get("text", ""))
        if spans:
            quotes = ", ".join(_snippet(text, r["child"]) for r in spans[:3]) + (", \u2026" if len(spans) > 3 else "")
            n = len(spans)
            reasons.append(f"it shares {n} reading{'s' if n != 1 else ''} with {p} that "
                           f"{_names(against)} {'lacks' if len(against) == 1 else 'lack'} ({quotes})")
            terms.append("readings")
        elif variants:
            reasons.append(f"no wording ties it to {p} rather than to {_names(against)}: its place rests on "
                           "the count of changes alone")
        else:
            reasons.append(f"no passage ties it to {p} rather than to {_names(against)}")
    if variants and "events" in tree and p not in latent and c not in latent:
        reasons.append(f"the two differ by {float(tree['events']):g} change events")
        terms.append("change events")
    if not variants and "covered_child_weighted" in ev and "bigram_containment" in ev and not via:
        cw, bi = float(ev["covered_child_weighted"]), float(ev["bigram_containment"])
        if bi >= cw:
            reasons.append(f"of its candidate sources {p} holds most of its wording ({_pct(bi)} of its word pairs)")
            terms.append("word-pair containment")
        else:
            reasons.append(f"of its candidate sources {p} holds most of its wording ({_pct(cw)}, weighted)")
            terms.append("weighted share")
    if "covered_child" in ev:
        where = str(via.get("document")) if via else p
        tail = f" ({_pct(ev['covered_parent'])} of {p} is in it)" if "covered_parent" in ev and not via else ""
        reasons.append(f"{_pct(ev['covered_child'])} of it is verbatim in {where}{tail}")
        terms.append("verbatim share")
    if stronger is not None and stronger[0] != p and not variants:
        reasons.append(f"{stronger[0]} shares more of it ({_pct(stronger[1])}, counting edited text), but the "
                       "tree weighs only text shared word for word, and which way it went")
    q, s = int(ev.get("quoted_passages") or 0), int(ev.get("stock_passages") or 0)
    if q or s:
        parts = ([f"{q} shared passage{'s' if q != 1 else ''} in quotation marks"] if q else []) + (
            [f"{s} stock phrase{'s' if s != 1 else ''}"] if s else [])
        verb = "counts" if q + s == 1 else "count"
        reasons.append(f"{' and '.join(parts)} {verb} for little (independent reports share them too)")
        terms.extend((["quotation"] if q else []) + (["stock phrase"] if s else []))
    lost = ev.get("explained_by")
    if lost:
        reasons.append(f"confidence halved: {lost.get('document')} may be its source instead "
                       f"({lost.get('own_tokens')} of its words are found there and not in {p}, "
                       f"against {lost.get('loser_own_tokens')})")
    sentence = head + (": " + "; ".join(reasons) if reasons else "") + "."
    return {"sentence": sentence, "reasons": reasons, "terms": sorted({t for t in terms if t in GLOSSARY})}


def _stronger(data: dict[str, Any]) -> tuple[dict[str, tuple[str, float]], dict[tuple[str, str], tuple[float, float]]]:
    """Per document, the partner that shares most of it (counting edited
    passages); and each pair's two shares (read in the same pass: the pairs
    may be made as they are read, ``export.PairRows``)."""
    best: dict[str, tuple[str, float]] = {}
    shares: dict[tuple[str, str], tuple[float, float]] = {}
    for a, b, covered_a, covered_b, _ in summaries(data["pairs"]):
        shares[(a, b)] = (covered_a, covered_b)
        for me, other, share in ((a, b, covered_a), (b, a, covered_b)):
            got = best.get(me)
            if got is None or share > got[1] or (share == got[1] and other < got[0]):
                best[me] = (other, float(share))
    return best, shares


def verdicts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdict of each edge of ``data["lineage"]``, in edge order (as ``edges.csv`` has them)."""
    lin = data.get("lineage") or {"edges": [], "latent": []}
    docs = {d["id"]: d for d in data["documents"]}
    latent = {x["id"]: x for x in lin["latent"]}
    stronger, cov = _stronger(data)
    out = []
    for e in lin["edges"]:
        c, par = e["child"], e["parent"]
        s = stronger.get(c)
        if s is not None and s[0] != par:
            pair = cov.get((min(c, par), max(c, par)))
            mine = (pair[0] if c < par else pair[1]) if pair else 0.0
            s = s if s[1] >= mine + 0.1 else None
        out.append(verdict(e, docs, latent, s if s and c in docs else None))
    return out
