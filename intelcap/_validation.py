"""Validation and pandas-boundary helpers shared by every module.

The rule: validate at the boundary, name the culprit, remember the caller's index,
compute on arrays and wrap back; never align silently; randomness only through
:class:`numpy.random.Generator`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    MissingDataError,
    SpecificationError,
)

__all__ = [
    "as_frame",
    "as_generator",
    "as_series",
    "check_choice",
    "check_columns",
    "check_finite",
    "check_positive",
    "handle_missing",
    "progress_bar",
    "require_aligned",
    "stack_aligned",
]

MissingPolicy = Literal["raise", "drop"]


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from an int seed, a Generator or None.

    ``None`` gives a fresh, OS-seeded generator; results record the seed they were given so a run
    can be repeated.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise IntelcapTypeError(
        f"seed must be an int, a numpy.random.Generator or None, got {type(seed).__name__}"
    )


def _array_columns(k: int, prefix: str, numbered: bool) -> list[str]:
    """Names of unnamed array columns: ``prefix`` alone for one column unless ``numbered``,
    else ``prefix1 ... prefixk``."""
    if k == 1 and not numbered:
        return [prefix]
    return [f"{prefix}{j + 1}" for j in range(k)]


def as_frame(obj: Any, what: str, *, prefix: str | None = None, numbered: bool = False,
             arrays: bool = True, numeric: bool = False) -> pd.DataFrame:
    """One model argument as a DataFrame with string column names (the input boundary).

    A DataFrame passes through; a Series becomes a one-column frame named by the Series (or
    ``prefix`` when it has no name); with ``arrays=True`` a numpy array or other array-like
    of one or two dimensions becomes a float frame whose columns are ``prefix`` (one column)
    or ``prefix1 ... prefixk`` (several, or always with ``numbered=True``). ``numeric=True``
    converts the result to float, naming the argument when that fails.

    Parameters
    ----------
    obj : DataFrame, Series or array-like
        The argument.
    what : str
        Its name in the caller's signature (used in errors).
    prefix : str, optional
        Name stem for unnamed columns (default ``what``).
    numbered, arrays, numeric : bool
        As above.
    """
    prefix = what if prefix is None else prefix
    if isinstance(obj, pd.DataFrame):
        out = obj
    elif isinstance(obj, pd.Series):
        out = obj.to_frame(prefix if obj.name is None else obj.name)
    elif not arrays:
        raise IntelcapTypeError(f"{what} must be a pandas Series or DataFrame, got "
                                f"{type(obj).__name__}")
    else:
        try:
            arr = np.asarray(obj, dtype=float)
        except (TypeError, ValueError) as err:
            raise IntelcapTypeError(f"{what} must be numeric array-like: {err}") from None
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise DataError(f"{what} must be one- or two-dimensional, got {arr.ndim} dimensions")
        out = pd.DataFrame(arr, columns=_array_columns(arr.shape[1], prefix, numbered))
    if not all(isinstance(c, str) for c in out.columns):
        out = out.set_axis([str(c) for c in out.columns], axis=1)
    if numeric:
        try:
            out = out.astype(float)
        except (TypeError, ValueError) as err:
            raise IntelcapTypeError(f"{what} must be numeric: {err}") from None
    return out


def as_series(obj: Any, what: str, *, arrays: bool = True) -> pd.Series:
    """One model argument that is a single variable as a Series.

    A Series passes through; a one-column DataFrame gives its column; with ``arrays=True`` a
    numpy array or other array-like of one column becomes a float Series named ``what``.
    """
    if isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, pd.DataFrame) or arrays:
        frame = as_frame(obj, what, arrays=arrays)
        if frame.shape[1] != 1:
            raise DataError(f"{what} must be one variable, got {frame.shape[1]} columns")
        return frame.iloc[:, 0]
    raise IntelcapTypeError(f"{what} must be a pandas Series or DataFrame, got "
                            f"{type(obj).__name__}")


def check_choice(name: str, value: str, valid: Iterable[str]) -> str:
    """Check that option ``name`` takes one of ``valid`` values; the error lists them."""
    valid = list(valid)
    if not isinstance(value, str) or value not in valid:
        raise SpecificationError(
            f"{name}={value!r} is not recognised; valid values are: "
            + ", ".join(repr(v) for v in valid)
        )
    return value


def check_columns(
    data: pd.DataFrame,
    required: Sequence[str],
    *,
    what: str = "data",
    allow_extra: bool = True,
) -> None:
    """Raise :class:`DataError` naming every missing (or, if not allowed, extra) column."""
    if not isinstance(data, pd.DataFrame):
        raise IntelcapTypeError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    cols = [str(c) for c in data.columns]
    missing = [c for c in required if c not in cols]
    if missing:
        raise DataError(
            f"{what} is missing column(s) {missing}; it has {cols}"
        )
    if not allow_extra:
        extra = [c for c in cols if c not in required]
        if extra:
            raise DataError(
                f"{what} has unexpected column(s) {extra}; expected only {list(required)}"
            )


def _first_bad(values: np.ndarray, bad: np.ndarray, index: pd.Index | None) -> str:
    pos = int(np.flatnonzero(bad.ravel())[0]) if values.ndim == 1 else int(np.argwhere(bad)[0][0])
    label = index[pos] if index is not None and pos < len(index) else pos
    return f"row {label!r} (position {pos})"


def check_finite(values: Any, name: str, index: pd.Index | None = None) -> np.ndarray:
    """Return ``values`` as a float array; raise naming ``name`` and the first non-finite row."""
    arr = np.asarray(values, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        kind = "NaN" if np.isnan(arr[bad]).any() else "infinite value"
        raise MissingDataError(
            f"{name} has {int(bad.sum())} {kind}(s), first at {_first_bad(arr, bad, index)}"
        )
    return arr


def check_positive(
    values: Any, name: str, index: pd.Index | None = None, *, strict: bool = True
) -> np.ndarray:
    """Return ``values`` as a float array; raise if any is non-positive (or negative)."""
    arr = check_finite(values, name, index)
    bad = arr <= 0 if strict else arr < 0
    if bad.any():
        first = _first_bad(arr, bad, index)
        pos = int(np.flatnonzero(bad.ravel())[0])
        need = "positive" if strict else "non-negative"
        raise DataError(
            f"{name} must be {need} (logs are taken); value {arr.ravel()[pos]!r} at {first}"
        )
    return arr


def handle_missing(
    data: pd.DataFrame, columns: Sequence[str], missing: MissingPolicy = "raise"
) -> pd.DataFrame:
    """Apply an explicit missing-value policy to ``columns`` of ``data``.

    ``"raise"`` raises :class:`MissingDataError` naming the first column and row with a missing
    value; ``"drop"`` returns the rows where all ``columns`` are present.
    """
    check_choice("missing", missing, ("raise", "drop"))
    sub = data[list(columns)]
    isna = sub.isna()
    if not isna.to_numpy().any():
        return data
    if missing == "drop":
        return data.loc[~isna.any(axis=1)]
    col = next(c for c in columns if isna[c].any())
    row = isna.index[isna[col].to_numpy()][0]
    raise MissingDataError(
        f"column {col!r} has {int(isna[col].sum())} missing value(s), first at row {row!r}; "
        "pass missing='drop' to drop incomplete rows"
    )


def require_aligned(objs: Mapping[str, pd.Series | pd.DataFrame]) -> pd.Index | None:
    """Check that all pandas objects share one index; return it (``None`` if none are pandas)."""
    ref_name, ref = None, None
    for name, obj in objs.items():
        if not isinstance(obj, (pd.Series, pd.DataFrame)):
            continue
        if ref is None:
            ref_name, ref = name, obj.index
        elif not obj.index.equals(ref):
            raise DataError(
                f"index of {name!r} differs from index of {ref_name!r} "
                f"(lengths {len(obj.index)} and {len(ref)}); align them explicitly "
                "(for example with .reindex or .loc) before passing them"
            )
    return ref


def stack_aligned(frames: Mapping[str, pd.DataFrame], missing: MissingPolicy = "raise"
                  ) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The one input boundary of the array-argument estimators.

    ``frames`` maps each argument's role (``"dependent"``, ``"exog"``, ...) to its variables as
    a DataFrame. They must have the same length and, where they are pandas objects with an
    index of their own, the same index (:func:`require_aligned`: never aligned silently). The
    variables are stacked into one float frame whose column labels are the user's names, made
    unique by a role suffix where a name repeats (``"x (threshold)"``), so that the checks
    name the user's column and row: an infinite value raises (:func:`check_finite`), missing
    values follow ``missing`` (:func:`handle_missing`).

    Returns
    -------
    data : DataFrame
        The stacked variables on the common index (rows dropped under ``missing="drop"``).
    labels : dict
        Role -> the labels of its columns in ``data``.
    """
    check_choice("missing", missing, ("raise", "drop"))
    sizes = {role: f.shape[0] for role, f in frames.items()}
    if len(set(sizes.values())) > 1:
        raise DataError(f"{', '.join(frames)} differ in length: {sizes}")
    index = require_aligned(frames)
    labels: dict[str, list[str]] = {}
    seen: set[str] = set()
    for role, f in frames.items():
        labels[role] = []
        for c in f.columns:
            lab = str(c)
            if lab in seen:
                lab = f"{lab} ({role})"
            seen.add(lab)
            labels[role].append(lab)
    flat = [lab for role in frames for lab in labels[role]]
    try:
        arr = np.column_stack([f.to_numpy(dtype=float) for f in frames.values()])
    except (TypeError, ValueError) as err:
        raise IntelcapTypeError(f"{', '.join(frames)} must be numeric: {err}") from None
    index = pd.RangeIndex(arr.shape[0]) if index is None else index
    data = pd.DataFrame(arr, index=index, columns=flat)
    inf = np.isinf(arr)
    if inf.any():
        col = int(np.argwhere(inf)[0][1])
        check_finite(arr[:, col], f"column {flat[col]!r}", index)
    if not np.isnan(arr).any():  # nothing missing: skip the frame-level scan
        return data, labels
    return handle_missing(data, flat, missing), labels


class _NoProgress:
    """Stand-in for a tqdm bar when ``progress=False``: iterates, counts and shows nothing."""

    def __init__(self, iterable: Iterable | None) -> None:
        self._iterable = iterable

    def __iter__(self):
        return iter(self._iterable if self._iterable is not None else ())

    def update(self, n: int = 1) -> None:
        """Do nothing (tqdm's ``update``)."""

    def close(self) -> None:
        """Do nothing (tqdm's ``close``)."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def progress_bar(iterable: Iterable | None = None, *, total: int | None = None,
                 desc: str | None = None, progress: bool = True):
    """A tqdm progress bar that ``progress=False`` turns off (long work shows progress).

    With ``progress=False`` tqdm is not imported at all: ``tqdm.auto`` warns "IProgress not
    found" at import in a Jupyter kernel without ipywidgets, even for a bar that is never shown.
    """
    if not progress:
        return _NoProgress(iterable)
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False)
