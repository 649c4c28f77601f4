"""Red team T1: a Python loop over rows (about 100x the reference), with every timed call computed
in advance while the worker is *receiving* the inputs: the module replaces the worker's request
handlers (the old untimed ``stage`` request, and any other) with versions that call the slow code
on every input set they see and keep the answers. Expected: right answers, predict_speed fails:
the parent's clock runs from before the inputs are sent until the last output is back."""
import sys

import numpy as np

_answers = {}


def _slow(X, w, b):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = 1.0 if float(X[i] @ w) + b >= 0 else -1.0
    return out


def predict(X, w, b):
    hit = _answers.pop(X.tobytes()[:256], None)
    return hit if hit is not None else _slow(X, w, b)


def _precompute(calls):
    for args, kwargs in calls:
        X, w, b = (list(args) + [kwargs.get("w"), kwargs.get("b")])[:3]
        _answers[X.tobytes()[:256]] = _slow(X, w, b)


def _hijack():
    for module in list(sys.modules.values()):
        session = getattr(module, "_Session", None)
        if session is None:
            continue
        original_stage = getattr(session, "stage", None)
        if original_stage is not None:
            def stage(self, header, body, _original=original_stage):
                held = []                    # the staging reply waits until the work is done
                self.reply = lambda reply_header, reply_body=b"": held.append((reply_header, reply_body))
                try:
                    _original(self, header, body)
                finally:
                    del self.reply
                if self.staged:
                    _precompute(self.staged[1])
                for reply_header, reply_body in held:
                    self.reply(reply_header, reply_body)
            session.stage = stage


_hijack()
