"""Smooth transition regression: LSTR for cross-sections / time series and the panel PSTR.

Logistic smooth transition regression (Terasvirta 1994; Terasvirta, Tjostheim and Granger
2010) lets the coefficients move smoothly between two regimes as a transition variable
:math:`q` crosses a location :math:`c`:

.. math::

    y_t = x_t'\\beta_0 + (z_t'\\beta_1)\\, G(q_t; \\gamma, c) + \\varepsilon_t, \\qquad
    G(q; \\gamma, c) = \\Big[1 + \\exp\\Big(-\\frac{\\gamma}{\\hat\\sigma_q^m}
    \\prod_{k=1}^{m} (q - c_k)\\Big)\\Big]^{-1},

with :math:`z_t` the regressors whose coefficients switch (by default all of :math:`x_t`),
order :math:`m = 1` (two regimes, LSTR1) or :math:`m = 2` (LSTR2, the outer regimes alike).
:math:`\\gamma` is normalised by the sample standard deviation of :math:`q` raised to
:math:`m` (Terasvirta's scale-free :math:`\\gamma`; pass ``normalize=False`` for the raw scale).
Estimation: concentrated least squares over a grid of :math:`(\\gamma, c)` (given them, the model
is linear), then nonlinear least squares in all parameters from the best grid point with
:func:`scipy.optimize.least_squares` and the analytic Jacobian.

The panel smooth transition regression (PSTR) of Gonzalez, Terasvirta and van Dijk (2005,
2017) adds individual fixed effects, removed by the within transformation:

.. math::

    y_{it} = \\mu_i + x_{it}'\\beta_0 + (z_{it}'\\beta_1)\\, G(q_{it}; \\gamma, c)
             + \\varepsilon_{it}.

Its LM test of linearity (homogeneity) replaces :math:`G` by its first-order Taylor expansion
around :math:`\\gamma = 0`, so under :math:`H_0: \\gamma = 0` the auxiliary regressors are
:math:`w_{it} = z_{it} q_{it}^j`, :math:`j = 1..m`. With :math:`\\tilde{\\cdot}` the within
transformation, :math:`\\tilde u` the fixed-effects residuals under the null,
:math:`\\hat\\sigma^2 = \\tilde u'\\tilde u / (NT)`:

.. math::

    LM_\\chi = \\tilde u'\\tilde W \\big[\\hat\\sigma^2 (\\tilde W'\\tilde W
        - \\tilde W'\\tilde X (\\tilde X'\\tilde X)^{-1} \\tilde X'\\tilde W)\\big]^{-1}
        \\tilde W'\\tilde u \\sim \\chi^2(mk), \\qquad
    LM_F = LM_\\chi \\frac{NT - N - mk - p}{NT\\, mk} \\sim F(mk, NT - N - mk - p),

and the heteroskedasticity- and autocorrelation- (cluster-) robust :math:`HAC_\\chi` replaces
the middle matrix by :math:`A \\big(\\sum_i Z_i'\\tilde u_i \\tilde u_i' Z_i\\big) A'` with
:math:`Z = [\\tilde X, \\tilde W]`, :math:`A = [-\\tilde W'\\tilde X(\\tilde X'\\tilde X)^{-1}, I]`
(the conventions of the R package PSTR, Yang 2017). Wild (WB, Rademacher per observation) and
wild cluster (WCB, Rademacher per entity) bootstrap p-values of :math:`LM_\\chi` are computed for
all replications at once. The test of no remaining nonlinearity uses the same statistics with
:math:`\\tilde X` replaced by the within-transformed gradient of the estimated PSTR.

References
----------
Gonzalez, A., T. Terasvirta and D. van Dijk (2005). "Panel Smooth Transition Regression
Models." SSE/EFI Working Paper 604 (revised with Yang, CREATES RP 2017-36).
Luukkonen, R., P. Saikkonen and T. Terasvirta (1988). "Testing linearity against smooth
transition autoregressive models." *Biometrika* 75, 491-499.
Terasvirta, T. (1994). "Specification, estimation, and evaluation of smooth transition
autoregressive models." *JASA* 89, 208-218.
Yang, Y. (2017). R package PSTR: Panel Smooth Transition Regression Modelling.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from intelcap._validation import (
    as_generator,
    check_choice,
    check_columns,
    handle_missing,
    progress_bar,
)
from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic
from intelcap.exceptions import (
    ConvergenceWarning,
    DataError,
    IntelcapTypeError,
    IntelcapWarning,
    SpecificationError,
)

__all__ = [
    "PanelSmoothTransition",
    "PanelSmoothTransitionResults",
    "SmoothTransition",
    "SmoothTransitionResults",
    "TransitionGrid",
    "logistic_transition",
]

_CLIP = 50.0


# -- the transition function -------------------------------------------------------------------

def _logistic_parts(q: np.ndarray, gamma: float, c: np.ndarray, scale: float):
    """G, dG/dgamma and dG/dc_k (columns) of the order-m logistic function."""
    diff = q[:, None] - c[None, :]
    z = np.prod(diff, axis=1)
    eta = np.clip(gamma * z / scale, -_CLIP, _CLIP)
    g = 1.0 / (1.0 + np.exp(-eta))
    dens = g * (1.0 - g)
    dg_dgamma = dens * z / scale
    m = c.size
    dg_dc = np.empty((q.size, m))
    for k in range(m):
        others = np.prod(np.delete(diff, k, axis=1), axis=1) if m > 1 else np.ones(q.size)
        dg_dc[:, k] = -dens * gamma * others / scale
    return g, dg_dgamma, dg_dc


def logistic_transition(q: Any, gamma: float, c: float | Sequence[float],
                        scale: float = 1.0) -> Any:
    """Logistic transition :math:`G = 1 / (1 + \\exp(-\\gamma/s \\prod_k (q - c_k)))`.

    ``scale`` is :math:`s` (the normalisation, e.g. :math:`\\hat\\sigma_q^m`). Accepts scalars,
    arrays or a Series (returns the same kind).
    """
    c_arr = np.atleast_1d(np.asarray(c, dtype=float))
    arr = np.atleast_1d(np.asarray(q, dtype=float)).ravel()
    g = _logistic_parts(arr, float(gamma), c_arr, float(scale))[0]
    if isinstance(q, pd.Series):
        return pd.Series(g, index=q.index, name="G")
    if np.ndim(q) == 0:
        return float(g[0])
    return g.reshape(np.shape(q))


@dataclass(frozen=True)
class TransitionGrid:
    """Grid for the starting values of :math:`(\\gamma, c)`.

    Parameters
    ----------
    n_gamma : int
        Number of :math:`\\gamma` values, log-spaced on ``gamma_range``.
    gamma_range : (float, float)
        Range of (normalised) :math:`\\gamma`.
    n_c : int
        Number of location values, at equally spaced quantiles of :math:`q`.
    trim : float
        Share of :math:`q` left out at each end of the location grid.
    """

    n_gamma: int = 20
    gamma_range: tuple[float, float] = (0.5, 50.0)
    n_c: int = 25
    trim: float = 0.10

    def __post_init__(self) -> None:
        if self.n_gamma < 1 or self.n_c < 1:
            raise SpecificationError("TransitionGrid needs n_gamma >= 1 and n_c >= 1")
        lo, hi = self.gamma_range
        if not 0 < lo <= hi:
            raise SpecificationError(f"gamma_range must satisfy 0 < low <= high, got "
                                     f"{self.gamma_range}")
        if not 0 <= self.trim < 0.5:
            raise SpecificationError(f"trim must be in [0, 0.5), got {self.trim}")

    def gammas(self) -> np.ndarray:
        """The ``n_gamma`` slope values, log-spaced on ``gamma_range`` (normalised by the
        standard deviation of :math:`q`)."""
        return np.geomspace(self.gamma_range[0], self.gamma_range[1], self.n_gamma)

    def locations(self, q: np.ndarray, order: int) -> np.ndarray:
        """Candidate locations: ``n_c`` quantiles of ``q`` between ``trim`` and ``1 - trim``.

        Parameters
        ----------
        q : ndarray
            The transition variable.
        order : {1, 2}
            Number of location parameters (LSTR1 or LSTR2).

        Returns
        -------
        ndarray
            Shape ``(m, 1)`` for ``order=1``; for ``order=2`` every pair :math:`c_1 \\le c_2`
            of the distinct quantiles, shape ``(m, 2)``.
        """
        qs = np.unique(np.quantile(q, np.linspace(self.trim, 1 - self.trim, self.n_c)))
        if order == 1:
            return qs[:, None]
        i, j = np.triu_indices(qs.size)
        return np.column_stack([qs[i], qs[j]])


# -- shared helpers ----------------------------------------------------------------------------

def _as_frame(obj: Any, name: str) -> pd.DataFrame:
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, np.ndarray):
        arr = obj.reshape(len(obj), -1)
        return pd.DataFrame(arr, columns=[f"{name}.{i}" for i in range(arr.shape[1])])
    raise IntelcapTypeError(f"{name} must be a pandas Series/DataFrame or a numpy array, got "
                            f"{type(obj).__name__}")


def _as_series(obj: Any, name: str) -> pd.Series:
    if isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, pd.DataFrame):
        if obj.shape[1] != 1:
            raise DataError(f"{name} must have one column, it has {obj.shape[1]}")
        return obj.iloc[:, 0]
    if isinstance(obj, np.ndarray):
        return pd.Series(obj.ravel(), name=name)
    raise IntelcapTypeError(f"{name} must be a pandas Series or a numpy array, got "
                            f"{type(obj).__name__}")


def _prepare(dependent, exog, transition, transition_exog, missing):
    y = _as_series(dependent, "dependent")
    x = _as_frame(exog, "exog")
    q = _as_series(transition, "transition")
    z = x if transition_exog is None else _as_frame(transition_exog, "transition_exog")
    for nm, obj in (("exog", x), ("transition", q), ("transition_exog", z)):
        if len(obj) != len(y):
            raise DataError(f"{nm} has {len(obj)} rows but dependent has {len(y)}")
        if not obj.index.equals(y.index):
            raise DataError(f"index of {nm} differs from index of dependent; align them first")
    yname = str(y.name) if y.name is not None else "y"
    qname = str(q.name) if q.name is not None else "q"
    frame = pd.concat(
        {"__y": y.rename("__y"), "__q": q.rename("__q")}, axis=1
    )
    xcols = [str(c) for c in x.columns]
    zcols = [str(c) for c in z.columns]
    full = pd.concat([frame, x.set_axis([f"x:{c}" for c in xcols], axis=1),
                      z.set_axis([f"z:{c}" for c in zcols], axis=1)], axis=1)
    names = {"__y": yname, "__q": qname}
    names.update({f"x:{c}": c for c in xcols})
    names.update({f"z:{c}": c for c in zcols})
    cols = list(full.columns)
    if full[cols].isna().to_numpy().any():
        if missing == "raise":
            isna = full.isna()
            col = next(c for c in cols if isna[c].any())
            row = isna.index[isna[col].to_numpy()][0]
            from intelcap.exceptions import MissingDataError

            raise MissingDataError(
                f"column {names[col]!r} has {int(isna[col].sum())} missing value(s), first at "
                f"row {row!r}; pass missing='drop' to drop incomplete rows")
        full = handle_missing(full, cols, "drop")
    for c in cols:
        arr = full[c].to_numpy(dtype=float)
        if not np.all(np.isfinite(arr)):
            pos = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise DataError(f"column {names[c]!r} has a non-finite value at row "
                            f"{full.index[pos]!r}")
    return (full["__y"].to_numpy(dtype=float), full[[f"x:{c}" for c in xcols]].to_numpy(float),
            full["__q"].to_numpy(dtype=float), full[[f"z:{c}" for c in zcols]].to_numpy(float),
            full.index, yname, qname, xcols, zcols)


def _check_rank(x: np.ndarray, names: list[str], what: str) -> None:
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        raise DataError(f"{what} {names} are collinear (rank {rank} < {x.shape[1]})")


def _independent_columns(base: np.ndarray, extra: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Indices of ``extra`` columns that add rank to ``base`` (full column rank), greedily.

    Each candidate is orthogonalised (twice, Gram-Schmidt) against the columns kept so far; it
    is kept when the residual norm exceeds ``tol`` times its own norm.
    """
    q = np.linalg.qr(base)[0] if base.shape[1] else np.empty((extra.shape[0], 0))
    keep: list[int] = []
    for j in range(extra.shape[1]):
        v = extra[:, j]
        nv = float(np.linalg.norm(v))
        if nv == 0:
            continue
        r = v - q @ (q.T @ v)
        r = r - q @ (q.T @ r)
        nr = float(np.linalg.norm(r))
        if nr > tol * nv:
            keep.append(j)
            q = np.column_stack([q, r / nr])
    return np.asarray(keep, dtype=int)


def _ols(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares by pivoted QR (LAPACK gelsy): faster than SVD on tall panels."""
    return linalg.lstsq(a, b, lapack_driver="gelsy", check_finite=False)[0]


def _ftest(stat_chi2: float, df1: int, df2: float, nobs: int, name: str, null: str,
           f_version: bool) -> TestStatistic:
    if f_version:
        f = stat_chi2 * df2 / (nobs * df1)
        dist = stats.f(df1, df2)
        return TestStatistic(f, float(dist.sf(f)), null=null, dist_name=f"F({df1}, {df2:g})",
                             df=(float(df1), float(df2)),
                             critical_values={a: float(dist.ppf(1 - a)) for a in (.1, .05, .01)},
                             name=name)
    dist = stats.chi2(df1)
    return TestStatistic(stat_chi2, float(dist.sf(stat_chi2)), null=null,
                         dist_name=f"chi2({df1})", df=float(df1),
                         critical_values={a: float(dist.ppf(1 - a)) for a in (.1, .05, .01)},
                         name=name)


def _sandwich_inverse(s: np.ndarray) -> np.ndarray:
    try:
        return linalg.cho_solve(linalg.cho_factor(s), np.eye(s.shape[0]))
    except linalg.LinAlgError:
        return np.linalg.pinv(s)


# -- results -------------------------------------------------------------------------------------

class _TransitionResultsMixin:
    gamma: float
    c: np.ndarray
    scale: float
    transition_name: str
    _q: np.ndarray

    def transition(self, q: Any) -> Any:
        """The fitted transition function evaluated at ``q``."""
        return logistic_transition(q, self.gamma, self.c, self.scale)

    @property
    def transition_values(self) -> np.ndarray:
        """:math:`G(q_t; \\hat\\gamma, \\hat c)` at the sample observations."""
        return logistic_transition(self._q, self.gamma, self.c, self.scale)

    def plot(self, ax=None, *, points: bool = True, num: int = 400):
        """Plot the fitted transition function against the transition variable.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        points : bool
            Also mark the observations' :math:`G(q)` (a rug of the sample).
        num : int
            Points of the curve.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from intelcap._optional import import_optional

        plt = import_optional("matplotlib.pyplot", "plot", "plot()")

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        lo, hi = np.min(self._q), np.max(self._q)
        grid = np.linspace(lo, hi, num)
        ax.plot(grid, self.transition(grid), color="C0", lw=2, label="G(q)")
        if points:
            ax.plot(self._q, self.transition_values, "|", color="C1", alpha=0.4, ms=6,
                    label="observations")
        for ck in self.c:
            ax.axvline(ck, color="grey", ls="--", lw=1)
        ax.set_xlabel(self.transition_name)
        ax.set_ylabel("G(q; gamma, c)")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"Fitted transition: gamma={self.gamma:.3g}, c="
                     + ", ".join(f"{v:.3g}" for v in self.c))
        ax.legend(loc="best")
        return ax


class SmoothTransitionResults(_TransitionResultsMixin, Results):
    """Results of :class:`SmoothTransition` (LSTR).

    Extra members: ``gamma``, ``c``, ``scale`` (the normalisation of :math:`\\gamma`),
    ``transition(q)``, ``transition_values``, ``plot()``, ``tests`` (a dict of
    :class:`TestStatistic`: the LM linearity tests of the model), ``converged``,
    ``optimizer`` (the :func:`scipy.optimize.least_squares` result) and ``grid_ssr``.
    """

    def __init__(self, params, cov, *, nobs, df_resid, resids, fitted, ssr, dependent,
                 cov_type, gamma, c, scale, q, transition_name, tests, converged, optimizer,
                 grid_ssr, order, model_name="LSTR"):
        super().__init__(params, cov, nobs=nobs, df_resid=df_resid, resids=resids,
                         fitted_values=fitted, ssr=ssr, model_name=model_name,
                         dependent=dependent, cov_type=cov_type)
        self.gamma = float(gamma)
        self.c = np.asarray(c, dtype=float)
        self.scale = float(scale)
        self._q = np.asarray(q, dtype=float)
        self.transition_name = transition_name
        self.tests = dict(tests)
        self.converged = bool(converged)
        self.optimizer = optimizer
        self.grid_ssr = grid_ssr
        self.order = order

    def _summary_header(self):
        return [*super()._summary_header(), ("Transition variable", self.transition_name),
                ("Order m", self.order), ("gamma scale", self.scale),
                ("Converged", str(self.converged))]

    def _summary_tables(self):
        tables = super()._summary_tables()
        if self.tests:
            rows = {k: {"Statistic": t.stat, "P-value": t.pval, "Distribution": t.dist_name}
                    for k, t in self.tests.items()}
            tables.append(("Tests", pd.DataFrame(rows).T))
        return tables


class PanelSmoothTransitionResults(SmoothTransitionResults):
    """Results of :class:`PanelSmoothTransition` (PSTR with fixed effects).

    ``tests`` holds the linearity tests of the model and, once computed by
    :meth:`remaining_nonlinearity_test`, nothing else is stored on the (immutable) result: the
    method returns its statistics.
    """

    def __init__(self, *args, model, gradient, entity_codes, n_entities, at_bound=False,
                 **kwargs):
        super().__init__(*args, model_name="PSTR (fixed effects)", **kwargs)
        self.at_bound = at_bound
        self._model = model
        self._gradient = gradient
        self._codes = entity_codes
        self._n_entities = n_entities

    @property
    def n_entities(self) -> int:
        """Number of entities (cross-section units) in the panel."""
        return self._n_entities

    def _summary_header(self):
        return [*super()._summary_header(), ("Entities", self._n_entities),
                ("(gamma, c) on a bound", str(self.at_bound))]

    def remaining_nonlinearity_test(self, transition: Any | None = None, order: int = 1
                                    ) -> dict[str, TestStatistic]:
        """LM tests of no remaining nonlinearity (GTvD 2005, section 4.2).

        The alternative adds a second transition :math:`(z'\\beta_2) G_2(q_2)`; :math:`G_2` is
        replaced by its Taylor expansion, so the auxiliary regressors are :math:`z q_2^j`,
        :math:`j = 1..order`, tested against the within-transformed gradient of the fitted
        PSTR. ``transition`` defaults to the model's transition variable.

        Returns
        -------
        dict of TestStatistic
            ``"LM_X"``, ``"LM_F"``, ``"HAC_X"``, ``"HAC_F"``.
        """
        mod = self._model
        if transition is None:
            q2 = mod._q
        else:
            q2 = _as_series(transition, "transition").reindex(mod._index).to_numpy(float)
            if not np.all(np.isfinite(q2)):
                raise DataError("transition for the remaining-nonlinearity test has missing "
                                "values on the model's rows")
        w = np.column_stack([mod._z * (q2[:, None] ** j) for j in range(1, order + 1)])
        w2 = mod._demean(w)
        u = np.asarray(self._resids, dtype=float)
        keep = _independent_columns(self._gradient, w2)
        if keep.size == 0:
            return {"LM_X": InvalidTestStatistic("auxiliary regressors are collinear with the "
                                                 "gradient", name="LM_X")}
        return mod._lm_stats(u, self._gradient, w2[:, keep], null="no remaining nonlinearity",
                             n_params=self._gradient.shape[1])


# -- LSTR ----------------------------------------------------------------------------------------

class SmoothTransition:
    """Logistic smooth transition regression (LSTR1 / LSTR2) by grid search and NLS.

    Parameters
    ----------
    dependent : Series
        Dependent variable.
    exog : DataFrame
        Regressors of the linear part (include a constant column yourself, as in linearmodels).
    transition : Series
        The transition variable :math:`q`.
    transition_exog : DataFrame, optional
        Regressors whose coefficients switch; default ``exog``.
    order : {1, 2}
        Order :math:`m` of the logistic function (2 gives LSTR2, regimes alike at both ends).
    normalize : bool
        Divide :math:`\\gamma` by :math:`\\hat\\sigma_q^m` (sample std, ddof=1), as Terasvirta.
    missing : {"raise", "drop"}
        Missing-value policy.

    Notes
    -----
    Parameter names: ``b0.<x>`` for the linear part, ``b1.<z>`` for the switching part,
    ``gamma``, ``c`` (``c1``, ``c2`` for order 2). Covariance ``"unadjusted"``
    (:math:`s^2 (J'J)^{-1}`, :math:`s^2 = SSR/(n - p)`) or ``"robust"`` (HC1 sandwich).
    """

    def __init__(self, dependent: Any, exog: Any, transition: Any,
                 transition_exog: Any | None = None, *, order: int = 1,
                 normalize: bool = True, missing: str = "raise") -> None:
        check_choice("missing", missing, ("raise", "drop"))
        if order not in (1, 2):
            raise SpecificationError(f"order must be 1 or 2, got {order!r}")
        (self._y, self._x, self._q, self._z, self._index, self.dependent_name,
         self.transition_name, self.exog_names, self.transition_exog_names) = _prepare(
            dependent, exog, transition, transition_exog, missing)
        self.order = order
        self.normalize = normalize
        n, k = self._x.shape
        if n <= k + self._z.shape[1] + order + 1:
            raise DataError(f"{n} observations are too few for {k + self._z.shape[1] + order + 1}"
                            " parameters")
        _check_rank(self._x, self.exog_names, "exog columns")
        # collinear switching regressors leave their b1 coefficients unidentified (any split
        # fits equally well): refuse rather than report arbitrary values with tiny errors
        _check_rank(self._z, self.transition_exog_names, "transition_exog columns")
        sd = float(np.std(self._q, ddof=1))
        if not sd > 0:
            raise DataError(f"transition variable {self.transition_name!r} is constant")
        self.scale = sd**order if normalize else 1.0

    @classmethod
    def from_frame(cls, data: pd.DataFrame, dependent: str, exog: Sequence[str],
                   transition: str, transition_exog: Sequence[str] | None = None,
                   **kwargs: Any):
        """Build the model from column names of ``data`` (missing columns are named).

        Examples
        --------
        >>> mod = PanelSmoothTransition.from_frame(df, "inva", ["vala", "debta"], "vala")
        ...                                        # doctest: +SKIP
        """
        if isinstance(exog, str):
            exog = [exog]
        if isinstance(transition_exog, str):
            transition_exog = [transition_exog]
        needed = [dependent, *exog, transition, *(transition_exog or [])]
        check_columns(data, list(dict.fromkeys(needed)), what="data")
        return cls(data[dependent], data[list(exog)], data[transition],
                   None if transition_exog is None else data[list(transition_exog)], **kwargs)

    # the concentrated problem: given (gamma, c), OLS in (b0, b1), by Frisch-Waugh-Lovell:
    # the fixed block (exog) is projected out once, each grid point solves a kz-column problem.
    def _base(self) -> tuple[np.ndarray, np.ndarray]:
        return self._x, self._y

    def _switch(self, g: np.ndarray) -> np.ndarray:
        return self._z * g[:, None]

    def _projector(self):
        if getattr(self, "_proj", None) is None:
            xb, yb = self._base()
            qx, rx = np.linalg.qr(xb)
            self._proj = (qx, rx, yb - qx @ (qx.T @ yb))
        return self._proj

    def _concentrated(self, gamma: float, c: np.ndarray):
        """Concentrated residuals, SSR and the full coefficient vector (b0, b1)."""
        qx, rx, ry = self._projector()
        xb, yb = self._base()
        w = self._switch(_logistic_parts(self._q, gamma, c, self.scale)[0])
        rw = w - qx @ (qx.T @ w)
        b1 = _ols(rw, ry)
        r = ry - rw @ b1
        b0 = linalg.solve_triangular(rx, qx.T @ (yb - w @ b1))
        return r, float(r @ r), np.concatenate([b0, b1])

    def _concentrated_ssr(self, gamma: float, c: np.ndarray) -> tuple[float, np.ndarray]:
        _, ssr, b = self._concentrated(gamma, c)
        return ssr, b

    def _residuals(self, theta: np.ndarray) -> np.ndarray:
        k, kz, m = self._x.shape[1], self._z.shape[1], self.order
        b0, b1 = theta[:k], theta[k:k + kz]
        gamma, c = theta[k + kz], theta[k + kz + 1:k + kz + 1 + m]
        g = _logistic_parts(self._q, gamma, c, self.scale)[0]
        return self._y - self._x @ b0 - (self._z @ b1) * g

    def _jacobian(self, theta: np.ndarray) -> np.ndarray:
        k, kz, m = self._x.shape[1], self._z.shape[1], self.order
        b1 = theta[k:k + kz]
        gamma, c = theta[k + kz], theta[k + kz + 1:k + kz + 1 + m]
        g, dgam, dc = _logistic_parts(self._q, gamma, c, self.scale)
        zb = self._z @ b1
        return -np.column_stack([self._x, self._z * g[:, None], zb * dgam, zb[:, None] * dc])

    def _param_names(self) -> list[str]:
        cn = ["c"] if self.order == 1 else [f"c{k + 1}" for k in range(self.order)]
        return ([f"b0.{c}" for c in self.exog_names]
                + [f"b1.{c}" for c in self.transition_exog_names] + ["gamma", *cn])

    def _start_values(
        self, start: dict | None, grid: TransitionGrid | None, progress: bool
    ) -> tuple[float, np.ndarray, pd.DataFrame | None]:
        """Starting ``gamma`` and ``c``: from ``start`` if it gives both, else the best grid point.

        Returns ``(gamma0, c0, grid_table)``; ``grid_table`` is ``None`` when no grid was run.
        """
        if start is not None and "gamma" in start and "c" in start:
            c0 = np.atleast_1d(np.asarray(start["c"], dtype=float))
            if c0.size != self.order:
                raise SpecificationError(f"start['c'] must have {self.order} value(s)")
            return float(start["gamma"]), c0, None
        grid_tab = self.grid_search(grid, progress=progress)
        best = grid_tab.loc[grid_tab["ssr"].idxmin()]
        return float(best["gamma"]), best.iloc[1:1 + self.order].to_numpy(dtype=float), grid_tab

    def grid_search(self, grid: TransitionGrid | None = None, *, progress: bool = False
                    ) -> pd.DataFrame:
        """Concentrated SSR over the grid of :math:`(\\gamma, c)`; one row per grid point."""
        grid = grid or TransitionGrid()
        locs = grid.locations(self._q, self.order)
        rows = []
        pairs = [(g, c) for g in grid.gammas() for c in locs]
        for gamma, c in progress_bar(pairs, total=len(pairs), desc="LSTR grid",
                                     progress=progress):
            ssr, _ = self._concentrated_ssr(gamma, c)
            rows.append((gamma, *c, ssr))
        cn = ["c"] if self.order == 1 else ["c1", "c2"]
        return pd.DataFrame(rows, columns=["gamma", *cn, "ssr"])

    def linearity_test(self, taylor_order: int = 3) -> dict[str, TestStatistic]:
        """LM tests of linearity against LSTR (Luukkonen, Saikkonen and Terasvirta 1988).

        Residuals :math:`\\hat u` of the linear regression on ``exog`` are regressed on
        ``exog`` and :math:`z q^j`, :math:`j = 1..` ``taylor_order`` (3 gives Terasvirta's LM3,
        power against LSTR1 and LSTR2); columns collinear with ``exog`` are dropped.

        Returns
        -------
        dict
            ``"LM_X"``: :math:`n (SSR_0 - SSR_1)/SSR_0 \\sim \\chi^2(d)`; ``"LM_F"``:
            :math:`[(SSR_0 - SSR_1)/d] / [SSR_1/(n - k - d)] \\sim F(d, n - k - d)`.
        """
        if taylor_order < 1:
            raise SpecificationError("taylor_order must be >= 1")
        x, y, n = self._x, self._y, self._y.size
        b, *_ = np.linalg.lstsq(x, y, rcond=None)
        u = y - x @ b
        aux = np.column_stack([self._z * (self._q[:, None] ** j)
                               for j in range(1, taylor_order + 1)])
        keep = _independent_columns(x, aux)
        if keep.size == 0:
            return {"LM_X": InvalidTestStatistic("no auxiliary regressor adds rank",
                                                 name="LM_X")}
        full = np.column_stack([x, aux[:, keep]])
        b1, *_ = np.linalg.lstsq(full, u, rcond=None)
        e = u - full @ b1
        ssr0, ssr1 = float(u @ u), float(e @ e)
        d = int(keep.size)
        df2 = n - x.shape[1] - d
        null = "linearity (gamma = 0)"
        why = None
        if df2 <= 0:
            why = (f"{n} observations leave no degrees of freedom for {x.shape[1]} regressors "
                   f"and {d} auxiliary terms")
        elif not ssr1 > 0 or ssr0 <= (1e-12 * max(float(np.abs(y).max()), 1e-300)) ** 2 * n:
            why = "the linear model fits the dependent exactly (zero residuals)"
        if why is not None:
            return {name: InvalidTestStatistic(why, name=name) for name in ("LM_X", "LM_F")}
        lm = n * (ssr0 - ssr1) / ssr0
        chi = _ftest(lm, d, df2, n, "LM_X", null, False)
        fstat = ((ssr0 - ssr1) / d) / (ssr1 / df2)
        dist = stats.f(d, df2)
        ftest = TestStatistic(fstat, float(dist.sf(fstat)), null=null,
                              dist_name=f"F({d}, {df2})", df=(float(d), float(df2)),
                              critical_values={a: float(dist.ppf(1 - a)) for a in (.1, .05, .01)},
                              name="LM_F")
        return {"LM_X": chi, "LM_F": ftest}

    def fit(self, *, grid: TransitionGrid | None = None, start: dict[str, Any] | None = None,
            cov_type: str = "unadjusted", max_nfev: int | None = None,
            progress: bool = False) -> SmoothTransitionResults:
        """Estimate by grid search over :math:`(\\gamma, c)` and then NLS in all parameters.

        Parameters
        ----------
        grid : TransitionGrid, optional
            Grid of starting values (ignored if ``start`` gives ``gamma`` and ``c``).
        start : dict, optional
            ``{"gamma": ..., "c": ...}`` (``c`` a float or a pair for order 2).
        cov_type : {"unadjusted", "robust"}
        max_nfev : int, optional
            Cap on function evaluations of the NLS step.
        progress : bool
            Show a progress bar during the grid search.
        """
        check_choice("cov_type", cov_type, ("unadjusted", "robust"))
        xb, yb = self._base()
        e_lin = yb - xb @ np.linalg.lstsq(xb, yb, rcond=None)[0]
        if np.sqrt(e_lin @ e_lin) <= 1e-12 * np.sqrt(yb.size) * max(
                float(np.abs(yb).max()), np.finfo(float).tiny):
            raise DataError(
                f"dependent {self.dependent_name!r} is fitted exactly by the linear part "
                f"{self.exog_names} (constant, or a linear combination of the regressors): "
                "the transition parameters gamma and c are not identified")
        gamma0, c0, grid_tab = self._start_values(start, grid, progress)
        _, b0 = self._concentrated_ssr(gamma0, c0)
        theta0 = np.concatenate([b0, [gamma0], c0])
        p = theta0.size
        lower = np.full(p, -np.inf)
        lower[self._x.shape[1] + self._z.shape[1]] = 1e-8
        upper = np.full(p, np.inf)
        sol = optimize.least_squares(self._residuals, theta0, jac=self._jacobian,
                                     bounds=(lower, upper), x_scale="jac", method="trf",
                                     max_nfev=max_nfev, xtol=1e-12, ftol=1e-12, gtol=1e-10)
        converged = bool(sol.success and sol.status > 0)
        if not converged:
            warnings.warn(f"LSTR NLS did not converge: {sol.message}", ConvergenceWarning,
                          stacklevel=2)
        theta = sol.x
        r = self._residuals(theta)
        jac = -self._jacobian(theta)
        n = r.size
        ssr = float(r @ r)
        df_resid = n - p
        cov = self._covariance(jac, r, cov_type, df_resid)
        k, kz = self._x.shape[1], self._z.shape[1]
        names = self._param_names()
        tests = self.linearity_test()
        return SmoothTransitionResults(
            pd.Series(theta, index=names), cov, nobs=n, df_resid=df_resid,
            resids=pd.Series(r, index=self._index, name="resid"),
            fitted=pd.Series(self._y - r, index=self._index, name="fitted"),
            ssr=ssr, dependent=self.dependent_name, cov_type=cov_type,
            gamma=theta[k + kz], c=theta[k + kz + 1:], scale=self.scale, q=self._q,
            transition_name=self.transition_name, tests=tests, converged=converged,
            optimizer=sol, grid_ssr=grid_tab, order=self.order)

    @staticmethod
    def _covariance(jac: np.ndarray, r: np.ndarray, cov_type: str, df_resid: float
                    ) -> np.ndarray:
        jtj_inv = np.linalg.pinv(jac.T @ jac)
        if cov_type == "unadjusted":
            return jtj_inv * float(r @ r) / df_resid
        meat = (jac * r[:, None]).T @ (jac * r[:, None])
        return jtj_inv @ meat @ jtj_inv * r.size / df_resid


# -- PSTR ----------------------------------------------------------------------------------------

class PanelSmoothTransition(SmoothTransition):
    """Panel smooth transition regression with individual fixed effects (GTvD 2005).

    Parameters
    ----------
    dependent, exog, transition, transition_exog
        As in :class:`SmoothTransition`, indexed by an (entity, time) MultiIndex. ``exog`` must
        not contain a constant (the fixed effects absorb it); time dummies are welcome.
    order : {1, 2}
    normalize : bool, default False
        Divide :math:`\\gamma` by :math:`\\hat\\sigma_q^m`. The default ``False`` keeps the raw
        scale of the R package PSTR.
    missing : {"raise", "drop"}

    Notes
    -----
    Estimation: given :math:`(\\gamma, c)` the within-transformed model is linear, so the sum of
    squares is concentrated in :math:`(\\gamma, c)`; a grid supplies the start and
    :func:`scipy.optimize.least_squares` minimises the concentrated residuals (variable
    projection). The covariance of all parameters uses the within-transformed Jacobian, with
    ``cov_type="clustered"`` (by entity, default) or ``"unadjusted"``
    (:math:`s^2 = SSR/(NT - N - p)`). Unbalanced panels are handled (entity means over the
    available periods).
    """

    def __init__(self, dependent: Any, exog: Any, transition: Any,
                 transition_exog: Any | None = None, *, order: int = 1,
                 normalize: bool = False, missing: str = "raise") -> None:
        y = _as_series(dependent, "dependent")
        if not isinstance(y.index, pd.MultiIndex) or y.index.nlevels != 2:
            raise DataError("PanelSmoothTransition needs data indexed by an (entity, time) "
                            "MultiIndex")
        super().__init__(dependent, exog, transition, transition_exog, order=order,
                         normalize=normalize, missing=missing)
        codes, uniques = pd.factorize(self._index.get_level_values(0))
        self._codes = codes
        self._n_entities = len(uniques)
        self._counts = np.bincount(codes).astype(float)
        self._xd = self._demean(self._x)
        self._yd = self._demean(self._y[:, None])[:, 0]
        const = [c for c, col in zip(self.exog_names, self._xd.T, strict=True)
                 if np.allclose(col, 0)]
        if const:
            raise DataError(f"exog column(s) {const} are constant within every entity; the "
                            "fixed effects absorb them: drop them")
        _check_rank(self._xd, self.exog_names, "within-transformed exog columns")

    def _demean(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        out = np.empty_like(a)
        for j in range(a.shape[1]):
            means = np.bincount(self._codes, weights=a[:, j]) / self._counts
            out[:, j] = a[:, j] - means[self._codes]
        return out

    # concentrated problem on within-transformed data
    def _base(self) -> tuple[np.ndarray, np.ndarray]:
        return self._xd, self._yd

    def _switch(self, g: np.ndarray) -> np.ndarray:
        return self._demean(self._z * g[:, None])

    def _conc_resid(self, phi: np.ndarray) -> np.ndarray:
        return self._concentrated(float(np.exp(phi[0])), phi[1:])[0]

    def _full_jacobian(self, theta: np.ndarray) -> np.ndarray:
        """d(fitted)/d(theta), within-transformed (columns b0, b1, gamma, c)."""
        k, kz, m = self._x.shape[1], self._z.shape[1], self.order
        b1 = theta[k:k + kz]
        gamma, c = theta[k + kz], theta[k + kz + 1:k + kz + 1 + m]
        g, dgam, dc = _logistic_parts(self._q, gamma, c, self.scale)
        zb = self._z @ b1
        raw = np.column_stack([self._z * g[:, None], zb * dgam, zb[:, None] * dc])
        return np.column_stack([self._xd, self._demean(raw)])

    # ---- LM machinery ----
    def _lm_stats(self, u: np.ndarray, x2: np.ndarray, w2: np.ndarray, *, null: str,
                  n_params: int) -> dict[str, TestStatistic]:
        nobs, n_ent = u.size, self._n_entities
        df1 = w2.shape[1]
        df2 = nobs - df1 - n_ent - n_params
        s2 = float(np.sum((u - u.mean()) ** 2) / nobs)
        xx_inv = _sandwich_inverse(x2.T @ x2)
        xw = x2.T @ w2
        s1 = (w2.T @ w2 - xw.T @ xx_inv @ xw) * s2
        wu = w2.T @ u
        lm = float(wu @ _sandwich_inverse(s1) @ wu)
        zu = np.column_stack([x2, w2]) * u[:, None]
        sums = np.zeros((n_ent, zu.shape[1]))
        np.add.at(sums, self._codes, zu)
        delta = sums.T @ sums
        a = np.column_stack([-xw.T @ xx_inv, np.eye(df1)])
        s2m = a @ delta @ a.T
        hac = float(wu @ _sandwich_inverse(s2m) @ wu)
        if lm < 0 or hac < 0:
            reason = ("the auxiliary regressors are numerically collinear with the gradient "
                      "(the covariance of the score is not positive definite)")
            return {k: InvalidTestStatistic(reason, name=k, null=null)
                    for k in ("LM_X", "LM_F", "HAC_X", "HAC_F")}
        return {
            "LM_X": _ftest(lm, df1, df2, nobs, "LM_X", null, False),
            "LM_F": _ftest(lm, df1, df2, nobs, "LM_F", null, True),
            "HAC_X": _ftest(hac, df1, df2, nobs, "HAC_X", null, False),
            "HAC_F": _ftest(hac, df1, df2, nobs, "HAC_F", null, True),
        }

    def _null_fit(self) -> tuple[np.ndarray, np.ndarray]:
        b = _ols(self._xd, self._yd)
        return self._yd - self._xd @ b, b

    def linearity_test(self, order: int | None = None, *, bootstrap: int = 0,
                       seed: int | np.random.Generator | None = None,
                       progress: bool = False) -> dict[str, TestStatistic]:
        """LM tests of linearity (homogeneity) against PSTR of order ``order``.

        Parameters
        ----------
        order : int, optional
            Number of Taylor terms :math:`m` (default: the model's order); the null is
            :math:`\\beta_1^* = \\dots = \\beta_m^* = 0` in the auxiliary regression on
            :math:`z q, \\dots, z q^m`.
        bootstrap : int
            Number of wild and wild-cluster bootstrap replications (0: none).
        seed : int or Generator
            Seed of the bootstrap.
        progress : bool
            Unused (all replications are computed at once); kept for a uniform signature.

        Returns
        -------
        dict of TestStatistic
            ``"LM_X"``, ``"LM_F"``, ``"HAC_X"``, ``"HAC_F"`` and, with ``bootstrap > 0``,
            ``"WB"`` and ``"WCB"`` (bootstrap p-values of :math:`LM_\\chi`).
        """
        m = self.order if order is None else int(order)
        if m < 1:
            raise SpecificationError("order must be >= 1")
        u, _ = self._null_fit()
        w = np.column_stack([self._z * (self._q[:, None] ** j) for j in range(1, m + 1)])
        w2 = self._demean(w)
        keep = _independent_columns(self._xd, w2)
        if keep.size == 0:
            return {"LM_X": InvalidTestStatistic("auxiliary regressors are collinear with exog",
                                                 name="LM_X")}
        w2 = w2[:, keep]
        null = "linearity / homogeneity (gamma = 0)"
        out = self._lm_stats(u, self._xd, w2, null=null, n_params=self._xd.shape[1])
        if bootstrap:
            out.update(self._wild_bootstrap(u, w2, out["LM_X"].stat, int(bootstrap), seed,
                                            null))
        return out

    def sequence_tests(self, max_order: int = 3) -> dict[int, dict[str, TestStatistic]]:
        """Sequence of homogeneity tests for choosing the order :math:`m` (GTvD 2005, 4.1).

        For :math:`j = 1..` ``max_order`` the null is :math:`\\beta_j^* = 0` given
        :math:`\\beta_{j+1}^* = \\dots = 0`: the fixed-effects regression is augmented by
        :math:`z q, \\dots, z q^{j-1}` and the LM statistics test :math:`z q^j`. ``j = 1`` is
        the linearity test. (The R package PSTR's ``sqtest``.)

        Returns
        -------
        dict
            ``{j: {"LM_X": ..., "LM_F": ..., "HAC_X": ..., "HAC_F": ...}}``.
        """
        if max_order < 1:
            raise SpecificationError("max_order must be >= 1")
        out: dict[int, dict[str, TestStatistic]] = {}
        base = self._xd
        for j in range(1, max_order + 1):
            wj = self._demean(self._z * (self._q[:, None] ** j))
            keep = _independent_columns(base, wj)
            if keep.size == 0:
                out[j] = {"LM_X": InvalidTestStatistic(
                    f"z q^{j} is collinear with the regressors", name="LM_X")}
                continue
            u = self._yd - base @ _ols(base, self._yd)
            out[j] = self._lm_stats(u, base, wj[:, keep], null=f"beta_{j}* = 0 given higher "
                                    "orders are zero", n_params=base.shape[1])
            base = np.column_stack([base, wj[:, keep]])
        return out

    def _wild_bootstrap(self, u, w2, lm, reps, seed, null):
        rng = as_generator(seed)
        x2 = self._xd
        xx_inv = _sandwich_inverse(x2.T @ x2)
        xw = x2.T @ w2
        s1_inv = _sandwich_inverse(w2.T @ w2 - xw.T @ xx_inv @ xw)
        nobs = u.size
        out = {}
        for name, cluster in (("WB", False), ("WCB", True)):
            if cluster:
                v = rng.choice([-1.0, 1.0], size=(self._n_entities, reps))[self._codes]
            else:
                v = rng.choice([-1.0, 1.0], size=(nobs, reps))
            e = self._demean(v * u[:, None])
            e = e - x2 @ (xx_inv @ (x2.T @ e))
            s2 = np.sum((e - e.mean(axis=0)) ** 2, axis=0) / nobs
            g = w2.T @ e
            lm_b = np.einsum("ib,ij,jb->b", g, s1_inv, g) / s2
            pval = float(np.mean(lm_b >= lm))
            out[name] = TestStatistic(
                lm, pval, null=null, dist_name="wild cluster bootstrap" if cluster
                else "wild bootstrap", df=float(w2.shape[1]),
                critical_values={a: float(np.quantile(lm_b, 1 - a)) for a in (.1, .05, .01)},
                replications=lm_b, seed=seed, name=name)
        return out

    def fit(self, *, grid: TransitionGrid | None = None, start: dict[str, Any] | None = None,
            cov_type: str = "clustered", c_bounds: tuple[float, float] | None = None,
            max_nfev: int | None = None,
            progress: bool = False) -> PanelSmoothTransitionResults:
        """Estimate the PSTR (grid for the start, then concentrated NLS in (gamma, c)).

        Parameters
        ----------
        grid : TransitionGrid, optional
            Start grid; for the raw (unnormalised) scale pick ``gamma_range`` to suit ``q``.
        start : dict, optional
            ``{"gamma": ..., "c": ...}``.
        cov_type : {"clustered", "unadjusted"}
            ``"clustered"``: :math:`(J'J)^{-1} (\\sum_i J_i'u_i u_i'J_i) (J'J)^{-1}` by entity
            without small-sample factor (as the R package PSTR); ``"unadjusted"``:
            :math:`s^2 (J'J)^{-1}`, :math:`s^2 = SSR/(NT - N - p)`.
        c_bounds : (float, float), optional
            Bounds on the location(s); default the sample range of ``q`` (a location outside
            the data makes :math:`G` nearly constant and the two regimes unidentified).
        max_nfev : int, optional
        progress : bool
        """
        check_choice("cov_type", cov_type, ("clustered", "unadjusted"))
        gamma0, c0, grid_tab = self._start_values(start, grid, progress)
        lo_c, hi_c = (float(np.min(self._q)), float(np.max(self._q))) if c_bounds is None \
            else (float(c_bounds[0]), float(c_bounds[1]))
        if not lo_c < hi_c:
            raise SpecificationError(f"c_bounds must be increasing, got {(lo_c, hi_c)}")
        lower = np.array([np.log(1e-6)] + [lo_c] * self.order)
        upper = np.array([np.log(1e6)] + [hi_c] * self.order)
        phi0 = np.clip(np.concatenate([[np.log(gamma0)], c0]), lower + 1e-12, upper - 1e-12)
        sol = optimize.least_squares(self._conc_resid, phi0, method="trf", x_scale="jac",
                                     bounds=(lower, upper), max_nfev=max_nfev, xtol=1e-10,
                                     ftol=1e-12, gtol=1e-10)
        converged = bool(sol.success and sol.status > 0)
        if not converged:
            warnings.warn(f"PSTR NLS did not converge: {sol.message}", ConvergenceWarning,
                          stacklevel=2)
        gamma, c = float(np.exp(sol.x[0])), sol.x[1:]
        at_bound = bool(np.any(np.isclose(sol.x, lower, rtol=0, atol=1e-8 * (1 + abs(lower))))
                        or np.any(np.isclose(sol.x, upper, rtol=0,
                                             atol=1e-8 * (1 + abs(upper)))))
        if at_bound:
            warnings.warn("PSTR estimate of (gamma, c) is on a bound (c at the edge of the "
                          "sample range of q, or gamma at 1e-6/1e6): the transition is weakly "
                          "identified; inspect res.grid_ssr or pass other c_bounds",
                          IntelcapWarning, stacklevel=2)
        r, _, b = self._concentrated(gamma, c)
        theta = np.concatenate([b, [gamma], c])
        grad = self._full_jacobian(theta)
        nobs, p = r.size, theta.size
        df_resid = nobs - self._n_entities - p
        jtj_inv = _sandwich_inverse(grad.T @ grad)
        if cov_type == "unadjusted":
            cov = jtj_inv * float(r @ r) / df_resid
        else:
            cov = self._cluster_cov(grad, r, jtj_inv)
        tests = self.linearity_test()
        names = self._param_names()
        return PanelSmoothTransitionResults(
            pd.Series(theta, index=names), cov, nobs=nobs, df_resid=df_resid,
            resids=pd.Series(r, index=self._index, name="resid"),
            fitted=pd.Series(self._y - r, index=self._index, name="fitted"),
            ssr=float(r @ r), dependent=self.dependent_name, cov_type=cov_type,
            gamma=gamma, c=c, scale=self.scale, q=self._q,
            transition_name=self.transition_name, tests=tests, converged=converged,
            optimizer=sol, grid_ssr=grid_tab, order=self.order, model=self, gradient=grad,
            entity_codes=self._codes, n_entities=self._n_entities, at_bound=at_bound)

    def _cluster_cov(self, grad: np.ndarray, r: np.ndarray, bread: np.ndarray) -> np.ndarray:
        sums = np.zeros((self._n_entities, grad.shape[1]))
        np.add.at(sums, self._codes, grad * r[:, None])
        return bread @ (sums.T @ sums) @ bread

    def linear_fit(self, cov_type: str = "clustered") -> Results:
        """The fixed-effects linear model (the null of the linearity test).

        ``cov_type="clustered"`` (by entity, no small-sample factor, as the R package PSTR) or
        ``"unadjusted"`` (:math:`s^2 = SSR/(NT - N - k)`).
        """
        check_choice("cov_type", cov_type, ("clustered", "unadjusted"))
        u, b = self._null_fit()
        nobs, k = u.size, b.size
        df = nobs - self._n_entities - k
        bread = _sandwich_inverse(self._xd.T @ self._xd)
        if cov_type == "unadjusted":
            cov = bread * float(u @ u) / df
        else:
            cov = self._cluster_cov(self._xd, u, bread)
        return Results(pd.Series(b, index=self.exog_names), cov, nobs=nobs, df_resid=df,
                       resids=pd.Series(u, index=self._index), model_name="Within (FE)",
                       dependent=self.dependent_name, cov_type=cov_type)
