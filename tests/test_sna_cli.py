"""``intelcap adjust`` and issue 13 / issue 19 (items 8, 9): configuration keys checked by name,
already-capitalized inputs refused, opening-stock keys documented in --help."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intelcap.cli import main
from intelcap.datasets import bundled_data_dir

EXAMPLE = bundled_data_dir() / "example"
BASE = """
[input]
tables = "tables.csv"
tolerance = 0.001
[policy]
share = 0.5
rate = 0.33
"""


@pytest.fixture
def work(tmp_path):
    inp = tmp_path / "inputs"
    inp.mkdir()
    shutil.copy(EXAMPLE / "tables.csv", inp / "tables.csv")
    return inp


def run(cfg_text: str, work: Path, out: Path, capsys) -> tuple[int, str]:
    cfg = work / "config.toml"
    cfg.write_text(cfg_text)
    code = main(["adjust", str(cfg), "--out", str(out), "--quiet"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("edit", "key"), [
    (("tolerance = 0.001", "tolerance = nan"), "input.tolerance"),
    (("tolerance = 0.001", "rtol = nan"), "input.rtol"),
    (("tolerance = 0.001", "tolerance = inf"), "input.tolerance"),
    (("rate = 0.33", "rate = 0.33\nprofile_options = {initial_stock = 1e9}"),
     "policy.profile_options.initial_stock"),
    (("rate = 0.33", "rate = 0.33\ndeflator = 1"), "policy.deflator"),
    (("rate = 0.33", "rate = 0.33\nprofile_options = {deflator = 1}"),
     "policy.profile_options.deflator"),
    (("rate = 0.33", "rate = 0.33\n[[policy.shares]]\nsector = \"s13\"\nshare = 0.3"),
     r"policy.shares\[0\]"),
    (("rate = 0.33", "rate = 0.33\n[[policy.shares]]\nperiod = 2024.5\nshare = 0.3"),
     r"policy.shares\[0\].period"),
    (("rate = 0.33", "rate = 0.33\nbackcast = \"guess\""), "policy.backcast"),
])
def test_bad_keys_are_named_and_nothing_is_written(work, tmp_path, capsys, edit, key):
    out = tmp_path / "out"
    code, err = run(BASE.replace(*edit), work, out, capsys)
    assert code == 2, err            # bad input: one line, exit status 2 (issue 19 item 12)
    assert pytest.importorskip("re").search(key, err), err
    assert not out.exists()


def test_feeding_an_output_back_is_refused_unless_told(work, tmp_path, capsys):
    first = tmp_path / "first"
    code, err = run(BASE, work, first, capsys)
    assert code == 0, err
    again = first.parent / "again-inputs"
    again.mkdir()
    cfg = BASE.replace('tables = "tables.csv"', f'tables = "{(first / "tables.csv").as_posix()}"')
    code, err = run(cfg, again, tmp_path / "second", capsys)
    assert code != 0 and "earlier intelcap adjust" in err, err
    assert not (tmp_path / "second").exists()
    code, err = run(cfg.replace("rate = 0.33", "rate = 0.33\nallow_recapitalization = true"),
                    again, tmp_path / "third", capsys)
    assert code == 0, err


def test_opening_stock_keys_documented_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["adjust", "--help"])
    text = capsys.readouterr().out
    for key in ("backcast", "backcast_growth", "vintages", "deflator_base", "base_year",
                "labour_ratio", "net_return", "allow_recapitalization", "own_account_product"):
        assert f"  {key} " in text, key


def test_vintages_file_gives_an_opening_stock(work, tmp_path, capsys):
    (work / "vintages.csv").write_text("period,sector,industry,value\n"
                                       "2022,S11,C,1.0\n2023,S11,C,2.0\n")
    code, err = run(BASE.replace("rate = 0.33", 'rate = 0.33\nvintages = "vintages.csv"'),
                    work, tmp_path / "v", capsys)
    assert code == 0, err
    import pandas as pd

    led = pd.read_csv(tmp_path / "v" / "ledger.csv")
    base_run, err = run(BASE, work, tmp_path / "b", capsys)
    led0 = pd.read_csv(tmp_path / "b" / "ledger.csv")

    def cfc(frame):
        m = (frame["transaction"] == "P51C") & (frame["industry"] == "C")
        return frame.loc[m].set_index("period")["delta"]
    # CFC of the 2022-2023 vintages: 2.0 * 0.33 * (1 - 0.165) ... in 2024 adds to C's CFC
    d = cfc(led) - cfc(led0)
    k23 = 1.0 * (1 - 0.165) * (1 - 0.33) + 2.0 * (1 - 0.165)
    assert d.loc[2024] == pytest.approx(0.33 * k23, rel=1e-6)


def test_national_total_allocated_by_use_in_the_ledger(work, tmp_path, capsys):
    import pandas as pd

    t = pd.read_csv(work / "tables.csv")
    p2 = t.loc[(t["transaction"] == "P2") & (t["product"] == "AI_API")]
    p2.groupby("period", as_index=False)["value"].sum().to_csv(work / "total.csv",
                                                               index=False)
    cfg = BASE.replace('tables = "tables.csv"', 'tables = "tables.csv"\nspending_total = '
                       '"total.csv"\nallocation = "use:AI_API"')
    code, err = run(cfg, work, tmp_path / "alloc", capsys)
    assert code == 0, err
    led = pd.read_csv(tmp_path / "alloc" / "ledger.csv")
    assert led["config_key"].str.contains("allocated by intermediate use of AI_API").all()
    code, err = run(cfg.replace('"use:AI_API"', '"gdp:x"'), work, tmp_path / "bad", capsys)
    assert code != 0 and "input.allocation" in err
