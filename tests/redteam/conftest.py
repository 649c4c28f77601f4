"""Fixtures of the red-team suite; the harness itself is redteam_harness.py.

The canaries, the instructor's secret in the environment and the worker watch are set up per
module and taken away after it, so that nothing of the red team outlives its own tests.
"""
from __future__ import annotations

import pytest
from redteam_harness import Arena, planted, redteam_spec, watching

collect_ignore = ["submissions"]     # hostile files (a conftest.py among them) are data, never collected


@pytest.fixture(scope="session")
def spec():
    return redteam_spec()


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    with planted(tmp_path_factory.mktemp("out")) as planted_places:
        yield planted_places


@pytest.fixture(scope="module")
def arena(spec, places, tmp_path_factory):
    with watching(Arena(spec, places, tmp_path_factory.mktemp("redteam"))) as ring:
        yield ring
