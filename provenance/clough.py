"""``provenance eval clough DIR``: the derivation tree scored on the Clough &
Stevenson corpus of short answers (Clough and Stevenson, LRE 45(1), 2011).

Ground truth (the corpus README): per task, every ``cut``/``light``/``heavy``
answer has its task's ``orig_task*.txt`` as parent, or a latent source that is
also that file's parent (the full Wikipedia article the extract was cut
from); every ``non`` answer has no document parent (a latent source that only
non-derived answers share is an outside text they both used); no ``orig``
file has a document parent.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from provenance import lineage, sources
from provenance.audit import audit, chosen, match_stage, tokenize_stage
from provenance.lineage.evidence import LATENT_MIN_RUN
from provenance.settings import Settings

DERIVED = ("cut", "light", "heavy")


#: Text an answer shares with another answer of its task, in exact runs of
#: LATENT_MIN_RUN tokens or more, that its source file does not hold: taken
#: from outside the source (the full Wikipedia article the extract was cut
#: from) when there are at least this many tokens of it.
OUTSIDE_MIN_TOKENS = 16


@dataclass(frozen=True)
class CloughScore:
    per_category: dict[str, tuple[int, int]]  # category -> (correct, total)
    auc: float
    wrong: tuple[tuple[str, str, str], ...]  # (file, category, what happened)
    #: per wrong file: (tokens in long runs shared with the source, the most
    #: such tokens shared with one other answer of the task but not with the
    #: source, that answer)
    outside: dict[str, tuple[int, int, str | None]] = field(default_factory=dict)

    @property
    def outside_misses(self) -> list[str]:
        """Derived answers missed that hold text from outside their source file."""
        return [f for f, cat, _ in self.wrong if cat in DERIVED and self.outside.get(f, (0, 0, None))[1] >= OUTSIDE_MIN_TOKENS]

    @property
    def no_long_run_misses(self) -> list[str]:
        """Derived answers missed that share no run of LATENT_MIN_RUN tokens with their source."""
        return [f for f, cat, _ in self.wrong if cat in DERIVED and f in self.outside and self.outside[f][0] == 0]

    @property
    def derived_accuracy(self) -> float:
        ok = sum(self.per_category[c][0] for c in DERIVED if c in self.per_category)
        n = sum(self.per_category[c][1] for c in DERIVED if c in self.per_category)
        return ok / n if n else 0.0

    @property
    def non_accuracy(self) -> float:
        ok, n = self.per_category.get("non", (0, 0))
        return ok / n if n else 0.0


def _labels(root: Path) -> dict[str, tuple[str, str]]:
    path = root / "file_information.csv"
    if not path.is_file():
        raise ValueError(f"{root}: no file_information.csv: not the Clough & Stevenson corpus")
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["File"]: (r["Task"], r["Category"]) for r in csv.DictReader(fh)}


def auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    if not positives or not negatives:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def evaluate(root: Path, settings: Settings | None = None) -> CloughScore:
    """Audit the corpus as one folder (the defaults: min_len chosen from the
    texts) and score the tree against the labels."""
    settings = settings or Settings(min_len=None)
    labels = _labels(root)
    loaded = sources.load(root, sources.Options())  # the folder as it is
    result = audit(loaded.documents, settings)
    assert result.lineage is not None
    parent = {e.child: e.parent for e in result.lineage.edges}
    latent_children = {x.id: x.children for x in result.lineage.latent}
    docs = sorted(result.documents, key=lambda d: d.id)
    streams = tokenize_stage(docs, settings)
    settings = chosen(docs, streams, settings)
    pairs, _ = match_stage(docs, streams, settings)
    fam, candidates = lineage.weigh(docs, streams, lineage.verbatim_pairs(docs, streams, pairs), aligned=pairs)
    task_files: dict[str, set[str]] = {}
    for f, (task, _) in labels.items():
        task_files.setdefault(task, set()).add(Path(f).stem)
    per: dict[str, list[int]] = {}
    wrong = []
    pos: list[float] = []
    neg: list[float] = []
    outside: dict[str, tuple[int, int, str | None]] = {}
    for f, (task, cat) in sorted(labels.items()):
        doc = Path(f).stem
        got = parent.get(doc)
        source = f"orig_task{task}"
        if cat == "orig":  # no document parent (a latent one is the full article it was cut from)
            ok = got is None or got in latent_children
        elif cat == "non":  # below no document; a latent source only if non-derived answers alone share it
            ok = got is None or (got in latent_children and all(
                labels.get(f"{c}.txt", ("", ""))[1] == "non" for c in latent_children[got]))
        else:  # below its source, or below a latent source that is also its source's parent
            ok = got == source or (got in latent_children and parent.get(source) == got)
        if cat != "orig":
            edge = candidates.get((source, doc))
            conf = edge.confidence if edge is not None else 0.0
            (pos if cat in DERIVED else neg).append(conf)
        tally = per.setdefault(cat, [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            wrong.append((f, cat, f"parent {got}" if got else "no parent"))
            if cat != "orig":
                outside[f] = _outside(fam.run_mask, doc, source, sorted(task_files[task] - {doc, source}))
    return CloughScore(
        per_category={k: (v[0], v[1]) for k, v in sorted(per.items())},
        auc=round(auc(pos, neg), 4), wrong=tuple(wrong), outside=outside,
    )


def _outside(long_runs: Callable[[str, str], np.ndarray], doc: str, source: str,
             others: list[str]) -> tuple[int, int, str | None]:
    """(tokens of ``doc`` in long runs shared with ``source``, the most tokens
    it shares in long runs with one of ``others`` that ``source`` lacks, that
    one).  ``long_runs(doc, other)``: the tokens of ``doc`` in exact runs of
    LATENT_MIN_RUN or more shared with ``other`` (``lineage``'s run masks)."""
    from_source = long_runs(doc, source)
    best, best_doc = 0, None
    for other in others:
        n = int((long_runs(doc, other) & ~from_source).sum())
        if n > best:
            best, best_doc = n, other
    return int(from_source.sum()), best, best_doc


def format_score(score: CloughScore) -> str:
    lines = ["category  correct  total  accuracy"]
    for cat, (ok, n) in score.per_category.items():
        lines.append(f"{cat:8s}  {ok:7d}  {n:5d}  {ok / n:8.3f}")
    lines.append(f"derived attached to their source: {score.derived_accuracy:.3f}")
    lines.append(f"non-derived left unattached:      {score.non_accuracy:.3f}")
    lines.append(f"AUC of edge confidence, derived vs not: {score.auc:.3f}")
    for f, cat, what in score.wrong:
        extra = ""
        if f in score.outside:
            in_source, out, other = score.outside[f]
            extra = f"; {in_source} tokens in runs of {LATENT_MIN_RUN}+ shared with its source"
            if out:
                extra += f", {out} shared with {Path(other or '').stem} but not in the source"
        lines.append(f"  wrong: {f} ({cat}): {what}{extra}")
    n = sum(score.per_category[c][1] for c in DERIVED if c in score.per_category)
    lines.append(f"derived answers missed holding {OUTSIDE_MIN_TOKENS}+ tokens that another answer shares and the source "
                 f"lacks (copied from outside the source file, or from one another): {len(score.outside_misses)} of {n}")
    lines.append(f"derived answers missed sharing no run of {LATENT_MIN_RUN}+ tokens with their source: "
                 f"{len(score.no_long_run_misses)} of {n}")
    return "\n".join(lines)
