"""Linear estimation: a numerically robust OLS and log-linear production functions on panels.

Two tools live here.

:class:`OLS` is intelcap's own linear least-squares path, written for accuracy rather than speed:

.. math::

    \\hat\\beta = \\arg\\min_\\beta \\lVert y - X\\beta \\rVert^2,

computed without ever forming :math:`X'X` (the normal equations square the condition number and
lose every digit on NIST's Filip problem). The steps are

1. with an intercept column, the other regressors are *centred* (an exact reparametrisation,
   :math:`y = a + (X - \\bar X)\\beta`, that removes the collinearity of every regressor with the
   constant); the intercept and its covariance are recovered exactly afterwards;
2. every column is *scaled* to unit Euclidean norm up to a power of two (equilibration, exact in
   binary arithmetic), so the condition number is that of the shape of the design, not of its
   units;
3. the scaled design is factorised by Householder QR (LAPACK) and :math:`R\\beta = Q'y` solved
   by back substitution; rank deficiency is detected from a column-pivoted QR and reported,
   naming the collinear columns;
4. one step of iterative refinement with residuals accumulated in extended precision
   (``numpy.longdouble``) corrects the rounding of the first solve.

5. the first-order perturbation bound of least squares (Golub and Van Loan 2013, theorem
   5.3.1), :math:`\\epsilon\\,(\\kappa + \\kappa^2 \\tan\\theta)` with :math:`\\kappa` the
   condition number of the transformed design and :math:`\\sin\\theta = \\lVert e\\rVert /
   \\lVert y\\rVert`, estimates the relative error of the double-precision solve. If it exceeds
   ``extended_above`` (default :math:`10^{-11}`) and the problem is small enough (``n k^2`` up
   to :math:`10^7`), the solution, the residuals and
   :math:`(X'X)^{-1}` are computed in at least 40-digit arithmetic (mpmath; more for worse
   conditioning, :math:`2\\log_{10}\\kappa_{raw} + 24` digits) from the original design
   exactly as held in double precision, neither centred nor scaled (either would round it); the
   normal equations are then harmless: their squared condition number, about :math:`10^{19}`
   for Filip, is far below :math:`10^{40}`.

The covariance :math:`s^2 (X'X)^{-1}` comes from :math:`R^{-1}` (or the 40-digit inverse), never
from inverting :math:`X'X` in double precision.

NIST's Filip problem (degree-10 polynomial; condition number of the column-scaled design about
:math:`5\\times 10^{9}`) defeats the normal equations in double precision entirely (no correct
digit) and leaves Householder QR with 7 to 8 digits depending on rounding. intelcap's extended
path gives the exact least-squares solution of the double-precision design, which matches NIST's
certified values to about 7.6 digits; the remaining gap is the rounding of the :math:`x^k`
columns themselves to double precision, a property of the data as given that no solver can undo.

The panel functions (:func:`cobb_douglas`, :func:`translog`, :func:`fit_panel`) estimate log-linear
production functions through linearmodels (``PooledOLS``, ``PanelOLS`` with entity and/or time
effects, ``RandomEffects``, ``BetweenOLS``, ``IV2SLS``) and return :class:`LinearModelResults`,
a :class:`~intelcap.estimation.results.Results` that keeps the linearmodels result reachable as
``.lm_result``.

.. math::

    \\ln Y_{it} = a + \\sum_j \\beta_j \\ln X_{j,it}
        \\; [+ \\tfrac12 \\sum_j\\sum_k \\beta_{jk} \\ln X_{j,it} \\ln X_{k,it}]
        + \\gamma' w_{it} + \\mu_i + \\lambda_t + \\varepsilon_{it}

(the bracket is the translog's second-order part, Christensen, Jorgenson and Lau 1973).

References
----------
Bjorck, A. (1996). *Numerical Methods for Least Squares Problems*. SIAM, chapters 1-2.
Golub, G. H. and Van Loan, C. F. (2013). *Matrix Computations*, 4th ed. Johns Hopkins, 5.3.
Baltagi, B. H. (2005). *Econometric Analysis of Panel Data*, 3rd ed. Wiley, table 3.1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg as sla

from intelcap._expressions import check_formula
from intelcap._validation import (
    as_frame,
    as_series,
    check_choice,
    check_columns,
    check_positive,
    handle_missing,
    require_aligned,
    stack_aligned,
)
from intelcap.estimation.covariance import check_cov_options, covariance
from intelcap.estimation.results import Results
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    SpecificationError,
)

__all__ = [
    "ESTIMATORS",
    "OLS",
    "LinearModelResults",
    "OLSResults",
    "cobb_douglas",
    "fit_panel",
    "translog",
]

_EPS = float(np.finfo(float).eps)


# ---------------------------------------------------------------------------------------------
# Robust OLS
# ---------------------------------------------------------------------------------------------
class OLS:
    """Ordinary least squares by scaled (and centred) Householder QR with refinement.

    Parameters
    ----------
    dependent : Series or 1-d array
        The regressand.
    exog : DataFrame or 2-d array
        The regressors; include a column of ones for an intercept (it is detected).
    missing : {"raise", "drop"}
        Missing-value policy.
    center : bool
        Centre the non-constant regressors when there is an intercept (default True).
    precision : {"auto", "double", "extended"}
        ``"auto"`` solves in double precision unless the perturbation bound of the double solve
        exceeds ``extended_above`` (see step 5); ``"extended"`` always uses 40-digit arithmetic,
        ``"double"`` never does.
    extended_above : float
        Bound on the relative error of the double-precision solve above which ``"auto"`` uses
        40-digit arithmetic (default 1e-11).

    See Also
    --------
    OLS.from_formula : build the design from a formula with formulaic.
    """

    def __init__(self, dependent: Any, exog: Any, *, missing: str = "raise",
                 center: bool = True, precision: str = "auto",
                 extended_above: float = 1e-11) -> None:
        check_choice("missing", missing, ("raise", "drop"))
        check_choice("precision", precision, ("auto", "double", "extended"))
        self.precision = precision
        self.extended_above = float(extended_above)
        x_df = as_frame(exog, "exog", prefix="x", numbered=True)
        if isinstance(dependent, pd.DataFrame | pd.Series):
            y_s = as_series(dependent, "dependent", arrays=False)
            y_s = y_s.rename(str(y_s.name) if y_s.name is not None else "y")
        else:
            y_arr = np.asarray(dependent, dtype=float)
            if y_arr.ndim != 1:
                raise DataError(f"dependent must be 1-dimensional, got shape {y_arr.shape}")
            y_s = pd.Series(y_arr, index=x_df.index, name="y")
        if len(y_s) != len(x_df):
            raise DataError(f"dependent has {len(y_s)} rows but exog has {len(x_df)}")
        # the pandas arguments must share one index (never aligned silently); an array takes
        # the other argument's index
        if isinstance(dependent, pd.Series | pd.DataFrame) and isinstance(
                exog, pd.DataFrame | pd.Series):
            require_aligned({"dependent": y_s, "exog": x_df})
        elif isinstance(dependent, pd.Series | pd.DataFrame):
            x_df = x_df.set_axis(y_s.index, axis=0)
        else:
            y_s.index = x_df.index
        if len(x_df.columns) != len(set(x_df.columns)):
            raise DataError(f"exog has duplicate column names: {list(x_df.columns)}")
        frame, labels = stack_aligned({"dependent": y_s.to_frame(), "exog": x_df}, missing)
        self._index = frame.index
        self.dependent = str(y_s.name)
        self.exog_names = list(x_df.columns)
        self._y = frame[labels["dependent"][0]].to_numpy(dtype=float)
        self._x = frame[labels["exog"]].to_numpy(dtype=float)
        n, k = self._x.shape
        if k == 0:
            raise SpecificationError("no regressors (exog has no columns; a formula such as "
                                     "'y ~ 0' removes the intercept and names nothing else)")
        if n <= k:
            raise SpecificationError(f"{n} observations cannot identify {k} coefficients")
        self.center = center
        const = [j for j in range(k) if np.all(self._x[:, j] == self._x[0, j])
                 and self._x[0, j] != 0]
        if len(const) > 1:
            names = [self.exog_names[j] for j in const]
            raise DataError(f"several constant regressors {names}: they are perfectly collinear")
        self._const = const[0] if const else None

    @classmethod
    def from_formula(cls, formula: str, data: pd.DataFrame, *, restricted: bool = True,
                     **kwargs: Any) -> OLS:
        """Build the model from a Wilkinson formula (formulaic), e.g. ``"y ~ x + I(x**2)"``.

        An intercept is included unless the formula says ``- 1`` or ``+ 0``.

        What a formula may evaluate: formulaic evaluates every term as Python in a namespace
        holding the data columns (as statsmodels and linearmodels do). With
        ``restricted=True`` (the default) the formula is first checked by
        :func:`intelcap._expressions.check_formula`: only data columns, numbers, the formula
        operators, ``C``, ``I``, ``center``, ``scale``, ``standardize``, ``poly`` and numpy's
        ``log``/``exp``/``sqrt``/... (one argument each) are accepted, so no code can run;
        backquoted names and ``{...}`` Python blocks are refused. ``restricted=False`` passes
        the formula to formulaic unchecked: any Python in it is executed, so use it only for
        formulas you wrote yourself, never for text from a file, a configuration or a user.
        """
        from formulaic import model_matrix
        from formulaic.errors import FormulaicError

        if not isinstance(data, pd.DataFrame):
            raise IntelcapTypeError("data must be a pandas DataFrame")
        if not isinstance(formula, str) or "~" not in formula:
            raise SpecificationError(f"formula {formula!r} needs a dependent: 'y ~ x1 + x2'")
        if restricted:
            check_formula(formula, data.columns)
        try:
            mm = model_matrix(formula, data, na_action="ignore")
        except FormulaicError as exc:
            raise _formula_error(formula, exc) from None
        lhs, rhs = mm.lhs, mm.rhs
        if lhs.shape[1] != 1:
            raise SpecificationError(f"formula {formula!r} must have exactly one dependent")
        y = pd.Series(np.asarray(lhs, dtype=float)[:, 0], index=data.index,
                      name=str(lhs.columns[0]))
        x = pd.DataFrame(np.asarray(rhs, dtype=float), index=data.index,
                         columns=[str(c) for c in rhs.columns])
        model = cls(y, x, **kwargs)
        model.formula = formula
        return model

    def _design(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The transformed design: centred (if an intercept) and column-scaled."""
        x = self._x.copy()
        means = np.zeros(x.shape[1])
        if self._const is not None and self.center:
            others = [j for j in range(x.shape[1]) if j != self._const]
            means[others] = x[:, others].mean(axis=0)
            x[:, others] -= means[others]
        norms = np.linalg.norm(x, axis=0)
        if np.any(norms == 0):
            j = int(np.flatnonzero(norms == 0)[0])
            raise DataError(f"regressor {self.exog_names[j]!r} is identically zero")
        # scale by powers of two: exact in binary floating point, so the scaling rounds nothing
        norms = np.exp2(np.round(np.log2(norms)))
        return x / norms, norms, means, x

    def _check_rank(self, xs: np.ndarray) -> None:
        _, r, piv = sla.qr(xs, mode="economic", pivoting=True)
        d = np.abs(np.diag(r))
        tol = d[0] * max(xs.shape) * _EPS * 10
        rank = int(np.sum(d > tol))
        if rank < xs.shape[1]:
            bad = [self.exog_names[j] for j in piv[rank:]]
            raise DataError(
                f"the regressors are collinear (rank {rank} < {xs.shape[1]} columns); "
                f"{bad} are linear combinations of the others; drop them")

    def fit(self, cov_type: str = "unadjusted", *, debiased: bool = False, clusters: Any = None,
            time: Any = None, bandwidth: float | None = None,
            kernel: str | None = None) -> OLSResults:
        """Estimate; the covariance comes from :mod:`intelcap.estimation.covariance`.

        Parameters
        ----------
        cov_type : str
            ``"unadjusted"``, ``"robust"`` (HC0), ``"HC0"``-``"HC3"``, ``"clustered"`` (one- or
            two-way) or ``"kernel"`` (Newey-West; Driscoll-Kraay with ``time``); see
            :func:`intelcap.estimation.covariance.covariance` for each formula.
        debiased : bool
            Small-sample factor and t/F reference distributions (default False, as in
            linearmodels). The classical OLS covariance :math:`s^2 (X'X)^{-1}` with
            :math:`s^2 = \\mathrm{SSR}/(n-k)` and t p-values (statsmodels' ``nonrobust``,
            NIST's certified standard deviations) is ``cov_type="unadjusted", debiased=True``;
            Stata's ``robust`` is ``cov_type="robust", debiased=True`` (HC1).
        clusters : array-like, Series or DataFrame, optional
            Cluster labels for ``cov_type="clustered"`` (a Series is aligned on the data's
            index); two columns for two-way clustering.
        time, bandwidth, kernel
            Options of ``cov_type="kernel"`` (``time``: the period of each row, a Series
            aligned on the data's index, for Driscoll-Kraay).

        The bread :math:`(X'X)^{-1}` is the one of the solve (from :math:`R^{-1}` of the scaled QR,
        or the 40-digit inverse), handed to the registry.
        """
        cov_name = check_cov_options(cov_type, clusters=clusters, time=time, bandwidth=bandwidth,
                                     kernel=kernel, debiased=debiased)
        xs, norms, means, xc = self._design()
        self._check_rank(xs)
        n, k = xs.shape
        q, r = np.linalg.qr(xs)
        y = self._y
        cond = float(np.linalg.cond(r))
        # first-order perturbation bound of least squares (Golub and Van Loan, thm 5.3.1):
        # relative error ~ eps (cond + cond^2 tan(theta)), sin(theta) = ||e|| / ||y||
        bs0 = sla.solve_triangular(r, q.T @ y)
        fit_norm = float(np.linalg.norm(xs @ bs0))
        res_norm = float(np.linalg.norm(y - xs @ bs0))
        tan_theta = res_norm / fit_norm if fit_norm > 0 else np.inf
        error_bound = _EPS * (cond + cond**2 * tan_theta)
        extended = self.precision == "extended" or (
            self.precision == "auto" and error_bound > self.extended_above
            and n * k * k <= 1e7)
        if extended:
            # the raw design, exactly as held in double precision: neither centred nor scaled
            # (both would round it), solved in 40-digit arithmetic
            # enough digits that the squared condition number of the normal equations is harmless
            # (bounded for the raw design by the scaled condition number times the spread of
            # the column norms)
            cond_raw = cond * float(norms.max() / norms.min())
            dps = max(40, int(2 * np.log10(max(cond_raw, 10.0))) + 24)
            beta, resid, ssr, bread = _solve_extended(self._x, y, dps=dps)
            means = np.zeros(k)
            xc = self._x
        else:
            bs = sla.solve_triangular(r, q.T @ y)
            # one refinement step with the residual accumulated in extended precision
            xl = xs.astype(np.longdouble)
            res_l = y.astype(np.longdouble) - xl @ bs.astype(np.longdouble)
            bs = bs + sla.solve_triangular(r, q.T @ res_l.astype(float))
            res_l = y.astype(np.longdouble) - xl @ bs.astype(np.longdouble)
            resid = res_l.astype(float)
            ssr = float(np.sum(res_l * res_l))
            rinv = sla.solve_triangular(r, np.eye(k))
            bread = (rinv @ rinv.T) / np.outer(norms, norms)  # (Xc'Xc)^{-1}
            beta = bs / norms  # coefficients of the centred design
        transform = np.eye(k)
        if self._const is not None and self.center and not extended:
            c = self._const
            # b_const(original) = b_const(centred) - sum_j mean_j b_j ; others unchanged
            beta[c] = beta[c] - float(means @ beta)
            transform[c, :] -= means
            transform[c, c] = 1.0
        df_resid = n - k
        if cov_name == "clustered":
            clusters = _align_clusters(clusters, self._index)
        if time is not None:
            time = _align_clusters(time, self._index)
        # the sandwich in the coordinates of the solve (centred design), then mapped back
        est = covariance(xc, resid, cov_type, debiased=debiased, clusters=clusters, time=time,
                         bandwidth=bandwidth, kernel=kernel, names=self.exog_names,
                         bread_matrix=bread)
        cov = transform @ est.cov @ transform.T
        names = self.exog_names
        fitted = pd.Series(self._y - resid, index=self._index, name="fitted_values")
        return OLSResults(
            pd.Series(beta, index=names, name="parameter"),
            pd.DataFrame(cov, index=names, columns=names),
            nobs=n, df_resid=df_resid,
            resids=pd.Series(resid, index=self._index, name="residual"),
            fitted_values=fitted, ssr=ssr, model_name="OLS", dependent=self.dependent,
            cov_type=est.cov_type, distribution=est.distribution,
            cov_description=est.description, y=self._y, has_constant=self._const is not None,
            condition_number=cond, error_bound=error_bound, extended_precision=extended,
        )


def _solve_extended(xs: np.ndarray, y: np.ndarray, dps: int = 40
                    ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Least squares in ``dps``-digit arithmetic (mpmath) on the double-precision design."""
    import mpmath

    with mpmath.workdps(dps):
        a = mpmath.matrix(xs.tolist())
        yv = mpmath.matrix(y.tolist())
        ata = a.T * a
        inv = mpmath.inverse(ata)
        b = inv * (a.T * yv)
        res = yv - a * b
        ssr = mpmath.fsum(v * v for v in res)
        beta = np.array([float(v) for v in b])
        resid = np.array([float(v) for v in res])
        inv_f = np.array(inv.tolist(), dtype=float)
    return beta, resid, float(ssr), inv_f


def _align_clusters(clusters: Any, index: pd.Index) -> Any:
    """Cluster labels (or periods) of the rows used: a Series or DataFrame is aligned on the
    data's index (so rows dropped for missing values drop their labels too); arrays are taken
    as given."""
    if isinstance(clusters, (pd.Series, pd.DataFrame)):
        try:
            return clusters.loc[index]
        except KeyError:
            raise DataError("clusters is not indexed like the data") from None
    return clusters


def _formula_error(formula: str, exc: Exception) -> SpecificationError:
    """formulaic's error as a SpecificationError naming the term it could not build."""
    import re

    from formulaic.errors import FactorEvaluationError, FormulaParsingError

    text = re.sub(r"\x1b\[[0-9;]*m|[\u29da\u29db]", "", str(exc)).strip()
    if isinstance(exc, FactorEvaluationError):
        term = re.search(r"`([^`]+)`", text)
        reason = re.search(r"\[(\w+: .*)\]\s*$", text, re.S)
        name = term.group(1) if term else "?"
        why = reason.group(1) if reason else text
        return SpecificationError(f"term {name!r} of {formula!r} cannot be evaluated: {why}")
    if isinstance(exc, FormulaParsingError):
        return SpecificationError(f"formula {formula!r} is not valid: {' '.join(text.split())}")
    return SpecificationError(f"cannot build the design of {formula!r}: {text}")


class OLSResults(Results):
    """Results of :class:`OLS` (the common vocabulary plus R-squared).

    Besides the :class:`~intelcap.estimation.results.Results` arguments it takes the
    dependent values ``y``, ``has_constant``, the ``condition_number`` of the scaled design,
    the perturbation ``error_bound`` of the double-precision solve and ``extended_precision``
    (whether the 40-digit path was used). Immutable.
    """

    def __init__(self, params: pd.Series, cov: pd.DataFrame | None, *, y: np.ndarray,
                 has_constant: bool, condition_number: float, error_bound: float,
                 extended_precision: bool, **kwargs: Any) -> None:
        super().__init__(params, cov, **kwargs)
        self._y = np.asarray(y, dtype=float)
        self.has_constant = bool(has_constant)
        self.condition_number = float(condition_number)
        self.error_bound = float(error_bound)
        self.extended_precision = bool(extended_precision)

    @cached_property
    def rsquared(self) -> float:
        """R-squared: centred with an intercept, uncentred (about zero) without one.

        The uncentred form for a model without intercept is NIST's convention (NoInt1, NoInt2).
        """
        y = self._y
        tss = float(((y - y.mean()) ** 2).sum()) if self.has_constant else float(y @ y)
        return 1.0 - self.ssr / tss

    @cached_property
    def rsquared_adj(self) -> float:
        """Adjusted R-squared, :math:`1 - (1 - R^2)(n - c)/(n - k)` with c = 1 if an intercept."""
        c = 1 if self.has_constant else 0
        return 1.0 - (1.0 - self.rsquared) * (self.nobs - c) / self.df_resid

    @property
    def resid_std_err(self) -> float:
        """Residual standard deviation :math:`\\sqrt{\\mathrm{SSR}/(n-k)}`."""
        return float(np.sqrt(self.s2))

    def _summary_header(self) -> list[tuple[str, object]]:
        return [*super()._summary_header(), ("R-squared", self.rsquared),
                ("Adj. R-squared", self.rsquared_adj)]


# ---------------------------------------------------------------------------------------------
# Panel production functions through linearmodels
# ---------------------------------------------------------------------------------------------
#: Estimators by name (linearmodels classes, imported lazily).
ESTIMATORS = ("pooled", "within", "between", "random", "iv")


class LinearModelResults(Results):
    """A linearmodels fit in intelcap's results vocabulary.

    ``.lm_result`` is the linearmodels result itself (with everything linearmodels offers:
    ``.summary``, ``.wald_test``, ``.f_pooled``, ...); ``.estimator`` names the method.
    """

    def __init__(self, params: pd.Series, cov: pd.DataFrame | None, *, lm_result: Any,
                 estimator: str, form: str | None = None, **kwargs: Any) -> None:
        super().__init__(params, cov, **kwargs)
        self.lm_result = lm_result
        self.estimator = estimator
        self.form = form

    @classmethod
    def from_linearmodels(cls, lm: Any, *, estimator: str, dependent: str,
                          cov_type: str = "unadjusted",
                          names: Mapping[str, str] | None = None,
                          form: str | None = None) -> LinearModelResults:
        """Wrap a linearmodels result in intelcap's results vocabulary.

        Parameters
        ----------
        lm : linearmodels result
            A fitted linearmodels panel or IV result.
        estimator : str
            The estimator's name (one of ``ESTIMATORS``), shown in the summary title.
        dependent : str
            Name of the dependent variable.
        cov_type : str
            Name of the covariance estimator, used when ``lm`` does not record one.
        names : mapping, optional
            New names for the parameters, ``{linearmodels name: intelcap name}``.
        form : str, optional
            The production form (``"cobb_douglas"``, ``"translog"``), kept as ``.form``.

        Returns
        -------
        LinearModelResults
            Parameters, covariance, residuals and fitted values taken from ``lm``; ``lm`` itself
            is kept as ``lm_result``. Integral residual degrees of freedom are stored as an int.
        """
        params = lm.params.copy()
        cov = lm.cov.copy()
        if names:
            params = params.rename(index=names)
            cov = cov.rename(index=names, columns=names)
        resids = getattr(lm, "resids", None)
        fitted = getattr(lm, "fitted_values", None)
        if isinstance(fitted, pd.DataFrame):
            fitted = fitted.iloc[:, 0]
        if isinstance(resids, pd.DataFrame):
            resids = resids.iloc[:, 0]
        # linearmodels keeps the flag as the private ``_debiased`` (no public attribute).
        debiased = bool(getattr(lm, "_debiased", True))
        df_resid = float(getattr(lm, "df_resid", lm.nobs - len(params)))
        if df_resid.is_integer():
            df_resid = int(df_resid)
        lm_cov = str(getattr(lm, "_cov_type", cov_type))
        return cls(params.rename("parameter"), cov, nobs=int(lm.nobs), df_resid=df_resid,
                   resids=resids, fitted_values=fitted, ssr=float(lm.resid_ss),
                   model_name=f"{_TITLES[estimator]} production function", dependent=dependent,
                   cov_type=lm_cov, distribution="t" if debiased else "normal",
                   cov_description=(f"{lm_cov} (linearmodels, "
                                    f"{'debiased' if debiased else 'not debiased'})"),
                   lm_result=lm, estimator=estimator, form=form)

    @property
    def rsquared(self) -> float:
        """R-squared as linearmodels defines it for the estimator."""
        return float(self.lm_result.rsquared)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals (linearmodels' reference distribution)."""
        return super().conf_int(level)

    def _summary_header(self) -> list[tuple[str, object]]:
        return [*super()._summary_header(), ("Estimator", self.estimator),
                ("R-squared", self.rsquared)]


_TITLES = {"pooled": "Pooled OLS", "within": "Fixed-effects (within)", "between": "Between",
           "random": "Random-effects", "iv": "IV (2SLS)"}


def _check_panel(data: pd.DataFrame) -> None:
    if not isinstance(data, pd.DataFrame):
        raise IntelcapTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not (isinstance(data.index, pd.MultiIndex) and data.index.nlevels == 2):
        raise DataError("panel data need an (entity, time) MultiIndex; use "
                        "data.set_index([entity, time])")


def _log_columns(data: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """ln of each column, refusing non-positive values (naming the column and row)."""
    return pd.DataFrame(
        {f"ln_{c}": np.log(check_positive(data[c], f"column {c!r}", data.index)) for c in cols},
        index=data.index,
    )


def fit_panel(
    formula: str,
    data: pd.DataFrame,
    estimator: str = "pooled",
    *,
    entity_effects: bool = False,
    time_effects: bool = False,
    cov_type: str = "unadjusted",
    debiased: bool = False,
    restricted: bool = True,
    **cov_options: Any,
) -> LinearModelResults:
    """Fit a linear panel model through linearmodels and return intelcap results.

    Parameters
    ----------
    formula : str
        A linearmodels formula, e.g. ``"ln_Y ~ 1 + ln_K + ln_L"`` (``[endog ~ instruments]``
        for ``estimator="iv"``). Effects are set with the keywords below, not in the formula.
    data : DataFrame
        Panel with an (entity, time) MultiIndex.
    estimator : {"pooled", "within", "between", "random", "iv"}
        ``PooledOLS``, ``PanelOLS`` (with ``entity_effects`` and/or ``time_effects``; entity
        effects by default), ``BetweenOLS``, ``RandomEffects`` (Swamy-Arora), ``IV2SLS``.
    cov_type : str
        linearmodels' covariance name: ``"unadjusted"``, ``"robust"``, ``"clustered"``
        (with ``cluster_entity=True`` and/or ``cluster_time=True`` or ``clusters=``), ...
    debiased : bool
        Small-sample correction (the residual variance over n - k; t and F reference
        distributions). False by default, as everywhere in intelcap
        (:mod:`intelcap.estimation.covariance`), although linearmodels' panel estimators
        default to True; textbook OLS standard errors (Baltagi's tables) are ``debiased=True``.
    restricted : bool
        Check the formula with :func:`intelcap._expressions.check_formula` before linearmodels
        (through formulaic) evaluates its terms as Python (default). Only data columns,
        numbers, the formula operators, ``[endog ~ instruments]``, ``C``, ``I``, ``center``,
        ``scale``, ``standardize``, ``poly`` and numpy's ``log``/``exp``/``sqrt``/... are then
        accepted, so no code can run. ``restricted=False`` evaluates any Python the formula
        contains: only for formulas you wrote yourself.
    **cov_options
        Passed to linearmodels' ``fit`` (``cluster_entity=True``, ``bandwidth=``, ...).
    """
    return _fit_panel(formula, data, estimator, entity_effects=entity_effects,
                      time_effects=time_effects, cov_type=cov_type, debiased=debiased,
                      restricted=restricted,
                      form=None, **cov_options)


def _fit_panel(formula: str, data: pd.DataFrame, estimator: str, *, entity_effects: bool,
               time_effects: bool, cov_type: str, debiased: bool, restricted: bool,
               form: str | None,
               **cov_options: Any) -> LinearModelResults:
    _check_panel(data)
    if restricted:
        check_formula(formula, [*data.columns, *(n for n in data.index.names if n)])
    check_choice("estimator", estimator, ESTIMATORS)
    import linearmodels as lm

    try:
        if estimator == "pooled":
            model = lm.PooledOLS.from_formula(formula, data)
        elif estimator == "within":
            if not (entity_effects or time_effects):
                entity_effects = True
            effects = (" + EntityEffects" if entity_effects else "") + (
                " + TimeEffects" if time_effects else "")
            model = lm.PanelOLS.from_formula(formula + effects, data)
        elif estimator == "between":
            model = lm.BetweenOLS.from_formula(formula, data)
        elif estimator == "random":
            model = lm.RandomEffects.from_formula(formula, data)
        else:
            flat = data.reset_index()
            model = lm.IV2SLS.from_formula(formula, flat)
    except (ValueError, KeyError, SyntaxError, NameError) as exc:
        raise SpecificationError(f"cannot build {estimator} model {formula!r}: {exc}") from None
    try:
        if estimator == "iv" and cov_type == "clustered" and "clusters" not in cov_options:
            entity = data.index.get_level_values(0)
            cov_options = {**cov_options, "clusters": pd.Series(pd.factorize(entity)[0])}
            cov_options.pop("cluster_entity", None)
        lm_res = model.fit(cov_type=cov_type, debiased=debiased, **cov_options)
    except ValueError as exc:
        raise SpecificationError(f"linearmodels could not fit {formula!r}: {exc}") from None
    if estimator != "iv":
        rank = np.linalg.matrix_rank(np.asarray(model.exog.values2d))
        if rank < model.exog.values2d.shape[1]:
            raise DataError(f"the regressors of {formula!r} are collinear")
    dep = formula.split("~")[0].strip()
    return LinearModelResults.from_linearmodels(lm_res, estimator=estimator, dependent=dep,
                                                cov_type=cov_type, form=form)


def _prepare(data: pd.DataFrame, output: str, inputs: Sequence[str],
             controls: Sequence[str], missing: str) -> pd.DataFrame:
    _check_panel(data)
    inputs = list(inputs)
    if not inputs:
        raise SpecificationError("at least one input is needed")
    check_columns(data, [output, *inputs, *controls], what="data")
    data = handle_missing(data, [output, *inputs, *controls], missing)
    logs = _log_columns(data, [output, *inputs])
    for c in controls:
        logs[c] = data[c].to_numpy(dtype=float)
    return logs


def cobb_douglas(
    data: pd.DataFrame,
    output: str,
    inputs: Sequence[str],
    *,
    controls: Sequence[str] = (),
    estimator: str = "pooled",
    entity_effects: bool = False,
    time_effects: bool = False,
    cov_type: str = "unadjusted",
    debiased: bool = False,
    missing: str = "raise",
    endog: Sequence[str] = (),
    instruments: Sequence[str] = (),
    **cov_options: Any,
) -> LinearModelResults:
    """Log-linear Cobb-Douglas production function on a panel.

    .. math::

        \\ln Y_{it} = a + \\sum_j \\beta_j \\ln X_{j,it} + \\gamma' w_{it} [+ \\mu_i + \\lambda_t]
        + \\varepsilon_{it}

    Parameters
    ----------
    data : DataFrame
        Panel with an (entity, time) MultiIndex.
    output : str
        Column of output Y (must be positive).
    inputs : sequence of str
        Columns of the inputs X_j (must be positive); coefficients are named ``ln_<input>``.
    controls : sequence of str
        Regressors entering in levels (for example an unemployment rate).
    estimator, entity_effects, time_effects, cov_type, debiased, cov_options
        See :func:`fit_panel`. Within estimators drop the intercept.
    missing : {"raise", "drop"}
        Missing-value policy.
    endog, instruments : sequence of str
        For ``estimator="iv"`` (2SLS): the inputs treated as endogenous and the columns whose
        logs instrument them (named ``z_ln_<column>``).

    Examples
    --------
    Baltagi's (2005, table 3.1) public-capital production function on Munnell's data::

        cobb_douglas(df, "GSP", ["P_CAP", "PC", "EMP"], controls=["UNEMP"], estimator="within")
    """
    endog, instruments = list(endog), list(instruments)
    if estimator == "iv":
        if not endog or len(instruments) < len(endog):
            raise SpecificationError(
                "estimator='iv' needs endog=[inputs] and at least as many instruments=[columns]")
        unknown = [e for e in endog if e not in inputs]
        if unknown:
            raise SpecificationError(f"endog {unknown} are not among the inputs {list(inputs)}")
    elif endog or instruments:
        raise SpecificationError("endog/instruments are only used with estimator='iv'")
    logs = _prepare(data, output, inputs, controls, missing)
    if instruments:
        check_columns(data, instruments, what="data")
        inst = _log_columns(handle_missing(data, instruments, missing).loc[logs.index],
                            instruments)
        logs = logs.join(inst.rename(columns=lambda c: f"z_{c}"))
    rhs = [f"ln_{c}" for c in inputs if c not in endog] + list(controls)
    const = "" if estimator == "within" else "1 + "
    formula = f"ln_{output} ~ {const}" + " + ".join(rhs)
    if estimator == "iv":
        formula += (" + [" + " + ".join(f"ln_{e}" for e in endog) + " ~ "
                    + " + ".join(f"z_ln_{z}" for z in instruments) + "]")
    return _fit_panel(formula, logs, estimator, entity_effects=entity_effects,
                      time_effects=time_effects, cov_type=cov_type, debiased=debiased,
                      restricted=True,
                      form="cobb_douglas", **cov_options)


def translog(
    data: pd.DataFrame,
    output: str,
    inputs: Sequence[str],
    *,
    controls: Sequence[str] = (),
    estimator: str = "pooled",
    entity_effects: bool = False,
    time_effects: bool = False,
    cov_type: str = "unadjusted",
    debiased: bool = False,
    missing: str = "raise",
    normalize: bool = True,
    **cov_options: Any,
) -> LinearModelResults:
    """Translog production function on a panel (Christensen, Jorgenson and Lau 1973).

    .. math::

        \\ln Y = a + \\sum_j \\beta_j x_j + \\tfrac12\\sum_j \\beta_{jj} x_j^2
                 + \\sum_{j<k} \\beta_{jk} x_j x_k + \\gamma' w + \\varepsilon,
        \\qquad x_j = \\ln X_j - \\overline{\\ln X_j}

    With ``normalize=True`` (default) the logs are centred at their sample means, so the
    first-order coefficients ``ln_<X>`` are the output elasticities at the sample mean.
    Second-order terms are named ``half_ln_<X>_sq`` and ``ln_<X>_x_ln_<Z>``.
    """
    logs = _prepare(data, output, inputs, controls, missing)
    names = [f"ln_{c}" for c in inputs]
    if normalize:
        for nm in names:
            logs[nm] = logs[nm] - logs[nm].mean()
    terms = list(names)
    for i, a in enumerate(names):
        sq = f"half_{a}_sq"
        logs[sq] = 0.5 * logs[a] ** 2
        terms.append(sq)
        for b in names[i + 1:]:
            cross = f"{a}_x_{b}"
            logs[cross] = logs[a] * logs[b]
            terms.append(cross)
    terms += list(controls)
    const = "" if estimator == "within" else "1 + "
    formula = f"ln_{output} ~ {const}" + " + ".join(terms)
    return _fit_panel(formula, logs, estimator, entity_effects=entity_effects,
                      time_effects=time_effects, cov_type=cov_type, debiased=debiased,
                      restricted=True,
                      form="translog", **cov_options)
