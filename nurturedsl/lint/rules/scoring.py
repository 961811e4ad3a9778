"""Scoring: a model agreed with sales, that decays and can hand off.

Family `scoring`, codes NUR4xx.
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
