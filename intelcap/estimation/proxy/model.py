"""The front door :class:`ProxyProduction` and the two-step estimators OP, LP and ACF.

.. math::

    y_{it} = x_{it}'\\beta + \\omega_{it} + \\varepsilon_{it}, \\qquad
    \\omega_{it} = g(\\omega_{i,t-1}) + \\xi_{it}, \\qquad
    p_{it} = h_t(s_{it}, \\omega_{it}) \\text{ strictly increasing in } \\omega_{it}.

Two steps (module :mod:`~intelcap.estimation.proxy.first_stage`, then
:mod:`~intelcap.estimation.proxy._core`):

* **Olley and Pakes (1996)** (proxy: investment) and **Levinsohn and Petrin (2003)** (proxy:
  materials): the first stage :math:`y = x^{f\\prime}\\beta_f + \\Phi(s, p) + \\varepsilon`
  identifies the free-input terms :math:`\\beta_f` and :math:`\\hat\\Phi`; the second stage
  minimises :math:`\\sum (y - x^{f\\prime}\\hat\\beta_f - x^{s\\prime}\\beta_s -
  \\hat g(\\hat\\Phi_{t-1} - x^{s\\prime}_{t-1}\\beta_s))^2` over the state terms, with
  :math:`\\hat g` the series regression of :math:`\\hat\\Phi_t - x^{s\\prime}_t\\beta_s` on a
  polynomial of its lag (the algorithm of Stata's ``levpet`` and R's ``prodest``). Flexible
  inputs of a gross-output function are estimated in the second stage by GMM with their lags
  as instruments (Levinsohn and Petrin 2003, section 4). ``exit=True`` adds Olley and Pakes's
  selection correction: :math:`g` becomes a polynomial in :math:`\\omega_{t-1}` and the
  survival probability :math:`\\hat P_t`, the fitted value of a probit of survival from
  :math:`t-1` to :math:`t` on a polynomial of the lagged state inputs and proxy. A firm
  survives into t if it is observed in t; its last period before the panel's last year is an
  exit (as R's ``prodest``); the probit is not re-estimated in bootstrap replications.
* **Ackerberg, Caves and Frazer (2015)**: the first stage
  :math:`y = \\Phi(x, p) + \\varepsilon` identifies no coefficient; all of :math:`\\beta` solve
  the moments :math:`E[\\xi_{it}(\\beta) z_{it}] = 0` with
  :math:`z = (k_t, l_{t-1}, \\ldots)` (see :mod:`~intelcap.estimation.proxy.spec`).

Starting values are deterministic: the OLS coefficients of :math:`y` on the production terms and
a constant; for ACF first a neutral start (the OLS returns to scale shared equally by the
inputs, second-order terms zero: neither OLS's simultaneity bias nor LP's collapse under ACF's
functional dependence), then the Levinsohn-Petrin estimate of the same model, then OLS. User starts
(``start=``) are tried first and the deterministic ones after them; the converged solution with
the lowest criterion is reported, and when several distinct solutions were found a
:class:`~intelcap.estimation.proxy.ProxyWarning` says so and ``local_optima`` lists them (ACF's
moment conditions can have more than one root). Among exact roots (ties of a just-identified
criterion) the estimate is the one with the most persistent productivity, the largest share
:math:`1 - \\mathrm{var}(\\hat\\xi)/\\mathrm{var}(\\hat\\omega)` of productivity's
variance explained by its law of motion (``persistence`` in ``local_optima``). The proxy
approach presumes a persistent Markov productivity; a spurious root turns
:math:`\\omega(\\beta)` into (nearly) serially uncorrelated noise, whose innovations are
orthogonal to any lagged instrument and so satisfy the moments trivially: in ACF's own Monte
Carlo designs a second exact root near :math:`\\beta_l = 1, \\beta_k = 0` explains under 1 %
of its productivity's variance against about 45 % for the root near the truth.

Standard errors come from a block bootstrap over firms (``bootstrap=`` replications,
``seed=``): a firm drawn :math:`c` times gets weight :math:`c` on all its rows, which keeps every
lag inside its firm; all replications of the first stage are one matrix product and all second
stages are solved together by a batched Levenberg-Marquardt started at the estimate.
Replications whose second stage does not converge are excluded and counted.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from intelcap._validation import as_generator, check_choice, progress_bar
from intelcap.estimation.proxy._core import SecondStage, batched_lm, solve_single
from intelcap.estimation.proxy.data import ProxyWarning, prepare_panel
from intelcap.estimation.proxy.first_stage import FirstStage, polynomial
from intelcap.estimation.proxy.results import ProxyProductionResults
from intelcap.estimation.proxy.spec import Spec
from intelcap.exceptions import ConvergenceWarning, DataError, SpecificationError

__all__ = ["METHODS", "ProxyProduction"]

METHODS = ("op", "lp", "acf", "wooldridge")


def _survival_probability(sample, state: list[str], proxy: str, degree: int
                          ) -> tuple[np.ndarray, str]:
    """Olley-Pakes survival probit; returns P_hat for every row (NaN without a lag)."""
    last = sample.time.max()
    n = sample.nobs
    nxt = np.full(n, -1)
    has = sample.lag_pos >= 0
    nxt[sample.lag_pos[has]] = np.flatnonzero(has)
    at_risk = sample.time < last
    survive = (nxt >= 0).astype(float)
    V = np.column_stack([sample.col(c) for c in [*state, proxy]])
    mu, sd = V.mean(axis=0), V.std(axis=0)
    H, _ = polynomial((V - mu) / np.where(sd > 0, sd, 1), degree)
    H = np.column_stack([np.ones(n), H])
    Xp, yp = H[at_risk], survive[at_risk]
    n_exit = int((yp == 0).sum())
    if n_exit == 0 or n_exit == yp.size:
        raise DataError("exit=True: no firm leaves the panel before its last period (or all "
                        "do); the survival probit cannot be estimated")

    def nll(b):
        z = Xp @ b
        return -(yp * stats.norm.logcdf(z) + (1 - yp) * stats.norm.logsf(z)).sum()

    def grad(b):
        z = Xp @ b
        lam1 = np.exp(stats.norm.logpdf(z) - stats.norm.logcdf(z))
        lam0 = np.exp(stats.norm.logpdf(z) - stats.norm.logsf(z))
        return -Xp.T @ (yp * lam1 - (1 - yp) * lam0)

    res = optimize.minimize(nll, np.zeros(H.shape[1]), jac=grad, method="BFGS",
                            options={"gtol": 1e-8, "maxiter": 2000})
    p_row = stats.norm.cdf(H @ res.x)  # survival prob from t to t+1 given row t's variables
    out = np.full(n, np.nan)
    out[has] = p_row[sample.lag_pos[has]]
    note = (f"exit correction: survival probit on {int(at_risk.sum())} firm-years, "
            f"{n_exit} exits (last period before {last})")
    if not res.success:
        note += f"; the probit did not converge ({res.message})"
    return out, note


def _optima_table(reports, names, persist=None) -> pd.DataFrame:
    """End points of every start (start values, estimates, criterion, converged)."""
    rows = []
    for r in reports:
        row = {f"start {n}": v for n, v in zip(names, r.start, strict=True)}
        row.update(dict(zip(names, r.x, strict=True)))
        row.update({"criterion": r.criterion, "converged": r.converged})
        if persist:
            row["persistence"] = persist.get(len(rows), np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


class ProxyProduction:
    """Proxy-variable estimation of a firm-level production function.

    Parameters
    ----------
    data : DataFrame
        Panel indexed by (entity, time), with logs of output, inputs and the proxy
        (:mod:`~intelcap.estimation.proxy.data` says how gaps and one-period firms are handled).
    output : str
        Log output: value added or gross output (``output_type``).
    free : str or list of str
        Free inputs (labour).
    state : str or list of str
        State inputs (capital).
    proxy : str
        The proxy: log investment (OP) or log materials (LP, ACF, Wooldridge).
    method : {"op", "lp", "acf", "wooldridge"}
    flexible : str or list of str, optional
        Intermediate inputs of a gross-output function; default the proxy for LP, ACF and
        Wooldridge.
    intelligent_capital : str, optional
        Log intelligent capital, entered as a further ``"state"`` input (an accumulated stock,
        like K) or a ``"free"`` input (a flow service, like L) as ``ic_role`` says.
    form : {"cobb_douglas", "translog"}
    output_type : {"value_added", "gross_output"}
    poly_order : int
        Total degree of the first-stage polynomial (default 3; R's prodest vignette uses 2).
    lom_order : int
        Order of the polynomial law of motion :math:`g` (default 3).
    exit : bool
        Olley-Pakes selection correction (OP and LP).
    missing : {"raise", "drop"}

    Examples
    --------
    >>> res = ProxyProduction(df, "y", free="l", state="k", proxy="m", method="acf").fit()
    ... # doctest: +SKIP
    """

    def __init__(self, data: pd.DataFrame, output: str, *, free, state, proxy: str,
                 method: str = "acf", flexible=None, intelligent_capital: str | None = None,
                 ic_role: str = "state", form: str = "cobb_douglas",
                 output_type: str = "value_added", poly_order: int = 3, lom_order: int = 3,
                 exit: bool = False, missing: str = "raise") -> None:
        check_choice("method", method, METHODS)
        for name, v in (("poly_order", poly_order), ("lom_order", lom_order)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise SpecificationError(f"{name} must be a positive integer, got {v!r}")
        if exit and method == "wooldridge":
            raise SpecificationError("exit=True is available for 'op', 'lp' and 'acf'")
        self.method = method
        self.spec = Spec.build(output, free, state, proxy, flexible,
                               intelligent_capital=intelligent_capital, ic_role=ic_role,
                               form=form, output_type=output_type,
                               proxy_is_input=method != "op")
        self.poly_order = int(poly_order)
        self.lom_order = int(lom_order)
        self.exit = bool(exit)
        self.data = data
        self.sample = prepare_panel(data, self.spec.columns, proxy=proxy, missing=missing)

    # -- building blocks ------------------------------------------------------------------
    def _terms(self):
        return self.spec.terms

    def _ols_start(self) -> pd.Series:
        s = self.sample
        terms = self._terms()
        X = np.column_stack([np.ones(s.nobs)] + [t.value(s.values) for t in terms])
        b = np.linalg.lstsq(X, s.col(self.spec.output), rcond=None)[0]
        return pd.Series(b[1:], index=[t.name for t in terms])

    def _setup(self):
        """First stage and second-stage problem (arrays shared by the fit and the bootstrap)."""
        s, spec = self.sample, self.spec
        terms = self._terms()
        y = s.col(spec.output)
        two_step = self.method in ("op", "lp")
        first_terms = [t for t in terms if t.kind == "free"] if two_step else []
        second_terms = [t for t in terms if t not in first_terms]
        poly_names = (spec.of_role("state") + spec.of_role("flexible") if two_step
                      else list(spec.inputs))
        poly_names = list(dict.fromkeys([*poly_names, spec.proxy]))
        lin = (np.column_stack([t.value(s.values) for t in first_terms]) if first_terms
               else np.empty((s.nobs, 0)))
        V = np.column_stack([s.col(c) for c in poly_names])
        fs = FirstStage(y, lin, V, self.poly_order, s.entity, [t.name for t in first_terms],
                        poly_names)
        rows = np.flatnonzero(s.has_lag)
        X = np.column_stack([t.value(s.values) for t in second_terms])
        Xl = s.lag(X)[rows]
        Zfull = np.column_stack([t.instrument(s.values, s.lag) for t in second_terms])
        has_flex = any(t.kind == "flexible" for t in second_terms)
        kind = "gmm" if (self.method == "acf" or has_flex) else "nls"
        exit_p, note = None, None
        if self.exit:
            exit_p, note = _survival_probability(s, spec.of_role("state"), spec.proxy,
                                                 min(self.poly_order, 3))
            exit_p = exit_p[rows]
        Z = Zfull[rows] if kind == "gmm" else None
        if Z is not None and not np.all(np.isfinite(Z)):
            raise DataError("an instrument is missing on a row with a previous period")
        stage = SecondStage(X[rows], Xl, Z, self.lom_order, exit_p, kind)
        return fs, lin, first_terms, second_terms, rows, stage, note

    def _pieces(self, fs, lin, rows, fitted, lin_coef):
        """phi, phi lag, eps on second-stage rows (B, m) for B weightings."""
        s = self.sample
        linpart = fs.linear_part(lin, lin_coef)
        phi_all = fitted - linpart
        phi = phi_all[:, rows]
        phil = phi_all[:, s.lag_pos[rows]]
        eps = None
        if self.method in ("op", "lp"):
            eps = (s.col(self.spec.output)[None, rows] - fitted[:, rows])
        return phi, phil, eps, phi_all

    def _default_starts(self, names2, ols) -> list[np.ndarray]:
        """Deterministic starts (OP, LP: OLS; ACF: neutral, LP estimate, OLS; module docstring)."""
        starts = []
        if self.method == "acf":
            # a neutral start: the OLS returns to scale shared equally by the inputs
            inputs = list(self.spec.inputs)
            neutral = pd.Series(0.0, index=names2)
            neutral[inputs] = float(ols[inputs].sum()) / len(inputs)
            starts.append(neutral.to_numpy())
            lp = ProxyProduction.__new__(ProxyProduction)
            lp.__dict__.update(self.__dict__)
            lp.method = "lp"
            lp.exit = False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    r = lp.fit(progress=False)
                    if np.all(np.isfinite(r.params.to_numpy())):
                        starts.append(r.params[names2].to_numpy())
                except (np.linalg.LinAlgError, DataError, SpecificationError):
                    pass
        starts.append(ols[names2].to_numpy())
        return starts

    # -- fit ------------------------------------------------------------------------------
    def fit(self, *, start=None, bootstrap: int = 0, seed: int | np.random.Generator | None = None,
            progress: bool = True, step_rtol: float = 1e-7, **options: Any
            ) -> ProxyProductionResults:
        """Estimate; see the class and module docstrings.

        Parameters
        ----------
        start : mapping, Series or list of them, optional
            Starting values of the second-stage parameters (default: the OLS coefficients,
            so the estimate is deterministic). With a list, the second stage is solved from
            every start and the converged solution with the lowest criterion is reported. The
            OLS start is always tried as well (last), so a start that ends in a spurious local
            minimum cannot make the estimate depend on it;
            ``local_optima`` on the result lists every end point.
        bootstrap : int
            Block-bootstrap replications over firms for the standard errors (0: none).
        seed : int or Generator, optional
            Seed of the bootstrap.
        progress : bool
            Show a progress bar during the bootstrap.
        step_rtol : float
            Convergence tolerance of the second stage (relative Gauss-Newton step).
        **options
            Wooldridge only: ``weight``, ``law_of_motion``, ``free_instruments``.
        """
        if self.method == "wooldridge":
            from intelcap.estimation.proxy.wooldridge import fit_wooldridge

            return fit_wooldridge(self, **options)
        if options:
            raise SpecificationError(f"unknown fit option(s) {sorted(options)} for method "
                                     f"{self.method!r}")
        if not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
            raise SpecificationError(f"bootstrap must be a non-negative integer, got "
                                     f"{bootstrap!r}")
        s, spec = self.sample, self.spec
        fs, lin, first_terms, second_terms, rows, stage, note = self._setup()
        m = rows.size
        fitted, lin_coef = fs.fit(None)
        phi, phil, eps, phi_all = self._pieces(fs, lin, rows, fitted, lin_coef)
        w1 = np.ones((1, m))
        L1 = stage.weights_factor(w1)
        names2 = [t.name for t in second_terms]
        ols = self._ols_start()
        starts: list[np.ndarray] = []
        if start is not None:
            many = isinstance(start, (list, tuple)) and start and not np.isscalar(start[0])
            starts = []
            for st in (start if many else [start]):
                st = pd.Series(st, dtype=float)
                missing_ = [n for n in names2 if n not in st.index]
                if missing_:
                    raise SpecificationError(f"start lacks value(s) for {missing_}; the second "
                                             f"stage estimates {names2}")
                starts.append(st[names2].to_numpy())
        auto = self._default_starts(names2, ols)
        starts.extend(auto)  # the deterministic starts are always tried

        def fun1(b):
            return stage.vector(b, phi, phil, w1, eps[:1] if eps is not None else None, L1)

        rep, reports = solve_single(fun1, starts, step_rtol=step_rtol)
        x0 = rep.start
        def persistence(x):
            xi = stage.xi(x[None, :], phi, phil, w1)[0]
            om = phi[0] - stage.X @ x
            return 1.0 - float(xi.var() / om.var()) if om.var() > 0 else np.nan

        roots = []
        for r in reports:
            if r.converged and not any(np.max(np.abs(r.x - q.x)) < 1e-6 for q in roots):
                roots.append(r)
        multi_note = None
        persist = {}
        if len(roots) > 1:
            low = min(r.criterion for r in roots)
            tied = [r for r in roots if r.criterion <= low * (1 + 1e-10) + 1e-20]
            persist = {i: persistence(r.x) for i, r in enumerate(reports) if r.converged}
            if len(tied) > 1:
                pos = {id(r): i for i, r in enumerate(reports)}
                rep = max(tied, key=lambda r: persist[pos[id(r)]])
                x0 = rep.start
            multi_note = (f"the second-stage criterion has {len(roots)} distinct solutions among "
                          f"the {len(reports)} starts tried (see local_optima); the estimate is "
                          "the one with the lowest criterion and, among exact ties (roots of "
                          "just-identified moments), the most persistent productivity (largest "
                          "share of var(omega) explained by the law of motion)")
            warnings.warn(multi_note, ProxyWarning, stacklevel=2)
        beta2 = rep.x
        names = [t.name for t in first_terms] + names2
        params = pd.Series(np.r_[lin_coef[0], beta2], index=names, name="parameter")
        order = [t.name for t in self._terms()]
        params = params[order]
        X_all = np.column_stack([t.value(s.values) for t in second_terms])
        omega = phi_all[0] - X_all @ beta2
        eps_all = s.col(spec.output) - fitted[0]
        extra = [x for x in (note, multi_note) if x]
        cov, boot, failed = None, None, 0
        if bootstrap:
            boot, failed = self._bootstrap(fs, lin, rows, stage, beta2, int(bootstrap), seed,
                                           progress)
            boot = pd.DataFrame(boot, columns=names)[order].to_numpy()
            if boot.shape[0] > 1:
                cov = pd.DataFrame(np.cov(boot, rowvar=False).reshape(len(order), len(order)),
                                   index=order, columns=order)
            if failed:
                warnings.warn(f"{failed} of {bootstrap} bootstrap replications did not "
                              "converge and were excluded from the standard errors",
                              ConvergenceWarning, stacklevel=2)
        if not rep.converged:
            warnings.warn(f"{self.method.upper()} second stage did not converge: {rep.reason}. "
                          "The estimates are not a verified optimum of the criterion.",
                          ConvergenceWarning, stacklevel=2)
        options_out = {"poly_order": self.poly_order, "lom_order": self.lom_order,
                       "exit": self.exit, "criterion": stage.kind}
        return ProxyProductionResults(
            params, cov, method=self.method, spec=spec, sample=s, omega=omega, eps=eps_all,
            n_second=m, converged=rep.converged, convergence_reason=rep.reason,
            criterion=rep.criterion, start=pd.Series(x0, index=names2), options=options_out,
            boot=boot, boot_failed=failed, seed=seed,
            cov_type="block bootstrap (firms)" if bootstrap else "none (bootstrap=0)",
            extra_notes=extra, data=self.data,
            local_optima=_optima_table(reports, names2, persist))

    def _bootstrap(self, fs, lin, rows, stage, beta_hat, reps, seed, progress, chunk=100):
        s = self.sample
        rng = as_generator(seed)
        F = s.n_entities
        out, failed = [], 0
        bar = progress_bar(total=reps, desc=f"{self.method.upper()} bootstrap",
                           progress=progress)
        done = 0
        while done < reps:
            b = min(chunk, reps - done)
            draws = rng.integers(0, F, size=(b, F))
            counts = np.zeros((b, F))
            np.add.at(counts, (np.repeat(np.arange(b), F), draws.ravel()), 1.0)
            fitted, lin_coef = fs.fit(counts)
            phi, phil, eps, _ = self._pieces(fs, lin, rows, fitted, lin_coef)
            w = counts[:, s.entity[rows]]
            L = stage.weights_factor(w)
            # each replication on the rows of the firms it drew (about 63 % of them), padded
            # with rows of weight zero, which add nothing to any weighted sum
            drawn = w > 0
            pos = np.argsort(~drawn, axis=1, kind="stable")[:, :int(drawn.sum(axis=1).max())]
            bi = np.arange(b)[:, None]
            st = stage.gather(pos)
            phi, phil, w = phi[bi, pos], phil[bi, pos], w[bi, pos]
            eps = None if eps is None else eps[bi, pos]
            cache: dict[bytes, tuple] = {}

            def fun(beta, idx, phi=phi, phil=phil, eps=eps, w=w, L=L, st=st, cache=cache):
                if idx.size == phi.shape[0]:
                    return st.vector(beta, phi, phil, w, eps, L)
                # the active set changes only every few iterations: gather its rows once
                key = idx.tobytes()
                if key not in cache:
                    if len(cache) >= 2:
                        cache.pop(next(iter(cache)))
                    cache[key] = (st.take(idx), phi[idx], phil[idx], w[idx],
                                  None if eps is None else eps[idx],
                                  None if L is None else L[idx])
                sub, *args = cache[key]
                return sub.vector(beta, *args)

            beta0 = np.repeat(beta_hat[None, :], b, axis=0)
            beta, _, conv = batched_lm(fun, beta0)
            est = np.column_stack([lin_coef, beta])
            failed += int((~conv).sum())
            out.append(est[conv])
            done += b
            bar.update(b)
        bar.close()
        res = np.vstack(out) if out else np.empty((0, beta_hat.size))
        if res.shape[0] < 2:
            warnings.warn("fewer than two bootstrap replications converged; no standard errors",
                          ProxyWarning, stacklevel=3)
        return res, failed
