"""The bundled example economy (data/example): reproducible, balanced, cited inputs."""

from __future__ import annotations

import importlib.util

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


def test_typed_official_figures_match_their_source(generator):
    """The four official figures typed into the script match the transcription bundled as
    ``intelcap.datasets.china_tokens``."""
    from intelcap.datasets import china_tokens

    off = china_tokens.load()
    typed = {d.strftime("%Y-%m"): v for d, v, _ in generator.DAILY_TOKENS}
    assert typed == {str(p): v for p, v in off["daily_tokens"].items()}


@pytest.mark.reference
def test_typed_prices_match_their_source(generator):
    """The DeepSeek prices typed into the script match simonw/llm-prices (not bundled: no
    licence stated; read from the reference folder, skipped without it)."""
    from intelcap.datasets import DatasetNotAvailable, simonw_llm_prices

    try:
        prices = simonw_llm_prices.load()
    except DatasetNotAvailable as exc:
        pytest.skip(str(exc))
    hist = prices[(prices["vendor"] == "deepseek") & (prices["model_id"] == "deepseek-chat")]
    change = pd.Timestamp("2025-02-08")
    before = hist.loc[hist["to_date"] == change].iloc[0]
    after = hist.loc[hist["from_date"] == change].iloc[0]
    assert generator.PRICE_CHANGE.isoformat() == "2025-02-08"
    assert generator.PRICE_BEFORE == pytest.approx((3 * before["input"] + before["output"]) / 4)
    assert generator.PRICE_AFTER == pytest.approx((3 * after["input"] + after["output"]) / 4)


def test_readme_says_what_is_illustrative():
    text = (EXAMPLE / "README.md").read_text()
    assert "illustrative" in text.lower()
    for source in ("National Data Administration", "simonw/llm-prices", "ENS3"):
        assert source in text
