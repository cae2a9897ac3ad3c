"""Welfare of zero-priced AI services.

* :mod:`~intelcap.welfare.surplus`: consumer surplus from linear, constant-elasticity and
  logit demand; the willingness-to-accept survival curve of choice experiments.
* :mod:`~intelcap.welfare.gdp_b`: GDP-B (Brynjolfsson, Collis, Diewert, Eggers and Fox 2019):
  output plus the benefits of free goods, and each good's contribution to its growth.
"""

from intelcap.welfare.gdp_b import gdp_b, new_good_contribution
from intelcap.welfare.surplus import (
    DEMANDS,
    TurnbullWTA,
    WTAResults,
    consumer_surplus,
    wta_survival,
    wta_turnbull,
)

__all__ = [
    "DEMANDS",
    "TurnbullWTA",
    "WTAResults",
    "consumer_surplus",
    "gdp_b",
    "new_good_contribution",
    "wta_survival",
    "wta_turnbull",
]
