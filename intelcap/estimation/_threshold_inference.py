r"""Inference for the cross-section threshold model: eta^2 and the test of no threshold.

* :func:`eta_squared`: the heteroskedasticity scale of the LR statistic (Hansen 2000, sec. 3.4),

  .. math::

      \hat\eta^2 = \frac{E[(\hat\delta'x)^2 \hat e^2 \mid q = \hat\gamma]}
                        {E[(\hat\delta'x)^2 \mid q = \hat\gamma]\;\hat\sigma^2},

  the conditional means by Hansen's Epanechnikov kernel with his plug-in bandwidth or by a
  quadratic in :math:`q`.
* :class:`SupStatistic` and :func:`bootstrap_test`: the fixed-regressor bootstrap (Hansen 1996)
  of the homoskedastic sup-F, :math:`F_n(\gamma) = n\,(S_0 - S_n(\gamma)) / S_n(\gamma)`, and of
  the heteroskedasticity-robust sup-LM, :math:`LM_n(\gamma) = c(\gamma)'V(\gamma)^{-1}c(\gamma)`
  with :math:`c = \sum_i z_i(\gamma) e_i`, :math:`V = \sum_i z_i(\gamma) z_i(\gamma)' e_i^2`
  (:math:`z_i(\gamma)` the threshold regressors net of the null model's, see
  :mod:`intelcap.estimation._threshold_design`). A block of ``B`` replications is evaluated at
  once: the cumulative moments are one pass over an ``(n, B)`` array, the middle matrices are
  small matrix products per candidate, and the quadratic forms are solved by a Cholesky
  factorisation written out over the unique matrix elements, each element an array over
  (candidate, replication). This is the hot path of the bootstrap; the stacked
  ``numpy.linalg.solve`` it replaces costs about 2 microseconds per small system.

References
----------
Hansen, B. E. (1996). Inference when a nuisance parameter is not identified under the null
hypothesis. *Econometrica* 64(2), 413-430.

Hansen, B. E. (2000). Sample splitting and threshold estimation. *Econometrica* 68(3), 575-603.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import as_generator, progress_bar
from intelcap.estimation._threshold_design import CandidateMoments, RegimeDesign
from intelcap.estimation.results import TestStatistic
from intelcap.exceptions import IntelcapWarning

__all__ = ["SupStatistic", "ThresholdTest", "bootstrap_test", "eta_squared"]

_CHUNK_ELEMENTS = 1_000_000  # array elements per bootstrap block (cache and memory bound)
_MIN_CHUNK = 64  # replications per block at least (long rows keep the row-wise sums cheap)
_BLAS_THREADS = 1  # the bootstrap's matrix products are k(k+1)/2-sized: threads only cost
_CONTROLLER: list = []  # one threadpoolctl controller per process, created on first use


def _blas_limit():
    """Context limiting BLAS to ``_BLAS_THREADS`` threads during the bootstrap.

    The products inside are (k(k+1)/2)-square times (k(k+1)/2) x B: too small for threads to
    pay, and on a loaded machine a second BLAS thread made the bootstrap 2-3 times slower
    (benchmarks/bench_threshold_cross_section.py measures both settings)."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=_BLAS_THREADS, user_api="blas")
_SINGULAR_TOL = 1e-12  # Cholesky pivot relative to its diagonal below which V is singular


# ---------------------------------------------------------------------------------------------
# eta^2 (Hansen 2000, sec. 3.4)
# ---------------------------------------------------------------------------------------------
def quadratic_fit(q: np.ndarray, r: np.ndarray, g: float) -> tuple[float, float, float,
                                                                  np.ndarray]:
    """Least-squares quadratic r = a + b q + c q^2: its value and slope at ``g``, ``c`` and the
    fitted values. Computed on the standardised q, so that the result does not depend on the
    location and units of q through rounding."""
    mu, sd = q.mean(), q.std()
    z, zg = (q - mu) / sd, (g - mu) / sd
    a, b, c = np.linalg.lstsq(np.column_stack([np.ones_like(z), z, z**2]), r, rcond=None)[0]
    return (float(a + b * zg + c * zg**2), float((b + 2 * c * zg) / sd), float(c / sd**2),
            a + b * z + c * z**2)


def kernel_means(q: np.ndarray, r1: np.ndarray, r2: np.ndarray, ghat: float) -> tuple[float,
                                                                                      float]:
    """Hansen's (2000) kernel estimates of E[r1 | q = ghat] and E[r2 | q = ghat].

    Epanechnikov kernel; the bandwidth is the plug-in rule of Hansen's program: a pilot
    bandwidth 2.344 sd(q) n^(-1/5) for the density of q and its derivative at ghat, then
    h = s^2 / (4 f (m_2 + (m_1 + 2 m_2 ghat) f'/f)^2), with m the quadratic fit of r1 on q and
    s^2 its residual variance. This is the rule that reproduces Hansen's published intervals;
    note that it is not equivariant to the units of q (rescaling q changes h by more than the
    scale), whereas the quadratic estimate is.
    """
    n = q.shape[0]
    h0 = 2.344 * np.sqrt(np.mean((q - q.mean()) ** 2)) / n ** 0.2
    u = (ghat - q) / h0
    inside = u**2 <= 1
    f = np.mean((1 - u**2) * inside) * 0.75 / h0
    df = np.mean(u * inside) * 1.5 / h0**2
    _, slope, curv, fitted = quadratic_fit(q, r1, ghat)
    eps = r1 - fitted
    s2 = eps @ eps / (n - 3)
    h = s2 / (4 * f * (curv + slope * df / f) ** 2)
    u2 = ((ghat - q) / h) ** 2
    kh = (1 - u2) * 0.75 / h * (u2 <= 1)
    return float(np.mean(kh * r1)), float(np.mean(kh * r2))


def eta_squared(q: np.ndarray, effect: np.ndarray, resid: np.ndarray, ghat: float,
                method: str) -> tuple[float, str]:
    """:math:`\\hat\\eta^2` and the method actually used.

    ``effect`` is :math:`\\hat\\delta'x_i`, the jump of the regression function at the
    threshold; ``resid`` the residuals of the threshold fit. Falls back (with a warning) from the
    kernel to the quadratic estimate when no observation is within the plug-in bandwidth, and
    to :math:`\\eta^2 = 1` when the conditional moments are not positive.
    """
    sig2 = float(resid @ resid) / q.shape[0]
    r1 = effect**2
    r2 = r1 * resid**2
    used = method
    g1, g2 = quadratic_fit(q, r1, ghat)[0], quadratic_fit(q, r2, ghat)[0]
    if method == "kernel":
        with np.errstate(all="ignore"):
            kg1, kg2 = kernel_means(q, r1, r2, ghat)
        if np.isfinite(kg1) and np.isfinite(kg2) and kg1 > 0 and kg2 > 0:
            g1, g2 = kg1, kg2
        else:
            used = "quadratic"
            warnings.warn("the kernel estimate of eta^2 failed (no observation within the "
                          "plug-in bandwidth); the quadratic estimate is used instead",
                          IntelcapWarning, stacklevel=3)
    if not (g1 > 0 and g2 > 0 and np.isfinite(g2 / g1)):
        warnings.warn("eta^2 could not be estimated (non-positive conditional moments); "
                      "the heteroskedasticity-corrected LR equals the homoskedastic one",
                      IntelcapWarning, stacklevel=3)
        return 1.0, "none"
    return float((g2 / g1) / sig2), used


# ---------------------------------------------------------------------------------------------
# the sup statistics over the candidates, for blocks of residual vectors
# ---------------------------------------------------------------------------------------------
def _packed(k: int) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], int]]:
    iu, ju = np.triu_indices(k)
    return iu, ju, {(int(i), int(j)): p for p, (i, j) in enumerate(zip(iu, ju, strict=True))}


def _kron_packed(s: np.ndarray, m: int) -> np.ndarray:
    """Map of the packed (upper-triangle) W to packed S W S' for symmetric W: (G, kt', m')."""
    kt = s.shape[1]
    ti, tj, _ = _packed(kt)
    li, lj, _ = _packed(m)
    # coefficient of W_lm (l <= m) in (S W S')_ij: S_il S_jm + S_im S_jl, halved when l = m
    out = (s[:, ti][:, :, li] * s[:, tj][:, :, lj] + s[:, ti][:, :, lj] * s[:, tj][:, :, li])
    out[:, :, li == lj] *= 0.5
    return out


def _cholesky_quadform(v: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """c' V^{-1} c with V given by its packed upper triangle ``v`` (p x ...) and c (k x ...).

    A Cholesky factorisation written out element by element; each operation acts on whole
    arrays over (candidate, replication). NaN where V is not numerically positive definite.
    """
    _, _, pos = _packed(k)
    lo: dict[tuple[int, int], np.ndarray] = {}
    ys: list[np.ndarray] = []
    out = np.zeros(v.shape[1:])
    tmp = np.empty_like(out)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(k):
            vjj = v[pos[j, j]]
            d = vjj.copy()
            for m in range(j):
                np.multiply(lo[j, m], lo[j, m], out=tmp)
                d -= tmp
            d[~(d > _SINGULAR_TOL * vjj)] = np.nan
            np.sqrt(d, out=d)
            inv_d = 1.0 / d
            for i in range(j + 1, k):
                s = v[pos[j, i]].copy()
                for m in range(j):
                    np.multiply(lo[i, m], lo[j, m], out=tmp)
                    s -= tmp
                s *= inv_d
                lo[i, j] = s
            y = c[j].copy()
            for m in range(j):
                np.multiply(lo[j, m], ys[m], out=tmp)
                y -= tmp
            y *= inv_d
            ys.append(y)
            np.multiply(y, y, out=tmp)
            out += tmp
    return out


class SupStatistic:
    """The test statistic over the candidate thresholds, for any block of residual vectors.

    Built once per fit from the sorted regressors and the candidate moments; ``__call__(e)``
    with ``e`` the null model's residuals as an ``(n, B)`` array returns the statistic at every
    candidate, ``(G, B)``. Singular candidates give NaN.
    """

    def __init__(self, u: np.ndarray, design: RegimeDesign, mom: CandidateMoments,
                 het: bool) -> None:
        n, m = u.shape
        self.n = n
        self.het = het
        self.ends = mom.ends
        self.il = np.asarray(design.t_lower, dtype=int)
        self.ih = np.asarray(design.t_upper, dtype=int)
        self.kt = self.il.size + self.ih.size
        self.plain = self.ih.size == 0 and np.array_equal(self.il, np.arange(m))
        self.u = u
        if het:
            li, lj, _ = _packed(m)
            self.uu = u[:, li] * u[:, lj]  # n x m(m+1)/2: the packed U_i U_i'
            ka = _kron_packed(mom.sa, m)
            kb = _kron_packed(mom.sb, m)
            self.kd = np.ascontiguousarray(ka - kb)  # G x pt x pm, acts on W(g)
            self.kb = np.ascontiguousarray(kb.reshape(-1, kb.shape[-1]))  # acts on W_n
        else:
            self.linv = np.full_like(mom.a, np.nan)
            ok = mom.regular
            if ok.any():
                self.linv[ok] = np.linalg.inv(np.linalg.cholesky(mom.a[ok]))

    def _score(self, e: np.ndarray) -> np.ndarray:
        """c(g) = T(g)'e at the candidates: (G, kt, B)."""
        cu = _cumsum_rows(self.u[:, :, None] * e[:, None, :])  # n x m x B
        cc = cu[self.ends]
        if self.plain:  # every regressor switches: T(g) = U 1(q <= g)
            return cc
        return np.concatenate([cc[:, self.il], cu[-1, self.ih][None] - cc[:, self.ih]], axis=1)

    def __call__(self, e: np.ndarray) -> np.ndarray:
        g = self.ends.size
        b = e.shape[1]
        c = self._score(e)  # G x kt x B
        if not self.het:
            y = np.matmul(self.linv, c)  # G x kt x B
            s = np.einsum("gkb,gkb->gb", y, y)
            ee = np.einsum("ib,ib->b", e, e)
            with np.errstate(invalid="ignore", divide="ignore"):
                return self.n * s / (ee[None] - s)
        w = _cumsum_rows(self.uu[:, :, None] * (e * e)[:, None, :])  # n x pm x B
        v = np.matmul(self.kd, w[self.ends])  # G x pt x B
        v += (self.kb @ w[-1]).reshape(g, -1, b)
        v = np.ascontiguousarray(np.swapaxes(v, 0, 1))  # pt x G x B
        return _cholesky_quadform(v, np.ascontiguousarray(np.swapaxes(c, 0, 1)), self.kt)


def _cumsum_rows(a: np.ndarray) -> np.ndarray:
    """Cumulative sum over the first axis, in place.

    Long rows: one whole-row addition per observation (numpy's cumsum over the leading axis of
    such an array costs several times more); short rows: numpy's cumsum (the Python loop's
    per-row overhead would dominate)."""
    a = np.ascontiguousarray(a)
    flat = a.reshape(a.shape[0], -1)  # a view of the contiguous array
    if flat.shape[1] < 1024:
        np.cumsum(flat, axis=0, out=flat)
        return a
    for i in range(1, a.shape[0]):
        a[i] += a[i - 1]
    return a


class ThresholdTest(TestStatistic):
    """Test of no threshold: the sup statistic, its bootstrap p-value and its sequence.

    Besides :class:`TestStatistic`'s members: ``sequence`` (the statistic at each candidate
    threshold), ``threshold`` (the candidate where the sup is attained) and ``trim``.
    ``reps == 0`` (``bootstrap=0``) keeps the statistic with a NaN p-value.
    """

    def __init__(self, stat: float, pval: float, *, sequence: pd.Series, trim: float,
                 **kwargs: Any) -> None:
        super().__init__(stat, pval, **kwargs)
        self._sequence = sequence
        self._trim = float(trim)

    @property
    def sequence(self) -> pd.Series:
        """The statistic at each candidate threshold of the test."""
        return self._sequence.copy()

    @property
    def threshold(self) -> float:
        """The candidate threshold where the sup is attained."""
        return float(self._sequence.idxmax())

    @property
    def trim(self) -> float:
        """Trimming of the candidate set (fraction at each end)."""
        return self._trim


def bootstrap_test(u: np.ndarray, base: np.ndarray, e0: np.ndarray, design: RegimeDesign,
                   mom: CandidateMoments, q: np.ndarray, *, reps: int, het: bool, seed: Any,
                   progress: bool, qname: str, trim: float) -> ThresholdTest:
    """Sup-F (``het=False``) or robust sup-LM test of no threshold with its fixed-regressor
    bootstrap p-value (Hansen 1996): share of replications >= the statistic.

    ``u``: the distinct regressors, ``base``: the null model's regressors, ``e0``: its residuals
    (all sorted by q); ``mom``: moments at the test's candidates.
    """
    stat_fn = SupStatistic(u, design, mom, het)
    seq = stat_fn(e0[:, None])[:, 0]
    singular = ~np.isfinite(seq)
    if singular.any():
        warnings.warn(
            f"{int(singular.sum())} candidate split(s) on {qname!r} (first at "
            f"{float(q[mom.ends][singular][0]):g}) leave a regime whose regressors are "
            "collinear; they count as 0 in the sup statistic, as in Hansen's programs",
            IntelcapWarning, stacklevel=3)
    seq = np.where(singular, 0.0, seq)
    stat = float(seq.max())
    name = "sup-LM (robust)" if het else "sup-F"
    null = "no threshold (linear model)"
    sequence = pd.Series(seq, index=pd.Index(q[mom.ends], name=qname), name=name)
    dist = "fixed-regressor bootstrap (Hansen 1996)"
    boot = np.empty(reps)
    if reps:
        rng = as_generator(seed)
        n = u.shape[0]
        per = n * (u.shape[1] * (u.shape[1] + 1) // 2 + u.shape[1]) + mom.ends.size * (
            stat_fn.kt * (stat_fn.kt + 3))
        chunk = int(min(reps, max(_MIN_CHUNK, _CHUNK_ELEMENTS // per, 1)))
        qb = np.linalg.qr(base)[0] if base.shape[1] else np.zeros((n, 0))  # base: full rank
        done = 0
        bar = progress_bar(total=reps, desc="threshold bootstrap", progress=progress)
        try:
            with _blas_limit():
                while done < reps:
                    b = min(chunk, reps - done)
                    draws = np.ascontiguousarray(rng.standard_normal((b, n)).T)  # n x b
                    ystar = draws * e0[:, None] if het else draws
                    estar = ystar - qb @ (qb.T @ ystar)
                    st = stat_fn(estar)
                    st[~np.isfinite(st)] = 0.0  # structurally singular candidates (warned above)
                    boot[done:done + b] = st.max(axis=0)
                    done += b
                    bar.update(b)
        finally:
            bar.close()
        pval = float(np.mean(boot >= stat))
        crit: Mapping[float, float] = {lvl: float(np.quantile(boot, 1 - lvl))
                                       for lvl in (0.10, 0.05, 0.01)}
    else:
        pval, crit = float("nan"), {}
        dist += ": not run (bootstrap=0)"
    return ThresholdTest(stat, pval, sequence=sequence, trim=trim, null=null, dist_name=dist,
                         critical_values=crit, replications=boot, seed=seed, name=name)
