"""The covariance test matrix (issue 14, acceptance): every estimator x every ``cov_type`` it
supports, each against an independent computation.

The contract is the registry's (intelcap.estimation.covariance; linearmodels' names and
``debiased`` semantics). The oracle is statsmodels or linearmodels applied to the Gauss-Newton
regression of the estimator's residuals :math:`e` on the Jacobian :math:`J` of its mean function
at the estimate, written out here from each model's documented formula (the design for a linear
model; analytic derivatives for NLS and the smooth transitions; the regime-split design at the
estimated threshold for the threshold models; within-transformed for the fixed-effects panels).
At the estimate :math:`J'e = 0`, so that regression's residuals are :math:`e` and its covariance
is the sandwich with bread :math:`(J'J)^{-1}`. statsmodels' OLS gives unadjusted
(``nonrobust`` = debiased), HC0-HC3, one- and two-way cluster (``use_correction`` = debiased)
and HAC (Newey-West); linearmodels' PooledOLS gives Driscoll-Kraay and, with ``extra_df`` (the
entity effects a within transformation absorbed), every panel covariance. The linearmodels
wrapper (``fit_panel``/``cobb_douglas``) is compared with a direct linearmodels fit, p-values
included (issue 14 item 4).

Every estimator in the matrix computes its covariance through the registry, so every case is
expected to pass (no xfails).

Data: seeded simulations (seed 20261130), small enough that the whole matrix runs in seconds.
Tolerance rtol 1e-10 for the linear estimators, 1e-7 for the nonlinear ones (their Gauss-Newton
regression carries the optimiser's :math:`J'e \\approx 0`; PSTR's concentrated NLS stops with
:math:`J'e` at about 1e-8 of its scale).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

SEED = 20261130


# -- the oracle -------------------------------------------------------------------------------
def _oracle(j: np.ndarray, e: np.ndarray, cov_type: str, debiased: bool, opts: dict,
            extra_df: int = 0, entity: np.ndarray | None = None,
            time: np.ndarray | None = None) -> np.ndarray:
    """statsmodels / linearmodels covariance of the regression of e on J."""
    n, k = j.shape
    if entity is not None:  # panels: PooledOLS, with the absorbed effects as extra_df
        from linearmodels.panel import PooledOLS

        idx = pd.MultiIndex.from_arrays([entity, time])
        kw: dict[str, Any] = {"debiased": debiased, "extra_df": extra_df}
        if cov_type == "clustered":
            kw.update(cluster_entity=True, group_debias=debiased)
        elif cov_type == "kernel":
            kw["bandwidth"] = opts["bandwidth"]
        lm_type = {"HC0": "robust"}.get(cov_type, cov_type)
        res = PooledOLS(pd.Series(e, index=idx), pd.DataFrame(j, index=idx)).fit(
            cov_type=lm_type, **kw)
        return res.cov.to_numpy()
    import statsmodels.api as sm

    mod = sm.OLS(e, j)
    if cov_type == "unadjusted":
        cov = np.asarray(mod.fit().cov_params())
        return cov if debiased else cov * (n - k) / n
    if cov_type == "robust":
        return np.asarray(mod.fit(cov_type="HC1" if debiased else "HC0").cov_params())
    if cov_type in ("HC0", "HC1", "HC2", "HC3"):
        return np.asarray(mod.fit(cov_type=cov_type).cov_params())
    if cov_type == "clustered":
        return np.asarray(mod.fit(cov_type="cluster", cov_kwds={
            "groups": opts["clusters"], "use_correction": debiased}).cov_params())
    return np.asarray(mod.fit(cov_type="HAC", cov_kwds={
        "maxlags": opts["bandwidth"], "use_correction": debiased}).cov_params())


def _deb(debiased: bool) -> dict:
    """``debiased=True`` when asked; otherwise nothing (the default must be not debiased)."""
    return {"debiased": True} if debiased else {}


@dataclass
class Fit:
    cov: np.ndarray
    j: np.ndarray
    e: np.ndarray
    pvalues: np.ndarray | None = None
    extra_df: int = 0
    entity: np.ndarray | None = None
    time: np.ndarray | None = None


# -- data ---------------------------------------------------------------------------------------
def _cross_section(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    x1, x2 = rng.normal(size=n), rng.uniform(0, 2, n)
    g1, g2 = np.arange(n) // 10, np.arange(n) % 10  # firm x year, one observation a cell
    u = (rng.normal(size=n) * (0.4 + 0.3 * np.abs(x1)) + 0.5 * rng.normal(size=12)[g1]
         + 0.5 * rng.normal(size=10)[g2])
    x1 = x1 + 0.5 * rng.normal(size=12)[g1] + 0.5 * rng.normal(size=10)[g2]
    q = rng.uniform(0, 1, n)
    return pd.DataFrame({"x1": x1, "x2": x2, "g1": g1, "g2": g2, "u": u, "q": q,
                         "t": np.arange(n)})


def _panel(n_ent: int = 20, n_t: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + 1)
    ent = np.repeat(np.arange(n_ent), n_t)
    tim = np.tile(np.arange(n_t), n_ent)
    x = rng.normal(size=ent.size) + 0.5 * rng.normal(size=n_ent)[ent]
    q = rng.uniform(0, 1, ent.size)
    u = rng.normal(size=ent.size) * (0.3 + 0.2 * np.abs(x)) + 0.2 * rng.normal(size=n_t)[tim]
    return pd.DataFrame({"entity": ent, "time": tim, "x": x, "q": q, "u": u,
                         "mu": rng.normal(size=n_ent)[ent]})


CS = _cross_section()
PANEL = _panel()


def _opts(case: str, frame: pd.DataFrame, panel: bool = False) -> dict:
    if case == "one-way":  # the fixed-effects panels cluster by entity without being told
        return {"entity_clusters": frame["entity"].to_numpy()} if panel else {
            "clusters": frame["g1"].to_numpy()}
    if case == "two-way":
        return {"clusters": frame[["g1", "g2"]].to_numpy()}
    if case == "nw":
        return {"bandwidth": 3}
    if case == "dk":
        return {"bandwidth": 2, "time": frame["time"].to_numpy()}
    return {}


# -- estimators (through their public API) --------------------------------------------------------
def _ols(cov_type, debiased, opts):
    from intelcap.estimation.linear import OLS

    y = 1 + 0.5 * CS["x1"] - 0.3 * CS["x2"] + CS["u"]
    x = CS[["x1", "x2"]].assign(const=1.0)[["const", "x1", "x2"]]
    kw = {k: v for k, v in opts.items() if k in ("clusters", "bandwidth")}
    res = OLS(y, x).fit(cov_type, **_deb(debiased), **kw)
    return Fit(res.cov.to_numpy(), x.to_numpy(), res.resids.to_numpy())


def _ols_dk(cov_type, debiased, opts):
    from intelcap.estimation.linear import OLS

    y = 1 + 0.8 * PANEL["x"] + PANEL["u"]
    x = PANEL[["x"]].assign(const=1.0)[["const", "x"]]
    res = OLS(y, x).fit(cov_type, **_deb(debiased), time=opts["time"],
                        bandwidth=opts["bandwidth"])
    return Fit(res.cov.to_numpy(), x.to_numpy(), res.resids.to_numpy(),
               entity=PANEL["entity"].to_numpy(), time=PANEL["time"].to_numpy())


def _hedonic(cov_type, debiased, opts):
    from intelcap import prices

    period = CS["t"].to_numpy() % 3
    lp = 2 - 0.7 * period + 0.4 * CS["x1"] + CS["u"]
    data = pd.DataFrame({"price": np.exp(lp), "period": period, "score": CS["x1"],
                         "ctx": CS["x2"]})
    kw = {"clusters": opts["clusters"]} if "clusters" in opts else {}
    res = prices.hedonic_index(data, ["score", "ctx"], cov_type=cov_type, **_deb(debiased),
                               **kw)
    d = (period[:, None] == np.arange(1, 3)[None, :]).astype(float)
    j = np.column_stack([np.ones(len(data)), d, data[["score", "ctx"]].to_numpy()])
    return Fit(res.cov.to_numpy(), j, res.resids.to_numpy())


def _learning_curve(cov_type, debiased, opts):
    from intelcap.tokens.costs import fit_learning_curve

    n = np.geomspace(1, 1e4, 60)
    c = 100 * n ** -0.3 * np.exp(0.2 * CS["u"].to_numpy()[:60])
    res = fit_learning_curve(n, c, cov_type=cov_type, **_deb(debiased),
                             bandwidth=opts.get("bandwidth"))
    j = np.column_stack([np.ones(60), -np.log(n)])
    return Fit(res.cov.to_numpy(), j, res.resids.to_numpy())


def _average_cost(cov_type, debiased, opts):
    from intelcap.tokens.costs import fit_average_cost

    q = np.geomspace(1e3, 1e7, 60)
    ac = 5e4 / q + 0.2 + 0.05 * CS["u"].to_numpy()[:60]
    res = fit_average_cost(q, ac, cov_type=cov_type, **_deb(debiased),
                           bandwidth=opts.get("bandwidth"))
    j = np.column_stack([1 / q, np.ones(60)])
    return Fit(res.cov.to_numpy(), j, res.resids.to_numpy())


def _nls(cov_type, debiased, opts):
    from intelcap.estimation.nls import nls

    x = CS["x2"].to_numpy()
    df = pd.DataFrame({"x": x, "y": 2.0 * np.exp(0.6 * x) + 0.5 * CS["u"].to_numpy()})
    kw = {"clusters": opts["clusters"]} if "clusters" in opts else {}
    res = nls("y ~ a*exp(b*x)", df, {"a": 1.0, "b": 0.3}, cov_type=cov_type,
              **_deb(debiased), **kw)
    a, b = res.params["a"], res.params["b"]
    j = np.column_stack([np.exp(b * x), a * x * np.exp(b * x)])
    return Fit(res.cov.to_numpy(), j, res.resids.to_numpy())


def _lstr(cov_type, debiased, opts):
    from intelcap.estimation.smooth_transition import SmoothTransition

    q = CS["q"].to_numpy()
    x = CS["x1"].to_numpy()
    g_true = 1 / (1 + np.exp(-8 * (q - 0.5) / q.std(ddof=1)))
    y = 0.5 + 1.0 * x + (1.0 + 1.5 * x) * g_true + 0.5 * CS["u"].to_numpy()
    exog = pd.DataFrame({"const": 1.0, "x": x})
    mod = SmoothTransition(pd.Series(y), exog, pd.Series(q, name="q"))
    kw = {"clusters": opts["clusters"]} if "clusters" in opts else {}
    res = mod.fit(start={"gamma": 8.0, "c": 0.5}, cov_type=cov_type, **_deb(debiased), **kw)
    p = res.params.to_numpy()
    gam, c, s = res.gamma, float(np.ravel(res.c)[0]), res.scale
    g = 1 / (1 + np.exp(-gam * (q - c) / s))
    zb = p[2] + p[3] * x
    dens = g * (1 - g)
    j = np.column_stack([np.ones_like(x), x, g, x * g, zb * dens * (q - c) / s,
                         -zb * dens * gam / s])
    return Fit(res.cov.to_numpy(), j, res.resids.to_numpy())


def _demean(a: np.ndarray, codes: np.ndarray) -> np.ndarray:
    a = np.asarray(a, float)
    sums = np.zeros((codes.max() + 1, a.shape[1]))
    np.add.at(sums, codes, a)
    return a - (sums / np.bincount(codes)[:, None])[codes]


def _pstr(cov_type, debiased, opts):
    from intelcap.estimation.smooth_transition import PanelSmoothTransition

    ent, x, q = PANEL["entity"].to_numpy(), PANEL["x"].to_numpy(), PANEL["q"].to_numpy()
    g_true = 1 / (1 + np.exp(-10 * (q - 0.5)))
    y = PANEL["mu"].to_numpy() + 1.0 * x + 1.5 * x * g_true + PANEL["u"].to_numpy()
    idx = pd.MultiIndex.from_arrays([ent, PANEL["time"].to_numpy()], names=["i", "t"])
    mod = PanelSmoothTransition(pd.Series(y, index=idx), pd.DataFrame({"x": x}, index=idx),
                                pd.Series(q, index=idx, name="q"))
    kw = {k: v for k, v in opts.items() if k == "bandwidth"}  # time: the index's second level
    res = mod.fit(start={"gamma": 10.0, "c": 0.5}, cov_type=cov_type, **_deb(debiased), **kw)
    p = res.params.to_numpy()
    gam, c, s = res.gamma, float(np.ravel(res.c)[0]), res.scale
    g = 1 / (1 + np.exp(-gam * (q - c) / s))
    dens = g * (1 - g)
    raw = np.column_stack([x, x * g, p[1] * x * dens * (q - c) / s, -p[1] * x * dens * gam / s])
    return Fit(res.cov.to_numpy(), _demean(raw, ent), res.resids.to_numpy(),
               extra_df=int(ent.max()) + 1, entity=ent, time=PANEL["time"].to_numpy())


def _threshold(cov_type, debiased, opts):
    from intelcap.estimation.threshold import ThresholdRegression

    q, x = CS["q"].to_numpy(), CS["x1"].to_numpy()
    y = np.where(q <= 0.4, 1 + 0.2 * x, 2 + 1.2 * x) + CS["u"].to_numpy()
    exog = pd.DataFrame({"x": x})
    mod = ThresholdRegression(pd.Series(y, name="y"), exog, pd.Series(q, name="q"))
    kw = {"clusters": opts["clusters"]} if "clusters" in opts else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mod.fit(cov_type=cov_type, **_deb(debiased), bootstrap=0, progress=False, **kw)
    xx = np.column_stack([np.ones_like(x), x])
    low = (q <= res.threshold)[:, None]
    return Fit(res.cov.to_numpy(), np.column_stack([xx * low, xx * ~low]),
               res.resids.to_numpy())


def _panel_threshold(cov_type, debiased, opts):
    from intelcap.estimation.panel_threshold import PanelThreshold

    ent, x, q = PANEL["entity"].to_numpy(), PANEL["x"].to_numpy(), PANEL["q"].to_numpy()
    w = CS["x2"].to_numpy()[: ent.size] if ent.size <= len(CS) else np.cos(np.arange(ent.size))
    y = PANEL["mu"].to_numpy() + 0.3 * w + np.where(q <= 0.5, 0.5, 1.5) * x \
        + PANEL["u"].to_numpy()
    idx = pd.MultiIndex.from_arrays([ent, PANEL["time"].to_numpy()], names=["i", "t"])
    mod = PanelThreshold(pd.Series(y, index=idx, name="y"), pd.DataFrame({"w": w}, index=idx),
                         pd.Series(q, index=idx, name="q"),
                         regime_exog=pd.Series(x, index=idx, name="x"))
    kw = {k: v for k, v in opts.items() if k in ("bandwidth", "time")}
    res = mod.fit(1, convention="exhaustive", thresholds=[0.5], bootstrap=0, progress=False,
                  cov_type=cov_type, **_deb(debiased), **kw)
    low = (q <= 0.5).astype(float)
    raw = np.column_stack([w, x * low, x * (1 - low)])
    return Fit(res.cov.to_numpy(), _demean(raw, ent), res.resids.to_numpy(),
               extra_df=int(ent.max()) + 1, entity=ent, time=PANEL["time"].to_numpy())


def _diffusion(cov_type, debiased, opts):
    """The diffusion fit offers the classical covariance only (unadjusted, debiased)."""
    from intelcap.tokens.diffusion import DIFFUSION_MODELS, fit_diffusion

    t = np.arange(40.0)
    y = 100 / (1 + np.exp(-0.3 * (t - 20))) * np.exp(0.05 * CS["u"].to_numpy()[:40])
    res = fit_diffusion(t, y, "logistic")
    spec, theta = DIFFUSION_MODELS["logistic"], res.params.to_numpy()
    h = 1e-20  # complex step: d ln f / d theta_j exactly to rounding
    j = np.column_stack([np.imag(np.log(spec.curve(t.astype(complex), *(
        theta + 1j * h * (np.arange(theta.size) == m))))) / h for m in range(theta.size)])
    return Fit(res.cov.to_numpy(), j, res.resids.to_numpy())


ESTIMATORS = {"OLS": _ols, "OLS-panel": _ols_dk, "hedonic_index": _hedonic,
              "fit_learning_curve": _learning_curve, "fit_average_cost": _average_cost,
              "nls": _nls, "LSTR": _lstr, "PSTR": _pstr, "ThresholdRegression": _threshold,
              "PanelThreshold": _panel_threshold, "fit_diffusion": _diffusion}

_CROSS = [("unadjusted", False, ""), ("unadjusted", True, ""), ("robust", False, ""),
          ("robust", True, ""), ("HC0", False, ""), ("HC1", False, ""), ("HC2", False, ""),
          ("HC3", False, ""), ("clustered", False, "one-way"), ("clustered", True, "one-way"),
          ("clustered", True, "two-way")]
_TIME = [("kernel", False, "nw"), ("kernel", True, "nw")]
_PANEL = [("unadjusted", False, ""), ("unadjusted", True, ""), ("robust", False, ""),
          ("robust", True, ""), ("clustered", False, "one-way"), ("clustered", True, "one-way"),
          ("kernel", True, "dk")]

SUPPORTED = {
    "OLS": _CROSS + _TIME,
    "OLS-panel": [("kernel", True, "dk"), ("kernel", False, "dk")],
    "hedonic_index": _CROSS,
    "fit_learning_curve": _CROSS[:8] + _TIME,
    "fit_average_cost": _CROSS[:8] + _TIME,
    "nls": _CROSS,
    "LSTR": _CROSS,
    "PSTR": _PANEL,
    "ThresholdRegression": _CROSS,
    "PanelThreshold": _PANEL,
    "fit_diffusion": [("unadjusted", True, "")],
}

def _case_id(case: tuple[str, bool, str]) -> str:
    cov_type, debiased, opt = case
    return f"{cov_type}{'-' + opt if opt else ''}-{'debiased' if debiased else 'plain'}"


def _params():
    out = []
    for est, cases in SUPPORTED.items():
        for case in cases:
            cid = f"{est}-{_case_id(case)}"
            out.append(pytest.param(est, *case, id=cid))
    return out


@pytest.mark.parametrize(("estimator", "cov_type", "debiased", "option"), _params())
def test_covariance_matrix(estimator: str, cov_type: str, debiased: bool, option: str) -> None:
    """Covariance of the estimator equals the oracle's for the same cov_type and debiased."""
    panel = estimator in ("PSTR", "PanelThreshold", "OLS-panel")
    opts = _opts(option, PANEL if panel else CS, panel)
    fit = ESTIMATORS[estimator](cov_type, debiased, opts)
    # entity effects are nested in entity clusters and not counted (linearmodels' PanelOLS,
    # Stata's xtreg, fe vce(cluster))
    extra = 0 if cov_type == "clustered" else fit.extra_df
    ref = _oracle(fit.j, fit.e, cov_type, debiased, opts, extra, fit.entity, fit.time)
    rtol = 1e-10 if estimator in ("OLS", "OLS-panel", "hedonic_index", "fit_learning_curve",
                                  "fit_average_cost") else 1e-7
    np.testing.assert_allclose(fit.cov, ref, rtol=rtol, atol=1e-14 * np.abs(ref).max())


# -- the linearmodels wrapper ---------------------------------------------------------------------
_WRAPPER = [("unadjusted", False, {}), ("unadjusted", True, {}), ("robust", False, {}),
            ("robust", True, {}), ("clustered", False, {"cluster_entity": True}),
            ("clustered", True, {"cluster_entity": True}),
            ("clustered", True, {"cluster_entity": True, "cluster_time": True}),
            ("kernel", True, {"bandwidth": 2}), ("kernel", False, {})]


@pytest.mark.parametrize("estimator", ["pooled", "within"])
@pytest.mark.parametrize(("cov_type", "debiased", "options"), _WRAPPER,
                         ids=["unadjusted-plain", "unadjusted-debiased", "robust-plain",
                              "robust-debiased", "clustered-entity-plain",
                              "clustered-entity-debiased", "clustered-two-way-debiased",
                              "driscoll-kraay-bw2-debiased", "driscoll-kraay-default-plain"])
def test_linearmodels_wrapper_matrix(estimator, cov_type, debiased, options) -> None:
    """``cobb_douglas`` (through ``fit_panel``) against a direct linearmodels fit of the same
    logs: covariance to 1e-10 and p-values to 1e-9 (the reference distribution follows
    ``debiased``)."""
    from linearmodels.panel import PanelOLS, PooledOLS

    from intelcap.estimation.linear import cobb_douglas

    idx = pd.MultiIndex.from_arrays([PANEL["entity"], PANEL["time"]], names=["i", "t"])
    k = np.exp(PANEL["x"].to_numpy())
    lab = np.exp(PANEL["q"].to_numpy())
    y = np.exp(PANEL["mu"] + 0.3 * np.log(k) + 0.6 * np.log(lab) + PANEL["u"]).to_numpy()
    data = pd.DataFrame({"Y": y, "K": k, "L": lab}, index=idx)
    res = cobb_douglas(data, "Y", ["K", "L"], estimator=estimator, cov_type=cov_type,
                       **_deb(debiased), **options)
    logs = pd.DataFrame({"ln_K": np.log(k), "ln_L": np.log(lab)}, index=idx)
    if estimator == "pooled":
        ref = PooledOLS(np.log(data["Y"]), logs.assign(const=1.0)[["const", "ln_K", "ln_L"]])
    else:
        ref = PanelOLS(np.log(data["Y"]), logs, entity_effects=True)
    lm = ref.fit(cov_type=cov_type, debiased=debiased, **options)
    np.testing.assert_allclose(res.cov.to_numpy(), lm.cov.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.pvalues.to_numpy(), lm.pvalues.to_numpy(), rtol=1e-9)
    # linearmodels' panel models default to debiased=True; intelcap's wrapper defaults to
    # False, as its covariance registry, and passes the flag on explicitly
    assert res.distribution == ("t" if debiased else "normal")
    assert lm._debiased == debiased and res.lm_result._debiased == debiased
