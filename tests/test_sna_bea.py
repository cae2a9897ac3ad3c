"""Issue 13 acceptance on the BEA summary supply-use tables (2017 schema, 2023 comprehensive
update; bundled as ``intelcap.datasets.bea_supply_use``).

Numbers of issue 13 (commodity 514, share 10%, geometric rate 0.33, half-year convention):

* 2022 alone, market producers (S11): GDP +28,661.1 million dollars, 0.1102 %;
* 2022 alone, all producers: government CFC 1,011.4, GDP +29,672.5 (0.1141 %);
* 2017-2022 stacked in one run: 2022 government CFC 4,677.8, GDP +33,338.9 (0.1282 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.capitalize import capitalize
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.supply_use import check_balance_preserved

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def bea():
    from intelcap.datasets import bea_supply_use

    return {y: bea_supply_use.load(y) for y in range(2017, 2023)}


def _gov_cfc(adj, year):
    cap = adj.capital
    m = ((cap["measure"] == "cfc") & (cap["price_basis"] == "current")
         & (cap["sector"] == "S13") & (cap["industry"] == "_T") & (cap["period"] == year))
    return float(cap.loc[m, "value"].sum())


def test_2022_market_producers_one_year(bea):
    adj = capitalize(bea[2022], policy=CapitalizationPolicy(
        share=0.1, products="514", sectors=["S11", "S12"], rate=0.33), tol=10)
    rev = adj.revisions.loc[2022]
    assert round(rev["GDP_delta"], 1) == 28_661.1
    assert round(rev["GDP_delta_pct"], 4) == 0.1102
    check_balance_preserved(bea[2022], adj.tables)


def test_2022_all_producers_one_year(bea):
    adj = capitalize(bea[2022], policy=CapitalizationPolicy(share=0.1, products="514",
                                                            rate=0.33), tol=10)
    assert round(_gov_cfc(adj, 2022), 1) == 1_011.4
    assert round(adj.revisions.loc[2022, "GDP_delta"], 1) == 29_672.5
    assert round(adj.revisions.loc[2022, "GDP_delta_pct"], 4) == 0.1141


def test_2017_2022_stacked(bea):
    t = pd.concat(list(bea.values()), ignore_index=True)
    # 2020 balances to 11 million dollars (BEA rounding; see tests/test_bea.py)
    adj = capitalize(t, policy=CapitalizationPolicy(share=0.1, products="514", rate=0.33),
                     tol=11)
    assert round(_gov_cfc(adj, 2022), 1) == 4_677.8
    assert round(adj.revisions.loc[2022, "GDP_delta"], 1) == 33_338.9
    assert round(adj.revisions.loc[2022, "GDP_delta_pct"], 4) == 0.1282
    # the product balance of every commodity is unchanged in every period, 514 included;
    # only general government's own output lines (the adapter records industries' output P1
    # at '_T', so GFGD/GFGN/GSLG have uses only) and the '_T' line take the P1/P3 changes
    change = check_balance_preserved(t, adj.tables)["gap_change"]
    assert set(change.index.get_level_values("period")) == set(range(2017, 2023))
    moved = change.loc[np.abs(change.to_numpy()) > 1e-6]
    assert set(moved.index.get_level_values("product")) <= {"GFGD", "GFGN", "GSLG", "_T"}
    assert (change.loc[(slice(None), "514")] == 0).all()
    np.testing.assert_allclose(moved.groupby(level="period").sum(), 0.0, atol=1e-6)


def test_backcast_opening_stock_is_documented(bea):
    """A steady-state back-cast (5% growth) adds the depreciation of the pre-2022 vintages:
    CFC above the first-year-only 0.165 R, and the assumption is named in the ledger."""
    one = capitalize(bea[2022], policy=CapitalizationPolicy(share=0.1, products="514",
                                                            rate=0.33), tol=10)
    back = capitalize(bea[2022], policy=CapitalizationPolicy(
        share=0.1, products="514", rate=0.33, backcast="steady_state", backcast_growth=0.05),
        tol=10)
    assert back.revisions.loc[2022, "CFC_delta"] > 3 * one.revisions.loc[2022, "CFC_delta"]
    led = back.ledger
    assert led.loc[led["transaction"] == "P51C", "config_key"].str.contains(
        "backcast").all()


def test_cfc_and_ndp_levels_not_available_without_a_depreciation_row(bea):
    adj = capitalize(bea[2022], policy=CapitalizationPolicy(share=0.1, products="514",
                                                            rate=0.33), tol=10)
    rev = adj.revisions.loc[2022]
    for c in ("CFC_before", "CFC_after", "NDP_before", "NDP_after"):
        assert np.isnan(rev[c]), c
    assert rev["CFC_delta"] == pytest.approx(0.165 * adj.capitalized["R"].sum(), rel=1e-12)
    assert rev["NDP_delta"] == pytest.approx(rev["GDP_delta"] - rev["CFC_delta"])
    from intelcap.cli import _revision_text

    text = _revision_text(adj.revisions, "USD_MN", "satellite")
    assert "not available" in text


def test_npish_are_non_market(reference_dir, bea):
    """Industry 81 (other services) wholly NPISH: its 10% of 514 no longer raises GDP by R
    (market rule) but by its CFC only, 0.165 R; the identities and balances still hold."""
    from intelcap.accounts.bea import read_supply_use

    t = read_supply_use(reference_dir / "bea_use_tables", year=2022, npish={"81": 1.0})
    assert set(t.loc[(t["industry"] == "81") & (t["sector"] != "S1"), "sector"]) == {"S15"}
    pd.testing.assert_frame_equal(
        *(check_identity_frame(x) for x in (t, bea[2022])))
    r81 = 0.1 * t.loc[(t["industry"] == "81") & (t["product"] == "514")
                      & (t["transaction"] == "P2"), "value"].sum()
    pol = CapitalizationPolicy(share=0.1, products="514", rate=0.33)
    a = capitalize(t, policy=pol, tol=10).revisions.loc[2022, "GDP_delta"]
    b = capitalize(bea[2022], policy=pol, tol=10).revisions.loc[2022, "GDP_delta"]
    assert b - a == pytest.approx(r81 - 0.165 * r81, rel=1e-9)
    half = read_supply_use(reference_dir / "bea_use_tables", year=2022, npish={"81": 0.5})
    assert half.loc[(half["industry"] == "81") & (half["transaction"] == "P1"),
                    "value"].tolist() == pytest.approx([0.5 * t.loc[
                        (t["industry"] == "81") & (t["transaction"] == "P1"), "value"].sum()] * 2)


def check_identity_frame(t):
    from intelcap.accounts.gdp import check_identity

    return check_identity(t, tol=10)
