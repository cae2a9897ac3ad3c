"""Capitalization of model-API (token) spending as gross fixed capital formation.

:func:`capitalize` takes a long national-accounts table (:mod:`intelcap.accounts.tables`), the
API spending to capitalize (read from the table's intermediate consumption of the policy's
products, or given separately) and a :class:`~intelcap.accounts.policy.CapitalizationPolicy`,
and returns an :class:`Adjustment`: the revised tables, the capital tables of the new asset
("intelligent capital", product ``policy.asset``), and an audit ledger with one row per changed
cell. The recording rules are these.

Let :math:`R_{tsi}` be the amount capitalized in period :math:`t` by producer cell
:math:`(s, i)` (sector, industry) and :math:`C_{tsi}` the consumption of fixed capital of the
resulting stock, from the perpetual inventory (:func:`intelcap.accounts.pim.pim`, at current
prices). Then

**Satellite route** (``route="satellite"``; the asset boundary is extended, as the BEA did for
R&D in its satellite accounts before 2013: pay-per-use model access is intermediate consumption
in the 2008 and 2025 SNA, so the results are a supplementary account):

=====================  ============================  ============================
item                   market producers              non-market producers
                       (S11, S12, S14)               (S13, S15; output = costs)
=====================  ============================  ============================
P2                     :math:`-R`                    :math:`-R`
P1                     0                             :math:`C - R`
B1G (if stored)        :math:`+R`                    :math:`+C`
B2A3G                  :math:`+R`                    :math:`+C`
P51C                   :math:`+C`                    :math:`+C`
P51G (asset)           :math:`+R`                    :math:`+R`
P3 of the sector       0                             :math:`C - R`
GDP                    :math:`+R`                    :math:`+C`
NDP                    :math:`R - C`                 0
=====================  ============================  ============================

**Own-account route** (``route="own_account"``; within the SNA asset boundary): the token
spending is an input to own-account software, databases or R&D, whose output is valued at the
sum of costs (2008 SNA chapter 6, output for own final use; chapter 10, intellectual property
products). The route assumes the input tables do not yet count the spending in that value and
adds it: the spending stays in P2 (it is still consumed in production) and

=====================  ============================  ============================
item                   market producers              non-market producers
=====================  ============================  ============================
P2                     0                             0
P1                     :math:`+R`                    :math:`+C`
B1G (if stored)        :math:`+R`                    :math:`+C`
B2A3G                  :math:`+R`                    :math:`+C`
P51C                   :math:`+C`                    :math:`+C`
P51G (asset)           :math:`+R`                    :math:`+R`
P3 of the sector       0                             :math:`C - R`
GDP                    :math:`+R`                    :math:`+C`
=====================  ============================  ============================

(the non-market producer's output is still its sum of costs, now including the CFC of the new
asset; the part :math:`R` of it that is own-account GFCF no longer counts as its final
consumption).

In both routes households' final consumption of API services (P3 of S14) and imports (P7) are
untouched: imported API services used by producers move with the reclassification from
intermediate use to GFCF while imports stay as they are, so net lending does not change. GDP by
production, expenditure and income rises by the same amount, and the engine checks after the
adjustment that the three approaches agree in every period
(:func:`intelcap.accounts.gdp.check_identity`), raising
:class:`~intelcap.exceptions.AccountingIdentityError` naming the period and the gap otherwise.

Where each change is booked. Cells are located in the table's own layout: a transaction stored
at ``product="_T"`` is changed there; one stored by product is changed on the spending product
(P2), the asset product (P51G, P51C: a new row when absent), the industry's own product code or,
failing that, its largest product row (P1, B1G, B2A3G); a transaction the table records only
for the whole economy (sector ``S1``) in a period is booked on ``S1``. The P3 row of a
non-market sector is its row for the same industry, else its ``"_T"`` industry row, preferring
the product equal to the industry code, then ``"_T"``, then the largest. B1G is changed only
where it is stored (it is derived otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap.accounts.gdp import check_identity, gdp_by_approach
from intelcap.accounts.ledger import (
    ENTRY_COLUMNS,
    apply_ledger,
    build_ledger,
    check_ledger,
)
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.tables import TOTAL, table_unit, validate_table
from intelcap.exceptions import (
    AccountingIdentityError,
    DataError,
    IntelcapTypeError,
    MissingDataError,
    SpecificationError,
)

__all__ = ["CAPITAL_COLUMNS", "MARKET", "NON_MARKET", "Adjustment", "capitalize"]

#: Market producer sectors (market rules); S14 only as a producer of market output.
MARKET: tuple[str, ...] = ("S11", "S12", "S14")
#: Non-market producer sectors (output valued at the sum of costs).
NON_MARKET: tuple[str, ...] = ("S13", "S15")
#: Columns of the long capital table.
CAPITAL_COLUMNS: tuple[str, ...] = (
    "period", "sector", "industry", "asset", "measure", "price_basis", "value", "unit",
)

_CELL = ["period", "sector", "industry"]


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
def _periods(t: pd.DataFrame) -> list[Any]:
    periods = sorted(pd.unique(t["period"]).tolist())
    if periods and all(isinstance(p, (int, np.integer)) for p in periods):
        full = range(int(periods[0]), int(periods[-1]) + 1)
        gaps = [p for p in full if p not in set(periods)]
        if gaps:
            raise MissingDataError(
                f"tables: missing period {gaps[0]} between {periods[0]} and {periods[-1]} "
                f"({len(gaps)} missing: {gaps[:5]}); the perpetual inventory needs every "
                "period")
    return periods


def _spending_from_table(t: pd.DataFrame, policy: CapitalizationPolicy) -> pd.DataFrame:
    if policy.uses is not None:
        raise SpecificationError("policy.uses needs a spending frame with a 'use' column; "
                                 "the tables' P2 rows carry no use")
    m = ((t["transaction"] == "P2") & t["product"].isin(list(policy.products))
         & t["sector"].isin(list(policy.sectors)))
    sp = t.loc[m, ["period", "sector", "industry", "product", "value"]].reset_index(drop=True)
    if len(sp) == 0:
        raise DataError(f"tables have no intermediate consumption (P2) of product(s) "
                        f"{list(policy.products)} in sectors {list(policy.sectors)}: nothing to "
                        "capitalize (set policy.products to the API product code)")
    return sp


def _spending_from_frame(spending: pd.DataFrame, t: pd.DataFrame, periods: list[Any],
                         policy: CapitalizationPolicy) -> pd.DataFrame:
    if not isinstance(spending, pd.DataFrame):
        raise IntelcapTypeError(f"spending must be a long DataFrame, got "
                                f"{type(spending).__name__}")
    required = ["period", "sector", "industry", "value"]
    optional = ["product", "use", "unit"]
    missing = [c for c in required if c not in spending.columns]
    extra = [c for c in spending.columns if c not in (*required, *optional)]
    if missing or extra:
        raise DataError(f"spending must have columns {required} (optional {optional}); "
                        + (f"missing {missing}" if missing else f"unexpected {extra}"))
    sp = spending.reset_index(drop=True).copy()
    if "product" not in sp.columns:
        sp["product"] = policy.products[0]
    for col in ("period", "sector", "industry", "product", "value"):
        na = sp[col].isna().to_numpy()
        if na.any():
            raise MissingDataError(f"spending: missing {col!r} at row {int(np.flatnonzero(na)[0])}")
    unit = table_unit(t)
    if "unit" in sp.columns:
        bad = (sp["unit"].astype(str) != unit).to_numpy()
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"spending: mixed units: {sp['unit'].iloc[r]!r} at row {r} "
                            f"(period={sp['period'].iloc[r]!r}, sector={sp['sector'].iloc[r]!r},"
                            f" industry={sp['industry'].iloc[r]!r}) but the tables are in "
                            f"{unit!r}")
        sp = sp.drop(columns="unit")
    # period type as in the tables
    if periods and isinstance(periods[0], (int, np.integer)):
        try:
            sp["period"] = sp["period"].astype("int64")
        except (TypeError, ValueError) as err:
            raise DataError(f"spending: periods must be years like the tables' ({err})") from None
    else:
        sp["period"] = sp["period"].astype(str)
    for col in ("sector", "industry", "product"):
        sp[col] = sp[col].astype(str)
    sp["value"] = pd.to_numeric(sp["value"], errors="coerce").astype("float64")
    bad = ~np.isfinite(sp["value"].to_numpy())
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"spending: non-numeric or non-finite value at row {r} "
                        f"({_cell_text(sp.iloc[r])})")
    key = ["period", "sector", "industry", "product"] + (["use"] if "use" in sp.columns else [])
    dup = sp.duplicated(key, keep=False).to_numpy()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise DataError(f"spending: duplicate key ({_cell_text(sp.iloc[r])}) at rows "
                        f"{np.flatnonzero(dup)[:5].tolist()}")
    bad = ~sp["sector"].isin(list(policy.sectors)).to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"spending: sector {sp['sector'].iloc[r]!r} at row {r} is not one of "
                        f"policy.sectors {list(policy.sectors)} (households' final purchases "
                        "are never capitalized; give producers' spending only)")
    extra_p = sorted(set(sp["period"].tolist()) - set(periods), key=str)
    if extra_p:
        raise MissingDataError(f"spending: period {extra_p[0]!r} is not a period of the tables "
                               f"({periods[0]!r}..{periods[-1]!r})")
    missing_p = [p for p in periods if p not in set(sp["period"].tolist())]
    if missing_p:
        raise MissingDataError(f"spending: missing period {missing_p[0]!r} (the tables cover "
                               f"{periods[0]!r}..{periods[-1]!r}); give 0 where nothing was "
                               "spent")
    return sp


def _py(v: Any) -> Any:
    """A numpy scalar as the Python scalar (for readable messages)."""
    return v.item() if isinstance(v, np.generic) else v


def _cell_text(row: pd.Series) -> str:
    return ", ".join(f"{c}={_py(row[c])!r}" for c in ("period", "sector", "industry", "product")
                     if c in row.index)


def _capitalized(sp: pd.DataFrame, policy: CapitalizationPolicy) -> pd.DataFrame:
    neg = (sp["value"].to_numpy() < 0)
    if neg.any():
        r = int(np.flatnonzero(neg)[0])
        raise DataError(f"negative API spending {_py(sp['value'].iloc[r])!r} at "
                        f"({_cell_text(sp.iloc[r])}); spending must be >= 0")
    share, keys = policy.shares_for(sp)
    share = share.astype(float)
    keys = keys.astype(object)
    if policy.uses is not None:
        if "use" not in sp.columns:
            raise SpecificationError("policy.uses is set but the spending has no 'use' column")
        inside = sp["use"].isin(list(policy.uses)).to_numpy()
        share = np.where(inside, share, 0.0)
        keys = np.where(inside, keys, policy._key("uses"))
    if policy.rule is not None:
        factor = np.asarray(policy.rule(sp.copy()), dtype=float)
        if factor.shape != (len(sp),):
            raise SpecificationError(f"policy.rule returned shape {factor.shape}; expected "
                                     f"({len(sp)},), one factor per spending row")
        bad = ~np.isfinite(factor) | (factor < 0) | (factor > 1)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise SpecificationError(f"policy.rule gave {_py(factor[r])!r}, outside [0, 1], for "
                                     f"({_cell_text(sp.iloc[r])})")
        share = share * factor
        name = getattr(policy.rule, "__name__", "rule")
        keys = np.array([f"{k}; rule:{name}" for k in keys], dtype=object)
    out = sp.loc[:, ["period", "sector", "industry", "product"]].copy()
    out["spending"] = sp["value"].to_numpy()
    out["share"] = share
    out["R"] = share * sp["value"].to_numpy()
    out["config_key"] = keys
    return _sum_by(out, ["period", "sector", "industry", "product"], ["spending", "R"])


def _sum_by(frame: pd.DataFrame, keys: list[str], sums: list[str]) -> pd.DataFrame:
    """Sum ``sums`` by ``keys`` and join the distinct ``config_key`` values (sorted by keys)."""
    if not frame.duplicated(keys).any():
        return frame.sort_values(keys, kind="mergesort").reset_index(drop=True).loc[
            :, [*keys, *sums, "config_key"]]
    g = frame.groupby(keys, sort=True)
    out = g[sums].sum()
    out["config_key"] = g["config_key"].agg(lambda v: "; ".join(dict.fromkeys(v)))
    return out.reset_index()


# ------------------------------------------------------------------------------------------
# locating the cells to change
# ------------------------------------------------------------------------------------------
class _Locator:
    """Find, for producer cells, the table row on which a transaction's change is booked."""

    def __init__(self, t: pd.DataFrame) -> None:
        self.t = t
        self.by_tx = {tx: g for tx, g in t.groupby("transaction", sort=False)}
        self._s1 = {tx: set(g.loc[g["sector"] == "S1", "period"].tolist())
                    for tx, g in self.by_tx.items()}

    def sector_for(self, tx: str, periods: np.ndarray, sectors: np.ndarray) -> np.ndarray:
        s1 = self._s1.get(tx, set())
        if not s1:
            return sectors
        at_s1 = np.array([p in s1 for p in periods], dtype=bool)
        return np.where(at_s1, "S1", sectors)

    def locate(self, tx: str, cells: pd.DataFrame, pref: np.ndarray | str, mode: str
               ) -> pd.DataFrame:
        """Return ``cells`` with a ``product`` (and possibly ``sector``) column to book on.

        ``mode``: ``"add"`` (pref product, else the ``"_T"`` row, else a new pref row),
        ``"pick"`` (pref, ``"_T"``, the largest product row, else a new pref row) or
        ``"strict"`` (pref or ``"_T"``; else ``found`` is False).
        """
        c = cells.copy()
        c["sector"] = self.sector_for(tx, c["period"].to_numpy(), c["sector"].to_numpy())
        c["pref"] = pref if isinstance(pref, str) else np.asarray(pref, dtype=object)
        c["_row"] = np.arange(len(c))
        rows = self.by_tx.get(tx)
        if rows is None or len(rows) == 0:
            c["product"] = c["pref"]
            c["found"] = False
            c["value_before"] = np.nan
            return c.drop(columns="_row")
        m = c.merge(rows[[*_CELL, "product", "value"]], on=_CELL, how="left")
        prod = m["product"].to_numpy(dtype=object)
        has = ~pd.isna(m["product"]).to_numpy()
        score = np.where(prod == m["pref"].to_numpy(dtype=object), 0,
                         np.where(prod == TOTAL, 1, 2))
        if mode in ("add", "strict"):
            score = np.where(score == 2, 9, score)
        score = np.where(has, score, 10)
        m["_score"] = score
        m["_neg"] = -np.abs(m["value"].fillna(0.0).to_numpy())
        m = m.sort_values(["_row", "_score", "_neg", "product"], kind="mergesort",
                          na_position="last")
        best = m.drop_duplicates("_row", keep="first").set_index("_row").reindex(c["_row"])
        found = best["_score"].to_numpy() <= 2
        c["product"] = np.where(found, best["product"].to_numpy(dtype=object),
                                c["pref"].to_numpy(dtype=object))
        c["found"] = found
        c["value_before"] = np.where(found, best["value"].to_numpy(dtype=float), np.nan)
        return c.drop(columns="_row")

    def has_rows(self, tx: str, cells: pd.DataFrame) -> np.ndarray:
        rows = self.by_tx.get(tx)
        if rows is None or len(rows) == 0:
            return np.zeros(len(cells), dtype=bool)
        idx = pd.MultiIndex.from_frame(rows[_CELL]).unique()
        return pd.MultiIndex.from_frame(cells[_CELL]).isin(idx)

    def locate_p3(self, cells: pd.DataFrame) -> pd.DataFrame:
        """Book non-market final consumption on the sector's P3 rows (see module notes)."""
        c = cells.copy()
        c["sector"] = self.sector_for("P3", c["period"].to_numpy(), c["sector"].to_numpy())
        c["_row"] = np.arange(len(c))
        rows = self.by_tx.get("P3")
        if rows is None or len(rows) == 0:
            c["product"] = TOTAL
            c["industry"] = TOTAL
            return c.drop(columns="_row")
        m = c.merge(rows[["period", "sector", "industry", "product", "value"]],
                    on=["period", "sector"], how="left", suffixes=("", "_row"))
        has = ~pd.isna(m["industry_row"]).to_numpy()
        ind = m["industry_row"].to_numpy(dtype=object)
        own = m["industry"].to_numpy(dtype=object)
        prod = m["product"].to_numpy(dtype=object)
        s_ind = np.where(ind == own, 0, np.where(ind == TOTAL, 1, 2))
        s_prod = np.where(prod == own, 0, np.where(prod == TOTAL, 1, 2))
        m["_score"] = np.where(has, s_ind * 3 + s_prod, 99)
        m["_neg"] = -np.abs(m["value"].fillna(0.0).to_numpy())
        m = m.sort_values(["_row", "_score", "_neg", "industry_row", "product"],
                          kind="mergesort", na_position="last")
        best = m.drop_duplicates("_row", keep="first").set_index("_row").reindex(c["_row"])
        found = best["_score"].to_numpy() < 99
        c["industry"] = np.where(found, best["industry_row"].to_numpy(dtype=object), TOTAL)
        c["product"] = np.where(found, best["product"].to_numpy(dtype=object), TOTAL)
        return c.drop(columns="_row")


# ------------------------------------------------------------------------------------------
# the result
# ------------------------------------------------------------------------------------------
class Adjustment(SummaryMixin):
    """The result of :func:`capitalize`.

    Attributes
    ----------
    tables : DataFrame
        The revised long table (canonical order).
    original : DataFrame
        The validated input table.
    capital : DataFrame
        Long capital table of the new asset (:data:`CAPITAL_COLUMNS`): measures ``gfcf``,
        ``gross_stock``, ``net_stock``, ``productive_stock`` and ``cfc`` by period, sector and
        industry (and sector totals with industry ``"_T"`` and the economy total ``S1``), at
        ``current`` and ``constant`` prices (stocks at the end of the period).
    ledger : DataFrame
        One row per changed cell (:data:`intelcap.accounts.ledger.LEDGER_COLUMNS`).
    capitalized : DataFrame
        The spending cells: period, sector, industry, product, spending, share, ``R``
        (capitalized) and the config key of the share.
    policy : CapitalizationPolicy
        The policy applied.
    """

    def __init__(self, *, tables: pd.DataFrame, original: pd.DataFrame, capital: pd.DataFrame,
                 ledger: pd.DataFrame, capitalized: pd.DataFrame,
                 policy: CapitalizationPolicy, tol: float | None, rtol: float) -> None:
        self.tables = tables
        self.original = original
        self.capital = capital
        self.ledger = ledger
        self.capitalized = capitalized
        self.policy = policy
        self._tol, self._rtol = tol, rtol

    def __repr__(self) -> str:
        """One line: route, asset, periods, changed cells and the amount capitalized."""
        periods = self.capitalized["period"].nunique() if len(self.capitalized) else 0
        return (f"<Adjustment: route {self.policy.route!r}, asset {self.policy.asset!r}, "
                f"{periods} periods, {len(self.ledger)} cells changed, "
                f"{float(self.capitalized['R'].sum()):g} capitalized>")

    def gdp(self, which: str = "after") -> pd.DataFrame:
        """GDP by production, expenditure and income (and NDP) every period.

        ``which="after"`` (revised tables, default) or ``"before"`` (input tables); see
        :func:`intelcap.accounts.gdp.gdp_by_approach`.
        """
        if which not in ("after", "before"):
            raise SpecificationError(f"which={which!r} is not recognised; valid values are: "
                                     "'after', 'before'")
        t = self.tables if which == "after" else self.original
        return gdp_by_approach(t, tol=self._tol, rtol=self._rtol)

    @cached_property
    def revisions(self) -> pd.DataFrame:
        """Revision table by period: GDP, GFCF, CFC and NDP before, after and the change."""
        b, a = self.gdp("before"), self.gdp("after")

        def tot(t: pd.DataFrame, tx: str) -> pd.Series:
            s = t.loc[t["transaction"] == tx].groupby("period")["value"].sum()
            return s.reindex(a.index).fillna(0.0)

        out = pd.DataFrame(index=a.index)
        for name, before, after in (
            ("GDP", b["production"], a["production"]),
            ("GFCF", tot(self.original, "P51G"), tot(self.tables, "P51G")),
            ("CFC", tot(self.original, "P51C"), tot(self.tables, "P51C")),
            ("NDP", b["ndp"], a["ndp"]),
        ):
            out[f"{name}_before"] = before
            out[f"{name}_after"] = after
            out[f"{name}_delta"] = after - before
        out["GDP_delta_pct"] = 100.0 * out["GDP_delta"] / out["GDP_before"].where(
            out["GDP_before"] != 0)
        return out

    @property
    def summary(self) -> Summary:
        """The revision table (GDP before and after, GFCF, CFC and NDP changes by period) with
        the route, asset, unit and counts; prints as text, HTML (Jupyter) and LaTeX."""
        rev = self.revisions
        show = rev[["GDP_before", "GDP_after", "GDP_delta", "GDP_delta_pct", "GFCF_delta",
                    "CFC_delta", "NDP_delta"]]
        header = [("Route", self.policy.route), ("Asset", self.policy.asset),
                  ("Unit", table_unit(self.tables)), ("Periods", len(rev)),
                  ("Cells changed", len(self.ledger)),
                  ("Capitalized (total)", float(self.capitalized["R"].sum()))]
        notes = ["GDP by production = expenditure = income after the adjustment (checked)."]
        if self.policy.route == "satellite":
            notes.append("Satellite account: API spending recorded as GFCF beyond the 2008/2025 "
                         "SNA asset boundary.")
        return Summary("Capitalization of API spending", header=header,
                       tables=[("Revisions", show)], notes=notes)


# ------------------------------------------------------------------------------------------
# the engine
# ------------------------------------------------------------------------------------------
def _entries(cells: pd.DataFrame, delta: np.ndarray, tx: str, rule: str | np.ndarray,
             config_key: np.ndarray) -> pd.DataFrame:
    out = cells.loc[:, ["period", "sector", "industry", "product"]].copy()
    out["transaction"] = tx
    out["delta"] = np.asarray(delta, dtype=float)
    out["rule"] = rule
    out["config_key"] = config_key
    return out.loc[:, list(ENTRY_COLUMNS)]


def _long(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Periods x (sector, industry) columns to long rows (fast: no pandas stack)."""
    n_per, n_col = frame.shape
    return pd.DataFrame({
        "period": np.repeat(frame.index.to_numpy(), n_col),
        "sector": np.tile(frame.columns.get_level_values("sector").to_numpy(dtype=object),
                          n_per),
        "industry": np.tile(frame.columns.get_level_values("industry").to_numpy(dtype=object),
                            n_per),
        name: np.asarray(frame.to_numpy(dtype=float)).ravel(),
    })


def _pim_cfc(invest: pd.DataFrame, policy: CapitalizationPolicy, progress: bool):
    from intelcap.accounts.pim import pim

    deflator = None
    if policy.deflator is not None:
        d = policy.deflator
        missing = [p for p in invest.index if p not in d.index]
        if missing:
            raise MissingDataError(f"policy.deflator has no value for period {missing[0]!r}")
        deflator = d.reindex(invest.index)
    res = pim(invest, deflator=deflator, progress=progress, **policy.pim_options())
    return res


def capitalize(
    tables: pd.DataFrame,
    spending: pd.DataFrame | None = None,
    policy: CapitalizationPolicy | Mapping[str, Any] | None = None,
    *,
    tol: float | None = None,
    rtol: float = 1e-6,
    progress: bool = False,
) -> Adjustment:
    """Capitalize API spending as GFCF and revise the national accounts consistently.

    Parameters
    ----------
    tables : DataFrame
        Long national-accounts table at current prices (validated; never modified). It must
        balance: GDP by production, expenditure and income agree in every period within the
        tolerance.
    spending : DataFrame, optional
        API spending by ``period, sector, industry, value`` (optional ``product``, ``use`` and
        ``unit`` columns), non-negative, covering every period of the tables. ``None``: the
        tables' intermediate consumption (P2) of ``policy.products`` by the producers of
        ``policy.sectors``.
    policy : CapitalizationPolicy or mapping
        What is capitalized and how it depreciates (a mapping is passed to
        :meth:`CapitalizationPolicy.from_config`).
    tol, rtol : float
        Tolerance of the GDP identity check (absolute in the table's unit, or relative to GDP
        when ``tol`` is None), before and after the adjustment.
    progress : bool
        Show a progress bar for the perpetual inventory.

    Returns
    -------
    Adjustment
        Revised tables, capital tables, ledger and GDP by approach; see the module docstring
        for the rules.

    Raises
    ------
    AccountingIdentityError
        The input does not balance, or (a bug) the output would not: naming period and gap.
    DataError, MissingDataError, SpecificationError
        Bad tables, spending or policy, naming the cell or key at fault.

    Examples
    --------
    Capitalize 10% of the intermediate use of BEA commodity 514 (data processing and
    information services) in the US 2022 supply-use tables:

    >>> from intelcap.datasets import bea_supply_use
    >>> tables = bea_supply_use.load(2022)
    >>> adj = capitalize(tables, policy=CapitalizationPolicy(products=["514"], share=0.1,
    ...                                                      rate=0.33))
    >>> gdp = adj.gdp()
    >>> bool(gdp.loc[2022, "production"] > 26_006_889)
    True
    """
    if policy is None:
        raise SpecificationError("capitalize needs a policy (CapitalizationPolicy(...))")
    if isinstance(policy, Mapping):
        policy = CapitalizationPolicy.from_config(policy)
    if not isinstance(policy, CapitalizationPolicy):
        raise IntelcapTypeError(f"policy must be a CapitalizationPolicy, got "
                                f"{type(policy).__name__}")
    t = validate_table(tables, source="tables")
    if len(t) == 0:
        raise DataError("tables: the table is empty")
    if t["price_basis"].iloc[0] != "current":
        raise DataError(f"tables: capitalization works on current-price tables; this one is "
                        f"{t['price_basis'].iloc[0]!r}")
    periods = _periods(t)
    try:
        check_identity(t, tol, rtol=rtol)
    except AccountingIdentityError as err:
        raise AccountingIdentityError(f"input tables do not balance: {err}") from None

    sp = (_spending_from_table(t, policy) if spending is None
          else _spending_from_frame(spending, t, periods, policy))
    cap = _capitalized(sp, policy)
    unit = table_unit(t)
    loc = _Locator(t)
    entries: list[pd.DataFrame] = []
    rule_tag = "satellite" if policy.route == "satellite" else "own-account"

    # P2: the amount capitalized is taken from the spending product's P2 row
    if policy.route == "satellite":
        p2 = loc.locate("P2", cap[_CELL], cap["product"].to_numpy(dtype=object), "strict")
        if not p2["found"].all():
            r = int(np.flatnonzero(~p2["found"].to_numpy())[0])
            raise DataError(f"tables have no intermediate consumption row (P2, product "
                            f"{cap['product'].iloc[r]!r} or '_T') for "
                            f"({_cell_text(cap.iloc[r])}) to take the capitalized amount from")
        # several spending products may share one '_T' row: compare sums
        chk = p2.assign(R=cap["R"].to_numpy()).groupby([*_CELL, "product"], sort=False).agg(
            R=("R", "sum"), before=("value_before", "first"))
        over = chk["R"].to_numpy() > chk["before"].to_numpy() * (1 + 1e-12) + 1e-12
        if over.any():
            i = int(np.flatnonzero(over)[0])
            key = dict(zip([*_CELL, "product"], chk.index[i], strict=True))
            key = {k: _py(v) for k, v in key.items()}
            raise DataError(f"capitalized amount {_py(chk['R'].iloc[i])!r} exceeds the "
                            f"intermediate consumption {_py(chk['before'].iloc[i])!r} of cell "
                            f"{key} (P2)")
        entries.append(_entries(p2, -cap["R"].to_numpy(), "P2",
                                f"{rule_tag}: P2 -R (API spending reclassified to GFCF)",
                                cap["config_key"].to_numpy()))

    # capitalized amounts by producer cell, and their CFC from the perpetual inventory
    rc = _sum_by(cap, _CELL, ["R"]).set_index(_CELL)
    invest = rc["R"].unstack(["sector", "industry"]).reindex(periods).fillna(0.0)
    invest = invest.sort_index(axis=1)
    invest.index.name = "period"
    res = _pim_cfc(invest, policy, progress)
    cfc_cur = res.cfc_current if policy.deflator is not None else res.cfc
    cfc_cur = pd.DataFrame(cfc_cur, index=invest.index, columns=invest.columns)
    cells = _long(invest, "R")
    cells["C"] = _long(cfc_cur, "C")["C"].to_numpy()
    cells = cells.merge(rc["config_key"].reset_index(), on=_CELL, how="left")
    # cells with no spending in a period still depreciate: name the policy key of the cell
    first_key = rc["config_key"].groupby(level=["sector", "industry"]).first().rename("_k")
    fill = cells[["sector", "industry"]].merge(first_key.reset_index(), how="left",
                                               on=["sector", "industry"])["_k"]
    cells["config_key"] = cells["config_key"].fillna(pd.Series(
        fill.fillna(policy._key("share")).to_numpy(), index=cells.index))
    cells = cells.loc[(cells["R"] != 0) | (cells["C"] != 0)].reset_index(drop=True)
    keys = cells["config_key"].to_numpy(dtype=object)
    pim_key = policy._key("rate" if policy.rate is not None else (
        "service_life" if policy.service_life is not None else "profile"))
    keys_c = np.array([f"{k}; {pim_key}" for k in keys], dtype=object)

    market = cells["sector"].isin(list(MARKET)).to_numpy()
    R = cells["R"].to_numpy()
    C = cells["C"].to_numpy()
    base = cells[_CELL]
    # production side: P1/P2 where the cell has them, else B1G only
    has_p = loc.has_rows("P1", base) | loc.has_rows("P2", base)
    if policy.route == "satellite":
        d_p1 = np.where(market, 0.0, C - R)   # P2 -R booked above
        d_va = np.where(market, R, C)
    else:
        d_p1 = np.where(market, R, C)
        d_va = d_p1
    sel = has_p & (d_p1 != 0)
    if sel.any():
        p1 = loc.locate("P1", base.loc[sel], base.loc[sel, "industry"].to_numpy(dtype=object),
                        "pick")
        if policy.route == "satellite":
            text = f"{rule_tag}: P1 +(CFC - R) (non-market output = sum of costs)"
            rule_p1 = np.full(int(sel.sum()), text, dtype=object)
        else:
            rule_p1 = np.where(market[sel], f"{rule_tag}: P1 +R (own-account GFCF at cost)",
                               f"{rule_tag}: P1 +CFC (non-market output = sum of costs)")
        entries.append(_entries(p1, d_p1[sel], "P1", rule_p1,
                                np.where(market[sel], keys[sel], keys_c[sel])))
    b1g_stored = loc.has_rows("B1G", base)
    sel = (b1g_stored | ~has_p) & (d_va != 0)
    if sel.any():
        b1g = loc.locate("B1G", base.loc[sel], TOTAL, "pick")
        entries.append(_entries(b1g, d_va[sel], "B1G",
                                np.where(market[sel], f"{rule_tag}: B1G +R (market producer)",
                                         f"{rule_tag}: B1G +CFC (non-market producer)"),
                                np.where(market[sel], keys[sel], keys_c[sel])))
    # income side
    b2 = loc.locate("B2A3G", base, TOTAL, "pick")
    entries.append(_entries(b2, d_va, "B2A3G",
                            np.where(market, f"{rule_tag}: B2A3G +R (market producer)",
                                     f"{rule_tag}: B2A3G +CFC (non-market producer: gross "
                                     "operating surplus = CFC)"),
                            np.where(market, keys, keys_c)))
    # consumption of fixed capital and GFCF of the new asset
    selc = C != 0
    if selc.any():
        p51c = loc.locate("P51C", base.loc[selc], policy.asset, "add")
        entries.append(_entries(p51c, C[selc], "P51C",
                                f"{rule_tag}: P51C +CFC of the capitalized stock (PIM)",
                                keys_c[selc]))
    selr = R != 0
    if selr.any():
        p51g = loc.locate("P51G", base.loc[selr], policy.asset, "add")
        entries.append(_entries(p51g, R[selr], "P51G", f"{rule_tag}: P51G +R (capitalized "
                                "API spending)", keys[selr]))
    # non-market final consumption
    nm = ~market & ((C - R) != 0)
    if nm.any():
        p3 = loc.locate_p3(base.loc[nm])
        entries.append(_entries(p3, (C - R)[nm], "P3",
                                f"{rule_tag}: P3 of the non-market producer +(CFC - R)",
                                keys_c[nm]))

    allentries = pd.concat(entries, ignore_index=True)
    allentries = allentries.loc[allentries["delta"] != 0.0]
    allentries = allentries.astype({"period": t["period"].dtype})
    ledger = build_ledger(t, allentries)
    revised = apply_ledger(t, ledger)
    revised = validate_table(revised, source="adjusted tables")
    check_ledger(t, revised, ledger)
    try:
        check_identity(revised, tol, rtol=rtol)
    except AccountingIdentityError as err:
        raise AccountingIdentityError(f"adjusted tables break the GDP identity (not written): "
                                      f"{err}") from None

    capital = _capital_table(res, invest, policy, unit)
    return Adjustment(tables=revised, original=t, capital=capital, ledger=ledger,
                      capitalized=cap, policy=policy, tol=tol, rtol=rtol)


def _capital_table(res: Any, invest: pd.DataFrame, policy: CapitalizationPolicy, unit: str
                   ) -> pd.DataFrame:
    """Long capital table from the perpetual-inventory result."""
    defl = (policy.deflator.reindex(invest.index) if policy.deflator is not None
            else pd.Series(1.0, index=invest.index))
    d = defl.to_numpy()[:, None]

    def frame(x: Any) -> pd.DataFrame:
        return pd.DataFrame(np.asarray(x, dtype=float), index=invest.index,
                            columns=invest.columns)

    gross, net, cfc = frame(res.gross), frame(res.net), frame(res.cfc)
    productive = frame(res.productive) if getattr(res, "productive", None) is not None else None
    const_inv = invest / d
    measures_const = {"gfcf": const_inv, "gross_stock": gross, "net_stock": net, "cfc": cfc}
    if productive is not None:
        measures_const["productive_stock"] = productive
    measures_cur = {name: f * d for name, f in measures_const.items()}
    measures_cur["gfcf"] = invest
    if policy.deflator is not None:
        measures_cur["gross_stock"] = frame(res.gross_current)
        measures_cur["net_stock"] = frame(res.net_current)
        measures_cur["cfc"] = frame(res.cfc_current)
    parts = []
    for basis, measures in (("current", measures_cur), ("constant", measures_const)):
        for name, f in measures.items():
            long = _long(f, "value")
            sec = long.groupby(["period", "sector"], sort=True)["value"].sum().reset_index()
            sec["industry"] = TOTAL
            tot = long.groupby("period", sort=True)["value"].sum().reset_index()
            tot["sector"] = "S1"
            tot["industry"] = TOTAL
            both = pd.concat([long, sec, tot], ignore_index=True)
            both["measure"] = name
            both["price_basis"] = basis
            parts.append(both)
    out = pd.concat(parts, ignore_index=True)
    out["asset"] = policy.asset
    out["unit"] = unit
    out = out.sort_values(["price_basis", "measure", "period", "sector", "industry"],
                          kind="mergesort").reset_index(drop=True)
    return out.loc[:, list(CAPITAL_COLUMNS)]

