"""Hostile strings for the renderers' property tests (Hypothesis), and what may never survive them.

A student controls much of a result's text: exception messages and tracebacks, printed output,
type names, notebook metadata, file and folder names (hence student ids). The strategies here mix
ordinary text with what breaks writers and terminals: lone surrogates, NUL, C0 and C1 controls,
ESC sequences, CR, bidi overrides and isolates, U+2028/U+2029, XML-forbidden non-characters,
Markdown fences, HTML and CSV formula starts, and a few enormous strings.

The runs are deterministic and keep no example database (``FUZZ``), so CI cannot be flaky.
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from grader.model.results import Result, TestResult

FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: What must never reach a terminal, a log or a file as the character itself: C0 controls but
#: newline and tab, DEL, C1 (with the 8-bit CSI), bidi marks, embeddings, overrides and isolates,
#: the line and paragraph separators, lone surrogates and the non-characters XML forbids.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                    "\u2028\u2029\ud800-\udfff\ufffe\uffff]")

_ODD = ("\x00\x07\x08\x0b\x0c\r\x1b\x7f\x85\x9b\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\u2028\u2029\ud800\udbff\udc00\udfff\ufffe\uffff\n\t\\`~<>&\"'|*[]()!#=+-@")
_FRAGMENTS = ["\x1b[2J", "\x1b[H", "\x1b]0;pwned\x07", "\x9b31m", "\nScore: 29/29\n", "```", "````````",
              "~~~", "\n# Heading\n", "[link](https://evil.example)", "![img](https://evil.example/p.png)",
              "<script>alert(1)</script>", "</pre>", "]]>", "<![CDATA[", "=HYPERLINK(\"x\")", "\r\n", "\u202egnp.exe"]
# Enormous for a message (the sandbox keeps 500 characters) or a line of printed output.
_BIG = ["\x1b[2J\ud800`" * 1_000, "`" * 300 + "\n" + "x\u202e" * 3_000]

hostile = st.one_of(
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(st.sampled_from(_ODD), max_size=8),
                       st.text(max_size=8)), max_size=12).map("".join),
    st.text(st.characters(codec=None, categories=("Cs", "Cc", "Cf", "Zl", "Zp")) | st.characters(), max_size=60))
#: Long text fields (messages, printed output) may also be enormous.
long_hostile = hostile | st.sampled_from(_BIG)


def _test(name: str, message: str, hint: str | None, status: str, visibility: str, error: str) -> TestResult:
    return TestResult(name=name, function="predict", kind="numeric", visibility=visibility, status=status,
                      score=1.0 if status == "passed" else 0.0, max_score=1.0, message=message, hint=hint,
                      mistake=None if hint is None else "m",
                      details={"error": {"type": error, "message": message, "traceback": [error]},
                               "max_abs_error": float("inf"), "max_rel_error": float("nan")})


tests = st.builds(_test, name=hostile, message=long_hostile, hint=st.none() | hostile,
                  status=st.sampled_from(["passed", "failed", "error", "timeout", "crashed"]),
                  visibility=st.sampled_from(["public", "hidden"]), error=hostile)

results = st.builds(Result, assignment=hostile, title=hostile, submission=hostile,
                    tests=st.lists(tests, min_size=1, max_size=3), isolation=hostile, output=long_hostile,
                    notes=st.lists(hostile, max_size=2))


def assert_inert(text: str, where: str = "") -> None:
    """``text`` holds no active character and can be written as strict UTF-8."""
    found = ACTIVE.search(text)
    assert found is None, f"{where}: {found.group()!r} at {found.start()}"
    text.encode("utf-8")


def strings_in(value):
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)
