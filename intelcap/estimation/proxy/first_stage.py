"""First stage of the proxy-variable estimators: a polynomial series regression.

.. math::

    y_{it} = \\beta_0 + \\beta_f' x^{f}_{it} + \\Phi(s_{it}, p_{it}) + \\varepsilon_{it},
    \\qquad \\Phi \\approx \\sum_{1 \\le |a| \\le d} \\pi_a\\, v_{it}^{a},

where :math:`v` are the polynomial variables (the state inputs and the proxy for Olley-Pakes and
Levinsohn-Petrin; every input and the proxy for Ackerberg-Caves-Frazer), :math:`a` runs over all
multi-indices of total degree 1 to :math:`d` (``poly_order``; a complete polynomial) and
:math:`x^f` are terms that enter linearly (the free inputs of OP and LP). The polynomial
variables are centred and scaled before the monomials are formed: a complete polynomial of total
degree :math:`d` spans the same space after any affine change of its variables, so the fitted
values are unchanged while the design is far better conditioned; the linear terms are only
centred, which leaves their coefficients unchanged.

The design is factorised once, :math:`D = QR` (CholeskyQR2). A fit with row weights :math:`w`
(the block bootstrap's firm multiplicities) solves :math:`(Q'WQ)\\eta = Q'Wy` and returns
:math:`\\hat\\Phi = Q\\eta`, with :math:`Q'WQ` assembled from per-firm cross-products, so that
all bootstrap replications are one matrix product (``counts @ per_firm``); with unit weights the
fit is the orthogonal projection :math:`QQ'y`.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy as np
import scipy.linalg as sla

from intelcap.exceptions import DataError

__all__ = ["FirstStage", "polynomial"]


def polynomial(variables: np.ndarray, degree: int, names: list[str] | None = None
               ) -> tuple[np.ndarray, list[str]]:
    """All monomials of total degree 1..``degree`` in the columns of ``variables``."""
    variables = np.asarray(variables, dtype=float)
    n, v = variables.shape
    names = names or [f"v{j}" for j in range(v)]
    cols, labels = [], []
    for d in range(1, degree + 1):
        for combo in combinations_with_replacement(range(v), d):
            col = np.ones(n)
            for j in combo:
                col = col * variables[:, j]
            cols.append(col)
            labels.append("*".join(names[j] for j in combo))
    return (np.column_stack(cols) if cols else np.empty((n, 0))), labels


def _cholesky_qr2(D: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Thin QR of a tall, well-conditioned design by CholeskyQR2 (two Cholesky passes).

    Used instead of LAPACK's Householder QR, whose threaded blocking is slow for a tall, thin
    matrix on a loaded machine; with centred and scaled polynomial columns the design's
    condition number is far below the :math:`10^{8}` where CholeskyQR2 loses orthogonality.
    Returns ``(Q, None)`` when the Gram matrix is not positive definite (collinear columns).
    """
    try:
        R1 = np.linalg.cholesky(D.T @ D).T
        Q1 = sla.solve_triangular(R1, D.T, trans="T", lower=False).T
        R2 = np.linalg.cholesky(Q1.T @ Q1).T
        Q = sla.solve_triangular(R2, Q1.T, trans="T", lower=False).T
    except np.linalg.LinAlgError:
        return D, None
    return Q, R2 @ R1


class FirstStage:
    """The series regression of the first stage, factorised once for many weightings.

    Parameters
    ----------
    y : ndarray (n,)
        Dependent variable.
    linear : ndarray (n, a)
        Terms entering linearly (their coefficients are reported), possibly with zero columns.
    poly_vars : ndarray (n, v)
        Variables of the complete polynomial.
    degree : int
        Total degree of the polynomial.
    entity : ndarray of int (n,)
        Firm codes (for per-firm cross-products).
    linear_names, poly_names : list of str
        Names, for error messages.
    """

    def __init__(self, y: np.ndarray, linear: np.ndarray, poly_vars: np.ndarray, degree: int,
                 entity: np.ndarray, linear_names: list[str], poly_names: list[str]) -> None:
        n = y.shape[0]
        self.n_linear = linear.shape[1]
        mu = poly_vars.mean(axis=0)
        sd = poly_vars.std(axis=0)
        const = sd == 0
        if const.any():
            raise DataError(f"first stage: variable {poly_names[int(np.flatnonzero(const)[0])]!r}"
                            " is constant in the sample; it cannot enter the polynomial")
        poly, labels = polynomial((poly_vars - mu) / sd, degree, poly_names)
        lin = linear - linear.mean(axis=0) if self.n_linear else linear
        D = np.column_stack([np.ones(n), lin, poly])
        self.names = ["const", *linear_names, *labels]
        Q, R = _cholesky_qr2(D)
        d = np.abs(np.diag(R)) if R is not None else np.zeros(D.shape[1])
        col_norm = np.linalg.norm(D, axis=0)
        rel = d / np.where(col_norm > 0, col_norm, 1.0)
        if R is None or np.any(rel < 1e-10):
            j = int(np.argmin(rel))
            raise DataError(
                f"first stage: term {self.names[j]!r} is collinear with the others (the "
                "linear terms and the polynomial overlap, or the data have too little variation "
                "for a polynomial of this order); lower poly_order or check the inputs")
        self.Q, self.R, self.y = Q, R, y
        self.entity = entity
        self.n_entities = int(entity.max()) + 1
        # per-firm cross-products of Q and Q'y, flattened: (F, p*p) and (F, p)
        p = Q.shape[1]
        self.p = p
        outer = (Q[:, :, None] * Q[:, None, :]).reshape(n, p * p)
        self._QQf = np.zeros((self.n_entities, p * p))
        np.add.at(self._QQf, entity, outer)
        self._Qyf = np.zeros((self.n_entities, p))
        np.add.at(self._Qyf, entity, Q * y[:, None])

    def fit(self, counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Fitted values and linear-term coefficients.

        Parameters
        ----------
        counts : ndarray (B, n_entities), optional
            Firm multiplicities of B bootstrap draws; ``None`` for the estimation sample.

        Returns
        -------
        fitted : ndarray (B, n)
            :math:`\\hat y` of each weighting.
        linear_coef : ndarray (B, a)
            Coefficients of the linear terms.
        """
        if counts is None:
            eta = (self.Q.T @ self.y)[None, :]
        else:
            B = counts.shape[0]
            QWQ = (counts @ self._QQf).reshape(B, self.p, self.p)
            QWy = counts @ self._Qyf
            eta = np.linalg.solve(QWQ, QWy[:, :, None])[:, :, 0]
        fitted = eta @ self.Q.T
        a = self.n_linear
        if a:
            theta = sla.solve_triangular(self.R, eta.T, lower=False).T
            lin = theta[:, 1:1 + a]
        else:
            lin = np.empty((eta.shape[0], 0))
        return fitted, lin

    def linear_part(self, linear: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """:math:`x^f\\hat\\beta_f` for each weighting (B, n), on the uncentred terms."""
        if self.n_linear == 0:
            return np.zeros((coef.shape[0], linear.shape[0]))
        return coef @ linear.T
