r"""Allocation of a national total of API spending to producer industries by an indicator.

Bureaus rarely observe API spending by industry. Given the national total :math:`T_t` and a
named indicator :math:`w_{t,s,i} \ge 0` by producer cell (sector :math:`s`, industry :math:`i`),

.. math::

    X_{t,s,i} = T_t \, \frac{w_{t,s,i}}{\sum_{s',i'} w_{t,s',i'}},

with the indicators bureaus use: the industry's intermediate use of a related commodity in the
use table (``"use"``, e.g. BEA 514 data processing, hosting and related services, 518 in the
2012 schema, or 5415 computer systems design), ICT employment (``"employment"``) or any table
the user gives (``"table"``). Each allocated cell carries a ``basis`` text naming the indicator
and its share, which :func:`intelcap.accounts.capitalize.capitalize` writes into the ledger's
``config_key`` of every change it causes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from intelcap.accounts.tables import PRODUCER_SECTORS, validate_table
from intelcap.exceptions import DataError, SpecificationError

__all__ = ["INDICATORS", "allocate"]

#: Indicator kinds understood by :func:`allocate`.
INDICATORS: tuple[str, ...] = ("use", "employment", "table")


def _total(total: Any) -> pd.Series:
    if isinstance(total, pd.DataFrame):
        if list(total.columns) != ["period", "value"]:
            raise DataError(f"total must have columns ['period', 'value'], got "
                            f"{list(total.columns)}")
        total = pd.Series(total["value"].to_numpy(), index=total["period"].to_numpy())
    if not isinstance(total, pd.Series):
        raise DataError(f"total must be a Series by period, got {type(total).__name__}")
    v = pd.to_numeric(total, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        raise DataError(f"total: value {total.iloc[int(np.flatnonzero(bad)[0])]!r} for period "
                        f"{total.index[int(np.flatnonzero(bad)[0])]!r} must be finite and >= 0")
    return pd.Series(v, index=total.index)


def allocate(total: Any, tables: pd.DataFrame | None = None, *, indicator: str = "use",
             product: str | list[str] = "514", weights: pd.DataFrame | None = None,
             spending_product: str = "AI_API",
             sectors: tuple[str, ...] = PRODUCER_SECTORS) -> pd.DataFrame:
    """Allocate a national total of API spending to producer cells by a named indicator.

    Parameters
    ----------
    total : Series by period, or DataFrame with columns ``period, value``
        National API spending.
    tables : DataFrame, optional
        The long national-accounts table (needed for ``indicator="use"``).
    indicator : {"use", "employment", "table"}
        ``"use"``: intermediate use (P2) of ``product`` by each producer cell;
        ``"employment"`` / ``"table"``: ``weights`` given by the user (ICT employment, or any
        other indicator).
    product : str or list of str
        Commodity code(s) of the use-table indicator.
    weights : DataFrame, optional
        Columns ``sector, industry, value`` and optionally ``period`` (else the same weights
        every period).
    spending_product : str
        Product code of the allocated spending (the P2 row it is taken from).
    sectors : tuple of str
        Producer sectors that receive a share (households' final purchases never do).

    Returns
    -------
    DataFrame
        ``period, sector, industry, product, value, basis``: a spending frame for
        :func:`~intelcap.accounts.capitalize.capitalize`; ``attrs["shares"]`` holds the
        shares.
    """
    if indicator not in INDICATORS:
        raise SpecificationError(f"indicator={indicator!r} is not recognised; valid values are: "
                                 f"{', '.join(repr(i) for i in INDICATORS)}")
    tot = _total(total)
    if indicator == "use":
        if tables is None:
            raise SpecificationError("indicator='use' needs the tables")
        t = validate_table(tables, source="tables")
        prods = [product] if isinstance(product, str) else list(product)
        w = t.loc[(t["transaction"] == "P2") & t["product"].isin(prods)
                  & t["sector"].isin(list(sectors))].groupby(
            ["period", "sector", "industry"], sort=True)["value"].sum().reset_index()
        name = f"intermediate use of {'+'.join(prods)}"
        if len(w) == 0:
            raise DataError(f"indicator: the tables have no intermediate use (P2) of "
                            f"{prods} by producers")
    else:
        if weights is None:
            raise SpecificationError(f"indicator={indicator!r} needs weights= (columns sector, "
                                     "industry, value; optional period)")
        need = {"sector", "industry", "value"}
        if not need <= set(weights.columns) or not set(weights.columns) <= need | {"period"}:
            raise DataError(f"weights must have columns sector, industry, value (optional "
                            f"period), got {list(weights.columns)}")
        w = weights.copy()
        w["value"] = pd.to_numeric(w["value"], errors="coerce")
        bad = ~np.isfinite(w["value"].to_numpy(dtype=float)) | (w["value"].to_numpy() < 0)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"weights: value {weights['value'].iloc[r]!r} at row {r} must be "
                            "finite and >= 0")
        hh = (~w["sector"].isin(list(sectors)) | (w["industry"].astype(str) == "_T")).to_numpy()
        if hh.any():
            r = int(np.flatnonzero(hh)[0])
            raise DataError(f"weights: (sector {w['sector'].iloc[r]!r}, industry "
                            f"{w['industry'].iloc[r]!r}) at row {r} is not a producer industry "
                            f"of sectors {list(sectors)}; households' final purchases are "
                            "never allocated")
        if "period" not in w.columns:
            w = pd.concat([w.assign(period=p) for p in tot.index], ignore_index=True)
        name = "ICT employment" if indicator == "employment" else "user indicator table"
    missing = [p for p in tot.index if p not in set(w["period"].tolist())]
    if missing:
        raise DataError(f"indicator ({name}) has no value for period {missing[0]!r}")
    w = w.loc[w["period"].isin(list(tot.index))].copy()
    sums = w.groupby("period")["value"].transform("sum").to_numpy()
    zero = sums <= 0
    if zero.any():
        raise DataError(f"indicator ({name}) sums to 0 in period "
                        f"{w['period'].iloc[int(np.flatnonzero(zero)[0])]!r}: nothing to "
                        "allocate by")
    share = w["value"].to_numpy() / sums
    out = pd.DataFrame({
        "period": w["period"].to_numpy(), "sector": w["sector"].astype(str).to_numpy(),
        "industry": w["industry"].astype(str).to_numpy(), "product": spending_product,
        "value": tot.reindex(w["period"].to_numpy()).to_numpy() * share,
        "basis": [f"allocated by {name} (share {s:.6g})" for s in share],
    })
    out = out.loc[out["value"] > 0].reset_index(drop=True)
    out.attrs["shares"] = pd.DataFrame({"period": w["period"].to_numpy(),
                                        "sector": w["sector"].to_numpy(),
                                        "industry": w["industry"].to_numpy(), "share": share})
    out.attrs["indicator"] = name
    return out
