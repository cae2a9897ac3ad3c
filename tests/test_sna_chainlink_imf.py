r"""``chain_link`` against the IMF *Quarterly National Accounts Manual* (2017 edition), chapter 8
"Price and Volume Measures", Example 8.8 "Chain-Linking and Benchmarking Quarterly Fisher
Indices" (manual page 193).

What the example prints (columns (1)-(6) of its table; 2010 = 100):

* (1) quarterly Fisher volume links, previous quarter = 100, 2011q1-2013q4;
* (2) the quarterly chain Fisher index they compound to (2010 = 100), and its annual averages;
* (3) annual Fisher volume links, previous year = 100 (2011-2013: 100.79, 101.00, 102.23);
* (4) the annual chain Fisher index (100.00, 100.79, 101.79, 104.06);
* (5) = (4) - (2) on the annual rows, and (6) the quarterly chain benchmarked to (4) by the
  proportional Denton method.

The links of Example 8.8 are computed from the quantities and prices of Examples 8.3 and 8.4
(the annual-overlap and one-quarter-overlap examples); those inputs could not be retrieved
here (only the current prices of Example 8.2, through a secondary source, and the first
quarter of its price indices), so the annual-overlap example itself is *not* reproduced: see
the report of issue 13. What this file checks against printed numbers is ``chain_link``'s
chain: compounding links and scaling to the reference period,

.. math::

    I_t = I_{t-1} \, \frac{\sum_i W_{t,i}}{\sum_i V_{t-1,i}}, \qquad I_{\bar t} = 100,

fed, for one aggregate, with :math:`V_{t-1} = 100` and :math:`W_t` = the printed link (so the
link ratio is the printed link over 100). Annually that is exactly the annual chain of the
manual (column (3) to column (4)); the printed quarter-on-quarter links are compounded the same
way, with the quarters numbered as consecutive periods (chain_link's annual branch), from
2010q4 = 100 (the example's 2010 quarters are flat: 2011q1's link and level are both 100.74).

Tolerance (from the table's rounding, not fitted): every link is printed to 0.01 index points,
so each carries a relative error of at most :math:`0.005/100 = 5 \times 10^{-5}`; after
:math:`k` compounded links a level :math:`L` is off by at most :math:`k \cdot 5 \times 10^{-5}
\cdot L` from the chain of the unrounded links, plus 0.005 for the printed level's own
rounding. The annual average of the printed quarterly chain is checked against column (2) of
the annual rows, and column (5) against (4) - (2), within the rounding of the printed numbers
(the text layer of the copy read here lost the minus sign of column (5): its magnitude is
checked).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intelcap.accounts.volumes import chain_link

# Example 8.8, annual rows 2010-2013
ANNUAL_LINK = [100.79, 101.00, 102.23]                 # (3), previous year = 100, 2011-2013
ANNUAL_CHAIN = [100.00, 100.79, 101.79, 104.06]        # (4), 2010 = 100
QUARTERLY_CHAIN_AVERAGE = [100.00, 100.80, 101.86, 104.11]   # (2) on the annual rows
DIFFERENCE = [0.00, 0.01, 0.07, 0.05]                  # |(5)| = |(4) - (2)|
# Example 8.8, quarterly rows 2011q1-2013q4
QUARTERLY_LINK = [100.74, 99.92, 100.08, 100.33, 100.18, 100.06, 100.58, 101.07,
                  100.76, 100.54, 99.94, 99.83]        # (1), previous quarter = 100
QUARTERLY_CHAIN = [100.74, 100.66, 100.74, 101.07, 101.25, 101.31, 101.90, 102.99,
                   103.77, 104.32, 104.26, 104.08]     # (2), 2010 = 100
BENCHMARKED = [100.73, 100.65, 100.72, 101.04, 101.19, 101.24, 101.82, 102.91,
               103.71, 104.27, 104.21, 104.04]         # (6), 2010 = 100

LINK_ERROR = 0.005 / 100.0   # relative error of a link printed to 0.01 index points
LEVEL_ROUNDING = 0.005       # a printed level's own rounding


def _chain(links: list[float], periods: list[int]) -> pd.Series:
    """Compound ``links`` (previous period = 100) with chain_link, first period = 100."""
    current = pd.DataFrame({"aggregate": 100.0}, index=periods)
    linked = pd.DataFrame({"aggregate": [100.0, *links]}, index=periods)
    return chain_link(current, linked, reference_year=periods[0])["aggregate"]


def _bound(levels: list[float]) -> np.ndarray:
    k = np.arange(1, len(levels) + 1)
    return k * LINK_ERROR * np.asarray(levels) + LEVEL_ROUNDING


def test_annual_chain_fisher_index_from_its_links():
    """Column (4) from column (3): 100.79, 101.79, 104.06 (2010 = 100)."""
    chain = _chain(ANNUAL_LINK, [2010, 2011, 2012, 2013])
    assert chain.loc[2010] == 100.0
    err = np.abs(chain.to_numpy()[1:] - ANNUAL_CHAIN[1:])
    assert (err <= _bound(ANNUAL_CHAIN[1:])).all(), err
    # one link, no compounding: the printed figure to its last digit
    assert round(float(chain.loc[2011]), 2) == ANNUAL_CHAIN[1]


def test_quarterly_chain_fisher_index_from_its_links():
    """Column (2) from column (1), 2011q1-2013q4, from 2010q4 = 100."""
    chain = _chain(QUARTERLY_LINK, list(range(13)))
    err = np.abs(chain.to_numpy()[1:] - QUARTERLY_CHAIN)
    assert (err <= _bound(QUARTERLY_CHAIN)).all(), err
    assert round(float(chain.iloc[1]), 2) == QUARTERLY_CHAIN[0]


def test_transcription_is_consistent():
    """The printed columns agree with each other within their rounding (the transcription
    check: the annual rows of (2) are the averages of its quarters, (5) is (4) - (2), the
    benchmarked quarters average to the annual chain)."""
    quarters = np.reshape(QUARTERLY_CHAIN, (3, 4)).mean(axis=1)
    np.testing.assert_allclose(quarters, QUARTERLY_CHAIN_AVERAGE[1:], atol=LEVEL_ROUNDING * 2)
    np.testing.assert_allclose(np.abs(np.subtract(ANNUAL_CHAIN, QUARTERLY_CHAIN_AVERAGE)),
                               DIFFERENCE, atol=1e-9)
    bench = np.reshape(BENCHMARKED, (3, 4)).mean(axis=1)
    np.testing.assert_allclose(bench, ANNUAL_CHAIN[1:], atol=LEVEL_ROUNDING * 2)
