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
    TextCodes,
    categorical_of_codes,
    combine,
    compact,
    isin,
    lookup_sorted,
    text_array,
    text_categorical,
    union_sorted,
    used_codes,
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
    codes = {c: coder.codes(entries, c) for c in key}
    return _ledger_of_codes(table, codes, entries["delta"].to_numpy(dtype=float),
                            entries["rule"].to_numpy(dtype=object),
                            entries["config_key"].to_numpy(dtype=object), coder)


def _ledger_of_codes(table: pd.DataFrame, codes: dict[str, np.ndarray], delta: np.ndarray,
                     all_rule: np.ndarray, all_key: np.ndarray, coder: KeyCoder, *,
                     categorical: bool = False, texts: TextCodes | None = None
                     ) -> pd.DataFrame:
    """:func:`build_ledger` on entries given as the coder's codes of their key columns (in
    entry order), their deltas, rules and configuration keys: no entry frame and no text
    per entry; the ledger's text is taken from the coder's distinct values at the end
    (``categorical``: its text key columns categorical, as the engine gives them;
    ``texts``: the rules and configuration keys are given as its codes)."""
    key = list(KEY)
    ek = combine([codes[c] for c in key], [len(coder.uniques[c]) for c in key])
    # group sums by cell in key order (first entry of every cell: its first row)
    cells, first, inv = np.unique(ek, return_index=True, return_inverse=True)
    delta_v = np.bincount(inv, weights=delta, minlength=len(cells))
    rule, config_key = all_rule[first], all_key[first]
    counts = np.bincount(inv, minlength=len(cells))
    if (counts > 1).any():
        # cells with several entries: their distinct rules and keys joined, in entry order
        by_cell = np.argsort(inv, kind="stable")
        start = np.concatenate([[0], np.cumsum(counts)])
        for p in np.flatnonzero(counts > 1).tolist():
            rows_p = by_cell[start[p]:start[p + 1]]
            if texts is None:
                rule[p] = _join_unique(all_rule[rows_p])
                config_key[p] = _join_unique(all_key[rows_p])
            else:
                lab = texts.labels
                rule[p] = texts.code(_join_unique([lab[i] for i in all_rule[rows_p]]))
                config_key[p] = texts.code(_join_unique([lab[i] for i in all_key[rows_p]]))
    del inv
    at = coder.find(table, cells)
    before = np.where(at >= 0, table["value"].to_numpy(dtype=float)[np.maximum(at, 0)], 0.0)
    after = before + delta_v
    # one frame, built once, of the changed cells (cells whose entries sum to 0 are dropped)
    keep = np.flatnonzero(delta_v != 0.0)
    rows = first[keep]
    cols: dict[str, object] = {}
    for c in key:
        cols[c] = _labels_take(coder, c, codes[c][rows], table[c].dtype, categorical)
    ledger = pd.DataFrame({
        **cols,
        "before": before[keep], "after": after[keep], "delta": delta_v[keep],
        "rule": (text_categorical(rule[keep]) if texts is None
                 else categorical_of_codes(rule[keep], texts.labels)),
        "config_key": (text_categorical(config_key[keep]) if texts is None
                       else categorical_of_codes(config_key[keep], texts.labels)),
        "asset": categorical_of_codes(np.zeros(len(keep), dtype=np.int8), [""]),
    }, copy=False)
    ledger = ledger.loc[:, list(LEDGER_COLUMNS)]
    # the ledger's keys are its entries' (the coder need not code them again), and so are
    # its rows' positions in the table
    coder.remember(ledger, cells[keep])
    coder.remember_rows(table, ledger, at[keep])
    for c in key:
        coder.remember_codes(ledger, c, compact(codes[c][rows], len(coder.uniques[c])))
    return ledger


def _labels_take(coder: KeyCoder, col: str, codes: np.ndarray, dtype: object,
                 categorical: bool = False) -> object:
    """The values of ``col`` at ``codes`` (the coder's) as an array of ``dtype`` (a key
    column's dtype in the table), taken from the coder's few distinct values (text as a
    categorical of the values that occur when ``categorical``)."""
    labels = np.asarray(coder.uniques[col], dtype=object)
    if isinstance(dtype, np.dtype) and dtype.kind != "O":
        return np.asarray(labels.tolist(), dtype=dtype)[codes]
    if categorical and all(isinstance(v, str) for v in labels.tolist()):
        local, used = used_codes(codes, len(labels))
        return pd.Categorical.from_codes(compact(local, int(used.sum())),
                                         dtype=pd.CategoricalDtype(pd.Index(labels[used],
                                                                            dtype="str")))
    if not all(isinstance(v, str) for v in labels.tolist()):
        return text_array(labels[codes])
    return pd.array(labels, dtype="str" if isinstance(dtype, np.dtype) else dtype).take(codes)


def apply_ledger(table: pd.DataFrame, ledger: pd.DataFrame, *,
                 _coder: KeyCoder | None = None, _categorical: bool = False) -> pd.DataFrame:
    """Return ``table`` with the ledger applied (``value`` set to ``after``; new cells added).

    The input is not modified; the result is in canonical order (:func:`sort_table`).
    ``_categorical``: its text columns categorical (the engine's long results: one or two
    bytes a row instead of a string each).
    """
    key = list(KEY)
    if len(ledger) == 0:
        return sort_table(table.copy())
    unit = str(table["unit"].iloc[0])
    basis = str(table["price_basis"].iloc[0])
    coder = _coder if _coder is not None else KeyCoder([table, ledger], key)
    lkey = coder.key(ledger)
    pos = coder.find_rows(table, ledger)
    values = table["value"].to_numpy(dtype=float).copy()
    old = pos >= 0
    after = ledger["after"].to_numpy(dtype=float)
    values[pos[old]] = after[old]
    del pos
    newpos = np.flatnonzero(~old)
    n_new = len(newpos)
    n_old = len(table)
    # canonical order from the codes already computed (as sort_table would give): the
    # table's keys in the order the coder keeps, merged with the new rows' (keys are
    # distinct, so any sort gives this order; a stable sort of two sorted runs merges them)
    order = None
    skey, torder = coder.sort(table)
    if n_new:
        nkey = lkey[newpos]
        norder = np.argsort(nkey, kind="stable")
        both = np.concatenate([skey, nkey[norder]])
        merge = np.argsort(both, kind="stable")
        tkey = both[merge]
        del both
        order = np.concatenate([torder if torder is not None else np.arange(n_old),
                                n_old + norder])[merge]
        del merge
        if (order == np.arange(len(order))).all():
            order = None
    else:
        tkey, order = skey, torder
    # the result built once, column by column (no frame copy, concat and take): a key
    # column is taken from its few distinct values by the coder's integer codes (no
    # per-row objects); a column that neither gains rows nor changes order is shared
    cols: dict[str, object] = {}
    kept: dict[str, np.ndarray] = {}
    for c in COLUMNS:
        col = table[c]
        if c == "value":
            arr: np.ndarray = np.concatenate([values, after[newpos]]) if n_new else values
            cols[c] = arr if order is None else arr[order]
            continue
        if not n_new and order is None and not (_categorical and c != "period"):
            cols[c] = col.array.copy()   # an Arrow-backed array's copy shares its buffers
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
        if c in key:   # kept (one or two bytes a row) for the checks of the result
            kept[c] = compact(codes, len(labels))
        if isinstance(col.dtype, np.dtype):
            cols[c] = np.asarray(labels, dtype=col.dtype)[codes]
        elif _categorical:
            codes, used = used_codes(codes, len(labels))
            cols[c] = pd.Categorical.from_codes(
                compact(codes, int(used.sum())), dtype=pd.CategoricalDtype(pd.Index(
                    np.asarray(labels, dtype=object)[used], dtype=col.dtype)))
        else:
            cols[c] = pd.array(np.asarray(labels, dtype=object), dtype=col.dtype).take(codes)
        del codes
    out = pd.DataFrame(cols, copy=False)   # the arrays are this frame's own
    coder.remember(out, tkey)
    for c, k in kept.items():
        coder.remember_codes(out, c, k)
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
    dk = coder.key(ledger) if len(ledger) else np.zeros(0, dtype=np.int64)
    sb, b_order = coder.sort(before)
    sa, a_order = coder.sort(after)
    # the cells: the union of the two tables' keys; when every cell of ``before`` is one of
    # ``after`` (an adjustment adds rows, it removes none), the keys of ``after``
    at_b = np.minimum(np.searchsorted(sa, sb), max(len(sa) - 1, 0)) if len(sa) else None
    subset = at_b is not None and bool((sa[at_b] == sb).all())
    cells = sa if subset else union_sorted(sa, sb)

    def on_cells(skey: np.ndarray, order: np.ndarray | None, v: np.ndarray) -> np.ndarray:
        if not len(v):
            return np.zeros(len(cells))
        at = lookup_sorted(skey, order, cells)
        return np.where(at >= 0, v[np.maximum(at, 0)], 0.0)

    av = after["value"].to_numpy(dtype=float)
    bv = before["value"].to_numpy(dtype=float)
    if subset:
        a = av if a_order is None else av[a_order]
        b = np.zeros(len(cells))
        b[at_b] = bv if b_order is None else bv[b_order]
    else:
        a = on_cells(sa, a_order, av)
        b = on_cells(sb, b_order, bv)
    del at_b
    d_order = (None if len(dk) < 2 or (dk[1:] > dk[:-1]).all()
               else np.argsort(dk, kind="stable"))
    sd = dk if d_order is None else dk[d_order]
    if len(dk):
        at_d = lookup_sorted(sd, d_order, cells)
        booked = np.where(at_d >= 0, ledger["delta"].to_numpy(dtype=float)[
            np.maximum(at_d, 0)], 0.0)
        n_found = int((at_d >= 0).sum())   # ledger keys are distinct: all found if as many
        del at_d
    else:
        booked, n_found = np.zeros(len(cells)), 0
    change = a - b
    if n_found < len(dk):
        in_cells = lookup_sorted(cells, None, dk) >= 0
        r = int(np.flatnonzero(~in_cells)[0])
        extra = ledger.iloc[r][key].tolist()
        raise AccountingIdentityError(f"ledger row {dict(zip(key, extra, strict=True))} is "
                                      "not a cell of the adjusted table")
    scale = np.maximum(np.abs(a), np.abs(b))
    gap = np.abs(change - booked)
    bad = gap > atol + rtol * scale
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        ak = coder.key(after)
        src, at = (after, ak) if isin(cells[pos:pos + 1], ak)[0] else (before, coder.key(before))
        row = src.iloc[int(np.flatnonzero(at == cells[pos])[0])]
        cell = {c: row[c] for c in key}
        raise AccountingIdentityError(
            f"the ledger does not explain the change of cell {cell}: table change "
            f"{change[pos]!r}, ledger delta {booked[pos]!r} ({int(bad.sum())} "
            "cell(s) differ)")
