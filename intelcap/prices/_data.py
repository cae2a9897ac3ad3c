"""Private bridge to the datasets prices and the notebook use.

Uses ``intelcap.datasets.<name>.load(table)`` when that loader exists; until it lands, reads the
same files from the reference folder (``intelcap.datasets.reference_path``) and returns the same
layout. Switch callers to the loaders and delete this module once they are in main.
"""

from __future__ import annotations

import importlib

import pandas as pd

from intelcap.exceptions import DataError

_REF = {
    ("epoch_llm_prices", "decline_rates"): ("llm_prices", "epoch_price_decline_rates.csv",
                                            ("start_date", "end_date")),
    ("epoch_llm_prices", "cheapest_models"): (
        "llm_prices", "epoch_cheapest_models_above_threshold.csv", ("Release Date",)),
    ("epoch_llm_prices", "prices_benchmarks"): ("llm_prices", "epoch_aa_prices_benchmarks.csv",
                                                ("Release Date",)),
    ("epoch_llm_prices", "prices_benchmarks_not_in_aa"): (
        "llm_prices", "epoch_prices_benchmarks_not_in_aa.csv", ("Release Date",)),
    ("epoch_hardware", "prices"): ("ai_hardware", "epoch_hardware_prices.csv", ("Price date",)),
    ("epoch_hardware", "ml_hardware"): ("ai_hardware", "epoch_ml_hardware_subset.csv",
                                       ("Release date",)),
}


def load(name: str, table: str | None = None) -> pd.DataFrame:
    """Load a dataset table through intelcap.datasets, or from the reference folder."""
    try:
        mod = importlib.import_module(f"intelcap.datasets.{name}")
    except ImportError:
        mod = None
    if mod is not None and hasattr(mod, "load"):
        return mod.load() if table is None else mod.load(table)
    from intelcap.datasets import reference_path

    if name == "ppi_data_hosting":
        path = reference_path("ppi_data_hosting",
                              "fred_PCU518210518210_ppi_data_processing_hosting.csv")
        df = pd.read_csv(path, parse_dates=["observation_date"])
        return df.rename(columns={"observation_date": "date", "PCU518210518210": "ppi"}
                         ).set_index("date")
    key = (name, table or ("prices" if name == "epoch_hardware" else "decline_rates"))
    if key not in _REF:
        raise DataError(f"no dataset table {key!r}")
    folder, fname, dates = _REF[key]
    df = pd.read_csv(reference_path(folder, fname), encoding="utf-8-sig")
    for col in dates:
        df[col] = pd.to_datetime(df[col], format="ISO8601")
    if key == ("epoch_hardware", "ml_hardware"):
        df = df.set_index("Hardware name")
    return df
