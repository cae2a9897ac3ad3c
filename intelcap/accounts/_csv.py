r"""Writing large frames as CSV byte-for-byte as pandas would, column-wise (internal).

``DataFrame.to_csv`` formats every cell through Python objects: about a million rows a
second. For frames of the long national-accounts shapes (text codes, int periods, float
values) :func:`write_csv` builds each column's text with array kernels -- floats as the
shortest round-trip repr that ``to_csv`` itself uses (``values.astype(str)``), missing values
as empty fields -- quotes the fields that Python's ``csv`` module quotes under
``QUOTE_MINIMAL`` (those holding a comma, a double quote, a carriage return or a line feed;
quotes doubled), joins the columns with pyarrow's string kernels and writes the rows in
chunks of :data:`CHUNK_ROWS` (memory bounded by a chunk, not by the frame). Any other
column type, or a small frame, goes through ``to_csv``.

Floats: a value :math:`v` equal (as a double) to :math:`n / 10^p` for an integer
:math:`|n| < 10^{15}` and :math:`10^{-4} \le |v|` (or :math:`v = 0`) is the double nearest to
the decimal :math:`n \cdot 10^{-p}`, which has at most 15 significant digits, so its
shortest round-trip repr is that decimal, written positionally (``repr`` switches to
exponents only below :math:`10^{-4}` and from :math:`10^{16}`) with its trailing zeros
dropped and at least one fractional digit. Such values (every value of a table rounded to
``p`` decimals, as ``intelcap adjust`` writes them) are formatted from the integers
:math:`n` with integer and string kernels; any other value goes through numpy's repr.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

#: Frames with fewer rows are written by pandas itself (no gain below this size).
FAST_ROWS = 50_000
#: Rows formatted and written at a time.
CHUNK_ROWS = 1 << 17
#: Decimals tried first for the exact decimal formatting of floats (see the module docstring).
DECIMALS = 6


def _quoted_chars() -> str:
    """The characters that make Python's ``csv`` module (what ``to_csv`` uses) quote a field
    under ``QUOTE_MINIMAL`` with ``\n`` line ends (a carriage return does in some Python
    versions and not in others): asked of the module itself."""
    import csv
    import io

    out = ',"\n'
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["a\rb", "c"])
    return out + ("\r" if buf.getvalue().startswith('"') else "")


_CHARS = _quoted_chars()
_SPECIAL = "[" + _CHARS.replace("\\", "\\\\") + "]"


def _quote(arr: Any) -> Any:
    import pyarrow.compute as pc

    need = pc.match_substring_regex(arr, _SPECIAL)
    if not pc.any(need).as_py():
        return arr
    import pyarrow as pa

    q, empty = pa.scalar('"', pa.large_string()), pa.scalar("", pa.large_string())
    quoted = pc.binary_join_element_wise(q, pc.replace_substring(arr, '"', '""'), q, empty)
    return pc.if_else(need, quoted, arr)


def _float_text(v: np.ndarray, decimals: int) -> Any:
    """``v.astype(str)`` (missing values empty) as a pyarrow string array, by the exact
    decimal path where it applies (module docstring) and numpy's repr elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    p = int(decimals)
    scale = 10.0 ** p
    with np.errstate(invalid="ignore", over="ignore"):
        n = np.rint(v * scale)
        av = np.abs(v)
        fast = ((n / scale) == v) & (np.abs(n) < 1e15) & ((av >= 1e-4) | (v == 0))
    text = None
    if fast.any():
        m = np.abs(np.where(fast, n, 0.0)).astype(np.int64)
        unit = np.int64(10 ** p)
        whole = pa.array(m // unit).cast(pa.large_string())
        if p:
            frac = pc.utf8_lpad(pa.array(m % unit).cast(pa.large_string()), p, "0")
            frac = pc.utf8_rtrim(frac, "0")
            frac = pc.if_else(pc.equal(pc.utf8_length(frac), 0),
                              pa.scalar("0", pa.large_string()), frac)
        else:
            frac = pa.scalar("0", pa.large_string())
        sign = pc.if_else(pa.array(np.signbit(v)), pa.scalar("-", pa.large_string()),
                          pa.scalar("", pa.large_string()))
        empty = pa.scalar("", pa.large_string())
        text = pc.binary_join_element_wise(sign, whole, pa.scalar(".", pa.large_string()),
                                           frac, empty)
    if text is not None and fast.all():
        return text
    rest = np.flatnonzero(~fast)
    other = v[rest].astype(str)
    nan = np.isnan(v[rest])
    if nan.any():
        other[nan] = ""
    if text is None:
        return pa.array(other, type=pa.large_string())
    # the few values outside the decimal path, put in place
    out = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    out[rest] = other
    return pa.array(out, type=pa.large_string())


class _Column:
    """One column's CSV fields, produced chunk by chunk."""

    def __init__(self, s: pd.Series, decimals: int) -> None:
        self.kind = None
        dtype = s.dtype
        is_object = isinstance(dtype, np.dtype) and dtype.kind == "O"
        self.decimals = decimals
        if pd.api.types.is_bool_dtype(dtype):
            return
        if pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
            self.kind, self.values = "float", s.to_numpy()
            return
        import pyarrow as pa

        if isinstance(dtype, pd.CategoricalDtype):
            cats = dtype.categories
            if not (pd.api.types.is_string_dtype(cats.dtype) or pd.api.types.is_integer_dtype(
                    cats.dtype)) or (cats.dtype.kind == "O" and pd.api.types.infer_dtype(
                    cats, skipna=True) not in ("string", "empty")):
                return
            codes = s.cat.codes.to_numpy()
            uniq = np.asarray(cats.astype(str) if cats.dtype.kind in "iu" else cats,
                              dtype=object)
            text = pa.array(uniq, type=pa.large_string())
            if (codes < 0).any():   # missing: the last field, empty
                text = pa.concat_arrays([text, pa.array([""], type=pa.large_string())])
                codes = np.where(codes < 0, len(uniq), codes)
            self.kind, self.codes, self.text = "take", codes, _quote(text)
            return
        if pd.api.types.is_integer_dtype(dtype) and isinstance(dtype, np.dtype):
            codes, uniq = pd.factorize(s)
            self.kind, self.codes = "take", codes
            self.text = pa.array(np.asarray(uniq).astype(str), type=pa.large_string())
            return
        if isinstance(dtype, pd.StringDtype) or (is_object and pd.api.types.infer_dtype(
                s, skipna=True) in ("string", "empty")):
            # text columns repeat few values: format and quote the distinct ones, then take
            codes, uniq = pd.factorize(s, use_na_sentinel=False)
            text = pa.array(np.asarray(uniq, dtype=object), type=pa.large_string(),
                            from_pandas=True).fill_null("")
            self.kind, self.codes, self.text = "take", codes, _quote(text)

    def chunk(self, lo: int, hi: int) -> Any:
        if self.kind == "float":
            return _float_text(self.values[lo:hi], self.decimals)
        return self.text.take(self.codes[lo:hi])


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *,
              decimals: int = DECIMALS) -> None:
    """Write ``frame`` (no index, UTF-8, ``\n`` line ends) to ``path`` as
    ``frame.to_csv`` would.

    ``decimals``: the float columns' expected rounding (only the speed depends on it).
    """
    cols = _columns(frame, decimals) if len(frame) >= FAST_ROWS and len(frame.columns) else None
    if cols is None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    head = ",".join(_quote_name(str(c)) for c in frame.columns) + "\n"
    sep = pa.scalar(",", pa.large_string())
    eol, empty = pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string())
    with open(path, "wb") as fh:
        fh.write(head.encode("utf-8"))
        for lo in range(0, len(frame), CHUNK_ROWS):
            hi = min(lo + CHUNK_ROWS, len(frame))
            body = pc.binary_join_element_wise(*[c.chunk(lo, hi) for c in cols], sep)
            body = pc.binary_join_element_wise(body, eol, empty)
            offsets = np.frombuffer(body.buffers()[1], dtype=np.int64)[
                body.offset:body.offset + len(body) + 1]
            fh.write(memoryview(body.buffers()[2])[int(offsets[0]):int(offsets[-1])])
            del body


def _columns(frame: pd.DataFrame, decimals: int) -> list[_Column] | None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow ships with pandas 3
        return None
    cols = []
    for c in frame.columns:
        col = _Column(frame[c], decimals)
        if col.kind is None:
            return None
        cols.append(col)
    return cols


def _quote_name(name: str) -> str:
    if any(ch in name for ch in _CHARS):
        return '"' + name.replace('"', '""') + '"'
    return name
