"""``grade batch --scheduler``: the same batch on a Dask cluster gives the same results.

A ``distributed.LocalCluster`` of separate worker processes stands in for a real cluster. The
class mixes layouts and outcomes (correct, wrong, crashing, unreadable, a folder, a zip); the
cluster's rows must equal the local pool's, test by test, and resuming on the cluster must
regrade nothing.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from test_batch import CORRECT, MISTAKES, bad, comparable, put, quick_spec, read_rows, zipped

from grader.course.batch import run_batch

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install 'dlgrade[dask]'")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local.scheduler_address


def small_class(root: Path) -> None:
    put(root / "ada" / "perceptron.py", CORRECT)
    put(root / "bob.py", MISTAKES[0].read_text())
    put(root / "cy.py", MISTAKES[5].read_text())
    put(root / "dee.py", bad("syntax_error"))
    put(root / "eve.py", b"\xff\xfe not text")
    zipped(root / "fay.zip", {"fay/perceptron.py": CORRECT})
    put(root / "doejane_1001_77_perceptron.py", MISTAKES[-1].read_text())


@pytest.mark.slow
def test_cluster_batch_equals_local_batch_and_resumes(cluster, tmp_path):
    spec = quick_spec(tmp_path)
    small_class(tmp_path / "class")
    local = run_batch(spec, tmp_path / "class", tmp_path / "local", jobs=2)
    remote = run_batch(spec, tmp_path / "class", tmp_path / "remote", jobs=2, scheduler=cluster)
    assert local.exit_status == remote.exit_status == 0
    assert comparable(read_rows(tmp_path / "remote")) == comparable(read_rows(tmp_path / "local"))
    statuses = {r["student"]: r["status"] for r in read_rows(tmp_path / "remote")}
    assert statuses["eve"] == "unreadable" and statuses["ada"] == "graded" and statuses["1001"] == "graded"
    again = run_batch(spec, tmp_path / "class", tmp_path / "remote", jobs=2, scheduler=cluster)
    assert again.graded_now == 0 and again.reused == len(statuses)
    for name in ("grades.csv", "report.html"):
        assert (tmp_path / "remote" / name).is_file()


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    spec = quick_spec(tmp_path)
    put(tmp_path / "class" / "ada.py", CORRECT)
    result = CliRunner().invoke(main, ["batch", str(spec), str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                                       "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert "--scheduler tcp://127.0.0.1:9" in result.output and "Traceback" not in result.output
