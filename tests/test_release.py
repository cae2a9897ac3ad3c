"""``intelcap release`` and intelcap.tokens.release.

What is checked, and against what:
- the bundled illustrative panel is anchored on the official Chinese totals (National Data
  Administration: 1e11 tokens a day in January 2024, 3e13 in June 2025, 1e14 in December 2025,
  1.4e14 in March 2026; the china_tokens dataset): the release's tokens per day times the
  Chinese share reproduce them to 1e-9 relative;
- STL seasonal adjustment recovers known seasonal factors of a simulated series (seed stated);
- the command's rules, as for ``intelcap adjust``: a manifest with SHA-256 of input and outputs,
  never overwriting without --overwrite, nothing written on failure, byte-identical reruns;
- the HTML page renders in a headless browser without errors and its numbers equal the CSV's
  (skipped where no chromium is installed; .ci/browser installs it).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intelcap.cli import main
from intelcap.datasets import bundled_data_dir
from intelcap.exceptions import IntelcapError
from intelcap.tokens.release import build_release, read_release_input, write_release

# the bundled illustrative panel, as installed (a user's copy of the tests has no data/ beside it)
PANEL = bundled_data_dir() / "tokens" / "panel.csv"


@pytest.fixture(scope="module")
def example_release():
    return build_release(read_release_input(PANEL), illustrative=True, validated=True)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("release")
    assert main(["release", "--out", str(base / "a"), "--quiet"]) == 0
    return base / "a"


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self._table: str | None = None
        self._row: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = {}
        elif tag == "td" and self._row is not None:
            self._row[a["data-col"]] = a["data-value"]

    def handle_endtag(self, tag):
        if tag == "tr" and self._row:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None


def _csv_strings(path: Path) -> list[dict[str, str]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df.to_dict("records")


def test_example_is_anchored_on_official_chinese_totals(example_release):
    from intelcap import datasets

    official = datasets.china_tokens.load()["daily_tokens"]
    assert len(official) == 4
    t = example_release.table.set_index("month")
    sh = example_release.shares.set_index("month")["share_CN_pct"] / 100
    for period, value in official.items():
        month = str(period)
        assert t.loc[month, "tokens_per_day"] * sh[month] == pytest.approx(value, rel=1e-9)
    assert example_release.notes[0].startswith("ILLUSTRATIVE DATA")
    assert example_release.seasonally_adjusted


def test_growth_columns_are_the_growth_of_tokens_per_day(example_release):
    t = example_release.table
    d = t["tokens_per_day"].to_numpy()
    np.testing.assert_allclose(t["mom_pct"].to_numpy()[1:], 100 * (d[1:] / d[:-1] - 1),
                               rtol=1e-12)
    np.testing.assert_allclose(t["yoy_pct"].to_numpy()[12:], 100 * (d[12:] / d[:-12] - 1),
                               rtol=1e-12)
    assert t["tokens"].sum() == pytest.approx(pd.read_csv(PANEL)["tokens"].sum(), rel=1e-12)


def test_stl_recovers_known_seasonal_factors():
    rng = np.random.default_rng(20261130)
    months = pd.period_range("2021-01", "2024-12", freq="M")
    factors = np.array([0.9, 0.8, 1.0, 1.05, 1.05, 1.0, 0.95, 0.9, 1.05, 1.1, 1.1, 1.15])
    factors = factors / np.exp(np.log(factors).mean())
    per_day = 1e12 * 1.05 ** np.arange(48) * factors[months.month - 1] * np.exp(
        rng.normal(0, 0.005, 48))
    panel = pd.DataFrame({"period": months.to_timestamp(), "model": "m",
                          "tokens": per_day * months.days_in_month})
    rel = build_release(panel)
    diag = rel.diagnostics.set_index("diagnostic")["value"]
    est = np.array([float(diag[f"seasonal_factor_{m:02d}"]) for m in range(1, 13)])
    np.testing.assert_allclose(est, factors, rtol=0.02)
    assert float(diag["stable_seasonality_p"]) < 0.001


def test_no_seasonality_and_short_span_fallbacks():
    months = pd.period_range("2021-01", "2024-12", freq="M")
    rng = np.random.default_rng(3)
    per_day = 1e12 * 1.05 ** np.arange(48) * np.exp(rng.normal(0, 0.01, 48))
    panel = pd.DataFrame({"period": months.to_timestamp(), "model": "m",
                          "tokens": per_day * months.days_in_month})
    rel = build_release(panel)
    assert any("No identifiable stable seasonality" in n for n in rel.notes)
    np.testing.assert_array_equal(rel.table["tokens_per_day_sa"], rel.table["tokens_per_day"])
    short = build_release(panel.iloc[:20])
    assert any("span is 20 months, below the 36" in n for n in short.notes)
    assert short.table["tokens_per_day_sa"].isna().all()
    assert not short.seasonally_adjusted


def test_daily_panel_partial_month_and_growth():
    days = pd.date_range("2025-01-01", "2025-03-15", freq="D")
    panel = pd.DataFrame({"period": np.repeat(days, 2), "model": np.tile(["a", "b"], len(days)),
                          "provider": np.tile(["x", "y"], len(days)), "tokens": 10.0})
    rel = build_release(panel)
    t = rel.table.set_index("month")
    assert t.loc["2025-03", "days_covered"] == 15
    assert t["tokens_per_day"].tolist() == [20.0, 20.0, 20.0]
    assert t.loc["2025-02", "mom_pct"] == 0.0
    assert t.loc["2025-01", "hhi_provider"] == pytest.approx(5000.0)
    assert any("Partly covered months (2025-03)" in n for n in rel.notes)


def test_cli_outputs_manifest_and_never_overwrites(cli_run, tmp_path, capsys):
    man = json.loads((cli_run / "manifest.json").read_text())
    assert man["command"] == "intelcap release" and man["config"]["illustrative"] is True
    assert man["inputs"][0]["sha256"] == hashlib.sha256(PANEL.read_bytes()).hexdigest()
    for entry in man["outputs"]:
        assert hashlib.sha256((cli_run / entry["file"]).read_bytes()).hexdigest() == \
            entry["sha256"]
    assert {e["file"] for e in man["outputs"]} | {"manifest.json"} == {
        p.name for p in cli_run.iterdir()}
    assert main(["release", "--out", str(cli_run), "--quiet"]) == 2
    assert "exists" in capsys.readouterr().err
    for svg in cli_run.glob("*.svg"):
        text = svg.read_text()
        assert "<dc:date>" not in text
    assert b"tIME" not in (cli_run / "volume.png").read_bytes()


def test_cli_rerun_is_byte_identical(cli_run, tmp_path):
    assert main(["release", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    a = {p.name: p.read_bytes() for p in cli_run.iterdir()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name


def test_html_numbers_equal_the_csv(cli_run):
    parser = _Cells()
    parser.feed((cli_run / "release.html").read_text(encoding="utf-8"))
    for table_id, csv in (("release-table", "release.csv"), ("shares-table", "shares.csv"),
                          ("spending-table", "spending.csv"),
                          ("diagnostics-table", "diagnostics.csv")):
        assert parser.tables[table_id] == _csv_strings(cli_run / csv), table_id


@pytest.mark.parametrize(("edit", "match"), [
    (lambda df: df.assign(tokens=df["tokens"].where(df.index != 5, -1)), "negative .* row 5"),
    (lambda df: df.assign(tokens=df["tokens"].astype(float).where(df.index != 7)),
     "tokens missing at row 7"),
    (lambda df: pd.concat([df, df.iloc[[3]]], ignore_index=True), "duplicated"),
    (lambda df: df.assign(currency=df["currency"].where(df.index != 2, "ZZZ")),
     "unknown currency 'ZZZ' at row 2"),
    (lambda df: df.assign(price_unit=df["price_unit"].where(df.index != 4, "per_token")),
     "mixed units: 'per_token' at row 4"),
])
def test_bad_input_is_refused_and_nothing_written(tmp_path, capsys, edit, match):
    bad = tmp_path / "bad.csv"
    edit(pd.read_csv(PANEL)).to_csv(bad, index=False)
    out = tmp_path / "out"
    assert main(["release", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err), err
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == ["bad.csv"]


def test_empty_panel_refused():
    with pytest.raises(IntelcapError, match="empty"):
        build_release(pd.DataFrame({"period": pd.to_datetime([]), "model": [], "tokens": []}))


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_html_renders_in_headless_browser(cli_run):
    browser = _chromium()
    if browser is None:
        pytest.skip("no headless browser (chromium) installed; .ci/browser installs it")
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
         "--dump-dom", (cli_run / "release.html").as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None, dom[:500]
    assert 'data-rendered="ok"' in body.group(0), body.group(0)
    assert 'data-images-failed="0"' in body.group(0)
    assert "data-js-error" not in body.group(0), body.group(0)
    parser = _Cells()
    parser.feed(dom)
    assert parser.tables["release-table"] == _csv_strings(cli_run / "release.csv")
    assert parser.tables["shares-table"] == _csv_strings(cli_run / "shares.csv")


def test_write_release_into_folder(tmp_path, example_release):
    files = write_release(example_release, tmp_path)
    assert "release.html" in files and "volume.svg" in files and "prices.png" in files


def test_without_statsmodels_the_release_says_so(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "statsmodels.tsa.seasonal", None)  # import fails
    months = pd.period_range("2021-01", "2023-12", freq="M")
    panel = pd.DataFrame({"period": months.to_timestamp(), "model": "m",
                          "tokens": 1e9 * 1.03 ** np.arange(36)})
    rel = build_release(panel)
    assert any("statsmodels is not installed" in n for n in rel.notes)
    assert rel.table["tokens_per_day_sa"].isna().all()


def test_public_names_of_intelcap_tokens():
    import intelcap.tokens as tk

    for name in tk.__all__:
        assert getattr(tk, name) is not None, name
    assert tk.hhi([1, 1]) == pytest.approx(5000.0)
    assert tk.check_claim(1, 2, 1, stated=1.0).consistent
