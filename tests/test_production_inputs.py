"""Safety of user expressions and bad input at the boundary (issue 2 acceptance)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from intelcap.exceptions import (
    DataError,
    ExpressionError,
    IntelcapError,
    MissingDataError,
    ParameterError,
    SpecificationError,
)
from intelcap.production import (
    CES,
    CobbDouglas,
    Emergence,
    Logistic,
    MultiRegime,
    NestedCES,
    Step,
    Translog,
    from_expression,
    make_transition,
    threshold_elasticity,
)


# ------------------------------------------------------------------ unsafe expressions
@pytest.mark.parametrize(
    "text",
    [
        "__import__('pathlib').Path({marker!r}).touch()",
        "A * K**a + __import__('os').system('touch {marker}')",
        "K.__class__.__bases__[0].__subclasses__()",
        "A * K.real",
        "(lambda: open({marker!r}, 'w'))()",
        "A * K**a * X",  # undeclared name
        "eval('1')",
        "exec('x = 1')",
        "open({marker!r}, 'w')",
        "[K for K in (1, 2)]",
        "K[0]",
        "'text'",
        "A if K else L",
        "getattr(K, 'x')",
        "A * K ** a; import os",
    ],
)
def test_unsafe_expressions_are_refused_and_nothing_runs(text, tmp_path):
    marker = tmp_path / "executed"
    expr = text.format(marker=str(marker))
    with pytest.raises(IntelcapError) as info:
        from_expression(expr, ["K", "L"], {"A": 1.0, "a": 0.3})
    assert isinstance(info.value, ExpressionError)
    assert not marker.exists()


def test_undeclared_name_is_named_in_the_message():
    with pytest.raises(ExpressionError, match="'B'"):
        from_expression("A * K**a * B", ["K"], ["A", "a"])


def test_declared_but_unused_parameter_is_refused():
    with pytest.raises(SpecificationError, match="'c'"):
        from_expression("A * K**a", ["K"], ["A", "a", "c"])


# ------------------------------------------------------------------ bad data
F = threshold_elasticity(CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6}),
                         Step(tau=2.0), theta_1=0.1, theta_2=0.2)


def _df():
    return pd.DataFrame({"K": [1.0, 2.0, 3.0], "L": [1.0, 1.0, 2.0], "Z": [0.5, 2.5, 4.0]},
                        index=pd.Index([10, 20, 30], name="id"))


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_input_is_named(bad):
    df = _df()
    df.loc[20, "L"] = bad
    with pytest.raises(DataError, match=r"column 'L' must be positive.*row 20"):
        F.output(df)
    with pytest.raises(DataError, match="'Z'"):
        F.elasticities({"K": np.ones(2), "L": np.ones(2), "Z": np.array([1.0, -2.0])})


def test_nan_is_named():
    df = _df()
    df.loc[30, "K"] = np.nan
    with pytest.raises(MissingDataError, match=r"column 'K' has 1 NaN.*row 30"):
        F.marginal_product("Z", df)
    with pytest.raises(MissingDataError, match="'Z'"):
        F.output({"K": 1.0, "L": 1.0, "Z": np.array([1.0, np.inf])})


def test_missing_and_extra_columns():
    with pytest.raises(DataError, match=r"missing column\(s\) \['Z'\]"):
        F.output(_df().drop(columns="Z"))
    with pytest.raises(DataError, match=r"unexpected column\(s\) \['Y'\]"):
        F.output(_df().assign(Y=1.0))
    with pytest.raises(DataError, match="'W'"):
        F.output({"K": 1.0, "L": 1.0, "Z": 1.0, "W": 2.0})
    with pytest.raises(DataError, match="'L'"):
        F.output({"K": 1.0, "Z": 1.0})


def test_misaligned_indexes_are_refused():
    df = _df()
    with pytest.raises(DataError, match="index of"):
        F.output({"K": df["K"], "L": df["L"].sort_index(ascending=False), "Z": df["Z"]})
    with pytest.raises(DataError, match="shapes"):
        F.output({"K": np.ones(3), "L": np.ones(4), "Z": 1.0})
    with pytest.raises(DataError, match="not numeric"):
        F.output({"K": ["a", "b"], "L": 1.0, "Z": 1.0})


def test_wrong_data_type():
    with pytest.raises(TypeError):
        F.output(np.ones((3, 3)))
    with pytest.raises(TypeError):
        F.output(_df()["K"])


# ------------------------------------------------------------------ bad parameters
@pytest.mark.parametrize("rho", [1.0, 1.5, math.inf])
def test_ces_rho_at_least_one_is_refused(rho):
    with pytest.raises(ParameterError, match="rho"):
        CES(("K", "L"), A=1.0, weights={"K": 0.3}, rho=rho)
    f = CES(("K", "L"), A=1.0, weights={"K": 0.3})
    with pytest.raises(ParameterError, match="rho"):
        f.output({"K": 1.0, "L": 2.0}, rho=rho)
    with pytest.raises(ParameterError, match="rho"):
        f.with_values(rho=rho)
    with pytest.raises(ParameterError, match="rho_KZ"):
        NestedCES({"KZ": ("K", "Z"), "L": ("L",)}, nest_rho={"KZ": rho})
    with pytest.raises(ParameterError, match="rho_s"):
        Emergence(aggregate="ces", rho=rho)


def test_missing_nan_and_unknown_parameters_are_named():
    f = CobbDouglas(("K", "L"), A=1.0)
    with pytest.raises(ParameterError, match=r"\['alpha_K', 'alpha_L'\] have no value"):
        f.output({"K": 1.0, "L": 1.0})
    with pytest.raises(ParameterError, match="'beta' is not a parameter"):
        f.with_values(beta=0.3)
    with pytest.raises(ParameterError, match="'alpha_K' is NaN"):
        f.output({"K": 1.0, "L": 1.0}, alpha_K=np.nan, alpha_L=0.5)
    with pytest.raises(ParameterError, match="alpha_L"):
        f.output({"K": 1.0, "L": 1.0}, alpha_K=0.3, alpha_L=math.inf)


def test_transition_parameters_are_checked():
    with pytest.raises(ParameterError, match="tau"):
        Step(tau=-1.0)
    with pytest.raises(ParameterError, match="gamma"):
        Logistic(tau=1.0, gamma=0.0)
    with pytest.raises(ParameterError, match="increasing"):
        MultiRegime([2.0, 1.0])
    f = threshold_elasticity(CobbDouglas(("K", "L"), A=1.0, elasticities={"K": 0.3, "L": 0.6}),
                             MultiRegime(2), theta_1=0.1, theta_2=0.2)
    with pytest.raises(ParameterError, match="tau_1=3.0 >= tau_2=2.0"):
        f.output({"K": 1.0, "L": 1.0, "Z": 1.0}, tau_1=3.0, tau_2=2.0)
    g = threshold_elasticity(transition="logistic")
    with pytest.raises(ParameterError, match="gamma"):
        g.with_values(gamma=-2.0)
    with pytest.raises(SpecificationError, match="'step', 'logistic', 'multi', 'emergence'"):
        make_transition("sigmoid")


def test_specification_errors():
    with pytest.raises(SpecificationError, match="already has input 'Z'"):
        threshold_elasticity(CobbDouglas(("K", "L", "Z")))
    with pytest.raises(ParameterError, match="sum to 1"):
        CES(("K", "L"), weights={"K": 0.3, "L": 0.6})
    with pytest.raises(ParameterError, match="sum to"):
        CobbDouglas(("K", "L"), elasticities={"K": 0.3, "L": 0.6}, constant_returns=True)
    with pytest.raises(SpecificationError, match="duplicates"):
        CobbDouglas(("K", "K"))
    with pytest.raises(SpecificationError, match="'X'"):
        CobbDouglas(("K", "L")).marginal_product("X", {"K": 1.0, "L": 1.0})
    with pytest.raises(SpecificationError, match="pair of inputs"):
        Translog(("K", "L"), b={("K", "Z"): 0.1})
    with pytest.raises(SpecificationError, match="threshold"):
        threshold_elasticity(transition=Emergence(), threshold="q")


def test_non_finite_results_are_not_returned_silently():
    f = from_expression("A * log(K - 2)", ["K"], {"A": 1.0})
    df = pd.DataFrame({"K": [3.0, 1.5]}, index=["a", "b"])
    with pytest.raises(DataError, match=r"output is not finite .* first at row 'b'"):
        f.output(df)
    g = from_expression("exp(A * K)", ["K"], {"A": 1.0})
    with pytest.raises(DataError, match="marginal product of 'K' is not finite"):
        g.marginal_product("K", {"K": np.array([1.0, 1e6])})  # overflow
