"""BEA supply-use tables (2017 schema): summary 2017-2023 and detail 2017.

- ``load(year, level="summary", **kwargs)``: the Use table of ``year`` with imports from its
  Supply table, as intelcap's long national-accounts table, read by
  :func:`intelcap.accounts.read_supply_use` (keyword arguments are passed on). Millions of
  current US dollars.
- ``load_matrix(year, table="use", level="summary")``: the published matrix as it is (rows =
  commodity and value-added codes, columns = industry and final-use codes), index ``code``.
- ``path(year=None, level="summary", table="use")``: the bundled folder, or one table's file,
  to hand to :func:`intelcap.accounts.read_supply_use` or to ``intelcap adjust``.
- ``codes(kind="commodity", level="summary")``: BEA's code -> name tables (``kind`` one of
  ``"commodity"``, ``"industry"``, ``"final_demand"``, ``"value_added"``).

Use tables are at purchasers' prices; BEA rounds cells to whole millions, so sums can differ
from published totals by a few units. GDP 2022 by production (sum of ``VAPRO``): 26,006,889.

Examples
--------
>>> from intelcap.datasets import bea_supply_use
>>> from intelcap.accounts.gdp import check_identity
>>> t = bea_supply_use.load(2022)
>>> float(check_identity(t, tol=10).loc[2022, "production"])
26006889.0
>>> bea_supply_use.load_matrix(2022).loc["514", "T001"]
np.float64(347914.0)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from intelcap.datasets._base import _ROOT, Provenance, choose, read_csv
from intelcap.exceptions import SpecificationError

__all__ = ["DESCR", "PROVENANCE", "YEARS", "codes", "load", "load_matrix", "path"]

PROVENANCE = Provenance(
    name="bea_supply_use",
    source=("U.S. Bureau of Economic Analysis, Input-Output Accounts, Supply and Use tables "
            "(AllTablesSUP, 2017 benchmark schema), reflecting BEA's 2023 comprehensive update"),
    table=("BEA_{Summary,Detail}_{Use_SUT,Supply}_{year}_17sch.csv and code-name tables, "
           "copied from GitHub USEPA/flowsa (flowsa/data/external_data, commit c25c2064, "
           "release v2.1), exported from USEPA/useeior; the 2023 summary Use table checked "
           "cell by cell against useeior (commit 1565a70b)"),
    units="millions of current US dollars (integers, BEA rounding)",
    accessed="2026-11-28",
    licence="public domain (US federal government work)",
    citation=("U.S. Bureau of Economic Analysis, 'Supply and Use Tables, 2017-2023', "
              "Input-Output Accounts"),
    index=("load: long table (RangeIndex, key columns period, sector, industry, product, "
           "transaction); load_matrix: code"),
)
DESCR = str(PROVENANCE)

YEARS: dict[str, tuple[int, ...]] = {"summary": tuple(range(2017, 2024)), "detail": (2017,)}
"""Years bundled at each level."""

_KINDS = {"commodity": "CommodityCodeName", "industry": "IndustryCodeName",
          "final_demand": "FinalDemandCodeName", "value_added": "ValueAddedCodeName"}


def _check(year: int | None, level: str) -> None:
    choose("level", level, ("summary", "detail"))
    if year is not None and year not in YEARS[level]:
        raise SpecificationError(f"year={year!r} is not bundled at level {level!r}; bundled "
                                 f"years: {list(YEARS[level])}")


def path(year: int | None = None, level: str = "summary", table: str = "use") -> Path:
    """The bundled folder of tables (``year=None``) or the compressed file of one table.

    The folder can be passed to :func:`intelcap.accounts.read_supply_use` with ``year=``, and a
    Use file on its own (its Supply table is found beside it).
    """
    _check(year, level)
    folder = _ROOT / "bea_supply_use" / "data"
    if year is None:
        return folder
    choose("table", table, ("use", "supply"))
    kind = "Use_SUT" if table == "use" else "Supply"
    return folder / f"BEA_{level.capitalize()}_{kind}_{year}_17sch.csv.gz"


def load(year: int, level: str = "summary", **kwargs) -> pd.DataFrame:
    """The Use and Supply tables of ``year`` as intelcap's long national-accounts table.

    Parameters
    ----------
    year : int
        2017-2023 (summary) or 2017 (detail).
    level : {"summary", "detail"}
    **kwargs
        Passed to :func:`intelcap.accounts.read_supply_use` (``check_totals``,
        ``keep_zeros``).

    Returns
    -------
    DataFrame
        Long table in ``USD_MN``, current prices, period ``year``.
    """
    from intelcap.accounts.bea import read_supply_use

    _check(year, level)
    return read_supply_use(path(), year=year, level=level, **kwargs)


def load_matrix(year: int, table: str = "use", level: str = "summary") -> pd.DataFrame:
    """One published table as a matrix (index ``code``; columns as BEA's codes), floats."""
    p = path(year, level, table)
    df = read_csv("bea_supply_use", p.name[:-3], index_col=0)
    df.index.name = "code"
    return df.astype("float64")


def codes(kind: str = "commodity", level: str = "summary") -> pd.DataFrame:
    """BEA's code -> name table of ``kind`` at ``level`` (2017 schema), index ``code``."""
    choose("kind", kind, tuple(_KINDS))
    choose("level", level, ("summary", "detail"))
    df = read_csv("bea_supply_use", f"BEA_{level.capitalize()}_{_KINDS[kind]}_2017.csv",
                  dtype=str, keep_default_na=False)
    return df.set_index(df.columns[0]).rename_axis("code")
