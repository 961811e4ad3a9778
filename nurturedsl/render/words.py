"""The words on a diagram: conditions, durations and titles as short text.

Conditions are printed from the syntax tree rather than cut from the source,
so a condition written over several lines with comments in between still
reads as one clean line, in the language's own notation.
"""

from __future__ import annotations

import textwrap
import unicodedata

from .. import nodes as n
from .. import units

# A label line fits Mermaid's 200 px text box (16 px Trebuchet) and a
# narrow top-to-bottom Graphviz column: Mermaid wraps a longer line again
# by itself, which is how single words ended up alone on a line.
TITLE_WIDTH = 25
TITLE_LINES = 2
# conditions are wrapped like titles: two lines at most
CONDITION_WIDTH = TITLE_WIDTH


def clean(text: str) -> str:
    """One line of printable text: a newline, tab or other control character
    in a title would break a label in every output format."""
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).split())


def shorten(text: str, width: int) -> str:
    """At most `width` characters, cut at a word where there is one."""
    text = clean(text)
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def wrap(text: str, width: int = TITLE_WIDTH, lines: int = TITLE_LINES) -> list[str]:
    """One line, or two of at most `width` characters broken where the two
    come out most even (never a word alone on a line when the words allow
    it), the second ending in an ellipsis when the text does not fit.
    `lines` is 1 or 2."""
    text = clean(text)
    if len(text) <= width or lines < 2:
        return [text] if len(text) <= width else [shorten(text, width)]
    best: tuple[int, int, int] | None = None  # (lines of one word, longer line's length, break)
    for cut, ch in enumerate(text):
        if ch == " " and cut <= width and len(text) - cut - 1 <= width:
            lone = (" " not in text[:cut]) + (" " not in text[cut + 1 :])
            key = (lone, max(cut, len(text) - cut - 1), cut)
            if best is None or key < best:
                best = key
    if best is not None:
        return [text[: best[2]], text[best[2] + 1 :]]
    # too long for two lines: fill the first, cut the second, and keep two
    # words on the second where the first has some to give
    head = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)[0]
    rest = text[len(head) :].strip()
    second = shorten(rest, width)
    if " " not in second.rstrip("…") and " " in head:
        head, moved = head.rsplit(" ", 1)
        second = shorten(moved + " " + rest, width)
    return [head, second]


def paragraph(text: str, width: int = TITLE_WIDTH, lines: int = 4) -> list[str]:
    """A longer text (a lint finding, an exit reason) in lines of at most
    `width`, at most `lines` of them, the last ending in an ellipsis when
    it does not fit: Mermaid wraps a longer line again on its own."""
    text = clean(text)
    if len(text) <= width * 2:
        return wrap(text, width)
    out = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    if len(out) > lines:
        out = out[: lines - 1] + [shorten(" ".join(out[lines - 1 :]), width)]
    return out


def line(text: str) -> list[str]:
    """A label line (a condition, a trigger) wrapped once at most."""
    return wrap(text, TITLE_WIDTH, TITLE_LINES)


def subject(content: n.Content) -> str | None:
    """The content's email `subject`, when it has one."""
    return next(
        (o.text for o in content.options if isinstance(o, n.ContentText) and o.name == "subject"),
        None,
    )


def duration(seconds: int) -> str:
    """`4d`, `36h`, `90m`: days where they are whole, never weeks or months,
    so that offsets and waits on one diagram add up at a glance."""
    return units.short(seconds)


def day(seconds: int) -> str:
    """A cumulative offset from entry: `day 3`, `day 1 +12h`."""
    days, rest = divmod(seconds, units.DAY)
    return f"day {days}" if not rest else f"day {days} +{duration(rest)}"


def calendar(step: n.WaitCalendar) -> str:
    """A calendar wait as a reader says it: `until Monday 09:00`, `until
    Mon-Fri 09:30`, `until 2026-12-01`, `until 09:00` (contact's time)."""
    parts = []
    if step.date is not None:
        parts.append(step.date.text)
    names = [units.DAY_NAMES[units.day_index(d.text)] for d in step.days if d.text in units.DAYS]
    if len(names) == 1:
        parts.append(names[0])
    elif len(names) == 2:
        parts.append(f"{names[0][:3]}-{names[1][:3]}")
    if step.time is not None:
        parts.append(units.hhmm(units.time_minutes(step.time.text)))
    return "until " + " ".join(parts)


def quoted(text: str) -> str:
    """A string as the language writes it."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def condition(c: n.Condition, within: int = 0) -> str:
    """A condition in source notation, parenthesised only where precedence
    needs it. `within` is the binding strength around it: 0 top level, 1
    inside `or`, 2 inside `and`, 3 inside `not`."""
    if isinstance(c, n.Or):
        text = " or ".join(condition(item, 1) for item in c.items)
        return f"({text})" if within >= 2 else text
    if isinstance(c, n.And):
        text = " and ".join(condition(item, 2) for item in c.items)
        return f"({text})" if within >= 3 else text
    if isinstance(c, n.Not):
        return "not " + condition(c.item, 3)
    if isinstance(c, n.Ref):
        return ".".join(c.path)
    if isinstance(c, n.Compare):
        return f"{'.'.join(c.path)} {c.op} {c.value.text}"
    if isinstance(c, n.Member):
        values = ", ".join(v.text for v in c.values)
        return f"{'.'.join(c.path)} {'not in' if c.negated else 'in'} [{values}]"
    if isinstance(c, n.Tagged):
        return f"tagged {quoted(c.tag)}"
    if isinstance(c, n.Has):
        return "has " + ".".join(c.path)
    if isinstance(c, n.Consent):
        return f"consent({quoted(c.channel)})"
    if isinstance(c, n.Inactive):
        return f"inactive for {c.duration.text}"
    if isinstance(c, n.InFlow):
        return f"in flow {c.flow}"
    if isinstance(c, n.EventTest):
        text = c.name + (f"({event_args(c.args)})" if c.args else "")
        if c.within is not None:
            text += f" within {c.within.text}"
        if c.count_op is not None and c.count is not None:
            text += f" count {c.count_op} {c.count.text}"
        return text
    raise AssertionError(type(c).__name__)


def rate_limits(flow: n.Flow) -> str | None:
    """A flow's rate limits in one line: `at most 500 entries per 1d, 100
    sends per 1h`; None without any."""
    limits = [f"{s.count.text} {s.what.text} per {s.per.text}" for s in flow.settings if isinstance(s, n.RateLimit)]
    return "at most " + ", ".join(limits) if limits else None


def event_args(args: list[n.EventArg]) -> str:
    return ", ".join(_event_arg(a) for a in args)


def _event_arg(arg: n.EventArg) -> str:
    if arg.kind == "string":
        return quoted(arg.value)
    if arg.channel is not None:
        return f"{arg.value} {arg.channel}"  # `any email`
    return arg.value


def event_pattern(pattern: n.EventPattern) -> str:
    return pattern.name + (f"({event_args(pattern.args)})" if pattern.args else "")


def trigger(entry: n.Entry) -> list[str]:
    """An entry trigger as lines: `on downloaded("resource") after 1d`,
    `when icp and not booked("demo")`."""
    lines = []
    if entry.event is not None:
        lines.append("on " + event_pattern(entry.event) + (f" after {entry.delay.text}" if entry.delay else ""))
    if entry.condition is not None:
        lines.append("when " + condition(entry.condition))
    return lines
