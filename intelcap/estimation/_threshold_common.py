"""Pieces shared by the threshold estimators: the LR critical value and LR confidence sets.

Hansen (2000, Econometrica 68(3), eq. 17 and Table 1): the asymptotic distribution of the
likelihood ratio statistic for the threshold, LR_n(g) = n (S(g) - S(g_hat)) / S(g_hat), has
P(xi <= x) = (1 - exp(-x/2))^2, so the critical value at level ``a`` is
c(a) = -2 ln(1 - sqrt(a)) (7.35 at 95 %). The confidence set is {g : LR_n(g) <= c(a)}.
"""

from __future__ import annotations

import numpy as np

from intelcap.exceptions import IntelcapValueError

__all__ = ["lr_confidence_set", "lr_critical_value", "lr_pvalue"]


def lr_critical_value(level: float = 0.95) -> float:
    """Critical value c(level) = -2 ln(1 - sqrt(level)) of Hansen's (2000) LR distribution."""
    if not 0 < level < 1:
        raise IntelcapValueError(f"level must be in (0, 1), got {level}")
    return float(-2.0 * np.log1p(-np.sqrt(level)))


def lr_pvalue(lr: float | np.ndarray) -> np.ndarray | float:
    """Asymptotic p-value 1 - (1 - exp(-LR/2))^2 of an LR statistic for the threshold."""
    lr = np.asarray(lr, dtype=float)
    p = 1.0 - (1.0 - np.exp(-np.maximum(lr, 0.0) / 2.0)) ** 2
    return float(p) if p.ndim == 0 else p


def lr_confidence_set(
    grid: np.ndarray, lr: np.ndarray, level: float = 0.95
) -> tuple[float, float]:
    """Smallest and largest grid values with LR(g) <= c(level) (Hansen 2000, sec. 3.3).

    Like Hansen's programs, the interval is reported as [min, max] of the accepted grid points,
    which covers the set even when it is not connected.
    """
    grid = np.asarray(grid, dtype=float)
    lr = np.asarray(lr, dtype=float)
    if grid.shape != lr.shape:
        raise IntelcapValueError(f"grid and lr differ in shape: {grid.shape} vs {lr.shape}")
    accept = lr <= lr_critical_value(level)
    if not accept.any():
        raise IntelcapValueError("no grid point is inside the confidence set")
    return float(grid[accept].min()), float(grid[accept].max())
