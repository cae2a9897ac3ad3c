"""Benchmark: the cost of ``import intelcap.estimation`` in a fresh interpreter.

Each measurement starts a new Python process that times, with ``time.perf_counter``, only the
import statement (interpreter start-up is excluded). Three statements are timed in every pair,
in the same run and in rotating order:

* floor: ``import numpy, pandas, scipy``, the dependencies intelcap cannot avoid (its data are
  pandas frames, its arrays numpy; ``import scipy`` loads no subpackage);
* ``import intelcap.estimation`` after the floor: the goal is < 0.8 s in total (floor
  included), i.e. nothing heavy at import -- sympy, scipy.stats, scipy.optimize,
  linearmodels, formulaic and statsmodels load when an estimator is first used (PEP 562
  ``__getattr__`` in the package, function-level imports in ``growth_regression``);
* full: ``from intelcap.estimation import *`` after the floor: every estimator module and its
  dependencies (sympy, scipy.stats/optimize; linearmodels still only when a linearmodels-backed
  fit runs), shown so the reader sees what first use costs.

The script prints, over the pairs, min / median / max of each time, of its ratio to the floor
measured in the same pair and of its excess over that floor (the part intelcap controls). Run
it from a directory where ``intelcap`` resolves to the copy you mean (``python -c`` puts the
current directory first on ``sys.path``).

Run: python benchmarks/bench_import.py [pairs] (default 7).
"""

from __future__ import annotations

import statistics
import subprocess
import sys

FLOOR = "import numpy, pandas, scipy"
CASES = {
    "floor": FLOOR,
    "import intelcap.estimation": FLOOR + "; import intelcap.estimation",
    "from intelcap.estimation import *": FLOOR + "; from intelcap.estimation import *",
}
GOAL = 0.8  # seconds, floor included


def _time(statement: str) -> float:
    code = ("import time; t0 = time.perf_counter()\n"
            f"{statement}\n"
            "print(time.perf_counter() - t0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _mmm(values: list[float]) -> str:
    return f"{min(values):7.3f} / {statistics.median(values):7.3f} / {max(values):7.3f}"


def main(pairs: int = 7) -> dict[str, list[float]]:
    names = list(CASES)
    times: dict[str, list[float]] = {k: [] for k in names}
    for i in range(pairs):
        order = names[i % len(names):] + names[:i % len(names)]  # rotate: no fixed position
        for name in order:
            times[name].append(_time(CASES[name]))
    print(f"import time, {pairs} pairs, fresh interpreters (min / median / max)")
    print(f"{'statement':36s} {'seconds':>27s}   {'ratio to floor (paired)':>27s}   "
          f"{'seconds over floor (paired)':>27s}")
    for name in names:
        ratios = [t / f for t, f in zip(times[name], times["floor"], strict=True)]
        excess = [t - f for t, f in zip(times[name], times["floor"], strict=True)]
        print(f"{name:36s} {_mmm(times[name])}   {_mmm(ratios)}   {_mmm(excess)}")
    med = statistics.median(times["import intelcap.estimation"])
    floor_med = statistics.median(times["floor"])
    print(f"goal: import intelcap.estimation < {GOAL} s (floor included): median {med:.3f} s "
          f"-> {'met' if med < GOAL else 'NOT met'} (the floor alone: median {floor_med:.3f} s "
          "on this machine now; on an idle machine it is well under the goal)")
    return times


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
