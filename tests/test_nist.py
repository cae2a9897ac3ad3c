"""NIST StRD nonlinear regression: intelcap's NLS against NIST's certified values.

Reference: NIST Statistical Reference Datasets, nonlinear regression
(``intelcap.datasets.nist_strd``: NIST's original .dat files, bundled). Each file's header gives
the model, two official starting points, the certified parameters with their standard deviations
and the certified residual sum of squares; certified values were computed by NIST in 128-bit
arithmetic. The model formulas are typed below, one per problem, from those headers.

Acceptance (issue 4): from the second official start every one of the 27 problems reaches the
certified parameters and residual sum of squares to at least 6 significant digits (relative
tolerance 1e-6), and from the first start wherever possible. Where a start does not reach the
certified optimum, the result must say so (``converged`` False and a ConvergenceWarning): a fit
reported as converged must always equal the certified solution.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from intelcap.datasets import nist_strd
from intelcap.estimation.nls import nls
from intelcap.exceptions import ConvergenceWarning

pytestmark = pytest.mark.reference

#: Model of every NIST problem, typed from its .dat header (``arctan[...]`` etc. as functions).
MODELS: dict[str, str] = {
    "Bennett5": "y ~ b1 * (b2 + x)**(-1/b3)",
    "BoxBOD": "y ~ b1*(1 - exp(-b2*x))",
    "Chwirut1": "y ~ exp(-b1*x)/(b2 + b3*x)",
    "Chwirut2": "y ~ exp(-b1*x)/(b2 + b3*x)",
    "DanWood": "y ~ b1*x**b2",
    "ENSO": ("y ~ b1 + b2*cos(2*pi*x/12) + b3*sin(2*pi*x/12) + b5*cos(2*pi*x/b4)"
             " + b6*sin(2*pi*x/b4) + b8*cos(2*pi*x/b7) + b9*sin(2*pi*x/b7)"),
    "Eckerle4": "y ~ (b1/b2) * exp(-0.5*((x - b3)/b2)**2)",
    "Gauss1": "y ~ b1*exp(-b2*x) + b3*exp(-(x - b4)**2/b5**2) + b6*exp(-(x - b7)**2/b8**2)",
    "Gauss2": "y ~ b1*exp(-b2*x) + b3*exp(-(x - b4)**2/b5**2) + b6*exp(-(x - b7)**2/b8**2)",
    "Gauss3": "y ~ b1*exp(-b2*x) + b3*exp(-(x - b4)**2/b5**2) + b6*exp(-(x - b7)**2/b8**2)",
    "Hahn1": "y ~ (b1 + b2*x + b3*x**2 + b4*x**3)/(1 + b5*x + b6*x**2 + b7*x**3)",
    "Kirby2": "y ~ (b1 + b2*x + b3*x**2)/(1 + b4*x + b5*x**2)",
    "Lanczos1": "y ~ b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)",
    "Lanczos2": "y ~ b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)",
    "Lanczos3": "y ~ b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)",
    "MGH09": "y ~ b1*(x**2 + x*b2)/(x**2 + x*b3 + b4)",
    "MGH10": "y ~ b1*exp(b2/(x + b3))",
    "MGH17": "y ~ b1 + b2*exp(-x*b4) + b3*exp(-x*b5)",
    "Misra1a": "y ~ b1*(1 - exp(-b2*x))",
    "Misra1b": "y ~ b1*(1 - (1 + b2*x/2)**(-2))",
    "Misra1c": "y ~ b1*(1 - (1 + 2*b2*x)**(-0.5))",
    "Misra1d": "y ~ b1*b2*x*((1 + b2*x)**(-1))",
    "Nelson": "log(y) ~ b1 - b2*x1*exp(-b3*x2)",
    "Rat42": "y ~ b1/(1 + exp(b2 - b3*x))",
    "Rat43": "y ~ b1/((1 + exp(b2 - b3*x))**(1/b4))",
    "Roszman1": "y ~ b1 - b2*x - arctan(b3/(x - b4))/pi",
    "Thurber": "y ~ (b1 + b2*x + b3*x**2 + b4*x**3)/(1 + b5*x + b6*x**2 + b7*x**3)",
}

RTOL = 1e-6  # "at least 6 significant digits"


@dataclass
class NistProblem:
    name: str
    data: pd.DataFrame
    starts: tuple[dict[str, float], dict[str, float]]
    certified: pd.Series
    certified_sd: pd.Series
    rss: float


def load_nist(name: str) -> NistProblem:
    """One NIST StRD nonlinear problem from the bundled loader (NIST's original .dat file)."""
    p = nist_strd.load(name, kind="nonlinear")
    return NistProblem(name, p.data, (p.starts["start1"].to_dict(), p.starts["start2"].to_dict()),
                       p.certified["value"], p.certified["std_dev"], p.rss)


def _fit(problem: NistProblem, start: int):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # NIST certifies SDs with s^2 = RSS/(n - p): the registry's "unadjusted" with
        # debiased=True (linearmodels' default, debiased=False, divides by n)
        res = nls(MODELS[problem.name], problem.data, problem.starts[start - 1], debiased=True)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return res, warned


def _digits(res, problem: NistProblem) -> float:
    """Log relative error (LRE) of the worst parameter or of the RSS."""
    errs = np.abs(res.params[problem.certified.index] / problem.certified - 1).to_numpy()
    errs = np.append(errs, abs(res.ssr / problem.rss - 1))
    worst = float(np.nanmax(errs)) if np.all(np.isfinite(errs)) else np.inf
    return -np.log10(worst) if worst > 0 else 16.0


# Lanczos1 was generated from the model to 13 significant digits: its certified residual sum of
# squares is 1.43e-25, residuals of order 1e-13 against responses of order 1. Once the data are
# held in double precision (relative rounding 1.1e-16 per value) the residuals themselves carry
# only about three correct digits, so no double-precision evaluation can reproduce the certified
# RSS (or the SDs, which scale with sqrt(RSS)) to 6 digits. The parameters do match (to 1e-10).
_LANCZOS1_RSS = pytest.mark.xfail(
    strict=True,
    reason="Lanczos1: certified RSS 1.43e-25 is below the rounding of the data held in double "
           "precision; RSS and SDs reproducible to ~3 digits only (parameters match)",
)


def _rss_params(names=None):
    names = sorted(MODELS) if names is None else names
    return [pytest.param(n, marks=_LANCZOS1_RSS) if n == "Lanczos1" else n for n in names]


@pytest.mark.parametrize("start", [1, 2])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_nist_parameters(name: str, start: int) -> None:
    """Certified parameters to 6 significant digits (rtol 1e-6) from NIST start 1 and start 2."""
    problem = load_nist(name)
    res, warned = _fit(problem, start)
    assert res.converged, res.convergence_reason
    assert not warned
    np.testing.assert_allclose(res.params[problem.certified.index].to_numpy(),
                               problem.certified.to_numpy(), rtol=RTOL)


@pytest.mark.parametrize("start", [1, 2])
@pytest.mark.parametrize("name", _rss_params())
def test_nist_rss_and_sd(name: str, start: int) -> None:
    """Certified residual sum of squares and parameter SDs to 6 significant digits."""
    problem = load_nist(name)
    res, _ = _fit(problem, start)
    np.testing.assert_allclose(res.ssr, problem.rss, rtol=RTOL)
    np.testing.assert_allclose(res.std_errors[problem.certified_sd.index].to_numpy(),
                               problem.certified_sd.to_numpy(), rtol=RTOL)


def _canonical(name: str, params: pd.Series) -> np.ndarray:
    """Parameters modulo the model's exact symmetries (for comparing with certified values).

    Lanczos: the three exponential terms may be found in any order; Gauss: the widths b5, b8
    enter squared, so their sign is not identified.
    """
    p = params.copy()
    if name.startswith("Lanczos"):
        pairs = sorted([(p[f"b{2 * k + 2}"], p[f"b{2 * k + 1}"]) for k in range(3)])
        return np.array([v for rate, amp in pairs for v in (amp, rate)])
    if name.startswith("Gauss"):
        p["b5"], p["b8"] = abs(p["b5"]), abs(p["b8"])
    return p.sort_index(key=lambda i: i.str[1:].astype(int)).to_numpy()


#: Deliberately weakened optimiser settings: they make some starts fail, and the failures must be
#: reported as such (never a wrong answer marked converged).
WEAK_CONFIGS = {
    "trf_alone": {"polish": False, "restarts": 0, "gauss_newton": 0},
    "lm_alone": {"method": "lm", "restarts": 0, "gauss_newton": 0},
    "dogbox_alone": {"method": "dogbox", "polish": False, "restarts": 0, "gauss_newton": 0},
    "loose_tolerances": {"polish": False, "restarts": 0, "ftol": 1e-8, "xtol": 1e-8,
                         "gtol": 1e-8, "gauss_newton": 0},
    "few_evaluations": {"polish": False, "restarts": 0, "max_nfev": 30},
}


@pytest.mark.parametrize("config", sorted(WEAK_CONFIGS))
def test_nist_converged_flag_never_lies(config: str) -> None:
    """Over all 27 problems x 2 starts with weakened settings: converged => certified optimum.

    A fit that does not reach NIST's certified parameters (6 digits, modulo the exact symmetries
    of the Lanczos and Gauss models) must have ``converged`` False and issue a
    ConvergenceWarning, unless it stopped at a genuine, different local minimum (``converged``
    certifies a local least-squares optimum: first-order condition, resolved Gauss-Newton step,
    full-rank Jacobian; no local test can certify a global one). Such a point is accepted only
    if the full default optimiser restarted there stays put with a larger SSR than NIST's; it
    happens once (Thurber, start 1, dogbox alone: SSR 7682 against 5643). Each configuration
    must also converge somewhere (the check is not vacuous) and fail somewhere.
    """
    lies, n_conv, n_fail, n_local = [], 0, 0, 0
    for name in sorted(MODELS):
        problem = load_nist(name)
        cert = _canonical(name, problem.certified)
        for start in (1, 2):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = nls(MODELS[name], problem.data, problem.starts[start - 1],
                          **WEAK_CONFIGS[config])
            warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            assert warned == (not res.converged)
            ok = np.allclose(_canonical(name, res.params), cert, rtol=RTOL, atol=0)
            if res.converged:
                n_conv += 1
                if not ok:
                    # not NIST's optimum: acceptable only if it is a genuine local minimum of its
                    # own (no local criterion can tell a local from the global minimum): the
                    # full default optimiser started there must not move, and the SSR must be
                    # above the certified one
                    again = nls(MODELS[name], problem.data, res.params.to_dict())
                    local = (again.converged and problem.rss < res.ssr
                             and np.allclose(again.params, res.params, rtol=RTOL))
                    if local:
                        n_local += 1
                    else:
                        lies.append((name, start, res.params.to_dict()))
            else:
                n_fail += 1
    assert not lies, f"reported converged at a wrong answer: {lies}"
    assert n_local <= 2
    assert n_conv >= 10
    assert n_fail > 0
