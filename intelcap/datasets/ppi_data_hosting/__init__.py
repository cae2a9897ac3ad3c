"""BLS producer price index: data processing, hosting and related services (NAICS 518210).

``load()`` returns one column ``ppi`` (index level, December 2000 = 100), monthly, not
seasonally adjusted, December 2000 to June 2025, index ``date`` (first day of the month). This
is FRED series PCU518210518210; it is not quality-adjusted for AI, and is the deflator Epoch AI
uses for training costs.

Examples
--------
>>> from intelcap.datasets import ppi_data_hosting
>>> s = ppi_data_hosting.load()["ppi"]
>>> len(s), float(s.iloc[0]), float(s.iloc[-1])
(295, 100.0, 123.659)
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="ppi_data_hosting",
    source=("U.S. Bureau of Labor Statistics, Producer Price Index by Industry: Data "
            "Processing, Hosting, and Related Services (PCU518210518210), via FRED"),
    table=("PCU518210518210.csv copied from GitHub epoch-research/training-cost-trends "
           "(data/PCU518210518210.csv, commit 263c40a1)"),
    units="index, December 2000 = 100; monthly, not seasonally adjusted",
    accessed="2026-11-28",
    licence="public domain (US government work)",
    citation=("U.S. Bureau of Labor Statistics, Producer Price Index by Industry: Data "
              "Processing, Hosting, and Related Services [PCU518210518210], retrieved from "
              "FRED, Federal Reserve Bank of St. Louis"),
    index="date (DatetimeIndex, first day of the month)",
)
DESCR = str(PROVENANCE)


def load() -> pd.DataFrame:
    """The monthly PPI for NAICS 518210, index ``date``, column ``ppi``."""
    df = read_csv("ppi_data_hosting", "PCU518210518210.csv", parse_dates=["observation_date"])
    return df.rename(columns={"observation_date": "date", "PCU518210518210": "ppi"}
                     ).set_index("date")
