"""Safe parsing of user expressions into sympy: a user string is never evaluated.

A user string such as ``"Y ~ A * K**alpha * L**(1 - alpha)"`` is parsed by Python's :mod:`ast`
module (which only reads, never runs), every node is checked against a whitelist, and the sympy
expression is built node by node from the checked tree. Nothing in the string is ever evaluated:
no ``eval``, no ``sympify`` of raw text. Allowed are numbers, the declared names, the operators
``+ - * / ** ^`` and unary minus, and calls of the whitelisted functions in :data:`FUNCTIONS`.
Attribute access, subscripts, lambdas, keywords, comprehensions, strings and any undeclared name
raise :class:`~intelcap.exceptions.ExpressionError` naming what was refused.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

import sympy as sp

from intelcap.exceptions import ExpressionError, IntelcapTypeError

__all__ = ["FUNCTIONS", "parse_expression", "parse_formula"]

#: Functions a user expression may call, by the names it may use.
FUNCTIONS: Mapping[str, object] = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "Abs": sp.Abs,
    "min": sp.Min,
    "Min": sp.Min,
    "max": sp.Max,
    "Max": sp.Max,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "atan": sp.atan,
    "arctan": sp.atan,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "Heaviside": sp.Heaviside,
}

_CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _number(value: object) -> sp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"constant {value!r} is not a number")
    if isinstance(value, int):
        return sp.Integer(value)
    return sp.Float(repr(value))


def _build(node: ast.AST, symbols: Mapping[str, sp.Symbol], text: str) -> sp.Expr:
    if isinstance(node, ast.Expression):
        return _build(node.body, symbols, text)
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id in symbols:
            return symbols[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise ExpressionError(f"function {node.id!r} must be called, in {text!r}")
        err = ExpressionError(
            f"unknown name {node.id!r} in expression {text!r}; declared names are "
            f"{sorted(symbols)} and functions {sorted(FUNCTIONS)}"
        )
        err.unknown_name = node.id  # lets a caller say what the name should have been
        raise err
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise ExpressionError(
                f"operator {type(node.op).__name__} is not allowed in {text!r}"
            )
        return op(_build(node.left, symbols, text), _build(node.right, symbols, text))
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, symbols, text)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed in {text!r}")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
            raise ExpressionError(
                f"call of {what!r} is not allowed in {text!r}; allowed functions are "
                f"{sorted(FUNCTIONS)}"
            )
        if node.keywords:
            raise ExpressionError(f"keyword arguments are not allowed in {text!r}")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"starred arguments are not allowed in {text!r}")
        args = [_build(a, symbols, text) for a in node.args]
        return FUNCTIONS[node.func.id](*args)  # type: ignore[operator]
    if isinstance(node, ast.Attribute):
        raise ExpressionError(f"attribute access (.{node.attr}) is not allowed in {text!r}")
    raise ExpressionError(f"{type(node).__name__} is not allowed in expression {text!r}")


def parse_expression(
    text: str,
    names: Iterable[str],
    *,
    symbols: Mapping[str, sp.Symbol] | None = None,
) -> sp.Expr:
    """Parse ``text`` into a sympy expression over the declared ``names`` only.

    Parameters
    ----------
    text : str
        The expression, Python syntax; ``^`` is read as power.
    names : iterable of str
        Every name the expression may use (inputs and parameters).
    symbols : mapping, optional
        Symbols to use for some names (for example positive real symbols); others are created as
        real symbols.

    Raises
    ------
    ExpressionError
        If the string is not a valid expression or uses anything outside the whitelist.
    """
    if not isinstance(text, str):
        raise IntelcapTypeError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > 10_000:
        raise ExpressionError("expression is longer than 10,000 characters")
    names = list(names)
    for n in names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ExpressionError(f"{n!r} is not a valid name")
        if n in FUNCTIONS:
            raise ExpressionError(f"name {n!r} clashes with the function of the same name")
    table = {n: sp.Symbol(n, real=True) for n in names}
    if symbols:
        table.update(symbols)
    try:
        tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from None
    return _build(tree, table, text)


def parse_formula(
    text: str, names: Iterable[str], *, symbols: Mapping[str, sp.Symbol] | None = None
) -> tuple[sp.Expr, sp.Expr]:
    """Parse ``"lhs ~ rhs"`` into two sympy expressions (see :func:`parse_expression`)."""
    if not isinstance(text, str):
        raise IntelcapTypeError(f"formula must be a string, got {type(text).__name__}")
    parts = text.split("~")
    if len(parts) != 2:
        raise ExpressionError(f"formula {text!r} must have exactly one '~' (as in 'Y ~ A*K**a')")
    lhs, rhs = parts
    return parse_expression(lhs, names, symbols=symbols), parse_expression(rhs, names,
                                                                           symbols=symbols)
