"""Generate the bundled example economy (data/example/tables.csv).

Run from the repository root:  python data/example/make_example.py

The script is deterministic (no randomness; the same run gives the same bytes). It builds a small,
balanced national-accounts table (USD billions, current prices, 2024-2026) whose API spending is
derived from China's official daily token figures times a cited API price schedule. Everything
except those two inputs is an invented, round-number economy: see README.md beside this file.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
PERIODS = (2024, 2025, 2026)
UNIT = "USD_BN"

# ---------------------------------------------------------------------------------------------
# 1. China's daily token use: official statements of the National Data Administration (NDA)
#    head, Liu Liehong (typed from the statements; "about"/"exceeded" are round numbers).
# ---------------------------------------------------------------------------------------------
DAILY_TOKENS = (
    # (date the figure refers to, tokens per day, source)
    (dt.date(2024, 1, 15), 1.0e11,
     "NDA, State Council Information Office press conference, 2025-08-14: early 2024 about "
     "100 billion tokens a day (reported by IT Home, ithome.com/0/875/414.htm)"),
    (dt.date(2025, 6, 30), 3.0e13,
     "NDA, same press conference, 2025-08-14: end of June 2025 exceeded 30 trillion a day "
     "(reported by United Daily News, udn.com/news/story/7333/8939052)"),
    (dt.date(2025, 12, 31), 1.0e14,
     "NDA head, March 2026 remarks: end of 2025 about 100 trillion a day "
     "(reported by NetEase, 163.com/dy/article/KOSFJRDJ0530SFP3.html)"),
    (dt.date(2026, 3, 31), 1.4e14,
     "NDA head, March 2026 remarks: March 2026 exceeded 140 trillion a day "
     "(same NetEase report)"),
)

# ---------------------------------------------------------------------------------------------
# 2. Price schedule: DeepSeek's list price for deepseek-chat, USD per million tokens, from
#    simonw/llm-prices (llm-prices.com), file data/deepseek.json at commit 723ef0bd:
#    input 0.14 / output 0.28 before 2025-02-08; input 0.27 / output 1.10 from 2025-02-08.
#    Blended 3:1 input:output (an assumption, the usual Artificial Analysis blend).
# ---------------------------------------------------------------------------------------------
PRICE_CHANGE = dt.date(2025, 2, 8)
PRICE_BEFORE = (3 * 0.14 + 0.28) / 4      # USD per 1e6 tokens
PRICE_AFTER = (3 * 0.27 + 1.10) / 4       # USD per 1e6 tokens


def daily_tokens(day: dt.date) -> float:
    """Log-linear interpolation between the official figures; flat outside them (illustrative)."""
    pts = DAILY_TOKENS
    if day <= pts[0][0]:
        return pts[0][1]
    if day >= pts[-1][0]:
        return pts[-1][1]
    for (d0, v0, _), (d1, v1, _) in zip(pts[:-1], pts[1:], strict=True):
        if d0 <= day <= d1:
            w = (day - d0).days / (d1 - d0).days
            return math.exp((1 - w) * math.log(v0) + w * math.log(v1))
    raise AssertionError(day)


def api_spending_usd_bn(year: int) -> float:
    """Annual API spending: sum over days of tokens x blended price, USD billions."""
    day, total = dt.date(year, 1, 1), 0.0
    while day.year == year:
        price = PRICE_BEFORE if day < PRICE_CHANGE else PRICE_AFTER
        total += daily_tokens(day) * price / 1e6
        day += dt.timedelta(days=1)
    return total / 1e9


# ---------------------------------------------------------------------------------------------
# 3. The invented economy (USD billions in 2024, growing 5% a year). Illustrative only.
# ---------------------------------------------------------------------------------------------
GROWTH = 1.05
# industry: (sector, output P1 [market only], P2, D1, D29X39, P51C, share of API use)
INDUSTRIES = {
    "A": ("S11", 1600.0, 700.0, 500.0, 10.0, 150.0, 0.02),     # agriculture
    "C": ("S11", 15000.0, 11000.0, 1800.0, 300.0, 1400.0, 0.28),  # manufacturing
    "G": ("S11", 9000.0, 4000.0, 2500.0, 200.0, 900.0, 0.16),   # trade and other services
    "J": ("S11", 2000.0, 900.0, 450.0, 20.0, 300.0, 0.20),      # information, communication
    "K": ("S12", 3000.0, 1100.0, 700.0, 60.0, 200.0, 0.08),     # finance
    "O": ("S13", None, 900.0, 1200.0, 0.0, 250.0, 0.06),        # public administration
    "S94": ("S15", None, 60.0, 90.0, 0.0, 10.0, 0.01),          # NPISH
}
HOUSEHOLD_API_SHARE = 0.15   # households' final consumption of API services
EXPORT_API_SHARE = 0.04      # exports of API services
IMPORT_API_SHARE = 0.12      # imports, as a share of total API use
GFCF = {"S11": 3500.0, "S12": 200.0, "S13": 700.0, "S14": 800.0}
INVENTORIES = 100.0
TAXES_ON_PRODUCTS = 1200.0
EXPORTS_OTHER = 3000.0
IMPORTS_OTHER = 2700.0


def build() -> pd.DataFrame:
    rows: list[tuple] = []

    def add(period, sector, industry, product, tx, value):
        rows.append((period, sector, industry, product, tx, round(value, 6), UNIT, "current"))

    for k, year in enumerate(PERIODS):
        g = GROWTH ** k
        api = api_spending_usd_bn(year)
        assert abs(sum(v[6] for v in INDUSTRIES.values()) + HOUSEHOLD_API_SHARE
                   + EXPORT_API_SHARE - 1.0) < 1e-12
        api_imports = IMPORT_API_SHARE * api
        api_domestic_output = api - api_imports
        gdp = TAXES_ON_PRODUCTS * g
        for ind, (sector, p1, p2, d1, d29, cfc, share) in INDUSTRIES.items():
            p2_api = round(share * api, 6)
            p2_other = round(p2 * g - p2_api, 6)
            d1, d29, cfc = round(d1 * g, 6), round(d29 * g, 6), round(cfc * g, 6)
            add(year, sector, ind, "AI_API", "P2", p2_api)
            add(year, sector, ind, "OTHER", "P2", p2_other)
            if p1 is None:  # non-market: output = sum of costs, operating surplus = CFC
                out = p2_api + p2_other + d1 + d29 + cfc
                add(year, sector, ind, ind, "P1", out)     # its own non-market service
                b2 = cfc
            else:
                out = round(p1 * g, 6)
                if ind == "J":
                    add(year, sector, ind, "AI_API", "P1", round(api_domestic_output, 6))
                    add(year, sector, ind, "OTHER", "P1", round(out - api_domestic_output, 6))
                else:
                    add(year, sector, ind, "OTHER", "P1", out)
                b2 = out - p2_api - p2_other - d1 - d29
            add(year, sector, ind, "_T", "D1", d1)
            add(year, sector, ind, "_T", "D29X39", d29)
            add(year, sector, ind, "_T", "B2A3G", b2)
            add(year, sector, ind, "_T", "P51C", cfc)
            gdp += out - p2_api - p2_other
            if sector in ("S13", "S15"):
                add(year, sector, "_T", ind, "P3", out)   # own non-market output consumed
        add(year, "S1", "_T", "OTHER", "D21X31", TAXES_ON_PRODUCTS * g)
        for sector, v in GFCF.items():
            add(year, sector, "_T", "OTHER", "P51G", v * g)
        add(year, "S11", "_T", "OTHER", "P52", INVENTORIES * g)
        add(year, "S1", "_T", "AI_API", "P6", EXPORT_API_SHARE * api)
        add(year, "S1", "_T", "OTHER", "P6", EXPORTS_OTHER * g)
        add(year, "S1", "_T", "AI_API", "P7", api_imports)
        add(year, "S1", "_T", "OTHER", "P7", IMPORTS_OTHER * g)
        hh_api = HOUSEHOLD_API_SHARE * api
        nonhh = (sum(r[5] for r in rows if r[0] == year and r[4] == "P3")
                 + sum(GFCF.values()) * g + INVENTORIES * g
                 + EXPORT_API_SHARE * api + EXPORTS_OTHER * g - api_imports - IMPORTS_OTHER * g)
        add(year, "S14", "_T", "AI_API", "P3", hh_api)
        add(year, "S14", "_T", "OTHER", "P3", gdp - nonhh - hh_api)   # balancing item
    cols = ["period", "sector", "industry", "product", "transaction", "value", "unit",
            "price_basis"]
    return pd.DataFrame(rows, columns=cols)


def main() -> None:
    from intelcap.accounts.gdp import check_identity
    from intelcap.accounts.io import write_table

    table = build()
    gdp = check_identity(table, tol=1e-4)
    write_table(table, HERE / "tables.csv", format="csv")
    for year in PERIODS:
        print(f"{year}: API spending {api_spending_usd_bn(year):10.4f} USD bn; GDP "
              f"{gdp.loc[year, 'production']:12.4f}")


if __name__ == "__main__":
    main()
