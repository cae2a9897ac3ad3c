"""intelcap.tokens: the token economy measured (usage, prices, market structure, costs).

Modules, each named for what it holds:

* :mod:`~intelcap.tokens.growth` -- growth factor vs growth rate, CAGR, doubling time, and a
  checker of stated growth claims;
* :mod:`~intelcap.tokens.diffusion` -- exponential, logistic, Gompertz and Bass fits;
* :mod:`~intelcap.tokens.usage` -- the usage panel (validated on read), OpenRouter and CSV
  readers, spending by price schedule, shares;
* :mod:`~intelcap.tokens.concentration` -- HHI, CR-k, entropy, bounds when only the top k are seen;
* :mod:`~intelcap.tokens.price_performance` -- capability per dollar and its frontier;
* :mod:`~intelcap.tokens.costs` -- L-shaped average cost and Wright's-law learning curves;
* :mod:`~intelcap.tokens.lockin` -- Arthur (1989) urn and a data-flywheel duopoly;
* :mod:`~intelcap.tokens.release` -- the monthly statistical release.
"""

from importlib import import_module
from typing import Any

from intelcap.tokens.concentration import concentration, cr, entropy, hhi, hhi_bounds
from intelcap.tokens.growth import (
    ClaimCheck,
    annualise,
    cagr,
    check_claim,
    doubling_time,
    fold_change,
    growth_factor,
    growth_rate,
    periodic_rate,
)
from intelcap.tokens.usage import (
    read_openrouter,
    read_usage_csv,
    share_of_total,
    shares,
    spending,
    usage_from_openrouter,
    validate_usage,
)

# names of the modules that import heavier machinery (the results base class, matplotlib),
# loaded on first use so that `import intelcap.tokens` and `intelcap release` stay light
_LAZY = {
    "fit_diffusion": "diffusion", "compare_diffusion": "diffusion",
    "out_of_sample": "diffusion", "DIFFUSION_MODELS": "diffusion",
    "fit_average_cost": "costs", "fit_learning_curve": "costs",
    "simulate_urn": "lockin", "arthur_urn": "lockin", "flywheel_duopoly": "lockin",
    "price_performance": "price_performance", "frontier": "price_performance",
    "matched_model_index": "price_performance", "blended_price": "price_performance",
    "cheapest_above": "price_performance", "annual_decline_factor": "price_performance",
    "build_release": "release", "write_release": "release",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"intelcap.tokens.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'intelcap.tokens' has no attribute {name!r}")


__all__ = [
    "DIFFUSION_MODELS",
    "ClaimCheck",
    "annual_decline_factor",
    "annualise",
    "arthur_urn",
    "blended_price",
    "build_release",
    "cagr",
    "cheapest_above",
    "check_claim",
    "compare_diffusion",
    "concentration",
    "cr",
    "doubling_time",
    "entropy",
    "fit_average_cost",
    "fit_diffusion",
    "fit_learning_curve",
    "flywheel_duopoly",
    "fold_change",
    "frontier",
    "growth_factor",
    "growth_rate",
    "hhi",
    "hhi_bounds",
    "matched_model_index",
    "out_of_sample",
    "periodic_rate",
    "price_performance",
    "read_openrouter",
    "read_usage_csv",
    "share_of_total",
    "shares",
    "simulate_urn",
    "spending",
    "usage_from_openrouter",
    "validate_usage",
    "write_release",
]
