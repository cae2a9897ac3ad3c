"""Optional dependencies, imported where they are used, with an error naming the extra.

The base install (``pip install intelcap``) runs the estimators and ``intelcap adjust`` on CSV
tables; plots need the ``plot`` extra (matplotlib) and Excel input/output the ``excel`` extra
(openpyxl).
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional"]


def import_optional(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise ImportError saying which intelcap extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".")[0]
        raise ImportError(f"{purpose} needs the optional package {package!r}, which is not "
                          f"installed; install it with: pip install \"intelcap[{extra}]\""
                          ) from exc
