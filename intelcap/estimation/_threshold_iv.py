r"""Instrumental-variable threshold regression (Caner and Hansen 2004).

.. math::

    y_i = z_i'\beta_1 \, 1(q_i \le \gamma) + z_i'\beta_2 \, 1(q_i > \gamma) + e_i,
    \qquad E[x_i e_i] = 0,

with :math:`z = (z_1, z_2)`: :math:`z_1` endogenous, :math:`z_2` exogenous (the constant among
them), :math:`x = (x_1, z_2)` the instruments (at least as many excluded instruments
:math:`x_1` as endogenous regressors) and an exogenous threshold variable :math:`q`.

The estimator of Caner and Hansen (2004, sec. 2):

1. **Reduced form.** :math:`z_1 = \Pi'x + u` by least squares (linear reduced form), or with
   ``reduced_form="threshold"`` the threshold reduced form :math:`z_1 = \Pi_1'x 1(q\le\rho) +
   \Pi_2'x 1(q>\rho) + u` by least squares, giving the fitted values
   :math:`\hat z = (\hat z_1, z_2)`.
2. **Threshold by concentrated two-stage least squares.** :math:`\hat\gamma = \arg\min_\gamma
   S_n(\gamma)`, :math:`S_n` the SSR of the regression of :math:`y` on
   :math:`\hat z 1(q\le\gamma)` and :math:`\hat z 1(q>\gamma)`: Hansen's (2000) threshold
   regression with :math:`\hat z` as regressors (so the same cumulative engine).
3. **Confidence interval for the threshold** by inverting
   :math:`LR_n(\gamma) = n (S_n(\gamma) - S_n(\hat\gamma))/S_n(\hat\gamma)` against Hansen's
   (2000) critical values, with the heteroskedasticity correction :math:`\hat\eta^2` of that
   regression (Caner and Hansen 2004, Theorem 2: the same limit as in the regression case with
   a different scale).
4. **Slopes by GMM in each regime** (their sec. 3.2 and Theorem 3): with :math:`\hat e` the
   2SLS residuals of the regime and :math:`\hat\Omega = \sum_i x_i x_i' \hat e_i^2`,

   .. math::

       \hat\beta_j = (Z_j'X_j \hat\Omega_j^{-1} X_j'Z_j)^{-1} Z_j'X_j \hat\Omega_j^{-1} X_j'y_j,
       \qquad \widehat V(\hat\beta_j) = (Z_j'X_j \hat\Omega_j^{-1} X_j'Z_j)^{-1},

   and Hansen's J statistic of the overidentifying restrictions of each regime,
   :math:`J_j = \hat e_j^{*\prime} X_j \hat\Omega_j^{-1} X_j'\hat e^*_j`
   (:math:`\hat e^*` the GMM residuals), :math:`\chi^2(\ell - k)`.
5. **Test of no threshold**: the sup-Wald statistic of :math:`\beta_1 = \beta_2` over the
   trimmed candidates with Hansen's (1996) multiplier-bootstrap p-value
   (:mod:`~intelcap.estimation._threshold_iv_inference`).

References
----------
Caner, M. and Hansen, B. E. (2004). Instrumental variable estimation of a threshold model.
*Econometric Theory* 20(5), 813-843.

Hansen, B. E. (2000). Sample splitting and threshold estimation. *Econometrica* 68(3), 575-603.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._validation import as_frame, check_choice, require_aligned, stack_aligned
from intelcap.estimation.results import Results, TestStatistic
from intelcap.exceptions import DataError, SpecificationError

__all__ = ["IVThresholdRegression", "IVThresholdResults"]

_REGIMES = ("lower", "upper")


def _frame(obj: Any, what: str, prefix: str, n: int | None = None) -> pd.DataFrame:
    f = as_frame(obj, what, prefix=prefix, numbered=prefix == "x", numeric=True)
    if len(set(f.columns)) != f.shape[1]:
        if not isinstance(obj, pd.DataFrame):  # unnamed numpy columns: number them
            f = f.set_axis([f"{prefix}{j + 1}" for j in range(f.shape[1])], axis=1)
        else:
            raise DataError(f"{what} has duplicate column names: {list(f.columns)}")
    if n is not None and f.shape[0] != n:
        raise DataError(f"{what} has {f.shape[0]} rows, dependent {n}")
    return f


class IVThresholdRegression:
    r"""Threshold regression with endogenous regressors (Caner and Hansen 2004).

    .. math::

        y_i = z_i'\beta_1 1(q_i \le \gamma) + z_i'\beta_2 1(q_i > \gamma) + e_i,
        \quad E[x_i e_i] = 0

    Parameters
    ----------
    dependent : Series or 1-d array
        :math:`y`.
    exog : DataFrame, Series, 2-d array or None
        Exogenous regressors :math:`z_2` (instruments for themselves); a constant named
        ``const`` is prepended when ``constant=True``.
    endog : DataFrame, Series or 2-d array
        Endogenous regressors :math:`z_1`.
    instruments : DataFrame, Series or 2-d array
        Excluded instruments :math:`x_1` (at least as many as ``endog`` columns).
    threshold : Series or 1-d array
        The exogenous threshold variable :math:`q`.
    constant : bool
        Add an intercept to the exogenous regressors.

    Notes
    -----
    The method is described in :mod:`intelcap.estimation._threshold_iv`. pandas inputs must
    share one index; missing values raise (drop rows beforehand).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> x1, q = rng.standard_normal((2, n))
    >>> v, e = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], n).T
    >>> z1 = x1 + v
    >>> y = np.where(q <= 0, 1 + z1, -1 - z1) + e
    >>> res = IVThresholdRegression(y, None, z1, x1, q).fit()
    >>> bool(abs(res.threshold) < 0.1)
    True
    """

    def __init__(self, dependent: Any, exog: Any, endog: Any, instruments: Any,
                 threshold: Any, *, constant: bool = True) -> None:
        y = _frame(dependent, "dependent", "y")
        n = y.shape[0]
        z1 = _frame(endog, "endog", "endog", n)
        x1 = _frame(instruments, "instruments", "instr", n)
        q = _frame(threshold, "threshold", "q", n)
        z2 = (pd.DataFrame(index=pd.RangeIndex(n)) if exog is None
              else _frame(exog, "exog", "x", n))
        given = {"dependent": dependent, "exog": exog, "endog": endog,
                 "instruments": instruments, "threshold": threshold}
        index = require_aligned(given)
        index = pd.RangeIndex(n) if index is None else index
        # the shared boundary (missing values and infinities raise, naming column and row);
        # numpy arguments take the pandas arguments' index
        frames = {"dependent": y, "exog": z2, "endog": z1, "instruments": x1, "threshold": q}
        stack_aligned({k: f if isinstance(given[k], (pd.Series, pd.DataFrame)) else
                       f.set_axis(index) for k, f in frames.items()}, "raise")
        if z1.shape[1] == 0:
            raise SpecificationError("endog is empty: use ThresholdRegression")
        if x1.shape[1] < z1.shape[1]:
            raise SpecificationError(
                f"{x1.shape[1]} excluded instrument(s) for {z1.shape[1]} endogenous "
                "regressor(s): the model is not identified (need at least as many)")
        if constant and "const" in z2.columns:
            raise SpecificationError("exog already has a column named 'const'")
        self.index = index
        self.dependent_name = str(y.columns[0])
        self.threshold_name = str(q.columns[0])
        self.constant = bool(constant)
        self._y = y.to_numpy()[:, 0]
        self._q = q.to_numpy()[:, 0]
        ones = np.ones((n, 1)) if constant else np.empty((n, 0))
        self._z2 = np.column_stack([ones, z2.to_numpy()])
        self._z1 = z1.to_numpy()
        self._x1 = x1.to_numpy()
        self.exog_names = (["const"] if constant else []) + [str(c) for c in z2.columns]
        self.endog_names = [str(c) for c in z1.columns]
        self.instrument_names = [str(c) for c in x1.columns]
        self.regressor_names = self.exog_names + self.endog_names
        inst = np.column_stack([self._z2, self._x1])
        if np.linalg.matrix_rank(inst) < inst.shape[1]:
            raise SpecificationError("the instruments (exog and instruments) are collinear")

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return int(self._y.shape[0])

    def _instruments(self) -> np.ndarray:
        return np.column_stack([self._z2, self._x1])

    def first_stage(self) -> pd.DataFrame:
        """Reduced-form coefficients :math:`\\hat\\Pi` (instruments x endogenous regressors)."""
        x = self._instruments()
        pi = np.linalg.lstsq(x, self._z1, rcond=None)[0]
        return pd.DataFrame(pi, index=self.exog_names + self.instrument_names,
                            columns=self.endog_names)

    def fit(self, *, trim: float = 0.15, grid: Any = "all", het: bool = True,
            eta: str = "kernel", reduced_form: str = "linear", bootstrap: int = 0,
            seed: int | np.random.Generator | None = None,
            progress: bool = True) -> IVThresholdResults:
        r"""Estimate the threshold by concentrated 2SLS and the regime slopes by GMM.

        Parameters
        ----------
        trim, grid : see :meth:`ThresholdRegression.fit`
            Candidate thresholds of the concentrated 2SLS criterion (and of the threshold
            reduced form); ``grid="all"`` takes every split that leaves more observations than
            instruments in each regime (the regimes' GMM needs them). ``trim`` also trims the
            candidates of the test of no threshold.
        het : bool
            Heteroskedasticity-corrected LR confidence interval for the threshold.
        eta : {"kernel", "quadratic"}
            Estimator of :math:`\hat\eta^2` (see :meth:`ThresholdRegression.fit`).
        reduced_form : {"linear", "threshold"}
            ``"linear"``: :math:`z_1 = \Pi'x + u`. ``"threshold"``: the reduced form has its
            own threshold in :math:`q`, :math:`z_1 = \Pi_1'x 1(q \le \rho) + \Pi_2'x
            1(q > \rho) + u`, estimated by least squares (Caner and Hansen 2004, sec. 2;
            :func:`~intelcap.estimation._threshold_iv_inference.threshold_reduced_form`);
            :math:`\hat\rho` is ``results.reduced_form_threshold``.
        bootstrap : int, ThresholdBootstrap or None
            Replications of the multiplier bootstrap of the sup-Wald test of no threshold
            (``results.test``, :mod:`~intelcap.estimation._threshold_iv_inference`); ``0``
            computes the statistic with a NaN p-value.
        seed : int or Generator, optional
            Seed of the bootstrap; recorded on the test statistic.
        progress : bool
            Show a progress bar during the bootstrap.

        Returns
        -------
        IVThresholdResults
        """
        from intelcap.estimation._threshold_iv_inference import (
            sup_wald_test,
            threshold_reduced_form,
        )
        from intelcap.estimation.threshold import ThresholdBootstrap, ThresholdRegression

        check_choice("eta", eta, ("kernel", "quadratic"))
        check_choice("reduced_form", reduced_form, ("linear", "threshold"))
        # the shared check of the count (an int, None or a ThresholdBootstrap)
        reps = (bootstrap.reps if isinstance(bootstrap, ThresholdBootstrap)
                else ThresholdBootstrap(0 if bootstrap is None else bootstrap).reps)
        x = self._instruments()
        rho = float("nan")
        if reduced_form == "linear":
            z1hat = x @ np.linalg.lstsq(x, self._z1, rcond=None)[0]
        else:
            z1hat, rho = threshold_reduced_form(
                self._z1, pd.DataFrame(x, columns=self.exog_names + self.instrument_names,
                                       index=self.index),
                pd.Series(self._q, index=self.index, name=self.threshold_name),
                trim=trim, grid=grid, names=self.endog_names)
        if isinstance(grid, str) and grid == "all":
            # every split whose regimes can be estimated by GMM: more observations than
            # instruments on each side (the regression's own rule, k, is not enough)
            qs = np.sort(self._q)
            ends = np.flatnonzero(np.r_[qs[1:] != qs[:-1], True])
            ok = (ends + 1 > x.shape[1]) & (self.nobs - ends - 1 > x.shape[1])
            if not ok.any():
                raise SpecificationError(
                    f"no split on {self.threshold_name!r} leaves more than {x.shape[1]} "
                    f"observations (the number of instruments) in each regime (n={self.nobs})")
            grid = qs[ends[ok]]
        zhat = pd.DataFrame(np.column_stack([self._z2, z1hat]),
                            columns=self.regressor_names, index=self.index)
        stage = ThresholdRegression(
            pd.Series(self._y, index=self.index, name=self.dependent_name),
            zhat, pd.Series(self._q, index=self.index, name=self.threshold_name),
            constant=False)
        tfit = stage.fit(trim=trim, grid=grid, het=het, eta=eta, bootstrap=0, progress=False)
        ghat = tfit.threshold
        z = np.column_stack([self._z2, self._z1])
        _, _, _, e_lin = _gmm(self._y, z, x, "linear (no threshold)")
        test = sup_wald_test(self._y, z, x, self._q, e_lin, trim=float(trim), reps=reps,
                             seed=seed, progress=progress, qname=self.threshold_name)
        lower = self._q <= ghat
        params, covs, jstats, resid = [], [], [], np.empty(self.nobs)
        for mask, regime in ((lower, "lower"), (~lower, "upper")):
            b, v, j, e = _gmm(self._y[mask], z[mask], x[mask], regime)
            params.append(b)
            covs.append(v)
            jstats.append(j)
            resid[mask] = e
        k = z.shape[1]
        cov = np.zeros((2 * k, 2 * k))
        cov[:k, :k], cov[k:, k:] = covs
        names = ([f"{c}[{self.threshold_name}<=g]" for c in self.regressor_names]
                 + [f"{c}[{self.threshold_name}>g]" for c in self.regressor_names])
        return IVThresholdResults(
            pd.Series(np.concatenate(params), index=names, name="parameter"), cov,
            nobs=self.nobs, df_resid=self.nobs - 2 * k,
            resids=pd.Series(resid, index=self.index, name="residual"),
            fitted_values=pd.Series(self._y - resid, index=self.index, name="fitted_values"),
            ssr=float(resid @ resid), model_name="IV Threshold Regression (Caner-Hansen)",
            dependent=self.dependent_name, cov_type="robust (efficient GMM)",
            distribution="normal", model=self, threshold_fit=tfit, j_stats=tuple(jstats),
            lower_mask=lower, test=test, reduced_form=reduced_form, reduced_form_threshold=rho)


def _gmm(y: np.ndarray, z: np.ndarray, x: np.ndarray,
         regime: str) -> tuple[np.ndarray, np.ndarray, TestStatistic, np.ndarray]:
    """Two-step efficient GMM of one regime: 2SLS, then the robust weight from its residuals."""
    n, k = z.shape
    ell = x.shape[1]
    if n <= ell:
        raise SpecificationError(f"the {regime} regime has {n} observations for {ell} "
                                 "instruments; choose a larger trim")
    xz, xy = x.T @ z, x.T @ y
    w0 = np.linalg.inv(x.T @ x)
    b0 = np.linalg.solve(xz.T @ w0 @ xz, xz.T @ w0 @ xy)
    e0 = y - z @ b0
    xe = x * e0[:, None]
    omega = xe.T @ xe
    w = np.linalg.inv(omega)
    a = xz.T @ w @ xz
    cov = np.linalg.inv(a)
    b = cov @ (xz.T @ w @ xy)
    e = y - z @ b
    g = x.T @ e
    jstat = float(g @ w @ g)
    df = ell - k
    pval = float(stats.chi2.sf(jstat, df)) if df > 0 else float("nan")
    test = TestStatistic(jstat, pval, null=f"the {regime} regime's overidentifying "
                         "restrictions hold", dist_name=f"chi2({df})", df=df,
                         name=f"J ({regime})")
    return b, cov, test, e


class IVThresholdResults(Results):
    """Results of :meth:`IVThresholdRegression.fit` (immutable)."""

    def __init__(self, params: pd.Series, cov: np.ndarray, *, model: IVThresholdRegression,
                 threshold_fit: Any, j_stats: tuple, lower_mask: np.ndarray, test: Any,
                 reduced_form: str, reduced_form_threshold: float, **kwargs: Any) -> None:
        super().__init__(params, cov, **kwargs)
        self.model = model
        self._tfit = threshold_fit
        self._j = j_stats
        self._lower = lower_mask
        self._test = test
        self._rf = reduced_form
        self._rho = float(reduced_form_threshold)

    @property
    def test(self):
        """Sup-Wald test of no threshold with its multiplier-bootstrap p-value."""
        return self._test

    @property
    def reduced_form(self) -> str:
        """``"linear"`` or ``"threshold"``: the reduced form used for the fitted regressors."""
        return self._rf

    @property
    def reduced_form_threshold(self) -> float:
        """:math:`\\hat\\rho` of the threshold reduced form (NaN for the linear one)."""
        return self._rho

    @property
    def threshold(self) -> float:
        """The concentrated 2SLS estimate :math:`\\hat\\gamma`."""
        return self._tfit.threshold

    @property
    def threshold_stage(self):
        """The threshold regression of :math:`y` on the fitted regressors (step 2-3)."""
        return self._tfit

    def threshold_ci(self, level: float = 0.95, het: bool | None = None) -> pd.DataFrame:
        """LR confidence interval of the threshold (columns ``lower``, ``upper``)."""
        return self._tfit.threshold_ci(level, het=het)

    def lr_profile(self, het: bool | None = None) -> pd.Series:
        """:math:`LR_n(\\gamma)` of the concentrated 2SLS criterion."""
        return self._tfit.lr_profile(het)

    @property
    def j_stats(self) -> pd.DataFrame:
        """Hansen's J test of each regime: statistic, degrees of freedom, p-value."""
        return pd.DataFrame({"stat": [t.stat for t in self._j], "df": [t.df for t in self._j],
                             "pvalue": [t.pval for t in self._j]}, index=list(_REGIMES))

    @property
    def regimes(self) -> pd.Series:
        """Regime of each observation (``"lower"``: q <= threshold)."""
        return pd.Series(np.where(self._lower, "lower", "upper"), index=self.model.index,
                         name="regime")

    def regime_params(self, regime: str) -> pd.Series:
        """GMM coefficients of one regime, indexed by the regressor names."""
        check_choice("regime", regime, _REGIMES)
        k = len(self.model.regressor_names)
        p = self.params.to_numpy()
        vals = p[:k] if regime == "lower" else p[k:]
        return pd.Series(vals, index=self.model.regressor_names, name=regime)

    def plot(self, level: float = 0.95, het: bool | None = None, ax: Any = None):
        """:math:`LR_n(\\gamma)` of the 2SLS criterion with the critical value; returns Axes."""
        return self._tfit.plot(level=level, het=het, ax=ax)

    def _summary_header(self) -> list[tuple[str, object]]:
        ci = self.threshold_ci(0.95).iloc[0]
        return [("Dep. variable", self.dependent),
                ("Threshold variable", self.model.threshold_name),
                ("Threshold estimate", self.threshold),
                ("95% CI", f"[{ci['lower']:g}, {ci['upper']:g}]"),
                ("Endogenous", ", ".join(self.model.endog_names)),
                ("Instruments", ", ".join(self.model.instrument_names)),
                ("Reduced form", self._rf if self._rf == "linear"
                 else f"threshold at {self._rho:g}"),
                ("No. observations", self.nobs),
                ("Covariance", "efficient GMM, robust weight (Caner-Hansen 2004)")]

    def _summary_notes(self) -> list[str]:
        t = self._test
        reps = "" if not t.reps else f", {t.reps} replications"
        return ([f"{j.name}: {j.stat:.4f} ({j.dist_name}, p {j.pval:.4f})" for j in self._j]
                + [f"Test of no threshold, {t.name}: {t.stat:.4f} (p {t.pval:.4f}{reps})"])
