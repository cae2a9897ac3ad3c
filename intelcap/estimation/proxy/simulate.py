"""Simulated firm panels with a known production function (for tests, benchmarks, teaching).

.. math::

    y_{it} &= \\beta_0 + \\beta_l l_{it} + \\beta_k k_{it} + \\beta_z z_{it} + \\omega_{it}
              + \\varepsilon_{it},\\\\
    \\omega_{it} &= \\rho\\,\\omega_{i,t-1} + \\xi_{it}, \\qquad
    k_{it} = (1-\\delta) k_{i,t-1} + \\iota_{i,t-1}\\ \\text{(in logs, see below)},

with intelligent capital :math:`z` either a *state* (accumulated like capital, decided in
t-1) or a *free* input (bought in t, like labour). Labour is chosen in t,
:math:`l_{it} = a_l + \\omega_{it}/2 + \\nu_{it}` with a persistent firm-specific wage shock
:math:`\\nu_{it} = 0.7\\nu_{i,t-1} + \\eta_{it}` (so :math:`l_{i,t-1}` is a relevant
instrument); a free :math:`z` follows the same rule with its own price shock. The proxy
(materials) is strictly increasing in productivity given the state inputs:
:math:`m_{it} = a_m + 0.6 k_{it} + 0.3 z_{it}\\,1[z \\text{ state}] + 1.5\\,\\omega_{it}`; log
investment is :math:`\\iota_{it} = k_{it} + 0.8\\,\\omega_{it} - 1 + \\zeta_{it}` with a small
i.i.d. :math:`\\zeta` known to the firm only in the level of capital (it keeps capital from being
an exact function of past productivity). Every DGP has a first-order Markov productivity and a
proxy monotone in it, as the OP, LP, ACF and Wooldridge estimators assume. The first
``burn_in`` periods are discarded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intelcap._validation import as_generator, check_choice
from intelcap.exceptions import SpecificationError

__all__ = ["simulate_acf2015", "simulate_panel"]


def simulate_panel(n_firms: int = 500, n_periods: int = 10, *, beta_l: float = 0.5,
                   beta_k: float = 0.3, beta_z: float = 0.1, ic_role: str = "state",
                   rho: float = 0.8, sigma_xi: float = 0.15, sigma_eps: float = 0.1,
                   burn_in: int = 20, seed: int | np.random.Generator | None = None
                   ) -> pd.DataFrame:
    """Simulate a balanced firm panel with known elasticities (module docstring).

    Returns
    -------
    DataFrame
        Indexed by (``firm``, ``year``) with columns ``y``, ``l``, ``k``, ``z``, ``m``
        (materials, the proxy), ``i`` (log investment) and ``omega``.
    """
    check_choice("ic_role", ic_role, ("state", "free"))
    rng = as_generator(seed)
    N, T = int(n_firms), int(n_periods) + int(burn_in)
    omega = np.zeros((N, T))
    nu = np.zeros((N, T))
    nz = np.zeros((N, T))
    k = np.zeros((N, T))
    z = np.zeros((N, T))
    inv = np.zeros((N, T))
    omega[:, 0] = rng.normal(0, sigma_xi / np.sqrt(1 - rho**2), N)
    k[:, 0] = rng.normal(2.0, 0.5, N)
    z[:, 0] = rng.normal(1.0, 0.5, N)
    nu[:, 0] = rng.normal(0, 0.3, N)
    nz[:, 0] = rng.normal(0, 0.3, N)
    for t in range(1, T):
        omega[:, t] = rho * omega[:, t - 1] + rng.normal(0, sigma_xi, N)
        nu[:, t] = 0.7 * nu[:, t - 1] + rng.normal(0, 0.2, N)
        nz[:, t] = 0.7 * nz[:, t - 1] + rng.normal(0, 0.2, N)
        # capital (and a state z): log stock moves towards the target set in t-1
        k[:, t] = (0.8 * k[:, t - 1] + 0.2 * (2.0 + 1.0 * omega[:, t - 1])
                   + rng.normal(0, 0.1, N))
        if ic_role == "state":
            z[:, t] = (0.7 * z[:, t - 1] + 0.3 * (1.0 + 1.2 * omega[:, t - 1])
                       + rng.normal(0, 0.15, N))
    for t in range(T):
        inv[:, t] = k[:, t] + 0.8 * omega[:, t] - 1.0 + rng.normal(0, 0.05, N)
    lab = 1.0 + 0.5 * omega + nu
    if ic_role == "free":
        z = 0.5 + 0.4 * omega + nz
    m = 1.0 + 0.6 * k + (0.3 * z if ic_role == "state" else 0.0) + 1.5 * omega
    y = (1.0 + beta_l * lab + beta_k * k + beta_z * z + omega
         + rng.normal(0, sigma_eps, (N, T)))
    sl = slice(burn_in, T)
    idx = pd.MultiIndex.from_product([np.arange(N), np.arange(T - burn_in)],
                                     names=["firm", "year"])
    out = {name: arr[:, sl].ravel() for name, arr in
           (("y", y), ("l", lab), ("k", k), ("z", z), ("m", m), ("i", inv), ("omega", omega))}
    return pd.DataFrame(out, index=idx)


def _prodest101_kappa(s, a, alpha_l, rho, r2, s1, sw, rho_wage, discount, delta):
    r"""Horizon weights of the investment rule as R prodest 1.0.1's ``panelSim`` evaluates them.

    Its productivity term is a 2 x H matrix with entries
    :math:`\exp(K(\sigma_1^2\rho^{2v} + c_{rc}))`, :math:`K = a^2\rho^{2b}/2`, first row
    :math:`c_{1c} = 0` and second row :math:`c_{2c} = \sum_{j<c}\rho^{2j}` (the cumulative sum
    without the innovation variance), multiplied elementwise with the length-H vectors of the
    other terms; R recycles those vectors over the matrix's 2H elements in column-major order, so
    element :math:`j = 0, \ldots, 2H-1` (row :math:`j \bmod 2`, column :math:`\lfloor j/2
    \rfloor`) carries horizon :math:`v = j \bmod H`, and the horizon's weight is the sum of its
    two elements' factors.
    """
    H = s.size
    K = 0.5 * a**2 * r2**2
    j = np.arange(2 * H)
    v, row, col = j % H, j % 2, j // 2
    cum = np.cumsum(rho ** (2 * np.arange(H)))
    c = np.where(row == 0, 0.0, cum[col])
    bracket = np.bincount(v, weights=np.exp(K * c), minlength=H)
    wage = np.exp(0.5 * (a * alpha_l) ** 2 * sw**2 * np.cumsum(rho_wage ** (2 * s)))
    return (discount * (1 - delta)) ** s * wage * np.exp(K * s1**2 * rho ** (2 * s)) * bracket


_ACF_DGPS = {  # (sd of log wage, timing b of labour, sd of labour optimisation error)
    1: (0.1, 0.5, 0.0),
    2: (0.0, 0.0, 0.37),
    3: (0.1, 0.5, 0.37),
}


def simulate_acf2015(dgp: int = 1, measurement_error: float = 0.0, *, n_firms: int = 1000,
                     n_periods: int = 10, burn_in: int = 90, alpha_l: float = 0.6,
                     alpha_k: float = 0.4, rho: float = 0.7, sigma_omega: float = 0.3,
                     sigma_eps: float = 0.1, rho_wage: float = 0.3, delta: float = 0.2,
                     discount: float = 0.95, sigma_adjust: float = 0.6, horizon: int = 100,
                     design: str = "acf2015",
                     seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """The Monte Carlo designs of Ackerberg, Caves and Frazer (2015), section 5 / Table I.

    .. math::

        y_{it} = \\alpha_l l_{it} + \\alpha_k k_{it} + \\omega_{it} + \\varepsilon_{it}, \\qquad
        \\omega_{it} = \\rho\\,\\omega_{i,t-1} + \\xi_{it}

    (stationary, :math:`\\mathrm{sd}(\\omega) = 0.3`, :math:`\\rho = 0.7`), split at
    :math:`t-b` so that :math:`\\omega_{i,t-b} = \\rho^{1-b}\\omega_{i,t-1} + \\xi^1_{it}` and
    :math:`\\omega_{it} = \\rho^{b}\\omega_{i,t-b} + \\xi^2_{it}`. Log wages follow an AR(1)
    (0.3). Labour is chosen at :math:`t-b` to maximise expected profit,
    :math:`l_{it} = [\\tfrac12\\mathrm{var}(\\xi^2) + \\ln\\alpha_l + \\rho^b\\omega_{i,t-b} -
    \\ln w_{it} + \\alpha_k k_{it}]/(1-\\alpha_l)`, plus an optimisation error. Capital
    accumulates, :math:`K_{it} = (1-\\delta)K_{i,t-1} + I_{i,t-1}`, with investment increasing
    in :math:`\\omega_{it}` and decreasing in :math:`\\ln w_{it}`: the discounted sum of the
    expected marginal products of capital over ``horizon`` periods divided by a firm-specific
    adjustment cost :math:`b_i`, :math:`\\ln b_i \\sim N(0, 0.6^2)` (ACF's appendix; constant
    factors common to all firms are dropped: they shift log capital by a constant, which the
    production function's intercept absorbs). Materials are Leontief in planned labour,
    :math:`m = \\alpha_l l^{*} + \\alpha_k k + \\omega`, observed with classical measurement
    error whose variance is ``measurement_error`` (0, 0.1, 0.2, 0.5 in Table I) times a
    variance of :math:`m` over the kept periods that ``design`` chooses.

    ``dgp``: 1 serially correlated wages and labour set at :math:`t-b` (:math:`b = 0.5`);
    2 optimisation error in labour (sd 0.37); 3 both. The first ``burn_in`` periods are
    discarded (ACF keep the last 10 of 100).

    ``design`` chooses between two versions of the details ACF's text leaves to their code:

    * ``"acf2015"`` (default), our reading of ACF's appendix: the investment weights are
      :math:`(\\beta(1-\\delta))^s \\exp(\\tfrac12 a^2 [\\mathrm{var}_t\\,\\omega_{t+s} +
      \\alpha_l^2 \\mathrm{var}_t \\ln w_{t+s}])`, :math:`a = 1/(1-\\alpha_l)`, and the
      measurement-error variance is a share of the *within-firm* variance of :math:`m`;
    * ``"prodest101"``: the design as R prodest 1.0.1's ``panelSim`` computes it, which produced
      the published replica of Table I (prodest vignette 1.0.1, Table 2). Its measurement-error
      variance is a share of the variance of :math:`m` around its *grand* mean (its
      ``withinvar`` subtracts the overall mean; here that variance is 3.3 times the within-firm
      one), and its investment weights are those of :func:`_prodest101_kappa`, where even
      horizons weigh 40 to 70 times the odd ones (DGP1; 240 to 460 in DGP2). Without
      measurement error the two designs give the same ACF estimates to within Monte Carlo
      error; with it they do not (tests/test_proxy.py).

    ACF's own Table I could not be consulted for this module, so which variance ACF meant, and
    their published means and standard deviations, are not checked here.

    Returns
    -------
    DataFrame
        Indexed by (``firm``, ``year``) with ``y``, ``l``, ``k``, ``m`` (observed materials)
        and ``omega``.
    """
    if dgp not in _ACF_DGPS:
        raise SpecificationError(f"dgp must be 1, 2 or 3, got {dgp!r}")
    check_choice("design", design, ("acf2015", "prodest101"))
    if measurement_error < 0:
        raise SpecificationError(f"measurement_error must be >= 0, got {measurement_error!r}")
    sig_w, b, sig_opt = _ACF_DGPS[dgp]
    rng = as_generator(seed)
    N, T = int(n_firms), int(n_periods) + int(burn_in)
    r1, r2 = rho ** (1 - b), rho ** b
    s1 = np.sqrt(1 - r1**2) * sigma_omega
    s2 = np.sqrt(1 - r2**2) * sigma_omega
    sw = np.sqrt(1 - rho_wage**2) * sig_w
    omega = np.empty((N, T))
    omega_b = np.empty((N, T))
    lnw = np.empty((N, T))
    prev_o = rng.normal(0, sigma_omega, N)
    prev_w = rng.normal(0, sig_w, N) if sig_w > 0 else np.zeros(N)
    for t in range(T):
        omega_b[:, t] = r1 * prev_o + rng.normal(0, s1, N) if s1 > 0 else r1 * prev_o
        omega[:, t] = r2 * omega_b[:, t] + (rng.normal(0, s2, N) if s2 > 0 else 0.0)
        lnw[:, t] = rho_wage * prev_w + (rng.normal(0, sw, N) if sw > 0 else 0.0)
        prev_o, prev_w = omega[:, t], lnw[:, t]
    # investment: sum_s (disc (1 - delta))^s E_t[exp((omega_{t+s} - a_l lnw_{t+s}) / (1 - a_l))]
    s = np.arange(1, horizon + 1)
    a = 1.0 / (1 - alpha_l)
    if design == "acf2015":
        var_o = sigma_omega**2 * (1 - rho ** (2 * s))
        var_w = sig_w**2 * (1 - rho_wage ** (2 * s))
        kappa = (discount * (1 - delta)) ** s * np.exp(0.5 * a**2 * (var_o + alpha_l**2 * var_w))
    else:
        kappa = _prodest101_kappa(s, a, alpha_l, rho, r2, s1, sw, rho_wage, discount, delta)
    adj = np.exp(rng.normal(0, sigma_adjust, N))[:, None]
    expo = (a * omega[:, :, None] * rho ** s - a * alpha_l * lnw[:, :, None] * rho_wage ** s)
    invest = adj * (np.exp(expo) @ kappa)
    K = np.empty((N, T))
    K[:, 0] = np.exp(-100.0)
    for t in range(1, T):
        K[:, t] = (1 - delta) * K[:, t - 1] + invest[:, t - 1]
    k = np.log(K)
    l_star = (0.5 * s2**2 + np.log(alpha_l) + r2 * omega_b - lnw + alpha_k * k) / (1 - alpha_l)
    lab = l_star + (rng.normal(0, sig_opt, (N, T)) if sig_opt > 0 else 0.0)
    y = alpha_l * lab + alpha_k * k + omega + rng.normal(0, sigma_eps, (N, T))
    m = alpha_l * l_star + alpha_k * k + omega
    keep = slice(burn_in, T)
    m_keep = m[:, keep]
    centre = m_keep.mean(axis=1, keepdims=True) if design == "acf2015" else m_keep.mean()
    var_m = float(np.mean((m_keep - centre) ** 2))
    m_obs = m_keep + np.sqrt(measurement_error * var_m) * rng.normal(0, 1, m_keep.shape)
    idx = pd.MultiIndex.from_product([np.arange(N), np.arange(T - burn_in)],
                                     names=["firm", "year"])
    return pd.DataFrame({"y": y[:, keep].ravel(), "l": lab[:, keep].ravel(),
                         "k": k[:, keep].ravel(), "m": m_obs.ravel(),
                         "omega": omega[:, keep].ravel()}, index=idx)
