"""GDP by the production, expenditure and income approaches on a hand-built economy.

The economy of ``tiny_records`` (tests/_economy.py) is balanced by construction:
production 70 + 35 + 15 + 8 = 128; income D1 70 + D29X39 5 + B2A3G 45 + D21X31 8 = 128;
expenditure 80 + 45 + 20 + 3 + 10 - 30 = 128; NDP 128 - 17 = 111.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.accounts.gdp import APPROACH_COLUMNS, check_identity, gdp_by_approach
from intelcap.accounts.tables import make_table
from intelcap.exceptions import AccountingIdentityError


def test_three_approaches(tiny):
    gdp = gdp_by_approach(tiny)
    assert tuple(gdp.columns) == APPROACH_COLUMNS
    assert gdp.index.name == "period" and gdp.index.tolist() == [2023, 2024]
    assert_allclose(gdp["production"], 128.0, rtol=0, atol=1e-12)
    assert_allclose(gdp["expenditure"], 128.0, rtol=0, atol=1e-12)
    assert_allclose(gdp["income"], 128.0, rtol=0, atol=1e-12)
    assert_allclose(gdp["ndp"], 111.0, rtol=0, atol=1e-12)
    assert_allclose(gdp[["discrepancy_expenditure", "discrepancy_income"]], 0.0, atol=1e-12)
    pd.testing.assert_frame_equal(check_identity(tiny), gdp)


def test_b1g_used_when_output_absent(tiny):
    t = tiny.loc[~((tiny["sector"] == "S14") & tiny["transaction"].isin(["P1", "P2"]))]
    extra = make_table([{"period": p, "sector": "S14", "industry": "H", "transaction": "B1G",
                         "value": 15.0} for p in (2023, 2024)], unit="USD_MN")
    gdp = check_identity(pd.concat([t, extra], ignore_index=True))
    assert_allclose(gdp["production"], 128.0)


def test_b1g_checked_against_p1_minus_p2(tiny):
    extra = make_table([{"period": 2024, "sector": "S11", "industry": "A", "transaction": "B1G",
                         "value": 71.0}], unit="USD_MN")
    t = pd.concat([tiny, extra], ignore_index=True)
    with pytest.raises(AccountingIdentityError,
                       match=r"B1G != P1 - P2 for period=2024, sector='S11', industry='A'"):
        gdp_by_approach(t)
    extra.loc[0, "value"] = 70.0
    assert_allclose(gdp_by_approach(pd.concat([tiny, extra]))["production"], 128.0)


def test_stored_b1gq_checked(tiny):
    b1gq = make_table([{"period": 2023, "sector": "S1", "transaction": "B1GQ", "value": 128.0}],
                      unit="USD_MN")
    gdp_by_approach(pd.concat([tiny, b1gq]))
    b1gq.loc[0, "value"] = 130.0
    with pytest.raises(AccountingIdentityError, match="stored B1GQ for period=2023"):
        gdp_by_approach(pd.concat([tiny, b1gq]))


def test_identity_error_names_period_and_gap(tiny):
    t = tiny.copy()
    mask = (t["period"] == 2024) & (t["transaction"] == "P6")
    t.loc[mask, "value"] = t.loc[mask, "value"] + 7.0
    gdp = gdp_by_approach(t)
    assert_allclose(gdp.loc[2024, "discrepancy_expenditure"], 7.0)
    assert_allclose(gdp.loc[2023, "discrepancy_expenditure"], 0.0)
    with pytest.raises(AccountingIdentityError,
                       match=r"period 2024: expenditure - production = 7\.0"):
        check_identity(t)
    check_identity(t, tol=7.5)


def test_income_gap_reported(tiny):
    t = tiny.copy()
    t.loc[t["transaction"] == "D1", "value"] *= 2
    with pytest.raises(AccountingIdentityError, match=r"income - production = 70\.0.*2 period"):
        check_identity(t)


def test_sign_conventions_imports_and_taxes(tiny):
    """Imports enter with a minus sign; D21X31 enters production and income."""
    t = tiny.copy()
    for code, delta in (("P7", 5.0), ("D21X31", 5.0)):
        t.loc[(t["transaction"] == code), "value"] += delta
    gdp = gdp_by_approach(t)
    assert_allclose(gdp["expenditure"], 123.0)
    assert_allclose(gdp["production"], 133.0)
    assert_allclose(gdp["income"], 133.0)


def test_empty_and_partial_tables():
    empty = gdp_by_approach(pd.DataFrame({c: [] for c in ("period", "sector", "industry",
                                                         "product", "transaction", "value",
                                                         "unit", "price_basis")}))
    assert len(empty) == 0 and tuple(empty.columns) == APPROACH_COLUMNS
    only = make_table([{"period": 2020, "sector": "S1", "transaction": "P6", "value": 5.0}],
                      unit="X")
    gdp = gdp_by_approach(only)
    assert gdp.loc[2020, "expenditure"] == 5.0 and gdp.loc[2020, "production"] == 0.0
    with pytest.raises(AccountingIdentityError):
        check_identity(only)


def test_vectorised_on_large_table():
    """200 industries x 30 periods x 20 products balances (checks vectorised groupbys)."""
    rng = np.random.default_rng(0)
    n_ind, n_per, n_prod = 200, 30, 20
    ind = [f"I{i:03d}" for i in range(n_ind)]
    prod = [f"C{j:02d}" for j in range(n_prod)]
    periods = np.arange(1995, 1995 + n_per)
    p2 = rng.uniform(1, 10, size=(n_per, n_ind, n_prod))
    va = rng.uniform(50, 100, size=(n_per, n_ind))
    pi, ii, ci = np.meshgrid(np.arange(n_per), np.arange(n_ind), np.arange(n_prod),
                             indexing="ij")
    p2_rows = pd.DataFrame({"period": periods[pi.ravel()], "sector": "S11",
                            "industry": np.array(ind)[ii.ravel()],
                            "product": np.array(prod)[ci.ravel()], "transaction": "P2",
                            "value": p2.ravel()})
    pp, ii2 = np.meshgrid(np.arange(n_per), np.arange(n_ind), indexing="ij")
    base = {"period": periods[pp.ravel()], "sector": "S11",
            "industry": np.array(ind)[ii2.ravel()], "product": "_T"}
    p1_rows = pd.DataFrame({**base, "transaction": "P1", "value": (p2.sum(2) + va).ravel()})
    d1_rows = pd.DataFrame({**base, "transaction": "D1", "value": va.ravel()})
    p3_rows = pd.DataFrame({"period": periods, "sector": "S14", "industry": "_T",
                            "product": "_T", "transaction": "P3", "value": va.sum(1)})
    t = make_table(pd.concat([p2_rows, p1_rows, d1_rows, p3_rows], ignore_index=True),
                   unit="USD_MN")
    gdp = check_identity(t)
    assert_allclose(gdp["production"].to_numpy(), va.sum(1), rtol=1e-12)


# ------------------------------------------------------------------------------ properties


@st.composite
def balanced_economies(draw):
    """Random economies balanced by construction: P1 = P2 + D1 + D29X39 + B2A3G per industry,
    and final uses (P3, P51G, P52, P6 less P7) share out GDP = sum of value added + D21X31."""
    n_ind = draw(st.integers(1, 4))
    periods = draw(st.lists(st.integers(2000, 2030), min_size=1, max_size=3, unique=True))
    pos = st.floats(0.0, 1e6, allow_nan=False)
    rows = []
    for period in periods:
        gdp = 0.0
        for i in range(n_ind):
            sector = draw(st.sampled_from(["S11", "S12", "S13", "S14", "S15"]))
            p2 = [draw(pos) for _ in range(2)]
            d1, tax, gos = draw(pos), draw(st.floats(-1e3, 1e3)), draw(pos)
            ind = f"I{i}"
            rows += [(period, sector, ind, f"C{j}", "P2", v) for j, v in enumerate(p2)]
            rows += [(period, sector, ind, "_T", "P1", sum(p2) + d1 + tax + gos),
                     (period, sector, ind, "_T", "D1", d1),
                     (period, sector, ind, "_T", "D29X39", tax),
                     (period, sector, ind, "_T", "B2A3G", gos)]
            gdp += d1 + tax + gos
        d21 = draw(pos)
        gdp += d21
        imports = draw(pos)
        w = [draw(st.floats(0.05, 1.0)) for _ in range(4)]
        uses = [(gdp + imports) * x / sum(w) for x in w]
        rows += [(period, "S1", "_T", "_T", "D21X31", d21),
                 (period, "S14", "_T", "_T", "P3", uses[0]),
                 (period, "S11", "_T", "_T", "P51G", uses[1]),
                 (period, "S1", "_T", "_T", "P52", uses[2]),
                 (period, "S1", "_T", "_T", "P6", uses[3]),
                 (period, "S1", "_T", "_T", "P7", imports)]
    recs = [dict(zip(("period", "sector", "industry", "product", "transaction", "value"), r,
                     strict=True)) for r in rows]
    return make_table(recs, unit="USD_MN")


@settings(max_examples=25, deadline=None)
@given(t=balanced_economies(), scale=st.floats(0.1, 10.0), seed=st.integers(0, 2**32 - 1))
def test_balanced_economies_property(t, scale, seed):
    gdp = check_identity(t)  # default rtol 1e-6 of GDP
    assert_allclose(gdp["production"], gdp["income"], rtol=1e-9, atol=1e-6)
    # row order does not matter; GDP is linear in the values
    shuffled = t.sample(frac=1.0, random_state=seed % (2**32 - 1))
    pd.testing.assert_frame_equal(gdp_by_approach(shuffled), gdp)
    scaled = gdp_by_approach(t.assign(value=t["value"] * scale))
    assert_allclose(scaled["production"], gdp["production"] * scale, rtol=1e-12, atol=1e-6)
