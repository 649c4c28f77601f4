"""The frame codec of grader/sandbox/codec.py, and the parent's side against replies forged by student code.

Both directions use one codec; the parent decodes what an untrusted process wrote, so every
hostile frame must end in :class:`ProtocolError` (never another exception, a hang or a huge
allocation), and normal values must round-trip exactly.
"""
from __future__ import annotations

import os
import signal
import struct
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from grader.grading.engine import Grader
from grader.model.spec import load_spec
from grader.sandbox import codec
from grader.sandbox.client import Limits, Worker
from grader.sandbox.codec import ProtocolError, Scalar
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
PREFIX = struct.Struct("<II")


def frame_pipe(data: bytes) -> int:
    """The read end of a pipe that carries ``data`` and then ends (a thread writes it)."""
    r, w = os.pipe()

    def feed():
        try:
            codec.write_all(w, data)
        except OSError:           # the reader stopped early (a refused frame)
            pass
        finally:
            os.close(w)

    threading.Thread(target=feed, daemon=True).start()
    return r


def round_trip(value):
    """Through the whole path: encode, pack, a real pipe, read, decode."""
    tree, body = codec.encode(value)
    r = frame_pipe(codec.pack_frame({"result": tree}, body))        # parts joined: one write
    try:
        header, got_body = codec.read_frame_blocking(r, max_body=1 << 30)
    finally:
        os.close(r)
    return codec.decode(header["result"], got_body)


def nd(dt="<f8", sh=(2,), off=0, n=16, **extra) -> dict:
    return {"t": "nd", "dt": dt, "sh": list(sh), "off": off, "n": n, "py": "ndarray", **extra}


# --------------------------------------------------------------------------- prefix and header

def test_header_length_over_the_limit_is_refused():
    with pytest.raises(ProtocolError, match="header"):
        codec.parse_prefix(PREFIX.pack(codec.HEADER_LIMIT + 1, 0), max_body=1 << 20)
    assert codec.parse_prefix(PREFIX.pack(codec.HEADER_LIMIT, 5), max_body=5) == (codec.HEADER_LIMIT, 5)


def test_body_over_max_body_is_refused_before_reading():
    with pytest.raises(ProtocolError, match="larger than allowed"):
        codec.parse_prefix(PREFIX.pack(10, 1_000_001), max_body=1_000_000)
    # Only the prefix is in the pipe: reading on would hit end-of-file (EOFError), not refuse.
    r = frame_pipe(PREFIX.pack(2, 1 << 31))
    try:
        with pytest.raises(ProtocolError, match="larger than allowed"):
            codec.read_frame_blocking(r, max_body=1 << 20)
    finally:
        os.close(r)


def test_truncated_frame_is_end_of_file():
    r = frame_pipe(PREFIX.pack(100, 0) + b'{"op"')
    try:
        with pytest.raises(EOFError):
            codec.read_frame_blocking(r, max_body=1 << 20)
    finally:
        os.close(r)


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": [1, -Infinity]}'])
def test_non_standard_json_constants_are_refused(raw):
    with pytest.raises(ProtocolError, match="constant"):
        codec.parse_header(raw)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"ok"', b"1", b"null", b"true"])
def test_header_must_be_an_object(raw):
    with pytest.raises(ProtocolError, match="not a JSON object"):
        codec.parse_header(raw)


@pytest.mark.parametrize("raw", [
    b"{", b"", b"\xff\xfe{}", b'{"a": 1} trailing',
    b"[" * 200_000,                       # deeper than the JSON parser's recursion limit
    b'{"a": ' + b"9" * 5000 + b"}",       # an integer past Python's digit limit
], ids=["unclosed", "empty", "not-utf8", "trailing", "deep-nesting", "huge-int"])
def test_malformed_headers_are_protocol_errors(raw):
    with pytest.raises(ProtocolError, match="malformed header"):
        codec.parse_header(raw)


def test_pack_frame_refuses_an_oversized_header():
    with pytest.raises(ProtocolError, match="exceeds"):
        codec.pack_frame({"v": "x" * (codec.HEADER_LIMIT + 1)})


# --------------------------------------------------------------------------- hostile value trees

@pytest.mark.parametrize("dt", ["|O", "<c16", "<c8", ">f8", "<M8[s]", "<U4", "|V16", "float64", "", None, 5, ["<f8"]])
def test_dtypes_outside_the_allow_list_are_refused(dt):
    with pytest.raises(ProtocolError, match="not allowed"):
        codec.decode(nd(dt=dt), bytes(16))


@pytest.mark.parametrize("node, body_len, match", [
    (nd(sh=(3,), n=16), 16, "does not match"),              # 3 float64 are 24 bytes
    (nd(sh=(2,), n=8), 16, "does not match"),
    (nd(sh=(-2,), n=16), 16, "bad array shape"),
    (nd(sh=(True, 2), n=16), 16, "bad array shape"),
    (nd(sh=(2.0,), n=16), 16, "bad array shape"),
    (nd(sh=[1] * 33, n=8), 8, "bad array shape"),
    ({**nd(), "sh": "2"}, 16, "bad array shape"),
    (nd(sh=(1 << 32, 1 << 32), n=0), 0, "does not match"),  # overflows int64 arithmetic
    (nd(sh=(0, 1 << 70), n=0), 0, "bad array shape"),       # zero bytes, impossible shape
    (nd(off=8), 16, "outside"),
    (nd(off=-8), 16, "outside"),
    (nd(n=24), 16, "outside"),
    (nd(off="0"), 16, "outside"),
    (nd(off=0, n=None), 16, "outside"),
])
def test_array_nodes_that_do_not_fit_the_body_are_refused(node, body_len, match):
    with pytest.raises(ProtocolError, match=match):
        codec.decode(node, bytes(body_len))


def _nested(depth: int) -> dict:
    node = {"t": "none"}
    for _ in range(depth):
        node = {"t": "seq", "k": "list", "v": [node]}
    return node


def test_nesting_deeper_than_the_limit_is_refused():
    assert codec.decode(_nested(codec.MAX_DEPTH), b"") is not None
    with pytest.raises(ProtocolError, match="too deep"):
        codec.decode(_nested(codec.MAX_DEPTH + 1), b"")
    with pytest.raises(ProtocolError, match="too deep"):
        codec.decode({"t": "map", "v": {"a": _nested(codec.MAX_DEPTH)}}, b"")


def test_too_many_nodes_are_refused():
    with pytest.raises(ProtocolError, match="too large"):
        codec.decode({"t": "seq", "k": "list", "v": [{"t": "none"}] * codec.MAX_NODES}, b"")


@pytest.mark.parametrize("tree", [
    [1, 2], "nd", 3, None,
    {"t": "pickle", "v": "gASVAAAA"},
    {"t": "seq", "k": "list", "v": {"a": 1}},
    {"t": "seq", "k": "list", "v": [5]},
    {"t": "map", "v": [1, 2]},
    {"t": ["nd"]},
])
def test_malformed_nodes_are_refused(tree):
    with pytest.raises(ProtocolError):
        codec.decode(tree, b"")


def test_an_array_from_read_only_bytes_is_a_writable_copy():
    body = np.arange(4, dtype="<f8").tobytes()
    arr = codec.decode(nd(sh=(4,), n=32), body)
    assert arr.flags.writeable and arr.flags.owndata
    arr[0] = 99.0
    assert codec.decode(nd(sh=(4,), n=32), body)[0] == 0.0


def test_arrays_of_a_read_frame_are_aligned_writable_and_independent():
    """A frame just read is decoded in place (no copy), so each array must start aligned after
    an odd-sized neighbour, and writing one array must not touch the next."""
    flags = np.array([True, False, True])
    x = np.arange(4, dtype="<f8")
    tree, body = codec.encode((flags, x, np.int16(7), x * 2))
    assert all(node["off"] % 8 == 0 for node in tree["v"])
    got = round_trip((flags, x, np.int16(7), x * 2))
    for arr in (got[0], got[1], got[3]):
        assert arr.flags.writeable and arr.flags.aligned
    got[0][:] = False
    got[1][:] = -1.0
    np.testing.assert_array_equal(got[3], x * 2)
    assert got[2].value == 7 and got[2].typename == "numpy.int16"


# --------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("dt", sorted(codec.ALLOWED_DTYPES))
def test_arrays_of_each_allowed_dtype_round_trip(dt):
    rng = np.random.default_rng(0)
    dtype = np.dtype(dt)
    for shape in [(3, 4), (5,), (), (0, 3), (2, 1, 3)]:
        if dtype.kind == "b":
            arr = rng.random(shape) < 0.5
        elif dtype.kind in "iu":
            info = np.iinfo(dtype)
            arr = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
        else:
            arr = rng.normal(size=shape).astype(dtype)
        arr = np.asarray(arr)                 # shape () gives a NumPy scalar: make it 0-d
        got = round_trip(arr)
        assert isinstance(got, np.ndarray)
        assert got.dtype == dtype and got.shape == arr.shape
        np.testing.assert_array_equal(got, arr)


def test_special_floats_and_layouts_round_trip():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308])
    got = round_trip(x)
    assert got.tobytes() == x.tobytes()                       # bit for bit, NaN and -0.0 included
    m = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(round_trip(m.T), m.T)        # non-contiguous
    np.testing.assert_array_equal(round_trip(m[:, ::2]), m[:, ::2])
    big_endian = np.arange(5, dtype=">i4")
    got = round_trip(big_endian)
    assert got.dtype == np.dtype("<i4")
    np.testing.assert_array_equal(got, big_endian)


@pytest.mark.parametrize("value, typename", [
    (3, "int"), (-2 ** 63, "int"), (2.5, "float"), (True, "bool"),
    (np.float32(1.5), "numpy.float32"), (np.int64(7), "numpy.int64"), (np.bool_(False), "numpy.bool"),
    (np.float64(np.nan), "numpy.float64"),
])
def test_scalars_round_trip_with_their_type(value, typename):
    got = round_trip(value)
    assert isinstance(got, Scalar)
    assert got.typename == typename
    np.testing.assert_array_equal(got.value, np.asarray(value))
    plain = codec.to_plain(got)
    assert type(plain).__name__ == typename.removeprefix("numpy.")


def test_containers_none_and_strings_round_trip():
    value = {
        "tuple": (1.0, np.arange(3), None),
        "list": [np.zeros((2, 2), dtype=np.float32), "text", []],
        "nested": {"deeper": ({"x": np.array([True, False])},)},
        "none": None,
        "unicode": "ŵ·x + b ≥ 0",
        "empty": (),
    }
    got = codec.to_plain(round_trip(value))
    assert set(got) == set(value)
    assert isinstance(got["tuple"], tuple) and isinstance(got["list"], list)
    assert got["tuple"][0] == 1.0 and got["tuple"][2] is None
    np.testing.assert_array_equal(got["tuple"][1], np.arange(3))
    assert got["list"][0].dtype == np.float32 and got["list"][1] == "text" and got["list"][2] == []
    np.testing.assert_array_equal(got["nested"]["deeper"][0]["x"], [True, False])
    assert got["none"] is None and got["unicode"] == value["unicode"] and got["empty"] == ()


def test_long_strings_are_cut_and_unencodable_values_become_other():
    assert round_trip("a" * (codec.MAX_STRING + 50)) == "a" * codec.MAX_STRING
    for value, name in [(np.array([1 + 2j]), "complex128"), (np.array([object()]), "object"),
                        ((i for i in range(3)), "generator"), (2 ** 70, "int"), ({1, 2}, "set")]:
        got = round_trip(value)
        assert isinstance(got, codec.Other), value
        assert name in got.typename
    deep = None
    for _ in range(codec.MAX_DEPTH + 5):
        deep = [deep]
    got = round_trip(deep)                  # the sender cuts it off instead of failing
    for _ in range(codec.MAX_DEPTH):
        got = got[0]
    assert isinstance(got, codec.Other)


def test_containers_too_large_for_a_header_are_sent_as_other():
    """What the encoder sends, the decoder must accept: a long list is an Other, not a broken frame."""
    for value, name in [([1.0] * (codec.MAX_NODES + 1), "list of 10001 items"),
                        (tuple(["x" * codec.MAX_STRING] * 150), "tuple of 150 items"),
                        ({str(i): i for i in range(6000)}, "dict of 6000 items")]:
        tree, body = codec.encode(value)
        codec.pack_frame({"ok": True, "result": tree}, body)           # fits in a header
        got = codec.decode(tree, body)
        assert isinstance(got, codec.Other) and got.typename.startswith(name) and "too large" in got.typename
    assert len(round_trip([1.0] * 3000)) == 3000                         # below the limits: as is


def test_a_long_list_from_student_code_is_an_answer_not_a_crash():
    source = "def labels(n):\n    return [1.0] * n\n"
    with Worker({"m": source}, Limits(wall_seconds=5)) as w:
        w.load(["m"])
        for n in (100, 6000, 50_000):
            outcome = w.call("m", "labels", [n], {}, ["n"], max_reply=1 << 20)
            assert outcome.status == "ok", (n, outcome.reason)
            if n == 100:
                assert isinstance(outcome.value, list) and len(outcome.value) == 100
            else:
                assert isinstance(outcome.value, codec.Other) and f"list of {n} items" in outcome.value.typename
        assert w.alive and "Traceback" not in w.output


# --------------------------------------------------------------------------- forged replies

FORGERS = '''
import os, struct, time
import dlgrade_codec as _w     # the worker program's frame codec (grader/sandbox/codec.py)


def _to_every_fd(data):
    for fd in range(3, 256):       # wherever the worker's reply pipe is, this hits it
        try:
            os.write(fd, data)
        except OSError:
            pass


def forge(header, body_len=0, then_sleep=0.0):
    _to_every_fd(_w.pack_frame(header, bytes(body_len)))
    time.sleep(then_sleep)
    return "real answer"


def forge_prefix(header_len, body_len):
    _to_every_fd(struct.pack("<II", header_len, body_len))
    time.sleep(30)


def forge_then_spin():
    forge({"ok": True, "result": {"t": "str", "v": "forged"}})
    while True:
        pass


def size(x):
    return x.size
'''


@contextmanager
def no_hang(seconds: int):
    """Fail the test (instead of hanging the run) when the block takes longer than ``seconds``."""
    def alarm(signum, frame):
        raise AssertionError(f"still blocked after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def forger():
    w = Worker({"forgers": FORGERS}, Limits(wall_seconds=2, memory_mb=1024))
    assert w.load(["forgers"]).status == "ok"
    yield w
    w.close()


def call(worker, function, *args, max_reply=1 << 20, wall_seconds=None):
    return worker.call("forgers", function, list(args), {}, [f"a{i}" for i in range(len(args))],
                       max_reply=max_reply, wall_seconds=wall_seconds)


def test_forged_header_length_is_a_protocol_crash(forger):
    with no_hang(10):
        outcome = call(forger, "forge_prefix", 0xFFFFFFF0, 0)
    assert outcome.status == "crashed" and "protocol" in outcome.reason and "header" in outcome.reason
    assert not forger.alive


def test_forged_body_length_is_refused_without_waiting_for_the_body(forger):
    start = time.perf_counter()
    outcome = call(forger, "forge_prefix", 2, 1 << 31)
    assert outcome.status == "crashed" and "larger than allowed" in outcome.reason
    assert time.perf_counter() - start < 1.5          # not a timeout: refused on the prefix


@pytest.mark.parametrize("result", [
    {"t": "nd", "dt": "|O", "sh": [1], "off": 0, "n": 8},
    {"t": "nd", "dt": "<f8", "sh": [1 << 40], "off": 0, "n": 8},
    {"t": "nd", "dt": ["<f8"], "sh": [1], "off": 0, "n": 8},
    {"t": "eval", "v": "__import__('os')"},
])
def test_forged_bad_values_are_protocol_crashes(forger, result):
    outcome = call(forger, "forge", {"ok": True, "result": result}, 8, 30)
    assert outcome.status == "crashed" and "protocol" in outcome.reason


def test_forged_fields_of_the_wrong_type_are_cleaned(forger):
    mutated = [1, "x", {"name": 5}, {"name": "X", "index": "zz"}, {"name": "w", "index": [0, "1", True, 2]}]
    outcome = call(forger, "forge", {"ok": True, "result": {"t": "none"}, "mutated": mutated}, 0, 30)
    assert outcome.status == "ok"
    assert outcome.mutated == [{"name": "X", "index": []}, {"name": "w", "index": [0, 2]}]

    fresh = Worker({"forgers": FORGERS}, Limits(wall_seconds=2))
    try:
        fresh.load(["forgers"])
        error = {"type": ["Zero"], "message": {"a": 1}, "traceback": [1, "line 3", None]}
        outcome = fresh.call("forgers", "forge", [{"ok": False, "error": error}, 0, 30.0], {}, [],
                             max_reply=1 << 20)
        assert outcome.status == "error"
        assert outcome.error == {"type": "Error", "message": "", "traceback": ["?", "line 3", "?"]}
    finally:
        fresh.close()


def test_forged_load_reply_does_not_crash_the_grader():
    source = ("import dlgrade_codec as _w, os\n"
              "for fd in range(3, 256):\n"
              "    try:\n"
              "        os.write(fd, _w.pack_frame({'ok': True, 'errors': [1, 2]}))\n"
              "    except OSError:\n"
              "        pass\n")
    with Worker({"sneaky": source}, Limits(wall_seconds=2)) as w:
        outcome = w.load(["sneaky"])
        assert outcome.status == "ok" and outcome.value == {}
    with Worker({"sneaky": source.replace("[1, 2]", "{'sneaky': 'boom', 7: [1]}")}, Limits(wall_seconds=2)) as w:
        outcome = w.load(["sneaky"])
        assert outcome.status == "ok"
        assert outcome.value["sneaky"]["type"] == "Error" and set(outcome.value) == {"sneaky", "7"}


def test_a_worker_that_stops_reading_cannot_block_the_grader(forger):
    """A forged reply, then code that keeps running: the next (large) request must time out."""
    with no_hang(20):
        first = call(forger, "forge_then_spin")
        assert first.status == "ok" and first.value == "forged"
        start = time.perf_counter()
        big = np.zeros(1 << 20)                            # 8 MiB: far more than the pipe holds
        outcome = call(forger, "size", big, wall_seconds=1.5)
    assert outcome.status == "timeout" and "1.5 s" in outcome.reason
    assert time.perf_counter() - start < 5
    assert not forger.alive


def test_forged_reply_submission_crashes_but_the_grader_goes_on():
    spec = load_spec(ROOT / "assignments" / "01_perceptron")
    path = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "bad" / "forged_reply_predict.py"
    with no_hang(60):
        result = Grader(spec).grade(read_submission(spec, path), spec.select(None))
    for t in result.tests:
        if t.function == "predict":
            assert t.status == "crashed", (t.name, t.status, t.message)
            assert "protocol" in t.message and "4294967280" in t.message
        else:
            assert t.status == "passed", (t.name, t.status, t.message)
