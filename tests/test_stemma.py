"""The stemma scorer against figures computed independently, the variant
tree's pieces, and the Notre Besoin gate (a real copying tradition with a
known stemma; floors in tests/baselines/traditions.json)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from provenance import stemma
from provenance.lineage import tree as trees
from provenance.model import PairEvidence, Passage
from tests.conftest import corpus_dir

BASELINE = Path(__file__).resolve().parent / "baselines" / "traditions.json"


def _nb() -> tuple[Path, list[tuple[str, str]], list[str]]:
    root = corpus_dir("notre-besoin")
    truth = stemma.read_truth(root / "true_stemma_edges.tsv")
    witnesses = sorted(p.stem for p in (root / "witnesses").glob("*.txt"))
    return root, truth, witnesses


def test_sign_similarity_of_the_baselines_the_corpus_readme_gives() -> None:
    # the corpus README (Roos & Heikkila's measure, computed by its authors): a star 0.587
    _, truth, witnesses = _nb()
    star = [(w, "lost-root") for w in witnesses]
    assert stemma.sign_similarity(truth, star, witnesses) == pytest.approx(0.587, abs=0.0005)
    assert stemma.sign_similarity(truth, truth, witnesses) == 1.0


def test_sign_similarity_brute_force_on_a_small_tree() -> None:
    # a path a-b-c-d scored against the star below a: hand count over the 24 ordered triples
    path = [("b", "a"), ("c", "b"), ("d", "c")]
    star = [("b", "a"), ("c", "a"), ("d", "a")]
    ws = ["a", "b", "c", "d"]

    def dist(edges: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        import networkx as nx
        g = nx.Graph(edges)
        return {(x, y): nx.shortest_path_length(g, x, y) for x in ws for y in ws}

    dt, dg = dist(path), dist(star)
    import itertools
    sgn = lambda v: (v > 0) - (v < 0)
    want = []
    for a, b, c in itertools.permutations(ws, 3):
        s, t = sgn(dt[a, b] - dt[a, c]), sgn(dg[a, b] - dg[a, c])
        want.append(1.0 if s == t else 0.5 if (s == 0) != (t == 0) else 0.0)
    assert stemma.sign_similarity(path, star, ws) == pytest.approx(sum(want) / len(want))


def test_lost_copies_collapse_in_directed_edges() -> None:
    truth = [("b", "omega"), ("omega", "a"), ("c", "a")]
    got = [("b", "latent:1"), ("latent:1", "a"), ("c", "b")]
    s = stemma.score(truth, got, ["a", "b", "c"])
    assert s.correct_edges == (("b", "a"),) and s.wrong_edges == (("c", "b"),) and s.missed_edges == (("c", "a"),)
    assert s.roots == ("a",) and s.true_roots == ("a",)


def _pair(runs: list[tuple[int, int, int]]) -> PairEvidence:
    q = Passage(a=(0, 1), b=(0, 1), a_chars=(0, 1), b_chars=(0, 1), runs=tuple(runs), exact=0)
    return PairEvidence("x", "y", (q,), 1.0, 1.0, max(n for _, _, n in runs))


def test_change_events_count_edits_not_words() -> None:
    assert trees.events(_pair([(0, 0, 100)]), 100, 100) == 0
    assert trees.events(_pair([(0, 0, 50), (51, 51, 49)]), 100, 100) == 1  # one word replaced
    assert trees.events(_pair([(0, 0, 50), (50, 60, 50)]), 100, 110) == 1  # ten words inserted
    assert trees.events(_pair([(0, 0, 50), (50, 53, 50)]), 100, 103) == 1  # a repeated phrase matched elsewhere is off the chain
    # with the words: two slips three words apart, closer than an exact run, are two
    a = np.arange(1, 101)
    b = a.copy()
    b[50], b[54] = 900, 901
    gap = _pair([(0, 0, 50), (55, 55, 45)])
    assert trees.events(gap, 100, 100) == 1 and trees.events(gap, 100, 100, a, b) == 2
    # and a word one side lacks there is an omission of that side
    c = np.delete(a, 52)
    assert trees.omissions(_pair([(0, 0, 50), (55, 54, 45)]), 100, 99, a, c) == (0, 1)
    # two documents that share nothing differ in every sentence
    assert trees.events(None, 200, 100) == 15


def test_a_hypothetical_ancestor_a_document_matches_is_that_document() -> None:
    # b is one change from the ancestor of a, c, d: the ancestor is b
    members = ["a", "b", "c", "d"]
    d = np.array([[0, 6, 10, 10], [6, 0, 6, 6], [10, 6, 0, 10], [10, 6, 10, 0]], dtype=float)
    t = trees.family_tree(members, d)
    assert t.edges() == [("a", "b"), ("b", "c"), ("b", "d")]
    # the star stands whichever leaf is left out
    assert trees.support(members, d, t) == {("a", "b"): 1.0, ("b", "c"): 1.0, ("b", "d"): 1.0}
    root, parent = trees.orient(t, {("b", "a"): 2.0, ("a", "b"): -2.0})
    assert root == "b" and parent == {"a": "b", "c": "b", "d": "b"}


def test_notre_besoin_gate() -> None:
    root, _, _ = _nb()
    got = stemma.evaluate(root / "witnesses", root / "true_stemma_edges.tsv")
    floor = json.loads(BASELINE.read_text(encoding="utf-8"))["notre_besoin"]
    assert got.sign_similarity >= floor["sign_similarity"], got.as_dict()
    assert got.f1 >= floor["edge_f1"], got.as_dict()
    assert set(got.parent.get("F", ())) & {"C", "U"}, got.as_dict()  # the contaminated copy below one of its exemplars


def test_eval_stemma_cli() -> None:
    root, _, _ = _nb()
    out = subprocess.run([sys.executable, "-m", "provenance", "eval", "stemma", str(root / "witnesses"),
                          "--truth", str(root / "true_stemma_edges.tsv"), "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["witnesses"] == 13 and data["true_roots"] == ["T1"]
    direct = stemma.evaluate(root / "witnesses", root / "true_stemma_edges.tsv").as_dict()
    assert data == direct


def test_a_bad_truth_file_is_a_clear_error(tmp_path: Path) -> None:
    from provenance.cli import main

    folder = Path(__file__).resolve().parent.parent / "seeds"
    for name, content in (("latin1.tsv", "caf\xe9\tx\n".encode("latin-1")), ("cols.tsv", b"a\tb\tc\n"),
                          ("empty.tsv", b"child\tparent\n")):
        (tmp_path / name).write_bytes(content)
        proc = subprocess.run([sys.executable, "-m", "provenance", "eval", "stemma", str(folder), "--truth",
                               str(tmp_path / name)], capture_output=True, text=True, check=False)
        assert proc.returncode == 2 and name in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert main(["eval", "stemma", str(folder), "--truth", str(tmp_path / "empty.tsv")]) == 2
