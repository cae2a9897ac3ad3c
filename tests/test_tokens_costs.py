"""Cost curves and price-performance (intelcap.tokens.costs, .price_performance).

Oracles: exact recovery from noiseless data; OLS algebra (the SEs of an OLS of AC on 1/Q);
simulation recovery of known parameters inside 95% intervals at the nominal rate (seed
20261130, 200 replications, three binomial standard errors); hand-computed index numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from intelcap.exceptions import DataError, IntelcapError
from intelcap.tokens.costs import fit_average_cost, fit_learning_curve
from intelcap.tokens.price_performance import (
    blended_price,
    cheapest_above,
    frontier,
    matched_model_index,
    price_performance,
)


def test_average_cost_exact_and_coverage():
    q = np.geomspace(1e3, 1e7, 30)
    exact = fit_average_cost(q, 5e4 / q + 0.2)
    assert exact.params["F"] == pytest.approx(5e4, rel=1e-9)
    assert exact.params["c"] == pytest.approx(0.2, rel=1e-9)
    rng = np.random.default_rng(20261130)
    reps, hit = 200, np.zeros(2)
    for _ in range(reps):
        ac = 5e4 / q + 0.2 + rng.normal(0, 0.5, q.size)
        ci = fit_average_cost(q, ac, debiased=True).conf_int()
        hit += (ci["lower"].to_numpy() <= [5e4, 0.2]) & ([5e4, 0.2] <= ci["upper"].to_numpy())
    assert np.all(np.abs(hit / reps - 0.95) < 3 * math.sqrt(0.95 * 0.05 / reps))


@pytest.mark.parametrize(("cov_type", "debiased", "factor"), [
    ("robust", True, 50 / 48), ("HC1", False, 50 / 48), ("robust", False, 1.0)],
    ids=["robust-debiased=HC1", "HC1", "robust=HC0"])
def test_average_cost_robust_se(cov_type, debiased, factor):
    rng = np.random.default_rng(1)
    q = rng.uniform(1, 100, 50)
    ac = 10 / q + 1 + rng.normal(0, 0.1, 50) * q / 50
    res = fit_average_cost(q, ac, cov_type=cov_type, debiased=debiased)
    X = np.column_stack([1 / q, np.ones(50)])
    e = res.resids.to_numpy()
    bread = np.linalg.inv(X.T @ X)
    hc = factor * bread @ (X.T * e**2) @ X @ bread
    np.testing.assert_allclose(res.std_errors, np.sqrt(np.diag(hc)), rtol=1e-10)
    assert res.distribution == ("t" if debiased else "normal")


def test_learning_curve_rate_and_band_coverage():
    n = np.geomspace(1, 1e4, 25)
    b = -math.log2(0.8)  # 20% cheaper per doubling
    exact = fit_learning_curve(n, 100 * n ** (-b))
    assert exact.learning_rate == pytest.approx(0.2, rel=1e-10)
    assert exact.progress_ratio == pytest.approx(0.8, rel=1e-10)
    rng = np.random.default_rng(20261130)
    reps, hit_b, hit_pi = 200, 0, 0
    for _ in range(reps):
        c = 100 * n ** (-b) * np.exp(rng.normal(0, 0.1, n.size))
        res = fit_learning_curve(n, c, debiased=True)  # exact small-sample t intervals
        lo, hi = res.conf_int().loc["b"]
        hit_b += lo <= b <= hi
        new = 100 * 2e4 ** (-b) * math.exp(rng.normal(0, 0.1))
        band = res.prediction_interval([2e4]).iloc[0]
        hit_pi += band["lower"] <= new <= band["upper"]
    tol = 3 * math.sqrt(0.95 * 0.05 / reps)
    assert abs(hit_b / reps - 0.95) < tol and abs(hit_pi / reps - 0.95) < tol
    assert "Learning rate per doubling" in str(res)


def test_cost_bad_input():
    with pytest.raises(DataError, match="quantity"):
        fit_average_cost([1, 0, 3], [1, 2, 3])
    with pytest.raises(DataError, match="no variation"):
        fit_learning_curve([5, 5, 5], [1, 2, 3])
    with pytest.raises(IntelcapError, match="cov_type"):
        fit_average_cost([1, 2, 3], [1, 2, 3], cov_type="hac")


def test_price_performance_frontier_and_index():
    assert blended_price(1.0, 5.0) == pytest.approx(2.0)
    df = pd.DataFrame({
        "period": [1, 1, 2, 2, 3],
        "model": ["a", "b", "a", "c", "c"],
        "price": [2.0, 4.0, 1.0, 10.0, 5.0],
        "capability": [50.0, 80.0, 50.0, 90.0, 90.0],
    })
    df["price_performance"] = price_performance(df["capability"], df["price"])
    fr = frontier(df)
    assert fr["price_performance"].tolist() == [25.0, 50.0, 50.0]
    assert fr["model"].tolist() == ["a", "a", "a"]
    ch = cheapest_above(df, 80)
    assert ch["price"].tolist() == [4.0, 4.0, 4.0] and ch["model"].tolist() == ["b", "b", "b"]
    idx = matched_model_index(df)
    # period 2: only a matched, 2 -> 1; period 3: only c matched, 10 -> 5
    np.testing.assert_allclose(idx.to_numpy(), [100.0, 50.0, 25.0])
    w = df.assign(spend=[1.0, 3.0, 1.0, 1.0, 1.0])
    assert matched_model_index(w, weight="spend").iloc[1] == pytest.approx(50.0)
    assert np.isnan(price_performance(np.array([1.0]), np.array([0.0]))[0])


def test_matched_model_index_warns_about_a_missing_weight() -> None:
    """A matched model with prices but no weight is left out of the link, with a warning
    (never a silent weight of 0 on one side). Analytic: only model a (2 -> 1) is weighted, so
    the Tornqvist link is exp(ln(1/2)) = 1/2."""
    from intelcap.exceptions import IntelcapWarning

    df = pd.DataFrame({"period": [1, 1, 2, 2], "model": ["a", "b", "a", "b"],
                       "price": [2.0, 4.0, 1.0, 3.0], "spend": [1.0, np.nan, 1.0, 1.0]})
    with pytest.warns(IntelcapWarning, match="model 'b' from period 1 to 2"):
        idx = matched_model_index(df, weight="spend")
    np.testing.assert_allclose(idx.to_numpy(), [100.0, 50.0], rtol=1e-14)
