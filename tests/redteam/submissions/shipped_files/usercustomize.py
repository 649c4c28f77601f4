"""Hostile usercustomize.py: if Python ever ran it at start-up, NumPy's comparisons would lie."""
import numpy as np

np.allclose = lambda *args, **kwargs: True
raise SystemExit("usercustomize.py of a submission was executed")
