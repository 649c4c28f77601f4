"""The CUDA references (reference/cuda_kernels.py) agree with the CPU references, in Numba's simulator.

The activations are checked through their public functions (the graded references): with
DLGRADE_DEVICE=cuda they must launch the CUDA kernels, with DLGRADE_DEVICE=cpu the njit ones, and
give the same results in float64 and float32.

``NUMBA_ENABLE_CUDASIM`` is read when numba is first imported, and this test process has imported
numba already, so the checks run in one child process started with the simulator switched on.
It prints one JSON report; each test below asserts one part of it. The simulator runs every GPU
thread in Python (~0.3 ms each), so the shapes are tiny. On a machine with a GPU the same script
runs on the real device when started without the simulator: ``python tests/test_cuda_references.py``.
"""
from __future__ import annotations

import collections
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (N, C, H, W, F, KH, KW, stride, pad, dilation): pad 0 and > 0, strides 1 to 3 that do not all
# divide H + 2P − K, dilation 2, non-square inputs and kernels.
GEOMETRIES = [
    (2, 2, 5, 4, 3, 3, 2, 1, 1, 1),
    (1, 2, 7, 6, 2, 3, 3, 2, 0, 1),
    (1, 1, 8, 7, 2, 2, 3, 3, 2, 2),
]
ACTIVATIONS = {"relu": {}, "leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 1.5},
               "sigmoid": {}, "tanh": {}}


def compare_devices() -> dict:
    """Run every CUDA reference next to its CPU twin; the largest differences, by name."""
    import numpy as np

    from grader.grading.references import References

    references = References((ROOT / "reference").resolve())
    conv, kernels = references.module("conv"), references.module("cuda_kernels")
    activations, device = references.module("activations"), references.module("device")
    report = {"device": device.device_name(), "conv": {}, "activations": {}}
    rng = np.random.default_rng(0)
    for geometry in GEOMETRIES:
        n, c, h, w_, f, kh, kw, stride, pad, dilation = geometry
        x, w, b = rng.normal(size=(n, c, h, w_)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
        args = (stride, pad, dilation)
        gpu, cpu = conv._forward(x, w, b, *args, use_cuda=True), conv._forward(x, w, b, *args, use_cuda=False)
        dout = rng.normal(size=cpu.shape)
        gpu_grads = conv._backward(dout, x, w, *args, use_cuda=True)
        cpu_grads = conv._backward(dout, x, w, *args, use_cuda=False)
        report["conv"][str(geometry)] = {
            "forward": float(np.max(np.abs(gpu - cpu))), "shapes_equal": gpu.shape == cpu.shape,
            **{name: float(np.max(np.abs(g - c))) for name, g, c in zip(("dx", "dw", "db"), gpu_grads, cpu_grads)},
        }
    x32 = rng.normal(size=(2, 1, 4, 5)).astype(np.float32)
    w32, b32 = rng.normal(size=(2, 1, 2, 2)).astype(np.float32), np.zeros(2, np.float32)
    report["conv_float32_dtype"] = str(conv._forward(x32, w32, b32, 1, 0, 1, use_cuda=True).dtype)
    x = np.concatenate([rng.normal(size=36), [0.0, -0.0, 1000.0, -1000.0]]).reshape(5, 8)
    dout = rng.normal(size=x.shape)
    launches = count_launches(kernels)
    for name, params in ACTIVATIONS.items():
        forward, backward = getattr(activations, name), getattr(activations, f"{name}_backward")
        for dtype in ("float64", "float32"):
            xx, dd = x.astype(dtype), dout.astype(dtype)
            results, launched = {}, {}
            for choice in ("cuda", "cpu"):
                before = sum(launches.values())
                with device_choice(choice):
                    results[choice] = forward(xx, **params), backward(dd, xx, **params)
                launched[choice] = sum(launches.values()) - before
            gpu, cpu = results["cuda"], results["cpu"]
            report["activations"][f"{name} {dtype}"] = {
                "dtypes": [str(a.dtype) for a in gpu], "shapes_equal": all(a.shape == x.shape for a in gpu),
                "cuda_launches": launched,
                "forward": float(np.max(np.abs(gpu[0] - cpu[0]))),
                "backward": float(np.max(np.abs(gpu[1] - cpu[1]))),
            }
    with device_choice("cuda"):
        report["empty"] = list(activations.relu(np.zeros((0, 3))).shape)
    return report


@contextlib.contextmanager
def device_choice(choice: str):
    """DLGRADE_DEVICE=choice inside the block (the references read it on every call)."""
    before = os.environ.get("DLGRADE_DEVICE")
    os.environ["DLGRADE_DEVICE"] = choice
    try:
        yield
    finally:
        if before is None:
            del os.environ["DLGRADE_DEVICE"]
        else:
            os.environ["DLGRADE_DEVICE"] = before


def count_launches(kernels) -> collections.Counter:
    """Wrap every ``cuda_<activation>`` launcher in ``kernels`` so that its calls are counted by name."""
    launches = collections.Counter()

    def counting(name, launcher):
        def launch(*args, **kwargs):
            launches[name] += 1
            return launcher(*args, **kwargs)
        return launch

    for name in ACTIVATIONS:
        for function in (name, f"{name}_backward"):
            setattr(kernels, f"cuda_{function}", counting(function, getattr(kernels, f"cuda_{function}")))
    return launches


@pytest.fixture(scope="module")
def report():
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1", "DLGRADE_DEVICE": "cuda"}
    done = subprocess.run([sys.executable, __file__], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_simulator_is_the_device(report):
    assert report["device"] == "cuda simulator"


@pytest.mark.parametrize("geometry", [str(g) for g in GEOMETRIES])
def test_conv_kernels_agree_with_the_cpu(report, geometry):
    found = report["conv"][geometry]
    assert found.pop("shapes_equal")
    assert all(error < 1e-12 for error in found.values()), found


def test_conv_keeps_float32(report):
    assert report["conv_float32_dtype"] == "float32"


@pytest.mark.parametrize("case", [f"{name} {dtype}" for name in ACTIVATIONS for dtype in ("float64", "float32")])
def test_activations_run_their_kernels_on_cuda_and_agree_with_the_cpu(report, case):
    """The public functions (the graded references) launch the CUDA kernels under DLGRADE_DEVICE=cuda,
    and the njit kernels under DLGRADE_DEVICE=cpu, with the same results, shapes and dtypes."""
    found = report["activations"][case]
    dtype = case.split()[1]
    assert found["cuda_launches"] == {"cuda": 2, "cpu": 0}, found
    assert found["dtypes"] == [dtype, dtype] and found["shapes_equal"]
    tolerance = 1e-12 if dtype == "float64" else 1e-6      # float32: the last bit may round differently
    assert found["forward"] <= tolerance and found["backward"] <= tolerance, found


def test_empty_arrays_launch_nothing(report):
    assert report["empty"] == [0, 3]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(compare_devices()))
