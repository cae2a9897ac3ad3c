"""Gross domestic product by the production, expenditure and income approaches.

For every period of a long national-accounts table (:mod:`intelcap.accounts.tables`),

.. math::

    \\text{GDP}^{P} &= \\sum_{s,i} (P1_{s,i} - P2_{s,i}) + D21X31 \\\\
    \\text{GDP}^{E} &= P3 + P51G + P52 + P53 + P6 - P7 \\\\
    \\text{GDP}^{I} &= D1 + D29X39 + B2A3G + D21X31 \\\\
    \\text{NDP} &= \\text{GDP}^{P} - P51C

where every item is summed over all its rows (sectors, industries and products). For a producer
cell :math:`(s, i)` (sector, industry) without ``P1``/``P2`` rows, its gross value added ``B1G``
is used instead; where both are present, ``B1G`` must equal ``P1 - P2`` within tolerance. A stored
``B1GQ`` row must equal the production approach within tolerance. The identities are those of the
2008 SNA, paragraphs 2.138-2.143 and 16.47-16.50 (GDP at market prices as value added plus taxes
less subsidies on products, as final expenditure less imports, and as the sum of primary incomes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from intelcap.accounts._keys import TableCodes, unique_inverse
from intelcap.accounts.tables import validate_table
from intelcap.exceptions import AccountingIdentityError, ParameterError

__all__ = ["APPROACH_COLUMNS", "check_identity", "gdp_by_approach"]

#: Columns of the frame returned by :func:`gdp_by_approach`.
APPROACH_COLUMNS: tuple[str, ...] = (
    "production", "expenditure", "income", "ndp",
    "discrepancy_expenditure", "discrepancy_income",
)

_EXPENDITURE_SIGNS = {"P3": 1.0, "P51G": 1.0, "P52": 1.0, "P53": 1.0, "P6": 1.0, "P7": -1.0}
_INCOME = ("D1", "D29X39", "B2A3G", "D21X31")


def _py(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _allowed(level: np.ndarray, tol: float | None, rtol: float) -> np.ndarray:
    if tol is not None:
        return np.full(level.shape, float(tol))
    return rtol * np.maximum(1.0, np.abs(level))


def gdp_by_approach(table: pd.DataFrame, *, tol: float | None = None,
                    rtol: float = 1e-6, _validated: bool = False,
                    _codes: Mapping[str, tuple[np.ndarray, Any]] | None = None
                    ) -> pd.DataFrame:
    """GDP by production, expenditure and income, and NDP, for every period of ``table``.

    Parameters
    ----------
    table : DataFrame
        Long national-accounts table (validated here).
    tol : float, optional
        Absolute tolerance, in the table's unit, for the consistency of stored ``B1G`` rows with
        ``P1 - P2`` and of stored ``B1GQ`` rows with the production approach.
    rtol : float
        Relative tolerance used when ``tol`` is None (times the size of the item checked, at
        least 1).

    Returns
    -------
    DataFrame
        Indexed by ``period`` (sorted), columns ``production``, ``expenditure``, ``income``,
        ``ndp`` (production less ``P51C``), ``discrepancy_expenditure`` (expenditure less
        production) and ``discrepancy_income`` (income less production).

    Raises
    ------
    AccountingIdentityError
        A stored ``B1G`` differs from ``P1 - P2``, or a stored ``B1GQ`` from the production
        approach, beyond tolerance (the message names the cell and the gap).
    """
    t = table if _validated else validate_table(table)
    # one pass of integer codes (period, transaction, sector, industry) and bincount sums:
    # no groupby/unstack (their fixed cost dominates on tables of a few hundred rows).
    # _codes: the codes of these columns in the sorted order of their values and the values
    # (a caller that has them: the columns are not hashed again)
    codes_of = TableCodes(t, _codes)
    pcode, puniq = codes_of("period")
    periods = pd.Index(np.asarray(puniq).tolist(), name="period")
    n_per = len(periods)
    tcode, tuniq = codes_of("transaction")
    tx_pos = {str(code): j for j, code in enumerate(np.asarray(tuniq).tolist())}
    n_tx = len(tx_pos)
    value = t["value"].to_numpy(dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        totals = np.bincount(pcode.astype(np.int64) * n_tx + tcode, weights=value,
                             minlength=n_per * n_tx).reshape(n_per, n_tx)

    def arr(code: str) -> np.ndarray:
        j = tx_pos.get(code)
        return totals[:, j].astype("float64") if j is not None else np.zeros(n_per)

    # value added by producer cell (period, sector, industry): P1 - P2, else B1G
    role = np.full(n_tx, -1, dtype=np.int64)
    for k, code in enumerate(("P1", "P2", "B1G")):
        if code in tx_pos:
            role[tx_pos[code]] = k
    r_all = role[tcode] if len(tcode) else np.zeros(0, dtype=np.int64)
    prod = np.flatnonzero(r_all >= 0)
    if len(prod):
        # codes of the whole columns (sorted: the cells sort as by their values)
        scode, suniq = codes_of("sector")
        icode, iuniq = codes_of("industry")
        scode, icode = scode[prod], icode[prod]
        pc = pcode[prod].astype(np.int64)
        key = (pc * len(suniq) + scode) * len(iuniq) + icode
        ucell, cell = unique_inverse(key, n_per * len(suniq) * len(iuniq))
        n_cell = len(ucell)
        slot = cell * 3 + r_all[prod]
        with np.errstate(over="ignore", invalid="ignore"):
            sums = np.bincount(slot, weights=value[prod], minlength=3 * n_cell).reshape(n_cell, 3)
        present = np.bincount(slot, minlength=3 * n_cell).reshape(n_cell, 3) > 0
        p1, p2, b1g = (np.where(present[:, k], sums[:, k], np.nan) for k in range(3))
        cell_period = ucell // (len(suniq) * len(iuniq))
        has_p = ~np.isnan(p1) | ~np.isnan(p2)
        with np.errstate(over="ignore", invalid="ignore"):
            diff = np.nan_to_num(p1) - np.nan_to_num(p2)
            va = np.where(has_p, diff, np.nan_to_num(b1g))
            both = has_p & ~np.isnan(b1g)
            gap = np.where(both, np.abs(np.nan_to_num(b1g) - diff), 0.0)
        level = np.maximum(np.abs(np.nan_to_num(p1)), np.abs(np.nan_to_num(p2)))
        bad = ~np.isfinite(gap) | (gap > _allowed(level, tol, rtol))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            rest = int(ucell[pos] % (len(suniq) * len(iuniq)))
            period = _py(periods[int(cell_period[pos])])
            sector = _py(suniq[rest // len(iuniq)])
            industry = _py(iuniq[rest % len(iuniq)])
            raise AccountingIdentityError(
                f"B1G != P1 - P2 for period={period!r}, sector={sector!r}, "
                f"industry={industry!r}: B1G={float(b1g[pos])!r}, P1 - P2={float(diff[pos])!r}, "
                f"gap {float(b1g[pos] - diff[pos])!r} ({int(bad.sum())} cell(s) inconsistent)")
        with np.errstate(over="ignore", invalid="ignore"):
            gva_a = np.bincount(cell_period, weights=va, minlength=n_per)
    else:
        gva_a = np.zeros(n_per)

    # the approaches on numpy arrays
    with np.errstate(over="ignore", invalid="ignore"):   # as pandas arithmetic
        production_a = gva_a + arr("D21X31")
        expenditure_a = np.zeros(len(periods))
        for code, sign in _EXPENDITURE_SIGNS.items():
            expenditure_a = expenditure_a + sign * arr(code)
        income_a = np.zeros(len(periods))
        for code in _INCOME:
            income_a = income_a + arr(code)
        ndp_a = production_a - arr("P51C")
        disc_e, disc_i = expenditure_a - production_a, income_a - production_a
    out = pd.DataFrame({
        "production": production_a,
        "expenditure": expenditure_a,
        "income": income_a,
        "ndp": ndp_a,
        "discrepancy_expenditure": disc_e,
        "discrepancy_income": disc_i,
    }, index=periods)
    production = out["production"]

    if "B1GQ" in tx_pos:
        rows = tcode == tx_pos["B1GQ"]
        with np.errstate(over="ignore", invalid="ignore"):
            stored_a = np.bincount(pcode[rows], weights=value[rows], minlength=n_per)
        at = np.flatnonzero(np.bincount(pcode[rows], minlength=n_per) > 0)
        stored_v = stored_a[at]
        calc = production.to_numpy()[at]
        with np.errstate(over="ignore", invalid="ignore"):
            gap = stored_v - calc
        bad = ~np.isfinite(gap) | (np.abs(gap) > _allowed(calc, tol, rtol))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise AccountingIdentityError(
                f"stored B1GQ for period={_py(periods[int(at[pos])])!r} is "
                f"{float(stored_v[pos])!r} but GDP by production is {float(calc[pos])!r} "
                f"(gap {float(gap[pos])!r})")
    return out


def check_identity(table: pd.DataFrame, tol: float | None = None, *,
                   rtol: float = 1e-6, _validated: bool = False,
                   _codes: Mapping[str, tuple[np.ndarray, Any]] | None = None
                   ) -> pd.DataFrame:
    """Check GDP(production) = GDP(expenditure) = GDP(income) in every period.

    Parameters
    ----------
    table : DataFrame
        Long national-accounts table.
    tol : float, optional
        Largest admissible gap, in the table's unit (for example ``10`` for 10 million dollars
        in a ``USD_MN`` table). When None, ``rtol`` times GDP by production (at least 1).
    rtol : float
        Relative tolerance used when ``tol`` is None.

    Returns
    -------
    DataFrame
        The result of :func:`gdp_by_approach` when every period balances.

    Raises
    ------
    AccountingIdentityError
        Naming the first period that does not balance, its gap, and which approaches differ
        (and how many periods fail).
    """
    if tol is not None and (isinstance(tol, bool) or not np.isfinite(tol) or tol < 0):
        raise ParameterError(f"tolerance tol={tol!r} must be a finite number >= 0")
    if isinstance(rtol, bool) or not np.isfinite(rtol) or not 0 <= rtol < 1:
        raise ParameterError(f"relative tolerance rtol={rtol!r} must be in [0, 1)")
    with np.errstate(over="ignore", invalid="ignore"):
        gdp = gdp_by_approach(table, tol=tol, rtol=rtol, _validated=_validated, _codes=_codes)
    values = gdp.to_numpy()   # APPROACH_COLUMNS, in order (one conversion)
    col = {c: values[:, j] for j, c in enumerate(APPROACH_COLUMNS)}
    sums = values[:, [0, 1, 2, 4, 5]]
    if not np.isfinite(sums).all():
        pos = int(np.flatnonzero(~np.isfinite(sums).all(axis=1))[0])
        raise AccountingIdentityError(
            f"GDP identity cannot be checked in period {_py(gdp.index[pos])!r}: the sums "
            "overflow double precision (values too large for the unit; express the table in "
            "a larger unit)")
    allowed = _allowed(col["production"], tol, rtol)
    gap_e = col["discrepancy_expenditure"]
    gap_i = col["discrepancy_income"]
    bad_e = np.abs(gap_e) > allowed
    bad_i = np.abs(gap_i) > allowed
    bad = bad_e | bad_i
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        period = _py(gdp.index[pos])
        row = gdp.iloc[pos]
        parts = []
        if bad_e[pos]:
            parts.append(f"expenditure - production = {float(gap_e[pos])!r}")
        if bad_i[pos]:
            parts.append(f"income - production = {float(gap_i[pos])!r}")
        raise AccountingIdentityError(
            f"GDP identity broken in period {period!r}: {'; '.join(parts)} (tolerance "
            f"{float(allowed[pos])!r}); production={float(row['production'])!r}, "
            f"expenditure={float(row['expenditure'])!r}, income={float(row['income'])!r}"
            + (f"; {int(bad.sum())} period(s) fail" if bad.sum() > 1 else ""))
    return gdp
