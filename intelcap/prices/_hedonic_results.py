"""Results of :func:`intelcap.prices.hedonic_index` (on the shared ``Results`` base class)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from intelcap.estimation.results import Results

__all__ = ["HedonicIndexResults"]


class HedonicIndexResults(Results):
    """Results of :func:`hedonic_index`: the regression vocabulary plus the index and its errors.

    Attributes
    ----------
    index : Series
        The quality-adjusted price index by period (1 in the base period).
    index_std_errors : Series
        Delta-method standard errors of the index.
    method : str
        ``"time_dummy"`` or ``"imputation"``.
    """

    def __init__(self, params, cov, *, index, index_log_var, method, characteristics, **kw):
        super().__init__(params, cov, **kw)
        self.index = index
        self._log_var = index_log_var
        self.method = method
        self.characteristics = list(characteristics)

    @property
    def index_std_errors(self) -> pd.Series:
        """Standard errors of the index levels (delta method)."""
        return (self.index * np.sqrt(self._log_var)).rename("std_error")

    def index_conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence interval of the index: exponentiated interval of its log."""
        q = self._dist().ppf(0.5 + level / 2)
        se = np.sqrt(self._log_var)
        ln = np.log(self.index)
        return pd.DataFrame({"lower": np.exp(ln - q * se), "upper": np.exp(ln + q * se)},
                            index=self.index.index)

    def _summary_tables(self):
        tab = pd.DataFrame({"Index": self.index, "Std. Err.": self.index_std_errors})
        return [*super()._summary_tables(), ("Quality-adjusted price index", tab)]

    def plot(self, ax=None, level: float = 0.90):
        """The index with its confidence band (log scale)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        ci = self.index_conf_int(level)
        x = np.arange(len(self.index))
        ax.plot(x, self.index.to_numpy(), marker="o", label=f"{self.method} index")
        ax.fill_between(x, ci["lower"], ci["upper"], alpha=0.25, label=f"{level:.0%} interval")
        ax.set_xticks(x, [str(v) for v in self.index.index], rotation=45, ha="right")
        ax.set_yscale("log")
        ax.set_ylabel("price index (base = 1)")
        ax.legend()
        return ax
