"""Bureau scale: invoice microdata, streaming aggregation, and Dask beyond one machine.

- :mod:`~intelcap.scale.invoices`: invoice or survey microdata summed to the spending table of
  :func:`intelcap.accounts.capitalize` (:func:`aggregate_invoices`), capitalization shares by
  firm class (:func:`class_shares`) and the perpetual inventory by firm class
  (:func:`pim_by_class`), from a pandas DataFrame, CSV/Parquet files read in chunks (bounded
  memory) or a Dask DataFrame, with the same pandas result.
- :mod:`~intelcap.scale.bootstrap`: threshold and panel-threshold bootstrap replications in
  fixed blocks with their own seeds, spread over Dask workers (:func:`bootstrap_tests`): the
  same seed gives the same p-values on any number of workers.
- :mod:`~intelcap.scale.cluster`: connecting to a running Dask scheduler with a timeout and a
  clear error (:func:`connect`).

Dask is optional (``pip install "intelcap[dask]"``); nothing here imports it at import time.
"""

from intelcap.scale.bootstrap import bootstrap_tests, seed_blocks
from intelcap.scale.cluster import connect
from intelcap.scale.invoices import (
    INVOICE_COLUMNS,
    TABLE_KEYS,
    aggregate_invoices,
    class_shares,
    invoice_paths,
    is_dask_collection,
    pim_by_class,
    spending_from_invoices,
)

__all__ = [
    "INVOICE_COLUMNS",
    "TABLE_KEYS",
    "aggregate_invoices",
    "bootstrap_tests",
    "class_shares",
    "connect",
    "invoice_paths",
    "is_dask_collection",
    "pim_by_class",
    "seed_blocks",
    "spending_from_invoices",
]
