"""Estimators: NLS, linear production functions, threshold and panel threshold regression, smooth
transition regression, growth regressions and proxy-variable (Olley-Pakes, Levinsohn-Petrin,
Ackerberg-Caves-Frazer, Wooldridge) production-function estimators.

Every estimator returns a subclass of :class:`~intelcap.estimation.results.Results`, so all share
linearmodels' vocabulary (``params``, ``std_errors``, ``tstats``, ``pvalues``, ``conf_int``,
``nobs``, ``ssr``, ``summary``), and every covariance comes from one registry,
:mod:`intelcap.estimation.covariance` (linearmodels' ``cov_type`` names and ``debiased``).
"""

from intelcap.estimation import covariance
from intelcap.estimation.growth_regression import SolowRegression, SolowResults
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
from intelcap.estimation.production_fit import fit_production, kmenta, start_values
from intelcap.estimation.proxy import (
    AckerbergCavesFrazer,
    LevinsohnPetrin,
    OlleyPakes,
    ProxyProduction,
    ProxyProductionResults,
    Wooldridge,
)
from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic, compare
from intelcap.estimation.smooth_transition import (
    PanelSmoothTransition,
    PanelSmoothTransitionResults,
    SmoothTransition,
    SmoothTransitionResults,
    TransitionGrid,
)
from intelcap.estimation.threshold import (
    ThresholdBootstrap,
    ThresholdRegression,
    ThresholdRegressionResults,
)

__all__ = [
    "AckerbergCavesFrazer",
    "LevinsohnPetrin",
    "NLS",
    "OLS",
    "InvalidTestStatistic",
    "LinearModelResults",
    "NLSResults",
    "OLSResults",
    "OlleyPakes",
    "OptimizerConfig",
    "PanelBootstrap",
    "PanelSmoothTransition",
    "PanelSmoothTransitionResults",
    "PanelThreshold",
    "PanelThresholdResults",
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
