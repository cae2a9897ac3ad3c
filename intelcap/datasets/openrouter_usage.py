"""Weekly OpenRouter token volumes and list prices of the top-10 models (not bundled).

The weekly JSON snapshots of the public GitHub repository
``johnbean393/openrouter-inference-stats`` (folder ``data/``, one file per week named by its
date) state no licence, so intelcap cannot redistribute them. Download that folder and pass it
as ``path=``, or put it at ``<INTELCAP_REFERENCE_DIR>/openrouter_usage/weekly_top10/``.

- ``load(path=None)`` / ``load(path, table="models")``: one row per week and model, index
  ``(date, rank)``; columns ``slug``, ``name``, ``total_tokens`` (weekly tokens),
  ``percent_change`` (week on week, %), ``prompt_tokens``, ``completion_tokens``,
  ``reasoning_tokens``, ``cached_tokens``, ``request_count``, prices (``prompt_price``,
  ``completion_price``, ``reasoning_price``, ``cache_read_price``: USD per token),
  ``estimated_revenue`` (USD), ``is_free`` and the ratio columns of the files.
- ``load(path, table="weeks")``: one row per file, index ``date``; columns ``total_tokens``
  (sum over the tracked top 10 only, not the platform total), ``total_revenue`` (USD,
  estimated as list price x tokens), ``total_models``, ``paid_models``, ``free_models``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from intelcap.datasets._base import DatasetNotAvailable, Provenance, choose, reference_dir

__all__ = ["DESCR", "PROVENANCE", "load"]

_OBTAIN = ("the folder data/ of the public GitHub repository "
           "johnbean393/openrouter-inference-stats (one JSON file per week)")

PROVENANCE = Provenance(
    name="openrouter_usage",
    source=("weekly snapshots scraped from the public OpenRouter rankings page, model pages "
            "and models API by the project johnbean393/openrouter-inference-stats"),
    table="data/YYYY-MM-DD.json (one file per week)",
    units="tokens per week; USD per token; USD",
    licence="none stated: not redistributable, reference use only",
    citation=("OpenRouter rankings (openrouter.ai/rankings), via "
              "johnbean393/openrouter-inference-stats"),
    index="(date, rank) for table='models'; date for table='weeks'",
    notes=f"not bundled; obtain from {_OBTAIN}",
    bundled=False,
)
DESCR = str(PROVENANCE)


def _folder(path: str | os.PathLike[str] | None) -> Path:
    how = ("pass path= (the folder of weekly JSON files) or set INTELCAP_REFERENCE_DIR to a "
           "folder holding openrouter_usage/weekly_top10/")
    if path is not None:
        p = Path(path)
    else:
        root = reference_dir(required=False)
        p = root / "openrouter_usage" / "weekly_top10" if root is not None else None
        if p is None or not p.is_dir():
            raise DatasetNotAvailable("openrouter_usage is not bundled with intelcap (no "
                                      f"licence allows redistribution); {how}. Obtain it "
                                      f"from {_OBTAIN}")
    files = sorted(p.glob("*.json")) if p.is_dir() else []
    if not files:
        raise DatasetNotAvailable(f"openrouter_usage: no weekly JSON files in {p}; {how}. "
                                  f"Obtain them from {_OBTAIN}")
    return p


def load(path: str | os.PathLike[str] | None = None, table: str = "models") -> pd.DataFrame:
    """Read the weekly OpenRouter snapshots (see the module docstring).

    Raises
    ------
    DatasetNotAvailable
        No ``path`` and no copy in the reference folder.
    """
    choose("table", table, ("models", "weeks"))
    folder = _folder(path)
    rows = []
    for f in sorted(folder.glob("*.json")):
        snap = json.loads(f.read_text(encoding="utf-8"))
        date = pd.Timestamp(snap.get("date", f.stem))
        if table == "weeks":
            rows.append({"date": date, **{k: snap.get(k) for k in (
                "total_tokens", "total_revenue", "total_models", "paid_models",
                "free_models")}})
        else:
            rows += [{"date": date, **m} for m in snap.get("models", [])]
    df = pd.DataFrame(rows)
    return df.set_index("date") if table == "weeks" else df.set_index(["date", "rank"])
