"""Mankiw, Romer and Weil (1992) appendix data: 121 countries, 1960-1985.

``load()`` returns 121 rows indexed by ``number`` (MRW's country number) with columns
``country``; ``n``, ``i``, ``o`` (0/1: non-oil sample of 98, intermediate sample of 75, OECD
sample of 22); ``rgdpw60``, ``rgdpw85`` (real GDP per working-age person, 1985 international
dollars); ``gdpgrowth`` (average annual growth of GDP per working-age person 1960-85, %);
``popgrowth`` (average annual growth of the working-age population 1960-85, %); ``i_y``
(investment share of GDP, average 1960-85, %); ``school`` (% of working-age population in
secondary school). Missing values are NaN. The appendix prints shares and growth rates to one
decimal, so MRW's tables (estimated on unrounded data) are reproduced only within rounding.

Examples
--------
>>> from intelcap.datasets import mrw1992
>>> df = mrw1992.load()
>>> df.shape, int(df["n"].sum()), int(df["i"].sum()), int(df["o"].sum())
((121, 10), 98, 75, 22)
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="mrw1992",
    source=("Mankiw, N. G., Romer, D. and Weil, D. N. (1992), 'A Contribution to the Empirics "
            "of Economic Growth', Quarterly Journal of Economics 107(2), 407-437, appendix"),
    table=("mrw.dta from GitHub lachlandeer/snakemake-econ-r (src/data/mrw.dta, commit "
           "e4964333), converted to CSV with pandas; identical to columns 1-10 of "
           "hansen2000's dur_john.dat"),
    units="1985 international dollars per working-age person; growth rates and shares in %",
    accessed="2026-11-28",
    licence="published appendix table (facts)",
    citation="Mankiw, Romer and Weil (1992), QJE 107(2), 407-437",
    index="number (MRW country number)",
)
DESCR = str(PROVENANCE)


def load() -> pd.DataFrame:
    """Load the MRW (1992) appendix (121 countries), indexed by MRW's country number."""
    return read_csv("mrw1992", "mrw.csv").set_index("number")
