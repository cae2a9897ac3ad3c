"""BEA depreciation rates and service lives (geometric, by asset type).

- ``load()`` / ``load("rates")``: 96 asset types, index ``Code`` (BEA asset code, e.g.
  ``ENS1``), columns ``Asset`` and ``Economic Depreciation Rate`` (annual geometric rate,
  fraction): equipment ``E*``, structures ``S*``, software (``ENS1`` prepackaged 0.55,
  ``ENS2`` custom 0.33, ``ENS3`` own-account 0.33), R&D by performing industry ``RD*``,
  entertainment originals ``AE*``, ``RES``, ``LAND``, ``INV``.
- ``load("software_lives")``: three software rows transcribed from BEA's table of rates,
  service lives and declining-balance rates, index ``bea_asset_code``; columns ``asset``,
  ``rate_of_depreciation``, ``service_life_years``, ``declining_balance_rate``,
  ``hulten_wykoff_category``. Geometric rate = declining-balance rate / service life.

Examples
--------
>>> from intelcap.datasets import bea_depreciation
>>> float(bea_depreciation.load().loc["ENS1", "Economic Depreciation Rate"])
0.55
>>> bea_depreciation.load("software_lives")["service_life_years"].tolist()
[3, 5, 5]
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="bea_depreciation",
    source=("U.S. Bureau of Economic Analysis, 'BEA Rates of Depreciation, Service Lives, "
            "Declining-Balance Rates, and Hulten-Wykoff Categories' (Fixed Assets methodology; "
            "R&D and entertainment rates from BEA's 2013 capitalization of IPP)"),
    table=("Economic Depreciation Rates.csv copied unchanged from GitHub "
           "PSLmodels/Cost-of-Capital-Calculator (data/depreciation_rates, commit 800e983c); "
           "software service lives transcribed from the BEA PDF in the same folder"),
    units="rates: fraction per year; service lives: years",
    accessed="2026-11-28",
    licence="public domain (US government work)",
    citation="U.S. Bureau of Economic Analysis, Fixed Assets Accounts methodology",
    index="Code (rates); bea_asset_code (software_lives)",
)
DESCR = str(PROVENANCE)


def load(table: str = "rates") -> pd.DataFrame:
    """BEA geometric depreciation rates (``"rates"``) or software lives (``"software_lives"``)."""
    choose("table", table, ("rates", "software_lives"))
    if table == "rates":
        return read_csv("bea_depreciation", "bea_economic_depreciation_rates.csv",
                        index_col="Code")
    return read_csv("bea_depreciation", "bea_software_service_lives.csv",
                    index_col="bea_asset_code")
