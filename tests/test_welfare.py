"""Consumer surplus, WTA survival curves and GDP-B.

Surplus values are the acceptance values of issue 12 (each an analytic result, formula in
intelcap/welfare/surplus.py): linear demand through p = 20, q = 100 with point elasticity 0.5
gives 2,000; constant elasticity 2 with revenue 2,000 gives 2,000; logit with market size
1,000, price coefficient 0.05 and new-good share 0.2 gives 4,462.871026.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import integrate

from intelcap import welfare
from intelcap.exceptions import DataError, ParameterError, SpecificationError


def test_linear_demand():
    assert welfare.consumer_surplus("linear", price=20, quantity=100,
                                    elasticity=0.5) == pytest.approx(2000.0, rel=1e-15)
    # same line through its choke price p(1 + 1/e) = 60
    assert welfare.consumer_surplus("linear", price=20, quantity=100,
                                    choke_price=60) == pytest.approx(2000.0, rel=1e-15)


def test_constant_elasticity():
    assert welfare.consumer_surplus("constant_elasticity", revenue=2000,
                                    elasticity=2) == pytest.approx(2000.0, rel=1e-15)
    # numerical integral of A p^-e above p = 20 with q(20) = 100
    a = 100 * 20.0**2
    val, _ = integrate.quad(lambda x: a * x**-2.0, 20, np.inf)
    assert welfare.consumer_surplus("constant_elasticity", price=20, quantity=100,
                                    elasticity=2) == pytest.approx(val, rel=1e-10)


def test_logit():
    res = welfare.consumer_surplus("logit", market_size=1000, price_coefficient=0.05, share=0.2)
    assert res == pytest.approx(4462.871026, abs=5e-7)


def test_logit_is_the_log_sum_change():
    rng = np.random.default_rng(7)
    delta = rng.normal(size=5)
    before = np.log1p(np.exp(delta[:4]).sum())  # outside good utility 0
    after = np.log1p(np.exp(delta).sum())
    share = np.exp(delta[4]) / (1 + np.exp(delta).sum())
    assert welfare.consumer_surplus("logit", market_size=1000, price_coefficient=0.05,
                                    share=share) == pytest.approx(1000 / 0.05 * (after - before),
                                                                  rel=1e-12)


def test_series_in_series_out_and_errors():
    s = pd.Series([0.1, 0.2], index=["a", "b"])
    out = welfare.consumer_surplus("logit", market_size=1000, price_coefficient=0.05, share=s)
    assert list(out.index) == ["a", "b"]
    with pytest.raises(SpecificationError, match="'linear'"):
        welfare.consumer_surplus("probit", price=1, quantity=1, elasticity=1)
    with pytest.raises(ParameterError, match="elasticity > 1"):
        welfare.consumer_surplus("constant_elasticity", revenue=1, elasticity=0.8)
    with pytest.raises(ParameterError, match="share"):
        welfare.consumer_surplus("logit", market_size=1, price_coefficient=1, share=1.0)


@pytest.mark.parametrize("dist", ["loglogistic", "lognormal"])
def test_wta_survival_recovers_simulated_distribution(dist):
    # simulation recovery, seed 2019: WTA median 48 (the order of Facebook's monthly WTA)
    rng = np.random.default_rng(2019)
    n, mu, sigma = 20_000, np.log(48.0), 0.8
    z = rng.logistic(size=n) if dist == "loglogistic" else rng.normal(size=n)
    wta = np.exp(mu + sigma * z)
    offers = rng.choice([1, 5, 10, 20, 50, 100, 500, 1000], size=n).astype(float)
    res = welfare.wta_survival(offers, wta <= offers, dist=dist)
    assert res.converged
    lo, hi = res.median_conf_int(0.999)
    assert lo <= 48.0 <= hi
    assert res.sigma == pytest.approx(sigma, rel=0.05)
    assert res.truncation == 1000.0
    true_mean = (np.exp(mu) * np.pi * sigma / np.sin(np.pi * sigma) if dist == "loglogistic"
                 else np.exp(mu + sigma**2 / 2))
    assert res.mean == pytest.approx(true_mean, rel=0.1)
    assert res.mean_truncated < res.mean
    assert "truncated at the largest offer, 1000" in res.summary.as_text()


def test_wta_loglogistic_is_a_logit_in_log_offer():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    offers = rng.choice([1.0, 10.0, 100.0, 1000.0], 500)
    acc = rng.random(500) < 1 / (1 + (60 / offers) ** 1.2)
    res1 = welfare.wta_survival(offers, acc)
    res2 = sm.Logit(acc.astype(float), sm.add_constant(np.log(offers))).fit(disp=0)
    a, b = res2.params
    assert res1.mu == pytest.approx(-a / b, rel=1e-8)
    assert res1.sigma == pytest.approx(1 / b, rel=1e-8)
    assert res1.loglike == pytest.approx(res2.llf, rel=1e-10)


def test_wta_mean_infinite_when_scale_at_least_one():
    rng = np.random.default_rng(5)
    wta = np.exp(np.log(40) + 1.5 * rng.logistic(size=5000))
    offers = rng.choice([1.0, 10.0, 100.0, 1000.0, 10_000.0], 5000)
    res = welfare.wta_survival(offers, wta <= offers)
    assert res.mean == np.inf and np.isfinite(res.mean_truncated)
    assert "infinite" in res.summary.as_text()


def test_wta_bad_input():
    with pytest.raises(DataError, match="row 1"):
        welfare.wta_survival([1.0, -2.0, 3.0], [0, 1, 1])
    with pytest.raises(DataError, match="same"):
        welfare.wta_survival([1.0, 2.0], [1, 1])


def test_gdp_b_contributions_add_up():
    gdp = pd.Series([100.0, 102.0, 104.5, 106.0], index=[2020, 2021, 2022, 2023])
    ben = pd.DataFrame({"chat": [0.0, 0.5, 1.4, 2.0], "search": [3.0, 3.1, 3.1, 3.3]},
                       index=gdp.index)
    out = welfare.gdp_b(gdp, ben)
    contrib = out[["contribution_gdp", "contribution_chat", "contribution_search"]].sum(axis=1)
    assert_allclose(contrib.iloc[1:], out["gdp_b_growth"].iloc[1:], rtol=1e-14)
    assert out.loc[2021, "contribution_chat"] == pytest.approx(0.5 / 103.0, rel=1e-15)
    # with no free goods GDP-B is GDP
    zero = welfare.gdp_b(gdp, ben * 0)
    assert_allclose(zero["gdp_b_growth"].iloc[1:], zero["gdp_growth"].iloc[1:], rtol=1e-15)
    with pytest.raises(DataError, match="share one index"):
        welfare.gdp_b(gdp, ben.iloc[1:])
    bad = ben.copy()
    bad.loc[2022, "chat"] = -1.0
    with pytest.raises(DataError, match="'chat'.*2022"):
        welfare.gdp_b(gdp, bad)


def test_new_good_contribution_is_linear_surplus_over_expenditure():
    share, e = 0.02, 0.5
    cs = welfare.consumer_surplus("linear", price=20, quantity=100, elasticity=e)
    assert welfare.new_good_contribution(share, e) == pytest.approx(
        share * cs / (20 * 100), rel=1e-15)


def test_turnbull_hand_computed():
    # offers 10, 20, 40 with 4 respondents each; accepting 1, 3, 2 -> the 20/40 violation is
    # pooled to 5/8. F = (0.25, 0.625, 0.625), S = (0.75, 0.375, 0.375).
    offers = np.repeat([10.0, 20.0, 40.0], 4)
    acc = np.array([1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0])
    res = welfare.wta_turnbull(offers, acc)
    assert_allclose(res.table["F"], [0.25, 0.625, 0.625], rtol=1e-15)
    # lower-bound mean: 0*0.25 + 10*0.375 + 20*0 + 40*(1-0.625) = 18.75
    assert res.mean_lower_bound == pytest.approx(18.75, rel=1e-15)
    # median: S falls from 0.75 at 10 to 0.375 at 20 -> 10 + (0.25/0.375)*10
    assert res.median == pytest.approx(10 + 10 * 0.25 / 0.375, rel=1e-15)
    assert "truncation" in res.summary.as_text()


def test_turnbull_and_parametric_medians_agree_on_large_samples():
    rng = np.random.default_rng(11)
    n = 40_000
    wta = np.exp(np.log(48.0) + 0.8 * rng.logistic(size=n))
    offers = rng.choice([5.0, 20.0, 40.0, 60.0, 100.0, 500.0], size=n)
    tb = welfare.wta_turnbull(offers, wta <= offers)
    ll = welfare.wta_survival(offers, wta <= offers)
    assert tb.median == pytest.approx(ll.median, rel=0.05)
    assert tb.mean_lower_bound <= ll.mean_truncated + 1.0
