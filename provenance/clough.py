"""``provenance eval clough DIR``: the derivation tree scored on the Clough &
Stevenson corpus of short answers (Clough and Stevenson, LRE 45(1), 2011).

Ground truth: per task, every ``cut``/``light``/``heavy`` answer has its task's
``orig_task*.txt`` as parent, every ``non`` answer has no parent among the
task's files, and no ``orig`` file has a parent.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from provenance import lineage, sources
from provenance.audit import audit, match_stage, tokenize_stage
from provenance.settings import Settings

#: Answers are 200-300 words: runs of four stemmed words are the shortest
#: exact evidence worth linking on texts that short (the lineage stage then
#: decides from coverage and word-pair containment, not from one run).
SHORT_TEXT_MIN_LEN = 4
DERIVED = ("cut", "light", "heavy")


@dataclass(frozen=True)
class CloughScore:
    per_category: dict[str, tuple[int, int]]  # category -> (correct, total)
    auc: float
    wrong: tuple[tuple[str, str, str], ...]  # (file, category, what happened)

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
    """Audit the corpus as one folder and score the tree against the labels."""
    settings = settings or Settings(min_len=SHORT_TEXT_MIN_LEN)
    labels = _labels(root)
    loaded = sources.load(root, sources.Options(include=("*.txt",)))
    result = audit(loaded.documents, settings)
    assert result.lineage is not None
    parent = {e.child: e.parent for e in result.lineage.edges}
    docs = sorted(result.documents, key=lambda d: d.id)
    streams = tokenize_stage(docs, settings)
    pairs, _ = match_stage(docs, streams, settings)
    _, candidates = lineage.candidates(docs, streams, lineage.verbatim_pairs(docs, streams, pairs))
    task_files: dict[str, set[str]] = {}
    for f, (task, _) in labels.items():
        task_files.setdefault(task, set()).add(Path(f).stem)
    per: dict[str, list[int]] = {}
    wrong = []
    pos: list[float] = []
    neg: list[float] = []
    for f, (task, cat) in sorted(labels.items()):
        doc = Path(f).stem
        got = parent.get(doc)
        source = f"orig_task{task}"
        if cat == "orig":
            ok = got is None
        elif cat == "non":
            ok = got not in task_files[task]
        else:
            ok = got == source
        if cat != "orig":
            edge = candidates.get((source, doc))
            conf = edge[1].confidence if edge is not None else 0.0
            (pos if cat in DERIVED else neg).append(conf)
        tally = per.setdefault(cat, [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            wrong.append((f, cat, f"parent {got}" if got else "no parent"))
    return CloughScore(
        per_category={k: (v[0], v[1]) for k, v in sorted(per.items())},
        auc=round(auc(pos, neg), 4), wrong=tuple(wrong),
    )


def format_score(score: CloughScore) -> str:
    lines = ["category  correct  total  accuracy"]
    for cat, (ok, n) in score.per_category.items():
        lines.append(f"{cat:8s}  {ok:7d}  {n:5d}  {ok / n:8.3f}")
    lines.append(f"derived attached to their source: {score.derived_accuracy:.3f}")
    lines.append(f"non-derived left unattached:      {score.non_accuracy:.3f}")
    lines.append(f"AUC of edge confidence, derived vs not: {score.auc:.3f}")
    for f, cat, what in score.wrong:
        lines.append(f"  wrong: {f} ({cat}): {what}")
    return "\n".join(lines)
