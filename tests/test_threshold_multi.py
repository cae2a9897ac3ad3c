"""ThresholdRegression.fit_sequential: several thresholds on one variable (Hansen 2000, sec. 5;
Bai 1997 sequential estimation and refinement).

Published reference: the second step's tests are Hansen's tests of a further split of each
subsample on the same variable (Hansen 2000, sec. 5; the printed output of Hansen's programs
as ported to R in thrreg, `output/output.tex` in the GitHub repository mlkremer/thrreg): the
heteroskedasticity-robust sup-LM in the countries with GDP1960 <= 863 is 7.103181 (sup at 594)
and above 863 it is 11.00934 (sup at 1410); the first step's is 12.60184 (at 833). Printed to
7 significant digits: rtol 1e-6. No publication reports the two-threshold least-squares
estimates on GDP1960, so those are checked against brute force (OLS of the three-regime model
at every candidate) and simulated recovery (seed stated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from intelcap.estimation.threshold import MultipleThresholdResults, ThresholdRegression
from intelcap.exceptions import SpecificationError

XCOLS = ["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]


@pytest.fixture(scope="module")
def growth() -> pd.DataFrame:
    from intelcap.datasets import hansen2000

    return hansen2000.load()


@pytest.fixture(scope="module")
def two(growth) -> MultipleThresholdResults:
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    return model.fit_sequential(2, bootstrap=20, seed=3, progress=False)


def _ssr_regimes(y, x, q, thresholds) -> float:
    edges = [-np.inf, *sorted(thresholds), np.inf]
    s = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (q > lo) & (q <= hi)
        e = y[m] - x[m] @ np.linalg.lstsq(x[m], y[m], rcond=None)[0]
        s += float(e @ e)
    return s


def _design(growth):
    y = growth["GDPGwth"].to_numpy()
    x = np.column_stack([np.ones(len(y)), growth[XCOLS].to_numpy()])
    return y, x, growth["GDP1960"].to_numpy()


def _brute_argmin(y, x, q, fixed, lo, hi, k=5):
    """argmin over q values in (lo, hi] leaving k+2 observations on each side within the
    segment, of the SSR of the model with thresholds fixed + [g]."""
    seg = np.sort(q[(q > lo) & (q <= hi)])
    best = None
    for g in np.unique(seg):
        n1 = int((seg <= g).sum())
        if n1 < k + 2 or len(seg) - n1 < k + 2:
            continue
        s = _ssr_regimes(y, x, q, [*fixed, g])
        if best is None or s < best[0]:
            best = (s, g)
    return best[1]


def test_segment_tests_reproduce_hansens_published_statistics(two):
    t = two.tests
    assert_allclose(t.loc[0, "statistic"], 12.60184, rtol=1e-6)
    assert t.loc[0, "argmax"] == 833
    low = t[t.segment == "GDP1960 <= 863"].iloc[0]
    high = t[t.segment == "GDP1960 > 863"].iloc[0]
    assert_allclose(low["statistic"], 7.103181, rtol=1e-6)
    assert low["argmax"] == 594
    assert_allclose(high["statistic"], 11.00934, rtol=1e-6)
    assert high["argmax"] == 1410
    assert (t["reps"] == 20).all() and t["pvalue"].between(0, 1).all()


def test_second_threshold_and_refinement_equal_brute_force(two, growth):
    y, x, q = _design(growth)
    assert two.unrefined_thresholds["gamma1"] == 863
    # the second threshold: best split of either segment given 863
    g2 = min((_brute_argmin(y, x, q, [863.0], lo, hi) for lo, hi in
              ((-np.inf, 863.0), (863.0, np.inf))),
             key=lambda g: _ssr_regimes(y, x, q, [863.0, g]))
    assert two.unrefined_thresholds["gamma2"] == g2
    # refinement: gamma1 re-estimated below gamma2, gamma2 above the unrefined gamma1
    assert two.thresholds["gamma1"] == _brute_argmin(y, x, q, [g2], -np.inf, g2)
    assert two.thresholds["gamma2"] == _brute_argmin(y, x, q, [863.0], 863.0, np.inf)
    assert_allclose(two.ssr, _ssr_regimes(y, x, q, list(two.thresholds)), rtol=1e-10)
    assert len(two.params) == 15 and two.params.index[5] == "const[g1<GDP1960<=g2]"


def test_results_surface(two):
    ci = two.threshold_ci(0.95)
    assert list(ci.columns) == ["threshold", "lower", "upper"]
    assert list(ci.index) == ["gamma1", "gamma2"]
    for name, thr in two.thresholds.items():
        assert ci.loc[name, "lower"] <= thr <= ci.loc[name, "upper"]
    assert two.regimes.nunique() == 3
    with pytest.raises(AttributeError, match="immutable"):
        two.refined = False
    import matplotlib

    matplotlib.use("Agg")
    ax = two.plot()
    assert len(ax.lines) == 3
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    assert "gamma2" in two.summary.as_text()


def test_recovery_of_two_thresholds():
    """Simulated three-regime data (seed 4242, n = 1500, thresholds 0.3 and 0.7 of a uniform
    q, jumps of 1.5 in the intercept and slope): both thresholds are recovered within 0.02 and
    the step-2 test in the segment holding the second one rejects at 1 %."""
    rng = np.random.default_rng(4242)
    n = 1500
    q = rng.uniform(0, 1, n)
    x = rng.standard_normal(n)
    reg = (q > 0.3).astype(int) + (q > 0.7).astype(int)
    y = 1.5 * reg + (1 + 1.5 * (reg == 1)) * x + rng.standard_normal(n)
    res = ThresholdRegression(y, x, q).fit_sequential(2, bootstrap=100, seed=1, progress=False)
    assert_allclose(res.thresholds.to_numpy(), [0.3, 0.7], atol=0.02)
    step2 = res.tests[res.tests.step == 2]
    assert step2["pvalue"].min() <= 0.01


def test_errors(growth):
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"],
                                nonswitching=["LogSchool"])
    with pytest.raises(SpecificationError, match="every regressor"):
        model.fit_sequential(2, bootstrap=0)
    plain = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    with pytest.raises(SpecificationError, match=">= 1"):
        plain.fit_sequential(0)
