"""Safe unpacking of students' zips: good archives open, every escape or bomb is refused whole."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from grader.model.spec import load_spec
from grader.submissions.archive import ArchiveError, extract
from grader.submissions.intake import IntakeError, read_submission

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_spec(ROOT / "assignments" / "01_perceptron")
CORRECT = (ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "correct.py").read_text()


def make_zip(path: Path, members: dict[str, bytes | zipfile.ZipInfo], **kw) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kw) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def link_member(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def test_a_plain_zip_unpacks_with_its_folders(tmp_path):
    archive = make_zip(tmp_path / "s.zip", {"work/perceptron.py": b"x = 1\n", "work/notes/a.txt": b"hi",
                                            "__MACOSX/work/._perceptron.py": b"junk"})
    dest = tmp_path / "out"
    dest.mkdir()
    written = extract(archive, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in written) == ["work/notes/a.txt", "work/perceptron.py"]
    assert (dest / "work" / "perceptron.py").read_text() == "x = 1\n"
    assert not (dest / "__MACOSX").exists()


@pytest.mark.parametrize("name, needle", [
    ("../evil.py", "points outside"),
    ("a/../../evil.py", "points outside"),
    ("/etc/evil.py", "absolute path"),
    ("C:/evil.py", "absolute path"),
    ("..\\evil.py", "points outside"),
])
def test_paths_that_escape_are_refused_and_nothing_is_written(tmp_path, name, needle):
    archive = make_zip(tmp_path / "s.zip", {"perceptron.py": b"ok", name: b"evil"})
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError, match=needle):
        extract(archive, dest)
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "evil.py").exists()


def test_links_are_refused(tmp_path):
    info, data = link_member("perceptron.py", "/etc/passwd")
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as archive:
        archive.writestr(info, data)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError, match="symbolic link"):
        extract(tmp_path / "s.zip", dest)
    assert not (dest / "perceptron.py").exists()


def test_too_many_files_too_large_and_bombs_are_refused(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    many = make_zip(tmp_path / "many.zip", {f"f{i}.py": b"" for i in range(6)})
    with pytest.raises(ArchiveError, match="more than 5 files"):
        extract(many, dest, max_files=5)
    large = make_zip(tmp_path / "large.zip", {"a.bin": bytes(range(256)) * 4096})     # 1 MiB, incompressible-ish
    with pytest.raises(ArchiveError, match="MiB when unpacked"):
        extract(large, dest, max_bytes=512 * 1024)
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.py": b"\0" * (8 << 20)})           # 8 MiB -> ~8 KiB
    with pytest.raises(ArchiveError, match="compression bomb"):
        extract(bomb, dest)
    assert list(dest.iterdir()) == []


def test_a_name_twice_and_a_broken_file_are_refused(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    with zipfile.ZipFile(tmp_path / "twice.zip", "w") as archive:
        archive.writestr("perceptron.py", "a")
        with pytest.warns(UserWarning):
            archive.writestr("perceptron.py", "b")
    with pytest.raises(ArchiveError, match="appears twice"):
        extract(tmp_path / "twice.zip", dest)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ArchiveError, match="not a valid zip"):
        extract(tmp_path / "broken.zip", dest)


def test_a_header_that_understates_the_size_is_refused(tmp_path):
    archive = make_zip(tmp_path / "s.zip", {"perceptron.py": b"x" * 5000})
    data = bytearray(archive.read_bytes())
    # Patch the central directory's uncompressed size (offset 24 in the entry) down to 100 bytes.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError, match="Bad CRC"):
        extract(archive, dest)
    assert all(p.stat().st_size <= 100 for p in dest.rglob("*") if p.is_file())     # never past the header


def test_read_submission_grades_a_zip_as_the_folder_inside(tmp_path):
    archive = make_zip(tmp_path / "alice.zip", {"alice/perceptron.py": CORRECT.encode()})
    submission = read_submission(SPEC, archive)
    assert submission.sources == {"perceptron": CORRECT}
    assert submission.origin == str(archive)


def test_read_submission_explains_a_refused_zip_in_one_line(tmp_path):
    archive = make_zip(tmp_path / "bob.zip", {"../perceptron.py": CORRECT.encode()})
    with pytest.raises(IntakeError) as caught:
        read_submission(SPEC, archive)
    assert str(caught.value).startswith("bob.zip: ") and "\n" not in str(caught.value)
    inner = make_zip(tmp_path / "inner.zip", {"perceptron.py": CORRECT.encode()})
    outer = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})
    with pytest.raises(IntakeError, match="only another zip"):
        read_submission(SPEC, outer)
