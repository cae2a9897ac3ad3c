"""Exceptions and warnings raised by intelcap.

Every error intelcap raises on purpose derives from :class:`IntelcapError`, and every one of them
is also a subclass of the built-in exception a Python user would expect (``ValueError`` for a bad
value, ``TypeError`` for a wrong type), so ``except ValueError`` keeps working. Messages name the
argument, column, row or parameter at fault and, where sizes differ, both sizes.
"""

from __future__ import annotations

import re

__all__ = [
    "AccountingIdentityError",
    "ConvergenceWarning",
    "CovarianceWarning",
    "DataError",
    "ExpressionError",
    "IntelcapError",
    "IntelcapTypeError",
    "IntelcapValueError",
    "IntelcapWarning",
    "MissingDataError",
    "ParameterError",
    "SpecificationError",
    "plain_message",
]


#: numpy scalar reprs such as ``np.int64(6)`` or ``np.float64(0.5)``, which f-strings with ``!r``
#: produce for values taken from arrays and indexes.
_NUMPY_SCALAR = re.compile(
    r"\bnp\.(?:u?int\d*|float\d*|complex\d*|bool_?|str_|bytes_|datetime64|timedelta64)"
    r"\(([^()]*)\)")


def plain_message(message: str) -> str:
    """``message`` with numpy scalar reprs replaced by their values (``np.int64(6)`` -> ``6``).

    Every intelcap error and warning passes its message through this, so a user reads the
    number, not numpy's type.
    """
    message = _NUMPY_SCALAR.sub(r"\1", message)
    return message.replace("np.True_", "True").replace("np.False_", "False")


def _plain_args(args: tuple) -> tuple:
    if args and isinstance(args[0], str):
        return (plain_message(args[0]), *args[1:])
    return args


class IntelcapError(Exception):
    """Base class of every error raised by intelcap.

    Its message shows numbers as numbers: numpy scalar reprs (``np.int64(6)``) are replaced
    by their values (:func:`plain_message`).
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*_plain_args(args))


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
    """Base class of every warning issued by intelcap (messages as for :class:`IntelcapError`)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*_plain_args(args))


class ConvergenceWarning(IntelcapWarning):
    """An optimiser stopped without meeting its convergence criteria."""


class CovarianceWarning(IntelcapWarning):
    """A parameter covariance is partly undefined: a parameter is not identified or its
    estimated variance is negative (its standard error is then NaN, never 0)."""
