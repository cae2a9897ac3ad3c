r"""Test of no threshold in the IV threshold model, and the threshold reduced form.

**The test.** Under :math:`H_0: \beta_1 = \beta_2` the model of
:class:`~intelcap.estimation._threshold_iv.IVThresholdRegression` is the linear IV model
:math:`y = z'\beta + e`, :math:`E[x e] = 0`, and :math:`\gamma` is not identified, so the test
follows Hansen (1996): a sup statistic over the candidate thresholds with a bootstrap p-value.
At each candidate :math:`\gamma` every regime :math:`j` is estimated by GMM with the weight
matrix estimated under the null,

.. math::

    \hat\Omega_j(\gamma) = \sum_{i \in j} x_i x_i' \hat e_i^2, \quad
    \hat\beta_j(\gamma) = (S_j'\hat\Omega_j^{-1}S_j)^{-1} S_j'\hat\Omega_j^{-1} X_j'y_j, \quad
    \hat V_j = (S_j'\hat\Omega_j^{-1}S_j)^{-1}, \quad S_j = X_j'Z_j ,

(:math:`\hat e` the residuals of the two-step efficient GMM of the linear model), and

.. math::

    W_n(\gamma) = (\hat\beta_1 - \hat\beta_2)'(\hat V_1 + \hat V_2)^{-1}
                  (\hat\beta_1 - \hat\beta_2), \qquad
    \sup W = \max_{\gamma \in \Gamma} W_n(\gamma),

:math:`\Gamma` the candidates that leave ``trim`` of the observations (and more than the number of
instruments) in each regime. Every block is a cumulative sum over the data sorted by :math:`q`.
Since :math:`\hat\beta_1 - \hat\beta_2` is linear in :math:`y` and vanishes at :math:`y = z'b`,
it depends on :math:`y` only through :math:`e`: the p-value is that of Hansen's (1996) multiplier
(fixed-regressor) bootstrap, which recomputes the statistic with :math:`y^*_i = \hat e_i u_i`,
:math:`u_i \sim N(0, 1)`, the regressors, instruments and weight matrices held fixed; the
p-value is the share of replications with :math:`\sup W^* \ge \sup W`.

**The threshold reduced form** (Caner and Hansen 2004, sec. 2): :math:`z_1 = \Pi_1'x\,1(q \le
\rho) + \Pi_2'x\,1(q > \rho) + u`, estimated by least squares: :math:`\hat\rho` minimises the
sum over the endogenous regressors of the reduced forms' residual sums of squares (for one
endogenous regressor, Hansen's 2000 threshold regression of :math:`z_1` on :math:`x`), and
:math:`\hat z_1` are the split regressions' fitted values. With several endogenous regressors
this is least squares on the stacked system (the trace of the residual cross-product matrix); a
Gaussian quasi-likelihood would minimise its determinant instead, a choice this module makes
explicitly. The regimes' GMM keeps the instruments :math:`x` (valid whatever the reduced form).

References
----------
Hansen, B. E. (1996). Inference when a nuisance parameter is not identified under the null
hypothesis. *Econometrica* 64(2), 413-430.

Caner, M. and Hansen, B. E. (2004). Instrumental variable estimation of a threshold model.
*Econometric Theory* 20(5), 813-843.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import as_generator, progress_bar
from intelcap.estimation._threshold_inference import ThresholdTest
from intelcap.exceptions import SpecificationError

__all__ = ["sup_wald_test", "threshold_reduced_form"]

_CHUNK = 256  # at most this many bootstrap replications evaluated together
_BUDGET = 1 << 22  # floats in one temporary (n x replications): about 32 MB


def _cum_at(u: np.ndarray, v: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:math:`\\sum_{i \\le e} u_i v_i'` at the split ends ``e`` (G x p x r) and over all rows,
    one column of ``u`` at a time (temporaries n x r, not n x p x r)."""
    g, p, r = ends.size, u.shape[1], v.shape[1]
    at = np.empty((g, p, r))
    total = np.empty((p, r))
    for a in range(p):
        c = np.cumsum(u[:, a:a + 1] * v, axis=0)
        at[:, a, :] = c[ends]
        total[a] = c[-1]
    return at, total


class _SupWald:
    """The Wald statistic at every candidate for stacks of dependent variables (sorted data)."""

    def __init__(self, z: np.ndarray, x: np.ndarray, ehat: np.ndarray, ends: np.ndarray) -> None:
        s1, st = _cum_at(x, z, ends)                                   # X'Z below, all
        xe = x * ehat[:, None]
        o1, ot = _cum_at(xe, xe, ends)                                 # Omega below, all
        h, v = [], []
        for s, o in ((s1, o1), (st[None] - s1, ot[None] - o1)):
            ws = np.linalg.solve(o, s)                                  # Omega^-1 S
            a = np.swapaxes(s, 1, 2) @ ws                               # S' Omega^-1 S
            vj = np.linalg.inv(a)
            h.append(vj @ np.swapaxes(ws, 1, 2))                        # V S' Omega^-1
            v.append(vj)
        self.h1, self.h2 = h
        self.m = np.linalg.inv(v[0] + v[1])
        self.x = x
        self.ends = ends

    def __call__(self, ys: np.ndarray) -> np.ndarray:
        """Statistic at each candidate (G x B) for dependent variables ``ys`` (n x B)."""
        g1, gt = _cum_at(self.x, ys, self.ends)                         # G x l x B, l x B
        d = self.h1 @ g1 - self.h2 @ (gt[None] - g1)                    # G x k x B
        return np.einsum("gkb,gkm,gmb->gb", d, self.m, d)


def sup_wald_test(y: np.ndarray, z: np.ndarray, x: np.ndarray, q: np.ndarray,
                  ehat: np.ndarray, *, trim: float, reps: int, seed: Any, progress: bool,
                  qname: str) -> ThresholdTest:
    """Sup-Wald test of no threshold with its multiplier-bootstrap p-value (module notes).

    ``ehat``: residuals of the efficient GMM of the linear model; all arrays in the caller's
    row order.
    """
    n, ell = x.shape
    order = np.argsort(q, kind="stable")
    ys, zs, xs, qs, es = y[order], z[order], x[order], q[order], ehat[order]
    ends = np.flatnonzero(np.r_[qs[1:] != qs[:-1], True])
    n1 = ends + 1
    keep = ((n1 >= np.floor(n * trim)) & (n1 <= np.floor(n * (1 - trim)))
            & (n1 > ell) & (n - n1 > ell))
    ends = ends[keep]
    if ends.size == 0:
        raise SpecificationError(
            f"trim={trim:g} leaves no candidate threshold in {qname!r} with more than {ell} "
            f"observations (the number of instruments) in each regime (n={n}); lower trim")
    stat_fn = _SupWald(zs, xs, es, ends)
    seq = stat_fn(ys[:, None])[:, 0]
    stat = float(seq.max())
    sequence = pd.Series(seq, index=pd.Index(qs[ends], name=qname), name="sup-Wald (GMM)")
    dist = "multiplier bootstrap (Hansen 1996)"
    boot = np.empty(reps)
    if reps:
        rng = as_generator(seed)
        # temporaries per replication: n (one cumulative sum) and G x l <= n x l
        chunk = int(max(1, min(_CHUNK, _BUDGET // (n * ell))))
        done = 0
        bar = progress_bar(total=reps, desc="IV threshold bootstrap", progress=progress)
        try:
            while done < reps:
                b = min(chunk, reps - done)
                u = rng.standard_normal((b, n)).T                       # caller's row order
                ystar = ehat[:, None] * u
                boot[done:done + b] = stat_fn(ystar[order]).max(axis=0)
                done += b
                bar.update(b)
        finally:
            bar.close()
        pval = float(np.mean(boot >= stat))
        crit = {lvl: float(np.quantile(boot, 1 - lvl)) for lvl in (0.10, 0.05, 0.01)}
    else:
        pval, crit = float("nan"), {}
        dist += ": not run (bootstrap=0)"
    return ThresholdTest(stat, pval, sequence=sequence, trim=trim,
                         null="no threshold (linear IV model)", dist_name=dist,
                         critical_values=crit, replications=boot, seed=seed,
                         name="sup-Wald (GMM)")


def threshold_reduced_form(z1: np.ndarray, x: pd.DataFrame, q: pd.Series, *, trim: float,
                           grid: Any, names: list[str]) -> tuple[np.ndarray, float]:
    """Fitted values of the threshold reduced form and its threshold :math:`\\hat\\rho`.

    ``x``: the instruments (with the constant) as a frame; ``q``: the threshold variable.
    """
    from intelcap.estimation.threshold import ThresholdRegression

    total = None
    for j, name in enumerate(names):
        dep = pd.Series(z1[:, j], index=x.index, name=name)
        prof = ThresholdRegression(dep, x, q, constant=False).fit(
            trim=trim, grid=grid, bootstrap=0, progress=False).ssr_profile
        total = prof if total is None else total + prof
    rho = float(total.idxmin())
    lower = q.to_numpy() <= rho
    xa = x.to_numpy()
    fitted = np.empty_like(z1)
    for mask in (lower, ~lower):
        coef = np.linalg.lstsq(xa[mask], z1[mask], rcond=None)[0]
        fitted[mask] = xa[mask] @ coef
    return fitted, rho
