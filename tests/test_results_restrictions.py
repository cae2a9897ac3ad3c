"""Linear restrictions on results (``Results.wald_test`` / ``t_test``), immutability and the
covariance line of summaries.

Oracles: linearmodels' ``wald_test`` (chi-square, ``debiased=False``) and statsmodels'
``wald_test(use_f=True)`` / ``t_test`` (F and t, classical covariance) on the same seeded data
(seed 20261130), to rtol 1e-10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.estimation.linear import OLS, LinearModelResults, cobb_douglas
from intelcap.estimation.results import InvalidTestStatistic, LinearTestStatistic, Results
from intelcap.exceptions import IntelcapTypeError, SpecificationError

RTOL = 1e-10


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(20261130)
    n = 200
    x1, x2, x3 = rng.normal(size=(3, n))
    y = 1 + 0.5 * x1 + 0.45 * x2 - 0.1 * x3 + rng.normal(size=n) * (1 + 0.5 * np.abs(x1))
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3,
                         "g": rng.integers(0, 20, n)})


def _exog(data):
    return data[["x1", "x2", "x3"]].assign(const=1.0)[["const", "x1", "x2", "x3"]]


@pytest.mark.parametrize(("cov_type", "lm_kw"), [
    ("unadjusted", {}), ("robust", {}), ("clustered", {"clusters": "g"})])
@pytest.mark.parametrize(("text", "matrix", "value"), [
    ("x1 = x2", [[0, 1, -1, 0]], [0]),
    ("x1 + x2 = 1", [[0, 1, 1, 0]], [1]),
    (["x1 = 0", "x2 = 0", "x3 = 0"], np.eye(4)[1:], [0, 0, 0]),
], ids=["equal", "sum-to-one", "joint-zero"])
def test_wald_chi2_matches_linearmodels(data, cov_type, lm_kw, text, matrix, value) -> None:
    """``debiased=False``: chi-square Wald statistic equal to linearmodels' ``wald_test``, from
    text and from the matrix."""
    from linearmodels.iv import IV2SLS

    kw = {k: data[v].to_numpy() for k, v in lm_kw.items()}
    ours = OLS(data["y"], _exog(data)).fit(cov_type, **kw)
    lkw = {k: data[v] for k, v in lm_kw.items()}
    ref_fit = IV2SLS(data["y"], _exog(data), None, None).fit(cov_type=cov_type, **lkw)
    ref = ref_fit.wald_test(np.asarray(matrix, float), np.asarray(value, float))
    for w in (ours.wald_test(text), ours.wald_test(np.asarray(matrix), value)):
        np.testing.assert_allclose(w.stat, ref.stat, rtol=RTOL)
        np.testing.assert_allclose(w.pval, ref.pval, rtol=1e-8, atol=1e-300)
        assert w.df == ref.df and w.dist_name == f"chi2({ref.df})"


@pytest.mark.parametrize(("cov_type", "debiased", "sm_cov"), [
    ("unadjusted", True, "nonrobust"), ("robust", True, "HC1"), ("HC3", True, "HC3")])
def test_wald_f_and_t_match_statsmodels(data, cov_type, debiased, sm_cov) -> None:
    """``debiased=True`` (t reference): F = W/q against F(q, n-k), as statsmodels'
    ``wald_test(use_f=True)``; ``t_test`` equal to statsmodels' ``t_test``."""
    import statsmodels.api as sm

    ours = OLS(data["y"], _exog(data)).fit(cov_type, debiased=debiased)
    ref = sm.OLS(data["y"], _exog(data)).fit(cov_type=sm_cov)
    r = np.array([[0, 1, -1, 0], [0, 0, 0, 1.0]])
    w = ours.wald_test("x1 = x2, x3 = 0")
    w_sm = ref.wald_test((r, np.zeros(2)), use_f=True, scalar=True)
    np.testing.assert_allclose(w.stat, float(w_sm.statistic), rtol=RTOL)
    np.testing.assert_allclose(w.pval, float(w_sm.pvalue), rtol=1e-8)
    assert w.df == (2, 196) and w.dist_name == "F(2,196)"
    t = ours.t_test("x1 - x2 = 0.1")
    t_sm = ref.t_test((np.array([[0, 1, -1, 0.0]]), np.array([0.1])), use_t=True)
    assert isinstance(t, LinearTestStatistic)
    np.testing.assert_allclose(t.stat, float(np.squeeze(t_sm.tvalue)), rtol=RTOL)
    np.testing.assert_allclose(t.pval, float(np.squeeze(t_sm.pvalue)), rtol=1e-8)
    np.testing.assert_allclose(t.std_error, float(np.squeeze(t_sm.sd)), rtol=RTOL)
    np.testing.assert_allclose(t.estimate, float(np.squeeze(t_sm.effect)), rtol=RTOL)
    # t^2 is the Wald statistic of the same restriction (F with one restriction)
    np.testing.assert_allclose(t.stat**2, ours.wald_test("x1 - x2 = 0.1").stat, rtol=1e-12)


def test_wald_on_linearmodels_wrapper_and_series_restriction(data) -> None:
    panel = data.assign(entity=np.arange(200) % 20, time=np.arange(200) // 20,
                        K=np.exp(data["x1"]), L=np.exp(data["x2"]), Y=np.exp(data["y"]))
    panel = panel.set_index(["entity", "time"])
    res = cobb_douglas(panel, "Y", ["K", "L"])
    assert isinstance(res, LinearModelResults) and res.form == "cobb_douglas"
    ref = res.lm_result.wald_test(formula="ln_K + ln_L = 1")
    ours = res.wald_test("ln_K + ln_L = 1")
    np.testing.assert_allclose(ours.stat, ref.stat, rtol=RTOL)
    row = pd.Series({"ln_K": 1.0, "ln_L": 1.0})
    np.testing.assert_allclose(res.wald_test(row, 1.0).stat, ref.stat, rtol=RTOL)


def test_restriction_errors_name_the_problem(data) -> None:
    res = OLS(data["y"], _exog(data)).fit()
    with pytest.raises(SpecificationError, match="'x9', which is not a parameter"):
        res.wald_test("x9 = 0")
    with pytest.raises(SpecificationError, match="not a linear restriction"):
        res.wald_test("x1 * x2 = 0")
    with pytest.raises(SpecificationError, match="do not pass value"):
        res.wald_test("x1 = 0", value=[1.0])
    with pytest.raises(SpecificationError, match="one column per parameter"):
        res.wald_test(np.ones((1, 3)))
    with pytest.raises(SpecificationError, match="linearly dependent"):
        res.wald_test(["x1 = 0", "2*x1 = 0"])
    with pytest.raises(SpecificationError, match="one restriction"):
        res.t_test(["x1 = 0", "x2 = 0"])
    with pytest.raises(IntelcapTypeError, match="restriction must be"):
        res.wald_test(3.0)
    with pytest.raises(SpecificationError, match="value has 2 entries"):
        res.wald_test(np.eye(4)[1:2], [0.0, 1.0])


def test_wald_without_covariance_is_invalid_not_nan(data) -> None:
    res = Results(pd.Series({"a": 1.0, "b": 2.0}), None, nobs=10, df_resid=8)
    w = res.wald_test("a = b")
    assert isinstance(w, InvalidTestStatistic) and "no covariance" in w.reason


def test_text_names_in_backquotes() -> None:
    idx = ["const", "period[2024]"]
    cov = pd.DataFrame([[1.0, 0.0], [0.0, 4.0]], index=idx, columns=idx)
    res = Results(pd.Series([1.0, 3.0], index=idx), cov, nobs=50, df_resid=48,
                  distribution="normal")
    w = res.wald_test("`period[2024]` = 1")
    assert w.stat == pytest.approx(1.0, rel=1e-14)  # ((3 - 1) / 2)^2


# -- immutability, plot, covariance line ------------------------------------------------------
def test_results_are_immutable(data) -> None:
    res = OLS(data["y"], _exog(data)).fit("robust")
    with pytest.raises(AttributeError, match="immutable"):
        res.has_constant = False
    with pytest.raises(AttributeError, match="immutable"):
        res.anything = 1
    with pytest.raises(AttributeError, match="immutable"):
        del res.condition_number
    # cached properties still work (they write to the instance dictionary directly)
    assert res.std_errors is res.std_errors


def test_base_class_has_no_plot() -> None:
    assert not hasattr(Results, "plot")
    assert not hasattr(OLS(pd.Series([1.0, 2, 4]), pd.Series([1.0, 2, 3])).fit(), "plot")


@pytest.mark.parametrize(("kw", "line"), [
    ({}, "Unadjusted (homoskedastic, s2 = SSR/n)"),
    ({"debiased": True}, "Unadjusted (homoskedastic, s2 = SSR/(n-k))"),
    ({"cov_type": "robust", "debiased": True}, "HC1 (robust, debiased)"),
    ({"cov_type": "HC2"}, "HC2 (heteroskedasticity-robust)"),
    ({"cov_type": "clustered", "clusters": "g"}, "Clustered (20 clusters, not debiased)"),
    ({"cov_type": "kernel", "bandwidth": 3}, "Newey-West kernel (Bartlett, bandwidth 3, "),
])
def test_summary_prints_the_covariance(data, kw, line) -> None:
    kw = {k: (data[v].to_numpy() if k == "clusters" else v) for k, v in kw.items()}
    text = OLS(data["y"], _exog(data)).fit(**kw).summary.as_text()
    assert line in text


def test_formula_error_names_the_term(data) -> None:
    with pytest.raises(SpecificationError, match=r"term 'log\(x1\) \+ z'|term 'z'"):
        OLS.from_formula("y ~ x1 + z", data, restricted=False)
    with pytest.raises(SpecificationError, match="is not valid"):
        OLS.from_formula("y ~ x1 +", data, restricted=False)
