"""Wild and wild cluster bootstrap of the PSTR LM statistic (all replications at once)."""

from __future__ import annotations

import numpy as np

from intelcap._validation import as_generator
from intelcap.estimation.results import TestStatistic
from intelcap.estimation.smooth_transition.lm_tests import SingularMatrix, _invalid, _spd_inverse


def wild_bootstrap_lm(u, x2, w2, lm, reps, seed, null, codes, n_entities, demean):
    """Wild (Rademacher per observation) and wild cluster (per entity) bootstrap of LM_X,
    all replications at once; ``demean`` is the within transformation."""
    rng = as_generator(seed)
    try:
        xx_inv = _spd_inverse(x2.T @ x2, "X'X of the regressors")
        xw = x2.T @ w2
        s1_inv = _spd_inverse(w2.T @ w2 - xw.T @ xx_inv @ xw, "the covariance of the score")
    except SingularMatrix as err:
        return _invalid(err.what, null, ("WB", "WCB"))
    nobs = u.size
    out = {}
    for name, cluster in (("WB", False), ("WCB", True)):
        if cluster:
            v = rng.choice([-1.0, 1.0], size=(n_entities, reps))[codes]
        else:
            v = rng.choice([-1.0, 1.0], size=(nobs, reps))
        e = demean(v * u[:, None])
        e = e - x2 @ (xx_inv @ (x2.T @ e))
        s2 = np.sum((e - e.mean(axis=0)) ** 2, axis=0) / nobs
        g = w2.T @ e
        lm_b = np.einsum("ib,ij,jb->b", g, s1_inv, g) / s2
        pval = float(np.mean(lm_b >= lm))
        out[name] = TestStatistic(
            lm, pval, null=null, dist_name="wild cluster bootstrap" if cluster
            else "wild bootstrap", df=float(w2.shape[1]),
            critical_values={a: float(np.quantile(lm_b, 1 - a)) for a in (.1, .05, .01)},
            replications=lm_b, seed=seed, name=name)
    return out
