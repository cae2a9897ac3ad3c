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


class TestPrices:
    def test_deflation_and_revaluation(self):
        """Nominal investment / price index = constant prices; stocks revalued at P_t."""
        years = pd.RangeIndex(2010, 2020)
        price = pd.Series(100 * 1.03 ** np.arange(10), index=years)
        nominal = pd.Series(50.0 * 1.05 ** np.arange(10), index=years)
        res = pim(nominal, rate=0.2, deflator=price, deflator_base=100.0)
        real = pim(nominal / (price / 100), rate=0.2)
        assert_allclose(res.net, real.net, rtol=1e-13)
        assert_allclose(res.net_current, real.net * price / 100, rtol=1e-13)
        assert_allclose(res.cfc_current, real.cfc * price / 100, rtol=1e-13)
        assert_allclose(res.investment_constant, nominal / (price / 100), rtol=1e-13)

    def test_wide_with_one_deflator_for_all(self):
        inv = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
        p = pd.Series([1.0, 2.0, 4.0])
        res = pim(inv, rate=0.5, deflator=p)
        assert_allclose(res.net["b"], pim(inv["b"] / p, rate=0.5).net)
        tl = res.to_long()
        assert "net_current" in set(tl.measure)

    def test_long_with_long_deflator(self):
        inv = pd.DataFrame({"asset": ["x"] * 3 + ["y"] * 3, "period": [1, 2, 3] * 2,
                            "value": [1.0, 1, 1, 2, 2, 2]})
        defl = inv.assign(value=[1.0, 1.1, 1.2, 2.0, 2.0, 2.0])
        res = pim(inv, rate=0.3, deflator=defl)
        y = res.net[res.net.asset == "y"]["value"].to_numpy()
        assert_allclose(y, pim(pd.Series([1.0, 1, 1]), rate=0.3).net.to_numpy())

    def test_misaligned_deflator(self):
        with pytest.raises(IntelcapError, match="deflator"):
            pim(constant(5), rate=0.1, deflator=pd.Series(1.0, index=range(1990, 1995)))
        with pytest.raises(IntelcapError, match="deflator.*2003"):
            p = pd.Series([1.0, 1.0, -1.0, 1.0, 1.0], index=constant(5).index)
            pim(constant(5), rate=0.1, deflator=p)


class TestInitialStock:
    def test_harberger_steady_state(self):
        """Geometric, end-of-period valuation: K_{-1} = I_0 / (g + delta) (Harberger 1978)."""
        g, d = 0.05, 0.2
        inv = pd.Series(100 * (1 + g) ** np.arange(8), index=range(2000, 2008))
        res = pim(inv, rate=d, timing="end", initial_stock="steady_state")
        assert_allclose(res.initial.loc["value", "net"], 100 / (g + d), rtol=1e-10)
        # along the steady state the capital-output ratio stays constant: K_t = I_{t+1}/(g+d)
        assert_allclose(res.net.to_numpy(), 100 * (1 + g) ** np.arange(1, 9) / (g + d),
                        rtol=1e-10)

    def test_growth_estimated_from_early_investment(self):
        inv = pd.Series(10 * 1.08 ** np.arange(12), index=range(12))
        a = pim(inv, rate=0.3, initial_stock="steady_state")
        b = pim(inv, rate=0.3, initial_stock="steady_state", initial_growth=0.08)
        assert_allclose(a.net, b.net, rtol=1e-9)

    def test_given_stock_decays_geometrically(self):
        """A given initial net stock K0 adds K0 (1 - delta)^(t+1) under geometric depreciation."""
        d, k0 = 0.25, 500.0
        inv = pd.Series(np.arange(1.0, 11.0), index=range(10))
        res = pim(inv, rate=d, initial_stock=k0, initial_growth=0.02)
        base = pim(inv, rate=d)
        assert_allclose(res.net - base.net, k0 * (1 - d) ** np.arange(1, 11), rtol=1e-9)
        assert_allclose(res.initial.loc["value", "net"], k0, rtol=1e-12)

    def test_late_starting_series_get_their_own_initial_stock(self):
        inv = pd.DataFrame({"a": [1.0, 1.0, 1.0, 1.0], "b": [np.nan, np.nan, 1.0, 1.0]})
        res = pim(inv, profile="straight_line", service_life=4,
                  initial_stock={"a": 2.0, "b": 3.0}, initial_growth=0.0)
        assert_allclose(res.initial["net"], [2.0, 3.0])
        alone = pim(inv["b"].iloc[2:], profile="straight_line", service_life=4,
                    initial_stock=3.0, initial_growth=0.0)
        assert_allclose(res.net["b"].iloc[2:], alone.net)
        # identity with the initial stock: K_0 = K_{-1} + I_0 - D_0
        assert_allclose(res.net["b"].iloc[2], 3.0 + 1.0 - res.cfc["b"].iloc[2])

    def test_no_steady_state_names_series(self):
        inv = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
        with pytest.raises(IntelcapError, match="no steady state.*series 'b'"):
            pim(inv, rate=0.1, initial_stock="steady_state")

    def test_steady_state_needs_positive_investment(self):
        inv = pd.Series([0.0, 1.0, 2.0], index=[1, 2, 3], name="ip")
        with pytest.raises(IntelcapError, match="'ip'.*period 1"):
            pim(inv, rate=0.2, initial_stock="steady_state")


class TestCapitalServices:
    def test_user_cost_geometric(self):
        """Continuous form u = p (r + delta - pi), volume = K_{t-1} + I_t / 2 (half-year)."""
        years = pd.RangeIndex(2000, 2006)
        p = pd.Series(1.02 ** np.arange(6), index=years)
        res = pim(pd.Series(100.0, index=years), rate=0.33, deflator=p)
        cs = res.capital_services(0.04, formula="continuous")
        pi = np.r_[0.02, np.full(5, 0.02)]
        assert_allclose(cs.user_cost, p * (0.04 + 0.33 - pi), rtol=1e-10)
        net = res.net.to_numpy()
        assert_allclose(cs.volume, np.r_[0.0, net[:-1]] + res.investment_constant / 2,
                        rtol=1e-12)
        assert_allclose(cs.value, cs.user_cost * cs.volume)

    def test_internal_rate_recovers_exogenous_rate(self):
        rng = np.random.default_rng(3)
        inv = pd.DataFrame(rng.uniform(1, 10, (12, 3)), columns=["ict", "sw", "rd"])
        res = pim(inv, rate={"ict": 0.3, "sw": 0.33, "rd": 0.15})
        r = pd.Series(np.linspace(0.03, 0.06, 12), index=inv.index)
        cs = res.capital_services(r, price_change="none")
        internal = res.capital_services(capital_income=cs.value.sum(axis=1),
                                        price_change="none")
        assert_allclose(internal.rate, r, rtol=1e-10)

    def test_tornqvist_aggregate(self):
        inv = pd.DataFrame({"a": np.full(6, 5.0), "b": np.linspace(1, 6, 6)})
        cs = pim(inv, rate=0.3).capital_services(0.05)
        agg = cs.aggregate()
        vol, val = cs.volume.to_numpy(), cs.value.to_numpy()
        v = val / val.sum(1, keepdims=True)
        w = 0.5 * (v[1:] + v[:-1])
        expect = np.exp(np.cumsum((w * np.log(vol[1:] / vol[:-1])).sum(1)))
        assert_allclose(agg.iloc[1:], expect, rtol=1e-12)

    def test_aggregate_by_key(self):
        rows = [{"sector": sec, "asset": a, "period": y, "value": v * (1 + 0.1 * y)}
                for sec in ("A", "B") for a, v in (("sw", 5.0), ("rd", 2.0)) for y in range(6)]
        df = pd.DataFrame(rows)
        cs = pim(df, keys=["sector", "asset"], rate={"sw": 0.33, "rd": 0.15}) \
            .capital_services(0.05)
        by = cs.aggregate(by="sector")
        assert list(by.columns) == ["A", "B"]
        one = pim(df[df.sector == "A"], keys=["sector", "asset"],
                  rate={"sw": 0.33, "rd": 0.15}).capital_services(0.05).aggregate()
        assert_allclose(by["A"], one, rtol=1e-12)
        with pytest.raises(IntelcapError, match="industry"):
            cs.aggregate(by="industry")

    def test_needs_one_rate(self):
        res = pim(constant(5), rate=0.2)
        with pytest.raises(IntelcapError, match="rate"):
            res.capital_services()
        with pytest.raises(IntelcapError, match="-1"):
            res.capital_services(-1.5)


class TestMoreBadInput:
    def long(self):
        return pd.DataFrame({"sector": ["A", "A", "B", "B"], "period": [2001, 2002, 2001, 2002],
                             "value": [1.0, 2.0, 3.0, 4.0]})

    def test_long_negative_names_keys(self):
        df = self.long()
        df.loc[3, "value"] = -4.0
        with pytest.raises(IntelcapError, match="sector='B'.*2002"):
            pim(df, rate=0.2)

    def test_long_out_of_order(self):
        df = self.long().iloc[[1, 0, 2, 3]]
        with pytest.raises(IntelcapError, match="2001.*out of order.*sector='A'"):
            pim(df, rate=0.2)

    def test_long_duplicate(self):
        df = pd.concat([self.long(), self.long().iloc[[3]]])
        with pytest.raises(IntelcapError, match="2002.*twice.*sector='B'"):
            pim(df, rate=0.2)

    def test_long_gap(self):
        df = self.long()
        df = pd.concat([df, pd.DataFrame({"sector": ["A"], "period": [2003], "value": [1.0]})])
        with pytest.raises(IntelcapError, match="sector='B'.*2003"):
            pim(df, rate=0.2)

    def test_irregular_periods(self):
        with pytest.raises(IntelcapError, match="2005"):
            pim(pd.Series(1.0, index=[2001, 2002, 2005]), rate=0.2)

    def test_service_life_per_series(self):
        inv = pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 1.0]})
        with pytest.raises(IntelcapError, match="series 'b'"):
            pim(inv, profile="straight_line", service_life={"a": 4, "b": 0})

    def test_cv_out_of_range_names_series(self):
        inv = pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 1.0]})
        with pytest.raises(IntelcapError, match="cv.*series 'b'"):
            pim(inv, service_life=5, retirement="gamma", cv={"a": 0.3, "b": -0.1})

    def test_missing_options(self):
        with pytest.raises(IntelcapError, match="service_life"):
            pim(constant(3), profile="hyperbolic")
        with pytest.raises(IntelcapError, match="cv"):
            pim(constant(3), service_life=5, retirement="weibull")
        with pytest.raises(IntelcapError, match="retirement"):
            pim(constant(3), rate=0.2, retirement="poisson", service_life=5)

    def test_not_pandas(self):
        with pytest.raises(IntelcapError, match="Series"):
            pim({"a": 1.0}, rate=0.2)
        with pytest.raises(IntelcapError, match="3-D"):
            pim(np.ones((2, 2, 2)), rate=0.2)


def test_numpy_in_numpy_out():
    """Numpy arrays are accepted too and give numpy back."""
    x = np.linspace(1.0, 5.0, 6)
    res = pim(x, rate=0.33)
    assert isinstance(res.net, np.ndarray) and res.net.shape == (6,)
    assert_allclose(res.net, pim(pd.Series(x), rate=0.33).net.to_numpy())
    wide = np.column_stack([x, 2 * x])
    res2 = pim(wide, rate=[0.33, 0.2], deflator=np.linspace(1, 2, 6))
    assert res2.cfc.shape == (6, 2)
    assert_allclose(res2.net[:, 1], pim(pd.Series(2 * x / np.linspace(1, 2, 6)), rate=0.2).net)


def test_plot_runs():
    import matplotlib

    matplotlib.use("Agg")
    inv = pd.DataFrame({"a": np.ones(5), "b": np.arange(5.0)})
    res = pim(inv, rate=0.2, deflator=pd.Series(np.linspace(1, 2, 5)))
    ax = res.plot()
    assert len(ax.lines) == 4
    ax2 = res.plot(series="b", current=True)
    assert "'b'" in ax2.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")


class TestParametersByKey:
    def long(self):
        rows = [{"sector": s, "asset": a, "period": y, "value": 1.0 + y}
                for s in ("A", "B") for a in ("sw", "rd") for y in range(4)]
        return pd.DataFrame(rows)

    def test_rate_by_one_key_column(self):
        """A rate per asset applies to that asset in every sector (long table)."""
        df = self.long()
        res = pim(df, keys=["sector", "asset"], rate={"sw": 0.33, "rd": 0.15})
        by_name = pim(df, keys=["sector", "asset"],
                      rate=pd.Series({"sw": 0.33, "rd": 0.15}).rename_axis("asset"))
        full = pim(df, keys=["sector", "asset"],
                   rate={(s, a): (0.33 if a == "sw" else 0.15) for s in "AB" for a in
                         ("sw", "rd")})
        assert_allclose(res.net["value"], full.net["value"])
        assert_allclose(by_name.net["value"], full.net["value"])
        assert len(res.asset_types) == 2 and res.asset_types.series.tolist() == [2, 2]

    def test_missing_parameter(self):
        with pytest.raises(IntelcapError, match="rate has no value"):
            pim(self.long(), keys=["sector", "asset"], rate={"sw": 0.33})


def test_summary_prints():
    res = pim(pd.DataFrame({"a": np.ones(5), "b": np.ones(5)}), rate={"a": 0.3, "b": 0.2})
    text = str(res)
    assert "Perpetual inventory" in text and "geometric" in text
    assert "Asset types" in res._repr_html_()
    assert res.summary.as_latex()


def test_half_year_straight_line_spreads_over_life_plus_one():
    """Straight-line over L = 4 with the half-year convention: CFC of one unit invested is
    1/8, 1/4, 1/4, 1/4, 1/8 (half a year's depreciation in the first and last periods)."""
    inv = pd.Series([1.0, 0, 0, 0, 0, 0], index=range(6))
    res = pim(inv, profile="straight_line", service_life=4, timing="mid")
    assert_allclose(res.cfc, [1 / 8, 1 / 4, 1 / 4, 1 / 4, 1 / 8, 0.0], atol=1e-15)
    # half the vintage is in place from the start of period 0 and retires at the end of period
    # 3 (age 4); the other half from the end of period 0 retires at the end of period 4
    assert_allclose(res.gross, [1, 1, 1, 0.5, 0, 0], atol=1e-15)


def test_revaluation_closes_the_current_price_account():
    """p_t K_t - p_{t-1} K_{t-1} = p_t (I_t - D_t) + revaluation_t."""
    years = pd.RangeIndex(2000, 2008)
    p = pd.Series(1.05 ** np.arange(8), index=years)
    inv = pd.Series(np.linspace(10, 20, 8), index=years)
    res = pim(inv, profile="hyperbolic", service_life=6, deflator=p)
    k = res.net_current.to_numpy()
    flow = (res.investment_constant - res.cfc).to_numpy() * p.to_numpy()
    rev = res.revaluation.to_numpy()
    assert_allclose(k[1:] - k[:-1], flow[1:] + rev[1:], rtol=1e-12)
    assert rev[0] == 0.0
    assert (pim(inv, rate=0.2).revaluation == 0).all()


def test_measure_frames_are_copy_on_write():
    """The wide measures share the stored arrays without copying, yet a write to a returned
    frame (cell, column, new column) never reaches the result or a later access."""
    rng = np.random.default_rng(7)
    inv = pd.DataFrame(rng.uniform(0, 100, (30, 4)), index=pd.RangeIndex(2000, 2030),
                       columns=list("abcd"))
    res = pim(inv, profile="hyperbolic", beta=0.5, service_life=8.0, retirement="weibull",
              cv=0.35)
    expected = res.net.to_numpy().copy()
    first = res.net
    first.iloc[3, 1] = -99.0
    first["a"] = 0.0
    first["z"] = 1.0
    second = res.net
    assert_allclose(second.to_numpy(), expected, rtol=0, atol=0)
    assert list(second.columns) == list("abcd")
    assert_allclose(res.stocks[1].T, expected, rtol=0, atol=0)
