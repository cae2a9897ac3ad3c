"""Lock-in simulations (intelcap.tokens.lockin) against their closed forms.

Oracles: Polya's urn started at (a0, b0) gives Beta-binomial(n, a0, b0) A-picks in n steps
exactly, with Beta(a0, b0) as the limit share (Eggenberger and Polya 1923); Arthur's (1989)
lock-in probability is the gambler's-ruin probability of the lead hitting its upper barrier first.
Each simulated probability must lie within 4 Monte Carlo standard errors of the closed form
(seeds stated in each test).
"""

from __future__ import annotations

import numpy as np
import pytest

from intelcap.exceptions import IntelcapError
from intelcap.tokens.lockin import arthur_urn, flywheel_duopoly, simulate_urn


@pytest.mark.parametrize(("initial", "share", "n"), [((1, 1), 0.9, 400), ((2, 3), 0.7, 200),
                                                     ((0.5, 0.5), 0.95, 300)])
def test_polya_urn_matches_beta_binomial(initial, share, n):
    res = simulate_urn(n, reps=40_000, initial=initial, lockin_share=share, seed=20261130)
    cf = res.closed_form()
    for sim, exact in ((res.prob_a, cf["prob_a"]),
                       (res.lockin_probability, cf["lockin_probability"])):
        assert abs(sim - exact) < 4 * res.mc_se(exact) + 1e-12


def test_polya_limit_is_beta_uniform():
    # from (1, 1) the limit share is uniform: P(share >= 0.9) -> 0.1
    res = simulate_urn(2000, reps=20_000, seed=11)
    cf = res.closed_form()
    assert cf["limit_prob_a"] == pytest.approx(0.1, rel=1e-12)
    assert abs(res.prob_a - 0.1) < 4 * res.mc_se(0.1) + 1.0 / 2000
    # the whole distribution: Kolmogorov-Smirnov distance to U(0,1) small
    s = np.sort(res.shares)
    ks = np.max(np.abs(s - (np.arange(1, s.size + 1) / s.size)))
    assert ks < 1.63 / np.sqrt(s.size) + 1.0 / 2000  # 1% KS critical value + discreteness


@pytest.mark.parametrize(("p_r", "r", "s"), [(0.5, 0.2, 0.2), (0.6, 0.3, 0.1), (0.45, 0.5, 0.25)])
def test_arthur_lockin_probability_is_gamblers_ruin(p_r, r, s):
    res = arthur_urn(3000, p_r=p_r, r=r, s=s, reps=20_000, seed=1989)
    assert res.lockin_probability > 0.999  # barriers a few steps away: locked by 3,000
    exact = res.closed_form()["prob_a_eventually"]
    assert abs(res.prob_a - exact) < 4 * res.mc_se(exact)


def test_seed_reproducible_and_generator_accepted():
    a = simulate_urn(50, reps=100, seed=5).a_picks
    b = simulate_urn(50, reps=100, seed=np.random.default_rng(5)).a_picks
    np.testing.assert_array_equal(a, b)


def test_flywheel_without_feedback_is_binomial_and_with_feedback_locks_in():
    none = flywheel_duopoly(400, theta=0.0, reps=5000, seed=3)
    # i.i.d. fair picks: P(share >= 0.9 or <= 0.1) is ~1e-60, the mean share 1/2
    assert none.lockin_probability == 0.0
    assert abs(none.shares.mean() - 0.5) < 4 * np.sqrt(0.25 / 400 / 5000)
    strong = flywheel_duopoly(400, theta=3.0, reps=5000, seed=3)
    assert strong.lockin_probability > 0.95
    assert abs(strong.prob_1 - 0.5 * strong.lockin_probability) < 4 * strong.mc_se(0.5)


def test_bad_parameters():
    with pytest.raises(IntelcapError, match="n_steps"):
        simulate_urn(0)
    with pytest.raises(IntelcapError, match="a_r > b_r"):
        arthur_urn(10, a_r=0.0, b_r=1.0)
    with pytest.raises(IntelcapError, match="r > 0"):
        arthur_urn(10, r=0.0)
