"""The within (fixed-effects) transformation, defined once for every panel estimator.

For an entity (group) code :math:`i` of each row and an array :math:`a` with one row per
observation, the within transformation subtracts each entity's mean over its own rows:

.. math::

    \\tilde a_{it} = a_{it} - \\bar a_i, \\qquad
    \\bar a_i = \\frac{1}{T_i} \\sum_{s=1}^{T_i} a_{is},

with :math:`T_i` the number of rows of entity *i* (unbalanced panels demean every entity with
its own :math:`T_i`; Wooldridge 2010, *Econometric Analysis of Cross Section and Panel Data*,
2nd ed., sec. 17.3). The operator is a symmetric idempotent projection, so
:math:`\\tilde a'b = \\tilde a'\\tilde b` for any ``b``.

Implementation: the entity sums are one ``numpy.add.reduceat`` over rows grouped by entity
(rows need not be sorted: a stable sort permutation is computed once per :class:`Within`
and reused), vectorised over all columns at once; no Python loop over entities or columns.
"""

from __future__ import annotations

import numpy as np

from intelcap.exceptions import IntelcapTypeError, IntelcapValueError

__all__ = ["Within", "demean"]


class Within:
    """Within transformation for a fixed assignment of rows to entities.

    Parameters
    ----------
    codes : array_like of int, shape (n,)
        Entity of each row. Any non-negative integers; they need not be contiguous or sorted.

    Attributes
    ----------
    n_entities : int
        Number of distinct entities.
    counts : ndarray of int, shape (n_entities,)
        :math:`T_i`, rows per entity, in the order of the sorted distinct codes.
    inverse : ndarray of int, shape (n,)
        Position of each row's entity in ``counts`` (``0 .. n_entities - 1``).

    Examples
    --------
    >>> w = Within([0, 0, 1, 1, 1])
    >>> w.demean([1.0, 3.0, 2.0, 4.0, 6.0])
    array([-1.,  1., -2.,  0.,  2.])
    """

    def __init__(self, codes: np.ndarray | list[int]) -> None:
        codes = np.asarray(codes)
        if codes.ndim != 1:
            raise IntelcapValueError(f"entity codes must be one-dimensional, got shape "
                                     f"{codes.shape}")
        if codes.shape[0] == 0:
            raise IntelcapValueError("entity codes are empty: no rows to demean")
        if not np.issubdtype(codes.dtype, np.integer):
            raise IntelcapTypeError(f"entity codes must be integers, got dtype {codes.dtype} "
                                    "(factorize the entity labels first)")
        if codes.min() < 0:
            bad = int(np.flatnonzero(codes < 0)[0])
            raise IntelcapValueError(f"entity codes must be >= 0; row {bad} has {codes[bad]}")
        self.n = codes.shape[0]
        is_sorted = bool(np.all(codes[1:] >= codes[:-1]))
        # rows grouped by entity: identity for sorted codes, else one stable sort
        self._perm = None if is_sorted else np.argsort(codes, kind="stable")
        grouped = codes if is_sorted else codes[self._perm]
        first = np.r_[True, grouped[1:] != grouped[:-1]]
        self.starts = np.flatnonzero(first)
        self.counts = np.diff(np.r_[self.starts, self.n])
        self.n_entities = int(self.starts.shape[0])
        inv_grouped = np.cumsum(first) - 1
        if is_sorted:
            self.inverse = inv_grouped
        else:
            self.inverse = np.empty(self.n, dtype=np.int64)
            self.inverse[self._perm] = inv_grouped
        self._sorted = is_sorted

    def _check(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        if a.ndim == 0 or a.shape[0] != self.n:
            raise IntelcapValueError(f"array to demean has {a.shape[0] if a.ndim else 0} rows, "
                                     f"the entity codes {self.n}")
        return a

    def sums(self, a: np.ndarray) -> np.ndarray:
        """Entity sums :math:`\\sum_t a_{it}`, shape ``(n_entities,) + a.shape[1:]``."""
        a = self._check(a)
        grouped = a if self._sorted else a[self._perm]
        return np.add.reduceat(grouped, self.starts, axis=0)

    def means(self, a: np.ndarray) -> np.ndarray:
        """Entity means :math:`\\bar a_i`, shape ``(n_entities,) + a.shape[1:]``."""
        s = self.sums(a)
        return s / self.counts.reshape((-1,) + (1,) * (s.ndim - 1))

    def demean(self, a: np.ndarray) -> np.ndarray:
        """Within-transformed copy :math:`a_{it} - \\bar a_i` of ``a`` (n,) or (n, k)."""
        a = self._check(a)
        m = self.means(a)
        if self._sorted:
            return a - np.repeat(m, self.counts, axis=0)
        return a - m[self.inverse]

    __call__ = demean


def demean(a: np.ndarray, codes: np.ndarray | list[int]) -> np.ndarray:
    """Within transformation of ``a`` by entity ``codes`` (see :class:`Within`).

    Parameters
    ----------
    a : array_like, shape (n,) or (n, k)
        Values, one row per observation.
    codes : array_like of int, shape (n,)
        Entity of each row.

    Returns
    -------
    ndarray
        :math:`a_{it} - \\bar a_i`, same shape as ``a``. Build a :class:`Within` once instead
        when demeaning several arrays with the same codes.
    """
    return Within(codes).demean(a)
