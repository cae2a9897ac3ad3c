"""Durlauf and Johnson (1995) cross-country growth data as used by Hansen (2000).

- ``load()`` / ``load("sample96")``: Hansen's estimation sample, 96 non-oil countries with
  GDP, schooling and literacy data, index ``country_no`` (MRW numbering); columns
  ``GDPGwth`` = ln(GDP85) - ln(GDP60), ``LogGDP1960`` = ln(GDP60), ``LogInvGDP`` = ln(I/Y/100),
  ``LogPopGwth`` = ln(n/100 + 0.05), ``LogSchool`` = ln(SCHOOL/100), ``GDP1960`` (1985
  international dollars per working-age person; threshold variable) and ``Literacy`` (% of
  population over 15 in 1960; threshold variable). Built exactly as Hansen's ``growth.R``.
- ``load("full")``: Hansen's copy of the Durlauf-Johnson file ``dur_john.dat``, 121 countries,
  index ``number``; columns ``nonoil``, ``intermediate``, ``oecd`` (0/1 sample dummies),
  ``gdp60``, ``gdp85`` (real GDP per working-age person, 1985 international dollars),
  ``gdpgrowth``, ``popgrowth`` (average annual growth 1960-85, %), ``i_y`` (investment/GDP,
  average 1960-85, %), ``school`` (% of working-age population in secondary school),
  ``literacy60`` (literacy rate 1960, %). Missing values (``-999`` in the file) are NaN.

Examples
--------
>>> from intelcap.datasets import hansen2000
>>> hansen2000.load().shape
(96, 7)
>>> int(hansen2000.load("full")["gdp60"].notna().sum())
116
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_bytes, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="hansen2000",
    source=("Durlauf, S. N. and Johnson, P. A. (1995), 'Multiple regimes and cross-country "
            "growth behaviour', Journal of Applied Econometrics 10, 365-384; columns 1-10 are "
            "the Mankiw-Romer-Weil (1992) appendix, literacy from the World Bank WDR"),
    table=("dur_john.dat as distributed with Hansen's growth application (copied via GitHub "
           "mlkremer/thrreg, data-raw/dur_john_raw.dat, commit 3b73d3a6); "
           "dur_john_sample96.csv derived from it exactly as Hansen's growth.R"),
    units="1985 international dollars per working-age person; growth rates and shares in %",
    accessed="2026-11-28",
    licence="research replication data published by the authors for reuse; facts",
    citation=("Hansen, B. E. (2000), 'Sample splitting and threshold estimation', "
              "Econometrica 68(3), 575-603"),
    index="country_no (kind='sample96'); number (kind='full')",
)
DESCR = str(PROVENANCE)

_FULL_COLUMNS = ["number", "nonoil", "intermediate", "oecd", "gdp60", "gdp85", "gdpgrowth",
                 "popgrowth", "i_y", "school", "literacy60"]


def load(kind: str = "sample96") -> pd.DataFrame:
    """Load the Durlauf-Johnson data.

    Parameters
    ----------
    kind : {"sample96", "full"}
        Hansen's 96-country estimation sample, or all 121 countries of ``dur_john.dat``.

    Returns
    -------
    DataFrame
        Indexed by country number; see the module docstring for the columns.
    """
    choose("kind", kind, ("sample96", "full"))
    if kind == "sample96":
        return read_csv("hansen2000", "dur_john_sample96.csv").set_index("country_no")
    raw = np.loadtxt(io.StringIO(read_bytes("hansen2000", "dur_john.dat").decode()))
    df = pd.DataFrame(raw, columns=_FULL_COLUMNS)
    df = df.mask(df == -999.0)
    for col in ("number", "nonoil", "intermediate", "oecd"):
        df[col] = df[col].astype("int64")
    return df.set_index("number")
