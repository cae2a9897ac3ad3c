r"""GDP-B: output with the benefits of new and free goods, and each good's growth contribution.

Brynjolfsson, E., A. Collis, W. E. Diewert, F. Eggers and K. J. Fox (2019), "GDP-B: Accounting
for the value of new and free goods in the digital economy", NBER Working Paper 25695 (also
UBC Vancouver School of Economics Discussion Paper 19-05, and the revised SSRN 3356697, 2021),
measure the benefit of a free good by consumers' valuation of it, elicited as the
willingness to accept (WTA) compensation to give it up in incentive-compatible choice
experiments, and add it to measured output. Their headline: Facebook would have added 0.05 to
0.11 percentage points a year to US GDP-B growth (abstract).

This module does that arithmetic in levels, in the manner of the paper, with every step
explicit. With real GDP :math:`Y_t` and, for each free good :math:`j`, its benefit
:math:`B_{jt} = N_{jt} v_{jt}` (users times the real valuation per user per period, e.g. the
median or mean WTA from :func:`intelcap.welfare.wta_survival`, deflated to the prices of
:math:`Y`),

.. math::

    Y^B_t = Y_t + \sum_j B_{jt}, \qquad
    \frac{Y^B_t}{Y^B_{t-1}} - 1 = \frac{Y_t - Y_{t-1}}{Y^B_{t-1}}
      + \sum_j \underbrace{\frac{B_{jt} - B_{j,t-1}}{Y^B_{t-1}}}_{c_{jt}},

so the contributions :math:`c_{jt}` of the free goods and of measured output add up exactly to
GDP-B growth. A good absent before its introduction has :math:`B_{j,t-1} = 0`: its whole
benefit enters the year it appears (as a good priced at its Hicksian reservation price before
it exists would). This is a levels decomposition in the spirit of the paper; the paper's own
index-number derivations (Fisher and Törnqvist forms with reservation prices) are not
reproduced here, and no published GDP-B figure is checked by the tests (only the accounting
identities are).

For a new *priced* good with expenditure share :math:`s` and point elasticity
:math:`\varepsilon` at introduction, linear demand between the observed point and the Hicks
reservation (choke) price gives the surplus share :math:`s / (2 \varepsilon)` of expenditure
(Hausman 1999), :func:`new_good_contribution`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError, ParameterError

__all__ = ["gdp_b", "new_good_contribution"]


def gdp_b(gdp: pd.Series, benefits: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """GDP-B levels, growth and each free good's contribution to GDP-B growth.

    Parameters
    ----------
    gdp : Series
        Real GDP by period (sorted).
    benefits : DataFrame or Series
        Real benefit of each free good by period (users x valuation per user), columns = goods,
        on the same periods as ``gdp``. Use 0 before a good exists.

    Returns
    -------
    DataFrame by period: ``gdp``, ``benefit`` (sum over goods), ``gdp_b``, ``gdp_growth``,
    ``gdp_b_growth``, ``contribution_gdp`` and one ``contribution_<good>`` column per good (all
    growth figures as fractions; the contributions sum to ``gdp_b_growth``).
    """
    if not isinstance(gdp, pd.Series):
        raise DataError(f"gdp must be a pandas Series by period, got {type(gdp).__name__}")
    ben = benefits.to_frame() if isinstance(benefits, pd.Series) else benefits
    if not isinstance(ben, pd.DataFrame):
        raise DataError("benefits must be a DataFrame (periods x goods) or a Series")
    if not ben.index.equals(gdp.index):
        raise DataError(
            f"benefits ({len(ben)} periods) and gdp ({len(gdp)} periods) must share one index; "
            "align them first"
        )
    y = gdp.to_numpy(dtype=float)
    b = ben.to_numpy(dtype=float)
    if not np.isfinite(y).all() or (y <= 0).any():
        pos = int(np.flatnonzero(~(np.isfinite(y) & (y > 0)))[0])
        raise DataError(f"gdp must be positive and finite; period {gdp.index[pos]!r}")
    if not np.isfinite(b).all() or (b < 0).any():
        r, c = np.argwhere(~(np.isfinite(b) & (b >= 0)))[0]
        raise DataError(f"benefit of {ben.columns[c]!r} must be non-negative and finite; "
                        f"period {ben.index[r]!r}")
    yb = y + b.sum(axis=1)
    out = pd.DataFrame({"gdp": y, "benefit": b.sum(axis=1), "gdp_b": yb}, index=gdp.index)
    prev = np.r_[np.nan, yb[:-1]]
    out["gdp_growth"] = np.r_[np.nan, y[1:] / y[:-1] - 1]
    out["gdp_b_growth"] = yb / prev - 1
    out["contribution_gdp"] = np.r_[np.nan, np.diff(y)] / prev
    for k, name in enumerate(ben.columns):
        out[f"contribution_{name}"] = np.r_[np.nan, np.diff(b[:, k])] / prev
    return out


def new_good_contribution(share, elasticity):
    r"""Welfare gain of a new priced good as a share of expenditure, :math:`s / (2\varepsilon)`.

    Linear demand through the observed point with absolute point elasticity
    :math:`\varepsilon`, integrated up to the Hicks reservation price (Hausman 1999,
    "Cellular telephone, new products, and the CPI", *Journal of Business and Economic
    Statistics* 17(2)); the term BCDEF (2019) add to GDP-B growth for a new good.
    """
    s = np.asarray(share, dtype=float)
    e = np.asarray(elasticity, dtype=float)
    if ((s < 0) | (s > 1)).any():
        raise ParameterError("share must lie in [0, 1]")
    if (e <= 0).any():
        raise ParameterError("elasticity (absolute value) must be positive")
    out = s / (2 * e)
    if isinstance(share, pd.Series):
        return pd.Series(out, index=share.index, name="contribution")
    return float(out) if out.ndim == 0 else out
