"""Re-engagement: few honest emails, then the suppression list.

Family `re-engagement`, codes NUR8xx.
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
