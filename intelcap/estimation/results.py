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
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin, _fmt
from intelcap._validation import check_choice
from intelcap.exceptions import IntelcapTypeError, IntelcapValueError, SpecificationError

if TYPE_CHECKING:
    from intelcap.estimation.covariance import CovarianceEstimate

__all__ = ["InvalidTestStatistic", "LinearTestStatistic", "Results", "TestStatistic", "compare"]


def _scipy_stats():
    """:mod:`scipy.stats`, imported when a p-value is first asked for (it is the heaviest
    import of an estimator otherwise: every results module imports this one)."""
    from scipy import stats

    return stats


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


class LinearTestStatistic(TestStatistic):
    """A t test of one linear restriction :math:`r'\\beta = q` (from :meth:`Results.t_test`).

    Besides the statistic and p-value it carries ``estimate`` (:math:`r'\\hat\\beta`),
    ``value`` (:math:`q`) and ``std_error`` (:math:`\\sqrt{r' \\widehat V r}`).
    """

    def __init__(self, stat: float, pval: float, *, estimate: float, value: float,
                 std_error: float, **kwargs: Any) -> None:
        super().__init__(stat, pval, **kwargs)
        self.estimate = float(estimate)
        self.value = float(value)
        self.std_error = float(std_error)


def _count(value: float) -> float | int:
    """A degrees-of-freedom or count that is a whole number, as an int (prints as ``86``)."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return int(value)
    return value


class _Constructed(type):
    """Marks an instance as constructed once the outermost ``__init__`` has returned."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__call__(*args, **kwargs)
        obj.__dict__["_constructed"] = True
        return obj


class Results(SummaryMixin, metaclass=_Constructed):
    """Base class of every estimator's results.

    Subclasses pass labelled arrays to ``__init__`` and may override :meth:`_summary_header`
    and :meth:`_summary_tables`; a subclass that draws its fit defines ``plot(ax=None, ...)``
    returning a matplotlib ``Axes`` (the base class has no ``plot``). Expensive members are
    :func:`functools.cached_property`.

    Results are immutable once built: everything a subclass holds is set in its ``__init__``
    (or passed to it), and any attribute set or deleted after construction raises
    ``AttributeError``. :func:`functools.cached_property` members still work: they store
    their value in the instance dictionary directly, not through ``__setattr__``.

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
    cov_description : str, optional
        The line the summary prints as "Covariance" (default ``cov_type``).
    covariance : CovarianceEstimate, optional
        A covariance from :func:`intelcap.estimation.covariance.covariance`; it sets ``cov``
        (pass ``None`` for ``cov``), ``cov_type``, ``distribution`` and ``cov_description``.
    """

    _immutable: ClassVar[bool] = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self._immutable and self.__dict__.get("_constructed", False):
            raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r} after "
                                 "construction")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if self._immutable and self.__dict__.get("_constructed", False):
            raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")
        super().__delattr__(name)

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
        cov_description: str | None = None,
        covariance: CovarianceEstimate | None = None,
    ) -> None:
        if not isinstance(params, pd.Series):
            raise IntelcapValueError("params must be a labelled pandas Series")
        if covariance is not None:
            if cov is not None:
                raise IntelcapValueError("pass the covariance as cov or as covariance, not both")
            cov = covariance.cov
            cov_type = covariance.cov_type
            distribution = covariance.distribution
            cov_description = covariance.description
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
        self.cov_description = cov_description if cov_description is not None else cov_type
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
            return _scipy_stats().t(self._df_resid)
        return _scipy_stats().norm()

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

    # -- linear restrictions ------------------------------------------------------------------
    def _restrictions(self, restriction: Any, value: Any) -> tuple[np.ndarray, np.ndarray,
                                                                  list[str]]:
        """The restriction matrix R (q x k), the values r (q) and a text for each row."""
        names = [str(n) for n in self._params.index]
        k = len(names)
        if isinstance(restriction, str) or (
                isinstance(restriction, Sequence) and not isinstance(restriction, str)
                and len(restriction) > 0 and all(isinstance(x, str) for x in restriction)):
            if value is not None:
                raise SpecificationError("value is given inside the restriction text "
                                         "('a + b = 1'); do not pass value= as well")
            spec = [restriction] if isinstance(restriction, str) else list(restriction)
            r, q = _parse_restrictions(spec, names)
            texts = [t.strip() for item in spec for t in item.split(",") if t.strip()]
            if len(texts) != r.shape[0]:
                texts = [_row_text(row, v, names) for row, v in zip(r, q, strict=True)]
            return r, q, texts
        if isinstance(restriction, pd.DataFrame):
            missing = [c for c in restriction.columns if str(c) not in names]
            if missing:
                raise SpecificationError(f"restriction columns {missing} are not parameters; "
                                         f"the parameters are {names}")
            frame = restriction.rename(columns=str).reindex(columns=names, fill_value=0.0)
            r = frame.to_numpy(dtype=float)
        elif isinstance(restriction, pd.Series):
            r = restriction.rename(index=str).reindex(names, fill_value=0.0).to_numpy(
                dtype=float)[None, :]
        elif isinstance(restriction, (np.ndarray, list, tuple)):
            r = np.asarray(restriction, dtype=float)
            if r.ndim == 1:
                r = r[None, :]
        else:
            raise IntelcapTypeError(
                "restriction must be a matrix (array or DataFrame with the parameters as "
                f"columns) or text such as 'a = b', got {type(restriction).__name__}")
        if r.ndim != 2 or r.shape[1] != k or r.shape[0] == 0:
            raise SpecificationError(f"restriction has shape {r.shape}; it needs one column "
                                     f"per parameter ({k}: {names})")
        if not np.all(np.isfinite(r)):
            raise SpecificationError("restriction has non-finite entries")
        if value is None:
            q = np.zeros(r.shape[0])
        else:
            q = np.atleast_1d(np.asarray(value, dtype=float)).reshape(-1)
            if q.shape[0] != r.shape[0]:
                raise SpecificationError(f"value has {q.shape[0]} entries for {r.shape[0]} "
                                         "restrictions")
        return r, q, [_row_text(row, v, names) for row, v in zip(r, q, strict=True)]

    def wald_test(self, restriction: Any, value: Any = None) -> TestStatistic:
        r"""Wald test of the linear restrictions :math:`R\beta = r`.

        .. math::

            W = (R\hat\beta - r)' (R \widehat V R')^{-1} (R\hat\beta - r)
            \sim \chi^2(q),

        with :math:`\widehat V` the results' covariance (its ``cov_type``). When the results use
        the t reference distribution (``distribution == "t"``, e.g. ``debiased=True``), the
        statistic is :math:`F = W/q` against :math:`F(q, 	ext{df\_resid})`, as statsmodels'
        ``wald_test(use_f=True)``; otherwise :math:`W` against :math:`\chi^2(q)`, as
        linearmodels' ``wald_test``.

        Parameters
        ----------
        restriction : str, list of str, array-like (q x k), DataFrame or Series
            Text such as ``"x1 = x2"``, ``"a + b = 1"`` or ``["a = 0", "b = 0"]`` (several
            restrictions also separated by commas; names with other characters in backquotes,
            ``"`period[2]` = 0"``); parsed by formulaic's linear-constraint parser, which
            evaluates nothing. Or the matrix :math:`R`, one column per parameter (a DataFrame's
            columns are matched to parameter names, missing ones count as 0).
        value : array-like, optional
            :math:`r` for a matrix restriction (default 0).

        Returns
        -------
        TestStatistic
            ``stat``, ``pval``, ``df`` (``q`` or ``(q, df_resid)``), ``dist_name``, ``null``.
            An :class:`InvalidTestStatistic` when a restricted parameter has no covariance.

        Raises
        ------
        SpecificationError
            Unknown parameter names, nonlinear text, a matrix of the wrong shape, or
            restrictions that are linearly dependent.
        """
        r, q, texts = self._restrictions(restriction, value)
        null = ", ".join(texts)
        diff = r @ self._params.to_numpy() - q
        v = self.cov.to_numpy()
        used = np.any(r != 0, axis=0)
        if not np.all(np.isfinite(v[np.ix_(used, used)])):
            bad = [n for n, u, d in zip(self._params.index, used, np.diag(v), strict=True)
                   if u and not np.isfinite(d)]
            return InvalidTestStatistic(f"no covariance for {bad}: the Wald test is not "
                                        "defined", name="Wald test", null=null)
        rvr = r[:, used] @ v[np.ix_(used, used)] @ r[:, used].T
        if np.linalg.matrix_rank(r) < r.shape[0]:
            raise SpecificationError(f"the restrictions {texts} are linearly dependent; drop "
                                     "the redundant ones")
        w, vecs = np.linalg.eigh((rvr + rvr.T) / 2)
        if w.min() <= w.max() * r.shape[0] * np.finfo(float).eps or w.max() <= 0:
            return InvalidTestStatistic(
                f"the covariance of the restrictions {texts} is singular", name="Wald test",
                null=null)
        z = vecs.T @ diff
        stat = float(np.sum(z * z / w))
        nq = r.shape[0]
        if self.distribution == "t" and np.isfinite(self._df_resid) and self._df_resid > 0:
            f = stat / nq
            return TestStatistic(f, float(_scipy_stats().f(nq, self._df_resid).sf(f)), null=null,
                                 dist_name=f"F({nq},{_count(self._df_resid)})",
                                 df=(nq, self._df_resid), name="Wald test")
        return TestStatistic(stat, float(_scipy_stats().chi2(nq).sf(stat)), null=null,
                             dist_name=f"chi2({nq})", df=nq, name="Wald test")

    def t_test(self, restriction: Any, value: Any = None) -> LinearTestStatistic:
        r"""t test of one linear restriction :math:`r'\beta = q`, two-sided.

        .. math::

            t = \frac{r'\hat\beta - q}{\sqrt{r' \widehat V r}}

        against Student's t with ``df_resid`` degrees of freedom (``distribution == "t"``) or
        the standard normal. Its square is the :meth:`wald_test` statistic of the same
        restriction.

        Parameters
        ----------
        restriction : str, array-like (k) or Series
            One restriction, as text (``"x1 = x2"``, ``"a + b = 1"``) or its row :math:`r`.
        value : float, optional
            :math:`q` for a row restriction (default 0).

        Returns
        -------
        LinearTestStatistic
            ``stat`` (t), ``pval``, ``estimate`` (:math:`r'\hat\beta`), ``value`` and
            ``std_error``; NaN statistic and p-value if a restricted parameter has no
            covariance.
        """
        r, q, texts = self._restrictions(restriction, value)
        if r.shape[0] != 1:
            raise SpecificationError(f"t_test takes one restriction, got {r.shape[0]} ({texts});"
                                     " use wald_test for a joint test")
        row = r[0]
        used = row != 0
        v = self.cov.to_numpy()
        est = float(row @ self._params.to_numpy())
        var = float(row[used] @ v[np.ix_(used, used)] @ row[used])
        se = float(np.sqrt(var)) if np.isfinite(var) and var > 0 else float("nan")
        t = (est - q[0]) / se
        dist = self._dist()
        dist_name = (f"t({_count(self._df_resid)})" if dist.dist.name == "t" else "normal")
        return LinearTestStatistic(t, float(2 * dist.sf(abs(t))), estimate=est, value=q[0],
                                   std_error=se, null=texts[0], dist_name=dist_name,
                                   df=self._df_resid if dist.dist.name == "t" else None,
                                   name="t test")

    # -- summaries ----------------------------------------------------------------------------
    def _summary_header(self) -> list[tuple[str, object]]:
        return [
            ("Dep. variable", self.dependent),
            ("No. observations", self.nobs),
            ("Covariance", self.cov_description),
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


def _parse_restrictions(spec: list[str], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Linear restrictions from text by formulaic's constraint parser (nothing is evaluated)."""
    from formulaic.errors import FormulaicError
    from formulaic.utils.constraints import LinearConstraints

    try:
        lc = LinearConstraints.from_spec(spec, variable_names=names)
    except KeyError as exc:
        raise SpecificationError(f"restriction {spec} names {exc.args[0]!r}, which is not a "
                                 f"parameter; the parameters are {names} (write names with "
                                 "other characters in backquotes)") from None
    except (FormulaicError, RuntimeError, ValueError) as exc:
        raise SpecificationError(f"restriction {spec} is not a linear restriction of the "
                                 f"parameters: {exc}") from None
    r = np.asarray(lc.constraint_matrix, dtype=float)
    q = np.asarray(lc.constraint_values, dtype=float).reshape(-1)
    if r.shape[0] == 0:
        raise SpecificationError(f"restriction {spec} holds no restriction")
    return r, q


def _row_text(row: np.ndarray, value: float, names: list[str]) -> str:
    terms = []
    for c, n in zip(row, names, strict=True):
        if c == 0:
            continue
        coef = "" if c == 1 else "-" if c == -1 else f"{c:g}*"
        terms.append(f"{coef}{n}")
    lhs = " + ".join(terms).replace("+ -", "- ") or "0"
    return f"{lhs} = {value:g}"


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
