"""Token-usage scenarios (intelcap.growth.scenarios).

Published: J.P. Morgan's projection of global token consumption, 10 -> 3,900 quadrillion tokens
a year over 2025-2030, quoted with "330% CAGR" and "400-fold" (the source article of the tokens
issue). Its own endpoints give 390x and a CAGR of 390^(1/5) - 1 = 229.8% (a 3.30x yearly
multiple): both wordings are flagged. Data: China's four official daily-token figures
(intelcap.datasets.china_tokens). Oracle for the fits: the exponential on the log scale is OLS of
ln y on t.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("intelcap.tokens.diffusion",
                    reason="intelcap.tokens.diffusion (tokens branch) is not merged yet")

from intelcap.datasets import china_tokens  # noqa: E402
from intelcap.exceptions import DataError, SpecificationError  # noqa: E402
from intelcap.growth import JPMORGAN, check_jpmorgan, token_scenarios  # noqa: E402


def test_jpmorgan_arithmetic_is_checked():
    res1 = check_jpmorgan()
    assert JPMORGAN["end"] / JPMORGAN["start"] == pytest.approx(390.0, rel=1e-12)
    cagr = 390.0 ** (1 / 5) - 1
    assert_allclose(res1.loc["330% CAGR", "consistent CAGR"], cagr, rtol=1e-12)
    assert abs(cagr - 2.30) < 0.005  # "a 230% CAGR (a 3.30x yearly multiple)"
    assert not res1.loc["330% CAGR", "consistent"]
    assert not res1.loc["400-fold", "consistent"]
    assert_allclose(res1.loc["400-fold", "implied"], 390.0, rtol=1e-12)


@pytest.fixture(scope="module")
def scen():
    return token_scenarios()


def test_exponential_fit_is_ols_on_logs(scen):
    data = china_tokens.load()
    start = pd.Period("2022-11", freq="M")
    t = np.array([(p - start).n for p in data.index], dtype=float)
    b, c = np.polyfit(t, np.log(data["daily_tokens"].to_numpy()), 1)
    fit = scen.fits["exponential"]
    assert_allclose(fit.params["b"], b, rtol=1e-7)
    assert_allclose(np.log(fit.params["a"]), c, rtol=1e-7)
    last = scen.paths.index[-1]
    assert_allclose(scen.paths[("exponential", "predicted")].loc[last],
                    np.exp(c + b * (last - start).n), rtol=1e-6)


def test_projection_shapes_intervals_and_honest_notes(scen):
    p = scen.paths
    assert str(p.index[0]) == "2024-01" and str(p.index[-1]) == "2030-12"
    for m in ("exponential", "logistic", "gompertz", "bass"):
        assert (p[(m, "lower")] <= p[(m, "predicted")]).all()
        assert (p[(m, "predicted")] <= p[(m, "upper")]).all()
    assert scen.fits["exponential"].df_resid == 2
    assert all(scen.fits[m].df_resid == 1 for m in ("logistic", "gompertz", "bass"))
    text = str(scen)
    assert "4 official figures" in text and "lower bounds" in text
    assert_allclose(scen.table.loc["logistic", "a year (x365, quadrillion)"],
                    365 * p[("logistic", "predicted")].iloc[-1] / 1e15)


def test_bad_input():
    with pytest.raises(SpecificationError, match="not recognised"):
        token_scenarios(models=["linear"])
    data = china_tokens.load()
    with pytest.raises(DataError, match="after origin"):
        token_scenarios(data, origin="2025-01")
    with pytest.raises(DataError, match="daily_tokens"):
        token_scenarios(data.rename(columns={"daily_tokens": "x"}))
