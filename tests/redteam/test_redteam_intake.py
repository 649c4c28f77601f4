"""Red team: hostile notebooks and archives, refused or defused before any worker starts.

The notebook with shell escapes goes through :meth:`Arena.attack`; the others must be refused by
the intake in the parent with a one-line reason, with nothing written anywhere and no worker
started.
"""
from __future__ import annotations

import stat
import zipfile

import pytest
from redteam_harness import SUBMISSIONS, assert_unchanged, messages, snapshot, statuses

from grader.submissions.intake import IntakeError, read_submission
from grader.submissions.notebook import MAX_NOTEBOOK_BYTES

CORRECT = (SUBMISSIONS / "honest.py").read_text()


def test_shell_escapes_and_magics_in_a_notebook_never_run(arena, places):
    result = arena.attack("notebook_magics.ipynb", tests=["predict_small", "predict_random"])
    assert set(statuses(result).values()) == {"passed"}, messages(result)
    assert (places.canary / "victim").exists()


def refused(arena, path, *needles: str) -> None:
    """Reading ``path`` fails with every needle in its one-line reason; nothing changed or started."""
    before = snapshot(arena.places)
    arena.workers.clear()
    with pytest.raises(IntakeError) as caught:
        read_submission(arena.spec, path)
    message = str(caught.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    assert arena.workers == []
    assert_unchanged(before, snapshot(arena.places))


def test_a_huge_notebook_is_refused_before_parsing(arena, tmp_path):
    path = tmp_path / "huge.ipynb"
    with open(path, "w") as f:
        f.write('{"cells": [], "nbformat": 4, "junk": "')
        f.write("x" * (MAX_NOTEBOOK_BYTES + 1))
        f.write('"}')
    refused(arena, path, "huge.ipynb", "limit")


def test_a_deeply_nested_notebook_is_refused(arena, tmp_path):
    path = tmp_path / "deep.ipynb"
    depth = 100_000
    path.write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ' + "[" * depth + "]" * depth + "}")
    refused(arena, path, "deep.ipynb", "nested too deeply")


def _zip(path, members: list[tuple[str, str, int]]):
    """A zip of (name, text, unix mode) members."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, text, mode in members:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, text)
    return path


@pytest.mark.parametrize("member, mode", [
    ("../../dlgrade_redteam_escape.py", stat.S_IFREG | 0o644),
    ("/tmp/dlgrade_redteam_escape.py", stat.S_IFREG | 0o644),
    ("perceptron_link.py", stat.S_IFLNK | 0o777),
], ids=["dotdot", "absolute", "symlink"])
def test_a_zip_that_reaches_outside_is_refused(arena, places, tmp_path, member, mode):
    target = "/etc/passwd" if stat.S_ISLNK(mode) else "print('escaped')\n"
    path = _zip(tmp_path / f"{member.strip('/.').replace('/', '_')}.zip",
                [("perceptron.py", CORRECT, stat.S_IFREG | 0o644), (member, target, mode)])
    refused(arena, path, path.name)
    assert not list(tmp_path.parent.rglob("dlgrade_redteam_escape.py"))
