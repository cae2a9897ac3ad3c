"""Reading and writing national-accounts tables: CSV, Excel and SDMX-CSV.

Formats
-------
``"csv"``
    The long table as it is (:data:`~intelcap.accounts.tables.COLUMNS`), UTF-8, ``\\n`` line
    ends, rows in key order, floats written with the shortest repr that reads back exactly, so
    the same table always gives byte-identical files.
``"excel"``
    An ``.xlsx`` workbook with a ``data`` sheet (the long table) and a ``metadata`` sheet beside
    it (``unit``, ``price_basis``, ``source``, ``written_by`` and any extra metadata). A ``data``
    sheet without ``unit``/``price_basis`` columns takes them from the metadata sheet. Numbers
    are stored as Excel numbers, which keep 16 significant digits (Excel displays 15): the round
    trip is exact to a relative 1e-15, not bit for bit (use CSV for that). Member timestamps
    are fixed, so the same table and metadata give the same bytes.
``"sdmx-csv"``
    SDMX-CSV with Eurostat's national-accounts dissemination (e.g. ``nama_10_gdp``) dimension
    names: ``freq, unit, na_item, sector, nace_r2, prod_na, geo, TIME_PERIOD, OBS_VALUE``
    (``DATAFLOW``, ``LAST UPDATE``, ``OBS_FLAG``, ``STRUCTURE*`` and ``ACTION`` columns are
    accepted and ignored). ``na_item`` -> transaction, ``sector`` -> sector (``S1`` when the
    column is absent), ``nace_r2`` -> industry, ``prod_na`` -> product (``TOTAL`` -> ``"_T"``),
    ``TIME_PERIOD`` -> period, ``OBS_VALUE`` -> value. Unit codes carry the price basis:
    ``CP_MEUR`` -> unit ``EUR_MN``, current prices; ``CLV10_MEUR`` -> ``EUR_MN``, chain-linked;
    ``PYP_MNAC`` / ``KP_MNAC`` -> ``NAC_MN``, constant (previous-year / fixed) prices.
    Files keyed by the ESTAT ``NA_MAIN`` data structure itself (``FREQ, ADJUSTMENT, REF_AREA,
    COUNTERPART_AREA, REF_SECTOR, COUNTERPART_SECTOR, ACCOUNTING_ENTRY, STO, INSTR_ASSET,
    ACTIVITY, EXPENDITURE, UNIT_MEASURE, PRICES, TRANSFORMATION``, attribute ``UNIT_MULT``) are
    read too: ``STO`` -> transaction, ``REF_SECTOR`` -> sector, ``ACTIVITY`` -> industry,
    ``INSTR_ASSET`` -> product (``_Z``/``_T`` -> ``"_T"``), ``UNIT_MEASURE`` x ``UNIT_MULT`` x
    ``PRICES`` (``V`` current, ``L`` chain-linked, ``Y`` previous-year prices) -> unit and price
    basis; the other dimensions must take one value (use ``select=``).
    Leaves only: Eurostat aggregates and memo items whose components are leaves of the schema
    (``P5G``, ``P52_P53``, ``P61``/``P62``, ``P71``/``P72``, ``B11``, ``D2``, ``D3``, ...)
    are dropped; total ``P3`` is kept (on ``S1``) only when none of ``P3_S13``,
    ``P31_S14_S15``, ``P31_S14``, ``P31_S15`` is given; households' and NPISH consumption
    (``P31_S14_S15``, sectors ``S14_S15``/``S1M``) go to ``S14``; ``D29X39`` is derived as
    ``D2X3 - D21X31`` when only those two are given.
    Pure pandas: the optional ``sdmx1`` package (``pip install "intelcap[sdmx]"``) is only
    needed to download SDMX-ML from an agency, never to read these files.

Every writer is atomic: it writes a temporary file in the destination folder and moves it into
place with :func:`os.replace`, so a reader never sees a half-written file.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from intelcap._version import __version__
from intelcap.accounts.tables import (
    COLUMNS,
    TOTAL,
    sort_table,
    table_price_basis,
    table_unit,
    validate_table,
)
from intelcap.exceptions import DataError, IntelcapValueError, MissingDataError

__all__ = ["FORMATS", "NA_ITEM_SECTORS", "read_table", "write_table"]

Format = Literal["csv", "excel", "sdmx-csv"]
#: File formats understood by :func:`read_table` and :func:`write_table`.
FORMATS: tuple[str, ...] = ("csv", "excel", "sdmx-csv", "parquet")

#: Eurostat ``na_item`` codes that carry a sector (nama_10_gdp): code -> (sector, transaction).
#: Households' and NPISH final consumption together (``P31_S14_S15``) is recorded on ``S14``.
NA_ITEM_SECTORS: Mapping[str, tuple[str, str]] = {
    "P3_S13": ("S13", "P3"),
    "P31_S14_S15": ("S14", "P3"),
    "P31_S14": ("S14", "P3"),
    "P31_S15": ("S15", "P3"),
}
# Eurostat aggregates and memo items that are not leaves of the intelcap schema: dropped on
# reading (their components are the leaves). P3 is kept only when no component is present.
_SDMX_DROPPED = frozenset({
    "P5G", "P52_P53", "P61", "P62", "P71", "P72", "B11", "B111", "B112", "D2", "D3", "D21",
    "D31", "D11", "D12", "P41", "P31_S13", "P32_S13", "P3_P5", "P3_P6", "YA0", "YA1", "YA2",
    "D2X3",
})
_SDMX_IGNORED_COLS = ("DATAFLOW", "LAST UPDATE", "OBS_FLAG", "OBS_STATUS", "STRUCTURE",
                      "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "CONF_STATUS")
_SDMX_UNIT = re.compile(r"^(CP|CLV(?:\d{2})?|PYP|KP)_(TH|M|B)([A-Z]{3})$")
_PRICE_PREFIX = {"CP": "current", "CLV": "chain_linked", "PYP": "constant", "KP": "constant"}
_MULT = {"TH": "TH", "M": "MN", "B": "BN"}
_MULT_BACK = {"TH": "TH", "MN": "M", "BN": "B"}
_PREFIX_BACK = {"current": "CP", "chain_linked": "CLV", "constant": "KP"}


# --------------------------------------------------------------------------------------------
# atomic writing
# --------------------------------------------------------------------------------------------
def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"cannot write {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _infer_format(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower().replace("_", "-")
        if fmt in ("xlsx", "xls"):
            fmt = "excel"
        if fmt not in FORMATS:
            raise IntelcapValueError(f"format={format!r} is not recognised; valid: {FORMATS}")
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "excel"
    if suffix in (".csv", ".txt"):
        return "csv"  # SDMX-CSV is recognised from its header when reading
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise IntelcapValueError(f"cannot tell the format of {path.name!r} from its suffix; pass "
                             f"format= one of {FORMATS}")


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def _parse_values(raw: pd.Series) -> pd.Series:
    """Parse text numbers exactly (Python float), keeping bad cells as text for the message."""
    try:
        return pd.Series(np.array(raw.to_numpy(dtype=object), dtype=float), index=raw.index)
    except (TypeError, ValueError):
        return raw.astype(object)  # validate_table names the first non-numeric cell


def clip_names(names: Sequence[Any], limit: int = 8, width: int = 40) -> str:
    """A short list of names for an error message: at most ``limit`` names; a name longer than
    ``width`` or with non-printable characters is shown by its length only, so that a message
    never echoes a file's contents (a file that is not a table can have its whole first line
    as one "column name")."""
    shown = []
    for n in list(names)[:limit]:
        t = str(n)
        # a name that is long or not printable text is file content, not a column name
        shown.append(repr(t) if len(t) <= width and t.isprintable()
                     else f"<{len(t)} characters>")
    more = len(names) - len(shown)
    return "[" + ", ".join(shown) + (f", ... ({more} more)" if more > 0 else "") + "]"


def read_csv_file(path: str | os.PathLike[str], what: str | None = None, *,
                  columns: Sequence[str] | None = None, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV input file; every way it can be unreadable is a :class:`DataError`.

    Empty files, files that are not UTF-8 text (UTF-16 included: the message says so),
    malformed CSV (a row with too many fields, an unclosed quote) and, with ``columns``, a
    header other than ``columns`` raise one-line messages naming the file (``what``) and the
    line, never echoing more of the file than the fault needs. ``kwargs`` go to
    :func:`pandas.read_csv` (UTF-8 with an optional byte-order mark by default).
    """
    path = Path(path)
    what = what or path.name
    kwargs.setdefault("encoding", "utf-8-sig")
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as err:
        raise DataError(f"{what}: cannot read the file ({err.strerror or type(err).__name__})") \
            from None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError(f"{what}: the file is UTF-16 encoded; save it as UTF-8 CSV")
    try:
        frame = pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(f"{what}: the file is empty (expected a header line)") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{what}: not UTF-8 text (undecodable byte at offset {err.start}); "
                        "save it as UTF-8 CSV") from None
    except pd.errors.ParserError as err:
        msg = str(err).strip().splitlines()[-1] if str(err).strip() else ""
        msg = msg.replace("Error tokenizing data. C error: ", "")
        raise DataError(f"{what}: malformed CSV: {msg[:160]}") from None
    except (ValueError, OSError) as err:
        raise DataError(f"{what}: cannot read the CSV file ({type(err).__name__})") from None
    if columns is not None and [str(c) for c in frame.columns] != list(columns):
        raise DataError(f"{what} must have the columns {list(columns)}, got "
                        f"{clip_names(list(frame.columns))}")
    return frame


def _read_csv_text(path: Path) -> pd.DataFrame:
    raw = read_csv_file(path, dtype=str, keep_default_na=False, na_values=[""])
    _check_header(list(raw.columns), path.name)
    return raw


def _check_header(columns: list[Any], source: str) -> None:
    """Refuse a header that is neither a long table nor SDMX-CSV, naming only a few columns."""
    names = [str(c) for c in columns]
    if _is_sdmx(names):
        return
    missing = [c for c in COLUMNS if c not in names]
    extra = [c for c in names if c not in COLUMNS]
    if not missing and not extra:
        return
    msg = f"{source}: table columns must be {list(COLUMNS)} (or SDMX-CSV)"
    if missing:
        msg += f"; missing {missing}"
    if extra:
        msg += f"; unexpected {clip_names(extra)}"
    raise DataError(msg)


def _read_plain_csv(path: Path, raw: pd.DataFrame) -> pd.DataFrame:
    raw.index = pd.RangeIndex(2, len(raw) + 2)  # file line numbers (header is line 1)
    if "value" in raw.columns:
        raw["value"] = _parse_values(raw["value"])
    t = validate_table(raw, source=path.name, row_word="line")
    return t.reset_index(drop=True)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    from intelcap.accounts._csv import write_csv

    _atomic_write(path, lambda tmp: write_csv(table, tmp))


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------
def _read_parquet(path: Path) -> pd.DataFrame:
    """A long table from Parquet (columnar: text codes arrive Arrow-backed, values float)."""
    from intelcap._optional import import_optional

    pq = import_optional("pyarrow.parquet", "parquet", "reading a Parquet table")
    import pyarrow as pa

    try:
        schema = pq.read_schema(path)
        names = schema.names
    except (pa.ArrowInvalid, OSError) as err:
        raise DataError(f"{path.name}: not a readable Parquet file ({type(err).__name__})") \
            from None
    _check_header([n for n in names if not n.startswith("__index_level_")], path.name)
    try:
        # only the table's columns; text columns dictionary-encoded (few distinct codes):
        # pandas categoricals, whose codes validation takes instead of hashing every row's
        # text. The Arrow buffers are freed column by column as pandas takes them over
        # (self_destruct), so the two copies of the table are never both whole in memory.
        text = [c for c in COLUMNS if pa.types.is_string(schema.field(c).type)
                or pa.types.is_large_string(schema.field(c).type)]
        arrow = pq.ParquetFile(path, read_dictionary=text).read(columns=list(COLUMNS),
                                                                use_pandas_metadata=False)
        raw = arrow.to_pandas(self_destruct=True, split_blocks=True)
        del arrow
    except (pa.ArrowInvalid, OSError) as err:
        raise DataError(f"{path.name}: the Parquet file cannot be read "
                        f"({type(err).__name__})") from None
    raw.index = pd.RangeIndex(1, len(raw) + 1)  # row numbers in messages
    return validate_table(raw, source=path.name, row_word="row").reset_index(drop=True)


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    from intelcap._optional import import_optional

    import_optional("pyarrow", "parquet", "writing a Parquet table")
    _atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------
_FIXED_TIME = _dt.datetime(2000, 1, 1)
#: Rows of one Excel worksheet (Excel 2007 and later), header included.
EXCEL_MAX_ROWS = 1_048_576
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _write_excel(table: pd.DataFrame, path: Path, metadata: Mapping[str, Any]) -> None:
    from intelcap._optional import import_optional

    openpyxl = import_optional("openpyxl", "excel", "writing an Excel table")
    Workbook = openpyxl.Workbook
    from openpyxl.cell import WriteOnlyCell

    if len(table) > EXCEL_MAX_ROWS - 1:
        raise DataError(
            f"the table has {len(table):,} rows; an Excel sheet holds at most "
            f"{EXCEL_MAX_ROWS:,} rows including the header ({EXCEL_MAX_ROWS - 1:,} data rows). "
            "Write CSV or SDMX-CSV instead (format='csv'), or split the table by period")
    wb = Workbook(write_only=True)
    wb.properties.creator = f"intelcap {__version__}"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    ws = wb.create_sheet("data")
    meta = wb.create_sheet("metadata")

    def text(sheet: Any, value: Any) -> Any:
        # text is written as text: openpyxl would store a string beginning with '=' as a live
        # formula (formula injection through a code such as '=HYPERLINK(...)')
        if isinstance(value, str) and value[:1] in _FORMULA_START:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    ws.append(list(COLUMNS))
    period = table["period"].tolist()
    cols = [table[c].tolist() for c in COLUMNS[1:]]
    risky = any(isinstance(v, str) and v[:1] in _FORMULA_START
                for col in (period, *cols) for v in col)
    for row in zip(period, *cols, strict=True):
        ws.append([text(ws, v) for v in row] if risky else list(row))
    meta.append(["key", "value"])
    for key, value in metadata.items():
        meta.append([text(meta, str(key)), text(meta, "" if value is None else str(value))])

    def write(tmp: Path) -> None:
        raw = tmp.with_name(tmp.name + ".raw")
        try:
            wb.save(raw)
            _normalise_zip(raw, tmp)
        finally:
            if raw.exists():
                raw.unlink()

    _atomic_write(path, write)


def _normalise_zip(src: Path, dst: Path) -> None:
    """Rewrite a zip with fixed member timestamps so equal workbooks are equal bytes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            out = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            zout.writestr(out, data)


def _read_excel(path: Path, sheet: str = "data") -> pd.DataFrame:
    from intelcap._optional import import_optional

    load_workbook = import_optional("openpyxl", "excel", "reading an Excel table").load_workbook

    errors = _xlsx_errors()
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except errors as err:  # not a zip, a member missing, bad XML, openpyxl's own refusal
        raise DataError(f"{path.name}: not a readable .xlsx workbook ({type(err).__name__}); "
                        "save it again from Excel, or as CSV") from None
    try:
        if sheet not in wb.sheetnames:
            raise DataError(f"{path.name}: no sheet {sheet!r} (sheets: "
                            f"{clip_names(wb.sheetnames)})")
        try:
            rows = list(wb[sheet].iter_rows(values_only=True))
            meta: dict[str, str] = {}
            if "metadata" in wb.sheetnames:
                for i, row in enumerate(wb["metadata"].iter_rows(values_only=True)):
                    if i == 0 or row is None or row[0] is None:
                        continue
                    meta[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        except errors as err:  # a damaged sheet inside a readable zip
            raise DataError(f"{path.name}: sheet {sheet!r} cannot be read "
                            f"({type(err).__name__}); save it again from Excel, or as CSV") \
                from None
    finally:
        wb.close()
    if not rows:
        raise DataError(f"{path.name}: sheet {sheet!r} is empty (expected a header row)")
    header = [None if h is None else str(h) for h in rows[0]]
    while header and header[-1] is None:
        header.pop()
    body = [r[: len(header)] for r in rows[1:] if any(v is not None for v in r)]
    raw = pd.DataFrame(body, columns=header, dtype=object,
                       index=pd.RangeIndex(2, len(body) + 2))
    source = f"{path.name} sheet {sheet!r}"
    for col in ("unit", "price_basis"):
        if col not in raw.columns:
            if not meta.get(col):
                raise DataError(f"{source}: no {col!r} column and no {col!r} in the metadata "
                                "sheet")
            raw[col] = meta[col]
        elif meta.get(col):
            values = raw[col].dropna().astype(str)
            if len(values) and (values != meta[col]).any():
                lab = values.index[(values != meta[col]).to_numpy()][0]
                raise DataError(f"{source}: {col} {raw.at[lab, col]!r} at row {lab} differs "
                                f"from the metadata sheet's {meta[col]!r}")
    # Excel may store text codes as numbers; keep exact text for integer-valued codes.
    for col in ("sector", "industry", "product", "transaction"):
        if col in raw.columns:
            raw[col] = raw[col].map(_excel_code)
    t = validate_table(raw, source=source, row_word="row").reset_index(drop=True)
    t.attrs["metadata"] = meta
    return t


def _xlsx_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged .xlsx raises: the zip layer (``BadZipFile``, ``KeyError`` for a
    missing member, ``EOFError``/``zlib.error`` for a truncated or corrupt stream), the XML
    parsers (ElementTree's ``ParseError``; lxml's ``XMLSyntaxError`` when openpyxl uses
    lxml), openpyxl's ``InvalidFileException`` and the ``ValueError``/``TypeError``/
    ``IndexError``/``AttributeError`` its readers raise on well-formed XML of the wrong
    shape."""
    import xml.etree.ElementTree as ElementTree
    import zlib

    errors: list[type[BaseException]] = [
        zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, zlib.error,
        ElementTree.ParseError, ValueError, TypeError, IndexError, AttributeError, OSError]
    from openpyxl.utils.exceptions import InvalidFileException

    errors.append(InvalidFileException)
    try:
        from lxml.etree import LxmlError
    except ImportError:
        pass
    else:
        errors.append(LxmlError)
    return tuple(errors)


def _excel_code(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(v)
    return v


# --------------------------------------------------------------------------------------------
# SDMX-CSV (Eurostat NA_MAIN names)
# --------------------------------------------------------------------------------------------
def _is_sdmx(columns: Sequence[str]) -> bool:
    return "OBS_VALUE" in columns and "TIME_PERIOD" in columns


def _code_part(s: pd.Series) -> pd.Series:
    """Eurostat ``labels=both`` cells read ``CODE:Label``: keep the code."""
    return s.str.split(":", n=1).str[0].str.strip()


def _sdmx_unit(code: str, where: str) -> tuple[str, str]:
    m = _SDMX_UNIT.match(code)
    if m is None:
        raise DataError(f"{where}unit code {code!r} is not a monetary national-accounts unit "
                        "(expected CP_MEUR, CP_MNAC, CLV10_MEUR, PYP_MNAC, ...); select one "
                        "with select={'unit': ...}")
    prefix, mult, cur = m.groups()
    basis = _PRICE_PREFIX["CLV" if prefix.startswith("CLV") else prefix]
    return f"{cur}_{_MULT[mult]}", basis


def _read_sdmx_csv(path: Path, raw: pd.DataFrame, select: Mapping[str, Any] | None,
                   missing: str) -> pd.DataFrame:
    where = f"{path.name}: "
    raw = raw.copy()
    raw.index = pd.RangeIndex(2, len(raw) + 2)
    for col in select or {}:
        if col not in raw.columns:
            raise DataError(f"{where}select= names column {col!r}, which the file does not have "
                            f"(columns: {clip_names(list(raw.columns))})")
    dims = [c for c in raw.columns if c not in (*_SDMX_IGNORED_COLS, "OBS_VALUE")]
    for col in dims:
        raw[col] = _code_part(raw[col].astype("str")).where(raw[col].notna())
    for col, want in (select or {}).items():
        wanted = [want] if isinstance(want, str) else list(want)
        raw = raw.loc[raw[col].isin(wanted)]
    if len(raw) == 0:
        raise DataError(f"{where}no observations left after select={dict(select or {})}")
    if "STO" in raw.columns:
        raw = _from_na_main_dsd(raw, where)
    for col in ("na_item", "unit"):
        if col not in raw.columns:
            raise DataError(f"{where}SDMX-CSV file has no {col!r} column (columns: "
                            f"{clip_names(list(raw.columns))})")
    known = {"freq", "unit", "na_item", "sector", "nace_r2", "prod_na", "geo", "TIME_PERIOD"}
    dims = [c for c in raw.columns if c not in (*_SDMX_IGNORED_COLS, "OBS_VALUE")]
    several = [c for c in dims if c not in known and raw[c].nunique(dropna=False) > 1]
    if several:
        raise DataError(f"{where}dimension(s) {several} take several values but have no place "
                        f"in the table (mapped dimensions: {sorted(known)}); select one value "
                        "with select= and the dimension is dropped")
    raw = raw.drop(columns=[c for c in dims if c not in known])
    # one value per ignored dimension
    for col in ("geo", "freq"):
        if col in raw.columns and raw[col].nunique(dropna=False) > 1:
            vals = sorted(raw[col].dropna().unique().tolist())[:5]
            raise DataError(f"{where}several {col} values {vals}: a table holds one; pass "
                            f"select={{{col!r}: ...}}")
    # missing observations
    obs = raw["OBS_VALUE"]
    miss = obs.isna() | (obs.astype("str").str.strip() == ":")
    if miss.any():
        if missing == "drop":
            raw = raw.loc[~miss.to_numpy()]
        else:
            lab = raw.index[miss.to_numpy()][0]
            item = raw.at[lab, "na_item"]
            raise MissingDataError(
                f"{where}missing OBS_VALUE at line {lab} (na_item={item!r}, "
                f"TIME_PERIOD={raw.at[lab, 'TIME_PERIOD']!r}; {int(miss.sum())} missing); pass "
                "missing='drop' to drop unavailable observations")
    # transaction and sector
    item = raw["na_item"].astype("str")
    has_sector = "sector" in raw.columns
    sector = raw["sector"].astype("str").replace({"S14_S15": "S14", "S1M": "S14"}) \
        if has_sector else pd.Series("S1", index=raw.index, dtype="str")
    trans = item.copy()
    for code, (sec, tx) in NA_ITEM_SECTORS.items():
        m = (item == code).to_numpy()
        if m.any():
            trans[m] = tx
            sector[m] = sec
    period = raw["TIME_PERIOD"].astype("str")
    keep = ~item.isin(list(_SDMX_DROPPED)).to_numpy()
    # total P3 only when none of its components is present in that period
    comp = item.isin(list(NA_ITEM_SECTORS))
    periods_with_comp = set(period[comp.to_numpy()])
    keep &= ~((item == "P3").to_numpy() & period.isin(periods_with_comp).to_numpy())
    # D29X39 from D2X3 - D21X31 when the file gives the two
    extra = _derive_d29x39(raw, item, sector, period, where)
    unit_codes = raw["unit"].astype("str")
    uniq = unit_codes.unique().tolist()
    conv = {u: _sdmx_unit(u, where) for u in uniq}
    table = pd.DataFrame({
        "period": period,
        "sector": sector,
        "industry": _total(raw["nace_r2"]) if "nace_r2" in raw.columns else TOTAL,
        "product": _total(raw["prod_na"]) if "prod_na" in raw.columns else TOTAL,
        "transaction": trans,
        "value": _parse_values(raw["OBS_VALUE"].astype("str").str.strip()),
        "unit": unit_codes.map(lambda u: conv[u][0]),
        "price_basis": unit_codes.map(lambda u: conv[u][1]),
    }, index=raw.index).loc[keep]
    if extra is not None:
        table = pd.concat([table, extra])
    if "nace_r2" in raw.columns and (table["industry"] == TOTAL).any():
        _check_nace_total(table, where)
    t = validate_table(table, source=path.name, row_word="line")
    out = t.reset_index(drop=True)
    out.attrs["source_units"] = sorted(uniq)
    return out


# ESTAT NA_MAIN data structure (SDMX transmission of ESA 2010 tables, as on the ECB and
# Eurostat SDMX services): dimension -> Eurostat dissemination name.
_DSD_RENAME = {"FREQ": "freq", "REF_AREA": "geo", "REF_SECTOR": "sector", "STO": "na_item",
               "ACTIVITY": "nace_r2", "INSTR_ASSET": "prod_na"}
_DSD_SINGLE = ("ADJUSTMENT", "COUNTERPART_AREA", "COUNTERPART_SECTOR", "CONSOLIDATION",
               "ACCOUNTING_ENTRY", "EXPENDITURE", "TRANSFORMATION", "MATURITY",
               "CURRENCY_DENOM", "VALUATION", "CUST_BREAKDOWN")
_DSD_ATTRIBUTES = ("OBS_CONF", "OBS_PRE_BREAK", "OBS_COM", "TIME_FORMAT", "TITLE", "DECIMALS",
                   "COMMENT_OBS", "PRE_BREAK_VALUE", "EMBARGO_TIME", "REF_YEAR_PRICE",
                   "COMMENT_TS", "TABLE_IDENTIFIER", "DATA_COMP", "COMPILING_ORG", "DISS_ORG",
                   "CURRENCY", "REF_PERIOD_DETAIL", "REPYEARSTART", "REPYEAREND",
                   "UNIT_MULT_LABEL")
_DSD_PRICES = {"V": "CP", "L": "CLV", "LR": "CLV", "Y": "PYP"}
_DSD_MULT = {"3": "TH", "6": "M", "9": "B"}


def _from_na_main_dsd(raw: pd.DataFrame, where: str) -> pd.DataFrame:
    """Translate the NA_MAIN DSD columns (FREQ, REF_AREA, REF_SECTOR, STO, ACTIVITY,
    INSTR_ASSET, UNIT_MEASURE, PRICES, UNIT_MULT) to the Eurostat dissemination names."""
    for col in ("UNIT_MEASURE", "PRICES", "UNIT_MULT"):
        if col not in raw.columns:
            raise DataError(f"{where}NA_MAIN SDMX-CSV needs a {col!r} column to fix the unit "
                            f"and price basis (columns: {clip_names(list(raw.columns))})")
    for col in _DSD_SINGLE:
        if col in raw.columns and raw[col].nunique(dropna=False) > 1:
            vals = sorted(raw[col].dropna().unique().tolist())[:5]
            raise DataError(f"{where}several {col} values {vals}: a table holds one; pass "
                            f"select={{{col!r}: ...}}")
    prices = raw["PRICES"].map(_DSD_PRICES)
    mult = raw["UNIT_MULT"].astype("str").str.strip().map(_DSD_MULT)
    for col, conv in (("PRICES", prices), ("UNIT_MULT", mult)):
        bad = conv.isna().to_numpy()
        if bad.any():
            lab = raw.index[bad][0]
            valid = sorted(_DSD_PRICES if col == "PRICES" else _DSD_MULT)
            raise DataError(f"{where}{col} {raw.at[lab, col]!r} at line {lab} is not supported "
                            f"(valid: {valid})")
    cur = raw["UNIT_MEASURE"].astype("str").replace({"XDC": "NAC"})
    out = raw.drop(columns=[c for c in (*_DSD_SINGLE, *_DSD_ATTRIBUTES, "UNIT_MEASURE",
                                        "PRICES", "UNIT_MULT") if c in raw.columns])
    out = out.rename(columns=_DSD_RENAME)
    out["unit"] = prices + "_" + mult + cur
    for col in ("nace_r2", "prod_na"):
        if col in out.columns:
            out[col] = out[col].replace({"_Z": "TOTAL", "_T": "TOTAL"})
    if "sector" in out.columns:
        out["sector"] = out["sector"].replace({"S1M": "S14", "S14_S15": "S14"})
    return out


def _total(s: pd.Series) -> pd.Series:
    return s.astype("str").replace({"TOTAL": TOTAL})


def _check_nace_total(table: pd.DataFrame, where: str) -> None:
    cell = ["period", "sector", "product", "transaction", "unit", "price_basis"]
    is_t = table["industry"] == TOTAL
    n = table.groupby(cell)["industry"].transform("size")
    bad = is_t & (n > 1)
    if bad.any():
        lab = table.index[bad.to_numpy()][0]
        raise DataError(f"{where}nace_r2 TOTAL at line {lab} is mixed with industry rows for "
                        f"the same (period, na_item); select either TOTAL or a breakdown of "
                        "leaf industries with select={'nace_r2': [...]}")


def _derive_d29x39(raw: pd.DataFrame, item: pd.Series, sector: pd.Series, period: pd.Series,
                   where: str) -> pd.DataFrame | None:
    if not ((item == "D2X3").any() and (item == "D21X31").any()):
        return None
    if (item == "D29X39").any():
        return None
    key = [c for c in ("sector", "nace_r2", "prod_na", "unit") if c in raw.columns]
    frame = pd.DataFrame({"period": period, "item": item,
                          "value": _parse_values(raw["OBS_VALUE"].astype("str").str.strip())})
    for c in key:
        frame[c] = raw[c].astype("str")
    frame = frame.loc[frame["item"].isin(["D2X3", "D21X31"])]
    if frame["value"].dtype == object:
        return None  # validation reports the bad cell
    wide = frame.pivot_table(index=["period", *key], columns="item", values="value",
                             aggfunc="sum")
    wide = wide.dropna()
    if len(wide) == 0:
        return None
    d = (wide["D2X3"] - wide["D21X31"]).rename("value").reset_index()
    units = d["unit"].map(lambda u: _sdmx_unit(u, where))
    return pd.DataFrame({
        "period": d["period"],
        "sector": d["sector"].replace({"S14_S15": "S14", "S1M": "S14"}) if "sector" in d
        else "S1",
        "industry": _total(d["nace_r2"]) if "nace_r2" in d else TOTAL,
        "product": _total(d["prod_na"]) if "prod_na" in d else TOTAL,
        "transaction": "D29X39",
        "value": d["value"],
        "unit": units.str[0],
        "price_basis": units.str[1],
    }).set_index(pd.Index([f"D2X3-D21X31 ({p})" for p in d["period"]]))


def _write_sdmx_csv(table: pd.DataFrame, path: Path, geo: str, dataflow: str | None) -> None:
    unit = table_unit(table)
    basis = table_price_basis(table)
    m = re.match(r"^([A-Z]{3})_(TH|MN|BN)$", unit or "")
    if unit is not None and m is None:
        raise DataError(f"unit {unit!r} cannot be written as an SDMX unit code; use CUR_MN, "
                        "CUR_BN or CUR_TH with a 3-letter currency (EUR_MN, USD_MN, NAC_MN)")
    code = "" if unit is None else f"{_PREFIX_BACK[basis]}_{_MULT_BACK[m.group(2)]}{m.group(1)}"
    period = table["period"]
    if pd.api.types.is_integer_dtype(period):
        freq = pd.Series("A", index=table.index)
    else:
        p = period.astype("str")
        freq = pd.Series(np.where(p.str.contains("Q"), "Q",
                                  np.where(p.str.contains("M"), "M", "A")), index=table.index)
    out = pd.DataFrame({
        "freq": freq,
        "unit": code,
        "na_item": table["transaction"],
        "sector": table["sector"],
        "nace_r2": table["industry"].replace({TOTAL: "TOTAL"}),
        "prod_na": table["product"].replace({TOTAL: "TOTAL"}),
        "geo": geo,
        "TIME_PERIOD": period,
        "OBS_VALUE": table["value"],
    })
    if dataflow:
        out.insert(0, "DATAFLOW", dataflow)
    _write_csv(out, path)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def read_table(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    sheet: str = "data",
    select: Mapping[str, Any] | None = None,
    missing: str = "raise",
) -> pd.DataFrame:
    """Read a long national-accounts table from CSV, Excel or SDMX-CSV.

    Parameters
    ----------
    path : str or path-like
        The file.
    format : {"csv", "excel", "sdmx-csv"}, optional
        Inferred from the suffix when omitted (``.xlsx`` -> Excel); a ``.csv`` file whose header
        has ``TIME_PERIOD`` and ``OBS_VALUE`` is read as SDMX-CSV.
    sheet : str
        Excel sheet holding the data.
    select : mapping, optional
        SDMX-CSV only: keep rows whose dimension takes the given value(s), e.g.
        ``{"geo": "DE", "unit": "CP_MEUR"}`` (a table holds one country and one unit).
    missing : {"raise", "drop"}
        SDMX-CSV only: what to do with unavailable observations (empty or ``:``).

    Returns
    -------
    DataFrame
        The validated long table, in file order with a fresh index. Excel metadata is in
        ``attrs["metadata"]``.

    Raises
    ------
    DataError, MissingDataError
        Naming the file and the line (CSV) or row (Excel) of the offending cell.
    """
    path = Path(path)
    if missing not in ("raise", "drop"):
        raise IntelcapValueError(f"missing={missing!r}; valid: 'raise', 'drop'")
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    fmt = _infer_format(path, format)
    if fmt == "excel":
        if select is not None:
            raise IntelcapValueError("select= applies to SDMX-CSV files only")
        return _read_excel(path, sheet)
    if fmt == "parquet":
        if select is not None:
            raise IntelcapValueError("select= applies to SDMX-CSV files only")
        return _read_parquet(path)
    raw = _read_csv_text(path)
    if fmt == "sdmx-csv" or _is_sdmx(list(raw.columns)):
        if not _is_sdmx(list(raw.columns)):
            raise DataError(f"{path.name}: not SDMX-CSV (no TIME_PERIOD/OBS_VALUE columns: "
                            f"{clip_names(list(raw.columns))})")
        return _read_sdmx_csv(path, raw, select, missing)
    if select is not None:
        raise IntelcapValueError("select= applies to SDMX-CSV files only")
    return _read_plain_csv(path, raw)


def write_table(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    metadata: Mapping[str, Any] | None = None,
    geo: str = "_Z",
    dataflow: str | None = None,
    _sorted: bool = False,
) -> Path:
    """Write a long national-accounts table atomically; the same table gives the same bytes.

    The table is validated and written in key order (:func:`~intelcap.accounts.tables.
    sort_table`).

    Parameters
    ----------
    table : DataFrame
        Long table.
    path : str or path-like
        Destination; its folder must exist. An existing file is replaced atomically.
    format : {"csv", "excel", "sdmx-csv"}, optional
        Inferred from the suffix when omitted (``.csv`` -> plain CSV).
    metadata : mapping, optional
        Excel only: extra rows of the metadata sheet (``source`` and anything else); ``unit``,
        ``price_basis`` and ``written_by`` are filled in.
    geo, dataflow : str
        SDMX-CSV only: the ``geo`` code written on every row (``_Z``, not applicable, by
        default) and an optional ``DATAFLOW`` column (e.g. ``ESTAT:NAMA_10_GDP(1.0)``).

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    fmt = _infer_format(path, format)
    # _sorted: the caller's table is validated and in key order already (the engine's
    # revised tables), so neither is done again
    t = table if _sorted else sort_table(validate_table(table))
    if fmt == "csv":
        _write_csv(t, path)
    elif fmt == "parquet":
        _write_parquet(t, path)
    elif fmt == "excel":
        own = {"unit": table_unit(t) or "", "price_basis": table_price_basis(t) or ""}
        for fixed, value in own.items():
            if metadata and fixed in metadata and str(metadata[fixed]) != value and len(t):
                raise DataError(f"metadata {fixed}={metadata[fixed]!r} contradicts the "
                                f"table's {fixed} {value!r}")
        meta: dict[str, Any] = {**own, "source": ""}
        meta.update({k: v for k, v in (metadata or {}).items() if k not in own})
        meta["written_by"] = f"intelcap {__version__}"
        _write_excel(t, path, meta)
    else:
        _write_sdmx_csv(t, path, geo, dataflow)
    return path

