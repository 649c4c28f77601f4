"""Red team G2: leave something behind: append to ~/.bashrc and to the grader's own worker.py,
add a .pth file to site-packages (Python would run it at every start), write into the
repository and into the folder above the scratch folder. Each file is opened for appending and
left unchanged, and any file it creates is removed again, so a failure of the sandbox costs
nothing; it raises with what it could open. Expected at the strong tier: nothing could."""
import json
import os

import numpy as np

APPEND = {"bashrc": "__HOME__/.bashrc", "worker.py": "__REPO__/grader/sandbox/worker.py",
          "pyproject": "__REPO__/pyproject.toml", "canary": "__CANARY__/secret.txt"}
CREATE = {"site-packages": "__SITE__/dlgrade_redteam_persist.pth", "repo": "__REPO__/dlgrade_redteam_persist.py",
          "home": "__HOME__/dlgrade_redteam_persist", "above scratch": "../dlgrade_redteam_persist",
          "etc": "/etc/dlgrade_redteam_persist"}


def predict(X, w, b):
    outcome = {}
    for label, path in APPEND.items():
        try:
            with open(path, "a"):
                pass
            outcome[label] = "opened"
        except OSError as exc:
            outcome[label] = type(exc).__name__
    for label, path in CREATE.items():
        try:
            with open(path, "x"):
                pass
            os.remove(path)
            outcome[label] = "created"
        except OSError as exc:
            outcome[label] = type(exc).__name__
    raise RuntimeError("PERSIST " + json.dumps(outcome))
