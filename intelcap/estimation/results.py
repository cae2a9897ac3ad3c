"""The one results vocabulary of every intelcap estimator.

:class:`Results` is the base class: estimators compute arrays, then hand labelled pandas objects
to it. Its names are linearmodels' (``params``, ``std_errors``, ``tstats``, ``pvalues``, ``cov``,
``conf_int``, ``nobs``, ``df_resid``, ``resids``, ``fitted_values``, ``ssr``), so code that
reads linearmodels results reads ours. :class:`TestStatistic` carries a test's statistic,
p-value, degrees of freedom, null hypothesis, distribution name, critical values and, for a
bootstrap, the replications and the seed; :class:`InvalidTestStatistic` says why a test could
not be computed instead of returning a bare NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._summary import Summary, SummaryMixin, _fmt
from intelcap._validation import check_choice
from intelcap.exceptions import IntelcapValueError

__all__ = ["InvalidTestStatistic", "Results", "TestStatistic", "compare"]


class TestStatistic:
    """A test statistic with its distribution, p-value and critical values.

    Parameters
    ----------
    stat : float
        The statistic.
    pval : float
        Its p-value (asymptotic or bootstrap).
    null : str
        The null hypothesis, in words.
    dist_name : str
        Name of the reference distribution (``"chi2(2)"``, ``"bootstrap"``, ...).
    df : float or tuple, optional
        Degrees of freedom.
    critical_values : mapping, optional
        Critical values keyed by significance level, e.g. ``{0.10: ..., 0.05: ..., 0.01: ...}``.
    replications : ndarray, optional
        Bootstrap replications of the statistic.
    seed : int or Generator, optional
        The seed the bootstrap was run with.
    name : str, optional
        A short name used in summaries.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        stat: float,
        pval: float,
        *,
        null: str,
        dist_name: str,
        df: float | tuple[float, ...] | None = None,
        critical_values: Mapping[float, float] | None = None,
        replications: np.ndarray | None = None,
        seed: Any = None,
        name: str = "",
    ) -> None:
        self.stat = float(stat)
        self.pval = float(pval)
        self.null = null
        self.dist_name = dist_name
        self.df = df
        self.critical_values = dict(critical_values) if critical_values is not None else {}
        self.replications = replications
        self.seed = seed
        self.name = name

    @property
    def reps(self) -> int | None:
        """Number of bootstrap replications, if the p-value is a bootstrap one."""
        return None if self.replications is None else int(np.size(self.replications))

    @property
    def valid(self) -> bool:
        """Whether the test could be computed (``False`` for :class:`InvalidTestStatistic`)."""
        return True

    def __str__(self) -> str:
        lines = [
            f"{self.name or 'Test'}",
            f"H0: {self.null}",
            f"Statistic: {self.stat:.4f}",
            f"P-value: {self.pval:.4f}",
            f"Distributed: {self.dist_name}",
        ]
        if self.reps is not None:
            lines.append(f"Bootstrap replications: {self.reps} (seed {self.seed!r})")
        for level, cv in sorted(self.critical_values.items(), reverse=True):
            lines.append(f"Critical value ({level:.0%}): {cv:.4f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name or ''} stat={self.stat:.4f} pval={self.pval:.4f} "
            f"dist={self.dist_name}>"
        )


class InvalidTestStatistic(TestStatistic):
    """A test that could not be computed; ``reason`` says why. ``stat`` and ``pval`` are NaN."""

    def __init__(self, reason: str, *, name: str = "", null: str = "") -> None:
        super().__init__(np.nan, np.nan, null=null, dist_name="invalid", name=name)
        self.reason = reason

    @property
    def valid(self) -> bool:
        """Always ``False``: the test could not be computed (see ``reason``)."""
        return False

    def __str__(self) -> str:
        return f"{self.name or 'Test'}: invalid test statistic\n{self.reason}"

    def __repr__(self) -> str:
        return f"<InvalidTestStatistic {self.name}: {self.reason}>"


def _count(value: float) -> float | int:
    """A degrees-of-freedom or count that is a whole number, as an int (prints as ``86``)."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return int(value)
    return value


class Results(SummaryMixin):
    """Base class of every estimator's results.

    Subclasses pass labelled arrays to ``__init__`` and may override :meth:`_summary_header`,
    :meth:`_summary_tables` and :meth:`plot`. Results are immutable once built; expensive members
    are :func:`functools.cached_property`.

    Parameters
    ----------
    params : Series
        Estimated parameters, indexed by name.
    cov : DataFrame or None
        Parameter covariance, indexed and columned by the parameter names. ``None`` where no
        covariance exists (standard errors are then NaN).
    nobs : int
        Number of observations used.
    df_resid : int or float
        Residual degrees of freedom.
    resids, fitted_values : Series, optional
        Residuals and fitted values, on the caller's index.
    model_name : str
        Name shown in the summary title.
    dependent : str
        Name of the dependent variable.
    cov_type : str
        Name of the covariance estimator.
    distribution : {"t", "normal"}
        Reference distribution for p-values and confidence intervals. ``"t"`` uses ``df_resid``.
    """

    def __init__(
        self,
        params: pd.Series,
        cov: pd.DataFrame | None,
        *,
        nobs: int,
        df_resid: float,
        resids: pd.Series | None = None,
        fitted_values: pd.Series | None = None,
        ssr: float | None = None,
        model_name: str = "Model",
        dependent: str = "y",
        cov_type: str = "unadjusted",
        distribution: str = "t",
    ) -> None:
        if not isinstance(params, pd.Series):
            raise IntelcapValueError("params must be a labelled pandas Series")
        self._params = params.astype(float)
        if cov is not None:
            cov = pd.DataFrame(np.asarray(cov, dtype=float), index=params.index,
                               columns=params.index)
        self._cov = cov
        self._nobs = int(nobs)
        self._df_resid = df_resid
        self._resids = resids
        self._fitted = fitted_values
        self._ssr = ssr
        self.model_name = model_name
        self.dependent = dependent
        self.cov_type = cov_type
        if distribution not in ("t", "normal"):
            raise IntelcapValueError("distribution must be 't' or 'normal'")
        self.distribution = distribution

    # -- core vocabulary ----------------------------------------------------------------------
    @property
    def params(self) -> pd.Series:
        """Estimated parameters."""
        return self._params.copy()

    @property
    def cov(self) -> pd.DataFrame:
        """Parameter covariance (NaN where not available)."""
        if self._cov is None:
            return pd.DataFrame(np.nan, index=self._params.index, columns=self._params.index)
        return self._cov.copy()

    @cached_property
    def std_errors(self) -> pd.Series:
        """Standard errors, the square roots of the diagonal of :attr:`cov`."""
        d = np.diag(self.cov.to_numpy())
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.where(d >= 0, d, np.nan))
        return pd.Series(se, index=self._params.index, name="std_error")

    @cached_property
    def tstats(self) -> pd.Series:
        """Parameter / standard error."""
        return (self._params / self.std_errors).rename("tstat")

    def _dist(self):
        if self.distribution == "t" and np.isfinite(self._df_resid) and self._df_resid > 0:
            return stats.t(self._df_resid)
        return stats.norm()

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of the t statistics."""
        p = 2 * self._dist().sf(np.abs(self.tstats.to_numpy()))
        return pd.Series(p, index=self._params.index, name="pvalue")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals, columns ``lower`` and ``upper``."""
        if not 0 < level < 1:
            raise IntelcapValueError(f"level must be in (0, 1), got {level}")
        q = self._dist().ppf(0.5 + level / 2)
        se = self.std_errors
        return pd.DataFrame(
            {"lower": self._params - q * se, "upper": self._params + q * se},
            index=self._params.index,
        )

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return self._nobs

    @property
    def df_resid(self) -> float:
        """Residual degrees of freedom."""
        return self._df_resid

    @property
    def df_model(self) -> int:
        """Number of estimated parameters."""
        return int(self._params.shape[0])

    @property
    def resids(self) -> pd.Series | None:
        """Residuals on the caller's index."""
        return None if self._resids is None else self._resids.copy()

    @property
    def fitted_values(self) -> pd.Series | None:
        """Fitted values on the caller's index."""
        return None if self._fitted is None else self._fitted.copy()

    @property
    def ssr(self) -> float:
        """Sum of squared residuals."""
        if self._ssr is not None:
            return float(self._ssr)
        if self._resids is None:
            return float("nan")
        r = np.asarray(self._resids, dtype=float)
        return float(r @ r)

    @property
    def s2(self) -> float:
        """Residual variance ``ssr / df_resid``."""
        return self.ssr / self._df_resid if self._df_resid > 0 else float("nan")

    def predict(self, *args: Any, **kwargs: Any) -> pd.Series:
        """Predictions; estimators that can predict out of sample override this."""
        if self._fitted is None:
            raise NotImplementedError(f"{type(self).__name__} does not provide predictions")
        return self.fitted_values

    def plot(self, *args: Any, **kwargs: Any):
        """A picture of the fit, where one says more than the table."""
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    # -- summaries ----------------------------------------------------------------------------
    def _summary_header(self) -> list[tuple[str, object]]:
        return [
            ("Dep. variable", self.dependent),
            ("No. observations", self.nobs),
            ("Covariance", self.cov_type),
            ("Df residuals", _count(self.df_resid)),
            ("SSR", self.ssr),
            ("Df model", self.df_model),
        ]

    def _params_table(self, level: float = 0.95) -> pd.DataFrame:
        ci = self.conf_int(level)
        return pd.DataFrame(
            {
                "Parameter": self._params,
                "Std. Err.": self.std_errors,
                "T-stat": self.tstats,
                "P-value": self.pvalues,
                "Lower CI": ci["lower"],
                "Upper CI": ci["upper"],
            }
        )

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Parameter Estimates", self._params_table())]

    def _summary_notes(self) -> list[str]:
        return []

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()``."""
        return Summary(
            title=f"{self.model_name} Estimation Summary",
            header=self._summary_header(),
            tables=self._summary_tables(),
            notes=self._summary_notes(),
        )

    def __repr__(self) -> str:
        """One line: the model, the dependent variable and the size of the fit.

        ``print(res)`` (or ``res.summary``) shows the full summary; a notebook shows it as HTML.
        """
        return (f"<{type(self).__name__}: {self.model_name}, dependent {self.dependent!r}, "
                f"{self.nobs} observations, {self.df_model} parameters, "
                f"SSR {_fmt(self.ssr)}>")


def compare(results: Mapping[str, Results] | Sequence[Results], *, stars: bool = True,
            precision: str = "std_errors") -> Summary:
    """Side-by-side table of several fits (parameters with standard errors below).

    Parameters
    ----------
    results : mapping or sequence of Results
        Fits to compare; mapping keys become column titles.
    stars : bool
        Mark parameters significant at 10/5/1 % with one, two or three stars (a legend is
        printed below the table).
    precision : {"std_errors", "tstats", "pvalues"}
        What is printed below each parameter, in parentheses.

    Returns
    -------
    Summary
        One row per parameter (its name once, the value in parentheses on the unlabelled row
        below), then the number of observations and the SSR of each fit.
    """
    check_choice("precision", precision, ("std_errors", "tstats", "pvalues"))
    if not isinstance(results, Mapping):
        results = {f"Model {i}": r for i, r in enumerate(results)}
    names: list[str] = []
    for r in results.values():
        for n in r.params.index:
            if n not in names:
                names.append(n)
    labels: list[str] = []
    for n in names:
        labels += [str(n), ""]
    labels += ["No. observations", "SSR"]
    columns: dict[str, list[str]] = {}
    for title, r in results.items():
        col: list[str] = []
        extra = getattr(r, precision)
        for n in names:
            if n in r.params.index:
                p = r.pvalues[n]
                star = ""
                if stars and np.isfinite(p):
                    star = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""
                col += [f"{_fmt(r.params[n])}{star}", f"({_fmt(extra[n])})"]
            else:
                col += ["", ""]
        col += [_fmt(r.nobs), _fmt(r.ssr)]
        columns[str(title)] = col
    table = pd.DataFrame(columns, index=pd.Index(labels))
    notes = [f"{precision.replace('_', ' ')} in parentheses"]
    if stars:
        notes.append("* p<0.10, ** p<0.05, *** p<0.01")
    return Summary(title="Model Comparison", tables=[("", table)], notes=notes)
