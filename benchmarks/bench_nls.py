"""Benchmark: CES by NLS on 10^5 observations, intelcap.nls vs scipy.optimize.curve_fit.

Both fit the same model to the same simulated data from the same start values in the same run,

    ln Y = ln A + (nu / rho) ln(delta K^rho + (1 - delta) L^rho) + e,

intelcap with its analytic sympy Jacobian (data-only subexpressions such as ln K evaluated once,
K^rho as exp(rho ln K)), scipy's ``curve_fit`` with its default MINPACK Levenberg-Marquardt and a
forward-difference numerical Jacobian on a hand-written numpy model. The script prints the ratio
of wall-clock times (peer / intelcap; the goal is >= 5) and checks that both reach the same
optimum (parameters to 1e-6 relative, SSR to 1e-9 relative).

A second case fits the 7-parameter threshold-elasticity IC form (logistic transition) on 10^5
observations, where a forward-difference Jacobian costs 7 model evaluations per iteration; the
peer gets the logs of the data precomputed (the fairest hand-written numpy model).

The script also prints the bound that the evaluation counts put on the ratio, measured in the
same run: curve_fit's ``nfev`` model evaluations times the cost of one evaluation of the peer's
model, over intelcap's ``nfev`` fused residual-and-Jacobian evaluations times the cost of one of
those. The fixed costs of a fit (the p x p cross-products, the QR-based convergence diagnostics,
the results object) come on top of intelcap's side, so the measured ratio stays below the bound.
Both optimisers need about the same number of iterations (five or six); MINPACK's
forward-difference Jacobian costs p + 1 = 5 model evaluations per iteration, while one fused
evaluation of the residual and the analytic Jacobian costs about two and a half (measured:
0.8 ms against 1.9 ms at 10^5 rows), and that is the whole of intelcap's margin. At 26 against
6 evaluations the bound is about 1.9x (measured 1.3-1.6x): the issue's goal of 5x is out of
reach for a model this cheap to evaluate, unless a fit needed far fewer iterations than
Levenberg-Marquardt.

Run: ``python benchmarks/bench_nls.py`` (not part of the test suite).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from intelcap.estimation.nls import NLS, nls

N = 100_000
TRUE = {"A": 2.0, "delta": 0.35, "rho": -0.6, "nu": 0.9}
START = {"A": 1.0, "delta": 0.5, "rho": -0.2, "nu": 1.0}
FORMULA = "log(Y) ~ log(A) + nu/rho*log(delta*K**rho + (1 - delta)*L**rho)"
REPEATS = 5
TE_TRUE = {"A": 1.5, "aK": 0.3, "aL": 0.6, "t1": 0.05, "t2": 0.3, "g": 4.0, "tau": 3.0}
TE_START = {"A": 1.0, "aK": 0.4, "aL": 0.5, "t1": 0.1, "t2": 0.2, "g": 3.0, "tau": 2.5}
TE_FORMULA = ("log(Y) ~ log(A) + aK*log(K) + aL*log(L) "
              "+ (t1 + (t2 - t1)/(1 + exp(-g*(log(Z) - log(tau)))))*log(Z)")


def simulate(seed: int = 20261128) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = np.exp(rng.normal(1, 0.6, N))
    lab = np.exp(rng.normal(1, 0.6, N))
    a, d, rho, nu = TRUE.values()
    y = a * (d * k**rho + (1 - d) * lab**rho) ** (nu / rho) * np.exp(rng.normal(0, 0.05, N))
    return pd.DataFrame({"K": k, "L": lab, "Y": y})


def peer_model(x, a, delta, rho, nu):
    k, lab = x
    return np.log(a) + nu / rho * np.log(delta * k**rho + (1 - delta) * lab**rho)


def simulate_te(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k, lab, z = (np.exp(rng.normal(1, s, N)) for s in (0.6, 0.6, 1.0))
    t = TE_TRUE
    g = 1 / (1 + np.exp(-t["g"] * (np.log(z) - np.log(t["tau"]))))
    y = (t["A"] * k ** t["aK"] * lab ** t["aL"] * z ** (t["t1"] + (t["t2"] - t["t1"]) * g)
         * np.exp(rng.normal(0, 0.05, N)))
    return pd.DataFrame({"K": k, "L": lab, "Z": z, "Y": y})


def peer_te(x, a, ak, al, t1, t2, g, tau):
    lk, ll, lz = x
    g_z = 1 / (1 + np.exp(-g * (lz - np.log(tau))))
    return np.log(a) + ak * lk + al * ll + (t1 + (t2 - t1) * g_z) * lz


def best_time(fn, repeats: int = REPEATS):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def evaluation_bound(df: pd.DataFrame, x, p0: list[float], nfev_peer: int,
                     nfev_ours: int) -> float:
    """(peer evaluations x cost of one) / (intelcap evaluations x cost of one fused one)."""
    model = NLS(FORMULA, df, START)
    resid, _jac = model._functions()
    theta = np.asarray(p0, dtype=float)
    bump = iter(range(1, 10_000))  # a new parameter vector each time: no cached evaluation
    t_ours, _ = best_time(lambda: resid(theta * (1 + 1e-12 * next(bump))), 20)
    t_peer, _ = best_time(lambda: peer_model(x, *p0), 20)
    print(f"  one evaluation: curve_fit's model {t_peer * 1e3:.2f} ms, intelcap's residual and "
          f"Jacobian together {t_ours * 1e3:.2f} ms")
    return nfev_peer * t_peer / (nfev_ours * t_ours)


def main() -> None:
    df = simulate()
    x = (df["K"].to_numpy(), df["L"].to_numpy())
    lny = np.log(df["Y"].to_numpy())
    p0 = list(START.values())

    t0 = time.perf_counter()
    _ = NLS(FORMULA, df, START).compiled  # symbolic differentiation and lambdify, once
    t_compile = time.perf_counter() - t0

    t_ours, ours = best_time(lambda: nls(FORMULA, df, START))

    def peer():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return curve_fit(peer_model, x, lny, p0=p0, full_output=True)

    t_peer, (popt, _pcov, info, _msg, _ier) = best_time(peer)
    ssr_peer = float(np.sum(info["fvec"] ** 2))

    p_ours = ours.params[list(START)].to_numpy()
    same = bool(np.allclose(p_ours, popt, rtol=1e-6)
                and abs(ours.ssr / ssr_peer - 1) < 1e-9)
    print(f"CES NLS, n = {N:,}, best of {REPEATS}")
    print(f"  intelcap nls (analytic Jacobian): {t_ours:8.3f} s  nfev={ours.nfev} "
          f"njev={ours.njev} converged={ours.converged}")
    print(f"  scipy curve_fit (numeric Jacobian, MINPACK lm): {t_peer:8.3f} s  "
          f"nfev={info['nfev']}")
    print(f"  one-off symbolic compile (cached afterwards): {t_compile:.3f} s")
    print(f"  parameters intelcap: {np.round(p_ours, 8).tolist()}")
    print(f"  parameters curve_fit: {np.round(popt, 8).tolist()}")
    print(f"  SSR intelcap {ours.ssr:.10g}, curve_fit {ssr_peer:.10g}")
    print(f"  same optimum: {same}")
    print(f"RATIO curve_fit / intelcap = {t_peer / t_ours:.2f}x (goal >= 5x)")
    bound = evaluation_bound(df, x, p0, int(info["nfev"]), ours.nfev)
    print(f"  bound from the evaluation counts alone: {bound:.2f}x")
    print(f"RATIO including the one-off compile = {t_peer / (t_ours + t_compile):.2f}x")

    te = simulate_te()
    xt = tuple(np.log(te[c].to_numpy()) for c in ("K", "L", "Z"))
    lyt = np.log(te["Y"].to_numpy())
    _ = NLS(TE_FORMULA, te, TE_START).compiled
    t_o2, o2 = best_time(lambda: nls(TE_FORMULA, te, TE_START))

    def peer2():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return curve_fit(peer_te, xt, lyt, p0=list(TE_START.values()), full_output=True)

    t_p2, (popt2, _c, info2, _m, _i) = best_time(peer2)
    same2 = bool(np.allclose(o2.params[list(TE_START)].to_numpy(), popt2, rtol=1e-6)
                 and abs(o2.ssr / float(np.sum(info2["fvec"] ** 2)) - 1) < 1e-9)
    print(f"Threshold-elasticity IC form (7 parameters), n = {N:,}")
    print(f"  intelcap {t_o2:.3f} s (nfev={o2.nfev}, njev={o2.njev}, converged={o2.converged}); "
          f"curve_fit {t_p2:.3f} s (nfev={info2['nfev']}); same optimum: {same2}")
    print(f"RATIO curve_fit / intelcap (IC form) = {t_p2 / t_o2:.2f}x")


if __name__ == "__main__":
    main()
