r"""Scenario projections of token usage to 2030, beside a published projection.

China's official daily-token figures (:mod:`intelcap.datasets.china_tokens`: four round
numbers stated by the National Data Administration, two of them lower bounds) are fitted with
the diffusion curves of :mod:`intelcap.tokens.diffusion` (exponential, logistic, Gompertz, Bass;
errors additive on the log scale) and projected by month to the end of 2030 with Student-t
prediction intervals (delta method). The curves are not re-implemented here.

**Four data points.** The exponential has two parameters (two residual degrees of freedom), the
three S-curves three (one degree of freedom): their saturation levels are barely identified and
their 95% intervals use :math:`t_1(0.975) = 12.7`. Two of the four figures are "exceeded"
statements, treated as point values. The projections are scenarios, not forecasts.

The published comparison is J.P. Morgan's projection of global token consumption, 10 to 3,900
quadrillion tokens a year between 2025 and 2030, whose arithmetic is checked with
:func:`intelcap.tokens.growth.check_claim`: a 390-fold rise, a 3.30x yearly multiple, i.e. a
compound annual growth rate of about 230% (a "330% CAGR" confuses the multiple with the rate; a
"400-fold" rise overstates 390x). China's figures are daily tokens in one country, annualised
here (x 365) only to put them on the same axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap.exceptions import DataError, SpecificationError

__all__ = ["JPMORGAN", "TokenScenarios", "check_jpmorgan", "token_scenarios"]

#: J.P. Morgan's projection of global token consumption (tokens a year), as quoted in the
#: source article of the tokens issue: 10 quadrillion (2025) to 3,900 quadrillion (2030), with
#: the article's "330% CAGR" and "400-fold" wording.
JPMORGAN: dict[str, Any] = {
    "start": 10e15,
    "end": 3900e15,
    "start_year": 2025,
    "end_year": 2030,
    "unit": "tokens a year (global)",
    "stated_cagr": 3.30,
    "stated_multiple": 400.0,
}

_MODELS = ("exponential", "logistic", "gompertz", "bass")


def check_jpmorgan() -> pd.DataFrame:
    """Check the arithmetic of the J.P. Morgan projection (10 -> 3,900 quadrillion, 2025-2030).

    Returns one row per claim ("330% CAGR", "400-fold") with the stated figure, the figure the
    endpoints imply, ``consistent`` and the reason (from
    :func:`intelcap.tokens.growth.check_claim`), plus the consistent CAGR and multiple.
    """
    from intelcap.tokens.growth import check_claim

    j = JPMORGAN
    years = j["end_year"] - j["start_year"]
    rows = {}
    for name, stated, kind in (("330% CAGR", j["stated_cagr"], "rate"),
                               ("400-fold", j["stated_multiple"], "multiple")):
        c = check_claim(j["start"], j["end"], years, stated=stated, kind=kind, unit="year")
        rows[name] = {"stated": stated, "implied": c.implied, "consistent": c.consistent,
                      "consistent CAGR": c.figures["rate"],
                      "consistent multiple": c.figures["multiple"], "reason": c.reason}
    return pd.DataFrame(rows).T


@dataclass(frozen=True, repr=False)
class TokenScenarios(SummaryMixin):
    """Projections of daily tokens by diffusion curve (:func:`token_scenarios`).

    Attributes
    ----------
    paths : DataFrame
        Monthly projections, columns MultiIndex (model, predicted/lower/upper), index monthly
        periods, tokens a day.
    fits : dict
        The :class:`intelcap.tokens.diffusion.DiffusionResults` by model.
    data : DataFrame
        The observations used (period, t, daily_tokens, bound).
    level : float
    notes : list of str
    """

    paths: pd.DataFrame
    fits: dict[str, Any]
    data: pd.DataFrame
    level: float
    notes: list[str] = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        """Tokens a day at the last projected month and that rate annualised (x 365), by model,
        with the prediction interval, beside J.P. Morgan's 2030 global figure."""
        last = self.paths.index[-1]
        rows = {}
        for m in self.fits:
            p = self.paths[m].loc[last]
            rows[m] = {"tokens a day": p["predicted"], "lower": p["lower"], "upper": p["upper"],
                       "a year (x365, quadrillion)": 365 * p["predicted"] / 1e15,
                       "AIC": self.fits[m].aic, "df resid": self.fits[m].df_resid}
        out = pd.DataFrame(rows).T
        out.index.name = f"model (at {last})"
        return out

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()`` (printed by ``print``;
        HTML in a notebook)."""
        header = [("observations", len(self.data)), ("horizon", str(self.paths.index[-1])),
                  ("interval level", self.level),
                  ("J.P. Morgan 2030 (global, quadrillion a year)", JPMORGAN["end"] / 1e15)]
        return Summary("Token-usage scenarios: China's official daily tokens", header,
                       [("projections", self.table)], self.notes, digits=4)

    def plot(self, ax: Any = None, models: Sequence[str] | None = None):
        """Observations and projected paths (log scale) with prediction bands."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        x = self.paths.index.to_timestamp()
        for m in models or list(self.fits):
            p = self.paths[m]
            line, = ax.plot(x, p["predicted"], label=m)
            ax.fill_between(x, p["lower"], p["upper"], color=line.get_color(), alpha=0.12)
        obs = self.data
        ax.scatter(obs.index.to_timestamp(), obs["daily_tokens"], color="k", zorder=5,
                   label="official figures")
        ax.set_yscale("log")
        ax.set_ylabel("tokens a day")
        ax.set_title(f"China's daily tokens: four official figures and scenarios "
                     f"({self.level:.0%} prediction bands)")
        ax.legend(fontsize="small")
        return ax


def token_scenarios(
    data: pd.DataFrame | None = None,
    *,
    models: Sequence[str] = _MODELS,
    horizon: str = "2030-12",
    level: float = 0.95,
    origin: str = "2022-11",
) -> TokenScenarios:
    """Fit diffusion curves to China's daily tokens and project them to ``horizon``.

    .. math::

        \\ln y_i = \\ln f(t_i; \\theta) + e_i, \\qquad f \\in \\{a e^{bt},\\
        \\tfrac{K}{1+e^{-r(t-t_0)}},\\ K e^{-e^{-r(t-t_0)}},\\ \\text{Bass}(m, p, q)\\}

    (fitted by :func:`intelcap.tokens.diffusion.fit_diffusion`).

    Parameters
    ----------
    data : DataFrame, optional
        Index monthly periods, column ``daily_tokens``; default
        ``intelcap.datasets.china_tokens.load()``.
    models : sequence of str
        Curves to fit (default all four).
    horizon : str
        Last month projected (default ``"2030-12"``).
    level : float
        Prediction-interval level.
    origin : str
        Month of "launch" from which time is counted in months (t > 0; the Bass curve starts
        at 0 there); default ``"2022-11"`` (public release of ChatGPT), a convention.

    Returns
    -------
    TokenScenarios
    """
    from intelcap.tokens.diffusion import fit_diffusion

    if data is None:
        from intelcap.datasets import china_tokens

        data = china_tokens.load()
    if "daily_tokens" not in data.columns:
        raise DataError(f"data must have a column 'daily_tokens'; it has {list(data.columns)}")
    if not isinstance(data.index, pd.PeriodIndex):
        raise DataError("data must be indexed by monthly periods (pandas PeriodIndex)")
    bad = [m for m in models if m not in _MODELS]
    if bad:
        raise SpecificationError(f"models {bad} not recognised; valid: {list(_MODELS)}")
    start = pd.Period(origin, freq="M")
    t = np.array([(p - start).n for p in data.index.asfreq("M")], dtype=float)
    if (t <= 0).any():
        raise DataError(f"every observation must be after origin={origin}")
    y = data["daily_tokens"].to_numpy(dtype=float)
    months = pd.period_range(data.index.min().asfreq("M"), horizon, freq="M")
    tn = np.array([(p - start).n for p in months], dtype=float)
    fits, cols = {}, {}
    for m in models:
        res = fit_diffusion(t, y, m, scale="log")
        fits[m] = res
        pi = res.prediction_interval(tn, level)
        for c in ("predicted", "lower", "upper"):
            cols[(m, c)] = pi[c].to_numpy()
    paths = pd.DataFrame(cols, index=months)
    paths.columns = pd.MultiIndex.from_tuples(paths.columns, names=["model", "value"])
    obs = data.assign(t=t)
    n = len(y)
    notes = [
        f"{n} official figures; residual degrees of freedom: "
        + ", ".join(f"{m} {fits[m].df_resid:g}" for m in fits)
        + ". With one degree of freedom the S-curves' saturation level is barely identified "
          "and their intervals are very wide: scenarios, not forecasts.",
    ]
    if "bound" in data.columns and (data["bound"] == "lower").any():
        k = int((data["bound"] == "lower").sum())
        notes.append(f"{k} of the figures are lower bounds ('exceeded'), used as point values.")
    notes.append("China, tokens a day; J.P. Morgan's figure is global tokens a year: the x365 "
                 "column only puts them on one axis.")
    return TokenScenarios(paths, fits, obs, float(level), notes)
