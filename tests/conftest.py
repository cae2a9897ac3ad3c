"""Shared test fixtures: the optional reference-data folder and seeded generators.

The published numbers are reproduced from the datasets bundled in ``intelcap.datasets``, so the
suite needs no reference folder. Only the few tests of data intelcap may not redistribute
(``intelcap.datasets.NOT_BUNDLED``) read the reference folder, and they skip with the reason
when it is absent. The folder is ``../shared/reference`` beside the checkout when present, or
the folder named by ``INTELCAP_REFERENCE_DIR`` (set it to an empty string to hide every
reference folder). With ``INTELCAP_TEST_AS_USER=1`` the session refuses to start if a
reference folder is visible: the suite then runs as on a user's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
if "INTELCAP_REFERENCE_DIR" not in os.environ and _SHARED.is_dir():
    os.environ["INTELCAP_REFERENCE_DIR"] = str(_SHARED)


def _visible_reference() -> Path | None:
    from intelcap.datasets import reference_dir as find

    return find(required=False)


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("INTELCAP_TEST_AS_USER") == "1" and _visible_reference() is not None:
        raise pytest.UsageError(
            "INTELCAP_TEST_AS_USER=1 but a reference datasets folder is visible "
            f"({_visible_reference()}); run the tests from a copy with no shared/reference "
            "above it, or set INTELCAP_REFERENCE_DIR=''")


def pytest_report_header(config: pytest.Config) -> str:
    found = _visible_reference()
    return ("reference datasets: " + (str(found) if found is not None else
            "none visible (tests of non-redistributable data skip)"))


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The optional reference datasets folder; tests that need it skip when it is absent."""
    path = _visible_reference()
    if path is None:
        pytest.skip("reference datasets folder not found (needed only for data intelcap may not "
                    "redistribute): set INTELCAP_REFERENCE_DIR")
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
