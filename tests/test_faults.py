"""Issue 19: faults and hostile input, one named regression test per reproduced case.

Items 1-4 (output folders) have their unit tests in tests/test_publish.py and their kill and
concurrency tests in tests/test_publish_kill.py; here each is reproduced through
`intelcap adjust` as the issue reported it. Items 8 and 9 (numeric configuration keys, share
rules and periods) belong to the policy validation and are tested with it.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intelcap._expressions import check_formula, parse_expression
from intelcap.accounts import io as accounts_io
from intelcap.accounts.io import read_table, write_table
from intelcap.cli import main
from intelcap.datasets import bundled_data_dir
from intelcap.estimation.linear import OLS, fit_panel
from intelcap.estimation.nls import nls
from intelcap.estimation.panel_threshold import PanelThreshold
from intelcap.estimation.smooth_transition import SmoothTransition
from intelcap.estimation.threshold import ThresholdRegression
from intelcap.exceptions import DataError, ExpressionError
from intelcap.production.core import ProductionFunction, from_expression

EXAMPLE = bundled_data_dir() / "example"
TABLES = (EXAMPLE / "tables.csv").read_bytes()


def _line_of(text: bytes) -> int:
    """File line number (header = 1) of the first occurrence of ``text`` in the example table."""
    return TABLES[:TABLES.index(text)].count(b"\n") + 1

CONFIG = """
[input]
tables = "tables.csv"
tolerance = 0.001
{input}
[policy]
share = 0.5
rate = 0.33
{policy}
[output]
format = "{fmt}"
"""


def config(input: str = "", policy: str = "", fmt: str = "csv") -> str:
    return CONFIG.format(input=input, policy=policy, fmt=fmt)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(folder: Path, files: dict[str, bytes | str], capsys, *extra: str):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    before = digest(folder)
    out = folder.parent / f"{folder.name}-out"
    rc = main(["adjust", str(folder / "config.toml"), "--out", str(out), *extra])
    cap = capsys.readouterr()
    assert digest(folder) == before, "an input was modified"
    return rc, cap.err, out


# ------------------------------------------------------------------------------------------
# items 1-4: data lost
# ------------------------------------------------------------------------------------------
def test_item01_out_through_symlinked_parent_refused(tmp_path, capsys):
    data = tmp_path / "r" / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "tables.csv").write_bytes(TABLES)
    (data / "config.toml").write_text(config().replace('"tables.csv"', '"sub/tables.csv"'))
    (tmp_path / "r" / "link").symlink_to(data)
    rc = main(["adjust", str(data / "config.toml"), "--out",
               str(tmp_path / "r" / "link" / "sub"), "--overwrite"])
    assert rc == 2
    assert "inputs are never modified" in capsys.readouterr().err
    assert (data / "sub" / "tables.csv").read_bytes() == TABLES


def test_item02_overwrite_keeps_old_output_until_new_is_complete(tmp_path, capsys):
    work = tmp_path / "in"
    work.mkdir()
    (work / "tables.csv").write_bytes(TABLES)
    (work / "config.toml").write_text(config())
    out = tmp_path / "out"
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--quiet"]) == 0
    old = digest(out)
    # a failing overwrite (unbalanced input) leaves the old output as it was
    bad = TABLES.replace(b"2025,S1,_T,OTHER,P6,", b"2025,S1,_T,OTHER,P6,7", 1)
    (work / "tables.csv").write_bytes(bad)
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--overwrite"]) == 2
    assert digest(out) == old
    # an interrupted swap (old output renamed aside, new not yet in) is undone on the next start
    out.rename(tmp_path / ".out.old-999999-dead")
    (work / "tables.csv").write_bytes(TABLES)
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert digest(out) == old
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_item03_stale_temporaries_swept_on_start(tmp_path, capsys):
    work = tmp_path / "in"
    work.mkdir()
    (work / "tables.csv").write_bytes(TABLES)
    (work / "config.toml").write_text(config())
    out = tmp_path / "out"
    (tmp_path / ".out.tmp-424242-abcd").mkdir()     # a killed run's partial output
    (tmp_path / ".out.tmp-424242-abcd" / "tables.csv").write_bytes(TABLES[:100])
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--quiet"]) == 0
    first = digest(out)
    (tmp_path / ".out.tmp-424243-abcd").mkdir()
    shutil.copytree(out, tmp_path / ".out.old-424244-abcd")   # killed after 'rename in'
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--quiet",
                 "--overwrite"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert digest(out) == first


def test_item04_second_run_on_one_out_fails_clearly(tmp_path, capsys):
    from intelcap._publish import OutputFolder

    work = tmp_path / "in"
    work.mkdir()
    (work / "tables.csv").write_bytes(TABLES)
    (work / "config.toml").write_text(config())
    out = tmp_path / "out"
    first = OutputFolder(out)       # another run holds the name (concurrency: test_publish_kill)
    first.claim()
    try:
        rc = main(["adjust", str(work / "config.toml"), "--out", str(out), "--overwrite"])
        assert rc == 2
        assert "another intelcap run is writing" in capsys.readouterr().err
    finally:
        first.abort()
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--quiet"]) == 0
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------
# items 5-7: code run from strings
# ------------------------------------------------------------------------------------------
def test_item05_production_function_string_runs_no_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ("__import__('os').system('touch X')", "K.__class__", "exec('1')"):
        with pytest.raises(ExpressionError):
            ProductionFunction(text, ["K"])
    assert not (tmp_path / "X").exists()
    f = ProductionFunction("A*K**a", ["K"], ["A", "a"], {"A": 2.0, "a": 0.5})
    assert float(f.output({"K": np.array([4.0])})[0]) == pytest.approx(4.0)


def test_item06_formulas_run_no_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"y": rng.normal(size=40), "x": rng.uniform(1, 2, 40)})
    for text in ("y ~ __import__('os').system('touch X')", "y ~ x + {__import__('os')}",
                 "y ~ x.__class__", "y ~ np.exp(x, y)", "y ~ I(9**9**9)"):
        with pytest.raises(ExpressionError):
            OLS.from_formula(text, df)
    panel = df.assign(i=np.repeat(range(8), 5), t=np.tile(range(5), 8)).set_index(["i", "t"])
    with pytest.raises(ExpressionError):
        fit_panel("y ~ 1 + __import__('os').system('touch X')", panel)
    assert not (tmp_path / "X").exists()
    res = OLS.from_formula("y ~ x + I(x**2) + np.log(x)", df).fit()
    assert len(res.params) == 4
    check_formula("y ~ 1 + k + [l ~ z1 + z2]", ["y", "k", "l", "z1", "z2"])


@pytest.mark.parametrize("text, message", [
    ("9**9**9**9", "exponent 387420489 is too large"),
    ("10**10**10", "exponent 10000000000 is too large"),
    ("+".join(["K"] * 1500), None),                       # a long sum is fine (flattened)
    ("+".join(["K"] * 5100), "longer than 10,000 characters"),
    ("K" + "**K" * 200, "nested too deeply"),
    ("-" * 5000 + "K", "nested too deeply"),
    ("exp(K, L)", "exp() takes 1 argument(s), got 2"),
    ("K/0", "division by zero"),
    ("log(0)*K", "undefined"),
    ("exp(1e6)*K", "overflows"),
    ("1e400*K", "not finite"),
    ("10**300*10**300*K", "overflows"),
])
def test_item07_parser_bounded(text, message):
    t0 = time.perf_counter()
    if message is None:
        assert parse_expression(text, ["K", "L"]) is not None
    else:
        with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(
                ")", r"\)").replace("*", r"\*")):
            parse_expression(text, ["K", "L"])
    assert time.perf_counter() - t0 < 10


# ------------------------------------------------------------------------------------------
# items 10-11: silent wrong numbers
# ------------------------------------------------------------------------------------------
def test_item10_complex_output_raises_naming_input_and_row():
    f = from_expression("A*sqrt(-K)", ["K"], {"A": 1.0})
    with pytest.raises(DataError, match=r"not real at 2 row\(s\), first at row 'a'.*\['K'\]"):
        f.output(pd.DataFrame({"K": [1.0, 2.0]}, index=["a", "b"]))


def test_item11_threshold_regression_constant_y():
    rng = np.random.default_rng(11)
    x, q = rng.normal(size=100), rng.normal(size=100)
    with pytest.raises(DataError, match="fitted exactly by the regressors"):
        ThresholdRegression(np.full(100, 3.0), x, q).fit(bootstrap=20, seed=1, progress=False)


def test_item11_nls_overflowing_scale_is_not_converged():
    rng = np.random.default_rng(11)
    x = rng.uniform(1, 2, 50)
    with pytest.raises(DataError, match="overflows double precision"):
        nls("y ~ a*x", pd.DataFrame({"x": x, "y": 3e160 * x}), {"a": 1.0})
    res = nls("y ~ a*x", pd.DataFrame({"x": x, "y": 3e150 * x}), {"a": 1.0})
    assert res.converged and res.params["a"] == pytest.approx(3e150, rel=1e-12)


def test_item11_lstr_collinear_switching_regressors():
    rng = np.random.default_rng(11)
    n = 200
    x = rng.normal(size=n)
    d = pd.DataFrame({"y": rng.normal(size=n), "x": x, "x2": 2 * x, "const": 1.0})
    with pytest.raises(DataError, match="transition_exog columns .* are collinear"):
        SmoothTransition(d["y"], d[["const", "x"]], d["x"], d[["x", "x2"]])


def test_item11_panel_threshold_constant_exog_column():
    rng = np.random.default_rng(11)
    idx = pd.MultiIndex.from_product([range(20), range(8)], names=["i", "t"])
    df = pd.DataFrame({"y": rng.normal(size=160), "q": rng.normal(size=160),
                       "x": rng.normal(size=160), "c": 1.0, "r": rng.normal(size=160)},
                      index=idx)
    with pytest.raises(DataError, match=r"\['c'\] of exog/regime_exog do not vary within"):
        PanelThreshold(df["y"], df[["x", "c"]], df["q"], regime_exog=df["r"])
    with pytest.raises(DataError, match="do not vary within"):
        PanelThreshold(df["y"], df[["x"]], df["q"], regime_exog=df["c"])


# ------------------------------------------------------------------------------------------
# item 12: ordinary bad files, one line, exit 2
# ------------------------------------------------------------------------------------------
_LINES = TABLES.decode().splitlines()
_S = 'spending = "s.csv"'
_D = 'deflator = "d.csv"'
BAD_FILES = {
    "tables empty": ({"tables.csv": b""}, "tables.csv: the file is empty"),
    "tables UTF-16": ({"tables.csv": TABLES.decode().encode("utf-16")}, "UTF-16"),
    "tables ragged": ({"tables.csv": "\n".join([*_LINES[:5], _LINES[5] + ",x,y",
                                               *_LINES[6:]])}, "Expected 8 fields in line 6"),
    "tables unclosed quote": ({"tables.csv": TABLES.replace(b"USD_BN", b'"USD_BN', 1)},
                              "malformed CSV"),
    "tables Latin-1": ({"tables.csv": TABLES.replace(b"OTHER", "ÖTHER".encode("latin-1"))},
                       "not UTF-8 text"),
    "tables binary": ({"tables.csv": bytes(range(256)) * 8}, "not UTF-8 text"),
    "tables header only": ({"tables.csv": _LINES[0] + "\n"}, "empty"),
    "tables wrong header": ({"tables.csv": b"a,b,c\n1,2,3\n"}, "missing ['period'"),
    "tables text value": ({"tables.csv": TABLES.replace(b"3000.0", b"abc", 1)},
                          f"non-numeric value 'abc' at line {_line_of(b'3000.0')}"),
    "tables short row": ({"tables.csv": "\n".join([*_LINES[:5], "2024,S1", *_LINES[6:]])},
                         "line 6"),
    "xlsx corrupt": ({"config.toml": config().replace("tables.csv", "t.xlsx"),
                      "t.xlsx": b"PK\x03\x04garbage"}, "t.xlsx: not a readable .xlsx"),
    "xlsx not a zip": ({"config.toml": config().replace("tables.csv", "t.xlsx"),
                        "t.xlsx": b"plain text"}, "t.xlsx: not a readable .xlsx"),
    "tables unknown suffix": ({"config.toml": config().replace("tables.csv", "t.json"),
                               "t.json": b"{}"}, "cannot tell the format of 't.json'"),
    "config Latin-1": ({"config.toml": config().encode() + "# caf\xe9\n".encode("latin-1")},
                       "not UTF-8 text"),
    "config UTF-16": ({"config.toml": config().encode("utf-16")}, "UTF-16"),
    "config binary": ({"config.toml": bytes(range(256))}, "not UTF-8 text"),
    "config bad TOML": ({"config.toml": "[input\n"}, "invalid TOML"),
    "config empty": ({"config.toml": ""}, "input.tables is required"),
    "shares = 5": ({"config.toml": config(policy="shares = 5")},
                   "policy.shares must be a list of rules"),
    "shares = [5]": ({"config.toml": config(policy="shares = [5]")}, "policy.shares[0]"),
    "input not a table": ({"config.toml": "input = 5\n"}, "[input] must be a table"),
    "tables = 5": ({"config.toml": config().replace('"tables.csv"', "5")},
                   "input.tables must be a path string"),
    "deflator CSV bad columns": ({"config.toml": config(policy=_D), "d.csv": b"a,b\n1,2\n"},
                                 "policy.deflator file 'd.csv' must have the columns"),
    "deflator CSV empty": ({"config.toml": config(policy=_D), "d.csv": b""},
                           "policy.deflator file 'd.csv': the file is empty"),
    "deflator CSV UTF-16": ({"config.toml": config(policy=_D),
                             "d.csv": "period,value\n2024,1\n".encode("utf-16")}, "UTF-16"),
    "deflator CSV missing": ({"config.toml": config(policy='deflator = "nope.csv"')},
                             "not found"),
    "spending empty": ({"config.toml": config(_S), "s.csv": b""}, "s.csv: the file is empty"),
    "spending ragged": ({"config.toml": config(_S),
                         "s.csv": b"period,sector,industry,value\n2024,S11,C,1\n2025,S11,C,1,2\n"},
                        "s.csv: malformed CSV"),
    "spending UTF-16": ({"config.toml": config(_S),
                         "s.csv": "period,sector,industry,value\n".encode("utf-16")}, "UTF-16"),
    "spending binary": ({"config.toml": config(_S), "s.csv": bytes(range(256))},
                        "not UTF-8 text"),
    "spending_total empty": ({"config.toml": config('spending_total = "t.csv"\n'
                                                    'allocation = "use:AI_API"'),
                              "t.csv": b""}, "input.spending_total file t.csv: the file is"),
    "spending text value": ({"config.toml": config(_S),
                             "s.csv": b"period,sector,industry,value\n2024,S11,C,abc\n"},
                            "non-numeric"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_item12_bad_files_one_line_exit_2(case, tmp_path, capsys):
    files, expected = BAD_FILES[case]
    files = {"config.toml": config(), "tables.csv": TABLES, **files}
    rc, err, out = run_cli(tmp_path / "in", files, capsys)
    assert rc == 2, err
    assert err.startswith("intelcap: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert expected in err, err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".in-out.")]


def test_item12_debug_shows_the_traceback(tmp_path, capsys):
    (tmp_path / "tables.csv").write_bytes(b"")
    (tmp_path / "config.toml").write_text(config())
    for argv in (["adjust", str(tmp_path / "config.toml"), "--debug"],
                 ["--debug", "adjust", str(tmp_path / "config.toml")]):
        with pytest.raises(DataError, match="the file is empty"):
            main([*argv, "--out", str(tmp_path / "out")])
    assert len(BAD_FILES) >= 31


# ------------------------------------------------------------------------------------------
# item 13: Excel output
# ------------------------------------------------------------------------------------------
def test_item13_excel_writes_text_as_text(tmp_path):
    t = read_table(EXAMPLE / "tables.csv")
    for code in ('=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1)"):
        t2 = t.copy()
        t2.loc[t2["product"] == "OTHER", "product"] = code
        path = write_table(t2, tmp_path / "t.xlsx")
        with zipfile.ZipFile(path) as z:
            xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in xml and "<f " not in xml
        back = read_table(path)
        assert code in set(back["product"])


def test_item13_excel_row_limit(tmp_path, monkeypatch):
    t = read_table(EXAMPLE / "tables.csv")
    # the real limit, 1,048,576 rows, with the rows of this table: len(t) - 1 data rows fit
    monkeypatch.setattr(accounts_io, "EXCEL_MAX_ROWS", len(t))
    with pytest.raises(DataError, match=f"the table has {len(t):,} rows; an Excel sheet"):
        write_table(t, tmp_path / "t.xlsx")
    assert not list(tmp_path.iterdir())
    monkeypatch.setattr(accounts_io, "EXCEL_MAX_ROWS", len(t) + 1)
    write_table(t, tmp_path / "t.xlsx")
    assert accounts_io.EXCEL_MAX_ROWS != 1_048_576   # (patched) ...
    monkeypatch.undo()
    assert accounts_io.EXCEL_MAX_ROWS == 1_048_576   # ... the constant is Excel's limit


# ------------------------------------------------------------------------------------------
# item 14: no file contents in messages
# ------------------------------------------------------------------------------------------
SECRET = "SECRET_TOKEN=do-not-print-me-4711"


@pytest.mark.parametrize("where", ["tables", "tables-sdmx", "spending", "deflator", "config"])
def test_item14_messages_do_not_echo_file_contents(where, tmp_path, capsys):
    secret = tmp_path / "secret"
    secret.write_bytes(("\x00".join([SECRET, "PATH=/usr/bin", "HOME=/root"] * 20)).encode())
    targets = [secret]
    if Path("/proc/self/environ").exists():
        targets.append(Path("/proc/self/environ"))
    for target in targets:
        files = {"tables.csv": TABLES}
        if where == "tables":
            files["config.toml"] = config(input='format = "csv"').replace(
                '"tables.csv"', repr(str(target)).replace("'", '"'))
        elif where == "tables-sdmx":
            files["config.toml"] = config(input='format = "sdmx-csv"').replace(
                '"tables.csv"', repr(str(target)).replace("'", '"'))
        elif where == "spending":
            files["config.toml"] = config(f'spending = "{target}"')
        elif where == "deflator":
            files["config.toml"] = config(policy=f'deflator = "{target}"')
        rc, err, out = run_cli(tmp_path / f"in-{where}", files, capsys) if where != "config" \
            else (main(["adjust", str(target), "--out", str(tmp_path / "o")]),
                  capsys.readouterr().err, tmp_path / "o")
        assert rc == 2
        assert "SECRET_TOKEN" not in err and "PATH=" not in err and "HOME=" not in err, err
        assert not out.exists()


# ------------------------------------------------------------------------------------------
# item 15: unused data columns never matter to nls
# ------------------------------------------------------------------------------------------
def test_item15_nls_ignores_unused_columns():
    rng = np.random.default_rng(15)
    x = rng.uniform(1, 2, 60)
    y = 2 * x**0.5 + rng.normal(0, 0.01, 60)
    plain = nls("y ~ a*x**b", pd.DataFrame({"x": x, "y": y}), {"a": 1.0, "b": 1.0})
    noisy = pd.DataFrame({"x": x, "y": y, "log": 1.0, "GDP growth": 2.0, 0: 3.0,
                          "lambda": 4.0, "exp": 5.0, "__class__": 6.0})
    res = nls("y ~ a*x**b", noisy, {"a": 1.0, "b": 1.0})
    assert res.converged
    np.testing.assert_array_equal(res.params.to_numpy(), plain.params.to_numpy())
