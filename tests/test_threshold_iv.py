"""IVThresholdRegression: the threshold model with endogenous regressors of Caner and Hansen
(2004, Econometric Theory 20(5), 813-843).

Caner and Hansen's application (a threshold error-correction model of the term structure of
interest rates) uses data intelcap does not bundle, and no software manual prints output of
this estimator on bundled data, so no published value is asserted. Checked instead: the
threshold equals the brute-force argmin of the concentrated 2SLS criterion (OLS of y on the
first-stage fitted regressors split at every candidate); the regime slopes and J statistics
equal linearmodels' two-step IVGMM on each regime's observations (an independent computation,
rtol 1e-8); the covariance equals the written-out efficient-GMM formula of Caner and Hansen's
Theorem 3; and the simulation design of Caner and Hansen's published GAUSS example (seed
stated) shows consistency where least squares is biased.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IVGMM
from numpy.testing import assert_allclose

from intelcap.estimation.threshold import IVThresholdRegression, ThresholdRegression
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
