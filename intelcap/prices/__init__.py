"""Price indices for the token economy.

* :mod:`~intelcap.prices.bilateral`: Laspeyres, Paasche, Fisher, Törnqvist, Walsh, Lowe, Young
  and the elementary Jevons, Dutot and Carli; fixed-base and chained; matched-model coverage,
  aggregation of sub-indices, contributions to change.
* :mod:`~intelcap.prices.multilateral`: GEKS (Fisher, Törnqvist, Walsh, Jevons), CCDI,
  time-product dummy and Geary-Khamis, with rolling windows and movement, window, half and mean
  splices.
* :mod:`~intelcap.prices.hedonic`: time-dummy and characteristics (imputation) hedonic indices
  of price per token on capability scores; constant-capability decline rates (Epoch AI).
* :mod:`~intelcap.prices.split`: service-side against resource-side indices (the
  deflation-inflation split) and the effect on a CPI/PCE deflator of re-weighting or quality
  adjusting the AI-service component.
"""

from intelcap.prices.bilateral import FORMULAS, aggregate, contributions, coverage, index
from intelcap.prices.hedonic import (
    cheapest_above_threshold,
    constant_quality_decline,
    hedonic_index,
)
from intelcap.prices.multilateral import (
    METHODS,
    SPLICES,
    multilateral_index,
    splice_windows,
)
from intelcap.prices.split import deflator_whatif, plot_split, split_index


def __getattr__(name: str):
    # HedonicIndexResults builds on intelcap.estimation; imported on first use
    if name == "HedonicIndexResults":
        from intelcap.prices._hedonic_results import HedonicIndexResults

        return HedonicIndexResults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMULAS",
    "METHODS",
    "SPLICES",
    "HedonicIndexResults",
    "aggregate",
    "cheapest_above_threshold",
    "constant_quality_decline",
    "contributions",
    "coverage",
    "deflator_whatif",
    "hedonic_index",
    "index",
    "multilateral_index",
    "plot_split",
    "splice_windows",
    "split_index",
]
