r"""Several thresholds on one variable, estimated and tested sequentially.

.. math::

    y_i = \sum_{j=1}^{m+1} x_i'\beta_j \, 1(\gamma_{j-1} < q_i \le \gamma_j) + e_i,
    \qquad \gamma_0 = -\infty,\ \gamma_{m+1} = \infty .

The procedure is that of Hansen (2000, sec. 5: split the sample, then test and split each
subsample again) with the sequential estimation and refinement of Bai (1997) and Bai and Perron
(1998, sec. 5; Hansen 1999 for thresholds):

1. :math:`\hat\gamma_1` is the single-threshold estimate on the whole sample.
2. Given the thresholds found so far, every segment between them is searched for a further
   split; the new threshold is the candidate that reduces the total SSR most (the argmin of
   the SSR of the :math:`l+2`-regime model with the others held fixed). Each segment's test of
   no threshold (Hansen's sup-LM or sup-F with the fixed-regressor bootstrap) is reported: the
   sequential test of :math:`l+1` against :math:`l` thresholds is the test in the segment that
   holds the new threshold (Bai and Perron's :math:`\sup F(l+1 \mid l)` takes the largest).
3. Refinement ("repartition", Bai 1997): each threshold is re-estimated on the segment between
   its two neighbours; its LR confidence interval (Hansen 2000, sec. 3.3-3.4) comes from that
   fit.

Defined for the model where every regressor switches (each regime is a separate regression, so
the SSR of a split segment does not depend on the others).

References
----------
Bai, J. (1997). Estimating multiple breaks one at a time. *Econometric Theory* 13(3), 315-352.

Bai, J. and Perron, P. (1998). Estimating and testing linear models with multiple structural
changes. *Econometrica* 66(1), 47-78.

Hansen, B. E. (1999). Threshold effects in non-dynamic panels: estimation, testing, and
inference. *Journal of Econometrics* 93(2), 345-368.

Hansen, B. E. (2000). Sample splitting and threshold estimation. *Econometrica* 68(3), 575-603.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from intelcap.estimation._threshold_common import lr_critical_value
from intelcap.estimation.covariance import covariance
from intelcap.estimation.results import Results
from intelcap.exceptions import IntelcapTypeError, SpecificationError

if TYPE_CHECKING:
    from intelcap.estimation.threshold import ThresholdRegression, ThresholdRegressionResults

__all__ = ["MultipleThresholdResults", "fit_sequential"]


def _segment_masks(q: np.ndarray, thresholds: list[float]) -> list[np.ndarray]:
    edges = [-np.inf, *sorted(thresholds), np.inf]
    return [(q > lo) & (q <= hi) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]


def _segment_ssr(model: ThresholdRegression, mask: np.ndarray) -> float:
    x, y = model._x[mask], model._y[mask]
    e = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return float(e @ e)


def fit_sequential(model: ThresholdRegression, n_thresholds: int, *, refine: bool = True,
                   seed: Any = None, **fit_kwargs: Any) -> MultipleThresholdResults:
    """Estimate ``n_thresholds`` thresholds on the model's threshold variable sequentially.

    See :meth:`ThresholdRegression.fit_sequential` for the parameters.
    """
    from intelcap._validation import as_generator

    if isinstance(n_thresholds, bool) or not isinstance(n_thresholds, (int, np.integer)):
        raise IntelcapTypeError(f"n_thresholds must be an int, got {n_thresholds!r}")
    if n_thresholds < 1:
        raise SpecificationError(f"n_thresholds must be >= 1, got {n_thresholds}")
    if fit_kwargs.get("clusters") is not None:
        raise SpecificationError("fit_sequential does not take clusters (each segment is fitted "
                                 "on its own rows); use cov_type 'robust' or 'HC0'-'HC3'")
    if not model.design.standard:
        raise SpecificationError(
            "fit_sequential estimates several thresholds for the model where every regressor "
            "switches regime; this model has nonswitching or regime-specific regressors")
    rng = as_generator(seed)
    q = model._q
    first = model.fit(seed=rng, **fit_kwargs)
    thresholds = [first.threshold]
    steps: list[dict[str, Any]] = [{"step": 1, "segment": "all", "fit": first}]
    undersized = fit_kwargs.pop("undersized", "skip")
    for step in range(2, n_thresholds + 1):
        masks = _segment_masks(q, thresholds)
        ssr = [_segment_ssr(model, m) for m in masks]
        best: tuple[float, float] | None = None
        for j, m in enumerate(masks):
            label = _segment_label(thresholds, j, model.threshold_name)
            try:
                seg = model.subsample(m).fit(seed=rng, undersized=undersized, **fit_kwargs)
            except SpecificationError as err:  # a segment too small to split
                steps.append({"step": step, "segment": label, "fit": None, "reason": str(err)})
                continue
            steps.append({"step": step, "segment": label, "fit": seg})
            total = seg.ssr + sum(s for i, s in enumerate(ssr) if i != j)
            if best is None or total < best[0]:
                best = (total, seg.threshold)
        if best is None:
            raise SpecificationError(
                f"no segment between the thresholds {thresholds} has enough observations for "
                f"threshold {step}")
        thresholds.append(best[1])
    unrefined = sorted(thresholds)
    thresholds = list(unrefined)
    ci_fits: list[ThresholdRegressionResults] = []
    for j in range(len(thresholds)):
        lo = unrefined[j - 1] if j > 0 else -np.inf
        hi = unrefined[j + 1] if j + 1 < len(unrefined) else np.inf
        if len(unrefined) == 1:
            ci_fits.append(first)
            continue
        mask = (q > lo) & (q <= hi)
        seg = model.subsample(mask).fit(bootstrap=0, undersized=undersized,
                                        **{k: v for k, v in fit_kwargs.items()
                                           if k not in ("bootstrap", "progress")},
                                        progress=False)
        ci_fits.append(seg)
        if refine:
            thresholds[j] = seg.threshold
    return _assemble(model, thresholds, unrefined, ci_fits, steps, refine, fit_kwargs)


def _segment_label(thresholds: list[float], j: int, qname: str) -> str:
    edges = sorted(thresholds)
    if j == 0:
        return f"{qname} <= {edges[0]:g}"
    if j == len(edges):
        return f"{qname} > {edges[-1]:g}"
    return f"{edges[j - 1]:g} < {qname} <= {edges[j]:g}"


def _assemble(model: ThresholdRegression, thresholds: list[float], unrefined: list[float],
              ci_fits: list, steps: list[dict[str, Any]], refine: bool,
              fit_kwargs: dict[str, Any]) -> MultipleThresholdResults:
    q, x, y = model._q, model._x, model._y
    masks = _segment_masks(q, thresholds)
    if any(m.sum() < x.shape[1] for m in masks):
        raise SpecificationError(f"the thresholds {thresholds} leave a regime with fewer "
                                 f"observations than the {x.shape[1]} regressors")
    blocks = np.column_stack([x * m[:, None] for m in masks])
    b = np.linalg.lstsq(blocks, y, rcond=None)[0]
    e = y - blocks @ b
    qn = model.threshold_name
    labels = []
    for j in range(len(masks)):
        if j == 0:
            labels.append(f"{qn}<=g1")
        elif j == len(masks) - 1:
            labels.append(f"{qn}>g{j}")
        else:
            labels.append(f"g{j}<{qn}<=g{j + 1}")
    names = [f"{c}[{lab}]" for lab in labels for c in model.exog_names]
    het = fit_kwargs.get("het", True)
    cov_type = fit_kwargs.get("cov_type") or ("robust" if het else "unadjusted")
    est = covariance(blocks, e, cov_type, debiased=fit_kwargs.get("debiased", False),
                     names=names)
    return MultipleThresholdResults(
        pd.Series(b, index=names, name="parameter"), est.cov, nobs=len(y),
        df_resid=len(y) - len(names),
        resids=pd.Series(e, index=model.index, name="residual"),
        fitted_values=pd.Series(y - e, index=model.index, name="fitted_values"),
        ssr=float(e @ e), model_name="Threshold Regression (sequential)",
        dependent=model.dependent_name, cov_type=est.cov_type,
        distribution=est.distribution, model=model, thresholds=thresholds,
        unrefined=unrefined, ci_fits=ci_fits, steps=steps, refined=refine,
        regime_labels=labels, cov_description=est.description)


class MultipleThresholdResults(Results):
    """Results of :meth:`ThresholdRegression.fit_sequential` (immutable).

    ``thresholds`` (refined), ``unrefined_thresholds``, ``threshold_ci(level)`` (one row per
    threshold), ``tests`` (each step's test of no threshold in each segment), ``regimes`` and
    the common vocabulary for the coefficients of all regimes.
    """

    def __init__(self, params: pd.Series, cov: np.ndarray, *, model: ThresholdRegression,
                 thresholds: list[float], unrefined: list[float], ci_fits: list,
                 steps: list[dict[str, Any]], refined: bool, regime_labels: list[str],
                 cov_description: str, **kwargs: Any) -> None:
        super().__init__(params, cov, cov_description=cov_description, **kwargs)
        self.model = model
        self._thresholds = tuple(thresholds)
        self._unrefined = tuple(unrefined)
        self._ci_fits = tuple(ci_fits)
        self._steps = tuple(steps)
        self.refined = refined
        self.regime_labels = tuple(regime_labels)

    @property
    def _names(self) -> list[str]:
        return [f"gamma{j + 1}" for j in range(len(self._thresholds))]

    @property
    def thresholds(self) -> pd.Series:
        """The threshold estimates in increasing order (refined if ``refine=True``)."""
        return pd.Series(self._thresholds, index=self._names, name="threshold")

    @property
    def unrefined_thresholds(self) -> pd.Series:
        """The sequential estimates before refinement, in increasing order."""
        return pd.Series(self._unrefined, index=self._names, name="threshold")

    def threshold_ci(self, level: float = 0.95, het: bool | None = None) -> pd.DataFrame:
        """LR confidence interval of each threshold, from the single-threshold fit on the
        segment between its neighbours (Hansen 2000, sec. 3.3): one row per threshold
        (``gamma1``, ...), columns ``threshold``, ``lower``, ``upper``."""
        rows = [f.threshold_ci(level, het=het).iloc[0] for f in self._ci_fits]
        out = pd.DataFrame(rows, index=self._names)[["lower", "upper"]]
        out.insert(0, "threshold", list(self._thresholds))
        return out

    def segment_fit(self, j: int) -> ThresholdRegressionResults:
        """The single-threshold fit that gave threshold ``j`` (1-based) its interval."""
        return self._ci_fits[j - 1]

    @property
    def tests(self) -> pd.DataFrame:
        """Each step's test of no threshold in each segment searched (Hansen 2000, sec. 5).

        Columns: ``step``, ``segment``, ``statistic``, ``pvalue``, ``reps``, ``argmax`` (the
        candidate where the sup is attained) and ``estimate`` (the segment's least-squares
        threshold); NaN where the segment was too small to split.
        """
        rows = []
        for st in self._steps:
            fit = st["fit"]
            if fit is None:
                rows.append({"step": st["step"], "segment": st["segment"], "statistic": np.nan,
                             "pvalue": np.nan, "reps": 0, "argmax": np.nan,
                             "estimate": np.nan})
                continue
            t = fit.test
            rows.append({"step": st["step"], "segment": st["segment"], "statistic": t.stat,
                         "pvalue": t.pval, "reps": t.reps, "argmax": t.threshold,
                         "estimate": fit.threshold})
        return pd.DataFrame(rows)

    @property
    def regimes(self) -> pd.Series:
        """Regime label of each observation, on the caller's index."""
        q = self.model._q
        masks = _segment_masks(q, list(self._thresholds))
        lab = np.empty(q.shape[0], dtype=object)
        for m, name in zip(masks, self.regime_labels, strict=True):
            lab[m] = name
        return pd.Series(lab, index=self.model.index, name="regime")

    def plot(self, level: float = 0.95, ax: Any = None):
        """LR profile of each threshold (from its segment fit) with the critical value.

        Returns the matplotlib ``Axes``.
        """
        from intelcap._optional import import_optional

        plt = import_optional("matplotlib.pyplot", "plot", "plot()")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        for j, fit in enumerate(self._ci_fits):
            lr = fit.lr
            ax.plot(lr.index.to_numpy(), lr.to_numpy(), color=f"C{j}",
                    label=f"LR(gamma{j + 1})")
        ax.axhline(lr_critical_value(level), color="C3", linestyle="--",
                   label=f"{level:.0%} critical value")
        ax.set_xlabel(f"threshold variable: {self.model.threshold_name}")
        ax.set_ylabel("likelihood ratio")
        ax.legend(loc="best")
        return ax

    def _summary_header(self) -> list[tuple[str, object]]:
        ci = self.threshold_ci(0.95)
        rows: list[tuple[str, object]] = [("Dep. variable", self.dependent),
                                          ("Threshold variable", self.model.threshold_name)]
        for name, thr in self.thresholds.items():
            rows.append((f"{name} (95% CI)",
                         f"{thr:g} [{ci.loc[name, 'lower']:g}, {ci.loc[name, 'upper']:g}]"))
        rows += [("No. observations", self.nobs), ("SSR", self.ssr),
                 ("Covariance", self.cov_description)]
        return rows

    def _summary_notes(self) -> list[str]:
        t = self.tests
        notes = ["Sequential estimation (Bai 1997; Hansen 2000, sec. 5)"
                 + (", refined given the neighbours." if self.refined else ", not refined.")]
        for _, r in t.iterrows():
            notes.append(f"step {r['step']}, {r['segment']}: statistic {r['statistic']:.4f}, "
                         f"bootstrap p {r['pvalue']:.3f} ({r['reps']} reps)")
        return notes
