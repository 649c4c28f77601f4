"""grade similarity: planted copies among independently written correct solutions (docs/similarity.md).

The corpora are in tests/data/submissions/similarity/<assignment>/: ``honest/`` holds at least eight
correct solutions in genuinely different styles, ``planted/`` the disguised copies that
``plant.py`` made of five of them (planted.json: copy -> original).
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course.similarity import Document, Settings, analyse, normalised_tokens, tokenise
from grader.course.similarity_report import boilerplate_sources, section, side_by_side, similarity_csv
from grader.grading.wrong_answers import failure_signatures, output_digest
from grader.model.spec import load_spec
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "tests" / "data" / "submissions" / "similarity"
ASSIGNMENTS = ["02_activations", "04_backprop", "07_optimizers"]


def corpus(assignment: str) -> tuple[list[Document], list[str], dict[str, str]]:
    """(documents: honest then planted, the boilerplate, copy -> original student names)."""
    spec = load_spec(ROOT / "assignments" / assignment)
    folder = CORPORA / assignment
    docs = [tokenise(p.stem, read_submission(spec, p).sources) for p in sorted((folder / "honest").iterdir())]
    docs += [tokenise("copy_" + p.stem, read_submission(spec, p).sources) for p in sorted((folder / "planted").iterdir())]
    planted = json.loads((folder / "planted.json").read_text())
    pairs = {"copy_" + Path(copy).stem: Path(original).stem for copy, original in planted.items()}
    return docs, boilerplate_sources(spec), pairs


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_corpus_has_eight_styles_and_five_disguises(assignment):
    folder = CORPORA / assignment
    assert len(list((folder / "honest").iterdir())) >= 8
    planted = json.loads((folder / "planted.json").read_text())
    assert {Path(c).stem for c in planted} == {"verbatim", "renamed", "reordered", "recommented", "one_bug"}
    assert len(set(planted.values())) == 5                # each disguises a different original


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_planted_pair_ranks_above_every_honest_pair(assignment):
    docs, boilerplate, copies = corpus(assignment)
    analysis = analyse(docs, boilerplate, Settings(listed=0.0))
    names = [d.student for d in analysis.documents]
    family = {n: copies.get(n, n) for n in names}          # a copy belongs to its original's family
    scored = {frozenset((names[p.a], names[p.b])): p for p in analysis.pairs}
    planted = [scored.get(frozenset((c, o))) for c, o in copies.items()]
    assert all(p is not None for p in planted), "a planted pair shares no fingerprint at all"
    honest = [p for p in analysis.pairs if family[names[p.a]] != family[names[p.b]]]
    lowest_planted = min(p.suspicion for p in planted)
    highest_honest = max(p.suspicion for p in honest)
    assert lowest_planted > highest_honest, (lowest_planted, highest_honest)
    assert all(analysis.reported(p) for p in planted)
    assert not [p for p in honest if analysis.reported(p)]
    # the margin is wide, not a coin toss: the weakest copy scores far above the closest honest pair
    assert lowest_planted > 2 * highest_honest
    assert highest_honest < 0.6 * analysis.settings.threshold


def test_renaming_reflowing_and_comments_do_not_change_the_tokens():
    original = 'import numpy as np\n\n\ndef relu(x):\n    """Doc."""\n    out = np.maximum(x, 0)  # clip\n    return out\n'
    disguised = ("import numpy as np\n# my relu\ndef relu(inputs):\n    '''Another doc.'''\n"
                 "    result = np.maximum(\n        inputs,\n        0)\n    return result\n")
    assert [t.text for t in normalised_tokens(original)] == [t.text for t in normalised_tokens(disguised)]
    tokens = [t.text for t in normalised_tokens(original)]
    assert "maximum" in tokens and "out" not in tokens and "Doc." not in " ".join(tokens)


def test_what_students_cannot_rename_is_kept():
    tokens = [t.text for t in normalised_tokens("y = np.einsum('ij,jk->ik', a, b).T + len(self.lr)\n")]
    assert tokens == ["V", "=", "np", ".", "einsum", "(", "Sij,jk->ik", ",", "V", ",", "V", ")", ".", "T", "+",
                      "len", "(", "self", ".", "V", ")"]


def _doc(student: str, text: str, failures: dict[str, str] | None = None) -> Document:
    doc = tokenise(student, {"m": text})
    doc.failures = failures or {}
    return doc


def _function(name: str, body_lines: int, salt: int) -> str:
    """A function with a distinctive body: ``salt`` changes every constant."""
    lines = [f"def {name}(x):", "    y = x"]
    lines += [f"    y = y * {salt + i}.5 + np.sin(y) - {salt * 7 + i}" for i in range(body_lines)]
    return "\n".join(lines + ["    return y", ""])


def test_the_stub_and_course_files_never_count():
    stub = "import numpy as np\n\n" + _function("forward", 12, 1000)
    with_stub = [_doc(f"s{i}", stub + "\n" + _function("mine", 6, i)) for i in range(6)]
    others = [_doc(f"o{i}", _function("other", 12, 100 + 10 * i)) for i in range(14)]
    declared = analyse(with_stub + others, [stub], Settings(listed=0.0))
    assert not [p for p in declared.pairs if declared.reported(p)]
    with_stub = [_doc(f"s{i}", stub + "\n" + _function("mine", 6, i)) for i in range(6)]
    others = [_doc(f"o{i}", _function("other", 12, 100 + 10 * i)) for i in range(14)]
    undeclared = analyse(with_stub + others, [], Settings(listed=0.0))
    assert any(undeclared.reported(p) for p in undeclared.pairs)   # the same class, the stub not declared


def test_a_fingerprint_counts_less_the_more_students_share_it():
    shared_by_two = _function("rare", 10, 500)
    shared_by_all = _function("common", 10, 900)
    own = [_function("own", 10, 10 * i) for i in range(12)]
    docs = [_doc(f"s{i}", own[i] + shared_by_all + (shared_by_two if i < 2 else "")) for i in range(12)]
    docs += [_doc("t0", own[0].replace("own", "x") + shared_by_all), _doc("t1", own[1] + shared_by_all)]
    analysis = analyse(docs, [], Settings(listed=0.0))
    score = {frozenset((docs[p.a].student, docs[p.b].student)): p.text for p in analysis.pairs}
    rare_pair = score[frozenset(("s0", "s1"))]
    common_pair = score.get(frozenset(("s2", "s3")), 0.0)
    assert rare_pair > 0.3 and common_pair < 0.05, (rare_pair, common_pair)


def test_the_same_wrong_answer_raises_a_pair_and_is_shown():
    body = [_function("f", 8, 10 * i) for i in range(6)]
    half = _function("g", 8, 777)

    def scored(failures_a: dict, failures_b: dict):
        docs = [_doc("a", body[0] + half, failures_a), _doc("b", body[1] + half, failures_b)]
        docs += [_doc(f"e{i}", body[2 + i], {"t1": f"output:{i}"}) for i in range(4)]
        analysis = analyse(docs, [], Settings(listed=0.0))
        return next(p for p in analysis.pairs if {docs[p.a].student, docs[p.b].student} == {"a", "b"})

    same = {"t1": "output:abc", "t2": "mistake:flipped"}
    alike, unlike, passed = scored(same, dict(same)), scored(same, {"t1": "output:xyz"}), scored({}, {})
    assert alike.text == unlike.text == passed.text > 0
    assert alike.same_wrong == ["t1", "t2"] and alike.wrong == pytest.approx(1.0)
    assert unlike.same_wrong == [] and unlike.wrong == 0.0 and passed.wrong == 0.0
    assert alike.suspicion == pytest.approx(1.5 * passed.suspicion) and unlike.suspicion == passed.suspicion


def test_output_digest_tells_bytes_dtype_and_shape_apart():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert output_digest(a) == output_digest(a.copy()) == output_digest(np.asfortranarray(a))
    assert output_digest(a) != output_digest(a.astype(np.float32))
    assert output_digest(a) != output_digest(a.reshape(3, 2))
    assert output_digest((a, {"m": a})) != output_digest((a, {"v": a}))
    row = {"tests": [{"name": "x", "status": "failed", "mistake": "flip", "details": {}},
                     {"name": "y", "status": "failed", "mistake": None, "details": {"wrong_output": "d1"}},
                     {"name": "z", "status": "passed", "details": {"wrong_output": "d2"}}]}
    assert failure_signatures(row) == {"x": "mistake:flip", "y": "output:d1"}


def test_notebooks_and_zips_are_compared_on_their_code(tmp_path):
    spec = load_spec(ROOT / "assignments" / "02_activations")
    source = (CORPORA / "02_activations" / "honest" / "masks.py").read_text()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("My answers"), nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, tmp_path / "student.ipynb")
    with zipfile.ZipFile(tmp_path / "zipped.zip", "w") as z:
        z.writestr("zipped/activations.py", source.replace("mask", "m"))
    docs, _, _ = corpus("02_activations")
    for path in (tmp_path / "student.ipynb", tmp_path / "zipped.zip"):
        docs.append(tokenise(path.stem, read_submission(spec, path).sources))
    analysis = analyse(docs, boilerplate_sources(spec))
    names = [d.student for d in analysis.documents]
    reported = {frozenset((names[p.a], names[p.b])) for p in analysis.pairs if analysis.reported(p)}
    assert {frozenset(("masks", "student")), frozenset(("masks", "zipped")), frozenset(("student", "zipped"))} <= reported
    cluster = next(c for c in analysis.clusters if names.index("masks") in c)
    assert {names[i] for i in cluster} >= {"masks", "student", "zipped", "copy_renamed"}


def test_student_text_is_escaped_everywhere():
    evil = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>'
    code = f"# {evil}\n" + _function("f", 14, 3) + f"s = '{evil}'\n"
    docs = [_doc("<script>bad()</script>", code), _doc("=cmd|' /C calc'!A0", code), _doc("x", _function("g", 5, 9))]
    analysis = analyse(docs, [])
    pair = analysis.pairs[0]
    assert analysis.reported(pair)
    for page in (side_by_side(analysis, pair, 1), section(analysis, ["<b>left</b> out"])):
        assert "<script" not in page and "<img" not in page and "<b>left" not in page
        assert "evidence for a person to weigh, not a verdict" in page
    assert "&lt;script&gt;" in side_by_side(analysis, pair, 1) and "<mark>" in side_by_side(analysis, pair, 1)
    assert ",'=cmd|" in similarity_csv(analysis) and ",=cmd" not in similarity_csv(analysis)


def test_similarity_needs_a_batch_folder(tmp_path):
    result = CliRunner().invoke(main, ["similarity", str(tmp_path)])
    assert result.exit_code == 2 and "no results.jsonl" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- with the grader (slow)

def _styles(assignment: str) -> list[Path]:
    return sorted((CORPORA / assignment / "honest").iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_honest_style_gets_full_marks(assignment):
    from grader.grading.engine import Grader

    spec = load_spec(ROOT / "assignments" / assignment)
    grader = Grader(spec)
    for style in _styles(assignment):
        result = grader.grade(read_submission(spec, style), spec.select(None, include_hidden=True))
        failed = [(t.name, t.status, t.message[:200]) for t in result.tests if t.status != "passed"]
        assert not failed and result.score == result.max_score, (style.name, failed)


@pytest.mark.slow
def test_batch_with_similarity_end_to_end(tmp_path):
    """grade batch --similarity on a class of 02: the planted copies (one as a notebook, one in a
    zip) are reported first, two copies of a buggy file share their wrong answers, the student
    feedback says nothing about it, and grade similarity OUT rebuilds the same report."""
    folder = CORPORA / "02_activations"
    cls, out = tmp_path / "class", tmp_path / "out"
    cls.mkdir()
    for path in (folder / "honest").iterdir():
        shutil.copy(path, cls / path.name)
    for path in (folder / "planted").iterdir():
        shutil.copy(path, cls / f"copy_{path.name}")
    buggy = (folder / "planted" / "one_bug.py").read_text()
    shutil.copy(folder / "planted" / "one_bug.py", cls / "copy_one_bug_again.py")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell((folder / "honest" / "lambdas.py").read_text())]
    nbformat.write(nb, cls / "nb_copy.ipynb")
    with zipfile.ZipFile(cls / "zip_copy.zip", "w") as z:
        z.writestr("activations.py", (folder / "honest" / "loops.py").read_text().replace("value", "v"))
    result = CliRunner().invoke(main, ["batch", str(ROOT / "assignments" / "02_activations"), str(cls),
                                       "--out", str(out), "--jobs", "2", "--similarity"])
    assert result.exit_code == 0, result.output
    lines = (out / "similarity.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), ln.split(","))) for ln in lines[1:]]
    reported = [r for r in rows if r["reported"] == "yes"]
    copies = json.loads((folder / "planted.json").read_text())
    expected = {frozenset((f"copy_{Path(c).stem}", Path(o).stem)) for c, o in copies.items()}
    expected |= {frozenset(("nb_copy", "lambdas")), frozenset(("zip_copy", "loops"))}
    found = {frozenset((r["student_a"], r["student_b"])) for r in reported}
    assert expected <= found, expected - found
    honest = [r for r in reported if frozenset((r["student_a"], r["student_b"])) not in expected
              and not {r["student_a"], r["student_b"]} <= {"copy_one_bug", "copy_one_bug_again", "piecewise"}]
    assert not honest, honest
    again = next(r for r in rows if {r["student_a"], r["student_b"]} == {"copy_one_bug", "copy_one_bug_again"})
    assert "softmax" in again["same_wrong_answers"] and float(again["wrong_share"]) > 0.9
    page = (out / "report.html").read_text()
    assert page.count('<section id="similarity">') == 1 and "not a verdict" in page
    assert (out / "similarity" / "pair-0001.html").exists()
    assert oct((out / "similarity-data").stat().st_mode & 0o777) == "0o700"
    for feedback in (out / "feedback").iterdir():
        text = feedback.read_text().lower()
        assert "similar" not in text and "wrong_output" not in text, feedback.name
    before = (out / "similarity.csv").read_text()
    rerun = CliRunner().invoke(main, ["similarity", str(out)])
    assert rerun.exit_code == 0, rerun.output
    assert (out / "similarity.csv").read_text() == before
    assert (out / "report.html").read_text().count('<section id="similarity">') == 1
    kept = [json.loads(p.read_text())["sources"] for p in (out / "similarity-data" / "sources").iterdir()]
    assert {"activations": buggy} in kept                  # batch kept the sources as the grader read them
    assert re.search(r"\d+ submissions compared: \d+ pair\(s\) reported", rerun.output)


def test_fingerprints_are_the_same_in_every_process_and_copydetect_loads_without_its_report():
    import os
    import subprocess
    import sys

    code = ("import sys; from grader.course.similarity import Settings, fingerprint, tokenise\n"
            "doc = tokenise('a', {'m': open(sys.argv[1]).read()})\n"
            "import numpy as np; fingerprint(doc, Settings(), np.zeros(0, dtype=np.int64))\n"
            "print(sorted(doc.where)[:20], len(doc.where), 'matplotlib.pyplot' in sys.modules)")
    source = str(CORPORA / "07_optimizers" / "honest" / "classes.py")
    outputs = [subprocess.run([sys.executable, "-c", code, source], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outputs[0] == outputs[1] and outputs[0].strip().endswith("False"), outputs
