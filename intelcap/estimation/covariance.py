r"""The one place every parameter covariance of intelcap is defined.

Every estimator, linear or not, hands this module the Jacobian of its mean function (the design
:math:`X` for a linear model; :math:`J = \partial f / \partial \theta'` at the estimate for a
nonlinear one, :math:`n \times k`) and its residuals :math:`e`, and gets back the covariance of
its parameters, estimated as

.. math::

    \widehat V = c \, B \, \widehat S \, B, \qquad B = (J'J)^{-1},

with a *meat* :math:`\widehat S` and a small-sample factor :math:`c` that depend on
``cov_type``. The names and the meaning of ``debiased`` are linearmodels' (Sheppard, *linearmodels*
documentation, "Covariance estimators"), so that ``cov_type="clustered", debiased=True`` means the
same in every intelcap estimator and in linearmodels:

- ``"unadjusted"``: :math:`\widehat V = s^2 B`, :math:`s^2 = e'e/(n-d)`; debiased
  :math:`s^2 = e'e/(n-d-k)`.
- ``"robust"`` (White's HC0): :math:`\widehat S = \sum_i e_i^2 j_i j_i'`, :math:`c = n/(n-d)`;
  debiased :math:`c = n/(n-d-k)` (= HC1).
- ``"HC0"``: the same meat, :math:`c = 1`. ``"HC1"``: :math:`c = n/(n-d-k)` (MacKinnon and White
  1985). ``"HC2"``: :math:`\widehat S = \sum_i e_i^2 j_i j_i'/(1-h_i)`, :math:`c = 1`.
  ``"HC3"``: :math:`\widehat S = \sum_i e_i^2 j_i j_i'/(1-h_i)^2`, :math:`c = 1`. For these four
  the factor is part of the name; ``debiased`` only selects the t reference distribution.
- ``"clustered"``: :math:`\widehat S = \sum_g s_g s_g'`, :math:`s_g = \sum_{i \in g} e_i j_i`,
  :math:`c = n/(n-d)`; debiased :math:`c = \frac{G}{G-1}\frac{n-1}{n-d-k}` (Stata's factor).
- ``"kernel"``: :math:`\widehat S = \sum_{|l| \le m} w_l \Gamma_l`, :math:`c = n/(n-d)`;
  debiased :math:`c = n/(n-d-k)`.

where :math:`j_i` is row :math:`i` of :math:`J`, :math:`h_i = j_i' B j_i` the leverage, :math:`d`
the degrees of freedom absorbed outside :math:`J` (``extra_df``, for example the entity effects
a within transformation removed) and :math:`G` the number of clusters. ``debiased`` also selects
the reference distribution of the results: Student's t (and F for joint tests) with
:math:`n-d-k` degrees of freedom when true, the normal (and chi-square) otherwise. Aliases:
``"homoskedastic"`` is ``"unadjusted"``, ``"heteroskedastic"`` is ``"robust"``. A published
number computed with Stata's ``robust`` (HC1) is reproduced with ``cov_type="HC1"`` or
``cov_type="robust", debiased=True``; statsmodels' ``nonrobust`` is ``"unadjusted"`` with
``debiased=True``.

**Two-way clustering** (Cameron, Gelbach and Miller 2011) adds the one-way meats of the two
dimensions and subtracts the meat of their intersection,
:math:`\widehat V = V_1 + V_2 - V_{12}`, each with its own factor (its own :math:`G`), as
statsmodels and linearmodels do. The result need not be positive semi-definite.

**Kernel** (Newey and West 1987; Driscoll and Kraay 1998): with ``time`` the scores are first
summed within each period, :math:`\xi_t = \sum_{i \in t} e_i j_i`, periods in sorted order
(Driscoll-Kraay; each period may hold many entities); without it, each row is a period in the
order given (Newey-West). Then :math:`\Gamma_l = \sum_t \xi_t \xi_{t-l}'`,
:math:`\Gamma_{-l} = \Gamma_l'`, and the Bartlett weights are :math:`w_l = 1 - l/(m+1)`.
The default bandwidth is :math:`m = \lfloor 4 (T/100)^{2/9} \rfloor` (Newey and West 1994's
rule of thumb for the Bartlett kernel; linearmodels' Driscoll-Kraay default) with :math:`T` the
number of periods; it must be below :math:`T`.

**The bread** :math:`B` is computed from a rank-revealing factorisation of :math:`J` (its
columns scaled to unit norm, then the singular value decomposition), never by inverting
:math:`J'J`. When the Jacobian has deficient rank (singular values below
:math:`\max(n,k)\,\epsilon\,\sigma_1`), the parameters that load on its null space are not
identified: a :class:`~intelcap.exceptions.CovarianceWarning` names them and their rows and
columns of the covariance are NaN; the covariance of the others is that of the identified
linear combinations (the Moore-Penrose inverse restricted to the row space, exact for them).
A negative variance (possible with two-way clustering or a kernel other than Bartlett) is never
turned into a standard error of 0: the warning names the parameter and its row and column
become NaN.

References
----------
White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator and a direct test
for heteroskedasticity. *Econometrica* 48(4), 817-838.
MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance matrix
estimators with improved finite sample properties. *Journal of Econometrics* 29(3), 305-325.
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix. *Econometrica* 55(3), 703-708.
Newey, W. K. and West, K. D. (1994). Automatic lag selection in covariance matrix estimation.
*Review of Economic Studies* 61(4), 631-653.
Driscoll, J. C. and Kraay, A. C. (1998). Consistent covariance matrix estimation with spatially
dependent panel data. *Review of Economics and Statistics* 80(4), 549-560.
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2011). Robust inference with multiway
clustering. *Journal of Business & Economic Statistics* 29(2), 238-249.
StataCorp (2023). *Stata Base Reference Manual*, Release 18, ``regress``, "Methods and
formulas" (the clustered small-sample factor).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import (
    CovarianceWarning,
    DataError,
    IntelcapTypeError,
    MissingDataError,
    SpecificationError,
)

__all__ = [
    "ALIASES",
    "COV_TYPES",
    "CovarianceEstimate",
    "bread",
    "canonical_cov_type",
    "check_cov_options",
    "covariance",
    "default_bandwidth",
]

#: The covariance estimators, by their canonical names.
COV_TYPES: tuple[str, ...] = ("unadjusted", "robust", "HC0", "HC1", "HC2", "HC3", "clustered",
                              "kernel")
#: Other accepted names and the canonical name each stands for (linearmodels' aliases).
ALIASES: dict[str, str] = {"homoskedastic": "unadjusted", "heteroskedastic": "robust"}

#: The options each covariance accepts (besides ``debiased`` and ``extra_df``).
_OPTIONS: dict[str, tuple[str, ...]] = {
    "unadjusted": (), "robust": (), "HC0": (), "HC1": (), "HC2": (), "HC3": (),
    "clustered": ("clusters",), "kernel": ("time", "bandwidth", "kernel"),
}
_KERNELS = ("bartlett", "newey-west")
_EPS = float(np.finfo(float).eps)


def canonical_cov_type(cov_type: str) -> str:
    """The canonical name of ``cov_type`` (aliases resolved); an unknown name raises.

    Raises
    ------
    SpecificationError
        ``cov_type`` is not one of :data:`COV_TYPES` or :data:`ALIASES` (the message lists them).
    """
    if isinstance(cov_type, str):
        if cov_type in COV_TYPES:
            return cov_type
        if cov_type in ALIASES:
            return ALIASES[cov_type]
    valid = ", ".join(repr(c) for c in (*COV_TYPES, *ALIASES))
    raise SpecificationError(f"cov_type={cov_type!r} is not recognised; valid values are: {valid}")


def check_cov_options(cov_type: str, **options: Any) -> str:
    """Check ``cov_type`` and the options given with it before any work is done.

    Estimators call this at the top of ``fit`` so that a misspelt option fails at once. Options
    whose value is ``None`` count as not given.

    Returns
    -------
    str
        The canonical name of ``cov_type``.

    Raises
    ------
    SpecificationError
        An unknown ``cov_type``, an option the covariance does not use (``clusters`` with
        ``"robust"``), ``cov_type="clustered"`` without ``clusters``, or a bad ``bandwidth``
        or ``kernel``.
    """
    name = canonical_cov_type(cov_type)
    given = {k for k, v in options.items() if v is not None}
    allowed = set(_OPTIONS[name]) | {"debiased", "extra_df"}
    unknown = sorted(given - allowed)
    if unknown:
        uses = ", ".join(_OPTIONS[name]) or "no options"
        known = {o for opts in _OPTIONS.values() for o in opts}
        which = [f"{u}= (used with cov_type={_owner(u)!r})" if u in known else f"{u}="
                 for u in unknown]
        raise SpecificationError(
            f"cov_type={cov_type!r} does not use {', '.join(which)}; it takes {uses}")
    if name == "clustered" and "clusters" not in given:
        raise SpecificationError("cov_type='clustered' needs clusters=<labels> (one column, or "
                                 "two for two-way clustering)")
    if "kernel" in given:
        kern = options["kernel"]
        if not isinstance(kern, str) or kern.lower() not in _KERNELS:
            raise SpecificationError(f"kernel={kern!r} is not recognised; valid values are: "
                                     + ", ".join(repr(k) for k in _KERNELS))
    if "bandwidth" in given:
        bw = options["bandwidth"]
        if isinstance(bw, bool) or not isinstance(bw, (int, float, np.integer, np.floating)) \
                or not np.isfinite(bw) or bw < 0:
            raise SpecificationError(f"bandwidth must be a non-negative number, got {bw!r}")
    if "debiased" in given and not isinstance(options["debiased"], (bool, np.bool_)):
        raise IntelcapTypeError(f"debiased must be True or False, got {options['debiased']!r}")
    if "extra_df" in given:
        d = options["extra_df"]
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise SpecificationError(f"extra_df must be a non-negative integer, got {d!r}")
    return name


def _owner(option: str) -> str:
    return next(k for k, v in _OPTIONS.items() if option in v)


def default_bandwidth(nperiods: int) -> int:
    r"""Default Bartlett bandwidth :math:`\lfloor 4 (T/100)^{2/9} \rfloor` for ``T`` periods.

    Newey and West (1994)'s rule of thumb, linearmodels' Driscoll-Kraay default.
    """
    return int(math.floor(4 * (nperiods / 100) ** (2 / 9)))


@dataclass(frozen=True)
class CovarianceEstimate:
    """A parameter covariance with everything needed to report it.

    Attributes
    ----------
    cov : ndarray
        The :math:`k \\times k` covariance (NaN rows and columns for parameters that are not
        identified or whose variance came out negative).
    cov_type : str
        Canonical name (see :data:`COV_TYPES`).
    debiased : bool
        Whether the small-sample factor was applied (and t/F distributions are implied).
    nobs, df_resid : int
        Observations and residual degrees of freedom :math:`n - d - k`.
    factor : float
        The small-sample factor :math:`c` (for two-way clustering, that of the first dimension).
    nclusters : tuple of int or None
        Clusters per dimension (and of the intersection, for two-way).
    bandwidth : float or None
        Kernel bandwidth used.
    kernel : str or None
        ``"bartlett"`` for ``cov_type="kernel"``.
    driscoll_kraay : bool
        Kernel over period sums (``time`` given) rather than over rows (Newey-West).
    not_identified : tuple of str
        Parameters the Jacobian does not identify.
    negative_variance : tuple of str
        Parameters whose estimated variance was negative.
    """

    cov: np.ndarray
    cov_type: str
    debiased: bool
    nobs: int
    df_resid: int
    factor: float
    nclusters: tuple[int, ...] | None = None
    bandwidth: float | None = None
    kernel: str | None = None
    driscoll_kraay: bool = False
    not_identified: tuple[str, ...] = field(default_factory=tuple)
    negative_variance: tuple[str, ...] = field(default_factory=tuple)

    @property
    def distribution(self) -> str:
        """``"t"`` when debiased (t and F tests), else ``"normal"`` (z and chi-square tests)."""
        return "t" if self.debiased else "normal"

    @property
    def description(self) -> str:
        """One line for summaries, e.g. ``"HC1 (robust, debiased)"``."""
        deb = "debiased" if self.debiased else "not debiased"
        if self.cov_type == "unadjusted":
            s2 = "s2 = SSR/(n-k)" if self.debiased else "s2 = SSR/n"
            return f"Unadjusted (homoskedastic, {s2})"
        if self.cov_type == "robust":
            return "HC1 (robust, debiased)" if self.debiased else "HC0 (robust)"
        if self.cov_type in ("HC0", "HC1", "HC2", "HC3"):
            ref = ", t reference" if self.debiased else ""
            return f"{self.cov_type} (heteroskedasticity-robust{ref})"
        if self.cov_type == "clustered":
            assert self.nclusters is not None
            if len(self.nclusters) == 1:
                return f"Clustered ({self.nclusters[0]} clusters, {deb})"
            return (f"Clustered two-way ({self.nclusters[0]} x {self.nclusters[1]} clusters, "
                    f"{deb})")
        name = "Driscoll-Kraay" if self.driscoll_kraay else "Newey-West"
        return f"{name} kernel (Bartlett, bandwidth {self.bandwidth:g}, {deb})"

    def frame(self, names: Sequence[str]) -> pd.DataFrame:
        """The covariance as a DataFrame indexed and columned by ``names``."""
        return pd.DataFrame(self.cov, index=list(names), columns=list(names))


def _names(k: int, names: Sequence[str] | None) -> list[str]:
    if names is None:
        return [f"x{j}" for j in range(k)]
    names = [str(n) for n in names]
    if len(names) != k:
        raise DataError(f"names has {len(names)} entries for {k} parameters")
    return names


def bread(jacobian: Any, names: Sequence[str] | None = None, *,
          warn: bool = True) -> tuple[np.ndarray, tuple[str, ...]]:
    r"""The bread :math:`(J'J)^{-1}` from a rank-revealing factorisation of :math:`J`.

    The columns of :math:`J` are scaled to unit Euclidean norm (by powers of two, exactly), then
    :math:`J D^{-1} = U \Sigma V'` (singular value decomposition) and
    :math:`(J'J)^{-1} = D^{-1} V \Sigma^{-2} V' D^{-1}`. Singular values at or below
    :math:`\max(n, k)\,\epsilon\,\sigma_1` count as zero (numpy's ``matrix_rank`` rule).

    Parameters
    ----------
    jacobian : array-like, n x k
        Jacobian of the mean function (the design of a linear model).
    names : sequence of str, optional
        Parameter names, used in the warning.
    warn : bool
        Issue the :class:`~intelcap.exceptions.CovarianceWarning` on rank deficiency.

    Returns
    -------
    bread : ndarray, k x k
        With NaN rows and columns for the parameters that are not identified.
    not_identified : tuple of str
        Parameters whose column has a component in the null space of :math:`J` (relative
        size above :math:`10^{-8}`).
    """
    j = np.asarray(jacobian, dtype=float)
    if j.ndim != 2:
        raise DataError(f"the Jacobian must be 2-dimensional (n x k), got shape {j.shape}")
    n, k = j.shape
    names = _names(k, names)
    if not np.all(np.isfinite(j)):
        r, c = np.argwhere(~np.isfinite(j))[0]
        raise DataError(f"the Jacobian is not finite for parameter {names[c]!r} at row {r}")
    norms = np.linalg.norm(j, axis=0)
    zero = norms == 0
    scale = np.where(zero, 1.0, np.exp2(np.round(np.log2(np.where(zero, 1.0, norms)))))
    _, s, vt = np.linalg.svd(j / scale, full_matrices=False)
    tol = (s[0] if s.size else 0.0) * max(n, k) * _EPS
    rank = int(np.sum(s > tol))
    v = vt[:rank].T / s[:rank]
    b = (v @ v.T) / np.outer(scale, scale)
    bad: tuple[str, ...] = ()
    if rank < k:
        null = vt[rank:].T  # k x (k - rank), orthonormal basis of the null space
        load = np.linalg.norm(null, axis=1)
        idx = np.flatnonzero(load > 1e-8)
        bad = tuple(names[i] for i in idx)
        b[idx, :] = np.nan
        b[:, idx] = np.nan
        if warn:
            warnings.warn(
                f"the Jacobian has rank {rank} < {k} parameters: {list(bad)} are not identified "
                "(they enter only through linear combinations of each other); their variances "
                "and covariances are NaN", CovarianceWarning, stacklevel=3)
    return b, bad


def _codes(values: Any, n: int, what: str) -> tuple[np.ndarray, int]:
    codes, uniq = pd.factorize(np.asarray(values), use_na_sentinel=True)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise MissingDataError(f"{what} has a missing label at row {row}")
    if len(uniq) < 2:
        raise SpecificationError(f"{what} has {len(uniq)} distinct label(s); a clustered "
                                 "covariance needs at least two clusters")
    return codes, len(uniq)


def _cluster_columns(clusters: Any, n: int) -> list[tuple[np.ndarray, int]]:
    if isinstance(clusters, pd.Series):
        cols = [clusters.to_numpy()]
    elif isinstance(clusters, pd.DataFrame):
        cols = [clusters.iloc[:, c].to_numpy() for c in range(clusters.shape[1])]
    else:
        arr = np.asarray(clusters)
        if arr.ndim == 1:
            cols = [arr]
        elif arr.ndim == 2:
            cols = [arr[:, c] for c in range(arr.shape[1])]
        else:
            raise DataError(f"clusters must be 1- or 2-dimensional, got shape {arr.shape}")
    if not 1 <= len(cols) <= 2:
        raise DataError(f"clusters has {len(cols)} columns; one- and two-way clustering are "
                        "supported")
    for c in cols:
        if len(c) != n:
            raise DataError(f"clusters has {len(c)} labels for {n} observations")
    return [_codes(c, n, "clusters" if len(cols) == 1 else f"clusters column {i}")
            for i, c in enumerate(cols)]


def _cluster_meat(scores: np.ndarray, codes: np.ndarray, ng: int) -> np.ndarray:
    sums = np.zeros((ng, scores.shape[1]))
    np.add.at(sums, codes, scores)
    return sums.T @ sums


def _kernel_meat(scores: np.ndarray, bw: int) -> np.ndarray:
    meat = scores.T @ scores
    for lag in range(1, bw + 1):
        g = scores[lag:].T @ scores[:-lag]
        meat += (1.0 - lag / (bw + 1.0)) * (g + g.T)
    return meat


def _unadjusted(e: np.ndarray, b: np.ndarray, n: int, n_eff: int, df_resid: int,
                debiased: bool) -> tuple[np.ndarray, float]:
    r"""Homoskedastic covariance ``"unadjusted"`` (alias ``"homoskedastic"``).

    .. math::

        \widehat V = s^2 (J'J)^{-1}, \qquad
        s^2 = \frac{e'e}{n - d} \;\text{or, debiased,}\; \frac{e'e}{n - d - k}.

    Small-sample factor: :math:`n/(n-d-k)` on :math:`e'e/n` when debiased (the classical
    unbiased :math:`s^2`; statsmodels' ``nonrobust``, NIST's certified standard deviations).
    Reference: Greene, W. H. (2018), *Econometric Analysis*, 8th ed., Pearson, section 4.3;
    linearmodels' ``HomoskedasticCovariance``.
    """
    denom = df_resid if debiased else n_eff
    return (float(e @ e) / denom) * b, n / denom


def _heteroskedastic(name: str, j: np.ndarray, scores: np.ndarray, b: np.ndarray, n: int,
                     n_eff: int, df_resid: int, debiased: bool) -> tuple[np.ndarray, float]:
    r"""Heteroskedasticity-robust covariances ``"robust"`` (alias ``"heteroskedastic"``) and
    ``"HC0"``-``"HC3"``.

    .. math::

        \widehat V = c\,(J'J)^{-1} \Big(\sum_i \omega_i e_i^2 j_i j_i'\Big) (J'J)^{-1},
        \qquad h_i = j_i'(J'J)^{-1} j_i,

    with :math:`\omega_i = 1` and :math:`c = 1` (HC0, White 1980), :math:`c = n/(n-d-k)`
    (HC1), :math:`\omega_i = 1/(1-h_i)` (HC2) or :math:`1/(1-h_i)^2` (HC3) with :math:`c=1`
    (MacKinnon and White 1985). ``"robust"`` is HC0 with :math:`c = n/(n-d)`, or HC1 when
    debiased (linearmodels' ``robust``; Stata's ``vce(robust)`` is HC1).
    References: White (1980), *Econometrica* 48(4), 817-838; MacKinnon and White (1985),
    *Journal of Econometrics* 29(3), 305-325.
    """
    if name == "HC0":
        factor = 1.0
    elif name == "HC1" or (name == "robust" and debiased):
        factor = n / df_resid
    elif name == "robust":
        factor = n / n_eff
    else:
        lev = np.einsum("ij,jk,ik->i", j, b, j)
        if np.any(lev >= 1 - 1e-12):
            row = int(np.flatnonzero(lev >= 1 - 1e-12)[0])
            raise DataError(f"observation at row {row} has leverage 1; {name} is not defined "
                            "(drop the observation or use HC0/HC1)")
        w = 1.0 / (1.0 - lev) if name == "HC2" else 1.0 / (1.0 - lev) ** 2
        return b @ ((scores * w[:, None]).T @ scores) @ b, 1.0
    return factor * (b @ (scores.T @ scores) @ b), factor


def _clustered(scores: np.ndarray, b: np.ndarray, clusters: Any, n: int, n_eff: int,
               df_resid: int, debiased: bool
               ) -> tuple[np.ndarray, float, tuple[int, ...]]:
    r"""Cluster-robust covariance ``"clustered"``, one- or two-way.

    .. math::

        \widehat V_g = c_G\,(J'J)^{-1} \Big(\sum_{g=1}^{G} s_g s_g'\Big) (J'J)^{-1}, \qquad
        s_g = \sum_{i \in g} e_i j_i,

    with :math:`c_G = n/(n-d)`, or when debiased Stata's
    :math:`c_G = \frac{G}{G-1}\frac{n-1}{n-d-k}`. Two-way (Cameron, Gelbach and Miller 2011):
    :math:`\widehat V = \widehat V_{G_1} + \widehat V_{G_2} - \widehat V_{G_1 \cap G_2}`,
    each with its own :math:`G`, as statsmodels and linearmodels compute it. With entity
    effects absorbed and clusters that nest the entities, pass ``extra_df=0`` (the effects are
    not counted, as in linearmodels' PanelOLS and Stata's ``xtreg, fe vce(cluster)``).
    References: Cameron, Gelbach and Miller (2011), *Journal of Business & Economic
    Statistics* 29(2), 238-249; StataCorp, *Stata Base Reference Manual*, ``regress``,
    "Methods and formulas".
    """
    dims = _cluster_columns(clusters, n)

    def fac(g: int) -> float:
        return g / (g - 1) * (n - 1) / df_resid if debiased else n / n_eff

    if len(dims) == 1:
        codes, ng = dims[0]
        meat = fac(ng) * _cluster_meat(scores, codes, ng)
        return b @ meat @ b, fac(ng), (ng,)
    (c0, g0), (c1, g1) = dims
    c01, g01 = _codes(c0.astype(np.int64) * g1 + c1, n, "clusters intersection")
    meat = (fac(g0) * _cluster_meat(scores, c0, g0) + fac(g1) * _cluster_meat(scores, c1, g1)
            - fac(g01) * _cluster_meat(scores, c01, g01))
    return b @ meat @ b, fac(g0), (g0, g1, g01)


def _kernel(scores: np.ndarray, b: np.ndarray, time: Any, bandwidth: float | None, n: int,
            n_eff: int, df_resid: int, debiased: bool
            ) -> tuple[np.ndarray, float, float, bool]:
    r"""Kernel (HAC) covariance ``"kernel"``: Newey-West, or Driscoll-Kraay with ``time``.

    .. math::

        \widehat V = c\,(J'J)^{-1} \Big(\Gamma_0 + \sum_{l=1}^{m}
        \big(1 - \tfrac{l}{m+1}\big)(\Gamma_l + \Gamma_l')\Big) (J'J)^{-1}, \qquad
        \Gamma_l = \sum_t \xi_t \xi_{t-l}',

    with :math:`\xi_t = e_t j_t` (rows as periods, Newey-West) or
    :math:`\xi_t = \sum_{i \in t} e_i j_i` (period sums, Driscoll-Kraay), Bartlett weights,
    bandwidth :math:`m` (default :math:`\lfloor 4 (T/100)^{2/9} \rfloor`, Newey and West 1994),
    and :math:`c = n/(n-d)`, or :math:`n/(n-d-k)` when debiased.
    References: Newey and West (1987), *Econometrica* 55(3), 703-708; Newey and West (1994),
    *Review of Economic Studies* 61(4), 631-653; Driscoll and Kraay (1998), *Review of
    Economics and Statistics* 80(4), 549-560.
    """
    n_obs, k = scores.shape
    if time is not None:
        tv = np.asarray(time).reshape(-1)
        if tv.shape[0] != n_obs:
            raise DataError(f"time has {tv.shape[0]} values for {n_obs} observations")
        if pd.isna(tv).any():
            row = int(np.flatnonzero(pd.isna(tv))[0])
            raise MissingDataError(f"time is missing at row {row}")
        codes, uniq = pd.factorize(tv, sort=True)
        xi = np.zeros((len(uniq), k))
        np.add.at(xi, codes, scores)
    else:
        xi = scores
    nper = xi.shape[0]
    bw = default_bandwidth(nper) if bandwidth is None else float(bandwidth)
    if bw >= nper:
        which = "bandwidth" if bandwidth is not None else "default bandwidth"
        raise SpecificationError(
            f"the {which} {bw:g} must be below the number of periods, {nper}")
    factor = n / (df_resid if debiased else n_eff)
    return factor * (b @ _kernel_meat(xi, int(bw)) @ b), factor, bw, time is not None


def covariance(
    jacobian: Any,
    resids: Any,
    cov_type: str = "unadjusted",
    *,
    debiased: bool = False,
    clusters: Any = None,
    time: Any = None,
    bandwidth: float | None = None,
    kernel: str | None = None,
    extra_df: int = 0,
    names: Sequence[str] | None = None,
    bread_matrix: np.ndarray | None = None,
) -> CovarianceEstimate:
    r"""Parameter covariance :math:`c\,B\widehat S B` of a least-squares fit (see the module).

    Parameters
    ----------
    jacobian : array-like, n x k
        Jacobian of the mean function at the estimate (the design :math:`X` of a linear model),
        in the parametrisation in which the covariance is wanted.
    resids : array-like, n
        Residuals :math:`e = y - f(\hat\theta)`.
    cov_type : str
        One of :data:`COV_TYPES` or :data:`ALIASES`.
    debiased : bool
        Apply the small-sample factor (see the table in the module docstring); results then
        use t and F reference distributions. Default False, as in linearmodels.
    clusters : array-like, Series or DataFrame, optional
        Cluster labels for ``cov_type="clustered"``: one column (one-way) or two (two-way),
        one row per observation.
    time : array-like, optional
        Period of each observation for ``cov_type="kernel"``: the Driscoll-Kraay covariance
        (scores summed within periods). Without it, rows are periods in order (Newey-West).
    bandwidth : float, optional
        Bartlett bandwidth (its integer part is used); default
        :func:`default_bandwidth` of the number of periods. Must be below that number.
    kernel : {"bartlett", "newey-west"}, optional
        The kernel (both names are the Bartlett kernel, the only one offered).
    extra_df : int
        Degrees of freedom absorbed outside the Jacobian (for example entity effects removed by
        a within transformation); always subtracted from :math:`n`, as in linearmodels. With
        clusters that nest the absorbed effects (entity effects, clustered by entity) pass 0:
        the effects are not counted (linearmodels' PanelOLS, Stata's ``xtreg, fe``).
    names : sequence of str, optional
        Parameter names for the warnings.
    bread_matrix : ndarray, optional
        :math:`(J'J)^{-1}` when the estimator already holds it more accurately than this
        module would compute it (intelcap's OLS, from its scaled QR or in 40 digits). Otherwise
        computed by :func:`bread`.

    Returns
    -------
    CovarianceEstimate
        The covariance, its description for summaries and its reference distribution.

    Raises
    ------
    SpecificationError
        An unknown ``cov_type`` or an option it does not use; a bandwidth not below the
        number of periods; no residual degrees of freedom.
    DataError
        Residuals, clusters or time of the wrong length, or non-finite values.

    Warns
    -----
    CovarianceWarning
        A parameter is not identified (rank-deficient Jacobian) or its variance is negative;
        its row and column are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.column_stack([np.ones(5), np.arange(5.0)])
    >>> e = np.array([0.1, -0.2, 0.15, -0.05, 0.0])
    >>> est = covariance(x, e, "robust", debiased=True)
    >>> est.description
    'HC1 (robust, debiased)'
    """
    name = check_cov_options(cov_type, clusters=clusters, time=time, bandwidth=bandwidth,
                             kernel=kernel, debiased=debiased, extra_df=extra_df)
    j = np.asarray(jacobian, dtype=float)
    if j.ndim == 1:
        j = j[:, None]
    if j.ndim != 2:
        raise DataError(f"the Jacobian must be 2-dimensional (n x k), got shape {j.shape}")
    n, k = j.shape
    pnames = _names(k, names)
    e = np.asarray(resids, dtype=float).reshape(-1)
    if e.shape[0] != n:
        raise DataError(f"resids has {e.shape[0]} values for a Jacobian with {n} rows")
    if not np.all(np.isfinite(e)):
        raise DataError(f"resids are not finite at row {int(np.flatnonzero(~np.isfinite(e))[0])}")
    n_eff = n - int(extra_df)
    df_resid = n_eff - k
    if (df_resid if debiased or name in ("HC1",) else n_eff) <= 0:
        raise SpecificationError(
            f"{n} observations leave no residual degrees of freedom for {k} parameters"
            + (f" and {extra_df} absorbed degrees of freedom" if extra_df else ""))
    if bread_matrix is None:
        b, bad = bread(j, pnames)
    else:
        b = np.asarray(bread_matrix, dtype=float)
        if b.shape != (k, k):
            raise DataError(f"bread_matrix has shape {b.shape}; expected {(k, k)}")
        bad = tuple(pnames[i] for i in range(k) if not np.isfinite(b[i, i]))
    ok = np.isfinite(np.diag(b))
    bz = np.where(np.isfinite(b), b, 0.0)  # NaN rows/cols restored below
    # the scores e_i j_i (n x k) only for the covariances built from them: the unadjusted one
    # needs only e'e, and forming an n x k array for nothing costs a full pass over it
    scores = None if name == "unadjusted" else j * e[:, None]
    nclusters: tuple[int, ...] | None = None
    bw_used: float | None = None
    kern: str | None = None
    dk = False
    if name == "unadjusted":
        cov, factor = _unadjusted(e, bz, n, n_eff, df_resid, debiased)
    elif name in ("robust", "HC0", "HC1", "HC2", "HC3"):
        cov, factor = _heteroskedastic(name, j, scores, bz, n, n_eff, df_resid, debiased)
    elif name == "clustered":
        cov, factor, nclusters = _clustered(scores, bz, clusters, n, n_eff, df_resid, debiased)
    else:
        cov, factor, bw_used, dk = _kernel(scores, bz, time, bandwidth, n, n_eff, df_resid,
                                           debiased)
        kern = "bartlett"
    cov = (cov + cov.T) / 2
    cov[~ok, :] = np.nan
    cov[:, ~ok] = np.nan
    diag = np.diag(cov)
    neg = np.flatnonzero(ok & (diag < 0))
    negative = tuple(pnames[i] for i in neg)
    if negative:
        warnings.warn(
            f"the {name} covariance gives negative variances for {list(negative)} (the estimate "
            "is not positive semi-definite); their standard errors are NaN, not 0",
            CovarianceWarning, stacklevel=2)
        cov[neg, :] = np.nan
        cov[:, neg] = np.nan
    return CovarianceEstimate(cov=cov, cov_type=name, debiased=bool(debiased), nobs=n,
                              df_resid=df_resid, factor=float(factor), nclusters=nclusters,
                              bandwidth=bw_used, kernel=kern, driscoll_kraay=dk,
                              not_identified=bad, negative_variance=negative)
