"""``provenance eval pan13``: passage alignment scored on the PAN 2013 text-alignment corpus.

The corpus (Potthast et al., CLEF 2013) lists pairs of a suspicious and a
source document; one gold XML per pair gives each reused passage as character
offsets into both files.  ``evaluate`` aligns every pair with
``provenance.align``, writes one detections XML per pair in PAN's format, and
scores them with the measures of Potthast, Stein, Barrón-Cedeño and Rosso, "An
Evaluation Framework for Plagiarism Detection" (COLING 2010):

* a detection *detects* a case when both belong to the same pair of documents
  and overlap on the suspicious side and on the source side;
* macro recall: the mean over cases of the share of the case's characters
  (suspicious and source side together) inside the detections that detect it;
* macro precision: the mean over detections of the share of the detection's
  characters inside the cases it detects;
* granularity: the mean number of detections per detected case;
* plagdet = F1(precision, recall) / log2(1 + granularity).

Degenerate sets follow the official PAN script: with neither cases nor
detections, recall and precision are 1; with only one of them, both are 0.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from provenance import align, sources
from provenance.export import write_atomic
from provenance.model import Document, Skipped
from provenance.settings import Settings

Range = tuple[int, int]  # half-open character range
FOLDERS = (
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)


@dataclass(frozen=True)
class Case:
    """A reused passage (gold) or a detection: the pair and a range on each side."""

    susp: str  # file name, e.g. suspicious-document00001.txt
    src: str
    this: Range
    source: Range


@dataclass(frozen=True)
class Pair:
    folder: str
    susp: str
    src: str

    @property
    def xml_name(self) -> str:
        return f"{Path(self.susp).stem}-{Path(self.src).stem}.xml"


@dataclass(frozen=True)
class Score:
    recall: float
    precision: float
    granularity: float
    cases: int
    detections: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def plagdet(self) -> float:
        return self.f1 / math.log2(1 + self.granularity)


# ---------------------------------------------------------------- the measures


def _length(ranges: Iterable[Range]) -> int:
    """Characters in the union of ``ranges``."""
    total, reach = 0, None
    for lo, hi in sorted(ranges):
        if reach is not None:
            lo = max(lo, reach)
        if hi > lo:
            total += hi - lo
        reach = hi if reach is None else max(reach, hi)
    return total


def _clip(r: Range, to: Range) -> Range | None:
    lo, hi = max(r[0], to[0]), min(r[1], to[1])
    return (lo, hi) if hi > lo else None


def detects(r: Case, s: Case) -> bool:
    """``r`` detects ``s``: same pair, overlapping on both sides."""
    return (r.susp == s.susp and r.src == s.src and _clip(r.this, s.this) is not None
            and _clip(r.source, s.source) is not None)


def _covered_share(x: Case, others: Sequence[Case]) -> float:
    """Share of ``x``'s characters (both sides) inside the ranges of ``others``."""
    size = (x.this[1] - x.this[0]) + (x.source[1] - x.source[0])
    if size <= 0:
        return 0.0
    this = [c for o in others if (c := _clip(o.this, x.this))]
    source = [c for o in others if (c := _clip(o.source, x.source))]
    return (_length(this) + _length(source)) / size


def score(cases: Sequence[Case], detections: Sequence[Case]) -> Score:
    """PAN's macro recall and precision, granularity (see the module docstring)."""
    if not cases and not detections:
        return Score(1.0, 1.0, 1.0, 0, 0)
    if not cases or not detections:
        return Score(0.0, 0.0, 1.0, len(cases), len(detections))
    by_pair: dict[tuple[str, str], tuple[list[Case], list[Case]]] = {}
    for s in cases:
        by_pair.setdefault((s.susp, s.src), ([], []))[0].append(s)
    for r in detections:
        by_pair.setdefault((r.susp, r.src), ([], []))[1].append(r)
    rec_sum = prec_sum = 0.0
    detected = hits = 0
    for cs, rs in by_pair.values():
        for s in cs:
            found = [r for r in rs if detects(r, s)]
            rec_sum += _covered_share(s, found)
            if found:
                detected += 1
                hits += len(found)
        for r in rs:
            prec_sum += _covered_share(r, [s for s in cs if detects(r, s)])
    return Score(
        recall=rec_sum / len(cases), precision=prec_sum / len(detections),
        granularity=hits / detected if detected else 1.0, cases=len(cases), detections=len(detections),
    )


# ---------------------------------------------------------------- the corpus


def pairs(root: Path, folders: Sequence[str] = FOLDERS) -> list[Pair]:
    """The pairs of each obfuscation folder (its ``pairs`` file), sorted."""
    if not (root / "susp").is_dir() or not (root / "src").is_dir():
        raise ValueError(f"{root}: no susp/ and src/ folders: not a PAN text-alignment corpus")
    out = []
    for folder in folders:
        listing = root / folder / "pairs"
        if not listing.is_file():
            raise ValueError(f"{listing}: missing: not a PAN 2013 text-alignment corpus")
        for n, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError(f"{listing}:{n}: expected two file names, got {line!r}")
            out.append(Pair(folder, parts[0], parts[1]))
    return sorted(out, key=lambda p: (p.folder, p.susp, p.src))


def sample(all_pairs: Sequence[Pair], per_folder: int) -> list[Pair]:
    """A fixed, stratified sample: the ``per_folder`` pairs of each folder with the
    smallest SHA-256 of their names (stable across runs and machines)."""
    out = []
    for folder in sorted({p.folder for p in all_pairs}):
        mine = [p for p in all_pairs if p.folder == folder]
        mine.sort(key=lambda p: hashlib.sha256(f"{p.susp} {p.src}".encode()).hexdigest())
        out.extend(mine[:per_folder])
    return sorted(out, key=lambda p: (p.folder, p.susp, p.src))


def _attr(el: etree._Element, name: str) -> str:
    value = el.get(name)
    if value is None:
        raise ValueError(f"no {name} attribute on line {el.sourceline}")
    return value


def _range(el: etree._Element, offset: str, length: str) -> Range:
    start = int(_attr(el, offset))
    return start, start + int(_attr(el, length))


def read_xml(path: Path, name: str = "plagiarism") -> list[Case]:
    """The ``<feature name=NAME>`` passages of one PAN XML file."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    doc = tree.getroot()
    susp = _attr(doc, "reference")
    out = []
    for f in doc.iter("feature"):
        if f.get("name") != name:
            continue  # 05 also carries "about"/"md5" features, not cases
        out.append(Case(susp, _attr(f, "source_reference"), _range(f, "this_offset", "this_length"),
                        _range(f, "source_offset", "source_length")))
    return out


def gold(root: Path, pair: Pair) -> list[Case]:
    path = root / pair.folder / pair.xml_name
    if not path.is_file():
        raise ValueError(f"{path}: gold file missing")
    return [c for c in read_xml(path) if c.src == pair.src]


def detections_xml(pair: Pair, found: Sequence[Case]) -> bytes:
    """One pair's detections as PAN XML."""
    doc = etree.Element("document", reference=pair.susp)
    for c in sorted(found, key=lambda c: (c.this, c.source)):
        etree.SubElement(doc, "feature", {
            "name": "detected-plagiarism",
            "this_offset": str(c.this[0]), "this_length": str(c.this[1] - c.this[0]),
            "source_reference": pair.src,
            "source_offset": str(c.source[0]), "source_length": str(c.source[1] - c.source[0]),
        })
    return etree.tostring(doc, pretty_print=True, xml_declaration=True, encoding="utf-8")


def load(root: Path, names: Iterable[tuple[str, str]]) -> list[Document]:
    """The named files (``(folder, file name)``) as documents, ids ``folder/stem``.

    Offsets of the gold files index the files as decoded UTF-8.  A few PAN
    texts (18 of 5,057) hold NUL bytes or control characters from their web
    origin, which the audit's ``sources`` skips as binary; here they are
    decoded as the UTF-8 the corpus declares, so that their pairs are scored.
    """
    out = []
    for folder, name in sorted(set(names)):
        path = root / folder / name
        rel = f"{folder}/{name}"
        got = sources.read_text_file(path, rel)
        if isinstance(got, Skipped):
            text = path.read_bytes().decode("utf-8", errors="replace")
            got = Document(id=f"{folder}/{Path(name).stem}", path=rel, title=name, text=text,
                           sha256=hashlib.sha256(text.encode()).hexdigest())
        out.append(got)
    return out


def _doc_id(folder: str, name: str) -> str:
    return f"{folder}/{Path(name).stem}"


@dataclass(frozen=True)
class Evaluation:
    per_folder: dict[str, Score]
    overall: Score
    pairs: int
    seconds: float


def evaluate(root: Path, chosen: Sequence[Pair], settings: Settings | None = None, *, jobs: int = 1,
             out: Path | None = None, progress: Callable[[str, int, int], None] | None = None) -> Evaluation:
    """Align ``chosen`` pairs, write their XMLs into ``out`` (if given), and score them."""
    settings = settings or Settings()
    t0 = time.perf_counter()
    docs = load(root, [(d, n) for p in chosen for d, n in (("susp", p.susp), ("src", p.src))])
    requested = [(_doc_id("susp", p.susp), _doc_id("src", p.src)) for p in chosen]
    kwargs = {"progress": progress} if progress else {}
    found = align.align_corpus(docs, requested, settings, jobs=jobs, **kwargs)
    cases: dict[str, list[Case]] = {}
    dets: dict[str, list[Case]] = {}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for p, key in zip(chosen, requested):
        mine = [Case(p.susp, p.src, a, b) for a, b in found[key]]
        cases.setdefault(p.folder, []).extend(gold(root, p))
        dets.setdefault(p.folder, []).extend(mine)
        if out is not None:
            write_atomic(out / p.xml_name, detections_xml(p, mine))
    folders = sorted({p.folder for p in chosen})
    per = {f: score(cases.get(f, []), dets.get(f, [])) for f in folders}
    overall = score([c for f in folders for c in cases.get(f, [])], [d for f in folders for d in dets.get(f, [])])
    return Evaluation(per, overall, len(chosen), time.perf_counter() - t0)


def format_evaluation(ev: Evaluation) -> str:
    lines = [f"{'folder':28s} {'cases':>6s} {'dets':>6s} {'recall':>7s} {'prec':>7s} {'gran':>6s} {'plagdet':>8s}"]
    for name, s in [*ev.per_folder.items(), ("overall", ev.overall)]:
        lines.append(f"{name:28s} {s.cases:6d} {s.detections:6d} {s.recall:7.3f} {s.precision:7.3f} "
                     f"{s.granularity:6.3f} {s.plagdet:8.3f}")
    lines.append(f"{ev.pairs} pairs in {ev.seconds:.1f} s")
    return "\n".join(lines)
