"""Penn World Table 10.01, subset: 10 countries, 1950-2019, capital-related variables.

``load()`` returns 700 rows indexed by ``(isocode, year)`` (USA, CAN, GBR, DEU, FRA, JPN, NOR,
KOR, CHN, IND) with columns ``country``, ``currency``, ``rgdpna`` (real GDP at constant 2017
national prices, million 2017 USD), ``rnna`` (capital stock at constant 2017 national prices,
million 2017 USD), ``rkna`` (capital services, 2017 = 1), ``delta`` (average depreciation rate
of the capital stock), ``irr`` (real internal rate of return), ``labsh`` (labour share),
``cgdpo``, ``cn`` (output-side real GDP and capital stock at current PPPs, million 2017 USD),
``ck`` (capital services at current PPPs, USA = 1), ``pl_i``, ``pl_n``, ``pl_k`` (price
levels of capital formation, stock, services), ``csh_i``, ``csh_g`` (shares of gross capital
formation and government consumption), ``pop``, ``emp`` (millions), ``avh`` (hours per year),
``hc`` (human-capital index), ``xr`` (national currency per USD). Missing values are NaN.

Examples
--------
>>> from intelcap.datasets import penn_world_table
>>> pwt = penn_world_table.load()
>>> usa = pwt.loc["USA"]
>>> pwt.shape, float(usa.loc[2017, "rnna"]), round(float(usa.loc[2019, "labsh"]), 6)
((700, 21), 66940280.0, 0.597091)
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="penn_world_table",
    source=("Penn World Table version 10.01, Groningen Growth and Development Centre (2023), "
            "doi:10.34894/QT5BCC"),
    table=("pwt10.01.rda of the CRAN package pwt10 10.01-0 (GitHub cran/pwt10, commit "
           "957b298f), subset of 10 countries and 23 columns, converted to CSV at full "
           "precision (%.10g)"),
    units="as documented by PWT (see the module docstring)",
    accessed="2026-11-28",
    licence="Creative Commons Attribution 4.0 International (CC BY 4.0)",
    citation=("Feenstra, R. C., Inklaar, R. and Timmer, M. P. (2015), 'The Next Generation of "
              "the Penn World Table', American Economic Review 105(10), 3150-3182, "
              "www.ggdc.net/pwt"),
    index="(isocode, year)",
)
DESCR = str(PROVENANCE)


def load() -> pd.DataFrame:
    """The PWT 10.01 subset, index ``(isocode, year)``."""
    return read_csv("penn_world_table", "pwt1001_subset_10countries.csv").set_index(
        ["isocode", "year"])
