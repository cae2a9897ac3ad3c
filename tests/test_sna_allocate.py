"""Allocation of a national total to industries by a named indicator (issue 13 point 10).

Oracle: allocating the national total of a product's intermediate use back by that same use
gives every producer cell exactly its recorded use, so the adjustment equals the one read from
the tables (example economy; BEA 2022 commodity 514 when the reference data are present)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.allocate import allocate
from intelcap.accounts.capitalize import capitalize
from intelcap.accounts.io import read_table
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.datasets import bundled_data_dir
from intelcap.exceptions import DataError, SpecificationError


@pytest.fixture(scope="module")
def example():
    return read_table(bundled_data_dir() / "example" / "tables.csv")


def test_allocation_by_use_reproduces_the_table_spending(example):
    p2 = example.loc[(example["transaction"] == "P2") & (example["product"] == "AI_API")]
    total = p2.groupby("period")["value"].sum()
    sp = allocate(total, example, indicator="use", product="AI_API")
    pol = CapitalizationPolicy(share=0.5, rate=0.33)
    a = capitalize(example, sp, pol, tol=1e-3)
    b = capitalize(example, policy=pol, tol=1e-3)
    np.testing.assert_allclose(a.revisions["GDP_delta"], b.revisions["GDP_delta"], rtol=1e-9)
    assert a.ledger["config_key"].str.contains("allocated by intermediate use of AI_API").all()
    shares = sp.attrs["shares"]
    np.testing.assert_allclose(shares.groupby("period")["share"].sum(), 1.0)


def test_allocation_by_employment_table(example):
    total = pd.Series([0.01, 1.0, 4.0], index=[2024, 2025, 2026])
    w = pd.DataFrame({"sector": ["S11", "S11", "S13"], "industry": ["J", "C", "O"],
                      "value": [300.0, 100.0, 100.0]})
    sp = allocate(total, indicator="employment", weights=w)
    got = sp.set_index(["period", "industry"])["value"]
    assert got.loc[(2025, "J")] == pytest.approx(0.6)
    assert got.loc[(2026, "O")] == pytest.approx(0.8)
    adj = capitalize(example, sp, CapitalizationPolicy(share=1.0, rate=0.33), tol=1e-3)
    assert adj.ledger["config_key"].str.contains("allocated by ICT employment").any()
    # an allocation above a cell's recorded API input is refused, naming the cell
    with pytest.raises(DataError, match=r"exceeds the intermediate consumption .*'J'"):
        capitalize(example, allocate(total * 5, indicator="employment", weights=w),
                   CapitalizationPolicy(share=1.0, rate=0.33), tol=1e-3)


def test_allocation_errors_are_named(example):
    with pytest.raises(SpecificationError, match="indicator='gdp'"):
        allocate(pd.Series([1.0], index=[2024]), example, indicator="gdp")
    with pytest.raises(DataError, match=r"no intermediate use \(P2\) of \['514'\]"):
        allocate(pd.Series([1.0], index=[2024]), example, indicator="use", product="514")
    w = pd.DataFrame({"sector": ["S14"], "industry": ["_T"], "value": [1.0]})
    with pytest.raises(DataError, match="sector 'S14'"):
        allocate(pd.Series([1.0], index=[2024]), indicator="table", weights=w)


@pytest.mark.reference
def test_bea_2022_national_total_allocated_by_use_of_514(reference_dir):
    from intelcap.accounts.bea import read_supply_use

    path = reference_dir / "bea_use_tables"
    if not path.is_dir():
        pytest.skip("bea_use_tables reference dataset absent")
    t = read_supply_use(path, year=2022)
    p2 = t.loc[(t["transaction"] == "P2") & (t["product"] == "514")
               & t["sector"].isin(["S11", "S12"])]
    total = pd.Series([0.1 * p2["value"].sum()], index=[2022])
    sp = allocate(total, t, indicator="use", product="514", spending_product="514",
                  sectors=("S11", "S12"))
    adj = capitalize(t, sp, CapitalizationPolicy(share=1.0, products="514",
                                                 sectors=["S11", "S12"], rate=0.33), tol=10)
    assert round(adj.revisions.loc[2022, "GDP_delta"], 1) == 28_661.1
