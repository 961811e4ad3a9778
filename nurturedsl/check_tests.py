"""Checks of `test` declarations (docs/testing.md): every name a test uses
resolved against the programme, with located errors and did-you-mean hints.

Imported by check.py only when the file has tests, so `lint` and `check` of
a playbook without tests load nothing of this. Tests are never compiled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from . import nodes as n
from . import vocabulary as vocab
from .diagnostics import did_you_mean
from .source import Span

if TYPE_CHECKING:
    from .check import _Checker

CHANNELS = ("email", "sms", "linkedin", "ads", "touch")
MAX_DAYS = 3650  # as the language's durations: ten years
FIRST_YEAR, LAST_YEAR = 1900, 8980  # the simulator's clock, less a test's longest reach
DEFAULT_START = "2026-01-05"  # a Monday
DEFAULT_TIME = "10:00"  # a history event's time of day when none is given
DEFAULT_LENGTH_DAYS = 365  # `until` when a test gives none: after its start
MINUTE, DAY = 60, 86_400


@dataclass
class Clock:
    """The moments of one test, in the contact's time zone: shared by the
    checks here (a moment after `until`) and the runner (testing/runner.py)."""

    start_day: dt.date
    zone: ZoneInfo

    def local(self, day: dt.date, hhmm: str) -> float:
        hours, minutes = (int(part) for part in hhmm.split(":"))
        moment = dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=self.zone)
        return moment.timestamp()

    @property
    def start(self) -> float:
        return self.local(self.start_day, "00:00")

    def day(self, moment: n.Moment) -> dt.date:
        if moment.kind == "date" and moment.date is not None:
            return dt.date.fromisoformat(moment.date)
        return self.start_day + dt.timedelta(days=moment.day)

    def at(self, moment: n.Moment) -> float:
        """The moment itself: a history event happens then. `+48h` is
        elapsed time from midnight of the start day."""
        if moment.kind == "offset":
            return self.start + moment.offset
        return self.local(self.day(moment), moment.time or DEFAULT_TIME)

    def window(self, moment: n.Moment) -> tuple[float, float]:
        """[from, to) that `on MOMENT` means: the minute given, else the day."""
        if moment.kind == "offset":
            point = self.start + moment.offset
            return point, point + MINUTE
        if moment.time is not None:
            point = self.at(moment)
            return point, point + MINUTE
        day = self.day(moment)
        return self.local(day, "00:00"), self.local(day + dt.timedelta(days=1), "00:00")

    def end(self, until: n.Moment | None) -> float:
        """The first second after the run: the end of `until`'s day or minute."""
        if until is not None:
            return self.window(until)[1]
        return self.start + DEFAULT_LENGTH_DAYS * DAY + 1

    def describe(self, at: float, day_only: bool = False) -> str:
        local = dt.datetime.fromtimestamp(at, self.zone)
        number = (local.date() - self.start_day).days
        return f"{local:%a %Y-%m-%d}{'' if day_only else f' {local:%H:%M}'} (day {number})"


def _nodes(node: object) -> Iterator[BaseModel]:
    """Every node under this one, the node itself included."""
    if isinstance(node, BaseModel):
        yield node
        for name in type(node).model_fields:
            yield from _nodes(getattr(node, name))
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _nodes(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _nodes(item)


def check_tests(checker: _Checker) -> None:
    for test in checker.p.tests.values():
        _Test(checker, test).run()


class _Test:
    def __init__(self, checker: _Checker, test: n.PlaybookTest) -> None:
        self.c = checker
        self.p = checker.p
        self.test = test

    def run(self) -> None:
        c, test = self.c, self.test
        first: dict[str, Span] = {}
        for item in test.written:
            if item.text in first:
                c.error(
                    "NUR011",
                    f"`{item.text}` is given twice in test `{test.name}`",
                    item.span,
                    related=((first[item.text], "first given here"),),
                    hints=(
                        "one contact per test: write a second test for another contact"
                        if item.text == "contact"
                        else f"a test has one `{item.text}`: remove one",
                    ),
                )
            first.setdefault(item.text, item.span)
        before = len(c.diagnostics)
        if test.start is not None:
            self.date(test.start.text, test.start.span)
        if test.until is not None:
            self.moment(test.until)
        seen: dict[str, Span] = {}
        for value in test.contact:
            key = ".".join(value.path)
            if key in seen:
                c.error(
                    "NUR011",
                    f"`{key}` is given twice in test `{test.name}`",
                    value.path_span,
                    related=((seen[key], "first given here"),),
                )
            seen[key] = value.path_span
            if key == "timezone":
                if value.value.kind != "string":
                    c.error("NUR014", 'a time zone is a quoted IANA name, e.g. "Europe/Berlin"', value.value.span)
                else:
                    c.check_timezone(str(value.value.value), value.value.span)
                continue
            if key == "id":
                continue
            kind = c.attribute_type(value.path, value.path_span)
            if kind is not None:
                c.check_literal(kind, value.value, key)
        for channel in test.consent:
            if channel.text not in vocab.CONSENT_CHANNELS:
                c.error(
                    "NUR010",
                    f"unknown consent channel `{channel.text}`",
                    channel.span,
                    hints=did_you_mean(channel.text, vocab.CONSENT_CHANNELS),
                )
        for event in test.history:
            self.moment(event.at)
            c.check_event(event.event.name, event.event.span, event.event.args)
        if not test.expectations:
            c.error(
                "NUR014",
                f"test `{test.name}` expects nothing",
                test.name_span,
                hints=("add an `expect` line: `expect email FLOW.STEP`, `expect handoff sales`, ...",),
            )
        for expectation in test.expectations:
            self.expectation(expectation)
        if len(c.diagnostics) == before:
            self.within_run()

    def clock(self) -> Clock:
        zone = next((str(v.value.value) for v in self.test.contact if v.path == ["timezone"]), None)
        if zone is None:
            setting = self.p.setting(n.Timezone)
            zone = setting.zone.text if setting else "UTC"
        start = self.test.start.text if self.test.start else DEFAULT_START
        return Clock(dt.date.fromisoformat(start), ZoneInfo(zone))

    def within_run(self) -> None:
        """Every moment of the test inside its run: `until` after `start`,
        no event and no expectation after `until` (a `never` there would
        pass whatever the programme does)."""
        test, clock = self.test, self.clock()
        end = clock.end(test.until)
        last = clock.describe(end - 1)
        if test.until is not None:
            if end - MINUTE <= clock.start:
                self.c.error(
                    "NUR014",
                    f"`until {test.until.text}` is not after the start of test `{test.name}` "
                    f"({clock.describe(clock.start)}): the run would be empty",
                    test.until.span,
                    hints=("`until` is a moment after `start`: `until day 30`, `until +2w`",),
                )
                return
            bound = f"the end of the run (`until {test.until.text}`: {last})"
        else:
            bound = f"the end of the run ({DEFAULT_LENGTH_DAYS} days by default: {last})"
        fix = "move `until` later, or leave it out (a run is 365 days by default)"
        for event in test.history:
            if clock.at(event.at) >= end:
                self.c.error(
                    "NUR014",
                    f"this event at `{event.at.text}` comes after {bound}: it would never happen",
                    event.at.span,
                    hints=(fix,),
                )
        for e in test.expectations:
            timing = e.timing if isinstance(e, (n.Expect, n.ExpectScore)) else None
            if timing is not None and clock.window(timing.at)[0] >= end:
                never = isinstance(e, n.Expect) and e.never
                self.c.error(
                    "NUR014",
                    f"`{timing.kind} {timing.at.text}` is after {bound}: "
                    + ("this `never` would pass whatever happens" if never else "nothing after it is simulated"),
                    timing.span,
                    hints=(fix,),
                )

    def moment(self, moment: n.Moment) -> None:
        if moment.kind == "date" and moment.date is not None:
            self.date(moment.date, moment.span)
        if moment.time is not None:
            hours, minutes = (int(part) for part in moment.time.split(":"))
            if hours > 23 or minutes > 59:
                self.c.error("NUR014", f"`{moment.time}` is not a time of day (00:00 to 23:59)", moment.span)
        if moment.kind == "day" and "." in moment.text.split()[1]:
            self.c.error("NUR014", f"`{moment.text}`: a day is a whole number", moment.span)
        if moment.kind == "day" and abs(moment.day) > MAX_DAYS:
            self.c.error("NUR014", f"`{moment.text}` is more than ten years from the start", moment.span)
        if moment.kind == "offset" and moment.offset > MAX_DAYS * 86_400:
            self.c.error("NUR014", f"`{moment.text}` is more than ten years after the start", moment.span)

    def date(self, text: str, span: Span) -> None:
        """A date on the calendar, within the simulated time with room for
        ten years of a test (sim/contact.py: 1900 to 9000)."""
        before = len(self.c.diagnostics)
        self.c.date(text, span)
        if len(self.c.diagnostics) == before and not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
            self.c.error("NUR014", f"`{text}`: a test runs between {FIRST_YEAR} and {LAST_YEAR}", span)

    def flow(self, name: str, span: Span | None) -> n.Flow | None:
        flow = self.p.flows.get(name)
        if flow is None and span is not None:
            self.c.unknown("flow", name, span, self.p.flows)
        return flow

    def step(self, path: list[str], span: Span | None) -> n.AnyStep | None:
        """`FLOW.STEP`, or a STEP whose name is unique across flows: the
        step, when there is one."""
        if span is None:
            return None
        if len(path) == 2:
            flow = self.flow(path[0], span)
            if flow is not None:
                steps = {s.id: s for s in n.iter_steps(flow.steps) if s.id}
                if path[1] not in steps:
                    self.c.unknown(f"step of flow `{flow.name}`", path[1], span, steps)
                return steps.get(path[1])
            return None
        if len(path) != 1:
            self.c.error("NUR010", f"`{'.'.join(path)}` is not a step: write FLOW.STEP", span)
            return None
        found = [(f.name, s) for f in self.p.flows.values() for s in n.iter_steps(f.steps) if s.id == path[0]]
        owners = [name for name, _ in found]
        if not owners:
            every = [f"{f.name}.{s.id}" for f in self.p.flows.values() for s in n.iter_steps(f.steps) if s.id]
            self.c.unknown("step", path[0], span, [e.split(".", 1)[1] for e in every] + every)
        elif len(owners) > 1:
            self.c.error(
                "NUR012",
                f"step `{path[0]}` is in several flows ({', '.join(owners)})",
                span,
                hints=(f"name the flow: `{owners[0]}.{path[0]}`",),
            )
        return found[0][1] if len(found) == 1 else None

    def channel(self, channel: str, step: n.AnyStep, span: Span | None) -> None:
        """`expect sms STEP` of an email step could never match: say so."""
        sent = step.channel if isinstance(step, n.Touch) else None
        if sent in ("email", "sms", "linkedin", "ads") and channel in (sent, "touch"):
            return
        if sent is None:
            what = f"a `{n.keyword(step)}` step, not a touch"
        elif sent in ("task", "notify"):
            what = f"a `{sent}` step, not a touch of the contact"
        else:
            what = f"an {sent} step" if sent[0] in "aeiou" else f"a {sent} step"
        hints = (f"write `expect {sent} ...`",) if sent in ("email", "sms", "linkedin", "ads") else ()
        if sent == "notify":
            hints = ('for a notification, write `expect notify RECIPIENT "text"`',)
        self.c.error("NUR014", f"`{step.id}` is {what}: `expect {channel}` could never match it", span, hints=hints)

    def named(self, what: str, name: str, span: Span | None, known: list[str]) -> None:
        if span is not None and name not in known:
            extra = None if known else f"no step or threshold of the programme names a {what}"
            self.c.unknown(what, name, span, known, extra_hint=extra)

    def teams(self) -> list[str]:
        """The teams the programme hands off to, in flows and thresholds."""
        found = (x.team for x in _nodes([self.p.flows, self.p.scores]) if isinstance(x, n.Handoff))
        return sorted(set(found))

    def recipients(self) -> list[str]:
        found = (
            x.recipient
            for x in _nodes([self.p.flows, self.p.scores])
            if isinstance(x, n.Touch) and x.channel == "notify" and x.recipient
        )
        return sorted(set(found))

    def expectation(self, e: n.Expectation) -> None:
        if isinstance(e, (n.Expect, n.ExpectScore)) and e.timing is not None:
            self.moment(e.timing.at)
        if isinstance(e, n.Expect):
            if e.what == "touch":
                step = self.step(e.target, e.target_span)
                if step is not None and e.channel is not None:
                    self.channel(e.channel, step, e.target_span)
            elif e.what == "handoff" and e.target:
                self.named("team", e.target[0], e.target_span, self.teams())
            elif e.what == "notify" and e.recipient is not None:
                self.named("recipient", e.recipient, e.recipient_span, self.recipients())
            elif e.what in ("exit", "enter"):
                self.flow(e.target[0], e.target_span)
            elif e.what == "threshold":
                self.threshold(e.target, e.target_span)
        elif isinstance(e, n.ExpectScore):
            self.c.in_range(e.value)
            if e.score not in self.p.scores:
                self.c.unknown("score", e.score, e.score_span, self.p.scores)
        elif isinstance(e, n.ExpectPath):
            flow = self.flow(e.flow, e.flow_span)
            if flow is not None:
                ids = [s.id for s in n.iter_steps(flow.steps) if s.id]
                for word in e.steps:
                    if word.text not in ids:
                        self.c.unknown(f"step of flow `{flow.name}`", word.text, word.span, ids)
        else:
            self.c.whole(e.count, "a number of touches", minimum=0)
            self.c.positive(e.within, "the window of `at most`")

    def threshold(self, path: list[str], span: Span | None) -> None:
        if span is None:
            return
        if len(path) != 2:
            self.c.error("NUR010", f"`{'.'.join(path)}` is not a threshold: write SCORE.THRESHOLD", span)
            return
        score = self.p.scores.get(path[0])
        if score is None:
            self.c.unknown("score", path[0], span, self.p.scores)
            return
        names = [t.name for t in score.thresholds]
        if path[1] not in names:
            self.c.unknown(f"threshold of score `{score.name}`", path[1], span, names)
