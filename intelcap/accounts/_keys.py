"""Integer codes for the key columns of long national-accounts tables (internal).

Joins, sorts and group sums on five string key columns cost seconds per million rows; on one
``int64`` per row they cost milliseconds. :class:`KeyCoder` gives every value of each key
column a code in *sorted* order (so integer order is the order of the values), over the union
of every frame it is built from, and combines the codes of the columns into one ``int64`` per
row by mixed radix, re-ranking (order-preserving) whenever the radix product would overflow.
The combined key therefore sorts exactly as the lexicographic order of the key columns, which
is what :func:`intelcap.accounts.tables.sort_table` and the ledger need.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_LIMIT = 2 ** 62


def sorted_codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``values`` in the sorted order of its distinct values, and those values."""
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


class KeyCoder:
    """Order-preserving integer codes of key columns over several frames."""

    def __init__(self, frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.uniques: dict[str, pd.Index] = {}
        for col in self.columns:
            parts = [f[col] for f in frames if col in f.columns and len(f)]
            if not parts:
                self.uniques[col] = pd.Index([])
                continue
            # distinct values of each frame first (cheap, in the column's own dtype), then
            # of their union, sorted
            seen: set[object] = set()
            for p in parts:
                seen.update(pd.Series(p).unique().tolist())
            self.uniques[col] = pd.Index(sorted(seen, key=_sort_key))

    def codes(self, frame: pd.DataFrame, col: str) -> np.ndarray:
        """Codes of ``frame[col]`` (every value must be known to the coder)."""
        values = frame[col]
        # distinct values once, then broadcast (a column repeats few values many times)
        local, uniq = pd.factorize(values)
        pos = self.uniques[col].get_indexer(pd.Index(uniq))
        if (pos < 0).any():  # pragma: no cover - the coder is built over every frame used
            raise KeyError(f"value of {col!r} unknown to the key coder")
        return pos.astype(np.int64)[local]

    def key(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> np.ndarray:
        """One ``int64`` per row of ``frame``, ordered as the rows' values of ``columns``."""
        cols = self.columns if columns is None else list(columns)
        return combine([self.codes(frame, c) for c in cols],
                       [len(self.uniques[c]) for c in cols])


def isin(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """``np.isin`` for int64 keys through pandas' hash table (faster on large arrays)."""
    return pd.Series(values, dtype=np.int64).isin(among).to_numpy()


def union_sorted(*keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values of int64 key arrays (one sort, no hash)."""
    k = np.sort(np.concatenate(keys), kind="stable")
    if len(k) == 0:
        return k
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = k[1:] != k[:-1]
    return k[keep]


def combine(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """Mixed-radix combination of code arrays, order preserving, without overflow."""
    key = np.zeros(len(codes[0]) if len(codes) else 0, dtype=np.int64)
    span = 1
    for c, n in zip(codes, sizes, strict=True):
        n = max(int(n), 1)
        if span * n >= _LIMIT:  # re-rank what we have (order preserving) and go on
            uniq, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64)
            span = max(len(uniq), 1)
        key = key * n + c
        span *= n
    return key


def _sort_key(v: object) -> tuple[int, object]:
    # a key column holds one kind of value (int periods or str codes); keep ints before str
    return (0, v) if isinstance(v, (int, np.integer)) else (1, str(v))
