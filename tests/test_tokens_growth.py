"""Growth arithmetic and the claim checker (intelcap.tokens.growth).

Source of the claims: the article behind issue #11, quoting China's National Data Administration
(Liu Liehong, March 2026: daily tokens over 1.4e14, "over 1,000x" the 1e11 of early 2024, and
"over 40%" above the 1e14 of end-2025) and J.P. Morgan's projection of 10 -> 3,900 quadrillion
tokens a year over 2025-2030 (reported as "330% CAGR" and "400-fold"). The figures checked here
are the arithmetic of those endpoints (analytic oracles), not new published values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intelcap.exceptions import IntelcapError
from intelcap.tokens import cagr, check_claim, doubling_time, growth_factor
from intelcap.tokens.growth import annualise, growth_rate, periodic_rate


def test_china_26_months_claims_consistent():
    from intelcap import datasets

    official = datasets.china_tokens.load()["daily_tokens"]  # the bundled transcription
    assert official["2024-01"] == 1e11 and official["2026-03"] == 1.4e14
    assert (official.index[-1] - official.index[0]).n == 26  # 2024-01 -> 2026-03: 26 months
    assert growth_factor(1e11, 1.4e14) == pytest.approx(1400, rel=1e-12)
    rate = periodic_rate(1e11, 1.4e14, 26)
    assert rate == pytest.approx(0.3213, abs=5e-5)  # "about 32.1% a month"
    assert doubling_time(rate) == pytest.approx(2.488, abs=5e-4)  # "~2.49 months"
    for stated, kind in ((1400, "multiple"), (0.321, "rate"), (2.49, "doubling_time")):
        res = check_claim(1e11, 1.4e14, 26, stated=stated, kind=kind, unit="month")
        assert res.consistent, str(res)
    # "增长了1000多倍": over 1,000-fold, with the end point a lower bound ("超过140万亿")
    res = check_claim(1e11, 1.4e14, 26, stated=1000, kind="multiple", qualifier="over",
                      end_bound="lower", unit="month")
    assert res.consistent


def test_jpmorgan_2025_2030_claims_flagged():
    g = cagr(10, 3900, 5)
    assert growth_factor(10, 3900) == pytest.approx(390)
    assert g == pytest.approx(2.30, abs=5e-3)  # a 230% CAGR
    assert 1 + g == pytest.approx(3.30, abs=5e-3)  # a 3.30x yearly multiple
    ok = check_claim(10, 3900, 5, stated=2.30, kind="rate", unit="year")
    assert ok.consistent
    bad = check_claim(10, 3900, 5, stated=3.30, kind="rate", unit="year")
    assert not bad.consistent
    assert "factor was reported as a rate" in bad.reason
    assert bad.figures["rate"] == pytest.approx(2.2977, abs=1e-4)
    assert bad.figures["factor"] == pytest.approx(3.2977, abs=1e-4)
    fold = check_claim(10, 3900, 5, stated=400, kind="multiple", unit="year")
    assert not fold.consistent
    assert fold.figures["multiple"] == pytest.approx(390)
    assert "390x" in fold.reason
    assert "INCONSISTENT" in str(fold)


def test_over_40_percent_in_three_months():
    res = check_claim(1e14, 1.4e14, 3, stated=0.40, kind="total_rate", qualifier="over",
                      end_bound="lower", unit="month")
    assert res.consistent
    assert res.implied == pytest.approx(0.40)
    assert math.isinf(res.implied_range[1])
    # with exact endpoints at +35% the same claim is contradicted
    assert not check_claim(1e14, 1.35e14, 3, stated=0.40, kind="total_rate",
                           qualifier="over", end_bound="exact").consistent


def test_rate_factor_identities_vectorised():
    s = pd.Series([1.0, 2.0, 4.0], index=["a", "b", "c"])
    e = s * np.array([2.0, 8.0, 1.0])
    r = growth_rate(s, e, 2)
    assert list(r.index) == ["a", "b", "c"]
    np.testing.assert_allclose(r, [math.sqrt(2) - 1, math.sqrt(8) - 1, 0.0], rtol=1e-14)
    dt = doubling_time(r)
    np.testing.assert_allclose(dt.iloc[:2], [2.0, 2.0 / 3.0], rtol=1e-12)
    assert math.isinf(dt.iloc[2])
    assert annualise(annualise(0.05, 12), 1 / 12) == pytest.approx(0.05, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_bad_endpoints_raise(bad):
    with pytest.raises(IntelcapError, match="start"):
        growth_factor(bad, 1.0)
    with pytest.raises(IntelcapError, match="start"):
        check_claim(bad, 1.0, 1, stated=0.1)


def test_bad_options_name_the_option():
    with pytest.raises(IntelcapError, match="kind"):
        check_claim(1, 2, 1, stated=1, kind="percent")
    with pytest.raises(IntelcapError, match="qualifier"):
        check_claim(1, 2, 1, stated=1, qualifier="roughly")


@settings(max_examples=200, deadline=None)
@given(start=st.floats(1e-3, 1e15), ratio=st.floats(1.001, 1e6), span=st.floats(0.1, 120))
def test_every_implied_figure_is_consistent_and_a_factor_as_rate_is_not(start, ratio, span):
    end = start * ratio
    base = check_claim(start, end, span, stated=1.0, kind="multiple")
    for kind, value in base.figures.items():
        assert check_claim(start, end, span, stated=value, kind=kind).consistent, kind
    # reporting the per-period factor as the rate is caught whenever factor - rate = 1 exceeds
    # the 2% rounding tolerance, i.e. for factors below 1 / 0.02 = 50 per period
    fac = base.figures["factor"]
    bad = check_claim(start, end, span, stated=fac, kind="rate")
    if fac < 49.9:
        assert not bad.consistent and "factor was reported as a rate" in bad.reason
    elif fac > 50.1:
        assert bad.consistent
