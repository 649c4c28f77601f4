"""Finding a class's submissions: every layout gives the right student and files; nothing is
dropped without being reported."""
from __future__ import annotations

from pathlib import Path

from grader.submissions.collect import collect, submission_target


def write(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def by_student(root: Path) -> dict:
    return {e.student: e for e in collect(root).entries}


def test_folders_and_loose_files(tmp_path):
    write(tmp_path / "alice" / "perceptron.py")
    write(tmp_path / "alice" / "sub" / "notes.txt")
    write(tmp_path / "bob.py")
    write(tmp_path / "carl.ipynb", "{}")
    write(tmp_path / "dora.zip", "PK")
    write(tmp_path / ".DS_Store")
    found = collect(tmp_path)
    entries = {e.student: e for e in found.entries}
    assert [e.student for e in found.entries] == ["alice", "bob", "carl", "dora"]
    assert entries["alice"].layout == "folder" and entries["alice"].folder == tmp_path / "alice"
    assert sorted(entries["alice"].files) == ["perceptron.py", "sub/notes.txt"]
    assert entries["bob"].layout == "file" and entries["bob"].files == {"bob.py": tmp_path / "bob.py"}
    assert found.skipped == []


def test_canvas_groups_a_students_files_and_drops_resubmission_suffixes(tmp_path):
    write(tmp_path / "doejane_1234_5678_perceptron-2.py")
    write(tmp_path / "doejane_1234_5679_helpers.py")
    write(tmp_path / "roebob_LATE_4321_8765_perceptron.py")
    entries = by_student(tmp_path)
    assert set(entries) == {"1234", "4321"}
    jane = entries["1234"]
    assert jane.layout == "canvas" and jane.name == "doejane"
    assert sorted(jane.files) == ["helpers.py", "perceptron.py"]
    assert jane.files["perceptron.py"].name == "doejane_1234_5678_perceptron-2.py"
    assert entries["4321"].files == {"perceptron.py": tmp_path / "roebob_LATE_4321_8765_perceptron.py"}


def test_moodle_folders_flat_files_and_online_text(tmp_path):
    write(tmp_path / "Jane Doe_101_assignsubmission_file_" / "perceptron.py")
    write(tmp_path / "Jane Doe_101_assignsubmission_onlinetext_" / "onlinetext.html", "<p>hi</p>")
    write(tmp_path / "Bob Roe_202_assignsubmission_file_perceptron.py")
    found = collect(tmp_path)
    entries = {e.student: e for e in found.entries}
    assert set(entries) == {"101", "202"}
    assert entries["101"].name == "Jane Doe" and list(entries["101"].files) == ["perceptron.py"]
    assert entries["202"].layout == "moodle" and list(entries["202"].files) == ["perceptron.py"]
    assert any("onlinetext" in s and "not graded" in s for s in found.skipped)


def test_gradescope_export_ids_groups_and_unlisted_folders(tmp_path):
    export = tmp_path / "assignment_77_export"
    write(export / "submission_1" / "perceptron.py")
    write(export / "submission_2" / "work" / "perceptron.py")
    write(export / "submission_3" / "perceptron.py")
    write(export / "submission_9" / "perceptron.py")         # not in the metadata
    write(export / "submission_metadata.yml", """\
submission_1:
  :submitters:
  - :name: Solo Student
    :sid: '100'
    :email: solo@example.edu
  :created_at: 2024-01-01 10:00:00 -0800
submission_2:
  :submitters:
  - :name: Pair One
    :sid: '200'
  - :name: Pair Two
    :email: two@example.edu
submission_3:
  :submitters:
  - :name: No Id
    :email: noid@example.edu
""")
    found = collect(tmp_path)
    entries = {e.student: e for e in found.entries}
    assert set(entries) == {"100", "200", "noid@example.edu"}
    assert entries["200"].members == ("two@example.edu",) and entries["200"].name == "Pair One & Pair Two"
    assert entries["200"].files == {"work/perceptron.py": export / "submission_2" / "work" / "perceptron.py"}
    assert entries["100"].source == "assignment_77_export/submission_1/"
    assert any("submission_9" in s and "not listed" in s for s in found.skipped)


def test_export_folders_mix_with_student_folders(tmp_path):
    write(tmp_path / "canvas" / "doejane_1_2_perceptron.py")
    write(tmp_path / "canvas" / "roebob_3_4_perceptron.py")
    write(tmp_path / "alice" / "perceptron.py")
    entries = by_student(tmp_path)
    assert set(entries) == {"1", "3", "alice"}
    assert entries["1"].source == "canvas/doejane_1_2_perceptron.py"


def test_strays_and_clashes_are_reported_not_graded(tmp_path):
    write(tmp_path / "notes.txt")
    write(tmp_path / "alice.py")
    write(tmp_path / "alice" / "perceptron.py")
    write(tmp_path / "bob.py")
    found = collect(tmp_path)
    assert [e.student for e in found.entries] == ["bob"]
    assert any(s.startswith("notes.txt: not a submission") for s in found.skipped)
    assert any("alice" in s and "claim student alice" in s for s in found.skipped)


def test_checksum_follows_names_and_bytes(tmp_path):
    write(tmp_path / "a" / "perceptron.py", "x = 1\n")
    first = by_student(tmp_path)["a"].checksum()
    assert by_student(tmp_path)["a"].checksum() == first
    write(tmp_path / "a" / "perceptron.py", "x = 2\n")
    changed = by_student(tmp_path)["a"].checksum()
    (tmp_path / "a" / "perceptron.py").rename(tmp_path / "a" / "other.py")
    write(tmp_path / "a" / "other.py", "x = 2\n")
    renamed = by_student(tmp_path)["a"].checksum()
    assert len({first, changed, renamed}) == 3 and first.startswith("sha256:")


def test_submission_target_picks_what_to_grade(tmp_path):
    files = ("perceptron.py",)
    write(tmp_path / "a" / "deep" / "perceptron.py")
    assert submission_target(tmp_path / "a", files) == tmp_path / "a"
    write(tmp_path / "b" / "mine.ipynb", "{}")
    assert submission_target(tmp_path / "b", files) == tmp_path / "b" / "mine.ipynb"
    write(tmp_path / "c" / "my_perceptron.py")
    assert submission_target(tmp_path / "c", files) == tmp_path / "c" / "my_perceptron.py"
    assert submission_target(tmp_path / "c", ("layers.py", "model.py")) == tmp_path / "c"
    (tmp_path / "d").mkdir()
    assert submission_target(tmp_path / "d", files) == tmp_path / "d"


def test_symbolic_links_are_never_followed(tmp_path):
    secret = write(tmp_path / "outside" / "secret.txt", "the instructor's")
    write(tmp_path / "class" / "alice" / "perceptron.py")
    (tmp_path / "class" / "alice" / "data.txt").symlink_to(secret)
    (tmp_path / "class" / "bob.py").symlink_to(secret)
    found = collect(tmp_path / "class")
    assert [e.student for e in found.entries] == ["alice"]
    alice = found.entries[0]
    assert list(alice.files) == ["perceptron.py"] and alice.folder is None      # copied, not read in place
    assert sorted(found.skipped) == ["alice/data.txt: a symbolic link; not part of the submission",
                                     "bob.py: a symbolic link; not a submission"]
