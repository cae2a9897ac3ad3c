"""Benchmark: Monte Carlo simulation of the two-capital Solow economy, 10^4 paths x 200 periods.

Form: capability jump with a logistic transition,
    Y = A K^alpha L^beta Z^theta (1 + kappa G(Z)),  G = 1 / (1 + exp(-gamma (ln Z - ln tau))),
with lognormal TFP shocks (sigma = 0.05). intelcap: ``intelcap.growth.simulate`` (symbolic form
compiled once, one vectorised evaluation per period for all paths, results as pandas frames).
Floor: a hand-written numpy loop of the same recursion with the formula typed out (no sympy, no
validation, no pandas), the same shocks (same seed), measured in the same run.

Paired runs (ours then floor, 7 pairs by default): the script prints min / median / max of the
per-pair ratio ours / floor; goal: within 3x.

Run: python benchmarks/bench_growth.py [pairs]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.special import expit

from intelcap.growth import simulate
from intelcap.production import CobbDouglas, Logistic, capability_jump

A, ALPHA, THETA, BETA, KAPPA, TAU, GAMMA = 1.0, 0.3, 0.2, 0.5, 1.0, 1.0, 2.0
SC = dict(s_K=0.2, s_Z=0.05, delta_K=0.05, delta_Z=0.15, periods=200, n_paths=10_000,
          sigma=0.05, k0=1.0, z0=0.2, seed=2024)


def floor() -> np.ndarray:
    T, P, sig = SC["periods"], SC["n_paths"], SC["sigma"]
    rng = np.random.default_rng(SC["seed"])
    k = np.empty((T + 1, P))
    z = np.empty((T + 1, P))
    y = np.empty((T + 1, P))
    k[0], z[0] = SC["k0"], SC["z0"]
    for t in range(T + 1):
        out = A * k[t] ** ALPHA * z[t] ** THETA * (1 + KAPPA * expit(GAMMA * np.log(z[t] / TAU)))
        out = out * np.exp(sig * rng.standard_normal(P) - 0.5 * sig * sig)
        y[t] = out
        if t == T:
            break
        k[t + 1] = k[t] + SC["s_K"] * out - SC["delta_K"] * k[t]
        z[t + 1] = z[t] + SC["s_Z"] * out - SC["delta_Z"] * z[t]
    return y


def main(pairs: int = 7) -> tuple[float, float, float]:
    f = capability_jump(CobbDouglas(("K", "L", "Z"), A=A,
                                    elasticities={"K": ALPHA, "Z": THETA, "L": BETA}),
                        Logistic(tau=TAU, gamma=GAMMA), kappa=KAPPA)
    ours = simulate(f, **SC)  # compiles the form once (cached on f)
    np.testing.assert_allclose(ours.y.to_numpy(), floor(), rtol=1e-10)
    ratios = []
    for _ in range(pairs):
        t0 = time.perf_counter()
        simulate(f, **SC)
        t1 = time.perf_counter()
        floor()
        t2 = time.perf_counter()
        ratios.append((t1 - t0) / (t2 - t1))
    r = np.array(ratios)
    lo, med, hi = float(r.min()), float(np.median(r)), float(r.max())
    print(f"simulate 10^4 paths x 200 periods: ours/floor ratio over {pairs} pairs "
          f"min {lo:.2f}  median {med:.2f}  max {hi:.2f}  (goal <= 3)")
    return lo, med, hi


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
