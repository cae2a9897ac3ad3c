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

__all__ = ["simulate_panel"]


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
