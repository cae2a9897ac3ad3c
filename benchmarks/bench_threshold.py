"""Benchmark: PanelThreshold (Hansen 1999) against pyxthreg on Hansen's data. Not a test.

Run ``python benchmarks/bench_threshold.py [--reps 300] [--repeat 3] [--jobs 1]``. Needs the
bench extra (``pyxthreg``); the data are bundled (``intelcap.datasets.hansen1999``).

Measured in the same run and printed as ratios:

1. single threshold + ``reps`` bootstrap replications;
2. triple threshold + 3 x ``reps`` replications (the single, double and triple F tests);
3. the floor: one pass over a B x n matrix (``numpy.cumsum`` along the rows of a ``reps`` x
   7910 array, the prefix sum any vectorised bootstrap of the threshold search must do at
   least once), times the number of tests.

Timings are the best of ``--repeat`` runs, ours and pyxthreg's interleaved so that both see the
same load of a shared machine.

Both programs get the xthreg data (``hansen1999.csv``: 565 firms x 14 years, all demeaned
periods, ``q <= g``), trim 0.01 and a 300-point grid. pyxthreg's numba kernels are compiled in
a warm-up run that is not timed; it runs with ``n_jobs`` threads (default 1: the same single
core as intelcap's numpy code). If pyxthreg takes longer than ``--budget`` seconds per run it is
timed on fewer replications and scaled linearly, and the script says so.

Why the bootstrap p-values differ (printed at the end): pyxthreg 0.0.3 draws a *wild*
bootstrap (each residual times an independent N(0, 1), re-demeaned) with a fixed seed 42,
whereas Hansen (1999, sec. 3.3) and intelcap resample whole entities' residual vectors; for the
2nd and 3rd test pyxthreg keeps the sample's earlier thresholds fixed in every replication,
whereas Hansen's program re-estimates them in each replication; pyxthreg's grid is ``grid``
evenly spaced unique values inside the observation-trimmed range, ours Hansen's quantile
positions of the unique values; pyxthreg counts ``F* >= F`` and interpolates percentiles,
Hansen's program counts ``F* > F`` and takes order statistics. The scheme dominates: run with
intelcap's own wild cluster bootstrap (``PanelBootstrap(scheme="wild")``, also printed) the
p-values land near pyxthreg's, because the residuals are heteroskedastic across firms and a wild
bootstrap keeps that while resampling whole firms pools it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from intelcap.datasets import hansen1999
from intelcap.estimation.panel_threshold import PanelBootstrap, PanelThreshold

EXOG = ["q1", "q2", "q3", "d1", "qd1"]


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1, help="pyxthreg n_jobs")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="seconds per pyxthreg run before scaling from fewer reps")
    args = ap.parse_args()
    reps = args.reps

    panel = hansen1999.load("xthreg")
    df = panel.reset_index()
    model = PanelThreshold(panel["i"], panel[EXOG], panel["d1"], regime_exog=panel["c1"])

    def ours(k: int, b: int):
        return model.fit(k, convention="xthreg", trim=0.01, grid=300, bootstrap=b, seed=1,
                         progress=False)

    from pyxthreg import ThresholdPanel

    def theirs(k: int, b: int):
        m = ThresholdPanel(data=df, dep="i", indep=EXOG, rx=["c1"], qx="d1",
                           entity_col="id", time_col="year")
        m.fit(thnum=k, trim=0.01, grid=300, bs=b, nobslog=True, n_jobs=args.jobs)
        return m

    # warm-up (numba compilation, caches), not timed
    ours(3, 10)
    t0 = time.perf_counter()
    theirs(3, 2)
    print(f"pyxthreg warm-up (numba compile / cache load): {time.perf_counter() - t0:.1f} s")

    # floor: one pass over a B x n matrix (a prefix sum along the contiguous axis)
    n = panel.shape[0]
    mat = np.random.default_rng(0).standard_normal((reps, n))
    floor = best_of(lambda: np.cumsum(mat, axis=1), max(args.repeat, 5))
    floor_sum = best_of(lambda: mat.sum(axis=1), max(args.repeat, 5))

    rows = []
    for k in (1, 3):
        # pyxthreg: probe with a tenth of the reps; scale if a full run would blow the budget
        probe = max(reps // 10, 2)
        t_probe = best_of(lambda k=k, probe=probe: theirs(k, probe), 1)
        scaled = t_probe * reps / probe > args.budget
        t_ours, t_theirs = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            t_ours.append(best_of(lambda k=k: ours(k, reps), 1))
            if not scaled:
                t_theirs.append(best_of(lambda k=k: theirs(k, reps), 1))
        t_o = min(t_ours)
        t_t = t_probe * reps / probe if scaled else min(t_theirs)
        rows.append({
            "task": f"{k} threshold(s) + {k} x {reps} reps",
            "intelcap [s]": t_o,
            "pyxthreg [s]": t_t,
            "pyxthreg timing": f"scaled from {probe} reps" if scaled else "measured",
            "floor [s]": k * floor,
            "pyxthreg / intelcap": t_t / t_o,
            "intelcap / floor": t_o / (k * floor),
        })
    table = pd.DataFrame(rows).set_index("task")
    with pd.option_context("display.width", 160, "display.float_format", "{:.4g}".format):
        print(f"\nHansen (1999) data: {n} observations, B = {reps}; floor = cumsum over "
              f"{reps} x {n} doubles, {floor * 1e3:.2f} ms per test (a plain sum: "
              f"{floor_sum * 1e3:.2f} ms)")
        print(table.to_string())
        print("\nGoals: pyxthreg / intelcap >= 10, intelcap / floor <= 3.")

    # where the bootstrap p-values disagree
    r_ours = ours(3, reps)
    r_wild = model.fit(3, convention="xthreg", trim=0.01, grid=300, seed=1, progress=False,
                       bootstrap=PanelBootstrap(reps=reps, scheme="wild"))
    r_theirs = theirs(3, reps)
    print("\nF statistics, bootstrap p-values and 5% critical values")
    out = []
    for i, name in enumerate(("single", "double", "triple")):
        t = r_ours.f_tests[name]
        b = r_theirs.results["boot_results"][i]
        w = r_wild.f_tests[name]
        out.append({"test": name, "F intelcap": t.stat, "F pyxthreg": b["F_stat"],
                    "p intelcap": t.pval, "p intelcap wild": w.pval, "p pyxthreg": b["p_value"],
                    "crit5 intelcap": t.critical_values[0.05],
                    "crit5 intelcap wild": w.critical_values[0.05], "crit5 pyxthreg": b["crit5"]})
    with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
        print(pd.DataFrame(out).set_index("test").to_string())
    print("intelcap thresholds:", np.round(r_ours.thresholds.to_numpy(), 5),
          " pyxthreg thresholds:", np.round(np.sort(r_theirs.results["thresholds"]), 5))
    print("Reasons: wild (N(0,1)) vs whole-entity resampling; earlier thresholds fixed vs "
          "re-estimated per replication; different grids; '>=' vs '>' and interpolated "
          "percentiles vs order statistics (see the module docstring). The scheme dominates: "
          "intelcap's own wild cluster bootstrap ('intelcap wild') lands near pyxthreg, because "
          "the residuals are heteroskedastic across firms (White s.e. about twice the OLS ones) "
          "and a wild bootstrap keeps that, while resampling whole firms pools it.")


if __name__ == "__main__":
    main()
