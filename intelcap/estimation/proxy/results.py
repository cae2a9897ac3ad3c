"""Results of the proxy-variable production-function estimators."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from intelcap.estimation.results import Results, TestStatistic
from intelcap.exceptions import DataError, SpecificationError

__all__ = ["ProxyProductionResults"]

_METHOD_NAMES = {
    "op": "Olley-Pakes (1996)",
    "lp": "Levinsohn-Petrin (2003)",
    "acf": "Ackerberg-Caves-Frazer (2015)",
    "wooldridge": "Wooldridge (2009) GMM",
}


class ProxyProductionResults(Results):
    """Estimates of a proxy-variable production function.

    Besides the common vocabulary (``params``, ``std_errors``, ``conf_int``, ``summary``, ...):

    Attributes
    ----------
    method : str
        ``"op"``, ``"lp"``, ``"acf"`` or ``"wooldridge"``.
    omega : Series
        Log productivity :math:`\\hat\\omega_{it}` on the sample's (entity, time) index
        (including the production function's constant).
    converged : bool
        Whether the second stage met every convergence criterion (see
        :mod:`intelcap.estimation.proxy._core`); never True for a point that failed one.
    convergence_reason : str
    criterion : float
        Second-stage criterion at the estimate.
    start : Series
        Starting values of the second stage.
    bootstrap_params : DataFrame or None
        Parameter estimates of the converged bootstrap replications.
    bootstrap_failed : int
        Replications excluded because their second stage did not converge.
    seed : int, Generator or None
        The bootstrap's seed.
    dropped : dict
        Counts of dropped or unusable rows by reason.
    notes : list of str
        What was dropped or cannot be used, and other caveats, in words.
    local_optima : DataFrame or None
        One row per start of the second stage: the start, the end point, its criterion and
        whether it converged.
    j_test : TestStatistic or None
        Hansen's J test of the over-identifying restrictions (Wooldridge, efficient weight).
    """

    def __init__(self, params: pd.Series, cov: pd.DataFrame | None, *, method: str,
                 spec, sample, omega: np.ndarray, eps: np.ndarray, n_second: int,
                 converged: bool, convergence_reason: str, criterion: float,
                 start: pd.Series | None, options: dict[str, Any],
                 boot: np.ndarray | None = None, boot_failed: int = 0, seed: Any = None,
                 cov_type: str = "unadjusted", j_test: TestStatistic | None = None,
                 extra_notes: list[str] | None = None, data: pd.DataFrame | None = None,
                 local_optima: pd.DataFrame | None = None, distribution: str = "normal"
                 ) -> None:
        index = sample.index
        super().__init__(
            params, cov, nobs=sample.nobs, df_resid=max(sample.n_entities - 1, 1),
            resids=pd.Series(eps, index=index, name="first_stage_residual"),
            fitted_values=pd.Series(sample.col(spec.output) - eps, index=index,
                                    name="fitted_values"),
            model_name=_METHOD_NAMES[method], dependent=spec.output, cov_type=cov_type,
            distribution=distribution)
        self.method = method
        self.spec = spec
        self._sample = sample
        self.omega = pd.Series(omega, index=index, name="omega")
        self.n_second_stage = int(n_second)
        self.converged = bool(converged)
        self.convergence_reason = convergence_reason
        self.criterion = float(criterion)
        self.start = start
        self.options = dict(options)
        self.bootstrap_params = (None if boot is None else
                                 pd.DataFrame(boot, columns=params.index))
        self.bootstrap_failed = int(boot_failed)
        self.seed = seed
        self.dropped = dict(sample.dropped)
        self.notes = list(sample.notes) + list(extra_notes or [])
        self.j_test = j_test
        self._data = data
        self.local_optima = local_optima

    @property
    def n_entities(self) -> int:
        """Number of firms in the sample."""
        return self._sample.n_entities

    @cached_property
    def elasticities(self) -> pd.DataFrame:
        """Output elasticity of every input at every observation (constant for Cobb-Douglas)."""
        e = self.spec.elasticities(self.params.to_dict(), self._sample.values)
        return pd.DataFrame(e, index=self._sample.index)

    @cached_property
    def returns_to_scale(self) -> float:
        """:math:`\\sum_j \\theta_j` (the sample mean of the per-observation sum for translog)."""
        return float(self.elasticities.sum(axis=1).mean())

    def markups(self, input: str, share) -> pd.Series:
        """Markups in the manner of De Loecker and Warzynski (2012), eq. (10)-(11).

        .. math::

            \\mu_{it} = \\theta^{X}_{it} \\big/ \\left(\\alpha^{X}_{it}\\,
                e^{\\hat\\varepsilon_{it}}\\right),

        with :math:`\\theta^X` the output elasticity of the flexible input :math:`X`,
        :math:`\\alpha^X = P^X X / (P Q)` its expenditure share in revenue and
        :math:`\\hat\\varepsilon` the first-stage residual, which removes the measurement error
        and unanticipated shocks from output (their correction of the share).

        Parameters
        ----------
        input : str
            A flexible (or free) input, e.g. materials or labour.
        share : str or Series
            The expenditure share :math:`P^X X / (PQ)` in levels (not logs): a column of the
            estimation data or a Series on its index.
        """
        if input not in self.spec.inputs:
            raise SpecificationError(f"input {input!r} is not an input of this production "
                                     f"function ({list(self.spec.inputs)})")
        if self.spec.roles[input] == "state":
            raise SpecificationError(
                f"input {input!r} is a state (dynamic) input; markups need a flexible input "
                "free of adjustment costs (De Loecker and Warzynski 2012, section 2)")
        if isinstance(share, str):
            if self._data is None or share not in self._data.columns:
                raise DataError(f"share column {share!r} is not in the estimation data; "
                                "pass it as a Series on the data's index")
            share = self._data[share]
        if isinstance(share, pd.Series):
            s = share.reindex(self._sample.index)
            if s.isna().any():
                raise DataError(f"share has no value for {int(s.isna().sum())} row(s) of the "
                                f"sample, first {s.index[s.isna().to_numpy()][0]!r}")
        else:
            raise DataError("share must be a column name or a pandas Series")
        sv = s.to_numpy(dtype=float)
        if np.any(sv <= 0):
            pos = int(np.flatnonzero(sv <= 0)[0])
            raise DataError(f"share must be positive (a level, not a log); {sv[pos]!r} at row "
                            f"{s.index[pos]!r}")
        theta = self.elasticities[input].to_numpy()
        eps = self.resids.to_numpy()
        return pd.Series(theta / (sv * np.exp(eps)), index=self._sample.index, name="markup")

    def plot(self, by: str | None = "time", periods=None, ax: Any = None, bins: int = 40):
        """Histogram of the productivity distribution :math:`\\hat\\omega_{it}`.

        Parameters
        ----------
        by : {"time", None}
            One distribution per period (``periods`` selects which; default the first and the
            last) or the pooled distribution.
        ax : matplotlib Axes, optional

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        om = self.omega
        if by is None:
            ax.hist(om.to_numpy(), bins=bins, density=True, alpha=0.6, label="all periods")
        elif by == "time":
            t = om.index.get_level_values(1)
            uniq = np.unique(np.asarray(t))
            sel = [uniq[0], uniq[-1]] if periods is None else list(periods)
            for p in sel:
                ax.hist(om.to_numpy()[np.asarray(t) == p], bins=bins, density=True, alpha=0.5,
                        label=str(p))
        else:
            raise SpecificationError(f"by={by!r} is not recognised; valid values are 'time', None")
        ax.set_xlabel(r"log productivity $\hat\omega_{it}$")
        ax.set_ylabel("density")
        ax.set_title(f"Productivity distribution ({self.model_name})")
        ax.legend(loc="best")
        return ax

    def _summary_header(self) -> list[tuple[str, object]]:
        o = self.options
        head = [
            ("Dep. variable", self.dependent),
            ("Output", self.spec.output_type.replace("_", " ")),
            ("Form", self.spec.form.replace("_", "-")),
            ("Proxy", self.spec.proxy),
            ("No. observations", self.nobs),
            ("No. firms", self.n_entities),
            ("Second-stage obs.", self.n_second_stage),
            ("Returns to scale", self.returns_to_scale),
            ("Covariance", self.cov_type),
            ("Converged", "yes" if self.converged else "NO"),
        ]
        for k in ("poly_order", "lom_order", "law_of_motion", "exit", "weight"):
            if k in o:
                v = o[k]
                head.append((k.replace("_", " "), ("yes" if v else "no") if isinstance(v, bool)
                             else v))
        if self.bootstrap_params is not None:
            head.append(("Bootstrap reps", f"{len(self.bootstrap_params)} (seed {self.seed!r})"))
        return head

    def _summary_notes(self) -> list[str]:
        notes = list(self.notes)
        if self.spec.intelligent_capital is not None:
            notes.append(f"intelligent capital {self.spec.intelligent_capital!r} enters as a "
                         f"{self.spec.roles[self.spec.intelligent_capital]} input")
        if self.bootstrap_failed:
            notes.append(f"{self.bootstrap_failed} bootstrap replication(s) did not converge "
                         "and were excluded from the standard errors")
        if self.j_test is not None:
            notes.append(f"Hansen J = {self.j_test.stat:.3f}, p = {self.j_test.pval:.3f}")
        if not self.converged:
            notes.append(f"WARNING: not converged: {self.convergence_reason}")
        return notes
