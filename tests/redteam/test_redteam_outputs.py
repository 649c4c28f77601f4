"""Red team: tampering with the comparison and the result channel, and cheating on the answers.

Each case runs through :meth:`Arena.attack`, which also checks that nothing else was lost.
"""
from __future__ import annotations

import json

import pytest
from redteam_harness import ASSIGNMENT, messages, statuses

from grader.render.reports import render_json, render_text


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


# predict_speed (max_ratio 25) (measured 2026-12-03 on the shared 2-core VM, load average 9 to 15, 4 gradings each): memoize_for_speed 880 to 1046, threads_for_speed
# 258 to 278 (CPU time of all its threads): both at least 10x above the limit.


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


# --------------------------------------------------------------------------- student text is data (issue 15)

# What student text must never carry into a terminal or log: ESC and the 8-bit CSI, BEL (ends a
# window title), CR (overwrites a line), bidi overrides and isolates, line and paragraph separators,
# lone surrogates.
RAW = ("\x1b", "\x9b", "\x07", "\r", "\u202e", "\u2066", "\u2028", "\u2029", "\ud800", "\udfff")


def _check(submission, *options: str):
    """``grade check`` of one redteam submission on predict_small, as a student runs it."""
    from click.testing import CliRunner

    from grader.cli import main
    return CliRunner().invoke(main, ["check", str(ASSIGNMENT), "-s", str(submission), "-t", "predict_small",
                                     "--no-color", *options])


def _every_rendering(result) -> dict[str, str]:
    """The result in each of its formats, as text."""
    from grader.render import lms
    from grader.render.reports import render_html, render_markdown

    return {"text": render_text(result, color=False), "json": render_json(result),
            "markdown": render_markdown(result, student_view=False), "html": render_html(result, student_view=False),
            "gradescope": json.dumps(lms.gradescope_results(result), allow_nan=False),
            "prairielearn": json.dumps(lms.prairielearn_results(result), allow_nan=False),
            "junit": lms.junit_xml(result)}


def test_a_lone_surrogate_in_an_exception_crashes_no_renderer(arena):
    import xml.etree.ElementTree as ET

    result = arena.attack("lone_surrogate.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "error", "update_on_mistake": "failed"}, messages(result)
    renderings = _every_rendering(result)
    for name, text in renderings.items():
        text.encode("utf-8")                                       # strict: no surrogate is left
        assert "\\ud800" in text, name                             # shown as text, not dropped
    ET.fromstring(renderings["junit"])                             # well-formed XML 1.0
    for fmt in ("text", "junit", "json"):
        run = _check(arena.submission("lone_surrogate.py"), "--format", fmt)
        assert run.exception is None or isinstance(run.exception, SystemExit), (fmt, run.exception)
        assert run.exit_code == 1 and "\\ud800" in run.output, (fmt, run.output[-300:])


def test_escape_sequences_in_a_type_name_never_reach_the_terminal(arena):
    result = arena.attack("escape_typename.py", tests=["predict_small", "update_on_mistake"])
    assert set(statuses(result).values()) == {"failed"}, messages(result)
    assert "\\x1b[2J" in messages(result)["predict_small"]        # the name is shown, escaped
    for name, text in _every_rendering(result).items():
        assert not any(raw in text for raw in RAW), name
    text = render_text(result, color=False)
    assert not any(line.startswith("Score: 29/29") for line in text.splitlines())
    run = _check(arena.submission("escape_typename.py"))
    assert run.exit_code == 1 and "\\x1b]0;pwned\\x07" in run.output
    assert not any(raw in run.output for raw in RAW), run.output
    assert not any(line.startswith("Score: 29/29") for line in run.output.splitlines())


def test_escape_sequences_in_notebook_metadata_never_reach_the_terminal(arena):
    run = _check(arena.submission("escape_metadata.ipynb"))
    assert run.exit_code == 2 and "this notebook is for assignment" in run.output, run.output
    assert "\\x1b]0;pwned\\x07" in run.output
    assert not any(raw in run.output for raw in RAW), run.output
    assert not any(line.startswith("Score: 29/29") for line in run.output.splitlines())


def _code_blocks_hold(markdown: str, needle: str) -> None:
    """``needle`` (the student's text) appears only inside code blocks of ``markdown``, as Markdown
    renders it (mistune, CommonMark), and nothing outside them is a link or an image."""
    import re

    import mistune

    rendered = mistune.html(markdown)
    assert "<pre><code>" in rendered and needle in rendered
    outside = re.sub(r"<pre><code>.*?</code></pre>", "", rendered, flags=re.S)
    assert needle not in outside and "<a " not in outside and "<img" not in outside, outside


def test_markdown_in_an_exception_stays_inside_its_code_block_on_gradescope(arena):
    from grader.render import lms
    from grader.render.reports import render_markdown

    result = arena.attack("markdown_injection.py", tests=["predict_small"])
    assert statuses(result) == {"predict_small": "error"}
    assert "# All tests passed" in messages(result)["predict_small"]
    document = lms.gradescope_results(result)
    _code_blocks_hold(document["tests"][0]["output"], "All tests passed")
    _code_blocks_hold(render_markdown(result, student_view=True), "All tests passed")


def test_a_huge_finite_output_is_the_students_fault_with_finite_figures(arena):
    from grader.render import lms

    result = arena.attack("huge_finite.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "failed", "update_on_mistake": "failed"}, messages(result)
    document = json.loads(render_json(result))                     # a strict JSON document
    update = next(t for t in result.tests if t.name == "update_on_mistake")
    assert "got 1.7e+308" in update.message and "grader" not in update.message.lower()
    assert "inf" not in update.message, update.message
    figures = document["tests"][1]["details"]
    assert figures["max_abs_error"] == pytest.approx(1.7e308) and figures["max_rel_error"] is None
    json.dumps(lms.gradescope_results(result), allow_nan=False)
    run = _check(arena.submission("huge_finite.py"), "--format", "json")
    assert run.exit_code == 1 and json.loads(run.output)["tests"][0]["status"] == "failed", run.output[-500:]
