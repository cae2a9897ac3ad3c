"""Product balances of a long national-accounts table (supply = uses, product by product).

For every period :math:`t` and product :math:`p` of a long table (:mod:`intelcap.accounts.tables`),

.. math::

    \\text{supply}_{tp} &= P1_{tp} + P7_{tp} + D21X31_{tp} \\\\
    \\text{use}_{tp} &= P2_{tp} + P3_{tp} + P51G_{tp} + P52_{tp} + P53_{tp} + P6_{tp}

summing every row of product :math:`p` (all sectors and industries); the product balance is
:math:`\\text{supply}_{tp} - \\text{use}_{tp} = 0` (2008 SNA, paragraphs 14.7-14.16: total supply
of each product at purchasers' prices equals its total uses). Rows stored at product ``"_T"``
("not broken down") form one residual line ``"_T"``; summed over every line, the balance is the
GDP identity (production = expenditure), so a table with full product detail balances product by
product and a table without it balances at least in total.

:func:`check_product_balance` raises naming the first (period, product) out of balance;
:func:`check_balance_preserved` checks that an adjustment changed no product's balance (what the
capitalization engine requires of every revision, whatever the detail of the input).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from intelcap.accounts._keys import TableCodes, unique_inverse, used_codes
from intelcap.accounts.gdp import _allowed
from intelcap.accounts.tables import TOTAL
from intelcap.exceptions import AccountingIdentityError

__all__ = [
    "BALANCE_COLUMNS",
    "SUPPLY_ITEMS",
    "USE_ITEMS",
    "check_balance_preserved",
    "check_product_balance",
    "product_balance",
]

#: Transactions that supply a product (output at basic prices, imports, taxes less subsidies).
SUPPLY_ITEMS: tuple[str, ...] = ("P1", "P7", "D21X31")
#: Transactions that use a product (intermediate and final uses).
USE_ITEMS: tuple[str, ...] = ("P2", "P3", "P51G", "P52", "P53", "P6")
#: Columns of :func:`product_balance`.
BALANCE_COLUMNS: tuple[str, ...] = ("supply", "use", "gap")


def _py(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def product_balance(table: pd.DataFrame) -> pd.DataFrame:
    """Supply, uses and their gap for every (period, product) of a long table.

    Parameters
    ----------
    table : DataFrame
        Long national-accounts table (already validated: the columns of
        :data:`intelcap.accounts.tables.COLUMNS`).

    Returns
    -------
    DataFrame
        Indexed by ``(period, product)`` (sorted), columns ``supply``, ``use`` and
        ``gap = supply - use``; product ``"_T"`` is the line of rows not broken down by product.
    """
    return _balances(table)[0]


def _line_sums(frame: pd.DataFrame, column: str,
               _codes: Mapping[str, tuple[np.ndarray, Any]] | None = None) -> tuple[Any, ...]:
    """Sums of ``frame[column]`` over the rows of supply and of use items, by (period,
    product) line, from the sorted codes of the frame's columns (``_codes``, when the caller
    has them; else one factorization per column).

    Returns ``(periods, products, ukey, line, supply_row, supply, use)``: the sorted periods
    and products the selected rows hold, the lines' keys ``period_code * len(products) +
    product_code`` (sorted), each selected row's line and whether it is a supply row, and
    the two sums by line.
    """
    # integer codes and bincount sums (no groupby: its fixed cost dominates small tables)
    codes_of = TableCodes(frame, _codes)
    tcode, tuniq = codes_of("transaction")
    tx_u = np.asarray(tuniq, dtype=object)
    sel_u = np.isin(tx_u, np.array((*SUPPLY_ITEMS, *USE_ITEMS), dtype=object))
    sup_u = np.isin(tx_u, np.array(SUPPLY_ITEMS, dtype=object))
    sel = np.flatnonzero(sel_u[tcode])
    supply_row = sup_u[tcode[sel]]
    v = frame[column].to_numpy(dtype=float)[sel]
    # the codes of the selected rows over the values they hold (sorted, as a factorize of
    # the selected rows would give)
    pfull, puniq = codes_of("period")
    pcode, pused = used_codes(pfull[sel], len(puniq))
    puniq = np.asarray(puniq)[pused]
    qfull, quniq = codes_of("product")
    qcode, qused = used_codes(qfull[sel], len(quniq))
    quniq = np.asarray(quniq, dtype=object)[qused]
    ukey, line = unique_inverse(pcode.astype(np.int64) * max(len(quniq), 1) + qcode,
                                len(puniq) * max(len(quniq), 1))
    n = len(ukey)
    with np.errstate(invalid="ignore", over="ignore"):
        supply = np.bincount(line, weights=np.where(supply_row, v, 0.0), minlength=n)
        use = np.bincount(line, weights=np.where(supply_row, 0.0, v), minlength=n)
    return puniq, quniq, ukey, line, supply_row, supply, use


def _balances(table: pd.DataFrame,
              _codes: Mapping[str, tuple[np.ndarray, Any]] | None = None
              ) -> tuple[pd.DataFrame, pd.MultiIndex]:
    """:func:`product_balance` and its (period, product) lines that record a supply, from
    the sorted codes of the table's columns (``_codes``, when the caller has them)."""
    puniq, quniq, ukey, line, supply_row, supply, use = _line_sums(table, "value", _codes)
    with np.errstate(invalid="ignore", over="ignore"):
        gap = supply - use
    # the (period, product) index from its sorted levels and codes (no factorize again)
    nq = max(len(quniq), 1)
    levels = [pd.Index(puniq), pd.Index(quniq, dtype="str")]
    idx = pd.MultiIndex(levels=levels, codes=[ukey // nq, ukey % nq],
                        names=["period", "product"], verify_integrity=False)
    bal = pd.DataFrame({"supply": supply, "use": use, "gap": gap}, index=idx)
    # the lines with a supply row (P1, P7 or D21X31)
    sk = np.unique(ukey[line[supply_row]])
    supplied = pd.MultiIndex(levels=levels, codes=[sk // nq, sk % nq],
                             names=["period", "product"], verify_integrity=False)
    return bal, supplied


def _changed_balances(bsup: np.ndarray, buse: np.ndarray, bg: np.ndarray, change: np.ndarray,
                      level: np.ndarray, recorded: np.ndarray, product: np.ndarray,
                      tol: float | None, rtol: float) -> np.ndarray:
    """The (period, product) lines whose supply-use gap a revision changed beyond the
    tolerance: checked are the lines whose supply the input records (``recorded``) or that
    balance in the input (gap ``bg`` within tolerance of its supply ``bsup`` and use
    ``buse``), never the residual ``"_T"`` line; ``level`` scales the relative tolerance."""
    balanced = np.abs(bg) <= _allowed(np.maximum(np.abs(bsup), np.abs(buse)), tol, rtol)
    checked = (recorded | balanced) & (product != TOTAL)
    return checked & (~np.isfinite(change) | (np.abs(change) > _allowed(level, tol, rtol)))


def check_product_balance(table: pd.DataFrame, tol: float | None = None, *,
                          rtol: float = 1e-6, include_total: bool = False) -> pd.DataFrame:
    """Check supply = uses for every product and period.

    Parameters
    ----------
    table : DataFrame
        Long national-accounts table.
    tol : float, optional
        Largest admissible gap in the table's unit; when None, ``rtol`` times the larger of
        supply and uses (at least 1).
    rtol : float
        Relative tolerance used when ``tol`` is None.
    include_total : bool
        Also require the residual ``"_T"`` line to balance.

    Returns
    -------
    DataFrame
        The result of :func:`product_balance`.

    Raises
    ------
    AccountingIdentityError
        Naming the first period and product out of balance, with supply, uses and the gap (a
        non-finite sum, e.g. from overflow, is out of balance).
    """
    bal = product_balance(table)
    level = np.maximum(np.abs(bal["supply"].to_numpy()), np.abs(bal["use"].to_numpy()))
    gap = bal["gap"].to_numpy()
    bad = ~np.isfinite(gap) | (np.abs(gap) > _allowed(level, tol, rtol))
    if not include_total:
        bad &= bal.index.get_level_values("product").to_numpy() != TOTAL
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        period, product = (_py(v) for v in bal.index[pos])
        raise AccountingIdentityError(
            f"product balance broken in period {period!r}, product {product!r}: supply "
            f"{float(bal['supply'].iloc[pos])!r}, uses {float(bal['use'].iloc[pos])!r}, gap "
            f"{float(gap[pos])!r} ({int(bad.sum())} (period, product) line(s) out of balance)")
    return bal


def _balance_before(before: pd.DataFrame,
                    _codes: Mapping[str, tuple[np.ndarray, Any]] | None = None
                    ) -> tuple[pd.DataFrame, pd.MultiIndex]:
    """Product balances of a table and its (period, product) lines that record a supply."""
    return _balances(before, _codes)


def check_balance_preserved(before: pd.DataFrame, after: pd.DataFrame, tol: float | None = None,
                            *, rtol: float = 1e-9,
                            _before: tuple[pd.DataFrame, pd.MultiIndex] | None = None
                            ) -> pd.DataFrame:
    """Check that a revision changed no product's supply-use gap, period by period.

    Checked for every (period, product) whose supply the input records (a ``P1``, ``P7`` or
    ``D21X31`` row of that product) or that balances in the input; a product with uses only
    (its output recorded at ``"_T"``) has no product balance to keep, nor has the residual
    ``"_T"`` line. Returns the change of the gap by (period, product).

    Raises
    ------
    AccountingIdentityError
        Naming the first period and product whose balance the revision changed.
    """
    b, supplied = _before if _before is not None else _balance_before(before)
    a = product_balance(after)
    idx = a.index.union(b.index)
    bg = b["gap"].reindex(idx).fillna(0.0).to_numpy()
    ag = a["gap"].reindex(idx).fillna(0.0).to_numpy()
    level = np.maximum.reduce([
        np.abs(a["supply"].reindex(idx).fillna(0.0).to_numpy()),
        np.abs(a["use"].reindex(idx).fillna(0.0).to_numpy()),
        np.abs(b["supply"].reindex(idx).fillna(0.0).to_numpy()),
        np.abs(b["use"].reindex(idx).fillna(0.0).to_numpy())])
    with np.errstate(invalid="ignore", over="ignore"):
        change = ag - bg
    bsup = b["supply"].reindex(idx).fillna(0.0).to_numpy()
    buse = b["use"].reindex(idx).fillna(0.0).to_numpy()
    bad = _changed_balances(bsup, buse, bg, change, level, idx.isin(supplied),
                            idx.get_level_values("product").to_numpy(), tol, rtol)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        period, product = (_py(v) for v in idx[pos])
        raise AccountingIdentityError(
            f"the revision changes the supply-use balance of product {product!r} in period "
            f"{period!r} by {float(change[pos])!r} (gap before {float(bg[pos])!r}, after "
            f"{float(ag[pos])!r})")
    return pd.Series(change, index=idx, name="gap_change").to_frame()
