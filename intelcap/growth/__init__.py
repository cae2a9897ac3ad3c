"""intelcap.growth: growth accounting, take-off simulation and scenarios.

- :func:`growth_accounting` (:mod:`intelcap.growth.accounting`): Tornqvist growth accounting with
  intelligent capital, by industry and Domar-aggregated (BLS / EU KLEMS convention).
- :func:`hulten_tfp` (:mod:`intelcap.growth.macro`): Acemoglu (2024) Hulten-theorem TFP effect
  of AI and the arithmetic of other published estimates.
- :func:`simulate` (:mod:`intelcap.growth.simulate`): Solow economy accumulating K and Z with
  any production form, take-off, steady states, poverty-trap basins, Monte Carlo bands.
- :func:`token_scenarios` (:mod:`intelcap.growth.scenarios`): diffusion-curve projections of
  China's official daily tokens to 2030 beside J.P. Morgan's projection (:func:`check_jpmorgan`).
"""

from intelcap.growth.accounting import (
    BLS_KLEMS,
    GrowthAccounting,
    growth_accounting,
    services_columns,
)
from intelcap.growth.macro import (
    ACEMOGLU_2024,
    HultenTFP,
    annual_from_level,
    hulten_tfp,
    level_from_annual,
    published_estimates,
)
from intelcap.growth.scenarios import JPMORGAN, TokenScenarios, check_jpmorgan, token_scenarios
from intelcap.growth.simulate import Scenario, Simulation, basins, simulate

__all__ = [
    "ACEMOGLU_2024",
    "BLS_KLEMS",
    "GrowthAccounting",
    "HultenTFP",
    "JPMORGAN",
    "annual_from_level",
    "growth_accounting",
    "hulten_tfp",
    "level_from_annual",
    "Scenario",
    "Simulation",
    "TokenScenarios",
    "basins",
    "check_jpmorgan",
    "published_estimates",
    "services_columns",
    "simulate",
    "token_scenarios",
]
