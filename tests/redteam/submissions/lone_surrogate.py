"""Red team (issue 15, finding 8): raise an exception whose message holds a lone surrogate, which
no UTF-8 writer can encode, and return a string holding one. Expected: error / failed for these
tests only; every renderer, the batch's results.jsonl, its gradebook and feedback, and a resumed
batch carry on, with the surrogate shown as the text \\ud800."""


def predict(X, w, b):
    raise ValueError("bad input \ud800 here \udfff")


def update(w, b, x, y, lr):
    return "w \ud800", 0.0
