"""Perpetual inventory engine: published and closed-form numbers, layouts, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from intelcap.accounts.pim import pim
from intelcap.exceptions import IntelcapError


def constant(n=60, value=100.0, start=2001):
    return pd.Series(value, index=pd.RangeIndex(start, start + n, name="year"), name="software")


class TestGeometricHalfYear:
    """Issue #5 acceptance: I = 100 a year, delta = 0.33, BEA half-year convention.

    Hand computation (BEA 2003 methodology, M-5 to M-7: first-year depreciation delta/2):
    D_1 = 100 * 0.165 = 16.5, K_1 = 83.5; D_2 = 0.33 * 83.5 + 16.5 = 44.055, K_2 = 139.445;
    D_3 = 0.33 * 139.445 + 16.5 = 62.51685, K_3 = 176.92815; K -> 100 (1 - 0.165) / 0.33.
    """

    def test_first_three_years(self):
        res = pim(constant(), profile="geometric", rate=0.33, timing="mid")
        assert_allclose(res.cfc.iloc[:3], [16.5, 44.055, 62.51685], rtol=0, atol=1e-10)
        assert_allclose(res.net.iloc[:3], [83.5, 139.445, 176.92815], rtol=0, atol=1e-10)

    def test_steady_state(self):
        res = pim(constant(200), rate=0.33)
        assert_allclose(res.net.iloc[-1], 100 * (1 - 0.33 / 2) / 0.33, rtol=1e-12)
        assert_allclose(res.net.iloc[-1], 253.030303, atol=5e-7)
        assert_allclose(res.cfc.iloc[-1], 100.0, rtol=1e-12)

    def test_rate_from_service_life(self):
        """BEA: custom software, 5 years, declining balance 1.65 -> 0.33."""
        a = pim(constant(), service_life=5)
        b = pim(constant(), rate=0.33)
        assert_allclose(a.net, b.net, rtol=1e-14)

    def test_labels_kept(self):
        res = pim(constant(5), rate=0.33)
        assert res.net.index.equals(constant(5).index)
        assert res.net.name == "software"
        assert_allclose(res.net_current, res.net)
        assert_allclose(res.cfc_current, res.cfc)


class TestTiming:
    def test_end_and_beginning(self):
        """End of first period: no first-period depreciation; beginning: a full period."""
        d = 0.2
        end = pim(constant(3), rate=d, timing="end")
        beg = pim(constant(3), rate=d, timing="beginning")
        assert_allclose(end.cfc.iloc[:2], [0.0, d * 100], atol=1e-12)
        assert_allclose(end.net.iloc[:2], [100.0, 100 * (1 - d) + 100], atol=1e-12)
        assert_allclose(beg.cfc.iloc[:2], [d * 100, d * 100 * (1 - d) + d * 100], atol=1e-12)

    def test_accumulation_identity(self):
        """K_t = K_{t-1} + I_t - D_t for every timing and profile."""
        rng = np.random.default_rng(1)
        inv = pd.DataFrame(rng.uniform(0, 10, (30, 3)), columns=list("abc"))
        for timing in ("beginning", "mid", "end"):
            for kw in ({"rate": 0.2}, {"profile": "straight_line", "service_life": 7},
                       {"profile": "hyperbolic", "service_life": 9, "beta": 0.75}):
                res = pim(inv, timing=timing, **kw)
                net = res.net.to_numpy()
                prev = np.vstack([np.zeros((1, 3)), net[:-1]])
                assert_allclose(net, prev + inv.to_numpy() - res.cfc.to_numpy(), atol=1e-10)


class TestLayouts:
    def test_wide_equals_separate_series(self):
        inv = pd.DataFrame({"x": np.arange(1.0, 11), "y": np.linspace(5, 1, 10)})
        res = pim(inv, rate={"x": 0.1, "y": 0.4})
        for col, rate in (("x", 0.1), ("y", 0.4)):
            one = pim(inv[col], rate=rate)
            assert_allclose(res.net[col], one.net, rtol=1e-13)

    def test_long_keyed_like_input(self):
        rows = []
        for sector in ("A", "B"):
            for year in range(2000, 2006):
                rows.append({"sector": sector, "asset": "software", "period": year,
                             "value": 10.0 if sector == "A" else 20.0})
        long = pd.DataFrame(rows).sample(frac=1.0, random_state=0).sort_values("period")
        res = pim(long, keys=["sector", "asset"], rate=0.33)
        net = res.net
        assert list(net.columns) == ["sector", "asset", "period", "value"]
        assert net.index.equals(long.index)
        a = net[net.sector == "A"].sort_values("period")["value"].to_numpy()
        assert_allclose(a, pim(pd.Series(10.0, index=range(6)), rate=0.33).net.to_numpy())
        tl = res.to_long()
        assert {"sector", "asset", "period", "measure", "value"} <= set(tl.columns)
        assert set(tl.measure) >= {"gross", "net", "productive", "cfc"}

    def test_late_start(self):
        inv = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [np.nan, 1.0, 1.0]})
        res = pim(inv, rate=0.5)
        assert np.isnan(res.net["b"].iloc[0])
        assert_allclose(res.net["b"].iloc[1:], res.net["a"].iloc[:2])


class TestBadInput:
    def test_negative(self):
        inv = pd.DataFrame({"a": [1.0, -1.0, 1.0]}, index=[2000, 2001, 2002])
        with pytest.raises(IntelcapError, match=r"series 'a'.*2001"):
            pim(inv, rate=0.1)
        res = pim(inv, rate=0.1, allow_negative=True)
        assert np.isfinite(res.net.to_numpy()).all()

    def test_gap(self):
        inv = pd.DataFrame({"a": [1.0, np.nan, 1.0]}, index=[2000, 2001, 2002])
        with pytest.raises(IntelcapError, match=r"series 'a'.*2001"):
            pim(inv, rate=0.1)

    def test_order(self):
        inv = pd.Series([1.0, 1.0, 1.0], index=[2000, 2002, 2001], name="k")
        with pytest.raises(IntelcapError, match="out of order.*2001"):
            pim(inv, rate=0.1)

    @pytest.mark.parametrize("kw", [{"service_life": 0}, {"service_life": -3},
                                    {"rate": 1.5}, {"rate": 0.0}])
    def test_parameters(self, kw):
        with pytest.raises(IntelcapError):
            pim(constant(5), **kw)

    def test_discount_rate(self):
        with pytest.raises(IntelcapError, match="discount_rate"):
            pim(constant(5), profile="hyperbolic", service_life=5, discount_rate=-1.0)

    def test_timing_name(self):
        with pytest.raises(IntelcapError, match="timing"):
            pim(constant(5), rate=0.1, timing="middle")
