"""Solow economy with intelligent capital: simulation (intelcap.growth.simulate).

Oracles: the steady states of intelcap.production.solow_steady_state (closed form of Mankiw,
Romer and Weil 1992, eq. (9)-(10), for Cobb-Douglas; numerical for thresholded forms), the
forward-Euler truncation order (one-period changes O(dt) on a continuous path), take-off in the
first period Z exceeds a step threshold, and reproducibility by seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from intelcap.exceptions import DataError, ParameterError, SpecificationError
from intelcap.growth import Scenario, basins, simulate
from intelcap.production import (
    CobbDouglas,
    Emergence,
    Logistic,
    MultiRegime,
    Step,
    capability_jump,
    solow_steady_state,
)

ECON = dict(s_K=0.2, s_Z=0.05, delta_K=0.05, delta_Z=0.15)
A, ALPHA, THETA = 1.0, 0.3, 0.2


def cd():
    return CobbDouglas(("K", "L", "Z"), A=A, elasticities={"K": ALPHA, "Z": THETA, "L": 0.5})


def mrw_y(a=A, s_k=0.2, s_z=0.05, m_k=0.05, m_z=0.15):
    return (a * (s_k / m_k) ** ALPHA * (s_z / m_z) ** THETA) ** (1 / (1 - ALPHA - THETA))


def test_cobb_douglas_path_converges_to_the_closed_form():
    sim = simulate(cd(), periods=2000, k0=0.1, z0=0.01, **ECON)
    assert_allclose(sim.y.iloc[-1, 0], mrw_y(), rtol=1e-10)
    assert sim.steady_state.method == "closed form"
    assert_allclose(sim.y.iloc[-1, 0], sim.steady_state.y, rtol=1e-10)


def test_logistic_path_is_continuous_and_converges_to_production_steady_state():
    f = capability_jump(cd(), Logistic(tau=1.0, gamma=2.0), kappa=1.0)
    ss = solow_steady_state(f, **ECON)
    assert len(ss.states) == 1
    sim = simulate(f, periods=3000, k0=0.1, z0=0.01, **ECON)
    assert_allclose(sim.y.iloc[-1, 0], ss.y, rtol=1e-9)
    assert_allclose([sim.k.iloc[-1, 0], sim.z.iloc[-1, 0]], [ss.k, ss.z], rtol=1e-9)
    # continuity: the largest one-step change in ln y shrinks in proportion to the step length
    jumps = []
    for dt in (0.2, 0.1):
        s = simulate(f, periods=int(300 / dt), dt=dt, k0=0.1, z0=0.01, **ECON)
        jumps.append(np.abs(np.diff(np.log(s.y[0].to_numpy()))).max())
    assert jumps[1] < 0.05  # a step with kappa = 1 jumps by ln 2 = 0.69 whatever dt
    assert_allclose(jumps[0] / jumps[1], 2.0, rtol=0.05)
    # take-off (Z crosses tau) happens on the way
    assert sim.takeoff[0] == np.argmax(sim.z[0].to_numpy() > 1.0)


def test_step_takes_off_in_the_first_period_z_exceeds_the_threshold():
    kappa, tau = 1.0, 0.3
    f = capability_jump(cd(), Step(tau=tau), kappa=kappa)
    for dt in (1.0, 0.1):
        sim = simulate(f, periods=int(200 / dt), dt=dt, k0=0.1, z0=0.01, **ECON)
        z, y = sim.z[0].to_numpy(), sim.y[0].to_numpy()
        first = int(np.argmax(z > tau))
        assert z[first - 1] <= tau < z[first]
        assert sim.takeoff[0] == first * dt
        g = np.diff(np.log(y))
        # output jumps by the factor 1 + kappa in that period, and only then
        assert int(np.argmax(g)) + 1 == first
        assert g[first - 1] >= np.log(1 + kappa)
        assert np.delete(g, first - 1).max() < 0.5 * np.log(1 + kappa)


def test_multi_regime_jumps_at_each_threshold_and_settles_at_the_steady_state():
    kappa = 1.0
    f = capability_jump(cd(), MultiRegime((0.2, 0.6)), kappa=kappa)  # G = 0, 1/2, 1
    sim = simulate(f, periods=2500, k0=0.1, z0=0.01, **ECON)
    z, y = sim.z[0].to_numpy(), sim.y[0].to_numpy()
    g = np.diff(np.log(y))
    for tau, factor in ((0.2, 1.5), (0.6, 2.0 / 1.5)):
        first = int(np.argmax(z > tau))
        assert g[first - 1] >= np.log(factor)
    assert sim.takeoff[0] == int(np.argmax(z > 0.2))  # the first threshold
    ss = solow_steady_state(f, **ECON)
    assert_allclose(y[-1], ss.y, rtol=1e-8)
    assert_allclose(ss.y, mrw_y(A * (1 + kappa)), rtol=1e-8)


def test_step_can_trap_the_economy_below_the_threshold():
    # the low-regime steady state has z* = s_Z y*/m_Z = 0.493 < tau = 0.5: no take-off
    f = capability_jump(cd(), Step(tau=0.5), kappa=1.0)
    sim = simulate(f, periods=1500, k0=0.1, z0=0.01, **ECON)
    assert np.isnan(sim.takeoff[0])
    assert_allclose(sim.y.iloc[-1, 0], mrw_y(), rtol=1e-8)


def test_two_steady_states_and_their_basins():
    kappa = 1.0
    z_low = 0.05 * mrw_y() / 0.15
    z_high = 0.05 * mrw_y(A * (1 + kappa)) / 0.15
    tau = np.sqrt(z_low * z_high)
    f = capability_jump(cd(), Step(tau=tau), kappa=kappa)
    ss = solow_steady_state(f, **ECON)
    assert list(ss.states["stable"]) == [True, True]
    b = basins(f, k0=[0.5, 20.0], z0=[0.05, 5.0], periods=3000, **ECON)
    low = (b["k0"] == 0.5) & (b["z0"] == 0.05)
    high = (b["k0"] == 20.0) & (b["z0"] == 5.0)
    assert b.loc[low, "basin"].item() == 0 and b.loc[high, "basin"].item() == 1
    assert_allclose(b.loc[low, "y_final"].item(), mrw_y(), rtol=1e-6)
    assert_allclose(b.loc[high, "y_final"].item(), mrw_y(A * (1 + kappa)), rtol=1e-6)


def test_paths_are_vectorised_and_equal_single_runs():
    f = capability_jump(cd(), Logistic(tau=1.0, gamma=3.0), kappa=0.5)
    starts = np.array([0.2, 1.0, 5.0])
    many = simulate(f, periods=50, k0=starts, z0=starts / 10, n_paths=3, **ECON)
    for j, k0 in enumerate(starts):
        one = simulate(f, periods=50, k0=k0, z0=k0 / 10, **ECON)
        assert_allclose(many.y[j].to_numpy(), one.y[0].to_numpy(), rtol=1e-14)


def test_monte_carlo_seeds_and_bands():
    f = capability_jump(cd(), Logistic(tau=1.0, gamma=2.0), kappa=1.0)
    a = simulate(f, periods=100, n_paths=2000, sigma=0.05, seed=11, **ECON)
    b = simulate(f, periods=100, n_paths=2000, sigma=0.05, seed=11, **ECON)
    c = simulate(f, periods=100, n_paths=2000, sigma=0.05, seed=12, **ECON)
    pd_equal = np.array_equal(a.y.to_numpy(), b.y.to_numpy())
    assert pd_equal and not np.array_equal(a.y.to_numpy(), c.y.to_numpy())
    bands = a.bands("y", (0.05, 0.5, 0.95))
    assert (bands["q0.05"] <= bands["q0.5"]).all() and (bands["q0.5"] <= bands["q0.95"]).all()
    # first-period shocks have mean one: y_0 / f(k0, z0) averages to 1 within 4 s.e.
    det = simulate(f, periods=1, **ECON).y.iloc[0, 0]
    ratio = a.y.iloc[0].to_numpy() / det
    assert abs(ratio.mean() - 1) < 4 * ratio.std() / np.sqrt(ratio.size)
    assert "take-off" in str(a)


def test_emergence_takes_off_when_every_critical_input_is_reached():
    em = Emergence({"C": 1.0, "D": 1.0, "Q": 1.0})
    f = capability_jump(cd(), em, kappa=1.0)
    T = 100
    compute = 0.5 * 1.02 ** np.arange(T + 1)  # crosses 1 at t = 36
    sim = simulate(f, periods=T, exog={"C": compute, "D": 2.0, "Q": 3.0}, **ECON)
    first = int(np.argmax(compute > 1))
    assert first == 36 and sim.takeoff[0] == first
    g = np.diff(np.log(sim.y[0].to_numpy()))
    assert int(np.argmax(g)) + 1 == first
    with pytest.raises(SpecificationError, match="varies over time|vary over time"):
        _ = sim.steady_state


def test_scenario_from_dict_and_toml(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text("s_K = 0.2\ndelta_K = 0.05\ndelta_Z = 0.15\nperiods = 60\nseed = 3\n"
                    "[token_usage]\nstart = 0.01\ngrowth = 0.05\nceiling = 0.05\n")
    sc = Scenario.from_toml(toml)
    path = np.minimum(0.01 * 1.05 ** np.arange(60), 0.05)
    assert_allclose(sc.s_Z, path)
    sim = simulate(cd(), toml)
    sim2 = simulate(cd(), {"s_K": 0.2, "delta_K": 0.05, "delta_Z": 0.15, "periods": 60,
                           "s_Z": list(path)})
    assert_allclose(sim.y.to_numpy(), sim2.y.to_numpy(), rtol=1e-15)
    with pytest.raises(SpecificationError, match="unknown scenario key"):
        Scenario.from_dict({"savings": 0.2})


def test_bad_input_names_the_culprit():
    with pytest.raises(ParameterError, match="s_K \\+ s_Z"):
        simulate(cd(), s_K=0.7, s_Z=0.4)
    with pytest.raises(DataError, match="s_Z has 3 values"):
        simulate(cd(), s_Z=[0.1, 0.1, 0.1], periods=10)
    with pytest.raises(SpecificationError, match="unknown option"):
        simulate(cd(), savings=0.3)
    with pytest.raises(ParameterError, match="k0"):
        simulate(cd(), k0=-1.0)
    with pytest.raises(SpecificationError, match="exog"):
        simulate(capability_jump(cd(), Emergence(("C", "D")), kappa=1.0))
