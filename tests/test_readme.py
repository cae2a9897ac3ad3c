"""The README runs as written, docstring examples run as doctests, and the package metadata
(licence, citation, version) is consistent.

- Every ```python block of README.md runs on its own (fresh interpreter, empty temporary
  folder): the blocks must be self-contained and use only the bundled datasets.
- Every ```bash block runs with bash in an empty temporary folder, except the install
  commands (``pip install ...``), which CI runs itself; ``intelcap`` and ``python`` there are
  this interpreter and this copy of intelcap.
- Every docstring example (``>>>``) of every intelcap module runs as a doctest.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import intelcap

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(lang: str) -> list[str]:
    return [code for kind, code in _BLOCK.findall(README.read_text(encoding="utf-8"))
            if kind == lang]


def _env(tmp_path: Path) -> dict[str, str]:
    """Environment of a README block: this interpreter and this intelcap first on the paths."""
    shims = tmp_path / ".bin"
    shims.mkdir()
    for name, args in (("python", ""), ("intelcap", " -m intelcap.cli")):
        shim = shims / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}"{args} "$@"\n')
        shim.chmod(0o755)
    env = dict(os.environ)
    pkg_parent = str(Path(intelcap.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
    env["PATH"] = os.pathsep.join([str(shims), env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    return env


def _run(cmd: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    work = tmp_path / "work"
    work.mkdir()
    return subprocess.run(cmd, cwd=work, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


PYTHON_BLOCKS = _blocks("python")
BASH_BLOCKS = [b for b in _blocks("bash") if "pip install" not in b]


def test_docstring_examples_are_collected():
    assert "intelcap.datasets.hansen1999" in MODULES and "intelcap.estimation.nls" in MODULES


def test_readme_has_the_blocks_it_should():
    assert len(PYTHON_BLOCKS) >= 4
    assert any("intelcap adjust" in b for b in BASH_BLOCKS)
    assert any("pip install . && intelcap adjust" in b for b in _blocks("bash"))
    assert any('pip install ".[test]" && pytest' in b for b in _blocks("bash"))


@pytest.mark.parametrize("code", PYTHON_BLOCKS,
                         ids=[f"python-{i}" for i in range(len(PYTHON_BLOCKS))])
def test_readme_python_block_runs(code: str, tmp_path: Path) -> None:
    done = _run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 0, f"README block failed:\n{code}\n--- stderr:\n{done.stderr}"


@pytest.mark.parametrize("code", BASH_BLOCKS, ids=[f"bash-{i}" for i in range(len(BASH_BLOCKS))])
def test_readme_bash_block_runs(code: str, tmp_path: Path) -> None:
    done = _run(["bash", "-euo", "pipefail", "-c", code], tmp_path)
    assert done.returncode == 0, f"README block failed:\n{code}\n--- stderr:\n{done.stderr}"
    if "intelcap adjust us-2022.toml" in code:
        revisions = (tmp_path / "work" / "revised-2022" / "revisions.csv").read_text()
        assert "2022" in revisions


def test_readme_bureau_example_matches_the_api(tmp_path: Path) -> None:
    """The bash example (10% of commodity 514 capitalized, BEA 2022) and the Python API give
    the same revised GDP."""
    import pandas as pd

    from intelcap.accounts import CapitalizationPolicy, capitalize
    from intelcap.datasets import bea_supply_use

    block = next(b for b in BASH_BLOCKS if "us-2022.toml" in b)
    done = _run(["bash", "-euo", "pipefail", "-c", block], tmp_path)
    assert done.returncode == 0, done.stderr
    rev = pd.read_csv(tmp_path / "work" / "revised-2022" / "revisions.csv")
    adj = capitalize(bea_supply_use.load(2022),
                     policy=CapitalizationPolicy(products=["514"], share=0.1, rate=0.33))
    gdp = adj.gdp()
    after = [c for c in rev.columns if "after" in c.lower()]
    assert after, rev.columns
    assert rev[after[0]].iloc[0] == pytest.approx(gdp["production"].iloc[0], rel=1e-12)


# ------------------------------------------------------------------------------------------
# docstring examples
# ------------------------------------------------------------------------------------------
def _modules() -> list[str]:
    """intelcap's modules whose source holds a docstring example (``>>>``)."""
    names = []
    for info in pkgutil.walk_packages(intelcap.__path__, "intelcap."):
        spec = importlib.util.find_spec(info.name)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            if ">>>" in Path(spec.origin).read_text(encoding="utf-8"):
                names.append(info.name)
    return sorted(names)


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder(exclude_empty=True).find(module, name)
             if t.examples]
    assert tests, f"{name}: '>>>' in the source but no doctest found"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for t in tests:
        runner.run(t, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)


# ------------------------------------------------------------------------------------------
# licence, citation, version
# ------------------------------------------------------------------------------------------
def test_licence_citation_and_version() -> None:
    from importlib.metadata import PackageNotFoundError, version

    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("BSD 3-Clause License") and "intelcap developers" in licence
    cff = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{intelcap.__version__}"' in cff
    assert "license: BSD-3-Clause" in cff
    assert re.fullmatch(r"\d+\.\d+\.\d+(\S*)?", intelcap.__version__)
    assert (Path(intelcap.__file__).parent / "py.typed").is_file()
    try:
        assert version("intelcap") == intelcap.__version__
    except PackageNotFoundError:  # running from a source tree that is not installed
        pass
