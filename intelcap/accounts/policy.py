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
    "POLICY_KEYS",
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
    "asset": "product code of the new GFCF and CFC rows (default 'AI_IC', intelligent capital)",
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
    "profile_options": "table of extra options for the depreciation profile (e.g. beta)",
}

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
                raise IntelcapTypeError(f"{where}.period must be an int year or a str label, "
                                        f"got {v!r}")
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


def _as_deflator(deflator: Any) -> pd.Series | None:
    if deflator is None:
        return None
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
        Price index of the asset by period (any base); investment is deflated by it and the
        CFC is revalued to current prices with it. ``None``: constant asset prices.

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
        asset: str = "AI_IC",
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
        self.deflator = _as_deflator(deflator)
        if profile_options is not None and not isinstance(profile_options, Mapping):
            raise IntelcapTypeError(f"{pre}profile_options must be a table, got "
                                    f"{type(profile_options).__name__}")
        self.profile_options = dict(profile_options or {})

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
                    col = cells[f].to_numpy()
                    if f == "period":
                        m &= np.array([str(x) == str(v) for x in col], dtype=bool)
                    else:
                        m &= col == v
            m &= r.specificity >= best
            share[m] = r.share
            keys[m] = r.key
            best[m] = r.specificity
        return share, keys

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
