"""Structure: is the flow a well-formed journey with a way in, a way out and no dead ends?

Family `structure`, codes NUR1xx.
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
