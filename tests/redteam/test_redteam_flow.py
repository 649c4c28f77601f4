"""Red team: control-flow tricks (exits, interrupts, skips, signals, endless loops, threads, crashes).

Each case runs through :meth:`Arena.attack`, which also checks that nothing else was lost.
"""
from __future__ import annotations

from redteam_harness import messages, statuses

PREDICT = ["predict_small", "predict_random"]


def assert_only_predict(result, status: str, *needles: str) -> None:
    """predict's tests end in ``status`` with every needle in the message; update's test passes."""
    got = statuses(result)
    for name in got.keys() & set(PREDICT):
        assert got[name] == status, (name, got[name], messages(result)[name])
        for needle in needles:
            assert needle in messages(result)[name], (needle, messages(result)[name])
    assert got["update_on_mistake"] == "passed", messages(result)["update_on_mistake"]
    assert result.score == 2.0


def test_sys_exit_in_the_function_is_an_error(arena):
    assert_only_predict(arena.attack("sys_exit.py"), "error", "predict raised SystemExit: 0")


def test_os_exit_in_the_function_is_a_crash(arena):
    result = arena.attack("os_exit.py")
    assert_only_predict(result, "crashed", "exited with status 0")
    assert len(arena.last_workers) >= 3, "each crash costs a fresh worker, and update gets one too"


def test_keyboard_interrupt_is_an_error_not_a_stop(arena):
    assert_only_predict(arena.attack("keyboard_interrupt.py"), "error", "predict raised KeyboardInterrupt")


def test_a_framework_skip_is_an_error_worth_nothing(arena):
    result = arena.attack("framework_skip.py")
    assert set(statuses(result).values()) == {"error"}
    assert "SkipTest" in messages(result)["predict_small"]
    assert "Skipped" in messages(result)["update_on_mistake"]      # pytest's skip exception
    assert result.score == 0 and result.max_score == 6


def test_ignoring_signals_then_looping_times_out(arena):
    result = arena.attack("ignore_signals_loop.py", tests=["predict_small", "update_on_mistake"])
    assert_only_predict(result, "timeout", "No answer within 2 s")
    assert result.duration_seconds < 2.0 + 10


def test_an_endless_import_costs_one_deadline(arena):
    result = arena.attack("import_loop.py")
    assert set(statuses(result).values()) == {"timeout"}
    assert all("Importing your code" in m for m in messages(result).values())
    assert len(arena.last_workers) == 1
    assert result.duration_seconds < 2.0 + 10


def test_a_thread_that_outlives_the_call_changes_nothing(arena):
    result = arena.attack("background_thread.py")
    assert set(statuses(result).values()) == {"passed"}, messages(result)
    assert "still here" in result.output


def test_a_segfault_and_an_abort_are_crashes(arena):
    result = arena.attack("segfault.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "crashed", "update_on_mistake": "crashed"}
    assert "segmentation fault" in messages(result)["predict_small"]
    assert "SIGABRT" in messages(result)["update_on_mistake"]

