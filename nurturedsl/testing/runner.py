"""Running `test` declarations on the simulator and judging its trace.

Each test is one contact replayed through the compiled IR from the test's
start: the sim's `Runner` with tracing on, nothing added to its semantics.
Expectations are read off the trace records (docs/simulation.md, "The
trace"), the path and coverage off the transitions the sim counts in its
tally, and a score's value at a moment by replaying up to that moment.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .. import nodes as n
from ..check_tests import DEFAULT_START, MINUTE, Clock
from ..programme import Programme as Checked
from ..sim.contact import Contact, Event
from ..sim.engine import Programme, Runner
from ..sim.report import Tally


class _Walk(Tally):
    """The sim's tally, keeping the transitions it is told of, in order."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.walked: list[tuple[str, str, int]] = []

    def transition(self, flow: str, node: str, index: int) -> None:
        super().transition(flow, node, index)
        self.walked.append((flow, node, index))


def _counts(walk: _Walk) -> Tally:
    """The tally without the walk (Tally.add sums every attribute)."""
    counts = Tally()  # type: ignore[no-untyped-call]
    counts.__dict__.update({k: v for k, v in vars(walk).items() if k != "walked"})
    return counts


@dataclass
class Failure:
    expectation: n.Node  # the `expect` line
    message: str
    at: float | None = None  # where the journey departs from the expectation
    record: int | None = None  # ... or the record that breaks it


@dataclass
class Broken:
    """A test file that cannot be loaded or checked: none of its tests run,
    the others do, and every output reports it as an error."""

    file: str
    diagnostics: list[Any]  # diagnostics.Diagnostic, errors first
    sources: dict[str, Any]  # path -> SourceFile, to render them

    @property
    def message(self) -> str:
        errors = [d for d in self.diagnostics if d.severity.value == "error"] or self.diagnostics
        first = errors[0]
        where = f"{first.span.file}:{first.span.line}:{first.span.column}: " if first.span else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"{where}{first.message}{more}"

    def text(self) -> str:
        from ..diagnostics import Diagnostic, render_text

        ordered = sorted(self.diagnostics, key=Diagnostic.sort_key)
        return "\n\n".join(render_text(d, self.sources) for d in ordered)


@dataclass
class Result:
    test: n.PlaybookTest
    file: str
    failures: list[Failure] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    zone: str = "UTC"
    contact: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures


def _epoch(record: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(record["at"].replace("Z", "+00:00")).timestamp()


def _nest(data: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


class Suite:
    """The tests of one file over its compiled programme."""

    def __init__(self, checked: Checked, ir: dict[str, Any], file: str) -> None:
        self.checked = checked
        self.ir = ir
        self.file = file
        self.programme = Programme(ir)
        self.tally = Tally()  # type: ignore[no-untyped-call]  # every test's contact: a simulate report
        self.start, self.end = float("inf"), -float("inf")
        self.reached: set[tuple[str, str]] = set()  # (flow, node)
        self.taken: set[tuple[str, str, int]] = set()  # (flow, node, edge index)

    def run(self, test: n.PlaybookTest) -> Result:
        began = time.perf_counter()
        contact, events, clock = self.inputs(test)
        until = self.until(test, clock)
        records, walk = self.replay(contact, events, clock.start, until)
        self.tally.add(_counts(walk))
        self.start, self.end = min(self.start, clock.start), max(self.end, until)
        for flow, node, index in walk.walked:
            self.taken.add((flow, node, index))
            self.reached.add((flow, node))
            target = self.ir["flows"][flow]["nodes"][node]["next"][index]["to"]
            self.reached.add((flow, target))
        result = Result(test, self.file, records=records, zone=str(clock.zone), contact=contact.data)
        judge = _Judge(self, contact, events, clock, until, records, walk)
        for expectation in test.expectations:
            failure = judge.check(expectation)
            if failure is not None:
                result.failures.append(failure)
        result.seconds = time.perf_counter() - began
        return result

    def inputs(self, test: n.PlaybookTest) -> tuple[Contact, list[Event], Clock]:
        data: dict[str, Any] = {}
        zone_name: str | None = None
        for item in test.contact:
            if item.path == ["timezone"]:
                zone_name = str(item.value.value)
                continue
            _nest(data, item.path, item.value.value)
        if test.tags:
            data["tags"] = [t.text for t in test.tags]
        if test.consent:
            data["consent"] = [c.text for c in test.consent]
        zone = ZoneInfo(zone_name or self.programme.policy.timezone)
        start = dt.date.fromisoformat(test.start.text if test.start else DEFAULT_START)
        clock = Clock(start, zone)
        events = []
        for happening in test.history:
            arg = happening.event.args[0].value if happening.event.args else None
            events.append(Event(clock.at(happening.at), happening.event.name, arg))
        events.sort(key=lambda e: e.at)  # stable: written order at one moment
        return Contact(test.name, data, zone_name), events, clock

    def until(self, test: n.PlaybookTest, clock: Clock) -> float:
        return clock.end(test.until) - 1

    def replay(
        self, contact: Contact, events: list[Event], start: float, until: float
    ) -> tuple[list[dict[str, Any]], _Walk]:
        runner = Runner(self.programme, start, until, trace=True)
        walk = _Walk()
        runner.run(contact, events, walk)
        return runner.trace_records, walk


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Judge:
    def __init__(
        self,
        suite: Suite,
        contact: Contact,
        events: list[Event],
        clock: Clock,
        until: float,
        records: list[dict[str, Any]],
        walk: _Walk,
    ) -> None:
        self.suite = suite
        self.contact = contact
        self.events = events
        self.clock = clock
        self.until = until
        self.records = records
        self.times = [_epoch(r) for r in records]
        self.walk = walk

    def check(self, e: n.Node) -> Failure | None:
        if isinstance(e, n.Expect):
            return self.happening(e)
        if isinstance(e, n.ExpectScore):
            return self.score(e)
        if isinstance(e, n.ExpectPath):
            return self.path(e)
        if isinstance(e, n.ExpectAtMost):
            return self.at_most(e)
        raise AssertionError(f"an expectation of type {type(e).__name__}")

    # -- one happening of the trace

    def matches(self, e: n.Expect, record: dict[str, Any]) -> bool:
        kind = record["type"]
        if e.what == "touch":
            if kind != "touch" or e.channel not in ("touch", record.get("channel")):
                return False
            if len(e.target) == 2:
                return [record.get("flow"), record.get("step")] == e.target
            return record.get("step") == e.target[0]
        if e.what == "handoff":
            return kind == "handoff" and (not e.target or record.get("team") == e.target[0])
        if e.what == "exit":
            return (
                kind == "exit"
                and record.get("flow") == e.target[0]
                and (e.text is None or e.text in str(record.get("reason", "")))
            )
        if e.what == "enter":
            return kind == "enter" and record.get("flow") == e.target[0]
        if e.what == "threshold":
            return kind == "threshold" and record.get("threshold") == ".".join(e.target)
        if e.what == "notify":
            return (
                kind == "notify"
                and (e.recipient is None or record.get("recipient") == e.recipient)
                and (e.text is None or e.text in str(record.get("text", "")))
            )
        raise AssertionError(e.what)

    def span_of(self, timing: n.Timing | None) -> tuple[float, float, str]:
        if timing is None:
            return -float("inf"), float("inf"), ""
        low, high = self.clock.window(timing.at)
        if timing.kind == "by":
            return -float("inf"), high, f" by {self.clock.describe(high - MINUTE if timing.at.time else high - 1)}"
        if timing.at.kind != "offset" and timing.at.time is None:
            return low, high, f" on {self.clock.describe(low, day_only=True)}"
        return low, high, f" on {self.clock.describe(low)}"

    def happening(self, e: n.Expect) -> Failure | None:
        low, high, when = self.span_of(e.timing)
        hits = [i for i, r in enumerate(self.records) if self.matches(e, r)]
        inside = [i for i in hits if low <= self.times[i] < high]
        what = _what(e)
        if e.never:
            if not inside:
                return None
            first = inside[0]
            return Failure(e, f"{what} happened{when}, at {self.clock.describe(self.times[first])}", record=first)
        if inside:
            return None
        if hits:
            elsewhere = ", ".join(self.clock.describe(self.times[i]) for i in hits[:3])
            return Failure(e, f"expected {what}{when}; it happened at {elsewhere}", at=min(high, self.until))
        return Failure(e, f"expected {what}{when}; it never happened", at=min(high, self.until))

    # -- a score at a moment

    def score(self, e: n.ExpectScore) -> Failure | None:
        if e.timing is None:
            moment = self.until
        else:
            low, high = self.clock.window(e.timing.at)
            moment = high - 1
        runner = Runner(self.suite.programme, self.clock.start, moment, trace=False)
        value = runner.run(self.contact, self.events, Tally()).score(e.score)  # type: ignore[no-untyped-call]
        shown = round(value, 2)
        wanted = float(e.value.value)
        if _COMPARE[e.op](shown, wanted):
            return None
        when = "" if e.timing is None else f" at {self.clock.describe(moment)}"
        return Failure(e, f"expected score {e.score} {e.op} {e.value.text}{when}; it is {_number(shown)}", at=moment)

    # -- the path through a flow

    def path(self, e: n.ExpectPath) -> Failure | None:
        nodes = self.suite.ir["flows"][e.flow]["nodes"]
        walked = [nodes[node]["next"][index]["to"] for flow, node, index in self.walk.walked if flow == e.flow]
        walked = [step for step in walked if "@" not in step]  # not the IR's inner nodes (`repeat_1@wait`)
        wanted = [w.text for w in e.steps]
        position = 0
        for step in walked:
            if position < len(wanted) and step == wanted[position]:
                position += 1
        if position == len(wanted):
            return None
        shown = ", ".join(walked) if walked else "nothing (never entered)"
        return Failure(
            e,
            f"expected the path {e.flow}: {', '.join(wanted)}; "
            f"`{wanted[position]}` was never reached after {', '.join(wanted[:position]) or 'entry'}; walked: {shown}",
            at=self.until,
        )

    # -- how many touches

    def at_most(self, e: n.ExpectAtMost) -> Failure | None:
        limit = int(e.count.value)
        touches = [i for i, r in enumerate(self.records) if r["type"] == "touch"]
        window = e.within.seconds if e.within is not None else None
        for k, i in enumerate(touches):
            first = self.times[i]
            inside = [j for j in touches[k:] if window is None or self.times[j] < first + window]
            if len(inside) > limit:
                over = inside[limit]
                span = f" in {e.within.text}" if e.within is not None else ""
                return Failure(
                    e,
                    f"expected at most {limit} touches{span}; touch {limit + 1} came at "
                    f"{self.clock.describe(self.times[over])}, counting from {self.clock.describe(first)}",
                    record=over,
                )
        return None


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _what(e: n.Expect) -> str:
    target = ".".join(e.target)
    if e.what == "touch":
        return f"{e.channel} {target}"
    if e.what == "handoff":
        return "a handoff" + (f" to {target}" if target else "")
    if e.what == "exit":
        return f"an exit from {target}" + (f' with "{e.text}"' if e.text else "")
    if e.what == "enter":
        return f"an entry into {target}"
    if e.what == "threshold":
        return f"threshold {target} crossed"
    return "a notification" + (f" to {e.recipient}" if e.recipient else "") + f' containing "{e.text}"'


def compile_suite(checked: Checked, file: str) -> Suite:
    """The checked programme compiled through JSON text, as `simulate` does:
    the sim sees exactly what another runner would."""
    from ..ir import compile_programme, dumps

    return Suite(checked, json.loads(dumps(compile_programme(checked))), file)
