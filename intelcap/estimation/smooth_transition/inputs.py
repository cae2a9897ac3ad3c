"""Input boundary of the smooth transition models: aligned arrays from pandas objects,
rank checks, least squares."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg

from intelcap._validation import (
    handle_missing,
)
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
    y = _as_series(dependent, "dependent")
    x = _as_frame(exog, "exog")
    q = _as_series(transition, "transition")
    z = x if transition_exog is None else _as_frame(transition_exog, "transition_exog")
    for nm, obj in (("exog", x), ("transition", q), ("transition_exog", z)):
        if len(obj) != len(y):
            raise DataError(f"{nm} has {len(obj)} rows but dependent has {len(y)}")
        if not obj.index.equals(y.index):
            raise DataError(f"index of {nm} differs from index of dependent; align them first")
    yname = str(y.name) if y.name is not None else "y"
    qname = str(q.name) if q.name is not None else "q"
    frame = pd.concat(
        {"__y": y.rename("__y"), "__q": q.rename("__q")}, axis=1
    )
    xcols = [str(c) for c in x.columns]
    zcols = [str(c) for c in z.columns]
    full = pd.concat([frame, x.set_axis([f"x:{c}" for c in xcols], axis=1),
                      z.set_axis([f"z:{c}" for c in zcols], axis=1)], axis=1)
    names = {"__y": yname, "__q": qname}
    names.update({f"x:{c}": c for c in xcols})
    names.update({f"z:{c}": c for c in zcols})
    cols = list(full.columns)
    if full[cols].isna().to_numpy().any():
        if missing == "raise":
            isna = full.isna()
            col = next(c for c in cols if isna[c].any())
            row = isna.index[isna[col].to_numpy()][0]
            from intelcap.exceptions import MissingDataError

            raise MissingDataError(
                f"column {names[col]!r} has {int(isna[col].sum())} missing value(s), first at "
                f"row {row!r}; pass missing='drop' to drop incomplete rows")
        full = handle_missing(full, cols, "drop")
    for c in cols:
        arr = full[c].to_numpy(dtype=float)
        if not np.all(np.isfinite(arr)):
            pos = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise DataError(f"column {names[c]!r} has a non-finite value at row "
                            f"{full.index[pos]!r}")
    return (full["__y"].to_numpy(dtype=float), full[[f"x:{c}" for c in xcols]].to_numpy(float),
            full["__q"].to_numpy(dtype=float), full[[f"z:{c}" for c in zcols]].to_numpy(float),
            full.index, yname, qname, xcols, zcols)


def _check_rank(x: np.ndarray, names: list[str], what: str) -> None:
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        raise DataError(f"{what} {names} are collinear (rank {rank} < {x.shape[1]})")


def _ols(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares by pivoted QR (LAPACK gelsy): faster than SVD on tall panels."""
    return linalg.lstsq(a, b, lapack_driver="gelsy", check_finite=False)[0]
