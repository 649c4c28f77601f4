"""``grade release``: build what students get, one folder per assignment, with no solution in it.

``DIR/<id>/`` holds:

* ``README.md``: the assignment's text, and how to check one's work in this bundle;
* the stub file(s) and the shipped (not private) helper modules;
* ``<id>.ipynb``: a notebook made from the README and the stubs: a markdown cell per section, a code
  cell per function (after the section that introduces it), and after each one a cell that checks it
  (:func:`build_notebook`);
* ``assignment.yaml``: the public tests that can run here, with ``fixtures: fixtures.npz``;
* ``fixtures.npz`` and ``fixtures.json``: those tests' inputs, the reference's answers, the answers of
  the catalogued mistakes where they differ, and the reference's cost relative to the calibration
  workload (format: :mod:`grader.grading.fixtures`).

Never the references, the hidden tests (names, inputs or data), private helpers, or the
instructor's secret (public inputs do not depend on it, so release never reads it). A public
property test (its check is a reference function) or one that needs a private helper cannot run
in a bundle: it is left out, and the README lists it as checked when the work is graded.

The answers are recorded by :func:`grader.grading.recording.record_fixtures`.
"""
from __future__ import annotations

import ast
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..grading.engine import Grader
from ..grading.recording import ReleaseError, record_fixtures
from ..grading.references import References
from ..model.spec import Spec, Test, load_spec
from ..submissions.submission import Submission
from .solutions import default_solution, solution_sources

FIXTURES = "fixtures.npz"
# --------------------------------------------------------------------------- what ships

def _private_modules(spec: Spec) -> set[str]:
    return {m for m, h in spec.helpers.items() if h.private} | {p.module for p in spec.provides}


def _named(value: Any, form: str) -> set[str]:
    """What the value forms ``form`` inside a value spec name: the modules of ``{function:
    module.name}``, or the data entries of ``{from: name.key}``."""
    if isinstance(value, dict):
        found = {value[form].split(".")[0]} if isinstance(value.get(form), str) else set()
        return found.union(*(_named(v, form) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_named(v, form) for v in value))
    return set()


def runs_in_bundle(spec: Spec, test: Test) -> bool:
    """A public test that a bundle can run: needing nothing private, and if it is a property test,
    with its check in a shipped helper module."""
    if test.visibility != "public":
        return False
    if test.kind == "property" and (test.property[0] not in spec.helpers or spec.helpers[test.property[0]].private):
        return False
    values = [*(test.inputs.values() if isinstance(test.inputs, dict) else ()), *test.kwargs.values(),
              *test.per_step.values()]
    return not ({test.module} | _named(values, "function")) & _private_modules(spec)


def bundle_spec(raw: dict, spec: Spec, kept: list[Test]) -> dict:
    """The bundle's assignment.yaml: the kept tests as written, the data they use, the shipped
    helpers, the other settings as they are, no references.

    A module ``provided`` from an earlier assignment becomes one more student file: the course's
    version does not ship, so the student's own (from the earlier assignment) is used.
    """
    names = {t.name for t in kept}
    tests = [dict(t) for t in raw["tests"] if t["name"] in names]
    files = list(raw["files"]) + [f"{p.module}.py" for p in spec.provides]
    if len(files) > 1:                              # several files: functions as module.function
        for t, test in zip(tests, kept):
            t["function"] = f"{test.module}.{test.function}"
    todo = [t["inputs"] for t in tests if isinstance(t.get("inputs"), str)]     # a data set's name
    todo += sorted(_named([[t.get(k, {}) for k in ("inputs", "kwargs", "per_step")] for t in tests], "from"))
    used: set[str] = set()
    while todo:                                     # data copying other data, transitively
        name = todo.pop()
        if name not in used:
            used.add(name)
            todo += sorted(_named(raw["data"][name], "from"))
    private = _private_modules(spec)
    helpers = [h for h in raw.get("helpers") or [] if Path(h if isinstance(h, str) else h["file"]).stem not in private]
    rewritten = ("id", "title", "files", "references", "provides", "helpers", "data", "tests")
    bundle = {"id": raw["id"], "title": raw["title"], "files": files,     # and limits, forbid...
              **{key: value for key, value in raw.items() if key not in rewritten}}
    if helpers:
        bundle["helpers"] = helpers
    if used:
        bundle["data"] = {name: value for name, value in raw["data"].items() if name in used}
    bundle["fixtures"] = FIXTURES
    bundle["tests"] = tests
    return bundle


def install_command(wheel: Path | None = None, index_url: str | None = None) -> str | None:
    """The command that installs the grader for a bundle: its wheel, else the course's index."""
    if wheel is not None:
        return f"pip install {wheel.name}"
    if index_url is not None:
        from importlib.metadata import version

        return f"pip install --index-url {index_url} dlgrade=={version('dlgrade')}"
    return None


def _bundle_readme(spec: Spec, readme: str, kept: list[Test], later: list[Test], install: str | None = None) -> str:
    notebook = f"{spec.id}.ipynb"
    rows = "\n".join(f"| `{t.name}` | `{t.function}` | {t.points:g}{' (bonus)' if t.bonus else ''} |" for t in kept)
    setup = ["Install the grader once (Python 3.10 or newer), in this folder:", "",
             "```bash", install, "```", "", "Then check"] if install else ["Check"]
    lines = [readme.rstrip(), "", "---", "", "## Checking your work", "", *setup[:-1],
             f"{setup[-1]} your work in this folder with", "", "```bash", "grade check .", "```", "",
             f"or, in the notebook `{notebook}`, with `check(\"name\")` after a function's cell and "
             "`check()` for everything. Both run the public tests below on your code, with the same "
             "messages and hints as when your work is graded. The expected answers come from "
             f"`{FIXTURES}`; there is no solution in this folder.", "",
             "| test | function | points |", "| --- | --- | ---: |", rows]
    for provided in spec.provides:
        lines += ["", f"Your code uses your own `{provided.module}.py` from `{provided.assignment.name}`: "
                  "put a copy of it in this folder."]
    if later:
        listed = ", ".join(f"`{t.name}` (`{t.function}`)" for t in later)
        lines += ["", f"Checked when your work is graded, not in this bundle: {listed}."]
    if any(t.visibility == "hidden" for t in spec.tests):
        lines += ["", "Your work is also graded on further tests that are not in this bundle."]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the notebook

def _markdown_sections(text: str) -> list[str]:
    """``text`` cut before each level-2 or level-3 heading (``## ``, ``### ``) outside code fences."""
    sections, current, fenced = [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if line.startswith(("## ", "### ")) and not fenced and current:
            sections.append("\n".join(current).strip())
            current = []
        current.append(line)
    if current:
        sections.append("\n".join(current).strip())
    return [s for s in sections if s]


def _stub_parts(source: str) -> tuple[str, list[tuple[str, str]]]:
    """A stub's code other than its functions (imports, constants), and ``(name, source)`` of each
    function with the comment lines right above it. The module docstring is left out."""
    tree = ast.parse(source)
    lines = source.splitlines()
    prelude, functions, previous_end = [], [], 0
    for i, stmt in enumerate(tree.body):
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
        start = first
        while start - 1 > previous_end and lines[start - 2].lstrip().startswith("#"):
            start -= 1                                    # comments that belong to this statement
        text = "\n".join(lines[start - 1: stmt.end_lineno])
        previous_end = stmt.end_lineno
        if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue                                      # the module docstring
        if isinstance(stmt, ast.FunctionDef):
            functions.append((stmt.name, text))
        else:
            prelude.append(text)
    return "\n".join(prelude), functions


def _sections_of(sections: list[str], functions: list[tuple[str, str, str]]) -> dict[tuple[str, str], int | None]:
    """The section each stub function goes after: the first whose heading names it; else, for a
    function named after the one before it (``relu_backward`` after ``relu``), that one's; else
    the first whose text names it in code (`` `name` ``, `` `name(...)` ``); else that of the next
    function (a kernel before its launcher); else None: the end."""
    def first(pattern: str, part) -> int | None:
        return next((i for i, s in enumerate(sections) if re.search(pattern, part(s))), None)

    keys = [(module, name) for module, name, _ in functions]
    headed = {key: first(rf"\b{re.escape(key[1])}\b", lambda s: s.splitlines()[0]) for key in keys}
    home: dict[tuple[str, str], int | None] = {}
    for i, key in enumerate(keys):
        before = keys[i - 1] if i and keys[i - 1][0] == key[0] and key[1].startswith(keys[i - 1][1]) else None
        for found in (headed[key], headed.get(before), first(rf"`{re.escape(key[1])}[`(]", lambda s: s)):
            if found is not None:
                home[key] = found
                break
        else:
            home[key] = None
    following = None
    for key in reversed(keys):
        home[key] = following = home[key] if home[key] is not None else following
    return home


def build_notebook(spec: Spec, readme: str, checked: set[str]) -> Any:
    """The notebook of an assignment: README sections, function cells, check cells.

    ``checked``: the functions (as check() names them) that have tests in the bundle.
    """
    import nbformat  # heavy (a schema, jsonschema): only when a notebook is written
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    several = len(spec.files) > 1
    marker = (lambda module: f"# file: {module}.py\n") if several else (lambda module: "")
    preludes, functions = [], []
    for file, module in zip(spec.files, spec.modules):
        prelude, defs = _stub_parts((spec.dir / file).read_text(encoding="utf-8"))
        if prelude.strip():
            preludes.append(new_code_cell(marker(module) + prelude))
        functions += [(module, name, text) for name, text in defs]

    def function_cells(module: str, name: str, text: str) -> list:
        label = f"{module}.{name}" if several else name
        cells = [new_code_cell(marker(module) + text)]
        if label in checked:
            cells.append(new_code_cell(f'check("{label}")'))
        return cells

    sections = _markdown_sections(readme)
    cells = [new_markdown_cell(sections[0])] if sections else []
    cells.append(new_code_cell('from grader import check   # check("name") runs the public tests of one '
                               "function, check() all of them"))
    cells += preludes
    home = _sections_of(sections[1:], functions)
    for i, section in enumerate(sections[1:]):
        cells.append(new_markdown_cell(section))
        for module, name, text in functions:
            if home[module, name] == i:
                cells += function_cells(module, name, text)
    for module, name, text in functions:
        if home[module, name] is None:
            cells += function_cells(module, name, text)
    cells += [new_markdown_cell("## Check everything"), new_code_cell("check()")]
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "dlgrade": {"assignment": spec.id},
    })
    nbformat.validate(notebook)
    return notebook


# --------------------------------------------------------------------------- no solution in the stubs

class PrefilledStubs(ReleaseError):
    """The stub files hold code that does better than ``NotImplementedError``; ``str()`` is one line."""


def stub_functions(spec: Spec) -> set[str]:
    """The functions of the stub files, each as ``name`` and as ``module.name``."""
    names: set[str] = set()
    for file, module in zip(spec.files, spec.modules):
        for name, _ in _stub_parts((spec.dir / file).read_text(encoding="utf-8"))[1]:
            names |= {name, f"{module}.{name}"}
    return names


def _still_a_stub(outcome, function: str) -> bool:
    """Whether a test ended in the ``NotImplementedError`` of the tested ``function`` itself (the
    engine's error record; its last frame in the stub files names the function that raised). One
    raised by another function that ``function`` called means ``function`` ran code of its own."""
    error = outcome.details.get("error") or {}
    if error.get("type") != "NotImplementedError":
        return False
    frames = error.get("traceback") or []
    raised_in = re.search(r", in (\w+):", frames[-1]) if frames else None
    return raised_in is None or raised_in.group(1) == function


def check_stubs(spec: Spec, references: References, allowed: frozenset[str] = frozenset()) -> None:
    """Grade the stub files on the public tests; raise :class:`PrefilledStubs` naming each stub
    function (by file) with a public test that ended other than in its own ``NotImplementedError``:
    a pass, a wrong answer, another exception, a timeout, or the ``NotImplementedError`` of a
    function it called, all mean code was left in the stub.

    ``allowed``: functions (``name`` or ``module.name``) pre-filled on purpose.
    """
    public = [t for t in spec.tests if t.visibility == "public" and t.module in spec.modules]
    stubs = Submission(origin=f"the stubs of {spec.id}", sources={
        module: (spec.dir / file).read_text(encoding="utf-8") for file, module in zip(spec.files, spec.modules)})
    by_name = {t.name: t for t in public}
    filled: dict[str, dict[str, None]] = {}
    for outcome in Grader(spec, references=references, secret="").grade(stubs, public).tests:
        test = by_name[outcome.name]
        if not _still_a_stub(outcome, test.function) and not {test.function, f"{test.module}.{test.function}"} & allowed:
            filled.setdefault(spec.files[spec.modules.index(test.module)], {})[test.function] = None
    if filled:
        named = "; ".join(f"{spec.dir / file}: {', '.join(names)}" for file, names in filled.items())
        verb = "does" if sum(map(len, filled.values())) == 1 else "do"
        raise PrefilledStubs(f"{named} {verb} more than raise NotImplementedError on the public tests "
                             "(a solution left in the stub?); empty it, or pass --allow-prefilled NAME "
                             "for a helper pre-filled on purpose")


# --------------------------------------------------------------------------- one bundle

def _refuse_solutions(spec: Spec, bundle: Path) -> None:
    """A bundle holds no ``solutions/`` folder and no file equal to one of the solution's
    (:func:`grader.course.solutions.default_solution`: e.g. a stub left as the solution)."""
    secret = {p.read_bytes().strip() for p in solution_sources(default_solution(spec))} - {b""}
    for path in sorted(bundle.rglob("*")):
        if path.is_dir() and path.name == "solutions":
            raise ReleaseError(f"{spec.dir}: the bundle would hold a solutions/ folder ({path.relative_to(bundle)}); "
                               "keep solutions out of the assignment folder")
        if path.is_file() and path.read_bytes().strip() in secret:
            raise ReleaseError(f"{spec.dir / path.name}: is the solution ({default_solution(spec)}); "
                               "ship the stub, not the solution")


def release_assignment(folder: Path, out: Path, allow_prefilled: frozenset[str] = frozenset(),
                       wheel: Callable[[], Path] | None = None, index_url: str | None = None,
                       ) -> tuple[Path, list[Test], list[Test]]:
    """Build the bundle of the assignment in ``folder`` as ``out/<id>``, replacing an earlier one,
    after checking that its stubs hold no solution (:func:`check_stubs`; ``allow_prefilled``: the
    functions pre-filled on purpose). The wheel that ``wheel()`` gives (built once the stubs are
    checked: :func:`grader.course.wheel.grader_wheel`) ships in the bundle and its README installs
    it, or the README installs the grader from ``index_url``.

    Returns the bundle's folder, the tests in it and the public tests left for grading.
    """
    import nbformat

    spec = load_spec(folder)
    if spec.fixtures is not None:
        raise ReleaseError(f"{spec.path}: this is already a student bundle")
    target = Path(out) / spec.id
    if target.exists() and not (target / "fixtures.json").is_file():
        raise ReleaseError(f"{target}: exists and is not a bundle; choose another --out")
    public = [t for t in spec.tests if t.visibility == "public"]
    kept = [t for t in public if runs_in_bundle(spec, t)]
    later = [t for t in public if t not in kept]
    if not kept:
        raise ReleaseError(f"{spec.path}: no public test can run in a bundle")
    references = References(spec.references_dir)
    check_stubs(spec, references, allow_prefilled)
    writer = record_fixtures(spec, kept, references)

    raw = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
    readme_path = spec.dir / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.is_file() else f"# {spec.title}\n"
    # in a bundle, the folder to check is the bundle itself, with the grader installed first
    wheel_file = wheel() if wheel is not None else None
    install = install_command(wheel_file, index_url)
    first = f"{install}   # once: installs the grader\n" if install else ""
    readme = re.sub(rf"grade check (\./)?assignments/{re.escape(spec.id)}\b", lambda _: f"{first}grade check .",
                    readme, count=1)
    readme = re.sub(rf"grade check (\./)?assignments/{re.escape(spec.id)}\b", "grade check .", readme)
    several = len(spec.files) > 1
    checked = {f"{t.module}.{t.function}" if several else t.function for t in kept}
    Path(out).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.id}-", dir=out))
    try:
        for file in (*spec.files, *spec.data_files):
            shutil.copyfile(spec.dir / file, staging / file)
        private = _private_modules(spec)
        for module, helper in spec.helpers.items():
            if module not in private and helper.path.parent == spec.dir.resolve():
                shutil.copyfile(helper.path, staging / helper.path.name)
        if wheel_file is not None:
            shutil.copyfile(wheel_file, staging / wheel_file.name)
        (staging / "README.md").write_text(_bundle_readme(spec, readme, kept, later, install), encoding="utf-8")
        (staging / "assignment.yaml").write_text(
            f"# The student bundle of {spec.id}, written by grade release: public tests only; inputs\n"
            f"# and expected answers come from {FIXTURES}. Format: docs/spec.md.\n"
            + yaml.safe_dump(bundle_spec(raw, spec, kept), sort_keys=False, allow_unicode=True, width=100,
                           default_flow_style=None),
            encoding="utf-8")
        writer.write(staging / FIXTURES)
        nbformat.write(build_notebook(spec, readme, checked), staging / f"{spec.id}.ipynb")
        load_spec(staging)                           # the bundle's spec must load as written
        _refuse_solutions(spec, staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, kept, later
