"""Red team: the student's deaths are described as the student's code, never as the sandbox's.

Once a worker has confirmed its sandbox (before any student code loads), every way it can end is
the student code's doing: an exit status (even 70, the status of a sandbox that could not be set
up), a signal without a name in Python, a negative status. Each case runs through
:meth:`Arena.attack`, which also checks that nothing else was lost.
"""
from __future__ import annotations

from redteam_harness import messages, statuses

from grader.sandbox import isolation


def assert_blames_the_code(message: str) -> None:
    lowered = message.lower()
    assert "sandbox could not be set up" not in lowered and "grader" not in lowered, message


def test_os_exit_70_at_import_is_the_students_exit(arena):
    verdict = isolation.current()
    result = arena.attack("os_exit_70_at_import.py")
    assert set(statuses(result).values()) == {"crashed"}, messages(result)
    for message in messages(result).values():
        assert "exited with status 70" in message, message
        assert_blames_the_code(message)
    assert isolation.current() is verdict, "a student's exit status made the grader forget its verdict"


def test_os_exit_70_in_a_call_is_the_students_exit(arena):
    verdict = isolation.current()
    result = arena.attack("os_exit_70.py")
    got = statuses(result)
    for name in ("predict_small", "predict_random"):
        assert got[name] == "crashed", messages(result)[name]
        assert "your code exited with status 70" in messages(result)[name].lower(), messages(result)[name]
        assert_blames_the_code(messages(result)[name])
    assert got["update_on_mistake"] == "passed"
    assert isolation.current() is verdict


def test_deaths_with_odd_statuses_are_named(arena):
    result = arena.attack("odd_deaths.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "crashed", "update_on_mistake": "crashed"}, messages(result)
    assert "killed by signal SIGRTMIN+6" in messages(result)["predict_small"]
    assert "exited with status 255" in messages(result)["update_on_mistake"]
    for message in messages(result).values():
        assert_blames_the_code(message)
