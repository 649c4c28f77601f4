"""Turn the inputs written in a spec into NumPy values, deterministically, in the trusted parent.

A value spec is one of:

* a literal: ``0.5``, ``[[1, 2], [3, 4]]`` (lists become float64 arrays), ``true``, ``"mean"``;
* ``{value: [...], dtype: float32}``: a literal array of a given dtype;
* ``{generate: NAME, shape: [...], dtype: ..., seed: ..., ...}``: drawn from a generator;
* ``{from: NAME}`` or ``{from: NAME.KEY}``: a value from the spec's shared ``data`` section;
* ``{dict: {KEY: VALUE_SPEC, ...}}``: a Python dict (an optimizer's ``config``);
* ``{function: MODULE.NAME}``: a function, passed by name (:class:`~grader.sandbox.codec.FunctionRef`).

Generators are the built-ins below, or ``module.function`` in the references folder, called as
``function(rng, **params)``. A generator may return a dict (a data *set*, e.g. ``X`` and ``y``);
a test can then take its whole ``inputs`` from it by name. Seeds default to a hash of where the
value is written, so every run draws the same numbers. ``fresh_seed`` re-draws for timing: the
engine passes 128 bits from :mod:`secrets` per draw, mixed into the generator's seed, so timed
inputs cannot be predicted from the public spec (literal and ``from`` values stay as written). In
hidden tests, a generated value without an explicit seed is drawn *per student*: its seed also
hashes the submission's identity and the instructor's secret, so answers cannot be shared or
hard-coded.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..model.config import SECRET_SOURCES
from ..model.spec import Spec, Test, ValueSpec
from ..sandbox.codec import FunctionRef, snapshot

DTYPES = {"float64": np.float64, "float32": np.float32, "int64": np.int64, "int32": np.int32, "bool": np.bool_}
_RESERVED = {"generate", "shape", "dtype", "seed", "round", "zero_fraction"}


def stable_seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:4], "little")


def blobs(rng: np.random.Generator, n: int = 40, d: int = 2, margin: float = 0.5,
          offset: float = 1.0) -> dict[str, np.ndarray]:
    """Linearly separable data: ``X`` (n, d) float64, ``y`` (n,) in {-1.0, +1.0}.

    Points are drawn around a random hyperplane ``w·x + offset = 0`` and pushed away from it by at
    least ``margin`` on their label's side; the plane does not pass through the origin, so a
    perceptron needs its bias. Both labels occur.
    """
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    X = rng.normal(scale=2.0, size=(n, d))
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    rng.shuffle(y)
    dist = X @ w + offset
    X += np.outer(y * margin - dist + y * np.abs(rng.normal(size=n)), w)
    return {"X": X, "y": y}


def _builtin(name: str, rng: np.random.Generator, shape: tuple, params: dict) -> Any:
    if name == "normal":
        return rng.normal(params.get("mean", 0.0), params.get("std", 1.0), size=shape)
    if name == "uniform":
        return rng.uniform(params.get("low", 0.0), params.get("high", 1.0), size=shape)
    if name == "integers":
        return rng.integers(params.get("low", 0), params.get("high", 10), size=shape)
    if name == "choice":
        return rng.choice(np.asarray(params["values"]), size=shape)
    if name == "linspace":
        count = int(np.prod(shape)) if shape else params.get("num", 50)
        return np.linspace(params.get("start", 0.0), params.get("stop", 1.0), count).reshape(shape or (count,))
    if name == "zeros":
        return np.zeros(shape)
    if name == "ones":
        return np.ones(shape)
    if name == "full":
        return np.full(shape, params["fill"])
    if name == "blobs":
        return blobs(rng, **params)
    raise KeyError(name)


class InputMaker:
    """Materialises the inputs of tests of one spec; shared ``data`` is drawn once and cached.

    ``secret`` (the instructor's) and the submission's identity salt the seeds of the values drawn
    per student; see :meth:`per_student`.
    """

    def __init__(self, spec: Spec, resolve: Callable[[str, str], Callable] | None = None, secret: str = ""):
        self.spec = spec
        self.resolve = resolve          # (module, attr) -> callable, for generators in references
        self.secret = secret
        self._data: dict[str, Any] = {}
        self._drawn: dict[str, tuple[dict, dict]] = {}   # same for every student

    @staticmethod
    def per_student(test: Test) -> bool:
        """Whether some input of ``test`` is drawn per student (a hidden test with an unseeded generator)."""
        if test.visibility != "hidden":
            return False
        specs = [*(test.inputs.values() if isinstance(test.inputs, dict) else ()),
                 *test.kwargs.values(), *test.per_step.values()]
        return any(isinstance(v, dict) and "generate" in v and "seed" not in v for v in specs)

    def data(self, name: str) -> Any:
        if name not in self._data:
            self._data[name] = self.value(self.spec.data[name], ("data", name))
        return self._data[name]

    def value(self, spec: ValueSpec, where: tuple[str, ...], fresh_seed: int | None = None,
              student: str | None = None) -> Any:
        """One value; ``student`` (an identity) draws unseeded generators for that student."""
        if isinstance(spec, list):
            return np.asarray(spec, dtype=np.float64)
        if not isinstance(spec, dict):
            return spec
        if "value" in spec:
            return np.asarray(spec["value"], dtype=DTYPES[spec.get("dtype", "float64")])
        if "from" in spec:
            name, _, key = spec["from"].partition(".")
            value = self.data(name)
            return copy_value(value[key] if key else value)
        if "dict" in spec:
            return {k: self.value(v, where + (k,), fresh_seed, student) for k, v in spec["dict"].items()}
        if "function" in spec:
            return FunctionRef(*spec["function"].split("."))
        if "seed" in spec:
            seed = spec["seed"]
        elif student is not None:
            seed = stable_seed(self.secret, student, self.spec.id, *where)
        else:
            seed = stable_seed(self.spec.id, *where)
        rng = np.random.default_rng(seed if fresh_seed is None else [seed, fresh_seed % (1 << 128)])
        shape = tuple(spec.get("shape", ()))
        params = {k: v for k, v in spec.items() if k not in _RESERVED}
        name = spec["generate"]
        if "." in name:
            out = self.resolve(*name.split("."))(rng, **({"shape": shape} if shape else {}), **params)
        else:
            out = _builtin(name, rng, shape, params)
        return out if isinstance(out, dict) else self._finish(np.asarray(out), spec, rng)

    @staticmethod
    def _finish(arr: np.ndarray, spec: dict, rng: np.random.Generator) -> np.ndarray:
        if "round" in spec:
            arr = np.round(arr, spec["round"])
        if spec.get("zero_fraction"):
            arr = np.array(arr, dtype=np.float64)
            arr.flat[rng.random(arr.size) < spec["zero_fraction"]] = 0.0
        if "dtype" in spec:
            arr = arr.astype(DTYPES[spec["dtype"]], copy=False)
        elif arr.dtype.kind == "f":
            arr = arr.astype(np.float64, copy=False)
        return arr

    def for_test(self, test: Test, fresh_seed: int | None = None,
                 student: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        """(positional inputs by name, keyword inputs) for one test; fresh copies every time.

        ``student`` is the submission's identity, used by tests drawn per student.
        """
        own = student if self.per_student(test) else None
        cached = own is None and fresh_seed is None     # fresh draws for timing are never reused
        if cached and test.name in self._drawn:     # drawing is deterministic: a batch draws once
            return copy_value(self._drawn[test.name])
        args, kwargs = self._draw(test, fresh_seed, own)
        if cached:
            self._drawn[test.name] = copy_value((args, kwargs))
        return args, kwargs

    def _draw(self, test: Test, fresh_seed: int | None, own: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        if isinstance(test.inputs, str):
            data = self.data(test.inputs)
            if not isinstance(data, dict):
                raise ValueError(f"data {test.inputs!r} is not a set of named inputs")
            args = {k: copy_value(v) for k, v in data.items()}
        else:
            args = {k: self.value(v, ("tests", test.name, k), fresh_seed, own) for k, v in test.inputs.items()}
        kwargs = {k: self.value(v, ("tests", test.name, "kwargs", k), fresh_seed, own) for k, v in test.kwargs.items()}
        return args, kwargs

    def steps_for(self, test: Test, args: dict[str, Any], student: str = "") -> tuple[dict[int, int], list[dict[int, Any]]]:
        """A trajectory's ``(carry, per_step)`` by argument index, as :func:`worker.run_chain` takes them."""
        own = student if self.per_student(test) else None
        index = {name: i for i, name in enumerate(args)}
        carry = {index[name]: out for name, out in test.carry.items()}
        per_step = [{index[name]: self.value(v, ("tests", test.name, "step", str(k), name), None, own)
                     for name, v in test.per_step.items()} for k in range(test.steps or 0)]
        return carry, per_step


def missing_secret_warning(spec: Spec, secret: str, consequence: str = "") -> str | None:
    """One line for the instructor when ``spec`` has hidden tests drawn per student and ``secret``
    is empty: their inputs are then seeded by the student id alone, so anyone who learns the spec
    can compute them. ``consequence`` says what it means for the command (", so the zip ships none").
    None when there is a secret or nothing is drawn per student."""
    drawn = sum(InputMaker.per_student(t) for t in spec.tests)
    if secret or not drawn:
        return None
    return (f"warning: no instructor secret is configured{consequence}: the hidden inputs of {drawn} test(s) of "
            f"{spec.id} drawn per student can be computed from the spec and a student id; "
            f"set {SECRET_SOURCES} (docs/spec.md)")


#: A deep copy of arrays inside dicts, lists and tuples (other values are immutable here): the
#: codec's own, which the worker uses standalone, so there is one copy of it.
copy_value = snapshot
