"""Wooldridge (2009): both stages as one system of moment conditions, estimated by GMM.

With :math:`c(s, p)` a complete polynomial of degree ``poly_order`` in the state inputs and the
proxy (:math:`\\omega_{it} = c(s_{it}, p_{it})`), the two equations

.. math::

    y_{it} &= \\alpha_1 + x_{it}'\\beta + c(s_{it}, p_{it})'\\lambda + e_{it},\\\\
    y_{it} &= \\alpha_2 + x_{it}'\\beta + c(s_{i,t-1}, p_{i,t-1})'\\lambda + u_{it}

hold on the rows with a previous period (Wooldridge 2009, eqs. 2.11-2.12 with the law of motion
:math:`\\omega_t = \\rho_0 + \\omega_{t-1} + a_t`, ``law_of_motion="random_walk"``, which keeps the
system linear and :math:`\\lambda` common to both equations). With ``law_of_motion="free"`` the
second equation's polynomial has its own coefficients (an unrestricted series approximation of
:math:`g \\circ c`; R prodest 0.1's ``prodestWRDG``). The instruments are

* first equation: the constant, the free-input terms (current, Wooldridge's assumption
  :math:`E[e_{it} | l_{it}, k_{it}, m_{it}, \\ldots] = 0`; ``free_instruments="lagged"`` uses
  their lags, as R prodest 1.0.1's ``prodestWRDG``), the state-only terms and :math:`c_t`;
* second equation: the constant, every term's instrument (free and flexible factors lagged,
  state factors current) and :math:`c_{t-1}`.

The moment vector of firm-year :math:`(i,t)` is :math:`g_{it} = (Z_{1,it}'e_{it},
Z_{2,it}'u_{it})`. The estimator is linear GMM,
:math:`\\hat\\theta = (G'WG)^{-1}G'W\\,\\hat g_y`, with ``weight="2sls"`` (the default):
:math:`W = \\mathrm{diag}((Z_1'Z_1)^{-1}, (Z_2'Z_2)^{-1})` (system 2SLS; one-step GMM, whose
interval coverage tests/test_proxy.py checks by simulation), or ``weight="efficient"``: the
two-step optimal :math:`W = \\hat S^{-1}`,
:math:`\\hat S = \\sum_i (\\sum_t g_{it})(\\sum_t g_{it})'` from the 2SLS residuals (clustered by
firm). The covariance is the cluster-robust sandwich
:math:`(G'WG)^{-1}G'W\\hat SWG(G'WG)^{-1}\\cdot F/(F-1)` (:math:`F` firms, :math:`\\hat S` at the
estimate), and Hansen's J test is reported with the efficient weight. The two-step
covariance carries no finite-sample correction (Windmeijer 2005), so with many instruments its
intervals can be too narrow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._validation import check_choice
from intelcap.estimation.proxy.first_stage import polynomial
from intelcap.estimation.proxy.model import ProxyProduction
from intelcap.estimation.proxy.results import ProxyProductionResults
from intelcap.estimation.results import TestStatistic
from intelcap.exceptions import DataError

__all__ = ["Wooldridge", "fit_wooldridge"]


def _dedupe(Z: np.ndarray) -> np.ndarray:
    """Drop columns that are exact copies of an earlier one."""
    keep = []
    for j in range(Z.shape[1]):
        if not any(np.array_equal(Z[:, j], Z[:, i]) for i in keep):
            keep.append(j)
    return Z[:, keep]


def fit_wooldridge(model: ProxyProduction, *, weight: str = "2sls",
                   law_of_motion: str = "random_walk", free_instruments: str = "current"
                   ) -> ProxyProductionResults:
    """GMM estimation of Wooldridge's system (module docstring)."""
    check_choice("weight", weight, ("2sls", "efficient"))
    check_choice("law_of_motion", law_of_motion, ("random_walk", "free"))
    check_choice("free_instruments", free_instruments, ("current", "lagged"))
    s, spec = model.sample, model.spec
    terms = spec.terms
    names = [t.name for t in terms]
    y = s.col(spec.output)
    poly_vars = list(dict.fromkeys([*spec.of_role("state"), spec.proxy]))
    V = np.column_stack([s.col(c) for c in poly_vars])
    mu, sd = V.mean(axis=0), V.std(axis=0)
    if np.any(sd == 0):
        raise DataError(f"{poly_vars[int(np.argmin(sd))]!r} is constant in the sample")
    C, _ = polynomial((V - mu) / sd, model.poly_order)
    Cl = s.lag(C)
    X = np.column_stack([t.value(s.values) for t in terms])
    ok = s.has_lag.copy()
    zx1 = []
    for t in terms:
        if t.kind == "free":
            zx1.append(t.value(s.values) if free_instruments == "current"
                       else t.instrument(s.values, s.lag))
        elif t.kind == "state":
            zx1.append(t.value(s.values))
    zx2 = [t.instrument(s.values, s.lag) for t in terms]
    Zx1 = np.column_stack(zx1) if zx1 else np.empty((s.nobs, 0))
    Zx2 = np.column_stack(zx2)
    ok &= np.all(np.isfinite(Zx1), axis=1) & np.all(np.isfinite(Zx2), axis=1)
    rows = np.flatnonzero(ok)
    m = rows.size
    one = np.ones(m)
    Z1 = _dedupe(np.column_stack([one, Zx1[rows], C[rows]]))
    Z2 = _dedupe(np.column_stack([one, Zx2[rows], Cl[rows]]))
    p, c = X.shape[1], C.shape[1]
    zero = np.zeros(m)
    # parameters: beta (p), lambda (c), alpha1, alpha2 [, gamma (c)]
    if law_of_motion == "random_walk":
        X1 = np.column_stack([X[rows], C[rows], one, zero])
        X2 = np.column_stack([X[rows], Cl[rows], zero, one])
    else:
        X1 = np.column_stack([X[rows], C[rows], one, zero, np.zeros((m, c))])
        X2 = np.column_stack([X[rows], np.zeros((m, c)), zero, one, Cl[rows]])
    q1, q2 = Z1.shape[1], Z2.shape[1]
    G = np.vstack([Z1.T @ X1, Z2.T @ X2])
    gy = np.r_[Z1.T @ y[rows], Z2.T @ y[rows]]
    k = G.shape[1]
    sv = np.linalg.svd(G / np.linalg.norm(G, axis=0), compute_uv=False)
    if sv[-1] / sv[0] < 1e-10:
        raise DataError("Wooldridge GMM: the moments do not identify the parameters (the "
                        "instrument cross-product matrix is rank deficient); check for "
                        "inputs without variation over time or lower poly_order")
    ent = s.entity[rows]
    F = s.n_entities

    def solve(W):
        A = G.T @ W @ G
        return np.linalg.solve(A, G.T @ W @ gy), A

    def cluster_S(theta):
        u1 = y[rows] - X1 @ theta
        u2 = y[rows] - X2 @ theta
        g = np.column_stack([Z1 * u1[:, None], Z2 * u2[:, None]])
        gf = np.zeros((F, q1 + q2))
        np.add.at(gf, ent, g)
        return gf.T @ gf, gf.sum(axis=0)

    W = np.zeros((q1 + q2, q1 + q2))
    W[:q1, :q1] = np.linalg.pinv(Z1.T @ Z1)
    W[q1:, q1:] = np.linalg.pinv(Z2.T @ Z2)
    theta, A = solve(W)
    j_test = None
    if weight == "efficient":
        S, _ = cluster_S(theta)
        W = np.linalg.pinv(S)
        theta, A = solve(W)
    S, gbar = cluster_S(theta)
    Ainv = np.linalg.inv(A)
    V = Ainv @ G.T @ W @ S @ W @ G @ Ainv * F / (F - 1)
    df = q1 + q2 - k
    if weight == "efficient" and df > 0:
        J = float(gbar @ np.linalg.pinv(S) @ gbar)
        j_test = TestStatistic(J, float(stats.chi2.sf(J, df)), df=df, dist_name=f"chi2({df})",
                               null="the over-identifying moment conditions hold",
                               name="Hansen J")
    params = pd.Series(theta[:p], index=names, name="parameter")
    cov = pd.DataFrame(V[:p, :p], index=names, columns=names)
    lam, a1 = theta[p:p + c], theta[p + c]
    omega = a1 + C @ lam
    eps = y - X @ theta[:p] - omega
    notes = [f"Wooldridge GMM: {m} firm-years with a previous period, {q1}+{q2} instruments, "
             f"{k} parameters; weight {weight}, law of motion {law_of_motion}, free-input "
             f"instruments in the first equation {free_instruments}"]
    return ProxyProductionResults(
        params, cov, method="wooldridge", spec=spec, sample=s, omega=omega, eps=eps,
        n_second=m, converged=True, convergence_reason="closed form (linear GMM)",
        criterion=float(gbar @ W @ gbar), start=None,
        options={"poly_order": model.poly_order, "law_of_motion": law_of_motion,
                 "weight": weight},
        cov_type="GMM, clustered by firm", j_test=j_test, extra_notes=notes, data=model.data)


class Wooldridge(ProxyProduction):
    """Wooldridge (2009) one-step GMM estimator (proxy: log materials).

    Same parameters as :class:`~intelcap.estimation.proxy.ProxyProduction` without ``method``;
    ``fit(weight=..., law_of_motion=..., free_instruments=...)`` as in the module docstring.
    """

    def __init__(self, data: pd.DataFrame, output: str, *, free, state, proxy: str,
                 **kwargs) -> None:
        super().__init__(data, output, free=free, state=state, proxy=proxy,
                         method="wooldridge", **kwargs)
