"""The one input boundary of the array-argument estimators (issue 14, item 8).

``intelcap._validation.stack_aligned`` checks lengths and indexes, refuses infinities and
applies the missing-value policy, naming the user's column and row. OLS, ThresholdRegression,
LSTR/PSTR and PanelThreshold go through it; these tests check that the errors name the user's
names (not internal labels) in each of them. Seeded simulated data (seed 7); nothing estimated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intelcap._validation import as_frame, as_series, stack_aligned
from intelcap.exceptions import DataError, IntelcapTypeError, MissingDataError


@pytest.fixture
def cross() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    d = pd.DataFrame(rng.normal(size=(60, 3)), columns=["y", "x1", "q"],
                     index=pd.RangeIndex(100, 160))
    return d.assign(const=1.0)


@pytest.fixture
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    idx = pd.MultiIndex.from_product([range(10), range(6)], names=["firm", "year"])
    return pd.DataFrame(rng.normal(size=(60, 4)), columns=["y", "x", "q", "c1"], index=idx)


def test_stack_aligned_names_role_and_row() -> None:
    y = pd.DataFrame({"v": [1.0, 2.0, 3.0]})
    x = pd.DataFrame({"v": [1.0, np.nan, 3.0]})
    data, labels = stack_aligned({"dependent": y, "exog": x}, "drop")
    assert labels == {"dependent": ["v"], "exog": ["v (exog)"]}
    assert list(data.index) == [0, 2]
    with pytest.raises(MissingDataError, match=r"column 'v \(exog\)' has 1 missing value\(s\), "
                                               r"first at row 1"):
        stack_aligned({"dependent": y, "exog": x})
    with pytest.raises(MissingDataError, match="'v' has 1 infinite value"):
        stack_aligned({"dependent": y.assign(v=[1.0, np.inf, 3.0]), "exog": x})
    with pytest.raises(DataError, match="differ in length"):
        stack_aligned({"dependent": y, "exog": x.iloc[:2]})
    with pytest.raises(DataError, match="index of 'exog' differs from index of 'dependent'"):
        stack_aligned({"dependent": y, "exog": x.set_axis([5, 6, 7])})
    with pytest.raises(IntelcapTypeError, match="numeric"):
        stack_aligned({"dependent": y, "exog": pd.DataFrame({"s": ["a", "b", "c"]})})


def test_as_frame_and_as_series_one_rule_for_every_estimator() -> None:
    """The one conversion of model arguments (was four hand-written ``_as_frame``)."""
    arr = np.arange(6.0).reshape(3, 2)
    assert list(as_frame(arr, "exog", prefix="x").columns) == ["x1", "x2"]
    assert list(as_frame(arr[:, 0], "exog", prefix="x", numbered=True).columns) == ["x1"]
    assert list(as_frame(arr[:, 0], "threshold", prefix="q").columns) == ["q"]
    assert list(as_frame([1, 2, 3], "exog").columns) == ["exog"]
    s = pd.Series([1.0, 2.0], name="k")
    assert list(as_frame(s, "exog").columns) == ["k"]
    assert list(as_frame(pd.Series([1.0]), "exog", prefix="x").columns) == ["x"]
    assert list(as_frame(pd.DataFrame({0: [1.0], 1: [2.0]}), "exog").columns) == ["0", "1"]
    ints = as_frame(pd.DataFrame({"a": [1, 2]}), "exog", numeric=True)
    assert ints["a"].dtype == float
    with pytest.raises(IntelcapTypeError, match="exog must be numeric"):
        as_frame(pd.DataFrame({"a": ["u", "v"]}), "exog", numeric=True)
    with pytest.raises(IntelcapTypeError, match="exog must be numeric array-like"):
        as_frame(["u", "v"], "exog")
    with pytest.raises(DataError, match="exog must be one- or two-dimensional, got 3"):
        as_frame(np.zeros((2, 2, 2)), "exog")
    with pytest.raises(IntelcapTypeError, match="regime_exog must be a pandas Series or "
                                                "DataFrame, got ndarray"):
        as_frame(arr, "regime_exog", arrays=False)
    assert as_series(s, "dependent") is s
    assert as_series(arr[:, :1], "dependent").name == "dependent"
    assert as_series(pd.DataFrame({"y": [1.0]}), "dependent").name == "y"
    with pytest.raises(DataError, match="transition must be one variable, got 2 columns"):
        as_series(arr, "transition")
    with pytest.raises(IntelcapTypeError, match="dependent must be a pandas Series"):
        as_series([1.0], "dependent", arrays=False)


def test_ols_boundary(cross) -> None:
    from intelcap.estimation.linear import OLS

    with pytest.raises(DataError, match="index of 'exog' differs"):
        OLS(cross["y"], cross[["const", "x1"]].reset_index(drop=True))
    bad = cross.assign(x1=cross["x1"].where(cross.index != 105))
    with pytest.raises(MissingDataError, match="'x1' has 1 missing value.*row 105"):
        OLS(bad["y"], bad[["const", "x1"]])
    # an array dependent takes exog's index (pandas in, pandas out)
    res = OLS(cross["y"].to_numpy(), cross[["const", "x1"]]).fit()
    assert res.resids.index.equals(cross.index)


def test_threshold_and_lstr_boundary(cross) -> None:
    from intelcap.estimation.smooth_transition import SmoothTransition
    from intelcap.estimation.threshold import ThresholdRegression

    bad = cross.assign(x1=cross["x1"].where(cross.index != 110))
    with pytest.raises(MissingDataError, match="'x1' has 1 missing value.*row 110"):
        ThresholdRegression(bad["y"], bad[["x1"]], bad["q"])
    with pytest.raises(MissingDataError, match="'x1' has 1 missing value.*row 110"):
        SmoothTransition(bad["y"], bad[["const", "x1"]], bad["q"])
    with pytest.raises(DataError, match="index of 'transition' differs"):
        SmoothTransition(cross["y"], cross[["const", "x1"]], cross["q"].reset_index(drop=True))


def test_panel_boundary_names_user_columns(panel) -> None:
    from intelcap.estimation.panel_threshold import PanelThreshold
    from intelcap.estimation.smooth_transition import PanelSmoothTransition

    bad = panel.assign(c1=panel["c1"].where(panel.index != (3, 2)))
    with pytest.raises(MissingDataError, match=r"column 'c1' has 1 missing value.*\(3, 2\)"):
        PanelThreshold(bad["y"], bad[["x"]], bad["q"], regime_exog=bad["c1"])
    with pytest.raises(MissingDataError, match="infinite value"):
        PanelThreshold(panel["y"], panel[["x"]], panel["q"].replace(panel["q"].iloc[4], np.inf),
                       regime_exog=panel["c1"])
    with pytest.raises(MissingDataError, match=r"column 'x' has 1 missing value.*\(3, 2\)"):
        PanelSmoothTransition(panel["y"], bad[["c1"]].rename(columns={"c1": "x"}), panel["q"])


def test_iv_threshold_boundary(cross) -> None:
    from intelcap.estimation.threshold import IVThresholdRegression

    d = cross.assign(z=cross["x1"] + 0.5 * cross["q"], w=cross["q"] ** 2)
    bad = d.assign(w=d["w"].where(d.index != 120))
    with pytest.raises(MissingDataError, match="'w' has 1 missing value.*row 120"):
        IVThresholdRegression(bad["y"], None, bad["x1"], bad[["w"]], bad["q"])
    with pytest.raises(DataError, match="index of 'instruments' differs"):
        IVThresholdRegression(d["y"], None, d["x1"], d[["w"]].reset_index(drop=True), d["q"])
