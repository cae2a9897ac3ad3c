"""SNA adjustment: tables, capitalization of API spending, perpetual inventory, GDP by approach.

- :mod:`~intelcap.accounts.tables`: the tidy long table schema and its validation.
- :mod:`~intelcap.accounts.io`: CSV, Excel and SDMX-CSV readers and writers;
  :mod:`~intelcap.accounts.bea`: BEA supply-use tables in the long form.
- :mod:`~intelcap.accounts.gdp`: GDP by the production, expenditure and income approaches.
- :mod:`~intelcap.accounts.pim`, :mod:`~intelcap.accounts.profiles`,
  :mod:`~intelcap.accounts.retirement`: the perpetual inventory engine.
- :mod:`~intelcap.accounts.supply_use`: product balances; :mod:`~intelcap.accounts.volumes`:
  chain-linked volumes.
- :mod:`~intelcap.accounts.policy`, :mod:`~intelcap.accounts.capitalize`,
  :mod:`~intelcap.accounts.ledger`: capitalization with an audit ledger.

Nothing here imports scipy, sympy or matplotlib at import time (the ``intelcap adjust`` command
must start fast); the perpetual inventory loads scipy where a retirement distribution needs it.
The BEA reader and the chain-linking of volumes, which ``intelcap adjust`` does not use, are
imported on first use (:pep:`562`).
"""

from typing import Any

from intelcap.accounts.capitalize import Adjustment, CompiledTables, capitalize
from intelcap.accounts.gdp import check_identity, gdp_by_approach
from intelcap.accounts.io import read_table, write_table
from intelcap.accounts.ledger import LEDGER_COLUMNS, apply_ledger, build_ledger, check_ledger
from intelcap.accounts.pim import TIMINGS, CapitalServices, PIMResult, pim
from intelcap.accounts.policy import POLICY_KEYS, CapitalizationPolicy, ShareRule
from intelcap.accounts.profiles import (
    PROFILES,
    Geometric,
    Hyperbolic,
    StraightLine,
    efficiency_to_price,
    get_profile,
    price_to_efficiency,
)
from intelcap.accounts.retirement import RETIREMENTS, get_retirement
from intelcap.accounts.supply_use import (
    check_balance_preserved,
    check_product_balance,
    product_balance,
)
from intelcap.accounts.tables import (
    COLUMNS,
    KEY,
    SECTORS,
    TOTAL,
    TRANSACTIONS,
    from_wide,
    make_table,
    sort_table,
    to_wide,
    validate_table,
)

#: Names imported on first use: name -> module.
_LAZY = {"read_supply_use": "intelcap.accounts.bea", "chain_link": "intelcap.accounts.volumes"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "COLUMNS",
    "KEY",
    "LEDGER_COLUMNS",
    "POLICY_KEYS",
    "PROFILES",
    "RETIREMENTS",
    "SECTORS",
    "TIMINGS",
    "TOTAL",
    "TRANSACTIONS",
    "Adjustment",
    "CompiledTables",
    "CapitalServices",
    "CapitalizationPolicy",
    "Geometric",
    "Hyperbolic",
    "PIMResult",
    "ShareRule",
    "StraightLine",
    "apply_ledger",
    "build_ledger",
    "capitalize",
    "check_identity",
    "check_ledger",
    "efficiency_to_price",
    "from_wide",
    "gdp_by_approach",
    "get_profile",
    "get_retirement",
    "make_table",
    "pim",
    "price_to_efficiency",
    "read_supply_use",
    "read_table",
    "sort_table",
    "to_wide",
    "validate_table",
    "write_table",
    "chain_link",
    "check_balance_preserved",
    "check_product_balance",
    "product_balance",
]
