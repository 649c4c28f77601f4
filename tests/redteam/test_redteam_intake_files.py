"""Red team: what a student's folder may hold that the trusted parent must never read through.

Links to a secret and to ``/proc/self/environ``, a FIFO, a huge sparse file, a zip of 300,000
entries, LMS names that claim another student, and notebooks nested too deeply for Python. The
fronts are run as the instructor or the platform runs them (``grade check -s``, ``grade autograde
gradescope|prairielearn``, ``grade batch``), in a fresh process, so that ``/proc/self/environ``
holds the instructor's secret as it would there.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from redteam_harness import ASSIGNMENT, REPO, SUBMISSIONS

from grader.submissions.collect import Entry, collect
from grader.submissions.intake import IntakeError, read_submission

HONEST = (SUBMISSIONS / "honest.py").read_text()
FAST = ["predict_small"]


def _grade(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """``grade ARGS`` in a fresh process with this environment (the instructor's secret in it)."""
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=REPO, env=dict(os.environ),
                          capture_output=True, text=True, timeout=timeout)


def _link_target(places, target: str) -> Path:
    return places.canary / "secret.txt" if target == "secret" else Path("/proc/self/environ")


def _folder_with_link(folder: Path, target: Path) -> Path:
    """A submission folder whose perceptron.py is a symbolic link to ``target``."""
    folder.mkdir(parents=True)
    (folder / "perceptron.py").symlink_to(target)
    return folder


# --------------------------------------------------------------------------- links, every front

@pytest.mark.parametrize("target", ["secret", "environ"])
def test_a_link_in_a_folder_is_refused_by_grade_check(places, tmp_path, target):
    folder = _folder_with_link(tmp_path / "student", _link_target(places, target))
    run = _grade("check", str(ASSIGNMENT), "-s", str(folder), "-t", FAST[0], "--format", "json")
    assert places.token not in run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert [t["status"] for t in result["tests"]] == ["error"], result
    assert "perceptron.py is a symbolic link" in result["tests"][0]["message"]


@pytest.mark.parametrize("platform, folder", [("gradescope", "submission"), ("prairielearn", "student")])
@pytest.mark.parametrize("target", ["secret", "environ"])
def test_a_link_in_the_autograder_root_is_refused(places, tmp_path, platform, folder, target):
    root = tmp_path / "root"
    _folder_with_link(root / folder, _link_target(places, target))
    run = _grade("autograde", platform, str(ASSIGNMENT), "--root", str(root))
    written = (root / "results" / "results.json").read_text()
    assert places.token not in written + run.stdout + run.stderr
    assert "perceptron.py is a symbolic link" in written


def test_a_link_to_a_folder_is_not_entered(places, tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "work").symlink_to(places.canary / "other_student")     # holds another student's perceptron.py
    submission = read_submission(_spec(), folder)
    assert submission.sources == {}
    assert "not in the submission" in submission.problems["perceptron"]


def _spec():
    from grader.model.spec import load_spec
    return load_spec(ASSIGNMENT)


# --------------------------------------------------------------------------- special files

def test_a_fifo_in_a_folder_is_named_not_opened(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    os.mkfifo(folder / "perceptron.py")
    submission = read_submission(_spec(), folder)            # opening a FIFO would block forever
    assert submission.problems["perceptron"].startswith("perceptron.py is a FIFO"), submission.problems


def _finishes(call, seconds: float, unblock: Path) -> bool:
    """Whether ``call()`` returns (or raises) within ``seconds``; a FIFO it blocks on is then opened
    for writing and closed, so that the thread ends either way."""
    done = threading.Event()
    errors: list[BaseException] = []

    def target():
        try:
            call()
        except BaseException as exc:          # the outcome is checked by the caller
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    finished = done.wait(seconds)
    if not finished:
        fd = os.open(unblock, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(5)
    return finished


def test_a_fifo_in_a_class_folder_is_listed_never_opened(tmp_path):
    students = tmp_path / "class"
    (students / "carl").mkdir(parents=True)
    os.mkfifo(students / "mallory.py")
    os.mkfifo(students / "carl" / "perceptron.py")
    found = collect(students)
    assert [e.student for e in found.entries] == ["carl"] and found.entries[0].files == {}
    assert sorted(found.skipped) == ["carl/perceptron.py: a FIFO (named pipe); not part of the submission",
                                     "mallory.py: a FIFO (named pipe); not a submission"]


def test_a_checksum_never_blocks_on_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "mallory.py")
    entry = Entry(student="mallory", layout="file", files={"mallory.py": tmp_path / "mallory.py"}, source="mallory.py")
    errors: list[OSError] = []

    def checksum():
        try:
            entry.checksum()
        except OSError as exc:
            errors.append(exc)

    assert _finishes(checksum, 10, tmp_path / "mallory.py"), "the checksum blocked on a FIFO"
    assert errors and "mallory.py is a FIFO" in str(errors[0])


# --------------------------------------------------------------------------- a huge sparse file

def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as f:         # sparse: no disk, zeros when read
        f.truncate(size)
    return path


def _checksum_and_peak(entry) -> tuple[str, int]:
    """The entry's checksum and the most memory (bytes) Python held at once while computing it."""
    tracemalloc.start()
    try:
        key = entry.checksum()
        return key, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_extra_file_costs_the_batch_no_memory(tmp_path):
    students = tmp_path / "class"
    (students / "alice").mkdir(parents=True)
    (students / "alice" / "perceptron.py").write_text(HONEST)
    data = _sparse(students / "alice" / "dataset.bin", 48 << 20)       # under the largest read: hashed
    (entry,) = collect(students).entries
    first, peak = _checksum_and_peak(entry)
    assert peak < 8 << 20, f"the checksum held {peak >> 20} MiB at once"
    assert entry.checksum() == first                                  # a resume finds the same key
    with open(data, "r+b") as f:                                      # one byte changed: a new key
        f.seek(30 << 20)
        f.write(b"\1")
    assert entry.checksum() != first


def test_a_file_larger_than_any_reader_takes_is_keyed_by_its_size_unread(tmp_path):
    """Over 64 MiB (grader.submissions.student_files.LARGEST_READ_BYTES) no reader takes a file, so its bytes
    cannot change a grade: hashing a 3 GiB sparse file on every resume would only cost time."""
    students = tmp_path / "class"
    (students / "alice").mkdir(parents=True)
    (students / "alice" / "perceptron.py").write_text(HONEST)
    huge = _sparse(students / "alice" / "dataset.bin", 80 << 20)
    (entry,) = collect(students).entries
    first, peak = _checksum_and_peak(entry)
    assert peak < 8 << 20, f"the checksum held {peak >> 20} MiB at once"
    with open(huge, "r+b") as f:
        f.seek(40 << 20)
        f.write(b"\1")
    assert entry.checksum() == first, "the file's bytes were read"
    _sparse(huge, (80 << 20) + 1)
    assert entry.checksum() != first, "another size must be another key"


# --------------------------------------------------------------------------- a zip of many entries

def _many_entries_zip(path: Path, count: int) -> Path:
    """A zip64 archive of ``count`` empty folder entries, written directly (zipfile would keep a
    ZipInfo per entry while writing)."""
    local, central = bytearray(), bytearray()
    for i in range(count):
        name = f"d{i:06d}/".encode()
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name),
                               0, 0, 0, 0, (0o40755 << 16) | 0x10, offset) + name
    end64 = len(local) + len(central)
    tail = (struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), len(local))
            + struct.pack("<4sLQL", b"PK\x06\x07", 0, end64, 1)
            + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(central), len(local), 0))
    path.write_bytes(bytes(local + central + tail))
    return path


def test_a_zip_of_300000_entries_is_refused_quickly(tmp_path):
    path = _many_entries_zip(tmp_path / "many.zip", 300_000)
    tracemalloc.start()
    try:
        with pytest.raises(IntakeError) as caught:
            read_submission(_spec(), path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message and "many.zip" in message and "300000 entries" in message, message
    assert peak < 16 << 20, f"refusing it held {peak >> 20} MiB at once"


# --------------------------------------------------------------------------- LMS names

def test_a_moodle_folder_name_cannot_claim_another_participant(tmp_path):
    students = tmp_path / "class"
    attacker = students / "Mallory_4567_assignsubmission_file__4568_assignsubmission_file_"
    attacker.mkdir(parents=True)
    (attacker / "perceptron.py").write_text("# Mallory's code, to be graded as participant 4567's\n")
    (students / "Mallory_4567_assignsubmission_file__4568_assignsubmission_file_perceptron.py").write_text("#\n")
    (students / "Bob Roe_202_assignsubmission_file_" / "sub").mkdir(parents=True)
    (students / "Bob Roe_202_assignsubmission_file_" / "sub" / "perceptron.py").write_text(HONEST)
    found = collect(students)
    assert [(e.student, e.layout) for e in found.entries] == [("202", "moodle")]
    ambiguous = [line for line in found.skipped if "ambiguous" in line]
    assert len(ambiguous) == 2 and all("4567" in line and "4568" in line for line in ambiguous), found.skipped


def test_a_canvas_name_cannot_claim_another_student(tmp_path):
    students = tmp_path / "class"
    students.mkdir()
    (students / "eve_12345_1_23456_999_perceptron.py").write_text("# Eve's code, to be graded as 12345's\n")
    (students / "doejane_LATE_4321_8765_perceptron-1.py").write_text(HONEST)
    found = collect(students)
    assert [(e.student, e.layout) for e in found.entries] == [("4321", "canvas")]
    assert any("ambiguous" in line and "eve_12345_1_23456_999_perceptron.py" in line for line in found.skipped), \
        found.skipped


# --------------------------------------------------------------------------- notebooks nested too deeply

def _notebook(path: Path, source: str) -> Path:
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [], "source": source}]}))
    return path


@pytest.mark.parametrize("source", ["x = " + "1 + " * 20_000 + "1\n", "x = " + "-" * 200_000 + "1\n",
                                    "x = " + "1 + " * 900 + "1; y = 1\n"],
                         ids=["long-sum", "deep-unary", "shared-line"])
@pytest.mark.parametrize("how", ["whole", "module"])
def test_a_notebook_too_deep_for_python_is_the_notebooks_fault(tmp_path, source, how):
    if how == "whole":
        path = _notebook(tmp_path / "hw.ipynb", source)
    else:
        (tmp_path / "student").mkdir()
        path = _notebook(tmp_path / "student" / "perceptron.ipynb", source).parent
    started = time.monotonic()
    submission = read_submission(_spec(), path)
    problem = submission.problems["perceptron"]
    assert "could not be read" in problem and "nested too deeply" in problem and "code cell 1" in problem, problem
    assert "\n" not in problem
    assert time.monotonic() - started < 30


# --------------------------------------------------------------------------- provides, and batch

@pytest.mark.parametrize("target", ["secret", "environ"])
def test_a_linked_module_that_the_course_provides_is_never_read(places, tmp_path, target):
    from grader.model.spec import load_spec

    spec = load_spec(REPO / "assignments" / "04_backprop")
    folder = tmp_path / "student"
    folder.mkdir()
    for name in spec.files:
        (folder / name).write_text("x = 1\n")
    (folder / "activations.py").symlink_to(_link_target(places, target))      # provided by the course
    submission = read_submission(spec, folder)
    assert "activations" not in submission.sources
    assert "activations.py is a symbolic link" in submission.problems["activations"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_hostile_class_folder_gets_every_honest_row_and_leaks_nothing(places, tmp_path):
    students = tmp_path / "class"
    (students / "alice").mkdir(parents=True)
    (students / "alice" / "perceptron.py").write_text(HONEST)
    _folder_with_link(students / "mallory", places.canary / "secret.txt")
    (students / "mallory" / "env.py").symlink_to("/proc/self/environ")
    os.mkfifo(students / "fifo.py")
    os.mkfifo(students / "alice" / "notes.txt")
    _notebook(students / "deep.ipynb", "x = " + "1 + " * 20_000 + "1\n")
    moodle = students / "Eve_4567_assignsubmission_file__4568_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "perceptron.py").write_text(HONEST)
    out = tmp_path / "out"
    run = _grade("batch", str(ASSIGNMENT), str(students), "--out", str(out), "-t", FAST[0], "-j", "1", timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {row["student"]: row for row in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    assert sorted(rows) == ["alice", "deep", "mallory"], run.stderr
    assert rows["alice"]["score"] == rows["alice"]["max_score"] > 0
    assert rows["deep"]["status"] == "unreadable" and "could not be read" in rows["deep"]["reason"], rows["deep"]
    assert rows["mallory"]["score"] == 0
    everything = run.stdout + run.stderr + "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert places.token not in everything
    for listed in ("fifo.py: a FIFO", "alice/notes.txt: a FIFO", "mallory/perceptron.py: a symbolic link",
                   "ambiguous Moodle name"):
        assert listed in run.stderr, (listed, run.stderr[-2000:])
