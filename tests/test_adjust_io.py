"""The input/output side of ``intelcap adjust`` at scale (issue 18).

The column-wise CSV writer (``intelcap.accounts._csv``) gives the bytes of ``DataFrame.to_csv``
(the oracle) for every column kind it formats itself, at every declared precision, in chunks;
what it cannot format exactly it leaves to ``to_csv``. The command's start-up imports only
what the adjustment uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts import _csv

pytest.importorskip("pyarrow")


def _same_as_pandas(frame: pd.DataFrame, tmp_path, decimals: int = 6, *,
                    fast: bool | None = True) -> None:
    # the columns are formatted by the column-wise path (fast) or left to to_csv, as the
    # test expects (None: not asked)
    if fast is not None:
        assert (_csv._columns(frame, decimals) is not None) == fast
    frame.to_csv(tmp_path / "pandas.csv", index=False, lineterminator="\n")
    _csv.write_csv(frame, tmp_path / "fast.csv", decimals=decimals)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(_csv, "FAST_ROWS", 0)
    monkeypatch.setattr(_csv, "CHUNK_ROWS", 29)   # several chunks, the last one short


@pytest.mark.parametrize("decimals", [0, 1, 3, 6, 9, 12])
def test_rounded_floats_at_every_precision(decimals, tmp_path, small_chunks):
    rng = np.random.default_rng(decimals)
    n = 300
    raw = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 17, n)
    frame = pd.DataFrame({
        "rounded": np.round(raw, decimals) + 0.0,
        "raw": raw,                                  # mostly outside the decimal path
        "mixed": np.where(rng.random(n) < 0.2, np.nan, np.round(raw, max(decimals - 2, 0))),
        "zero": np.where(rng.random(n) < 0.5, -0.0, 0.0),
        "special": rng.choice(np.array([np.inf, -np.inf, 1e-5, 5e-324, 1e16, 9.5e15, 0.5]), n),
        "text": rng.choice(np.array(["a", "bb", ""], dtype=object), n),
    })
    _same_as_pandas(frame, tmp_path, decimals)


def test_integers_and_their_extremes(tmp_path, small_chunks):
    rng = np.random.default_rng(1)
    n = 200
    i64 = rng.integers(-10 ** 18, 10 ** 18, n)
    i64[:3] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0]
    u64 = rng.integers(0, 2 ** 63, n, dtype=np.uint64) * np.uint64(2)
    u64[0] = np.iinfo(np.uint64).max
    frame = pd.DataFrame({"i64": i64, "u64": u64,
                          "i8": rng.integers(-128, 128, n).astype(np.int8),
                          "u32": rng.integers(0, 2 ** 32, n).astype(np.uint32),
                          "year": rng.integers(1990, 2030, n)})
    _same_as_pandas(frame, tmp_path)


def test_text_kinds_quoting_and_missing(tmp_path, small_chunks):
    rng = np.random.default_rng(2)
    n = 250
    words = np.array(["x", "", "a,b", 'q"q', "l\nm", " s", "r\rr", "é", "日本", "_T"], dtype=object)
    pick = rng.choice(words, n)
    frame = pd.DataFrame({
        "arrow": pd.Series(pick, dtype="str"),
        "python": pd.Series(pick, dtype=pd.StringDtype("python")),
        "object": pd.Series(np.where(rng.random(n) < 0.1, None, pick), dtype=object),
        "cat": pd.Categorical(np.where(rng.random(n) < 0.1, None, pick)),
        "icat": pd.Categorical(rng.integers(-3, 5, n)),
        "empty": pd.Series([""] * n, dtype="str"),
        "sorted": pd.Series(np.sort(pick.astype(str)), dtype="str"),   # long runs
        "v": rng.integers(0, 9, n) / 4,
    })
    frame.loc[frame.index[::7], "arrow"] = None
    _same_as_pandas(frame, tmp_path)


def test_what_the_writer_does_not_format_goes_to_pandas(tmp_path, small_chunks):
    n = 60
    # a NUL character in text (the writer's own mark of an empty slot; found in a chunk, the
    # file is written again by to_csv), in every kind of text column
    nul = ["c"] * (n - 1) + ["a\x00b"]
    for t in (pd.Series(nul, dtype="str"), pd.Series(nul, dtype=object),
              pd.Series(nul, dtype=pd.StringDtype("python")), pd.Categorical(nul)):
        _same_as_pandas(pd.DataFrame({"t": t, "v": np.arange(n) / 2}), tmp_path, fast=None)
    # booleans, nullable integers and float32: all written by to_csv itself
    for frame in (pd.DataFrame({"b": [True, False] * (n // 2), "v": np.arange(n)}),
                  pd.DataFrame({"i": pd.array([1, None] * (n // 2), dtype="Int64"),
                                "v": np.arange(n)}),
                  pd.DataFrame({"f": np.arange(n, dtype=np.float32) / 3, "v": np.arange(n)}),
                  ):
        _same_as_pandas(frame, tmp_path, fast=False)
    # one column: to_csv (the csv module quotes a lone empty field)
    _same_as_pandas(pd.DataFrame({"only": [""] * n}), tmp_path, fast=None)


def test_adjust_path_does_not_import_the_bea_reader():
    """``intelcap.accounts`` imports the BEA reader and chain-linking on first use only (the
    ``intelcap adjust`` start-up); both names still resolve from the package."""
    import subprocess
    import sys

    code = ("import sys, intelcap.accounts as a, intelcap.cli\n"
            "assert 'intelcap.accounts.bea' not in sys.modules\n"
            "assert 'intelcap.accounts.volumes' not in sys.modules\n"
            "from intelcap.accounts import chain_link, read_supply_use\n"
            "from intelcap.accounts.bea import read_supply_use as r\n"
            "assert r is read_supply_use and a.read_supply_use is r\n"
            "assert {'chain_link', 'read_supply_use'} <= set(dir(a)) and callable(chain_link)\n"
            "for name in a.__all__:\n"
            "    getattr(a, name)\n"
            "assert not hasattr(a, 'no_such_name')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
