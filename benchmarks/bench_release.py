"""Benchmark of the monthly release (issue 11): 10^6 usage rows (1,000 models x 1,000 days).

    python benchmarks/bench_release.py [--pairs 7] [--models 1000] [--days 1000]

intelcap: ``validate_usage`` (the checks run on read) + ``build_release`` (every table of the
release: volume, growth, seasonal step, spending, price and price-performance indices,
concentration, country shares; charts and HTML writing excluded, they do not depend on the
row count). Floor, measured in the same run: plain pandas groupby sums for the same aggregates
(month totals of tokens and spending, month x provider and month x country tokens, month x
model token-weighted price and capability) with spending computed by one vectorised
expression. Runs alternate (floor, intelcap) in pairs; the script prints the min / median /
max of the paired ratios. Target: median within 3x.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd


def make_panel(n_models: int, n_days: int, seed: int = 20261130) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-06-01", periods=n_days, freq="D")
    models = np.array([f"m{i:04d}" for i in range(n_models)], dtype=object)
    provider = np.array([f"p{i % 100:03d}" for i in range(n_models)], dtype=object)
    country = np.where(np.arange(n_models) % 3 == 0, "CN", np.where(
        np.arange(n_models) % 3 == 1, "US", "FR")).astype(object)
    n = n_models * n_days
    tokens = rng.lognormal(20, 1, n)
    inp = np.round(tokens * 0.8)
    out = np.round(tokens) - inp
    p_in = np.repeat(rng.uniform(0.1, 10, n_models), n_days) * np.tile(
        0.999 ** np.arange(n_days), n_models)
    return pd.DataFrame({
        "period": np.tile(days.to_numpy(), n_models),
        "provider": np.repeat(provider, n_days), "model": np.repeat(models, n_days),
        "country": np.repeat(country, n_days), "tokens": inp + out, "input_tokens": inp,
        "output_tokens": out, "price_input": p_in, "price_output": 4 * p_in,
        "currency": "USD", "capability": np.repeat(rng.uniform(30, 90, n_models), n_days),
    })


def floor(df: pd.DataFrame) -> None:
    month = df["period"].dt.to_period("M")
    spend = (df["input_tokens"] * df["price_input"] + df["output_tokens"] * df["price_output"]
             ) / 1e6
    d = df.assign(month=month, spending=spend,
                  pw=(0.75 * df["price_input"] + 0.25 * df["price_output"]) * df["tokens"])
    d.groupby("month")[["tokens", "spending"]].sum()
    d.groupby(["month", "provider"])["tokens"].sum()
    d.groupby(["month", "country"])["tokens"].sum()
    d.groupby(["month", "model"]).agg(pw=("pw", "sum"), tokens=("tokens", "sum"),
                                      spending=("spending", "sum"),
                                      capability=("capability", "max"))


def intelcap_release(df: pd.DataFrame) -> None:
    from intelcap.tokens.release import build_release

    build_release(df)  # validates the panel, then builds every table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--days", type=int, default=1000)
    a = ap.parse_args()
    df = make_panel(a.models, a.days)
    print(f"usage panel: {len(df):,} rows ({a.models} models x {a.days} days)")
    intelcap_release(df)  # warm-up: imports
    floor(df)
    ratios, tf, ti = [], [], []
    for _ in range(a.pairs):
        t0 = time.perf_counter()
        floor(df)
        t1 = time.perf_counter()
        intelcap_release(df)
        t2 = time.perf_counter()
        tf.append(t1 - t0)
        ti.append(t2 - t1)
        ratios.append((t2 - t1) / (t1 - t0))
    print(f"pandas groupby floor   median {statistics.median(tf):7.3f} s")
    print(f"intelcap release       median {statistics.median(ti):7.3f} s "
          "(validate_usage + build_release)")
    print(f"paired ratio intelcap/floor over {a.pairs} pairs: min {min(ratios):.2f}  "
          f"median {statistics.median(ratios):.2f}  max {max(ratios):.2f}  "
          f"(target: median <= 3: {'met' if statistics.median(ratios) <= 3 else 'NOT met'})")


if __name__ == "__main__":
    main()
