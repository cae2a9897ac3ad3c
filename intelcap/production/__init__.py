"""intelcap.production: production functions with intelligent capital (sympy core).

:class:`ProductionFunction` holds output as a sympy expression in named
inputs and parameters; derived quantities (marginal products, elasticities, returns to scale,
elasticities of substitution, factor shares) are exact and evaluated through cached
:func:`sympy.lambdify`. Base forms (:class:`CobbDouglas`, :class:`CES`, :class:`NestedCES`,
:class:`Translog`), transition functions (:class:`Step`, :class:`Logistic`,
:class:`MultiRegime`, :class:`Emergence`), the intelligent-capital forms
(:func:`threshold_elasticity`, :func:`capability_jump`, :func:`task_substitute`) and the Solow
steady state (:func:`solow_steady_state`).
"""

from intelcap.production.core import (
    ProductionFunction,
    StartValues,
    from_expression,
    lambdify,
    latex,
)
from intelcap.production.forms import CES, CobbDouglas, NestedCES, Translog
from intelcap.production.intelligent import (
    IntelligentCapitalForm,
    capability_jump,
    task_substitute,
    threshold_elasticity,
)
from intelcap.production.solow import SteadyState, solow_steady_state
from intelcap.production.transitions import (
    TRANSITIONS,
    Emergence,
    Logistic,
    MultiRegime,
    Step,
    Transition,
    make_transition,
)

__all__ = [
    "CES",
    "TRANSITIONS",
    "CobbDouglas",
    "Emergence",
    "IntelligentCapitalForm",
    "Logistic",
    "MultiRegime",
    "NestedCES",
    "ProductionFunction",
    "StartValues",
    "SteadyState",
    "Step",
    "Transition",
    "Translog",
    "capability_jump",
    "from_expression",
    "lambdify",
    "latex",
    "make_transition",
    "solow_steady_state",
    "task_substitute",
    "threshold_elasticity",
]
