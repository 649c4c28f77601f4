"""Notebook submissions, and ``check()``: grading from inside a Jupyter notebook.

A notebook becomes module source in the trusted parent, without running anything:

1. :func:`read_notebook` reads the ``.ipynb`` with nbformat: a regular file, never through a
   link, of at most :data:`MAX_NOTEBOOK_BYTES` (checked before parsing), nbformat 4, valid
   against its schema. Anything else is one :class:`~grader.submissions.intake.IntakeError` line that names
   the file. A code cell nested too deeply for Python's parser is that module's problem
   ("your notebook could not be read: code cell N is nested too deeply..."), never a traceback.
2. Code cells only. IPython syntax never reaches the worker: a cell magic cell (``%%bash``,
   ``%%time``...) is dropped whole; line magics, shell escapes and help (``%timeit f(x)``,
   ``!pip install``, ``x = !ls``, ``np.sum?``) become ``pass``; a top-level statement that calls
   ``get_ipython()`` (how IPython writes magics in its history) is dropped; so is any use of the
   grader itself (``from grader import check``, ``check("relu")``).
3. By default (spec ``notebook: {execute: definitions}``) only imports, function and class
   definitions, and constants (literals and simple expressions of names defined above them) are
   kept, so a cell that trains for ten minutes does not run when the notebook is graded. With
   ``notebook: {execute: all}`` every remaining statement is kept.
4. Cells go to the assignment's files in order. For an assignment of several files, a cell whose
   first line is ``# file: layers.py`` starts that file's code, up to the next marker.

:func:`check` grades the code that a student has *run* in the notebook (IPython's history of
executed cells, ``In``, through the same filter; later definitions win, as in the kernel), with
the same sandboxed engine as ``grade check``, and shows the result as an HTML table.
"""
from __future__ import annotations

import ast
import builtins
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from ..model.spec import Spec
from .student_files import StudentFileError, StudentFileTooLarge, read_student_file
from .submission import IntakeError, Submission

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
FILE_MARKER = re.compile(r"^#\s*file:\s*([A-Za-z_][A-Za-z0-9_]*)\.py\s*$")
_MAGIC_LINE = re.compile(r"^\s*(%|!|\?)")                         # %time, !ls, ?np.sum
_HELP_LINE = re.compile(r"^\s*[A-Za-z_][\w.]*\s*\?\??\s*$")       # np.sum? / np.sum??
_MAGIC_ASSIGN = re.compile(r"^\s*[\w.,\s\[\]()]+=\s*[%!]")        # files = !ls, t = %timeit -o f()
_CONSTRUCTORS = frozenset(["dict", "tuple", "list", "set", "frozenset", "float", "int", "bool", "str",
                           "complex", "array", "asarray", "float16", "float32", "float64", "int32",
                           "int64", "dtype"])
_PLAIN_EXPRESSIONS = (ast.Constant, ast.Name, ast.Attribute, ast.UnaryOp, ast.BinOp, ast.BoolOp,
                      ast.Compare, ast.IfExp, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Subscript,
                      ast.Slice, ast.JoinedStr, ast.FormattedValue, ast.Starred, ast.keyword, ast.Call,
                      ast.Load, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
Execute = Literal["definitions", "all"]


class CellSyntaxError(Exception):
    """A code cell that is not Python even after its IPython syntax is taken out."""

    def __init__(self, cell: int, error: SyntaxError):
        self.cell, self.lineno, self.msg = cell, error.lineno, error.msg
        super().__init__(f"code cell {cell}, line {error.lineno}: {error.msg}")


class CellTooDeepError(CellSyntaxError):
    """A code cell nested too deeply for Python to parse (``1 + 1 + ...`` thousands of times)."""

    def __init__(self, cell: int):
        Exception.__init__(self, f"code cell {cell} is nested too deeply for Python to parse")
        self.cell, self.lineno, self.msg = cell, None, "nested too deeply"


# --------------------------------------------------------------------------- reading a notebook file

def read_notebook(path: Path, root: Path | None = None) -> Any:
    """The notebook at ``path`` (an nbformat 4 NotebookNode), or IntakeError with one line. It is
    read without following a link below ``root`` (default: its folder), see
    :func:`~grader.submissions.student_files.read_student_file`."""
    import nbformat  # heavy (a schema, jsonschema): only for a notebook

    try:
        data = read_student_file(path, MAX_NOTEBOOK_BYTES, root)
    except StudentFileTooLarge as exc:
        raise IntakeError(f"{path}: {exc} (clear the cells' outputs and save it again)") from None
    except OSError as exc:
        raise IntakeError(f"{path}: {exc if isinstance(exc, StudentFileError) else exc.strerror or exc}") from None
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise IntakeError(f"{path}: not a notebook (not UTF-8 text at byte {exc.start})") from None
    except RecursionError:
        raise IntakeError(f"{path}: not a notebook (its JSON is nested too deeply)") from None
    except ValueError as exc:
        raise IntakeError(f"{path}: not a notebook (invalid JSON: {exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise IntakeError(f"{path}: not a Jupyter notebook (no list of cells)")
    if raw.get("nbformat") != 4:
        raise IntakeError(f"{path}: notebook format {raw.get('nbformat')!r}; format 4 is required "
                          "(open and save it in a current Jupyter)")
    try:
        notebook = nbformat.from_dict(raw)
        with warnings.catch_warnings():          # e.g. cells without ids: harmless for reading code
            warnings.simplefilter("ignore")
            nbformat.validate(notebook)
    except RecursionError:
        raise IntakeError(f"{path}: not a notebook (its JSON is nested too deeply)") from None
    except nbformat.ValidationError as exc:
        where = "/".join(map(str, getattr(exc, "absolute_path", []) or []))
        message = str(getattr(exc, "message", exc)).splitlines()[0][:200]
        raise IntakeError(f"{path}: not a valid notebook ({where + ': ' if where else ''}{message})") from None
    return notebook


def code_cells(notebook: Any) -> list[str]:
    """The source of every code cell, in order."""
    return [cell.source if isinstance(cell.source, str) else "".join(cell.source)
            for cell in notebook.cells if cell.cell_type == "code"]


def check_assignment(notebook: Any, spec: Spec, path: Path) -> None:
    """A notebook written by ``grade release`` names its assignment: refuse another one's."""
    ours = notebook.metadata.get("dlgrade")
    meant = ours.get("assignment") if isinstance(ours, dict) else None
    if meant and meant != spec.id:
        raise IntakeError(f"{path}: this notebook is for assignment {meant}, not {spec.id}")


# --------------------------------------------------------------------------- cells -> module source

def _without_ipython_syntax(source: str) -> str | None:
    """A cell's source with IPython-only lines turned into ``pass``; None for a cell magic cell."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if first.startswith("%%"):
        return None
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if _MAGIC_LINE.match(line) or _HELP_LINE.match(line) or _MAGIC_ASSIGN.match(line):
            lines[i] = line[: len(line) - len(line.lstrip())] + "pass"
    return "\n".join(lines)


def _parse(source: str, cell: int) -> tuple[ast.Module, str] | None:
    """The cell's syntax tree and the source it was parsed from (None: a cell magic cell)."""
    try:
        return ast.parse(source), source           # plain Python, e.g. `(a\n % b)` stays as written
    except SyntaxError:
        pass
    except (RecursionError, MemoryError):          # the parser's depth limits, not a lack of memory
        raise CellTooDeepError(cell) from None
    cleaned = _without_ipython_syntax(source)
    if cleaned is None:
        return None
    try:
        return ast.parse(cleaned), cleaned
    except SyntaxError as exc:
        raise CellSyntaxError(cell, exc) from None
    except (RecursionError, MemoryError):
        raise CellTooDeepError(cell) from None


def _names_read(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _bound_names(stmt: ast.stmt) -> set[str] | None:
    """Names a kept statement binds; None for ``from x import *`` (anything may be bound)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        if any(alias.name == "*" for alias in stmt.names):
            return None
        return {alias.asname or alias.name.split(".")[0] for alias in stmt.names}
    if isinstance(stmt, _DEFINITIONS):
        return {stmt.name}
    if isinstance(stmt, ast.Try):
        names: set[str] = set()
        for part in [*stmt.body, *stmt.orelse, *stmt.finalbody, *(s for h in stmt.handlers for s in h.body)]:
            bound = _bound_names(part)
            if bound is None:
                return None
            names |= bound
        return names
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def _plain_expression(node: ast.AST) -> bool:
    """Literals and arithmetic on names; calls only of constructors (``np.array([...])``, ``dict(...)``)."""
    for sub in ast.walk(node):
        if not isinstance(sub, _PLAIN_EXPRESSIONS):
            return False
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in _CONSTRUCTORS:
                return False
    return True


def _is_constant(stmt: ast.stmt, defined: set[str] | None) -> bool:
    """``NAME = plain expression`` (or a tuple of names), reading only names defined above it."""
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.simple:
        targets, value = [stmt.target], stmt.value
    else:
        return False
    simple = all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)) for t in targets for n in ast.walk(t))
    if not simple:
        return False
    if value is None:
        return True
    known = defined is None or _names_read(value) <= defined | set(dir(builtins))
    return _plain_expression(value) and known


def _keeps(stmt: ast.stmt, execute: Execute, defined: set[str] | None) -> bool:
    if execute == "all":
        return True
    if isinstance(stmt, (ast.Import, ast.ImportFrom, *_DEFINITIONS)):
        return True
    if isinstance(stmt, ast.Try):           # try: import x / except ImportError: ...
        parts = [*stmt.body, *stmt.orelse, *stmt.finalbody, *(s for h in stmt.handlers for s in h.body)]
        return all(isinstance(s, ast.Pass) or _keeps(s, execute, defined) for s in parts)
    return _is_constant(stmt, defined)


def _grader_names(stmt: ast.stmt) -> set[str]:
    """Names that ``stmt`` binds to the grader (``from grader import check``, ``import grader``)."""
    if isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] == "grader":
        return {alias.asname or alias.name for alias in stmt.names}
    if isinstance(stmt, ast.Import):
        return {alias.asname or alias.name.split(".")[0] for alias in stmt.names if alias.name.split(".")[0] == "grader"}
    return set()


def _segment(lines: list[str], stmt: ast.stmt, shared: set[int]) -> str:
    """The statement as the student wrote it (decorators and all), or unparsed when it shares a
    line with another statement (``a = 1; train()``)."""
    first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
    if stmt.col_offset == 0 and first not in shared and stmt.end_lineno not in shared:
        return "\n".join(lines[first - 1: stmt.end_lineno])
    return ast.unparse(stmt)


def _kept_statements(number: int, source: str, execute: Execute, defined: set[str] | None,
                     grader_names: set[str], future: list[str]) -> tuple[list[str], set[str] | None]:
    """The statements of cell ``number`` that are kept, as source, and the names defined after it
    (None: unknown). Adds to ``grader_names`` and ``future`` as it goes."""
    parsed = _parse(source, number)
    if parsed is None:
        return [], defined
    tree, text = parsed
    lines = text.splitlines()
    touched = Counter(n for stmt in tree.body for n in {stmt.lineno, stmt.end_lineno})
    shared = {n for n, count in touched.items() if count > 1}
    kept = []
    for stmt in tree.body:
        grader_names |= _grader_names(stmt)
        if _grader_names(stmt) or (_names_read(stmt) & grader_names and not isinstance(stmt, _DEFINITIONS)):
            continue                # a definition that calls them fails only if it is called
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            future.append(ast.unparse(stmt))     # must come first in the module
            continue
        if not _keeps(stmt, execute, defined):
            continue
        bound = _bound_names(stmt)
        defined = None if bound is None or defined is None else defined | bound
        kept.append(_segment(lines, stmt, shared))
    return kept, defined


def cells_to_module(cells: Iterable[tuple[int, str]], execute: Execute = "definitions",
                    skip_bad_cells: bool = False) -> str:
    """Module source from ``(cell number, source)`` pairs, filtered as the module docstring says.

    A cell that does not parse, or that is nested too deeply for Python's parser or for
    ``ast.unparse``, raises :class:`CellSyntaxError` (:class:`CellTooDeepError`), or is left out
    with ``skip_bad_cells`` (IPython's history: such a cell never ran).
    """
    future, body = [], []
    defined: set[str] | None = set()
    grader_names = {"get_ipython"}
    for number, source in cells:
        try:
            try:
                kept, defined = _kept_statements(number, source, execute, defined, grader_names, future)
            except RecursionError:       # ast.unparse of a very deep expression
                raise CellTooDeepError(number) from None
        except CellSyntaxError:
            if skip_bad_cells:
                continue
            raise
        if kept:
            body.append(f"# cell {number}\n" + "\n".join(kept))
    return "\n".join([*dict.fromkeys(future), *body]) + "\n"


def split_by_file(cells: list[str], modules: tuple[str, ...]) -> dict[str, list[tuple[int, str]]]:
    """Each module's ``(cell number, source)`` pairs: a ``# file: name.py`` first line switches
    the file; cells before any marker belong to the first file. Cells marked for a file that is
    not the assignment's are left out."""
    by_module: dict[str, list[tuple[int, str]]] = {m: [] for m in modules}
    current = modules[0]
    for number, source in enumerate(cells, start=1):
        first = source.lstrip().split("\n", 1)[0]
        marker = FILE_MARKER.match(first.strip())
        if marker:
            current = marker.group(1)
        if current in by_module:
            by_module[current].append((number, source))
    return by_module


def _module_from_cells(cells: list[tuple[int, str]], spec: Spec, path: Path) -> tuple[str | None, str | None]:
    try:
        return cells_to_module(cells, spec.notebook_execute), None
    except CellTooDeepError as exc:
        return None, f"{path.name}: your notebook could not be read: {exc}; simplify or split that cell"
    except CellSyntaxError as exc:
        return None, f"{path.name}, {exc}: fix or delete that cell"


def read_notebook_submission(spec: Spec, path: Path) -> Submission:
    """A ``.ipynb`` handed in for the whole assignment: its code cells are the student's files."""
    notebook = read_notebook(path)
    check_assignment(notebook, spec, path)
    sub = Submission(origin=str(path))
    by_module = split_by_file(code_cells(notebook), spec.modules)
    for module, cells in by_module.items():
        if not cells:
            sub.problems[module] = f"no cell of {path.name} is marked '# file: {module}.py'"
            continue
        text, problem = _module_from_cells(cells, spec, path)
        if problem:
            sub.problems[module] = problem
        else:
            sub.sources[module] = text
    return sub


def read_notebook_module(spec: Spec, path: Path, root: Path | None = None) -> tuple[str | None, str | None]:
    """``(source, problem)`` of one module handed in as ``<module>.ipynb`` below ``root``: all its
    code cells."""
    try:
        notebook = read_notebook(path, root)
        check_assignment(notebook, spec, path)
    except IntakeError as exc:
        return None, str(exc)
    return _module_from_cells(list(enumerate(code_cells(notebook), start=1)), spec, path)


# --------------------------------------------------------------------------- check() in a notebook
