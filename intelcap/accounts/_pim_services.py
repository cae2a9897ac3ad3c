r"""Capital services of a perpetual-inventory run: user costs, volumes, values (internal).

The user cost of capital per unit of productive capital in discrete time (Jorgenson 1963; OECD
2009, *Measuring Capital*, 2nd ed., chapter 8 "User costs" and chapter 18 "The model": the
asset is bought at the start-of-period price :math:`p_{t-1}` with a nominal rate of return
:math:`r`, loses a share :math:`\delta` of its value and is worth
:math:`p_t = p_{t-1}(1+\pi_t)` a unit at the end),

.. math::

    u_{i,t} = p_{i,t-1}(1 + r_t) - (1 - \delta_{i,t})\, p_{i,t}
            = p_{i,t-1}\,\bigl[r_t + \delta_{i,t}(1 + \pi_{i,t}) - \pi_{i,t}\bigr],

with the cross term :math:`\delta\pi` (``formula="discrete"``, the default). The continuous-time
approximation :math:`u = p_t (r + \delta - \pi)` (``formula="continuous"``) drops it and prices
at the period's price: with :math:`r = 0.05`, :math:`\delta = 0.33` and asset prices falling 40 %
a year (as AI services' do) it is 0.468 against 0.648 (in units of :math:`p_{t-1}`), 28 % too
low. With an exogenous rate of return or the internal (endogenous) rate that exhausts capital
income, and the capital-service volume :math:`S_{i,t}` = the productive stock in use during
the period. :meth:`CapitalServices.aggregate` gives the Tornqvist volume index of capital
services across series for growth accounting (OECD 2009, "Aggregation Across Assets and
Industries"; Jorgenson, Gollop and Fraumeni 1987).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from intelcap.accounts._pim_data import _py
from intelcap.exceptions import DataError, IntelcapTypeError, SpecificationError

if TYPE_CHECKING:  # pragma: no cover
    from intelcap.accounts.pim import PIMResult

__all__ = ["CapitalServices", "capital_services"]

_WEIGHT = {"beginning": 1.0, "mid": 0.5, "end": 0.0}


@dataclass(frozen=True)
class CapitalServices:
    """Capital services of a PIM run, laid out like the investment input.

    Attributes
    ----------
    user_cost : Series or DataFrame
        Rental price per unit of productive capital (current prices).
    volume : Series or DataFrame
        Capital-service volume: productive stock in use during the period (constant prices).
    value : Series or DataFrame
        ``user_cost * volume`` (current prices).
    rate : Series
        Rate of return by period (exogenous or internal).
    depreciation : Series or DataFrame
        Depreciation rate used.
    price_change : Series or DataFrame
        Expected asset price change used.
    """

    user_cost: Any
    volume: Any
    value: Any
    rate: pd.Series
    depreciation: Any
    price_change: Any
    _arrays: tuple[np.ndarray, np.ndarray] | None = None
    _periods: pd.Index | None = None
    _layout: Any = None

    def __repr__(self) -> str:
        """One line: the layout of the measures (the tables themselves are attributes)."""
        shape = (*getattr(self.volume, "shape", ()), 1, 1)
        return (f"<CapitalServices: {shape[0]} periods x {shape[1]} series; user_cost, volume, "
                f"value, rate, depreciation, price_change>")

    def aggregate(self, by: str | list[str] | None = None) -> pd.Series | pd.DataFrame:
        r"""Tornqvist volume index of capital services (1 in the first period).

        .. math::

            \ln \frac{S_t}{S_{t-1}} = \sum_i \bar v_{i,t} \ln \frac{S_{i,t}}{S_{i,t-1}}, \qquad
            \bar v_{i,t} = \tfrac12 (v_{i,t} + v_{i,t-1}),

        with :math:`v` the value shares of capital services within the aggregate. Series with
        no positive volume in either period are left out of that period's link (the other
        shares are renormalised).

        Parameters
        ----------
        by : str or list of str, optional
            Key column(s) of the series (for example ``"sector"``) to aggregate within; default
            all series together.

        Returns
        -------
        Series (``by=None``) or DataFrame (periods x groups)
        """
        vol, val = self._arrays
        n, T = vol.shape
        codes, names = self._group_codes(by)
        G = len(names)
        onehot = np.zeros((G, n))
        onehot[codes, np.arange(n)] = 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = (vol > 0) & np.isfinite(val) & np.isfinite(vol)
            v = np.where(pos, val, 0.0)
            share = v / (onehot @ v)[codes]
            ok = pos[:, 1:] & pos[:, :-1]
            w = np.where(ok, 0.5 * (share[:, 1:] + share[:, :-1]), 0.0)
            lr = np.where(ok, np.log(np.where(ok, vol[:, 1:] / np.where(ok, vol[:, :-1], 1.0),
                                              1.0)), 0.0)
            wsum = onehot @ w
            link = np.where(wsum > 0, (onehot @ (w * lr)) / wsum, np.nan)
        index = np.exp(np.concatenate([np.zeros((G, 1)), np.cumsum(link, axis=1)], axis=1))
        if by is None:
            return pd.Series(index[0], index=self._periods, name="capital_services")
        return pd.DataFrame(index.T, index=self._periods, columns=names)

    def _group_codes(self, by: str | list[str] | None) -> tuple[np.ndarray, pd.Index]:
        lay = self._layout
        n = lay.n_series
        if by is None:
            return np.zeros(n, dtype=np.int64), pd.Index(["all"])
        keys = [by] if isinstance(by, str) else list(by)
        labels = lay.labels
        names = [k for k in (labels.names or []) if k is not None]
        missing = [k for k in keys if k not in names]
        if missing or lay.kind == "series":
            raise SpecificationError(
                f"aggregate(by={by!r}): no key column {missing or keys}; the series are keyed "
                f"by {names}"
            )
        if isinstance(labels, pd.MultiIndex):
            sub = labels.droplevel([k for k in labels.names if k not in keys]) \
                if len(keys) < labels.nlevels else labels
        else:
            sub = labels
        codes, uniq = pd.factorize(sub)
        return np.asarray(codes), pd.Index(uniq)


def _by_period(value: Any, name: str, periods: pd.Index) -> np.ndarray:
    if isinstance(value, pd.Series):
        if not value.index.equals(periods):
            raise DataError(
                f"{name} must be indexed by the investment periods (lengths {len(value)} and "
                f"{len(periods)}); align it explicitly"
            )
        arr = value.to_numpy(dtype=float, na_value=np.nan)
    elif np.isscalar(value):
        arr = np.full(len(periods), float(value))
    else:
        raise IntelcapTypeError(f"{name} must be a number or a Series by period")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(f"{name} is not finite at period {_py(periods[int(np.argmax(bad))])!r}")
    return arr


FORMULAS: tuple[str, ...] = ("discrete", "continuous")


def capital_services(
    res: PIMResult, rate: Any, capital_income: Any, price_change: Any,
    formula: str = "discrete",
) -> CapitalServices:
    if formula not in FORMULAS:
        raise SpecificationError(f"formula={formula!r} is not recognised; valid values are: "
                                 "'discrete', 'continuous'")
    lay = res.layout
    periods = lay.periods
    n, T = res.investment.shape
    w = _WEIGHT[res.timing]
    inv = res.investment
    volume = res._lagged(2) + w * inv
    exposure = res._lagged(1) + w * inv
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(exposure > 0, res.stocks[3] / exposure, np.nan)
    geo = ~np.isnan(res.series_delta)
    delta = np.where(geo[:, None] & ~np.isnan(inv), res.series_delta[:, None], implied)
    price = np.ones((n, T)) if res.price is None else res.price
    price = np.where(np.isnan(inv), np.nan, price)
    if isinstance(price_change, str):
        if price_change == "none":
            pi = np.zeros((n, T))
        elif price_change == "ex_post":
            pi = np.full((n, T), np.nan)
            pi[:, 1:] = price[:, 1:] / price[:, :-1] - 1.0
            first = np.isnan(pi) & ~np.isnan(price)
            nxt = np.concatenate([pi[:, 1:], np.zeros((n, 1))], axis=1)
            pi = np.where(first, np.nan_to_num(nxt, nan=0.0), pi)
        else:
            raise SpecificationError(
                f"price_change={price_change!r} is not recognised; valid values are 'ex_post', "
                "'none', a number or a Series by period"
            )
    else:
        pi = np.broadcast_to(_by_period(price_change, "price_change", periods)[None], (n, T))
    if (rate is None) == (capital_income is None):
        raise SpecificationError(
            "give either rate= (exogenous) or capital_income= (internal rate of return)"
        )
    if formula == "discrete":
        if (pi <= -1).any():
            s, t = np.argwhere(pi <= -1)[0]
            raise DataError(f"asset price change {_py(pi[s, t])!r} at period "
                            f"{_py(periods[t])!r} must exceed -1")
        p0 = price / (1.0 + pi)            # start-of-period price p_{t-1}
        carry = delta * (1.0 + pi) - pi
    else:
        p0 = price
        carry = delta - pi
    if rate is not None:
        r = _by_period(rate, "rate", periods)
        if (r <= -1).any():
            t = int(np.argmax(r <= -1))
            raise DataError(f"rate {_py(r[t])!r} at period {_py(periods[t])!r} must exceed -1")
    else:
        y = _by_period(capital_income, "capital_income", periods)
        base = np.nansum(p0 * volume, axis=0)
        other = np.nansum(p0 * volume * carry, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(base > 0, (y - other) / base, np.nan)
    user = p0 * (r[None, :] + carry)
    value = user * volume
    return CapitalServices(
        user_cost=lay.wrap(user),
        volume=lay.wrap(volume),
        value=lay.wrap(value),
        rate=pd.Series(r, index=periods, name="rate"),
        depreciation=lay.wrap(delta),
        price_change=lay.wrap(np.where(np.isnan(inv), np.nan, pi)),
        _arrays=(volume, value),
        _periods=periods,
        _layout=lay,
    )
