"""intelcap.tokens: the token economy measured (DESIGN.md section 4).

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

__all__ = [
    "ClaimCheck",
    "annualise",
    "cagr",
    "check_claim",
    "doubling_time",
    "fold_change",
    "growth_factor",
    "growth_rate",
    "periodic_rate",
]
