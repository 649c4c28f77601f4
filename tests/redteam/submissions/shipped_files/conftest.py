"""Hostile conftest.py: if pytest (or anything) ever loads it, every report becomes "passed"."""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
