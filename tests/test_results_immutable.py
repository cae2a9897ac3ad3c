"""Every results class of intelcap is immutable after construction (issue 14, item 2).

The base class :class:`intelcap.estimation.results.Results` refuses attribute sets and deletes
once the outermost ``__init__`` has returned; this file checks that no subclass opts out, and
that a representative fit of every concrete subclass refuses ``obj.attr = ...`` and
``del obj.attr`` while its ``functools.cached_property`` members still work (they write to the
instance dictionary directly, not through ``__setattr__``).

These are property tests of the object model: the fits use small simulated data (stated seeds)
or bundled datasets; no estimate is asserted here (the estimator tests check those against
published values).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import warnings

import numpy as np
import pandas as pd
import pytest

import intelcap
from intelcap.estimation.results import Results

SEED = 20261130


def _import_everything() -> None:
    for mod in pkgutil.walk_packages(intelcap.__path__, "intelcap."):
        importlib.import_module(mod.name)


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def _intelcap_subclasses() -> set[type]:
    _import_everything()
    return {c for c in _subclasses(Results) if c.__module__.startswith("intelcap.")}


# -- representative fits --------------------------------------------------------------------
def _cross_section(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    x1, x2 = rng.normal(size=(2, n))
    q = rng.uniform(0, 1, n)
    y = 1 + 0.5 * x1 + np.where(q > 0.5, 1.0, -0.5) * x2 + 0.3 * rng.normal(size=n)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "q": q, "const": 1.0})


def _panel(n_ent: int = 30, n_t: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + 1)
    idx = pd.MultiIndex.from_product([range(n_ent), range(n_t)], names=["entity", "time"])
    n = len(idx)
    x, q = rng.normal(size=n), rng.uniform(0, 1, n)
    mu = np.repeat(rng.normal(size=n_ent), n_t)
    y = mu + 0.5 * x + 1.5 * x / (1 + np.exp(-8 * (q - 0.5))) + 0.2 * rng.normal(size=n)
    return pd.DataFrame({"y": y, "x": x, "q": q}, index=idx)


def _nls():
    from intelcap.estimation.nls import nls

    d = _cross_section()
    d = d.assign(z=np.exp(0.3 * d["x1"]) + 0.05 * d["x2"])
    return nls("z ~ a * exp(b * x1)", d, {"a": 1.0, "b": 0.1})


def _ols():
    from intelcap.estimation.linear import OLS

    d = _cross_section()
    return OLS(d["y"], d[["const", "x1", "x2"]]).fit("robust")


def _linear_model():
    from intelcap.estimation.linear import fit_panel

    d = _panel()
    return fit_panel("y ~ 1 + x", d, "pooled", cov_type="clustered", cluster_entity=True)


def _threshold():
    from intelcap.estimation.threshold import ThresholdRegression

    d = _cross_section()
    return ThresholdRegression(d["y"], d[["x1", "x2"]], d["q"]).fit()


def _threshold_multi():
    from intelcap.estimation.threshold import ThresholdRegression

    d = _cross_section(300)
    return ThresholdRegression(d["y"], d[["x1", "x2"]], d["q"]).fit_sequential(2)


def _threshold_iv():
    from intelcap.estimation.threshold import IVThresholdRegression

    rng = np.random.default_rng(SEED + 2)
    n = 300
    z, x, q, u = rng.normal(size=(4, n))
    endog = 0.8 * z + 0.5 * u + 0.3 * rng.normal(size=n)
    y = 1 + np.where(q > 0, 1.0, -1.0) * endog + 0.5 * x + u
    d = pd.DataFrame({"y": y, "endog": endog, "x": x, "z": z, "q": q})
    return IVThresholdRegression(d["y"], d[["x"]], d["endog"], d[["z"]], d["q"]).fit()


def _panel_threshold():
    from intelcap.datasets import hansen1999
    from intelcap.estimation.panel_threshold import PanelThreshold

    d = hansen1999.load("xthreg")
    model = PanelThreshold(d["i"], d[["q1", "q2", "q3", "d1", "qd1"]], d["d1"],
                           regime_exog=d["c1"])
    return model.fit(1, convention="xthreg-like", bootstrap=0, progress=False)


def _lstr():
    from intelcap.estimation.smooth_transition import SmoothTransition

    d = _cross_section()
    return SmoothTransition.from_frame(d, "y", ["const", "x1", "x2"], "q").fit()


def _pstr():
    from intelcap.estimation.smooth_transition import PanelSmoothTransition, TransitionGrid

    d = _panel()
    return PanelSmoothTransition(d["y"], d[["x"]], d["q"]).fit(
        grid=TransitionGrid(n_gamma=6, n_c=8))


def _proxy():
    from intelcap.estimation.proxy import LevinsohnPetrin
    from intelcap.estimation.proxy.simulate import simulate_panel

    df = simulate_panel(150, 6, seed=SEED)
    return LevinsohnPetrin(df, "y", free="l", state="k", proxy="m").fit(progress=False)


def _ces_frame(seed: int) -> pd.DataFrame:
    """Two-input CES output (rho 0.5) with a small multiplicative error."""
    rng = np.random.default_rng(seed)
    n = 120
    k, l_ = rng.lognormal(size=(2, n))
    y = 1.2 * (0.4 * k ** -0.5 + 0.6 * l_ ** -0.5) ** (-1 / 0.5) * np.exp(
        0.05 * rng.normal(size=n))
    return pd.DataFrame({"Y": y, "K": k, "L": l_})


def _production_fit():
    from intelcap.estimation.production_fit import fit_production
    from intelcap.production import CES

    return fit_production(CES(("K", "L")), _ces_frame(SEED + 3))


def _kmenta():
    from intelcap.estimation.production_fit import kmenta

    return kmenta(_ces_frame(SEED + 4), "Y", ("K", "L"))


def _solow():
    from intelcap import datasets
    from intelcap.estimation.growth_regression import SolowRegression

    mrw = datasets.mrw1992.load().query("n == 1")
    return SolowRegression(mrw, "rgdpw85", "i_y", "popgrowth", percent=True).fit()


def _ces_solow():
    from intelcap import datasets
    from intelcap.estimation.growth_regression import CESSolowRegression

    mrw = datasets.mrw1992.load().query("n == 1")
    return CESSolowRegression(mrw, "rgdpw85", "i_y", "popgrowth", percent=True).fit()


def _hedonic():
    from intelcap import prices

    rng = np.random.default_rng(SEED + 5)
    n = 90
    period = np.arange(n) % 3
    score, ctx = rng.normal(size=(2, n))
    lp = 2 - 0.7 * period + 0.4 * score + 0.2 * rng.normal(size=n)
    data = pd.DataFrame({"price": np.exp(lp), "period": period, "score": score, "ctx": ctx})
    return prices.hedonic_index(data, ["score", "ctx"])


def _average_cost():
    from intelcap.tokens.costs import fit_average_cost

    q = np.linspace(1e3, 1e5, 30)
    ac = (5e4 / q + 0.2) * np.exp(0.02 * np.random.default_rng(SEED + 6).normal(size=30))
    return fit_average_cost(q, ac)


def _learning_curve():
    from intelcap.tokens.costs import fit_learning_curve

    n = np.linspace(1, 200, 30)
    cost = 100 * n ** -0.3 * np.exp(0.02 * np.random.default_rng(SEED + 7).normal(size=30))
    return fit_learning_curve(n, cost)


def _diffusion():
    from intelcap.tokens.diffusion import fit_diffusion

    t = np.arange(40.0)
    y = 100 / (1 + np.exp(-0.3 * (t - 20))) * np.exp(
        0.05 * np.random.default_rng(SEED + 8).normal(size=40))
    return fit_diffusion(t, y, "logistic")


FITS = {
    "NLSResults": _nls, "OLSResults": _ols, "LinearModelResults": _linear_model,
    "ThresholdRegressionResults": _threshold, "MultipleThresholdResults": _threshold_multi,
    "IVThresholdResults": _threshold_iv, "PanelThresholdResults": _panel_threshold,
    "SmoothTransitionResults": _lstr, "PanelSmoothTransitionResults": _pstr,
    "ProxyProductionResults": _proxy, "ProductionFitResults": _production_fit,
    "KmentaResults": _kmenta, "SolowResults": _solow, "CESSolowResults": _ces_solow,
    "HedonicIndexResults": _hedonic, "AverageCostResults": _average_cost,
    "LearningCurveResults": _learning_curve, "DiffusionResults": _diffusion,
}


@functools.cache
def _fit(name: str) -> Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FITS[name]()


# -- the tests -------------------------------------------------------------------------------
def test_no_results_class_opts_out_of_immutability() -> None:
    classes = _intelcap_subclasses()
    assert Results._immutable is True
    mutable = sorted(c.__qualname__ for c in classes if not c._immutable)
    assert not mutable, f"results classes that allow attribute sets: {mutable}"


def test_every_concrete_results_class_has_a_representative_fit() -> None:
    """A new results class must be added to FITS (so that its estimator is checked below)."""
    concrete = {c.__name__ for c in _intelcap_subclasses() if not c.__name__.startswith("_")}
    assert concrete <= set(FITS), f"results classes without a fit here: {concrete - set(FITS)}"


@pytest.mark.parametrize("name", sorted(FITS))
def test_fitted_results_refuse_attribute_sets(name: str) -> None:
    res = _fit(name)
    assert type(res).__name__ == name
    # a cached property computed after construction still works and is cached
    se = res.std_errors
    assert res.std_errors is se
    with pytest.raises(AttributeError, match="immutable"):
        res.model_name = "changed"
    with pytest.raises(AttributeError, match="immutable"):
        res.something_new = 1
    with pytest.raises(AttributeError, match="immutable"):
        del res.model_name
    with pytest.raises(AttributeError, match="immutable"):
        res._params = None
    assert res.model_name != "changed"
