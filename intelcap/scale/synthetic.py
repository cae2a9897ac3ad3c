r"""Synthetic invoice microdata for tests, benchmarks and capacity planning.

Each partition :math:`j` of a synthetic file is drawn from its own stream
``numpy.random.default_rng([seed, j])``, so a partition is the same wherever and whenever it is
made: a Dask worker can generate its partitions itself (nothing is shipped from the client and
no process ever holds all rows), and a test can regenerate any partition to check a result.
Amounts are whole currency units (integers below :math:`2^{53}` stored as float64), so every
sum of them is exact in any order.

The layout mimics an e-invoice register: :math:`F` firms, each with a fixed sector (S11, S12,
S13, S15), industry (one of 20 ISIC sections) and size class, buying one of three products
(model-API services, cloud computing, other software services) in one of the periods.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import IntelcapTypeError, SpecificationError

__all__ = ["CLASSES", "INDUSTRIES", "PRODUCTS", "SECTORS", "synthetic_invoices",
           "synthetic_invoices_dask"]

SECTORS: tuple[str, ...] = ("S11", "S12", "S13", "S15")
INDUSTRIES: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSU")
PRODUCTS: tuple[str, ...] = ("AI_API", "CLOUD", "SOFTWARE")
CLASSES: tuple[str, ...] = ("micro", "small", "medium", "large")


def _check_int(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise IntelcapTypeError(f"{name} must be an int, got {v!r}")
    if v < low:
        raise SpecificationError(f"{name} must be >= {low}, got {v}")
    return int(v)


def _firm_table(n_firms: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, 2**31 - 1])
    sector = rng.choice(len(SECTORS), n_firms, p=[0.80, 0.08, 0.09, 0.03])
    industry = rng.integers(0, len(INDUSTRIES), n_firms)
    size = rng.choice(len(CLASSES), n_firms, p=[0.6, 0.25, 0.1, 0.05])
    return sector, industry, size


def synthetic_invoices(
    n_rows: int,
    *,
    seed: int = 0,
    partition: int = 0,
    n_firms: int = 100_000,
    periods: tuple[int, int] = (2020, 2026),
    categorical: bool = False,
) -> pd.DataFrame:
    """One partition of synthetic invoices.

    Parameters
    ----------
    n_rows : int
        Invoices in this partition.
    seed, partition : int
        The partition's stream is ``default_rng([seed, partition])``; the firm register
        (sector, industry, class of each firm) depends on ``seed`` only.
    n_firms : int
        Firms in the register.
    periods : (int, int)
        First and last year.
    categorical : bool
        Code columns as pandas categoricals (else strings).

    Returns
    -------
    pandas.DataFrame
        Columns firm, sector, industry, product, period, amount, firm_class.
    """
    n_rows = _check_int("n_rows", n_rows, 0)
    seed = _check_int("seed", seed, 0)
    partition = _check_int("partition", partition, 0)
    n_firms = _check_int("n_firms", n_firms, 1)
    first, last = periods
    sector, industry, size = _firm_table(n_firms, seed)
    rng = np.random.default_rng([seed, partition])
    firm = rng.integers(0, n_firms, n_rows)
    product = rng.choice(len(PRODUCTS), n_rows, p=[0.3, 0.5, 0.2])
    period = rng.integers(first, last + 1, n_rows)
    amount = np.floor(rng.lognormal(4.0, 1.5, n_rows)) + 1.0  # whole units: exact sums

    def codes(idx: np.ndarray, labels: tuple[str, ...]) -> Any:
        cat = pd.Categorical.from_codes(idx, categories=list(labels))
        return cat if categorical else np.asarray(labels, dtype=object)[idx]

    return pd.DataFrame({
        "firm": firm,
        "sector": codes(sector[firm], SECTORS),
        "industry": codes(industry[firm], INDUSTRIES),
        "product": codes(product, PRODUCTS),
        "period": period,
        "amount": amount,
        "firm_class": codes(size[firm], CLASSES),
    })


def synthetic_invoices_dask(
    n_rows: int,
    npartitions: int,
    *,
    seed: int = 0,
    n_firms: int = 100_000,
    periods: tuple[int, int] = (2020, 2026),
) -> Any:
    """A Dask DataFrame of ``n_rows`` synthetic invoices made on the workers.

    Partition :math:`j` is ``synthetic_invoices(rows_j, seed=seed, partition=j, ...)`` with the
    rows spread as evenly as possible; nothing is materialised on the client.

    Returns
    -------
    dask.dataframe.DataFrame
    """
    from intelcap._optional import import_optional

    dd = import_optional("dask.dataframe", "dask", "synthetic_invoices_dask")
    n_rows = _check_int("n_rows", n_rows, 1)
    npartitions = _check_int("npartitions", npartitions, 1)
    sizes = [n_rows // npartitions + (j < n_rows % npartitions) for j in range(npartitions)]
    meta = synthetic_invoices(0, seed=seed, n_firms=n_firms, periods=periods)
    return dd.from_map(_make_partition, list(range(npartitions)), sizes, meta=meta,
                       seed=seed, n_firms=n_firms, periods=periods, enforce_metadata=False)


def _make_partition(partition: int, rows: int, *, seed: int, n_firms: int,
                    periods: tuple[int, int]) -> pd.DataFrame:
    return synthetic_invoices(rows, seed=seed, partition=partition, n_firms=n_firms,
                              periods=periods)
