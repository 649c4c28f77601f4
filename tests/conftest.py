"""Fixtures shared by the assignments' grading tests: a module that sets ``ASSIGNMENT`` gets the
spec, a grader and the references of that assignment (each built once per module)."""
from __future__ import annotations

import pytest

from grader.grading.engine import Grader
from grader.grading.references import References
from grader.model.spec import load_spec


@pytest.fixture(scope="module")
def spec(request):
    return load_spec(request.module.ASSIGNMENT)


@pytest.fixture(scope="module")
def grader(spec):
    return Grader(spec)


@pytest.fixture(scope="module")
def references(spec):
    return References(spec.references_dir)
