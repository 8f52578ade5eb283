"""Evidence of derivation for each related pair: quotations and stock phrases,
attribution cues, relatedness (coverage, word-pair containment), direction
(dates, attribution, containment, readings of the other documents) and how
the text changed.  ``candidates`` turns it into weighted candidate edges."""


from __future__ import annotations

import array
import gc
import math
import multiprocessing
import re
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any, NamedTuple

import numba
import numpy as np

from provenance.model import Derivation, Document, PairEvidence, Passage, TokenStream

#: Quoted text counts a tenth of the reporter's own words as evidence of copying:
#: every report of one event quotes the same speakers word for word.
QUOTE_WEIGHT = 0.1
#: A stock phrase (found in at least this many documents, short, and never part
#: of a longer shared passage: fragments of a sentence that many copies took
#: whole from one source are copied text) counts for little.
STOCK_DF = 3
STOCK_MAX_TOKENS = 20
STOCK_WEIGHT = 0.25
#: A token inside a passage aligned across edits (paraphrase: ``provenance.align``)
#: but outside its exact runs counts this much as evidence of copying: below a
#: verbatim run, since independent reports of one event also say the same
#: things in other words.
ALIGNED_WEIGHT = 0.5
#: Relatedness 1.0 means: this share of the child inside shared passages (after
#: discounts), or this much bigram containment above the chance level.  Texts
#: written independently on one subject share names and common word pairs: a
#: bigram containment of 0.10 is chance, 0.25 and more is reuse.
COVERAGE_FULL = 0.2
BIGRAM_CHANCE = 0.10
BIGRAM_SPAN = 0.30
#: Logistic slopes of the two undated, unattributed direction cues: a 0.2
#: difference in coverage or in hub share makes one direction about 3:1.
CONTAINMENT_SLOPE = 6.0
HUB_SLOPE = 6.0
#: Readings (see ``_Family.readings``) of the other documents decide the
#: direction of every pair they witness, in place of the hub share, with
#: containment as their prior: it counts as VOTE_SMOOTH tokens of readings, so
#: that a few tokens (one or two words of difference between near copies) say
#: little and many outweigh it; at most VOTE_MAX_WITNESSES common neighbours
#: are read.
VOTE_SLOPE = 4.0
VOTE_SMOOTH = 50
VOTE_MAX_WITNESSES = 64
#: A pair is related (an edge of the family graph) when one side is explained
#: by the other at least this much.
MIN_RELATED = 0.5
#: Siblings point at a missing source when they share, outside quotations, at
#: least LATENT_MIN_TOKENS tokens of exact runs of at least LATENT_MIN_RUN
#: tokens that their parent does not hold: two runs that long do not recur by
#: chance, shorter shared phrasing does (answers to one question, one event).
LATENT_MIN_RUN = 8
LATENT_MIN_TOKENS = 16

_QUOTES_OPEN = "\u201c\u00ab\u201e"
_QUOTES_CLOSE = "\u201d\u00bb"
_NOT_OUTLETS = {"he", "she", "it", "they", "we", "i", "mr", "ms", "mrs", "president", "the", "a", "an"}


_QUOTE_MARKS = re.compile('[\u201c\u00ab\u201e\u201d\u00bb"\n]')


def quoted_mask(text: str) -> np.ndarray:
    """A boolean per character: inside quotation marks (curly, guillemets, straight).
    An unclosed quotation ends with its paragraph."""
    mask = np.zeros(len(text), dtype=bool)
    depth = 0
    straight_open = False
    start = 0
    for m in _QUOTE_MARKS.finditer(text):  # only the quote marks and newlines are visited
        i, ch = m.start(), m.group()
        if ch in _QUOTES_OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _QUOTES_CLOSE:
            if depth:
                depth -= 1
                if depth == 0:
                    mask[start : i + 1] = True
        elif ch == '"':
            if straight_open:
                mask[start : i + 1] = True
                straight_open = False
            elif depth == 0:
                straight_open, start = True, i
        elif depth or straight_open:  # a newline inside an open quotation
            depth, straight_open = 0, False
    return mask


# the first letter as a class keeps the scan fast (a case-insensitive
# alternation is five times slower on long texts)
_AFTER = re.compile(r"[AaRrTtQqCc](?:ccording to|eported by|old|uoted by|ited by)\s+(?:the\s+)?")
_BEFORE = re.compile(r"\s+(?:reported|reports|has reported|report said|said in a report|news agency)\b")
_NAME_AFTER = re.compile(r"(?:[A-Z][\w&.'-]*\s?){1,4}")
_NAME_BEFORE = re.compile(r"((?:[A-Z][\w&.'-]*\s){0,3}[A-Z][\w&.'-]*)$")


def attribution_cues(text: str) -> list[str]:
    """Outlets a text names as its source ("the BBC reported", "according to Reuters").

    Trigger phrases are found first; the capitalised name is then read right
    after ("according to X") or right before ("X reported") each of them."""
    found = set()
    names = []
    for t in _AFTER.finditer(text):
        m = _NAME_AFTER.match(text, t.end())
        if m:
            names.append(m.group())
    for t in _BEFORE.finditer(text):
        m = _NAME_BEFORE.search(text, max(0, t.start() - 60), t.start())
        if m:
            names.append(m.group(1))
    for name in names:
        words = [w for w in name.split() if w.lower() not in _NOT_OUTLETS]
        if words:
            found.add(" ".join(words))
    return sorted(found)


def _norm_outlet(name: str) -> str:
    name = re.sub(r"^(www\.)|(\.(com|co\.uk|org|net|ru|de|fr))$", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", name.replace("the ", ""))


def _bigrams(ids: np.ndarray) -> np.ndarray:
    if ids.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    # sorted and deduplicated by hand: np.unique hashes first, five times slower here
    pairs = np.sort(ids[:-1].astype(np.int64) << 32 | ids[1:].astype(np.int64))
    return pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]




def _date(d: Document) -> str | None:
    return d.published[:10] if d.published and re.match(r"\d{4}-\d{2}-\d{2}", d.published) else None


def _instant(d: Document) -> datetime | None:
    """The moment of publication, when the date gives a time and its zone:
    only then can two times be compared (a time without a zone may be off
    by up to a day)."""
    if not d.published or len(d.published) <= 10:
        return None
    try:
        when = datetime.fromisoformat(d.published)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


@numba.njit(cache=True, nogil=True)
def _coverage(offsets, table):  # pragma: no cover - compiled
    """Per token of the joined documents (``offsets``): how many passage sides
    hold it, and the longest of them.  ``table`` rows: document, start, end and
    tokens of side a, then document, start, end of side b."""
    share = np.zeros(offsets[-1], dtype=np.int32)
    longest = np.zeros(offsets[-1], dtype=np.int32)
    for k in range(table.shape[0]):
        n = table[k, 3]
        for d, lo, hi in ((table[k, 0], table[k, 1], table[k, 2]), (table[k, 4], table[k, 5], table[k, 6])):
            base = offsets[d]
            for i in range(base + lo, base + hi):
                share[i] += 1
                longest[i] = max(longest[i], n)
    return share, longest


@numba.njit(cache=True, nogil=True)
def _packed_masks(table, start):  # pragma: no cover - compiled
    """The run masks of pairs' sides packed as ``np.packbits`` packs them (first
    token in the high bit), side ``e``'s in ``buf[start[e] : start[e + 1]]``,
    and how many tokens each holds.  ``table`` rows: 2 x the pair's index, the
    run's start on side a, on side b, its length."""
    buf = np.zeros(start[-1], dtype=np.uint8)
    count = np.zeros(start.shape[0] - 1, dtype=np.int64)
    for k in range(table.shape[0]):
        n = table[k, 3]
        for e, at in ((table[k, 0], table[k, 1]), (table[k, 0] + 1, table[k, 2])):
            base = start[e]
            for i in range(at, at + n):
                byte = base + (i >> 3)
                bit = np.uint8(0x80 >> (i & 7))
                if buf[byte] & bit == 0:
                    buf[byte] |= bit
                    count[e] += 1
    return buf, count


#: How many bits each byte value has set.
_BITS = np.array([v.bit_count() for v in range(256)], dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _witnessed(buf, start, count, on_x, on_g):  # pragma: no cover - compiled
    """Tokens the masks ``on_x`` hold, those ``on_g`` hold, and those both hold
    (mask pairs of one witness each, of equal length)."""
    tx = 0
    tg = 0
    both = 0
    for k in range(on_x.shape[0]):
        ex = on_x[k]
        eg = on_g[k]
        tx += count[ex]
        tg += count[eg]
        off = start[eg] - start[ex]
        for i in range(start[ex], start[ex + 1]):
            both += _BITS[buf[i] & buf[i + off]]
    return tx, tg, both


class _Family:
    """Per-document facts computed once: quote masks, token spans, cues, bigrams."""

    def __init__(self, docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence],
                 aligned: Sequence[PairEvidence] = ()):
        # token spans (a, b) of the passages aligned across edits, per pair
        self.aligned: dict[tuple[str, str], list[tuple[tuple[int, int], tuple[int, int]]]] = {
            (p.a, p.b): [(q.a, q.b) for q in p.passages if q.kind == "aligned"]
            for p in aligned if any(q.kind == "aligned" for q in p.passages)}
        self.docs = {d.id: d for d in docs}
        self.streams = {d.id: s for d, s in zip(docs, streams)}
        self._quoted: dict[str, np.ndarray] = {}
        self._bigrams: dict[str, np.ndarray] = {}
        self._cues: dict[str, list[str]] = {}
        # per token of each document: how many passages hold it (how many
        # documents share it, for stock phrases), and the longest passage
        # holding it over all pairs (a short passage that is part of a longer
        # one elsewhere is copied text); one compiled pass over every
        # passage's two sides, into one array per fact cut per document
        sizes = np.array([len(s) for s in streams], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        row = {d.id: k for k, d in enumerate(docs)}
        sides = array.array("q")  # the rows, flat: no Python object per passage held
        for p in pairs:
            ra, rb = row[p.a], row[p.b]
            for q in p.passages:
                sides.extend((ra, q.a[0], q.a[1], q.tokens, rb, q.b[0], q.b[1]))
        table = np.frombuffer(sides, dtype=np.int64).reshape(-1, 7) if sides else np.zeros((0, 7), dtype=np.int64)
        share, longest = _coverage(offsets, table)
        self.share: dict[str, np.ndarray] = {d.id: share[offsets[k] : offsets[k + 1]] for k, d in enumerate(docs)}
        self.longest: dict[str, np.ndarray] = {d.id: longest[offsets[k] : offsets[k + 1]] for k, d in enumerate(docs)}
        # hub: on average, how much of what each neighbour shares with anyone
        # this document holds.  A source holds the union of what its copies
        # took; a copy holds only its own part (triangulation).
        shared_any = {d: float((v > 0).mean()) if v.size else 0.0 for d, v in self.share.items()}
        sums: dict[str, list[float]] = defaultdict(list)
        for p in pairs:
            if shared_any[p.a]:
                sums[p.b].append(p.covered_a / shared_any[p.a])
            if shared_any[p.b]:
                sums[p.a].append(p.covered_b / shared_any[p.b])
        self.hub = {d: (sum(v) / len(v) if v else 0.0) for d, v in sums.items()}
        self.by_pair = {(p.a, p.b): p for p in pairs}
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        for p in pairs:
            self.neighbours[p.a].add(p.b)
            self.neighbours[p.b].add(p.a)
        # run_mask(doc, other) of both sides of every related pair, packed
        # eight tokens a byte (np.packbits order) into one buffer, made in one
        # compiled pass: entry e = self._entry[doc][other] is
        # buf[start[e] : start[e + 1]] and holds count[e] tokens
        self._buf, self._start, self._count, self._entry = self._all_runs(pairs)
        self._readings: dict[tuple[str, str], tuple[int, int]] = {}
        self._common: dict[tuple[str, str], int] = {}

    def _all_runs(self, pairs: Sequence[PairEvidence]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                              dict[str, dict[str, int]]]:
        """The packed run masks of both sides of every pair in ``pairs``: the
        buffer, each entry's start in it, its count of tokens, and the entry of
        each (doc, other)."""
        runs = array.array("q")  # the rows, flat: no Python object per run held
        for k, p in enumerate(pairs):
            for q in p.passages:
                for ra, rb, n in q.runs:
                    if n >= LATENT_MIN_RUN:
                        runs.extend((2 * k, ra, rb, n))
        table = np.frombuffer(runs, dtype=np.int64).reshape(-1, 4) if runs else np.zeros((0, 4), dtype=np.int64)
        size = np.array([len(self.streams[x]) for p in pairs for x in (p.a, p.b)], dtype=np.int64)
        start = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum((size + 7) // 8)))
        buf, count = _packed_masks(table, start)
        entry: dict[str, dict[str, int]] = defaultdict(dict)
        for k, p in enumerate(pairs):
            entry[p.a][p.b] = 2 * k
            entry[p.b][p.a] = 2 * k + 1
        return buf, start, count, dict(entry)

    def _entry_of(self, doc: str, other: str) -> int | None:
        """The entry of ``run_mask(doc, other)`` in the buffer (None: the two are not related)."""
        row = self._entry.get(doc)
        return None if row is None else row.get(other)

    def run_mask(self, doc: str, other: str) -> np.ndarray:
        """Tokens of ``doc`` inside exact runs of at least LATENT_MIN_RUN tokens shared with ``other``."""
        e = self._entry_of(doc, other)
        if e is None:
            return np.zeros(len(self.streams[doc]), dtype=bool)
        return np.unpackbits(self._buf[self._start[e] : self._start[e + 1]], count=len(self.streams[doc])).view(bool)

    def run_tokens(self, doc: str, other: str) -> int:
        """How many tokens ``run_mask(doc, other)`` holds."""
        e = self._entry_of(doc, other)
        return 0 if e is None else int(self._count[e])

    def readings(self, x: str, g: str) -> tuple[int, int]:
        """Witnesses for x against g (textual criticism): tokens that the
        documents related to both share with x but not with g, and the
        reverse.  Of two near-identical texts the source is the one whose
        wording the others kept; a copy's own changes are found in no other
        document but its own copies.  Runs of LATENT_MIN_RUN tokens and more
        only: short runs recur between independent texts on one subject."""
        if x > g:
            sg, sx = self.readings(g, x)
            return sx, sg
        got = self._readings.get((x, g))
        if got is not None:
            return got
        witnesses = sorted(self.neighbours[x] & self.neighbours[g])[:VOTE_MAX_WITNESSES]
        # a witness b is related to both, so both of its masks exist;
        # |fx and not fg| = |fx| - |fx and fg|, summed over the witnesses in one
        # compiled call (a numpy call per witness was most of the lineage stage)
        entry = self._entry
        on_x = np.array([entry[b][x] for b in witnesses], dtype=np.int64)
        on_g = np.array([entry[b][g] for b in witnesses], dtype=np.int64)
        tx, tg, both = _witnessed(self._buf, self._start, self._count, on_x, on_g)
        got = self._readings[(x, g)] = (int(tx - both), int(tg - both))
        return got

    def cues(self, doc: str) -> list[str]:
        got = self._cues.get(doc)
        if got is None:
            got = self._cues[doc] = attribution_cues(self.docs[doc].text)
        return got

    def quoted_tokens(self, doc: str) -> np.ndarray:
        got = self._quoted.get(doc)
        if got is None:
            mask = quoted_mask(self.docs[doc].text)
            spans = self.streams[doc].spans
            got = mask[spans[:, 0]] if len(spans) else np.zeros(0, dtype=bool)
            self._quoted[doc] = got
        return got

    def common_bigrams(self, x: str, y: str) -> int:
        """Distinct bigrams of ``x`` also in ``y`` (computed once per pair)."""
        key = (x, y) if x < y else (y, x)
        got = self._common.get(key)
        if got is None:
            got = self._common[key] = int(np.intersect1d(self.bigrams(x), self.bigrams(y), assume_unique=True).shape[0])
        return got

    def bigrams(self, doc: str) -> np.ndarray:
        got = self._bigrams.get(doc)
        if got is None:
            got = self._bigrams[doc] = _bigrams(self.streams[doc].ids)
        return got


def _passage_weights(fam: _Family, pair: PairEvidence) -> list[tuple[Passage, float, bool, bool]]:
    out = []
    for q in pair.passages:
        quoted = fam.quoted_tokens(pair.a)[q.a[0] : q.a[1]]
        share = int(np.count_nonzero(quoted)) / quoted.size if quoted.size else 0.0  # the mean, without its overhead
        is_quote = share >= 0.5
        n = q.a[1] - q.a[0]
        # share counts the other documents holding each token: +1 for this one
        held = fam.share[pair.a][q.a[0] : q.a[1]]
        stock = (n <= STOCK_MAX_TOKENS and held.size > 0 and int(held.min()) + 1 >= STOCK_DF
                 and int(fam.longest[pair.a][q.a[0] : q.a[1]].max()) <= STOCK_MAX_TOKENS
                 and int(fam.longest[pair.b][q.b[0] : q.b[1]].max()) <= STOCK_MAX_TOKENS)
        w = 1.0 - (1.0 - QUOTE_WEIGHT) * share
        if stock:
            w *= STOCK_WEIGHT
        out.append((q, w, is_quote, stock))
    return out


def _side(q: Passage, child_is_a: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """(child chars, parent chars) of a passage."""
    return (q.a_chars, q.b_chars) if child_is_a else (q.b_chars, q.a_chars)


def _distinctive(fam: _Family, pair: PairEvidence, q: Passage) -> bool:
    """A run of LATENT_MIN_RUN tokens or more, in a passage that is long or
    found in fewer than STOCK_DF documents: a short phrase many documents hold
    ("President Donald Trump and Russian President Vladimir Putin") is no
    sign of copying on its own, even where some copies hold it whole."""
    if max((r[2] for r in q.runs), default=0) < LATENT_MIN_RUN:
        return False
    held = fam.share[pair.a][q.a[0] : q.a[1]]
    return q.a[1] - q.a[0] > STOCK_MAX_TOKENS or held.size == 0 or int(held.min()) + 1 < STOCK_DF


def _own_run(fam: _Family, pair: PairEvidence, weighted: list[tuple[Passage, float, bool, bool]]) -> bool:
    """Word pairs count only beside at least one distinctive shared run that
    is the reporter's own (not a quotation, not a stock phrase): same-event
    news, and answers to one question, share names, terms and phrasing
    without any copying."""
    return any(not isq and not st and _distinctive(fam, pair, q) for q, _, isq, st in weighted)


def _relatedness(fam: _Family, pair: PairEvidence, weighted: list[tuple[Passage, float, bool, bool]], child: str,
                 own_run: bool) -> tuple[float, dict[str, Any]]:
    child_is_a = child == pair.a
    parent = pair.b if child_is_a else pair.a
    n_child = len(fam.streams[child])
    covered = np.zeros(n_child, dtype=np.float64)
    # a run shorter than LATENT_MIN_RUN tokens may recur by chance between
    # texts on one subject: it counts in proportion to its length
    # (run by run, in place: a pair has a few runs, and building index arrays
    # for one ``np.maximum.at`` cost more than the runs themselves)
    for q, weight, _, _ in weighted:
        for ra, rb, n in q.runs:
            start = ra if child_is_a else rb
            seg = covered[start : start + n]
            np.maximum(seg, weight * min(1.0, n / LATENT_MIN_RUN), out=seg)
    # text aligned across edits (paraphrase) counts below verbatim runs, a
    # tenth of that inside quotations, and only beside a distinctive run of
    # the reporter's own (as word pairs do): same-event news and answers to
    # one question say the same things in other words without any copying
    spans = fam.aligned.get((pair.a, pair.b), ()) if own_run else ()
    if spans:
        quoted = fam.quoted_tokens(child)
        for sa, sb in spans:
            lo, hi = sa if child_is_a else sb
            w = np.where(quoted[lo:hi], ALIGNED_WEIGHT * QUOTE_WEIGHT, ALIGNED_WEIGHT)
            np.maximum(covered[lo:hi], w, out=covered[lo:hi])
    cov_w = float(covered.sum()) / n_child if n_child else 0.0
    child_bigrams = fam.bigrams(child)
    bi = fam.common_bigrams(child, parent) / child_bigrams.shape[0] if child_bigrams.shape[0] else 0.0
    rel = max(cov_w / COVERAGE_FULL, (bi - BIGRAM_CHANCE) / BIGRAM_SPAN if own_run else 0.0, 0.0)
    facts = {
        "covered_child": round(pair.covered_a if child_is_a else pair.covered_b, 4),
        "covered_parent": round(pair.covered_b if child_is_a else pair.covered_a, 4),
        "covered_child_weighted": round(cov_w, 4),
        "bigram_containment": round(bi, 4),
    }
    return rel, facts


def _direction(fam: _Family, pair: PairEvidence, parent: str, child: str) -> tuple[float, dict[str, Any]]:
    """Probability that ``child`` derives from ``parent`` rather than the reverse."""
    dp, dc = _date(fam.docs[parent]), _date(fam.docs[child])
    ev: dict[str, Any] = {"dates": {"parent": dp, "child": dc}}
    tp, tc = _instant(fam.docs[parent]), _instant(fam.docs[child])
    if tp is not None and tc is not None and tp != tc:
        # both moments known: they decide, even where the days on the two
        # zones' clocks say otherwise; within a day a little less surely
        # (a page may show when it was updated)
        ev["by"] = "times"
        ev["times"] = {"parent": fam.docs[parent].published, "child": fam.docs[child].published}
        sure = 0.95 if abs((tc - tp).total_seconds()) >= 86400 else 0.9
        return (sure if tp < tc else 1.0 - sure), ev
    if dp and dc and dp != dc:
        ev["by"] = "dates"
        return (0.95 if dp < dc else 0.05), ev
    site_p = fam.docs[parent].site
    cites = [c for c in fam.cues(child) if _norm_outlet(c) == _norm_outlet(site_p)] if site_p else []
    site_c = fam.docs[child].site
    cited_back = [c for c in fam.cues(parent) if _norm_outlet(c) == _norm_outlet(site_c)] if site_c else []
    if cites or cited_back:
        ev["by"] = "attribution"
        ev["attribution"] = cites or cited_back
        return (0.9 if cites else 0.1), ev
    cc = pair.covered_a if child == pair.a else pair.covered_b
    cp = pair.covered_b if child == pair.a else pair.covered_a
    hp, hc = fam.hub.get(parent, 0.0), fam.hub.get(child, 0.0)
    ev["hub"] = {"parent": round(hp, 4), "child": round(hc, 4)}
    contained = CONTAINMENT_SLOPE * (cc - cp)
    sp, sc = fam.readings(parent, child)
    if sp + sc:
        # the readings of the other documents are the data, containment their
        # prior: it counts as VOTE_SMOOTH tokens of readings.  What the child
        # dropped lives on in the parent's other copies, what it added in its
        # own; the witnesses read both, so containment (dropped against added
        # text) is not counted a second time beside them
        ev["readings"] = {"parent": sp, "child": sc}
        ev["by"] = "containment" if abs(contained * VOTE_SMOOTH) >= abs(VOTE_SLOPE * (sp - sc)) else "triangulation"
        z = (contained * VOTE_SMOOTH + VOTE_SLOPE * (sp - sc)) / (sp + sc + VOTE_SMOOTH)
    else:
        tri = HUB_SLOPE * (hp - hc)
        ev["by"] = "containment" if abs(contained) >= abs(tri) else "triangulation"
        z = contained + tri
    # more of the child in the parent than of the parent in the child, and the
    # parent holding more of what the family shares: the child copied
    return 1.0 / (1.0 + math.exp(-z)), ev


def _change(pair: PairEvidence, child: str, n_child: int, n_parent: int, rel_facts: dict[str, Any]) -> str:
    """How the text changed on the way from parent to child (rules in the README)."""
    child_is_a = child == pair.a
    cc, cp = rel_facts["covered_child"], rel_facts["covered_parent"]
    tokens = sum(q.tokens for q in pair.passages)
    exact = sum(q.exact for q in pair.passages)
    runs = [r[2] for q in pair.passages for r in q.runs]
    exact_share = exact / tokens if tokens else 0.0
    mean_run = sum(runs) / len(runs) if runs else 0.0
    if cc >= 0.8 and exact_share >= 0.9:
        return "copy" if cp >= 0.8 else "excerpt"
    if n_parent and n_child / n_parent < 0.5 and cc < 0.6:
        return "summary"
    if len(runs) >= 5 and mean_run < 12 and cc >= 0.3:
        return "translation"
    if cc >= 0.5:
        return "rewrite"
    del child_is_a
    return "paraphrase"


class Candidate(NamedTuple):
    """A candidate edge as the forest chooses among them: its score and the
    figures the choice reads (each as its evidence states it), without the
    evidence itself, which ``derivation`` builds for the edges chosen."""

    child: str
    parent: str
    confidence: float
    change: str
    probability: float  # that the child derives from the parent (the evidence's ``direction``)
    by: str  # what decided the direction
    relatedness: float
    relatedness_exact: float
    covered_child: float
    covered_child_weighted: float
    bigram_containment: float
    explained_by: dict[str, Any] | None = None  # the sibling that explains the child better (``arborescence.triangulate``)


#: Pairs per task when ``weigh`` runs on several processes.
CHUNK_PAIRS = 200
_STATE: dict[str, Any] = {}


def weigh(docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence],
          jobs: int = 1, aligned: Sequence[PairEvidence] = ()) -> tuple[_Family, dict[tuple[str, str], Candidate]]:
    """Every related pair's candidate edges, both ways, on ``jobs``
    processes (forked after the family's facts are computed; the edges come
    back in pair order, so the result does not depend on ``jobs``)."""
    fam = _Family(docs, streams, pairs, aligned)
    chunks = [range(k, min(k + CHUNK_PAIRS, len(pairs))) for k in range(0, len(pairs), CHUNK_PAIRS)]
    edges: dict[tuple[str, str], Candidate] = {}
    if jobs <= 1 or len(chunks) < 2:
        for pair in pairs:
            for e in _pair_edges(fam, pair)[0]:
                edges[(e.parent, e.child)] = e
        return fam, edges
    _STATE.update(fam=fam, pairs=pairs)
    # the forked workers share the parent's objects until they write to them:
    # frozen, the cyclic collector of a worker does not visit (and so copy) them
    gc.freeze()
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for part in pool.map(_chunk_edges, chunks):
                for e in part:
                    edges[(e.parent, e.child)] = e
    finally:
        gc.unfreeze()
        _STATE.clear()
    return fam, edges


def _chunk_edges(chunk: range) -> list[Candidate]:
    fam, pairs = _STATE["fam"], _STATE["pairs"]
    return [e for i in chunk for e in _pair_edges(fam, pairs[i])[0]]


def derivation(fam: _Family, edge: Candidate) -> Derivation:
    """A candidate edge with its evidence, as ``audit.json`` exports it."""
    pair = fam.by_pair[(min(edge.child, edge.parent), max(edge.child, edge.parent))]
    evidence = _pair_edges(fam, pair, evidence_of=edge.child)[1]
    if edge.explained_by is not None:
        evidence["explained_by"] = edge.explained_by
    return Derivation(edge.child, edge.parent, edge.confidence, edge.change, evidence)


def _pair_edges(fam: _Family, pair: PairEvidence, evidence_of: str | None = None) -> tuple[list[Candidate], dict[str, Any]]:
    """Both directions of a related pair (none when neither side is explained
    enough by the other), each with its confidence; and the evidence of the
    one whose child is ``evidence_of``, if any."""
    out: list[Candidate] = []
    evidence: dict[str, Any] = {}
    weighted = _passage_weights(fam, pair)
    own_run = _own_run(fam, pair, weighted)
    facts_of = {}
    for parent, child in ((pair.a, pair.b), (pair.b, pair.a)):
        facts_of[child] = _relatedness(fam, pair, weighted, child, own_run)
    if max(rel for rel, _ in facts_of.values()) < MIN_RELATED:
        return out, evidence
    for parent, child in ((pair.a, pair.b), (pair.b, pair.a)):
        rel, facts = facts_of[child]
        d, dev = _direction(fam, pair, parent, child)
        if child == evidence_of:
            child_is_a = child == pair.a
            passages = sorted(weighted, key=lambda t: -t[0].tokens)[:50]
            evidence = {
                **facts,
                "relatedness": round(min(1.0, rel), 4),
                "relatedness_exact": round(rel, 6),
                "direction": {**dev, "probability": round(d, 4)},
                "passages": len(pair.passages),
                "longest": pair.longest,
                "quoted_passages": sum(1 for t in weighted if t[2]),
                "stock_passages": sum(1 for t in weighted if t[3]),
                "cues": fam.cues(child),
                "shared": [
                    {"child": list(_side(q, child_is_a)[0]), "parent": list(_side(q, child_is_a)[1]),
                     "tokens": q.tokens, "quote": isq, "stock": st, "weight": round(w, 3)}
                    for q, w, isq, st in sorted(passages, key=lambda t: _side(t[0], child_is_a)[0])
                ],
            }
        confidence = round(min(1.0, rel) * d, 4)
        change = _change(pair, child, len(fam.streams[child]), len(fam.streams[parent]), facts)
        out.append(Candidate(child, parent, confidence, change, round(d, 4), dev["by"], round(min(1.0, rel), 4),
                             round(rel, 6), facts["covered_child"], facts["covered_child_weighted"],
                             facts["bigram_containment"]))
    return out, evidence
