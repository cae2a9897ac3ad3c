"""What a new user sees in Jupyter: summaries, comparisons, LaTeX, progress bars, messages,
docstrings and reprs (issue 10, item 7). One regression test per item of the issue."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import intelcap
from intelcap._summary import Summary, _fmt
from intelcap.estimation import (
    OLS,
    PanelThreshold,
    ThresholdRegression,
    compare,
    nls,
)
from intelcap.exceptions import (
    IntelcapWarning,
    ParameterError,
    SpecificationError,
    plain_message,
)

ROOT = Path(__file__).resolve().parents[1]


def _threshold_data(rng: np.random.Generator, n: int = 120) -> pd.DataFrame:
    q = rng.uniform(0, 1, n)
    x = rng.normal(size=n)
    y = 1 + x + 1.5 * (1 + x) * (q > 0.5) + rng.normal(0, 0.5, n)
    return pd.DataFrame({"y": y, "x": x, "q": q})


def _panel(rng: np.random.Generator, n_ent: int = 40, n_t: int = 6) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([range(n_ent), range(n_t)], names=["firm", "year"])
    n = n_ent * n_t
    q = rng.uniform(0, 1, n)
    x = rng.normal(size=n)
    mu = np.repeat(rng.normal(size=n_ent), n_t)
    y = mu + 0.5 * x + 1.0 * x * (q > 0.4) + rng.normal(0, 0.3, n)
    return pd.DataFrame({"y": y, "x": x, "q": q}, index=idx)


# -- counts print as integers ----------------------------------------------------------------
def test_bootstrap_replications_print_as_an_integer(rng):
    d = _panel(rng)
    res = PanelThreshold(d["y"], d[["q"]], d["q"], regime_exog=d["x"]).fit(
        1, trim=0.1, bootstrap=9, seed=1, progress=False)
    text = res.summary.as_text()
    tests_block = text.split("Threshold effect tests")[1].split("Parameter estimates")[0]
    header, row = tests_block.splitlines()[1:3]
    assert header.split()[-1] == "Reps"
    assert row.split()[-1] == "9"  # not 9.0000
    assert "9.0000" not in tests_block


def test_integral_degrees_of_freedom_print_as_integers():
    res = intelcap.estimation.Results(pd.Series([1.0], index=["a"]), np.eye(1), nobs=10,
                                      df_resid=9.0)
    text = res.summary.as_text()
    assert re.search(r"Df residuals:\s+9(\s|$)", text, re.MULTILINE), text
    assert "9.0000" not in text


def test_nullable_count_column_prints_blank_for_missing():
    table = pd.DataFrame({"Reps": pd.array([300, None], dtype="Int64")}, index=["a", "b"])
    text = Summary("t", tables=[("", table)]).as_text()
    assert "300" in text and "300.0000" not in text and "<NA>" not in text


# -- small numbers keep significant digits ----------------------------------------------------
def test_small_parameter_keeps_significant_digits(rng):
    df = pd.DataFrame({"x": rng.uniform(1, 2, 200)})
    df["y"] = 6.1e-4 * df["x"] ** 0.5 + rng.normal(0, 1e-6, 200)
    res = nls("y ~ a*x**b", df, {"a": 1e-3, "b": 1.0})
    row = next(s for s in res.summary.as_text().splitlines() if s.startswith("a "))
    estimate = row.split()[1]
    assert estimate.endswith("e-04"), row
    assert float(estimate) == pytest.approx(res.params["a"], rel=1e-4)  # 5 significant digits
    assert "0.0006" not in row
    assert _fmt(6.1e-4) == "6.1000e-04"
    assert _fmt(0.0061) == "0.0061"  # two significant digits in fixed notation are kept
    assert _fmt(-2.5e-5) == "-2.5000e-05"
    assert _fmt(0.0) == "0.0000" and _fmt(12.5) == "12.5000"


# -- compare(): legend and one label per parameter --------------------------------------------
@pytest.fixture
def two_fits(rng):
    n = 200
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = 1 + 0.5 * df["x1"] + 0.01 * df["x2"] + rng.normal(size=n)
    return OLS.from_formula("y ~ x1", df).fit(), OLS.from_formula("y ~ x1 + x2", df).fit()


def test_compare_has_a_star_legend_and_one_label_per_parameter(two_fits):
    a, b = two_fits
    table = compare({"small": a, "large": b})
    text = table.as_text()
    assert "* p<0.10, ** p<0.05, *** p<0.01" in text
    body = table.tables[0][1]
    labels = [str(v) for v in body.index if str(v).strip()]
    assert labels == ["Intercept", "x1", "x2", "No. observations", "SSR"]
    # the row below each parameter holds its standard error and has no label
    pos = list(body.index).index("x1")
    assert body.index[pos + 1] == "" and body.iloc[pos + 1, 0].startswith("(")
    assert body.loc["x1", "small"].endswith("***")
    assert body.loc["No. observations", "small"] == "200"
    assert "p<0.10" not in compare([a, b], stars=False).as_text()
    with pytest.raises(SpecificationError, match="precision"):
        compare([a], precision="bogus")


# -- as_latex(): escaped, with or without booktabs ----------------------------------------------
def test_as_latex_escapes_names_and_works_without_booktabs():
    params = pd.Series([1.0, 2.0], index=["ln_K^2", "share_%&#"])
    res = intelcap.estimation.Results(params, np.eye(2) * 0.01, nobs=20, df_resid=18,
                                      dependent="ln_Y", model_name="Model_A")
    latex = res.summary.as_latex()
    assert r"ln\_K\textasciicircum{}2" in latex and r"share\_\%\&\#" in latex
    assert r"Model\_A" in latex and r"ln\_Y" in latex
    body = "\n".join(s for s in latex.splitlines() if not s.startswith("%"))
    for raw in ("ln_K", "share_%"):
        assert raw not in body
    assert latex.splitlines()[0] == r"% requires \usepackage{booktabs} in the preamble"
    assert r"\toprule" in latex and r"\midrule" in latex
    plain = res.summary.as_latex(booktabs=False)
    for rule in (r"\toprule", r"\midrule", r"\bottomrule", "booktabs"):
        assert rule not in plain
    assert r"\hline" in plain and plain.count(r"\begin{tabular}") == plain.count(r"\end{tabular}")


# -- no tqdm "IProgress not found" warning with progress=False ----------------------------------
_KERNEL_WITHOUT_WIDGETS = """
import sys, types, warnings
# what a Jupyter kernel without ipywidgets looks like to tqdm.auto
ipython = types.ModuleType("IPython")
ipython.get_ipython = lambda: type("ZMQInteractiveShell", (), {})()
sys.modules["IPython"] = ipython
sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")
sys.modules["ipywidgets"] = None  # not installed
warnings.simplefilter("error")
import numpy as np, pandas as pd
from intelcap.accounts import pim
from intelcap.estimation import ThresholdRegression
rng = np.random.default_rng(0)
q = rng.uniform(size=80); x = rng.normal(size=80); y = x * (q > 0.5) + rng.normal(size=80)
ThresholdRegression(y, x, q).fit(bootstrap=5, seed=1, progress=False)
pim(pd.DataFrame({"a": [1.0] * 5, "b": [2.0] * 5}), rate=0.2, progress=False)
assert "tqdm.autonotebook" not in sys.modules
# the check can fail: in this kernel, tqdm.auto itself warns
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import tqdm.auto  # noqa: F401
assert any("IProgress" in str(w.message) for w in caught), caught
print("ok")
"""


def test_no_iprogress_warning_when_progress_is_false():
    out = subprocess.run([sys.executable, "-c", _KERNEL_WITHOUT_WIDGETS], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok"
    assert "IProgress" not in out.stderr


# -- messages show numbers, not numpy scalar reprs ------------------------------------------
def test_error_messages_show_plain_numbers(rng):
    d = _threshold_data(rng)
    with pytest.raises(SpecificationError) as info:
        ThresholdRegression(d["y"], d[["x"]], pd.Series(6, index=d.index, name="q"))
    assert "np." not in str(info.value) and "6.0" in str(info.value)
    assert plain_message(f"{[np.int64(6), np.float64(0.5), np.str_('S11'), np.True_]}") == \
        "[6, 0.5, 'S11', True]"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(f"row {np.int64(6)!r}", IntelcapWarning, stacklevel=1)
    assert str(caught[0].message) == "row 6"


# -- a missing NLS start value is reported as missing -------------------------------------------
def test_missing_nls_start_value_reported_as_missing(rng):
    df = pd.DataFrame({"x": rng.uniform(1, 2, 30)})
    df["y"] = 2 * df["x"] ** 0.5
    with pytest.raises(ParameterError, match="start value of 'b' is missing") as info:
        nls("y ~ a*x**b", df, {"a": 1.0})
    assert "unknown name" not in str(info.value)


# -- every public function and method has a docstring -----------------------------------------
def _public_modules():
    for info in pkgutil.walk_packages(intelcap.__path__, "intelcap."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            yield importlib.import_module(info.name)


def _undocumented() -> list[str]:
    missing = []
    for mod in _public_modules():
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for name in names:
            obj = getattr(mod, name, None)
            if getattr(obj, "__module__", None) != mod.__name__:
                continue  # documented where it is defined
            if inspect.isfunction(obj) and not inspect.getdoc(obj):
                missing.append(f"{mod.__name__}.{name}")
            if not inspect.isclass(obj):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{mod.__name__}.{name}")
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                elif isinstance(member, property):
                    member = member.fget
                elif isinstance(member, functools.cached_property):
                    member = member.func
                elif not inspect.isfunction(member):
                    continue
                # an override without its own docstring shows the inherited one (inspect.getdoc)
                if not inspect.getdoc(getattr(obj, attr)) and not (member.__doc__ or "").strip():
                    missing.append(f"{mod.__name__}.{name}.{attr}")
    return missing


def test_every_public_function_and_method_has_a_docstring():
    assert _undocumented() == []


# -- result objects have a short, readable repr -----------------------------------------------
def _assert_short_repr(obj: object, name: str) -> None:
    text = repr(obj)
    assert "\n" not in text and " at 0x" not in text, text
    assert len(text) < 200, text
    assert name in text, text


def test_result_objects_have_a_readable_repr(rng, tiny):
    from intelcap.accounts import CapitalizationPolicy, capitalize, pim
    from intelcap.production import CobbDouglas, solow_steady_state

    d = _threshold_data(rng)
    thr = ThresholdRegression(d["y"], d[["x"]], d["q"]).fit(bootstrap=0, progress=False)
    _assert_short_repr(thr, "ThresholdRegressionResults")
    assert "120 observations" in repr(thr) and "'y'" in repr(thr)
    ols = OLS.from_formula("y ~ x", d).fit()
    _assert_short_repr(ols, "OLSResults")
    _assert_short_repr(thr.test, "ThresholdTest")
    res = pim(pd.Series([100.0] * 8, index=pd.RangeIndex(2000, 2008, name="year")), rate=0.33)
    _assert_short_repr(res, "PIMResult")
    _assert_short_repr(res.capital_services(rate=0.04), "CapitalServices")
    adj = capitalize(tiny, policy=CapitalizationPolicy(products=["A"], share=0.5, rate=0.33))
    _assert_short_repr(adj, "Adjustment")
    f = CobbDouglas(("K", "L", "Z"), A=1.0, elasticities={"K": 0.3, "Z": 0.2, "L": 0.5})
    ss = solow_steady_state(f, 0.2, 0.1, delta_K=0.05, delta_Z=0.1, n=0.01, g=0.02)
    _assert_short_repr(ss, "SteadyState")
    # the full summary is what print() and Jupyter show
    assert "Parameter Estimates" in str(thr) and "<table" in thr._repr_html_()



def _summary_classes() -> list[type]:
    from intelcap._summary import SummaryMixin

    for _ in _public_modules():
        pass  # import every public module so that every results class is defined
    found, todo = [], [SummaryMixin]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_no_summary_object_reprs_as_its_summary_or_dataclass_fields():
    """Every class with a summary gets its repr from SummaryMixin/Results or defines a short one:
    never a dataclass-generated repr (which prints whole DataFrames) nor ``__str__``."""
    bad = []
    for cls in _summary_classes():
        owner = next(k for k in cls.__mro__ if "__repr__" in vars(k))
        fn = vars(owner)["__repr__"]
        code = getattr(fn, "__code__", None)
        inner = getattr(fn, "__wrapped__", fn)
        generated = getattr(getattr(inner, "__code__", None), "co_filename", "") == "<string>"
        returns_str = code is not None and code.co_names in (("__str__",), ("summary", "as_text"))
        if owner is object or generated or returns_str:
            bad.append(f"{cls.__module__}.{cls.__name__}")
    assert bad == []


def test_growth_and_welfare_results_have_a_readable_repr():
    from intelcap import welfare
    from intelcap.growth import growth_accounting

    data = pd.DataFrame(
        {"Y": [100.0, 110.0, 121.0], "L": [100.0, 102.0, 104.04], "K": [100.0, 105.0, 110.25],
         "Z": [10.0, 20.0, 40.0], "wL": [60.0, 58.0, 56.0], "rK": [30.0, 30.0, 30.0],
         "rZ": [10.0, 12.0, 14.0]}, index=pd.Index([2020, 2021, 2022], name="period"))
    acc = growth_accounting(data, incomes={"labour": "wL", "capital": "rK", "ic": "rZ"})
    _assert_short_repr(acc, "GrowthAccounting")
    offers = np.repeat([10.0, 20.0, 40.0], 4)
    tb = welfare.wta_turnbull(offers, np.array([1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0]))
    _assert_short_repr(tb, "TurnbullWTA")
