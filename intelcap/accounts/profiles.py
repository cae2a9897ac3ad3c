r"""Age-efficiency and age-price profiles for the perpetual inventory method.

A *profile* describes how one asset of a vintage loses productive capacity (age-efficiency,
:math:`h(x)`, the relative flow of capital services at age :math:`x`) or value (age-price,
:math:`\psi(x)`, the relative price of an asset of age :math:`x` against a new one). Each profile
has a *basis*: the function it defines directly; the other one follows from the asset-market
equilibrium condition (OECD 2009, "Age-price and Depreciation Profiles"): the price of an asset
is the discounted value of the services it will still render,

.. math::

    V(x) = \sum_{\tau=0}^{\infty} \frac{h(x+\tau)}{(1+r)^{\tau+1}}, \qquad
    \psi(x) = \frac{V(x)}{V(0)},

and back, since :math:`V(x) = (V(x) \cdot 0 + h(x) + V(x+1)) / (1+r)`,

.. math::

    h(x) = \frac{(1+r)\,\psi(x) - \psi(x+1)}{(1+r)\,\psi(0) - \psi(1)}.

Both conversions take the profile on the integer ages :math:`0, 1, \dots, H-1` and treat it as zero
from age :math:`H` on, so :func:`efficiency_to_price` and :func:`price_to_efficiency` are exact
inverses of each other (up to rounding) on any finite array.

Profiles in the registry (:data:`PROFILES`; choose one by name with :func:`get_profile`):

``"geometric"``
    :math:`h(x) = \psi(x) = (1-\delta)^x`. The rate :math:`\delta` is given (``rate=``) or set by
    the declining-balance rule :math:`\delta = R / L` from a service life :math:`L` and a
    declining-balance rate :math:`R` (``declining_balance=``, 1.65 by default, BEA's rate for
    software and most equipment; Fraumeni 1997; BEA 2003, table of rates and service lives).
    Geometric age-efficiency and age-price profiles coincide at every discount rate. With a
    retirement distribution the cohort profile :math:`(1-\delta)^x S(x)` is the age-efficiency
    profile by default (its age-price profile then follows by discounting); ``basis="price"``
    takes it as the age-price profile instead.
``"straight_line"``
    :math:`1 - x/T` for :math:`x < T`, zero after; the age-price profile by default
    (straight-line depreciation), the age-efficiency profile with ``basis="efficiency"``
    (a linear decline in efficiency, OECD 2009, "Age-efficiency Profiles").
``"hyperbolic"``
    :math:`h(x) = (T - x) / (T - \beta x)` for :math:`x < T`, zero after: the BLS age-efficiency
    function (BLS 1983, *Trends in multifactor productivity*, Bulletin 2178; beta = 0.5 for
    equipment, 0.75 for structures). ``basis="price"`` uses the same curve as an age-price
    profile.

References
----------
OECD (2009), *Measuring Capital - OECD Manual*, second edition, Paris: OECD Publishing.
Fraumeni, B. M. (1997), "The measurement of depreciation in the U.S. National Income and Product
Accounts", *Survey of Current Business* 77(7), 7-23.
U.S. Bureau of Labor Statistics (1983), *Trends in Multifactor Productivity, 1948-81*, Bulletin
2178.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from intelcap._validation import check_choice
from intelcap.exceptions import ParameterError, SpecificationError

__all__ = [
    "PROFILES",
    "AgeProfile",
    "Geometric",
    "Hyperbolic",
    "StraightLine",
    "efficiency_to_price",
    "get_profile",
    "price_to_efficiency",
]

#: BEA's declining-balance rate for software and most equipment (Fraumeni 1997).
BEA_DECLINING_BALANCE = 1.65


def _check_rate(rate: float, name: str = "discount_rate") -> float:
    rate = float(rate)
    if not np.isfinite(rate) or rate <= -1.0:
        raise ParameterError(f"{name}={rate!r} must be finite and greater than -1")
    return rate


def efficiency_to_price(efficiency: Any, discount_rate: float = 0.04) -> np.ndarray:
    r"""Age-price profile implied by an age-efficiency profile at a discount rate.

    .. math::

        \psi(x) = \frac{\sum_{\tau \ge 0} h(x+\tau) (1+r)^{-\tau-1}}
                       {\sum_{\tau \ge 0} h(\tau) (1+r)^{-\tau-1}}

    (OECD 2009), with :math:`h` zero beyond the last age given.

    Parameters
    ----------
    efficiency : array_like, shape (..., H)
        Age-efficiency profile(s) on ages 0, ..., H-1 along the last axis.
    discount_rate : float
        Real rate of return :math:`r > -1` per period.

    Returns
    -------
    numpy.ndarray
        The age-price profile(s), 1 at age 0 (0 where the efficiency profile is all zero).
    """
    r = _check_rate(discount_rate)
    h = np.asarray(efficiency, dtype=float)
    beta = 1.0 / (1.0 + r)
    if h.shape[-1] == 0:
        return h.copy()
    # V(x) = beta * (h(x) + V(x+1)), V(H) = 0: a first-order recursion run backwards in age,
    # vectorised over the leading axes by scipy.signal.lfilter (no overflow for any r > -1).
    from scipy.signal import lfilter  # imported here: keeps `intelcap adjust` start-up fast

    v = np.flip(lfilter([beta], [1.0, -beta], np.flip(h, -1), axis=-1), -1)
    v0 = v[..., :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(v0 > 0, v / np.where(v0 > 0, v0, 1.0), 0.0)


def price_to_efficiency(price: Any, discount_rate: float = 0.04) -> np.ndarray:
    r"""Age-efficiency profile implied by an age-price profile at a discount rate.

    The inverse of :func:`efficiency_to_price`:

    .. math::

        h(x) = \frac{(1+r)\,\psi(x) - \psi(x+1)}{(1+r)\,\psi(0) - \psi(1)},

    with :math:`\psi` zero beyond the last age given; normalised to 1 at age 0.

    Parameters
    ----------
    price : array_like, shape (..., H)
        Age-price profile(s) on ages 0, ..., H-1 along the last axis.
    discount_rate : float
        Real rate of return :math:`r > -1` per period.
    """
    r = _check_rate(discount_rate)
    p = np.asarray(price, dtype=float)
    nxt = np.concatenate([p[..., 1:], np.zeros((*p.shape[:-1], 1))], axis=-1)
    h = (1.0 + r) * p - nxt
    h0 = h[..., :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(h0 > 0, h / np.where(h0 > 0, h0, 1.0), 0.0)


@dataclass(frozen=True)
class AgeProfile:
    """Base class of the single-asset age profiles.

    Subclasses define :meth:`curve`, the primitive function of age for an asset whose actual
    service life is ``life`` (ignored by profiles without a finite life), and set ``basis`` to
    ``"efficiency"`` or ``"price"``.
    """

    name: ClassVar[str] = ""
    finite_life: ClassVar[bool] = True
    basis: str = "efficiency"

    def __post_init__(self) -> None:
        check_choice("basis", self.basis, ("efficiency", "price"))

    def curve(self, age: Any, life: Any) -> np.ndarray:  # pragma: no cover - abstract
        """The profile's primitive function of age, on its own ``basis``.

        Parameters
        ----------
        age : array_like
            Ages in periods since installation (need not be integers).
        life : array_like or None
            Actual service life of the asset, broadcast against ``age``; ignored by profiles
            without a finite life.

        Returns
        -------
        ndarray
            Values in [0, 1], 1 at age 0: the age-efficiency profile if ``basis`` is
            ``"efficiency"``, the age-price profile if it is ``"price"``.
        """
        raise NotImplementedError

    def efficiency(self, age: Any, life: Any = None, discount_rate: float = 0.04) -> np.ndarray:
        """Age-efficiency at integer ``age`` (array) of an asset retired at ``life``."""
        age = np.asarray(age)
        if self.basis == "efficiency":
            return self.curve(age, life)
        grid = np.arange(int(np.max(age)) + 2 if age.size else 1)
        full = price_to_efficiency(self._on_grid(grid, life), discount_rate)
        return full[..., age.astype(int)]

    def price(self, age: Any, life: Any = None, discount_rate: float = 0.04) -> np.ndarray:
        """Age-price at integer ``age`` (array) of an asset retired at ``life``."""
        age = np.asarray(age)
        if self.basis == "price":
            return self.curve(age, life)
        top = int(np.max(age)) + 1 if age.size else 1
        top = max(top, self._horizon(life))
        full = efficiency_to_price(self._on_grid(np.arange(top), life), discount_rate)
        return full[..., age.astype(int)]

    def _on_grid(self, grid: np.ndarray, life: Any) -> np.ndarray:
        return self.curve(grid, life)

    def _horizon(self, life: Any) -> int:
        if life is None:
            return 1
        return int(np.ceil(np.max(life))) + 1


@dataclass(frozen=True)
class Geometric(AgeProfile):
    r"""Geometric profile :math:`(1-\delta)^x` (age-efficiency = age-price).

    Parameters
    ----------
    rate : float, optional
        Depreciation rate :math:`0 < \delta \le 1` per period.
    service_life : float, optional
        Service life :math:`L > 0`; with it :math:`\delta = R / L` (declining-balance rule).
    declining_balance : float
        Declining-balance rate :math:`R` (default 1.65, BEA for software; Fraumeni 1997).
    """

    name: ClassVar[str] = "geometric"
    finite_life: ClassVar[bool] = False
    rate: float | None = None
    service_life: float | None = None
    declining_balance: float = BEA_DECLINING_BALANCE

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rate is None and self.service_life is None:
            raise SpecificationError(
                "the geometric profile needs rate= or service_life= (with declining_balance=)"
            )
        delta = self.delta
        if not np.isfinite(delta) or not 0.0 < delta <= 1.0:
            raise ParameterError(
                f"geometric depreciation rate must be in (0, 1], got {delta!r}"
                + (
                    f" (declining_balance={self.declining_balance} / "
                    f"service_life={self.service_life})"
                    if self.rate is None
                    else ""
                )
            )

    @property
    def delta(self) -> float:
        """The depreciation rate :math:`\\delta` (given, or declining balance / service life)."""
        if self.rate is not None:
            return float(self.rate)
        life = float(self.service_life)
        if not np.isfinite(life) or life <= 0:
            raise ParameterError(f"service_life={life!r} must be positive")
        return float(self.declining_balance) / life

    def curve(self, age: Any, life: Any = None) -> np.ndarray:
        """:math:`(1-\\delta)^x` at ``age`` :math:`x` (``life`` is ignored)."""
        return (1.0 - self.delta) ** np.asarray(age, dtype=float)

    def efficiency(self, age: Any, life: Any = None, discount_rate: float = 0.04) -> np.ndarray:
        """Age-efficiency :math:`(1-\\delta)^x`: the same as the age-price profile for the
        geometric profile, whatever the discount rate (``life`` and ``discount_rate`` are
        ignored)."""
        return self.curve(age)

    def price(self, age: Any, life: Any = None, discount_rate: float = 0.04) -> np.ndarray:
        """Age-price :math:`(1-\\delta)^x`, equal to the age-efficiency profile (``life`` and
        ``discount_rate`` are ignored)."""
        return self.curve(age)


@dataclass(frozen=True)
class StraightLine(AgeProfile):
    r"""Straight line :math:`\max(1 - x/T, 0)` over the service life :math:`T`.

    ``basis="price"`` (default): straight-line depreciation; ``basis="efficiency"``: linear
    decline of efficiency (OECD 2009, "Age-efficiency Profiles").
    """

    name: ClassVar[str] = "straight_line"
    basis: str = "price"

    def curve(self, age: Any, life: Any) -> np.ndarray:
        """:math:`\\max(1 - x/T, 0)` at ``age`` :math:`x` for service life ``life`` :math:`T`."""
        x = np.asarray(age, dtype=float)
        t = np.asarray(life, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < t, 1.0 - x / t, 0.0)


@dataclass(frozen=True)
class Hyperbolic(AgeProfile):
    r"""BLS hyperbolic age-efficiency :math:`(T - x)/(T - \beta x)` for :math:`x < T`.

    Parameters
    ----------
    beta : float
        Curvature :math:`\beta \le 1` (BLS: 0.5 equipment, 0.75 structures; 0 gives the
        straight line, 1 one-hoss shay).
    """

    name: ClassVar[str] = "hyperbolic"
    beta: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        if not np.isfinite(self.beta) or self.beta > 1.0:
            raise ParameterError(f"hyperbolic beta={self.beta!r} must be finite and at most 1")

    def curve(self, age: Any, life: Any) -> np.ndarray:
        """:math:`(T - x)/(T - \\beta x)` for :math:`x < T`, else 0, at ``age`` :math:`x` for
        service life ``life`` :math:`T`."""
        x = np.asarray(age, dtype=float)
        t = np.asarray(life, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < t, (t - x) / (t - self.beta * x), 0.0)


#: Registry of profiles by name.
PROFILES: dict[str, type[AgeProfile]] = {
    "geometric": Geometric,
    "straight_line": StraightLine,
    "hyperbolic": Hyperbolic,
}


def get_profile(profile: str | AgeProfile, **options: Any) -> AgeProfile:
    """Return a profile object from its registry name and options (or pass one through).

    Parameters
    ----------
    profile : str or AgeProfile
        ``"geometric"``, ``"straight_line"`` or ``"hyperbolic"``.
    **options
        Options of that profile (``rate``, ``service_life``, ``declining_balance`` for geometric;
        ``beta`` for hyperbolic; ``basis`` for all).
    """
    if isinstance(profile, AgeProfile):
        if options:
            raise SpecificationError(
                f"profile options {sorted(options)} given with a profile object; set them on it"
            )
        return profile
    check_choice("profile", profile, PROFILES)
    cls = PROFILES[profile]
    try:
        return cls(**options)
    except TypeError as exc:
        raise SpecificationError(f"profile {profile!r}: {exc}") from None
