"""Usage panel, spending, shares and concentration (intelcap.tokens.usage, .concentration).

Published figures reproduced: the OpenRouter week 16-22 March 2026 (file 2026-03-23.json of the
non-bundled ``openrouter_usage`` dataset, as quoted by the source article of issue #11):
Chinese-developed top-10 models 7.359 T tokens, US 3.536 T, top 10 together 10.895 T, and the
article's "36% of a 20.4 T total" (7.359 / 20.4 = 36.07%). Exact sums of integers: tolerance
1e-12 relative. Concentration measures are checked against analytic oracles.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from intelcap.exceptions import DataError, IntelcapError, MissingDataError
from intelcap.tokens.concentration import concentration, cr, entropy, hhi, hhi_bounds
from intelcap.tokens.usage import (
    read_openrouter,
    read_usage_csv,
    share_of_total,
    shares,
    spending,
    usage_from_openrouter,
    validate_usage,
)


def _openrouter_week():
    from intelcap import datasets
    from intelcap.datasets import DatasetNotAvailable

    try:
        frame = datasets.openrouter_usage.load()
    except DatasetNotAvailable as err:
        pytest.skip(str(err))
    panel = usage_from_openrouter(frame)
    return panel[panel["period"] == pd.Timestamp("2026-03-23")].reset_index(drop=True)


def test_file_reader_equals_loader_route(reference_dir):
    path = reference_dir / "openrouter_usage" / "weekly_top10" / "2026-03-23.json"
    if not path.is_file():
        pytest.skip("openrouter_usage/weekly_top10/2026-03-23.json not in the reference folder")
    a = read_openrouter(path).set_index("model").sort_index()
    b = _openrouter_week().set_index("model").sort_index()
    cols = ["tokens", "input_tokens", "cached_tokens", "price_input", "price_cached", "country"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False)


def test_openrouter_week_of_16_march_2026_country_sums():
    df = _openrouter_week()
    assert len(df) == 10
    by = df.groupby("country")["tokens"].sum()
    assert by["CN"] == pytest.approx(7.359e12, rel=1e-12)
    assert by["US"] == pytest.approx(3.536e12, rel=1e-12)
    assert df["tokens"].sum() == pytest.approx(10.895e12, rel=1e-12)
    res = share_of_total(df, "CN", total=20.4e12)
    assert res.share == pytest.approx(0.36, abs=0.005)  # the article's "36%"
    assert res.share == pytest.approx(7.359 / 20.4, rel=1e-12)
    assert res.bounds[1] == pytest.approx((7.359 + 20.4 - 10.895) / 20.4, rel=1e-12)
    text = str(res)
    assert "10.895 T" in text and "openrouter/hunter-alpha" in text and "unconfirmed" in text
    # the caveat gives the share without the unconfirmed model: (7.359 - 0.919) / 20.4
    assert "31.6%" in text


def test_openrouter_spending_prices_cached_tokens_at_cache_price():
    df = _openrouter_week()
    sp = spending(df).set_index("model")["spending"]
    row = df.set_index("model").loc["anthropic/claude-4.6-opus-20260205"]
    hand = ((row.input_tokens - row.cached_tokens) * 5 + row.cached_tokens * 0.5
            + (row.output_tokens - row.reasoning_tokens) * 25 + row.reasoning_tokens * 25) / 1e6
    assert sp["anthropic/claude-4.6-opus-20260205"] == pytest.approx(hand, rel=1e-12)
    assert sp["stepfun/step-3.5-flash:free"] == 0.0


def test_hhi_cr_entropy_analytic():
    for n in (1, 2, 5, 40):
        v = np.ones(n)
        assert hhi(v) == pytest.approx(1e4 / n)
        assert entropy(v) == pytest.approx(math.log(n))
    s = pd.Series([50.0, 30.0, 20.0], index=["a", "b", "c"])
    assert hhi(s) == pytest.approx(2500 + 900 + 400)
    assert cr(s, 2) == pytest.approx(0.8)
    c = concentration(s)
    assert c.band == "highly concentrated"  # 3,800 > 1,800 (2023 Guidelines)
    assert concentration(np.ones(8)).band == "moderately concentrated"  # 1,250
    assert concentration(np.ones(8), bands="2010").band == "unconcentrated"  # < 1,500
    with pytest.raises(DataError, match="row 'b'"):
        hhi(pd.Series([1.0, -1.0], index=["a", "b"]))


def test_hhi_bounds_contain_every_admissible_tail():
    rng = np.random.default_rng(7)
    top = np.array([0.3, 0.2, 0.1])  # rest 0.4, tail firms at most 0.1 each
    lo, hi = hhi_bounds(top)
    assert lo == pytest.approx(1e4 * (0.09 + 0.04 + 0.01))
    assert hi == pytest.approx(1e4 * (0.09 + 0.04 + 0.01 + 4 * 0.01))
    for _ in range(500):
        m = rng.integers(4, 200)
        tail = rng.dirichlet(np.ones(m)) * 0.4
        if tail.max() > 0.1:
            continue
        h = hhi(np.concatenate([top, tail]), normalize=False)
        assert lo - 1e-9 <= h <= hi + 1e-9
    lo5, _ = hhi_bounds(top, n_unobserved=5)
    assert lo5 == pytest.approx(lo + 1e4 * 0.4**2 / 5)
    c = concentration([30.0, 20.0, 10.0], total=100.0)
    assert c.hhi_range == pytest.approx((lo, hi)) and c.caveats


def _panel(**over):
    df = pd.DataFrame({
        "period": ["2026-01-01", "2026-01-01", "2026-02-01"],
        "model": ["a", "b", "a"], "provider": ["x", "y", "x"], "country": ["CN", "US", "CN"],
        "input_tokens": [100.0, 200.0, 300.0], "output_tokens": [10.0, 20.0, 30.0],
        "cached_tokens": [50.0, 0.0, 0.0], "reasoning_tokens": [5.0, 0.0, 0.0],
        "price_input": [1.0, 2.0, 1.0], "price_output": [4.0, 8.0, 4.0],
        "price_cached": [0.1, 0.2, 0.1], "currency": ["USD", "USD", "USD"],
    })
    for k, v in over.items():
        df[k] = v
    return df


def test_spending_with_dated_schedule():
    sch = pd.DataFrame({"model": ["a", "a", "b"],
                        "valid_from": ["2025-01-01", "2026-02-01", "2025-06-01"],
                        "price_input": [1.0, 0.5, 2.0], "price_output": [4.0, 2.0, 8.0],
                        "price_cached": [0.1, 0.05, 0.2], "price_reasoning": [10.0, 5.0, 8.0],
                        "currency": ["USD", "USD", "CNY"]})
    out = spending(_panel().drop(columns=["price_input", "price_output", "price_cached",
                                          "currency"]), sch)
    exp = [(50 * 1.0 + 50 * 0.1 + 5 * 4.0 + 5 * 10.0) / 1e6, (200 * 2 + 20 * 8) / 1e6,
           (300 * 0.5 + 30 * 2.0) / 1e6]
    np.testing.assert_allclose(out["spending"], exp, rtol=1e-14)
    assert list(out["currency"]) == ["USD", "CNY", "USD"]
    with pytest.raises(DataError, match="no price for model 'a'"):
        spending(_panel(period=["2020-01-01", "2026-01-01", "2026-02-01"]).drop(
            columns=["currency"]), sch)


def test_shares_by_country():
    sh = shares(validate_usage(_panel()), "country")
    jan = sh[sh["period"] == pd.Timestamp("2026-01-01")].set_index("country")["share"]
    assert jan["CN"] == pytest.approx(110 / 330) and jan.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("over", "match"), [
    ({"input_tokens": [100.0, -1.0, 3.0]}, r"negative .* row 1"),
    ({"tokens": [1.0, np.nan, 3.0]}, r"tokens missing at row 1"),
    ({"model": ["a", "a", "a"], "provider": ["x", "x", "x"]}, r"duplicated .* row 0 and row 1"),
    ({"currency": ["USD", "XYZ", "USD"]}, r"unknown currency 'XYZ' at row 1"),
    ({"price_unit": ["per_1m_tokens", "per_1m_tokens", "per_1k_tokens"]},
     r"mixed units: 'per_1k_tokens' at row 2"),
    ({"period": ["2026-01-01", "soon", "2026-02-01"]}, r"'soon' at row 1"),
])
def test_bad_usage_names_the_row(over, match):
    with pytest.raises(IntelcapError, match=match):
        validate_usage(_panel(**over))


def test_missing_tokens_is_missing_data(tmp_path):
    p = tmp_path / "u.csv"
    _panel(tokens=[1.0, None, 2.0]).to_csv(p, index=False)
    with pytest.raises(MissingDataError, match="u.csv: tokens missing at row 1"):
        read_usage_csv(p)


def test_price_units_converted_to_per_million():
    df = validate_usage(_panel(price_unit="per_1k_tokens"))
    assert df["price_input"].tolist() == [1000.0, 2000.0, 1000.0]
