"""Benchmark of intelcap.scale (issue 18): invoice aggregation and its scaling on Dask.

    python benchmarks/bench_scale.py [--rows 2000000] [--pairs 7] [--cluster-rows 10000000]
                                     [--workers 1 2 4] [--boot-reps 100000]
                                     [--skip a c d] [--scheduler ADDRESS]

(a) One machine, one thread: ``aggregate_invoices`` on an in-memory pandas DataFrame against
    the floor of a plain pandas ``groupby(...).sum()`` over the same rows and keys (string
    codes, and pandas categoricals), measured in the same run in alternating pairs; the paired
    ratio ours / floor is printed as min / median / max over ``--pairs`` pairs (target: the
    median within 2x), with both rates in rows per second.
(b) Streaming: the same rows from a Parquet file read in chunks of 500 000 rows (bounded
    memory) against the in-memory floor.
(c) LocalCluster scaling: ``--cluster-rows`` synthetic invoices generated on the workers
    (one process per worker, one thread each, 1 GiB memory_limit per worker) and summed by
    cell, for each worker count; the floor is generating the same partitions without
    aggregating them. Rows per second of the whole job and of the aggregation alone.
(d) Bootstrap in seeded blocks on a LocalCluster: the Hansen (1996) threshold test with
    ``--boot-reps`` replications in blocks of 5 000; time per worker count and the check that
    the p-value is identical.

Thread counts: threadpoolctl fixes one BLAS thread in this process; Dask's nanny starts every
worker process with OMP/MKL/OpenBLAS_NUM_THREADS=1 (its default pre-spawn environment), and each
worker has one thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intelcap.scale import TABLE_KEYS, aggregate_invoices, bootstrap_tests  # noqa: E402
from intelcap.scale.synthetic import synthetic_invoices, synthetic_invoices_dask  # noqa: E402

KEYS = list(TABLE_KEYS)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def paired(ours, floor, pairs: int) -> tuple[list[float], list[float]]:
    """Alternate the order within each pair (ours first on even pairs)."""
    t_ours, t_floor = [], []
    for k in range(pairs):
        if k % 2 == 0:
            t_ours.append(timed(ours))
            t_floor.append(timed(floor))
        else:
            t_floor.append(timed(floor))
            t_ours.append(timed(ours))
    return t_ours, t_floor


def report(label: str, rows: int, t_ours: list[float], t_floor: list[float],
           target: bool = True) -> None:
    ratio = [a / b for a, b in zip(t_ours, t_floor, strict=True)]
    med = statistics.median(ratio)
    print(f"  {label}")
    goal = (f"   target median <= 2: {'met' if med <= 2 else 'NOT met'}" if target else
            "   (includes reading and decoding the file: no target)")
    print(f"    ours / floor (paired, n={len(ratio)}): min {min(ratio):.2f}  median {med:.2f}  "
          f"max {max(ratio):.2f}{goal}")
    print(f"    rows/s: ours {rows / statistics.median(t_ours):,.0f}   floor "
          f"{rows / statistics.median(t_floor):,.0f}")


def one_machine(rows: int, pairs: int) -> None:
    print(f"(a) one machine, one thread, {rows:,} invoices in memory")
    parts = [synthetic_invoices(rows // 4, seed=1, partition=j) for j in range(4)]
    df = pd.concat(parts, ignore_index=True)
    del parts
    for label, frame in (("string codes", df),
                         ("categorical codes", df.astype({k: "category" for k in
                                                          ("sector", "industry", "product")}))):
        def ours(frame=frame):
            aggregate_invoices(frame)

        def floor(frame=frame):
            frame.groupby(KEYS, sort=False, observed=True)["amount"].sum()

        report(label, len(frame), *paired(ours, floor, pairs))
    print(f"(b) streaming from Parquet in chunks of 500,000 rows ({rows:,} invoices)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "invoices.parquet"
        df.to_parquet(path, row_group_size=500_000)

        def stream():
            aggregate_invoices(path, chunksize=500_000)

        def floor():
            df.groupby(KEYS, sort=False, observed=True)["amount"].sum()

        report("Parquet stream vs in-memory groupby floor", len(df),
               *paired(stream, floor, max(3, pairs // 2)), target=False)


def _clusters(workers: list[int], scheduler: str | None, **kw):
    """(label, client) for each LocalCluster size, or the one cluster at ``scheduler``."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield len(client.scheduler_info()["workers"]), client
        return
    for w in workers:
        with LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                          dashboard_address=":0", **kw) as cl, Client(cl) as client:
            yield w, client


def cluster(rows: int, workers: list[int], scheduler: str | None = None) -> None:
    nparts = max(8, rows // 250_000)
    print(f"(c) LocalCluster scaling: {rows:,} invoices generated on the workers in {nparts} "
          "partitions of <= 250,000 rows; memory_limit 1 GiB per worker")
    print(f"    {'workers':>7s} {'job s':>8s} {'generate s':>11s} {'rows/s job':>14s} "
          f"{'rows/s agg':>14s}")
    for w, client in _clusters(workers, scheduler, memory_limit="1GiB"):
        ddf = synthetic_invoices_dask(rows, nparts, seed=3)
        t_gen = timed(lambda ddf=ddf, c=client: c.compute(ddf.map_partitions(len).sum())
                      .result())
        t_job = timed(lambda ddf=ddf, c=client: aggregate_invoices(ddf, client=c))
        agg = max(t_job - t_gen, 1e-9)
        print(f"    {w:7d} {t_job:8.2f} {t_gen:11.2f} {rows / t_job:14,.0f} "
              f"{rows / agg:14,.0f}")


def bootstrap(reps: int, workers: list[int], scheduler: str | None = None) -> None:
    from intelcap.estimation import ThresholdRegression

    rng = np.random.default_rng(2718)
    n = 200
    q = rng.uniform(0, 1, n)
    x = rng.standard_normal(n)
    y = 1 + x + 0.3 * (1 + x) * (q > 0.5) + rng.standard_normal(n)
    model = ThresholdRegression(y, x, q)
    print(f"(d) threshold bootstrap test (n={n}), B={reps:,} in blocks of 5,000, seed 7")
    pvals = {}
    for w, client in _clusters(workers, scheduler):
        t0 = time.perf_counter()
        ts = bootstrap_tests(model, reps, seed=7, block=5000, client=client)["threshold"]
        dt = time.perf_counter() - t0
        pvals[w] = ts.pval
        print(f"    {w} worker(s): {dt:8.2f} s  ({reps / dt:,.0f} replications/s)  "
              f"stat {ts.stat:.4f}  p {ts.pval:.5f}")
    print(f"    identical p-values on every worker count: {len(set(pvals.values())) == 1}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--cluster-rows", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--boot-reps", type=int, default=100_000)
    ap.add_argument("--skip", nargs="*", default=[], choices=["a", "c", "d"])
    ap.add_argument("--scheduler", default=None,
                    help="run (c) and (d) on the running Dask cluster at this address instead "
                         "of LocalClusters (capacity planning on the target cluster)")
    a = ap.parse_args()
    with threadpool_limits(1):
        if "a" not in a.skip:
            one_machine(a.rows, a.pairs)
        if "c" not in a.skip:
            cluster(a.cluster_rows, a.workers, a.scheduler)
        if "d" not in a.skip:
            bootstrap(a.boot_reps, a.workers, a.scheduler)


if __name__ == "__main__":
    main()
