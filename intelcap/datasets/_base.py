"""Machinery shared by the dataset loaders: provenance records, bundled files, user files."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from intelcap.exceptions import DataError, SpecificationError

__all__ = ["DatasetNotAvailable", "Provenance", "bundled_data_dir", "reference_dir",
           "reference_path"]

_ROOT = Path(__file__).resolve().parent


class DatasetNotAvailable(DataError):
    """A dataset that intelcap may not redistribute was not found on this machine.

    The message says where to obtain the file and how to point intelcap at it (the loader's
    ``path=`` argument or the environment variable ``INTELCAP_REFERENCE_DIR``).
    """


@dataclass(frozen=True)
class Provenance:
    """Where a dataset came from: source, licence, citation, units, index and access date.

    ``str(provenance)`` is the dataset's ``DESCR`` text.
    """

    name: str
    source: str
    table: str = ""
    units: str = ""
    accessed: str = ""
    notes: str = ""
    licence: str = ""
    citation: str = ""
    index: str = ""
    bundled: bool = True

    def __str__(self) -> str:
        parts = [f"{self.name}: {self.source}"]
        for f in fields(self):
            if f.name in ("name", "source", "bundled"):
                continue
            value = getattr(self, f.name)
            if value:
                parts.append(f"  {f.name}: {value}")
        if not self.bundled:
            parts.append("  bundled: no (intelcap may not redistribute it; the loader reads a "
                         "copy you supply with path= or INTELCAP_REFERENCE_DIR)")
        return "\n".join(parts)


# ------------------------------------------------------------------------------------------
# bundled files (gzip-compressed, verbatim copies of the published files)
# ------------------------------------------------------------------------------------------
def data_path(dataset: str, filename: str) -> Path:
    """Path of the compressed copy of ``filename`` bundled with ``dataset``."""
    path = _ROOT / dataset / "data" / f"{filename}.gz"
    if not path.is_file():
        raise DataError(f"bundled file {dataset}/{filename} is missing from the installed "
                        "intelcap package; reinstall intelcap")
    return path


def read_bytes(dataset: str, filename: str) -> bytes:
    """The original bytes of a bundled file."""
    return gzip.decompress(data_path(dataset, filename).read_bytes())


def read_csv(dataset: str, filename: str, **kwargs) -> pd.DataFrame:
    """Read a bundled CSV file with :func:`pandas.read_csv`."""
    return pd.read_csv(data_path(dataset, filename), compression="gzip", **kwargs)


def choose(parameter: str, value: str, valid: Iterable[str]) -> str:
    """Check that ``value`` is one of ``valid``; the error names the parameter."""
    valid = tuple(valid)
    if value not in valid:
        raise SpecificationError(f"{parameter}={value!r} is not recognised; valid values: "
                                 + ", ".join(repr(v) for v in valid))
    return value


# ------------------------------------------------------------------------------------------
# the reference folder (full public datasets, outside the package)
# ------------------------------------------------------------------------------------------
def reference_dir(required: bool = True) -> Path | None:
    """The folder of public reference datasets, or ``None`` if absent and not ``required``.

    Looked up, in order: the environment variable ``INTELCAP_REFERENCE_DIR`` (a folder with one
    sub-folder per dataset); ``INTELCAP_DATA_DIR`` or its ``reference`` sub-folder; a
    ``shared/reference`` folder in, or beside, the current working directory or one of its
    parents; one beside the installed package. Setting ``INTELCAP_REFERENCE_DIR`` to an empty
    string hides every reference folder (the tests use that to run as a user's machine would).
    """
    candidates: list[Path] = []
    env = os.environ.get("INTELCAP_REFERENCE_DIR")
    if env is not None and env.strip() == "":
        candidates = []
    else:
        if env:
            candidates.append(Path(env))
        env = os.environ.get("INTELCAP_DATA_DIR")
        if env:
            candidates += [Path(env) / "reference", Path(env)]
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            candidates.append(folder / "shared" / "reference")
            candidates.append(folder.parent / "shared" / "reference")
        for folder in _ROOT.parents:
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


def user_file(dataset: str, filename: str, path: str | os.PathLike[str] | None, *,
              folder: str, obtain: str) -> Path:
    """Locate a dataset intelcap does not ship: ``path=``, else the reference folder.

    ``path`` may name the file itself or a folder holding ``filename``. Without ``path`` the
    file is looked up as ``<reference folder>/<folder>/<filename>``.
    """
    how = (f"pass path= (the file {filename!r} or the folder holding it) or set "
           f"INTELCAP_REFERENCE_DIR to a folder holding {folder}/{filename}")
    if path is not None:
        p = Path(path)
        if p.is_dir():
            p = p / filename
        if not p.exists():
            raise DatasetNotAvailable(f"{dataset}: {p} does not exist; {how}. Obtain it from "
                                      f"{obtain}")
        return p
    root = reference_dir(required=False)
    if root is not None and (root / folder / filename).exists():
        return root / folder / filename
    raise DatasetNotAvailable(
        f"{dataset} is not bundled with intelcap (its terms do not allow redistribution); "
        f"{how}. Obtain it from {obtain}")


def bundled_data_dir() -> Path:
    """The project's own ``data/`` folder (in a source checkout) or its copy in the wheel."""
    pkg = _ROOT.parent
    for c in (pkg / "_bundled_data", pkg.parent / "data"):
        if c.is_dir():
            return c
    raise DataError("intelcap's bundled data folder is missing; reinstall the package")
