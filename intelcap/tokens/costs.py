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
``std_errors``, ``conf_int``, ``predict``) with ``cov_type`` ``"unadjusted"`` or ``"robust"``
(HC1: White's estimator with the :math:`n/(n-k)` small-sample factor).

References
----------
Wright, T. P. (1936). Factors affecting the cost of airplanes. *Journal of the Aeronautical
Sciences* 3(4), 122-128.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._validation import check_choice, check_finite, check_positive
from intelcap.estimation.results import Results
from intelcap.exceptions import DataError, IntelcapValueError

__all__ = ["AverageCostResults", "LearningCurveResults", "fit_average_cost",
           "fit_learning_curve"]


def _ols(X: np.ndarray, y: np.ndarray, cov_type: str) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Least squares of ``y`` on ``X`` through :class:`intelcap.estimation.linear.OLS` (QR;
    ``"robust"`` is HC1): coefficients, covariance and residuals as arrays."""
    from intelcap.estimation.linear import OLS

    n, k = X.shape
    if n <= k:
        raise DataError(f"{k} parameters need more than {k} observations, got {n}")
    if np.ptp(X, axis=0).max() == 0:  # the constant and the regressor are collinear
        raise DataError("the regressor has no variation (all quantities equal)")
    res = OLS(y, X).fit(cov_type)
    return res.params.to_numpy(), res.cov.to_numpy(), np.asarray(res.resids, dtype=float)


class _LinearCurveResults(Results):
    """Shared prediction machinery of the two curve fits (linear in transformed x)."""

    def _design(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _back(self, z: np.ndarray) -> np.ndarray:
        return z

    def prediction_interval(self, x_new: Any, level: float = 0.95) -> pd.DataFrame:
        r"""Fitted curve at ``x_new`` with confidence (``mean_lower/upper``) and prediction
        (``lower/upper``) bands: :math:`\hat z \pm t_{n-k} \sqrt{x' V x + s^2}` on the fitted
        scale, transformed back."""
        if not 0 < level < 1:
            raise IntelcapValueError(f"level must be in (0, 1), got {level}")
        xn = check_positive(x_new, "x_new")
        D = self._design(xn)
        z = D @ self.params.to_numpy()
        var_m = np.einsum("ij,jk,ik->i", D, self.cov.to_numpy(), D)
        q = stats.t(self.df_resid).ppf(0.5 + level / 2)
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


def fit_average_cost(quantity: Any, average_cost: Any, *,
                     cov_type: str = "unadjusted") -> AverageCostResults:
    r"""Fit the L-shaped average cost :math:`AC(Q) = F/Q + c` by OLS of AC on :math:`1/Q`.

    Parameters
    ----------
    quantity : array-like or Series
        Output (tokens), positive.
    average_cost : array-like or Series
        Average cost or price per token (per million tokens) at that output.
    cov_type : {"unadjusted", "robust"}
        Classical or HC1 heteroskedasticity-robust covariance.
    """
    check_choice("cov_type", cov_type, ("unadjusted", "robust"))
    index = average_cost.index if isinstance(average_cost, pd.Series) else None
    q = check_positive(quantity, "quantity", index)
    ac = check_finite(average_cost, "average_cost", index)
    if q.shape != ac.shape:
        raise DataError(f"quantity and average_cost differ in length: {q.size} and {ac.size}")
    X = np.column_stack([1.0 / q, np.ones_like(q)])
    beta, cov, e = _ols(X, ac, cov_type)
    idx = index if index is not None else pd.RangeIndex(q.size)
    return AverageCostResults(pd.Series(beta, index=["F", "c"]), cov, nobs=q.size,
                              df_resid=q.size - 2, resids=pd.Series(e, index=idx),
                              fitted_values=pd.Series(ac - e, index=idx),
                              model_name="L-shaped average cost AC = F/Q + c",
                              dependent=str(getattr(average_cost, "name", None) or "AC"),
                              cov_type=cov_type)


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


def fit_learning_curve(cumulative: Any, unit_cost: Any, *,
                       cov_type: str = "unadjusted") -> LearningCurveResults:
    r"""Fit Wright's law :math:`c = c_1 N^{-b}` by OLS of :math:`\ln c` on :math:`\ln N`.

    Parameters
    ----------
    cumulative : array-like or Series
        Cumulative output :math:`N` (positive).
    unit_cost : array-like or Series
        Unit cost or price (positive).
    cov_type : {"unadjusted", "robust"}
        Classical or HC1 covariance.
    """
    check_choice("cov_type", cov_type, ("unadjusted", "robust"))
    index = unit_cost.index if isinstance(unit_cost, pd.Series) else None
    n = check_positive(cumulative, "cumulative", index)
    c = check_positive(unit_cost, "unit_cost", index)
    if n.shape != c.shape:
        raise DataError(f"cumulative and unit_cost differ in length: {n.size} and {c.size}")
    X = np.column_stack([np.ones_like(n), -np.log(n)])
    beta, cov, e = _ols(X, np.log(c), cov_type)
    idx = index if index is not None else pd.RangeIndex(n.size)
    return LearningCurveResults(pd.Series(beta, index=["log_c1", "b"]), cov, nobs=n.size,
                                df_resid=n.size - 2, resids=pd.Series(e, index=idx),
                                fitted_values=pd.Series(np.exp(np.log(c) - e), index=idx),
                                model_name="Learning curve (Wright's law)",
                                dependent=str(getattr(unit_cost, "name", None) or "ln cost"),
                                cov_type=cov_type)
