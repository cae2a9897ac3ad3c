"""Analytic derivatives of every form and transition against central finite differences.

Acceptance (issue 2): for every base form and every transition, the exact (sympy) marginal
products and output elasticities equal central finite differences to a relative 1e-6 at seeded
random interior points. The finite-difference step is 1e-5 relative, so truncation error is about
1e-10 and rounding about 1e-11 relative; an absolute floor of 1e-9 (elasticities) or
1e-9 * Y / x (marginal products) covers quantities that are zero to rounding (for example the
elasticity with respect to a logistic threshold variable far from its threshold).

At a step, derived quantities are regime-wise: the finite difference does not cross the threshold
(the points are at least 1e-3 relative away from every threshold, checked), so it sees the
derivative inside the regime, which is what the analytic quantity returns.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from intelcap.production import (
    CES,
    CobbDouglas,
    Emergence,
    Logistic,
    MultiRegime,
    NestedCES,
    Step,
    Translog,
    capability_jump,
    from_expression,
    task_substitute,
    threshold_elasticity,
)

N = 40
H = 1e-5


def _cd2():
    return CobbDouglas(("K", "L"), A=1.3, elasticities={"K": 0.3, "L": 0.6})


def _transitions():
    return {
        "step": (Step(tau=1.5), "Z"),
        "logistic": (Logistic(tau=1.5, gamma=6.0), "Z"),
        "multi_step": (MultiRegime([0.9, 1.6, 2.4], kind="step"), "Z"),
        "multi_logistic": (MultiRegime([0.9, 2.0], kind="logistic", gamma=4.0,
                                       weights=[0.3, 0.7]), "Z"),
        "emergence_min_step": (Emergence({"C": 1.2, "D": 0.9, "Q": 1.1}), None),
        "emergence_ces_logistic": (Emergence({"C": 1.2, "D": 0.9, "Q": 1.1}, aggregate="ces",
                                             rho=-6.0, kind="logistic", gamma=5.0), None),
        "emergence_min_logistic": (Emergence({"C": 1.2, "D": 0.9, "Q": 1.1}, kind="logistic",
                                             gamma=3.0), None),
    }


def _cases():
    cases = {
        "cobb_douglas": CobbDouglas(("K", "L", "Z"), A=2.0,
                                    elasticities={"K": 0.3, "L": 0.5, "Z": 0.15}),
        "cobb_douglas_crs": CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.35},
                                        constant_returns=True),
        "ces_pos": CES(("K", "L"), A=1.5, weights={"K": 0.4}, rho=0.45, nu=0.9),
        "ces_neg": CES(("K", "L"), A=1.5, weights={"K": 0.4}, rho=-2.5, nu=1.1),
        "ces_3": CES(("K", "L", "Z"), A=1.0, weights={"K": 0.3, "L": 0.5}, rho=-0.7),
        "ces_limit_cd": CES(("K", "L"), A=1.5, weights={"K": 0.4}, rho=0),
        "ces_limit_leontief": CES(("K", "L"), A=1.5, rho=-np.inf, nu=0.8),
        "nested_ces": NestedCES({"KZ": ("K", "Z"), "L": ("L",)}, A=1.2, rho=-0.8,
                                nest_rho={"KZ": 0.5}, weights={"K": 0.6},
                                nest_weights={"KZ": 0.45}, nu=1.0),
        "translog": Translog(("K", "L", "Z"), a0=0.2, a={"K": 0.3, "L": 0.55, "Z": 0.1},
                             b={("K", "K"): 0.05, ("K", "L"): -0.03, ("K", "Z"): 0.02,
                                ("L", "L"): 0.04, ("L", "Z"): -0.01, ("Z", "Z"): 0.03}),
        "user_expression": from_expression(
            "A * K**a * L**b * exp(c * Z / (1 + Z))", ["K", "L", "Z"],
            {"A": 1.1, "a": 0.3, "b": 0.6, "c": 0.4}),
    }
    for name, (tr, _) in _transitions().items():
        cases[f"threshold_elasticity[{name}]"] = threshold_elasticity(
            _cd2(), tr, theta_1=0.05, theta_2=0.3)
        cases[f"capability_jump[{name}]"] = capability_jump(
            CobbDouglas(("K", "L", "Z"), A=1.0, elasticities={"K": 0.3, "L": 0.5, "Z": 0.1}),
            tr, kappa=0.8)
        cases[f"task_substitute[{name}]"] = task_substitute(
            CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.35}, constant_returns=True),
            tr, phi=0.7)
    cases["task_substitute_ces[logistic]"] = task_substitute(
        CES(("K", "L"), A=1.0, weights={"K": 0.35}, rho=-0.6), Logistic(tau=1.5, gamma=6.0),
        phi=0.7)
    cases["threshold_elasticity_translog[step,q]"] = threshold_elasticity(
        Translog(("K", "L"), a0=0.1, a={"K": 0.3, "L": 0.6},
                 b={("K", "K"): 0.05, ("K", "L"): -0.02, ("L", "L"): 0.03}),
        Step(tau=0.4), threshold="q", theta_1=0.1, theta_2=0.2)
    return cases


CASES = _cases()
THRESHOLDS = [0.9, 1.5, 1.6, 2.0, 2.4]


def _draw(f, rng):
    data = {x: rng.uniform(0.5, 3.5, N) for x in f.inputs}
    if "q" in data:
        data["q"] = rng.uniform(0.1, 0.9, N)
    # keep points away from thresholds and from kinks of min() so that the central difference
    # stays inside one regime (the finite difference would otherwise see the jump)
    ok = np.ones(N, bool)
    for v in data.values():
        for t in [*THRESHOLDS, 0.4]:
            ok &= np.abs(np.log(v / t)) > 1e-3
    if {"C", "D", "Q"} <= set(data):
        r = np.sort(np.stack([data["C"] / 1.2, data["D"] / 0.9, data["Q"] / 1.1]), axis=0)
        ok &= np.abs(np.log(r[0] / r[1])) > 1e-3
        ok &= np.abs(np.log(r[0])) > 1e-3
    if set(f.inputs) == {"K", "L"}:
        ok &= np.abs(np.log(data["K"] / data["L"])) > 1e-3
    assert ok.sum() >= N - 3
    return {x: v[ok] for x, v in data.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_marginal_products_and_elasticities_match_finite_differences(name, rng):
    f = CASES[name]
    data = _draw(f, rng)
    y = f.output(data)
    assert np.all(np.isfinite(y)) and np.all(y > 0)
    mps = f.marginal_products(data)
    els = f.elasticities(data)
    for j, x in enumerate(f.inputs):
        up, dn = dict(data), dict(data)
        up[x] = data[x] * (1 + H)
        dn[x] = data[x] * (1 - H)
        yu, yd = f.output(up), f.output(dn)
        mp_fd = (yu - yd) / (up[x] - dn[x])
        el_fd = (np.log(yu) - np.log(yd)) / (np.log(up[x]) - np.log(dn[x]))
        mp = f.marginal_product(x, data)
        assert_allclose(mp, mp_fd, rtol=1e-6, atol=1e-9 * np.max(y / data[x]),
                        err_msg=f"{name}: marginal product of {x}")
        assert_allclose(f.elasticity(x, data), el_fd, rtol=1e-6, atol=1e-9,
                        err_msg=f"{name}: elasticity of {x}")
        assert_allclose(mps[:, j], mp, rtol=1e-13)
        assert_allclose(els[:, j], mp * data[x] / y, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", [n for n in CASES if "step" in n])
def test_step_cases_visit_both_regimes(name, rng):
    """The random points fall on both sides of the threshold, so both regimes are checked."""
    f = CASES[name]
    g = f.transition.as_function("q" if f.threshold == "q" else "Z") if f.threshold else None
    data = _draw(f, rng)
    if g is None:
        g = f.transition.as_function()
        vals = g.output({x: data[x] for x in g.inputs})
    else:
        vals = g.output({g.inputs[0]: data[g.inputs[0]]})
    assert vals.min() == 0.0 and vals.max() == 1.0
