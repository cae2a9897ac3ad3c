"""Publishable outputs of an adjustment: SDMX-CSV (NA_MAIN), a satellite-account table, a
README with the code list, and rounding to a declared precision.

- :func:`sdmx_na_main`: the revised main aggregates and the new asset's GFCF and CFC in the
  SDMX ``NA_MAIN`` structure (ESA 2010 transmission programme; the dimensions of the ECB and
  Eurostat national-accounts dataflow): ``FREQ, REF_AREA, COUNTERPART_AREA, REF_SECTOR,
  COUNTERPART_SECTOR, CONSOLIDATION, ACCOUNTING_ENTRY, STO, INSTR_ASSET, ACTIVITY,
  EXPENDITURE, UNIT_MEASURE, PRICES, TRANSFORMATION, TIME_PERIOD, OBS_VALUE`` with the
  attributes ``UNIT_MULT``, ``OBS_STATUS`` and ``SATELLITE`` (``Y`` for figures of the
  satellite account, beyond the SNA asset boundary; ``N`` for the own-account route). The
  asset dimension ``INSTR_ASSET`` carries the asset code without its leading ``A``
  (``AN1173AI`` -> ``N1173AI``), ``_Z`` where not applicable.
- :func:`satellite_table`: the layout of the BEA R&D satellite account tables (levels before and
  after, and contributions to the percent change of GDP at current prices, in percentage
  points: :math:`100 (X_t - X_{t-1}) / GDP_{t-1}` of the revised GDP).
- :func:`readme_text`: the README of an output folder, with the codes used.
- :func:`round_values`: numbers rounded to ``precision`` decimals (no
  ``0.004495507500000001`` in a published file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from intelcap.accounts.tables import SECTORS, TRANSACTIONS, table_unit
from intelcap.exceptions import DataError, ParameterError

__all__ = ["SDMX_DIMENSIONS", "readme_text", "round_values", "satellite_table", "sdmx_na_main"]

#: Dimensions of the NA_MAIN data structure, in order.
SDMX_DIMENSIONS: tuple[str, ...] = (
    "FREQ", "REF_AREA", "COUNTERPART_AREA", "REF_SECTOR", "COUNTERPART_SECTOR",
    "CONSOLIDATION", "ACCOUNTING_ENTRY", "STO", "INSTR_ASSET", "ACTIVITY", "EXPENDITURE",
    "UNIT_MEASURE", "PRICES", "TRANSFORMATION", "TIME_PERIOD",
)
_MULT = {"TH": 3, "MN": 6, "BN": 9}


def round_values(frame: pd.DataFrame, precision: int) -> pd.DataFrame:
    """Round every float column of ``frame`` to ``precision`` decimals (a copy).

    The copy shares the other columns with ``frame`` (copy-on-write: neither sees the
    other's later changes), so no long text column is duplicated."""
    if isinstance(precision, bool) or not isinstance(precision, (int, np.integer)) or not (
            0 <= int(precision) <= 12):
        raise ParameterError(f"precision={precision!r} must be an integer in [0, 12]")
    out = frame.copy(deep=False)
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(int(precision)) + 0.0   # no negative zeros
    return out


def _unit(unit: str) -> tuple[str, int]:
    m = re.match(r"^([A-Z]{3})_(TH|MN|BN)$", unit)
    if m is None:
        raise DataError(f"unit {unit!r} cannot be written in SDMX (expected e.g. USD_MN)")
    return m.group(1), _MULT[m.group(2)]


def _freq(periods: pd.Series) -> np.ndarray:
    p = periods.astype(str)
    return np.where(p.str.contains("Q"), "Q", "A")


def _time(periods: pd.Series) -> np.ndarray:
    return periods.astype(str).str.replace(r"^(\d{4})Q", r"\1-Q", regex=True).to_numpy()


def sdmx_na_main(adj: Any, *, ref_area: str = "_Z") -> pd.DataFrame:
    """The adjustment's published figures in the SDMX NA_MAIN structure (SDMX-CSV rows).

    Rows: GDP (``B1GQ``, S1) after the adjustment; GFCF (``P51G``) and CFC (``P51C``) of the
    new asset by sector and for S1, with ``INSTR_ASSET`` the asset; current prices (``V``).
    """
    unit, mult = _unit(table_unit(adj.tables))
    asset = adj.policy.asset
    instr = asset[1:] if asset.startswith("AN") else asset
    sat = "Y" if adj.policy.route == "satellite" else "N"
    rev = adj.revisions
    rows = [pd.DataFrame({"REF_SECTOR": "S1", "STO": "B1GQ", "INSTR_ASSET": "_Z",
                          "ACTIVITY": "_Z", "TIME_PERIOD": rev.index.to_numpy(),
                          "OBS_VALUE": rev["GDP_after"].to_numpy()})]
    cap = adj.capital
    cur = cap.loc[(cap["price_basis"] == "current") & (cap["industry"] == "_T")
                  & cap["measure"].isin(["gfcf", "cfc"])]
    rows.append(pd.DataFrame({
        "REF_SECTOR": cur["sector"].to_numpy(),
        "STO": np.where(cur["measure"].to_numpy() == "gfcf", "P51G", "P51C"),
        "INSTR_ASSET": instr, "ACTIVITY": "_T", "TIME_PERIOD": cur["period"].to_numpy(),
        "OBS_VALUE": cur["value"].to_numpy()}))
    body = pd.concat(rows, ignore_index=True)
    per = body["TIME_PERIOD"]
    out = pd.DataFrame({
        "DATAFLOW": "ESTAT:NA_MAIN(1.0)",
        "FREQ": _freq(per), "REF_AREA": ref_area, "COUNTERPART_AREA": "W2",
        "REF_SECTOR": body["REF_SECTOR"], "COUNTERPART_SECTOR": "S1",
        "CONSOLIDATION": "N",
        "ACCOUNTING_ENTRY": np.where(body["STO"] == "B1GQ", "B", "D"),
        "STO": body["STO"], "INSTR_ASSET": body["INSTR_ASSET"], "ACTIVITY": body["ACTIVITY"],
        "EXPENDITURE": "_Z", "UNIT_MEASURE": unit, "PRICES": "V", "TRANSFORMATION": "N",
        "TIME_PERIOD": _time(per), "OBS_VALUE": body["OBS_VALUE"].to_numpy(dtype=float),
        "UNIT_MULT": mult, "OBS_STATUS": "A", "SATELLITE": sat,
    })
    return out.sort_values(["STO", "REF_SECTOR", "TIME_PERIOD"], kind="mergesort"
                           ).reset_index(drop=True)


def satellite_table(adj: Any) -> pd.DataFrame:
    """BEA R&D-satellite-style table: levels before/after and contributions to GDP growth.

    Columns by period: GDP before and after, its percent change before and after, the new
    asset's GFCF and CFC, and the contributions (percentage points of the percent change of
    revised GDP at current prices) of the capitalized GFCF, of the CFC added by non-market
    producers, and of the revision as a whole,
    :math:`c_t(X) = 100\\,(X_t - X_{t-1}) / GDP^{after}_{t-1}`.
    """
    rev = adj.revisions
    cap = adj.capital
    s1 = cap.loc[(cap["price_basis"] == "current") & (cap["sector"] == "S1")
                 & (cap["industry"] == "_T")].pivot_table(index="period", columns="measure",
                                                          values="value", aggfunc="sum")
    s1 = s1.reindex(rev.index).fillna(0.0)
    gdp_a, gdp_b = rev["GDP_after"], rev["GDP_before"]
    prev = gdp_a.shift(1)
    out = pd.DataFrame({
        "GDP before": gdp_b, "GDP after": gdp_a,
        "GDP % change before": rev["GDP_growth_before"],
        "GDP % change after": rev["GDP_growth_after"],
        "asset GFCF": s1.get("gfcf", 0.0), "asset CFC": s1.get("cfc", 0.0),
        "GDP revision": rev["GDP_delta"],
    }, index=rev.index)
    out["contribution of the revision (pp)"] = 100.0 * out["GDP revision"].diff() / prev
    out["contribution of asset GFCF (pp)"] = 100.0 * out["asset GFCF"].diff() / prev
    out.index.name = "period"
    return out


def readme_text(adj: Any, files: Sequence[str], *, precision: int,
                versions: dict[str, str]) -> str:
    """The README of an ``intelcap adjust`` output folder: files, codes, precision."""
    t = adj.tables
    unit = table_unit(t)
    route = adj.policy.route
    lines = [
        "# intelcap adjust: output",
        "",
        ("Satellite account: model-API spending recorded as gross fixed capital formation "
         "beyond the 2008/2025 SNA asset boundary (as the BEA did for R&D before 2013)."
         if route == "satellite" else
         "Own-account route: API spending as a cost of own-account software, databases or "
         "R&D, valued at the sum of costs (within the SNA asset boundary)."),
        "",
        f"Unit: {unit}, current prices unless a file says otherwise. Numbers are rounded to "
        f"{precision} decimals. GDP by production = expenditure = income, and every product's "
        "supply = uses balance is unchanged, in every period (checked before writing).",
        "",
        "## Files",
        "",
    ]
    desc = {
        "tables": "revised national-accounts table (long: period, sector, industry, product, "
                  "transaction, value, unit, price_basis)",
        "capital.csv": "capital tables of the new asset: gfcf, gross/net/productive stock "
                       "(end of period, end-of-period prices), cfc; current and constant prices",
        "ledger.csv": "one row per changed cell: before, after, delta, rule, config_key, asset",
        "revisions.csv": "GDP, GFCF, CFC, NDP before/after/delta; GDP growth before/after",
        "satellite.csv": "satellite-account table (BEA R&D satellite layout): levels and "
                         "contributions to GDP growth, before and after",
        "sdmx_na_main.csv": "SDMX-CSV in the NA_MAIN structure with the asset dimension "
                            "(INSTR_ASSET) and the SATELLITE flag",
        "manifest.json": "versions, configuration, SHA-256 of inputs and outputs (paths "
                         "relative to this folder)",
    }
    for f in files:
        key = "tables" if f.startswith("tables") else f
        lines.append(f"- `{f}`: {desc.get(key, '')}")
    lines += ["- `README.md`: this file", "", "## Codes", "", "Sectors (ESA 2010):", ""]
    for s in sorted(set(t["sector"].unique().tolist())):
        lines.append(f"- `{s}` {SECTORS.get(s, '')}")
    lines += ["", "Transactions (ESA 2010 / 2008 SNA):", ""]
    for tx in sorted(set(t["transaction"].unique().tolist())):
        tr = TRANSACTIONS.get(tx)
        lines.append(f"- `{tx}` {tr.name if tr else ''}")
    lines += ["", "Products: " + ", ".join(f"`{p}`" for p in sorted(set(
              t["product"].unique().tolist())))
              + " (`_T`: not broken down)",
              "", f"Asset: `{adj.policy.asset}` (INSTR_ASSET "
              f"`{adj.policy.asset[1:] if adj.policy.asset.startswith('AN') else adj.policy.asset}`"
              "): intelligent capital, a satellite sub-asset of AN1173 computer software and "
              "databases unless configured otherwise", "",
              "## Versions", ""]
    lines += [f"- {k} {v}" for k, v in sorted(versions.items())]
    return "\n".join(lines) + "\n"
