"""What a failed test's answer looked like, for :mod:`grader.course.similarity`: two submissions that fail
the same tests with the same wrong answers share more than chance.

:func:`output_digest` runs in the grading process (engine) on every failed numeric test whose
inputs are the same for every student, so it is kept apart from the similarity analysis: this
module imports nothing heavy.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np


def output_digest(value: Any) -> str:
    """A short sha256 of an output's exact bytes (dtype, shape and data of every array in it).

    ``grade batch`` records it for a failed test whose inputs are the same for every student, so
    that two submissions with the same uncatalogued wrong answer can be matched without keeping
    the arrays. Tuples, lists and dicts are walked in order (dicts by sorted key).
    """
    digest = hashlib.sha256()
    _feed(digest, value)
    return digest.hexdigest()[:32]


def _feed(digest, value: Any) -> None:
    if isinstance(value, np.ndarray):
        digest.update(f"a{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(f"l{len(value)}".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(f"d{len(value)}".encode())
        for key in sorted(value, key=str):
            digest.update(f"k{key!s}".encode("utf-8", "surrogateescape"))
            _feed(digest, value[key])
    else:
        digest.update(f"s{type(value).__name__}:{value!r}".encode("utf-8", "surrogateescape"))


def failure_signatures(row: dict) -> dict[str, str]:
    """test name -> what its failure looked like, for a results.jsonl row: the catalogued mistake's
    name, else the digest of the wrong output (tests with per-student inputs have none)."""
    signatures = {}
    for test in row.get("tests", []):
        if test.get("status") != "failed":
            continue
        if test.get("mistake"):
            signatures[test["name"]] = "mistake:" + str(test["mistake"])
        elif (test.get("details") or {}).get("wrong_output"):
            signatures[test["name"]] = "output:" + str(test["details"]["wrong_output"])
    return signatures
