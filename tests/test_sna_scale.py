"""Issue 18 item 1: the adjustment path at bureau scale on one machine.

The fast paths must give exactly what the plain pandas paths gave: the column-wise CSV writer
the bytes of ``DataFrame.to_csv``; integer-coded sorting and validation the same order and
the same errors; Parquet input the same table as CSV input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts import _csv
from intelcap.accounts._keys import KeyCoder, duplicated, group_sums, lookup
from intelcap.accounts.capitalize import capitalize
from intelcap.accounts.io import read_table, write_table
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.accounts.tables import KEY, sort_table, validate_table
from intelcap.exceptions import DataError

pytest.importorskip("pyarrow")
# the synthetic long tables come from the generator the benchmarks share (benchmarks/ beside
# tests/ in a source checkout); a copy of the tests without it skips those tests and says so
_BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(_BENCHMARKS))
needs_generator = pytest.mark.skipif(
    not (_BENCHMARKS / "make_synthetic.py").is_file(),
    reason="needs benchmarks/make_synthetic.py of the source checkout beside tests/")


def _frames():
    rng = np.random.default_rng(3)
    n = 200
    yield pd.DataFrame({
        "text": rng.choice(np.array(["x", "", "a,b", 'q"q', "l\nm", " s", "r\rr", "é"],
                                    dtype=object), n),
        "obj": pd.Series(rng.choice(np.array(["u", "v,w", None], dtype=object), n),
                         dtype=object),
        "value": np.where(rng.random(n) < 0.1, np.nan,
                          rng.standard_normal(n) * 10.0 ** rng.integers(-12, 20, n)),
        "period": rng.integers(1990, 2030, n),
    })
    # values rounded to a few decimals (the exact decimal path) beside values that are not,
    # categorical text and integer codes with missing ones
    yield pd.DataFrame({
        "rounded": np.array([round(x, d) for x, d in zip(
            (rng.standard_normal(n) * 10.0 ** rng.integers(-6, 16, n)).tolist(),
            rng.integers(0, 9, n).tolist(), strict=True)]) * np.where(rng.random(n) < 0.1, 0.0,
                                                                     1.0),
        "cat": pd.Categorical(rng.choice(np.array(["a", "b,c", None], dtype=object), n)),
        "icat": pd.Categorical(rng.integers(0, 5, n)),
        "neg0": np.where(rng.random(n) < 0.5, -0.0, 1e-4),
    })
    yield pd.DataFrame({"a,b": ["1"], 'q"': [0.1]})   # header fields that need quotes


@pytest.mark.parametrize("frame", list(_frames()))
def test_columnwise_csv_writer_gives_the_bytes_of_to_csv(frame, tmp_path, monkeypatch):
    monkeypatch.setattr(_csv, "FAST_ROWS", 0)
    monkeypatch.setattr(_csv, "CHUNK_ROWS", 37)   # several chunks
    frame.to_csv(tmp_path / "pandas.csv", index=False, lineterminator="\n")
    _csv.write_csv(frame, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@needs_generator
def test_columnwise_csv_writer_on_the_adjustment_outputs(tmp_path, monkeypatch):
    from make_synthetic import make_tables

    adj = capitalize(make_tables(30, 6, n_products=2, quarterly=True), policy=
                     CapitalizationPolicy(share=0.5, rate=0.3, products=["AI_P00", "AI_P01"]))
    monkeypatch.setattr(_csv, "FAST_ROWS", 0)
    for name, frame in (("t", adj.tables), ("c", adj.capital), ("l", adj.ledger),
                        ("r", adj.revisions.reset_index())):
        frame.to_csv(tmp_path / f"{name}0.csv", index=False, lineterminator="\n")
        _csv.write_csv(frame, tmp_path / f"{name}1.csv")
        assert (tmp_path / f"{name}1.csv").read_bytes() == \
            (tmp_path / f"{name}0.csv").read_bytes(), name


@needs_generator
def test_sort_table_is_the_stable_sort_by_the_key():
    from make_synthetic import make_tables

    t = make_tables(40, 5, n_products=3).sample(frac=1.0, random_state=1)
    expected = t.sort_values(list(KEY), kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(sort_table(t), expected)


def test_integer_keys_helpers_against_pandas():
    rng = np.random.default_rng(0)
    k = rng.integers(0, 50, 400)
    np.testing.assert_array_equal(duplicated(k), pd.Series(k).duplicated(keep=False))
    np.testing.assert_array_equal(group_sums(k), pd.Series(k).groupby(k).transform("size"))
    keys = np.unique(rng.integers(0, 1000, 300))
    q = rng.integers(0, 1000, 500)
    np.testing.assert_array_equal(lookup(rng.permutation(keys), q) >= 0, np.isin(q, keys))
    perm = rng.permutation(keys)
    hit = lookup(perm, q)
    np.testing.assert_array_equal(perm[hit[hit >= 0]], q[hit >= 0])
    f = pd.DataFrame({"a": rng.choice(["x", "y", "_T"], 100), "b": rng.integers(0, 9, 100)})
    key = KeyCoder([f], ["a", "b"]).key(f)
    order = f.sort_values(["a", "b"], kind="mergesort").index.to_numpy()
    np.testing.assert_array_equal(np.argsort(key, kind="stable"), order)


def test_new_key_helpers_against_numpy():
    """unique_inverse (by marking) and categorical_of_codes against np.unique and
    text_categorical, on random keys."""
    from intelcap.accounts._keys import (
        categorical_of_codes,
        text_categorical,
        unique_inverse,
    )

    rng = np.random.default_rng(1)
    for space in (50, 10 ** 8):   # marking (small range) and sorting (large range)
        k = rng.integers(0, space, 3000)
        u, inv = unique_inverse(k, space)
        u0, inv0 = np.unique(k, return_inverse=True)
        np.testing.assert_array_equal(u, u0)
        np.testing.assert_array_equal(inv, inv0.reshape(-1))
    labels = ["b", "_T", "a; x", "c", "unused"]
    codes = rng.integers(0, 4, 200)
    got = categorical_of_codes(codes, labels)
    want = text_categorical(np.asarray(labels, dtype=object)[codes])
    pd.testing.assert_series_equal(pd.Series(got), pd.Series(want))


def test_validated_text_codes_follow_the_column():
    """validate_table keeps its text columns' sorted codes for the engine: they are the
    factorization of the column, and a column changed afterwards is coded afresh."""
    from intelcap.accounts._keys import sorted_codes

    rng = np.random.default_rng(2)
    t = validate_table(pd.DataFrame({
        "period": 2020, "sector": "S11",
        "industry": rng.choice(["C", "A", "B"], 50), "product": [f"P{i}" for i in range(50)],
        "transaction": "P1", "value": 1.0, "unit": "X", "price_basis": "current"}))
    for col in ("industry", "product"):
        codes, uniq = sorted_codes(t[col])
        want_codes, want_uniq = pd.factorize(t[col], sort=True)
        np.testing.assert_array_equal(codes, want_codes)
        assert list(uniq) == list(want_uniq)
    t2 = t.reset_index(drop=True)
    t2.loc[0, "industry"] = "AA"      # a new array: the kept codes do not apply to it
    codes, uniq = sorted_codes(t2["industry"])
    assert list(uniq) == sorted(set(t2["industry"]))
    np.testing.assert_array_equal(np.asarray(uniq, dtype=object)[codes],
                                  t2["industry"].to_numpy(dtype=object))


@needs_generator
def test_validation_errors_unchanged_on_codes():
    from make_synthetic import make_tables

    t = make_tables(5, 2)
    dup = pd.concat([t, t.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match=rf"duplicate key .* at rows \[3, {len(t)}\]"):
        validate_table(dup)
    mixed = pd.concat([t, t.iloc[[0]].assign(product="_T")], ignore_index=True)
    with pytest.raises(DataError, match=f"product total '_T' at row {len(t)} .* is mixed"):
        validate_table(mixed)


@needs_generator
def test_parquet_input_gives_the_csv_table(tmp_path):
    from make_synthetic import make_tables

    t = sort_table(validate_table(make_tables(20, 4, n_products=2, quarterly=True)))
    write_table(t, tmp_path / "t.csv")
    write_table(t, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"),
                                  read_table(tmp_path / "t.csv"))
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="bad.parquet: not a readable Parquet file"):
        read_table(tmp_path / "bad.parquet")


def test_adjust_reads_parquet_and_writes_the_same_outputs(tmp_path):
    from intelcap.cli import main
    from intelcap.datasets import bundled_data_dir

    ex = bundled_data_dir() / "example"
    cfg = (ex / "config.toml").read_text()
    write_table(read_table(ex / "tables.csv"), tmp_path / "tables.parquet")
    (tmp_path / "tables.csv").write_bytes((ex / "tables.csv").read_bytes())
    (tmp_path / "a.toml").write_text(cfg)
    (tmp_path / "b.toml").write_text(cfg.replace('"tables.csv"', '"tables.parquet"'))
    assert main(["adjust", str(tmp_path / "a.toml"), "--out", str(tmp_path / "a"),
                 "--quiet"]) == 0
    assert main(["adjust", str(tmp_path / "b.toml"), "--out", str(tmp_path / "b"),
                 "--quiet"]) == 0
    for f in ("tables.csv", "capital.csv", "ledger.csv", "revisions.csv", "satellite.csv",
              "sdmx_na_main.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


# ------------------------------------------------------------------------------------------
# issue 14 item 3: no `except Exception` on the adjust path; a bug is still one line, exit 1
# ------------------------------------------------------------------------------------------
def test_a_bug_is_one_line_with_status_1(tmp_path, monkeypatch, capsys):
    import importlib

    from intelcap.cli import main

    cap_mod = importlib.import_module("intelcap.accounts.capitalize")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret cell value 123.456")

    monkeypatch.setattr(cap_mod, "capitalize", broken)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)   # main() installs its own
    assert main(["adjust", "--out", str(tmp_path / "o"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "internal error (ZeroDivisionError)" in err and "123.456" not in err
    assert not (tmp_path / "o").exists()


def test_the_last_resort_hook_prints_one_line_without_the_message(capsys):
    from intelcap.cli import _internal_error_hook

    class Odd(Exception):
        pass

    _internal_error_hook(Odd, Odd("row 7: secret"), None)
    err = capsys.readouterr().err
    assert err == ("intelcap: internal error (Odd); rerun with --debug for the traceback "
                   "and please report it\n")


def test_damaged_xlsx_members_are_data_errors(tmp_path):
    """A zip whose workbook part is missing or is broken XML: a DataError naming the file."""
    import zipfile

    pytest.importorskip("openpyxl")
    for name, members in (("nomember.xlsx", {"[Content_Types].xml": "<x/>"}),
                          ("badxml.xlsx", {"[Content_Types].xml": "<Types", "xl/workbook.xml":
                                           "<<<"})):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for k, v in members.items():
                z.writestr(k, v)
        with pytest.raises(DataError, match=f"{name}: not a readable .xlsx workbook"):
            read_table(tmp_path / name)


def test_combined_keys_keep_the_order_past_int64():
    """Radix products beyond 2^62 are re-ranked (order preserving), never overflowed."""
    from intelcap.accounts._keys import combine

    rng = np.random.default_rng(5)
    cols = [rng.integers(0, 2 ** 31, 300) for _ in range(3)]
    key = combine(cols, [2 ** 31] * 3)
    expected = np.lexsort(cols[::-1])
    np.testing.assert_array_equal(np.argsort(key, kind="stable"), expected)
    assert len(np.unique(key)) == len({tuple(r) for r in np.stack(cols, axis=1).tolist()})


@needs_generator
def test_dictionary_encoded_text_validates_as_text():
    """Categorical (dictionary-encoded, as the Parquet reader gives) code columns validate to
    the same table as text columns, and an empty code is named the same way."""
    from make_synthetic import make_tables

    from intelcap.exceptions import MissingDataError

    t = make_tables(30, 4, n_products=2, quarterly=True)
    c = t.copy()
    for col in ("period", "sector", "industry", "product", "transaction", "unit",
                "price_basis"):   # categories unsorted, one unused
        c[col] = pd.Categorical(c[col], categories=[*sorted(set(c[col]))[::-1], "UNUSED"])
    pd.testing.assert_frame_equal(validate_table(c), validate_table(t))
    c["industry"] = c["industry"].cat.add_categories(" ")
    c.loc[5, "industry"] = " "
    t.loc[5, "industry"] = " "
    for frame in (t, c):
        with pytest.raises(MissingDataError, match=r"empty 'industry' at row 5 .*use '_T'"):
            validate_table(frame)
