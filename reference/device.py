"""Which device the references run on: the CPU (Numba ``@njit``) or CUDA (Numba ``@cuda.jit``).

The choice comes from the environment variable ``DLGRADE_DEVICE`` (``grade check --device``
sets it before the references are imported):

- ``cpu``: always the ``@njit`` kernels.
- ``cuda``: the ``@cuda.jit`` kernels; an error when no GPU can be used.
- ``auto`` (the default, also when the variable is unset or empty): CUDA when
  ``numba.cuda.is_available()``, else the CPU.

The CUDA simulator counts as a GPU: with ``NUMBA_ENABLE_CUDASIM=1`` (set before numba is first
imported) ``cuda`` and ``auto`` run the CUDA kernels in the simulator, slowly, in Python. That is
how the CUDA paths are tested on machines without a GPU.

``numba.cuda`` is imported only when ``cuda`` or ``auto`` asks for it, so ``cpu`` never pays for
the CUDA driver's initialisation.
"""
from __future__ import annotations

import functools
import os

DEVICE_ENV = "DLGRADE_DEVICE"
DEVICE_CHOICES = ("cpu", "cuda", "auto")


class DeviceError(RuntimeError):
    """The requested device cannot be used (a bad DLGRADE_DEVICE value, or cuda without a GPU)."""


def requested_device() -> str:
    """The value of DLGRADE_DEVICE, lower-cased: 'cpu', 'cuda' or 'auto' (unset or empty: 'auto')."""
    value = os.environ.get(DEVICE_ENV, "").strip().lower() or "auto"
    if value not in DEVICE_CHOICES:
        raise DeviceError(f"{DEVICE_ENV}={os.environ[DEVICE_ENV]!r}: expected one of "
                          f"{', '.join(DEVICE_CHOICES)}.")
    return value


def simulator_enabled() -> bool:
    """True when Numba runs CUDA kernels in its simulator (NUMBA_ENABLE_CUDASIM=1 at import)."""
    from numba.core import config
    return bool(config.ENABLE_CUDASIM)


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """True when numba.cuda can run kernels: a usable GPU and driver, or the simulator.

    Cached: the first call initialises the CUDA driver, which takes a moment.
    """
    from numba import cuda
    return bool(cuda.is_available())


def use_cuda() -> bool:
    """Whether the references should launch their CUDA kernels (see the module docstring).

    Raises DeviceError when DLGRADE_DEVICE=cuda but no GPU (and no simulator) is available.
    """
    choice = requested_device()
    if choice == "cpu":
        return False
    if choice == "auto":
        return cuda_available()
    if not cuda_available():
        raise DeviceError(f"{DEVICE_ENV}=cuda, but numba.cuda finds no usable GPU (no CUDA driver, "
                          "or no NVVM from the CUDA toolkit). Use --device cpu, or set "
                          "NUMBA_ENABLE_CUDASIM=1 to run the CUDA kernels in Numba's simulator.")
    return True


def device_name() -> str:
    """The device the references use, for results: 'cpu', 'cuda simulator' or 'cuda: <GPU name>'."""
    if not use_cuda():
        return "cpu"
    if simulator_enabled():
        return "cuda simulator"
    from numba import cuda
    name = cuda.get_current_device().name
    # The driver's ctypes binding gives bytes, the NVIDIA binding gives str.
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    return f"cuda: {name}"
