"""``grade batch``: a class graded into OUT, stopped and resumed without losing or regrading anything.

The slow end-to-end test builds a class of 50+ submissions of assignment 01 in every layout
(folders, loose .py/.ipynb/.zip files, Canvas, Moodle, Gradescope) that mixes correct, wrong,
crashing, hanging and unreadable work; grades it once without a stop; grades it again while
killing the batch with SIGKILL half-way and resuming; and checks that both runs agree, that no
grading process or sandboxed worker outlives the kill, and what the gradebook, the feedback and
the report say. The fast tests cover the parts: the results log, the resume decision, progress,
the gradebook's formula neutralising and the student view of the renderers. Resuming a small
class and Ctrl-C start grading processes (a few seconds each), so they are marked slow too.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from grader.course.batch import Progress, needs_grading, run_batch
from grader.course.results_log import ResultsLog
from grader.course.task import grade_one
from grader.model.results import Result
from grader.model.results import TestResult as Verdict
from grader.render.feedback import feedback_name, gradebook, neutralise
from grader.render.reports import render_html, render_markdown

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "01_perceptron"
MATERIAL = ROOT / "tests" / "data" / "submissions" / "01_perceptron"
CORRECT = (MATERIAL / "correct.py").read_text()
MISTAKES = sorted((MATERIAL / "mistakes").glob("*.py"))
EVIL_ID = '=HYPERLINK("http://evil.example/x","click me")'


def bad(name: str) -> str:
    return (MATERIAL / "bad" / f"{name}.py").read_text()


def mistake_name(path: Path) -> str:
    return path.stem.partition("__")[2]


# --------------------------------------------------------------------------- helpers

def quick_spec(tmp: Path, wall: float = 3.0, drop=("predict_speed",)) -> Path:
    """Assignment 01 copied into ``tmp`` with a short wall time and no timing-dependent test.

    The wall time ends endless loops quickly yet leaves the slowest honest submission (1000
    epochs in Python loops, about 0.3 s) a wide margin on a busy machine: the runs compared
    must not differ by a timeout."""
    folder = tmp / "01_perceptron"
    shutil.copytree(ASSIGNMENT, folder)
    raw = yaml.safe_load((folder / "assignment.yaml").read_text())
    raw["references"] = str(ROOT / "reference")
    raw["limits"] = {**raw.get("limits", {}), "wall_time": wall, "cpu_time": 30}
    raw["tests"] = [t for t in raw["tests"] if t["name"] not in drop]
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return folder


def put(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)


def zipped(path: Path, members: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def notebook(source: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Perceptron"), nbformat.v4.new_code_cell(source)]
    return nbformat.writes(nb)


def build_class(root: Path) -> dict[str, tuple[str, str]]:
    """A class folder in every layout; student id -> (expectation, detail).

    Expectations: full (all points), mistake (detail: the mistake's name), timeout, crashed,
    error (graded, some test an error), unreadable, any (a row, whatever it says).
    """
    expect: dict[str, tuple[str, str]] = {}
    mistakes = iter(MISTAKES * 3)

    def mistake() -> tuple[str, tuple[str, str]]:
        path = next(mistakes)
        return path.read_text(), ("mistake", mistake_name(path))

    # Folder per student.
    for i in range(2):
        put(root / f"f_correct_{i}" / "perceptron.py", CORRECT)
        expect[f"f_correct_{i}"] = ("full", "")
    for i in range(5):
        text, expect[f"f_mistake_{i}"] = mistake()
        put(root / f"f_mistake_{i}" / "perceptron.py", text)
    put(root / "f_nested" / "work" / "src" / "perceptron.py", CORRECT)
    expect["f_nested"] = ("full", "")
    (root / "f_empty").mkdir()
    expect["f_empty"] = ("unreadable", "perceptron.py is not in the submission")
    # Loose files.
    for i in range(2):
        put(root / f"l_correct_{i}.py", CORRECT)
        expect[f"l_correct_{i}"] = ("full", "")
    for i in range(12):
        text, expect[f"l_mistake_{i}"] = mistake()
        put(root / f"l_mistake_{i}.py", text)
    put(root / "l_crash.py", bad("exit_in_update"))
    expect["l_crash"] = ("crashed", "")
    put(root / "l_binary.py", b"\xff\xfe\x00\x01binary, not text\x80")
    expect["l_binary"] = ("unreadable", "not UTF-8")
    put(root / "@SUM(1+1).py", CORRECT)
    expect["@SUM(1+1)"] = ("full", "")
    put(root / "nb_student.ipynb", notebook(CORRECT))
    expect["nb_student"] = ("any", "")
    zipped(root / "z_correct.zip", {"z_correct/perceptron.py": CORRECT})
    expect["z_correct"] = ("full", "")
    text, expect["z_mistake"] = mistake()
    zipped(root / "z_mistake.zip", {"perceptron.py": text})
    put(root / "z_garbage.zip", b"PK\x03\x04 definitely not a zip")
    expect["z_garbage"] = ("unreadable", "not a valid zip")
    zipped(root / "z_escape.zip", {"../perceptron.py": CORRECT})
    expect["z_escape"] = ("unreadable", "points outside")
    zipped(root / "z_syntax.zip", {"perceptron.py": bad("syntax_error")})
    expect["z_syntax"] = ("error", "SyntaxError")
    # Canvas.
    canvas = root / "canvas"
    for i in range(4):
        text, expect[str(1000 + i)] = mistake()
        put(canvas / f"student{i}_{1000 + i}_{5000 + i}_perceptron.py", text)
    put(canvas / "latelate_LATE_1100_5100_perceptron-1.py", CORRECT)
    expect["1100"] = ("full", "")
    put(canvas / "twofiles_1101_5101_perceptron.py", CORRECT)
    put(canvas / "twofiles_1101_5102_README.txt", "my notes")
    expect["1101"] = ("full", "")
    put(canvas / "hangs_1102_5103_perceptron.py", bad("endless_train"))
    expect["1102"] = ("timeout", "")
    put(canvas / "correct_1103_5104_perceptron.py", CORRECT)
    expect["1103"] = ("full", "")
    # Moodle.
    moodle = root / "moodle"
    for i in range(3):
        text, expect[str(200 + i)] = mistake()
        put(moodle / f"Student {i}_{200 + i}_assignsubmission_file_" / "perceptron.py", text)
    put(moodle / "Hangs At Import_210_assignsubmission_file_" / "perceptron.py", bad("endless_import"))
    expect["210"] = ("timeout", "")
    put(moodle / "Flat One_211_assignsubmission_file_perceptron.py", CORRECT)
    expect["211"] = ("full", "")
    text, expect["212"] = mistake()
    put(moodle / "Flat Two_212_assignsubmission_file_perceptron.py", text)
    # Gradescope.
    gradescope = root / "gradescope"
    metadata = {}
    for i, (sid, text, expectation) in enumerate([
            ("g300", CORRECT, ("full", "")), (EVIL_ID, CORRECT, ("full", "")),
            ("g302", bad("print_flood_predict"), ("crashed", "")), ("g303", *mistake()),
            ("g304", *mistake())]):
        put(gradescope / f"submission_{i}" / "perceptron.py", text)
        metadata[f"submission_{i}"] = {":submitters": [{":name": f"Student {sid}", ":sid": sid}]}
        expect[sid] = expectation
    put(gradescope / "submission_9" / "perceptron.py", CORRECT)
    metadata["submission_9"] = {":submitters": [{":name": "Pair One", ":sid": "g310"},
                                                 {":name": "Pair Two", ":email": "two@example.edu"}]}
    expect["g310"] = ("full", "")
    put(gradescope / "submission_metadata.yml", yaml.safe_dump(metadata))
    put(root / "notes.txt", "not a submission")
    return expect


def comparable(rows: list[dict]) -> dict[str, dict]:
    """What two runs must agree on: per student, everything but timings and timing messages."""
    out = {}
    for row in rows:
        out[row["student"]] = {
            "status": row["status"], "score": row["score"], "max": row["max_score"], "reason": row["reason"],
            "checksum": row["checksum"], "layout": row["layout"], "source": row["source"],
            "tests": [(t["name"], t["status"], t["score"], t["mistake"]) for t in row["tests"]]}
    return out


def read_rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = children_of(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def batch_command(spec: Path, submissions: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "batch", str(spec), str(submissions), "--out", str(out), *extra]


# --------------------------------------------------------------------------- unit parts

def test_gradebook_cells_never_become_formulas():
    rows = [{"student": EVIL_ID, "name": "+cmd|' /C calc'!A0", "members": ["@SUM(A1:A9)"], "score": 3.0,
             "max_score": 4.0, "status": "graded",
             "tests": [{"name": "t1", "score": 3.0}, {"name": "t2", "score": 0.0}]},
            {"student": "-2+3", "name": "\tTab", "members": [], "score": 0.0, "max_score": 4.0,
             "status": "unreadable", "tests": []}]
    table = list(csv.reader(io.StringIO(gradebook(rows, ["t1", "t2"]))))
    assert table[0] == ["student", "name", "total", "max", "status", "t1", "t2"]
    assert table[1] == ["'" + EVIL_ID, "'+cmd|' /C calc'!A0", "3", "4", "graded", "3", "0"]
    assert table[2][0] == "'@SUM(A1:A9)" and table[2][2:] == ["3", "4", "graded", "3", "0"]
    assert table[3][:2] == ["'-2+3", "'\tTab"] and table[3][5:] == ["0", "0"]
    assert neutralise("alice") == "alice" and neutralise("\tx") == "'\tx"
    assert neutralise("\rx") == "\\x0dx" and neutralise("a\nb") == "a\\x0ab"    # one line, shown escaped


def test_feedback_names_are_safe_and_distinct():
    names = {feedback_name(s) for s in ["alice", "../etc/passwd", EVIL_ID, ".hidden", "a/b", "a_b", ""]}
    assert len(names) == 7
    assert "alice" in names and "a_b" in names
    assert all(re.fullmatch(r"[A-Za-z0-9._@+-]+", n) and not n.startswith(".") for n in names)


def test_results_log_drops_a_half_written_line_and_appends_cleanly(tmp_path):
    log = ResultsLog(tmp_path / "results.jsonl")
    log.append({"student": "a", "checksum": "1"})
    log.append({"student": "b", "checksum": "1"})
    log.append({"student": "a", "checksum": "2"})           # a regrade: the last row wins
    with open(log.path, "ab") as f:
        f.write(b'{"student": "c", "checks')                  # killed while writing
    rows, damaged = log.load()
    assert damaged == 1 and rows == {"a": {"student": "a", "checksum": "2"}, "b": {"student": "b", "checksum": "1"}}
    assert log.path.read_bytes().endswith(b"\n")
    log.append({"student": "c", "checksum": "1"})
    rows, damaged = log.load()
    assert damaged == 0 and set(rows) == {"a", "b", "c"}


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    row = {"status": "graded", "score": 3.0, "max_score": 4.0, "reason": "", "grader_seconds": 0.5,
           "tests": [{"status": "timeout"}]}
    bar = io.StringIO()
    progress = Progress(4, stream=bar, bar=True)
    progress.update("alice", row)
    progress.update("bob", {**row, "tests": []})
    progress.finish()
    assert bar.getvalue().count("\r") == 2 and bar.getvalue().endswith("\n")
    assert "2/4" in bar.getvalue() and "problems 1" in bar.getvalue() and "ETA" in bar.getvalue()
    log = io.StringIO()
    progress = Progress(2, stream=log, bar=False)
    progress.update("carl", {**row, "status": "unreadable", "reason": "carl.zip: not a valid zip archive"})
    assert log.getvalue() == "[1/2] carl: 3/4 (unreadable: carl.zip: not a valid zip archive) 0.5 s\n"


def test_resume_keeps_real_results_of_the_same_files_only():
    graded = {"student": "a", "checksum": "sha256:1", "status": "graded"}
    assert needs_grading(None, "sha256:1")                                      # never graded
    assert not needs_grading(graded, "sha256:1")                                # done
    assert needs_grading(graded, "sha256:2")                                    # handed in again
    assert not needs_grading({**graded, "status": "unreadable"}, "sha256:1")    # still unreadable
    assert needs_grading({**graded, "status": "grader-error"}, "sha256:1")      # our fault: try again


def _result_with_hidden_failure() -> Result:
    def test(name, visibility, status, message="", hint=None):
        return Verdict(name=name, function="f", kind="numeric", visibility=visibility, status=status,
                          score=1.0 if status == "passed" else 0.0, max_score=1.0, message=message, hint=hint,
                          mistake="m" if hint else None)
    return Result(assignment="01_x", title="X <b>bold</b>", submission="alice.py", isolation="process",
                  output="printed SECRET_PRINT", tests=[
                      test("public_ok", "public", "passed"),
                      test("public_bad", "public", "failed", "got <script>alert(1)</script> ```x```\nInputs: x=[1, 2]",
                           "Use the rule & more"),
                      test("hidden_bad", "hidden", "failed", "SECRET_MESSAGE\nInputs: x=[7, 7]", "SECRET_HINT"),
                      test("hidden_crash", "hidden", "crashed", "SECRET_CRASH")])


def test_student_view_shows_hidden_tests_as_name_pass_fail_and_points_only():
    result = _result_with_hidden_failure()
    for text in (render_markdown(result, student_view=True), render_html(result, student_view=True)):
        assert "hidden_bad" in text and "hidden_crash" in text
        for secret in ("SECRET_MESSAGE", "x=[7, 7]", "SECRET_HINT", "SECRET_CRASH", "SECRET_PRINT", "CRASH"):
            assert secret not in text
        assert "got " in text and "Use " in text                      # the public failure is explained
    html = render_html(result, student_view=True)
    assert re.search(r"<td>hidden_bad <small>\(hidden\)</small></td><td class=\"status bad\">FAIL</td>"
                     r"<td class=\"points\">0/1</td><td class=\"message\"></td><td class=\"hint\"></td>", html)
    for text in (render_markdown(result, student_view=False), render_html(result, student_view=False)):
        assert "SECRET_HINT" in text and "SECRET_PRINT" in text and "CRASH" in text


def test_renderers_escape_what_the_student_controls():
    result = _result_with_hidden_failure()
    html = render_html(result, student_view=False)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "X &lt;b&gt;bold&lt;/b&gt;" in html
    markdown = render_markdown(result, student_view=False)
    # The message goes in a code block whose fence is longer than any run of backticks inside it.
    assert "\n````\ngot <script>alert(1)</script> ```x```\nInputs: x=[1, 2]\n````\n" in markdown
    assert "X &lt;b&gt;bold&lt;/b&gt;" in markdown and "**Hint:** Use the rule &amp; more" in markdown


def test_grade_one_turns_a_grader_exception_into_a_row(monkeypatch, tmp_path):
    import grader.grading.engine

    def broken(*args, **kwargs):
        raise RuntimeError("reference exploded")

    put(tmp_path / "alice.py", CORRECT)
    monkeypatch.setattr(grader.grading.engine.Grader, "grade", broken)
    row = grade_one(str(ASSIGNMENT / "assignment.yaml"), str(tmp_path / "alice.py"), "alice", {"tests": None})
    assert row["status"] == "grader-error" and row["reason"] == "RuntimeError: reference exploded"
    assert row["score"] == 0 and row["max_score"] > 0 and row["tests"] == []


@pytest.mark.slow
def test_resume_grades_only_what_is_new_or_changed(tmp_path):
    spec = quick_spec(tmp_path)
    cls, out = tmp_path / "class", tmp_path / "out"
    put(cls / "alice.py", CORRECT)
    put(cls / "bob" / "perceptron.py", MISTAKES[0].read_text())
    put(cls / "carl.zip", b"not a zip")
    tests = ["predict_small", "update_on_mistake", "update_hidden"]
    first = run_batch(spec, cls, out, jobs=2, tests=tests)
    assert (first.graded_now, first.reused, first.exit_status) == (3, 0, 0)
    statuses = {r["student"]: r["status"] for r in first.rows}
    assert statuses == {"alice": "graded", "bob": "graded", "carl": "unreadable"}

    again = run_batch(spec, cls, out, jobs=2, tests=tests)
    assert (again.graded_now, again.reused) == (0, 3)
    assert comparable(again.rows) == comparable(first.rows)

    put(cls / "bob" / "perceptron.py", CORRECT)              # bob hands in again
    (cls / "carl.zip").unlink()                              # carl's submission is withdrawn
    third = run_batch(spec, cls, out, jobs=1, tests=tests)
    assert (third.graded_now, third.reused, third.stale_students) == (1, 1, ["carl"])
    rows = {r["student"]: r for r in read_rows(out)}
    assert set(rows) == {"alice", "bob"} and rows["bob"]["score"] == rows["bob"]["max_score"]
    assert not (out / "feedback" / "carl.md").exists()

    fresh = run_batch(spec, cls, out, jobs=1, tests=tests, resume=False)
    assert (fresh.graded_now, fresh.reused) == (2, 0)


@pytest.mark.slow
def test_ctrl_c_stops_workers_writes_what_finished_and_exits_130(tmp_path):
    spec = quick_spec(tmp_path, wall=60.0)
    cls, out = tmp_path / "class", tmp_path / "out"
    put(cls / "a_correct.py", CORRECT)
    put(cls / "b_hangs.py", bad("endless_import"))
    put(cls / "c_hangs.py", bad("endless_import"))
    proc = subprocess.Popen(batch_command(spec, cls, out, "--jobs", "2", "--test", "predict_small"),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline:                  # until a row exists and workers hang
            workers = descendants(proc.pid)
            done = (out / "results.jsonl").exists() and (out / "results.jsonl").read_text().count("\n") >= 1
            if done and len(workers) >= 4:                  # 2 grading processes + 2 sandboxed workers
                break
            time.sleep(0.1)
        assert len(workers) >= 4, "the hanging submissions never reached their workers"
        os.killpg(proc.pid, signal.SIGINT)                   # what a terminal's Ctrl-C does
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr.decode()
    assert b"Stopped early" in stderr and b"Traceback" not in stderr
    assert wait_gone(workers, 10) == set()
    assert [r["student"] for r in read_rows(out)] == ["a_correct"]
    assert (out / "report.html").exists() and (out / "feedback" / "a_correct.md").exists()


# A parent that adopts the orphans of what it runs (PR_SET_CHILD_SUBREAPER), runs the command
# given, waits for it, and prints "pid state command" for every process left with it: a process the
# command did not reap (a zombie) or did not stop (a live one) is re-parented here when it exits.
ADOPTER = r"""
import ctypes, os, subprocess, sys
ctypes.CDLL("libc.so.6", use_errno=True).prctl(36, 1, 0, 0, 0)     # PR_SET_CHILD_SUBREAPER
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
    if int(ppid) == os.getpid():
        print(pid, state, stat[stat.index("("):stat.rindex(")") + 1], flush=True)
        os.kill(int(pid), 9)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux's PR_SET_CHILD_SUBREAPER")
def test_no_process_outlives_the_batch(tmp_path):
    """Every grading process, its worker template and multiprocessing's helpers are reaped
    before ``grade batch`` exits: none is left as a zombie (or alive) for init to collect."""
    spec = quick_spec(tmp_path)
    cls, out = tmp_path / "class", tmp_path / "out"
    put(cls / "alice.py", CORRECT)
    put(cls / "bob.py", MISTAKES[0].read_text())
    left = subprocess.run([sys.executable, "-c", ADOPTER, *batch_command(spec, cls, out, "--jobs", "2")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert left.stdout == "", f"processes left behind by grade batch:\n{left.stdout}{left.stderr}"
    assert {r["student"] for r in read_rows(out)} == {"alice", "bob"}


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="grading processes fork on Linux only")
def test_grading_processes_fork_from_the_batch_process_after_it_loaded_the_references(tmp_path):
    """Extra --jobs share the batch process's references and answers (its memory, its start-up):
    each grading process is a fork of it (the same command line, not multiprocessing's spawn)."""
    from grader.course import task
    from grader.course.pool import _Pool
    spec = str(quick_spec(tmp_path))
    pool = _Pool(2, spec, {"tests": None}, limit_s=60)
    try:
        ours = Path("/proc/self/cmdline").read_bytes()
        assert [Path(f"/proc/{p.proc.pid}/cmdline").read_bytes() for p in pool.processes] == [ours, ours]
        assert task._graders[spec]._expected, "the references were not run before the fork"
    finally:
        pool.close()
        task._graders.pop(spec, None)


#: A batch as macOS and Windows run it, imitated on Linux by every interpreter that loads it (the
#: batch and its grading processes; workers run ``python -I``, which does not): grading processes
#: spawned, not forked from the loaded batch process; the portable worker start; no fcntl (filelock
#: falls back to its soft lock), resource or termios. Each spawned process notes its command line.
OFF_LINUX_SITE = """
import multiprocessing, os, sys
for name in ("fcntl", "resource", "termios"):
    sys.modules[name] = None
multiprocessing.get_all_start_methods = lambda: ["spawn"]
os.environ["DLGRADE_WORKER_START"] = "portable"
with open(os.path.join(os.path.dirname(__file__), "started.txt"), "a") as log:
    log.write(" ".join(sys.argv) + "\\n")
"""


@pytest.mark.slow
def test_a_batch_grades_as_it_does_off_linux(tmp_path):
    """The spawn pool and the portable start, end to end: every row right, the loop's included."""
    site = tmp_path / "site"
    put(site / "sitecustomize.py", OFF_LINUX_SITE)
    spec = quick_spec(tmp_path)
    cls, out = tmp_path / "class", tmp_path / "out"
    put(cls / "alice.py", CORRECT)
    put(cls / "bob.py", MISTAKES[0].read_text())
    put(cls / "carol.py", bad("endless_train"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    done = subprocess.run(batch_command(spec, cls, out, "--jobs", "2"), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--multiprocessing-fork" in (site / "started.txt").read_text(), "no grading process was spawned"
    rows = {r["student"]: r for r in read_rows(out)}
    assert rows["alice"]["score"] == rows["alice"]["max_score"]
    assert 0 < rows["bob"]["score"] < rows["bob"]["max_score"]
    carol = {t["name"]: t["status"] for t in rows["carol"]["tests"]}
    assert carol["train_small"] == "timeout" and carol["predict_small"] == "passed"
    assert all(r["status"] == "graded" for r in rows.values())


# --------------------------------------------------------------------------- the whole class

@pytest.fixture(scope="module")
def big_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("big_class")
    spec = quick_spec(tmp)
    cls = tmp / "class"
    expect = build_class(cls)
    out = tmp / "uninterrupted"
    start = time.perf_counter()
    summary = run_batch(spec, cls, out, jobs=2)
    seconds = time.perf_counter() - start
    print(f"\nbatch of {summary.total} submissions, --jobs 2: {seconds:.1f} s")
    return {"tmp": tmp, "spec": spec, "class": cls, "expect": expect, "out": out, "summary": summary,
            "rows": {r["student"]: r for r in read_rows(out)}}


@pytest.mark.slow
def test_every_submission_gets_the_row_it_deserves(big_class):
    expect, rows, summary = big_class["expect"], big_class["rows"], big_class["summary"]
    assert len(expect) >= 50
    assert set(rows) == set(expect) and summary.exit_status == 0
    assert summary.skipped == ["notes.txt: not a submission (expected a folder, .py, .ipynb, .zip or an LMS download)"]
    for student, (expectation, detail) in expect.items():
        row = rows[student]
        statuses = {t["status"] for t in row["tests"]}
        assert row["checksum"].startswith("sha256:") and row["max_score"] > 0, student
        if expectation == "full":
            assert row["status"] == "graded" and row["score"] == row["max_score"], (student, row["tests"])
        elif expectation == "mistake":
            assert row["status"] == "graded" and row["score"] < row["max_score"], student
            assert detail in {t["mistake"] for t in row["tests"]}, (student, detail)
        elif expectation in ("timeout", "crashed", "error"):
            assert row["status"] == "graded" and expectation in statuses, (student, statuses)
            assert detail in " ".join(t["message"] for t in row["tests"]), student
        elif expectation == "unreadable":
            assert row["status"] == "unreadable" and detail in row["reason"] and row["score"] == 0, (student, row)
        else:
            assert row["status"] in ("graded", "unreadable"), student
    layouts = {r["layout"] for r in rows.values()}
    assert layouts == {"folder", "file", "canvas", "moodle", "gradescope"}
    assert rows["g310"]["members"] == ["two@example.edu"]


@pytest.mark.slow
def test_a_batch_killed_half_way_resumes_to_the_same_results(big_class):
    spec, cls, tmp = big_class["spec"], big_class["class"], big_class["tmp"]
    out = tmp / "killed"
    total = len(big_class["expect"])
    proc = subprocess.Popen(batch_command(spec, cls, out, "--jobs", "2"), cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        lines = 0
        while lines < total // 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            lines = (out / "results.jsonl").read_bytes().count(b"\n") if (out / "results.jsonl").exists() else 0
        assert proc.poll() is None, "the batch finished before it could be killed"
        family = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)                 # kill -9 of the batch process
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert wait_gone(family, 20) == set(), "grading processes or workers outlived the batch"
    kept = len(ResultsLog(out / "results.jsonl").load()[0])
    assert total // 3 <= kept < total

    resumed = subprocess.run(batch_command(spec, cls, out, "--jobs", "2"), cwd=ROOT, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({total - kept} graded now, {kept} kept)" in resumed.stdout
    assert comparable(read_rows(out)) == comparable(big_class["rows"].values())


@pytest.mark.slow
def test_gradebook_lists_every_student_with_neutralised_ids(big_class):
    rows = big_class["rows"]
    with open(big_class["out"] / "grades.csv", newline="") as f:
        table = list(csv.DictReader(f))
    students = [line["student"] for line in table]
    assert len(students) == len(rows) + 1                         # the group's second member
    assert "'" + EVIL_ID in students and "'@SUM(1+1)" in students and "two@example.edu" in students
    assert not any(s.startswith(("=", "+", "-", "@")) for s in students)
    by_student = {line["student"].removeprefix("'"): line for line in table}
    for student, row in rows.items():
        line = by_student[student]
        assert (float(line["total"]), float(line["max"]), line["status"]) == (row["score"], row["max_score"], row["status"])
        assert sum(float(line[t["name"]]) for t in row["tests"]) == row["score"]


@pytest.mark.slow
def test_feedback_hides_hidden_tests_but_explains_public_ones(big_class):
    rows, folder = big_class["rows"], big_class["out"] / "feedback"
    hidden_failures = 0
    for student, row in rows.items():
        markdown = (folder / f"{feedback_name(student)}.md").read_text()
        page = (folder / f"{feedback_name(student)}.html").read_text()
        assert page.startswith("<!DOCTYPE html>") and f"{row['score']:g}/{row['max_score']:g}" in markdown
        if row["status"] == "unreadable":
            assert "could not be read" in markdown and row["reason"] in markdown
        public_lines = {line for t in row["tests"] if t["visibility"] == "public" for line in t["message"].splitlines()}
        for t in row["tests"]:
            if t["visibility"] == "hidden" and t["status"] != "passed":
                hidden_failures += 1
                for line in set(t["message"].splitlines()) - public_lines:     # e.g. its inputs
                    assert line not in markdown and html.escape(line) not in page, (student, t["name"], line)
                assert f"### {t['name']}" not in markdown
                assert re.search(rf"<td>{t['name']} <small>\(hidden\)</small></td><td class=\"status bad\">FAIL"
                                 rf"</td><td class=\"points\">0/{t['max_score']:g}</td><td class=\"message\">"
                                 rf"</td><td class=\"hint\"></td>", page)
            if t["visibility"] == "public" and t["status"] == "failed" and t["hint"]:
                assert f"### {t['name']}: FAIL" in markdown and t["hint"][:40] in markdown
    assert hidden_failures > 10
    assert (folder / f"{feedback_name('two@example.edu')}.md").read_text() == \
        (folder / f"{feedback_name('g310')}.md").read_text()


@pytest.mark.slow
def test_report_summarises_the_class(big_class):
    rows = big_class["rows"]
    page = (big_class["out"] / "report.html").read_text()
    for heading in ("Summary", "Score distribution", "Pass rate per test", "Most frequent mistakes",
                    "Slowest submissions", "Submissions that need a look", "Files that were not graded"):
        assert f"<h2>{heading}</h2>" in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    unreadable = sum(r["status"] == "unreadable" for r in rows.values())
    assert f"<td>unreadable</td><td>{unreadable}</td>" in page
    timed_out = sum(any(t["status"] == "timeout" for t in r["tests"]) for r in rows.values())
    assert f"<td>with a test that timed out</td><td>{timed_out}</td>" in page
    who: dict[tuple, set] = {}
    for r in rows.values():
        for t in r["tests"]:
            if t["mistake"]:
                who.setdefault((t["mistake"], t["hint"]), set()).add(r["student"])
    most = max(len(s) for s in who.values())
    table = page.split("<h2>Most frequent mistakes</h2>")[1].split("<h2>")[0]
    first = re.search(r"<tbody><tr><td>(\d+)</td><td>([^<]+)</td>", table)
    assert int(first[1]) == most and any(m == first[2] and len(s) == most for (m, _), s in who.items())
    assert table.count("<tr>") == 1 + min(10, len(who))
    slowest = page.split("<h2>Slowest submissions</h2>")[1].split("<h2>")[0]
    slowest_student = max(rows.values(), key=lambda r: r["grader_seconds"])["student"]
    assert slowest.index(f"<tr><td>{slowest_student}</td>") == slowest.index("<tr><td>")
    assert "<td>1102</td>" in slowest                          # its train hangs: one timeout of 1 s
    assert "notes.txt" in page and "<script" not in page


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="Debian's chromium is not installed (apt-get install chromium)")
def test_report_renders_in_a_real_browser(big_class, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    report = big_class["out"] / "report.html"
    dom = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp_path}",
                          "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h2>Pass rate per test</h2>" in dom.stdout and dom.stdout.count("<img") == 2
    shot = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp_path}",
                    f"--screenshot={shot}", "--window-size=1200,2000", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
    # grade similarity on a copy of OUT: its section in the report, and a pair's side-by-side page
    from grader.course.similarity_report import run_similarity

    copied = tmp_path / "with_similarity"
    shutil.copytree(big_class["out"], copied)
    analysis, _ = run_similarity(copied, read_rows(copied))
    assert any(analysis.reported(p) for p in analysis.pairs)      # the class hands in CORRECT many times
    for page, expected in ((copied / "report.html", ['<section id="similarity">', "<h2>Similarity</h2>",
                                                    "evidence for a person to weigh, not a verdict", "side by side"]),
                           (copied / "similarity" / "pair-0001.html", ['class="sbs"', "<mark>", "Back to the report"])):
        dom = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp_path}",
                              "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert all(text in dom.stdout for text in expected), (page.name, [t for t in expected if t not in dom.stdout])
    shot = tmp_path / "pair.png"
    subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp_path}",
                    f"--screenshot={shot}", "--window-size=1400,1200", (copied / "similarity" / "pair-0001.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000


def test_a_row_that_cannot_be_recorded_becomes_that_students_grader_error(tmp_path):
    """Writers never stop a batch: a row the log cannot serialise (here one that contains itself)
    is recorded as that student's grader-error row, which the next run grades again."""
    from grader.course.batch import _record
    from grader.model.spec import load_spec

    log = ResultsLog(tmp_path / "results.jsonl")
    broken = {"student": "mallory\x1b[2J", "name": "", "members": [], "layout": "flat", "source": "m.py",
              "checksum": "sha256:1", "status": "graded", "reason": "", "tests": []}
    broken["details"] = broken
    row = _record(log, broken, load_spec(ASSIGNMENT), None)
    assert row["status"] == "grader-error" and "could not be recorded (RecursionError" in row["reason"]
    assert row["student"] == "mallory\\x1b[2J" and row["checksum"] == "sha256:1" and row["score"] == 0
    rows, damaged = log.load()
    assert damaged == 0 and rows == {"mallory\\x1b[2J": row}
    assert needs_grading(rows["mallory\\x1b[2J"], "sha256:1")


def test_a_second_batch_on_the_same_out_refuses_in_one_line(tmp_path):
    """The results lock holds across processes (``filelock``: fcntl on POSIX, msvcrt on Windows)."""
    from grader.course.batch import BatchError, _locked
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; from grader.course.batch import _locked\n"
         "with _locked(pathlib.Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BatchError) as refused, _locked(tmp_path):
            pass
        assert str(refused.value) == f"{tmp_path}: another grade batch is writing here"
    finally:
        holder.communicate("", timeout=30)
    with _locked(tmp_path):                  # released when its holder ended
        pass
