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
