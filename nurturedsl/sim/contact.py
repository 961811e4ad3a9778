"""What the simulator's parts hand each other: a contact, its events, a touch.

Times are seconds since the Unix epoch, UTC, as floats, between EARLIEST
and LATEST: see `time_problem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

# The simulated clock runs from 1900-01-01 to 9000-01-01 (UTC). Python's
# calendar ends at 9999-12-31; the margin is for what is computed past
# --until and still written as a date (a held touch's `until`, a revisit, a
# re-entry date: a few playbook durations of at most 10 years each) and for
# time zones, which move a moment near either end across it. Before 1900
# tzdata has only local mean time, and no CRM has history. Every time that
# enters a simulation (--start, --until, an event's `at`) is checked here, so
# no date arithmetic further on can leave the calendar.
EARLIEST = -2208988800.0  # 1900-01-01T00:00:00Z
LATEST = 221845392000.0  # 9000-01-01T00:00:00Z
TIME_RANGE = "1900-01-01 to 9000-01-01 (UTC)"


def time_problem(seconds: float) -> str | None:
    """Why `seconds` cannot be a moment of a simulation; None when it can."""
    if not EARLIEST <= seconds <= LATEST:  # NaN too
        side = "before 1900-01-01" if seconds < EARLIEST else "after 9000-01-01"
        return f"is {side}: simulated time runs from {TIME_RANGE}"
    return None


class Event(NamedTuple):
    """One recorded event. `arg` is the event's argument (a page, a step or
    content name) or None."""

    at: float
    name: str
    arg: str | None = None


@dataclass
class Contact:
    """One contact as conditions see it.

    `data` is the JsonLogic data object of docs/ir.md: attributes nested by
    dotted path (`deal.closed_at` is data["deal"]["closed_at"]), dates as
    "YYYY-MM-DD" strings, numbers as int/float, plus "tags" and "consent" as
    lists of strings. Duration attributes such as `deal.closed_ago` are not
    stored: the engine computes them from their `_at` date at each moment.
    """

    id: str
    data: dict[str, Any] = field(default_factory=dict)
    timezone: str | None = None  # IANA name; None: the policy's time zone
    line: int = 0  # where the contact was read, for messages (0: synthetic)


class Touch(NamedTuple):
    """A contact-facing step that was just delivered (email, sms, linkedin,
    ads), as response models see it."""

    flow: str
    node: str
    channel: str
    content: str | None  # the content's name, None for e.g. `linkedin follow`
    kind: str | None  # "give", "ask", or None without content
    action: str | None  # linkedin/ads action, None for email and sms
