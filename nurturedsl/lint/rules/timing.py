"""Timing: speed-to-lead, cadence, touch counts and frequency caps.

Family `timing`, codes NUR2xx.
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
