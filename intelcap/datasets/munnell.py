"""Munnell (1990) US state public capital data, read from linearmodels (which ships it).

``load()`` returns 816 rows = 48 contiguous states x 17 years (1970-1986), index
``(ST_ABB, YR)``; columns ``STATE``, ``P_CAP`` public capital (= ``HWY`` + ``WATER`` +
``UTIL``), ``HWY`` highways and streets, ``WATER`` water and sewer, ``UTIL`` other public
buildings, ``PC`` private capital, ``GSP`` gross state product, ``EMP`` employment in
non-agricultural payrolls, ``UNEMP`` unemployment rate (%). Money and employment units are not
stated by linearmodels (constant-dollar millions and thousands of workers in Munnell's source).
The same data is ``Produc`` in the R package plm and Baltagi's public-capital example.

Examples
--------
>>> from intelcap.datasets import munnell
>>> munnell.load().shape
(816, 9)
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="munnell",
    source=("Munnell, A. H. (1990), 'Why has productivity growth declined? Productivity and "
            "public investment', New England Economic Review, Jan/Feb, 3-22"),
    table="linearmodels.datasets.munnell (shipped with linearmodels, an intelcap dependency)",
    units="see the module docstring",
    licence="distributed with linearmodels (not copied into intelcap)",
    citation=("Baltagi, B. H. (2005), Econometric Analysis of Panel Data, 3rd ed., table 3.1"),
    index="(ST_ABB, YR)",
)
DESCR = str(PROVENANCE)


def load() -> pd.DataFrame:
    """The Munnell panel from linearmodels, index ``(ST_ABB, YR)``."""
    from linearmodels.datasets import munnell

    return munnell.load().set_index(["ST_ABB", "YR"])
