"""Proxy-variable estimators of firm-level production functions.

Olley and Pakes (1996), Levinsohn and Petrin (2003), Ackerberg, Caves and Frazer (2015) and
Wooldridge (2009), for value-added and gross-output, Cobb-Douglas and translog production
functions, with intelligent capital as a further state or free input. :class:`ProxyProduction`
is the front door (``method=``); :class:`OlleyPakes`, :class:`LevinsohnPetrin`,
:class:`AckerbergCavesFrazer` and :class:`Wooldridge` fix the method and its usual proxy.

References
----------
Ackerberg, D. A., Caves, K. and Frazer, G. (2015). Identification properties of recent
production function estimators. *Econometrica* 83(6), 2411-2451.
De Loecker, J. and Warzynski, F. (2012). Markups and firm-level export status. *American
Economic Review* 102(6), 2437-2471.
Levinsohn, J. and Petrin, A. (2003). Estimating production functions using inputs to control for
unobservables. *Review of Economic Studies* 70(2), 317-341.
Olley, G. S. and Pakes, A. (1996). The dynamics of productivity in the telecommunications
equipment industry. *Econometrica* 64(6), 1263-1297.
Rovigatti, G. and Mollisi, V. (2018). Theory and practice of total-factor productivity
estimation: the control function approach using Stata. *Stata Journal* 18(3), 618-662.
Wooldridge, J. M. (2009). On estimating firm-level production functions using proxy variables to
control for unobservables. *Economics Letters* 104(3), 112-114.
"""

from intelcap.estimation.proxy.acf import AckerbergCavesFrazer
from intelcap.estimation.proxy.data import PanelSample, ProxyWarning, prepare_panel
from intelcap.estimation.proxy.lp import LevinsohnPetrin
from intelcap.estimation.proxy.model import ProxyProduction
from intelcap.estimation.proxy.op import OlleyPakes
from intelcap.estimation.proxy.results import ProxyProductionResults
from intelcap.estimation.proxy.wooldridge import Wooldridge

__all__ = [
    "AckerbergCavesFrazer",
    "LevinsohnPetrin",
    "OlleyPakes",
    "PanelSample",
    "ProxyProduction",
    "ProxyProductionResults",
    "ProxyWarning",
    "Wooldridge",
    "prepare_panel",
]
