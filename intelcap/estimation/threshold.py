r"""Threshold regression (Hansen 2000) with the fixed-regressor bootstrap test (Hansen 1996).

The model splits the sample on a threshold variable :math:`q`:

.. math::

    y_i = x_i'\beta_1 \, 1(q_i \le \gamma) + x_i'\beta_2 \, 1(q_i > \gamma) + e_i .

What is implemented (each piece follows Hansen's published programs for the growth application
of Hansen 2000, section 5):

* **Estimation by concentrated least squares.** :math:`\hat\gamma = \arg\min_\gamma S_n(\gamma)`
  over candidate values of :math:`q`. The data are sorted once by :math:`q`; with :math:`e_0` the
  residuals of the regression without threshold and :math:`M(\gamma) = \sum_{q_i\le\gamma}
  x_i x_i'`, :math:`C(\gamma) = \sum_{q_i\le\gamma} x_i e_{0i}` (cumulative sums),

  .. math::

      S_n(\gamma) = S_0 - C(\gamma)'\,[M(\gamma) - M(\gamma)(X'X)^{-1}M(\gamma)]^{-1}\,C(\gamma),

  so the whole profile costs one pass over the data and one small solve per candidate; no
  regression is refitted per candidate.
* **Likelihood ratio and confidence set for the threshold** (Hansen 2000, eq. 9 and sec. 3.3):
  :math:`LR_n(\gamma) = n\,(S_n(\gamma) - S_n(\hat\gamma)) / S_n(\hat\gamma)` and
  :math:`\hat\Gamma = \{\gamma: LR_n(\gamma) \le c(a)\}`, :math:`c(a) = -2\ln(1-\sqrt{a})`.
  With the heteroskedasticity correction (sec. 3.4) the LR is divided by

  .. math::

      \hat\eta^2 = \frac{E[(\hat\delta'x)^2 \hat e^2 \mid q = \hat\gamma]}
                        {E[(\hat\delta'x)^2 \mid q = \hat\gamma]\;\hat\sigma^2},
      \qquad \hat\delta = \hat\beta_1 - \hat\beta_2,

  the two conditional means estimated by an Epanechnikov kernel regression with the plug-in
  bandwidth of Hansen's program (``eta="kernel"``, his default) or by a quadratic in
  :math:`q` (``eta="quadratic"``).
* **Test of no threshold** by the fixed-regressor bootstrap (Hansen 1996): the homoskedastic
  sup-F, :math:`F_n = \sup_\gamma n (S_0 - S_n(\gamma)) / S_n(\gamma)` with :math:`y^* \sim
  N(0, 1)`, and the heteroskedasticity-robust sup-LM (White-corrected Wald/LM statistic) with
  :math:`y^*_i = e_{0i} u_i`, :math:`u_i \sim N(0, 1)`, its robust covariance recomputed in
  every replication. Blocks of replications are evaluated together (see
  :mod:`~intelcap.estimation._threshold_inference`).
* **Regime coefficients** with any covariance of the registry
  :mod:`intelcap.estimation.covariance` (``"robust"`` is White's HC0, Hansen's choice;
  Hansen's conventional errors with the pooled :math:`\hat\sigma^2 = S_n/(n-2k)` are
  ``"unadjusted"`` with ``debiased=True``), and Hansen's (2000, sec. 3.5) confidence intervals
  for the slopes that take the threshold's uncertainty into account.

Beyond Hansen's model: regressors that do not switch regime and different regressor sets per
regime (``nonswitching``, ``lower``, ``upper``); several thresholds on one variable
(:meth:`ThresholdRegression.fit_sequential`, :mod:`~intelcap.estimation._threshold_multi`);
endogenous regressors (:class:`IVThresholdRegression`, Caner and Hansen 2004,
:mod:`~intelcap.estimation._threshold_iv`); ``from_formula``.

The code is split by responsibility: this module holds the model (its input boundary and
``fit``, which chains the steps), :mod:`~intelcap.estimation._threshold_design` the regime
structure, the candidate splits and the concentrated least-squares profile,
:mod:`~intelcap.estimation._threshold_inference` :math:`\hat\eta^2` and the bootstrap test, and
:mod:`~intelcap.estimation._threshold_results` the results.

References
----------
Hansen, B. E. (1996). Inference when a nuisance parameter is not identified under the null
hypothesis. *Econometrica* 64(2), 413-430.

Hansen, B. E. (2000). Sample splitting and threshold estimation. *Econometrica* 68(3), 575-603.

Caner, M. and Hansen, B. E. (2004). Instrumental variable estimation of a threshold model.
*Econometric Theory* 20(5), 813-843.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import (
    as_frame,
    check_choice,
    require_aligned,
    stack_aligned,
)
from intelcap.estimation._threshold_design import (
    RegimeDesign,
    candidate_ends,
    candidate_moments,
    regime_design,
    ssr_profile,
)
from intelcap.estimation._threshold_inference import ThresholdTest, bootstrap_test, eta_squared
from intelcap.estimation._threshold_iv import IVThresholdRegression, IVThresholdResults
from intelcap.estimation._threshold_multi import MultipleThresholdResults, fit_sequential
from intelcap.estimation._threshold_results import ThresholdRegressionResults
from intelcap.estimation.covariance import canonical_cov_type, covariance
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    MissingDataError,
    SpecificationError,
)

__all__ = ["IVThresholdRegression", "IVThresholdResults", "MultipleThresholdResults",
           "ThresholdBootstrap", "ThresholdRegression", "ThresholdRegressionResults",
           "ThresholdTest"]

_GRIDS = ("all", "trimmed")
_ETAS = ("kernel", "quadratic")


@dataclass(frozen=True)
class ThresholdBootstrap:
    """Configuration of the fixed-regressor bootstrap test of no threshold (Hansen 1996).

    Parameters
    ----------
    reps : int
        Number of bootstrap replications (``0`` computes the statistic without a p-value).
    het : bool or None
        ``True``: heteroskedasticity-robust sup-LM statistic, :math:`y^* = e_0 u`;
        ``False``: homoskedastic sup-F statistic, :math:`y^* = u`, with :math:`u \\sim N(0,1)`.
        ``None`` follows the ``het`` option of :meth:`ThresholdRegression.fit`.
    """

    reps: int = 1000
    het: bool | None = None

    def __post_init__(self) -> None:
        if isinstance(self.reps, bool) or not isinstance(self.reps, (int, np.integer)):
            raise IntelcapTypeError(f"bootstrap reps must be an int, got {self.reps!r}")
        if self.reps < 0:
            raise SpecificationError(f"bootstrap reps must be >= 0, got {self.reps}")
        if self.het is not None and not isinstance(self.het, bool):
            raise IntelcapTypeError(f"bootstrap het must be True, False or None, got {self.het!r}")

    def __str__(self) -> str:
        kind = {None: "as fit(het=...)", True: "heteroskedasticity-robust sup-LM",
                False: "homoskedastic sup-F"}[self.het]
        return f"ThresholdBootstrap(reps={self.reps}, statistic: {kind})"


# ---------------------------------------------------------------------------------------------
# the input boundary
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Data:
    """The model's data after the boundary: arrays in the caller's row order."""

    y: np.ndarray
    x: np.ndarray
    q: np.ndarray
    index: pd.Index
    pandas: bool


def _boundary(dependent: Any, exog: Any, threshold: Any, constant: bool,
              missing: str) -> tuple[_Data, str, list[str], str]:
    """Validate the three inputs with the shared checks of :mod:`intelcap._validation`."""
    frames = {"dependent": as_frame(dependent, "dependent", prefix="y", numeric=True),
              "exog": as_frame(exog, "exog", prefix="x", numbered=True, numeric=True),
              "threshold": as_frame(threshold, "threshold", prefix="q", numeric=True)}
    for what in ("dependent", "threshold"):
        if frames[what].shape[1] != 1:
            raise DataError(f"{what} must be one variable, got {frames[what].shape[1]} columns")
    yname = frames["dependent"].columns[0]
    qname = frames["threshold"].columns[0]
    xnames = list(frames["exog"].columns)
    if len(set(xnames)) != len(xnames):
        raise DataError(f"exog has duplicate column names: {xnames}")
    if constant and "const" in xnames:
        raise SpecificationError("exog already has a column named 'const'; pass "
                                 "constant=False or rename it")
    sizes = {k: f.shape[0] for k, f in frames.items()}
    if len(set(sizes.values())) != 1:
        raise DataError(f"dependent, exog and threshold differ in length: {sizes}")
    qcol = frames["threshold"].iloc[:, 0].to_numpy()
    if np.all(np.isnan(qcol)):
        raise MissingDataError(f"threshold variable {qname!r} is all missing ({qcol.size} rows)")
    # the pandas arguments must share one index; numpy arguments take it
    given = {k: v for k, v in zip(frames, (dependent, exog, threshold), strict=True)}
    index = require_aligned(given)
    pandas = index is not None
    if pandas:
        frames = {k: f if isinstance(given[k], (pd.Series, pd.DataFrame)) else
                  f.set_axis(index) for k, f in frames.items()}
    # one frame with the user's (unique) labels: the shared checks name column and row
    data, _ = stack_aligned(frames, missing)
    vals = data.to_numpy()
    return (_Data(vals[:, 0], vals[:, 1:-1], vals[:, -1], data.index, pandas), yname, xnames,
            qname)


# ---------------------------------------------------------------------------------------------
# fit options and the sorted data every step shares
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _FitOptions:
    trim: float
    grid: Any
    het: bool
    eta: str
    cov_type: str
    debiased: bool
    bootstrap: ThresholdBootstrap
    boot_het: bool
    undersized: str
    clusters: Any = None


def _fit_options(trim: float, grid: Any, het: bool, eta: str, cov_type: str | None,
                 debiased: bool, bootstrap: Any, boot_het: bool | None,
                 undersized: str, clusters: Any = None, nobs: int = 0) -> _FitOptions:
    if not isinstance(het, bool):
        raise IntelcapTypeError(f"het must be True or False, got {het!r}")
    if not isinstance(debiased, bool):
        raise IntelcapTypeError(f"debiased must be True or False, got {debiased!r}")
    check_choice("eta", eta, _ETAS)
    check_choice("undersized", undersized, ("raise", "skip"))
    cov_type = canonical_cov_type(("robust" if het else "unadjusted") if cov_type is None
                                  else cov_type)
    if cov_type == "kernel":
        raise SpecificationError("cov_type='kernel' needs time information that a "
                                 "cross-section threshold regression does not have")
    if (cov_type == "clustered") != (clusters is not None):
        raise SpecificationError("clusters= goes with cov_type='clustered' (and it needs them)")
    if clusters is not None:
        clusters = clusters.to_numpy() if isinstance(clusters, (pd.Series, pd.DataFrame)) \
            else np.asarray(clusters)
        if clusters.shape[0] != nobs:
            raise DataError(f"clusters has {clusters.shape[0]} rows, the model {nobs}")
    if bootstrap is None:
        bootstrap = ThresholdBootstrap(0)
    elif not isinstance(bootstrap, ThresholdBootstrap):
        bootstrap = ThresholdBootstrap(bootstrap)
    if boot_het is None:
        boot_het = het if bootstrap.het is None else bootstrap.het
    if not isinstance(trim, (int, float, np.floating)) or not 0 <= trim < 0.5:
        raise SpecificationError(f"trim must be in [0, 0.5), got {trim!r}")
    return _FitOptions(float(trim), grid, het, eta, cov_type, debiased, bootstrap,
                       bool(boot_het), undersized, clusters)


@dataclass(frozen=True)
class _Sorted:
    """The data sorted by q (ties in the caller's order), with the null model's fit."""

    order: np.ndarray
    y: np.ndarray
    u: np.ndarray  # the distinct regressors
    q: np.ndarray
    ends: np.ndarray  # last position of each block of tied q
    m_cum: np.ndarray  # cumulative U_i U_i'
    e0: np.ndarray  # residuals of the model without threshold
    s0: float


def _sorted_data(model: ThresholdRegression) -> _Sorted:
    order = np.argsort(model._q, kind="stable")
    y, u, q = model._y[order], model._x[order], model._q[order]
    base = u[:, list(model.design.base)]
    if base.shape[1]:
        e0 = y - base @ np.linalg.lstsq(base, y, rcond=None)[0]
    else:
        e0 = y.copy()
    n = y.shape[0]
    if np.sqrt(e0 @ e0) <= 1e-12 * np.sqrt(n) * max(np.abs(y).max(), np.finfo(float).tiny):
        raise DataError(
            f"dependent {model.dependent_name!r} is fitted exactly by the regressors "
            f"{model.exog_names} (constant, or a linear combination of them): the residual "
            "sum of squares is zero to rounding, so there is no threshold to estimate or test")
    m_cum = np.cumsum(u[:, :, None] * u[:, None, :], axis=0)
    return _Sorted(order, y, u, q, candidate_ends(q), m_cum, e0, float(e0 @ e0))


# ---------------------------------------------------------------------------------------------
# the candidate thresholds
# ---------------------------------------------------------------------------------------------
def _test_candidates(s: _Sorted, design: RegimeDesign, opt: _FitOptions,
                     qname: str) -> np.ndarray:
    """Split ends of the test of no threshold: ``trim`` of the observations at each end."""
    n = s.y.shape[0]
    k = design.min_regime_obs
    n1 = s.ends + 1
    ends = s.ends[(n1 >= np.floor(n * opt.trim)) & (n1 <= np.floor(n * (1 - opt.trim)))]
    if ends.size == 0:
        raise SpecificationError(
            f"trim={opt.trim:g} leaves no candidate threshold in {qname!r} "
            f"({s.ends.size} distinct values, n={n}); lower trim")
    small = min(ends[0] + 1, n - ends[-1] - 1)
    if small < k:
        if opt.undersized == "raise":
            raise SpecificationError(
                f"trim={opt.trim:g} leaves a regime with {small} observation(s) split on "
                f"{qname!r}, fewer than the {k} regressors; raise trim (n={n}) or pass "
                "undersized='skip' to leave out such splits as Hansen's programs do")
        ends = ends[(ends + 1 >= k) & (n - ends - 1 >= k)]
        if ends.size == 0:
            raise SpecificationError(
                f"no candidate split on {qname!r} leaves {k} observations in each regime "
                f"(n={n})")
    return ends


def _estimation_candidates(s: _Sorted, design: RegimeDesign, opt: _FitOptions,
                           test_ends: np.ndarray, qname: str) -> tuple[np.ndarray, str]:
    """Split ends of the estimation grid and a label for the summary."""
    n = s.y.shape[0]
    k = design.min_regime_obs
    if isinstance(opt.grid, str):
        check_choice("grid", opt.grid, _GRIDS)
        if opt.grid == "trimmed":
            return test_ends, f"trimmed ({opt.trim:g} each end)"
        n1 = s.ends + 1
        ends = s.ends[(n1 >= k + 2) & (n - n1 >= k + 2)]
        if ends.size == 0:
            raise SpecificationError(
                f"no candidate threshold in {qname!r} leaves {k + 2} observations in each "
                f"regime (n={n}, {s.ends.size} distinct values)")
        return ends, "all distinct values (>= k+2 obs per regime)"
    cand = np.unique(np.asarray(opt.grid, dtype=float).ravel())
    if cand.size == 0 or not np.isfinite(cand).all():
        raise SpecificationError("grid must hold finite candidate thresholds")
    n1c = np.searchsorted(s.q, cand, side="right")
    bad = (n1c < k) | (n - n1c < k)
    if bad.any():
        g = cand[np.argmax(bad)]
        m = int(n1c[np.argmax(bad)])
        raise SpecificationError(
            f"grid value {g!r} leaves regimes of {m} and {n - m} observations; each needs at "
            f"least the {k} regressors")
    return np.unique(n1c - 1), f"user grid ({cand.size} values)"


# ---------------------------------------------------------------------------------------------
# estimation at a given threshold
# ---------------------------------------------------------------------------------------------
def _regime_matrix(u: np.ndarray, design: RegimeDesign, lower: np.ndarray) -> np.ndarray:
    """The design at a split: [x_L 1(lower), x_H 1(upper), z]."""
    lo = u[:, list(design.lower)] * lower[:, None]
    hi = u[:, list(design.upper)] * (~lower)[:, None]
    return np.column_stack([lo, hi, u[:, list(design.common)]])


@dataclass(frozen=True)
class _AtThreshold:
    params: np.ndarray
    resid: np.ndarray
    cov: Any  # CovarianceEstimate
    regime_ssr: tuple[float, float]
    effect: np.ndarray  # x_L'b_L - x_H'b_H, the jump at the threshold


def _estimate_at(s: _Sorted, design: RegimeDesign, ghat: float, opt: _FitOptions,
                 names: list[str]) -> _AtThreshold:
    lower = s.q <= ghat
    xg = _regime_matrix(s.u, design, lower)
    b = np.linalg.lstsq(xg, s.y, rcond=None)[0]
    e = s.y - xg @ b
    clusters = None if opt.clusters is None else opt.clusters[s.order]
    est = covariance(xg, e, opt.cov_type, debiased=opt.debiased, clusters=clusters,
                     names=names)
    kl, kh = len(design.lower), len(design.upper)
    effect = (s.u[:, list(design.lower)] @ b[:kl] - s.u[:, list(design.upper)] @ b[kl:kl + kh])
    return _AtThreshold(b, e, est, (float(e[lower] @ e[lower]), float(e[~lower] @ e[~lower])),
                        effect)


# ---------------------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------------------
class ThresholdRegression:
    r"""Threshold (sample-splitting) regression of Hansen (2000).

    .. math::

        y_i = x_{L,i}'\beta_1 1(q_i \le \gamma) + x_{H,i}'\beta_2 1(q_i > \gamma)
              + z_i'\delta + e_i

    By default every regressor switches (:math:`x_L = x_H = x`, no :math:`z`), Hansen's model.

    Parameters
    ----------
    dependent : Series, 1-d array or one-column DataFrame
        The dependent variable :math:`y`.
    exog : DataFrame, Series or 2-d array
        The regressors. Without a constant column when ``constant=True`` (the default), which
        prepends one named ``const``.
    threshold : Series or 1-d array
        The threshold variable :math:`q` (it may also be one of the regressors).
    constant : bool
        Add an intercept (Hansen's programs always do).
    nonswitching : list of str, optional
        Regressors (names, ``"const"`` included) with one coefficient in both regimes
        (:math:`z`).
    lower, upper : list of str, optional
        Regressors of the lower / upper regime when the two sets differ (as tsDyn's SETAR with
        ``mL``/``mH`` lags). Default: every regressor not in ``nonswitching``.
    missing : {"raise", "drop"}
        What to do with rows where any variable is missing: raise :class:`MissingDataError`
        naming the column and row, or drop the rows.

    Notes
    -----
    pandas inputs must share one index (they are never aligned silently). numpy inputs are named
    ``y``, ``x1``, ... and ``q``. Results are labelled pandas objects in either case. With
    nonswitching or regime-specific regressors, the test of no threshold compares with the
    model on the base regressors (``nonswitching`` and those in both regimes), which is the
    model without the threshold terms.

    Examples
    --------
    Hansen (2000, Table 1): the first split of the Durlauf-Johnson countries is at 1960 GDP of
    863, with 95% confidence interval [594, 1794].

    >>> from intelcap.datasets import hansen2000
    >>> df = hansen2000.load()
    >>> x = df[["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]]
    >>> res = ThresholdRegression(df["GDPGwth"], x, df["GDP1960"]).fit(bootstrap=0)
    >>> res.threshold_ci(0.95).loc["gamma1"].tolist()
    [863.0, 594.0, 1794.0]
    """

    def __init__(self, dependent: Any, exog: Any, threshold: Any, *, constant: bool = True,
                 nonswitching: Any = None, lower: Any = None, upper: Any = None,
                 missing: str = "raise") -> None:
        check_choice("missing", missing, ("raise", "drop"))
        self.constant = bool(constant)
        self.missing = missing
        data, yname, xnames, qname = _boundary(dependent, exog, threshold, self.constant,
                                               missing)
        self.dependent_name, self.threshold_name = yname, qname
        self._exog_names = xnames
        self._pandas = data.pandas
        self.index = data.index
        self._y, self._q = data.y, data.q
        self._x = (np.column_stack([np.ones(data.y.shape[0]), data.x]) if self.constant
                   else data.x)
        self.exog_names = (["const"] if self.constant else []) + self._exog_names
        self._spec = (nonswitching, lower, upper)
        self.design = regime_design(self.exog_names, lower, upper, nonswitching)
        n, k = self._x.shape
        if k == 0:
            raise SpecificationError("no regressors: pass exog or constant=True")
        if np.ptp(self._q) == 0:
            raise SpecificationError(
                f"threshold variable {self.threshold_name!r} is constant (every value is "
                f"{float(self._q[0])!r}); it cannot split the sample")
        if n < self.design.n_params + 2:
            raise SpecificationError(
                f"{n} observations are too few for a threshold regression with "
                f"{self.design.n_params} coefficients (need at least "
                f"{self.design.n_params + 2})")
        rank = np.linalg.matrix_rank(self._x)
        if rank < k:
            raise SpecificationError(
                f"the regressors {self.exog_names} are collinear (rank {rank} < {k})")

    @classmethod
    def from_formula(cls, formula: str, data: pd.DataFrame, *, threshold: str,
                     restricted: bool = True, **kwargs: Any) -> ThresholdRegression:
        """Build the model from a Wilkinson formula (formulaic), e.g. ``"y ~ x1 + x2"``.

        ``threshold`` names the column of ``data`` holding :math:`q`. An intercept is included
        unless the formula says ``- 1`` or ``+ 0`` (it is then named ``const``, as with
        ``constant=True``). The formula is checked as in :meth:`OLS.from_formula
        <intelcap.estimation.linear.OLS.from_formula>` (``restricted``). Other keyword
        arguments (``nonswitching``, ``lower``, ``upper``, ``missing``) go to the constructor.

        Examples
        --------
        >>> from intelcap.datasets import hansen2000
        >>> df = hansen2000.load()
        >>> f = "GDPGwth ~ LogGDP1960 + LogInvGDP + LogPopGwth + LogSchool"
        >>> res = ThresholdRegression.from_formula(f, df, threshold="GDP1960").fit(bootstrap=0)
        >>> float(res.threshold)
        863.0
        """
        from formulaic import model_matrix
        from formulaic.errors import FormulaicError

        from intelcap._expressions import check_formula

        if not isinstance(data, pd.DataFrame):
            raise IntelcapTypeError("data must be a pandas DataFrame")
        if not isinstance(threshold, str) or threshold not in data.columns:
            raise SpecificationError(f"threshold={threshold!r} must name a column of data")
        if "constant" in kwargs:
            raise SpecificationError("from_formula takes the intercept from the formula "
                                     "('- 1' removes it), not from constant=")
        if not isinstance(formula, str) or "~" not in formula:
            raise SpecificationError(f"formula {formula!r} needs a dependent: 'y ~ x1 + x2'")
        if restricted:
            check_formula(formula, data.columns)
        try:
            mm = model_matrix(formula, data, na_action="ignore")
        except (FormulaicError, NameError, KeyError, TypeError, ValueError,
                SyntaxError) as exc:
            raise SpecificationError(f"cannot build the design of {formula!r}: {exc}") from None
        lhs, rhs = mm.lhs, mm.rhs
        if lhs.shape[1] != 1:
            raise SpecificationError(f"formula {formula!r} must have exactly one dependent")
        cols = [str(c) for c in rhs.columns]
        x = pd.DataFrame(np.asarray(rhs, dtype=float), index=data.index, columns=cols)
        has_const = "Intercept" in cols
        x = x.drop(columns="Intercept") if has_const else x
        y = pd.Series(np.asarray(lhs, dtype=float)[:, 0], index=data.index,
                      name=str(lhs.columns[0]))
        model = cls(y, x, data[threshold], constant=has_const, **kwargs)
        model.formula = formula
        return model

    @property
    def nobs(self) -> int:
        """Number of observations used (after the missing-value policy)."""
        return int(self._y.shape[0])

    def __repr__(self) -> str:
        return (f"ThresholdRegression(dependent={self.dependent_name!r}, "
                f"exog={self.exog_names}, threshold={self.threshold_name!r}, nobs={self.nobs})")

    def _param_names(self) -> list[str]:
        d, qn = self.design, self.threshold_name
        return ([f"{d.names[j]}[{qn}<=g]" for j in d.lower]
                + [f"{d.names[j]}[{qn}>g]" for j in d.upper]
                + [d.names[j] for j in d.common])

    # -- fitting -----------------------------------------------------------------------------
    def fit(
        self,
        *,
        trim: float = 0.15,
        grid: str | Any = "all",
        het: bool = True,
        eta: str = "kernel",
        cov_type: str | None = None,
        debiased: bool = False,
        bootstrap: int | ThresholdBootstrap | None = 1000,
        boot_het: bool | None = None,
        seed: int | np.random.Generator | None = None,
        progress: bool = True,
        undersized: str = "raise",
        clusters: Any = None,
    ) -> ThresholdRegressionResults:
        r"""Estimate the threshold, the regime coefficients and test for a threshold.

        The steps, each a function of this module or of the two engine modules: validate the
        options (:func:`_fit_options`); sort by :math:`q` and fit the model without threshold
        (:func:`_sorted_data`); choose the candidate splits (:func:`_test_candidates`,
        :func:`_estimation_candidates`); the concentrated least-squares profile and its minimum
        (:func:`~intelcap.estimation._threshold_design.ssr_profile`); the regime coefficients
        at the estimate (:func:`_estimate_at`); :math:`\hat\eta^2`
        (:func:`~intelcap.estimation._threshold_inference.eta_squared`); the test of no
        threshold (:func:`~intelcap.estimation._threshold_inference.bootstrap_test`); the
        results.

        Parameters
        ----------
        trim : float
            Fraction of observations trimmed from each end of the ordered :math:`q` for the test
            of no threshold (Hansen's programs: 0.15): candidate thresholds leave between
            ``floor(n trim)`` and ``floor(n (1 - trim))`` observations in the lower regime.
            Also the estimation grid when ``grid="trimmed"``.
        grid : {"all", "trimmed"} or array-like
            Candidate thresholds for estimation and the LR profile. ``"all"`` (Hansen's program
            ``thr_est``): every distinct value of :math:`q` leaving at least :math:`k+2`
            observations in each regime. ``"trimmed"``: the test's trimmed set. An array gives
            the candidates explicitly (each must leave at least :math:`k` observations in each
            regime).
        het : bool
            Use the heteroskedasticity-corrected LR for the threshold's confidence set (and by
            default White standard errors and the robust bootstrap test), as Hansen does with
            ``h = 1``.
        eta : {"kernel", "quadratic"}
            Estimator of the conditional means in :math:`\hat\eta^2` (Hansen 2000, sec. 3.4):
            Epanechnikov kernel with the plug-in bandwidth of Hansen's program (his default; it
            reproduces his published intervals but depends on the units of :math:`q`), or a
            quadratic regression on :math:`q` (equivariant to affine maps of :math:`q`).
        cov_type : str or None
            Covariance of the coefficients, from the registry
            :mod:`intelcap.estimation.covariance` (``"robust"`` = White's HC0, ``"HC1"`` ...
            ``"HC3"``, ``"unadjusted"``, ``"clustered"`` with ``clusters``). ``None``:
            ``"robust"`` if ``het`` else ``"unadjusted"``. Hansen's conventional standard
            errors use the pooled
            :math:`\hat\sigma^2 = S_n(\hat\gamma)/(n - 2k)`: ``cov_type="unadjusted",
            debiased=True``.
        debiased : bool
            The registry's small-sample factor (and t reference distribution).
        bootstrap : int, ThresholdBootstrap or None
            Replications of the fixed-regressor bootstrap. ``0``/``None``: the statistic is
            computed, its p-value is NaN.
        boot_het : bool or None
            Statistic of the test: robust sup-LM (``True``) or homoskedastic sup-F
            (``False``). ``None``: as ``het`` (or as the :class:`ThresholdBootstrap`).
        seed : int or Generator, optional
            Seed of the bootstrap; recorded on the test statistic.
        progress : bool
            Show a progress bar during the bootstrap.
        undersized : {"raise", "skip"}
            What to do when the trimmed candidates include splits leaving a regime with fewer
            observations than regressors (small samples): raise :class:`SpecificationError`
            (default), or leave those splits out of the test (Hansen's programs give them a
            zero statistic, which is the same thing for a sup statistic).
        clusters : array-like, Series or DataFrame, optional
            Cluster labels (one or two columns, one row per observation used) for
            ``cov_type="clustered"``.

        Returns
        -------
        ThresholdRegressionResults
        """
        opt = _fit_options(trim, grid, het, eta, cov_type, debiased, bootstrap, boot_het,
                           undersized, clusters, self.nobs)
        design, qname = self.design, self.threshold_name
        s = _sorted_data(self)
        test_ends = _test_candidates(s, design, opt, qname)
        est_ends, grid_label = _estimation_candidates(s, design, opt, test_ends, qname)

        # concentrated least squares: S_n(gamma) over the grid and its minimum
        mom = candidate_moments(s.u, design, est_ends, s.m_cum)
        profile = ssr_profile(s.u, s.e0, s.s0, design, mom)
        if not np.isfinite(profile).any():
            raise SpecificationError(
                f"every candidate split on {qname!r} leaves a regime whose regressors are "
                "collinear")
        gamma = s.q[est_ends]
        ghat = float(gamma[int(np.nanargmin(profile))])

        names = self._param_names()
        at = _estimate_at(s, design, ghat, opt, names)
        eta2, eta_used = eta_squared(s.q, at.effect, at.resid, ghat, opt.eta)
        test_mom = mom if np.array_equal(test_ends, est_ends) else candidate_moments(
            s.u, design, test_ends, s.m_cum)
        test = bootstrap_test(
            s.u, s.u[:, list(design.base)], s.e0, design, test_mom, s.q,
            reps=opt.bootstrap.reps, het=opt.boot_het, seed=seed, progress=progress,
            qname=qname, trim=opt.trim)
        return self._results(s, opt, at, ghat, gamma, profile, eta2, eta_used, test,
                             grid_label, est_ends, names)

    def fit_sequential(self, n_thresholds: int = 2, *, refine: bool = True,
                       seed: int | np.random.Generator | None = None,
                       **fit_kwargs: Any) -> MultipleThresholdResults:
        r"""Several thresholds on the threshold variable, estimated and tested sequentially.

        Hansen's (2000, sec. 5) sample splitting with Bai's (1997) sequential estimation and
        refinement: the first threshold from :meth:`fit`; each further one is the split of a
        segment between the thresholds found so far that reduces the SSR most, each segment
        tested for a threshold with the fixed-regressor bootstrap; then every threshold is
        re-estimated between its neighbours, which also gives its LR confidence interval. See
        :mod:`intelcap.estimation._threshold_multi`.

        Parameters
        ----------
        n_thresholds : int
            Number of thresholds :math:`m` (regimes :math:`m+1`). Read the per-segment tests
            (``.tests``) to choose it: a further threshold is supported when the test in the
            segment that holds it rejects.
        refine : bool
            Re-estimate each threshold given its neighbours (Bai's repartition).
        seed : int or Generator, optional
            Seed of all the bootstraps (one generator, used in order).
        **fit_kwargs
            Options of :meth:`fit` (``trim``, ``het``, ``bootstrap``, ``cov_type``, ...), used
            for every segment. ``undersized`` defaults to ``"skip"`` within segments.

        Returns
        -------
        MultipleThresholdResults

        Examples
        --------
        >>> from intelcap.datasets import hansen2000
        >>> df = hansen2000.load()
        >>> x = df[["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]]
        >>> res = ThresholdRegression(df["GDPGwth"], x, df["GDP1960"]).fit_sequential(
        ...     2, bootstrap=0, progress=False)
        >>> res.thresholds.index.tolist()
        ['gamma1', 'gamma2']
        """
        return fit_sequential(self, n_thresholds, refine=refine, seed=seed, **fit_kwargs)

    def _results(self, s: _Sorted, opt: _FitOptions, at: _AtThreshold, ghat: float,
                 gamma: np.ndarray, profile: np.ndarray, eta2: float, eta_used: str,
                 test: ThresholdTest, grid_label: str, est_ends: np.ndarray,
                 names: list[str]) -> ThresholdRegressionResults:
        n = s.y.shape[0]
        inv = np.empty(n, dtype=int)
        inv[s.order] = np.arange(n)
        resid = at.resid[inv]
        lower = s.q <= ghat
        return ThresholdRegressionResults(
            params=pd.Series(at.params, index=names, name="parameter"),
            cov=at.cov.cov,
            nobs=n,
            df_resid=n - len(names),
            resids=pd.Series(resid, index=self.index, name="residual"),
            fitted_values=pd.Series(self._y - resid, index=self.index, name="fitted_values"),
            ssr=float(at.resid @ at.resid),
            model_name="Threshold Regression",
            dependent=self.dependent_name,
            cov_type=opt.cov_type,
            distribution=at.cov.distribution,
            model=self,
            threshold=ghat,
            gamma=gamma,
            ssr_profile=profile,
            ssr_linear=s.s0,
            regime_ssr=at.regime_ssr,
            regime_nobs=(int(lower.sum()), int((~lower).sum())),
            lower_mask=pd.Series(lower[inv], index=self.index, name="lower"),
            eta2=float(eta2),
            eta=eta_used,
            het=opt.het,
            test=test,
            trim=opt.trim,
            grid=grid_label,
            cov_description=at.cov.description,
            sorted_data=(s.u, s.y, s.q, est_ends, s.m_cum),
        )

    def subsample(self, mask: Any, threshold: Any = None) -> ThresholdRegression:
        """A model on the observations where ``mask`` is true, optionally on a new threshold.

        Parameters
        ----------
        mask : boolean Series (on this model's index) or boolean array (of length ``nobs``)
        threshold : Series or array, optional
            New threshold variable: a Series indexed like the model's data (it is restricted to
            the subsample) or an array of length ``nobs``. Default: the current one.
        """
        m = _as_mask(mask, self.index, "mask")
        if not m.any():
            raise DataError("mask selects no observation")
        if threshold is None:
            qsub = self._q[m]
            qname = self.threshold_name
        elif isinstance(threshold, pd.Series):
            missing = self.index.difference(threshold.index)
            if len(missing):
                raise DataError(f"threshold {threshold.name!r} lacks rows {list(missing[:5])} "
                                "of the model's index")
            qsub = threshold.loc[self.index[m]].to_numpy(dtype=float, na_value=np.nan)
            qname = threshold.name if threshold.name is not None else "q"
        else:
            arr = np.asarray(threshold, dtype=float).ravel()
            if arr.size != self.nobs:
                raise DataError(f"threshold has {arr.size} values, the model {self.nobs} rows")
            qsub = arr[m]
            qname = "q"
        xcols = self._x[:, 1:] if self.constant else self._x
        idx = self.index[m]
        return ThresholdRegression(
            pd.Series(self._y[m], index=idx, name=self.dependent_name),
            pd.DataFrame(xcols[m], index=idx, columns=self._exog_names),
            pd.Series(qsub, index=idx, name=qname),
            constant=self.constant,
            nonswitching=self._spec[0],
            lower=self._spec[1],
            upper=self._spec[2],
            missing=self.missing,
        )


def _as_mask(mask: Any, index: pd.Index, what: str) -> np.ndarray:
    if isinstance(mask, pd.Series):
        if not mask.index.equals(index):
            raise DataError(f"{what} must be indexed like the model's data")
        mask = mask.to_numpy()
    m = np.asarray(mask)
    if m.dtype != bool or m.shape != (len(index),):
        raise DataError(f"{what} must be a boolean array of length {len(index)}")
    return m


# ---------------------------------------------------------------------------------------------
