"""Benchmark of the perpetual inventory engine against its honest floor (issue 17, PIM row).

10^4 series x 100 periods, hyperbolic age-efficiency profile (BLS beta = 0.5) with Weibull
retirement (mean life 8, cv 0.35), mid-period timing, four measures (gross, net, productive
stock and CFC).

Floor: what the engine itself must do at least, one matrix product per profile -- the
investment matrix (series x periods) times the four upper-triangular Toeplitz matrices of the
measures' kernels side by side (``intelcap.accounts._pim_kernels.toeplitz``), the kernels and
the Toeplitz matrices built beforehand (not timed). The engine on top validates its input,
computes the age profiles, and returns pandas frames. The row-by-row ``np.convolve`` and the
batched FFT convolution of one measure are printed for reference (slower, or doing less), each as
paired ratios to the floor too. Why this is the floor: every stock is a causal convolution of
the investment with the measure's kernel, and for 100 periods one dense BLAS product with the
Toeplitz matrices is the cheapest way to compute all four (it beats an FFT and a row loop, see
the reference lines, and four separate products cost more than one wide one); the floor does
nothing else -- no checks, no kernels, no pandas.

Paired runs: each pair times the floor and the engine right after each other (one thread
each, threadpoolctl; the order alternates from pair to pair), ``PAIRS`` pairs; printed as
min / median / max of the ratio engine / floor, in wall-clock time (the goal statistic) and,
as a check on a loaded machine, in CPU time of the process. Goal: median <= 1.2x, and time
linear in the number of series (10x the series costs at most 11x).

Run: ``python benchmarks/bench_pim.py``. Prints ratios, not absolute times.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from intelcap.accounts._pim_kernels import kernels
from intelcap.accounts.pim import pim
from intelcap.accounts.profiles import get_profile
from intelcap.accounts.retirement import get_retirement

N_PERIODS = 100
OPTIONS = dict(profile="hyperbolic", beta=0.5, service_life=8.0, retirement="weibull", cv=0.35,
               timing="mid")


PAIRS = 9


CPU: list[float] = []  # CPU time of the last timed call (this process, all threads)


def timed(fn) -> float:
    """Wall-clock seconds of ``fn()``; its CPU seconds are left in ``CPU[0]``."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    CPU[:] = [time.process_time() - c0]
    return time.perf_counter() - t0


def main() -> None:
    from statistics import median

    from threadpoolctl import threadpool_limits

    from intelcap.accounts._pim_kernels import toeplitz

    rng = np.random.default_rng(20261128)
    n_big = 10_000
    x_big = rng.uniform(0.0, 100.0, (n_big, N_PERIODS))
    frame_big = pd.DataFrame(x_big.T, index=pd.RangeIndex(1925, 1925 + N_PERIODS, name="year"))
    frame_small = frame_big.iloc[:, : n_big // 10]

    kern = kernels(get_profile("hyperbolic", beta=0.5), get_retirement("weibull", 8.0, 0.35),
                   N_PERIODS, "mid", 0.04, 8.0)
    mat = toeplitz(kern[:, :N_PERIODS], N_PERIODS)       # (T, 4T): four products in one

    def floor(x=x_big):
        return x @ mat

    def engine(frame=frame_big):
        res = pim(frame, **OPTIONS)
        return res, res.net  # includes wrapping one measure back into pandas

    def loop(x=x_big):
        return np.array([np.convolve(row, kern[1])[:N_PERIODS] for row in x])

    def fft(x=x_big):
        fk = np.fft.rfft(kern[1], 256)
        return np.fft.irfft(np.fft.rfft(x, 256, axis=1) * fk, 256, axis=1)[:, :N_PERIODS]

    def stats(r: list[float]) -> str:
        return f"min {min(r):.2f}x  median {median(r):.2f}x  max {max(r):.2f}x"

    with threadpool_limits(1):
        res, _ = engine()
        ref = floor()[:, N_PERIODS:2 * N_PERIODS]
        err = float(np.max(np.abs(res.net.to_numpy().T - ref)) / np.max(np.abs(ref)))
        ratios, cpu, small, r_loop, r_fft = [], [], [], [], []
        floor()  # one untimed round of the floor as well (the engine's was the check above)
        for i in range(PAIRS):
            # the order within a pair alternates, so that neither side always runs second
            if i % 2 == 0:
                f = timed(floor)
                f_cpu = CPU[0]
                e = timed(engine)
                e_cpu = CPU[0]
            else:
                e = timed(engine)
                e_cpu = CPU[0]
                f = timed(floor)
                f_cpu = CPU[0]
            ratios.append(e / f)
            cpu.append(e_cpu / f_cpu)
            small.append(e / timed(lambda: engine(frame_small)))
            # the references, each paired with a floor run of its own
            r_loop.append(timed(loop) / timed(floor))
            r_fft.append(timed(fft) / timed(floor))
    print(f"{n_big} series x {N_PERIODS} periods, hyperbolic + Weibull, 4 measures, 1 thread, "
          f"{PAIRS} pairs")
    print("engine / floor (one matrix product of the investment by the 4 measures' Toeplitz "
          f"matrices): {stats(ratios)}  (goal: median <= 1.2x)")
    print(f"same, CPU time of the process (insensitive to other processes' load): {stats(cpu)}")
    print(f"for reference: row-by-row np.convolve of one measure / floor: {stats(r_loop)}")
    print(f"               batched FFT of one measure / floor:            {stats(r_fft)}")
    print(f"scaling: 10x the series costs {stats(small)}  (goal <= 11x)")
    print(f"agreement of the net stock with the floor: max relative difference {err:.1e}")


if __name__ == "__main__":
    main()
