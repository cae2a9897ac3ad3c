r"""Revision analysis: an adjustment's revisions in levels and growth, and vintage comparison.

For a series :math:`X` published in an earlier vintage (:math:`X^{(1)}`) and a later one
(:math:`X^{(2)}`), period by period

.. math::

    R_t = X^{(2)}_t - X^{(1)}_t, \qquad
    g^{(k)}_t = 100\,(X^{(k)}_t / X^{(k)}_{t-1} - 1), \qquad
    R^g_t = g^{(2)}_t - g^{(1)}_t,

and over :math:`n` periods the mean revision :math:`MR = \frac1n \sum_t R_t` and the mean
absolute revision :math:`MAR = \frac1n \sum_t |R_t|` (OECD/Eurostat guidelines on revisions
analysis, 2008; the statistics of the OECD Main Economic Indicators revisions database), for
levels and for growth rates (percentage points).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError

__all__ = ["compare_vintages", "growth"]


def growth(series: pd.Series) -> pd.Series:
    """Percentage change on the previous period (NaN in the first period)."""
    s = series.astype(float)
    prev = s.shift(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (s / prev.where(prev != 0) - 1.0)


def _series(x: Any, item: str) -> pd.Series:
    if hasattr(x, "revisions"):           # an Adjustment: its revised GDP (or item) after
        rev = x.revisions
        col = f"{item}_after"
        if col not in rev.columns:
            raise DataError(f"the adjustment's revision table has no {col!r}")
        return rev[col]
    if isinstance(x, pd.Series):
        return x
    if isinstance(x, pd.DataFrame) and item in x.columns:
        return x[item]
    raise DataError(f"a vintage must be an Adjustment, a Series by period or a DataFrame with "
                    f"a column {item!r}; got {type(x).__name__}")


def compare_vintages(first: Any, second: Any, *, item: str = "GDP",
                     names: tuple[str, str] = ("vintage 1", "vintage 2")
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare two vintages of a series: the revision table and its summary statistics.

    Parameters
    ----------
    first, second : Adjustment, Series or DataFrame
        The earlier and the later vintage: two :class:`~intelcap.accounts.capitalize.Adjustment`
        results (their ``<item>_after``), or series by period.
    item : str
        Item of an Adjustment's revision table (``"GDP"``, ``"GFCF"``, ``"CFC"``, ``"NDP"``).
    names : (str, str)
        Labels of the two vintages in the table.

    Returns
    -------
    table : DataFrame
        By period (the periods both vintages have): level in each vintage, revision,
        revision in % of the first, growth in each vintage and the growth revision (pp).
    summary : DataFrame
        Rows ``mean revision``, ``mean absolute revision``, ``periods``; columns ``level``
        and ``growth (pp)``.
    """
    a, b = _series(first, item), _series(second, item)
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise DataError("the two vintages have no period in common")
    a, b = a.reindex(common).astype(float), b.reindex(common).astype(float)
    n1, n2 = names
    ga, gb = growth(a), growth(b)
    table = pd.DataFrame({
        f"{item} {n1}": a, f"{item} {n2}": b, "revision": b - a,
        "revision %": 100.0 * (b - a) / a.where(a != 0),
        f"growth % {n1}": ga, f"growth % {n2}": gb, "growth revision (pp)": gb - ga,
    }, index=common)
    table.index.name = "period"
    lev, gro = table["revision"], table["growth revision (pp)"].dropna()
    summary = pd.DataFrame({
        "level": [lev.mean(), lev.abs().mean(), float(len(lev))],
        "growth (pp)": [gro.mean() if len(gro) else np.nan,
                        gro.abs().mean() if len(gro) else np.nan, float(len(gro))],
    }, index=["mean revision", "mean absolute revision", "periods"])
    return table, summary
