"""Olley and Pakes (1996): investment as the proxy, with the exit correction.

The investment policy :math:`i_{it} = i_t(k_{it}, \\omega_{it})` is strictly increasing in
productivity where investment is positive, so observations with zero investment (a log proxy
of minus infinity) are dropped and counted. ``exit=True`` adds the selection correction of
Olley and Pakes (1996, section 4): the law of motion conditions on the survival probability.
The algorithm is in :mod:`intelcap.estimation.proxy.model`.
"""

from __future__ import annotations

import pandas as pd

from intelcap.estimation.proxy.model import ProxyProduction

__all__ = ["OlleyPakes"]


class OlleyPakes(ProxyProduction):
    """Olley-Pakes (1996) estimator (proxy: log investment).

    Same parameters as :class:`~intelcap.estimation.proxy.ProxyProduction` without
    ``method``.
    """

    def __init__(self, data: pd.DataFrame, output: str, *, free, state, proxy: str,
                 **kwargs) -> None:
        super().__init__(data, output, free=free, state=state, proxy=proxy,
                         method="op", **kwargs)
