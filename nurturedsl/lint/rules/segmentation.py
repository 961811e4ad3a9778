"""Segmentation and reach: who gets a flow, through which channels, and what is defined but never used.

Family `segmentation`, codes NUR7xx.
"""

from __future__ import annotations

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

RULES: tuple[type[Rule], ...] = ()
