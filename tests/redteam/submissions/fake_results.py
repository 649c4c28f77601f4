"""Red team C1: write a forged results.json wherever a grader might look for one (the working folder,
the folder above it, the repository, the home folder, a canary folder, Gradescope's
/autograder/results), then return a wrong answer. Expected: failed; only the worker's own scratch
folder could be written. It raises with what happened to each write, for the test to read."""
import json
import os

import numpy as np

FORGED = json.dumps({"score": 100.0, "tests": [{"name": "predict_small", "status": "passed", "score": 2}]})
TARGETS = {"scratch": "results.json", "above scratch": "../results.json", "repo": "__REPO__/results.json",
           "home": "__HOME__/results.json", "canary": "__CANARY__/results.json", "out": "__OUT__/results.json",
           "gradescope": "/autograder/results/results.json"}


def predict(X, w, b):
    outcome = {}
    for label, target in TARGETS.items():
        try:
            with open(target, "x") as f:
                f.write(FORGED)
            outcome[label] = "written"
        except FileExistsError:
            outcome[label] = "exists"
        except OSError as exc:
            outcome[label] = type(exc).__name__
    raise RuntimeError("WRITES " + json.dumps(outcome))
