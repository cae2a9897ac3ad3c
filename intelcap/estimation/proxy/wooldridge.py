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
:math:`(G'WG)^{-1}G'W\\hat SWG(G'WG)^{-1}` (:math:`\\hat S` at the estimate), computed by the
covariance registry (:func:`intelcap.estimation.covariance.covariance`, ``cov_type="clustered"``
by firm); ``fit(debiased=True)`` applies its small-sample factor
:math:`\\frac{F}{F-1}\\frac{n-1}{n-k}` (:math:`F` firms, :math:`n` stacked moment rows) and a t
reference distribution, and Hansen's J test is reported with the efficient weight. The two-step
covariance carries no finite-sample correction (Windmeijer 2005), so with many instruments its
intervals can be too narrow.

Exactly redundant instruments (the state inputs of the first equation are affine in the
polynomial's standardised terms and the constant) are found by a QR factorisation of the
column-scaled instrument matrix and dropped, with a note naming them: the projection on the
instruments, hence every estimate, is unchanged, and the J test's degrees of freedom count the
instruments' rank. The weights are formed from triangular factors, never from a pseudo-inverse:
:math:`(Z'Z)^{-1} = R^{-1}R^{-\\prime}`, and :math:`\\hat S^{-1}` from the Cholesky factor of
:math:`\\hat S` scaled to unit diagonal after an eigenvalue check of its rank; a singular
:math:`\\hat S` (more moment conditions than firms, say) raises a
:class:`~intelcap.exceptions.DataError` giving its rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg as sla
from scipy import stats

from intelcap._validation import check_choice
from intelcap.estimation.covariance import covariance
from intelcap.estimation.proxy.first_stage import polynomial
from intelcap.estimation.proxy.model import ProxyProduction
from intelcap.estimation.proxy.results import ProxyProductionResults
from intelcap.estimation.results import TestStatistic
from intelcap.exceptions import DataError

__all__ = ["Wooldridge", "fit_wooldridge"]


def _instrument_basis(Z: np.ndarray, names: list[str], rtol: float = 1e-9
                      ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Instrument columns that span the column space of ``Z``, and the factor of their Gram matrix.

    Householder QR of ``Z`` with its columns scaled to unit norm, in the given order: a column
    whose component orthogonal to the columns before it is below ``rtol`` (:math:`|R_{jj}|`)
    is a linear combination of them and is dropped (its moments add nothing; the projection on
    the instruments, hence 2SLS, is unchanged). Returns the kept columns, the upper triangular
    :math:`R` with :math:`Z_k'Z_k = R'R` (from a second QR of the kept columns) and the names
    of the dropped columns.
    """
    norms = np.linalg.norm(Z, axis=0)
    scaled = Z / np.where(norms > 0, norms, 1.0)
    R = np.linalg.qr(scaled, mode="r")
    keep = np.abs(np.diag(R)) > rtol
    dropped = [n for n, k in zip(names, keep, strict=True) if not k]
    Zk = Z[:, keep]
    return Zk, np.linalg.qr(Zk, mode="r"), dropped


def _inverse_from_r(R: np.ndarray) -> np.ndarray:
    """:math:`(R'R)^{-1}` from the triangular factor (two triangular solves, no Gram inverse)."""
    Rinv = sla.solve_triangular(R, np.eye(R.shape[0]), lower=False)
    return Rinv @ Rinv.T


def _moment_covariance_factor(S: np.ndarray, n_firms: int, what: str):
    """Cholesky factor of the firm-clustered moment covariance, or a DataError naming its rank.

    :math:`S = \\sum_f g_f g_f'` is scaled to unit diagonal and its eigenvalues are checked
    (rank-revealing) before the factorisation; :math:`S` is singular when the moments outnumber
    the firms or a moment is zero for every firm.
    """
    d = np.sqrt(np.diag(S))
    q = S.shape[0]
    if np.any(d == 0):
        raise DataError(f"Wooldridge GMM, {what}: moment {int(np.argmin(d))} is zero for every "
                        "firm; the firm-clustered moment covariance is singular")
    Ss = S / np.outer(d, d)
    ev = np.linalg.eigvalsh(Ss)
    rank = int(np.sum(ev > q * np.finfo(float).eps * ev[-1]))
    if rank < q:
        raise DataError(f"Wooldridge GMM, {what}: the firm-clustered covariance of the {q} "
                        f"moment conditions has rank {rank} ({n_firms} firms), so its inverse "
                        "does not exist; use weight='2sls' or fewer instruments (lower "
                        "poly_order)")
    return sla.cho_factor(Ss, lower=False), d


def _solve_moment_covariance(factor, b: np.ndarray) -> np.ndarray:
    """:math:`S^{-1} b` from :func:`_moment_covariance_factor`'s output."""
    cf, d = factor
    return sla.cho_solve(cf, b / (d[:, None] if b.ndim == 2 else d)) / (
        d[:, None] if b.ndim == 2 else d)


def fit_wooldridge(model: ProxyProduction, *, weight: str = "2sls",
                   law_of_motion: str = "random_walk", free_instruments: str = "current",
                   debiased: bool = False) -> ProxyProductionResults:
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
    C, c_labels = polynomial((V - mu) / sd, model.poly_order, poly_vars)
    Cl = s.lag(C)
    X = np.column_stack([t.value(s.values) for t in terms])
    ok = s.has_lag.copy()
    zx1, zx1_names = [], []
    for t in terms:
        if t.kind == "free":
            current = free_instruments == "current"
            zx1.append(t.value(s.values) if current else t.instrument(s.values, s.lag))
            zx1_names.append(t.name if current else f"instrument of {t.name}")
        elif t.kind == "state":
            zx1.append(t.value(s.values))
            zx1_names.append(t.name)
    zx2 = [t.instrument(s.values, s.lag) for t in terms]
    zx2_names = [f"instrument of {t.name}" for t in terms]
    Zx1 = np.column_stack(zx1) if zx1 else np.empty((s.nobs, 0))
    Zx2 = np.column_stack(zx2)
    ok &= np.all(np.isfinite(Zx1), axis=1) & np.all(np.isfinite(Zx2), axis=1)
    rows = np.flatnonzero(ok)
    m = rows.size
    one = np.ones(m)
    Z1, R1, drop1 = _instrument_basis(np.column_stack([one, Zx1[rows], C[rows]]),
                                      ["constant", *zx1_names, *c_labels])
    Z2, R2, drop2 = _instrument_basis(np.column_stack([one, Zx2[rows], Cl[rows]]),
                                      ["constant", *zx2_names, *(f"{c} (t-1)" for c in c_labels)])
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
        fac = sla.cho_factor(A)  # positive definite: G has full column rank, W is
        return sla.cho_solve(fac, G.T @ W @ gy), fac

    def cluster_S(theta):
        u1 = y[rows] - X1 @ theta
        u2 = y[rows] - X2 @ theta
        g = np.column_stack([Z1 * u1[:, None], Z2 * u2[:, None]])
        gf = np.zeros((F, q1 + q2))
        np.add.at(gf, ent, g)
        return gf.T @ gf, gf.sum(axis=0)

    W = np.zeros((q1 + q2, q1 + q2))
    W[:q1, :q1] = _inverse_from_r(R1)
    W[q1:, q1:] = _inverse_from_r(R2)
    theta, A = solve(W)
    j_test = None
    if weight == "efficient":
        S, _ = cluster_S(theta)
        W = _solve_moment_covariance(_moment_covariance_factor(S, F, "efficient weight"),
                                     np.eye(q1 + q2))
        W = (W + W.T) / 2
        theta, A = solve(W)
    S, gbar = cluster_S(theta)
    Ainv = sla.cho_solve(A, np.eye(k))
    # the sandwich through the covariance registry: stacked moment rows (first equation, then
    # second), "Jacobian" rows z_i'WG and bread (G'WG)^{-1}, so that the clustered meat is
    # G'W S W G; for 2SLS z_i'WG is the projected regressor row and this is system 2SLS
    Zs = np.zeros((2 * m, q1 + q2))
    Zs[:m, :q1] = Z1
    Zs[m:, q1:] = Z2
    resid = np.r_[y[rows] - X1 @ theta, y[rows] - X2 @ theta]
    theta_names = [*names, *(f"theta[{j}]" for j in range(p, k))]
    est = covariance(Zs @ (W @ G), resid, "clustered", debiased=debiased,
                     clusters=np.r_[ent, ent], bread_matrix=Ainv, names=theta_names)
    V = est.cov
    df = q1 + q2 - k
    if weight == "efficient" and df > 0:
        J = float(gbar @ _solve_moment_covariance(
            _moment_covariance_factor(S, F, "J statistic"), gbar))
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
    for eq, dropped in (("first", drop1), ("second", drop2)):
        if dropped:
            notes.append(f"instrument(s) {', '.join(repr(d) for d in dropped)} of the {eq} "
                         "equation are linear combinations of the others and were dropped "
                         "(same projection, no moment lost)")
    return ProxyProductionResults(
        params, cov, method="wooldridge", spec=spec, sample=s, omega=omega, eps=eps,
        n_second=m, converged=True, convergence_reason="closed form (linear GMM)",
        criterion=float(gbar @ W @ gbar), start=None,
        options={"poly_order": model.poly_order, "law_of_motion": law_of_motion,
                 "weight": weight, "debiased": bool(debiased)},
        cov_type=f"GMM sandwich, {est.description} by firm", j_test=j_test,
        extra_notes=notes, data=model.data, distribution=est.distribution)


class Wooldridge(ProxyProduction):
    """Wooldridge (2009) one-step GMM estimator (proxy: log materials).

    Same parameters as :class:`~intelcap.estimation.proxy.ProxyProduction` without ``method``;
    ``fit(weight=..., law_of_motion=..., free_instruments=...)`` as in the module docstring.
    """

    def __init__(self, data: pd.DataFrame, output: str, *, free, state, proxy: str,
                 **kwargs) -> None:
        super().__init__(data, output, free=free, state=state, proxy=proxy,
                         method="wooldridge", **kwargs)
