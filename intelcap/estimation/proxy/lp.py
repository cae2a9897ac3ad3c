"""Levinsohn and Petrin (2003): intermediate inputs as the proxy.

Materials demand :math:`m_{it} = m_t(k_{it}, \\omega_{it})` is the proxy; it is positive for
nearly every firm, unlike investment. The algorithm is in :mod:`intelcap.estimation.proxy.model`.
"""

from __future__ import annotations

import pandas as pd

from intelcap.estimation.proxy.model import ProxyProduction

__all__ = ["LevinsohnPetrin"]


class LevinsohnPetrin(ProxyProduction):
    """Levinsohn-Petrin (2003) estimator (proxy: log materials).

    Same parameters as :class:`~intelcap.estimation.proxy.ProxyProduction` without
    ``method``.
    """

    def __init__(self, data: pd.DataFrame, output: str, *, free, state, proxy: str,
                 **kwargs) -> None:
        super().__init__(data, output, free=free, state=state, proxy=proxy,
                         method="lp", **kwargs)
