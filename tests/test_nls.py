"""nls(): covariance estimators, convergence diagnostics, bad input, prediction, summaries.

Oracles: for a model linear in its parameters NLS must equal OLS exactly (parameters, and every
covariance of the registry checked against statsmodels' OLS: ``nonrobust`` is ``"unadjusted"``
with ``debiased=True``, HC0-HC3 by name, ``cluster`` with its default correction is
``"clustered"`` with ``debiased=True`` (Stata's factor) and without it ``debiased=False``); the
Jacobian compiled from sympy is checked against finite differences; the failure modes
(evaluation limit, plateau, singular Jacobian) are NIST problems and constructed models
where the right answer is known not to be reached.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from intelcap.estimation.linear import OLS
from intelcap.estimation.nls import NLS, OptimizerConfig, nls
from intelcap.exceptions import (
    ConvergenceWarning,
    CovarianceWarning,
    DataError,
    ExpressionError,
    IntelcapError,
    MissingDataError,
    ParameterError,
    SpecificationError,
)


@pytest.fixture
def linear_data(rng: np.random.Generator) -> pd.DataFrame:
    n = 200
    x = rng.uniform(1, 5, n)
    z = rng.normal(size=n)
    y = 1.0 + 0.5 * x - 0.3 * z + rng.normal(size=n) * (0.5 + 0.2 * x)
    return pd.DataFrame({"y": y, "x": x, "z": z}, index=pd.RangeIndex(100, 100 + n, name="id"))


#: (cov_type, debiased) of intelcap and the statsmodels fit that computes the same covariance
COV_CASES = [
    ("unadjusted", True), ("unadjusted", False), ("robust", False), ("robust", True),
    ("HC0", False), ("HC1", False), ("HC2", False), ("HC3", False), ("clustered", True),
    ("clustered", False),
]


def _statsmodels_se(y, exog, cov_type: str, debiased: bool, groups) -> np.ndarray:
    """Standard errors of statsmodels' OLS for the covariance intelcap calls (cov_type,
    debiased): linearmodels' semantics written out with statsmodels' names."""
    import statsmodels.api as sm

    mod = sm.OLS(np.asarray(y), np.asarray(exog))
    n, k = np.shape(exog)
    if cov_type == "unadjusted":
        se = mod.fit().bse
        return se if debiased else se * np.sqrt((n - k) / n)
    if cov_type == "robust":
        return mod.fit(cov_type="HC1" if debiased else "HC0").bse
    if cov_type == "clustered":
        return mod.fit(cov_type="cluster", cov_kwds={"groups": groups,
                                                     "use_correction": debiased}).bse
    return mod.fit(cov_type=cov_type).bse


@pytest.mark.parametrize(("cov_type", "debiased"), COV_CASES)
def test_linear_model_equals_ols(linear_data: pd.DataFrame, cov_type: str,
                                 debiased: bool) -> None:
    """A model linear in its parameters: NLS = OLS (parameters, SEs) for every covariance of the
    registry, against statsmodels (an independent computation)."""
    groups = np.arange(len(linear_data)) % 17
    kw = {"clusters": groups} if cov_type == "clustered" else {}
    res = nls("y ~ a + b*x + c*z", linear_data, {"a": 0.0, "b": 0.0, "c": 0.0},
              cov_type=cov_type, debiased=debiased, **kw)
    exog = linear_data[["x", "z"]].assign(const=1.0)[["const", "x", "z"]]
    ols = OLS(linear_data["y"], exog).fit()
    np.testing.assert_allclose(res.params.to_numpy(), ols.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(res.std_errors.to_numpy(),
                               _statsmodels_se(linear_data["y"], exog, cov_type, debiased,
                                               groups), rtol=1e-7)
    assert res.distribution == ("t" if debiased else "normal")
    assert res.converged
    assert res.resids.index.equals(linear_data.index)
    np.testing.assert_allclose(res.ssr, ols.ssr, rtol=1e-10)
    np.testing.assert_allclose(res.rsquared, ols.rsquared, rtol=1e-10)
    assert res.cov_estimate.description in res.summary.as_text()


def test_hc0_vs_hc1(linear_data: pd.DataFrame) -> None:
    """"robust" is HC0; HC1 (= robust with debiased=True) is HC0 times n/(n-p); the old hc=
    option is refused with a pointer to the new names."""
    start = {"a": 0.0, "b": 0.0, "c": 0.0}
    hc0 = nls("y ~ a + b*x + c*z", linear_data, start, cov_type="robust")
    hc1 = nls("y ~ a + b*x + c*z", linear_data, start, cov_type="HC1")
    deb = nls("y ~ a + b*x + c*z", linear_data, start, cov_type="robust", debiased=True)
    n, p = len(linear_data), 3
    np.testing.assert_allclose(hc1.cov.to_numpy(), hc0.cov.to_numpy() * n / (n - p), rtol=1e-10)
    np.testing.assert_allclose(deb.cov.to_numpy(), hc1.cov.to_numpy(), rtol=1e-12)
    with pytest.raises(SpecificationError, match="cov_type='HC0' or 'HC1'"):
        nls("y ~ a + b*x + c*z", linear_data, start, cov_type="robust", hc="HC0")


def test_jacobian_matches_finite_differences(rng: np.random.Generator) -> None:
    """The sympy Jacobian (with data-only subexpressions hoisted and X**theta rewritten as
    exp(theta log X)) equals central finite differences of the residual."""
    n = 50
    df = pd.DataFrame({"x": rng.uniform(0.5, 3, n), "w": rng.normal(size=n)})
    df["y"] = 2 * df["x"] ** 0.7 * np.exp(-0.3 * df["w"]) + np.sin(df["w"])
    model = NLS("y ~ a * x**b * exp(c*w) + sin(w)*d + log(x)*e", df,
                {"a": 1.5, "b": 0.5, "c": -0.1, "d": 0.8, "e": 0.1})
    resid, jac = model._functions()
    theta = model.start.to_numpy()
    num = np.empty((n, theta.size))
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        num[:, j] = (resid(tp) - resid(tm)) / (2 * h)
    np.testing.assert_allclose(jac(theta), num, rtol=1e-6, atol=1e-8)
    # data-only pieces were hoisted (log(x), sin(w)) and evaluated once per fit
    assert model.compiled.derived


def test_negative_base_is_not_rewritten(rng: np.random.Generator) -> None:
    """x**b with x <= 0 somewhere is kept as a power (no log of a non-positive column)."""
    x = np.linspace(-2, 2, 41)
    df = pd.DataFrame({"x": x, "y": 1.5 * x**2 + 0.1 * rng.normal(size=41)})
    res = nls("y ~ a*x**2 + c", df, {"a": 1.0, "c": 0.0})
    assert res.converged
    assert abs(res.params["a"] - 1.5) < 0.05


def _boxbod() -> tuple[pd.DataFrame, dict[str, float]]:
    from intelcap.datasets import nist_strd

    problem = nist_strd.load("BoxBOD", kind="nonlinear")
    return problem.data, problem.starts["start1"].to_dict()


def test_plateau_is_not_convergence() -> None:
    """NIST BoxBOD from start 1 with MINPACK alone stops (ftol test satisfied) on a plateau far
    from the certified optimum (b1 = 213.81, b2 = 0.5472): converged is False, a warning says why
    (the first-order condition fails), and the default settings do reach the optimum."""
    data, start = _boxbod()
    with pytest.warns(ConvergenceWarning, match="first-order"):
        bad = nls("y ~ b1*(1 - exp(-b2*x))", data, start, method="lm", restarts=0, polish=False,
                  gauss_newton=0)
    assert not bad.converged
    assert bad.optimizer_status > 0  # scipy itself reported success
    assert abs(bad.params["b2"] / 0.54723748542 - 1) > 0.01
    assert "NO" in bad.summary.as_text()
    good = nls("y ~ b1*(1 - exp(-b2*x))", data, start)
    assert good.converged
    np.testing.assert_allclose(good.params[["b1", "b2"]], [213.80940889, 0.54723748542],
                               rtol=1e-6)


def test_evaluation_limit_is_not_convergence() -> None:
    data, start = _boxbod()
    with pytest.warns(ConvergenceWarning, match="max_nfev"):
        res = nls("y ~ b1*(1 - exp(-b2*x))", data, start, max_nfev=3, restarts=0,
                  polish=False)
    assert not res.converged
    assert res.optimizer_status == 0


def test_singular_jacobian_is_not_convergence(rng: np.random.Generator) -> None:
    """y ~ a*b*x: only the product is identified, the Jacobian has rank 1 everywhere."""
    x = rng.uniform(1, 2, 30)
    df = pd.DataFrame({"x": x, "y": 3 * x + 0.01 * rng.normal(size=30)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = nls("y ~ a*b*x", df, {"a": 1.0, "b": 1.0})
    text = [str(w.message) for w in caught]
    assert any(issubclass(w.category, ConvergenceWarning) and "rank deficient" in str(w.message)
               for w in caught), text
    # no pseudo-inverse in silence: the covariance names what is not identified, SEs are NaN
    assert any(issubclass(w.category, CovarianceWarning) and "['a', 'b']" in str(w.message)
               for w in caught), text
    assert res.std_errors.isna().all()
    assert not res.converged
    assert res.jacobian_rcond < 1e-13
    np.testing.assert_allclose(res.params["a"] * res.params["b"], 3.0, rtol=1e-2)


def test_convergence_warning_states_reason_first(rng: np.random.Generator) -> None:
    """The warning starts with its reason; the (long) formula comes last, truncated."""
    x = rng.uniform(1, 2, 30)
    df = pd.DataFrame({"x": x, "y": 3 * x + 0.01 * rng.normal(size=30)})
    long_rhs = "a*b*x" + "".join(f" + 0*x**{k}" for k in range(2, 200))
    # a*b is one direction: the covariance says which parameters it cannot identify
    with pytest.warns(CovarianceWarning, match=r"\['a', 'b'\] are not identified"), \
            pytest.warns(ConvergenceWarning) as rec:
        nls(f"y ~ {long_rhs}", df, {"a": 1.0, "b": 1.0})
    msg = str(next(w.message for w in rec if issubclass(w.category, ConvergenceWarning)))
    assert msg.startswith("NLS did not converge: the Jacobian is singular or rank deficient")
    assert msg.index("Model: ") > msg.index("rank deficient")
    assert len(msg.split("Model: ")[1]) <= 200 and msg.endswith("...")


def test_predict_validates(linear_data: pd.DataFrame) -> None:
    """predict() names the row where the model is undefined, the column with a bad value and
    a missing parameter, instead of returning NaN or -inf in silence."""
    res = nls("y ~ a + b*log(x)", linear_data, {"a": 0.0, "b": 1.0})
    good = pd.DataFrame({"x": [1.0, 2.0]}, index=["r1", "r2"])
    assert res.predict(good).index.tolist() == ["r1", "r2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's log warning is not let through either
        with pytest.raises(DataError, match="first at row 'r2'"):
            res.predict(pd.DataFrame({"x": [1.0, -1.0]}, index=["r1", "r2"]))
        with pytest.raises(DataError, match="first at row 'r1'"):
            res.predict(pd.DataFrame({"x": [0.0, 2.0]}, index=["r1", "r2"]))  # log 0 = -inf
    with pytest.raises(DataError, match="'x' has 1 non-finite value"):
        res.predict(pd.DataFrame({"x": [1.0, np.nan]}))
    with pytest.raises(DataError, match="lacks column"):
        res.predict(pd.DataFrame({"z": [1.0]}))
    with pytest.raises(ParameterError, match="lacks"):
        res.model.predict({"a": 1.0}, good)


def test_plot_fitted_against_actual(linear_data: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    res = nls("y ~ a + b*x + c*z", linear_data, {"a": 0.0, "b": 0.0, "c": 0.0})
    ax = res.plot()
    assert isinstance(ax, matplotlib.axes.Axes)
    xs, ys = ax.lines[0].get_data()
    np.testing.assert_allclose(xs, linear_data["y"].to_numpy())
    np.testing.assert_allclose(ys, res.fitted_values.to_numpy())


def test_parameter_without_effect_is_not_convergence(rng: np.random.Generator) -> None:
    """b enters through exp(-b*x) scaled by c; at c = 0 nothing depends on b (zero column)."""
    x = rng.uniform(0, 1, 40)
    df = pd.DataFrame({"x": x, "y": 1 + 0.001 * rng.normal(size=40)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = nls("y ~ a + c*exp(-b*x)", df, {"a": 1.0, "b": 1.0, "c": 0.0}, max_nfev=5,
                  restarts=0)
    if not res.converged:
        assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    else:  # it may identify c and b from the noise; then it must be a genuine optimum
        assert res.relative_offset < 1e-4


def test_bad_input(linear_data: pd.DataFrame) -> None:
    start = {"a": 0.0, "b": 0.0}
    # a name that is neither a column nor a key of start: reported as a missing start value
    with pytest.raises(ParameterError, match="start value of 'q' is missing"):
        nls("y ~ a + b*q", linear_data, start)
    with pytest.raises(ExpressionError):
        nls("y ~ a + b.__class__", linear_data, start)
    with pytest.raises(ExpressionError):
        nls("y ~ __import__('os')", linear_data, start)
    with pytest.raises(SpecificationError, match="do not appear"):
        nls("y ~ a + b*x", linear_data, {"a": 0.0, "b": 0.0, "zz": 1.0})
    with pytest.raises(SpecificationError, match="also data columns"):
        nls("y ~ x*z", linear_data, {"x": 1.0})
    with pytest.raises(ParameterError, match="'b'"):
        nls("y ~ a + b*x", linear_data, {"a": 0.0, "b": np.nan})
    with pytest.raises(SpecificationError, match="cov_type"):
        nls("y ~ a + b*x", linear_data, start, cov_type="hac")
    with pytest.raises(SpecificationError, match="clusters"):
        nls("y ~ a + b*x", linear_data, start, cov_type="clustered")
    with pytest.raises(SpecificationError, match="unknown option"):
        nls("y ~ a + b*x", linear_data, start, tolerance=1e-3)
    with pytest.raises(ParameterError, match="start values"):
        nls("y ~ a + log(b - x)", linear_data, start)  # log of negatives at the start
    missing = linear_data.copy()
    missing.iloc[3, 1] = np.nan
    with pytest.raises(MissingDataError, match="'x'"):
        nls("y ~ a + b*x", missing, start)
    assert nls("y ~ a + b*x", missing, start, missing="drop").nobs == len(linear_data) - 1
    with pytest.raises(SpecificationError, match="observations"):
        nls("y ~ a + b*x", linear_data.iloc[:2], start)
    with pytest.raises(DataError, match="not numeric"):
        nls("y ~ a + b*x", linear_data.assign(x="text"), start)
    with pytest.raises(SpecificationError, match="bounds"):
        nls("y ~ a + b*x", linear_data, start, bounds={"a": (0, 1)}, method="lm")
    with pytest.raises(ParameterError, match="outside its bounds"):
        nls("y ~ a + b*x", linear_data, {"a": 5.0, "b": 0.0}, bounds={"a": (0, 1)})
    # every error is an IntelcapError
    with pytest.raises(IntelcapError):
        nls("y ~ ", linear_data, start)


def test_bounds_predict_and_summary(linear_data: pd.DataFrame) -> None:
    # the unconstrained optimum (b ~ 0.5) is outside the bounds: the fit stops at the bound and
    # says that this is a constrained optimum, not a converged least-squares fit
    with pytest.warns(ConvergenceWarning, match="at a bound"):
        res = nls("y ~ a + b*x + c*z", linear_data, {"a": 0.0, "b": 0.1, "c": 0.0},
                  bounds={"b": (0.0, 0.3)})
    assert not res.converged
    np.testing.assert_allclose(res.params["b"], 0.3)
    free = nls("y ~ a + b*x + c*z", linear_data, {"a": 0.0, "b": 0.1, "c": 0.0})
    new = pd.DataFrame({"x": [1.0, 2.0], "z": [0.0, 1.0]})
    pred = free.predict(new)
    expected = free.params["a"] + free.params["b"] * new["x"] + free.params["c"] * new["z"]
    np.testing.assert_allclose(pred.to_numpy(), expected.to_numpy())
    text = free.summary.as_text()
    assert "Nonlinear Least Squares" in text and "Relative offset" in text
    assert "\\_" not in free.summary.as_html()
    assert isinstance(free.config, OptimizerConfig)
    assert "OptimizerConfig" in str(free.config)
    np.testing.assert_allclose(free.fitted_values + free.resids, linear_data["y"])


def test_same_model_compiled_once(linear_data: pd.DataFrame) -> None:
    a = NLS("y ~ a + b*x", linear_data, {"a": 0.0, "b": 0.0})
    b = NLS("y ~ a + b*x", linear_data.iloc[:50], {"a": 1.0, "b": 1.0})
    assert a.compiled is b.compiled


# ---------------------------------------------------------------------------------------------
# tall data (n >= 20,000): Levenberg-Marquardt on the cross-product, diagnostics from J'J
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cov_type", "debiased"),
                         [("unadjusted", True), ("robust", False), ("clustered", True)])
def test_tall_linear_model_equals_ols(rng: np.random.Generator, cov_type: str,
                                      debiased: bool) -> None:
    """Tall data take the cross-product path (optimiser, diagnostics and bread from J'J);
    a model linear in its parameters must still equal OLS (statsmodels, QR-based), rel 1e-8."""
    n = 30_000
    x = rng.uniform(1, 5, n)
    z = rng.normal(size=n)
    y = 1.0 + 0.5 * x - 0.3 * z + rng.normal(size=n) * (0.5 + 0.2 * x)
    df = pd.DataFrame({"y": y, "x": x, "z": z})
    groups = np.arange(n) % 97
    kw = {"clusters": groups} if cov_type == "clustered" else {}
    res = nls("y ~ a + b*x + c*z", df, {"a": 0.0, "b": 0.0, "c": 0.0}, cov_type=cov_type,
              debiased=debiased, **kw)
    exog = df[["x", "z"]].assign(const=1.0)[["const", "x", "z"]]
    ols = OLS(df["y"], exog).fit()
    assert res.converged
    np.testing.assert_allclose(res.params.to_numpy(), ols.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(res.std_errors.to_numpy(),
                               _statsmodels_se(df["y"], exog, cov_type, debiased, groups),
                               rtol=1e-8)
    np.testing.assert_allclose(res.fitted_values.to_numpy(), ols.fitted_values.to_numpy(),
                               rtol=1e-10, atol=1e-12)


def test_tall_ces_matches_minpack_path(rng: np.random.Generator) -> None:
    """A tall CES fit by the cross-product path equals the same fit through MINPACK with the
    QR-based diagnostics (``method="lm"``): parameters rel 1e-7, standard errors and the
    Jacobian's reciprocal condition number rel 1e-6."""
    n = 30_000
    k = np.exp(rng.normal(1, 0.6, n))
    lab = np.exp(rng.normal(1, 0.6, n))
    y = 2.0 * (0.35 * k**-0.6 + 0.65 * lab**-0.6) ** (0.9 / -0.6) * np.exp(
        rng.normal(0, 0.05, n))
    df = pd.DataFrame({"K": k, "L": lab, "Y": y})
    formula = "log(Y) ~ log(A) + nu/rho*log(delta*K**rho + (1 - delta)*L**rho)"
    start = {"A": 1.0, "delta": 0.5, "rho": -0.2, "nu": 1.0}
    tall = nls(formula, df, start)
    ref = nls(formula, df, start, method="lm")
    assert tall.converged and ref.converged
    np.testing.assert_allclose(tall.params.to_numpy(), ref.params.to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(tall.std_errors.to_numpy(), ref.std_errors.to_numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(tall.jacobian_rcond, ref.jacobian_rcond, rtol=1e-6)
    assert tall.nfev < ref.nfev


def test_tall_ill_conditioned_falls_back_to_qr(rng: np.random.Generator) -> None:
    """When the scaled Jacobian's condition number exceeds the cross-product limit, J itself is
    factored: two nearly collinear regressors (condition ~1e5) still give OLS's standard errors
    to rel 1e-6."""
    n = 30_000
    x = rng.normal(size=n)
    w = x + 1e-5 * rng.normal(size=n)
    y = 1.0 + x + w + rng.normal(size=n)
    df = pd.DataFrame({"y": y, "x": x, "w": w})
    res = nls("y ~ a + b*x + c*w", df, {"a": 0.0, "b": 0.0, "c": 0.0}, debiased=True)
    exog = df[["x", "w"]].assign(const=1.0)[["const", "x", "w"]]
    ols = OLS(df["y"], exog).fit()
    assert res.jacobian_rcond < 1e-4
    np.testing.assert_allclose(res.params.to_numpy(), ols.params.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(res.std_errors.to_numpy(),
                               _statsmodels_se(df["y"], exog, "unadjusted", True, None),
                               rtol=1e-6)


def test_results_do_not_follow_later_changes_of_the_data():
    """The left-hand side is a data column: the results keep their own copy of it, so changing
    the caller's frame after the fit does not change the results' left-hand side."""
    x = np.linspace(0, 5, 60)
    df = pd.DataFrame({"x": x, "y": 3 * (1 - np.exp(-0.7 * x)) + 0.01 * np.sin(7 * x)})
    res = nls("y ~ b1*(1 - exp(-b2*x))", df, {"b1": 1.0, "b2": 0.1})
    fitted = res.fitted_values.to_numpy().copy()
    df.loc[0, "y"] = 1e6
    df["y"] = df["y"] * 2
    np.testing.assert_array_equal(res.fitted_values.to_numpy(), fitted)
    np.testing.assert_array_equal(res._lhs.to_numpy() - res.resids.to_numpy(), fitted)
