"""Convergence diagnostics of a least-squares fit: rank, Bates-Watts relative offset,
resolved Gauss-Newton step (the honest checks behind ``converged``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from intelcap.estimation.nls.config import _EPS, _EXACT_FLOOR, OptimizerConfig
from intelcap.estimation.nls.linalg import _Factor, _ssq, _tdot


@dataclass
class _Check:
    converged: bool
    reason: str
    relative_offset: float = np.nan
    rcond: float = np.nan
    gradient_norm: float = np.nan
    gn_step: float = np.nan  # largest |Gauss-Newton step| / (|theta| + se)
    step: np.ndarray | None = None
    factor: Any = None
    finite: bool = True  # residuals and Jacobian finite at the point


def _diagnose(theta: np.ndarray, r: np.ndarray, J: np.ndarray, status: int,
              config: OptimizerConfig, lhs_norm: float, bounds=None,
              cross: tuple[np.ndarray, np.ndarray] | None = None) -> _Check:
    """Convergence diagnostics at ``theta`` (``cross``: :math:`J'J, J'e` there, if known)."""
    n, p = J.shape
    total = _ssq(r)
    # a finite J'J (from the optimiser) and a finite r'r imply a finite J and r: the full
    # element-wise checks run only when one of them is not finite, to name the cause
    if not (np.isfinite(total) and cross is not None and np.all(np.isfinite(cross[0]))):
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(r))):
            return _Check(False, "the residuals or the Jacobian are not finite at the optimum",
                          finite=False)
    if not (np.isfinite(lhs_norm) and np.isfinite(total)):
        return _Check(False, "the sum of squared residuals overflows double precision at the "
                      "optimum; rescale the data")
    fac = _Factor.from_cross(*cross, n) if cross is not None else None
    if fac is not None:
        norms, grad = fac.norms, float(np.linalg.norm(cross[1]))
    else:
        norms = np.linalg.norm(J, axis=0)
        grad = float(np.linalg.norm(_tdot(J, r)))
    if np.any(norms == 0):
        zero = int(np.flatnonzero(norms == 0)[0])
        return _Check(False, f"the Jacobian column of parameter number {zero + 1} is zero at the "
                      "optimum (the parameter has no effect there)", rcond=0.0,
                      gradient_norm=grad)
    if fac is None:
        fac = _Factor.of(J)
    s = fac.s
    rcond = float(s[-1] / s[0])
    q1r = fac.q_t(r)
    step = fac.solve(q1r)
    proj2 = float(q1r @ q1r)
    orth = max(total - proj2, 0.0)
    num = np.sqrt(proj2 / p)
    den = np.sqrt(orth / (n - p)) if n > p else 0.0
    ro = float(num / den) if den > 0 else (0.0 if num == 0 else np.inf)
    # standard errors (unadjusted) give the statistical scale of each parameter
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s2 = np.where(s > s[0] * max(n, p) * _EPS, 1.0 / s**2, np.inf)
        var = ((fac.vt.T**2) @ inv_s2) / fac.norms**2 * (total / max(n - p, 1))
        se = np.sqrt(var)
        rel_step = np.abs(step) / (np.abs(theta) + se)
    gn = float(np.nanmax(rel_step)) if np.all(np.isfinite(rel_step)) else np.inf
    # residuals at the rounding floor of the model evaluation: an exact fit, a global optimum to
    # working precision (the relative offset is then dominated by rounding noise)
    exact = np.sqrt(total) <= _EXACT_FLOOR * _EPS * lhs_norm
    info = dict(relative_offset=ro, rcond=rcond, gradient_norm=grad, gn_step=gn, step=step,
                factor=fac)
    if status == 0:
        return _Check(False, "the optimiser stopped at the evaluation limit (max_nfev)", **info)
    if status < 0:
        return _Check(False, "the optimiser failed (improper input or evaluation failure)",
                      **info)
    if rcond < config.rank_rtol:
        return _Check(False, (f"the Jacobian is singular or rank deficient at the optimum "
                              f"(reciprocal condition number {rcond:.2e} < "
                              f"{config.rank_rtol:.0e}); the parameters are not identified "
                              "there"), **info)
    if bounds is not None and not (ro <= config.offset_tol or exact):
        lo, hi = bounds
        tol = 1e-10 * np.maximum(1.0, np.abs(theta))
        active = np.flatnonzero((theta - lo <= tol) | (hi - theta <= tol))
        if active.size:
            return _Check(False, (f"parameter(s) number {[int(i) + 1 for i in active]} are at "
                                  "a bound: the fit is a constrained optimum, not a "
                                  "least-squares optimum (first-order condition fails, "
                                  f"relative offset {ro:.2e}); standard errors are not valid"),
                          **info)
    if not (ro <= config.offset_tol or exact):
        return _Check(False, (f"the first-order condition fails: relative offset {ro:.2e} > "
                              f"{config.offset_tol:.0e} (the optimiser stalled before the "
                              "optimum)"), **info)
    if not (gn <= config.step_rtol or exact):
        return _Check(False, (f"a Gauss-Newton step from the returned point still moves a "
                              f"parameter by {gn:.2e} of (|value| + standard error) > "
                              f"{config.step_rtol:.0e}: the optimum is not resolved to the "
                              "requested accuracy"), **info)
    return _Check(True, "converged", **info)


def convergence_message(what: str, reason: str, formula: str | None = None,
                        limit: int = 200) -> str:
    """The text of a :class:`~intelcap.exceptions.ConvergenceWarning`: the reason first, the
    model's formula last and truncated to ``limit`` characters."""
    text = (f"{what} did not converge: {reason}. The estimates are not a verified least-squares "
            "optimum; try other start values or bounds.")
    if formula:
        formula = " ".join(str(formula).split())
        if len(formula) > limit:
            formula = formula[:limit - 3] + "..."
        text += f" Model: {formula}"
    return text
