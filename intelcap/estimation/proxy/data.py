"""Panel input of the proxy-variable estimators: validation, sorting, lags and drop counts.

The data are a :class:`pandas.DataFrame` indexed by an (entity, time) :class:`pandas.MultiIndex`,
as in linearmodels. Time must be an integer period (a year, say). Rows are sorted by entity and
time once, and every lag is built once, from positions:

* the lag of row :math:`(i, t)` is row :math:`(i, t-1)` when that row exists, and missing
  otherwise. A firm observed in 2001 and 2003 but not in 2002 therefore has no lag in 2003
  (a *gap*): the previous observation is two periods old and is never used as if it were one.
  Rows without a lag (a firm's first period, or the period after a gap) enter the first stage
  but not the moments of the second stage, whose law of motion links :math:`t-1` to :math:`t`;
* unbalanced panels need nothing more: every firm contributes the pairs of consecutive periods
  it has.

What is dropped or cannot be used is counted, never silent (:attr:`PanelSample.dropped` and
:attr:`PanelSample.notes`, shown in the results' summary): rows with missing values (only with
``missing="drop"``), rows whose proxy is not usable (a non-finite log proxy, that is a zero or
negative level of investment or materials: the proxy is then not strictly monotone in
productivity and cannot be inverted; Olley and Pakes 1996 drop zero-investment observations for
this reason), firms observed in one period only, and rows without the previous period.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from intelcap._validation import check_choice, check_columns, handle_missing
from intelcap.exceptions import DataError, IntelcapTypeError, IntelcapWarning

__all__ = ["PanelSample", "ProxyWarning", "prepare_panel"]


class ProxyWarning(IntelcapWarning):
    """Rows or firms were dropped or cannot be used by a proxy-variable estimator."""


@dataclass(frozen=True)
class PanelSample:
    """The validated, sorted estimation sample.

    Attributes
    ----------
    index : MultiIndex
        (entity, time) of the rows used, sorted.
    entity : ndarray of int
        Entity codes ``0 .. n_entities - 1`` of the rows.
    time : ndarray of int
        Periods of the rows.
    values : dict of ndarray
        The columns, as float arrays in the sorted order.
    lag_pos : ndarray of int
        Position of the row's previous period (``-1`` when it does not exist).
    dropped : dict
        Counts of dropped rows by reason.
    notes : list of str
        Plain-language statements of what was dropped or cannot be used, with counts.
    """

    index: pd.MultiIndex
    entity: np.ndarray
    time: np.ndarray
    values: dict[str, np.ndarray]
    lag_pos: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def nobs(self) -> int:
        """Number of (entity, period) rows kept in the sample."""
        return int(self.entity.shape[0])

    @property
    def n_entities(self) -> int:
        """Number of entities (codes run from 0 to ``n_entities - 1``)."""
        return int(self.entity.max()) + 1 if self.entity.size else 0

    @property
    def has_lag(self) -> np.ndarray:
        """Rows whose previous period is in the sample."""
        return self.lag_pos >= 0

    def lag(self, x: np.ndarray) -> np.ndarray:
        """The previous period's value of ``x`` (rows along axis 0; NaN where there is none)."""
        x = np.asarray(x, dtype=float)
        out = np.full_like(x, np.nan)
        ok = self.lag_pos >= 0
        out[ok] = x[self.lag_pos[ok]]
        return out

    def col(self, name: str) -> np.ndarray:
        """The values of column ``name`` on the kept rows."""
        return self.values[name]


def prepare_panel(data: pd.DataFrame, columns: Sequence[str], *, proxy: str | None = None,
                  missing: str = "raise", min_pairs: int = 10) -> PanelSample:
    """Validate ``data`` and build the sorted sample with lags (module docstring).

    Parameters
    ----------
    data : DataFrame
        Indexed by an (entity, time) MultiIndex; time an integer period.
    columns : sequence of str
        Every column the estimator uses (logs of output and inputs).
    proxy : str, optional
        The proxy column; rows where it is not finite (log of a zero or negative level) are
        dropped with a :class:`ProxyWarning` that gives the count. Other non-finite values
        raise.
    missing : {"raise", "drop"}
        Missing-value policy for ``columns``.
    min_pairs : int
        Smallest admissible number of rows with a previous period.
    """
    if not isinstance(data, pd.DataFrame):
        raise IntelcapTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
        raise DataError(
            "data must be indexed by an (entity, time) MultiIndex, as in linearmodels; "
            "use data.set_index([entity_column, time_column])")
    check_choice("missing", missing, ("raise", "drop"))
    columns = list(dict.fromkeys(columns))
    check_columns(data, columns)
    dropped: dict[str, int] = {}
    notes: list[str] = []
    frame = data[columns]
    time_level = frame.index.get_level_values(1)
    if not (pd.api.types.is_integer_dtype(time_level)
            or (pd.api.types.is_float_dtype(time_level)
                and np.all(np.mod(np.asarray(time_level, dtype=float), 1) == 0))):
        raise DataError(
            f"the time level of the index must hold integer periods (years, say); got dtype "
            f"{time_level.dtype}. Convert dates to integer periods first")
    dup = frame.index.duplicated()
    if dup.any():
        raise DataError(f"the (entity, time) index has {int(dup.sum())} duplicate(s), first "
                        f"{frame.index[dup][0]!r}; each firm may appear once per period")
    # missing values: explicit policy
    kept = handle_missing(frame, columns, missing)  # raise names the column and row
    if kept.shape[0] < frame.shape[0]:
        n_bad = frame.shape[0] - kept.shape[0]
        dropped["missing values"] = n_bad
        notes.append(f"{n_bad} row(s) with missing values dropped")
        frame = kept
    # proxy not usable: non-finite log (zero or negative level)
    if proxy is not None:
        pv = frame[proxy].to_numpy(dtype=float)
        bad = ~np.isfinite(pv)
        if bad.any():
            ent = frame.index.get_level_values(0)[bad]
            n_bad, f_bad = int(bad.sum()), int(pd.unique(ent).size)
            dropped["proxy not positive"] = n_bad
            msg = (f"{n_bad} row(s) of {f_bad} firm(s) dropped: proxy {proxy!r} is not finite "
                   "(log of a zero or negative level), where it cannot be inverted for "
                   "productivity")
            notes.append(msg)
            warnings.warn(msg, ProxyWarning, stacklevel=4)
            frame = frame.loc[~bad]
    for c in columns:
        v = frame[c].to_numpy(dtype=float)
        if not np.all(np.isfinite(v)):
            pos = int(np.flatnonzero(~np.isfinite(v))[0])
            raise DataError(f"column {c!r} has a non-finite value {v[pos]!r} at row "
                            f"{frame.index[pos]!r} (log of zero?); drop or fix it")
    if frame.shape[0] == 0:
        raise DataError("no rows left after dropping missing values and unusable proxies")
    frame = frame.sort_index(level=[0, 1])
    ent_codes, _ = pd.factorize(frame.index.get_level_values(0))
    ent_codes = ent_codes.astype(np.int64)
    time = np.asarray(frame.index.get_level_values(1), dtype=np.int64)
    same = np.r_[False, ent_codes[1:] == ent_codes[:-1]]
    consecutive = same & np.r_[False, time[1:] == time[:-1] + 1]
    lag_pos = np.where(consecutive, np.arange(time.size) - 1, -1)
    counts = np.bincount(ent_codes)
    one = int((counts == 1).sum())
    if one:
        notes.append(f"{one} firm(s) observed in one period only: they enter the first stage "
                     "but have no period pair for the second-stage moments")
    gaps = int((same & ~consecutive).sum())
    no_lag = int((lag_pos < 0).sum())
    notes.append(f"{no_lag} row(s) without the previous period (first period of a firm: "
                 f"{no_lag - gaps}; after a gap in years: {gaps}) are not in the second stage")
    dropped["one-period firms (no pair)"] = one
    dropped["rows after a gap"] = gaps
    n_pairs = int((lag_pos >= 0).sum())
    if n_pairs < min_pairs:
        raise DataError(
            f"only {n_pairs} row(s) have the previous period of the same firm in the data "
            f"(need at least {min_pairs}); the second stage needs consecutive periods "
            f"({one} firm(s) have one period only, {gaps} row(s) follow a gap)")
    values = {c: frame[c].to_numpy(dtype=float) for c in columns}
    return PanelSample(frame.index, ent_codes, time, values, lag_pos, dropped, notes)
