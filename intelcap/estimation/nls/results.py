"""Results of an NLS fit."""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from intelcap.estimation.covariance import covariance
from intelcap.estimation.nls.config import OptimizerConfig
from intelcap.estimation.nls.diagnostics import convergence_message
from intelcap.estimation.nls.solvers import _Run
from intelcap.estimation.results import Results
from intelcap.exceptions import ConvergenceWarning, CovarianceWarning

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

    def __init__(self, params: pd.Series, cov: pd.DataFrame | None, *, model: NLS,
                 cov_estimate: Any, converged: bool, convergence_reason: str,
                 optimizer_status: int, message: str, nfev: int, njev: int, runs: int,
                 relative_offset: float, jacobian_rcond: float, gradient_norm: float,
                 gauss_newton_step: float, config: OptimizerConfig, jacobian: np.ndarray,
                 lhs: pd.Series | None, **kwargs: Any) -> None:
        super().__init__(params, cov, **kwargs)
        # every constructor argument, so that a subclass result can be derived (``_derive``)
        self._arguments = (params, cov, {
            "model": model, "cov_estimate": cov_estimate, "converged": converged,
            "convergence_reason": convergence_reason, "optimizer_status": optimizer_status,
            "message": message, "nfev": nfev, "njev": njev, "runs": runs,
            "relative_offset": relative_offset, "jacobian_rcond": jacobian_rcond,
            "gradient_norm": gradient_norm, "gauss_newton_step": gauss_newton_step,
            "config": config, "jacobian": jacobian, "lhs": lhs, **kwargs})
        self.cov_estimate = cov_estimate
        self.model = model
        self.formula = model.formula
        self.start = model.start.copy()
        self.converged = bool(converged)
        self.convergence_reason = convergence_reason
        self.optimizer_status = optimizer_status
        self.message = message
        self.nfev = nfev
        self.njev = njev
        self.runs = runs
        self.relative_offset = relative_offset
        self.jacobian_rcond = jacobian_rcond
        self.gradient_norm = gradient_norm
        self.gauss_newton_step = gauss_newton_step
        self.config = config
        self._jacobian = jacobian
        self._lhs = lhs

    def _derive(self, cls: type[NLSResults], **extra: Any) -> NLSResults:
        """A new (immutable) result of subclass ``cls`` with this one's constructor arguments
        and the subclass's own ``extra`` ones (results are never changed after construction)."""
        if not issubclass(cls, NLSResults):
            raise TypeError(f"{cls.__name__} is not an NLSResults subclass")
        params, cov, kwargs = self._arguments
        return cls(params, cov, **kwargs, **extra)

    @classmethod
    def _build(cls, model: NLS, run: _Run, cov_type: str, debiased: bool,
               cov_options: dict[str, Any], config: OptimizerConfig,
               lhs: np.ndarray) -> NLSResults:
        n, p = run.jac.shape
        names = list(model.params)
        pindex = model._param_index  # one Index for params and covariance (built once)
        params = pd.Series(run.x, index=pindex, name="parameter")
        e = run.resid
        ssr = float(e @ e)
        df_resid = n - p
        J = run.jac
        est = None
        finite = run.finite if run.finite is not None else bool(
            np.all(np.isfinite(J)) and np.all(np.isfinite(e)))  # (the diagnostics checked it)
        if finite:
            # the optimiser's factor of the scaled Jacobian gives (J'J)^{-1} when it has full
            # rank; otherwise the registry's rank-revealing bread names what is not identified
            # and marks it NaN (never a pseudo-inverse in silence)
            fac = run.factor
            bm = fac.inv_cross() if fac is not None and fac.full_rank() else None
            est = covariance(J, e, cov_type, debiased=debiased, names=names, bread_matrix=bm,
                             **cov_options)
        else:
            warnings.warn(
                "the Jacobian or the residuals are not finite at the estimates: no covariance, "
                "all standard errors are NaN", CovarianceWarning, stacklevel=3)
        # (kept when not converged: the ConvergenceWarning and .converged say why)
        index = model._index
        # no copies of the residuals and the fitted values (arrays of this fit that nothing
        # writes to afterwards; the results hand out copies of the Series); the left-hand side
        # is copied only when it is a data column itself (memory the caller's frame may change)
        resids = pd.Series(e, index=index, name="residual", copy=False)
        fitted = pd.Series(lhs - e, index=index, name="fitted_values", copy=False)
        lhs_vals = pd.Series(lhs, index=index, copy=any(
            np.may_share_memory(lhs, col) for col in model._data.values()))
        res = cls(params, None if est is None else est.cov,
                  nobs=n, df_resid=df_resid, resids=resids, fitted_values=fitted, ssr=ssr,
                  model_name="Nonlinear Least Squares", dependent=model.dependent,
                  cov_type=cov_type, distribution="t" if debiased else "normal",
                  model=model, cov_estimate=est, converged=run.converged,
                  convergence_reason=run.reason, optimizer_status=run.status,
                  message=run.message, nfev=run.nfev, njev=run.njev, runs=run.runs,
                  relative_offset=run.relative_offset, jacobian_rcond=run.rcond,
                  gradient_norm=run.gradient_norm, gauss_newton_step=run.gn_step,
                  config=config, jacobian=J, lhs=lhs_vals)
        if not run.converged:
            warnings.warn(convergence_message("NLS", run.reason, model.formula),
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

    def plot(self, ax=None, *, line: bool = True):
        """Fitted values against the observed left-hand side (the 45-degree line for reference).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on (default: a new figure).
        line : bool
            Draw the 45-degree line :math:`\\hat y = y`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from intelcap._optional import import_optional

        plt = import_optional("matplotlib.pyplot", "plot", "plot()")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 5))
        y = self._lhs.to_numpy()
        fit = self.fitted_values.to_numpy()
        ax.plot(y, fit, "o", ms=3, alpha=0.5, color="C0", label="observations")
        if line:
            lo, hi = float(min(y.min(), fit.min())), float(max(y.max(), fit.max()))
            ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="fitted = actual")
        ax.set_xlabel(f"actual {self.dependent}")
        ax.set_ylabel("fitted")
        ax.set_title(f"NLS fit, R-squared {self.rsquared:.4f}")
        ax.legend(loc="best")
        return ax

    def _summary_header(self) -> list[tuple[str, object]]:
        head = super()._summary_header()
        if self.cov_estimate is not None:
            head = [(k, self.cov_estimate.description if k == "Covariance" else v)
                    for k, v in head]
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
