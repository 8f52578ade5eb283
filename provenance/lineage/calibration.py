"""What an edge's confidence means: the share of edges given that confidence
that are right, on labelled traditions.

An edge's raw score (relatedness times the probability of its direction, in
``evidence["score"]``) ranks edges well but is not a probability: an undated
copy tree and a dated one with the same scores are not equally often right.
So the score is mapped, per kind of evidence that decided the direction, by a
monotone step function fitted (isotonic regression, scipy) on labelled
traditions: an edge of confidence 0.8 is right about 80% of the time on them.

The table below was fitted by ``python -m tests.test_calibration fit`` on the
generated traditions of ``tests/test_traditions.py`` alone (copy trees
undated, dated and with merges; hand-copied manuscripts); Clough & Stevenson
and Notre Besoin were not used and measure it (``tests/test_calibration.py``).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

#: Per kind: (lowest raw score of a step, confidence of the step), ascending.
TABLE: dict[str, tuple[tuple[float, float], ...]] = {
    "dated": ((0.0, 0.591), (0.95, 0.997)),
    "undated": ((0.0, 0.522), (0.7059, 0.625), (0.7754, 0.675), (0.8767, 0.731), (0.9021, 0.808), (0.9448, 0.894),
                (0.9631, 0.917), (0.9707, 0.927), (0.9773, 0.939)),
    "variants": ((0.0, 0.682), (0.5, 0.849), (0.7311, 0.912), (0.7914, 0.973)),
}


def kind(evidence: Mapping[str, Any]) -> str:
    """Which table an edge is read from: the tree fitted to variants, or the
    direction decided by publication dates or times, or by the text alone."""
    if evidence.get("tree", {}).get("method") == "variants":
        return "variants"
    by = evidence.get("direction", {}).get("by")
    return "dated" if by in ("dates", "times") else "undated"


def calibrated(score: float, evidence: Mapping[str, Any]) -> float:
    steps = TABLE[kind(evidence)]
    i = bisect.bisect_right([lo for lo, _ in steps], score) - 1
    return steps[max(0, i)][1]
