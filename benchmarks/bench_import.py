"""Benchmark: what ``import intelcap.estimation`` costs, and how much of it is intelcap's own.

Each measurement starts a new Python process that times, with ``time.perf_counter``, only the
import statement (interpreter start-up is excluded). The processes use a bytecode cache of their
own (``PYTHONPYCACHEPREFIX`` in a temporary directory, filled by a first untimed run of every
statement), so intelcap's modules are loaded from compiled bytecode as from an installed wheel,
like numpy's and pandas' (an environment with ``PYTHONDONTWRITEBYTECODE`` would otherwise
recompile intelcap's sources in every process and charge that to intelcap).

Timed in every pair, in rotating order:

* **floor**: ``import numpy, pandas``. intelcap's data are pandas frames and its arrays numpy,
  so a user of intelcap pays this import whatever intelcap does; it is the floor of any
  session that uses intelcap.
* ``import intelcap.estimation`` alone: the goal statement (issue 17: < 0.8 s). The package
  loads its estimators on first use (PEP 562 ``__getattr__``), so this import needs none of
  numpy, pandas, scipy, sympy, linearmodels or statsmodels.
* floor, then ``import intelcap.estimation``: the excess over the floor of the same pair is
  intelcap's own share of an import in a session that has numpy and pandas.
* floor, then ``from intelcap.estimation import NLS``: the first use of an estimator, which
  loads what the estimator needs (sympy for the symbolic Jacobian, scipy.optimize and
  scipy.linalg for the optimiser; scipy.stats only when a p-value is first asked for).

Printed over the pairs: min / median / max of each time, of its ratio to the floor of the
same pair, and of its excess over that floor. Then ``python -X importtime`` attributes the
excess of the last two statements: the self time of intelcap's own modules against the
dependencies they load (sympy, scipy, ...), medians of three runs.

Run from a directory where ``intelcap`` resolves to the copy you mean (``python -c`` puts the
current directory first on ``sys.path``): ``python benchmarks/bench_import.py [pairs]``
(default 7).
"""

from __future__ import annotations

import collections
import os
import statistics
import subprocess
import sys
import tempfile

FLOOR = "import numpy, pandas"
CASES = {
    "floor: import numpy, pandas": FLOOR,
    "import intelcap.estimation (alone)": "import intelcap.estimation",
    "floor + import intelcap.estimation": FLOOR + "; import intelcap.estimation",
    "floor + from intelcap.estimation import NLS": FLOOR + "; from intelcap.estimation import NLS",
}
ATTRIBUTE = ("floor + import intelcap.estimation", "floor + from intelcap.estimation import NLS")
GOAL = 0.8  # seconds


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _time(statement: str, env: dict[str, str]) -> float:
    code = ("import time; t0 = time.perf_counter()\n"
            f"{statement}\n"
            "print(time.perf_counter() - t0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def _attribution(statement: str, env: dict[str, str]) -> dict[str, float]:
    """Self time (s) by top-level package of the modules imported after numpy and pandas."""
    floor_mods = set()
    base = subprocess.run([sys.executable, "-X", "importtime", "-c", FLOOR],
                          capture_output=True, text=True, check=True, env=env).stderr
    for line in base.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3:
            floor_mods.add(parts[2].strip())
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", statement],
                         capture_output=True, text=True, check=True, env=env).stderr
    by_package: dict[str, float] = collections.Counter()
    for line in err.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) != 3:
            continue
        name = parts[2].strip()
        if name in floor_mods:
            continue
        by_package[name.split(".")[0]] += int(parts[0].split(":")[1]) / 1e6
    return by_package


def _mmm(values: list[float]) -> str:
    return f"{min(values):6.3f} / {statistics.median(values):6.3f} / {max(values):6.3f}"


def main(pairs: int = 7) -> dict[str, list[float]]:
    names = list(CASES)
    times: dict[str, list[float]] = {k: [] for k in names}
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        for name in names:  # fill the bytecode cache (untimed)
            _time(CASES[name], env)
        for i in range(pairs):
            order = names[i % len(names):] + names[:i % len(names)]  # rotate: no fixed position
            for name in order:
                times[name].append(_time(CASES[name], env))
        shares = {name: [_attribution(CASES[name], env) for _ in range(3)]
                  for name in ATTRIBUTE}
    floor = times[names[0]]
    print(f"import time, {pairs} pairs, fresh interpreters, bytecode cached "
          "(min / median / max)")
    print(f"{'statement':44s} {'seconds':>22s}   {'ratio to floor (paired)':>22s}   "
          f"{'excess over floor (paired)':>22s}")
    for name in names:
        ratios = [t / f for t, f in zip(times[name], floor, strict=True)]
        excess = [t - f for t, f in zip(times[name], floor, strict=True)]
        print(f"{name:44s} {_mmm(times[name])}   {_mmm(ratios)}   {_mmm(excess)}")
    print("where the excess over the floor goes (python -X importtime, self time of the modules "
          "loaded after numpy and pandas, median of 3 runs, seconds):")
    for name, runs in shares.items():
        packages = sorted({p for r in runs for p in r},
                          key=lambda p: -statistics.median(r.get(p, 0.0) for r in runs))
        med = {p: statistics.median(r.get(p, 0.0) for r in runs) for p in packages}
        own = med.pop("intelcap", 0.0)
        deps = ", ".join(f"{p} {v:.3f}" for p, v in med.items() if v >= 0.005)
        rest = sum(v for v in med.values() if v < 0.005)
        print(f"  {name}: intelcap's own modules {own:.3f}; dependencies they load: "
              f"{deps or 'none'}{f', others {rest:.3f}' if rest else ''}")
    alone = statistics.median(times[names[1]])
    share = statistics.median([t - f for t, f in zip(times[names[2]], floor, strict=True)])
    print(f"goal: import intelcap.estimation < {GOAL} s: median {alone:.3f} s alone -> "
          f"{'met' if alone < GOAL else 'NOT met'}; in a session with numpy and pandas "
          f"(floor median {statistics.median(floor):.3f} s on this machine now) intelcap adds "
          f"a median {share:.3f} s")
    return times


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
