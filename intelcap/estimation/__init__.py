"""Estimators: NLS, threshold and panel threshold regression, smooth transition, growth regressions.

Every estimator returns a subclass of :class:`~intelcap.estimation.results.Results`.
"""

from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic, compare

__all__ = ["InvalidTestStatistic", "Results", "TestStatistic", "compare"]
