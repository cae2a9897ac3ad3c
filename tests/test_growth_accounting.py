"""Tornqvist growth accounting (intelcap.growth.accounting), BLS / EU KLEMS convention.

Oracles: a three-period example computed by hand (below), the accounting identity (the
contributions add up to output growth to 1e-12), the K-L Solow residual when there is no
intelligent capital, Domar aggregation with value-added weights, and the EU KLEMS labour
composition term (O'Mahony and Timmer 2009, eq. 2-3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.exceptions import DataError, SpecificationError
from intelcap.growth import BLS_KLEMS, growth_accounting

INCOMES = {"labour": "wL", "capital": "rK", "ic": "rZ"}


def hand_example() -> pd.DataFrame:
    # output grows 10% a year, hours 2%, capital 5%, IC doubles; factor incomes sum to 100, the
    # labour share falls 0.60 -> 0.58 -> 0.56 and the IC share rises 0.10 -> 0.12 -> 0.14
    return pd.DataFrame(
        {"Y": [100.0, 110.0, 121.0], "L": [100.0, 102.0, 104.04], "K": [100.0, 105.0, 110.25],
         "Z": [10.0, 20.0, 40.0], "wL": [60.0, 58.0, 56.0], "rK": [30.0, 30.0, 30.0],
         "rZ": [10.0, 12.0, 14.0]},
        index=pd.Index([2020, 2021, 2022], name="period"),
    )


def test_three_period_example_by_hand():
    res = growth_accounting(hand_example(), incomes=INCOMES)
    c = res.contributions
    # by hand: ln 1.1 = 0.0953102, ln 1.02 = 0.0198026, ln 1.05 = 0.0487902, ln 2 = 0.6931472
    # 2021: average shares L 0.59, K 0.30, Z 0.11
    #   labour 0.59 x 0.0198026 = 0.0116835, capital 0.30 x 0.0487902 = 0.0146371,
    #   ic 0.11 x 0.6931472 = 0.0762462, tfp = 0.0953102 - 0.0116835 - 0.0146371 - 0.0762462
    #   = -0.0072566
    # 2022: average shares L 0.57, K 0.30, Z 0.13
    #   labour 0.0112875, capital 0.0146371, ic 0.0901091, tfp = -0.0207235
    expected = pd.DataFrame(
        {"output": [0.0953102, 0.0953102], "labour": [0.0116835, 0.0112875],
         "capital": [0.0146371, 0.0146371], "ic": [0.0762462, 0.0901091],
         "tfp": [-0.0072566, -0.0207235]},
        index=pd.Index([2021, 2022], name="period"),
    )
    pd.testing.assert_frame_equal(c, expected, atol=1e-7, rtol=0)
    assert_allclose(res.shares.to_numpy(), [[0.59, 0.30, 0.11], [0.57, 0.30, 0.13]], atol=1e-15)


def test_contributions_add_up_to_output_growth():
    c = growth_accounting(hand_example(), incomes=INCOMES).contributions
    assert_allclose(c.drop(columns="output").sum(axis=1), c["output"], atol=1e-12, rtol=0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.floats(0.5, 2.0)] * 7), min_size=2, max_size=6))
def test_identity_holds_for_any_positive_data(rows):
    d = pd.DataFrame(rows, columns=["Y", "L", "K", "Z", "wL", "rK", "rZ"])
    c = growth_accounting(d, incomes=INCOMES).contributions
    assert_allclose(c.drop(columns="output").sum(axis=1), c["output"], atol=1e-12, rtol=0)


def test_without_intelligent_capital_tfp_is_the_kl_solow_residual():
    d = hand_example().assign(Z=0.0, rZ=0.0)
    res = growth_accounting(d, incomes=INCOMES)
    c = res.contributions
    assert (c["ic"] == 0).all()
    vL = d["wL"] / (d["wL"] + d["rK"])
    vbar = 0.5 * (vL.to_numpy()[1:] + vL.to_numpy()[:-1])
    dl = np.diff(np.log(d[["Y", "L", "K"]].to_numpy()), axis=0)
    solow = dl[:, 0] - vbar * dl[:, 1] - (1 - vbar) * dl[:, 2]
    assert_allclose(c["tfp"].to_numpy(), solow, atol=1e-15)
    # the same as accounting with K and L only
    kl = growth_accounting(d, inputs={"labour": "L", "capital": "K"},
                           incomes={"labour": "wL", "capital": "rK"})
    assert_allclose(kl.contributions["tfp"], c["tfp"], atol=1e-15)


def test_shares_given_directly_and_capital_income_as_residual():
    d = hand_example()
    tot = d[["wL", "rK", "rZ"]].sum(axis=1)
    d = d.assign(sL=d["wL"] / tot, sK=d["rK"] / tot, sZ=d["rZ"] / tot, VA=tot)
    a = growth_accounting(d, incomes=INCOMES).contributions
    b = growth_accounting(d, shares={"labour": "sL", "capital": "sK", "ic": "sZ"}).contributions
    c = growth_accounting(d, incomes={"labour": "wL", "ic": "rZ"}, nominal_output="VA",
                          residual="capital").contributions
    pd.testing.assert_frame_equal(a, b, atol=1e-15, rtol=0)
    pd.testing.assert_frame_equal(a, c, atol=1e-15, rtol=0)


def test_labour_composition_term_follows_eu_klems():
    d = hand_example().assign(LC=[1.0, 1.01, 1.03])
    c = growth_accounting(d, incomes=INCOMES, composition="LC").contributions
    assert_allclose(c["labour_composition"], [0.59 * np.log(1.01), 0.57 * np.log(1.03 / 1.01)],
                    rtol=1e-14)
    assert_allclose(c.drop(columns="output").sum(axis=1), c["output"], atol=1e-12, rtol=0)


def test_domar_aggregation_with_value_added_weights():
    a = hand_example()
    b = hand_example().assign(Y=[50.0, 51.0, 52.0], wL=[30.0, 31.0, 29.0])
    b["VA"] = b[["wL", "rK", "rZ"]].sum(axis=1)
    a["VA"] = a[["wL", "rK", "rZ"]].sum(axis=1)
    panel = pd.concat({"A": a, "B": b}, names=["industry", "period"])
    res = growth_accounting(panel, incomes=INCOMES, nominal_output="VA")
    w = res.weights
    assert_allclose(w.sum(axis=1), 1.0, atol=1e-15)
    va = panel["VA"].unstack(0)
    share = va.div(va.sum(axis=1), axis=0).to_numpy()
    assert_allclose(w.to_numpy(), 0.5 * (share[1:] + share[:-1]), atol=1e-15)
    tfp = res.contributions["tfp"].unstack(0)
    assert_allclose(res.aggregate["tfp"], (tfp * w).sum(axis=1), atol=1e-15)
    agg = res.aggregate
    assert_allclose(agg.drop(columns="output").sum(axis=1), agg["output"], atol=1e-12)
    # one industry alone is its own aggregate
    one = growth_accounting(pd.concat({"A": a}, names=["industry", "period"]), incomes=INCOMES,
                            nominal_output="VA")
    assert_allclose(one.aggregate["tfp"],
                    growth_accounting(a, incomes=INCOMES).contributions["tfp"], atol=1e-15)


def test_summary_exports_and_plot():
    res = growth_accounting(hand_example(), incomes=INCOMES)
    assert BLS_KLEMS in str(res)
    tex = res.to_latex()
    assert "\\begin{tabular}" in tex and "(\\%)" in tex
    assert "<table" in res.to_html()
    t = res.table
    assert_allclose(t.loc["output", "share of output growth (%)"], 100.0)
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert ax.get_ylabel() == "percentage points"


def test_bad_input_names_the_culprit():
    d = hand_example()
    with pytest.raises(DataError, match="rZ"):
        growth_accounting(d.drop(columns="rZ"), incomes=INCOMES)
    with pytest.raises(SpecificationError, match="either incomes"):
        growth_accounting(d)
    with pytest.raises(DataError, match="'Z'.*2021"):
        growth_accounting(d.assign(Z=[10.0, 0.0, 5.0]), incomes=INCOMES)
    with pytest.raises(DataError, match="exhaust"):
        growth_accounting(d.assign(VA=[100.0, 90.0, 100.0]), incomes=INCOMES,
                          nominal_output="VA")
    with pytest.raises(DataError, match="increasing"):
        growth_accounting(d.iloc[::-1], incomes=INCOMES)
    with pytest.raises(DataError, match="industry 'B'"):
        panel = pd.concat({"A": d, "B": d.assign(Y=[1.0, -1.0, 1.0])},
                          names=["industry", "period"])
        growth_accounting(panel, incomes=INCOMES)


def test_ic_services_from_accounts_user_costs():
    """IC volume and income from intelcap.accounts: PIM stocks x user costs p (r + delta)."""
    from intelcap.accounts import pim
    from intelcap.growth import services_columns

    periods = pd.Index([2020, 2021, 2022, 2023], name="period")
    inv = pd.DataFrame({"models": [10.0, 12.0, 14.0, 16.0], "data": [5.0, 5.0, 6.0, 6.0]},
                       index=periods)
    cs = pim(inv, rate=0.33).capital_services(0.05, price_change="none")
    z = services_columns(cs, "Z")
    assert_allclose(z["Z"], cs.aggregate().to_numpy(), rtol=1e-15)
    assert_allclose(z["Z_income"], cs.value.sum(axis=1).to_numpy(), rtol=1e-15)
    # user cost p (r + delta) with p = 1: income = (0.05 + 0.33) x volume, asset by asset
    assert_allclose(cs.value.to_numpy(), 0.38 * cs.volume.to_numpy(), rtol=1e-12)
    d = pd.DataFrame({"Y": [100.0, 104.0, 109.0, 113.0], "L": [50.0, 50.5, 51.0, 51.2],
                      "K": [200.0, 204.0, 209.0, 213.0], "wL": [60.0, 61.0, 63.0, 64.0],
                      "rK": [30.0, 31.0, 30.0, 31.0]}, index=periods).join(z)
    res = growth_accounting(d, incomes={"labour": "wL", "capital": "rK", "ic": "Z_income"})
    c = res.contributions
    assert_allclose(c.drop(columns="output").sum(axis=1), c["output"], atol=1e-12, rtol=0)
    tot = d[["wL", "rK", "Z_income"]].sum(axis=1).to_numpy()
    v = d["Z_income"].to_numpy() / tot
    assert_allclose(c["ic"], 0.5 * (v[1:] + v[:-1]) * np.diff(np.log(d["Z"].to_numpy())),
                    rtol=1e-13)


def test_domar_weights_of_gross_output_accounts_sum_above_one():
    """Gross-output industry accounts (KLEMS): w_i = P_i Y_i / sum_k VA_k (Domar 1961)."""
    a = hand_example().assign(GO=[200.0, 220.0, 240.0], VA=[100.0, 100.0, 100.0],
                              M=[100.0, 120.0, 140.0], pM=[100.0, 120.0, 140.0])
    b = a.assign(GO=[185.0, 205.0, 230.0], VA=[80.0, 85.0, 90.0])
    panel = pd.concat({"A": a, "B": b}, names=["industry", "period"])
    inputs = {"labour": "L", "capital": "K", "ic": "Z", "intermediate": "M"}
    incomes = {"labour": "wL", "ic": "rZ", "intermediate": "pM"}
    res = growth_accounting(panel, output="Y", inputs=inputs, incomes=incomes,
                            nominal_output="GO", value_added="VA", residual="capital")
    w = np.column_stack([a["GO"] / (a["VA"] + b["VA"]), b["GO"] / (a["VA"] + b["VA"])])
    assert_allclose(res.weights.to_numpy(), 0.5 * (w[1:] + w[:-1]), rtol=1e-15)
    assert (res.weights.sum(axis=1) > 1).all()
    tfp = res.contributions["tfp"].unstack(0)
    assert_allclose(res.aggregate["tfp"], (tfp * res.weights).sum(axis=1), rtol=1e-14)
