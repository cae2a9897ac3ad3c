"""Growth arithmetic that cannot be misread, and a checker of stated growth claims.

Two words are kept apart everywhere in this module:

* the **growth factor** (fold change, multiple) ``end / start``: "1,400x", "3.30x a year";
* the **growth rate** ``factor - 1``: "32.1% a month", "230% a year".

A "330% CAGR" for a series that multiplies by 3.30 each year confuses the two; the claim checker
(:func:`check_claim`) catches exactly that mistake and says so.

Every function takes scalars, numpy arrays or pandas objects and returns the same kind (pandas
keep the caller's index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from intelcap._validation import check_choice
from intelcap.exceptions import IntelcapValueError

__all__ = [
    "ClaimCheck",
    "annualise",
    "cagr",
    "check_claim",
    "doubling_time",
    "fold_change",
    "growth_factor",
    "growth_rate",
    "periodic_rate",
]

_LN2 = math.log(2.0)


def _positive(x: Any, name: str) -> Any:
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        bad = np.flatnonzero(~(np.isfinite(arr) & (arr > 0)).ravel())
        pos = int(bad[0]) if arr.ndim else 0
        val = arr.ravel()[pos] if arr.ndim else float(arr)
        raise IntelcapValueError(
            f"{name} must be positive and finite (growth is a ratio); got {val!r}"
            + (f" at position {pos}" if arr.ndim else "")
        )
    return x


def growth_factor(start: Any, end: Any) -> Any:
    r"""Growth factor (fold change, multiple) from ``start`` to ``end``.

    .. math:: G = x_{end} / x_{start}

    A factor of 1,400 is "1,400-fold"; its growth rate is :math:`G - 1` (139,900%).
    """
    _positive(start, "start")
    _positive(end, "end")
    return end / start


#: Alias: the fold change is the growth factor.
fold_change = growth_factor


def periodic_rate(start: Any, end: Any, periods: Any) -> Any:
    r"""Compound growth rate per period that takes ``start`` to ``end`` in ``periods`` periods.

    .. math:: g = (x_{end} / x_{start})^{1/n} - 1

    ``periods`` may be fractional (26 months, 2.5 years).
    """
    n = np.asarray(periods, dtype=float)
    if np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise IntelcapValueError(f"periods must be positive, got {periods!r}")
    return growth_factor(start, end) ** (1.0 / periods) - 1.0


def growth_rate(start: Any, end: Any, periods: Any = 1) -> Any:
    r"""Growth rate ``(end/start)^(1/periods) - 1``; with ``periods=1`` the total rate.

    .. math:: g = (x_{end} / x_{start})^{1/n} - 1

    The rate is a fraction (0.321 is 32.1%), never a factor: see :func:`growth_factor`.
    """
    return periodic_rate(start, end, periods)


def cagr(start: Any, end: Any, years: Any) -> Any:
    r"""Compound annual growth rate over ``years`` years.

    .. math:: \mathrm{CAGR} = (x_{end} / x_{start})^{1/\text{years}} - 1

    Examples
    --------
    J.P. Morgan's 10 -> 3,900 quadrillion tokens a year over 2025-2030 (five years):

    >>> round(cagr(10, 3900, 5), 4)
    2.2977
    """
    return periodic_rate(start, end, years)


def annualise(rate: Any, periods_per_year: float) -> Any:
    r"""Annual rate equivalent to a per-period compound ``rate``.

    .. math:: g_{year} = (1 + g)^{m} - 1

    with :math:`m` periods a year (12 for monthly, 52 for weekly, 4 for quarterly). Use
    ``periods_per_year < 1`` to go the other way (``annualise(g_year, 1/12)`` is monthly).
    """
    r = np.asarray(rate, dtype=float)
    if np.any(r <= -1):
        raise IntelcapValueError(f"rate must exceed -1 (-100%), got {rate!r}")
    if not periods_per_year > 0:
        raise IntelcapValueError(f"periods_per_year must be positive, got {periods_per_year!r}")
    return (1.0 + rate) ** periods_per_year - 1.0


def doubling_time(rate: Any) -> Any:
    r"""Doubling time, in periods, of a series growing at compound ``rate`` per period.

    .. math:: T_2 = \ln 2 / \ln(1 + g)

    Infinite for ``rate == 0``; negative (a halving time) for a declining series.
    """
    r = np.asarray(rate, dtype=float)
    if np.any(r <= -1):
        raise IntelcapValueError(f"rate must exceed -1 (-100%), got {rate!r}")
    with np.errstate(divide="ignore"):
        return _LN2 / np.log1p(rate) if not np.isscalar(rate) else (
            math.inf if rate == 0 else _LN2 / math.log1p(rate))


# ------------------------------------------------------------------------------------------
# claim checker
# ------------------------------------------------------------------------------------------
ClaimKind = Literal["multiple", "total_rate", "rate", "factor", "doubling_time"]
Qualifier = Literal["about", "over", "under", "exactly"]
Bound = Literal["approx", "exact", "lower", "upper"]

_KINDS = {
    "multiple": "growth factor over the whole span (end / start)",
    "total_rate": "growth rate over the whole span (end / start - 1)",
    "rate": "compound growth rate per period",
    "factor": "growth factor per period",
    "doubling_time": "doubling time, in periods",
}


def _from_ratio(kind: str, ratio: float, span: float) -> float:
    if kind == "multiple":
        return ratio
    if kind == "total_rate":
        return ratio - 1.0
    factor = ratio ** (1.0 / span) if math.isfinite(ratio) else math.inf
    if kind == "factor":
        return factor
    if kind == "rate":
        return factor - 1.0
    # doubling time: decreasing in the ratio
    if factor == 1.0:
        return math.inf
    if factor == math.inf:
        return 0.0
    return _LN2 / math.log(factor)


def _fmt_num(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _fmt_kind(kind: str, v: float, unit: str) -> str:
    if kind in ("rate", "total_rate"):
        return f"{100 * v:.1f}%" + (f" per {unit}" if kind == "rate" else "")
    if kind in ("multiple", "factor"):
        return f"{_fmt_num(v)}x" + (f" per {unit}" if kind == "factor" else "")
    return f"{v:.3g} {unit}s"


@dataclass(frozen=True)
class ClaimCheck:
    """Verdict of :func:`check_claim`.

    Attributes
    ----------
    consistent : bool
        Whether the stated figure agrees with its own endpoints (within ``rtol`` and the
        qualifier).
    stated : float
        The stated figure, in the units of ``kind``.
    kind : str
        What the stated figure is (``"multiple"``, ``"total_rate"``, ``"rate"``, ``"factor"``,
        ``"doubling_time"``).
    implied : float
        The same figure computed from the endpoints as given.
    implied_range : tuple of float
        The figure's range when an endpoint is only a bound ("over 140 trillion").
    figures : dict
        Every consistent figure: ``multiple``, ``total_rate``, ``factor``, ``rate``,
        ``doubling_time`` (per ``unit``).
    reason : str
        Why, in words, including the likely mistake when the claim is inconsistent.
    """

    consistent: bool
    stated: float
    kind: str
    qualifier: str
    implied: float
    implied_range: tuple[float, float]
    figures: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    unit: str = "period"

    def __str__(self) -> str:
        head = "consistent" if self.consistent else "INCONSISTENT"
        f = self.figures
        lines = [
            f"claim: {self.qualifier} {_fmt_kind(self.kind, self.stated, self.unit)} "
            f"({_KINDS[self.kind]}) -> {head}",
            f"  {self.reason}",
            f"  consistent figures: {_fmt_num(f['multiple'])}x over the span; "
            f"{100 * f['rate']:.1f}% per {self.unit} ({_fmt_num(f['factor'])}x per {self.unit}); "
            f"doubling every {f['doubling_time']:.3g} {self.unit}s",
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(str(self)) + "</pre>"


def _interval(value: float, bound: str) -> tuple[float, float]:
    return {"approx": (value, value), "exact": (value, value), "lower": (value, math.inf),
            "upper": (0.0, value)}[bound]


def check_claim(
    start: float,
    end: float,
    span: float,
    *,
    stated: float,
    kind: ClaimKind = "rate",
    qualifier: Qualifier = "about",
    start_bound: Bound = "approx",
    end_bound: Bound = "approx",
    rtol: float = 0.02,
    unit: str = "period",
) -> ClaimCheck:
    r"""Check a stated growth figure against its own endpoints.

    A claim is "from ``start`` to ``end`` in ``span`` periods, [about/over/under] ``stated``".
    The checker computes the figure the endpoints imply (and its range when an endpoint is
    only a bound, as in "exceeded 140 trillion") and compares.

    Parameters
    ----------
    start, end : float
        The endpoints (any positive units, the same for both).
    span : float
        Time between them, in ``unit`` periods (26 months; 5 years).
    stated : float
        The stated figure, as a number in the units of ``kind``: 0.321 for "32.1% a month",
        3.30 for "330%", 1400 for "1,400-fold", 2.49 for "doubles every 2.49 months".
    kind : {"multiple", "total_rate", "rate", "factor", "doubling_time"}
        What ``stated`` is: the growth factor over the span (``end/start``), the total growth
        rate over the span (``end/start - 1``), the compound rate per period (a CAGR when the
        period is a year), the growth factor per period, or the doubling time in periods.
    qualifier : {"about", "over", "under", "exactly"}
        "about": the implied figure is within ``rtol`` (relative) of ``stated``; "over" /
        "under": the implied range reaches above / below ``stated`` (allowing ``rtol``);
        "exactly": within 1e-9.
    start_bound, end_bound : {"approx", "exact", "lower", "upper"}
        Whether an endpoint is a point value or only a bound ("over 140 trillion" is
        ``"lower"``).
    rtol : float
        Relative tolerance for rounding in the stated figure (default 2%: three significant
        figures always pass; a figure stated to one significant figure needs a larger one,
        given explicitly).
    unit : str
        Name of the period, for the messages ("month", "year").

    Returns
    -------
    ClaimCheck
        ``.consistent``, ``.implied``, ``.figures`` (every consistent figure) and ``.reason``.

    Notes
    -----
    With :math:`R = x_{end}/x_{start}` over :math:`n` periods, the multiple is :math:`R`, the
    per-period factor :math:`R^{1/n}`, the rate :math:`R^{1/n} - 1` and the doubling time
    :math:`n \ln 2 / \ln R`. When a stated *rate* equals the implied per-period *factor*
    (the "330% CAGR" for a 3.30x yearly multiple) the reason names that confusion.

    Examples
    --------
    China's daily tokens, 1e11 (early 2024) to 1.4e14 (March 2026), 26 months:

    >>> check_claim(1e11, 1.4e14, 26, stated=0.321, kind="rate", unit="month").consistent
    True
    """
    check_choice("kind", kind, _KINDS)
    check_choice("qualifier", qualifier, ("about", "over", "under", "exactly"))
    for name, b in (("start_bound", start_bound), ("end_bound", end_bound)):
        check_choice(name, b, ("approx", "exact", "lower", "upper"))
    for name, v in (("start", start), ("end", end), ("span", span)):
        if not (isinstance(v, (int, float, np.number)) and math.isfinite(v) and v > 0):
            raise IntelcapValueError(f"{name} must be a positive finite number, got {v!r}")
    if not (isinstance(stated, (int, float, np.number)) and math.isfinite(stated)):
        raise IntelcapValueError(f"stated must be a finite number, got {stated!r}")
    if not 0 <= rtol < 1:
        raise IntelcapValueError(f"rtol must be in [0, 1), got {rtol!r}")
    start, end, span, stated = float(start), float(end), float(span), float(stated)

    ratio = end / start
    s_lo, s_hi = _interval(start, start_bound)
    e_lo, e_hi = _interval(end, end_bound)
    r_lo = e_lo / s_hi
    r_hi = e_hi / s_lo if s_lo > 0 else math.inf
    a, b = _from_ratio(kind, r_lo, span), _from_ratio(kind, r_hi, span)
    lo, hi = min(a, b), max(a, b)
    implied = _from_ratio(kind, ratio, span)
    figures = {k: _from_ratio(k, ratio, span) for k in _KINDS}

    tol = 1e-9 if qualifier == "exactly" else rtol
    slack = tol * abs(stated)
    if qualifier in ("about", "exactly"):
        ok = lo - slack <= stated <= hi + slack
    elif qualifier == "over":
        ok = hi >= stated - slack
    else:
        ok = lo <= stated + slack

    what = _fmt_kind(kind, stated, unit)
    imp = _fmt_kind(kind, implied, unit)
    ranged = lo != hi
    rng_txt = (f" (at least {_fmt_kind(kind, lo, unit)})" if ranged and math.isinf(hi)
               else f" (at most {_fmt_kind(kind, hi, unit)})" if ranged and lo <= 0 else "")
    if ok:
        reason = (f"the endpoints imply {imp}{rng_txt}; the stated {qualifier} {what} agrees "
                  f"(tolerance {tol:.0%} relative)" if qualifier != "exactly" else
                  f"the endpoints imply {imp}; the stated figure agrees")
    else:
        off = (stated - implied) / implied if implied else math.inf
        reason = (f"the endpoints imply {imp}{rng_txt}, but the claim says {qualifier} {what} "
                  f"({100 * off:+.1f}% off)")
        fac, rate = figures["factor"], figures["rate"]
        if kind == "rate" and abs(stated - fac) <= rtol * fac:
            reason += (f"; the stated rate equals the per-{unit} growth factor {_fmt_num(fac)}x: a "
                       f"factor was reported as a rate (the consistent rate is "
                       f"{100 * rate:.0f}%)")
        elif kind == "total_rate" and abs(stated - ratio) <= rtol * ratio:
            reason += (f"; the stated rate equals the multiple {_fmt_num(ratio)}x: a factor "
                       f"was reported as a rate (the consistent total rate is "
                       f"{100 * (ratio - 1):.0f}%)")
        elif kind == "multiple" and abs(stated - (ratio - 1)) <= rtol * ratio:
            reason += "; the stated multiple equals the growth rate, not the factor"
        else:
            reason += f"; the consistent figure is {imp}"
    return ClaimCheck(consistent=bool(ok), stated=stated, kind=kind, qualifier=qualifier,
                      implied=implied, implied_range=(lo, hi), figures=figures, reason=reason,
                      unit=unit)
