"""Numba reference implementations, one module per topic. Trusted code: never shipped to students.

Each topic module holds the ``@njit`` references that the grader calls in the parent process, a
``MISTAKES`` catalogue of known-wrong variants with their hints (see ``grader.authoring.Mistake``), and the
reference work that a property check needs on a test's inputs (``prepare`` in the spec).
The property checks themselves are in :mod:`properties` or a topic's ``<topic>_properties`` module,
plain NumPy: a ``grade check`` from stored answers runs them without importing Numba. A reference
may be a plain NumPy function too; ``grade new`` scaffolds a topic (docs/authoring.md).
"""
