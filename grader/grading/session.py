"""The worker of one submission through a grading: started, loaded with the student's code and
the assignment's helper modules, and replaced by a fresh one after a timeout or a crash. The
engine (:mod:`grader.grading.engine`) runs the public tests in one session and the hidden tests in
another.
"""
from __future__ import annotations

from ..model.limits import Limits
from ..sandbox.client import CallOutcome, Worker
from ..submissions.intake import Submission
from .timing import Noop


class WorkerSession:
    """The worker of one submission, replaced by a fresh one after a timeout or a crash.

    It holds the student's modules and the assignment's helper modules (``helpers``: module ->
    source), which the student's code may import and tests may call.
    """

    def __init__(self, submission: Submission, limits: Limits, helpers: dict[str, str] | None = None,
                 env: dict[str, str] | None = None):
        self.sources = {**submission.sources, **(helpers or {})}
        self.modules, self.limits, self.env = list(self.sources), limits, env
        self.worker: Worker | None = Worker(self.sources, limits, env) if submission.sources else None
        self.loaded = False
        self.import_errors: dict[str, dict] = {}
        self.calibrations: dict[str, Noop] = {}   # test name -> its no-op, measured before the import
        self.fatal: CallOutcome | None = None     # importing the code itself timed out or crashed
        self.outputs: list[str] = []

    def ready(self) -> CallOutcome | None:
        """Start and load a worker if needed; an outcome when the student's code cannot load at all."""
        if self.fatal:
            return self.fatal
        if self.worker is None:
            self.worker = Worker(self.sources, self.limits, self.env)
            self.loaded = False
        if not self.loaded:
            outcome = self.worker.load(self.modules)
            if outcome.status != "ok":
                outcome.reason = f"importing your code: {outcome.reason}"
                self.fatal = outcome
                return outcome
            self.import_errors, self.loaded = outcome.value, True
        return None

    def run(self, request) -> CallOutcome:
        """``request(worker)`` on a live worker; a dead worker is retired after the call."""
        problem = self.ready()
        if problem:
            return problem
        outcome = request(self.worker)
        if not self.worker.alive:
            self.retire()
        return outcome

    def retire(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.outputs.append(self.worker.output)
            self.worker = None

    def printed(self) -> str:
        """What the student's code has printed so far: retired workers', then the live one's."""
        live = self.worker.output if self.worker is not None else ""
        return ("".join(self.outputs) + live)[: 2 * Worker.KEEP_OUTPUT]

    def close(self) -> str:
        self.retire()
        return "".join(self.outputs)[: 2 * Worker.KEEP_OUTPUT]
