"""Timing: speed-to-lead, cadence, touch counts and frequency caps.

Family `timing`, codes NUR2xx.

How the speed-to-lead and cadence rules (NUR201, NUR202, NUR203, NUR207)
count time:

- Only messages count (`FlowAnalysis.is_contact`: the touches the policy's
  `messages` lists, by default email, sms, LinkedIn message and connect).
  Presence (by default a LinkedIn follow or engage, an ad audience change),
  tasks and notifications are neither a first touch nor the end of a gap;
  time simply runs on through them.
- The calendar holds a message due when `send_days`/`quiet_hours` allow no
  sending until the next allowed moment, and the flow waits with it, so a
  hold only ever lengthens the time to the first message and a gap. NUR201
  adds the longest hold (`calendar_hold`: the longest stretch of the week
  with no allowed moment) to its worst case; NUR203 the longest hold of a
  message due its gap after an allowed moment (`calendar_hold(gap=...)`), or
  the longest hold when the gap runs through an `on event` arm; NUR202 and
  NUR207, about the shortest gap, do not.
- Time passes on waits, `wait until` time-outs and `repeat` intervals
  (`FlowAnalysis.delays`). An `on event` edge takes anything from no time at
  all (the condition may already hold) up to the `up to` time-out, and has no
  upper bound when the `wait until` has none (NUR208 reports that wait).
- Speed-to-lead is measured from the moment a contact enters the flow, that
  is after any `entry on EVENT after D` delay: the delay is part of the entry,
  not of the flow.
- A gap runs from one contact touch to the next on the same path through one
  flow. A wait that is not followed by a touch (a trailing wait before the
  end of the flow or a terminal step, a `repeat`'s interval after its last
  run) makes no gap: nothing is checked when a contact leaves the flow. A
  wait before the first touch is speed-to-lead (NUR201), not cadence.
- Each touch gets at most one finding per rule, about the closest (NUR202,
  NUR207) or farthest (NUR203) previous touch over all paths into it. A zero
  gap is NUR207's alone: NUR202 stays quiet about it.

Every path property here is one forward dataflow run (`FlowAnalysis.forward`),
never a walk over paths; loops get the analysis's second pass, so the gap
between two runs of a `repeat` body is checked too.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator

from ... import nodes as n
from ... import units
from ...diagnostics import Severity
from ...graph import ENTRY, calendar_max_delay
from ...model import calendar_hold
from ...nodes import iter_steps
from ...source import Span
from ..dataflow import INFINITY, FlowAnalysis, days
from ..rule import Context, Finding, Option, Rule

_WITHIN = Option(
    "within",
    "duration",
    48 * 3600,
    "longest time from entering a flow to the first contact touch",
    policy=n.FirstTouch,
)
_CADENCE = Option(
    "cadence",
    "range",
    (7 * 86400, 14 * 86400),
    "shortest and longest gap between two contact touches, as `min..max`",
    policy=n.Cadence,
    flow=n.Cadence,
)


# ----------------------------------------------------------------- helpers --


def _short(seconds: float) -> str:
    """Speed-to-lead times: hours up to three days (`48h`, `60h`), then days."""
    if seconds != INFINITY and seconds < 3 * 86400 and seconds % 3600 == 0:
        return f"{int(seconds) // 3600}h"
    return days(seconds)


def _long(seconds: float) -> str:
    """A time with a calendar hold in it: `60h`, `16d`, `16d 12h`, `59h 30m`."""
    if seconds == INFINITY or seconds % 86400 == 0 or seconds < 3 * 86400 and seconds % 3600 == 0:
        return _short(seconds)
    days_, rest = divmod(int(seconds), 86400)
    if seconds < 3 * 86400:
        days_, rest = 0, int(seconds)
    hours, rest = divmod(rest, 3600)
    parts = [f"{days_}d"] * bool(days_) + [f"{hours}h"] * bool(hours) + [f"{rest // 60}m"] * bool(rest // 60)
    return " ".join(parts)


def _held(hold, words: str) -> str:
    """What the calendar adds to a message's time, for a finding."""
    return f"up to {_long(hold.seconds)} more when it falls on {hold.starts} ({words})"


_HELD_NOTE = (
    "a message due when the policy allows no sending is held to the next allowed moment in the "
    "contact's time zone, and the flow waits with it"
)


def _cadence_text(value: tuple[int, int]) -> str:
    low, high = value
    return days(low) if low == high else f"{days(low)}..{days(high)}"


class _Paths:
    """Witness paths that start at the entry.

    `forward` remembers one predecessor per node, so a witness read back
    through a loop can stop short of the entry (and the gap between two runs
    of a `repeat` body starts and ends at the same node). The missing head is
    filled in from a breadth-first tree over the flow, built once, on first
    need: linear in the size of the graph.
    """

    def __init__(self, fa: FlowAnalysis):
        self.fa = fa
        self._parents: dict[str, str] | None = None

    # worked out only for a finding's notes: most flows have none
    @functools.cached_property
    def wait_untils(self) -> set[str]:
        return {node for node, step in self.fa.steps() if isinstance(step, n.WaitUntil)}

    @functools.cached_property
    def other_waits(self) -> set[str]:
        """Waits whose time the path does not show either: the clock's, the first event's."""
        return {node for node, step in self.fa.steps() if isinstance(step, (n.WaitCalendar, n.WaitFor))}

    def to(self, node: str) -> tuple[str, ...]:
        if self._parents is None:
            parents: dict[str, str] = {}
            queue = deque([ENTRY])
            while queue:
                here = queue.popleft()
                for target, _ in self.fa.successors(here):
                    if target != ENTRY and target not in parents:
                        parents[target] = here
                        queue.append(target)
            self._parents = parents
        path = [node]
        while path[-1] in self._parents and len(path) <= len(self._parents):
            path.append(self._parents[path[-1]])
        return tuple(reversed(path))

    def complete(self, path: tuple[str, ...]) -> tuple[str, ...]:
        if path and path[0] != ENTRY:
            return self.to(path[0])[:-1] + path
        return path

    def reaching(self, preds: dict[str, str], node: str) -> tuple[str, ...]:
        return self.complete(self.fa.witness(preds, node))

    def gap(self, preds: dict[str, str], before: str, touch: str) -> tuple[str, ...]:
        """A path through `before` and then, with no contact touch between
        them, `touch`: read back along `preds` from `touch` to `before`."""
        segment = [touch]
        seen = {touch}
        node = touch
        while True:
            previous = preds.get(node)
            if previous is None or (previous != before and (previous in seen or self.fa.is_contact(previous))):
                return self.reaching(preds, touch)  # not expected; still a real path
            segment.append(previous)
            if previous == before:
                break
            seen.add(previous)
            node = previous
        segment.reverse()
        return self.to(before)[:-1] + tuple(segment)


def _from(path: tuple[str, ...], before: str) -> tuple[str, ...]:
    """The part of a gap's witness from the earlier touch on."""
    return path[path.index(before) :] if before in path else path


def _wait_until_head(step: n.WaitUntil) -> Span:
    """`wait until CONDITION`, without the `up to` and the arms."""
    cond = step.condition.span
    return Span(step.span.file, step.span.line, step.span.column, cond.end_line, cond.end_column)


def _wait_notes(ctx: Context, paths: _Paths, path: tuple[str, ...], longest: bool) -> list[str]:
    """What each `wait until` on a witness path adds to its time, which the
    path itself does not show: at the least (or the most)."""
    fa = paths.fa
    notes = []
    for node, after in zip(path, path[1:]):
        if node in paths.other_waits:
            notes.extend(_other_wait_note(ctx, fa.step(node), node, longest))
        if node not in paths.wait_untils:
            continue
        step = fa.step(node)
        kinds = {edge["kind"] for target, edge in fa.successors(node) if target == after}
        head = ctx.source_text(_wait_until_head(step))
        name = f"`{node}` (`{head}`)" if head else f"`{node}`"
        if longest and step.timeout is None:
            notes.append(f"{name} has no `up to`: it can hold the contact for ever")
        elif longest:
            notes.append(f"{name} can hold the contact up to {step.timeout.text}")
        elif "event" in kinds:
            notes.append(f"{name} ends at once if its condition already holds")
        elif step.timeout is not None:
            notes.append(f"{name} times out after {step.timeout.text} on this path")
    return notes


def _other_wait_note(ctx: Context, step: n.AnyStep | None, node: str, longest: bool) -> list[str]:
    """What a calendar wait or a `wait for` adds to a witness path's time."""
    head = ctx.source_text(step.span).split("{")[0].strip() if step is not None else ""
    name = f"`{node}` (`{head}`)" if head and "\n" not in head else f"`{node}`"
    if isinstance(step, n.WaitCalendar):
        if not longest:
            return [f"{name} ends at once for a contact who arrives at its moment"]
        if step.date is not None:
            return [f"{name} waits for its date: however long that is from when the contact arrives"]
        most = units.short(calendar_max_delay(step))
        return [f"{name} can hold the contact up to {most}, until the clock next shows its time"]
    if isinstance(step, n.WaitFor):
        if not longest:
            return [f"{name} ends at once if an arm's event comes as the contact arrives"]
        return [f"{name} can hold the contact up to {step.timeout.text}"] if step.timeout else []
    return []


def _since_entry(fa: FlowAnalysis):
    """Per node, the longest time since entry on a path with no contact
    touch yet; paths stop at their first touch."""

    def transfer(node, elapsed):
        return None if fa.is_contact(node) else elapsed

    def along(elapsed, node, edge):
        return elapsed + fa.delays(node, edge)[1]

    return fa.forward(0, transfer, along, lambda a, b: a > b)


def _since_touch(fa: FlowAnalysis, longest: bool):
    """Per node, `(gap, touch)`: the shortest (or longest) time since the
    last contact touch over the paths that have had one, and that touch.
    `(0, None)` while no path into the node has had a touch."""
    pick = 1 if longest else 0

    def transfer(node, value):
        return (0, node) if fa.is_contact(node) else value

    def along(value, node, edge):
        gap, last = value
        if last is None:
            return value
        return (gap + fa.delays(node, edge)[pick], last)

    def better(a, b):
        if a[1] is None:
            return False
        if b[1] is None:
            return True
        return a[0] > b[0] if longest else a[0] < b[0]

    return fa.forward((0, None), transfer, along, better)


# ------------------------------------------------------------------- rules --


class SlowFirstTouch(Rule):
    """The first contact touch can come too long after a contact enters the flow.

    Speed-to-lead: the first value touch should reach a new contact within 48
    hours of entry; waiting three days to send the first value-add loses the
    attention war. On every path, the first message (what the policy's
    `messages` lists: by default an email, SMS, LinkedIn message or
    connection request; a LinkedIn follow or an ad audience change is
    presence, and tasks and notifications go to our own team: none of these
    count) must come no later than `within` after entry, counting the
    longest the calendar can hold it: a message due in quiet hours or on a
    day that is not a send day waits for the next allowed moment, up to 60h
    from Friday 20:00 with `send_days mon..fri` and `quiet_hours
    20:00..08:00`. Time counts from the moment the contact
    enters the flow, after any `entry ... after D` delay; an `on event` arm
    can take as long as its `wait until` time-out, or for ever without one. A
    flow with no contact touch at all gets no finding here. Source:
    Vanderbuild, "Contact Frequency" (the first 48 hours are the "Golden
    Window"; a first value-add after 3 days has lost the attention war) and
    the "Speed" line of its Quarterly Audit Checklist.

    Bad:
        flow inbound {
          entry on downloaded("resource")
          wait 3d
          email welcome: blog_post   # three days after the download
        }

    Good:
        flow inbound {
          entry on downloaded("resource")
          email welcome: blog_post   # at once
          wait 7d
          email checklist: gdpr_list
        }
    """

    code = "NUR201"
    name = "slow-first-touch"
    family = "timing"
    severity = Severity.WARNING
    options = (_WITHIN,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            limit = ctx.option(self, "within", flow)
            fa = ctx.analysis(flow)
            values, preds = _since_entry(fa)
            paths = _Paths(fa)
            hold, words = calendar_hold(ctx.programme)
            for node in fa.order:
                if not fa.is_contact(node) or node not in values or values[node] + hold.seconds <= limit:
                    continue
                elapsed = values[node]
                hint = "send a first touch sooner on every path (a give at entry), or shorten the waits before this one"
                path = paths.reaching(preds, node)
                notes = _wait_notes(ctx, paths, path, longest=True)
                if elapsed == INFINITY:
                    message = (
                        f"first touch `{node}` can come any time after entry, however late; "
                        f"the limit is {_short(limit)}"
                    )
                elif hold.seconds:
                    due = "at once" if elapsed == 0 else f"{_short(elapsed)} after entry"
                    message = (
                        f"first touch `{node}` can come {_long(elapsed + hold.seconds)} after entry: it is due "
                        f"{due} and can wait {_held(hold, words)}; the limit is {_short(limit)}"
                    )
                    notes.append(_HELD_NOTE)
                    if elapsed <= limit:
                        hint = (
                            "the waits keep to the limit, the calendar does not: allow sending in that "
                            "stretch (more `send_days`, shorter `quiet_hours`), or give `first_touch` room "
                            "for it"
                        )
                else:
                    message = (
                        f"first touch `{node}` can come {_short(elapsed)} after entry; the limit is {_short(limit)}"
                    )
                delayed = [e.delay for e in flow.entries if e.delay is not None]
                if delayed:
                    notes.append(f"time counts from entering the flow, after the entry's `after {delayed[0].text}`")
                notes.append(f"the limit comes from {ctx.option_source(self, 'within', flow)}")
                yield Finding(
                    message,
                    fa.span(node),
                    flow=flow.name,
                    path=path,
                    notes=tuple(notes),
                    hints=(hint,),
                )


class CadenceTooTight(Rule):
    """Two consecutive contact touches can come closer together than the cadence allows.

    In B2B, one contact every one to two weeks: more often reads as spam and
    drives unsubscribes. On every path, the time between a message (what
    the policy's `messages` lists; presence such as a LinkedIn follow does
    not count) and the next one must be at least the
    cadence minimum: the flow's `cadence`, else the policy's (an inbound flow
    may be denser, e.g. `cadence 3d..5d`). An `on event` arm counts as taking
    no time, and the gap between two runs of a `repeat` body counts too. Two
    touches with no time at all between them are NUR207's. Source:
    Vanderbuild, "Contact Frequency" and FAQ "How often should I contact leads
    in nurturing campaigns?" (one contact every 1-2 weeks).

    Bad:
        flow reengage {
          email honest: still_useful
          wait 2d
          email trends: trends_report   # 2 days later; cadence 7d..14d
        }

    Good:
        flow reengage {
          email honest: still_useful
          wait 7d
          email trends: trends_report
        }
    """

    code = "NUR202"
    name = "cadence-too-tight"
    family = "timing"
    severity = Severity.WARNING
    options = (_CADENCE,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        return _cadence_gaps(
            self,
            ctx,
            longest=False,
            bound=0,
            word="minimum",
            outside=lambda gap, low: gap != 0 and gap < low,
            hint=lambda low: (
                f"wait at least {days(low)} between the two touches, or set a denser `cadence` on "
                f"the flow if it is meant to be"
            ),
        )


class CadenceTooLoose(Rule):
    """Two consecutive contact touches can come further apart than the cadence allows.

    In B2B, one contact every one to two weeks: less often and the contact
    forgets you. On every path, the time between a message (what the
    policy's `messages` lists; presence such as a LinkedIn follow does not
    count) and the next one, plus the longest the calendar can hold the
    next one (quiet hours, send days: the message before went out at an
    allowed moment, so a gap of whole days with quiet hours only is never
    held, while one that lands on a weekend is), must be at most the cadence
    maximum: the flow's `cadence`, else the policy's (a long-term archive
    may be sparser, e.g. `cadence 45d`). An `on event` arm can take as long as
    its `wait until` time-out, or for ever without one. Only gaps between two
    touches count: a wait after the last touch of a path is not a gap.
    Source: Vanderbuild, "Contact Frequency" and FAQ "How often should I
    contact leads in nurturing campaigns?" (one contact every 1-2 weeks).

    Bad:
        flow reengage {
          email honest: still_useful
          wait 21d
          email trends: trends_report   # 3 weeks later; cadence 7d..14d
        }

    Good:
        flow reengage {
          email honest: still_useful
          wait 10d
          email trends: trends_report
        }
    """

    code = "NUR203"
    name = "cadence-too-loose"
    family = "timing"
    severity = Severity.WARNING
    options = (_CADENCE,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        return _cadence_gaps(
            self,
            ctx,
            longest=True,
            bound=1,
            word="maximum",
            outside=lambda gap, high: gap > high,
            hint=lambda high: (
                f"keep the gap to {days(high)} or less (shorten the waits, or add a touch between), "
                f"or set a sparser `cadence` on the flow if it is meant to be"
            ),
        )


def _touch_gaps(fa, paths: _Paths, longest: bool, keep) -> Iterator[tuple]:
    """(touch, gap, touch before it, witness path) for every contact touch
    whose gap since the previous touch (the longest or the shortest over all
    paths) passes `keep`."""
    values, preds = _since_touch(fa, longest=longest)
    for node in fa.order:
        if not fa.is_contact(node) or node not in values:
            continue
        gap, before = values[node]
        if before is not None and keep(gap):
            yield node, gap, before, paths.gap(preds, before, node)


def _cadence_gaps(rule: Rule, ctx: Context, longest: bool, bound: int, word: str, outside, hint) -> Iterator[Finding]:
    """Findings for gaps between consecutive touches outside one end of the
    cadence (NUR202: the shortest gap below the minimum; NUR203: the longest
    above the maximum)."""
    for flow in ctx.flows:
        cadence = ctx.option(rule, "cadence", flow)
        limit = cadence[bound]
        fa = ctx.analysis(flow)
        paths = _Paths(fa)

        # A hold only ever lengthens a gap: the longest gap gets the calendar's
        # worst case, the shortest none. The message before went out at an
        # allowed moment, so a gap of fixed waits is held only as far as that
        # moment plus the gap can fall in a closed stretch; a gap through an
        # `on event` arm can end at any moment.
        def hold_of(gap: float, path=()):
            if not longest or gap == INFINITY:
                return None, ""
            return calendar_hold(ctx.programme, gap if _fixed(fa, path) else None)

        most = calendar_hold(ctx.programme)[0].seconds if longest else 0  # no gap is held longer
        for node, gap, before, path in _touch_gaps(fa, paths, longest, lambda gap: outside(gap + most, limit)):
            hold, words = hold_of(gap, _from(path, before))
            extra = hold.seconds if hold else 0
            if not outside(gap + extra, limit):
                continue
            when = "any time, however late," if gap == INFINITY else days(gap)
            held = ""
            if extra and gap != INFINITY:
                when = _long(gap + extra)
                held = f": {f'{days(gap)} of waits' if gap else 'no wait'}, and {_held(hold, words)}"
            rule_text = f"the cadence {word} is {days(limit)}"
            if before == node:
                message = f"`{node}` can be sent again {when} after the last `{node}`{held}; {rule_text}"
                related = ()
            else:
                message = f"`{node}` can come {when} after `{before}`{held}; {rule_text}"
                related = ((fa.span(before), f"the touch before it, `{before}`"),)
            notes = _wait_notes(ctx, paths, _from(path, before), longest=longest)
            if held:
                notes.append(_HELD_NOTE)
            notes.append(f"the cadence {_cadence_text(cadence)} comes from {ctx.option_source(rule, 'cadence', flow)}")
            yield Finding(
                message,
                fa.span(node),
                flow=flow.name,
                path=path,
                related=related,
                notes=tuple(notes),
                hints=(hint(limit),),
            )


def _fixed(fa, path) -> bool:
    """Whether a path's time is fixed by its waits: it takes no `on event`
    arm (an event comes when it comes; a time-out does not)."""
    for source, target in zip(path, path[1:]):
        kinds = {data["kind"] for t, data in fa.successors(source) if t == target}
        if "event" in kinds:
            return False
    return True


class BackToBackTouches(Rule):
    """Two contact touches can go out with no time at all between them.

    A zero effective wait: an email and then an SMS (or a LinkedIn message)
    at the same moment reads as pressure, not nurture, and the
    second touch gets none of the attention the first one earned. On every
    path, some time must pass between two messages (what the policy's
    `messages` lists; presence such as a LinkedIn follow beside an email, tasks and
    notifications do not count), even with a cadence minimum of `0d` in the
    config file. An `on event` arm counts as taking no time: a
    `wait until` whose condition already holds ends at once. Source:
    Vanderbuild, "Contact Frequency" (contacting too often is perceived as
    spam).

    Bad:
        flow surround {
          email welcome: blog_post
          sms nudge: sms_reminder     # the same moment as the email
        }

    Good:
        flow surround {
          email welcome: blog_post
          wait 7d
          sms nudge: sms_reminder
        }
    """

    code = "NUR207"
    name = "back-to-back-touches"
    family = "timing"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            paths = _Paths(fa)
            for node, _, before, path in _touch_gaps(fa, paths, False, lambda gap: gap == 0):
                if before == node:
                    message = f"`{node}` can be sent again straight after itself, with no wait between"
                    related = ()
                else:
                    message = f"`{node}` can go out at the same moment as `{before}`, with no wait between them"
                    related = ((fa.span(before), f"the touch before it, `{before}`"),)
                notes = tuple(_wait_notes(ctx, paths, _from(path, before), longest=False))
                yield Finding(
                    message,
                    fa.span(node),
                    flow=flow.name,
                    path=path,
                    related=related,
                    notes=notes,
                    hints=("put a wait between the two touches, or drop one of them",),
                )


class WaitUntilWithoutTimeout(Rule):
    """A `wait until` has no `up to`, so it can wait for ever.

    Automation must react to what contacts do, but it must also let go of
    those who do nothing: without `up to`, a contact for whom the condition
    never holds waits at this step for ever, gets no further touch and never
    finishes the flow (only an exit trigger takes them out). Give every
    `wait until` a time-out, and an `on timeout` arm if those contacts should
    get something else. Source: Vanderbuild, "What to automate in lead
    nurturing?" (sequences must account for real-time actions); the time-out
    itself is this rule's own addition, for the reason above.

    Bad:
        flow ghost {
          email case_study: case_study
          wait until replied              # silent contacts wait for ever
        }

    Good:
        flow ghost {
          email case_study: case_study
          wait until replied up to 7d {
            on timeout { email close: close_file as ask }
          }
        }
    """

    code = "NUR208"
    name = "wait-until-without-timeout"
    family = "timing"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            for step in iter_steps(flow.steps):
                if not isinstance(step, n.WaitUntil) or step.timeout is not None:
                    continue
                head = ctx.source_text(_wait_until_head(step)) or f"{step.id}"
                yield Finding(
                    f"`{head}` has no `up to`: a contact for whom it never holds waits here for ever and "
                    f"never finishes the flow",
                    _wait_until_head(step),
                    flow=flow.name,
                    hints=(
                        "add a time-out, e.g. `up to 7d`, and an `on timeout { ... }` arm if those "
                        "contacts should get something else",
                    ),
                )


# In code order; NUR204-NUR206 go between CadenceTooLoose and BackToBackTouches.
RULES: tuple[type[Rule], ...] = (
    SlowFirstTouch,
    CadenceTooTight,
    CadenceTooLoose,
    BackToBackTouches,
    WaitUntilWithoutTimeout,
)
