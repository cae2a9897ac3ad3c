"""Exceptions and warnings raised by intelcap.

Every error intelcap raises on purpose derives from :class:`IntelcapError`, and every one of them
is also a subclass of the built-in exception a Python user would expect (``ValueError`` for a bad
value, ``TypeError`` for a wrong type), so ``except ValueError`` keeps working. Messages name the
argument, column, row or parameter at fault and, where sizes differ, both sizes.
"""

from __future__ import annotations

__all__ = [
    "AccountingIdentityError",
    "ConvergenceWarning",
    "DataError",
    "ExpressionError",
    "IntelcapError",
    "IntelcapTypeError",
    "IntelcapValueError",
    "IntelcapWarning",
    "MissingDataError",
    "ParameterError",
    "SpecificationError",
]


class IntelcapError(Exception):
    """Base class of every error raised by intelcap."""


class IntelcapValueError(IntelcapError, ValueError):
    """A value is out of its admissible range or inconsistent with another."""


class IntelcapTypeError(IntelcapError, TypeError):
    """An argument has the wrong type."""


class DataError(IntelcapValueError):
    """Input data are malformed: missing or extra columns, misaligned indexes, bad values."""


class MissingDataError(DataError):
    """Input data contain missing values and the missing-value policy is ``"raise"``."""


class ParameterError(IntelcapValueError):
    """A model parameter is outside its admissible range (for example CES ``rho >= 1``)."""


class SpecificationError(IntelcapValueError):
    """A model specification is invalid (unknown option name, inconsistent settings)."""


class ExpressionError(SpecificationError):
    """A user expression or formula is unsafe or refers to unknown names."""


class AccountingIdentityError(IntelcapValueError):
    """National-accounts tables violate an accounting identity beyond tolerance."""


class IntelcapWarning(UserWarning):
    """Base class of every warning issued by intelcap."""


class ConvergenceWarning(IntelcapWarning):
    """An optimiser stopped without meeting its convergence criteria."""
