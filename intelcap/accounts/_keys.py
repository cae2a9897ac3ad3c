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

import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

_LIMIT = 2 ** 62
_SMALL = 4096   # columns this short are coded by dict look-ups


# Sorted codes of text columns already computed (by validate_table), keyed by the column's
# immutable Arrow array: a column changed in any way is a new array (not found here), and an
# entry goes when its array does.
_TEXT_CODES: dict[int, tuple[weakref.ref[Any], np.ndarray, pd.Index]] = {}


def _arrow_of(values: object) -> Any:
    arr = values.array if isinstance(values, pd.Series) else values
    return getattr(arr, "_pa_array", None)


def remember_text_codes(values: pd.Series, codes: np.ndarray, uniques: Sequence[object]
                        ) -> None:
    """Keep the sorted ``codes`` (and distinct ``uniques``) of an Arrow-backed text column,
    for :func:`sorted_codes` to return while the column's array lives."""
    key_arr = _arrow_of(values)
    if key_arr is None or len(codes) != len(values):
        return
    k = id(key_arr)
    try:
        ref = weakref.ref(key_arr, lambda _r, k=k: _TEXT_CODES.pop(k, None))
    except TypeError:  # pragma: no cover - an array type without weak references
        return
    _TEXT_CODES[k] = (ref, compact(codes, len(uniques)),
                      pd.Index(np.asarray(uniques, dtype=object), dtype="str"))


def sorted_codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``values`` in the sorted order of its distinct values, and those values
    (integer codes; the codes kept for a validated text column are returned as they are)."""
    key_arr = _arrow_of(values)
    if key_arr is not None:
        hit = _TEXT_CODES.get(id(key_arr))
        if hit is not None and hit[0]() is key_arr:
            return hit[1], hit[2]
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


class KeyCoder:
    """Order-preserving integer codes of key columns over several frames."""

    def __init__(self, frames: Sequence[pd.DataFrame], columns: Sequence[str], *,
                 known: Mapping[str, tuple[np.ndarray, pd.Index]] | None = None,
                 uniques: Mapping[str, Sequence[object]] | None = None) -> None:
        """``known``: codes and distinct values (:func:`sorted_codes`) of the columns of
        ``frames[0]``, when the caller has them (they are not computed again); ``uniques``:
        the sorted distinct values of every column over every frame the coder will see,
        when the caller has them (the frames are then not scanned)."""
        self.columns = list(columns)
        self.uniques: dict[str, pd.Index] = {}
        self._known = dict(known or {})
        self._memo: dict[int, tuple[pd.DataFrame, np.ndarray]] = {}
        self._sorted: dict[int, tuple[pd.DataFrame, np.ndarray, np.ndarray | None]] = {}
        self._rows: dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame, np.ndarray]] = {}
        # codes of the key columns of frames keyed whole (not of frames[0], which has them
        # in ``known``), kept until forget()
        self._codes: dict[tuple[int, str], tuple[pd.DataFrame, np.ndarray]] = {}
        self._first = frames[0] if len(frames) else None
        for col in self.columns:
            if uniques is not None:
                self.uniques[col] = pd.Index(list(uniques[col]), dtype=object)
                continue
            seen: set[object] = set()
            for i, f in enumerate(frames):
                if col not in f.columns or not len(f):
                    continue
                if i == 0 and col in self._known:
                    seen.update(self._known[col][1].tolist())
                else:
                    # distinct values in the column's own dtype (cheap), then their union
                    seen.update(f[col].tolist() if len(f) <= _SMALL
                                else pd.Series(f[col]).unique().tolist())
            # an object Index: cheap to build from a few sorted values
            self.uniques[col] = pd.Index(sorted(seen, key=_sort_key), dtype=object)
        # value -> code, for look-ups of few distinct values (an Index.get_indexer costs far
        # more than a dict on the short arrays of an adjustment's entries and ledger)
        self._pos = {col: {v: i for i, v in enumerate(u.tolist())}
                     for col, u in self.uniques.items()}

    def codes(self, frame: pd.DataFrame, col: str) -> np.ndarray:
        """Codes of ``frame[col]`` (every value must be known to the coder), in the smallest
        integer dtype that holds them (:func:`compact`)."""
        memo = self._codes.get((id(frame), col))
        if memo is not None and memo[0] is frame:
            return memo[1]
        pos_of = self._pos[col]
        try:
            if frame is self._first and col in self._known:
                local, uniq = self._known[col]
            elif len(frame) <= _SMALL:
                # a short column: one dict look-up per value
                out = compact(np.fromiter((pos_of[v] for v in frame[col].tolist()),
                                          dtype=np.int64, count=len(frame)),
                              len(self.uniques[col]))
                self._codes[(id(frame), col)] = (frame, out)
                return out
            else:
                # distinct values once, then broadcast (a column repeats few values many times)
                local, uniq = pd.factorize(frame[col])
            pos = compact(np.fromiter((pos_of[v] for v in uniq.tolist()), dtype=np.int64,
                                      count=len(uniq)), len(self.uniques[col]))
        except KeyError:  # pragma: no cover - the coder is built over every frame used
            raise KeyError(f"value of {col!r} unknown to the key coder") from None
        out = pos[local]
        if frame is not self._first or len(frame) <= _SMALL:
            # the first (input) frame's codes are rebuilt from ``known`` rather than kept:
            # on a long table they would hold a row-sized array per column
            self._codes[(id(frame), col)] = (frame, out)
        return out

    def code_of(self, col: str, value: object) -> int:
        """The code of one ``value`` of ``col`` (-1 when no frame of the coder has it)."""
        return self._pos[col].get(value, -1)

    def remember_codes(self, frame: pd.DataFrame, col: str, codes: np.ndarray) -> None:
        """Record the codes of ``frame[col]`` (computed by the caller), until :meth:`forget`."""
        self._codes[(id(frame), col)] = (frame, codes)

    def key(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> np.ndarray:
        """One ``int64`` per row of ``frame``, ordered as the rows' values of ``columns``."""
        cols = self.columns if columns is None else list(columns)
        whole = cols == self.columns
        if whole and id(frame) in self._memo and self._memo[id(frame)][0] is frame:
            return self._memo[id(frame)][1]
        sizes = [len(self.uniques[c]) for c in cols]
        if frame is self._first:   # one column's codes at a time (a long table)
            out = combine((self.codes(frame, c) for c in cols), sizes)
        else:
            codes = [self.codes(frame, c) for c in cols]
            out = combine(codes, sizes)
            if whole:
                for c, k in zip(cols, codes, strict=True):
                    self._codes[id(frame), c] = (frame, k)
        if whole:
            self.remember(frame, out)
        return out

    def sort(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """The whole keys of ``frame`` in sorted order and the order that sorts them (None:
        already sorted), computed once and kept until :meth:`forget`."""
        memo = self._sorted.get(id(frame))
        if memo is None or memo[0] is not frame:
            key = self.key(frame)
            if len(key) > 1 and not (key[1:] >= key[:-1]).all():
                order = np.argsort(key, kind="stable")
                memo = (frame, key[order], order)
                if frame is self._first:   # kept sorted only (the order gives it back)
                    self._memo.pop(id(frame), None)
            else:
                memo = (frame, key, None)
            del key
            self._sorted[id(frame)] = memo
        return memo[1], memo[2]

    def find(self, frame: pd.DataFrame, query: np.ndarray) -> np.ndarray:
        """Position in ``frame``'s rows of every whole key in ``query``, -1 where absent
        (``frame``'s keys are distinct)."""
        skey, order = self.sort(frame)
        return lookup_sorted(skey, order, query)

    def find_rows(self, frame: pd.DataFrame, other: pd.DataFrame) -> np.ndarray:
        """:meth:`find` of the whole keys of ``other``'s rows, computed once (or given by
        :meth:`remember_rows`) and kept until ``other`` is forgotten."""
        memo = self._rows.get((id(frame), id(other)))
        if memo is not None and memo[0] is frame and memo[1] is other:
            return memo[2]
        pos = self.find(frame, self.key(other))
        self.remember_rows(frame, other, pos)
        return pos

    def remember_rows(self, frame: pd.DataFrame, other: pd.DataFrame, pos: np.ndarray
                      ) -> None:
        """Record the positions in ``frame`` of ``other``'s rows (:meth:`find_rows`)."""
        self._rows[id(frame), id(other)] = (frame, other, pos)

    def forget(self, frame: pd.DataFrame) -> None:
        """Drop the key of ``frame`` (and the frame) from the memo."""
        self._memo.pop(id(frame), None)
        self._sorted.pop(id(frame), None)
        for key in [k for k in self._rows if id(frame) in k]:
            del self._rows[key]
        for c in self.columns:
            self._codes.pop((id(frame), c), None)

    def remember(self, frame: pd.DataFrame, key: np.ndarray) -> None:
        """Record the key of ``frame`` (computed by the caller), for later :meth:`key` calls."""
        self._memo[id(frame)] = (frame, key)


class TableCodes:
    """Codes of a table's columns in the sorted order of their values, with the values:
    given by the caller, else by one factorization per column."""

    def __init__(self, t: pd.DataFrame,
                 given: Mapping[str, tuple[np.ndarray, object]] | None) -> None:
        self.t, self.given = t, given or {}

    def __call__(self, col: str) -> tuple[np.ndarray, object]:
        """The codes of column ``col`` and its distinct values, sorted."""
        if col in self.given:
            codes, uniq = self.given[col]
            if col == "period":   # only the periods the table has (a coder may know more)
                codes, used = used_codes(codes, len(uniq))
                if not used.all():
                    return codes, np.asarray(uniq, dtype=object)[used]
            return codes, uniq
        s = self.t[col]
        if len(s) <= _SMALL and s.dtype != np.int64:   # short column: numpy is cheaper
            uniq, codes = np.unique(s.to_numpy(dtype=object), return_inverse=True)
            return codes.reshape(-1), uniq
        codes, uniq = pd.factorize(s, sort=True)
        return codes, uniq


def text_array(values: np.ndarray | pd.Series) -> pd.api.extensions.ExtensionArray:
    """``pd.array(values, dtype="str")`` built from the distinct values: a column of codes
    repeats few values, and hashing the objects costs less than converting every one."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return pd.array(np.asarray(uniq, dtype=object), dtype="str").take(codes)


def text_categorical(values: np.ndarray | pd.Series) -> pd.Categorical:
    """A categorical of texts (categories sorted, ``str``): a few labels repeated over many
    rows, stored as one or two bytes a row."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(
        pd.Index(np.asarray(uniq, dtype=object), dtype="str")))


def categorical_of_codes(codes: np.ndarray, labels: Sequence[object]) -> pd.Categorical:
    """:func:`text_categorical` of ``labels[codes]`` (``labels`` distinct texts) from the
    codes: the categories are the labels that occur, sorted."""
    labels = np.asarray(labels, dtype=object)
    local, used = used_codes(np.asarray(codes), len(labels))
    present, rank = sort_labels(labels[used].tolist())
    return pd.Categorical.from_codes(
        compact(rank[local] if len(rank) else local, len(present)),
        dtype=pd.CategoricalDtype(pd.Index(np.asarray(present, dtype=object), dtype="str")))


class TextCodes:
    """Integer codes for a few distinct texts (rules, configuration keys), assigned as they
    are met: the labels stay distinct, one object each."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._pos: dict[str, int] = {}

    def code(self, text: str) -> int:
        c = self._pos.get(text)
        if c is None:
            c = self._pos[text] = len(self.labels)
            self.labels.append(text)
        return c

    def codes(self, values: object) -> np.ndarray:
        """Codes of an array of texts (or of one text repeated: pass a str and a length
        through :meth:`code` instead)."""
        local, uniq = pd.factorize(np.asarray(values, dtype=object) if not isinstance(
            values, (pd.Series, pd.api.extensions.ExtensionArray)) else values)
        pos = np.fromiter((self.code(str(v)) for v in uniq.tolist()), dtype=np.int32,
                          count=len(uniq))
        return pos[local]


def lookup(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position in ``keys`` (distinct int64) of every ``query`` value, -1 where absent.

    By binary search in sorted keys (tables are usually in key order already; otherwise one
    stable argsort): no hash tables, linear-logarithmic, deterministic.
    """
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
        order = np.argsort(keys, kind="stable")
        skeys = keys[order]
    else:
        order, skeys = None, keys
    return lookup_sorted(skeys, order, query)


def lookup_sorted(skeys: np.ndarray, order: np.ndarray | None, query: np.ndarray
                  ) -> np.ndarray:
    """:func:`lookup` in keys already sorted: ``skeys`` (``keys[order]``, or ``keys`` itself
    when ``order`` is None)."""
    query = np.asarray(query, dtype=np.int64)
    if len(skeys) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(skeys, query), len(skeys) - 1)
    hit = skeys[at] == query
    pos = at if order is None else order[at]
    return np.where(hit, pos, -1)


def duplicated(key: np.ndarray) -> np.ndarray:
    """Rows whose int64 key another row shares (``keep=False``), by one sort."""
    n = len(key)
    if n < 2:
        return np.zeros(n, dtype=bool)
    if (key[1:] > key[:-1]).all():
        return np.zeros(n, dtype=bool)
    order = np.argsort(key, kind="stable")
    k = key[order]
    same = k[1:] == k[:-1]
    dup_sorted = np.zeros(n, dtype=bool)
    dup_sorted[1:] |= same
    dup_sorted[:-1] |= same
    out = np.empty(n, dtype=bool)
    out[order] = dup_sorted
    return out


def group_sums(key: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per row, the number of rows (or the sum of ``weights``) of its int64 key, by one
    sort (no hash table)."""
    n = len(key)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if n == 0:
        return w
    order = np.argsort(key, kind="stable")
    k = key[order]
    start = np.ones(n, dtype=bool)
    start[1:] = k[1:] != k[:-1]
    run = np.cumsum(start) - 1
    sums = np.bincount(run, weights=w[order])
    out = np.empty(n)
    out[order] = sums[run]
    return out


def isin(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """``np.isin`` for int64 keys (binary search in the sorted distinct ``among``)."""
    return lookup(union_sorted(np.asarray(among, dtype=np.int64)), values) >= 0


def union_sorted(*keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values of int64 key arrays (one sort, no hash)."""
    k = np.sort(np.concatenate(keys), kind="stable")
    if len(k) == 0:
        return k
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = k[1:] != k[:-1]
    return k[keep]


def combine(codes: Iterable[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """Mixed-radix combination of code arrays, order preserving, without overflow (the
    arrays may come one at a time from an iterator)."""
    key: np.ndarray | None = None
    span = 1
    for c, n in zip(codes, sizes, strict=True):
        if key is None:
            key = np.zeros(len(c), dtype=np.int64)
        n = max(int(n), 1)
        if span * n >= _LIMIT:  # re-rank what we have (order preserving) and go on
            uniq, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64)
            span = max(len(uniq), 1)
        key *= n
        key += c
        span *= n
    return key if key is not None else np.zeros(0, dtype=np.int64)


def unique_inverse(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for keys in ``range(space)``: by marking the
    keys present when the range is not much larger than the keys (no sort)."""
    key = np.asarray(key)
    if len(key) and space <= 4 * len(key) + (1 << 20):
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        rank = np.cumsum(seen) - 1
        return np.flatnonzero(seen), rank[key]
    ukey, inv = np.unique(key, return_inverse=True)
    return ukey, inv.reshape(-1)


def used_codes(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered over the values that occur (order kept), and which of the ``n``
    values occur."""
    used = np.bincount(codes, minlength=n) > 0
    if used.all():
        return codes, used
    rank = np.cumsum(used) - 1
    return rank[codes], used


def compact(codes: np.ndarray, n: int) -> np.ndarray:
    """``codes`` (of ``n`` distinct values, -1 allowed) in the smallest signed integer dtype
    that holds them: a key column's codes held for a long table cost one or two bytes a
    row instead of eight."""
    dtype = np.int8 if n < 2 ** 7 else np.int16 if n < 2 ** 15 else (
        np.int32 if n < 2 ** 31 else np.int64)
    return np.asarray(codes).astype(dtype, copy=False)


def sort_labels(values: Sequence[object]) -> tuple[list[object], np.ndarray]:
    """``values`` (distinct) in the coder's sorted order, and the rank of each of them."""
    order = sorted(range(len(values)), key=lambda i: _sort_key(values[i]))
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return [values[i] for i in order], rank


def _sort_key(v: object) -> tuple[int, object]:
    # a key column holds one kind of value (int periods or str codes); keep ints before str
    return (0, v) if isinstance(v, (int, np.integer)) else (1, str(v))
