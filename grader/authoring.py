"""The public API for assignment authors: what a reference module (``reference/*.py``) may import
from the grader, and the only thing it imports from it. Stable across internal reorganisations.

A reference module holds the ``@njit`` references of a topic, and for each reference function
a ``MISTAKES`` catalogue: known-wrong variants a student would write, each with its hint::

    from grader.authoring import Mistake, numerical_gradient

    MISTAKES = {"relu": [Mistake("leaky_slope", "relu is 0 for negative inputs, not 0.01 x.",
                                 lambda x: np.where(x > 0, x, 0.01 * x))]}

* :class:`Mistake` ``(name, hint, fn)``: one catalogued mistake; ``fn`` takes the reference's
  arguments. The engine runs it on a failed test's inputs and, when its output matches the
  student's, shows the hint.
* :func:`with_pairs` ``(catalogue, functions)``: the catalogue with every composable pair of a
  function's mistakes (``functools.partial`` variants of one implementation) after its single ones.
* :func:`numerical_gradient`, :func:`relative_error`, :func:`check_gradient`,
  :data:`RELATIVE_FLOOR`: centred-difference gradient checks (students get the same helper as
  ``gradcheck``).
* :func:`import_helper` ``(path)``: an assignment's helper module (plain NumPy), imported by path,
  for a reference that reuses it.

This module only re-exports; nothing in :mod:`grader` imports it, so it sits at the top of the
layers beside :mod:`grader.cli` (see docs/ARCHITECTURE.md). The names live where the grader uses
them: :mod:`grader.grading.mistakes`, :mod:`grader.grading.gradcheck`,
:mod:`grader.grading.references`.
"""
from __future__ import annotations

from .grading.gradcheck import RELATIVE_FLOOR, check_gradient, numerical_gradient, relative_error
from .grading.mistakes import Mistake, with_pairs
from .grading.references import import_helper

__all__ = ["RELATIVE_FLOOR", "Mistake", "check_gradient", "import_helper", "numerical_gradient", "relative_error",
           "with_pairs"]
