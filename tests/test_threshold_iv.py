"""IVThresholdRegression: the threshold model with endogenous regressors of Caner and Hansen
(2004, Econometric Theory 20(5), 813-843), its threshold reduced form and its test of no
threshold.

No published value is asserted: no paper, manual or program output found prints Caner-Hansen
estimates on data a user of intelcap has (the bundled loaders, linearmodels' or statsmodels'
datasets). Searched, one line each (documentation, web pages, code, issue threads):

- Caner and Hansen (2004) itself: the application named on Hansen's page for the paper is the
  term structure of interest rates (threshold error-correction in bivariate cointegrating
  VECMs; data not bundled); the journal abstract names only the Monte Carlo.
- Hansen's GAUSS program for the paper and its R port (IVTAR.R): a simulated example only, no
  printed output on real data.
- Kourtellos, Stengos and Tan, "THRET" (Cyprus DP 2008-03) and "Structural threshold regression"
  (Econometric Theory 2016): an endogenous threshold variable with an inverse-Mills correction,
  a different estimator; the published abstract names only a Monte Carlo, and the discussion
  paper's growth example could not be read in the stored copies.
- Papageorgiou (2002) and Masanjala and Papageorgiou (2004): Hansen (2000) least-squares splits
  of Durlauf-Johnson-type data, no instruments.
- Tan (2010, J. Applied Econometrics) "No one true path": regression trees (GUIDE), no IV
  threshold; institutions and fractionalization data not bundled.
- Kremer, Bick and Nautz (2013): a dynamic panel threshold (forward orthogonal deviations) on
  124 countries 1950-2004, not bundled; Stata's ``xtendothresdpd`` implements it with
  ``xtdpd`` slopes and its help example uses its own data set.
- "New control function approaches in threshold regression with endogeneity" (Econometric
  Theory, online 2023): endogenous threshold variable, trade application, data not bundled.
- Software: Stata's ``threshold`` has no IV variant; R's thrreg (Hansen 2000), pdR (Hansen
  1999) and tsDyn (SETAR/TVAR) have none either, and PanelTM's panel GMM threshold is another
  estimator; the dynamic panel threshold of Seo and Shin (Stata ``xthenreg``, Python
  pyxtdpthresh) is first-difference GMM, a different estimator; a Stata IV-threshold help
  file (``thivreg``) shows a simulated example only.
- linearmodels' ``card`` data (college proximity): no published Caner-Hansen table on it found.

Checked instead: the threshold equals the brute-force argmin of the concentrated 2SLS criterion
(OLS of y on the first-stage fitted regressors split at every candidate); the regime slopes and
J statistics equal linearmodels' two-step IVGMM on each regime's observations (an independent
computation, rtol 1e-8); the covariance equals the written-out efficient-GMM formula of Caner
and Hansen's Theorem 3; and the simulation design of Caner and Hansen's published GAUSS example
(seed stated) shows consistency where least squares is biased. The sup-Wald test of no threshold
is checked against its definition computed regime by regime (each candidate's statistic and each
bootstrap replication with the seed's draws), and by power and size in simulations with stated
seeds; the threshold reduced form against the least-squares split computed by brute force.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IVGMM
from numpy.testing import assert_allclose

from intelcap.estimation.threshold import (
    IVThresholdRegression,
    ThresholdBootstrap,
    ThresholdRegression,
)
from intelcap.exceptions import SpecificationError


def _caner_hansen_design(seed: int, n: int) -> pd.DataFrame:
    """The design of Caner and Hansen's example program: errors with correlation 0.5, four
    instruments, z1 = 0.3 * sum(x) + e2, z2 = (1, q), y = zz 1(q < 0) - zz 1(q >= 0) + e1 with
    zz = 0.1 (z1 + 1 + q), threshold 0."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n, 2)) @ np.linalg.cholesky(np.array([[1, 0.5], [0.5, 1]])).T
    q = rng.standard_normal(n)
    x = rng.standard_normal((n, 4))
    z1 = 0.3 * x.sum(axis=1) + e[:, 1]
    zz = 0.1 * (z1 + 1 + q)
    y = np.where(q < 0, zz, -zz) + e[:, 0]
    return pd.DataFrame({"y": y, "z1": z1, "q": q, "x1": x[:, 0], "x2": x[:, 1],
                         "x3": x[:, 2], "x4": x[:, 3]})


XI = ["x1", "x2", "x3", "x4"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _caner_hansen_design(2004, 600)


@pytest.fixture(scope="module")
def fit(data):
    model = IVThresholdRegression(data["y"], data[["q"]], data["z1"], data[XI], data["q"])
    return model.fit()


def test_threshold_is_the_concentrated_2sls_argmin(fit, data):
    x = np.column_stack([np.ones(len(data)), data[["q", *XI]].to_numpy()])
    z1hat = x @ np.linalg.lstsq(x, data["z1"].to_numpy(), rcond=None)[0]
    zhat = np.column_stack([np.ones(len(data)), data["q"], z1hat])
    y, q = data["y"].to_numpy(), data["q"].to_numpy()
    prof = fit.lr_profile(het=False)
    ssr = []
    for g in prof.index:
        lo = q <= g
        s = 0.0
        for m in (lo, ~lo):
            e = y[m] - zhat[m] @ np.linalg.lstsq(zhat[m], y[m], rcond=None)[0]
            s += float(e @ e)
        ssr.append(s)
    ssr = np.array(ssr)
    assert fit.threshold == prof.index[int(np.argmin(ssr))]
    assert_allclose(prof.to_numpy(), len(y) * (ssr - ssr.min()) / ssr.min(), rtol=1e-6,
                    atol=1e-8)
    ci = fit.threshold_ci(0.95)
    assert list(ci.columns) == ["threshold", "lower", "upper"]
    assert ci.loc["gamma1", "lower"] <= fit.threshold <= ci.loc["gamma1", "upper"]


def test_regime_gmm_equals_linearmodels_ivgmm(fit, data):
    lower = (data["q"] <= fit.threshold).to_numpy()
    for regime, mask in (("lower", lower), ("upper", ~lower)):
        d = data[mask]
        exog = d[["q"]].assign(const=1.0)[["const", "q"]]
        lm = IVGMM(d["y"], exog, d["z1"], d[XI]).fit(cov_type="robust")
        assert_allclose(fit.regime_params(regime).to_numpy(), lm.params.to_numpy(), rtol=1e-8)
        assert_allclose(fit.j_stats.loc[regime, "stat"], lm.j_stat.stat, rtol=1e-8)
        assert fit.j_stats.loc[regime, "df"] == 3
        # Caner-Hansen's covariance (Z'X Omega^-1 X'Z)^-1 with Omega from the 2SLS
        # residuals, written out
        z = np.column_stack([exog.to_numpy(), d["z1"]])
        x = np.column_stack([exog.to_numpy(), d[XI].to_numpy()])
        y = d["y"].to_numpy()
        pz = x @ np.linalg.lstsq(x, z, rcond=None)[0]
        b2 = np.linalg.lstsq(pz, y, rcond=None)[0]
        xe = x * (y - z @ b2)[:, None]
        cov = np.linalg.inv(z.T @ x @ np.linalg.inv(xe.T @ xe) @ x.T @ z)
        k = 3
        sl = slice(0, k) if regime == "lower" else slice(k, 2 * k)
        assert_allclose(fit.cov.to_numpy()[sl, sl], cov, rtol=1e-8)
        # asymptotically the same as linearmodels' sandwich at the GMM residuals
        assert_allclose(fit.std_errors.to_numpy()[sl], lm.std_errors.to_numpy(), rtol=0.05)


def test_consistency_where_least_squares_is_biased():
    """Caner and Hansen's design, n = 5000 (seed 77): the IV threshold is within 0.05 of 0 and
    the endogenous slopes (0.1 and -0.1) within 4 standard errors; least-squares threshold
    regression of y on z is biased by the correlation 0.5 of the errors (its slope of z1 is off
    by more than 0.2)."""
    d = _caner_hansen_design(77, 5000)
    res = IVThresholdRegression(d["y"], d[["q"]], d["z1"], d[XI], d["q"]).fit()
    assert abs(res.threshold) < 0.05
    for regime, slope in (("lower", 0.1), ("upper", -0.1)):
        names = ["z1[q<=g]" if regime == "lower" else "z1[q>g]"]
        est = res.params[names[0]]
        assert abs(est - slope) < 4 * res.std_errors[names[0]]
    ols = ThresholdRegression(d["y"], d[["q", "z1"]], d["q"]).fit(bootstrap=0, progress=False)
    assert abs(ols.regime_params("lower")["z1"] - 0.1) > 0.2


def test_input_errors(data):
    with pytest.raises(SpecificationError, match="not identified"):
        IVThresholdRegression(data["y"], None, data[["z1", "x4"]], data[["x1"]], data["q"])
    res = IVThresholdRegression(data["y"].to_numpy(), None, data["z1"].to_numpy(),
                                data[XI].to_numpy(), data["q"].to_numpy()).fit()
    assert res.model.instrument_names == ["instr1", "instr2", "instr3", "instr4"]
    with pytest.raises(AttributeError, match="immutable"):
        res.model = None


# ---------------------------------------------------------------------------------------------
# the test of no threshold and the threshold reduced form (no published value: oracles)
# ---------------------------------------------------------------------------------------------
def _linear_gmm_residuals(d: pd.DataFrame) -> np.ndarray:
    """Residuals of linearmodels' two-step IVGMM of the linear model (an independent
    computation of the null model)."""
    exog = d[["q"]].assign(const=1.0)[["const", "q"]]
    lm = IVGMM(d["y"], exog, d["z1"], d[XI]).fit(cov_type="robust")
    return lm.resids.to_numpy()


def _wald_written_out(d: pd.DataFrame, g: float, y: np.ndarray, e: np.ndarray) -> float:
    """W(g) from its definition: each regime's GMM with the weight sum x x' e^2 of the null."""
    z = np.column_stack([np.ones(len(d)), d["q"], d["z1"]])
    x = np.column_stack([np.ones(len(d)), d["q"], d[XI].to_numpy()])
    lo = d["q"].to_numpy() <= g
    bs, vs = [], []
    for m in (lo, ~lo):
        xm, zm, ym, em = x[m], z[m], y[m], e[m]
        w = np.linalg.inv((xm * em[:, None] ** 2).T @ xm)
        v = np.linalg.inv(zm.T @ xm @ w @ xm.T @ zm)
        bs.append(v @ zm.T @ xm @ w @ xm.T @ ym)
        vs.append(v)
    dlt = bs[0] - bs[1]
    return float(dlt @ np.linalg.solve(vs[0] + vs[1], dlt))


def test_sup_wald_sequence_equals_the_written_out_gmm_wald(data):
    """The Wald statistic at every trimmed candidate equals its definition computed regime by
    regime with the null residuals of linearmodels' IVGMM (rtol 1e-7); the candidates leave
    15% of the observations in each regime."""
    res = IVThresholdRegression(data["y"], data[["q"]], data["z1"], data[XI],
                                data["q"]).fit(bootstrap=0)
    seq = res.test.sequence
    e = _linear_gmm_residuals(data)
    y = data["y"].to_numpy()
    brute = np.array([_wald_written_out(data, g, y, e) for g in seq.index])
    assert_allclose(seq.to_numpy(), brute, rtol=1e-7)
    n = len(data)
    nlow = np.array([(data["q"] <= g).sum() for g in seq.index])
    assert nlow.min() == np.floor(0.15 * n) and nlow.max() == np.floor(0.85 * n)
    assert res.test.stat == seq.max()
    assert np.isnan(res.test.pval) and res.test.reps == 0
    none = IVThresholdRegression(data["y"], data[["q"]], data["z1"], data[XI],
                                 data["q"]).fit(bootstrap=None)
    assert none.test.reps == 0 and none.test.stat == res.test.stat
    with pytest.raises(SpecificationError, match="reps must be >= 0"):
        IVThresholdRegression(data["y"], data[["q"]], data["z1"], data[XI],
                              data["q"]).fit(bootstrap=-1)
    assert "Test of no threshold" in res.summary.as_text()


def test_bootstrap_replications_equal_the_written_out_multiplier_bootstrap(data):
    """Each bootstrap replication is sup_g W*(g) with y* = e u, u the seed's N(0,1) draws in
    row order (seed 11, 6 replications), recomputed here from the definition; the p-value is the
    share of replications >= the statistic."""
    sub = data.iloc[:240]
    res = IVThresholdRegression(sub["y"], sub[["q"]], sub["z1"], sub[XI], sub["q"]).fit(
        bootstrap=ThresholdBootstrap(6), seed=11, progress=False)
    e = _linear_gmm_residuals(sub)
    u = np.random.default_rng(11).standard_normal((6, len(sub)))
    grid = res.test.sequence.index
    brute = [max(_wald_written_out(sub, g, e * u[r], e) for g in grid) for r in range(6)]
    assert_allclose(res.test.replications, brute, rtol=1e-7)
    assert res.test.reps == 6 and res.test.seed == 11
    assert res.test.pval == np.mean(np.asarray(brute) >= res.test.stat)


def test_no_threshold_test_rejects_and_keeps_its_size():
    """Caner and Hansen's design with its errors and a clear threshold, y = 0.5 + 0.5 z1 + e
    (q < 0) and -0.5 z1 + e (q >= 0), n = 400 (seed 5): the test rejects at 1% (199
    replications). Without a threshold (y = 0.1 (z1 + 1 + q) + e on both sides) the rejection
    rate at 5% over 60 samples (seeds 1000-1059, 99 replications each) is at most 0.12."""
    d = _caner_hansen_design(5, 400)
    zz = 0.1 * (d["z1"] + 1 + d["q"])
    e = d["y"] - np.where(d["q"] < 0, zz, -zz)
    d = d.assign(y=np.where(d["q"] < 0, 0.5 + 0.5 * d["z1"], -0.5 * d["z1"]) + e)
    res = IVThresholdRegression(d["y"], d[["q"]], d["z1"], d[XI], d["q"]).fit(
        bootstrap=199, seed=1, progress=False)
    assert res.test.pval < 0.01
    rejections = 0
    for s in range(1000, 1060):
        d = _caner_hansen_design(s, 400)
        zz = 0.1 * (d["z1"] + 1 + d["q"])
        d = d.assign(y=d["y"] - np.where(d["q"] < 0, zz, -zz) + zz)
        r = IVThresholdRegression(d["y"], d[["q"]], d["z1"], d[XI], d["q"]).fit(
            bootstrap=99, seed=s, progress=False)
        rejections += r.test.pval < 0.05
    assert rejections / 60 <= 0.12


def _threshold_reduced_form_design(seed: int, n: int = 800) -> pd.DataFrame:
    """z1 = 1 + x1 + x2 (q <= 0.5), -1 + 0.2 x1 - x2 (q > 0.5), plus v; y switches at q = 0;
    errors correlated 0.5."""
    rng = np.random.default_rng(seed)
    e, v = (rng.standard_normal((n, 2)) @ np.linalg.cholesky(
        np.array([[1, 0.5], [0.5, 1]])).T).T
    q = rng.standard_normal(n)
    x = rng.standard_normal((n, 4))
    z1 = np.where(q <= 0.5, 1 + x[:, 0] + x[:, 1], -1 + 0.2 * x[:, 0] - x[:, 1]) + v
    y = np.where(q <= 0, 1 + z1, -1 - 0.5 * z1) + e
    return pd.DataFrame({"y": y, "z1": z1, "q": q, "x1": x[:, 0], "x2": x[:, 1],
                         "x3": x[:, 2], "x4": x[:, 3]})


def test_threshold_reduced_form_is_the_least_squares_split():
    """rho-hat is the argmin over the candidates of the split reduced form's SSR, computed here
    by OLS on each side; the structural threshold is the concentrated 2SLS argmin with those
    split fitted values; both near the truth (0.5 and 0) with seed 3, n = 800."""
    d = _threshold_reduced_form_design(3)
    model = IVThresholdRegression(d["y"], d[["q"]], d["z1"], d[XI], d["q"])
    res = model.fit(reduced_form="threshold")
    assert res.reduced_form == "threshold"
    x = np.column_stack([np.ones(len(d)), d[["q", *XI]].to_numpy()])
    z1, q, y = d["z1"].to_numpy(), d["q"].to_numpy(), d["y"].to_numpy()

    def split_fit(dep: np.ndarray, reg: np.ndarray, g: float) -> tuple[float, np.ndarray]:
        lo = q <= g
        fitted = np.empty_like(dep)
        for m in (lo, ~lo):
            fitted[m] = reg[m] @ np.linalg.lstsq(reg[m], dep[m], rcond=None)[0]
        return float((dep - fitted) @ (dep - fitted)), fitted

    qs = np.sort(q)
    cands = qs[6:-7]  # every split leaving at least k = 6 (7 above) observations per side
    ssr = np.array([split_fit(z1, x, g)[0] for g in cands])
    rho = cands[int(np.argmin(ssr))]
    assert res.reduced_form_threshold == rho
    assert abs(rho - 0.5) < 0.05
    zhat = np.column_stack([np.ones(len(d)), q, split_fit(z1, x, rho)[1]])
    grid = res.lr_profile(het=False).index
    s2 = np.array([split_fit(y, zhat, g)[0] for g in grid])
    assert res.threshold == grid[int(np.argmin(s2))]
    assert abs(res.threshold) < 0.05
    assert "threshold at" in res.summary.as_text()
    lin = model.fit()
    assert lin.reduced_form == "linear" and np.isnan(lin.reduced_form_threshold)
    with pytest.raises(SpecificationError, match="reduced_form"):
        model.fit(reduced_form="nonlinear")


def test_threshold_reduced_form_with_two_endogenous_regressors():
    """Two endogenous regressors: rho-hat minimises the sum of the two reduced forms' split SSRs
    (stacked least squares), computed here by brute force (seed 8, n = 500)."""
    d = _threshold_reduced_form_design(8, 500)
    rng = np.random.default_rng(80)
    d = d.assign(z2=np.where(d["q"] <= 0.5, d["x3"], -d["x4"]) + rng.standard_normal(len(d)))
    res = IVThresholdRegression(d["y"], None, d[["z1", "z2"]], d[XI], d["q"]).fit(
        reduced_form="threshold")
    x = np.column_stack([np.ones(len(d)), d[XI].to_numpy()])
    z = d[["z1", "z2"]].to_numpy()
    q = d["q"].to_numpy()

    def ssr(g: float) -> float:
        lo = q <= g
        return sum(float(np.sum((z[m] - x[m] @ np.linalg.lstsq(x[m], z[m], rcond=None)[0]) ** 2))
                   for m in (lo, ~lo))

    cands = np.sort(q)[4:-5]  # every split leaving at least k = 5 observations per side
    total = np.array([ssr(g) for g in cands])
    assert res.reduced_form_threshold == cands[int(np.argmin(total))]
    assert list(res.params.index[:3]) == ["const[q<=g]", "z1[q<=g]", "z2[q<=g]"]
