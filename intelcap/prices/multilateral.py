r"""Multilateral price indices for high-churn data, with rolling windows and splices.

Within a window of periods :math:`0, \dots, T-1` (every method is normalised to 1 in the
window's first period):

* **GEKS** (Gini 1931; Eltetö-Köves 1964; Szulc 1964; Ivancic, Diewert and Fox 2011) from a
  bilateral formula :math:`P(s, t)` (Fisher, Törnqvist, Walsh or Jevons), each pair matched on
  its own two periods:

  .. math:: \ln P_{GEKS}(0, t) = \frac1T \sum_{s} \left[\ln P(s, t) - \ln P(s, 0)\right].

* **CCDI** (Caves, Christensen and Diewert 1982; Inklaar and Diewert 2016), over the items
  observed in every period of the window, with :math:`\bar s_i, \overline{\ln p}_i` the window
  means:

  .. math:: \ln P_{CCDI}(0, t) = \sum_i \tfrac12 (s_i^t + \bar s_i)(\ln p_i^t - \overline{\ln p}_i)
            - \sum_i \tfrac12 (s_i^0 + \bar s_i)(\ln p_i^0 - \overline{\ln p}_i).

  On such a balanced window it equals GEKS-Törnqvist exactly.
* **Time-product dummy** (weighted; Rao 1995, Diewert 2005): weighted least squares of
  :math:`\ln p_i^t = \alpha_t + \gamma_i + \varepsilon` with expenditure-share weights
  :math:`s_i^t`, :math:`P(0, t) = \exp(\alpha_t - \alpha_0)`.
* **Geary-Khamis** (Geary 1958; Khamis 1972; Chessa 2016): the fixed point of

  .. math:: v_i = \frac{\sum_t q_i^t p_i^t / P_t}{\sum_t q_i^t}, \qquad
            P_t = \frac{\sum_i p_i^t q_i^t}{\sum_i v_i q_i^t},

  items absent in a period entering with zero quantity.

Rolling windows (``window=w``): the first window gives periods :math:`0..w-1`; each later
period :math:`t` comes from the window :math:`t-w+1..t`, spliced onto the published series at a
link period :math:`k`: :math:`I_t = I_k \, W(k, t)`. Splices: ``"movement"`` :math:`k = t-1`,
``"window"`` :math:`k = t-w+1`, ``"half"`` :math:`k = t - \lfloor (w-1)/2 \rfloor`, ``"mean"``
the geometric mean over all :math:`k = t-w+1, \dots, t-1` (Ivancic, Diewert and Fox 2011;
Krsinich 2016; Diewert and Fox 2022).

The bilateral matrices of a window come from four matrix products over items (no loop over
pairs), so a 13-month GEKS over thousands of items costs a few BLAS calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intelcap._validation import check_choice
from intelcap.exceptions import ConvergenceWarning, DataError, SpecificationError
from intelcap.prices._panel import Panel, to_panel

__all__ = ["METHODS", "SPLICES", "bilateral_log_matrix", "multilateral_index", "splice_windows"]

METHODS = ("geks_fisher", "geks_tornqvist", "geks_walsh", "geks_jevons", "ccdi", "tpd",
           "geary_khamis")
"""Registry of multilateral methods (``multilateral_index(..., method=name)``)."""

SPLICES = ("movement", "window", "half", "mean")
"""Registry of splices for rolling windows."""


def _zero(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.where(m, x, 0.0)


def bilateral_log_matrix(p: np.ndarray, q: np.ndarray | None, formula: str) -> np.ndarray:
    """``L[s, t] = ln P(s -> t)`` for all period pairs of ``(N, T)`` arrays (NaN = absent).

    Each pair is matched on the items present in both periods; the sums over matched items are
    matrix products of zero-filled arrays with the presence mask.
    """
    m = np.isfinite(p).astype(float)
    pz = _zero(p, m > 0)
    if formula == "jevons":
        lp = _zero(np.log(np.where(m > 0, p, 1.0)), m > 0)
        a = lp.T @ m  # a[t, s] = sum_i ln p_it m_is
        n = m.T @ m
        with np.errstate(divide="ignore", invalid="ignore"):
            return ((a - a.T) / n).T  # [s, t]: mean over matched i of lnp_it - lnp_is
    qz = _zero(q, m > 0)
    if formula in ("fisher", "laspeyres", "paasche"):
        x = pz.T @ qz  # x[t, s] = sum_i p_it q_is  (zero unless both present)
        e = pz * qz
        d = e.T @ m  # d[s, t] = sum_i p_is q_is m_it
        with np.errstate(divide="ignore", invalid="ignore"):
            lasp = x.T / d  # [s, t]: sum p_t q_s / sum p_s q_s m_t
            paas = d.T / x  # [s, t]: sum p_t q_t m_s / sum p_s q_t
            if formula == "laspeyres":
                return np.log(lasp)
            if formula == "paasche":
                return np.log(paas)
            return 0.5 * (np.log(lasp) + np.log(paas))
    if formula == "walsh":
        # sum_i p_it sqrt(q_is q_it): a product of (p_t sqrt(q_t)) and sqrt(q_s)
        rq = np.sqrt(qz)
        x = (pz * rq).T @ rq  # x[t, s] = sum p_t sqrt(q_t) sqrt(q_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x.T / x)  # [s, t]: sum p_t w / sum p_s w
    if formula == "tornqvist":
        e = pz * qz
        lp = _zero(np.log(np.where(m > 0, p, 1.0)), m > 0)
        el = e * lp
        d = e.T @ m  # d[s, t] = sum_i e_is m_it   (period-s expenditure on items also in t)
        a = e.T @ lp  # a[s, t] = sum_i e_is lnp_it
        b = el.T @ m  # b[s, t] = sum_i e_is lnp_is m_it
        with np.errstate(divide="ignore", invalid="ignore"):
            half_s = (a - b) / d  # sum s_is(t) (lnp_t - lnp_s)
            half_t = (b.T - a.T) / d.T  # sum s_it(s) (lnp_t - lnp_s)
        return 0.5 * (half_s + half_t)
    raise SpecificationError(f"no bilateral matrix for formula {formula!r}")


def _geks(p, q, formula):
    lm = bilateral_log_matrix(p, q, formula)
    if not np.isfinite(lm).all():
        s, t = np.argwhere(~np.isfinite(lm))[0]
        raise DataError(
            f"periods {s} and {t} of a window share no item: GEKS needs every pair matched"
        )
    g = lm.mean(axis=0)  # mean_s ln P(s, t)
    return g - g[0]


def _ccdi(p, q):
    keep = np.isfinite(p).all(axis=1)
    if not keep.any():
        raise DataError("no item is observed in every period of the window (CCDI)")
    p, q = p[keep], q[keep]
    e = p * q
    s = e / e.sum(axis=0)
    lp = np.log(p)
    sbar = s.mean(axis=1, keepdims=True)
    lbar = lp.mean(axis=1, keepdims=True)
    lev = (0.5 * (s + sbar) * (lp - lbar)).sum(axis=0)
    return lev - lev[0]


def _tpd(p, q):
    m = np.isfinite(p)
    e = _zero(p * q, m)
    w = e / e.sum(axis=0)  # shares within each period
    y = _zero(np.log(np.where(m, p, 1.0)), m)
    wi = w.sum(axis=1)
    ok = wi > 0
    w, y, wi = w[ok], y[ok], wi[ok]
    wt = w.sum(axis=0)
    a = np.diag(wt) - (w / wi[:, None]).T @ w  # normal equations for alpha after gamma out
    b = (w * y).sum(axis=0) - (w / wi[:, None]).T @ (w * y).sum(axis=1)
    # alpha_0 = 0: drop first equation and unknown
    alpha = np.zeros(p.shape[1])
    alpha[1:] = np.linalg.solve(a[1:, 1:], b[1:])
    return alpha


def _geary_khamis(p, q, tol=1e-14, max_iter=10_000):
    m = np.isfinite(p)
    pz, qz = _zero(p, m), _zero(q, m)
    e = (pz * qz).sum(axis=0)
    qi = qz.sum(axis=1)
    ok = qi > 0
    pz, qz, qi = pz[ok], qz[ok], qi[ok]
    big_p = np.ones(p.shape[1])
    for _ in range(max_iter):
        v = (qz * pz / big_p).sum(axis=1) / qi
        new = e / (v @ qz)
        new = new / new[0]
        if np.max(np.abs(new / big_p - 1)) < tol:
            big_p = new
            break
        big_p = new
    else:
        import warnings

        warnings.warn("Geary-Khamis iteration did not converge", ConvergenceWarning,
                      stacklevel=3)
    return np.log(big_p)


def _window_logindex(p, q, method):
    if method.startswith("geks_"):
        return _geks(p, q, method.removeprefix("geks_"))
    if method == "ccdi":
        return _ccdi(p, q)
    if method == "tpd":
        return _tpd(p, q)
    return _geary_khamis(p, q)


def _splice(published: list[float], w_log: np.ndarray, splice: str, w: int) -> float:
    # published: log levels so far (last w-1 of them overlap the new window)
    t_pos = w - 1  # position of the new period in the window
    if splice == "movement":
        ks = [t_pos - 1]
    elif splice == "window":
        ks = [0]
    elif splice == "half":
        ks = [t_pos - (w - 1) // 2]
    else:
        ks = list(range(0, t_pos))
    vals = [published[len(published) - t_pos + k] + w_log[t_pos] - w_log[k] for k in ks]
    return float(np.mean(vals))


def multilateral_index(
    data: pd.DataFrame,
    *,
    method: str = "geks_fisher",
    window: int | None = None,
    splice: str = "mean",
    item: str = "item",
    period: str = "period",
    price: str = "price",
    quantity: str = "quantity",
    expenditure: str | None = None,
) -> pd.Series:
    """Multilateral price index, over the whole sample or rolling windows spliced together.

    Parameters
    ----------
    data : DataFrame
        Long panel (item, period, price, quantity or expenditure), rows ordered by period.
    method : str
        One of :data:`METHODS`: ``"geks_fisher"``, ``"geks_tornqvist"``, ``"geks_walsh"``,
        ``"geks_jevons"``, ``"ccdi"``, ``"tpd"``, ``"geary_khamis"``.
    window : int, optional
        Rolling window length (>= 2); None uses all periods in one window (no revisions).
    splice : str
        One of :data:`SPLICES` (rolling windows only).

    Returns
    -------
    Series indexed by period, 1 in the first period.
    """
    check_choice("method", method, METHODS)
    check_choice("splice", splice, SPLICES)
    need_q = method != "geks_jevons"
    panel: Panel = to_panel(data, item=item, period=period, price=price, quantity=quantity,
                            expenditure=expenditure, need_quantity=need_q)
    p, q = panel.p, panel.q
    t = p.shape[1]
    if window is None:
        window = t
    if not isinstance(window, (int, np.integer)) or window < 2 or window > t:
        raise SpecificationError(f"window must be an integer in [2, {t}] (periods), got {window!r}")
    if method.startswith("geks_") and window < t:
        out = _rolling_geks(p, q, method.removeprefix("geks_"), window, splice)
    else:
        first = _window_logindex(p[:, :window], None if q is None else q[:, :window], method)
        out = list(first)
        for end in range(window, t):
            sl = slice(end - window + 1, end + 1)
            wl = _window_logindex(p[:, sl], None if q is None else q[:, sl], method)
            out.append(_splice(out, wl, splice, window))
        out = np.asarray(out)
    return pd.Series(np.exp(out), index=panel.periods, name=method)


def _rolling_geks(p, q, formula, window, splice):
    """Rolling GEKS from one bilateral matrix of the whole sample (each pair computed once)."""
    lm = bilateral_log_matrix(p, q, formula)
    t = p.shape[1]

    def win(start):
        sub = lm[start:start + window, start:start + window]
        if not np.isfinite(sub).all():
            s, u = np.argwhere(~np.isfinite(sub))[0]
            raise DataError(
                f"periods {start + s} and {start + u} share no item: GEKS needs every pair of a "
                "window matched"
            )
        g = sub.mean(axis=0)
        return g - g[0]

    out = list(win(0))
    for end in range(window, t):
        out.append(_splice(out, win(end - window + 1), splice, window))
    return np.asarray(out)


def splice_windows(windows, splice: str = "mean") -> np.ndarray:
    """Splice index levels computed over rolling windows into one published series.

    Parameters
    ----------
    windows : sequence of 1-d arrays
        Index levels of successive windows of equal length ``w``, each relative to its own first
        period, window ``j`` covering periods ``j .. j+w-1``.
    splice : str
        One of :data:`SPLICES`. Links are taken on the published (already spliced) series.

    Returns
    -------
    ndarray of the spliced levels, periods ``0 .. w-1+len(windows)-1``.
    """
    check_choice("splice", splice, SPLICES)
    arrs = [np.log(np.asarray(w, dtype=float)) for w in windows]
    if not arrs:
        raise SpecificationError("windows is empty")
    w = arrs[0].size
    if any(a.size != w for a in arrs) or w < 2:
        raise SpecificationError("every window must have the same length (>= 2)")
    out = list(arrs[0] - arrs[0][0])
    for a in arrs[1:]:
        out.append(_splice(out, a - a[0], splice, w))
    return np.exp(np.asarray(out))
