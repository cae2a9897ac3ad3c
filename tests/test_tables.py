"""Schema, validation and wide/long conversion of national-accounts tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _economy import tiny_records

from intelcap.accounts.tables import (
    COLUMNS,
    KEY,
    TRANSACTIONS,
    from_wide,
    make_table,
    sort_table,
    to_wide,
    validate_table,
)
from intelcap.exceptions import DataError, IntelcapTypeError, MissingDataError


def test_make_table_schema(tiny):
    assert tuple(tiny.columns) == COLUMNS
    assert tiny["period"].dtype == np.int64
    assert tiny["value"].dtype == np.float64
    assert all(pd.api.types.is_string_dtype(tiny[c]) for c in COLUMNS if c not in
               ("period", "value"))
    assert (tiny["price_basis"] == "current").all()
    assert (tiny["unit"] == "USD_MN").all()
    assert len(tiny) == 46
    # canonical order
    pd.testing.assert_frame_equal(tiny, sort_table(tiny))


def test_validate_does_not_modify_input(tiny):
    raw = tiny.copy()
    raw["industry"] = raw["industry"].astype(object)
    before = raw.copy()
    out = validate_table(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert pd.api.types.is_string_dtype(out["industry"])


def test_period_normalisation():
    rec = tiny_records()[:1]
    rec[0]["period"] = "2023"
    assert make_table(rec, unit="X")["period"].dtype == np.int64
    rec[0]["period"] = "2023Q1"
    assert make_table(rec, unit="X")["period"].iloc[0] == "2023Q1"
    rec2 = tiny_records()[:2]
    rec2[0]["period"] = "2023Q1"
    with pytest.raises(DataError, match="mixed period types"):
        make_table(rec2, unit="X")


def test_integer_codes_become_strings():
    rec = tiny_records()[:1]
    rec[0]["industry"] = 22
    t = make_table(rec, unit="X")
    assert t["industry"].iloc[0] == "22"


def _bad(tiny, **changes):
    t = tiny.copy()
    for col, (row, value) in changes.items():
        if col == "value" and not isinstance(value, float):
            t["value"] = t["value"].astype(object)
        t.loc[row, col] = value
    return t


def test_unknown_transaction_names_row(tiny):
    with pytest.raises(DataError, match=r"unknown transaction code 'P99' at row 3 .*'P99'"):
        validate_table(_bad(tiny, transaction=(3, "P99")))


def test_unknown_sector(tiny):
    with pytest.raises(DataError, match="unknown sector code 'S99'"):
        validate_table(_bad(tiny, sector=(0, "S99")))


def test_transaction_on_wrong_sector(tiny):
    t = tiny.copy()
    t.loc[t["transaction"] == "P6", "sector"] = "S11"
    with pytest.raises(DataError, match="'P6' cannot be recorded on sector 'S11'"):
        validate_table(t)


def test_mixed_units(tiny):
    with pytest.raises(DataError, match=r"mixed units: 'EUR_MN' at row 5 .* 'USD_MN'"):
        validate_table(_bad(tiny, unit=(5, "EUR_MN")))


def test_mixed_price_basis(tiny):
    with pytest.raises(DataError, match="mixed price bases"):
        validate_table(_bad(tiny, price_basis=(5, "constant")))


def test_unknown_price_basis(tiny):
    t = tiny.copy()
    t["price_basis"] = "nominal"
    with pytest.raises(DataError, match="unknown price_basis code 'nominal'"):
        validate_table(t)


def test_duplicate_keys(tiny):
    t = pd.concat([tiny, tiny.iloc[[7]]], ignore_index=True)
    key = tiny.loc[7, list(KEY)].tolist()
    with pytest.raises(DataError, match=r"duplicate key \(period=2023, sector=.*rows \[7, 46\]"):
        validate_table(t)
    assert key[0] == 2023


def test_missing_values(tiny):
    t = tiny.copy()
    t.loc[4, "value"] = np.nan
    with pytest.raises(MissingDataError, match=r"missing 'value' at row 4 \(period=2023"):
        validate_table(t)
    t = tiny.copy()
    t["industry"] = t["industry"].astype(object)
    t.loc[2, "industry"] = None
    with pytest.raises(MissingDataError, match="missing 'industry' at row 2"):
        validate_table(t)
    t = tiny.copy()
    t.loc[2, "product"] = " "
    with pytest.raises(MissingDataError, match="empty 'product' at row 2"):
        validate_table(t)


def test_non_numeric_value(tiny):
    with pytest.raises(DataError, match=r"non-numeric value 'abc' at row 6 \(period=2023"):
        validate_table(_bad(tiny, value=(6, "abc")))


def test_infinite_value(tiny):
    with pytest.raises(MissingDataError, match="infinite value"):
        validate_table(_bad(tiny, value=(6, np.inf)))


def test_total_mixed_with_products(tiny):
    first = tiny.index[(tiny["sector"] == "S11") & (tiny["transaction"] == "P1")][0]
    extra = tiny.loc[[first]].assign(product="_T", transaction="P2", value=30.0)
    t = pd.concat([tiny, extra], ignore_index=True)
    with pytest.raises(DataError, match=r"product total '_T' at row 46 .* mixed with product rows"
                                        r" for the same cell \(period=2023, sector='S11', "
                                        r"industry='A', transaction='P2'\)"):
        validate_table(t)


def test_s1_mixed_with_sectors(tiny):
    extra = tiny.iloc[[1]].assign(sector="S1", industry="_T", transaction="P51G", value=20.0)
    t = pd.concat([tiny, extra], ignore_index=True)
    with pytest.raises(DataError, match="whole-economy S1 row at row 46 .* mixed with sector"):
        validate_table(t)


def test_columns_checked(tiny):
    with pytest.raises(DataError, match=r"missing \['unit'\]"):
        validate_table(tiny.drop(columns="unit"))
    with pytest.raises(DataError, match=r"unexpected \['note'\]"):
        validate_table(tiny.assign(note="x"))
    with pytest.raises(IntelcapTypeError):
        validate_table([1, 2])


def test_non_text_code(tiny):
    t = tiny.copy()
    t["product"] = t["product"].astype(object)
    t.loc[3, "product"] = 1.5
    with pytest.raises(DataError, match="non-text value 1.5 at row 3"):
        validate_table(t)


def test_make_table_requires_unit():
    with pytest.raises(DataError, match="no 'unit' column"):
        make_table(tiny_records())


def test_empty_table():
    t = validate_table(pd.DataFrame({c: [] for c in COLUMNS}))
    assert len(t) == 0 and tuple(t.columns) == COLUMNS


def test_registry_codes():
    for code in ("P1", "P2", "B1G", "P51C", "D1", "D29X39", "B2A3G", "D21X31", "P3", "P51G",
                 "P52", "P53", "P6", "P7", "B1GQ"):
        assert TRANSACTIONS[code].code == code


@pytest.mark.parametrize("columns", ["transaction", "period", "product"])
def test_wide_long_round_trip(tiny, columns):
    wide = to_wide(tiny, columns=columns)
    assert wide.attrs["unit"] == "USD_MN"
    back = from_wide(wide, columns=columns)
    pd.testing.assert_frame_equal(back, tiny)


def test_wide_by_transaction_layout(tiny):
    wide = to_wide(tiny)
    assert wide.loc[(2023, "S11", "A", "_T"), "P1"] == 100.0
    assert np.isnan(wide.loc[(2023, "S11", "A", "_T"), "P2"])


def test_from_wide_with_defaults():
    wide = pd.DataFrame({"P1": [10.0, 12.0], "P2": [4.0, 5.0]},
                        index=pd.Index([2020, 2021], name="period"))
    t = from_wide(wide, unit="EUR_MN", sector="S11")
    assert len(t) == 4 and set(t["industry"]) == {"_T"}
    with pytest.raises(MissingDataError):
        from_wide(wide.assign(P2=[4.0, np.nan]), unit="EUR_MN", sector="S11", dropna=False)
