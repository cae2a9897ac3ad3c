"""Symbolic compilation of an NLS model: exact Jacobian by sympy, data-only subexpressions
hoisted, one CSE-compiled numpy function per model, cached by expression."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp


@dataclass
class _Compiled:
    """The residual and Jacobian of one model, compiled for one set of data columns."""

    params: tuple[str, ...]
    data_names: tuple[str, ...]  # columns passed to the compiled functions
    derived: dict[str, sp.Expr]  # data-only subexpressions evaluated once per fit
    derived_fn: Any
    derived_args: tuple[str, ...]
    resid_fn: Any
    jac_fn: Any
    fitted_fn: Any
    jac_exprs: list[sp.Expr] = field(default_factory=list)
    both_fn: Any = None  # residual and Jacobian columns together (shared subexpressions)
    lhs_fn: Any = None  # the left-hand side from the data (None if it involves a parameter)
    lhs_name: str | None = None  # the data or derived column that is the left-hand side


def _hoist_data_only(expr: sp.Expr, param_syms: set[sp.Symbol], positive: set[sp.Symbol],
                     table: dict[sp.Expr, sp.Symbol]) -> sp.Expr:
    """Replace maximal parameter-free, non-atomic subtrees by fresh symbols (recorded in table).

    ``X**g(theta)`` with ``X`` a strictly positive data column becomes
    ``exp(g(theta) * log(X))`` with ``log(X)`` hoisted.
    """

    def walk(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if not (e.free_symbols & param_syms):
            if e.is_number:
                return e
            if e not in table:
                table[e] = sp.Symbol(f"_d{len(table)}", real=True)
            return table[e]
        if e.is_Pow:
            base, ex = e.args
            if base in positive and (ex.free_symbols & param_syms):
                logb = walk(sp.log(base, evaluate=False))
                return sp.exp(walk(ex) * logb)
        return e.func(*[walk(a) for a in e.args])

    return walk(expr)


def _lambdify(args, expr):
    """Compile to numpy once, common subexpressions eliminated.

    Uses :func:`intelcap.production.core.lambdify` (fast ``Heaviside``, overflow-free logistic
    ``Expit``) so production-function expressions evaluate as the production module does.
    """
    try:
        from intelcap.production.core import lambdify as production_lambdify
    except ImportError:  # pragma: no cover - the production module is part of intelcap
        return sp.lambdify(list(args), expr, modules="numpy", cse=True)
    return production_lambdify(list(args), expr, cse=True)


def _compile(lhs: sp.Expr, rhs: sp.Expr, params: tuple[str, ...],
             symbols: Mapping[str, sp.Symbol], positive: set[str]) -> _Compiled:
    param_syms = [symbols[p] for p in params]
    pset = set(param_syms)
    pos_syms = {symbols[n] for n in positive if n in symbols}
    table: dict[sp.Expr, sp.Symbol] = {}
    lhs_h = _hoist_data_only(lhs, pset, pos_syms, table)
    rhs_h = _hoist_data_only(rhs, pset, pos_syms, table)
    resid = lhs_h - rhs_h
    # a parameter inside a hard step (Heaviside) gets the regime-wise derivative: the Dirac
    # delta is dropped, so its Jacobian column vanishes and the diagnostics report it
    jac = [sp.diff(resid, s).replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
           for s in param_syms]
    data_syms = sorted((resid.free_symbols | set().union(*[j.free_symbols for j in jac]))
                       - pset, key=lambda s: s.name)
    # the fitted values use the original (unhoisted) rhs so predict() works on new data
    derived_sources = sorted({s for e in table for s in e.free_symbols}, key=lambda s: s.name)
    derived_items = list(table.items())
    derived_fn = (_lambdify(derived_sources, [e for e, _ in derived_items])
                  if derived_items else None)
    args = [*data_syms, *param_syms]
    resid_fn = _lambdify(args, resid)
    jac_fn = _lambdify(args, jac)
    both_fn = _lambdify(args, [resid, *jac])
    rhs_data = sorted(rhs.free_symbols - pset, key=lambda s: s.name)
    fitted_fn = _lambdify([*rhs_data, *param_syms], rhs)
    fitted_fn.data_names = tuple(s.name for s in rhs_data)  # type: ignore[attr-defined]
    lhs_fn = None
    lhs_name = lhs_h.name if (isinstance(lhs_h, sp.Symbol) and not (lhs.free_symbols & pset)
                              ) else None
    if not (lhs.free_symbols & pset):
        lhs_data = sorted(lhs.free_symbols, key=lambda s: s.name)
        lhs_fn = _lambdify(lhs_data, lhs)
        lhs_fn.data_names = tuple(s.name for s in lhs_data)  # type: ignore[attr-defined]
    derived = {sym.name: e for e, sym in derived_items}
    return _Compiled(params=params, data_names=tuple(s.name for s in data_syms),
                     derived=derived, derived_fn=derived_fn,
                     derived_args=tuple(s.name for s in derived_sources),
                     resid_fn=resid_fn, jac_fn=jac_fn, fitted_fn=fitted_fn, jac_exprs=jac,
                     both_fn=both_fn, lhs_fn=lhs_fn,
                     lhs_name=lhs_name)


#: Compiled models by (lhs, rhs, parameters, positive columns): a model is differentiated and
#: lambdified once per process, however often it is fitted (replications, bootstraps).
_CACHE: dict[Any, _Compiled] = {}
_CACHE_SIZE = 64
