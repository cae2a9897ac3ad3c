"""Benchmark of the Hansen (2000) test of no threshold: intelcap against a named peer and a floor.

Job (issue #17): the heteroskedasticity-robust sup-LM test with 1000 fixed-regressor bootstrap
replications (Hansen 1996) on the Durlauf-Johnson growth data of Hansen (2000, sec. 5), n = 96,
k = 5, 15 % trimming (67 candidate thresholds); the homoskedastic sup-F is timed as well.

* **intelcap**: the call a user writes, ``ThresholdRegression(...).fit(bootstrap=1000)``. It
  does more than the test: the threshold estimate, the LR profile, the coefficients and their
  covariance, eta^2 (about 10-15 ms of the total).
* **peer**: the same replications computed with every replication at once in plain numpy
  (:func:`peer_all_at_once`, 45 lines): the residuals of all replications as a (B, n) array, the
  cumulative scores and robust middle matrices as (B, n, k) and (B, n, k, k) arrays, and one
  stacked ``numpy.linalg.solve`` over the (B, G) small systems. It returns the statistic, the
  replications and the p-value; it matches intelcap's replications to 1e-7 (checked below).
* **floor**: what any computation of the same replications must at least do
  (:func:`floor_pass`): draw the B x n normal multipliers and form, in one pass, the B x n
  products of the squared bootstrap residuals with the k(k+1)/2 distinct regressor
  cross-products and with the k regressors, the inputs whose cumulative sums every candidate's
  statistic is built from. It is a lower bound (it stops before the statistic), not a slower
  implementation.

Threads: BLAS threads are set with threadpoolctl, at 1 thread and at all cores, for every side
alike. Each pair times peer, intelcap and floor back to back (order alternating) on the same
machine state; ratios are per pair, printed as min / median / max over the pairs.

Run: ``python benchmarks/bench_threshold_cross_section.py [pairs]``. Prints ratios; asserts only
that the peer computes the same replications.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from intelcap.datasets import hansen2000
from intelcap.estimation.threshold import ThresholdRegression

XCOLS = ["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]
REPS = 1000
TRIM = 0.15


def peer_all_at_once(y, x, q, reps, seed, het=True, trim=TRIM):
    """Fixed-regressor bootstrap of the sup-LM (het) or sup-F with all replications at once."""
    o = np.argsort(q, kind="stable")
    q, y = q[o], y[o]
    xs = np.column_stack([np.ones(len(y)), x[o]])
    n, k = xs.shape
    mi = np.linalg.inv(xs.T @ xs)
    e0 = y - xs @ (mi @ (xs.T @ y))
    ends = np.flatnonzero(np.r_[q[1:] != q[:-1], True])
    n1 = ends + 1
    ends = ends[(n1 >= np.floor(n * trim)) & (n1 <= np.floor(n * (1 - trim)))]
    xx = xs[:, :, None] * xs[:, None, :]
    m = np.cumsum(xx, axis=0)[ends]  # G x k x k
    r = m @ mi

    def sup(e):  # e: B x n residuals under the null -> sup statistic, B
        c = np.cumsum(e[:, :, None] * xs, axis=1)[:, ends]  # B x G x k
        if het:
            w = np.cumsum((e**2)[:, :, None, None] * xx, axis=1)
            wn, w = w[:, -1][:, None], w[:, ends]
            v = w - r @ w - w @ np.swapaxes(r, -1, -2) + r @ wn @ np.swapaxes(r, -1, -2)
            return np.einsum("bgk,bgk->bg", c, np.linalg.solve(v, c[..., None])[..., 0]).max(1)
        a = m - m @ mi @ m
        s = np.einsum("bgk,bgk->bg", c, np.linalg.solve(a[None], c[..., None])[..., 0])
        return (n * s / ((e**2).sum(axis=1)[:, None] - s)).max(1)

    stat = float(sup(e0[None])[0])
    u = np.random.default_rng(seed).standard_normal((reps, n))
    ystar = u * e0 if het else u
    estar = ystar - (ystar @ xs) @ mi @ xs.T
    boot = sup(estar)
    return stat, boot, float(np.mean(boot >= stat))


def floor_pass(n, k, reps, seed):
    """The B x n draws and one pass forming the moment products every statistic needs."""
    rng = np.random.default_rng(seed)
    x = np.ones((n, k))
    iu = np.triu_indices(k)
    xx = x[:, iu[0]] * x[:, iu[1]]
    e = rng.standard_normal((n, reps))
    e2 = e * e
    return xx[:, :, None] * e2[:, None, :], x[:, :, None] * e[:, None, :]


def _paired(fns: dict, pairs: int) -> dict[str, np.ndarray]:
    names = list(fns)
    out = {nm: np.empty(pairs) for nm in names}
    for i in range(pairs):
        order = names if i % 2 == 0 else names[::-1]
        for nm in order:
            t = time.perf_counter()
            fns[nm]()
            out[nm][i] = time.perf_counter() - t
    return out


def _fmt(r: np.ndarray) -> str:
    return f"{r.min():.2f} / {np.median(r):.2f} / {r.max():.2f}"


def main(pairs: int = 9) -> None:
    df = hansen2000.load()
    y, x, q = (df["GDPGwth"].to_numpy(), df[XCOLS].to_numpy(), df["GDP1960"].to_numpy())
    n, k = len(y), len(XCOLS) + 1
    model = ThresholdRegression(y, x, q)
    cores = os.cpu_count() or 1
    print(f"Hansen (2000) test of no threshold, n={n}, k={k}, B={REPS}, {pairs} pairs; "
          "ratios min / median / max over pairs")
    for het in (True, False):
        label = "robust sup-LM" if het else "homoskedastic sup-F"
        ours = model.fit(bootstrap=REPS, boot_het=het, seed=1, progress=False).test
        stat, boot, pval = peer_all_at_once(y, x, q, REPS, 1, het=het)
        np.testing.assert_allclose(boot, ours.replications, rtol=1e-7)
        assert abs(stat - ours.stat) < 1e-7 * stat and pval == ours.pval
        for threads in sorted({1, cores}):
            with threadpool_limits(limits=threads, user_api="blas"):
                t = _paired({
                    "intelcap": lambda het=het: model.fit(bootstrap=REPS, boot_het=het, seed=1,
                                                          progress=False),
                    "peer": lambda het=het: peer_all_at_once(y, x, q, REPS, 1, het=het),
                    "floor": lambda: floor_pass(n, k, REPS, 1),
                }, pairs)
            print(f"  {label}, {threads} BLAS thread(s): intelcap median "
                  f"{np.median(t['intelcap']) * 1e3:.0f} ms")
            print(f"    peer (all replications at once, numpy) / intelcap: "
                  f"{_fmt(t['peer'] / t['intelcap'])}  (> 1: intelcap faster)")
            print(f"    intelcap / floor (draws + one moment pass):          "
                  f"{_fmt(t['intelcap'] / t['floor'])}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
