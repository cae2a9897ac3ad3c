"""Benchmark: how PanelThreshold's cost grows with the number of firms and of periods. Not a test.

Run ``python benchmarks/bench_threshold_scaling.py [--pairs 7] [--reps 300]``.

Panels are built from Hansen's (1999) xthreg data (565 firms x 14 years): 4x and 16x the firms
by stacking copies of the firms (each copy's variables perturbed by seeded noise so that no two
observations tie), 4x and 16x the periods by stacking copies of the years the same way. Each
fit is one threshold with ``reps`` bootstrap replications on a 300-point grid, so the grid, B and
the number of parameters stay fixed and only n grows.

Each size is timed in pairs with the 1x panel (back to back, same machine load); the growth
``t(kx) / t(1x)`` is printed as min / median / max over ``--pairs`` pairs, and the exponent
``b`` of ``t ~ n^b`` fitted by least squares to the medians of log t against log n over
1x, 4x, 16x (goal: b <= 1.1). BLAS runs on one thread (the engine's own choice).

Why it grew faster than n (issue 17: 16x firms cost about 19x, wall clock on a loaded machine),
most likely: the bootstrap formed the whole B x n matrix of resampled residuals at once (19 MB
for Hansen's panel, 300 MB at 16x) and its sparse product read that matrix's rows in the order
of the threshold variable (a CSR matrix over segments of the q order), so the larger the panel,
the larger the share of its rows that came from main memory instead of cache. The engine now
streams the replications' residuals in chunks of about 2 MiB (ranges of entities in all
periods), each read by the sparse product in storage order (CSC) and by the dense product while
still in cache, so no step's working set grows with n. We could not reproduce the 19x on this
machine in process time: there the old engine's 16x firms cost 12.4x its 1x (median of 4 pairs)
and the new one 14.4x; both are below 16 because of fixed costs that do not grow with n (the
grid, the G x B search, the results). With numba (the ``fast`` extra) the bootstrap is one
compiled pass over the drawn residuals whose working set is the K x B segment sums, the
(p x B) dense sums and a block of 32 entities' source indices, none of which grows with n,
plus one period's row of the residual table (N numbers): the pass goes period by period
inside each block of entities, because entity by entity, all periods, the whole (T, N) table
was the working set, which left the cache at 16x the firms (the kernel then cost 28x its 1x;
the firms' exponent was 1.07-1.09). The G x B assembly and search are a second pass of fixed
size. Measured at load 5 (more runnable threads than cores): exponent 1.02 over firms (CPU
time 1.03), 0.92 over periods; at load 2: 0.99 (16x the firms cost 16.2x) and 0.85.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from intelcap.datasets import hansen1999
from intelcap.estimation.panel_threshold import PanelThreshold

EXOG = ["q1", "q2", "q3", "d1", "qd1"]
COLS = ["i", *EXOG, "c1"]


def replicate(base: pd.DataFrame, factor: int, axis: str, rng: np.random.Generator
              ) -> pd.DataFrame:
    """``factor`` copies of the firms (``axis="firms"``) or of the years (``"periods"``)."""
    firm, year = (base.index.get_level_values(0).to_numpy(),
                  base.index.get_level_values(1).to_numpy())
    n_firms = int(pd.unique(firm).shape[0])
    n_years = int(pd.unique(year).shape[0])
    parts = []
    for c in range(factor):
        part = base[COLS].copy()
        if c:
            noise = rng.normal(scale=1e-6, size=part.shape)
            part = part + noise * part.abs().mean().to_numpy()
        f = firm + c * (n_firms + 1) if axis == "firms" else firm
        y = year + c * n_years if axis == "periods" else year
        part.index = pd.MultiIndex.from_arrays([f, y], names=base.index.names)
        parts.append(part)
    return pd.concat(parts).sort_index()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--reps", type=int, default=300)
    args = ap.parse_args()
    base = hansen1999.load("xthreg")
    rng = np.random.default_rng(20261130)

    def model_of(d: pd.DataFrame) -> PanelThreshold:
        return PanelThreshold(d["i"], d[EXOG], d["d1"], regime_exog=d["c1"])

    def fit(m: PanelThreshold):
        return m.fit(1, convention="xthreg-like", trim=0.01, grid=300, bootstrap=args.reps, seed=1,
                     progress=False)

    with threadpool_limits(limits=1):
        for axis in ("firms", "periods"):
            models = {k: model_of(replicate(base, k, axis, rng)) for k in (1, 4, 16)}
            for m in models.values():
                fit(m)  # warm-up
            growth: dict[int, list[float]] = {4: [], 16: []}
            times: dict[int, list[float]] = {1: [], 4: [], 16: []}
            cpu: dict[int, list[float]] = {1: [], 4: [], 16: []}
            for _ in range(args.pairs):
                for k in (4, 16):
                    c0, t0 = time.process_time(), time.perf_counter()
                    fit(models[1])
                    c1, t1 = time.process_time(), time.perf_counter()
                    fit(models[k])
                    c2, t2 = time.process_time(), time.perf_counter()
                    growth[k].append((t2 - t1) / (t1 - t0))
                    times[1].append(t1 - t0)
                    times[k].append(t2 - t1)
                    cpu[1].append(c1 - c0)
                    cpu[k].append(c2 - c1)
            n = {k: models[k].index.shape[0] for k in models}
            logn = np.log([n[1], n[4], n[16]])
            logt = np.log([np.median(times[k]) for k in (1, 4, 16)])
            slope = float(np.polyfit(logn, logt, 1)[0])
            print(f"\n{axis} x1, x4, x16: n = {n[1]}, {n[4]}, {n[16]} observations; "
                  f"{args.pairs} pairs")
            for k in (4, 16):
                g = np.asarray(growth[k])
                print(f"  t({k}x) / t(1x): {g.min():6.2f} / {np.median(g):6.2f} / {g.max():6.2f}"
                      f"   (linear: {k})  exponent from the median: "
                      f"{np.log(np.median(g)) / np.log(k):.3f}")
            print(f"  fitted exponent b (t ~ n^b, 1x/4x/16x medians): {slope:.3f}   goal <= 1.1")
            logc = np.log([np.median(cpu[k]) for k in (1, 4, 16)])
            print(f"  the same in process CPU time: {float(np.polyfit(logn, logc, 1)[0]):.3f} "
                  f"(16x / 1x: {np.median(cpu[16]) / np.median(cpu[1]):.2f})")
            med = ", ".join(f"{np.median(times[k]) * 1e3:.0f} ms" for k in (1, 4, 16))
            print(f"  median times: {med}")


if __name__ == "__main__":
    main()
