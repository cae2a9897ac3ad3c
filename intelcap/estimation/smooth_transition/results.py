"""Results of the LSTR and PSTR fits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import as_series
from intelcap.estimation.results import InvalidTestStatistic, Results, TestStatistic
from intelcap.estimation.smooth_transition.lm_tests import _independent_columns
from intelcap.estimation.smooth_transition.transition import logistic_transition
from intelcap.exceptions import (
    DataError,
)


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
    :class:`TestStatistic`: the LM linearity tests of the model), ``converged`` (NLS's honest
    checks; ``convergence_reason`` names the one that failed), ``cov_estimate`` (the
    registry's :class:`~intelcap.estimation.covariance.CovarianceEstimate`), ``optimizer``
    (the :func:`scipy.optimize.least_squares` result) and ``grid_ssr``.
    """

    def __init__(self, params, cov, *, nobs, df_resid, resids, fitted, ssr, dependent,
                 cov_type, gamma, c, scale, q, transition_name, tests, converged, optimizer,
                 grid_ssr, order, model_name="LSTR", cov_estimate=None,
                 convergence_reason=""):
        super().__init__(params, cov, nobs=nobs, df_resid=df_resid, resids=resids,
                         fitted_values=fitted, ssr=ssr, model_name=model_name,
                         dependent=dependent, cov_type=cov_type,
                         distribution="t" if cov_estimate is None else cov_estimate.distribution)
        self.cov_estimate = cov_estimate
        self.convergence_reason = convergence_reason or ("converged" if converged else "")
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
        head = super()._summary_header()
        if self.cov_estimate is not None:
            head = [(k, self.cov_estimate.description if k == "Covariance" else v)
                    for k, v in head]
        return [*head, ("Transition variable", self.transition_name),
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
            q2 = as_series(transition, "transition").reindex(mod._index).to_numpy(float)
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
