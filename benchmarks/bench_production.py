"""Benchmark: output and all elasticities of a threshold-elasticity Cobb-Douglas over 10^6 rows.

    ln Y = ln A + alpha ln K + beta ln L + [theta_1 + (theta_2 - theta_1) 1(Z > tau)] ln Z

Floor: a hand-written numpy expression of the same formulas (output and the elasticities
alpha, beta, theta(Z) as full columns, plain arrays, no validation, no pandas): the cheapest
correct computation of the same numbers. Peer: the same expression wrapped in a DataFrame with
the caller's index (what a user writing it by hand would return). Each pair runs intelcap and
the other side back to back, in alternating order, so that load from other processes hits both
alike; printed are min / median / max of the per-pair ratios (goal: median <= 2 against the
floor). intelcap's time includes input validation (finite and positive checks naming the
column) and building the pandas result; the floor's does not.

Run: python benchmarks/bench_production.py [rows]
"""

from __future__ import annotations

import sys
import timeit

import numpy as np
import pandas as pd

from intelcap.production import CobbDouglas, Step, threshold_elasticity

A, ALPHA, BETA, THETA1, THETA2, TAU = 1.2, 0.3, 0.6, 0.05, 0.25, 1.0


def by_hand(K: np.ndarray, L: np.ndarray, Z: np.ndarray) -> dict[str, np.ndarray]:
    theta = THETA1 + (THETA2 - THETA1) * (Z > TAU)
    y = A * K**ALPHA * L**BETA * Z**theta
    return {"Y": y, "e_K": np.full_like(K, ALPHA), "e_L": np.full_like(K, BETA), "e_Z": theta}


def main(rows: int = 1_000_000, repeat: int = 15) -> float:
    rng = np.random.default_rng(12345)
    df = pd.DataFrame({x: rng.lognormal(0.0, 0.7, rows) for x in ("K", "L", "Z")})
    f = threshold_elasticity(
        CobbDouglas(("K", "L"), A=A, elasticities={"K": ALPHA, "L": BETA}),
        Step(tau=TAU), theta_1=THETA1, theta_2=THETA2,
    )
    ours = f.evaluate(df)  # compiles once (cached)
    peer = by_hand(df["K"].to_numpy(), df["L"].to_numpy(), df["Z"].to_numpy())
    for col in ours.columns:
        np.testing.assert_allclose(ours[col].to_numpy(), peer[col], rtol=1e-12)

    def run_ours():
        return f.evaluate(df)

    def run_two_calls():
        return f.output(df), f.elasticities(df)

    def run_peer():
        return by_hand(df["K"].to_numpy(), df["L"].to_numpy(), df["Z"].to_numpy())

    def run_peer_frame():
        return pd.DataFrame(run_peer(), index=df.index)

    def pairs(other, n: int) -> np.ndarray:
        out = np.empty(n)
        for i in range(n):
            if i % 2:
                t_other = timeit.timeit(other, number=1)
                t_ours = timeit.timeit(run_ours, number=1)
            else:
                t_ours = timeit.timeit(run_ours, number=1)
                t_other = timeit.timeit(other, number=1)
            out[i] = t_ours / t_other
        return out

    def show(label: str, r: np.ndarray) -> None:
        print(f"{label:<44} {r.min():6.2f} / {np.median(r):6.2f} / {r.max():6.2f}")

    floor = pairs(run_peer, repeat)
    print(f"rows: {rows:,}; {repeat} pairs; ratios min / median / max (intelcap / other)")
    show("evaluate / floor (numpy arrays)", floor)
    show("evaluate / peer (numpy, then a DataFrame)", pairs(run_peer_frame, repeat))
    show("output + elasticities (two calls) / floor", np.array(
        [timeit.timeit(run_two_calls, number=1) / timeit.timeit(run_peer, number=1)
         for _ in range(repeat)]))
    print("goal: evaluate / floor median <= 2")
    return float(np.median(floor))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
