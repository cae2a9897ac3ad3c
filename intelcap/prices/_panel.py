"""Long price-quantity panels to dense (item x period) arrays, validated at the boundary.

Every index in :mod:`intelcap.prices` starts here: a long table with one row per
(item, period) and columns for price and quantity (or expenditure) becomes two ``N x T``
float arrays with NaN where an item is not observed. The checks name the row at fault:
non-positive or missing prices and quantities, a duplicated (item, period) pair, or periods
that go backwards down the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from intelcap._validation import check_columns
from intelcap.exceptions import DataError, IntelcapTypeError, MissingDataError

__all__ = ["Panel", "from_wide", "to_panel"]


@dataclass(frozen=True)
class Panel:
    """Dense view of a long price panel: ``p`` and ``q`` are ``(items, periods)``, NaN if absent."""

    items: pd.Index
    periods: pd.Index
    p: np.ndarray
    q: np.ndarray | None

    @property
    def present(self) -> np.ndarray:
        return np.isfinite(self.p)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _row_label(data: pd.DataFrame, pos: int) -> str:
    return f"row {_plain(data.index[pos])!r} (position {pos})"


def _check_values(data: pd.DataFrame, col: str, values: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise MissingDataError(
            f"column {col!r} ({what}) has {int(bad.sum())} missing or infinite value(s), "
            f"first at {_row_label(data, pos)}; drop or impute those rows first"
        )
    bad = values <= 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"column {col!r} ({what}) must be positive; value {values[pos]!r} at "
            f"{_row_label(data, pos)} ({int(bad.sum())} non-positive value(s) in all)"
        )


def to_panel(
    data: pd.DataFrame,
    *,
    item: str = "item",
    period: str = "period",
    price: str = "price",
    quantity: str | None = "quantity",
    expenditure: str | None = None,
    need_quantity: bool = True,
) -> Panel:
    """Validate a long (item, period, price, quantity or expenditure) table and pivot it.

    Parameters
    ----------
    data : DataFrame
        One row per item and period. Rows must be ordered by period (non-decreasing), and
        period labels must sort in time order (numbers, dates, pandas Periods, ISO strings
        such as ``"2024-01"``); the order of periods is the order of the result's index.
    item, period, price : str
        Column names.
    quantity, expenditure : str, optional
        Give either a quantity column or an expenditure column (quantity = expenditure /
        price). If ``expenditure`` is given it is used.
    need_quantity : bool
        Whether the formula needs quantities (elementary indices do not).
    """
    if not isinstance(data, pd.DataFrame):
        raise IntelcapTypeError(
            f"data must be a long pandas DataFrame with columns item, period, price and "
            f"quantity (or expenditure), got {type(data).__name__}"
        )
    qcol = expenditure if expenditure is not None else quantity
    required = [item, period, price] + ([qcol] if need_quantity and qcol is not None else [])
    if need_quantity and qcol is None:
        raise DataError("this formula needs quantities: pass quantity=... or expenditure=...")
    check_columns(data, required, what="data")
    if len(data) == 0:
        raise DataError("data has no rows")
    pv = data[price].to_numpy(dtype=float)
    _check_values(data, price, pv, "price")
    qv = None
    if need_quantity or (qcol is not None and qcol in data.columns):
        qv = data[qcol].to_numpy(dtype=float)
        _check_values(data, qcol, qv, "expenditure" if expenditure is not None else "quantity")
        if expenditure is not None:
            qv = qv / pv
    per = data[period]
    if per.isna().any():
        pos = int(np.flatnonzero(per.isna().to_numpy())[0])
        raise MissingDataError(f"column {period!r} is missing at {_row_label(data, pos)}")
    pcodes, periods = pd.factorize(per, sort=False)
    # periods in order of first appearance must be increasing, and rows may not go back
    try:
        ordered = pd.Index(periods).is_monotonic_increasing
    except TypeError:  # unorderable labels: order of appearance is the order
        ordered = True
    back = np.flatnonzero(np.diff(pcodes) < 0)
    if back.size or not ordered:
        if back.size:
            pos = int(back[0]) + 1
        else:
            vals = pd.Index(periods)
            k = int(np.flatnonzero(~(vals[1:] > vals[:-1]))[0]) + 1
            pos = int(np.flatnonzero(pcodes == k)[0])
        raise DataError(
            f"column {period!r} is out of order at {_row_label(data, pos)} "
            f"(period {_plain(per.iloc[pos])!r} after {_plain(per.iloc[pos - 1])!r}); rows must "
            f"be sorted by period, e.g. data.sort_values({period!r}, kind='stable')"
        )
    icodes, items = pd.factorize(data[item], sort=False)
    if (icodes < 0).any():
        pos = int(np.flatnonzero(icodes < 0)[0])
        raise MissingDataError(f"column {item!r} is missing at {_row_label(data, pos)}")
    n, t = len(items), len(periods)
    flat = icodes.astype(np.int64) * t + pcodes
    counts = np.bincount(flat, minlength=n * t)
    if counts.max() > 1:
        dup = np.flatnonzero(counts[flat] > 1)
        raise DataError(
            f"item-period ({_plain(data[item].iloc[dup[0]])!r}, {_plain(per.iloc[dup[0]])!r}) "
            "appears more "
            f"than once: {_row_label(data, int(dup[0]))} and {_row_label(data, int(dup[1]))}; "
            "aggregate duplicates first (for example to unit values)"
        )
    p = np.full(n * t, np.nan)
    p[flat] = pv
    q = None
    if qv is not None:
        q = np.full(n * t, np.nan)
        q[flat] = qv
        q = q.reshape(n, t)
    return Panel(pd.Index(items, name=item), pd.Index(periods, name=period), p.reshape(n, t), q)


def from_wide(prices: pd.DataFrame, quantities: pd.DataFrame | None) -> pd.DataFrame:
    """Wide (periods x items) price and quantity tables to the long form ``to_panel`` reads."""
    if not isinstance(prices, pd.DataFrame):
        raise IntelcapTypeError(f"prices must be a DataFrame, got {type(prices).__name__}")
    if quantities is not None:
        if not isinstance(quantities, pd.DataFrame):
            raise IntelcapTypeError(
                f"quantities must be a DataFrame, got {type(quantities).__name__}"
            )
        if not (quantities.index.equals(prices.index)
                and quantities.columns.equals(prices.columns)):
            raise DataError(
                f"prices {prices.shape} and quantities {quantities.shape} must have the same "
                "periods (index) and items (columns)"
            )
    long = prices.stack().rename("price").reset_index()
    long.columns = ["period", "item", "price"]
    long = long.loc[long["price"].notna()]
    if quantities is not None:
        ql = quantities.stack().rename("quantity").reset_index()
        ql.columns = ["period", "item", "quantity"]
        ql = ql.loc[ql["quantity"].notna()]
        long = long.merge(ql, on=["period", "item"], how="inner", sort=False)
    return long
