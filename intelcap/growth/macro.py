r"""Published macro estimates of AI's effect on productivity, as arithmetic you can rerun.

Hulten's theorem (Hulten 1978): to first order, the aggregate TFP effect of a productivity
improvement in a set of tasks equals the share of those tasks in GDP times the average cost
saving in them. Acemoglu (2024) applies it to AI,

.. math::

    \Delta \ln \text{TFP} = \underbrace{s_{\text{exposed}}}_{\text{GDP share of exposed tasks}}
    \times \underbrace{s_{\text{profitable}}}_{\text{share profitably automated}}
    \times \underbrace{c}_{\text{average cost saving}},
    \qquad c = \text{labour cost saving} \times \text{labour share of task costs},

a *level* effect on TFP over the horizon (ten years in the paper), not a growth rate. With capital
adjusting so that the capital-output ratio is unchanged, the GDP effect is the TFP effect divided by
one minus the capital share, :math:`\Delta \ln Y = \Delta\ln\text{TFP} / (1 - \alpha_K)`.

Other published estimates are stated as percentage points of annual growth over a horizon; the
helpers :func:`level_from_annual` and :func:`annual_from_level` put every estimate on both scales
(:func:`published_estimates`), which is the only arithmetic those sources state.

References
----------
Acemoglu, D. (2024), "The Simple Macroeconomics of AI", NBER Working Paper 32487; version of
May 12, 2024 (abstract: "no more than a 0.66% increase in total factor productivity (TFP) over 10
years", hard-to-learn tasks: "less than 0.53%"); version of April 5, 2024 (0.71% and 0.55%).
Published in Economic Policy 40(121), 2025, 13-58, with the May figures.
Aghion, P. and Bunel, S. (2024), "AI and Growth: Where Do We Stand?", Banque de France / Federal
Reserve Bank of San Francisco working paper.
Briggs, J. and Kodnani, D. (2023), "The Potentially Large Effects of Artificial Intelligence on
Economic Growth", Goldman Sachs Global Economics Analyst, 26 March 2023.
Hulten, C. R. (1978), "Growth Accounting with Intermediate Inputs", Review of Economic Studies
45(3), 511-518.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from intelcap._summary import Summary, SummaryMixin
from intelcap._validation import check_choice
from intelcap.exceptions import ParameterError

__all__ = [
    "ACEMOGLU_2024",
    "HultenTFP",
    "annual_from_level",
    "hulten_tfp",
    "level_from_annual",
    "published_estimates",
]

#: Parameters of Acemoglu (2024), by version of the paper. ``cost_savings`` is the paper's
#: rounded figure (May: 0.27 x 0.535 = 0.144); ``labour_cost_savings`` and ``labour_share`` are its
#: two factors; ``published_tfp`` is the ten-year TFP effect in the abstract (a fraction);
#: ``published_gdp`` the ten-year GDP effect without an investment boom (May: 0.93%-1.16%, the
#: hard-task and baseline TFP effects divided by the labour share 0.57). The hard-to-learn-task
#: bounds (0.53%, 0.55%) are stored as published: the inputs behind them (share of hard tasks and
#: their smaller gains) are not reproduced here. The journal version (Economic Policy 40(121),
#: 2025, 13-58) states the May figures.
ACEMOGLU_2024: dict[str, dict[str, float]] = {
    "may2024": {
        "exposed": 0.20,
        "automated": 0.23,
        "labour_cost_savings": 0.27,
        "labour_share": 0.535,
        "cost_savings": 0.144,
        "published_tfp": 0.0066,
        "published_tfp_hard_tasks": 0.0053,
        "published_gdp": 0.0116,
        "published_gdp_hard_tasks": 0.0093,
    },
    "april2024": {
        "exposed": 0.20,
        "automated": 0.23,
        "labour_cost_savings": 0.27,
        "labour_share": 0.57,
        "cost_savings": 0.27 * 0.57,
        "published_tfp": 0.0071,
        "published_tfp_hard_tasks": 0.0055,
    },
}


def _fraction(name: str, v: float, *, upper: float = 1.0) -> float:
    v = float(v)
    if not 0.0 <= v <= upper:
        raise ParameterError(f"{name}={v!r} must be a fraction in [0, {upper}]")
    return v


def level_from_annual(rate: float, years: float) -> float:
    r"""Cumulative level effect of ``rate`` extra growth a year for ``years`` years.

    .. math:: L = (1 + g)^T - 1

    Units: ``rate`` and the result are fractions (0.015 = 1.5 percentage points a year).
    """
    if years <= 0:
        raise ParameterError(f"years={years!r} must be positive")
    if rate <= -1:
        raise ParameterError(f"rate={rate!r} must exceed -1")
    return (1.0 + float(rate)) ** float(years) - 1.0


def annual_from_level(level: float, years: float) -> float:
    r"""Constant annual growth that compounds to the level effect ``level`` over ``years``.

    .. math:: g = (1 + L)^{1/T} - 1

    Units: fractions (0.0066 = 0.66%).
    """
    if years <= 0:
        raise ParameterError(f"years={years!r} must be positive")
    if level <= -1:
        raise ParameterError(f"level={level!r} must exceed -1")
    return (1.0 + float(level)) ** (1.0 / float(years)) - 1.0


@dataclass(frozen=True, repr=False)
class HultenTFP(SummaryMixin):
    """Result of :func:`hulten_tfp` (all quantities are fractions, not percent).

    Attributes
    ----------
    tfp : float
        Level effect on TFP over ``horizon`` years, :math:`s_e s_a c`.
    annual : float
        The same as constant annual growth, :math:`(1 + \\text{tfp})^{1/T} - 1`.
    gdp : float
        GDP level effect with the capital-output ratio held constant, tfp / (1 - capital_share).
    inputs : dict
        exposed, automated, cost_savings, horizon, capital_share.
    source : str
        Which parameters were used.
    published : dict
        Published values for the chosen version (empty for user parameters).
    """

    tfp: float
    annual: float
    gdp: float
    inputs: dict[str, float]
    source: str
    published: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> Summary:
        """Summary with ``as_text()``, ``as_html()`` and ``as_latex()`` (printed by ``print``;
        HTML in a notebook)."""
        i = self.inputs
        header = [
            ("share of GDP in exposed tasks", i["exposed"]),
            ("share profitably automated", i["automated"]),
            ("average cost saving", i["cost_savings"]),
            ("horizon (years)", i["horizon"]),
            ("capital share", i["capital_share"]),
            ("source", self.source),
        ]
        rows = {
            "TFP, level over horizon (%)": 100 * self.tfp,
            "TFP, per year (%)": 100 * self.annual,
            "GDP, level over horizon (%)": 100 * self.gdp,
        }
        table = pd.DataFrame({"intelcap": pd.Series(rows)})
        if "published_tfp" in self.published:
            p = self.published
            table["published"] = [100 * p["published_tfp"], float("nan"),
                                  100 * p.get("published_gdp", float("nan"))]
        notes = [
            "Hulten's theorem: TFP effect = exposed x automated x cost saving (a level effect "
            "over the horizon, first order in the cost saving).",
        ]
        return Summary("Hulten-theorem TFP effect of AI (Acemoglu 2024)", header,
                       [("effects", table)], notes, digits=4)


def hulten_tfp(
    exposed: float | None = None,
    automated: float | None = None,
    cost_savings: float | None = None,
    *,
    version: str = "may2024",
    horizon: float = 10.0,
    capital_share: float = 0.43,
    labour_cost_savings: float | None = None,
    labour_share: float | None = None,
) -> HultenTFP:
    r"""Aggregate TFP effect of AI by Hulten's theorem, Acemoglu (2024), eq. for the TFP gain.

    .. math::

        \Delta\ln\text{TFP} = s_{\text{exposed}} \cdot s_{\text{automated}} \cdot c,
        \qquad c = c_L \cdot \sigma_L \ \text{(if } c \text{ is not given)},
        \qquad \Delta\ln Y = \frac{\Delta\ln\text{TFP}}{1 - \alpha_K}.

    Parameters
    ----------
    exposed : float, optional
        GDP share of tasks exposed to AI (Acemoglu: 0.20, from Eloundou et al. 2023), fraction.
    automated : float, optional
        Share of exposed tasks profitably automated within the horizon (0.23, from Svanberg et
        al. 2024), fraction.
    cost_savings : float, optional
        Average cost saving in the affected tasks (May 2024: 0.144), fraction. If omitted and
        ``labour_cost_savings`` / ``labour_share`` are given, their product.
    version : {"may2024", "april2024"}
        Which version's parameters fill the arguments not given (see :data:`ACEMOGLU_2024`).
    horizon : float
        Years over which the effect accrues (10 in the paper); used for the annual rate only.
    capital_share : float
        Capital share for the GDP effect with a constant capital-output ratio (0.43: the paper's
        labour share 0.57 in value added).
    labour_cost_savings, labour_share : float, optional
        The two factors of ``cost_savings`` (0.27 and 0.535 in the May version).

    Returns
    -------
    HultenTFP
        ``print(result)`` shows the inputs, intelcap's numbers and the published one.

    Examples
    --------
    >>> r = hulten_tfp(0.20, 0.23, 0.144)
    >>> round(r.tfp, 6)
    0.006624

    References
    ----------
    Acemoglu, D. (2024), "The Simple Macroeconomics of AI", NBER WP 32487 (May 12, 2024 version),
    abstract and section on the aggregate TFP effect.
    """
    check_choice("version", version, ACEMOGLU_2024)
    paper = ACEMOGLU_2024[version]
    e = _fraction("exposed", paper["exposed"] if exposed is None else exposed)
    a = _fraction("automated", paper["automated"] if automated is None else automated)
    if cost_savings is None:
        if labour_cost_savings is None and labour_share is None:
            c = paper["cost_savings"]
        else:
            lcs = paper["labour_cost_savings"] if labour_cost_savings is None \
                else labour_cost_savings
            ls = paper["labour_share"] if labour_share is None else labour_share
            c = _fraction("labour_cost_savings", lcs) * _fraction("labour_share", ls)
    else:
        if labour_cost_savings is not None or labour_share is not None:
            raise ParameterError("give cost_savings or its factors labour_cost_savings and "
                                 "labour_share, not both")
        c = cost_savings
    c = _fraction("cost_savings", c)
    ks = _fraction("capital_share", capital_share)
    if ks >= 1:
        raise ParameterError(f"capital_share={ks!r} must be below 1")
    tfp = e * a * c
    same = all(abs(x - paper[k]) < 1e-12 for x, k in ((e, "exposed"), (a, "automated"),
                                                       (c, "cost_savings")))
    source = f"Acemoglu (2024), {version} version" + ("" if same else ", with user parameters")
    published = dict(paper) if same else {}
    return HultenTFP(
        tfp=tfp,
        annual=annual_from_level(tfp, horizon),
        gdp=tfp / (1.0 - ks),
        inputs={"exposed": e, "automated": a, "cost_savings": c, "horizon": float(horizon),
                "capital_share": ks},
        source=source,
        published=published,
    )


def published_estimates(horizon: float = 10.0) -> pd.DataFrame:
    """Published macro estimates of AI, each on both scales (level over horizon, per year).

    Only the figure each source states is entered (column ``stated``, with ``scale`` saying
    whether it is a level over the horizon or percentage points a year); the other scale is
    computed with :func:`level_from_annual` / :func:`annual_from_level`. All in percent.

    Sources: Acemoglu (2024, May version) abstract; Aghion and Bunel (2024) (historical-analogy
    range 0.8-1.3 pp a year; task-based range 0.07-1.24 pp a year, median 0.68);
    Briggs and Kodnani (2023, Goldman Sachs): US labour-productivity growth up by about 1.5 pp a
    year over ten years, global GDP up 7% over ten years.
    """
    rows = [
        ("Acemoglu (2024), TFP", "level", 0.66),
        ("Acemoglu (2024), TFP, hard tasks", "level", 0.53),
        ("Aghion-Bunel (2024), historical analogy, low", "annual", 0.8),
        ("Aghion-Bunel (2024), historical analogy, high", "annual", 1.3),
        ("Aghion-Bunel (2024), task-based, low", "annual", 0.07),
        ("Aghion-Bunel (2024), task-based, median", "annual", 0.68),
        ("Aghion-Bunel (2024), task-based, high", "annual", 1.24),
        ("Goldman Sachs (2023), US labour productivity", "annual", 1.5),
        ("Goldman Sachs (2023), global GDP", "level", 7.0),
    ]
    out = []
    for name, scale, v in rows:
        if scale == "level":
            lvl, ann = v, 100 * annual_from_level(v / 100, horizon)
        else:
            lvl, ann = 100 * level_from_annual(v / 100, horizon), v
        out.append({"estimate": name, "scale": scale, "stated": v,
                    f"level over {horizon:g} years (%)": lvl, "per year (pp)": ann})
    return pd.DataFrame(out).set_index("estimate")
