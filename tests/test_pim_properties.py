"""Property tests of the perpetual inventory engine (hypothesis, modest max_examples)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from intelcap.accounts.pim import pim

SPECS = [
    {"rate": 0.33},
    {"service_life": 4.0, "retirement": "weibull", "cv": 0.4},
    {"profile": "straight_line", "service_life": 6.0},
    {"profile": "straight_line", "service_life": 5.0, "retirement": "lognormal", "cv": 0.5},
    {"profile": "hyperbolic", "service_life": 7.0, "beta": 0.5, "retirement": "gamma",
     "cv": 0.3},
    {"profile": "hyperbolic", "service_life": 9.0, "beta": 0.75,
     "retirement": "truncated_normal", "cv": 0.25},
    {"profile": "straight_line", "basis": "efficiency", "service_life": 6.0,
     "retirement": "winfrey_s3", "cv": 0.2},
]

investment = st.lists(st.floats(0.0, 1000.0), min_size=1, max_size=25)
spec = st.sampled_from(SPECS)
timing = st.sampled_from(["beginning", "mid", "end"])
SETTINGS = settings(max_examples=30, deadline=None)


def frame(*cols):
    n = len(cols[0])
    return pd.DataFrame({f"s{i}": c for i, c in enumerate(cols)}, index=range(2000, 2000 + n))


@SETTINGS
@given(investment, st.floats(0.0, 5.0), st.floats(0.0, 5.0), spec, timing)
def test_linear_in_investment(inv, a, b, kw, timing):
    x1 = np.asarray(inv)
    x2 = x1[::-1].copy()
    res = pim(frame(x1, x2, a * x1 + b * x2), timing=timing, **kw)
    for m in ("gross", "net", "productive", "cfc"):
        out = getattr(res, m).to_numpy()
        scale = 1.0 + np.abs(out).max()
        assert_allclose(out[:, 2], a * out[:, 0] + b * out[:, 1], atol=1e-10 * scale)


@SETTINGS
@given(investment, st.integers(1, 6), spec, timing)
def test_shift_equivariant(inv, k, kw, timing):
    x = np.asarray(inv)
    res = pim(pd.Series(x, index=range(len(x))), timing=timing, **kw)
    shifted = pim(pd.Series(np.r_[np.zeros(k), x], index=range(len(x) + k)), timing=timing, **kw)
    for m in ("gross", "net", "productive", "cfc"):
        a, b = getattr(res, m).to_numpy(), getattr(shifted, m).to_numpy()
        scale = 1.0 + np.abs(a).max()
        assert_allclose(b[k:], a, atol=1e-10 * scale)
        assert_allclose(b[:k], 0.0, atol=0)


@SETTINGS
@given(investment, st.floats(0.01, 1.0), timing)
def test_gross_without_retirement_is_cumulative_investment(inv, rate, timing):
    x = np.asarray(inv)
    res = pim(pd.Series(x, index=range(len(x))), rate=rate, timing=timing)
    assert_allclose(res.gross.to_numpy(), np.cumsum(x), rtol=1e-12, atol=1e-9)


@SETTINGS
@given(investment, spec, timing)
def test_net_below_gross_and_cfc_non_negative(inv, kw, timing):
    x = np.asarray(inv)
    res = pim(pd.Series(x, index=range(len(x))), timing=timing, **kw)
    tol = 1e-9 * (1.0 + x.sum())
    assert (res.net.to_numpy() <= res.gross.to_numpy() + tol).all()
    assert (res.cfc.to_numpy() >= -tol).all()
    assert (res.net.to_numpy() >= -tol).all()
    # accumulation identity K_t = K_{t-1} + I_t - D_t
    net = res.net.to_numpy()
    assert_allclose(net, np.r_[0.0, net[:-1]] + x - res.cfc.to_numpy(), atol=tol)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(1.0, 100.0), min_size=3, max_size=15), spec)
def test_fft_path_equals_product_path(inv, kw):
    """Many asset types go through the FFT with a kernel per series: same numbers."""
    x = np.asarray(inv)
    lives = np.linspace(3.0, 12.0, 70)
    cols = {f"a{i}": x * (1 + i / 10) for i in range(len(lives))}
    df = pd.DataFrame(cols, index=range(len(x)))
    kw = {k: v for k, v in kw.items() if k not in ("rate", "service_life")}
    life = dict(zip(df.columns, lives, strict=True))
    many = pim(df, service_life=life, **kw)  # 70 distinct types -> FFT path
    for col in ("a0", "a33", "a69"):
        one = pim(df[col], service_life=life[col], **kw)
        assert_allclose(many.net[col], one.net, rtol=1e-9, atol=1e-9)
        assert_allclose(many.cfc[col], one.cfc, rtol=1e-9, atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(0.0, 100.0), min_size=2, max_size=12), timing,
       st.sampled_from(["straight_line", "hyperbolic"]))
def test_batched_lives_equal_one_by_one(inv, timing, profile):
    """Several service lives of one profile (batched kernels) equal separate runs."""
    x = np.asarray(inv)
    lives = {"a": 2.5, "b": 4.0, "c": 9.0}
    df = pd.DataFrame({k: x for k in lives}, index=range(len(x)))
    res = pim(df, profile=profile, service_life=lives, timing=timing)
    for k, life in lives.items():
        one = pim(df[k], profile=profile, service_life=life, timing=timing)
        assert_allclose(res.net[k], one.net, rtol=1e-12, atol=1e-12)
        assert_allclose(res.productive[k], one.productive, rtol=1e-12, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(0.0, 100.0), min_size=2, max_size=12), timing)
def test_geometric_recursion_equals_convolution(inv, timing):
    """Geometric without retirement runs as a recursion in time; with an initial stock of zero
    it goes through the convolution: same numbers."""
    x = pd.Series(np.asarray(inv), index=range(len(inv)))
    a = pim(x, rate=0.27, timing=timing)
    b = pim(x, rate=0.27, timing=timing, initial_stock=0.0)
    for m in ("gross", "net", "productive", "cfc"):
        assert_allclose(getattr(a, m), getattr(b, m), rtol=1e-12, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(investment, st.floats(0.0, 500.0), st.floats(0.0, 500.0), spec, timing)
def test_linear_in_investment_and_initial_stock(inv, k1, k2, kw, timing):
    """With a fixed pre-sample growth, stocks are linear in (investment, initial stock)."""
    x = np.asarray(inv)
    s = pd.Series
    idx = range(len(x))
    opts = dict(timing=timing, initial_growth=0.03, **kw)
    a = pim(s(x, index=idx), initial_stock=k1, **opts)
    b = pim(s(x[::-1].copy(), index=idx), initial_stock=k2, **opts)
    c = pim(s(x + x[::-1], index=idx), initial_stock=k1 + k2, **opts)
    for m in ("gross", "net", "productive", "cfc"):
        lhs = getattr(c, m).to_numpy()
        rhs = getattr(a, m).to_numpy() + getattr(b, m).to_numpy()
        assert_allclose(lhs, rhs, atol=1e-9 * (1 + np.abs(rhs).max()))
    assert_allclose(c.initial["net"], [k1 + k2], rtol=1e-9, atol=1e-9)
