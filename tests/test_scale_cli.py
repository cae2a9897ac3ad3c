"""``intelcap adjust`` with invoice microdata (input.invoices) and ``--scheduler``.

Oracle: the bundled example's API spending (the tables' P2 of AI_API) split into many invoices
gives the same revisions as the spending cells given directly (input.spending), in this
process, from Parquet files and on a Dask cluster.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intelcap.cli import CONFIG_KEYS, main
from intelcap.datasets import bundled_data_dir

pytest.importorskip("dask.dataframe", reason="dask is an optional extra (intelcap[dask])")
distributed = pytest.importorskip("distributed",
                                  reason="distributed is an optional extra (intelcap[dask])")

EXAMPLE = bundled_data_dir() / "example"
CONFIG = """
[input]
tables = "tables.csv"
tolerance = 0.001
{extra}
[policy]
products = ["AI_API"]
share = 0.5
rate = 0.33
"""


@pytest.fixture
def work(tmp_path):
    """The example's tables, its spending cells, and invoices that sum to them."""
    inp = tmp_path / "inputs"
    inp.mkdir()
    shutil.copy(EXAMPLE / "tables.csv", inp / "tables.csv")
    t = pd.read_csv(inp / "tables.csv", dtype={"sector": str, "industry": str, "product": str})
    sp = t.loc[(t["transaction"] == "P2") & (t["product"] == "AI_API")
               & t["sector"].isin(["S11", "S12", "S13", "S15"]),
               ["period", "sector", "industry", "product", "value"]]
    sp.to_csv(inp / "spending.csv", index=False)
    rng = np.random.default_rng(42)
    rows = []
    for firm0, cell in enumerate(sp.itertuples(index=False)):
        k = int(rng.integers(5, 40))
        w = rng.dirichlet(np.ones(k))
        rows.append(pd.DataFrame({"firm": firm0 * 100 + np.arange(k), "sector": cell.sector,
                                  "industry": cell.industry, "product": cell.product,
                                  "period": cell.period, "amount": cell.value * w}))
    inv = pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=1)
    inv.to_csv(inp / "invoices.csv", index=False)
    (inp / "pq").mkdir()
    for j, part in enumerate(np.array_split(np.arange(len(inv)), 3)):
        inv.iloc[part].to_parquet(inp / "pq" / f"part-{j}.parquet")
    return inp


def run(folder: Path, extra: str, out: Path, *args: str) -> int:
    cfg = folder / "config.toml"
    cfg.write_text(CONFIG.format(extra=extra))
    return main(["adjust", str(cfg), "--out", str(out), "--quiet", *args])


def revisions(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "revisions.csv", index_col=0)


def test_invoices_give_the_same_adjustment_as_the_spending_cells(work, tmp_path):
    assert run(work, 'spending = "spending.csv"', tmp_path / "cells") == 0
    assert run(work, 'invoices = "invoices.csv"', tmp_path / "inv") == 0
    assert run(work, 'invoices = "pq/*.parquet"', tmp_path / "pq") == 0
    ref = revisions(tmp_path / "cells")
    for name in ("inv", "pq"):
        pd.testing.assert_frame_equal(revisions(tmp_path / name), ref, check_exact=False,
                                      atol=2e-6)  # outputs are rounded to 6 decimals
    import json

    manifest = json.loads((tmp_path / "pq" / "manifest.json").read_text())
    assert sum("part-" in i["path"] for i in manifest["inputs"]) == 3  # each file hashed


def test_scheduler_runs_the_aggregation_on_a_dask_cluster(work, tmp_path):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cl:
        assert run(work, 'invoices = "invoices.csv"', tmp_path / "dask", "--scheduler",
                   cl.scheduler_address) == 0
        assert run(work, f'invoices = "pq"\nscheduler = "{cl.scheduler_address}"',
                   tmp_path / "cfg") == 0
    assert run(work, 'spending = "spending.csv"', tmp_path / "cells") == 0
    for name in ("dask", "cfg"):
        pd.testing.assert_frame_equal(revisions(tmp_path / name), revisions(tmp_path / "cells"),
                                      check_exact=False, atol=2e-6)


def test_unreachable_scheduler_is_a_clear_error(work, tmp_path, capsys):
    code = run(work, 'invoices = "invoices.csv"\nscheduler_timeout = 2', tmp_path / "x",
               "--scheduler", "tcp://127.0.0.1:9")
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler 'tcp://127.0.0.1:9': no Dask scheduler answered within 2 s" in err
    assert not (tmp_path / "x").exists()
    code = run(work, 'invoices = "invoices.csv"\nscheduler = "tcp://127.0.0.1:9"\n'
               'scheduler_timeout = 1', tmp_path / "x")
    assert code == 2 and "input.scheduler 'tcp://127.0.0.1:9'" in capsys.readouterr().err


def test_scheduler_without_dask_names_the_option_and_the_extra(work, tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    code = run(work, 'invoices = "invoices.csv"', tmp_path / "x", "--scheduler",
               "tcp://127.0.0.1:9")
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler needs the optional packages 'dask' and 'distributed'" in err
    assert 'pip install "intelcap[dask]"' in err


def test_invoice_configuration_errors(work, tmp_path, capsys):
    assert run(work, 'spending = "spending.csv"', tmp_path / "a", "--scheduler",
               "tcp://127.0.0.1:9") == 2
    assert "--scheduler needs input.invoices" in capsys.readouterr().err
    assert run(work, 'spending = "spending.csv"\ninvoices = "invoices.csv"', tmp_path / "b") == 2
    assert "give one of input.invoices, input.spending" in capsys.readouterr().err
    assert run(work, 'invoices = "none-*.csv"', tmp_path / "c") == 2
    assert "input.invoices: no file matches 'none-*.csv'" in capsys.readouterr().err
    assert run(work, 'spending = "spending.csv"\nscheduler = "tcp://h:1"', tmp_path / "d") == 2
    assert "input.scheduler needs input.invoices" in capsys.readouterr().err
    assert run(work, 'invoices = "invoices.csv"\nscheduler_timeout = 0', tmp_path / "e") == 2
    assert "input.scheduler_timeout = 0" in capsys.readouterr().err
    bad = pd.read_csv(work / "invoices.csv")
    bad.loc[3, "amount"] = np.nan
    bad.to_csv(work / "invoices.csv", index=False)
    assert run(work, 'invoices = "invoices.csv"', tmp_path / "f") == 2
    assert "missing or non-numeric 'amount' (nan) at row 3" in capsys.readouterr().err


def test_help_documents_the_scheduler(capsys):
    with pytest.raises(SystemExit):
        main(["adjust", "--help"])
    out = capsys.readouterr().out
    assert "--scheduler ADDRESS" in out and "input.invoices" in out
    for key in ("invoices", "scheduler", "scheduler_timeout"):
        assert key in CONFIG_KEYS["input"]
