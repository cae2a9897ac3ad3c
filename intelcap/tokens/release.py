r"""The monthly statistical release of token usage: tables, charts and a publishable HTML page.

:func:`build_release` turns a usage panel (daily, weekly or monthly rows; see
:mod:`intelcap.tokens.usage`) into a :class:`Release`:

* **volume**: tokens in the month, average tokens per day (the unit of China's official
  figures), month-on-month and year-on-year growth of the daily average, and the seasonally
  adjusted daily average where the span allows;
* **prices**: spending by currency, average price per million tokens, a chained matched-model
  Tornqvist price index (spending-share weights) and the price-performance frontier
  (capability per dollar per million tokens, best model available) with its index;
* **concentration**: HHI (0-10,000), CR4 and entropy of token volumes by provider, with the
  2023 U.S. Merger Guidelines band; shares by developer country;
* **notes**: coverage and methods, and every fallback taken.

Seasonal adjustment (:data:`SEASONAL_MIN_MONTHS`): STL (Cleveland et al. 1990, statsmodels,
robust, period 12) of the log daily average when at least 36 consecutive months are present (the
three years X-13ARIMA-SEATS requires for monthly seasonal filters), applied only when the X-11
F test for stable seasonality on the seasonal-irregular component rejects at 0.1% (otherwise the
adjusted series equals the unadjusted one, with a note). Diagnostics: strength of
seasonality :math:`F_S = \max(0, 1 - \mathrm{Var}(R)/\mathrm{Var}(S + R))` and of trend
:math:`F_T = \max(0, 1 - \mathrm{Var}(R)/\mathrm{Var}(T + R))` (Wang, Smith and Hyndman 2006),
and the seasonal factors by calendar month. **Fallback**: with a shorter span (or without
statsmodels) the adjusted columns are left empty and the notes say why; nothing is invented.

:func:`write_release` writes the CSV tables, the charts (PNG and SVG, no dates or random ids in
the files) and ``release.html`` into a folder; the command ``intelcap release`` wraps it with
the manifest and the atomic publication of ``intelcap adjust``.

References
----------
Cleveland, R. B., Cleveland, W. S., McRae, J. E. and Terpenning, I. (1990). STL: a seasonal-trend
decomposition procedure based on loess. *Journal of Official Statistics* 6(1), 3-73.
Wang, X., Smith, K. and Hyndman, R. (2006). Characteristic-based clustering for time series data.
*Data Mining and Knowledge Discovery* 13(3), 335-364.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from intelcap.exceptions import DataError
from intelcap.tokens.concentration import BANDS
from intelcap.tokens.usage import (
    _spending_values,
    read_openrouter,
    read_usage_csv,
    validate_usage,
)

__all__ = ["SEASONAL_MIN_MONTHS", "Release", "build_release", "read_release_input",
           "write_release"]

#: Consecutive months needed before the release seasonally adjusts (three years, as X-13).
SEASONAL_MIN_MONTHS = 36
_FLOAT = "%.12g"
#: STL windows: the statsmodels default seasonal smoother (7) and a short trend window (13
#: months) because token series grow fast and bend (the default trend window, about 23 months,
#: leaks the bend into the seasonal component).
STL_SEASONAL = 7
STL_TREND = 13
#: Significance level of the X-11 F test for stable seasonality (one-way ANOVA of the
#: seasonal-irregular component by calendar month; 0.1% as in X-11/X-13).
SEASONALITY_LEVEL = 0.001

#: Columns of the release table and their meaning (printed in the HTML notes).
RELEASE_COLUMNS: dict[str, str] = {
    "month": "calendar month (YYYY-MM)",
    "tokens": "tokens used in the month (sum over the models covered)",
    "days_covered": "days of the month covered by the data",
    "tokens_per_day": "average tokens per day (tokens / days covered)",
    "mom_pct": "growth of tokens per day on the previous month, %",
    "yoy_pct": "growth of tokens per day on the same month a year earlier, %",
    "tokens_per_day_sa": "seasonally adjusted tokens per day (STL; empty when the span is too "
                         "short)",
    "sa_mom_pct": "growth of the seasonally adjusted series on the previous month, %",
    "models": "number of models with usage in the month",
    "spending": "spending at list prices (single currency; see spending by currency)",
    "price_per_mtok": "average price paid per million tokens (spending / tokens x 1e6)",
    "price_index": "chained matched-model Tornqvist index of blended list prices (first "
                   "month = 100)",
    "pp_frontier": "price-performance frontier: best capability per dollar per million tokens",
    "pp_index": "price-performance frontier index (first month = 100)",
    "hhi_provider": "Herfindahl-Hirschman index of token volumes by provider (0-10,000)",
    "cr4_provider": "combined share of the four largest providers, %",
    "entropy_provider": "Shannon entropy of provider shares (nats)",
    "concentration_band": "band of the 2023 U.S. DOJ/FTC Merger Guidelines",
}


@dataclass(frozen=True)
class Release:
    """A built monthly release (see :func:`build_release`)."""

    table: pd.DataFrame
    shares: pd.DataFrame
    spending: pd.DataFrame
    diagnostics: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    title: str = "Token usage: monthly statistical release"
    illustrative: bool = False

    @property
    def seasonally_adjusted(self) -> bool:
        """Whether the release carries a seasonally adjusted series."""
        return bool(self.table["tokens_per_day_sa"].notna().any())


def read_release_input(path: str | Path) -> pd.DataFrame:
    """Read a usage panel for the release: a CSV, one OpenRouter JSON or a folder of them."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"release input not found: {p}")
    if p.is_dir() or p.suffix.lower() == ".json":
        return read_openrouter(p)
    return read_usage_csv(p)


def _month_codes(period: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Month number since 1970 of each row and the day number (int64) of each row."""
    d = period.to_numpy(dtype="datetime64[ns]")
    return d.astype("datetime64[M]").astype(np.int64), d.astype("datetime64[D]").astype(np.int64)


def _days_covered(month: np.ndarray, day: np.ndarray, months: np.ndarray) -> tuple[np.ndarray,
                                                                                   str]:
    """Days covered in each month, from the spacing of the distinct dates."""
    udays = np.sort(pd.unique(day))  # distinct dates (hash, then a small sort)
    gap = float(np.median(np.diff(udays))) if udays.size > 1 else 31.0
    um = np.sort(pd.unique(month))
    mdays = (um + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - \
        um.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    # distinct dates per month
    # a date lies in one month: count distinct dates by the month of each
    dm = udays.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    n_dates = np.bincount(dm - um[0], minlength=int(um[-1] - um[0]) + 1)[um - um[0]]
    if gap >= 27:
        kind, cov = "monthly", mdays
    elif gap >= 6:
        kind, cov = "weekly", np.minimum(7 * n_dates, mdays)
    else:
        kind, cov = "daily", n_dates
    out = pd.Series(cov, index=um).reindex(months).to_numpy()
    return out, kind


def _stl(log_y: np.ndarray, month_of_year: np.ndarray) -> tuple[np.ndarray | None,
                                                                 dict[str, float], str]:
    """STL of a log series and the X-11 test for stable seasonality on its SI component."""
    try:
        from statsmodels.tsa.seasonal import STL
    except ImportError:  # pragma: no cover - statsmodels is in the 'release' extra
        return None, {}, ("statsmodels is not installed (pip install 'intelcap[release]'): "
                          "no seasonal adjustment")
    from scipy import stats

    res = STL(log_y, period=12, seasonal=STL_SEASONAL, trend=STL_TREND, robust=True).fit()
    s, t, r = np.asarray(res.seasonal), np.asarray(res.trend), np.asarray(res.resid)
    fs = max(0.0, 1.0 - float(np.var(r)) / float(np.var(s + r)))
    ft = max(0.0, 1.0 - float(np.var(r)) / float(np.var(t + r)))
    si = log_y - t
    f_stat, p_val = stats.f_oneway(*[si[month_of_year == m] for m in range(1, 13)])
    return s, {"seasonal_strength": fs, "trend_strength": ft,
               "stable_seasonality_F": float(f_stat), "stable_seasonality_p": float(p_val)}, ""


def build_release(panel: pd.DataFrame, *, illustrative: bool = False,
                  title: str | None = None, validated: bool = False) -> Release:
    """Build the monthly release from a validated usage panel.

    Parameters
    ----------
    panel : DataFrame
        A usage panel (:data:`~intelcap.tokens.usage.USAGE_COLUMNS`). Needs ``period``,
        ``model``, ``tokens``; prices, ``provider``, ``country`` and ``capability`` are used
        where present.
    illustrative : bool
        Label every output as illustrative (the bundled example).
    title : str, optional
        Title of the release page.
    validated : bool
        ``panel`` already went through :func:`~intelcap.tokens.usage.validate_usage` (the
        readers do that); otherwise it is validated here.
    """
    notes: list[str] = []
    if not validated:
        panel = validate_usage(panel)
    if len(panel) == 0:
        raise DataError("the usage panel is empty: nothing to release")
    month, day = _month_codes(panel["period"])
    tokens = panel["tokens"].to_numpy(dtype=float)
    m0, m1 = int(month.min()), int(month.max())
    months = np.arange(m0, m1 + 1)
    labels = [str(np.datetime64(int(m), "M")) for m in months]
    nm = months.size
    pos = month - m0

    tok_m = np.bincount(pos, weights=tokens, minlength=nm)
    cov, freq = _days_covered(month, day, months)
    present = np.bincount(pos, minlength=nm) > 0
    tok_m = np.where(present, tok_m, np.nan)
    per_day = tok_m / np.where(cov > 0, cov, np.nan)
    if (~present).any():
        gaps = [lab for lab, p in zip(labels, present, strict=True) if not p]
        notes.append(f"No data for {', '.join(gaps)}: growth across these months is not "
                     "computed.")
    mdays = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - \
        months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    partial = present & (cov < mdays)
    if freq != "monthly" and partial.any():
        notes.append("Partly covered months (" + ", ".join(
            lab for lab, p in zip(labels, partial, strict=True) if p)
            + "): tokens per day average the days covered"
            + (" (a week counts 7 days and belongs to the month of its date)."
               if freq == "weekly" else "."))
    with np.errstate(invalid="ignore", divide="ignore"):
        mom = np.full(nm, np.nan)
        mom[1:] = 100 * (per_day[1:] / per_day[:-1] - 1)
        yoy = np.full(nm, np.nan)
        yoy[12:] = 100 * (per_day[12:] / per_day[:-12] - 1)

    # -- seasonal adjustment ------------------------------------------------------------------
    sa = np.full(nm, np.nan)
    diag_rows: list[dict[str, Any]] = []
    ok = np.isfinite(per_day) & (per_day > 0)
    if nm < SEASONAL_MIN_MONTHS or not ok.all():
        why = (f"the span is {nm} months, below the {SEASONAL_MIN_MONTHS} consecutive months "
               "(three years) needed" if nm < SEASONAL_MIN_MONTHS else
               "the series has missing or zero months")
        notes.append(f"Seasonal adjustment not performed: {why}. The adjusted columns are "
                     "left empty (fallback: unadjusted series only; read m/m growth with "
                     "care, y/y growth is free of a stable seasonal pattern).")
        diag_rows.append({"diagnostic": "method", "value": "none (fallback)"})
    else:
        moy = np.array([int(lab[5:]) for lab in labels])
        seasonal, stats_, why = _stl(np.log(per_day), moy)
        if seasonal is None:
            notes.append(f"Seasonal adjustment not performed: {why}.")
            diag_rows.append({"diagnostic": "method", "value": "none (fallback)"})
        else:
            diag_rows.append({"diagnostic": "method", "value":
                              f"STL (robust, period 12, seasonal {STL_SEASONAL}, trend "
                              f"{STL_TREND}) of log tokens per day"})
            for k, v in stats_.items():
                diag_rows.append({"diagnostic": k, "value": _FLOAT % v})
            found = stats_["stable_seasonality_p"] < SEASONALITY_LEVEL
            if found:
                sa = np.exp(np.log(per_day) - seasonal)
                fac = pd.Series(np.exp(seasonal), index=moy).groupby(level=0).mean()
                for mth, v in fac.items():
                    diag_rows.append({"diagnostic": f"seasonal_factor_{mth:02d}",
                                      "value": _FLOAT % v})
                notes.append(
                    f"Seasonally adjusted by STL of log tokens per day over {nm} months: stable "
                    f"seasonality identified (X-11 F = {stats_['stable_seasonality_F']:.2f}, "
                    f"p = {stats_['stable_seasonality_p']:.2g} < {SEASONALITY_LEVEL}); "
                    f"strength of seasonality {stats_['seasonal_strength']:.2f}, of trend "
                    f"{stats_['trend_strength']:.2f} (0-1, Wang-Smith-Hyndman).")
            else:
                sa = per_day.copy()
                notes.append(
                    f"No identifiable stable seasonality (X-11 F = "
                    f"{stats_['stable_seasonality_F']:.2f}, p = "
                    f"{stats_['stable_seasonality_p']:.2g} >= {SEASONALITY_LEVEL}): the "
                    "adjusted columns repeat the unadjusted series, as X-13 practice "
                    "publishes a series without seasonality.")
    with np.errstate(invalid="ignore", divide="ignore"):
        sa_mom = np.full(nm, np.nan)
        sa_mom[1:] = 100 * (sa[1:] / sa[:-1] - 1)

    codes, uniq = pd.factorize(panel["model"], sort=True)
    n_uniq = len(uniq) + 1
    pairs = pd.unique(pos.astype(np.int64) * n_uniq + codes)
    n_models = np.bincount(pairs // n_uniq, minlength=nm)

    table = pd.DataFrame({
        "month": labels, "tokens": tok_m, "days_covered": cov, "tokens_per_day": per_day,
        "mom_pct": mom, "yoy_pct": yoy, "tokens_per_day_sa": sa, "sa_mom_pct": sa_mom,
        "models": n_models,
    })

    # -- prices and spending ------------------------------------------------------------------
    spend_tab = pd.DataFrame({"month": labels})
    has_prices = "price_input" in panel.columns and "currency" in panel.columns
    if has_prices:
        spend = _spending_values(panel)
        ccode, cur_uniq = pd.factorize(panel["currency"], sort=True)
        currencies = [str(c) for c in cur_uniq]
        for j, c in enumerate(currencies):
            w = np.where(ccode == j, spend, 0.0)
            spend_tab[f"spending_{c}"] = np.where(present, np.bincount(pos, weights=w,
                                                                       minlength=nm), np.nan)
        if len(currencies) == 1:
            table["spending"] = spend_tab[f"spending_{currencies[0]}"].to_numpy()
            table["price_per_mtok"] = table["spending"] / table["tokens"] * 1e6
            notes.append(f"Spending at list prices in {currencies[0]}: cached input tokens at "
                         "the cache price, reasoning tokens at the reasoning price (output "
                         "price where none), free variants at zero.")
        else:
            table["spending"] = np.nan
            table["price_per_mtok"] = np.nan
            notes.append("Prices are in several currencies (" + ", ".join(currencies) + "): "
                         "spending is reported by currency only (spending.csv).")
        # blended list price per model-month, token-weighted
        p_in = panel["price_input"].to_numpy(dtype=float)
        p_out = (panel["price_output"].to_numpy(dtype=float) if "price_output" in panel.columns
                 else p_in)
        blend = 0.75 * p_in + 0.25 * p_out
        free = (panel["free"].fillna(False).to_numpy(dtype=bool) if "free" in panel.columns
                else np.zeros(len(panel), dtype=bool))
        use = np.isfinite(blend) & (blend > 0) & ~free
        key = pos[use] * n_uniq + codes[use]
        wt = tokens[use]
        num = pd.Series(blend[use] * wt).groupby(key).sum()
        den = pd.Series(wt).groupby(key).sum()
        sp_key = pd.Series(spend[use]).groupby(key).sum()
        frame = pd.DataFrame({"period": num.index // n_uniq,
                              "model": num.index % n_uniq,
                              "price": (num / den.where(den > 0)).to_numpy(),
                              "w": sp_key.to_numpy()})
        if "capability" in panel.columns:
            cap = panel["capability"].to_numpy(dtype=float)
            capm = pd.Series(cap[use]).groupby(key).max()
            frame["capability"] = capm.to_numpy()
        frame = frame.dropna(subset=["price"])
        from intelcap.tokens.price_performance import matched_model_index

        if len(frame):
            pidx = matched_model_index(frame, weight="w")
            table["price_index"] = pd.Series(pidx.to_numpy(), index=pidx.index.to_numpy()) \
                .reindex(range(nm)).to_numpy()
            notes.append("Price index: chained matched-model Tornqvist of blended list prices "
                         "(3:1 input:output) of models priced in consecutive months, weighted by "
                         "spending shares; free variants excluded.")
        else:
            table["price_index"] = np.nan
        if "capability" in frame.columns and frame["capability"].notna().any():
            frame["pp"] = frame["capability"] / frame["price"]
            best = frame.groupby("period")["pp"].max().reindex(range(nm)).cummax().to_numpy()
            table["pp_frontier"] = best
            first = best[np.isfinite(best)][0] if np.isfinite(best).any() else np.nan
            table["pp_index"] = 100 * best / first
            notes.append("Price-performance: capability score per USD per million tokens "
                         "(blended list price); the frontier is the best model available up "
                         "to the month.")
        else:
            table["pp_frontier"] = np.nan
            table["pp_index"] = np.nan
            notes.append("No capability scores: price-performance not computed.")
    else:
        for c in ("spending", "price_per_mtok", "price_index", "pp_frontier", "pp_index"):
            table[c] = np.nan
        notes.append("The panel has no prices (price_input and currency): spending and price "
                     "indices are not computed.")

    # -- concentration by provider ------------------------------------------------------------
    group = "provider" if "provider" in panel.columns else "model"
    gcodes, guniq = pd.factorize(panel[group], sort=True, use_na_sentinel=False)
    gm = np.bincount(pos * len(guniq) + gcodes, weights=tokens,
                     minlength=nm * len(guniq)).reshape(nm, len(guniq))
    with np.errstate(invalid="ignore", divide="ignore"):
        sh = gm / gm.sum(axis=1, keepdims=True)
        hhi = 1e4 * (sh**2).sum(axis=1)
        srt = -np.sort(-sh, axis=1)
        cr4 = 100 * srt[:, :4].sum(axis=1)
        ent = -np.where(sh > 0, sh * np.log(np.where(sh > 0, sh, 1)), 0).sum(axis=1)
    (lo, hi), src = BANDS["2023"]
    band = np.where(hhi > hi, "highly concentrated",
                    np.where(hhi >= lo, "moderately concentrated", "unconcentrated"))
    table["hhi_provider"] = np.where(present, hhi, np.nan)
    table["cr4_provider"] = np.where(present, cr4, np.nan)
    table["entropy_provider"] = np.where(present, ent, np.nan)
    table["concentration_band"] = np.where(present, band, "")
    notes.append(f"Concentration of token volumes by {group}: HHI on the 0-10,000 scale, bands "
                 f"of the {src} (above {hi:,.0f} highly, {lo:,.0f}-{hi:,.0f} moderately "
                 "concentrated). Measured among the models covered only.")

    # -- shares by country ----------------------------------------------------------------------
    shares_tab = pd.DataFrame({"month": labels})
    if "country" in panel.columns:
        ccodes, cuniq = pd.factorize(panel["country"], sort=True, use_na_sentinel=False)
        cuniq = ["unknown" if pd.isna(c) else str(c) for c in cuniq]
        cm = np.bincount(pos * len(cuniq) + ccodes, weights=tokens,
                         minlength=nm * len(cuniq)).reshape(nm, len(cuniq))
        with np.errstate(invalid="ignore", divide="ignore"):
            csh = 100 * cm / cm.sum(axis=1, keepdims=True)
        for j, c in enumerate(cuniq):
            shares_tab[f"share_{c}_pct"] = np.where(present, csh[:, j], np.nan)
        if "country_confirmed" in panel.columns:
            unconf = ~panel["country_confirmed"].fillna(False).astype(bool).to_numpy()
            if unconf.any():
                names = sorted({str(m) for m in panel.loc[unconf, "model"]})
                shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more"
                                                 if len(names) > 5 else "")
                notes.append(f"Developer country unconfirmed for {shown} (attributed as the "
                             "source does, or 'unknown').")

    # -- coverage -----------------------------------------------------------------------------
    n_prov = panel["provider"].nunique() if "provider" in panel.columns else None
    cov_note = (f"Coverage: {panel['model'].nunique()} models"
                + (f" of {n_prov} providers" if n_prov else "")
                + f", {labels[0]} to {labels[-1]} ({nm} months), {freq} observations. "
                "Only the models in the input are covered: totals are not a census of all "
                "token use.")
    notes.insert(0, cov_note)
    if illustrative:
        notes.insert(0, "ILLUSTRATIVE DATA: the bundled example panel (data/tokens). Only the "
                        "Chinese aggregate is anchored on official figures (National Data "
                        "Administration: 1e11 tokens a day in January 2024, 3e13 in June "
                        "2025, 1e14 in December 2025, 1.4e14 in March 2026); models, splits, "
                        "prices and capability scores are invented.")
    diagnostics = pd.DataFrame(diag_rows, columns=["diagnostic", "value"])
    return Release(table=table, shares=shares_tab, spending=spend_tab,
                   diagnostics=diagnostics, notes=notes,
                   title=title or ("Token usage: monthly statistical release"
                                   + (" (illustrative example)" if illustrative else "")),
                   illustrative=illustrative)


# ------------------------------------------------------------------------------------------
# output
# ------------------------------------------------------------------------------------------
def _fmt_csv(v: Any) -> str:
    """The one number format shared by the CSV files and the HTML page's data-value."""
    if isinstance(v, (float, np.floating)):
        return "" if not np.isfinite(v) else _FLOAT % v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format=_FLOAT)


def _fmt_display(col: str, v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "–"
        if col.endswith("_pct") or col in ("cr4_provider",):
            return f"{v:,.1f}"
        if col in ("tokens", "tokens_per_day", "tokens_per_day_sa", "spending") or \
                col.startswith("spending_"):
            return f"{v:.4g}"
        if col.startswith("hhi"):
            return f"{v:,.0f}"
        return f"{v:,.2f}"
    return html.escape(str(v))


def _html_table(frame: pd.DataFrame, table_id: str) -> str:
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, rec, strict=True):
            cells.append(f"<td data-col='{html.escape(str(col))}' "
                         f"data-value='{html.escape(_fmt_csv(v))}'>{_fmt_display(col, v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table id='{table_id}'><thead><tr>{head}</tr></thead><tbody>"
            + "\n".join(rows) + "</tbody></table>")


def _charts(rel: Release) -> dict[str, Any]:
    from intelcap._optional import import_optional

    matplotlib = import_optional("matplotlib", "release", "the release charts")
    from matplotlib.figure import Figure

    t = rel.table
    x = pd.PeriodIndex(t["month"], freq="M").to_timestamp()
    figs: dict[str, Any] = {}
    with matplotlib.rc_context({"svg.hashsalt": "intelcap-release", "font.size": 9,
                                "svg.fonttype": "none"}):
        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        ax.plot(x, t["tokens_per_day"], marker="o", ms=3, label="tokens per day")
        if t["tokens_per_day_sa"].notna().any():
            ax.plot(x, t["tokens_per_day_sa"], label="seasonally adjusted")
        ax.set_yscale("log")
        ax.set_title("Token usage, average tokens per day")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        figs["volume"] = fig

        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        ax.plot(x, t["mom_pct"], marker="o", ms=3, label="m/m %")
        ax.plot(x, t["yoy_pct"], marker="s", ms=3, label="y/y %")
        if t["sa_mom_pct"].notna().any():
            ax.plot(x, t["sa_mom_pct"], label="m/m % (seasonally adjusted)")
        ax.set_yscale("symlog", linthresh=100)
        ax.set_title("Growth of tokens per day, %")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        figs["growth"] = fig

        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        ax.plot(x, t["price_index"], label="price index (blended list price)")
        ax.plot(x, t["pp_index"], label="price-performance frontier index")
        ax.set_yscale("log")
        ax.set_title("Prices and price-performance (first month = 100)")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        figs["prices"] = fig

        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        ax.plot(x, t["hhi_provider"], color="black", label="HHI by provider")
        (lo, hi), _ = BANDS["2023"]
        ax.axhline(lo, ls=":", color="grey")
        ax.axhline(hi, ls="--", color="grey")
        ax.set_ylabel("HHI (0-10,000)")
        ax2 = ax.twinx()
        for c in rel.shares.columns[1:]:
            ax2.plot(x, rel.shares[c], alpha=0.7, label=c.replace("share_", "").replace(
                "_pct", " share %"))
        ax2.set_ylim(0, 100)
        ax.set_title("Concentration (HHI) and shares by developer country")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, frameon=False, fontsize=8, loc="center left")
        figs["concentration"] = fig
    for f in figs.values():
        f.subplots_adjust(left=0.1, right=0.9, bottom=0.14, top=0.9)
    return figs


def _save(fig: Any, folder: Path, name: str) -> tuple[str, str]:
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "intelcap-release", "svg.fonttype": "none"}):
        fig.savefig(folder / f"{name}.svg", format="svg",
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    png = buf.getvalue()
    (folder / f"{name}.png").write_bytes(png)
    return f"{name}.png", base64.b64encode(png).decode("ascii")


_CSS = """
body{font-family:Georgia,serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;margin-top:2rem}
table{border-collapse:collapse;font-family:Arial,sans-serif;font-size:.78rem;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.2rem .45rem;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.6rem}
.scroll{overflow-x:auto}img{max-width:100%}
"""

_JS = """
window.addEventListener('load', function () {
  var imgs = document.images, bad = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad++;
  }
  document.body.setAttribute('data-images-failed', String(bad));
  document.body.setAttribute('data-rendered', bad === 0 ? 'ok' : 'error');
});
window.addEventListener('error', function (e) {
  document.body.setAttribute('data-js-error', String(e.message || 'resource error'));
}, true);
"""


def _html(rel: Release, images: dict[str, str]) -> str:
    t = rel.table
    last = t.dropna(subset=["tokens_per_day"]).iloc[-1]
    head = (f"In {last['month']} the models covered used on average "
            f"{last['tokens_per_day']:.4g} tokens a day"
            + (f", {last['mom_pct']:+.1f}% on the previous month"
               if np.isfinite(last["mom_pct"]) else "")
            + (f" and {last['yoy_pct']:+.1f}% on a year earlier"
               if np.isfinite(last["yoy_pct"]) else "") + ".")
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             f"<title>{html.escape(rel.title)}</title>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<style>{_CSS}</style><script>{_JS}</script></head><body>",
             f"<h1>{html.escape(rel.title)}</h1>"]
    if rel.illustrative:
        parts.append("<p class='banner' id='illustrative'><strong>Illustrative data.</strong> "
                     + html.escape(rel.notes[0]) + "</p>")
    parts.append(f"<p id='headline'>{html.escape(head)}</p>")
    captions = {"volume": "Average tokens per day", "growth": "Growth rates",
                "prices": "Price and price-performance indices",
                "concentration": "Concentration and country shares"}
    parts.append("<h2>Charts</h2>")
    for name, b64 in images.items():
        parts.append(f"<figure><img alt='{html.escape(captions[name])}' "
                     f"src='data:image/png;base64,{b64}'><figcaption>"
                     f"{html.escape(captions[name])} ({name}.png, {name}.svg)</figcaption>"
                     "</figure>")
    parts.append("<h2>Release table</h2><div class='scroll'>"
                 + _html_table(t, "release-table") + "</div>")
    parts.append("<h2>Shares by developer country (%)</h2><div class='scroll'>"
                 + _html_table(rel.shares, "shares-table") + "</div>")
    parts.append("<h2>Spending by currency</h2><div class='scroll'>"
                 + _html_table(rel.spending, "spending-table") + "</div>")
    parts.append("<h2>Seasonal adjustment diagnostics</h2>"
                 + _html_table(rel.diagnostics, "diagnostics-table"))
    parts.append("<h2>Notes on coverage and methods</h2><ol id='notes'>"
                 + "".join(f"<li>{html.escape(n)}</li>" for n in rel.notes) + "</ol>")
    parts.append("<h2>Columns</h2><dl>" + "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
        for k, v in RELEASE_COLUMNS.items()) + "</dl>")
    parts.append("<p><small>Produced by intelcap (intelcap release). Files: release.csv, "
                 "shares.csv, spending.csv, diagnostics.csv, charts in PNG and SVG, "
                 "manifest.json.</small></p></body></html>")
    return "\n".join(parts) + "\n"


def write_release(rel: Release, folder: str | Path) -> list[str]:
    """Write the release into an existing (empty) folder; returns the file names written.

    Files: ``release.csv``, ``shares.csv``, ``spending.csv``, ``diagnostics.csv``,
    ``notes.txt``, four charts as PNG and SVG, and ``release.html`` (self-contained: charts
    embedded, numbers carried in ``data-value`` attributes formatted exactly as in the CSVs).
    """
    folder = Path(folder)
    files = []
    for name, frame in (("release.csv", rel.table), ("shares.csv", rel.shares),
                        ("spending.csv", rel.spending), ("diagnostics.csv", rel.diagnostics)):
        _write_csv(frame, folder / name)
        files.append(name)
    (folder / "notes.txt").write_text("\n".join(f"{i + 1}. {n}" for i, n in
                                                enumerate(rel.notes)) + "\n", encoding="utf-8")
    files.append("notes.txt")
    images = {}
    for name, fig in _charts(rel).items():
        png, b64 = _save(fig, folder, name)
        images[name] = b64
        files += [png, f"{name}.svg"]
    with (folder / "release.html").open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(_html(rel, images))
    files.append("release.html")
    return sorted(files)
