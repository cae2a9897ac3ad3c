"""The deflation-inflation split and the deflator what-if: analytic oracles."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from intelcap import prices  # noqa: E402
from intelcap.exceptions import DataError, ParameterError  # noqa: E402

YEARS = pd.Index([2021, 2022, 2023, 2024, 2025], name="year")


def test_split_index_rates_of_exponential_paths():
    service = pd.Series(50.0 * 0.1 ** np.arange(5), index=YEARS)  # falls 10x a year
    gpu = pd.Series(2.0 * 1.2 ** np.arange(5), index=YEARS)  # rises 20% a year
    levels, rates = prices.split_index({"service": service, "gpu": gpu}, base=2022)
    assert levels.loc[2022].tolist() == [1.0, 1.0]
    assert_allclose(rates["factor_per_year"], [0.1, 1.2], rtol=1e-12)
    assert_allclose(rates.loc["gpu", "percent_per_year"], 20.0, rtol=1e-12)
    ax = prices.plot_split(levels)
    assert len(ax.lines) == 3


def test_split_index_keeps_shared_periods_and_checks_input():
    a = pd.Series([1.0, 2.0, 3.0], index=[2020, 2021, 2022])
    b = pd.Series([1.0, 1.1], index=[2021, 2022])
    levels, _ = prices.split_index({"a": a, "b": b})
    assert list(levels.index) == [2021, 2022]
    with pytest.raises(DataError, match="share 1 period"):
        prices.split_index({"a": a, "b": pd.Series([1.0, 2.0], index=[2022, 2023])})
    with pytest.raises(DataError, match="'a'.*2021"):
        prices.split_index({"a": a.replace(2.0, -1.0), "b": b})


@pytest.fixture
def cpi():
    comps = pd.DataFrame({
        "food": 1.03 ** np.arange(5), "housing": 1.04 ** np.arange(5),
        "ai_services": 1.01 ** np.arange(5)}, index=YEARS)
    weights = pd.Series({"food": 0.3, "housing": 0.69, "ai_services": 0.01})
    return comps, weights


def test_whatif_quality_adjustment_changes_level_by_weight_times_gap(cpi):
    comps, weights = cpi
    qa = pd.Series(0.1 ** np.arange(5), index=YEARS)
    out = prices.deflator_whatif(comps, weights, ai_component="ai_services",
                                 quality_adjusted=qa, chained=False)
    assert_allclose(out["baseline"], comps.to_numpy() @ weights.to_numpy(), rtol=1e-15)
    assert_allclose(out["difference"], 0.01 * (qa - comps["ai_services"]), atol=1e-15)


def test_chained_whatif_inflation_gap_is_weight_times_link_gap(cpi):
    comps, weights = cpi
    qa = pd.Series(0.1 ** np.arange(5), index=YEARS)
    out = prices.deflator_whatif(comps, weights, ai_component="ai_services",
                                 quality_adjusted=qa)
    base_links = (comps / comps.shift()).iloc[1:].to_numpy() @ weights.to_numpy()
    assert_allclose(out["baseline_inflation"].iloc[1:], 100 * (base_links - 1), rtol=1e-12)
    assert_allclose(out["inflation_difference_pp"].iloc[1:], 100 * 0.01 * (0.1 - 1.01),
                    rtol=1e-10)


def test_whatif_reweighting(cpi):
    comps, weights = cpi
    out = prices.deflator_whatif(comps, weights, ai_component="ai_services", ai_weight=0.0,
                                 chained=False)
    ex = comps[["food", "housing"]].to_numpy() @ (weights[["food", "housing"]] / 0.99).to_numpy()
    assert_allclose(out["what_if"], ex, rtol=1e-14)
    same = prices.deflator_whatif(comps, weights, ai_component="ai_services", ai_weight=0.01)
    assert_allclose(same["difference"], 0.0, atol=1e-15)
    with pytest.raises(ParameterError, match="ai_weight"):
        prices.deflator_whatif(comps, weights, ai_component="ai_services", ai_weight=1.0)
    with pytest.raises(DataError, match="'llm'"):
        prices.deflator_whatif(comps, weights, ai_component="llm")
