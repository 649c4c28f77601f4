"""The reference kernels (reference/*.py, CPU path) against PyTorch on the CPU, and how they grow.

Two sections for run.py:

- ``references``: the performance issue's figures. conv2d forward (float32 and float64) and
  backward (float64, with float32 for context) at N=32, C=16, 32×32, F=32, K=3, pad 1; max-pool
  2×2 stride 2 forward and backward on its output shape (N=32, C=32, 32×32); one Adam step on
  10⁶ parameters. Each row times the reference and PyTorch interleaved (see timing.py) and
  reports the paired ratio against the target.
- ``growth``: conv2d forward time against problem size (H = W from 8 to 64), a line per size.

PyTorch is optional (``pip install torch``); without it the PyTorch columns read "—". The
references run on the CPU whatever DLGRADE_DEVICE says (run.py sets it to ``cpu``); they are
serial by design, because the grader times a reference by its thread's CPU time (see
reference/conv.py), so with ``--threads 2`` only PyTorch uses the second core.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from timing import Options, Table, interleaved, milliseconds, min_median, paired_ratio

from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[1]

# the convolution: N, C, H = W, F, K, pad
CONV = dict(n=32, c=16, size=32, f=32, k=3, pad=1)
POOL_SHAPE = (32, 32, 32, 32)         # the output of CONV with F = 32 (N, C, H, W), pooled 2x2 stride 2
ADAM_SIZE = 1_000_000
GROWTH_SIZES = (8, 16, 32, 64)


@dataclass
class Case:
    """One row: the reference call, PyTorch's equivalent (None without PyTorch), and the target."""
    figure: str
    ours: Callable[[], object]
    torch: Callable[[], object] | None
    work: float                   # FLOP (rate in GFLOP/s) or bytes (rate in GB/s) per call
    unit: str                     # "GFLOP/s" or "GB/s"
    target: float | None          # the largest acceptable ours / PyTorch ratio, None: context only
    torch_label: str = "PyTorch"


def _references():
    os.environ["DLGRADE_DEVICE"] = "cpu"       # these are CPU figures
    return References((ROOT / "reference").resolve())


def _torch(options: Options):
    """torch with ``options.threads`` intra-op threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(options.threads)
    return torch


def _conv_inputs(dtype, n, c, size, f, k, pad):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, c, size, size)).astype(dtype)
    w = (0.1 * rng.normal(size=(f, c, k, k))).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    out_size = size + 2 * pad - k + 1
    dout = rng.normal(size=(n, f, out_size, out_size)).astype(dtype)
    macs = n * f * out_size * out_size * c * k * k
    return x, w, b, dout, macs


def conv_forward_case(refs, torch, dtype, *, n, c, size, f, k, pad, target=None) -> Case:
    conv = refs.module("conv")
    x, w, b, _, macs = _conv_inputs(dtype, n, c, size, f, k, pad)
    torch_call = None
    if torch is not None:
        tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))

        def torch_call():
            with torch.inference_mode():
                return torch.nn.functional.conv2d(tx, tw, tb, stride=1, padding=pad)
    return Case(f"conv2d forward {np.dtype(dtype).name}, N={n} C={c} {size}×{size} F={f} K={k} pad {pad}",
                lambda: conv.conv2d_forward_cpu(x, w, b, 1, pad), torch_call, 2.0 * macs, "GFLOP/s", target)


def conv_backward_case(refs, torch, dtype, *, n, c, size, f, k, pad, target=None) -> Case:
    conv = refs.module("conv")
    x, w, _, dout, macs = _conv_inputs(dtype, n, c, size, f, k, pad)
    torch_call = None
    if torch is not None:
        tx, tw, tdout = (torch.from_numpy(a) for a in (x, w, dout))

        def torch_call():
            with torch.inference_mode():
                return torch.ops.aten.convolution_backward(tdout, tx, tw, [f], [1, 1], [pad, pad], [1, 1],
                                                           False, [0, 0], 1, [True, True, True])
    return Case(f"conv2d backward (dx, dw, db) {np.dtype(dtype).name}, same shape",
                lambda: conv.conv2d_backward(dout, x, w, 1, pad), torch_call, 4.0 * macs, "GFLOP/s", target)


def pool_cases(refs, torch, dtype, target) -> list[Case]:
    """Max-pool 2x2 stride 2, forward and backward; [] while reference/pooling.py does not exist."""
    try:
        pooling = refs.module("pooling")
    except ImportError:
        return []
    rng = np.random.default_rng(0)
    x = rng.normal(size=POOL_SHAPE).astype(dtype)
    n, c, h, w = POOL_SHAPE
    dout = rng.normal(size=(n, c, h // 2, w // 2)).astype(dtype)
    itemsize = np.dtype(dtype).itemsize
    forward_bytes = (x.size + dout.size) * itemsize                  # read x, write the output
    backward_bytes = (2 * x.size + dout.size) * itemsize            # read x and dout, write dx
    forward_torch = backward_torch = None
    if torch is not None:
        tx, tdout = torch.from_numpy(x), torch.from_numpy(dout)

        def forward_torch():
            with torch.inference_mode():
                return torch.nn.functional.max_pool2d(tx, 2, 2)

        def backward_torch():
            # from the same (dout, x) as the reference: find the argmax indices, then scatter dout
            with torch.inference_mode():
                _, indices = torch.nn.functional.max_pool2d(tx, 2, 2, return_indices=True)
                return torch.ops.aten.max_pool2d_with_indices_backward(tdout, tx, [2, 2], [2, 2], [0, 0], [1, 1],
                                                                       False, indices)
    name = np.dtype(dtype).name
    shape = "×".join(str(s) for s in POOL_SHAPE)
    return [
        Case(f"max-pool 2×2 stride 2 forward {name}, {shape}", lambda: pooling.max_pool_forward(x, 2),
             forward_torch, forward_bytes, "GB/s", target),
        Case(f"max-pool backward {name} (PyTorch: forward with indices + backward)",
             lambda: pooling.max_pool_backward(dout, x, 2),
             backward_torch, backward_bytes, "GB/s", target),
    ]


def adam_cases(refs, torch, dtype, target) -> list[Case]:
    """One Adam step on ADAM_SIZE parameters, in the steady state (the moments already exist)."""
    optimizers = refs.module("optimizers")
    rng = np.random.default_rng(0)
    w, g = rng.normal(size=ADAM_SIZE).astype(dtype), rng.normal(size=ADAM_SIZE).astype(dtype)
    _, config = optimizers.adam(w, g, None)
    nbytes = 7 * ADAM_SIZE * np.dtype(dtype).itemsize              # read w, g, m, v; write w, m, v
    name = np.dtype(dtype).name

    def ours():
        return optimizers.adam(w, g, config)

    if torch is None:
        return [Case(f"Adam step {name}, 10⁶ parameters", ours, None, nbytes, "GB/s", target)]
    cases = []
    for label, options in (("torch.optim.Adam (default)", {}), ("torch.optim.Adam(fused=True)", {"fused": True})):
        parameter = torch.nn.Parameter(torch.from_numpy(w.copy()))
        parameter.grad = torch.from_numpy(g.copy())
        optimizer = torch.optim.Adam([parameter], lr=1e-3, **options)
        optimizer.step()
        cases.append(Case(f"Adam step {name}, 10⁶ parameters", ours, optimizer.step, nbytes, "GB/s",
                          target if not options else None, label))
    return cases


def _rate(work: float, unit: str, seconds: float) -> str:
    return f"{work / seconds / 1e9:.1f} {unit}"


def _samples(case: Case, options: Options) -> dict[str, list[float]]:
    """Seconds per call of the reference ("ours") and, with PyTorch, of PyTorch ("torch"), interleaved."""
    return interleaved({"ours": case.ours} | ({"torch": case.torch} if case.torch else {}), options)


def run_cases(cases: list[Case], options: Options) -> list[list[str]]:
    rows = []
    for case in cases:
        samples = _samples(case, options)
        ours_min, ours_median = min_median(samples["ours"])
        if case.torch:
            torch_min, torch_median = min_median(samples["torch"])
            ratio = paired_ratio(samples["ours"], samples["torch"])
            ratio_cells = [f"{ratio:.2f}×", f"{min(samples['ours']) / min(samples['torch']):.2f}×"]
            met = "—" if case.target is None else ("yes" if ratio <= case.target else "**no**")
        else:
            torch_min = torch_median = met = "—"
            ratio_cells = ["—", "—"]
        target = "context" if case.target is None else f"≤ {case.target:g}×"
        rows.append([case.figure, ours_min, ours_median, case.torch_label if case.torch else "—", torch_min,
                     torch_median, *ratio_cells, _rate(case.work, case.unit, min(samples["ours"])), target, met])
    return rows


HEADERS = ["figure", "ours min ms", "ours median ms", "compared with", "PyTorch min ms", "PyTorch median ms",
           "ours / PyTorch (paired median)", "min / min", "ours (best)", "target", "met"]


def section(options: Options) -> list[Table]:
    """The performance issue's reference figures, one row per figure."""
    refs, torch = _references(), _torch(options)
    cases = [
        conv_forward_case(refs, torch, np.float32, **CONV, target=3.0),
        conv_forward_case(refs, torch, np.float64, **CONV, target=1.0),
        conv_backward_case(refs, torch, np.float64, **CONV, target=1.0),
        conv_backward_case(refs, torch, np.float32, **CONV),
    ]
    for dtype in (np.float32, np.float64):
        cases += pool_cases(refs, torch, dtype, target=1.0)
    for dtype in (np.float32, np.float64):
        cases += adam_cases(refs, torch, dtype, target=1.0)
    notes = [f"{options.repeats} interleaved repetitions; each a {options.settle_s:g} s settle, then the mean "
             f"over ≥ {options.block_s * 1e3:g} ms of back-to-back calls, on the {options.clock} clock.",
             f"PyTorch with {options.threads} thread(s); the references are serial @njit kernels.",
             "'met' compares the paired median ratio with the target."]
    if torch is None:
        notes.append("PyTorch is not installed: `pip install torch` (optional) for the comparison.")
    if not any("max-pool" in case.figure for case in cases):
        notes.append("reference/pooling.py not found: no max-pool rows.")
    return [Table("Reference kernels against PyTorch (CPU)", HEADERS, run_cases(cases, options), notes)]


def growth_section(options: Options) -> list[Table]:
    """conv2d forward time against the spatial size, N=32, C=16, F=32, K=3, pad 1."""
    refs, torch = _references(), _torch(options)
    rows = []
    for dtype in (np.float32, np.float64):
        for size in GROWTH_SIZES:
            shape = {**CONV, "size": size}
            case = conv_forward_case(refs, torch, dtype, **shape)
            samples = _samples(case, options)
            ours_min, ours_median = min_median(samples["ours"])
            macs = case.work / 2
            per_mac = f"{min(samples['ours']) / macs * 1e12:.1f}"
            if case.torch:
                torch_cells = [milliseconds(min(samples["torch"])),
                               f"{paired_ratio(samples['ours'], samples['torch']):.2f}×"]
            else:
                torch_cells = ["—", "—"]
            rows.append([np.dtype(dtype).name, f"{size}×{size}", f"{macs / 1e6:.1f} M", ours_min, ours_median,
                         per_mac, *torch_cells])
    headers = ["dtype", "H×W", "multiply-adds", "ours min ms", "ours median ms", "ours ps per multiply-add (min)",
               "PyTorch min ms", "ours / PyTorch (paired median)"]
    notes = [f"N=32, C=16, F=32, K=3, pad 1; PyTorch with {options.threads} thread(s). A constant "
             "'ps per multiply-add' means time linear in the work."]
    return [Table("Growth: reference conv2d forward against problem size", headers, rows, notes)]
