"""Content: what is sent and how it reads.

Family `content`, codes NUR6xx.
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
