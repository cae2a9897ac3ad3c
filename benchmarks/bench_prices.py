"""Benchmark of intelcap.prices against a vectorised numpy floor measured in the same run.

Two jobs from issue 12, both from the same long table (item, period, price, quantity) a user
would pass, with 5% of item-months missing (entry and exit):

1. chained Fisher on 10^4 items x 120 months (1.14 million rows);
2. 13-month rolling GEKS-Fisher with a mean splice on 10^3 items x 60 months.

Why this is the floor: any numpy program must (a) turn the item and period labels into integer
codes (the faster of ``np.unique(..., return_inverse=True)`` and ``pd.factorize`` is taken),
(b) scatter prices and quantities into dense items x periods arrays, and (c) form the matched
sums of each comparison: for chained Fisher four elementwise products and column sums per pair
of adjacent months; for GEKS the all-pairs Laspeyres and Paasche sums as four matrix products
over the whole sample (each pair computed once, windows read as sub-blocks), then the window
means and the splice. The floor skips everything intelcap adds: input validation (missing,
non-positive, duplicated item-periods, period order), formula dispatch and pandas output.

Goal: intelcap within 3x of the floor. Ratios are paired (floor and intelcap timed back to back,
7 pairs) and printed as min / median / max; no absolute time is asserted anywhere.

Run: ``python benchmarks/bench_prices.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from intelcap import prices

PAIRS = 7


def make_panel(n_items: int, n_periods: int, seed: int, missing: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    item = np.tile(np.arange(n_items), n_periods)
    period = np.repeat(np.arange(n_periods), n_items)
    base = rng.lognormal(0.0, 1.0, n_items)
    trend = np.exp(np.cumsum(rng.normal(0.0, 0.02, (n_periods, n_items)), axis=0)).ravel()
    price = np.tile(base, n_periods) * trend
    quantity = rng.lognormal(2.0, 1.0, n_items * n_periods)
    keep = rng.random(n_items * n_periods) >= missing
    keep[:n_items] = True  # every item in the first month
    return pd.DataFrame({"item": item[keep], "period": period[keep], "price": price[keep],
                         "quantity": quantity[keep]})


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    codes, uniq = pd.factorize(values, sort=False)
    return codes, len(uniq)


def _codes_unique(values: np.ndarray) -> tuple[np.ndarray, int]:
    uniq, inv = np.unique(values, return_inverse=True)
    return inv, len(uniq)


def dense(df: pd.DataFrame, coder) -> tuple[np.ndarray, np.ndarray]:
    ic, n = coder(df["item"].to_numpy())
    pc, t = coder(df["period"].to_numpy())
    flat = ic * t + pc
    p = np.full(n * t, np.nan)
    q = np.full(n * t, np.nan)
    p[flat] = df["price"].to_numpy()
    q[flat] = df["quantity"].to_numpy()
    return p.reshape(n, t), q.reshape(n, t)


def floor_chained_fisher(df: pd.DataFrame, coder) -> np.ndarray:
    p, q = dense(df, coder)
    p0, p1, q0, q1 = p[:, :-1], p[:, 1:], q[:, :-1], q[:, 1:]
    m = np.isfinite(p0) & np.isfinite(p1)
    p0, p1 = np.where(m, p0, 0.0), np.where(m, p1, 0.0)
    q0, q1 = np.where(m, q0, 0.0), np.where(m, q1, 0.0)
    lasp = (p1 * q0).sum(0) / (p0 * q0).sum(0)
    paas = (p1 * q1).sum(0) / (p0 * q1).sum(0)
    return np.r_[1.0, np.cumprod(np.sqrt(lasp * paas))]


def floor_rolling_geks(df: pd.DataFrame, coder, window: int = 13) -> np.ndarray:
    p, q = dense(df, coder)
    m = np.isfinite(p)
    mf = m.astype(float)
    pz, qz = np.where(m, p, 0.0), np.where(m, q, 0.0)
    x = pz.T @ qz
    d = (pz * qz).T @ mf
    lm = 0.5 * (np.log(x.T / d) + np.log(d.T / x))
    t = p.shape[1]
    first = lm[:window, :window].mean(0)
    out = list(first - first[0])
    for end in range(window, t):
        s = end - window + 1
        g = lm[s:end + 1, s:end + 1].mean(0)
        g = g - g[0]
        vals = [out[s + k] + g[-1] - g[k] for k in range(window - 1)]
        out.append(np.mean(vals))
    return np.exp(np.asarray(out))


def paired(fn_floor, fn_ours) -> np.ndarray:
    ratios = []
    for _ in range(PAIRS):
        t0 = time.perf_counter()
        fn_floor()
        t1 = time.perf_counter()
        fn_ours()
        t2 = time.perf_counter()
        ratios.append((t2 - t1) / (t1 - t0))
    return np.asarray(ratios)


def best_floor(make):
    """Pick the faster coder for the floor (timed once each, then fixed)."""
    times = {}
    for coder in (_codes, _codes_unique):
        t0 = time.perf_counter()
        make(coder)
        times[coder] = time.perf_counter() - t0
    return min(times, key=times.get)


def main() -> None:
    big = make_panel(10_000, 120, seed=12)
    coder = best_floor(lambda c: floor_chained_fisher(big, c))
    ours = prices.index(big, formula="fisher", chained=True).to_numpy()
    ref = floor_chained_fisher(big, coder)
    err = float(np.max(np.abs(ours / ref - 1)))
    r = paired(lambda: floor_chained_fisher(big, coder),
               lambda: prices.index(big, formula="fisher", chained=True))
    print(f"chained Fisher, 10^4 items x 120 months ({len(big):,} rows), floor coder "
          f"{coder.__name__}")
    print(f"  intelcap / floor over {PAIRS} pairs: min {r.min():.2f}x  median "
          f"{np.median(r):.2f}x  max {r.max():.2f}x  (goal <= 3x); max rel. diff {err:.1e}")

    mid = make_panel(1_000, 60, seed=13)
    coder = best_floor(lambda c: floor_rolling_geks(mid, c))
    ours = prices.multilateral_index(mid, method="geks_fisher", window=13,
                                     splice="mean").to_numpy()
    ref = floor_rolling_geks(mid, coder)
    err = float(np.max(np.abs(ours / ref - 1)))
    r = paired(lambda: floor_rolling_geks(mid, coder),
               lambda: prices.multilateral_index(mid, method="geks_fisher", window=13,
                                                 splice="mean"))
    print(f"13-month rolling GEKS-Fisher (mean splice), 10^3 items x 60 months "
          f"({len(mid):,} rows), floor coder {coder.__name__}")
    print(f"  intelcap / floor over {PAIRS} pairs: min {r.min():.2f}x  median "
          f"{np.median(r):.2f}x  max {r.max():.2f}x  (goal <= 3x); max rel. diff {err:.1e}")


if __name__ == "__main__":
    main()
