"""The NLS model: formula and data in, compiled residual and Jacobian, :meth:`NLS.fit`."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

from intelcap._expressions import parse_formula, usable_names
from intelcap._validation import check_choice, handle_missing
from intelcap.estimation.covariance import check_cov_options
from intelcap.estimation.nls.compile import _CACHE, _CACHE_SIZE, _compile, _Compiled
from intelcap.estimation.nls.config import OptimizerConfig
from intelcap.estimation.nls.linalg import _CHOLQR_MIN_ROWS, blas_single_thread
from intelcap.estimation.nls.results import NLSResults
from intelcap.estimation.nls.solvers import _optimise
from intelcap.exceptions import (
    DataError,
    ExpressionError,
    IntelcapTypeError,
    MissingDataError,
    ParameterError,
    SpecificationError,
)

#: Parsed formulas by (formula, names, symbols): sympy expressions are immutable, so a formula
#: fitted again (replications, bootstraps, benchmarks) is parsed once.
_PARSED: dict[Any, tuple[sp.Expr, sp.Expr]] = {}


def _parse(formula: str, names: tuple[str, ...], symbols) -> tuple[sp.Expr, sp.Expr]:
    key = (formula, names, None if symbols is None else tuple(sorted(symbols.items())))
    hit = _PARSED.get(key)
    if hit is None:
        hit = parse_formula(formula, list(names), symbols=symbols)
        if len(_PARSED) >= _CACHE_SIZE:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = hit
    return hit


#: The symbols by name and the printed left-hand side of an expression pair (walking and
#: printing sympy trees costs more than the rest of a model's set-up; done once per pair).
_SYMBOLS: dict[tuple[sp.Expr, sp.Expr], tuple[dict[str, sp.Symbol], str]] = {}


def _symbols_of(lhs: sp.Expr, rhs: sp.Expr) -> tuple[dict[str, sp.Symbol], str]:
    hit = _SYMBOLS.get((lhs, rhs))
    if hit is None:
        hit = ({s.name: s for s in (lhs.free_symbols | rhs.free_symbols)}, str(lhs))
        if len(_SYMBOLS) >= _CACHE_SIZE:
            _SYMBOLS.pop(next(iter(_SYMBOLS)))
        _SYMBOLS[(lhs, rhs)] = hit
    return hit


#: Rows per block when evaluating the compiled residual and Jacobian (64 KiB per temporary).
_CHUNK = 8192


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
            names = set(_symbols_of(self.lhs, self.rhs)[0])
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
                self.lhs, self.rhs = _parse(formula, (*usable, *params), symbols)
            except ExpressionError as err:
                missing = getattr(err, "unknown_name", None)
                if missing is None:
                    raise
                raise ParameterError(
                    f"start value of {missing!r} is missing: {missing!r} appears in the formula "
                    f"{formula!r} but is neither a key of start {list(params)} nor a data column "
                    f"{columns}; give its start value (or add the column)") from None
        symbol_map, self.dependent = _symbols_of(self.lhs, self.rhs)
        expr_names = set(symbol_map)
        unused = [p for p in params if p not in expr_names]
        if unused:
            raise SpecificationError(
                f"parameter(s) {unused} of start do not appear in the formula {formula!r}")
        self.params = params
        self.data_columns = tuple(c for c in columns if c in expr_names)
        if not self.data_columns:
            raise SpecificationError(f"formula {formula!r} uses no data column")
        self._symbols = dict(symbol_map)
        self._param_index = pd.Index(list(params), dtype=object)
        self.start = pd.Series(start_arr, index=self._param_index, name="start")
        self.bounds = self._parse_bounds(bounds)
        check_choice("missing", missing, ("raise", "drop"))
        cols = list(self.data_columns)
        if self._fast_columns(data, cols):
            return
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
        self._finish()

    def _fast_columns(self, data: pd.DataFrame, cols: list[str]) -> bool:
        """The common case without pandas indexing: every used column numeric and finite
        (then nothing is missing); ``False`` sends the caller to the checking path."""
        label = {str(c): c for c in data.columns}
        arrays = {}
        for c in cols:
            try:
                arr = data[label[c]].to_numpy(dtype=float)
            except (TypeError, ValueError, KeyError):
                return False
            if arr.ndim != 1:
                return False
            # one reduction without a temporary: a finite sum means every value is finite
            # (an overflowing sum of finite values only sends the caller to the exact check)
            with np.errstate(all="ignore"):
                if not np.isfinite(np.add.reduce(arr)):
                    return False
            arrays[c] = arr
        self._index = data.index
        self._data = arrays
        self._finish()
        return True

    def _finish(self) -> None:
        self.nobs = len(self._index)
        if self.nobs <= len(self.params):
            raise SpecificationError(
                f"{self.nobs} observations cannot identify {len(self.params)} parameters "
                "(need more observations than parameters)")
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
        self._values = values
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

        The Jacobian is written once, block by block, into a ``p x n`` buffer whose transpose is
        the column-major ``n x p`` Jacobian (no transposing copy); for long data the block's
        cross-products :math:`J'J`, :math:`J'e`, :math:`e'e` are accumulated from that buffer
        while it is in cache. The buffer of the last evaluation is reused by the next one
        unless the Jacobian was handed out by ``jac`` (so a returned array is never
        overwritten): Levenberg-Marquardt on the cross-product asks for the Jacobian only at
        its final point, and its trial evaluations then write into warm memory instead of
        page-faulting a fresh array each time. ``jac`` at a point whose Jacobian was not kept
        evaluates it again (the values are identical).
        """
        comp = self.compiled
        cols = self._columns()
        n, p = self.nobs, len(self.params)
        tall = n >= _CHOLQR_MIN_ROWS
        fn = comp.both_fn
        cache: dict[bytes, list] = {}  # key -> [r, A, g, F, J or None]
        scratch: list = [None, None]  # [key of the last evaluation, its p x n buffer]

        def evaluate(theta: np.ndarray, key: bytes) -> list:
            args = [float(v) for v in theta]
            r = np.empty(n)
            jt = scratch[1]
            if jt is None:
                jt = np.empty((p, n))
            scratch[0], scratch[1] = None, jt  # invalid until the evaluation completes
            A = np.zeros((p, p)) if tall else None
            g = np.zeros(p) if tall else None
            F = 0.0
            with np.errstate(all="ignore"):
                for lo in range(0, n, _CHUNK):
                    hi = min(lo + _CHUNK, n)
                    out_all = fn(*[c[lo:hi] for c in cols], *args)
                    rk = r[lo:hi]
                    rk[...] = out_all[0]
                    bk = jt[:, lo:hi]
                    for j, c in enumerate(out_all[1:]):
                        bk[j] = c
                    if tall:
                        # the cross-products J'J, J'r and r'r of the block while it is in
                        # cache (one pass over the data per evaluation instead of three)
                        A += bk @ bk.T
                        g += bk @ rk
                        F += float(rk @ rk)
            entry = [r, A, g, F, None]
            scratch[0] = key
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            cache[key] = entry
            return entry

        def lookup(theta) -> tuple[np.ndarray, bytes, list]:
            theta = np.asarray(theta, dtype=float)
            key = theta.tobytes()
            hit = cache.get(key)
            if hit is None:
                hit = evaluate(theta, key)
            return theta, key, hit

        def resid(theta: np.ndarray) -> np.ndarray:
            return lookup(theta)[2][0]

        def jac(theta: np.ndarray) -> np.ndarray:
            theta, key, hit = lookup(theta)
            if hit[4] is None:
                if scratch[0] != key:
                    hit = evaluate(theta, key)  # the buffer holds another point's Jacobian
                hit[4] = scratch[1].T  # column-major n x p, as MINPACK and LAPACK want
                scratch[0], scratch[1] = None, None  # handed out: never written again
            return hit[4]

        def cross(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
            """:math:`J'J`, :math:`J'r` and :math:`r'r` at ``theta`` (long data only)."""
            return tuple(lookup(theta)[2][1:4])

        resid.cross = cross if tall else None  # type: ignore[attr-defined]
        return resid, jac

    # -- fitting -------------------------------------------------------------------------------
    def fit(
        self,
        cov_type: str = "unadjusted",
        *,
        config: OptimizerConfig | None = None,
        clusters: pd.Series | pd.DataFrame | np.ndarray | None = None,
        debiased: bool = False,
        time: pd.Series | np.ndarray | None = None,
        bandwidth: float | None = None,
        kernel: str | None = None,
        **options: Any,
    ) -> NLSResults:
        r"""Minimise the sum of squared residuals.

        Parameters
        ----------
        cov_type : str
            Covariance estimator, one of :data:`intelcap.estimation.covariance.COV_TYPES`
            (``"unadjusted"``, ``"robust"`` = HC0, ``"HC0"``-``"HC3"``, ``"clustered"``,
            ``"kernel"``), computed by :func:`intelcap.estimation.covariance.covariance` from
            the Jacobian at the estimates.
        config : OptimizerConfig, optional
            Optimiser settings; keyword ``options`` (``method=``, ``max_nfev=``, ...) override
            single fields of it.
        clusters : Series, DataFrame or array, optional
            Cluster labels for ``cov_type="clustered"`` (one column, or two for two-way;
            aligned with the data's index).
        debiased : bool
            Small-sample factor and t reference distribution, as in linearmodels (default
            False): ``s^2 = SSR/(n - p)`` for ``"unadjusted"``, HC1 for ``"robust"``, Stata's
            :math:`\frac{G}{G-1}\frac{n-1}{n-p}` for ``"clustered"``.
        time, bandwidth, kernel
            Options of ``cov_type="kernel"`` (see the covariance module).

        Returns
        -------
        NLSResults
        """
        if "hc" in options:
            raise SpecificationError(
                f"hc={options['hc']!r} is no longer an option: pass cov_type='HC0' or 'HC1' "
                "(cov_type='robust' is HC0; with debiased=True it is HC1)")
        cov_name = check_cov_options(cov_type, clusters=clusters, time=time,
                                     bandwidth=bandwidth, kernel=kernel, debiased=debiased)
        config = config or OptimizerConfig()
        if options:
            unknown = [k for k in options if k not in OptimizerConfig.__dataclass_fields__]
            if unknown:
                raise SpecificationError(
                    f"unknown option(s) {unknown}; valid are cov_type, config, clusters, "
                    f"debiased, time, bandwidth, kernel and the fields of OptimizerConfig "
                    f"{list(OptimizerConfig.__dataclass_fields__)}")
            config = replace(config, **options)
        if self.bounds is not None and config.method == "lm":
            raise SpecificationError("method='lm' does not accept bounds; use 'trf' or 'dogbox'")
        cov_options = {"clusters": self._aligned(clusters, "clusters"),
                       "time": self._aligned(time, "time"), "bandwidth": bandwidth,
                       "kernel": kernel}
        with blas_single_thread() if self.nobs >= _CHOLQR_MIN_ROWS else nullcontext():
            return self._fit(cov_name, debiased, cov_options, config)

    def _fit(self, cov_name: str, debiased: bool, cov_options: dict[str, Any],
             config: OptimizerConfig) -> NLSResults:
        resid, jac = self._functions()
        theta0 = self.start.to_numpy()
        r0 = resid(theta0)
        if not np.all(np.isfinite(r0)):
            pos = int(np.flatnonzero(~np.isfinite(r0))[0])
            raise ParameterError(
                f"the model cannot be evaluated at the start values (non-finite residual at row "
                f"{self._index[pos]!r}); check the start values {self.start.to_dict()}")
        # the left-hand side (data only): the residual plus the fitted value at any point
        lhs_fn = self.compiled.lhs_fn
        lhs_name = self.compiled.lhs_name
        if lhs_name is not None and lhs_name in self._values:
            lhs = np.asarray(self._values[lhs_name], dtype=float)  # log(Y) etc., computed once
        elif lhs_fn is not None:
            with np.errstate(all="ignore"):
                lhs = np.broadcast_to(np.asarray(lhs_fn(*[self._data[c] for c in
                                                          lhs_fn.data_names]), dtype=float),
                                      (self.nobs,)).copy()
        else:
            lhs = r0 + self._fitted(theta0, None)
        with np.errstate(over="ignore", invalid="ignore"):
            scales = (float(np.linalg.norm(lhs)), float(np.linalg.norm(r0)))
        if not all(np.isfinite(scales)):
            big = float(np.max(np.abs(np.r_[lhs, r0])))
            raise DataError(
                f"the sum of squares of {self.dependent!r} (or of the residuals at the start "
                f"values) overflows double precision (largest magnitude {big:.3g}); rescale the "
                "data (for example express them in larger units) so that squares stay below "
                "1e300")
        run = _optimise(resid, jac, theta0, self.bounds, config, self.nobs, scales[0])
        return NLSResults._build(self, run, cov_name, debiased, cov_options, config, lhs)

    def _aligned(self, labels, what: str):
        """``labels`` (clusters or time) on the estimation rows: a Series/DataFrame is aligned
        by index, an array must have one entry per estimation row."""
        if labels is None:
            return None
        if isinstance(labels, (pd.Series, pd.DataFrame)):
            if labels.index.equals(self._index):
                return labels.to_numpy()
            missing = self._index.difference(labels.index)
            if len(missing):
                raise DataError(f"{what} has no label for row {missing[0]!r} of the data "
                                "(it is not indexed like the data)")
            return labels.loc[self._index].to_numpy()
        values = np.asarray(labels)
        if values.shape[0] != self.nobs:
            raise DataError(
                f"{what} has {values.shape[0]} labels but the data have {self.nobs} rows")
        return values

    def _fitted(self, theta, data: pd.DataFrame | None) -> np.ndarray:
        """The right-hand side at ``theta`` (array; no checks)."""
        comp = self.compiled
        names = comp.fitted_fn.data_names
        if data is None:
            cols = [self._data[n] for n in names]
            n = self.nobs
        else:
            cols = [data[n].to_numpy(dtype=float) for n in names]
            n = len(data)
        with np.errstate(all="ignore"):
            out = comp.fitted_fn(*cols, *[float(v) for v in theta])
        return np.broadcast_to(np.asarray(out, dtype=float), (n,)).copy()

    def predict(self, params: pd.Series | Mapping[str, float],
                data: pd.DataFrame | None = None) -> pd.Series:
        """Evaluate the right-hand side at ``params`` on ``data`` (default: the estimation data).

        Raises
        ------
        ParameterError
            ``params`` lacks a parameter or holds a non-finite value.
        DataError
            ``data`` lacks a column, holds a non-numeric or non-finite value (named with its
            row), or the model is undefined or overflows at some row (a log of a negative
            number, an overflowing power): the first such row is named.
        """
        comp = self.compiled
        names = comp.fitted_fn.data_names
        values = pd.Series(params)
        absent = [p for p in self.params if p not in values.index]
        if absent:
            raise ParameterError(f"params lacks {absent}; the model's parameters are "
                                 f"{list(self.params)}")
        theta = np.array([float(values[p]) for p in self.params])
        if not np.all(np.isfinite(theta)):
            bad = [p for p, v in zip(self.params, theta, strict=True) if not np.isfinite(v)]
            raise ParameterError(f"parameter(s) {bad} are not finite")
        if data is None:
            index = self._index
        else:
            if not isinstance(data, pd.DataFrame):
                raise IntelcapTypeError(
                    f"data must be a pandas DataFrame, got {type(data).__name__}")
            missing = [n for n in names if n not in data.columns]
            if missing:
                raise DataError(f"data for prediction lacks column(s) {missing}")
            for n in names:
                try:
                    col = data[n].to_numpy(dtype=float)
                except (TypeError, ValueError):
                    raise DataError(f"column {n!r} is not numeric") from None
                bad = ~np.isfinite(col)
                if bad.any():
                    pos = int(np.flatnonzero(bad)[0])
                    raise DataError(f"column {n!r} has {int(bad.sum())} non-finite value(s), "
                                    f"first at row {data.index[pos]!r}")
            index = data.index
        out = self._fitted(theta, data)
        bad = ~np.isfinite(out)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"the model {self.formula!r} is not finite (NaN or infinite) at {int(bad.sum())} "
                f"row(s), first at row {index[pos]!r}: the expression is undefined or overflows "
                "there; check the data and parameter values")
        return pd.Series(out, index=index, name="fitted_values")


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
    cov_type : str
        Covariance estimator of :mod:`intelcap.estimation.covariance` (``"unadjusted"``,
        ``"robust"`` = HC0, ``"HC0"``-``"HC3"``, ``"clustered"``, ``"kernel"``);
        ``clusters=`` gives the groups for ``"clustered"``.
    bounds : mapping, optional
        ``{name: (lower, upper)}``.
    missing : {"raise", "drop"}
        Missing-value policy.
    config : OptimizerConfig, optional
        Optimiser settings; other keyword ``options`` override single fields
        (``method="lm"``, ``max_nfev=50``) or are fit options (``debiased``, ``time``,
        ``bandwidth``, ``kernel``; see :meth:`NLS.fit`).

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
    fit_kw = {k: options.pop(k) for k in ("debiased", "time", "bandwidth", "kernel")
              if k in options}
    model = NLS(formula, data, start, bounds=bounds, missing=missing)
    return model.fit(cov_type, config=config, clusters=clusters, **fit_kw, **options)
