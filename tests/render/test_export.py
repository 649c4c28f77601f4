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
