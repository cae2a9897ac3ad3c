"""Ackerberg, Caves and Frazer (2015): every coefficient in the second stage.

Labour is chosen before (or with) materials, so it is a function of :math:`(k, \\omega)` too and
its coefficient is not identified in the first stage (ACF's functional-dependence critique).
The first stage only nets out :math:`\\varepsilon`; all coefficients solve
:math:`E[\\xi_{it}(\\beta)\\,(k_{it}, l_{i,t-1})'] = 0`. Starting values are the OLS coefficients,
so the estimate is a deterministic function of the data (R's prodest draws random starting
values: prodest issue #12).
"""

from __future__ import annotations

import pandas as pd

from intelcap.estimation.proxy.model import ProxyProduction

__all__ = ["AckerbergCavesFrazer"]


class AckerbergCavesFrazer(ProxyProduction):
    """Ackerberg-Caves-Frazer (2015) estimator (proxy: log materials).

    Same parameters as :class:`~intelcap.estimation.proxy.ProxyProduction` without
    ``method``.
    """

    def __init__(self, data: pd.DataFrame, output: str, *, free, state, proxy: str,
                 **kwargs) -> None:
        super().__init__(data, output, free=free, state=state, proxy=proxy,
                         method="acf", **kwargs)
