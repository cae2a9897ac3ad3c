"""The symbolic core of :mod:`intelcap.production`: :class:`ProductionFunction`.

A production function is a sympy expression for output :math:`Y` in named *inputs* (positive
real symbols) and named *parameters* (real symbols), plus the parameter values known so far. Every
derived quantity is obtained exactly by sympy differentiation and evaluated numerically through
:func:`sympy.lambdify` to numpy, compiled once per quantity and cached (the cache is shared by all
objects derived from the same expression with :meth:`ProductionFunction.with_values`):

.. math::

    MP_i = \\frac{\\partial Y}{\\partial x_i}, \\qquad
    \\varepsilon_i = \\frac{\\partial \\ln Y}{\\partial \\ln x_i}, \\qquad
    RTS = \\sum_{i \\in \\text{factors}} \\varepsilon_i .

Hard thresholds are written with ``Heaviside(s - tau, 0)`` (so :math:`G = 1(s > \\tau)`); its
derivative, a Dirac delta at :math:`s = \\tau`, is set to zero: derived quantities of a step
form are *regime-wise* (the value inside the regime the point lies in), as is usual for threshold
models (Hansen 2000). At :math:`s = \\tau` exactly the lower regime applies.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import sympy as sp
from scipy.special import expit as _np_expit
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import NumPyPrinter

from intelcap._expressions import parse_expression
from intelcap._validation import check_choice, check_columns, require_aligned
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    MissingDataError,
    ParameterError,
    SpecificationError,
)

__all__ = [
    "Expit",
    "ProductionFunction",
    "StartValues",
    "from_expression",
    "input_symbol",
    "lambdify",
    "latex",
    "parameter_symbol",
]

ArrayLike = Any
SubstitutionKind = Literal["allen", "hicks", "morishima"]


# ----------------------------------------------------------------------------------------------
# symbols, special functions, printing
# ----------------------------------------------------------------------------------------------


def input_symbol(name: str) -> sp.Symbol:
    """The sympy symbol of an input: positive real (inputs of production are positive)."""
    return sp.Symbol(name, positive=True)


def parameter_symbol(name: str) -> sp.Symbol:
    """The sympy symbol of a parameter: real."""
    return sp.Symbol(name, real=True)


class Expit(sp.Function):
    """The logistic function :math:`\\Lambda(u) = 1 / (1 + e^{-u})` as a sympy function.

    Kept as its own function (not ``1/(1+exp(-u))``) so that derivatives stay in the stable form
    :math:`\\Lambda'(u) = \\Lambda(u)(1 - \\Lambda(u))` and numeric evaluation uses
    :func:`scipy.special.expit`, which neither overflows nor returns ``nan`` for steep slopes.
    Plain :func:`sympy.lambdify` picks the implementation up through ``_imp_``.
    """

    _imp_ = staticmethod(_np_expit)

    @classmethod
    def eval(cls, arg):  # noqa: D102
        if arg.is_Number:
            if arg is sp.oo:
                return sp.S.One
            if arg is sp.S.NegativeInfinity:
                return sp.S.Zero
            return 1 / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex: int = 1):  # noqa: D102
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        inner = printer._print(self.args[0])
        tex = rf"\Lambda\left({inner}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


def _split_difference(a: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Write ``a`` as ``lhs - rhs`` with the negative terms in ``rhs`` (for ``a > 0``)."""
    if isinstance(a, sp.Add):
        pos = [t for t in a.args if not t.could_extract_minus_sign()]
        neg = [-t for t in a.args if t.could_extract_minus_sign()]
        if pos and neg:
            return sp.Add(*pos), sp.Add(*neg)
    return a, sp.S.Zero


class _Printer(NumPyPrinter):
    """NumPy printer that keeps ``Heaviside`` as ``numpy.heaviside`` (not a ``select``)."""

    def _print_Heaviside(self, expr):
        arg = self._print(expr.args[0])
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        if h0 == 0:  # 1(a > b): a comparison is several times faster than numpy.heaviside
            lhs, rhs = _split_difference(expr.args[0])
            return (f"{self._module_format('numpy.greater')}({self._print(lhs)}, "
                    f"{self._print(rhs)}).astype(float)")
        return f"{self._module_format('numpy.heaviside')}({arg}, {self._print(sp.Float(h0))})"

    def _print_erf(self, expr):
        return f"{self._module_format('scipy.special.erf')}({self._print(expr.args[0])})"

    def _print_Expit(self, expr):
        return f"{self._module_format('scipy.special.expit')}({self._print(expr.args[0])})"


class _Latex(LatexPrinter):
    def _print_Symbol(self, expr, style="plain"):
        if expr.name.endswith("_star") and len(expr.name) > 5:  # C_star -> C^{*}
            return f"{super()._print_Symbol(sp.Symbol(expr.name[:-5]), style)}^{{*}}"
        return super()._print_Symbol(expr, style)

    def _print_Heaviside(self, expr, exp=None):
        lhs, rhs = _split_difference(expr.args[0])
        rel = ">" if len(expr.args) > 1 and expr.args[1] == 0 else r"\geq"
        tex = rf"\mathbb{{1}}\left({self._print(lhs)} {rel} {self._print(rhs)}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


def latex(expr: sp.Expr) -> str:
    """LaTeX of an intelcap expression (indicator functions printed as :math:`1(s > \\tau)`)."""
    return _Latex().doprint(expr)


def lambdify(args: Sequence[sp.Symbol], expr: Any, cse: bool = True) -> Callable:
    """:func:`sympy.lambdify` to numpy with intelcap's printer (fast Heaviside, stable logistic).

    Other modules (for example nonlinear least squares) should compile intelcap expressions with
    this function so that steps and logistic transitions evaluate quickly and stably.
    """
    return sp.lambdify(list(args), expr, modules=[{"functools": functools}, "scipy", "numpy"],
                       printer=_Printer, cse=cse)


def _zero_dirac(expr: sp.Expr) -> sp.Expr:
    """Replace every Dirac delta (derivative of a step) by zero: regime-wise derivatives."""
    if expr.has(sp.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return expr


# ----------------------------------------------------------------------------------------------
# data at the boundary
# ----------------------------------------------------------------------------------------------


class _Data:
    """Input columns as float arrays, plus the caller's index (``None`` for numpy input)."""

    __slots__ = ("arrays", "index", "n", "shape")

    def __init__(self, arrays: list[np.ndarray], index: pd.Index | None, shape: tuple):
        self.arrays = arrays
        self.index = index
        self.shape = shape
        self.n = int(np.prod(shape)) if shape else 1


def _as_float(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name} is not numeric") from None
    return arr


def _label(index: pd.Index | None, arr: np.ndarray, pos: int) -> Any:
    label = index[pos] if index is not None and arr.ndim == 1 else pos
    return label.item() if isinstance(label, np.generic) else label


def _check_values(arr: np.ndarray, name: str, index: pd.Index | None, positive: bool) -> None:
    if arr.size:
        lo, hi = arr.min(), arr.max()  # two reductions; NaN propagates into both
        if np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or not positive):
            return
    finite = np.isfinite(arr)
    if not finite.all():
        bad = ~finite
        pos = int(np.flatnonzero(bad.ravel())[0])
        kind = "NaN" if np.isnan(arr[bad]).any() else "infinite value"
        raise MissingDataError(
            f"{name} has {int(bad.sum())} {kind}(s), first at row {_label(index, arr, pos)!r} "
            f"(position {pos})"
        )
    if positive:
        bad = arr <= 0
        if bad.any():
            pos = int(np.flatnonzero(bad.ravel())[0])
            raise DataError(
                f"{name} must be positive (logs and powers of inputs are taken); value "
                f"{float(arr.ravel()[pos])!r} at row {_label(index, arr, pos)!r} (position {pos})"
            )


# ----------------------------------------------------------------------------------------------
# the production function
# ----------------------------------------------------------------------------------------------

ParamCheck = Callable[[Mapping[str, float]], None]


class StartValues(dict):
    """Data-based start values of a form's parameters (``name -> float``), with their rule.

    Returned by :meth:`ProductionFunction.start_values`; ``method`` says in words which rule
    produced them (shown by estimators as the start method).
    """

    def __init__(self, values: Mapping[str, float] | None = None, method: str = "") -> None:
        super().__init__({k: float(v) for k, v in (values or {}).items()})
        self.method = method


def log_linear(y: Any, columns: Mapping[str, Any]) -> dict[str, float] | None:
    """OLS coefficients of :math:`\\ln y` on a constant and the columns (already transformed).

    Columns with no variation (a constant input, whose log is constant) are left out, and so get
    no coefficient. Returns ``{"const": ..., name: ...}``, or ``None`` when the design is
    rank-deficient (collinear columns) or has fewer rows than coefficients. A start-value helper:
    least squares by a rank-revealing QR, no standard errors.
    """
    ly = np.log(np.asarray(y, dtype=float))
    names, cols = [], [np.ones_like(ly)]
    for k, v in columns.items():
        v = np.broadcast_to(np.asarray(v, dtype=float), ly.shape)
        if np.ptp(v) > 0:
            names.append(k)
            cols.append(v)
    x = np.column_stack(cols)
    if x.shape[0] <= x.shape[1] or not np.all(np.isfinite(x)) or not np.all(np.isfinite(ly)):
        return None
    q, r = np.linalg.qr(x)
    d = np.abs(np.diag(r))
    if d.min() <= d.max() * x.shape[0] * np.finfo(float).eps * 1e3:
        return None
    beta = np.linalg.solve(r, q.T @ ly)
    return dict(zip(["const", *names], beta.tolist(), strict=True))


def _describe(key: Any) -> str:
    names = {"Y": "output", "MP": "marginal product", "E": "elasticity",
             "MPs": "a marginal product", "Es": "an elasticity",
             "all": "output or an elasticity", "RTS": "returns to scale",
             "shares": "a factor share", "GH": "a first or second derivative"}
    if isinstance(key, tuple):
        head = names.get(key[0], str(key[0]))
        return f"{head} of {key[1]!r}" if key[0] in ("MP", "E") else head
    return names.get(key, str(key))


class ProductionFunction:
    """A production function :math:`Y = F(x; \\theta)` held as a sympy expression.

    Parameters
    ----------
    expr : sympy.Expr or str
        Output :math:`Y` in the input and parameter symbols. A string is parsed by the one
        restricted parser, :func:`intelcap._expressions.parse_expression` (numbers, the
        declared names, arithmetic and whitelisted functions only; nothing is evaluated).
    inputs : sequence of str
        Input (variable) names, in order. Their symbols are positive reals.
    parameters : sequence of str, optional
        Parameter names; default every other free symbol of ``expr``, sorted.
    values : mapping, optional
        Known parameter values (may be partial; missing ones are passed at evaluation).
    symbols : mapping, optional
        ``name -> Symbol`` for inputs/parameters; default :func:`input_symbol` /
        :func:`parameter_symbol`.
    factors : sequence of str, optional
        The inputs that are factors of production (summed in returns to scale, used in
        elasticities of substitution and factor shares). Default all inputs. A threshold variable
        that is not itself a factor (an IC share, the compute/data/algorithm ratios of an
        emergence transition) is an input but not a factor.
    name : str
        Name of the output (the name of the returned Series).
    display : sympy.Expr, optional
        A mathematically equal expression shown in LaTeX instead of ``expr`` (for example the
        textbook CES when ``expr`` is its numerically stable rewriting).
    signed : sequence of str, optional
        Inputs that may be zero or negative (a time trend :math:`t`); all others must be
        positive. A signed input should have a real (not positive) symbol.

    Attributes
    ----------
    expr : sympy.Expr
    inputs : tuple of str
    parameters : tuple of str
        All parameters appearing in ``expr``.
    values : dict
        ``name -> float`` for the parameters whose value is known.
    symbols : dict
        ``name -> sympy.Symbol`` for every input and parameter.
    factors : tuple of str

    Notes
    -----
    Evaluation methods take ``data``: a :class:`pandas.DataFrame` whose columns are exactly the
    inputs, or a mapping ``name -> array/Series/scalar``. pandas input gives pandas output with the
    caller's index; numpy input gives numpy output. Missing or extra columns, misaligned indexes,
    NaN and non-positive inputs raise :class:`~intelcap.exceptions.DataError` (or
    :class:`~intelcap.exceptions.MissingDataError`) naming the column. Parameter values passed as
    keyword arguments override ``values`` for that call.
    """

    def __init__(
        self,
        expr: sp.Expr,
        inputs: Sequence[str],
        parameters: Sequence[str] | None = None,
        values: Mapping[str, float] | None = None,
        *,
        symbols: Mapping[str, sp.Symbol] | None = None,
        factors: Sequence[str] | None = None,
        name: str = "Y",
        display: sp.Expr | None = None,
        checks: Sequence[ParamCheck] = (),
        positive: bool = True,
        where: str | None = None,
        signed: Sequence[str] = (),
    ) -> None:
        if isinstance(inputs, str):
            inputs = (inputs,)
        inputs = tuple(str(x) for x in inputs)
        if not inputs:
            raise SpecificationError("a production function needs at least one input")
        if len(set(inputs)) != len(inputs):
            raise SpecificationError(f"inputs {list(inputs)} contain duplicates")
        if isinstance(expr, str):
            # never sympify user text: the restricted parser, over the declared names
            names = None if parameters is None else [*inputs, *map(str, parameters)]
            pre = {x: input_symbol(x) for x in inputs}
            if parameters is not None:
                pre.update({str(p): parameter_symbol(str(p)) for p in parameters})
            pre.update(symbols or {})
            expr = parse_expression(expr, names, symbols=pre)
        elif isinstance(expr, (int, float)) and not isinstance(expr, bool):
            expr = sp.Float(expr) if isinstance(expr, float) else sp.Integer(expr)
        elif not isinstance(expr, sp.Expr):
            raise IntelcapTypeError(f"expr must be a sympy expression or a string, got "
                                    f"{type(expr).__name__}")
        table: dict[str, sp.Symbol] = dict(symbols or {})
        free = {s.name: s for s in expr.free_symbols}
        for x in inputs:
            table.setdefault(x, free.get(x, input_symbol(x)))
        if parameters is None:
            parameters = sorted(n for n in free if n not in inputs)
        parameters = tuple(str(p) for p in parameters)
        clash = set(parameters) & set(inputs)
        if clash:
            raise SpecificationError(f"name(s) {sorted(clash)} are both inputs and parameters")
        undeclared = sorted(set(free) - set(inputs) - set(parameters))
        if undeclared:
            raise SpecificationError(
                f"expression uses undeclared name(s) {undeclared}; declare them as inputs or "
                "parameters"
            )
        # keep only the parameters that appear, in declared order
        parameters = tuple(p for p in parameters if p in free)
        for p in parameters:
            table.setdefault(p, free[p])
        self.expr: sp.Expr = expr
        self.inputs: tuple[str, ...] = inputs
        self.parameters: tuple[str, ...] = parameters
        self.symbols: dict[str, sp.Symbol] = {n: table[n] for n in inputs + parameters}
        if factors is None:
            factors = inputs
        factors = tuple(factors)
        unknown = [f for f in factors if f not in inputs]
        if unknown:
            raise SpecificationError(f"factor(s) {unknown} are not inputs {list(inputs)}")
        self.factors: tuple[str, ...] = factors
        self.name = name
        self._display = display
        self._where = where
        self._checks: tuple[ParamCheck, ...] = tuple(checks)
        self._positive = positive
        signed = (signed,) if isinstance(signed, str) else tuple(str(x) for x in signed)
        unknown = [x for x in signed if x not in inputs]
        if unknown:
            raise SpecificationError(f"signed input(s) {unknown} are not inputs {list(inputs)}")
        self.signed: tuple[str, ...] = signed
        self._cache: dict[Any, Any] = {}
        self._special: dict[Any, ProductionFunction] = {}
        self.values: dict[str, float] = {}
        if values:
            self.values = self._merge_values(values, {})
            self._run_checks(self.values)

    # ------------------------------------------------------------------ parameters
    def _merge_values(self, base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict:
        out = dict(base)
        for k, v in {**extra}.items():
            out[k] = v
        res: dict[str, float] = {}
        for k, v in out.items():
            if k not in self.parameters:
                raise ParameterError(
                    f"{k!r} is not a parameter of this production function; its parameters are "
                    f"{list(self.parameters)}"
                )
            if v is None:
                continue
            try:
                fv = float(v)
            except (TypeError, ValueError):
                raise ParameterError(f"parameter {k!r} must be a number, got {v!r}") from None
            if math.isnan(fv):
                raise ParameterError(f"parameter {k!r} is NaN")
            res[k] = fv
        return res

    def _run_checks(self, values: Mapping[str, float]) -> None:
        for check in self._checks:
            check(values)
        for k, v in values.items():
            if math.isinf(v) and not self._allows_infinite(k, v):
                raise ParameterError(f"parameter {k!r} is infinite ({v})")

    def _allows_infinite(self, name: str, value: float) -> bool:
        return False

    def with_values(self, **params: float) -> ProductionFunction:
        """A new production function with these parameter values set (others kept)."""
        new = copy.copy(self)
        new.values = self._merge_values(self.values, params)
        new._run_checks(new.values)
        return new

    def start_values(self, data: pd.DataFrame, y: Any,
                     known: Mapping[str, float] | None = None) -> StartValues:
        """Data-based start values for estimating this form's parameters.

        Each form brings its own rule (Cobb-Douglas and translog: their log-linear OLS; CES: the
        Kmenta approximation; nested CES, the intelligent-capital forms: see their classes). A
        general expression has none: this default returns no values, and an estimator asks for
        them in ``start=``. Estimators call it only for the parameters that neither the user
        (``start=``, ``fixed=``) nor the form's ``values`` give.

        Parameters
        ----------
        data : DataFrame
            The inputs (at least those of the form).
        y : array-like
            Output, positive, aligned with ``data``.
        known : mapping, optional
            Parameter values already decided (held fixed or started by the user); a rule uses
            them where they matter (a CES rule with a known ``nu``).

        Returns
        -------
        StartValues
            ``name -> value`` for the parameters the rule can start (may be partial or empty).
        """
        return StartValues({}, method="none (a general expression: pass start=)")

    def _specialise(self, values: Mapping[str, float]) -> ProductionFunction | None:
        """Return an equivalent object for special values (CES limits) or ``None``."""
        return None

    def _resolve(self, params: Mapping[str, float]) -> tuple[ProductionFunction, list[float]]:
        values = self._merge_values(self.values, params)
        self._run_checks(values)
        special = self._specialise(values)
        if special is not None:
            return special._resolve({k: v for k, v in values.items() if k in special.parameters})
        missing = [p for p in self.parameters if p not in values]
        if missing:
            raise ParameterError(
                f"parameter(s) {missing} have no value; pass them as keyword arguments or set them "
                "with .with_values(...)"
            )
        return self, [values[p] for p in self.parameters]

    # ------------------------------------------------------------------ symbolic quantities
    def _symbol(self, x: str) -> sp.Symbol:
        if x not in self.inputs:
            raise SpecificationError(f"{x!r} is not an input; inputs are {list(self.inputs)}")
        return self.symbols[x]

    @property
    def log_expr(self) -> sp.Expr:
        """:math:`\\ln Y`, with logs of products expanded (inputs are positive)."""
        key = ("log",)
        if key not in self._cache:
            self._cache[key] = sp.expand_log(sp.log(self.expr), force=True)
        return self._cache[key]

    def marginal_product_expr(self, x: str) -> sp.Expr:
        """Symbolic marginal product :math:`\\partial Y / \\partial x` (regime-wise at steps)."""
        key = ("mp_expr", x)
        if key not in self._cache:
            self._cache[key] = _zero_dirac(sp.diff(self.expr, self._symbol(x)))
        return self._cache[key]

    def elasticity_expr(self, x: str) -> sp.Expr:
        """Symbolic output elasticity :math:`\\partial \\ln Y / \\partial \\ln x`."""
        key = ("el_expr", x)
        if key not in self._cache:
            sym = self._symbol(x)
            self._cache[key] = _zero_dirac(sym * sp.diff(self.log_expr, sym))
        return self._cache[key]

    def returns_to_scale_expr(self) -> sp.Expr:
        """Symbolic returns to scale: the sum of the output elasticities of the factors."""
        return sp.Add(*[self.elasticity_expr(x) for x in self.factors])

    # ------------------------------------------------------------------ numeric machinery
    @property
    def _args(self) -> list[sp.Symbol]:
        return [self.symbols[n] for n in self.inputs + self.parameters]

    def _compiled(self, key: Any, build: Callable[[], Any]) -> Callable:
        ck = ("fn",) + (key if isinstance(key, tuple) else (key,))
        fn = self._cache.get(ck)
        if fn is None:
            fn = lambdify(self._args, build())
            self._cache[ck] = fn
        return fn

    def _prepare(self, data: Any) -> _Data:
        inputs = self.inputs
        if isinstance(data, pd.DataFrame):
            check_columns(data, inputs, what="data", allow_extra=False)
            cols = [str(c) for c in data.columns]
            if len(set(cols)) != len(cols):
                raise DataError(f"data has duplicated column names {cols}")
            index = data.index
            arrays = []
            for x in inputs:
                arr = _as_float(data[x].to_numpy(), f"column {x!r}")
                positive = self._positive and x not in self.signed
                _check_values(arr, f"column {x!r}", index, positive)
                arrays.append(arr)
            return _Data(arrays, index, (len(index),))
        if isinstance(data, pd.Series):
            raise IntelcapTypeError(
                "data must be a DataFrame or a mapping of input name -> array, got a Series; "
                "use series.to_frame() or {name: series}"
            )
        if isinstance(data, Mapping):
            keys = [str(k) for k in data]
            missing = [x for x in inputs if x not in keys]
            if missing:
                raise DataError(f"data is missing input(s) {missing}; it has {keys}")
            extra = [k for k in keys if k not in inputs]
            if extra:
                raise DataError(
                    f"data has unexpected entr(ies) {extra}; expected only the inputs "
                    f"{list(inputs)} (parameters are passed as keyword arguments)"
                )
            pandas = {x: data[x] for x in inputs if isinstance(data[x], (pd.Series, pd.DataFrame))}
            index = require_aligned(pandas) if pandas else None
            raw = {x: _as_float(data[x], f"input {x!r}") for x in inputs}
            shapes = {x: a.shape for x, a in raw.items()}
            try:
                shape = np.broadcast_shapes(*shapes.values())
            except ValueError:
                raise DataError(f"inputs have incompatible lengths/shapes {shapes}") from None
            if index is not None and shape != (len(index),):
                raise DataError(
                    f"inputs have shapes {shapes} but the pandas index has length {len(index)}"
                )
            arrays = []
            for x in inputs:
                _check_values(raw[x], f"input {x!r}", index,
                              self._positive and x not in self.signed)
                arrays.append(raw[x])
            return _Data(arrays, index, shape)
        raise IntelcapTypeError(
            "data must be a pandas DataFrame or a mapping of input name -> array, got "
            f"{type(data).__name__}"
        )

    @staticmethod
    def _full(value: Any, d: _Data) -> np.ndarray:
        arr = np.asarray(value, dtype=float)
        if arr.shape != d.shape:
            arr = np.broadcast_to(arr, d.shape).copy()
        return arr

    def _series(self, value: Any, d: _Data, name: str):
        arr = self._full(value, d)
        if d.index is None:
            return arr if arr.ndim else float(arr)
        if any(np.may_share_memory(arr, a) for a in d.arrays):
            arr = arr.copy()
        return pd.Series(arr, index=d.index, name=name, copy=False)

    def _frame(self, columns: Mapping[str, Any], d: _Data):
        if d.index is None:
            out = np.empty((*d.shape, len(columns)))
            for i, v in enumerate(columns.values()):
                out[..., i] = v
            return out
        # fresh result arrays are handed to pandas without a copy (one block per column);
        # constants are materialised, and an array that may share memory with an input is copied
        cols = {}
        for k, v in columns.items():
            arr = np.asarray(v, dtype=float)
            if arr.shape != d.shape:
                arr = np.full(d.shape, arr)
            elif any(np.may_share_memory(arr, a) for a in d.arrays):
                arr = arr.copy()
            cols[k] = arr
        return pd.DataFrame(cols, index=d.index, copy=False)

    def _eval(self, key: Any, build: Callable[[], Any], data: Any, params: Mapping[str, float],
              check: bool = True):
        target, pvals = self._resolve(params)
        d = target._prepare(data)
        fn = target._compiled(key, lambda: build(target))
        with np.errstate(all="ignore"):
            val = fn(*d.arrays, *pvals)
        if check:
            for v in (val if isinstance(val, list) else [val]):
                arr = np.asarray(v)
                if np.iscomplexobj(arr) and np.any(arr.imag != 0):
                    bad = np.broadcast_to(arr.imag != 0, d.shape)
                    pos = int(np.flatnonzero(bad.ravel())[0])
                    raise DataError(
                        f"{_describe(key)} is not real at {int(bad.sum())} row(s), first at row "
                        f"{_label(d.index, bad, pos)!r}: a root, log or power of a negative "
                        f"quantity of the input(s) {list(target.inputs)} (for example "
                        "sqrt(-K)); check the expression"
                    )
                if not np.isfinite(arr).all():
                    bad = ~np.isfinite(np.broadcast_to(arr, d.shape))
                    pos = int(np.flatnonzero(bad.ravel())[0])
                    raise DataError(
                        f"{_describe(key)} is not finite (NaN or infinite) at {int(bad.sum())} "
                        f"row(s), first at row {_label(d.index, bad, pos)!r}: the expression is "
                        "undefined or overflows there; check the inputs and parameter values"
                    )
        return val, d, target

    # ------------------------------------------------------------------ public evaluation
    def output(self, data: Any, **params: float):
        """Output :math:`Y` for every row of ``data``.

        Returns a Series named :attr:`name` with the caller's index (numpy input: an array).
        A result that is not finite (an undefined or overflowing expression) raises
        :class:`~intelcap.exceptions.DataError` naming the first such row, here and in every
        other evaluation method.
        """
        val, d, _ = self._eval("Y", lambda t: t.expr, data, params)
        return self._series(val, d, self.name)

    def _output_unchecked(self, data: Any, params: Mapping[str, float]) -> np.ndarray:
        """Output as an array, non-finite values allowed (for root searches over wide grids)."""
        val, d, _ = self._eval("Y", lambda t: t.expr, data, params, check=False)
        return self._full(val, d)

    def marginal_product(self, x: str, data: Any, **params: float):
        """Marginal product :math:`\\partial Y / \\partial x` (Series ``MP_x`` or array)."""
        self._symbol(x)
        val, d, _ = self._eval(("MP", x), lambda t: t.marginal_product_expr(x), data, params)
        return self._series(val, d, f"MP_{x}")

    def marginal_products(self, data: Any, **params: float):
        """Marginal products of every input (DataFrame with one column per input)."""
        val, d, t = self._eval(
            "MPs", lambda t: [t.marginal_product_expr(x) for x in t.inputs], data, params
        )
        return self._frame(dict(zip(t.inputs, val, strict=True)), d)

    def elasticity(self, x: str, data: Any, **params: float):
        """Output elasticity :math:`\\partial \\ln Y / \\partial \\ln x` (Series ``e_x``)."""
        self._symbol(x)
        val, d, _ = self._eval(("E", x), lambda t: t.elasticity_expr(x), data, params)
        return self._series(val, d, f"e_{x}")

    def elasticities(self, data: Any, **params: float):
        """Output elasticities of every input (DataFrame, columns = inputs; numpy: 2-D array)."""
        val, d, t = self._eval(
            "Es", lambda t: [t.elasticity_expr(x) for x in t.inputs], data, params
        )
        return self._frame(dict(zip(t.inputs, val, strict=True)), d)

    def evaluate(self, data: Any, **params: float):
        """Output and every output elasticity in one compiled pass (shared subexpressions).

        Returns a DataFrame with the output column (:attr:`name`) and one column ``e_<input>``
        per input (numpy input: 2-D array in that order).
        """
        val, d, t = self._eval(
            "all", lambda t: [t.expr] + [t.elasticity_expr(x) for x in t.inputs], data, params
        )
        names = [self.name] + [f"e_{x}" for x in t.inputs]
        return self._frame(dict(zip(names, val, strict=True)), d)

    def returns_to_scale(self, data: Any, **params: float):
        """Returns to scale: the sum of the factors' output elasticities."""
        val, d, _ = self._eval("RTS", lambda t: t.returns_to_scale_expr(), data, params)
        return self._series(val, d, "returns_to_scale")

    def factor_shares(self, data: Any, **params: float):
        """Competitive factor shares :math:`s_i = x_i MP_i / Y` and the residual (profit) share.

        Under competitive pricing every factor is paid its marginal product, so the share of
        factor :math:`i` equals its output elasticity; the column ``profit`` is
        :math:`1 - \\sum_i s_i` (zero under constant returns, negative under increasing returns).
        """
        val, d, t = self._eval(
            "shares", lambda t: [t.elasticity_expr(x) for x in t.factors], data, params
        )
        cols = dict(zip(t.factors, val, strict=True))
        total = sum(self._full(v, d) for v in val)
        cols["profit"] = 1.0 - total
        return self._frame(cols, d)

    def _gradient_hessian(self, data: Any, params: Mapping[str, float], names: Sequence[str]):
        def build(t):
            syms = [t.symbols[x] for x in names]
            grad = [_zero_dirac(sp.diff(t.expr, s)) for s in syms]
            hess = [_zero_dirac(sp.diff(g, s)) for g in grad for s in syms]
            return grad + hess

        val, d, _ = self._eval(("GH", *tuple(names)), build, data, params)
        k = len(names)
        grad = np.stack([self._full(v, d) for v in val[:k]], axis=-1)
        hess = np.stack([self._full(v, d) for v in val[k:]], axis=-1).reshape((*d.shape, k, k))
        xs = np.stack([self._full(d.arrays[self.inputs.index(x)], d) for x in names], axis=-1)
        return grad, hess, xs, d

    def elasticity_of_substitution(
        self, x1: str, x2: str, data: Any, kind: SubstitutionKind = "allen", **params: float
    ):
        """Elasticity of substitution between inputs ``x1`` and ``x2``.

        Parameters
        ----------
        x1, x2 : str
            Two different factors.
        data : DataFrame or mapping
        kind : {"allen", "hicks", "morishima"}
            ``"hicks"``: the direct (two-input) elasticity holding output and the other inputs
            fixed,

            .. math::

                \\sigma^{H}_{12} = -\\frac{f_1 f_2 (x_1 f_1 + x_2 f_2)}
                {x_1 x_2 (f_{11} f_2^2 - 2 f_{12} f_1 f_2 + f_{22} f_1^2)} .

            ``"allen"``: the Allen-Uzawa partial elasticity over all factors,
            :math:`\\sigma^{A}_{ij} = \\frac{\\sum_k x_k f_k}{x_i x_j} \\frac{|F_{ij}|}{|F|}`,
            with :math:`F` the Hessian bordered by the gradient and :math:`|F_{ij}|` the cofactor
            of :math:`f_{ij}` (Allen 1938). ``"morishima"``:
            :math:`M_{12} = S_2 (\\sigma^A_{12} - \\sigma^A_{22})` with
            :math:`S_2 = x_2 f_2 / \\sum_k x_k f_k` (Blackorby and Russell 1989): the response of
            :math:`x_1/x_2` to the price of :math:`x_2`; it is not symmetric. With two factors the
            three coincide. Derivatives are exact (sympy); the bordered-Hessian algebra is done
            numerically row by row.

        References
        ----------
        Blackorby, C. and Russell, R. R. (1989), "Will the real elasticity of substitution please
        stand up?", American Economic Review 79(4), 882-888.
        """
        check_choice("kind", kind, ("allen", "hicks", "morishima"))
        for x in (x1, x2):
            self._symbol(x)
            if x not in self.factors:
                raise SpecificationError(f"{x!r} is not a factor; factors are {list(self.factors)}")
        if x1 == x2:
            raise SpecificationError("x1 and x2 must be different inputs")
        if kind == "hicks":
            names = [x1, x2]
        else:
            names = list(self.factors)
        grad, hess, xs, d = self._gradient_hessian(data, params, names)
        i, j = names.index(x1), names.index(x2)
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "hicks":
                f1, f2 = grad[..., 0], grad[..., 1]
                f11, f12, f22 = hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1]
                a, b = xs[..., 0], xs[..., 1]
                den = a * b * (f11 * f2**2 - 2 * f12 * f1 * f2 + f22 * f1**2)
                sigma = -f1 * f2 * (a * f1 + b * f2) / den
            else:
                k = len(names)
                border = np.zeros((*d.shape, k + 1, k + 1))
                border[..., 0, 1:] = grad
                border[..., 1:, 0] = grad
                border[..., 1:, 1:] = hess
                try:
                    inv = np.linalg.inv(border)
                except np.linalg.LinAlgError:
                    raise DataError(
                        "the bordered Hessian is singular at some row; the Allen/Morishima "
                        "elasticity is undefined there"
                    ) from None
                total = (xs * grad).sum(axis=-1)
                allen_ij = total / (xs[..., i] * xs[..., j]) * inv[..., i + 1, j + 1]
                if kind == "allen":
                    sigma = allen_ij
                else:
                    allen_jj = total / (xs[..., j] ** 2) * inv[..., j + 1, j + 1]
                    share_j = xs[..., j] * grad[..., j] / total
                    sigma = share_j * (allen_ij - allen_jj)
        bad = ~np.isfinite(sigma)
        if bad.any():
            pos = int(np.flatnonzero(np.ravel(bad))[0])
            raise DataError(
                f"the {kind} elasticity of substitution between {x1!r} and {x2!r} is undefined "
                f"at {int(bad.sum())} row(s), first at row {_label(d.index, sigma, pos)!r}: a "
                "marginal product is zero there or the isoquant is not strictly convex"
            )
        return self._series(sigma, d, f"sigma_{x1}_{x2}")

    # ------------------------------------------------------------------ display
    def _latex_body(self) -> str:
        return latex(self._display if self._display is not None else self.expr)

    def _repr_latex_(self) -> str:
        body = f"{self.name} = {self._latex_body()}"
        if self._where:
            body += f", \\quad {self._where}"
        return f"$\\displaystyle {body}$"

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={v:g}" for k, v in self.values.items())
        return (
            f"{type(self).__name__}(Y = {self.expr}; inputs={list(self.inputs)}, "
            f"parameters={list(self.parameters)}" + (f", values: {vals}" if vals else "") + ")"
        )


# ----------------------------------------------------------------------------------------------
# user expressions
# ----------------------------------------------------------------------------------------------


_LHS = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:~|=(?!=))")


def from_expression(
    expr: str | sp.Expr,
    inputs: Sequence[str],
    params: Mapping[str, float | None] | Iterable[str],
    *,
    factors: Sequence[str] | None = None,
    name: str = "Y",
    positive: bool = True,
    signed: Sequence[str] = (),
) -> ProductionFunction:
    """Build a :class:`ProductionFunction` from a user expression.

    Parameters
    ----------
    expr : str or sympy.Expr
        Output as a function of inputs and parameters, e.g. ``"A * K**a * L**(1 - a)"``. A string
        is parsed by :func:`intelcap._expressions.parse_expression`: only numbers, the declared
        names, arithmetic and whitelisted functions (``exp``, ``log``, ``min``, ``Heaviside``,
        ...) are accepted; nothing is ever evaluated (no ``eval``/``sympify`` of user text).
        An optional left-hand side ``"Y = ..."`` or ``"Y ~ ..."`` is allowed and names the output.
    inputs : sequence of str
        Input names (positive reals).
    params : mapping or sequence of str
        Parameter names, optionally with values (``None`` for unknown).
    factors : sequence of str, optional
        Inputs that are factors of production (default all).
    name : str
        Output name (overridden by a left-hand side in ``expr``).
    positive : bool
        Require strictly positive inputs at evaluation (default; logs and powers are taken).
    signed : sequence of str, optional
        Inputs that may be zero or negative (a time trend); their symbols are real, not positive.

    Raises
    ------
    ExpressionError
        Unsafe or unparsable expression, or undeclared names.
    SpecificationError
        A declared parameter that does not appear in the expression.
    """
    if isinstance(inputs, str):
        inputs = (inputs,)
    inputs = tuple(inputs)
    if isinstance(params, Mapping):
        pnames = tuple(params)
        pvalues = {k: v for k, v in params.items() if v is not None}
    else:
        if isinstance(params, str):
            params = (params,)
        pnames = tuple(params)
        pvalues = {}
    dup = set(inputs) & set(pnames)
    if dup:
        raise SpecificationError(f"name(s) {sorted(dup)} declared both as inputs and parameters")
    signed = (signed,) if isinstance(signed, str) else tuple(signed)
    table = {x: (sp.Symbol(x, real=True) if x in signed else input_symbol(x)) for x in inputs}
    table.update({p: parameter_symbol(p) for p in pnames})
    if isinstance(expr, str):
        text = expr
        lhs = _LHS.match(text)
        if lhs:
            name, text = lhs.group(1), text[lhs.end():]
        parsed = parse_expression(text, list(inputs) + list(pnames), symbols=table)
    elif isinstance(expr, sp.Expr):
        parsed = expr.xreplace({s: table[s.name] for s in expr.free_symbols if s.name in table})
    else:
        raise IntelcapTypeError(
            f"expr must be a string or a sympy expression, got {type(expr).__name__}"
        )
    names = {s.name for s in parsed.free_symbols}
    unused = [p for p in pnames if p not in names]
    if unused:
        raise SpecificationError(f"parameter(s) {unused} do not appear in the expression")
    return ProductionFunction(
        parsed, inputs, pnames, pvalues, symbols=table, factors=factors, name=name,
        positive=positive, signed=signed,
    )
