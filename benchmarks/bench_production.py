"""Benchmark: output and all elasticities of a threshold-elasticity Cobb-Douglas over 10^6 rows.

    ln Y = ln A + alpha ln K + beta ln L + [theta_1 + (theta_2 - theta_1) 1(Z > tau)] ln Z

Peer: a hand-written numpy expression of the same formulas (output and the elasticities
alpha, beta, theta(Z) as full columns, plain arrays, no validation, no pandas), measured in the
same run (interleaved, best of 15 each, so that load from other processes hits both alike).
Printed: the ratio of intelcap's time to the peer's (goal <= 2). intelcap's time includes input
validation (finite and positive checks naming the column) and building the pandas result with
the caller's index; the peer's does not.

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

    # interleave the candidates so that load from other processes hits them alike; keep the best
    runs = {"ours": run_ours, "two": run_two_calls, "peer": run_peer, "peer_frame": run_peer_frame}
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for key, fn in runs.items():
            best[key] = min(best[key], timeit.timeit(fn, number=1))
    t_ours, t_two, t_peer, t_peer_frame = (best[k] for k in runs)
    ratio = t_ours / t_peer
    print(f"rows: {rows:,}")
    print(f"hand-written numpy, arrays only (peer):    {t_peer * 1e3:8.1f} ms")
    print(f"hand-written numpy, then a DataFrame:      {t_peer_frame * 1e3:8.1f} ms")
    print(f"intelcap f.evaluate(df):                   {t_ours * 1e3:8.1f} ms")
    print(f"intelcap f.output(df) + f.elasticities(df): {t_two * 1e3:7.1f} ms")
    print(f"ratio evaluate / peer: {ratio:.2f}   (goal <= 2)")
    print(f"ratio output+elasticities / peer: {t_two / t_peer:.2f}")
    return ratio


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
