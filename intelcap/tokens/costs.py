r"""Cost curves of token production: the L-shaped average cost and Wright's-law learning curves.

**L-shaped average cost.** A provider with fixed cost :math:`F` (training, a cluster) and
constant marginal cost :math:`c` per token has

.. math:: AC(Q) = F / Q + c,

falling steeply, then flat (an "L"): the scale economies behind concentration. Fitted by least
squares of observed average cost (or price) on :math:`1/Q` (:func:`fit_average_cost`).

**Wright's law.** Unit cost falls by a constant fraction with each doubling of cumulative
output :math:`N`:

.. math:: c(N) = c_1 N^{-b}, \qquad \ln c = \ln c_1 - b \ln N,

progress ratio :math:`2^{-b}` and learning rate :math:`1 - 2^{-b}` per doubling (Wright 1936).
Fitted by OLS in logs (:func:`fit_learning_curve`), with confidence and prediction bands.

Both return :class:`~intelcap.estimation.results.Results` subclasses (``params``,
``std_errors``, ``conf_int``, ``predict``) with the covariances of
:mod:`intelcap.estimation.covariance`: ``cov_type`` ``"unadjusted"``, ``"robust"`` (White's HC0),
``"HC0"``-``"HC3"`` or ``"kernel"`` (Newey-West, rows in the order given), and ``debiased``
(small-sample factor, t reference distribution; ``cov_type="robust", debiased=True`` is HC1).

References
----------
Wright, T. P. (1936). Factors affecting the cost of airplanes. *Journal of the Aeronautical
Sciences* 3(4), 122-128.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import check_choice, check_finite, check_positive
from intelcap.estimation.results import Results
from intelcap.exceptions import DataError, IntelcapValueError

__all__ = ["AverageCostResults", "LearningCurveResults", "fit_average_cost",
           "fit_learning_curve"]


_COST_COV = ("unadjusted", "homoskedastic", "robust", "heteroskedastic", "HC0", "HC1", "HC2",
             "HC3", "kernel")


def _ols(X: np.ndarray, y: np.ndarray, cov_type: str, debiased: bool,
         bandwidth: float | None) -> Any:
    """Least squares of ``y`` on ``X`` through :class:`intelcap.estimation.linear.OLS` (QR;
    the covariance from :mod:`intelcap.estimation.covariance`)."""
    from intelcap.estimation.linear import OLS

    check_choice("cov_type", cov_type, _COST_COV)
    if bandwidth is not None and cov_type != "kernel":
        raise IntelcapValueError(f"bandwidth= is only used with cov_type='kernel', not "
                                 f"{cov_type!r}")
    n, k = X.shape
    if n <= k:
        raise DataError(f"{k} parameters need more than {k} observations, got {n}")
    if np.ptp(X, axis=0).max() == 0:  # the constant and the regressor are collinear
        raise DataError("the regressor has no variation (all quantities equal)")
    return OLS(y, X).fit(cov_type, debiased=debiased, bandwidth=bandwidth)


def _cov_kwargs(fit: Any) -> dict[str, Any]:
    return {"cov_type": fit.cov_type, "distribution": fit.distribution,
            "cov_description": fit.cov_description}


class _LinearCurveResults(Results):
    """Shared prediction machinery of the two curve fits (linear in transformed x)."""

    def _design(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _back(self, z: np.ndarray) -> np.ndarray:
        return z

    def prediction_interval(self, x_new: Any, level: float = 0.95) -> pd.DataFrame:
        r"""Fitted curve at ``x_new`` with confidence (``mean_lower/upper``) and prediction
        (``lower/upper``) bands: :math:`\hat z \pm q \sqrt{x' V x + s^2}` on the fitted
        scale, transformed back, with :math:`q` the quantile of the results' reference
        distribution (:math:`t_{n-k}` when debiased, else the normal) and
        :math:`s^2 = \mathrm{SSR}/(n-k)`."""
        if not 0 < level < 1:
            raise IntelcapValueError(f"level must be in (0, 1), got {level}")
        xn = check_positive(x_new, "x_new")
        D = self._design(xn)
        z = D @ self.params.to_numpy()
        var_m = np.einsum("ij,jk,ik->i", D, self.cov.to_numpy(), D)
        q = self._dist().ppf(0.5 + level / 2)
        sm, sp = np.sqrt(var_m), np.sqrt(var_m + self.s2)
        idx = x_new.index if isinstance(x_new, pd.Series) else pd.Index(xn, name="x")
        b = self._back
        return pd.DataFrame({"predicted": b(z), "lower": b(z - q * sp), "upper": b(z + q * sp),
                             "mean_lower": b(z - q * sm), "mean_upper": b(z + q * sm)},
                            index=idx)

    def predict(self, x_new: Any = None) -> pd.Series:  # type: ignore[override]
        if x_new is None:
            return self.fitted_values
        return self.prediction_interval(x_new)["predicted"].rename("predicted")


class AverageCostResults(_LinearCurveResults):
    r"""Fit of :math:`AC(Q) = F/Q + c`; ``params`` are ``F`` and ``c``."""

    def _design(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([1.0 / x, np.ones_like(x)])

    @property
    def efficient_scale(self) -> float:
        """Quantity at which the fixed-cost part falls to 10% of marginal cost (F / (0.1 c))."""
        f, c = self.params["F"], self.params["c"]
        return float(f / (0.1 * c)) if c > 0 else float("nan")


def fit_average_cost(quantity: Any, average_cost: Any, *, cov_type: str = "unadjusted",
                     debiased: bool = False,
                     bandwidth: float | None = None) -> AverageCostResults:
    r"""Fit the L-shaped average cost :math:`AC(Q) = F/Q + c` by OLS of AC on :math:`1/Q`.

    Parameters
    ----------
    quantity : array-like or Series
        Output (tokens), positive.
    average_cost : array-like or Series
        Average cost or price per token (per million tokens) at that output.
    cov_type : {"unadjusted", "robust", "HC0", "HC1", "HC2", "HC3", "kernel"}
        Covariance (see :mod:`intelcap.estimation.covariance`); ``"kernel"`` is Newey-West
        over the observations in the order given.
    debiased : bool
        Small-sample factor and t reference distribution (default False). The classical OLS
        intervals are ``cov_type="unadjusted", debiased=True``.
    bandwidth : float, optional
        Bartlett bandwidth for ``cov_type="kernel"``.
    """
    index = average_cost.index if isinstance(average_cost, pd.Series) else None
    q = check_positive(quantity, "quantity", index)
    ac = check_finite(average_cost, "average_cost", index)
    if q.shape != ac.shape:
        raise DataError(f"quantity and average_cost differ in length: {q.size} and {ac.size}")
    X = np.column_stack([1.0 / q, np.ones_like(q)])
    fit = _ols(X, ac, cov_type, debiased, bandwidth)
    beta, cov, e = fit.params.to_numpy(), fit.cov.to_numpy(), fit.resids.to_numpy()
    idx = index if index is not None else pd.RangeIndex(q.size)
    return AverageCostResults(pd.Series(beta, index=["F", "c"]), cov, nobs=q.size,
                              df_resid=q.size - 2, resids=pd.Series(e, index=idx),
                              fitted_values=pd.Series(ac - e, index=idx),
                              model_name="L-shaped average cost AC = F/Q + c",
                              dependent=str(getattr(average_cost, "name", None) or "AC"),
                              **_cov_kwargs(fit))


class LearningCurveResults(_LinearCurveResults):
    r"""Fit of :math:`\ln c = \ln c_1 - b \ln N`; ``params`` are ``log_c1`` and ``b``."""

    def _design(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones_like(x), -np.log(x)])

    def _back(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z)

    @property
    def progress_ratio(self) -> float:
        r"""Cost multiple per doubling of cumulative output, :math:`2^{-b}`."""
        return float(2.0 ** (-self.params["b"]))

    @property
    def learning_rate(self) -> float:
        r"""Cost decline per doubling, :math:`1 - 2^{-b}`."""
        return 1.0 - self.progress_ratio

    def learning_rate_ci(self, level: float = 0.95) -> tuple[float, float]:
        """Interval for the learning rate, mapped from the interval of ``b`` (monotone)."""
        ci = self.conf_int(level).loc["b"]
        return float(1 - 2.0 ** (-ci["lower"])), float(1 - 2.0 ** (-ci["upper"]))

    def _summary_notes(self) -> list[str]:
        lo, hi = self.learning_rate_ci()
        return [f"Learning rate per doubling: {100 * self.learning_rate:.2f}% "
                f"(95% CI {100 * lo:.2f}% to {100 * hi:.2f}%); progress ratio "
                f"{self.progress_ratio:.4f}"]


def fit_learning_curve(cumulative: Any, unit_cost: Any, *, cov_type: str = "unadjusted",
                       debiased: bool = False,
                       bandwidth: float | None = None) -> LearningCurveResults:
    r"""Fit Wright's law :math:`c = c_1 N^{-b}` by OLS of :math:`\ln c` on :math:`\ln N`.

    Parameters
    ----------
    cumulative : array-like or Series
        Cumulative output :math:`N` (positive).
    unit_cost : array-like or Series
        Unit cost or price (positive).
    cov_type, debiased, bandwidth
        As in :func:`fit_average_cost`.
    """
    index = unit_cost.index if isinstance(unit_cost, pd.Series) else None
    n = check_positive(cumulative, "cumulative", index)
    c = check_positive(unit_cost, "unit_cost", index)
    if n.shape != c.shape:
        raise DataError(f"cumulative and unit_cost differ in length: {n.size} and {c.size}")
    X = np.column_stack([np.ones_like(n), -np.log(n)])
    fit = _ols(X, np.log(c), cov_type, debiased, bandwidth)
    beta, cov, e = fit.params.to_numpy(), fit.cov.to_numpy(), fit.resids.to_numpy()
    idx = index if index is not None else pd.RangeIndex(n.size)
    return LearningCurveResults(pd.Series(beta, index=["log_c1", "b"]), cov, nobs=n.size,
                                df_resid=n.size - 2, resids=pd.Series(e, index=idx),
                                fitted_values=pd.Series(np.exp(np.log(c) - e), index=idx),
                                model_name="Learning curve (Wright's law)",
                                dependent=str(getattr(unit_cost, "name", None) or "ln cost"),
                                **_cov_kwargs(fit))
