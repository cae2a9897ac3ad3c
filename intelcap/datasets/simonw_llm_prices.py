"""LLM API list prices by vendor from Simon Willison's llm-prices.com (not bundled).

The data folder of the public GitHub repository ``simonw/llm-prices`` (one JSON file per
vendor) states no licence for the data, so intelcap does not ship it. Download that folder and
pass it as ``path=``, or put it at ``<INTELCAP_REFERENCE_DIR>/llm_prices/simonw_llm_prices/``.

``load(path=None)`` returns one row per model and price period (RangeIndex), columns
``vendor``, ``model_id``, ``name``, ``input``, ``output``, ``input_cached`` (USD per 1M
tokens), ``from_date`` (inclusive) and ``to_date`` (exclusive; NaT = open-ended: the list
price as of the snapshot).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from intelcap.datasets._base import DatasetNotAvailable, Provenance, reference_dir

__all__ = ["DESCR", "PROVENANCE", "load"]

_OBTAIN = "the folder data/ of the public GitHub repository simonw/llm-prices"

PROVENANCE = Provenance(
    name="simonw_llm_prices",
    source="Simon Willison, llm-prices.com (GitHub simonw/llm-prices, data/)",
    table="one JSON per vendor: {vendor, models: [{id, name, price_history: [...]}]}",
    units="USD per 1M tokens",
    licence="none stated for the data: not redistributable, reference use only",
    citation="Willison, S., LLM pricing calculator, https://www.llm-prices.com",
    index="RangeIndex",
    notes=f"not bundled; obtain from {_OBTAIN}",
    bundled=False,
)
DESCR = str(PROVENANCE)


def load(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the vendor JSON files (see the module docstring).

    Raises
    ------
    DatasetNotAvailable
        No ``path`` and no copy in the reference folder.
    """
    how = ("pass path= (the folder of vendor JSON files) or set INTELCAP_REFERENCE_DIR to a "
           "folder holding llm_prices/simonw_llm_prices/")
    if path is not None:
        folder = Path(path)
    else:
        root = reference_dir(required=False)
        folder = root / "llm_prices" / "simonw_llm_prices" if root is not None else None
        if folder is None or not folder.is_dir():
            raise DatasetNotAvailable("simonw_llm_prices is not bundled with intelcap (no "
                                      f"licence allows redistribution); {how}. Obtain it "
                                      f"from {_OBTAIN}")
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise DatasetNotAvailable(f"simonw_llm_prices: no vendor JSON files in {folder}; "
                                  f"{how}. Obtain them from {_OBTAIN}")
    rows = []
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        for m in doc.get("models", []):
            for h in m.get("price_history", []):
                rows.append({"vendor": doc.get("vendor", f.stem), "model_id": m.get("id"),
                             "name": m.get("name"), "input": h.get("input"),
                             "output": h.get("output"), "input_cached": h.get("input_cached"),
                             "from_date": h.get("from_date"), "to_date": h.get("to_date")})
    df = pd.DataFrame(rows)
    for col in ("input", "output", "input_cached"):
        df[col] = pd.to_numeric(df[col]).astype("float64")
    for col in ("from_date", "to_date"):
        df[col] = pd.to_datetime(df[col], format="ISO8601")
    return df
