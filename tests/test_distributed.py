"""The audit on a Dask LocalCluster gives byte-identical output, also when
boilerplate is common and components are split into blocks; it survives a
worker that dies; and without --scheduler nothing of Dask is imported."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from provenance import export, sources
from provenance.audit import audit
from provenance.settings import Settings
from tests.conftest import ROOT, corpus_dir

distributed = pytest.importorskip("dask.distributed", reason="Dask not installed (pip install 'provenance[dask]')")
import dask  # noqa: E402  (installed with dask.distributed)
# a cluster that waits forever on a lost worker fails its test (with stacks) well before CI's limit
pytestmark = pytest.mark.timeout(600)


def news(n_real: int, n_copies: int) -> list:
    """Real articles plus edited copies of some of them (a copy drops its first
    paragraph and gains a sentence), so that families exist across the corpus."""
    path = corpus_dir("news-2018") / "helsinki_articles.csv"
    docs = list(sources.load(path).documents)[:n_real]
    copies = []
    for i, d in enumerate(docs[:n_copies]):
        paras = d.text.split(" ### ")
        text = " ### ".join(paras[1:] or paras) + " ### Our correspondent adds that talks continue."
        copies.append(dataclasses.replace(d, id=f"copy#{i:04d}", path=f"copy#{i:04d}", text=text))
    return docs + copies


def write(docs: list, folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    for i, d in enumerate(docs):
        (folder / ("sub" if i % 3 else "") / f"{d.id.replace('#', '_')}.txt").write_text(d.text, encoding="utf-8")
    return folder


def single(folder: Path, settings: Settings, options: sources.Options | None = None) -> str:
    loaded = sources.load(folder, options or sources.Options())
    return export.dumps(export.to_dict(audit(loaded.documents, settings, skipped=loaded.skipped), "t"))


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        with distributed.Client(c) as client:
            yield c, client


def test_cluster_output_is_byte_identical(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The 612 real articles (read by a worker from the CSV collection) and 60 edited copies."""
    from provenance.distributed import audit_path_on_cluster

    _, client = cluster
    folder = tmp_path / "in"
    write(news(612, 60)[612:], folder)
    shutil.copy(corpus_dir("news-2018") / "helsinki_articles.csv", folder / "wire.csv")
    settings = Settings()
    result, _ = audit_path_on_cluster(folder, sources.Options(), settings, scheduler="", client=client)
    expected = single(folder, settings)
    assert export.dumps(export.to_dict(result, "t")) == expected
    assert '"pairs": []' not in expected  # something was found to agree on


def test_min_len_chosen_from_the_texts_on_a_cluster(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The defaults choose min_len from the texts: short answers (Clough &
    Stevenson, median 254 tokens) get 4 on the cluster as on one machine, the
    choice made from every input read, identical ones included."""
    from provenance.distributed import audit_path_on_cluster

    _, client = cluster
    folder = tmp_path / "in"
    folder.mkdir()
    for f in sorted(corpus_dir("clough-stevenson").glob("*task[ab].txt")):
        shutil.copy(f, folder / f.name)
    shutil.copy(folder / "orig_taska.txt", folder / "orig_taska copy.txt")
    settings = Settings(min_len=None)
    result, _ = audit_path_on_cluster(folder, sources.Options(), settings, scheduler="", client=client)
    expected = single(folder, settings)
    assert export.dumps(export.to_dict(result, "t")) == expected
    assert result.settings["min_len"] == 4 and "median input" in result.settings["min_len_chosen"]
    assert result.lineage is not None and result.lineage.edges


def test_split_components_and_common_boilerplate(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With ``max_df`` 4 most shared runs of these articles are boilerplate
    (known only from counts over the whole folder, not over any block), and
    with blocks of at most 40 documents the large components are split across
    workers: the output is still the single machine's, byte for byte."""
    from provenance.distributed import audit_path_on_cluster

    _, client = cluster
    folder = write(news(240, 40), tmp_path / "in")
    settings = Settings(max_df=4)
    stats: dict[str, int] = {}
    result, _ = audit_path_on_cluster(folder, sources.Options(), settings, scheduler="", client=client,
                                      block_docs=40, stats=stats)
    expected = single(folder, settings)
    assert export.dumps(export.to_dict(result, "t")) == expected
    assert stats["split"] >= 1 and stats["largest"] > 40, stats  # the split path ran
    assert stats["boilerplate"] > 0 and result.boilerplate, stats
    assert any(len(b.docs) > 4 for b in result.boilerplate)


def test_workers_read_the_folder_themselves(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The client lists the folder, workers read it.  A folder with text files,
    an identical copy, a clashing id, a CSV collection and a file that cannot
    be read audits the same as on one machine."""
    from provenance.distributed import audit_path_on_cluster

    _, client = cluster
    docs = news(150, 30)
    folder = write(docs, tmp_path / "in")
    (folder / "again.txt").write_text(docs[5].text, encoding="utf-8")  # an identical copy
    (folder / "again.md").write_text(docs[7].text + " Extra.", encoding="utf-8")  # id clash with again.txt
    shutil.copy(corpus_dir("news-2018") / "helsinki_articles.csv", folder / "wire.csv")
    (folder / "blank.txt").write_bytes(b"   \n")
    options = sources.Options()
    settings = Settings()
    result, skipped = audit_path_on_cluster(folder, options, settings, scheduler="", client=client)
    assert export.dumps(export.to_dict(result, "t")) == single(folder, settings, options)
    assert [s.path for s in skipped] == ["blank.txt"]
    assert any(d.copies for d in result.documents)


class Kill(distributed.SchedulerPlugin):
    """In the scheduler: SIGKILLs the worker that a task whose key starts
    with ``phase`` is sent to, the first ``times`` times (its nanny starts a
    fresh worker)."""

    def __init__(self, phase: str, times: int = 1) -> None:
        self.phase, self.left = phase, times

    async def start(self, scheduler) -> None:  # type: ignore[no-untyped-def]
        self.scheduler = scheduler

    def transition(self, key, start, finish, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.left <= 0 or finish != "processing" or not str(key).startswith(self.phase):
            return
        worker = self.scheduler.tasks[key].processing_on
        if worker is not None and worker.pid:
            self.left -= 1
            os.kill(worker.pid, signal.SIGKILL)


def settled(client, n: int = 2) -> None:  # type: ignore[no-untyped-def]
    """Waits until ``n`` workers are registered and each nanny has heard from
    its worker.  A worker killed in between leaves its nanny with no worker
    for good ("Worker failed to connect"), so a test kills only after this."""
    client.wait_for_workers(n, timeout=120)
    for _ in range(1200):
        states = client.run(lambda dask_worker: str(getattr(dask_worker.process, "status", None)), nanny=True)
        if len(states) >= n and all(state.endswith("running") for state in states.values()):
            return
        time.sleep(0.1)
    raise AssertionError(f"the cluster's workers did not settle: {states}")


def test_a_worker_that_dies_has_its_work_rerun(tmp_path: Path) -> None:
    """A worker is killed as it is given a task of each phase in turn
    (reading, the shuffle, a block of a split component, the component's
    lineage): whatever it held is computed again elsewhere and the output is
    the single machine's.  The scheduler picks the moment, not a timer, so a
    slower machine kills at the same points.

    Each phase on a cluster of its own, and the kill read from the plugin in
    the scheduler: nothing waits for the killed worker's nanny to start a
    fresh one, which it once failed to do within two minutes in CI (Dask's
    business, not the audit's), and the module's shared cluster is never
    left short of a worker."""
    from provenance.distributed import audit_path_on_cluster

    folder = write(news(200, 40), tmp_path / "in")
    settings = Settings()
    expected = single(folder, settings)
    for phase in ("_read_and_fingerprint", "_share", "_audit_block", "_finish_split"):
        with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0") as c, distributed.Client(c) as client):
            settled(client)
            client.register_plugin(Kill(phase), name="kill")
            result, _ = audit_path_on_cluster(folder, sources.Options(), settings, scheduler="",
                                              client=client, block_docs=60)
            left = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.plugins["kill"].left)
        assert left == 0, f"no worker was killed when given {phase}"
        assert export.dumps(export.to_dict(result, "t")) == expected, phase


def test_a_task_whose_workers_all_die_is_named(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Every worker given the reading of the files dies: after Dask's allowed
    failures the CLI (connected to the cluster's scheduler) stops with exit
    code 3 and an error naming the files, not a traceback of Dask's
    internals; nothing is written, and the cluster still works.

    A cluster of its own that allows one failure, so the two kills land on
    the two workers it started with.  Killing a worker its nanny has just
    restarted can leave that nanny with no worker for good ("Failed to
    restart worker"), which is how an earlier version of this test, with
    Dask's default of three failures on the shared cluster, hung in CI."""
    from provenance import cli
    from provenance.distributed import audit_path_on_cluster

    folder = write(news(20, 0), tmp_path / "in")
    out = tmp_path / "out"
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with c, distributed.Client(c) as client:
        settled(client)
        client.register_plugin(Kill("_read_and_fingerprint", times=2), name="kill")
        try:
            code = cli.main(["audit", str(folder), "--out", str(out), "--scheduler", c.scheduler_address,
                             "--quiet"])
        finally:
            client.unregister_scheduler_plugin("kill")
        message = capsys.readouterr().err
        first = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.txt"))[0]
        assert code == cli.EXIT_FAILED, message
        assert "error: the cluster failed: reading files: 20 (" in message and first in message, message
        assert "2 workers died running it" in message and "Traceback" not in message
        assert not out.exists() or not any(out.iterdir())
        client.wait_for_workers(2, timeout=120)
        result, _ = audit_path_on_cluster(folder, sources.Options(), Settings(), scheduler="", client=client)
        assert len(result.documents) == 20


@hsettings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), min_size=1, max_size=80),
       st.integers(2, 12))
def test_blocks_hold_every_pair(edges: list[tuple[int, int]], block_docs: int) -> None:
    from provenance.distributed import blocks, components

    pairs = np.unique(np.asarray([(min(a, b), max(a, b)) for a, b in edges if a != b] or [(0, 1)]), axis=0)
    for comp in components(pairs, 30):
        inside = pairs[np.isin(pairs[:, 0], comp)]
        part, cut = blocks(comp, inside, block_docs)
        assert sorted(part) == comp
        assert all(len(members) <= max(2, block_docs) for members in cut.values())
        for a, b in inside.tolist():
            key = tuple(sorted((part[a], part[b])))
            assert a in cut[key] and b in cut[key]


def test_no_dask_without_scheduler(tmp_path: Path) -> None:
    code = (
        "import sys; from provenance.cli import main; "
        f"rc = main(['audit', {str(ROOT / 'seeds')!r}, '--out', {str(tmp_path)!r}, '-q']); "
        "assert rc == 0; assert not [m for m in sys.modules if m == 'dask' or m.startswith('dask.')], 'dask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_term_hashes_grow_with_the_vocabulary() -> None:
    """Fingerprints hash each term once, as the vocabulary grows; the table is
    the one computed from scratch, and a run's fingerprint is the same
    whatever else the reader has seen before."""
    from provenance.distributed import RunReader, term_hashes

    docs = sorted(sources.load(ROOT / "seeds").documents, key=lambda d: d.id)
    reader = RunReader(stem=True, min_len=8)
    runs = [reader.runs(s) for s in reader.streams(docs)]
    assert reader.filled == len(reader.vocab) + 1
    assert np.array_equal(reader.table[: reader.filled], term_hashes(reader.vocab))
    fresh = RunReader(stem=True, min_len=8)
    assert np.array_equal(fresh.runs(fresh.streams(docs[-1:])[0]), runs[-1])


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    proc = subprocess.run(
        [sys.executable, "-m", "provenance", "audit", str(ROOT / "seeds"), "--out", str(tmp_path / "out"),
         "--scheduler", "tcp://127.0.0.1:9", "-q"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "tcp://127.0.0.1:9" in proc.stderr and "cannot reach a Dask scheduler" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
