r"""Bootstrap replications of threshold tests in fixed blocks, spread over Dask workers.

The :math:`B` replications of a bootstrap test are cut into :math:`J = \lceil B / b \rceil`
blocks of :math:`b` replications (the last one shorter), a layout that depends on :math:`B`
and :math:`b` only. Block :math:`j` draws from its own stream, seeded by the :math:`j`-th child
of ``numpy.random.SeedSequence(seed).spawn(J)`` (independent streams; O'Neill 2014), and runs
through the estimator's public API: ``model.fit(bootstrap=b_j, seed=Generator(child_j))``. The
p-value counts the exceedances over all blocks,

.. math::

    p = \frac{1}{B} \sum_{j=1}^{J} \sum_{r=1}^{b_j} 1\left(F^{*}_{jr} \ge F\right),

the rule of :class:`~intelcap.estimation.results.TestStatistic` (share of replications with a
statistic at least the observed one). Because the blocks and their seeds do not depend on
which worker runs them or in which order they finish, the same ``seed`` gives the same
replications, p-values and critical values on one process or on any number of Dask workers.
(It is a different, equally valid draw from the one ``fit(bootstrap=B, seed=seed)`` makes in
one stream.)

Hansen's tests: the fixed-regressor bootstrap of the test of no threshold (Hansen 1996, 2000;
:class:`~intelcap.estimation.ThresholdRegression`) and the residual bootstrap of the panel
threshold F tests (Hansen 1999; :class:`~intelcap.estimation.PanelThreshold`). With
:math:`B = 10^5` the Monte Carlo standard error of a p-value near 0.05 is
:math:`\sqrt{0.05 \cdot 0.95 / B} \approx 0.0007`.

References
----------
Hansen, B. E. (1996), "Inference when a nuisance parameter is not identified under the null
hypothesis", *Econometrica* 64(2), 413-430.
Hansen, B. E. (1999), "Threshold effects in non-dynamic panels: estimation, testing, and
inference", *Journal of Econometrics* 93(2), 345-368.
O'Neill, M. E. (2014), "PCG: a family of simple fast space-efficient statistically good
algorithms for random number generation", Harvey Mudd College HMC-CS-2014-0905 (the
SeedSequence design of numpy's generators).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from intelcap._validation import progress_bar
from intelcap.estimation.results import TestStatistic
from intelcap.exceptions import IntelcapTypeError, SpecificationError

__all__ = ["DEFAULT_BLOCK", "bootstrap_tests", "seed_blocks"]

#: Replications per block (a block is one task on a worker).
DEFAULT_BLOCK = 1000


def seed_blocks(reps: int, block: int, seed: int | np.random.SeedSequence
                | np.random.Generator) -> list[tuple[int, np.random.SeedSequence]]:
    """The fixed block layout: (replications, child SeedSequence) for each block.

    Parameters
    ----------
    reps : int
        Total replications :math:`B`.
    block : int
        Replications per block :math:`b`.
    seed : int, SeedSequence or Generator
        Root seed (a Generator gives one draw of a 128-bit root entropy).

    Returns
    -------
    list of (int, SeedSequence)
        :math:`\\lceil B/b \\rceil` blocks; the sizes sum to ``reps``.
    """
    for name, v in (("reps", reps), ("block", block)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise IntelcapTypeError(f"{name} must be an int, got {v!r}")
        if v < 1:
            raise SpecificationError(f"{name} must be >= 1, got {v}")
    if isinstance(seed, np.random.Generator):
        root = np.random.SeedSequence(int(seed.integers(0, 2**63)))
    elif isinstance(seed, np.random.SeedSequence):
        root = seed
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        root = np.random.SeedSequence(int(seed))
    else:
        raise IntelcapTypeError("seed must be an int, a numpy SeedSequence or Generator (a "
                                f"fixed seed is what makes blocks reproducible), got {seed!r}")
    n_blocks = -(-int(reps) // int(block))
    sizes = [int(block)] * (n_blocks - 1) + [int(reps) - int(block) * (n_blocks - 1)]
    return list(zip(sizes, root.spawn(n_blocks), strict=True))


def _with_reps(boot: Any, reps: int) -> Any:
    """The fit's ``bootstrap`` option with ``reps`` replications (int or config object)."""
    if boot is None or isinstance(boot, (int, np.integer)):
        return reps
    if dataclasses.is_dataclass(boot) and any(f.name == "reps" for f in dataclasses.fields(boot)):
        return dataclasses.replace(boot, reps=reps)
    raise IntelcapTypeError(f"fit_kwargs['bootstrap'] must be an int or a bootstrap "
                            f"configuration with a 'reps' field, got {boot!r}")


def _tests_of(res: Any) -> dict[str, TestStatistic]:
    """The bootstrap tests of a fitted result (public API only)."""
    f_tests = getattr(res, "f_tests", None)
    if isinstance(f_tests, Mapping):
        return dict(f_tests)
    test = getattr(res, "test", None)
    if isinstance(test, TestStatistic):
        return {"threshold": test}
    raise IntelcapTypeError(f"{type(res).__name__} exposes no bootstrap test (.f_tests or "
                            ".test)")


def _run_block(model: Any, fit_kwargs: dict[str, Any], reps: int,
               seed: np.random.SeedSequence) -> dict[str, tuple[Any, ...]]:
    """Fit with ``reps`` replications from ``seed``; (statistic, replications) per test."""
    kw = dict(fit_kwargs)
    kw["bootstrap"] = _with_reps(kw.get("bootstrap"), reps)
    kw["seed"] = np.random.default_rng(seed)
    kw["progress"] = False
    res = model.fit(**kw)
    out = {}
    for name, ts in _tests_of(res).items():
        reps_arr = getattr(ts, "replications", None)
        if reps_arr is None:
            raise SpecificationError(f"test {name!r} of {type(res).__name__} has no bootstrap "
                                     f"replications: {ts}")
        out[name] = (float(ts.stat), np.asarray(reps_arr, dtype=float), ts.null, ts.dist_name,
                     ts.name or name)
    return out


def bootstrap_tests(
    model: Any,
    reps: int,
    *,
    seed: int | np.random.SeedSequence | np.random.Generator,
    block: int = DEFAULT_BLOCK,
    fit_kwargs: Mapping[str, Any] | None = None,
    client: Any = None,
    progress: bool = False,
) -> dict[str, TestStatistic]:
    r"""Bootstrap p-values of a threshold model's tests with :math:`B` replications in blocks.

    .. math::

        p = \frac{1}{B} \sum_{j} \sum_{r} 1\left(F^{*}_{jr} \ge F\right)

    Parameters
    ----------
    model : ThresholdRegression or PanelThreshold
        The model (any object whose ``fit(bootstrap=..., seed=..., progress=...)`` returns a
        result with ``.test`` or ``.f_tests`` holding
        :class:`~intelcap.estimation.results.TestStatistic` objects with replications).
    reps : int
        Total replications :math:`B` (:math:`10^5` and more on a cluster).
    seed : int, SeedSequence or Generator
        Root seed; the block seeds are its children (:func:`seed_blocks`).
    block : int
        Replications per block :math:`b`. The layout, hence the result, depends on ``reps``,
        ``block`` and ``seed`` only, never on the number of workers.
    fit_kwargs : mapping, optional
        Other arguments of ``model.fit`` (``n_thresholds=2``, ``trim=...``, ``bootstrap=
        PanelBootstrap(scheme="wild")`` whose ``reps`` is replaced by the block's).
    client : distributed.Client or str, optional
        Run the blocks on this Dask cluster, or on the scheduler at this address (connected
        with :func:`intelcap.scale.cluster.connect` and closed afterwards); the model is sent
        to every worker once. ``None``: run them one after the other in this process, with the
        same result.
    progress : bool
        Show a progress bar over blocks.

    Returns
    -------
    dict of str -> TestStatistic
        One per test of the fit (``"threshold"`` for :class:`ThresholdRegression`;
        ``"single"``, ``"double"``, ... for :class:`PanelThreshold`), each with the observed
        statistic, the p-value above, the 10/5/1 % bootstrap critical values, all :math:`B`
        replications (``.reps`` = :math:`B`) and ``seed``.

    Examples
    --------
    >>> from distributed import Client, LocalCluster                   # doctest: +SKIP
    >>> with LocalCluster(n_workers=4) as cl, Client(cl) as client:    # doctest: +SKIP
    ...     tests = bootstrap_tests(PanelThreshold(y, x, q), 100_000, seed=7,
    ...                             fit_kwargs={"n_thresholds": 2}, client=client)
    """
    kwargs = dict(fit_kwargs or {})
    for k in ("seed", "progress"):
        if k in kwargs:
            raise SpecificationError(f"fit_kwargs must not set {k!r} (bootstrap_tests sets it)")
    blocks = seed_blocks(reps, block, seed)
    if isinstance(client, str):
        from intelcap.scale.cluster import connect

        with connect(client, option="client") as own:
            return bootstrap_tests(model, reps, seed=seed, block=block, fit_kwargs=kwargs,
                                   client=own, progress=progress)
    results: list[dict[str, tuple[Any, ...]] | None] = [None] * len(blocks)
    bar = progress_bar(total=len(blocks), desc="bootstrap blocks", progress=progress)
    try:
        if client is None:
            for j, (b, ss) in enumerate(blocks):
                results[j] = _run_block(model, kwargs, b, ss)
                bar.update(1)
        else:
            remote = client.scatter(model, broadcast=True)
            futures = [client.submit(_run_block, remote, kwargs, b, ss, pure=False,
                                     key=f"intelcap-bootstrap-block-{j}-{id(blocks)}")
                       for j, (b, ss) in enumerate(blocks)]
            try:
                for j, fut in enumerate(futures):  # collected in block order
                    results[j] = fut.result()
                    bar.update(1)
            finally:
                client.cancel(futures)
    finally:
        bar.close()
    return _combine_blocks(results, reps, seed)  # type: ignore[arg-type]


def _combine_blocks(results: list[dict[str, tuple[Any, ...]]], reps: int,
                    seed: Any) -> dict[str, TestStatistic]:
    first = results[0]
    out: dict[str, TestStatistic] = {}
    for name, (stat, _, null, dist_name, label) in first.items():
        boot = np.concatenate([r[name][1] for r in results])
        if boot.size != reps:  # pragma: no cover - a bug in a block layout
            raise SpecificationError(f"test {name!r}: {boot.size} replications, expected {reps}")
        others = np.array([r[name][0] for r in results])
        if not np.all(others == stat):
            j = int(np.flatnonzero(others != stat)[0])
            raise SpecificationError(
                f"test {name!r}: the observed statistic differs between blocks 0 and {j} "
                f"({stat!r} vs {others[j]!r}); the fit is not deterministic on this cluster "
                "(mixed numerical libraries on the workers?)")
        pval = float(np.count_nonzero(boot >= stat)) / reps
        crit = {lvl: float(np.quantile(boot, 1 - lvl)) for lvl in (0.10, 0.05, 0.01)}
        out[name] = TestStatistic(
            stat, pval, null=null,
            dist_name=f"{dist_name}; {reps} replications in {len(results)} seeded blocks",
            critical_values=crit, replications=boot, seed=seed, name=label)
    return out
