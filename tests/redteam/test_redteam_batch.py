"""Red team: a whole class graded by ``grade batch`` with hostile students among honest ones.

The honest students' rows must equal their grades alone, every student gets a row, no file
outside the workers' scratch folders changes, and no worker or scratch folder outlives the batch
(the workers' scratch folders go to a temporary folder of this test's own, found again in the
command line of any process left over).
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from redteam_harness import ASSIGNMENT, REPO, TIER, WALL, assert_unchanged, snapshot, strong, verdicts

from grader.course.batch import run_batch
from grader.model.results import GRADED
from grader.render import lms

# Hostile submissions that are harmless at every tier, and those that only the layers make harmless.
EVERYWHERE = ["sys_exit", "os_exit", "keyboard_interrupt", "import_loop", "fork_bomb",
              "memory_bomb", "huge_output", "huge_frame", "background_thread", "search_secrets", "pickle_payload",
              "lying_objects"]
CONFINED = ["fake_results", "persist_writes", "kill_others"]
TESTS = ["predict_small", "update_on_mistake"]


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Path:
    """Assignment 01's spec with a 2 s deadline, in a folder of its own."""
    folder = tmp_path_factory.mktemp("assignment")
    raw = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    raw["limits"]["wall_time"] = WALL
    raw["references"] = str(REPO / "reference")
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return folder


def _processes_mentioning(text: str, grace: float = 3.0) -> list[int]:
    """Living processes whose command line holds ``text``, once SIGKILL had ``grace`` s to land."""
    deadline = time.monotonic() + grace
    while True:
        found = []
        for entry in os.listdir("/proc"):
            try:
                if (entry.isdigit() and text.encode() in Path("/proc", entry, "cmdline").read_bytes()
                        and Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"):
                    found.append(int(entry))
            except OSError:
                pass
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to look for processes left over")
def test_hostile_students_cannot_touch_the_others(arena, places, assignment, tmp_path, monkeypatch):
    students = tmp_path / "class"
    students.mkdir()
    names = EVERYWHERE + (CONFINED if strong("landlock", "seccomp") else [])
    for name in names:
        (students / f"{name}.py").write_text(places.fill((arena.honest.parent / f"{name}.py").read_text(),
                                                          __MARKER__=str(places.canary / "pickle-ran")))
    for honest in ("alice", "bob"):
        shutil.copy(arena.honest, students / f"{honest}.py")
    scratch_root = Path(tempfile.mkdtemp(prefix="dlgrade-redteam-batch-"))
    scratch_root.chmod(0o755)                   # a worker that runs as another user must reach it
    monkeypatch.setenv("TMPDIR", str(scratch_root))
    expected_honest = arena.honest_alone(TESTS)

    before = snapshot(places)
    try:
        summary = run_batch(assignment / "assignment.yaml", students, places.out / "batch", jobs=3,
                            tests=TESTS, log_stream=io.StringIO(), bar=False)
        assert _processes_mentioning(str(scratch_root)) == [], "a worker outlived the batch"
        assert os.listdir(scratch_root) == [], "a scratch folder outlived the batch"
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    assert_unchanged(before, snapshot(places))

    # Right answers, whatever else it does: its thread, and (where fork is allowed) its children.
    full_marks = {"background_thread"} | (set() if strong("seccomp") else {"fork_bomb"})
    rows = {row["student"]: row for row in summary.rows}
    assert sorted(rows) == sorted(names + ["alice", "bob"])
    for student, row in rows.items():
        assert row["status"] == GRADED, (student, row["reason"])
        assert row["isolation"] == TIER.description
        graded = [(t["name"], t["status"], t["score"]) for t in row["tests"]]
        if student in ("alice", "bob"):
            assert graded == expected_honest, student
        elif student not in full_marks:
            assert row["score"] < row["max_score"], student
    assert not (places.canary / "pickle-ran").exists()
    assert summary.exit_status == 0
    if strong("landlock"):        # it ran beside the others: their scratch folders stayed out of reach
        search = json.JSONDecoder().raw_decode(rows["search_secrets"]["tests"][0]["message"].split("FOUND ", 1)[1])[0]
        assert search == {"env": [], "read": [], "listed": [], "secret": False}, search


def test_the_gradescope_file_records_the_tier(arena):
    result = arena.attack("honest.py", tests=["predict_small"])
    document = lms.gradescope_results(result)
    assert document["extra_data"]["isolation"] == TIER.description
    assert TIER.description in document["output"]
    assert verdicts(result) == [("predict_small", "passed", 2.0)]


RAW_TEXT = ("\x1b", "\x9b", "\x07", "\r", "\u202e", "\u2028", "\ud800")    # never in a log or a file


def test_odd_text_and_overflow_cost_no_row_and_no_resume(arena, places, assignment, tmp_path):
    """Issue 15, findings 8, 10, 11, 12 through grade batch: a lone surrogate in an exception, escape
    sequences in a type name and in a notebook's metadata, Markdown in an exception, an overflowing
    relative error. Every student gets the row they deserve, grades.csv and the feedback are
    written, the log carries no terminal control, and a second run resumes without regrading."""
    from grader.render.feedback import feedback_name

    students = tmp_path / "class"
    students.mkdir()
    hostile = ["lone_surrogate.py", "escape_typename.py", "markdown_injection.py", "huge_finite.py",
               "escape_metadata.ipynb"]
    for name in hostile:
        (students / name).write_text((arena.honest.parent / name).read_text())
    shutil.copy(arena.honest, students / "alice.py")
    out = places.out / "odd-text"
    log = io.StringIO()
    summary = run_batch(assignment / "assignment.yaml", students, out, jobs=2, tests=TESTS, log_stream=log, bar=False)
    rows = {row["student"]: row for row in summary.rows}
    assert {s: r["status"] for s, r in rows.items()} == {
        "alice": GRADED, "lone_surrogate": GRADED, "escape_typename": GRADED, "markdown_injection": GRADED,
        "huge_finite": GRADED, "escape_metadata": "unreadable"}, {s: r["reason"] for s, r in rows.items()}
    assert verdicts_of(rows["alice"]) == arena.honest_alone(TESTS)
    assert [t["status"] for t in rows["huge_finite"]["tests"]] == ["failed", "failed"]
    assert "\\ud800" in rows["lone_surrogate"]["tests"][0]["message"]
    assert summary.exit_status == 0
    written = [out / "grades.csv", out / "report.html", out / "results.jsonl",
               *(out / "feedback" / f"{feedback_name(s)}.{kind}" for s in rows for kind in ("md", "html"))]
    for path in written:
        text = path.read_text(encoding="utf-8")                    # strict UTF-8: no surrogate
        assert not any(raw in text for raw in RAW_TEXT), (path.name, text[:300])
    assert not any(raw in log.getvalue() for raw in RAW_TEXT), log.getvalue()
    assert "\\x1b[2J" in log.getvalue()                             # the metadata, shown escaped
    assert len(list(csv.reader(io.StringIO((out / "grades.csv").read_text())))) == 1 + len(rows)

    again = run_batch(assignment / "assignment.yaml", students, out, jobs=2, tests=TESTS, log_stream=io.StringIO(),
                      bar=False)
    assert (again.graded_now, again.reused) == (0, len(rows)) and again.exit_status == 0


def verdicts_of(row: dict) -> list[tuple[str, str, float]]:
    return [(t["name"], t["status"], t["score"]) for t in row["tests"]]
