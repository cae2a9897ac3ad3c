"""Tests of ThresholdRegression (Hansen 2000) against Hansen's published growth application.

Reference chain (res1 ours, res2 the reference): Hansen (2000, Econometrica 68(3), section 5,
the Durlauf-Johnson growth data, 96 countries) as produced by Hansen's own R programs, ported to
the R package thrreg (M. Kremer); the printed output of that port's script `test_script.R` for
the growth application is `output/output.tex` in the GitHub repository mlkremer/thrreg. The
specification there: y = GDPGwth; x = const, LogGDP1960, LogInvGDP, LogPopGwth, LogSchool;
h = 1 (White standard errors and the heteroskedasticity-corrected LR with Hansen's kernel
estimate of eta^2); estimation over all distinct values of q leaving k+2 = 7 observations per
regime; the test of no threshold trims 15 % and uses 1000 bootstrap replications.

Tolerances: values printed with 7 significant digits (SSEs, LM statistics) are tested with
rtol=1e-6; coefficients, White standard errors and slope intervals printed with 4-5 digits are
tested to half a unit of the last printed digit (the printed rounding). Threshold estimates and
confidence intervals are values of q and are tested exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.estimation._threshold_common import lr_critical_value
from intelcap.estimation.threshold import (
    ThresholdBootstrap,
    ThresholdRegression,
    ThresholdRegressionResults,
)
from intelcap.exceptions import (
    DataError,
    IntelcapError,
    MissingDataError,
    SpecificationError,
)

XCOLS = ["LogGDP1960", "LogInvGDP", "LogPopGwth", "LogSchool"]


def _printed_atol(values) -> np.ndarray:
    """Half a unit of the last printed digit of each value given as a string."""
    out = []
    for v in values:
        dec = len(v.split(".")[1]) if "." in v else 0
        out.append(0.5 * 10.0**-dec + 1e-12)
    return np.array(out)


def _ci(res, level=0.95, het=None) -> tuple[float, float]:
    """The threshold interval as (lower, upper); threshold_ci is a one-row DataFrame."""
    frame = res.threshold_ci(level, het=het)
    assert list(frame.columns) == ["threshold", "lower", "upper"]
    assert list(frame.index) == ["gamma1"] and frame.iloc[0, 0] == res.threshold
    return tuple(frame.iloc[0, 1:].tolist())


def _check_printed(res1, printed: list[str]) -> None:
    res2 = np.array([float(v) for v in printed])
    assert np.all(np.abs(np.asarray(res1) - res2) <= _printed_atol(printed)), (
        np.asarray(res1), res2)


@pytest.fixture(scope="module")
def growth() -> pd.DataFrame:
    from intelcap.datasets import hansen2000

    return hansen2000.load().reset_index()  # country_no as a column, rows numbered 0..95


@pytest.fixture(scope="module")
def first_split(growth) -> ThresholdRegressionResults:
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    return model.fit(het=True, bootstrap=1000, seed=20001, progress=False)


@pytest.fixture(scope="module")
def second_split(first_split, growth) -> ThresholdRegressionResults:
    model = first_split.split("upper", growth["Literacy"])
    return model.fit(het=True, bootstrap=1000, seed=20002, progress=False)


# ---------------------------------------------------------------------------------------------
# Hansen (2000), section 5: first split on GDP1960
# ---------------------------------------------------------------------------------------------
class TestHansen2000FirstSplit:
    """First sample split of Hansen (2000, sec. 5): output in 1960 at 863, 95 % CI [594, 1794]."""

    def test_threshold_and_ci(self, first_split):
        assert first_split.threshold == 863
        # thrreg output.tex: 0.9 [594, 1794], 0.95 [594, 1794], 0.99 [539, 4802]
        assert _ci(first_split, 0.90) == (594, 1794)
        assert _ci(first_split, 0.95) == (594, 1794)
        assert _ci(first_split, 0.99) == (539, 4802)

    def test_ssr(self, first_split):
        # "Sum of Squared Errors": joint 8.024881, regime 1 0.6742722, regime 2 7.350609,
        # global OLS 9.622743 (7 significant digits -> rtol 1e-6)
        assert_allclose(first_split.ssr, 8.024881, rtol=1e-6)
        assert_allclose(first_split.regime_ssr.to_numpy(), [0.6742722, 7.350609], rtol=1e-6)
        assert_allclose(first_split.ssr_linear, 9.622743, rtol=1e-6)
        assert first_split.regime_nobs.tolist() == [18, 78]
        assert_allclose(first_split.ssr_profile.loc[863], first_split.ssr, rtol=1e-10)

    def test_regime_coefficients_and_white_se(self, first_split):
        # Regime 1 (GDP1960 <= 863) and Regime 2 (> 863), "Parameter Estimates", printed rounding
        _check_printed(first_split.regime_params("lower"),
                       ["4.31203", "-0.65697", "0.22774", "-0.29487", "0.01806"])
        _check_printed(first_split.regime_std_errors("lower"),
                       ["1.62680", "0.21762", "0.07160", "0.33678", "0.09686"])
        _check_printed(first_split.regime_params("upper"),
                       ["3.6631", "-0.3234", "0.4957", "-0.4877", "0.3569"])
        _check_printed(first_split.regime_std_errors("upper"),
                       ["0.71905", "0.06144", "0.14497", "0.25532", "0.08997"])

    def test_slope_confidence_regions(self, first_split):
        # "0.95 Confidence Regions for Parameters" (two-step, first step 0.8). Hansen's program
        # rounds the normal critical value up to two decimals: 1.96 at 95 %, 1.65 at 90 %.
        ci = first_split.slope_conf_int(0.95, first_step=0.8, critical=1.96)
        k = len(XCOLS) + 1
        _check_printed(ci["lower"].iloc[:k],
                       ["0.68755", "-1.25007", "0.02471", "-1.51316", "-0.24701"])
        _check_printed(ci["upper"].iloc[:k], ["9.5624", "-0.1465", "0.5740", "0.9225", "0.4397"])
        _check_printed(ci["lower"].iloc[k:], ["1.8448", "-0.5230", "0.1823", "-1.0685", "-0.0848"])
        _check_printed(ci["upper"].iloc[k:],
                       ["5.79544", "-0.18203", "0.95436", "0.03369", "0.54919"])
        ci90 = first_split.slope_conf_int(0.90, critical=1.65)
        _check_printed(ci90["lower"].iloc[:k],
                       ["1.18837", "-1.20170", "0.06085", "-1.37220", "-0.21504"])
        _check_printed(ci90["upper"].iloc[k:],
                       ["5.48302", "-0.20099", "0.91018", "-0.05348", "0.52305"])

    def test_lm_test_of_no_threshold(self, first_split):
        # "Testing for a Sample Split, Using GDP_1960": LM 12.60184 at 833, bootstrap p 0.091
        test = first_split.test
        assert_allclose(test.stat, 12.60184, rtol=1e-6)
        assert test.threshold == 833
        assert test.reps == 1000 and test.seed == 20001
        # Monte Carlo band: both p-values come from 1000 draws; sd of the difference ~0.013
        assert abs(test.pval - 0.091) < 0.05
        cv = test.critical_values
        assert cv[0.10] < cv[0.05] < cv[0.01]


class TestHansen2000SecondSplit:
    """Hansen (2000, sec. 5): the > 863 subsample splits on literacy at 45, 95 % CI [19, 57]."""

    def test_threshold_and_ci(self, second_split):
        assert second_split.nobs == 78
        assert second_split.threshold == 45
        assert _ci(second_split, 0.90) == (29, 57)
        assert _ci(second_split, 0.95) == (19, 57)
        assert _ci(second_split, 0.99) == (14, 62)

    def test_ssr_and_se(self, second_split):
        assert_allclose(second_split.ssr, 6.198249, rtol=1e-6)
        assert_allclose(second_split.regime_ssr.to_numpy(), [2.609994, 3.588255], rtol=1e-6)
        assert_allclose(second_split.ssr_linear, 7.350609, rtol=1e-6)
        assert second_split.regime_nobs.tolist() == [30, 48]
        _check_printed(second_split.regime_params("lower"),
                       ["2.0923", "-0.1163", "0.1726", "-0.3902", "0.4525"])
        _check_printed(second_split.regime_std_errors("lower"),
                       ["1.8702", "0.1649", "0.2161", "0.5161", "0.1168"])
        _check_printed(second_split.regime_params("upper"),
                       ["4.31048", "-0.39503", "0.83364", "-0.41801", "0.09458"])
        _check_printed(second_split.regime_std_errors("upper"),
                       ["0.96516", "0.06103", "0.13937", "0.26957", "0.13489"])

    def test_slope_confidence_regions(self, second_split):
        ci = second_split.slope_conf_int(0.95, critical=1.96)
        _check_printed(ci["lower"].iloc[:5],
                       ["-1.8538", "-0.4709", "-0.3182", "-1.5932", "0.1954"])
        _check_printed(ci["upper"].iloc[5:], ["6.2292", "-0.2495", "1.1319", "0.1146", "0.4021"])

    def test_lm_test(self, second_split):
        # "Incomes above 863 ... Using Literacy": LM 12.09135 at 57, bootstrap p 0.073
        assert_allclose(second_split.test.stat, 12.09135, rtol=1e-6)
        assert second_split.test.threshold == 57
        assert abs(second_split.test.pval - 0.073) < 0.05


@pytest.mark.parametrize(
    ("subset", "qvar", "stat", "qmax"),
    [
        # thrreg output.tex, every other heteroskedasticity-robust test of the application
        ("all", "Literacy", 10.78627, 10),
        ("low", "GDP1960", 7.103181, 594),
        ("low", "Literacy", 5.16476, 10),
        ("high", "GDP1960", 11.00934, 1410),
        ("high_lowlit", "GDP1960", 7.423359, 1618),
        ("high_lowlit", "Literacy", 9.233321, 26),
        ("high_highlit", "GDP1960", 9.415477, 3493),
        ("high_highlit", "Literacy", 9.327215, 83),
    ],
)
def test_lm_statistics_of_every_split(growth, subset, qvar, stat, qmax):
    """sup-LM statistics and their arg-max of Hansen (2000, sec. 5), rtol 1e-6."""
    d = growth
    if subset == "low":
        d = d[d.GDP1960 <= 863]
    elif subset.startswith("high"):
        d = d[d.GDP1960 > 863]
    if subset == "high_lowlit":
        d = d[d.Literacy <= 45]
    elif subset == "high_highlit":
        d = d[d.Literacy > 45]
    # the 18 countries below 863 and the 30 above 863 with literacy <= 45: trimming 15 % leaves
    # 2 (4) observations for 5 regressors at the ends; Hansen's program skips those splits
    skip = "skip" if np.floor(0.15 * len(d)) < 5 else "raise"
    model = ThresholdRegression(d["GDPGwth"], d[XCOLS], d[qvar])
    res = model.fit(bootstrap=0, undersized=skip, progress=False)
    # bootstrap=0 keeps the statistic, with no p-value and 0 replications
    assert np.isnan(res.test.pval) and res.test.reps == 0
    assert_allclose(res.test.stat, stat, rtol=1e-6)
    test = model.fit(bootstrap=5, seed=1, undersized=skip, progress=False).test
    assert test.reps == 5 and 0 <= test.pval <= 1
    assert_allclose(test.stat, stat, rtol=1e-6)
    assert test.threshold == qmax


# ---------------------------------------------------------------------------------------------
# oracles: brute force, one OLS per candidate
# ---------------------------------------------------------------------------------------------
def _brute(y, x, q, ends_values):
    out = []
    for g in ends_values:
        lo = q <= g
        s = 0.0
        for m in (lo, ~lo):
            b = np.linalg.lstsq(x[m], y[m], rcond=None)[0]
            s += float(((y[m] - x[m] @ b) ** 2).sum())
        out.append(s)
    return np.array(out)


def test_profile_equals_brute_force_ols(growth):
    """S_n(g) from cumulative cross-products equals refitting OLS at every candidate."""
    res = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"]).fit(
        bootstrap=0, progress=False)
    x = np.column_stack([np.ones(len(growth)), growth[XCOLS].to_numpy()])
    prof = res.ssr_profile
    brute = _brute(growth["GDPGwth"].to_numpy(), x, growth["GDP1960"].to_numpy(),
                   prof.index.to_numpy())
    assert_allclose(prof.to_numpy(), brute, rtol=1e-9)
    lr = res.lr_profile(het=False)
    assert_allclose(lr.to_numpy(), 96 * (brute - brute.min()) / brute.min(), rtol=1e-7,
                    atol=1e-9)
    assert_allclose(res.lr.to_numpy(), lr.to_numpy() / res.eta2, rtol=1e-12)


def test_homoskedastic_sup_f_equals_brute_force(growth):
    """Homoskedastic sup-F = max over the 15 %-trimmed grid of n (S0 - S1(g)) / S1(g)."""
    y = growth["GDPGwth"].to_numpy()
    x = np.column_stack([np.ones(len(growth)), growth[XCOLS].to_numpy()])
    q = growth["GDP1960"].to_numpy()
    # Hansen's conventional SEs use the pooled sigma^2 = S/(n - 2k): the registry's
    # "unadjusted" with debiased=True
    res = ThresholdRegression(y, x[:, 1:], q).fit(het=False, debiased=True, bootstrap=20,
                                                   seed=3, progress=False)
    qs = np.sort(q)
    n = len(q)
    cand = np.unique(qs)
    cnt = np.searchsorted(qs, cand, side="right")
    cand = cand[(cnt >= np.floor(0.15 * n)) & (cnt <= np.floor(0.85 * n))]
    s1 = _brute(y, x, q, cand)
    f = n * (res.ssr_linear - s1) / s1
    assert_allclose(res.test.stat, f.max(), rtol=1e-9)
    assert res.test.name == "sup-F"
    assert res.cov_type == "unadjusted"
    # conventional SEs use the pooled sigma^2 = S/(n - 2k)
    lo = q <= res.threshold
    mi = np.linalg.inv(x[lo].T @ x[lo])
    assert_allclose(res.std_errors.iloc[:5], np.sqrt(np.diag(mi) * res.ssr / (n - 10)),
                    rtol=1e-10)


def test_quadratic_eta_and_homoskedastic_ci(growth):
    """The quadratic eta^2 gives another (wider) interval; het=False is the plain LR one."""
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    rq = model.fit(eta="quadratic", bootstrap=0, progress=False)
    rk = model.fit(bootstrap=0, progress=False)
    assert rq.eta_method == "quadratic" and rk.eta_method == "kernel"
    assert rq.threshold == rk.threshold == 863
    assert rq.eta2 != rk.eta2
    assert _ci(rq, 0.95, het=False) == _ci(rk, 0.95, het=False) == (594, 1794)
    lo, hi = _ci(rq, 0.95)
    assert lo <= 594 and hi >= 1794


# ---------------------------------------------------------------------------------------------
# bootstrap: reproducibility, chunking, vectorised equals one-at-a-time
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("het", [True, False])
def test_same_seed_same_pvalue(growth, het, monkeypatch):
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    a = model.fit(bootstrap=200, boot_het=het, seed=7, progress=False).test
    b = model.fit(bootstrap=ThresholdBootstrap(200, het=het), seed=7, progress=False).test
    assert a.pval == b.pval
    np.testing.assert_array_equal(a.replications, b.replications)
    # blocks of replications are a memory detail: one replication per block gives the same draws
    import intelcap.estimation._threshold_inference as mod

    monkeypatch.setattr(mod, "_CHUNK_ELEMENTS", 1)
    monkeypatch.setattr(mod, "_MIN_CHUNK", 1)
    c = model.fit(bootstrap=200, boot_het=het, seed=7, progress=False).test
    # (the robust V(g) is a difference of cumulative sums: block size moves the last digits)
    np.testing.assert_allclose(c.replications, a.replications, rtol=1e-7)
    d = model.fit(bootstrap=200, boot_het=het, seed=8, progress=False).test
    assert not np.array_equal(d.replications, a.replications)


def test_bootstrap_replication_is_the_statistic_on_bootstrap_data(growth):
    """Each robust replication equals the sample sup-LM computed on y* = e0 * u."""
    y = growth["GDPGwth"].to_numpy()
    x = growth[XCOLS].to_numpy()
    q = growth["GDP1960"].to_numpy()
    res = ThresholdRegression(y, x, q).fit(bootstrap=3, seed=11, progress=False)
    order = np.argsort(q, kind="stable")
    u = np.random.default_rng(11).standard_normal((3, len(y)))
    e0_sorted = res.model._y[order] - res.model._x[order] @ np.linalg.lstsq(
        res.model._x, res.model._y, rcond=None)[0]
    for b in range(3):
        ystar = np.empty_like(y)
        ystar[order] = u[b] * e0_sorted
        stat = ThresholdRegression(ystar, x, q).fit(bootstrap=1, seed=0, progress=False).test.stat
        assert_allclose(res.test.replications[b], stat, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# recovery on simulated data (Hansen 2000, sec. 4 style)
# ---------------------------------------------------------------------------------------------
def _simulate(rng, n, delta):
    q = rng.uniform(0, 1, n)
    x = rng.standard_normal(n)
    e = rng.standard_normal(n)
    y = 1 + x + delta * (1 + x) * (q > 0.5) + e
    return y, x, q


def test_coverage_of_the_threshold_confidence_interval():
    """Hansen (2000, Theorem 2 and the simulations of sec. 4): the 95 % LR interval covers the
    true threshold in about 95 % of samples when the threshold effect is small. 200 seeded
    samples of n = 300, delta = 0.25, homoskedastic errors. The Monte Carlo sd of a coverage
    rate is 0.015, so the band is [0.90, 0.995] for the plain LR and [0.88, 0.995] for the
    heteroskedasticity-corrected one (estimating eta^2 costs a little in small samples). For a
    larger effect the interval is conservative (delta = 1 gives 0.99), as Hansen reports."""
    rng = np.random.default_rng(31415)
    cover = np.zeros(2)
    for _ in range(200):
        y, x, q = _simulate(rng, 300, 0.25)
        res = ThresholdRegression(y, x, q).fit(bootstrap=0, progress=False)
        g0 = q[q <= 0.5].max()  # the true split, as a value of q
        for j, het in enumerate((False, True)):
            lo, hi = _ci(res, 0.95, het=het)
            cover[j] += lo <= g0 <= hi
    cover /= 200
    assert 0.90 <= cover[0] <= 0.995
    assert 0.88 <= cover[1] <= 0.995


def test_threshold_estimate_converges():
    """The least-squares threshold is super-consistent: the error shrinks faster than 1/sqrt(n)."""
    rng = np.random.default_rng(2718)
    err = {}
    for n in (150, 1200):
        e = []
        for _ in range(40):
            y, x, q = _simulate(rng, n, 1.0)
            e.append(abs(ThresholdRegression(y, x, q).fit(bootstrap=0, progress=False)
                         .threshold - 0.5))
        err[n] = np.mean(e)
    assert err[1200] < err[150] / 4
    assert err[1200] < 0.01


def test_threshold_invariant_to_monotone_rescaling_of_q(growth):
    """Splits depend on the order of q only: the estimate maps through an increasing map."""
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    res = model.fit(bootstrap=0, progress=False)
    res2 = ThresholdRegression(growth["GDPGwth"], growth[XCOLS],
                               np.log(growth["GDP1960"])).fit(bootstrap=0, progress=False)
    assert_allclose(res2.threshold, np.log(res.threshold), rtol=1e-12)
    assert_allclose(res2.ssr, res.ssr, rtol=1e-12)
    # rescaling y rescales the SSR and leaves the LR profile unchanged
    res3 = ThresholdRegression(10 * growth["GDPGwth"], growth[XCOLS], growth["GDP1960"]).fit(
        bootstrap=0, progress=False)
    assert_allclose(res3.ssr, 100 * res.ssr, rtol=1e-10)
    assert_allclose(res3.lr.to_numpy(), res.lr.to_numpy(), rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# results vocabulary, pandas boundary, plot, summary
# ---------------------------------------------------------------------------------------------
def test_results_vocabulary(first_split, growth):
    r = first_split
    assert isinstance(r.params, pd.Series) and r.params.index[0] == "const[GDP1960<=g]"
    assert r.params.index[-1] == "LogSchool[GDP1960>g]"
    assert r.nobs == 96 and r.df_resid == 86
    assert r.resids.index.equals(growth.index)
    assert_allclose((r.resids**2).sum(), r.ssr, rtol=1e-12)
    assert_allclose(r.fitted_values + r.resids, growth["GDPGwth"], rtol=1e-12)
    assert (r.regimes == "lower").sum() == 18
    assert r.regimes[growth.GDP1960 <= 863].eq("lower").all()
    assert isinstance(r.lr, pd.Series) and r.lr.index.name == "GDP1960"
    assert r.lr.min() == 0 and r.lr.idxmin() == 863
    text = r.summary.as_text()
    assert "GDP1960" in text and "[594, 1794]" in text
    assert "LogGDP1960" in r.summary.as_latex()
    assert "<table" in r._repr_html_()
    assert r.conf_int().shape == (10, 2)


def test_numpy_input_and_plot(growth):
    import matplotlib

    matplotlib.use("Agg")
    res = ThresholdRegression(growth["GDPGwth"].to_numpy(), growth[XCOLS].to_numpy(),
                              growth["GDP1960"].to_numpy()).fit(bootstrap=0, progress=False)
    assert res.params.index[1] == "x1[q<=g]"
    assert res.threshold == 863
    ax = res.plot()
    fig = ax.figure
    assert len(ax.lines) == 2
    assert_allclose(ax.lines[1].get_ydata()[0], lr_critical_value(0.95))
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_results_are_independent_fits(growth):
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    a = model.fit(bootstrap=0, progress=False)
    b = model.fit(bootstrap=0, cov_type="unadjusted", progress=False)
    assert a.cov_type == "robust" and b.cov_type == "unadjusted"
    assert not np.allclose(a.std_errors, b.std_errors)
    assert_allclose(a.params, b.params)


def test_trimmed_and_user_grids(growth):
    model = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"])
    rt = model.fit(grid="trimmed", bootstrap=0, progress=False)
    assert rt.threshold == 863
    assert rt.lr.index.min() == 777  # 14 = floor(0.15 * 96) countries at or below 777
    ru = model.fit(grid=[700, 863, 1000.5], bootstrap=0, progress=False)
    assert ru.threshold == 863 and len(ru.lr) == 3


# ---------------------------------------------------------------------------------------------
# bad input -> IntelcapError naming the cause
# ---------------------------------------------------------------------------------------------
def test_bad_input(growth):
    y, x, q = growth["GDPGwth"], growth[XCOLS], growth["GDP1960"]
    with pytest.raises(SpecificationError, match="'GDP1960' is constant"):
        ThresholdRegression(y, x, q * 0 + 5)
    with pytest.raises(MissingDataError, match="'GDP1960' is all missing"):
        ThresholdRegression(y, x, q * np.nan)
    qn = q.copy()
    qn.iloc[3] = np.nan
    with pytest.raises(MissingDataError, match="'GDP1960'.*row 3"):
        ThresholdRegression(y, x, qn)
    xn = x.copy()
    xn.iloc[5, 1] = np.nan
    with pytest.raises(MissingDataError, match="'LogInvGDP'"):
        ThresholdRegression(y, xn, q)
    assert ThresholdRegression(y, xn, qn, missing="drop").nobs == 94
    with pytest.raises(DataError, match="index"):
        ThresholdRegression(y, x, q.reset_index(drop=True).set_axis(q.index + 1))
    with pytest.raises(SpecificationError, match="fewer than the 5 regressors"):
        ThresholdRegression(y.iloc[:30], x.iloc[:30], q.iloc[:30]).fit(trim=0.1,
                                                                       progress=False)
    with pytest.raises(SpecificationError, match="grid value"):
        ThresholdRegression(y, x, q).fit(grid=[q.min()], progress=False)
    with pytest.raises(SpecificationError, match="collinear"):
        ThresholdRegression(y, pd.concat([x, x["LogSchool"].rename("dup")], axis=1), q)
    with pytest.raises(SpecificationError, match="'const'"):
        ThresholdRegression(y, x.assign(const=1.0), q)
    with pytest.raises(SpecificationError, match="eta"):
        ThresholdRegression(y, x, q).fit(eta="spline")
    with pytest.raises(SpecificationError, match="trim"):
        ThresholdRegression(y, x, q).fit(trim=0.6)
    with pytest.raises(IntelcapError, match="reps"):
        ThresholdRegression(y, x, q).fit(bootstrap=-1)
    with pytest.raises(DataError, match="differ in length"):
        ThresholdRegression(y.to_numpy(), x.to_numpy()[:-1], q.to_numpy())


# ---------------------------------------------------------------------------------------------
# property: the split depends on the order of q only
# ---------------------------------------------------------------------------------------------
_PROP_RNG = np.random.default_rng(99)
_PROP_Y, _PROP_X, _PROP_Q = _simulate(_PROP_RNG, 120, 1.0)
_PROP_FIT = ThresholdRegression(_PROP_Y, _PROP_X, _PROP_Q).fit(eta="quadratic", bootstrap=0,
                                                                progress=False)


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(1e-3, 1e3), shift=st.floats(-1e3, 1e3))
def test_property_affine_map_of_q(scale, shift):
    """For q -> a q + b with a > 0 the estimate maps the same way, the SSR is unchanged and so
    are the plain and the quadratic-eta confidence sets. (Hansen's kernel plug-in bandwidth is
    not equivariant to the units of q, so the kernel-corrected set is not checked here.)"""
    res = ThresholdRegression(_PROP_Y, _PROP_X, scale * _PROP_Q + shift).fit(
        eta="quadratic", bootstrap=0, progress=False)
    assert_allclose(res.threshold, scale * _PROP_FIT.threshold + shift, rtol=1e-9, atol=1e-9)
    assert_allclose(res.ssr, _PROP_FIT.ssr, rtol=1e-10)
    for het in (False, True):
        assert _ci(res, 0.95, het=het) == pytest.approx(
            tuple(scale * g + shift for g in _ci(_PROP_FIT, 0.95, het=het)),
            rel=1e-9, abs=1e-9)


def test_bootstrap_config_and_split_errors(growth):
    cfg = ThresholdBootstrap(300, het=False)
    assert "300" in str(cfg) and "sup-F" in str(cfg)
    res = ThresholdRegression(growth["GDPGwth"], growth[XCOLS], growth["GDP1960"]).fit(
        bootstrap=cfg, seed=1, progress=False)
    assert res.test.name == "sup-F" and res.test.reps == 300
    assert res.cov_type == "robust"  # het=True still drives the SEs and the CI
    with pytest.raises(SpecificationError, match="regime"):
        res.split("middle")
    with pytest.raises(DataError, match="values"):
        res.split("upper", np.arange(5.0))
