"""Timing, part two: how many touches, and how many per window.

Family `timing`, codes NUR204-NUR206. (To be merged into timing.py.)
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
