r"""Tornqvist growth accounting with intelligent capital (BLS / EU KLEMS convention).

Discrete-time (Tornqvist) growth accounting as the US Bureau of Labor Statistics computes its
multifactor (total factor) productivity and EU KLEMS its growth accounts (O'Mahony and Timmer
2009, eq. 1-4): between periods :math:`t-1` and :math:`t`,

.. math::

    \Delta\ln Y_t = \sum_j \bar v_{j,t}\,\Delta\ln X_{j,t}
                    + \bar v_{L,t}\,\Delta\ln LC_t + \Delta\ln \text{TFP}_t,
    \qquad \bar v_{j,t} = \tfrac12 (v_{j,t} + v_{j,t-1}),
    \qquad v_{j,t} = \frac{p_{j,t} X_{j,t}}{\sum_i p_{i,t} X_{i,t}},

with :math:`X_j` the input volumes (hours worked, non-IC capital services, intelligent-capital
services), :math:`v_j` their shares in total factor income, :math:`LC` the labour-composition
index (EU KLEMS "LAB_QI / H": labour services per hour) whose contribution is
:math:`\bar v_L \Delta\ln LC`, and TFP the residual. The convention followed (named
:data:`BLS_KLEMS`): nominal shares averaged over the two periods, log differences, factor incomes
exhausting nominal output (capital income as the residual of value added less labour
compensation, as BLS and EU KLEMS do with an endogenous rate of return); capital services
volumes and their incomes can come from :meth:`intelcap.accounts.PIMResult.capital_services`
(user costs) through :func:`services_columns`.

Industries and aggregation. Given a panel with an (industry, period) MultiIndex, the accounts
are computed industry by industry and aggregated with Domar weights (Domar 1961; Hulten 1978),

.. math::

    \Delta\ln\text{TFP}^{\text{agg}}_t = \sum_i \bar w_{i,t}\,\Delta\ln\text{TFP}_{i,t},
    \qquad w_{i,t} = \frac{P^Y_{i,t} Y_{i,t}}{\sum_k VA_{k,t}},

nominal gross output of the industry over aggregate nominal value added. When industry output is
value added the weights are value-added shares and sum to one; every contribution column is
aggregated with the same weights (the "direct aggregation across industries" of Jorgenson, Ho and
Stiroh 2005).

References
----------
BLS, "Technical information about the BLS multifactor productivity measures" (Tornqvist
indexes, two-period average shares).
O'Mahony, M. and Timmer, M. P. (2009), "Output, Input and Productivity Measures at the Industry
Level: The EU KLEMS Database", Economic Journal 119(538), F374-F403, eq. (1)-(4).
Jorgenson, D. W., Ho, M. S. and Stiroh, K. J. (2005), Information Technology and the American
Growth Resurgence, MIT Press, ch. 8.
Domar, E. D. (1961), "On the Measurement of Technological Change", Economic Journal 71, 709-729.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap._validation import check_columns, check_finite
from intelcap.exceptions import DataError, IntelcapTypeError, SpecificationError

__all__ = ["BLS_KLEMS", "GrowthAccounting", "growth_accounting", "services_columns"]

#: The accounting convention implemented, with its sources (printed in every summary).
BLS_KLEMS = (
    "BLS multifactor productivity / EU KLEMS convention: Tornqvist index, log differences, "
    "two-period average nominal income shares, factor incomes exhaust nominal output "
    "(O'Mahony and Timmer 2009, eq. 1-4)"
)

_DEFAULT_INPUTS = {"labour": "L", "capital": "K", "ic": "Z"}


def services_columns(services: Any, name: str) -> pd.DataFrame:
    """Capital-service volume and income columns from an ``accounts`` capital-services result.

    Parameters
    ----------
    services : intelcap.accounts CapitalServices
        From ``pim(...).capital_services(...)``: user costs times productive stocks.
    name : str
        Column stem: the result has ``name`` (Tornqvist volume index of capital services across
        the assets, 1 in the first period) and ``name + "_income"`` (sum of user cost x volume,
        current prices).

    Returns
    -------
    DataFrame indexed by period.
    """
    if not hasattr(services, "aggregate") or not hasattr(services, "value"):
        raise IntelcapTypeError(
            f"services must be a CapitalServices result (from pim(...).capital_services()), "
            f"got {type(services).__name__}"
        )
    vol = services.aggregate()
    val = services.value
    income = val.sum(axis=1) if isinstance(val, pd.DataFrame) else val
    income = pd.Series(np.asarray(income, dtype=float), index=vol.index)
    return pd.DataFrame({name: vol.to_numpy(), f"{name}_income": income.to_numpy()},
                        index=vol.index)


@dataclass(frozen=True, repr=False)
class GrowthAccounting(SummaryMixin):
    """Result of :func:`growth_accounting`.

    Attributes
    ----------
    contributions : DataFrame
        One row per period (growth from the previous period; (industry, period) for panels):
        ``output`` (:math:`\\Delta\\ln Y`), one column per input (its share-weighted growth), the
        labour-composition column if given, and ``tfp`` (the residual). The input columns and
        ``tfp`` add up to ``output``.
    shares : DataFrame
        Two-period average income shares :math:`\\bar v_{j,t}`.
    aggregate : DataFrame or None
        Domar-weighted sums of the industry contributions (panels only).
    weights : DataFrame or None
        Two-period average Domar weights :math:`\\bar w_{i,t}` (periods x industries).
    convention : str
        :data:`BLS_KLEMS`.
    """

    contributions: pd.DataFrame
    shares: pd.DataFrame
    aggregate: pd.DataFrame | None
    weights: pd.DataFrame | None
    convention: str = BLS_KLEMS

    @property
    def table(self) -> pd.DataFrame:
        """Average contributions over the periods, in percentage points a year (and per cent
        of output growth in a second column block); the aggregate for panels."""
        c = self.aggregate if self.aggregate is not None else self.contributions
        mean = 100 * c.mean()
        share = 100 * c.mean() / c["output"].mean() if c["output"].mean() != 0 else mean * np.nan
        return pd.DataFrame({"contribution (pp a year)": mean, "share of output growth (%)": share})

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()`` (printed by ``print``;
        HTML in a notebook)."""
        c = self.contributions
        header = [("periods", int(len(c.index.get_level_values(-1).unique()))),
                  ("industries", int(c.index.get_level_values(0).nunique())
                   if isinstance(c.index, pd.MultiIndex) else 1)]
        notes = [self.convention, "TFP is the residual: output growth less the share-weighted "
                 "growth of the inputs (log points; x100 = percentage points)."]
        return Summary("Growth accounting (Tornqvist)", header,
                       [("average contributions", self.table)], notes, digits=3)

    def to_latex(self) -> str:
        """The contributions table as LaTeX (names escaped)."""
        return self.summary.as_latex()

    def to_html(self) -> str:
        """The contributions table as HTML."""
        return self.summary.as_html()

    def plot(self, ax: Any = None, industry: Any = None):
        """Stacked bars of the contributions by period with output growth as a line.

        ``industry`` picks one industry of a panel; default the Domar aggregate.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        if industry is not None:
            c = self.contributions.xs(industry, level=0)
        else:
            c = self.aggregate if self.aggregate is not None else self.contributions
        parts = 100 * c.drop(columns="output")
        x = np.arange(len(c))
        pos = np.zeros(len(c))
        neg = np.zeros(len(c))
        for col in parts.columns:
            v = parts[col].to_numpy()
            base = np.where(v >= 0, pos, neg)
            ax.bar(x, v, bottom=base, label=col)
            pos = np.where(v >= 0, pos + v, pos)
            neg = np.where(v < 0, neg + v, neg)
        ax.plot(x, 100 * c["output"].to_numpy(), "k.-", label="output growth")
        ax.set_xticks(x, [str(i) for i in c.index])
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_ylabel("percentage points")
        ax.set_title("Sources of output growth (Tornqvist)")
        ax.legend(fontsize="small")
        return ax


def _py(v: Any) -> Any:
    """A numpy scalar as a plain Python value, for messages."""
    return v.item() if isinstance(v, np.generic) else v


def _dlog(x: np.ndarray, w: np.ndarray, name: str, index: pd.Index) -> np.ndarray:
    """Log differences; 0 where the factor's share is zero in both periods (0 x log 0/0 := 0)."""
    out = np.zeros(len(x) - 1)
    use = w[1:] + w[:-1] > 0
    a, b = x[1:][use], x[:-1][use]
    bad = ~((a > 0) & (b > 0))
    if bad.any():
        pos = int(np.flatnonzero(use)[np.flatnonzero(bad)[0]] + 1)
        raise DataError(
            f"column {name!r} must be positive where its income share is not zero (logs are "
            f"taken); value {float(x[pos])!r} or its predecessor at period {_py(index[pos])!r}"
        )
    out[use] = np.log(a / b)
    return out


def _one(frame: pd.DataFrame, output: str, inputs: Mapping[str, str],
         incomes: Mapping[str, str] | None, shares: Mapping[str, str] | None,
         composition: str | None, nominal_output: str | None, residual: str | None,
         tol: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = frame.index
    if len(idx) < 2:
        raise DataError(f"growth accounting needs at least two periods, got {len(idx)}")
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        raise DataError("periods must be unique and increasing; sort the data by period first")
    y = check_finite(frame[output], f"column {output!r}", idx)
    factors = list(inputs)
    if shares is not None:
        v = np.column_stack([check_finite(frame[shares[f]], f"column {shares[f]!r}", idx)
                             for f in factors])
    else:
        cols = {}
        for f in factors:
            if f == residual:
                continue
            cols[f] = check_finite(frame[incomes[f]], f"column {incomes[f]!r}", idx)
        if residual is not None:
            nom = check_finite(frame[nominal_output], f"column {nominal_output!r}", idx)
            cols[residual] = nom - sum(cols.values())
        inc = np.column_stack([cols[f] for f in factors])
        total = inc.sum(axis=1)
        if (total <= 0).any():
            t = int(np.argmax(total <= 0))
            raise DataError(f"total factor income is not positive at period {_py(idx[t])!r}")
        if nominal_output is not None and residual is None:
            nom = check_finite(frame[nominal_output], f"column {nominal_output!r}", idx)
            gap = np.abs(total - nom) / np.abs(nom)
            if (gap > tol).any():
                t = int(np.argmax(gap > tol))
                raise DataError(
                    f"factor incomes sum to {float(total[t])!r} but {nominal_output!r} is "
                    f"{float(nom[t])!r} at period {_py(idx[t])!r}: under the BLS/EU KLEMS "
                    "convention incomes exhaust nominal output; pass residual='capital' to make "
                    "capital income the residual"
                )
        v = inc / total[:, None]
    if (v < 0).any():
        r, j = np.argwhere(v < 0)[0]
        raise DataError(f"income share of {factors[j]!r} is negative ({float(v[r, j])!r}) at "
                        f"period {_py(idx[r])!r}")
    s = v.sum(axis=1)
    if (np.abs(s - 1) > tol).any():
        t = int(np.argmax(np.abs(s - 1) > tol))
        raise DataError(f"income shares sum to {float(s[t])!r}, not 1, at period {_py(idx[t])!r}")
    vbar = 0.5 * (v[1:] + v[:-1])
    out = {"output": np.log(y[1:] / y[:-1]) if (y > 0).all() else None}
    if out["output"] is None:
        t = int(np.argmax(y <= 0))
        raise DataError(f"column {output!r} must be positive; {float(y[t])!r} at period "
                        f"{_py(idx[t])!r}")
    for j, f in enumerate(factors):
        x = check_finite(frame[inputs[f]], f"column {inputs[f]!r}", idx)
        out[f] = vbar[:, j] * _dlog(x, v[:, j], inputs[f], idx)
        if composition is not None and f == "labour":
            lc = check_finite(frame[composition], f"column {composition!r}", idx)
            out["labour_composition"] = vbar[:, j] * _dlog(lc, v[:, j], composition, idx)
    parts = [k for k in out if k != "output"]
    out["tfp"] = out["output"] - np.sum([out[k] for k in parts], axis=0)
    contrib = pd.DataFrame(out, index=idx[1:])
    sh = pd.DataFrame(vbar, index=idx[1:], columns=factors)
    return contrib, sh


def growth_accounting(
    data: pd.DataFrame,
    *,
    output: str = "Y",
    inputs: Mapping[str, str] | None = None,
    incomes: Mapping[str, str] | None = None,
    shares: Mapping[str, str] | None = None,
    composition: str | None = None,
    nominal_output: str | None = None,
    residual: str | None = None,
    value_added: str | None = None,
    tol: float = 1e-8,
) -> GrowthAccounting:
    r"""Tornqvist growth accounting: output growth = input contributions + TFP.

    .. math::

        \Delta\ln Y_t = \bar v_{L,t}\Delta\ln H_t + \bar v_{L,t}\Delta\ln LC_t
        + \bar v_{K,t}\Delta\ln K_t + \bar v_{Z,t}\Delta\ln Z_t + \Delta\ln\text{TFP}_t

    (BLS / EU KLEMS convention, :data:`BLS_KLEMS`; module docstring for the references).

    Parameters
    ----------
    data : DataFrame
        Indexed by period (increasing), or by an (industry, period) MultiIndex for industry
        accounts aggregated with Domar weights.
    output : str
        Real output column (value added or gross output volume).
    inputs : mapping, optional
        Factor name -> volume column; default ``{"labour": "L", "capital": "K", "ic": "Z"}``
        (hours worked, non-IC capital services, intelligent-capital services). Any number of
        factors (for example ``"intermediate"`` for gross-output accounts).
    incomes : mapping, optional
        Factor name -> nominal income column (compensation, capital income = user cost x
        services). Shares are incomes over their sum.
    shares : mapping, optional
        Factor name -> income-share column (instead of ``incomes``); must sum to one.
    composition : str, optional
        Labour-composition index column (labour services per hour); adds a column
        ``labour_composition`` = :math:`\bar v_L \Delta\ln LC` (factor ``labour`` required).
    nominal_output : str, optional
        Nominal output column; incomes must sum to it (relative ``tol``) unless ``residual``
        names the factor whose income is nominal output less the others (BLS: capital).
        Also the numerator of the Domar weights.
    residual : str, optional
        Factor whose income is the residual (needs ``nominal_output``).
    value_added : str, optional
        Nominal value-added column, for Domar weights of gross-output industry accounts
        (default: ``nominal_output``, i.e. value-added accounts with weights summing to one).
    tol : float
        Tolerance on shares summing to one.

    Returns
    -------
    GrowthAccounting
        ``.contributions`` (rows add up: inputs + tfp = output), ``.shares``, ``.aggregate``,
        ``.table``, ``.plot()``, ``.to_latex()``, ``.to_html()``.

    Notes
    -----
    A factor whose income share is zero in two adjacent periods contributes zero between them
    whatever its volume (so an economy with no intelligent capital, Z = 0 and zero IC income,
    gives the K-L Solow residual). Contributions are log points (x100 = percentage points).
    """
    if not isinstance(data, pd.DataFrame):
        raise IntelcapTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    inputs = dict(_DEFAULT_INPUTS if inputs is None else inputs)
    if not inputs:
        raise SpecificationError("inputs must name at least one factor")
    if (incomes is None) == (shares is None):
        raise SpecificationError("give either incomes= (nominal factor incomes) or shares= "
                                 "(income shares), one column per factor")
    spec = dict(incomes if incomes is not None else shares)
    need = [f for f in inputs if f not in spec and f != residual]
    if need:
        raise SpecificationError(f"no income/share column for factor(s) {need}; "
                                 f"inputs are {list(inputs)}")
    extra = [f for f in spec if f not in inputs]
    if extra:
        raise SpecificationError(f"incomes/shares name factor(s) {extra} not in inputs "
                                 f"{list(inputs)}")
    if residual is not None:
        if shares is not None or nominal_output is None:
            raise SpecificationError("residual= needs incomes= and nominal_output=")
        if residual not in inputs:
            raise SpecificationError(f"residual={residual!r} is not a factor in {list(inputs)}")
    if composition is not None and "labour" not in inputs:
        raise SpecificationError("composition= needs a factor named 'labour' in inputs")
    cols = [output, *inputs.values(), *spec.values()]
    cols += [c for c in (composition, nominal_output, value_added) if c is not None]
    check_columns(data, list(dict.fromkeys(cols)))
    args = (output, inputs, spec if incomes is not None else None,
            spec if shares is not None else None, composition, nominal_output, residual, tol)
    if not isinstance(data.index, pd.MultiIndex):
        c, s = _one(data, *args)
        return GrowthAccounting(c, s, None, None)
    if data.index.nlevels != 2:
        raise DataError("panel data need an (industry, period) MultiIndex with two levels")
    if data.index.has_duplicates:
        raise DataError("the (industry, period) index has duplicates")
    cs, ss = {}, {}
    for ind, frame in data.groupby(level=0, sort=False):
        try:
            cs[ind], ss[ind] = _one(frame.droplevel(0), *args)
        except DataError as err:
            raise DataError(f"industry {ind!r}: {err}") from None
    names = list(data.index.names)
    contrib = pd.concat(cs, names=names)
    sh = pd.concat(ss, names=names)
    if nominal_output is None:
        return GrowthAccounting(contrib, sh, None, None)
    nom = data[nominal_output].unstack(0)
    va = nom if value_added is None else data[value_added].unstack(0)
    if nom.isna().any().any() or va.isna().any().any():
        raise DataError("Domar aggregation needs every industry in every period (balanced "
                        "panel of nominal output)")
    w = nom.to_numpy(float) / va.to_numpy(float).sum(axis=1, keepdims=True)
    wbar = pd.DataFrame(0.5 * (w[1:] + w[:-1]), index=nom.index[1:], columns=nom.columns)
    agg = {}
    for col in contrib.columns:
        wide = contrib[col].unstack(0).reindex(index=wbar.index, columns=wbar.columns)
        agg[col] = (wide * wbar).sum(axis=1)
    return GrowthAccounting(contrib, sh, pd.DataFrame(agg), wbar)
