"""intelcap.datasets: bundled loaders (shape, index, checksums, published values) and the
loaders of data intelcap may not redistribute (clear error without a copy, reading with one).

References for the values checked here are the datasets' own documentation (each module's
``DESCR`` and the README of the source), e.g. BEA's GDP 2022 by production 26,006,889 million
dollars (sum of VAPRO, BEA summary Use table 2022), NIST's certified values, PWT 10.01's USA
capital stock 2017 (66,940,280 million 2017 USD).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intelcap import datasets
from intelcap.datasets import DatasetNotAvailable, Provenance
from intelcap.exceptions import DataError, SpecificationError

ROOT = Path(datasets.__file__).resolve().parent


def _sums() -> dict[str, str]:
    out = {}
    for line in (ROOT / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        out[name] = digest
    return out


def test_every_bundled_file_matches_its_checksum():
    """Each compressed file decompresses to the bytes whose SHA-256 is listed in SHA256SUMS,
    and every bundled file is listed (no unlisted data in the package)."""
    sums = _sums()
    files = sorted(ROOT.glob("*/data/**/*.gz"))
    listed = {p.relative_to(ROOT).as_posix()[:-3] for p in files}
    assert listed == set(sums)
    for p in files:
        digest = hashlib.sha256(gzip.decompress(p.read_bytes())).hexdigest()
        assert digest == sums[p.relative_to(ROOT).as_posix()[:-3]], p.name


def test_bundled_size_stays_small():
    total = sum(p.stat().st_size for p in ROOT.glob("*/data/**/*.gz"))
    assert total < 3_000_000


@pytest.mark.parametrize("name", datasets.BUNDLED + datasets.NOT_BUNDLED + ("munnell",))
def test_every_dataset_documents_itself(name):
    mod = getattr(datasets, name)
    assert isinstance(mod.PROVENANCE, Provenance)
    assert mod.DESCR == str(mod.PROVENANCE)
    for field in ("source", "licence", "citation", "units", "index"):
        assert getattr(mod.PROVENANCE, field), f"{name}: {field} is empty"
    assert mod.PROVENANCE.bundled == (name not in datasets.NOT_BUNDLED)
    assert callable(mod.load)
    assert set(mod.__all__) >= {"DESCR", "PROVENANCE", "load"}


def test_unknown_attribute_and_bad_choice():
    with pytest.raises(AttributeError):
        datasets.no_such_dataset  # noqa: B018
    with pytest.raises(SpecificationError, match="kind='stata'.*'xthreg'"):
        datasets.hansen1999.load("stata")
    with pytest.raises(SpecificationError, match="year=2016"):
        datasets.bea_supply_use.load(2016)
    with pytest.raises(SpecificationError, match="name='Misra9'"):
        datasets.nist_strd.load("Misra9")


# ------------------------------------------------------------------------------------------
# bundled datasets: shape, index, published values
# ------------------------------------------------------------------------------------------
def test_hansen1999_xthreg():
    """Stata xthreg's example file: 565 firms x 1974-1987 (Wang 2015, p. 128)."""
    df = datasets.hansen1999.load()
    assert df.shape == (7910, 10)
    assert df.index.names == ["id", "year"]
    assert df.index.is_unique
    assert df.index.get_level_values("id").nunique() == 565
    assert df.index.get_level_values("year").min() == 1974
    assert df.index.get_level_values("year").max() == 1987
    # q2 = q1^2/100 to float32 precision, qd1 = q1 d1
    np.testing.assert_allclose(df["q2"], df["q1"] ** 2 / 100, rtol=1e-6)
    np.testing.assert_allclose(df["qd1"], df["q1"] * df["d1"], rtol=1e-6, atol=1e-9)


def test_hansen1999_invest_matches_xthreg_file():
    """Hansen's invest.dat and the xthreg file are the same panel: current-year i equal, lagged
    Q equal to 1e-7 relative for all but 46 of 7,910 values, which differ in the sixth or
    seventh digit (at most 4e-6 relative; the files' own rounding)."""
    inv = datasets.hansen1999.load("invest")
    assert inv.shape == (8475, 4)
    assert inv.index.names == ["firm", "year"]
    x = datasets.hansen1999.load()
    lagged_q = inv.groupby(level="firm")["vala"].shift(1).dropna()
    aligned = lagged_q.rename_axis(["id", "year"]).reindex(x.index)
    rel = np.abs(aligned.to_numpy() / x["q1"].to_numpy() - 1)
    assert (rel > 1e-7).sum() == 46 and rel.max() < 4e-6
    np.testing.assert_allclose(inv["inva"].drop(1973, level="year").to_numpy(),
                               x["i"].to_numpy(), rtol=0, atol=0)


def test_hansen2000_sample_is_derived_from_full_file():
    """Hansen's 96-country sample equals the derivation from dur_john.dat in his growth.R."""
    full = datasets.hansen2000.load("full")
    assert full.shape == (121, 10)
    keep = full[(full["nonoil"] == 1) & full[["gdp60", "gdp85", "school", "literacy60"]]
                .notna().all(axis=1)]
    s = datasets.hansen2000.load()
    assert s.shape == (96, 7)
    assert s.index.name == "country_no"
    assert s.index.tolist() == keep.index.tolist()
    np.testing.assert_allclose(s["GDPGwth"], np.log(keep["gdp85"]) - np.log(keep["gdp60"]),
                               rtol=1e-9)
    np.testing.assert_allclose(s["LogPopGwth"], np.log(keep["popgrowth"] / 100 + 0.05),
                               rtol=1e-9)


def test_mrw1992_matches_durlauf_johnson_columns():
    """The MRW appendix equals columns 1-10 of Durlauf-Johnson (as the source README says)."""
    mrw = datasets.mrw1992.load()
    assert mrw.shape == (121, 10)
    assert (mrw["n"].sum(), mrw["i"].sum(), mrw["o"].sum()) == (98, 75, 22)
    dj = datasets.hansen2000.load("full")
    pairs = {"n": "nonoil", "i": "intermediate", "o": "oecd", "rgdpw60": "gdp60",
             "rgdpw85": "gdp85", "gdpgrowth": "gdpgrowth", "popgrowth": "popgrowth",
             "i_y": "i_y", "school": "school"}
    for a, b in pairs.items():
        np.testing.assert_allclose(mrw[a].to_numpy(float), dj[b].to_numpy(float), rtol=1e-6,
                                   err_msg=a)


def test_nist_nonlinear_structure():
    names = datasets.nist_strd.names("nonlinear")
    assert len(names) == 27
    for name in names:
        p = datasets.nist_strd.load(name)
        assert p.kind == "nonlinear" and "b1" in p.model and p.model.endswith("+ e")
        assert list(p.starts.columns) == ["start1", "start2"]
        assert p.certified.index.equals(p.starts.index)
        assert p.dof == len(p.data) - len(p.certified)
        # NIST: residual SD = sqrt(RSS / dof)
        np.testing.assert_allclose(p.resid_sd, np.sqrt(p.rss / p.dof), rtol=1e-9)
        assert p.difficulty in ("Lower", "Average", "Higher")
    m = datasets.nist_strd.load("Misra1a")
    assert m.certified.loc["b2", "value"] == 5.5015643181e-04
    assert m.certified.loc["b2", "std_dev"] == 7.2668688436e-06


def test_nist_linear_structure():
    for name in datasets.nist_strd.names("linear"):
        p = datasets.nist_strd.load(name, kind="linear")
        assert p.starts is None and p.data.columns[0] == "y"
        assert p.dof == len(p.data) - len(p.certified)
    longley = datasets.nist_strd.load("Longley", kind="linear")
    assert longley.data.shape == (16, 7)
    assert longley.certified.loc["B6", "value"] == 1829.15146461355


def test_bea_supply_use_gdp_identity_2022():
    """BEA 2022 summary: GDP by production = sum of VAPRO = 26,006,889 (BEA Use table)."""
    from intelcap.accounts import read_supply_use
    from intelcap.accounts.gdp import check_identity

    t = datasets.bea_supply_use.load(2022)
    assert check_identity(t, tol=10).loc[2022, "production"] == 26_006_889.0
    # the folder and a single file hand the same tables to read_supply_use
    pd.testing.assert_frame_equal(read_supply_use(datasets.bea_supply_use.path(), year=2022), t)
    pd.testing.assert_frame_equal(read_supply_use(datasets.bea_supply_use.path(2022)), t)
    m = datasets.bea_supply_use.load_matrix(2022)
    assert m.index.name == "code" and m.loc["514", "T001"] == 347_914
    assert datasets.bea_supply_use.codes("commodity").loc["514"].iloc[0].startswith("Data")
    assert datasets.bea_supply_use.YEARS["summary"] == tuple(range(2017, 2024))


def test_bea_depreciation_rule():
    """BEA: geometric rate = declining-balance rate / service life (1.65/3, 1.65/5)."""
    lives = datasets.bea_depreciation.load("software_lives")
    np.testing.assert_allclose(lives["declining_balance_rate"] / lives["service_life_years"],
                               lives["rate_of_depreciation"], atol=5e-5)
    rates = datasets.bea_depreciation.load()
    assert len(rates) == 99 and rates.index.name == "Code"  # 96 asset types + RES, LAND, INV
    assert rates.loc[["ENS1", "ENS2", "ENS3"], "Economic Depreciation Rate"].tolist() == \
        [0.55, 0.33, 0.33]


def test_bea_fixed_assets_documented_totals():
    """Source README: 2013 software net stock 94,558 + 258,385 + 262,529; IPP 2,422,385."""
    fa = datasets.bea_fixed_assets.load()
    assert fa.index.names == ["industry_code", "asset_code", "year"]
    sums = fa.xs(2013, level="year").groupby(level="asset_code")["net_stock"].sum()
    assert sums[["ENS1", "ENS2", "ENS3", "IPP"]].tolist() == [94558, 258385, 262529, 2422385]
    wide = datasets.bea_fixed_assets.load(wide=True)
    assert wide.shape[0] * 67 == len(fa)


def test_ppi_pwt_china_published():
    ppi = datasets.ppi_data_hosting.load()
    assert isinstance(ppi.index, pd.DatetimeIndex) and ppi.index.is_monotonic_increasing
    assert ppi["ppi"].iloc[0] == 100.0 and ppi["ppi"].iloc[-1] == 123.659
    pwt = datasets.penn_world_table.load()
    assert pwt.index.names == ["isocode", "year"] and pwt.shape == (700, 21)
    assert pwt.loc[("USA", 2017), "delta"] == pytest.approx(0.044633, abs=5e-7)
    c = datasets.china_tokens.load()
    assert isinstance(c.index, pd.PeriodIndex) and len(c) == 4
    assert c.loc[pd.Period("2025-06", "M"), "daily_tokens"] == 3.0e13


def test_epoch_tables():
    hw = datasets.epoch_hardware.load()
    assert len(hw) == 591 and hw["Price date"].dtype.kind == "M"
    assert len(datasets.epoch_hardware.load("ml_hardware")) == 161
    m = datasets.epoch_models.load()
    gpt4 = m.loc[m["Model"] == "GPT-4"].iloc[0]
    assert gpt4["Training compute (FLOP)"] == 2.1e25
    assert gpt4["Training compute cost (2023 USD)"] == "$40586592.58"
    costs = datasets.epoch_models.load("training_costs")
    assert round(costs.loc["GPT-4", "Hardware_Acquisition_Cost"] / 1e6) == 778
    assert len(datasets.epoch_models.load("training_costs_updated")) == 61
    for table, n in (("decline_rates", 21), ("cheapest_models", 119),
                     ("prices_benchmarks", 38), ("prices_benchmarks_not_in_aa", 35),
                     ("api_prices_archived", 125)):
        assert len(datasets.epoch_llm_prices.load(table)) == n, table


def test_published_values():
    cap = datasets.published_values.load()
    assert cap.index.name == "case_id"
    assert cap.loc["bea2013_total_revision_gdp_level", "value"] == "3.6"
    fg = datasets.published_values.load("free_goods_valuations")
    assert fg.loc["beg2018_email", "value"] == "8414"


def test_munnell_from_linearmodels():
    mun = datasets.munnell.load()
    assert mun.shape == (816, 9) and mun.index.names == ["ST_ABB", "YR"]


# ------------------------------------------------------------------------------------------
# not redistributable: clear error without a copy, reads a supplied copy
# ------------------------------------------------------------------------------------------
_OBTAIN = {"openrouter_usage": "openrouter-inference-stats", "pstr": "yukai-yang/PSTR",
           "prodest": "GabrieleRovigatti/prodest", "simonw_llm_prices": "simonw/llm-prices"}


@pytest.mark.parametrize("name", datasets.NOT_BUNDLED)
def test_not_bundled_says_where_to_get_it(name, monkeypatch, tmp_path):
    monkeypatch.setenv("INTELCAP_REFERENCE_DIR", "")
    monkeypatch.chdir(tmp_path)
    mod = getattr(datasets, name)
    with pytest.raises(DatasetNotAvailable, match=_OBTAIN[name]) as err:
        mod.load()
    assert "INTELCAP_REFERENCE_DIR" in str(err.value) and "path=" in str(err.value)
    assert isinstance(err.value, DataError)
    with pytest.raises(DatasetNotAvailable, match="does not exist|no .* files"):
        mod.load(path=tmp_path / "missing")


def test_not_bundled_reads_user_copy(tmp_path):
    """A user-supplied copy (here a small file written by the test) is read with the
    documented index."""
    f = tmp_path / "prodest.csv"
    f.write_text("id,year,log_y,log_k,log_lab1,log_lab2,log_materials,log_investment\n"
                 "1,2000,1,2,3,4,5,6\n1,2001,1,2,3,4,5,6\n")
    df = datasets.prodest.load(f)
    assert df.index.names == ["id", "year"] and df.shape == (2, 6)
    (tmp_path / "acme.json").write_text(
        '{"vendor": "acme", "models": [{"id": "a1", "name": "A1", "price_history": ['
        '{"input": 1, "output": 4, "input_cached": null, "from_date": "2025-01-01", '
        '"to_date": null}]}]}')
    p = datasets.simonw_llm_prices.load(tmp_path)
    assert p.loc[0, "output"] == 4.0 and p["from_date"].dtype.kind == "M"


def test_reference_dir_can_be_hidden(monkeypatch, tmp_path):
    monkeypatch.setenv("INTELCAP_REFERENCE_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert datasets.reference_dir(required=False) is None
    with pytest.raises(DataError, match="INTELCAP_REFERENCE_DIR"):
        datasets.reference_dir()


# ------------------------------------------------------------------------------------------
# with the reference folder: the bundled bytes are the reference files, and the
# non-bundled loaders read it
# ------------------------------------------------------------------------------------------
_SOURCES = {
    "hansen1999/data/hansen1999.csv": "hansen1999/hansen1999.csv",
    "hansen1999/data/invest.dat": "hansen1999/invest.dat",
    "hansen2000/data/dur_john.dat": "hansen2000/dur_john.dat",
    "mrw1992/data/mrw.csv": "mrw1992/mrw.csv",
    "penn_world_table/data/pwt1001_subset_10countries.csv":
        "penn_world_table/pwt1001_subset_10countries.csv",
    "bea_supply_use/data/BEA_Detail_Use_SUT_2017_17sch.csv":
        "bea_use_tables/BEA_Detail_Use_SUT_2017_17sch.csv",
    "nist_strd/data/nonlinear/MGH09.dat": "nist_strd/nonlinear/MGH09.dat",
    "ppi_data_hosting/data/PCU518210518210.csv":
        "ppi_data_hosting/fred_PCU518210518210_ppi_data_processing_hosting.csv",
}


@pytest.mark.reference
@pytest.mark.parametrize("bundled", sorted(_SOURCES))
def test_bundled_equals_reference(reference_dir, bundled):
    src = reference_dir / _SOURCES[bundled]
    if not src.exists():
        pytest.skip(f"{_SOURCES[bundled]} not in the reference folder")
    assert gzip.decompress((ROOT / f"{bundled}.gz").read_bytes()) == src.read_bytes()


@pytest.mark.reference
@pytest.mark.parametrize("name,shape,index", [
    ("pstr", (7840, 18), ["cusip", "year"]),
    ("prodest", (2544, 6), ["id", "year"]),
])
def test_not_bundled_from_reference(reference_dir, name, shape, index):
    try:
        df = importlib.import_module(f"intelcap.datasets.{name}").load()
    except DatasetNotAvailable as exc:
        pytest.skip(str(exc))
    assert df.shape == shape and df.index.names == index


@pytest.mark.reference
def test_openrouter_and_simonw_from_reference(reference_dir):
    """openrouter 2026-03-23: the top 10 sum to 10.895T tokens (source README)."""
    try:
        weeks = datasets.openrouter_usage.load(table="weeks")
        models = datasets.openrouter_usage.load()
        prices = datasets.simonw_llm_prices.load()
    except DatasetNotAvailable as exc:
        pytest.skip(str(exc))
    day = pd.Timestamp("2026-03-23")
    assert weeks.loc[day, "total_tokens"] == 10_895_000_000_000
    assert models.loc[day]["total_tokens"].sum() == 10_895_000_000_000
    assert models.index.names == ["date", "rank"]
    assert {"deepseek", "openai", "anthropic"} <= set(prices["vendor"])
