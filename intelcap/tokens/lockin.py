r"""Increasing-returns adoption and lock-in: Polya/generalised urns, Arthur (1989), and a
data-flywheel duopoly. Simulated with seeds, vectorised over replications (one numpy pass per
adoption step over all replications).

**Generalised urn** (:func:`simulate_urn`). Technology A holds :math:`a_t` of :math:`n_t` balls;
the next adopter picks A with probability :math:`f(a_t / n_t)`. With :math:`f(x) = x` this is
Polya's urn: started from :math:`(a_0, b_0)` balls the number of A picks in :math:`n` steps is
Beta-binomial :math:`(n, a_0, b_0)` exactly and the share converges to
:math:`\mathrm{Beta}(a_0, b_0)` (Eggenberger and Polya 1923). :meth:`UrnResults.closed_form`
gives the exact finite-n probabilities, so the simulation is checked against them.

**Arthur (1989)** (:func:`arthur_urn`). Agents of type R (probability :math:`p`) and S arrive
one by one; an R-agent's payoff is :math:`a_R + r n_A` from A and :math:`b_R + r n_B` from B, an
S-agent's :math:`a_S + s n_A` and :math:`b_S + s n_B` (:math:`a_R > b_R`, :math:`b_S > a_S`).
With increasing returns (:math:`r, s > 0`) the lead :math:`d = n_A - n_B` is a random walk until
it crosses :math:`\Delta_S = (b_S - a_S)/s` (everyone adopts A from then on) or
:math:`\Delta_R = -(a_R - b_R)/r` (everyone adopts B): lock-in. Ties go to the agent's natural
preference. The probability of locking into A is the gambler's-ruin probability of hitting the
upper barrier :math:`U` first from 0:

.. math:: P(A) = \frac{-L}{U - L}\ (p = 1/2), \qquad
          P(A) = \frac{1 - \rho^{-L}}{1 - \rho^{U-L}},\ \rho = (1-p)/p

with integer barriers :math:`U = \lfloor\Delta_S\rfloor + 1`, :math:`L = \lceil\Delta_R\rceil - 1`.

**Data flywheel** (:func:`flywheel_duopoly`). Two models; quality grows with the data their users
generate, :math:`q_i = q_{i0} + \theta \ln(1 + n_i)`; each new user picks model 1 with logit
probability :math:`1 / (1 + e^{-\beta (q_1 - q_2)})`. With :math:`\theta = 0` picks are i.i.d.;
with a strong flywheel one model takes the market.

References
----------
Arthur, W. B. (1989). Competing technologies, increasing returns, and lock-in by historical
events. *Economic Journal* 99(394), 116-131.
Eggenberger, F. and Polya, G. (1923). Uber die Statistik verketteter Vorgange. *ZAMM* 3(4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from intelcap._validation import as_generator, progress_bar
from intelcap.exceptions import IntelcapValueError

__all__ = [
    "ArthurResults",
    "FlywheelResults",
    "UrnResults",
    "arthur_urn",
    "flywheel_duopoly",
    "simulate_urn",
]


def _mc_se(p: float, reps: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.0) / reps)


def _check_int(name: str, v: Any, low: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise IntelcapValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


@dataclass(frozen=True)
class UrnResults:
    """Outcome of :func:`simulate_urn` over ``reps`` replications."""

    a_picks: np.ndarray
    n_steps: int
    initial: tuple[float, float]
    lockin_share: float
    seed: Any
    polya: bool

    @property
    def reps(self) -> int:
        """Number of replications."""
        return int(self.a_picks.size)

    @property
    def shares(self) -> np.ndarray:
        """Final share of A (balls, including the initial ones)."""
        a0, b0 = self.initial
        return (a0 + self.a_picks) / (a0 + b0 + self.n_steps)

    @property
    def lockin_probability(self) -> float:
        """Share of replications in which one technology holds at least ``lockin_share``."""
        s = self.shares
        return float(np.mean((s >= self.lockin_share) | (s <= 1 - self.lockin_share)))

    @property
    def prob_a(self) -> float:
        """Share of replications in which A holds at least ``lockin_share``."""
        return float(np.mean(self.shares >= self.lockin_share))

    def mc_se(self, p: float) -> float:
        """Monte Carlo standard error of a simulated probability ``p``."""
        return _mc_se(p, self.reps)

    def closed_form(self) -> dict[str, float]:
        """Exact probabilities for Polya's urn (unit increments, integer start), from the
        Beta-binomial law of the A picks; and the Beta limit as ``n -> infinity``."""
        if not self.polya:
            raise IntelcapValueError("the closed form exists for Polya's urn (adoption = "
                                     "share) only")
        a0, b0 = self.initial
        n, th = self.n_steps, self.lockin_share
        bb = stats.betabinom(n, a0, b0)
        k_hi = math.ceil(th * (a0 + b0 + n) - a0 - 1e-9)  # a0 + k >= th * total
        k_lo = math.floor((1 - th) * (a0 + b0 + n) - a0 + 1e-9)
        p_a = float(bb.sf(k_hi - 1))
        p_b = float(bb.cdf(k_lo))
        beta = stats.beta(a0, b0)
        return {"prob_a": p_a, "lockin_probability": p_a + p_b,
                "limit_prob_a": float(beta.sf(th)),
                "limit_lockin_probability": float(beta.sf(th) + beta.cdf(1 - th))}


def simulate_urn(n_steps: int, *, reps: int = 10_000, initial: tuple[float, float] = (1, 1),
                 adoption: Callable[[np.ndarray], np.ndarray] | None = None,
                 lockin_share: float = 0.9, seed: int | np.random.Generator | None = None,
                 progress: bool = False) -> UrnResults:
    """Simulate a (generalised) urn: each step the adopter picks A with probability
    ``adoption(share of A)`` (Polya's urn when ``adoption`` is None: the share itself).

    Parameters
    ----------
    n_steps : int
        Adopters per replication.
    reps : int
        Replications (simulated together, one vector operation per step).
    initial : (float, float)
        Initial weights (balls) of A and B.
    adoption : callable, optional
        Vectorised map from current shares to pick probabilities, e.g. an S-shaped
        ``lambda x: x**2 / (x**2 + (1 - x)**2)`` (stronger increasing returns).
    lockin_share : float
        A technology is "locked in" when it holds at least this share at the end.
    seed : int or Generator
        Random seed (recorded on the result).
    """
    n_steps = _check_int("n_steps", n_steps)
    reps = _check_int("reps", reps)
    a0, b0 = (float(x) for x in initial)
    if not (a0 > 0 and b0 > 0):
        raise IntelcapValueError(f"initial weights must be positive, got {initial!r}")
    if not 0.5 < lockin_share <= 1:
        raise IntelcapValueError(f"lockin_share must be in (0.5, 1], got {lockin_share!r}")
    rng = as_generator(seed)
    a = np.zeros(reps)
    for t in progress_bar(range(n_steps), desc="urn", progress=progress):
        share = (a0 + a) / (a0 + b0 + t)
        prob = share if adoption is None else np.asarray(adoption(share), dtype=float)
        a += rng.random(reps) < prob
    return UrnResults(a_picks=a, n_steps=n_steps, initial=(a0, b0), lockin_share=lockin_share,
                      seed=seed, polya=adoption is None)


@dataclass(frozen=True)
class ArthurResults:
    """Outcome of :func:`arthur_urn`."""

    n_a: np.ndarray
    locked: np.ndarray  # +1 locked into A, -1 into B, 0 not yet
    lockin_step: np.ndarray  # step at which lock-in happened (-1: not yet)
    barriers: tuple[int, int]
    p_r: float
    seed: Any
    n_agents: int
    params: dict[str, float] = field(default_factory=dict)

    @property
    def reps(self) -> int:
        """Number of replications."""
        return int(self.n_a.size)

    @property
    def lockin_probability(self) -> float:
        """Share of replications locked in (to either technology) by the last agent."""
        return float(np.mean(self.locked != 0))

    @property
    def prob_a(self) -> float:
        """Share of replications locked into A."""
        return float(np.mean(self.locked == 1))

    def mc_se(self, p: float) -> float:
        """Monte Carlo standard error of a simulated probability ``p``."""
        return _mc_se(p, self.reps)

    def closed_form(self) -> dict[str, float]:
        """Gambler's-ruin probability of locking into A (eventually; module docstring)."""
        upper, lower = self.barriers
        p = self.p_r
        if p == 0.5:
            pa = -lower / (upper - lower)
        elif p in (0.0, 1.0):
            pa = float(p)
        else:
            rho = (1 - p) / p
            pa = (1 - rho ** (-lower)) / (1 - rho ** (upper - lower))
        return {"prob_a_eventually": float(pa), "prob_b_eventually": float(1 - pa)}

    def summary_frame(self) -> pd.Series:
        """Replications, lock-in probabilities and the barriers as a Series."""
        return pd.Series({"reps": self.reps, "lockin_probability": self.lockin_probability,
                          "prob_a": self.prob_a, "upper_barrier": self.barriers[0],
                          "lower_barrier": self.barriers[1]}, name="arthur")


def arthur_urn(n_agents: int, *, p_r: float = 0.5, a_r: float = 1.0, b_r: float = 0.0,
               a_s: float = 0.0, b_s: float = 1.0, r: float = 0.2, s: float = 0.2,
               reps: int = 10_000, seed: int | np.random.Generator | None = None,
               progress: bool = False) -> ArthurResults:
    """Simulate Arthur's (1989) two-technology adoption with increasing returns.

    Parameters follow Arthur's Table 1 notation: natural payoffs ``a_r, b_r`` (R-agents, who
    prefer A) and ``a_s, b_s`` (S-agents, who prefer B), and increasing returns ``r, s > 0``
    per previous adopter. ``p_r`` is the probability that the next agent is an R-agent.
    Returns lock-in indicators, lock-in steps and the gambler's-ruin closed form.
    """
    n_agents = _check_int("n_agents", n_agents)
    reps = _check_int("reps", reps)
    if not 0 <= p_r <= 1:
        raise IntelcapValueError(f"p_r must be in [0, 1], got {p_r!r}")
    if not (a_r > b_r and b_s > a_s):
        raise IntelcapValueError("Arthur's set-up needs a_r > b_r (R prefers A) and b_s > a_s "
                                 "(S prefers B)")
    if not (r > 0 and s > 0):
        raise IntelcapValueError(f"increasing returns need r > 0 and s > 0, got r={r}, s={s}")
    delta_s = (b_s - a_s) / s
    delta_r = -(a_r - b_r) / r
    upper = math.floor(delta_s + 1e-12) + 1
    lower = math.ceil(delta_r - 1e-12) - 1
    rng = as_generator(seed)
    d = np.zeros(reps, dtype=np.int64)
    locked = np.zeros(reps, dtype=np.int8)
    step = np.full(reps, -1, dtype=np.int64)
    for t in progress_bar(range(n_agents), desc="arthur", progress=progress):
        walk = 2 * (rng.random(reps) < p_r).astype(np.int64) - 1  # R -> A (+1), S -> B (-1)
        d += np.where(locked != 0, locked, walk)  # locked-in: everyone adopts the leader
        new = (locked == 0) & ((d >= upper) | (d <= lower))
        if new.any():
            locked[new] = np.where(d[new] >= upper, 1, -1)
            step[new] = t + 1
    n_a = (n_agents + d) // 2
    return ArthurResults(n_a=n_a, locked=locked, lockin_step=step, barriers=(upper, lower),
                         p_r=float(p_r), seed=seed, n_agents=n_agents,
                         params={"a_r": a_r, "b_r": b_r, "a_s": a_s, "b_s": b_s, "r": r, "s": s})


@dataclass(frozen=True)
class FlywheelResults:
    """Outcome of :func:`flywheel_duopoly`."""

    n_1: np.ndarray
    n_users: int
    lockin_share: float
    seed: Any
    params: dict[str, float] = field(default_factory=dict)

    @property
    def reps(self) -> int:
        """Number of replications."""
        return int(self.n_1.size)

    @property
    def shares(self) -> np.ndarray:
        """Final share of model 1 in each replication."""
        return self.n_1 / self.n_users

    @property
    def lockin_probability(self) -> float:
        """Share of replications in which one model holds at least ``lockin_share``."""
        s = self.shares
        return float(np.mean((s >= self.lockin_share) | (s <= 1 - self.lockin_share)))

    @property
    def prob_1(self) -> float:
        """Share of replications in which model 1 holds at least ``lockin_share``."""
        return float(np.mean(self.shares >= self.lockin_share))

    def mc_se(self, p: float) -> float:
        """Monte Carlo standard error of a simulated probability ``p``."""
        return _mc_se(p, self.reps)


def flywheel_duopoly(n_users: int, *, q0: tuple[float, float] = (0.0, 0.0), theta: float = 1.0,
                     beta: float = 1.0, reps: int = 10_000, lockin_share: float = 0.9,
                     seed: int | np.random.Generator | None = None,
                     progress: bool = False) -> FlywheelResults:
    r"""Simulate a data-flywheel duopoly (module docstring): quality
    :math:`q_i = q_{i0} + \theta \ln(1 + n_i)`, logit choice with sensitivity ``beta``.

    Returns the users of model 1 per replication; ``lockin_probability`` is the share of
    replications in which one model ends with at least ``lockin_share`` of the users.
    """
    n_users = _check_int("n_users", n_users)
    reps = _check_int("reps", reps)
    if theta < 0 or beta < 0:
        raise IntelcapValueError("theta and beta must be non-negative")
    rng = as_generator(seed)
    n1 = np.zeros(reps)
    dq0 = float(q0[0] - q0[1])
    for t in progress_bar(range(n_users), desc="flywheel", progress=progress):
        gap = dq0 + theta * (np.log1p(n1) - np.log1p(t - n1))
        prob = 1.0 / (1.0 + np.exp(-beta * gap))
        n1 += rng.random(reps) < prob
    return FlywheelResults(n_1=n1, n_users=n_users, lockin_share=lockin_share, seed=seed,
                           params={"q0_1": q0[0], "q0_2": q0[1], "theta": theta, "beta": beta})
