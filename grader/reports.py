"""Render a :class:`~grader.results.Result` for people (terminal text) and for scripts (JSON)."""
from __future__ import annotations

import json
import textwrap

import click

from .compare import fmt
from .results import Result

_STATUS_STYLE = {
    "passed": ("PASS", "green"),
    "failed": ("FAIL", "red"),
    "error": ("ERROR", "red"),
    "timeout": ("TIMEOUT", "magenta"),
    "crashed": ("CRASH", "magenta"),
}


def render_text(result: Result, color: bool) -> str:
    """Per test a status line with points, then its message and hint indented; the score last."""
    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

    width = max((len(t.name) for t in result.tests), default=10)
    lines = [style(f"{result.assignment}: {result.title}", bold=True), f"submission: {result.submission}", ""]
    for t in result.tests:
        label, colour = _STATUS_STYLE[t.status]
        hidden = " (hidden)" if t.visibility == "hidden" else ""
        lines.append(f"  {style(f'{label:<7}', fg=colour, bold=True)} {t.name:<{width}}  "
                     f"{fmt(t.score)}/{fmt(t.max_score)}{hidden}")
        body = t.message if t.status != "passed" or t.kind == "performance" else ""
        for para in body.splitlines():
            lines.extend(textwrap.wrap(para, width=100, initial_indent=" " * 10, subsequent_indent=" " * 12,
                                       break_on_hyphens=False) or [""])
        if t.hint:
            lines.extend(textwrap.wrap("Hint: " + t.hint, width=100, initial_indent=" " * 10,
                                       subsequent_indent=" " * 16))
    passed = sum(t.status == "passed" for t in result.tests)
    score = f"Score: {fmt(result.score)}/{fmt(result.max_score)}  ({passed} of {len(result.tests)} tests passed)"
    lines += ["", style(score, bold=True, fg="green" if result.all_passed else None)]
    if result.output.strip():
        lines += ["", "Your code printed (first lines):"]
        lines += ["  | " + ln for ln in result.output.strip().splitlines()[:20]]
    return "\n".join(lines)


def render_json(result: Result) -> str:
    return json.dumps(result.to_dict(), indent=2, allow_nan=False, default=_json_default)


def _json_default(value):
    if hasattr(value, "item"):          # numpy scalars in details
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
