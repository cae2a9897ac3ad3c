r"""Price-performance of model APIs: capability per dollar, its frontier over time, and a
matched-model price index.

* blended price :math:`p = w\,p_{in} + (1-w)\,p_{out}` per million tokens (default
  :math:`w = 3/4`, the 3:1 input:output blend used by Artificial Analysis and Epoch AI);
* price-performance :math:`\pi = \text{capability} / p` (capability points per dollar per
  million tokens);
* the frontier: at each date the best price-performance among models available by then
  (a running maximum), and the cheapest price at which a capability threshold can be bought;
* a chained matched-model Tornqvist index of prices:

.. math:: \ln \frac{P_t}{P_{t-1}} = \sum_{i \in M_t} \bar w_{i} \ln \frac{p_{it}}{p_{i,t-1}},
          \qquad \bar w_i = \tfrac12 (w_{i,t-1} + w_{it})

over the models :math:`M_t` priced in both periods, with spending shares :math:`w` renormalised
over :math:`M_t` (equal weights, i.e. a chained Jevons index, when no weights are given).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import check_columns
from intelcap.exceptions import DataError, IntelcapValueError, IntelcapWarning

__all__ = ["annual_decline_factor", "blended_price", "cheapest_above", "frontier",
           "matched_model_index", "price_performance"]


def blended_price(price_input: Any, price_output: Any, input_share: float = 0.75) -> Any:
    """Blended price per million tokens, ``input_share * input + (1 - input_share) * output``."""
    if not 0 <= input_share <= 1:
        raise IntelcapValueError(f"input_share must be in [0, 1], got {input_share!r}")
    return input_share * price_input + (1 - input_share) * price_output


def price_performance(capability: Any, price: Any) -> Any:
    """Capability per dollar per million tokens; NaN (not infinity) for free models."""
    p = np.asarray(price, dtype=float)
    if np.any(p < 0):
        raise DataError("prices must be non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p > 0, np.asarray(capability, dtype=float) / np.where(p > 0, p, 1), np.nan)
    if isinstance(price, pd.Series):
        return pd.Series(out, index=price.index, name="price_performance")
    return out


def frontier(data: pd.DataFrame, *, date: str = "period", value: str = "price_performance",
             model: str = "model") -> pd.DataFrame:
    """Best ``value`` available by each date (running maximum) and the model holding it."""
    check_columns(data, [date, value, model], what="data")
    d = data[[date, value, model]].dropna(subset=[value]).sort_values([date, value],
                                                                      kind="stable")
    best = d.groupby(date, sort=True).tail(1).set_index(date)
    run = best[value].cummax()
    holder = best[model].where(best[value] >= run).ffill()
    return pd.DataFrame({value: run, model: holder})


def cheapest_above(data: pd.DataFrame, threshold: float, *, date: str = "period",
                   price: str = "price", capability: str = "capability",
                   model: str = "model") -> pd.DataFrame:
    """Lowest price, at each date, of any model available by then with ``capability >=
    threshold`` (a running minimum; NaN before the first such model)."""
    check_columns(data, [date, price, capability, model], what="data")
    d = data.loc[data[capability] >= threshold, [date, price, model]].sort_values(
        [date, price], ascending=[True, False], kind="stable")
    dates = pd.Index(sorted(data[date].unique()), name=date)
    if d.empty:
        return pd.DataFrame({price: np.nan, model: None}, index=dates)
    best = d.groupby(date, sort=True).tail(1).set_index(date).reindex(dates)
    run = best[price].cummin()
    holder = best[model].where(best[price] <= run).ffill()
    return pd.DataFrame({price: run, model: holder})


def matched_model_index(data: pd.DataFrame, *, price: str = "price", weight: str | None = None,
                        period: str = "period", model: str = "model",
                        base: float = 100.0) -> pd.Series:
    """Chained matched-model Tornqvist (weights) or Jevons (no weights) price index.

    Periods with no model priced in both it and the previous period carry the index forward
    and are flagged in the ``attrs['unmatched']`` list of the result.
    """
    cols = [period, model, price] + ([weight] if weight else [])
    check_columns(data, cols, what="data")
    d = data[cols].dropna(subset=[price])
    d = d[d[price] > 0]
    if d.duplicated([period, model]).any():
        raise DataError("matched_model_index needs one price per model and period")
    wide_p = d.pivot(index=period, columns=model, values=price).sort_index()
    lp = np.log(wide_p.to_numpy())
    if weight:
        w = d.pivot(index=period, columns=model, values=weight).reindex_like(wide_p).to_numpy()
    else:
        w = np.ones_like(lp)
    both = np.isfinite(lp[1:]) & np.isfinite(lp[:-1])
    no_weight = both & (np.isnan(w[:-1]) | np.isnan(w[1:]))
    if no_weight.any():
        t, j = (int(v) for v in np.argwhere(no_weight)[0])
        warnings.warn(
            f"matched_model_index: {int(no_weight.sum())} matched model-period pair(s) have "
            f"prices but no {weight!r} weight (first: model {wide_p.columns[j]!r} from period "
            f"{wide_p.index[t]!r} to {wide_p.index[t + 1]!r}); they get weight 0 (left out "
            "of the link)", IntelcapWarning, stacklevel=2)
    weighted = both & ~no_weight
    w0 = np.where(weighted, w[:-1], 0.0)
    w1 = np.where(weighted, w[1:], 0.0)
    s0 = w0.sum(axis=1, keepdims=True)
    s1 = w1.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        wbar = 0.5 * (w0 / s0 + w1 / s1)
        rel = np.where(both, lp[1:] - lp[:-1], 0.0)
        step = np.nansum(np.where(both, wbar, 0.0) * rel, axis=1)
    unmatched = list(wide_p.index[1:][~both.any(axis=1)])
    idx = base * np.exp(np.concatenate([[0.0], np.cumsum(step)]))
    out = pd.Series(idx, index=wide_p.index, name="price_index")
    out.attrs["unmatched"] = unmatched
    return out


def annual_decline_factor(dates: Any, prices: Any, *, level: float = 0.90,
                          days_per_year: float = 365.0) -> pd.Series:
    r"""Annual price-reduction factor of a price series, by OLS of log price on time.

    .. math:: \ln p_i = a + b\, d_i + e_i, \qquad
              \text{factor} = e^{-b \cdot \text{days\_per\_year}}

    with :math:`d_i` in days: the price divides by the factor each year (Epoch AI's measure of
    LLM price declines at constant capability, "LLM inference prices have fallen rapidly but
    unequally across tasks", 2025). The interval maps the t interval of :math:`b` at ``level``
    (Epoch reports 90%).

    Returns
    -------
    Series
        ``factor``, ``lower``, ``upper``, ``r_squared``, ``nobs``.
    """
    from intelcap.tokens.diffusion import fit_diffusion

    d = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    t = (d - d.min()).dt.days.to_numpy(dtype=float)
    p = np.asarray(prices, dtype=float)
    fit = fit_diffusion(t, p, "exponential")
    ci = fit.conf_int(level).loc["b"]
    lp = np.log(p)
    r2 = 1.0 - fit.ssr / float(((lp - lp.mean()) ** 2).sum())
    return pd.Series({"factor": float(np.exp(-fit.params["b"] * days_per_year)),
                      "lower": float(np.exp(-ci["upper"] * days_per_year)),
                      "upper": float(np.exp(-ci["lower"] * days_per_year)),
                      "r_squared": r2, "nobs": fit.nobs}, name="annual_decline_factor")
