"""Summary objects that print as text, HTML and LaTeX.

A :class:`Summary` is a title, a header of (label, value) pairs and zero or more tables
(:class:`pandas.DataFrame`). Every intelcap results object returns one from ``.summary`` and gets
``__str__`` and ``_repr_html_`` from :class:`SummaryMixin`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Summary", "SummaryMixin", "latex_escape"]

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: object) -> str:
    """Escape LaTeX special characters so names such as ``ln_K`` do not break a build."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _fmt(value: object, digits: int = 4) -> str:
    """Format one cell: integers as integers, floats with ``digits`` decimals.

    A float below ``10**(1 - digits)`` in absolute value (0.001 for four digits) or of ``1e7``
    or more is written in scientific notation, so that small parameters keep at least two
    significant digits (``6.1000e-04``, not ``0.0006``). Missing values print as blanks.
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return str(float(value))
        a = abs(float(value))
        if a != 0 and (a < 10 ** (1 - digits) or a >= 1e7):
            return f"{value:.{digits}e}"
        return f"{value:.{digits}f}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):d}"
    return str(value)


@dataclass
class Summary:
    """A printable summary: a title, header pairs, tables and notes."""

    title: str
    header: Sequence[tuple[str, object]] = field(default_factory=list)
    tables: Sequence[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: Sequence[str] = field(default_factory=list)
    digits: int = 4

    # -- text -------------------------------------------------------------------------------
    def _table_strings(self, table: pd.DataFrame) -> pd.DataFrame:
        return table.map(lambda v: _fmt(v, self.digits))

    def as_text(self) -> str:
        """Plain-text rendering."""
        lines: list[str] = []
        body_tables = [(name, self._table_strings(t).to_string()) for name, t in self.tables]
        width = max(
            [len(self.title), 60]
            + [max((len(r) for r in s.splitlines()), default=0) for _, s in body_tables]
        )
        lines.append(self.title.center(width))
        lines.append("=" * width)
        pairs = [(str(k), _fmt(v, self.digits)) for k, v in self.header]
        half = (len(pairs) + 1) // 2
        left, right = pairs[:half], pairs[half:]
        colw = width // 2 - 1
        for i in range(half):
            lk, lv = left[i]
            cell = f"{lk + ':':<{max(len(lk) + 2, colw - len(lv))}}{lv}"
            if i < len(right):
                rk, rv = right[i]
                cell = f"{cell:<{colw}}  {rk + ':':<{max(len(rk) + 2, colw - len(rv))}}{rv}"
            lines.append(cell)
        for name, s in body_tables:
            lines.append("-" * width if name == "" else f" {name} ".center(width, "-"))
            lines.extend(s.splitlines())
        lines.append("=" * width)
        lines.extend(self.notes)
        return "\n".join(lines)

    # -- html -------------------------------------------------------------------------------
    def as_html(self) -> str:
        """HTML rendering, for Jupyter."""
        out = [f"<div class='intelcap-summary'><h4>{html.escape(self.title)}</h4>"]
        if self.header:
            out.append("<table class='simpletable'>")
            pairs = list(self.header)
            for i in range(0, len(pairs), 2):
                cells = "".join(
                    f"<th style='text-align:left'>{html.escape(str(k))}:</th>"
                    f"<td>{html.escape(_fmt(v, self.digits))}</td>"
                    for k, v in pairs[i : i + 2]
                )
                out.append(f"<tr>{cells}</tr>")
            out.append("</table>")
        for name, t in self.tables:
            if name:
                out.append(f"<p><b>{html.escape(name)}</b></p>")
            out.append(self._table_strings(t).to_html(classes="simpletable"))
        for note in self.notes:
            out.append(f"<p>{html.escape(note)}</p>")
        out.append("</div>")
        return "\n".join(out)

    # -- latex ------------------------------------------------------------------------------
    def as_latex(self, booktabs: bool = True) -> str:
        r"""LaTeX rendering, with every name, label and note escaped.

        Parameters
        ----------
        booktabs : bool
            Rule lines from the ``booktabs`` package (``\toprule``, ``\midrule``,
            ``\bottomrule``; the output's first line says that the document needs
            ``\usepackage{booktabs}``). ``False`` uses plain ``\hline`` and needs no package.

        Returns
        -------
        str
            A ``table`` environment holding one ``tabular`` per header and table.
        """
        top, mid, bottom = ((r"\toprule", r"\midrule", r"\bottomrule") if booktabs
                            else (r"\hline", r"\hline", r"\hline"))
        out = [r"% requires \usepackage{booktabs} in the preamble" if booktabs else "",
               r"\begin{table}[htbp]", r"\centering", f"\\caption{{{latex_escape(self.title)}}}"]
        if self.header:
            out.append(r"\begin{tabular}{lr}")
            out.append(top)
            for k, v in self.header:
                out.append(f"{latex_escape(k)} & {latex_escape(_fmt(v, self.digits))} \\\\")
            out.append(bottom)
            out.append(r"\end{tabular}")
        for name, t in self.tables:
            s = self._table_strings(t)
            cols = "l" + "r" * s.shape[1]
            out.append(f"\\par\\medskip{{\\small {latex_escape(name)}}}\\par" if name else "")
            out.append(f"\\begin{{tabular}}{{{cols}}}")
            out.append(top)
            out.append(" & ".join([""] + [latex_escape(c) for c in s.columns]) + r" \\")
            out.append(mid)
            for idx, row in s.iterrows():
                label = idx if not isinstance(idx, tuple) else ", ".join(map(str, idx))
                cells = [latex_escape(label)] + [latex_escape(v) for v in row]
                out.append(" & ".join(cells) + r" \\")
            out.append(bottom)
            out.append(r"\end{tabular}")
        for note in self.notes:
            out.append(f"\\par{{\\footnotesize {latex_escape(note)}}}")
        out.append(r"\end{table}")
        return "\n".join(line for line in out if line)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


class SummaryMixin:
    """Gives ``__str__``, ``_repr_html_`` and a one-line ``__repr__`` to any object with a
    ``summary`` property: ``print(obj)`` and a notebook show the summary, ``repr(obj)`` the
    summary's title and first header entries."""

    summary: Summary

    def __repr__(self) -> str:
        s = self.summary
        pairs = ", ".join(f"{k} {_fmt(v, s.digits)}" for k, v in list(s.header)[:3])
        text = f"{s.title}" + (f" ({pairs})" if pairs else "")
        if len(text) > 150:
            text = text[:147] + "..."
        return f"<{type(self).__name__}: {text}>"

    def __str__(self) -> str:
        return self.summary.as_text()

    def _repr_html_(self) -> str:
        return self.summary.as_html()
