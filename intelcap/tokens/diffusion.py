r"""Diffusion curves for usage series: exponential, logistic, Gompertz and Bass fits.

A usage series (daily tokens, weekly tokens of a model, adopters) is fitted to one of four
curves by nonlinear least squares, on the log scale by default (multiplicative errors: a series
that grew 1,000-fold is not fitted to its last point only):

========== ==================================================== =====================
model      curve :math:`f(t)`                                    parameters
========== ==================================================== =====================
exponential :math:`a e^{b t}`                                    a, b
logistic   :math:`K / (1 + e^{-r (t - t_0)})`                     K, r, t0
gompertz   :math:`K \exp(-e^{-r (t - t_0)})`                      K, r, t0
bass       :math:`m \frac{1 - e^{-(p+q) t}}{1 + (q/p) e^{-(p+q) t}}` m, p, q
========== ==================================================== =====================

The Bass (1969) curve is cumulative adoption with innovation coefficient ``p`` and imitation
coefficient ``q``; its time origin is the launch (``t = 0``), so pass time since launch.

:func:`fit_diffusion` returns a :class:`DiffusionResults` (the common results vocabulary:
``params``, ``std_errors``, ``conf_int``, ``ssr``, plus ``aic``, ``bic``, ``aicc``,
``predict(t_new)`` and ``prediction_interval(t_new, level)``); :func:`compare_diffusion` fits
several models and reports information criteria and an out-of-sample check on the last points.

References
----------
Bass, F. M. (1969). A new product growth for model consumer durables. *Management Science*
15(5), 215-227.
Burnham, K. P. and Anderson, D. R. (2002). *Model Selection and Multimodel Inference*, 2nd ed.
(AIC and AICc for least squares, section 2.2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from intelcap._validation import check_choice, check_finite
from intelcap.estimation.covariance import covariance
from intelcap.estimation.results import Results
from intelcap.exceptions import (
    ConvergenceWarning,
    CovarianceWarning,
    DataError,
    IntelcapValueError,
)

__all__ = [
    "DIFFUSION_MODELS",
    "DiffusionModel",
    "DiffusionResults",
    "compare_diffusion",
    "fit_diffusion",
    "out_of_sample",
]


# ------------------------------------------------------------------------------------------
# the curves (written for complex arguments too: the Jacobian is taken by complex step)
# ------------------------------------------------------------------------------------------
def _exponential(t, a, b):
    return a * np.exp(b * t)


def _logistic(t, k, r, t0):
    return k / (1.0 + np.exp(-r * (t - t0)))


def _gompertz(t, k, r, t0):
    return k * np.exp(-np.exp(-r * (t - t0)))


def _bass(t, m, p, q):
    e = np.exp(-(p + q) * t)
    return m * (1.0 - e) / (1.0 + (q / p) * e)


def _ols_line(x: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    slope, icpt = np.polyfit(x, z, 1)
    return float(icpt), float(slope)


def _start_exponential(t, y):
    c, b = _ols_line(t, np.log(y))
    return [np.array([np.exp(c), b])]


def _start_sigmoid(link: Callable[[np.ndarray], np.ndarray]):
    def start(t, y):
        out = []
        for mult in (1.02, 1.2, 1.5, 2.0, 4.0, 10.0, 100.0):
            k = mult * float(y.max())
            z = link(y / k)
            c, slope = _ols_line(t, z)  # z = r t - r t0
            r = max(slope, 1e-8)
            out.append(np.array([k, r, -c / r]))
        return out

    return start


def _start_bass(t, y):
    out = []
    for mult in (1.05, 1.5, 3.0, 10.0):
        for p in (1e-3, 1e-2, 5e-2):
            for q in (0.1, 0.4, 1.0):
                scale = 1.0 / max(float(np.ptp(t)), 1e-12) * 10
                out.append(np.array([mult * float(y.max()), p * scale, q * scale]))
    return out


@dataclass(frozen=True)
class DiffusionModel:
    """A diffusion curve: its name, parameter names, formula and start-value rule."""

    name: str
    params: tuple[str, ...]
    formula: str
    curve: Callable[..., Any]
    start: Callable[[np.ndarray, np.ndarray], list[np.ndarray]]
    lower: tuple[float, ...]
    upper: tuple[float, ...]

    def __call__(self, t: Any, params: Sequence[float]) -> np.ndarray:
        return self.curve(np.asarray(t, dtype=float), *params)

    def __str__(self) -> str:
        return f"{self.name}: y = {self.formula}  (parameters {', '.join(self.params)})"


_INF = np.inf
#: Registry of the diffusion curves, by name.
DIFFUSION_MODELS: dict[str, DiffusionModel] = {
    "exponential": DiffusionModel("exponential", ("a", "b"), "a exp(b t)", _exponential,
                                  _start_exponential, (0.0, -_INF), (_INF, _INF)),
    "logistic": DiffusionModel("logistic", ("K", "r", "t0"), "K / (1 + exp(-r (t - t0)))",
                               _logistic,
                               _start_sigmoid(lambda u: -np.log(1.0 / u - 1.0)),
                               (0.0, 0.0, -_INF), (_INF, _INF, _INF)),
    "gompertz": DiffusionModel("gompertz", ("K", "r", "t0"), "K exp(-exp(-r (t - t0)))",
                               _gompertz, _start_sigmoid(lambda u: -np.log(-np.log(u))),
                               (0.0, 0.0, -_INF), (_INF, _INF, _INF)),
    "bass": DiffusionModel("bass", ("m", "p", "q"),
                           "m (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))", _bass,
                           _start_bass, (0.0, 1e-12, 0.0), (_INF, _INF, _INF)),
}


def _jacobian(model: DiffusionModel, t: np.ndarray, theta: np.ndarray, log: bool) -> np.ndarray:
    """d g(t; theta) / d theta by complex step (exact to rounding); g = log f or f."""
    k = theta.size
    jac = np.empty((t.size, k))
    for j in range(k):
        h = 1e-20 * max(abs(theta[j]), 1.0)
        th = theta.astype(complex)
        th[j] += 1j * h
        f = model.curve(t.astype(complex), *th)
        g = np.log(f) if log else f
        jac[:, j] = g.imag / h
    return jac


def _as_arrays(t: Any, y: Any) -> tuple[np.ndarray, np.ndarray, pd.Index | None, str]:
    name = getattr(y, "name", None) or "y"
    index = y.index if isinstance(y, pd.Series) else None
    if isinstance(t, (pd.DatetimeIndex, pd.PeriodIndex)) or (
        isinstance(t, pd.Series) and not pd.api.types.is_numeric_dtype(t)
    ):
        raise DataError("t must be numeric (for example months since a base date); convert "
                        "dates first, e.g. (dates - base).days / 30.4375")
    ta = check_finite(t, "t", index)
    ya = check_finite(y, str(name), index)
    if ta.ndim != 1 or ya.ndim != 1 or ta.size != ya.size:
        raise DataError(f"t and y must be one-dimensional of equal length, got {ta.shape} and "
                        f"{ya.shape}")
    return ta, ya, index, str(name)


class DiffusionResults(Results):
    """Fit of a diffusion curve (see :func:`fit_diffusion`).

    Beyond the common vocabulary: ``model`` (the :class:`DiffusionModel`), ``scale``
    (``"log"`` or ``"level"``), ``converged``, information criteria ``aic``, ``bic``, ``aicc``
    and ``loglike``, :meth:`predict` and :meth:`prediction_interval`. Immutable.
    """

    def __init__(self, *, model: DiffusionModel, scale: str, t: np.ndarray, y: np.ndarray,
                 theta: np.ndarray, cov: np.ndarray, index: pd.Index | None, dependent: str,
                 converged: bool, message: str, cov_description: str | None = None) -> None:
        params = pd.Series(theta, index=list(model.params), name="parameter")
        g = np.log(y) if scale == "log" else y
        ghat = np.log(model(t, theta)) if scale == "log" else model(t, theta)
        idx = index if index is not None else pd.RangeIndex(t.size)
        resid = pd.Series(g - ghat, index=idx, name="resid")
        fitted = pd.Series(model(t, theta), index=idx, name="fitted")
        super().__init__(params, cov, nobs=t.size, df_resid=t.size - theta.size, resids=resid,
                         fitted_values=fitted, model_name=f"Diffusion ({model.name}, {scale})",
                         dependent=dependent, cov_type="unadjusted",
                         cov_description=cov_description)
        self.model = model
        self.scale = scale
        self.converged = converged
        self.message = message
        self._t = t
        self._theta = theta

    # -- information criteria ----------------------------------------------------------------
    @cached_property
    def loglike(self) -> float:
        r"""Gaussian log-likelihood at the ML variance :math:`\hat\sigma^2 = SSR/n`."""
        n = self.nobs
        return float(-0.5 * n * (np.log(2 * np.pi * self.ssr / n) + 1.0))

    @property
    def aic(self) -> float:
        r""":math:`-2\ln L + 2(k+1)`, counting the error variance as a parameter."""
        return -2 * self.loglike + 2 * (self.df_model + 1)

    @property
    def bic(self) -> float:
        r""":math:`-2\ln L + (k+1)\ln n`."""
        return -2 * self.loglike + (self.df_model + 1) * np.log(self.nobs)

    @property
    def aicc(self) -> float:
        r"""Small-sample AIC, :math:`AIC + 2(k+1)(k+2)/(n-k-2)` (NaN when n <= k + 2)."""
        k = self.df_model + 1
        d = self.nobs - k - 1
        return self.aic + 2 * k * (k + 1) / d if d > 0 else float("nan")

    # -- prediction ----------------------------------------------------------------------------
    def predict(self, t_new: Any = None) -> pd.Series:  # type: ignore[override]
        """The fitted curve at ``t_new`` (the sample times if omitted), in levels.

        On the log scale this is the median of the fitted log-normal error model.
        """
        if t_new is None:
            return self.fitted_values
        tn = check_finite(t_new, "t_new")
        idx = t_new.index if isinstance(t_new, pd.Series) else pd.Index(tn, name="t")
        return pd.Series(self.model(tn, self._theta), index=idx, name="predicted")

    def prediction_interval(self, t_new: Any, level: float = 0.95) -> pd.DataFrame:
        r"""Prediction intervals for new observations at ``t_new``.

        .. math:: \hat g(t) \pm t_{df}(1 - \alpha/2)\,
                  \sqrt{G(t) \hat V G(t)' + \hat\sigma^2}

        with :math:`g` the fitted scale (log or level), :math:`G` the gradient of
        :math:`g` in the parameters (delta method) and :math:`\hat\sigma^2 = SSR/(n-k)`;
        on the log scale the bounds are exponentiated. Columns ``predicted``, ``lower``,
        ``upper``, ``mean_lower``, ``mean_upper`` (the curve's own confidence band).
        """
        if not 0 < level < 1:
            raise IntelcapValueError(f"level must be in (0, 1), got {level}")
        tn = check_finite(t_new, "t_new")
        log = self.scale == "log"
        f = self.model(tn, self._theta)
        g = np.log(f) if log else f
        jac = _jacobian(self.model, tn, self._theta, log)
        v = self.cov.to_numpy()
        var_mean = np.einsum("ij,jk,ik->i", jac, v, jac)
        s2 = self.s2
        q = stats.t(self.df_resid).ppf(0.5 + level / 2) if self.df_resid > 0 else np.nan
        se_m = np.sqrt(np.maximum(var_mean, 0))
        se_p = np.sqrt(np.maximum(var_mean + s2, 0))
        back = np.exp if log else (lambda z: z)
        idx = t_new.index if isinstance(t_new, pd.Series) else pd.Index(tn, name="t")
        return pd.DataFrame({
            "predicted": f,
            "lower": back(g - q * se_p), "upper": back(g + q * se_p),
            "mean_lower": back(g - q * se_m), "mean_upper": back(g + q * se_m),
        }, index=idx)

    def _summary_header(self) -> list[tuple[str, object]]:
        return [*super()._summary_header(),
                ("Curve", self.model.formula), ("Scale", self.scale), ("AIC", self.aic),
                ("BIC", self.bic), ("Converged", self.converged)]

    def _summary_notes(self) -> list[str]:
        notes = [f"Errors additive on the {self.scale} scale; covariance s2 (J'J)^-1 with J "
                 "by complex step."]
        if self.df_resid <= 1:
            notes.append(f"Only {self.nobs} observations for {self.df_model} parameters: "
                         "standard errors and intervals rest on very few residual degrees "
                         "of freedom.")
        return notes


def fit_diffusion(t: Any, y: Any, model: str = "logistic", *, scale: str = "log",
                  start: Sequence[float] | None = None) -> DiffusionResults:
    r"""Fit a diffusion curve to a usage series by nonlinear least squares.

    .. math:: \min_\theta \sum_i \left(g(y_i) - g(f(t_i; \theta))\right)^2,
              \quad g = \ln \text{ (scale='log') or identity (scale='level')}

    Parameters
    ----------
    t : array-like or Series
        Numeric time (e.g. months since a base date); for ``"bass"`` the time since launch.
    y : array-like or Series
        The series (positive on the log scale). A Series' index labels the residuals.
    model : {"exponential", "logistic", "gompertz", "bass"}
        The curve (see :data:`DIFFUSION_MODELS`).
    scale : {"log", "level"}
        Scale on which the errors are additive.
    start : sequence of float, optional
        Start values in the order of ``DIFFUSION_MODELS[model].params``; by default several
        starts from linearisations of the curve are tried and the best fit kept.

    Returns
    -------
    DiffusionResults
        With ``params``, ``std_errors``, ``conf_int()``, ``aic``/``bic``/``aicc``,
        ``predict(t_new)`` and ``prediction_interval(t_new, level)``.

    Notes
    -----
    The covariance is :math:`\hat\sigma^2 (J'J)^{-1}` with :math:`\hat\sigma^2 = SSR/(n-k)`,
    intervals use Student's t with :math:`n-k` degrees of freedom. A fit that fails to
    converge warns (:class:`~intelcap.exceptions.ConvergenceWarning`) and says so in
    ``converged``.
    """
    check_choice("model", model, DIFFUSION_MODELS)
    check_choice("scale", scale, ("log", "level"))
    spec = DIFFUSION_MODELS[model]
    ta, ya, index, name = _as_arrays(t, y)
    k = len(spec.params)
    if ta.size <= k:
        raise DataError(f"{model} has {k} parameters and needs more than {k} observations, "
                        f"got {ta.size}")
    log = scale == "log"
    if log and np.any(ya <= 0):
        pos = int(np.flatnonzero(ya <= 0)[0])
        lab = index[pos] if index is not None else pos
        raise DataError(f"{name} must be positive on the log scale; value {ya[pos]!r} at row "
                        f"{lab!r}; use scale='level'")
    if model == "bass" and np.any(ta <= 0) and log:
        raise DataError("bass on the log scale needs t > 0 (time since launch)")
    g = np.log(ya) if log else ya

    def resid(theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f = spec.curve(ta, *theta)
            out = g - (np.log(f) if log else f)
        return np.where(np.isfinite(out), out, 1e10)

    def jac(theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            j = -_jacobian(spec, ta, theta, log)
        return np.where(np.isfinite(j), j, 0.0)

    starts = [np.asarray(start, dtype=float)] if start is not None else spec.start(ta, ya)
    lo, hi = np.array(spec.lower), np.array(spec.upper)
    # rank the starts by their own SSR and polish only the best few
    ranked = []
    for s0 in starts:
        s0 = np.clip(s0, lo, hi)
        if np.all(np.isfinite(s0)):
            r0 = resid(s0)
            ranked.append((float(r0 @ r0), len(ranked), s0))
    ranked.sort(key=lambda item: item[:2])
    best = None
    for _, _, s0 in ranked[:3]:
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                sol = optimize.least_squares(resid, s0, jac=jac, bounds=(lo, hi), method="trf",
                                             x_scale="jac", xtol=1e-14, ftol=1e-14, gtol=1e-14,
                                             max_nfev=2000)
        except (ValueError, FloatingPointError):
            continue
        if best is None or sol.cost < best.cost:
            best = sol
    if best is None:
        raise IntelcapValueError(f"no start value gave a finite {model} fit; pass start=")
    theta = best.x
    # the classical s2 (J'J)^{-1}, s2 = SSR/(n-k), from the covariance registry (rank-revealing
    # bread: a parameter the curve does not identify is named, its variance NaN)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        J = _jacobian(spec, ta, theta, log)
    bad = [p for p, col in zip(spec.params, J.T, strict=True) if not np.all(np.isfinite(col))]
    if bad:
        import warnings

        warnings.warn(f"the Jacobian of the {model} curve is not finite for {bad} at the "
                      "estimate; the covariance is not available (NaN)", CovarianceWarning,
                      stacklevel=2)
        cov, cov_line = np.full((k, k), np.nan), "not available (Jacobian not finite)"
    else:
        est = covariance(J, resid(theta), "unadjusted", debiased=True, names=list(spec.params))
        cov, cov_line = est.cov, est.description
    converged = bool(best.status > 0)
    if not converged:
        import warnings

        warnings.warn(f"{model} fit did not converge: {best.message}", ConvergenceWarning,
                      stacklevel=2)
    return DiffusionResults(model=spec, scale=scale, t=ta, y=ya, theta=theta, cov=cov,
                            index=index, dependent=name, converged=converged,
                            message=str(best.message), cov_description=cov_line)


def out_of_sample(t: Any, y: Any, model: str = "logistic", *, n_test: int = 1,
                  scale: str = "log", level: float = 0.95) -> pd.DataFrame:
    """Fit on all but the last ``n_test`` points and predict them.

    Returns one row per held-out point: ``t``, ``actual``, ``predicted``, ``lower``, ``upper``
    (prediction interval at ``level``), ``inside`` and ``log_error`` (ln actual - ln predicted).
    """
    ta, ya, _, _ = _as_arrays(t, y)
    if not 0 < n_test < ta.size:
        raise IntelcapValueError(f"n_test must be in [1, {ta.size - 1}], got {n_test}")
    order = np.argsort(ta, kind="stable")
    ta, ya = ta[order], ya[order]
    res = fit_diffusion(ta[:-n_test], ya[:-n_test], model, scale=scale)
    pi = res.prediction_interval(ta[-n_test:], level)
    out = pd.DataFrame({"t": ta[-n_test:], "actual": ya[-n_test:],
                        "predicted": pi["predicted"].to_numpy(),
                        "lower": pi["lower"].to_numpy(), "upper": pi["upper"].to_numpy()})
    out["inside"] = (out["actual"] >= out["lower"]) & (out["actual"] <= out["upper"])
    out["log_error"] = np.log(out["actual"] / out["predicted"])
    return out


def compare_diffusion(t: Any, y: Any, models: Sequence[str] | None = None, *,
                      scale: str = "log", n_test: int = 0) -> pd.DataFrame:
    """Fit several curves and tabulate SSR, AIC, BIC, AICc and (``n_test > 0``) the
    out-of-sample root mean squared log error on the last ``n_test`` points.

    Models that cannot be fitted (too few points) get a row with the reason in ``note``.
    """
    models = list(models) if models is not None else list(DIFFUSION_MODELS)
    rows = []
    for m in models:
        check_choice("model", m, DIFFUSION_MODELS)
        row: dict[str, Any] = {"model": m}
        try:
            r = fit_diffusion(t, y, m, scale=scale)
            row.update(nobs=r.nobs, k=r.df_model, ssr=r.ssr, aic=r.aic, bic=r.bic, aicc=r.aicc,
                       converged=r.converged, note="")
            if n_test:
                oos = out_of_sample(t, y, m, n_test=n_test, scale=scale)
                row["oos_rmse_log"] = float(np.sqrt(np.mean(oos["log_error"] ** 2)))
                row["oos_inside"] = int(oos["inside"].sum())
        except (DataError, IntelcapValueError) as err:
            row["note"] = str(err)
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")
