"""Writing large frames as CSV byte-for-byte as pandas would, column-wise (internal).

``DataFrame.to_csv`` formats every cell through Python objects: about a million rows a
second. For frames of the long national-accounts shapes (text codes, int periods, float
values) :func:`write_csv` builds each column's text once -- floats with numpy's shortest
round-trip repr, the formatting ``to_csv`` itself uses (``values.astype(str)``), missing
values as empty fields -- quotes the fields that Python's ``csv`` module quotes under
``QUOTE_MINIMAL`` (those holding a comma, a double quote, a carriage return or a line feed;
quotes doubled), joins the columns with pyarrow's string kernels and writes the joined
buffer in one call. Any other column type, or a small frame, goes through ``to_csv``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

#: Frames with fewer rows are written by pandas itself (no gain below this size).
FAST_ROWS = 50_000


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


def _column_text(s: pd.Series) -> Any | None:
    """The column as a pyarrow string array of CSV fields, or None (not handled here)."""
    import pyarrow as pa

    dtype = s.dtype
    is_object = isinstance(dtype, np.dtype) and dtype.kind == "O"
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
        v = s.to_numpy()
        text = v.astype(str)
        nan = np.isnan(v)
        if nan.any():
            text[nan] = ""
        return pa.array(text, type=pa.large_string())
    if pd.api.types.is_integer_dtype(dtype) and isinstance(dtype, np.dtype):
        codes, uniq = pd.factorize(s)
        return pa.array(np.asarray(uniq).astype(str), type=pa.large_string()).take(codes)
    if isinstance(dtype, pd.StringDtype) or (is_object and pd.api.types.infer_dtype(
            s, skipna=True) in ("string", "empty")):
        # text columns repeat few values: format and quote the distinct ones, then take
        codes, uniq = pd.factorize(s, use_na_sentinel=False)
        text = pa.array(np.asarray(uniq, dtype=object), type=pa.large_string(),
                        from_pandas=True).fill_null("")
        return _quote(text).take(codes)
    return None


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``frame`` (no index, UTF-8, ``\n`` line ends) to ``path`` as
    ``frame.to_csv`` would."""
    cols = _columns(frame) if len(frame) >= FAST_ROWS and len(frame.columns) else None
    if cols is None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    head = ",".join(_quote_name(str(c)) for c in frame.columns) + "\n"
    sep = pa.scalar(",", pa.large_string())
    body = pc.binary_join_element_wise(*cols, sep)
    body = pc.binary_join_element_wise(body, pa.scalar("\n", pa.large_string()),
                                       pa.scalar("", pa.large_string()))
    offsets = np.frombuffer(body.buffers()[1], dtype=np.int64)[
        body.offset:body.offset + len(body) + 1]
    with open(path, "wb") as fh:
        fh.write(head.encode("utf-8"))
        fh.write(memoryview(body.buffers()[2])[int(offsets[0]):int(offsets[-1])])


def _columns(frame: pd.DataFrame) -> list[Any] | None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow ships with pandas 3
        return None
    cols = []
    for c in frame.columns:
        text = _column_text(frame[c])
        if text is None:
            return None
        cols.append(text)
    return cols


def _quote_name(name: str) -> str:
    if any(ch in name for ch in _CHARS):
        return '"' + name.replace('"', '""') + '"'
    return name
