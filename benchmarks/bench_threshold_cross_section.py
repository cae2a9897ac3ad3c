"""Benchmark of ThresholdRegression (Hansen 2000) against named peers measured in the same run.

Peers:
* profile: refitting OLS (numpy.linalg.lstsq) on both regimes at every candidate threshold,
  the textbook loop that intelcap's cumulative cross-products replace;
* bootstrap: the same fixed-regressor bootstrap evaluated one replication at a time (candidates
  still vectorised) instead of all replications as (B, n) arrays, and the robust bootstrap with
  a double loop over replications and candidates (the loop structure of Hansen's programs);
* floor: one pass over a (B, n) matrix (drawing the normal multipliers and one product with X),
  which any bootstrap of this kind must pay.

Run: ``python benchmarks/bench_threshold_cross_section.py``. Prints ratios, asserts nothing.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

from intelcap.estimation.threshold import ThresholdRegression, _sup_stats


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _simulate(n: int, k: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    q = rng.uniform(0, 1, n)
    x = rng.standard_normal((n, k - 1))
    y = 1 + x.sum(axis=1) + 0.5 * (q > 0.5) * (1 + x[:, 0]) + rng.standard_normal(n)
    return y, x, q


def naive_profile(y, x, q):
    xc = np.column_stack([np.ones(len(y)), x])
    k = xc.shape[1]
    qs = np.sort(np.unique(q))
    out = []
    for g in qs:
        lo = q <= g
        if lo.sum() < k + 2 or (~lo).sum() < k + 2:
            continue
        s = 0.0
        for m in (lo, ~lo):
            b = np.linalg.lstsq(xc[m], y[m], rcond=None)[0]
            s += float(((y[m] - xc[m] @ b) ** 2).sum())
        out.append(s)
    return np.array(out)


def one_at_a_time_bootstrap(y, x, q, reps, het, seed=0, trim=0.15):
    order = np.argsort(q, kind="stable")
    xs = np.column_stack([np.ones(len(y)), x])[order]
    ys, qs = y[order], q[order]
    n = len(ys)
    xtx_inv = np.linalg.inv(xs.T @ xs)
    e0 = ys - xs @ (xtx_inv @ xs.T @ ys)
    xx = xs[:, :, None] * xs[:, None, :]
    m_cum = np.cumsum(xx, axis=0)
    ends = np.flatnonzero(np.r_[qs[1:] != qs[:-1], True])
    n1 = ends + 1
    ends = ends[(n1 >= np.floor(n * trim)) & (n1 <= np.floor(n * (1 - trim)))]
    m1 = m_cum[ends]
    ainv = None if het else np.linalg.inv(m1 - m1 @ xtx_inv @ m1)
    rng = np.random.default_rng(seed)
    out = np.empty(reps)
    p = xs @ xtx_inv
    for b in range(reps):
        u = rng.standard_normal((1, n))
        ystar = u * e0 if het else u
        estar = ystar - (ystar @ xs) @ p.T
        out[b] = _sup_stats(estar, xs, xtx_inv, xx, m1, ainv, ends, het)[0][0]
    return out


def double_loop_bootstrap(y, x, q, reps, seed=0, trim=0.15):
    """Robust bootstrap with a loop over replications and, inside, over candidates (the loop
    structure of Hansen's published programs), cross-products updated cumulatively."""
    order = np.argsort(q, kind="stable")
    xs = np.column_stack([np.ones(len(y)), x])[order]
    ys, qs = y[order], q[order]
    n, k = xs.shape
    xtx_inv = np.linalg.inv(xs.T @ xs)
    e0 = ys - xs @ (xtx_inv @ xs.T @ ys)
    ends = np.flatnonzero(np.r_[qs[1:] != qs[:-1], True])
    n1 = ends + 1
    ends = ends[(n1 >= np.floor(n * trim)) & (n1 <= np.floor(n * (1 - trim)))]
    rng = np.random.default_rng(seed)
    out = np.empty(reps)
    for b in range(reps):
        ystar = rng.standard_normal(n) * e0
        e = ystar - xs @ (xtx_inv @ (xs.T @ ystar))
        xe = xs * e[:, None]
        vi = xe.T @ xe
        cxe = np.cumsum(xe, axis=0)
        mm = np.zeros((k, k))
        vv = np.zeros((k, k))
        start, best = 0, 0.0
        for end in ends:
            mm += xs[start:end + 1].T @ xs[start:end + 1]
            vv += xe[start:end + 1].T @ xe[start:end + 1]
            r = mm @ xtx_inv
            v = vv - r @ vv - vv @ r.T + r @ vi @ r.T
            best = max(best, float(cxe[end] @ np.linalg.solve(v, cxe[end])))
            start = end + 1
        out[b] = best
    return out


def floor_pass(n, k, reps, seed=0):
    rng = np.random.default_rng(seed)
    x = np.ones((n, k))
    u = rng.standard_normal((reps, n))
    return u @ x


def main() -> None:
    print("ThresholdRegression benchmark: best of several runs; ratio = peer time / intelcap "
          "time (> 1: intelcap faster)")
    for n, k, reps in ((96, 5, 1000), (2000, 5, 300)):
        y, x, q = _simulate(n, k)
        model = ThresholdRegression(y, x, q)
        t_ours = _best(partial(model.fit, bootstrap=0, progress=False), repeat=5)
        t_naive = _best(partial(naive_profile, y, x, q), repeat=1)
        print(f"n={n} k={k}: LR profile + estimates: intelcap {t_ours * 1e3:.1f} ms; "
              f"peer OLS per candidate {t_naive * 1e3:.1f} ms; ratio {t_naive / t_ours:.1f}")
        t_floor = _best(partial(floor_pass, n, k, reps), repeat=5)
        for het in (False, True):
            t_boot = _best(partial(model.fit, bootstrap=reps, boot_het=het, seed=1,
                                   progress=False), repeat=3) - t_ours
            t_loop = _best(partial(one_at_a_time_bootstrap, y, x, q, reps, het), repeat=2)
            label = "robust sup-LM" if het else "sup-F"
            print(f"  {label} bootstrap, B={reps}: intelcap {t_boot * 1e3:.1f} ms; peer one "
                  f"replication at a time {t_loop * 1e3:.1f} ms (ratio {t_loop / t_boot:.1f}); "
                  f"floor one B x n pass {t_floor * 1e3:.1f} ms (intelcap / floor "
                  f"{t_boot / t_floor:.1f})")
            if het:
                few = 20
                t_dbl = _best(partial(double_loop_bootstrap, y, x, q, few), repeat=1) * reps / few
                print(f"  {label} bootstrap, B={reps}: peer double loop over replications and "
                      f"candidates (Hansen's program structure, timed on {few} reps, scaled) "
                      f"{t_dbl * 1e3:.0f} ms (ratio {t_dbl / t_boot:.1f})")


if __name__ == "__main__":
    main()
