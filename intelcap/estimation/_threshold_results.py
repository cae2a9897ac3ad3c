"""Results of the cross-section threshold regression (:class:`ThresholdRegressionResults`)."""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._validation import check_choice
from intelcap.estimation._threshold_common import lr_confidence_set, lr_critical_value
from intelcap.estimation._threshold_design import _regular
from intelcap.estimation._threshold_inference import ThresholdTest
from intelcap.estimation.results import Results
from intelcap.exceptions import CovarianceWarning, IntelcapTypeError, SpecificationError

if TYPE_CHECKING:
    from intelcap.estimation.threshold import ThresholdRegression

__all__ = ["ThresholdRegressionResults"]

_REGIMES = ("lower", "upper")


class ThresholdRegressionResults(Results):
    """Results of :meth:`ThresholdRegression.fit` (immutable: attributes cannot be set).

    Besides the common vocabulary (``params``, ``std_errors``, ``cov``, ``conf_int``, ``ssr``,
    ``resids``, ...) it carries the threshold estimate, its LR profile and confidence sets,
    the test of no threshold and Hansen's slope confidence intervals.
    """

    def __init__(self, params: pd.Series, cov: np.ndarray, *, model: ThresholdRegression,
                 threshold: float, gamma: np.ndarray, ssr_profile: np.ndarray,
                 ssr_linear: float, regime_ssr: tuple[float, float],
                 regime_nobs: tuple[int, int], lower_mask: pd.Series, eta2: float, eta: str,
                 het: bool, test: ThresholdTest, trim: float, grid: str,
                 cov_description: str, sorted_data: tuple, **kwargs: Any) -> None:
        super().__init__(params, cov, cov_description=cov_description, **kwargs)
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

    def threshold_ci(self, level: float = 0.95, het: bool | None = None) -> pd.DataFrame:
        """Confidence interval for the threshold by inverting the LR (Hansen 2000, sec. 3.3-3.4).

        Returns a DataFrame with one row, ``gamma1``, and columns ``threshold`` (the estimate),
        ``lower`` and ``upper`` (the layout of :meth:`PanelThresholdResults.threshold_ci`):
        the smallest and largest candidate with :math:`LR_n(\\gamma) \\le c(a)`, as Hansen's
        programs report it.
        """
        lr = self.lr_profile(het)
        ok = np.isfinite(lr.to_numpy())
        lo, hi = lr_confidence_set(lr.index.to_numpy()[ok], lr.to_numpy()[ok], level)
        return pd.DataFrame({"threshold": [self._threshold], "lower": [lo], "upper": [hi]},
                            index=["gamma1"])

    # -- regimes -------------------------------------------------------------------------------
    @property
    def test(self) -> ThresholdTest:
        """Test of no threshold (bootstrap p-value, 10/5/1 % critical values, replications)."""
        return self._test

    @property
    def ssr_linear(self) -> float:
        """SSR of the model without threshold (the null of the test), :math:`S_0`."""
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

    def _regime_slice(self, regime: str) -> tuple[list[str], np.ndarray]:
        check_choice("regime", regime, _REGIMES)
        d = self.model.design
        cols = d.lower if regime == "lower" else d.upper
        start = 0 if regime == "lower" else len(d.lower)
        return [d.names[j] for j in cols], np.arange(start, start + len(cols))

    def regime_params(self, regime: str) -> pd.Series:
        """Regime-specific coefficients of one regime, indexed by the regressor names."""
        names, pos = self._regime_slice(regime)
        return pd.Series(self.params.to_numpy()[pos], index=names, name=regime)

    def regime_std_errors(self, regime: str) -> pd.Series:
        """Standard errors of one regime's coefficients (``cov_type`` of the fit)."""
        names, pos = self._regime_slice(regime)
        return pd.Series(self.std_errors.to_numpy()[pos], index=names, name=regime)

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
        >>> from intelcap.estimation import ThresholdRegression
        >>> df = hansen2000.load()
        >>> x = df[["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]]
        >>> first = ThresholdRegression(df["GDPGwth"], x, df["GDP1960"]).fit(bootstrap=0)
        >>> second = first.split("upper", df["Literacy"]).fit(bootstrap=0)
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
        cumulative cross-products together, not refitted one by one. Defined for Hansen's
        model (every regressor switches) with ``cov_type`` ``"robust"``, ``"HC0"`` or
        ``"unadjusted"``.

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
        if not self.model.design.standard:
            raise SpecificationError(
                "slope_conf_int is Hansen's (2000, sec. 3.5) interval for the model where every "
                "regressor switches regime; this model has nonswitching or regime-specific "
                "regressors")
        if self.cov_type not in ("robust", "HC0", "unadjusted"):
            raise SpecificationError(
                f"slope_conf_int uses Hansen's HC0 or conventional standard errors; the fit "
                f"used cov_type={self.cov_type!r}")
        z = float(stats.norm.ppf(0.5 + level / 2)) if critical is None else float(critical)
        params, se = self.params.to_numpy(), self.std_errors.to_numpy()
        lo, hi = params - z * se, params + z * se
        x, y, q, ends, m_cum = self._sorted
        n, k = x.shape
        lr = self.lr.to_numpy()
        sel = np.flatnonzero(np.isfinite(lr) & (lr < lr_critical_value(first_step)))
        robust = self.cov_type != "unadjusted"
        xy_cum = np.cumsum(x * y[:, None], axis=0)
        scale = np.sqrt(np.diag(m_cum[-1]))
        for lower in (True, False):
            e_idx = ends[sel]
            m = m_cum[e_idx] if lower else m_cum[-1] - m_cum[e_idx]
            v = xy_cum[e_idx] if lower else xy_cum[-1] - xy_cum[e_idx]
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
            d = np.diagonal(cov, axis1=-2, axis2=-1)
            bad = ~np.all(np.isfinite(d) & (d >= 0), axis=1)
            if bad.any():  # never a standard error of 0: such candidates leave the union
                warnings.warn(
                    f"slope_conf_int: at {int(bad.sum())} candidate threshold(s) of the "
                    f"first-step set the {'lower' if lower else 'upper'} regime's covariance has "
                    "a negative or undefined variance (too few observations for its "
                    f"{k} regressors); those candidates are left out of the interval",
                    CovarianceWarning, stacklevel=2)
                b, d = b[~bad], d[~bad]
                if not b.shape[0]:
                    continue
            s = np.sqrt(d)
            cols = slice(0, k) if lower else slice(k, 2 * k)
            lo[cols] = np.minimum(lo[cols], (b - z * s).min(axis=0))
            hi[cols] = np.maximum(hi[cols], (b + z * s).max(axis=0))
        return pd.DataFrame({"lower": lo, "upper": hi}, index=self.params.index)

    # -- presentation ----------------------------------------------------------------------------
    def plot(self, level: float = 0.95, het: bool | None = None, ax: Any = None):
        """Plot :math:`LR_n(\\gamma)` with the critical value :math:`c(a)` (Hansen 2000, Fig. 1).

        Returns the matplotlib ``Axes`` (drawn on ``ax`` when given).
        """
        from intelcap._optional import import_optional

        plt = import_optional("matplotlib.pyplot", "plot", "plot()")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        elif not hasattr(ax, "plot"):
            raise IntelcapTypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        lr = self.lr_profile(het)
        ax.plot(lr.index.to_numpy(), lr.to_numpy(), color="C0", label=r"$LR_n(\gamma)$")
        cv = lr_critical_value(level)
        ax.axhline(cv, color="C3", linestyle="--", label=f"{level:.0%} critical value")
        ax.set_xlabel(f"threshold variable: {self.threshold_name}")
        ax.set_ylabel("likelihood ratio")
        used = self.het if het is None else het
        ax.set_title("Confidence interval construction for the threshold"
                     + (" (heteroskedasticity-corrected)" if used else ""))
        ax.legend(loc="best")
        return ax

    def _summary_header(self) -> list[tuple[str, object]]:
        ci = self.threshold_ci(0.95).iloc[0]
        return [
            ("Dep. variable", self.dependent),
            ("Threshold variable", self.threshold_name),
            ("Threshold estimate", self.threshold),
            ("95% CI (" + ("het.-corrected" if self.het else "homoskedastic") + ")",
             f"[{ci['lower']:g}, {ci['upper']:g}]"),
            ("No. observations", self.nobs),
            ("Obs. lower / upper", f"{self._regime_nobs[0]} / {self._regime_nobs[1]}"),
            ("SSR", self.ssr),
            ("SSR lower / upper", f"{self._regime_ssr[0]:.6g} / {self._regime_ssr[1]:.6g}"),
            ("SSR without threshold", self.ssr_linear),
            ("Covariance", self.cov_description),
            ("Test of no threshold", self.test.name or "-"),
            ("Statistic", self.test.stat),
            ("Bootstrap p-value", self.test.pval),
        ]

    def _summary_notes(self) -> list[str]:
        notes = [f"Grid: {self.grid}; test trimming {self.trim:g}.",
                 f"eta^2 = {self.eta2:.4f} ({self.eta_method})."]
        if self.test.reps:
            notes.append(f"Bootstrap: {self.test.reps} replications, seed {self.test.seed!r}.")
        else:
            notes.append("No bootstrap (bootstrap=0): the statistic has no p-value.")
        return notes
