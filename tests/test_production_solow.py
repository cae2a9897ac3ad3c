"""Solow steady state with physical and intelligent capital.

Oracle: the closed form of the augmented Solow model (Mankiw, Romer and Weil 1992, eqs. (9)-(10),
with intelligent capital in the place of human capital),
y* = [A (s_K/m_K)^alpha (s_Z/m_Z)^theta]^(1/(1-alpha-theta)), m_j = n + g + delta_j.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from intelcap.exceptions import ParameterError, SpecificationError
from intelcap.production import (
    CES,
    CobbDouglas,
    Logistic,
    Step,
    capability_jump,
    from_expression,
    solow_steady_state,
)

A, ALPHA, THETA = 1.3, 0.3, 0.2
S_K, S_Z, N, G, D_K, D_Z = 0.22, 0.08, 0.01, 0.02, 0.05, 0.15


def _mrw(a_tfp=A):
    m_k, m_z = N + G + D_K, N + G + D_Z
    y = (a_tfp * (S_K / m_k) ** ALPHA * (S_Z / m_z) ** THETA) ** (1 / (1 - ALPHA - THETA))
    return S_K * y / m_k, S_Z * y / m_z, y


def _cd():
    return CobbDouglas(("K", "L", "Z"), A=A, elasticities={"K": ALPHA, "Z": THETA, "L": 0.5})


def test_closed_form_matches_mrw_formula():
    ss = solow_steady_state(_cd(), S_K, S_Z, delta_K=D_K, delta_Z=D_Z, n=N, g=G)
    assert ss.method == "closed form"
    assert_allclose([ss.k, ss.z, ss.y], _mrw(), rtol=1e-13)
    assert "closed form" in str(ss)


def test_numerical_agrees_with_closed_form():
    f = from_expression("A * K**a * L**(1 - a - t) * Z**t", ["K", "L", "Z"],
                        {"A": A, "a": ALPHA, "t": THETA})
    ss = solow_steady_state(f, S_K, S_Z, delta_K=D_K, delta_Z=D_Z, n=N, g=G)
    assert ss.method == "numerical"
    assert_allclose([ss.k, ss.z, ss.y], _mrw(), rtol=1e-10)
    assert bool(ss.states["stable"].iloc[0])


def test_ces_steady_state_satisfies_accumulation_equations():
    f = CES(("K", "L", "Z"), A=1.0, weights={"K": 0.3, "L": 0.5}, rho=-0.5)
    ss = solow_steady_state(f, S_K, S_Z, delta_K=D_K, delta_Z=D_Z, n=N, g=G)
    y = float(f.output({"K": ss.k, "L": 1.0, "Z": ss.z}))
    assert_allclose(S_K * y, (N + G + D_K) * ss.k, rtol=1e-10)
    assert_allclose(S_Z * y, (N + G + D_Z) * ss.z, rtol=1e-10)


def test_capability_jump_gives_two_steady_states():
    """Step in z between the two regime-wise steady states: a low trap and a high state.

    Regime-wise the form is Cobb-Douglas with TFP A and A (1 + kappa), so both states have the
    closed form; the jump of s_K f/k at the threshold is not a steady state and is reported.
    """
    kappa = 1.0
    low, high = _mrw(A), _mrw(A * (1 + kappa))
    tau = np.sqrt(low[1] * high[1])
    f = capability_jump(_cd(), Step(tau=tau), kappa=kappa)
    ss = solow_steady_state(f, S_K, S_Z, delta_K=D_K, delta_Z=D_Z, n=N, g=G)
    assert len(ss.states) == 2 and ss.states["stable"].all()
    assert_allclose(ss.states[["k", "z", "y"]].to_numpy(), [low, high], rtol=1e-10)
    assert_allclose([ss.k, ss.z, ss.y], high, rtol=1e-10)  # the stable state with highest y
    assert any("jump" in note for note in ss.notes)


def test_steep_logistic_jump_has_an_unstable_middle_state():
    kappa = 1.0
    f = capability_jump(_cd(), Logistic(tau=1.0, gamma=40.0), kappa=kappa)
    m_k, m_z = D_K, D_Z
    y_low = (A * (S_K / m_k) ** ALPHA * (S_Z / m_z) ** THETA) ** 2
    tau = np.sqrt(S_Z * y_low / m_z * S_Z * 4 * y_low / m_z)
    ss = solow_steady_state(f, S_K, S_Z, delta_K=D_K, delta_Z=D_Z, tau=tau)
    assert list(ss.states["stable"]) == [True, False, True]
    assert_allclose(ss.states["y"].iloc[[0, 2]], [y_low, 4 * y_low], rtol=1e-6)


def test_no_steady_state_errors():
    ir = CobbDouglas(("K", "L", "Z"), A=1.0, elasticities={"K": 0.6, "L": 0.3, "Z": 0.4})
    with pytest.raises(ParameterError, match="alpha \\+ theta = 1 >= 1"):
        solow_steady_state(ir, S_K, S_Z)
    drs = CobbDouglas(("K", "L", "Z"), A=1.0, elasticities={"K": 0.3, "L": 0.3, "Z": 0.2})
    with pytest.raises(ParameterError, match="returns to scale"):
        solow_steady_state(drs, S_K, S_Z, n=0.01)
    solow_steady_state(drs, S_K, S_Z, n=0.0, g=0.0)  # with fixed labour it exists
    ak = from_expression("A * K**0.7 * Z**0.4 * L**(-0.1)", ["K", "L", "Z"], {"A": 1.0})
    with pytest.raises(ParameterError, match="no stable steady state"):
        solow_steady_state(ak, S_K, S_Z)
    with pytest.raises(ParameterError, match="below 1"):
        solow_steady_state(_cd(), 0.7, 0.4)
    with pytest.raises(ParameterError, match="s_Z"):
        solow_steady_state(_cd(), 0.2, 0.0)
    with pytest.raises(SpecificationError, match="exog"):
        solow_steady_state(capability_jump(_cd(), Step(tau=1.0), threshold="q", kappa=0.5),
                           S_K, S_Z)
