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

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from intelcap._memory import release_free_memory
from intelcap._summary import Summary, SummaryMixin
from intelcap.accounts._keys import (
    KeyCoder,
    TextCodes,
    categorical_of_codes,
    combine,
    compact,
    isin,
    lookup_sorted,
    sort_labels,
    sorted_codes,
)
from intelcap.accounts.gdp import check_identity, gdp_by_approach
from intelcap.accounts.ledger import (
    ENTRY_COLUMNS,
    _ledger_of_codes,
    apply_ledger,
    build_ledger,
    check_ledger,
)
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.supply_use import (
    _balance_before,
    _changed_balances,
    _line_sums,
)
from intelcap.accounts.tables import (
    KEY,
    SECTORS,
    TOTAL,
    TRANSACTIONS,
    table_unit,
    validate_table,
)
from intelcap.exceptions import (
    AccountingIdentityError,
    DataError,
    IntelcapError,
    IntelcapTypeError,
    MissingDataError,
    SpecificationError,
)

__all__ = ["CAPITAL_COLUMNS", "MARKET", "NON_MARKET", "Adjustment", "CompiledTables",
           "capitalize",
           "end_of_period_prices"]

#: Market producer sectors (market rules); S14 only as a producer of market output.
MARKET: tuple[str, ...] = ("S11", "S12", "S14")
#: Non-market producer sectors (output valued at the sum of costs).
NON_MARKET: tuple[str, ...] = ("S13", "S15")
#: Columns of the long capital table.
CAPITAL_COLUMNS: tuple[str, ...] = (
    "period", "sector", "industry", "asset", "measure", "price_basis", "value", "unit",
)

_CELL = ["period", "sector", "industry"]
#: Tables longer than this drop the locator's sorted row keys after each run (memory over
#: reuse by later policies).
_KEEP_LOOKUPS = 1 << 20


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")


def frequency_of(periods: list[Any]) -> str:
    """``"A"`` (int years), ``"Q"`` (labels ``2024Q1`` or ``2024-Q1``) or ``"other"``."""
    if periods and all(isinstance(p, (int, np.integer)) for p in periods):
        return "A"
    if periods and all(isinstance(p, str) and _QUARTER.match(p) for p in periods):
        return "Q"
    return "other"


def _quarter_index(label: str) -> int:
    m = _QUARTER.match(label)
    assert m is not None
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def _quarter_label(index: int, like: str) -> str:
    sep = "-" if "-" in like else ""
    return f"{index // 4}{sep}Q{index % 4 + 1}"


def _periods(t: pd.DataFrame, declared: str = "auto") -> list[Any]:
    periods = sorted(pd.unique(t["period"]).tolist())
    freq = frequency_of(periods)
    if declared != "auto" and declared != freq:
        raise SpecificationError(
            f"policy.frequency = {declared!r} but the tables' periods look "
            f"{ {'A': 'annual', 'Q': 'quarterly'}.get(freq, 'neither annual nor quarterly') } "
            f"({periods[0]!r}..{periods[-1]!r}); annual periods are int years, quarterly ones "
            "labels like '2024Q1'")
    if freq == "Q":
        idx = sorted(_quarter_index(p) for p in periods)
        periods = [_quarter_label(i, periods[0]) for i in idx]
        have = set(idx)
        gaps = [i for i in range(idx[0], idx[-1] + 1) if i not in have]
        if gaps:
            raise MissingDataError(
                f"tables: missing quarter {_quarter_label(gaps[0], periods[0])} between "
                f"{periods[0]} and {periods[-1]} ({len(gaps)} missing); quarterly tables must "
                "have every quarter")
        return periods
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
    optional = ["product", "use", "unit", "basis"]
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
        num = pd.to_numeric(sp["period"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(num) | (num != np.round(num))
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"spending: period {_py(sp['period'].iloc[r])!r} at row {r} is not a "
                            "period (the tables' periods are years such as "
                            f"{periods[0]!r})")
        sp["period"] = num.astype("int64")
    else:
        sp["period"] = sp["period"].astype(str)
    for col in ("sector", "industry", "product"):
        sp[col] = sp[col].astype(str)
    if "basis" in sp.columns:
        sp["basis"] = sp["basis"].fillna("").astype(str)
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
    unmatched = policy.unmatched_rules(sp)
    if unmatched:
        r = unmatched[0]
        raise SpecificationError(
            f"share rule {r.key} ({r.describe()}) matches no spending cell; check its codes "
            f"(sectors {sorted(set(sp['sector']))}, periods {_py(sp['period'].min())!r}.."
            f"{_py(sp['period'].max())!r}, products {sorted(set(sp['product']))[:5]})")
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
    if "basis" in sp.columns:
        basis = sp["basis"].to_numpy(dtype=object)
        keys = np.array([f"{k}; {b}" if b else k for k, b in zip(keys, basis, strict=True)],
                        dtype=object)
    value = sp["value"].to_numpy()
    out = pd.DataFrame({**{c: sp[c].array for c in ("period", "sector", "industry", "product")},
                        "spending": value, "R": share * value,
                        "config_key": pd.array(keys, dtype="str")})
    return _sum_by(out, ["period", "sector", "industry", "product"], ["spending", "R"])


def _sorted_codes_small(values: pd.Series) -> tuple[np.ndarray, int]:
    """Codes of a short column in the sorted order of its distinct values (and how many):
    :func:`~intelcap.accounts._keys.sorted_codes` without the fixed cost of a factorize."""
    if len(values) > 4096:
        codes, uniq = sorted_codes(values)
        return codes, len(uniq)
    vals = values.tolist()
    pos = {v: i for i, v in enumerate(sorted(set(vals)))}
    return np.fromiter((pos[v] for v in vals), dtype=np.int64, count=len(vals)), len(pos)


def _sum_by(frame: pd.DataFrame, keys: list[str], sums: list[str]) -> pd.DataFrame:
    """Sum ``sums`` by ``keys`` and join the distinct ``config_key`` values (sorted by keys)."""
    # the keys as one int64 in sorted order (factorize(sort=True) codes sort as the values)
    codes = [_sorted_codes_small(frame[k]) for k in keys]
    key = combine([c for c, _ in codes], [n for _, n in codes])
    order = np.argsort(key, kind="stable")
    k = key[order]
    if len(k) < 2 or (k[1:] != k[:-1]).all():   # no duplicate key: a stable sort, as before
        cols = [*keys, *sums, "config_key"]
        if ((order == np.arange(len(order))).all() and list(frame.columns) == cols
                and isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
                and frame.index.step == 1):
            return frame   # already in key order, with these columns
        return pd.DataFrame({c: frame[c].array.take(order) for c in cols})
    g = frame.groupby(keys, sort=True)
    out = g[sums].sum()
    # join the distinct keys of a cell (vectorised: most cells have one distinct key)
    uniq = frame.loc[:, [*keys, "config_key"]].drop_duplicates()
    multi = uniq.duplicated(keys, keep=False).to_numpy()
    ck = uniq.loc[~multi].set_index(keys)["config_key"]
    if multi.any():
        ck = pd.concat([ck, uniq.loc[multi].groupby(keys, sort=False)["config_key"].agg(
            "; ".join)])
    out["config_key"] = ck.reindex(out.index).to_numpy()
    return out.reset_index()


def _cell_sums(cap: pd.DataFrame) -> dict[str, Any]:
    """R, I and the config key by producer cell (period, sector, industry), in key order, as
    arrays, with the sorted codes of the cells' key columns and their distinct values
    (``"codes"``): ``cap`` itself when its cells are distinct (one spending product), else
    summed by :func:`_sum_by`."""
    codes = {c: sorted_codes(cap[c]) for c in _CELL}
    key = combine([codes[c][0] for c in _CELL], [len(codes[c][1]) for c in _CELL])
    src = cap
    if len(key) > 1 and not (key[1:] > key[:-1]).all():   # repeated or unsorted cells
        src = _sum_by(cap, _CELL, ["R", "I"])
        codes = {c: sorted_codes(src[c]) for c in _CELL}
    # the few distinct config keys, shared by the cells (no text object per cell)
    kcode, kuniq = pd.factorize(src["config_key"])
    return {"codes": codes, "R": src["R"].to_numpy(dtype=float),
            "I": src["I"].to_numpy(dtype=float),
            "config_key": np.asarray(kuniq, dtype=object)[kcode]}


def _by_period_and_cell(rc: Mapping[str, Any], col: str, periods: list[Any]
                        ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``rc[col]`` (one row per period, sector and industry) as a periods x (sector, industry)
    frame, cells in sorted order, 0 where a cell has no row in a period (an unstack, without
    its fixed cost); with the row and column of every row of ``rc`` in it."""
    (pc, pu), (sc, su), (ic, iu) = (rc["codes"][c] for c in _CELL)
    n_ind = max(len(iu), 1)
    upair, cell = np.unique(sc.astype(np.int64) * n_ind + ic, return_inverse=True)
    cell = cell.reshape(-1)
    pairs = list(zip(np.asarray(su, dtype=object)[upair // n_ind].tolist(),
                     np.asarray(iu, dtype=object)[upair % n_ind].tolist(), strict=True))
    index = pd.Index(periods, name="period")
    # spending periods are checked against the tables: every one is a period of the run
    pos = {p: i for i, p in enumerate(index.tolist())}
    at = np.fromiter((pos[p] for p in pd.Index(pu).tolist()), dtype=np.int64, count=len(pu))
    row = at[pc]
    mat = np.zeros((len(index), len(pairs)))
    mat[row, cell] = np.asarray(rc[col], dtype=float)
    columns = pd.MultiIndex.from_tuples(pairs, names=["sector", "industry"]) if pairs else \
        pd.MultiIndex.from_arrays([[], []], names=["sector", "industry"])
    return pd.DataFrame(mat, index=index, columns=columns), row, cell


# ------------------------------------------------------------------------------------------
# locating the cells to change
# ------------------------------------------------------------------------------------------
class _Cells:
    """Producer cells: the integer codes of their key columns (the locator's: the table's
    values, then values new to it) and other arrays of one value per cell. Key columns are
    read as text only where a message needs them; no look-up converts text."""

    __slots__ = ("codes", "cols", "loc", "n")

    def __init__(self, loc: _Locator, codes: Mapping[str, np.ndarray],
                 cols: Mapping[str, np.ndarray] | None = None) -> None:
        self.loc = loc
        self.codes = dict(codes)
        self.cols = dict(cols or {})
        self.n = len(next(iter(self.codes.values()))) if self.codes else 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, col: str) -> np.ndarray:
        if col in self.codes:
            return self.loc.text(col, self.codes[col])
        return self.cols[col]

    def take(self, sel: np.ndarray) -> _Cells:
        return _Cells(self.loc, {c: v[sel] for c, v in self.codes.items()},
                      {c: v[sel] for c, v in self.cols.items()})


class _Locator:
    """Find, for producer cells, the table row on which a transaction's change is booked.

    Every look-up is an exact match of one ``int64`` per row (the codes of period, sector,
    industry and product combined, :mod:`intelcap.accounts._keys`) or the first row of a group
    in a presorted order: linear in the size of the table and the cells. Values that are not
    in the table (a new product row) get codes after the table's, per run
    (:meth:`start`); look-ups treat them as absent.
    """

    _COLS = ("period", "sector", "industry", "product")

    def __init__(self, t: pd.DataFrame) -> None:
        self.t = t
        self.uniq: dict[str, pd.Index] = {}
        self.code: dict[str, np.ndarray] = {}
        for col in KEY:
            codes, self.uniq[col] = sorted_codes(t[col])
            self.code[col] = compact(codes, len(self.uniq[col]))   # held: 1-2 bytes a row
            del codes
        self.size = {col: len(u) + 1 for col, u in self.uniq.items()}  # +1: unknown values
        self.obj = {col: np.asarray(u, dtype=object) for col, u in self.uniq.items()}
        self._pos = {col: {v: i for i, v in enumerate(u.tolist())} for col, u in self.uniq.items()}
        self.value = t["value"].to_numpy(dtype=float)
        tx_codes = self.code["transaction"]
        order = np.argsort(tx_codes, kind="stable")
        bounds = np.searchsorted(tx_codes[order], np.arange(len(self.uniq["transaction"]) + 1))
        self.rows = {str(tx): order[bounds[k]:bounds[k + 1]]
                     for k, tx in enumerate(self.uniq["transaction"].tolist())}
        self._memo: dict[tuple[Any, ...], Any] = {}   # sorted row keys, per table
        s1 = self._pos["sector"].get("S1", len(self.uniq["sector"]))
        self._s1 = {tx: np.unique(self.code["period"][r][self.code["sector"][r] == s1])
                    for tx, r in self.rows.items()}
        self._s1_code = s1
        self.start()

    # -- codes ---------------------------------------------------------------------------
    def start(self) -> None:
        """Forget the values new to the table that an earlier run coded."""
        self._extra: dict[str, list[Any]] = {col: [] for col in KEY}
        self._xpos: dict[str, dict[Any, int]] = {col: {} for col in KEY}
        self._labels: dict[str, np.ndarray] = {}
        self.texts = TextCodes()   # the run's rules and configuration keys

    def code_of(self, col: str, value: Any) -> int:
        """The code of one value of ``col`` (a value new to the table gets the next code)."""
        c = self._pos[col].get(value)
        if c is None:
            c = self._xpos[col].get(value)
            if c is None:
                c = len(self.uniq[col]) + len(self._extra[col])
                self._extra[col].append(value)
                self._xpos[col][value] = c
        return c

    def enc(self, col: str, values: Any) -> np.ndarray:
        """Codes of ``values`` (an array or column): their few distinct values looked up."""
        local, u = pd.factorize(values)
        pos = np.fromiter((self.code_of(col, v) for v in u.tolist()), dtype=np.int64,
                          count=len(u))
        return pos[local]

    def translate(self, src: str, dst: str, codes: np.ndarray) -> np.ndarray:
        """Codes in column ``dst`` of the values that ``codes`` stand for in column ``src``."""
        u, inv = np.unique(codes, return_inverse=True)
        to = np.fromiter((self.code_of(dst, v) for v in self.text(src, u).tolist()),
                         dtype=np.int64, count=len(u))
        return to[inv.reshape(-1)]

    def labels(self, col: str) -> np.ndarray:
        """The values of ``col`` by code (the table's, then the new ones), as objects."""
        lab = self._labels.get(col)
        if lab is None or len(lab) != len(self.uniq[col]) + len(self._extra[col]):
            lab = np.concatenate([self.obj[col], np.array(self._extra[col] + [None],
                                                          dtype=object)[:-1]])
            self._labels[col] = lab
        return lab

    def text(self, col: str, codes: np.ndarray) -> np.ndarray:
        """The values of ``col`` at ``codes`` (objects shared with the dictionary)."""
        return self.labels(col)[codes]

    def sorted_dictionaries(self) -> tuple[dict[str, list[Any]], dict[str, np.ndarray]]:
        """Per key column: its values (the table's and the new ones) sorted, and the rank of
        every code in that order (what the ledger's :class:`KeyCoder` codes by)."""
        uniques, ranks = {}, {}
        for col in KEY:
            if not self._extra[col]:
                uniques[col] = self.uniq[col].tolist()
                ranks[col] = np.arange(len(uniques[col]), dtype=np.int64)
                continue
            uniques[col], ranks[col] = sort_labels(self.labels(col).tolist())
        return uniques, ranks

    def _row_key(self, rc: dict[str, np.ndarray], cols: tuple[str, ...]) -> np.ndarray:
        return combine([rc[c] for c in cols], [self.size[c] for c in cols])

    def _key(self, codes: dict[str, np.ndarray], cols: tuple[str, ...]) -> np.ndarray:
        # values new to the table share the code "unknown" (one past the table's): no row
        # has it
        return combine([np.minimum(codes[c], self.size[c] - 1) for c in cols],
                       [self.size[c] for c in cols])

    def _cell_codes(self, tx: str, cells: _Cells) -> tuple[dict[str, np.ndarray], np.ndarray]:
        codes = {c: cells.codes[c] for c in ("period", "sector", "industry")}
        at_s1 = isin(codes["period"], self._s1.get(tx, np.zeros(0, dtype=np.int64)))
        if at_s1.any():
            codes["sector"] = np.where(at_s1, self._s1_code, codes["sector"])
        return codes, at_s1

    def forget_lookups(self) -> None:
        """Drop the sorted row keys kept for later runs (they are computed again if needed)."""
        self._memo.clear()

    def _sorted_rows(self, tx: str, cols: tuple[str, ...]
                     ) -> tuple[np.ndarray, np.ndarray | None]:
        """The keys (``cols``) of the rows of ``tx`` sorted, and the order that sorts them
        (None: sorted already); computed once per table."""
        memo = self._memo.get(("exact", tx, cols))
        if memo is None:
            rows = self.rows[tx]
            key = self._row_key({c: self.code[c][rows] for c in cols}, cols)
            if len(key) > 1 and not (key[1:] > key[:-1]).all():
                order = np.argsort(key, kind="stable")
                memo = (key[order], order)
            else:
                memo = (key, None)
            self._memo["exact", tx, cols] = memo
        return memo

    def _exact(self, tx: str, cols: tuple[str, ...], cell_key: np.ndarray) -> np.ndarray:
        """Per cell, the position among the rows of ``tx`` of the row with its key (``cols``;
        the rows' keys are distinct), -1 where none."""
        return lookup_sorted(*self._sorted_rows(tx, cols), cell_key)

    def _has(self, tx: str, cols: tuple[str, ...], cell_key: np.ndarray) -> np.ndarray:
        """Per cell, whether a row of ``tx`` has its key (``cols``)."""
        skey, _ = self._sorted_rows(tx, cols)
        if not len(skey):
            return np.zeros(len(cell_key), dtype=bool)
        at = np.minimum(np.searchsorted(skey, cell_key), len(skey) - 1)
        return skey[at] == cell_key

    def _largest(self, tx: str, cols: tuple[str, ...], cell_key: np.ndarray,
                 tiebreak: tuple[str, ...] = ("product",)) -> np.ndarray:
        """Per cell, the position among the rows of ``tx`` of the row of its group (``cols``)
        with the largest ``|value|`` (ties: ``tiebreak`` columns in sorted order), -1 where
        the group has no row; the groups' best rows are found once per table."""
        memo = self._memo.get(("largest", tx, cols, tiebreak))
        if memo is None:
            rows = self.rows[tx]
            row_key = self._row_key({c: self.code[c][rows] for c in cols}, cols)
            sort_keys = [self.code[c][rows] for c in reversed(tiebreak)]
            order = np.lexsort([*sort_keys, -np.abs(self.value[rows]), row_key])
            k = row_key[order]
            first = np.ones(len(k), dtype=bool)
            first[1:] = k[1:] != k[:-1]
            memo = (k[first], order[first])
            self._memo["largest", tx, cols, tiebreak] = memo
        kfirst, best = memo
        at = lookup_sorted(kfirst, None, cell_key)
        return np.where(at >= 0, best[np.maximum(at, 0)], -1)

    @staticmethod
    def _fill(pos: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.where(pos >= 0, pos, new)

    def _pref(self, pref: np.ndarray | str, n: int) -> np.ndarray:
        return (np.full(n, self.code_of("product", pref), dtype=np.int64)
                if isinstance(pref, str) else np.asarray(pref, dtype=np.int64))

    # -- look-ups -------------------------------------------------------------------------
    def cells(self, frame: pd.DataFrame | Mapping[str, Any],
              columns: tuple[str, ...] = ("period", "sector", "industry")) -> _Cells:
        """Cells with the codes of ``frame``'s ``columns``."""
        return _Cells(self, {c: self.enc(c, frame[c]) for c in columns})

    def locate(self, tx: str, cells: _Cells, pref: np.ndarray | str, mode: str) -> _Cells:
        """Return ``cells`` with a ``product`` (and possibly ``sector``) to book on.

        ``pref``: a product code or product codes (the locator's). ``mode``: ``"add"`` (pref
        product, else the ``"_T"`` row, else a new pref row), ``"pick"`` (pref, ``"_T"``,
        the largest product row, else a new pref row) or ``"strict"`` (pref or ``"_T"``;
        else ``found`` is False).
        """
        codes, _ = self._cell_codes(tx, cells)
        n = len(cells)
        pref_c = self._pref(pref, n)
        rows = self.rows.get(tx, np.zeros(0, dtype=np.int64))
        if len(rows) == 0 or n == 0:
            return _Cells(self, {**codes, "product": pref_c},
                          {"found": np.zeros(n, dtype=bool), "value_before": np.full(n, np.nan),
                           "row": np.full(n, -1)})
        key4 = ("period", "sector", "industry", "product")
        q = {**codes, "product": pref_c}
        pos = self._exact(tx, key4, self._key(q, key4))
        q["product"] = np.full(n, self._pos["product"].get(TOTAL, self.size["product"] - 1))
        pos = self._fill(pos, self._exact(tx, key4, self._key(q, key4)))
        if mode == "pick":
            key3 = ("period", "sector", "industry")
            pos = self._fill(pos, self._largest(tx, key3, self._key(codes, key3)))
        found = pos >= 0
        row = rows[np.maximum(pos, 0)]
        return _Cells(self, {**codes, "product": np.where(found, self.code["product"][row],
                                                          pref_c)},
                      {"found": found, "value_before": np.where(found, self.value[row], np.nan),
                       "row": np.where(found, row, -1)})

    def has_rows(self, tx: str, cells: _Cells) -> np.ndarray:
        rows = self.rows.get(tx, np.zeros(0, dtype=np.int64))
        if len(rows) == 0:
            return np.zeros(len(cells), dtype=bool)
        key3 = ("period", "sector", "industry")
        return self._has(tx, key3, self._key(cells.codes, key3))

    def locate_p3(self, cells: _Cells) -> _Cells:
        """Book non-market final consumption on the sector's P3 rows (see module notes).

        Among the P3 rows of the cell's period and sector, in this order of preference: the
        cell's industry with its own product code, with ``"_T"``, with its largest product;
        industry ``"_T"`` likewise; then (no row of either industry) any industry's row of the
        cell's product, of ``"_T"``, the largest row (ties: industry, then product codes).
        """
        codes, _ = self._cell_codes("P3", cells)
        n = len(cells)
        rows = self.rows.get("P3", np.zeros(0, dtype=np.int64))
        if len(rows) == 0 or n == 0:
            return _Cells(self, {**codes,
                                 "industry": np.full(n, self.code_of("industry", TOTAL)),
                                 "product": np.full(n, self.code_of("product", TOTAL))})
        total_i = self._pos["industry"].get(TOTAL, self.size["industry"] - 1)
        total_p = self._pos["product"].get(TOTAL, self.size["product"] - 1)
        own_i = codes["industry"]
        own_p = self.translate("industry", "product", cells.codes["industry"])
        k4 = ("period", "sector", "industry", "product")
        k3 = ("period", "sector", "industry")
        pos = np.full(n, -1)
        for ind in (own_i, np.full(n, total_i)):
            q = {**codes, "industry": ind}
            for prod in (own_p, np.full(n, total_p)):
                pos = self._fill(pos, self._exact("P3", k4, self._key({**q, "product": prod},
                                                                      k4)))
            pos = self._fill(pos, self._largest("P3", k3, self._key(q, k3)))
        # no row of the cell's industry nor of '_T': any industry's row
        kp = ("period", "sector", "product")
        tb = ("industry", "product")
        for prod in (own_p, np.full(n, total_p)):
            pos = self._fill(pos, self._largest("P3", kp, self._key(
                {**codes, "product": prod}, kp), tb))
        k2 = ("period", "sector")
        pos = self._fill(pos, self._largest("P3", k2, self._key(codes, k2), tb))
        found = pos >= 0
        row = rows[np.maximum(pos, 0)]
        out = {**codes}
        for col in ("industry", "product"):
            out[col] = np.where(found, self.code[col][row], self.code_of(col, TOTAL))
        return _Cells(self, out)


# ------------------------------------------------------------------------------------------
# the result
# ------------------------------------------------------------------------------------------
class Adjustment(SummaryMixin):
    """The result of :func:`capitalize`.

    Attributes
    ----------
    tables : DataFrame
        The revised long table (canonical order). Its text columns are categorical (their
        values as in the input; a few codes repeated over many rows).
    original : DataFrame
        The validated input table.
    capital : DataFrame
        Long capital table of the new asset (:data:`CAPITAL_COLUMNS`): measures ``gfcf``,
        ``gross_stock``, ``net_stock``, ``productive_stock`` and ``cfc`` by period, sector and
        industry (and sector totals with industry ``"_T"`` and the economy total ``S1``), at
        ``current`` and ``constant`` prices (stocks at the end of the period). Its text
        columns are categorical (a few labels repeated over many rows).
    ledger : DataFrame
        One row per changed cell (:data:`intelcap.accounts.ledger.LEDGER_COLUMNS`); its text
        columns are categorical.
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
        self._gdp_cache: dict[str, pd.DataFrame] = {}

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
        if which in self._gdp_cache:
            return self._gdp_cache[which].copy()
        t = self.tables if which == "after" else self.original
        return gdp_by_approach(t, tol=self._tol, rtol=self._rtol)

    @cached_property
    def revisions(self) -> pd.DataFrame:
        """Revision table by period: GDP, GFCF, CFC and NDP before, after and the change.

        Where the input records no consumption of fixed capital in a period, the levels of
        CFC and NDP before and after are not available (NaN): only their changes are known.
        """
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
        from intelcap.accounts.revisions import growth

        out["GDP_growth_before"] = growth(out["GDP_before"])
        out["GDP_growth_after"] = growth(out["GDP_after"])
        out["GDP_growth_revision"] = out["GDP_growth_after"] - out["GDP_growth_before"]
        # tables without consumption of fixed capital (BEA's supply-use tables): the levels of
        # CFC and NDP are not available (NaN), only their changes are
        has_cfc = self.original.loc[self.original["transaction"] == "P51C", "period"]
        na = ~out.index.isin(pd.unique(has_cfc))
        if na.any():
            for c in ("CFC_before", "CFC_after", "NDP_before", "NDP_after"):
                out.loc[na, c] = np.nan
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
def _entries(cells: _Cells, delta: np.ndarray, tx: str,
             rule: str | tuple[np.ndarray, str, str], config_key: np.ndarray | pd.Series
             ) -> dict[str, np.ndarray]:
    """Ledger entries of ``cells`` as codes: the locator's of their key columns and its text
    codes of the rule (one text, or ``(mask, a, b)``: ``a`` where ``mask``, else ``b``) and of
    the configuration keys (texts, or their codes already)."""
    n = len(cells)
    texts = cells.loc.texts
    out = {c: cells.codes[c].astype(np.int32) for c in ("period", "sector", "industry",
                                                         "product")}
    out["transaction"] = np.full(n, cells.loc.code_of("transaction", tx), dtype=np.int32)
    out["delta"] = np.asarray(delta, dtype=float)
    if isinstance(rule, str):
        out["rule"] = np.full(n, texts.code(rule), dtype=np.int32)
    else:
        mask, a, b = rule
        out["rule"] = np.where(mask, texts.code(a), texts.code(b)).astype(np.int32)
    if isinstance(config_key, pd.Series):
        out["config_key"] = texts.codes(config_key)
    else:
        ck = np.asarray(config_key)
        out["config_key"] = ck.astype(np.int32) if ck.dtype.kind in "iu" else texts.codes(ck)
    return out


def _pim_cfc(invest: pd.DataFrame, policy: CapitalizationPolicy, progress: bool
             ) -> tuple[Any, pd.DataFrame]:
    """Run the perpetual inventory on the investment (with the opening-stock settings).

    Returns the result and the investment it ran on (the tables' periods, preceded by the
    vintages' periods when ``policy.vintages`` is given).
    """
    from intelcap.accounts.pim import pim

    if frequency_of(list(invest.index)) == "Q":
        return _pim_quarterly(invest, policy, progress), invest
    invest_all = invest
    if policy.vintages is not None:
        v = policy.vintages
        first = invest.index[0]
        if not isinstance(first, (int, np.integer)):
            raise SpecificationError(f"{policy._key('vintages')} needs annual tables (int "
                                     f"periods); the tables' first period is {first!r}")
        late = v.loc[v["period"] >= first]
        if len(late):
            raise DataError(f"{policy._key('vintages')}: period {int(late['period'].iloc[0])} is "
                            f"not before the tables' first period {first}")
        wide = v.pivot_table(index="period", columns=["sector", "industry"], values="value",
                             aggfunc="sum")
        cols = invest.columns.union(wide.columns)
        pre = wide.reindex(index=range(int(v["period"].min()), int(first)), columns=cols)
        invest_all = pd.concat([pre, invest.reindex(columns=cols)]).fillna(0.0)
        invest_all.index.name = "period"
        invest_all.columns.names = ["sector", "industry"]
    deflator = None
    if policy.deflator is not None:
        d = policy.deflator
        missing = [p for p in invest_all.index if p not in d.index]
        if missing:
            raise MissingDataError(f"{policy._key('deflator')} has no value for period "
                                   f"{missing[0]!r}")
        deflator = d.reindex(invest_all.index)
    kw = policy.pim_options()
    if policy.backcast == "steady_state":
        kw.update(initial_stock="steady_state", growth_periods=min(
            policy.backcast_periods, len(invest_all)))
        if policy.backcast_growth is not None:
            kw["initial_growth"] = policy.backcast_growth
    try:
        res = pim(invest_all, deflator=deflator, deflator_base=policy.deflator_base,
                  progress=progress, **kw)
    except IntelcapError as err:
        raise type(err)(f"perpetual inventory ({policy._key('backcast')}="
                        f"{policy.backcast!r}): {err}") from None
    return res, invest_all


class _QuarterlyCapital:
    """Capital measures of a quarterly run, benchmarked to the annual perpetual inventory."""

    def __init__(self, gross: np.ndarray, net: np.ndarray, productive: np.ndarray | None,
                 cfc: np.ndarray, price: np.ndarray | None = None) -> None:
        self.gross, self.net, self.productive, self.cfc = gross, net, productive, cfc
        # CFC at current prices: the constant-price CFC at the quarter's asset price
        self.cfc_current = cfc if price is None else cfc * price[:, None]


def _pim_quarterly(invest: pd.DataFrame, policy: CapitalizationPolicy, progress: bool
                   ) -> _QuarterlyCapital:
    r"""Quarterly CFC benchmarked to the annual perpetual inventory.

    Rates and lives are annual: the annual PIM runs on the investment summed by year with
    the policy as given; a quarterly PIM with the converted parameters
    :math:`\delta_q = 1 - (1 - \delta)^{1/4}`, :math:`L_q = 4 L`,
    :math:`g_q = (1 + g)^{1/4} - 1` gives the quarterly pattern, which is scaled pro rata so
    that the four quarters of every complete year sum to the annual CFC (the annual benchmark
    of IMF, *Quarterly National Accounts Manual*, 2017, chapter 6; a year with fewer than four
    quarters keeps the ratio of the last complete year). The net stock follows
    :math:`K_q = K_{q-1} + I_q - D_q`, so its fourth-quarter value is the annual end-of-year
    stock; gross and productive stocks are those of the quarterly PIM.

    With a deflator (a quarterly asset price index, :math:`P_q`, base ``deflator_base``
    :math:`P_0`) the perpetual inventory runs at constant prices: quarterly investment is
    deflated, :math:`I_q P_0 / P_q`, summed by year for the annual benchmark, and the CFC at
    current prices is the constant-price CFC at the quarter's price, :math:`D_q P_q / P_0`
    (quarterly deflation before aggregation, as IMF QNA Manual 2017 chapter 8 recommends;
    with a price constant within the year the quarters' current-price CFC sums to the annual
    run's).
    """
    from intelcap.accounts.pim import pim

    if policy.vintages is not None:
        raise SpecificationError(
            f"quarterly tables with {policy._key('vintages')} are not supported: vintages are "
            "annual investment before the first year, and splitting them into quarters needs "
            "an assumption the engine will not make silently; use "
            f"{policy._key('backcast')} = 'steady_state' (converted to quarters), or run the "
            "annual tables")
    labels = list(invest.index)
    years = np.array([_quarter_index(p) // 4 for p in labels])
    x = invest.to_numpy(dtype=float)
    price = None
    if policy.deflator is not None:
        d = policy.deflator
        missing = [p for p in labels if p not in d.index]
        if missing:
            raise MissingDataError(f"{policy._key('deflator')} has no value for quarter "
                                   f"{missing[0]!r} (quarterly tables need a quarterly asset "
                                   "price index, periods labelled like the tables')")
        price = d.reindex(labels).to_numpy(dtype=float) / policy.deflator_base
        x = x / price[:, None]
    uy, pos = np.unique(years, return_inverse=True)
    annual = np.zeros((len(uy), x.shape[1]))
    np.add.at(annual, pos, x)
    counts = np.bincount(pos, minlength=len(uy))
    complete = counts == 4
    kw_a = policy.pim_options()
    kw_q = dict(kw_a)
    if "rate" in kw_q:
        kw_q["rate"] = 1.0 - (1.0 - kw_q["rate"]) ** 0.25
    if "service_life" in kw_q:
        kw_q["service_life"] = 4.0 * kw_q["service_life"]
    if policy.backcast == "steady_state":
        for kw, n in ((kw_a, policy.backcast_periods), (kw_q, 4 * policy.backcast_periods)):
            kw.update(initial_stock="steady_state", growth_periods=max(2, min(
                n, len(annual) if kw is kw_a else len(x))))
        if policy.backcast_growth is not None:
            kw_a["initial_growth"] = policy.backcast_growth
            kw_q["initial_growth"] = (1.0 + policy.backcast_growth) ** 0.25 - 1.0
    try:
        res_a = pim(pd.DataFrame(annual, index=pd.RangeIndex(len(uy))), progress=progress,
                    **kw_a)
        res_q = pim(pd.DataFrame(x, index=pd.RangeIndex(len(x))), progress=progress, **kw_q)
    except IntelcapError as err:
        raise type(err)(f"perpetual inventory (quarterly): {err}") from None
    cfc_a = np.asarray(res_a.cfc, dtype=float)
    cfc_q = np.asarray(res_q.cfc, dtype=float)
    sum_q = np.zeros_like(cfc_a)
    np.add.at(sum_q, pos, cfc_q)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sum_q > 0, cfc_a / sum_q, 1.0)
    last = 1.0 * np.ones(x.shape[1])
    for y in range(len(uy)):           # incomplete years: the last complete year's ratio
        if complete[y]:
            last = ratio[y]
        else:
            ratio[y] = last
    cfc = cfc_q * ratio[pos]
    net = np.cumsum(x - cfc, axis=0)
    productive = (np.asarray(res_q.productive, dtype=float)
                  if getattr(res_q, "productive", None) is not None else None)
    return _QuarterlyCapital(np.asarray(res_q.gross, dtype=float), net, productive, cfc,
                             price)


def _cfc_current(res: Any, policy: CapitalizationPolicy) -> np.ndarray:
    return np.asarray(res.cfc_current if policy.deflator is not None else res.cfc, dtype=float)


def _refuse_recapitalization(t: pd.DataFrame, policy: CapitalizationPolicy) -> None:
    """Refuse tables that already carry capitalized API spending (unless allowed).

    Signs of a previous run: rows in the asset code (intelcap < 0.2 booked GFCF there), or GFCF
    of the spending products recorded by a producer industry (the engine books GFCF on the
    capitalizing industry; supply-use tables record final uses by product only).
    """
    if policy.allow_recapitalization:
        return
    key = policy._key("allow_recapitalization")
    old = t["product"].isin([policy.asset, "AI_IC"]).to_numpy()
    gf = ((t["transaction"] == "P51G") & t["product"].isin(list(policy.products))
          & (t["industry"] != TOTAL)).to_numpy()
    if policy.route == "own_account":
        gf = gf | ((t["transaction"] == "P51G") & (t["product"] == policy.own_account_product)
                   & (t["industry"] != TOTAL)).to_numpy()
    for mask, why in ((old, "a row in the asset code"),
                      (gf, "GFCF of the API product booked by a producer industry")):
        if mask.any():
            r = t.iloc[int(np.flatnonzero(mask)[0])]
            raise DataError(
                f"tables look already capitalized ({why}: period={_py(r['period'])!r}, "
                f"sector={r['sector']!r}, industry={r['industry']!r}, product="
                f"{r['product']!r}, transaction={r['transaction']!r}); capitalizing again "
                f"would count the spending twice. Give the original tables, or set {key} = "
                "true if this is intended")


def _refuse_household_purchases(t: pd.DataFrame, sp: pd.DataFrame) -> None:
    """Households' purchases stay final consumption: S14 spending needs a production account."""
    hh = (sp["sector"] == "S14").to_numpy()
    if not hh.any():
        return
    prod = t.loc[(t["sector"] == "S14") & t["transaction"].isin(["P1", "P2", "B1G"])
                 & (t["industry"] != TOTAL), ["period", "industry"]].drop_duplicates()
    known = pd.MultiIndex.from_frame(prod)
    cells = pd.MultiIndex.from_frame(sp.loc[hh, ["period", "industry"]])
    bad = (~cells.isin(known)) | (sp.loc[hh, "industry"] == TOTAL).to_numpy()
    if bad.any():
        r = sp.loc[hh].iloc[int(np.flatnonzero(bad)[0])]
        raise DataError(f"spending of households (sector 'S14') at ({_cell_text(r)}) has no "
                        "household production account (P1/P2 of an industry) in the tables: "
                        "households' purchases are final consumption (P3) and are never "
                        "capitalized, on any route")


class CompiledTables:
    """A national-accounts table validated and indexed once, for many :func:`capitalize` runs.

    :func:`capitalize` accepts it in place of the table: the validation, the GDP identity
    check of the input, its product balances, the integer coding of its keys and the index
    of its rows are computed once here and reused by every policy run on it (what a property
    test or a sensitivity analysis over many policies needs). The table is treated as
    immutable: do not modify :attr:`table`.

    Parameters
    ----------
    tables : DataFrame
        Long national-accounts table at current prices (validated here).

    Examples
    --------
    >>> from intelcap.accounts import CapitalizationPolicy, read_table
    >>> from intelcap.datasets import bundled_data_dir
    >>> ct = CompiledTables(read_table(bundled_data_dir() / "example" / "tables.csv"))
    >>> runs = [capitalize(ct, policy=CapitalizationPolicy(share=s, rate=0.33), tol=1e-3)
    ...         for s in (0.25, 0.5)]
    """

    def __init__(self, tables: pd.DataFrame, *, _validated: bool = False) -> None:
        # _validated: the caller's table is what validate_table returned (a reader's result)
        t = tables if _validated else validate_table(tables, source="tables")
        if len(t) == 0:
            raise DataError("tables: the table is empty")
        if t["price_basis"].iloc[0] != "current":
            raise DataError(f"tables: capitalization works on current-price tables; this one "
                            f"is {t['price_basis'].iloc[0]!r}")
        self.table = t
        self.unit = table_unit(t)
        self.locator = _Locator(t)
        self._memo: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"<CompiledTables: {len(self.table)} rows, unit {self.unit!r}>"

    def _cached(self, key: Any, make: Any) -> Any:
        try:
            hash(key)
        except TypeError:
            return make()
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def periods(self, declared: str = "auto") -> list[Any]:
        """The table's periods in order (frequency checked against ``declared``)."""
        return list(self._cached(("periods", declared), lambda: _periods(self.table,
                                                                          declared)))

    def gdp(self, tol: float | None, rtol: float) -> pd.DataFrame:
        """GDP by approach of the input, checked (:func:`~intelcap.accounts.gdp.check_identity`)."""
        return self._cached(("gdp", tol, rtol), lambda: check_identity(
            self.table, tol, rtol=rtol, _validated=True, _codes=self.known_codes))

    @cached_property
    def balance(self) -> Any:
        """Product balances of the input (:func:`~intelcap.accounts.supply_use.product_balance`)
        and the (period, product) lines that record a supply."""
        return _balance_before(self.table, _codes=self.known_codes)

    @cached_property
    def balance_lines(self) -> dict[tuple[Any, Any], tuple[float, ...]]:
        """(period, product) -> (supply, uses, gap, 1.0 if a supply is recorded else 0.0)."""
        return _balance_lines(self.balance)

    @cached_property
    def known_codes(self) -> dict[str, tuple[np.ndarray, pd.Index]]:
        """Sorted integer codes and distinct values of the key columns of :attr:`table`."""
        loc = self.locator
        return {c: (loc.code[c], loc.uniq[c]) for c in KEY}

    def refuse_recapitalization(self, policy: CapitalizationPolicy) -> None:
        """Raise :class:`~intelcap.exceptions.DataError` if the table looks already
        capitalized under ``policy`` (unless ``policy.allow_recapitalization``)."""
        key = ("recap", policy.allow_recapitalization, policy.asset, tuple(policy.products),
               policy.route, policy.own_account_product)

        def check() -> None:
            _refuse_recapitalization(self.table, policy)
        self._cached(key, check)

    def spending(self, policy: CapitalizationPolicy) -> pd.DataFrame:
        """The tables' intermediate consumption of ``policy.products`` by ``policy.sectors``
        (households' purchases refused)."""
        if policy.uses is not None:
            return _spending_from_table(self.table, policy)

        def make() -> pd.DataFrame:
            sp = _spending_from_table(self.table, policy)
            _refuse_household_purchases(self.table, sp)
            return sp
        return self._cached(("spending", tuple(policy.products), tuple(policy.sectors)), make)


def capitalize(
    tables: pd.DataFrame | CompiledTables,
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
    tables : DataFrame or CompiledTables
        Long national-accounts table at current prices (validated; never modified). It must
        balance: GDP by production, expenditure and income agree in every period within the
        tolerance. A :class:`CompiledTables` built once from it saves the validation and
        indexing when many policies are run on the same table.
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
    ct = tables if isinstance(tables, CompiledTables) else CompiledTables(tables)
    t = ct.table
    periods = ct.periods(policy.frequency)
    try:
        gdp0 = ct.gdp(tol, rtol)
    except AccountingIdentityError as err:
        raise AccountingIdentityError(f"input tables do not balance: {err}") from None

    ct.refuse_recapitalization(policy)
    # the input's product balances (checked against the ledger at the end) computed now,
    # while little else is held: their working arrays then do not add to the peak
    ct.balance  # noqa: B018
    if spending is None:
        sp = ct.spending(policy)
    else:
        sp = _spending_from_frame(spending, t, periods, policy)
        _refuse_household_purchases(t, sp)
    cap = _capitalized(sp, policy)
    unit = ct.unit
    loc = ct.locator
    loc.start()
    entries: list[dict[str, np.ndarray]] = []
    satellite = policy.route == "satellite"
    rule_tag = "satellite" if satellite else "own-account"

    # every route: the spending must be recorded as the producer's intermediate consumption
    p2 = loc.locate("P2", loc.cells(cap), loc.enc("product", cap["product"]), "strict")
    if not p2["found"].all():
        r = int(np.flatnonzero(~p2["found"])[0])
        raise DataError(f"tables have no intermediate consumption row (P2, product "
                        f"{cap['product'].iloc[r]!r} or '_T') for "
                        f"({_cell_text(cap.iloc[r])}): capitalized spending must be a recorded "
                        "input of that producer")
    # several spending products may share one '_T' row: compare sums
    # (one table row per cell and product: group by the row, in order of first appearance)
    urow, first, inv_row = np.unique(p2["row"], return_index=True, return_inverse=True)
    sum_r = np.bincount(inv_row, weights=cap["R"].to_numpy(dtype=float), minlength=len(urow))
    before_r = p2["value_before"][first]
    over = sum_r > before_r * (1 + 1e-12) + 1e-12
    if over.any():
        i = int(np.argmin(np.where(over, first, len(p2))))
        r = int(first[i])
        key = {k: _py(p2[k][r]) for k in (*_CELL, "product")}
        raise DataError(f"capitalized amount {_py(sum_r[i])!r} exceeds the "
                        f"intermediate consumption {_py(before_r[i])!r} of cell "
                        f"{key} (P2)")
    market_cap = cap["sector"].isin(list(MARKET)).to_numpy()
    # the value of the investment: the spending itself (satellite), or the sum of costs of
    # the own-account production it is an input of
    if satellite:
        cap["I"] = cap["R"].to_numpy()
    else:
        cost = cap["R"].to_numpy() * (1.0 + policy.labour_ratio + policy.other_cost_ratio)
        cap["I"] = cost * np.where(market_cap, 1.0 + policy.net_return, 1.0)
    if satellite:
        entries.append(_entries(p2, -cap["R"].to_numpy(), "P2",
                                f"{rule_tag}: P2 -R (API spending reclassified to GFCF)",
                                cap["config_key"]))
        # GFCF of the same product: the product's supply-use balance is unchanged
        entries.append(_entries(loc.locate("P51G", _Cells(loc, {c: p2.codes[c] for c in _CELL}),
                                           p2.codes["product"], "add"), cap["R"].to_numpy(),
                                "P51G",
            f"{rule_tag}: P51G +R on the product bought (asset {policy.asset})",
            cap["config_key"]))

    # investment by producer cell, and its CFC from the perpetual inventory
    rc = _cell_sums(cap)
    invest, rc_row, rc_cell = _by_period_and_cell(rc, "I", periods)
    rc_cols = invest.columns
    res, invest_all = _pim_cfc(invest, policy, progress)
    cfc_cur = _cfc_current(res, policy)
    cfc_cur = pd.DataFrame(cfc_cur, index=invest_all.index, columns=invest_all.columns)
    cfc_cur = cfc_cur.reindex(index=invest.index)
    invest = invest_all.reindex(index=invest.index).fillna(0.0)
    # the producer cells by period (periods x cells, flattened row by row), kept where
    # there is investment or CFC
    n_per, n_col = invest.shape
    # the grid's periods and (sector, industry) columns coded once, then repeated
    per = np.repeat(loc.enc("period", invest.index.to_numpy()), n_col)
    sec = np.tile(loc.enc("sector", invest.columns.get_level_values("sector")), n_per)
    ind = np.tile(loc.enc("industry", invest.columns.get_level_values("industry")), n_per)
    inv_all = np.asarray(invest.to_numpy(dtype=float)).ravel()
    cfc_all = np.asarray(cfc_cur.to_numpy(dtype=float)).ravel()
    keep = (inv_all != 0) | (cfc_all != 0)
    # config key of a cell: its spending's; cells with no spending in a period still
    # depreciate: the key of the cell's first period with spending, else the default
    # (by integer positions: rc's rows are at (rc_row, rc_cell) of the periods x cells grid;
    # rc is in (period, sector, industry) order, so a cell's first row is its first period)
    rc_key = np.asarray(rc["config_key"], dtype=object)
    if not invest.columns.equals(rc_cols):   # opening-stock vintages add cells
        rc_cell = invest.columns.get_indexer(rc_cols)[rc_cell]
    grid = np.full(n_per * n_col, -1, dtype=np.int64)
    grid[rc_row * n_col + rc_cell] = np.arange(len(rc_key))
    first_row = np.full(n_col, -1, dtype=np.int64)
    cells_with, first_of = np.unique(rc_cell, return_index=True)
    first_row[cells_with] = first_of
    own_at = grid[keep]
    first_at = first_row[np.tile(np.arange(n_col), n_per)[keep]]
    default_key = policy._key("vintages" if policy.vintages is not None else "share")
    base = _Cells(loc, {"period": per[keep], "sector": sec[keep], "industry": ind[keep]})
    choices = np.append(rc_key, np.array([default_key], dtype=object))
    keys = choices[np.where(own_at >= 0, own_at, np.where(first_at >= 0, first_at,
                                                          len(rc_key)))]
    pim_key = policy._key("rate" if policy.rate is not None else (
        "service_life" if policy.service_life is not None else "profile"))
    if policy.backcast != "none":
        pim_key += f"; {policy._key('backcast')}"
    # the keys as the run's text codes (few distinct keys)
    texts = loc.texts
    keys = texts.codes(keys)
    ukey, kinv = np.unique(keys, return_inverse=True)
    keys_c = np.fromiter((texts.code(f"{texts.labels[k]}; {pim_key}") for k in ukey.tolist()),
                         dtype=np.int32, count=len(ukey))[kinv.reshape(-1)]

    market = np.isin(base.codes["sector"], [loc.code_of("sector", s) for s in MARKET])
    inv = inv_all[keep]
    C = cfc_all[keep]
    has_p = loc.has_rows("P1", base) | loc.has_rows("P2", base)
    d_va = np.where(market, inv, C)
    if satellite:
        # non-market output = sum of costs: P1 +(CFC - R), booked on the producer's own product
        sel = has_p & ~market & ((C - inv) != 0)
        if sel.any():
            sub = base.take(sel)
            p1 = loc.locate("P1", sub, loc.translate("industry", "product",
                                                     sub.codes["industry"]), "pick")
            entries.append(_entries(p1, (C - inv)[sel], "P1",
                                    f"{rule_tag}: P1 +(CFC - R) (non-market output = sum of "
                                    "costs)", keys_c[sel]))
    else:
        # own-account output at the sum of costs, on the own-account product, and its GFCF
        sel = inv != 0
        if sel.any():
            sub = base.take(sel)
            has_sel = has_p[sel]
            oa = loc.locate("P1", sub, policy.own_account_product, "add")
            rule_oa = (f"{rule_tag}: P1 +I (own-account output at the sum of costs: token "
                       f"spending x (1 + labour {policy.labour_ratio:g} + other "
                       f"{policy.other_cost_ratio:g})"
                       + (f", x (1 + net return {policy.net_return:g}) for market producers)"
                          if policy.net_return else ")"))
            if has_sel.any():
                entries.append(_entries(oa.take(has_sel), inv[sel][has_sel], "P1", rule_oa,
                                        keys[sel][has_sel]))
            gf = loc.locate("P51G", sub, np.where(has_sel, oa.codes["product"],
                                                  loc.code_of("product", TOTAL)), "add")
            entries.append(_entries(gf, inv[sel], "P51G",
                                    f"{rule_tag}: P51G +I (own-account GFCF, asset "
                                    f"{policy.asset})", keys[sel]))
        sel = has_p & ~market & ((C - inv) != 0)
        if sel.any():
            sub = base.take(sel)
            p1 = loc.locate("P1", sub, loc.translate("industry", "product",
                                                     sub.codes["industry"]), "pick")
            entries.append(_entries(p1, (C - inv)[sel], "P1",
                                    f"{rule_tag}: P1 +(CFC - I) on the non-market product "
                                    "(output = sum of costs, I of it own-account GFCF)",
                                    keys_c[sel]))
    b1g_stored = loc.has_rows("B1G", base)
    sel = (b1g_stored | ~has_p) & (d_va != 0)
    if sel.any():
        b1g = loc.locate("B1G", base.take(sel), TOTAL, "pick")
        what = "R" if satellite else "I"
        entries.append(_entries(b1g, d_va[sel], "B1G",
                                (market[sel], f"{rule_tag}: B1G +{what} (market "
                                 "producer)", f"{rule_tag}: B1G +CFC (non-market producer)"),
                                np.where(market[sel], keys[sel], keys_c[sel])))
    # income side
    b2 = loc.locate("B2A3G", base, TOTAL, "pick")
    what = "R" if satellite else "I"
    entries.append(_entries(b2, d_va, "B2A3G",
                            (market, f"{rule_tag}: B2A3G +{what} (market producer)",
                             f"{rule_tag}: B2A3G +CFC (non-market producer: gross "
                             "operating surplus = CFC)"),
                            np.where(market, keys, keys_c)))
    # consumption of fixed capital of the new asset
    selc = C != 0
    if selc.any():
        p51c = loc.locate("P51C", base.take(selc), TOTAL, "add")
        entries.append(_entries(p51c, C[selc], "P51C",
                                f"{rule_tag}: P51C +CFC of the capitalized stock (PIM; asset "
                                f"{policy.asset})", keys_c[selc]))
    # non-market final consumption
    nm = ~market & ((C - inv) != 0)
    if nm.any():
        p3 = loc.locate_p3(base.take(nm))
        entries.append(_entries(p3, (C - inv)[nm], "P3",
                                f"{rule_tag}: P3 of the non-market producer +(CFC - "
                                f"{'R' if satellite else 'I'})", keys_c[nm]))

    cols = {c: np.concatenate([e[c] for e in entries]) for c in ENTRY_COLUMNS}
    del entries
    nz = cols["delta"] != 0.0
    if not nz.all():
        cols = {c: v[nz] for c, v in cols.items()}
    del nz
    # the producer cells' arrays (as long as the entries) are done with: freed before the
    # ledger is built, where the memory peaks
    p2 = b2 = base = keys = keys_c = per = sec = ind = inv_all = cfc_all = keep = None
    grid = own_at = first_at = market = inv = C = has_p = d_va = sel = b1g_stored = None
    sub = p1 = oa = gf = b1g = selc = p51c = nm = p3 = None
    cfc_cur = invest = rc = rc_key = None
    if len(t) > _KEEP_LOOKUPS:   # a long table: its look-up structures go before the peak
        loc.forget_lookups()
    # one integer coding of the key columns for the ledger's sums, look-ups and sort: the
    # table's codes, and the entries' (the locator's) ranked among the values of both
    uniques, ranks = loc.sorted_dictionaries()
    coder = KeyCoder([t], KEY, known=ct.known_codes, uniques=uniques)
    if len(cols["delta"]):
        ledger = _ledger_of_codes(
            t, {c: compact(ranks[c][cols.pop(c)], len(uniques[c])) for c in KEY},
            cols["delta"], cols["rule"], cols["config_key"], coder, categorical=True,
            texts=loc.texts)
    else:
        ledger = build_ledger(t, pd.DataFrame({c: [] for c in ENTRY_COLUMNS}))
    del cols, uniques, ranks
    release_free_memory()
    ledger["asset"] = categorical_of_codes(ledger["transaction"].isin(
        ["P51G", "P51C"]).to_numpy().astype(np.int8), ["", policy.asset])
    revised = apply_ledger(t, ledger, _coder=coder, _categorical=True)
    check_ledger(t, revised, ledger, _coder=coder)
    _check_additions(t, revised, ledger, coder)
    coder.forget(t)
    release_free_memory()
    try:
        gdp1 = check_identity(revised, tol, rtol=rtol, _validated=True, _codes={
            c: (coder.codes(revised, c), coder.uniques[c])
            for c in ("period", "sector", "industry", "transaction")})
    except AccountingIdentityError as err:
        raise AccountingIdentityError(f"adjusted tables break the GDP identity (not written): "
                                      f"{err}") from None
    coder.forget(revised)
    _check_balance_by_ledger(ledger, ct.balance, tol, max(rtol, 1e-9), _codes={
        c: (coder.codes(ledger, c), coder.uniques[c])
        for c in ("period", "product", "transaction")})
    coder.forget(ledger)
    del coder
    capital = _capital_table(res, invest_all, policy, unit, periods)
    adj = Adjustment(tables=revised, original=t, capital=capital, ledger=ledger,
                     capitalized=cap, policy=policy, tol=tol, rtol=rtol)
    adj._gdp_cache = {"before": gdp0, "after": gdp1}
    return adj


def _check_additions(t: pd.DataFrame, revised: pd.DataFrame, ledger: pd.DataFrame,
                     coder: KeyCoder) -> None:
    """Validate the adjusted tables through what the ledger changed (the rest of them is the
    validated input): the new rows alone, every value finite, and no new row beside rows of
    the input that it would double count (a product ``"_T"`` row beside product rows of the
    same cell, an ``S1`` row beside sector rows of the same period and transaction)."""
    where = "adjusted tables: "
    vals = revised["value"].to_numpy()
    if not np.isfinite(vals).all():
        r = int(np.flatnonzero(~np.isfinite(vals))[0])
        raise AccountingIdentityError(f"{where}non-finite value at ({_cell_text(revised.iloc[r])},"
                                      f" transaction={revised['transaction'].iloc[r]!r})")
    new = coder.find_rows(t, ledger) < 0
    if not new.any():
        return
    cell = ["period", "sector", "industry", "transaction"]
    # the new rows' codes; of the input, only the rows of the new rows' transactions (no
    # other row can share their cell or their (period, transaction))
    lc = {c: coder.codes(ledger, c)[new] for c in KEY}
    tx_codes = coder.codes(t, "transaction")
    tx_new = np.zeros(len(coder.uniques["transaction"]), dtype=bool)
    tx_new[lc["transaction"]] = True
    rows = np.flatnonzero(tx_new[tx_codes])
    del tx_codes

    def keys(codes: Mapping[str, np.ndarray], cols: list[str]) -> np.ndarray:
        return combine([codes[c] for c in cols], [len(coder.uniques[c]) for c in cols])

    tcodes = {c: coder.codes(t, c)[rows] for c in KEY}
    t_total = tcodes["product"] == coder.code_of("product", TOTAL)
    a_total = lc["product"] == coder.code_of("product", TOTAL)
    t_s1 = tcodes["sector"] == coder.code_of("sector", "S1")
    a_s1 = lc["sector"] == coder.code_of("sector", "S1")
    tc, ac = keys(tcodes, cell), keys(lc, cell)
    tp, ap = keys(tcodes, ["period", "transaction"]), keys(lc, ["period", "transaction"])
    del tcodes
    # the new rows' distinct texts (from their distinct codes)
    labels = {c: np.asarray(coder.uniques[c], dtype=object) for c in KEY}
    col = {c: labels[c][np.unique(lc[c])] for c in ("sector", "industry", "product",
                                                    "transaction")}
    n_sec = len(labels["sector"])
    pairs = np.unique(lc["transaction"].astype(np.int64) * n_sec + lc["sector"])
    tx_sec = set(zip(labels["transaction"][pairs // n_sec].tolist(),
                     labels["sector"][pairs % n_sec].tolist(), strict=True))
    # the new rows alone are a valid table (codes, sectors of transactions, no '_T' beside
    # product rows nor S1 beside sectors among them): checked on their distinct values, with
    # validate_table called only to word an error
    distinct = {c: set(v.tolist()) for c, v in col.items()}
    plausible = (all(isinstance(v, str) and v.strip() for vs in distinct.values() for v in vs)
                 and distinct["sector"] <= set(SECTORS)
                 and distinct["transaction"] <= set(TRANSACTIONS)
                 and all(sec in TRANSACTIONS[tx].sectors for tx, sec in tx_sec)
                 and not (a_total & isin(ac, ac[~a_total])).any()
                 and not (a_s1 & isin(ap, ap[~a_s1])).any())
    if not plausible:
        added = ledger.loc[new, list(KEY)].reset_index(drop=True)
        added["value"] = ledger.loc[new, "after"].to_numpy(dtype=float)
        added["unit"] = t["unit"].iloc[0]
        added["price_basis"] = t["price_basis"].iloc[0]
        validate_table(added, source="adjusted tables (new rows)")
    bad = ((a_total & isin(ac, tc)) | (~a_total & isin(ac, tc[t_total]))
           | (a_s1 & isin(ap, tp[~t_s1])) | (~a_s1 & isin(ap, tp[t_s1])))
    if bad.any():
        r = ledger.loc[new].iloc[int(np.flatnonzero(bad)[0])]
        raise DataError(f"{where}new row ({_cell_text(r)}, transaction={r['transaction']!r}) "
                        "would double count rows of the input ('_T' beside product rows, or "
                        "S1 beside sector rows)")


def _balance_lines(before: tuple[pd.DataFrame, pd.MultiIndex]) -> dict[tuple[Any, Any],
                                                                        tuple[float, ...]]:
    """(period, product) -> (supply, uses, gap, 1.0 if a supply is recorded else 0.0)."""
    b, supplied = before
    rec = b.index.isin(supplied).astype(float)
    return dict(zip(b.index.tolist(), zip(b["supply"].tolist(), b["use"].tolist(),
                                          b["gap"].tolist(), rec.tolist(), strict=True),
                    strict=True))


def _check_balance_by_ledger(ledger: pd.DataFrame,
                             lines: dict[tuple[Any, Any], tuple[float, ...]] | tuple[Any, Any],
                             tol: float | None, rtol: float,
                             _codes: Mapping[str, tuple[np.ndarray, Any]] | None = None
                             ) -> None:
    """:func:`~intelcap.accounts.supply_use.check_balance_preserved` computed from the
    ledger (which :func:`~intelcap.accounts.ledger.check_ledger` has shown to be the change
    of every cell): the change of each (period, product) line's supply and uses is the sum
    of the ledger deltas of its supply and use items, so only the changed lines are summed
    (``lines``: the input's lines, :func:`_balance_lines`, or the balances they come from,
    :attr:`CompiledTables.balance`; ``_codes``: the sorted codes of the ledger's
    transaction, period and product columns, when the caller has them)."""
    puniq, quniq, ukey, _, _, dsup, duse = _line_sums(ledger, "delta", _codes)
    if not len(ukey):
        return
    puniq = np.asarray(pd.Index(np.asarray(puniq, dtype=object).tolist(),
                                dtype=ledger["period"].dtype))
    k_per = np.asarray(puniq)[ukey // len(quniq)]
    k_prod = np.asarray(quniq, dtype=object)[ukey % len(quniq)]
    if isinstance(lines, tuple):   # the balances frame itself: one index look-up
        b, supplied = lines
        at = b.index.get_indexer(pd.MultiIndex.from_arrays([k_per, k_prod]))
        hit = at >= 0
        atc = np.maximum(at, 0)
        base = np.full((len(ukey), 4), np.nan)
        base[:, 3] = 0.0
        for j, c in enumerate(("supply", "use", "gap")):
            base[:, j] = np.where(hit, b[c].to_numpy(dtype=float)[atc], np.nan)
        base[:, 3] = np.where(hit, b.index.isin(supplied).astype(float)[atc], 0.0)
    else:
        base = np.array([lines.get((_py(p), str(q)), (np.nan, np.nan, np.nan, 0.0))
                         for p, q in zip(k_per.tolist(), k_prod.tolist(), strict=True)],
                        dtype=float).reshape(len(ukey), 4)
    known = ~np.isnan(base[:, 0])
    bsup, buse, bg = (np.nan_to_num(base[:, i]) for i in range(3))
    recorded = base[:, 3] > 0
    asup = bsup + dsup
    ause = buse + duse
    with np.errstate(invalid="ignore", over="ignore"):
        ag = np.where(known, asup - ause, dsup - duse)
        change = ag - bg
    level = np.maximum.reduce([np.abs(asup), np.abs(ause), np.abs(bsup), np.abs(buse)])
    bad = _changed_balances(bsup, buse, bg, change, level, recorded, k_prod, tol, rtol)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        period, product_ = _py(k_per[pos]), str(k_prod[pos])
        raise AccountingIdentityError(
            f"adjusted tables break a product balance (not written): the revision changes the "
            f"supply-use balance of product {product_!r} in period {period!r} by "
            f"{float(change[pos])!r} (gap before {float(bg[pos])!r}, after {float(ag[pos])!r})")


def end_of_period_prices(deflator: pd.Series) -> pd.Series:
    r"""End-of-period asset prices from a period-average price index.

    .. math::

        P^{end}_t = \sqrt{P_t P_{t+1}}, \qquad P^{end}_T = P_T \sqrt{P_T / P_{T-1}},

    the geometric mean of the averages of the two periods around the end of period :math:`t`
    (the last period extrapolates its own half-period growth; a single period keeps its
    average). Stocks are valued at end-of-period prices, flows (GFCF, CFC) at period-average
    prices (OECD 2009, *Measuring Capital*, chapter 5, "Revaluation"; 2008 SNA 13.16).
    """
    p = deflator.to_numpy(dtype=float)
    if len(p) < 2:
        return deflator.astype(float)
    end = np.empty_like(p)
    end[:-1] = np.sqrt(p[:-1] * p[1:])
    end[-1] = p[-1] * np.sqrt(p[-1] / p[-2])
    return pd.Series(end, index=deflator.index, name="end_of_period_price")


def _capital_table(res: Any, invest: pd.DataFrame, policy: CapitalizationPolicy, unit: str,
                   periods: list[Any] | None = None) -> pd.DataFrame:
    """Long capital table from the perpetual-inventory result (the tables' periods only).

    Constant prices are prices of the deflator's base year (the deflator divided by
    ``policy.deflator_base``); current-price stocks are at end-of-period prices
    (:func:`end_of_period_prices`), GFCF and CFC at period-average prices.
    """
    if policy.deflator is not None:
        defl = policy.deflator.reindex(invest.index) / policy.deflator_base
    else:
        defl = pd.Series(1.0, index=invest.index)
    d = defl.to_numpy()[:, None]
    d_end = end_of_period_prices(defl).to_numpy()[:, None]
    # numpy arrays (periods x cells) throughout: the same arithmetic as on frames, without
    # their fixed cost
    if periods is not None:
        at = invest.index.get_indexer(pd.Index(periods))
        per_index = pd.Index(periods)
    else:
        at = np.arange(len(invest.index))
        per_index = invest.index

    def rows(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if (at < 0).any():   # a period outside the run: NaN, as a reindex would give
            return np.where((at >= 0)[:, None], x[np.maximum(at, 0)], np.nan)
        return x[at]

    inv = invest.to_numpy(dtype=float)
    measures_const = {"gfcf": inv / d, "gross_stock": np.asarray(res.gross, dtype=float),
                      "net_stock": np.asarray(res.net, dtype=float),
                      "cfc": np.asarray(res.cfc, dtype=float)}
    if getattr(res, "productive", None) is not None:
        measures_const["productive_stock"] = np.asarray(res.productive, dtype=float)
    measures_cur = {name: x * (d if name in ("gfcf", "cfc") else d_end)
                    for name, x in measures_const.items()}
    measures_cur["gfcf"] = inv
    if policy.deflator is not None:
        measures_cur["cfc"] = np.asarray(res.cfc_current, dtype=float)
    measures_cur = {k: rows(v) for k, v in measures_cur.items()}
    measures_const = {k: rows(v) for k, v in measures_const.items()}
    # one block of rows per (basis, measure, period): the cells, the sector totals ("_T") and
    # the economy total (S1), in (sector, industry) order; built with array sums, no groupby
    cols = invest.columns
    sec_of = cols.get_level_values("sector").to_numpy(dtype=object)
    ind_of = cols.get_level_values("industry").to_numpy(dtype=object)
    sectors = sorted(set(sec_of.tolist()))
    onehot = (sec_of[:, None] == np.array(sectors, dtype=object)[None, :]).astype(float)
    lab_sec = np.concatenate([sec_of, np.array(sectors, dtype=object), ["S1"]])
    lab_ind = np.concatenate([ind_of, np.full(len(sectors), TOTAL, dtype=object), [TOTAL]])
    order = sorted(range(len(lab_sec)), key=lambda i: (lab_sec[i], lab_ind[i]))
    lab_sec, lab_ind = lab_sec[order], lab_ind[order]
    blocks_v, blocks_m, blocks_b = [], [], []
    for basis, measures in sorted((("current", measures_cur), ("constant", measures_const))):
        for name in sorted(measures):
            x = measures[name]
            full = np.concatenate([x, x @ onehot, x.sum(axis=1, keepdims=True)], axis=1)
            blocks_v.append(full[:, order].ravel())
            blocks_m.append(name)
            blocks_b.append(basis)
    n_per, width = len(per_index), len(order)
    n_blk = len(blocks_v)
    n = n_per * width * n_blk

    def text(labels: Any, idx: np.ndarray) -> Any:
        # string columns by taking from their few distinct labels (no per-row conversion)
        return pd.array(np.asarray(labels, dtype=object), dtype="str").take(idx)

    def categorical(labels: Any, idx: np.ndarray) -> pd.Categorical:
        # the labels' codes (one or two bytes a row) and the few distinct labels, sorted
        codes, uniq = pd.factorize(np.asarray(labels, dtype=object), sort=True)
        return pd.Categorical.from_codes(compact(codes, len(uniq))[idx],
                                         dtype=pd.CategoricalDtype(pd.Index(
                                             np.asarray(uniq, dtype=object), dtype="str")))

    # row indices into the few labels, in small integer dtypes (the table is long)
    cell = np.tile(np.arange(width, dtype=np.int32), n_per * n_blk)
    blk = np.repeat(np.arange(n_blk, dtype=np.int8), n_per * width)
    zero = np.zeros(n, dtype=np.int8)
    per = per_index.to_numpy()
    period = np.tile(np.repeat(per, width), n_blk) if per.dtype != object else text(
        per, np.tile(np.repeat(np.arange(n_per), width), n_blk))
    cols = {
        "period": period,
        "sector": categorical(lab_sec, cell),
        "industry": categorical(lab_ind, cell),
        "asset": categorical([policy.asset], zero),
        "measure": categorical(blocks_m, blk),
        "price_basis": categorical(blocks_b, blk),
        "value": np.concatenate(blocks_v) if blocks_v else np.zeros(0),
        "unit": categorical([unit], zero),
    }
    return pd.DataFrame({c: cols[c] for c in CAPITAL_COLUMNS}, copy=False)

