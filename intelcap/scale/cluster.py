"""Connecting to a running Dask cluster, with a timeout and errors that name the option.

intelcap writes no cluster code of its own: a bureau starts a Dask cluster the way its platform
does (``dask scheduler`` and ``dask worker`` on the nodes, dask-jobqueue on an HPC batch system,
dask-kubernetes, a cloud provider) and gives intelcap the scheduler's address.
"""

from __future__ import annotations

import importlib
from typing import Any

from intelcap.exceptions import IntelcapTypeError, SpecificationError

__all__ = ["DEFAULT_TIMEOUT", "connect", "dask_missing_message"]

#: Seconds to wait for a scheduler before giving up.
DEFAULT_TIMEOUT = 10.0


def dask_missing_message(option: str) -> str:
    """The error text for an option that needs Dask when Dask is not installed."""
    return (f"{option} needs the optional packages 'dask' and 'distributed', which are not "
            "installed; install them with: pip install \"intelcap[dask]\"")


def connect(address: str, *, timeout: float = DEFAULT_TIMEOUT,
            option: str = "scheduler") -> Any:
    """Connect a ``distributed.Client`` to a running scheduler.

    Parameters
    ----------
    address : str
        Scheduler address, ``"tcp://host:8786"`` (``"host:8786"`` is read as tcp).
    timeout : float
        Seconds to wait for the scheduler.
    option : str
        Name of the user-facing option that gave the address (``--scheduler``,
        ``input.scheduler``), used in error messages.

    Returns
    -------
    distributed.Client
        Not set as the default scheduler; use it as a context manager or close it.

    Raises
    ------
    SpecificationError
        Dask is not installed, or no scheduler answered at ``address`` within ``timeout``
        seconds (the message names ``option`` and the address).
    """
    if not isinstance(address, str) or not address.strip():
        raise IntelcapTypeError(f"{option} must be a scheduler address such as "
                                f"'tcp://host:8786', got {address!r}")
    if not isinstance(timeout, (int, float)) or not timeout > 0:
        raise SpecificationError(f"timeout must be a positive number of seconds, got {timeout!r}")
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:
        raise SpecificationError(dask_missing_message(option)) from None
    address = address.strip()
    try:
        return distributed.Client(address, timeout=f"{float(timeout)}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        why = " ".join(str(err).split()) or type(err).__name__
        raise SpecificationError(
            f"{option} {address!r}: no Dask scheduler answered within {timeout:g} s ({why}); "
            "check the address and that the scheduler is running (dask scheduler)") from None
