"""The frame codec: how the parent (:mod:`grader.sandbox.client`) and the worker
(:mod:`grader.sandbox.worker`) talk. Both directions use the same frames; this module runs on both
sides, so it needs only the standard library and NumPy (the worker gets it as ``dlgrade_codec``,
see :data:`grader.sandbox.launcher.WORKER_MODULES`).

Frame (either direction)::

    u32 header_len | u32 body_len | header: UTF-8 JSON object | body: raw little-endian bytes

A value travels as a *tree* in the header plus array bytes in the body. Nodes:

    {"t": "nd", "dt": "<f8", "sh": [4, 5], "off": 0, "n": 160, "py": "ndarray"}   array or number
    {"t": "seq", "k": "tuple" | "list", "v": [node, ...]}
    {"t": "map", "v": {"key": node, ...}}
    {"t": "none"} | {"t": "str", "v": "..."} | {"t": "other", "py": "typename"}
    {"t": "fn", "m": "module", "f": "name"}      a function, by name (parent to worker only)

Decoding never trusts the sender: dtypes come from an allow-list, sizes are checked against
shapes and the body length, and nothing is unpickled or evaluated.
"""
from __future__ import annotations

import io
import json
import math
import os
import struct

import numpy as np

HEADER_LIMIT = 256 * 1024          # bytes of JSON header either side will accept


MAX_NODES = 10_000                 # nodes in one value tree


MAX_DEPTH = 16                     # nesting depth of one value tree


MAX_STRING = 2_000                 # characters kept of a string value


ALLOWED_DTYPES = frozenset(
    ["|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8"]
)


_PREFIX = struct.Struct("<II")


class ProtocolError(Exception):
    """A frame or value tree that breaks the protocol (too large, malformed, bad dtype)."""


# --------------------------------------------------------------------------- frames

def frame_parts(header: dict, body: list | bytes = b"") -> list[memoryview]:
    """One frame as buffers to write in turn: prefix and header, then the body's parts as they
    are (array memory, not copies: a large input crosses the pipe without being copied here)."""
    raw = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    if len(raw) > HEADER_LIMIT:
        raise ProtocolError(f"header of {len(raw)} bytes exceeds {HEADER_LIMIT}")
    parts = [memoryview(p).cast("B") for p in ([body] if isinstance(body, (bytes, bytearray)) else body)]
    return [memoryview(_PREFIX.pack(len(raw), sum(p.nbytes for p in parts)) + raw), *parts]


def pack_frame(header: dict, body: list | bytes = b"") -> bytes:
    """One frame as bytes (a copy: for small frames)."""
    return b"".join(frame_parts(header, body))


def write_all(fd: int, data: bytes | list) -> None:
    """Write ``data`` (bytes, or a frame's parts) to a blocking ``fd``."""
    for view in [memoryview(data)] if isinstance(data, (bytes, bytearray)) else data:
        while view:
            view = view[os.write(fd, view):]


def parse_prefix(prefix: bytes, max_body: int) -> tuple[int, int]:
    """Lengths from a frame's first 8 bytes, refused before anything is allocated."""
    header_len, body_len = _PREFIX.unpack(prefix)
    if header_len > HEADER_LIMIT:
        raise ProtocolError(f"reply header of {header_len} bytes (limit {HEADER_LIMIT})")
    if body_len > max_body:
        raise ProtocolError(f"reply of {body_len} bytes is larger than allowed ({max_body})")
    return header_len, body_len


def parse_header(raw: bytes) -> dict:
    def refuse_constant(token: str):
        raise ProtocolError(f"non-standard JSON constant {token}")

    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:   # bad UTF-8 or JSON, huge ints, '[[[[...' nesting
        raise ProtocolError(f"malformed header: {str(exc)[:200]}") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    return header


def _read_exact(source: int | io.RawIOBase, n: int) -> bytearray:
    """``n`` bytes from a descriptor (``os.readv``) or, on the portable start, from a raw file
    (``readinto``: Windows has no ``readv``); both read into the buffer without a copy."""
    data = bytearray(n)
    view, got = memoryview(data), 0
    while got < n:
        count = source.readinto(view[got:]) if isinstance(source, io.RawIOBase) else os.readv(source, [view[got:]])
        if not count:
            raise EOFError
        got += count
    return data


def read_frame_blocking(fd: int | io.RawIOBase, max_body: int) -> tuple[dict, bytearray]:
    """Blocking read of one frame (the worker's side; the parent reads with a deadline)."""
    header_len, body_len = parse_prefix(_read_exact(fd, _PREFIX.size), max_body)
    header = parse_header(_read_exact(fd, header_len))
    return header, _read_exact(fd, body_len)


# --------------------------------------------------------------------------- values

def encode_value(value, chunks: list, offset: list[int], depth: int = 0) -> dict:
    """Describe ``value`` as a tree node, appending its arrays' memory to ``chunks``. Each array
    starts at a multiple of 8 bytes, so the receiver's views of the body are aligned."""
    if depth >= MAX_DEPTH:          # the deepest node that decode() accepts
        return {"t": "other", "py": "too deeply nested"}
    if value is None:
        return {"t": "none"}
    if isinstance(value, FunctionRef):
        return {"t": "fn", "m": value.module, "f": value.name}
    if isinstance(value, str):
        return {"t": "str", "v": value[:MAX_STRING]}
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"t": "seq", "k": kind, "v": [encode_value(v, chunks, offset, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"t": "map", "v": {str(k): encode_value(v, chunks, offset, depth + 1) for k, v in value.items()}}
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        py = type(value).__name__ if not isinstance(value, np.generic) else f"numpy.{type(value).__name__}"
        try:
            arr = np.asarray(value)
        except (OverflowError, ValueError):
            return {"t": "other", "py": py}
        if isinstance(value, int) and not isinstance(value, bool):
            arr = arr.astype(np.int64) if arr.dtype.kind in "iu" else arr
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False) if arr.dtype.byteorder == ">" else arr
        if arr.dtype.str not in ALLOWED_DTYPES:
            return {"t": "other", "py": f"{py} of dtype {arr.dtype}"}
        data = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
        node = {"t": "nd", "dt": arr.dtype.str, "sh": list(arr.shape), "off": offset[0], "n": data.size, "py": py}
        chunks.append(data)
        offset[0] += data.size
        if offset[0] % 8:
            chunks.append(bytes(8 - offset[0] % 8))
            offset[0] += 8 - offset[0] % 8
        return node
    return {"t": "other", "py": type(value).__name__}


def encode(value) -> tuple[dict, list]:
    """The tree and body of ``value``; the body is a list of buffers (see :func:`frame_parts`).
    A container too large for a frame header (e.g. a list of 10,000 numbers) is sent as an
    ``other`` node, which decode() accepts, not as a broken frame."""
    chunks: list = []
    tree = encode_value(value, chunks, [0])
    if tree["t"] in ("seq", "map") and (_count_nodes(tree) > MAX_NODES
                                          or len(json.dumps(tree, separators=(",", ":"))) > HEADER_LIMIT - 4096):
        return {"t": "other", "py": f"{type(value).__name__} of {len(value)} items (too large to send)"}, []
    return tree, chunks


def _count_nodes(node: dict) -> int:
    items = node.get("v") if node["t"] in ("seq", "map") else ()
    return 1 + sum(_count_nodes(v) for v in (items.values() if isinstance(items, dict) else items))


class FunctionRef:
    """A function named by module and name: the parent's way to pass a callable as an input.

    The worker resolves it to the student's function (or a helper module's); the parent, for the
    reference call, to the reference's function of the same name.
    """

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"

    def __eq__(self, other) -> bool:
        return isinstance(other, FunctionRef) and (other.module, other.name) == (self.module, self.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))


class Other:
    """A value the sender could not encode (a generator, an object array...): only its type name."""

    def __init__(self, typename: str):
        self.typename = typename

    def __repr__(self) -> str:
        return f"<{self.typename}>"


def decode(tree, body: bytes | bytearray):
    """Rebuild a value from an untrusted tree and body: plain arrays, numbers, containers only.
    Arrays are views of a writable, aligned body (a frame just read), else copies."""
    count = [0]

    def walk(node, depth):
        count[0] += 1
        if count[0] > MAX_NODES or depth > MAX_DEPTH:
            raise ProtocolError("value tree too large or too deep")
        if not isinstance(node, dict):
            raise ProtocolError("value node is not an object")
        kind = node.get("t")
        if kind == "none":
            return None
        if kind == "str":
            return str(node.get("v", ""))[:MAX_STRING]
        if kind == "other":
            return Other(str(node.get("py", "object"))[:200])
        if kind == "seq":
            items = [walk(v, depth + 1) for v in _as_list(node.get("v"))]
            return tuple(items) if node.get("k") == "tuple" else items
        if kind == "map":
            items = node.get("v")
            if not isinstance(items, dict):
                raise ProtocolError("map node without an object")
            return {str(k): walk(v, depth + 1) for k, v in items.items()}
        if kind == "nd":
            return _decode_array(node, body)
        if kind == "fn":
            module, name = str(node.get("m", "")), str(node.get("f", ""))
            if not (module.isidentifier() and name.isidentifier()):
                raise ProtocolError("bad function reference")
            return FunctionRef(module, name)
        raise ProtocolError(f"unknown value node {kind!r}")

    return walk(tree, 0)


def _as_list(v) -> list:
    if not isinstance(v, list):
        raise ProtocolError("sequence node without a list")
    return v


def _decode_array(node: dict, body: bytes):
    dt, shape, off, n = node.get("dt"), node.get("sh"), node.get("off"), node.get("n")
    if not isinstance(dt, str) or dt not in ALLOWED_DTYPES:
        raise ProtocolError(f"dtype {str(dt)[:40]!r} is not allowed")
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        raise ProtocolError("bad array shape")
    if not (isinstance(off, int) and isinstance(n, int) and 0 <= off and off + n <= len(body)):
        raise ProtocolError("array bytes outside the frame body")
    dtype = np.dtype(dt)
    if math.prod(shape) * dtype.itemsize != n:      # Python ints: no int64 overflow
        raise ProtocolError("array byte count does not match its shape")
    try:
        arr = np.frombuffer(body, dtype=dtype, count=n // dtype.itemsize, offset=off).reshape(shape)
    except (ValueError, OverflowError):             # e.g. an empty array with a dimension of 2**70
        raise ProtocolError("bad array shape") from None
    if not (arr.flags.writeable and arr.flags.aligned):
        arr = arr.copy()
    py = str(node.get("py", "ndarray"))
    if shape == [] and py != "ndarray":
        return Scalar(arr, py)
    return arr


class Scalar:
    """A number as the sender returned it: its value (a 0-d array) and its Python type name."""

    def __init__(self, value: np.ndarray, typename: str):
        self.value = value
        self.typename = typename

    def __repr__(self) -> str:
        return repr(self.value.item())


def to_plain(value):
    """Turn decoded Scalars back into Python/NumPy numbers (used for inputs on the worker side)."""
    if isinstance(value, Scalar):
        item = value.value.item()
        return value.value[()] if value.typename.startswith("numpy.") else item
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


def snapshot(value):
    """A deep copy of arrays, dicts and lists: an output kept safe from later in-place changes."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(v) for v in value)
    return value


def run_chain(fn, args: list, kwargs: dict, carry: dict, per_step: list) -> tuple:
    """Call ``fn`` once per step, feeding outputs back in as inputs: a trajectory.

    ``carry`` maps an argument index to the output index that replaces it after each step (-1: the
    whole output); ``per_step[k]`` maps argument indices to the inputs of step ``k``. Returns the
    outputs of every step, each copied as it was returned. Used by the worker for the student's
    function and by the parent for the reference and the mistake catalogue, so both run alike.
    """
    args, outputs = list(args), []
    for fresh in per_step:
        for index, value in fresh.items():
            args[int(index)] = value
        out = fn(*args, **kwargs)
        outputs.append(snapshot(out))
        for index, which in carry.items():
            args[int(index)] = out if which < 0 else out[which]
    return tuple(outputs)
