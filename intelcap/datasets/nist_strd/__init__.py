"""NIST Statistical Reference Datasets (StRD): linear and nonlinear least squares.

``load(name, kind="nonlinear")`` returns a :class:`NistDataset`: the data, NIST's model, the
certified parameter values with their certified standard deviations, the certified residual
sum of squares and residual standard deviation, and (nonlinear problems) NIST's two official
starting points. ``names(kind)`` lists the problems.

- ``kind="nonlinear"``: all 27 problems, read from NIST's original ``.dat`` files (header and
  data), e.g. ``Misra1a``, ``BoxBOD``, ``MGH09``, ``Bennett5``. Certified values were computed
  by NIST in 128-bit arithmetic.
- ``kind="linear"``: the 11 linear problems (Norris, Pontius, NoInt1, NoInt2, Filip, Longley,
  Wampler1-5). Data as CSV (columns ``y, x`` or ``y, x1..x6`` for Longley); certified values
  (500-digit arithmetic) typed from NIST's pages into ``certified.json``.

Public domain (US government work, NIST).

Examples
--------
>>> from intelcap.datasets import nist_strd
>>> p = nist_strd.load("Misra1a")
>>> p.data.shape, list(p.certified.columns)
((14, 2), ['value', 'std_dev'])
>>> float(p.certified.loc["b1", "value"]), p.rss
(238.94212918, 0.12455138894)
>>> p.starts.loc["b1"].tolist()
[500.0, 250.0]
>>> len(nist_strd.names("nonlinear")), len(nist_strd.names("linear"))
(27, 11)
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

import pandas as pd

from intelcap.datasets._base import Provenance, choose, read_bytes, read_csv
from intelcap.exceptions import DataError, SpecificationError

__all__ = ["DESCR", "PROVENANCE", "NistDataset", "load", "names"]

PROVENANCE = Provenance(
    name="nist_strd",
    source=("NIST Information Technology Laboratory, Statistical Reference Datasets (StRD), "
            "linear and nonlinear regression"),
    table=("nonlinear: NIST's original .dat files (copied via GitHub lmfit/lmfit-py, "
           "NIST_STRD/, commit fe389bbb); linear: data extracted from the GSL test sources "
           "(GitHub ampl/gsl, commit cf180cd7) and reductus tests (commit 43adfcf6), each "
           "checked with 60-digit arithmetic to reproduce NIST's certified values"),
    units="as in each NIST problem (dimensionless test data)",
    accessed="2026-11-28",
    licence="public domain (US government work)",
    citation=("NIST (2003), Statistical Reference Datasets, https://www.itl.nist.gov/div898/"
              "strd/"),
    index="RangeIndex (observation order of the NIST file)",
)
DESCR = str(PROVENANCE)

_NONLINEAR = ("Bennett5", "BoxBOD", "Chwirut1", "Chwirut2", "DanWood", "ENSO", "Eckerle4",
              "Gauss1", "Gauss2", "Gauss3", "Hahn1", "Kirby2", "Lanczos1", "Lanczos2",
              "Lanczos3", "MGH09", "MGH10", "MGH17", "Misra1a", "Misra1b", "Misra1c",
              "Misra1d", "Nelson", "Rat42", "Rat43", "Roszman1", "Thurber")
_LINEAR = ("Filip", "Longley", "NoInt1", "NoInt2", "Norris", "Pontius", "Wampler1",
           "Wampler2", "Wampler3", "Wampler4", "Wampler5")


@dataclass(frozen=True)
class NistDataset:
    """One NIST StRD problem with its certified values.

    Attributes
    ----------
    name, kind : str
        Problem name (``"Misra1a"``) and ``"linear"`` or ``"nonlinear"``.
    model : str
        NIST's statement of the model, whitespace normalised (``y = b1*(1-exp[-b2*x]) + e``;
        Roszman1 begins with NIST's definition of ``pi``).
    data : DataFrame
        The observations, response ``y`` first (Nelson: ``y, x1, x2``; Longley ``y, x1..x6``).
    certified : DataFrame
        Index: parameter names as NIST writes them (``b1``... nonlinear, ``B0``... linear);
        columns ``value`` and ``std_dev`` (certified estimates and standard deviations).
    rss, resid_sd : float
        Certified residual sum of squares (NaN where NIST's linear pages give none: Wampler)
        and residual standard deviation.
    dof : int
        Residual degrees of freedom, n - p. (The header of Rat43 states 9, a misprint in NIST's
        file: its certified residual standard deviation is sqrt(RSS / 11) = sqrt(RSS / (15 - 4)).)
    starts : DataFrame or None
        Nonlinear: columns ``start1``, ``start2`` (NIST's official starting values).
    r_squared : float or None
        Linear: certified R^2 (uncentered for the no-intercept problems).
    difficulty : str
        Nonlinear: NIST's level of difficulty (``"Lower"``, ``"Average"``, ``"Higher"``).
    """

    name: str
    kind: str
    model: str
    data: pd.DataFrame
    certified: pd.DataFrame
    rss: float
    resid_sd: float
    dof: int
    starts: pd.DataFrame | None = None
    r_squared: float | None = None
    difficulty: str = ""


def names(kind: str = "nonlinear") -> list[str]:
    """Names of the bundled problems of ``kind`` (``"nonlinear"`` or ``"linear"``)."""
    choose("kind", kind, ("nonlinear", "linear"))
    return list(_NONLINEAR if kind == "nonlinear" else _LINEAR)


def load(name: str, kind: str = "nonlinear") -> NistDataset:
    """Load one NIST StRD problem with its certified values.

    Parameters
    ----------
    name : str
        Problem name, e.g. ``"Misra1a"`` or ``"Longley"`` (see :func:`names`).
    kind : {"nonlinear", "linear"}

    Returns
    -------
    NistDataset
    """
    valid = names(kind)
    if name not in valid:
        raise SpecificationError(f"name={name!r} is not a NIST StRD {kind} problem; valid: "
                                 + ", ".join(valid))
    if kind == "nonlinear":
        return _parse_nonlinear(name, read_bytes("nist_strd", f"nonlinear/{name}.dat").decode())
    return _load_linear(name)


_PARAM = re.compile(r"^\s*(b\d+)\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")


def _parse_nonlinear(name: str, text: str) -> NistDataset:
    lines = text.splitlines()
    rows: dict[str, list[float]] = {}
    rss = resid_sd = None
    dof = None
    data_start = None
    model_lines: list[str] = []
    difficulty = ""
    in_model = False
    for i, line in enumerate(lines):
        m = _PARAM.match(line)
        if m:
            rows[m.group(1)] = [float(g) for g in m.groups()[1:]]
            continue
        if line.startswith("Model:"):
            in_model = True
            continue
        if in_model:
            text_ = line.strip()
            if text_.lower().startswith("starting"):
                in_model = False
            elif text_ and "Parameters (" not in text_:
                if text_[0] in "+-" and model_lines:  # continuation of the model line
                    model_lines[-1] += " " + " ".join(text_.split())
                else:
                    model_lines.append(" ".join(text_.split()))
        if "Level of Difficulty" in line:
            difficulty = line.split("Level")[0].strip()
        if line.startswith("Residual Sum of Squares:"):
            rss = float(line.split(":")[1])
        elif line.startswith("Residual Standard Deviation:"):
            resid_sd = float(line.split(":")[1])
        elif line.startswith("Degrees of Freedom:"):
            dof = int(line.split(":")[1])
        elif line.startswith("Data:") and "y" in line and "x" in line:
            data_start = i
    if rss is None or resid_sd is None or dof is None or data_start is None or not rows:
        raise DataError(f"NIST file {name}.dat: header incomplete (certified values, RSS, "
                        "degrees of freedom or data block not found)")
    cols = lines[data_start].split(":")[1].split()
    block = "\n".join(ln for ln in lines[data_start + 1:] if ln.strip())
    data = pd.read_csv(io.StringIO(block), sep=r"\s+", header=None, names=cols,
                       dtype="float64")
    table = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["start1", "start2", "value", "std_dev"])
    table.index.name = "parameter"
    return NistDataset(name=name, kind="nonlinear", model="; ".join(model_lines), data=data,
                       certified=table[["value", "std_dev"]].copy(), rss=rss,
                       resid_sd=resid_sd, dof=len(data) - len(table),
                       starts=table[["start1", "start2"]].copy(),
                       difficulty=difficulty)


def _load_linear(name: str) -> NistDataset:
    info = json.loads(read_bytes("nist_strd", "linear/certified.json").decode())[name]
    data = read_csv("nist_strd", f"linear/{name}.csv").astype("float64")
    cert = pd.DataFrame({"value": info["certified"], "std_dev": info["std_dev"]},
                        index=pd.Index(info["parameters"], name="parameter"))
    rss = info["rss"] if info["rss"] is not None else float("nan")
    return NistDataset(name=name, kind="linear", model=info["model"], data=data,
                       certified=cert, rss=rss, resid_sd=info["resid_sd"],
                       dof=len(data) - len(cert), r_squared=info["r_squared"])
