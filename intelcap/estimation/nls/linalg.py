"""Dense linear algebra of the NLS optimiser: blocked tall-skinny products (the BLAS
workaround), CholeskyQR2, and the column-scaled QR/SVD factor of the Jacobian."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla

from intelcap.estimation.nls.config import _EPS

_CHOLQR_MIN_ROWS = 20_000


_BLOCK = 2048


def _tdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` for a tall ``a``, accumulated over row blocks (or by einsum for a vector b).

    Each BLAS call then stays below OpenBLAS's multithreading threshold: for tall, skinny
    products (memory-bound) threads gain little, and on a loaded machine their spin-waiting made
    these products ~50 times slower than single-threaded ones.
    """
    n = a.shape[0]
    if b.ndim == 1:
        return np.einsum("ij,i->j", a, b)
    if n <= _BLOCK:
        return a.T @ b
    out = a[:_BLOCK].T @ b[:_BLOCK]
    for lo in range(_BLOCK, n, _BLOCK):
        out += a[lo:lo + _BLOCK].T @ b[lo:lo + _BLOCK]
    return out


def _ssq(v: np.ndarray) -> float:
    """Sum of squares without a (threaded) BLAS call, see :func:`_tdot`."""
    return float(np.einsum("i,i->", v, v))


def _rdot(a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``a @ m`` for a tall ``a`` and a small square ``m``, by row blocks (see :func:`_tdot`)."""
    n = a.shape[0]
    if n <= _BLOCK:
        return a @ m
    out = np.empty((n, m.shape[1]), order="F")
    for lo in range(0, n, _BLOCK):
        out[lo:lo + _BLOCK] = a[lo:lo + _BLOCK] @ m
    return out


def _inv_upper(r: np.ndarray) -> np.ndarray:
    """Inverse of a small nonsingular upper-triangular matrix (LAPACK ``dtrtri``)."""
    inv, info = sla.lapack.dtrtri(r, lower=0)
    if info != 0:
        raise np.linalg.LinAlgError("singular triangular factor")
    return inv


def _cholesky_qr2(a: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Thin QR of a tall, column-scaled matrix by CholeskyQR2 (Yamamoto et al. 2015).

    Two passes of Cholesky QR, all in level-3 BLAS: for tall matrices several times faster than
    Householder QR, and as accurate (orthogonality and residual to rounding) whenever the
    condition number is below about :math:`10^{7}`; otherwise ``(None, None)`` is returned and
    the caller uses Householder QR.
    """
    try:
        r1 = np.linalg.cholesky(_tdot(a, a)).T
        d = np.abs(np.diag(r1))
        if d.min() <= 1e-7 * d.max():
            return None, None
        # Q = A R^{-1} as one level-3 product with the inverse of the small p x p triangle
        # (a triangular solve with n right-hand sides is several times slower for tall A)
        q1 = _rdot(a, _inv_upper(r1))
        r2 = np.linalg.cholesky(_tdot(q1, q1)).T
        q = _rdot(q1, _inv_upper(r2))
    except np.linalg.LinAlgError:
        return None, None
    return q, r2 @ r1


@dataclass
class _Factor:
    """Column-scaled Jacobian J/norms = Q U diag(s) V' (thin QR, then the SVD of the p x p R).

    Built from J itself (:meth:`of`), or for tall, well-conditioned Jacobians from the
    cross-products :math:`J'J` and :math:`J'e` that the optimiser already holds
    (:meth:`from_cross`); Q is then not formed and ``qtr`` holds :math:`Q'e`.
    """

    q: np.ndarray | None
    u: np.ndarray
    s: np.ndarray
    vt: np.ndarray
    norms: np.ndarray
    nrows: int = 0
    qtr: np.ndarray | None = None

    @classmethod
    def of(cls, J: np.ndarray) -> _Factor:
        norms = np.linalg.norm(J, axis=0)
        norms = np.where(norms > 0, norms, 1.0)
        js = J / norms
        q, r = _cholesky_qr2(js) if js.shape[0] >= _CHOLQR_MIN_ROWS else (None, None)
        if q is None:
            q, r = np.linalg.qr(js)
        u, s, vt = np.linalg.svd(r)
        return cls(q, u, s, vt, norms, J.shape[0])

    @classmethod
    def from_cross(cls, A: np.ndarray, g: np.ndarray, nrows: int) -> _Factor | None:
        """From :math:`A = J'J` and :math:`g = J'e`, or ``None`` if that is not accurate.

        With :math:`D = \\mathrm{diag}(A)^{1/2}` and the Cholesky factor
        :math:`D^{-1}AD^{-1} = R'R`, :math:`R` is the triangular factor of the QR of
        :math:`JD^{-1}` and :math:`Q'e = R^{-T}D^{-1}g`. Forming the cross-product squares the
        condition number, so this is used only when the scaled Jacobian's condition number is
        below ``_CROSS_MAX_COND`` (relative error of the results then below about
        :math:`10^{-8}`); otherwise the caller factors J itself (CholeskyQR2 or Householder).
        """
        d2 = np.diag(A)
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(g)) and np.all(d2 > 0)):
            return None
        norms = np.sqrt(d2)
        try:
            r = np.linalg.cholesky(A / np.outer(norms, norms)).T
        except np.linalg.LinAlgError:
            return None
        u, s, vt = np.linalg.svd(r)
        if not s[-1] * _CROSS_MAX_COND > s[0]:
            return None
        qtr = sla.solve_triangular(r, g / norms, trans="T")
        return cls(None, u, s, vt, norms, nrows, qtr)

    def full_rank(self) -> bool:
        """Whether every singular value exceeds the rank tolerance of :meth:`inv_s`."""
        s = self.s
        return bool(s.size and s[-1] > s[0] * max(self.nrows, s.shape[0]) * _EPS)

    def inv_s(self) -> np.ndarray:
        s = self.s
        tol = s[0] * max(self.nrows, s.shape[0]) * _EPS
        return np.where(s > tol, 1.0 / np.where(s > tol, s, 1.0), 0.0)

    def q_t(self, r: np.ndarray) -> np.ndarray:
        """:math:`Q'r` (``r`` the residuals the factor was built with, when Q is not held)."""
        return self.qtr if self.q is None else _tdot(self.q, r)

    def solve(self, qr_: np.ndarray) -> np.ndarray:
        """Minimum-norm least-squares solution of J d = r given Q'r."""
        return ((self.vt.T * self.inv_s()) @ (self.u.T @ qr_)) / self.norms

    def inv_cross(self) -> np.ndarray:
        """(J'J)^{-1}; only meaningful when :meth:`full_rank` (else a pseudo-inverse, which
        the covariance never uses: it asks the registry's rank-revealing bread instead)."""
        core = (self.vt.T * self.inv_s() ** 2) @ self.vt
        return core / np.outer(self.norms, self.norms)


#: largest condition number of the scaled Jacobian for which the diagnostics and the covariance
#: are computed from the cross-product J'J (see :meth:`_Factor.from_cross`)
_CROSS_MAX_COND = 1e4


def _gauss_newton_step(r: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, _Factor]:
    """Minimum-norm solution of J d = r and the factorisation used."""
    f = _Factor.of(J)
    return f.solve(f.q_t(r)), f


_CONTROLLER: Any = None


def blas_single_thread():
    """Context manager running BLAS at one thread (threadpoolctl).

    The long-data path of NLS does only tall, skinny products (memory-bound, a few microseconds
    each): BLAS threads gain nothing there, and on a loaded machine their spin-waiting made a fit
    several times slower. The controller (a scan of the loaded libraries) is built once.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
