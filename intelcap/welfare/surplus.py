r"""Consumer surplus of (zero-priced) services: demand curves and choice experiments.

Demand-curve surplus at an observed point (price :math:`p`, quantity :math:`q`, expenditure
:math:`R = pq`), the area under the demand curve above the price:

* linear demand with point elasticity :math:`\varepsilon` (absolute value) at :math:`(p, q)`:
  the choke price is :math:`p (1 + 1/\varepsilon)`, so
  :math:`CS = \tfrac12 q\,(p_{choke} - p) = \dfrac{p q}{2 \varepsilon}`
  (Hausman 1999, "Cellular telephone, new products, and the CPI", *JBES* 17(2));
  for a free good give the choke price instead: :math:`CS = \tfrac12 q\, p_{choke}`;
* constant elasticity :math:`q = A p^{-\varepsilon}`, :math:`\varepsilon > 1`:
  :math:`CS = \int_p^\infty A x^{-\varepsilon} dx = \dfrac{p q}{\varepsilon - 1}`;
* multinomial logit with market size :math:`M`, price coefficient :math:`\alpha` and the new
  good's share :math:`s`: the compensating variation of adding the good (Small and Rosen 1981;
  Trajtenberg 1989; Petrin 2002) is

  .. math:: \Delta CS = \frac{M}{\alpha} \ln \frac{\sum_{j \in J \cup \{n\}} e^{\delta_j}}
            {\sum_{j \in J} e^{\delta_j}} = -\frac{M}{\alpha} \ln (1 - s).

Choice experiments (Brynjolfsson, Collis and Eggers 2019, *PNAS* 116(15), 7250-7255): each
respondent is offered an amount :math:`A` to give up a free good for a period and accepts or
refuses. The share refusing, :math:`S(A) = \Pr(WTA > A)`, is a survival curve in the offer;
:func:`wta_survival` fits a log-logistic (logit in :math:`\ln A`) or log-normal (probit in
:math:`\ln A`) curve by maximum likelihood and reports the median WTA and the mean WTA. The
mean of a log-logistic distribution with scale :math:`\sigma \ge 1` is infinite, so the mean is
also reported truncated at the largest offer, :math:`\int_0^{A_{max}} S(A)\,dA`, and the
truncation point is stated with it. :func:`wta_turnbull` gives the distribution-free
(Turnbull) curve at the offered amounts, its interpolated median and the Turnbull lower-bound
mean, which counts the mass above the largest offer at that offer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap._validation import check_choice
from intelcap.exceptions import ConvergenceWarning, DataError, ParameterError

__all__ = [
    "DEMANDS",
    "TurnbullWTA",
    "WTAResults",
    "consumer_surplus",
    "wta_survival",
    "wta_turnbull",
]

DEMANDS = ("linear", "constant_elasticity", "logit")
"""Registry of demand forms for :func:`consumer_surplus`."""


def _arr(x, name):
    if x is None:
        raise ParameterError(f"{name} is required for this demand form")
    a = np.asarray(x, dtype=float)
    if not np.isfinite(a).all():
        raise DataError(f"{name} must be finite")
    return a


def _wrap(value, *like):
    for obj in like:
        if isinstance(obj, pd.Series):
            return pd.Series(value, index=obj.index, name="consumer_surplus")
    v = np.asarray(value)
    return float(v) if v.ndim == 0 else v


def consumer_surplus(
    demand: str = "linear",
    *,
    price=None,
    quantity=None,
    elasticity=None,
    revenue=None,
    choke_price=None,
    market_size=None,
    price_coefficient=None,
    share=None,
):
    """Consumer surplus under a named demand form (see the module docstring for formulas).

    Parameters
    ----------
    demand : {"linear", "constant_elasticity", "logit"}
    price, quantity : float or array or Series
        The observed point (``linear``; ``constant_elasticity`` unless ``revenue`` is given).
    elasticity : float or array
        Absolute own-price elasticity at the point (linear: > 0; constant elasticity: > 1).
    revenue : float or array, optional
        Expenditure ``price * quantity`` (instead of price and quantity).
    choke_price : float or array, optional
        Linear demand: the price at which demand is zero (for a free good, where the point
        elasticity is zero).
    market_size, price_coefficient, share : float or array
        Logit: number of consumers (or total budget units), the marginal utility of money
        (> 0) and the new good's market share (0 < share < 1).

    Returns
    -------
    float, ndarray or Series (if any input is a Series), in the currency of price x quantity.
    """
    check_choice("demand", demand, DEMANDS)
    if demand == "logit":
        m = _arr(market_size, "market_size")
        a = _arr(price_coefficient, "price_coefficient")
        s = _arr(share, "share")
        if (a <= 0).any():
            raise ParameterError("price_coefficient must be positive (utility falls with price)")
        if ((s <= 0) | (s >= 1)).any():
            raise ParameterError("share must lie strictly between 0 and 1")
        if (m <= 0).any():
            raise ParameterError("market_size must be positive")
        return _wrap(-m / a * np.log1p(-s), market_size, price_coefficient, share)
    if demand == "linear" and choke_price is not None:
        q = _arr(quantity, "quantity")
        pc = _arr(choke_price, "choke_price")
        p = np.zeros_like(q) if price is None else _arr(price, "price")
        if (pc < p).any():
            raise ParameterError("choke_price must be at least the price")
        return _wrap(0.5 * q * (pc - p), quantity, choke_price, price)
    rev = (_arr(revenue, "revenue") if revenue is not None
           else _arr(price, "price") * _arr(quantity, "quantity"))
    if (rev < 0).any():
        raise DataError("revenue (price x quantity) must be non-negative")
    e = _arr(elasticity, "elasticity")
    if demand == "linear":
        if (e <= 0).any():
            raise ParameterError("elasticity (absolute value) must be positive for linear demand")
        return _wrap(rev / (2 * e), price, quantity, revenue, elasticity)
    if (e <= 1).any():
        raise ParameterError(
            "constant-elasticity demand has finite surplus only for elasticity > 1 "
            f"(got {np.min(e)!r})"
        )
    return _wrap(rev / (e - 1), price, quantity, revenue, elasticity)


def _wta_answers(offers, accepted) -> tuple[np.ndarray, np.ndarray]:
    """Offers (positive, finite) and 0/1 answers of a choice experiment, checked, as arrays."""
    a_off = np.asarray(offers, dtype=float)
    y = np.asarray(accepted, dtype=float)
    if a_off.shape != y.shape or a_off.ndim != 1:
        raise DataError(f"offers {a_off.shape} and accepted {y.shape} must be 1-d, equal length")
    if not np.isfinite(a_off).all() or (a_off <= 0).any():
        pos = int(np.flatnonzero(~(np.isfinite(a_off) & (a_off > 0)))[0])
        raise DataError(f"offers must be positive and finite; row {pos} has {a_off[pos]!r}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError("accepted must be 0/1 or boolean")
    return a_off, y


@dataclass(frozen=True, repr=False)
class WTAResults(SummaryMixin):
    """Fit of a willingness-to-accept survival curve from binary choice-experiment answers.

    ``mu`` and ``sigma`` are the location and scale of :math:`\\ln WTA`; ``median`` is
    :math:`e^{\\mu}`; ``mean`` the untruncated mean (``inf`` where it does not exist);
    ``mean_truncated`` the area under :math:`S(A)` up to ``truncation`` (the largest offer).
    """

    dist: str
    mu: float
    sigma: float
    cov: np.ndarray
    nobs: int
    loglike: float
    truncation: float
    converged: bool

    def survival(self, amount) -> np.ndarray:
        """:math:`S(A) = \\Pr(WTA > A)`, the share who would refuse offer ``A``."""
        from scipy import stats

        z = (np.log(np.asarray(amount, dtype=float)) - self.mu) / self.sigma
        return stats.logistic.sf(z) if self.dist == "loglogistic" else stats.norm.sf(z)

    @property
    def median(self) -> float:
        """Median willingness to accept, :math:`e^{\\mu}`."""
        return float(np.exp(self.mu))

    @property
    def median_std_error(self) -> float:
        """Delta-method standard error of the median."""
        return float(self.median * np.sqrt(self.cov[0, 0]))

    def median_conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of the median, :math:`e^{\\mu \\pm z\\,se(\\mu)}` (normal on the
        log scale, so the interval is asymmetric and positive)."""
        from scipy import stats

        q = stats.norm.ppf(0.5 + level / 2)
        se = np.sqrt(self.cov[0, 0])
        return float(np.exp(self.mu - q * se)), float(np.exp(self.mu + q * se))

    @property
    def mean(self) -> float:
        """Untruncated mean WTA: :math:`e^{\\mu + \\sigma^2/2}` (lognormal) or
        :math:`e^{\\mu}\\pi\\sigma/\\sin(\\pi\\sigma)` (log-logistic, ``inf`` for
        :math:`\\sigma \\ge 1`)."""
        if self.dist == "lognormal":
            return float(np.exp(self.mu + 0.5 * self.sigma**2))
        if self.sigma >= 1:
            return float("inf")
        s = self.sigma
        return float(np.exp(self.mu) * np.pi * s / np.sin(np.pi * s))

    @property
    def mean_truncated(self) -> float:
        """Mean WTA truncated at ``truncation``: the area under :math:`S(A)` from 0 to the
        largest offer."""
        from scipy import integrate

        val, _ = integrate.quad(lambda a: float(self.survival(a)), 0.0, self.truncation,
                                limit=200)
        return float(val)

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()`` (printed by ``print``;
        HTML in a notebook)."""
        header = [("Distribution of WTA", self.dist), ("No. respondents", self.nobs),
                  ("Log-likelihood", self.loglike), ("Converged", self.converged)]
        lo, hi = self.median_conf_int()
        table = pd.DataFrame(
            {"Estimate": [self.mu, self.sigma, self.median, self.mean, self.mean_truncated],
             "Std. Err.": [np.sqrt(self.cov[0, 0]), np.sqrt(self.cov[1, 1]),
                           self.median_std_error, np.nan, np.nan]},
            index=["mu (ln WTA location)", "sigma (ln WTA scale)", "median WTA",
                   "mean WTA", f"mean WTA truncated at {self.truncation:g}"])
        notes = [f"median 95% interval [{lo:.4g}, {hi:.4g}]",
                 f"mean truncated at the largest offer, {self.truncation:g}"]
        if not np.isfinite(self.mean):
            notes.append("untruncated mean is infinite (log-logistic scale >= 1)")
        return Summary("WTA survival curve", header=header, tables=[("", table)], notes=notes)


def wta_survival(offers, accepted, *, dist: str = "loglogistic", max_iter: int = 100,
                 tol: float = 1e-10) -> WTAResults:
    r"""Fit the survival curve of willingness to accept from binary offers.

    Parameters
    ----------
    offers : array or Series
        Positive amounts offered to give up the good (one per respondent and question).
    accepted : array or Series of bool/0-1
        Whether the respondent accepted the offer (gave up the good).
    dist : {"loglogistic", "lognormal"}
        :math:`\Pr(\text{accept} \mid A) = F((\ln A - \mu)/\sigma)` with :math:`F` logistic
        or normal; fitted by Newton-Raphson on :math:`(a, b)` with
        :math:`F(a + b \ln A)`, :math:`\mu = -a/b`, :math:`\sigma = 1/b`.
    """
    from scipy import special, stats

    check_choice("dist", dist, ("loglogistic", "lognormal"))
    a_off, y = _wta_answers(offers, accepted)
    if y.min() == y.max():
        raise DataError("every answer is the same: the survival curve is not identified")
    x = np.column_stack([np.ones_like(a_off), np.log(a_off)])
    beta = np.array([-np.median(x[:, 1]), 1.0])
    converged = False
    cdf = special.expit if dist == "loglogistic" else stats.norm.cdf
    for _ in range(max_iter):
        eta = x @ beta
        if dist == "loglogistic":
            pr = special.expit(eta)
            grad = x.T @ (y - pr)
            hess = (x * (pr * (1 - pr))[:, None]).T @ x
        else:
            pr = np.clip(stats.norm.cdf(eta), 1e-300, 1 - 1e-16)
            pdf = stats.norm.pdf(eta)
            lam = np.where(y == 1, pdf / pr, -pdf / (1 - pr))
            grad = x.T @ lam
            w = lam * (lam + eta)
            hess = (x * w[:, None]).T @ x
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    if not converged:
        import warnings

        warnings.warn("WTA survival fit did not converge", ConvergenceWarning, stacklevel=2)
    eta = x @ beta
    pr = np.clip(cdf(eta), 1e-300, 1 - 1e-16)
    ll = float(np.sum(y * np.log(pr) + (1 - y) * np.log1p(-pr)))
    cov_ab = np.linalg.inv(hess)
    a, b = beta
    if b <= 0:
        raise DataError("acceptance falls with the offer: no increasing WTA distribution fits")
    jac = np.array([[-1 / b, a / b**2], [0.0, -1 / b**2]])  # d(mu, sigma)/d(a, b)
    cov = jac @ cov_ab @ jac.T
    return WTAResults(dist, float(-a / b), float(1 / b), cov, int(y.size), ll,
                      float(a_off.max()), converged)


@dataclass(frozen=True, repr=False)
class TurnbullWTA(SummaryMixin):
    """Distribution-free estimate of the WTA survival curve (Turnbull, with pooled violators).

    ``table`` has one row per offer level: respondents, share accepting, the monotone estimate
    of :math:`F(A) = \\Pr(WTA \\le A)` and :math:`S(A) = 1 - F(A)`.
    """

    table: pd.DataFrame
    median: float
    mean_lower_bound: float
    truncation: float

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()`` (printed by ``print``;
        HTML in a notebook)."""
        notes = [
            "F is the pooled-adjacent-violators (Turnbull) estimate at the offered amounts",
            "median interpolated linearly between offers (S(0) = 1); nan if S stays above 0.5",
            f"mean is the Turnbull lower bound; mass above the largest offer "
            f"({self.truncation:g}) is counted at that offer (truncation)",
        ]
        head = [("median WTA", self.median), ("mean WTA (lower bound)", self.mean_lower_bound),
                ("truncation", self.truncation)]
        return Summary("WTA survival curve (Turnbull)", header=head,
                       tables=[("", self.table)], notes=notes)


def wta_turnbull(offers, accepted) -> TurnbullWTA:
    r"""Turnbull (distribution-free) WTA survival curve, median and lower-bound mean.

    With offers :math:`A_1 < \dots < A_J` and shares accepting :math:`\hat F_j` (made
    non-decreasing by pooling adjacent violators, weighted by respondents), the lower-bound mean
    puts each probability mass at the lower end of its interval and the mass above the largest
    offer at :math:`A_J` (Haab and McConnell 2002, *Valuing Environmental and Natural
    Resources*, chapter 3):

    .. math:: \underline{E}[WTA] = \sum_{j=1}^{J} A_{j-1} (\hat F_j - \hat F_{j-1})
              + A_J (1 - \hat F_J), \qquad A_0 = 0,\ \hat F_0 = 0 .
    """
    a_off, y = _wta_answers(offers, accepted)
    levels, inv = np.unique(a_off, return_inverse=True)
    n = np.bincount(inv).astype(float)
    k = np.bincount(inv, weights=y)
    # pool adjacent violators (weighted) for a non-decreasing F
    blocks: list[list[float]] = []  # [sum_k, sum_n, count]
    for kj, nj in zip(k, n, strict=True):
        blocks.append([kj, nj, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            b = blocks.pop()
            blocks[-1][0] += b[0]
            blocks[-1][1] += b[1]
            blocks[-1][2] += b[2]
    f = np.concatenate([np.full(int(c), s / m) for s, m, c in blocks])
    s_hat = 1.0 - f
    lower = np.r_[0.0, levels[:-1]]
    mass = np.diff(np.r_[0.0, f])
    mean_lb = float(lower @ mass + levels[-1] * (1.0 - f[-1]))
    median = float("nan")
    xs, ss = np.r_[0.0, levels], np.r_[1.0, s_hat]  # S(0) = 1
    if (ss <= 0.5).any():
        j = int(np.flatnonzero(ss <= 0.5)[0])
        x0, x1, s0, s1 = xs[j - 1], xs[j], ss[j - 1], ss[j]
        median = float(x0 + (s0 - 0.5) / (s0 - s1) * (x1 - x0))
    table = pd.DataFrame({"respondents": n.astype(int), "share_accepting": k / n, "F": f,
                          "S": s_hat}, index=pd.Index(levels, name="offer"))
    return TurnbullWTA(table, median, mean_lb, float(levels[-1]))
