"""Red team: the remembered isolation verdict (~/.cache/dlgrade/isolation-*.json) can never weaken
a later run, even when a basic-tier submission (running as the grader's user) rewrites it.

Every case points the cache at a temporary folder, so that nothing here can poison the machine.
"""
from __future__ import annotations

import json
import os
import time

import pytest
from redteam_harness import statuses

from grader.sandbox import isolation, remembered
from grader.sandbox.client import Limits, Worker


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache folder and no verdict in memory; the harness's tier is restored afterwards."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(isolation, "_current", None)
    return tmp_path / "cache"


def verdict_path(monkeypatch, mode: str) -> str:
    monkeypatch.setenv(isolation.ENV_VAR, mode)
    return remembered.path()


def offered() -> set[str]:
    """The layers a fresh probe of this machine makes work: what a strong run must apply."""
    return set(isolation.choose("auto").layers)


def strong_or_refused() -> isolation.Isolation | None:
    try:
        return isolation.current()
    except isolation.IsolationError:
        return None


def test_a_poisoned_verdict_never_weakens_a_strong_run(arena, cache, monkeypatch):
    target = verdict_path(monkeypatch, "strong")
    monkeypatch.setattr(isolation, "_current", isolation.choose("basic"))     # the attack runs at basic
    result = arena.attack("poison_verdict.py", __VERDICT__=target)
    assert set(statuses(result).values()) == {"passed"}
    assert json.load(open(target))["layers"] == ["seccomp"] and os.path.getmtime(target) > time.time()

    monkeypatch.setattr(isolation, "_current", None)                          # a later strong run
    chosen = strong_or_refused()
    if chosen is None:                      # a machine without every layer refuses: never mislabelled
        return
    assert set(chosen.layers) >= offered() | {"seccomp"}, chosen.description
    assert chosen.tier == "strong" and chosen.description.startswith("strong: ")
    with Worker({"m": "def f():\n    return 1\n"}, Limits()) as worker:
        assert worker.load(["m"]).status == "ok"
        assert set(worker.confirmed) == set(chosen.layers)


def test_a_verdict_that_claims_fewer_layers_is_probed_again(cache, monkeypatch):
    target = verdict_path(monkeypatch, "auto")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        json.dump({"tier": "basic", "layers": [], "uid": None, "landlock": 0, "missing": {}}, f)
    chosen = isolation.current()
    assert set(chosen.layers) == offered(), chosen.description


def test_a_verdict_from_the_future_is_ignored(cache, monkeypatch):
    target = verdict_path(monkeypatch, "auto")
    honest = isolation.current()
    future = time.time() + 3600
    os.utime(target, (future, future))
    monkeypatch.setattr(isolation, "_current", None)
    probed = []
    real = isolation.choose
    monkeypatch.setattr(isolation, "choose", lambda mode=None: probed.append(mode) or real(mode))
    assert isolation.current().layers == honest.layers
    assert probed, "a verdict with an mtime in the future was believed"
