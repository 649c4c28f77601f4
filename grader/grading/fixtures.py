"""What a student bundle carries in place of the references: their answers on the public inputs.

``grade release`` (:mod:`grader.course.release`) grades every public test once with the references and
notes each call that the engine makes to a reference function or to a catalogued mistake. The
bundle stores, next to its ``assignment.yaml`` (which names them with ``fixtures: fixtures.npz``):

* ``fixtures.npz``: every array, loaded with ``allow_pickle=False``. Keys are
  ``<test>/inputs/<arg>``, ``<test>/kwargs/<name>``, ``<test>/per_step/<k>/<name>``, the reference's
  answers ``<test>/expected`` (``.../call<n>`` when a test calls it several times, as a trajectory
  does) and each mistake's differing answers ``<test>/mistakes/<mistake>``. A tuple or dict
  output adds ``/<index>`` or ``/<key>``; a number is a 0-d array.
* ``fixtures.json``: everything else. How values nest (tuples, dicts, numbers and their Python
  types), which function each answer belongs to and the key of its inputs (:func:`call_key`), the
  catalogue's mistake names and hints in order, and each performance test's reference cost as a
  multiple of the calibration workload (:mod:`grader.grading.calibration`).

In a bundle, :class:`grader.grading.engine.Grader` uses :class:`Fixtures` in place of
:class:`~grader.grading.references.References`. Every reference function and mistake becomes a
:class:`TabulatedFunction`, which answers a call by looking up its inputs. The engine makes the
same calls on the same inputs as at release, so a bundle gives the full grader's verdicts, messages
and hints on the public tests. A performance test's reference is priced, not run
(:class:`grader.grading.timing.PricedReference`): the stored ratio times the calibration timed on this
machine. Timed calls in a bundle run on fresh draws where the test's inputs are literals or
built-in generators (with seeds from :mod:`secrets`, as in the full grader), so remembering answers
gains nothing there either; one call per sample, at a random place, gets the stored inputs, whose
answer is checked (a bundle knows no other). A fresh draw is priced like the stored inputs: the
same shapes, the same cost.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..model.spec import Spec, SpecError, Test
from ..sandbox.codec import FunctionRef
from . import calibration
from .inputs import InputMaker, copy_value
from .mistakes import Mistake

FORMAT = 2                         # 2: the arrays packed into one blob per dtype
STORABLE_KINDS = "biufc"          # array dtypes a bundle may hold: never objects, strings or records
_HELPER_PREFIX = re.compile(r"^_dlgrade_helper_[0-9a-f]+_")     # see references.import_helper


class Unstorable(ValueError):
    """A value that a bundle cannot hold (an object, an object array...)."""


class MissingAnswer(SpecError):
    """The bundle has no stored answer for a call: its fixtures do not match its spec."""


# --------------------------------------------------------------------------- keys of calls

def function_name(fn: Any) -> str:
    """``module.name`` of a function passed as an input, the same at release and in a bundle."""
    if isinstance(fn, FunctionRef):
        return f"{fn.module}.{fn.name}"
    named = getattr(fn, "function_name", None)        # a TabulatedFunction, or release's recorder
    if isinstance(named, str):
        return named
    module = _HELPER_PREFIX.sub("", getattr(fn, "__module__", None) or "").rpartition(".")[2]
    return f"{module}.{getattr(fn, '__name__', type(fn).__name__)}"


def _feed(digest, value: Any) -> None:
    if isinstance(value, np.ndarray):
        digest.update(b"A%s%r" % (value.dtype.str.encode(), value.shape))
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, np.generic):
        digest.update(b"G" + value.dtype.str.encode() + value.tobytes())
    elif isinstance(value, bool):
        digest.update(b"B1" if value else b"B0")
    elif isinstance(value, int):
        digest.update(b"I%d;" % value)
    elif isinstance(value, float):
        digest.update(b"F" + struct.pack("<d", value))
    elif isinstance(value, str):
        text = value.encode("utf-8", "surrogateescape")
        digest.update(b"S%d;" % len(text) + text)
    elif value is None:
        digest.update(b"N")
    elif isinstance(value, (tuple, list)):
        digest.update(b"%s%d;" % (b"T" if isinstance(value, tuple) else b"L", len(value)))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(b"D%d;" % len(value))
        for key, item in value.items():
            _feed(digest, str(key))
            _feed(digest, item)
    elif callable(value) or isinstance(value, FunctionRef):
        _feed(digest, "function:" + function_name(value))
    else:
        raise Unstorable(f"cannot key an input of type {type(value).__name__}")


def call_key(args: list | tuple, kwargs: dict) -> str:
    """A digest of a call's inputs: equal for equal inputs (same types, dtypes, shapes, bytes)."""
    digest = hashlib.sha256()
    _feed(digest, list(args))
    _feed(digest, dict(kwargs))
    return digest.hexdigest()[:32]


# --------------------------------------------------------------------------- values <-> npz + JSON

def pack(value: Any, key: str, arrays: dict[str, np.ndarray]) -> dict:
    """The JSON node of ``value``; its arrays (numbers as 0-d arrays) go into ``arrays`` under ``key``."""
    def store(arr: np.ndarray) -> None:
        if arr.dtype.kind not in STORABLE_KINDS:
            raise Unstorable(f"{key}: an array of dtype {arr.dtype} cannot be stored")
        if key in arrays:
            raise Unstorable(f"{key}: two values under one name")
        arrays[key] = arr

    if value is None:
        return {"none": True}
    if isinstance(value, FunctionRef):
        return {"function": f"{value.module}.{value.name}"}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, np.ndarray):
        store(value)
        return {"array": key}
    if isinstance(value, (bool, int, float, np.generic)):
        try:
            store(np.asarray(value))
        except OverflowError:
            raise Unstorable(f"{key}: the integer {value} is too large") from None
        return {"number": key, "py": "numpy" if isinstance(value, np.generic) else type(value).__name__}
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [pack(item, f"{key}/{i}", arrays) for i, item in enumerate(value)]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: pack(item, f"{key}/{k}", arrays) for k, item in value.items()}}
    raise Unstorable(f"{key}: a {type(value).__name__} cannot be stored")


def unpack(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The value that :func:`pack` stored as ``node``."""
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError(f"not a stored value: {str(node)[:80]}")
    if "none" in node:
        return None
    if "str" in node:
        return str(node["str"])
    if "function" in node:
        return FunctionRef(*node["function"].split(".", 1))
    if "array" in node:
        return arrays[node["array"]]
    if "number" in node:
        arr = arrays[node["number"]]
        convert = {"bool": bool, "int": int, "float": float}.get(node.get("py"))
        return convert(arr) if convert else arr[()]
    if "tuple" in node:
        return tuple(unpack(item, arrays) for item in node["tuple"])
    if "list" in node:
        return [unpack(item, arrays) for item in node["list"]]
    if "dict" in node:
        return {str(k): unpack(item, arrays) for k, item in node["dict"].items()}
    raise ValueError(f"not a stored value: {str(node)[:80]}")


def pack_blobs(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """Every array laid end to end in one flat array per dtype, and where each lies:
    ``key -> [blob, offset, shape]``. An npz member costs about 60 µs to open and parse, and an
    assignment of trajectories stores thousands of small arrays."""
    parts: dict[str, list[np.ndarray]] = {}
    sizes: dict[str, int] = {}
    index: dict[str, list] = {}
    for key, arr in arrays.items():
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        blob = f"{dtype.kind}{dtype.itemsize}"
        index[key] = [blob, sizes.get(blob, 0), list(arr.shape)]
        parts.setdefault(blob, []).append(np.ascontiguousarray(arr, dtype=dtype).reshape(-1))
        sizes[blob] = sizes.get(blob, 0) + arr.size
    return {blob: np.concatenate(p) for blob, p in parts.items()}, index


def read_blobs(npz_path: Path, index: Any) -> dict[str, np.ndarray]:
    """The arrays that :func:`pack_blobs` stored in ``npz_path``, as views of their blobs.
    Raises ValueError (an object array, an index out of range), KeyError or OSError."""
    if not isinstance(index, dict):
        raise ValueError("no index of the arrays")
    with np.load(npz_path, allow_pickle=False) as npz:
        blobs = {name: npz[name] for name in npz.files}
    arrays = {}
    for key, (blob, offset, shape) in index.items():
        flat = blobs[blob]
        size = math.prod(shape)
        if flat.ndim != 1 or not (isinstance(offset, int) and 0 <= offset and offset + size <= flat.size):
            raise ValueError(f"array {key!r} lies outside its blob")
        arrays[key] = flat[offset:offset + size].reshape(shape)
    return arrays


# --------------------------------------------------------------------------- writing (at release)

class FixtureWriter:
    """Collects a bundle's fixtures for one assignment, then writes ``fixtures.npz`` and ``.json``."""

    def __init__(self, assignment: str, calibration_seconds: float):
        self.assignment, self.calibration_seconds = assignment, calibration_seconds
        self.tests: dict[str, dict] = {}
        self.catalogues: dict[str, list[dict[str, str]]] = {}

    def add_test(self, name: str, args: dict[str, Any], kwargs: dict[str, Any],
                 per_step: list[dict[str, Any]]) -> None:
        self.tests[name] = {"inputs": args, "kwargs": kwargs, "per_step": per_step,
                            "answers": [], "mistakes": [], "cost": None}

    def add_answer(self, test: str, function: str, key: str, output: Any, mistake: int | None = None) -> None:
        """A reference's output on the inputs with ``key``, or that of the mistake at index
        ``mistake`` of the function's catalogue (names may repeat: two ways to one mistake)."""
        entry = {"function": function, "key": key, "output": output}
        if mistake is None:
            self.tests[test]["answers"].append(entry)
        else:
            self.tests[test]["mistakes"].append({**entry, "mistake": mistake})

    def add_cost(self, test: str, function: str, key: str, reference_seconds: float) -> None:
        """A performance test's reference CPU seconds per call, on the release machine."""
        self.tests[test]["cost"] = {"function": function, "key": key, "reference_seconds": reference_seconds,
                                    "ratio": reference_seconds / self.calibration_seconds}

    def add_catalogue(self, function: str, mistakes: list[Mistake]) -> None:
        """The names and hints of ``function``'s mistake catalogue, in its order."""
        self.catalogues[function] = [{"name": m.name, "hint": m.hint} for m in mistakes]

    def _label(self, function: str, index: int) -> str:
        """A mistake's name in npz keys; ``name.<index>`` where the catalogue repeats the name."""
        names = [m["name"] for m in self.catalogues[function]]
        return names[index] if names.count(names[index]) == 1 else f"{names[index]}.{index}"

    @staticmethod
    def _numbered(entries: list[dict], base: str, arrays: dict) -> list[dict]:
        single = len(entries) == 1
        return [{**{k: v for k, v in e.items() if k != "output"},
                 "output": pack(e["output"], base if single else f"{base}/call{n}", arrays)}
                for n, e in enumerate(entries)]

    def write(self, npz_path: Path) -> None:
        """Write ``npz_path`` (the arrays) and the ``.json`` beside it (everything else)."""
        arrays: dict[str, np.ndarray] = {}
        tests = {}
        for name, t in self.tests.items():
            by_mistake: dict[tuple[str, int], list[dict]] = {}
            for entry in t["mistakes"]:
                by_mistake.setdefault((entry["function"], entry["mistake"]), []).append(entry)
            tests[name] = {
                "inputs": {k: pack(v, f"{name}/inputs/{k}", arrays) for k, v in t["inputs"].items()},
                "kwargs": {k: pack(v, f"{name}/kwargs/{k}", arrays) for k, v in t["kwargs"].items()},
                "per_step": [{k: pack(v, f"{name}/per_step/{i}/{k}", arrays) for k, v in step.items()}
                             for i, step in enumerate(t["per_step"])],
                "answers": self._numbered(t["answers"], f"{name}/expected", arrays),
                "mistakes": [e for (function, i), entries in by_mistake.items()
                             for e in self._numbered(entries, f"{name}/mistakes/{self._label(function, i)}", arrays)],
                **({"cost": t["cost"]} if t["cost"] else {}),
            }
        blobs, index = pack_blobs(arrays)
        meta = {"format": FORMAT, "assignment": self.assignment, "arrays": index,
                "calibration": calibration.VERSION, "calibration_seconds": self.calibration_seconds,
                "catalogues": self.catalogues, "tests": tests}
        np.savez_compressed(npz_path, **blobs)
        npz_path.with_suffix(".json").write_text(json.dumps(meta, indent=1, allow_nan=False) + "\n",
                                                 encoding="utf-8")


# --------------------------------------------------------------------------- reading (in a bundle)

class TabulatedFunction:
    """A reference function (or a mistake) replaced by its stored answers: a call looks its inputs
    up. With costs stored, it is also a :class:`~grader.grading.timing.PricedReference`."""

    def __init__(self, function_name: str, answers: dict[str, Any], costs: dict[str, float], origin: Path,
                 store: str = "the bundle"):
        self.function_name = function_name
        self.answers, self.costs, self.origin = answers, costs, origin
        self.store = store                    # where the answers are, as messages name it (Fixtures.STORE)

    def __call__(self, *args, **kwargs) -> Any:
        key = call_key(args, kwargs)
        if key not in self.answers:
            raise MissingAnswer(self.origin, "", f"no stored answer of {self.function_name} for these "
                                f"inputs: the answers in {self.store} do not match its assignment.yaml")
        return copy_value(self.answers[key])

    def cpu_seconds(self, args: list, kwargs: dict) -> float:
        key = call_key(args, kwargs)
        if key not in self.costs and len(self.costs) == 1:    # a fresh draw of the one timed test
            key = next(iter(self.costs))
        if key not in self.costs:
            raise MissingAnswer(self.origin, "", f"no stored cost of {self.function_name} for these inputs")
        return self.costs[key] * calibration.seconds()


class FixtureInputs(InputMaker):
    """The inputs of each test as stored at release. Timing draws (``fresh_seed``) are drawn anew
    where :meth:`redrawable`, else they are the stored inputs again."""

    def __init__(self, spec: Spec, stored: dict[str, tuple[dict, dict, list[dict]]]):
        super().__init__(spec)
        self.stored = stored

    def _inputs(self, test: Test) -> tuple[dict, dict, list[dict]]:
        if test.name not in self.stored:
            raise MissingAnswer(self.spec.fixtures, "", f"no stored inputs for test {test.name!r}")
        return self.stored[test.name]

    def for_test(self, test: Test, fresh_seed: int | None = None,
                 student: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        if fresh_seed is not None and self.redrawable(test):
            return self._draw(test, fresh_seed, None)
        args, kwargs, _ = self._inputs(test)
        return copy_value(args), copy_value(kwargs)

    @staticmethod
    def redrawable(test: Test) -> bool:
        """Whether a bundle can draw fresh inputs for ``test``: each is a literal or a built-in
        generator (a bundle has neither the references' generators nor hidden data)."""
        if isinstance(test.inputs, str):
            return False
        return all(not isinstance(v, dict) or "value" in v or ("generate" in v and "." not in str(v["generate"]))
                   for v in [*test.inputs.values(), *test.kwargs.values()])

    def steps_for(self, test: Test, args: dict[str, Any],
                  student: str = "") -> tuple[dict[int, int], list[dict[int, Any]]]:
        index = {name: i for i, name in enumerate(args)}
        carry = {index[name]: out for name, out in test.carry.items()}
        return carry, [{index[name]: copy_value(v) for name, v in step.items()} for step in self._inputs(test)[2]]


class Fixtures:
    """A bundle's stored answers, standing in for :class:`~grader.grading.references.References`."""

    STORE = "the bundle"            # where these answers are, as messages name it (a subclass: elsewhere)

    def __init__(self, spec: Spec, npz_path: Path | None = None):
        npz_path = npz_path or spec.fixtures
        json_path = npz_path.with_suffix(".json")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:    # ValueError: bad JSON
            raise SpecError(json_path, "fixtures", f"unreadable: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise SpecError(json_path, "format", f"not fixtures of format {FORMAT} (release the bundle again)")
        if meta.get("assignment") != spec.id:
            raise SpecError(json_path, "assignment", f"fixtures of {meta.get('assignment')!r}, not {spec.id!r}")
        if meta.get("calibration") != calibration.VERSION:
            raise SpecError(json_path, "calibration", "the reference costs were measured against another "
                            "calibration workload (release the bundle again with this version of dlgrade)")
        try:
            arrays = read_blobs(npz_path, meta.get("arrays"))
        except (OSError, ValueError, KeyError, TypeError) as exc:   # ValueError: object arrays, bad index
            raise SpecError(npz_path, "fixtures", f"unreadable: {exc}") from None
        self.path = npz_path
        self.catalogues: dict[str, list[dict[str, str]]] = meta.get("catalogues", {})
        self.answers: dict[str, dict[str, Any]] = {}
        self.mistake_answers: dict[tuple[str, int], dict[str, Any]] = {}   # (function, catalogue index)
        self.costs: dict[str, dict[str, float]] = {}
        stored = {}
        try:
            for name, t in meta["tests"].items():
                stored[name] = ({k: unpack(v, arrays) for k, v in t["inputs"].items()},
                                {k: unpack(v, arrays) for k, v in t["kwargs"].items()},
                                [{k: unpack(v, arrays) for k, v in step.items()} for step in t["per_step"]])
                for e in t["answers"]:
                    self.answers.setdefault(e["function"], {})[e["key"]] = unpack(e["output"], arrays)
                for e in t["mistakes"]:
                    table = self.mistake_answers.setdefault((e["function"], int(e["mistake"])), {})
                    table[e["key"]] = unpack(e["output"], arrays)
                if "cost" in t:
                    self.costs.setdefault(t["cost"]["function"], {})[t["cost"]["key"]] = float(t["cost"]["ratio"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SpecError(json_path, "tests", f"malformed fixtures ({type(exc).__name__}: {exc})") from None
        self.inputs = FixtureInputs(spec, stored)
        if self.costs:                  # a timed test will price its reference: time this machine meanwhile
            calibration.start()

    def function(self, module: str, name: str) -> Callable[..., Any]:
        dotted = f"{module}.{name}"
        return TabulatedFunction(dotted, self.answers.get(dotted, {}), self.costs.get(dotted, {}), self.path,
                                 self.STORE)

    def mistakes(self, module: str, name: str) -> list[Mistake]:
        """The catalogue in its order; each mistake answers only where it differs from the reference."""
        dotted = f"{module}.{name}"
        return [Mistake(m["name"], m["hint"],
                        TabulatedFunction(dotted, self.mistake_answers.get((dotted, i), {}), {}, self.path,
                                          self.STORE))
                for i, m in enumerate(self.catalogues.get(dotted, []))]

    def earlier_answers(self, spec: Spec, tests: list[Test]) -> Fixtures | None:
        """What to grade ``tests`` of an earlier assignment (``spec``) with when this one builds on
        it: None, that assignment's own references (only the answer cache of ``grade check``
        answers from its stored answers, see :class:`~grader.grading.answer_cache.CachedAnswers`)."""
        return None
