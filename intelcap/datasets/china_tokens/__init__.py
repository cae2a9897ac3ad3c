"""China's daily token usage: official statements of the National Data Administration.

``load()`` returns four official round figures, index ``period`` (monthly ``Period``, the
month the figure refers to), columns ``daily_tokens`` (tokens per day), ``bound`` (``approx``
= "about", ``lower`` = "exceeded"), ``statement_zh`` (the quoted sentence), ``stated_by``,
``stated_on`` (datetime) and ``source_url`` (the news page read). These are statements, not a
statistical series: there is no published methodology (what counts as a token call, which
providers are covered).

Examples
--------
>>> from intelcap.datasets import china_tokens
>>> c = china_tokens.load()
>>> [str(p) for p in c.index], c["daily_tokens"].tolist()[:2]
(['2024-01', '2025-06', '2025-12', '2026-03'], [100000000000.0, 30000000000000.0])
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="china_tokens",
    source=("Statements of Liu Liehong, head of China's National Data Administration: State "
            "Council Information Office press conference of 2025-08-14 and remarks of March "
            "2026 (China Development Forum season), as reported in the news"),
    table="transcribed 2026-11-28 from the news pages named in source_url",
    units="tokens per day",
    accessed="2026-11-28",
    licence="facts (official statements), transcribed with their sources",
    citation="National Data Administration of China (国家数据局), statements as cited per row",
    index="period (monthly Period)",
)
DESCR = str(PROVENANCE)


def load() -> pd.DataFrame:
    """The official daily token figures, index ``period``."""
    df = read_csv("china_tokens", "china_daily_token_usage_official.csv")
    df["period"] = pd.PeriodIndex(df["period"], freq="M")
    df["stated_on"] = pd.to_datetime(df["stated_on"], format="ISO8601")
    return df.set_index("period")
