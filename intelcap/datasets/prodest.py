"""Chilean plant-level production data shipped with ``prodest`` (not bundled).

The example data of the Stata command ``prodest`` and of the R package prodest
(``data(chilean)``), Rovigatti and Mollisi: an unbalanced panel of 497 plants, 1996-2006, one
sector of the Chilean manufacturing survey (ENIA). No licence allows redistribution, so
intelcap does not ship it: download ``stata/data/prodest.csv`` from GitHub
``GabrieleRovigatti/prodest`` and pass it as ``path=``, or put it at
``<INTELCAP_REFERENCE_DIR>/prodest/prodest_chilean.csv``.

``load(path=None)`` returns 2,544 rows indexed by ``(id, year)``; columns (natural logs)
``log_y`` value added, ``log_k`` capital, ``log_lab1`` skilled and ``log_lab2`` unskilled
labour, ``log_materials`` (the LP/ACF proxy), ``log_investment`` (the OP proxy).
"""

from __future__ import annotations

import os

import pandas as pd

from intelcap.datasets._base import Provenance, user_file

__all__ = ["DESCR", "PROVENANCE", "load"]

_OBTAIN = ("stata/data/prodest.csv of GitHub GabrieleRovigatti/prodest (the example data of "
           "the Stata command prodest; the same data is data(chilean) of the R package "
           "prodest)")

PROVENANCE = Provenance(
    name="prodest",
    source="Chilean manufacturing survey (ENIA, INE Chile), single-sector subsample",
    table="prodest.csv shipped with the Stata/R command prodest (Rovigatti and Mollisi)",
    units="natural logarithms",
    licence="GPL (packaged with prodest); no separate data licence: not bundled",
    citation=("Rovigatti, G. and Mollisi, V. (2018), 'Theory and practice of total-factor "
              "productivity estimation: The control function approach using Stata', Stata "
              "Journal 18(3), 618-662"),
    index="(id, year)",
    notes=f"not bundled; obtain from {_OBTAIN}",
    bundled=False,
)
DESCR = str(PROVENANCE)


def load(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the prodest Chilean panel from ``path`` or the reference folder.

    Raises
    ------
    DatasetNotAvailable
        No ``path`` and no copy in the reference folder.
    """
    f = user_file("prodest", "prodest_chilean.csv", path, folder="prodest", obtain=_OBTAIN)
    return pd.read_csv(f).set_index(["id", "year"])
