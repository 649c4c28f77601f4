"""``grade export``: a batch's results.jsonl into Canvas's and Moodle's gradebook import CSVs."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.render.export import ExportError, export


def write_results(out: Path, rows: list[dict]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"title": "Perceptron learning", "assignment": "01_perceptron", "max_score": 20.0,
                         "status": "graded", **row}) for row in rows]
    (out / "results.jsonl").write_text("\n".join(lines) + "\n{\"student\": \"trunc")   # a damaged last line
    return out


RESULTS = [
    {"student": "1001", "name": "doejane", "score": 18.0},              # Canvas user id
    {"student": "S-2002", "name": "", "score": 12.5},                   # SIS user id
    {"student": "999", "name": "nobodyhere", "score": 3.0},             # matches no one
    {"student": "g1", "name": "Ann Lee & Bo Ma", "members": ["bo@uni.edu"], "score": 20.0},
]

CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Perceptron (55)
    Points Possible,,,,,20
"Doe, Jane",1001,S-1001,jdoe,A,
"Roe, Rick",1002,S-2002,rroe,A,
"Lee, Ann",1003,g1,alee,B,
"Ma, Bo",1004,S-1004,bo@uni.edu,B,
"Zed, Zoe",1005,S-1005,zzed,B,
"""

MOODLE_ROSTER = """First name,Last name,ID number,Institution,Department,Email address
Jane,Doe,1001,U,CS,jane@uni.edu
Rick,Roe,S-2002,U,CS,rick@uni.edu
Bo,Ma,7,U,CS,bo@uni.edu
"""


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_canvas_export_matches_by_any_id_and_reports_both_sides(tmp_path):
    out = write_results(tmp_path / "out", RESULTS)
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER)
    done = export(out, "canvas", tmp_path / "roster.csv", column="Perceptron (55)")
    rows = {r["Student"]: r for r in rows_of(done.text)}
    assert rows["Points Possible"]["Perceptron (55)"] == "20"
    assert rows["Doe, Jane"]["Perceptron (55)"] == "18"
    assert rows["Roe, Rick"]["Perceptron (55)"] == "12.5"
    assert rows["Lee, Ann"]["Perceptron (55)"] == "20" and rows["Ma, Bo"]["Perceptron (55)"] == "20"   # a group
    assert rows["Zed, Zoe"]["Perceptron (55)"] == ""
    assert done.unmatched_results == ["999 (nobodyhere)"]
    assert done.missing == ["Zed, Zoe"]
    assert list(rows_of(done.text)[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def test_moodle_export_matches_by_id_number_email_and_name(tmp_path):
    results = [{"student": "555", "name": "Jane Doe", "score": 7.0},      # Moodle participant id + name
               {"student": "S-2002", "name": "", "score": 9.0},
               {"student": "bo@uni.edu", "name": "", "score": 20.0}]
    out = write_results(tmp_path / "out", results)
    (tmp_path / "roster.csv").write_text(MOODLE_ROSTER)
    done = export(out, "moodle", tmp_path / "roster.csv", scale=100)
    rows = {r["ID number"]: r for r in rows_of(done.text)}
    assert rows["1001"]["Perceptron learning"] == "35"
    assert rows["S-2002"]["Perceptron learning"] == "45"
    assert rows["7"]["Email address"] == "bo@uni.edu" and rows["7"]["Perceptron learning"] == "100"
    assert done.unmatched_results == [] and done.missing == []


def test_formula_cells_are_neutralised(tmp_path):
    out = write_results(tmp_path / "out", [{"student": "1001", "name": "", "score": 1.0}])
    (tmp_path / "roster.csv").write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"=HYPERLINK(""x"")",1001,,,@s\n')
    text = export(out, "canvas", tmp_path / "roster.csv").text
    assert "'=HYPERLINK" in text and "'@s" in text


def test_bad_inputs_are_one_line_errors(tmp_path):
    (tmp_path / "roster.csv").write_text("Name,Score\nx,1\n")
    with pytest.raises(ExportError, match="results.jsonl: no such file"):
        export(tmp_path, "canvas", tmp_path / "roster.csv")
    out = write_results(tmp_path / "out", RESULTS)
    result = CliRunner().invoke(main, ["export", str(out), "--to", "canvas", "--roster", str(tmp_path / "roster.csv")])
    assert result.exit_code == 2 and "none of the columns" in result.output and "Traceback" not in result.output


def test_cli_writes_the_file_and_lists_the_unmatched(tmp_path):
    out = write_results(tmp_path / "out", RESULTS)
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER)
    result = CliRunner().invoke(main, ["export", str(out), "--to", "canvas", "--roster", str(tmp_path / "roster.csv")])
    assert result.exit_code == 0, result.output
    assert (out / "canvas-import.csv").is_file()
    assert "999 (nobodyhere)" in result.output and "Zed, Zoe" in result.output


# A grading worksheet exactly as Moodle's assignment exports it ("Download grading worksheet"):
# "Participant <id>" identifies the row, with the same id as the submission folders' names.
MOODLE_WORKSHEET = (
    '\ufeff"Identifier","Full name","Email address","Status","Grade","Maximum Grade","Grade can be changed",'
    '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
    '"Participant 4567","Jane Doe",jane@uni.edu,"Submitted for grading - Not graded",,100.00,Yes,'
    '"Monday, 1 December 2026, 10:15 AM",-,\n'
    '"Participant 4568","Bob Roe",bob@uni.edu,"Submitted for grading - Not graded",,100.00,Yes,'
    '"Monday, 1 December 2026, 11:02 AM",-,"Seen in the lab: well done"\n'
    '"Participant 4569","Zoe Zed",zoe@uni.edu,"No submission - Not graded",,100.00,Yes,-,-,\n'
)


def moodle_batch(tmp_path: Path) -> Path:
    """A batch's results for a Moodle "Download all submissions" folder, its students found by
    :func:`collect` from the folder names, as ``grade batch`` finds them."""
    from grader.submissions.collect import collect

    downloads = tmp_path / "submissions"
    for folder in ("Jane Doe_4567_assignsubmission_file_", "Bob Roe_4568_assignsubmission_file_"):
        (downloads / folder).mkdir(parents=True)
        (downloads / folder / "perceptron.py").write_text("x = 1\n")
    entries = collect(downloads).entries
    assert [(e.student, e.name) for e in entries] == [("4567", "Jane Doe"), ("4568", "Bob Roe")]
    scores = {"4567": 18.0, "4568": 10.0}
    tests = [{"name": "t1", "status": "passed"}, {"name": "t2", "status": "failed"}]
    return write_results(tmp_path / "out", [{"student": e.student, "name": e.name, "score": scores[e.student],
                                              "tests": tests} for e in entries])


def test_moodle_grading_worksheet_gets_its_grades_by_participant_id(tmp_path):
    out = moodle_batch(tmp_path)
    (tmp_path / "worksheet.csv").write_text(MOODLE_WORKSHEET, encoding="utf-8")
    done = export(out, "moodle", tmp_path / "worksheet.csv")
    rows = {r["Identifier"]: r for r in rows_of(done.text)}
    assert list(rows_of(done.text)[0]) == ["Identifier", "Full name", "Email address", "Status", "Grade",
                                           "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                                           "Last modified (grade)", "Feedback comments"]
    assert rows["Participant 4567"]["Grade"] == "90"          # 18 of 20, on the worksheet's 100
    assert rows["Participant 4568"]["Grade"] == "50"
    assert rows["Participant 4569"]["Grade"] == ""
    assert rows["Participant 4567"]["Feedback comments"] == "Graded by dlgrade: 18/20 (1 of 2 tests passed)."
    assert rows["Participant 4568"]["Feedback comments"] == "Seen in the lab: well done"   # a TA's own, kept
    assert rows["Participant 4567"]["Last modified (submission)"] == "Monday, 1 December 2026, 10:15 AM"
    assert (done.matched, done.unmatched_results, done.missing) == (2, [], ["Zoe Zed"])


def test_an_export_that_matches_nobody_exits_1_with_one_line(tmp_path):
    out = write_results(tmp_path / "out", [{"student": "1", "name": "", "score": 3.0}])
    (tmp_path / "worksheet.csv").write_text(MOODLE_WORKSHEET, encoding="utf-8")
    run = CliRunner().invoke(main, ["export", str(out), "--to", "moodle", "--roster", str(tmp_path / "worksheet.csv")])
    assert run.exit_code == 1, run.output
    assert len(run.output.strip().splitlines()) == 1 and "matches no one" in run.output, run.output
    assert not (out / "moodle-import.csv").exists()
