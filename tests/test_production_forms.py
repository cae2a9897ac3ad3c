"""Analytic oracles for the production forms (issue 2 acceptance).

- CES elasticity of substitution 1/(1 - rho) (Arrow, Chenery, Minhas and Solow 1961), for the
  Hicks, Allen and Morishima definitions (Blackorby and Russell 1989: all equal 1/(1-rho) for CES).
- CES -> Cobb-Douglas as rho -> 0: values and elasticities to 1e-8 at rho = 1e-9, and exactly
  (same expression) in the limit form; CES -> Leontief as rho -> -inf.
- Euler's theorem sum_i MP_i x_i = Y for constant-returns forms.
- Translog elasticities equal the textbook closed form a_i + sum_j b_ij ln x_j (Christensen,
  Jorgenson and Lau 1973).
- A logistic transition converges to the step as its slope grows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import sympy as sp
from numpy.testing import assert_allclose, assert_array_equal

from intelcap.production import (
    CES,
    CobbDouglas,
    Emergence,
    Logistic,
    MultiRegime,
    NestedCES,
    ProductionFunction,
    Step,
    Translog,
    capability_jump,
    task_substitute,
    threshold_elasticity,
)


def _data(rng, names, n=30, lo=0.3, hi=5.0):
    return {x: rng.uniform(lo, hi, n) for x in names}


# ------------------------------------------------------------------ elasticity of substitution
@pytest.mark.parametrize("rho", [-5.0, -1.0, -0.3, 0.2, 0.5, 0.9])
@pytest.mark.parametrize("kind", ["hicks", "allen", "morishima"])
def test_ces_two_inputs_elasticity_of_substitution(rho, kind, rng):
    f = CES(("K", "L"), A=1.7, weights={"K": 0.35}, rho=rho, nu=1.0)
    d = _data(rng, f.inputs)
    sigma = f.elasticity_of_substitution("K", "L", d, kind=kind)
    assert_allclose(sigma, 1 / (1 - rho), rtol=1e-9)


@pytest.mark.parametrize("kind", ["hicks", "allen", "morishima"])
def test_ces_three_inputs_elasticity_of_substitution(kind, rng):
    rho = -0.6
    f = CES(("K", "L", "Z"), A=1.0, weights={"K": 0.3, "L": 0.45}, rho=rho)
    d = _data(rng, f.inputs)
    for a, b in [("K", "L"), ("L", "K"), ("K", "Z"), ("Z", "L")]:
        assert_allclose(f.elasticity_of_substitution(a, b, d, kind=kind), 1 / (1 - rho),
                        rtol=1e-8)


def test_cobb_douglas_elasticity_of_substitution_is_one(rng):
    f = CobbDouglas(("K", "L", "Z"), A=1.0, elasticities={"K": 0.3, "L": 0.5, "Z": 0.2})
    d = _data(rng, f.inputs)
    for kind in ("hicks", "allen", "morishima"):
        assert_allclose(f.elasticity_of_substitution("K", "Z", d, kind=kind), 1.0, rtol=1e-10)


def test_nested_ces_substitution_within_and_across_nests(rng):
    """Within a nest the direct elasticity is 1/(1 - rho_g) (Sato 1967)."""
    f = NestedCES({"KZ": ("K", "Z"), "L": ("L",)}, A=1.0, rho=-1.5, nest_rho={"KZ": 0.6},
                  weights={"K": 0.4}, nest_weights={"KZ": 0.5})
    d = _data(rng, f.inputs)
    assert_allclose(f.elasticity_of_substitution("K", "Z", d, kind="hicks"), 1 / (1 - 0.6),
                    rtol=1e-9)
    # Allen elasticity between a nested input and the outer input: Sato (1967) eq. for the
    # two-level CES, sigma_KL = 1/(1-rho) (the between-nest elasticity)
    assert_allclose(f.elasticity_of_substitution("K", "L", d, kind="allen"), 1 / (1 + 1.5),
                    rtol=1e-8)


def test_substitution_kind_is_checked(rng):
    f = CES(("K", "L"), A=1, weights={"K": 0.3}, rho=0.2)
    with pytest.raises(ValueError, match="kind"):
        f.elasticity_of_substitution("K", "L", _data(rng, f.inputs), kind="uzawa")


# ------------------------------------------------------------------ CES limits
def test_ces_tends_to_cobb_douglas(rng):
    d = _data(rng, ("K", "L", "Z"), lo=0.05, hi=50.0)
    w = {"K": 0.25, "L": 0.45}
    near = CES(("K", "L", "Z"), A=1.3, weights=w, rho=1e-9, nu=0.95)
    limit = CES(("K", "L", "Z"), A=1.3, weights=w, rho=0, nu=0.95)
    cd = CobbDouglas(("K", "L", "Z"), A=1.3,
                     elasticities={"K": 0.25 * 0.95, "L": 0.45 * 0.95, "Z": 0.30 * 0.95})
    assert_allclose(near.output(d), limit.output(d), rtol=1e-8)
    assert_allclose(near.elasticities(d), limit.elasticities(d), rtol=1e-8)
    assert_allclose(limit.output(d), cd.output(d), rtol=1e-14)
    assert_allclose(limit.elasticities(d), cd.elasticities(d), rtol=1e-14)
    # the limit is a closed form: no rho, and the expression is exactly the Cobb-Douglas one
    assert "rho" not in limit.parameters
    a, nu = limit.symbols["A"], limit.symbols["nu"]
    K, L, Z = (limit.symbols[x] for x in "KLZ")
    dK, dL = limit.symbols["delta_K"], limit.symbols["delta_L"]
    assert sp.simplify(limit.expr - a * K ** (nu * dK) * L ** (nu * dL)
                       * Z ** (nu * (1 - dK - dL))) == 0


def test_symbolic_ces_dispatches_to_exact_limits(rng):
    d = _data(rng, ("K", "L"))
    f = CES(("K", "L"), A=2.0, weights={"K": 0.3}, nu=1.0)  # rho without a value
    cd = CES(("K", "L"), A=2.0, weights={"K": 0.3}, rho=0)
    with np.errstate(all="raise"):  # no 0/0 anywhere
        assert_array_equal(f.output(d, rho=0), cd.output(d))
        assert_array_equal(f.with_values(rho=0.0).elasticities(d), cd.elasticities(d))
        leo = f.output(d, rho=-math.inf)
    assert_allclose(leo, 2.0 * np.minimum(d["K"], d["L"]), rtol=1e-15)
    # the general form approaches Leontief without overflow for very negative rho
    with np.errstate(all="raise"):
        far = f.output(d, rho=-2000.0)
    assert_allclose(far, leo, rtol=2e-3)
    assert np.all(far >= leo)


def test_ces_small_rho_is_accurate_on_large_inputs(rng):
    """The log1p/expm1 form keeps precision where x**rho - 1 would cancel."""
    d = {"K": rng.uniform(1e6, 1e9, 20), "L": rng.uniform(1e3, 1e5, 20)}
    f = CES(("K", "L"), A=1.0, weights={"K": 0.4}, rho=1e-12)
    cd = CES(("K", "L"), A=1.0, weights={"K": 0.4}, rho=0)
    assert_allclose(f.output(d), cd.output(d), rtol=1e-10)


def test_nested_ces_limits(rng):
    d = _data(rng, ("K", "Z", "L"))
    f = NestedCES({"KZ": ("K", "Z"), "L": ("L",)}, A=1.0, weights={"K": 0.4},
                  nest_weights={"KZ": 0.3})
    both_cd = CobbDouglas(("K", "Z", "L"), A=1.0,
                          elasticities={"K": 0.3 * 0.4, "Z": 0.3 * 0.6, "L": 0.7})
    assert_allclose(f.output(d, rho=0, rho_KZ=0), both_cd.output(d), rtol=1e-13)
    near = f.output(d, rho=1e-9, rho_KZ=-1e-9)
    assert_allclose(near, both_cd.output(d), rtol=1e-8)


# ------------------------------------------------------------------ Euler's theorem
def _crs_forms():
    return {
        "cobb_douglas": CobbDouglas(("K", "L", "Z"), A=1.4, elasticities={"K": 0.3, "L": 0.5},
                                    constant_returns=True),
        "ces": CES(("K", "L", "Z"), A=1.1, weights={"K": 0.2, "L": 0.5}, rho=-1.3),
        "leontief": CES(("K", "L"), A=1.1, rho=-math.inf),
        "nested_ces": NestedCES({"KZ": ("K", "Z"), "L": ("L",)}, A=1.0, rho=0.3,
                                nest_rho={"KZ": -2.0}, weights={"K": 0.7},
                                nest_weights={"KZ": 0.4}),
        # translog with sum a = 1 and every row of b summing to zero
        "translog": Translog(("K", "L"), a0=0.1, a={"K": 0.35, "L": 0.65},
                             b={("K", "K"): 0.08, ("K", "L"): -0.08, ("L", "L"): 0.08}),
        "task_substitute[logistic in q]": task_substitute(
            CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3}, constant_returns=True),
            Logistic(tau=0.5, gamma=4.0), threshold="q", phi=1.5),
        "capability_jump[emergence]": capability_jump(
            CobbDouglas(("K", "L", "Z"), A=1.0, elasticities={"K": 0.3, "L": 0.6},
                        constant_returns=True),
            Emergence(aggregate="ces", kind="logistic", gamma=3.0,
                      critical={"C": 1.0, "D": 2.0, "Q": 1.5}), kappa=0.5),
    }


@pytest.mark.parametrize("name", list(_crs_forms()))
def test_euler_theorem_for_constant_returns(name, rng):
    f = _crs_forms()[name]
    d = _data(rng, f.inputs)
    df = pd.DataFrame(d)
    y = f.output(df)
    total = sum(f.marginal_product(x, df) * df[x] for x in f.factors)
    assert_allclose(total, y, rtol=1e-11)
    assert_allclose(f.returns_to_scale(df), 1.0, rtol=1e-11)
    shares = f.factor_shares(df)
    assert list(shares.columns) == [*f.factors, "profit"]
    assert_allclose(shares["profit"], 0.0, atol=1e-11)


def test_returns_to_scale_of_threshold_elasticity_is_regime_wise(rng):
    f = threshold_elasticity(CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6}),
                             Step(tau=2.0), theta_1=0.1, theta_2=0.25)
    z = np.array([0.5, 1.9, 2.1, 4.0])
    rts = f.returns_to_scale({"K": 1.0, "L": 1.0, "Z": z})
    assert_allclose(rts, [1.0, 1.0, 1.15, 1.15], rtol=1e-14)


# ------------------------------------------------------------------ translog closed form
def test_translog_elasticities_equal_textbook_closed_form(rng):
    inputs = ("K", "L", "Z")
    a = {"K": 0.31, "L": 0.52, "Z": 0.12}
    b = np.array([[0.05, -0.03, 0.02], [-0.03, 0.04, -0.01], [0.02, -0.01, 0.03]])
    bmap = {(inputs[i], inputs[j]): b[i, j] for i in range(3) for j in range(i, 3)}
    f = Translog(inputs, a0=0.3, a=a, b=bmap)
    d = _data(rng, inputs)
    lx = np.stack([np.log(d[x]) for x in inputs], axis=1)
    expected = np.array([a[x] for x in inputs]) + lx @ b  # e_i = a_i + sum_j b_ij ln x_j
    assert_allclose(f.elasticities(d), expected, rtol=1e-12)
    ln_y = 0.3 + lx @ np.array([a[x] for x in inputs]) + 0.5 * np.einsum("ni,ij,nj->n", lx, b, lx)
    assert_allclose(np.log(f.output(d)), ln_y, rtol=1e-12)
    assert_allclose(f.returns_to_scale(d), expected.sum(axis=1), rtol=1e-12)


def test_threshold_elasticity_closed_form_at_step_and_logistic():
    """theta(Z) at a step; theta(Z) + (theta2-theta1) gamma G (1-G) ln Z for a logistic."""
    base = CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6})
    z = np.array([0.5, 1.0, 1.99, 2.01, 3.0, 8.0])
    d = {"K": np.ones(6), "L": np.ones(6), "Z": z}
    step = threshold_elasticity(base, Step(tau=2.0), theta_1=0.1, theta_2=0.3)
    assert_allclose(step.elasticity("Z", d), np.where(z > 2, 0.3, 0.1), rtol=1e-15)
    gam = 5.0
    lg = threshold_elasticity(base, Logistic(tau=2.0, gamma=gam), theta_1=0.1, theta_2=0.3)
    G = 1 / (1 + np.exp(-gam * (np.log(z) - np.log(2.0))))
    expected = 0.1 + 0.2 * G + 0.2 * gam * G * (1 - G) * np.log(z)
    assert_allclose(lg.elasticity("Z", d), expected, rtol=1e-13)
    assert_allclose(lg.output(d), z ** (0.1 + 0.2 * G), rtol=1e-13)


# ------------------------------------------------------------------ logistic -> step
def test_logistic_converges_to_step():
    s = np.geomspace(0.1, 10.0, 2001)
    tau = 1.7
    far = np.abs(np.log(s / tau)) >= 0.01
    step = Step(tau=tau)(s)
    errors = []
    for gamma in (10.0, 100.0, 1e3, 1e4, 1e6):
        with np.errstate(all="raise"):  # stable for any slope: no overflow
            g = Logistic(tau=tau, gamma=gamma)(s)
        err = np.max(np.abs(g - step)[far])
        errors.append(err)
        # bound: 1/(1 + e^{gamma d}) <= e^{-gamma d} at distance d = |ln s - ln tau|
        assert err <= math.exp(-gamma * 0.01) * 1.0000001
        assert_allclose(Logistic(tau=tau, gamma=gamma)(np.array([tau])), 0.5)
    assert all(b < a for a, b in zip(errors, errors[1:], strict=False))
    assert errors[-1] < 1e-40
    # and the IC form built on it converges to the step form
    base = CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6})
    d = {"K": np.full(s.size, 2.0), "L": np.full(s.size, 3.0), "Z": s}
    f_step = threshold_elasticity(base, Step(tau=tau), theta_1=0.1, theta_2=0.3)
    f_log = threshold_elasticity(base, Logistic(tau=tau, gamma=1e5), theta_1=0.1, theta_2=0.3)
    assert_allclose(f_log.output(d)[far], f_step.output(d)[far], rtol=1e-12)
    assert_allclose(f_log.elasticities(d)[far], f_step.elasticities(d)[far], atol=1e-12)


def test_multi_regime_and_emergence_values():
    s = np.array([0.5, 1.5, 2.5, 3.5])
    g = MultiRegime([1.0, 2.0, 3.0])(s)
    assert_allclose(g, [0, 1 / 3, 2 / 3, 1], rtol=1e-15)
    e = Emergence({"C": 2.0, "D": 1.0, "Q": 4.0})
    out = e({"C": np.array([3.0, 3.0, 1.0]), "D": np.array([2.0, 0.5, 2.0]),
             "Q": np.array([5.0, 5.0, 5.0])})
    assert_array_equal(out, [1.0, 0.0, 0.0])  # jumps only when all three ratios exceed 1
    ces = Emergence({"C": 1.0, "D": 1.0, "Q": 1.0}, aggregate="ces", rho=-50.0,
                    kind="logistic", gamma=1.0)
    # s -> min of the ratios for very low substitution; G = s^gamma/(1 + s^gamma)
    r = {"C": np.array([2.0]), "D": np.array([3.0]), "Q": np.array([0.5])}
    s_ces = (np.mean([2.0**-50, 3.0**-50, 0.5**-50])) ** (-1 / 50)
    assert_allclose(ces(r), s_ces / (1 + s_ces), rtol=1e-12)


# ------------------------------------------------------------------ objects and display
def test_object_attributes_and_with_values(rng):
    f = threshold_elasticity(CobbDouglas(("K", "L")), "logistic")
    assert f.inputs == ("K", "L", "Z")
    assert set(f.parameters) == {"A", "alpha_K", "alpha_L", "tau", "gamma", "theta_1",
                                 "theta_2"}
    assert f.values == {}
    assert set(f.symbols) == set(f.inputs) | set(f.parameters)
    assert all(isinstance(s, sp.Symbol) for s in f.symbols.values())
    assert f.expr.free_symbols == set(f.symbols.values())
    g = f.with_values(A=1.0, alpha_K=0.3, alpha_L=0.6, tau=2.0, gamma=4.0)
    assert f.values == {} and g.values["tau"] == 2.0
    d = _data(rng, f.inputs)
    y1 = g.output(d, theta_1=0.1, theta_2=0.2)
    y2 = g.with_values(theta_1=0.1, theta_2=0.2).output(d)
    assert_array_equal(y1, y2)
    assert g._cache is f._cache  # compiled functions shared


def test_latex_display():
    f = threshold_elasticity(CobbDouglas(("K", "L")), Step())
    tex = f._repr_latex_()
    assert tex.startswith("$") and tex.endswith("$")
    assert r"\theta_{1}" in tex and r"\mathbb{1}\left(Z > \tau\right)" in tex
    assert r"\rho" in CES()._repr_latex_() and r"\min" in CES(rho=-np.inf)._repr_latex_()
    assert r"\ln Y" in Translog()._repr_latex_()
    assert r"\Lambda" in Logistic()._repr_latex_()


def test_pandas_in_pandas_out_and_numpy_in_numpy_out(rng):
    f = CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.4, "L": 0.6})
    idx = pd.Index(["a", "b", "c"], name="firm")
    df = pd.DataFrame({"K": [1.0, 2.0, 3.0], "L": [3.0, 2.0, 1.0]}, index=idx)
    y = f.output(df)
    assert isinstance(y, pd.Series) and y.index.equals(idx) and y.name == "Y"
    e = f.elasticities(df)
    assert isinstance(e, pd.DataFrame) and list(e.columns) == ["K", "L"] and e.index.equals(idx)
    assert_allclose(e["K"], 0.4)
    assert f.marginal_product("K", df).name == "MP_K"
    s = f.output({"K": df["K"], "L": df["L"]})
    assert isinstance(s, pd.Series) and s.index.equals(idx)
    arr = f.output({"K": df["K"].to_numpy(), "L": df["L"].to_numpy()})
    assert isinstance(arr, np.ndarray)
    assert_allclose(arr, y.to_numpy())
    assert f.elasticities({"K": np.ones(4), "L": 2.0}).shape == (4, 2)
    assert isinstance(f.output({"K": 2.0, "L": 3.0}), float)
    ev = f.evaluate(df)
    assert list(ev.columns) == ["Y", "e_K", "e_L"]


def test_from_expression_user_form(rng):
    from intelcap.production import from_expression

    f = from_expression("Y = A * K**a * L**(1 - a)", ["K", "L"], {"A": 2.0, "a": 0.25})
    cd = CobbDouglas(("K", "L"), A=2.0, elasticities={"K": 0.25}, constant_returns=True)
    d = _data(rng, ("K", "L"))
    assert_allclose(f.output(d), cd.output(d), rtol=1e-14)
    assert f.parameters == ("A", "a") and isinstance(f, ProductionFunction)
    g = from_expression("A * K^a * L^b", ("K", "L"), ["A", "a", "b"])
    assert g.values == {} and g.parameters == ("A", "a", "b")
    assert_allclose(g.output(d, A=2.0, a=0.25, b=0.75), cd.output(d), rtol=1e-14)


def test_results_never_alias_the_callers_data():
    from intelcap.production import from_expression

    f = from_expression("K", ["K"], [])
    df = pd.DataFrame({"K": [1.0, 2.0]})
    y = f.output(df)
    y.iloc[0] = 99.0
    e = f.marginal_products(df)
    e.iloc[0, 0] = 5.0
    assert df["K"].tolist() == [1.0, 2.0]


def test_non_positive_inputs_allowed_when_declared():
    from intelcap.production import from_expression

    g = from_expression("a * K + b", ["K"], {"a": 2.0, "b": -3.0}, positive=False)
    assert_allclose(g.output({"K": np.array([0.0, -1.0])}), [-3.0, -5.0])


def test_plain_sympy_lambdify_of_expr_works():
    """Other modules may compile ``.expr`` with plain sympy.lambdify (the logistic has _imp_)."""
    f = threshold_elasticity(CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6}),
                             Logistic(tau=2.0, gamma=5.0), theta_1=0.1, theta_2=0.3)
    args = [f.symbols[n] for n in f.inputs + f.parameters]
    fn = sp.lambdify(args, f.expr, "numpy")
    z = np.array([0.5, 2.0, 3.0])
    vals = [f.values[p] for p in f.parameters]
    assert_allclose(fn(1.0, 1.0, z, *vals), f.output({"K": 1.0, "L": 1.0, "Z": z}), rtol=1e-14)


def test_ic_forms_equal_their_design_formulas(rng):
    """The three canonical IC forms (production.intelligent), by hand in each regime."""
    n = 25
    K, L, Z = rng.uniform(0.5, 4.0, n), rng.uniform(0.5, 4.0, n), rng.uniform(0.5, 4.0, n)
    q = rng.uniform(0.05, 0.95, n)
    a, b, th, t1, t2, kappa, phi, tau = 0.3, 0.55, 0.12, 0.05, 0.3, 0.7, 1.8, 2.0
    G = (Z > tau).astype(float)
    d = {"K": K, "L": L, "Z": Z}
    te = threshold_elasticity(CobbDouglas(("K", "L"), A=1.5, elasticities={"K": a, "L": b}),
                              Step(tau=tau), theta_1=t1, theta_2=t2)
    ln_y = np.log(1.5) + a * np.log(K) + b * np.log(L) + (t1 + (t2 - t1) * G) * np.log(Z)
    assert_allclose(np.log(te.output(d)), ln_y, rtol=1e-13)
    cj = capability_jump(CobbDouglas(("K", "L", "Z"), A=1.5,
                                     elasticities={"K": a, "L": b, "Z": th}),
                         Step(tau=tau), kappa=kappa)
    assert_allclose(cj.output(d), 1.5 * K**a * L**b * Z**th * (1 + kappa * G), rtol=1e-13)
    ts = task_substitute(CobbDouglas(("K", "L"), A=1.5, elasticities={"K": a},
                                     constant_returns=True), Step(tau=tau), phi=phi)
    assert_allclose(ts.output(d), 1.5 * K**a * (L + phi * G * Z) ** (1 - a), rtol=1e-13)
    # CES variant, threshold variable q (an IC share) that is an input but not a factor
    ces_ts = task_substitute(CES(("K", "L"), A=1.5, weights={"K": 0.4}, rho=-0.5),
                             Logistic(tau=0.5, gamma=8.0), threshold="q", phi=phi)
    Gq = 1 / (1 + np.exp(-8.0 * (np.log(q) - np.log(0.5))))
    eff = L + phi * Gq * Z
    expected = 1.5 * (0.4 * K**-0.5 + 0.6 * eff**-0.5) ** (1 / -0.5)
    dq = {**d, "q": q}
    assert_allclose(ces_ts.output(dq), expected, rtol=1e-13)
    assert ces_ts.inputs == ("K", "L", "Z", "q") and ces_ts.factors == ("K", "L", "Z")
    assert_allclose(ces_ts.returns_to_scale(dq), 1.0, rtol=1e-12)  # q is not a factor
    assert ces_ts.elasticities(dq).shape == (n, 4)  # q keeps its (output) elasticity


def test_leontief_substitution_is_zero_and_undefined_cases_raise():
    from intelcap.exceptions import DataError
    from intelcap.production import from_expression

    d = {"K": np.array([1.0, 2.0]), "L": np.array([2.0, 1.0])}
    for kind in ("hicks", "allen", "morishima"):
        assert_array_equal(CES(rho=-np.inf, A=1.0).elasticity_of_substitution("K", "L", d,
                                                                              kind=kind), 0.0)
    f = CES(A=1.0, weights={"K": 0.3})
    assert_array_equal(f.elasticity_of_substitution("K", "L", d, rho=-np.inf), 0.0)
    linear = from_expression("A * (K + L)", ["K", "L"], {"A": 1.0})  # sigma = infinity
    with pytest.raises(DataError, match="undefined at 2 row"):
        linear.elasticity_of_substitution("K", "L", d, kind="hicks")
