"""Specification of a proxy-variable production function: inputs, roles, terms, instruments.

Every input has a *role*:

``"free"``
    chosen in period t after productivity is known, without dynamic consequences (labour in
    Olley-Pakes and Levinsohn-Petrin; intelligent capital bought as a flow service, e.g.
    pay-per-use model access, with ``ic_role="free"``);
``"state"``
    a dynamic input decided in t-1 (capital; intelligent capital accumulated as a stock,
    :math:`Z_t = (1-\\delta_Z) Z_{t-1} + I^Z_{t-1}`, with ``ic_role="state"``);
``"flexible"``
    an intermediate input of a gross-output production function (materials), chosen in t.

The production function in logs is Cobb-Douglas, :math:`y = x'\\beta + \\omega + \\varepsilon`,
or translog, :math:`y = \\sum_j \\beta_j x_j + \\sum_{j \\le k} \\beta_{jk} x_j x_k + \\omega +
\\varepsilon`. Each *term* (an input, a square, an interaction) gets one instrument for the
moments :math:`E[\\xi_{it} z_{it}] = 0`: the term with its free and flexible factors lagged one
period and its state factors current (Ackerberg, Caves and Frazer 2015, section 4; De Loecker
and Warzynski 2012 for the translog), e.g. :math:`k_t`, :math:`l_{t-1}`, :math:`l_{t-1}k_t`,
:math:`l_{t-1}^2`.

Output elasticities: :math:`\\theta_j = \\beta_j` (Cobb-Douglas) and
:math:`\\theta_{j,it} = \\beta_j + 2\\beta_{jj}x_{j,it} + \\sum_{k \\ne j}\\beta_{jk}x_{k,it}`
(translog); returns to scale :math:`\\sum_j \\theta_j`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from intelcap._validation import check_choice
from intelcap.exceptions import SpecificationError

__all__ = ["FORMS", "ROLES", "Spec", "Term"]

FORMS = ("cobb_douglas", "translog")
ROLES = ("free", "state", "flexible")
OUTPUTS = ("value_added", "gross_output")


@dataclass(frozen=True)
class Term:
    """A production-function term: a product of one or two inputs."""

    factors: tuple[str, ...]
    roles: tuple[str, ...]

    @property
    def name(self) -> str:
        """The term's label: its factors joined by ``*`` (``"l*k"`` for an interaction)."""
        return "*".join(self.factors)

    @property
    def kind(self) -> str:
        """``"free"`` if any factor is free, else ``"flexible"`` if any is, else ``"state"``."""
        if "free" in self.roles:
            return "free"
        if "flexible" in self.roles:
            return "flexible"
        return "state"

    def value(self, cols: dict[str, np.ndarray]) -> np.ndarray:
        """The term evaluated on ``cols``: the product of its factors' columns."""
        out = np.ones_like(cols[self.factors[0]])
        for f in self.factors:
            out = out * cols[f]
        return out

    def instrument(self, cols: dict[str, np.ndarray], lag) -> np.ndarray:
        """Free/flexible factors lagged, state factors current."""
        out = np.ones_like(cols[self.factors[0]])
        for f, r in zip(self.factors, self.roles, strict=True):
            out = out * (cols[f] if r == "state" else lag(cols[f]))
        return out


@dataclass(frozen=True)
class Spec:
    """Inputs by role, the functional form and the output concept."""

    output: str
    inputs: tuple[str, ...]
    roles: dict[str, str]
    proxy: str
    form: str = "cobb_douglas"
    output_type: str = "value_added"
    intelligent_capital: str | None = None

    @classmethod
    def build(cls, output: str, free, state, proxy: str, flexible=None, *,
              intelligent_capital: str | None = None, ic_role: str = "state",
              form: str = "cobb_douglas", output_type: str = "value_added",
              proxy_is_input: bool = True) -> Spec:
        """Build a specification from the inputs by role, checking names and roles.

        Parameters
        ----------
        output : str
            Output column (log value added or log gross output).
        free, state, flexible : str or sequence of str
            Inputs by role (see the module docstring); ``flexible`` is optional.
        proxy : str
            The proxy column (investment in Olley-Pakes, an intermediate input in
            Levinsohn-Petrin and ACF).
        intelligent_capital : str, optional
            Column of intelligent capital, added as an input with role ``ic_role``.
        ic_role : {"state", "free"}
            Role of intelligent capital.
        form : {"cobb_douglas", "translog"}
            Functional form.
        output_type : {"value_added", "gross_output"}
            Output concept.
        proxy_is_input : bool
            For gross output without ``flexible``: whether the proxy is the flexible
            (intermediate) input (True) or not an input at all (False, Olley-Pakes's
            investment: an error).

        Returns
        -------
        Spec
        """
        check_choice("form", form, FORMS)
        check_choice("output_type", output_type, OUTPUTS)
        check_choice("ic_role", ic_role, ("state", "free"))

        def as_list(v, name):
            if v is None:
                return []
            if isinstance(v, str):
                return [v]
            v = list(v)
            if not all(isinstance(x, str) for x in v):
                raise SpecificationError(f"{name} must be a column name or a list of names")
            return v

        free_l, state_l = as_list(free, "free"), as_list(state, "state")
        flex_l = as_list(flexible, "flexible")
        if not isinstance(proxy, str):
            raise SpecificationError("proxy must be the name of one column")
        if output_type == "gross_output" and not flex_l:
            if proxy_is_input:
                flex_l = [proxy]
            else:
                raise SpecificationError(
                    "output_type='gross_output' needs the intermediate input(s) as "
                    "flexible=[...] (Olley-Pakes's proxy is investment, not an input)")
        if output_type == "value_added" and flex_l:
            raise SpecificationError(
                "flexible inputs enter a gross-output production function only; pass "
                "output_type='gross_output' or drop flexible=")
        if intelligent_capital is not None:
            (state_l if ic_role == "state" else free_l).append(intelligent_capital)
        if not state_l:
            raise SpecificationError("at least one state input (capital) is required")
        roles: dict[str, str] = {}
        for names, role in ((free_l, "free"), (state_l, "state"), (flex_l, "flexible")):
            for n in names:
                if n in roles:
                    raise SpecificationError(f"input {n!r} is given two roles "
                                             f"({roles[n]!r} and {role!r})")
                if n == output:
                    raise SpecificationError(f"input {n!r} is also the output")
                roles[n] = role
        if proxy in roles and roles[proxy] != "flexible":
            raise SpecificationError(f"the proxy {proxy!r} cannot also be a {roles[proxy]} input")
        return cls(output, tuple(roles), roles, proxy, form, output_type, intelligent_capital)

    def of_role(self, role: str) -> list[str]:
        """The inputs with role ``role`` (``"free"``, ``"state"`` or ``"flexible"``), in order."""
        return [n for n in self.inputs if self.roles[n] == role]

    @property
    def terms(self) -> list[Term]:
        """The production-function terms: every input, then (translog) squares and
        interactions."""
        ins = list(self.inputs)
        terms = [Term((n,), (self.roles[n],)) for n in ins]
        if self.form == "translog":
            for a in range(len(ins)):
                for b in range(a, len(ins)):
                    terms.append(Term((ins[a], ins[b]), (self.roles[ins[a]], self.roles[ins[b]])))
        return terms

    @property
    def columns(self) -> list[str]:
        """Every data column the specification uses: output, inputs and proxy, once each."""
        return list(dict.fromkeys([self.output, *self.inputs, self.proxy]))

    def elasticities(self, params: dict[str, float], cols: dict[str, np.ndarray]
                     ) -> dict[str, np.ndarray]:
        """Output elasticity of every input at every observation."""
        n = cols[self.output].shape[0]
        out = {}
        for j in self.inputs:
            e = np.full(n, params[j])
            for t in self.terms:
                if len(t.factors) == 2 and j in t.factors:
                    a, b = t.factors
                    if a == b:
                        e = e + 2 * params[t.name] * cols[j]
                    else:
                        e = e + params[t.name] * cols[b if a == j else a]
            out[j] = e
        return out
