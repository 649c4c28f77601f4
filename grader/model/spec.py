"""Load and validate ``assignment.yaml`` into a :class:`Spec`.

Structure is checked against ``schemas/assignment.schema.json``; cross-references (data names,
student files, reference modules, generators) are checked here. Every problem becomes a
:class:`SpecError` whose text is one line: ``file:line: field: reason``. The format is documented
in ``docs/spec.md``.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from .limits import Limits

SCHEMA_PATH = Path(__file__).with_name("schemas") / "assignment.schema.json"
VALID_MARKS = 500                   # specs remembered as valid before the list starts again

if TYPE_CHECKING:
    import jsonschema
GRADCHECK_PATH = Path(__file__).resolve().parents[1] / "grading" / "gradcheck.py"   # always a helper: students may import it
BUILTIN_GENERATORS = frozenset(
    ["normal", "uniform", "integers", "choice", "linspace", "zeros", "ones", "full", "blobs"]
)

#: An input as written in the spec: a literal, {value, dtype}, {generate, ...}, {from},
#: {dict: {...}} or {function: module.name}.
ValueSpec = Any


class SpecError(Exception):
    """A bad assignment spec. ``str()`` is the one-line message for the user."""

    def __init__(self, path: Path | str, field: str, reason: str, line: int | None = None):
        self.path, self.field, self.reason, self.line = str(path), field, reason, line
        where = f"{self.path}:{line}" if line else self.path
        text = f"{where}: {field}: {reason}" if field else f"{where}: {reason}"
        super().__init__(text.replace("\r", "\\r").replace("\n", "\\n"))   # always one line


@dataclass(frozen=True)
class Test:
    """One graded test: call ``module.function`` on ``inputs`` and judge the result."""

    name: str
    module: str                       # student module (file stem) holding the function
    function: str
    kind: Literal["numeric", "performance", "property"]
    visibility: Literal["public", "hidden"]
    points: float
    inputs: dict[str, ValueSpec] | str     # positional, in order; or the name of a data set
    kwargs: dict[str, ValueSpec]
    reference: tuple[str, str] | None      # (reference module, function)
    outputs: tuple[str, ...] | None        # names of the returned values, for messages
    rtol: float | None                     # None: by the expected output's dtype
    atol: float | None
    check_dtype: bool
    timeout: float | None                  # seconds; None: the assignment's wall_time
    property: tuple[str, str] | None       # (module, function) of a property check: a helper's or a reference's
    params: dict[str, Any]
    timing: dict[str, Any] | None          # {"max_ratio", "samples", "calls"} for performance
    description: str = ""
    line: int | None = None
    steps: int | None = None               # a trajectory: this many chained calls
    carry: dict[str, int] = field(default_factory=dict)        # input name -> output index fed back
    per_step: dict[str, ValueSpec] = field(default_factory=dict)   # inputs drawn afresh every step
    device: Literal["cpu", "cuda"] = "cpu"  # cuda: the student's code launches numba.cuda kernels
    leaderboard: bool = False              # a performance test whose ratio goes on Gradescope's leaderboard
    prepare: tuple[str, str] | None = None  # (reference module, function): a property check's reference work
    bonus: bool = False                    # extra credit: its points add to the score, not to the maximum


@dataclass(frozen=True)
class Provided:
    """A module from an earlier assignment that this one builds on (e.g. ``activations``).

    The student's own version is used when it passes the earlier assignment's public tests of
    ``functions``; when it is missing or fails them, the course's version (``path``, never shipped
    to students) takes its place, so one mistake is not charged twice.
    """

    module: str
    path: Path                       # the course's own version
    assignment: Path                 # the earlier assignment's folder
    functions: tuple[str, ...]


@dataclass(frozen=True)
class Helper:
    """A trusted plain-NumPy module of the assignment, importable by student code and references.

    ``private`` helpers are used when grading but never ship to students (e.g. a course solution
    that a later assignment builds on).
    """

    module: str
    path: Path
    private: bool = False


@dataclass(frozen=True)
class Spec:
    """A whole assignment, as loaded from ``path``."""

    path: Path
    id: str
    title: str
    files: tuple[str, ...]                 # student files, e.g. ("perceptron.py",)
    references_dir: Path
    limits: Limits
    data: dict[str, ValueSpec]
    tests: tuple[Test, ...] = field(default_factory=tuple)
    helpers: dict[str, Helper] = field(default_factory=dict)
    provides: tuple[Provided, ...] = ()
    gradescope: dict[str, Any] = field(default_factory=dict)    # e.g. {"hidden_visibility": "hidden"}
    fixtures: Path | None = None           # a student bundle's stored answers, used instead of references
    notebook_execute: Literal["definitions", "all"] = "definitions"   # what of a notebook is graded
    data_files: tuple[str, ...] = ()       # files next to the spec that ship in the bundle (e.g. image.npy)

    @property
    def dir(self) -> Path:
        return self.path.parent

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(Path(f).stem for f in self.files)

    @property
    def max_score(self) -> float:
        """The points of every test but the bonus ones (their points come on top)."""
        return sum(t.points for t in self.tests if not t.bonus)

    def select(self, names: list[str] | None = None, include_hidden: bool = False) -> list[Test]:
        """The tests to run: by name when given (hidden ones only with ``include_hidden``)."""
        tests = [t for t in self.tests if include_hidden or t.visibility == "public"]
        if names:
            known = {t.name for t in tests}
            unknown = [n for n in names if n not in known]
            if unknown:
                if self.fixtures is not None:          # --hidden cannot help: a bundle has none
                    hint = " (a student bundle has the public tests only)"
                else:
                    hint = "" if include_hidden else " (hidden tests need --hidden)"
                raise SpecError(self.path, "test", f"no test named {', '.join(unknown)}{hint}")
            tests = [t for t in tests if t.name in names]
        return tests


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)     # libyaml's parser when present: 10x faster


def _parse(text: str, loader_class) -> tuple[yaml.Node | None, Any]:
    """The YAML nodes of ``text`` (their lines point at errors) and the data they make."""
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # 40 ms to import: only for a spec not validated before

    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def _valid_mark(text: str) -> Path | None:
    """A file whose presence says this spec text passed this schema before (a check need not
    import and run jsonschema again); None where there is no cache folder."""
    home = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if Path.home().is_dir() else None)
    if home is None:
        return None
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes() + b"\0" + text.encode("utf-8")).hexdigest()[:32]
    return Path(home) / "dlgrade" / "valid-specs" / digest


def _remember_valid(mark: Path | None) -> None:
    if mark is None:
        return
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        if sum(1 for _ in mark.parent.iterdir()) >= VALID_MARKS:    # bounded: start the list again
            for old in mark.parent.iterdir():
                old.unlink(missing_ok=True)
        mark.touch()
    except OSError:
        pass                    # no cache: validate every time


def _field_name(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _node_at(node: yaml.Node | None, path) -> list[yaml.Node]:
    """The YAML nodes along ``path`` (keys and list indices), as far as the path exists."""
    nodes = [node] if node is not None else []
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        nodes.append(node)
    return nodes


def _line_of(node: yaml.Node | None, path) -> int | None:
    """1-based line of the YAML node at ``path``, or of its nearest existing parent."""
    nodes = _node_at(node, path)
    return nodes[-1].start_mark.line + 1 if nodes else None


def _unknown_key(error: jsonschema.ValidationError):
    """The first field (in file order) that an ``additionalProperties: false`` error is about."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return None
    known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return next((k for k in error.instance if k not in known), None)


def _key_line(node: yaml.Node | None, path, key) -> int | None:
    """1-based line of ``key`` itself in the mapping at ``path``."""
    nodes = _node_at(node, path)
    if len(nodes) == len(path) + 1 and isinstance(nodes[-1], yaml.MappingNode):
        return next((k.start_mark.line + 1 for k, _ in nodes[-1].value if k.value == key), None)
    return None


def _schema_reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "oneOf" and error.context:
        from jsonschema.exceptions import best_match  # heavy, see _validator: only for a bad spec

        best = best_match(error.context)
        return f"not a valid value ({best.message})"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


def load_spec(path: str | Path) -> Spec:
    """Read, validate and return the spec at ``path`` (a file or its assignment folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "assignment.yaml"
    if not path.is_file():
        raise SpecError(path, "", "no such file (is this an assignment folder?)")
    try:
        text = path.read_text(encoding="utf-8")
        try:
            root, raw = _parse(text, _Loader)
        except yaml.YAMLError:          # PyYAML's own parser explains a syntax error better (tabs...)
            root, raw = _parse(text, yaml.SafeLoader)
    except UnicodeDecodeError:
        raise SpecError(path, "", "not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(path, "", f"invalid YAML: {reason}", mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise SpecError(path, "", "must be a mapping of fields (id, title, files, tests...)")

    mark = _valid_mark(text)
    if mark is not None and mark.is_file():
        return _build(path, raw, root)
    errors = sorted(_validator().iter_errors(raw), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        where = list(err.absolute_path)
        key = _unknown_key(err)
        if key is not None:          # point at the unknown field itself, not at its parent
            line = _key_line(root, where, key) or _line_of(root, where)
            field = _field_name(where + [key]) if isinstance(key, str) and key.isidentifier() else _field_name(where)
            raise SpecError(path, field or "(top level)", _schema_reason(err), line)
        raise SpecError(path, _field_name(where) or "(top level)", _schema_reason(err), _line_of(root, where))
    _remember_valid(mark)
    return _build(path, raw, root)


def _build(path: Path, raw: dict, root: yaml.Node) -> Spec:
    def fail(where: list, reason: str):
        raise SpecError(path, _field_name(where), reason, _line_of(root, where))

    files = tuple(raw["files"])
    modules = [Path(f).stem for f in files]
    ref_dir = (path.parent / raw.get("references", "../../reference")).resolve()
    fixtures = path.parent / raw["fixtures"] if "fixtures" in raw else None
    if fixtures is not None and not (fixtures.is_file() and fixtures.with_suffix(".json").is_file()):
        fail(["fixtures"], f"{fixtures.name} and {fixtures.with_suffix('.json').name} must both be next to the spec")
    data = raw.get("data", {}) or {}
    lim = raw.get("limits", {}) or {}
    limits = Limits(
        wall_seconds=float(lim.get("wall_time", Limits.wall_seconds)),
        memory_mb=int(lim.get("memory", Limits.memory_mb)),
        cpu_seconds=float(lim.get("cpu_time", Limits.cpu_seconds)),
        output_mb=float(lim.get("output", Limits.output_mb)),
        forbid=tuple(raw.get("forbid") or ()),
    )

    helpers: dict[str, Helper] = {}
    for i, entry in enumerate(raw.get("helpers") or []):
        name, private = (entry, False) if isinstance(entry, str) else (entry["file"], entry.get("private", False))
        where = ["helpers", i]
        helper_path = (path.parent / name).resolve()
        if not helper_path.is_file():
            fail(where, f"no helper file {name} next to the spec")
        module = Path(name).stem
        if module in modules:
            fail(where, f"{name} is also a student file")
        helpers[module] = Helper(module, helper_path, private)
    provides = []
    for i, entry in enumerate(raw.get("provides") or []):
        where = ["provides", i]
        course, earlier = (path.parent / entry["file"]).resolve(), (path.parent / entry["assignment"]).resolve()
        if not course.is_file():
            fail(where + ["file"], f"no file {entry['file']} next to the spec")
        if not (earlier / "assignment.yaml").is_file():
            fail(where + ["assignment"], f"{entry['assignment']} is not an assignment folder")
        if entry["module"] in modules:
            fail(where + ["module"], f"{entry['module']} is one of this assignment's own files")
        provides.append(Provided(entry["module"], course, earlier, tuple(entry.get("functions", ()))))
    for i, name in enumerate(raw.get("data_files") or []):
        if name == path.name or name in files or name.endswith(".py") and Path(name).stem in helpers:
            fail(["data_files", i], f"{name} is the spec, a student file or a helper, not data")
        if not (path.parent / name).is_file():
            fail(["data_files", i], f"no data file {name} next to the spec")
    if GRADCHECK_PATH.is_file():
        helpers.setdefault("gradcheck", Helper("gradcheck", GRADCHECK_PATH))

    def check_reference(where: list, dotted: str) -> tuple[str, str]:
        parts = dotted.split(".")
        if len(parts) != 2 or not all(p.isidentifier() for p in parts):
            fail(where, f"{dotted!r} is not module.function")
        module, attr = parts
        if fixtures is None and ref_dir.is_dir() and not (ref_dir / f"{module}.py").is_file():
            fail(where, f"no reference module {module}.py in {ref_dir}")
        return module, attr

    def check_property(where: list, dotted: str) -> tuple[str, str]:
        """A property check: a helper module's function (it ships to students), else a reference's."""
        module, _, name = dotted.partition(".")
        return (module, name) if module in helpers else check_reference(where, dotted)

    def check_value(where: list, value) -> None:
        if isinstance(value, dict) and "dict" in value:
            for key, item in value["dict"].items():
                check_value(where + ["dict", key], item)
        if isinstance(value, dict) and "function" in value:
            module = value["function"].split(".")[0]
            if module not in modules and module not in helpers:
                fail(where + ["function"], f"{module!r} is neither a student file nor a helper module "
                     f"({', '.join(modules + list(helpers))})")
        if isinstance(value, dict) and "from" in value:
            name = value["from"].split(".")[0]
            if name not in data:
                fail(where + ["from"], f"no data named {name!r} (defined: {', '.join(data) or 'none'})")
        if isinstance(value, dict) and "generate" in value:
            gen = value["generate"]
            if "." in gen:
                check_reference(where + ["generate"], gen)
            elif gen not in BUILTIN_GENERATORS:
                fail(where + ["generate"], f"unknown generator {gen!r} (built in: {', '.join(sorted(BUILTIN_GENERATORS))})")

    for name, value in data.items():
        check_value(["data", name], value)

    def source(value):               # the data name a {from: ...} value copies, else None
        return value["from"].split(".")[0] if isinstance(value, dict) and "from" in value else None

    for name in data:                # a cycle of from: would recurse without end when drawn
        chain, target = [name], source(data[name])
        while target is not None:
            if target in chain:
                fail(["data", name, "from"], f"data refers to itself: {' -> '.join(chain + [target])}")
            chain.append(target)
            target = source(data[target])

    tests, seen = [], set()
    for i, t in enumerate(raw["tests"]):
        at = ["tests", i]
        if t["name"] in seen:
            fail(at + ["name"], f"duplicate test name {t['name']!r}")
        seen.add(t["name"])
        module, _, function = t["function"].rpartition(".")
        if not module:
            if len(modules) > 1:
                fail(at + ["function"], f"several student files: write it as module.function ({', '.join(modules)})")
            module = modules[0]
        elif module not in modules and module not in helpers:
            fail(at + ["function"], f"module {module!r} is not one of the student files ({', '.join(files)}) "
                 "or a helper module")
        kind = t.get("kind", "numeric")
        if kind in ("numeric", "performance") and "reference" not in t:
            fail(at, f"a {kind} test needs a reference")
        if kind == "property" and "property" not in t:
            fail(at, "a property test needs a property (module.function)")
        if "prepare" in t and kind != "property":
            fail(at + ["prepare"], "only a property test has a check to prepare for")
        if kind == "performance" and "timing" not in t:
            fail(at, "a performance test needs timing: {max_ratio: ...}")
        inputs = t.get("inputs", {})
        if isinstance(inputs, str):
            if inputs not in data:
                fail(at + ["inputs"], f"no data named {inputs!r}")
        else:
            for arg, value in inputs.items():
                check_value(at + ["inputs", arg], value)
        for arg, value in (t.get("kwargs") or {}).items():
            check_value(at + ["kwargs", arg], value)
        for arg, value in (t.get("per_step") or {}).items():
            check_value(at + ["per_step", arg], value)
        chained = {**t.get("carry", {}), **t.get("per_step", {})}
        if chained and "steps" not in t:
            fail(at, "carry and per_step belong to a trajectory: give steps too")
        if t.get("leaderboard") and kind != "performance":
            fail(at + ["leaderboard"], "only a performance test has a time ratio to put on a leaderboard")
        if "steps" in t and kind == "performance":
            fail(at + ["steps"], "a performance test times single calls, not a trajectory")
        names = set(data[inputs]) if isinstance(inputs, str) and isinstance(data.get(inputs), dict) else set(inputs)
        for arg in chained:
            if not isinstance(inputs, str) and arg not in names:
                where = ["carry" if arg in t.get("carry", {}) else "per_step", arg]
                fail(at + where, f"{arg!r} is not one of the test's inputs ({', '.join(names) or 'none'})")
        tests.append(Test(
            name=t["name"], module=module, function=function, kind=kind,
            visibility=t.get("visibility", "public"), points=float(t["points"]),
            inputs=inputs, kwargs=dict(t.get("kwargs") or {}),
            reference=check_reference(at + ["reference"], t["reference"]) if "reference" in t else None,
            outputs=tuple(t["outputs"]) if "outputs" in t else None,
            rtol=t.get("rtol"), atol=t.get("atol"), check_dtype=t.get("check_dtype", True),
            timeout=t.get("timeout"),
            property=check_property(at + ["property"], t["property"]) if "property" in t else None,
            params=dict(t.get("params") or {}),
            timing=dict(t["timing"]) if "timing" in t else None,
            description=t.get("description", ""),
            line=_line_of(root, at),
            steps=t.get("steps"), carry=dict(t.get("carry") or {}), per_step=dict(t.get("per_step") or {}),
            device=t.get("device", "cpu"), leaderboard=t.get("leaderboard", False),
            prepare=check_reference(at + ["prepare"], t["prepare"]) if "prepare" in t else None,
            bonus=t.get("bonus", False),
        ))
    return Spec(path=path, id=raw["id"], title=raw["title"], files=files, references_dir=ref_dir,
                limits=limits, data=data, tests=tuple(tests), helpers=helpers, provides=tuple(provides),
                gradescope=dict(raw.get("gradescope") or {}),
                fixtures=fixtures, notebook_execute=(raw.get("notebook") or {}).get("execute", "definitions"),
                data_files=tuple(raw.get("data_files") or ()))
