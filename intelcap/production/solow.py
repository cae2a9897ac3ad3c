"""Solow steady state of an economy that accumulates physical capital K and intelligent capital Z.

Per effective worker (:math:`k = K/(AL)`, :math:`z = Z/(AL)`, labour-augmenting technology
growing at :math:`g`, population at :math:`n`):

.. math::

    \\dot k = s_K f(k, z) - (n + g + \\delta_K) k, \\qquad
    \\dot z = s_Z f(k, z) - (n + g + \\delta_Z) z, \\qquad f(k, z) = F(k, 1, z),

which is exact when :math:`F` has constant returns in (K, L, Z) (Mankiw, Romer and Weil 1992,
with intelligent capital in the place of human capital). In a steady state
:math:`z/k = (s_Z/m_Z)/(s_K/m_K)` with :math:`m_j = n + g + \\delta_j`, so the steady states
are the roots of the one-dimensional :math:`s_K f(k, r k)/k = m_K`. For Cobb-Douglas
:math:`f = A k^{\\alpha} z^{\\theta}` the root is in closed form,

.. math::

    y^* = \\left[A\\left(\\frac{s_K}{m_K}\\right)^{\\alpha}
    \\left(\\frac{s_Z}{m_Z}\\right)^{\\theta}\\right]^{1/(1-\\alpha-\\theta)},\\quad
    k^* = \\frac{s_K y^*}{m_K},\\quad z^* = \\frac{s_Z y^*}{m_Z},

and exists only if :math:`\\alpha + \\theta < 1`. Other forms are solved numerically: sign
changes on a logarithmic grid, refined by :func:`scipy.optimize.brentq`. A thresholded form can
have several steady states (a low-IC trap and a high-IC state) or none; every one is reported with
its local stability (eigenvalues of the Jacobian of :math:`(\\dot k, \\dot z)`). Where there are
population or technology growth, a root where returns to scale in (K, L, Z) differ from one is
rejected (the per-effective-worker system is not valid there: growth does not settle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from intelcap.exceptions import ParameterError, SpecificationError
from intelcap.production.core import ProductionFunction
from intelcap.production.forms import CobbDouglas

__all__ = ["SteadyState", "solow_steady_state"]


@dataclass(frozen=True)
class SteadyState:
    """Steady state(s) of the two-capital Solow model (per effective worker).

    Attributes
    ----------
    k, z, y : float
        The steady state; when there are several, the locally stable one with the highest output
        (a form with only unstable steady states raises :class:`ParameterError`).
    states : DataFrame
        Every steady state found: columns ``k``, ``z``, ``y``, ``returns_to_scale``, ``stable``.
    method : str
        ``"closed form"`` or ``"numerical"``.
    notes : list of str
        Candidate roots that were rejected and why.
    """

    k: float
    z: float
    y: float
    states: pd.DataFrame
    method: str
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        """One line: the selected steady state and how many were found."""
        return (f"<SteadyState ({self.method}): k={self.k:.6g}, z={self.z:.6g}, y={self.y:.6g}; "
                f"{len(self.states)} steady state(s) found>")

    def __str__(self) -> str:
        head = f"Solow steady state ({self.method}): k={self.k:.6g}, z={self.z:.6g}, y={self.y:.6g}"
        if len(self.states) > 1:
            head += f"\n{len(self.states)} steady states:\n{self.states.to_string()}"
        return head


def _rate(name: str, v: float, lo: float = 0.0, hi: float = 1.0) -> float:
    v = float(v)
    if not (lo < v < hi):
        raise ParameterError(f"{name}={v} must lie in ({lo}, {hi})")
    return v


def check_exog(f: ProductionFunction, capital: str, labour: str, ic: str,
               exog: dict[str, Any] | None) -> dict[str, Any]:
    """Check the roles of ``f``'s inputs for a Solow economy and return ``exog`` as a dict.

    ``capital``, ``labour`` and ``ic`` must be inputs of ``f``; every other input needs a value
    in ``exog`` and ``exog`` names no other key. Used by :func:`solow_steady_state` and
    :func:`intelcap.growth.simulate`.
    """
    for x in (capital, labour, ic):
        if x not in f.inputs:
            raise SpecificationError(f"{x!r} is not an input of f {list(f.inputs)}")
    exog = dict(exog or {})
    needed = [x for x in f.inputs if x not in (capital, labour, ic)]
    missing = [x for x in needed if x not in exog]
    if missing:
        raise SpecificationError(f"inputs {missing} of f need values: pass exog={{...}}")
    extra = [x for x in exog if x not in needed]
    if extra:
        raise SpecificationError(f"exog names {extra} that are not other inputs of f")
    return exog


def solow_steady_state(
    f: ProductionFunction,
    s_K: float,
    s_Z: float,
    *,
    delta_K: float = 0.05,
    delta_Z: float | None = None,
    n: float = 0.0,
    g: float = 0.0,
    capital: str = "K",
    labour: str = "L",
    ic: str = "Z",
    exog: dict[str, float] | None = None,
    k_range: tuple[float, float] = (1e-8, 1e8),
    grid: int = 4000,
    **params: float,
) -> SteadyState:
    """Steady state of :math:`\\dot k = s_K f - m_K k`, :math:`\\dot z = s_Z f - m_Z z`.

    Parameters
    ----------
    f : ProductionFunction
        Output as a function of ``capital``, ``labour`` and ``ic`` (and of other inputs fixed in
        ``exog``, for example the compute/data/algorithm ratios of an emergence transition).
    s_K, s_Z : float
        Saving (investment) rates in K and Z, each in (0, 1), summing to less than one.
    delta_K, delta_Z : float
        Depreciation rates (``delta_Z`` defaults to ``delta_K``).
    n, g : float
        Population and labour-augmenting technology growth.
    exog : mapping, optional
        Values of inputs other than K, L, Z (held constant).
    k_range, grid : tuple, int
        Search interval for :math:`k` and number of log-spaced grid points (numerical case).
    **params
        Parameter values overriding ``f.values``.

    Returns
    -------
    SteadyState

    Raises
    ------
    ParameterError
        Saving or depreciation rates out of range; no steady state (for example increasing
        returns to the accumulable factors, :math:`\\alpha + \\theta \\ge 1`).

    References
    ----------
    Solow, R. M. (1956), "A contribution to the theory of economic growth", QJE 70(1), 65-94.
    Mankiw, N. G., Romer, D. and Weil, D. N. (1992), "A contribution to the empirics of economic
    growth", QJE 107(2), 407-437, section II.
    """
    if not isinstance(f, ProductionFunction):
        raise SpecificationError(f"f must be a ProductionFunction, got {type(f).__name__}")
    s_K, s_Z = _rate("s_K", s_K), _rate("s_Z", s_Z)
    if s_K + s_Z >= 1:
        raise ParameterError(f"s_K + s_Z = {s_K + s_Z} must be below 1")
    delta_Z = delta_K if delta_Z is None else delta_Z
    m_K, m_Z = n + g + float(delta_K), n + g + float(delta_Z)
    for name, m in (("n + g + delta_K", m_K), ("n + g + delta_Z", m_Z)):
        if not m > 0:
            raise ParameterError(f"{name} = {m} must be positive for a steady state to exist")
    exog = check_exog(f, capital, labour, ic, exog)
    ratio = (s_Z / m_Z) / (s_K / m_K)
    growth = n + g != 0

    if isinstance(f, CobbDouglas) and set(f.inputs) == {capital, labour, ic}:
        target, pvals = f._resolve(params)
        vals = dict(zip(target.parameters, pvals, strict=True))
        subs = {target.symbols[p]: v for p, v in vals.items()}
        a = float(f.exponents[capital].xreplace(subs))
        th = float(f.exponents[ic].xreplace(subs))
        b = float(f.exponents[labour].xreplace(subs))
        if a + th >= 1:
            raise ParameterError(
                f"no steady state: returns to the accumulable factors are alpha + theta = "
                f"{a + th:g} >= 1 (capital and IC grow without bound)"
            )
        if growth and abs(a + b + th - 1) > 1e-10:
            raise ParameterError(
                f"no steady state per effective worker: returns to scale in ({capital}, "
                f"{labour}, {ic}) are {a + b + th:g}, not 1, while n + g = {n + g:g}; "
                "use n = g = 0 or constant returns"
            )
        y = (vals["A"] * (s_K / m_K) ** a * (s_Z / m_Z) ** th) ** (1 / (1 - a - th))
        k, z = s_K * y / m_K, s_Z * y / m_Z
        states = pd.DataFrame({"k": [k], "z": [z], "y": [y], "returns_to_scale": [a + b + th],
                               "stable": [True]})
        return SteadyState(k, z, y, states, "closed form")

    def data(kv: np.ndarray) -> dict[str, Any]:
        kv = np.asarray(kv, dtype=float)
        d = {capital: kv, labour: np.ones_like(kv), ic: ratio * kv}
        d.update({x: np.full_like(kv, float(v)) for x, v in exog.items()})
        return {x: d[x] for x in f.inputs}

    def phi(kv):
        return s_K * f._output_unchecked(data(kv), params) / kv - m_K

    lo, hi = k_range
    if not 0 < lo < hi:
        raise ParameterError(f"k_range={k_range} must satisfy 0 < low < high")
    ks = np.geomspace(lo, hi, grid)
    with np.errstate(all="ignore"):
        vals = phi(ks)
    roots, notes = [], []
    sign = np.sign(vals)
    for i in np.flatnonzero(sign[:-1] * sign[1:] < 0):
        r = brentq(lambda x: float(phi(np.array([x]))[0]), ks[i], ks[i + 1], xtol=1e-14,
                   rtol=1e-13)
        resid = float(phi(np.array([r]))[0])
        if abs(resid) > 1e-8 * m_K:
            notes.append(f"sign change of s_K f/k - m_K at k={r:.6g} is a jump of the transition "
                         "(no steady state there)")
            continue
        roots.append(r)
    if not roots:
        pos = bool((vals > 0).all())
        why = ("s_K f(k, z)/k stays above n + g + delta_K: capital grows without bound "
               "(non-diminishing returns to accumulable factors)" if pos else
               "s_K f(k, z)/k stays below n + g + delta_K: the economy shrinks to zero"
               if (vals < 0).all() else "the only sign changes are jumps of the transition")
        raise ParameterError(f"no steady state in k_range={k_range}: {why}")
    rows = []
    for r in roots:
        d = data(np.array([r]))
        y = float(np.asarray(f.output(d, **params))[0])
        rts = float(np.asarray(f.returns_to_scale(d, **params))[0])
        if growth and abs(rts - 1) > 1e-8:
            notes.append(f"root k={r:.6g} rejected: returns to scale {rts:.6g} != 1 there while "
                         f"n + g = {n + g:g}")
            continue
        fk = float(np.asarray(f.marginal_product(capital, d, **params))[0])
        fz = float(np.asarray(f.marginal_product(ic, d, **params))[0])
        jac = np.array([[s_K * fk - m_K, s_K * fz], [s_Z * fk, s_Z * fz - m_Z]])
        stable = bool((np.linalg.eigvals(jac).real < 0).all())
        rows.append({"k": r, "z": ratio * r, "y": y, "returns_to_scale": rts, "stable": stable})
    if not rows:
        raise ParameterError("no steady state per effective worker: " + "; ".join(notes))
    states = pd.DataFrame(rows)
    if not states["stable"].any():
        where = ", ".join(f"k={k:.6g}" for k in states["k"])
        raise ParameterError(
            f"no stable steady state: the only steady state(s) ({where}) are unstable, so capital "
            "and IC either collapse or grow without bound from any other start (non-diminishing "
            "returns to the accumulable factors K and Z)"
        )
    pick = states[states["stable"]]
    best = pick.loc[pick["y"].idxmax()]
    return SteadyState(float(best["k"]), float(best["z"]), float(best["y"]), states,
                       "numerical", notes)
