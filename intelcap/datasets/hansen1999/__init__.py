"""Hansen (1999) panel threshold data: investment and financial constraints of 565 US firms.

Two versions of the same Hall and Hall (1993) panel, as used by the two published programs:

- ``load()`` / ``load("xthreg")``: the example dataset of Stata's ``xthreg`` (Wang 2015),
  7,910 rows = 565 firms (``id`` 1..565) x 14 years (``year`` 1974-1987), index
  ``(id, year)``; columns ``i`` investment/assets, ``q`` Tobin's Q, ``c`` cash flow/assets,
  ``d`` debt/assets (current year), ``q1`` = Q(t-1), ``q2`` = Q(t-1)^2/100,
  ``q3`` = Q(t-1)^3/1000, ``d1`` = D(t-1), ``qd1`` = Q(t-1) D(t-1), ``c1`` = CF(t-1). The lagged
  columns were stored as float32 by Stata (values as such here).
- ``load("invest")``: Hansen's own file ``invest.dat`` (his replication page), 8,475 rows =
  565 firms (``firm`` 1..565) x 15 years (``year`` 1973-1987), index ``(firm, year)``, columns
  ``inva`` investment/assets, ``vala`` Tobin's Q, ``cfa`` cash flow/assets, ``debta`` long-term
  debt/assets, all current-year (lag them yourself as Hansen's ``THRESH_P.PRG`` does).

Ratios, no units.

Examples
--------
>>> from intelcap.datasets import hansen1999
>>> df = hansen1999.load()
>>> df.shape, df.index.names
((7910, 10), FrozenList(['id', 'year']))
>>> hansen1999.load("invest").shape
(8475, 4)
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd

from intelcap.datasets._base import Provenance, choose, data_path, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="hansen1999",
    source=("B. H. Hall and R. E. Hall (1993), 'The Value and Performance of U.S. "
            "Corporations', Brookings Papers on Economic Activity 1993(1), balanced subset "
            "used by Hansen (1999)"),
    table=("invest.dat from Hansen's replication page for 'Threshold effects in non-dynamic "
           "panels' (copied via GitHub arlionn/Threshold_Panel, commit 467703f5; identical to "
           "`invest` in the R package pdR); hansen1999.csv = the example dataset hansen1999.dta "
           "of Stata xthreg (GitHub lianxhcn/data, commit 1a63bd3f), converted to CSV with 9 "
           "significant digits"),
    units="ratios (investment, cash flow and debt over assets; Tobin's Q), no units",
    accessed="2026-11-28",
    licence=("research replication data published by the authors for reuse; no restriction "
             "stated"),
    citation=("Hansen, B. E. (1999), 'Threshold effects in non-dynamic panels: Estimation, "
              "testing, and inference', Journal of Econometrics 93, 345-368; Wang, Q. (2015), "
              "'Fixed-effect panel threshold model using Stata', Stata Journal 15(1), 121-134"),
    index="(id, year) for kind='xthreg'; (firm, year) for kind='invest'",
    notes=("xthreg scales Q^2 by 1/100 and Q^3 by 1/1000; Hansen's GAUSS code does not. "
           "Published results: Hansen (1999) Tables 2-5, Wang (2015) pp. 130-131."),
)
DESCR = str(PROVENANCE)

_N_FIRMS, _FIRST, _LAST = 565, 1973, 1987


def load(kind: str = "xthreg") -> pd.DataFrame:
    """Load the Hansen (1999) investment panel.

    Parameters
    ----------
    kind : {"xthreg", "invest"}
        ``"xthreg"``: Stata xthreg's file with lags, index ``(id, year)``; ``"invest"``:
        Hansen's ``invest.dat``, current-year values, index ``(firm, year)``.

    Returns
    -------
    DataFrame
        See the module docstring for the columns.
    """
    choose("kind", kind, ("xthreg", "invest"))
    if kind == "xthreg":
        return read_csv("hansen1999", "hansen1999.csv").set_index(["id", "year"])
    with gzip.open(data_path("hansen1999", "invest.dat"), "rt") as fh:
        raw = np.loadtxt(fh)
    n_years = _LAST - _FIRST + 1
    index = pd.MultiIndex.from_arrays(
        [np.repeat(np.arange(1, _N_FIRMS + 1), n_years),
         np.tile(np.arange(_FIRST, _LAST + 1), _N_FIRMS)], names=["firm", "year"])
    return pd.DataFrame(raw, index=index, columns=["inva", "vala", "cfa", "debta"])
