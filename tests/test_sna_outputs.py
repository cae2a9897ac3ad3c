"""Publishable outputs of ``intelcap adjust`` (issue 13 point 11): SDMX-CSV in the NA_MAIN
structure with the asset dimension and a satellite flag, the BEA R&D-satellite-style table,
README with the code list, declared precision, relative manifest paths with versions, umask."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest

from intelcap.accounts.capitalize import capitalize
from intelcap.accounts.io import read_table
from intelcap.accounts.outputs import SDMX_DIMENSIONS, round_values, satellite_table
from intelcap.accounts.policy import CapitalizationPolicy
from intelcap.cli import main
from intelcap.datasets import bundled_data_dir

EXAMPLE = bundled_data_dir() / "example"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("o") / "out"
    old = os.umask(0o027)
    try:
        assert main(["adjust", "--out", str(out), "--quiet"]) == 0
    finally:
        os.umask(old)
    return out


def test_sdmx_na_main_with_asset_dimension_and_satellite_flag(run):
    sd = pd.read_csv(run / "sdmx_na_main.csv", dtype=str)
    for dim in SDMX_DIMENSIONS:
        assert dim in sd.columns, dim
    assert set(sd["SATELLITE"]) == {"Y"}
    gf = sd.loc[sd["STO"] == "P51G"]
    assert set(gf["INSTR_ASSET"]) == {"N1173AI"}
    assert set(sd.loc[sd["STO"] == "B1GQ", "INSTR_ASSET"]) == {"_Z"}
    rev = pd.read_csv(run / "revisions.csv")
    gdp = sd.loc[sd["STO"] == "B1GQ", "OBS_VALUE"].astype(float).to_numpy()
    np.testing.assert_allclose(gdp, rev["GDP_after"].to_numpy())
    assert set(sd["UNIT_MEASURE"]) == {"USD"} and set(sd["UNIT_MULT"]) == {"9"}


def test_numbers_rounded_to_the_declared_precision(run):
    for name in ("tables.csv", "capital.csv", "ledger.csv", "revisions.csv", "satellite.csv",
                 "sdmx_na_main.csv"):
        text = (run / name).read_text()
        for tok in text.replace("\n", ",").split(","):
            if "." in tok and tok.replace(".", "").replace("-", "").isdigit():
                assert len(tok.split(".")[1]) <= 6, (name, tok)
    man = json.loads((run / "manifest.json").read_text())
    assert man["precision"] == 6
    assert "rounded to 6 decimals" in (run / "README.md").read_text()
    df = pd.DataFrame({"x": [0.004495507500000001, -1e-9]})
    assert round_values(df, 6)["x"].tolist() == [0.004496, 0.0]


def test_readme_lists_codes_and_manifest_paths_are_relative(run):
    text = (run / "README.md").read_text()
    for code in ("`S13` General government", "`P51G` Gross fixed capital formation",
                 "`AN1173AI`", "`AI_API`", "Satellite account", "pandas"):
        assert code in text, code
    man = json.loads((run / "manifest.json").read_text())
    assert man["paths"] == "relative to this output folder"
    for entry in [man["config_file"], *man["inputs"]]:
        assert not os.path.isabs(entry["path"])
        assert (run / entry["path"]).is_file()
    assert man["versions"]["intelcap"] == man["intelcap_version"]


def test_output_folder_honours_the_umask(run):
    mode = stat.S_IMODE(os.stat(run).st_mode)
    assert mode == 0o750
    assert stat.S_IMODE(os.stat(run / "tables.csv").st_mode) == 0o640


def test_satellite_table_contributions():
    t = read_table(EXAMPLE / "tables.csv")
    adj = capitalize(t, policy=CapitalizationPolicy(share=0.5, rate=0.33), tol=1e-3)
    sat = satellite_table(adj)
    gdp = sat["GDP after"]
    np.testing.assert_allclose(sat["GDP % change after"].iloc[1:],
                               (100 * (gdp / gdp.shift() - 1)).iloc[1:])
    c = 100 * (sat["asset GFCF"].diff() / gdp.shift())
    np.testing.assert_allclose(sat["contribution of asset GFCF (pp)"].iloc[1:], c.iloc[1:])
    # the revision's contribution = growth after - growth before, up to the base effect
    approx = sat["GDP % change after"] - sat["GDP % change before"]
    np.testing.assert_allclose(sat["contribution of the revision (pp)"].iloc[1:],
                               approx.iloc[1:], atol=1e-3)
