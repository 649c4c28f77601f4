"""The pooling CUDA kernels (reference/pooling_cuda.py) agree with the CPU kernels, in Numba's simulator.

``NUMBA_ENABLE_CUDASIM`` is read when numba is first imported, and this test process has imported
numba already, so the checks run in one child process started with the simulator switched on and
``DLGRADE_DEVICE=cuda``. It prints one JSON report; each test below asserts one part of it. The
simulator runs every GPU thread in Python, so the shapes are tiny. Both devices add the same
numbers in the same order, so they must agree exactly. On a machine with a GPU the same script
runs on the real device when started without the simulator: ``python tests/test_pooling_cuda.py``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (N, C, H, W, pool, stride, pad, ceil_mode): overlapping, tiling and gapped windows, padding,
# ceil mode with a window past the input and with a dropped window, non-square inputs.
GEOMETRIES = [
    (2, 2, 4, 5, 2, 2, 0, False),
    (1, 2, 5, 4, 3, 2, 1, True),
    (1, 1, 5, 6, 2, 2, 1, True),
    (1, 2, 4, 5, 2, 1, 1, False),
    (2, 1, 5, 5, 2, 3, 0, True),
]
KINDS = ("max", "avg")


def compare_devices() -> dict:
    """Every pooling function through its public entry point (CUDA here) next to the CPU kernels."""
    import numpy as np

    from grader.grading.references import References

    references = References((ROOT / "reference").resolve())
    pooling, device = references.module("pooling"), references.module("device")
    cuda_module = f"{references.package}.pooling_cuda"

    os.environ["DLGRADE_DEVICE"] = "cpu"
    x = np.ones((1, 1, 4, 4))
    pooling.max_pool_backward(pooling.max_pool_forward(x), x)
    report = {"cpu_imports_cuda": cuda_module in sys.modules}
    os.environ["DLGRADE_DEVICE"] = "cuda"
    report.update(device=device.device_name(), cases={})

    rng = np.random.default_rng(0)
    for geometry in GEOMETRIES:
        n, c, h, w, pool, stride, pad, ceil_mode = geometry
        settings = (pool, stride, pad, ceil_mode)
        for ties in (True, False):
            x = rng.integers(-2, 3, size=(n, c, h, w)).astype(np.float64) if ties else rng.normal(size=(n, c, h, w))
            for kind in KINDS:
                gpu = getattr(pooling, f"{kind}_pool_forward")(x, *settings)
                cpu = pooling._forward(kind, x, *settings, use_cuda=False)
                dout = rng.normal(size=cpu.shape)
                gpu_dx = getattr(pooling, f"{kind}_pool_backward")(dout, x, *settings)
                cpu_dx = pooling._backward(kind, dout, x, *settings, use_cuda=False)
                report["cases"][f"{kind} {geometry} {'ties' if ties else 'normal'}"] = {
                    "shapes": [list(gpu.shape), list(cpu.shape), list(gpu_dx.shape), list(cpu_dx.shape)],
                    "equal": [bool(np.array_equal(gpu, cpu)), bool(np.array_equal(gpu_dx, cpu_dx))],
                }
    x32 = rng.normal(size=(1, 2, 5, 4)).astype(np.float32)
    dout32 = rng.normal(size=(1, 2, 3, 3)).astype(np.float32)
    report["float32"] = {kind: [str(getattr(pooling, f"{kind}_pool_forward")(x32, 3, 2, 1, True).dtype),
                                str(getattr(pooling, f"{kind}_pool_backward")(dout32, x32, 3, 2, 1, True).dtype)]
                         for kind in KINDS}
    x, dout = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3))
    report["global"] = [bool(np.allclose(pooling.global_avg_pool(x), x.mean(axis=(2, 3)), rtol=1e-13)),
                        bool(np.allclose(pooling.global_avg_pool_backward(dout, x),
                                         np.broadcast_to(dout[:, :, None, None] / 20.0, x.shape), rtol=1e-13))]
    report["cuda_imported"] = cuda_module in sys.modules
    return report


@pytest.fixture(scope="module")
def report():
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1", "DLGRADE_DEVICE": "cuda"}
    done = subprocess.run([sys.executable, __file__], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_simulator_is_the_device_and_the_cuda_kernels_ran(report):
    assert report["device"] == "cuda simulator"
    assert report["cuda_imported"]
    assert not report["cpu_imports_cuda"]          # DLGRADE_DEVICE=cpu never loads numba.cuda's kernels


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("geometry", [str(g) for g in GEOMETRIES])
@pytest.mark.parametrize("values", ["ties", "normal"])
def test_kernels_agree_exactly_with_the_cpu(report, kind, geometry, values):
    found = report["cases"][f"{kind} {geometry} {values}"]
    gpu_out, cpu_out, gpu_dx, cpu_dx = found["shapes"]
    assert gpu_out == cpu_out and gpu_dx == cpu_dx
    assert found["equal"] == [True, True], found


def test_float32_stays_float32(report):
    assert report["float32"] == {kind: ["float32", "float32"] for kind in KINDS}


def test_global_average_pooling_runs_on_the_kernels_too(report):
    assert report["global"] == [True, True]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(compare_devices()))
