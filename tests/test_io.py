"""Readers and writers of national-accounts tables: CSV, Excel and SDMX-CSV."""

from __future__ import annotations

import os
import string
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from intelcap.accounts.gdp import check_identity
from intelcap.accounts.io import read_table, write_table
from intelcap.accounts.tables import make_table, sort_table
from intelcap.exceptions import DataError, MissingDataError


# ------------------------------------------------------------------------------------ CSV
def test_csv_round_trip_and_bytes(tiny, tmp_path):
    p1 = write_table(tiny, tmp_path / "a.csv")
    back = read_table(p1)
    pd.testing.assert_frame_equal(back, tiny)
    # same table in another row order -> identical bytes
    p2 = write_table(tiny.sample(frac=1.0, random_state=1), tmp_path / "b.csv")
    assert p1.read_bytes() == p2.read_bytes()
    text = p1.read_text()
    assert text.startswith("period,sector,industry,product,transaction,value,unit,price_basis\n")
    assert "\r" not in text
    # no temporary files left behind
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "b.csv"]


def test_csv_exact_floats(tmp_path):
    vals = [0.1, 1 / 3, 1e-300, 123456789.123456789, -2.5e17]
    t = make_table([{"period": 2020 + i, "sector": "S1", "transaction": "P6", "value": v}
                    for i, v in enumerate(vals)], unit="EUR_MN")
    back = read_table(write_table(t, tmp_path / "f.csv"))
    assert back["value"].tolist() == vals


def test_csv_codes_stay_text(tmp_path):
    t = make_table([{"period": 2022, "sector": "S11", "industry": "22", "product": "0012",
                     "transaction": "P1", "value": 1.0},
                    {"period": 2022, "sector": "S11", "industry": "NA", "product": "_T",
                     "transaction": "P1", "value": 2.0}], unit="USD_MN")
    back = read_table(write_table(t, tmp_path / "c.csv"))
    assert back["product"].tolist() == ["0012", "_T"]
    assert back["industry"].tolist() == ["22", "NA"]


def _write_text(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


HEADER = "period,sector,industry,product,transaction,value,unit,price_basis"


@pytest.mark.parametrize(("line", "error", "pattern"), [
    ("2022,S11,A,_T,P9,1,USD_MN,current", DataError,
     r"bad\.csv: unknown transaction code 'P9' at line 3 \(period=2022, sector='S11'"),
    ("2022,S11,A,_T,P2,1,EUR_MN,current", DataError, r"mixed units: 'EUR_MN' at line 3"),
    ("2022,S11,A,_T,P1,5,USD_MN,current", DataError,
     r"duplicate key \(period=2022, sector='S11', industry='A', product='_T', "
     r"transaction='P1'\) at lines \[2, 3\]"),
    ("2022,S11,A,_T,P2,,USD_MN,current", MissingDataError, r"missing 'value' at line 3"),
    ("2022,S11,A,_T,P2,12x,USD_MN,current", DataError,
     r"non-numeric value '12x' at line 3 \(period=2022"),
])
def test_csv_bad_input_names_line(tmp_path, line, error, pattern):
    p = _write_text(tmp_path, [HEADER, "2022,S11,A,_T,P1,4,USD_MN,current", line])
    with pytest.raises(error, match=pattern):
        read_table(p)


def test_csv_total_mixed_with_products(tmp_path):
    p = _write_text(tmp_path, [HEADER, "2022,S11,A,X,P2,1,USD_MN,current",
                               "2022,S11,A,_T,P2,1,USD_MN,current"])
    with pytest.raises(DataError, match=r"product total '_T' at line 3 .* mixed with product"):
        read_table(p)


def test_csv_wrong_columns(tmp_path):
    p = _write_text(tmp_path, ["period,sector,value", "2022,S1,1"])
    with pytest.raises(DataError, match=r"bad\.csv: table columns must be .* missing"):
        read_table(p)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "none.csv")
    (tmp_path / "x.feather").write_text("")   # (.parquet is a format since issue 18)
    with pytest.raises(ValueError, match="cannot tell the format"):
        read_table(tmp_path / "x.feather")


def test_write_is_atomic_on_failure(tiny, tmp_path):
    target = tmp_path / "t.csv"
    write_table(tiny, target)
    before = target.read_bytes()
    bad = tiny.assign(unit="X")
    bad.loc[0, "unit"] = "Y"
    with pytest.raises(DataError):
        write_table(bad, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["t.csv"]


# ------------------------------------------------------------------------------------ Excel
def test_excel_round_trip_and_metadata(tiny, tmp_path):
    p = write_table(tiny, tmp_path / "t.xlsx", metadata={"source": "hand-built economy"})
    back = read_table(p)
    pd.testing.assert_frame_equal(back, tiny)
    meta = back.attrs["metadata"]
    assert meta["unit"] == "USD_MN" and meta["price_basis"] == "current"
    assert meta["source"] == "hand-built economy"
    assert meta["written_by"].startswith("intelcap ")
    p2 = write_table(tiny, tmp_path / "u.xlsx", metadata={"source": "hand-built economy"})
    assert p.read_bytes() == p2.read_bytes()
    # no save-time stamp anywhere (openpyxl writes one into docProps/core.xml)
    import zipfile

    core = zipfile.ZipFile(p).read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z</dcterms:modified>" in core


def test_excel_metadata_contradiction(tiny, tmp_path):
    with pytest.raises(DataError, match="contradicts"):
        write_table(tiny, tmp_path / "t.xlsx", metadata={"unit": "EUR_MN"})


def test_excel_unit_from_metadata_and_bad_cell(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["period", "sector", "industry", "product", "transaction", "value"])
    ws.append([2022, "S11", 22, "_T", "P1", 10])
    ws.append([2022, "S11", 22, "_T", "P2", 4.5])
    meta = wb.create_sheet("metadata")
    meta.append(["key", "value"])
    meta.append(["unit", "USD_MN"])
    meta.append(["price_basis", "current"])
    p = tmp_path / "m.xlsx"
    wb.save(p)
    t = read_table(p)
    assert t["industry"].tolist() == ["22", "22"] and (t["unit"] == "USD_MN").all()
    ws.append([2022, "S11", 22, "_T", "P51C", "n/a"])
    wb.save(p)
    with pytest.raises(DataError, match=r"m\.xlsx sheet 'data': non-numeric value 'n/a' at row 4"):
        read_table(p)


# ------------------------------------------------------------------------------ hypothesis
_codes = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=4)
# Excel keeps at most 16 significant digits (openpyxl writes ``%.16g``; Excel itself shows 15),
# so values near the largest double would overflow there: national accounts never reach 1e300.
_value = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, width=64)


@st.composite
def tables(draw):
    n = draw(st.integers(min_value=0, max_value=12))
    text_periods = draw(st.booleans())
    rows = {}
    for _ in range(n):
        period = draw(st.integers(1950, 2100))
        period = f"{period}Q{draw(st.integers(1, 4))}" if text_periods else period
        sector = draw(st.sampled_from(["S11", "S12", "S13", "S14", "S15"]))
        tx = draw(st.sampled_from(["P1", "P2", "D1", "P51G", "P51C", "B2A3G"]))
        rows[(period, sector, draw(_codes), draw(_codes), tx)] = draw(_value)
    unit = draw(st.sampled_from(["USD_MN", "EUR_MN", "CNY_BN"]))
    basis = draw(st.sampled_from(["current", "constant", "chain_linked"]))
    recs = [dict(period=k[0], sector=k[1], industry=k[2], product=k[3], transaction=k[4],
                 value=v) for k, v in rows.items()]
    if not recs:
        return make_table(pd.DataFrame({c: [] for c in ("period", "sector", "industry",
                                                       "product", "transaction", "value")}),
                          unit=unit, price_basis=basis)
    return make_table(recs, unit=unit, price_basis=basis)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(t=tables())
def test_round_trip_property(tmp_path, t):
    for suffix in (".csv", ".xlsx"):
        p = write_table(t, tmp_path / f"h{suffix}")
        back = read_table(p)
        if len(t) == 0:
            assert len(back) == 0
            continue
        if suffix == ".csv":  # CSV is exact
            pd.testing.assert_frame_equal(back, sort_table(t), check_exact=True)
        else:  # Excel: 16 significant digits
            pd.testing.assert_frame_equal(back, sort_table(t), check_exact=False, rtol=1e-15,
                                          atol=0.0)


# ------------------------------------------------------------------------------ SDMX-CSV
NAMA_HEADER = "DATAFLOW,LAST UPDATE,freq,unit,na_item,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG"


def _nama_lines(geo: str = "DE", unit: str = "CP_MEUR") -> list[str]:
    """A made-up but consistent nama_10_gdp extract (GDP 1000 in 2022 and 1100 in 2023)."""
    data = {
        2022: {"B1GQ": 1000, "B1G": 900, "D21X31": 100, "P3": 700, "P3_S13": 200,
               "P31_S14_S15": 500, "P5G": 220, "P51G": 200, "P52": 15, "P53": 5, "P6": 480,
               "P7": 400, "D1": 500, "B2A3G": 380, "D2X3": 120},
        2023: {"B1GQ": 1100, "B1G": 990, "D21X31": 110, "P3": 770, "P3_S13": 220,
               "P31_S14_S15": 550, "P5G": 240, "P51G": 220, "P52": 15, "P53": 5, "P6": 500,
               "P7": 410, "D1": 550, "B2A3G": 418, "D2X3": 132},
    }
    lines = []
    for year, items in data.items():
        for item, v in items.items():
            lines.append(f"ESTAT:NAMA_10_GDP(1.0),01/10/25 23:00:00,A,{unit},{item},{geo},"
                         f"{year},{v},")
    return lines


def test_sdmx_csv_nama_10_gdp(tmp_path):
    p = tmp_path / "nama.csv"
    p.write_text("\n".join([NAMA_HEADER, *_nama_lines(), *_nama_lines(unit="CLV10_MEUR"),
                            *_nama_lines(geo="FR")]) + "\n")
    with pytest.raises(DataError, match="several geo values"):
        read_table(p)
    with pytest.raises(DataError, match="mixed units|mixed price bases"):
        read_table(p, select={"geo": "DE"})
    t = read_table(p, select={"geo": "DE", "unit": "CP_MEUR"})
    assert (t["unit"] == "EUR_MN").all() and (t["price_basis"] == "current").all()
    assert t["period"].dtype == np.int64
    p3 = t.loc[t["transaction"] == "P3"].set_index(["period", "sector"])["value"]
    assert p3[(2022, "S13")] == 200 and p3[(2022, "S14")] == 500
    assert not ((t["transaction"] == "P3") & (t["sector"] == "S1")).any()
    d29 = t.loc[t["transaction"] == "D29X39"].set_index("period")["value"]
    assert d29[2022] == 20 and d29[2023] == 22
    gdp = check_identity(t, tol=1e-9)
    assert gdp["production"].tolist() == [1000.0, 1100.0]
    clv = read_table(p, select={"geo": "DE", "unit": "CLV10_MEUR"})
    assert (clv["price_basis"] == "chain_linked").all()


def test_sdmx_csv_labels_both_and_missing(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("\n".join([
        "freq,unit,na_item,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG",
        "A:Annual,CP_MNAC:Current prices,P6:Exports,IT:Italy,2021,10.5,",
        "A:Annual,CP_MNAC:Current prices,P7:Imports,IT:Italy,2021,,:",
    ]) + "\n")
    with pytest.raises(MissingDataError, match=r"missing OBS_VALUE at line 3 \(na_item='P7'"):
        read_table(p)
    t = read_table(p, missing="drop")
    assert t["transaction"].tolist() == ["P6"] and t["unit"].tolist() == ["NAC_MN"]


def test_sdmx_csv_unknown_item_and_unit(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("freq,unit,na_item,s_adj,geo,TIME_PERIOD,OBS_VALUE\n"
                 "A,CP_MEUR,P6,NSA,IT,2021,1\nA,CP_MEUR,P6,SCA,IT,2022,1\n")
    with pytest.raises(DataError, match=r"dimension\(s\) \['s_adj'\] take several values"):
        read_table(p)
    assert len(read_table(p, select={"s_adj": "NSA"})) == 1
    p.write_text("freq,unit,na_item,geo,TIME_PERIOD,OBS_VALUE\nA,CP_MEUR,XYZ,IT,2021,1\n")
    with pytest.raises(DataError, match="unknown transaction code 'XYZ' at line 2"):
        read_table(p)
    p.write_text("freq,unit,na_item,geo,TIME_PERIOD,OBS_VALUE\nA,PC_GDP,P6,IT,2021,1\n")
    with pytest.raises(DataError, match="unit code 'PC_GDP'"):
        read_table(p)


def test_sdmx_csv_round_trip(tiny, tmp_path):
    p = write_table(tiny, tmp_path / "s.csv", format="sdmx-csv", geo="XX",
                    dataflow="ESTAT:NAMA_10_GDP(1.0)")
    head = p.read_text().splitlines()[0]
    assert head == ("DATAFLOW,freq,unit,na_item,sector,nace_r2,prod_na,geo,TIME_PERIOD,"
                    "OBS_VALUE")
    assert ",CP_MUSD," in p.read_text()
    back = read_table(p)
    pd.testing.assert_frame_equal(back, tiny)


def test_sdmx_csv_na_main_dsd(tmp_path):
    """ESTAT NA_MAIN data-structure columns (as in the ECB's MNA dataflow), S1M -> S14."""
    head = ("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,ADJUSTMENT,REF_AREA,COUNTERPART_AREA,"
            "REF_SECTOR,COUNTERPART_SECTOR,ACCOUNTING_ENTRY,STO,INSTR_ASSET,ACTIVITY,"
            "EXPENDITURE,UNIT_MEASURE,PRICES,TRANSFORMATION,TIME_PERIOD,OBS_VALUE,UNIT_MULT")
    rows = [("S1", "B", "B1G", "_Z", "_T", 90), ("S1", "B", "D21X31", "_Z", "_Z", 10),
            ("S1", "B", "D1", "_Z", "_T", 60), ("S1", "B", "B2A3G", "_Z", "_T", 30),
            ("S1M", "D", "P3", "_Z", "_Z", 55), ("S13", "D", "P3", "_Z", "_Z", 20),
            ("S1", "D", "P51G", "N11G", "_T", 22), ("S1", "D", "P52", "_Z", "_Z", 3),
            ("S1", "C", "P6", "_Z", "_Z", 40), ("S1", "D", "P7", "_Z", "_Z", 40)]
    lines = [head] + [
        f"dataflow,ESTAT:NA_MAIN(1.0),I,A,N,DE,W2,{sec},S1,{ae},{sto},{asset},{act},_Z,EUR,V,N,"
        f"2021,{v},6" for sec, ae, sto, asset, act, v in rows]
    p = tmp_path / "dsd.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="several ACCOUNTING_ENTRY values"):
        read_table(p)
    # with a single accounting entry the dimension is dropped
    p.write_text("\n".join([head] + [ln.replace(",S1,B,", ",S1,D,").replace(",S1,C,", ",S1,D,")
                                     for ln in lines[1:]]) + "\n")
    t = read_table(p)
    assert (t["unit"] == "EUR_MN").all() and (t["price_basis"] == "current").all()
    p3 = t.loc[t["transaction"] == "P3"].set_index("sector")["value"]
    assert p3["S14"] == 55 and p3["S13"] == 20
    assert t.loc[t["transaction"] == "P51G", "product"].tolist() == ["N11G"]
    assert check_identity(t, tol=1e-9).loc[2021, "production"] == 100.0


def test_written_file_mode_follows_umask(tiny, tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    p = write_table(tiny, tmp_path / "m.csv")
    assert p.stat().st_mode & 0o777 == 0o666 & ~mask
