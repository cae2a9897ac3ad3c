r"""Invoice and survey microdata to the table level the SNA adjustment consumes.

One row of microdata is one invoice (or one survey answer): the purchasing firm, its
institutional sector, its industry, the product bought, the period and the amount, and
optionally the firm's class (size class, "builds models in house", a survey stratum). The
adjustment (:func:`intelcap.accounts.capitalize`) consumes the spending by cell

.. math::

    S_{tsip} = \sum_{r \in (t, s, i, p)} a_r,

the sum of the amounts :math:`a_r` of the invoices :math:`r` of period :math:`t`, purchaser
sector :math:`s`, industry :math:`i` and product :math:`p`. With a capitalization share
:math:`\theta_c` per firm class :math:`c` (or a capitalizable fraction :math:`\theta_r` per
invoice, from a survey question), the capitalized amount and the cell's implied share are

.. math::

    R_{tsip} = \sum_{r \in (t, s, i, p)} \theta_{c(r)}\, a_r, \qquad
    \bar\theta_{tsip} = R_{tsip} / S_{tsip},

a spending-weighted mean of the class shares, which the perpetual inventory turns into capital
stocks by firm class (:func:`pim_by_class`; OECD 2009, chapter 6).

The same functions take a pandas DataFrame, a Dask DataFrame, a path (or list of paths) of
CSV or Parquet files read in chunks, or an iterable of pandas chunks, and return the same
pandas result: every input is cut into pieces, each piece is reduced by one function to its
partial sums by cell, and the partial sums are added (a tree reduction on Dask). Memory is
bounded by one chunk plus the partial sums (one row per cell), whatever the number of rows.
Sums of floating-point numbers in another order differ in the last bits only (relative
:math:`\approx 10^{-16}` per addition; the tests hold pandas and Dask results to
:math:`10^{-12}`).

References
----------
OECD (2009), *Measuring Capital - OECD Manual*, second edition, Paris: OECD Publishing.
Eurostat (2013), *European System of Accounts ESA 2010*, Luxembourg, chapter 3 (intermediate
consumption, gross fixed capital formation).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from intelcap._validation import check_choice, progress_bar
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    MissingDataError,
    SpecificationError,
)

__all__ = [
    "INVOICE_COLUMNS",
    "TABLE_KEYS",
    "aggregate_invoices",
    "class_shares",
    "is_dask_collection",
    "invoice_paths",
    "pim_by_class",
    "spending_from_invoices",
]

#: Roles of the microdata columns and their default names (``columns=`` renames them).
INVOICE_COLUMNS: dict[str, str] = {
    "firm": "firm",
    "sector": "sector",
    "industry": "industry",
    "product": "product",
    "period": "period",
    "amount": "amount",
    "firm_class": "firm_class",
}
#: The cell of the adjustment's spending table: period, purchaser sector, industry, product.
TABLE_KEYS: tuple[str, ...] = ("period", "sector", "industry", "product")

#: Rows per chunk when reading files (about 100 MB of memory for five columns).
DEFAULT_CHUNKSIZE = 2_000_000
#: Partial-sum frames combined at once (the fan-in of the reduction tree).
_FAN_IN = 8
_VALUE_COLUMNS = ("value", "capitalized")


def is_dask_collection(obj: Any) -> bool:
    """True for a Dask DataFrame (checked without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(
        obj, "map_partitions")


# ------------------------------------------------------------------------------------------
# the specification of one aggregation (picklable: it travels to Dask workers)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    keys: tuple[str, ...]              # output key names (roles)
    rename: tuple[tuple[str, str], ...]  # data column -> role
    missing: str
    shares: tuple[tuple[Any, float], ...] | None  # firm class -> share
    share_column: str | None           # data column of per-invoice fractions
    register: pd.Series | None         # firm id -> class

    @property
    def needed(self) -> list[str]:
        """Data columns read (names in the data)."""
        back = {role: col for col, role in self.rename}
        roles = [*self.keys, "amount"]
        if self.register is not None:
            roles = [r for r in roles if r != "firm_class"] + ["firm"]
        elif self.shares is not None and "firm_class" not in roles:
            roles.append("firm_class")
        cols = [back.get(r, r) for r in roles]
        if self.share_column is not None:
            cols.append(self.share_column)
        return list(dict.fromkeys(cols))

    @property
    def values(self) -> list[str]:
        return ["value"] if self.shares is None and self.share_column is None \
            else list(_VALUE_COLUMNS)


def _make_spec(keys: Sequence[str], columns: Mapping[str, str] | None, missing: str,
               shares: Any, register: pd.Series | None) -> _Spec:
    check_choice("missing", missing, ("raise", "drop"))
    if isinstance(keys, str):
        keys = (keys,)
    keys = tuple(keys)
    roles = set(INVOICE_COLUMNS) - {"amount"}
    for k in keys:
        if k not in roles:
            raise SpecificationError(f"by={k!r} is not an invoice column role; valid: "
                                     f"{sorted(roles)}")
    if len(set(keys)) != len(keys) or not keys:
        raise SpecificationError(f"by={list(keys)} must name distinct column roles")
    columns = dict(columns or {})
    for role in columns:
        if role not in INVOICE_COLUMNS:
            raise SpecificationError(f"columns has unknown role {role!r}; valid roles: "
                                     f"{list(INVOICE_COLUMNS)}")
    rename = tuple((col, role) for role, col in columns.items() if col != role)
    share_map: tuple[tuple[Any, float], ...] | None = None
    share_column: str | None = None
    if isinstance(shares, str):
        share_column = shares
    elif shares is not None:
        if isinstance(shares, pd.Series):
            shares = shares.to_dict()
        if not isinstance(shares, Mapping) or not shares:
            raise IntelcapTypeError("shares must be a mapping (or Series) firm class -> share, "
                                    f"or the name of a column of fractions; got {shares!r}")
        items = []
        for cls, s in shares.items():
            try:
                v = float(s)
            except (TypeError, ValueError):
                raise IntelcapTypeError(f"shares[{cls!r}] = {s!r} is not a number") from None
            if not 0.0 <= v <= 1.0:
                raise SpecificationError(f"shares[{cls!r}] = {v!r} is outside [0, 1]")
            items.append((cls, v))
        share_map = tuple(items)
    if register is not None:
        if not isinstance(register, pd.Series):
            raise IntelcapTypeError("register must be a pandas Series firm id -> firm class, "
                                    f"got {type(register).__name__}")
        if not register.index.is_unique:
            dup = register.index[register.index.duplicated()][0]
            raise DataError(f"register: firm {dup!r} has two classes")
    return _Spec(keys, rename, missing, share_map, share_column, register)


# ------------------------------------------------------------------------------------------
# the one reduction every input goes through
# ------------------------------------------------------------------------------------------
def _where(row: int, offset: int | None, part: int | None) -> str:
    if part is not None:
        return f"row {row} of partition {part}"
    return f"row {row + (offset or 0)}"


def _partial(chunk: pd.DataFrame, spec: _Spec, offset: int | None = None,
             part: int | None = None) -> pd.DataFrame:
    """Partial sums by cell of one piece of microdata (columns: keys, then values)."""
    if not isinstance(chunk, pd.DataFrame):
        raise IntelcapTypeError(f"invoice data must be a DataFrame, got {type(chunk).__name__}")
    missing_cols = [c for c in spec.needed if c not in chunk.columns]
    if missing_cols:
        raise DataError(f"invoice data is missing column(s) {missing_cols}; it has "
                        f"{[str(c) for c in chunk.columns]} (map roles to your names with "
                        "columns={role: name})")
    frame = chunk.loc[:, spec.needed]
    if spec.rename:
        frame = frame.rename(columns=dict(spec.rename))
    if spec.register is not None:
        cls = frame["firm"].map(spec.register)
        bad = cls.isna().to_numpy() & frame["firm"].notna().to_numpy()
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"invoice data: firm {frame['firm'].iloc[r]!r} at "
                            f"{_where(r, offset, part)} is not in the register (no firm class)")
        frame = frame.assign(firm_class=cls)
    amount = pd.to_numeric(frame["amount"], errors="coerce").to_numpy(dtype=float)
    check = [c for c in (*spec.keys, *(["firm_class"] if spec.shares is not None else []))]
    bad = ~np.isfinite(amount)
    culprit = np.where(bad, "amount", "")
    for col in dict.fromkeys(check):
        na = frame[col].isna().to_numpy()
        if na.any():
            culprit = np.where(na & ~bad, col, culprit)
            bad |= na
    if spec.share_column is not None:
        frac = pd.to_numeric(frame[spec.share_column], errors="coerce").to_numpy(dtype=float)
        badf = ~np.isfinite(frac)
        culprit = np.where(badf & ~bad, spec.share_column, culprit)
        bad |= badf
    if bad.any():
        if spec.missing == "raise":
            r = int(np.flatnonzero(bad)[0])
            col = str(culprit[r])
            raw = frame[col].iloc[r] if col in frame.columns else None
            raise MissingDataError(
                f"invoice data: missing or non-numeric {col!r} ({raw!r}) at "
                f"{_where(r, offset, part)}; fix the record or pass missing='drop'")
        keep = ~bad
        frame = frame.loc[keep]
        amount = amount[keep]
        if spec.share_column is not None:
            frac = frac[keep]
    out = frame.loc[:, list(spec.keys)]
    out["value"] = amount
    if spec.shares is not None:
        cls = frame["firm_class"]
        table = pd.Series(dict(spec.shares), dtype=float)
        pos = table.index.get_indexer(cls)
        if (pos < 0).any():
            r = int(np.flatnonzero(pos < 0)[0])
            raise DataError(f"invoice data: firm class {cls.iloc[r]!r} at "
                            f"{_where(r, offset, part)} has no share in shares "
                            f"(classes given: {list(table.index)})")
        out["capitalized"] = table.to_numpy()[pos] * amount
    elif spec.share_column is not None:
        outside = (frac < 0) | (frac > 1)
        if outside.any():
            r = int(np.flatnonzero(outside)[0])
            raise DataError(f"invoice data: {spec.share_column!r} = {frac[r]!r} at "
                            f"{_where(r, offset, part)} is outside [0, 1]")
        out["capitalized"] = frac * amount
    return _sum(out, spec)


def _plain_keys(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Categorical and string-like key columns as the default string dtype (one layout)."""
    for k in keys:
        col = frame[k]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(col.cat.categories.dtype)
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            col = col.astype("str")
        if col is not frame[k]:
            frame[k] = col
    return frame


def _sum(frame: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    keys = list(spec.keys)
    g = frame.groupby(keys, sort=False, observed=True, dropna=False)[spec.values].sum()
    return _plain_keys(g.reset_index(), keys)


def _combine(parts: Sequence[pd.DataFrame], spec: _Spec) -> pd.DataFrame:
    """Add partial sums (any number of them) into one partial-sum frame."""
    parts = [p for p in parts if len(p)] or list(parts[:1])
    if len(parts) == 1:
        return parts[0]
    return _sum(pd.concat(parts, ignore_index=True), spec)


def _finish(total: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    keys = list(spec.keys)
    out = total.sort_values(keys, kind="mergesort").reset_index(drop=True)
    for v in spec.values:
        out[v] = out[v].astype("float64")
    if "capitalized" in out.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            share = out["capitalized"].to_numpy() / out["value"].to_numpy()
        out["share"] = np.where(out["value"].to_numpy() != 0, share, np.nan)
        out = out.rename(columns={"value": "spending"})
    return out


# ------------------------------------------------------------------------------------------
# inputs: pandas, chunks, files, Dask
# ------------------------------------------------------------------------------------------
def _chunks_of_frame(df: pd.DataFrame, chunksize: int | None) -> Iterator[tuple[int, Any]]:
    if chunksize is None or len(df) <= chunksize:
        yield 0, df
        return
    for start in range(0, len(df), chunksize):
        yield start, df.iloc[start:start + chunksize]


def _paths(src: Any) -> list[Path] | None:
    if isinstance(src, (str, os.PathLike)):
        return [Path(src)]
    if isinstance(src, (list, tuple)) and src and all(isinstance(p, (str, os.PathLike))
                                                      for p in src):
        return [Path(p) for p in src]
    return None


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq") or path.is_dir()


def _read_chunks(paths: list[Path], spec: _Spec, chunksize: int) -> Iterator[tuple[int, Any]]:
    offset = 0
    string_roles = ("firm", "sector", "industry", "product", "firm_class")
    back = {role: col for col, role in spec.rename}
    for path in paths:
        if not path.exists():
            raise DataError(f"invoice file not found: {path}")
        if _is_parquet(path):
            from intelcap._optional import import_optional

            ds = import_optional("pyarrow.dataset", "dask", "reading Parquet invoice files")

            dataset = ds.dataset(path, format="parquet")
            names = dataset.schema.names
            miss = [c for c in spec.needed if c not in names]
            if miss:
                raise DataError(f"invoice file {path.name} is missing column(s) {miss}; it has "
                                f"{names}")
            for batch in dataset.to_batches(columns=spec.needed, batch_size=chunksize):
                chunk = batch.to_pandas()
                yield offset, chunk
                offset += len(chunk)
        else:
            dtype = {back.get(r, r): str for r in string_roles}
            try:
                reader = pd.read_csv(path, usecols=lambda c: c in set(spec.needed),
                                     dtype=dtype, chunksize=chunksize)
            except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
                raise DataError(f"invoice file {path.name}: cannot read it ({err})") from None
            with reader:
                for chunk in reader:
                    yield offset, chunk
                    offset += len(chunk)


def _reduce_stream(pieces: Iterable[tuple[int, Any]], spec: _Spec, progress: bool,
                   total: int | None = None) -> pd.DataFrame:
    """Reduce pieces one by one; partial sums are combined every ``_FAN_IN`` pieces."""
    pending: list[pd.DataFrame] = []
    bar = progress_bar(total=total, desc="invoices", progress=progress)
    try:
        for offset, chunk in pieces:
            pending.append(_partial(chunk, spec, offset=offset))
            bar.update(len(chunk))
            if len(pending) >= _FAN_IN:
                pending = [_combine(pending, spec)]
    finally:
        bar.close()
    if not pending:
        raise DataError("invoice data has no rows")
    return _combine(pending, spec)


def _dask_part(df: pd.DataFrame, spec: _Spec, partition_info: dict | None = None
               ) -> pd.DataFrame:
    part = None if partition_info is None else partition_info.get("number")
    return _partial(df, spec, part=part)


def _reduce_dask(ddf: Any, spec: _Spec, progress: bool, client: Any = None) -> pd.DataFrame:
    import dask

    miss = [c for c in spec.needed if c not in ddf.columns]
    if miss:
        raise DataError(f"invoice data is missing column(s) {miss}; it has "
                        f"{[str(c) for c in ddf.columns]} (map roles to your names with "
                        "columns={role: name})")
    # one delayed partial sum per partition, then a tree of _combine with a fixed fan-in
    parts = ddf.loc[:, spec.needed].to_delayed()
    combine = dask.delayed(_combine, pure=True)
    level = [dask.delayed(_dask_part, pure=True)(p, spec, {"number": i})
             for i, p in enumerate(parts)]
    while len(level) > 1:
        level = [combine(level[i:i + _FAN_IN], spec) for i in range(0, len(level), _FAN_IN)]
    if client is not None:
        return client.compute(level[0]).result()
    if progress:
        from dask.diagnostics import ProgressBar

        try:
            from distributed import default_client

            default_client()
            return level[0].compute()
        except (ImportError, ValueError):
            with ProgressBar():
                return level[0].compute()
    return level[0].compute()


def _dask_read(paths: list[Path], spec: _Spec, chunksize: int | None) -> Any:
    from intelcap._optional import import_optional

    dd = import_optional("dask.dataframe", "dask", "reading invoice files on a Dask cluster")

    back = {role: col for col, role in spec.rename}
    if all(_is_parquet(p) for p in paths):
        return dd.read_parquet([str(p) for p in paths], columns=spec.needed)
    if any(_is_parquet(p) for p in paths):
        raise DataError("invoice files must be all CSV or all Parquet")
    dtype = {back.get(r, r): str for r in ("firm", "sector", "industry", "product",
                                          "firm_class") if back.get(r, r) in spec.needed}
    return dd.read_csv([str(p) for p in paths], usecols=spec.needed, dtype=dtype,
                       blocksize="64MB" if chunksize is None else chunksize * 50)


def _reduce(data: Any, spec: _Spec, chunksize: int | None, progress: bool,
            client: Any = None) -> pd.DataFrame:
    if client is not None and not is_dask_collection(data):
        paths = _paths(data)
        if paths is None:
            raise IntelcapTypeError("client= runs a Dask DataFrame or files (paths) on a "
                                    f"cluster; got {type(data).__name__}")
        data = _dask_read(paths, spec, chunksize)
    if is_dask_collection(data):
        return _reduce_dask(data, spec, progress, client)
    if isinstance(data, pd.DataFrame):
        if len(data) == 0:
            raise DataError("invoice data has no rows")
        return _reduce_stream(_chunks_of_frame(data, chunksize), spec, progress, len(data))
    paths = _paths(data)
    if paths is not None:
        return _reduce_stream(_read_chunks(paths, spec, chunksize or DEFAULT_CHUNKSIZE),
                              spec, progress)
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, Mapping)):
        def pieces() -> Iterator[tuple[int, Any]]:
            offset = 0
            for chunk in data:
                yield offset, chunk
                offset += len(chunk) if hasattr(chunk, "__len__") else 0
        return _reduce_stream(pieces(), spec, progress)
    raise IntelcapTypeError("invoice data must be a pandas or Dask DataFrame, a path (or list "
                            "of paths) of CSV/Parquet files, or an iterable of DataFrames; got "
                            f"{type(data).__name__}")


# ------------------------------------------------------------------------------------------
# public functions
# ------------------------------------------------------------------------------------------
def aggregate_invoices(
    data: Any,
    *,
    by: Sequence[str] = TABLE_KEYS,
    columns: Mapping[str, str] | None = None,
    missing: str = "raise",
    chunksize: int | None = None,
    progress: bool = False,
    client: Any = None,
) -> pd.DataFrame:
    r"""Sum invoice amounts by cell: the spending table the adjustment consumes.

    .. math::

        S_{tsip} = \sum_{r \in (t, s, i, p)} a_r

    Parameters
    ----------
    data : pandas.DataFrame, dask.dataframe.DataFrame, path, list of paths or iterable
        Microdata, one row per invoice, with the columns of :data:`INVOICE_COLUMNS` that ``by``
        names and ``amount`` (other columns are ignored). A path (``.csv``, ``.parquet`` or a
        folder of Parquet files) is read in chunks of ``chunksize`` rows; an iterable gives
        pandas chunks. A Dask DataFrame is reduced on the current Dask scheduler (a
        ``distributed.Client`` if one is active) and the result computed.
    by : sequence of str
        Roles of the cell (default :data:`TABLE_KEYS`: period, sector, industry, product, the
        key of the spending frame of :func:`intelcap.accounts.capitalize`).
    columns : mapping, optional
        Role -> column name in ``data``, for data whose names differ
        (``{"sector": "purchaser_sector", "amount": "net_amount"}``).
    missing : {"raise", "drop"}
        A row with a missing key or a missing or non-finite amount raises
        :class:`~intelcap.exceptions.MissingDataError` naming the column and the row (of the
        whole input, or of a Dask partition), or is dropped.
    chunksize : int, optional
        Rows reduced at once from a pandas DataFrame or a file (memory is bounded by one chunk
        plus one row per cell). Default: a DataFrame in one piece, files in chunks of
        :data:`DEFAULT_CHUNKSIZE`.
    progress : bool
        Show progress (rows read; Dask's progress bar on the local scheduler).
    client : distributed.Client, optional
        Run on this Dask cluster: a Dask DataFrame, or files (paths) which the workers then
        read themselves (they must see the same paths: a shared file system or object store).
        Default: a Dask DataFrame on the current Dask scheduler, anything else in this process.

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` and ``value`` (the summed amount), one row per cell with at least one
        invoice, sorted by ``by``; string and categorical keys as strings. Negative amounts
        (credit notes) are summed like the others.

    Raises
    ------
    DataError, MissingDataError
        Missing columns (named, with the columns present), missing or non-numeric values.

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"firm": [1, 2, 2], "sector": "S11", "industry": ["C", "J", "J"],
    ...                     "product": "API", "period": 2024, "amount": [5.0, 1.0, 2.0]})
    >>> aggregate_invoices(inv)
       period sector industry product  value
    0    2024    S11        C     API    5.0
    1    2024    S11        J     API    3.0
    """
    spec = _make_spec(by, columns, missing, None, None)
    return _finish(_reduce(data, spec, chunksize, progress, client), spec)


def class_shares(
    data: Any,
    shares: Mapping[Any, float] | pd.Series | str,
    *,
    by: Sequence[str] = (*TABLE_KEYS, "firm_class"),
    register: pd.Series | None = None,
    columns: Mapping[str, str] | None = None,
    missing: str = "raise",
    chunksize: int | None = None,
    progress: bool = False,
    client: Any = None,
) -> pd.DataFrame:
    r"""Spending, capitalized spending and the capitalization share by cell and firm class.

    .. math::

        S_g = \sum_{r \in g} a_r, \qquad R_g = \sum_{r \in g} \theta_r\, a_r, \qquad
        \bar\theta_g = R_g / S_g,

    where :math:`\theta_r = \theta_{c(r)}`, the share of the firm class :math:`c(r)` of the
    invoice (``shares`` a mapping), or the capitalizable fraction recorded on the invoice
    (``shares`` the name of a column, e.g. an enterprise survey's "share of this spending used
    to build software, models or data with a life over a year"; 2008 SNA para. 10.98). The
    cell share :math:`\bar\theta_g` is the spending-weighted mean of the class shares; with
    ``by`` without ``firm_class`` it is the share a
    :class:`~intelcap.accounts.policy.CapitalizationPolicy` needs per cell.

    Parameters
    ----------
    data : pandas.DataFrame, dask.dataframe.DataFrame, path, list of paths or iterable
        Microdata as for :func:`aggregate_invoices`, with a ``firm_class`` column (or a
        ``firm`` column and ``register``) when ``shares`` is a mapping.
    shares : mapping, Series or str
        Firm class -> share in [0, 1], or the name of a column of per-invoice fractions in
        [0, 1].
    by : sequence of str
        Roles of the groups (default: the table cell and the firm class).
    register : pandas.Series, optional
        Firm id -> firm class (a business register), for microdata without a class column.
    columns, missing, chunksize, progress, client
        As for :func:`aggregate_invoices`.

    Returns
    -------
    pandas.DataFrame
        Columns ``by``, ``spending`` (:math:`S_g`), ``capitalized`` (:math:`R_g`), ``share``
        (:math:`\bar\theta_g`, NaN where :math:`S_g = 0`).

    Raises
    ------
    DataError
        A firm class with no share, a fraction outside [0, 1], a firm missing from the
        register (each naming the row).
    """
    if shares is None:
        raise IntelcapTypeError("shares is required: a mapping firm class -> share, or the "
                                "name of a column of per-invoice fractions")
    spec = _make_spec(by, columns, missing, shares, register)
    return _finish(_reduce(data, spec, chunksize, progress, client), spec)


def pim_by_class(
    data: Any,
    shares: Mapping[Any, float] | pd.Series | str,
    *,
    by: Sequence[str] = ("firm_class",),
    register: pd.Series | None = None,
    columns: Mapping[str, str] | None = None,
    missing: str = "raise",
    chunksize: int | None = None,
    progress: bool = False,
    client: Any = None,
    **pim_options: Any,
) -> Any:
    r"""Perpetual inventory of the capitalized spending, one series per firm class.

    The capitalized spending :math:`I_{ct} = \sum_{r \in (c, t)} \theta_r a_r` of each firm
    class :math:`c` (and any other roles in ``by``) and period :math:`t` is the investment of
    :func:`intelcap.accounts.pim.pim`, which builds, for every class at once,

    .. math::

        K_{ct} = \sum_{a \ge 0} I_{c, t-a}\, n_c(a), \qquad
        D_{ct} = \sum_{a \ge 0} I_{c, t-a}\, [n_c(a-1) - n_c(a)],

    with the age-price profile :math:`n_c` of the class (a service life or depreciation rate
    per class: pass ``service_life={"large": 4, "small": 2}`` or a Series indexed by class).

    Parameters
    ----------
    data, shares, register, columns, missing, chunksize, progress, client
        As for :func:`class_shares`.
    by : sequence of str
        Roles that define a series (default: the firm class); the period is added.
    **pim_options
        Passed to :func:`intelcap.accounts.pim.pim` (``profile``, ``rate``, ``service_life``,
        ``retirement``, ``timing``, ``deflator``, ...).

    Returns
    -------
    intelcap.accounts.PIMResult
        Stocks and CFC laid out by the series of ``by`` (wide: one column per series). A class
        with no invoice in a period has zero investment in it.

    References
    ----------
    OECD (2009), *Measuring Capital - OECD Manual*, second edition, chapter 6.
    """
    from intelcap.accounts.pim import pim

    by = (by,) if isinstance(by, str) else tuple(by)
    if "period" in by:
        raise SpecificationError("by must not contain 'period' (it is always the time axis)")
    table = class_shares(data, shares, by=(*by, "period"), register=register,
                         columns=columns, missing=missing, chunksize=chunksize,
                         progress=progress, client=client)
    wide = table.pivot_table(index="period", columns=list(by), values="capitalized",
                             aggfunc="sum", fill_value=0.0, observed=True, sort=True)
    if len(by) == 1:
        wide.columns = wide.columns.get_level_values(0)
    wide.columns.name = by[0] if len(by) == 1 else None
    pim_options.setdefault("progress", progress)
    return pim(wide, **pim_options)


# ------------------------------------------------------------------------------------------
# the adjustment's invoice input (``intelcap adjust``: input.invoices, --scheduler)
# ------------------------------------------------------------------------------------------
def invoice_paths(value: Any, base: Path, *, key: str = "input.invoices") -> list[Path]:
    """Resolve a path, glob pattern or list of them (relative to ``base``) to invoice files.

    Raises
    ------
    SpecificationError
        Not a string or list of strings, or a pattern that matches no file (naming ``key``).
    """
    import glob

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v
                                                           for v in items):
        raise SpecificationError(f"{key} must be a path, a glob pattern or a list of them, got "
                                 f"{value!r}")
    out: list[Path] = []
    for item in items:
        p = Path(item)
        p = p if p.is_absolute() else base / p
        if any(ch in item for ch in "*?["):
            found = sorted(Path(m) for m in glob.glob(str(p)))
            if not found:
                raise SpecificationError(f"{key}: no file matches {item!r}")
            out += found
        elif not p.exists():
            raise SpecificationError(f"{key}: file not found: {p}")
        elif p.is_dir():  # a Parquet dataset folder: its files, in a fixed order
            found = sorted(f for f in p.rglob("*") if f.is_file()
                           and f.suffix.lower() in (".parquet", ".pq"))
            if not found:
                raise SpecificationError(f"{key}: folder {p} holds no .parquet file")
            out += found
        else:
            out.append(p)
    kinds = {_is_parquet(p) for p in out}
    if len(kinds) > 1:
        raise SpecificationError(f"{key}: mixes CSV and Parquet files; give one kind")
    return [p.resolve() for p in out]


def spending_from_invoices(
    paths: Sequence[Path],
    *,
    scheduler: str | None = None,
    timeout: float | None = None,
    option: str = "--scheduler",
    chunksize: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The spending table of invoice files, in this process or on a running Dask cluster.

    Parameters
    ----------
    paths : sequence of Path
        Invoice files (CSV, or Parquet files or folders) with the columns of
        :data:`INVOICE_COLUMNS` (``firm`` and ``firm_class`` are not needed).
    scheduler : str, optional
        Address of a running Dask scheduler; its workers read the files (they must see the
        same paths). ``None``: stream the files through this process in chunks.
    timeout : float, optional
        Seconds to wait for the scheduler (default
        :data:`intelcap.scale.cluster.DEFAULT_TIMEOUT`).
    option : str
        The option that gave ``scheduler``, named in errors.
    chunksize, progress
        As for :func:`aggregate_invoices`.

    Returns
    -------
    pandas.DataFrame
        Columns period, sector, industry, product, value: the ``spending`` of
        :func:`intelcap.accounts.capitalize`.
    """
    if scheduler is None:
        return aggregate_invoices(list(paths), chunksize=chunksize, progress=progress)
    from intelcap.scale.cluster import DEFAULT_TIMEOUT, connect

    client = connect(scheduler, timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
                     option=option)
    try:
        return aggregate_invoices(list(paths), chunksize=chunksize, progress=progress,
                                  client=client)
    finally:
        client.close()
