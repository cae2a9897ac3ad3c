"""Transition functions :math:`G(s) \\in [0, 1]` through which intelligent capital switches regime.

================  ==============================================================================
name              :math:`G`
================  ==============================================================================
``"step"``        :math:`1(s > \\tau)` (hard threshold, Hansen 2000)
``"logistic"``    :math:`1/(1 + \\exp(-\\gamma(\\ln s - \\ln\\tau)))` (smooth transition,
                  Terasvirta 1994, in logs)
``"multi"``       :math:`\\sum_r w_r G_r(s; \\tau_r)` with :math:`\\tau_1 < \\tau_2 < \\dots`,
                  steps or logistics, :math:`\\sum_r w_r = 1`
``"emergence"``   step or logistic in :math:`\\ln s` with
                  :math:`s = \\min(C/C^*, D/D^*, Q/Q^*)` or a low-substitution CES of the three
                  ratios: capability jumps when compute, data and algorithms *jointly* cross
                  their critical levels (:math:`s = 1`)
================  ==============================================================================

Transitions are chosen by name from :data:`TRANSITIONS` (see :func:`make_transition`) or built
directly. A parameter given as ``None`` stays symbolic without a value (to be estimated or passed
at evaluation). The derivative of a step is taken as zero away from :math:`\\tau` (regime-wise
derived quantities); the logistic is smooth and tends to the step as :math:`\\gamma \\to \\infty`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from intelcap._validation import check_choice
from intelcap.exceptions import ParameterError, SpecificationError
from intelcap.production.core import (
    Expit,
    ProductionFunction,
    input_symbol,
    latex,
    parameter_symbol,
)
from intelcap.production.forms import _ces_log, _rho_check

__all__ = [
    "TRANSITIONS",
    "Emergence",
    "Logistic",
    "MultiRegime",
    "Step",
    "Transition",
    "make_transition",
]

Number = float | int
Kind = Literal["step", "logistic"]


@dataclass
class BuiltTransition:
    """A transition instantiated at a threshold variable (what the IC forms assemble)."""

    G: sp.Expr
    parameters: list[str]
    values: dict[str, float]
    inputs: list[str] = field(default_factory=list)
    checks: list = field(default_factory=list)
    symbol: sp.Expr | None = None  # the threshold variable s (None for emergence: composite)
    where: str = ""  # LaTeX definition of a composite threshold variable s
    display: sp.Expr | None = None  # G written in terms of s (for display)


def _positive_check(name: str):
    def check(values: Mapping[str, float]) -> None:
        v = values.get(name)
        if v is not None and not v > 0:
            raise ParameterError(f"transition parameter {name}={v} must be positive")

    return check


def _number(v: Number | None, name: str) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {v!r}") from None
    if math.isnan(f):
        raise ParameterError(f"{name} is NaN")
    if not f > 0:
        raise ParameterError(f"{name}={f} must be positive")
    return f


class Transition:
    """Base class of transition functions.

    Subclasses implement :meth:`build`, which returns :math:`G` as a sympy expression in the
    threshold variable, with its parameter names, values and checks.
    """

    name: str = ""

    def build(self, s: sp.Expr | None) -> BuiltTransition:  # pragma: no cover - abstract
        """Instantiate :math:`G` at the threshold variable ``s``.

        Parameters
        ----------
        s : sympy expression or None
            The threshold variable (a symbol such as :math:`Z`, or an expression in the
            inputs). ``None`` only for a composite transition (:class:`Emergence`), which
            builds its own from the critical inputs.

        Returns
        -------
        BuiltTransition
            :math:`G` as a sympy expression with its parameter names, their values, the inputs
            it uses and the checks the parameter values must pass.

        Raises
        ------
        SpecificationError
            If ``s`` is missing for a transition that needs a threshold variable.
        """
        raise NotImplementedError

    @property
    def composite(self) -> bool:
        """True when the threshold variable is built from several inputs (emergence)."""
        return False

    def as_function(self, variable: str = "s") -> ProductionFunction:
        """:math:`G` as a :class:`ProductionFunction` of ``variable`` (named ``"G"``).

        Gives numeric evaluation with the usual data handling: ``t.as_function().output(df)``.
        """
        b = self.build(None if self.composite else input_symbol(variable))
        inputs = b.inputs if self.composite else [variable]
        return ProductionFunction(b.G, inputs, b.parameters, b.values, checks=b.checks,
                                  name="G", factors=())

    def __call__(self, s: Any, **params: float):
        """Evaluate :math:`G(s)`; ``s`` an array/Series (or a mapping of C, D, Q for emergence)."""
        f = self.as_function()
        data = s if self.composite else {"s": s}
        return f.output(data, **params)

    def _repr_latex_(self) -> str:
        b = self.build(None if self.composite else input_symbol("s"))
        tex = f"G = {latex(b.G if b.display is None else b.display)}"
        if b.where:
            tex += f", \\quad {b.where}"
        return f"$\\displaystyle {tex}$"


class Step(Transition):
    """Hard threshold :math:`G(s) = 1(s > \\tau)` (Hansen 2000); parameter ``tau``.

    At :math:`s = \\tau` the lower regime applies (:math:`G = 0`), as in Hansen's
    :math:`y = x'\\beta_1 1(q \\le \\gamma) + x'\\beta_2 1(q > \\gamma)`.
    """

    name = "step"

    def __init__(self, tau: Number | None = None, *, prefix: str = "tau") -> None:
        self.tau = _number(tau, prefix)
        self.prefix = prefix

    def build(self, s: sp.Expr | None) -> BuiltTransition:
        """:math:`G(s) = 1[s > \\tau]` at the threshold variable ``s``.

        See :meth:`Transition.build`.
        """
        if s is None:
            raise SpecificationError("a step transition needs a threshold variable")
        t = parameter_symbol(self.prefix)
        values = {} if self.tau is None else {self.prefix: self.tau}
        return BuiltTransition(sp.Heaviside(s - t, 0), [self.prefix], values,
                               checks=[_positive_check(self.prefix)], symbol=s)

    def __repr__(self) -> str:
        return f"Step(tau={self.tau})"


class Logistic(Transition):
    """Logistic smooth transition in logs (Terasvirta 1994; Gonzalez et al. 2005).

    .. math::

        G(s) = \\frac{1}{1 + \\exp(-\\gamma(\\ln s - \\ln\\tau))}, \\qquad \\gamma > 0,\\ \\tau > 0,

    so :math:`G(\\tau) = 1/2` and :math:`G \\to 1(s > \\tau)` as :math:`\\gamma \\to \\infty`.
    Parameters ``tau`` and ``gamma``. Evaluated with :func:`scipy.special.expit`, stable for any
    slope.
    """

    name = "logistic"

    def __init__(self, tau: Number | None = None, gamma: Number | None = None, *,
                 prefix: str = "tau", slope: str = "gamma") -> None:
        self.tau = _number(tau, prefix)
        self.gamma = _number(gamma, slope)
        self.prefix, self.slope = prefix, slope

    def build(self, s: sp.Expr | None) -> BuiltTransition:
        """The logistic :math:`G(s)` at the threshold variable ``s``.

        See :meth:`Transition.build`.
        """
        if s is None:
            raise SpecificationError("a logistic transition needs a threshold variable")
        t, g = parameter_symbol(self.prefix), parameter_symbol(self.slope)
        values = {k: v for k, v in ((self.prefix, self.tau), (self.slope, self.gamma))
                  if v is not None}
        G = Expit(g * (sp.log(s) - sp.log(t)))
        return BuiltTransition(G, [self.prefix, self.slope], values,
                               checks=[_positive_check(self.prefix), _positive_check(self.slope)],
                               symbol=s)

    def __repr__(self) -> str:
        return f"Logistic(tau={self.tau}, gamma={self.gamma})"


class MultiRegime(Transition):
    """Several ordered thresholds: :math:`G(s) = \\sum_{r=1}^R w_r G_r(s; \\tau_r)`.

    Parameters
    ----------
    taus : int or sequence of float
        Number of thresholds, or their values (``None`` entries stay symbolic). Parameters
        ``tau_1 < tau_2 < ... < tau_R`` (the order is checked).
    kind : {"step", "logistic"}
        Type of each :math:`G_r`.
    gamma : float, optional
        Common slope ``gamma`` of the logistics.
    weights : sequence of float, optional
        Non-negative fixed weights summing to one (default equal): :math:`G` rises from 0 to 1
        in :math:`R` steps, so a form such as
        :math:`\\theta(s) = \\theta_1 + (\\theta_2-\\theta_1) G(s)` has :math:`R + 1` regimes.
    """

    name = "multi"

    def __init__(self, taus: int | Sequence[Number | None] = 2, kind: Kind = "step",
                 gamma: Number | None = None, weights: Sequence[Number] | None = None) -> None:
        check_choice("kind", kind, ("step", "logistic"))
        if isinstance(taus, int):
            taus = [None] * taus
        taus = [_number(t, f"tau_{i + 1}") for i, t in enumerate(taus)]
        if len(taus) < 1:
            raise SpecificationError("MultiRegime needs at least one threshold")
        known = [t for t in taus if t is not None]
        if any(b <= a for a, b in zip(known, known[1:], strict=False)):
            raise ParameterError(f"thresholds must be strictly increasing, got {taus}")
        r = len(taus)
        if weights is None:
            weights = [1.0 / r] * r
        weights = [float(w) for w in weights]
        if len(weights) != r:
            raise SpecificationError(f"{len(weights)} weights for {r} thresholds")
        if any(w < 0 for w in weights) or abs(sum(weights) - 1) > 1e-12:
            raise ParameterError(f"weights must be non-negative and sum to 1, got {weights}")
        self.taus, self.kind, self.weights = taus, kind, weights
        self.gamma = _number(gamma, "gamma")

    def build(self, s: sp.Expr | None) -> BuiltTransition:
        """The weighted sum of steps or logistics at the thresholds, at ``s``.

        See :meth:`Transition.build`.
        """
        if s is None:
            raise SpecificationError("a multi-regime transition needs a threshold variable")
        names = [f"tau_{i + 1}" for i in range(len(self.taus))]
        parts = []
        params = list(names)
        values = {n: t for n, t in zip(names, self.taus, strict=True) if t is not None}
        checks = [_positive_check(n) for n in names]
        g = parameter_symbol("gamma")
        if self.kind == "logistic":
            params.append("gamma")
            checks.append(_positive_check("gamma"))
            if self.gamma is not None:
                values["gamma"] = self.gamma
        for n, w in zip(names, self.weights, strict=True):
            t = parameter_symbol(n)
            gr = (sp.Heaviside(s - t, 0) if self.kind == "step"
                  else Expit(g * (sp.log(s) - sp.log(t))))
            parts.append(sp.Rational(w).limit_denominator(10**12) * gr if w != 1 else gr)

        def ordered(vals: Mapping[str, float]) -> None:
            known = [(n, vals[n]) for n in names if n in vals]
            for (n1, a), (n2, b) in zip(known, known[1:], strict=False):
                if not a < b:
                    raise ParameterError(f"thresholds must be increasing: {n1}={a} >= {n2}={b}")

        checks.append(ordered)
        return BuiltTransition(sp.Add(*parts), params, values, checks=checks, symbol=s)

    def __repr__(self) -> str:
        return f"MultiRegime(taus={self.taus}, kind={self.kind!r}, gamma={self.gamma})"


class Emergence(Transition):
    """Emergence at the joint critical point of compute, data and algorithms.

    .. math::

        s = \\min\\left(\\frac{C}{C^*}, \\frac{D}{D^*}, \\frac{Q}{Q^*}\\right)
        \\quad\\text{or}\\quad
        s = \\left(\\tfrac13 \\sum_{j} (x_j / x_j^*)^{\\rho_s}\\right)^{1/\\rho_s},\\ \\rho_s < 0,

        G = 1(s > 1) \\quad\\text{or}\\quad G = \\frac{1}{1 + s^{-\\gamma}} .

    Capability jumps when :math:`s` crosses one: with ``"min"`` only when *every* ratio exceeds
    one; with a CES of low substitution (:math:`\\rho_s \\ll 0`, elasticity
    :math:`1/(1-\\rho_s)`) a shortfall in one input can be made up only at a steep rate.

    Parameters
    ----------
    critical : mapping name -> float or sequence of names
        The inputs and their critical levels, default ``("C", "D", "Q")``; parameters
        ``<name>_star``.
    aggregate : {"min", "ces"}
    rho : float, optional
        CES substitution parameter ``rho_s`` (< 1; default ``-10``).
    kind : {"step", "logistic"}
    gamma : float, optional
        Slope ``gamma`` of the logistic.
    """

    name = "emergence"

    def __init__(
        self,
        critical: Mapping[str, Number | None] | Sequence[str] = ("C", "D", "Q"),
        aggregate: Literal["min", "ces"] = "min",
        rho: Number | None = -10.0,
        kind: Kind = "step",
        gamma: Number | None = None,
    ) -> None:
        check_choice("aggregate", aggregate, ("min", "ces"))
        check_choice("kind", kind, ("step", "logistic"))
        if not isinstance(critical, Mapping):
            critical = dict.fromkeys(critical)
        if len(critical) < 2:
            raise SpecificationError("emergence needs at least two inputs")
        for k in critical:
            if not str(k).isidentifier():
                raise SpecificationError(f"{k!r} is not a valid input name")
        self.critical = {str(k): _number(v, f"{k}_star") for k, v in critical.items()}
        self.aggregate, self.kind = aggregate, kind
        if rho is not None and float(rho) >= 1:
            raise ParameterError(
                f"rho_s={rho} must be < 1 (use a negative value: low substitution)"
            )
        self.rho = None if rho is None else float(rho)
        self.gamma = _number(gamma, "gamma")

    @property
    def composite(self) -> bool:
        """Always True: the threshold variable is the aggregate of the critical inputs."""
        return True

    def build(self, s: sp.Expr | None = None) -> BuiltTransition:
        """:math:`G` of the aggregate of the critical inputs (``s`` is ignored).

        See :meth:`Transition.build`; the aggregate threshold variable is built here from the
        critical inputs and their thresholds ``<input>_star``.
        """
        names = list(self.critical)
        stars = [f"{x}_star" for x in names]
        params = list(stars)
        values = {f"{x}_star": v for x, v in self.critical.items() if v is not None}
        checks = [_positive_check(n) for n in stars]
        logs = [sp.log(input_symbol(x)) - sp.log(parameter_symbol(n))
                for x, n in zip(names, stars, strict=True)]
        if self.aggregate == "min":
            log_s = sp.Min(*logs)
            s_disp = sp.Min(*[input_symbol(x) / parameter_symbol(n)
                              for x, n in zip(names, stars, strict=True)])
        else:
            r = parameter_symbol("rho_s")
            params.append("rho_s")
            checks.append(_rho_check("rho_s"))
            if self.rho is not None:
                values["rho_s"] = self.rho
            w = sp.Rational(1, len(names))
            log_s = _ces_log(logs, [w] * len(names), r)
            s_disp = sp.Pow(sp.Add(*[w * (input_symbol(x) / parameter_symbol(n)) ** r
                                     for x, n in zip(names, stars, strict=True)]), 1 / r,
                            evaluate=False)
        s_sym = sp.Symbol("s", positive=True)
        if self.kind == "step":
            G = sp.Heaviside(log_s, 0)
            display = sp.Heaviside(s_sym - 1, 0)
        else:
            g = parameter_symbol("gamma")
            params.append("gamma")
            checks.append(_positive_check("gamma"))
            if self.gamma is not None:
                values["gamma"] = self.gamma
            G = Expit(g * log_s)
            display = Expit(g * sp.log(s_sym))
        where = f"s = {latex(s_disp)}"
        return BuiltTransition(G, params, values, inputs=names, checks=checks, where=where,
                               display=display)

    def __repr__(self) -> str:
        return (f"Emergence(critical={self.critical}, aggregate={self.aggregate!r}, "
                f"rho={self.rho}, kind={self.kind!r}, gamma={self.gamma})")


#: Transition functions by name: every choice of transition is made by name from this registry.
TRANSITIONS: dict[str, type[Transition]] = {
    "step": Step,
    "logistic": Logistic,
    "multi": MultiRegime,
    "emergence": Emergence,
}


def make_transition(name: str | Transition, **options: Any) -> Transition:
    """Return the transition ``name`` from :data:`TRANSITIONS` built with ``options``.

    An existing :class:`Transition` is returned unchanged (options then are not allowed).
    """
    if isinstance(name, Transition):
        if options:
            raise SpecificationError("options given together with a Transition object")
        return name
    check_choice("transition", name, TRANSITIONS)
    return TRANSITIONS[name](**options)
