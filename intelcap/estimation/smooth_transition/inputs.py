"""Input boundary of the smooth transition models: aligned arrays from pandas objects,
rank checks, least squares."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from intelcap._validation import as_frame, as_series, stack_aligned
from intelcap.exceptions import (
    DataError,
)


def _prepare(dependent, exog, transition, transition_exog, missing):
    """Arrays of the model from the user's objects, through the shared boundary
    (:func:`intelcap._validation.stack_aligned`: lengths, indexes, missing values, infinities,
    each error naming the user's column and row)."""
    y = as_series(dependent, "dependent")
    x = as_frame(exog, "exog")
    q = as_series(transition, "transition")
    z = x if transition_exog is None else as_frame(transition_exog, "transition_exog")
    yname = str(y.name) if y.name is not None else "y"
    qname = str(q.name) if q.name is not None else "q"
    frames = {"dependent": y.to_frame(yname), "exog": x, "transition": q.to_frame(qname),
              "transition_exog": z}
    full, labels = stack_aligned(frames, missing)
    xcols = [str(c) for c in x.columns]
    zcols = [str(c) for c in z.columns]
    return (full[labels["dependent"][0]].to_numpy(dtype=float),
            full[labels["exog"]].to_numpy(float),
            full[labels["transition"][0]].to_numpy(dtype=float),
            full[labels["transition_exog"]].to_numpy(float),
            full.index, yname, qname, xcols, zcols)


def _check_rank(x: np.ndarray, names: list[str], what: str) -> None:
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        raise DataError(f"{what} {names} are collinear (rank {rank} < {x.shape[1]})")


def _ols(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares by pivoted QR (LAPACK gelsy): faster than SVD on tall panels."""
    return linalg.lstsq(a, b, lapack_driver="gelsy", check_finite=False)[0]
