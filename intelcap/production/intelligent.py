"""The three canonical intelligent-capital (IC) forms, built from any base form.

Given a base :class:`~intelcap.production.core.ProductionFunction` :math:`F` and a transition
:math:`G(s)` (:mod:`intelcap.production.transitions`):

threshold elasticity
    :math:`\\ln Y = \\ln F + [\\theta_1 + (\\theta_2 - \\theta_1) G(s)] \\ln Z`; with a
    Cobb-Douglas :math:`F = A K^\\alpha L^\\beta` this is
    :math:`\\ln Y = \\ln A + \\alpha\\ln K + \\beta\\ln L
    + [\\theta_1 + (\\theta_2-\\theta_1)G(s)]\\ln Z`.
capability jump
    :math:`Y = F \\cdot (1 + \\kappa G(s))`; with :math:`F = A K^\\alpha L^\\beta Z^\\theta`
    this is :math:`Y = A K^\\alpha L^\\beta Z^\\theta (1 + \\kappa G(s))`.
task substitute
    IC substitutes for labour in tasks: :math:`Y = F(\\dots, L + \\phi G(s) Z, \\dots)`; with
    :math:`F = A K^\\alpha L^{1-\\alpha}` this is
    :math:`Y = A K^\\alpha (L + \\phi G(s) Z)^{1-\\alpha}`, with a CES base the CES variant.

The threshold variable :math:`s` is ``Z`` by default, or any other named input (an IC share, say),
which then is an input but not a factor; an :class:`~intelcap.production.transitions.Emergence`
transition brings its own inputs (compute, data, algorithms). At a step the derivative of
:math:`G` is taken as zero (regime-wise marginal products and elasticities); with a logistic every
derived quantity is smooth and includes the :math:`G'(s)` terms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

from intelcap.exceptions import SpecificationError
from intelcap.production.core import (
    ProductionFunction,
    StartValues,
    input_symbol,
    latex,
    log_linear,
    parameter_symbol,
)
from intelcap.production.forms import CobbDouglas
from intelcap.production.transitions import Transition, make_transition

__all__ = [
    "IntelligentCapitalForm",
    "capability_jump",
    "task_substitute",
    "threshold_elasticity",
]

Number = float | int


class IntelligentCapitalForm(ProductionFunction):
    """A production function built from a base form and a transition (see module docstring).

    Attributes
    ----------
    base : ProductionFunction
    transition : Transition
    kind : str
        ``"threshold_elasticity"``, ``"capability_jump"`` or ``"task_substitute"``.
    ic : str
        Name of the intelligent-capital input.
    threshold : str or None
        Name of the threshold variable (``None`` for an emergence transition).
    G : sympy.Expr
        The transition at the threshold variable.
    """

    def __init__(self, *, kind: str, base: ProductionFunction, transition: Transition,
                 ic: str, threshold: str | None, G: sp.Expr,
                 rebuild: Callable[[ProductionFunction], ProductionFunction], **kwargs: Any):
        self.kind = kind
        self.base = base
        self.transition = transition
        self.ic = ic
        self.threshold = threshold
        self.G = G
        self._rebuild = rebuild
        super().__init__(**kwargs)

    def _allows_infinite(self, name: str, value: float) -> bool:
        return name in self.base.parameters and self.base._allows_infinite(name, value)

    @property
    def profile_parameters(self) -> dict[str, str]:
        """Transition parameters an estimator may profile over on a grid:
        ``{"threshold": name}`` and, for a logistic, ``{"slope": name}`` (a single threshold
        on a data column; empty otherwise)."""
        out: dict[str, str] = {}
        prefix = getattr(self.transition, "prefix", None)
        if self.threshold is not None and prefix in self.parameters:
            out["threshold"] = prefix
        slope = getattr(self.transition, "slope", None)
        if out and slope in self.parameters:
            out["slope"] = slope
        return out

    def start_values(self, data: pd.DataFrame, y: Any,
                     known: Mapping[str, float] | None = None) -> StartValues:
        """Start values: the base form's own rule, the IC parameters, the transition's.

        * threshold elasticity: the log-linear slope :math:`b_Z` of :math:`\\ln Y` on the
          factors' logs starts :math:`\\theta_1 = \\theta_2 = b_Z`, and the base form's rule
          is applied to :math:`Y / Z^{b_Z}`;
        * capability jump: :math:`\\kappa = 0` (no jump) and the base rule on :math:`Y`;
        * task substitute: :math:`\\phi = 1` and the base rule on :math:`Y`;
        * transition: thresholds (``tau``, ``tau_r``) at the median (or the ``r/(R+1)``
          quantiles) of the threshold variable, critical levels ``<x>_star`` at the median of
          ``x``, slopes at 5 (in units of :math:`\\ln s`). Estimators refine thresholds by a
          profile grid.
        """
        known = dict(known or {})
        y = np.asarray(y, dtype=float)
        out: dict[str, float] = {}
        base_y = y
        if self.kind == "threshold_elasticity":
            cd = log_linear(y, {x: np.log(np.asarray(data[x], dtype=float))
                                for x in self.factors})
            b_z = (cd or {}).get(self.ic)
            if b_z is not None:
                out.update({"theta_1": b_z, "theta_2": b_z})
                base_y = y / np.asarray(data[self.ic], dtype=float) ** b_z
        elif self.kind == "capability_jump":
            out["kappa"] = 0.0
        elif self.kind == "task_substitute":
            out["phi"] = 1.0
        base = self.base.start_values(data, base_y,
                                      {k: v for k, v in known.items()
                                       if k in self.base.parameters})
        out.update(base)
        own = [p for p in self.parameters if p not in self.base.parameters and p not in out]
        taus = sorted(p for p in own if p == "tau" or (p.startswith("tau_")
                                                        and p[4:].isdigit()))
        prefix = getattr(self.transition, "prefix", "tau")
        if prefix in own and prefix not in taus:
            taus = [prefix]
        if taus and self.threshold is not None and self.threshold in data:
            s = np.asarray(data[self.threshold], dtype=float)
            qs = [0.5] if len(taus) == 1 else [(r + 1) / (len(taus) + 1)
                                                for r in range(len(taus))]
            out.update(zip(taus, np.quantile(s, qs).tolist(), strict=True))
        for p in own:
            if p.endswith("_star") and p[:-5] in data:
                out[p] = float(np.median(np.asarray(data[p[:-5]], dtype=float)))
            elif p in ("gamma", getattr(self.transition, "slope", "gamma")):
                out[p] = 5.0
        method = f"{base.method} for the base form; IC and transition rules"
        return StartValues({k: v for k, v in out.items() if k in self.parameters}, method=method)

    def _specialise(self, values: Mapping[str, float]) -> ProductionFunction | None:
        base_special = self.base._specialise(
            {k: v for k, v in values.items() if k in self.base.parameters}
        )
        if base_special is None:
            return None
        key = id(base_special)
        if key not in self._special:
            self._special[key] = self._rebuild(base_special)
        return self._special[key]


def _assemble(kind: str, base: ProductionFunction | None, default_base: Callable[[], Any],
              transition: Transition | str, ic: str, threshold: str | None,
              own: dict[str, Number | None], make: Callable, name: str,
              rebuild: Callable[[ProductionFunction], ProductionFunction]):
    if base is None:
        base = default_base()
    if not isinstance(base, ProductionFunction):
        raise SpecificationError(f"base must be a ProductionFunction, got {type(base).__name__}")
    tr = make_transition(transition)
    if not str(ic).isidentifier():
        raise SpecificationError(f"ic={ic!r} is not a valid input name")
    if tr.composite:
        if threshold is not None:
            raise SpecificationError(
                "an emergence transition builds its own threshold variable; do not pass threshold"
            )
        built = tr.build(None)
        s_name = None
    else:
        s_name = ic if threshold is None else str(threshold)
        if not s_name.isidentifier():
            raise SpecificationError(f"threshold={threshold!r} is not a valid input name")
        built = tr.build(input_symbol(s_name))
    G = built.G
    expr, display, inputs, factors = make(base, G)
    for extra in ([s_name] if s_name else []) + list(built.inputs):
        if extra not in inputs:
            inputs = (*inputs, extra)
    names = list(base.parameters)
    for group in (built.parameters, list(own)):
        for p in group:
            if p in names:
                raise SpecificationError(
                    f"parameter name {p!r} is used by both the base form and the {kind} "
                    "extension; rename one"
                )
            names.append(p)
    clash = set(names) & set(inputs)
    if clash:
        raise SpecificationError(f"name(s) {sorted(clash)} are both inputs and parameters")
    values = dict(base.values)
    values.update(built.values)
    values.update({k: float(v) for k, v in own.items() if v is not None})
    where = r"G = " + latex(G) if s_name else (
        r"G = " + latex(built.display) + r", \quad " + built.where)
    return IntelligentCapitalForm(
        kind=kind, base=base, transition=tr, ic=ic, threshold=s_name, G=G, rebuild=rebuild,
        expr=expr, inputs=inputs, parameters=names, values=values, factors=factors, name=name,
        display=display, where=where, checks=[*base._checks, *built.checks],
    )


def _gsym(threshold_name: str | None) -> sp.Expr:
    arg = input_symbol(threshold_name) if threshold_name else sp.Symbol("s", positive=True)
    return sp.Function("G")(arg)


def threshold_elasticity(
    base: ProductionFunction | None = None,
    transition: Transition | str = "step",
    *,
    ic: str = "Z",
    threshold: str | None = None,
    theta_1: Number | None = None,
    theta_2: Number | None = None,
    name: str = "Y",
) -> IntelligentCapitalForm:
    """IC whose output elasticity switches from :math:`\\theta_1` to :math:`\\theta_2`.

    .. math::

        \\ln Y = \\ln F(x) + [\\theta_1 + (\\theta_2 - \\theta_1) G(s)] \\ln Z

    Parameters
    ----------
    base : ProductionFunction, optional
        :math:`F`, without ``ic`` among its inputs; default ``CobbDouglas(("K", "L"))``.
    transition : Transition or str
        A transition object or a name in :data:`~intelcap.production.transitions.TRANSITIONS`
        (then with symbolic parameters).
    ic : str
        Name of the IC input, default ``"Z"``.
    threshold : str, optional
        The threshold variable :math:`s` (default ``ic``).
    theta_1, theta_2 : float, optional
        IC elasticities in the low and high regimes (parameters ``theta_1``, ``theta_2``).

    Notes
    -----
    With :math:`s = Z` and a step, the elasticity of output with respect to :math:`Z` is
    :math:`\\theta_1` below and :math:`\\theta_2` above :math:`\\tau` (the jump of :math:`Y` at
    :math:`\\tau` is not differentiated). With a logistic it is
    :math:`\\theta(Z) + (\\theta_2-\\theta_1)\\,\\gamma\\,G(1-G)\\ln Z`.

    Examples
    --------
    >>> from intelcap.production import CobbDouglas, Step
    >>> f = threshold_elasticity(
    ...     CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6}),
    ...     Step(tau=2.0), theta_1=0.05, theta_2=0.25)
    >>> f.elasticities({"K": [1.0, 1.0], "L": [1.0, 1.0], "Z": [1.0, 3.0]})[:, 2]
    array([0.05, 0.25])
    """
    if ic in (base.inputs if base is not None else ()):
        raise SpecificationError(
            f"the base form already has input {ic!r}; threshold_elasticity adds Z^theta(s) "
            "to a base form without it"
        )
    own = {"theta_1": theta_1, "theta_2": theta_2}

    def make(b: ProductionFunction, G: sp.Expr):
        z = input_symbol(ic)
        t1, t2 = parameter_symbol("theta_1"), parameter_symbol("theta_2")
        theta = t1 + (t2 - t1) * G
        gs = _gsym(threshold or (None if make_transition(transition).composite else ic))
        disp_base = b._display if b._display is not None else b.expr
        display = disp_base * z ** (t1 + (t2 - t1) * gs)
        return b.expr * z**theta, display, (*b.inputs, ic), (*b.factors, ic)

    def rebuild(b: ProductionFunction) -> ProductionFunction:
        return threshold_elasticity(b, transition, ic=ic, threshold=threshold, theta_1=theta_1,
                                    theta_2=theta_2, name=name)

    return _assemble("threshold_elasticity", base, lambda: CobbDouglas(("K", "L")), transition,
                     ic, threshold, own, make, name, rebuild)


def capability_jump(
    base: ProductionFunction | None = None,
    transition: Transition | str = "step",
    *,
    ic: str = "Z",
    threshold: str | None = None,
    kappa: Number | None = None,
    name: str = "Y",
) -> IntelligentCapitalForm:
    """A multiplicative capability jump :math:`\\kappa` when :math:`s` crosses its threshold.

    .. math::

        Y = F(x)\\,(1 + \\kappa\\, G(s))

    Parameters
    ----------
    base : ProductionFunction, optional
        :math:`F`; default ``CobbDouglas(("K", "L", "Z"))`` (so
        :math:`Y = A K^{\\alpha_K} L^{\\alpha_L} Z^{\\alpha_Z}(1 + \\kappa G(s))`).
    transition, ic, threshold
        As in :func:`threshold_elasticity`; ``ic`` names the default threshold variable.
    kappa : float, optional
        Parameter ``kappa`` (> -1 keeps output positive).
    """
    own = {"kappa": kappa}

    def make(b: ProductionFunction, G: sp.Expr):
        k = parameter_symbol("kappa")
        gs = _gsym(threshold or (None if make_transition(transition).composite else ic))
        disp_base = b._display if b._display is not None else b.expr
        return b.expr * (1 + k * G), disp_base * (1 + k * gs), b.inputs, b.factors

    def rebuild(b: ProductionFunction) -> ProductionFunction:
        return capability_jump(b, transition, ic=ic, threshold=threshold, kappa=kappa, name=name)

    return _assemble("capability_jump", base, lambda: CobbDouglas(("K", "L", ic)), transition,
                     ic, threshold, own, make, name, rebuild)


def task_substitute(
    base: ProductionFunction | None = None,
    transition: Transition | str = "step",
    *,
    ic: str = "Z",
    labour: str = "L",
    threshold: str | None = None,
    phi: Number | None = None,
    name: str = "Y",
) -> IntelligentCapitalForm:
    """IC as a substitute for labour in tasks, switched on by the transition.

    .. math::

        Y = F(\\dots, L + \\phi\\, G(s)\\, Z, \\dots)

    With the default base ``CobbDouglas(("K", "L"), constant_returns=True)`` this is
    :math:`Y = A K^{\\alpha} (L + \\phi G(s) Z)^{1-\\alpha}`; with a CES base
    :math:`Y = A(\\delta K^\\rho + (1-\\delta)(L + \\phi G(s) Z)^\\rho)^{\\nu/\\rho}`.

    Parameters
    ----------
    base : ProductionFunction, optional
        :math:`F`, with ``labour`` among its inputs and without ``ic``.
    labour : str
        The input that IC substitutes for (default ``"L"``).
    phi : float, optional
        Efficiency units of labour per unit of IC once the transition is on (``phi``).
    """
    if base is not None:
        if labour not in base.inputs:
            raise SpecificationError(
                f"labour={labour!r} is not an input of the base form {list(base.inputs)}"
            )
        if ic in base.inputs:
            raise SpecificationError(f"the base form already has input {ic!r}")
    own = {"phi": phi}

    def make(b: ProductionFunction, G: sp.Expr):
        lab, z, p = input_symbol(labour), input_symbol(ic), parameter_symbol("phi")
        gs = _gsym(threshold or (None if make_transition(transition).composite else ic))
        disp_base = b._display if b._display is not None else b.expr
        expr = b.expr.xreplace({lab: lab + p * G * z})
        display = disp_base.xreplace({lab: lab + p * gs * z})
        return expr, display, (*b.inputs, ic), (*b.factors, ic)

    def rebuild(b: ProductionFunction) -> ProductionFunction:
        return task_substitute(b, transition, ic=ic, labour=labour, threshold=threshold, phi=phi,
                               name=name)

    return _assemble("task_substitute", base,
                     lambda: CobbDouglas(("K", labour), constant_returns=True), transition, ic,
                     threshold, own, make, name, rebuild)

