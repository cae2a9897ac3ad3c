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

from intelcap.accounts._keys import (
    KeyCoder,
    isin,
    lookup,
    text_array,
    text_categorical,
    union_sorted,
)
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


def build_ledger(table: pd.DataFrame, entries: pd.DataFrame, *,
                 _coder: KeyCoder | None = None) -> pd.DataFrame:
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
        asset dimension of GFCF and CFC changes) is left empty for the caller to fill. These
        three text columns are categorical (a few texts repeated over many rows).
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
            out[c] = text_categorical(np.zeros(0, dtype=object))
        return out
    # one int64 per cell (codes in sorted order): group sums, look-ups and the key order of
    # the result without joins on five string columns
    coder = _coder if _coder is not None else KeyCoder([table, entries], key)
    ek = coder.key(entries)
    grouped = pd.Series(entries["delta"].to_numpy(dtype=float)).groupby(ek, sort=True)
    delta = grouped.sum()
    cells = delta.index.to_numpy()
    first = np.asarray(grouped.head(1).index)            # first entry of every cell ...
    first = first[np.argsort(ek[first], kind="stable")]  # ... in key order
    rule = entries["rule"].to_numpy(dtype=object)[first]
    config_key = entries["config_key"].to_numpy(dtype=object)[first]
    counts = grouped.size().to_numpy()
    if (counts > 1).any():
        multi = isin(ek, cells[counts > 1])
        sub = entries.loc[multi, ["rule", "config_key"]].reset_index(drop=True)
        g = sub.groupby(ek[multi], sort=True)
        pos = np.flatnonzero(counts > 1)
        rule[pos] = g["rule"].agg(_join_unique).to_numpy(dtype=object)
        config_key[pos] = g["config_key"].agg(_join_unique).to_numpy(dtype=object)
    at = lookup(coder.key(table), cells)
    before = np.where(at >= 0, table["value"].to_numpy(dtype=float)[np.maximum(at, 0)], 0.0)
    delta_v = delta.to_numpy()
    after = before + delta_v
    # one frame, built once, of the changed cells (cells whose entries sum to 0 are dropped)
    keep = np.flatnonzero(delta_v != 0.0)
    rows = first[keep]
    ledger = pd.DataFrame({
        **{c: (_text_of_codes(coder, entries, c, rows) if entries[c].dtype == object
               else entries[c].array.take(rows)) for c in key},
        "before": before[keep], "after": after[keep], "delta": delta_v[keep],
        "rule": text_categorical(rule[keep]),
        "config_key": text_categorical(config_key[keep]),
        "asset": text_categorical(np.full(len(keep), "", dtype=object)),
    }, copy=False)
    return ledger.loc[:, list(LEDGER_COLUMNS)]


def _text_of_codes(coder: KeyCoder, frame: pd.DataFrame, col: str,
                   rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``frame[col]`` at ``rows`` as a text array, taken from the coder's distinct values by
    the codes it has (no per-row objects)."""
    labels = np.asarray(coder.uniques[col], dtype=object)
    if not all(isinstance(v, str) for v in labels.tolist()):
        return text_array(frame[col].to_numpy()[rows])
    return pd.array(labels, dtype="str").take(coder.codes(frame, col)[rows])


def apply_ledger(table: pd.DataFrame, ledger: pd.DataFrame, *,
                 _coder: KeyCoder | None = None) -> pd.DataFrame:
    """Return ``table`` with the ledger applied (``value`` set to ``after``; new cells added).

    The input is not modified; the result is in canonical order (:func:`sort_table`).
    """
    key = list(KEY)
    if len(ledger) == 0:
        return sort_table(table.copy())
    unit = str(table["unit"].iloc[0])
    basis = str(table["price_basis"].iloc[0])
    coder = _coder if _coder is not None else KeyCoder([table, ledger], key)
    tkey = coder.key(table)
    lkey = coder.key(ledger)
    pos = lookup(tkey, lkey)
    values = table["value"].to_numpy(dtype=float).copy()
    old = pos >= 0
    after = ledger["after"].to_numpy(dtype=float)
    values[pos[old]] = after[old]
    newpos = np.flatnonzero(~old)
    n_new = len(newpos)
    if n_new:
        tkey = np.concatenate([tkey, lkey[newpos]])
    # canonical order from the codes already computed (as sort_table would give)
    order = None
    if len(tkey) > 1 and not (tkey[1:] >= tkey[:-1]).all():
        order = np.argsort(tkey, kind="stable")
        tkey = tkey[order]
    # the result built once, column by column (no frame copy, concat and take): a key
    # column is taken from its few distinct values by the coder's integer codes (no
    # per-row objects); a column that neither gains rows nor changes order is shared
    cols: dict[str, object] = {}
    n_old = len(table)
    for c in COLUMNS:
        col = table[c]
        if c == "value":
            arr: np.ndarray = np.concatenate([values, after[newpos]]) if n_new else values
            cols[c] = arr if order is None else arr[order]
            continue
        if not n_new and order is None:   # an Arrow-backed array's copy shares its buffers
            cols[c] = col.array.copy()
            continue
        if c in key:
            codes = coder.codes(table, c)
            if n_new:
                codes = np.concatenate([codes, coder.codes(ledger, c)[newpos]])
            labels = coder.uniques[c]
        else:   # one unit, one price basis (validated)
            codes = np.zeros(n_old + n_new, dtype=np.int64)
            labels = [unit if c == "unit" else basis]
        if order is not None:
            codes = codes[order]
        if isinstance(col.dtype, np.dtype):
            cols[c] = np.asarray(labels, dtype=col.dtype)[codes]
        else:
            cols[c] = pd.array(np.asarray(labels, dtype=object), dtype=col.dtype).take(codes)
    out = pd.DataFrame(cols, copy=False)   # the arrays are this frame's own
    coder.remember(out, tkey)
    return out


def check_ledger(before: pd.DataFrame, after: pd.DataFrame, ledger: pd.DataFrame, *,
                 atol: float = 1e-9, rtol: float = 1e-12,
                 _coder: KeyCoder | None = None) -> None:
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
    coder = _coder if _coder is not None else KeyCoder([before, after, ledger], key)
    bk, ak = coder.key(before), coder.key(after)
    dk = coder.key(ledger) if len(ledger) else np.zeros(0, dtype=np.int64)
    cells = union_sorted(ak, bk)

    def on_cells(k: np.ndarray, v: np.ndarray) -> np.ndarray:
        at = lookup(k, cells)
        return np.where(at >= 0, v[np.maximum(at, 0)], 0.0) if len(v) else np.zeros(len(cells))

    a = on_cells(ak, after["value"].to_numpy(dtype=float))
    b = on_cells(bk, before["value"].to_numpy(dtype=float))
    booked = on_cells(dk, ledger["delta"].to_numpy(dtype=float) if len(ledger)
                      else np.zeros(0))
    change = a - b
    if len(dk) and not isin(dk, cells).all():
        r = int(np.flatnonzero(~isin(dk, cells))[0])
        extra = ledger.iloc[r][key].tolist()
        raise AccountingIdentityError(f"ledger row {dict(zip(key, extra, strict=True))} is "
                                      "not a cell of the adjusted table")
    scale = np.maximum(np.abs(a), np.abs(b))
    gap = np.abs(change - booked)
    bad = gap > atol + rtol * scale
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        src, at = (after, ak) if isin(cells[pos:pos + 1], ak)[0] else (before, bk)
        row = src.iloc[int(np.flatnonzero(at == cells[pos])[0])]
        cell = {c: row[c] for c in key}
        raise AccountingIdentityError(
            f"the ledger does not explain the change of cell {cell}: table change "
            f"{change[pos]!r}, ledger delta {booked[pos]!r} ({int(bad.sum())} "
            "cell(s) differ)")
