"""What the simulator's parts hand each other: a contact, its events, a touch.

Times are seconds since the Unix epoch, UTC, as floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional


class Event(NamedTuple):
    """One recorded event. `arg` is the event's argument (a page, a step or
    content name) or None."""

    at: float
    name: str
    arg: Optional[str] = None


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
    data: dict = field(default_factory=dict)
    timezone: Optional[str] = None  # IANA name; None: the policy's time zone
    line: int = 0  # where the contact was read, for messages (0: synthetic)


class Touch(NamedTuple):
    """A contact-facing step that was just delivered (email, sms, linkedin,
    ads), as response models see it."""

    flow: str
    node: str
    channel: str
    content: Optional[str]  # the content's name, None for e.g. `linkedin follow`
    kind: Optional[str]  # "give", "ask", or None without content
    action: Optional[str]  # linkedin/ads action, None for email and sms
