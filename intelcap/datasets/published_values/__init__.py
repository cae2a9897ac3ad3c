"""Published values for checks: GDP impacts of capitalizations and free-goods valuations.

Small tables compiled by hand from stored public pages and abstracts; every row names its
source, and ``verification`` says whether the number was read in retrieved text
(``retrieved``), only in a secondary report (``secondary text retrieved``) or is recalled and
still to be checked (``NOT retrieved``). Use only rows marked retrieved, with a tolerance
matching the rounding shown. ``value`` is text where a source gives a range.

- ``load()`` / ``load("capitalization_impacts")``: effects on GDP of past capitalizations
  (software 1999, R&D and entertainment originals 2013) and experimental data-asset estimates;
  index ``case_id``; columns ``country``, ``measure``, ``value``, ``unit``, ``period``,
  ``source``, ``verification``.
- ``load("free_goods_valuations")``: consumer valuations of zero-priced digital goods from
  choice experiments; index ``case_id``; columns ``good``, ``statistic``, ``value``, ``unit``,
  ``period``, ``population``, ``source``, ``verification``.

Examples
--------
>>> from intelcap.datasets import published_values
>>> published_values.load("free_goods_valuations").loc["beg2018_search", "value"]
'17530'
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="published_values",
    source="compiled by the intelcap developers from the published sources named in each row",
    table="capitalization_impacts.csv, free_goods_valuations.csv",
    units="as stated in each row's unit column",
    accessed="2026-11-28",
    licence="facts with citations (BSD-3-Clause as part of intelcap)",
    citation="the source named in each row",
    index="case_id",
)
DESCR = str(PROVENANCE)


def load(table: str = "capitalization_impacts") -> pd.DataFrame:
    """``"capitalization_impacts"`` or ``"free_goods_valuations"``, index ``case_id``."""
    choose("table", table, ("capitalization_impacts", "free_goods_valuations"))
    return read_csv("published_values", f"{table}.csv", dtype={"value": str}).set_index(
        "case_id")
