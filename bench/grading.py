"""The grader's own speed: worker start, `grade check` (warm and cold), and `grade batch` at scale.

Sections for bench/run.py:

* ``grading``: a worker's start (a fork of the warm template against a fresh interpreter, taken
  in turns); `grade check` of a correct 02_activations warm (stored answers), as a first run on a
  fresh machine (empty caches) and with ``--hidden`` (the references run); and a warm check of
  every assignment's correct solution, in the repository and in its released bundle.
* ``batch``: `grade batch` of N copies of a correct 02_activations (each a distinct file, so none
  is skipped) with ``--jobs`` 1 and 2, at N = 10 and 100 (``DLGRADE_BENCH_FULL=1`` adds 1,000).
  The per-submission figure is the whole batch's wall time divided by N: pool start, references,
  the report and all, amortised. A second line per run leaves out the one timed test, to show
  what its measurement (26 timed calls per side) costs.

Every command runs as a user would run it, in a new process, and the figures are min and median
over repeated runs (batch runs: fewer repeats, they are long).
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import Options, Table

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "02_activations"
CORRECT = ROOT / "tests" / "data" / "submissions" / "02_activations" / "correct.py"


def _ms(values: list[float]) -> str:
    return f"{min(values) * 1e3:.0f} / {statistics.median(values) * 1e3:.0f}"


def _s(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


def _run(args: list[str], env: dict | None = None, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"grade {' '.join(args)} failed: {proc.stderr[-500:]}")
    return time.perf_counter() - start


def _worker_starts(repeats: int) -> dict[str, list[float]]:
    """Seconds from asking for a worker to its first answer, fork and spawn taken in turns."""
    from grader.sandbox.client import Limits, Worker
    from grader.sandbox.template import Template

    source = {"m": "def f(x):\n    return x\n"}
    times: dict[str, list[float]] = {"fork": [], "spawn": []}
    Template.get()
    for _ in range(repeats):
        for mode in times:
            os.environ["DLGRADE_WORKER_START"] = mode
            start = time.perf_counter()
            with Worker(source, Limits()) as worker:
                worker.load(["m"])
                worker.call("m", "f", [1], {}, ["x"], max_reply=1 << 16)
            times[mode].append(time.perf_counter() - start)
    os.environ.pop("DLGRADE_WORKER_START", None)
    return times


def _correct_solution(assignment: Path, into: Path) -> Path:
    """The course's correct solution of ``assignment`` as a folder of the student's files: the
    ``correct/`` folder, or ``correct.py`` (and ``correct_cuda.py`` for a second file ``conv_cuda.py``)."""
    from grader.model.spec import load_spec

    found = ROOT / "tests" / "data" / "submissions" / assignment.name
    if (found / "correct").is_dir():
        return found / "correct"
    spec = load_spec(assignment)
    into.mkdir(parents=True, exist_ok=True)
    for file in spec.files:
        source = found / ("correct" + file.removeprefix(spec.modules[0]))
        if source.is_file():
            shutil.copy(source, into / file)
    return into


def _checks(assignment: Path, repeats: int, work: Path) -> tuple[list[float], list[float]]:
    """Warm `grade check` of the correct solution: in the repository (stored answers) and in
    the assignment's released bundle; each after one untimed run that fills the caches."""
    solution = _correct_solution(assignment, work / "solutions" / assignment.name)
    check = ["check", str(assignment), "-s", str(solution)]
    _run(check)
    repo = [_run(check) for _ in range(repeats)]
    _run(["release", str(assignment), "--out", str(work / "bundles")])
    bundle = work / "bundles" / assignment.name
    for f in solution.glob("*.py"):
        if (bundle / f.name).exists():
            shutil.copy(f, bundle / f.name)
    _run(["check", "."], cwd=bundle)
    return repo, [_run(["check", "."], cwd=bundle) for _ in range(repeats)]


def section(options: Options) -> list[Table]:
    from grader.model.spec import load_spec

    repeats = max(5, options.repeats // 2)
    starts = _worker_starts(2 * repeats)
    check = ["check", str(ASSIGNMENT), "-s", str(CORRECT)]
    hidden = check + ["--hidden"]
    _run(hidden)                                                  # fill the Numba cache
    warm_hidden = [_run(hidden) for _ in range(repeats)]
    cold = []                   # a first check on a fresh machine: no Numba cache, answers or probe
    for _ in range(3):
        with tempfile.TemporaryDirectory() as home:
            cold.append(_run(check, env={"XDG_CACHE_HOME": home, "NUMBA_CACHE_DIR": str(Path(home) / "numba")}))
    assignments = sorted(p.parent for p in (ROOT / "assignments").glob("*/assignment.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        per_assignment = {a.name: _checks(a, repeats, Path(tmp)) for a in assignments}
    warm, in_bundle = per_assignment[ASSIGNMENT.name]
    table = Table("Grading: worker start and grade check (min / median)", ["figure", "time", "target"])
    table.rows += [
        ["worker start, fork of the warm template (ms)", _ms(starts["fork"]), "—"],
        ["worker start, fresh interpreter (ms)", _ms(starts["spawn"]), "—"],
        ["`grade check` 02_activations, warm caches (stored answers) (s)", _s(warm), "≤ 0.5"],
        ["`grade check` 02_activations, first run: empty Numba cache, no stored answers (s)", _s(cold), "≤ 10"],
        ["`grade check` 02_activations --hidden (the references run) (s)", _s(warm_hidden), "—"],
        ["`grade check .` in the released 02 bundle (fixtures, no Numba) (s)", _s(in_bundle), "—"],
    ]
    table.notes.append(f"{repeats} runs each (cold: 3), each a new `grade` process; a worker start is "
                       "from the request to the first answer, fork and spawn in turns.")
    each = Table("`grade check` of each assignment's correct solution, warm (s, min / median)",
                 ["assignment", "repository (stored answers)", "released bundle", "public property tests"])
    for a in assignments:
        spec = load_spec(a)
        properties = sum(t.kind == "property" and t.visibility == "public" for t in spec.tests)
        repo, bundle = per_assignment[a.name]
        each.rows.append([a.name, _s(repo), _s(bundle), str(properties)])
    each.notes.append("Property checks are plain NumPy and their reference work is a stored answer, so no "
                      "check imports Numba in the grader; 05's solution imports numba.cuda itself, in the "
                      "worker (its CUDA kernels run in the simulator). A bundle leaves property tests to grading.")
    return [table, each]


def _class(folder: Path, count: int) -> None:
    text = CORRECT.read_text()
    for i in range(count):
        (folder / f"student{i:04d}.py").write_text(f"{text}\n# student {i}\n")


def _batch(count: int, jobs: int, tests: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        submissions = Path(tmp) / "class"
        submissions.mkdir()
        _class(submissions, count)
        args = ["batch", str(ASSIGNMENT), str(submissions), "--out", str(Path(tmp) / "out"), "--jobs", str(jobs)]
        for name in tests:
            args += ["--test", name]
        return _run(args)


def batch_section(options: Options) -> list[Table]:
    from grader.model.spec import load_spec

    untimed = [t.name for t in load_spec(ASSIGNMENT).tests if t.kind != "performance"]
    sizes = [10, 100] + ([1000] if os.environ.get("DLGRADE_BENCH_FULL") else [])
    table = Table("grade batch, 02_activations, N correct submissions (min / median)",
                  ["N", "--jobs", "tests", "batch wall time (s)", "per submission (ms)"])
    for count in sizes:
        repeats = 3 if count <= 100 else 1
        for jobs in (1, 2):
            for label, tests in (("all 33", []), ("all but the timed one", untimed)):
                walls = [_batch(count, jobs, tests) for _ in range(repeats)]
                table.rows.append([str(count), str(jobs), label, _s(walls), _ms([w / count for w in walls])])
    table.notes += [
        "Per submission = batch wall time / N, so the fixed costs (starting the grading processes, loading "
        "the references, drawing the report) are amortised over N; targets: ≤ 50 ms per submission, "
        "1,000 submissions with --jobs 2 in ≤ 60 s.",
        "Run with DLGRADE_BENCH_FULL=1 for the N = 1,000 lines (a few minutes).",
    ]
    return [table]
