"""The one place rules are registered. A rule not listed here does not run.

Rules are listed by family, in code order; `get` finds one by code or name.
"""

from __future__ import annotations

from .rule import Rule
from .rules import (compliance, content, freshness, give_to_get, reengagement, scoring, segmentation,
                    structure, timing, timing_volume)
from .suppress import UnusedSuppression

RULES: tuple[type[Rule], ...] = (
    UnusedSuppression,
    *structure.RULES,
    *timing.RULES,
    *timing_volume.RULES,
    *give_to_get.RULES,
    *scoring.RULES,
    *compliance.RULES,
    *content.RULES,
    *segmentation.RULES,
    *reengagement.RULES,
    *freshness.RULES,
)

BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in RULES}


def get(code_or_name: str) -> type[Rule]:
    """A rule by code (`NUR301`, any case) or name; KeyError if unknown."""
    rule = BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())
    if rule is None:
        raise KeyError(code_or_name)
    return rule
