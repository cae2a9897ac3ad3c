"""LM tests of linearity and of no remaining nonlinearity (Luukkonen, Saikkonen and
Terasvirta 1988; Gonzalez, Terasvirta and van Dijk 2005): statistics and their distributions."""

from __future__ import annotations

import numpy as np
from scipy import linalg, stats

from intelcap.estimation.results import InvalidTestStatistic, TestStatistic


def _independent_columns(base: np.ndarray, extra: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Indices of ``extra`` columns that add rank to ``base`` (full column rank), greedily.

    Each candidate is orthogonalised (twice, Gram-Schmidt) against the columns kept so far; it
    is kept when the residual norm exceeds ``tol`` times its own norm.
    """
    q = np.linalg.qr(base)[0] if base.shape[1] else np.empty((extra.shape[0], 0))
    keep: list[int] = []
    for j in range(extra.shape[1]):
        v = extra[:, j]
        nv = float(np.linalg.norm(v))
        if nv == 0:
            continue
        r = v - q @ (q.T @ v)
        r = r - q @ (q.T @ r)
        nr = float(np.linalg.norm(r))
        if nr > tol * nv:
            keep.append(j)
            q = np.column_stack([q, r / nr])
    return np.asarray(keep, dtype=int)


def _ftest(stat_chi2: float, df1: int, df2: float, nobs: int, name: str, null: str,
           f_version: bool) -> TestStatistic:
    if f_version:
        f = stat_chi2 * df2 / (nobs * df1)
        dist = stats.f(df1, df2)
        return TestStatistic(f, float(dist.sf(f)), null=null, dist_name=f"F({df1}, {df2:g})",
                             df=(float(df1), float(df2)),
                             critical_values={a: float(dist.ppf(1 - a)) for a in (.1, .05, .01)},
                             name=name)
    dist = stats.chi2(df1)
    return TestStatistic(stat_chi2, float(dist.sf(stat_chi2)), null=null,
                         dist_name=f"chi2({df1})", df=float(df1),
                         critical_values={a: float(dist.ppf(1 - a)) for a in (.1, .05, .01)},
                         name=name)


class SingularMatrix(Exception):
    """A matrix the LM statistics must invert is not positive definite (``what`` names it)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _spd_inverse(s: np.ndarray, what: str) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix by Cholesky; :class:`SingularMatrix`
    naming ``what`` if it is not positive definite (never a pseudo-inverse in silence)."""
    try:
        return linalg.cho_solve(linalg.cho_factor(s), np.eye(s.shape[0]))
    except linalg.LinAlgError:
        raise SingularMatrix(what) from None


def _invalid(what: str, null: str, names=("LM_X", "LM_F", "HAC_X", "HAC_F")) -> dict:
    reason = (f"{what} is singular (not positive definite): the auxiliary regressors are "
              "numerically collinear with the regressors or the gradient")
    return {k: InvalidTestStatistic(reason, name=k, null=null) for k in names}


def panel_lm_stats(u: np.ndarray, x2: np.ndarray, w2: np.ndarray, codes: np.ndarray,
                   n_entities: int, *, null: str, n_params: int) -> dict[str, TestStatistic]:
    """LM_X, LM_F, HAC_X and HAC_F of adding ``w2`` to the within regression on ``x2``
    (the formulas of the package docstring; ``codes`` the entity of each row)."""
    nobs, n_ent = u.size, n_entities
    df1 = w2.shape[1]
    df2 = nobs - df1 - n_ent - n_params
    s2 = float(np.sum((u - u.mean()) ** 2) / nobs)
    try:
        xx_inv = _spd_inverse(x2.T @ x2, "X'X of the regressors (or the gradient)")
        xw = x2.T @ w2
        s1 = (w2.T @ w2 - xw.T @ xx_inv @ xw) * s2
        wu = w2.T @ u
        lm = float(wu @ _spd_inverse(s1, "the covariance of the score (LM)") @ wu)
        zu = np.column_stack([x2, w2]) * u[:, None]
        sums = np.zeros((n_ent, zu.shape[1]))
        np.add.at(sums, codes, zu)
        delta = sums.T @ sums
        a = np.column_stack([-xw.T @ xx_inv, np.eye(df1)])
        s2m = a @ delta @ a.T
        hac = float(wu @ _spd_inverse(s2m, "the cluster-robust covariance of the score (HAC)")
                    @ wu)
    except SingularMatrix as err:
        return _invalid(err.what, null)
    if lm < 0 or hac < 0:
        reason = ("the auxiliary regressors are numerically collinear with the gradient "
                  "(the covariance of the score is not positive definite)")
        return {k: InvalidTestStatistic(reason, name=k, null=null)
                for k in ("LM_X", "LM_F", "HAC_X", "HAC_F")}
    return {
        "LM_X": _ftest(lm, df1, df2, nobs, "LM_X", null, False),
        "LM_F": _ftest(lm, df1, df2, nobs, "LM_F", null, True),
        "HAC_X": _ftest(hac, df1, df2, nobs, "HAC_X", null, False),
        "HAC_F": _ftest(hac, df1, df2, nobs, "HAC_F", null, True),
    }
