"""Logistic smooth transition regression (LSTR1 / LSTR2) for cross-sections and time series."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from intelcap._validation import (
    check_choice,
    check_columns,
    progress_bar,
)
from intelcap.estimation.covariance import check_cov_options, covariance
from intelcap.estimation.nls.diagnostics import convergence_message
from intelcap.estimation.nls.solvers import verified_fit
from intelcap.estimation.results import InvalidTestStatistic, TestStatistic
from intelcap.estimation.smooth_transition.inputs import _check_rank, _ols, _prepare
from intelcap.estimation.smooth_transition.lm_tests import _ftest, _independent_columns
from intelcap.estimation.smooth_transition.results import SmoothTransitionResults
from intelcap.estimation.smooth_transition.transition import TransitionGrid, _logistic_parts
from intelcap.exceptions import (
    ConvergenceWarning,
    DataError,
    SpecificationError,
)


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
    ``gamma``, ``c`` (``c1``, ``c2`` for order 2). Covariances come from the registry
    :mod:`intelcap.estimation.covariance` with the Jacobian of the fitted values at the
    estimates (``"robust"`` is HC0; ``debiased=True`` gives HC1 and :math:`s^2 = SSR/(n-p)`).
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
            cov_type: str = "unadjusted", debiased: bool = False, clusters: Any = None,
            time: Any = None, bandwidth: float | None = None, kernel: str | None = None,
            max_nfev: int | None = None, progress: bool = False) -> SmoothTransitionResults:
        """Estimate by grid search over :math:`(\\gamma, c)` and then NLS in all parameters.

        Parameters
        ----------
        grid : TransitionGrid, optional
            Grid of starting values (ignored if ``start`` gives ``gamma`` and ``c``).
        start : dict, optional
            ``{"gamma": ..., "c": ...}`` (``c`` a float or a pair for order 2).
        cov_type : str
            A covariance of :mod:`intelcap.estimation.covariance` (``"unadjusted"``,
            ``"robust"`` = HC0, ``"HC0"``-``"HC3"``, ``"clustered"``, ``"kernel"``), computed
            from the Jacobian of the fitted values at the estimates.
        debiased : bool
            Small-sample factor and t reference distribution, as in linearmodels.
        clusters, time, bandwidth, kernel
            Options of ``"clustered"`` (labels, one per observation) and ``"kernel"``.
        max_nfev : int, optional
            Cap on function evaluations of the NLS step.
        progress : bool
            Show a progress bar during the grid search.

        Notes
        -----
        ``converged`` is NLS's honest check
        (:func:`~intelcap.estimation.nls.solvers.verified_fit`: tolerance stop, full-rank
        Jacobian, Bates-Watts relative offset, resolved Gauss-Newton step), not the
        optimiser's status.
        """
        cov_name = check_cov_options(cov_type, clusters=clusters, time=time,
                                     bandwidth=bandwidth, kernel=kernel, debiased=debiased)
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
        run = verified_fit(self._residuals, self._jacobian, sol.x, int(sol.status),
                           str(sol.message), lhs_norm=float(np.linalg.norm(self._y)),
                           bounds=(lower, upper))
        if not run.converged:
            warnings.warn(convergence_message("LSTR", run.reason), ConvergenceWarning,
                          stacklevel=2)
        theta, r = run.x, run.resid
        n = r.size
        names = self._param_names()
        est = covariance(-run.jac, r, cov_name, debiased=debiased, clusters=clusters,
                         time=time, bandwidth=bandwidth, kernel=kernel, names=names)
        k, kz = self._x.shape[1], self._z.shape[1]
        tests = self.linearity_test()
        return SmoothTransitionResults(
            pd.Series(theta, index=names), est.cov, nobs=n, df_resid=n - p,
            resids=pd.Series(r, index=self._index, name="resid"),
            fitted=pd.Series(self._y - r, index=self._index, name="fitted"),
            ssr=float(r @ r), dependent=self.dependent_name, cov_type=cov_name,
            gamma=theta[k + kz], c=theta[k + kz + 1:], scale=self.scale, q=self._q,
            transition_name=self.transition_name, tests=tests, converged=run.converged,
            optimizer=sol, grid_ssr=grid_tab, order=self.order, cov_estimate=est,
            convergence_reason=run.reason)
