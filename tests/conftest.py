"""Shared test fixtures: the reference-data folder and seeded generators."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
if "INTELCAP_REFERENCE_DIR" not in os.environ and _SHARED.is_dir():
    os.environ["INTELCAP_REFERENCE_DIR"] = str(_SHARED)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The public reference datasets (../shared/reference); tests skip when absent."""
    from intelcap.datasets import reference_dir as find

    path = find(required=False)
    if path is None:
        pytest.skip("reference datasets not found: set INTELCAP_REFERENCE_DIR")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261128)


@pytest.fixture
def tiny():
    """The hand-built balanced economy of tests/_economy.py for two periods (GDP 128 each)."""
    from _economy import tiny_records

    from intelcap.accounts.tables import make_table

    return make_table(tiny_records(2023) + tiny_records(2024), unit="USD_MN")
