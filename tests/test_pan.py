"""PAN measures on hand-made cases, PAN XML round trip, and the quality gate on
a fixed stratified sample of the PAN 2013 training corpus."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from provenance import pan
from provenance.cli import main
from tests.conftest import corpus_dir

BASELINE = Path(__file__).parent / "baselines" / "pan13.json"


def case(this: tuple[int, int], source: tuple[int, int], susp: str = "s.txt", src: str = "r.txt") -> pan.Case:
    return pan.Case(susp, src, this, source)


def test_perfect_detection_scores_one() -> None:
    cases = [case((0, 100), (50, 150)), case((300, 400), (0, 80))]
    s = pan.score(cases, list(cases))
    assert (s.recall, s.precision, s.granularity, s.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_half_a_case_detected() -> None:
    # both sides of the case are 100 characters; the detection covers the first half of each
    s = pan.score([case((0, 100), (0, 100))], [case((0, 50), (0, 50))])
    assert s.recall == pytest.approx(0.5)
    assert s.precision == pytest.approx(1.0)
    assert s.plagdet == pytest.approx(2 * 0.5 / 1.5)


def test_both_sides_are_counted() -> None:
    # suspicious side fully found (100 of 100), source side a quarter (25 of 100): 125 / 200
    s = pan.score([case((0, 100), (0, 100))], [case((0, 100), (0, 25))])
    assert s.recall == pytest.approx(125 / 200)
    # the detection is 125 characters, all inside the case
    assert s.precision == pytest.approx(1.0)


def test_split_detection_is_granularity_two() -> None:
    s = pan.score([case((0, 100), (0, 100))], [case((0, 50), (0, 50)), case((50, 100), (50, 100))])
    assert (s.recall, s.precision, s.granularity) == (1.0, 1.0, 2.0)
    assert s.plagdet == pytest.approx(1.0 / math.log2(3))


def test_overlap_on_one_side_only_does_not_detect() -> None:
    # right place in the suspicious text, wrong place in the source
    s = pan.score([case((0, 100), (0, 100))], [case((0, 100), (500, 600))])
    assert (s.recall, s.precision) == (0.0, 0.0)


def test_detection_in_another_pair_detects_nothing() -> None:
    cases = [case((0, 100), (0, 100))]
    s = pan.score(cases, [case((0, 100), (0, 100)), case((0, 100), (0, 100), src="other.txt")])
    assert s.recall == 1.0
    assert s.precision == pytest.approx(0.5)  # one of two detections is right, the other scores 0


def test_degenerate_sets_follow_the_pan_script() -> None:
    assert pan.score([], []).plagdet == 1.0
    assert pan.score([], [case((0, 10), (0, 10))]).plagdet == 0.0
    assert pan.score([case((0, 10), (0, 10))], []).plagdet == 0.0


def test_overlapping_detections_are_not_counted_twice() -> None:
    s = pan.score([case((0, 100), (0, 100))], [case((0, 60), (0, 60)), case((40, 100), (40, 100))])
    assert s.recall == pytest.approx(1.0)
    assert s.granularity == 2.0


def test_detections_xml_round_trip(tmp_path: Path) -> None:
    pair = pan.Pair("02-no-obfuscation", "suspicious-document00001.txt", "source-document00002.txt")
    found = [pan.Case(pair.susp, pair.src, (10, 60), (5, 80)), pan.Case(pair.susp, pair.src, (100, 150), (90, 91))]
    path = tmp_path / pair.xml_name
    path.write_bytes(pan.detections_xml(pair, found))
    assert path.name == "suspicious-document00001-source-document00002.xml"
    assert pan.read_xml(path, "detected-plagiarism") == found


def test_sample_is_stratified_and_fixed() -> None:
    pairs = [pan.Pair(f"0{k}-x", f"s{i}.txt", f"r{i}.txt") for k in (1, 2) for i in range(30)]
    got = pan.sample(pairs, 5)
    assert len(got) == 10 and {p.folder for p in got} == {"01-x", "02-x"}
    assert got == pan.sample(list(reversed(pairs)), 5)


def test_not_a_pan_corpus_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["eval", "pan13", str(tmp_path), "-q"]) == 2


def test_quality_gate_on_the_training_sample(capsys: pytest.CaptureFixture[str]) -> None:
    """The stratified sample scores at least the floors pinned in the baseline file."""
    root = corpus_dir("pan13-train")
    floors = json.loads(BASELINE.read_text(encoding="utf-8"))
    chosen = pan.sample(pan.pairs(root), floors["per_folder"])
    result = pan.evaluate(root, chosen)
    print(pan.format_evaluation(result))
    for folder, floor in floors["plagdet"].items():
        got = result.overall if folder == "overall" else result.per_folder[folder]
        assert got.plagdet >= floor, f"{folder}: plagdet {got.plagdet:.3f} under the floor {floor}"
    # pairs without reuse: PAN scores any detection there as 0, so the cap is on their number
    assert result.per_folder["01-no-plagiarism"].detections <= floors["max_detections_without_reuse"]
    # the gold offsets index the files as decoded: a verbatim case's two sides read the same words
    verbatim = [p for p in chosen if p.folder == "02-no-obfuscation"][:5]
    docs = {d.id: d.text for d in pan.load(root, [(f, n) for p in verbatim for f, n in (("susp", p.susp), ("src", p.src))])}
    for p in verbatim:
        for c in pan.gold(root, p):
            a = docs[f"susp/{Path(p.susp).stem}"][slice(*c.this)].split()
            b = docs[f"src/{Path(p.src).stem}"][slice(*c.source)].split()
            assert a == b
