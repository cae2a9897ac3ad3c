"""Hansen's investment panel as shipped with the R package PSTR (not bundled).

560 US firms x 14 years (1974-1987): the version used by Gonzalez, Terasvirta, van Dijk and
Yang for panel smooth transition regression. The file is part of the GPL-3 R package PSTR, so
intelcap does not ship it: convert ``data/Hansen99.rda`` of the package (CRAN, or GitHub
``yukai-yang/PSTR``) to CSV (e.g. with pyreadr) and pass it as ``path=``, or put it at
``<INTELCAP_REFERENCE_DIR>/pstr/Hansen99_pstr.csv``.

``load(path=None)`` returns 7,840 rows indexed by ``(cusip, year)`` (``year`` as the two-digit
year, 74-87, as stored in the package); columns ``inva`` (investment/assets), ``dt_75`` ...
``dt_87`` (year dummies), ``vala`` (lagged Tobin's Q), ``debta`` (lagged long-term
debt/assets), ``cfa`` (lagged cash flow/assets), ``sales`` (lagged sales, scaled as stored).
"""

from __future__ import annotations

import os

import pandas as pd

from intelcap.datasets._base import Provenance, user_file

__all__ = ["DESCR", "PROVENANCE", "load"]

_OBTAIN = ("data/Hansen99.rda of the R package PSTR (CRAN, or GitHub yukai-yang/PSTR), "
           "converted to CSV with columns cusip, year, inva, dt_75..dt_87, vala, debta, cfa, "
           "sales")

PROVENANCE = Provenance(
    name="pstr",
    source=("Hall and Hall (1993) investment panel as used by Gonzalez, Terasvirta, van Dijk "
            "and Yang, 'Panel Smooth Transition Regression Models' (2005, revised 2017)"),
    table="Hansen99 in the R package PSTR (Yukai Yang)",
    units="ratios, no units (sales scaled as stored)",
    licence="GPL-3 (as part of the R package PSTR): not bundled",
    citation=("Gonzalez, A., Terasvirta, T., van Dijk, D. and Yang, Y., 'Panel Smooth "
              "Transition Regression Models', SSE/EFI Working Paper 604 (2005), revised as a "
              "CREATES Research Paper (2017)"),
    index="(cusip, year)",
    notes=f"not bundled; obtain from {_OBTAIN}",
    bundled=False,
)
DESCR = str(PROVENANCE)


def load(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the PSTR Hansen99 panel from ``path`` or the reference folder.

    Raises
    ------
    DatasetNotAvailable
        No ``path`` and no copy in the reference folder.
    """
    f = user_file("pstr", "Hansen99_pstr.csv", path, folder="pstr", obtain=_OBTAIN)
    return pd.read_csv(f).set_index(["cusip", "year"])
