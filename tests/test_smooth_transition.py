"""Smooth transition regression: LSTR and the panel PSTR.

Reference chain for the PSTR: data ``intelcap.datasets.pstr`` (not bundled: Hansen's
investment panel as shipped with the R package PSTR, 560 firms x 14 years); reference numbers
from the README of the R package PSTR (GitHub ``yukai-yang/PSTR``, README.md of versions 1.1.0
and 1.2.4, identical there), output of

    pstr = NewPSTR(Hansen99, dep='inva', indep=4:20, indep_k=c('vala','debta','cfa','sales'),
                   tvars=c('vala'), im=1, iT=14)
    pstr = LinTest(use=pstr); print(pstr, "tests")      # linearity tests, m = 1
    pstr0 = EstPSTR(use=pstr); print(pstr0, "estimates")  # linear fixed-effects model

    m  LM_X PV  LM_F PV HAC_X        PV HAC_F        PV
    1 125.3  0 28.99  0 30.03 4.819e-06 6.952 1.396e-05

Tolerances are half a unit of the last printed digit.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intelcap.estimation.results import InvalidTestStatistic, TestStatistic
from intelcap.estimation.smooth_transition import (
    PanelSmoothTransition,
    PanelSmoothTransitionResults,
    SmoothTransition,
    SmoothTransitionResults,
    TransitionGrid,
    logistic_transition,
)
from intelcap.exceptions import (
    DataError,
    IntelcapError,
    IntelcapWarning,
    MissingDataError,
    SpecificationError,
)

matplotlib.use("Agg")

LINEAR = [f"dt_{y}" for y in range(75, 88)] + ["vala", "debta", "cfa", "sales"]
NONLIN = ["vala", "debta", "cfa", "sales"]


@pytest.fixture(scope="module")
def hansen99() -> pd.DataFrame:
    from intelcap.datasets import DatasetNotAvailable, pstr

    try:
        return pstr.load()
    except DatasetNotAvailable as exc:  # GPL-packaged data: intelcap does not ship it
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def pstr_model(hansen99) -> PanelSmoothTransition:
    return PanelSmoothTransition.from_frame(hansen99, "inva", LINEAR, "vala", NONLIN)


# -- PSTR: the R package's numbers -------------------------------------------------------------

@pytest.mark.reference
def test_pstr_linearity_tests_match_r_package(pstr_model):
    """R PSTR README (LinTest, m = 1, transition 'vala'): LM_X 125.3, LM_F 28.99,
    HAC_X 30.03 (p 4.819e-06), HAC_F 6.952 (p 1.396e-05); p-values of LM_X/LM_F print as 0."""
    t = pstr_model.linearity_test()
    assert abs(t["LM_X"].stat - 125.3) <= 0.05
    assert abs(t["LM_F"].stat - 28.99) <= 0.005
    assert abs(t["HAC_X"].stat - 30.03) <= 0.005
    assert abs(t["HAC_F"].stat - 6.952) <= 0.0005
    assert abs(t["HAC_X"].pval - 4.819e-06) <= 0.0005e-06
    assert abs(t["HAC_F"].pval - 1.396e-05) <= 0.0005e-05
    assert t["LM_X"].pval < 5e-5 and t["LM_F"].pval < 5e-5  # printed as 0 (4 digits)
    assert t["LM_X"].df == 4.0
    assert t["LM_F"].df == (4.0, 7840 - 4 - 560 - 17)
    assert all(isinstance(v, TestStatistic) for v in t.values())


@pytest.mark.reference
def test_pstr_linear_fixed_effects_match_r_package(pstr_model):
    """R PSTR README, EstPSTR(use=pstr) (linear panel with fixed effects): estimates and
    (cluster-robust) standard errors of the four firm variables and two time dummies, and the
    residual standard deviation 0.04375 (sqrt(SSR/NT)). The package's clustered covariance has
    no small-sample factor at all: in the registry's (linearmodels') terms
    cov_type="clustered" by entity with debiased=False (the default; entity effects nested in
    the clusters use no degrees of freedom, as in linearmodels' PanelOLS)."""
    res = pstr_model.linear_fit("clustered", debiased=False)
    published = {
        "dt_75": (-0.007759, 0.002306), "dt_87": (0.0004091, 0.0030080),
        "vala": (0.008334, 0.001259), "debta": (-0.016380, 0.005725),
        "cfa": (0.06506, 0.01079), "sales": (0.007957, 0.002412),
    }
    for name, (b, se) in published.items():
        digits_b = 10.0 ** (np.floor(np.log10(abs(b))) - 3)  # 4 significant digits printed
        digits_se = 10.0 ** (np.floor(np.log10(se)) - 3)
        assert abs(res.params[name] - b) <= 0.5 * digits_b + 1e-12, name
        assert abs(res.std_errors[name] - se) <= 0.5 * digits_se + 1e-12, name
    assert abs(np.sqrt(res.ssr / res.nobs) - 0.04375) <= 0.000005


@pytest.mark.reference
def test_pstr_wild_bootstrap_reproducible(pstr_model):
    a = pstr_model.linearity_test(bootstrap=49, seed=7)
    b = pstr_model.linearity_test(bootstrap=49, seed=7)
    for name in ("WB", "WCB"):
        assert a[name].reps == 49 and a[name].seed == 7
        np.testing.assert_array_equal(a[name].replications, b[name].replications)
        assert a[name].stat == pytest.approx(a["LM_X"].stat)
        # LM_X = 125 is far out in the bootstrap distribution
        assert a[name].pval == 0.0
        assert a[name].critical_values[0.05] < a["LM_X"].stat


@pytest.mark.reference
def test_pstr_fit_on_hansen99(pstr_model):
    """The Hansen99 PSTR is weakly identified in c: the optimum lies at the lower edge of the
    sample range of Tobin's Q (the R package's versions report different local solutions,
    gamma 4.953 / c 0.4949 in 1.1.0 and gamma 0.6299 / c -0.0002 in 1.2.4); intelcap bounds c
    by the data, says so, and its fit is at least as good as both (sigma 0.04323, 0.04301)."""
    with pytest.warns(IntelcapWarning, match="bound"):
        res = pstr_model.fit(grid=TransitionGrid(n_gamma=8, n_c=10))
    assert isinstance(res, PanelSmoothTransitionResults)
    assert res.at_bound
    assert np.sqrt(res.ssr / res.nobs) <= 0.04301 + 5e-6
    assert res.n_entities == 560 and res.nobs == 7840
    rem = res.remaining_nonlinearity_test()
    assert set(rem) == {"LM_X", "LM_F", "HAC_X", "HAC_F"}


# -- PSTR: simulated recovery -----------------------------------------------------------------

def _simulate_pstr(rng, n_ent=150, n_t=10, gamma=4.0, c=0.5):
    ent = np.repeat(np.arange(n_ent), n_t)
    tim = np.tile(np.arange(n_t), n_ent)
    mu = rng.normal(0, 1, n_ent)[ent]
    q = rng.uniform(-1.5, 2.5, ent.size) + 0.3 * mu
    x1 = rng.normal(size=ent.size) + 0.5 * mu
    x2 = rng.normal(size=ent.size)
    g = logistic_transition(q, gamma, c)
    y = mu + 0.5 * x1 - 0.3 * x2 + (1.0 * x1 + 0.6 * x2) * g + rng.normal(0, 0.5, ent.size)
    idx = pd.MultiIndex.from_arrays([ent, tim], names=["entity", "time"])
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "q": q}, index=idx)


def test_pstr_recovers_simulated_parameters(rng):
    data = _simulate_pstr(rng)
    mod = PanelSmoothTransition.from_frame(data, "y", ["x1", "x2"], "q")
    res = mod.fit(grid=TransitionGrid(n_gamma=10, n_c=12, gamma_range=(0.5, 20.0)))
    true = {"b0.x1": 0.5, "b0.x2": -0.3, "b1.x1": 1.0, "b1.x2": 0.6, "gamma": 4.0, "c": 0.5}
    ci = res.conf_int(0.99)
    for name, value in true.items():
        assert ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"], (name, res.params[name])
    assert res.converged and not res.at_bound
    lin = mod.linearity_test()
    assert lin["LM_X"].pval < 1e-6  # strong nonlinearity is detected
    rem = res.remaining_nonlinearity_test()
    assert rem["LM_F"].pval > 0.01  # a correctly specified PSTR leaves none


def test_pstr_linearity_size_under_null(rng):
    """Under a linear FE model the wild-cluster bootstrap p-value is not small."""
    data = _simulate_pstr(rng, n_ent=80, n_t=6)
    data = data.assign(y=data["x1"] * 0.5 + rng.normal(0, 1, len(data)))
    mod = PanelSmoothTransition.from_frame(data, "y", ["x1", "x2"], "q")
    t = mod.linearity_test(bootstrap=99, seed=3)
    assert t["LM_X"].pval > 0.01 and t["WCB"].pval > 0.01


# -- LSTR --------------------------------------------------------------------------------------

def _simulate_lstr(rng, n=500, gamma=3.0, c=0.5):
    q = rng.normal(0, 2, n)
    x = rng.normal(size=n)
    g = logistic_transition(q, gamma, c, scale=np.std(q, ddof=1))
    y = 1 + 0.5 * x + (-1 + 1.5 * x) * g + rng.normal(0, 0.3, n)
    return pd.DataFrame({"y": y, "const": 1.0, "x": x, "q": q})


LSTR_TRUE = {"b0.const": 1.0, "b0.x": 0.5, "b1.const": -1.0, "b1.x": 1.5, "gamma": 3.0,
             "c": 0.5}


def test_lstr_recovers_known_gamma_and_c(rng):
    data = _simulate_lstr(rng)
    res = SmoothTransition.from_frame(data, "y", ["const", "x"], "q").fit()
    assert isinstance(res, SmoothTransitionResults) and res.converged
    se = res.std_errors
    for name, value in LSTR_TRUE.items():
        assert abs(res.params[name] - value) <= 3 * se[name], (name, res.params[name])
    assert res.tests["LM_X"].pval < 1e-10
    assert res.scale == pytest.approx(data["q"].std(ddof=1))


def test_lstr_confidence_interval_coverage():
    """40 seeded replications: each parameter's 95% CI covers the truth in >= 85% of them
    (at the nominal 95%, fewer than 34/40 has probability about 1%)."""
    hits = dict.fromkeys(LSTR_TRUE, 0)
    reps = 40
    grid = TransitionGrid(n_gamma=8, n_c=10)
    for seed in range(reps):
        data = _simulate_lstr(np.random.default_rng(1000 + seed), n=400)
        res = SmoothTransition.from_frame(data, "y", ["const", "x"], "q").fit(grid=grid)
        ci = res.conf_int(0.95)
        for name, value in LSTR_TRUE.items():
            hits[name] += int(ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"])
    coverage = {k: v / reps for k, v in hits.items()}
    assert min(coverage.values()) >= 0.85, coverage


def test_lstr2_recovery(rng):
    n = 600
    q = rng.normal(0, 2, n)
    x = rng.normal(size=n)
    g = logistic_transition(q, 2.0, [-1.0, 1.5], scale=np.std(q, ddof=1) ** 2)
    y = 1 + 0.5 * x + (2 - x) * g + rng.normal(0, 0.3, n)
    data = pd.DataFrame({"y": y, "const": 1.0, "x": x, "q": q})
    res = SmoothTransition.from_frame(data, "y", ["const", "x"], "q", order=2).fit(
        grid=TransitionGrid(n_gamma=8, n_c=12))
    ci = res.conf_int(0.99)
    for name, value in {"gamma": 2.0, "c1": -1.0, "c2": 1.5, "b1.const": 2.0}.items():
        assert ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"], name


def test_lstr_linearity_f_equals_nested_ols_f(rng):
    """Oracle: LM_F is the F test of the auxiliary terms in y ~ X + z q + z q^2 + z q^3."""
    import statsmodels.api as sm

    data = _simulate_lstr(rng, n=300)
    mod = SmoothTransition.from_frame(data, "y", ["const", "x"], "q")
    t = mod.linearity_test()
    x = data[["const", "x"]].to_numpy()
    q = data["q"].to_numpy()[:, None]
    aux = np.column_stack([x * q, x * q**2, x * q**3])
    big = sm.OLS(data["y"].to_numpy(), np.column_stack([x, aux])).fit()
    small = sm.OLS(data["y"].to_numpy(), x).fit()
    f, p, df = big.compare_f_test(small)
    assert t["LM_F"].stat == pytest.approx(f, rel=1e-9)
    assert t["LM_F"].pval == pytest.approx(p, rel=1e-6)
    assert df == 6 and t["LM_X"].df == 6.0


def test_robust_covariance_and_start(rng):
    data = _simulate_lstr(rng, n=400)
    mod = SmoothTransition.from_frame(data, "y", ["const", "x"], "q")
    a = mod.fit(start={"gamma": 2.0, "c": 0.0}, cov_type="robust")
    b = mod.fit(grid=TransitionGrid(n_gamma=5, n_c=5))
    assert a.cov_type == "robust" and a.grid_ssr is None and b.grid_ssr is not None
    np.testing.assert_allclose(a.params, b.params, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a.std_errors, b.std_errors)


def test_plot_and_summary(rng):
    data = _simulate_lstr(rng, n=200)
    res = SmoothTransition.from_frame(data, "y", ["const", "x"], "q").fit(
        grid=TransitionGrid(n_gamma=5, n_c=6))
    ax = res.plot()
    assert ax.get_xlabel() == "q" and len(ax.lines) >= 2
    text = res.summary.as_text()
    assert "Tests" in text and "gamma" in text
    assert "b0.const" in res.summary.as_html()
    assert res.transition(pd.Series([-100.0, 100.0])).round(6).tolist() == [0.0, 1.0]


def test_logistic_transition_derivatives():
    from intelcap.estimation.smooth_transition.transition import _logistic_parts

    q = np.linspace(-2, 3, 11)
    c = np.array([-0.5, 1.0])
    g, dg, dc = _logistic_parts(q, 1.7, c, 2.0)
    h = 1e-6
    num = (_logistic_parts(q, 1.7 + h, c, 2.0)[0] - _logistic_parts(q, 1.7 - h, c, 2.0)[0]) / (
        2 * h)
    np.testing.assert_allclose(dg, num, atol=1e-8)
    for k in range(2):
        e = np.eye(2)[k] * h
        num = (_logistic_parts(q, 1.7, c + e, 2.0)[0] - _logistic_parts(q, 1.7, c - e, 2.0)[0]
               ) / (2 * h)
        np.testing.assert_allclose(dc[:, k], num, atol=1e-8)


# -- bad input ---------------------------------------------------------------------------------

def test_bad_input_named(rng, hansen99):
    data = _simulate_lstr(rng, n=100)
    with pytest.raises(DataError, match="xx"):
        SmoothTransition.from_frame(data, "y", ["const", "xx"], "q")
    bad = data.copy()
    bad.loc[5, "q"] = np.nan
    with pytest.raises(MissingDataError, match="'q'") as err:
        SmoothTransition.from_frame(bad, "y", ["const", "x"], "q")
    assert isinstance(err.value, IntelcapError)
    res = SmoothTransition.from_frame(bad, "y", ["const", "x"], "q", missing="drop").fit(
        grid=TransitionGrid(n_gamma=4, n_c=4))
    assert res.nobs == 99
    with pytest.raises(SpecificationError):
        SmoothTransition.from_frame(data, "y", ["const", "x"], "q", order=3)
    with pytest.raises(SpecificationError, match="cov_type"):
        SmoothTransition.from_frame(data, "y", ["const", "x"], "q").fit(cov_type="hc9")
    with pytest.raises(DataError, match="MultiIndex"):
        PanelSmoothTransition.from_frame(data, "y", ["x"], "q")
    with pytest.raises(DataError, match="'const'"):
        PanelSmoothTransition.from_frame(hansen99.assign(const=1.0), "inva", ["const", "vala"],
                                         "vala")
    with pytest.raises(DataError, match="constant"):
        SmoothTransition.from_frame(data.assign(q=1.0), "y", ["const", "x"], "q")


def test_invalid_statistic_when_auxiliary_collinear(rng):
    data = _simulate_lstr(rng, n=100).assign(q=lambda d: d["x"])
    # z = [const] and q = x: z q = x is already in exog, so one auxiliary term drops
    mod = SmoothTransition(data["y"], data[["const", "x"]], data["q"], data[["const"]])
    t = mod.linearity_test(taylor_order=1)
    assert isinstance(t["LM_X"], InvalidTestStatistic) and not t["LM_X"].valid


def test_nonconvergence_warns(rng):
    data = _simulate_lstr(rng, n=200)
    mod = SmoothTransition.from_frame(data, "y", ["const", "x"], "q")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = mod.fit(start={"gamma": 0.1, "c": 3.0}, max_nfev=2)
    assert not res.converged
    assert any("did not converge" in str(w.message) for w in rec)


# -- oracles for the panel LM statistics -------------------------------------------------------

def _within_ssr(data: pd.DataFrame, dep: str, cols: list[str]) -> float:
    from linearmodels.panel import PanelOLS

    res = PanelOLS(data[dep], data[cols], entity_effects=True).fit()
    return float(res.resid_ss)


@pytest.mark.reference
def test_pstr_lm_equals_nested_fixed_effects_ssr(hansen99, pstr_model):
    """Oracle through linearmodels: LM_X = NT (SSR_0 - SSR_1) / SSR_0 with SSR_1 the
    fixed-effects fit augmented by z q, z q^2 (joint m = 2 test) and, for the sequence test
    at m = 2, SSR_0 the fit already augmented by z q."""
    d = hansen99.copy()
    aux1, aux2 = [], []
    for v in NONLIN:
        d[f"{v}_q1"] = d[v] * d["vala"]
        d[f"{v}_q2"] = d[v] * d["vala"] ** 2
        aux1.append(f"{v}_q1")
        aux2.append(f"{v}_q2")
    # vala * vala duplicates nothing in LINEAR, so all eight terms add rank
    nt = len(d)
    ssr0 = _within_ssr(d, "inva", LINEAR)
    ssr1 = _within_ssr(d, "inva", LINEAR + aux1)
    ssr2 = _within_ssr(d, "inva", LINEAR + aux1 + aux2)
    joint = pstr_model.linearity_test(order=2)
    assert joint["LM_X"].stat == pytest.approx(nt * (ssr0 - ssr2) / ssr0, rel=1e-8)
    assert joint["LM_X"].df == 8.0
    seq = pstr_model.sequence_tests(max_order=2)
    assert seq[1]["LM_X"].stat == pytest.approx(nt * (ssr0 - ssr1) / ssr0, rel=1e-8)
    assert seq[1]["HAC_X"].stat == pytest.approx(30.03, abs=0.005)
    assert seq[2]["LM_X"].stat == pytest.approx(nt * (ssr1 - ssr2) / ssr1, rel=1e-8)
    assert seq[2]["LM_F"].df == (4.0, nt - 4 - 560 - 21)


# -- invariances ---------------------------------------------------------------------------------

_INV_DATA = _simulate_lstr(np.random.default_rng(11), n=150)


@settings(max_examples=25, deadline=None)
@given(a=st.floats(0.1, 10.0) | st.floats(-10.0, -0.1), b=st.floats(-5.0, 5.0))
def test_lstr_lm_invariant_to_affine_transition(a, b):
    """With a constant in exog and z = exog, the LM3 statistic depends on q only through the
    span of z q^j (j <= 3), which an affine map of q leaves unchanged."""
    d = _INV_DATA
    base = SmoothTransition(d["y"], d[["const", "x"]], d["q"]).linearity_test()
    moved = SmoothTransition(d["y"], d[["const", "x"]], a * d["q"] + b).linearity_test()
    assert moved["LM_X"].stat == pytest.approx(base["LM_X"].stat, rel=1e-6)


def test_lstr_estimate_equivariant_to_rescaling_q(rng):
    """With gamma normalised by sd(q), rescaling q by k leaves gamma and scales c by k."""
    data = _simulate_lstr(rng, n=300)
    grid = TransitionGrid(n_gamma=6, n_c=8)
    r1 = SmoothTransition.from_frame(data, "y", ["const", "x"], "q").fit(grid=grid)
    r2 = SmoothTransition.from_frame(data.assign(q=data["q"] * 7.0), "y", ["const", "x"],
                                     "q").fit(grid=grid)
    assert r2.gamma == pytest.approx(r1.gamma, rel=1e-5)
    assert r2.c[0] == pytest.approx(7.0 * r1.c[0], rel=1e-5)
    assert r2.ssr == pytest.approx(r1.ssr, rel=1e-9)


# -- covariances: the registry, against independent computations -----------------------------

def _lstr_as_nls(data: pd.DataFrame, res: SmoothTransitionResults, scale: float):
    """The LSTR1 of _simulate_lstr written as an NLS formula (start: LSTR's estimates)."""
    formula = f"y ~ a0 + a1*x + (g0 + g1*x)/(1 + exp(-gamma*(q - c)/{scale!r}))"
    names = {"a0": "b0.const", "a1": "b0.x", "g0": "b1.const", "g1": "b1.x", "gamma": "gamma",
             "c": "c"}
    start = {k: float(res.params[v]) for k, v in names.items()}
    return formula, start, names


@pytest.mark.parametrize(("cov_type", "debiased"), [
    ("unadjusted", False), ("unadjusted", True), ("robust", False), ("HC1", False),
    ("HC3", False), ("clustered", True), ("kernel", False)])
def test_lstr_covariance_equals_nls(rng, cov_type, debiased):
    """LSTR and NLS (whose covariances test_nls.py checks against statsmodels) compute every
    covariance of the registry from the same Jacobian: the same model written as a formula
    gives the same estimates (rtol 1e-6) and standard errors (rtol 1e-5)."""
    from intelcap.estimation.nls import nls

    data = _simulate_lstr(rng, n=300)
    kw = {"clusters": np.arange(300) % 23} if cov_type == "clustered" else {}
    mod = SmoothTransition.from_frame(data, "y", ["const", "x"], "q")
    res = mod.fit(grid=TransitionGrid(n_gamma=6, n_c=8), cov_type=cov_type, debiased=debiased,
                  **kw)
    assert res.converged, res.convergence_reason
    formula, start, names = _lstr_as_nls(data, res, mod.scale)
    ref = nls(formula, data, start, cov_type=cov_type, debiased=debiased, **kw)
    assert ref.converged
    for k, v in names.items():
        assert res.params[v] == pytest.approx(ref.params[k], rel=1e-6, abs=1e-9), v
        assert res.std_errors[v] == pytest.approx(ref.std_errors[k], rel=1e-5), v
    assert res.distribution == ("t" if debiased else "normal")
    assert res.cov_estimate.description in res.summary.as_text()


@pytest.mark.parametrize(("cov_type", "debiased", "lm_kw"), [
    ("unadjusted", False, {}), ("unadjusted", True, {}), ("robust", False, {}),
    ("robust", True, {}), ("kernel", False, {}), ("kernel", True, {}),
    ("clustered", False, {"cluster_entity": True}),
    ("clustered", True, {"cluster_entity": True, "group_debias": True})])
def test_pstr_linear_fit_covariance_equals_linearmodels(rng, cov_type, debiased, lm_kw):
    """The fixed-effects null model against linearmodels' PanelOLS(entity_effects=True), every
    covariance (rtol 1e-8). Clustered by entity: the nested effects use no degrees of freedom;
    debiased is Stata's G/(G-1)(n-1)/(n-k), linearmodels' debiased=True with group_debias."""
    from linearmodels.panel import PanelOLS

    data = _simulate_pstr(rng, n_ent=60, n_t=6)
    mod = PanelSmoothTransition.from_frame(data, "y", ["x1", "x2"], "q")
    res = mod.linear_fit(cov_type, debiased=debiased)
    ref = PanelOLS(data["y"], data[["x1", "x2"]], entity_effects=True).fit(
        cov_type=cov_type, debiased=debiased, **lm_kw)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors, ref.std_errors, rtol=1e-8)
    np.testing.assert_allclose(res.pvalues, ref.pvalues, rtol=1e-6, atol=1e-12)


# -- converged never lies (the NIST test's rule, for LSTR and PSTR) -------------------------

def test_lstr_converged_flag_never_lies():
    """Starts far from the optimum and evaluation caps from 1 to none, over five seeds: a fit
    reported converged equals the optimum that NLS certifies on the same model written as a
    formula (rtol 1e-6); the others say why in a ConvergenceWarning. Some of each occur."""
    from intelcap.estimation.nls import nls

    lies, n_conv, n_fail = [], 0, 0
    for seed in range(5):
        data = _simulate_lstr(np.random.default_rng(500 + seed), n=250)
        mod = SmoothTransition.from_frame(data, "y", ["const", "x"], "q")
        best = mod.fit(grid=TransitionGrid(n_gamma=8, n_c=10))
        formula, start, names = _lstr_as_nls(data, best, mod.scale)
        cert = nls(formula, data, start)
        assert cert.converged
        truth = np.array([cert.params[k] for k in names])
        for max_nfev in (1, 2, 3, 5, 8, None):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = mod.fit(start={"gamma": 0.3, "c": float(np.quantile(data["q"], 0.8))},
                              max_nfev=max_nfev)
            warned = any("did not converge" in str(w.message) for w in caught)
            assert warned == (not res.converged)
            got = np.array([res.params[v] for v in names.values()])
            if res.converged:
                n_conv += 1
                if not np.allclose(got, truth, rtol=1e-6, atol=1e-9):
                    lies.append((seed, max_nfev, res.params.to_dict()))
            else:
                n_fail += 1
    assert not lies, f"reported converged at a wrong answer: {lies}"
    assert n_conv >= 3 and n_fail >= 3


def test_pstr_converged_flag_never_lies(rng):
    """PSTR with evaluation caps: converged => the verified optimum of the default fit (rtol
    1e-6); a capped fit that stopped early says so."""
    data = _simulate_pstr(rng, n_ent=60, n_t=8)
    mod = PanelSmoothTransition.from_frame(data, "y", ["x1", "x2"], "q")
    ref = mod.fit(grid=TransitionGrid(n_gamma=10, n_c=12, gamma_range=(0.5, 20.0)))
    assert ref.converged, ref.convergence_reason
    lies, n_conv, n_fail = [], 0, 0
    for start in ({"gamma": 1.0, "c": 1.5}, {"gamma": 15.0, "c": -0.5}):
        for max_nfev in (1, 2, 3, 5, None):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = mod.fit(start=start, max_nfev=max_nfev)
            warned = any("did not converge" in str(w.message) for w in caught)
            assert warned == (not res.converged)
            if res.converged:
                n_conv += 1
                if not np.allclose(res.params, ref.params, rtol=1e-6, atol=1e-9):
                    lies.append((start, max_nfev, res.params.to_dict()))
            else:
                n_fail += 1
    assert not lies, f"reported converged at a wrong answer: {lies}"
    assert n_conv >= 1 and n_fail >= 1
