"""Input adapters of the perpetual inventory engine: Series, wide and long tables to arrays.

Internal module. The engine works on an array of shape ``(n_series, n_periods)``; this module
turns the caller's object into that array, validates it (period order and regularity, gaps,
negative values) naming the series and period at fault, and wraps arrays back into the caller's
layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError, IntelcapTypeError, MissingDataError

__all__ = ["Layout", "from_input", "broadcast_param"]


def _py(value: Any) -> Any:
    """A numpy scalar as the plain Python value (for readable error messages)."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class Layout:
    """How the input was laid out, to wrap results back."""

    kind: str  # "series" | "wide" | "long"
    periods: pd.Index  # the common period grid (sorted)
    labels: pd.Index  # one label per series (column labels, or key tuples/values for long)
    name: Any = None  # Series name
    keys: list[str] | None = None  # long: key columns
    period_col: str = "period"
    value_col: str = "value"
    frame: pd.DataFrame | None = None  # long: the key+period columns of the input, row order
    row_series: np.ndarray | None = None  # long: series code of each input row
    row_period: np.ndarray | None = None  # long: period position of each input row
    columns_name: Any = None  # wide: columns.name(s)
    as_numpy: bool = False  # the input was a numpy array: give numpy back

    @property
    def n_series(self) -> int:
        return len(self.labels)

    def describe(self, s: int) -> str:
        """Human name of series ``s`` for error messages."""
        if self.kind == "series":
            return f"series {self.name!r}" if self.name is not None else "the series"
        if self.kind == "long":
            lab = self.labels[s]
            if not isinstance(lab, tuple):
                lab = (lab,)
            pairs = zip(self.keys, lab, strict=False)
            return "series " + ", ".join(f"{k}={_py(v)!r}" for k, v in pairs)
        return f"series {_py(self.labels[s])!r}"

    def key_names(self) -> list[str]:
        if self.kind == "long":
            return list(self.keys)
        if self.kind == "series":
            return ["series"] if self.name is not None else []
        names = (
            list(self.columns_name)
            if isinstance(self.columns_name, (list, tuple))
            else [self.columns_name]
        )
        return [str(n) if n is not None else ("series" if len(names) == 1 else f"level_{i}")
                for i, n in enumerate(names)]

    def wrap(self, arr: np.ndarray) -> pd.Series | pd.DataFrame:
        """Wrap an ``(n_series, n_periods)`` array back into the caller's layout."""
        if self.as_numpy:
            return arr[0].copy() if self.kind == "series" else np.ascontiguousarray(arr.T)
        if self.kind == "series":
            return pd.Series(arr[0], index=self.periods, name=self.name)
        if self.kind == "wide":
            return pd.DataFrame(arr.T, index=self.periods, columns=self.labels)
        out = self.frame.copy()
        out[self.value_col] = arr[self.row_series, self.row_period]
        return out

    def wide(self, arr: np.ndarray) -> pd.DataFrame:
        """Periods x series DataFrame (for every layout)."""
        cols = self.labels
        if self.kind == "series":
            cols = pd.Index([self.name if self.name is not None else "value"])
        return pd.DataFrame(arr.T, index=self.periods, columns=cols)


def _check_period_grid(periods: pd.Index, what: str) -> None:
    """Periods strictly increasing and, where the type allows, regularly spaced."""
    if periods.has_duplicates:
        dup = periods[periods.duplicated()][0]
        raise DataError(f"{what}: period {_py(dup)!r} appears more than once")
    try:
        increasing = periods.is_monotonic_increasing
    except TypeError:  # pragma: no cover - unorderable labels
        increasing = False
    if not increasing:
        vals = list(periods)
        pos = next(i for i in range(1, len(vals)) if not vals[i - 1] < vals[i])
        raise DataError(
            f"{what}: periods out of order at period {_py(vals[pos])!r} "
            f"(after {_py(vals[pos - 1])!r}, position {pos}); sort by period first"
        )
    if len(periods) > 2 and pd.api.types.is_integer_dtype(periods.dtype):
        steps = np.diff(np.asarray(periods, dtype=np.int64))
        if not (steps == steps[0]).all():
            pos = int(np.flatnonzero(steps != steps[0])[0]) + 1
            raise DataError(
                f"{what}: periods are not equally spaced: period {_py(periods[pos])!r} follows "
                f"{_py(periods[pos - 1])!r} (step {steps[pos - 1]}, expected {steps[0]}); "
                "a missing period must be given (as 0 if there was no investment)"
            )
    if isinstance(periods, pd.PeriodIndex) and len(periods) > 1:
        steps = np.diff(periods.asi8)
        if not (steps == 1).all():
            pos = int(np.flatnonzero(steps != 1)[0]) + 1
            raise DataError(
                f"{what}: period {_py(periods[pos])!r} follows {_py(periods[pos - 1])!r}: "
                "periods must be consecutive (give missing periods, as 0 if there was no "
                "investment)"
            )


def _starts(values: np.ndarray, layout: Layout, what: str) -> np.ndarray:
    """First observed period of each series; NaN only allowed before it."""
    # the common case in one reduction without a temporary: a finite sum means every value is
    # finite (a NaN or an infinity makes the sum non-finite; an overflowing sum of finite
    # values only sends the check down the exact path below)
    with np.errstate(all="ignore"):
        if np.isfinite(np.add.reduce(values, axis=None)):
            return np.zeros(values.shape[0], dtype=np.int64)
    finite = np.isfinite(values)
    if finite.all():
        return np.zeros(values.shape[0], dtype=np.int64)
    isnan = np.isnan(values)
    if (~finite & ~isnan).any():
        s, t = np.argwhere(~finite & ~isnan)[0]
        raise DataError(
            f"{what} of {layout.describe(s)} is infinite at period {_py(layout.periods[t])!r}"
        )
    n, T = values.shape
    has = finite.any(axis=1)
    if not has.all():
        s = int(np.flatnonzero(~has)[0])
        raise MissingDataError(f"{what} of {layout.describe(s)} has no value in any period")
    start = np.argmax(finite, axis=1)
    after = np.arange(T)[None, :] >= start[:, None]
    gap = after & isnan
    if gap.any():
        s, t = np.argwhere(gap)[0]
        raise MissingDataError(
            f"{what} of {layout.describe(s)} is missing at period {_py(layout.periods[t])!r} after "
            f"its first value at {_py(layout.periods[start[s]])!r}; a series may start late but "
            "not have gaps: give 0 for a period without investment"
        )
    return start


def from_input(
    investment: Any,
    *,
    keys: list[str] | str | None,
    period: str,
    value: str,
    what: str = "investment",
) -> tuple[np.ndarray, Layout]:
    """Array ``(n_series, n_periods)`` (NaN before a series starts) and its :class:`Layout`."""
    if isinstance(investment, pd.Series):
        _check_period_grid(investment.index, what)
        arr = np.asarray(investment.to_numpy(dtype=float, na_value=np.nan), dtype=float)[None, :]
        lay = Layout("series", investment.index, pd.Index([0]), name=investment.name)
        return arr, lay
    if isinstance(investment, (np.ndarray, list, tuple)):
        try:
            raw = np.asarray(investment, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{what} array is not numeric") from None
        if raw.ndim not in (1, 2):
            raise DataError(
                f"{what} array must be 1-D (periods) or 2-D (periods x series), got "
                f"{raw.ndim}-D"
            )
        obj = pd.Series(raw) if raw.ndim == 1 else pd.DataFrame(raw)
        arr, lay = from_input(obj, keys=None, period=period, value=value, what=what)
        lay.as_numpy = True
        return arr, lay
    if not isinstance(investment, pd.DataFrame):
        raise IntelcapTypeError(
            f"{what} must be a pandas Series or DataFrame (or a numpy array), got "
            f"{type(investment).__name__}"
        )
    cols = investment.columns
    is_long = keys is not None or (period in cols and value in cols)
    if not is_long:
        _check_period_grid(investment.index, what)
        try:
            arr = investment.to_numpy(dtype=float, na_value=np.nan).T
        except (TypeError, ValueError):
            bad = [c for c in investment.columns
                   if not pd.api.types.is_numeric_dtype(investment[c])]
            raise DataError(f"{what} has non-numeric column(s) {bad}") from None
        if investment.columns.has_duplicates:
            dup = investment.columns[investment.columns.duplicated()][0]
            raise DataError(f"{what} has duplicate column {_py(dup)!r}")
        lay = Layout("wide", investment.index, investment.columns,
                     columns_name=list(investment.columns.names)
                     if investment.columns.nlevels > 1 else investment.columns.name)
        return np.ascontiguousarray(arr), lay
    # long table
    if isinstance(keys, str):
        keys = [keys]
    if keys is None:
        keys = [c for c in investment.columns if c not in (period, value)]
    missing = [c for c in [*keys, period, value] if c not in investment.columns]
    if missing:
        raise DataError(
            f"{what} (long table) is missing column(s) {missing}; it has {list(cols)}. Pass keys=, "
            "period=, value= to name them"
        )
    df = investment
    if not pd.api.types.is_numeric_dtype(df[value]):
        raise DataError(f"{what} column {value!r} is not numeric")
    if df[period].isna().any():
        row = df.index[df[period].isna().to_numpy()][0]
        raise MissingDataError(f"{what}: column {period!r} is missing at row {_py(row)!r}")
    if keys:
        key_frame = df[keys]
        if key_frame.isna().to_numpy().any():
            row = df.index[key_frame.isna().any(axis=1).to_numpy()][0]
            raise MissingDataError(f"{what}: a key column is missing at row {_py(row)!r}")
        mi = pd.MultiIndex.from_frame(key_frame) if len(keys) > 1 else pd.Index(df[keys[0]])
        codes, uniques = pd.factorize(mi, sort=False)
        labels = (pd.MultiIndex(uniques.levels, uniques.codes, names=keys) if len(keys) > 1
                  else pd.Index(uniques, name=keys[0]))
    else:
        codes = np.zeros(len(df), dtype=np.int64)
        labels = pd.Index([0])
    pvals = pd.Index(df[period])
    tcodes, grid = pd.factorize(pvals, sort=True)
    grid = pd.Index(grid, name=period)
    lay = Layout("long", grid, labels, keys=list(keys), period_col=period, value_col=value,
                 frame=df[[*keys, period]].copy(), row_series=np.asarray(codes),
                 row_period=np.asarray(tcodes))
    # order within each series, duplicates
    order = np.lexsort((np.arange(len(df)), codes))
    c_sorted, t_sorted = codes[order], tcodes[order]
    same = c_sorted[1:] == c_sorted[:-1]
    back = same & (t_sorted[1:] <= t_sorted[:-1])
    if back.any():
        i = int(np.flatnonzero(back)[0]) + 1
        s, t = int(c_sorted[i]), int(t_sorted[i])
        word = "appears twice" if t_sorted[i] == t_sorted[i - 1] else "is out of order"
        raise DataError(
            f"{what}: period {_py(grid[t])!r} {word} for {lay.describe(s)} (row "
            f"{_py(df.index[order[i]])!r}); periods must increase within each series"
        )
    _check_period_grid(grid, what)
    arr = np.full((len(labels), len(grid)), np.nan)
    arr[codes, tcodes] = df[value].to_numpy(dtype=float, na_value=np.nan)
    return arr, lay


def broadcast_param(value: Any, name: str, layout: Layout) -> np.ndarray:
    """A scalar, a mapping/Series keyed by series label, or a sequence -> array (n_series,).

    ``None`` becomes NaN (unset).
    """
    n = layout.n_series
    if value is None:
        return np.full(n, np.nan)
    if np.isscalar(value):
        try:
            return np.full(n, float(value))
        except (TypeError, ValueError):
            raise IntelcapTypeError(f"{name}={value!r} must be a number") from None
    if isinstance(value, dict):
        value = pd.Series(value, dtype=float)
    if isinstance(value, pd.Series):
        labels = layout.labels if layout.kind != "series" else pd.Index([layout.name])
        names = [k for k in (labels.names or []) if k is not None]
        # keyed by one key column (for example a rate per asset for every sector)
        if value.index.name in names and value.index.name != getattr(labels, "name", None) \
                or (value.index.name in names and isinstance(labels, pd.MultiIndex)):
            labels = labels.get_level_values(value.index.name)
        else:
            pos = value.index.get_indexer(labels) if value.index.is_unique else None
            if isinstance(labels, pd.MultiIndex) and (pos is None or (pos < 0).any()):
                for lvl in names:  # a mapping whose keys are the values of one key column
                    values = labels.get_level_values(lvl)
                    if value.index.is_unique and (value.index.get_indexer(values) >= 0).all():
                        labels = values
                        break
        if not value.index.is_unique:
            dup = value.index[value.index.duplicated()][0]
            raise DataError(f"{name} has two values for {_py(dup)!r}")
        pos = value.index.get_indexer(labels)
        if (pos < 0).any():
            miss = labels[pos < 0]
            raise DataError(
                f"{name} has no value for series {_py(miss[0])!r} ({len(miss)} missing); give "
                "one per series, keyed like the investment's series (or by one key column, "
                "with the index named after it)"
            )
        return value.to_numpy(dtype=float, na_value=np.nan)[pos]
    arr = np.asarray(value, dtype=float).ravel()
    if arr.size != n:
        raise DataError(f"{name} has {arr.size} values for {n} series")
    return arr
