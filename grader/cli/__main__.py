"""``python -m grader.cli``: the ``grade`` command."""
from . import main

main()
