"""Hostile numpy.py: shadows NumPy if the submission folder were on sys.path before the real one."""
raise ImportError("the submission's numpy.py shadowed NumPy")
