"""The optimiser paths of NLS: MINPACK Levenberg-Marquardt, Levenberg-Marquardt on the
cross-product for long data, trust region (scipy), Gauss-Newton refinement and restarts."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from intelcap.estimation.nls.config import _EPS, OptimizerConfig
from intelcap.estimation.nls.diagnostics import _Check, _diagnose
from intelcap.estimation.nls.linalg import _CHOLQR_MIN_ROWS, _gauss_newton_step, _ssq, _tdot


@dataclass
class _Run:
    x: np.ndarray
    resid: np.ndarray
    jac: np.ndarray
    status: int
    message: str
    nfev: int
    njev: int
    runs: int
    converged: bool
    reason: str
    relative_offset: float
    rcond: float
    gradient_norm: float
    gn_step: float
    factor: Any = None
    finite: bool | None = None  # residuals and Jacobian finite at x (None: not checked)


def _gn_polish(resid, jac, x: np.ndarray, r: np.ndarray, bounds, iters: int
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """Plain Gauss-Newton refinement from x while the steps contract.

    Near the optimum the change of the SSR falls below its own rounding, so a step is judged by
    its length: it is kept while it is shorter than the previous one (a contraction) and the SSR
    does not rise by more than 1e-10 relative; the first step must lower the SSR or leave it
    unchanged to rounding.
    """
    cost0 = float(r @ r)
    nfev = 0
    prev = np.inf
    for _ in range(iters):
        J = jac(x)
        if not np.all(np.isfinite(J)):
            break
        step, fac = _gauss_newton_step(r, J)
        size = float(np.linalg.norm(step * fac.norms))
        if not size < prev or size == 0.0:
            break
        x_new = x - step  # r(x + d) ~ r + J d = 0 gives d = -pinv(J) r
        if bounds is not None and (np.any(x_new < bounds[0]) or np.any(x_new > bounds[1])):
            break
        r_new = resid(x_new)
        nfev += 1
        if not np.all(np.isfinite(r_new)):
            break
        c_new = float(r_new @ r_new)
        if c_new > cost0 * (1 + 1e-10):
            break
        x, r, prev = x_new, r_new, size
        if np.all(np.abs(step) <= 4 * _EPS * np.abs(x)):
            break
    return x, r, nfev


#: MINPACK ``info`` -> status and message of :func:`scipy.optimize.least_squares` (6-8, tolerance
#: too small for further progress, are reported as the corresponding tolerance test)
_MINPACK_STATUS = {0: -1, 1: 2, 2: 3, 3: 4, 4: 1, 5: 0, 6: 2, 7: 3, 8: 1}
_STATUS_MESSAGES = {
    -1: "Improper input parameters status returned from `leastsq`",
    0: "The maximum number of function evaluations is exceeded.",
    1: "`gtol` termination condition is satisfied.",
    2: "`ftol` termination condition is satisfied.",
    3: "`xtol` termination condition is satisfied.",
    4: "Both `ftol` and `xtol` termination conditions are satisfied.",
    5: "The Gauss-Newton step is below step_rtol / 10 of (|value| + standard error).",
}


def _minpack_lm(resid, jac, x0: np.ndarray, config: OptimizerConfig) -> optimize.OptimizeResult:
    """MINPACK ``lmder`` through :func:`scipy.optimize.leastsq`, as ``least_squares(method="lm")``.

    The same Fortran routine with the same arguments as ``least_squares`` (``factor=100``,
    ``diag`` from ``x_scale``, ``max_nfev`` default ``100 p``), hence the same iterates; called
    directly, the Jacobian is handed over transposed (``col_deriv``: a C-ordered ``p x n`` view
    of the Fortran-ordered ``n x p`` array, no copy) and the wrapper's final extra Jacobian
    evaluation and array copies are avoided.
    """
    p = x0.size
    scale = config.x_scale
    diag = None if (scale is None or (isinstance(scale, str) and scale == "jac")) else (
        1.0 / np.broadcast_to(np.asarray(scale, dtype=float), (p,)))
    max_nfev = config.max_nfev if config.max_nfev is not None else 100 * p
    if resid(x0).size < p:
        raise ValueError("method 'lm' needs at least as many residuals as parameters")
    x, _cov, info, _msg, ier = optimize.leastsq(
        resid, x0.copy(), Dfun=lambda t: jac(t).T, full_output=True, col_deriv=True,
        ftol=config.ftol, xtol=config.xtol, gtol=config.gtol, maxfev=max_nfev, factor=100.0,
        diag=diag)
    status = _MINPACK_STATUS.get(int(ier), -1)
    return optimize.OptimizeResult(x=np.asarray(x, dtype=float), fun=info["fvec"],
                                   status=status, message=_STATUS_MESSAGES[status],
                                   nfev=int(info["nfev"]), njev=int(info.get("njev", 0)))


def _lm_failed(nfev: int, njev: int) -> optimize.OptimizeResult:
    """Marker of a :func:`_lm_tall` run that gave up (``x`` is None), with its evaluations."""
    return optimize.OptimizeResult(x=None, nfev=nfev, njev=njev)


def _lm_tall(resid, jac, x0: np.ndarray, config: OptimizerConfig) -> optimize.OptimizeResult:
    """Levenberg-Marquardt on the p x p cross-product, for long data (n >= 20,000).

    The iteration of Marquardt (1963) with the damping update of Nielsen (1999): with
    :math:`D = \\mathrm{diag}\\lVert J_j \\rVert` (Jacobian scaling, as ``x_scale="jac"``),
    :math:`A = D^{-1}J'JD^{-1}` and :math:`g = D^{-1}J'e`, the step solves
    :math:`(A + \\lambda I) D d = -g` and is accepted when the sum of squares falls; the gain
    ratio :math:`\\varrho` of actual to predicted reduction updates
    :math:`\\lambda \\leftarrow \\lambda \\max(1/3, 1 - (2\\varrho - 1)^3)` after a success and
    doubles its growth factor after a failure. An iteration costs one evaluation of the
    residual and Jacobian together (shared subexpressions) and an :math:`O(np^2)` level-3
    product, where MINPACK's ``lmder`` spends an unblocked Householder QR of the n x p Jacobian
    in every iteration. It only globalises: the point it returns goes through the same
    QR-based Gauss-Newton refinement and convergence diagnostics as every fit, and a result
    with ``x=None`` (MINPACK takes over; its ``nfev``/``njev`` count the evaluations spent) is
    returned whenever it cannot proceed (a zero Jacobian column, a
    non-finite value, a singular cross-product, the evaluation limit).

    Termination mirrors MINPACK's tests: the predicted relative reduction of the sum of squares
    is at most ``ftol`` (status 2), the scaled step is at most ``xtol`` of the scaled
    parameters (status 3), or the cosine between the residual and every Jacobian column is at
    most ``gtol`` (status 1); in addition it stops (status 3) once the undamped Gauss-Newton
    step is below ``step_rtol / 10`` of ``|value| + standard error`` for every parameter, the
    diagnostics' own criterion, so that no refinement steps are needed after it.

    References: Marquardt, D. W. (1963), *J. SIAM* 11(2), 431-441; Nielsen, H. B. (1999),
    Damping parameter in Marquardt's method, IMM-REP-1999-05, DTU.
    """
    p = x0.size
    max_nfev = config.max_nfev if config.max_nfev is not None else 100 * p
    x = np.asarray(x0, dtype=float).copy()
    # J'J, J'e and e'e accumulated while the residual and Jacobian were evaluated (long data
    # through NLS: one pass over the rows per evaluation), else formed here
    fused = getattr(resid, "cross", None)

    def ssq(xv: np.ndarray, rv: np.ndarray) -> float:
        if fused is not None:
            return float(fused(xv)[2])  # NaN or inf if any residual is
        return _ssq(rv) if np.all(np.isfinite(rv)) else np.inf

    r = resid(x)
    F = ssq(x, r)
    if not np.isfinite(F):
        return _lm_failed(1, 0)
    # with the fused cross-products the Jacobian itself is not needed until the end (asking
    # for it would keep every iterate's n x p array); it is evaluated all the same
    J = jac(x) if fused is None else None
    nfev = njev = 1
    lam: float | None = None
    grow = 2.0
    status = 0
    gn_tries = 0
    new_point = True
    d_gn = np.zeros(p)
    cross = None  # (x, J'J, J'e) at the last point where they were formed
    while nfev < max_nfev:
        if new_point:
            if fused is not None:
                A, g = fused(x)[:2]
                if not (np.all(np.isfinite(A)) and np.all(np.isfinite(g))):
                    return _lm_failed(nfev, njev)  # a non-finite Jacobian entry
            else:
                if not np.all(np.isfinite(J)):
                    return _lm_failed(nfev, njev)
                A, g = _tdot(J, J), _tdot(J, r)
            norms = np.sqrt(np.diag(A))
            if not np.all(norms > 0):
                return _lm_failed(nfev, njev)
            cross = (x.copy(), A, g)
            As = A / np.outer(norms, norms)
            gs = g / norms
            if F == 0.0 or float(np.max(np.abs(gs))) <= config.gtol * np.sqrt(F):
                status = 1
                break
            # the undamped Gauss-Newton step, measured as the diagnostics measure it (relative
            # to |value| + standard error): once it is negligible the optimum is resolved
            try:
                inv_as = np.linalg.inv(As)
            except np.linalg.LinAlgError:
                return _lm_failed(nfev, njev)
            d_gn = -(inv_as @ gs) / norms
            se = np.sqrt(np.abs(np.diag(inv_as)) * F / max(r.size - p, 1)) / norms
            if np.all(np.abs(d_gn) <= 0.1 * config.step_rtol * (np.abs(x) + se)):
                status = 5
                break
            if lam is None:
                lam = 1e-3
            new_point = False
        try:
            ds = -np.linalg.solve(As + lam * np.eye(p), gs)
        except np.linalg.LinAlgError:
            return _lm_failed(nfev, njev)
        pred = -2.0 * float(gs @ ds) - float(ds @ As @ ds)
        if not (np.all(np.isfinite(ds)) and np.isfinite(pred)):
            return _lm_failed(nfev, njev)
        if pred <= config.ftol * F:
            # the damped step no longer predicts progress: try the undamped Gauss-Newton step
            # (a few times at most), which resolves the optimum where damping would stall
            if gn_tries >= 5:
                status = 2
                break
            gn_tries += 1
            x_gn = x + d_gn
            r_gn = resid(x_gn)
            nfev += 1
            F_gn = ssq(x_gn, r_gn)
            if not F_gn <= F * (1 + 1e-12):
                status = 2
                break
            x, r, F = x_gn, r_gn, F_gn
            J = jac(x) if fused is None else None
            njev += 1
            new_point = True
            continue
        if float(np.linalg.norm(ds)) <= config.xtol * float(np.linalg.norm(x * norms)):
            status = 3
            break
        x_new = x + ds / norms
        r_new = resid(x_new)
        nfev += 1
        F_new = ssq(x_new, r_new)
        gain = (F - F_new) / pred
        if gain > 0:
            x, r, F = x_new, r_new, F_new
            J = jac(x) if fused is None else None
            njev += 1
            lam *= max(1.0 / 3.0, 1.0 - (2.0 * gain - 1.0) ** 3)
            grow = 2.0
            new_point = True
        else:
            lam *= grow
            grow *= 2.0
            if lam > 1e16:
                return _lm_failed(nfev, njev)
    if status == 0:
        return _lm_failed(nfev, njev)
    message = _STATUS_MESSAGES[status]
    status = 3 if status == 5 else status  # a step test, reported as MINPACK's xtol status
    return optimize.OptimizeResult(x=x, fun=np.asarray(r, dtype=float), status=status,
                                   message=message, nfev=nfev, njev=njev, cross=cross)


def _optimise(resid, jac, theta0, bounds, config: OptimizerConfig, n: int,
              lhs_norm: float) -> _Run:
    p = theta0.size
    kw = dict(ftol=config.ftol, xtol=config.xtol, gtol=config.gtol, max_nfev=config.max_nfev,
              x_scale=config.x_scale)
    unbounded = bounds is None and n >= p
    main = config.method
    if main == "auto":
        main = "lm" if unbounded else "trf"
    methods = [main]
    if config.polish:
        alt = "trf" if main == "lm" else ("lm" if unbounded else None)
        if alt is not None:
            methods.append(alt)
    best = None  # (cost, x, r, status, message)
    nfev = njev = runs = 0
    last_error = ""
    check: _Check | None = None
    checked_x: np.ndarray | None = None
    J_best: np.ndarray | None = None

    cross = None  # (x, J'J, J'e) from the tall Levenberg-Marquardt run

    def diagnose() -> _Check:
        nonlocal check, checked_x, J_best
        if checked_x is None or not np.array_equal(checked_x, best[1]):
            J_best = jac(best[1])
            here = (cross[1], cross[2]) if (
                cross is not None and np.array_equal(cross[0], best[1])) else None
            check = _diagnose(best[1], best[2], J_best, best[3], config, lhs_norm, bounds,
                              here)
            checked_x = best[1].copy()
        return check

    x = theta0.copy()
    for attempt in range(config.restarts + 1):
        improved = False
        for i, method in enumerate(methods):
            if attempt == 0 and i > 0:
                # the alternative method starts afresh from the start values too: a method that
                # stalled on a plateau may have left the other one a worse point to start from
                x = theta0.copy()
            b = bounds if (bounds is not None and method != "lm") else (-np.inf, np.inf)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    out = None
                    if method == "lm" and config.method == "auto" and n >= _CHOLQR_MIN_ROWS:
                        out = _lm_tall(resid, jac, x, config)
                        cross = out.get("cross")
                        if out.x is None:  # gave up: count its evaluations, MINPACK takes over
                            nfev += int(out.nfev)
                            njev += int(out.njev)
                            out = None
                    if out is None and method == "lm":
                        out = _minpack_lm(resid, jac, x, config)
                    if out is None:
                        out = optimize.least_squares(resid, x, jac=jac, method=method, bounds=b,
                                                     **kw)
            except (ValueError, np.linalg.LinAlgError) as exc:
                last_error = f"{method}: {exc}"
                continue
            runs += 1
            nfev += int(out.nfev)
            njev += int(out.njev or 0)
            fun = np.asarray(out.fun, dtype=float)
            if not np.all(np.isfinite(fun)):
                continue
            cost = float(fun @ fun)
            if best is None or cost < best[0] * (1 - 1e-15) or (
                    cost <= best[0] and out.status > 0 and best[3] <= 0):
                improved = improved or best is None or cost < best[0] * (1 - 1e-13)
                best = (cost, np.asarray(out.x, dtype=float), fun, int(out.status),
                        str(out.message))
            x = best[1].copy()
            if diagnose().converged:
                break
            if config.gauss_newton and best[3] > 0:
                x_gn, r_gn, k = _gn_polish(resid, jac, best[1], best[2], bounds,
                                           config.gauss_newton)
                nfev += k
                njev += k
                if k and float(r_gn @ r_gn) <= best[0] * (1 + 1e-10):
                    msg = best[4] if "Gauss-Newton" in best[4] else (
                        best[4] + f" Refined by {k} Gauss-Newton step(s).")
                    best = (float(r_gn @ r_gn), x_gn, r_gn, best[3], msg)
                    x = x_gn.copy()
                if diagnose().converged:
                    break
        if best is None or check is None or check.converged or (attempt > 0 and not improved):
            break
    if best is None:
        return _Run(theta0, resid(theta0), jac(theta0), -1, last_error or "optimiser failed",
                    nfev, njev, runs, False, f"the optimiser failed: {last_error}", np.nan,
                    np.nan, np.nan, np.nan)
    check = diagnose()
    return _Run(best[1], best[2], J_best, best[3], best[4], nfev, njev, runs, check.converged,
                check.reason, check.relative_offset, check.rcond, check.gradient_norm,
                check.gn_step, check.factor, check.finite)


def verified_fit(resid, jac, theta: np.ndarray, status: int, message: str, *,
                 lhs_norm: float, bounds: tuple[np.ndarray, np.ndarray] | None = None,
                 config: OptimizerConfig | None = None) -> _Run:
    """NLS's honest convergence checks at the point another optimiser returned.

    The one helper behind ``converged`` in every least-squares estimator (NLS, LSTR, PSTR):
    :func:`~intelcap.estimation.nls.diagnostics._diagnose` (evaluation limit, finite full-rank
    Jacobian, Bates-Watts relative offset, resolved Gauss-Newton step, bounds) at ``theta``;
    when they fail after a tolerance stop (``status > 0``), plain Gauss-Newton steps refine the
    point first, exactly as :func:`_optimise` does for NLS, and the checks are repeated there.

    Parameters
    ----------
    resid, jac : callable
        Residuals :math:`e(\\theta)` and their Jacobian :math:`\\partial e/\\partial\\theta'`.
    theta : ndarray
        The optimiser's answer; ``status`` and ``message`` its termination (scipy's codes).
    lhs_norm : float
        Norm of the dependent variable (the scale of an exact fit).
    bounds : (lower, upper), optional
        Bounds the optimiser respected (a point on one is a constrained optimum).
    config : OptimizerConfig, optional
        Tolerances of the checks (default :class:`OptimizerConfig`).
    """
    config = config or OptimizerConfig()
    theta = np.asarray(theta, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r, J = resid(theta), jac(theta)
        check = _diagnose(theta, r, J, status, config, lhs_norm, bounds)
        k = 0
        if not check.converged and status > 0 and config.gauss_newton and np.all(
                np.isfinite(r)):
            x_gn, r_gn, k = _gn_polish(resid, jac, theta, r, bounds, config.gauss_newton)
            if k and float(r_gn @ r_gn) <= float(r @ r) * (1 + 1e-10):
                theta, r = x_gn, r_gn
                J = jac(theta)
                check = _diagnose(theta, r, J, status, config, lhs_norm, bounds)
                message = message + f" Refined by {k} Gauss-Newton step(s)."
    return _Run(theta, r, J, status, message, k, k, 1, check.converged, check.reason,
                check.relative_offset, check.rcond, check.gradient_norm, check.gn_step,
                check.factor)
