"""The within transformation (intelcap.estimation._within) against pandas' groupby transform."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from intelcap.estimation._within import Within, demean
from intelcap.exceptions import IntelcapTypeError, IntelcapValueError


def _pandas(a: np.ndarray, codes: np.ndarray) -> np.ndarray:
    df = pd.DataFrame(a.reshape(a.shape[0], -1))
    out = df - df.groupby(codes).transform("mean")
    return out.to_numpy().reshape(a.shape)


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("k", [None, 1, 3])
def test_matches_pandas_groupby_transform(sort: bool, k: int | None) -> None:
    rng = np.random.default_rng(12)
    codes = rng.integers(0, 40, size=500) * 3 + 7  # gaps in the codes, unbalanced
    if sort:
        codes = np.sort(codes)
    a = rng.normal(size=500 if k is None else (500, k))
    assert_allclose(demean(a, codes), _pandas(a, codes), rtol=0, atol=1e-13)


def test_projection_properties() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 25, size=300)
    w = Within(codes)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=300)
    ta = w(a)
    assert_allclose(w(ta), ta, atol=1e-13)  # idempotent
    assert_allclose(ta.T @ b, ta.T @ w(b), atol=1e-12)  # symmetric
    assert_allclose(w.sums(ta), 0.0, atol=1e-12)  # entity means removed
    assert w.n_entities == np.unique(codes).shape[0]
    assert_allclose(w.counts, np.unique(codes, return_counts=True)[1])


def test_bad_input_named() -> None:
    with pytest.raises(IntelcapTypeError, match="integers"):
        Within(np.array([0.0, 1.0]))
    with pytest.raises(IntelcapValueError, match="row 1"):
        Within(np.array([0, -1]))
    with pytest.raises(IntelcapValueError, match="rows"):
        Within([0, 0, 1]).demean(np.ones(4))
