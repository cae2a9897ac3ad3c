"""Numerical engine of the fixed-effects panel threshold estimator (Hansen 1999).

Everything here works on arrays sorted by (entity, time); :mod:`panel_threshold` handles the
pandas boundary. No OLS is refitted per candidate threshold.

Notation. Rows are all observations of the estimation sample; ``kept`` marks the rows that enter
the least-squares criterion (all rows, or all but each entity's last demeaned period in Hansen's
own program). ``tr(v)`` demeans ``v`` within each entity over all its ``T_i`` rows. A *kept
vector* is a full-length array that is zero on the dropped rows. For the regime-dependent
regressors ``r`` and the candidate threshold ``g`` the thresholded regressor is the kept vector
``D(g) = kept * tr(r * 1(q < g))`` (or ``1(q <= g)``). Because ``tr`` is symmetric and idempotent,
for any kept vector ``v``

.. math::

    D(g)'v = \\sum_{q_{it} < g} r_{it}\\, \\mathrm{tr}(v)_{it},

a cumulative sum in the order of ``q``. Only the entity-mean part of ``D(g)'D(g)`` needs an
update as an observation crosses ``g``:

.. math::

    D(g)'D(g) = \\sum_{kept,\\,q<g} r r' - \\sum_i (m_i S_i' + S_i m_i') + \\sum_i n_i m_i m_i',

with :math:`m_i = T_i^{-1}\\sum_{t: q_{it}<g} r_{it}`, :math:`S_i` the same sum over kept rows
and :math:`n_i` the number of kept rows of entity *i*.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy import sparse

from intelcap.estimation._within import Within

# elements of the (rows x replications) block of bootstrap residuals handled at once: 2 MiB of
# doubles, so a block stays in a core's cache while the sparse and dense products read it, and
# the bootstrap's working memory does not grow with the panel (cost linear in n)
_CHUNK = 2 ** 18
_CHUNK_REPS = 300  # replications the chunks are sized for (PanelBootstrap's default block)

_CONTROLLER: Any = None


def _controller() -> Any:
    """threadpoolctl's controller, built once per process (building one costs about 10 ms)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


_KERNELS: Any = None
_BLOCK = 32  # entities per block of the compiled pass (measured: 8-64 alike at 1x the firms)


def _build_kernels() -> Any:
    """Compile (or load from numba's on-disk cache) the two bootstrap kernels; ``False``
    without numba."""
    try:
        import numba
    except ImportError:
        return False

    @numba.njit(cache=True, nogil=True)
    def kernel(ehat, t_len, src, seg_of, r_pad, wy_pad, ent_ee, ent_mean, wy_sum, seg_out,
               dense_out, ee_out):  # pragma: no cover (compiled)
        reps = src.shape[0]
        n_ent = src.shape[1]
        k2 = r_pad.shape[0]
        n_seg = seg_out.shape[0] // k2
        n_dense = wy_pad.shape[0]
        means = ent_mean.shape[0] > 0
        buf = np.empty(reps)
        srcb = np.empty((_BLOCK, reps), dtype=np.int64)
        # blocks of entities, period by period inside a block: the gathers of a period read
        # one row of tr(e) (N numbers), which stays in cache while the block's entities
        # draw from it (entity by entity, all periods, the whole (T, N) table was hot)
        for i0 in range(0, n_ent, _BLOCK):
            i1 = min(n_ent, i0 + _BLOCK)
            t_block = 0
            for i in range(i0, i1):
                s = srcb[i - i0]
                for b in range(reps):
                    s[b] = src[b, i]
                for b in range(reps):
                    ee_out[b] += ent_ee[s[b]]
                if means:  # the entity means of e that tr(e) leaves out (dropped rows)
                    for b in range(reps):
                        buf[b] = ent_mean[s[b]]
                    for c in range(n_dense):
                        w = wy_sum[i, c]
                        out = dense_out[c]
                        for b in range(reps):
                            out[b] += w * buf[b]
                t_block = max(t_block, t_len[i])
            for t in range(t_block):
                row = ehat[t]
                for i in range(i0, i1):
                    if t >= t_len[i]:
                        continue
                    s = srcb[i - i0]
                    for b in range(reps):
                        buf[b] = row[s[b]]
                    k = seg_of[t, i]
                    if k >= 0:
                        for a in range(k2):
                            ra = r_pad[a, t, i]
                            out = seg_out[a * n_seg + k]
                            for b in range(reps):
                                out[b] += ra * buf[b]
                    for c in range(n_dense):
                        w = wy_pad[c, t, i]
                        out = dense_out[c]
                        for b in range(reps):
                            out[b] += w * buf[b]

    @numba.njit(cache=True, nogil=True)
    def finish(seg, prefix_of, cyp, cw, coef_t, inv, mask, norm2, c_out, best,
               arg):  # pragma: no cover (compiled)
        k2 = cyp.shape[1]
        n_grid = prefix_of.shape[0]
        reps = seg.shape[1]
        n_seg = seg.shape[0] // k2
        npar = coef_t.shape[0]
        for a in range(k2):  # prefix sums over the segments, in place
            for k in range(1, n_seg):
                prev = seg[a * n_seg + k - 1]
                cur = seg[a * n_seg + k]
                for b in range(reps):
                    cur[b] += prev[b]
        x = np.empty(reps)
        search = k2 == 1
        for b in range(reps):
            best[b] = np.inf
            arg[b] = 0
        for j in range(n_grid):
            k = prefix_of[j]
            for a in range(k2):
                row = cw[j * k2 + a]
                for b in range(reps):
                    x[b] = row[0] * coef_t[0, b]
                for p in range(1, npar):
                    w = row[p]
                    cp = coef_t[p]
                    for b in range(reps):
                        x[b] += w * cp[b]
                base = cyp[j, a]
                out = c_out[j, a]
                if k >= 0:
                    pref = seg[a * n_seg + k]
                    for b in range(reps):
                        out[b] = pref[b] + (base - x[b])
                else:
                    for b in range(reps):
                        out[b] = 0.0 + (base - x[b])
            if search and mask[j]:
                v = inv[j]
                out = c_out[j, 0]
                for b in range(reps):
                    s = norm2[b] - out[b] * out[b] * v
                    if s < best[b]:
                        best[b] = s
                        arg[b] = j

    @numba.njit(cache=True, nogil=True)
    def cum(v, order, r_sorted, counts, out):  # pragma: no cover (compiled)
        n = order.shape[0]
        m = v.shape[1]
        k2 = r_sorted.shape[1]
        n_grid = counts.shape[0]
        acc = np.zeros((k2, m))
        j = 0
        while j < n_grid and counts[j] <= 0:
            j += 1
        for pos in range(n):
            if j >= n_grid:
                break
            row = order[pos]
            for a in range(k2):
                ra = r_sorted[pos, a]
                for c in range(m):
                    acc[a, c] += ra * v[row, c]
            while j < n_grid and counts[j] - 1 == pos:
                for a in range(k2):
                    for c in range(m):
                        out[j, a, c] = acc[a, c]
                j += 1

    @numba.njit(cache=True, nogil=True)
    def dd(r, kept, t_row, codes, ent_order, order, nkept, counts,
           out):  # pragma: no cover (compiled)
        n = r.shape[0]
        k2 = r.shape[1]
        n_grid = counts.shape[0]
        delta = np.zeros((n, k2, k2))  # by row
        cs1 = np.zeros(k2)  # running sums over all rows in entity order (numpy's cumsum)
        cs2 = np.zeros(k2)
        base1 = np.zeros(k2)
        base2 = np.zeros(k2)
        ma = np.empty(k2)
        sa = np.empty(k2)
        mb = np.empty(k2)
        sb = np.empty(k2)
        prev = -1
        for idx in range(n):
            row = ent_order[idx]
            kf = 1.0 if kept[row] else 0.0
            for a in range(k2):
                a1 = r[row, a] / t_row[row]
                a2 = r[row, a] * kf
                cs1[a] += a1
                cs2[a] += a2
                if codes[row] != prev:  # an entity's first row: the base of its sums
                    base1[a] = cs1[a] - a1
                    base2[a] = cs2[a] - a2
                ma[a] = cs1[a] - base1[a]
                sa[a] = cs2[a] - base2[a]
                mb[a] = ma[a] - a1
                sb[a] = sa[a] - a2
            prev = codes[row]
            nk = nkept[codes[row]]
            for a in range(k2):
                for b in range(k2):
                    fa = -(ma[a] * sa[b] + ma[b] * sa[a]) + nk * (ma[a] * ma[b])
                    fb = -(mb[a] * sb[b] + mb[b] * sb[a]) + nk * (mb[a] * mb[b])
                    delta[row, a, b] = (fa - fb) + kf * (r[row, a] * r[row, b])
        acc = np.zeros((k2, k2))
        j = 0
        while j < n_grid and counts[j] <= 0:
            j += 1
        for pos in range(n):
            if j >= n_grid:
                break
            row = order[pos]
            for a in range(k2):
                for b in range(k2):
                    acc[a, b] += delta[row, a, b]
            while j < n_grid and counts[j] - 1 == pos:
                for a in range(k2):
                    for b in range(k2):
                        out[j, a, b] = acc[a, b]
                j += 1

    return kernel, finish, cum, dd


def _kernels() -> Any:
    global _KERNELS
    if _KERNELS is None:
        _KERNELS = _build_kernels()
    return _KERNELS


def fused_kernel() -> Any:
    """The compiled one-pass bootstrap kernel (numba, the ``fast`` extra), or ``None``.

    For every target entity *i*, period *t* and replication *b* it reads the drawn residual
    :math:`\\mathrm{tr}(e)_{t, src_b(i)}` once and adds it, weighted, to the segment sums
    (``r`` times it, into the row of the segment of the q order that holds row (i, t)) and to
    the dense products (``[W, y_p]`` times it): the gather, the sparse and the dense product
    of the numpy path in one pass, without writing the B x n matrix. Each sum runs over blocks
    of ``_BLOCK`` entities, period by period inside a block (one row of tr(e) in cache at a
    time), whatever the split of the replications. The drawn
    entities' ``e'e`` and (with dropped rows) their means' products are added per entity.
    Compiled once per machine (numba's on-disk cache); without numba the numpy path runs
    instead.
    """
    k = _kernels()
    return k[0] if k else None


def finish_kernel() -> Any:
    """The compiled assembly of ``c`` from the segment sums (numba), or ``None``.

    In place: the prefix sums of the segment sums, then for every candidate *j* and
    replication *b* :math:`c_{jb} = \\mathrm{pref}_{k(j), b} + (D(g_j)'y_p - D(g_j)'W
    \\hat\\beta_b)`, the same arithmetic as :meth:`EntityResampler._finish` without its
    (G x B) temporaries; with one regime-dependent regressor also the first stage's search
    (the masked minimum of :math:`\\|M_W y^*\\|^2 - c^2 / D'M_W D` and its first argmin,
    as ``numpy.argmin``).
    """
    k = _kernels()
    return k[1] if k else None


def cum_kernel() -> Any:
    """The compiled :meth:`Grid.cum` (numba), or ``None``: the running sums of ``r * v`` in
    the order of *q*, read off at every candidate's prefix length, in one pass without the
    gathered copy, the products and the n x m cumulative sums of the numpy path. It adds in
    the same order as ``numpy.cumsum``, so the sums are the same to the last bit."""
    k = _kernels()
    return k[2] if k else None


def blas_threads() -> int:
    """Threads BLAS may use now (threadpoolctl), at most the number of cores; 1 if unknown."""
    import os

    infos = [i for i in _controller().info() if i.get("user_api") == "blas"]
    n = max((int(i.get("num_threads", 1)) for i in infos), default=1)
    return max(1, min(n, os.cpu_count() or 1))


# bootstrap cells (replications x rows) below which a second worker thread does not pay.
# Measured (benchmarks/bench_threshold.py and a 1x/4x/16x firms copy of Hansen's panel, 300
# replications, 2-core machine at load 2.6-2.9): two workers against one took 0.96x (7910
# rows), 0.98x (31640) and 1.24x (126560 rows, 3.8e7 cells) the time, medians of paired runs
# -- never a gain without an idle core. So worker threads are used only for a matrix of at
# least 2**25 cells *and* only as many as there are idle cores.
_PARALLEL_MIN_CELLS = 2 ** 25


def bootstrap_workers(threads: int, cells: int) -> int:
    """Worker threads for a bootstrap over ``cells`` numbers when ``threads`` are allowed.

    One unless the matrix is large enough for a split to pay (``_PARALLEL_MIN_CELLS``) and
    the machine has idle cores: the 1-minute load average counts the threads already running
    (this one included), so at most ``cores - load + 1`` workers, never more than ``threads``.
    The statistics do not depend on the choice (the replications are drawn before the split
    and each one's sums run in the same order).
    """
    import os

    if threads <= 1 or cells < _PARALLEL_MIN_CELLS:
        return 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform: trust the limit
        load = 0.0
    idle = int((os.cpu_count() or 1) - load + 1.0)
    return max(1, min(threads, idle))


@contextmanager
def single_threaded_blas():
    """Run the block with one BLAS thread (threadpoolctl).

    The engine's products are skinny (a handful of columns against ``n`` rows) and
    memory-bound: a second BLAS thread does not speed them up, and on a loaded machine it
    slows them down (measured in ``benchmarks/bench_threshold.py``), so the engine chooses one.
    """
    with _controller().limit(limits=1, user_api="blas"):
        yield


class PanelPrep:
    """Convention-independent preparation of one panel, done once per model.

    The within transformation (:class:`~intelcap.estimation._within.Within`) of the dependent
    and all regressors over all rows, the order of the threshold variable and its sorted
    unique values, and the rows grouped by entity in *q* order (used by the ``D'D`` updates).

    Parameters
    ----------
    codes : ndarray of int
        Entity code of each row, non-decreasing (rows sorted by entity, then time).
    y, x, r, q : ndarray
        As in :class:`PanelArrays`.
    """

    def __init__(self, codes: np.ndarray, y: np.ndarray, x: np.ndarray, r: np.ndarray,
                 q: np.ndarray) -> None:
        self.within = Within(codes)
        n = codes.shape[0]
        self.codes = codes
        self.starts = self.within.starts
        self.T = self.within.counts
        self.n_entities = self.within.n_entities
        self.k1 = x.shape[1]
        self.k2 = r.shape[1]
        self.yxr_t = self.within.demean(np.column_stack([y, x, r]))
        self.order = np.argsort(q, kind="stable")
        self.q_sorted = q[self.order]
        self.q_unique = np.unique(self.q_sorted)
        self.pos = np.arange(n) - self.starts[codes]  # position of each row in its entity
        # every entity observed for the same number of periods (rows sorted by entity, time)
        self.balanced = bool(np.all(self.T == self.T[0]))
        # rows grouped by entity, in q order inside each entity: a stable sort of the q order
        # by entity code (a radix sort on the small integer type, ~10x faster than lexsort)
        codes_q = codes[self.order].astype(np.min_scalar_type(max(self.n_entities - 1, 0)))
        self.ent_order = self.order[np.argsort(codes_q, kind="stable")]


class PanelArrays:
    """Arrays of one panel, sorted by (entity, time).

    Parameters
    ----------
    codes : ndarray of int
        Entity code of each row, non-decreasing.
    y, x, r, q : ndarray
        Dependent (n,), regime-independent regressors (n, k1), regime-dependent regressors
        (n, k2) and threshold variable (n,), untransformed.
    drop_last : bool
        Drop each entity's last demeaned period from the criterion (Hansen's program).
    prep : PanelPrep, optional
        The model's preparation of the same arrays (built here when not given).
    """

    def __init__(self, codes: np.ndarray, y: np.ndarray, x: np.ndarray, r: np.ndarray,
                 q: np.ndarray, drop_last: bool, prep: PanelPrep | None = None) -> None:
        if prep is None:
            prep = PanelPrep(codes, y, x, r, q)
        self.prep = prep
        self.codes = codes
        n = codes.shape[0]
        starts = prep.starts
        self.starts = starts
        self.T = prep.T
        self.n_entities = prep.n_entities
        kept = np.ones(n, dtype=bool)
        if drop_last:
            kept[np.r_[starts[1:], n] - 1] = False
        self.kept = kept
        self.n_kept = int(kept.sum())
        self.q = q
        self.r = r
        self.k1 = prep.k1
        self.k2 = prep.k2
        if drop_last:
            yxr = prep.yxr_t * kept[:, None]
        else:
            yxr = prep.yxr_t
        self.y_t = yxr[:, 0]
        self.w = yxr[:, 1:]
        self.order = prep.order
        self.q_sorted = prep.q_sorted
        self.r_sorted = r[self.order]
        wtw = self.w.T @ self.w
        self.wtw_inv = np.linalg.inv(wtw)

    def tr(self, v: np.ndarray) -> np.ndarray:
        """Within transformation over all rows of each entity."""
        return self.prep.within.demean(v)

    def mw(self, v: np.ndarray) -> np.ndarray:
        """Residual of kept vector(s) ``v`` on the within-transformed base regressors."""
        return v - self.w @ (self.wtw_inv @ (self.w.T @ v))

    def d(self, g: float, strict: bool) -> np.ndarray:
        """The kept vectors ``D(g)`` (n, k2)."""
        ind = self.q < g if strict else self.q <= g
        return self.tr(self.r * ind[:, None]) * self.kept[:, None]


class Grid:
    """Candidate thresholds with the prefix positions of the sorted threshold variable.

    ``counts[j]`` is the number of rows in the lower regime at candidate ``values[j]``.
    """

    def __init__(self, panel: PanelArrays, values: np.ndarray, strict: bool) -> None:
        self.panel = panel
        self.values = np.asarray(values, dtype=float)
        self.strict = strict
        side = "left" if strict else "right"
        self.counts = np.searchsorted(panel.q_sorted, self.values, side=side)
        self.ascending = bool(np.all(self.counts[1:] >= self.counts[:-1]))
        self._dd = None
        self._gdiag = None
        self._cw = None
        self._segments = None
        self._segment_index = None
        self._prefix = None
        self._cross: dict[int, np.ndarray] = {}

    def segments(self) -> tuple[int, np.ndarray, sparse.csc_matrix]:
        """Sparse map from padded (position, entity) rows to segments of the q order.

        Segment *k* holds the rows between the *k*-th and *(k+1)*-th distinct positive prefix
        length of the grid, weighted by *r* (one block of columns per regime-dependent
        regressor). Returns ``(T_max, prefix_of, matrix)``: ``prefix_of[j]`` is the segment
        whose cumulative sum is candidate *j*'s prefix (-1: empty prefix). The matrix is stored
        by columns (CSC): its product with the bootstrap residuals then reads their rows in
        storage order, one streaming pass (by rows, CSR, it jumps between rows in q order and
        costs about three times as much).
        """
        if self._segments is None:
            p = self.panel
            t_max, prefix_of, n_seg, seg = self.segment_index()
            pos = p.prep.pos
            use = seg >= 0
            cols = np.tile((pos * p.n_entities + p.codes)[use], p.k2)
            rows = np.concatenate([seg[use] + a * n_seg for a in range(p.k2)])
            vals = np.concatenate([p.r[use, a] for a in range(p.k2)])
            mat = sparse.csc_matrix((vals, (rows, cols)),
                                    shape=(p.k2 * n_seg, t_max * p.n_entities))
            self._segments = (t_max, prefix_of, mat)
        return self._segments

    def segment_index(self) -> tuple[int, np.ndarray, int, np.ndarray]:
        """``(T_max, prefix_of, K, seg)``: the segments of :meth:`segments` without the
        matrix; ``seg[i]`` is the segment of row *i* (-1: in none), ``K`` their number."""
        if self._segment_index is None:
            p = self.panel
            n = p.q.shape[0]
            counts = self.counts
            pos = counts[counts > 0]
            if self.ascending:  # distinct values of a sorted array: no sort
                pos_counts = pos[np.r_[True, pos[1:] != pos[:-1]]] if pos.size else pos
            else:
                pos_counts = np.unique(pos)
            n_seg = pos_counts.shape[0]
            prefix_of = np.searchsorted(pos_counts, counts)
            prefix_of[counts == 0] = -1
            seg = np.empty(n, dtype=np.int64)
            # segment of each position of the q order: the number of prefix lengths <= it
            seg[p.order] = np.repeat(np.arange(n_seg + 1),
                                     np.diff(np.r_[0, pos_counts, n]))
            seg[seg >= n_seg] = -1
            self._segment_index = (int(p.T.max()), prefix_of, n_seg, seg)
        return self._segment_index

    # -- cumulative cross-products -----------------------------------------------------------
    def cum(self, v: np.ndarray, demeaned: bool = False) -> np.ndarray:
        """``D(g)' v`` for kept vectors ``v`` (n, m) at every candidate: shape (G, k2, m).

        ``demeaned``: ``v`` is already within-transformed (as ``W``, ``M_W y`` and the null
        model's fitted values are); without dropped rows ``tr(v) = v`` is then not recomputed.
        """
        p = self.panel
        plain = demeaned and p.n_kept == v.shape[0]
        kernel = cum_kernel()
        if kernel is not None and self.ascending:
            vt = np.ascontiguousarray(v if plain else p.tr(v), dtype=float)
            out = np.zeros((self.values.shape[0], p.k2, vt.shape[1]))
            kernel(vt, p.order, p.r_sorted, self.counts, out)
            return out
        vhat = v[p.order] if plain else p.tr(v)[p.order]
        k2, m = p.k2, v.shape[1]
        out = np.empty((self.values.shape[0], k2, m))
        idx = self.counts - 1
        for a in range(k2):
            cs = np.cumsum(p.r_sorted[:, a, None] * vhat, axis=0)
            vals = cs[np.maximum(idx, 0)]
            vals[idx < 0] = 0.0
            out[:, a, :] = vals
        return out

    def dd(self) -> np.ndarray:
        """``D(g)'D(g)`` at every candidate by entity-mean updates: shape (G, k2, k2)."""
        if self._dd is not None:
            return self._dd
        p = self.panel
        n = p.q.shape[0]
        kernels = _kernels()
        if kernels and self.ascending:  # the same arithmetic, compiled (identical sums)
            out = np.zeros((self.values.shape[0], p.k2, p.k2))
            nk = np.add.reduceat(p.kept.astype(float), p.starts)
            kernels[3](np.ascontiguousarray(p.r, dtype=float), p.kept,
                       p.T.astype(float)[p.codes], p.codes, p.prep.ent_order, p.order, nk,
                       self.counts, out)
            self._dd = out
            return out
        rank = np.empty(n, dtype=np.int64)
        rank[p.order] = np.arange(n)
        ent_order = p.prep.ent_order  # rows grouped by entity, in q order inside each
        r_e = p.r[ent_order]
        kept_e = p.kept[ent_order].astype(float)
        ti_e = p.T.astype(float)[p.codes[ent_order]]  # T_i of each row
        codes_e = p.codes[ent_order]
        first = np.r_[True, codes_e[1:] != codes_e[:-1]]
        seg = np.cumsum(first) - 1
        nkept = np.add.reduceat(p.kept.astype(float), p.starts)[seg]

        def group_cumsum(a: np.ndarray) -> np.ndarray:
            cs = np.cumsum(a, axis=0)
            base = cs[np.flatnonzero(first)] - a[np.flatnonzero(first)]
            return cs - base[seg]

        m_after = group_cumsum(r_e / ti_e[:, None])
        s_after = group_cumsum(r_e * kept_e[:, None])
        m_before = m_after - r_e / ti_e[:, None]
        s_before = s_after - r_e * kept_e[:, None]

        def f(m: np.ndarray, s: np.ndarray) -> np.ndarray:
            ms = m[:, :, None] * s[:, None, :]
            return -(ms + ms.transpose(0, 2, 1)) + nkept[:, None, None] * (
                m[:, :, None] * m[:, None, :])

        delta = f(m_after, s_after) - f(m_before, s_before)
        delta += kept_e[:, None, None] * (r_e[:, :, None] * r_e[:, None, :])
        delta_q = np.empty_like(delta)
        delta_q[rank[ent_order]] = delta
        cs = np.cumsum(delta_q, axis=0)
        idx = self.counts - 1
        out = cs[np.maximum(idx, 0)]
        out[idx < 0] = 0.0
        self._dd = out
        return out

    def cw(self) -> np.ndarray:
        """``D(g)'W`` for the base regressors: shape (G, k2, p)."""
        if self._cw is None:
            self._cw = self.cum(self.panel.w, demeaned=True)
        return self._cw

    def entity_prefix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entity sums of the lower regime's *r* at every candidate, and its kept ``r r'``.

        Returns ``(m, s, rr)``: ``m[a, j, i]`` is :math:`T_i^{-1}\\sum_{t: q_{it} < g_j}
        r_{ait}` (the entity mean that ``tr`` removes from ``r_a 1(q < g_j)``), ``s[a, j, i]``
        the same sum over kept rows only (undivided), both (k2, G, N); ``rr[a, b]`` the
        cumulative :math:`\\sum_{kept,\\,q<g} r_a r_b` at every prefix length 0..n, (k2, k2,
        n + 1). One bincount per regressor over the segments of the q order, then a cumulative
        sum over (segments x entities).
        """
        if self._prefix is None:
            p = self.panel
            n = p.q.shape[0]
            prefix_of = self.segment_index()[1]
            pos_counts = np.unique(self.counts[self.counts > 0])
            n_seg = pos_counts.shape[0]
            seg_sorted = np.searchsorted(pos_counts, np.arange(n), side="right")
            use = seg_sorted < n_seg
            codes_sorted = p.codes[p.order]
            cell = (seg_sorted * p.n_entities + codes_sorted)[use]
            kept_sorted = p.kept[p.order]
            size = n_seg * p.n_entities
            m = np.zeros((p.k2, self.values.shape[0], p.n_entities))
            s = np.zeros_like(m)
            got = prefix_of >= 0
            for a in range(p.k2):
                ra = p.r_sorted[:, a]
                for out, wts in ((m, ra), (s, ra * kept_sorted)):
                    tab = np.bincount(cell, weights=wts[use], minlength=size)
                    tab = np.cumsum(tab.reshape(n_seg, p.n_entities), axis=0)
                    out[a, got] = tab[prefix_of[got]]
            m /= p.T
            rr = np.zeros((p.k2, p.k2, n + 1))
            rk = p.r_sorted * kept_sorted[:, None]
            for a in range(p.k2):
                for b in range(p.k2):
                    rr[a, b, 1:] = np.cumsum(rk[:, a] * p.r_sorted[:, b])
            self._prefix = (m, s, rr)
        return self._prefix

    def cross(self, idx: np.ndarray) -> np.ndarray:
        """``D(g)' M_W D(f)`` for every candidate ``g`` and the grid points ``f = values[idx]``.

        Shape (G, k2, len(idx) * k2). Columns are cached, so the bootstrap's later stages and
        tests reuse them: :math:`D(g)'M_W D(f) = D(g)'D(f) - D(g)'W (W'W)^{-1} W'D(f)`, with
        :math:`W'D(f)` read off the cumulative ``D(g)'W`` at ``f``. By the expansion of the
        module docstring, with the entity sums ``m``, ``s`` of :meth:`entity_prefix`,

        .. math::

            D(g)'D(f) = \\sum_{kept,\\,q<\\min(g, f)} r r'
                        - \\sum_i \\left(m_i(g) (s_i(f) - n_i m_i(f))' + s_i(g) m_i(f)'\\right),

        two (G x N) by (N x M) products for M new columns: no pass over the data.
        """
        p = self.panel
        k2 = p.k2
        missing = np.setdiff1d(np.unique(idx), np.fromiter(self._cross, dtype=np.int64))
        if missing.shape[0]:
            cw = self.cw()
            m, s, rr = self.entity_prefix()
            nk = np.add.reduceat(p.kept.astype(float), p.starts)  # n_i
            low = np.minimum(self.counts[:, None], self.counts[missing][None, :])  # (G, M)
            raw = np.empty((self.values.shape[0], k2, missing.shape[0], k2))
            for a in range(k2):
                for b in range(k2):
                    mf, sf = m[b, missing], s[b, missing]  # (M, N)
                    raw[:, a, :, b] = (rr[a, b][low] - m[a] @ (sf - nk * mf).T
                                       - s[a] @ mf.T)
            raw = raw.reshape(self.values.shape[0], k2, -1)  # (G, k2, M * k2)
            wdf = cw[missing].transpose(2, 0, 1).reshape(cw.shape[2], -1)  # (p, M * k2)
            full = raw - (cw @ p.wtw_inv) @ wdf
            for pos, j in enumerate(missing):
                self._cross[int(j)] = full[:, :, pos * k2:(pos + 1) * k2]
        return np.concatenate([self._cross[int(j)] for j in idx], axis=2)

    def gdiag(self) -> np.ndarray:
        """``D(g)' M_W D(g)``: shape (G, k2, k2)."""
        if self._gdiag is None:
            cw = self.cw()
            self._gdiag = self.dd() - np.einsum("gap,pq,gbq->gab", cw, self.panel.wtw_inv, cw)
        return self._gdiag


# a pivot below this share of its column's squared norm marks a column collinear with the
# preceding ones (its residual norm is below 1e-6 of its norm)
_RTOL = 1e-12


def psd_quadform(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`b'a^{+}b` for a batch of Gram matrices, by rank-revealing elimination.

    ``a`` (M, k, k) holds positive semi-definite Gram matrices :math:`A = D'D` and ``b``
    (M, k, ...) vectors :math:`D'y` in their column space, so :math:`b'A^{+}b` is the reduction
    of the sum of squared residuals from regressing on the columns of ``D`` -- exactly, also
    when they are collinear. Symmetric Gaussian elimination without row exchanges, vectorised
    over the batch: a pivot at or below ``_RTOL`` times its column's squared norm (or a column
    whose squared norm is at or below ``_RTOL`` times the largest in the batch, a regime
    without variation) is a column in the span of the preceding ones; for a PSD matrix its
    whole row and column are then zero, so skipping it is exact, not a fallback. No LAPACK
    call per matrix (a batched ``eigh`` of 10^5 2 x 2 matrices costs ~100x more).
    """
    k = a.shape[1]
    if k == 1:  # no elimination: b^2 / a where the regressor has variation
        piv = a[:, 0, 0]
        ok = piv > _RTOL * max(piv.max(), np.finfo(float).tiny)
        inv = np.where(ok, 1.0 / np.where(ok, piv, 1.0), 0.0)
        b0 = b[:, 0]
        return b0 * b0 * inv.reshape((-1,) + (1,) * (b0.ndim - 1))
    a = np.array(a, dtype=float)
    b = np.array(b, dtype=float)
    diag = np.einsum("mkk->mk", a).copy()
    floor = _RTOL * np.maximum(diag.max(axis=0), np.finfo(float).tiny)  # (k,)
    out = np.zeros(b.shape[:1] + b.shape[2:])
    extra = (None,) * (b.ndim - 2)
    for j in range(k):
        piv = a[:, j, j]
        ok = (piv > _RTOL * diag[:, j]) & (diag[:, j] > floor[j])
        inv = np.where(ok, 1.0 / np.where(ok, piv, 1.0), 0.0)
        bj = b[:, j]
        out += bj * bj * inv[(slice(None), *extra)]
        if j + 1 < k:
            f = a[:, j + 1:, j] * inv[:, None]  # (M, k - j - 1)
            a[:, j + 1:, j + 1:] -= f[:, :, None] * a[:, None, j, j + 1:]
            b[:, j + 1:] -= f[(slice(None), slice(None), *extra)] * bj[:, None]
    return out


def _inv_quadform(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b' a^+ b`` for a (G, k, k) and b (G, k, m): shape (G, m) (see :func:`psd_quadform`)."""
    return psd_quadform(a, b)


def ssr_profile(grid: Grid, my: np.ndarray, c: np.ndarray, fixed: list[float]) -> tuple[
        np.ndarray, np.ndarray]:
    """SSR at every candidate of a model with thresholds ``fixed`` plus one more.

    Parameters
    ----------
    grid : Grid
    my : ndarray (n, m)
        ``M_W y`` for m dependent vectors (bootstrap replications are columns).
    c : ndarray (G, k2, m)
        ``grid.cum(my)``.
    fixed : list of float
        Thresholds already in the model.

    Returns
    -------
    ssr : ndarray (G, m)
        SSR with one more threshold at each candidate.
    ssr_fixed : ndarray (m,)
        SSR of the model with the ``fixed`` thresholds only.
    """
    p = grid.panel
    ssr_base = np.einsum("nm,nm->m", my, my)
    a = grid.gdiag()
    b = c
    if fixed:
        df = np.column_stack([p.d(f, grid.strict) for f in fixed])
        mdf = p.mw(df)
        gff_inv = np.linalg.inv(df.T @ mdf)
        gf = grid.cum(mdf)  # (G, k2, kf)
        cf = mdf.T @ my  # (kf, m)
        a = a - np.einsum("gak,kl,gbl->gab", gf, gff_inv, gf)
        b = c - np.einsum("gak,kl,lm->gam", gf, gff_inv, cf)
        ssr_base = ssr_base - np.einsum("km,kl,lm->m", cf, gff_inv, cf)
    return ssr_base[None, :] - _inv_quadform(a, b), ssr_base


def ssr_profile_batch(grid: Grid, norm2: np.ndarray, c: np.ndarray, fixed_idx: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ssr_profile` with a different set of fixed thresholds for every column.

    ``norm2`` holds :math:`\\|M_W y\\|^2` of each column. The fixed thresholds are grid
    points (``fixed_idx``, shape (m, kf), indices into
    ``grid.values``), as in the bootstrap, where each replication re-estimates them. With
    :math:`X(g, f) = D(g)'M_W D(f)` computed once for the distinct fixed values ``f`` (one
    cumulative sum over an n x U matrix) every replication's model is gathered from
    ``X``, ``c`` and ``D(g)'M_W D(g)``: no per-replication pass over the data.

    Returns
    -------
    ssr : ndarray (G, m)
    ssr_fixed : ndarray (m,)
    """
    p = grid.panel
    k2 = p.k2
    m, kf = fixed_idx.shape
    uniq, inv = np.unique(fixed_idx, return_inverse=True)
    inv = inv.reshape(m, kf)
    xu = grid.cross(uniq)  # (G, k2, U*k2)
    # columns of each replication's fixed regressors in xu: (m, kf*k2)
    cols = (inv[:, :, None] * k2 + np.arange(k2)).reshape(m, kf * k2)
    rows_f = fixed_idx  # grid rows of the fixed thresholds, (m, kf)
    # GF_b(g) = D(g)'M_W D(F_b): (G, m, k2, kf*k2)
    gf = xu[:, :, cols].transpose(0, 2, 1, 3)
    # GFF_b = D(F_b)'M_W D(F_b): (m, kf*k2, kf*k2), rows at the fixed grid points
    gff = xu[rows_f[:, :, None], :, cols[:, None, :]]  # (m, kf, kf*k2, k2)
    gff = gff.transpose(0, 1, 3, 2).reshape(m, kf * k2, kf * k2)
    gff = 0.5 * (gff + gff.transpose(0, 2, 1))
    gff_inv = np.linalg.inv(gff)
    # cF_b = D(F_b)'M_W y_b: (m, kf*k2), the cumulative sums at the fixed grid points
    cf = c[rows_f, :, np.arange(m)[:, None]].reshape(m, kf * k2)
    ssr_base = norm2 - np.einsum("mk,mkl,ml->m", cf, gff_inv, cf)
    # a = gdiag - gf gff^-1 gf', b = c - gf gff^-1 cf, written as loops over the kf*k2
    # columns: elementwise products of (G, m, k2) arrays, where batched matmul of such small
    # matrices costs several times more
    kk = kf * k2
    proj = [sum(gf[..., i] * gff_inv[None, :, None, i, j] for i in range(kk))
            for j in range(kk)]  # column j of gf gff^-1, each (G, m, k2)
    a = grid.gdiag()[:, None, :, :] - sum(proj[j][..., :, None] * gf[..., None, :, j]
                                          for j in range(kk))  # (G, m, k2, k2)
    b = c.transpose(0, 2, 1) - sum(proj[j] * cf[None, :, None, j] for j in range(kk))
    g_, m_ = a.shape[:2]
    drop = psd_quadform(a.reshape(g_ * m_, k2, k2), b.reshape(g_ * m_, k2)).reshape(g_, m_)
    return ssr_base[None, :] - drop, ssr_base


class EntityResampler:
    """Hansen's (1999) bootstrap draws, evaluated in three passes over the (B x n) draws.

    For the null model with fitted values ``yp`` and residuals ``e`` (kept vectors), a
    replication replaces every entity's residual vector by that of an entity drawn with
    replacement (among entities of the same length ``T_i``), ``y* = yp + e*``. What the
    threshold search needs from ``y*`` is ``c(g) = D(g)'M_W y*`` and ``||M_W y*||^2``:

    .. math::

        c(g) = D(g)'y_p + D(g)'e^* - D(g)'W (W'W)^{-1} (W'y_p + W'e^*),

    where :math:`D(g)'e^* = \\sum_{q<g} r\\,\\mathrm{tr}(e)_{src}` (whole-entity relabelling
    commutes with the within transformation). With :math:`e = \\mathrm{tr}(e) + \\bar e_i`,
    ``W'e*`` and ``y_p'e*`` are a dense product with the same gathered ``tr(e)`` plus entity
    sums, and ``e*'e*`` a sum of entity norms.

    The remaining work over B x n numbers per block of B replications, all in :meth:`stats`,
    is one pass with the compiled :func:`fused_kernel` (numba installed: each drawn residual
    is read once and the B x n matrix is never written); the numpy path does it chunk by
    chunk (about ``_CHUNK`` numbers: a range of entities in all periods), so that
    each chunk is read from cache by the two products that follow its gather:

    1. the gather ``e*`` = ``tr(e)`` of the drawn entities (one write);
    2. the sparse product summing ``r * e*`` over each segment of the q order (CSC: one
       streaming read);
    3. the dense product ``[W, y_p]' e*`` (one read, p + 1 multiply-adds per number).

    Everything else (the prefix sums over the K segments, the threshold search over G x B
    candidates, the later stages' fixed thresholds via :meth:`Grid.cross`) works on G x B,
    G x N or K x B arrays, so the cost is linear in n for a fixed grid and B.
    """

    def __init__(self, grid: Grid, yp: np.ndarray, e: np.ndarray,
                 yp_coef: np.ndarray | None = None) -> None:
        p = grid.panel
        self.grid = grid
        self.p = p
        # y_p = W yp_coef (a null model without thresholds): y_p'e* = yp_coef'W'e*, one
        # product fewer per drawn number in the compiled pass
        self.yp_coef = yp_coef
        pos = p.prep.pos
        self.ehat = p.tr(e)
        ent_mean = np.add.reduceat(e, p.starts) / p.T
        self.cyp = grid.cum(yp[:, None], demeaned=True)[:, :, 0]  # (G, k2)
        self.wyp = p.w.T @ yp
        self.ypyp = float(yp @ yp)
        balanced = p.prep.balanced
        self.strata = ([np.arange(p.n_entities)] if balanced else
                       [np.flatnonzero(p.T == t_len) for t_len in np.unique(p.T)])
        # the sparse segment matrix is built only for the numpy path (seg_matrix)
        self.t_max, self.prefix_of, self.n_seg, self._seg = grid.segment_index()
        # [W, y_p], or [W] when y_p = W yp_coef (its products follow from W's)
        wy = p.w if yp_coef is not None else np.column_stack([p.w, yp])
        n_ent, t_max = p.n_entities, self.t_max
        # tr(e) on a padded (position, entity) array: a replication is ehat_pad[:, sources];
        # [W, y_p]' on the padded rows, (p + 1, T_max * N) in C order: wy_pad_t @ e_star is
        # ~40% faster than e_star.T @ [W, y_p] (BLAS streams e_star's rows, no transpose).
        # A balanced panel sorted by (entity, time) fills the padding: transposed copies
        if balanced:
            self.ehat_pad = np.ascontiguousarray(self.ehat.reshape(n_ent, t_max).T)
            self.wy_pad_t = np.ascontiguousarray(
                wy.reshape(n_ent, t_max, -1).transpose(2, 1, 0)).reshape(wy.shape[1], -1)
        else:
            self.ehat_pad = np.zeros((t_max, n_ent))
            self.ehat_pad[pos, p.codes] = self.ehat
            self.wy_pad_t = np.zeros((wy.shape[1], t_max * n_ent))
            self.wy_pad_t[:, pos * n_ent + p.codes] = wy.T
        self.ent_mean = ent_mean
        # without dropped rows e is a within-transformed residual: its entity means are zero
        # (exactly, not up to rounding: the term is then skipped, not computed as ~1e-17)
        self.zero_means = p.n_kept == p.q.shape[0]
        # entity sums of [W, y_p] (N, p + 1), used with the entity means of e only
        self.wy_sum = (np.zeros((n_ent, wy.shape[1])) if self.zero_means else
                       np.add.reduceat(wy, p.starts, axis=0))
        self.ent_ee = np.add.reduceat(e * e, p.starts)
        self.cw2 = grid.cw().reshape(-1, p.w.shape[1])  # D(g)'W, (G * k2, p)
        self._plans: dict[int, list] = {}
        self._fused: tuple | None = None

    @property
    def seg_matrix(self) -> Any:
        """The grid's sparse segment matrix (:meth:`Grid.segments`), for the numpy path."""
        return self.grid.segments()[2]

    def fused_inputs(self) -> tuple:
        """Padded (period, entity) inputs of :func:`fused_kernel`: periods per entity, the
        segment of each row (-1: in no segment), ``r`` and ``[W, y_p]``."""
        if self._fused is None:
            p = self.p
            seg = self._seg
            pos = p.prep.pos
            if p.prep.balanced:  # the padding is full: transposed copies
                n_ent, t_max = p.n_entities, self.t_max
                seg_of = np.ascontiguousarray(seg.reshape(n_ent, t_max).T)
                r_pad = np.ascontiguousarray(p.r.reshape(n_ent, t_max, -1).transpose(2, 1, 0))
            else:
                seg_of = np.full((self.t_max, p.n_entities), -1, dtype=np.int64)
                seg_of[pos, p.codes] = seg
                r_pad = np.zeros((p.k2, self.t_max, p.n_entities))
                r_pad[:, pos, p.codes] = p.r.T
            wy_pad = self.wy_pad_t.reshape(-1, self.t_max, p.n_entities)
            wy_sum = self.wy_sum
            if self.yp_coef is not None:  # [W] only: y_p'e* follows from W'e*
                npar = p.w.shape[1]
                wy_pad = wy_pad[:npar]
                wy_sum = np.ascontiguousarray(wy_sum[:, :npar])
            self._fused = (p.T.astype(np.int64), seg_of, r_pad, wy_pad, wy_sum)
        return self._fused

    def chunks(self) -> list[tuple[int, int, Any, np.ndarray]]:
        """Chunks ``(i0, i1, S, WY)``: the entities ``i0..i1-1`` in all periods, with their
        columns of the segment matrix and of ``[W, y_p]'`` (period-major, as the gather
        ``ehat_pad[:, sources]`` lays them out).

        A chunk covers whole entities, so the drawn sources of an entity are read once for all
        its periods. The chunking depends on the panel only (sized for ``_CHUNK_REPS``
        replications): each replication's sums run in the same order however the replications
        are split among blocks or threads (the same statistics, up to BLAS summing a block's
        last columns in another order).
        """
        if not self._plans:
            n_ent = self.p.n_entities
            step = max(1, _CHUNK // (self.t_max * _CHUNK_REPS))
            bounds = [(i0, min(n_ent, i0 + step)) for i0 in range(0, n_ent, step)]
            # the padded columns in chunk order (period-major inside each chunk), so that every
            # chunk is a contiguous range: one column permutation of each matrix, then slices
            # (a sparse fancy index per chunk cost about ten times more)
            # the padded columns in chunk order (period-major inside each chunk), so that every
            # chunk is a contiguous range: the segment matrix is built in that column order
            # (CSC) and sliced by its column pointers, [W, y_p]' permuted once
            p = self.p
            t_max = self.t_max
            i0_of = (np.arange(n_ent) // step) * step  # first entity of each entity's chunk
            width_of = np.minimum(step, n_ent - i0_of)
            seg_of_row = self._seg
            use = seg_of_row >= 0
            codes = p.codes[use]
            cols = (t_max * i0_of[codes] + p.prep.pos[use] * width_of[codes]
                    + (codes - i0_of[codes]))
            n_seg = self.n_seg
            n_cols = t_max * n_ent
            mat = sparse.csc_matrix(
                (np.concatenate([p.r[use, a] for a in range(p.k2)]),
                 (np.concatenate([seg_of_row[use] + a * n_seg for a in range(p.k2)]),
                  np.tile(cols, p.k2))), shape=(p.k2 * n_seg, n_cols))
            perm = np.empty(n_cols, dtype=np.int64)
            t_idx = np.arange(t_max)[:, None] * n_ent
            at = 0
            for i0, i1 in bounds:
                width = t_max * (i1 - i0)
                perm[at:at + width] = (t_idx + np.arange(i0, i1)[None, :]).ravel()
                at += width
            wy = self.wy_pad_t[:, perm]
            ptr = mat.indptr
            plan = []
            at = 0
            for i0, i1 in bounds:
                width = t_max * (i1 - i0)
                lo, hi = ptr[at], ptr[at + width]
                smat = sparse.csc_matrix((mat.data[lo:hi], mat.indices[lo:hi],
                                          ptr[at:at + width + 1] - lo),
                                         shape=(mat.shape[0], width))
                plan.append((i0, i1, smat, np.ascontiguousarray(wy[:, at:at + width])))
                at += width
            self._plans[0] = plan
        return self._plans[0]

    def draw(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        """Source entity of every target entity, (reps, N), drawn within equal-length groups."""
        out = np.empty((reps, self.p.n_entities), dtype=np.int64)
        for ents in self.strata:
            drawn = rng.integers(0, ents.shape[0], size=(reps, ents.shape[0]))
            if ents.shape[0] == self.p.n_entities:  # balanced: the draws are the entities
                return drawn
            out[:, ents] = ents[drawn]
        return out

    def stats(self, src_ent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``c`` (G, k2, B) and ``||M_W y*||^2`` (B,) for the drawn replications."""
        return self.stats_search(src_ent)[:2]

    def stats_search(self, src_ent: np.ndarray, first: tuple | None = None) -> tuple:
        """``c`` (G, k2, B), ``||M_W y*||^2`` (B,) and the first stage's search.

        ``first`` = ``(inv, mask)``: the reciprocals of ``D'M_W D`` (0 where a regime has no
        variation, as :func:`psd_quadform`) and the admissible candidates; with the compiled
        kernels and one regime-dependent regressor the third value is ``(ssr_min, argmin)``
        of the first search, else ``None`` (the caller searches ``c``).
        """
        p = self.p
        reps = src_ent.shape[0]
        npar = p.w.shape[1]
        seg = np.zeros((p.k2 * self.n_seg, reps))
        kernel = fused_kernel()
        if kernel is not None:  # one pass, the B x n matrix never written
            src = np.ascontiguousarray(src_ent, dtype=np.int64)  # (B, N), as drawn
            t_len, seg_of, r_pad, wy_pad, wy_sum = self.fused_inputs()
            dense = np.zeros((wy_pad.shape[0], reps))
            ee = np.zeros(reps)
            means = self._no_means if self.zero_means else self.ent_mean
            kernel(self.ehat_pad, t_len, src, seg_of, r_pad, wy_pad, self.ent_ee, means,
                   wy_sum, seg, dense, ee)
            we = dense[:npar].T
            ype = we @ self.yp_coef if self.yp_coef is not None else dense[npar]
            return self._finish(seg, we, ype, ee, reps, first)
        src_t = np.ascontiguousarray(src_ent.T)  # (N, B)
        rows = npar if self.yp_coef is not None else npar + 1  # [W] or [W, y_p]
        dense = np.zeros((rows, reps))
        for i0, i1, smat, wy in self.chunks():
            # tr(e) of the entities drawn for targets i0..i1-1, all periods: (T * rows, B)
            e_star = np.take(self.ehat_pad, src_t[i0:i1], axis=1).reshape(-1, reps)
            seg += smat @ e_star  # sums of r * tr(e) by segment of q
            dense += wy[:rows] @ e_star
        dense = dense.T  # (B, rows)
        if not self.zero_means:
            dense += self.ent_mean[src_ent] @ self.wy_sum[:, :rows]
        we = dense[:, :npar]
        ype = we @ self.yp_coef if self.yp_coef is not None else dense[:, npar]
        ee = self.ent_ee[src_ent].sum(axis=1)
        return self._finish(seg, we, ype, ee, reps, first)

    def _finish(self, seg: np.ndarray, we: np.ndarray, ype: np.ndarray, ee: np.ndarray,
                reps: int, first: tuple | None = None) -> tuple:
        """Assemble ``c`` and ``||M_W y*||^2`` from the segment sums and the small products
        (and the first search, see :meth:`stats`)."""
        p = self.p
        k2 = p.k2
        n_grid = self.grid.values.shape[0]
        wy = self.wyp[None, :] + we  # (B, p): W'y*
        coef = wy @ p.wtw_inv  # (B, p): (W'W)^{-1} W'y*
        yy = self.ypyp + 2 * ype + ee
        norm2 = yy - np.einsum("bp,bp->b", coef, wy)
        finish = finish_kernel()
        if finish is not None:  # prefix sums, c and the first search in one compiled pass
            c = np.empty((n_grid, k2, reps))
            best = np.empty(reps)
            arg = np.empty(reps, dtype=np.int64)
            inv, mask = first if first is not None else (self._no_means, self._no_mask_grid())
            finish(seg, self.prefix_of, self.cyp, self.cw2, np.ascontiguousarray(coef.T),
                   inv, mask, norm2, c, best, arg)
            found = (best, arg) if (first is not None and k2 == 1) else None
            return c, norm2, found
        pref = np.cumsum(seg.reshape(k2, self.n_seg, reps), axis=1)  # (k2, K, B)
        c = pref[:, np.maximum(self.prefix_of, 0), :].transpose(1, 0, 2)  # (G, k2, B)
        c[self.prefix_of < 0] = 0.0
        c += self.cyp[:, :, None] - (self.cw2 @ coef.T).reshape(n_grid, k2, reps)
        return c, norm2, None

    _no_means = np.zeros(0)

    def _no_mask_grid(self) -> np.ndarray:
        """No candidate admitted: the compiled assembly without the search."""
        return np.zeros(self.grid.values.shape[0], dtype=bool)


class WildClusterResampler(EntityResampler):
    """Wild cluster bootstrap: ``y* = yp + v_i e_i`` with one Rademacher sign per entity.

    Cameron, Gelbach and Miller (2008, *Review of Economics and Statistics* 90(3)) for the
    scheme; it needs no entities of equal length, so it suits unbalanced panels (Wang's
    unpublished 2019 ``xthreg2`` uses it for them). Because ``v_i`` is constant within an entity,
    ``tr(e*) = v_i tr(e)``, ``W'e* = sum_i v_i W_i'e_i``, ``y_p'e* = sum_i v_i y_{p,i}'e_i``
    and ``e*'e* = e'e``: one pass over B x n numbers again.
    """

    def __init__(self, grid: Grid, yp: np.ndarray, e: np.ndarray,
                 yp_coef: np.ndarray | None = None) -> None:
        super().__init__(grid, yp, e, yp_coef)
        p = self.p
        self.wy_ent = np.add.reduceat(np.column_stack([p.w, yp]) * e[:, None], p.starts, axis=0)
        self.ee_total = float(e @ e)

    def draw(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        """Rademacher signs, (reps, N)."""
        return rng.choice(np.array([-1.0, 1.0]), size=(reps, self.p.n_entities))

    def stats_search(self, signs: np.ndarray, first: tuple | None = None) -> tuple:
        p = self.p
        reps = signs.shape[0]
        npar = p.w.shape[1]
        signs_t = np.ascontiguousarray(signs.T)  # (N, B)
        seg = np.zeros((self.seg_matrix.shape[0], reps))
        for i0, i1, smat, _ in self.chunks():
            e_star = (self.ehat_pad[:, i0:i1, None] * signs_t[None, i0:i1]).reshape(-1, reps)
            seg += smat @ e_star
        dense = signs @ self.wy_ent  # (B, p + 1)
        return self._finish(seg, dense[:, :npar], dense[:, npar],
                            np.full(reps, self.ee_total), reps, first)
