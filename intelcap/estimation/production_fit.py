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
NLS on these forms needs sensible starts; intelcap builds them from data in three steps, each
overridden by ``start=`` (and by the form's known ``values``):

1. a log-linear Cobb-Douglas regression :math:`\\ln Y = a + \\sum_j b_j \\ln X_j` (by
   :class:`~intelcap.estimation.linear.OLS`) gives ``A = exp(a)``, ``alpha_X = b_X``, the IC
   elasticities ``theta_1 = theta_2 = b_Z``, and for a CES ``nu = sum b`` and
   ``delta_X = b_X / nu``;
2. for a two-input CES, the **Kmenta (1967) approximation**, the second-order expansion of
   :math:`\\ln Y` in :math:`\\rho` around :math:`\\rho = 0`,

   .. math::

       \\ln Y \\approx \\ln A + \\nu\\delta \\ln K + \\nu(1-\\delta)\\ln L
       + \\tfrac12 \\rho\\nu\\delta(1-\\delta) (\\ln K - \\ln L)^2 ,

   is estimated by OLS (:func:`kmenta`) and its coefficients are solved for
   :math:`(A, \\delta, \\nu, \\rho)`, the classic start-value device for CES NLS;
3. for a transition (``tau``, ``gamma``), a profile grid: for ``tau`` at the 15, 30, 50, 70, 85%
   quantiles of the threshold variable and a few slopes ``gamma``, the other parameters are
   fitted with the transition held fixed, and the best pair starts the full fit.

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
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    ParameterError,
    SpecificationError,
)

__all__ = ["fit_production", "kmenta", "start_values"]

#: Slopes of the logistic tried by the profile grid (in units of ln s).
GRID_GAMMAS = (3.0, 10.0)
#: Quantiles of the threshold variable tried as ``tau``.
GRID_QUANTILES = (0.15, 0.3, 0.5, 0.7, 0.85)


def _positive(data: pd.DataFrame, cols: Sequence[str]) -> None:
    """Production inputs and output must be positive (logs are taken); names column and row."""
    for c in cols:
        check_positive(data[c], f"column {c!r}", data.index)


def kmenta(data: pd.DataFrame, output: str = "Y", inputs: Sequence[str] = ("K", "L")
           ) -> tuple[dict[str, float], OLSResults]:
    """Kmenta (1967) approximation of a two-input CES: implied parameters and the OLS fit.

    .. math::

        \\ln Y = b_0 + b_1 \\ln K + b_2 \\ln L + b_3 (\\ln K - \\ln L)^2 + e

    gives :math:`\\nu = b_1 + b_2`, :math:`\\delta = b_1/\\nu`, :math:`A = e^{b_0}` and
    :math:`\\rho = 2 b_3 / (\\nu\\delta(1-\\delta))` for
    :math:`Y = A(\\delta K^\\rho + (1-\\delta) L^\\rho)^{\\nu/\\rho}`.

    Returns
    -------
    params : dict
        ``A``, ``delta_<K>``, ``rho``, ``nu`` (names as in :class:`intelcap.production.CES`).
    ols : OLSResults
        The Kmenta regression.
    """
    inputs = tuple(inputs)
    if len(inputs) != 2:
        raise SpecificationError("the Kmenta approximation is for two inputs")
    check_columns(data, [output, *inputs], what="data")
    _positive(data, [output, *inputs])
    lk, ll = np.log(data[inputs[0]].to_numpy(float)), np.log(data[inputs[1]].to_numpy(float))
    exog = pd.DataFrame({"const": 1.0, f"ln_{inputs[0]}": lk, f"ln_{inputs[1]}": ll,
                         "sq_diff": (lk - ll) ** 2}, index=data.index)
    res = OLS(pd.Series(np.log(data[output].to_numpy(float)), index=data.index,
                        name=f"ln_{output}"), exog).fit()
    b0, b1, b2, b3 = res.params.to_numpy()
    nu = b1 + b2
    delta = b1 / nu if nu != 0 else 0.5
    denom = nu * delta * (1 - delta)
    rho = 2 * b3 / denom if denom != 0 else 0.0
    return {"A": float(np.exp(b0)), f"delta_{inputs[0]}": float(delta), "rho": float(rho),
            "nu": float(nu)}, res


def _threshold_name(pf: Any) -> str | None:
    return getattr(pf, "threshold", None)


def start_values(pf: Any, data: pd.DataFrame, output: str = "Y") -> dict[str, float]:
    """Data-based start values for every parameter of ``pf`` (steps 1 and 2 of the module doc).

    Raises
    ------
    ParameterError
        For a parameter with no rule and no known value (pass it in ``start=``).
    """
    factors = [x for x in getattr(pf, "factors", pf.inputs) if x in data.columns]
    logs = pd.DataFrame({"const": 1.0}, index=data.index)
    for x in factors:
        logs[f"ln_{x}"] = np.log(data[x].to_numpy(float))
    y = pd.Series(np.log(data[output].to_numpy(float)), index=data.index, name="ln_Y")
    try:
        cd = OLS(y, logs).fit().params
    except DataError:
        cd = pd.Series({"const": float(y.mean())})
    coef = {x: float(cd.get(f"ln_{x}", 0.0)) for x in factors}
    out: dict[str, float] = {}
    params = list(pf.parameters)
    ic = getattr(pf, "ic", None)
    deltas = [p for p in params if p.startswith("delta_")]
    ces_inputs = [p[len("delta_"):] for p in deltas]
    if "rho" in params and deltas:
        # the CES inputs: those with a weight, plus the last one (weight 1 - sum of the others)
        base = getattr(pf, "base", pf)
        ces_inputs = [x for x in base.inputs if x in coef]
    total = sum(coef[x] for x in ces_inputs) if ces_inputs else 0.0
    for p in params:
        if p == "A":
            out[p] = float(np.exp(cd.get("const", 0.0)))
        elif p.startswith("alpha_") and p[len("alpha_"):] in coef:
            out[p] = coef[p[len("alpha_"):]]
        elif p in ("theta_1", "theta_2") and ic in coef:
            out[p] = coef[ic]
        elif p == "nu" and ces_inputs:
            out[p] = total
        elif p.startswith("delta_") and total != 0:
            out[p] = float(np.clip(coef.get(p[len("delta_"):], 0.5) / total, 0.02, 0.98))
        elif p == "rho":
            out[p] = 0.1
        elif p == "kappa":
            out[p] = 0.0
        elif p == "phi":
            out[p] = 1.0
        elif p == "gamma":
            out[p] = 5.0
        elif p == "tau":
            s = _threshold_name(pf)
            if s is None or s not in data.columns:
                raise ParameterError("no start rule for 'tau' without a threshold column; "
                                     "pass start={'tau': ...}")
            out[p] = float(np.median(data[s].to_numpy(float)))
    if "rho" in params and len(ces_inputs) == 2 and output in data.columns:
        km, _ = kmenta(data, output, ces_inputs)
        rho = float(np.clip(km["rho"], -5.0, 0.9))
        out["rho"] = rho if abs(rho) > 1e-3 else 1e-3
        for k in ("A", "nu"):
            if k in params and np.isfinite(km[k]) and km[k] > 0:
                out[k] = km[k]
        dk = f"delta_{ces_inputs[0]}"
        if dk in params and 0 < km[dk] < 1:
            out[dk] = km[dk]
    missing = [p for p in params if p not in out and p not in pf.values]
    if missing:
        raise ParameterError(f"no start-value rule for parameter(s) {missing} of this form; "
                             "pass them in start={...}")
    return out


def _transition_params(pf: Any) -> list[str]:
    return [p for p in ("tau", "gamma") if p in pf.parameters]


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
) -> NLSResults:
    """Estimate the parameters of a production function by nonlinear least squares.

    Parameters
    ----------
    pf : ProductionFunction
        The form (its ``expr``, ``inputs``, ``parameters``, ``symbols`` and ``values``).
    data : DataFrame
        Columns ``output`` and every input of ``pf`` (all positive).
    output : str
        Column of output.
    start : mapping, optional
        Start values (any subset; the rest from the form's ``values`` and from data, see the
        module docstring).
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
    NLSResults
        With, in addition, ``production_function`` (the form with the estimates as values),
        ``start_values`` (the start used) and ``log``.
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
    _positive(data, [output, *inputs])
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
    # start values: data rules < form values < user start
    auto = start_values(pf, data, output)
    given = dict(start or {})
    st = {p: float(given.get(p, pf.values.get(p, auto.get(p, np.nan)))) for p in free}
    trans = [p for p in _transition_params(pf) if p in free and p not in given]
    cols = [output, *inputs]
    frame = data[cols]
    if bounds is None:
        bounds = {p: (1e-12, None) for p in _transition_params(pf) if p in free}
    model = NLS((lhs, rhs), frame, st, bounds=bounds or None, missing=missing,
                symbols={**sym, output: y_sym})
    method = "data rules (log-linear Cobb-Douglas" + (", Kmenta" if "rho" in free else "") + ")"
    if grid and trans:
        s_name = _threshold_name(pf)
        s = data[s_name].to_numpy(float) if s_name in data.columns else None
        taus = (np.quantile(s, GRID_QUANTILES) if s is not None and "tau" in trans
                else [st.get("tau")])
        gammas = GRID_GAMMAS if "gamma" in trans else [st.get("gamma")]
        points = [{k: v for k, v in (("tau", float(t)), ("gamma", float(g))) if k in trans}
                  for t in taus for g in gammas]
        others = [p for p in free if p not in trans]
        best, _ = _profile_start(model, st, others, points)
        st = {p: float(best[p]) for p in free}
        model = NLS((lhs, rhs), frame, st, bounds=bounds or None, missing=missing,
                    symbols={**sym, output: y_sym})
        method += f" + profile grid over {trans}"
    res = model.fit(cov_type, config=config, clusters=clusters, **options)
    res.model_name = "Nonlinear Least Squares (production function)"
    res.start_values = pd.Series(st, name="start")
    res.start_method = method
    res.log = log
    res.fixed = fixed_values
    try:
        res.production_function = pf.with_values(**{**fixed_values, **res.params.to_dict()})
    except Exception as exc:  # an estimate outside the form's admissible range
        res.production_function = None
        res.production_function_error = str(exc)
    return res
