"""Epoch AI data on LLM inference prices at constant capability.

The data behind Epoch AI's insight "LLM inference prices have fallen rapidly but unequally
across tasks" (2025-03-12; prices at constant capability fall 9x to 900x per year):

- ``load()`` / ``load("decline_rates")``: 21 fitted annual price-reduction factors, one per
  benchmark and threshold model; columns ``bench``, ``threshold_model``,
  ``performance_range`` (text ``[score, max]``), ``sample_size``, ``start_date``,
  ``end_date`` (datetime), ``price_reduction_factor_per_year`` (price at constant capability
  divides by this each year), ``price_reduction_factor_per_year_90_ci`` (text ``[lo, hi]``),
  ``r_squared``.
- ``load("cheapest_models")``: the 119 cheapest models meeting each threshold over time (the
  points behind the fits): ``bench``, ``threshold_model``, ``performance_range``,
  ``Model Name``, ``Release Date`` (datetime), ``USD per 1M Tokens`` (blended input/output
  price), ``predicted_log_price`` (fitted value, USD per 1M tokens despite the name),
  ``benchmark_score``.
- ``load("prices_benchmarks")``: 38 models from Artificial Analysis as redistributed by Epoch
  (``Model Name``, ``Release Date``, ``USD per 1M Tokens``, MMLU, GPQA Diamond, HumanEval,
  MATH-500, MATH 5 (% scores), LMSys Chatbot Arena ELO, speed and latency);
  ``load("prices_benchmarks_not_in_aa")``: Epoch's own 35 rows in the same layout.
- ``load("api_prices_archived")``: 125 raw price-list records with date and Internet Archive
  link (``Price`` is text with ``$``; ``Price Unit`` e.g. ``$/1M input tokens``).

RangeIndex throughout. Credit: Epoch AI (and Artificial Analysis for the AA rows).

Examples
--------
>>> from intelcap.datasets import epoch_llm_prices
>>> r = epoch_llm_prices.load()
>>> f = r["price_reduction_factor_per_year"]   # "9x to 900x per year", to one digit
>>> len(r), round(float(f.min())), round(float(f.max()), -2)
(21, 9, 900.0)
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="epoch_llm_prices",
    source=("Epoch AI, 'LLM inference prices have fallen rapidly but unequally across tasks' "
            "(data insight, 2025-03-12), code and data repository llm-benchmark-efficiency"),
    table=("GitHub epoch-research/llm-benchmark-efficiency, commit 34b92331: results/default/"
           "lowest_price_models_above_previous_frontier/lowest_price_models_results.csv and "
           "lowest_price_models_data.csv, data/aa_data_with_math5.csv, data/epoch_ai_price_"
           "data_not_in_aa_with_benchmarks.csv; data/API prices - full view.csv at commit "
           "1dc87f3 (all verbatim)"),
    units="USD per 1M tokens (blended); benchmark scores in %; factors per year",
    accessed="2026-11-28",
    licence=("Creative Commons Attribution (credit: Epoch AI); the Artificial Analysis rows "
             "are as redistributed by Epoch AI"),
    citation=("Epoch AI (2025), 'LLM inference prices have fallen rapidly but unequally across "
              "tasks', data insight of 2025-03-12, https://epoch.ai"),
    index="RangeIndex",
)
DESCR = str(PROVENANCE)

_FILES = {"decline_rates": ("epoch_price_decline_rates.csv", ("start_date", "end_date")),
          "cheapest_models": ("epoch_cheapest_models_above_threshold.csv", ("Release Date",)),
          "prices_benchmarks": ("epoch_aa_prices_benchmarks.csv", ("Release Date",)),
          "prices_benchmarks_not_in_aa": ("epoch_prices_benchmarks_not_in_aa.csv",
                                          ("Release Date",)),
          "api_prices_archived": ("epoch_api_prices_archived.csv", ("Price date",))}


def load(table: str = "decline_rates") -> pd.DataFrame:
    """One of the Epoch AI price tables (see the module docstring for ``table``)."""
    choose("table", table, tuple(_FILES))
    name, dates = _FILES[table]
    df = read_csv("epoch_llm_prices", name)
    for col in dates:
        df[col] = pd.to_datetime(df[col], format="ISO8601")
    return df
