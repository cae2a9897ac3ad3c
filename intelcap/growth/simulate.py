r"""Solow-type economy that accumulates physical capital K and intelligent capital Z.

Per effective worker (:math:`k = K/(AL)`, :math:`z = Z/(AL)`), with any
:class:`intelcap.production.ProductionFunction` :math:`F(K, L, Z, \dots)` evaluated at
:math:`L = 1` (exact under constant returns, as in :mod:`intelcap.production.solow`), the
economy is advanced by forward-Euler steps of length :math:`\Delta t` of the continuous model,

.. math::

    y_t = \varepsilon_t\, F(k_t, 1, z_t, x_t), \qquad
    k_{t+1} = k_t + \Delta t\,[s_{K,t}\, y_t - (n + g + \delta_K)\, k_t], \qquad
    z_{t+1} = z_t + \Delta t\,[s_{Z,t}\, y_t - (n + g + \delta_Z)\, z_t],

with :math:`\varepsilon_t = \exp(\sigma e_t - \sigma^2/2)`, :math:`e_t \sim N(0, 1)` i.i.d. TFP
shocks (mean one), :math:`x_t` other inputs (for example the compute, data and algorithm ratios of
an emergence transition) given as constants or paths, and :math:`s_{Z,t}` the IC investment rate,
constant or a path (a token-usage scenario). The steady states of this map are exactly those of
the continuous model computed by :func:`intelcap.production.solow_steady_state`, so a simulated
path converges to them. A thresholded form (step, logistic, multi-regime, emergence) produces
*take-off*: the first period in which the threshold variable exceeds its threshold; where the form
has several stable steady states, :func:`basins` maps the initial conditions that lead to each
(poverty-trap basins). Monte Carlo paths are simulated together (one vectorised evaluation of the
production function per period for all paths).

References
----------
Solow, R. M. (1956), QJE 70(1), 65-94; Mankiw, Romer and Weil (1992), QJE 107(2), 407-437;
Azariadis, C. and Drazen, A. (1990), "Threshold Externalities in Economic Development", QJE
105(2), 501-526 (threshold-driven multiple steady states).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap._validation import as_generator, progress_bar
from intelcap.exceptions import DataError, IntelcapTypeError, ParameterError, SpecificationError
from intelcap.production import ProductionFunction, SteadyState, solow_steady_state
from intelcap.production.solow import check_exog

__all__ = ["Scenario", "Simulation", "basins", "simulate"]

_SCALARS = ("delta_K", "delta_Z", "n", "g", "dt", "sigma")


@dataclass(frozen=True)
class Scenario:
    """Saving rates, depreciation, growth, shocks and an IC investment (token-usage) path.

    Build from a dict or a small TOML file (:meth:`from_dict`, :meth:`from_toml`); keys are the
    field names. ``s_Z`` may be a list (one rate per period) or, in a ``[token_usage]`` table,
    ``start``, ``growth`` and ``ceiling``: :math:`s_{Z,t} = \\min(\\text{ceiling},
    \\text{start}\\,(1+\\text{growth})^t)`.

    Example TOML::

        s_K = 0.20
        delta_K = 0.05
        delta_Z = 0.15
        periods = 200
        sigma = 0.02
        n_paths = 1000
        seed = 7
        [token_usage]
        start = 0.005
        growth = 0.05
        ceiling = 0.08
    """

    s_K: float | Sequence[float] = 0.2
    s_Z: float | Sequence[float] = 0.05
    delta_K: float = 0.05
    delta_Z: float | None = None
    n: float = 0.0
    g: float = 0.0
    periods: int = 200
    dt: float = 1.0
    k0: float | Sequence[float] = 1.0
    z0: float | Sequence[float] = 1.0
    sigma: float = 0.0
    n_paths: int = 1
    seed: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scenario:
        """Scenario from a mapping (unknown keys raise, naming them)."""
        d = dict(d)
        usage = d.pop("token_usage", None)
        names = set(cls.__dataclass_fields__)
        extra = [k for k in d if k not in names]
        if extra:
            raise SpecificationError(f"unknown scenario key(s) {extra}; valid keys are "
                                     f"{sorted(names | {'token_usage'})}")
        if usage is not None:
            if "s_Z" in d:
                raise SpecificationError("give s_Z or a [token_usage] table, not both")
            bad = [k for k in usage if k not in ("start", "growth", "ceiling")]
            if bad:
                raise SpecificationError(f"unknown token_usage key(s) {bad}; valid: start, "
                                         "growth, ceiling")
            periods = int(d.get("periods", cls.periods))
            t = np.arange(periods)
            path = float(usage["start"]) * (1 + float(usage.get("growth", 0.0))) ** t
            d["s_Z"] = list(np.minimum(path, float(usage.get("ceiling", np.inf))))
            d.setdefault("notes", {})["token_usage"] = dict(usage)
        return cls(**d)

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Scenario from a TOML file (see the class docstring)."""
        with open(path, "rb") as fh:
            return cls.from_dict(tomllib.load(fh))


def _rate_path(name: str, v: Any, periods: int, upper: float = 1.0) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0:
        arr = np.full(periods, float(arr))
    elif arr.shape != (periods,):
        raise DataError(f"{name} has {arr.size} values but periods={periods}; give one per "
                        "period or a number")
    bad = ~((arr >= 0) & (arr < upper))
    if bad.any():
        t = int(np.argmax(bad))
        raise ParameterError(f"{name}={arr[t]!r} at period {t} must lie in [0, {upper})")
    return arr


def _start(name: str, v: Any, n_paths: int) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    arr = np.full(n_paths, float(arr)) if arr.ndim == 0 else arr
    if arr.shape != (n_paths,):
        raise DataError(f"{name} has {arr.size} values but n_paths={n_paths}")
    if not (np.isfinite(arr) & (arr > 0)).all():
        raise ParameterError(f"{name} must be positive and finite")
    return arr


@dataclass(frozen=True, repr=False)
class Simulation(SummaryMixin):
    """Simulated paths: ``k``, ``z``, ``y`` are DataFrames (time x path), per effective worker.

    Attributes
    ----------
    k, z, y : DataFrame
        Index ``time`` (t x dt, t = 0..periods), one column per path.
    takeoff : Series
        By path, the first time the threshold variable exceeds ``threshold`` (NaN: never; 0: it
        started above).
    threshold : float or None
    scenario : Scenario
    seed : int, Generator or None
        As given.
    """

    k: pd.DataFrame
    z: pd.DataFrame
    y: pd.DataFrame
    takeoff: pd.Series
    threshold: float | None
    scenario: Scenario
    seed: Any
    _f: ProductionFunction | None = None
    _ss_args: dict[str, Any] | None = None

    @cached_property
    def steady_state(self) -> SteadyState:
        """Steady state(s) of the deterministic economy (:func:`solow_steady_state`)."""
        if self._ss_args is None:
            raise SpecificationError("no steady state: saving rates or other inputs vary over "
                                     "time in this scenario")
        return solow_steady_state(self._f, **self._ss_args)

    def bands(self, variable: str = "y", levels: Sequence[float] = (0.05, 0.5, 0.95)):
        """Quantiles across paths of ``variable`` ('k', 'z' or 'y') at each time."""
        if variable not in ("k", "z", "y"):
            raise SpecificationError(f"variable={variable!r}; valid values are 'k', 'z', 'y'")
        arr = getattr(self, variable).to_numpy()
        q = np.quantile(arr, list(levels), axis=1).T
        return pd.DataFrame(q, index=self.y.index, columns=[f"q{lv:g}" for lv in levels])

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()`` (printed by ``print``;
        HTML in a notebook)."""
        s = self.scenario
        n = self.y.shape[1]
        header = [("paths", n), ("periods", self.y.shape[0] - 1), ("dt", s.dt),
                  ("sigma", s.sigma), ("threshold", "none" if self.threshold is None
                                       else self.threshold), ("seed", str(self.seed))]
        last = pd.DataFrame({"mean": [self.k.iloc[-1].mean(), self.z.iloc[-1].mean(),
                                      self.y.iloc[-1].mean()]}, index=["k", "z", "y"])
        tables = [("final state", last)]
        if self.threshold is not None:
            took = self.takeoff.notna()
            tables.append(("take-off", pd.DataFrame(
                {"value": [float(took.mean()), float(self.takeoff.median())
                           if took.any() else float("nan")]},
                index=["share of paths", "median time"])))
        return Summary("Solow economy with intelligent capital: simulation", header, tables)

    def plot(self, variable: str = "y", ax: Any = None, levels=(0.05, 0.5, 0.95),
             logy: bool = True):
        """Median path with a band (first to last quantile of ``levels``); take-off marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        b = self.bands(variable, levels)
        t = b.index.to_numpy()
        if self.y.shape[1] > 1:
            ax.fill_between(t, b.iloc[:, 0], b.iloc[:, -1], alpha=0.3,
                            label=f"{levels[0]:g}-{levels[-1]:g} band")
        ax.plot(t, b.iloc[:, len(levels) // 2], label=f"median {variable}")
        if self.takeoff.notna().any():
            ax.axvline(float(self.takeoff.median()), color="k", ls=":", label="take-off (median)")
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("time")
        ax.set_ylabel(f"{variable} per effective worker")
        ax.legend(fontsize="small")
        return ax


def _compile(f: ProductionFunction, params: Mapping[str, float]):
    target, pvals = f._resolve(params)
    fn = target._compiled("Y", lambda: target.expr)
    return target, fn, pvals


def simulate(
    f: ProductionFunction,
    scenario: Scenario | Mapping[str, Any] | str | Path | None = None,
    *,
    threshold: float | None = None,
    exog: Mapping[str, Any] | None = None,
    capital: str = "K",
    labour: str = "L",
    ic: str = "Z",
    progress: bool = False,
    **options: Any,
) -> Simulation:
    """Simulate the two-capital Solow economy (module docstring for the model).

    Parameters
    ----------
    f : ProductionFunction
        Any intelcap form in ``capital``, ``labour``, ``ic`` (and other inputs in ``exog``),
        including thresholded forms (``capability_jump``, ``threshold_elasticity``,
        ``task_substitute`` with step, logistic, multi-regime or emergence transitions).
    scenario : Scenario, mapping or TOML path, optional
        Saving rates, depreciation, growth, periods, initial state, shocks; keyword ``options``
        with the same names override it (``s_K=0.25``).
    threshold : float, optional
        Threshold on ``ic`` for take-off; default the form's parameter ``tau`` when it has one
        (``tau_1``, the first threshold, for a multi-regime transition).
        For an emergence transition whose critical inputs are paths in ``exog`` (parameters
        ``<x>_star``), take-off is the first period in which every one exceeds its critical
        level (the ``"min"`` aggregate).
    exog : mapping, optional
        Other inputs: a number, or a path with one value per period (for example compute
        growing over time in an emergence transition).
    progress : bool
        tqdm progress bar over periods.
    **options
        Scenario fields (``s_K``, ``s_Z``, ``delta_K``, ``delta_Z``, ``n``, ``g``, ``periods``,
        ``dt``, ``k0``, ``z0``, ``sigma``, ``n_paths``, ``seed``) and parameter values of ``f``.

    Returns
    -------
    Simulation
        ``.k``, ``.z``, ``.y`` (time x path), ``.takeoff``, ``.bands()``, ``.steady_state``,
        ``.plot()``.
    """
    if not isinstance(f, ProductionFunction):
        raise IntelcapTypeError(f"f must be a ProductionFunction, got {type(f).__name__}")
    if scenario is None:
        sc = Scenario()
    elif isinstance(scenario, Scenario):
        sc = scenario
    elif isinstance(scenario, Mapping):
        sc = Scenario.from_dict(scenario)
    elif isinstance(scenario, (str, Path)):
        sc = Scenario.from_toml(scenario)
    else:
        raise IntelcapTypeError("scenario must be a Scenario, a dict or a TOML path, got "
                                f"{type(scenario).__name__}")
    fields = set(Scenario.__dataclass_fields__)
    over = {k: options.pop(k) for k in list(options) if k in fields}
    if over:
        sc = Scenario(**{**asdict(sc), **over})
    params = options
    unknown = [p for p in params if p not in f.parameters]
    if unknown:
        raise SpecificationError(f"unknown option(s) {unknown}: neither scenario fields "
                                 f"{sorted(fields)} nor parameters of f {list(f.parameters)}")
    T, P = int(sc.periods), int(sc.n_paths)
    if T < 1 or P < 1:
        raise ParameterError(f"periods={T} and n_paths={P} must be at least 1")
    dt = float(sc.dt)
    if not 0 < dt <= 1:
        raise ParameterError(f"dt={dt!r} must lie in (0, 1]")
    s_K = _rate_path("s_K", sc.s_K, T)
    s_Z = _rate_path("s_Z", sc.s_Z, T)
    if (s_K + s_Z >= 1).any():
        t = int(np.argmax(s_K + s_Z >= 1))
        raise ParameterError(f"s_K + s_Z = {s_K[t] + s_Z[t]!r} at period {t} must be below 1")
    delta_Z = sc.delta_K if sc.delta_Z is None else sc.delta_Z
    m_K, m_Z = sc.n + sc.g + sc.delta_K, sc.n + sc.g + delta_Z
    for name, m in (("n + g + delta_K", m_K), ("n + g + delta_Z", m_Z)):
        if not 0 < m * dt < 1:
            raise ParameterError(f"{name} = {m!r} times dt must lie in (0, 1)")
    if sc.sigma < 0:
        raise ParameterError(f"sigma={sc.sigma!r} must be non-negative")
    exog = check_exog(f, capital, labour, ic, exog)
    xpaths = {}
    for x, v in exog.items():
        arr = np.asarray(v, dtype=float)
        if arr.ndim == 0:
            arr = np.full(T + 1, float(arr))
        elif arr.shape == (T,):
            arr = np.append(arr, arr[-1])
        elif arr.shape != (T + 1,):
            raise DataError(f"exog[{x!r}] has {arr.size} values; give a number or one per "
                            f"period ({T} or {T + 1})")
        xpaths[x] = arr
    target, fn, pvals = _compile(f, params)
    if threshold is None:
        vals = {**f.values, **params}
        threshold = vals.get("tau", vals.get("tau_1"))
    threshold = None if threshold is None else float(threshold)

    rng = as_generator(sc.seed)
    k = np.empty((T + 1, P))
    z = np.empty((T + 1, P))
    y = np.empty((T + 1, P))
    k[0] = _start("k0", sc.k0, P)
    z[0] = _start("z0", sc.z0, P)
    ones = np.ones(P)
    order = target.inputs
    sig = float(sc.sigma)
    hold = {}
    steps = progress_bar(range(T + 1), desc="simulate") if progress else range(T + 1)
    for t in steps:
        hold[capital], hold[labour], hold[ic] = k[t], ones, z[t]
        for x, arr in xpaths.items():
            hold[x] = arr[t]
        with np.errstate(all="ignore"):
            out = fn(*[hold[x] for x in order], *pvals)
        if sig > 0:
            out = out * np.exp(sig * rng.standard_normal(P) - 0.5 * sig * sig)
        y[t] = out
        if t == T:
            break
        k[t + 1] = k[t] + dt * (s_K[t] * out - m_K * k[t])
        z[t + 1] = z[t] + dt * (s_Z[t] * out - m_Z * z[t])
    if not np.isfinite(y).all():
        t, p = np.argwhere(~np.isfinite(y))[0]
        raise DataError(f"output is not finite at period {int(t)} of path {int(p)}: the form "
                        "overflows or is undefined there (explosive parameters?)")
    time = pd.Index(np.arange(T + 1) * dt, name="time")
    cols = pd.RangeIndex(P, name="path")
    vals = {**f.values, **params}
    stars = {x: vals[f"{x}_star"] for x in xpaths if f"{x}_star" in vals}
    if threshold is None and stars:
        # emergence: take-off when every critical input exceeds its critical level
        ratio = np.min([xpaths[x] / v for x, v in stars.items()], axis=0)
        above = np.broadcast_to((ratio > 1)[:, None], z.shape)
        first = np.argmax(above, axis=0).astype(float)
        first[~above.any(axis=0)] = np.nan
        takeoff = pd.Series(first * dt, index=cols, name="takeoff")
    elif threshold is not None:
        above = z > threshold
        first = np.argmax(above, axis=0).astype(float)
        first[~above.any(axis=0)] = np.nan
        takeoff = pd.Series(first * dt, index=cols, name="takeoff")
    else:
        takeoff = pd.Series(np.nan, index=cols, name="takeoff")
    constant = (np.ptp(s_K) == 0 and np.ptp(s_Z) == 0
                and all(np.ptp(a) == 0 for a in xpaths.values()) and s_Z[0] > 0 and s_K[0] > 0)
    ss_args = None
    if constant:
        ss_args = dict(s_K=float(s_K[0]), s_Z=float(s_Z[0]), delta_K=sc.delta_K,
                       delta_Z=delta_Z, n=sc.n, g=sc.g, capital=capital, labour=labour, ic=ic,
                       exog={x: float(a[0]) for x, a in xpaths.items()} or None, **params)
    return Simulation(pd.DataFrame(k, index=time, columns=cols),
                      pd.DataFrame(z, index=time, columns=cols),
                      pd.DataFrame(y, index=time, columns=cols), takeoff, threshold, sc,
                      sc.seed, f, ss_args)


def basins(
    f: ProductionFunction,
    k0: Sequence[float],
    z0: Sequence[float],
    scenario: Scenario | Mapping[str, Any] | None = None,
    *,
    rtol: float = 1e-3,
    **options: Any,
) -> pd.DataFrame:
    """Which steady state each initial condition (k0 x z0 grid) converges to.

    Simulates every grid point deterministically (``sigma = 0``) for ``periods`` and labels it
    with the index of the stable steady state (in ``solow_steady_state(...).states``) whose
    output its final output is within ``rtol`` of, or -1 if none (not yet converged).
    A form with one stable steady state gives one basin; a thresholded form with a low-IC trap
    and a high state gives two (the poverty-trap basins).

    Returns
    -------
    DataFrame with columns ``k0``, ``z0``, ``y_final``, ``basin``.
    """
    kk, zz = np.meshgrid(np.asarray(k0, float), np.asarray(z0, float), indexing="ij")
    opts = dict(options)
    opts.update(k0=kk.ravel(), z0=zz.ravel(), n_paths=kk.size, sigma=0.0)
    sim = simulate(f, scenario, **opts)
    states = sim.steady_state.states
    yfin = sim.y.iloc[-1].to_numpy()
    label = np.full(yfin.size, -1)
    for i, row in states.iterrows():
        if row["stable"]:
            label[np.abs(yfin / row["y"] - 1) < rtol] = int(i)
    return pd.DataFrame({"k0": kk.ravel(), "z0": zz.ravel(), "y_final": yfin, "basin": label})
