r"""Market concentration: HHI, concentration ratios, entropy, antitrust bands, and bounds on the
HHI when only the top k firms are observed.

Shares are fractions of the market (they need not sum to one when only part of the market is
listed). The HHI is reported on the antitrust scale 0-10,000 (shares in percent, squared).

.. math:: HHI = \sum_i (100\, s_i)^2, \qquad CR_k = \sum_{i \le k} s_{(i)}, \qquad
          H = -\sum_i s_i \ln s_i

Bands (``bands="2023"``, U.S. DOJ/FTC Merger Guidelines 2023, section 2.1): HHI above 1,800
"highly concentrated", 1,000-1,800 "moderately concentrated", below 1,000 "unconcentrated".
``bands="2010"`` gives the 2010 Horizontal Merger Guidelines' 1,500 and 2,500 thresholds.

**Only the top k observed.** If the listed shares :math:`s_1 \ge \dots \ge s_k` are the top k
and the rest :math:`R = 1 - \sum s_i` is unobserved, every unobserved firm has a share of at most
:math:`s_k`. Then

.. math:: \sum_{i\le k} s_i^2 \;\le\; HHI \;\le\; \sum_{i\le k} s_i^2 + \lfloor R/s_k \rfloor
          s_k^2 + (R - \lfloor R/s_k \rfloor s_k)^2

the lower bound reached when the tail is split among infinitely many small firms (or
:math:`R^2/m` added when the number ``m`` of unobserved firms is known), the upper bound when the
tail is packed into as few firms of size :math:`s_k` as possible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import check_choice
from intelcap.exceptions import DataError, IntelcapValueError

__all__ = ["BANDS", "Concentration", "concentration", "cr", "entropy", "hhi", "hhi_bounds"]

#: Antitrust HHI bands: name -> ((upper bound of "unconcentrated", lower bound of "highly"),
#: source).
BANDS: dict[str, tuple[tuple[float, float], str]] = {
    "2023": ((1000.0, 1800.0), "U.S. DOJ/FTC Merger Guidelines (2023), section 2.1"),
    "2010": ((1500.0, 2500.0), "U.S. DOJ/FTC Horizontal Merger Guidelines (2010), section 5.3"),
}


def _shares(values: Any, *, normalize: bool) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise DataError("no market shares given")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        label = values.index[pos] if isinstance(values, pd.Series) else pos
        raise DataError(f"shares/volumes must be finite and non-negative; {arr[pos]!r} at row "
                        f"{label!r}")
    if normalize:
        tot = arr.sum()
        if tot <= 0:
            raise DataError("volumes sum to zero: no market to measure")
        return arr / tot
    if arr.sum() > 1 + 1e-9:
        raise DataError(f"shares sum to {arr.sum():.6g} > 1; pass normalize=True for volumes")
    return arr


def hhi(values: Any, *, normalize: bool = True) -> float:
    r"""Herfindahl-Hirschman index on the 0-10,000 scale, :math:`\sum_i (100 s_i)^2`.

    ``values`` are volumes (normalised to shares, the default) or shares (``normalize=False``,
    which may sum to less than one when part of the market is unlisted; see
    :func:`hhi_bounds`).
    """
    s = _shares(values, normalize=normalize)
    return float(1e4 * (s @ s))


def cr(values: Any, k: int = 4, *, normalize: bool = True) -> float:
    """Concentration ratio: the combined share of the ``k`` largest firms (a fraction)."""
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise IntelcapValueError(f"k must be a positive integer, got {k!r}")
    s = np.sort(_shares(values, normalize=normalize))[::-1]
    return float(s[:k].sum())


def entropy(values: Any, *, normalize: bool = True) -> float:
    r"""Shannon entropy of the shares, :math:`-\sum_i s_i \ln s_i` (nats); ``exp`` of it is the
    "numbers-equivalent" count of equal-sized firms."""
    s = _shares(values, normalize=normalize)
    s = s[s > 0]
    return float(-(s * np.log(s)).sum())


def hhi_bounds(top_shares: Any, *, n_unobserved: int | None = None) -> tuple[float, float]:
    """Bounds on the true HHI (0-10,000) given only the top-k shares (fractions of the whole).

    See the module docstring for the formula. ``n_unobserved``, if known, raises the lower
    bound to an equal split of the tail among that many firms (and caps the upper bound).
    """
    s = np.sort(_shares(top_shares, normalize=False))[::-1]
    base = float(s @ s)
    rest = max(0.0, 1.0 - float(s.sum()))
    if rest <= 1e-15:
        return 1e4 * base, 1e4 * base
    smin = float(s[-1])
    if smin <= 0:
        raise DataError("the smallest observed share is zero: the tail is not bounded")
    full = math.floor(rest / smin + 1e-12)
    left = max(rest - full * smin, 0.0)
    n_pack = full + (1 if left > 1e-15 else 0)
    if n_unobserved is not None:
        if n_unobserved < 1:
            raise IntelcapValueError(f"n_unobserved must be >= 1, got {n_unobserved}")
        if n_unobserved * smin < rest - 1e-12:
            raise DataError(f"{n_unobserved} unobserved firms of at most {smin:.4g} cannot "
                            f"hold the unobserved share {rest:.4g}")
        lower = base + rest**2 / n_unobserved
        # with m firms, pack as many as possible at smin; others share the leftover
        upper = base + full * smin**2 + left**2 if n_pack <= n_unobserved else math.nan
        return 1e4 * lower, 1e4 * upper
    return 1e4 * base, 1e4 * (base + full * smin**2 + left**2)


def _band(value: float, bands: str) -> str:
    (lo, hi), _ = BANDS[bands]
    if value > hi:
        return "highly concentrated"
    if value >= lo:
        return "moderately concentrated"
    return "unconcentrated"


@dataclass(frozen=True)
class Concentration:
    """Concentration measures of one market (see :func:`concentration`)."""

    hhi: float
    cr: dict[int, float]
    entropy: float
    n_firms: int
    band: str
    bands_source: str
    coverage: float
    hhi_range: tuple[float, float]
    caveats: list[str] = field(default_factory=list)

    def as_series(self) -> pd.Series:
        """The measures as one Series (HHI with its bounds, CR-k, entropy, coverage, band)."""
        data: dict[str, Any] = {"hhi": self.hhi, "hhi_lower": self.hhi_range[0],
                                "hhi_upper": self.hhi_range[1]}
        data.update({f"cr{k}": v for k, v in self.cr.items()})
        data.update(entropy=self.entropy, n_firms=self.n_firms, coverage=self.coverage,
                    band=self.band)
        return pd.Series(data, name="concentration")

    def __str__(self) -> str:
        crs = ", ".join(f"CR{k} {100 * v:.1f}%" for k, v in self.cr.items())
        lines = [f"HHI {self.hhi:,.0f} ({self.band}; {self.bands_source}); {crs}; "
                 f"entropy {self.entropy:.3f} ({self.n_firms} firms, coverage "
                 f"{100 * self.coverage:.1f}%)"]
        if self.hhi_range[0] != self.hhi_range[1]:
            lines.append(f"true HHI between {self.hhi_range[0]:,.0f} and "
                         f"{self.hhi_range[1]:,.0f}")
        lines += [f"caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def concentration(values: Any, *, total: float | None = None, ks: tuple[int, ...] = (1, 4, 8),
                  bands: str = "2023", top_k_only: bool | None = None,
                  n_unobserved: int | None = None) -> Concentration:
    """HHI, CR-k, entropy and the antitrust band of a market.

    Parameters
    ----------
    values : array-like or Series
        Volumes (tokens, revenue) of the listed firms or models.
    total : float, optional
        Size of the whole market when the listed firms are only part of it (the OpenRouter
        top 10 of a platform total). Shares are then ``values / total`` and the HHI is
        reported with bounds (:func:`hhi_bounds`) and a caveat; the point ``hhi`` is the
        lower bound's counterpart that treats the tail as atomistic.
    ks : tuple of int
        Concentration ratios to report.
    bands : {"2023", "2010"}
        Which merger guidelines' HHI thresholds classify the market.
    top_k_only : bool, optional
        Whether the listed firms are the top k (default: ``total`` is given). Only then do the
        bounds hold.
    n_unobserved : int, optional
        Number of unlisted firms, if known.
    """
    check_choice("bands", bands, BANDS)
    raw = np.asarray(values, dtype=float).ravel()
    _shares(values, normalize=True)
    if total is None:
        s = raw / raw.sum()
        coverage = 1.0
    else:
        if not (np.isfinite(total) and total > 0):
            raise IntelcapValueError(f"total must be positive, got {total!r}")
        if raw.sum() > total * (1 + 1e-9):
            raise DataError(f"listed volumes sum to {raw.sum():.6g}, above total={total:.6g}")
        s = raw / total
        coverage = float(s.sum())
    top_k_only = total is not None if top_k_only is None else top_k_only
    caveats: list[str] = []
    h = float(1e4 * (s @ s))
    if coverage < 1 - 1e-12:
        if top_k_only:
            rng = hhi_bounds(s, n_unobserved=n_unobserved)
            caveats.append(
                f"only the top {s.size} are observed ({100 * coverage:.1f}% of the total); "
                f"the HHI lies between {rng[0]:,.0f} and {rng[1]:,.0f} depending on how the "
                "unobserved tail is split")
            band = _band(rng[0], bands) if _band(rng[0], bands) == _band(rng[1], bands) else (
                f"between '{_band(rng[0], bands)}' and '{_band(rng[1], bands)}'")
        else:
            rng = (h, math.nan)
            caveats.append(f"the listed firms cover {100 * coverage:.1f}% of the total and "
                           "are not known to be the largest: the HHI is a lower bound only")
            band = "undetermined"
    else:
        rng = (h, h)
        band = _band(h, bands)
    srt = np.sort(s)[::-1]
    crs = {int(k): float(srt[:k].sum()) for k in ks}
    pos = s[s > 0]
    ent = float(-(pos * np.log(pos)).sum())
    return Concentration(hhi=h, cr=crs, entropy=ent, n_firms=int(s.size), band=band,
                         bands_source=BANDS[bands][1], coverage=coverage, hhi_range=rng,
                         caveats=caveats)
