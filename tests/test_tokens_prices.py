"""Price declines at constant capability: Epoch AI's published factors reproduced.

Source: Epoch AI, "LLM inference prices have fallen rapidly but unequally across tasks"
(data insight, 2025-03-12), results file lowest_price_models_results.csv of
epoch-research/llm-benchmark-efficiency (bundled as ``datasets.epoch_llm_prices``): 21 annual
price-reduction factors ("9x to 900x per year") with 90% intervals and R^2, fitted to the
cheapest model above each threshold over time (the points bundled as ``cheapest_models``).
Tolerances: factors and interval ends 1e-8 relative (the same OLS, a 365-day year); R^2 0.005
(published to two decimals).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from intelcap.tokens.price_performance import annual_decline_factor


def test_epoch_price_reduction_factors_reproduced():
    from intelcap.datasets import epoch_llm_prices

    published = epoch_llm_prices.load("decline_rates")
    points = epoch_llm_prices.load("cheapest_models")
    assert len(published) == 21
    for _, row in published.iterrows():
        g = points[(points["bench"] == row["bench"])
                   & (points["threshold_model"] == row["threshold_model"])]
        assert len(g) == row["sample_size"]
        res = annual_decline_factor(g["Release Date"], g["USD per 1M Tokens"], level=0.90)
        lo, hi = json.loads(row["price_reduction_factor_per_year_90_ci"])
        np.testing.assert_allclose([res["factor"], res["lower"], res["upper"]],
                                   [row["price_reduction_factor_per_year"], lo, hi],
                                   rtol=1e-8, err_msg=f"{row['bench']} / {row['threshold_model']}")
        assert res["r_squared"] == pytest.approx(row["r_squared"], abs=0.005)
