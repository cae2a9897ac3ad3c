"""Numerical settings of the NLS optimiser and the constants its checks share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from intelcap._validation import check_choice
from intelcap.exceptions import SpecificationError

_EPS = float(np.finfo(float).eps)
_EXACT_FLOOR = 1e3  # residual norm below 1e3 * eps * ||lhs|| counts as an exact fit
METHODS = ("auto", "trf", "dogbox", "lm")


@dataclass(frozen=True)
class OptimizerConfig:
    """Numerical settings of the NLS optimiser (printable, immutable).

    Parameters
    ----------
    method : {"auto", "trf", "dogbox", "lm"}
        Method of :func:`scipy.optimize.least_squares` for the main run. ``"auto"``: MINPACK
        Levenberg-Marquardt (``"lm"``, QR-based, fast for long data) without bounds, the
        trust-region reflective method (``"trf"``) with bounds. ``"lm"`` does not accept bounds.
    polish : bool
        If the main run's answer does not pass the convergence criteria, run the other method
        (``trf`` after ``lm``; ``lm`` after ``trf``/``dogbox`` when there are no bounds) from it
        and keep the better fit.
    restarts : int
        Further restarts from the best point while the convergence criteria are not met and the
        fit still improves.
    ftol, xtol, gtol : float
        Tolerances passed to ``least_squares``.
    max_nfev : int or None
        Evaluation limit per run (``None``: scipy's default, ``100 * p`` for trf).
    x_scale : "jac" or array
        Variable scaling (``"jac"``: by the Jacobian's column norms, updated each iteration).
    offset_tol : float
        Tolerance of the Bates-Watts relative offset (first-order condition).
    step_rtol : float
        Largest admissible Gauss-Newton step at the returned point, relative to
        ``|parameter| + standard error``, for every parameter (the optimum is resolved).
    gauss_newton : int
        Maximum number of plain Gauss-Newton refinement steps after the optimiser (each kept only
        if it lowers the SSR); 0 turns the refinement off.
    rank_rtol : float
        Smallest admissible reciprocal condition number of the column-scaled Jacobian.
    """

    method: str = "auto"
    polish: bool = True
    restarts: int = 3
    ftol: float = 1e-14
    xtol: float = 1e-14
    gtol: float = 1e-14
    max_nfev: int | None = None
    x_scale: Any = "jac"
    offset_tol: float = 1e-4
    step_rtol: float = 1e-8
    rank_rtol: float = 1e-13
    gauss_newton: int = 30

    def __post_init__(self) -> None:
        check_choice("method", self.method, METHODS)
        for name in ("ftol", "xtol", "gtol", "offset_tol", "step_rtol", "rank_rtol"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise SpecificationError(f"OptimizerConfig.{name} must be positive, got {value!r}")
        if self.restarts < 0:
            raise SpecificationError(f"OptimizerConfig.restarts must be >= 0, got {self.restarts}")

    def __str__(self) -> str:
        lines = ["OptimizerConfig"]
        for name in self.__dataclass_fields__:
            lines.append(f"  {name:<11} {getattr(self, name)!r}")
        return "\n".join(lines)
