"""The isolation verdict is probed once and remembered (a probe starts a throw-away process),
and forgotten when a worker cannot set up the layers it promised."""
from __future__ import annotations

import glob
import json
import os
import stat
import sys

import pytest

from grader.sandbox import isolation
from grader.sandbox import remembered as verdict_file


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
    auto = isolation.current()
    monkeypatch.setattr(isolation, "_current", None)
    monkeypatch.setenv(isolation.ENV_VAR, "basic")
    assert isolation.current().tier in ("basic", "local check, not isolated")
    assert len(remembered(fresh)) == (1 if sys.platform.startswith("linux") else 0)   # basic keeps none
    monkeypatch.setattr(isolation, "_current", None)
    monkeypatch.setenv(isolation.ENV_VAR, "auto")
    assert isolation.current().layers == auto.layers


def test_forget_makes_the_next_call_probe(fresh, monkeypatch):
    isolation.current()
    isolation.forget()
    assert remembered(fresh) == [] and isolation._current is None
    probed = []
    real = isolation.choose
    monkeypatch.setattr(isolation, "choose", lambda mode=None: probed.append(1) or real(mode))
    isolation.current()
    assert probed == [1]


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux remembers a verdict")


@linux_only
def test_a_verdict_is_private_and_sealed(fresh):
    isolation.current()
    [path] = remembered(fresh)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    saved = json.load(open(path))
    assert "tier" not in saved and saved["seal"] and saved["format"] == verdict_file.VERDICT_FORMAT


@linux_only
@pytest.mark.parametrize("forgery", ["seal", "mode", "link"])
def test_a_verdict_not_written_by_the_grader_is_ignored(fresh, monkeypatch, forgery):
    isolation.current()
    [path] = remembered(fresh)
    if forgery == "seal":                   # rewritten without the key: every field but the seal right
        saved = json.load(open(path))
        saved["written"] += 1
        open(path, "w").write(json.dumps(saved))
    elif forgery == "mode":                 # anyone could have written it
        os.chmod(path, 0o666)
    else:                                   # a link to a file someone else controls
        os.rename(path, path + ".real")
        os.symlink(path + ".real", path)
    monkeypatch.setattr(isolation, "_current", None)
    assert verdict_file.load(isolation._mode()) is None


def test_the_tier_is_derived_from_the_layers(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert isolation.Isolation(("seccomp",)).tier == "partial"
    assert isolation.Isolation().tier == "basic"
    assert isolation.Isolation(tuple(isolation.strong_layers())).tier == "strong"
    assert isolation.Isolation(("seccomp",)).description.startswith("partial: ")
