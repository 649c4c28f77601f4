"""Errors that the command line reports as one line, raised below it (kept here, in the lowest
layer, so that the CLI can catch them without loading the sandbox at start-up).
"""
from __future__ import annotations


class IsolationError(RuntimeError):
    """``DLGRADE_ISOLATION`` asks for what this machine cannot give; ``str()`` is one line."""
