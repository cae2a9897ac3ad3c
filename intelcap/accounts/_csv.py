r"""Writing large frames as CSV byte-for-byte as pandas would, column-wise (internal).

``DataFrame.to_csv`` formats every cell through Python objects: about a million rows a
second. For frames of the long national-accounts shapes (text codes, int periods, float
values) :func:`write_csv` builds the bytes of :data:`CHUNK_ROWS` rows at a time with numpy
array kernels, so memory is bounded by a chunk, not by the frame:

- each column of a chunk becomes a block of fixed-width byte slots (``uint8``, rows x
  width) and a mask of the slots that hold a character; the blocks are laid side by side with
  the separators and line ends, and the masked bytes, read row by row, are the chunk's text
  (one boolean selection, one ``write``);
- text (categorical, Arrow-backed or Python strings) is encoded once per distinct value --
  quoted as Python's ``csv`` module quotes under ``QUOTE_MINIMAL`` (fields holding a comma, a
  double quote, a carriage return or a line feed; quotes doubled), missing values as empty
  fields -- and taken by the rows' codes;
- integers are written digit by digit (integer division by ten);
- floats as the shortest round-trip repr that ``to_csv`` itself uses
  (``values.astype(str)``), missing values as empty fields, by the exact decimal path below
  where it applies and numpy's repr for the other values.

Any other column type (booleans, nullable or Arrow-backed numbers, float32, mixed objects), a
frame of one column (the ``csv`` module quotes a lone empty field) or a small frame goes
through ``to_csv``.

Floats: a value :math:`v` equal (as a double) to :math:`n / 10^p` for an integer
:math:`|n| < 10^{15}` and :math:`10^{-4} \le |v|` (or :math:`v = 0`) is the double nearest to
the decimal :math:`n \cdot 10^{-p}`, which has at most 15 significant digits, so its
shortest round-trip repr is that decimal, written positionally (``repr`` switches to
exponents only below :math:`10^{-4}` and from :math:`10^{16}`) with its trailing zeros
dropped and at least one fractional digit. Such values (every value of a table rounded to
``p`` decimals, as ``intelcap adjust`` writes them) are formatted from the integers
:math:`n` (sign, whole part, point, fractional part); any other value goes through numpy's
repr into a slot of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

#: Frames with fewer rows are written by pandas itself (no gain below this size).
FAST_ROWS = 50_000
#: Rows formatted and written at a time.
CHUNK_ROWS = 1 << 16
#: Decimals tried first for the exact decimal formatting of floats (see the module docstring).
DECIMALS = 6

_ZERO, _MINUS, _POINT = 48, 45, 46


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
#: A regular expression (RE2) matching text that needs quotes or holds a NUL character.
_SPECIAL_OR_NUL = "[" + _CHARS + "\\x00]"


def _quote_name(name: str) -> str:
    if any(ch in name for ch in _CHARS):
        return '"' + name.replace('"', '""') + '"'
    return name


def _text_table(values: list[Any]) -> np.ndarray:
    """Encoded fields of ``values`` (str; None for missing: an empty field) as a byte table
    (values x width, ``uint8``), each field padded with NUL bytes."""
    enc = []
    for v in values:
        s = "" if v is None else str(v)
        if any(ch in s for ch in _CHARS):
            s = '"' + s.replace('"', '""') + '"'
        enc.append(s.encode("utf-8"))
    width = max((len(b) for b in enc), default=0)
    if width == 0:
        return np.zeros((len(enc), 0), dtype=np.uint8)
    return np.array(enc, dtype=f"S{width}").view(np.uint8).reshape(len(enc), width)


def _arrow_table(dic: Any) -> np.ndarray:
    """:func:`_text_table` of an Arrow string array without nulls (a dictionary), plus the
    empty field, read from the array's buffers when no value needs quotes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(dic) == 0 or pc.any(pc.match_substring_regex(dic, _SPECIAL_OR_NUL)).as_py():
        return _text_table([*_no_nul(dic.to_pylist()), None])
    large = pa.types.is_large_string(dic.type)
    offsets = np.frombuffer(dic.buffers()[1], dtype=np.int64 if large else np.int32)[
        dic.offset:dic.offset + len(dic) + 1].astype(np.int64)
    lens = np.append(np.diff(offsets), 0)   # the last row: the empty field of missing values
    width = int(lens.max())
    if width == 0:
        return np.zeros((len(lens), 0), dtype=np.uint8)
    data = np.frombuffer(dic.buffers()[2], dtype=np.uint8)
    pos = np.append(offsets[:-1], 0)[:, None] + np.arange(width)[None, :]
    shown = np.arange(width)[None, :] < lens[:, None]
    return np.where(shown, data[np.minimum(pos, len(data) - 1)], 0).astype(np.uint8)


def _ended(table: np.ndarray, end: int) -> np.ndarray:
    """A text table with the byte ``end`` after every field."""
    return np.hstack([table, np.full((len(table), 1), end, dtype=np.uint8)])


def _digits(m: np.ndarray, width: int, out: np.ndarray) -> None:
    """Write the decimal digits of the non-negative integers ``m``, right-aligned in
    ``width`` places with leading zeros, as characters into the rows of ``out`` (width x
    rows: one contiguous row per place, the most significant first)."""
    ten = m.dtype.type(10)
    q = m
    for j in range(width - 1, -1, -1):
        nq = q // ten
        np.subtract(q, nq * ten, out=out[j], casting="unsafe")
        q = nq
    out += _ZERO


def _blank_leading(m: np.ndarray, width: int, places: int, out: np.ndarray) -> None:
    """Blank (NUL) the leading zeros among the ``width`` most significant of the ``places``
    digits of ``m`` written in the rows of ``out`` (width x rows; the last always stays)."""
    low = places - width
    for j in range(1, width):
        out[width - 1 - j] *= m >= m.dtype.type(10 ** (low + j))


def _unsigned(m: np.ndarray) -> tuple[np.ndarray, int]:
    """Non-negative integers (``uint64``) as the narrowest of ``uint32`` and ``uint64`` that
    holds them, and the digits of the largest (at least one)."""
    top = int(m.max()) if len(m) else 0
    return (m.astype(np.uint32) if top < 2 ** 32 else m), len(str(top))


class _NotFormatted(Exception):
    """A chunk holds what the column-wise path does not write (text with a NUL character,
    the writer's mark of an empty byte slot): the file is written by ``to_csv`` instead."""


def _no_nul(values: list[Any]) -> list[Any]:
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise _NotFormatted
    return values


#: A column's share of a chunk: its width in bytes and the function that fills its slots
#: (a rows x width view of the chunk's bytes; NUL in a slot: no character there).
Part = tuple[int, Callable[[np.ndarray], None]]


class _Column:
    """How one column is written; :meth:`part` gives the bytes of a chunk of its rows."""

    def __init__(self, s: pd.Series, decimals: int, end: int) -> None:
        self.kind: str | None = None
        self.decimals = int(decimals)
        self.end = end   # the byte after the field: a comma, or a line feed in the last column
        dtype = s.dtype
        is_object = isinstance(dtype, np.dtype) and dtype.kind == "O"
        if pd.api.types.is_bool_dtype(dtype):
            return
        if isinstance(dtype, np.dtype) and dtype == np.float64:
            self.kind, self.values = "float", s.to_numpy()
            return
        if isinstance(dtype, np.dtype) and dtype.kind in "iu":
            self.kind, self.values = "int", s.to_numpy()
            return
        if isinstance(dtype, pd.CategoricalDtype):
            cats = dtype.categories
            if not (pd.api.types.is_string_dtype(cats.dtype) or pd.api.types.is_integer_dtype(
                    cats.dtype)) or (cats.dtype.kind == "O" and pd.api.types.infer_dtype(
                    cats, skipna=True) not in ("string", "empty")):
                return
            uniq = (cats.astype(str) if cats.dtype.kind in "iu" else cats).tolist()
            if any("\x00" in u for u in uniq):
                return
            # the missing code -1 takes the last row of the table: an empty field
            self.kind, self.codes = "cat", s.cat.codes.to_numpy()
            self.table = _ended(_text_table([*uniq, None]), end)
            return
        if isinstance(dtype, pd.StringDtype) or (is_object and pd.api.types.infer_dtype(
                s, skipna=True) in ("string", "empty")):
            arrow = getattr(s.array, "_pa_array", None)
            if arrow is not None:
                # Arrow-backed strings: encoded chunk by chunk in Arrow (no Python objects)
                self.kind, self.values = "arrow", arrow
                self.runs: bool | None = None
            else:
                self.kind, self.values = "text", s.to_numpy(dtype=object)

    def part(self, lo: int, hi: int) -> Part:
        kind = self.kind
        if kind == "float":
            return self._float(self.values[lo:hi])
        if kind == "int":
            return self._int(self.values[lo:hi])
        if kind == "cat":
            codes, table = self.codes[lo:hi], self.table
        elif kind == "arrow":
            codes, table = self._arrow(lo, hi)
        else:
            codes, uniq = pd.factorize(self.values[lo:hi], use_na_sentinel=True)
            table = _ended(_text_table([*_no_nul(np.asarray(uniq, dtype=object).tolist()),
                                        None]), self.end)
        width = table.shape[1]

        def fill(chars: np.ndarray) -> None:
            # whole table rows at once: one item of ``width`` bytes per row
            chars.view(f"V{width}")[:, 0] = _rows(table).take(codes, mode="wrap")

        return width, fill

    def _arrow(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Codes and text table of the Arrow strings of rows ``lo:hi``: by runs of equal
        values where they are long (sorted tables: a comparison of neighbours, no hashing;
        decided on the first chunk), else by Arrow's dictionary encoding."""
        import pyarrow as pa
        import pyarrow.compute as pc

        part = self.values.slice(lo, hi - lo)
        part = part.chunk(0) if part.num_chunks == 1 else pa.concat_arrays(part.chunks)
        if self.runs is not False and part.null_count == 0 and len(part) > 1:
            change = np.empty(len(part), dtype=bool)
            change[0] = True
            change[1:] = pc.not_equal(part.slice(1), part.slice(0, len(part) - 1)
                                      ).to_numpy(zero_copy_only=False)
            starts = np.flatnonzero(change)
            if self.runs is None:
                self.runs = len(starts) <= len(part) // 4
            if self.runs:
                return (np.cumsum(change) - 1,
                        _ended(_arrow_table(part.take(pa.array(starts))), self.end))
        enc = part.dictionary_encode()
        idx = enc.indices
        codes = (idx.fill_null(len(enc.dictionary)) if idx.null_count else idx).to_numpy()
        return codes, _ended(_arrow_table(enc.dictionary), self.end)

    def _int(self, v: np.ndarray) -> Part:
        neg = v < 0
        # magnitudes as uint64 (the wrapped abs of the least int64 is its magnitude there)
        m, width = _unsigned(np.abs(v.astype(np.int64)).astype(np.uint64)
                             if v.dtype.kind == "i" else v.astype(np.uint64))

        def fill(chars: np.ndarray) -> None:
            # places as contiguous rows first, then one transposing copy into the slots
            c = np.empty((2 + width, len(v)), dtype=np.uint8)
            np.multiply(neg, _MINUS, out=c[0], casting="unsafe")
            _digits(m, width, c[1:-1])
            _blank_leading(m, width, width, c[1:-1])
            c[-1] = self.end
            chars[:] = c.T

        return 2 + width, fill

    def _float(self, v: np.ndarray) -> Part:
        p = self.decimals
        scale = 10.0 ** p
        with np.errstate(invalid="ignore", over="ignore"):
            n = np.rint(v * scale)
            fast = ((n / scale) == v) & (np.abs(n) < 1e15) & ((np.abs(v) >= 1e-4) | (v == 0))
        m, places = _unsigned(np.abs(np.where(fast, n, 0.0)).astype(np.uint64))
        wdig = max(places - p, 1)     # digits of the whole part (at least one)
        other = np.flatnonzero(~fast & ~np.isnan(v))
        text = v[other].astype(str).astype("S") if len(other) else None  # numpy's repr
        owidth = text.dtype.itemsize if text is not None else 0
        fdig = max(p, 1)
        width = 1 + wdig + 1 + fdig + (owidth == 0)   # the end byte here without others
        # whole and fractional parts, each in uint32 where it fits (fast division by ten)
        whole = m
        if p:
            t = m.dtype.type if 10 ** p <= np.iinfo(m.dtype).max else np.uint64
            whole = m.astype(t, copy=False) // t(10 ** p)
            frac = m.astype(t, copy=False) - whole * t(10 ** p)
            if wdig <= 9:
                whole = whole.astype(np.uint32, copy=False)
            if p <= 9:
                frac = frac.astype(np.uint32, copy=False)

        def fill(chars: np.ndarray) -> None:
            # layout: sign, whole part, point, fractional part (then the other values' slot);
            # places as contiguous rows first, then one transposing copy into the slots
            c = np.empty((width, len(v)), dtype=np.uint8)
            if not owidth:
                c[-1] = self.end
            np.multiply(np.signbit(v), _MINUS, out=c[0], casting="unsafe")
            f0 = 2 + wdig
            _digits(whole, wdig, c[1:1 + wdig])
            _blank_leading(whole, wdig, wdig, c[1:1 + wdig])
            if p == 0:
                c[f0] = _ZERO
            else:
                _digits(frac, p, c[f0:f0 + p])
                # fractional digits without their trailing zeros, at least one
                run = c[f0 + p - 1] == _ZERO
                for j in range(p - 1, 0, -1):
                    nxt = run & (c[f0 + j - 1] == _ZERO)
                    c[f0 + j] *= ~run
                    run = nxt
            c[f0 - 1] = _POINT
            c[:f0 + fdig] *= fast   # missing and other values: nothing in these slots
            chars[:, :width] = c.T
            if owidth:
                o = slice(width, width + owidth)
                chars[:, o] = 0
                chars[other, o] = text.view(np.uint8).reshape(len(other), owidth)
                chars[:, -1] = self.end

        return width + owidth + (owidth > 0), fill


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *,
              decimals: int = DECIMALS) -> None:
    """Write ``frame`` (no index, UTF-8, ``\n`` line ends) to ``path`` as
    ``frame.to_csv`` would.

    ``decimals``: the float columns' expected rounding (only the speed depends on it).
    """
    cols = (_columns(frame, decimals)
            if len(frame) >= FAST_ROWS and len(frame.columns) >= 2 else None)
    if cols is None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
        return
    head = ",".join(_quote_name(str(c)) for c in frame.columns) + "\n"
    buffer = np.empty(0, dtype=np.uint8)   # the chunks' bytes, reused (no fresh pages)
    try:
        with open(path, "wb") as fh:
            fh.write(head.encode("utf-8"))
            for lo in range(0, len(frame), CHUNK_ROWS):
                hi = min(lo + CHUNK_ROWS, len(frame))
                parts = [c.part(lo, hi) for c in cols]
                size = (hi - lo) * sum(w for w, _ in parts)
                if size > len(buffer):
                    buffer = np.empty(size + size // 4, dtype=np.uint8)
                fh.write(_chunk(parts, buffer[:size].reshape(hi - lo, -1)))
    except _NotFormatted:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")


def _chunk(parts: list[Part], chars: np.ndarray) -> Any:
    """The text of one chunk: the parts side by side in ``chars`` (rows x their widths; each
    ends with its comma or line feed), its non-NUL bytes in row order (a buffer)."""
    at = 0
    for w, fill in parts:
        fill(chars[:, at:at + w])
        at += w
    return _select(chars.ravel())


def _rows(table: np.ndarray) -> np.ndarray:
    """The rows of a 2-D table as single items (numpy void of the row's width)."""
    return np.ascontiguousarray(table).view(f"V{table.shape[1] * table.itemsize}").ravel()


def _select(chars: np.ndarray) -> Any:
    """The bytes of ``chars`` that are not NUL: by Arrow's filter kernel where pyarrow is
    installed (it copies runs of selected bytes a machine word at a time; about twice as fast
    as numpy's boolean indexing), else numpy."""
    shown = chars != 0
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow ships with the parquet extra
        return chars[shown]
    bits = np.packbits(shown, bitorder="little")
    mask = pa.Array.from_buffers(pa.bool_(), len(shown), [None, pa.py_buffer(bits)])
    data = pa.Array.from_buffers(pa.uint8(), len(chars), [None, pa.py_buffer(chars)])
    out = pc.filter(data, mask)
    return memoryview(out.buffers()[1])[out.offset:out.offset + len(out)]


def _columns(frame: pd.DataFrame, decimals: int) -> list[_Column] | None:
    cols = []
    last = len(frame.columns) - 1
    for k in range(len(frame.columns)):
        col = _Column(frame.iloc[:, k], decimals, ord(",") if k < last else ord("\n"))
        if col.kind is None:
            return None
        cols.append(col)
    return cols
