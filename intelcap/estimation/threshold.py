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
  every replication. Replications are evaluated together, as arrays of shape ``(B, n)``.
* **Regime coefficients** with conventional (pooled :math:`\hat\sigma^2 = S_n/(n-2k)`) or White
  (HC0) standard errors, and Hansen's (2000, sec. 3.5) confidence intervals for the slopes that
  take the threshold's uncertainty into account (union over the first-step confidence set).

References
----------
Hansen, B. E. (1996). Inference when a nuisance parameter is not identified under the null
hypothesis. *Econometrica* 64(2), 413-430.

Hansen, B. E. (2000). Sample splitting and threshold estimation. *Econometrica* 68(3), 575-603.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._validation import as_generator, check_choice, progress_bar
from intelcap.estimation._threshold_common import lr_confidence_set, lr_critical_value
from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    IntelcapWarning,
    MissingDataError,
    SpecificationError,
)

__all__ = ["ThresholdBootstrap", "ThresholdRegression", "ThresholdRegressionResults"]

_GRIDS = ("all", "trimmed")
_ETAS = ("kernel", "quadratic")
_COV_TYPES = ("robust", "unadjusted")
_REGIMES = ("lower", "upper")
_CHUNK_ELEMENTS = 300_000  # array elements per bootstrap block (cache and memory bound)


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
# numerical kernels (arrays sorted by q)
# ---------------------------------------------------------------------------------------------
def _solve_quadforms(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """c' a^{-1} c for stacks of small systems; NaN where a matrix is singular."""
    try:
        sol = np.linalg.solve(a, c[..., None])[..., 0]
        return np.einsum("...k,...k->...", c, sol)
    except np.linalg.LinAlgError:
        out = np.full(a.shape[:-2], np.nan)
        flat_a = a.reshape(-1, *a.shape[-2:])
        flat_c = c.reshape(-1, c.shape[-1])
        flat_o = out.reshape(-1)
        for i in range(flat_a.shape[0]):
            try:
                flat_o[i] = flat_c[i] @ np.linalg.solve(flat_a[i], flat_c[i])
            except np.linalg.LinAlgError:
                pass
        return out


def _regular(m: np.ndarray, scale: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """True where the (column-scaled) cross-product matrices have full rank."""
    ms = m / np.outer(scale, scale)
    ev = np.linalg.eigvalsh(ms)
    return ev[..., 0] > tol * np.maximum(ev[..., -1], np.finfo(float).tiny)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients, residuals and (X'X)^{-1} of one regression."""
    xtx_inv = np.linalg.inv(x.T @ x)
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    return b, y - x @ b, xtx_inv


def _regime_cov(x: np.ndarray, e: np.ndarray, xtx_inv: np.ndarray, robust: bool,
                s2: float) -> np.ndarray:
    if robust:
        xe = x * e[:, None]
        return xtx_inv @ (xe.T @ xe) @ xtx_inv
    return xtx_inv * s2


def _quadratic_fit(q: np.ndarray, r: np.ndarray, g: float) -> tuple[float, float, float,
                                                                   np.ndarray]:
    """Least-squares quadratic r = a + b q + c q^2: its value and slope at ``g``, ``c`` and the
    fitted values. Computed on the standardised q, so that the result does not depend on the
    location and units of q through rounding."""
    mu, sd = q.mean(), q.std()
    z, zg = (q - mu) / sd, (g - mu) / sd
    a, b, c = np.linalg.lstsq(np.column_stack([np.ones_like(z), z, z**2]), r, rcond=None)[0]
    return (float(a + b * zg + c * zg**2), float((b + 2 * c * zg) / sd), float(c / sd**2),
            a + b * z + c * z**2)


def _kernel_eta(q: np.ndarray, r1: np.ndarray, r2: np.ndarray, ghat: float) -> tuple[float,
                                                                                     float]:
    """Hansen's (2000) kernel estimates of E[r1 | q = ghat] and E[r2 | q = ghat].

    Epanechnikov kernel; the bandwidth is the plug-in rule of Hansen's program: a pilot
    bandwidth 2.344 sd(q) n^(-1/5) for the density of q and its derivative at ghat, then
    h = s^2 / (4 f (m_2 + (m_1 + 2 m_2 ghat) f'/f)^2), with m the quadratic fit of r1 on q and
    s^2 its residual variance. This is the rule that reproduces Hansen's published intervals;
    note that it is not equivariant to the units of q (rescaling q changes h by more than the
    scale), whereas the quadratic estimate is.
    """
    n = q.shape[0]
    h0 = 2.344 * np.sqrt(np.mean((q - q.mean()) ** 2)) / n ** 0.2
    u = (ghat - q) / h0
    inside = u**2 <= 1
    f = np.mean((1 - u**2) * inside) * 0.75 / h0
    df = np.mean(u * inside) * 1.5 / h0**2
    _, slope, curv, fitted = _quadratic_fit(q, r1, ghat)
    eps = r1 - fitted
    s2 = eps @ eps / (n - 3)
    h = s2 / (4 * f * (curv + slope * df / f) ** 2)
    u2 = ((ghat - q) / h) ** 2
    kh = (1 - u2) * 0.75 / h * (u2 <= 1)
    return float(np.mean(kh * r1)), float(np.mean(kh * r2))


# ---------------------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------------------
class ThresholdRegression:
    r"""Threshold (sample-splitting) regression of Hansen (2000).

    .. math::

        y_i = x_i'\beta_1 1(q_i \le \gamma) + x_i'\beta_2 1(q_i > \gamma) + e_i

    Parameters
    ----------
    dependent : Series, 1-d array or one-column DataFrame
        The dependent variable :math:`y`.
    exog : DataFrame, Series or 2-d array
        The regressors :math:`x` (every one switches regime). Without a constant column when
        ``constant=True`` (the default), which prepends one named ``const``.
    threshold : Series or 1-d array
        The threshold variable :math:`q`.
    constant : bool
        Add an intercept (Hansen's programs always do).
    missing : {"raise", "drop"}
        What to do with rows where any variable is missing: raise :class:`MissingDataError`
        naming the column and row, or drop the rows.

    Notes
    -----
    pandas inputs must share one index (they are never aligned silently). numpy inputs are named
    ``y``, ``x1``, ... and ``q``. Results are labelled pandas objects in either case.

    Examples
    --------
    Hansen (2000, Table 1): the first split of the Durlauf-Johnson countries is at 1960 GDP of
    863, with 95% confidence interval [594, 1794].

    >>> from intelcap.datasets import hansen2000
    >>> df = hansen2000.load()
    >>> x = df[["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]]
    >>> res = ThresholdRegression(df["GDPGwth"], x, df["GDP1960"]).fit(bootstrap=None)
    >>> float(res.threshold), res.threshold_ci(0.95)
    (863.0, (594.0, 1794.0))
    """

    def __init__(self, dependent: Any, exog: Any, threshold: Any, *, constant: bool = True,
                 missing: str = "raise") -> None:
        check_choice("missing", missing, ("raise", "drop"))
        self.constant = bool(constant)
        self.missing = missing
        y, ynames, yidx = self._as_frame(dependent, "dependent", "y")
        x, xnames, xidx = self._as_frame(exog, "exog", "x")
        q, qnames, qidx = self._as_frame(threshold, "threshold", "q")
        if y.shape[1] != 1:
            raise DataError(f"dependent must be one variable, got {y.shape[1]} columns")
        if q.shape[1] != 1:
            raise DataError(f"threshold must be one variable, got {q.shape[1]} columns")
        sizes = {"dependent": y.shape[0], "exog": x.shape[0], "threshold": q.shape[0]}
        if len(set(sizes.values())) != 1:
            raise DataError(f"dependent, exog and threshold differ in length: {sizes}")
        pandas_idx = [(n, i) for n, i in (("dependent", yidx), ("exog", xidx),
                                          ("threshold", qidx)) if i is not None]
        for name, idx in pandas_idx[1:]:
            if not idx.equals(pandas_idx[0][1]):
                raise DataError(
                    f"index of {name!r} differs from index of {pandas_idx[0][0]!r}; align them "
                    "explicitly (for example with .loc) before passing them")
        index = pandas_idx[0][1] if pandas_idx else pd.RangeIndex(y.shape[0])
        self.dependent_name = str(ynames[0])
        self.threshold_name = str(qnames[0])
        self._exog_names = [str(c) for c in xnames]
        if len(set(self._exog_names)) != len(self._exog_names):
            raise DataError(f"exog has duplicate column names: {self._exog_names}")
        if self.constant and "const" in self._exog_names:
            raise SpecificationError("exog already has a column named 'const'; pass "
                                     "constant=False or rename it")
        self._pandas = bool(pandas_idx)
        self._orig_dependent, self._orig_exog, self._orig_threshold = dependent, exog, threshold

        qcol = q[:, 0].astype(float)
        if np.all(np.isnan(qcol)):
            raise MissingDataError(
                f"threshold variable {self.threshold_name!r} is all missing ({qcol.size} rows)")
        data = np.column_stack([y, x, q]).astype(float)
        names = [self.dependent_name, *self._exog_names, self.threshold_name]
        if np.isinf(data).any():
            col, row = np.argwhere(np.isinf(data))[0][::-1]
            raise DataError(f"column {names[col]!r} has an infinite value at row "
                            f"{index[row]!r}")
        bad = np.isnan(data)
        if bad.any():
            if missing == "raise":
                row, col = np.argwhere(bad)[0]
                raise MissingDataError(
                    f"column {names[col]!r} has {int(bad[:, col].sum())} missing value(s), "
                    f"first at row {index[row]!r}; pass missing='drop' to drop incomplete rows")
            keep = ~bad.any(axis=1)
            data, index = data[keep], index[keep]
        self.index = index
        self._y = data[:, 0]
        xx = data[:, 1:-1]
        if self.constant:
            xx = np.column_stack([np.ones(xx.shape[0]), xx])
        self._x = xx
        self._q = data[:, -1]
        self.exog_names = (["const"] if self.constant else []) + self._exog_names
        n, k = self._x.shape
        if k == 0:
            raise SpecificationError("no regressors: pass exog or constant=True")
        if np.ptp(self._q) == 0:
            raise SpecificationError(
                f"threshold variable {self.threshold_name!r} is constant (every value is "
                f"{self._q[0]!r}); it cannot split the sample")
        if n < 2 * k + 2:
            raise SpecificationError(
                f"{n} observations are too few for a threshold regression with {k} regressors "
                f"per regime (need at least {2 * k + 2})")
        if np.linalg.matrix_rank(self._x) < k:
            raise SpecificationError(
                f"the regressors {self.exog_names} are collinear (rank "
                f"{np.linalg.matrix_rank(self._x)} < {k})")

    @staticmethod
    def _as_frame(obj: Any, what: str, prefix: str) -> tuple[np.ndarray, list, pd.Index | None]:
        if isinstance(obj, pd.DataFrame):
            arr = obj.to_numpy(dtype=float, na_value=np.nan)
            return arr, list(obj.columns), obj.index
        if isinstance(obj, pd.Series):
            name = obj.name if obj.name is not None else prefix
            return obj.to_numpy(dtype=float, na_value=np.nan)[:, None], [name], obj.index
        try:
            arr = np.asarray(obj, dtype=float)
        except (TypeError, ValueError) as err:
            raise IntelcapTypeError(f"{what} must be numeric array-like: {err}") from None
        if arr.ndim == 1:
            return arr[:, None], [prefix if prefix != "x" else "x1"], None
        if arr.ndim != 2:
            raise DataError(f"{what} must be one- or two-dimensional, got {arr.ndim} dimensions")
        names = [f"{prefix}{j + 1}" for j in range(arr.shape[1])] if prefix == "x" else [prefix]
        return arr, names, None

    @property
    def nobs(self) -> int:
        """Number of observations used (after the missing-value policy)."""
        return int(self._y.shape[0])

    def __repr__(self) -> str:
        return (f"ThresholdRegression(dependent={self.dependent_name!r}, "
                f"exog={self.exog_names}, threshold={self.threshold_name!r}, nobs={self.nobs})")

    # -- fitting -----------------------------------------------------------------------------
    def fit(
        self,
        *,
        trim: float = 0.15,
        grid: str | Any = "all",
        het: bool = True,
        eta: str = "kernel",
        cov_type: str | None = None,
        bootstrap: int | ThresholdBootstrap | None = 1000,
        boot_het: bool | None = None,
        seed: int | np.random.Generator | None = None,
        progress: bool = True,
        undersized: str = "raise",
    ) -> ThresholdRegressionResults:
        r"""Estimate the threshold, the regime coefficients and test for a threshold.

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
        cov_type : {"robust", "unadjusted"} or None
            Standard errors of the regime coefficients: White (HC0) or conventional with the
            pooled :math:`\hat\sigma^2 = S_n(\hat\gamma)/(n - 2k)`. ``None``: robust if ``het``.
        bootstrap : int, ThresholdBootstrap or None
            Replications of the fixed-regressor bootstrap (``0``/``None``: no test).
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

        Returns
        -------
        ThresholdRegressionResults
        """
        if not isinstance(het, bool):
            raise IntelcapTypeError(f"het must be True or False, got {het!r}")
        check_choice("eta", eta, _ETAS)
        check_choice("undersized", undersized, ("raise", "skip"))
        cov_type = ("robust" if het else "unadjusted") if cov_type is None else cov_type
        check_choice("cov_type", cov_type, _COV_TYPES)
        if bootstrap is None:
            bootstrap = ThresholdBootstrap(0)
        elif not isinstance(bootstrap, ThresholdBootstrap):
            bootstrap = ThresholdBootstrap(bootstrap)
        if boot_het is None:
            boot_het = het if bootstrap.het is None else bootstrap.het
        if not isinstance(trim, (int, float, np.floating)) or not 0 <= trim < 0.5:
            raise SpecificationError(f"trim must be in [0, 0.5), got {trim!r}")

        order = np.argsort(self._q, kind="stable")
        y, x, q = self._y[order], self._x[order], self._q[order]
        n, k = x.shape
        scale = np.sqrt((x**2).sum(axis=0))

        # one pass: cumulative cross-products at the end of each block of tied q values
        ends = np.flatnonzero(np.r_[q[1:] != q[:-1], True])
        n1_all = ends + 1
        test_ok = (n1_all >= np.floor(n * trim)) & (n1_all <= np.floor(n * (1 - trim)))
        test_ends = ends[test_ok]
        if test_ends.size == 0:
            raise SpecificationError(
                f"trim={trim} leaves no candidate threshold in {self.threshold_name!r} "
                f"({ends.size} distinct values, n={n}); lower trim")
        small = min(test_ends[0] + 1, n - test_ends[-1] - 1)
        if small < k:
            if undersized == "raise":
                raise SpecificationError(
                    f"trim={trim} leaves a regime with {small} observation(s) split on "
                    f"{self.threshold_name!r}, fewer than the {k} regressors; raise trim "
                    f"(n={n}) or pass undersized='skip' to leave out such splits as "
                    "Hansen's programs do")
            test_ends = test_ends[(test_ends + 1 >= k) & (n - test_ends - 1 >= k)]
            if test_ends.size == 0:
                raise SpecificationError(
                    f"no candidate split on {self.threshold_name!r} leaves {k} observations "
                    f"in each regime (n={n})")

        if isinstance(grid, str):
            check_choice("grid", grid, _GRIDS)
            if grid == "all":
                est_ends = ends[(n1_all >= k + 2) & (n - n1_all >= k + 2)]
                grid_label = "all distinct values (>= k+2 obs per regime)"
            else:
                est_ends = test_ends
                grid_label = f"trimmed ({trim:g} each end)"
            if est_ends.size == 0:
                raise SpecificationError(
                    f"no candidate threshold in {self.threshold_name!r} leaves {k + 2} "
                    f"observations in each regime (n={n}, {ends.size} distinct values)")
        else:
            cand = np.unique(np.asarray(grid, dtype=float).ravel())
            if cand.size == 0 or not np.isfinite(cand).all():
                raise SpecificationError("grid must hold finite candidate thresholds")
            n1c = np.searchsorted(q, cand, side="right")
            bad = (n1c < k) | (n - n1c < k)
            if bad.any():
                g = cand[np.argmax(bad)]
                m = int(n1c[np.argmax(bad)])
                raise SpecificationError(
                    f"grid value {g!r} leaves regimes of {m} and {n - m} observations; each "
                    f"needs at least the {k} regressors")
            est_ends = np.unique(n1c - 1)
            grid_label = f"user grid ({cand.size} values)"

        xtx_inv = np.linalg.inv(x.T @ x)
        b0 = np.linalg.lstsq(x, y, rcond=None)[0]
        e0 = y - x @ b0
        # degenerate: the linear model already fits y to rounding (constant y, or y a linear
        # combination of the regressors); every LR would be a ratio of rounding errors
        if np.sqrt(e0 @ e0) <= 1e-12 * np.sqrt(n) * max(np.abs(y).max(), np.finfo(float).tiny):
            raise DataError(
                f"dependent {self.dependent_name!r} is fitted exactly by the regressors "
                f"{self.exog_names} (constant, or a linear combination of them): the residual "
                "sum of squares is zero to rounding, so there is no threshold to estimate or "
                "test")
        s0 = float(e0 @ e0)
        xx = x[:, :, None] * x[:, None, :]
        m_cum = np.cumsum(xx, axis=0)
        c_cum = np.cumsum(x * e0[:, None], axis=0)

        # SSR profile S(g) = S0 - C' (M - M Mi M)^{-1} C at the estimation candidates
        m1 = m_cum[est_ends]
        valid = _regular(m1, scale) & _regular(m_cum[-1] - m1, scale)
        a = m1 - m1 @ xtx_inv @ m1
        ssr_prof = np.full(est_ends.size, np.nan)
        ssr_prof[valid] = s0 - _solve_quadforms(a[valid], c_cum[est_ends][valid])
        if not np.isfinite(ssr_prof).any():
            raise SpecificationError(
                f"every candidate split on {self.threshold_name!r} leaves a regime whose "
                "regressors are collinear")
        gamma = q[est_ends]
        r = int(np.nanargmin(ssr_prof))
        ghat = float(gamma[r])

        # regime fits at the estimate
        lower = q <= ghat
        b1, e1, mi1 = _ols(x[lower], y[lower])
        b2, e2, mi2 = _ols(x[~lower], y[~lower])
        ssr1, ssr2 = float(e1 @ e1), float(e2 @ e2)
        ssr = ssr1 + ssr2
        s2_pool = ssr / (n - 2 * k)
        robust = cov_type == "robust"
        cov = np.zeros((2 * k, 2 * k))
        cov[:k, :k] = _regime_cov(x[lower], e1, mi1, robust, s2_pool)
        cov[k:, k:] = _regime_cov(x[~lower], e2, mi2, robust, s2_pool)
        e_sorted = np.where(lower, y - x @ b1, y - x @ b2)

        # heteroskedasticity correction eta^2 (Hansen 2000, sec. 3.4)
        sig2 = ssr / n
        r1 = (x @ (b1 - b2)) ** 2
        r2 = r1 * e_sorted**2
        eta_used = eta
        g1, g2 = _quadratic_fit(q, r1, ghat)[0], _quadratic_fit(q, r2, ghat)[0]
        if eta == "kernel":
            with np.errstate(all="ignore"):
                kg1, kg2 = _kernel_eta(q, r1, r2, ghat)
            if np.isfinite(kg1) and np.isfinite(kg2) and kg1 > 0 and kg2 > 0:
                g1, g2 = kg1, kg2
            else:
                eta_used = "quadratic"
                warnings.warn("the kernel estimate of eta^2 failed (no observation within the "
                              "plug-in bandwidth); the quadratic estimate is used instead",
                              IntelcapWarning, stacklevel=2)
        if not (g1 > 0 and g2 > 0 and np.isfinite(g2 / g1)):
            eta_used = "none"
            warnings.warn("eta^2 could not be estimated (non-positive conditional moments); "
                          "the heteroskedasticity-corrected LR equals the homoskedastic one",
                          IntelcapWarning, stacklevel=2)
            eta2 = 1.0
        else:
            eta2 = (g2 / g1) / sig2

        # test of no threshold
        test = _threshold_test(
            x, e0, xtx_inv, xx, m_cum, test_ends, q, bootstrap.reps, boot_het, seed,
            progress, self.threshold_name, trim)

        # back to the caller's order
        inv = np.empty(n, dtype=int)
        inv[order] = np.arange(n)
        resid = e_sorted[inv]
        lower_orig = lower[inv]

        names = ([f"{c}[{self.threshold_name}<=g]" for c in self.exog_names]
                 + [f"{c}[{self.threshold_name}>g]" for c in self.exog_names])
        params = pd.Series(np.r_[b1, b2], index=names, name="parameter")
        return ThresholdRegressionResults(
            params=params,
            cov=cov,
            nobs=n,
            df_resid=n - 2 * k,
            resids=pd.Series(resid, index=self.index, name="residual"),
            fitted_values=pd.Series(self._y - resid, index=self.index, name="fitted_values"),
            ssr=ssr,
            model_name="Threshold Regression",
            dependent=self.dependent_name,
            cov_type=cov_type,
            distribution="normal",
            model=self,
            threshold=ghat,
            gamma=gamma,
            ssr_profile=ssr_prof,
            ssr_linear=s0,
            regime_ssr=(ssr1, ssr2),
            regime_nobs=(int(lower.sum()), int((~lower).sum())),
            lower_mask=pd.Series(lower_orig, index=self.index, name="lower"),
            eta2=float(eta2),
            eta=eta_used,
            het=het,
            test=test,
            trim=float(trim),
            grid=grid_label,
            sorted_data=(x, y, q, est_ends, m_cum),
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
# the test of no threshold (fixed-regressor bootstrap, Hansen 1996)
# ---------------------------------------------------------------------------------------------
def _sup_stats(e: np.ndarray, x: np.ndarray, xtx_inv: np.ndarray, xx: np.ndarray,
               m1: np.ndarray, ainv: np.ndarray | None, ends: np.ndarray,
               het: bool) -> tuple[np.ndarray, np.ndarray]:
    """Sup statistics over the candidates for a block of residual vectors ``e`` (B x n).

    Homoskedastic: F(g) = n s(g) / (e'e - s(g)), s(g) = C' A^{-1} C, A = M - M Mi M.
    Robust: LM(g) = C' V(g)^{-1} C with V = W - R W - W R' + R W_n R', R = M Mi,
    W(g) = sum_{q_i<=g} x_i x_i' e_i^2 (Hansen's thr_test_het).
    Returns the sup statistic (B,) and, for the first row, the whole sequence.
    """
    n = x.shape[0]
    c = np.cumsum(e[:, :, None] * x[None], axis=1)[:, ends]  # B x G x k
    if not het:
        cg = np.ascontiguousarray(np.swapaxes(c, 0, 1))  # G x B x k: one product per g
        s = (np.matmul(cg, ainv) * cg).sum(axis=-1).T
        ee = np.einsum("bi,bi->b", e, e)
        stat = n * s / (ee[:, None] - s)
    else:
        k = x.shape[1]
        iu = np.triu_indices(k)
        full = np.zeros((k, k), dtype=int)
        full[iu] = np.arange(iu[0].size)
        full = np.maximum(full, full.T).ravel()  # position of (i, j) among the unique pairs
        wu = (e**2)[:, :, None] * xx.reshape(n, k * k)[:, iu[0] * k + iu[1]][None]
        np.cumsum(wu, axis=1, out=wu)
        w = wu[:, ends][..., full].reshape(*c.shape, k)  # B x G x k x k
        wn = wu[:, -1][:, full].reshape(-1, 1, k, k)
        rmat = m1 @ xtx_inv  # G x k x k
        rw = np.matmul(rmat[None], w)
        v = w - rw
        v -= np.swapaxes(rw, -1, -2)
        v += np.matmul(np.matmul(rmat[None], wn), np.swapaxes(rmat, -1, -2)[None])
        stat = _solve_quadforms(v, c)
    stat = np.where(np.isfinite(stat), stat, 0.0)  # singular candidates count as 0 (Hansen)
    return stat.max(axis=1), stat[0]


def _threshold_test(x, e0, xtx_inv, xx, m_cum, ends, q, reps, het, seed, progress, qname,
                    trim) -> TestStatistic:
    n, k = x.shape
    m1 = m_cum[ends]
    ainv = None
    if not het:
        a = m1 - m1 @ xtx_inv @ m1
        ainv = np.full_like(a, np.nan)
        ok = _regular(m1, np.sqrt(np.diag(m_cum[-1]))) & _regular(
            m_cum[-1] - m1, np.sqrt(np.diag(m_cum[-1])))
        ainv[ok] = np.linalg.inv(a[ok])
    stat, seq = _sup_stats(e0[None], x, xtx_inv, xx, m1, ainv, ends, het)
    stat = float(stat[0])
    name = "sup-LM (robust)" if het else "sup-F"
    null = "no threshold (linear model)"
    if reps == 0:
        return InvalidTestStatistic(
            f"{name} = {stat:.4f}: no p-value because bootstrap=0", name=name, null=null)
    rng = as_generator(seed)
    per = n * k * k if het else n * k
    chunk = int(max(1, min(reps, _CHUNK_ELEMENTS // per)))
    boot = np.empty(reps)
    done = 0
    bar = progress_bar(total=reps, desc="threshold bootstrap", progress=progress)
    try:
        p_mat = x @ xtx_inv
        while done < reps:
            b = min(chunk, reps - done)
            u = rng.standard_normal((b, n))
            ystar = u * e0[None] if het else u
            estar = ystar - (ystar @ x) @ p_mat.T
            boot[done:done + b] = _sup_stats(estar, x, xtx_inv, xx, m1, ainv, ends, het)[0]
            done += b
            bar.update(b)
    finally:
        bar.close()
    pval = float(np.mean(boot >= stat))
    crit = {lvl: float(np.quantile(boot, 1 - lvl)) for lvl in (0.10, 0.05, 0.01)}
    ts = TestStatistic(
        stat, pval, null=null, dist_name="fixed-regressor bootstrap (Hansen 1996)",
        critical_values=crit, replications=boot, seed=seed, name=name)
    ts.sequence = pd.Series(seq, index=pd.Index(q[ends], name=qname), name=name)
    ts.threshold = float(q[ends][int(np.argmax(seq))])
    ts.trim = trim
    return ts


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------
class ThresholdRegressionResults(Results):
    """Results of :meth:`ThresholdRegression.fit` (immutable).

    Besides the common vocabulary (``params``, ``std_errors``, ``cov``, ``conf_int``, ``ssr``,
    ``resids``, ...) it carries the threshold estimate, its LR profile and confidence sets,
    the test of no threshold and Hansen's slope confidence intervals.
    """

    def __init__(self, params: pd.Series, cov: np.ndarray, *, model: ThresholdRegression,
                 threshold: float, gamma: np.ndarray, ssr_profile: np.ndarray,
                 ssr_linear: float, regime_ssr: tuple[float, float],
                 regime_nobs: tuple[int, int], lower_mask: pd.Series, eta2: float, eta: str,
                 het: bool, test: TestStatistic, trim: float, grid: str,
                 sorted_data: tuple, **kwargs: Any) -> None:
        super().__init__(params, cov, **kwargs)
        self.model = model
        self._threshold = threshold
        self._gamma = gamma
        self._ssr_profile = ssr_profile
        self._ssr_linear = ssr_linear
        self._regime_ssr = regime_ssr
        self._regime_nobs = regime_nobs
        self._lower = lower_mask
        self._eta2 = eta2
        self.eta_method = eta
        self.het = het
        self._test = test
        self.trim = trim
        self.grid = grid
        self._sorted = sorted_data

    # -- threshold -----------------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        """Least-squares estimate :math:`\\hat\\gamma` (a value of the threshold variable)."""
        return self._threshold

    @property
    def threshold_name(self) -> str:
        """Name of the threshold variable :math:`q`."""
        return self.model.threshold_name

    @property
    def eta2(self) -> float:
        """Heteroskedasticity scale :math:`\\hat\\eta^2` (Hansen 2000, eq. 21)."""
        return self._eta2

    def lr_profile(self, het: bool | None = None) -> pd.Series:
        """:math:`LR_n(\\gamma)` over the candidate thresholds (divided by eta^2 if ``het``)."""
        het = self.het if het is None else het
        smin = np.nanmin(self._ssr_profile)
        lr = self.nobs * (self._ssr_profile - smin) / smin
        if het:
            lr = lr / self._eta2
        return pd.Series(lr, index=pd.Index(self._gamma, name=self.threshold_name),
                         name="LR")

    @cached_property
    def lr(self) -> pd.Series:
        """The LR profile used for the confidence set (heteroskedasticity-corrected if het)."""
        return self.lr_profile()

    @property
    def ssr_profile(self) -> pd.Series:
        """:math:`S_n(\\gamma)` over the candidate thresholds."""
        return pd.Series(self._ssr_profile,
                         index=pd.Index(self._gamma, name=self.threshold_name), name="SSR")

    def threshold_ci(self, level: float = 0.95, het: bool | None = None) -> tuple[float, float]:
        """Confidence interval for the threshold by inverting the LR (Hansen 2000, sec. 3.3-3.4).

        Returned as ``(lower, upper)``: the smallest and largest candidate with
        :math:`LR_n(\\gamma) \\le c(a)`, as Hansen's programs report it.
        """
        lr = self.lr_profile(het)
        ok = np.isfinite(lr.to_numpy())
        return lr_confidence_set(lr.index.to_numpy()[ok], lr.to_numpy()[ok], level)

    # -- regimes -------------------------------------------------------------------------------
    @property
    def test(self) -> TestStatistic:
        """Test of no threshold (bootstrap p-value, 10/5/1 % critical values, replications)."""
        return self._test

    @property
    def ssr_linear(self) -> float:
        """SSR of the regression without threshold, :math:`S_0`."""
        return self._ssr_linear

    @property
    def regime_ssr(self) -> pd.Series:
        """SSR of each regime."""
        return pd.Series(self._regime_ssr, index=list(_REGIMES), name="ssr")

    @property
    def regime_nobs(self) -> pd.Series:
        """Observations in each regime."""
        return pd.Series(self._regime_nobs, index=list(_REGIMES), name="nobs")

    @property
    def regimes(self) -> pd.Series:
        """Regime of each observation (``"lower"``: q <= threshold), on the caller's index."""
        return pd.Series(np.where(self._lower.to_numpy(), "lower", "upper"),
                         index=self._lower.index, name="regime")

    def regime_params(self, regime: str) -> pd.Series:
        """Coefficients of one regime, indexed by the regressor names."""
        check_choice("regime", regime, _REGIMES)
        k = len(self.model.exog_names)
        p = self.params.iloc[:k] if regime == "lower" else self.params.iloc[k:]
        return pd.Series(p.to_numpy(), index=self.model.exog_names, name=regime)

    def regime_std_errors(self, regime: str) -> pd.Series:
        """Standard errors of one regime's coefficients (``cov_type`` of the fit)."""
        check_choice("regime", regime, _REGIMES)
        k = len(self.model.exog_names)
        s = self.std_errors.iloc[:k] if regime == "lower" else self.std_errors.iloc[k:]
        return pd.Series(s.to_numpy(), index=self.model.exog_names, name=regime)

    def split(self, regime: str, threshold: Any = None) -> ThresholdRegression:
        """Model of one regime's subsample, to split it again (Hansen 2000, sec. 5).

        Parameters
        ----------
        regime : {"lower", "upper"}
            ``"lower"``: observations with q <= threshold.
        threshold : Series or array, optional
            Threshold variable of the new split (a Series on the original data's index, or an
            array of length ``nobs``); default the current one.

        Examples
        --------
        Hansen (2000): the high-income countries split again at a literacy rate of 45%.

        >>> from intelcap.datasets import hansen2000
        >>> df = hansen2000.load()
        >>> x = df[["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]]
        >>> first = ThresholdRegression(df["GDPGwth"], x, df["GDP1960"]).fit(bootstrap=None)
        >>> second = first.split("upper", df["Literacy"]).fit(bootstrap=None)
        >>> float(second.threshold)
        45.0
        """
        check_choice("regime", regime, _REGIMES)
        mask = self._lower.to_numpy()
        return self.model.subsample(mask if regime == "lower" else ~mask, threshold)

    # -- slope confidence intervals (Hansen 2000, sec. 3.5) -------------------------------------
    def slope_conf_int(self, level: float = 0.95, first_step: float = 0.8,
                       critical: float | None = None) -> pd.DataFrame:
        r"""Confidence intervals for the regime coefficients that allow for the threshold's
        uncertainty (Hansen 2000, sec. 3.5, Theorem 4).

        The interval is the union over :math:`\gamma \in \hat\Gamma(\rho)` (the LR confidence
        set at ``first_step`` = :math:`\rho`, Hansen uses 0.8) of the conventional intervals
        :math:`\hat\beta(\gamma) \pm z\,s(\hat\beta(\gamma))`, joined with the interval at
        :math:`\hat\gamma`. Standard errors follow the fit's ``cov_type`` (regime-wise
        :math:`\hat\sigma^2_j = S_j/(n_j-k)` for ``"unadjusted"`` away from :math:`\hat\gamma`,
        as in Hansen's program). The regressions at every :math:`\gamma` are solved from the
        cumulative cross-products together, not refitted one by one.

        Parameters
        ----------
        level : float
            Confidence level of the second step.
        first_step : float
            Level of the first-step confidence set for the threshold.
        critical : float, optional
            The normal critical value; default :math:`\Phi^{-1}((1+a)/2)`. Hansen's program
            rounds it up to two decimals (1.65, 1.96, 2.58); pass that to reproduce his tables.
        """
        if not 0 < level < 1 or not 0 < first_step < 1:
            raise SpecificationError("level and first_step must lie in (0, 1)")
        z = float(stats.norm.ppf(0.5 + level / 2)) if critical is None else float(critical)
        params, se = self.params.to_numpy(), self.std_errors.to_numpy()
        lo, hi = params - z * se, params + z * se
        x, y, q, ends, m_cum = self._sorted
        n, k = x.shape
        lr = self.lr.to_numpy()
        sel = np.flatnonzero(np.isfinite(lr) & (lr < lr_critical_value(first_step)))
        robust = self.cov_type == "robust"
        for lower in (True, False):
            e_idx = ends[sel]
            m = m_cum[e_idx] if lower else m_cum[-1] - m_cum[e_idx]
            xy_cum = np.cumsum(x * y[:, None], axis=0)
            v = xy_cum[e_idx] if lower else xy_cum[-1] - xy_cum[e_idx]
            scale = np.sqrt(np.diag(m_cum[-1]))
            ok = _regular(m, scale)
            if not ok.any():
                continue
            m, v, e_idx = m[ok], v[ok], e_idx[ok]
            minv = np.linalg.inv(m)
            b = np.einsum("gkl,gl->gk", minv, v)
            inreg = (np.arange(n)[None, :] <= e_idx[:, None])
            if not lower:
                inreg = ~inreg
            e = (y[None, :] - b @ x.T) * inreg
            if robust:
                meat = np.einsum("gi,ik,il->gkl", e**2, x, x)
                cov = minv @ meat @ minv
            else:
                nj = inreg.sum(axis=1)
                cov = minv * ((e**2).sum(axis=1) / (nj - k))[:, None, None]
            s = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0, None))
            cols = slice(0, k) if lower else slice(k, 2 * k)
            lo[cols] = np.minimum(lo[cols], (b - z * s).min(axis=0))
            hi[cols] = np.maximum(hi[cols], (b + z * s).max(axis=0))
        return pd.DataFrame({"lower": lo, "upper": hi}, index=self.params.index)

    # -- presentation ----------------------------------------------------------------------------
    def plot(self, level: float = 0.95, het: bool | None = None, ax: Any = None):
        """Plot :math:`LR_n(\\gamma)` with the critical value :math:`c(a)` (Hansen 2000, Fig. 1).

        Returns the matplotlib ``(figure, axes)``.
        """
        from intelcap._optional import import_optional

        plt = import_optional("matplotlib.pyplot", "plot", "plot()")

        lr = self.lr_profile(het)
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 3.5))
        else:
            fig = ax.figure
        ax.plot(lr.index.to_numpy(), lr.to_numpy(), color="C0", label=r"$LR_n(\gamma)$")
        cv = lr_critical_value(level)
        ax.axhline(cv, color="C3", linestyle="--", label=f"{level:.0%} critical value")
        ax.set_xlabel(f"threshold variable: {self.threshold_name}")
        ax.set_ylabel("likelihood ratio")
        used = self.het if het is None else het
        ax.set_title("Confidence interval construction for the threshold"
                     + (" (heteroskedasticity-corrected)" if used else ""))
        ax.legend(loc="best")
        return fig, ax

    def _summary_header(self) -> list[tuple[str, object]]:
        lo, hi = self.threshold_ci(0.95)
        return [
            ("Dep. variable", self.dependent),
            ("Threshold variable", self.threshold_name),
            ("Threshold estimate", self.threshold),
            ("95% CI (" + ("het.-corrected" if self.het else "homoskedastic") + ")",
             f"[{lo:g}, {hi:g}]"),
            ("No. observations", self.nobs),
            ("Obs. lower / upper", f"{self._regime_nobs[0]} / {self._regime_nobs[1]}"),
            ("SSR", self.ssr),
            ("SSR lower / upper", f"{self._regime_ssr[0]:.6g} / {self._regime_ssr[1]:.6g}"),
            ("SSR without threshold", self.ssr_linear),
            ("Covariance", self.cov_type),
            ("Test of no threshold", self.test.name or "-"),
            ("Statistic", self.test.stat),
            ("Bootstrap p-value", self.test.pval),
        ]

    def _summary_notes(self) -> list[str]:
        notes = [f"Grid: {self.grid}; test trimming {self.trim:g}.",
                 f"eta^2 = {self.eta2:.4f} ({self.eta_method})."]
        if self.test.valid and self.test.reps:
            notes.append(f"Bootstrap: {self.test.reps} replications, seed {self.test.seed!r}.")
        elif not self.test.valid:
            notes.append(getattr(self.test, "reason", ""))
        return notes
