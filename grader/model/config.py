"""The instructor's own settings, kept outside the assignments: today, the secret.

The secret salts the seeds of inputs drawn per student in hidden tests (see :mod:`grader.grading.inputs`),
so a student who knows the spec still cannot compute another student's, or their own, inputs. It
is read from ``DLGRADE_SECRET``, else from the file named by ``DLGRADE_SECRET_FILE``, else from
``~/.config/dlgrade/secret``. It never ships to students: ``grade release`` leaves it out.
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_FILE = Path("~/.config/dlgrade/secret")
#: Where the secret is read from, in order, as a message names them.
SECRET_SOURCES = "DLGRADE_SECRET, or a file named by DLGRADE_SECRET_FILE, or ~/.config/dlgrade/secret"


def instructor_secret() -> str:
    """The secret, or "" when none is configured (inputs are then per submission, not secret)."""
    if os.environ.get("DLGRADE_SECRET"):
        return os.environ["DLGRADE_SECRET"]
    path = Path(os.environ.get("DLGRADE_SECRET_FILE") or DEFAULT_SECRET_FILE).expanduser()
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
