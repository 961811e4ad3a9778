"""Small readings and renderings that every part of a contact's run shares.

Moments are epoch seconds on the simulated clock; `iso` shows one the way
the trace and the report do, `local` reads one in a contact's time zone.
Numbers are shown rounded to hundredths (a decayed score is rarely whole).
Attributes are reached by their dotted path (`company.size`), as JsonLogic's
`var` does. Durations, days and times of day are units.py's, not these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def iso(seconds: float) -> str:
    """A moment as `2026-01-05T09:00:00Z`. By calendar arithmetic, not the C
    library's gmtime (which may refuse times before 1970): every moment of
    contact.EARLIEST..LATEST, and well past it, has its date."""
    return (_EPOCH + dt.timedelta(seconds=round(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(seconds: float, zone: ZoneInfo) -> dt.datetime:
    """The moment `seconds` on the wall clock of `zone`."""
    if seconds >= 0:
        return dt.datetime.fromtimestamp(seconds, zone)  # the fast way, where every platform has it
    return (_EPOCH + dt.timedelta(seconds=seconds)).astimezone(zone)


def calendar_moment(now: float, zone: ZoneInfo, date: str | None, days: frozenset[int] | None, minutes: int) -> float:
    """Where a calendar wait ends (docs/simulation.md): the first moment at
    or after `now` when the wall clock of `zone` shows `minutes` past
    midnight, on `date`, or on one of `days` (0 = Monday), or on any day;
    `now` itself if that date is past. A time the clock skips that day (the
    spring change) comes as the clock jumps over it (02:30 is 03:30 then);
    a time it shows twice (the autumn change) counts the first time: the
    zone's offset from before the change, `fold=0`."""
    hour, minute = divmod(minutes, 60)
    if date is not None:
        moment = dt.datetime.combine(dt.date.fromisoformat(date), dt.time(hour, minute), zone).timestamp()
        return max(moment, now)
    today = local(now, zone).date()
    for ahead in range(8):  # today and a week on: every allowed day comes once
        day = today + dt.timedelta(days=ahead)
        if days is not None and day.weekday() not in days:
            continue
        moment = dt.datetime.combine(day, dt.time(hour, minute), zone).timestamp()
        if moment >= now:
            return moment
    raise AssertionError("no allowed day in a week")  # pragma: no cover - the IR has at least one day


def rounded(value: float) -> float:
    """A number as the trace shows it: two decimals, an int when whole."""
    value = round(value, 2)
    return int(value) if value == int(value) else value


def number_text(value: float) -> str:
    return str(rounded(value))


def lookup(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def assign(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the attribute at dotted `path`. The objects on the way are
    copied, not changed: `data` is a run's own top level (engine.State),
    the nested objects may still be the contact's as it was read."""
    keys = path.split(".")
    for key in keys[:-1]:
        inner = data.get(key)
        data[key] = inner = dict(inner) if isinstance(inner, dict) else {}
        data = inner
    data[keys[-1]] = value
