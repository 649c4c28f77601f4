"""Every bundle's notebook runs top to bottom in a fresh kernel with only the bundle's files.

The notebook holds the stubs, and its ``check(...)`` cells report a stub's ``NotImplementedError``
as a failed test rather than raising it, so a stub notebook runs through even when a cell is
wrong in a way that only shows once there is code. The test therefore runs each notebook as a
student who has finished it: each function cell holds the correct solution
(``tests/data/submissions/<id>/``), the solution's modules stand in for the stub files (the
README's examples import them), and a module from an earlier assignment is the student's own copy,
as the README asks. Appended after the notebook's own cells: the README's ``python`` examples
that start with an import (whole examples, which load the assignment's data files, such as 05's
``image.npy``; the other blocks are fragments), and a final ``check()`` that
must give every test in the bundle a pass. A missing file, a cell that does not run, or a bundle
that grades a correct solution wrongly fails the test. Allowing ``NotImplementedError`` in a stub
notebook instead would let any cell that raises it hide a broken one.
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.course.release import release_assignment
from grader.model.spec import load_spec

nbclient = pytest.importorskip("nbclient", reason="running notebooks needs nbclient (the test extra)")
pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel (the test extra)")

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.parent for p in (ROOT / "assignments").glob("*/assignment.yaml"))
SOLUTIONS = ROOT / "tests" / "data" / "submissions"
CELL_SECONDS = 600
FINAL_CHECK = """\
_report = check()
_wrong = [(t.name, t.status, t.message) for t in _report.result.tests if t.status != "passed"]
assert _report.result.tests and not _wrong, _wrong
"""


def _solution_sources(assignment_id: str, modules: list[str]) -> dict[str, str]:
    """module -> the correct solution's source, for the assignment's files and any earlier module
    in its ``correct/`` folder (``correct.py`` is the first file, ``correct_<x>.py`` the file
    ``<first>_<x>.py``)."""
    folder = SOLUTIONS / assignment_id
    if (folder / "correct").is_dir():
        return {p.stem: p.read_text() for p in sorted((folder / "correct").glob("*.py"))}
    sources = {modules[0]: (folder / "correct.py").read_text()}
    for extra in sorted(folder.glob("correct_*.py")):
        sources[f"{modules[0]}_{extra.stem.removeprefix('correct_')}"] = extra.read_text()
    return sources


def _definitions(source: str) -> dict[str, str]:
    """name -> the text of each top-level function of ``source``, decorators included."""
    tree = ast.parse(source)
    lines = source.splitlines()
    return {node.name: "\n".join(lines[min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1:
                                       node.end_lineno])
            for node in tree.body if isinstance(node, ast.FunctionDef)}


def _finished(notebook, solutions: dict[str, str], modules: list[str]) -> None:
    """Fill ``notebook``'s function cells with the solutions, after a cell of each whole solution
    module (its imports and private helpers)."""
    several = len(modules) > 1
    functions = {module: _definitions(solutions[module]) for module in modules}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        marker = re.match(r"# file: (\w+)\.py\n", cell.source)
        module = marker.group(1) if marker else modules[0]
        body = cell.source[marker.end():] if marker else cell.source
        try:
            defined = [n.name for n in ast.parse(body).body if isinstance(n, ast.FunctionDef)]
        except SyntaxError:
            continue
        if len(defined) == 1 and defined[0] in functions.get(module, {}):
            cell.source = (marker.group(0) if marker else "") + functions[module][defined[0]]
    wholes = [nbformat.v4.new_code_cell((f"# file: {m}.py\n" if several else "") + solutions[m]) for m in modules]
    notebook.cells[2:2] = wholes                        # after the README's opening and the check import


def _readme_examples(readme: str) -> list[str]:
    """The README's ``python`` blocks that are whole examples (they start with an import); the
    others are fragments of a formula or a loop (``next_w, config = adam(w, dw, config)``)."""
    blocks = re.findall(r"^```python\n(.*?)^```", readme, re.S | re.M)
    return [code for code in blocks if code.lstrip().startswith(("import ", "from "))]


@pytest.mark.slow
@pytest.mark.parametrize("folder", ASSIGNMENTS, ids=lambda p: p.name)
def test_a_bundles_notebook_runs_top_to_bottom_with_a_finished_solution(folder, tmp_path):
    spec = load_spec(folder)
    bundle = release_assignment(folder, tmp_path / "release")[0]
    work = tmp_path / "work"
    shutil.copytree(bundle, work)                       # the bundle's files and nothing else
    solutions = _solution_sources(spec.id, list(spec.modules))
    for module, source in solutions.items():
        if module in spec.modules or module in {p.module for p in spec.provides}:
            (work / f"{module}.py").write_text(source)
    notebook = nbformat.read(work / f"{spec.id}.ipynb", as_version=4)
    assert notebook.cells[1].source.startswith("from grader import check")
    _finished(notebook, solutions, list(spec.modules))
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in _readme_examples((work / "README.md").read_text())]
    notebook.cells.append(nbformat.v4.new_code_cell(FINAL_CHECK))
    client = nbclient.NotebookClient(notebook, timeout=CELL_SECONDS, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()                                    # raises CellExecutionError on a failing cell


def test_the_convolution_readme_example_loads_the_shipped_image():
    """The example code that the notebook test runs is there: otherwise it would check less."""
    examples = _readme_examples((ROOT / "assignments" / "05_convolution" / "README.md").read_text())
    assert any('np.load("image.npy")' in code for code in examples)
