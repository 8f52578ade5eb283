"""The audit on a Dask LocalCluster gives byte-identical output, survives a
worker that dies, and without --scheduler nothing of Dask is imported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from provenance import export, sources
from provenance.audit import audit
from provenance.settings import Settings
from tests.conftest import ROOT, corpus_dir

distributed = pytest.importorskip("dask.distributed", reason="Dask not installed (pip install 'provenance[dask]')")


def corpus(n_real: int, n_copies: int) -> list:
    """Real articles plus edited copies of some of them (a copy drops its first
    paragraph and gains a sentence), so that families exist across the corpus."""
    import dataclasses

    path = corpus_dir("news-2018") / "helsinki_articles.csv"
    docs = list(sources.load(path).documents)[:n_real]
    copies = []
    for i, d in enumerate(docs[:n_copies]):
        paras = d.text.split(" ### ")
        text = " ### ".join(paras[1:] or paras) + " ### Our correspondent adds that talks continue."
        copies.append(dataclasses.replace(d, id=f"copy#{i:04d}", path=f"copy#{i:04d}", text=text))
    return docs + copies


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with distributed.Client(c) as client:
            yield c, client


def test_cluster_output_is_byte_identical(cluster) -> None:  # type: ignore[no-untyped-def]
    from provenance.distributed import audit_on_cluster

    _, client = cluster
    docs = corpus(612, 60)
    settings = Settings()
    single = export.dumps(export.to_dict(audit(docs, settings), "t"))
    spread = export.dumps(export.to_dict(audit_on_cluster(docs, settings, scheduler="", client=client), "t"))
    assert spread == single
    assert '"pairs": []' not in single  # something was found to agree on


def test_workers_read_the_folder_themselves(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The CLI's cluster path: the client lists the folder, workers read it.  A
    folder with text files, an identical copy, a clashing id, a CSV collection
    and a file that cannot be read audits the same as on one machine."""
    import shutil

    from provenance.distributed import audit_path_on_cluster

    _, client = cluster
    docs = corpus(150, 30)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i, d in enumerate(docs):
        (folder / ("sub" if i % 3 else "") / f"{d.id.replace('#', '_')}.txt").write_text(d.text, encoding="utf-8")
    (folder / "again.txt").write_text(docs[5].text, encoding="utf-8")  # an identical copy
    (folder / "again.md").write_text(docs[7].text + " Extra.", encoding="utf-8")  # id clash with again.txt
    shutil.copy(corpus_dir("news-2018") / "helsinki_articles.csv", folder / "wire.csv")
    (folder / "blank.txt").write_bytes(b"   \n")
    options = sources.Options()
    settings = Settings()
    loaded = sources.load(folder, options)
    single = export.dumps(export.to_dict(audit(loaded.documents, settings, skipped=loaded.skipped), "t"))
    result, skipped = audit_path_on_cluster(folder, options, settings, scheduler="", client=client)
    assert export.dumps(export.to_dict(result, "t")) == single
    assert [s.path for s in skipped] == ["blank.txt"]
    assert any(d.copies for d in result.documents)


def test_a_worker_that_dies_has_its_work_rerun(cluster) -> None:  # type: ignore[no-untyped-def]
    from provenance.distributed import audit_on_cluster

    _, client = cluster
    docs = corpus(200, 40)
    settings = Settings()
    expected = export.dumps(export.to_dict(audit(docs, settings), "t"))
    killed: list[str] = []

    pids = client.run(os.getpid)

    def kill_one() -> None:
        time.sleep(1.0)
        address = sorted(pids)[0]
        # SIGKILL: the worker dies mid-task without a word; its nanny starts a fresh one
        os.kill(pids[address], signal.SIGKILL)
        killed.append(address)

    killer = threading.Thread(target=kill_one)
    killer.start()
    result = audit_on_cluster(docs, settings, scheduler="", client=client)
    killer.join()
    assert killed
    assert export.dumps(export.to_dict(result, "t")) == expected


def test_no_dask_without_scheduler(tmp_path: Path) -> None:
    code = (
        "import sys; from provenance.cli import main; "
        f"rc = main(['audit', {str(ROOT / 'seeds')!r}, '--out', {str(tmp_path)!r}, '-q']); "
        "assert rc == 0; assert not [m for m in sys.modules if m == 'dask' or m.startswith('dask.')], 'dask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
