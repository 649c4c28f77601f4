"""Red team: speed tests passed by slow code, and hidden inputs leaking into public feedback
(issue 15, findings 1 to 5).

Each slow submission runs a Python loop over rows, about 100x the reference, and tries to hide it
from the timing; each must fail predict_speed while its answers stay right (predict_small passes).
The speed cases must hold beside two busy cores, which CI and the developers' machines often have:
``test_speed_cases_hold_beside_busy_cores`` runs them under that load. Every case runs through
:meth:`Arena.attack`, which also checks that nothing else was lost.

Margins measured on the 2-core development VM beside two busy cores, predict_speed (max_ratio 25;
busy-time limit WALL_SLACK 2 x 25 = 50), with the busy figure the upper median of the samples
(``DLGRADE_ISOLATION=basic python bench/speed_margins.py --busy 2``); 10 gradings each at the
basic tier, where fork is allowed: honest code (honest.py, the correct solution) CPU ratio 0.0 to 4.0,
busy ratio 0.0 to 2.7; fork_helper CPU ratio 0.0 to 10 (it escapes the CPU clock), busy ratio 79
to 299; fork_helper_once CPU ratio 14 to 34, busy ratio 92 to 137; checked_position_only CPU
ratio 77 to 133. At the strong tier fork is refused and both fork cases run the loop in the
worker (CPU ratio 72 to 148). Earlier, with the busy figure the second smallest sample, the lowest
fork_helper busy ratio seen was 59 and one basic-tier run in about 17 failed; with a limit of
3 x 25 = 75, fork_helper and fork_helper_once each passed 1 grading in 8.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from redteam_harness import messages, statuses

from grader.render import lms
from grader.render.reports import render_json, render_markdown, render_text

SPEED = ["predict_small", "predict_speed"]
SLOW_CASES = [
    "hijack_staging.py",          # 1: the work done while the worker receives the inputs
    "predict_fresh_inputs.py",    # 2: the "fresh" inputs redrawn from the public recipe
    "checked_position_only.py",   # 3: only the checked call does the work
    "fork_helper.py",             # 4: the work done in a forked helper (basic tier; refused at strong)
    "fork_helper_once.py",        # 4b: the same for one timed sample only, the others slow in the worker
]


def _speed_fails(result) -> None:
    assert statuses(result) == {"predict_small": "passed", "predict_speed": "failed"}, messages(result)


@pytest.mark.parametrize("name", SLOW_CASES)
def test_slow_code_fails_the_speed_test(arena, name):
    _speed_fails(arena.attack(name, tests=SPEED))


@pytest.mark.slow
def test_speed_cases_hold_beside_busy_cores(arena):
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        results = {name: arena.attack(name, tests=SPEED) for name in SLOW_CASES}
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    for result in results.values():
        _speed_fails(result)


def test_hidden_inputs_never_reach_what_students_see(arena):
    result = arena.attack("hidden_leak.py", tests=["predict_small", "predict_hidden", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "passed", "predict_hidden": "passed",
                                "update_on_mistake": "passed"}, messages(result)
    hidden = next(t for t in result.tests if t.name == "predict_hidden")
    assert hidden.score == hidden.max_score and not hidden.details and hidden.hint is None
    seen_by_students = [render_json(result), render_text(result, color=False),
                        render_markdown(result, student_view=True), json.dumps(lms.gradescope_results(result)),
                        json.dumps(lms.prairielearn_results(result)), result.output]
    for text in seen_by_students:
        assert "HIDDEN-INPUT" not in text, text[:2000]
