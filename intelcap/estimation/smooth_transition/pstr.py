"""Panel smooth transition regression with individual fixed effects (PSTR)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from intelcap._validation import as_series
from intelcap.estimation._within import Within
from intelcap.estimation.covariance import (
    canonical_cov_type,
    check_cov_options,
    covariance,
)
from intelcap.estimation.nls.diagnostics import convergence_message
from intelcap.estimation.nls.solvers import verified_fit
from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic
from intelcap.estimation.smooth_transition.bootstrap import wild_bootstrap_lm
from intelcap.estimation.smooth_transition.inputs import _check_rank, _ols
from intelcap.estimation.smooth_transition.lm_tests import (
    _independent_columns,
    panel_lm_stats,
)
from intelcap.estimation.smooth_transition.lstr import SmoothTransition
from intelcap.estimation.smooth_transition.results import PanelSmoothTransitionResults
from intelcap.estimation.smooth_transition.transition import TransitionGrid, _logistic_parts
from intelcap.exceptions import (
    ConvergenceWarning,
    DataError,
    IntelcapWarning,
    SpecificationError,
)


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
    projection). The covariance of all parameters comes from the covariance registry with the
    within-transformed Jacobian (``cov_type="clustered"`` by entity by default, the N fixed
    effects counted as absorbed degrees of freedom). Unbalanced panels are handled (entity
    means over the available periods; :mod:`intelcap.estimation._within`).
    """

    def __init__(self, dependent: Any, exog: Any, transition: Any,
                 transition_exog: Any | None = None, *, order: int = 1,
                 normalize: bool = False, missing: str = "raise") -> None:
        y = as_series(dependent, "dependent")
        if not isinstance(y.index, pd.MultiIndex) or y.index.nlevels != 2:
            raise DataError("PanelSmoothTransition needs data indexed by an (entity, time) "
                            "MultiIndex")
        super().__init__(dependent, exog, transition, transition_exog, order=order,
                         normalize=normalize, missing=missing)
        codes, uniques = pd.factorize(self._index.get_level_values(0))
        self._codes = codes
        self._n_entities = len(uniques)
        self._within = Within(codes)
        self._xd = self._demean(self._x)
        self._yd = self._demean(self._y[:, None])[:, 0]
        const = [c for c, col in zip(self.exog_names, self._xd.T, strict=True)
                 if np.allclose(col, 0)]
        if const:
            raise DataError(f"exog column(s) {const} are constant within every entity; the "
                            "fixed effects absorb them: drop them")
        _check_rank(self._xd, self.exog_names, "within-transformed exog columns")

    def _demean(self, a: np.ndarray) -> np.ndarray:
        """The within transformation (:mod:`intelcap.estimation._within`) by entity."""
        return self._within.demean(a)

    def _full_resid(self, theta: np.ndarray) -> np.ndarray:
        """Within-transformed residuals in all parameters (b0, b1, gamma, c)."""
        k, kz, m = self._x.shape[1], self._z.shape[1], self.order
        b0, b1 = theta[:k], theta[k:k + kz]
        gamma, c = theta[k + kz], theta[k + kz + 1:k + kz + 1 + m]
        g = _logistic_parts(self._q, gamma, c, self.scale)[0]
        return self._yd - self._xd @ b0 - self._demean(self._z * g[:, None]) @ b1

    def _cov(self, grad: np.ndarray, r: np.ndarray, names: list[str], cov_type: str,
             debiased: bool, count_effects: bool, clusters: Any, bandwidth, kernel):
        """Covariance from the registry: the entity is the default cluster, the period the
        default time of the Driscoll-Kraay kernel; the N fixed effects count as absorbed
        degrees of freedom when ``count_effects``, except for clusters that nest the entities
        (each entity in one cluster), where they use none (linearmodels' PanelOLS
        conventions)."""
        time = (pd.factorize(self._index.get_level_values(1), sort=True)[0]
                if cov_type == "kernel" else None)
        extra = self._n_entities if count_effects else 0
        if cov_type == "clustered" and np.ndim(clusters) == 1:
            labels = pd.factorize(np.asarray(clusters))[0]
            if len(labels) == len(self._codes) and int(pd.Series(labels).groupby(
                    self._codes).nunique().max()) == 1:
                extra = 0  # effects nested in the clusters use no degrees of freedom
        return covariance(grad, r, cov_type, debiased=debiased, clusters=clusters, time=time,
                          bandwidth=bandwidth, kernel=kernel, names=names, extra_df=extra)

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
        return panel_lm_stats(u, x2, w2, self._codes, self._n_entities, null=null,
                              n_params=n_params)

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
        return wild_bootstrap_lm(u, self._xd, w2, lm, reps, seed, null, self._codes,
                                 self._n_entities, self._demean)

    def fit(self, *, grid: TransitionGrid | None = None, start: dict[str, Any] | None = None,
            cov_type: str = "clustered", debiased: bool = False, count_effects: bool = True,
            clusters: Any = None, bandwidth: float | None = None, kernel: str | None = None,
            c_bounds: tuple[float, float] | None = None, max_nfev: int | None = None,
            progress: bool = False) -> PanelSmoothTransitionResults:
        """Estimate the PSTR (grid for the start, then concentrated NLS in (gamma, c)).

        Parameters
        ----------
        grid : TransitionGrid, optional
            Start grid; for the raw (unnormalised) scale pick ``gamma_range`` to suit ``q``.
        start : dict, optional
            ``{"gamma": ..., "c": ...}``.
        cov_type : str
            A covariance of :mod:`intelcap.estimation.covariance`, from the within-transformed
            Jacobian: ``"clustered"`` (default; by entity unless ``clusters`` is given),
            ``"unadjusted"``, ``"robust"`` (HC0), ``"HC0"``-``"HC3"`` or ``"kernel"``
            (Driscoll-Kraay over the periods of the index).
        debiased : bool
            Small-sample factor and t reference distribution, as in linearmodels (for
            ``"clustered"`` by entity: :math:`\\frac{G}{G-1}\\frac{NT-1}{NT-p}`).
        count_effects : bool
            Count the N entity effects as absorbed degrees of freedom (linearmodels' PanelOLS
            ``count_effects``), except with clusters that nest the entities (the default
            clustering by entity), where, as in linearmodels, they use none: the default
            clustered covariance then has no factor at all (the R package PSTR's).
        clusters, bandwidth, kernel
            Options of ``"clustered"`` and ``"kernel"``.
        c_bounds : (float, float), optional
            Bounds on the location(s); default the sample range of ``q`` (a location outside
            the data makes :math:`G` nearly constant and the two regimes unidentified).
        max_nfev : int, optional
        progress : bool

        Notes
        -----
        ``converged`` is NLS's honest check in all parameters
        (:func:`~intelcap.estimation.nls.solvers.verified_fit`), not the optimiser's status: a
        location on a bound is a constrained optimum and is reported as not converged.
        """
        if clusters is None and canonical_cov_type(cov_type) == "clustered":
            clusters = self._codes  # by entity unless told otherwise
        cov_name = check_cov_options(cov_type, clusters=clusters, bandwidth=bandwidth,
                                     kernel=kernel, debiased=debiased)
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
        gamma, c = float(np.exp(sol.x[0])), sol.x[1:]
        at_bound = bool(np.any(np.isclose(sol.x, lower, rtol=0, atol=1e-8 * (1 + abs(lower))))
                        or np.any(np.isclose(sol.x, upper, rtol=0,
                                             atol=1e-8 * (1 + abs(upper)))))
        if at_bound:
            warnings.warn("PSTR estimate of (gamma, c) is on a bound (c at the edge of the "
                          "sample range of q, or gamma at 1e-6/1e6): the transition is weakly "
                          "identified; inspect res.grid_ssr or pass other c_bounds",
                          IntelcapWarning, stacklevel=2)
        _, _, b = self._concentrated(gamma, c)
        theta0 = np.concatenate([b, [gamma], c])
        nb = b.size
        lo_full = np.r_[np.full(nb, -np.inf), np.exp(lower[0]), lower[1:]]
        hi_full = np.r_[np.full(nb, np.inf), np.exp(upper[0]), upper[1:]]
        run = verified_fit(self._full_resid, lambda th: -self._full_jacobian(th), theta0,
                           int(sol.status), str(sol.message),
                           lhs_norm=float(np.linalg.norm(self._yd)), bounds=(lo_full, hi_full))
        if not run.converged:
            warnings.warn(convergence_message("PSTR", run.reason), ConvergenceWarning,
                          stacklevel=2)
        theta, r = run.x, run.resid
        gamma, c = float(theta[nb]), theta[nb + 1:]
        grad = -run.jac
        nobs, p = r.size, theta.size
        names = self._param_names()
        est = self._cov(grad, r, names, cov_name, debiased, count_effects, clusters, bandwidth,
                        kernel)
        tests = self.linearity_test()
        return PanelSmoothTransitionResults(
            pd.Series(theta, index=names), est.cov, nobs=nobs,
            df_resid=nobs - self._n_entities - p,
            resids=pd.Series(r, index=self._index, name="resid"),
            fitted=pd.Series(self._y - r, index=self._index, name="fitted"),
            ssr=float(r @ r), dependent=self.dependent_name, cov_type=cov_name,
            gamma=gamma, c=c, scale=self.scale, q=self._q,
            transition_name=self.transition_name, tests=tests, converged=run.converged,
            optimizer=sol, grid_ssr=grid_tab, order=self.order, model=self, gradient=grad,
            entity_codes=self._codes, n_entities=self._n_entities, at_bound=at_bound,
            cov_estimate=est, convergence_reason=run.reason)

    def linear_fit(self, cov_type: str = "clustered", *, debiased: bool = False,
                   count_effects: bool = True, clusters: Any = None,
                   bandwidth: float | None = None, kernel: str | None = None) -> Results:
        """The fixed-effects linear model (the null of the linearity test).

        Covariance options as in :meth:`fit` (registry names; clustered by entity by
        default). The default clustered covariance (by entity, ``debiased=False``) has no
        small-sample factor, as the R package PSTR's and linearmodels' PanelOLS with
        ``cluster_entity=True``.
        """
        if clusters is None and canonical_cov_type(cov_type) == "clustered":
            clusters = self._codes  # by entity unless told otherwise
        cov_name = check_cov_options(cov_type, clusters=clusters, bandwidth=bandwidth,
                                     kernel=kernel, debiased=debiased)
        u, b = self._null_fit()
        nobs, k = u.size, b.size
        est = self._cov(self._xd, u, list(self.exog_names), cov_name, debiased, count_effects,
                        clusters, bandwidth, kernel)
        return Results(pd.Series(b, index=self.exog_names), est.cov, nobs=nobs,
                       df_resid=nobs - self._n_entities - k,
                       resids=pd.Series(u, index=self._index), model_name="Within (FE)",
                       dependent=self.dependent_name, cov_type=est.description,
                       distribution=est.distribution)
