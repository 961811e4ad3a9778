"""The type checker, as CI runs it: mypy over the package with the project's
configuration (pyproject.toml's [tool.mypy]), strict except the modules
listed there as not yet typed."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from pathlib import Path

import mypy  # noqa: F401  (part of the `test` extra: missing, this file fails to import, loudly)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: mypy itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

# The core modules: strict, and no override may relax them.
CORE = (
    "nurturedsl",
    "nurturedsl.source",
    "nurturedsl.policy",
    "nurturedsl.graph",
    "nurturedsl.nodes",
    "nurturedsl.ir",
    "nurturedsl.irmodel",
    "nurturedsl.vocabulary",
    "nurturedsl.gcpause",
    "nurturedsl.syntax",
    "nurturedsl.files",
    "nurturedsl.lint.dataflow",
    "nurturedsl.lint.registry",
    "nurturedsl.lint.rule",
    "nurturedsl.diagnostics",
    "nurturedsl.lint.config",
    "nurturedsl.lint.command",
    "nurturedsl.lint.report",
    "nurturedsl.sim.contact",
    "nurturedsl.sim.describe",
    "nurturedsl.sim.checkir",
    "nurturedsl.lint.catalogue",
    "nurturedsl.lint.engine",
    "nurturedsl.render",
    "nurturedsl.render.dot",
    "nurturedsl.render.html",
    "nurturedsl.render.mermaid",
    "nurturedsl.render.overlay",
    "nurturedsl.render.simoverlay",
    "nurturedsl.render.command",
    "nurturedsl.cli",
    "nurturedsl.model",
    "nurturedsl.programme",
    "nurturedsl.load",
    "nurturedsl.check",
    "nurturedsl.units",
    "nurturedsl.syntax_errors",
    "nurturedsl.render.diagram",
    "nurturedsl.render.overview",
    "nurturedsl.render.words",
    "nurturedsl.sim.engine",
    "nurturedsl.sim.nodes",
    "nurturedsl.sim.programme",
)


def _config() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["mypy"]


def _matches(pattern: str, module: str) -> bool:
    # mypy's `a.b.*` covers `a.b` itself and everything under it
    if pattern.endswith(".*") and module == pattern[:-2]:
        return True
    return fnmatch.fnmatchcase(module, pattern)


def _modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "nurturedsl").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_package_type_checks() -> None:
    # Run from the top of the checkout, as a developer runs `mypy`: the
    # configuration's `files` and the default cache (.mypy_cache, ignored by
    # git) are there. In a process of its own, not `mypy.api.run`: in this
    # one mypy's global state would keep a million objects alive for the rest
    # of the suite and cost seconds more to free than the check itself takes.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"


def test_core_modules_are_held_to_strict() -> None:
    config = _config()
    assert config.get("strict") is True
    modules = _modules()
    for override in config.get("overrides", []):
        patterns = override["module"] if isinstance(override["module"], list) else [override["module"]]
        for pattern in patterns:
            if not pattern.startswith("nurturedsl"):
                continue  # a third-party package's imports
            lenient = [m for m in CORE if _matches(pattern, m)]
            assert not lenient, f"[tool.mypy] override {pattern!r} relaxes core modules {lenient}"
            # a module renamed or removed leaves the list with it
            assert any(_matches(pattern, m) for m in modules), f"[tool.mypy] override {pattern!r} matches no module"
