r"""The deflation-inflation split, and what it does to a CPI or PCE deflator.

The token economy's price side has two faces. On the *service side*, AI services get cheaper at
constant quality by 9x to 900x a year (Epoch AI 2025; a hedonic or constant-capability index
from :mod:`intelcap.prices.hedonic`). On the *resource side*, the accelerators, memory, hosting
and electricity behind them are priced by other indices: accelerator prices per chip-hour or
per unit of compute (Epoch AI hardware data) and the official producer price index for data
processing and hosting (BLS PPI NAICS 518210), which is not quality adjusted for AI.
:func:`split_index` puts such indices on one base and reports their average annual log
change and the gap between them; :func:`plot_split` draws them.

:func:`deflator_whatif` shows what a statistics office's deflator would do if the AI-service
component were re-weighted or replaced by a quality-adjusted index. With expenditure
weights :math:`w_c` summing to one and component indices :math:`I_{ct}`, the deflator is either
chained (``chained=True``, the default: each period-on-period link is a weighted mean of the
components' links, as CPIs chain-link their annual weights)

.. math::

    D_t = D_{t-1} \sum_c w_c \frac{I_{ct}}{I_{c,t-1}}, \qquad
    \pi^{*}_t - \pi_t = 100\, w_a \Big(\frac{I^{*}_{at}}{I^{*}_{a,t-1}}
    - \frac{I_{at}}{I_{a,t-1}}\Big) \text{ (same weights)},

or fixed-base (a Young-type aggregate of the indices rebased to 1 in the first period,
:math:`D_t = \sum_c w_c I_{ct}`, whose level changes by :math:`w_a (I^{*}_{at} - I_{at})`).
:math:`I^{*}_a` is the quality-adjusted AI-service index and :math:`w^{*}_a` the user's weight
for it (the other weights scaled by :math:`(1 - w^{*}_a)/(1 - w_a)`). A fixed-base aggregate
lets a component that falls 10x a year lose its effective weight within a few periods; the
chained form keeps the stated weight in every link.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError, ParameterError

__all__ = ["deflator_whatif", "plot_split", "split_index"]


def _series(name: str, s) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise DataError(f"index {name!r} must be a pandas Series by period")
    v = s.to_numpy(dtype=float)
    if not np.isfinite(v).all() or (v <= 0).any():
        pos = int(np.flatnonzero(~(np.isfinite(v) & (v > 0)))[0])
        raise DataError(f"index {name!r} must be positive and finite; period {s.index[pos]!r}")
    if not s.index.is_monotonic_increasing or s.index.has_duplicates:
        raise DataError(f"index {name!r}: periods must be unique and in increasing order")
    return s.astype(float)


def split_index(indices: Mapping[str, pd.Series], *, base=None,
                periods_per_year: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Service-side and resource-side indices on a common base, with their rates of change.

    Parameters
    ----------
    indices : mapping of name -> Series
        Price indices by period (e.g. ``{"AI service (hedonic)": ..., "GPU-hour": ...,
        "PPI data hosting": ...}``), on a shared period index (years, months, ...).
        Only the periods all indices share are kept.
    base : period label, optional
        Period set to 1 in every index (default: the first shared period).
    periods_per_year : float
        12 for months; used for the annual rates.

    Returns
    -------
    levels : DataFrame
        The rebased indices, periods x names.
    rates : DataFrame
        Per index: average annual log change ``log_change_per_year`` (least-squares slope of the
        log level on time), the equivalent ``factor_per_year`` (> 1 rising, < 1 falling) and
        ``percent_per_year``.
    """
    if not indices:
        raise DataError("indices is empty")
    cols = {k: _series(k, v) for k, v in indices.items()}
    frame = pd.concat(cols, axis=1, join="inner")
    if len(frame) < 2:
        raise DataError(
            f"the indices share {len(frame)} period(s); at least two are needed "
            f"(their ranges: {[(s.index[0], s.index[-1]) for s in cols.values()]})"
        )
    b = frame.index[0] if base is None else base
    if b not in frame.index:
        raise DataError(f"base {b!r} is not a period all indices share")
    levels = frame / frame.loc[b]
    t = np.arange(len(levels)) / periods_per_year
    tc = t - t.mean()
    slope = tc @ (np.log(levels.to_numpy()) - np.log(levels.to_numpy()).mean(axis=0))
    slope = slope / (tc @ tc)
    rates = pd.DataFrame({"log_change_per_year": slope, "factor_per_year": np.exp(slope),
                          "percent_per_year": 100 * np.expm1(slope)}, index=levels.columns)
    return levels, rates


def plot_split(levels: pd.DataFrame, ax=None, *, title: str | None = None):
    """Draw rebased indices on a log scale (service side falling, resource side rising)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(levels))
    for col in levels.columns:
        ax.plot(x, levels[col].to_numpy(), marker="o", label=str(col))
    ax.set_xticks(x, [str(v) for v in levels.index], rotation=45, ha="right")
    ax.set_yscale("log")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_ylabel(f"price index ({levels.index[0]} = 1, log scale)")
    ax.set_title(title or "The deflation-inflation split")
    ax.legend()
    return ax


def deflator_whatif(
    components: pd.DataFrame,
    weights: pd.Series,
    *,
    ai_component: str,
    quality_adjusted: pd.Series | None = None,
    ai_weight: float | None = None,
    chained: bool = True,
) -> pd.DataFrame:
    """Deflator with the AI-service component re-weighted and/or quality adjusted.

    Parameters
    ----------
    components : DataFrame
        Component price indices, periods x components (rebased internally to the first
        period).
    weights : Series
        Expenditure weights by component (normalised to sum to one).
    ai_component : str
        The column of ``components`` that holds the AI-service index as measured.
    quality_adjusted : Series, optional
        Replacement (quality-adjusted) index for the AI component on the same periods.
    ai_weight : float, optional
        The user's weight for the AI component in the what-if (0 <= w < 1).
    chained : bool
        Chain period-on-period links with the weights (default) or aggregate fixed-base.

    Returns
    -------
    DataFrame by period: ``baseline``, ``what_if``, ``difference`` (level), ``baseline_inflation``,
    ``what_if_inflation`` (period-on-period, percent) and ``inflation_difference_pp``.
    """
    if not isinstance(components, pd.DataFrame):
        raise DataError("components must be a DataFrame of periods x components")
    if ai_component not in components.columns:
        raise DataError(f"ai_component {ai_component!r} is not a column of components: "
                        f"{list(components.columns)}")
    missing = [c for c in components.columns if c not in weights.index]
    if missing:
        raise DataError(f"weights has no entry for component(s) {missing}")
    w = weights.reindex(components.columns).to_numpy(dtype=float)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise DataError("weights must be finite, non-negative and not all zero")
    w = w / w.sum()
    for col in components.columns:
        _series(str(col), components[col])
    rel = components / components.iloc[0]
    alt = rel.copy()
    if quality_adjusted is not None:
        qa = _series("quality_adjusted", quality_adjusted)
        if not qa.index.equals(components.index):
            raise DataError("quality_adjusted must have the periods of components")
        alt[ai_component] = qa / qa.iloc[0]
    w2 = w.copy()
    k = list(components.columns).index(ai_component)
    if ai_weight is not None:
        if not 0 <= ai_weight < 1:
            raise ParameterError(f"ai_weight must be in [0, 1), got {ai_weight!r}")
        if w[k] >= 1:
            raise ParameterError("the AI component holds all the weight; nothing to rescale")
        w2 = w * (1 - ai_weight) / (1 - w[k])
        w2[k] = ai_weight
    def agg(levels: pd.DataFrame, wt: np.ndarray) -> np.ndarray:
        x = levels.to_numpy()
        if not chained:
            return x @ wt
        links = np.vstack([np.ones((1, x.shape[1])), x[1:] / x[:-1]])
        return np.cumprod(links @ wt)

    base = agg(rel, w)
    what = agg(alt, w2)
    out = pd.DataFrame({"baseline": base, "what_if": what}, index=components.index)
    out["difference"] = out["what_if"] - out["baseline"]
    out["baseline_inflation"] = 100 * out["baseline"].pct_change()
    out["what_if_inflation"] = 100 * out["what_if"].pct_change()
    out["inflation_difference_pp"] = out["what_if_inflation"] - out["baseline_inflation"]
    return out
