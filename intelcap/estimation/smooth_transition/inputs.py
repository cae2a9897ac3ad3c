"""Input boundary of the smooth transition models: aligned arrays from pandas objects,
rank checks, least squares."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg

from intelcap._validation import stack_aligned
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
)


def _as_frame(obj: Any, name: str) -> pd.DataFrame:
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, np.ndarray):
        arr = obj.reshape(len(obj), -1)
        return pd.DataFrame(arr, columns=[f"{name}.{i}" for i in range(arr.shape[1])])
    raise IntelcapTypeError(f"{name} must be a pandas Series/DataFrame or a numpy array, got "
                            f"{type(obj).__name__}")


def _as_series(obj: Any, name: str) -> pd.Series:
    if isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, pd.DataFrame):
        if obj.shape[1] != 1:
            raise DataError(f"{name} must have one column, it has {obj.shape[1]}")
        return obj.iloc[:, 0]
    if isinstance(obj, np.ndarray):
        return pd.Series(obj.ravel(), name=name)
    raise IntelcapTypeError(f"{name} must be a pandas Series or a numpy array, got "
                            f"{type(obj).__name__}")


def _prepare(dependent, exog, transition, transition_exog, missing):
    """Arrays of the model from the user's objects, through the shared boundary
    (:func:`intelcap._validation.stack_aligned`: lengths, indexes, missing values, infinities,
    each error naming the user's column and row)."""
    y = _as_series(dependent, "dependent")
    x = _as_frame(exog, "exog")
    q = _as_series(transition, "transition")
    z = x if transition_exog is None else _as_frame(transition_exog, "transition_exog")
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
