"""The ``intelcap`` command: bureau jobs from the command line.

``intelcap adjust [CONFIG.toml] [--out DIR] [--overwrite]`` capitalizes model-API spending in a
national-accounts table as configured (see ``intelcap adjust --help`` for every key) and writes
the revised tables, the capital tables, the ledger, the GDP revisions and a manifest to a new
folder, atomically. With no CONFIG it runs the bundled example economy.

``intelcap release [INPUT] [--out DIR] [--overwrite]`` builds the monthly token-usage release
(:mod:`intelcap.tokens.release`) under the same rules; with no INPUT it runs the bundled
illustrative panel.

Heavy libraries are imported only inside the command that needs them (the whole ``adjust`` run
of the example takes well under two seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from intelcap._publish import output_folder, sha256_file, write_manifest
from intelcap._version import __version__
from intelcap.exceptions import IntelcapError, IntelcapTypeError, SpecificationError

__all__ = ["CONFIG_KEYS", "main"]

#: Keys of the [input] and [output] tables of an ``adjust`` configuration (the [policy] keys
#: are :data:`intelcap.accounts.policy.POLICY_KEYS`).
CONFIG_KEYS: dict[str, dict[str, str]] = {
    "input": {
        "tables": "path of the national-accounts table (long CSV, Parquet, Excel or "
                  "SDMX-CSV), relative to the config file; required",
        "format": "format of the tables file: 'csv', 'parquet', 'excel' or 'sdmx-csv' "
                  "(default: from the suffix)",
        "spending": "optional CSV of API spending (columns period, sector, industry, value; "
                    "optional product, use, unit); default: the tables' P2 of policy.products",
        "spending_total": "optional CSV of the national total of API spending (columns "
                          "period, value), allocated to producer industries by "
                          "input.allocation (instead of input.spending)",
        "allocation": "indicator of the allocation of input.spending_total: 'use:CODE' "
                      "(intermediate use of commodity CODE in the tables, e.g. 'use:514', "
                      "'use:5415'), 'employment:FILE' (ICT employment CSV: sector, industry, "
                      "value[, period]) or 'table:FILE' (any such indicator); the shares are "
                      "written in the ledger's config_key",
        # --- scale (issue #18): invoice microdata and a Dask cluster ---------------------
        "invoices": "optional invoice microdata instead of input.spending: a CSV or Parquet "
                    "path, glob pattern or list of them (columns period, sector, industry, "
                    "product, amount; one row per invoice), summed to the spending table "
                    "(intelcap.scale.aggregate_invoices) in chunks of bounded memory",
        "scheduler": "address of a running Dask scheduler (tcp://host:8786) whose workers "
                     "sum input.invoices (they must see the same paths); --scheduler "
                     "overrides it",
        "scheduler_timeout": "seconds to wait for the scheduler (default 10)",
        # --- end scale ----------------------------------------------------------------------
        "tolerance": "largest admissible gap between GDP by production, expenditure and "
                     "income, in the table's unit (default: relative, rtol x GDP)",
        "rtol": "relative tolerance used when tolerance is not given (default 1e-6)",
    },
    "output": {
        "format": "format of the revised tables file: 'csv' (default), 'parquet', 'excel' or "
                  "'sdmx-csv'",
        "precision": "decimals every published number is rounded to (integer 0-12; default "
                     "6), declared in README.md and manifest.json",
        "ref_area": "REF_AREA code of sdmx_na_main.csv (default '_Z', not specified)",
    },
}

_OUTPUT_FILES = ("tables", "capital.csv", "ledger.csv", "revisions.csv")
_FORMAT_SUFFIX = {"csv": ".csv", "excel": ".xlsx", "sdmx-csv": ".csv", "parquet": ".parquet"}


class ConfigError(SpecificationError):
    """The configuration file is invalid."""


# ------------------------------------------------------------------------------------------
# help text
# ------------------------------------------------------------------------------------------
def _config_help() -> str:
    from intelcap.accounts.policy import POLICY_KEYS

    lines = ["configuration file (TOML); unknown keys are rejected:", ""]
    for table, keys in (("input", CONFIG_KEYS["input"]), ("policy", POLICY_KEYS),
                        ("output", CONFIG_KEYS["output"])):
        lines.append(f"[{table}]")
        for k, doc in keys.items():
            lines.append(f"  {k:16s} {doc}")
        lines.append("")
    lines += [
        "[[policy.shares]] entries take: share (in [0, 1]) and any of sector, industry,",
        "  product, period; the most specific matching entry wins (ties: the later one).",
        "",
        "outputs (in a new folder; --overwrite replaces an existing one atomically):",
        "  tables.csv      revised national-accounts table (long form)",
        "  capital.csv     capital tables of the new asset: gfcf, gross/net/productive stock,",
        "                  cfc by period, sector, industry; current and constant prices",
        "  ledger.csv      one row per changed cell: before, after, delta, rule, config_key",
        "  revisions.csv   GDP, GFCF, CFC and NDP before/after/delta by period",
        "  manifest.json   package version, configuration, SHA-256 of inputs and outputs",
        "",
        "example: intelcap adjust            (runs the bundled example economy)",
    ]
    return "\n".join(lines)


def _output_arguments(sub: argparse.ArgumentParser, command: str) -> None:
    """The options every output-writing command shares: --out, --overwrite, --quiet, --debug."""
    sub.add_argument("--out", metavar="DIR",
                     help="output folder to create (default: a new folder "
                          f"'intelcap-{command}-NNN' in the current directory)")
    sub.add_argument("--overwrite", action="store_true",
                     help="replace the output folder if it exists (atomically)")
    sub.add_argument("--quiet", action="store_true", help="print nothing on success")
    sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                     help="show the full traceback of any error")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intelcap",
        description="intelcap: macroeconomics of the token economy. Bureau jobs from the "
                    "command line.",
        epilog="commands:\n  adjust   capitalize API spending in national-accounts tables "
               "(see 'intelcap adjust --help')\n  release  monthly statistical release of token "
               "usage (see 'intelcap release --help')",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"intelcap {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of any error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    adj = sub.add_parser(
        "adjust",
        help="capitalize model-API spending as GFCF and revise GDP (satellite or own-account)",
        description="Capitalize model-API (token) spending as gross fixed capital formation, "
                    "build the capital stock by perpetual inventory and revise GDP by "
                    "production, expenditure and income. Without CONFIG, runs the bundled "
                    "example economy.",
        epilog=_config_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    adj.add_argument("config", nargs="?", metavar="CONFIG.toml",
                     help="configuration file (default: the bundled example's config.toml)")
    _output_arguments(adj, "adjust")
    # --- scale (issue #18) -------------------------------------------------------------------
    adj.add_argument("--scheduler", metavar="ADDRESS",
                     help="sum the invoice microdata (input.invoices) on a running Dask cluster "
                          "at this scheduler address, e.g. tcp://host:8786 (needs the 'dask' "
                          "extra; overrides input.scheduler; waits input.scheduler_timeout "
                          "seconds, default 10, for the scheduler)")
    # --- end scale ---------------------------------------------------------------------------
    adj.set_defaults(func=_cmd_adjust)
    rel = sub.add_parser(
        "release",
        help="monthly statistical release of token usage (tables, charts, HTML page)",
        description="Build the monthly token-usage release from a usage panel (CSV with the "
                    "columns of intelcap.tokens.usage.USAGE_COLUMNS, an OpenRouter weekly JSON "
                    "or a folder of them). Without INPUT, runs the bundled illustrative panel "
                    "(data/tokens/panel.csv).",
        epilog="outputs (in a new folder): release.csv, shares.csv, spending.csv, "
               "diagnostics.csv, notes.txt,\n  volume/growth/prices/concentration .png and "
               ".svg, release.html, manifest.json\n\nexample: intelcap release",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rel.add_argument("input", nargs="?", metavar="INPUT",
                     help="usage panel (default: the bundled data/tokens/panel.csv)")
    _output_arguments(rel, "release")
    rel.set_defaults(func=_cmd_release)
    return parser


# ------------------------------------------------------------------------------------------
# configuration
# ------------------------------------------------------------------------------------------
def _load_config(path: Path) -> dict[str, Any]:
    import tomllib

    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        with path.open("rb") as fh:
            data = fh.read()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the configuration file "
                          f"({err.strerror or type(err).__name__})") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ConfigError(f"{path}: the configuration file is UTF-16 encoded; save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: the configuration file is not UTF-8 text (undecodable byte "
                          f"at offset {err.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None


def _validate_config(config: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """Check every key and value before any work; resolve paths; build the policy."""
    from intelcap.accounts.policy import CapitalizationPolicy

    for k in config:
        if k not in ("input", "policy", "output"):
            raise ConfigError(f"unknown configuration key {k!r}; valid top-level tables: "
                              "[input], [policy], [output]")
    for table in ("input", "output"):
        sect = config.get(table, {})
        if not isinstance(sect, Mapping):
            raise ConfigError(f"[{table}] must be a table")
        for k in sect:
            if k not in CONFIG_KEYS[table]:
                raise ConfigError(f"unknown configuration key {table}.{k}; valid keys in "
                                  f"[{table}]: {', '.join(CONFIG_KEYS[table])}")
    inp = dict(config.get("input", {}))
    if "tables" not in inp:
        raise ConfigError("input.tables is required (path of the national-accounts table)")
    out: dict[str, Any] = {}
    if "spending_total" in inp:
        if "spending" in inp:
            raise ConfigError("give input.spending or input.spending_total, not both")
        alloc = inp.get("allocation")
        if not isinstance(alloc, str) or ":" not in alloc:
            raise ConfigError("input.allocation is required with input.spending_total: "
                              "'use:CODE', 'employment:FILE' or 'table:FILE'")
        kind, _, arg = alloc.partition(":")
        if kind not in ("use", "employment", "table") or not arg:
            raise ConfigError(f"input.allocation = {alloc!r} is not recognised; valid: "
                              "'use:CODE', 'employment:FILE', 'table:FILE'")
        out["allocation"] = (kind, arg)
        if kind != "use":
            inp = {**inp, "allocation_file": arg}
    elif "allocation" in inp:
        raise ConfigError("input.allocation needs input.spending_total")
    # --- scale (issue #18) -------------------------------------------------------------------
    if "invoices" in inp:
        from intelcap.scale.invoices import invoice_paths

        if "spending" in inp or "spending_total" in inp:
            raise ConfigError("give one of input.invoices, input.spending and "
                              "input.spending_total")
        out["invoices"] = invoice_paths(inp["invoices"], base)
    for key in ("scheduler", "scheduler_timeout"):
        if key in inp and "invoices" not in inp:
            raise ConfigError(f"input.{key} needs input.invoices (the scheduler sums invoice "
                              "microdata)")
    if "scheduler" in inp and (not isinstance(inp["scheduler"], str) or not inp["scheduler"]):
        raise ConfigError(f"input.scheduler must be an address string such as "
                          f"'tcp://host:8786', got {inp['scheduler']!r}")
    out["scheduler"] = inp.get("scheduler")
    wait = inp.get("scheduler_timeout", 10.0)
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 < wait <= 3600:
        raise ConfigError(f"input.scheduler_timeout = {wait!r} must be a number of seconds in "
                          "(0, 3600]")
    out["scheduler_timeout"] = float(wait)
    # --- end scale ---------------------------------------------------------------------------
    for key in ("tables", "spending", "spending_total", "allocation_file"):
        if key in inp:
            if not isinstance(inp[key], str) or not inp[key]:
                raise ConfigError(f"input.{key} must be a path string, got {inp[key]!r}")
            p = Path(inp[key])
            p = p if p.is_absolute() else base / p
            if not p.is_file():
                name = "allocation" if key == "allocation_file" else key
                raise ConfigError(f"input.{name}: file not found: {p}")
            out[key] = p.resolve()
    fmts = ("csv", "excel", "sdmx-csv", "parquet")
    for table in ("input", "output"):
        fmt = config.get(table, {}).get("format")
        if fmt is not None and fmt not in fmts:
            raise ConfigError(f"{table}.format={fmt!r} is not recognised; valid: {list(fmts)}")
    out["input_format"] = inp.get("format")
    out["output_format"] = config.get("output", {}).get("format", "csv")
    prec = config.get("output", {}).get("precision", 6)
    if isinstance(prec, bool) or not isinstance(prec, int) or not 0 <= prec <= 12:
        raise ConfigError(f"output.precision = {prec!r} must be an integer in [0, 12]")
    out["precision"] = prec
    area = config.get("output", {}).get("ref_area", "_Z")
    if not isinstance(area, str) or not area.strip() or "," in area:
        raise ConfigError(f"output.ref_area = {area!r} must be an SDMX code")
    out["ref_area"] = area
    import math

    for key, high in (("tolerance", 1e300), ("rtol", 0.1)):
        v = inp.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"input.{key} must be a number, got {v!r}")
        if not math.isfinite(v) or not 0 <= v <= high:
            raise ConfigError(f"input.{key} = {v!r} is outside [0, {high:g}] (finite)")
    out["tol"] = None if inp.get("tolerance") is None else float(inp["tolerance"])
    out["rtol"] = 1e-6 if inp.get("rtol") is None else float(inp["rtol"])
    pol = config.get("policy", {})
    try:
        out["policy"] = CapitalizationPolicy.from_config(pol, key_prefix="policy", base_dir=base)
    except IntelcapTypeError as err:
        raise ConfigError(str(err)) from None
    for key in ("deflator", "vintages"):
        val = pol.get(key) if isinstance(pol, Mapping) else None
        if isinstance(val, str):
            p = Path(val)
            out[f"{key}_file"] = (p if p.is_absolute() else base / p).resolve()
    return out


def _refuse_previous_output(tables: Path, policy: Any) -> None:
    """Refuse a table that an earlier ``intelcap adjust`` wrote (its manifest says so)."""
    manifest = tables.parent / "manifest.json"
    if policy.allow_recapitalization or not manifest.is_file():
        return
    try:
        with manifest.open(encoding="utf-8") as fh:
            info = json.load(fh)
    except (OSError, ValueError):
        return
    if not isinstance(info, dict) or info.get("command") != "intelcap adjust":
        return
    files = {o.get("file") for o in info.get("outputs", []) if isinstance(o, dict)}
    if tables.name in files:
        raise ConfigError(f"input.tables {tables.name} is the output of an earlier intelcap "
                          f"adjust run (see {manifest.name} beside it): capitalizing it again "
                          "would count the API spending twice; give the original tables, or "
                          "set policy.allow_recapitalization = true")


# ------------------------------------------------------------------------------------------
# output files (the folder itself is claimed and published by intelcap._publish)
# ------------------------------------------------------------------------------------------
def _write_csv(frame: Any, path: Path, decimals: int = 6) -> None:
    from intelcap.accounts._csv import write_csv

    write_csv(frame, path, decimals=decimals)


# ------------------------------------------------------------------------------------------
# the adjust command
# ------------------------------------------------------------------------------------------
def _read_spending(path: Path) -> Any:
    from intelcap.accounts.io import read_csv_file

    return read_csv_file(path, f"spending file {path.name}",
                         dtype={"sector": str, "industry": str, "product": str, "use": str,
                                "unit": str})


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"intelcap": __version__, "python": sys.version.split()[0]}
    for dist in ("numpy", "pandas", "scipy"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:  # pragma: no cover
            out[dist] = "not installed"
    return out


def _write_outputs(adj: Any, tmp: Path, out: Path, tables_name: str, cfg: Mapping[str, Any],
                   raw: Mapping[str, Any], cfg_path: Path, inputs: Sequence[Path]) -> None:
    """Write every output file of ``adjust`` into ``tmp`` (published later as ``out``)."""
    import os

    from intelcap._memory import release_free_memory
    from intelcap.accounts.io import write_table
    from intelcap.accounts.outputs import (
        readme_text,
        round_values,
        satellite_table,
        sdmx_na_main,
    )

    prec = cfg["precision"]
    files = [tables_name, "capital.csv", "ledger.csv", "revisions.csv", "satellite.csv",
             "sdmx_na_main.csv"]
    versions = _versions()
    unit = adj.tables["unit"].iloc[0]
    # the small files first: the revisions are the last output read from the input tables,
    # which are let go before the long files are formatted (the peak memory of the command)
    _write_csv(round_values(adj.revisions.reset_index(), prec), tmp / "revisions.csv")
    _write_csv(round_values(satellite_table(adj).reset_index(), prec), tmp / "satellite.csv")
    _write_csv(round_values(sdmx_na_main(adj, ref_area=cfg["ref_area"]), prec),
               tmp / "sdmx_na_main.csv")
    (tmp / "README.md").write_text(readme_text(adj, files, precision=prec, versions=versions),
                                   encoding="utf-8", newline="\n")
    adj.original = None   # this run's own result: nothing reads the input tables again
    release_free_memory()

    # the three long files in two threads: their formatting (numpy, Arrow's filter) and their
    # file writes release the GIL for most of the time, so a second core shortens the wall time.
    # A third thread flushes each file to disk and computes its SHA-256 for the manifest as
    # soon as it is written, overlapping the formatting of the next file (publishing syncs
    # the folder again: cheap once the pages are on disk).
    from concurrent.futures import ThreadPoolExecutor

    digests: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=1) as syncer:
        def big_tables() -> None:
            # the revised tables are validated and in key order (capitalize checks them);
            # write_table syncs its file itself
            write_table(round_values(adj.tables, prec), tmp / tables_name,
                        format=cfg["output_format"], _sorted=True)
            digests[tables_name] = syncer.submit(sha256_file, tmp / tables_name)

        def big_rest() -> None:
            for name in ("capital.csv", "ledger.csv"):
                _write_csv(round_values(getattr(adj, name[:-4]), prec), tmp / name, prec)
                release_free_memory()
                digests[name] = syncer.submit(_synced_sha256, tmp / name)

        _in_threads([big_tables, big_rest])
    release_free_memory()
    files.append("README.md")
    tol = (f"{cfg['tol']!r} {unit}" if cfg["tol"] is not None
           else f"rtol {cfg['rtol']!r} x GDP")

    def rel(p: Path) -> str:
        return Path(os.path.relpath(p, out)).as_posix()

    write_manifest(tmp, {
        "intelcap_version": __version__,
        "versions": versions,
        "command": "intelcap adjust",
        "config_file": {"path": rel(cfg_path), "sha256": sha256_file(cfg_path)},
        "config": raw,
        "policy": cfg["policy"].to_config(),
        "inputs": [{"path": rel(p), "sha256": sha256_file(p)} for p in inputs[1:]],
        "paths": "relative to this output folder",
        "precision": prec,
        "identity_check": "GDP by production = expenditure = income in every period, "
                          f"tolerance {tol}; every product's supply-use balance unchanged",
        # what write_manifest(outputs=files) writes, with the long files' hashes as computed
        # when they were written
        "outputs": [{"file": f, "sha256": digests[f].result() if f in digests
                     else sha256_file(tmp / f)} for f in files],
    })


def _synced_sha256(path: Path) -> str:
    """Flush a written file to disk; its SHA-256 (read back from the page cache)."""
    import os

    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return sha256_file(path)


def _in_threads(jobs: Sequence[Any]) -> None:
    """Run ``jobs`` (callables without arguments) in threads of their own; the first error
    raised is raised here once all have ended."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
    for f in futures:
        f.result()


def _allocated(cfg: Mapping[str, Any], tables: Any) -> Any:
    from intelcap.accounts.allocate import allocate
    from intelcap.accounts.io import read_csv_file

    total = read_csv_file(cfg["spending_total"],
                          f"input.spending_total file {Path(cfg['spending_total']).name}")
    kind, arg = cfg["allocation"]
    weights = (None if kind == "use" else read_csv_file(
        cfg["allocation_file"], f"allocation file {Path(cfg['allocation_file']).name}",
        dtype={"sector": str, "industry": str}))
    pol = cfg["policy"]
    return allocate(total, tables, indicator=kind, product=arg if kind == "use" else "514",
                    weights=weights, spending_product=pol.products[0],
                    sectors=tuple(pol.sectors))


def _revision_text(rev: Any, unit: str, route: str) -> str:
    cols = [("GDP_before", "GDP before"), ("GDP_after", "GDP after"), ("GDP_delta", "delta"),
            ("GDP_delta_pct", "delta %"), ("GFCF_delta", "GFCF delta"),
            ("CFC_delta", "CFC delta"), ("NDP_delta", "NDP delta")]
    head = f"{'period':>8s}" + "".join(f"{name:>14s}" for _, name in cols)
    what = ("satellite account: API spending capitalized" if route == "satellite" else
            "own-account route: API spending in own-account GFCF")
    lines = [f"GDP revision ({unit}; {what})", head]
    if rev[["CFC_before", "NDP_before"]].isna().to_numpy().any():
        lines.insert(1, "CFC and NDP levels: not available (the input tables record no "
                        "consumption of fixed capital); their changes are shown")
    for period, row in rev.iterrows():
        cells = []
        for c, _ in cols:
            v = row[c]
            if v != v:  # NaN: the input has no CFC, so this level is not available
                cells.append(f"{'n/a':>14s}")
            else:
                cells.append(f"{v:14.4f}" if c == "GDP_delta_pct" else f"{v:14.3f}")
        lines.append(f"{period!s:>8s}" + "".join(cells))
    return "\n".join(lines)


def _cmd_adjust(args: argparse.Namespace) -> int:
    from intelcap.datasets import bundled_data_dir

    if args.config is None:
        cfg_path = bundled_data_dir() / "example" / "config.toml"
    else:
        cfg_path = Path(args.config)
    cfg_path = cfg_path.resolve()
    raw = _load_config(cfg_path)
    cfg = _validate_config(raw, cfg_path.parent)
    inputs = [cfg_path, cfg["tables"], *([cfg["spending"]] if "spending" in cfg else []),
              *([cfg[k] for k in ("spending_total", "allocation_file") if k in cfg]),
              *([cfg["deflator_file"]] if "deflator_file" in cfg else []),
              *([cfg["vintages_file"]] if "vintages_file" in cfg else []),
              *cfg.get("invoices", [])]
    _refuse_previous_output(cfg["tables"], cfg["policy"])
    # --- scale (issue #18) -------------------------------------------------------------------
    scheduler = args.scheduler if args.scheduler is not None else cfg["scheduler"]
    option = "--scheduler" if args.scheduler is not None else "input.scheduler"
    if scheduler is not None and "invoices" not in cfg:
        raise ConfigError(f"{option} needs input.invoices in the configuration (the Dask "
                          "cluster sums invoice microdata)")
    # --- end scale ---------------------------------------------------------------------------

    from intelcap._memory import release_free_memory
    from intelcap.accounts.capitalize import CompiledTables, capitalize
    from intelcap.accounts.io import read_table

    # claim the output name first (a concurrent run on the same --out fails at once); the
    # work happens before anything is published, in a hidden temporary folder
    with output_folder(args.out, inputs=inputs, overwrite=args.overwrite,
                       numbered="intelcap-adjust-{n:03d}") as folder:
        tables = read_table(cfg["tables"], format=cfg["input_format"])
        spending = _read_spending(cfg["spending"]) if "spending" in cfg else None
        if "spending_total" in cfg:
            spending = _allocated(cfg, tables)
        # --- scale (issue #18) ---------------------------------------------------------------
        if "invoices" in cfg:
            from intelcap.scale.invoices import spending_from_invoices

            spending = spending_from_invoices(cfg["invoices"], scheduler=scheduler,
                                              timeout=cfg["scheduler_timeout"], option=option)
        # --- end scale -----------------------------------------------------------------------
        # read_table returned the validated table: it is not validated a second time
        compiled = CompiledTables(tables, _validated=True)
        del tables
        adj = capitalize(compiled, spending, cfg["policy"], tol=cfg["tol"], rtol=cfg["rtol"])
        del compiled
        release_free_memory()
        tmp = folder.tmp
        fmt = cfg["output_format"]
        tables_name = "tables" + _FORMAT_SUFFIX[fmt]
        _write_outputs(adj, tmp, folder.out, tables_name, cfg, raw, cfg_path, inputs)
    out = folder.out
    if not args.quiet:
        unit = str(adj.tables["unit"].iloc[0])
        print(_revision_text(adj.revisions, unit, adj.policy.route))
        print(f"wrote {out}")
    return 0


# ------------------------------------------------------------------------------------------
# the release command
# ------------------------------------------------------------------------------------------
def _cmd_release(args: argparse.Namespace) -> int:
    from intelcap.datasets import bundled_data_dir
    from intelcap.tokens.release import build_release, read_release_input, write_release

    bundled = args.input is None
    src = (bundled_data_dir() / "tokens" / "panel.csv") if bundled else Path(args.input)
    src = src.resolve()
    inputs = sorted(src.glob("*.json")) if src.is_dir() else [src]

    # claim the output name first; the work happens in a hidden temporary folder and nothing
    # is published on failure (intelcap._publish, as for intelcap adjust)
    with output_folder(args.out, inputs=[src], overwrite=args.overwrite,
                       numbered="intelcap-release-{n:03d}") as folder:
        rel = build_release(read_release_input(src), illustrative=bundled,
                            validated=True)
        files = write_release(rel, folder.tmp)

        def rel_path(p: Path) -> str:
            import os

            return Path(os.path.relpath(p, folder.out)).as_posix()

        write_manifest(folder.tmp, {
            "intelcap_version": __version__,
            "versions": _versions(),
            "command": "intelcap release",
            "config": {"input": "bundled example (data/tokens/panel.csv)" if bundled
                       else rel_path(src), "illustrative": bundled},
            "inputs": [{"path": rel_path(p), "sha256": sha256_file(p)} for p in inputs],
            "paths": "relative to this output folder",
            "seasonally_adjusted": rel.seasonally_adjusted,
            "notes": rel.notes,
        }, outputs=files)
    if not args.quiet:
        last = rel.table.dropna(subset=["tokens_per_day"]).iloc[-1]
        growth = ", ".join(f"{k} {last[c]:+.1f}%" for k, c in (("m/m", "mom_pct"),
                                                              ("y/y", "yoy_pct"))
                           if last[c] == last[c])  # NaN: not available
        print(f"{rel.title}: {last['month']}, {last['tokens_per_day']:.4g} tokens a day"
              + (f" ({growth})" if growth else ""))
        print(f"wrote {folder.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``intelcap`` command; returns the exit status.

    Exit status: 0 success; 2 bad input (configuration, data, output location: one line on
    stderr naming the file, row or key, no traceback); 130 interrupted (SIGINT or SIGTERM;
    nothing is published); 1 an internal error (a bug: rerun with ``--debug`` for the
    traceback). ``--debug`` shows the traceback of any error.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    if getattr(args, "debug", False):
        return int(args.func(args))
    # anything outside the classes caught below still gives one line, never a traceback
    # (the hook runs only when the exception leaves the process: exit status 1)
    sys.excepthook = _internal_error_hook
    try:
        return int(args.func(args))
    except IntelcapError as err:
        print(f"intelcap: error: {_one_line(str(err))}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"intelcap: error: {_os_error_text(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("intelcap: interrupted; nothing was written", file=sys.stderr)
        return 130
    except _BUG_CLASSES as err:  # a bug: say so in one line, without echoing data
        print(_internal_error_text(err), file=sys.stderr)
        return 1


#: What a bug (not bad input: that is an IntelcapError or OSError) raises inside a command;
#: reported in one line with exit status 1. Anything else reaches :func:`_internal_error_hook`.
_BUG_CLASSES: tuple[type[BaseException], ...] = (
    ArithmeticError, AssertionError, AttributeError, BufferError, EOFError, ImportError,
    LookupError, MemoryError, NameError, ReferenceError, RuntimeError, SystemError,
    TypeError, ValueError,
)


def _internal_error_text(err: BaseException) -> str:
    return (f"intelcap: internal error ({type(err).__name__}); rerun with --debug for the "
            "traceback and please report it")


def _internal_error_hook(kind: type[BaseException], err: BaseException, tb: Any) -> None:
    """``sys.excepthook`` of the ``intelcap`` command: one line naming the exception class
    only (its message may quote input data), for exceptions :func:`main` does not catch."""
    if issubclass(kind, KeyboardInterrupt):
        print("intelcap: interrupted; nothing was written", file=sys.stderr)
        return
    print(_internal_error_text(err), file=sys.stderr)


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text else text


def _os_error_text(err: OSError) -> str:
    what = err.strerror or type(err).__name__
    if err.filename is not None:
        return f"{what}: {err.filename}"
    return what


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
