"""Smooth transition regression: LSTR for cross-sections / time series and the panel PSTR.

Logistic smooth transition regression (Terasvirta 1994; Terasvirta, Tjostheim and Granger
2010) lets the coefficients move smoothly between two regimes as a transition variable
:math:`q` crosses a location :math:`c`:

.. math::

    y_t = x_t'\\beta_0 + (z_t'\\beta_1)\\, G(q_t; \\gamma, c) + \\varepsilon_t, \\qquad
    G(q; \\gamma, c) = \\Big[1 + \\exp\\Big(-\\frac{\\gamma}{\\hat\\sigma_q^m}
    \\prod_{k=1}^{m} (q - c_k)\\Big)\\Big]^{-1},

with :math:`z_t` the regressors whose coefficients switch (by default all of :math:`x_t`),
order :math:`m = 1` (two regimes, LSTR1) or :math:`m = 2` (LSTR2, the outer regimes alike).
:math:`\\gamma` is normalised by the sample standard deviation of :math:`q` raised to
:math:`m` (Terasvirta's scale-free :math:`\\gamma`; pass ``normalize=False`` for the raw scale).
Estimation: concentrated least squares over a grid of :math:`(\\gamma, c)` (given them, the model
is linear), then nonlinear least squares in all parameters from the best grid point with
:func:`scipy.optimize.least_squares` and the analytic Jacobian.

The panel smooth transition regression (PSTR) of Gonzalez, Terasvirta and van Dijk (2005,
2017) adds individual fixed effects, removed by the within transformation:

.. math::

    y_{it} = \\mu_i + x_{it}'\\beta_0 + (z_{it}'\\beta_1)\\, G(q_{it}; \\gamma, c)
             + \\varepsilon_{it}.

Its LM test of linearity (homogeneity) replaces :math:`G` by its first-order Taylor expansion
around :math:`\\gamma = 0`, so under :math:`H_0: \\gamma = 0` the auxiliary regressors are
:math:`w_{it} = z_{it} q_{it}^j`, :math:`j = 1..m`. With :math:`\\tilde{\\cdot}` the within
transformation, :math:`\\tilde u` the fixed-effects residuals under the null,
:math:`\\hat\\sigma^2 = \\tilde u'\\tilde u / (NT)`:

.. math::

    LM_\\chi = \\tilde u'\\tilde W \\big[\\hat\\sigma^2 (\\tilde W'\\tilde W
        - \\tilde W'\\tilde X (\\tilde X'\\tilde X)^{-1} \\tilde X'\\tilde W)\\big]^{-1}
        \\tilde W'\\tilde u \\sim \\chi^2(mk), \\qquad
    LM_F = LM_\\chi \\frac{NT - N - mk - p}{NT\\, mk} \\sim F(mk, NT - N - mk - p),

and the heteroskedasticity- and autocorrelation- (cluster-) robust :math:`HAC_\\chi` replaces
the middle matrix by :math:`A \\big(\\sum_i Z_i'\\tilde u_i \\tilde u_i' Z_i\\big) A'` with
:math:`Z = [\\tilde X, \\tilde W]`, :math:`A = [-\\tilde W'\\tilde X(\\tilde X'\\tilde X)^{-1}, I]`
(the conventions of the R package PSTR, Yang 2017). Wild (WB, Rademacher per observation) and
wild cluster (WCB, Rademacher per entity) bootstrap p-values of :math:`LM_\\chi` are computed for
all replications at once. The test of no remaining nonlinearity uses the same statistics with
:math:`\\tilde X` replaced by the within-transformed gradient of the estimated PSTR.

References
----------
Gonzalez, A., T. Terasvirta and D. van Dijk (2005). "Panel Smooth Transition Regression
Models." SSE/EFI Working Paper 604 (revised with Yang, CREATES RP 2017-36).
Luukkonen, R., P. Saikkonen and T. Terasvirta (1988). "Testing linearity against smooth
transition autoregressive models." *Biometrika* 75, 491-499.
Terasvirta, T. (1994). "Specification, estimation, and evaluation of smooth transition
autoregressive models." *JASA* 89, 208-218.
Yang, Y. (2017). R package PSTR: Panel Smooth Transition Regression Modelling.
"""


from intelcap.estimation.smooth_transition.lstr import SmoothTransition
from intelcap.estimation.smooth_transition.pstr import PanelSmoothTransition
from intelcap.estimation.smooth_transition.results import (
    PanelSmoothTransitionResults,
    SmoothTransitionResults,
)
from intelcap.estimation.smooth_transition.transition import TransitionGrid, logistic_transition

__all__ = [
    "PanelSmoothTransition",
    "PanelSmoothTransitionResults",
    "SmoothTransition",
    "SmoothTransitionResults",
    "TransitionGrid",
    "logistic_transition",
]
