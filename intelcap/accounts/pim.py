r"""Perpetual inventory method: capital stocks, consumption of fixed capital, capital services.

From investment series the engine builds, for every series at once,

- the **gross stock** :math:`G_t = \sum_a I_{t-a}\, g(a)` (surviving assets at as-new prices),
- the **net (wealth) stock** :math:`K_t = \sum_a I_{t-a}\, n(a)` (assets at their used prices),
- the **productive stock** :math:`K^P_t = \sum_a I_{t-a}\, p(a)` (efficiency units),
- **consumption of fixed capital** :math:`D_t = \sum_a I_{t-a}\, [n(a-1) - n(a)]`,
  :math:`n(-1) = 1`, so that :math:`K_t = K_{t-1} + I_t - D_t`,

where :math:`a` counts the periods since the investment period and the weights :math:`g, n, p`
come from the cohort survival, age-price and age-efficiency profiles
(:mod:`intelcap.accounts.profiles`, :mod:`intelcap.accounts.retirement`; OECD 2009, chapter
"Computing Net, Gross and Productive Capital Stocks and Depreciation")
under a timing convention. All stocks are end-of-period stocks. The sums are a causal convolution
computed for all series at once (one matrix product per distinct asset type).

References
----------
OECD (2009), *Measuring Capital - OECD Manual*, second edition, Paris: OECD Publishing.
BEA (2003), *Fixed Assets and Consumer Durable Goods in the United States, 1925-97*, Washington DC:
U.S. Department of Commerce (methodology: geometric depreciation, half-year convention).
Fraumeni, B. M. (1997), "The measurement of depreciation in the U.S. National Income and Product
Accounts", *Survey of Current Business* 77(7), 7-23.
Jorgenson, D. W. (1963), "Capital theory and investment behavior", *American Economic Review*
53(2), 247-259 (the user cost of capital).
Harberger, A. C. (1978), "Perspectives on capital and technology in less developed countries",
in *Contemporary Economic Analysis*, London: Croom Helm (the steady-state initial stock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap._validation import check_choice, progress_bar
from intelcap.accounts._pim_data import Layout, _py, broadcast_param, from_input
from intelcap.accounts._pim_data import _starts as _series_starts
from intelcap.accounts._pim_kernels import (
    convolve,
    convolve_fft,
    finite_kernels,
    geometric_kernels,
    kernels,
)
from intelcap.accounts._pim_services import CapitalServices
from intelcap.accounts.profiles import (
    BEA_DECLINING_BALANCE,
    PROFILES,
    AgeProfile,
    Geometric,
    _check_rate,
    get_profile,
)
from intelcap.accounts.retirement import RETIREMENTS, Retirement, get_retirement
from intelcap.exceptions import (
    DataError,
    IntelcapTypeError,
    ParameterError,
    SpecificationError,
)

__all__ = ["CapitalServices", "PIMResult", "TIMINGS", "pim"]

#: Timing conventions (see :func:`pim`).
TIMINGS = ("beginning", "mid", "end")
#: Measures computed by the engine, in this order.
MEASURES = ("gross", "net", "productive", "cfc")
#: Distinct asset types above which the engine switches from Toeplitz products to an FFT with a
#: kernel per series.
_FFT_GROUPS = 64
#: Relative weight below which the pre-sample history is cut (initial stocks).
_PRE_TAIL = 1e-13


@dataclass(frozen=True)
class _Group:
    """One asset type: the parameters shared by a set of series."""

    profile: AgeProfile
    retirement: Retirement | None
    life: float | None
    delta: float | None  # geometric rate (None for other profiles)


def _parameter_table(
    profile: str | AgeProfile,
    layout: Layout,
    rate: Any,
    service_life: Any,
    retirement: str | Retirement | None,
    cv: Any,
    options: dict[str, Any],
) -> tuple[dict[str, np.ndarray], str, dict[str, Any]]:
    """Per-series parameter arrays (NaN = unset), checked; the profile name; other options."""
    if isinstance(profile, AgeProfile):
        name = profile.name
    else:
        check_choice("profile", profile, PROFILES)
        name = profile
    if retirement is not None and not isinstance(retirement, Retirement):
        check_choice("retirement", retirement, RETIREMENTS)
    num_opts = {k: v for k, v in options.items() if k in ("beta", "declining_balance")}
    other = {k: v for k, v in options.items() if k not in num_opts}
    cols = {
        "rate": broadcast_param(rate, "rate", layout),
        "service_life": broadcast_param(service_life, "service_life", layout),
        "cv": broadcast_param(cv, "cv", layout),
    }
    for k, v in num_opts.items():
        cols[k] = broadcast_param(v, k, layout)
    for k, arr in cols.items():
        bad = ~np.isnan(arr) & ~np.isfinite(arr)
        if bad.any():
            s = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"{k} is not finite for {layout.describe(s)}")
    life = cols["service_life"]
    bad = ~np.isnan(life) & (life <= 0)
    if bad.any():
        s = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"service_life={_py(life[s])!r} for {layout.describe(s)} must be positive"
        )
    return cols, name, other


def _simple_geometric(
    profile: str | AgeProfile,
    retirement: Any,
    cols: dict[str, np.ndarray],
    other: dict[str, Any],
    layout: Layout,
) -> np.ndarray | None:
    """Per-series geometric rates when every series is geometric without retirement, else None.

    Checked vectorised (0 < delta <= 1), naming the first series at fault.
    """
    if not (profile == "geometric" or isinstance(profile, Geometric)):
        return None
    if retirement not in (None, "none") or not np.isnan(cols["cv"]).all():
        return None
    if "beta" in cols or set(other) - {"basis"}:
        return None
    if isinstance(profile, Geometric):
        if not (np.isnan(cols["rate"]).all() and np.isnan(cols["service_life"]).all()):
            return None
        return np.full(layout.n_series, profile.delta)
    rate, life = cols["rate"], cols["service_life"]
    db = cols.get("declining_balance", np.full(layout.n_series, BEA_DECLINING_BALANCE))
    db = np.where(np.isnan(db), BEA_DECLINING_BALANCE, db)
    missing = np.isnan(rate) & np.isnan(life)
    if missing.any():
        s = int(np.flatnonzero(missing)[0])
        raise SpecificationError(
            "the geometric profile needs rate= or service_life= (with declining_balance=) "
            f"({layout.describe(s)})"
        )
    delta = np.where(np.isnan(rate), db / np.where(np.isnan(life), 1.0, life), rate)
    bad = ~(delta > 0) | (delta > 1)
    if bad.any():
        s = int(np.flatnonzero(bad)[0])
        how = "" if not np.isnan(rate[s]) else (
            f" (declining_balance={_py(db[s])} / service_life={_py(life[s])})")
        raise ParameterError(
            f"geometric depreciation rate must be in (0, 1], got {_py(delta[s])!r}{how} "
            f"({layout.describe(s)})"
        )
    return delta


def _geometric_recursion(x: np.ndarray, delta: np.ndarray, timing: str) -> np.ndarray:
    r"""Gross, net, productive stocks and CFC for geometric types by the recursion in time.

    :math:`K_t = (1-\delta) K_{t-1} + c\, I_t`, :math:`D_t = \delta K_{t-1} + (1-c) I_t`,
    :math:`G_t = G_{t-1} + I_t`, with :math:`c` = 1 - delta, 1 - delta/2, 1 for the beginning,
    mid and end timing: one vector operation per period over all series (any number of rates).
    Returns shape (n, 4, T).
    """
    n, T = x.shape
    keep = 1.0 - delta
    c = {"beginning": keep, "mid": 1.0 - 0.5 * delta, "end": np.ones(n)}[timing]
    xt = np.ascontiguousarray(x.T)  # (T, n): each period a contiguous row
    net = np.empty((T, n))
    cfc = np.empty((T, n))
    prev = np.zeros(n)
    inflow = c[None, :] * xt
    for t in range(T):
        np.multiply(keep, prev, out=net[t])
        net[t] += inflow[t]
        prev = net[t]
    cfc[0] = xt[0] - net[0]
    cfc[1:] = delta * net[:-1] + (1.0 - c) * xt[1:]
    cfc[0] = (1.0 - c) * xt[0]
    out = np.empty((n, 4, T))
    out[:, 0, :] = np.cumsum(x, axis=1)
    out[:, 1, :] = net.T
    out[:, 2, :] = net.T
    out[:, 3, :] = cfc.T
    return out


def _group_parameters(
    profile: str | AgeProfile,
    name: str,
    retirement: str | Retirement | None,
    cols: dict[str, np.ndarray],
    other: dict[str, Any],
    layout: Layout,
) -> tuple[list[_Group], np.ndarray]:
    """Distinct asset types and the group code of each series."""
    table = np.column_stack(list(cols.values()))
    key = np.where(np.isnan(table), -np.inf, table)
    if (key == key[:1]).all():  # one asset type (scalar parameters): no sort needed
        uniq, first = key[:1], np.zeros(1, dtype=np.int64)
        inverse = np.zeros(len(key), dtype=np.int64)
    else:
        uniq, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
    groups = []
    names = list(cols)
    for g, row in enumerate(uniq):
        vals = {k: (None if v == -np.inf else float(v)) for k, v in zip(names, row, strict=True)}
        where = layout.describe(int(first[g]))
        groups.append(_make_group(profile, name, retirement, vals, other, where))
    return groups, inverse


def _make_group(
    profile: str | AgeProfile,
    name: str,
    retirement: str | Retirement | None,
    vals: dict[str, float | None],
    other: dict[str, Any],
    where: str,
) -> _Group:
    rate, life, cv = vals.pop("rate"), vals.pop("service_life"), vals.pop("cv")
    try:
        if isinstance(profile, AgeProfile):
            prof = profile
        elif name == "geometric":
            opts = {k: v for k, v in vals.items() if v is not None and k == "declining_balance"}
            if "beta" in vals and vals["beta"] is not None:
                raise SpecificationError("beta= applies to the hyperbolic profile only")
            prof = get_profile(name, rate=rate, service_life=life, **opts, **other)
        else:
            if rate is not None:
                raise SpecificationError(
                    f"rate= applies to the geometric profile; {name!r} takes service_life="
                )
            if vals.get("declining_balance") is not None:
                raise SpecificationError("declining_balance= applies to the geometric profile")
            opts = {"beta": vals["beta"]} if vals.get("beta") is not None else {}
            prof = get_profile(name, **opts, **other)
        if isinstance(prof, Geometric):
            delta = prof.delta
            if life is None and retirement is not None:
                raise SpecificationError(
                    "a retirement distribution needs the mean service life: pass service_life="
                )
        else:
            delta = None
            if life is None:
                raise SpecificationError(f"profile {name!r} needs service_life=")
        ret = None
        if retirement is not None and retirement != "none":
            ret = get_retirement(retirement, life, cv)
        elif cv is not None:
            raise SpecificationError("cv= is given but retirement= is None")
    except (ParameterError, SpecificationError) as exc:
        raise type(exc)(f"{exc} ({where})") from None
    return _Group(prof, ret, life, delta)


def _estimate_growth(x: np.ndarray, start: np.ndarray, n_obs: int, layout: Layout) -> np.ndarray:
    """Trend growth of investment over its first ``n_obs`` periods (log-linear least squares)."""
    n, T = x.shape
    idx = start[:, None] + np.arange(n_obs)[None, :]
    valid = idx < T
    vals = np.take_along_axis(x, np.minimum(idx, T - 1), axis=1)
    m = valid.sum(axis=1)
    if (m < 2).any():
        s = int(np.flatnonzero(m < 2)[0])
        raise DataError(
            f"initial_stock='steady_state' needs at least two periods of investment to estimate "
            f"its growth; {layout.describe(s)} has {int(m[s])}; pass initial_growth="
        )
    bad = valid & ~(vals > 0)
    if bad.any():
        s, j = np.argwhere(bad)[0]
        raise DataError(
            f"initial_stock='steady_state' takes logs of early investment, but "
            f"{layout.describe(s)} has {_py(vals[s, j])!r} at period "
            f"{_py(layout.periods[idx[s, j]])!r}; pass initial_growth= (or an initial stock)"
        )
    t = np.where(valid, np.arange(n_obs)[None, :], 0.0)
    y = np.where(valid, np.log(np.where(valid, vals, 1.0)), 0.0)
    tm = t.sum(1) / m
    ym = y.sum(1) / m
    cov = (np.where(valid, (t - tm[:, None]) * (y - ym[:, None]), 0.0)).sum(1)
    var = (np.where(valid, (t - tm[:, None]) ** 2, 0.0)).sum(1)
    return np.expm1(cov / var)


def pim(
    investment: pd.Series | pd.DataFrame,
    *,
    profile: str | AgeProfile = "geometric",
    rate: Any = None,
    service_life: Any = None,
    retirement: str | Retirement | None = None,
    cv: Any = None,
    timing: str = "mid",
    deflator: pd.Series | pd.DataFrame | None = None,
    initial_stock: Any = None,
    progress: bool = False,
    keys: list[str] | str | None = None,
    period: str = "period",
    value: str = "value",
    discount_rate: float = 0.04,
    deflator_base: float = 1.0,
    initial_growth: Any = None,
    growth_periods: int = 5,
    allow_negative: bool = False,
    **profile_options: Any,
) -> PIMResult:
    r"""Run the perpetual inventory method on one or many investment series.

    Parameters
    ----------
    investment : pandas.Series or pandas.DataFrame
        Gross fixed capital formation by period: a Series (index = periods), a wide DataFrame
        (index = periods, one column per series) or a long DataFrame with key columns, a period
        column and a value column (``keys=``, ``period=``, ``value=``; a DataFrame holding both
        a ``period`` and a ``value`` column is read as long). In current prices when a
        ``deflator`` is given, else in constant prices. Periods must increase and be regularly
        spaced; a series may start late (NaN before its first value, or no rows in a long
        table) but may not have gaps.
    profile : {"geometric", "straight_line", "hyperbolic"} or AgeProfile
        Age profile (:mod:`intelcap.accounts.profiles`). Options go in ``**profile_options``
        (``beta=`` for hyperbolic, ``declining_balance=`` for geometric, ``basis=``).
    rate : float, Series or dict, optional
        Geometric depreciation rate per period. Without it the geometric rate is
        ``declining_balance / service_life`` (``declining_balance`` 1.65 by default, BEA for
        software: 1.65 / 3 = 0.55, 1.65 / 5 = 0.33).
    service_life : float, Series or dict, optional
        Service life in periods: the life of the straight-line and hyperbolic profiles, the mean
        of the retirement distribution, the base of the geometric declining-balance rate.
    retirement : {None, "none", "winfrey_s3", "weibull", "lognormal", "gamma", "truncated_normal"}
        Distribution of service lives around ``service_life``
        (:mod:`intelcap.accounts.retirement`). ``None``: the geometric profile never retires
        assets; the finite-life profiles retire every asset at exactly ``service_life``.
    cv : float, Series or dict, optional
        Coefficient of variation of service lives (two-parameter distributions).
    timing : {"mid", "beginning", "end"}
        When investment enters the stock within its period. The weight of a vintage of age
        :math:`a` (periods since the investment period) in an end-of-period stock, from a cohort
        profile :math:`f(x)` of continuous age :math:`x`:

        - ``"mid"``: investment is placed in service on average at mid-period, taken as half of
          it in place at the start of the period and half at its end (the average of the two
          conventions below); :math:`w(a) = [f(a) + f(a+1)] / 2`, the same rule for the
          survival, efficiency and price profiles, so the stocks stay consistent with each
          other. For the geometric profile this is BEA's half-year convention: first-period
          depreciation :math:`\delta / 2`, then :math:`(1-\delta/2)(1-\delta)^{a}`
          (BEA 2003; Fraumeni 1997); for straight-line depreciation over :math:`L` periods it
          spreads depreciation over :math:`L+1` periods (half a period's worth first and last).
        - ``"beginning"``: investment is in place at the start of its period and depreciates
          over all of it; :math:`w(a) = f(a+1)`.
        - ``"end"``: investment is valued at the end of its first period, new, without
          depreciation in that period; :math:`w(a) = f(a)`. For the geometric profile this is the
          textbook recursion :math:`K_t = (1-\delta) K_{t-1} + I_t` behind Harberger's
          steady-state stock :math:`I/(g+\delta)`.
    deflator : Series or DataFrame, optional
        Price index of the investment good, aligned with ``investment``: a Series by period (the
        same index for every series) or an object laid out like ``investment``. Investment is
        deflated to constant prices, :math:`I / (P/P_0)` with ``deflator_base`` :math:`P_0`
        (100 for an index with base 100); stocks and CFC are revalued to current prices at the
        period's price.
    initial_stock : float, Series, dict or "steady_state", optional
        Net stock (constant prices) at the end of the period before each series' first value.
        Its vintages are assumed to follow steady-state growth :math:`I_{-k} \propto (1+g)^{-k}`
        at rate ``initial_growth`` (default: the trend growth of the first ``growth_periods``
        periods of investment). ``"steady_state"`` also sets its level from the first
        investment, :math:`I_{-k} = I_0 (1+g)^{-k}` (the steady-state method; for the geometric
        profile with ``timing="end"`` it is Harberger's :math:`K_{-1} = I_0 / (g + \delta)`).
    progress : bool
        Show a progress bar over asset types.
    keys, period, value : str
        Column names of a long table (``keys`` default: every other column).
    discount_rate : float
        Real rate :math:`r > -1` used to turn an age-efficiency profile into its age-price
        profile (4 % real by default); no effect on a geometric profile without
        retirement.
    deflator_base : float
        Value of the deflator in its reference period (1 by default).
    initial_growth : float, Series or dict, optional
        Growth rate of the pre-sample investment (see ``initial_stock``).
    growth_periods : int
        Periods used to estimate ``initial_growth``.
    allow_negative : bool
        Accept negative investment (net disposals); by default it is an error.
    **profile_options
        Options of the profile (``beta``, ``declining_balance``, ``basis``).

    Returns
    -------
    PIMResult
        ``gross``, ``net``, ``productive``, ``cfc`` (constant prices), ``net_current``,
        ``cfc_current``, ``gross_current`` (current prices), laid out like ``investment``;
        ``to_long()``, ``plot()``, ``capital_services(...)``.

    Raises
    ------
    DataError, MissingDataError
        Negative investment (without ``allow_negative``), gaps, periods out of order or not
        regularly spaced; the message names the series and the period.
    ParameterError, SpecificationError
        Service life <= 0, ``cv`` outside its range, a discount rate <= -1, unknown names.

    Notes
    -----
    With constant investment :math:`I`, a geometric rate :math:`\delta` and the half-year
    convention, :math:`D_1 = I\delta/2`, :math:`K_1 = I(1-\delta/2)` and
    :math:`K_t = (1-\delta) K_{t-1} + (1 - \delta/2) I_t \to I(1-\delta/2)/\delta`.

    Net <= gross holds when the age-price profile of the cohort stays below its survival
    function, which the efficiency-to-price conversion guarantees for retirement distributions
    with an increasing hazard (Weibull, gamma with cv <= 1, the truncated normal, Winfrey, and
    the lognormal over practical ages). With a decreasing hazard (cv > 1) long-lived survivors
    carry most of a vintage's value and the net stock can exceed the gross stock at high ages.
    A concave age-price profile (``profile="hyperbolic", basis="price"``) implies efficiency
    rising with age, so the productive stock can exceed the gross stock.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pim(pd.Series(100.0, index=range(2001, 2004)), rate=0.33)
    >>> res.cfc.round(5).tolist()
    [16.5, 44.055, 62.51685]
    """
    check_choice("timing", timing, TIMINGS)
    discount_rate = _check_rate(discount_rate, "discount_rate")
    x_raw, layout = from_input(investment, keys=keys, period=period, value=value)
    n, T = x_raw.shape
    start = _series_starts(x_raw, layout, "investment")
    late = bool(start.any())
    x = np.where(np.isnan(x_raw), 0.0, x_raw) if late else x_raw
    if not allow_negative and x.size and x.min() < 0:  # one reduction, no temporary
        s, t = np.argwhere(x < 0)[0]
        raise DataError(
            f"investment of {layout.describe(s)} is negative ({_py(x[s, t])!r}) at period "
            f"{_py(layout.periods[t])!r}; pass allow_negative=True for net disposals"
        )
    price = _deflator(deflator, layout, x_raw, deflator_base)
    if price is not None:
        x = x / price
    cols, name, other = _parameter_table(
        profile, layout, rate, service_life, retirement, cv, profile_options
    )
    init = _initial(initial_stock, initial_growth, growth_periods, x, start, layout)
    m = len(MEASURES)
    fast = None if init is not None else _simple_geometric(profile, retirement, cols, other,
                                                             layout)
    groups: list[_Group] | None = None
    code: np.ndarray | None = None
    kerns: list[np.ndarray] = []
    members: list[np.ndarray] = []
    if fast is not None:  # geometric, no retirement: one recursion in time over all series
        by_series = _geometric_recursion(x, fast, timing)
        out = by_series.transpose(1, 0, 2)
        series_delta = fast
    else:
        groups, code = _group_parameters(profile, name, retirement, cols, other, layout)
        buf = np.empty((n, m * T))
        out = buf.reshape(n, m, T).transpose(1, 0, 2)  # (measure, series, period) view
        n_groups = len(groups)
        members = _members(code, n_groups)
        ages = np.full(n_groups, T)
        if init is not None:
            ages = ages + np.array([_pre_horizon(grp, init[1], layout, members[g])
                                    for g, grp in enumerate(groups)], dtype=int)
        kerns = [None] * n_groups  # type: ignore[list-item]
        simple = [g for g, grp in enumerate(groups) if grp.delta is not None
                  and grp.retirement is None and isinstance(grp.profile, Geometric)]
        if simple:  # geometric without retirement: closed form for all these types at once
            kg = geometric_kernels(np.array([groups[g].delta for g in simple]),
                                   int(ages[simple].max()), timing)
            for j, g in enumerate(simple):
                kerns[g] = kg[j]
        batches: dict[AgeProfile, list[int]] = {}
        for g, grp in enumerate(groups):  # finite lives without retirement: batch by profile
            if kerns[g] is None and grp.retirement is None and grp.delta is None:
                batches.setdefault(grp.profile, []).append(g)
        for prof, members_g in batches.items():
            if len(members_g) > 1:
                kb = finite_kernels(prof, np.array([groups[g].life for g in members_g]),
                                    int(ages[members_g].max()), timing, discount_rate)
                for j, g in enumerate(members_g):
                    kerns[g] = kb[j]
        rest = [g for g in range(n_groups) if kerns[g] is None]
        for g in progress_bar(rest, desc="pim", progress=progress):
            grp = groups[g]
            kerns[g] = kernels(grp.profile, grp.retirement, int(ages[g]), timing,
                               discount_rate, grp.life)
        if n_groups == 1:
            convolve(x, kerns[0], out=buf)
        elif n_groups <= _FFT_GROUPS:
            by_series = buf.reshape(n, m, T)
            for g, rows in enumerate(members):
                by_series[rows] = convolve(x[rows], kerns[g])
        else:
            stacked = np.stack([k[:, :T] for k in kerns])  # (groups, m, T): a loop over types
            buf.reshape(n, m, T)[:] = convolve_fft(x, stacked[code])
        gdelta = np.array([np.nan if grp.delta is None or grp.retirement is not None
                           else grp.delta for grp in groups])
        series_delta = gdelta[code]
    prior = np.zeros((3, n))
    if init is not None:
        prior = _add_presample(out, init, kerns, members, start, x)
    if late:
        before = np.arange(T)[None, :] < start[:, None]
        out[:, before] = np.nan
        x = np.where(before, np.nan, x)
    return PIMResult(
        layout=layout,
        investment=x,
        stocks=out,
        price=price,
        deflator_base=float(deflator_base),
        timing=timing,
        groups=groups,
        group_code=code,
        discount_rate=discount_rate,
        prior=prior,
        series_delta=series_delta,
    )


def _deflator(
    deflator: Any, layout: Layout, x_raw: np.ndarray, base: float
) -> np.ndarray | None:
    """Price relatives ``P / P_0`` as an (n_series, n_periods) array, checked against the input."""
    if deflator is None:
        return None
    base = float(base)
    if isinstance(deflator, (np.ndarray, list, tuple)):
        raw = np.asarray(deflator, dtype=float)
        if raw.ndim == 1:
            if len(raw) != len(layout.periods):
                raise DataError(
                    f"deflator array has {len(raw)} values for {len(layout.periods)} periods"
                )
            deflator = pd.Series(raw, index=layout.periods)
        elif raw.ndim == 2 and layout.kind == "wide":
            if raw.shape != (len(layout.periods), layout.n_series):
                raise DataError(
                    f"deflator array has shape {raw.shape}, investment "
                    f"{(len(layout.periods), layout.n_series)}"
                )
            deflator = pd.DataFrame(raw, index=layout.periods, columns=layout.labels)
        else:
            raise DataError("deflator array must be 1-D (periods) or shaped like investment")
    if not np.isfinite(base) or base <= 0:
        raise ParameterError(f"deflator_base={_py(base)!r} must be positive")
    if isinstance(deflator, pd.Series):
        idx = deflator.index
        if not idx.equals(layout.periods):
            missing = layout.periods.difference(idx)
            if len(missing) or len(idx) != len(layout.periods):
                raise DataError(
                    f"deflator index differs from the investment periods (lengths {len(idx)} "
                    f"and {len(layout.periods)}"
                    + (f"; first missing period {_py(missing[0])!r}" if len(missing) else "")
                    + "); align them explicitly"
                )
            deflator = deflator.reindex(layout.periods)
        p = np.broadcast_to(deflator.to_numpy(dtype=float, na_value=np.nan)[None, :],
                            x_raw.shape).copy()
    elif isinstance(deflator, pd.DataFrame):
        if layout.kind == "wide":
            if not (deflator.index.equals(layout.periods)
                    and deflator.columns.equals(layout.labels)):
                raise DataError(
                    "deflator DataFrame must have the investment's index and columns "
                    f"(shapes {deflator.shape} and {(len(layout.periods), layout.n_series)})"
                )
            p = deflator.to_numpy(dtype=float, na_value=np.nan).T.copy()
        elif layout.kind == "long":
            p_raw, play = from_input(deflator, keys=layout.keys, period=layout.period_col,
                                     value=layout.value_col, what="deflator")
            if not play.periods.equals(layout.periods):
                raise DataError("deflator periods differ from the investment periods")
            pos = play.labels.get_indexer(layout.labels)
            if (pos < 0).any():
                s = int(np.flatnonzero(pos < 0)[0])
                raise DataError(f"deflator has no rows for {layout.describe(s)}")
            p = p_raw[pos]
        else:
            raise IntelcapTypeError("the deflator of a Series must be a Series")
    else:
        raise IntelcapTypeError(
            f"deflator must be a pandas Series or DataFrame, got {type(deflator).__name__}"
        )
    need = ~np.isnan(x_raw)
    bad = need & ~(np.isfinite(p) & (p > 0))
    if bad.any():
        s, t = np.argwhere(bad)[0]
        raise DataError(
            f"deflator of {layout.describe(s)} must be positive and finite, got "
            f"{_py(p[s, t])!r} at period {_py(layout.periods[t])!r}"
        )
    return np.where(need, p, 1.0) / base


def _initial(
    initial_stock: Any,
    initial_growth: Any,
    growth_periods: int,
    x: np.ndarray,
    start: np.ndarray,
    layout: Layout,
) -> tuple[np.ndarray | None, np.ndarray] | None:
    """(given net stock per series or None for steady state, pre-sample growth per series)."""
    if initial_stock is None:
        if initial_growth is not None:
            raise SpecificationError("initial_growth= is given without initial_stock=")
        return None
    if isinstance(initial_stock, str):
        check_choice("initial_stock", initial_stock, ("steady_state",))
        level = None
    else:
        level = broadcast_param(initial_stock, "initial_stock", layout)
        bad = ~np.isfinite(level) | (level < 0)
        if bad.any():
            s = int(np.flatnonzero(bad)[0])
            raise ParameterError(
                f"initial_stock for {layout.describe(s)} must be finite and non-negative, got "
                f"{_py(level[s])!r}"
            )
    if initial_growth is None:
        if int(growth_periods) < 2:
            raise ParameterError(f"growth_periods={growth_periods!r} must be at least 2")
        if level is not None and (level == 0).all():
            g = np.zeros(layout.n_series)
        else:
            g = _estimate_growth(x, start, int(growth_periods), layout)
    else:
        g = broadcast_param(initial_growth, "initial_growth", layout)
    bad = ~np.isfinite(g) | (g <= -1)
    if bad.any():
        s = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"pre-sample investment growth {_py(g[s])!r} for {layout.describe(s)} must exceed -1"
        )
    return level, g


def _members(code: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row indices of each group (one sort, no pass per group)."""
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(n_groups + 1))
    return [order[bounds[g]:bounds[g + 1]] for g in range(n_groups)]


def _pre_horizon(grp: _Group, growth_all: np.ndarray, layout: Layout, rows: np.ndarray) -> int:
    """Number of pre-sample vintages needed so the neglected ones weigh less than _PRE_TAIL."""
    low = int(rows[np.argmin(growth_all[rows])])
    growth = float(growth_all[low])
    q = 1.0 / (1.0 + growth)
    if grp.delta is not None and grp.retirement is None:
        ratio = (1.0 - grp.delta) * q
        if ratio >= 1.0:
            raise ParameterError(
                f"no steady state: pre-sample growth {growth:.4g} is not above minus the "
                f"depreciation rate {grp.delta:.4g} "
                f"({layout.describe(low)}); pass initial_growth="
            )
        if ratio <= 0:
            return 1
        return int(min(max(np.ceil(np.log(_PRE_TAIL) / np.log(ratio)), 1), 5000))
    hi = grp.retirement.upper(1e-12) if grp.retirement is not None else grp.life
    return int(min(np.ceil(hi) + 2, 5000))


def _add_presample(
    out: np.ndarray,
    init: tuple[np.ndarray | None, np.ndarray],
    kerns: list[np.ndarray],
    members: list[np.ndarray],
    start: np.ndarray,
    x: np.ndarray,
) -> np.ndarray:
    r"""Add the synthetic pre-sample vintages :math:`I_{-k} = c (1+g)^{-k}`, k = 1..P.

    Returns the gross, net and productive stocks at the end of the period before each series
    starts, shape (3, n_series).
    """
    level, growth = init
    n, T = x.shape
    before = np.zeros((3, n))
    for kern, rows in zip(kerns, members, strict=True):
        P = kern.shape[1] - T
        if rows.size == 0 or P <= 0:
            continue
        k = np.arange(1, P + 1)
        q = (1.0 + growth[rows])[:, None] ** (-k[None, :].astype(float))  # (r, P)
        u = np.arange(T)
        hk = kern[:, u[None, :] + k[:, None]]  # (4, P, T): kern[m, u + k]
        m = hk.shape[0]
        contrib = (q @ hk.transpose(1, 0, 2).reshape(P, m * T)).reshape(-1, m, T)
        contrib = contrib.transpose(1, 0, 2)  # (4, r, T) per unit of c
        prior = q @ kern[:3, k - 1].T  # (r, 3): stocks at u = -1 per unit of c
        if level is None:
            c = x[rows, start[rows]]
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                c = np.where(prior[:, 1] > 0, level[rows] / np.where(prior[:, 1] > 0,
                                                                      prior[:, 1], 1.0), 0.0)
        if start[rows].any():  # series starting late: shift their pre-sample part
            tt = np.arange(T)[None, :] - start[rows][:, None]
            idx = np.broadcast_to(np.clip(tt, 0, T - 1)[None], contrib.shape)
            contrib = np.where((tt >= 0)[None], np.take_along_axis(contrib, idx, axis=2), 0.0)
        out[:, rows, :] += contrib * c[None, :, None]
        before[:, rows] = (prior * c[:, None]).T
    return before


@dataclass(frozen=True, repr=False)
class PIMResult(SummaryMixin):
    """Stocks, consumption of fixed capital and capital services of a PIM run.

    Arrays are kept as ``(n_series, n_periods)`` internally and laid out like the investment
    input on access. Constant-price measures are in prices of the deflator's reference period
    (or in the investment's own prices without a deflator).
    """

    layout: Layout
    investment: np.ndarray
    stocks: np.ndarray
    price: np.ndarray | None
    deflator_base: float
    timing: str
    groups: list[_Group] | None  # None: geometric without retirement, solved by recursion
    group_code: np.ndarray | None
    discount_rate: float
    prior: np.ndarray  # (3, n_series): gross, net, productive stocks before each series starts
    series_delta: np.ndarray  # geometric rate per series (NaN for other profiles/retirement)
    #: the measures as wide frames over the stored arrays (built on first access, no copy)
    _frames: dict[int, pd.DataFrame] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        n, T = self.investment.shape
        return f"<PIMResult: {n} series x {T} periods, timing={self.timing!r}>"

    @property
    def asset_types(self) -> pd.DataFrame:
        """One row per distinct asset type: profile, rate, life, retirement, cv, series count."""
        if self.groups is None:
            rates, counts = np.unique(self.series_delta, return_counts=True)
            return pd.DataFrame({"profile": "geometric", "basis": "efficiency", "rate": rates,
                                 "service_life": None, "retirement": "none", "cv": None,
                                 "series": counts})
        rows = []
        for g, grp in enumerate(self.groups):
            ret = grp.retirement
            rows.append({
                "profile": grp.profile.name,
                "basis": grp.profile.basis,
                "rate": grp.delta,
                "service_life": grp.life,
                "retirement": ret.name if ret is not None else "none",
                "cv": ret.cv if ret is not None else None,
                "series": int((self.group_code == g).sum()),
            })
        return pd.DataFrame(rows)

    @property
    def summary(self) -> Summary:
        """Run settings, asset types and the last period's totals over all series."""
        n, T = self.investment.shape
        lay = self.layout
        last = {name: float(np.nansum(self.stocks[j][:, -1])) for j, name in enumerate(MEASURES)}
        last = {"investment": float(np.nansum(self.investment[:, -1])), **last}
        totals = pd.DataFrame({"value": list(last.values())}, index=list(last.keys()))
        header = [
            ("Series", n),
            ("Periods", f"{lay.periods[0]} - {lay.periods[-1]} ({T})"),
            ("Timing", self.timing),
            ("Discount rate", self.discount_rate),
            ("Prices", "deflated (constant and current)" if self.price is not None
             else "as given"),
        ]
        return Summary(
            title="Perpetual inventory",
            header=header,
            tables=[("Asset types", self.asset_types),
                    (f"Totals in {lay.periods[-1]} (constant prices)", totals)],
            notes=["Stocks are end-of-period; CFC satisfies K_t = K_{t-1} + I_t - D_t."],
        )

    # -- constant prices -------------------------------------------------------------------
    def _measure(self, j: int) -> pd.Series | pd.DataFrame:
        """Measure ``j`` in the caller's layout.

        A wide layout gets a shallow copy of a frame built once over the stored array, without
        copying it: the stored frame keeps a reference to the data, so pandas' copy-on-write
        copies before any write to a returned frame, and the result never changes.
        """
        lay = self.layout
        if lay.kind != "wide" or lay.as_numpy:
            return lay.wrap(self.stocks[j])
        frame = self._frames.get(j)
        if frame is None:
            frame = pd.DataFrame(self.stocks[j].T, index=lay.periods, columns=lay.labels,
                                 copy=False)
            self._frames[j] = frame
        return frame.copy(deep=False)

    @property
    def gross(self) -> pd.Series | pd.DataFrame:
        """Gross stock at the end of each period (constant prices)."""
        return self._measure(0)

    @property
    def net(self) -> pd.Series | pd.DataFrame:
        """Net (wealth) stock at the end of each period (constant prices)."""
        return self._measure(1)

    @property
    def productive(self) -> pd.Series | pd.DataFrame:
        """Productive stock (efficiency units) at the end of each period."""
        return self._measure(2)

    @property
    def cfc(self) -> pd.Series | pd.DataFrame:
        """Consumption of fixed capital in each period (constant prices)."""
        return self._measure(3)

    @property
    def investment_constant(self) -> pd.Series | pd.DataFrame:
        """Investment at constant prices."""
        return self.layout.wrap(self.investment)

    def _lagged(self, j: int) -> np.ndarray:
        """Stock ``j`` at the end of the previous period (the initial stock before a start)."""
        a = self.stocks[j]
        prev = np.concatenate([np.full((a.shape[0], 1), np.nan), a[:, :-1]], axis=1)
        return np.where(np.isnan(prev) & ~np.isnan(a), self.prior[j][:, None], prev)

    @property
    def retirements(self) -> pd.Series | pd.DataFrame:
        """Retirements at as-new constant prices: :math:`G_{t-1} + I_t - G_t`."""
        return self.layout.wrap(self._lagged(0) + self.investment - self.stocks[0])

    @property
    def initial(self) -> pd.DataFrame:
        """Gross, net and productive stocks at the end of the period before each series starts."""
        return pd.DataFrame(self.prior.T, index=self.layout.wide(self.stocks[0]).columns,
                            columns=["gross", "net", "productive"])

    # -- current prices --------------------------------------------------------------------
    def _current(self, j: int) -> np.ndarray:
        return self.stocks[j] if self.price is None else self.stocks[j] * self.price

    @property
    def gross_current(self) -> pd.Series | pd.DataFrame:
        """Gross stock revalued at the period's price."""
        return self.layout.wrap(self._current(0))

    @property
    def net_current(self) -> pd.Series | pd.DataFrame:
        """Net stock revalued at the period's price (equals ``net`` without a deflator)."""
        return self.layout.wrap(self._current(1))

    @property
    def cfc_current(self) -> pd.Series | pd.DataFrame:
        """CFC at the period's price (equals ``cfc`` without a deflator)."""
        return self.layout.wrap(self._current(3))

    @property
    def revaluation(self) -> pd.Series | pd.DataFrame:
        r"""Holding gains on the net stock at current prices (the revaluation account).

        .. math::

            R_t = p_t K_t - p_{t-1} K_{t-1} - p_t (I_t - D_t) = (p_t - p_{t-1}) K_{t-1},

        with :math:`p` the price relative of the deflator (zero without a deflator). The first
        period of a series uses its initial stock valued at the first period's price.
        """
        if self.price is None:
            return self.layout.wrap(np.where(np.isnan(self.investment), np.nan, 0.0))
        p = self.price
        p_prev = np.concatenate([p[:, :1], p[:, :-1]], axis=1)
        return self.layout.wrap((p - p_prev) * self._lagged(1))

    # -- long form and plot ----------------------------------------------------------------
    def _measures(self) -> dict[str, np.ndarray]:
        m = {"investment": self.investment}
        for j, name in enumerate(MEASURES):
            m[name] = self.stocks[j]
        if self.price is not None:
            m["investment_current"] = self.investment * self.price
            m["gross_current"] = self._current(0)
            m["net_current"] = self._current(1)
            m["cfc_current"] = self._current(3)
            p_prev = np.concatenate([self.price[:, :1], self.price[:, :-1]], axis=1)
            m["revaluation"] = (self.price - p_prev) * self._lagged(1)
        return m

    def to_long(self) -> pd.DataFrame:
        """Long table: the input's key columns, the period, ``measure`` and ``value``.

        Measures: ``investment`` (constant prices), ``gross``, ``net``, ``productive``,
        ``cfc`` and, with a deflator, ``investment_current``, ``gross_current``,
        ``net_current``, ``cfc_current``, ``revaluation``. Periods before a series starts are
        left out.
        """
        lay = self.layout
        n, T = self.investment.shape
        s_idx, t_idx = np.nonzero(~np.isnan(self.investment))
        keys = lay.key_names()
        base: dict[str, Any] = {}
        if lay.kind == "long" or lay.kind == "wide":
            labs = lay.labels[s_idx]
            if isinstance(lay.labels, pd.MultiIndex):
                for i, k in enumerate(keys):
                    base[k] = labs.get_level_values(i)
            else:
                base[keys[0]] = np.asarray(labs)
        elif keys:
            base[keys[0]] = np.repeat(lay.name, len(s_idx))
        pname = lay.period_col if lay.kind == "long" else (lay.periods.name or "period")
        base[pname] = lay.periods[t_idx]
        frames = []
        for name, arr in self._measures().items():
            df = pd.DataFrame(base)
            df["measure"] = name
            df["value"] = arr[s_idx, t_idx]
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def capital_services(
        self,
        rate: Any = None,
        *,
        capital_income: pd.Series | None = None,
        price_change: Any = "ex_post",
        formula: str = "discrete",
    ) -> CapitalServices:
        r"""User costs, volumes and values of capital services (Jorgenson 1963; OECD 2009).

        .. math::

            u_{i,t} = p_{i,t-1}\,[r_t + \delta_{i,t}(1 + \pi_{i,t}) - \pi_{i,t}], \qquad
            S_{i,t} = K^P_{i,t-1} + w\,I_{i,t}, \qquad
            \text{value}_{i,t} = u_{i,t} S_{i,t},

        the discrete-time user cost of OECD (2009), *Measuring Capital*, chapters 8 and 18
        (:math:`p_{t-1} = p_t / (1 + \pi_t)` the start-of-period price; the cross term
        :math:`\delta\pi` matters when asset prices fall fast), or with
        ``formula="continuous"`` its approximation :math:`p_t (r + \delta - \pi)`;
        :math:`p` the asset price relative to its reference period (1 without a deflator),
        :math:`\delta` the depreciation rate (the geometric rate, or for other profiles the
        implied rate :math:`D_t / (K_{t-1} + w I_t)`), :math:`\pi` the expected asset price
        change, :math:`S` the capital-service volume (productive stock in use during the
        period) and :math:`w` = 1, 1/2, 0 for ``timing`` "beginning", "mid", "end".

        Parameters
        ----------
        rate : float or Series by period, optional
            Exogenous (real if ``price_change="none"``, else nominal) rate of return.
        capital_income : Series by period, optional
            Capital compensation (gross operating surplus attributable to these assets, current
            prices) for the *internal* rate of return: :math:`r_t` solves
            :math:`\sum_i u_{i,t} S_{i,t} = Y_t`, i.e.
            :math:`r_t = (Y_t - \sum_i p_{t-1} S c) / \sum_i p_{t-1} S`, :math:`c` the term
            after :math:`r` in the user cost (the endogenous
            rate of Jorgenson and Griliches 1967; OECD 2009, "Estimating Rates of Return").
            Give ``rate`` or ``capital_income``, not both.
        price_change : {"ex_post", "none"}, float or Series by period
            Expected asset price change: the realised one :math:`p_t/p_{t-1} - 1` (the first
            period repeats the second), none, or given.
        formula : {"discrete", "continuous"}
            The user-cost formula (see above); ``"discrete"`` by default.

        Returns
        -------
        CapitalServices
        """
        from intelcap.accounts._pim_services import capital_services

        return capital_services(self, rate, capital_income, price_change, formula)

    def plot(self, series: Any = None, ax: Any = None, current: bool = False) -> Any:
        """Plot the gross, net and productive stocks and the CFC (sum over series by default).

        Parameters
        ----------
        series : label, optional
            One series to plot (a column label, or a key tuple of a long table).
        ax : matplotlib Axes, optional
        current : bool
            Plot current-price stocks and CFC.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from intelcap._optional import import_optional

        plt = import_optional("matplotlib.pyplot", "plot", "plot()")

        lay = self.layout
        if series is None:
            sel = slice(None)
            title = "all series" if lay.n_series > 1 else lay.describe(0)
        else:
            pos = lay.labels.get_indexer([series])[0] if lay.kind != "series" else 0
            if pos < 0:
                raise DataError(f"no series {series!r}; series are {list(lay.labels)[:10]}")
            sel = [pos]
            title = lay.describe(pos)
        if ax is None:
            _, ax = plt.subplots()
        names = ["gross", "net", "productive", "cfc"]
        for j, name in enumerate(names):
            arr = self._current(j) if current and j != 2 else self.stocks[j]
            tot = np.nansum(arr[sel], axis=0) if series is None else arr[sel][0]
            x = np.asarray(lay.periods)
            if name == "cfc":
                ax.plot(x, tot, label="CFC", linestyle="--")
            else:
                ax.plot(x, tot, label=f"{name} stock")
        ax.set_xlabel(lay.periods.name or "period")
        ax.set_ylabel("current prices" if current else "constant prices")
        ax.set_title(f"Perpetual inventory: {title}")
        ax.legend()
        return ax
