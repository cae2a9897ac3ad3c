"""Cross-country growth regressions in the manner of Mankiw, Romer and Weil (1992).

The steady state of a Solow economy with ``J`` accumulable factors (physical capital, human
capital, intelligent capital, ...), each with its own saving rate :math:`s_j`, a common rate of
population growth :math:`n`, technology growth :math:`g` and depreciation :math:`\\delta`, and
Cobb-Douglas production :math:`Y = \\prod_j K_j^{a_j} (AL)^{1 - \\sum_j a_j}`, gives income per
worker

.. math::

    \\ln y = c + \\sum_j \\frac{a_j}{1 - \\sum_k a_k} \\ln s_j
             - \\frac{\\sum_k a_k}{1 - \\sum_k a_k} \\ln(n + g + \\delta) + \\varepsilon .

MRW (1992) estimate it by OLS without (Tables I and II, "unrestricted") and with the restriction
that the coefficients on :math:`\\ln s_j` and :math:`\\ln(n + g + \\delta)` sum to zero
("restricted"), in which case the regressors are :math:`\\ln s_j - \\ln(n + g + \\delta)` and the
coefficients :math:`b_j = a_j / (1 - \\sum_k a_k)` identify the shares

.. math::

    a_j = \\frac{b_j}{1 + \\sum_k b_k},

whose standard errors follow by the delta method. ``J = 1`` is the textbook Solow model
(Table I), ``J = 2`` with school enrolment as the human-capital saving rate the augmented model
(Table II), and ``J = 3`` adds intelligent capital, the capitalized model-API spending, with its
own saving rate.

References
----------
Mankiw, N. G., D. Romer and D. N. Weil (1992). "A Contribution to the Empirics of Economic
Growth." *Quarterly Journal of Economics* 107(2), 407-437, Tables I and II.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from intelcap._validation import check_columns, check_positive, handle_missing
from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic
from intelcap.exceptions import (
    CovarianceWarning,
    DataError,
    IntelcapTypeError,
    SpecificationError,
)

__all__ = ["CESSolowRegression", "CESSolowResults", "SolowRegression", "SolowResults"]

_NGD = "ln(n+g+delta)"


class SolowResults(Results):
    """Results of an MRW growth regression (unrestricted or restricted).

    Beyond the common vocabulary it carries ``rsquared``, ``rsquared_adj``, ``see`` (standard
    error of the estimate, :math:`\\sqrt{SSR/(n-k)}`), ``implied_shares`` (the structural
    shares with delta-method standard errors), ``restriction_test`` (the F test that the
    coefficients on the log saving rates and on :math:`\\ln(n+g+\\delta)` sum to zero) and
    ``model_result``, the underlying linearmodels result.
    """

    def __init__(self, lm_result, *, restricted: bool, factors: Sequence[str],
                 restriction_test: TestStatistic, g_plus_delta: float, dependent: str) -> None:
        params = lm_result.params.rename("parameter")
        super().__init__(
            params,
            lm_result.cov,
            nobs=int(lm_result.nobs),
            df_resid=float(lm_result.df_resid),
            resids=lm_result.resids,
            fitted_values=lm_result.fitted_values.iloc[:, 0] if isinstance(
                lm_result.fitted_values, pd.DataFrame) else lm_result.fitted_values,
            model_name=("Restricted" if restricted else "Unrestricted") + " Solow regression",
            dependent=dependent,
            cov_type="unadjusted",
            distribution="t",
        )
        self.model_result = lm_result
        self.restricted = restricted
        self.factors = list(factors)
        self.restriction_test = restriction_test
        self.g_plus_delta = g_plus_delta

    @cached_property
    def rsquared(self) -> float:
        """Coefficient of determination (centred)."""
        return float(self.model_result.rsquared)

    @cached_property
    def rsquared_adj(self) -> float:
        """Adjusted :math:`R^2 = 1 - (1 - R^2)(n - 1)/(n - k)`."""
        return float(self.model_result.rsquared_adj)

    @cached_property
    def see(self) -> float:
        """Standard error of the estimate, :math:`\\sqrt{SSR/(n - k)}` (MRW's "s.e.e.")."""
        return float(np.sqrt(self.ssr / self.df_resid))

    def _saving_names(self) -> list[str]:
        if self.restricted:
            return [f"ln(s_{f})-{_NGD}" for f in self.factors]
        return [f"ln(s_{f})" for f in self.factors]

    @cached_property
    def implied_shares(self) -> pd.DataFrame:
        """Structural factor shares :math:`a_j = b_j / (1 + \\sum_k b_k)` with delta-method SEs.

        For the restricted regression the :math:`b_j` are its slope coefficients (MRW's
        "implied alpha/beta"); for the unrestricted one they are the coefficients on the log
        saving rates (the coefficient on :math:`\\ln(n+g+\\delta)` is not used).
        """
        names = self._saving_names()
        b = self._params[names].to_numpy()
        v = self.cov.loc[names, names].to_numpy()
        denom = 1.0 + b.sum()
        shares = b / denom
        # d a_j / d b_k = 1{j=k}/denom - b_j / denom^2
        jac = np.eye(b.size) / denom - np.outer(b, np.ones(b.size)) / denom**2
        cov = jac @ v @ jac.T
        idx = pd.Index(self.factors, name="factor")
        var = np.diag(cov)
        if np.any(var < 0):  # never a standard error of 0: NaN, named
            warnings.warn(f"negative delta-method variance of the implied shares "
                          f"{list(idx[var < 0])}; their standard errors are NaN",
                          CovarianceWarning, stacklevel=2)
        se = np.sqrt(np.where(var >= 0, var, np.nan))
        out = pd.DataFrame({"share": shares, "std_error": se}, index=idx)
        out.attrs["cov"] = pd.DataFrame(cov, index=idx, columns=idx)
        return out

    def _summary_header(self) -> list[tuple[str, object]]:
        head = super()._summary_header()
        head += [
            ("R-squared", self.rsquared),
            ("Adj. R-squared", self.rsquared_adj),
            ("s.e.e.", self.see),
            ("g + delta", self.g_plus_delta),
            ("Restriction p-value", self.restriction_test.pval),
        ]
        return head

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        shares = self.implied_shares.rename(columns={"share": "Share", "std_error": "Std. Err."})
        return [*super()._summary_tables(), ("Implied factor shares", shares)]

    def _summary_notes(self) -> list[str]:
        return [
            "Implied shares a_j = b_j / (1 + sum b); standard errors by the delta method.",
            f"Restriction test: {self.restriction_test.null} ({self.restriction_test.dist_name}).",
        ]


class SolowRegression:
    """MRW (1992) Solow / augmented-Solow growth regression with any number of factors.

    Parameters
    ----------
    data : DataFrame
        One row per country.
    dependent : str
        Column of income per worker (levels; its log is taken).
    saving : mapping of str to str, or sequence of str
        Saving (investment) rates, one per accumulable factor, in levels (their logs are
        taken). A mapping gives factor labels, e.g. ``{"k": "i_y", "h": "school", "z": "s_ic"}``;
        a sequence uses the column names as labels. The first factor is physical capital by
        convention.
    pop_growth : str
        Column of the growth rate of the working-age population :math:`n`.
    g_plus_delta : float, default 0.05
        :math:`g + \\delta`, MRW's 0.05 per year.
    percent : bool, default False
        Whether saving rates and population growth are in percent (as in the MRW appendix); they
        are then divided by 100, so :math:`n + g + \\delta` is formed in fractions.
    missing : {"raise", "drop"}
        Policy for missing values in the columns used.

    Notes
    -----
    OLS through :class:`linearmodels.iv.IV2SLS` (no instruments) with the classical covariance
    :math:`s^2 (X'X)^{-1}`, :math:`s^2 = SSR/(n-k)`, as MRW report. The restricted regression
    imposes :math:`\\sum_j b_j + b_{n} = 0` by regressing on
    :math:`\\ln s_j - \\ln(n+g+\\delta)`; the restriction is tested by the F statistic
    :math:`F = [(SSR_R - SSR_U)/1] / [SSR_U/(n - k_U)]` on (1, n - k_U) degrees of freedom.

    Examples
    --------
    MRW (1992, Table II, non-oil, restricted) report implied alpha 0.31 and beta 0.28; the
    appendix data, rounded to one decimal, give 0.31 and 0.27.

    >>> from intelcap.datasets import mrw1992
    >>> mrw = mrw1992.load()
    >>> mod = SolowRegression(mrw[mrw.n == 1], "rgdpw85", {"k": "i_y", "h": "school"},
    ...                       "popgrowth", percent=True)
    >>> mod.fit(restricted=True).implied_shares["share"].round(2).tolist()
    [0.31, 0.27]
    """

    def __init__(
        self,
        data: pd.DataFrame,
        dependent: str,
        saving: Mapping[str, str] | Sequence[str] | str,
        pop_growth: str,
        *,
        g_plus_delta: float = 0.05,
        percent: bool = False,
        missing: str = "raise",
    ) -> None:
        if isinstance(saving, str):
            saving = [saving]
        if isinstance(saving, Mapping):
            factors = {str(k): str(v) for k, v in saving.items()}
        elif isinstance(saving, Sequence):
            factors = {str(v): str(v) for v in saving}
        else:
            raise IntelcapTypeError("saving must be a column name, a list of column names or a "
                                    f"mapping factor -> column, got {type(saving).__name__}")
        if not factors:
            raise SpecificationError("saving must name at least one saving-rate column")
        if not np.isfinite(g_plus_delta):
            raise SpecificationError(f"g_plus_delta must be finite, got {g_plus_delta!r}")
        cols = [dependent, *factors.values(), pop_growth]
        check_columns(data, cols, what="data")
        data = handle_missing(data, cols, missing)
        if len(data) == 0:
            raise DataError("no rows left after dropping missing values")
        scale = 100.0 if percent else 1.0
        index = data.index
        y = check_positive(data[dependent].to_numpy(dtype=float), f"column {dependent!r}", index)
        logs = {}
        for label, col in factors.items():
            s = check_positive(data[col].to_numpy(dtype=float), f"column {col!r}", index)
            logs[label] = np.log(s / scale)
        n = data[pop_growth].to_numpy(dtype=float)
        ngd = n / scale + g_plus_delta
        check_positive(ngd, f"n + g + delta (column {pop_growth!r} with g + delta = "
                       f"{g_plus_delta})", index)
        self.data = data
        self.dependent = dependent
        self.factors = factors
        self.pop_growth = pop_growth
        self.g_plus_delta = float(g_plus_delta)
        self.percent = percent
        self._index = index
        self._ly = pd.Series(np.log(y), index=index, name=f"ln({dependent})")
        self._ls = pd.DataFrame(logs, index=index)
        self._lngd = pd.Series(np.log(ngd), index=index, name=_NGD)
        k = len(factors) + 2
        if len(index) <= k:
            raise DataError(f"{len(index)} observations are too few for {k} parameters")

    def _design(self, restricted: bool) -> pd.DataFrame:
        cols = {"const": np.ones(len(self._index))}
        for label in self.factors:
            if restricted:
                cols[f"ln(s_{label})-{_NGD}"] = self._ls[label] - self._lngd
            else:
                cols[f"ln(s_{label})"] = self._ls[label]
        if not restricted:
            cols[_NGD] = self._lngd
        x = pd.DataFrame(cols, index=self._index)
        rank = np.linalg.matrix_rank(x.to_numpy())
        if rank < x.shape[1]:
            raise DataError(f"the regressors {list(x.columns)} are collinear (rank {rank} < "
                            f"{x.shape[1]}); a saving rate or n may be constant in this sample")
        return x

    def _ols(self, restricted: bool):
        from linearmodels.iv import IV2SLS  # heavy (formulaic, scipy.stats): loaded when used

        return IV2SLS(self._ly, self._design(restricted), None, None).fit(
            cov_type="unadjusted", debiased=True)

    @cached_property
    def _fits(self):
        return self._ols(False), self._ols(True)

    def restriction_test(self) -> TestStatistic:
        """F test that the log saving-rate and :math:`\\ln(n+g+\\delta)` coefficients sum to 0."""
        unres, res = self._fits
        ssr_u = float(np.sum(np.asarray(unres.resids) ** 2))
        ssr_r = float(np.sum(np.asarray(res.resids) ** 2))
        df2 = float(unres.df_resid)
        if ssr_u <= 0:
            return InvalidTestStatistic("the unrestricted regression fits exactly (SSR = 0)",
                                        name="Restriction test")
        from scipy import stats

        f = (ssr_r - ssr_u) / (ssr_u / df2)
        dist = stats.f(1, df2)
        return TestStatistic(
            f, float(dist.sf(f)),
            null="coefficients on ln s_j and ln(n+g+delta) sum to zero",
            dist_name=f"F(1, {df2:g})", df=(1.0, df2),
            critical_values={a: float(dist.ppf(1 - a)) for a in (0.1, 0.05, 0.01)},
            name="Restriction test",
        )

    def fit(self, restricted: bool = False) -> SolowResults:
        """Estimate the unrestricted (default) or restricted regression."""
        unres, res = self._fits
        return SolowResults(
            res if restricted else unres,
            restricted=bool(restricted),
            factors=list(self.factors),
            restriction_test=self.restriction_test(),
            g_plus_delta=self.g_plus_delta,
            dependent=f"ln({self.dependent})",
        )


class CESSolowResults(Results):
    """Results of :class:`CESSolowRegression`: the structural ``A``, ``alpha``, ``sigma``.

    ``params`` are the scale ``A`` (the CES ``A`` of the estimated form, see the class notes),
    the capital share parameter ``alpha`` and the elasticity of substitution ``sigma`` (absent
    when it was held fixed); their covariance is the delta method applied to the NLS covariance
    of the CES parameters (``A``, ``delta_x1``, ``rho``): :math:`\\alpha = (\\delta-1)/\\delta`,
    :math:`\\sigma = 1/(1+\\rho)`. ``nls_result`` is the underlying
    :class:`~intelcap.estimation.nls.NLSResults` of :func:`fit_production`.
    """

    def __init__(self, params: pd.Series, cov: pd.DataFrame, nls_result, *, log: bool,
                 sigma_fixed: float | None, dependent: str) -> None:
        super().__init__(params, cov, nobs=nls_result.nobs, df_resid=nls_result.df_resid,
                         resids=nls_result.resids, fitted_values=nls_result.fitted_values,
                         ssr=nls_result.ssr, model_name="CES Solow regression (NLS)",
                         dependent=dependent, cov_type=nls_result.cov_type,
                         distribution=nls_result.distribution)
        self.nls_result = nls_result
        self.log = log
        self.sigma_fixed = sigma_fixed

    @property
    def converged(self) -> bool:
        """Whether the NLS fit met its convergence checks."""
        return bool(self.nls_result.converged)

    def _summary_notes(self) -> list[str]:
        err = "multiplicative (ln y)" if self.log else "additive (y)"
        fixed = (f"; sigma held at {self.sigma_fixed:g}" if self.sigma_fixed is not None else "")
        return [*super()._summary_notes(),
                f"Error {err}{fixed}; alpha = (delta-1)/delta and sigma = 1/(1+rho) from the "
                "CES in x = (n+g+delta)/s, standard errors by the delta method."]


class CESSolowRegression:
    """Solow growth regression with CES technology (Masanjala and Papageorgiou 2004).

    With :math:`Y = A[\\alpha K^{\\psi} + (1-\\alpha)(AL)^{\\psi}]^{1/\\psi}`,
    :math:`\\psi = (\\sigma-1)/\\sigma`, the steady state :math:`sy = (n+g+\\delta)k` gives
    income per worker

    .. math::

        \\ln y = \\ln A + \\frac{1}{\\psi}\\ln(1-\\alpha)
        - \\frac{1}{\\psi}\\ln\\Big[1 - \\alpha\\Big(\\frac{s}{n+g+\\delta}\\Big)^{\\psi}\\Big],

    nonlinear in :math:`(\\alpha, \\sigma)`; :math:`\\sigma = 1` is MRW's Cobb-Douglas
    regression with the restriction imposed. It is a two-input CES with a constant first input,
    :math:`y = \\gamma[\\delta\\cdot 1^{\\rho} + (1-\\delta)x^{\\rho}]^{1/\\rho}` in
    :math:`x = (n+g+\\delta)/s`, with :math:`\\alpha = (\\delta-1)/\\delta` and
    :math:`\\psi = -\\rho` (so :math:`\\sigma = 1/(1+\\rho)`), which is how it is estimated:
    :func:`~intelcap.estimation.production_fit.fit_production` on
    ``CES(("x1", "x2"), restrict_rho=False)`` with ``nu`` fixed at 1 and the constant column
    ``x1 = 1`` (the Kmenta start stays identified in its constant-returns form). ``rho`` is not
    restricted to be below one: the CES here is in :math:`x`, not in the factors.

    Parameters
    ----------
    data : DataFrame
        One row per country.
    dependent : str
        Income per worker (levels).
    saving : str
        Investment share of output :math:`s`.
    pop_growth : str
        Growth rate of the working-age population :math:`n`.
    g_plus_delta : float, default 0.05
    percent : bool, default False
        Saving and population growth in percent (as in the MRW appendix).
    missing : {"raise", "drop"}

    References
    ----------
    Masanjala, W. H. and C. Papageorgiou (2004). "The Solow model with CES technology:
    nonlinearities and parameter heterogeneity." *Journal of Applied Econometrics* 19(2),
    171-201. Sun, K., D. J. Henderson and S. C. Kumbhakar (2011). "Biases in approximating log
    production." *Journal of Applied Econometrics* 26(4), 708-714.
    """

    def __init__(self, data: pd.DataFrame, dependent: str, saving: str, pop_growth: str, *,
                 g_plus_delta: float = 0.05, percent: bool = False,
                 missing: str = "raise") -> None:
        if not isinstance(data, pd.DataFrame):
            raise IntelcapTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if not isinstance(saving, str):
            raise IntelcapTypeError("saving must be one column name (the CES Solow regression "
                                    f"has one accumulable factor), got {saving!r}")
        if not np.isfinite(g_plus_delta):
            raise SpecificationError(f"g_plus_delta must be finite, got {g_plus_delta!r}")
        cols = [dependent, saving, pop_growth]
        check_columns(data, cols, what="data")
        data = handle_missing(data, cols, missing)
        if len(data) <= 3:
            raise DataError(f"{len(data)} observations are too few for 3 parameters")
        index = data.index
        scale = 100.0 if percent else 1.0
        y = check_positive(data[dependent].to_numpy(dtype=float), f"column {dependent!r}", index)
        s = check_positive(data[saving].to_numpy(dtype=float), f"column {saving!r}", index)
        ngd = data[pop_growth].to_numpy(dtype=float) / scale + g_plus_delta
        check_positive(ngd, f"n + g + delta (column {pop_growth!r} with g + delta = "
                       f"{g_plus_delta})", index)
        self.dependent = dependent
        self.g_plus_delta = float(g_plus_delta)
        self._frame = pd.DataFrame({"x1": 1.0, "x2": ngd / (s / scale), "Y": y}, index=index)

    def fit(self, *, log: bool = True, sigma: float | None = None,
            cov_type: str = "unadjusted", **options) -> CESSolowResults:
        """Estimate by NLS.

        Parameters
        ----------
        log : bool
            ``True`` (default): :math:`\\ln y` on the right-hand side's log (multiplicative
            error, as MRW); ``False``: :math:`y` in levels (additive error).
        sigma : float, optional
            Hold the elasticity of substitution fixed (``1``: Cobb-Douglas).
        cov_type, options
            Passed to :func:`~intelcap.estimation.production_fit.fit_production`.
        """
        from intelcap.estimation.production_fit import fit_production
        from intelcap.production.forms import CES

        fixed: dict[str, float] = {"nu": 1.0}
        if sigma is not None:
            if not (np.isfinite(sigma) and sigma > 0):
                raise SpecificationError(f"sigma must be positive and finite, got {sigma!r}")
            rho = 1.0 / sigma - 1.0
            form = CES(("x1", "x2"), rho=0.0) if rho == 0 else CES(("x1", "x2"),
                                                                   restrict_rho=False)
            if rho != 0:
                fixed["rho"] = rho
        else:
            form = CES(("x1", "x2"), restrict_rho=False)
        res = fit_production(form, self._frame, "Y", log=log, fixed=fixed, cov_type=cov_type,
                             **options)
        p = res.params
        d = float(p["delta_x1"])
        names = ["A", "alpha"]
        values = [float(p["A"]), (d - 1) / d]
        jac_rows = [{"A": 1.0}, {"delta_x1": 1 / d**2}]
        if "rho" in p.index:
            r = float(p["rho"])
            names.append("sigma")
            values.append(1 / (1 + r))
            jac_rows.append({"rho": -1 / (1 + r) ** 2})
        jac = pd.DataFrame(0.0, index=names, columns=p.index)  # the other partials are 0
        for name, row in zip(names, jac_rows, strict=True):
            for col, val in row.items():
                jac.loc[name, col] = val
        cov = jac.to_numpy() @ res.cov.to_numpy() @ jac.to_numpy().T
        params = pd.Series(values, index=names, name="parameter")
        return CESSolowResults(params, pd.DataFrame(cov, index=names, columns=names), res,
                               log=log, sigma_fixed=sigma,
                               dependent=f"ln({self.dependent})" if log else self.dependent)
