"""Results of an NLS fit."""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from intelcap.estimation.nls.config import OptimizerConfig
from intelcap.estimation.nls.linalg import _inv_cross
from intelcap.estimation.nls.solvers import _Run
from intelcap.estimation.results import Results
from intelcap.exceptions import ConvergenceWarning

if TYPE_CHECKING:
    from intelcap.estimation.nls.model import NLS


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
