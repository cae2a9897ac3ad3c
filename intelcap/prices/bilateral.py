r"""Bilateral price indices: fixed-base and chained, matched-model, with coverage and contributions.

Each formula compares a base period 0 with a current period 1 over the items observed in both
(the matched model; items entering or leaving are dropped and :func:`coverage` reports the share
of expenditure dropped). With price relatives :math:`r_i = p_i^1 / p_i^0`, expenditure shares
:math:`s_i^t = p_i^t q_i^t / \sum_j p_j^t q_j^t` and a basket period :math:`b`:

.. math::

    P_L = \frac{\sum p^1 q^0}{\sum p^0 q^0},\quad
    P_P = \frac{\sum p^1 q^1}{\sum p^0 q^1},\quad
    P_F = \sqrt{P_L P_P},\quad
    \ln P_T = \sum_i \tfrac12 (s_i^0 + s_i^1) \ln r_i,\quad
    P_W = \frac{\sum p^1 \sqrt{q^0 q^1}}{\sum p^0 \sqrt{q^0 q^1}},

    P_{Lo} = \frac{\sum p^1 q^b}{\sum p^0 q^b},\quad P_Y = \sum_i s_i^b r_i,\quad
    P_J = \prod_i r_i^{1/N},\quad P_D = \frac{\sum p^1}{\sum p^0},\quad
    P_C = \frac1N \sum_i r_i .

A fixed-base index compares every period with the base; a chained index multiplies the links
between consecutive periods, each link matched on its own two periods.

References
----------
ILO, IMF, OECD, UNECE, Eurostat and World Bank (2004), *Consumer Price Index Manual: Theory and
Practice*, chapters 15-20 (formulas) and 19 (the artificial data set the tests reproduce).
Reinsdorf, M. B., W. E. Diewert and C. Ehemann (2002), "Additive decompositions for Fisher,
Törnqvist and geometric mean indexes", *Journal of Economic and Social Measurement* 28, 51-61.
Balk, B. M. (2008), *Price and Quantity Index Numbers*, Cambridge University Press.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from intelcap._validation import check_choice
from intelcap.exceptions import DataError, SpecificationError
from intelcap.prices._panel import Panel, from_wide, to_panel

__all__ = ["FORMULAS", "aggregate", "contributions", "coverage", "index"]


@dataclass(frozen=True)
class Formula:
    """An index formula: its name, whether it needs quantities, and the vectorised kernel."""

    name: str
    kernel: Callable[..., np.ndarray]
    weighted: bool
    uses_basket: bool = False
    description: str = ""


def _sum(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=0)


def _laspeyres(p0, p1, q0, q1, qb, m):
    return _sum(p1 * q0) / _sum(p0 * q0)


def _paasche(p0, p1, q0, q1, qb, m):
    return _sum(p1 * q1) / _sum(p0 * q1)


def _fisher(p0, p1, q0, q1, qb, m):
    return np.sqrt(_laspeyres(p0, p1, q0, q1, qb, m) * _paasche(p0, p1, q0, q1, qb, m))


def _logr(p0, p1, m):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m, np.log(np.where(m, p1, 1.0) / np.where(m, p0, 1.0)), 0.0)


def _tornqvist(p0, p1, q0, q1, qb, m):
    e0, e1 = p0 * q0, p1 * q1
    s = 0.5 * (e0 / _sum(e0) + e1 / _sum(e1))
    return np.exp(_sum(s * _logr(p0, p1, m)))


def _walsh(p0, p1, q0, q1, qb, m):
    w = np.sqrt(q0 * q1)
    return _sum(p1 * w) / _sum(p0 * w)


def _lowe(p0, p1, q0, q1, qb, m):
    return _sum(p1 * qb) / _sum(p0 * qb)


def _young(p0, p1, q0, q1, qb, m, pb=None):
    eb = pb * qb
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(m, p1 / np.where(m, p0, 1.0), 0.0)
    return _sum(eb * r) / _sum(eb)


def _jevons(p0, p1, q0, q1, qb, m):
    return np.exp(_sum(_logr(p0, p1, m)) / _sum(m))


def _dutot(p0, p1, q0, q1, qb, m):
    return _sum(p1) / _sum(p0)


def _carli(p0, p1, q0, q1, qb, m):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(m, p1 / np.where(m, p0, 1.0), 0.0)
    return _sum(r) / _sum(m)


FORMULAS: dict[str, Formula] = {
    f.name: f
    for f in (
        Formula("laspeyres", _laspeyres, True, description="base-period basket"),
        Formula("paasche", _paasche, True, description="current-period basket"),
        Formula("fisher", _fisher, True, description="geometric mean of Laspeyres and Paasche"),
        Formula("tornqvist", _tornqvist, True, description="geometric, mean-share weights"),
        Formula("walsh", _walsh, True, description="basket sqrt(q0 q1)"),
        Formula("lowe", _lowe, True, True, "basket of quantities of the basket period"),
        Formula("young", _young, True, True, "arithmetic, expenditure shares of basket period"),
        Formula("jevons", _jevons, False, description="unweighted geometric mean of relatives"),
        Formula("dutot", _dutot, False, description="ratio of arithmetic mean prices"),
        Formula("carli", _carli, False, description="unweighted arithmetic mean of relatives"),
    )
}
"""Registry of bilateral formulas by name (``index(..., formula=name)``)."""


def _formula(name: str) -> Formula:
    check_choice("formula", name, FORMULAS)
    return FORMULAS[name]


def _pairs(panel: Panel, chained: bool, base) -> tuple[np.ndarray, np.ndarray]:
    t = len(panel.periods)
    cur = np.arange(t)
    if chained:
        if base is not None:
            raise SpecificationError(
                "base= applies to fixed-base indices; a chained index starts at the first period"
            )
        return np.maximum(cur - 1, 0), cur
    b = 0 if base is None else _period_pos(panel, base, "base")
    return np.full(t, b), cur


def _period_pos(panel: Panel, label, what: str) -> int:
    try:
        pos = panel.periods.get_loc(label)
    except KeyError:
        raise DataError(
            f"{what}={label!r} is not a period of the data; periods run from "
            f"{panel.periods[0]!r} to {panel.periods[-1]!r}"
        ) from None
    return int(pos)


def _links(panel: Panel, f: Formula, b: np.ndarray, c: np.ndarray, basket) -> np.ndarray:
    p0, p1 = panel.p[:, b], panel.p[:, c]
    m = np.isfinite(p0) & np.isfinite(p1)
    q0 = q1 = qb = pb = None
    if f.weighted:
        if panel.q is None:
            raise DataError(f"formula {f.name!r} needs quantities or expenditures")
        q0, q1 = panel.q[:, b], panel.q[:, c]
        if f.uses_basket:
            kb = 0 if basket is None else _period_pos(panel, basket, "basket")
            qb = np.broadcast_to(panel.q[:, [kb]], p0.shape)
            pb = np.broadcast_to(panel.p[:, [kb]], p0.shape)
            m = m & np.isfinite(qb)
    p0z, p1z = np.where(m, p0, 0.0), np.where(m, p1, 0.0)
    if f.weighted:
        q0 = np.where(m, q0, 0.0)
        q1 = np.where(m, q1, 0.0)
        if qb is not None:
            qb = np.where(m, qb, 0.0)
            pb = np.where(m, pb, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if f.name == "young":
            out = _young(p0z, p1z, q0, q1, qb, m, pb=pb)
        else:
            out = f.kernel(p0z, p1z, q0, q1, qb, m)
    out = np.where(b == c, 1.0, out)
    empty = (m.sum(axis=0) == 0) & (b != c)
    if empty.any():
        k = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"no item is observed in both period {panel.periods[b[k]]!r} and period "
            f"{panel.periods[c[k]]!r}: the matched-model {f.name} index is undefined there"
        )
    return out


def _as_panel(data, quantities, item, period, price, quantity, expenditure, need_q) -> Panel:
    if isinstance(quantities, pd.DataFrame) or (
        isinstance(data, pd.DataFrame) and quantities is None
        and item not in data.columns and period not in data.columns
    ):
        data = from_wide(data, quantities)
        item, period, price = "item", "period", "price"
        quantity, expenditure = ("quantity" if quantities is not None else None), None
    elif quantities is not None:
        raise SpecificationError(
            "quantities= takes a wide (periods x items) DataFrame matching wide prices; for a "
            "long table name the column with quantity=... instead"
        )
    return to_panel(data, item=item, period=period, price=price, quantity=quantity,
                    expenditure=expenditure, need_quantity=need_q)


def index(
    data: pd.DataFrame,
    quantities: pd.DataFrame | None = None,
    *,
    formula: str | Sequence[str] = "fisher",
    chained: bool = False,
    base=None,
    basket=None,
    item: str = "item",
    period: str = "period",
    price: str = "price",
    quantity: str = "quantity",
    expenditure: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Bilateral price index from a long panel (or wide price and quantity tables).

    Parameters
    ----------
    data : DataFrame
        Long: one row per (item, period) with price and quantity (or expenditure) columns,
        rows ordered by period. Wide: periods as rows and items as columns of prices (then
        ``quantities`` is the matching wide table of quantities, or None for elementary
        formulas).
    quantities : DataFrame, optional
        Wide quantities, only with wide prices.
    formula : str or list of str
        A name from :data:`FORMULAS` (``"laspeyres"``, ``"paasche"``, ``"fisher"``,
        ``"tornqvist"``, ``"walsh"``, ``"lowe"``, ``"young"``, ``"jevons"``, ``"dutot"``,
        ``"carli"``) or several.
    chained : bool
        Chain period-on-period links (each matched on its own two periods) instead of comparing
        each period with the base directly.
    base : period label, optional
        Base period of a fixed-base index (default: the first period). The index is 1 there.
    basket : period label, optional
        Basket (weight-reference) period of the Lowe and Young indices (default: first period).
    item, period, price, quantity, expenditure : str
        Column names of a long table.

    Returns
    -------
    Series (one formula) or DataFrame (several), indexed by period.

    Notes
    -----
    Items observed in one period of a comparison but not the other are dropped from that
    comparison (matched model); :func:`coverage` gives the expenditure share dropped.
    """
    names = [formula] if isinstance(formula, str) else list(formula)
    fs = [_formula(n) for n in names]
    need_q = any(f.weighted for f in fs)
    panel = _as_panel(data, quantities, item, period, price, quantity, expenditure, need_q)
    b, c = _pairs(panel, chained, base)
    cols = {}
    for f in fs:
        link = _links(panel, f, b, c, basket)
        cols[f.name] = np.cumprod(link) if chained else link
    out = pd.DataFrame(cols, index=panel.periods)
    return out[names[0]] if isinstance(formula, str) else out


def coverage(
    data: pd.DataFrame,
    *,
    chained: bool = False,
    base=None,
    item: str = "item",
    period: str = "period",
    price: str = "price",
    quantity: str = "quantity",
    expenditure: str | None = None,
) -> pd.DataFrame:
    r"""What matching drops: counts and expenditure shares of entering and exiting items.

    For each comparison (base or previous period 0 against period 1) the table gives the items
    matched, entering (in 1 only) and exiting (in 0 only), and the expenditure share dropped,

    .. math::

        d^t = 1 - \frac{\sum_{i \in I(0) \cap I(1)} p_i^t q_i^t}{\sum_{i \in I(t)} p_i^t q_i^t},
        \qquad t \in \{0, 1\}.
    """
    panel = _as_panel(data, None, item, period, price, quantity, expenditure, True)
    b, c = _pairs(panel, chained, base)
    pres = panel.present
    m = pres[:, b] & pres[:, c]
    e = np.where(pres, panel.p * panel.q, 0.0)
    e0, e1 = e[:, b], e[:, c]
    return pd.DataFrame(
        {
            "compared_with": panel.periods[b],
            "matched": m.sum(axis=0),
            "entering": (pres[:, c] & ~pres[:, b]).sum(axis=0),
            "exiting": (pres[:, b] & ~pres[:, c]).sum(axis=0),
            "dropped_share_base": 1.0 - (e0 * m).sum(axis=0) / e0.sum(axis=0),
            "dropped_share_current": 1.0 - (e1 * m).sum(axis=0) / e1.sum(axis=0),
        },
        index=panel.periods,
    )


def contributions(
    data: pd.DataFrame,
    current,
    *,
    formula: str = "fisher",
    base=None,
    item: str = "item",
    period: str = "period",
    price: str = "price",
    quantity: str = "quantity",
    expenditure: str | None = None,
) -> pd.Series:
    r"""Additive contributions of each matched item to the percent change of an index.

    The contributions sum to :math:`P - 1` between ``base`` (default: first period) and
    ``current``:

    .. math::

        P - 1 = \sum_i w_i (r_i - 1),

    with :math:`w_i = s_i^0` for Laspeyres, :math:`w_i = p_i^0 q_i^1 / \sum p^0 q^1` for Paasche,
    and for Fisher the van IJzeren decomposition (Balk 2008, section 4.2.2; Reinsdorf, Diewert
    and Ehemann 2002 discuss it beside their own),

    .. math::

        w_i = \frac{Q_F\, p_i^0 q_i^0 / \sum p^0 q^0 + Q_L\, p_i^0 q_i^1 / \sum p^0 q^1}
                   {Q_F + Q_L},

    with :math:`Q_F, Q_L` the Fisher and Laspeyres quantity indices (equivalently
    :math:`Q_L / Q_F = P_F / P_L`).

    For Törnqvist and Jevons the log-change contributions :math:`v_i \ln r_i` are scaled to
    the percent change, :math:`(P - 1)\, v_i \ln r_i / \ln P`.
    """
    check_choice("formula", formula, ("laspeyres", "paasche", "fisher", "tornqvist", "jevons"))
    panel = _as_panel(data, None, item, period, price, quantity, expenditure,
                      formula != "jevons")
    kb = 0 if base is None else _period_pos(panel, base, "base")
    kc = _period_pos(panel, current, "current")
    p0, p1 = panel.p[:, kb], panel.p[:, kc]
    m = np.isfinite(p0) & np.isfinite(p1)
    p0, p1 = p0[m], p1[m]
    r = p1 / p0
    items = panel.items[m]
    if formula == "jevons":
        v = np.full(r.size, 1.0 / r.size)
    else:
        q0, q1 = panel.q[m, kb], panel.q[m, kc]
        s0 = p0 * q0 / (p0 @ q0)
        h1 = p0 * q1 / (p0 @ q1)
        if formula == "laspeyres":
            return pd.Series(s0 * (r - 1), index=items, name="laspeyres")
        if formula == "paasche":
            return pd.Series(h1 * (r - 1), index=items, name="paasche")
        if formula == "fisher":
            pl, pp = s0 @ r, (p1 @ q1) / (p0 @ q1)
            a = np.sqrt(pl * pp) / pl
            w = (a * s0 + h1) / (a + 1.0)
            return pd.Series(w * (r - 1), index=items, name="fisher")
        s1 = p1 * q1 / (p1 @ q1)
        v = 0.5 * (s0 + s1)
    logc = v * np.log(r)
    lnp = logc.sum()
    scale = (np.expm1(lnp) / lnp) if lnp != 0 else 1.0
    return pd.Series(logc * scale, index=items, name=formula)


def aggregate(
    sub_indices: pd.DataFrame,
    weights: pd.DataFrame | pd.Series,
    *,
    formula: str = "laspeyres",
    chained: bool = False,
) -> pd.Series:
    r"""Aggregate sub-indices (periods x groups) into one index.

    ``weights`` is either a Series of fixed expenditure weights per group (a Young-type
    aggregation, :math:`I_t = \sum_g w_g I_{gt} / \sum_g w_g` with the sub-indices rebased to 1
    in the first period) or a DataFrame of expenditures by period and group; the sub-index is
    then the group's price and expenditure over the sub-index its quantity, and any weighted
    formula of :data:`FORMULAS` applies. A fixed-base Laspeyres of Laspeyres sub-indices with
    base-period expenditures equals the one-stage Laspeyres over all items (consistency in
    aggregation).
    """
    if not isinstance(sub_indices, pd.DataFrame):
        raise DataError("sub_indices must be a DataFrame of periods (rows) x groups (columns)")
    if isinstance(weights, pd.Series):
        missing = [g for g in sub_indices.columns if g not in weights.index]
        if missing:
            raise DataError(f"weights has no entry for group(s) {missing}")
        w = weights.reindex(sub_indices.columns).to_numpy(dtype=float)
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise DataError("weights must be finite, non-negative and not all zero")
        rel = sub_indices.to_numpy(dtype=float) / sub_indices.iloc[0].to_numpy(dtype=float)
        return pd.Series(rel @ w / w.sum(), index=sub_indices.index, name="aggregate")
    same = weights.index.equals(sub_indices.index) and weights.columns.equals(sub_indices.columns)
    if not same:
        raise DataError(
            f"weights {weights.shape} must have the periods and groups of sub_indices "
            f"{sub_indices.shape}"
        )
    q = weights / sub_indices
    out = index(sub_indices, q, formula=formula, chained=chained)
    return out.rename("aggregate")
