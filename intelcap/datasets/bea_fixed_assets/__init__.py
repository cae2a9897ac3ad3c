"""BEA current-cost net stock of private nonresidential fixed assets: IPP by industry.

``load()`` returns a long table indexed by ``(industry_code, asset_code, year)`` (63 BEA
industries, years 1947-2013) with columns ``industry_title``, ``asset_title`` and
``net_stock`` (year-end current-cost net stock, millions of current US dollars, whole
millions as published). Asset codes: ``EQUIPMENT``, ``STRUCTURES``, ``IPP`` (industry totals);
``ENS1`` prepackaged, ``ENS2`` custom, ``ENS3`` own-account software; ``RD11``... R&D by
performer; ``AE10``... entertainment, literary and artistic originals. ``load(wide=True)``
gives the published layout (one column per year, index ``(industry_code, asset_code)``).

Examples
--------
>>> from intelcap.datasets import bea_fixed_assets
>>> s = bea_fixed_assets.load().xs(2013, level="year")
>>> s.groupby(level="asset_code")["net_stock"].sum()[["ENS1", "ENS2", "ENS3", "IPP"]].tolist()
[94558.0, 258385.0, 262529.0, 2422385.0]
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="bea_fixed_assets",
    source=("U.S. Bureau of Economic Analysis, Fixed Assets Accounts, detailed estimates "
            "'Current-Cost Net Capital Stock of Private Nonresidential Fixed Assets' "
            "(detailnonres_stk1.xlsx, updated September 17, 2014)"),
    table=("copied from GitHub PSLmodels/Cost-of-Capital-Calculator "
           "(data/raw_data/BEA/detailnonres_stk1.xlsx, commit d416b15d); per-industry sheets "
           "converted to one CSV, IPP, software, R&D and entertainment rows and industry "
           "totals kept, values unchanged"),
    units="millions of current US dollars (current cost, year-end)",
    accessed="2026-11-28",
    licence="public domain (US government work)",
    citation="U.S. Bureau of Economic Analysis, Fixed Assets Accounts (2014 vintage)",
    index="(industry_code, asset_code, year); wide=True: (industry_code, asset_code)",
    notes="BEA notes these detailed estimates are of lower quality than published aggregates",
)
DESCR = str(PROVENANCE)


def load(wide: bool = False) -> pd.DataFrame:
    """The net-stock table, long (default) or in the published wide layout."""
    df = read_csv("bea_fixed_assets",
                  "bea_netstock_private_nonres_ipp_by_industry_2014vintage.csv",
                  dtype={"industry_code": str, "asset_code": str})
    df = df.set_index(["industry_code", "asset_code"])
    if wide:
        return df
    titles = df[["industry_title", "asset_title"]]
    values = df.drop(columns=["industry_title", "asset_title"]).astype("float64")
    values.columns = values.columns.astype("int64").rename("year")
    long = values.stack().rename("net_stock").to_frame()
    long = long.join(titles).sort_index()
    return long[["industry_title", "asset_title", "net_stock"]]
