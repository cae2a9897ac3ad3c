"""Property tests (hypothesis) of the CES family over its whole admissible parameter range.

Invariants: a CES with returns parameter nu is homogeneous of degree nu, so Euler's theorem reads
sum_i x_i MP_i = nu Y (Euler); its elasticity of substitution is 1/(1 - rho) for every rho < 1
(Arrow, Chenery, Minhas and Solow 1961), including rho within 1e-12 of zero where the textbook
formula x**rho - 1 would cancel, and rho = 0 exactly (Cobb-Douglas limit, sigma = 1).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.production import CES, NestedCES

_CES3 = CES(("K", "L", "Z"), nu=None)  # all parameters symbolic: compiled once, values per call
_NESTED = NestedCES({"KZ": ("K", "Z"), "L": ("L",)}, nu=None)

rhos = st.one_of(
    st.floats(-8.0, 0.95),
    st.floats(-1e-12, 1e-12),
    st.just(0.0),
)
weights = st.floats(0.05, 0.9)
positive = st.floats(1e-2, 1e2)


@settings(max_examples=60, deadline=None)
@given(rho=rhos, d1=weights, d2=weights, nu=st.floats(0.3, 1.8), a=st.floats(0.1, 10.0),
       x=st.tuples(positive, positive, positive))
def test_ces_euler_and_elasticity_of_substitution(rho, d1, d2, nu, a, x):
    d2 = d2 * (1 - d1)  # weights of K and L; Z gets the rest (> 0)
    params = {"A": a, "delta_K": d1, "delta_L": d2, "rho": rho, "nu": nu}
    data = {"K": np.array([x[0]]), "L": np.array([x[1]]), "Z": np.array([x[2]])}
    y = _CES3.output(data, **params)
    mp = _CES3.marginal_products(data, **params)
    euler = sum(mp[:, i] * data[n] for i, n in enumerate(_CES3.inputs))
    assert_allclose(euler, nu * y, rtol=1e-10)
    sigma = _CES3.elasticity_of_substitution("K", "Z", data, kind="hicks", **params)
    assert_allclose(sigma, 1 / (1 - rho), rtol=1e-7)


@settings(max_examples=40, deadline=None)
@given(rho=rhos, rho_kz=rhos, w=weights, om=weights, x=st.tuples(positive, positive, positive))
def test_nested_ces_constant_returns_and_inner_substitution(rho, rho_kz, w, om, x):
    params = {"A": 1.0, "delta_K": w, "omega_KZ": om, "rho": rho, "rho_KZ": rho_kz, "nu": 1.0}
    data = {"K": np.array([x[0]]), "Z": np.array([x[1]]), "L": np.array([x[2]])}
    assert_allclose(_NESTED.returns_to_scale(data, **params), 1.0, rtol=1e-10)
    sigma = _NESTED.elasticity_of_substitution("K", "Z", data, kind="hicks", **params)
    assert_allclose(sigma, 1 / (1 - rho_kz), rtol=1e-6)
