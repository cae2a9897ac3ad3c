"""Quarterly tables (issue 13 point 3): frequency detected or declared, annual rates converted,
every quarter required, and quarters that sum to the annual run.

Oracle: the example economy (data/example) split evenly into quarters (every value / 4) must
give, summed over each year's quarters, the annual run's revised tables and ledger to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.capitalize import capitalize, frequency_of
from intelcap.accounts.io import read_table
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.tables import KEY
from intelcap.datasets import bundled_data_dir
from intelcap.exceptions import MissingDataError, SpecificationError


@pytest.fixture(scope="module")
def annual() -> pd.DataFrame:
    return read_table(bundled_data_dir() / "example" / "tables.csv")


def split(t: pd.DataFrame, sep: str = "") -> pd.DataFrame:
    return pd.concat([t.assign(period=t["period"].astype(str) + f"{sep}Q{k}",
                               value=t["value"] / 4) for k in range(1, 5)], ignore_index=True)


def by_year(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    f = frame.assign(period=frame["period"].str[:4].astype("int64"))
    return f.groupby(cols)["value" if "value" in f else "delta"].sum()


@pytest.mark.parametrize("route", ["satellite", "own_account"])
@pytest.mark.parametrize("kw", [dict(rate=0.33), dict(profile="straight_line", service_life=3),
                                dict(rate=0.33, backcast="steady_state", backcast_growth=0.3)])
def test_quarters_sum_to_the_annual_run(annual, route, kw):
    pol = CapitalizationPolicy(share=0.5, shares=[{"sector": "S13", "share": 0.3}],
                               route=route, **kw)
    a = capitalize(annual, policy=pol, tol=1e-3)
    q = capitalize(split(annual), policy=pol, tol=1e-3)
    key = list(KEY)
    ya = a.tables.set_index(key)["value"]
    yq = by_year(q.tables, key).reindex(ya.index)
    np.testing.assert_allclose(yq.to_numpy(), ya.to_numpy(), rtol=0, atol=1e-9)
    la = a.ledger.set_index(key)["delta"]
    lq = by_year(q.ledger.rename(columns={"delta": "value"}), key).reindex(la.index)
    np.testing.assert_allclose(lq.to_numpy(), la.to_numpy(), rtol=0, atol=1e-9)
    # CFC of the capital tables: quarters sum to the annual CFC
    ca, cq = a.capital, q.capital
    m = (ca["measure"] == "cfc") & (ca["price_basis"] == "current")
    mq = (cq["measure"] == "cfc") & (cq["price_basis"] == "current")
    cols = ["period", "sector", "industry"]
    np.testing.assert_allclose(by_year(cq.loc[mq], cols).reindex(
        ca.loc[m].set_index(cols).index).to_numpy(), ca.loc[m, "value"].to_numpy(), atol=1e-9)


def test_frequency_detected_and_declared(annual):
    assert frequency_of([2024, 2025]) == "A"
    assert frequency_of(["2024Q1", "2024Q2"]) == "Q"
    assert frequency_of(["2024-Q1"]) == "Q"
    q = split(annual, sep="-")
    pol = CapitalizationPolicy(share=0.5, rate=0.33, frequency="Q")
    assert capitalize(q, policy=pol, tol=1e-3).tables["period"].iloc[0] == "2024-Q1"
    with pytest.raises(SpecificationError, match=r"policy.frequency = 'A'|frequency = 'A'"):
        capitalize(q, policy=CapitalizationPolicy(share=0.5, rate=0.33, frequency="A"),
                   tol=1e-3)


def test_missing_quarter_is_named(annual):
    q = split(annual)
    q = q.loc[q["period"] != "2025Q3"]
    with pytest.raises(MissingDataError, match="missing quarter 2025Q3"):
        capitalize(q, policy=CapitalizationPolicy(share=0.5, rate=0.33), tol=1e-3)


def test_annual_rate_converted_not_applied_per_quarter(annual):
    """The 2025 CFC of a quarterly run is the annual figure, not about three times it."""
    pol = CapitalizationPolicy(share=0.5, rate=0.33)
    a = capitalize(annual, policy=pol, tol=1e-3).revisions["CFC_delta"]
    q = capitalize(split(annual), policy=pol, tol=1e-3).revisions["CFC_delta"]
    qy = q.groupby(q.index.str[:4].astype(int)).sum()
    np.testing.assert_allclose(qy.to_numpy(), a.to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("route", ["satellite", "own_account"])
def test_quarterly_with_a_deflator_sums_to_the_annual_run(annual, route):
    """Quarterly tables with a quarterly asset price index (issue 13 point 4): investment is
    deflated quarter by quarter, the constant-price CFC benchmarked to the annual perpetual
    inventory, and revalued at the quarter's price. With the price constant within each year
    the quarters sum to the annual run with the annual deflator (1e-9), at current and at
    constant prices."""
    years = {2024: 100.0, 2025: 80.0, 2026: 70.0}
    quarterly = {f"{y}Q{k}": v for y, v in years.items() for k in range(1, 5)}
    kw = dict(share=0.5, rate=0.33, route=route, deflator_base=100.0)
    a = capitalize(annual, policy=CapitalizationPolicy(deflator=years, **kw), tol=1e-3)
    q = capitalize(split(annual), policy=CapitalizationPolicy(deflator=quarterly, **kw),
                   tol=1e-3)
    key = list(KEY)
    ya = a.tables.set_index(key)["value"]
    np.testing.assert_allclose(by_year(q.tables, key).reindex(ya.index).to_numpy(),
                               ya.to_numpy(), rtol=0, atol=1e-9)
    cols = ["period", "sector", "industry"]
    for basis in ("current", "constant"):
        for measure in ("cfc", "gfcf"):
            ma = (a.capital["measure"] == measure) & (a.capital["price_basis"] == basis)
            mq = (q.capital["measure"] == measure) & (q.capital["price_basis"] == basis)
            want = a.capital.loc[ma].set_index(cols)["value"]
            got = by_year(q.capital.loc[mq], cols).reindex(want.index)
            np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9,
                                       err_msg=f"{measure} {basis}")


def test_quarterly_deflator_revalues_each_quarter(annual):
    """A price falling within the year: current-price CFC = constant-price CFC x P_q / P_0,
    quarter by quarter, and a missing quarter of the deflator is named."""
    quarterly = {f"{y}Q{k}": 100.0 * 0.97 ** (4 * (y - 2024) + k - 1)
                 for y in (2024, 2025, 2026) for k in range(1, 5)}
    pol = CapitalizationPolicy(share=0.5, rate=0.33, deflator=quarterly, deflator_base=100.0)
    q = capitalize(split(annual), policy=pol, tol=1e-3)
    cap = q.capital.loc[(q.capital["measure"] == "cfc") & (q.capital["sector"] == "S1")]
    cur = cap.loc[cap["price_basis"] == "current"].set_index("period")["value"]
    const = cap.loc[cap["price_basis"] == "constant"].set_index("period")["value"]
    price = pd.Series(quarterly) / 100.0
    np.testing.assert_allclose(cur.to_numpy(), (const * price.reindex(const.index)).to_numpy(),
                               rtol=1e-12)
    del quarterly["2025Q3"]
    with pytest.raises(MissingDataError, match="no value for quarter '2025Q3'"):
        capitalize(split(annual), policy=CapitalizationPolicy(
            share=0.5, rate=0.33, deflator=quarterly, deflator_base=100.0), tol=1e-3)
