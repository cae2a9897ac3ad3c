"""CapitalizationPolicy: share rules, validation, configuration round trip, printing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.policy import POLICY_KEYS, CapitalizationPolicy, ShareRule
from intelcap.exceptions import DataError, IntelcapTypeError, SpecificationError


def test_most_specific_rule_wins_and_ties_go_to_the_later():
    pol = CapitalizationPolicy(
        share=0.2, rate=0.33,
        shares=[{"sector": "S11", "share": 0.5},
                {"sector": "S11", "industry": "J", "share": 0.9},
                {"industry": "J", "sector": "S11", "period": 2025, "share": 1.0},
                {"sector": "S11", "share": 0.6}])
    cells = pd.DataFrame({
        "period": [2024, 2024, 2025, 2025, 2024],
        "sector": ["S11", "S11", "S11", "S13", "S11"],
        "industry": ["C", "J", "J", "O", "J"],
        "product": "AI_API"})
    share, keys = pol.shares_for(cells)
    np.testing.assert_array_equal(share, [0.6, 0.9, 1.0, 0.2, 0.9])
    assert list(keys) == ["shares[3]", "shares[1]", "shares[2]", "share", "shares[1]"]
    assert pol.share_for(2025, "S13", "O", "AI_API") == (0.2, "share")


def test_product_and_string_period_rules():
    pol = CapitalizationPolicy(share=0.0, rate=0.5, products=["514", "5415"],
                               shares=[{"product": "5415", "share": 0.25},
                                       {"period": "2024Q1", "share": 0.75}])
    assert pol.share_for("2024Q1", "S11", "C", "514")[0] == 0.75
    assert pol.share_for("2024Q2", "S11", "C", "5415")[0] == 0.25
    assert pol.share_for("2024Q2", "S11", "C", "514")[0] == 0.0


def test_shares_from_dataframe_and_rule_objects():
    frame = pd.DataFrame({"sector": ["S13", None], "industry": [None, "J"],
                          "share": [0.1, 0.3]})
    pol = CapitalizationPolicy(share=1.0, rate=0.33, shares=frame)
    assert pol.share_for(2024, "S13", "O", "AI_API") == (0.1, "shares[0]")
    assert pol.share_for(2024, "S11", "J", "AI_API") == (0.3, "shares[1]")
    pol = CapitalizationPolicy(rate=0.33, shares=[ShareRule(0.4, sector="S12")])
    assert pol.share_for(2024, "S12", "K", "AI_API")[0] == 0.4


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_share_outside_unit_interval(bad):
    with pytest.raises(SpecificationError, match=r"share = .* is outside \[0, 1\]"):
        CapitalizationPolicy(share=bad, rate=0.33)
    with pytest.raises(SpecificationError, match=r"policy\.shares\[0\]\.share"):
        CapitalizationPolicy.from_config({"rate": 0.33, "shares": [{"sector": "S11",
                                                                    "share": bad}]})


def test_validation_messages():
    with pytest.raises(SpecificationError, match="route='capital' is not recognised"):
        CapitalizationPolicy(rate=0.33, route="capital")
    with pytest.raises(SpecificationError, match="timing='late'"):
        CapitalizationPolicy(rate=0.33, timing="late")
    with pytest.raises(SpecificationError, match="needs rate or service_life"):
        CapitalizationPolicy()
    with pytest.raises(SpecificationError, match=r"rate = 1\.5 is outside \(0, 1\]"):
        CapitalizationPolicy(rate=1.5)
    with pytest.raises(SpecificationError, match="sectors holds 'S2'"):
        CapitalizationPolicy(rate=0.3, sectors=["S11", "S2"])
    with pytest.raises(SpecificationError, match="asset must be a product code"):
        CapitalizationPolicy(rate=0.3, asset="_T")
    with pytest.raises(IntelcapTypeError, match="rule must be callable"):
        CapitalizationPolicy(rate=0.3, rule=0.5)
    with pytest.raises(DataError, match="deflator must be positive.*2025"):
        CapitalizationPolicy(rate=0.3, deflator={2024: 1.0, 2025: 0.0})


def test_unknown_config_keys_are_named():
    with pytest.raises(SpecificationError, match=r"unknown configuration key policy\.shair"):
        CapitalizationPolicy.from_config({"rate": 0.33, "shair": 0.5})
    with pytest.raises(SpecificationError, match=r"unknown key policy\.shares\[1\]\.sectr"):
        CapitalizationPolicy.from_config({"rate": 0.33, "shares": [
            {"sector": "S11", "share": 0.5}, {"sectr": "S13", "share": 0.1}]})


def test_config_round_trip_and_deflator_file(tmp_path):
    (tmp_path / "defl.csv").write_text("period,value\n2024,1.0\n2025,0.9\n")
    cfg = {"route": "own_account", "products": ["AI_API"], "asset": "AN1173AI",
           "sectors": ["S11", "S13"], "share": 0.5,
           "shares": [{"sector": "S13", "period": 2025, "share": 0.1}],
           "profile": "geometric", "rate": 0.33, "timing": "mid", "uses": ["models", "code"],
           "deflator": "defl.csv"}
    pol = CapitalizationPolicy.from_config(cfg, base_dir=tmp_path)
    assert pol.deflator.to_dict() == {2024: 1.0, 2025: 0.9}
    back = pol.to_config()
    assert back["deflator"] == {"2024": 1.0, "2025": 0.9}
    again = CapitalizationPolicy.from_config({**back, "deflator": {2024: 1.0, 2025: 0.9}})
    assert again.to_config() == back
    assert again.share_for(2025, "S13", "O", "AI_API") == (0.1, "policy.shares[0]")
    assert set(back) <= set(POLICY_KEYS)


def test_prints_itself():
    pol = CapitalizationPolicy(share=0.5, rate=0.33, shares=[{"sector": "S13", "share": 0.3}])
    text = str(pol)
    assert "Capitalization policy" in text and "satellite" in text
    assert "shares[0]: 0.3 where sector='S13'" in text
    assert "<table" in pol._repr_html_()
    assert repr(pol).startswith("CapitalizationPolicy(route='satellite'")
    assert pol.pim_options() == {"profile": "geometric", "timing": "mid", "rate": 0.33}


def test_timings_and_pim_options_match_the_pim():
    import importlib

    # the package exports the function pim, which shadows the module of the same name
    pim_module = importlib.import_module("intelcap.accounts.pim")
    from intelcap.accounts.policy import TIMINGS

    assert set(TIMINGS) == set(pim_module.TIMINGS)
    pol = CapitalizationPolicy(service_life=5, profile="geometric", timing="beginning",
                               profile_options={"declining_balance": 1.65})
    res = pim_module.pim(pd.Series(100.0, index=range(2001, 2004)), **pol.pim_options())
    # BEA own-account software: declining balance 1.65 / 5 years = 0.33 a year, full first year
    np.testing.assert_allclose(res.cfc.to_numpy()[:2], [33.0, 33.0 + 0.33 * 67.0])
