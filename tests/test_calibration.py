"""Confidence that means what it says: expected calibration error of edge
confidence over labelled edges (floor in tests/baselines/traditions.json).

``python -m tests.test_calibration fit`` refits
``provenance.lineage.calibration.TABLE`` on the generated traditions alone
(the same audits as tests/test_traditions.py, on raw scores) and prints it;
``python -m tests.test_calibration`` prints the reliability per source.
Clough & Stevenson and Notre Besoin are never used to fit.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from provenance import clough, sources, stemma
from provenance.audit import audit
from provenance.lineage import calibration
from provenance.model import Derivation
from provenance.settings import Settings
from tests import test_traditions as traditions
from tests.conftest import CORPORA

BASELINE = Path(__file__).resolve().parent / "baselines" / "traditions.json"
BINS = 10
Row = tuple[str, Derivation, bool]  # (source, edge, right)


def _documents_only(edges: tuple[Derivation, ...]) -> list[Derivation]:
    return [e for e in edges if not e.parent.startswith("latent:") and not e.child.startswith("latent:")]


def training_rows() -> list[Row]:
    """Edges of the generated traditions, with whether each is right."""
    rows: list[Row] = []
    for case in ("undated", "dated", "merges"):
        for seed in range(traditions.N_TREES):
            t, result = traditions.audited(seed, case)
            assert result.lineage is not None
            gold = traditions.gold_edges(t)
            rows += [(case, e, (e.parent, e.child) in gold) for e in _documents_only(result.lineage.edges)]
    for seed in range(traditions.N_MANUSCRIPTS):
        m, result = traditions.audited_manuscripts(seed)
        assert result.lineage is not None
        true = stemma.collapsed_parents(list(m.edges), {d.id for d in m.documents})
        rows += [("manuscripts", e, e.parent in true.get(e.child, ())) for e in _documents_only(result.lineage.edges)]
    return rows


def held_out_rows() -> list[Row]:
    """Edges of the real traditions, audited with the defaults: never used to fit."""
    rows: list[Row] = []
    nb = CORPORA / "notre-besoin"
    result = audit(sources.load(nb / "witnesses", sources.Options()).documents, Settings(min_len=None))
    assert result.lineage is not None
    true = stemma.collapsed_parents(stemma.read_truth(nb / "true_stemma_edges.tsv"), {d.id for d in result.documents})
    rows += [("notre-besoin", e, e.parent in true.get(e.child, ())) for e in _documents_only(result.lineage.edges)]
    cs = CORPORA / "clough-stevenson"
    labels = clough._labels(cs)
    result = audit(sources.load(cs, sources.Options()).documents, Settings(min_len=None))
    assert result.lineage is not None
    for e in _documents_only(result.lineage.edges):
        task, cat = labels[f"{e.child}.txt"]
        rows.append(("clough", e, cat in clough.DERIVED and e.parent == f"orig_task{task}"))
    return rows


def ece(rows: list[Row]) -> float:
    """Expected calibration error over BINS equal-width bins of confidence."""
    bins: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for _, e, ok in rows:
        bins[min(BINS - 1, int(e.confidence * BINS))].append((e.confidence, ok))
    n = len(rows)
    return sum(len(b) / n * abs(np.mean([c for c, _ in b]) - np.mean([ok for _, ok in b])) for b in bins.values())


#: A step holds at least this many labelled edges (smaller isotonic blocks are pooled with a neighbour).
MIN_STEP = 20


def fit(rows: list[Row]) -> dict[str, tuple[tuple[float, float], ...]]:
    """Isotonic steps per kind, on raw scores; blocks of fewer than MIN_STEP
    edges pooled with the next; each step's confidence is its share right
    with one success and one failure added (no step says 0 or 1)."""
    from scipy.optimize import isotonic_regression

    out = {}
    by_kind: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for _, e, ok in rows:
        by_kind[calibration.kind(e.evidence)].append((float(e.evidence["score"]), ok))
    for k in sorted(calibration.TABLE):
        pts = sorted(by_kind.get(k, []))
        if not pts:
            out[k] = calibration.TABLE[k]
            continue
        x = np.array([p for p, _ in pts])
        y = np.array([float(ok) for _, ok in pts])
        fitted = isotonic_regression(y).x
        blocks: list[list[int]] = []  # [start, end) of each block
        for i in range(len(pts)):
            if blocks and fitted[i] == fitted[blocks[-1][0]] or blocks and blocks[-1][1] - blocks[-1][0] < MIN_STEP:
                blocks[-1][1] = i + 1
            else:
                blocks.append([i, i + 1])
        if len(blocks) > 1 and blocks[-1][1] - blocks[-1][0] < MIN_STEP:
            blocks[-2][1] = blocks.pop()[1]
        value = np.array([(y[a:b].sum() + 1) / (b - a + 2) for a, b in blocks])
        value = isotonic_regression(value, weights=np.array([b - a for a, b in blocks], dtype=float)).x
        steps: list[tuple[float, float]] = []
        for (a, _), v in zip(blocks, value):
            lo = 0.0 if not steps else round(float(x[a]), 4)
            if steps and steps[-1][1] == round(float(v), 3):
                continue
            steps.append((lo, round(float(v), 3)))
        out[k] = tuple(steps)
    return out


def test_confidence_is_calibrated() -> None:
    for name in ("news-2018", "notre-besoin", "clough-stevenson"):
        if not (CORPORA / name).is_dir():
            pytest.skip(f"corpus {name!r} not found at {CORPORA / name}")
    rows = training_rows() + held_out_rows()
    floor = json.loads(BASELINE.read_text(encoding="utf-8"))["calibration"]
    got = ece(rows)
    assert got <= floor["ece"], {s: round(ece([r for r in rows if r[0] == s]), 3) for s in sorted({r[0] for r in rows})}
    # and on the real traditions alone, which chose nothing
    held = [r for r in rows if r[0] in ("clough", "notre-besoin")]
    assert ece(held) <= floor["ece_held_out"], round(ece(held), 3)


if __name__ == "__main__":
    train = training_rows()
    if sys.argv[1:] == ["fit"]:
        for k, steps in fit(train).items():
            print(f"    {k!r}: {steps},")
    else:
        rows = train + held_out_rows()
        for s in sorted({r[0] for r in rows}):
            part = [r for r in rows if r[0] == s]
            print(f"{s:14s} edges {len(part):5d}  right {np.mean([ok for *_, ok in part]):.3f}  "
                  f"mean confidence {np.mean([e.confidence for _, e, _ in part]):.3f}  ECE {ece(part):.3f}")
        held = [r for r in rows if r[0] in ("clough", "notre-besoin")]
        print(f"all: ECE {ece(rows):.3f} over {len(rows)} edges; held out (Clough, Notre Besoin): ECE {ece(held):.3f}")
