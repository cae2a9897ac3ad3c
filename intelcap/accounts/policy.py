"""The capitalization policy: which model-API spending is capitalized, and how it depreciates.

A :class:`CapitalizationPolicy` is a small configuration object that holds every
choice a statistics bureau makes when it records firms' spending on model APIs (tokens) as gross
fixed capital formation in "intelligent capital":

* **what** is capitalized: the product codes of the spending (``products``), the producer sectors
  considered (``sectors``), a default share and share rules by sector, industry, product and
  period (the most specific matching rule wins), an optional restriction to spending of given
  uses (``uses``, e.g. building models, agents, code or data with a service life over a year),
  or any Python callable ``rule``;
* **how** it is recorded: the route (``"satellite"`` reclassification of intermediate
  consumption, or ``"own_account"`` within-SNA own-account GFCF at the sum of costs) and the
  product code of the new asset (``asset``, default ``"AI_IC"``);
* **how** it depreciates: the perpetual-inventory settings passed to
  :func:`intelcap.accounts.pim.pim` (``profile``, ``rate``, ``service_life``, ``retirement``,
  ``cv``, ``timing``, ``profile_options``) and the asset price index (``deflator``).

The capitalized amount of a spending cell :math:`(t, s, i, p)` (period, sector, industry,
product) with value :math:`X_{tsip}` is

.. math::

    R_{tsip} = \\sigma_{tsip} \\, X_{tsip}, \\qquad 0 \\le \\sigma_{tsip} \\le 1,

where :math:`\\sigma` is the share of the most specific rule that matches the cell (ties: the
later rule), or the default ``share``; ``uses`` and ``rule`` multiply into it.

The same object is built from the ``[policy]`` table of an ``intelcap adjust`` TOML file by
:meth:`CapitalizationPolicy.from_config`, which rejects unknown keys by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap.exceptions import DataError, IntelcapTypeError, SpecificationError

__all__ = [
    "BACKCASTS",
    "POLICY_KEYS",
    "PROFILE_OPTIONS",
    "PRODUCER_SECTORS",
    "ROUTES",
    "TIMINGS",
    "CapitalizationPolicy",
    "ShareRule",
]

#: Recording routes: satellite reclassification, or within-SNA own-account GFCF.
ROUTES: tuple[str, ...] = ("satellite", "own_account")
#: Producer sectors (ESA 2010): market S11, S12, S14; non-market S13, S15.
PRODUCER_SECTORS: tuple[str, ...] = ("S11", "S12", "S13", "S14", "S15")
#: Timing conventions understood by the perpetual inventory (``"mid"`` = half-year convention).
TIMINGS: tuple[str, ...] = ("mid", "beginning", "end")

#: Every key of the ``[policy]`` table of a configuration file, with its documentation.
POLICY_KEYS: Mapping[str, str] = {
    "route": "'satellite' (reclassify intermediate consumption P2 to GFCF P51G; default) or "
             "'own_account' (the spending is a cost of own-account software/databases/R&D: "
             "output P1 and GFCF P51G rise, P2 unchanged)",
    "products": "product code(s) of the API spending in P2 (default ['AI_API']); with a "
                "spending file, the P2 product the capitalized amount is taken from",
    "asset": "asset code of the new fixed asset: the asset dimension of the GFCF and CFC "
             "(ledger, capital tables, SDMX INSTR_ASSET); default 'AN1173AI', a satellite "
             "sub-asset of AN1173 computer software and databases (not an SNA code). GFCF is "
             "booked on the product bought (supply-use balance kept), not on this code",
    "sectors": "producer sectors whose spending may be capitalized (default all of "
               "S11 S12 S13 S14 S15)",
    "share": "default share capitalized, in [0, 1] (default 1.0)",
    "shares": "array of tables [[policy.shares]] with share and any of sector, industry, "
              "product, period; the most specific matching rule wins (ties: the later one)",
    "uses": "capitalize only spending whose 'use' column (spending file) is in this list, "
            "e.g. ['models', 'agents', 'code', 'data']; default: no restriction",
    "profile": "depreciation profile for the perpetual inventory (default 'geometric')",
    "rate": "depreciation rate (geometric profile), e.g. 0.33",
    "service_life": "mean service life in years",
    "retirement": "retirement distribution name (e.g. 'weibull', 'lognormal'); default none",
    "cv": "coefficient of variation of the retirement distribution",
    "timing": "investment timing: 'mid' (half-year convention; default), 'beginning' or 'end'",
    "deflator": "asset price index by period: an inline table {2024 = 1.0, 2025 = 0.9} or a "
                "CSV path (columns period, value) relative to the config file; default none "
                "(constant asset prices)",
    "deflator_base": "value of the deflator in its base (reference) year, e.g. 100 for an "
                     "index with 2017 = 100 (default: the deflator's value in base_year, else 1)",
    "base_year": "reference year of the deflator (its value there is deflator_base); recorded "
                 "in the manifest and the capital tables' constant-price unit",
    "profile_options": "table of options of the depreciation profile: geometric "
                       "{declining_balance}, straight_line {basis}, hyperbolic {beta, basis}; "
                       "any profile {discount_rate}; unknown or out-of-range options are errors",
    "backcast": "opening stock before the first period: 'none' (default: the stock starts at "
                "0, so CFC is first-year-only at the start) or 'steady_state' (investment "
                "before the first period back-cast as I_0 (1+g)^-k, g = backcast_growth or "
                "the trend growth of the first backcast_periods periods; written in the ledger "
                "and the manifest)",
    "backcast_growth": "annual growth rate g > -1 of the back-cast investment (default: "
                       "estimated from the first backcast_periods periods)",
    "backcast_periods": "periods used to estimate backcast_growth (integer >= 2; default 5)",
    "vintages": "opening stock by vintage: CSV path (relative to the config file) with columns "
                "period, sector, industry, value: capitalized investment of the periods "
                "before the tables (current prices), run through the same perpetual inventory",
    "own_account_product": "own_account route: product code of the own-account output and "
                           "GFCF (default 'AI_OWN'; '_T' where output is not by product)",
    "labour_ratio": "own_account route: compensation of employees of the own-account "
                    "production per unit of token spending (sum of costs; default 0, >= 0)",
    "other_cost_ratio": "own_account route: other costs (CFC of assets used, other taxes on "
                        "production) per unit of token spending (default 0, >= 0)",
    "net_return": "own_account route: net return to capital of market producers as a rate on "
                  "the sum of costs (2008 SNA 6.125; default 0, in [0, 1]); never for "
                  "non-market producers (S13, S15)",
    "frequency": "'auto' (default: int years are annual, labels like '2024Q1' quarterly), "
                 "'A' or 'Q' to declare it. Rates, lives and growth are annual; quarterly CFC "
                 "is benchmarked to the annual perpetual inventory (quarters sum to the annual "
                 "run); every quarter must be present",
    "allow_recapitalization": "true to capitalize tables that already carry capitalized API "
                              "spending (a previous intelcap run's output); default false: "
                              "refused",
}

#: Options each depreciation profile takes in ``profile_options``: name -> (low, high) range
#: of a number, or the tuple of admissible strings.
PROFILE_OPTIONS: Mapping[str, Mapping[str, Any]] = {
    "geometric": {"declining_balance": (0.0, 10.0)},
    "straight_line": {"basis": ("price", "efficiency")},
    "hyperbolic": {"beta": (-10.0, 1.0), "basis": ("price", "efficiency")},
}
_COMMON_OPTIONS: Mapping[str, Any] = {"discount_rate": (-0.99, 1.0)}
#: Back-cast methods of the opening stock.
BACKCASTS: tuple[str, ...] = ("none", "steady_state")

_RULE_FIELDS = ("sector", "industry", "product", "period")


def _check_share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise IntelcapTypeError(f"{where} must be a number in [0, 1], got {value!r}")
    v = float(value)
    if not (0.0 <= v <= 1.0) or math.isnan(v):
        raise SpecificationError(f"{where} = {v!r} is outside [0, 1]")
    return v


@dataclass(frozen=True)
class ShareRule:
    """One share rule: the share capitalized for cells matching every field that is set.

    Fields left ``None`` match anything. ``key`` names the rule in the ledger (for example
    ``"policy.shares[2]"``).
    """

    share: float
    sector: str | None = None
    industry: str | None = None
    product: str | None = None
    period: int | str | None = None
    key: str = ""

    @property
    def specificity(self) -> int:
        """Number of fields that are set (a more specific rule wins)."""
        return sum(getattr(self, f) is not None for f in _RULE_FIELDS)

    def describe(self) -> str:
        """The rule in words, for the ledger and the summary (``"0.6 where sector='S11'"``)."""
        cond = ", ".join(f"{f}={getattr(self, f)!r}" for f in _RULE_FIELDS
                         if getattr(self, f) is not None)
        return f"{self.share:g} where {cond}" if cond else f"{self.share:g} everywhere"


def _as_rule(obj: Any, where: str) -> ShareRule:
    if isinstance(obj, ShareRule):
        share = _check_share(obj.share, f"{where}.share")
        return ShareRule(share, obj.sector, obj.industry, obj.product, obj.period,
                         obj.key or where)
    if not isinstance(obj, Mapping):
        raise IntelcapTypeError(f"{where} must be a table (mapping) with 'share' and any of "
                                f"{list(_RULE_FIELDS)}, got {type(obj).__name__}")
    unknown = [k for k in obj if k not in ("share", *_RULE_FIELDS)]
    if unknown:
        raise SpecificationError(f"unknown key {where}.{unknown[0]}; valid keys: "
                                 f"{['share', *_RULE_FIELDS]}")
    if "share" not in obj:
        raise SpecificationError(f"{where} has no 'share'")
    share = _check_share(obj["share"], f"{where}.share")
    fields: dict[str, Any] = {}
    for f in _RULE_FIELDS:
        v = obj.get(f)
        if v is None:
            fields[f] = None
        elif f == "period":
            if isinstance(v, bool) or not isinstance(v, (int, str, np.integer)):
                raise SpecificationError(f"{where}.period = {v!r} is not a period: give an int "
                                         "year (2024) or a str label ('2024Q1')")
            fields[f] = int(v) if isinstance(v, (int, np.integer)) else (
                int(v) if v.strip().lstrip("-").isdigit() else v.strip())
        else:
            if not isinstance(v, str) or not v.strip():
                raise IntelcapTypeError(f"{where}.{f} must be a non-empty code string, got {v!r}")
            fields[f] = v.strip()
    return ShareRule(share=share, key=where, **fields)


def _str_tuple(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise IntelcapTypeError(f"{name} must be a string or a list of strings, got {value!r}")
    out = tuple(value)
    for v in out:
        if not isinstance(v, str) or not v.strip():
            raise IntelcapTypeError(f"{name} must hold non-empty strings, got {v!r}")
    if not out:
        raise SpecificationError(f"{name} is empty")
    return out


def _positive(value: Any, name: str, *, upper: float | None = None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise IntelcapTypeError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not (v > 0) or not math.isfinite(v) or (upper is not None and v > upper):
        rng = f"(0, {upper:g}]" if upper is not None else "(0, inf)"
        raise SpecificationError(f"{name} = {v!r} is outside {rng}")
    return v


def _number(value: Any, name: str, low: float, high: float, *, low_open: bool = False,
            high_open: bool = False) -> float:
    """A finite number in [low, high] (ends open on request), else an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise IntelcapTypeError(f"{name} must be a number, got {value!r}")
    v = float(value)
    bad = (not math.isfinite(v) or v < low or v > high or (low_open and v == low)
           or (high_open and v == high))
    if bad:
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise SpecificationError(f"{name} = {v!r} is outside {lo}{low:g}, {high:g}{hi}")
    return v


def _profile_options(options: Any, profile: str, pre: str) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise IntelcapTypeError(f"{pre}profile_options must be a table, got "
                                f"{type(options).__name__}")
    valid = {**PROFILE_OPTIONS.get(profile, {}), **_COMMON_OPTIONS}
    out: dict[str, Any] = {}
    for k, v in options.items():
        name = f"{pre}profile_options.{k}"
        if k not in valid:
            raise SpecificationError(f"unknown option {name} for profile {profile!r}; valid: "
                                     f"{sorted(valid)}")
        spec = valid[k]
        if isinstance(spec[0], str):
            if v not in spec:
                raise SpecificationError(f"{name} = {v!r} is not recognised; valid: "
                                         f"{list(spec)}")
            out[k] = v
        else:
            out[k] = _number(v, name, spec[0], spec[1], low_open=(k == "declining_balance"))
    return out


def _as_deflator(deflator: Any) -> pd.Series | None:
    if deflator is None:
        return None
    if isinstance(deflator, (bool, int, float, np.number, str, bytes)):
        raise IntelcapTypeError(f"deflator must be a price index by period (a table "
                                f"{{2024 = 100.0, 2025 = 92.0}}, a CSV path or a Series), got "
                                f"{deflator!r}")
    if isinstance(deflator, pd.DataFrame):
        if deflator.shape[1] != 1:
            raise DataError(f"deflator must be a Series or a one-column DataFrame, got columns "
                            f"{list(deflator.columns)}")
        deflator = deflator.iloc[:, 0]
    if isinstance(deflator, Mapping):
        deflator = pd.Series(dict(deflator))
    if not isinstance(deflator, pd.Series):
        raise IntelcapTypeError("deflator must be a pandas Series indexed by period (or a "
                                f"mapping period -> index), got {type(deflator).__name__}")
    idx = [int(p) if isinstance(p, str) and p.strip().lstrip("-").isdigit() else p
           for p in deflator.index]
    s = pd.Series(pd.to_numeric(deflator.to_numpy(), errors="coerce"), index=idx,
                  dtype="float64", name="deflator")
    bad = ~np.isfinite(s.to_numpy()) | (s.to_numpy() <= 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"deflator must be positive and finite: value {deflator.iloc[pos]!r} "
                        f"for period {s.index[pos]!r}")
    if s.index.duplicated().any():
        raise DataError(f"deflator has duplicate period {s.index[s.index.duplicated()][0]!r}")
    return s.sort_index()


def _as_vintages(vintages: Any, name: str) -> pd.DataFrame | None:
    """Capitalized investment by vintage before the tables' first period (opening stock)."""
    if vintages is None:
        return None
    if not isinstance(vintages, pd.DataFrame):
        raise IntelcapTypeError(f"{name} must be a DataFrame (or a CSV path in a config) with "
                                f"columns period, sector, industry, value; got "
                                f"{type(vintages).__name__}")
    cols = ["period", "sector", "industry", "value"]
    if sorted(vintages.columns) != sorted(cols):
        raise DataError(f"{name} must have columns {cols}, got {list(vintages.columns)}")
    v = vintages.loc[:, cols].reset_index(drop=True).copy()
    per = pd.to_numeric(v["period"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(per) | (per != np.round(per))
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"{name}: period {v['period'].iloc[r]!r} at row {r} is not a year")
    v["period"] = per.astype("int64")
    val = pd.to_numeric(v["value"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(val) | (val < 0)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"{name}: value {v['value'].iloc[r]!r} at row {r} must be finite and "
                        ">= 0")
    v["value"] = val
    for c in ("sector", "industry"):
        v[c] = v[c].astype(str)
    if v.duplicated(["period", "sector", "industry"]).any():
        r = int(np.flatnonzero(v.duplicated(["period", "sector", "industry"]).to_numpy())[0])
        raise DataError(f"{name}: duplicate (period, sector, industry) at row {r}")
    return v


class CapitalizationPolicy(SummaryMixin):
    """What model-API spending is capitalized, by which route, and how it depreciates.

    Parameters
    ----------
    share : float
        Default share of the spending capitalized, in [0, 1].
    shares : sequence of ShareRule or mappings, or DataFrame
        Share rules; each sets ``share`` and any of ``sector``, ``industry``, ``product``,
        ``period``. For a cell the matching rule with the most fields set wins; among equally
        specific rules the later one wins. A DataFrame has one rule per row (missing = any).
    rule : callable, optional
        ``rule(cells) -> shares``: receives the candidate spending cells (a DataFrame with
        columns ``period, sector, industry, product, value`` and ``use`` when given) and returns
        one factor in [0, 1] per row, multiplied into the share. Python API only.
    uses : sequence of str, optional
        Capitalize only spending rows whose ``use`` is in this list (needs a spending frame with
        a ``use`` column); the rule "spending that builds models, agents, code or data with a
        service life over a year" is ``uses=("models", "agents", "code", "data")``.
    products : str or sequence of str
        Product code(s) of the API spending (default ``"AI_API"``).
    asset : str
        Product code of the new fixed asset in the GFCF and CFC rows (default ``"AI_IC"``).
    route : {"satellite", "own_account"}
        Recording route (see :func:`intelcap.accounts.capitalize.capitalize`).
    sectors : sequence of str
        Producer sectors considered (default S11, S12, S13, S14, S15).
    profile, rate, service_life, retirement, cv, timing, profile_options
        Perpetual-inventory settings passed to :func:`intelcap.accounts.pim.pim`.
    deflator : Series or mapping, optional
        Price index of the asset by period; investment is deflated by it and the CFC is
        revalued to current prices with it. ``None``: constant asset prices.
    deflator_base, base_year
        The deflator's value in its reference year (100 for an index with base 100) and that
        year: constant-price capital tables are in prices of ``base_year`` whatever the scale of
        the index.
    backcast, backcast_growth, backcast_periods, vintages
        Opening stock: a steady-state back-cast of investment before the first period, or
        capitalized investment by vintage (a DataFrame ``period, sector, industry, value``).
    own_account_product, labour_ratio, other_cost_ratio, net_return
        Own-account route: the product of the own-account output, and its sum-of-costs value
        :math:`I = R (1 + l + o)(1 + n)` with :math:`n` the net return of market producers
        only (2008 SNA paragraphs 6.125-6.128).
    allow_recapitalization : bool
        Capitalize tables that already carry capitalized spending (refused by default).

    Examples
    --------
    >>> pol = CapitalizationPolicy(share=0.1, shares=[{"sector": "S13", "share": 0.05}],
    ...                            rate=0.33, products="514")
    >>> pol.share_for(2022, "S13", "GFGD", "514")
    (0.05, 'shares[0]')
    """

    def __init__(
        self,
        share: float = 1.0,
        *,
        shares: Sequence[ShareRule | Mapping[str, Any]] | pd.DataFrame = (),
        rule: Callable[[pd.DataFrame], Any] | None = None,
        uses: Sequence[str] | None = None,
        products: str | Sequence[str] = ("AI_API",),
        asset: str = "AN1173AI",
        route: str = "satellite",
        sectors: Sequence[str] = PRODUCER_SECTORS,
        profile: str = "geometric",
        rate: float | None = None,
        service_life: float | None = None,
        retirement: str | None = None,
        cv: float | None = None,
        timing: str = "mid",
        deflator: pd.Series | Mapping[Any, float] | None = None,
        profile_options: Mapping[str, Any] | None = None,
        deflator_base: float | None = None,
        base_year: int | None = None,
        backcast: str = "none",
        backcast_growth: float | None = None,
        backcast_periods: int = 5,
        vintages: pd.DataFrame | None = None,
        own_account_product: str = "AI_OWN",
        labour_ratio: float = 0.0,
        other_cost_ratio: float = 0.0,
        net_return: float = 0.0,
        allow_recapitalization: bool = False,
        frequency: str = "auto",
        key_prefix: str = "",
    ) -> None:
        pre = f"{key_prefix}." if key_prefix else ""
        self.key_prefix = key_prefix
        self.share = _check_share(share, f"{pre}share")
        if isinstance(shares, pd.DataFrame):
            shares = [{k: v for k, v in row.items() if not (v is None or (
                isinstance(v, float) and math.isnan(v)))} for row in shares.to_dict("records")]
        if isinstance(shares, (Mapping, str, bytes)) or not hasattr(shares, "__iter__"):
            raise IntelcapTypeError(f"{pre}shares must be a list of rules, got "
                                    f"{type(shares).__name__}")
        self.shares: tuple[ShareRule, ...] = tuple(
            _as_rule(r, f"{pre}shares[{i}]") for i, r in enumerate(shares))
        if rule is not None and not callable(rule):
            raise IntelcapTypeError(f"rule must be callable, got {type(rule).__name__}")
        self.rule = rule
        self.uses = None if uses is None else _str_tuple(uses, f"{pre}uses")
        self.products = _str_tuple(products, f"{pre}products")
        if not isinstance(asset, str) or not asset.strip() or asset == "_T":
            raise SpecificationError(f"{pre}asset must be a product code other than '_T', "
                                     f"got {asset!r}")
        self.asset = asset
        if route not in ROUTES:
            raise SpecificationError(f"{pre}route={route!r} is not recognised; valid values "
                                     f"are: {', '.join(repr(r) for r in ROUTES)}")
        self.route = route
        self.sectors = _str_tuple(sectors, f"{pre}sectors")
        for s in self.sectors:
            if s not in PRODUCER_SECTORS:
                raise SpecificationError(f"{pre}sectors holds {s!r}, not a producer sector; "
                                         f"valid: {list(PRODUCER_SECTORS)}")
        if not isinstance(profile, str):
            raise IntelcapTypeError(f"{pre}profile must be a name, got {profile!r}")
        self.profile = profile
        self.rate = _positive(rate, f"{pre}rate", upper=1.0)
        self.service_life = _positive(service_life, f"{pre}service_life")
        if retirement is not None and not isinstance(retirement, str):
            raise IntelcapTypeError(f"{pre}retirement must be a name, got {retirement!r}")
        self.retirement = retirement
        self.cv = _positive(cv, f"{pre}cv")
        if timing not in TIMINGS:
            raise SpecificationError(f"{pre}timing={timing!r} is not recognised; valid values "
                                     f"are: {', '.join(repr(t) for t in TIMINGS)}")
        self.timing = timing
        if profile == "geometric" and self.rate is None and self.service_life is None:
            raise SpecificationError(f"the geometric profile needs {pre}rate or "
                                     f"{pre}service_life")
        try:
            self.deflator = _as_deflator(deflator)
        except IntelcapTypeError as err:
            raise IntelcapTypeError(f"{pre}{err}") from None
        self.profile_options = _profile_options(profile_options, profile, pre)
        self.base_year = None if base_year is None else int(_number(
            base_year, f"{pre}base_year", -9999, 9999))
        if base_year is not None and (isinstance(base_year, float)
                                      and not float(base_year).is_integer()):
            raise SpecificationError(f"{pre}base_year = {base_year!r} is not a year")
        if deflator_base is not None:
            self.deflator_base: float = _number(deflator_base, f"{pre}deflator_base", 0.0,
                                                1e12, low_open=True)
        elif self.deflator is not None and self.base_year is not None:
            if self.base_year not in self.deflator.index:
                raise SpecificationError(f"{pre}base_year = {self.base_year} is not a period "
                                         "of the deflator")
            self.deflator_base = float(self.deflator.loc[self.base_year])
        else:
            self.deflator_base = 1.0
        if deflator_base is not None and self.deflator is None:
            raise SpecificationError(f"{pre}deflator_base is given without {pre}deflator")
        if backcast not in BACKCASTS:
            raise SpecificationError(f"{pre}backcast={backcast!r} is not recognised; valid "
                                     f"values are: {', '.join(repr(b) for b in BACKCASTS)}")
        self.backcast = backcast
        self.backcast_growth = None if backcast_growth is None else _number(
            backcast_growth, f"{pre}backcast_growth", -1.0, 10.0, low_open=True)
        if isinstance(backcast_periods, bool) or not isinstance(backcast_periods,
                                                                (int, np.integer)):
            raise IntelcapTypeError(f"{pre}backcast_periods must be an integer, got "
                                    f"{backcast_periods!r}")
        if not 2 <= int(backcast_periods) <= 1000:
            raise SpecificationError(f"{pre}backcast_periods = {backcast_periods!r} is outside "
                                     "[2, 1000]")
        self.backcast_periods = int(backcast_periods)
        if backcast == "none" and backcast_growth is not None:
            raise SpecificationError(f"{pre}backcast_growth is given but {pre}backcast is "
                                     "'none'")
        self.vintages = _as_vintages(vintages, f"{pre}vintages")
        if self.vintages is not None and backcast != "none":
            raise SpecificationError(f"give {pre}vintages or {pre}backcast, not both")
        if not isinstance(own_account_product, str) or not own_account_product.strip():
            raise IntelcapTypeError(f"{pre}own_account_product must be a product code, got "
                                    f"{own_account_product!r}")
        self.own_account_product = own_account_product
        self.labour_ratio = _number(labour_ratio, f"{pre}labour_ratio", 0.0, 1e6)
        self.other_cost_ratio = _number(other_cost_ratio, f"{pre}other_cost_ratio", 0.0, 1e6)
        self.net_return = _number(net_return, f"{pre}net_return", 0.0, 1.0)
        if route == "satellite" and (self.labour_ratio or self.other_cost_ratio
                                     or self.net_return):
            raise SpecificationError(f"{pre}labour_ratio, other_cost_ratio and net_return "
                                     "value own-account production: they need "
                                     f"{pre}route = 'own_account'")
        if not isinstance(allow_recapitalization, bool):
            raise IntelcapTypeError(f"{pre}allow_recapitalization must be true or false, got "
                                    f"{allow_recapitalization!r}")
        self.allow_recapitalization = allow_recapitalization
        if frequency not in ("auto", "A", "Q"):
            raise SpecificationError(f"{pre}frequency={frequency!r} is not recognised; valid "
                                     "values are: 'auto', 'A', 'Q'")
        self.frequency = frequency

    # ----------------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, key_prefix: str = "policy",
                    base_dir: Any = None) -> CapitalizationPolicy:
        """Build a policy from the ``[policy]`` table of a TOML configuration.

        Unknown keys raise :class:`~intelcap.exceptions.SpecificationError` naming the key
        (``policy.<key>``); see :data:`POLICY_KEYS`. A ``deflator`` given as a string is a CSV
        path (columns ``period``, ``value``) relative to ``base_dir``.
        """
        if not isinstance(config, Mapping):
            raise IntelcapTypeError(f"[{key_prefix}] must be a table, got "
                                    f"{type(config).__name__}")
        for k in config:
            if k not in POLICY_KEYS:
                raise SpecificationError(
                    f"unknown configuration key {key_prefix}.{k}; valid keys in "
                    f"[{key_prefix}]: {', '.join(POLICY_KEYS)}")
        kw = dict(config)
        defl = kw.get("deflator")
        if isinstance(defl, str):
            from pathlib import Path

            path = Path(defl) if base_dir is None or Path(defl).is_absolute() else (
                Path(base_dir) / defl)
            if not path.is_file():
                raise DataError(f"{key_prefix}.deflator: file {defl!r} not found")
            from intelcap.accounts.io import read_csv_file

            frame = read_csv_file(path, f"{key_prefix}.deflator file {defl!r}",
                                  columns=["period", "value"])
            kw["deflator"] = pd.Series(frame["value"].to_numpy(), index=frame["period"])
        vint = kw.get("vintages")
        if vint is not None:
            from pathlib import Path

            if not isinstance(vint, str):
                raise IntelcapTypeError(f"{key_prefix}.vintages must be a CSV path, got "
                                        f"{vint!r}")
            path = Path(vint) if base_dir is None or Path(vint).is_absolute() else (
                Path(base_dir) / vint)
            if not path.is_file():
                raise DataError(f"{key_prefix}.vintages: file {vint!r} not found")
            try:
                kw["vintages"] = pd.read_csv(path, dtype={"sector": str, "industry": str})
            except (ValueError, OSError) as err:
                raise DataError(f"{key_prefix}.vintages: cannot read {vint!r} as CSV "
                                f"({type(err).__name__})") from None
        return cls(**kw, key_prefix=key_prefix)

    def to_config(self) -> dict[str, Any]:
        """The policy as a plain dict (TOML/JSON-serialisable) for manifests."""
        out: dict[str, Any] = {
            "route": self.route, "products": list(self.products), "asset": self.asset,
            "sectors": list(self.sectors), "share": self.share,
            "shares": [{**{f: getattr(r, f) for f in _RULE_FIELDS
                           if getattr(r, f) is not None}, "share": r.share}
                       for r in self.shares],
            "profile": self.profile, "timing": self.timing,
        }
        for name in ("uses", "rate", "service_life", "retirement", "cv"):
            v = getattr(self, name)
            if v is not None:
                out[name] = list(v) if isinstance(v, tuple) else v
        if self.deflator is not None:
            out["deflator"] = {str(k): float(v) for k, v in self.deflator.items()}
        if self.profile_options:
            out["profile_options"] = dict(self.profile_options)
        if self.deflator is not None:
            out["deflator_base"] = self.deflator_base
            if self.base_year is not None:
                out["base_year"] = self.base_year
        out["backcast"] = self.backcast
        if self.backcast != "none":
            out["backcast_periods"] = self.backcast_periods
            if self.backcast_growth is not None:
                out["backcast_growth"] = self.backcast_growth
        if self.vintages is not None:
            out["vintages"] = f"<{len(self.vintages)} rows, periods "\
                f"{int(self.vintages['period'].min())}-{int(self.vintages['period'].max())}>"
        if self.route == "own_account":
            out.update(own_account_product=self.own_account_product,
                       labour_ratio=self.labour_ratio, other_cost_ratio=self.other_cost_ratio,
                       net_return=self.net_return)
        out["allow_recapitalization"] = self.allow_recapitalization
        out["frequency"] = self.frequency
        if self.rule is not None:
            out["rule"] = getattr(self.rule, "__name__", repr(self.rule))
        return out

    # ----------------------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"{self.key_prefix}.{name}" if self.key_prefix else name

    def share_for(self, period: Any, sector: str, industry: str, product: str
                  ) -> tuple[float, str]:
        """The share for one cell and the config key of the rule that set it."""
        shares, keys = self.shares_for(pd.DataFrame({
            "period": [period], "sector": [sector], "industry": [industry],
            "product": [product]}))
        return float(shares[0]), str(keys[0])

    def shares_for(self, cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`share_for`: shares and rule keys for each row of ``cells``.

        ``cells`` has columns ``period, sector, industry, product``. The default share applies
        where no rule matches; a more specific rule overrides a less specific one and, at equal
        specificity, a later rule overrides an earlier one.
        """
        n = len(cells)
        share = np.full(n, self.share)
        keys = np.full(n, self._key("share"), dtype=object)
        best = np.full(n, -1)
        for r in self.shares:
            m = np.ones(n, dtype=bool)
            for f in _RULE_FIELDS:
                v = getattr(r, f)
                if v is not None:
                    m &= _field_matches(cells[f], f, v)
            m &= r.specificity >= best
            share[m] = r.share
            keys[m] = r.key
            best[m] = r.specificity
        return share, keys

    def unmatched_rules(self, cells: pd.DataFrame) -> list[ShareRule]:
        """The share rules whose conditions match no row of ``cells`` (a typo, usually)."""
        out = []
        for r in self.shares:
            m = np.ones(len(cells), dtype=bool)
            for f in _RULE_FIELDS:
                v = getattr(r, f)
                if v is not None:
                    m &= _field_matches(cells[f], f, v)
            if not m.any():
                out.append(r)
        return out

    def pim_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`intelcap.accounts.pim.pim` (deflator excluded)."""
        kw: dict[str, Any] = {"profile": self.profile, "timing": self.timing}
        for name in ("rate", "service_life", "retirement", "cv"):
            v = getattr(self, name)
            if v is not None:
                kw[name] = v
        kw.update(self.profile_options)
        return kw

    # ----------------------------------------------------------------------------------------
    @property
    def summary(self) -> Summary:
        """A printable description of the policy."""
        life = []
        if self.rate is not None:
            life.append(("Depreciation rate", self.rate))
        if self.service_life is not None:
            life.append(("Service life", self.service_life))
        if self.retirement is not None:
            life.append(("Retirement", f"{self.retirement} (cv={self.cv})"))
        header = [
            ("Route", self.route), ("Asset", self.asset),
            ("Products", " ".join(self.products)), ("Sectors", " ".join(self.sectors)),
            ("Default share", self.share), ("Share rules", len(self.shares)),
            ("Profile", self.profile), ("Timing", self.timing), *life,
            ("Deflator", "none" if self.deflator is None else
             f"{len(self.deflator)} periods"),
        ]
        notes = [f"{r.key}: {r.describe()}" for r in self.shares]
        if self.uses is not None:
            notes.append("capitalized uses: " + ", ".join(self.uses))
        if self.rule is not None:
            notes.append(f"rule: {getattr(self.rule, '__name__', repr(self.rule))}")
        return Summary("Capitalization policy", header=header, notes=notes)

    def __repr__(self) -> str:
        parts = [f"route={self.route!r}", f"share={self.share!r}",
                 f"products={list(self.products)!r}", f"asset={self.asset!r}",
                 f"profile={self.profile!r}"]
        if self.shares:
            parts.append(f"shares=<{len(self.shares)} rules>")
        for name in ("rate", "service_life", "timing"):
            v = getattr(self, name)
            if v is not None:
                parts.append(f"{name}={v!r}")
        return f"CapitalizationPolicy({', '.join(parts)})"


def _field_matches(col: pd.Series, field: str, value: Any) -> np.ndarray:
    """Rows of ``col`` equal to a share rule's ``value`` (periods compared as text), decided
    on the column's few distinct values."""
    codes, uniq = pd.factorize(col)
    u = np.asarray(uniq, dtype=object).tolist()
    hit = np.array([str(x) == str(value) if field == "period" else x == value for x in u],
                   dtype=bool)
    return hit[codes] if len(u) else np.zeros(len(col), dtype=bool)

