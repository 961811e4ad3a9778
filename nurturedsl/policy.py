"""What two policy settings mean, in one place for the compiler, lint,
render and the simulator: which touches are messages (`messages`), and how
long the calendar (`send_days`, `quiet_hours`) can hold a message back.

Standard library only, so that a runner reading a compiled IR can import
it without the parser.

**Messages and presence.** A touch that reaches the contact is either a
message (it counts for cadence, speed-to-lead, `max_touches` and the
frequency cap, and a runner holds it for quiet hours and send days) or
presence (a LinkedIn follow, an ad audience change: "no pitch, just
presence", which none of those count and nothing holds). The policy's
`messages` setting lists what is a message; everything else on the
contact-facing channels is presence. Tasks and notifications go to our own
team and are neither.

**The calendar's longest hold.** A message due in quiet hours or on a day
that is not a send day is held to the next allowed moment. The longest it
can be held is the longest stretch of the week with no allowed moment:
`send_days mon..fri` with `quiet_hours 20:00..08:00` allows nothing from
Friday 20:00 to Monday 08:00, 60 hours. Times are the contact's wall clock:
a stretch the clocks go back in lasts an hour longer in elapsed time, which
this does not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Literal, NamedTuple, get_args

from .units import DAY_NAMES, DAYS, day_index, expand_days, hhmm  # noqa: F401 - expand_days is used from here

# The touch channels that reach the contact; `task` and `notify` do not.
CONTACT_CHANNELS = ("email", "sms", "linkedin", "ads")
# What a `messages` item may name: a channel (every action on it) or one action.
MessageItem = Literal[
    "email",
    "sms",
    "linkedin",
    "linkedin follow",
    "linkedin engage",
    "linkedin connect",
    "linkedin message",
    "ads",
    "ads add",
    "ads remove",
]
MESSAGE_ITEMS: tuple[MessageItem, ...] = get_args(MessageItem)
DEFAULT_MESSAGES = ("email", "sms", "linkedin message", "linkedin connect")


def is_message(step: object, messages: Iterable[str] | None = None) -> bool:
    """Whether a touch is a message under the policy's `messages` list
    (None: the default list). `step` is a syntax-tree step (`channel`,
    `action`) or a compiled IR node (`type`, `action`); anything that is not
    a contact-facing touch (a task, a notification, a wait) is not."""
    if isinstance(step, dict):
        channel, action = step.get("type"), step.get("action")
    else:
        channel, action = getattr(step, "channel", None), getattr(step, "action", None)
    if channel not in CONTACT_CHANNELS:
        return False
    items = DEFAULT_MESSAGES if messages is None else messages
    return channel in items or (action is not None and f"{channel} {action}" in items)


# ------------------------------------------------------------- the calendar --


def minutes(text: str) -> int:
    """`HH:MM` as minutes after midnight."""
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


class Hold(NamedTuple):
    """The longest a message can be held: `seconds`, and when that stretch
    starts in the week (`day` 0 = Monday, `minute` after midnight)."""

    seconds: int
    day: int
    minute: int

    @property
    def starts(self) -> str:
        """`Friday 20:00`."""
        return f"{DAY_NAMES[self.day]} {hhmm(self.minute)}"


@lru_cache(maxsize=64)
def _longest(days: tuple[int, ...], quiet: tuple[int, int] | None) -> Hold:
    week = 7 * 1440
    open_ = list(_week(days, quiet))
    if not any(open_):
        return Hold(week, 0, 0)  # nothing is ever allowed: checked out, but not by this function
    if all(open_):
        return Hold(0, 0, 0)
    first_open = open_.index(True)
    best, best_start, run, run_start = 0, 0, 0, 0
    # Walk one week starting at an allowed minute, so that a closed stretch
    # wrapping past Sunday midnight is counted in one piece.
    for k in range(1, week + 1):
        m = (first_open + k) % week
        if open_[m]:
            if run > best:
                best, best_start = run, run_start
            run = 0
        else:
            if run == 0:
                run_start = m
            run += 1
    day, minute = divmod(best_start, 1440)
    return Hold(best * 60, day, minute)


@lru_cache(maxsize=256)
def _after(days: tuple[int, ...], quiet: tuple[int, int] | None, gap: int) -> Hold:
    week = 7 * 1440
    whole = _longest(days, quiet)
    if whole.seconds in (0, week * 60):
        return whole
    open_ = list(_week(days, quiet))
    # minutes from each minute of the week to the next allowed one
    wait = [0] * week
    first_open = open_.index(True)
    ahead = 0
    for k in range(week, 0, -1):
        m = (first_open + k) % week
        ahead = 0 if open_[m] else ahead + 1
        wait[m] = ahead
    best, at = 0, 0
    for m in range(week):
        if open_[m]:
            due = (m + gap) % week
            if wait[due] > best:
                best, at = wait[due], due
    day, minute = divmod(at, 1440)
    return Hold(best * 60, day, minute)


@lru_cache(maxsize=64)
def _week(days: tuple[int, ...], quiet: tuple[int, int] | None) -> tuple[bool, ...]:
    """`_open` for each minute of the week, Monday 00:00 first: one day's
    minutes worked out once and laid out for each allowed day (10,080 calls
    of `_open` took lint ~10 ms per policy)."""
    one_day = [_open((0,), quiet, minute) for minute in range(1440)]
    closed = [False] * 1440
    return tuple(allowed for day in range(7) for allowed in (one_day if day in days else closed))


def _open(days: tuple[int, ...], quiet: tuple[int, int] | None, minute: int) -> bool:
    """Whether a message may go out at `minute` of the week (0: Monday 00:00)."""
    day, of_day = divmod(minute, 1440)
    if day not in days:
        return False
    if quiet is None:
        return True
    start, end = quiet
    return not (start <= of_day < end if start <= end else (of_day >= start or of_day < end))


def hold_after(gap_seconds: float, send_days: Iterable[str] = DAYS, quiet_hours: tuple[str, str] | None = None) -> Hold:
    """The longest hold of a message due `gap_seconds` after one that went
    out (at an allowed moment, as every message does): a gap of whole days
    with quiet hours only is never held, one that lands on a weekend is.
    (Clock changes are left out, as in `longest_hold`.)"""
    days = tuple(sorted({day_index(d) for d in send_days}))
    quiet = (minutes(quiet_hours[0]), minutes(quiet_hours[1])) if quiet_hours else None
    return _after(days, quiet, int(gap_seconds // 60) % (7 * 1440))


def longest_hold(send_days: Iterable[str] = DAYS, quiet_hours: tuple[str, str] | None = None) -> Hold:
    """The longest stretch of the week with no allowed sending moment, for
    the allowed `send_days` (day names) and `quiet_hours` (`("20:00",
    "08:00")`, or None). `Hold(0, 0, 0)` when every moment is allowed."""
    days = tuple(sorted({day_index(d) for d in send_days}))
    quiet = (minutes(quiet_hours[0]), minutes(quiet_hours[1])) if quiet_hours else None
    return _longest(days, quiet)
