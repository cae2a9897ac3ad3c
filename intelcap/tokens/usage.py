"""The usage panel: a long table of token-usage observations, validated on read.

One row per (period, [provider,] model): tokens used, by kind, requests, prices by token kind,
the developer's country, a free flag and a capability score. Readers take the OpenRouter weekly
JSON layout and a plain CSV; :func:`spending` prices the tokens with a dated price schedule;
:func:`shares` and :func:`share_of_total` give shares by provider or country, the latter with the
caveats a partial listing (a top 10) needs.

Columns (:data:`USAGE_COLUMNS`); only ``period``, ``model`` and ``tokens`` are required
(``tokens`` may be omitted when ``input_tokens`` and ``output_tokens`` are given: it is then
their sum).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from intelcap._validation import check_columns
from intelcap.exceptions import DataError, MissingDataError

__all__ = [
    "CURRENCIES",
    "DEVELOPER_COUNTRY",
    "PRICE_UNITS",
    "USAGE_COLUMNS",
    "GroupShare",
    "read_openrouter",
    "read_usage_csv",
    "share_of_total",
    "shares",
    "spending",
    "usage_from_openrouter",
    "validate_usage",
]

#: Columns of the usage panel and their meaning.
USAGE_COLUMNS: dict[str, str] = {
    "period": "date or period start the row refers to (a day, week or month); required",
    "model": "model identifier; required",
    "tokens": "total tokens in the period (non-negative); required unless input and output "
              "tokens are given",
    "provider": "provider or developer organisation (e.g. 'deepseek')",
    "country": "ISO 3166 alpha-2 code of the developer's country ('CN', 'US')",
    "country_confirmed": "False where the developer (hence the country) is not confirmed",
    "input_tokens": "prompt (input) tokens, including cached input tokens",
    "output_tokens": "completion (output) tokens, including reasoning tokens",
    "cached_tokens": "input tokens read from a cache (a subset of input_tokens)",
    "reasoning_tokens": "output tokens spent on reasoning (a subset of output_tokens)",
    "requests": "number of requests",
    "price_input": "price of input tokens, per price_unit",
    "price_output": "price of output tokens, per price_unit",
    "price_cached": "price of cached input tokens, per price_unit",
    "price_reasoning": "price of reasoning tokens, per price_unit",
    "currency": "ISO 4217 currency of the prices",
    "price_unit": "unit of the prices: 'per_1m_tokens' (default), 'per_1k_tokens' or "
                  "'per_token'; one unit per panel",
    "free": "True for a zero-priced (free) variant",
    "capability": "capability score (a benchmark index; higher is better)",
}

_NUMERIC = ("tokens", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens",
            "requests", "price_input", "price_output", "price_cached", "price_reasoning")

#: Price units and their factor to a price per million tokens.
PRICE_UNITS: dict[str, float] = {"per_1m_tokens": 1.0, "per_1k_tokens": 1e3, "per_token": 1e6}

#: ISO 4217 codes accepted in the ``currency`` column.
CURRENCIES: frozenset[str] = frozenset(
    "USD CNY EUR GBP JPY KRW INR CAD AUD CHF SGD HKD TWD SEK NOK DKK BRL MXN RUB ZAR AED SAR "
    "ILS NZD PLN CZK HUF TRY IDR THB MYR PHP VND".split())

#: Developer organisation (OpenRouter author prefix) -> (country, confirmed?). The anonymous
#: ``openrouter/hunter-alpha`` is attributed to China as the source article of issue #11 does,
#: flagged unconfirmed.
DEVELOPER_COUNTRY: dict[str, tuple[str, bool]] = {
    "anthropic": ("US", True), "google": ("US", True), "openai": ("US", True),
    "x-ai": ("US", True), "meta-llama": ("US", True), "amazon": ("US", True),
    "microsoft": ("US", True), "nvidia": ("US", True), "arcee-ai": ("US", True),
    "mistralai": ("FR", True), "cohere": ("CA", True),
    "deepseek": ("CN", True), "qwen": ("CN", True), "z-ai": ("CN", True),
    "moonshotai": ("CN", True), "minimax": ("CN", True), "xiaomi": ("CN", True),
    "stepfun": ("CN", True), "bytedance": ("CN", True), "baidu": ("CN", True),
    "tencent": ("CN", True),
    "openrouter/hunter-alpha": ("CN", False),
}


def _row_label(df: pd.DataFrame, pos: int) -> str:
    return f"row {df.index[pos]!r}"


def validate_usage(data: pd.DataFrame, *, what: str = "usage") -> pd.DataFrame:
    """Check a usage panel and return a normalised copy.

    Checks (each error names the row): required columns; ``period`` parses as a date;
    ``model`` present; tokens and other counts and prices non-missing (tokens) and
    non-negative; no duplicated (period, [provider,] model) rows; ``currency`` a known ISO 4217
    code; a single ``price_unit``. Prices are converted to per million tokens
    (``price_unit`` becomes ``'per_1m_tokens'``).
    """
    check_columns(data, ["period", "model"], what=what)
    df = data.copy(deep=False)  # copy-on-write: assignments below never reach `data`
    if "tokens" not in df.columns:
        if {"input_tokens", "output_tokens"} <= set(df.columns):
            df["tokens"] = df["input_tokens"] + df["output_tokens"]
        else:
            raise DataError(f"{what} needs a 'tokens' column (or input_tokens and "
                            f"output_tokens); it has {list(map(str, df.columns))}")
    per = df["period"]
    if not pd.api.types.is_datetime64_any_dtype(per):
        parsed = pd.to_datetime(per, errors="coerce", format="mixed")
        bad = parsed.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(f"{what}: period {per.iloc[pos]!r} at {_row_label(df, pos)} is "
                            "not a date (use YYYY-MM-DD or YYYY-MM)")
        df["period"] = parsed
    if df["model"].isna().any():
        pos = int(np.flatnonzero(df["model"].isna().to_numpy())[0])
        raise MissingDataError(f"{what}: model is missing at {_row_label(df, pos)}")
    for col in _NUMERIC:
        if col not in df.columns:
            continue
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        orig_na = df[col].isna().to_numpy()
        if (np.isnan(v) & ~orig_na).any():
            pos = int(np.flatnonzero(np.isnan(v) & ~orig_na)[0])
            raise DataError(f"{what}: {col} {df[col].iloc[pos]!r} at {_row_label(df, pos)} is "
                            "not a number")
        if col == "tokens" and orig_na.any():
            pos = int(np.flatnonzero(orig_na)[0])
            raise MissingDataError(f"{what}: tokens missing at {_row_label(df, pos)} (model "
                                   f"{df['model'].iloc[pos]!r}); a zero must be written as 0")
        neg = v < 0
        if neg.any():
            pos = int(np.flatnonzero(neg)[0])
            raise DataError(f"{what}: {col} is negative ({v[pos]!r}) at {_row_label(df, pos)} "
                            f"(model {df['model'].iloc[pos]!r})")
        if not np.isfinite(v[~np.isnan(v)]).all():
            pos = int(np.flatnonzero(np.isinf(v))[0])
            raise DataError(f"{what}: {col} is infinite at {_row_label(df, pos)}")
        df[col] = v
    keys = ["period", "provider", "model"] if "provider" in df.columns else ["period", "model"]
    key = np.zeros(len(df), dtype=np.int64)
    for k in keys:  # one int64 key per row (hash of small integer codes, not of strings)
        kc, ku = pd.factorize(df[k], use_na_sentinel=False)
        key = key * (len(ku) + 1) + kc
    if len(df) and 0 <= key.min() and key.max() < 8 * len(df) + 1024:
        dup = np.bincount(key)[key] > 1  # dense keys: counting beats hashing
    else:
        dup = pd.Series(key).duplicated(keep=False).to_numpy()
    if dup.any():
        pos = np.flatnonzero(dup)[:2]
        raise DataError(f"{what}: duplicated {'-'.join(keys)} rows: {_row_label(df, pos[0])} "
                        f"and {_row_label(df, pos[-1])} (model {df['model'].iloc[pos[0]]!r}, "
                        f"period {df['period'].iloc[pos[0]]!s}); aggregate them first")
    if "currency" in df.columns:
        codes, uniq = pd.factorize(df["currency"])  # check the few distinct codes, not rows
        clean = [str(u).strip().upper() for u in uniq]
        for j, c in enumerate(clean):
            if c not in CURRENCIES:
                pos = int(np.flatnonzero(codes == j)[0])
                raise DataError(f"{what}: unknown currency {df['currency'].iloc[pos]!r} at "
                                f"{_row_label(df, pos)}; use an ISO 4217 code such as 'USD' "
                                "or 'CNY'")
        if clean != [str(u) for u in uniq] or (codes < 0).any():
            df["currency"] = np.array([*clean, None], dtype=object)[codes]
    if "price_unit" in df.columns:
        codes, uniq = pd.factorize(df["price_unit"], use_na_sentinel=False)
        for j, u in enumerate(uniq):
            if u not in PRICE_UNITS:
                pos = int(np.flatnonzero(codes == j)[0])
                raise DataError(f"{what}: price_unit {u!r} at {_row_label(df, pos)} is not "
                                f"one of {list(PRICE_UNITS)}")
        mixed = codes != codes[0] if len(df) else np.zeros(0, dtype=bool)
        if mixed.any():
            pos = int(np.flatnonzero(mixed)[0])
            raise DataError(f"{what}: prices in mixed units: {uniq[codes[pos]]!r} at "
                            f"{_row_label(df, pos)} but {uniq[codes[0]]!r} at "
                            f"{_row_label(df, 0)}; convert to one unit first")
        factor = PRICE_UNITS[str(uniq[codes[0]])] if len(df) else 1.0
        if factor != 1.0:
            for col in ("price_input", "price_output", "price_cached", "price_reasoning"):
                if col in df.columns:
                    df[col] = df[col] * factor
        df["price_unit"] = "per_1m_tokens"
    for sub, whole in (("cached_tokens", "input_tokens"), ("reasoning_tokens", "output_tokens")):
        if sub in df.columns and whole in df.columns:
            over = (df[sub] > df[whole]).to_numpy()
            if over.any():
                pos = int(np.flatnonzero(over)[0])
                raise DataError(f"{what}: {sub} exceed {whole} at {_row_label(df, pos)} "
                                f"({sub} are a subset of {whole})")
    return df


def read_usage_csv(path: str | Path) -> pd.DataFrame:
    """Read a usage panel from a CSV with the columns of :data:`USAGE_COLUMNS`; validated."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"model": str, "provider": str, "country": str,
                                      "currency": str, "price_unit": str})
    except (OSError, ValueError) as err:
        raise DataError(f"{path.name}: cannot read the usage CSV: {err}") from None
    return validate_usage(df, what=path.name)


def read_openrouter(path: str | Path | Sequence[str | Path]) -> pd.DataFrame:
    """Read OpenRouter weekly top-10 JSON files (one file, a folder of them, or a list).

    The layout is the one of the ``openrouter_usage`` reference dataset: ``date``, ``models``
    (``slug``, ``total_tokens``, ``prompt_tokens``, ``completion_tokens``,
    ``reasoning_tokens``, ``cached_tokens``, ``request_count``, prices in USD per token,
    ``is_free``), ``total_tokens`` of the listed models only. ``period`` is the file's date;
    ``tokens`` the ranking chart's weekly total; prices become USD per million tokens;
    ``country`` comes from :data:`DEVELOPER_COUNTRY` (unknown authors get ``<NA>``).
    """
    if isinstance(path, (str, Path)):
        p = Path(path)
        files = sorted(p.glob("*.json")) if p.is_dir() else [p]
    else:
        files = [Path(x) for x in path]
    if not files:
        raise DataError(f"no OpenRouter JSON files found at {path}")
    rows = []
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise DataError(f"{f.name}: cannot read OpenRouter JSON: {err}") from None
        if "models" not in doc or "date" not in doc:
            raise DataError(f"{f.name}: not the OpenRouter weekly layout (needs 'date' and "
                            "'models')")
        for m in doc["models"]:
            slug = str(m.get("slug", ""))
            author = slug.split("/", 1)[0]
            country, confirmed = _country_of(slug)
            rows.append({
                "period": doc["date"], "provider": author, "model": slug,
                "name": m.get("name"), "country": country, "country_confirmed": confirmed,
                "tokens": m.get("total_tokens"), "input_tokens": m.get("prompt_tokens"),
                "output_tokens": m.get("completion_tokens"),
                "cached_tokens": m.get("cached_tokens"),
                "reasoning_tokens": m.get("reasoning_tokens"),
                "requests": m.get("request_count"),
                "price_input": m.get("prompt_price"), "price_output": m.get("completion_price"),
                "price_cached": m.get("cache_read_price"),
                "price_reasoning": m.get("reasoning_price"),
                "currency": "USD", "price_unit": "per_token", "free": bool(m.get("is_free")),
                "rank": m.get("rank"), "source_file": f.name,
            })
    df = pd.DataFrame(rows)
    return validate_usage(df, what="OpenRouter JSON")


def _country_of(slug: str) -> tuple[str | None, bool]:
    author = slug.split("/", 1)[0]
    base = slug.split(":", 1)[0]
    if base in DEVELOPER_COUNTRY:
        return DEVELOPER_COUNTRY[base]
    if author == "openrouter":
        return None, False
    return DEVELOPER_COUNTRY.get(author, (None, False))


def usage_from_openrouter(frame: pd.DataFrame) -> pd.DataFrame:
    """Usage panel from the frame of ``intelcap.datasets.openrouter_usage.load()``.

    The same columns as :func:`read_openrouter` (index ``(date, rank)`` becomes ``period`` and
    ``rank``; prices become USD per million tokens).
    """
    check_columns(frame.reset_index(), ["date", "slug", "total_tokens"], what="OpenRouter frame")
    f = frame.reset_index()
    slug = f["slug"].astype(str)
    cc = [_country_of(x) for x in slug]

    def opt(col: str) -> object:
        return f[col] if col in f.columns else np.nan

    df = pd.DataFrame({
        "period": f["date"], "provider": slug.str.split("/").str[0], "model": slug,
        "name": opt("name"), "country": [c for c, _ in cc],
        "country_confirmed": [k for _, k in cc], "tokens": f["total_tokens"],
        "input_tokens": opt("prompt_tokens"), "output_tokens": opt("completion_tokens"),
        "cached_tokens": opt("cached_tokens"), "reasoning_tokens": opt("reasoning_tokens"),
        "requests": opt("request_count"), "price_input": opt("prompt_price"),
        "price_output": opt("completion_price"), "price_cached": opt("cache_read_price"),
        "price_reasoning": opt("reasoning_price"), "currency": "USD",
        "price_unit": "per_token",
        "free": f["is_free"].astype(bool) if "is_free" in f.columns else False,
        "rank": opt("rank"),
    })
    return validate_usage(df, what="OpenRouter frame")


def spending(usage: pd.DataFrame, schedule: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Spending = tokens x price, by token kind, with prices that change by date.

    .. math:: S = (I - C) p_{in} + C p_{cached} + (O - R) p_{out} + R p_{reasoning}

    with input tokens :math:`I` of which :math:`C` cached, output tokens :math:`O` of which
    :math:`R` reasoning (the OpenRouter convention); prices per million tokens. A missing
    cached or reasoning price falls back to the input or output price; rows without a
    split by kind are priced at the input price for all ``tokens`` when no output price
    exists, otherwise the row is an error.

    Parameters
    ----------
    usage : DataFrame
        A validated usage panel.
    schedule : DataFrame, optional
        Dated prices: ``model``, ``valid_from`` and any of ``price_input``, ``price_output``,
        ``price_cached``, ``price_reasoning``, plus ``currency`` (and optional ``price_unit``).
        Each usage row takes the latest schedule row of its model with ``valid_from <=
        period``. Without a schedule the panel's own price columns are used.

    Returns
    -------
    DataFrame
        The panel with ``spending`` and ``currency`` columns added.
    """
    df = validate_usage(usage)
    if schedule is not None:
        df = _apply_schedule(df, schedule)
    return df.assign(spending=_spending_values(df))


def _apply_schedule(df: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    """Attach to each row the latest scheduled prices of its model valid at its period."""
    check_columns(schedule, ["model", "valid_from", "currency"], what="price schedule")
    sch = validate_usage(schedule.rename(columns={"valid_from": "period"}).assign(
        tokens=0.0), what="price schedule")
    sch = sch.rename(columns={"period": "valid_from"}).drop(columns="tokens")
    price_cols = [c for c in ("price_input", "price_output", "price_cached",
                              "price_reasoning", "currency") if c in sch.columns]
    left = df.drop(columns=[c for c in price_cols if c in df.columns])
    left = left.assign(_pos=np.arange(len(left))).sort_values("period", kind="stable")
    merged = pd.merge_asof(left, sch[["model", "valid_from", *price_cols]].sort_values(
        "valid_from", kind="stable"), left_on="period", right_on="valid_from", by="model",
        direction="backward")
    missing = merged["currency"].isna().to_numpy()
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise DataError(f"price schedule has no price for model "
                        f"{merged['model'].iloc[pos]!r} on or before "
                        f"{merged['period'].iloc[pos]!s}")
    df = merged.sort_values("_pos").drop(columns=["_pos"]).set_index(df.index)
    return df


def _spending_values(df: pd.DataFrame) -> np.ndarray:
    """Spending (currency units) of each row of a validated panel; see :func:`spending`."""
    n = len(df)

    def col(name: str) -> np.ndarray:
        return df[name].to_numpy(dtype=float) if name in df.columns else np.full(n, np.nan)

    p_in, p_out = col("price_input"), col("price_output")
    p_c = np.where(np.isnan(col("price_cached")), p_in, col("price_cached"))
    p_r = np.where(np.isnan(col("price_reasoning")), p_out, col("price_reasoning"))
    inp, out = col("input_tokens"), col("output_tokens")
    c = np.nan_to_num(col("cached_tokens"))
    r = np.nan_to_num(col("reasoning_tokens"))
    split = ~np.isnan(inp) & ~np.isnan(out)
    tok = col("tokens")
    s = np.where(split, (inp - c) * p_in + c * p_c + (out - r) * p_out + r * p_r,
                 tok * np.where(np.isnan(p_out), p_in, np.nan))
    if "free" in df.columns:
        s = np.where(df["free"].fillna(False).to_numpy(dtype=bool), 0.0, s)
    bad = np.isnan(s)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"cannot price {_row_label(df, pos)} (model {df['model'].iloc[pos]!r}):"
                        " give input/output tokens with their prices, or a single price_input")
    if "currency" not in df.columns:
        raise DataError("prices have no currency column; add one (e.g. 'USD')")
    return s / 1e6


def shares(usage: pd.DataFrame, by: str = "country", *, value: str = "tokens",
           per: str | None = "period") -> pd.DataFrame:
    """Shares of ``value`` by ``by`` (within each ``per``, if given); long table with columns
    ``[per,] by, value, share``. Missing group labels are kept as ``'unknown'``."""
    check_columns(usage, [by, value] + ([per] if per else []), what="usage")
    df = usage.assign(**{by: usage[by].astype(object).where(usage[by].notna(), "unknown")})
    keys = [per, by] if per else [by]
    g = df.groupby(keys, sort=True, observed=True)[value].sum().reset_index()
    tot = g.groupby(per)[value].transform("sum") if per else g[value].sum()
    return g.assign(share=g[value] / tot)


@dataclass(frozen=True)
class GroupShare:
    """A group's share of a total when the listing covers only part of it."""

    group: str
    group_value: float
    listed_total: float
    total: float
    share: float
    share_of_listed: float
    bounds: tuple[float, float]
    caveats: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.group}: {self.group_value / 1e12:.3f} T of {self.total / 1e12:.3f} T "
                 f"= {100 * self.share:.1f}% (listed models cover {self.listed_total / 1e12:.3f}"
                 f" T = {100 * self.listed_total / self.total:.1f}%; "
                 f"{100 * self.share_of_listed:.1f}% of the listed)",
                 f"true share between {100 * self.bounds[0]:.1f}% and "
                 f"{100 * self.bounds[1]:.1f}%"]
        lines += [f"caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def share_of_total(usage: pd.DataFrame, group: str, *, by: str = "country",
                   total: float | None = None, value: str = "tokens") -> GroupShare:
    """Share of ``group`` in ``total`` when ``usage`` lists only some models (one period).

    The point share is the listed group volume over ``total``; the bounds add the unlisted
    volume (``total`` minus the listed) to the group or not. Rows whose attribution is not
    confirmed (``country_confirmed`` False) are named in a caveat with the share without them.
    """
    check_columns(usage, [by, value], what="usage")
    if "period" in usage.columns and usage["period"].nunique() > 1:
        raise DataError("share_of_total takes one period; filter the panel first")
    listed = float(usage[value].sum())
    total = listed if total is None else float(total)
    if total < listed * (1 - 1e-12):
        raise DataError(f"total {total:.6g} is below the listed sum {listed:.6g}")
    mask = (usage[by] == group).fillna(False).to_numpy(dtype=bool)
    gv = float(usage.loc[mask, value].sum())
    rest = total - listed
    caveats = []
    if rest > 0:
        caveats.append(f"the listed models cover {listed / 1e12:.3f} T of {total / 1e12:.3f} T "
                       f"({100 * listed / total:.1f}%); the unlisted {rest / 1e12:.3f} T is not "
                       "attributed")
    if "country_confirmed" in usage.columns:
        unconf = mask & ~usage["country_confirmed"].fillna(False).to_numpy(dtype=bool)
        if unconf.any():
            names = ", ".join(map(str, usage.loc[unconf, "model"]))
            v = float(usage.loc[unconf, value].sum())
            caveats.append(f"the developer of {names} ({v / 1e12:.3f} T) is unconfirmed; "
                           f"without it the share is {100 * (gv - v) / total:.1f}%")
    return GroupShare(group=group, group_value=gv, listed_total=listed, total=total,
                      share=gv / total, share_of_listed=gv / listed if listed else math.nan,
                      bounds=(gv / total, (gv + rest) / total), caveats=caveats)

