r"""Regime structure and concentrated least squares of the cross-section threshold model.

The general model has regressors of three kinds (Hansen 2000, sec. 2; the SETAR of tsDyn with
``mL``/``mH`` is the special case of lagged regressors):

.. math::

    y_i = x_{L,i}'\beta_L \, 1(q_i \le \gamma) + x_{H,i}'\beta_H \, 1(q_i > \gamma)
          + z_i'\delta + e_i ,

``x_L`` the regressors of the lower regime, ``x_H`` those of the upper regime (the two sets may
differ) and ``z`` regressors whose coefficient does not switch. The column space at
:math:`\gamma` is that of :math:`[B, T(\gamma)]` with the *base* :math:`B = [z, x_C]` (``x_C``
the regressors in both regimes) and the *threshold part*
:math:`T(\gamma) = [x_L 1(q \le \gamma), x_{H\setminus L} 1(q > \gamma)]`. With :math:`e_0` the
residuals of :math:`y` on :math:`B` and :math:`P(\gamma) = T'B (B'B)^{-1}`,

.. math::

    S_n(\gamma) = S_0 - c(\gamma)' A(\gamma)^{-1} c(\gamma), \quad c = T'e_0, \quad
    A = T'T - T'B (B'B)^{-1} B'T = \sum_i z_i(\gamma) z_i(\gamma)',
    \quad z_i(\gamma) = T_i(\gamma) - P(\gamma) B_i .

Every block is a cumulative sum over the data sorted by :math:`q`, so the whole profile costs one
pass and one small solve per candidate. With :math:`U` the distinct regressor columns, writing
:math:`z_i(\gamma) = S_a(\gamma) U_i` for :math:`q_i \le \gamma` and :math:`S_b(\gamma) U_i`
above gives, for any weights :math:`w_i`,

.. math::

    \sum_i w_i z_i z_i' = S_a W(\gamma) S_a' + S_b (W_n - W(\gamma)) S_b', \qquad
    W(\gamma) = \sum_{q_i \le \gamma} w_i U_i U_i' ,

which is :math:`A` for :math:`w = 1` and the robust middle matrix of the LM test for
:math:`w = e^2` (:mod:`intelcap.estimation._threshold_inference`). When every regressor switches
(the model of Hansen 2000), :math:`B = x`, :math:`T = x 1(q\le\gamma)` and these are Hansen's
formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from intelcap.exceptions import SpecificationError

__all__ = ["RegimeDesign", "candidate_ends", "regime_design", "ssr_profile"]


@dataclass(frozen=True)
class RegimeDesign:
    """Which regressor columns enter which regime (positions in the regressor list).

    ``lower``/``upper``: regressors with a coefficient in the lower / upper regime;
    ``common``: regressors with one coefficient in both. Derived: ``base`` (the null model's
    regressors: ``common`` and the regressors of both regimes), ``t_lower`` and ``t_upper`` (the
    threshold part).
    """

    names: tuple[str, ...]
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    common: tuple[int, ...]

    @property
    def base(self) -> tuple[int, ...]:
        both = [j for j in self.lower if j in self.upper]
        return tuple(sorted({*self.common, *both}))

    @property
    def t_lower(self) -> tuple[int, ...]:
        return self.lower

    @property
    def t_upper(self) -> tuple[int, ...]:
        return tuple(j for j in self.upper if j not in self.lower)

    @property
    def standard(self) -> bool:
        """Every regressor switches (Hansen's model)."""
        k = len(self.names)
        return self.lower == self.upper == tuple(range(k)) and not self.common

    @property
    def n_params(self) -> int:
        return len(self.lower) + len(self.upper) + len(self.common)

    @property
    def min_regime_obs(self) -> int:
        """Observations each regime needs: at least its own regressors."""
        return max(len(self.lower), len(self.upper), 1)


def regime_design(names: Sequence[str], lower: Sequence[str] | None,
                  upper: Sequence[str] | None,
                  nonswitching: Sequence[str] | None) -> RegimeDesign:
    """Validate the regime specification and return its :class:`RegimeDesign`."""
    names = tuple(names)
    pos = {n: j for j, n in enumerate(names)}

    def _resolve(spec: Sequence[str] | None, what: str) -> tuple[int, ...] | None:
        if spec is None:
            return None
        if isinstance(spec, str):
            spec = [spec]
        spec = [str(s) for s in spec]
        unknown = [s for s in spec if s not in pos]
        if unknown:
            raise SpecificationError(f"{what} names unknown regressor(s) {unknown}; the "
                                     f"regressors are {list(names)}")
        if len(set(spec)) != len(spec):
            raise SpecificationError(f"{what} names a regressor twice: {spec}")
        return tuple(sorted(pos[s] for s in spec))

    common = _resolve(nonswitching, "nonswitching") or ()
    switching = tuple(j for j in range(len(names)) if j not in common)
    lo = _resolve(lower, "lower")
    hi = _resolve(upper, "upper")
    lo = switching if lo is None else lo
    hi = switching if hi is None else hi
    clash = [names[j] for j in (*lo, *hi) if j in common]
    if clash:
        raise SpecificationError(f"regressor(s) {sorted(set(clash))} are listed as "
                                 "nonswitching and in a regime; choose one")
    unused = [names[j] for j in range(len(names)) if j not in (*lo, *hi, *common)]
    if unused:
        raise SpecificationError(f"regressor(s) {unused} enter no regime; add them to lower, "
                                 "upper or nonswitching, or leave them out of exog")
    if not lo and not hi:
        raise SpecificationError("no regressor switches regime: there is no threshold to "
                                 "estimate")
    return RegimeDesign(names, lo, hi, tuple(common))


def candidate_ends(q: np.ndarray) -> np.ndarray:
    """Positions (in q sorted ascending) of the last observation of each block of ties."""
    return np.flatnonzero(np.r_[q[1:] != q[:-1], True])


def _regular(m: np.ndarray, scale: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """True where the (column-scaled) symmetric matrices have full rank."""
    safe = np.where(scale > 0, scale, 1.0)
    ms = m / np.outer(safe, safe)
    ev = np.linalg.eigvalsh(ms)
    return ev[..., 0] > tol * np.maximum(ev[..., -1], np.finfo(float).tiny)


def solve_quadforms(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """c' a^{-1} c for stacks of small systems (the matrices are checked regular first)."""
    sol = np.linalg.solve(a, c[..., None])[..., 0]
    return np.einsum("...k,...k->...", c, sol)


@dataclass(frozen=True)
class CandidateMoments:
    """The per-candidate matrices of the threshold part at the split ends ``ends``.

    ``sa``, ``sb``: :math:`S_a(\\gamma)`, :math:`S_b(\\gamma)` (G x kt x m); ``a``: :math:`A`;
    ``regular``: whether the full design at the candidate has full rank.
    """

    ends: np.ndarray
    sa: np.ndarray
    sb: np.ndarray
    a: np.ndarray
    regular: np.ndarray


def candidate_moments(u: np.ndarray, design: RegimeDesign, ends: np.ndarray,
                      m_cum: np.ndarray) -> CandidateMoments:
    """:math:`S_a`, :math:`S_b` and :math:`A(\\gamma)` at the candidates (sorted data).

    ``m_cum`` is the cumulative sum of :math:`U_i U_i'` over the sorted data.
    """
    m = u.shape[1]
    il, ih, ib = list(design.t_lower), list(design.t_upper), list(design.base)
    kl, kt = len(il), len(il) + len(ih)
    mt = m_cum[-1]
    mc = m_cum[ends]
    g = ends.size
    # T'B at each candidate: lower rows from the cumulated, upper rows from the rest
    tb = np.concatenate([mc[:, il][:, :, ib], (mt - mc)[:, ih][:, :, ib]], axis=1)
    if ib:
        p = tb @ np.linalg.inv(mt[np.ix_(ib, ib)])  # G x kt x kb
    else:
        p = np.zeros((g, kt, 0))
    sa = np.zeros((g, kt, m))
    sb = np.zeros((g, kt, m))
    sa[:, np.arange(kl), il] = 1.0
    sb[:, kl + np.arange(len(ih)), ih] = 1.0
    sa[:, :, ib] -= p
    sb[:, :, ib] -= p
    # A = T'T - T'B (B'B)^{-1} B'T; T'T is block diagonal (the regimes do not overlap)
    a = np.zeros((g, kt, kt))
    a[:, :kl, :kl] = mc[:, il][:, :, il]
    a[:, kl:, kl:] = (mt - mc)[:, ih][:, :, ih]
    if ib:
        a -= p @ np.swapaxes(tb, 1, 2)
    tscale = np.sqrt(np.r_[np.diag(mt)[il], np.diag(mt)[ih]])
    regular = _regular(a, tscale)
    if design.standard:
        # Hansen's check, kept exactly: both regimes' X'X of full rank
        scale = np.sqrt(np.diag(mt))
        regular = _regular(mc, scale) & _regular(mt - mc, scale)
    return CandidateMoments(ends, sa, sb, a, regular)


def ssr_profile(u: np.ndarray, e0: np.ndarray, s0: float, design: RegimeDesign,
                mom: CandidateMoments) -> np.ndarray:
    """:math:`S_n(\\gamma)` at the candidates; NaN where the design is singular."""
    il, ih = list(design.t_lower), list(design.t_upper)
    cu = np.cumsum(u * e0[:, None], axis=0)
    cc = cu[mom.ends]
    c = np.concatenate([cc[:, il], (cu[-1] - cc)[:, ih]], axis=1)
    out = np.full(mom.ends.size, np.nan)
    ok = mom.regular
    if ok.any():
        out[ok] = s0 - solve_quadforms(mom.a[ok], c[ok])
    return out
