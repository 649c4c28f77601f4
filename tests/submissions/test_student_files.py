"""Opening a student's file without following links, both ways: relative to each folder's
descriptor (POSIX) and by name after an ``lstat`` of each component (Windows, which has neither
``dir_fd`` nor ``O_NOFOLLOW``; exercised here on Linux by switching the module's flag)."""
from __future__ import annotations

import os

import pytest

from grader.submissions import student_files
from grader.submissions.student_files import StudentFileError, read_student_file


@pytest.fixture(params=[True, False], ids=["relative-to-folder", "by-name"])
def opening(request, monkeypatch):
    monkeypatch.setattr(student_files, "_RELATIVE_OPEN", request.param)
    return request.param


def test_a_regular_file_is_read_up_to_its_limit(tmp_path, opening):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text("x = 1\n")
    assert read_student_file(tmp_path / "sub" / "a.py", 100, root=tmp_path) == b"x = 1\n"
    with pytest.raises(StudentFileError, match="a.py is 6 bytes; the limit is 5 bytes"):
        read_student_file(tmp_path / "sub" / "a.py", 5, root=tmp_path)


def test_a_link_is_refused_as_the_file_and_as_a_folder(tmp_path, opening):
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor only")
    root = tmp_path / "student"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.py").write_text("x = 1\n")
    os.symlink(secret, root / "a.py")
    os.symlink(root / "real", root / "linked")
    with pytest.raises(StudentFileError, match="a.py is a symbolic link, not a regular file"):
        read_student_file(root / "a.py", 100, root=root)
    with pytest.raises(StudentFileError, match="linked is a symbolic link, not a folder; linked/a.py was not read"):
        read_student_file(root / "linked" / "a.py", 100, root=root)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_named_never_opened(tmp_path, opening):
    os.mkfifo(tmp_path / "a.py")
    with pytest.raises(StudentFileError, match="a.py is a FIFO"):
        read_student_file(tmp_path / "a.py", 100, root=tmp_path)
