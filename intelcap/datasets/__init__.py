"""Loaders for the project's own data (``data/``) and for public reference datasets.

Public research datasets are never copied into intelcap. They are read from a reference folder
found, in order, from:

1. the environment variable ``INTELCAP_REFERENCE_DIR`` (a folder holding one sub-folder per
   dataset, each with a README naming its source), or ``INTELCAP_DATA_DIR`` with a
   ``reference`` sub-folder;
2. ``shared/reference`` beside the current working directory or any of its parents.

Every loader returns a DataFrame and a provenance description (:class:`Provenance`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from intelcap.exceptions import DataError

__all__ = ["Provenance", "bundled_data_dir", "reference_dir", "reference_path"]


@dataclass(frozen=True)
class Provenance:
    """Where a dataset came from: source, table, units and access date."""

    name: str
    source: str
    table: str = ""
    units: str = ""
    accessed: str = ""
    notes: str = ""

    def __str__(self) -> str:
        parts = [f"{self.name}: {self.source}"]
        for label, value in (("table", self.table), ("units", self.units),
                             ("accessed", self.accessed), ("notes", self.notes)):
            if value:
                parts.append(f"  {label}: {value}")
        return "\n".join(parts)


def reference_dir(required: bool = True) -> Path | None:
    """The folder of public reference datasets, or ``None`` if absent and not ``required``."""
    candidates: list[Path] = []
    env = os.environ.get("INTELCAP_REFERENCE_DIR")
    if env:
        candidates.append(Path(env))
    env = os.environ.get("INTELCAP_DATA_DIR")
    if env:
        candidates += [Path(env) / "reference", Path(env)]
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidates.append(folder / "shared" / "reference")
        candidates.append(folder.parent / "shared" / "reference")
    src = Path(__file__).resolve()
    for folder in src.parents:
        candidates.append(folder / "shared" / "reference")
    for c in candidates:
        if c.is_dir():
            return c
    if required:
        raise DataError(
            "the reference datasets folder was not found; set INTELCAP_REFERENCE_DIR to the "
            "folder holding the reference datasets (one sub-folder per dataset)"
        )
    return None


def reference_path(dataset: str, filename: str | None = None, required: bool = True) -> Path | None:
    """Path of a reference dataset folder (or of one file in it)."""
    root = reference_dir(required=required)
    if root is None:
        return None
    path = root / dataset if filename is None else root / dataset / filename
    if not path.exists():
        if required:
            raise DataError(f"reference dataset file {dataset}/{filename or ''} not found in the "
                            "reference folder")
        return None
    return path


def bundled_data_dir() -> Path:
    """The project's own ``data/`` folder (in a source checkout) or its copy in the wheel."""
    pkg = Path(__file__).resolve().parents[1]
    for c in (pkg / "_bundled_data", pkg.parent / "data"):
        if c.is_dir():
            return c
    raise DataError("intelcap's bundled data folder is missing; reinstall the package")
