"""Red team F5: fill the disk: one 112 MiB file (over the worker's file-size limit), then 16 MiB
files until a write fails (bounded at 160 MiB, above the 128 MiB scratch tmpfs of the strong
tier, so that it stays harmless where nothing else stops it).
It raises with what happened. Expected: "File too large" for the big file at every tier; at the
strong tier the scratch tmpfs is full ("No space left") well before the bound."""
import errno
import os

import numpy as np


def predict(X, w, b):
    report = []
    chunk = b"\0" * (16 << 20)
    try:
        with open("big.bin", "wb") as f:
            for _ in range(7):
                f.write(chunk)
        report.append("big file written")
    except OSError as exc:
        report.append(f"big file: {errno.errorcode.get(exc.errno, exc.errno)}")
    os.remove("big.bin")
    written = 0
    try:
        for i in range(10):
            with open(f"fill{i}.bin", "wb") as f:
                f.write(chunk)
            written += len(chunk)
        report.append("fill: no error")
    except OSError as exc:
        report.append(f"fill: {errno.errorcode.get(exc.errno, exc.errno)}")
    report.append(f"after {written >> 20} MiB")
    raise RuntimeError("DISK " + "; ".join(report))
