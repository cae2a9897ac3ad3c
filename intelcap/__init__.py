"""intelcap: macroeconomics of the token economy.

Sub-packages (imported on first use, so ``import intelcap`` stays fast):

- :mod:`intelcap.production`: production functions with intelligent capital (sympy core).
- :mod:`intelcap.estimation`: NLS, threshold and panel-threshold regression, smooth transition,
  growth regressions; one results base class.
- :mod:`intelcap.accounts`: SNA tables, capitalization of API spending, perpetual inventory,
  GDP in three approaches, audit ledger.
- :mod:`intelcap.prices`, :mod:`intelcap.welfare`, :mod:`intelcap.tokens`, :mod:`intelcap.growth`:
  serving modules.
- :mod:`intelcap.datasets`: the public datasets behind the published results (bundled, with
  ``load()`` and ``DESCR``), and loaders of data that cannot be redistributed.
"""

from __future__ import annotations

import importlib

from intelcap._version import __version__
from intelcap.exceptions import (
    ConvergenceWarning,
    DataError,
    ExpressionError,
    IntelcapError,
    IntelcapWarning,
    ParameterError,
    SpecificationError,
)

__all__ = [
    "ConvergenceWarning",
    "DataError",
    "ExpressionError",
    "IntelcapError",
    "IntelcapWarning",
    "ParameterError",
    "SpecificationError",
    "__version__",
    "accounts",
    "datasets",
    "estimation",
    "growth",
    "prices",
    "production",
    "tokens",
    "welfare",
]

_SUBPACKAGES = ("accounts", "datasets", "estimation", "growth", "prices", "production",
                "tokens", "welfare")


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"intelcap.{name}")
    raise AttributeError(f"module 'intelcap' has no attribute {name!r}")
