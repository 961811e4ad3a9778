"""Durations, days of the week and times of day: one definition of each.

The parser reads durations with `parse_duration`, the IR writes them with
`iso`, lint, render and the simulator's reasons write them with `short`,
and every stage names days with `DAYS`. A new unit or a new spelling is a
change here and nowhere else.
"""

from __future__ import annotations

import math
import re
from typing import Final, Literal, cast, get_args

SECOND: Final = 1
MINUTE: Final = 60
HOUR: Final = 3600
DAY: Final = 86400
WEEK: Final = 7 * DAY

# The units a duration is written in, in the language and in lint options.
UNIT_SECONDS: Final = {"m": MINUTE, "h": HOUR, "d": DAY, "w": WEEK}
UNITS_TEXT: Final = "m, h, d, w"
# The longest duration the checker accepts anywhere: ten years.
MAX_DURATION_SECONDS: Final = 3650 * DAY

_DURATION = re.compile(r"(-?\d+)([mhdw])")


def parse_duration(text: str) -> int:
    """Seconds of a duration written as the language writes it: `90m`,
    `48h`, `3d`, `2w`, maybe negative (the checker says why that is wrong).
    Surrounding white space is ignored; anything else is a ValueError."""
    match = _DURATION.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"`{text}` is not a duration like `48h`, `7d` or `2w` (units: {UNITS_TEXT})")
    return int(match[1]) * UNIT_SECONDS[match[2]]


def short(seconds: float, *, weeks: bool = False) -> str:
    """A duration in its largest whole unit: `3d`, `36h`, `90m`; `2w` and up
    in weeks when `weeks` (settings, read back as written), never otherwise
    (offsets and waits on one diagram or message add up at a glance).
    Infinity is `forever`; a length that is not whole minutes, `Ns`."""
    if seconds == math.inf:
        return "forever"
    whole = int(seconds)
    if weeks and whole and whole % WEEK == 0 and whole >= 2 * WEEK:
        return f"{whole // WEEK}w"
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE)):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def iso(seconds: int) -> str:
    """ISO 8601: weeks alone when whole weeks (`P2W`), else days and a time
    part (`P3D`, `PT30M`, `P1DT12H`); never months or years."""
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    if days and not (hours or minutes or secs) and days % 7 == 0:
        return f"P{days // 7}W"
    text = "P" + (f"{days}D" if days else "")
    if hours or minutes or secs:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return text if text != "P" else "PT0S"


# -------------------------------------------------------------------- days --

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: Final[tuple[Day, ...]] = get_args(Day)
DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_index(name: str) -> int:
    """0 for `mon` to 6 for `sun`, as Python's `weekday()` counts."""
    return DAYS.index(cast(Day, name))


def expand_days(form: str, names: list[str]) -> list[str]:
    """Days as written (`("range", ["fri", "mon"])` or `("list", [...])`) as
    the days they allow, in week order; a range may wrap past Sunday."""
    if form == "range":
        i, j = day_index(names[0]), day_index(names[1])
        names = [DAYS[(i + k) % 7] for k in range((j - i) % 7 + 1)]
    return sorted(set(names), key=day_index)


# ------------------------------------------------------------ times of day --

_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def time_minutes(text: str) -> int:
    """Minutes after midnight of `H:MM` or `HH:MM`; a ValueError unless it is
    a time on a 24-hour clock (00:00 to 23:59)."""
    match = _TIME.fullmatch(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"`{text}` is not a time of day from 00:00 to 23:59")
    return int(match[1]) * 60 + int(match[2])


def hhmm(minutes: int) -> str:
    """`HH:MM` of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
