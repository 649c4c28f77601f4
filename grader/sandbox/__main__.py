"""``python -m grader.sandbox [--mode auto|basic|strong] [--startup N]``: this machine's isolation
tier and how workers start (:func:`grader.sandbox.template.start_path`), and with ``--startup``
how long a worker takes to start at it."""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from . import isolation
from .client import Limits, Worker
from .isolation import ENV_VAR, Isolation, IsolationError
from .template import START_PATHS, start_path


def _report(argv: list[str]) -> int:
    """``python -m grader.sandbox [--mode auto|basic|strong] [--startup N]``: this machine's tier."""
    parser = argparse.ArgumentParser(prog="python -m grader.sandbox", description=_report.__doc__)
    parser.add_argument("--mode", choices=["auto", "basic", "strong"], default=None,
                        help=f"as {ENV_VAR} (default: its value, else auto)")
    parser.add_argument("--startup", type=int, default=0, metavar="N",
                        help="also time N worker starts at this tier and N at the basic tier, "
                             "interleaved, and the layers alone")
    args = parser.parse_args(argv)
    try:
        chosen = isolation.choose(args.mode)
        start = start_path()
    except isolation.IsolationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(chosen.description)
    print(f"worker start: {start} ({START_PATHS[start]})")
    if args.startup:
        return _time_startup(isolation, chosen, args.startup)
    return 0


def _time_startup(module, chosen: Isolation, starts: int) -> int:
    """Start ``starts`` workers at ``chosen``'s tier and as many at the basic tier, alternately; each
    start counts until the worker has imported a one-line module. Prints min and median per tier."""
    tiers = {chosen.tier: chosen} if chosen.tier == "basic" else {chosen.tier: chosen, "basic": Isolation()}
    times: dict[str, list[float]] = {name: [] for name in tiers}
    for _ in range(starts):
        for name, tier in tiers.items():
            module._current = tier
            start = time.perf_counter()
            worker = Worker({"student": "def f():\n    return 1\n"}, Limits())
            try:
                loaded = worker.load(["student"])
            except IsolationError as exc:
                worker.close()
                print(f"error: a {name} worker did not start: {exc}", file=sys.stderr)
                return 1
            times[name].append(time.perf_counter() - start)
            worker.close()
            if loaded.status != "ok":
                print(f"error: a {name} worker did not start: {loaded.reason}", file=sys.stderr)
                return 1
    for name, seconds in times.items():
        print(f"worker start-up at the {name} tier ({starts} starts, until it has imported a module): "
              f"min {min(seconds) * 1e3:.0f} ms, median {statistics.median(seconds) * 1e3:.0f} ms")
    if chosen.layers:
        layers = [sum(module._run_probe(list(chosen.layers), chosen.uid)["seconds"].values()) for _ in range(starts)]
        print(f"of which applying the layers ({', '.join(chosen.layers)}), measured in the worker: "
              f"min {min(layers) * 1e3:.1f} ms, median {statistics.median(layers) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(_report(sys.argv[1:]))
