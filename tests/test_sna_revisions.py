"""Revision tables (issue 13 point 6): levels and growth before/after; two vintages compared
with mean revision and mean absolute revision (OECD/Eurostat revisions-analysis statistics).
Oracle: hand arithmetic on the example economy's runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.capitalize import capitalize
from intelcap.accounts.io import read_table
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.revisions import compare_vintages, growth
from intelcap.datasets import bundled_data_dir


@pytest.fixture(scope="module")
def runs():
    t = read_table(bundled_data_dir() / "example" / "tables.csv")
    v1 = capitalize(t, policy=CapitalizationPolicy(share=0.5, rate=0.33), tol=1e-3)
    # a later vintage of the input: 2026 API spending revised up by 10%
    t2 = t.copy()
    m = (t2["period"] == 2026) & (t2["product"] == "AI_API") & (t2["transaction"] == "P2")
    hh = (t2["period"] == 2026) & (t2["product"] == "OTHER") & (t2["sector"] == "S14") & (
        t2["transaction"] == "P3")
    extra = 0.1 * t2.loc[m, "value"].sum()
    t2.loc[m, "value"] *= 1.1
    oth = (t2["period"] == 2026) & (t2["product"] == "OTHER") & (t2["transaction"] == "P2")
    # keep every identity: the extra API input replaces OTHER input of the same industries
    t2.loc[oth, "value"] -= 0.1 * t.loc[m, "value"].to_numpy()
    assert extra > 0 and hh.any()
    v2 = capitalize(t2, policy=CapitalizationPolicy(share=0.5, rate=0.33), tol=1e-3)
    return v1, v2


def test_levels_and_growth_before_and_after(runs):
    rev = runs[0].revisions
    g0 = 100 * (rev["GDP_before"] / rev["GDP_before"].shift() - 1)
    np.testing.assert_allclose(rev["GDP_growth_before"].iloc[1:], g0.iloc[1:])
    np.testing.assert_allclose(rev["GDP_growth_revision"].iloc[1:],
                               (rev["GDP_growth_after"] - rev["GDP_growth_before"]).iloc[1:])
    assert np.isnan(rev["GDP_growth_before"].iloc[0])


def test_vintage_comparison_mean_and_mean_absolute_revision(runs):
    v1, v2 = runs
    table, summary = compare_vintages(v1, v2)
    a, b = v1.revisions["GDP_after"], v2.revisions["GDP_after"]
    np.testing.assert_allclose(table["revision"], b - a)
    assert table.loc[2024, "revision"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[2026, "revision"] > 0
    assert summary.loc["mean revision", "level"] == pytest.approx((b - a).mean())
    assert summary.loc["mean absolute revision", "level"] == pytest.approx((b - a).abs().mean())
    gr = growth(b) - growth(a)
    assert summary.loc["mean absolute revision", "growth (pp)"] == pytest.approx(
        gr.dropna().abs().mean())
    assert summary.loc["periods", "growth (pp)"] == 2
    s = pd.Series([100.0, 110.0], index=[1, 2])
    t, _ = compare_vintages(s, s * 1.01)
    assert t["revision %"].tolist() == pytest.approx([1.0, 1.0])
