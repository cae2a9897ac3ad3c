r"""Retirement (survival) distributions around a mean service life.

Assets of one vintage are not all retired at the same age: their service lives :math:`T` follow a
distribution :math:`F` with mean :math:`L` (the mean service life) and, for the two-parameter
families, a coefficient of variation :math:`c = \mathrm{sd}(T) / L`. The survival function
:math:`S(x) = 1 - F(x)` weighs the gross stock; combined with an age-efficiency or age-price
profile it gives the cohort profiles of the productive and net stocks (OECD 2009, "Service
Lives and Retirement of Assets").

Distributions in the registry (:data:`RETIREMENTS`), each matched to the mean :math:`L` and the
coefficient of variation :math:`c` by the method of moments:

``"weibull"``
    shape :math:`k` solves :math:`\Gamma(1+2/k)/\Gamma(1+1/k)^2 - 1 = c^2`, scale
    :math:`\lambda = L / \Gamma(1 + 1/k)`; :math:`S(x) = \exp(-(x/\lambda)^k)`.
``"lognormal"``
    :math:`\sigma^2 = \ln(1 + c^2)`, :math:`\mu = \ln L - \sigma^2/2`;
    :math:`S(x) = 1 - \Phi((\ln x - \mu)/\sigma)`.
``"gamma"``
    shape :math:`k = 1/c^2`, scale :math:`\theta = L c^2`; :math:`S(x) = Q(k, x/\theta)`.
``"truncated_normal"``
    a normal with mean :math:`L` and standard deviation :math:`cL`, truncated to
    ``[lower, upper]`` (default :math:`[0, 2L]`, symmetric about the mean so the mean stays
    :math:`L`; the lower bound keeps assets from being retired before installation). With
    ``lower=-inf, upper=inf`` it is the plain normal.
``"winfrey_s3"``
    Winfrey's (1935) symmetric curve on BEA's modified S-3 range (45 % to 155 % of the mean
    life), see :class:`WinfreyS3`.
``"none"`` (or ``None``)
    no dispersion: every asset lives exactly :math:`L` periods (:math:`S(x) = 1` for
    :math:`x < L`), "simultaneous exit".

Each distribution checks its parameters (:math:`L > 0`, :math:`c` inside its admissible range)
and raises :class:`~intelcap.exceptions.ParameterError` naming the one at fault.

References
----------
OECD (2009), *Measuring Capital - OECD Manual*, second edition, Paris: OECD Publishing.
Winfrey, R. (1935), *Statistical Analyses of Industrial Property Retirements*, Iowa Engineering
Experiment Station Bulletin 125.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from intelcap._validation import check_choice
from intelcap.exceptions import ParameterError, SpecificationError

__all__ = [
    "CV_RANGE",
    "RETIREMENTS",
    "Gamma",
    "Lognormal",
    "NoRetirement",
    "Retirement",
    "TruncatedNormal",
    "Weibull",
    "WinfreyS3",
    "get_retirement",
]

#: Admissible coefficients of variation (open below, closed above) for the families with one.
CV_RANGE: tuple[float, float] = (0.0, 5.0)


def _check_mean(mean: Any) -> float:
    try:
        m = float(mean)
    except (TypeError, ValueError):
        raise ParameterError(f"service_life={mean!r} must be a positive number") from None
    if not np.isfinite(m) or m <= 0:
        raise ParameterError(f"service_life={m!r} must be positive and finite")
    return m


def _check_cv(cv: Any, name: str) -> float:
    if cv is None:
        raise SpecificationError(
            f"retirement={name!r} needs a coefficient of variation cv= in "
            f"({CV_RANGE[0]}, {CV_RANGE[1]}]"
        )
    c = float(cv)
    if not np.isfinite(c) or not CV_RANGE[0] < c <= CV_RANGE[1]:
        raise ParameterError(
            f"cv={c!r} for retirement={name!r} is outside its range "
            f"({CV_RANGE[0]}, {CV_RANGE[1]}]"
        )
    return c


@lru_cache(maxsize=256)
def weibull_shape(cv: float) -> float:
    r"""Weibull shape :math:`k` with coefficient of variation ``cv`` (solved by Brent's method)."""
    from scipy import optimize, special  # lazy: fast CLI start-up

    def gap(logk: float) -> float:
        k = np.exp(logk)
        lg1 = special.gammaln(1.0 + 1.0 / k)
        lg2 = special.gammaln(1.0 + 2.0 / k)
        return np.log(np.expm1(lg2 - 2.0 * lg1)) - 2.0 * np.log(cv)

    return float(np.exp(optimize.brentq(gap, np.log(0.05), np.log(2000.0), xtol=1e-14)))


@dataclass(frozen=True)
class Retirement:
    """Base class: a distribution of service lives with mean ``mean`` and ``cv``."""

    name: ClassVar[str] = ""
    mean: float
    cv: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _check_mean(self.mean))

    @property
    def dist(self) -> Any:
        """The frozen :mod:`scipy.stats` distribution of service lives."""
        raise NotImplementedError  # pragma: no cover

    def sf(self, x: Any) -> np.ndarray:
        """Survival :math:`S(x) = P(T > x)`: the share of a vintage still in service at age x."""
        return self.dist.sf(np.asarray(x, dtype=float))

    def cdf(self, x: Any) -> np.ndarray:
        """Share of a vintage retired by age x."""
        return 1.0 - self.sf(x)

    def upper(self, tol: float = 1e-10) -> float:
        """An age beyond which the survival is below ``tol``."""
        return float(self.dist.isf(tol))


@dataclass(frozen=True)
class NoRetirement(Retirement):
    """Every asset lives exactly ``mean`` periods (simultaneous exit)."""

    name: ClassVar[str] = "none"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.cv is not None:
            raise SpecificationError("cv= is not used without a retirement distribution")

    def sf(self, x: Any) -> np.ndarray:
        return np.where(np.asarray(x, dtype=float) < self.mean, 1.0, 0.0)

    def upper(self, tol: float = 1e-10) -> float:
        return self.mean


@dataclass(frozen=True)
class Weibull(Retirement):
    """Weibull service lives matched to the mean and coefficient of variation."""

    name: ClassVar[str] = "weibull"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "cv", _check_cv(self.cv, self.name))

    @property
    def shape(self) -> float:
        """Weibull shape :math:`k`, solved from the coefficient of variation
        :math:`\\sqrt{\\Gamma(1+2/k)/\\Gamma(1+1/k)^2 - 1}`."""
        return weibull_shape(float(self.cv))

    @property
    def scale(self) -> float:
        """Weibull scale :math:`\\lambda = \\text{mean} / \\Gamma(1 + 1/k)`."""
        from scipy import special  # lazy: fast CLI start-up
        return self.mean / float(special.gamma(1.0 + 1.0 / self.shape))

    @property
    def dist(self) -> Any:
        from scipy import stats  # lazy: fast CLI start-up
        return stats.weibull_min(self.shape, scale=self.scale)

    def sf(self, x: Any) -> np.ndarray:
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        return np.exp(-((x / self.scale) ** self.shape))


@dataclass(frozen=True)
class Lognormal(Retirement):
    """Lognormal service lives matched to the mean and coefficient of variation."""

    name: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "cv", _check_cv(self.cv, self.name))

    @property
    def sigma(self) -> float:
        """Log-scale standard deviation :math:`\\sigma = \\sqrt{\\ln(1 + cv^2)}`."""
        return float(np.sqrt(np.log1p(self.cv**2)))

    @property
    def mu(self) -> float:
        """Log-scale mean :math:`\\mu = \\ln(\\text{mean}) - \\sigma^2/2`."""
        return float(np.log(self.mean) - 0.5 * self.sigma**2)

    @property
    def dist(self) -> Any:
        from scipy import stats  # lazy: fast CLI start-up
        return stats.lognorm(self.sigma, scale=np.exp(self.mu))


@dataclass(frozen=True)
class Gamma(Retirement):
    """Gamma service lives matched to the mean and coefficient of variation."""

    name: ClassVar[str] = "gamma"

    @property
    def dist(self) -> Any:
        from scipy import stats  # lazy: fast CLI start-up
        return stats.gamma(1.0 / self.cv**2, scale=self.mean * self.cv**2)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "cv", _check_cv(self.cv, self.name))


@dataclass(frozen=True)
class TruncatedNormal(Retirement):
    """Normal service lives (mean ``mean``, sd ``cv * mean``) truncated to ``[lower, upper]``.

    ``lower`` defaults to 0 and ``upper`` to twice the mean (a truncation symmetric about the mean,
    which leaves the mean service life unchanged).
    """

    name: ClassVar[str] = "truncated_normal"
    lower: float = 0.0
    upper_bound: float | None = field(default=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "cv", _check_cv(self.cv, self.name))
        hi = 2.0 * self.mean if self.upper_bound is None else float(self.upper_bound)
        object.__setattr__(self, "upper_bound", hi)
        if not float(self.lower) < hi:
            raise ParameterError(f"truncation lower={self.lower!r} must be below upper={hi!r}")

    @property
    def dist(self) -> Any:
        from scipy import stats  # lazy: fast CLI start-up
        sd = self.cv * self.mean
        a = (float(self.lower) - self.mean) / sd
        b = (float(self.upper_bound) - self.mean) / sd
        return stats.truncnorm(a, b, loc=self.mean, scale=sd)

    def upper(self, tol: float = 1e-10) -> float:
        return float(min(self.upper_bound, self.dist.isf(tol)))


@dataclass(frozen=True)
class WinfreyS3(Retirement):
    r"""Winfrey symmetric (S-type) retirement curve, BEA's modified S-3 range by default.

    Winfrey (1935) fitted retirement frequencies with the symmetric curves
    :math:`f(u) = f_0 (1 - u^2/a^2)^m` of age :math:`u` around the mean life (Pearson type II,
    i.e. a beta(m+1, m+1) distribution on :math:`[L(1-a), L(1+a)]`). BEA used a modified S-3
    curve with retirements from 45 % to 155 % of the mean service life, :math:`a = 0.55`
    (BEA's practice before 1997, as summarised by Fraumeni 1997; the range was not checked
    against BEA's original documentation here), the default ``half_range``. The exponent follows
    from the coefficient of variation, :math:`\mathrm{Var}(u) = a^2/(2m+3)`, so
    :math:`m = (a^2/c^2 - 3)/2` and :math:`0 < c \le a/\sqrt 3` (``m = 0`` is the uniform).

    Notes
    -----
    Winfrey's tabulated constants of the S-3 curve itself (its :math:`m` and untruncated
    range) were not available to this implementation; give ``cv`` to fix the dispersion
    (for example 0.2 for a moderately peaked curve). The mean service life is exact.
    """

    name: ClassVar[str] = "winfrey_s3"
    half_range: float = 0.55

    def __post_init__(self) -> None:
        super().__post_init__()
        a = float(self.half_range)
        if not 0.0 < a <= 1.0:
            raise ParameterError(f"winfrey half_range={a!r} must be in (0, 1]")
        top = a / np.sqrt(3.0)
        if self.cv is None:
            raise SpecificationError(
                f"retirement='winfrey_s3' needs cv= in (0, {top:.4f}] (half_range={a})"
            )
        c = float(self.cv)
        if not np.isfinite(c) or not 0.0 < c <= top * (1 + 1e-12):
            raise ParameterError(
                f"cv={c!r} for retirement='winfrey_s3' is outside its range (0, {top:.4f}] "
                f"(at most half_range / sqrt(3) with half_range={a})"
            )
        object.__setattr__(self, "cv", c)

    @property
    def exponent(self) -> float:
        """The Winfrey exponent :math:`m`."""
        return max((self.half_range**2 / self.cv**2 - 3.0) / 2.0, 0.0)

    @property
    def dist(self) -> Any:
        from scipy import stats  # lazy: fast CLI start-up
        m = self.exponent
        lo = self.mean * (1.0 - self.half_range)
        return stats.beta(m + 1.0, m + 1.0, loc=lo, scale=2.0 * self.half_range * self.mean)

    def upper(self, tol: float = 1e-10) -> float:
        return self.mean * (1.0 + self.half_range)


#: Registry of retirement distributions by name (``"none"`` is also reached with ``None``).
RETIREMENTS: dict[str, type[Retirement]] = {
    "none": NoRetirement,
    "weibull": Weibull,
    "lognormal": Lognormal,
    "gamma": Gamma,
    "truncated_normal": TruncatedNormal,
    "winfrey_s3": WinfreyS3,
}


def get_retirement(
    retirement: str | Retirement | None, mean: Any = None, cv: Any = None, **options: Any
) -> Retirement:
    """Return a retirement distribution from its registry name (or pass an object through).

    Parameters
    ----------
    retirement : str, Retirement or None
        A name of :data:`RETIREMENTS`; ``None`` means ``"none"``.
    mean : float
        Mean service life :math:`L > 0` (periods).
    cv : float, optional
        Coefficient of variation of service lives (required by the two-parameter families).
    **options
        ``lower=``, ``upper=`` for ``"truncated_normal"``; ``half_range=`` for
        ``"winfrey_s3"``.
    """
    if isinstance(retirement, Retirement):
        return retirement
    name = "none" if retirement is None else retirement
    check_choice("retirement", name, RETIREMENTS)
    if mean is None:
        raise SpecificationError(
            f"retirement={name!r} needs a mean service life: pass service_life="
        )
    if "upper" in options:
        options["upper_bound"] = options.pop("upper")
    try:
        return RETIREMENTS[name](mean, cv, **options)
    except TypeError as exc:
        raise SpecificationError(f"retirement={name!r}: {exc}") from None
