r"""Chain-linked volumes: annual links at previous-year prices, annual overlap for quarters.

Annual (2008 SNA 15.44-15.51; Eurostat, *Handbook on prices and volume measures in national
accounts*, 2016, chapter 2). For components :math:`i` with current-price values
:math:`V_{t,i}` and values at the previous year's prices :math:`W_{t,i} = \sum p_{t-1} q_t`,
the Laspeyres volume link of an aggregate :math:`A` is

.. math::

    L_t^A = \frac{\sum_{i \in A} W_{t,i}}{\sum_{i \in A} V_{t-1,i}}, \qquad
    I_t^A = I_{t-1}^A L_t^A, \qquad
    CL_t^A = V_{\bar t}^A \, I_t^A / I_{\bar t}^A,

with :math:`\bar t` the reference year (chain-linked volumes equal current prices there).

Quarterly, annual overlap technique (IMF, *Quarterly National Accounts Manual*, 2017,
chapter 8, "The annual overlap technique"): quarter :math:`q` of year :math:`y` at the average
prices of year :math:`y-1`, :math:`W_{y,q}`, is linked to the annual average of year
:math:`y-1` at current prices,

.. math::

    CL_{y,q} = CL_{y-1} \, \frac{W_{y,q}}{V_{y-1}}

(:math:`V_{y-1}` and :math:`CL_{y-1}` annual totals, so the four quarters of a year sum to the
annual chain-linked volume of that year). The first year has no previous year's prices: its
quarters get the year's chain-linked volume in proportion to their current-price values (the
manual's values at the year's own average prices, when prices are flat within that year).
Chain-linked volumes are not additive: the chain volume of an aggregate differs from the sum of
its components' chain volumes except in the reference year and the year after;
:func:`chain_link` reports that difference (``non_additivity``) instead of hiding it.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError, MissingDataError, SpecificationError

__all__ = ["chain_link"]

_Q = re.compile(r"^(\d{4})-?Q([1-4])$")


def _check(frame: Any, name: str) -> pd.DataFrame:
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name} must be a DataFrame (periods x components), got "
                        f"{type(frame).__name__}")
    arr = frame.to_numpy(dtype=float)
    if not np.isfinite(arr).all():
        r, c = np.argwhere(~np.isfinite(arr))[0]
        raise MissingDataError(f"{name}: non-finite value at period {frame.index[r]!r}, "
                               f"component {frame.columns[c]!r}")
    return frame.astype(float)


def chain_link(current: pd.DataFrame, previous_year_prices: pd.DataFrame, *,
               reference_year: int | None = None, total: str = "total") -> pd.DataFrame:
    """Chain-linked volumes of components and of their sum.

    Parameters
    ----------
    current : DataFrame
        Values at current prices: index = periods (int years, or quarter labels
        ``2024Q1``), one column per component.
    previous_year_prices : DataFrame
        The same values at the average prices of the previous year (same shape); its first
        year is not used (no previous year).
    reference_year : int, optional
        Year whose current-price values the chain-linked volumes equal (default: the first).
    total : str
        Name of the aggregate column.

    Returns
    -------
    DataFrame
        Chain-linked volumes of every component and of ``total``, plus ``non_additivity`` =
        ``total`` minus the sum of the components' chain-linked volumes.
    """
    v = _check(current, "current")
    w = _check(previous_year_prices, "previous_year_prices")
    if not (v.index.equals(w.index) and v.columns.equals(w.columns)):
        raise DataError("current and previous_year_prices must have the same periods and "
                        "components")
    if total in v.columns or "non_additivity" in v.columns:
        raise SpecificationError(f"component name {total!r}/'non_additivity' is reserved")
    labels = list(v.index)
    quarterly = all(isinstance(p, str) and _Q.match(p) for p in labels)
    if quarterly:
        years = np.array([int(_Q.match(p).group(1)) for p in labels])
        qs = np.array([int(_Q.match(p).group(2)) for p in labels])
        uy = np.unique(years)
        for y in uy:
            if sorted(qs[years == y].tolist()) != [1, 2, 3, 4]:
                missing = sorted(set(range(1, 5)) - set(qs[years == y].tolist()))
                raise MissingDataError(f"annual overlap needs complete years: quarter(s) "
                                       f"{missing} of {y} missing")
    elif all(isinstance(p, (int, np.integer)) for p in labels):
        years = np.asarray(labels, dtype=int)
        uy = years
        if len(set(uy.tolist())) != len(uy) or (np.diff(uy) != 1).any():
            raise MissingDataError("annual chain-linking needs consecutive years")
    else:
        raise DataError("periods must be int years or quarter labels like '2024Q1'")
    vv = np.column_stack([v.to_numpy(), v.to_numpy().sum(axis=1)])
    ww = np.column_stack([w.to_numpy(), w.to_numpy().sum(axis=1)])
    pos = np.searchsorted(uy, years)
    va = np.zeros((len(uy), vv.shape[1]))
    wa = np.zeros_like(va)
    np.add.at(va, pos, vv)
    np.add.at(wa, pos, ww)
    # annual chain index (first year = 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        link = np.ones_like(va)
        link[1:] = wa[1:] / va[:-1]
    index = np.cumprod(link, axis=0)
    ref = int(uy[0]) if reference_year is None else int(reference_year)
    if ref not in set(uy.tolist()):
        raise SpecificationError(f"reference_year={ref} is not a year of the data")
    r = int(np.flatnonzero(uy == ref)[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        cl_annual = va[r] * index / index[r]
    if quarterly:
        out = np.empty_like(vv)
        first = pos == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            # first year (no previous year's prices): the quarters' current-price shares of
            # the year. The manual values them at the year's own average prices; the two agree
            # when prices are flat within the year (as in its Example 8.2, 2010) and otherwise
            # differ by the within-year price movement
            out[first] = cl_annual[0] * vv[first] / va[0]
            later = ~first
            out[later] = cl_annual[pos[later] - 1] * ww[later] / va[pos[later] - 1]
    else:
        out = cl_annual
    cols = [*map(str, v.columns), total]
    res = pd.DataFrame(out, index=v.index, columns=cols)
    res["non_additivity"] = res[total] - res[cols[:-1]].sum(axis=1)
    return res
