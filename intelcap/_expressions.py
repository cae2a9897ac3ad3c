"""Safe parsing of user expressions into sympy: a user string is never evaluated.

A user string such as ``"Y ~ A * K**alpha * L**(1 - alpha)"`` is parsed by Python's :mod:`ast`
module (which only reads, never runs), every node is checked against a whitelist, and the sympy
expression is built node by node from the checked tree. Nothing in the string is ever evaluated:
no ``eval``, no ``sympify`` of raw text. Allowed are numbers, the declared names, the operators
``+ - * / ** ^`` and unary minus, and calls of the whitelisted functions in :data:`FUNCTIONS`.
Attribute access, subscripts, lambdas, keywords, comprehensions, strings and any undeclared name
raise :class:`~intelcap.exceptions.ExpressionError` naming what was refused.

Size and magnitude are bounded, so that no string can hang or crash the parser: at most
:data:`MAX_LENGTH` characters, :data:`MAX_NODES` syntax nodes and :data:`MAX_DEPTH` levels of
nesting (sums and products are flattened, so a long sum is not deep); a numeric exponent may not
exceed :data:`MAX_EXPONENT` in absolute value, and constant sub-expressions must stay finite
floating-point numbers (``9**9**9**9``, ``10**10**10``, ``exp(1e6)``, ``K/0``, ``log(0)`` are
refused by name). Calls with the wrong number of arguments (``exp(K, L)``) are refused too.

:func:`check_formula` applies the same whitelist idea to Wilkinson formulas before formulaic
sees them (formulaic evaluates each term as Python): see ``OLS.from_formula`` and
``fit_panel``.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Iterable, Mapping, Sequence

import sympy as sp

from intelcap.exceptions import ExpressionError, IntelcapTypeError

__all__ = [
    "FORMULA_FUNCTIONS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "check_formula",
    "parse_expression",
    "parse_formula",
    "usable_names",
]

#: Longest expression or formula accepted, in characters.
MAX_LENGTH = 10_000
#: Most syntax nodes in one expression.
MAX_NODES = 5_000
#: Deepest nesting of operations and calls (after flattening sums and products).
MAX_DEPTH = 100
#: Largest absolute value of a numeric exponent.
MAX_EXPONENT = 1_000

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

#: Number of arguments each function takes: (least, most); None: no upper bound.
_ARITY: Mapping[str, tuple[int, int | None]] = {
    **{k: (1, 1) for k in FUNCTIONS},
    "log": (1, 2), "ln": (1, 2), "Heaviside": (1, 2),
    "min": (1, None), "Min": (1, None), "max": (1, None), "Max": (1, None),
}

_CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
_BAD_CONSTANTS = (sp.zoo, sp.oo, -sp.oo, sp.nan)

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _number(value: object, text: str) -> sp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"constant {value!r} is not a number, in {text!r}")
    if isinstance(value, int):
        if value.bit_length() > 1023:
            raise ExpressionError(f"integer constant with {len(str(value))} digits is too "
                                  f"large, in {text!r}")
        return sp.Integer(value)
    if not math.isfinite(value):
        raise ExpressionError(f"constant {value!r} is not finite (overflows), in {text!r}")
    return sp.Float(repr(value))


def _too_big(value: sp.Expr) -> bool:
    """A numeric constant outside the floating-point range (or not a real number)."""
    if not isinstance(value, sp.Number):
        return False
    if value in _BAD_CONSTANTS or value.is_finite is False:
        return True
    if isinstance(value, sp.Rational):
        p, q = abs(int(value.p)), int(value.q)
        return p.bit_length() - q.bit_length() > 1024
    return not math.isfinite(float(value))


def _constant_overflows(value: sp.Expr) -> bool:
    """A constant that is not a plain number (``pi**999``, ``exp(exp(9))``) beyond 1e300."""
    if isinstance(value, sp.Number) or not isinstance(value, sp.Expr) or not value.is_number:
        return False
    try:
        v = complex(value.evalf(17))
    except (TypeError, ValueError, ArithmeticError):
        return True
    return not (math.isfinite(v.real) and math.isfinite(v.imag)) or abs(v) > 1e300


def _check_power(base: sp.Expr, exponent: sp.Expr, text: str) -> None:
    if isinstance(exponent, sp.Number):
        e = float(exponent)
        if not math.isfinite(e) or abs(e) > MAX_EXPONENT:
            raise ExpressionError(f"exponent {exponent} is too large (at most {MAX_EXPONENT} in "
                                  f"absolute value), in {text!r}")
        if isinstance(base, sp.Number):
            b = abs(float(base))
            if b == 0 and e < 0:
                raise ExpressionError(f"division by zero (0 to a negative power), in {text!r}")
            if b != 0 and abs(e * math.log10(b)) > 300:
                raise ExpressionError(f"constant {base}**{exponent} overflows, in {text!r}")
    elif exponent.is_number and base.is_number:
        raise ExpressionError(f"constant power {base}**({exponent}) is not allowed (write "
                              f"the number), in {text!r}")


def _call(name: str, args: Sequence[sp.Expr], text: str) -> sp.Expr:
    least, most = _ARITY[name]
    if len(args) < least or (most is not None and len(args) > most):
        want = (f"{least}" if least == most else
                f"{least} to {most}" if most is not None else f"at least {least}")
        raise ExpressionError(f"{name}() takes {want} argument(s), got {len(args)}, in "
                              f"{text!r}")
    if name == "Heaviside" and len(args) == 2 and not isinstance(args[1], sp.Number):
        raise ExpressionError(f"the second argument of Heaviside (its value at 0) must be a "
                              f"number, in {text!r}")
    if name == "exp" and isinstance(args[0], sp.Number) and float(args[0]) > 700:
        raise ExpressionError(f"exp({args[0]}) overflows, in {text!r}")
    return FUNCTIONS[name](*args)  # type: ignore[operator]


def _operands(node: ast.AST, op: tuple[type, ...]) -> list[tuple[bool, ast.AST]]:
    """Flatten a left-nested chain of + and - (or * and /) into (inverted, operand) pairs."""
    out: list[tuple[bool, ast.AST]] = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, op):
        out.append((isinstance(node.op, (ast.Sub, ast.Div)), node.right))
        node = node.left
    out.append((False, node))
    out.reverse()
    return out


def _build(node: ast.AST, symbols: Mapping[str, sp.Symbol], text: str) -> sp.Expr:
    try:
        value = _build_node(node, symbols, text)
    except ExpressionError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError, RecursionError) as err:
        raise ExpressionError(f"cannot build expression {text!r}: {type(err).__name__} in "
                              f"{ast.unparse(node)[:80]!r}") from None
    if isinstance(value, sp.Basic) and value.has(*_BAD_CONSTANTS):
        raise ExpressionError(f"{ast.unparse(node)[:80]!r} is undefined (division by zero, "
                              f"log(0) or an infinite constant), in {text!r}")
    if _too_big(value) or (isinstance(value, (sp.Add, sp.Mul))
                           and any(_too_big(a) for a in value.atoms(sp.Number))) \
            or _constant_overflows(value):
        raise ExpressionError(f"constant {ast.unparse(node)[:80]!r} overflows the floating-point "
                              f"range, in {text!r}")
    return value


def _build_node(node: ast.AST, symbols: Mapping[str, sp.Symbol], text: str) -> sp.Expr:
    if isinstance(node, ast.Expression):
        return _build(node.body, symbols, text)
    if isinstance(node, ast.Constant):
        return _number(node.value, text)
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
        if isinstance(node.op, (ast.Add, ast.Sub)):
            terms = [(inv, _build(t, symbols, text)) for inv, t in _operands(
                node, (ast.Add, ast.Sub))]
            return sp.Add(*[-t if inv else t for inv, t in terms])
        if isinstance(node.op, (ast.Mult, ast.Div)):
            factors = [(inv, _build(t, symbols, text)) for inv, t in _operands(
                node, (ast.Mult, ast.Div))]
            for inv, f in factors:
                if inv and f == 0:
                    raise ExpressionError(f"division by zero in {text!r}")
            return sp.Mul(*[f**-1 if inv else f for inv, f in factors])
        if isinstance(node.op, ast.Pow):
            base = _build(node.left, symbols, text)
            exponent = _build(node.right, symbols, text)
            _check_power(base, exponent, text)
            return base**exponent
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed in {text!r}")
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
        return _call(node.func.id, args, text)
    if isinstance(node, ast.Attribute):
        raise ExpressionError(f"attribute access (.{node.attr}) is not allowed in {text!r}")
    raise ExpressionError(f"{type(node).__name__} is not allowed in expression {text!r}")


def _parse_tree(text: str, what: str = "expression") -> ast.Expression:
    """``ast.parse`` in eval mode with the size and depth bounds checked (iteratively)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{what} is longer than {MAX_LENGTH:,} characters "
                              f"({len(text):,})")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {what} {_short(text)!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"{what} {_short(text)!r} is nested too deeply to parse") \
            from None
    except ValueError as exc:
        raise ExpressionError(f"cannot parse {what} {_short(text)!r}: "
                              f"{type(exc).__name__}") from None
    nodes = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ExpressionError(f"{what} {_short(text)!r} is too large (more than "
                                  f"{MAX_NODES:,} terms and operations)")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"{what} {_short(text)!r} is nested too deeply (more than "
                                  f"{MAX_DEPTH} levels)")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop)):
                continue
            # a chain a + b + c (or a * b * c) is flattened by _build: it adds no depth
            same_chain = (isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp)
                          and child is node.left
                          and _chain(node.op) == _chain(child.op) is not None)
            stack.append((child, depth if same_chain else depth + 1))
    return tree  # type: ignore[return-value]


def _chain(op: ast.operator) -> str | None:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "+"
    if isinstance(op, (ast.Mult, ast.Div)):
        return "*"
    return None


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def usable_names(names: Iterable[object]) -> list[str]:
    """The names an expression can refer to: identifiers that are neither Python keywords nor
    the whitelisted functions and constants (data columns named ``log`` or ``GDP growth``
    simply cannot be used in an expression, and do not make it fail)."""
    return [n for n in names if isinstance(n, str) and n.isidentifier()
            and not keyword.iskeyword(n) and n not in FUNCTIONS and n not in _CONSTANTS
            and not n.startswith("__")]


def parse_expression(
    text: str,
    names: Iterable[str] | None,
    *,
    symbols: Mapping[str, sp.Symbol] | None = None,
) -> sp.Expr:
    """Parse ``text`` into a sympy expression over the declared ``names`` only.

    Parameters
    ----------
    text : str
        The expression, Python syntax; ``^`` is read as power.
    names : iterable of str or None
        Every name the expression may use (inputs and parameters). ``None``: any identifier
        not beginning with ``_`` becomes a real symbol (the whitelist of operations and
        functions still applies).
    symbols : mapping, optional
        Symbols to use for some names (for example positive real symbols); others are created as
        real symbols.

    Raises
    ------
    ExpressionError
        If the string is not a valid expression, uses anything outside the whitelist, exceeds
        the size bounds, divides by zero or has a constant part that overflows.
    """
    if not isinstance(text, str):
        raise IntelcapTypeError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH:,} characters "
                              f"({len(text):,})")
    table: dict[str, sp.Symbol] = {}
    if names is not None:
        for n in names:
            if not isinstance(n, str) or not n.isidentifier() or keyword.iskeyword(n):
                raise ExpressionError(f"{n!r} is not a valid name")
            if n in FUNCTIONS:
                raise ExpressionError(f"name {n!r} clashes with the function of the same name")
            table[n] = sp.Symbol(n, real=True)
    if symbols:
        table.update(symbols)
    tree = _parse_tree(text.replace("^", "**").strip())
    if names is None:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and node.id not in table
                    and node.id not in FUNCTIONS and node.id not in _CONSTANTS):
                if node.id.startswith("_"):
                    raise ExpressionError(f"name {node.id!r} is not allowed (names may not "
                                          f"begin with '_'), in {text!r}")
                table[node.id] = sp.Symbol(node.id, real=True)
    expr = _build(tree, table, text)
    # integers beyond 2**53 would be compiled as Python integers that numpy cannot combine with
    # float arrays (99**99 * K): keep them as floating-point numbers
    big = {i: sp.Float(i) for i in expr.atoms(sp.Integer) if abs(int(i)) >= 2**53}
    return expr.xreplace(big) if big else expr


def parse_formula(
    text: str, names: Iterable[str] | None, *, symbols: Mapping[str, sp.Symbol] | None = None
) -> tuple[sp.Expr, sp.Expr]:
    """Parse ``"lhs ~ rhs"`` into two sympy expressions (see :func:`parse_expression`)."""
    if not isinstance(text, str):
        raise IntelcapTypeError(f"formula must be a string, got {type(text).__name__}")
    parts = text.split("~")
    if len(parts) != 2:
        raise ExpressionError(f"formula {text!r} must have exactly one '~' (as in 'Y ~ A*K**a')")
    lhs, rhs = parts
    names = None if names is None else list(names)
    return parse_expression(lhs, names, symbols=symbols), parse_expression(rhs, names,
                                                                           symbols=symbols)


# ------------------------------------------------------------------------------------------
# Wilkinson formulas (formulaic, linearmodels)
# ------------------------------------------------------------------------------------------
#: Names a restricted Wilkinson formula may call besides the data columns: transforms
#: formulaic provides (``C`` categorical, ``I`` arithmetic, ``center``, ``scale``,
#: ``standardize``, ``poly``), numpy's elementwise functions as ``np.NAME`` or bare, and
#: linearmodels' effect names.
FORMULA_FUNCTIONS: frozenset[str] = frozenset({
    "C", "I", "center", "scale", "standardize", "poly",
    "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs", "square",
})
_FORMULA_NAMES = frozenset({"EntityEffects", "TimeEffects", "FixedEffects"})
_FORMULA_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitOr, ast.BitXor,
                ast.MatMult)


def check_formula(text: str, columns: Iterable[object]) -> None:
    """Refuse a Wilkinson formula that could run code when formulaic evaluates its terms.

    Allowed: the data ``columns`` (identifiers), numbers, ``~ + - * / : ** ^ | ( ) [ ]`` and
    ``,``, the calls in :data:`FORMULA_FUNCTIONS` (bare or as ``np.NAME``/``numpy.NAME``)
    with positional arguments, and ``EntityEffects``/``TimeEffects``/``FixedEffects``.
    Refused: any other name or attribute, strings, ``{...}`` Python blocks, backquoted names,
    keywords, subscripts, lambdas, comprehensions; powers of constants and nested powers (which
    Python would compute to any size) and exponents larger than :data:`MAX_EXPONENT`.

    Raises
    ------
    ExpressionError
        Naming the refused part.
    """
    if not isinstance(text, str):
        raise IntelcapTypeError(f"formula must be a string, got {type(text).__name__}")
    if "`" in text or "{" in text or "}" in text:
        raise ExpressionError(f"formula {_short(text)!r}: backquoted names and {{...}} Python "
                              "blocks are not allowed in a restricted formula (rename the "
                              "column, or pass restricted=False for trusted formulas)")
    if text.count("~") > 2:
        raise ExpressionError(f"formula {_short(text)!r} has too many '~'")
    # '~' and ':' are not Python operators: map them to ones of the same shape
    py = text.replace("~", "==").replace(":", "*")
    tree = _parse_tree(py, "formula")
    allowed = set(usable_names(columns)) | set(_FORMULA_NAMES)
    allowed |= {c for c in columns if isinstance(c, str) and c.isidentifier()
                and not keyword.iskeyword(c) and not c.startswith("__")}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load, ast.expr_context, ast.operator,
                             ast.unaryop, ast.cmpop)):
            continue
        if isinstance(node, ast.Compare):
            if not all(isinstance(o, ast.Eq) for o in node.ops):
                raise ExpressionError(f"comparison in formula {_short(text)!r} is not allowed")
            continue
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _FORMULA_OPS):
                raise ExpressionError(f"operator {type(node.op).__name__} is not allowed in "
                                      f"formula {_short(text)!r}")
            if isinstance(node.op, ast.Pow):
                _check_formula_power(node, text)
            continue
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator {type(node.op).__name__} is not allowed in "
                                      f"formula {_short(text)!r}")
            continue
        if isinstance(node, (ast.List, ast.Tuple)):
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"constant {node.value!r} is not allowed in formula "
                                      f"{_short(text)!r}")
            continue
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) \
                    and fn.value.id in ("np", "numpy") and fn.attr in FORMULA_FUNCTIONS:
                pass
            elif not (isinstance(fn, ast.Name) and fn.id in FORMULA_FUNCTIONS):
                what = ast.unparse(fn)[:40]
                raise ExpressionError(f"call of {what!r} is not allowed in formula "
                                      f"{_short(text)!r}; allowed: {sorted(FORMULA_FUNCTIONS)}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise ExpressionError(f"keyword or starred arguments are not allowed in "
                                      f"formula {_short(text)!r}")
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id
            want = 2 if name == "poly" else 1   # (a second numpy argument would be `out=`)
            if len(node.args) != want:
                raise ExpressionError(f"{name}() takes {want} argument(s) in a formula, got "
                                      f"{len(node.args)}, in {_short(text)!r}")
            continue
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy") \
                    and node.attr in FORMULA_FUNCTIONS:
                continue
            raise ExpressionError(f"attribute access (.{node.attr}) is not allowed in formula "
                                  f"{_short(text)!r}")
        if isinstance(node, ast.Name):
            if node.id in allowed or node.id in FORMULA_FUNCTIONS or node.id in ("np", "numpy"):
                continue
            raise ExpressionError(f"unknown name {node.id!r} in formula {_short(text)!r}: "
                                  "not a data column")
        raise ExpressionError(f"{type(node).__name__} is not allowed in formula "
                              f"{_short(text)!r}")


def _check_formula_power(node: ast.BinOp, text: str) -> None:
    def has_pow(n: ast.AST) -> bool:
        return any(isinstance(x, ast.BinOp) and isinstance(x.op, ast.Pow) for x in ast.walk(n))

    def constant(n: ast.AST) -> bool:
        return not any(isinstance(x, ast.Name) for x in ast.walk(n))

    if has_pow(node.right) or (constant(node.left) and has_pow(node.left)):
        raise ExpressionError(f"nested powers are not allowed in formula {_short(text)!r}")
    if constant(node.right):
        for x in ast.walk(node.right):
            if isinstance(x, ast.Constant) and isinstance(x.value, (int, float)) \
                    and abs(x.value) > MAX_EXPONENT:
                raise ExpressionError(f"exponent {x.value!r} is too large (at most "
                                      f"{MAX_EXPONENT}) in formula {_short(text)!r}")
