"""Shared second-stage machinery: the law of motion, the criterion, a batched solver.

Everything here works on a *batch* of B problems at once (arrays with a leading axis B): the
estimation sample is the batch of one, the block bootstrap the batch of its replications, each
with its own row weights (a firm's multiplicity in the draw). One code path therefore computes
the estimate and its bootstrap distribution.

Law of motion
-------------
Productivity follows a first-order Markov process,
:math:`\\omega_{it} = g(\\omega_{i,t-1}) + \\xi_{it}`, with :math:`g` a polynomial of order
``lom_order`` (with Olley and Pakes's exit correction, a complete polynomial of that order in
:math:`\\omega_{i,t-1}` and the survival probability :math:`\\hat P_{it}`). For a trial
parameter vector :math:`\\beta`,

.. math::

    \\omega_{it}(\\beta) = \\hat\\Phi_{it} - x_{it}'\\beta, \\qquad
    \\omega_{i,t-1}(\\beta) = \\hat\\Phi_{i,t-1} - x_{i,t-1}'\\beta,

:math:`g` is concentrated out by (weighted) least squares of :math:`\\omega_{it}` on the
polynomial basis, and :math:`\\xi_{it}(\\beta)` is the residual. Before the basis is formed,
:math:`\\omega_{i,t-1}` is centred and scaled (the polynomial space is unchanged; the
conditioning is not).

Criteria
--------
* ``"nls"`` (Olley-Pakes and Levinsohn-Petrin, value added): minimise
  :math:`\\sum w_{it} (\\hat\\varepsilon_{it} + \\xi_{it}(\\beta))^2`, where
  :math:`\\hat\\varepsilon` is the first-stage residual, so the summand is
  :math:`y_{it} - x^{f\\prime}_{it}\\hat\\beta_f - x_{it}'\\beta - \\hat g(\\cdot)`;
* ``"gmm"`` (ACF, and OP/LP with flexible inputs): minimise
  :math:`\\bar m(\\beta)' W \\bar m(\\beta)` with
  :math:`\\bar m = N^{-1}\\sum w_{it} z_{it} r_{it}(\\beta)`,
  :math:`W = (N^{-1}\\sum w_{it} z_{it} z_{it}')^{-1}` and :math:`r = \\xi` (ACF) or
  :math:`\\hat\\varepsilon + \\xi` (OP/LP).

Both are sums of squares :math:`\\lVert A(\\beta) \\rVert^2` (:math:`A = \\sqrt{w}\\,r` or
:math:`A = L'\\bar m` with :math:`LL' = W`) and are minimised by Levenberg-Marquardt.

Convergence
-----------
A solution is declared converged only if (i) the optimiser stopped on a tolerance test,
(ii) the Jacobian of :math:`A` (central differences) is finite and of full column rank (the
reciprocal condition number of the column-scaled Jacobian above ``rank_rtol``), and (iii) the
undamped Gauss-Newton step from the solution, :math:`-(J'J)^{-1}J'A`, is below
``step_rtol`` :math:`(1 + |\\beta_j|)` in every coordinate: the first-order condition holds to
that resolution. For a just-identified GMM problem this means the moments are zero to working
precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np
from scipy import optimize

__all__ = ["SecondStage", "SolveReport", "batched_lm", "solve_single"]


def _rowdot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise dot products of two (B, m) arrays (BLAS for one row, einsum for a batch)."""
    if x.shape[0] == 1:
        return np.array([x[0] @ y[0]])
    return np.einsum("bm,bm->b", x, y)


def _law_basis(omega_l: np.ndarray, w: np.ndarray, order: int,
               exit_p: np.ndarray | None) -> np.ndarray:
    """Polynomial basis (B, m, h) of the law of motion, constant first."""
    sw = w.sum(axis=1, keepdims=True)
    mu = (w * omega_l).sum(axis=1, keepdims=True) / sw
    c = omega_l - mu
    sd = np.sqrt((w * c * c).sum(axis=1, keepdims=True) / sw)
    c = c / np.where(sd > 0, sd, 1.0)
    if exit_p is None:
        cols = [np.ones_like(c)]
        t = c
        for _ in range(order):
            cols.append(t)
            t = t * c
        return np.stack(cols, axis=2)
    pe = np.broadcast_to(exit_p, c.shape)
    mp = (w * pe).sum(axis=1, keepdims=True) / sw
    sp = np.sqrt((w * (pe - mp) ** 2).sum(axis=1, keepdims=True) / sw)
    pe = (pe - mp) / np.where(sp > 0, sp, 1.0)
    cols = [np.ones_like(c)]
    vars_ = [c, pe]
    for d in range(1, order + 1):
        for combo in combinations_with_replacement(range(2), d):
            col = np.ones_like(c)
            for j in combo:
                col = col * vars_[j]
            cols.append(col)
    return np.stack(cols, axis=2)


@dataclass
class SecondStage:
    """The second-stage problem on the rows with a previous period.

    Attributes
    ----------
    X, Xl : ndarray (m, p), or (B, m, p) gathered per problem (:meth:`gather`)
        Second-stage production terms at t and t-1.
    Z : ndarray (m, q) or (B, m, q), or None
        Instruments (``kind="gmm"``).
    order : int
        Order of the law of motion.
    exit_p : ndarray (m,) or (B, m), or None
        Survival probabilities (exit correction).
    kind : {"nls", "gmm"}
    """

    X: np.ndarray
    Xl: np.ndarray
    Z: np.ndarray | None
    order: int
    exit_p: np.ndarray | None
    kind: str

    def gather(self, pos: np.ndarray) -> SecondStage:
        """The problem on rows ``pos`` (B, M), one row set per problem (a batch of B)."""
        return SecondStage(self.X[pos], self.Xl[pos], None if self.Z is None else self.Z[pos],
                           self.order, None if self.exit_p is None else self.exit_p[pos],
                           self.kind)

    def take(self, idx: np.ndarray) -> SecondStage:
        """Problems ``idx`` of a gathered batch."""
        return SecondStage(self.X[idx], self.Xl[idx], None if self.Z is None else self.Z[idx],
                           self.order, None if self.exit_p is None else self.exit_p[idx],
                           self.kind)

    def xi(self, beta: np.ndarray, phi: np.ndarray, phil: np.ndarray, w: np.ndarray
           ) -> np.ndarray:
        """Innovations :math:`\\xi(\\beta)` (B, m): residuals of the fitted law of motion."""
        if self.X.ndim == 2:
            omega = phi - beta @ self.X.T
            omega_l = phil - beta @ self.Xl.T
        else:
            omega = phi - (self.X @ beta[:, :, None])[:, :, 0]
            omega_l = phil - (self.Xl @ beta[:, :, None])[:, :, 0]
        if self.exit_p is not None:
            P = _law_basis(omega_l, w, self.order, self.exit_p)
            Pw = P * w[:, :, None]
            PtWP = np.einsum("bmh,bmk->bhk", Pw, P)
            PtWo = np.einsum("bmh,bm->bh", Pw, omega)
            g = np.linalg.solve(PtWP, PtWo[:, :, None])[:, :, 0]
            return omega - np.einsum("bmh,bh->bm", P, g)
        # powers of the standardised lag only: P'WP is the Hankel matrix of the weighted power
        # sums S_0 .. S_2A, P'W omega the sums of w c^a omega, the fit a Horner evaluation;
        # one running product w c^k (in place) gives both, without a temporary per power
        A = self.order
        c = omega_l
        sw = w.sum(axis=1)
        c -= (_rowdot(w, c) / sw)[:, None]
        t = w * c
        var = _rowdot(t, c) / sw
        inv = 1.0 / np.sqrt(np.where(var > 0, var, 1.0))
        c *= inv[:, None]
        t *= inv[:, None]  # w c
        B = c.shape[0]
        S = np.empty((B, 2 * A + 1))
        r = np.empty((B, A + 1))
        S[:, 0] = sw
        r[:, 0] = _rowdot(w, omega)
        for k in range(1, 2 * A + 1):
            if k > 1:
                t *= c
            S[:, k] = t.sum(axis=1)
            if k <= A:
                r[:, k] = _rowdot(t, omega)
        idx = np.arange(A + 1)
        H = S[:, idx[:, None] + idx[None, :]]
        g = np.linalg.solve(H, r[:, :, None])[:, :, 0]
        fit = c * g[:, A:A + 1]
        for a in range(A - 1, 0, -1):
            fit += g[:, a:a + 1]
            fit *= c
        fit += g[:, :1]
        return np.subtract(omega, fit, out=fit)

    def weights_factor(self, w: np.ndarray) -> np.ndarray | None:
        """Cholesky factors L (B, q, q) of the GMM weights W = (Z'wZ/N)^{-1}."""
        if self.kind != "gmm":
            return None
        N = w.sum(axis=1)
        ZWZ = np.einsum("mq,bm,mr->bqr", self.Z, w, self.Z) / N[:, None, None]
        return np.linalg.cholesky(np.linalg.inv(ZWZ))

    def vector(self, beta: np.ndarray, phi: np.ndarray, phil: np.ndarray, w: np.ndarray,
               eps: np.ndarray | None, L: np.ndarray | None) -> np.ndarray:
        """:math:`A(\\beta)` (B, d) with criterion :math:`\\lVert A \\rVert^2`."""
        r = self.xi(beta, phi, phil, w)
        if eps is not None:
            r = r + eps
        if self.kind == "nls":
            return np.sqrt(w) * r
        N = w.sum(axis=1)
        wr = w * r
        mom = (wr @ self.Z if self.Z.ndim == 2 else (wr[:, None, :] @ self.Z)[:, 0, :]
               ) / N[:, None]
        return np.einsum("bq,bqr->br", mom, L)


def _central_jac(fun, beta: np.ndarray, rel: float = 1e-5) -> np.ndarray:
    """Central-difference Jacobian (B, d, p) of a batched vector function."""
    B, p = beta.shape
    cols = []
    for j in range(p):
        h = rel * (1.0 + np.abs(beta[:, j]))
        bp = beta.copy()
        bm = beta.copy()
        bp[:, j] += h
        bm[:, j] -= h
        cols.append((fun(bp) - fun(bm)) / (2 * h[:, None]))
    return np.stack(cols, axis=2)


def _forward_jac(fun, beta: np.ndarray, A: np.ndarray, rel: float = 1e-7) -> np.ndarray:
    B, p = beta.shape
    cols = []
    for j in range(p):
        h = rel * (1.0 + np.abs(beta[:, j]))
        bp = beta.copy()
        bp[:, j] += h
        cols.append((fun(bp) - A) / h[:, None])
    return np.stack(cols, axis=2)


@dataclass
class SolveReport:
    """Outcome of one second-stage solve (the estimation sample)."""

    x: np.ndarray
    criterion: float
    converged: bool
    reason: str
    status: int
    nfev: int
    gn_step: float
    rcond: float
    start: np.ndarray


def _diagnose(fun1, x: np.ndarray, status_ok: bool, step_rtol: float, rank_rtol: float
              ) -> tuple[bool, str, float, float]:
    J = _central_jac(lambda b: fun1(b), x[None, :])[0]
    A = fun1(x[None, :])[0]
    if not np.all(np.isfinite(J)) or not np.all(np.isfinite(A)):
        return False, "non-finite criterion or Jacobian at the solution", np.nan, np.nan
    norms = np.linalg.norm(J, axis=0)
    if np.any(norms == 0):
        return False, "a parameter does not affect the criterion (zero Jacobian column)", \
            np.inf, 0.0
    Js = J / norms
    sv = np.linalg.svd(Js, compute_uv=False)
    rcond = float(sv[-1] / sv[0])
    if rcond < rank_rtol:
        return False, (f"Jacobian of the criterion is rank deficient (reciprocal condition "
                       f"{rcond:.2e}): the parameters are not identified by these moments"), \
            np.inf, rcond
    step = np.linalg.lstsq(J, -A, rcond=None)[0]
    rel = float(np.max(np.abs(step) / (1.0 + np.abs(x))))
    if not status_ok:
        return False, "the optimiser stopped on its evaluation limit", rel, rcond
    if rel > step_rtol:
        return False, (f"first-order condition not met: Gauss-Newton step {rel:.2e} relative "
                       f"to the parameters exceeds {step_rtol:.0e}"), rel, rcond
    return True, "converged", rel, rcond


def _lm_polish(f, jac, x0: np.ndarray, max_nfev: int) -> tuple[np.ndarray, int, int]:
    res = optimize.least_squares(f, x0, jac=jac, method="lm", xtol=1e-15, ftol=1e-15,
                                 gtol=1e-15, max_nfev=max_nfev, x_scale="jac")
    x, status, nfev = res.x, int(res.status), int(res.nfev)
    crit = float(np.sum(f(x) ** 2))
    for _ in range(10):  # Gauss-Newton polish, kept only when it does not raise the criterion
        J, A = jac(x), f(x)
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(A))):
            break
        step = np.linalg.lstsq(J, -A, rcond=None)[0]
        c = float(np.sum(f(x + step) ** 2))
        if not np.isfinite(c) or c > crit:
            break
        x, crit = x + step, c
        if np.max(np.abs(step) / (1 + np.abs(x))) < 1e-14:
            break
    return x, status, nfev


def solve_single(fun1, starts, *, step_rtol: float = 1e-7, rank_rtol: float = 1e-10,
                 max_nfev: int = 2000) -> tuple[SolveReport, list[SolveReport]]:
    """Minimise :math:`\\lVert A(\\beta)\\rVert^2` for the estimation sample from each start.

    From every start, Levenberg-Marquardt (MINPACK) runs first; if its end point fails the
    convergence criteria and no earlier start has converged, a Nelder-Mead search on the
    criterion is run from the same start and polished by Levenberg-Marquardt (a
    derivative-based path can be drawn into a spurious local minimum of a GMM criterion whose
    moments have no root there; the simplex often is not).
    Returns the best report (a converged one if any, with the lowest criterion; criteria equal to
    within :math:`10^{-10}` relative or :math:`10^{-20}` absolute, such as the exact roots of a
    just-identified problem, tie and the earliest start wins) and the reports of every start.
    """
    def f(b: np.ndarray) -> np.ndarray:
        return fun1(b[None, :])[0]

    def jac(b: np.ndarray) -> np.ndarray:
        return _central_jac(fun1, b[None, :])[0]

    def crit(b: np.ndarray) -> float:
        v = f(b)
        c = float(v @ v)
        return c if np.isfinite(c) else np.inf

    reports = []
    for x0 in starts:
        x0 = np.asarray(x0, dtype=float)
        with np.errstate(all="ignore"):
            try:
                x, status, nfev = _lm_polish(f, jac, x0, max_nfev)
                ok, reason, rel, rcond = _diagnose(fun1, x, status > 0, step_rtol, rank_rtol)
                if not ok and not any(r.converged for r in reports):
                    nm = optimize.minimize(crit, x0, method="Nelder-Mead",
                                           options={"xatol": 1e-10, "fatol": 1e-300,
                                                    "maxiter": 400 * x0.size,
                                                    "maxfev": 400 * x0.size})
                    x2, status2, nfev2 = _lm_polish(f, jac, nm.x, max_nfev)
                    nfev += int(nm.nfev) + nfev2
                    ok2, reason2, rel2, rcond2 = _diagnose(fun1, x2, status2 > 0, step_rtol,
                                                           rank_rtol)
                    if ok2 or crit(x2) < crit(x):
                        x, status, ok, reason, rel, rcond = x2, status2, ok2, reason2, rel2, rcond2
            except (np.linalg.LinAlgError, ValueError) as exc:
                reports.append(SolveReport(x0, np.inf, False, f"criterion failed: {exc}", -1,
                                           0, np.nan, np.nan, x0))
                continue
        reports.append(SolveReport(x, crit(x), ok, reason, status, nfev, rel, rcond, x0))
    conv = [r for r in reports if r.converged]
    if not conv:
        return min(reports, key=lambda r: r.criterion), reports
    low = min(r.criterion for r in conv)
    best = next(r for r in conv if r.criterion <= low * (1 + 1e-10) + 1e-20)
    return best, reports


def batched_lm(fun, beta0: np.ndarray, *, max_iter: int = 40, step_rtol: float = 1e-7,
               refresh: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levenberg-Marquardt on a batch of problems ``fun(beta, idx) -> A`` (b, d).

    Every problem starts at its row of ``beta0`` (the full-sample estimate, for the bootstrap).
    The forward-difference Jacobian of a problem is reused for up to ``refresh`` accepted steps
    (a chord method: replications start next to the estimate, where the Jacobian changes
    little) and recomputed after a rejected step; a problem leaves the active set only when a
    step computed from a Jacobian evaluated at its current point is accepted and below
    ``step_rtol (1 + |beta|)``, or when it stalls (damping above 1e12, or ``max_iter``
    iterations: a replication that has not converged by then is counted as failed, not forced).
    Returns the solutions, the criteria and a converged flag per problem (the undamped
    Gauss-Newton step from a fresh Jacobian at the last point below ``step_rtol * 10``).
    """
    B, p = beta0.shape
    idx_all = np.arange(B)
    beta = beta0.copy()
    with np.errstate(all="ignore"):
        A = fun(beta, idx_all)
        d = A.shape[1]
        f = np.sum(A * A, axis=1)
        lam = np.full(B, 1e-6)
        done = np.zeros(B, dtype=bool)
        last_rel = np.full(B, np.inf)
        J = np.zeros((B, d, p))
        age = np.full(B, refresh)  # accepted steps since J was evaluated (refresh => stale)
        for _ in range(max_iter):
            act = np.flatnonzero(~done & np.isfinite(f))
            if act.size == 0:
                break
            need = act[age[act] > 0]
            if need.size:
                J[need] = _forward_jac(lambda x, need=need: fun(x, need), beta[need], A[need])
                age[need] = 0
            fresh = age[act] == 0
            b, Aa, Ja = beta[act], A[act], J[act]
            g = np.einsum("bdp,bd->bp", Ja, Aa)
            H = np.einsum("bdp,bdq->bpq", Ja, Ja)
            dH = np.einsum("bpp->bp", H)
            try:
                gn = -np.linalg.solve(H, g[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                gn = np.full_like(g, np.inf)
            rel_gn = np.max(np.abs(gn) / (1 + np.abs(b)), axis=1)
            last_rel[act[fresh]] = rel_gn[fresh]
            Hd = H + lam[act, None, None] * (np.eye(p)[None] * dH[:, :, None])
            step = -np.linalg.solve(Hd, g[:, :, None])[:, :, 0]
            Anew = fun(b + step, act)
            fnew = np.sum(Anew * Anew, axis=1)
            ok = np.isfinite(fnew) & (fnew <= f[act])
            acc = act[ok]
            beta[acc] = b[ok] + step[ok]
            A[acc] = Anew[ok]
            f[acc] = fnew[ok]
            lam[acc] = np.maximum(lam[acc] * 0.2, 1e-12)
            lam[act[~ok]] *= 10.0
            small = np.max(np.abs(step) / (1 + np.abs(b)), axis=1) <= step_rtol
            done[act[ok & small & fresh]] = True
            # a Jacobian is re-evaluated after a rejection, after `refresh` accepted steps, and
            # before a small step from a stale Jacobian can end the iteration
            age[acc] += 1
            age[act[~ok & ~fresh]] = refresh
            age[act[ok & small & ~fresh]] = refresh
            age[act[age[act] >= refresh]] = refresh
            done[act[lam[act] > 1e12]] = True
        conv = last_rel <= step_rtol * 10
    return beta, f, conv & np.isfinite(f)
