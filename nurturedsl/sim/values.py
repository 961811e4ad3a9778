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
    keys = path.split(".")
    for key in keys[:-1]:
        data = data.setdefault(key, {})
    data[keys[-1]] = value
