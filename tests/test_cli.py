"""The ``intelcap adjust`` command: outputs, manifest, atomicity, refusals, determinism."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from intelcap import __version__
from intelcap.accounts.policy import POLICY_KEYS
from intelcap.cli import CONFIG_KEYS, main
from intelcap.datasets import bundled_data_dir

EXAMPLE = bundled_data_dir() / "example"
DATA_FILES = ("tables.csv", "capital.csv", "ledger.csv", "revisions.csv", "satellite.csv",
              "sdmx_na_main.csv", "README.md")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def work(tmp_path):
    """A copy of the example's inputs and a config pointing at them."""
    inp = tmp_path / "inputs"
    inp.mkdir()
    shutil.copy(EXAMPLE / "tables.csv", inp / "tables.csv")
    shutil.copy(EXAMPLE / "config.toml", inp / "config.toml")
    return inp


def write_config(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text)
    return path


BASE = """
[input]
tables = "tables.csv"
tolerance = 0.001
[policy]
share = 0.5
rate = 0.33
"""


def assert_nothing_written(parent: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_bundled_example_runs_and_writes_everything(tmp_path, capsys):
    out = tmp_path / "out"
    before = {p.name: sha(p) for p in EXAMPLE.iterdir() if p.is_file()}
    assert main(["adjust", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "GDP revision (USD_BN" in text
    for year in ("2024", "2025", "2026"):
        assert year in text
    assert sorted(p.name for p in out.iterdir()) == sorted([*DATA_FILES, "manifest.json"])
    man = json.loads((out / "manifest.json").read_text())
    assert man["intelcap_version"] == __version__
    assert man["config"]["policy"]["rate"] == 0.33
    assert man["config_file"]["sha256"] == sha(EXAMPLE / "config.toml")
    # paths relative to the output folder
    rel = Path(os.path.relpath((EXAMPLE / "tables.csv").resolve(), out)).as_posix()
    assert man["inputs"] == [{"path": rel, "sha256": sha(EXAMPLE / "tables.csv")}]
    assert (out / man["inputs"][0]["path"]).resolve() == (EXAMPLE / "tables.csv").resolve()
    assert set(man["versions"]) >= {"intelcap", "numpy", "pandas"}
    assert {o["file"]: o["sha256"] for o in man["outputs"]} == {
        f: sha(out / f) for f in DATA_FILES}
    # inputs never modified
    assert {p.name: sha(p) for p in EXAMPLE.iterdir() if p.is_file()} == before


def test_same_inputs_same_bytes(work, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["adjust", str(work / "config.toml"), "--out", str(a), "--quiet"]) == 0
    assert main(["adjust", str(work / "config.toml"), "--out", str(b), "--quiet"]) == 0
    assert snapshot(a) == snapshot(b)
    assert capsys.readouterr().out == ""


def test_existing_output_refused_unless_overwrite(work, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--overwrite",
                 "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*DATA_FILES, "manifest.json"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


@pytest.mark.parametrize("target", ["tables.csv", "config.toml", "."])
def test_output_equal_to_or_containing_an_input_refused(work, capsys, target):
    out = work / target
    snap = snapshot(work)
    assert main(["adjust", str(work / "config.toml"), "--out", str(out), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "inputs are never modified" in err and str(out.resolve()) in err
    assert snapshot(work) == snap


@pytest.mark.parametrize("text, key", [
    (BASE + "\n[extra]\nx = 1\n", "unknown configuration key 'extra'"),
    (BASE.replace("tolerance", "tolerence"), "unknown configuration key input.tolerence"),
    (BASE + "colour = 'red'\n", "unknown configuration key policy.colour"),
    (BASE + "\n[output]\nformat = 'csv'\nzip = true\n",
     "unknown configuration key output.zip"),
    (BASE + "\n[[policy.shares]]\nsectr = 'S13'\nshare = 0.1\n",
     r"unknown key policy.shares[0].sectr"),
    (BASE.replace("share = 0.5", "share = 1.5"), "policy.share = 1.5 is outside [0, 1]"),
    (BASE.replace('"tables.csv"', '"nope.csv"'), "input.tables: file not found"),
    (BASE + "route = 'capital'\n", "policy.route='capital' is not recognised"),
    ("[input\n", "invalid TOML"),
])
def test_bad_config_is_rejected_before_any_work(work, tmp_path, capsys, text, key):
    cfg = write_config(work, text)
    out = tmp_path / "out"
    assert main(["adjust", str(cfg), "--out", str(out)]) == 2
    assert key in capsys.readouterr().err
    assert_nothing_written(tmp_path, out)


def test_unbalanced_input_writes_nothing(work, tmp_path, capsys):
    lines = (work / "tables.csv").read_text().splitlines()
    i = next(k for k, s in enumerate(lines) if s.startswith("2025,S1,_T,OTHER,P6,"))
    fields = lines[i].split(",")
    fields[5] = str(float(fields[5]) + 7.0)
    lines[i] = ",".join(fields)
    (work / "tables.csv").write_text("\n".join(lines) + "\n")
    write_config(work, BASE)
    out = tmp_path / "out"
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "input tables do not balance" in err and "period 2025" in err
    assert "expenditure - production = 6.99999" in err   # 7 less the 1e-6 rounding
    assert_nothing_written(tmp_path, out)


def test_spending_file_errors_name_the_cell(work, tmp_path, capsys):
    (work / "spending.csv").write_text(
        "period,sector,industry,product,value\n2024,S11,C,AI_API,0.01\n"
        "2025,S11,C,AI_API,-2.5\n2026,S11,C,AI_API,1.0\n")
    write_config(work, BASE.replace('tolerance', 'spending = "spending.csv"\ntolerance'))
    out = tmp_path / "out"
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "negative API spending -2.5" in err and "period=2025, sector='S11', industry='C'" in err
    assert_nothing_written(tmp_path, out)
    (work / "spending.csv").write_text(
        "period,sector,industry,product,value,unit\n2024,S11,C,AI_API,0.01,USD_BN\n"
        "2025,S11,C,AI_API,0.5,EUR_BN\n2026,S11,C,AI_API,1.0,USD_BN\n")
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    assert "mixed units: 'EUR_BN'" in capsys.readouterr().err
    (work / "spending.csv").write_text(
        "period,sector,industry,product,value\n2024,S11,C,AI_API,0.01\n2026,S11,C,AI_API,1.0\n")
    assert main(["adjust", str(work / "config.toml"), "--out", str(out)]) == 2
    assert "spending: missing period 2025" in capsys.readouterr().err
    assert_nothing_written(tmp_path, out)


def test_default_output_folder_does_not_collide(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["adjust", "--quiet"]) == 0
    assert main(["adjust", "--quiet"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intelcap-adjust-001",
                                                          "intelcap-adjust-002"]
    assert snapshot(tmp_path / "intelcap-adjust-001") == snapshot(
        tmp_path / "intelcap-adjust-002")


def test_help_documents_every_config_key(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["adjust", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for table, keys in (("input", CONFIG_KEYS["input"]), ("policy", POLICY_KEYS),
                        ("output", CONFIG_KEYS["output"])):
        assert f"[{table}]" in text
        for k in keys:
            assert f"\n  {k} " in text, k
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "adjust" in capsys.readouterr().out
    assert main([]) == 2


def test_console_script_from_another_directory(tmp_path):
    """The whole process, as a bureau runs it: python -m intelcap.cli adjust."""
    proc = subprocess.run([sys.executable, "-m", "intelcap.cli", "adjust", "--out", "res"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "GDP revision" in proc.stdout
    assert (tmp_path / "res" / "manifest.json").is_file()
