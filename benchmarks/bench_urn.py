"""Benchmark of the lock-in simulations (issue 11): 10^5 urn replications, vectorised.

    python benchmarks/bench_urn.py [--pairs 7] [--reps 100000] [--steps 1000]

intelcap: ``simulate_urn`` (Polya urn, every replication advanced together, one vector
operation per adoption step) and ``arthur_urn``. Floor, measured in the same run: the bare
numpy loop of the Polya urn (one uniform draw and one comparison per replication and step,
nothing else) and, for ``arthur_urn``, the bare random walk of the lead (no barriers, no
lock-in bookkeeping). Runs alternate in pairs; min / median / max of the paired ratios. Target:
median within 3x.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def floor(reps: int, steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = np.zeros(reps)
    for t in range(steps):
        a += rng.random(reps) < (1.0 + a) / (2.0 + t)
    return a


def floor_walk(reps: int, steps: int, seed: int) -> np.ndarray:
    """Bare random walk of Arthur's lead n_A - n_B (no barriers): the floor for arthur_urn."""
    rng = np.random.default_rng(seed)
    d = np.zeros(reps, dtype=np.int64)
    for _ in range(steps):
        d += 2 * (rng.random(reps) < 0.5).astype(np.int64) - 1
    return d


def main() -> None:
    from intelcap.tokens.lockin import arthur_urn, simulate_urn

    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--reps", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=1000)
    a = ap.parse_args()
    simulate_urn(10, reps=10, seed=0)
    for name, fn, base in (
        ("simulate_urn (Polya)", lambda s: simulate_urn(a.steps, reps=a.reps, seed=s), floor),
        ("arthur_urn", lambda s: arthur_urn(a.steps, reps=a.reps, seed=s), floor_walk),
    ):
        ratios, tf, ti = [], [], []
        for k in range(a.pairs):
            t0 = time.perf_counter()
            base(a.reps, a.steps, k)
            t1 = time.perf_counter()
            fn(k)
            t2 = time.perf_counter()
            tf.append(t1 - t0)
            ti.append(t2 - t1)
            ratios.append((t2 - t1) / (t1 - t0))
        med = statistics.median(ratios)
        print(f"{name}: {a.reps:,} replications x {a.steps} steps; numpy floor median "
              f"{statistics.median(tf):.3f} s, intelcap median {statistics.median(ti):.3f} s")
        print(f"  paired ratio over {a.pairs} pairs: min {min(ratios):.2f}  median {med:.2f}  "
              f"max {max(ratios):.2f}  (target: median <= 3: {'met' if med <= 3 else 'NOT met'})")
    # same seed, same draws: the library's Polya urn equals the floor's
    same = np.array_equal(simulate_urn(50, reps=1000, seed=3).a_picks, floor(1000, 50, 3))
    print(f"simulate_urn reproduces the floor's draws for the same seed: {same}")


if __name__ == "__main__":
    main()
