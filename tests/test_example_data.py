"""The bundled example economy (data/example): reproducible, balanced, cited inputs."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.gdp import check_identity
from intelcap.accounts.io import read_table, write_table
from intelcap.datasets import bundled_data_dir

EXAMPLE = bundled_data_dir() / "example"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("make_example", EXAMPLE / "make_example.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_table_is_what_the_script_makes(generator, tmp_path):
    write_table(generator.build(), tmp_path / "tables.csv", format="csv")
    assert (tmp_path / "tables.csv").read_bytes() == (EXAMPLE / "tables.csv").read_bytes()


def test_balanced_in_three_approaches_with_all_sectors():
    t = read_table(EXAMPLE / "tables.csv")
    gdp = check_identity(t, tol=1e-4)
    assert list(gdp.index) == [2024, 2025, 2026]
    sectors = set(t["sector"])
    assert {"S11", "S12", "S13", "S14", "S15", "S1"} <= sectors
    assert (t.loc[t["transaction"] == "P7", "value"] > 0).all()          # imports
    hh_api = t.loc[(t["sector"] == "S14") & (t["product"] == "AI_API")
                   & (t["transaction"] == "P3")]
    assert len(hh_api) == 3 and (hh_api["value"] > 0).all()             # households buy API
    # product balance of API services: domestic output + imports = intermediate + final uses
    api = t.loc[t["product"] == "AI_API"].groupby(["period", "transaction"])["value"].sum()
    api = api.unstack()
    np.testing.assert_allclose(api["P1"] + api["P7"], api["P2"] + api["P3"] + api["P6"],
                               atol=1e-5)


def test_spending_is_tokens_times_cited_price(generator):
    """Annual spending = sum over days of tokens/day x blended USD price per token."""
    g = generator
    # one day at each anchor equals the official figure times the price in force
    assert g.daily_tokens(g.dt.date(2025, 6, 30)) == pytest.approx(3.0e13)
    assert g.daily_tokens(g.dt.date(2026, 3, 31)) == pytest.approx(1.4e14)
    assert g.daily_tokens(g.dt.date(2026, 12, 31)) == pytest.approx(1.4e14)   # held flat
    # the whole of 2026 after March at 1.4e14/day and the February 2025 price
    assert g.PRICE_AFTER == pytest.approx((3 * 0.27 + 1.10) / 4)
    s2026 = g.api_spending_usd_bn(2026)
    upper = 365 * 1.4e14 * g.PRICE_AFTER / 1e6 / 1e9
    assert 0.9 * upper < s2026 <= upper
    t = read_table(EXAMPLE / "tables.csv")
    total = t.loc[(t["product"] == "AI_API") & t["transaction"].isin(["P2", "P3", "P6"])]
    by_year = total.groupby("period")["value"].sum()
    np.testing.assert_allclose(by_year.to_numpy(),
                               [g.api_spending_usd_bn(y) for y in g.PERIODS], atol=1e-5)


@pytest.mark.reference
def test_typed_figures_match_their_sources(generator, reference_dir):
    """The four official figures and the DeepSeek prices typed into the script match the
    transcriptions in ../shared/reference/china_tokens and llm_prices/simonw_llm_prices."""
    off = pd.read_csv(reference_dir / "china_tokens" / "china_daily_token_usage_official.csv")
    typed = {d.strftime("%Y-%m"): v for d, v, _ in generator.DAILY_TOKENS}
    assert typed == dict(zip(off["period"], off["daily_tokens"], strict=True))
    ds = json.loads((reference_dir / "llm_prices" / "simonw_llm_prices" / "deepseek.json")
                    .read_text())
    hist = next(m for m in ds["models"] if m["id"] == "deepseek-chat")["price_history"]
    before = next(h for h in hist if h["to_date"] == "2025-02-08")
    after = next(h for h in hist if h["from_date"] == "2025-02-08")
    assert generator.PRICE_CHANGE.isoformat() == "2025-02-08"
    assert generator.PRICE_BEFORE == pytest.approx((3 * before["input"] + before["output"]) / 4)
    assert generator.PRICE_AFTER == pytest.approx((3 * after["input"] + after["output"]) / 4)


def test_readme_says_what_is_illustrative():
    text = (EXAMPLE / "README.md").read_text()
    assert "illustrative" in text.lower()
    for source in ("National Data Administration", "simonw/llm-prices", "ENS3"):
        assert source in text
