"""A checked programme: a playbook with its imports, its symbol tables
and its policy, and the questions later stages ask of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from . import nodes as n
from . import vocabulary as vocab
from .policy import DEFAULT_MESSAGES, Hold, hold_after, longest_hold
from .source import SourceFile
from .units import DAYS, expand_days

_P = TypeVar("_P", bound=n.Setting)


@dataclass
class Programme:
    """A playbook with its imports: everything the later stages need."""

    path: str
    sources: dict[str, SourceFile] = field(default_factory=dict)
    header: n.PlaybookHeader | None = None
    # Every file's own `playbook` header, imports included, by file.
    headers: dict[str, n.PlaybookHeader] = field(default_factory=dict)
    # The policy's settings by kind, merged over every file.
    policy: dict[type[n.Setting], n.PolicySetting] = field(default_factory=dict)
    # `frequency_cap CHANNEL N per D`, by channel: several per policy, one
    # per channel, so not in `policy`.
    channel_caps: dict[str, n.ChannelFrequencyCap] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=lambda: dict(vocab.BUILTIN_ATTRIBUTES))
    custom_attributes: dict[str, n.AttributeDecl] = field(default_factory=dict)
    events: dict[str, n.EventDecl] = field(default_factory=dict)
    segments: dict[str, n.Segment] = field(default_factory=dict)
    contents: dict[str, n.Content] = field(default_factory=dict)
    scores: dict[str, n.Score] = field(default_factory=dict)
    flows: dict[str, n.Flow] = field(default_factory=dict)
    # The `test` declarations of the file loaded (not of its imports, so a
    # test runs once however many files import it); never compiled.
    tests: dict[str, n.PlaybookTest] = field(default_factory=dict)
    # The files each file read imports, by display path, as the loader
    # followed them (an import that failed is not here).
    imports: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.header.name if self.header else Path(self.path).stem

    def event_names(self) -> set[str]:
        return set(vocab.BUILTIN_EVENTS) | set(self.events)

    def setting(self, kind: type[_P]) -> _P | None:
        """The policy's setting of this kind, if any file sets it."""
        found = self.policy.get(kind)
        return found if isinstance(found, kind) else None


# ------------------------------------------------------------ questions --


def iter_conditions(condition: n.Condition) -> Iterator[n.Condition]:
    stack = [condition]
    while stack:
        c = stack.pop()
        yield c
        if isinstance(c, (n.And, n.Or)):
            stack.extend(reversed(c.items))
        elif isinstance(c, n.Not):
            stack.append(c.item)


def message_items(programme: Programme | None) -> tuple[str, ...]:
    """The policy's `messages` list, or the default one: what every stage
    hands `is_message` (nurturedsl/policy.py) to tell a message from
    presence."""
    setting = programme.setting(n.Messages) if programme is not None else None
    return tuple(item.text for item in setting.items) if setting is not None else DEFAULT_MESSAGES


def send_days(programme: Programme) -> list[str]:
    """The days the policy allows sending on, in week order."""
    setting = programme.setting(n.SendDays)
    if setting is None:
        return list(DAYS)
    return expand_days(setting.form, [day.text for day in setting.days])


def calendar_hold(programme: Programme, gap: float | None = None) -> tuple[Hold, str]:
    """The longest the policy's calendar can hold a message (a
    `policy.Hold`), and the settings that make it in words (`send days
    mon..fri, quiet hours 20:00..08:00`). With `gap`: the longest it can
    hold a message due that long after the one before went out."""
    days, quiet = programme.setting(n.SendDays), programme.setting(n.QuietHours)
    hours = (quiet.start.text, quiet.end.text) if quiet is not None else None
    words = []
    if days is not None:
        words.append("send days " + (".." if days.form == "range" else ", ").join(day.text for day in days.days))
    if hours is not None:
        words.append(f"quiet hours {hours[0]}..{hours[1]}")
    if gap is not None:
        return hold_after(gap, send_days(programme), hours), ", ".join(words)
    return longest_hold(send_days(programme), hours), ", ".join(words)
