"""Checks of `test` declarations (docs/testing.md): every name a test uses
resolved against the programme, with located errors and did-you-mean hints.

Imported by check.py only when the file has tests, so `lint` and `check` of
a playbook without tests load nothing of this. Tests are never compiled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import nodes as n
from . import vocabulary as vocab
from .diagnostics import did_you_mean
from .source import Span

if TYPE_CHECKING:
    from .check import _Checker

CHANNELS = ("email", "sms", "linkedin", "ads", "touch")
MAX_DAYS = 3650  # as the language's durations: ten years
FIRST_YEAR, LAST_YEAR = 1900, 8980  # the simulator's clock, less a test's longest reach


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

    def step(self, path: list[str], span: Span | None) -> None:
        """`FLOW.STEP`, or a STEP whose name is unique across flows."""
        if span is None:
            return
        if len(path) == 2:
            flow = self.flow(path[0], span)
            if flow is not None:
                ids = [s.id for s in n.iter_steps(flow.steps) if s.id]
                if path[1] not in ids:
                    self.c.unknown(f"step of flow `{flow.name}`", path[1], span, ids)
            return
        if len(path) != 1:
            self.c.error("NUR010", f"`{'.'.join(path)}` is not a step: write FLOW.STEP", span)
            return
        owners = [f.name for f in self.p.flows.values() if path[0] in {s.id for s in n.iter_steps(f.steps)}]
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

    def expectation(self, e: n.Expectation) -> None:
        if isinstance(e, (n.Expect, n.ExpectScore)) and e.timing is not None:
            self.moment(e.timing.at)
        if isinstance(e, n.Expect):
            if e.what == "touch":
                self.step(e.target, e.target_span)
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
