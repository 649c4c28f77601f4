"""Red team: tampering with the comparison and the result channel, and cheating on the answers.

Each case runs through :meth:`Arena.attack`, which also checks that nothing else was lost.
"""
from __future__ import annotations

import json

import pytest

from grader.reports import render_json, render_text
from redteam_harness import messages, statuses


def test_patching_numpys_comparisons_fools_nobody(arena):
    result = arena.attack("patch_numpy.py", tests=["predict_small", "predict_random"])
    assert set(statuses(result).values()) == {"failed"}


def test_shipped_conftest_sitecustomize_and_numpy_shadow_are_ignored(arena):
    """perceptron.py is right only if none of its neighbours reached the worker and NumPy is real."""
    result = arena.attack("shipped_files", tests=["predict_small", "predict_random"])
    assert set(statuses(result).values()) == {"passed"}, messages(result)


def test_objects_that_lie_about_equality_fail(arena):
    result = arena.attack("lying_objects.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "failed", "update_on_mistake": "failed"}
    assert "AlwaysEqual" in messages(result)["predict_small"]
    assert "w_new" in messages(result)["update_on_mistake"]


def test_scalars_transposes_and_nan_fail(arena):
    result = arena.attack("wrong_shapes.py", tests=["predict_small", "update_on_mistake"])
    assert set(statuses(result).values()) == {"failed"}
    assert "shape" in messages(result)["predict_small"] or "scalar" in messages(result)["predict_small"]
    assert "(3, 1)" in messages(result)["update_on_mistake"]


@pytest.mark.parametrize("name, status", [("dtype_int", "passed"), ("dtype_bool", "failed"),
                                          ("dtype_complex", "failed"), ("dtype_object", "failed"),
                                          ("dtype_bigendian", "passed")])
def test_unusual_dtypes(arena, name, status):
    """predict_small does not check the dtype: right values pass whatever their type, if they can
    travel as plain numbers; complex and object arrays cannot, bools are not ±1."""
    result = arena.attack(f"{name}.py", tests=["predict_small"])
    assert statuses(result) == {"predict_small": status}, messages(result)


def test_a_pickle_payload_is_never_unpickled(arena, places):
    marker = places.canary / "pickle-ran"
    result = arena.attack("pickle_payload.py", tests=["predict_small"], __MARKER__=str(marker))
    assert statuses(result) == {"predict_small": "failed"}
    assert "object" in messages(result)["predict_small"]
    assert not marker.exists()


def test_fake_results_on_stdout_are_only_output(arena):
    result = arena.attack("fake_stdout.py", tests=["predict_small"])
    assert statuses(result) == {"predict_small": "failed"} and result.score == 0
    assert "ALL PASSED" in result.output                          # kept, as the student's printing
    document = json.loads(render_json(result))
    assert document["score"] == 0 and document["tests"][0]["status"] == "failed"
    assert "\x1b[2J" not in render_text(result, color=False)      # no terminal control from the student


def test_a_reply_claiming_two_gigabytes_is_refused(arena):
    result = arena.attack("huge_frame.py")
    got = statuses(result)
    assert got["predict_small"] == got["predict_random"] == "crashed", messages(result)
    assert "broke the grading protocol" in messages(result)["predict_small"].lower()
    assert got["update_on_mistake"] == "passed"


def test_hard_coded_public_answers_fail_the_hidden_test(arena):
    result = arena.attack("hardcode_public.py", tests=["predict_small", "predict_hidden"])
    assert statuses(result) == {"predict_small": "passed", "predict_hidden": "failed"}


def test_remembering_answers_does_not_buy_speed(arena):
    result = arena.attack("memoize_for_speed.py", tests=["predict_small", "predict_speed"])
    assert statuses(result) == {"predict_small": "passed", "predict_speed": "failed"}, messages(result)
    speed = next(t for t in result.tests if t.name == "predict_speed")
    assert speed.details["ratio"] > speed.details.get("max_ratio", 25)


def test_threads_do_not_hide_work(arena):
    result = arena.attack("threads_for_speed.py", tests=["predict_small", "predict_speed"])
    assert statuses(result) == {"predict_small": "passed", "predict_speed": "failed"}, messages(result)
    speed = next(t for t in result.tests if t.name == "predict_speed")
    assert "CPU" in speed.details["clock"]
