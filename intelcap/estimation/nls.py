"""Nonlinear least squares from an expression string, with an analytic Jacobian.

:func:`nls` and :class:`NLS` fit

.. math::

    \\hat\\theta = \\arg\\min_\\theta \\sum_{i=1}^n e_i(\\theta)^2, \\qquad
    e_i(\\theta) = \\mathrm{lhs}(x_i) - f(x_i; \\theta),

where ``"lhs ~ f"`` is a user expression such as ``"y ~ b1*(1 - exp(-b2*x))"``. The string is
parsed by :func:`intelcap._expressions.parse_formula` (an AST whitelist; the text is never
evaluated). The Jacobian :math:`J_{ij} = \\partial e_i / \\partial\\theta_j` is derived exactly by
sympy and compiled once with :func:`sympy.lambdify` (common subexpressions eliminated). Before
compiling, every sub-expression that involves data only (``log(K)``, ``x**2``, ...) is evaluated
once per fit, and a power ``X**theta`` of a strictly positive data column is rewritten as
``exp(theta * log X)`` with ``log X`` precomputed, so an iteration only recomputes what depends on
the parameters.

The minimisation is :func:`scipy.optimize.least_squares` with Jacobian-based variable scaling
(``x_scale="jac"``): MINPACK Levenberg-Marquardt without bounds, trust-region reflective with
bounds. For long data (at least 20,000 rows, ``method="auto"``, no bounds) a Levenberg-Marquardt
iteration on the p x p cross-product of the Jacobian replaces MINPACK (whose unblocked QR of the
n x p Jacobian in every iteration dominates there); it stops on the diagnostics' own criterion
below, falls back to MINPACK when it cannot proceed, and its answer is checked exactly like any
other. The residual and the Jacobian are compiled into one function (shared subexpressions),
evaluated in cache-sized row blocks and cached by parameter vector.

If the optimiser's answer fails the convergence criteria below, plain Gauss-Newton steps refine it,
then the other method (trust region after Levenberg-Marquardt and vice versa) is run from it, and
the whole is restarted from the best point while that keeps improving the fit. The numerical
settings live in :class:`OptimizerConfig`.

Convergence diagnostics
-----------------------
An optimiser that merely stopped has not necessarily converged. intelcap declares convergence
only when all of the following hold at the returned point (otherwise ``converged`` is False and a
:class:`~intelcap.exceptions.ConvergenceWarning` names the failed condition):

1. the last optimiser run ended on one of its tolerance tests, not on the evaluation limit;
2. the Jacobian is finite and of full column rank: after scaling its columns to unit length, its
   reciprocal condition number exceeds ``OptimizerConfig.rank_rtol``;
3. the first-order condition holds in the scale-free form of Bates and Watts (1981), the
   *relative offset*

   .. math::

       \\mathrm{RO} = \\frac{\\lVert Q_1' e \\rVert / \\sqrt{p}}
                            {\\lVert Q_2' e \\rVert / \\sqrt{n - p}} \\le \\mathrm{tol},

   with :math:`J = [Q_1\\,Q_2] R` the QR decomposition: the component of the residual vector in
   the tangent plane of the expectation surface must be negligible relative to the residual
   standard error (for an exact fit the residual itself must vanish to rounding).
   A plateau where the optimiser stalls without satisfying it, a point that drifts to infinity
   along a flat direction (where the Jacobian loses rank) and a run stopped by the evaluation
   limit are therefore all reported as non-convergence.

Covariance
----------
With :math:`J` at :math:`\\hat\\theta`, :math:`s^2 = \\mathrm{SSR}/(n - p)`:

* ``"unadjusted"``: :math:`s^2 (J'J)^{-1}`;
* ``"robust"``: :math:`(J'J)^{-1} J'\\mathrm{diag}(e_i^2) J (J'J)^{-1}`, times
  :math:`n/(n-p)` for ``hc="HC1"`` (the default) and unscaled for ``"HC0"``;
* ``"clustered"``: :math:`(J'J)^{-1} \\sum_g J_g'e_g e_g'J_g (J'J)^{-1}` times
  :math:`\\frac{G}{G-1}\\frac{n-1}{n-p}` (Stata's small-sample factor; ``debiased=False`` drops it).

:math:`(J'J)^{-1}` is formed from the singular value decomposition of the triangular factor of the
column-scaled Jacobian, never by inverting the cross-product. That factor comes from a QR of the
Jacobian, except after the long-data Levenberg-Marquardt run when the scaled Jacobian's condition
number is below :math:`10^4`: then it is the Cholesky factor of the scaled :math:`J'J` the
optimiser already holds (relative error below about :math:`10^{-8}`), which saves a second pass
over the n x p Jacobian; the diagnostics are computed from the same factor.

References
----------
Bates, D. M. and Watts, D. G. (1981). A relative offset orthogonality convergence criterion for
nonlinear least squares. *Technometrics* 23(2), 179-183.
Bates, D. M. and Watts, D. G. (1988). *Nonlinear Regression Analysis and Its Applications*. Wiley.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg as sla
import sympy as sp
from scipy import optimize

from intelcap._expressions import parse_formula, usable_names
from intelcap._validation import check_choice, handle_missing
from intelcap.estimation.results import Results
from intelcap.exceptions import (
    ConvergenceWarning,
    DataError,
    ExpressionError,
    IntelcapTypeError,
    MissingDataError,
    ParameterError,
    SpecificationError,
)

__all__ = ["NLS", "NLSResults", "OptimizerConfig", "nls"]

_EPS = float(np.finfo(float).eps)
_EXACT_FLOOR = 1e3  # residual norm below 1e3 * eps * ||lhs|| counts as an exact fit
COV_TYPES = ("unadjusted", "robust", "clustered")
METHODS = ("auto", "trf", "dogbox", "lm")


@dataclass(frozen=True)
class OptimizerConfig:
    """Numerical settings of the NLS optimiser (printable, immutable).

    Parameters
    ----------
    method : {"auto", "trf", "dogbox", "lm"}
        Method of :func:`scipy.optimize.least_squares` for the main run. ``"auto"``: MINPACK
        Levenberg-Marquardt (``"lm"``, QR-based, fast for long data) without bounds, the
        trust-region reflective method (``"trf"``) with bounds. ``"lm"`` does not accept bounds.
    polish : bool
        If the main run's answer does not pass the convergence criteria, run the other method
        (``trf`` after ``lm``; ``lm`` after ``trf``/``dogbox`` when there are no bounds) from it
        and keep the better fit.
    restarts : int
        Further restarts from the best point while the convergence criteria are not met and the
        fit still improves.
    ftol, xtol, gtol : float
        Tolerances passed to ``least_squares``.
    max_nfev : int or None
        Evaluation limit per run (``None``: scipy's default, ``100 * p`` for trf).
    x_scale : "jac" or array
        Variable scaling (``"jac"``: by the Jacobian's column norms, updated each iteration).
    offset_tol : float
        Tolerance of the Bates-Watts relative offset (first-order condition).
    step_rtol : float
        Largest admissible Gauss-Newton step at the returned point, relative to
        ``|parameter| + standard error``, for every parameter (the optimum is resolved).
    gauss_newton : int
        Maximum number of plain Gauss-Newton refinement steps after the optimiser (each kept only
        if it lowers the SSR); 0 turns the refinement off.
    rank_rtol : float
        Smallest admissible reciprocal condition number of the column-scaled Jacobian.
    """

    method: str = "auto"
    polish: bool = True
    restarts: int = 3
    ftol: float = 1e-14
    xtol: float = 1e-14
    gtol: float = 1e-14
    max_nfev: int | None = None
    x_scale: Any = "jac"
    offset_tol: float = 1e-4
    step_rtol: float = 1e-8
    rank_rtol: float = 1e-13
    gauss_newton: int = 30

    def __post_init__(self) -> None:
        check_choice("method", self.method, METHODS)
        for name in ("ftol", "xtol", "gtol", "offset_tol", "step_rtol", "rank_rtol"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise SpecificationError(f"OptimizerConfig.{name} must be positive, got {value!r}")
        if self.restarts < 0:
            raise SpecificationError(f"OptimizerConfig.restarts must be >= 0, got {self.restarts}")

    def __str__(self) -> str:
        lines = ["OptimizerConfig"]
        for name in self.__dataclass_fields__:
            lines.append(f"  {name:<11} {getattr(self, name)!r}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Symbolic compilation
# ---------------------------------------------------------------------------------------------
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
    derived = {sym.name: e for e, sym in derived_items}
    return _Compiled(params=params, data_names=tuple(s.name for s in data_syms),
                     derived=derived, derived_fn=derived_fn,
                     derived_args=tuple(s.name for s in derived_sources),
                     resid_fn=resid_fn, jac_fn=jac_fn, fitted_fn=fitted_fn, jac_exprs=jac,
                     both_fn=both_fn)


#: Compiled models by (lhs, rhs, parameters, positive columns): a model is differentiated and
#: lambdified once per process, however often it is fitted (replications, bootstraps).
_CACHE: dict[Any, _Compiled] = {}
_CACHE_SIZE = 64
#: Rows per block when evaluating the compiled residual and Jacobian (64 KiB per temporary).
_CHUNK = 8192


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------
class NLS:
    """Nonlinear least squares model defined by an expression formula.

    Parameters
    ----------
    formula : str or (sympy.Expr, sympy.Expr)
        ``"lhs ~ rhs"``; names are the data columns and the parameters (the keys of ``start``).
        Allowed are numbers, ``+ - * / ** ^``, and the functions of
        :data:`intelcap._expressions.FUNCTIONS` (``exp``, ``log``, ``sqrt``, ...). A pair of
        sympy expressions (already built, e.g. from a production function) is used as given.
    data : DataFrame
        The data; only the columns named in the formula are used.
    start : mapping or Series
        Starting value of every parameter.
    bounds : mapping, optional
        ``{name: (lower, upper)}``; either side may be ``None`` (no bound).
    missing : {"raise", "drop"}
        What to do with missing values in the columns used.
    symbols : mapping, optional
        sympy symbols to use for some names (for example positive symbols of a production
        function); the others are created as real symbols.

    See Also
    --------
    nls : the one-call interface; the module docstring gives the algorithm and diagnostics.
    """

    def __init__(
        self,
        formula: str | tuple[sp.Expr, sp.Expr],
        data: pd.DataFrame,
        start: Mapping[str, float] | pd.Series,
        *,
        bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
        missing: str = "raise",
        symbols: Mapping[str, sp.Symbol] | None = None,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise IntelcapTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if isinstance(start, pd.Series):
            start = start.to_dict()
        if not isinstance(start, Mapping) or not start:
            raise SpecificationError("start must be a non-empty mapping {parameter: value}")
        params = tuple(str(k) for k in start)
        columns = [str(c) for c in data.columns]
        clash = [p for p in params if p in columns]
        if clash:
            raise SpecificationError(
                f"parameter name(s) {clash} are also data columns; rename one of them")
        start_arr = np.empty(len(params))
        for i, p in enumerate(params):
            try:
                start_arr[i] = float(start[p])
            except (TypeError, ValueError):
                raise ParameterError(f"start value of {p!r} is not a number: {start[p]!r}") \
                    from None
            if not np.isfinite(start_arr[i]):
                raise ParameterError(f"start value of {p!r} is not finite: {start[p]!r}")
        if isinstance(formula, tuple):
            # pre-built sympy expressions (for example from a ProductionFunction)
            if len(formula) != 2 or not all(isinstance(e, sp.Expr) for e in formula):
                raise IntelcapTypeError("formula must be a string or a (lhs, rhs) pair of "
                                        "sympy expressions")
            self.lhs, self.rhs = formula
            self.formula = f"{self.lhs} ~ {self.rhs}"
            names = {s.name for s in (self.lhs.free_symbols | self.rhs.free_symbols)}
            absent = sorted(names - set(columns) - set(params))
            if absent:
                raise DataError(f"data lack column(s) {absent} used by the model; it has "
                                f"{columns}")
        else:
            self.formula = formula
            # columns that cannot be named in an expression ('log', 'GDP growth', 0) are
            # simply not available to it: unused columns never matter
            usable = usable_names(columns)
            try:
                self.lhs, self.rhs = parse_formula(formula, [*usable, *params], symbols=symbols)
            except ExpressionError as err:
                missing = getattr(err, "unknown_name", None)
                if missing is None:
                    raise
                raise ParameterError(
                    f"start value of {missing!r} is missing: {missing!r} appears in the formula "
                    f"{formula!r} but is neither a key of start {list(params)} nor a data column "
                    f"{columns}; give its start value (or add the column)") from None
        expr_names = {s.name for s in (self.lhs.free_symbols | self.rhs.free_symbols)}
        unused = [p for p in params if p not in expr_names]
        if unused:
            raise SpecificationError(
                f"parameter(s) {unused} of start do not appear in the formula {formula!r}")
        self.params = params
        self.data_columns = tuple(c for c in columns if c in expr_names)
        if not self.data_columns:
            raise SpecificationError(f"formula {formula!r} uses no data column")
        self._symbols = {s.name: s for s in (self.lhs.free_symbols | self.rhs.free_symbols)}
        self.start = pd.Series(start_arr, index=list(params), name="start")
        self.bounds = self._parse_bounds(bounds)
        check_choice("missing", missing, ("raise", "drop"))
        cols = list(self.data_columns)
        sub = data.loc[:, [c for c in data.columns if str(c) in cols]]
        sub.columns = [str(c) for c in sub.columns]
        sub = handle_missing(sub, cols, missing)
        self._index = sub.index
        self._data: dict[str, np.ndarray] = {}
        for c in cols:
            try:
                arr = sub[c].to_numpy(dtype=float)
            except (TypeError, ValueError):
                raise DataError(f"column {c!r} is not numeric") from None
            bad = ~np.isfinite(arr)
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise MissingDataError(
                    f"column {c!r} has {int(bad.sum())} non-finite value(s), first at row "
                    f"{sub.index[pos]!r}")
            self._data[c] = arr
        self.nobs = len(self._index)
        if self.nobs <= len(params):
            raise SpecificationError(
                f"{self.nobs} observations cannot identify {len(params)} parameters "
                "(need more observations than parameters)")
        self.dependent = str(self.lhs)
        self._compiled: _Compiled | None = None

    def _parse_bounds(self, bounds) -> tuple[np.ndarray, np.ndarray] | None:
        if not bounds:
            return None
        lo = np.full(len(self.params), -np.inf)
        hi = np.full(len(self.params), np.inf)
        for name, pair in bounds.items():
            if name not in self.params:
                raise SpecificationError(
                    f"bounds given for unknown parameter {name!r}; parameters are "
                    f"{list(self.params)}")
            i = self.params.index(name)
            low, high = pair
            lo[i] = -np.inf if low is None else float(low)
            hi[i] = np.inf if high is None else float(high)
            if not lo[i] < hi[i]:
                raise SpecificationError(f"bounds of {name!r} are empty: {pair!r}")
            if not lo[i] <= self.start[name] <= hi[i]:
                raise ParameterError(
                    f"start value {self.start[name]!r} of {name!r} is outside its bounds {pair!r}")
        return lo, hi

    # -- compiled functions --------------------------------------------------------------------
    @property
    def compiled(self) -> _Compiled:
        """The compiled residual and Jacobian (cached across models with the same expression)."""
        if self._compiled is None:
            positive = frozenset(c for c, v in self._data.items() if np.all(v > 0))
            key = (self.lhs, self.rhs, self.params, positive)
            comp = _CACHE.get(key)
            if comp is None:
                comp = _compile(self.lhs, self.rhs, self.params, self._symbols, set(positive))
                if len(_CACHE) >= _CACHE_SIZE:
                    _CACHE.pop(next(iter(_CACHE)))
                _CACHE[key] = comp
            self._compiled = comp
        return self._compiled

    def _columns(self) -> list[np.ndarray]:
        comp = self.compiled
        values = dict(self._data)
        if comp.derived_fn is not None:
            with np.errstate(all="ignore"):
                out = comp.derived_fn(*[self._data[n] for n in comp.derived_args])
            for name, arr in zip(comp.derived, out, strict=True):
                arr = np.broadcast_to(np.asarray(arr, dtype=float), (self.nobs,))
                values[name] = arr
        return [values[n] for n in comp.data_names]

    def _functions(self):
        """Residual and Jacobian callables sharing one evaluation per parameter vector.

        Both come from one CSE-compiled function of the residual and the Jacobian columns (the
        powers, exponentials and logarithms they share are computed once); the last few
        evaluations are cached by parameter vector, so the Jacobian that Levenberg-Marquardt asks
        for at a point whose residual it has just evaluated costs nothing more. Long data are
        evaluated in blocks of ``_CHUNK`` rows: the temporaries of the compiled expression then
        stay small and cache-resident instead of being freshly allocated (and page-faulted) as
        full-length arrays, which is about three times faster at 10^5 rows; every element is
        computed by the same operations, so the values are identical.
        """
        comp = self.compiled
        cols = self._columns()
        n, p = self.nobs, len(self.params)
        cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

        def both(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            theta = np.asarray(theta, dtype=float)
            key = theta.tobytes()
            hit = cache.get(key)
            if hit is not None:
                return hit
            args = [float(v) for v in theta]
            r = np.empty(n)
            J = np.empty((n, p), order="F")  # column-major, as MINPACK and LAPACK want
            with np.errstate(all="ignore"):
                for lo in range(0, n, _CHUNK):
                    hi = lo + _CHUNK
                    out_all = comp.both_fn(*[c[lo:hi] for c in cols], *args)
                    r[lo:hi] = out_all[0]
                    for j, c in enumerate(out_all[1:]):
                        J[lo:hi, j] = c
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            cache[key] = (r, J)
            return r, J

        def resid(theta: np.ndarray) -> np.ndarray:
            return both(theta)[0]

        def jac(theta: np.ndarray) -> np.ndarray:
            return both(theta)[1]

        return resid, jac

    # -- fitting -------------------------------------------------------------------------------
    def fit(
        self,
        cov_type: str = "unadjusted",
        *,
        config: OptimizerConfig | None = None,
        clusters: pd.Series | np.ndarray | None = None,
        hc: str = "HC1",
        debiased: bool = True,
        **options: Any,
    ) -> NLSResults:
        """Minimise the sum of squared residuals.

        Parameters
        ----------
        cov_type : {"unadjusted", "robust", "clustered"}
            Covariance estimator (see the module docstring).
        config : OptimizerConfig, optional
            Optimiser settings; keyword ``options`` (``method=``, ``max_nfev=``, ...) override
            single fields of it.
        clusters : Series or array, optional
            Cluster labels for ``cov_type="clustered"`` (aligned with the data's index).
        hc : {"HC0", "HC1"}
            Small-sample variant of the robust covariance.
        debiased : bool
            Apply the small-sample factor to the clustered covariance.

        Returns
        -------
        NLSResults
        """
        check_choice("cov_type", cov_type, COV_TYPES)
        check_choice("hc", hc, ("HC0", "HC1"))
        config = config or OptimizerConfig()
        if options:
            unknown = [k for k in options if k not in OptimizerConfig.__dataclass_fields__]
            if unknown:
                raise SpecificationError(
                    f"unknown option(s) {unknown}; valid are cov_type, config, clusters, hc, "
                    f"debiased and the fields of OptimizerConfig "
                    f"{list(OptimizerConfig.__dataclass_fields__)}")
            config = replace(config, **options)
        if self.bounds is not None and config.method == "lm":
            raise SpecificationError("method='lm' does not accept bounds; use 'trf' or 'dogbox'")
        groups = self._clusters(clusters) if cov_type == "clustered" else None
        resid, jac = self._functions()
        theta0 = self.start.to_numpy()
        r0 = resid(theta0)
        if not np.all(np.isfinite(r0)):
            pos = int(np.flatnonzero(~np.isfinite(r0))[0])
            raise ParameterError(
                f"the model cannot be evaluated at the start values (non-finite residual at row "
                f"{self._index[pos]!r}); check the start values {self.start.to_dict()}")
        # the left-hand side (data only): the residual plus the fitted value at any point
        lhs = r0 + self.predict(self.start).to_numpy()
        with np.errstate(over="ignore", invalid="ignore"):
            scales = (float(np.linalg.norm(lhs)), float(np.linalg.norm(r0)))
        if not all(np.isfinite(scales)):
            big = float(np.max(np.abs(np.r_[lhs, r0])))
            raise DataError(
                f"the sum of squares of {self.dependent!r} (or of the residuals at the start "
                f"values) overflows double precision (largest magnitude {big:.3g}); rescale the "
                "data (for example express them in larger units) so that squares stay below "
                "1e300")
        run = _optimise(resid, jac, theta0, self.bounds, config, self.nobs,
                        float(np.linalg.norm(lhs)))
        return NLSResults._build(self, run, cov_type, groups, hc, debiased, config, lhs)

    def _clusters(self, clusters) -> np.ndarray:
        if clusters is None:
            raise SpecificationError("cov_type='clustered' needs clusters=<labels>")
        if isinstance(clusters, pd.Series):
            if not clusters.index.equals(self._index):
                try:
                    clusters = clusters.loc[self._index]
                except KeyError:
                    raise DataError("clusters is not indexed like the data") from None
            values = clusters.to_numpy()
        else:
            values = np.asarray(clusters)
            if values.shape[0] != self.nobs:
                raise DataError(
                    f"clusters has {values.shape[0]} labels but the data have {self.nobs} rows")
        if pd.isna(values).any():
            raise MissingDataError("clusters has missing labels")
        codes, _ = pd.factorize(values)
        if codes.max() + 1 < 2:
            raise SpecificationError("clustered covariance needs at least two clusters")
        return codes

    def predict(self, params: pd.Series | Mapping[str, float],
                data: pd.DataFrame | None = None) -> pd.Series:
        """Evaluate the right-hand side at ``params`` on ``data`` (default: the estimation data)."""
        comp = self.compiled
        names = comp.fitted_fn.data_names
        theta = [float(pd.Series(params)[p]) for p in self.params]
        if data is None:
            cols = [self._data[n] for n in names]
            index = self._index
        else:
            missing = [n for n in names if n not in data.columns]
            if missing:
                raise DataError(f"data for prediction lacks column(s) {missing}")
            cols = [data[n].to_numpy(dtype=float) for n in names]
            index = data.index
        with np.errstate(all="ignore"):
            out = comp.fitted_fn(*cols, *theta)
        out = np.broadcast_to(np.asarray(out, dtype=float), (len(index),)).copy()
        return pd.Series(out, index=index, name="fitted_values")


# ---------------------------------------------------------------------------------------------
# Optimisation and diagnostics
# ---------------------------------------------------------------------------------------------
@dataclass
class _Run:
    x: np.ndarray
    resid: np.ndarray
    jac: np.ndarray
    status: int
    message: str
    nfev: int
    njev: int
    runs: int
    converged: bool
    reason: str
    relative_offset: float
    rcond: float
    gradient_norm: float
    gn_step: float
    factor: Any = None


@dataclass
class _Check:
    converged: bool
    reason: str
    relative_offset: float = np.nan
    rcond: float = np.nan
    gradient_norm: float = np.nan
    gn_step: float = np.nan  # largest |Gauss-Newton step| / (|theta| + se)
    step: np.ndarray | None = None
    factor: Any = None


_CHOLQR_MIN_ROWS = 20_000


_BLOCK = 2048


def _tdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` for a tall ``a``, accumulated over row blocks (or by einsum for a vector b).

    Each BLAS call then stays below OpenBLAS's multithreading threshold: for tall, skinny
    products (memory-bound) threads gain little, and on a loaded machine their spin-waiting made
    these products ~50 times slower than single-threaded ones.
    """
    n = a.shape[0]
    if b.ndim == 1:
        return np.einsum("ij,i->j", a, b)
    if n <= _BLOCK:
        return a.T @ b
    out = a[:_BLOCK].T @ b[:_BLOCK]
    for lo in range(_BLOCK, n, _BLOCK):
        out += a[lo:lo + _BLOCK].T @ b[lo:lo + _BLOCK]
    return out


def _ssq(v: np.ndarray) -> float:
    """Sum of squares without a (threaded) BLAS call, see :func:`_tdot`."""
    return float(np.einsum("i,i->", v, v))


def _rdot(a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``a @ m`` for a tall ``a`` and a small square ``m``, by row blocks (see :func:`_tdot`)."""
    n = a.shape[0]
    if n <= _BLOCK:
        return a @ m
    out = np.empty((n, m.shape[1]), order="F")
    for lo in range(0, n, _BLOCK):
        out[lo:lo + _BLOCK] = a[lo:lo + _BLOCK] @ m
    return out


def _inv_upper(r: np.ndarray) -> np.ndarray:
    """Inverse of a small nonsingular upper-triangular matrix (LAPACK ``dtrtri``)."""
    inv, info = sla.lapack.dtrtri(r, lower=0)
    if info != 0:
        raise np.linalg.LinAlgError("singular triangular factor")
    return inv


def _cholesky_qr2(a: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Thin QR of a tall, column-scaled matrix by CholeskyQR2 (Yamamoto et al. 2015).

    Two passes of Cholesky QR, all in level-3 BLAS: for tall matrices several times faster than
    Householder QR, and as accurate (orthogonality and residual to rounding) whenever the
    condition number is below about :math:`10^{7}`; otherwise ``(None, None)`` is returned and
    the caller uses Householder QR.
    """
    try:
        r1 = np.linalg.cholesky(_tdot(a, a)).T
        d = np.abs(np.diag(r1))
        if d.min() <= 1e-7 * d.max():
            return None, None
        # Q = A R^{-1} as one level-3 product with the inverse of the small p x p triangle
        # (a triangular solve with n right-hand sides is several times slower for tall A)
        q1 = _rdot(a, _inv_upper(r1))
        r2 = np.linalg.cholesky(_tdot(q1, q1)).T
        q = _rdot(q1, _inv_upper(r2))
    except np.linalg.LinAlgError:
        return None, None
    return q, r2 @ r1


@dataclass
class _Factor:
    """Column-scaled Jacobian J/norms = Q U diag(s) V' (thin QR, then the SVD of the p x p R).

    Built from J itself (:meth:`of`), or for tall, well-conditioned Jacobians from the
    cross-products :math:`J'J` and :math:`J'e` that the optimiser already holds
    (:meth:`from_cross`); Q is then not formed and ``qtr`` holds :math:`Q'e`.
    """

    q: np.ndarray | None
    u: np.ndarray
    s: np.ndarray
    vt: np.ndarray
    norms: np.ndarray
    nrows: int = 0
    qtr: np.ndarray | None = None

    @classmethod
    def of(cls, J: np.ndarray) -> _Factor:
        norms = np.linalg.norm(J, axis=0)
        norms = np.where(norms > 0, norms, 1.0)
        js = J / norms
        q, r = _cholesky_qr2(js) if js.shape[0] >= _CHOLQR_MIN_ROWS else (None, None)
        if q is None:
            q, r = np.linalg.qr(js)
        u, s, vt = np.linalg.svd(r)
        return cls(q, u, s, vt, norms, J.shape[0])

    @classmethod
    def from_cross(cls, A: np.ndarray, g: np.ndarray, nrows: int) -> _Factor | None:
        """From :math:`A = J'J` and :math:`g = J'e`, or ``None`` if that is not accurate.

        With :math:`D = \\mathrm{diag}(A)^{1/2}` and the Cholesky factor
        :math:`D^{-1}AD^{-1} = R'R`, :math:`R` is the triangular factor of the QR of
        :math:`JD^{-1}` and :math:`Q'e = R^{-T}D^{-1}g`. Forming the cross-product squares the
        condition number, so this is used only when the scaled Jacobian's condition number is
        below ``_CROSS_MAX_COND`` (relative error of the results then below about
        :math:`10^{-8}`); otherwise the caller factors J itself (CholeskyQR2 or Householder).
        """
        d2 = np.diag(A)
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(g)) and np.all(d2 > 0)):
            return None
        norms = np.sqrt(d2)
        try:
            r = np.linalg.cholesky(A / np.outer(norms, norms)).T
        except np.linalg.LinAlgError:
            return None
        u, s, vt = np.linalg.svd(r)
        if not s[-1] * _CROSS_MAX_COND > s[0]:
            return None
        qtr = sla.solve_triangular(r, g / norms, trans="T")
        return cls(None, u, s, vt, norms, nrows, qtr)

    def inv_s(self) -> np.ndarray:
        s = self.s
        tol = s[0] * max(self.nrows, s.shape[0]) * _EPS
        return np.where(s > tol, 1.0 / np.where(s > tol, s, 1.0), 0.0)

    def q_t(self, r: np.ndarray) -> np.ndarray:
        """:math:`Q'r` (``r`` the residuals the factor was built with, when Q is not held)."""
        return self.qtr if self.q is None else _tdot(self.q, r)

    def solve(self, qr_: np.ndarray) -> np.ndarray:
        """Minimum-norm least-squares solution of J d = r given Q'r."""
        return ((self.vt.T * self.inv_s()) @ (self.u.T @ qr_)) / self.norms

    def inv_cross(self) -> np.ndarray:
        """(J'J)^{-1} (pseudo-inverse if singular)."""
        core = (self.vt.T * self.inv_s() ** 2) @ self.vt
        return core / np.outer(self.norms, self.norms)


#: largest condition number of the scaled Jacobian for which the diagnostics and the covariance
#: are computed from the cross-product J'J (see :meth:`_Factor.from_cross`)
_CROSS_MAX_COND = 1e4


def _gauss_newton_step(r: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, _Factor]:
    """Minimum-norm solution of J d = r and the factorisation used."""
    f = _Factor.of(J)
    return f.solve(f.q_t(r)), f


def _diagnose(theta: np.ndarray, r: np.ndarray, J: np.ndarray, status: int,
              config: OptimizerConfig, lhs_norm: float, bounds=None,
              cross: tuple[np.ndarray, np.ndarray] | None = None) -> _Check:
    """Convergence diagnostics at ``theta`` (``cross``: :math:`J'J, J'e` there, if known)."""
    n, p = J.shape
    if not (np.all(np.isfinite(J)) and np.all(np.isfinite(r))):
        return _Check(False, "the residuals or the Jacobian are not finite at the optimum")
    if not (np.isfinite(lhs_norm) and np.isfinite(_ssq(r))):
        return _Check(False, "the sum of squared residuals overflows double precision at the "
                      "optimum; rescale the data")
    fac = _Factor.from_cross(*cross, n) if cross is not None else None
    if fac is not None:
        norms, grad = fac.norms, float(np.linalg.norm(cross[1]))
    else:
        norms = np.linalg.norm(J, axis=0)
        grad = float(np.linalg.norm(_tdot(J, r)))
    if np.any(norms == 0):
        zero = int(np.flatnonzero(norms == 0)[0])
        return _Check(False, f"the Jacobian column of parameter number {zero + 1} is zero at the "
                      "optimum (the parameter has no effect there)", rcond=0.0,
                      gradient_norm=grad)
    if fac is None:
        fac = _Factor.of(J)
    s = fac.s
    rcond = float(s[-1] / s[0])
    q1r = fac.q_t(r)
    step = fac.solve(q1r)
    proj2 = float(q1r @ q1r)
    total = _ssq(r)
    orth = max(total - proj2, 0.0)
    num = np.sqrt(proj2 / p)
    den = np.sqrt(orth / (n - p)) if n > p else 0.0
    ro = float(num / den) if den > 0 else (0.0 if num == 0 else np.inf)
    # standard errors (unadjusted) give the statistical scale of each parameter
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s2 = np.where(s > s[0] * max(n, p) * _EPS, 1.0 / s**2, np.inf)
        var = ((fac.vt.T**2) @ inv_s2) / fac.norms**2 * (total / max(n - p, 1))
        se = np.sqrt(var)
        rel_step = np.abs(step) / (np.abs(theta) + se)
    gn = float(np.nanmax(rel_step)) if np.all(np.isfinite(rel_step)) else np.inf
    # residuals at the rounding floor of the model evaluation: an exact fit, a global optimum to
    # working precision (the relative offset is then dominated by rounding noise)
    exact = np.sqrt(total) <= _EXACT_FLOOR * _EPS * lhs_norm
    info = dict(relative_offset=ro, rcond=rcond, gradient_norm=grad, gn_step=gn, step=step,
                factor=fac)
    if status == 0:
        return _Check(False, "the optimiser stopped at the evaluation limit (max_nfev)", **info)
    if status < 0:
        return _Check(False, "the optimiser failed (improper input or evaluation failure)",
                      **info)
    if rcond < config.rank_rtol:
        return _Check(False, (f"the Jacobian is singular or rank deficient at the optimum "
                              f"(reciprocal condition number {rcond:.2e} < "
                              f"{config.rank_rtol:.0e}); the parameters are not identified "
                              "there"), **info)
    if bounds is not None and not (ro <= config.offset_tol or exact):
        lo, hi = bounds
        tol = 1e-10 * np.maximum(1.0, np.abs(theta))
        active = np.flatnonzero((theta - lo <= tol) | (hi - theta <= tol))
        if active.size:
            return _Check(False, (f"parameter(s) number {[int(i) + 1 for i in active]} are at "
                                  "a bound: the fit is a constrained optimum, not a "
                                  "least-squares optimum (first-order condition fails, "
                                  f"relative offset {ro:.2e}); standard errors are not valid"),
                          **info)
    if not (ro <= config.offset_tol or exact):
        return _Check(False, (f"the first-order condition fails: relative offset {ro:.2e} > "
                              f"{config.offset_tol:.0e} (the optimiser stalled before the "
                              "optimum)"), **info)
    if not (gn <= config.step_rtol or exact):
        return _Check(False, (f"a Gauss-Newton step from the returned point still moves a "
                              f"parameter by {gn:.2e} of (|value| + standard error) > "
                              f"{config.step_rtol:.0e}: the optimum is not resolved to the "
                              "requested accuracy"), **info)
    return _Check(True, "converged", **info)


def _gn_polish(resid, jac, x: np.ndarray, r: np.ndarray, bounds, iters: int
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """Plain Gauss-Newton refinement from x while the steps contract.

    Near the optimum the change of the SSR falls below its own rounding, so a step is judged by
    its length: it is kept while it is shorter than the previous one (a contraction) and the SSR
    does not rise by more than 1e-10 relative; the first step must lower the SSR or leave it
    unchanged to rounding.
    """
    cost0 = float(r @ r)
    nfev = 0
    prev = np.inf
    for _ in range(iters):
        J = jac(x)
        if not np.all(np.isfinite(J)):
            break
        step, fac = _gauss_newton_step(r, J)
        size = float(np.linalg.norm(step * fac.norms))
        if not size < prev or size == 0.0:
            break
        x_new = x - step  # r(x + d) ~ r + J d = 0 gives d = -pinv(J) r
        if bounds is not None and (np.any(x_new < bounds[0]) or np.any(x_new > bounds[1])):
            break
        r_new = resid(x_new)
        nfev += 1
        if not np.all(np.isfinite(r_new)):
            break
        c_new = float(r_new @ r_new)
        if c_new > cost0 * (1 + 1e-10):
            break
        x, r, prev = x_new, r_new, size
        if np.all(np.abs(step) <= 4 * _EPS * np.abs(x)):
            break
    return x, r, nfev


#: MINPACK ``info`` -> status and message of :func:`scipy.optimize.least_squares` (6-8, tolerance
#: too small for further progress, are reported as the corresponding tolerance test)
_MINPACK_STATUS = {0: -1, 1: 2, 2: 3, 3: 4, 4: 1, 5: 0, 6: 2, 7: 3, 8: 1}
_STATUS_MESSAGES = {
    -1: "Improper input parameters status returned from `leastsq`",
    0: "The maximum number of function evaluations is exceeded.",
    1: "`gtol` termination condition is satisfied.",
    2: "`ftol` termination condition is satisfied.",
    3: "`xtol` termination condition is satisfied.",
    4: "Both `ftol` and `xtol` termination conditions are satisfied.",
    5: "The Gauss-Newton step is below step_rtol / 10 of (|value| + standard error).",
}


def _minpack_lm(resid, jac, x0: np.ndarray, config: OptimizerConfig) -> optimize.OptimizeResult:
    """MINPACK ``lmder`` through :func:`scipy.optimize.leastsq`, as ``least_squares(method="lm")``.

    The same Fortran routine with the same arguments as ``least_squares`` (``factor=100``,
    ``diag`` from ``x_scale``, ``max_nfev`` default ``100 p``), hence the same iterates; called
    directly, the Jacobian is handed over transposed (``col_deriv``: a C-ordered ``p x n`` view
    of the Fortran-ordered ``n x p`` array, no copy) and the wrapper's final extra Jacobian
    evaluation and array copies are avoided.
    """
    p = x0.size
    scale = config.x_scale
    diag = None if (scale is None or (isinstance(scale, str) and scale == "jac")) else (
        1.0 / np.broadcast_to(np.asarray(scale, dtype=float), (p,)))
    max_nfev = config.max_nfev if config.max_nfev is not None else 100 * p
    if resid(x0).size < p:
        raise ValueError("method 'lm' needs at least as many residuals as parameters")
    x, _cov, info, _msg, ier = optimize.leastsq(
        resid, x0.copy(), Dfun=lambda t: jac(t).T, full_output=True, col_deriv=True,
        ftol=config.ftol, xtol=config.xtol, gtol=config.gtol, maxfev=max_nfev, factor=100.0,
        diag=diag)
    status = _MINPACK_STATUS.get(int(ier), -1)
    return optimize.OptimizeResult(x=np.asarray(x, dtype=float), fun=info["fvec"],
                                   status=status, message=_STATUS_MESSAGES[status],
                                   nfev=int(info["nfev"]), njev=int(info.get("njev", 0)))


def _lm_failed(nfev: int, njev: int) -> optimize.OptimizeResult:
    """Marker of a :func:`_lm_tall` run that gave up (``x`` is None), with its evaluations."""
    return optimize.OptimizeResult(x=None, nfev=nfev, njev=njev)


def _lm_tall(resid, jac, x0: np.ndarray, config: OptimizerConfig) -> optimize.OptimizeResult:
    """Levenberg-Marquardt on the p x p cross-product, for long data (n >= 20,000).

    The iteration of Marquardt (1963) with the damping update of Nielsen (1999): with
    :math:`D = \\mathrm{diag}\\lVert J_j \\rVert` (Jacobian scaling, as ``x_scale="jac"``),
    :math:`A = D^{-1}J'JD^{-1}` and :math:`g = D^{-1}J'e`, the step solves
    :math:`(A + \\lambda I) D d = -g` and is accepted when the sum of squares falls; the gain
    ratio :math:`\\varrho` of actual to predicted reduction updates
    :math:`\\lambda \\leftarrow \\lambda \\max(1/3, 1 - (2\\varrho - 1)^3)` after a success and
    doubles its growth factor after a failure. An iteration costs one evaluation of the
    residual and Jacobian together (shared subexpressions) and an :math:`O(np^2)` level-3
    product, where MINPACK's ``lmder`` spends an unblocked Householder QR of the n x p Jacobian
    in every iteration. It only globalises: the point it returns goes through the same
    QR-based Gauss-Newton refinement and convergence diagnostics as every fit, and a result
    with ``x=None`` (MINPACK takes over; its ``nfev``/``njev`` count the evaluations spent) is
    returned whenever it cannot proceed (a zero Jacobian column, a
    non-finite value, a singular cross-product, the evaluation limit).

    Termination mirrors MINPACK's tests: the predicted relative reduction of the sum of squares
    is at most ``ftol`` (status 2), the scaled step is at most ``xtol`` of the scaled
    parameters (status 3), or the cosine between the residual and every Jacobian column is at
    most ``gtol`` (status 1); in addition it stops (status 3) once the undamped Gauss-Newton
    step is below ``step_rtol / 10`` of ``|value| + standard error`` for every parameter, the
    diagnostics' own criterion, so that no refinement steps are needed after it.

    References: Marquardt, D. W. (1963), *J. SIAM* 11(2), 431-441; Nielsen, H. B. (1999),
    Damping parameter in Marquardt's method, IMM-REP-1999-05, DTU.
    """
    p = x0.size
    max_nfev = config.max_nfev if config.max_nfev is not None else 100 * p
    x = np.asarray(x0, dtype=float).copy()
    r = resid(x)
    if not np.all(np.isfinite(r)):
        return _lm_failed(1, 0)
    J = jac(x)
    nfev = njev = 1
    F = _ssq(r)
    lam: float | None = None
    grow = 2.0
    status = 0
    gn_tries = 0
    new_point = True
    d_gn = np.zeros(p)
    cross = None  # (x, J'J, J'e) at the last point where they were formed
    while nfev < max_nfev:
        if new_point:
            if not np.all(np.isfinite(J)):
                return _lm_failed(nfev, njev)
            A = _tdot(J, J)
            norms = np.sqrt(np.diag(A))
            if not np.all(norms > 0):
                return _lm_failed(nfev, njev)
            g = _tdot(J, r)
            cross = (x.copy(), A, g)
            As = A / np.outer(norms, norms)
            gs = g / norms
            if F == 0.0 or float(np.max(np.abs(gs))) <= config.gtol * np.sqrt(F):
                status = 1
                break
            # the undamped Gauss-Newton step, measured as the diagnostics measure it (relative
            # to |value| + standard error): once it is negligible the optimum is resolved
            try:
                inv_as = np.linalg.inv(As)
            except np.linalg.LinAlgError:
                return _lm_failed(nfev, njev)
            d_gn = -(inv_as @ gs) / norms
            se = np.sqrt(np.abs(np.diag(inv_as)) * F / max(r.size - p, 1)) / norms
            if np.all(np.abs(d_gn) <= 0.1 * config.step_rtol * (np.abs(x) + se)):
                status = 5
                break
            if lam is None:
                lam = 1e-3
            new_point = False
        try:
            ds = -np.linalg.solve(As + lam * np.eye(p), gs)
        except np.linalg.LinAlgError:
            return _lm_failed(nfev, njev)
        pred = -2.0 * float(gs @ ds) - float(ds @ As @ ds)
        if not (np.all(np.isfinite(ds)) and np.isfinite(pred)):
            return _lm_failed(nfev, njev)
        if pred <= config.ftol * F:
            # the damped step no longer predicts progress: try the undamped Gauss-Newton step
            # (a few times at most), which resolves the optimum where damping would stall
            if gn_tries >= 5:
                status = 2
                break
            gn_tries += 1
            x_gn = x + d_gn
            r_gn = resid(x_gn)
            nfev += 1
            F_gn = _ssq(r_gn) if np.all(np.isfinite(r_gn)) else np.inf
            if not F_gn <= F * (1 + 1e-12):
                status = 2
                break
            x, r, F = x_gn, r_gn, F_gn
            J = jac(x)
            njev += 1
            new_point = True
            continue
        if float(np.linalg.norm(ds)) <= config.xtol * float(np.linalg.norm(x * norms)):
            status = 3
            break
        x_new = x + ds / norms
        r_new = resid(x_new)
        nfev += 1
        F_new = _ssq(r_new) if np.all(np.isfinite(r_new)) else np.inf
        gain = (F - F_new) / pred
        if gain > 0:
            x, r, F = x_new, r_new, F_new
            J = jac(x)
            njev += 1
            lam *= max(1.0 / 3.0, 1.0 - (2.0 * gain - 1.0) ** 3)
            grow = 2.0
            new_point = True
        else:
            lam *= grow
            grow *= 2.0
            if lam > 1e16:
                return _lm_failed(nfev, njev)
    if status == 0:
        return _lm_failed(nfev, njev)
    message = _STATUS_MESSAGES[status]
    status = 3 if status == 5 else status  # a step test, reported as MINPACK's xtol status
    return optimize.OptimizeResult(x=x, fun=np.asarray(r, dtype=float), status=status,
                                   message=message, nfev=nfev, njev=njev, cross=cross)


def _optimise(resid, jac, theta0, bounds, config: OptimizerConfig, n: int,
              lhs_norm: float) -> _Run:
    p = theta0.size
    kw = dict(ftol=config.ftol, xtol=config.xtol, gtol=config.gtol, max_nfev=config.max_nfev,
              x_scale=config.x_scale)
    unbounded = bounds is None and n >= p
    main = config.method
    if main == "auto":
        main = "lm" if unbounded else "trf"
    methods = [main]
    if config.polish:
        alt = "trf" if main == "lm" else ("lm" if unbounded else None)
        if alt is not None:
            methods.append(alt)
    best = None  # (cost, x, r, status, message)
    nfev = njev = runs = 0
    last_error = ""
    check: _Check | None = None
    checked_x: np.ndarray | None = None
    J_best: np.ndarray | None = None

    cross = None  # (x, J'J, J'e) from the tall Levenberg-Marquardt run

    def diagnose() -> _Check:
        nonlocal check, checked_x, J_best
        if checked_x is None or not np.array_equal(checked_x, best[1]):
            J_best = jac(best[1])
            here = (cross[1], cross[2]) if (
                cross is not None and np.array_equal(cross[0], best[1])) else None
            check = _diagnose(best[1], best[2], J_best, best[3], config, lhs_norm, bounds,
                              here)
            checked_x = best[1].copy()
        return check

    x = theta0.copy()
    for attempt in range(config.restarts + 1):
        improved = False
        for i, method in enumerate(methods):
            if attempt == 0 and i > 0:
                # the alternative method starts afresh from the start values too: a method that
                # stalled on a plateau may have left the other one a worse point to start from
                x = theta0.copy()
            b = bounds if (bounds is not None and method != "lm") else (-np.inf, np.inf)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    out = None
                    if method == "lm" and config.method == "auto" and n >= _CHOLQR_MIN_ROWS:
                        out = _lm_tall(resid, jac, x, config)
                        cross = out.get("cross")
                        if out.x is None:  # gave up: count its evaluations, MINPACK takes over
                            nfev += int(out.nfev)
                            njev += int(out.njev)
                            out = None
                    if out is None and method == "lm":
                        out = _minpack_lm(resid, jac, x, config)
                    if out is None:
                        out = optimize.least_squares(resid, x, jac=jac, method=method, bounds=b,
                                                     **kw)
            except (ValueError, np.linalg.LinAlgError) as exc:
                last_error = f"{method}: {exc}"
                continue
            runs += 1
            nfev += int(out.nfev)
            njev += int(out.njev or 0)
            fun = np.asarray(out.fun, dtype=float)
            if not np.all(np.isfinite(fun)):
                continue
            cost = float(fun @ fun)
            if best is None or cost < best[0] * (1 - 1e-15) or (
                    cost <= best[0] and out.status > 0 and best[3] <= 0):
                improved = improved or best is None or cost < best[0] * (1 - 1e-13)
                best = (cost, np.asarray(out.x, dtype=float), fun, int(out.status),
                        str(out.message))
            x = best[1].copy()
            if diagnose().converged:
                break
            if config.gauss_newton and best[3] > 0:
                x_gn, r_gn, k = _gn_polish(resid, jac, best[1], best[2], bounds,
                                           config.gauss_newton)
                nfev += k
                njev += k
                if k and float(r_gn @ r_gn) <= best[0] * (1 + 1e-10):
                    msg = best[4] if "Gauss-Newton" in best[4] else (
                        best[4] + f" Refined by {k} Gauss-Newton step(s).")
                    best = (float(r_gn @ r_gn), x_gn, r_gn, best[3], msg)
                    x = x_gn.copy()
                if diagnose().converged:
                    break
        if best is None or check is None or check.converged or (attempt > 0 and not improved):
            break
    if best is None:
        return _Run(theta0, resid(theta0), jac(theta0), -1, last_error or "optimiser failed",
                    nfev, njev, runs, False, f"the optimiser failed: {last_error}", np.nan,
                    np.nan, np.nan, np.nan)
    check = diagnose()
    return _Run(best[1], best[2], J_best, best[3], best[4], nfev, njev, runs, check.converged,
                check.reason, check.relative_offset, check.rcond, check.gradient_norm,
                check.gn_step, check.factor)


def _inv_cross(J: np.ndarray) -> np.ndarray:
    """(J'J)^{-1} from the column-scaled QR and SVD of J (pseudo-inverse if singular)."""
    return _Factor.of(J).inv_cross()


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
class NLSResults(Results):
    """Results of :class:`NLS`: the common vocabulary plus convergence diagnostics.

    Attributes
    ----------
    converged : bool
        Whether the convergence criteria of the module docstring hold.
    convergence_reason : str
        ``"converged"`` or the criterion that failed.
    optimizer_status, message : int, str
        Status and message of the last :func:`scipy.optimize.least_squares` run.
    nfev, njev, runs : int
        Model and Jacobian evaluations, and optimiser runs, in total.
    relative_offset : float
        Bates-Watts relative offset at the optimum.
    jacobian_rcond : float
        Reciprocal condition number of the column-scaled Jacobian at the optimum.
    gradient_norm : float
        :math:`\\lVert J'e \\rVert` at the optimum.
    config : OptimizerConfig
        The optimiser settings used.
    """

    model: NLS

    @classmethod
    def _build(cls, model: NLS, run: _Run, cov_type: str, groups, hc: str, debiased: bool,
               config: OptimizerConfig, lhs: np.ndarray) -> NLSResults:
        n, p = run.jac.shape
        names = list(model.params)
        params = pd.Series(run.x, index=names, name="parameter")
        e = run.resid
        ssr = float(e @ e)
        df_resid = n - p
        J = run.jac
        cov = None
        if np.all(np.isfinite(J)):
            bread = (run.factor.inv_cross() if run.factor is not None else _inv_cross(J))
            if cov_type == "unadjusted":
                cov = bread * (ssr / df_resid)
            elif cov_type == "robust":
                score = J * e[:, None]
                cov = bread @ (score.T @ score) @ bread
                if hc == "HC1":
                    cov *= n / df_resid
            else:
                score = J * e[:, None]
                ng = int(groups.max()) + 1
                sums = np.zeros((ng, p))
                np.add.at(sums, groups, score)
                cov = bread @ (sums.T @ sums) @ bread
                if debiased:
                    cov *= ng / (ng - 1) * (n - 1) / df_resid
        # (kept when not converged: the ConvergenceWarning and .converged say why)
        index = model._index
        resids = pd.Series(e, index=index, name="residual")
        fitted = pd.Series(lhs - e, index=index, name="fitted_values")
        lhs_vals = pd.Series(lhs, index=index)
        res = cls(params, None if cov is None else pd.DataFrame(cov, index=names, columns=names),
                  nobs=n, df_resid=df_resid, resids=resids, fitted_values=fitted, ssr=ssr,
                  model_name="Nonlinear Least Squares", dependent=model.dependent,
                  cov_type=cov_type if cov_type != "robust" else f"robust ({hc})")
        res.model = model
        res.formula = model.formula
        res.start = model.start.copy()
        res.converged = bool(run.converged)
        res.convergence_reason = run.reason
        res.optimizer_status = run.status
        res.message = run.message
        res.nfev = run.nfev
        res.njev = run.njev
        res.runs = run.runs
        res.relative_offset = run.relative_offset
        res.jacobian_rcond = run.rcond
        res.gradient_norm = run.gradient_norm
        res.gauss_newton_step = run.gn_step
        res.config = config
        res._jacobian = J
        res._lhs = lhs_vals
        if not run.converged:
            warnings.warn(
                f"NLS did not converge for {model.formula!r}: {run.reason}. The estimates are "
                "not a verified least-squares optimum; try other start values or bounds.",
                ConvergenceWarning, stacklevel=3)
        return res

    @property
    def optimizer_message(self) -> str:
        """Alias of :attr:`message`."""
        return self.message

    @property
    def jacobian(self) -> pd.DataFrame:
        """The Jacobian of the residuals at the estimates."""
        return pd.DataFrame(self._jacobian, index=self.model._index,
                            columns=list(self.model.params))

    @cached_property
    def rsquared(self) -> float:
        """:math:`1 - \\mathrm{SSR}/\\sum (y - \\bar y)^2` of the left-hand side (centred)."""
        if self._lhs is None:
            return float("nan")
        y = self._lhs.to_numpy()
        tss = float(((y - y.mean()) ** 2).sum())
        return 1 - self.ssr / tss if tss > 0 else float("nan")

    @property
    def resid_std_err(self) -> float:
        """Residual standard error :math:`\\sqrt{\\mathrm{SSR}/(n-p)}`."""
        return float(np.sqrt(self.s2))

    def predict(self, data: pd.DataFrame | None = None) -> pd.Series:  # type: ignore[override]
        """Fitted right-hand side at the estimates, on ``data`` (default: estimation data)."""
        return self.model.predict(self.params, data)

    def _summary_header(self) -> list[tuple[str, object]]:
        head = super()._summary_header()
        head += [
            ("Formula", self.formula),
            ("R-squared", self.rsquared),
            ("Converged", "yes" if self.converged else "NO"),
            ("Relative offset", self.relative_offset),
            ("Evaluations", self.nfev),
        ]
        return head

    def _summary_notes(self) -> list[str]:
        if self.converged:
            return []
        return [f"WARNING: not converged: {self.convergence_reason}"]


def nls(formula: str, data: pd.DataFrame, start: Mapping[str, float] | pd.Series,
        *, cov_type: str = "unadjusted", bounds=None, missing: str = "raise",
        config: OptimizerConfig | None = None, clusters=None, **options: Any) -> NLSResults:
    """Fit a nonlinear regression given as an expression string.

    .. math::

        \\hat\\theta = \\arg\\min_\\theta \\sum_i (\\mathrm{lhs}_i - f(x_i;\\theta))^2

    Parameters
    ----------
    formula : str
        For example ``"y ~ b1*(1 - exp(-b2*x))"``; names are data columns and the keys of
        ``start``.
    data : DataFrame
        Data holding every column named in the formula.
    start : mapping or Series
        Starting values of all parameters.
    cov_type : {"unadjusted", "robust", "clustered"}
        Covariance estimator; ``clusters=`` gives the groups for ``"clustered"``.
    bounds : mapping, optional
        ``{name: (lower, upper)}``.
    missing : {"raise", "drop"}
        Missing-value policy.
    config : OptimizerConfig, optional
        Optimiser settings; other keyword ``options`` override single fields
        (``method="lm"``, ``max_nfev=50``) or are fit options (``hc="HC0"``, ``debiased``).

    Returns
    -------
    NLSResults
        With ``.params``, ``.std_errors``, ``.ssr``, ``.converged``, ``.nfev``, ...

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> x = np.linspace(0, 5, 50); y = 3 * (1 - np.exp(-0.7 * x))
    >>> res = nls("y ~ b1*(1 - exp(-b2*x))", pd.DataFrame({"x": x, "y": y}),
    ...           {"b1": 1.0, "b2": 0.1})
    >>> round(float(res.params["b2"]), 6)
    0.7
    """
    fit_kw = {k: options.pop(k) for k in ("hc", "debiased") if k in options}
    try:
        model = NLS(formula, data, start, bounds=bounds, missing=missing)
    except ExpressionError:
        raise
    return model.fit(cov_type, config=config, clusters=clusters, **fit_kw, **options)
