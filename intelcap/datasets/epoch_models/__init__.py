"""Epoch AI data on AI models: training compute, parameters, training cost.

- ``load()`` / ``load("models")``: all 1,892 models of Epoch's "AI Models" database snapshot
  (column subset), RangeIndex (model names repeat); columns ``Model``, ``Domain``, ``Task``,
  ``Organization``, ``Publication date`` (datetime), ``Country (of organization)``,
  ``Notability criteria``, ``Model accessibility``, ``Foundation model``, ``Parameters``,
  ``Training compute (FLOP)`` with lower and upper bounds, ``Training dataset size
  (datapoints)``, ``Training time (hours)``, ``Training hardware``, ``Hardware quantity``,
  ``Hardware utilization (MFU)``, ``Training chip-hours``, ``Training compute cost (2023
  USD)`` (text with ``$``, as published), ``Training power draw (W)``, ``Confidence``,
  ``Compute rank when published``, ``Base model``, ``Finetune compute (FLOP)``,
  ``Post-training compute (FLOP)``. Empty = unknown (NaN).
- ``load("training_costs")``: Cottier et al. (2024) cost of the final training run by method,
  index ``Model``; columns ``Cloud_Cost``, ``Hardware_Acquisition_Cost``,
  ``Hardware_Capex_Energy_Cost`` (2023 USD).
- ``load("training_costs_updated")``: the updated amortised estimates, index ``Model``, column
  ``Cost`` (2023 USD).

Credit: Epoch AI. Epoch's capabilities index (ECI) is not bundled.

Examples
--------
>>> from intelcap.datasets import epoch_models
>>> m = epoch_models.load()
>>> len(m), float(m.loc[m["Model"] == "GPT-4", "Training compute (FLOP)"].iloc[0])
(1892, 2.1e+25)
>>> round(float(epoch_models.load("training_costs").loc["GPT-4", "Cloud_Cost"]) / 1e6, 1)
78.6
"""

from __future__ import annotations

import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_csv

__all__ = ["DESCR", "PROVENANCE", "load"]

PROVENANCE = Provenance(
    name="epoch_models",
    source="Epoch AI, 'Data on AI Models' (AI Models database)",
    table=("GitHub epoch-research/training-cost-trends, commit 263c40a1: data/All ML Systems "
           "- full view.csv (last changed 39afc3d, 2025-08-07; column subset, rows and values "
           "unchanged), model_costs.csv and model_costs_updated.csv (verbatim)"),
    units="FLOP, parameters, datapoints, hours, chips, W; costs in 2023 US dollars",
    accessed="2026-11-28",
    licence="Creative Commons Attribution (credit: Epoch AI)",
    citation=("Epoch AI, 'Data on AI Models', https://epoch.ai/data; Cottier, B. et al. "
              "(2024), 'The rising costs of training frontier AI models', arXiv:2405.21015"),
    index="RangeIndex (models); Model (training_costs, training_costs_updated)",
)
DESCR = str(PROVENANCE)

_FILES = {"models": "epoch_ai_models_subset.csv",
          "training_costs": "epoch_training_costs_by_method.csv",
          "training_costs_updated": "epoch_training_costs_updated.csv"}


def load(table: str = "models") -> pd.DataFrame:
    """Epoch AI ``"models"``, ``"training_costs"`` or ``"training_costs_updated"``."""
    choose("table", table, tuple(_FILES))
    df = read_csv("epoch_models", _FILES[table])
    if table == "models":
        df["Publication date"] = pd.to_datetime(df["Publication date"], format="ISO8601")
        return df
    return df.set_index("Model")
