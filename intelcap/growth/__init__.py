"""intelcap.growth: growth accounting, take-off simulation and scenarios (see DESIGN.md).

- :func:`growth_accounting` (:mod:`intelcap.growth.accounting`): Tornqvist growth accounting with
  intelligent capital, by industry and Domar-aggregated (BLS / EU KLEMS convention).
- :func:`hulten_tfp` (:mod:`intelcap.growth.macro`): Acemoglu (2024) Hulten-theorem TFP effect
  of AI and the arithmetic of other published estimates.
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

__all__ = [
    "ACEMOGLU_2024",
    "BLS_KLEMS",
    "GrowthAccounting",
    "HultenTFP",
    "annual_from_level",
    "growth_accounting",
    "hulten_tfp",
    "level_from_annual",
    "published_estimates",
    "services_columns",
]
