"""Public research datasets, as ``linearmodels.datasets`` and ``statsmodels.datasets`` ship them.

One module per dataset, each with ``load(...)`` returning a DataFrame with the documented index
(panels with their (entity, time) MultiIndex) and ``DESCR``, the dataset's source, licence,
citation, units and provenance (``PROVENANCE`` holds the same as a :class:`Provenance`)::

    from intelcap import datasets
    df = datasets.hansen1999.load()          # 565 firms x 14 years, index (id, year)
    print(datasets.hansen1999.DESCR)

Bundled with the package (public domain or openly licensed; compressed verbatim copies of the
published files, whose SHA-256 are listed in ``SHA256SUMS`` beside this module):
``hansen1999``, ``hansen2000``, ``mrw1992``, ``nist_strd``, ``bea_supply_use``,
``bea_depreciation``, ``bea_fixed_assets``, ``ppi_data_hosting``, ``penn_world_table``,
``epoch_hardware``, ``epoch_models``, ``epoch_llm_prices``, ``china_tokens``,
``published_values``; ``munnell`` is read from linearmodels, which ships it.

Not bundled, because no licence allows intelcap to redistribute them: ``openrouter_usage``,
``pstr``, ``prodest``, ``simonw_llm_prices``. Their loaders read a copy you supply, either with
``path=`` or from the folder named by the environment variable ``INTELCAP_REFERENCE_DIR`` (one
sub-folder per dataset), and otherwise raise :class:`DatasetNotAvailable` saying where to obtain
the file.

:func:`bundled_data_dir` is the folder of intelcap's own example economy (``data/``, used by
``intelcap adjust``); :func:`reference_dir` and :func:`reference_path` locate the optional
folder of full reference datasets.
"""

from __future__ import annotations

import importlib

from intelcap.datasets._base import (
    DatasetNotAvailable,
    Provenance,
    bundled_data_dir,
    reference_dir,
    reference_path,
)

BUNDLED: tuple[str, ...] = (
    "bea_depreciation", "bea_fixed_assets", "bea_supply_use", "china_tokens", "epoch_hardware",
    "epoch_llm_prices", "epoch_models", "hansen1999", "hansen2000", "mrw1992", "nist_strd",
    "penn_world_table", "ppi_data_hosting", "published_values",
)
"""Datasets shipped inside the package."""

NOT_BUNDLED: tuple[str, ...] = ("openrouter_usage", "prodest", "pstr", "simonw_llm_prices")
"""Datasets read from a user-supplied copy (``path=`` or ``INTELCAP_REFERENCE_DIR``)."""

_OTHER: tuple[str, ...] = ("munnell",)

__all__ = [
    "BUNDLED",
    "NOT_BUNDLED",
    "DatasetNotAvailable",
    "Provenance",
    "bundled_data_dir",
    "reference_dir",
    "reference_path",
    *sorted(BUNDLED + NOT_BUNDLED + _OTHER),
]


def __getattr__(name: str):
    if name in BUNDLED or name in NOT_BUNDLED or name in _OTHER:
        return importlib.import_module(f"intelcap.datasets.{name}")
    raise AttributeError(f"module 'intelcap.datasets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
