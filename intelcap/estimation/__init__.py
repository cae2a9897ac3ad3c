"""Estimators: NLS, linear production functions, threshold and panel threshold regression, smooth
transition regression, growth regressions and proxy-variable (Olley-Pakes, Levinsohn-Petrin,
Ackerberg-Caves-Frazer, Wooldridge) production-function estimators.

Every estimator returns a subclass of :class:`~intelcap.estimation.results.Results`, so all share
linearmodels' vocabulary (``params``, ``std_errors``, ``tstats``, ``pvalues``, ``conf_int``,
``nobs``, ``ssr``, ``summary``), and every covariance comes from one registry,
:mod:`intelcap.estimation.covariance` (linearmodels' ``cov_type`` names and ``debiased``).

The public names are loaded on first use (a module-level ``__getattr__``, PEP 562): ``import
intelcap.estimation`` imports none of sympy, scipy.stats, linearmodels, formulaic or statsmodels,
and ``from intelcap.estimation import NLS`` imports only what :mod:`intelcap.estimation.nls`
needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers and IDEs
    from intelcap.estimation.growth_regression import (
        CESSolowRegression,
        CESSolowResults,
        SolowRegression,
        SolowResults,
    )
    from intelcap.estimation.linear import (
        OLS,
        LinearModelResults,
        OLSResults,
        cobb_douglas,
        fit_panel,
        translog,
    )
    from intelcap.estimation.nls import NLS, NLSResults, OptimizerConfig, nls
    from intelcap.estimation.panel_threshold import (
        PanelBootstrap,
        PanelThreshold,
        PanelThresholdResults,
    )
    from intelcap.estimation.production_fit import (
        KmentaResults,
        ProductionFitResults,
        fit_production,
        kmenta,
        start_values,
    )
    from intelcap.estimation.proxy import (
        AckerbergCavesFrazer,
        LevinsohnPetrin,
        OlleyPakes,
        ProxyProduction,
        ProxyProductionResults,
        Wooldridge,
    )
    from intelcap.estimation.results import (
        InvalidTestStatistic,
        Results,
        TestStatistic,
        compare,
    )
    from intelcap.estimation.smooth_transition import (
        PanelSmoothTransition,
        PanelSmoothTransitionResults,
        SmoothTransition,
        SmoothTransitionResults,
        TransitionGrid,
    )
    from intelcap.estimation.threshold import (
        IVThresholdRegression,
        IVThresholdResults,
        MultipleThresholdResults,
        ThresholdBootstrap,
        ThresholdRegression,
        ThresholdRegressionResults,
    )

#: public name -> submodule that defines it
_WHERE: dict[str, str] = {
    **dict.fromkeys(("CESSolowRegression", "CESSolowResults", "SolowRegression",
                     "SolowResults"), "growth_regression"),
    **dict.fromkeys(("OLS", "LinearModelResults", "OLSResults", "cobb_douglas", "fit_panel",
                     "translog"), "linear"),
    **dict.fromkeys(("NLS", "NLSResults", "OptimizerConfig", "nls"), "nls"),
    **dict.fromkeys(("PanelBootstrap", "PanelThreshold", "PanelThresholdResults"),
                    "panel_threshold"),
    **dict.fromkeys(("KmentaResults", "ProductionFitResults", "fit_production", "kmenta",
                     "start_values"), "production_fit"),
    **dict.fromkeys(("AckerbergCavesFrazer", "LevinsohnPetrin", "OlleyPakes", "ProxyProduction",
                     "ProxyProductionResults", "Wooldridge"), "proxy"),
    **dict.fromkeys(("InvalidTestStatistic", "Results", "TestStatistic", "compare"), "results"),
    **dict.fromkeys(("PanelSmoothTransition", "PanelSmoothTransitionResults", "SmoothTransition",
                     "SmoothTransitionResults", "TransitionGrid"), "smooth_transition"),
    **dict.fromkeys(("IVThresholdRegression", "IVThresholdResults", "MultipleThresholdResults",
                     "ThresholdBootstrap", "ThresholdRegression", "ThresholdRegressionResults"),
                    "threshold"),
}

__all__ = [
    "AckerbergCavesFrazer",
    "CESSolowRegression",
    "CESSolowResults",
    "IVThresholdRegression",
    "IVThresholdResults",
    "InvalidTestStatistic",
    "KmentaResults",
    "LevinsohnPetrin",
    "LinearModelResults",
    "MultipleThresholdResults",
    "NLS",
    "NLSResults",
    "OLS",
    "OLSResults",
    "OlleyPakes",
    "OptimizerConfig",
    "PanelBootstrap",
    "PanelSmoothTransition",
    "PanelSmoothTransitionResults",
    "PanelThreshold",
    "PanelThresholdResults",
    "ProductionFitResults",
    "ProxyProduction",
    "ProxyProductionResults",
    "Results",
    "SmoothTransition",
    "SmoothTransitionResults",
    "SolowRegression",
    "SolowResults",
    "TestStatistic",
    "ThresholdBootstrap",
    "ThresholdRegression",
    "ThresholdRegressionResults",
    "TransitionGrid",
    "Wooldridge",
    "cobb_douglas",
    "compare",
    "covariance",
    "fit_panel",
    "fit_production",
    "kmenta",
    "nls",
    "start_values",
    "translog",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        # a submodule used as an attribute (intelcap.estimation.threshold), as when the package
        # imported everything eagerly
        if not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}"):
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module 'intelcap.estimation' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"intelcap.estimation.{module}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


#: public names that are also submodule names: importing the submodule (from anywhere) binds the
#: module to the package attribute, which must keep meaning the function (as it did when the
#: package imported everything eagerly)
_SHADOWED = frozenset(n for n, m in _WHERE.items() if n == m)


class _Package(types.ModuleType):
    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        return value


sys.modules[__name__].__class__ = _Package
