"""Nonlinear least squares from an expression string, with an analytic Jacobian.

:func:`nls` and :class:`NLS` fit

.. math::

    \\hat\\theta = \\arg\\min_\\theta \\sum_{i=1}^n e_i(\\theta)^2, \\qquad
    e_i(\\theta) = \\mathrm{lhs}(x_i) - f(x_i; \\theta),

where ``"lhs ~ f"`` is a user expression such as ``"y ~ b1*(1 - exp(-b2*x))"``. The string is
parsed by :func:`intelcap._expressions.parse_formula` (an AST whitelist; the text is never
evaluated). The Jacobian :math:`J_{ij} = \\partial e_i / \\partial\\theta_j` is derived exactly by
sympy and compiled once with :func:`sympy.lambdify` (common subexpressions eliminated). Before
compiling, every sub-expression that involves data only (``log(K)``, ``x**2``, ...) is evaluated
once per fit, and a power ``X**theta`` of a strictly positive data column is rewritten as
``exp(theta * log X)`` with ``log X`` precomputed, so an iteration only recomputes what depends on
the parameters.

The minimisation is :func:`scipy.optimize.least_squares` with Jacobian-based variable scaling
(``x_scale="jac"``): MINPACK Levenberg-Marquardt without bounds, trust-region reflective with
bounds. For long data (at least 20,000 rows, ``method="auto"``, no bounds) a Levenberg-Marquardt
iteration on the p x p cross-product of the Jacobian replaces MINPACK (whose unblocked QR of the
n x p Jacobian in every iteration dominates there); it stops on the diagnostics' own criterion
below, falls back to MINPACK when it cannot proceed, and its answer is checked exactly like any
other. The residual and the Jacobian are compiled into one function (shared subexpressions),
evaluated in cache-sized row blocks and cached by parameter vector; for long data the
cross-products :math:`J'J`, :math:`J'e` and :math:`e'e` are accumulated block by block in the
same pass, and BLAS runs at one thread during the fit (threadpoolctl: the products are
memory-bound, and threads only spin on a loaded machine). The symbolic compilation happens
once per formula and process (cached by the canonical sympy expression, the parameter names
and the strictly positive data columns; formulas are parsed once too).

If the optimiser's answer fails the convergence criteria below, plain Gauss-Newton steps refine it,
then the other method (trust region after Levenberg-Marquardt and vice versa) is run from it, and
the whole is restarted from the best point while that keeps improving the fit. The numerical
settings live in :class:`OptimizerConfig`.

Convergence diagnostics
-----------------------
An optimiser that merely stopped has not necessarily converged. intelcap declares convergence
only when all of the following hold at the returned point (otherwise ``converged`` is False and a
:class:`~intelcap.exceptions.ConvergenceWarning` names the failed condition):

1. the last optimiser run ended on one of its tolerance tests, not on the evaluation limit;
2. the Jacobian is finite and of full column rank: after scaling its columns to unit length, its
   reciprocal condition number exceeds ``OptimizerConfig.rank_rtol``;
3. the first-order condition holds in the scale-free form of Bates and Watts (1981), the
   *relative offset*

   .. math::

       \\mathrm{RO} = \\frac{\\lVert Q_1' e \\rVert / \\sqrt{p}}
                            {\\lVert Q_2' e \\rVert / \\sqrt{n - p}} \\le \\mathrm{tol},

   with :math:`J = [Q_1\\,Q_2] R` the QR decomposition: the component of the residual vector in
   the tangent plane of the expectation surface must be negligible relative to the residual
   standard error (for an exact fit the residual itself must vanish to rounding).
   A plateau where the optimiser stalls without satisfying it, a point that drifts to infinity
   along a flat direction (where the Jacobian loses rank) and a run stopped by the evaluation
   limit are therefore all reported as non-convergence.

Covariance
----------
Computed by the project's covariance registry,
:func:`intelcap.estimation.covariance.covariance`, from the Jacobian :math:`J` and the residuals
at :math:`\\hat\\theta`, with linearmodels' names and ``debiased`` semantics (default
``debiased=False``): ``"unadjusted"`` :math:`s^2 (J'J)^{-1}` with :math:`s^2 = \\mathrm{SSR}/n`
(:math:`\\mathrm{SSR}/(n-p)` when debiased: NIST's certified standard deviations),
``"robust"`` White's HC0 (HC1 when debiased), ``"HC0"``-``"HC3"``, ``"clustered"`` (one- or
two-way; Stata's :math:`\\frac{G}{G-1}\\frac{n-1}{n-p}` when debiased) and ``"kernel"``
(Newey-West / Driscoll-Kraay). The summary prints which was used.

:math:`(J'J)^{-1}` is formed from the singular value decomposition of the triangular factor of the
column-scaled Jacobian, never by inverting the cross-product; if that factor is rank deficient,
the registry's rank-revealing bread names the parameters that are not identified and their
standard errors are NaN. That factor comes from a QR of the
Jacobian, except after the long-data Levenberg-Marquardt run when the scaled Jacobian's condition
number is below :math:`10^4`: then it is the Cholesky factor of the scaled :math:`J'J` the
optimiser already holds (relative error below about :math:`10^{-8}`), which saves a second pass
over the n x p Jacobian; the diagnostics are computed from the same factor.

References
----------
Bates, D. M. and Watts, D. G. (1981). A relative offset orthogonality convergence criterion for
nonlinear least squares. *Technometrics* 23(2), 179-183.
Bates, D. M. and Watts, D. G. (1988). *Nonlinear Regression Analysis and Its Applications*. Wiley.

Modules
-------
``model`` (:class:`NLS`, :func:`nls`: formula and data in), ``compile`` (symbolic Jacobian,
compiled once per formula and cached), ``solvers`` (the optimiser paths), ``linalg`` (blocked
products, CholeskyQR2, the scaled QR/SVD factor), ``diagnostics`` (the convergence checks),
``config`` (:class:`OptimizerConfig`) and ``results`` (:class:`NLSResults`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from intelcap.estimation.nls import nls
>>> x = np.linspace(0, 5, 50)
>>> res = nls("y ~ b1*(1 - exp(-b2*x))", pd.DataFrame({"x": x, "y": 3 * (1 - np.exp(-0.7 * x))}),
...           {"b1": 1.0, "b2": 0.1})
>>> bool(res.converged), round(float(res.params["b1"]), 6)
(True, 3.0)
"""

from intelcap.estimation.nls.config import OptimizerConfig
from intelcap.estimation.nls.model import NLS, nls
from intelcap.estimation.nls.results import NLSResults

__all__ = ["NLS", "NLSResults", "OptimizerConfig", "nls"]
