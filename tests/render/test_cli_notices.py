"""What the ``grade`` verbs say beside their results (issue 17, item 11): progress while work takes
seconds, the sandbox's tier in a word, a notice for every option that has no effect, NO_COLOR,
and usage and completion documented as they are."""
from __future__ import annotations

import itertools
import os
import re
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading import answer_cache
from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[2]
PERCEPTRON = ROOT / "assignments" / "01_perceptron"
CORRECT = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "correct.py"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private answer cache (the user's own is left alone) and the device left to choose."""
    root = tmp_path / "answers"
    monkeypatch.setattr(answer_cache, "cache_root", lambda: root)
    monkeypatch.delenv("DLGRADE_ANSWER_CACHE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("DLGRADE_DEVICE", "auto")
    return root


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A one-function assignment whose reference is plain NumPy (nothing compiles); its stub raises
    NotImplementedError, as a stub that release accepts does."""
    folder = tmp_path / "tiny"
    files = {
        "assignment.yaml": """
            id: tiny
            title: Tiny
            files: [ops.py]
            references: refs
            tests:
              - {name: double, function: double, reference: ops.double, inputs: {x: [1.0, -2.0, 3.5]}, points: 1}
            """,
        "README.md": "# Tiny\n\nDouble the input.\n",
        "ops.py": "def double(x):\n    raise NotImplementedError\n",
        "refs/__init__.py": "",
        "refs/ops.py": "import numpy as np\n\n\ndef double(x):\n    return 2 * np.asarray(x)\n",
        "done.py": "import numpy as np\n\n\ndef double(x):\n    return 2 * np.asarray(x)\n",
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def _grade(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


# --------------------------------------------------------------------------- progress

class _Terminal:
    """A stream that says it is a terminal, keeping what is written."""

    def __init__(self):
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_progress_counts_the_seconds_in_place_on_a_terminal_only(tmp_path):
    from grader.cli.progress import Progress

    terminal = _Terminal()
    progress = Progress(terminal, tick=0.05)
    progress.start("compiling")
    time.sleep(0.5)                                                # ten ticks: one is enough beside busy cores
    seconds = progress.finish()
    assert seconds >= 0.5 and progress.finish() is None             # finished once
    first, rest = terminal.text.split("\n", 1)
    assert first == "grade: compiling..."
    assert re.match(r"(\r {2}\d+\.\d s)+\r {12}\r$", rest), repr(rest)   # counted in place, then erased
    with open(tmp_path / "log", "w") as log:                       # a log: the first line only
        progress = Progress(log, tick=0.05)
        progress.start("compiling")
        time.sleep(0.2)
        progress.finish()
    assert (tmp_path / "log").read_text() == "grade: compiling...\n"


def test_a_first_check_says_when_the_compiled_references_are_ready(cache, tiny, monkeypatch):
    monkeypatch.setattr(References, "uncompiled", lambda self, modules: sorted(modules))
    result = _grade("check", tiny, "-s", tiny / "done.py")
    assert result.exit_code == 0
    assert "compiling the reference implementations (ops)" in result.stderr
    assert re.search(r"grade: ready in \d+\.\d s", result.stderr), result.stderr


def test_release_says_what_it_is_doing_and_how_long_it_took(tiny, tmp_path):
    result = _grade("release", tiny, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"grade: building the bundle of {tiny}" in result.stderr
    assert re.search(r": 1 public test\(s\) \(\d+\.\d s\)$", result.stdout.strip()), result.stdout


# --------------------------------------------------------------------------- the sandbox line

def test_the_sandbox_line_is_the_tier_name_and_verbose_adds_the_layers(cache, tiny):
    plain = _grade("check", tiny, "-s", tiny / "done.py", "--no-color").stdout.splitlines()
    [line] = [ln for ln in plain if ln.startswith(("sandbox:", "isolation:"))]
    assert re.fullmatch(r"sandbox: (strong|partial|basic|local check, not isolated)", line), line
    verbose = _grade("check", tiny, "-s", tiny / "done.py", "--no-color", "-v").stdout.splitlines()
    [detailed] = [ln for ln in verbose if ln.startswith("sandbox:")]
    assert detailed.startswith(line) and len(detailed) > len(line) + 10      # what the tier consists of


# --------------------------------------------------------------------------- options without effect

def test_hidden_and_device_in_a_bundle_get_a_notice(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("DLGRADE_DEVICE", "auto")         # grade check passes --device on to os.environ: undone after
    assert _grade("release", tiny, "--out", tmp_path / "out").exit_code == 0
    bundle = tmp_path / "out" / "tiny"
    result = _grade("check", bundle, "-s", tiny / "done.py", "--hidden")
    assert result.exit_code == 0
    assert "grade: --hidden has no effect in a student bundle" in result.stderr
    result = _grade("check", bundle, "-s", tiny / "done.py", "--device", "cuda")
    assert result.exit_code == 0
    assert "grade: --device cuda has no effect in a student bundle" in result.stderr


def test_an_unknown_test_in_a_bundle_is_not_blamed_on_a_missing_hidden(tiny, tmp_path):
    """--hidden cannot help in a bundle, so the error does not suggest it; in the repository it does."""
    assert _grade("release", tiny, "--out", tmp_path / "out").exit_code == 0
    result = _grade("check", tmp_path / "out" / "tiny", "-t", "nosuch")
    assert result.exit_code == 2 and "no test named nosuch" in result.stderr
    assert "--hidden" not in result.stderr and "public tests only" in result.stderr
    assert "hidden tests need --hidden" in _grade("check", tiny, "-t", "nosuch").stderr


def test_device_cuda_without_cuda_references_gets_a_notice(cache, tiny, monkeypatch):
    result = _grade("check", tiny, "-s", tiny / "done.py", "--device", "cuda")
    assert result.exit_code == 0
    assert "grade: --device cuda has no effect" in result.stderr and "the CPU" in result.stderr
    monkeypatch.setenv("DLGRADE_DEVICE", "auto")         # grade check passes --device on to the references
    assert "--device" not in _grade("check", tiny, "-s", tiny / "done.py").stderr


def test_colour_options_with_a_machine_format_get_a_notice(cache, tiny):
    result = _grade("check", tiny, "-s", tiny / "done.py", "--format", "json", "--color")
    assert result.exit_code == 0 and result.stdout.startswith("{")
    assert "grade: --color has no effect with --format json" in result.stderr


def test_jobs_with_a_scheduler_gets_a_notice(tmp_path):
    (tmp_path / "class").mkdir()
    result = _grade("batch", PERCEPTRON, tmp_path / "class", "--out", tmp_path / "out", "--jobs", "3",
                    "--scheduler", "tcp://127.0.0.1:9")
    assert "grade: --jobs has no effect with --scheduler" in result.stderr


# --------------------------------------------------------------------------- NO_COLOR

def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """What ``grade`` writes to stdout when stdout is a terminal (a pseudo-terminal here)."""
    leader, follower = os.openpty()
    try:
        done = subprocess.Popen([sys.executable, "-m", "grader.cli", *args], stdout=follower,
                                stderr=subprocess.DEVNULL, env={**os.environ, **env}, cwd=ROOT)
        os.close(follower)
        chunks = []
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            try:
                chunk = os.read(leader, 65536) if ready else b""
            except OSError:                      # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            chunks.append(chunk)
        done.wait(timeout=120)
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


def test_no_color_turns_the_colours_off_on_a_terminal(tiny):
    args = ["check", str(tiny), "-s", str(tiny / "done.py")]
    quiet = {"DLGRADE_ANSWER_CACHE": "0"}
    assert "\x1b[" in _on_a_terminal(args, {**quiet, "NO_COLOR": ""})       # empty: colour as usual
    assert "PASS" in (plain := _on_a_terminal(args, {**quiet, "NO_COLOR": "1"})) and "\x1b[" not in plain
    assert "\x1b[" in _on_a_terminal([*args, "--color"], {**quiet, "NO_COLOR": "1"})   # asked for: it wins


# --------------------------------------------------------------------------- usage and completion

USAGE_LINES = {"check": "README.md", "batch": "docs/batch.md", "similarity": "docs/similarity.md",
               "export": "docs/export.md"}


def _usage(verb: str, doc: Path) -> str:
    """The verb's usage line in ``doc`` (``grade VERB ARG [--option]...``, continued on indented lines)."""
    lines = doc.read_text(encoding="utf-8").splitlines() if doc.is_file() else []
    for i, line in enumerate(lines):
        if line.startswith(f"grade {verb} ") and "[" in line:
            continued = itertools.takewhile(lambda ln: ln.startswith(" "), lines[i + 1:])
            return " ".join([line, *continued])
    return ""


@pytest.mark.parametrize("verb", sorted(USAGE_LINES))
def test_each_usage_line_names_every_option_of_its_verb(verb):
    import importlib

    from grader import cli

    module, attribute, _ = cli.VERBS[verb]
    command = getattr(importlib.import_module(f"grader.cli.{module}"), attribute)
    options = {name for p in command.params if isinstance(p, click.Option)
               for name in [*p.opts, *p.secondary_opts] if name.startswith("--")} - {"--help"}
    usage = _usage(verb, ROOT / USAGE_LINES[verb])
    assert usage, f"no usage line of grade {verb} in {USAGE_LINES[verb]}"
    assert options - set(re.findall(r"--[a-z][a-z-]*", usage)) == set(), usage


def test_the_documented_completion_command_prints_a_completion_script():
    """The README's line for bash, run as written, makes the script that bash sources."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^eval \"\$\((_GRADE_COMPLETE=bash_source grade)\)\"", readme, re.MULTILINE)
    assert found, "the README shows no bash completion line"
    grade = Path(sys.executable).with_name("grade")
    if not grade.is_file():
        pytest.skip(f"no grade script beside {sys.executable} (pip install -e . makes one)")
    env = {**os.environ, "_GRADE_COMPLETE": "bash_source"}
    script = subprocess.run([str(grade)], env=env, capture_output=True, text=True, timeout=60)
    assert script.returncode == 0, script.stderr
    assert "complete -o nosort -F _grade_completion grade" in script.stdout
    env = {**os.environ, "_GRADE_COMPLETE": "bash_complete", "COMP_WORDS": "grade ch", "COMP_CWORD": "1"}
    words = subprocess.run([str(grade)], env=env, capture_output=True, text=True, timeout=60)
    assert words.stdout.split() == ["plain,check"]                  # and it completes the verbs
