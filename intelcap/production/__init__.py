"""intelcap.production: production functions with intelligent capital (sympy core).

See DESIGN.md section 1. :class:`ProductionFunction` holds output as a sympy expression in named
inputs and parameters; derived quantities (marginal products, elasticities, returns to scale,
elasticities of substitution, factor shares) are exact and evaluated through cached
:func:`sympy.lambdify`.
"""

from intelcap.production.core import ProductionFunction, from_expression, lambdify, latex

__all__ = ["ProductionFunction", "from_expression", "lambdify", "latex"]
