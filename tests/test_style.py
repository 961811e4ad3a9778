"""ruff, as CI runs it: the lint rules and the formatter of pyproject.toml's
[tool.ruff], over the whole checkout."""

from __future__ import annotations

import subprocess
import sys

import ruff  # noqa: F401  (part of the `test` extra: missing, this file fails to import, loudly)

from .conftest import ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing() -> None:
    result = _ruff("check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted() -> None:
    result = _ruff("format", "--no-cache", "--check", ".")
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr
