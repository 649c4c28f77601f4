"""``grade new``: the files of a new assignment, ready to fill in (docs/authoring.md walks through them).

In a course folder (the repository's root: ``assignments/``, ``reference/``, ``solutions/``),
an assignment ``ID`` whose topic is ``T`` (the ID without its number, ``08_layernorm`` ->
``layernorm``) gets:

* ``assignments/ID/assignment.yaml``: per function a public and a hidden numeric test, and one
  property test of the first function;
* ``assignments/ID/T.py``: the student's stub, each function raising ``NotImplementedError`` (the
  grader says "Not implemented yet");
* ``assignments/ID/README.md``: a section per function, for its formula;
* ``reference/T.py``: an ``@njit`` reference skeleton per function (a placeholder answer of zeros)
  and an empty ``MISTAKES`` entry for each;
* ``reference/T_properties.py``: the property check the spec's property test calls, plain NumPy
  (``grade check`` runs checks without Numba);
* ``solutions/ID/T.py``: the instructor's solution, a copy of the stub to fill in. It stays
  private: ``grade release`` copies only an assignment's stubs and shipped helpers, and the
  package holds ``grader/`` alone.

Nothing is overwritten: when any of these files exists, nothing is written.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")          # the spec's own rule for an id
# The student's stub raises this, which the grader reports as "Not implemented yet".
STUB_BODY = "raise NotImplementedError"
# A reference skeleton's body: it loads and answers (so that grade check of the new stub already
# says "Not implemented yet" on every test), and grade validate fails until it is replaced, since
# the solution's answers differ from it.
PLACEHOLDER = "return np.zeros(x.shape)     # the placeholder answer: replace with the reference"


class ScaffoldError(Exception):
    """A bad argument, or a file that exists: ``str()`` is the one-line message."""


@dataclass(frozen=True)
class NewAssignment:
    """What ``grade new`` was asked for: ``id`` (e.g. ``08_layernorm``), ``title``, the
    ``functions`` the students write (one module, ``topic``.py)."""

    id: str
    title: str
    functions: tuple[str, ...]
    topic: str

    @property
    def label(self) -> str:
        """"Assignment 08" for ``08_layernorm``, else "Assignment <id>"."""
        number = re.match(r"\d+", self.id)
        return f"Assignment {number.group() if number else self.id}"


def plan(assignment_id: str, title: str, functions: str | None, topic: str | None = None) -> NewAssignment:
    """The checked request: an id the spec accepts, a title, distinct Python names for the topic
    and the functions (default: one function named after the topic)."""
    if not ID_PATTERN.match(assignment_id):
        raise ScaffoldError(f"ID {assignment_id!r}: use letters, digits, _ . - only (e.g. 08_layernorm)")
    if not title.strip():
        raise ScaffoldError("--title: give the assignment a title")
    if not title.isprintable() or '"""' in title or "\\" in title:    # it goes into docstrings too
        raise ScaffoldError("--title: one line of text, without backslashes or triple quotes")
    topic = topic or re.sub(r"^\d+[_.-]*", "", assignment_id) or assignment_id
    if not topic.isidentifier():
        raise ScaffoldError(f"topic {topic!r} (the module name, from ID or --topic): it must be a Python name")
    names = [f.strip() for f in (functions or topic).split(",") if f.strip()]
    for name in names:
        if not name.isidentifier():
            raise ScaffoldError(f"--functions: {name!r} is not a Python function name")
    if len(set(names)) != len(names):
        raise ScaffoldError("--functions: a function is named twice")
    return NewAssignment(assignment_id, title.strip(), tuple(names), topic)


def files(new: NewAssignment) -> dict[str, str]:
    """Relative path -> text of every file of the scaffold."""
    folder, topic = f"assignments/{new.id}", new.topic
    return {f"{folder}/assignment.yaml": _spec(new), f"{folder}/{topic}.py": _stub(new),
            f"{folder}/README.md": _readme(new), f"reference/{topic}.py": _reference(new),
            f"reference/{topic}_properties.py": _properties(new),
            f"solutions/{new.id}/{topic}.py": _solution(new)}


def write(root: Path, new: NewAssignment) -> list[str]:
    """Write the scaffold under ``root``, or nothing if any of its files exists (ScaffoldError
    naming the first). Creates ``reference/__init__.py`` where the folder is new. Returns the
    paths written, relative to ``root``."""
    texts = files(new)
    for relative in texts:
        if (root / relative).exists():
            raise ScaffoldError(f"{relative}: already exists; grade new never overwrites a file "
                                "(choose another ID or --topic, or move it away)")
    init = root / "reference" / "__init__.py"
    if not init.exists():
        texts["reference/__init__.py"] = '"""The references of this course, one module per topic (never shipped)."""\n'
    for relative, text in texts.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(texts)


# --------------------------------------------------------------------------- the files

def _spec(new: NewAssignment) -> str:
    lines = [f"# {new.label}: {new.title}. Format: docs/spec.md; how to fill it in: docs/authoring.md.",
             f"id: {new.id}", f"title: {_yaml_text(new.title)}", f"files: [{new.topic}.py]",
             "limits:", "  wall_time: 10", "  memory: 1024", "  cpu_time: 120", "", "tests:"]
    for index, function in enumerate(new.functions):
        lines += [f"  # {'-' * 64} {function}",
                  *_test(f"{function}_public", function, new.topic, "public", [4, 3]),
                  *_test(f"{function}_hidden", function, new.topic, "hidden", [5, 6])]
        if index == 0:
            lines += [f"  - name: {function}_property",
                      "    description: A property every right answer has (see reference/"
                      f"{new.topic}_properties.py).",
                      "    kind: property", f"    function: {function}",
                      f"    property: {new.topic}_properties.{function}_is_finite",
                      "    inputs:", "      x: {generate: normal, shape: [6, 4]}", "    points: 1"]
    return "\n".join(lines) + "\n"


def _test(name: str, function: str, topic: str, visibility: str, shape: list[int]) -> list[str]:
    """One numeric test; a hidden one draws its inputs afresh for every student."""
    return [f"  - name: {name}", *([f"    visibility: {visibility}"] if visibility == "hidden" else []),
            f"    function: {function}", f"    reference: {topic}.{function}",
            "    inputs:", f"      x: {{generate: normal, shape: {shape}}}", "    points: 2"]


def _yaml_text(text: str) -> str:
    """A YAML scalar that reads back as ``text`` (double-quoted: JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _stub(new: NewAssignment) -> str:
    head = (f'"""{new.label}: {new.title}. Fill in each function; see README.md for the maths.\n\n'
            f"Conventions: arrays are NumPy float64. Do not modify the input arrays: return new ones.\n"
            f'Check your work with\n\n    grade check assignments/{new.id}\n"""\nimport numpy as np\n')
    bodies = [f'\n\ndef {f}(x):\n    """Say what {f} computes (see README.md).\n\n    Inputs:\n'
              f'    - x: array (N, D)\n\n    Returns an array: say its shape.\n    """\n    {STUB_BODY}\n'
              for f in new.functions]
    return head + "".join(bodies)


def _solution(new: NewAssignment) -> str:
    """The stub under another docstring: the instructor fills it in, in solutions/ID/."""
    stub = _stub(new)
    code = stub[stub.index('"""', 3) + 3:]          # after the stub's module docstring
    return (f'"""The instructor\'s solution of {new.id} ({new.title}): private, never shipped.\n\n'
            f"Fill in every function. grade validate grades this folder (full marks, hidden tests\n"
            f'included); grade release copies only assignments/{new.id}/.\n"""' + code)


def _readme(new: NewAssignment) -> str:
    sections = [f"## {i}. `{f}(x)`\n\nSay what `{f}` computes, with its formula and the shapes of its "
                f"inputs and output:\n\n$$y = f(x)$$\n" for i, f in enumerate(new.functions, start=1)]
    return (f"# {new.label}: {new.title}\n\nWrite your code in `{new.topic}.py` and check it with\n\n"
            f"```bash\ngrade check assignments/{new.id}\n```\n\n## Notation\n\nThe symbols and shapes "
            f"every section uses.\n\n" + "\n".join(sections) +
            "\n## Conventions, and how other texts differ\n\n- Inputs are float64. Do not modify input "
            "arrays in place.\n")


def _reference(new: NewAssignment) -> str:
    skeletons = [f'\n\n@njit(cache=True)\ndef {f}(x):\n    """The reference of {f}: say what it returns, '
                 f'with shapes."""\n    {PLACEHOLDER}\n' for f in new.functions]
    entries = "".join(f'    "{f}": [],     # Mistake("name", "the hint a student sees", lambda x: ...)\n'
                      for f in new.functions)
    return (f'"""References for {new.id} ({new.title}), with their mistake catalogue.\n\n'
            f"Each function is called in the grader's process with a test's inputs; its answer is the "
            f"expected one.\nPlain NumPy functions work too (drop @njit); Numba makes a reference fast "
            f'enough to time against.\n"""\nfrom __future__ import annotations\n\n'
            f"import numpy as np\nfrom numba import njit\n\n"
            f"from grader.authoring import Mistake\n" + "".join(skeletons) +
            f"\n\n# {'-' * 75} mistakes, as students write them\n\n"
            f"MISTAKES: dict[str, list[Mistake]] = {{\n{entries}}}\n")


def _properties(new: NewAssignment) -> str:
    first = new.functions[0]
    return (f'"""Property checks of {new.id}: plain NumPy, so that grade check runs them without Numba.\n\n'
            f"A check gets the test's inputs by name and the student's output, and returns (passed, message).\n"
            f'"""\nfrom __future__ import annotations\n\nimport numpy as np\n\n\n'
            f"def {first}_is_finite(args: dict, output) -> tuple[bool, str]:\n"
            f'    """The output of {first} holds no NaN or inf. Replace with what every right answer has."""\n'
            f"    got = np.asarray(output, dtype=np.float64)\n"
            f"    if not np.all(np.isfinite(got)):\n"
            f'        return False, "The output of {first} holds NaN or inf values."\n'
            f'    return True, "every value is finite"\n')
