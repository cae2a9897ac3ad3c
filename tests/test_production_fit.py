"""Fitting intelcap.production forms by NLS: CES (Kmenta start), IC forms, recovery, bad input.

References: Kmenta (1967) for the CES start device; recovery of known parameters from simulated
economies; the NLS result is
cross-checked against the same model typed as an expression string for :func:`nls`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from intelcap.estimation.nls import nls
from intelcap.estimation.production_fit import fit_production, kmenta
from intelcap.exceptions import (
    ConvergenceWarning,
    CovarianceWarning,
    DataError,
    SpecificationError,
)
from intelcap.production.forms import CES, CobbDouglas
from intelcap.production.intelligent import capability_jump, threshold_elasticity
from intelcap.production.transitions import Logistic

CES_TRUE = {"A": 2.0, "delta_K": 0.35, "rho": -0.6, "nu": 0.9}
TE_TRUE = {"A": 1.5, "alpha_K": 0.3, "alpha_L": 0.6, "tau": 3.0, "gamma": 4.0,
           "theta_1": 0.05, "theta_2": 0.3}


def _ces_data(rng: np.random.Generator, n: int = 500, sigma: float = 0.05) -> pd.DataFrame:
    k = np.exp(rng.normal(1, 0.6, n))
    lab = np.exp(rng.normal(1, 0.6, n))
    a, d, rho, nu = CES_TRUE.values()
    y = a * (d * k**rho + (1 - d) * lab**rho) ** (nu / rho) * np.exp(rng.normal(0, sigma, n))
    return pd.DataFrame({"K": k, "L": lab, "Y": y})


def _te_data(rng: np.random.Generator, n: int = 400, sigma: float = 0.05) -> pd.DataFrame:
    """A simulated economy with the threshold-elasticity IC form and a logistic transition."""
    k = np.exp(rng.normal(1, 0.6, n))
    lab = np.exp(rng.normal(1, 0.6, n))
    z = np.exp(rng.normal(1, 1, n))
    t = TE_TRUE
    g = 1 / (1 + np.exp(-t["gamma"] * (np.log(z) - np.log(t["tau"]))))
    theta = t["theta_1"] + (t["theta_2"] - t["theta_1"]) * g
    y = (t["A"] * k ** t["alpha_K"] * lab ** t["alpha_L"] * z**theta
         * np.exp(rng.normal(0, sigma, n)))
    return pd.DataFrame({"K": k, "L": lab, "Z": z, "Y": y})


def test_kmenta_recovers_ces_near_cobb_douglas(rng: np.random.Generator) -> None:
    """Kmenta's approximation is exact to second order in rho: with rho = -0.05 and no noise the
    implied parameters are within 1e-3 of the truth."""
    k = np.exp(rng.normal(1, 0.5, 300))
    lab = np.exp(rng.normal(1, 0.5, 300))
    a, d, rho, nu = 1.3, 0.4, -0.05, 1.1
    y = a * (d * k**rho + (1 - d) * lab**rho) ** (nu / rho)
    km = kmenta(pd.DataFrame({"K": k, "L": lab, "Y": y}))
    np.testing.assert_allclose(km.params[["A", "delta_K", "rho", "nu"]].to_numpy(),
                               [a, d, rho, nu], atol=1e-3)
    assert km.ols.rsquared > 0.999


def test_ces_fit_matches_string_nls_and_truth(rng: np.random.Generator) -> None:
    """CES(K, L) through fit_production (A's numerically stable expression, log errors) reaches
    the same optimum as the textbook formula typed for nls(), and the truth lies in its 99% CIs.
    """
    df = _ces_data(rng)
    res = fit_production(CES(("K", "L")), df)
    assert res.converged
    assert "Kmenta" in res.start_method
    ref = nls("log(Y) ~ log(A) + nu/rho*log(delta*K**rho + (1 - delta)*L**rho)", df,
              {"A": 1.0, "delta": 0.5, "rho": -0.3, "nu": 1.0})
    assert ref.converged
    np.testing.assert_allclose(res.params[["A", "delta_K", "rho", "nu"]].to_numpy(),
                               ref.params[["A", "delta", "rho", "nu"]].to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(res.ssr, ref.ssr, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors[["A", "delta_K", "rho", "nu"]].to_numpy(),
                               ref.std_errors[["A", "delta", "rho", "nu"]].to_numpy(), rtol=1e-5)
    ci = res.conf_int(0.99)
    for name, value in CES_TRUE.items():
        assert ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"], name
    fitted = res.production_function
    assert fitted is not None and fitted.values["rho"] == pytest.approx(res.params["rho"])


def test_ces_fixed_constant_returns(rng: np.random.Generator) -> None:
    """fixed=("nu",) holds nu at the form's value (CES default nu = 1)."""
    df = _ces_data(rng)
    res = fit_production(CES(("K", "L")), df, fixed=("nu",))
    assert "nu" not in res.params.index
    assert res.fixed == {"nu": 1.0}
    free = fit_production(CES(("K", "L")), df)
    assert res.ssr >= free.ssr


def test_threshold_elasticity_recovery_coverage() -> None:
    """Recovery: over 40 seeded simulated economies (n = 400, multiplicative noise sd 0.05) with a
    known threshold-elasticity IC form and logistic transition, the 95% confidence intervals of the
    7 parameters cover the truth at about the nominal rate: pooled coverage in [0.90, 0.99]
    (binomial sd about 0.013 around 0.95) and at least 0.85 for each parameter. Every fit must
    converge."""
    pf = threshold_elasticity(CobbDouglas(("K", "L")), Logistic())
    reps = 40
    hits = pd.DataFrame(False, index=range(reps), columns=list(TE_TRUE))
    for r in range(reps):
        df = _te_data(np.random.default_rng(1000 + r))
        res = fit_production(pf, df)
        assert res.converged, (r, res.convergence_reason)
        ci = res.conf_int(0.95)
        for name, value in TE_TRUE.items():
            hits.loc[r, name] = ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"]
    pooled = hits.to_numpy().mean()
    assert 0.90 <= pooled <= 0.99, hits.mean()
    assert (hits.mean() >= 0.85).all(), hits.mean()


def test_capability_jump_recovery(rng: np.random.Generator) -> None:
    """Capability jump Y = A K^a L^b Z^c (1 + kappa G(Z)), logistic G: truth inside 99% CIs."""
    pf = capability_jump(transition=Logistic())
    n = 800
    k, lab, z = (np.exp(rng.normal(1, 0.6, n)) for _ in range(3))
    truth = {"A": 1.2, "alpha_K": 0.3, "alpha_L": 0.5, "alpha_Z": 0.1, "tau": 3.0,
             "gamma": 6.0, "kappa": 0.8}
    data = pd.DataFrame({"K": k, "L": lab, "Z": z})
    y = np.asarray(pf.output(data, **truth)) * np.exp(rng.normal(0, 0.03, n))
    res = fit_production(pf, data.assign(Y=y), cov_type="robust")
    assert res.converged
    ci = res.conf_int(0.99)
    for name, value in truth.items():
        assert ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"], name


def test_level_errors_and_clustered(rng: np.random.Generator) -> None:
    """log=False fits Y = F + e; clustered SEs are computed from the same Jacobian."""
    df = _ces_data(rng, n=400, sigma=0.02)
    res = fit_production(CES(("K", "L")), df, log=False)
    assert res.converged and not res.log
    np.testing.assert_allclose(res.params["rho"], CES_TRUE["rho"], atol=0.15)
    groups = np.repeat(np.arange(40), 10)
    cl = fit_production(CES(("K", "L")), df, log=False, cov_type="clustered", clusters=groups)
    np.testing.assert_allclose(cl.params, res.params)
    assert cl.cov_type == "clustered"


def test_production_fit_bad_input(rng: np.random.Generator) -> None:
    df = _ces_data(rng, n=100)
    bad = df.copy()
    bad.loc[7, "K"] = -1.0
    with pytest.raises(DataError, match=r"'K'.*positive"):
        fit_production(CES(("K", "L")), bad)
    with pytest.raises(DataError, match="missing column"):
        fit_production(CES(("K", "L")), df.drop(columns="L"))
    with pytest.raises(SpecificationError, match="not parameters"):
        fit_production(CES(("K", "L")), df, start={"sigma": 1.0})
    with pytest.raises(SpecificationError, match="not parameters"):
        fit_production(CES(("K", "L")), df, fixed={"beta": 1.0})
    # a hopeless evaluation budget: flagged, never a silent wrong number
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_production(CES(("K", "L")), df, start={"rho": 0.5, "delta_K": 0.9},
                             max_nfev=2, restarts=0, polish=False, gauss_newton=0)
    assert not res.converged
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_step_threshold_refused_unless_fixed(rng: np.random.Generator) -> None:
    """A hard step (Heaviside) is not differentiable in tau: NLS refuses it with a clear error
    naming the threshold estimators; with tau held fixed the other parameters are estimated."""
    from intelcap.production.transitions import Step

    n = 300
    data = pd.DataFrame({c: np.exp(rng.normal(size=n)) for c in ("K", "L", "Z")})
    pf = threshold_elasticity(CobbDouglas(("K", "L")), Step())
    truth = {"A": 1.0, "alpha_K": 0.3, "alpha_L": 0.6, "tau": 1.5, "theta_1": 0.1,
             "theta_2": 0.3}
    y = np.asarray(pf.output(data, **truth)) * np.exp(rng.normal(0, 0.05, n))
    df = data.assign(Y=y)
    with pytest.raises(SpecificationError, match="ThresholdRegression"):
        fit_production(pf, df)
    res = fit_production(pf, df, fixed={"tau": 1.5})
    assert res.converged
    ci = res.conf_int(0.99)
    for name in ("alpha_K", "alpha_L", "theta_1", "theta_2"):
        assert ci.loc[name, "lower"] <= truth[name] <= ci.loc[name, "upper"], name


def test_nls_heaviside_parameter_is_flagged(rng: np.random.Generator) -> None:
    """In a string formula a threshold parameter inside Heaviside has a zero (regime-wise)
    derivative: the fit does not claim convergence."""
    x = rng.uniform(0, 2, 100)
    df = pd.DataFrame({"x": x, "y": 1 + 2 * (x > 1.0) + 0.1 * rng.normal(size=100)})
    with pytest.warns(CovarianceWarning, match=r"\['c'\] are not identified"), \
            pytest.warns(ConvergenceWarning):
        res = nls("y ~ a + b*Heaviside(x - c)", df, {"a": 1.0, "b": 1.0, "c": 0.8})
    assert not res.converged
    assert np.isnan(res.std_errors["c"])
