"""BEA supply-use adapter: GDP by three approaches on the published US tables.

Reference: the README of the source folder bea_use_tables ("Identities checked here"; data
bundled as ``intelcap.datasets.bea_supply_use``), from BEA's
2017-schema supply-use tables (2023 comprehensive update), millions of current dollars.
``res1`` ours, ``res2`` the published number.

README numbers: 2022 production 26,006,889 (sum of VAPRO), expenditure 26,006,894, income
26,006,888. The README's expenditure subtracts the Supply table's *total row* T017 of imports
(MCIF 3,613,570; MADJ -34,141); intelcap stores imports by commodity (leaves), whose sums are
3,613,573 and -34,142 (BEA rounds each cell and the total independently), so our expenditure is
26,006,894 - 3 + 1 = 26,006,892. The three approaches agree within 10 million dollars.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from intelcap.accounts.bea import BEA_GENERAL_GOVERNMENT, bea_sector, read_supply_use
from intelcap.accounts.gdp import check_identity, gdp_by_approach
from intelcap.exceptions import DataError, IntelcapValueError, MissingDataError

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def bea_dir() -> Path:
    """The bundled BEA tables (gzip-compressed copies of the published CSV files)."""
    from intelcap.datasets import bea_supply_use

    return bea_supply_use.path()


@pytest.fixture(scope="module")
def use2022(bea_dir) -> pd.DataFrame:
    return read_supply_use(bea_dir, year=2022)


def test_acceptance_2022_gdp_three_approaches(use2022):
    """BEA 2022 summary: production = sum of VAPRO = 26,006,889 exactly."""
    res1 = check_identity(use2022, tol=10.0)  # 10 million dollars
    assert res1.index.tolist() == [2022]
    row = res1.loc[2022]
    assert row["production"] == 26_006_889.0
    assert row["income"] == 26_006_888.0
    assert row["expenditure"] == 26_006_894.0 - 2.0  # T017 totals vs commodity rows
    assert abs(row["discrepancy_expenditure"]) <= 10 and abs(row["discrepancy_income"]) <= 10
    assert row["ndp"] == row["production"]  # BEA SUT has no CFC row


@pytest.mark.parametrize(("year", "level", "production", "expenditure", "income"), [
    # README values; expenditure here sums commodity rows of imports (see module docstring)
    (2017, "summary", 19_612_105, 19_612_109, 19_612_103),
    (2023, "summary", 27_720_707, 27_720_701, 27_720_713),
    # detail 2017: README expenditure 19,612,111 uses T017 MCIF 2,649,421; the 402 commodity
    # rows sum to 2,649,430, so 19,612,111 - 9.
    (2017, "detail", 19_612_109, 19_612_111 - 9, None),
])
def test_other_years_match_readme(bea_dir, year, level, production, expenditure, income):
    t = read_supply_use(bea_dir, year=year, level=level)
    res1 = gdp_by_approach(t).loc[year]
    assert res1["production"] == production
    assert res1["expenditure"] == expenditure
    if income is not None:
        assert res1["income"] == income
    check_identity(t, tol=10.0)


def test_all_summary_years_within_bea_rounding(bea_dir):
    """Every summary year 2017-2023 balances to BEA rounding: at most 0.5 per published
    industry cell summed (71 industries x 6 income rows -> 213); observed gaps are <= 11."""
    for year in range(2017, 2024):
        gdp = gdp_by_approach(read_supply_use(bea_dir, year=year))
        gaps = gdp[["discrepancy_expenditure", "discrepancy_income"]].abs().to_numpy()
        assert gaps.max() <= 11, year
        assert gdp["production"].iloc[0] > 1.9e7


def test_commodity_514_intermediate_use(use2022):
    """README: commodity 514 total intermediate use T001 2022 = 347,914, of which general
    government (GFGD + GFGN + GSLG) 61,298."""
    p2 = use2022.loc[(use2022["transaction"] == "P2") & (use2022["product"] == "514")]
    assert_allclose(p2["value"].sum(), 347_914, atol=36)  # T001 vs sum of 71 rounded cells
    assert p2.loc[p2["sector"] == "S13", "value"].sum() == 61_298
    assert set(p2.loc[p2["sector"] == "S13", "industry"]) <= BEA_GENERAL_GOVERNMENT


def test_layout_of_long_table(use2022, bea_dir):
    t = use2022
    assert (t["unit"] == "USD_MN").all() and (t["price_basis"] == "current").all()
    assert "U.S. Bureau of Economic Analysis" in t.attrs["source"]
    assert bea_sector("GFE") == "S11" and bea_sector("GSLE") == "S11"
    assert bea_sector("GSLG") == "S13" and bea_sector("S00500") == "S13"
    sectors = t.loc[t["transaction"] == "P1"].set_index("industry")["sector"]
    assert sectors["GFGD"] == "S13" and sectors["GSLE"] == "S11" and sectors["HS"] == "S11"
    assert len(sectors) == 71
    raw = pd.read_csv(bea_dir / "BEA_Summary_Use_SUT_2022_17sch.csv.gz", index_col=0)
    # P1 - P2 + D21X31 = VAPRO for every industry
    cell = t.loc[t["transaction"].isin(["P1", "P2"])].pivot_table(
        index="industry", columns="transaction", values="value", aggfunc="sum")
    d21 = t.loc[t["transaction"] == "D21X31"].set_index("industry")["value"]
    va = cell["P1"] - cell["P2"] + d21.reindex(cell.index).fillna(0.0)
    assert_allclose(va.to_numpy(), raw.loc["VAPRO", cell.index].to_numpy(), atol=1e-6)
    # final uses by (sector, transaction)
    tot = t.groupby(["sector", "transaction"])["value"].sum()
    com = raw.index[: list(raw.index).index("T005")]
    assert tot[("S14", "P3")] == raw.loc[com, "F010"].sum()
    assert tot[("S13", "P3")] == raw.loc[com, ["F06C", "F07C", "F10C"]].to_numpy().sum()
    assert tot[("S11", "P51G")] == raw.loc[com, ["F02E", "F02N", "F02R", "F02S"]].to_numpy().sum()
    assert tot[("S1", "P6")] == raw.loc[com, "F040"].sum()
    assert tot[("S1", "P7")] == 3_613_573 - 34_142
    # D29X39 = other taxes less other subsidies on production
    assert tot[("S11", "D29X39")] + tot.get(("S13", "D29X39"), 0.0) == 773_898 - 24_371
    # no zero cells stored by default, all there with keep_zeros
    assert (t["value"] != 0).all()
    full = read_supply_use(bea_dir, year=2022, keep_zeros=True)
    assert (full["transaction"] == "P2").sum() == 73 * 71
    assert_allclose(gdp_by_approach(full).to_numpy(), gdp_by_approach(t).to_numpy())


def test_file_path_and_year_inference(bea_dir, use2022):
    t = read_supply_use(bea_dir / "BEA_Summary_Use_SUT_2022_17sch.csv.gz")
    pd.testing.assert_frame_equal(t, use2022)
    with pytest.raises(IntelcapValueError, match="is for 2022"):
        read_supply_use(bea_dir / "BEA_Summary_Use_SUT_2022_17sch.csv.gz", year=2021)
    with pytest.raises(IntelcapValueError, match="year= is required"):
        read_supply_use(bea_dir)
    with pytest.raises(DataError, match="no summary Use table for 1999"):
        read_supply_use(bea_dir, year=1999)
    with pytest.raises(IntelcapValueError, match="layout='sna'"):
        read_supply_use(bea_dir, year=2022, layout="sna")


# ------------------------------------------------------------------------------ bad input
def _copy(bea_dir: Path, tmp_path: Path, edit=None, supply: bool = True) -> Path:
    name = "BEA_Summary_Use_SUT_2022_17sch.csv"
    src = pd.read_csv(bea_dir / f"{name}.gz", dtype=str, keep_default_na=False)
    src = src.rename(columns={src.columns[0]: ""})
    if edit is not None:
        src = edit(src)
    src.to_csv(tmp_path / name, index=False)
    if supply:
        sup = "BEA_Summary_Supply_2022_17sch.csv"
        (tmp_path / sup).write_bytes(gzip.decompress((bea_dir / f"{sup}.gz").read_bytes()))
    return tmp_path / name


def _set(row: str, col: str, value: str):
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.loc[df[""] == row, col] = value
        return df
    return edit


def test_bad_non_numeric_cell(bea_dir, tmp_path):
    p = _copy(bea_dir, tmp_path, _set("514", "GFGD", "12a"))
    with pytest.raises(DataError, match=r"non-numeric cell '12a' at row '514', column 'GFGD'"):
        read_supply_use(p)


def test_bad_missing_cell(bea_dir, tmp_path):
    p = _copy(bea_dir, tmp_path, _set("V001", "22", ""))
    with pytest.raises(MissingDataError, match=r"missing cell at row 'V001', column '22'"):
        read_supply_use(p)


def test_bad_total_does_not_add_up(bea_dir, tmp_path):
    p = _copy(bea_dir, tmp_path, _set("514", "211", "5000"))
    with pytest.raises(DataError, match=r"published total at row 'T005', column '211'"):
        read_supply_use(p)
    t = read_supply_use(p, check_totals=False)
    assert (t["value"] == 5000).any()


def test_bad_unknown_codes(bea_dir, tmp_path):
    p = _copy(bea_dir, tmp_path, lambda d: d.rename(columns={"F040": "F099"}))
    with pytest.raises(DataError, match="unknown final-use column 'F099'"):
        read_supply_use(p)
    p = _copy(bea_dir, tmp_path, lambda d: d.replace({"": {"T00OSUB": "X00"}}))
    with pytest.raises(DataError, match=r"unknown value-added row\(s\) \['X00'\]"):
        read_supply_use(p)


def test_bad_duplicate_row(bea_dir, tmp_path):
    p = _copy(bea_dir, tmp_path, lambda d: d.replace({"": {"513": "514"}}))
    with pytest.raises(DataError, match="duplicate row code '514'"):
        read_supply_use(p)


def test_missing_supply_table(bea_dir, tmp_path):
    p = _copy(bea_dir, tmp_path, supply=False)
    with pytest.raises(DataError, match="imports are recorded in the Supply table"):
        read_supply_use(p)


def test_imports_column_in_use_table(bea_dir, tmp_path):
    """Older layout: a negative F050 imports column in the Use table replaces the Supply
    table; GDP by expenditure is unchanged when F050 = -(MCIF + MADJ)."""
    sup = pd.read_csv(bea_dir / "BEA_Summary_Supply_2022_17sch.csv.gz", index_col=0)

    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        imp = -(sup["MCIF"] + sup["MADJ"])
        col = df[""].map(imp).where(df[""].isin(sup.index[:-1]), 0).astype(int).astype(str)
        df.insert(list(df.columns).index("T019"), "F050", col)
        df["T019"] = (df["T019"].astype(int) + col.astype(int)).astype(str)
        return df

    p = _copy(bea_dir, tmp_path, edit, supply=False)
    t = read_supply_use(p)
    gdp = check_identity(t, tol=10.0)
    assert gdp.loc[2022, "expenditure"] == 26_006_892.0
    assert np.all(t.loc[t["transaction"] == "P7", "value"].sum() == 3_613_573 - 34_142)
