"""Generate the bundled example usage panel (data/tokens/panel.csv) for ``intelcap release``.

Run from the repository root:  python data/tokens/make_panel.py

Deterministic (seeded; the same run gives the same bytes). Monthly, April 2023 - March 2026
(36 months, the span X-13-style seasonal adjustment needs), 14 models of 10 developers in three
countries. **Illustrative**: only the Chinese aggregate is anchored on official figures (below);
every model, split, price and capability score is invented. See README.md beside this file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.interpolate import PchipInterpolator

HERE = Path(__file__).resolve().parent
MONTHS = pd.period_range("2023-04", "2026-03", freq="M")

# China's daily token use, official statements of the National Data Administration head, Liu
# Liehong (typed from the statements; the same figures as intelcap.datasets.china_tokens):
#   early 2024 about 1.0e11 a day (SCIO press conference 2025-08-14; IT Home 0/875/414),
#   end-June 2025 over 3.0e13 (same conference; United Daily News 7333/8939052),
#   end-2025 about 1.0e14 and March 2026 over 1.4e14 (March 2026; NetEase KOSFJRDJ0530SFP3).
# Anchors are placed on the month they refer to: the Chinese models' average daily tokens in
# that month equal the official figure exactly.
ANCHORS = {"2024-01": 1.0e11, "2025-06": 3.0e13, "2025-12": 1.0e14, "2026-03": 1.4e14}

# Invented seasonal pattern (multiplicative, geometric mean 1): a dip around the Spring
# Festival (February) and in August, a year-end peak.
SEASON = np.array([0.95, 0.82, 1.00, 1.02, 1.03, 1.01, 0.98, 0.92, 1.02, 1.04, 1.06, 1.12])
SEASON = SEASON / np.exp(np.mean(np.log(SEASON)))

# (model, provider, country, first month, capability at launch, input price USD/1M at launch,
#  output/input price ratio, share weight among its country's models)
MODELS = [
    ("cn-alpha-1", "alphaai", "CN", "2023-04", 42, 0.60, 2.0, 3.0),
    ("cn-alpha-2", "alphaai", "CN", "2024-09", 61, 0.40, 2.0, 4.0),
    ("cn-beta-1", "betalab", "CN", "2023-04", 38, 0.80, 3.0, 2.0),
    ("cn-beta-2", "betalab", "CN", "2025-02", 66, 0.30, 4.0, 3.0),
    ("cn-gamma", "gammatech", "CN", "2023-10", 47, 0.50, 2.0, 2.0),
    ("cn-delta", "deltamind", "CN", "2024-05", 55, 0.25, 4.0, 2.5),
    ("cn-epsilon", "epsilon", "CN", "2025-07", 70, 0.20, 4.0, 3.0),
    ("us-north-1", "northwind", "US", "2023-04", 55, 10.0, 3.0, 3.0),
    ("us-north-2", "northwind", "US", "2024-06", 72, 3.00, 5.0, 4.0),
    ("us-south", "southgate", "US", "2023-04", 50, 5.00, 3.0, 2.5),
    ("us-east", "eastbay", "US", "2024-02", 63, 1.00, 4.0, 2.0),
    ("us-west", "westfield", "US", "2025-04", 74, 1.25, 8.0, 2.5),
    ("fr-lumiere", "lumiere", "FR", "2023-09", 48, 2.00, 3.0, 1.0),
    ("fr-lumiere-2", "lumiere", "FR", "2025-05", 62, 0.40, 3.0, 1.0),
]


def _cn_daily() -> np.ndarray:
    """Chinese average daily tokens by month: log-linear trend through anchor / season."""
    idx = {str(m): i for i, m in enumerate(MONTHS)}
    xs = np.array([idx[k] for k in ANCHORS], dtype=float)
    ys = np.array([math.log(v / SEASON[int(k[5:]) - 1]) for k, v in ANCHORS.items()])
    t = np.arange(len(MONTHS), dtype=float)
    slope0 = (ys[1] - ys[0]) / (xs[1] - xs[0])
    # a smooth monotone curve through the anchors (PCHIP in logs), slower growth before 2024
    # (invented: 60% of the early-2024 log slope)
    trend = PchipInterpolator(xs, ys)(np.clip(t, xs[0], xs[-1]))
    early = t < xs[0]
    trend[early] = ys[0] + 0.6 * slope0 * (t[early] - xs[0])
    return np.exp(trend) * SEASON[MONTHS.month.to_numpy() - 1]


def main() -> pd.DataFrame:
    rng = np.random.default_rng(20260323)
    cn = _cn_daily()
    # US and FR aggregates (invented): US starts above China and grows 9% a month, FR a tenth
    # of the US (from its first model, September 2023).
    t = np.arange(len(MONTHS))
    us = 6.0e11 * 1.09**t * SEASON[MONTHS.month.to_numpy() - 1]
    agg = {"CN": cn, "US": us, "FR": 0.1 * us}
    rows = []
    for i, m in enumerate(MONTHS):
        days = m.days_in_month
        for country, daily in agg.items():
            live = [x for x in MODELS if x[2] == country and pd.Period(x[3], "M") <= m]
            if not live:  # FR enters in September 2023
                continue
            w = np.array([x[7] * (1 + 0.08 * (i - MONTHS.get_loc(pd.Period(x[3], "M"))) / 12)
                          for x in live])
            w = w * np.exp(rng.normal(0, 0.05, w.size))
            w = w / w.sum()
            total = daily[i] * days
            raw = np.round(total * w)
            raw[-1] = round(total) - raw[:-1].sum()  # the country total is exact
            for (name, prov, ctry, start, cap0, p_in0, ratio, _), tok in zip(live, raw,
                                                                            strict=True):
                age = i - MONTHS.get_loc(pd.Period(start, "M"))
                p_in = p_in0 * 0.97**age  # prices fall 3% a month (invented)
                in_tok = round(tok * 0.8)
                out_tok = int(tok) - in_tok
                rows.append({
                    "period": f"{m}-01", "provider": prov, "model": name, "country": ctry,
                    "tokens": int(tok), "input_tokens": in_tok, "output_tokens": out_tok,
                    "cached_tokens": round(in_tok * 0.3), "reasoning_tokens": round(out_tok * 0.2),
                    "price_input": round(p_in, 6), "price_output": round(p_in * ratio, 6),
                    "price_cached": round(p_in * 0.1, 6), "currency": "USD",
                    "price_unit": "per_1m_tokens", "free": False,
                    "capability": round(cap0 + 0.25 * age, 2),
                })
    df = pd.DataFrame(rows)
    df.to_csv(HERE / "panel.csv", index=False, lineterminator="\n")
    return df


if __name__ == "__main__":
    main()
