"""The logistic transition function and the grid of its start values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import (
    SpecificationError,
)

_CLIP = 50.0


def _logistic_parts(q: np.ndarray, gamma: float, c: np.ndarray, scale: float):
    """G, dG/dgamma and dG/dc_k (columns) of the order-m logistic function."""
    diff = q[:, None] - c[None, :]
    z = np.prod(diff, axis=1)
    eta = np.clip(gamma * z / scale, -_CLIP, _CLIP)
    g = 1.0 / (1.0 + np.exp(-eta))
    dens = g * (1.0 - g)
    dg_dgamma = dens * z / scale
    m = c.size
    dg_dc = np.empty((q.size, m))
    for k in range(m):
        others = np.prod(np.delete(diff, k, axis=1), axis=1) if m > 1 else np.ones(q.size)
        dg_dc[:, k] = -dens * gamma * others / scale
    return g, dg_dgamma, dg_dc


def logistic_transition(q: Any, gamma: float, c: float | Sequence[float],
                        scale: float = 1.0) -> Any:
    """Logistic transition :math:`G = 1 / (1 + \\exp(-\\gamma/s \\prod_k (q - c_k)))`.

    ``scale`` is :math:`s` (the normalisation, e.g. :math:`\\hat\\sigma_q^m`). Accepts scalars,
    arrays or a Series (returns the same kind).
    """
    c_arr = np.atleast_1d(np.asarray(c, dtype=float))
    arr = np.atleast_1d(np.asarray(q, dtype=float)).ravel()
    g = _logistic_parts(arr, float(gamma), c_arr, float(scale))[0]
    if isinstance(q, pd.Series):
        return pd.Series(g, index=q.index, name="G")
    if np.ndim(q) == 0:
        return float(g[0])
    return g.reshape(np.shape(q))


@dataclass(frozen=True)
class TransitionGrid:
    """Grid for the starting values of :math:`(\\gamma, c)`.

    Parameters
    ----------
    n_gamma : int
        Number of :math:`\\gamma` values, log-spaced on ``gamma_range``.
    gamma_range : (float, float)
        Range of (normalised) :math:`\\gamma`.
    n_c : int
        Number of location values, at equally spaced quantiles of :math:`q`.
    trim : float
        Share of :math:`q` left out at each end of the location grid.
    """

    n_gamma: int = 20
    gamma_range: tuple[float, float] = (0.5, 50.0)
    n_c: int = 25
    trim: float = 0.10

    def __post_init__(self) -> None:
        if self.n_gamma < 1 or self.n_c < 1:
            raise SpecificationError("TransitionGrid needs n_gamma >= 1 and n_c >= 1")
        lo, hi = self.gamma_range
        if not 0 < lo <= hi:
            raise SpecificationError(f"gamma_range must satisfy 0 < low <= high, got "
                                     f"{self.gamma_range}")
        if not 0 <= self.trim < 0.5:
            raise SpecificationError(f"trim must be in [0, 0.5), got {self.trim}")

    def gammas(self) -> np.ndarray:
        """The ``n_gamma`` slope values, log-spaced on ``gamma_range`` (normalised by the
        standard deviation of :math:`q`)."""
        return np.geomspace(self.gamma_range[0], self.gamma_range[1], self.n_gamma)

    def locations(self, q: np.ndarray, order: int) -> np.ndarray:
        """Candidate locations: ``n_c`` quantiles of ``q`` between ``trim`` and ``1 - trim``.

        Parameters
        ----------
        q : ndarray
            The transition variable.
        order : {1, 2}
            Number of location parameters (LSTR1 or LSTR2).

        Returns
        -------
        ndarray
            Shape ``(m, 1)`` for ``order=1``; for ``order=2`` every pair :math:`c_1 \\le c_2`
            of the distinct quantiles, shape ``(m, 2)``.
        """
        qs = np.unique(np.quantile(q, np.linspace(self.trim, 1 - self.trim, self.n_c)))
        if order == 1:
            return qs[:, None]
        i, j = np.triu_indices(qs.size)
        return np.column_stack([qs[i], qs[j]])
