"""The covariance registry (intelcap.estimation.covariance) against statsmodels and linearmodels.

Every case compares the full covariance matrix to rtol 1e-10 with an independent implementation
on a seeded heteroskedastic, clustered, autocorrelated panel (seed 20261130): statsmodels' OLS
(HC0-HC3, one- and two-way cluster, HAC), linearmodels' IV2SLS (unadjusted, robust, clustered,
kernel) and PanelOLS / PooledOLS (clustered one- and two-way, Driscoll-Kraay, with and without
entity effects). Then the failure modes: non-identified parameters and negative variances are
NaN with a warning naming the parameter, bad options raise naming the option.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from intelcap.estimation.covariance import (
    COV_TYPES,
    bread,
    canonical_cov_type,
    check_cov_options,
    covariance,
    default_bandwidth,
)
from intelcap.exceptions import (
    CovarianceWarning,
    DataError,
    IntelcapError,
    MissingDataError,
    SpecificationError,
)

RTOL = 1e-10


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """30 entities x 12 periods; errors heteroskedastic in x1, with entity and time shocks and
    AR(1) dependence over time (so every covariance differs from every other)."""
    rng = np.random.default_rng(20261130)
    n_ent, n_t = 30, 12
    ent = np.repeat(np.arange(n_ent), n_t)
    tim = np.tile(np.arange(2000, 2000 + n_t), n_ent)
    x1 = rng.normal(size=ent.size) + 0.3 * rng.normal(size=n_ent)[ent]
    x2 = rng.uniform(0, 2, ent.size)
    u = np.empty(ent.size)
    for i in range(n_ent):
        e = rng.normal(size=n_t)
        for t in range(1, n_t):
            e[t] += 0.5 * e[t - 1]
        u[ent == i] = e
    y = (1.0 + 0.5 * x1 - 0.2 * x2 + u * (0.5 + 0.4 * np.abs(x1))
         + 0.5 * rng.normal(size=n_ent)[ent] + 0.4 * rng.normal(size=n_t)[tim - 2000])
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "entity": ent, "time": tim})


def _ols(df: pd.DataFrame):
    x = np.column_stack([np.ones(len(df)), df["x1"], df["x2"]])
    y = df["y"].to_numpy()
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    return x, y, y - x @ beta


def _sm(df, cov_type, **kw):
    import statsmodels.api as sm

    x, y, _ = _ols(df)
    return np.asarray(sm.OLS(y, x).fit(cov_type=cov_type, cov_kwds=kw or None).cov_params())


# -- statsmodels ------------------------------------------------------------------------------
@pytest.mark.parametrize(("ours", "debiased", "theirs"), [
    ("unadjusted", True, "nonrobust"),
    ("HC0", False, "HC0"),
    ("robust", False, "HC0"),
    ("HC1", False, "HC1"),
    ("robust", True, "HC1"),
    ("HC2", False, "HC2"),
    ("HC3", False, "HC3"),
], ids=["unadjusted-debiased=nonrobust", "HC0", "robust=HC0", "HC1", "robust-debiased=HC1",
        "HC2", "HC3"])
def test_heteroskedastic_against_statsmodels(panel, ours, debiased, theirs) -> None:
    x, _, e = _ols(panel)
    est = covariance(x, e, ours, debiased=debiased)
    np.testing.assert_allclose(est.cov, _sm(panel, theirs), rtol=RTOL)
    assert est.distribution == ("t" if debiased else "normal")


@pytest.mark.parametrize("debiased", [True, False], ids=["stata-factor", "no-factor"])
def test_one_way_cluster_against_statsmodels(panel, debiased) -> None:
    """statsmodels' ``use_correction=True`` is Stata's G/(G-1) (n-1)/(n-k)."""
    x, _, e = _ols(panel)
    est = covariance(x, e, "clustered", clusters=panel["entity"], debiased=debiased)
    ref = _sm(panel, "cluster", groups=panel["entity"].to_numpy(), use_correction=debiased)
    np.testing.assert_allclose(est.cov, ref, rtol=RTOL)
    assert est.nclusters == (30,)


def test_two_way_cluster_against_statsmodels(panel) -> None:
    """Cameron-Gelbach-Miller with each of V1, V2, V12 corrected by its own G."""
    x, _, e = _ols(panel)
    groups = panel[["entity", "time"]].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CovarianceWarning)
        est = covariance(x, e, "clustered", clusters=groups, debiased=True)
    ref = _sm(panel, "cluster", groups=groups, use_correction=True)
    np.testing.assert_allclose(est.cov, ref, rtol=RTOL)
    assert est.nclusters == (30, 12, 360)
    assert "two-way" in est.description


@pytest.mark.parametrize("bandwidth", [0, 3, 7])
@pytest.mark.parametrize("debiased", [True, False])
def test_newey_west_against_statsmodels(panel, bandwidth, debiased) -> None:
    """Without ``time`` each row is a period: statsmodels' HAC (Bartlett, maxlags=bandwidth)."""
    ts = panel[panel["entity"] == 0]
    ts = pd.concat([ts, panel[panel["entity"] == 1]], ignore_index=True)
    x, _, e = _ols(ts)
    est = covariance(x, e, "kernel", bandwidth=bandwidth, debiased=debiased)
    ref = _sm(ts, "HAC", maxlags=bandwidth, use_correction=debiased)
    np.testing.assert_allclose(est.cov, ref, rtol=RTOL)
    assert est.bandwidth == bandwidth and "Newey-West" in est.description


# -- linearmodels: IV2SLS (cross-section) --------------------------------------------------------
@pytest.mark.parametrize("debiased", [True, False])
@pytest.mark.parametrize(("cov_type", "options"), [
    ("unadjusted", {}),
    ("robust", {}),
    ("clustered", {"clusters": "entity"}),
    ("clustered", {"clusters": ["entity", "time"]}),
    ("kernel", {"bandwidth": 4}),
], ids=["unadjusted", "robust", "clustered", "clustered-two-way", "kernel-bw4"])
def test_against_linearmodels_iv2sls(panel, cov_type, options, debiased) -> None:
    from linearmodels.iv import IV2SLS

    x, _, e = _ols(panel)
    ours_opts = dict(options)
    lm_opts = dict(options)
    if "clusters" in options:
        ours_opts["clusters"] = panel[options["clusters"]].to_numpy()
        lm_opts["clusters"] = panel[options["clusters"]]
    if cov_type == "kernel":
        lm_opts["kernel"] = "bartlett"
    ref = IV2SLS(panel["y"], pd.DataFrame(x), None, None).fit(
        cov_type=cov_type, debiased=debiased, **lm_opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CovarianceWarning)
        est = covariance(x, e, cov_type, debiased=debiased, **ours_opts)
    np.testing.assert_allclose(est.cov, ref.cov.to_numpy(), rtol=RTOL)


# -- linearmodels: panel estimators --------------------------------------------------------------
def _panel_frame(panel):
    return panel.set_index(["entity", "time"])


@pytest.mark.parametrize(("cov_type", "lm_opts", "ours"), [
    ("clustered", {"cluster_entity": True, "group_debias": True},
     {"clusters": "entity"}),
    ("clustered", {"cluster_time": True, "group_debias": True}, {"clusters": "time"}),
    ("clustered", {"cluster_entity": True, "cluster_time": True, "group_debias": True},
     {"clusters": ["entity", "time"]}),
    ("kernel", {}, {"time": "time"}),
    ("kernel", {"bandwidth": 3}, {"time": "time", "bandwidth": 3}),
], ids=["cluster-entity", "cluster-time", "cluster-two-way", "driscoll-kraay-default-bw",
        "driscoll-kraay-bw3"])
def test_pooled_ols_against_linearmodels(panel, cov_type, lm_opts, ours) -> None:
    """PooledOLS with ``debiased=True`` (and ``group_debias=True`` for clusters: together they
    are Stata's factor, our ``debiased``)."""
    from linearmodels.panel import PooledOLS

    df = _panel_frame(panel)
    x, _, e = _ols(panel)
    ref = PooledOLS(df["y"], df[["x1", "x2"]].assign(const=1.0)[["const", "x1", "x2"]]).fit(
        cov_type=cov_type, debiased=True, **lm_opts)
    kw = {k: (panel[v].to_numpy() if k in ("clusters", "time") else v) for k, v in ours.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CovarianceWarning)
        est = covariance(x, e, cov_type, debiased=True, **kw)
    np.testing.assert_allclose(est.cov, ref.cov.to_numpy(), rtol=RTOL)
    if cov_type == "kernel":
        assert est.driscoll_kraay and est.bandwidth == (3 if "bandwidth" in ours
                                                         else default_bandwidth(12))


@pytest.mark.parametrize("debiased", [True, False])
@pytest.mark.parametrize(("cov_type", "lm_opts", "ours"), [
    ("unadjusted", {}, {}),
    ("robust", {}, {}),
    ("clustered", {"cluster_time": True}, {"clusters": "time"}),
    ("kernel", {"bandwidth": 2}, {"time": "time", "bandwidth": 2}),
], ids=["unadjusted", "robust", "cluster-time", "driscoll-kraay-bw2"])
def test_panel_ols_entity_effects_against_linearmodels(panel, cov_type, lm_opts, ours,
                                                      debiased) -> None:
    """PanelOLS with entity effects: the within-transformed design as the Jacobian and the
    30 absorbed effects as ``extra_df`` (linearmodels subtracts them whether or not debiased).
    Clustered by time only: clustering by entity switches linearmodels' effect counting off."""
    from linearmodels.panel import PanelOLS

    df = _panel_frame(panel)
    if cov_type == "clustered":  # with debiased, together Stata's factor
        lm_opts = {**lm_opts, "group_debias": debiased}
    ref = PanelOLS(df["y"], df[["x1", "x2"]], entity_effects=True).fit(
        cov_type=cov_type, debiased=debiased, **lm_opts)
    xw = (panel[["x1", "x2"]] - panel.groupby("entity")[["x1", "x2"]].transform("mean"))
    e = ref.resids.to_numpy()
    kw = {k: (panel[v].to_numpy() if k in ("clusters", "time") else v) for k, v in ours.items()}
    est = covariance(xw.to_numpy(), e, cov_type, debiased=debiased, extra_df=30, **kw)
    np.testing.assert_allclose(est.cov, ref.cov.to_numpy(), rtol=RTOL)


# -- rank deficiency and negative variances -----------------------------------------------------
def test_collinear_parameters_are_named_and_nan(panel) -> None:
    """x3 = x1 + x2: const is identified, x1, x2, x3 are not; no pinv without a word."""
    x, _, e = _ols(panel)
    xx = np.column_stack([x, x[:, 1] + x[:, 2]])
    names = ["const", "x1", "x2", "x3"]
    with pytest.warns(CovarianceWarning, match=r"\['x1', 'x2', 'x3'\] are not identified"):
        est = covariance(xx, e, "robust", names=names)
    assert est.not_identified == ("x1", "x2", "x3")
    assert np.isnan(est.cov[1:, :]).all() and np.isnan(est.cov[:, 1:]).all()
    # the identified intercept keeps the variance it has in the full-rank fit: the design with
    # x3 spans the same space, and the intercept is orthogonal to the null space
    assert np.isfinite(est.cov[0, 0])
    with pytest.warns(CovarianceWarning):
        b, bad = bread(xx, names)
    assert bad == ("x1", "x2", "x3")


def test_negative_variance_is_nan_not_zero() -> None:
    """Two-way clustering subtracts the intersection meat: with one observation per
    (entity, time) cell and scores concentrated within cells the estimate can be negative."""
    rng = np.random.default_rng(7)
    n_e, n_t = 4, 4
    ent = np.repeat(np.arange(n_e), n_t)
    tim = np.tile(np.arange(n_t), n_e)
    x = np.column_stack([np.ones(16), rng.normal(size=16)])
    # residuals alternating so that entity and time sums nearly cancel
    e = np.where((ent + tim) % 2 == 0, 1.0, -1.0) * (1 + 0.01 * rng.normal(size=16))
    with pytest.warns(CovarianceWarning, match="negative variances for"):
        est = covariance(x, e, "clustered", clusters=np.column_stack([ent, tim]),
                         names=["const", "slope"])
    assert est.negative_variance
    for nm in est.negative_variance:
        j = ["const", "slope"].index(nm)
        assert np.isnan(est.cov[j, j])


# -- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "match"), [
    (lambda x, e: covariance(x, e, "HC4"), "cov_type='HC4' is not recognised"),
    (lambda x, e: covariance(x, e, "robust", clusters=np.zeros(len(e))),
     r"does not use clusters= \(used with cov_type='clustered'\)"),
    (lambda x, e: covariance(x, e, "clustered"), "needs clusters="),
    (lambda x, e: covariance(x, e, "clustered", clusters=np.zeros(len(e))),
     "at least two clusters"),
    (lambda x, e: covariance(x, e, "clustered", clusters=np.arange(3)), "3 labels for"),
    (lambda x, e: covariance(x, e, "kernel", bandwidth=-1), "bandwidth must be"),
    (lambda x, e: covariance(x, e, "kernel", bandwidth=len(e)), "must be below the number"),
    (lambda x, e: covariance(x, e, "kernel", kernel="parzen"), "kernel='parzen'"),
    (lambda x, e: covariance(x, e[:-1]), "resids has"),
    (lambda x, e: covariance(x, e, "unadjusted", extra_df=-2), "extra_df must be"),
], ids=["unknown-type", "clusters-with-robust", "clustered-without-clusters",
        "one-cluster", "clusters-length", "negative-bandwidth", "bandwidth-too-large",
        "unknown-kernel", "resids-length", "negative-extra-df"])
def test_bad_options_raise_naming_the_option(panel, call, match) -> None:
    x, _, e = _ols(panel)
    with pytest.raises(IntelcapError, match=match):
        call(x, e)


def test_missing_cluster_label_names_row(panel) -> None:
    x, _, e = _ols(panel)
    g = panel["entity"].astype(float).to_numpy().copy()
    g[5] = np.nan
    with pytest.raises(MissingDataError, match="row 5"):
        covariance(x, e, "clustered", clusters=g)


def test_aliases_and_names() -> None:
    assert canonical_cov_type("homoskedastic") == "unadjusted"
    assert canonical_cov_type("heteroskedastic") == "robust"
    assert set(COV_TYPES) == {"unadjusted", "robust", "HC0", "HC1", "HC2", "HC3", "clustered",
                              "kernel"}
    assert check_cov_options("clustered", clusters=[1, 2]) == "clustered"
    with pytest.raises(SpecificationError, match="debiased|does not use"):
        check_cov_options("robust", bandwidth=3)
    with pytest.raises(DataError, match="not finite"):
        bread(np.array([[1.0, np.nan], [1.0, 2.0], [1.0, 3.0]]))


def test_descriptions() -> None:
    x = np.column_stack([np.ones(6), np.arange(6.0)])
    e = np.array([0.1, -0.2, 0.15, -0.05, 0.0, 0.3])
    assert covariance(x, e, "robust", debiased=True).description == "HC1 (robust, debiased)"
    assert covariance(x, e, "robust").description == "HC0 (robust)"
    assert covariance(x, e).description == "Unadjusted (homoskedastic, s2 = SSR/n)"
    assert covariance(x, e, debiased=True).description.endswith("s2 = SSR/(n-k))")
    assert covariance(x, e, "clustered", clusters=[0, 0, 1, 1, 2, 2]).description == \
        "Clustered (3 clusters, not debiased)"
    d = covariance(x, e, "kernel", time=[1, 1, 2, 2, 3, 3], bandwidth=1).description
    assert d == "Driscoll-Kraay kernel (Bartlett, bandwidth 1, not debiased)"
