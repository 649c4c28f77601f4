"""The resource limits of one worker (spec field ``limits``): plain data, read by the spec and
applied by :mod:`grader.sandbox`.
"""
from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker. Units are in the names."""

    wall_seconds: float = 10.0       # per request: a call, or a timed batch
    memory_mb: int | None = 2048     # address space of the worker (None: uncapped, for CUDA on a GPU)
    cpu_seconds: float = 300.0       # CPU time over the worker's life
    output_mb: float = 8.0           # printed output before the worker is stopped
    file_mb: int = 64                # largest file the worker may write
    open_files: int = 64
    scratch_mb: int = 128            # all files in the scratch folder (a tmpfs, where namespaces allow)
    forbid: tuple[str, ...] = ()     # modules the student's code may not import (spec field forbid)

    def for_worker(self) -> dict:
        return {
            "memory_bytes": self.memory_mb * MiB if self.memory_mb else None,   # None: no address-space cap
            "cpu_seconds": max(1, int(self.cpu_seconds)),
            "file_bytes": self.file_mb * MiB,
            "open_files": self.open_files,
        }
