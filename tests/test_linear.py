"""Linear estimation: NIST StRD linear regression, Baltagi's Munnell table, translog, bad input.

References
----------
- NIST Statistical Reference Datasets, linear regression (``intelcap.datasets.nist_strd``;
  certified values, computed by NIST with 500-digit arithmetic, typed below from
  nist_strd/linear/CERTIFIED.md). Acceptance: coefficients, certified SDs, residual SD and R^2
  to at least 9 significant digits (rtol 1e-9); Filip to at least 7 (rtol 1e-7).
- Baltagi, B. H., Econometric Analysis of Panel Data (3rd ed. 2005), table 3.1 "Cobb-Douglas
  production function estimates" on Munnell's (1990) 48 US states 1970-1986 (the plm ``Produc``
  example), printed to three decimals: ln GSP on ln public capital, ln private capital, ln
  employment and the unemployment rate, OLS (pooled), Between, Within.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.datasets import nist_strd
from intelcap.estimation.linear import OLS, cobb_douglas, fit_panel, translog
from intelcap.exceptions import DataError, IntelcapError, MissingDataError, SpecificationError

# --------------------------------------------------------------------------------------------
# NIST StRD linear (CERTIFIED.md)
# --------------------------------------------------------------------------------------------
_W3_SD = [2152.32624678170, 2363.55173469681, 779.343524331583, 101.475507550350,
          5.64566512170752, 0.112324854679312]

#: name -> (degree or "longley"/"noint", coefficients, SDs, residual SD, R^2)
CERTIFIED = {
    "Norris": (1, [-0.262323073774029, 1.00211681802045],
               [0.232818234301152, 0.429796848199937e-03], 0.884796396144373,
               0.999993745883712),
    "Pontius": (2, [0.673565789473684e-03, 0.732059160401003e-06, -0.316081871345029e-14],
                [0.107938612033077e-03, 0.157817399981659e-09, 0.486652849992036e-16],
                0.205177424076185e-03, 0.999999900178537),
    "NoInt1": ("noint", [2.07438016528926], [0.165289256198347e-01], 3.56753034006338,
               0.999365492298663),
    "NoInt2": ("noint", [0.727272727272727], [0.420827318078432e-01], 0.369274472937998,
               0.993348115299335),
    "Filip": (10, [-1467.48961422980, -2772.17959193342, -2316.37108160893, -1127.97394098372,
                   -354.478233703349, -75.1242017393757, -10.8753180355343, -1.06221498588947,
                   -0.670191154593408e-01, -0.246781078275479e-02, -0.402962525080404e-04],
              [298.084530995537, 559.779865474950, 466.477572127796, 227.204274477751,
               71.6478660875927, 15.2897178747400, 2.23691159816033, 0.221624321934227,
               0.142363763154724e-01, 0.535617408889821e-03, 0.896632837373868e-05],
              0.334801051324544e-02, 0.996727416185620),
    "Longley": ("longley", [-3482258.63459582, 15.0618722713733, -0.358191792925910e-01,
                            -2.02022980381683, -1.03322686717359, -0.511041056535807e-01,
                            1829.15146461355],
                [890420.383607373, 84.9149257747669, 0.334910077722432e-01, 0.488399681651699,
                 0.214274163161675, 0.226073200069370, 455.478499142212],
                304.854073561965, 0.995479004577296),
    "Wampler1": (5, [1.0] * 6, [0.0] * 6, 0.0, 1.0),
    "Wampler2": (5, [1.0, 0.1, 0.01, 0.001, 1e-4, 1e-5], [0.0] * 6, 0.0, 1.0),
    "Wampler3": (5, [1.0] * 6, _W3_SD, 2360.14502379268, 0.999995559025820),
    "Wampler4": (5, [1.0] * 6, [v * 100 for v in _W3_SD], 236014.502379268,
                 0.957478440825662),
    "Wampler5": (5, [1.0] * 6, [v * 10000 for v in _W3_SD], 23601450.2379268,
                 0.224668921574940e-02),
}
RSS = {"Norris": 26.6173985294224, "Pontius": 0.155761768796992e-05,
       "NoInt1": 127.272727272727, "NoInt2": 0.272727272727273,
       "Filip": 0.795851382172941e-03, "Longley": 836424.055505915}


def _nist_fit(name: str):
    """NIST's certified SDs are the classical :math:`s^2 (X'X)^{-1}` with s2 = RSS/(n-k): the
    registry's ``cov_type="unadjusted", debiased=True``."""
    data = nist_strd.load(name, kind="linear").data
    kind = CERTIFIED[name][0]
    if kind == "longley":
        return OLS.from_formula("y ~ x1 + x2 + x3 + x4 + x5 + x6", data).fit(debiased=True)
    if kind == "noint":
        return OLS.from_formula("y ~ x - 1", data).fit(debiased=True)
    powers = " + ".join(["x"] + [f"I(x**{k})" for k in range(2, kind + 1)])
    return OLS.from_formula(f"y ~ {powers}", data).fit(debiased=True)


@pytest.mark.reference
@pytest.mark.parametrize("name", sorted(CERTIFIED))
def test_nist_linear(name: str) -> None:
    """NIST StRD linear: coefficients, SDs, residual SD, R^2 (and RSS where listed).

    Tolerance rtol 1e-9 (9 significant digits), Filip rtol 1e-7. Exact fits (Wampler1, 2):
    certified SDs and residual SD are zero; ours must be zero to rounding (below 1e-9 of the
    coefficient scale).
    """
    res = _nist_fit(name)
    _, coef, sd, resid_sd, r2 = CERTIFIED[name]
    rtol = 1e-7 if name == "Filip" else 1e-9
    np.testing.assert_allclose(res.params.to_numpy(), coef, rtol=rtol, atol=0)
    if resid_sd == 0.0:
        assert np.all(res.std_errors.to_numpy() < 1e-9 * np.abs(coef))
        assert res.resid_std_err < 1e-9
        np.testing.assert_allclose(res.rsquared, 1.0, rtol=1e-12)
    else:
        np.testing.assert_allclose(res.std_errors.to_numpy(), sd, rtol=rtol, atol=0)
        np.testing.assert_allclose(res.resid_std_err, resid_sd, rtol=rtol)
        np.testing.assert_allclose(res.rsquared, r2, rtol=rtol)
    if name in RSS:
        np.testing.assert_allclose(res.ssr, RSS[name], rtol=rtol)


@pytest.mark.parametrize("name", sorted(CERTIFIED))
def test_bundled_certified_values_are_the_typed_ones(name: str) -> None:
    """``nist_strd.load(name, kind="linear")`` carries the certified values typed above."""
    p = nist_strd.load(name, kind="linear")
    _, coef, sd, resid_sd, r2 = CERTIFIED[name]
    np.testing.assert_allclose(p.certified["value"], coef, rtol=1e-15)
    np.testing.assert_allclose(p.certified["std_dev"], sd, rtol=1e-15)
    assert (p.resid_sd, p.r_squared) == (resid_sd, r2)


def test_filip_defeats_normal_equations_not_intelcap() -> None:
    """Filip: the normal equations in double precision lose every digit; intelcap does not."""
    data = nist_strd.load("Filip", kind="linear").data
    x = np.vander(data["x"].to_numpy(), 11, increasing=True)
    y = data["y"].to_numpy()
    with np.errstate(all="ignore"):
        try:
            naive = np.linalg.solve(x.T @ x, x.T @ y)
        except np.linalg.LinAlgError:
            naive = np.full(11, np.nan)
    cert = np.array(CERTIFIED["Filip"][1])
    assert not np.allclose(naive, cert, rtol=1e-3)
    res = OLS(pd.Series(y), pd.DataFrame(x)).fit()
    assert res.extended_precision
    np.testing.assert_allclose(res.params.to_numpy(), cert, rtol=1e-7)
    # in plain double precision (scaled QR) it is still >= 7 digits on this design
    res_d = OLS(pd.Series(y), pd.DataFrame(x), precision="double").fit()
    np.testing.assert_allclose(res_d.params.to_numpy(), cert, rtol=1e-6)


@pytest.mark.parametrize("debiased", [True, False])
def test_ols_robust_and_clustered_match_linearmodels(rng: np.random.Generator,
                                                     debiased: bool) -> None:
    """Robust and clustered covariances equal linearmodels' for the same ``debiased`` (HC1 and
    Stata's cluster factor when True, HC0 and no factor when False)."""
    from linearmodels.iv import IV2SLS

    n = 300
    x = rng.normal(size=(n, 2))
    g = rng.integers(0, 25, n)
    y = 1 + x @ [0.5, -0.2] + rng.normal(size=n) * (1 + np.abs(x[:, 0]))
    exog = pd.DataFrame({"const": 1.0, "x1": x[:, 0], "x2": x[:, 1]})
    dep = pd.Series(y, name="y")
    ours = OLS(dep, exog).fit("robust", debiased=debiased)
    ref = IV2SLS(dep, exog, None, None).fit(cov_type="robust", debiased=debiased)
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(ours.std_errors, ref.std_errors, rtol=1e-10)
    np.testing.assert_allclose(ours.pvalues, ref.pvalues, rtol=1e-9)
    ours_c = OLS(dep, exog).fit("clustered", clusters=g, debiased=debiased)
    ref_c = IV2SLS(dep, exog, None, None).fit(cov_type="clustered", clusters=pd.Series(g),
                                              debiased=debiased)
    np.testing.assert_allclose(ours_c.std_errors, ref_c.std_errors, rtol=1e-10)
    np.testing.assert_allclose(ours_c.pvalues, ref_c.pvalues, rtol=1e-9)


def test_ols_bad_input() -> None:
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "a": [1.0, 2, 3, 4, 6], "b": [2.0, 4, 6, 8, 12]})
    with pytest.raises(DataError, match="collinear"):
        OLS.from_formula("y ~ a + b", df).fit()
    df2 = df.assign(a=[1.0, np.nan, 3, 4, 6])
    with pytest.raises(MissingDataError, match="'a'"):
        OLS.from_formula("y ~ a", df2, missing="raise")
    with pytest.raises(SpecificationError):
        OLS.from_formula("y ~ nonexistent", df)
    res = OLS.from_formula("y ~ a", df2, missing="drop").fit()
    assert res.nobs == 4


# --------------------------------------------------------------------------------------------
# Munnell / Baltagi table 3.1
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def munnell() -> pd.DataFrame:
    from intelcap.datasets import munnell as mun

    return mun.load()


#: Baltagi (2005), table 3.1: coefficient (standard error), printed to three decimals.
#: Order: intercept, ln public capital (P_CAP), ln private capital (PC), ln employment, unemp.
BALTAGI_3_1 = {
    "pooled": ([1.643, 0.155, 0.309, 0.594, -0.007], [None, 0.017, 0.010, 0.014, 0.001]),
    "between": ([1.589, 0.179, 0.302, 0.576, -0.004], [0.233, 0.072, 0.042, 0.056, 0.010]),
    "within": ([None, -0.026, 0.292, 0.768, -0.005], [None, 0.029, 0.025, 0.030, 0.001]),
}
_NAMES = ["Intercept", "ln_P_CAP", "ln_PC", "ln_EMP", "UNEMP"]


@pytest.mark.parametrize("estimator", sorted(BALTAGI_3_1))
def test_munnell_baltagi_table_3_1(munnell: pd.DataFrame, estimator: str) -> None:
    """Baltagi table 3.1 to the printed three decimals (|ours - printed| <= 0.0005).

    The pooled intercept's standard error is not checked: we could not confirm its printed value
    (our 0.0576 rounds to 0.058) against a copy of the table.
    """
    # textbook OLS standard errors: the residual variance over n - k, i.e. debiased=True
    # (intelcap's default is False, as its covariance registry)
    res = cobb_douglas(munnell, "GSP", ["P_CAP", "PC", "EMP"], controls=["UNEMP"],
                       estimator=estimator, debiased=True)
    coefs, ses = BALTAGI_3_1[estimator]
    for name, c, s in zip(_NAMES, coefs, ses, strict=True):
        if c is not None:
            assert abs(res.params[name] - c) <= 0.0005 + 1e-12, (name, res.params[name], c)
        if s is not None:
            assert abs(res.std_errors[name] - s) <= 0.0005 + 1e-12, (name, res.std_errors[name])
    assert res.nobs == (48 if estimator == "between" else 816)
    assert res.lm_result.params.shape[0] == len(res.params)


def test_munnell_random_effects_and_clustered(munnell: pd.DataFrame) -> None:
    """Random effects (Swamy-Arora): Baltagi table 3.1 prints 0.004 for public capital, 0.311,
    0.730, -0.006 for the others; clustered within SEs are larger than the conventional ones."""
    re = cobb_douglas(munnell, "GSP", ["P_CAP", "PC", "EMP"], controls=["UNEMP"],
                      estimator="random")
    np.testing.assert_allclose(re.params[_NAMES[1:]].to_numpy(), [0.004, 0.311, 0.730, -0.006],
                               atol=0.0005 + 1e-12)
    fe = cobb_douglas(munnell, "GSP", ["P_CAP", "PC", "EMP"], controls=["UNEMP"],
                      estimator="within", cov_type="clustered", cluster_entity=True)
    fe0 = cobb_douglas(munnell, "GSP", ["P_CAP", "PC", "EMP"], controls=["UNEMP"],
                       estimator="within")
    np.testing.assert_allclose(fe.params, fe0.params)
    assert (fe.std_errors > fe0.std_errors).all()
    assert "Clustered" in fe.cov_type or "clustered" in fe.cov_type.lower()
    two_way = cobb_douglas(munnell, "GSP", ["P_CAP", "PC", "EMP"], controls=["UNEMP"],
                           estimator="within", entity_effects=True, time_effects=True)
    assert two_way.lm_result.model.time_effects


def test_translog_nests_cobb_douglas(munnell: pd.DataFrame) -> None:
    """Translog with mean-centred logs: it has the Cobb-Douglas regressors plus second-order
    terms, so its SSR is no larger, and fitting it on data generated by a Cobb-Douglas (no
    second-order terms) returns zero second-order coefficients."""
    tl = translog(munnell, "GSP", ["P_CAP", "PC", "EMP"], estimator="pooled")
    cd = cobb_douglas(munnell, "GSP", ["P_CAP", "PC", "EMP"], estimator="pooled")
    assert tl.ssr <= cd.ssr
    assert "half_ln_PC_sq" in tl.params.index and "ln_P_CAP_x_ln_EMP" in tl.params.index
    sim = munnell.copy()
    sim["GSP"] = np.exp(0.3 + 0.1 * np.log(sim["P_CAP"]) + 0.3 * np.log(sim["PC"])
                        + 0.6 * np.log(sim["EMP"]))
    exact = translog(sim, "GSP", ["P_CAP", "PC", "EMP"])
    second = [n for n in exact.params.index if "_sq" in n or "_x_" in n]
    np.testing.assert_allclose(exact.params[second].to_numpy(), 0.0, atol=1e-9)
    np.testing.assert_allclose(exact.params[["ln_P_CAP", "ln_PC", "ln_EMP"]], [0.1, 0.3, 0.6],
                               rtol=1e-9)


def test_iv_production_function(munnell: pd.DataFrame) -> None:
    """IV2SLS through linearmodels: ln EMP instrumented by ln UNEMP-free exogenous variables.

    The point is the plumbing (formula, results vocabulary, ``lm_result``), checked against a
    direct linearmodels call on the same formula.
    """
    from linearmodels.iv import IV2SLS

    df = munnell.copy()
    logs = pd.DataFrame({"ln_GSP": np.log(df["GSP"]), "ln_PC": np.log(df["PC"]),
                         "ln_EMP": np.log(df["EMP"]), "ln_HWY": np.log(df["HWY"]),
                         "ln_UTIL": np.log(df["UTIL"])}, index=df.index)
    formula = "ln_GSP ~ 1 + ln_PC + [ln_EMP ~ ln_HWY + ln_UTIL]"
    res = fit_panel(formula, logs, "iv", cov_type="clustered")
    direct = IV2SLS.from_formula(formula, logs.reset_index()).fit(
        cov_type="clustered", clusters=pd.Series(pd.factorize(logs.index.get_level_values(0))[0]))
    np.testing.assert_allclose(res.params, direct.params)
    np.testing.assert_allclose(res.std_errors, direct.std_errors)
    assert res.estimator == "iv"


def test_panel_bad_input(munnell: pd.DataFrame) -> None:
    bad = munnell.copy()
    bad.loc[bad.index[5], "PC"] = 0.0
    with pytest.raises(DataError, match=r"'PC'.*positive"):
        cobb_douglas(bad, "GSP", ["P_CAP", "PC"])
    with pytest.raises(DataError, match="MultiIndex"):
        cobb_douglas(munnell.reset_index(), "GSP", ["P_CAP"])
    with pytest.raises(DataError, match="missing column"):
        cobb_douglas(munnell, "GSP", ["CAPITAL"])
    with pytest.raises(SpecificationError, match="estimator"):
        cobb_douglas(munnell, "GSP", ["PC"], estimator="gmm")
    dup = munnell.assign(PC2=munnell["PC"] * 2.0)
    with pytest.raises(IntelcapError):
        cobb_douglas(dup, "GSP", ["PC", "PC2"])


def test_cobb_douglas_iv_equals_direct_2sls(munnell: pd.DataFrame) -> None:
    """cobb_douglas(estimator="iv") builds the 2SLS formula with logged instruments."""
    from linearmodels.iv import IV2SLS

    res = cobb_douglas(munnell, "GSP", ["PC", "EMP"], estimator="iv", endog=["EMP"],
                       instruments=["HWY", "UTIL"])
    flat = pd.DataFrame({"y": np.log(munnell["GSP"]), "k": np.log(munnell["PC"]),
                         "l": np.log(munnell["EMP"]), "z1": np.log(munnell["HWY"]),
                         "z2": np.log(munnell["UTIL"])}).reset_index(drop=True)
    direct = IV2SLS.from_formula("y ~ 1 + k + [l ~ z1 + z2]", flat).fit(cov_type="unadjusted")
    np.testing.assert_allclose(res.params.to_numpy(), direct.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), direct.std_errors.to_numpy(),
                               rtol=1e-10)
    with pytest.raises(SpecificationError, match="instruments"):
        cobb_douglas(munnell, "GSP", ["PC", "EMP"], estimator="iv", endog=["EMP"])


_COV_CASES = [
    ("pooled", "unadjusted", {}),
    ("pooled", "robust", {}),
    ("pooled", "clustered", {"cluster_entity": True}),
    ("within", "unadjusted", {}),
    ("within", "robust", {}),
    ("within", "clustered", {"cluster_entity": True}),
    ("within", "clustered", {"cluster_entity": True, "cluster_time": True}),
    ("within", "kernel", {}),
    ("between", "robust", {}),
    ("random", "clustered", {"cluster_entity": True}),
]


@pytest.mark.parametrize("debiased", [True, False])
@pytest.mark.parametrize(("estimator", "cov_type", "options"), _COV_CASES)
def test_wrapper_matches_linearmodels_for_every_covariance(
        munnell: pd.DataFrame, estimator: str, cov_type: str, options: dict,
        debiased: bool) -> None:
    """Every covariance option: intelcap's wrapper reports what the wrapped linearmodels result
    reports (standard errors, p-values and confidence intervals), with and without
    ``debiased`` (a ``getattr(lm, "debiased")`` lookup once silently turned False into True)."""
    logs = np.log(munnell[["GSP", "P_CAP", "PC", "EMP"]])
    res = fit_panel("GSP ~ 1 + P_CAP + PC + EMP", logs, estimator, cov_type=cov_type,
                    debiased=debiased, **options)
    lm = res.lm_result
    np.testing.assert_allclose(res.std_errors, lm.std_errors, rtol=1e-12)
    np.testing.assert_allclose(res.pvalues, lm.pvalues, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(res.conf_int(), lm.conf_int(), rtol=1e-10)
