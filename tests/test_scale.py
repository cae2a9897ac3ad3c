"""intelcap.scale.invoices: microdata to the spending table, class shares, PIM by class.

Oracles: exact sums (``math.fsum`` over the rows of each cell, in pure Python, independent of
pandas' groupby), the PIM recursion written out by hand (mid-year geometric convention, BEA
2003), and the invariance of the result to the partitioning, the row order, the chunk size and
the input kind (pandas, chunks, CSV, Parquet, Dask), to 1e-12.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.exceptions import DataError, IntelcapError, MissingDataError, SpecificationError
from intelcap.scale import TABLE_KEYS, aggregate_invoices, class_shares, pim_by_class
from intelcap.scale.synthetic import synthetic_invoices

dd = pytest.importorskip("dask.dataframe", reason="dask is an optional extra (intelcap[dask])")
dask = pytest.importorskip("dask", reason="dask is an optional extra (intelcap[dask])")


@pytest.fixture(autouse=True)
def _synchronous_dask():
    """Dask graphs run in this thread (the cluster tests are in test_scale_cluster.py)."""
    with dask.config.set(scheduler="synchronous"):
        yield
KEYS = list(TABLE_KEYS)
# each example builds a Dask graph: shrinking a failure would take minutes; report it as found
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def _invoices(seed: int, n: int, *, categorical: bool = False) -> pd.DataFrame:
    """Non-integer amounts (so summation order matters in the last bits)."""
    df = synthetic_invoices(n, seed=seed, n_firms=300, periods=(2021, 2024),
                            categorical=categorical)
    rng = np.random.default_rng(seed)
    return df.assign(amount=rng.lognormal(3.0, 2.0, n) * rng.choice([1, -1], n, p=[.95, .05]))


def _fsum_oracle(df: pd.DataFrame, keys, weight=None) -> dict:
    acc: dict = defaultdict(list)
    cols = [df[k].astype(object).tolist() for k in keys]
    amount = df["amount"].tolist()
    w = [1.0] * len(df) if weight is None else list(weight)
    for i, a in enumerate(amount):
        acc[tuple(c[i] for c in cols)].append(a * w[i])
    return {k: math.fsum(v) for k, v in acc.items()}


def _as_dict(out: pd.DataFrame, keys, col) -> dict:
    return {tuple(r[:-1]): r[-1] for r in out[[*keys, col]].itertuples(index=False, name=None)}


def _random_dask(df: pd.DataFrame, cuts: list[int]):
    """``df`` as a Dask DataFrame cut at the given row positions (random partitionings)."""
    ddf = dd.from_pandas(df.reset_index(drop=True), npartitions=1, sort=True)
    divisions = sorted({0, *cuts, len(df) - 1})
    if len(divisions) == 1:  # one row: one partition
        divisions = [0, 0]
    return ddf.repartition(divisions=divisions)


# ------------------------------------------------------------------------------------------
# the sum by cell against exact sums
# ------------------------------------------------------------------------------------------
def test_aggregate_equals_exact_sums_by_cell():
    df = _invoices(1, 5000)
    out = aggregate_invoices(df)
    assert list(out.columns) == [*KEYS, "value"]
    oracle = _fsum_oracle(df, KEYS)
    got = _as_dict(out, KEYS, "value")
    assert got.keys() == oracle.keys()
    for k, v in oracle.items():
        assert got[k] == pytest.approx(v, rel=1e-12, abs=1e-9)
    # sorted by the keys, one row per cell, string keys
    assert out.equals(out.sort_values(KEYS).reset_index(drop=True))
    assert not out.duplicated(KEYS).any()
    assert out["period"].dtype == np.int64 and out["sector"].dtype == "str"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=_NO_SHRINK)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 3000),
       cuts=st.lists(st.floats(0, 1), max_size=9), shuffle=st.booleans(),
       categorical=st.booleans(), chunksize=st.integers(1, 4000))
def test_same_result_from_pandas_chunks_and_dask_partitionings(seed, n, cuts, shuffle,
                                                               categorical, chunksize):
    """Acceptance (issue #18): the same table from a pandas DataFrame, from chunks of any size
    and from a Dask DataFrame cut at random rows, to 1e-12; row order does not matter."""
    df = _invoices(seed, n, categorical=categorical)
    ref = aggregate_invoices(df)
    if shuffle:
        df = df.sample(frac=1.0, random_state=seed)
    pos = [int(c * (n - 1)) for c in cuts]
    for other in (aggregate_invoices(df, chunksize=chunksize),
                  aggregate_invoices(_random_dask(df, pos))):
        pd.testing.assert_frame_equal(other, ref, check_exact=False, rtol=1e-12, atol=1e-9)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=_NO_SHRINK)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 2000),
       cuts=st.lists(st.floats(0, 1), max_size=6))
def test_class_shares_same_from_pandas_and_dask(seed, n, cuts):
    df = _invoices(seed, n)
    shares = {"micro": 0.1, "small": 0.25, "medium": 0.4, "large": 0.7}
    ref = class_shares(df, shares)
    got = class_shares(_random_dask(df, [int(c * (n - 1)) for c in cuts]), shares)
    pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-12, atol=1e-9)


def test_files_in_chunks_equal_the_frame(tmp_path):
    """CSV (codes with leading zeros stay strings) and Parquet read in chunks."""
    df = _invoices(7, 4000).assign(industry=lambda d: "0" + d["industry"].astype(str))
    ref = aggregate_invoices(df)
    df.to_csv(tmp_path / "inv.csv", index=False)
    df.to_parquet(tmp_path / "inv.parquet", row_group_size=500)
    (tmp_path / "parts").mkdir()
    bounds = (0, 1500, 2600, 4000)
    for j in range(3):
        df.iloc[bounds[j]:bounds[j + 1]].to_parquet(tmp_path / "parts" / f"part{j}.parquet")
    csv = aggregate_invoices(tmp_path / "inv.csv", chunksize=333)
    assert csv["industry"].str.startswith("0").all()
    pd.testing.assert_frame_equal(csv, ref, check_exact=False, rtol=1e-12, atol=1e-9)
    pq = aggregate_invoices(tmp_path / "inv.parquet", chunksize=700)
    pd.testing.assert_frame_equal(pq, ref, check_exact=False, rtol=1e-12, atol=1e-9)
    folder = aggregate_invoices(str(tmp_path / "parts"), chunksize=10_000)
    pd.testing.assert_frame_equal(folder, ref, check_exact=False, rtol=1e-12, atol=1e-9)
    both = aggregate_invoices([tmp_path / "inv.csv"] * 2, chunksize=1000)
    assert_allclose(both["value"], 2 * ref["value"], rtol=1e-12)


def test_streaming_memory_is_bounded_by_the_chunk():
    """A generator of chunks is consumed one at a time: 24 chunks of 20 000 rows never exist
    together (the peak traced allocation, generation of a chunk included, stays below 8
    chunks' worth, a third of the whole)."""
    import tracemalloc

    def chunks():
        for j in range(24):
            yield synthetic_invoices(20_000, seed=3, partition=j, n_firms=1000,
                                     categorical=True)

    one = synthetic_invoices(20_000, seed=3, partition=0, n_firms=1000, categorical=True)
    size = int(one.memory_usage(deep=True).sum())
    tracemalloc.start()
    out = aggregate_invoices(chunks())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * size, (peak, size)
    total = sum(synthetic_invoices(20_000, seed=3, partition=j, n_firms=1000)["amount"].sum()
                for j in range(24))
    assert out["value"].sum() == total  # whole-unit amounts: exact


# ------------------------------------------------------------------------------------------
# options and errors
# ------------------------------------------------------------------------------------------
def test_columns_mapping_and_other_keys():
    df = _invoices(2, 500).rename(columns={"sector": "purchaser", "amount": "net"})
    out = aggregate_invoices(df, by=("period", "sector"),
                             columns={"sector": "purchaser", "amount": "net"})
    assert list(out.columns) == ["period", "sector", "value"]
    ref = df.groupby(["period", "purchaser"])["net"].sum()
    assert_allclose(out["value"], ref.to_numpy(), rtol=1e-12)
    with pytest.raises(SpecificationError, match="not an invoice column role"):
        aggregate_invoices(df, by=("period", "purchaser"))


def test_missing_values_name_the_column_and_row():
    df = _invoices(3, 50)
    df.loc[17, "amount"] = np.nan
    with pytest.raises(MissingDataError, match=r"'amount' .* row 17"):
        aggregate_invoices(df)
    with pytest.raises(MissingDataError, match=r"'amount' .* row 17"):
        aggregate_invoices(df, chunksize=5)  # global row number, not the chunk's
    with pytest.raises(MissingDataError, match=r"'amount' .* row 7 of partition 1;"):
        aggregate_invoices(_random_dask(df, [10, 20, 30, 40]))
    dropped = aggregate_invoices(df, missing="drop")
    assert_allclose(dropped["value"].sum(), df["amount"].sum(), rtol=1e-12)  # NaN skipped
    df2 = _invoices(3, 50)
    df2.loc[4, "sector"] = None
    with pytest.raises(MissingDataError, match=r"'sector' .* row 4"):
        aggregate_invoices(df2)
    with pytest.raises(DataError, match=r"missing column\(s\) \['product'\]"):
        aggregate_invoices(df.drop(columns="product"))
    with pytest.raises(IntelcapError, match="no rows"):
        aggregate_invoices(df.iloc[:0])
    with pytest.raises(TypeError, match="invoice data must be"):
        aggregate_invoices(42)


def test_class_shares_are_spending_weighted_means():
    df = _invoices(4, 3000)
    shares = {"micro": 0.0, "small": 0.2, "medium": 0.5, "large": 1.0}
    w = df["firm_class"].map(shares)
    out = class_shares(df, shares, by=KEYS)
    got = _as_dict(out, KEYS, "capitalized")
    for k, v in _fsum_oracle(df, KEYS, w).items():
        assert got[k] == pytest.approx(v, rel=1e-12, abs=1e-9)
    assert_allclose(out["share"], out["capitalized"] / out["spending"], rtol=1e-15)
    by_class = class_shares(df, shares, by=("firm_class",))
    assert_allclose(by_class.set_index("firm_class")["share"],
                    pd.Series(shares)[by_class["firm_class"]].to_numpy(), rtol=1e-12)
    with pytest.raises(DataError, match="firm class 'large' at row"):
        class_shares(df, {"micro": 0.1, "small": 0.2, "medium": 0.3})
    with pytest.raises(SpecificationError, match=r"outside \[0, 1\]"):
        class_shares(df, {"micro": 1.5})


def test_shares_from_a_survey_column_and_a_register():
    df = _invoices(5, 2000)
    rng = np.random.default_rng(5)
    df["cap"] = rng.uniform(0, 1, len(df))
    out = class_shares(df, "cap", by=("period",))
    ref = (df["amount"] * df["cap"]).groupby(df["period"]).sum()
    assert_allclose(out["capitalized"], ref.to_numpy(), rtol=1e-12)
    register = df.drop_duplicates("firm").set_index("firm")["firm_class"]
    via_register = class_shares(df.drop(columns="firm_class"), {"micro": 0.1, "small": 0.2,
                                                                "medium": 0.4, "large": 0.8},
                                register=register)
    direct = class_shares(df, {"micro": 0.1, "small": 0.2, "medium": 0.4, "large": 0.8})
    pd.testing.assert_frame_equal(via_register, direct, check_exact=False, rtol=1e-12)
    df.loc[9, "cap"] = 1.2
    with pytest.raises(DataError, match=r"'cap' = 1.2 at row 9 is outside \[0, 1\]"):
        class_shares(df, "cap")
    with pytest.raises(DataError, match="not in the register"):
        class_shares(df.drop(columns="firm_class"), {"micro": 0.1},
                     register=register.iloc[:-1])


def test_pim_by_class_follows_the_half_year_recursion():
    """Geometric profile, mid-year timing (BEA 2003; Fraumeni 1997):
    K_t = (1 - d) K_{t-1} + (1 - d/2) I_t, D_t = K_{t-1} + I_t - K_t, with a rate per class."""
    df = _invoices(6, 4000).assign(amount=lambda d: d["amount"].abs())
    df = df.loc[~((df["firm_class"] == "large") & (df["period"] == 2022))]  # a class gap
    shares = {"micro": 0.1, "small": 0.2, "medium": 0.4, "large": 0.8}
    rates = {"micro": 0.55, "small": 0.45, "medium": 0.33, "large": 0.2}
    res = pim_by_class(df, shares, rate=rates, timing="mid")
    periods = [2021, 2022, 2023, 2024]
    for cls, d in rates.items():
        inv = np.array([math.fsum(df.loc[(df["firm_class"] == cls) & (df["period"] == t),
                                         "amount"] * shares[cls]) for t in periods])
        k = np.zeros(len(periods))
        prev = 0.0
        for t, i in enumerate(inv):
            k[t] = (1 - d) * prev + (1 - d / 2) * i
            prev = k[t]
        cfc = np.concatenate([[0.0], k[:-1]]) + inv - k
        assert_allclose(res.net[cls].to_numpy(), k, rtol=1e-12)
        assert_allclose(res.cfc[cls].to_numpy(), cfc, rtol=1e-10, atol=1e-9)
    ddf = dd.from_pandas(df, npartitions=4)
    res2 = pim_by_class(ddf, shares, rate=rates, timing="mid")
    pd.testing.assert_frame_equal(res2.net, res.net, check_exact=False, rtol=1e-12)
