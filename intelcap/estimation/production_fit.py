"""Fitting :mod:`intelcap.production` forms to data by nonlinear least squares.

:func:`fit_production` takes any :class:`~intelcap.production.core.ProductionFunction` (CES, the
intelligent-capital forms with a logistic or step transition, a user expression) and estimates
its parameters by :class:`~intelcap.estimation.nls.NLS` with the analytic sympy Jacobian of the
form's own expression (its symbols, with their assumptions, are used as they are). With
``log=True`` (default) the error is multiplicative,

.. math::

    \\ln Y_i = \\ln F(x_i; \\theta) + \\varepsilon_i ,

with ``log=False`` additive, :math:`Y_i = F(x_i;\\theta) + \\varepsilon_i`.

Start values
------------
NLS on these forms needs sensible starts. They come, in this order of precedence, from
``start=``, from ``fixed=``, from the form's known ``values``, and, only for the parameters
still missing, from the form's own rule,
:meth:`~intelcap.production.core.ProductionFunction.start_values`:

* Cobb-Douglas and translog: their log-linear OLS (exact for a multiplicative error);
* CES: for two inputs the **Kmenta (1967) approximation**, the second-order expansion of
  :math:`\\ln Y` in :math:`\\rho` around :math:`\\rho = 0`,

  .. math::

      \\ln Y \\approx \\ln A + \\nu\\delta \\ln K + \\nu(1-\\delta)\\ln L
      + \\tfrac12 \\rho\\nu\\delta(1-\\delta) (\\ln K - \\ln L)^2 ,

  estimated by OLS (:func:`kmenta`) and solved for :math:`(A, \\delta, \\nu, \\rho)`; with a
  known ``nu`` its constant-returns form, which stays identified when an input is a constant
  column; otherwise log-linear Cobb-Douglas slopes;
* nested CES: Cobb-Douglas slopes for the weights and ``nu``;
* intelligent-capital forms: the base form's rule plus rules of their own, and for a transition
  (``tau``, ``gamma``) a profile grid: for ``tau`` at the 15, 30, 50, 70, 85% quantiles of the
  threshold variable and a few slopes ``gamma``, the other parameters are fitted with the
  transition held fixed, and the best pair starts the full fit;
* a general expression (:func:`~intelcap.production.from_expression`) has no rule: pass its
  starts in ``start=``.

References
----------
Kmenta, J. (1967). On estimation of the CES production function. *International Economic Review*
8(2), 180-189.
Henningsen, A. and Henningsen, G. (2012). On estimation of the CES production function -
revisited. *Economics Letters* 115(1), 67-69.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp
from scipy import optimize

from intelcap._validation import check_columns, check_positive, handle_missing
from intelcap.estimation.linear import OLS, OLSResults
from intelcap.estimation.nls import NLS, NLSResults, OptimizerConfig
from intelcap.estimation.results import Results
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    IntelcapWarning,
    ParameterError,
    SpecificationError,
)
from intelcap.production.forms import kmenta_parameters

__all__ = ["KmentaResults", "ProductionFitResults", "fit_production", "kmenta", "start_values"]

#: Slopes of the logistic tried by the profile grid (in units of ln s).
GRID_GAMMAS = (3.0, 10.0)
#: Quantiles of the threshold variable tried as ``tau``.
GRID_QUANTILES = (0.15, 0.3, 0.5, 0.7, 0.85)


def _positive(data: pd.DataFrame, cols: Sequence[str]) -> None:
    """Production inputs and output must be positive (logs are taken); names column and row."""
    for c in cols:
        check_positive(data[c], f"column {c!r}", data.index)


class ProductionFitResults(NLSResults):
    """Results of :func:`fit_production`: :class:`~intelcap.estimation.nls.NLSResults` plus
    what the production-function fit adds.

    Attributes
    ----------
    production_function : ProductionFunction or None
        The form with the estimates (and the fixed values) as its values; ``None`` when an
        estimate is outside the form's admissible range (``production_function_error`` says
        why).
    production_function_error : str or None
        Why no ``production_function`` is attached.
    start_values : Series
        The start values of the fit.
    start_method : str
        Where the start values came from.
    log : bool
        Whether :math:`\\ln Y = \\ln F` (multiplicative error) was fitted.
    fixed : dict
        The parameters held fixed, with their values.
    """

    def __init__(self, *args: Any, production_function: Any,
                 production_function_error: str | None, start_values: pd.Series,
                 start_method: str, log: bool, fixed: Mapping[str, float],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model_name = "Nonlinear Least Squares (production function)"
        self.production_function = production_function
        self.production_function_error = production_function_error
        self.start_values = start_values
        self.start_method = start_method
        self.log = bool(log)
        self.fixed = dict(fixed)


class KmentaResults(Results):
    """The Kmenta (1967) approximation of a two-input CES: CES parameters with standard errors.

    ``params`` are ``A``, ``delta_<x1>``, ``rho`` and (without constant returns) ``nu``, the
    exact functions of the coefficients of the linearised regression given in :func:`kmenta`;
    their covariance is the **delta method** applied to that regression's covariance,
    :math:`\\hat V_\\theta = G \\hat V_b G'` with :math:`G = \\partial\\theta/\\partial b'`
    evaluated at the estimates. ``ols`` is the linearised regression itself
    (:class:`~intelcap.estimation.linear.OLSResults`), ``jacobian`` the matrix :math:`G`, and
    ``constant_returns`` whether :math:`\\nu = 1` was imposed.
    """

    def __init__(self, params: pd.Series, cov: pd.DataFrame, ols: OLSResults,
                 jacobian: pd.DataFrame, constant_returns: bool) -> None:
        super().__init__(params, cov, nobs=ols.nobs, df_resid=ols.df_resid,
                         resids=ols.resids, fitted_values=ols.fitted_values, ssr=ols.ssr,
                         model_name="Kmenta (1967) approximation of a CES",
                         dependent=ols.dependent, cov_type=ols.cov_type,
                         distribution=ols.distribution)
        self.ols = ols
        self.jacobian = jacobian
        self.constant_returns = constant_returns

    def _summary_notes(self) -> list[str]:
        return [*super()._summary_notes(),
                "CES parameters solved from the linearised regression; standard errors by the "
                "delta method from its covariance" + (" (nu = 1 imposed)."
                                                       if self.constant_returns else ".")]


def kmenta(data: pd.DataFrame, output: str = "Y", inputs: Sequence[str] = ("K", "L"), *,
           constant_returns: bool = False, cov_type: str = "unadjusted",
           debiased: bool = False, **fit_options: Any) -> KmentaResults:
    """Kmenta (1967) approximation of a two-input CES, with delta-method standard errors.

    For :math:`Y = A(\\delta x_1^\\rho + (1-\\delta) x_2^\\rho)^{\\nu/\\rho}` the
    second-order expansion in :math:`\\rho` around 0 is the linear regression

    .. math::

        \\ln Y = b_0 + b_1 \\ln x_1 + b_2 \\ln x_2 + b_3 (\\ln x_1 - \\ln x_2)^2 + e ,

    whose coefficients give :math:`\\nu = b_1 + b_2`, :math:`\\delta = b_1/\\nu`,
    :math:`A = e^{b_0}` and :math:`\\rho = 2 b_3 / (\\nu\\delta(1-\\delta))`. With
    ``constant_returns=True`` (:math:`\\nu = 1`) the regression is

    .. math::

        \\ln(Y/x_2) = b_0 + b_1 \\ln(x_1/x_2) + b_3 (\\ln x_1 - \\ln x_2)^2 + e ,

    with :math:`\\delta = b_1` and :math:`\\rho = 2 b_3/(\\delta(1-\\delta))`; it needs no
    variation in :math:`x_1` and :math:`x_2` separately, only in their ratio.

    Parameters
    ----------
    data : DataFrame
        Columns ``output`` and the two ``inputs``, positive.
    output : str
    inputs : pair of str
        :math:`x_1, x_2`; ``delta_<x1>`` is the weight of the first.
    constant_returns : bool
        Impose :math:`\\nu = 1`.
    cov_type, debiased, fit_options
        Covariance of the linear regression (:meth:`intelcap.estimation.linear.OLS.fit`, names
        and ``debiased`` as in :mod:`intelcap.estimation.covariance`; ``debiased=True`` gives
        the classical OLS covariance with :math:`s^2 = SSR/(n-k)`); the parameters'
        covariance is its delta-method transform.

    Returns
    -------
    KmentaResults
        ``params`` ``A``, ``delta_<x1>``, ``rho`` (, ``nu``) with delta-method standard
        errors; the regression in ``ols``.

    References
    ----------
    Kmenta, J. (1967). On estimation of the CES production function. *International Economic
    Review* 8(2), 180-189.
    """
    inputs = tuple(inputs)
    if len(inputs) != 2:
        raise SpecificationError("the Kmenta approximation is for two inputs")
    check_columns(data, [output, *inputs], what="data")
    _positive(data, [output, *inputs])
    x1, x2 = inputs
    lk, ll = np.log(data[x1].to_numpy(float)), np.log(data[x2].to_numpy(float))
    ly = np.log(data[output].to_numpy(float))
    if constant_returns:
        names = ["const", f"ln({x1}/{x2})", "sq_diff"]
        exog = pd.DataFrame(dict(zip(names, [1.0, lk - ll, (lk - ll) ** 2], strict=True)),
                            index=data.index)
        dep = pd.Series(ly - ll, index=data.index, name=f"ln({output}/{x2})")
    else:
        names = ["const", f"ln_{x1}", f"ln_{x2}", "sq_diff"]
        exog = pd.DataFrame(dict(zip(names, [1.0, lk, ll, (lk - ll) ** 2], strict=True)),
                            index=data.index)
        dep = pd.Series(ly, index=data.index, name=f"ln_{output}")
    ols = OLS(dep, exog).fit(cov_type, debiased=debiased, **fit_options)
    b = ols.params.to_numpy()
    dname = f"delta_{x1}"
    if constant_returns:
        b0, b1, b3 = b
        implied = kmenta_parameters({"b0": b0, "b1": b1, "b3": b3}, constant_returns=True)
        d1 = b1 * (1 - b1)
        jac = np.array([[np.exp(b0), 0.0, 0.0],
                        [0.0, 1.0, 0.0],
                        [0.0, -2 * b3 * (1 - 2 * b1) / d1**2, 2 / d1]])
        pnames = ["A", dname, "rho"]
    else:
        b0, b1, b2, b3 = b
        implied = kmenta_parameters({"b0": b0, "b1": b1, "b2": b2, "b3": b3})
        nu = b1 + b2
        jac = np.array([[np.exp(b0), 0.0, 0.0, 0.0],
                        [0.0, b2 / nu**2, -b1 / nu**2, 0.0],
                        [0.0, -2 * b3 / b1**2, -2 * b3 / b2**2, 2 * (1 / b1 + 1 / b2)],
                        [0.0, 1.0, 1.0, 0.0]])
        pnames = ["A", dname, "rho", "nu"]
    values = [implied["A"], implied["delta"], implied["rho"], implied["nu"]][:len(pnames)]
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(jac)):
        raise DataError(
            f"the Kmenta regression implies no CES: a coefficient that divides is zero "
            f"(coefficients {dict(zip(names, np.round(b, 6).tolist(), strict=True))})")
    params = pd.Series(values, index=pnames, name="parameter")
    cov = jac @ ols.cov.to_numpy() @ jac.T
    return KmentaResults(params, pd.DataFrame(cov, index=pnames, columns=pnames), ols,
                         pd.DataFrame(jac, index=pnames, columns=names), constant_returns)


def start_values(pf: Any, data: pd.DataFrame, output: str = "Y", *,
                 start: Mapping[str, float] | None = None,
                 fixed: Mapping[str, float] | None = None) -> dict[str, float]:
    """The start values :func:`fit_production` uses for the free parameters of ``pf``.

    Precedence: ``start``, then ``fixed`` (those parameters are not free), then the form's
    ``values``, then the form's rule :meth:`pf.start_values(data, y, known)
    <intelcap.production.core.ProductionFunction.start_values>`, asked only when something is
    still missing.

    Raises
    ------
    ParameterError
        Naming the parameters for which neither source gives a value (pass them in ``start=``).
    """
    st, _ = _starts(pf, data, output, dict(start or {}), dict(fixed or {}))
    return st


def _starts(pf: Any, data: pd.DataFrame, output: str, given: dict[str, float],
            fixed: dict[str, float]) -> tuple[dict[str, float], str]:
    free = [p for p in pf.parameters if p not in fixed]
    st = {p: float(given[p]) if p in given else float(pf.values[p])
          for p in free if p in given or p in pf.values}
    method = "given (start=, the form's values)"
    missing = [p for p in free if p not in st]
    if missing:
        rule = pf.start_values(data, data[output].to_numpy(float), {**fixed, **given})
        method = getattr(rule, "method", "") or type(pf).__name__ + ".start_values"
        st.update({p: float(rule[p]) for p in missing if p in rule})
        still = [p for p in free if p not in st]
        if still:
            raise ParameterError(
                f"no start value for parameter(s) {still}: the form's start rule ({method}) "
                "gives none; pass them in start={...}")
    return {p: st[p] for p in free}, method


def _profile_start(model: NLS, start: dict[str, float], free: Sequence[str],
                   grid: list[dict[str, float]]) -> tuple[dict[str, float], float]:
    """Best grid point: the other parameters fitted with the grid's parameters held fixed."""
    resid, jac = model._functions()
    names = list(model.params)
    idx_fixed = [names.index(p) for p in grid[0]]
    idx_free = [names.index(p) for p in free]
    best, best_cost = dict(start), np.inf
    for point in grid:
        theta = np.array([start[p] for p in names], dtype=float)
        for p, v in point.items():
            theta[names.index(p)] = v

        def f(z, theta=theta):
            t = theta.copy()
            t[idx_free] = z
            return resid(t)

        def j(z, theta=theta):
            t = theta.copy()
            t[idx_free] = z
            return jac(t)[:, idx_free]

        if not np.all(np.isfinite(f(theta[idx_free]))):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                out = optimize.least_squares(f, theta[idx_free], jac=j, method="trf",
                                             x_scale="jac", max_nfev=30)
            except (ValueError, np.linalg.LinAlgError):
                continue
        cost = float(out.fun @ out.fun)
        if np.isfinite(cost) and cost < best_cost:
            best_cost = cost
            theta[idx_free] = out.x
            best = dict(zip(names, theta.tolist(), strict=True))
    del idx_fixed
    return best, best_cost


def fit_production(
    pf: Any,
    data: pd.DataFrame,
    output: str = "Y",
    start: Mapping[str, float] | None = None,
    *,
    log: bool = True,
    fixed: Sequence[str] | Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    cov_type: str = "unadjusted",
    clusters: Any = None,
    grid: bool = True,
    missing: str = "raise",
    config: OptimizerConfig | None = None,
    **options: Any,
) -> ProductionFitResults:
    """Estimate the parameters of a production function by nonlinear least squares.

    Parameters
    ----------
    pf : ProductionFunction
        The form (its ``expr``, ``inputs``, ``parameters``, ``symbols`` and ``values``).
    data : DataFrame
        Columns ``output`` and every input of ``pf`` (positive, except the form's ``signed``
        inputs such as a time trend).
    output : str
        Column of output.
    start : mapping, optional
        Start values (any subset). The rest come from ``fixed``-free form ``values`` and, for
        what is still missing, from the form's rule ``pf.start_values(data, y, known)`` (see
        the module docstring); a form without a rule (a general expression) needs them all
        here.
    log : bool
        Fit :math:`\\ln Y = \\ln F` (multiplicative error, default) or :math:`Y = F`.
    fixed : sequence or mapping, optional
        Parameters held fixed: names (at the form's ``values``) or ``{name: value}``.
    bounds : mapping, optional
        ``{name: (lower, upper)}`` for the estimated parameters.
    cov_type, clusters
        Covariance (``"unadjusted"``, ``"robust"``, ``"clustered"`` with ``clusters=``).
    grid : bool
        Use the profile grid for transition parameters when no start is given for them.
    missing : {"raise", "drop"}
        Missing-value policy.
    config, options
        Optimiser settings (:class:`~intelcap.estimation.nls.OptimizerConfig`).

    Returns
    -------
    ProductionFitResults
        :class:`~intelcap.estimation.nls.NLSResults` with, in addition,
        ``production_function`` (the form with the estimates as values; ``None``, with
        ``production_function_error`` and an ``IntelcapWarning``, when an estimate is outside
        the form's admissible range), ``start_values`` (the start used), ``start_method``
        (where it came from), ``log`` and ``fixed``.

    Raises
    ------
    ParameterError
        Naming the parameters that have no start value (neither given nor from the form's
        rule).

    Examples
    --------
    A one-input CES written as a two-input one with a constant column, nu held at 1 (the CES
    Solow regression of Masanjala and Papageorgiou 2004):

    >>> import pandas as pd
    >>> from intelcap import datasets
    >>> from intelcap.production import CES
    >>> mrw = datasets.mrw1992.load().query("n == 1")
    >>> df = pd.DataFrame({"x1": 1.0, "x2": (mrw.popgrowth + 5) / mrw.i_y, "Y": mrw.rgdpw85})
    >>> res = fit_production(CES(("x1", "x2"), restrict_rho=False), df, fixed=("nu",),
    ...                      log=False)
    >>> round(float(res.params["delta_x1"]), 3), round(float(res.params["rho"]), 3)
    (3.977, 0.197)
    """
    for attr in ("expr", "inputs", "parameters", "symbols", "values"):
        if not hasattr(pf, attr):
            raise IntelcapTypeError(
                f"pf must be a ProductionFunction (it has no {attr!r}); got {type(pf).__name__}")
    if not isinstance(data, pd.DataFrame):
        raise IntelcapTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    inputs = list(pf.inputs)
    check_columns(data, [output, *inputs], what="data")
    data = handle_missing(data, [output, *inputs], missing)
    signed = set(getattr(pf, "signed", ()))
    _positive(data, [output, *[x for x in inputs if x not in signed]])
    if output in pf.parameters:
        raise SpecificationError(f"output column {output!r} clashes with a parameter name")
    # fixed parameters
    fixed_values: dict[str, float] = {}
    if fixed is not None:
        if isinstance(fixed, Mapping):
            fixed_values = {str(k): float(v) for k, v in fixed.items()}
        else:
            for name in fixed:
                if name not in pf.values:
                    raise ParameterError(f"fixed parameter {name!r} has no value in the form; "
                                         "pass fixed={name: value}")
                fixed_values[name] = float(pf.values[name])
        unknown = [k for k in fixed_values if k not in pf.parameters]
        if unknown:
            raise SpecificationError(f"fixed names {unknown} are not parameters of the form "
                                     f"{list(pf.parameters)}")
    free = [p for p in pf.parameters if p not in fixed_values]
    if not free:
        raise SpecificationError("every parameter is fixed: nothing to estimate")
    if start is not None:
        unknown = [k for k in start if k not in pf.parameters]
        if unknown:
            raise SpecificationError(f"start names {unknown} are not parameters of the form "
                                     f"{list(pf.parameters)}")
    sym = pf.symbols
    expr = pf.expr.subs({sym[k]: v for k, v in fixed_values.items()})
    free_syms = {sym[p] for p in free}
    stepped = sorted({str(x) for h in expr.atoms(sp.Heaviside)
                      for x in h.args[0].free_symbols & free_syms})
    if stepped:
        raise SpecificationError(
            f"parameter(s) {stepped} sit inside a hard step (Heaviside): least squares is not "
            "differentiable in a threshold. Estimate it by concentrated least squares "
            "(intelcap.estimation.threshold.ThresholdRegression / PanelThreshold), use a "
            f"Logistic transition, or hold it fixed with fixed={{{stepped[0]!r}: value}}")
    y_sym = sp.Symbol(output, positive=True)
    if log:
        lhs = sp.log(y_sym)
        rhs = sp.expand_log(sp.log(expr), force=True)
    else:
        lhs, rhs = y_sym, expr
    # start values: start= > fixed= > the form's values > the form's rule (for what is missing)
    given = {str(k): float(v) for k, v in (start or {}).items()}
    st, method = _starts(pf, data, output, given, fixed_values)
    profile = dict(getattr(pf, "profile_parameters", {}) or {})
    trans = {role: p for role, p in profile.items() if p in free and p not in given}
    cols = [output, *inputs]
    frame = data[cols]
    if bounds is None:
        # thresholds and slopes of a transition are positive (the form's own checks)
        bounds = {p: (1e-12, None) for p in profile.values() if p in free}
    model = NLS((lhs, rhs), frame, st, bounds=bounds or None, missing=missing,
                symbols={**sym, output: y_sym})
    if grid and trans:
        tau, gam = trans.get("threshold"), trans.get("slope")
        s = data[pf.threshold].to_numpy(float)
        taus = np.quantile(s, GRID_QUANTILES) if tau else [None]
        gammas = GRID_GAMMAS if gam else [None]
        points = [{k: float(v) for k, v in ((tau, t), (gam, g)) if k is not None}
                  for t in taus for g in gammas]
        others = [p for p in free if p not in trans.values()]
        best, _ = _profile_start(model, st, others, points)
        st = {p: float(best[p]) for p in free}
        model = NLS((lhs, rhs), frame, st, bounds=bounds or None, missing=missing,
                    symbols={**sym, output: y_sym})
        method += f" + profile grid over {list(trans.values())}"
    res = model.fit(cov_type, config=config, clusters=clusters, **options)
    estimates = {**fixed_values, **res.params.to_dict()}
    fitted_pf, pf_error = None, None
    try:
        fitted_pf = pf.with_values(**estimates)
    except ParameterError as exc:  # an estimate outside the form's admissible range
        pf_error = str(exc)
        warnings.warn(
            f"the estimates are outside the form's admissible range, so no fitted "
            f"production_function is attached: {exc}", IntelcapWarning, stacklevel=2)
    return res._derive(ProductionFitResults, production_function=fitted_pf,
                       production_function_error=pf_error,
                       start_values=pd.Series(st, name="start"), start_method=method, log=log,
                       fixed=fixed_values)
