"""Capitalization of API spending (the rules of intelcap.accounts.capitalize; issue 6).

The analytic oracle of the hand-built economy: 100 a year capitalized, geometric depreciation
at delta = 0.33 with the half-year convention, so

    CFC_1 = 0.5 * 0.33 * 100 = 16.5
    CFC_2 = 0.33 * (100 - 16.5) + 16.5 = 44.055
    CFC_3 = 0.33 * (83.5 + 100 - 44.055) + 16.5 = 62.51685

(the numbers of the issue). Market producers' GDP rises by R = 100 a year; non-market producers'
GDP by their CFC only, with their final consumption changing by CFC - R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intelcap.accounts.capitalize import capitalize
from intelcap.accounts.gdp import check_identity, gdp_by_approach
from intelcap.accounts.ledger import LEDGER_COLUMNS
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.tables import KEY, make_table
from intelcap.exceptions import AccountingIdentityError, DataError, MissingDataError

CFC = np.array([16.5, 44.055, 62.51685])
YEARS = [2024, 2025, 2026]


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical text columns as ``str`` (the adjusted tables store their
    codes as categoricals; compared here with the input's ``str`` columns)."""
    return frame.astype({c: "str" for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def economy(years=YEARS, unit="USD_MN") -> pd.DataFrame:
    """Market producer M (S11), government O (S13), households (S14), imports; balanced."""
    rows = []
    for y in years:
        def r(sector, industry, product, tx, value, y=y):
            rows.append({"period": y, "sector": sector, "industry": industry,
                         "product": product, "transaction": tx, "value": value})
        # market producer: B1G stored, P2 by product
        r("S11", "M", "_T", "P1", 1000.0)
        r("S11", "M", "AI_API", "P2", 150.0)
        r("S11", "M", "OTHER", "P2", 250.0)
        r("S11", "M", "_T", "B1G", 600.0)
        r("S11", "M", "_T", "D1", 300.0)
        r("S11", "M", "_T", "D29X39", 20.0)
        r("S11", "M", "_T", "B2A3G", 280.0)
        r("S11", "M", "_T", "P51C", 50.0)
        # general government: output = P2 + D1 + CFC
        r("S13", "O", "_T", "P1", 480.0)
        r("S13", "O", "AI_API", "P2", 120.0)
        r("S13", "O", "OTHER", "P2", 80.0)
        r("S13", "O", "_T", "D1", 250.0)
        r("S13", "O", "_T", "B2A3G", 30.0)
        r("S13", "O", "_T", "P51C", 30.0)
        r("S13", "_T", "O", "P3", 480.0)
        # households buy API services as final consumption
        r("S14", "_T", "AI_API", "P3", 40.0)
        r("S14", "_T", "OTHER", "P3", 380.0)
        r("S11", "_T", "_T", "P51G", 150.0)
        r("S13", "_T", "_T", "P51G", 40.0)
        r("S1", "_T", "_T", "D21X31", 50.0)
        r("S1", "_T", "OTHER", "P6", 100.0)
        r("S1", "_T", "AI_API", "P7", 60.0)
        r("S1", "_T", "OTHER", "P7", 200.0)
    return make_table(rows, unit=unit)


def spending(sector, industry, value=100.0, years=YEARS):
    return pd.DataFrame({"period": years, "sector": sector, "industry": industry,
                         "product": "AI_API", "value": value})


def policy(**kw):
    kw.setdefault("rate", 0.33)
    kw.setdefault("timing", "mid")
    return CapitalizationPolicy(**kw)


def cell(table, sector, industry, product, tx):
    m = ((table["sector"] == sector) & (table["industry"] == industry)
         & (table["product"] == product) & (table["transaction"] == tx))
    return table.loc[m].set_index("period")["value"].reindex(YEARS).fillna(0.0).to_numpy()


def sector_value_added(table, sector):
    t = table.loc[table["sector"] == sector]
    p1 = t.loc[t["transaction"] == "P1"].groupby("period")["value"].sum()
    p2 = t.loc[t["transaction"] == "P2"].groupby("period")["value"].sum()
    return (p1 - p2).reindex(YEARS).to_numpy()


def net_lending(table, sector):
    """Change-relevant part of a sector's net lending: B2A3G - P3 - P51G (other items fixed)."""
    t = table.loc[table["sector"] == sector]
    val = {tx: t.loc[t["transaction"] == tx].groupby("period")["value"].sum().reindex(
        YEARS).fillna(0.0).to_numpy() for tx in ("B2A3G", "P3", "P51G")}
    return val["B2A3G"] - val["P3"] - val["P51G"]


@pytest.fixture(scope="module")
def base():
    t = economy()
    check_identity(t, tol=1e-9)
    return t


# ------------------------------------------------------------------------------------------
# acceptance: the hand-built economy
# ------------------------------------------------------------------------------------------
def test_market_producer_reclassifies_100(base):
    adj = capitalize(base, spending("S11", "M"), policy())
    t = adj.tables
    gdp0, gdp1 = adj.gdp("before"), adj.gdp()
    np.testing.assert_allclose(gdp1["production"] - gdp0["production"], 100.0, atol=1e-9)
    np.testing.assert_allclose(gdp1["expenditure"], gdp1["production"], atol=1e-9)
    np.testing.assert_allclose(gdp1["income"], gdp1["production"], atol=1e-9)
    np.testing.assert_allclose(cell(t, "S11", "M", "AI_API", "P2"), 50.0)
    np.testing.assert_allclose(cell(t, "S11", "M", "AI_API", "P51G"), 100.0)
    np.testing.assert_allclose(cell(t, "S11", "M", "_T", "B1G"), 700.0)
    np.testing.assert_allclose(cell(t, "S11", "M", "_T", "B2A3G"), 380.0)
    np.testing.assert_allclose(cell(t, "S11", "M", "_T", "P1"), 1000.0)   # output unchanged
    # CFC of the capitalized stock: 16.5, 44.055, 62.51685 (issue 6), NDP changes by R - CFC
    np.testing.assert_allclose(cell(t, "S11", "M", "_T", "P51C") - 50.0, CFC, rtol=1e-12)
    np.testing.assert_allclose(gdp1["ndp"] - gdp0["ndp"], 100.0 - CFC, rtol=1e-12)
    np.testing.assert_allclose(sector_value_added(t, "S11") - sector_value_added(base, "S11"),
                               100.0)
    # net lending unchanged (market: B2A3G +R, P51G +R); imports and household purchases too
    np.testing.assert_allclose(net_lending(t, "S11"), net_lending(base, "S11"), atol=1e-9)
    for tx in ("P6", "P7"):
        pd.testing.assert_frame_equal(
            as_text(t.loc[t["transaction"] == tx].reset_index(drop=True)),
            base.loc[base["transaction"] == tx].reset_index(drop=True))
    hh = as_text(t.loc[t["sector"] == "S14"].reset_index(drop=True))
    pd.testing.assert_frame_equal(hh, base.loc[base["sector"] == "S14"].reset_index(drop=True))
    # the capital table holds the same CFC
    cap = adj.capital
    cfc = cap.loc[(cap["measure"] == "cfc") & (cap["price_basis"] == "current")
                  & (cap["sector"] == "S11") & (cap["industry"] == "M")]
    np.testing.assert_allclose(cfc["value"], CFC, rtol=1e-12)


def test_government_reclassifies_100(base):
    adj = capitalize(base, spending("S13", "O"), policy())
    t = adj.tables
    gdp0, gdp1 = adj.gdp("before"), adj.gdp()
    # government GDP +16.5, +44.055, +62.51685: GDP rises by the CFC only
    np.testing.assert_allclose(gdp1["production"] - gdp0["production"], CFC, rtol=1e-12)
    np.testing.assert_allclose(sector_value_added(t, "S13") - sector_value_added(base, "S13"),
                               CFC, rtol=1e-12)
    np.testing.assert_allclose(gdp1["expenditure"], gdp1["production"], atol=1e-9)
    np.testing.assert_allclose(gdp1["income"], gdp1["production"], atol=1e-9)
    # government final consumption -83.5, -55.945, -37.48315 (= CFC - R)
    np.testing.assert_allclose(cell(t, "S13", "_T", "O", "P3") - 480.0,
                               [-83.5, -55.945, -37.48315], rtol=1e-12)
    np.testing.assert_allclose(cell(t, "S13", "O", "_T", "P1") - 480.0, CFC - 100.0)
    np.testing.assert_allclose(cell(t, "S13", "O", "AI_API", "P2"), 20.0)
    np.testing.assert_allclose(cell(t, "S13", "O", "_T", "B2A3G") - 30.0, CFC)
    np.testing.assert_allclose(cell(t, "S13", "O", "_T", "P51C") - 30.0, CFC)
    np.testing.assert_allclose(cell(t, "S13", "O", "AI_API", "P51G"), 100.0)
    # NDP unchanged: net operating surplus of government stays zero
    np.testing.assert_allclose(gdp1["ndp"], gdp0["ndp"], atol=1e-9)
    np.testing.assert_allclose(net_lending(t, "S13"), net_lending(base, "S13"), atol=1e-9)
    hh = as_text(t.loc[t["sector"] == "S14"].reset_index(drop=True))
    pd.testing.assert_frame_equal(hh, base.loc[base["sector"] == "S14"].reset_index(drop=True))


def test_both_sectors_from_table_spending(base):
    """Spending read from the tables' P2 of AI_API; shares 100/150 and 100/120 give R = 100."""
    pol = policy(share=0.0, shares=[{"sector": "S11", "share": 100 / 150},
                                    {"sector": "S13", "industry": "O", "share": 100 / 120}])
    adj = capitalize(base, policy=pol)
    d = adj.gdp()["production"] - adj.gdp("before")["production"]
    np.testing.assert_allclose(d, 100.0 + CFC, rtol=1e-12)
    led = adj.ledger
    assert list(led.columns) == list(LEDGER_COLUMNS)
    assert set(led.loc[led["sector"] == "S13", "config_key"].str.split("; ").str[0]) == {
        "shares[1]"}
    assert set(led.loc[led["sector"] == "S11", "config_key"].str.split("; ").str[0]) == {
        "shares[0]"}
    assert not (led["sector"] == "S14").any()
    assert "Revisions" in str(adj)


def test_own_account_route(base):
    adj = capitalize(base, spending("S11", "M"), policy(route="own_account"))
    t = adj.tables
    np.testing.assert_allclose(cell(t, "S11", "M", "AI_API", "P2"), 150.0)   # P2 unchanged
    np.testing.assert_allclose(cell(t, "S11", "M", "_T", "P1"), 1100.0)      # output +R
    # output not broken down by product: own-account GFCF on the same '_T' line
    np.testing.assert_allclose(cell(t, "S11", "M", "_T", "P51G"), 100.0)
    np.testing.assert_allclose(adj.gdp()["production"] - adj.gdp("before")["production"], 100)
    gov = capitalize(base, spending("S13", "O"), policy(route="own_account"))
    t = gov.tables
    np.testing.assert_allclose(cell(t, "S13", "O", "AI_API", "P2"), 120.0)
    np.testing.assert_allclose(cell(t, "S13", "O", "_T", "P1") - 480.0, CFC)
    np.testing.assert_allclose(cell(t, "S13", "_T", "O", "P3") - 480.0, CFC - 100.0)
    np.testing.assert_allclose(gov.gdp()["production"] - gov.gdp("before")["production"], CFC)


def test_deflator_revalues_cfc(base):
    """With an asset price index P_t, the PIM runs on R / P_t and the CFC is revalued by P_t."""
    defl = pd.Series([1.0, 0.8, 0.64], index=YEARS)
    adj = capitalize(base, spending("S11", "M"), policy(deflator=defl))
    real = 100.0 / defl.to_numpy()
    c1 = 0.165 * real[0]
    k1 = real[0] - c1
    c2 = 0.33 * k1 + 0.165 * real[1]
    k2 = k1 + real[1] - c2
    c3 = 0.33 * k2 + 0.165 * real[2]
    cfc_current = np.array([c1, c2, c3]) * defl.to_numpy()
    np.testing.assert_allclose(cell(adj.tables, "S11", "M", "_T", "P51C") - 50.0, cfc_current,
                               rtol=1e-10)
    cap = adj.capital
    const = cap.loc[(cap["measure"] == "cfc") & (cap["price_basis"] == "constant")
                    & (cap["sector"] == "S1")]
    np.testing.assert_allclose(const["value"], [c1, c2, c3], rtol=1e-10)


def test_inputs_not_modified(base):
    before = base.copy()
    sp = spending("S11", "M")
    sp0 = sp.copy()
    capitalize(base, sp, policy())
    pd.testing.assert_frame_equal(base, before)
    pd.testing.assert_frame_equal(sp, sp0)


def test_uses_and_rule_select_what_is_capitalized(base):
    """Only spending that builds lasting assets (uses) is capitalized; a rule scales shares."""
    sp = pd.concat([spending("S11", "M", 60.0).assign(use="code"),
                    spending("S11", "M", 40.0).assign(use="chat")], ignore_index=True)
    adj = capitalize(base, sp, policy(uses=["models", "code", "data"]))
    np.testing.assert_allclose(cell(adj.tables, "S11", "M", "AI_API", "P51G"), 60.0)
    np.testing.assert_allclose(cell(adj.tables, "S11", "M", "AI_API", "P2"), 90.0)

    def half_in_2025(cells):
        return np.where(cells["period"] == 2025, 0.5, 1.0)

    adj = capitalize(base, spending("S11", "M"), policy(rule=half_in_2025))
    np.testing.assert_allclose(cell(adj.tables, "S11", "M", "AI_API", "P51G"), [100, 50, 100])
    assert adj.ledger["config_key"].str.contains("rule:half_in_2025").all()


def test_items_stored_for_the_whole_economy_are_booked_on_s1(base):
    """A table that records GFCF only on S1 gets the new GFCF on S1 (validation forbids mixing)."""
    t = base.copy()
    gf = t["transaction"] == "P51G"
    s1 = t.loc[gf].groupby("period", as_index=False)["value"].sum()
    s1 = s1.assign(sector="S1", industry="_T", product="_T", transaction="P51G",
                   unit="USD_MN", price_basis="current")
    t = make_table(pd.concat([t.loc[~gf], s1], ignore_index=True))
    adj = capitalize(t, spending("S11", "M"), policy())
    np.testing.assert_allclose(cell(adj.tables, "S1", "M", "AI_API", "P51G"), 100.0)
    np.testing.assert_allclose(adj.gdp()["production"] - adj.gdp("before")["production"], 100)


# ------------------------------------------------------------------------------------------
# bad input: clear errors naming the cell
# ------------------------------------------------------------------------------------------
def test_unbalanced_input(base):
    t = base.copy()
    m = (t["period"] == 2025) & (t["transaction"] == "P6")
    t.loc[m, "value"] = 105.0
    with pytest.raises(AccountingIdentityError, match=r"2025.*expenditure - production = 5\.0"):
        capitalize(t, spending("S11", "M"), policy())


def test_negative_spending(base):
    sp = spending("S11", "M")
    sp.loc[1, "value"] = -1.0
    with pytest.raises(DataError, match=r"negative API spending -1\.0 .*period=2025.*"
                                        r"sector='S11', industry='M'"):
        capitalize(base, sp, policy())


def test_spending_exceeding_intermediate_consumption(base):
    with pytest.raises(DataError, match=r"exceeds the intermediate consumption 150\.0.*'M'"):
        capitalize(base, spending("S11", "M", 151.0), policy())


def test_missing_periods(base):
    gap = base.loc[base["period"] != 2025]
    with pytest.raises(MissingDataError, match="missing period 2025"):
        capitalize(gap, spending("S11", "M", years=[2024, 2026]), policy())
    with pytest.raises(MissingDataError, match="spending: missing period 2026"):
        capitalize(base, spending("S11", "M", years=[2024, 2025]), policy())


def test_duplicate_keys(base):
    t = pd.concat([base, base.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicate key"):
        capitalize(t, spending("S11", "M"), policy())
    sp = pd.concat([spending("S11", "M"), spending("S11", "M").iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"spending: duplicate key \(period=2024"):
        capitalize(base, sp, policy())


def test_unknown_transaction_and_mixed_units(base):
    t = base.copy()
    t.loc[3, "transaction"] = "P99"
    with pytest.raises(DataError, match="unknown transaction code 'P99'"):
        capitalize(t, spending("S11", "M"), policy())
    t = base.copy()
    t.loc[5, "unit"] = "EUR_MN"
    with pytest.raises(DataError, match="mixed units: 'EUR_MN'"):
        capitalize(t, spending("S11", "M"), policy())
    sp = spending("S11", "M").assign(unit="EUR_MN")
    with pytest.raises(DataError, match=r"spending: mixed units: 'EUR_MN'.*'USD_MN'"):
        capitalize(base, sp, policy())


def test_household_spending_refused(base):
    with pytest.raises(DataError, match="sector 'S14'.*never capitalized"):
        capitalize(base, spending("S14", "_T"), policy(sectors=["S11", "S13"]))


# ------------------------------------------------------------------------------------------
# properties: any admissible policy on any balanced input keeps the identity; ledger = changes
# ------------------------------------------------------------------------------------------
SECTORS = ("S11", "S12", "S13", "S14", "S15")


@st.composite
def balanced_economy(draw):
    n_periods = draw(st.integers(1, 4))
    n_ind = draw(st.integers(1, 4))
    sectors = draw(st.lists(st.sampled_from(SECTORS), min_size=n_ind, max_size=n_ind))
    val = st.floats(1.0, 1e4, allow_nan=False, allow_infinity=False)
    rows = []
    for k in range(n_periods):
        y = 2000 + k
        gdp = 0.0
        fin = 0.0
        for i, s in enumerate(sectors):
            ind = f"I{i}"
            api, other, d1, cfc = draw(val), draw(val), draw(val), draw(val)
            rows += [(y, s, ind, "AI_API", "P2", api), (y, s, ind, "OTHER", "P2", other),
                     (y, s, ind, "_T", "D1", d1), (y, s, ind, "_T", "P51C", cfc)]
            if s in ("S13", "S15"):
                p1 = api + other + d1 + cfc
                rows += [(y, s, ind, "_T", "B2A3G", cfc), (y, s, "_T", ind, "P3", p1)]
                fin += p1
            else:
                p1 = api + other + d1 + draw(val)
                rows.append((y, s, ind, "_T", "B2A3G", p1 - api - other - d1))
            rows.append((y, s, ind, "_T", "P1", p1))
            gdp += p1 - api - other
        imports = draw(val)
        rows += [(y, "S1", "_T", "AI_API", "P7", imports),
                 (y, "S14", "_T", "_T", "P3", gdp - fin + imports)]
    frame = pd.DataFrame(rows, columns=["period", "sector", "industry", "product",
                                        "transaction", "value"])
    return make_table(frame, unit="XDR_MN"), sorted(set(sectors))


@st.composite
def admissible_policy(draw, sectors):
    share = st.floats(0.0, 1.0, allow_nan=False)
    rules = draw(st.lists(st.fixed_dictionaries(
        {"sector": st.sampled_from(sectors), "share": share}), max_size=3))
    return CapitalizationPolicy(
        share=draw(share), shares=rules, rate=draw(st.floats(0.01, 1.0)),
        timing=draw(st.sampled_from(["mid", "beginning", "end"])),
        route=draw(st.sampled_from(["satellite", "own_account"])))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_identity_and_ledger(data):
    table, sectors = data.draw(balanced_economy())
    check_identity(table)
    pol = data.draw(admissible_policy(sectors))
    adj = capitalize(table, policy=pol)
    after = adj.tables
    gdp = gdp_by_approach(after)
    scale = np.maximum(1.0, gdp["production"].abs().to_numpy())
    assert np.all(np.abs(gdp["discrepancy_expenditure"].to_numpy()) <= 1e-6 * scale)
    assert np.all(np.abs(gdp["discrepancy_income"].to_numpy()) <= 1e-6 * scale)
    # ledger deltas sum to the table changes, cell by cell and in total
    key = list(KEY)
    both = after.set_index(key)["value"].to_frame("after").join(
        table.set_index(key)["value"].rename("before"), how="outer").fillna(0.0)
    change = (both["after"] - both["before"])
    led = adj.ledger.set_index(key)["delta"].reindex(both.index).fillna(0.0)
    np.testing.assert_allclose(change.to_numpy(), led.to_numpy(), atol=1e-9 * (1 + scale.max()))
    np.testing.assert_allclose(adj.ledger["after"] - adj.ledger["before"], adj.ledger["delta"],
                               atol=1e-9 * (1 + scale.max()))
    # GDP changes by R for market producers and by CFC for non-market ones
    cap = adj.capital
    cfc = cap.loc[(cap["measure"] == "cfc") & (cap["price_basis"] == "current")
                  & ~cap["industry"].eq("_T") & cap["sector"].isin(["S13", "S15"])]
    r = adj.capitalized
    expected = (r.loc[~r["sector"].isin(["S13", "S15"])].groupby("period")["R"].sum()
                .reindex(gdp.index).fillna(0.0)
                + cfc.groupby("period")["value"].sum().reindex(gdp.index).fillna(0.0))
    np.testing.assert_allclose(gdp["production"] - gdp_by_approach(table)["production"],
                               expected, atol=1e-8 * (1 + scale.max()))
    # households' final consumption and imports never change
    for tx, sec in (("P3", "S14"), ("P7", "S1")):
        m0 = (table["transaction"] == tx) & (table["sector"] == sec)
        m1 = (after["transaction"] == tx) & (after["sector"] == sec)
        np.testing.assert_array_equal(after.loc[m1, "value"], table.loc[m0, "value"])


# ------------------------------------------------------------------------------------------
# BEA 2022 summary Use table (intelcap.datasets.bea_supply_use)
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bea_2022():
    from intelcap.datasets import bea_supply_use

    return bea_supply_use.load(2022)


@pytest.mark.reference
def test_bea_2022_market_514(bea_2022):
    """10% of market industries' intermediate use of commodity 514 raises GDP by exactly that.

    Reference: BEA 2022 summary Use table (17sch); README of the source folder (bea_use_tables):
    GDP by production 26,006,889 (three approaches within 10 million dollars); commodity 514
    total intermediate use T001 = 347,914 of which general government 61,298.
    """
    t = bea_2022
    gdp0 = check_identity(t, tol=10)
    assert gdp0.loc[2022, "production"] == pytest.approx(26_006_889, abs=0.5)
    p2 = t.loc[(t["transaction"] == "P2") & (t["product"] == "514")]
    market = p2.loc[p2["sector"] == "S11", "value"].sum()
    gov = p2.loc[p2["sector"] == "S13", "value"].sum()
    assert gov == pytest.approx(61_298, abs=0.5)
    assert market + gov == pytest.approx(347_914, abs=40)    # BEA rounding of T001
    pol = CapitalizationPolicy(share=0.1, products="514", sectors=["S11", "S12"], rate=0.33)
    adj = capitalize(t, policy=pol, tol=10)
    gdp1 = adj.gdp()
    d = gdp1.loc[2022, "production"] - gdp0.loc[2022, "production"]
    assert d == pytest.approx(0.1 * market, rel=1e-12)
    for col in ("expenditure", "income"):
        assert gdp1.loc[2022, col] - gdp0.loc[2022, col] == pytest.approx(d, rel=1e-12)
    # GFCF rows added for every market industry using 514, on product 514 (asset in ledger)
    gfcf = adj.tables.loc[(adj.tables["transaction"] == "P51G")
                          & (adj.tables["product"] == "514") & (adj.tables["industry"] != "_T")]
    assert gfcf["value"].sum() == pytest.approx(0.1 * market, rel=1e-12)
    assert set(gfcf["sector"]) == {"S11"}


@pytest.mark.reference
def test_bea_2022_government_514(bea_2022):
    """The same 10% share from general government raises GDP only by its CFC.

    One period, geometric rate 0.33, half-year convention: CFC = 0.5 * 0.33 * 0.1 * 61,298.
    """
    t = bea_2022
    gdp0 = gdp_by_approach(t)
    gov = t.loc[(t["transaction"] == "P2") & (t["product"] == "514")
                & (t["sector"] == "S13"), "value"].sum()
    pol = CapitalizationPolicy(share=0.1, products="514", sectors=["S13"], rate=0.33)
    adj = capitalize(t, policy=pol, tol=10)
    gdp1 = adj.gdp()
    cfc = 0.5 * 0.33 * 0.1 * gov
    assert cfc == pytest.approx(1011.417, abs=0.01)
    for col in ("production", "expenditure", "income"):
        assert gdp1.loc[2022, col] - gdp0.loc[2022, col] == pytest.approx(cfc, rel=1e-9)
    # government final consumption falls by R - CFC on the government commodities' P3 rows
    p3 = lambda tab: tab.loc[(tab["transaction"] == "P3")  # noqa: E731
                             & (tab["sector"] == "S13"), "value"].sum()
    assert p3(adj.tables) - p3(t) == pytest.approx(cfc - 0.1 * gov, rel=1e-9)


def test_adjusted_tables_are_the_ledger_applied(base):
    """The engine builds the adjusted tables from integer codes with categorical text columns;
    they hold the values the public apply_ledger gives on its ledger and the input."""
    from intelcap.accounts.ledger import apply_ledger

    adj = capitalize(base, policy=policy(share=0.5))
    t = adj.tables
    text = ["sector", "industry", "product", "transaction", "unit", "price_basis"]
    assert all(isinstance(t[c].dtype, pd.CategoricalDtype) for c in text)
    assert t["period"].dtype == np.int64
    pd.testing.assert_frame_equal(as_text(t), apply_ledger(adj.original, adj.ledger))

