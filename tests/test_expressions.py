"""Safety of user expressions: nothing in a user string is ever executed."""

from __future__ import annotations

import pytest
import sympy as sp

from intelcap._expressions import parse_expression, parse_formula
from intelcap.exceptions import ExpressionError, IntelcapError

NAMES = ["Y", "A", "K", "L", "alpha"]

UNSAFE = [
    "__import__('os').system('echo pwned')",
    "K.__class__",
    "(lambda x: x)(K)",
    "A * os",
    "eval('1')",
    "open('/etc/passwd')",
    "K[0]",
    "[k for k in K]",
    "'text'",
    "exp(x=K)",
    "K if A else L",
    "A and K",
    "K @ L",
    "getattr(K, 'x')",
]


@pytest.mark.parametrize("text", UNSAFE)
def test_unsafe_strings_raise(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExpressionError):
        parse_expression(text, NAMES)
    assert not any(tmp_path.iterdir())


def test_error_is_intelcap_and_value_error():
    with pytest.raises(IntelcapError, match="unknown name 'beta'"):
        parse_expression("A * K**beta", NAMES)
    with pytest.raises(ValueError):
        parse_expression("A * K**beta", NAMES)


def test_parses_cobb_douglas_exactly():
    expr = parse_expression("A * K^alpha * L**(1 - alpha)", NAMES)
    A, K, L, a = (sp.Symbol(n, real=True) for n in ("A", "K", "L", "alpha"))
    assert sp.simplify(expr - A * K**a * L ** (1 - a)) == 0


def test_formula_and_functions():
    lhs, rhs = parse_formula("log(Y) ~ log(A) + alpha*ln(K) + exp(-L) + min(K, L)", NAMES)
    assert lhs == sp.log(sp.Symbol("Y", real=True))
    assert rhs.has(sp.Min)
    with pytest.raises(ExpressionError, match="exactly one"):
        parse_formula("Y = A*K", NAMES)
