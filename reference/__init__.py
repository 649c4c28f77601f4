"""Numba reference implementations, one module per topic. Trusted code: never shipped to students.

Each module holds the ``@njit`` references that the grader calls in the parent process, a
``MISTAKES`` catalogue of known-wrong variants with their hints (see ``grader.mistakes``), and
the property checks that its assignment's spec names.
"""
