"""Benchmark: PanelThreshold (Hansen 1999) against pyxthreg and an honest floor. Not a test.

Run ``python benchmarks/bench_threshold.py [--reps 300] [--pairs 7] [--triple] [--no-numba]``.
Needs the bench extra (``pyxthreg``); the data are bundled (``intelcap.datasets.hansen1999``,
the xthreg file: 565 firms x 14 years = 7910 observations).

The task: one threshold and its bootstrap F test with ``reps`` replications (``--triple`` adds
three thresholds and three tests), trim 0.01, a 300-point grid, all demeaned periods, ``q <= g``.

What each side does
-------------------
- intelcap (``convention="xthreg-like"``): the threshold search over the grid, the LR confidence
  interval, the final fixed-effects regression with its covariance and pandas results, and
  Hansen's (1999, sec. 3.3) bootstrap: ``reps`` resamples of whole firms' residual vectors,
  each followed by a full threshold search. For the 2nd and 3rd tests (``--triple``) every
  replication *re-estimates* the earlier thresholds, as Hansen's program does.
- pyxthreg 0.0.3: the same search and a wild bootstrap (each residual times N(0, 1)) with a
  threshold search per replication; for the 2nd and 3rd tests it keeps the sample's earlier
  thresholds *fixed* in every replication (less work per replication than intelcap).
  Its constructor only stores the data, so its timing includes its data preparation; intelcap's
  peer timing therefore includes ``PanelThreshold(...)`` (validation, sorting, within
  transformation) as well as ``fit``.

The floor
---------
Every replication needs its own n bootstrap residuals (the null model's within residuals of
the drawn firms). Producing them for all replications is one gather that writes the B x n
matrix -- ``numpy.take`` of the (T, N) residual table by the (N, B) drawn firm indices -- and no
implementation that works replication by replication can do less than touch those B x n
numbers once. It is the cheapest honest computation of the bootstrap's input (a plain copy of a
B x n array costs about the same; a sum over it, which writes nothing, about two thirds). Its
time swings between about 2.5 ms (the 19 MB output lands on pages the allocator reuses) and
8 ms (fresh pages, first touched by the gather), which the pairing cannot remove; the ratio's
spread shows it. intelcap's compiled kernel (numba, the ``fast`` extra) reads each of those
numbers once and adds it into the segment sums and the dense products (``[W]'e*``: six
multiply-adds per number, and one more into its segment of the threshold order) without
writing the matrix: one pass that does more than the floor per number, so the floor stays
below it. ``intelcap / floor`` times ``fit`` alone (the model built once, as a user fits
several specifications of one model; nothing is cached between fits); construction is
printed apart. The earlier floor, ``numpy.cumsum`` along the rows of a B x n array, was a
serial scan intelcap never computes and about 5x slower than this one: it flattered the ratio.

Where a fit goes (thread time, medians, this machine at load 5-7, numba): the whole fit
14-18 ms against a floor of 3.5-4.7 ms in the same process; the kernel 4.5-5 ms (gather plus
seven multiply-adds per number; FMA contraction and register tiling over replications were
tried and were not faster: its stores to the L1-resident sums bound it); the draws 1 ms (the
generator's own cost: the stream is fixed by the seed); the threshold search of the sample,
the final regression with its covariance and pandas results, and the bootstrap's set-up
together about 10 ms, in some 150 numpy calls on arrays of n or G x B numbers, none above
2 ms. The G x B assembly of every replication's ``D(g)'M_W y*`` and the first search run in a
second compiled pass (no G x B temporaries). ``--no-numba`` runs the numpy path of the
default install (gather, sparse segment sums and a dense product, chunk by chunk in cache).

Threads
-------
Measured at 1 thread and at all cores. "1 thread": BLAS limited to one thread on both sides
(threadpoolctl) and pyxthreg's joblib ``n_jobs=1``. "all cores": no BLAS limit and pyxthreg
``n_jobs`` = the number of cores. intelcap chooses its threads itself from that setting:
construction and every product of the fit run on one BLAS thread (``single_threaded_blas``):
the products are skinny and memory-bound, and a multithreaded BLAS slowed them (construction
by about half) on a loaded 2-core machine. The bootstrap's replications are split among worker
threads (at most as many as BLAS may use at the call, so one under the "1 thread" limit) only
where that was measured to pay: a matrix of at least 2**25 replications x rows and idle cores
by the load average (``bootstrap_workers``). On this task (300 x 7910 = 2.4e6 cells) "all
cores" therefore runs the same serial fit as "1 thread", and the ratio to pyxthreg falls by
what pyxthreg gains from its second process: intelcap meets the goal there by being fast
serially (measured earlier: two workers were not faster here, paired medians 0.96x-1.24x the
serial time for 1x-16x the firms at load 2.6-2.9).

Under load the wall clock penalises the longer of two paired computations: the 3-8 ms floor
usually runs within one scheduler slice, a 15 ms fit is preempted several times, and the
pairing cannot undo that. The floor ratio is therefore printed a second time in process CPU
time of the same pairs (both sides run on one thread here, so CPU time is what each
computation costs); the wall-clock line is the one the goal was set on.

Every ratio is over paired runs (the two timings of a pair are taken back to back, so they see
the same machine load), printed as min / median / max over ``--pairs`` pairs. Goals (issue 17):
pyxthreg / intelcap >= 30 at every thread setting; intelcap / floor <= 4.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from intelcap.datasets import hansen1999
from intelcap.estimation._within import Within
from intelcap.estimation.panel_threshold import PanelThreshold

EXOG = ["q1", "q2", "q3", "d1", "qd1"]


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def timed2(fn) -> tuple[float, float]:
    """Wall-clock and process CPU time of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def spread(x: list[float]) -> str:
    a = np.asarray(x)
    return f"{a.min():7.2f} / {np.median(a):7.2f} / {a.max():7.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--triple", action="store_true", help="also 3 thresholds + 3 x reps")
    ap.add_argument("--no-numba", action="store_true",
                    help="intelcap's numpy path (the default install, no fast extra)")
    args = ap.parse_args()
    if args.no_numba:
        from intelcap.estimation import _panel_threshold_engine as engine

        engine._KERNELS = False  # as if numba were not installed
    reps = args.reps
    cores = os.cpu_count() or 1

    panel = hansen1999.load("xthreg")
    df = panel.reset_index()

    # the user's arguments, selected once (pyxthreg is handed the frame and column names)
    y_, x_, q_, r_ = panel["i"], panel[EXOG], panel["d1"], panel["c1"]

    def build() -> PanelThreshold:
        return PanelThreshold(y_, x_, q_, regime_exog=r_)

    model = build()

    def ours(k: int, m: PanelThreshold | None = None):
        return (m or model).fit(k, convention="xthreg-like", trim=0.01, grid=300, bootstrap=reps,
                                seed=1, progress=False)

    from pyxthreg import ThresholdPanel

    def theirs(k: int, jobs: int, b: int = reps):
        m = ThresholdPanel(data=df, dep="i", indep=EXOG, rx=["c1"], qx="d1",
                           entity_col="id", time_col="year")
        m.fit(thnum=k, trim=0.01, grid=300, bs=b, nobslog=True, n_jobs=jobs)
        return m

    # the floor's input: the null model's within residuals as a (T, N) table, drawn firms (N, B)
    codes = pd.factorize(panel.index.get_level_values(0))[0]
    w = Within(codes)
    z = w.demean(panel[[*EXOG, "c1"]].to_numpy(float))
    yw = w.demean(panel["i"].to_numpy(float))
    e = yw - z @ np.linalg.lstsq(z, yw, rcond=None)[0]
    n_firms, n_years = w.n_entities, int(w.counts[0])
    table = e.reshape(n_firms, n_years).T.copy()  # (T, N)
    drawn = np.ascontiguousarray(
        np.random.default_rng(0).integers(0, n_firms, size=(reps, n_firms)).T)  # (N, B)

    def floor():
        return np.take(table, drawn, axis=1)  # (T, N, B): the B x n bootstrap residuals

    # warm-up, timed apart: numba compilation / cache load, imports, first-touch allocations
    t0 = time.perf_counter()
    theirs(1, 1, 2)
    print(f"pyxthreg warm-up (numba compile / cache load): {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    ours(1)
    print(f"intelcap first fit (numba import and kernel cache load / compile, once per process): "
          f"{time.perf_counter() - t0:.1f} s")
    t_build = min(timed(build) for _ in range(5))
    print(f"intelcap model construction (validation, sort, within transform): "
          f"{t_build * 1e3:.1f} ms, once per data set")

    tasks = [1, 3] if args.triple else [1]
    for setting, blas, jobs in (("1 thread", 1, 1), (f"all cores ({cores})", None, cores)):
        with threadpool_limits(limits=blas):
            for k in tasks:
                peer, fl, t_i, t_f, t_full, t_peer, fl_cpu = [], [], [], [], [], [], []
                for _ in range(args.pairs):
                    tf, cf = timed2(floor)
                    ti, ci = timed2(lambda k=k: ours(k))
                    fl_cpu.append(ci / (k * cf))
                    tfull = timed(lambda k=k: ours(k, build()))
                    tp = timed(lambda k=k, jobs=jobs: theirs(k, jobs))
                    peer.append(tp / tfull)
                    fl.append(ti / (k * tf))
                    t_i.append(ti)
                    t_f.append(tf)
                    t_full.append(tfull)
                    t_peer.append(tp)
                print(f"\n[{setting}] {k} threshold(s) + {k} x {reps} reps, {args.pairs} pairs "
                      f"(min / median / max)")
                print(f"  pyxthreg / intelcap (construct + fit) : {spread(peer)}   goal >= 30")
                print(f"  intelcap fit / floor ({k} x gather)    : {spread(fl)}   goal <= 4")
                print(f"    the same pairs in CPU time          : {spread(fl_cpu)}")
                print(f"  (median times: intelcap fit {np.median(t_i) * 1e3:.1f} ms, floor "
                      f"{np.median(t_f) * 1e3:.2f} ms; intelcap construct + fit "
                      f"{np.median(t_full) * 1e3:.1f} ms, pyxthreg "
                      f"{np.median(t_peer) * 1e3:.0f} ms; load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
