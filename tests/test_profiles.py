"""Age-efficiency and age-price profiles: closed forms, conversion, BEA declining-balance rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.accounts.pim import pim
from intelcap.accounts.profiles import (
    Geometric,
    efficiency_to_price,
    get_profile,
    price_to_efficiency,
)
from intelcap.exceptions import IntelcapError, ParameterError, SpecificationError


class TestClosedForms:
    def test_straight_line(self):
        """Straight line over 10 years: 1, 0.9, ..., 0.1, 0 by age (issue #5 acceptance)."""
        prof = get_profile("straight_line")
        assert_allclose(prof.price(np.arange(11), 10), np.linspace(1, 0, 11), atol=1e-15)
        assert prof.price([11, 25], 10).tolist() == [0.0, 0.0]

    def test_hyperbolic_bls(self):
        """BLS hyperbolic (T - x)/(T - beta x), T = 10, beta = 0.5: 9/9.5 and 6/8."""
        prof = get_profile("hyperbolic", beta=0.5)
        assert_allclose(prof.efficiency([1, 4], 10), [0.947368, 0.75], atol=5e-7)
        assert_allclose(prof.efficiency([0, 10, 12], 10), [1.0, 0.0, 0.0])

    def test_geometric_rate_and_declining_balance(self):
        assert Geometric(rate=0.2).delta == 0.2
        assert_allclose(Geometric(service_life=3).delta, 0.55)
        assert_allclose(Geometric(service_life=10, declining_balance=2.0).delta, 0.2)
        assert_allclose(Geometric(rate=0.3).price([0, 1, 2]), [1, 0.7, 0.49])


class TestConversion:
    r"""Age-efficiency <-> age-price at a discount rate (OECD 2009, annex 2), closed forms."""

    def test_linear_efficiency_is_sum_of_years_digits_at_zero_rate(self):
        """Linear efficiency, r = 0: psi(x) = (T-x)(T-x+1) / (T(T+1)), sum-of-years' digits."""
        T = 8
        x = np.arange(T + 1)
        h = 1 - x / T
        expect = (T - x) * (T - x + 1) / (T * (T + 1))
        assert_allclose(efficiency_to_price(h, 0.0), expect, atol=1e-14)

    def test_one_hoss_shay_is_annuity(self):
        """Constant efficiency for T periods: psi(x) = (1 - b^(T-x)) / (1 - b^T), b = 1/(1+r)."""
        T, r = 12, 0.05
        b = 1 / (1 + r)
        x = np.arange(T)
        assert_allclose(efficiency_to_price(np.ones(T), r), (1 - b ** (T - x)) / (1 - b**T),
                        rtol=1e-13)
        prof = get_profile("hyperbolic", beta=1.0)
        assert_allclose(prof.price(x, T, discount_rate=r), (1 - b ** (T - x)) / (1 - b**T),
                        rtol=1e-13)

    def test_geometric_is_its_own_price_profile(self):
        h = 0.8 ** np.arange(400)
        assert_allclose(efficiency_to_price(h, 0.07)[:50], h[:50], rtol=1e-12)

    def test_straight_line_price_implies_efficiency(self):
        """psi = 1 - x/T gives h(x) proportional to r (1 - x/T) + 1/T (from h = (1+r)psi - psi')."""
        T, r = 10, 0.04
        x = np.arange(T)
        h = price_to_efficiency(1 - x / T, r)
        expect = (r * (1 - x / T) + 1 / T) / (r + 1 / T)
        assert_allclose(h, expect, rtol=1e-13)

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(st.floats(0.0, 10.0), min_size=1, max_size=30).filter(lambda v: v[0] >= 0.01),
        st.floats(-0.5, 0.5),
    )
    def test_round_trip_identity(self, values, rate):
        """Converting a profile there and back is the identity (both directions)."""
        h = np.asarray(values) / values[0]
        # rounding grows with the discount factor over the profile's length (conditioning)
        cond = max(1.0, (1 + rate) ** -len(h)) * max(1.0, h.max())
        assert_allclose(price_to_efficiency(efficiency_to_price(h, rate), rate), h,
                        rtol=1e-9, atol=1e-12 * cond)
        psi = np.sort(h)[::-1] / np.sort(h)[::-1][0]
        back = efficiency_to_price(price_to_efficiency(psi, rate), rate)
        if (price_to_efficiency(psi, rate)[:1] > 0).all():
            assert_allclose(back, psi, rtol=1e-9, atol=1e-12 * cond)

    def test_vectorised_over_rows(self):
        h = np.vstack([0.9 ** np.arange(20), np.linspace(1, 0, 20)])
        p = efficiency_to_price(h, 0.03)
        assert_allclose(p[1], efficiency_to_price(h[1], 0.03))

    def test_bad_rate(self):
        with pytest.raises(ParameterError, match="discount_rate"):
            efficiency_to_price(np.ones(3), -1.0)
        with pytest.raises(ParameterError, match="discount_rate"):
            price_to_efficiency(np.ones(3), -2.0)


class TestBEARates:
    """BEA geometric rates as declining balance / service life (BEA table of rates and lives,
    via ``intelcap.datasets.bea_depreciation``): 1.65/3 = 0.55, 1.65/5 = 0.33."""

    def test_software_service_lives(self):
        from intelcap.datasets import bea_depreciation

        lives = bea_depreciation.load("software_lives")
        assert len(lives) == 3
        for row in lives.itertuples():
            prof = get_profile("geometric", service_life=row.service_life_years,
                               declining_balance=row.declining_balance_rate)
            assert_allclose(prof.delta, row.rate_of_depreciation, atol=5e-5)

    def test_economic_rates_table(self):
        from intelcap.datasets import bea_depreciation

        rates = bea_depreciation.load("rates")
        col = "Economic Depreciation Rate"
        # software: prepackaged 3 years, custom and own-account 5 years, declining balance 1.65
        for code, life in (("ENS1", 3), ("ENS2", 5), ("ENS3", 5)):
            assert_allclose(Geometric(service_life=life).delta, rates.loc[code, col], atol=5e-5)

    def test_pim_with_service_life_equals_rate(self):
        inv = pd.Series(np.linspace(10, 30, 15), index=range(2010, 2025))
        for life, rate in ((3, 0.55), (5, 0.33)):
            assert_allclose(pim(inv, service_life=life).net, pim(inv, rate=rate).net,
                            rtol=1e-13)


class TestBadProfiles:
    def test_unknown_name_lists_valid(self):
        with pytest.raises(SpecificationError, match="straight_line"):
            get_profile("linear")

    def test_geometric_needs_rate(self):
        with pytest.raises(SpecificationError):
            get_profile("geometric")

    @pytest.mark.parametrize("kw", [{"rate": 0.0}, {"rate": 1.2}, {"rate": np.nan},
                                    {"service_life": 0.0}, {"service_life": -1.0},
                                    {"service_life": 1.0}])
    def test_geometric_bad(self, kw):
        with pytest.raises(IntelcapError):
            get_profile("geometric", **kw)

    def test_hyperbolic_beta(self):
        with pytest.raises(ParameterError, match="beta"):
            get_profile("hyperbolic", beta=1.5)

    def test_basis(self):
        with pytest.raises(SpecificationError, match="basis"):
            get_profile("straight_line", basis="value")
