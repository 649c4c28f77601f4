"""Red team: speed tests passed by slow code, and hidden inputs leaking into public feedback
(issue 15, findings 1 to 5).

Each slow submission runs a Python loop over rows, about 100x the reference, and tries to hide it
from the timing; each must fail predict_speed while its answers stay right (predict_small passes).
The speed cases must hold beside two busy cores, which CI and the developers' machines often have:
``test_speed_cases_hold_beside_busy_cores`` runs them under that load. Every case runs through
:meth:`Arena.attack`, which also checks that nothing else was lost.

Margins measured 2026-12-03 on the 2-core development VM beside two busy cores, predict_speed
(max_ratio 25; busy-time limit WALL_SLACK 2 x 25 = 50), after the busy time became per sample and
the grader's own wait for a CPU stopped counting as the worker's idle time; 8 to 10 gradings each:
honest code (honest.py, the correct solution), CPU ratio 0.0 to 5.2 and busy ratio 0.0 to 9.8 at
both tiers; at the basic tier fork_helper, CPU ratio 0.0 to 8.4 (it escapes the CPU clock) and
busy ratio 61 to 209, fork_helper_once, CPU ratio 8.4 to 36 and busy ratio 59 to 150; at the
strong tier (fork refused, the loop runs in the worker) both at CPU ratio 72 to 148. The slow
cases that stay in the worker, CPU ratio 107 to 126 (checked_position_only; hijack_staging and
predict_fresh_inputs alike). With the earlier limit of 3 x 25 = 75, fork_helper passed 1 grading
in 8 and fork_helper_once 1 in 8 at the basic tier.
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
