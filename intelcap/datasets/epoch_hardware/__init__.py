"""Epoch AI data on machine-learning hardware: prices and specifications.

- ``load()`` / ``load("prices")``: 591 purchase and cloud-rental prices of GPUs/TPUs over time,
  columns ``Price source`` (URL), ``Price date`` (datetime), ``Hardware model``,
  ``Manufacturer``, ``Vendor`` (cloud vendor if rental), ``Location``,
  ``Price per chip-hour (on-demand)``, ``Price per chip-hour (1-year CUD)``,
  ``Price per chip-hour (3-year CUD)`` (USD per chip-hour; CUD = committed-use discount),
  ``Price (hardware purchase)`` (USD per unit or per system, see ``Number of GPUs``),
  ``Notes``, ``Cloud GPU description``, ``Number of GPUs``. RangeIndex (no unique key).
- ``load("ml_hardware")``: 161 accelerators Epoch marks as ML hardware, index
  ``Hardware name``; columns ``Manufacturer``, ``Type``, ``Release date`` (datetime),
  ``Release price (USD)``, FP64/FP32/FP16/TF32/tensor/FP8/FP4 performance (FLOP/s),
  ``INT8 performance (OP/s)``, memory size (bytes) and bandwidth (bytes/s), interconnect
  bandwidths, ``TDP (W)``, ``Process size (nm)``, ``Foundry``, transistors (millions), die
  size (mm^2), ``Number of ML models trained``.

Credit: Epoch AI.

Examples
--------
>>> from intelcap.datasets import epoch_hardware
>>> epoch_hardware.load().shape, epoch_hardware.load("ml_hardware").shape
((591, 13), (161, 22))
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="epoch_hardware",
    source="Epoch AI, 'Data on Machine Learning Hardware' and hardware price data",
    table=("GitHub epoch-research/training-cost-trends, commit 263c40a1: data/Hardware "
           "prices.csv (verbatim) and data/Chip dataset-Grid view.csv (rows with 'ML "
           "hardware' checked, 23 columns kept, values unchanged)"),
    units="USD, USD per chip-hour, FLOP/s, bytes, bytes/s, W, nm (see the module docstring)",
    accessed="2026-11-28",
    licence="Creative Commons Attribution (credit: Epoch AI)",
    citation=("Epoch AI, 'Data on Machine Learning Hardware', https://epoch.ai/data; Cottier, "
              "B. et al. (2024), 'The rising costs of training frontier AI models', "
              "arXiv:2405.21015"),
    index="RangeIndex (prices); Hardware name (ml_hardware)",
)
DESCR = str(PROVENANCE)


def load(table: str = "prices") -> pd.DataFrame:
    """Epoch AI hardware ``"prices"`` or ``"ml_hardware"`` specifications."""
    choose("table", table, ("prices", "ml_hardware"))
    if table == "prices":
        df = read_csv("epoch_hardware", "epoch_hardware_prices.csv", encoding="utf-8-sig")
        df["Price date"] = pd.to_datetime(df["Price date"], format="ISO8601")
        return df
    df = read_csv("epoch_hardware", "epoch_ml_hardware_subset.csv")
    df["Release date"] = pd.to_datetime(df["Release date"], format="ISO8601")
    return df.set_index("Hardware name")
