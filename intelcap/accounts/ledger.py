"""The audit ledger of an adjustment: one row per changed cell of a national-accounts table.

Every change the capitalization engine makes is first written as a ledger *entry* (the key of
the cell, a delta, the rule that produced it and the configuration key that set the share); the
entries are then summed by cell into the ledger, and the ledger is applied to the table. So, by
construction and checked by :func:`check_ledger`,

.. math::

    \\text{after}_c - \\text{before}_c = \\sum_{e \\in c} \\delta_e = \\text{delta}_c

for every cell :math:`c` of the table; a cell absent before the adjustment has ``before = 0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intelcap.accounts.tables import COLUMNS, KEY, sort_table
from intelcap.exceptions import AccountingIdentityError, DataError

__all__ = ["ENTRY_COLUMNS", "LEDGER_COLUMNS", "apply_ledger", "build_ledger", "check_ledger"]

#: Columns of the ledger, in order.
LEDGER_COLUMNS: tuple[str, ...] = (*KEY, "before", "after", "delta", "rule", "config_key",
                                   "asset")
#: Columns of the entries the engine records before they are summed by cell.
ENTRY_COLUMNS: tuple[str, ...] = (*KEY, "delta", "rule", "config_key")


def _join_unique(values: pd.Series) -> str:
    seen: list[str] = []
    for v in values:
        for part in str(v).split("; "):
            if part and part not in seen:
                seen.append(part)
    return "; ".join(seen)


def build_ledger(table: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """Sum ledger entries by cell and attach the values before and after.

    Parameters
    ----------
    table : DataFrame
        The validated long table before the adjustment.
    entries : DataFrame
        Columns :data:`ENTRY_COLUMNS`: one row per elementary change.

    Returns
    -------
    DataFrame
        Columns :data:`LEDGER_COLUMNS`, one row per changed cell (cells whose entries sum to
        exactly zero are not changed and have no row), sorted by key. ``rule`` and
        ``config_key`` join the distinct values of the entries with ``"; "``; ``asset`` (the
        asset dimension of GFCF and CFC changes) is left empty for the caller to fill.
    """
    missing = [c for c in ENTRY_COLUMNS if c not in entries.columns]
    if missing:
        raise DataError(f"ledger entries are missing column(s) {missing}")
    key = list(KEY)
    if len(entries) == 0:
        out = pd.DataFrame({c: pd.Series([], dtype=table[c].dtype) for c in key})
        for c in ("before", "after", "delta"):
            out[c] = pd.Series([], dtype="float64")
        for c in ("rule", "config_key", "asset"):
            out[c] = pd.Series([], dtype="str")
        return out
    grouped = entries.groupby(key, sort=True)
    ledger = grouped["delta"].sum().to_frame()
    if entries.duplicated(key).any():
        ledger["rule"] = grouped["rule"].agg(_join_unique)
        ledger["config_key"] = grouped["config_key"].agg(_join_unique)
    else:
        first = entries.set_index(key)
        ledger["rule"] = first["rule"].reindex(ledger.index)
        ledger["config_key"] = first["config_key"].reindex(ledger.index)
    before = table.set_index(key)["value"]
    ledger["before"] = before.reindex(ledger.index)
    ledger["before"] = ledger["before"].fillna(0.0)
    ledger["after"] = ledger["before"] + ledger["delta"]
    keep = ledger["delta"].to_numpy() != 0.0
    ledger = ledger.loc[keep].reset_index()
    ledger["rule"] = ledger["rule"].astype("str")
    ledger["config_key"] = ledger["config_key"].astype("str")
    ledger["asset"] = ""
    return ledger.loc[:, list(LEDGER_COLUMNS)]


def apply_ledger(table: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with the ledger applied (``value`` set to ``after``; new cells added).

    The input is not modified; the result is in canonical order (:func:`sort_table`).
    """
    key = list(KEY)
    if len(ledger) == 0:
        return sort_table(table.copy())
    unit = str(table["unit"].iloc[0])
    basis = str(table["price_basis"].iloc[0])
    idx = pd.MultiIndex.from_frame(table[key])
    lidx = pd.MultiIndex.from_frame(ledger[key])
    pos = idx.get_indexer(lidx)
    values = table["value"].to_numpy(dtype=float).copy()
    old = pos >= 0
    values[pos[old]] = ledger["after"].to_numpy(dtype=float)[old]
    out = table.copy()
    out["value"] = values
    if (~old).any():
        new = ledger.loc[~old, key].copy()
        new["value"] = ledger.loc[~old, "after"].to_numpy(dtype=float)
        new["unit"] = unit
        new["price_basis"] = basis
        new = new.astype({c: out[c].dtype for c in key})
        out = pd.concat([out, new.loc[:, list(COLUMNS)]], ignore_index=True)
    return sort_table(out)


def check_ledger(before: pd.DataFrame, after: pd.DataFrame, ledger: pd.DataFrame, *,
                 atol: float = 1e-9, rtol: float = 1e-12) -> None:
    """Check that the ledger accounts for every change between two tables.

    For every cell of the union of the two tables, ``after - before`` (absent = 0) must equal
    the ledger's delta for that cell (0 if the cell has no ledger row), within
    ``atol + rtol * |value|``.

    Raises
    ------
    AccountingIdentityError
        Naming the first cell whose change the ledger does not explain, with both numbers.
    """
    key = list(KEY)
    b = before.set_index(key)["value"]
    a = after.set_index(key)["value"]
    d = ledger.set_index(key)["delta"] if len(ledger) else pd.Series(dtype="float64")
    cells = a.index.union(b.index)
    change = a.reindex(cells).fillna(0.0) - b.reindex(cells).fillna(0.0)
    booked = d.reindex(cells).fillna(0.0)
    if len(d) and not d.index.isin(cells).all():
        extra = d.index[~d.index.isin(cells)][0]
        raise AccountingIdentityError(f"ledger row {dict(zip(key, extra, strict=True))} is "
                                      "not a cell of the adjusted table")
    scale = np.maximum(np.abs(a.reindex(cells).fillna(0.0).to_numpy()),
                       np.abs(b.reindex(cells).fillna(0.0).to_numpy()))
    gap = np.abs(change.to_numpy() - booked.to_numpy())
    bad = gap > atol + rtol * scale
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        cell = dict(zip(key, cells[pos], strict=True))
        raise AccountingIdentityError(
            f"the ledger does not explain the change of cell {cell}: table change "
            f"{change.iloc[pos]!r}, ledger delta {booked.iloc[pos]!r} ({int(bad.sum())} "
            "cell(s) differ)")
