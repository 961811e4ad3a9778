"""The report's numbers as the readout shows them.

Members new in report 1.3.0 (funnel, splits, weekly, time to handoff) may
be absent: a report of an older nurturedsl, or a playbook without splits,
has none. Every reader here returns an empty value for a member that is not
there, so a chart or a table is left out rather than drawn from nothing.
"""

from __future__ import annotations

import math
from typing import Any

Report = dict[str, Any]
Path = tuple[str | int, ...]


def get(report: Report, path: Path) -> Any:
    """The member at `path` (keys and list indexes), None when absent."""
    value: Any = report
    for key in path:
        if isinstance(value, dict) and isinstance(key, str) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def items(report: Report, path: Path) -> list[dict[str, Any]]:
    """A list member's objects; [] when absent or not a list."""
    found = get(report, path)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def members(report: Report, path: Path) -> dict[str, Any]:
    """An object member; {} when absent or not an object."""
    found = get(report, path)
    return found if isinstance(found, dict) else {}


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def interval(report: Report, *paths: Path) -> tuple[float, float] | None:
    """The cohort's 95% interval of a figure: `intervals` is keyed by the
    figure's dotted path. A list item may be addressed by its index or by
    its id, so the caller gives each spelling; the first found is used."""
    ranges = report.get("intervals")
    if not isinstance(ranges, dict):
        return None
    for path in paths:
        found = ranges.get(".".join(str(key) for key in path))
        if isinstance(found, list) and len(found) == 2 and all(is_number(v) for v in found):
            return float(found[0]), float(found[1])
    return None


def number(value: object) -> str:
    """`1,234`; a mean from a cohort or a ratio with up to two decimals;
    `-` for none (as the text report writes them)."""
    if not is_number(value):
        return "-"
    assert isinstance(value, (int, float))
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(rate: object) -> str:
    """A rate from the report (0.1234) as `12.3%`; `-` for none."""
    if not is_number(rate):
        return "-"
    assert isinstance(rate, (int, float))
    return f"{100 * rate:.1f}%"


def flow_names(report: Report) -> list[str]:
    return list(members(report, ("flows",)))


def arm_paths(split: str, index: int, arm: dict[str, Any], member: str) -> list[Path]:
    """The dotted paths an arm's figure may have in `intervals`: by the
    arm's name, then by its index."""
    found: list[Path] = []
    if isinstance(arm.get("arm"), str):
        found.append(("splits", split, "arms", arm["arm"], member))
    found.append(("splits", split, "arms", index, member))
    return found


def funnel_paths(flow: str, index: int, item: dict[str, Any], member: str) -> list[Path]:
    found: list[Path] = []
    if isinstance(item.get("step"), str):
        found.append(("flows", flow, "funnel", item["step"], member))
    found.append(("flows", flow, "funnel", index, member))
    return found
