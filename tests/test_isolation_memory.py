"""The isolation verdict is probed once and remembered (a probe starts a throw-away process),
and forgotten when a worker cannot set up the layers it promised."""
from __future__ import annotations

import glob
import os

import pytest

from grader import isolation


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(isolation, "_current", None)
    yield tmp_path
    isolation._current = None              # later tests probe (or read their own cache) again


def remembered(folder) -> list[str]:
    return glob.glob(os.path.join(folder, "dlgrade", "isolation-*.json"))


def test_a_verdict_is_remembered_and_reused_without_probing(fresh, monkeypatch):
    first = isolation.current()
    assert len(remembered(fresh)) == 1
    monkeypatch.setattr(isolation, "_current", None)
    monkeypatch.setattr(isolation, "choose", lambda mode=None: pytest.fail("probed again"))
    again = isolation.current()
    assert again.description == first.description and again.layers == first.layers


def test_the_mode_is_part_of_the_key(fresh, monkeypatch):
    isolation.current()
    monkeypatch.setattr(isolation, "_current", None)
    monkeypatch.setenv(isolation.ENV_VAR, "basic")
    assert isolation.current().tier in ("basic", "local check, not isolated")
    assert len(remembered(fresh)) == 2


def test_forget_makes_the_next_call_probe(fresh, monkeypatch):
    isolation.current()
    isolation.forget()
    assert remembered(fresh) == [] and isolation._current is None
    probed = []
    real = isolation.choose
    monkeypatch.setattr(isolation, "choose", lambda mode=None: probed.append(1) or real(mode))
    isolation.current()
    assert probed == [1]
