r"""Quality-adjusted (hedonic) price indices of AI tokens, and constant-capability decline rates.

Time-dummy hedonic index (Griliches 1961; Triplett 2006, *Handbook on Hedonic Indexes*, OECD,
chapter III; Eurostat 2013, *Handbook on Residential Property Price Indices*, chapter 5): pooled
least squares over periods of

.. math:: \ln p_{it} = \beta_0 + \sum_{t \ge 1} \delta_t D_{it} + z_i' \beta + \varepsilon_{it},

with :math:`z_i` the characteristics (benchmark scores of a model) and
:math:`P(0, t) = \exp(\delta_t)`; its standard error by the delta method,
:math:`\exp(\delta_t)\, \mathrm{se}(\delta_t)`.

Characteristics (imputation) index (Diewert, Heravi and Silver 2009; Triplett 2006, chapter III
C): a separate regression per period, :math:`\ln p_{it} = a_t + z_i' b_t + e`, priced at a fixed
characteristics bundle :math:`\bar z` (default: the pooled mean),

.. math:: \ln P(0, t) = (a_t + \bar z' b_t) - (a_0 + \bar z' b_0), \qquad
          \mathrm{Var} = x' V_t x + x' V_0 x,\; x = (1, \bar z').

Constant-capability decline in the manner of Epoch AI (Cottier, Snodin, Owen and Adamczewski
2025, "LLM inference prices have fallen rapidly but unequally across tasks", data insight,
2025-03-12, repository ``epoch-research/llm-benchmark-efficiency``): for each benchmark and
threshold, the cheapest models scoring at least the threshold model's score, ordinary least
squares of :math:`\ln(\text{USD per million tokens})` on time in years (days / 365),
:math:`\ln p = a + b\, t`; the annual price-reduction factor is :math:`e^{-b}`, its 90%
interval :math:`e^{-(b \pm t_{0.95, n-2}\, \mathrm{se}(b))}`, with the :math:`R^2` of the fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from intelcap._validation import check_choice, check_columns
from intelcap.exceptions import DataError, MissingDataError, SpecificationError
from intelcap.prices._panel import _check_values

if TYPE_CHECKING:
    from intelcap.prices._hedonic_results import HedonicIndexResults


def __getattr__(name: str):
    # the results class sits on intelcap.estimation's Results base, imported on first use so
    # that ``import intelcap.prices`` does not load the estimation stack
    if name == "HedonicIndexResults":
        from intelcap.prices._hedonic_results import HedonicIndexResults

        return HedonicIndexResults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "HedonicIndexResults",
    "cheapest_above_threshold",
    "constant_quality_decline",
    "hedonic_index",
]


def _ols(x: np.ndarray, y: np.ndarray, cov: dict):
    """Least squares through :class:`intelcap.estimation.linear.OLS` (QR; the covariance from
    :mod:`intelcap.estimation.covariance`), imported here so that ``import intelcap.prices``
    stays light."""
    from intelcap.estimation.linear import OLS

    return OLS(y, x).fit(**cov)


_HEDONIC_COV = ("unadjusted", "homoskedastic", "robust", "heteroskedastic", "HC0", "HC1", "HC2",
                "HC3", "clustered")


def hedonic_index(
    data: pd.DataFrame,
    characteristics: Sequence[str],
    *,
    price: str = "price",
    period: str = "period",
    method: str = "time_dummy",
    cov_type: str = "unadjusted",
    debiased: bool = False,
    clusters: str | Sequence | None = None,
    reference: pd.Series | None = None,
) -> HedonicIndexResults:
    """Hedonic price index of (for example) USD per million tokens on capability scores.

    Parameters
    ----------
    data : DataFrame
        One row per model (or model-price observation) with its period, price and
        characteristics. Periods are sorted (their order is the index order).
    characteristics : list of str
        Columns of characteristics (benchmark scores, context length, ...), entered linearly;
        pass log-transformed columns for a log-log form. May be empty (time-dummy only).
    method : {"time_dummy", "imputation"}
    cov_type : {"unadjusted", "robust", "HC0", "HC1", "HC2", "HC3", "clustered"}
        Covariance of the regression(s), as defined in :mod:`intelcap.estimation.covariance`
        (``"robust"`` is HC0; HC1 is ``"HC1"`` or ``"robust"`` with ``debiased=True``).
    debiased : bool
        Small-sample factor and t reference distribution (default False). The classical OLS
        standard errors (statsmodels' ``nonrobust``) are ``cov_type="unadjusted",
        debiased=True``.
    clusters : str or array-like, optional
        For ``cov_type="clustered"``: a column of ``data`` (for example the model family or the
        provider) or one label per row.
    reference : Series, optional
        Characteristics bundle at which the imputation index is priced (default: pooled mean).

    Raises
    ------
    SpecificationError
        When a regression has at least as many parameters as observations (more
        characteristics than models), naming the period and the characteristics.
    """
    check_choice("method", method, ("time_dummy", "imputation"))
    check_choice("cov_type", cov_type, _HEDONIC_COV)
    chars = list(characteristics)
    check_columns(data, [price, period, *chars], what="data")
    groups = None
    if clusters is not None:
        if cov_type != "clustered":
            raise SpecificationError(f"clusters= is only used with cov_type='clustered', not "
                                     f"{cov_type!r}")
        if isinstance(clusters, str):
            check_columns(data, [clusters], what="data")
            groups = data[clusters].to_numpy()
        else:
            groups = np.asarray(clusters)
            if groups.shape[0] != len(data):
                raise DataError(f"clusters has {groups.shape[0]} labels for {len(data)} rows")
    elif cov_type == "clustered":
        raise SpecificationError("cov_type='clustered' needs clusters=<column or labels>")
    pv = data[price].to_numpy(dtype=float)
    _check_values(data, price, pv, "price")
    z = data[chars].to_numpy(dtype=float) if chars else np.empty((len(data), 0))
    if chars and not np.isfinite(z).all():
        r, c = np.argwhere(~np.isfinite(z))[0]
        raise MissingDataError(
            f"characteristic {chars[c]!r} is missing at row {data.index[r]!r} (position {r})"
        )
    periods = pd.Index(pd.unique(data[period]))
    try:
        periods = periods.sort_values()
    except TypeError:
        pass
    codes = periods.get_indexer(data[period])
    y = np.log(pv)
    n, k, t = len(data), len(chars), len(periods)
    if method == "time_dummy":
        if n <= 1 + (t - 1) + k:
            raise SpecificationError(
                f"time-dummy regression has {1 + (t - 1) + k} parameters ({t} periods and "
                f"characteristics {chars}) but only {n} models: use fewer characteristics"
            )
        d = (codes[:, None] == np.arange(1, t)[None, :]).astype(float)
        x = np.column_stack([np.ones(n), d, z])
        _check_rank(x, ["const", *[f"period[{p}]" for p in periods[1:]], *chars])
        fit = _ols(x, y, {"cov_type": cov_type, "debiased": debiased, "clusters": groups})
        beta, cov, e = (fit.params.to_numpy(), fit.cov.to_numpy(),
                        np.asarray(fit.resids, dtype=float))
        names = ["const", *[f"period[{p}]" for p in periods[1:]], *chars]
        delta = np.r_[0.0, beta[1:t]]
        var = np.r_[0.0, np.diag(cov)[1:t]]
        df = n - x.shape[1]
        resid = pd.Series(e, index=data.index, name="resid")
        fitted = pd.Series(y - e, index=data.index, name="fitted")
    else:
        zbar = (np.asarray(reference.reindex(chars), dtype=float) if reference is not None
                else z.mean(axis=0))
        xr = np.r_[1.0, zbar]
        betas, covs, names, lev, var_t = [], [], [], [], []
        resid = np.empty(n)
        df = 0
        for j, per in enumerate(periods):
            sel = codes == j
            nj = int(sel.sum())
            if nj <= 1 + k:
                raise SpecificationError(
                    f"period {per!r} has {nj} model(s) but the imputation regression needs more "
                    f"than {1 + k} (a constant and characteristics {chars}): use fewer "
                    "characteristics or the time-dummy method"
                )
            xj = np.column_stack([np.ones(nj), z[sel]])
            _check_rank(xj, ["const", *chars], per)
            fit = _ols(xj, y[sel], {"cov_type": cov_type, "debiased": debiased,
                                    "clusters": None if groups is None else groups[sel]})
            bj, cj, ej = (fit.params.to_numpy(), fit.cov.to_numpy(),
                          np.asarray(fit.resids, dtype=float))
            resid[sel] = ej
            betas.append(bj)
            covs.append(cj)
            names += [f"{nm}[{per}]" for nm in ["const", *chars]]
            lev.append(xr @ bj)
            var_t.append(xr @ cj @ xr)
            df += nj - 1 - k
        beta = np.concatenate(betas)
        cov = np.zeros((beta.size, beta.size))
        o = 0
        for c in covs:
            cov[o:o + c.shape[0], o:o + c.shape[0]] = c
            o += c.shape[0]
        lev = np.asarray(lev)
        var_t = np.asarray(var_t)
        delta = lev - lev[0]
        var = var_t + var_t[0]
        var[0] = 0.0
        e = resid
        resid = pd.Series(e, index=data.index, name="resid")
        fitted = pd.Series(y - e, index=data.index, name="fitted")
    from intelcap.prices._hedonic_results import HedonicIndexResults

    idx = pd.Series(np.exp(delta), index=periods, name="index")
    return HedonicIndexResults(
        pd.Series(beta, index=names), cov,
        index=idx, index_log_var=pd.Series(var, index=periods), method=method,
        characteristics=chars, nobs=n, df_resid=df, resids=resid, fitted_values=fitted,
        ssr=float(e @ e), model_name=f"Hedonic ({method.replace('_', '-')})",
        dependent=f"ln {price}", cov_type=fit.cov_type, distribution=fit.distribution,
        cov_description=fit.cov_description,
    )


def _check_rank(x: np.ndarray, names: list[str], per=None) -> None:
    if np.linalg.matrix_rank(x) < x.shape[1]:
        where = f" in period {per!r}" if per is not None else ""
        raise SpecificationError(
            f"the hedonic design{where} is rank deficient: some of {names} are collinear "
            "(a characteristic constant within the period, or duplicated)"
        )


def constant_quality_decline(
    data: pd.DataFrame,
    *,
    date: str = "date",
    price: str = "price",
    by: str | Sequence[str] | None = None,
    level: float = 0.90,
    days_per_year: float = 365.0,
) -> pd.DataFrame:
    r"""Annual price-reduction factor at constant capability, by log-linear least squares.

    For each group (e.g. benchmark and threshold model), fits
    :math:`\ln p = a + b\,(d - d_0)/\text{days\_per\_year}` by ordinary least squares and
    reports the factor by which the price falls each year, :math:`e^{-b}`, with the
    ``level`` interval :math:`e^{-(b \pm t_{(1+level)/2,\,n-2}\,\mathrm{se}(b))}` and
    :math:`R^2` (Epoch AI's fit; days / 365 reproduces its published factors).

    Returns
    -------
    DataFrame, one row per group: ``sample_size``, ``start_date``, ``end_date``, ``slope``
    (log points per year), ``std_error``, ``factor_per_year``, ``ci_low``, ``ci_high``,
    ``r_squared``.
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    check_columns(data, [date, price, *keys], what="data")
    pv = data[price].to_numpy(dtype=float)
    _check_values(data, price, pv, "price")
    dates = pd.to_datetime(data[date])
    if dates.isna().any():
        pos = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise MissingDataError(f"column {date!r} is missing at row {data.index[pos]!r}")
    work = pd.DataFrame({"_d": dates.to_numpy(), "_lp": np.log(pv)}, index=data.index)
    for kcol in keys:
        work[kcol] = data[kcol].to_numpy()
    groups = work.groupby(keys, sort=False) if keys else [((), work)]
    rows = []
    for key, g in groups:
        n = len(g)
        label = key if isinstance(key, tuple) else (key,)
        if n < 3:
            raise DataError(f"group {label!r} has {n} point(s); a fit with an interval needs 3")
        tt = (g["_d"] - g["_d"].min()).dt.days.to_numpy(dtype=float) / days_per_year
        yy = g["_lp"].to_numpy()
        if np.ptp(tt) == 0:
            raise DataError(f"group {label!r}: all points share one date")
        tc = tt - tt.mean()
        slope = (tc @ (yy - yy.mean())) / (tc @ tc)
        resid = yy - yy.mean() - slope * tc
        sst = ((yy - yy.mean()) ** 2).sum()
        se = np.sqrt((resid @ resid) / (n - 2) / (tc @ tc))
        from scipy import stats

        q = stats.t.ppf(0.5 + level / 2, n - 2)
        rows.append({**dict(zip(keys, label, strict=True)),
                     "sample_size": n, "start_date": g["_d"].min(), "end_date": g["_d"].max(),
                     "slope": slope, "std_error": se, "factor_per_year": np.exp(-slope),
                     "ci_low": np.exp(-(slope + q * se)), "ci_high": np.exp(-(slope - q * se)),
                     "r_squared": 1.0 - (resid @ resid) / sst})
    return pd.DataFrame(rows)


def cheapest_above_threshold(
    data: pd.DataFrame,
    threshold: float,
    *,
    score: str,
    date: str = "date",
    price: str = "price",
) -> pd.DataFrame:
    """The successive cheapest models scoring at least ``threshold``, in date order.

    Keeps a model when its score is at least the threshold and its price is strictly below
    every earlier qualifying model's price: the price frontier at constant capability whose
    decline :func:`constant_quality_decline` fits (Epoch AI's selection rule). Applied to
    Epoch AI's two price-and-benchmark tables without the five reasoning models they contain
    (o1, o1-mini, o1-preview, o3-mini, DeepSeek-R1, none of which appears among Epoch's
    points), it reproduces the dates and prices of all 21 published point sets.
    """
    check_columns(data, [score, date, price], what="data")
    sc = data[score].to_numpy(dtype=float)
    ok = np.isfinite(sc) & (sc >= threshold)
    sub = data.loc[ok].copy()
    sub = sub.assign(_d=pd.to_datetime(sub[date])).sort_values(["_d", price], kind="stable")
    pv = sub[price].to_numpy(dtype=float)
    run = np.minimum.accumulate(np.r_[np.inf, pv])[:-1]
    keep = pv < run
    return sub.loc[keep].drop(columns="_d")
