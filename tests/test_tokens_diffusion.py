"""Diffusion fits (intelcap.tokens.diffusion): recovery of known parameters from simulated data.

No published fit to reproduce: the oracle is simulation. Curves with known parameters and
log-normal errors (sd 0.05, 40 points, seed 20261130) are fitted R times; the share of 95%
intervals covering the truth must be within three binomial standard errors of 0.95.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from intelcap.exceptions import DataError, IntelcapError
from intelcap.tokens.diffusion import (
    DIFFUSION_MODELS,
    compare_diffusion,
    fit_diffusion,
    out_of_sample,
)

TRUE = {
    "exponential": (2.0, 0.1),
    "logistic": (100.0, 0.3, 20.0),
    "gompertz": (100.0, 0.2, 15.0),
    "bass": (100.0, 0.01, 0.3),
}
R = 100


@pytest.mark.parametrize("model", list(TRUE))
def test_recovery_at_nominal_coverage(model):
    rng = np.random.default_rng(20261130)
    t = np.arange(1, 41, dtype=float)
    theta = np.array(TRUE[model])
    spec = DIFFUSION_MODELS[model]
    cover = np.zeros(theta.size)
    pi_cover = 0
    t_new = np.array([45.0])
    for _ in range(R):
        y = spec(t, theta) * np.exp(rng.normal(0.0, 0.05, t.size))
        res = fit_diffusion(t, y, model)
        assert res.converged
        ci = res.conf_int(0.95)
        cover += (ci["lower"].to_numpy() <= theta) & (theta <= ci["upper"].to_numpy())
        y_new = spec(t_new, theta) * np.exp(rng.normal(0.0, 0.05))
        pi = res.prediction_interval(t_new, 0.95)
        pi_cover += int(pi["lower"].iloc[0] <= y_new[0] <= pi["upper"].iloc[0])
    band = 3 * math.sqrt(0.95 * 0.05 / R)
    np.testing.assert_array_less(np.abs(cover / R - 0.95), band)
    assert abs(pi_cover / R - 0.95) < band


def test_exponential_on_log_scale_is_ols():
    rng = np.random.default_rng(1)
    t = np.arange(10.0)
    y = 3.0 * np.exp(0.2 * t + rng.normal(0, 0.1, 10))
    res = fit_diffusion(t, y, "exponential")
    b, c = np.polyfit(t, np.log(y), 1)
    assert res.params["b"] == pytest.approx(b, rel=1e-9)
    assert res.params["a"] == pytest.approx(math.exp(c), rel=1e-9)
    # OLS slope standard error
    X = np.column_stack([np.ones(10), t])
    e = np.log(y) - X @ [c, b]
    se_b = math.sqrt(e @ e / 8 * np.linalg.inv(X.T @ X)[1, 1])
    assert res.std_errors["b"] == pytest.approx(se_b, rel=1e-6)


def test_pandas_in_pandas_out_and_information_criteria():
    t = pd.Series(np.arange(1.0, 31.0), index=pd.RangeIndex(100, 130))
    y = pd.Series(DIFFUSION_MODELS["logistic"](t, (50, 0.4, 12)), index=t.index, name="tokens")
    y = y * np.exp(np.random.default_rng(2).normal(0, 0.02, 30))
    res = fit_diffusion(t, y, "logistic")
    assert list(res.resids.index) == list(t.index)
    assert res.dependent == "tokens"
    n, k = 30, 4
    assert res.aic == pytest.approx(n * math.log(res.ssr / n) + n * (1 + math.log(2 * math.pi))
                                    + 2 * k)
    assert res.bic - res.aic == pytest.approx(k * (math.log(n) - 2))
    table = compare_diffusion(t, y, n_test=5)
    assert table.loc["logistic", "aic"] < table.loc["exponential", "aic"]
    oos = out_of_sample(t, y, "logistic", n_test=5)
    assert len(oos) == 5 and oos["inside"].sum() >= 3
    assert oos["log_error"].abs().max() < 5 * 0.02


def test_bad_input():
    with pytest.raises(DataError, match="more than 3"):
        fit_diffusion([1, 2, 3], [1, 2, 3], "logistic")
    with pytest.raises(DataError, match="row 2"):
        fit_diffusion(np.arange(5.0), pd.Series([1, 2, -3, 4, 5.0]), "exponential")
    with pytest.raises(IntelcapError, match="model"):
        fit_diffusion(np.arange(5.0), np.arange(1, 6.0), "richards")
    with pytest.raises(IntelcapError, match="NaN"):
        fit_diffusion(np.arange(5.0), [1, 2, np.nan, 4, 5], "exponential")
