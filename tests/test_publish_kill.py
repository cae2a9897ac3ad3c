"""Kill and concurrency tests of the output publishing (issue 19, items 2-4; acceptance).

Subprocesses, bounded in count and time: SIGKILL at random (seeded) moments leaves nothing
partial visible and the next run succeeds byte-identically; of two runs on one --out without
--overwrite exactly one succeeds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from intelcap.datasets import bundled_data_dir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and flock are POSIX")

EXAMPLE = bundled_data_dir() / "example"
ROOT = Path(__file__).resolve().parents[1]


def env() -> dict[str, str]:
    e = os.environ.copy()
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), e.get("PYTHONPATH", "")])
    return e


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def visible(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if not p.name.startswith("."))


def adjust(config: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "intelcap.cli", "adjust", str(config),
                             "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())


@pytest.fixture
def work(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(EXAMPLE / "tables.csv", inp / "tables.csv")
    shutil.copy(EXAMPLE / "config.toml", inp / "config.toml")
    return inp


# ------------------------------------------------------------------------------------------
# the publishing mechanism alone, killed at random points of a write-and-swap loop
# ------------------------------------------------------------------------------------------
LOOP = textwrap.dedent("""
    import sys
    from pathlib import Path
    from intelcap._publish import output_folder
    out = Path(sys.argv[1])
    i = 0
    while True:
        i += 1
        with output_folder(out, overwrite=True) as folder:
            for k in range(40):
                (folder.tmp / f"f{k:02d}.txt").write_text(f"{i}\\n" * 2000)
        print(i, flush=True)
""")


def test_sigkill_during_repeated_overwrites_never_shows_a_partial_folder(tmp_path):
    rng = np.random.default_rng(19)
    out = tmp_path / "parent" / "out"
    out.parent.mkdir()
    script = tmp_path / "loop.py"
    script.write_text(LOOP)
    for _trial in range(10):
        proc = subprocess.Popen([sys.executable, str(script), str(out)], env=env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "1"   # at least one publish done
            time.sleep(float(rng.uniform(0.0, 0.4)))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        # what a reader sees: `out` complete (one iteration in all 40 files) or the old one
        if out.exists():
            files = sorted(p.name for p in out.iterdir())
            assert files == [f"f{k:02d}.txt" for k in range(40)]
            texts = {(out / f).read_text() for f in files}
            assert len(texts) == 1
            assert next(iter(texts)).count("\n") == 2000
        else:
            # killed between 'rename aside' and 'rename in' (platforms without an atomic
            # exchange): the old output is in an aside and comes back on the next start
            assert [p for p in out.parent.iterdir() if p.name.startswith(".out.old-")]
        assert visible(out.parent) in ([], ["out"])
    # the next run recovers, sweeps every stale temporary and publishes
    from intelcap._publish import output_folder

    with output_folder(out, overwrite=True) as folder:
        (folder.tmp / "done.txt").write_text("ok")
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
    assert (out / "done.txt").read_text() == "ok"


# ------------------------------------------------------------------------------------------
# intelcap adjust, killed at random moments
# ------------------------------------------------------------------------------------------
def test_sigkill_of_adjust_then_rerun_is_byte_identical(work, tmp_path):
    rng = np.random.default_rng(2026)
    parent = tmp_path / "runs"
    parent.mkdir()
    out = parent / "out"
    # the reference, at the same place (the manifest names inputs relative to the output)
    t0 = time.perf_counter()
    proc = adjust(work / "config.toml", out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    duration = time.perf_counter() - t0
    expected = digest(out)
    before = digest(work)
    for trial in range(3):
        fresh = trial == 0             # the first trial has no previous output
        if fresh:
            shutil.rmtree(out)
        proc = adjust(work / "config.toml", out, *([] if fresh else ["--overwrite"]))
        time.sleep(float(rng.uniform(0.3, 1.0)) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        # nothing partial is visible: `out` is absent (fresh) or complete
        assert visible(parent) in ([], ["out"])
        if out.exists():
            assert digest(out) == expected
        else:
            assert fresh
        assert digest(work) == before
        # the next run succeeds and gives the same bytes
        proc = adjust(work / "config.toml", out, "--overwrite")
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert digest(out) == expected
        assert sorted(p.name for p in parent.iterdir()) == ["out"]


def test_two_runs_on_one_out_exactly_one_succeeds(work, tmp_path):
    for pair in range(2):
        out = tmp_path / f"out{pair}"
        a = adjust(work / "config.toml", out)
        b = adjust(work / "config.toml", out)
        ra, rb = a.communicate(timeout=300), b.communicate(timeout=300)
        codes = sorted([a.returncode, b.returncode])
        assert codes == [0, 2], (ra, rb)
        loser = ra[1] if a.returncode else rb[1]
        assert ("another intelcap run is writing" in loser or "already exists" in loser), loser
        assert loser.count("\n") == 1 and "Traceback" not in loser
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(
            (f"out{pair}", f".out{pair}"))) == [f"out{pair}"]
