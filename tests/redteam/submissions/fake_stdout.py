"""Red team C2/C3: print fake results (JSON, "PASS" lines, terminal escapes) and a forged protocol
frame on stdout and stderr, then return a wrong answer. Expected: failed; the printing is kept as
the submission's output only, and never parsed."""
import json
import struct
import sys

import numpy as np


def predict(X, w, b):
    fake = json.dumps({"score": 18, "max_score": 18, "tests": [{"name": "predict_small", "status": "passed"}]})
    header = json.dumps({"ok": True, "result": {"t": "nd", "dt": "<f8", "sh": [4], "off": 0, "n": 32, "py": "ndarray"}}).encode()
    frame = struct.pack("<II", len(header), 32) + header + np.ones(4).tobytes()
    for stream in (sys.stdout, sys.stderr):
        stream.write(fake + "\n")
        stream.write("  PASS    predict_small        2/2\nScore: 18/18\n\x1b[2J\x1b[32mALL PASSED\x1b[0m\n")
        stream.flush()
        stream.buffer.write(frame)
        stream.buffer.flush()
    return np.zeros(X.shape[0])
