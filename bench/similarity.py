"""``grade similarity OUT`` on synthetic classes of 04_backprop: wall time, CPU time, peak memory.

A synthetic student writes each required function of layers.py and network.py in one of the
honest styles of tests/data/submissions/similarity/04_backprop/honest (drawn at random per function,
so that students share idioms but rarely whole files), with a line of their own after about one
body line in four; one student in 20 hands in a classmate's files instead. The batch output
folder is written directly (results.jsonl rows, the kept sources and the boilerplate, as
``grade batch`` keeps them), so only the similarity analysis is timed: the whole command in a
fresh interpreter, imports included, as an instructor runs it.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import Options, Table

ROOT = Path(__file__).resolve().parent.parent
STYLES = ROOT / "tests" / "data" / "submissions" / "similarity" / "04_backprop" / "honest"
ASSIGNMENT = ROOT / "assignments" / "04_backprop"


def _blocks(text: str) -> tuple[str, dict[str, str]]:
    """(the header before the first top-level def or class, top-level block by its name)."""
    parts = re.split(r"\n(?=(?:def|class) )", text)
    named = {}
    for block in parts[1:]:
        named[re.match(r"(?:def|class) (\w+)", block).group(1)] = block
    return parts[0], named


def _own_touch(block: str, rng: random.Random) -> str:
    """The block as one student would have written it: after about one body line in four, a line
    of their own (a check, a print, an intermediate), so that two students who chose the same
    style share its idioms in runs of a few lines, not the whole function verbatim."""
    lines = []
    for line in block.splitlines():
        lines.append(line)
        indent = len(line) - len(line.lstrip())
        if indent and line.strip() and not line.rstrip().endswith((":", ",", "(", "[", "{", "\\")) \
                and rng.random() < 0.25:
            lines.append(" " * indent + f"check_{rng.randrange(10**6)} = {rng.randrange(10**6)}")
    return "\n".join(lines) + "\n"


def synthetic_class(count: int, seed: int = 0) -> list[dict[str, str]]:
    """``count`` submissions (module -> source) mixed per function from the honest styles."""
    rng = random.Random(seed)
    styles = {}
    for folder in sorted(STYLES.iterdir()):
        styles[folder.name] = {m: _blocks((folder / f"{m}.py").read_text()) for m in ("layers", "network")}
    required = {m: [n for n in _blocks((ASSIGNMENT / f"{m}.py").read_text())[1]] for m in ("layers", "network")}
    names = list(styles)
    students: list[dict[str, str]] = []
    for i in range(count):
        if i >= 20 and i % 20 == 0:                # one in 20 copies an earlier classmate
            students.append(dict(students[rng.randrange(i)]))
            continue
        sources = {}
        for module, functions in required.items():
            header = styles[rng.choice(names)][module][0]
            blocks = []
            for function in functions:
                style = styles[rng.choice(names)][module][1]
                blocks.append(_own_touch(style.get(function) or styles["staged"][module][1][function], rng))
            sources[module] = header.rstrip() + "\n\n\n" + "\n".join(blocks)
        students.append(sources)
    return students


def write_batch_output(out: Path, students: list[dict[str, str]]) -> None:
    """What grade batch leaves in OUT for similarity: rows, kept sources, boilerplate."""
    sys.path.insert(0, str(ROOT))
    from grader.course.similarity_report import DATA_DIR, boilerplate_sources
    from grader.model.spec import load_spec

    (out / DATA_DIR / "sources").mkdir(parents=True, exist_ok=True)
    (out / DATA_DIR / "boilerplate.json").write_text(json.dumps(boilerplate_sources(load_spec(ASSIGNMENT))))
    rows = []
    for i, sources in enumerate(students):
        checksum = "sha256:" + hashlib.sha256(json.dumps([i, sources]).encode()).hexdigest()
        (out / DATA_DIR / "sources" / f"sha256_{checksum[7:]}.json").write_text(json.dumps({"sources": sources}))
        rows.append({"student": f"s{i:04d}", "status": "graded", "checksum": checksum, "tests": []})
    (out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def run_once(out: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MiB) of one ``grade similarity OUT`` in a fresh
    interpreter. CPU time (user + system) is what a loaded machine does not inflate."""
    code = ("import resource, sys, time; t = time.perf_counter(); from grader.cli import main\n"
            "try:\n    main(['similarity', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print('BENCH', time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    fields = next(line for line in done.stdout.splitlines() if line.startswith("BENCH")).split()
    return wall, cpu, int(fields[2]) / 1024


def section(options: Options) -> list[Table]:
    sizes = [100, 400, 2000]
    table = Table("grade similarity OUT, 04_backprop, N synthetic submissions (min / median)",
                  ["N", "wall time (s)", "CPU time (s)", "peak memory (MiB)", "pairs reported"])
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="dlgrade-sim-bench-") as tmp:
            out = Path(tmp)
            write_batch_output(out, synthetic_class(count))
            runs = [run_once(out) for _ in range(5 if count <= 400 else 3)]
            walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
            reported = sum(1 for line in (out / "similarity.csv").read_text().splitlines()[1:]
                           if ",yes," in line)
            table.rows.append([str(count), f"{walls[0]:.2f} / {walls[len(walls) // 2]:.2f}",
                               f"{cpus[0]:.2f} / {cpus[len(cpus) // 2]:.2f}",
                               f"{max(r[2] for r in runs):.0f}", str(reported)])
    table.notes += [
        "The whole command in a fresh interpreter: imports, reading the "
        "kept sources, tokenising, winnowing, the index, the pairs, similarity.csv and the pages.",
        "Target: 400 submissions in under 10 s on 2 cores; 2,000 fit in memory. The analysis is one "
        "process (one core); CPU time is the figure a shared machine does not inflate.",
        "One student in 20 copies a classmate, so about N/20 pairs are reported.",
    ]
    return [table]


if __name__ == "__main__":
    print(section(Options())[0].markdown())
