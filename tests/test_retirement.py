"""Retirement (survival) distributions around a mean service life.

Closed forms (issue #5 acceptance): survival at t = 1, 3, 5, 8, 10 for mean 5 and cv 0.5 against
the normal, lognormal, gamma and Weibull distributions with moment-matched parameters, written
out here independently of the implementation, to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, optimize, special, stats

from intelcap.accounts._pim_kernels import cohort_profiles
from intelcap.accounts.profiles import get_profile
from intelcap.accounts.retirement import get_retirement
from intelcap.exceptions import ParameterError, SpecificationError

T = np.array([1.0, 3.0, 5.0, 8.0, 10.0])
MEAN, CV = 5.0, 0.5
SD = MEAN * CV


def test_lognormal_closed_form():
    sigma2 = np.log(1 + CV**2)
    mu = np.log(MEAN) - sigma2 / 2
    expect = 0.5 * special.erfc((np.log(T) - mu) / np.sqrt(2 * sigma2))
    assert_allclose(get_retirement("lognormal", MEAN, CV).sf(T), expect, atol=1e-6)
    assert_allclose(expect, stats.lognorm(np.sqrt(sigma2), scale=np.exp(mu)).sf(T), atol=1e-12)


def test_gamma_closed_form():
    k, theta = 1 / CV**2, MEAN * CV**2  # shape 4, scale 1.25
    assert_allclose(get_retirement("gamma", MEAN, CV).sf(T), special.gammaincc(k, T / theta),
                    atol=1e-6)
    # shape 4 is an integer: Erlang survival sum_{j<4} e^{-y} y^j / j!
    y = T / theta
    erlang = np.exp(-y) * (1 + y + y**2 / 2 + y**3 / 6)
    assert_allclose(get_retirement("gamma", MEAN, CV).sf(T), erlang, atol=1e-6)


def test_weibull_closed_form():
    def cv_gap(k):
        return np.sqrt(special.gamma(1 + 2 / k) / special.gamma(1 + 1 / k) ** 2 - 1) - CV

    k = optimize.brentq(cv_gap, 0.5, 10.0, xtol=1e-14)
    lam = MEAN / special.gamma(1 + 1 / k)
    ret = get_retirement("weibull", MEAN, CV)
    assert_allclose(ret.sf(T), np.exp(-((T / lam) ** k)), atol=1e-6)
    assert_allclose(ret.shape, 2.1013, atol=1e-4)  # known shape for cv = 0.5


def test_normal_closed_form():
    """Untruncated (lower=-inf, upper=inf) it is the normal; truncated to [0, 2L] (default) it is
    the normal renormalised to that interval."""
    phi = stats.norm.cdf
    plain = get_retirement("truncated_normal", MEAN, CV, lower=-np.inf, upper=np.inf)
    assert_allclose(plain.sf(T), 1 - phi((T - MEAN) / SD), atol=1e-6)
    trunc = get_retirement("truncated_normal", MEAN, CV)
    lo, hi = phi(-MEAN / SD), phi(MEAN / SD)
    expect = (hi - phi((T - MEAN) / SD)) / (hi - lo)
    assert_allclose(trunc.sf(T), expect, atol=1e-6)
    assert_allclose(trunc.dist.mean(), MEAN, rtol=1e-12)  # symmetric truncation keeps the mean


@pytest.mark.parametrize("name", ["weibull", "lognormal", "gamma"])
def test_moments_matched(name):
    d = get_retirement(name, 7.0, 0.35).dist
    assert_allclose([d.mean(), d.std()], [7.0, 7.0 * 0.35], rtol=1e-9)


def test_winfrey_symmetric_curve():
    """Pearson type II (1 - u^2/a^2)^m on BEA's modified S-3 range, 45 % to 155 % of the mean."""
    ret = get_retirement("winfrey_s3", 10.0, 0.2)
    d = ret.dist
    assert_allclose([d.mean(), d.std()], [10.0, 2.0], rtol=1e-12)
    assert ret.sf(4.5) == 1.0 and ret.sf(15.5) == 0.0
    # the density is proportional to (1 - u^2/a^2)^m: check the ratio at two ages
    m, a = ret.exponent, 0.55
    u1, u2 = 0.1, 0.3
    ratio = d.pdf(10 * (1 + u1)) / d.pdf(10 * (1 + u2))
    assert_allclose(ratio, ((1 - u1**2 / a**2) / (1 - u2**2 / a**2)) ** m, rtol=1e-12)


def test_no_retirement_is_simultaneous_exit():
    ret = get_retirement(None, 4.0)
    assert ret.sf([0, 3.9, 4.0, 10]).tolist() == [1.0, 1.0, 0.0, 0.0]


class TestCombinedProfiles:
    """Cohort profiles: a single-asset profile mixed over the service-life distribution
    (OECD 2009, ch. 13): Psi(x) = int f(x; T) dF(T); geometric: (1-delta)^x S(x)."""

    def test_straight_line_mixed_over_weibull(self):
        ret = get_retirement("weibull", 8.0, 0.4)
        surv, eff, price = cohort_profiles(get_profile("straight_line"), ret, 20, 0.04)
        dist = ret.dist
        for x in (1, 4, 8, 12):
            expect, _ = integrate.quad(lambda t, x=x: (1 - x / t) * dist.pdf(t), x, np.inf,
                                       epsabs=1e-12, limit=200)
            assert_allclose(price[x], expect, atol=1e-6)
        assert_allclose(surv, ret.sf(np.arange(20)))

    def test_hyperbolic_mixed_over_gamma(self):
        ret = get_retirement("gamma", 6.0, 0.3)
        _, eff, _ = cohort_profiles(get_profile("hyperbolic", beta=0.5), ret, 15, 0.04)
        dist = ret.dist
        for x in (1, 3, 6, 10):
            expect, _ = integrate.quad(
                lambda t, x=x: (t - x) / (t - 0.5 * x) * dist.pdf(t), x, np.inf, epsabs=1e-12,
                limit=200)
            assert_allclose(eff[x], expect, atol=1e-6)

    def test_geometric_times_survival(self):
        ret = get_retirement("lognormal", 5.0, 0.5)
        _, eff, price = cohort_profiles(get_profile("geometric", rate=0.2), ret, 30, 0.04)
        x = np.arange(30)
        assert_allclose(eff, 0.8**x * ret.sf(x), rtol=1e-12)
        assert (price <= 0.8**x + 1e-12).all()  # retirement risk lowers the price


class TestBadRetirement:
    @pytest.mark.parametrize("name", ["weibull", "lognormal", "gamma", "truncated_normal"])
    @pytest.mark.parametrize("cv", [0.0, -0.2, 5.5, np.inf, np.nan])
    def test_cv_outside_range(self, name, cv):
        with pytest.raises(ParameterError, match="cv"):
            get_retirement(name, 5.0, cv)

    def test_cv_missing(self):
        with pytest.raises(SpecificationError, match="cv"):
            get_retirement("weibull", 5.0)

    def test_winfrey_cv_range(self):
        with pytest.raises(ParameterError, match="cv"):
            get_retirement("winfrey_s3", 5.0, 0.5)

    @pytest.mark.parametrize("mean", [0.0, -1.0, np.nan])
    def test_mean(self, mean):
        with pytest.raises(ParameterError, match="service_life"):
            get_retirement("gamma", mean, 0.3)

    def test_unknown(self):
        with pytest.raises(SpecificationError, match="weibull"):
            get_retirement("exponential", 5.0, 0.3)


def test_geometric_price_basis_with_retirement():
    """basis="price": (1-delta)^x S(x) is the cohort age-price profile itself."""
    ret = get_retirement("weibull", 6.0, 0.4)
    prof = get_profile("geometric", rate=0.15, basis="price")
    _, eff, price = cohort_profiles(prof, ret, 25, 0.04)
    x = np.arange(25)
    assert_allclose(price, 0.85**x * ret.sf(x), rtol=1e-12)
    # and its efficiency converts back to it
    from intelcap.accounts.profiles import efficiency_to_price

    _, _, p_long = cohort_profiles(prof, ret, 200, 0.04)
    _, e_long, _ = cohort_profiles(prof, ret, 200, 0.04)
    assert_allclose(efficiency_to_price(e_long, 0.04)[:25], p_long[:25], atol=1e-9)
