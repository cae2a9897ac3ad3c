"""Base functional forms: Cobb-Douglas, CES (with its exact limits), two-level nested CES, translog.

Each form is a :class:`~intelcap.production.core.ProductionFunction`: parameters stay symbolic in
``expr`` and the numbers given to the constructor are kept in ``values`` (so an estimator can use
them as starting values). A parameter left as ``None`` has no value yet.

Parameter names
---------------
================  ==========================================================================
form              parameters
================  ==========================================================================
Cobb-Douglas      ``A``, ``alpha_<x>`` per input (the last one is ``1 - sum`` when
                  ``constant_returns=True``)
CES               ``A``, ``delta_<x>`` for all inputs but the last (whose weight is
                  ``1 - sum``), ``rho``, ``nu``
nested CES        ``A``, ``nu``, ``rho``, ``omega_<nest>`` (all nests but the last),
                  ``rho_<nest>`` and ``delta_<x>`` inside every nest of two or more inputs
translog          ``a_0``, ``a_<x>``, ``b_<x>_<y>`` for ``x <= y`` in input order
================  ==========================================================================
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from intelcap._validation import check_choice
from intelcap.exceptions import IntelcapWarning, ParameterError, SpecificationError
from intelcap.production.core import (
    ProductionFunction,
    StartValues,
    input_symbol,
    log_linear,
    parameter_symbol,
)

__all__ = ["CES", "CobbDouglas", "NestedCES", "Translog"]

Number = float | int


def _inputs(inputs: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(inputs, str):
        inputs = (inputs,)
    inputs = tuple(str(x) for x in inputs)
    if not inputs:
        raise SpecificationError("at least one input is required")
    for x in inputs:
        if not x.isidentifier():
            raise SpecificationError(f"input name {x!r} is not a valid identifier")
    if len(set(inputs)) != len(inputs):
        raise SpecificationError(f"inputs {list(inputs)} contain duplicates")
    return inputs


def _check_keys(given: Mapping | None, allowed: Sequence[str], what: str) -> dict:
    given = dict(given or {})
    extra = [k for k in given if k not in allowed]
    if extra:
        raise SpecificationError(f"{what} given for unknown input(s) {extra}; inputs are "
                                 f"{list(allowed)}")
    return given


#: |rho| at or below which the CES is evaluated by its exact Cobb-Douglas limit. The two differ
#: by O(rho (ln x)^2) relative, below 1e-24 for any finite double x, far below rounding; below
#: it powers of rho in second derivatives would underflow.
RHO_ZERO = 1e-30


def _is_zero(r: float) -> bool:
    return abs(r) <= RHO_ZERO


def _rho_kind(rho: Number | None, name: str = "rho") -> str:
    """'symbolic', 'cobb-douglas' (rho == 0), 'leontief' (rho == -inf) or 'general'."""
    if rho is None:
        return "symbolic"
    r = float(rho)
    if math.isnan(r):
        raise ParameterError(f"{name} is NaN")
    if r >= 1:
        raise ParameterError(
            f"{name}={r} is not admissible: the CES substitution parameter must be < 1 "
            "(rho -> 0 gives Cobb-Douglas, rho -> -inf Leontief)"
        )
    if _is_zero(r):
        return "cobb-douglas"
    if r == -math.inf:
        return "leontief"
    return "general"


def _free_rho_kind(rho: Number | None, name: str = "rho") -> str:
    """As :func:`_rho_kind` without the ``rho < 1`` restriction."""
    if rho is None:
        return "symbolic"
    r = float(rho)
    if math.isnan(r):
        raise ParameterError(f"{name} is NaN")
    if _is_zero(r):
        return "cobb-douglas"
    return "leontief" if r == -math.inf else "general"


def _rho_check(name: str, restrict: bool = True):
    """Check of a substitution parameter: ``rho >= 1`` raises, or (``restrict=False``) warns."""

    def check(values: Mapping[str, float]) -> None:
        r = values.get(name)
        if r is None or r < 1:
            return
        if restrict:
            raise ParameterError(
                f"{name}={r} is not admissible: the CES substitution parameter must be < 1 "
                "(rho -> 0 gives Cobb-Douglas, rho -> -inf Leontief); restrict_rho=False "
                "allows it"
            )
        sigma = "infinite (perfect substitutes)" if r == 1 else f"{1 / (1 - r):.4g} (negative)"
        warnings.warn(
            f"{name}={r:.6g} >= 1: the elasticity of substitution 1/(1-{name}) is {sigma}; "
            "the isoquants are not convex, the function is not quasi-concave and cost "
            "minimisation would use a single input. The estimate describes the data, not a "
            "technology firms could be choosing inputs on",
            IntelcapWarning, stacklevel=4)

    return check


def _time_symbol(name: str) -> sp.Symbol:
    """The symbol of a time-trend input: real, not positive (t may be zero or negative)."""
    return sp.Symbol(name, real=True)


def _trend(technical_change: str | None, inputs: Sequence[str]) -> tuple[sp.Expr, str | None]:
    """The factor :math:`e^{\\lambda t}` for ``technical_change="t"`` (``1`` without one)."""
    if technical_change is None:
        return sp.S.One, None
    t = str(technical_change)
    if not t.isidentifier():
        raise SpecificationError(f"technical_change={technical_change!r} is not a valid name")
    if t in inputs:
        raise SpecificationError(
            f"technical_change={t!r} is also a factor input; name a separate time column")
    return sp.exp(parameter_symbol("lambda") * _time_symbol(t)), t


# ------------------------------------------------------------------------ start-value rules


def _log(data: pd.DataFrame, x: str) -> np.ndarray:
    return np.log(np.asarray(data[x], dtype=float))


def _cd_coefficients(data: pd.DataFrame, y: Any, inputs: Sequence[str],
                     trend: str | None = None) -> dict[str, float] | None:
    """Log-linear Cobb-Douglas OLS :math:`\\ln y = c + \\sum_j b_j \\ln x_j (+ \\lambda t)`."""
    cols = {x: _log(data, x) for x in inputs}
    if trend is not None:
        cols[trend] = np.asarray(data[trend], dtype=float)
    return log_linear(y, cols)


def kmenta_parameters(b: Mapping[str, float], constant_returns: bool = False) -> dict[str, float]:
    """CES parameters implied by Kmenta-regression coefficients (Kmenta 1967).

    Unrestricted, :math:`\\ln Y = b_0 + b_1\\ln x_1 + b_2\\ln x_2 + b_3(\\ln x_1-\\ln x_2)^2`:
    :math:`\\nu = b_1 + b_2`, :math:`\\delta = b_1/\\nu`, :math:`A = e^{b_0}`,
    :math:`\\rho = 2b_3/(\\nu\\delta(1-\\delta))`. Constant returns
    (:math:`\\nu = 1`), :math:`\\ln(Y/x_2) = b_0 + b_1\\ln(x_1/x_2) + b_3(\\ln x_1-\\ln x_2)^2`:
    :math:`\\delta = b_1`, :math:`\\rho = 2b_3/(\\delta(1-\\delta))`. ``b`` holds ``b0``,
    ``b1``, ``b2`` (unrestricted only) and ``b3``; returns ``A``, ``delta``, ``rho``, ``nu``
    (NaN where a denominator is zero).
    """
    nu = 1.0 if constant_returns else b["b1"] + b["b2"]
    delta = b["b1"] / nu if nu != 0 else math.nan
    denom = nu * delta * (1 - delta)
    rho = 2 * b["b3"] / denom if denom != 0 and math.isfinite(denom) else math.nan
    return {"A": math.exp(b["b0"]), "delta": delta, "rho": rho, "nu": nu}


def _kmenta_start(data: pd.DataFrame, y: np.ndarray, x1: str, x2: str,
                  nu: float | None) -> dict[str, float] | None:
    """Kmenta start for a two-input CES; with a known ``nu`` the constant-returns regression
    of :math:`Y^{1/\\nu}` (identified even when one input is constant)."""
    l1, l2 = _log(data, x1), _log(data, x2)
    if nu is None:
        c = log_linear(y, {"b1": l1, "b2": l2, "b3": (l1 - l2) ** 2})
        if c is None or set(c) != {"const", "b1", "b2", "b3"}:
            return None
        out = kmenta_parameters({"b0": c["const"], **c})
    else:
        c = log_linear(y ** (1 / nu) / np.exp(l2), {"b1": l1 - l2, "b3": (l1 - l2) ** 2})
        if c is None or set(c) != {"const", "b1", "b3"}:
            return None
        out = kmenta_parameters({"b0": c["const"], **c}, constant_returns=True)
        out["A"] = out["A"] ** nu
        out["nu"] = nu
    return out if all(math.isfinite(v) for v in out.values()) else None


def _ces_weight_starts(b: Mapping[str, float], members: Sequence[str],
                       total: float) -> dict[str, float]:
    """CES weights of ``members`` (all but the last are parameters) from Cobb-Douglas slopes.

    Each weight is its slope over the total; an input without a slope (a constant column) takes
    one minus the others. Weights are kept inside (0.02, 0.98) when every input has a slope;
    with a constant input they are not bounded (they need not lie in (0, 1) then).
    """
    have = [x for x in members if x in b]
    w = {x: b[x] / total for x in have}
    lacking = [x for x in members if x not in b]
    if len(lacking) == 1:
        w[lacking[0]] = 1.0 - sum(w.values())
    elif not lacking:
        w = {x: float(np.clip(v, 0.02, 0.98)) for x, v in w.items()}
    return {x: v for x, v in w.items() if x != members[-1]}


def _ces_log(logs: Sequence[sp.Expr], weights: Sequence[sp.Expr], rho) -> sp.Expr:
    """Log of the CES aggregate :math:`(\\sum_i w_i x_i^\\rho)^{1/\\rho}` with weights summing to 1.

    Written :math:`(M + \\mathrm{log1p}(\\sum_i w_i\\,\\mathrm{expm1}(\\rho\\ln x_i - M)))/\\rho`
    with :math:`M = \\max_i \\rho \\ln x_i`: the same number (the weights sum to one), but
    accurate to rounding both as :math:`\\rho \\to 0` (no cancellation in :math:`x^\\rho - 1`)
    and for very negative :math:`\\rho` or large inputs (no underflow of :math:`x^\\rho`, and
    the argument of log1p stays above :math:`w_{min} - 1`). The exact limits
    :math:`\\rho = 0` and :math:`\\rho = -\\infty` are separate closed forms.
    """
    if len(logs) == 1:
        return logs[0]
    if isinstance(rho, (int, float)):
        kind = _rho_kind(rho)
        if kind == "cobb-douglas":
            return sp.Add(*[w * lx for w, lx in zip(weights, logs, strict=True)])
        if kind == "leontief":
            return sp.Min(*logs)
        rho = sp.Float(rho)
    top = sp.Max(*[rho * lx for lx in logs])
    inner = sp.Add(*[w * expm1(rho * lx - top) for w, lx in zip(weights, logs, strict=True)])
    return (top + log1p(inner)) / rho


def _ces_display(xs: Sequence[sp.Expr], weights: Sequence[sp.Expr], rho, power=1) -> sp.Expr:
    """The textbook CES aggregate for display: :math:`(\\sum w_i x_i^\\rho)^{power/\\rho}`."""
    if len(xs) == 1:
        return xs[0] ** power
    if isinstance(rho, (int, float)):
        kind = _rho_kind(rho)
        if kind == "cobb-douglas":
            return sp.Mul(*[x ** (power * w) for w, x in zip(weights, xs, strict=True)])
        if kind == "leontief":
            return sp.Min(*xs) ** power
    terms = sp.Add(*[w * x**rho for w, x in zip(weights, xs, strict=True)], evaluate=False)
    return sp.Pow(terms, power / rho, evaluate=False)


def _weights(inputs: Sequence[str], prefix: str, given: Mapping[str, Number] | None,
             what: str) -> tuple[list[sp.Expr], dict[str, float], list[str]]:
    """Weights ``prefix_<x>`` for all inputs but the last, the last being ``1 - sum``."""
    given = _check_keys(given, inputs, what)
    names = [f"{prefix}_{x}" for x in inputs[:-1]]
    syms = [parameter_symbol(n) for n in names]
    ws = [*syms, 1 - sp.Add(*syms)]
    values = {f"{prefix}_{x}": float(given[x]) for x in inputs[:-1] if given.get(x) is not None}
    last = given.get(inputs[-1])
    if last is not None:
        if len(values) != len(inputs) - 1:
            raise ParameterError(
                f"{what}: the weight of {inputs[-1]!r} is 1 minus the others; give the others"
            )
        total = sum(values.values()) + float(last)
        if abs(total - 1) > 1e-12:
            raise ParameterError(f"{what} must sum to 1, they sum to {total!r}")
    return ws, values, names


class CobbDouglas(ProductionFunction):
    """Cobb-Douglas production function.

    .. math::

        Y = A \\prod_i x_i^{\\alpha_i}

    Parameters
    ----------
    inputs : sequence of str
        Input names, default ``("K", "L")``.
    A : float, optional
        Total factor productivity.
    elasticities : mapping, optional
        ``input -> alpha`` (partial mappings allowed; missing ones stay without a value).
    constant_returns : bool
        If true the last input's exponent is :math:`1 - \\sum_{i<n} \\alpha_i` (no parameter).

    Examples
    --------
    >>> f = CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.7})
    >>> float(f.output({"K": 8.0, "L": 1.0}))  # doctest: +ELLIPSIS
    1.866...
    """

    def __init__(
        self,
        inputs: Sequence[str] = ("K", "L"),
        A: Number | None = None,
        elasticities: Mapping[str, Number] | None = None,
        *,
        constant_returns: bool = False,
        name: str = "Y",
    ) -> None:
        inputs = _inputs(inputs)
        given = _check_keys(elasticities, inputs, "elasticities")
        a = parameter_symbol("A")
        names = [f"alpha_{x}" for x in inputs]
        if constant_returns:
            names = names[:-1]
        syms = [parameter_symbol(n) for n in names]
        exps: list[sp.Expr] = list(syms)
        if constant_returns:
            exps.append(1 - sp.Add(*syms))
            last = given.pop(inputs[-1], None)
            if last is not None and len(given) == len(inputs) - 1:
                total = sum(float(v) for v in given.values()) + float(last)
                if abs(total - 1) > 1e-12:
                    raise ParameterError(
                        f"constant_returns=True but the elasticities sum to {total!r}, not 1"
                    )
        self.exponents: dict[str, sp.Expr] = dict(zip(inputs, exps, strict=True))
        xs = [input_symbol(x) for x in inputs]
        expr = a * sp.Mul(*[x**e for x, e in zip(xs, exps, strict=True)])
        values = {f"alpha_{k}": v for k, v in given.items() if v is not None}
        if A is not None:
            values["A"] = A
        self.constant_returns = bool(constant_returns)
        super().__init__(expr, inputs, ["A", *names], values, name=name)

    def start_values(self, data: pd.DataFrame, y: Any,
                     known: Mapping[str, float] | None = None) -> StartValues:
        """The log-linear OLS :math:`\\ln Y = \\ln A + \\sum_i \\alpha_i \\ln x_i` (with constant
        returns, :math:`\\ln(Y/x_n)` on :math:`\\ln(x_i/x_n)`): exact least squares for this form.
        An input with no variation gets no value (it is not identified beside ``A``)."""
        y = np.asarray(y, dtype=float)
        if self.constant_returns:
            last = _log(data, self.inputs[-1])
            c = log_linear(y / np.exp(last),
                           {x: _log(data, x) - last for x in self.inputs[:-1]})
        else:
            c = _cd_coefficients(data, y, self.inputs)
        if c is None:
            return StartValues({}, method="none (the log-linear regression is singular)")
        out = {"A": math.exp(c["const"])}
        out.update({f"alpha_{x}": c[x] for x in self.inputs if x in c
                    and f"alpha_{x}" in self.parameters})
        return StartValues(out, method="log-linear Cobb-Douglas OLS")


class CES(ProductionFunction):
    """Constant-elasticity-of-substitution production function (Arrow et al. 1961).

    .. math::

        Y = A \\left(\\sum_{i} \\delta_i x_i^{\\rho}\\right)^{\\nu/\\rho},
        \\qquad \\sum_i \\delta_i = 1,\\quad \\rho < 1,\\quad
        \\sigma = \\frac{1}{1-\\rho}.

    The limits are exact closed forms, never a division by zero:
    :math:`\\rho = 0` gives Cobb-Douglas :math:`A\\prod_i x_i^{\\nu\\delta_i}` and
    :math:`\\rho = -\\infty` gives Leontief :math:`A\\,(\\min_i x_i)^{\\nu}`. They are used when
    ``rho`` is given as ``0`` or ``-inf`` at construction, and also when a symbolic ``rho`` takes
    one of these values at evaluation (``|rho| <= 1e-30`` counts as zero: the two differ by less
    than 1e-24 relative for any finite inputs). Otherwise the aggregate is evaluated as
    :math:`\\exp(\\nu\\,\\mathrm{log1p}(\\sum_i\\delta_i\\,\\mathrm{expm1}(\\rho\\ln x_i))/\\rho)`,
    identical in value but accurate to rounding for :math:`|\\rho|` as small as
    :math:`10^{-12}`.

    Parameters
    ----------
    inputs : sequence of str
        Default ``("K", "L")``.
    A : float, optional
    weights : mapping, optional
        ``input -> delta`` (the last input's weight is one minus the others).
    rho : float, optional
        Substitution parameter, ``rho < 1``; ``0`` and ``-inf`` select the limit forms.
    nu : float, optional
        Returns to scale (default 1: constant returns). ``None`` leaves it without a value.
    technical_change : str, optional
        Name of a time column :math:`t`: output is multiplied by :math:`e^{\\lambda t}`
        (Hicks-neutral technical change at rate ``lambda``, a parameter); ``t`` is an input but
        not a factor, and may be zero or negative.
    restrict_rho : bool
        ``True`` (default) requires :math:`\\rho < 1`. ``False`` lets ``rho`` take any value
        the data want: :math:`\\rho = 1` is perfect substitutes (linear isoquants) and
        :math:`\\rho > 1` gives concave isoquants and a *negative* elasticity
        :math:`\\sigma = 1/(1-\\rho)`, which no cost-minimising technology has; a value
        :math:`\\ge 1` then raises an :class:`~intelcap.exceptions.IntelcapWarning` that says so.

    Raises
    ------
    ParameterError
        ``rho >= 1`` with ``restrict_rho=True``.

    Notes
    -----
    :meth:`start_values`, the start rule for estimation, is the Kmenta (1967) approximation
    for two inputs (see :func:`kmenta_parameters`), after removing a log-linear trend estimate
    with ``technical_change``; with a known ``nu`` (fixed or given) it is the constant-returns
    regression of :math:`Y^{1/\\nu}`, which stays identified when one input is a constant column
    (the device that fits a one-input CES as a two-input one). Otherwise, and for more than two
    inputs, weights and ``nu`` come from the log-linear Cobb-Douglas slopes and ``rho`` starts
    at 0.1.

    References
    ----------
    Arrow, K. J., Chenery, H. B., Minhas, B. S. and Solow, R. M. (1961), "Capital-labor
    substitution and economic efficiency", Review of Economics and Statistics 43(3), 225-250.
    """

    def __init__(
        self,
        inputs: Sequence[str] = ("K", "L"),
        A: Number | None = None,
        weights: Mapping[str, Number] | None = None,
        rho: Number | None = None,
        nu: Number | None = 1.0,
        *,
        technical_change: str | None = None,
        restrict_rho: bool = True,
        name: str = "Y",
    ) -> None:
        inputs = _inputs(inputs)
        if len(inputs) < 2:
            raise SpecificationError("a CES function needs at least two inputs")
        kind = _rho_kind(rho) if restrict_rho else _free_rho_kind(rho)
        self.kind = kind
        self.ces_inputs = inputs
        self.technical_change = technical_change
        self.restrict_rho = bool(restrict_rho)
        trend, t_name = _trend(technical_change, inputs)
        all_inputs = inputs if t_name is None else (*inputs, t_name)
        lam = ["lambda"] if t_name is not None else []
        a, nu_s = parameter_symbol("A") * trend, parameter_symbol("nu")
        xs = [input_symbol(x) for x in inputs]
        symbols = {t_name: _time_symbol(t_name)} if t_name is not None else None
        common = {"name": name, "factors": inputs, "signed": (t_name,) if t_name else (),
                  "symbols": symbols}
        values: dict[str, float] = {}
        if A is not None:
            values["A"] = float(A)
        if nu is not None:
            values["nu"] = float(nu)
        self._init_args = {"inputs": inputs, "name": name, "technical_change": technical_change,
                           "restrict_rho": restrict_rho}
        if kind == "leontief":
            if weights:
                raise SpecificationError("the Leontief limit (rho=-inf) has no weights")
            expr = a * sp.Min(*xs) ** nu_s
            super().__init__(expr, all_inputs, ["A", *lam, "nu"], values, **common)
            return
        ws, wvalues, wnames = _weights(inputs, "delta", weights, "CES weights")
        values.update(wvalues)
        if kind == "cobb-douglas":
            expr = a * sp.Mul(*[x ** (nu_s * w) for x, w in zip(xs, ws, strict=True)])
            super().__init__(expr, all_inputs, ["A", *lam, *wnames, "nu"], values, **common)
            return
        rho_s = parameter_symbol("rho")
        if rho is not None:
            values["rho"] = float(rho)
        logs = [sp.log(x) for x in xs]
        expr = a * sp.exp(nu_s * _ces_log(logs, ws, rho_s))
        display = a * _ces_display(xs, ws, rho_s, nu_s)
        super().__init__(expr, all_inputs, ["A", *lam, *wnames, "rho", "nu"], values,
                         display=display, checks=[_rho_check("rho", restrict_rho)], **common)

    def start_values(self, data: pd.DataFrame, y: Any,
                     known: Mapping[str, float] | None = None) -> StartValues:
        """Kmenta (1967) start values (see the class notes)."""
        known = dict(known or {})
        y = np.asarray(y, dtype=float)
        out: dict[str, float] = {}
        inputs = list(self.ces_inputs)
        t = self.technical_change
        cd = _cd_coefficients(data, y, inputs, t)
        if t is not None and "lambda" in self.parameters:
            lam = known.get("lambda", (cd or {}).get(t))
            if lam is None:
                return StartValues({}, method="none (the log-linear trend regression is singular)")
            out["lambda"] = lam
            y = y * np.exp(-lam * np.asarray(data[t], dtype=float))
            cd = _cd_coefficients(data, y, inputs)
        nu = known.get("nu") if "nu" in self.parameters else 1.0
        method = "log-linear Cobb-Douglas OLS"
        km = None
        if len(inputs) == 2 and "rho" in self.parameters:
            km = _kmenta_start(data, y, inputs[0], inputs[1], nu)
            if km is None and nu is None and "nu" in self.values:
                # unrestricted Kmenta is singular (a constant input): use the form's nu
                nu = self.values["nu"]
                km = _kmenta_start(data, y, inputs[0], inputs[1], nu)
        if km is not None:
            hi = 0.9 if self.restrict_rho else 5.0
            rho = float(np.clip(km["rho"], -5.0, hi))
            out.update({"A": km["A"], f"delta_{inputs[0]}": km["delta"],
                        "rho": rho if abs(rho) > 1e-3 else 1e-3, "nu": km["nu"]})
            method = "Kmenta (1967) approximation" + (" (constant returns, known nu)"
                                                      if nu is not None else "")
        elif cd is not None:
            b = {x: cd[x] for x in inputs if x in cd}
            total = nu if nu is not None else (sum(b.values()) if len(b) == len(inputs)
                                               else 1.0)
            out["A"] = math.exp(cd["const"])
            out["nu"] = total
            out.update({f"delta_{x}": v for x, v in _ces_weight_starts(b, inputs, total).items()})
            out["rho"] = 0.1
        else:
            return StartValues(out, method="none (the log-linear regression is singular)")
        if t is not None:
            method += " after a log-linear trend"
        return StartValues({k: v for k, v in out.items() if k in self.parameters}, method=method)

    def _allows_infinite(self, name: str, value: float) -> bool:
        return name == "rho" and value == -math.inf

    def elasticity_of_substitution(self, x1: str, x2: str, data, kind="allen", **params):
        """As :meth:`ProductionFunction.elasticity_of_substitution`; 0 for the Leontief limit.

        Leontief's isoquants are right angles: the derivative formulas are 0/0 there, and the
        elasticity is its limit :math:`\\lim_{\\rho\\to-\\infty} 1/(1-\\rho) = 0`.
        """
        target, _ = self._resolve(params)
        if getattr(target, "kind", None) == "leontief":
            check_choice("kind", kind, ("allen", "hicks", "morishima"))
            for x in (x1, x2):
                self._symbol(x)
            d = target._prepare(data)
            return self._series(np.zeros(d.shape), d, f"sigma_{x1}_{x2}")
        return super().elasticity_of_substitution(x1, x2, data, kind=kind, **params)

    def _specialise(self, values: Mapping[str, float]) -> ProductionFunction | None:
        if "rho" not in self.parameters:
            return None
        r = values.get("rho")
        if r is None or not (_is_zero(r) or r == -math.inf):
            return None
        r = 0.0 if _is_zero(r) else r
        if r not in self._special:
            self._special[r] = CES(rho=r, **self._init_args)
        return self._special[r]


class NestedCES(ProductionFunction):
    """Two-level nested CES production function (Sato 1967).

    .. math::

        Y = A\\left[\\sum_g \\omega_g X_g^{\\rho}\\right]^{\\nu/\\rho}, \\qquad
        X_g = \\left(\\sum_{i\\in g}\\delta_i x_i^{\\rho_g}\\right)^{1/\\rho_g},

    with weights summing to one at each level; a nest of one input is the input itself. The
    elasticity of substitution is :math:`1/(1-\\rho_g)` inside nest :math:`g` and
    :math:`1/(1-\\rho)` between nests. Any ``rho`` equal to ``0`` or ``-inf`` (at construction or
    at evaluation) uses the exact Cobb-Douglas or Leontief limit at that level.

    Parameters
    ----------
    nests : mapping of nest name -> sequence of inputs, or sequence of sequences
        For example ``{"KZ": ("K", "Z"), "L": ("L",)}`` for
        :math:`Y = A[\\omega X_{KZ}^{\\rho} + (1-\\omega) L^{\\rho}]^{\\nu/\\rho}`,
        :math:`X_{KZ} = (\\delta_K K^{\\rho_{KZ}} + (1-\\delta_K) Z^{\\rho_{KZ}})^{1/\\rho_{KZ}}`.
        A sequence names the nests by joining their inputs.
    A, nu : float, optional
    rho : float, optional
        Outer substitution parameter (``< 1``).
    nest_rho : mapping nest -> float, optional
        Inner substitution parameters ``rho_<nest>``.
    weights : mapping input -> float, optional
        Inner weights ``delta_<x>`` (last input of each nest: one minus the others).
    nest_weights : mapping nest -> float, optional
        Outer weights ``omega_<nest>`` (last nest: one minus the others).
    technical_change : str, optional
        Time column :math:`t`: output is multiplied by :math:`e^{\\lambda t}` (parameter
        ``lambda``), as in :class:`CES`.
    restrict_rho : bool
        ``False`` allows substitution parameters :math:`\\ge 1` with a warning (see
        :class:`CES`).

    Notes
    -----
    :meth:`start_values`: the log-linear Cobb-Douglas slopes :math:`b_x` (after a log-linear
    trend with ``technical_change``) give ``nu`` (their sum, unless known), the inner weights
    :math:`b_x / \\sum_{i\\in g} b_i` and the outer weights
    :math:`\\sum_{i\\in g} b_i / \\sum_i b_i`; every ``rho`` starts at 0.1 (near the Cobb-Douglas
    point the slopes describe).

    References
    ----------
    Sato, K. (1967), "A two-level constant-elasticity-of-substitution production function",
    Review of Economic Studies 34(2), 201-218.
    """

    def __init__(
        self,
        nests: Mapping[str, Sequence[str]] | Sequence[Sequence[str]],
        A: Number | None = None,
        rho: Number | None = None,
        nest_rho: Mapping[str, Number] | None = None,
        weights: Mapping[str, Number] | None = None,
        nest_weights: Mapping[str, Number] | None = None,
        nu: Number | None = 1.0,
        *,
        technical_change: str | None = None,
        restrict_rho: bool = True,
        name: str = "Y",
    ) -> None:
        if isinstance(nests, Mapping):
            groups = {str(k): _inputs(v) for k, v in nests.items()}
        else:
            groups = {}
            for v in nests:
                v = _inputs(v)
                groups["".join(v)] = v
        if len(groups) < 2:
            raise SpecificationError("a nested CES needs at least two nests")
        for g in groups:
            if not g.isidentifier():
                raise SpecificationError(f"nest name {g!r} is not a valid identifier")
        inputs = tuple(x for v in groups.values() for x in v)
        _inputs(inputs)  # duplicates across nests
        nest_rho = _check_keys(nest_rho, list(groups), "nest_rho")
        self.nests = groups
        self._init_args = {
            "nests": groups, "rho": rho, "nest_rho": dict(nest_rho), "name": name,
            "technical_change": technical_change, "restrict_rho": restrict_rho,
        }
        self.technical_change = technical_change
        self.restrict_rho = bool(restrict_rho)
        self.ces_inputs = inputs
        rho_kind = _rho_kind if restrict_rho else _free_rho_kind
        values: dict[str, float] = {}
        params: list[str] = ["A"]
        checks = []
        if A is not None:
            values["A"] = float(A)
        weights = _check_keys(weights, inputs, "weights")
        logs_g, disp_g = [], []
        for g, members in groups.items():
            xs = [input_symbol(x) for x in members]
            if len(members) == 1:
                logs_g.append(sp.log(xs[0]))
                disp_g.append(xs[0])
                continue
            r_given = nest_rho.get(g)
            kind = rho_kind(r_given, f"rho_{g}")
            ws, wv, wn = ([], {}, [])
            if kind != "leontief":
                ws, wv, wn = _weights(members, "delta",
                                      {x: weights[x] for x in members if x in weights},
                                      f"weights of nest {g!r}")
            params += wn
            values.update(wv)
            if kind in ("cobb-douglas", "leontief"):
                r = 0.0 if kind == "cobb-douglas" else -math.inf
            else:
                r = parameter_symbol(f"rho_{g}")
                params.append(f"rho_{g}")
                checks.append(_rho_check(f"rho_{g}", restrict_rho))
                if r_given is not None:
                    values[f"rho_{g}"] = float(r_given)
            logs_g.append(_ces_log([sp.log(x) for x in xs], ws, r))
            disp_g.append(_ces_display(xs, ws, r))
        kind = rho_kind(rho)
        ow, owv, own = _weights(list(groups), "omega", nest_weights, "nest_weights")
        if kind == "leontief":
            ow, owv, own = [], {}, []
        params += own
        values.update(owv)
        if kind in ("cobb-douglas", "leontief"):
            r = 0.0 if kind == "cobb-douglas" else -math.inf
        else:
            r = parameter_symbol("rho")
            params.append("rho")
            checks.append(_rho_check("rho", restrict_rho))
            if rho is not None:
                values["rho"] = float(rho)
        params.append("nu")
        if nu is not None:
            values["nu"] = float(nu)
        trend, t_name = _trend(technical_change, inputs)
        if t_name is not None:
            params.insert(1, "lambda")
        a, nu_s = parameter_symbol("A") * trend, parameter_symbol("nu")
        expr = a * sp.exp(nu_s * _ces_log(logs_g, ow, r))
        display = a * _ces_display(disp_g, ow, r, nu_s)
        super().__init__(expr, inputs if t_name is None else (*inputs, t_name), params, values,
                         name=name, display=display, checks=checks, factors=inputs,
                         signed=(t_name,) if t_name else (),
                         symbols={t_name: _time_symbol(t_name)} if t_name else None)

    def start_values(self, data: pd.DataFrame, y: Any,
                     known: Mapping[str, float] | None = None) -> StartValues:
        """Start values from log-linear Cobb-Douglas slopes (see the class notes)."""
        known = dict(known or {})
        y = np.asarray(y, dtype=float)
        inputs = list(self.ces_inputs)
        t = self.technical_change
        cd = _cd_coefficients(data, y, inputs, t)
        if cd is None:
            return StartValues({}, method="none (the log-linear regression is singular)")
        out: dict[str, float] = {"A": math.exp(cd["const"])}
        if t is not None:
            out["lambda"] = cd.get(t, 0.0)
        b = {x: cd[x] for x in inputs if x in cd}
        nu = known.get("nu")
        total = nu if nu is not None else (sum(b.values()) if len(b) == len(inputs) else 1.0)
        out["nu"] = total
        nest_b: dict[str, float] = {}
        for g, members in self.nests.items():
            if len(members) > 1:
                inner = {x: b[x] for x in members if x in b}
                tot_g = sum(inner.values()) if len(inner) == len(members) else 1.0
                out.update({f"delta_{x}": v for x, v in
                            _ces_weight_starts(inner, members, tot_g).items()})
            if all(x in b for x in members):
                nest_b[g] = sum(b[x] for x in members)
        out.update({f"omega_{g}": v for g, v in
                    _ces_weight_starts(nest_b, list(self.nests), total).items()})
        out.update({p: 0.1 for p in self._rho_names()})
        method = "log-linear Cobb-Douglas OLS" + (" with a trend" if t is not None else "")
        return StartValues({k: v for k, v in out.items() if k in self.parameters}, method=method)

    def _rho_names(self) -> list[str]:
        return [p for p in self.parameters if p == "rho" or p.startswith("rho_")]

    def _allows_infinite(self, name: str, value: float) -> bool:
        return name in self._rho_names() and value == -math.inf

    def _specialise(self, values: Mapping[str, float]) -> ProductionFunction | None:
        special = {p: (0.0 if _is_zero(values[p]) else values[p]) for p in self._rho_names()
                   if p in values and (_is_zero(values[p]) or values[p] == -math.inf)}
        if not special:
            return None
        key = tuple(sorted(special.items()))
        if key not in self._special:
            args = self._init_args
            nest_rho = dict(args["nest_rho"])
            rho = args["rho"]
            for p, v in special.items():
                if p == "rho":
                    rho = v
                else:
                    nest_rho[p[len("rho_"):]] = v
            self._special[key] = NestedCES(args["nests"], rho=rho, nest_rho=nest_rho,
                                           name=args["name"],
                                           technical_change=args["technical_change"],
                                           restrict_rho=args["restrict_rho"])
        return self._special[key]


class Translog(ProductionFunction):
    """Transcendental logarithmic production function (Christensen, Jorgenson and Lau 1973).

    .. math::

        \\ln Y = a_0 + \\sum_i a_i \\ln x_i
        + \\tfrac12 \\sum_i \\sum_j b_{ij} \\ln x_i \\ln x_j, \\qquad b_{ij} = b_{ji},

    so the output elasticities are :math:`\\varepsilon_i = a_i + \\sum_j b_{ij}\\ln x_j`.
    Constant returns to scale hold when :math:`\\sum_i a_i = 1` and
    :math:`\\sum_j b_{ij} = 0` for every :math:`i`.

    Parameters
    ----------
    inputs : sequence of str
    a0 : float, optional
        Parameter ``a_0``.
    a : mapping input -> float, optional
        First-order coefficients ``a_<x>``.
    b : mapping (x, y) -> float, optional
        Second-order coefficients ``b_<x>_<y>`` (symmetric; give either order).

    References
    ----------
    Christensen, L. R., Jorgenson, D. W. and Lau, L. J. (1973), "Transcendental logarithmic
    production frontiers", Review of Economics and Statistics 55(1), 28-45.
    """

    def __init__(
        self,
        inputs: Sequence[str] = ("K", "L"),
        a0: Number | None = None,
        a: Mapping[str, Number] | None = None,
        b: Mapping[tuple[str, str], Number] | None = None,
        *,
        name: str = "Y",
    ) -> None:
        inputs = _inputs(inputs)
        a = _check_keys(a, inputs, "a")
        values: dict[str, float] = {}
        if a0 is not None:
            values["a_0"] = float(a0)
        for x, v in a.items():
            if v is not None:
                values[f"a_{x}"] = float(v)
        pos = {x: i for i, x in enumerate(inputs)}
        for key, v in dict(b or {}).items():
            if not (isinstance(key, tuple) and len(key) == 2 and all(k in pos for k in key)):
                raise SpecificationError(
                    f"b key {key!r} must be a pair of inputs from {list(inputs)}"
                )
            i, j = sorted(key, key=pos.__getitem__)
            pname = f"b_{i}_{j}"
            if v is None:
                continue
            if pname in values and values[pname] != float(v):
                raise ParameterError(f"b{key} given twice with different values (b is symmetric)")
            values[pname] = float(v)
        logs = {x: sp.log(input_symbol(x)) for x in inputs}
        params = ["a_0"] + [f"a_{x}" for x in inputs]
        ln_y = parameter_symbol("a_0") + sp.Add(
            *[parameter_symbol(f"a_{x}") * logs[x] for x in inputs]
        )
        for ii, x in enumerate(inputs):
            for y in inputs[ii:]:
                pname = f"b_{x}_{y}"
                params.append(pname)
                coef = sp.Rational(1, 2) if x == y else sp.S.One
                ln_y += coef * parameter_symbol(pname) * logs[x] * logs[y]
        self.log_output = ln_y
        super().__init__(sp.exp(ln_y), inputs, params, values, name=name,
                         display=sp.exp(ln_y))

    def start_values(self, data: pd.DataFrame, y: Any,
                     known: Mapping[str, float] | None = None) -> StartValues:
        """The translog is linear in its parameters: its OLS in logs (exact least squares for a
        multiplicative error). Parameters of inputs without variation get no value."""
        logs = {x: _log(data, x) for x in self.inputs}
        cols = {f"a_{x}": logs[x] for x in self.inputs}
        for ii, x in enumerate(self.inputs):
            for z in self.inputs[ii:]:
                cols[f"b_{x}_{z}"] = 0.5 * logs[x] ** 2 if x == z else logs[x] * logs[z]
        c = log_linear(y, cols)
        if c is None:
            return StartValues({}, method="none (the translog regression is singular)")
        c["a_0"] = c.pop("const")
        return StartValues({k: v for k, v in c.items() if k in self.parameters},
                           method="translog OLS in logs")

    def _repr_latex_(self) -> str:
        from intelcap.production.core import latex

        return f"$\\displaystyle \\ln {self.name} = {latex(self.log_output)}$"
