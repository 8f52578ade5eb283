"""An archive survives a killed add and serves checks during one.

A child process runs ``provenance archive add`` with tiny segments (so that
it writes many files and merges them: many places to die); it is killed with
SIGKILL at random moments.  Afterwards ``archive verify`` passes, a check
answers exactly as before the add or as after it, and the next add finishes
the job.  A check that runs while an add runs also answers as before or as
after, never a mix.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provenance import Document
from provenance.archive import Archive
from provenance.cli import main
from tests.conftest import ROOT

# the add in a child, with segments of 10 documents merged two at a time
_CHILD = (
    "import sys\n"
    "from provenance.archive import store\n"
    "store.BATCH_DOCS, store.MERGE_FACTOR = 10, 2\n"
    "from provenance.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _docs(n: int, seed: int, prefix: str, pool: list[str]) -> list[Document]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        own = " ".join(f"{prefix}{i}x{k}" for k in range(30))
        shared = " ".join(rng.sample(pool, 3))
        out.append(Document(id=f"{prefix}{i:04d}", path=f"{prefix}{i:04d}.txt", title="", text=f"{own}. {shared}"))
    return out


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Document, tuple, tuple]:
    """A base archive, a folder to add, a document to check, and the check's answers before and after the add."""
    root = tmp_path_factory.mktemp("faults")
    rng = random.Random(3)
    pool = [" ".join(f"p{rng.randrange(10**6)}" for _ in range(12)) + "." for _ in range(40)]
    base = root / "base"
    Archive(base).add(documents=_docs(30, 1, "a", pool))
    folder = root / "new"
    folder.mkdir()
    for d in _docs(200, 2, "n", pool):
        (folder / d.path).write_text(d.text)
    x = Document(id="checked", path="checked.txt", title="", text=" ".join(pool[:6]))
    before = _answer(Archive(base), x)
    done = root / "done"
    shutil.copytree(base, done)
    assert _add(done, folder).returncode == 0
    after = _answer(Archive(done), x)
    assert before != after
    return base, folder, x, before, after


def _answer(archive: Archive, x: Document) -> tuple:
    got = archive.check(documents=[x])
    return got.archived, tuple((m.archived.id, m.pair) for m in got.matches)


def _add(root: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _CHILD, "archive", "add", str(root), str(folder), "-q"],
                          capture_output=True, text=True, check=False, cwd=ROOT)


def test_sigkill_during_add_leaves_before_or_after(setup: tuple, tmp_path: Path) -> None:
    base, folder, x, before, after = setup
    t0 = time.perf_counter()
    _add(shutil.copytree(base, tmp_path / "timing"), folder)
    full = time.perf_counter() - t0
    rng = random.Random(11)
    seen = set()
    for k in range(8):
        target = shutil.copytree(base, tmp_path / f"k{k}")
        child = subprocess.Popen([sys.executable, "-c", _CHILD, "archive", "add", str(target), str(folder), "-q"],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert main(["archive", "verify", str(target)]) == 0, f"kill {k}"
        got = _answer(Archive(target), x)
        assert got in (before, after), f"kill {k}: neither before nor after"
        seen.add(got == after)
        assert _add(target, folder).returncode == 0
        assert _answer(Archive(target), x) == after
        assert Archive(target).verify() == ([], [])
    print(f"killed 8 adds of {full:.1f} s: states seen after the kill (True = after): {sorted(seen)}")


def test_check_during_add_sees_before_or_after(setup: tuple, tmp_path: Path) -> None:
    base, folder, x, before, after = setup
    target = shutil.copytree(base, tmp_path / "live")
    child = subprocess.Popen([sys.executable, "-c", _CHILD, "archive", "add", str(target), str(folder), "-q"],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answers = []
    archive = Archive(target)
    while child.poll() is None:
        answers.append(_answer(archive, x))
    assert child.returncode == 0
    answers.append(_answer(archive, x))
    assert len(answers) >= 2
    assert all(a in (before, after) for a in answers)
    assert answers[-1] == after
