"""National-accounts tables: the long schema, its code registry and its validation.

A national-accounts table in intelcap is a tidy long :class:`pandas.DataFrame` with the columns,
in this order,

=========== ============ ===================================================================
column      type         meaning
=========== ============ ===================================================================
period      int64 or str reference period (a year as an integer, or a label like ``2024Q1``)
sector      str          ESA 2010 / 2008 SNA institutional sector (:data:`SECTORS`)
industry    str          industry code (BEA, NACE, ...); ``"_T"`` when not broken down
product     str          product / commodity code; ``"_T"`` when not broken down
transaction str          SNA transaction or balancing-item code (:data:`TRANSACTIONS`)
value       float64      the value, in ``unit``
unit        str          currency and multiplier, e.g. ``"USD_MN"``; one unit per table
price_basis str          ``"current"``, ``"constant"`` or ``"chain_linked"``; one per table
=========== ============ ===================================================================

The key is ``(period, sector, industry, product, transaction)``. Tables hold *leaf* rows:
aggregates such as GDP (``B1GQ``) are derived by code (:mod:`intelcap.accounts.gdp`). Two kinds of
double counting are refused by :func:`validate_table`:

* a product total ``"_T"`` row beside product rows for the same
  ``(period, sector, industry, transaction)``;
* a whole-economy ``S1`` row beside sector rows (``S11``-``S15``, ``S2``) for the same
  ``(period, transaction)``.

Codes follow the ESA 2010 transmission programme / SDMX ``NA_MAIN`` code lists (Eurostat,
*ESA 2010 transmission programme of data*, 2014; UN et al., *System of National Accounts 2008*).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError, IntelcapTypeError, MissingDataError

__all__ = [
    "COLUMNS",
    "KEY",
    "MARKET_SECTORS",
    "NON_MARKET_SECTORS",
    "PRICE_BASES",
    "PRODUCER_SECTORS",
    "SECTORS",
    "TOTAL",
    "TRANSACTIONS",
    "Transaction",
    "from_wide",
    "make_table",
    "row_label",
    "sort_table",
    "table_price_basis",
    "table_unit",
    "to_wide",
    "validate_table",
]

#: Columns of a long national-accounts table, in order.
COLUMNS: tuple[str, ...] = (
    "period", "sector", "industry", "product", "transaction", "value", "unit", "price_basis",
)
#: Key columns: no two rows may share them.
KEY: tuple[str, ...] = ("period", "sector", "industry", "product", "transaction")
#: Code for "not broken down" (SDMX total), used in ``industry`` and ``product``.
TOTAL = "_T"
#: Admissible price bases.
PRICE_BASES: tuple[str, ...] = ("current", "constant", "chain_linked")

#: Institutional sectors (ESA 2010 chapter 2; SNA 2008 chapter 4).
SECTORS: Mapping[str, str] = MappingProxyType({
    "S1": "Total economy",
    "S11": "Non-financial corporations",
    "S12": "Financial corporations",
    "S13": "General government",
    "S14": "Households",
    "S15": "Non-profit institutions serving households",
    "S2": "Rest of the world",
})
#: Sectors whose rows are producers' accounts (output, intermediate consumption, value added).
PRODUCER_SECTORS: tuple[str, ...] = ("S11", "S12", "S13", "S14", "S15")
#: Market producers (output sold at economically significant prices).
MARKET_SECTORS: tuple[str, ...] = ("S11", "S12", "S14")
#: Non-market producers (output valued at the sum of costs).
NON_MARKET_SECTORS: tuple[str, ...] = ("S13", "S15")

_PROD = ("S1", *PRODUCER_SECTORS)


@dataclass(frozen=True)
class Transaction:
    """One SNA transaction or balancing item known to intelcap.

    Attributes
    ----------
    code : str
        ESA / SNA code (``"P2"``).
    name : str
        English label.
    approach : str
        Role in GDP: ``"production"``, ``"income"``, ``"expenditure"``, ``"tax"`` (enters the
        production and income approaches), ``"capital"`` (consumption of fixed capital) or
        ``"derived"`` (a balancing item that is checked, never summed).
    sectors : tuple of str
        Sectors on which the item may be recorded.
    """

    code: str
    name: str
    approach: str
    sectors: tuple[str, ...]


def _tx(code: str, name: str, approach: str, sectors: tuple[str, ...]) -> tuple[str, Transaction]:
    return code, Transaction(code, name, approach, sectors)


#: Transaction registry: code -> :class:`Transaction`.
TRANSACTIONS: Mapping[str, Transaction] = MappingProxyType(dict([
    _tx("P1", "Output", "production", _PROD),
    _tx("P2", "Intermediate consumption", "production", _PROD),
    _tx("B1G", "Value added, gross", "derived", _PROD),
    _tx("P51C", "Consumption of fixed capital", "capital", _PROD),
    _tx("D1", "Compensation of employees", "income", _PROD),
    _tx("D29X39", "Other taxes less other subsidies on production", "income", _PROD),
    _tx("B2A3G", "Operating surplus and mixed income, gross", "income", _PROD),
    _tx("D21X31", "Taxes less subsidies on products", "tax", ("S1",)),
    _tx("P3", "Final consumption expenditure", "expenditure", ("S1", "S13", "S14", "S15")),
    _tx("P51G", "Gross fixed capital formation", "expenditure", _PROD),
    _tx("P52", "Changes in inventories", "expenditure", _PROD),
    _tx("P53", "Acquisitions less disposals of valuables", "expenditure", _PROD),
    _tx("P6", "Exports of goods and services", "expenditure", ("S1", "S2")),
    _tx("P7", "Imports of goods and services", "expenditure", ("S1", "S2")),
    _tx("B1GQ", "Gross domestic product at market prices", "derived", ("S1",)),
]))

_STR_COLUMNS = ("sector", "industry", "product", "transaction", "unit", "price_basis")


# --------------------------------------------------------------------------------------------
# naming rows in messages
# --------------------------------------------------------------------------------------------
def row_label(table: pd.DataFrame, label: Any, *, row_word: str = "row") -> str:
    """Describe row ``label`` of ``table`` by its index label and its key, for error messages."""
    parts = []
    row = table.loc[label]
    if isinstance(row, pd.DataFrame):  # non-unique index: take the first
        row = row.iloc[0]
    for col in KEY:
        if col in table.columns:
            parts.append(f"{col}={_py(row[col])!r}")
    return f"{row_word} {_py(label)!r} ({', '.join(parts)})"


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _key_text(values: Iterable[Any], cols: Iterable[str] = KEY) -> str:
    return "(" + ", ".join(f"{c}={_py(v)!r}" for c, v in zip(cols, values, strict=False)) + ")"


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


# --------------------------------------------------------------------------------------------
# normalisation of single columns
# --------------------------------------------------------------------------------------------
def _normalise_period(period: pd.Series, where: str, table: pd.DataFrame, row_word: str
                      ) -> pd.Series:
    if pd.api.types.is_bool_dtype(period):
        raise DataError(f"{where}column 'period' is boolean; use years (int) or labels (str)")
    if pd.api.types.is_integer_dtype(period):
        return period if period.dtype == np.int64 else period.astype("int64")
    if pd.api.types.is_float_dtype(period):
        arr = period.to_numpy(dtype=float)
        bad = arr != np.round(arr)
        if bad.any():
            lab = period.index[np.flatnonzero(bad)[0]]
            raise DataError(f"{where}non-integer period {period[lab]!r} at "
                            f"{row_label(table, lab, row_word=row_word)}")
        return period.astype("int64")
    # work on the distinct values only (periods repeat across many rows)
    codes, uniques = pd.factorize(period.astype(object))
    u = np.asarray(uniques, dtype=object)
    is_str_u = np.array([isinstance(v, str) for v in u], dtype=bool)
    is_int_u = np.array([isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                         for v in u], dtype=bool)
    if not (is_str_u | is_int_u).all():
        lab = period.index[np.flatnonzero(~(is_str_u | is_int_u)[codes])[0]]
        raise DataError(f"{where}period {period[lab]!r} is neither an int year nor a str label at "
                        f"{row_label(table, lab, row_word=row_word)}")
    text_u = np.array([v.strip() if isinstance(v, str) else str(v) for v in u], dtype=object)
    if (text_u == "").any():
        lab = period.index[np.flatnonzero((text_u == "")[codes])[0]]
        raise MissingDataError(f"{where}empty period at {row_label(table, lab, row_word=row_word)}")
    digits_u = np.array([re.fullmatch(r"-?\d+", t) is not None for t in text_u], dtype=bool)
    if digits_u.all():
        ints = np.array([int(t) for t in text_u], dtype=np.int64)
        return pd.Series(ints[codes], index=period.index, name=period.name)
    if is_int_u.any():
        lab = period.index[np.flatnonzero(is_int_u[codes])[0]]
        raise DataError(f"{where}mixed period types: int {period[lab]!r} at "
                        f"{row_label(table, lab, row_word=row_word)} beside str labels such as "
                        f"{text_u[~digits_u][0]!r}; use one kind")
    return pd.Series(text_u[codes], index=period.index, name=period.name).astype("str")


def _normalise_str(col: str, s: pd.Series, where: str, table: pd.DataFrame, row_word: str,
                   factors: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                   ) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype) and len(s.dtype.categories) and all(
            isinstance(v, str) for v in s.dtype.categories):
        # dictionary-encoded text (a Parquet reader's): the codes are there, no hashing
        cats = np.asarray(s.dtype.categories, dtype=object)
        codes = s.cat.codes.to_numpy().astype(np.int64)   # no missing codes (checked)
        used = np.bincount(codes, minlength=len(cats)) > 0
        uniq = np.array(sorted(cats[used].tolist()), dtype=object)
        rank = np.full(len(cats), -1, dtype=np.int64)
        rank[used] = pd.Index(uniq).get_indexer(cats[used])
        blank_u = np.array([u.strip() == "" for u in uniq.tolist()], dtype=bool)
        if blank_u.any():
            lab = s.index[np.flatnonzero(blank_u[rank[codes]])[0]]
            raise MissingDataError(f"{where}empty {col!r} at "
                                   f"{row_label(table, lab, row_word=row_word)}"
                                   + ("; use '_T' for 'not broken down'"
                                      if col in ("industry", "product") else ""))
        if factors is not None:
            factors[col] = (rank[codes], uniq)
        out = pd.Series(pd.array(uniq, dtype="str").take(rank[codes]), index=s.index,
                        name=s.name)
        return out
    if pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("int64").astype("str")
    elif pd.api.types.is_string_dtype(s) and s.dtype != object:
        out = s if s.dtype == "str" else s.astype("str")
    else:
        vcodes, vuniq = pd.factorize(s.astype(object))
        ok_u = np.array([isinstance(v, str) for v in np.asarray(vuniq, dtype=object)],
                        dtype=bool)
        if not ok_u.all():
            lab = s.index[np.flatnonzero(~ok_u[vcodes])[0]]
            raise DataError(f"{where}column {col!r} holds the non-text value {s[lab]!r} at "
                            f"{row_label(table, lab, row_word=row_word)}; codes are strings")
        out = s.astype(object).astype("str")
    if len(out) <= 4096:   # short column: numpy's sort of the objects (same order, cheaper)
        uniques, codes = np.unique(out.to_numpy(dtype=object), return_inverse=True)
    else:
        codes, uniques = pd.factorize(out, sort=True)
    blank_unique = np.array([u.strip() == "" for u in np.asarray(uniques, dtype=object)],
                            dtype=bool)
    blank = blank_unique[codes] if blank_unique.any() else np.zeros(len(out), dtype=bool)
    if blank.any():
        lab = s.index[np.flatnonzero(blank)[0]]
        raise MissingDataError(f"{where}empty {col!r} at {row_label(table, lab, row_word=row_word)}"
                               + ("; use '_T' for 'not broken down'"
                                  if col in ("industry", "product") else ""))
    if factors is not None:
        factors[col] = (codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object))
    return out


def _normalise_value(s: pd.Series, where: str, table: pd.DataFrame, row_word: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        raise DataError(f"{where}column 'value' is boolean")
    if pd.api.types.is_numeric_dtype(s):
        out = s if s.dtype == np.float64 else s.astype("float64")
    else:
        out = pd.to_numeric(s.astype(object), errors="coerce").astype("float64")
        bad = out.isna().to_numpy() & s.notna().to_numpy()
        if bad.any():
            lab = s.index[np.flatnonzero(bad)[0]]
            raise DataError(f"{where}non-numeric value {s[lab]!r} at "
                            f"{row_label(table, lab, row_word=row_word)} ({int(bad.sum())} such "
                            "value(s) in column 'value')")
    arr = out.to_numpy()
    bad = ~np.isfinite(arr)
    if bad.any():
        lab = s.index[np.flatnonzero(bad)[0]]
        kind = "missing value" if np.isnan(arr[np.flatnonzero(bad)[0]]) else "infinite value"
        raise MissingDataError(f"{where}{kind} in column 'value' at "
                               f"{row_label(table, lab, row_word=row_word)} ({int(bad.sum())} "
                               "non-finite value(s)); tables hold observed cells only")
    return out


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def validate_table(table: pd.DataFrame, *, source: str | None = None,
                   row_word: str = "row") -> pd.DataFrame:
    """Check a long national-accounts table and return it normalised.

    The input is never modified. The returned copy has the columns of :data:`COLUMNS` in order,
    ``period`` as ``int64`` (when every period is a whole number, including digit strings) or
    ``str``, the code columns as ``str`` and ``value`` as ``float64``; its index is kept.

    Parameters
    ----------
    table : DataFrame
        Long table (see the module docstring).
    source : str, optional
        Name of where the table came from (a file), prefixed to error messages.
    row_word : str
        Word for the index labels in messages (readers pass ``"line"`` with file line numbers).

    Returns
    -------
    DataFrame
        The normalised table.

    Raises
    ------
    DataError
        Missing or extra columns, non-text codes, non-numeric values, unknown sector,
        transaction or price-basis codes, a transaction on a sector where it cannot be recorded,
        mixed units or price bases, duplicate keys, a ``"_T"`` product row beside product rows
        of the same cell, an ``S1`` total beside sector rows of the same transaction.
    MissingDataError
        A missing or empty cell (named by row and column).
    """
    where = _where(source)
    if not isinstance(table, pd.DataFrame):
        raise IntelcapTypeError(f"{where}a national-accounts table must be a pandas DataFrame, "
                                f"got {type(table).__name__}")
    cols = [str(c) for c in table.columns]
    missing = [c for c in COLUMNS if c not in cols]
    extra = [c for c in cols if c not in COLUMNS]
    if missing or extra:
        msg = f"{where}table columns must be {list(COLUMNS)}"
        if missing:
            msg += f"; missing {missing}"
        if extra:
            msg += f"; unexpected {extra}"
        raise DataError(msg)
    if len(set(cols)) != len(cols):
        raise DataError(f"{where}duplicate column names in {cols}")
    if list(table.columns) == list(COLUMNS):
        t = table   # only read below (the result is a new frame): no reselection
    else:
        t = table.loc[:, list(COLUMNS)]
        t.columns = list(COLUMNS)
    if len(t) == 0:
        return _empty_like(t)

    # missing cells, in column order, naming the first
    isna = t.isna()
    if isna.to_numpy().any():
        col = next(c for c in COLUMNS if isna[c].any())
        lab = t.index[isna[col].to_numpy()][0]
        raise MissingDataError(
            f"{where}missing {col!r} at {row_label(t, lab, row_word=row_word)} "
            f"({int(isna[col].sum())} missing in that column); tables hold observed cells only"
        )

    out = {"period": _normalise_period(t["period"], where, t, row_word)}
    # every code column is factorized once; the checks below work on the distinct values and
    # on integer codes (one pass over the rows per check, no string comparisons per row)
    fac: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for col in _STR_COLUMNS:
        out[col] = _normalise_str(col, t[col], where, t, row_word, fac)
    pcodes, puniq = pd.factorize(out["period"], sort=True)
    fac["period"] = (pcodes.astype(np.int64, copy=False), np.asarray(puniq, dtype=object))
    raw_value = t["value"]
    # the columns (all on t's index) as arrays, in COLUMNS order: no alignment, no reselection
    t = pd.DataFrame({c: (raw_value if c == "value" else out[c]).array for c in COLUMNS},
                     index=t.index)
    t["value"] = _normalise_value(raw_value, where, t, row_word)

    # codes
    for col, valid in (("sector", SECTORS), ("transaction", TRANSACTIONS),
                       ("price_basis", PRICE_BASES)):
        codes, uniq = fac[col]
        ok_u = np.isin(uniq, np.array(list(valid), dtype=object))
        if not ok_u.all():
            bad = ~ok_u[codes]
            lab = t.index[np.flatnonzero(bad)[0]]
            unknown = sorted(uniq[~ok_u].tolist())
            raise DataError(f"{where}unknown {col} code {t.at[lab, col]!r} at "
                            f"{row_label(t, lab, row_word=row_word)}; unknown codes: {unknown}; "
                            f"valid codes: {list(valid)}")

    # one unit, one price basis
    for col, plural in (("unit", "units"), ("price_basis", "price bases")):
        codes, _ = fac[col]
        if (codes != codes[0]).any():
            lab = t.index[np.flatnonzero(codes != codes[0])[0]]
            raise DataError(f"{where}mixed {plural}: {t.at[lab, col]!r} at "
                            f"{row_label(t, lab, row_word=row_word)} but {t[col].iloc[0]!r} at "
                            f"{row_label(t, t.index[0], row_word=row_word)}; a table has one "
                            f"{col.replace('_', ' ')} (convert first)")

    # transaction recorded on an admissible sector (checked on the distinct pairs)
    from intelcap.accounts._keys import combine, duplicated

    tcodes, tuniq = fac["transaction"]
    scodes, suniq = fac["sector"]
    pair = combine([tcodes, scodes], [len(tuniq), len(suniq)])
    pcode, pu = pd.factorize(pair)
    pu = np.asarray(pu)
    ok_u = np.array([suniq[v % len(suniq)] in TRANSACTIONS[tuniq[v // len(suniq)]].sectors
                     for v in pu.tolist()], dtype=bool)
    if not ok_u.all():
        lab = t.index[np.flatnonzero(~ok_u[pcode])[0]]
        code = t.at[lab, "transaction"]
        raise DataError(f"{where}transaction {code!r} cannot be recorded on sector "
                        f"{t.at[lab, 'sector']!r} at {row_label(t, lab, row_word=row_word)}; "
                        f"admissible sectors: {list(TRANSACTIONS[code].sectors)}")

    # duplicate keys
    sizes = {c: len(fac[c][1]) for c in KEY}
    key = combine([fac[c][0] for c in KEY], [sizes[c] for c in KEY])
    dup = duplicated(key)
    if dup.any():
        labs = t.index[dup]
        first = t.loc[labs[0], list(KEY)].tolist()
        same = labs[(t.loc[labs, list(KEY)] == first).all(axis=1).to_numpy()]
        raise DataError(f"{where}duplicate key {_key_text(first)} at {row_word}s "
                        f"{[_py(x) for x in same[:5]]} ({int(dup.sum())} rows share a key "
                        "with another row)")

    _check_totals_mixed(t, where, row_word, fac)
    # the sorted codes of the text columns, kept with their (immutable) arrays for the
    # engine's look-ups (intelcap.accounts._keys.sorted_codes): not hashed again
    from intelcap.accounts._keys import remember_text_codes

    for col in ("sector", "industry", "product", "transaction"):
        remember_text_codes(t[col], *fac[col])
    return t


def _check_totals_mixed(t: pd.DataFrame, where: str, row_word: str,
                        fac: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    from intelcap.accounts._keys import combine, group_sums

    def group_size(cols: list[str], count: np.ndarray | None = None) -> np.ndarray:
        return group_sums(combine([fac[c][0] for c in cols], [len(fac[c][1]) for c in cols]),
                          count)

    # product "_T" beside product rows of the same (period, sector, industry, transaction)
    cell = ["period", "sector", "industry", "transaction"]
    codes, uniq = fac["product"]
    is_total = (uniq == TOTAL)[codes]
    if is_total.any():
        size = group_size(cell)
        bad = is_total & (size > 1)
        if bad.any():
            lab = t.index[np.flatnonzero(bad)[0]]
            key = t.loc[lab, cell].tolist()
            raise DataError(
                f"{where}product total '_T' at {row_label(t, lab, row_word=row_word)} is mixed "
                f"with product rows for the same cell {_key_text(key, cell)}; store either the "
                "total or the breakdown by product, not both")
    # S1 total beside sector rows of the same (period, transaction)
    codes, uniq = fac["sector"]
    is_s1 = (uniq == "S1")[codes]
    if is_s1.any():
        pt = ["period", "transaction"]
        n_other = group_size(pt, (~is_s1).astype(float))
        bad = is_s1 & (n_other > 0)
        if bad.any():
            lab = t.index[np.flatnonzero(bad)[0]]
            key = t.loc[lab, pt].tolist()
            mask = ((t["period"] == key[0]) & (t["transaction"] == key[1])).to_numpy() & ~is_s1
            other = t.index[mask][0]
            raise DataError(
                f"{where}whole-economy S1 row at {row_label(t, lab, row_word=row_word)} is mixed "
                f"with sector rows for {_key_text(key, pt)} (for example "
                f"{row_label(t, other, row_word=row_word)}); S1 holds only items that belong to "
                "no sector, and totals are derived, not stored")


def _empty_like(t: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "period": pd.Series([], dtype="int64"),
        **{c: pd.Series([], dtype="str") for c in ("sector", "industry", "product",
                                                    "transaction")},
        "value": pd.Series([], dtype="float64"),
        "unit": pd.Series([], dtype="str"),
        "price_basis": pd.Series([], dtype="str"),
    }, index=t.index[:0])


# --------------------------------------------------------------------------------------------
# construction, ordering and metadata
# --------------------------------------------------------------------------------------------
def make_table(
    records: Iterable[Mapping[str, Any]] | pd.DataFrame,
    *,
    unit: str | None = None,
    price_basis: str = "current",
    sector: str | None = None,
    industry: str = TOTAL,
    product: str = TOTAL,
) -> pd.DataFrame:
    """Build a validated long table from records (dicts) or a DataFrame.

    Columns absent from the records are filled with the keyword defaults: ``industry`` and
    ``product`` default to ``"_T"``, ``price_basis`` to ``"current"``; ``unit`` and ``sector``
    must be given either in the records or as keywords.

    Examples
    --------
    >>> t = make_table([{"period": 2022, "sector": "S11", "transaction": "P1", "value": 100.0}],
    ...                unit="USD_MN")
    >>> list(t.columns)
    ['period', 'sector', 'industry', 'product', 'transaction', 'value', 'unit', 'price_basis']
    """
    df = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(
        list(records))
    defaults = {"unit": unit, "price_basis": price_basis, "sector": sector,
                "industry": industry, "product": product}
    for col, default in defaults.items():
        if col not in df.columns:
            if default is None:
                raise DataError(f"records have no {col!r} column and no {col}= default was given")
            df[col] = default
    return sort_table(validate_table(df))


def sort_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` in canonical order (sorted by :data:`KEY`) with a fresh RangeIndex."""
    if len(table) == 0:
        return table.reset_index(drop=True)
    from intelcap.accounts._keys import KeyCoder

    # a stable argsort of one int64 per row (codes in the sorted order of each column's values,
    # combined by mixed radix) gives the order of a stable sort by the key columns
    key = KeyCoder([table], KEY).key(table)
    if len(key) > 1 and (key[1:] >= key[:-1]).all():
        return table.reset_index(drop=True)
    out = table.take(np.argsort(key, kind="stable"))
    return out.reset_index(drop=True)


def table_unit(table: pd.DataFrame) -> str | None:
    """The unit of ``table`` (``None`` for an empty table)."""
    return None if len(table) == 0 else str(table["unit"].iloc[0])


def table_price_basis(table: pd.DataFrame) -> str | None:
    """The price basis of ``table`` (``None`` for an empty table)."""
    return None if len(table) == 0 else str(table["price_basis"].iloc[0])


# --------------------------------------------------------------------------------------------
# wide <-> long
# --------------------------------------------------------------------------------------------
def to_wide(table: pd.DataFrame, columns: str = "transaction") -> pd.DataFrame:
    """Pivot a long table to wide form: one column per value of key column ``columns``.

    The other key columns form the row index (a MultiIndex in :data:`KEY` order). Cells with no
    row in the long table are NaN. Unit and price basis are stored in ``DataFrame.attrs``.
    """
    if columns not in KEY:
        raise DataError(f"columns={columns!r} must be one of the key columns {list(KEY)}")
    t = validate_table(table)
    index = [c for c in KEY if c != columns]
    wide = t.pivot(index=index, columns=columns, values="value")
    wide.columns.name = columns
    wide.attrs = {"unit": table_unit(t), "price_basis": table_price_basis(t)}
    return wide


def from_wide(
    wide: pd.DataFrame,
    columns: str = "transaction",
    *,
    unit: str | None = None,
    price_basis: str | None = None,
    dropna: bool = True,
    **defaults: Any,
) -> pd.DataFrame:
    """Melt a wide table (one column per value of key column ``columns``) back to long form.

    The remaining key columns are taken from the row index levels or from ordinary columns;
    absent ones come from ``defaults`` (``industry`` and ``product`` default to ``"_T"``).
    ``unit`` and ``price_basis`` default to ``wide.attrs`` (as written by :func:`to_wide`).
    Empty cells (NaN) mean "no such row" in wide form and are dropped when ``dropna`` is true;
    with ``dropna=False`` they raise :class:`MissingDataError`.
    """
    if columns not in KEY:
        raise DataError(f"columns={columns!r} must be one of the key columns {list(KEY)}")
    df = wide.reset_index() if any(n is not None for n in wide.index.names) else wide.copy()
    id_cols = [c for c in df.columns if c in KEY and c != columns]
    value_cols = [c for c in df.columns if c not in id_cols]
    long = df.melt(id_vars=id_cols, value_vars=value_cols, var_name=columns, value_name="value")
    if dropna:
        long = long.loc[long["value"].notna()]
    unit = unit if unit is not None else wide.attrs.get("unit")
    price_basis = price_basis if price_basis is not None else wide.attrs.get("price_basis",
                                                                             "current")
    defaults = {"industry": TOTAL, "product": TOTAL, **defaults}
    return make_table(long, unit=unit, price_basis=price_basis, **defaults)
