"""Sphinx configuration of the intelcap documentation.

Build (warnings are errors, no network)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The API pages are generated at build time from each public sub-package's ``__all__`` (so a name
added to ``__all__`` appears without editing these sources), and the notebooks in ``notebooks/``
are copied in and rendered *without* being executed (the test suite executes them).
"""

from __future__ import annotations

import importlib
import inspect
import shutil
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import intelcap  # noqa: E402

project = "intelcap"
author = "intelcap developers"
copyright = "intelcap developers"  # noqa: A001
version = release = intelcap.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
html_theme = "alabaster"
html_static_path: list[str] = []
html_theme_options = {"description": "Macroeconomics of the token economy", "page_width": "1100px"}

# No network: nothing is fetched (no intersphinx); MathJax is only referenced by the HTML pages.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False

# Notebooks are executed by tests/test_notebooks.py, never by the documentation build.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "substitution"]
myst_substitutions = {"version": release}
myst_heading_anchors = 3

# The public sub-packages documented in the API reference, in reading order.
SUBPACKAGES = {
    "production": "Production functions with intelligent capital",
    "estimation": "Estimators and results",
    "accounts": "National accounts: capitalization, perpetual inventory, GDP",
    "datasets": "Datasets with provenance",
    "tokens": "Token-economy indicators",
    "prices": "Prices and index numbers",
    "welfare": "Welfare",
    "growth": "Growth with intelligent capital",
    "scale": "Bureau scale: invoice microdata, streaming and Dask",
}


def _kind(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return "modules"
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return "exceptions"
        return "classes"
    if callable(obj):
        return "functions"
    return "data"


_TITLES = {"classes": "Classes", "functions": "Functions", "modules": "Modules",
           "exceptions": "Exceptions", "data": "Constants and registries"}


def _api_page(name: str, title: str) -> str:
    """The reST of one sub-package page: its docstring, then autosummary over ``__all__``."""
    module = importlib.import_module(f"intelcap.{name}")
    groups: dict[str, list[str]] = {}
    for member in getattr(module, "__all__", []):
        obj = getattr(module, member)
        groups.setdefault(_kind(obj), []).append(member)
    heading = f"``intelcap.{name}``: {title}"
    lines = [heading, "=" * len(heading), "", f".. automodule:: intelcap.{name}",
             "   :no-members:", "", f".. currentmodule:: intelcap.{name}", ""]
    if not groups:
        lines += ["This sub-package exports no public names yet.", ""]
    for kind in ("classes", "functions", "modules", "exceptions", "data"):
        members = groups.get(kind)
        if not members:
            continue
        if kind == "modules":
            # a page per sub-module written here (autosummary does not resolve modules that are
            # attributes of the current module)
            lines += [_TITLES[kind], "-" * len(_TITLES[kind]), "", ".. toctree::", "   :hidden:",
                      ""]
            lines += [f"   modules/intelcap.{name}.{member}" for member in members]
            lines.append("")
            for member in members:
                doc = inspect.getdoc(getattr(module, member)) or ""
                first = doc.strip().split("\n\n")[0].replace("\n", " ")
                lines.append(f"* :mod:`intelcap.{name}.{member}`" + (f": {first}" if first else ""))
            lines.append("")
            continue
        template = {"classes": "class.rst", "exceptions": "class.rst"}.get(kind, "base.rst")
        lines += [_TITLES[kind], "-" * len(_TITLES[kind]), "", ".. autosummary::",
                  "   :toctree: generated", f"   :template: {template}", ""]
        lines += [f"   {member}" for member in members]
        lines.append("")
    return "\n".join(lines)


def _generate() -> None:
    api = DOCS / "api"
    # stubs of names no longer exported (or generated from an older template) must not survive
    shutil.rmtree(api / "generated", ignore_errors=True)
    shutil.rmtree(api / "modules", ignore_errors=True)
    (api / "modules").mkdir(parents=True)
    for name, title in SUBPACKAGES.items():
        text = _api_page(name, title)
        path = api / f"{name}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        module = importlib.import_module(f"intelcap.{name}")
        for member in getattr(module, "__all__", []):
            if isinstance(getattr(module, member), types.ModuleType):
                full = f"intelcap.{name}.{member}"
                (api / "modules" / f"{full}.rst").write_text(
                    f"``{full}``\n{'=' * (len(full) + 4)}\n\n.. automodule:: {full}\n"
                    "   :members:\n")
    # The notebooks live in notebooks/ (outside the Sphinx source folder): copy them in.
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        copy = target / notebook.name
        if not copy.exists() or copy.read_bytes() != notebook.read_bytes():
            shutil.copyfile(notebook, copy)


# Generated before Sphinx reads any source, so autosummary sees the pages (both folders are
# build products, ignored by git).
_generate()
