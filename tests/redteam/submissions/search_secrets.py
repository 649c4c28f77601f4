"""Red team D1-D4: look for anything worth stealing: secrets in its environment and in other
processes' /proc entries, the references, the spec with the hidden tests, other students'
submissions, the instructor's secret file, home folders. It raises with a short report (labels of
what it could read or list, and whether the instructor's secret turned up), for the test to
check: no secret in its environment at every tier; nothing readable at the strong tier."""
import glob
import json
import os
import re

import numpy as np

FILES = {"reference": "__REPO__/reference/perceptron.py",
         "hidden tests": "__REPO__/assignments/01_perceptron/assignment.yaml",
         "instructor secret": "__HOME__/.config/dlgrade/secret",
         "home secret": "__HOME__/.dlgrade-redteam/secret",
         "canary": "__CANARY__/secret.txt",
         "other student": "__CANARY__/other_student/perceptron.py",
         "shadow": "/etc/shadow", "passwd": "/etc/passwd",
         "pid 1 environ": "/proc/1/environ", "pid 1 cmdline": "/proc/1/cmdline"}
FOLDERS = {"/": "/", "/root": "/root", "/home": "/home", "/tmp": "/tmp", "tmp": "__TMP__", "repo": "__REPO__",
           "home": "__HOME__", "canary": "__CANARY__", "/proc": "/proc"}
PATTERNS = {"scratch folders": ["/tmp/dlgrade-*/*.py", "__TMP__/dlgrade-*/*.py"], "home files": ["__HOME__/*"],
            "references": ["__REPO__/reference/*.py"]}
EXPECTED_ENV = {"PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "MPLBACKEND",
                "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS", "NUMBA_ENABLE_CUDASIM", "LC_CTYPE"}


def _read(path):
    with open(path, "rb") as f:
        return f.read(1 << 16).decode("utf-8", "replace")


def predict(X, w, b):
    texts = ["\n".join(f"{k}={v}" for k, v in os.environ.items())]
    found = {"env": sorted(set(os.environ) - EXPECTED_ENV), "read": [], "listed": []}
    parent = os.getppid()
    files = {**FILES, "parent environ": f"/proc/{parent}/environ", "parent cmdline": f"/proc/{parent}/cmdline"}
    for label, path in files.items():
        try:
            texts.append(_read(path))
            found["read"].append(label)
        except OSError:
            pass
    for label, folder in FOLDERS.items():
        try:
            os.listdir(folder)
            found["listed"].append(label)
        except OSError:
            pass
    for label, patterns in PATTERNS.items():
        for pattern in patterns:
            for path in glob.glob(pattern)[:50]:
                try:
                    texts.append(_read(path))
                    found["read"].append(label)
                    break
                except OSError:
                    pass
    found["secret"] = any(re.search(r"dlgrade-redteam-[0-9a-f]{16}\b", t) for t in texts)   # the secret's form
    raise RuntimeError("FOUND " + json.dumps(found))
