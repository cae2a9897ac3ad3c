"""Adapter for the US BEA supply-use tables (2017 benchmark schema) to the long table form.

BEA publishes a *Use* table (commodities x industries, with final-use columns and value-added
rows, purchasers' prices, millions of dollars) and a *Supply* table (commodities x industries,
with imports, margins and product taxes). :func:`read_supply_use` turns the pair into a long
national-accounts table (:mod:`intelcap.accounts.tables`):

* each commodity row x industry column: ``P2`` of the industry's sector, ``industry`` = the
  BEA industry, ``product`` = the commodity (``Used`` and ``Other`` included);
* ``V001`` compensation of employees: ``D1`` (industry, product ``_T``);
* ``T00OTOP`` - ``T00OSUB`` other taxes less subsidies on production: ``D29X39``;
* ``V003`` gross operating surplus: ``B2A3G``;
* output: ``P1`` = the industry's ``P2`` + ``VAPRO`` - (``T00TOP`` - ``T00SUB``) (see below);
* ``T00TOP`` - ``T00SUB`` taxes less subsidies on products: ``D21X31`` on ``S1``, keeping the
  industry code;
* ``F010`` personal consumption expenditures: ``P3`` of ``S14`` by commodity (industry ``_T``);
* ``F02E``, ``F02N``, ``F02R``, ``F02S`` private fixed investment: ``P51G`` of ``S11``;
* ``F030`` change in private inventories: ``P52`` of ``S1``; ``F040`` exports: ``P6`` of ``S1``;
* ``F06C``, ``F07C``, ``F10C`` government consumption expenditures: ``P3`` of ``S13``;
* ``F06E/N/S``, ``F07E/N/S``, ``F10E/N/S`` government gross investment: ``P51G`` of ``S13``;
* Supply table ``MCIF`` + ``MADJ`` (imports c.i.f. with the c.i.f./f.o.b. adjustment): ``P7`` of
  ``S1`` by commodity.

Final-use columns of one (sector, transaction) are summed by commodity. Detail-level codes add
``00`` (``F01000``, ``V00100``, ``V00300``); the detail tables have no ``T00OSUB`` row.

Sectors: the general government industries (summary ``GFGD``, ``GFGN``, ``GSLG``; detail
``S00500``, ``S00600``, ``GSLGE``, ``GSLGH``, ``GSLGO``) are non-market producers, ``S13``; every
other industry, government enterprises included (``GFE``, ``GSLE``; ``S00101`` ...
``S00203``), is a market producer, ``S11`` (BEA does not split corporations, households'
unincorporated business and owner-occupied housing by institutional sector). Personal
consumption expenditures cover households and NPISH: both are recorded on ``S14``.

Taxes. BEA's value-added block splits "taxes on production and imports less subsidies" into
other taxes on production (``T00OTOP``, less ``T00OSUB`` in the summary tables; net in the
detail tables), recorded as ``D29X39`` on the industry, and taxes on products and imports
(``T00TOP``) less subsidies on products (``T00SUB``), recorded as ``D21X31`` on ``S1``, keeping
the paying industry's code. Value added at basic prices plus ``D21X31`` is BEA's value added at
producers' prices ``VAPRO``, whose sum over industries is GDP.

Output. ``P1`` is set so that ``P1 - P2 + D21X31 = VAPRO`` for every industry, i.e. value added
at basic prices is ``VAPRO - (T00TOP - T00SUB)``: GDP by production then equals the sum of
BEA's ``VAPRO`` row exactly. BEA's published output ``T018`` (= ``T005`` + ``VABAS``) differs
from this ``P1`` only by BEA's independent rounding of ``T005`` and ``VABAS`` (a few units; the
sum of the 73 commodity cells of an industry is not its rounded total ``T005``). With the
published ``T018`` instead, 2022 GDP by production would be 26,006,917 rather than BEA's
26,006,889, outside the 10-million-dollar agreement of the three approaches.

Imports. The SUT Use table has no imports column; imports by commodity come from the Supply
table, ``MCIF`` + ``MADJ``. A Use table in the older industry-by-commodity layout, with a
negative ``F050`` imports column, is read too: ``P7 = -F050``, and no Supply table is needed.

Published totals (``T001``, ``T019``, ``T005``, ``VABAS``, ``T018``, ``VAPRO``; Supply ``T017``)
are not stored: with ``check_totals=True`` each is compared with the sum of its cells and a gap
larger than BEA's rounding (half a unit per summed cell, plus one) raises, naming the cell.

Reference: U.S. Bureau of Economic Analysis, *Concepts and Methods of the U.S. Input-Output
Accounts* (2009, updated 2020), chapters 2-4; the tables' provenance is
``intelcap.datasets.bea_supply_use.DESCR``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from intelcap.accounts.tables import TOTAL, sort_table, validate_table
from intelcap.exceptions import DataError, IntelcapValueError, MissingDataError

__all__ = [
    "BEA_FINAL_DEMAND",
    "BEA_GENERAL_GOVERNMENT",
    "BEA_NPISH_INDUSTRIES",
    "bea_sector",
    "read_supply_use",
]

#: General government industries (non-market producers, sector S13); summary and detail codes.
BEA_GENERAL_GOVERNMENT: frozenset[str] = frozenset({
    "GFGD", "GFGN", "GSLG", "S00500", "S00600", "GSLGE", "GSLGH", "GSLGO",
})

#: Summary industries in which non-profit institutions serving households (NPISH, S15) produce
#: a material part of output (educational services; health care and social assistance; arts,
#: entertainment and recreation; other services incl. religious, grantmaking, civic and
#: professional organizations). BEA's supply-use tables do not separate NPISH: give their
#: shares of each industry's output with ``read_supply_use(..., npish={code: share})``.
BEA_NPISH_INDUSTRIES: tuple[str, ...] = ("61", "621", "622", "623", "624", "711AS", "81")

#: Final-use columns (summary code, detail code = summary code padded with "00") ->
#: (sector, transaction, sign).
BEA_FINAL_DEMAND: Mapping[str, tuple[str, str, float]] = {
    "F010": ("S14", "P3", 1.0),
    "F02E": ("S11", "P51G", 1.0),
    "F02N": ("S11", "P51G", 1.0),
    "F02R": ("S11", "P51G", 1.0),
    "F02S": ("S11", "P51G", 1.0),
    "F030": ("S1", "P52", 1.0),
    "F040": ("S1", "P6", 1.0),
    "F050": ("S1", "P7", -1.0),
    **{f"F{g}{k}": ("S13", "P3" if k == "C" else "P51G", 1.0)
       for g in ("06", "07", "10") for k in ("C", "E", "N", "S")},
}

_VA_ROWS = {  # value-added rows: summary code -> detail code
    "V001": "V00100", "T00OTOP": "T00OTOP", "T00OSUB": "T00OSUB", "V003": "V00300",
    "VABAS": "VABAS", "T018": "T018", "T00TOP": "T00TOP", "T00SUB": "T00SUB",
    "VAPRO": "VAPRO",
}
_VA_REQUIRED = ("V001", "T00OTOP", "V003", "VABAS", "T018", "T00TOP", "T00SUB", "VAPRO")
_SUPPLY_COLS = {"T007", "MCIF", "MADJ", "T013", "TRADE", "TRANS", "T014", "MDTY", "TOP", "SUB",
                "T015", "T016"}


def bea_sector(industry: str) -> str:
    """Institutional sector of a BEA industry: ``S13`` for general government, else ``S11``."""
    return "S13" if industry in BEA_GENERAL_GOVERNMENT else "S11"


# --------------------------------------------------------------------------------------------
# reading a BEA matrix with named cells
# --------------------------------------------------------------------------------------------
def _read_matrix(path: Path, what: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{what} {path.name}: cannot be read as CSV ({exc})") from exc
    if raw.shape[1] < 2:
        raise DataError(f"{what} {path.name}: expected a row-code column and data columns")
    codes = raw.iloc[:, 0].str.strip()
    cols = [str(c).strip() for c in raw.columns[1:]]
    for kind, labels in (("row", codes.tolist()), ("column", cols)):
        seen: set[str] = set()
        for lab in labels:
            if lab in seen:
                raise DataError(f"{what} {path.name}: duplicate {kind} code {lab!r}")
            if lab == "" or lab.startswith("Unnamed"):
                raise DataError(f"{what} {path.name}: empty {kind} code")
            seen.add(lab)
    text = raw.iloc[:, 1:].to_numpy(dtype=object)
    stripped = np.char.strip(text.astype(str))
    empty = stripped == ""
    if empty.any():
        r, c = np.argwhere(empty)[0]
        raise MissingDataError(f"{what} {path.name}: missing cell at row {codes.iloc[r]!r}, "
                               f"column {cols[c]!r} ({int(empty.sum())} missing cells); BEA "
                               "tables give every cell (0 when empty)")
    try:
        values = stripped.astype(float)
    except ValueError:
        num = pd.to_numeric(pd.Series(stripped.ravel()), errors="coerce").to_numpy()
        bad = np.isnan(num).reshape(stripped.shape)
        r, c = np.argwhere(bad)[0]
        raise DataError(f"{what} {path.name}: non-numeric cell {text[r, c]!r} at row "
                        f"{codes.iloc[r]!r}, column {cols[c]!r}") from None
    if not np.isfinite(values).all():
        r, c = np.argwhere(~np.isfinite(values))[0]
        raise DataError(f"{what} {path.name}: non-finite cell {text[r, c]!r} at row "
                        f"{codes.iloc[r]!r}, column {cols[c]!r}")
    return pd.DataFrame(values, index=pd.Index(codes.tolist(), name="code"),
                        columns=pd.Index(cols, name="column"))


def _rounding_check(published: pd.Series, computed: pd.Series, n_terms: int | np.ndarray,
                    what: str, row_or_col: str) -> None:
    """Published BEA totals are rounded independently: allow half a unit per term plus one."""
    gap = (published - computed).to_numpy(dtype=float)
    allowed = 0.5 * np.asarray(n_terms, dtype=float) + 1.0
    bad = np.abs(gap) > allowed
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{what}: published total at {row_or_col.format(published.index[i])} is "
            f"{published.iloc[i]:.0f} but its cells sum to {computed.iloc[i]:.0f} (gap "
            f"{gap[i]:.0f}, more than BEA rounding {np.broadcast_to(allowed, gap.shape)[i]:.1f})")


# --------------------------------------------------------------------------------------------
# locating files
# --------------------------------------------------------------------------------------------
_FILE_RE = re.compile(r"BEA_(Summary|Detail)_Use_SUT_(\d{4})_17sch\.csv(\.gz)?$",
                      re.IGNORECASE)


def _locate(path: Path, year: int | None, level: str | None, supply: str | os.PathLike | None
            ) -> tuple[Path, Path | None, int]:
    if path.is_dir():
        if year is None:
            years = sorted({m.group(2) for p in path.iterdir()
                            if (m := _FILE_RE.search(p.name))})
            raise IntelcapValueError(f"year= is required when reading the folder {path.name!r} "
                                     f"(Use tables found for years {years})")
        lvl = (level or "summary").capitalize()
        use = path / f"BEA_{lvl}_Use_SUT_{year}_17sch.csv"
        if not use.is_file() and use.with_name(use.name + ".gz").is_file():
            use = use.with_name(use.name + ".gz")  # gzip-compressed copy (as bundled)
        if not use.is_file():
            found = sorted(p.name for p in path.iterdir() if _FILE_RE.search(p.name))
            raise DataError(f"no {lvl.lower()} Use table for {year} in {path.name!r}: expected "
                            f"{use.name}; found {found}")
        sup = Path(supply) if supply is not None else path / use.name.replace("Use_SUT",
                                                                              "Supply")
        return use, sup, int(year)
    if not path.is_file():
        raise DataError(f"no such file or folder: {path}")
    m = _FILE_RE.search(path.name)
    if year is None:
        if m is None:
            raise IntelcapValueError(f"cannot tell the year from {path.name!r}: pass year=")
        year = int(m.group(2))
    elif m is not None and int(m.group(2)) != int(year):
        raise IntelcapValueError(f"year={year} but the file {path.name!r} is for {m.group(2)}")
    if supply is not None:
        sup: Path | None = Path(supply)
    else:
        guess = path.with_name(path.name.replace("Use_SUT", "Supply"))
        sup = guess if guess != path and guess.is_file() else None
    return path, sup, int(year)


# --------------------------------------------------------------------------------------------
# the adapter
# --------------------------------------------------------------------------------------------
def read_supply_use(
    path_or_folder: str | os.PathLike[str],
    *,
    year: int | None = None,
    layout: str = "bea",
    level: str | None = None,
    supply: str | os.PathLike[str] | None = None,
    check_totals: bool = True,
    keep_zeros: bool = False,
    npish: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Read a BEA Use table (and its Supply table) as a long national-accounts table.

    Parameters
    ----------
    path_or_folder : str or path-like
        A Use table file (``BEA_Summary_Use_SUT_2022_17sch.csv``) or the folder holding the
        ``BEA_{Summary,Detail}_{Use_SUT,Supply}_{year}_17sch.csv`` files (or their ``.csv.gz``
        copies; :func:`intelcap.datasets.bea_supply_use.path` is the bundled folder).
    year : int, optional
        Reference year; required for a folder, read from the file name otherwise.
    layout : {"bea"}
        Table layout (only the BEA layout is implemented).
    level : {"summary", "detail"}, optional
        With a folder: which tables (default ``"summary"``).
    supply : str or path-like, optional
        The Supply table; by default the file beside the Use table with ``Supply`` in place of
        ``Use_SUT``. Needed for imports unless the Use table has an ``F050`` column.
    check_totals : bool
        Compare BEA's published totals with the sums of their cells (see the module docstring).
    keep_zeros : bool
        Keep cells that are exactly zero (by default a missing row means zero).
    npish : mapping of industry code to share, optional
        Share of each industry's production by NPISH (sector S15, non-market producers whose
        output is valued at the sum of costs). Its production-account rows (P1, P2, D1,
        D29X39, B2A3G) are split pro rata between S11 and S15. BEA's tables do not separate
        NPISH (see :data:`BEA_NPISH_INDUSTRIES` and BEA's NIPA tables 2.9 for shares); by
        default every non-government industry is recorded as a market producer (S11).

    Returns
    -------
    DataFrame
        Long table in ``USD_MN``, current prices, period ``year``, in key order; its
        ``attrs["source"]`` names the files.

    Raises
    ------
    DataError, MissingDataError
        Unreadable, missing or non-numeric cells (named by row and column code), unknown
        row/column codes, published totals that do not add up.

    Examples
    --------
    >>> from intelcap.datasets import bea_supply_use
    >>> from intelcap.accounts.gdp import check_identity
    >>> t = read_supply_use(bea_supply_use.path(), year=2022)  # the bundled BEA tables
    >>> float(check_identity(t, tol=10).loc[2022, "production"])
    26006889.0
    """
    if layout != "bea":
        raise IntelcapValueError(f"layout={layout!r} is not recognised; valid layouts: 'bea'")
    if level is not None and level not in ("summary", "detail"):
        raise IntelcapValueError(f"level={level!r}; valid: 'summary', 'detail'")
    use_path, sup_path, year = _locate(Path(path_or_folder), year, level, supply)
    use = _read_matrix(use_path, "Use table")
    what = f"Use table {use_path.name}"

    cols = list(use.columns)
    rows = list(use.index)
    for needed, kind in (("T001", "column"), ("T005", "row")):
        if needed not in (cols if kind == "column" else rows):
            raise DataError(f"{what}: no {kind} {needed!r} (total intermediate "
                            f"{'use' if kind == 'column' else 'inputs'}); is this a BEA Use "
                            "table?")
    industries = cols[: cols.index("T001")]
    after = cols[cols.index("T001") + 1:]
    commodities = rows[: rows.index("T005")]
    va_codes = rows[rows.index("T005") + 1:]
    detail = any(c.endswith("00") and len(c) == 6 and c.startswith("F") for c in after)

    # final-use columns
    fd_map: dict[str, tuple[str, str, float]] = {}
    for c in after:
        if c == "T019":
            continue
        key = c[:4] if detail and c.endswith("00") else c
        if key not in BEA_FINAL_DEMAND:
            raise DataError(f"{what}: unknown final-use column {c!r}; known: "
                            f"{sorted(BEA_FINAL_DEMAND)} (detail codes add '00') and T019")
        fd_map[c] = BEA_FINAL_DEMAND[key]
    # value-added rows
    inverse = {(d if detail else s): s for s, d in _VA_ROWS.items()}
    unknown = [r for r in va_codes if r not in inverse]
    if unknown:
        raise DataError(f"{what}: unknown value-added row(s) {unknown}; known: "
                        f"{sorted(inverse)}")
    va = use.loc[va_codes, industries].rename(index=inverse)
    missing = [r for r in _VA_REQUIRED if r not in va.index]
    if missing:
        raise DataError(f"{what}: value-added row(s) {missing} missing")

    cells = use.loc[commodities, industries]
    fd = use.loc[commodities, list(fd_map)]
    p2_by_industry = cells.sum(axis=0)
    otop = va.loc["T00OTOP"] - (va.loc["T00OSUB"] if "T00OSUB" in va.index else 0.0)
    d21x31 = va.loc["T00TOP"] - va.loc["T00SUB"]
    b1g = va.loc["VAPRO"] - d21x31
    p1 = p2_by_industry + b1g

    if check_totals:
        n_com = len(commodities)
        _rounding_check(use.loc["T005", industries], p2_by_industry, n_com, what,
                        "row 'T005', column {!r}")
        _rounding_check(va.loc["VABAS"], va.loc["V001"] + otop + va.loc["V003"], 4, what,
                        "row 'VABAS', column {!r}")
        _rounding_check(va.loc["VAPRO"], va.loc["VABAS"] + d21x31, 3, what,
                        "row 'VAPRO', column {!r}")
        _rounding_check(va.loc["T018"], use.loc["T005", industries] + va.loc["VABAS"], 2, what,
                        "row 'T018', column {!r}")
        _rounding_check(use.loc[commodities, "T001"], cells.sum(axis=1), len(industries), what,
                        "row {!r}, column 'T001'")
        if "T019" in cols:
            _rounding_check(use.loc[commodities, "T019"],
                            use.loc[commodities, "T001"] + fd.sum(axis=1), len(fd_map) + 1,
                            what, "row {!r}, column 'T019'")

    frames: list[pd.DataFrame] = []
    # intermediate use by (industry, commodity)
    vals = cells.to_numpy()
    r_idx, c_idx = np.nonzero(vals) if not keep_zeros else np.indices(vals.shape).reshape(2, -1)
    ind_arr = np.asarray(industries, dtype=object)
    com_arr = np.asarray(commodities, dtype=object)
    sectors = np.array([bea_sector(i) for i in industries], dtype=object)
    frames.append(pd.DataFrame({
        "sector": sectors[c_idx], "industry": ind_arr[c_idx], "product": com_arr[r_idx],
        "transaction": "P2", "value": vals[r_idx, c_idx]}))
    # value added and output by industry
    for tx, series, sec in (("P1", p1, None), ("D1", va.loc["V001"], None),
                            ("D29X39", otop, None), ("B2A3G", va.loc["V003"], None),
                            ("D21X31", d21x31, "S1")):
        v = series.to_numpy(dtype=float)
        keep = np.ones(len(v), dtype=bool) if keep_zeros or tx == "P1" else v != 0
        frames.append(pd.DataFrame({
            "sector": (sectors if sec is None else np.full(len(v), sec, dtype=object))[keep],
            "industry": ind_arr[keep], "product": TOTAL, "transaction": tx, "value": v[keep]}))
    # final uses by commodity, summed over the BEA columns of one (sector, transaction)
    if fd_map:
        signs = np.array([fd_map[c][2] for c in fd_map])
        long = (fd * signs).melt(ignore_index=False, var_name="column", value_name="value")
        long["sector"] = long["column"].map(lambda c: fd_map[c][0])
        long["transaction"] = long["column"].map(lambda c: fd_map[c][1])
        agg = long.reset_index().groupby(["sector", "transaction", "code"], sort=False)[
            "value"].sum().reset_index().rename(columns={"code": "product"})
        if not keep_zeros:
            agg = agg.loc[agg["value"] != 0]
        frames.append(agg.assign(industry=TOTAL))

    has_imports = any(v[1] == "P7" for v in fd_map.values())
    source = [use_path.name]
    if not has_imports:
        if sup_path is None or not sup_path.is_file():
            raise DataError(f"{what}: imports are recorded in the Supply table (the SUT Use "
                            "table has no imports column), and no Supply table was found"
                            + (f" at {sup_path.name}" if sup_path is not None else "")
                            + "; pass supply=")
        frames.append(_imports_from_supply(sup_path, commodities, check_totals, keep_zeros))
        source.append(sup_path.name)

    table = pd.concat(frames, ignore_index=True)
    if npish:
        table = _split_npish(table, npish, industries, what)
    table.insert(0, "period", int(year))
    table["unit"] = "USD_MN"
    table["price_basis"] = "current"
    out = sort_table(validate_table(table, source=what))
    out.attrs["source"] = ("U.S. Bureau of Economic Analysis, supply-use tables (2017 schema), "
                           f"{'detail' if detail else 'summary'} {year}: " + ", ".join(source))
    return out


def _split_npish(table: pd.DataFrame, npish: Mapping[str, float], industries: list[str],
                 what: str) -> pd.DataFrame:
    if not isinstance(npish, Mapping):
        raise IntelcapValueError(f"npish must be a mapping industry -> share, got "
                                 f"{type(npish).__name__}")
    for code, share in npish.items():
        if code not in industries:
            raise DataError(f"{what}: npish names industry {code!r}, not an industry of the "
                            "table")
        if code in BEA_GENERAL_GOVERNMENT:
            raise DataError(f"{what}: npish names {code!r}, a general government industry")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not (
                0.0 <= float(share) <= 1.0):
            raise IntelcapValueError(f"npish[{code!r}] = {share!r} must be a share in [0, 1]")
    shares = table["industry"].map(dict(npish)).astype(float)
    m = (shares.notna() & (table["sector"] == "S11")
         & table["transaction"].isin(["P1", "P2", "D1", "D29X39", "B2A3G"])).to_numpy()
    s15 = table.loc[m].copy()
    s15["sector"] = "S15"
    s15["value"] = s15["value"].to_numpy() * shares.to_numpy()[m]
    out = table.copy()
    out.loc[m, "value"] = table.loc[m, "value"].to_numpy() * (1.0 - shares.to_numpy()[m])
    split = np.concatenate([m, np.ones(len(s15), dtype=bool)])
    out = pd.concat([out, s15], ignore_index=True)
    return out.loc[~split | (out["value"] != 0).to_numpy()].reset_index(drop=True)


def _imports_from_supply(path: Path, commodities: list[str], check_totals: bool,
                         keep_zeros: bool) -> pd.DataFrame:
    sup = _read_matrix(path, "Supply table")
    what = f"Supply table {path.name}"
    sup.columns = [c.upper() if c.upper() in _SUPPLY_COLS else c for c in sup.columns]
    for col in ("MCIF", "MADJ"):
        if col not in sup.columns:
            raise DataError(f"{what}: no column {col!r} (imports)")
    rows = [r for r in sup.index if r != "T017"]
    if set(rows) != set(commodities):
        extra = sorted(set(rows) - set(commodities))[:5]
        lack = sorted(set(commodities) - set(rows))[:5]
        raise DataError(f"{what}: commodity rows differ from the Use table's (only in Supply: "
                        f"{extra}; only in Use: {lack})")
    imports = sup.loc[commodities, "MCIF"] + sup.loc[commodities, "MADJ"]
    if check_totals and "T017" in sup.index:
        for col in ("MCIF", "MADJ"):
            _rounding_check(sup.loc[["T017"], col], pd.Series(
                [sup.loc[commodities, col].sum()], index=["T017"]), len(commodities), what,
                "row {!r}, column " + repr(col))
    v = imports.to_numpy(dtype=float)
    keep = np.ones(len(v), dtype=bool) if keep_zeros else v != 0
    return pd.DataFrame({"sector": "S1", "industry": TOTAL,
                         "product": np.asarray(commodities, dtype=object)[keep],
                         "transaction": "P7", "value": v[keep]})
