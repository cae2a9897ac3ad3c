"""Synthetic balanced national accounts for the ``intelcap adjust`` benchmark.

    python benchmarks/make_synthetic.py OUT_DIR --industries 200 --periods 30 [--seed 1]

writes ``OUT_DIR/tables.csv`` (long table, balanced in the three GDP approaches) and
``OUT_DIR/config.toml``. Industries are market (S11, S12) or non-market (S13, S15) producers
with intermediate consumption split into API services (``AI_API``) and other products;
households' final consumption balances the expenditure side; imports and exports are on S1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

CONFIG = """[input]
tables = "tables.csv"

[policy]
route = "satellite"
products = ["AI_API"]
share = 0.5
rate = 0.33
timing = "mid"

[[policy.shares]]
sector = "S13"
share = 0.3
"""


def api_products(n_products: int) -> list[str]:
    """Codes of the API-like products: ``AI_API`` alone, or ``AI_P00``, ``AI_P01``, ..."""
    return ["AI_API"] if n_products == 1 else [f"AI_P{k:02d}" for k in range(n_products)]


def make_tables(n_industries: int, n_periods: int, seed: int = 1, *, n_products: int = 1,
                quarterly: bool = False) -> pd.DataFrame:
    """A balanced long table with ``n_industries`` producers over ``n_periods`` periods.

    ``n_products`` splits the API spending of every industry over that many product codes
    (``n_industries x n_products`` industry x product cells of API spending); ``quarterly``
    labels the periods ``2000Q1``, ``2000Q2``, ... instead of years.
    """
    rng = np.random.default_rng(seed)
    n, t = n_industries, n_periods
    sectors = rng.choice(np.array(["S11", "S12", "S13", "S15"]), size=n,
                         p=[0.8, 0.1, 0.08, 0.02])
    inds = np.array([f"I{i:04d}" for i in range(n)])
    years = (np.array([f"{2000 + k // 4}Q{k % 4 + 1}" for k in range(t)], dtype=object)
             if quarterly else np.arange(2000, 2000 + t))
    shape = (t, n)
    growth = 1.03 ** np.arange(t)[:, None]
    api_growth = 1.15 ** np.arange(t)[:, None]
    p2_other = np.round(rng.uniform(50, 500, n) * growth, 3) * np.ones(shape)
    p2_api = np.round(rng.uniform(0.01, 0.1, n) * api_growth, 3) * np.ones(shape)
    d1 = np.round(rng.uniform(50, 300, n) * growth, 3) * np.ones(shape)
    d29 = np.round(rng.uniform(0, 20, n) * growth, 3) * np.ones(shape)
    cfc = np.round(rng.uniform(5, 50, n) * growth, 3) * np.ones(shape)
    nos = np.round(rng.uniform(10, 200, n) * growth, 3) * np.ones(shape)
    nonmarket = np.isin(sectors, ["S13", "S15"])
    b2 = np.where(nonmarket, cfc, cfc + nos)
    p1 = p2_other + p2_api + d1 + d29 + b2
    per = np.repeat(years, n)
    sec = np.tile(sectors, t)
    ind = np.tile(inds, t)
    parts = []

    def block(product, tx, values, sector=sec, industry=ind):
        parts.append(pd.DataFrame({"period": per, "sector": sector, "industry": industry,
                                   "product": product, "transaction": tx,
                                   "value": np.asarray(values).ravel()}))

    prods = api_products(n_products)
    for prod in prods:
        block(prod, "P2", p2_api / len(prods))
    block("OTHER", "P2", p2_other)
    block("_T", "P1", p1)
    block("_T", "D1", d1)
    block("_T", "D29X39", d29)
    block("_T", "B2A3G", b2)
    block("_T", "P51C", cfc)
    nm = np.tile(nonmarket, t)
    gov = pd.DataFrame({"period": per[nm], "sector": sec[nm], "industry": "_T",
                        "product": ind[nm], "transaction": "P3",
                        "value": p1.ravel()[nm]})
    parts.append(gov)
    gdp = (p1 - p2_other - p2_api).sum(axis=1)
    gov_p3 = np.where(nonmarket, p1, 0.0).sum(axis=1)
    gfcf = np.round(0.2 * gdp, 3)
    exports = np.round(0.15 * gdp, 3)
    imports = np.round(0.14 * gdp, 3)
    hh = gdp - gov_p3 - gfcf - exports + imports
    for sector, product, tx, v in (("S11", "_T", "P51G", gfcf), ("S1", "_T", "P6", exports),
                                   ("S1", "_T", "P7", imports), ("S14", "_T", "P3", hh)):
        parts.append(pd.DataFrame({"period": years, "sector": sector, "industry": "_T",
                                   "product": product, "transaction": tx, "value": v}))
    out = pd.concat(parts, ignore_index=True)
    out["unit"] = "XDR_MN"
    out["price_basis"] = "current"
    return out


def write(out_dir: Path, n_industries: int, n_periods: int, seed: int = 1) -> Path:
    from intelcap.accounts.io import write_table

    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(make_tables(n_industries, n_periods, seed), out_dir / "tables.csv",
                format="csv")
    (out_dir / "config.toml").write_text(CONFIG)
    return out_dir / "config.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--industries", type=int, default=200)
    ap.add_argument("--periods", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    print(write(a.out_dir, a.industries, a.periods, a.seed))


if __name__ == "__main__":
    main()
