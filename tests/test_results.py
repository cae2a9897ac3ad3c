"""The results base class and summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from intelcap.estimation import InvalidTestStatistic, Results, TestStatistic, compare


@pytest.fixture
def res():
    params = pd.Series([1.0, -2.0], index=["const", "ln_K"])
    cov = np.array([[0.25, 0.0], [0.0, 1.0]])
    resids = pd.Series([0.1, -0.2, 0.3, -0.2], index=list("abcd"))
    return Results(params, cov, nobs=4, df_resid=2, resids=resids, dependent="ln_Y")


def test_vocabulary(res):
    np.testing.assert_allclose(res.std_errors, [0.5, 1.0])
    np.testing.assert_allclose(res.tstats, [2.0, -2.0])
    # two-sided t(2) p-value of |t| = 2, from scipy's t distribution
    np.testing.assert_allclose(res.pvalues, 2 * stats.t(2).sf(2.0))
    ci = res.conf_int(0.95)
    q = stats.t(2).ppf(0.975)
    np.testing.assert_allclose(ci["upper"], [1 + 0.5 * q, -2 + q])
    assert res.ssr == pytest.approx(0.01 + 0.04 + 0.09 + 0.04)
    assert list(res.resids.index) == list("abcd")


def test_summary_renders(res):
    text = str(res)
    assert "ln_K" in text and "Parameter Estimates" in text
    assert "<table" in res._repr_html_()
    latex = res.summary.as_latex()
    assert r"ln\_K" in latex and "ln_K" not in latex.replace(r"ln\_K", "")
    table = compare({"a": res, "b": res})
    assert "ln_K" in table.as_text()


def test_test_statistics():
    t = TestStatistic(3.0, 0.02, null="no threshold", dist_name="bootstrap",
                      critical_values={0.1: 2.0, 0.05: 2.5, 0.01: 4.0},
                      replications=np.arange(10.0), seed=1)
    assert t.reps == 10 and t.valid and "5%" in str(t)
    bad = InvalidTestStatistic("fewer observations than regressors", name="F1")
    assert not bad.valid and np.isnan(bad.stat) and "fewer" in str(bad)
