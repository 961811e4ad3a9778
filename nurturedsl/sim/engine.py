"""One contact's run through the compiled IR, as a discrete-event simulation.

`Runner(ir, ...)` prepares a programme once (programme.py: conditions
compiled, nodes indexed); `Runner.run(contact, events, tally)` then
simulates one contact from `start` to `until` on a simulated clock and adds
what happened to the tally. Contacts are independent (the frequency cap and
suppression are per contact), so the caller streams them one at a time and
memory stays flat.

The meaning of every step is docs/simulation.md's; the engine keeps to it in
this order at each moment something happens: record the event, then fire
score thresholds, then exits, then `wait until` guards, then entries.

A contact's run (`_ContactRun`) is put together from its parts, one module
each: the clock and its wakes (clock.py), score thresholds
(thresholds.py), entering and leaving flows (membership.py), sending
touches (delivery.py), and what each node does (nodes.py, one handler per
node type). This module keeps what ties them: the loop over happenings,
recording events, the reaction to a change, and the walk from node to node.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable
from random import Random
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .clock import ENTRY, EVENT, REVISIT, TIMER, WAKE, WINDOW, _Clock
from .contact import Contact, Event, Touch
from .delivery import _Delivery
from .logic import date_seconds
from .membership import MAX_ENTRIES, _Membership, _Run
from .nodes import chosen_arm, stable_fraction
from .programme import (
    TOUCH_CHANNELS,
    TOUCH_EVENTS,
    IRError,
    Programme,
    _Flow,
    _Node,
    _Policy,
    _Trigger,
    is_message,
)
from .report import week_count
from .shared import Happening
from .thresholds import _Thresholds
from .values import iso, lookup, number_text, rounded

if TYPE_CHECKING:
    from .experiments import Decision, _Experiment
    from .programme import _Edge
    from .report import Tally

# what the rest of the package and the tests take from here
__all__ = [
    "MAX_ENTRIES",
    "MAX_STEPS_AT_ONCE",
    "TOUCH_CHANNELS",
    "TOUCH_EVENTS",
    "IRError",
    "Programme",
    "Runner",
    "State",
    "_Policy",
    "is_message",
    "iso",
    "stable_fraction",
]

_PASSIVE = ("sent", "bounced")  # events that are not the contact's own activity
_PASSIVE_SET = frozenset(_PASSIVE)
_NOTHING: frozenset[str] = frozenset()  # no event changed this round
MAX_PATH = 20  # choices kept per run: a loop through a branch must not grow the report without bound
MAX_STEPS_AT_ONCE = 10_000  # a loop without a wait must not hang the run

# `responder(contact, touch, at, rng, in_segment)`: the events a delivered
# touch causes (cohort.py's ResponseModel.respond)
Responder = Callable[[Contact, Touch, float, Random | None, Callable[[str, Contact], bool]], Iterable[Event]]


# -- one contact's run -------------------------------------------------------


class State:
    """Everything known about one contact at the current moment: what
    conditions read (see logic.py) and what the engine keeps between steps."""

    def __init__(self, programme: Programme, contact: Contact, start: float):
        self.programme = programme
        self.contact = contact
        # The run's own data: `tag` and `set` change it, and the contact it
        # was given stays as it was read, for the next pass over it (a
        # decision's re-run, a test's next expectation). Nested objects are
        # copied when a `set` writes into them (values.assign).
        self.data = data = dict(contact.data)
        tags = data.get("tags")
        if tags is not None:
            data["tags"] = list(tags)
        self.now = start
        self.events: dict[str, list[tuple[float, str | None]]] = {}  # name -> (at, argument), by time
        # With no activity, a contact is inactive since it was created (or
        # since the start, when that is unknown).
        self.last_activity = start
        created = contact.data.get("created_at")
        self.created_at = date_seconds(created) if isinstance(created, str) else None
        if self.created_at is not None:
            self.last_activity = self.created_at
        self.version = 0  # bumped by every recorded event and every change of attributes or tags
        self.data_version = 0  # bumped by changes of attributes or tags only
        self._scores: dict[str, tuple[int, float, float]] = {}  # name -> (version, now, score)
        self._fit: dict[str, tuple[int, float]] = {}  # name -> (data_version, static fit points)
        self._segments: dict[str, tuple[int, bool]] = {}  # static segment -> (data_version, value)
        # Score changes (docs/ir.md, "Score changes"), for scores that had one:
        # adjustments since the last reset minus the fit points at that reset,
        # and per event name how many events were recorded before the reset.
        self.manual: dict[str, float] = {}
        self.cuts: dict[str, dict[str, int]] = {}
        # the flows the contact is in (the run's `runs`, shared), for `in_flow`
        self.runs: dict[str, Any] = {}
        # Kept only when a condition counts events by channel: the channel of
        # each touch event, in step with `events` (None: not known), and the
        # channel of the touch last sent to the contact under each node id
        # and content name, which says what a later `opened(guide)` was about.
        self.event_channels: dict[str, list[str | None]] = {}
        self.sent_channel: dict[str, str] = {}

    def in_flow(self, name: str) -> bool:
        return name in self.runs

    def count_channel_events(self, name: str, match: frozenset[str] | None, within: float | None, channel: str) -> int:
        """As `count_events`, counting only events about a touch on `channel`."""
        found = self.events.get(name)
        if not found:
            return 0
        channels = self.event_channels.get(name, ())
        oldest = self.now - within if within is not None else -math.inf
        count = 0
        for index in range(len(found) - 1, -1, -1):
            at, arg = found[index]
            if at < oldest:
                break
            if (match is None or arg in match) and index < len(channels) and channels[index] == channel:
                count += 1
        return count

    def count_events(self, name: str, match: frozenset[str] | None, within: float | None) -> int:
        """Events `name` whose argument is in `match` (None: any), within
        the last `within` seconds (None: ever)."""
        found = self.events.get(name)
        if not found:
            return 0
        if match is None and within is None:
            return len(found)
        oldest = self.now - within if within is not None else -math.inf
        count = 0
        for at, arg in reversed(found):
            if at < oldest:
                break
            if match is None or arg in match:
                count += 1
        return count

    def segment(self, name: str) -> bool:
        if name in self.programme.static_segments:
            cached = self._segments.get(name)
            if cached is not None and cached[0] == self.data_version:
                return cached[1]
            value = bool(self.programme.segments[name](self))
            self._segments[name] = (self.data_version, value)
            return value
        return bool(self.programme.segments[name](self))

    def change_score(self, name: str, op: str, points: float) -> None:
        """Record an adjustment of `points`, or reset the score to 0 now:
        later events and adjustments count from here, and the fit points of
        this moment are taken off."""
        if op == "reset":
            self.manual[name] = -self.fit_points(name)
            self.cuts[name] = {
                rule.event: len(self.events.get(rule.event, ())) for rule in self.programme.scores[name].behaviour
            }
        else:
            self.manual[name] = self.manual.get(name, 0.0) + points
        self.version += 1

    def fit_points(self, name: str) -> float:
        model = self.programme.scores[name]
        fixed = self._fit.get(name)
        if fixed is None or fixed[0] != self.data_version:
            fixed = self._fit[name] = (
                self.data_version,
                sum(points for condition, points in model.static_fit if condition(self)),
            )
        return fixed[1] + sum(points for condition, points in model.fit if condition(self))

    def _counted(self, name: str, event: str) -> list[tuple[float, str | None]] | None:
        """The events of `event` a rule of score `name` may count: those
        recorded since the score's last reset."""
        found = self.events.get(event)
        cuts = self.cuts.get(name) if self.cuts else None
        if found and cuts and cuts.get(event):
            return found[cuts[event] :]
        return found

    def score(self, name: str) -> float:
        cached = self._scores.get(name)
        if cached is not None and cached[0] == self.version and cached[1] == self.now:
            return cached[2]
        model = self.programme.scores[name]
        fixed = self._fit.get(name)
        if fixed is None or fixed[0] != self.data_version:
            fixed = self._fit[name] = (
                self.data_version,
                sum(points for condition, points in model.static_fit if condition(self)),
            )
        total: float = fixed[1] + (self.manual.get(name, 0.0) if self.manual else 0.0)
        for condition, points in model.fit:
            if condition(self):
                total += points
        now, events = self.now, self.events
        cuts = self.cuts.get(name) if self.cuts else None
        for rule in model.behaviour:
            found = events.get(rule.event)  # self._counted, inline: most scores were never reset
            if not found:
                continue
            if cuts and cuts.get(rule.event):
                found = found[cuts[rule.event] :]
            counted = 0
            match = rule.arg
            for at, arg in reversed(found):
                if rule.expires is not None and now - at > rule.expires:
                    break
                if match is not None and arg not in match:
                    continue
                total += rule.points if rule.half_life is None else rule.points * 0.5 ** ((now - at) / rule.half_life)
                counted += 1
                if rule.at_most is not None and counted >= rule.at_most:
                    break
        self._scores[name] = (self.version, now, total)
        return total

    def decaying(self, name: str) -> dict[float, float]:
        """The decaying part of a score now, by half-life: the score in
        `dt` seconds, if nothing else changes, is
        score - sum(parts) + sum(part * 0.5 ** (dt / half_life))."""
        parts: dict[float, float] = {}
        now = self.now
        for rule in self.programme.scores[name].decaying:
            found = self._counted(name, rule.event)
            if not found:
                continue
            counted, match, half_life = 0, rule.arg, rule.half_life
            assert half_life is not None  # what makes a rule decaying
            for at, arg in reversed(found):
                if rule.expires is not None and now - at > rule.expires:
                    break
                if match is not None and arg not in match:
                    continue
                parts[half_life] = parts.get(half_life, 0.0) + rule.points * 0.5 ** ((now - at) / half_life)
                counted += 1
                if rule.at_most is not None and counted >= rule.at_most:
                    break
        return parts


class Runner:
    """Runs contacts through a prepared programme between `start` and
    `until` (epoch seconds). `responder(contact, touch, at, rng, in_segment)`
    returns the events a delivered touch causes (cohort mode); `trace`
    collects one dict per happening in `Runner.trace_records`."""

    def __init__(
        self,
        programme: Programme,
        start: float,
        until: float,
        responder: Responder | None = None,
        trace: bool = False,
        rng_for: Callable[[str], Random] | None = None,
        attribution: float = 14 * 86400,
    ):
        self.p = programme
        # how long after a run ends its flow's goal still counts for the flow
        self.attribution = attribution
        # the last week of the report's weekly series (membership._week)
        self.last_week = week_count(start, until) - 1
        self.start = start
        self.until = until
        self.responder = responder
        self.rng_for = rng_for
        self.tracing = trace
        self.trace_records: list[dict[str, Any]] = []
        self._zones: dict[str, ZoneInfo] = {}
        # the experiments decided so far in this run (experiments.py), set
        # by the caller before each contact
        self.decisions: dict[str, Decision] = {}
        # whether the last contact run drew an arm of an experiment not in
        # `decisions` (the rest run the same whatever is decided later)
        self.undecided = False

    def zone(self, name: str | None) -> ZoneInfo:
        name = name or self.p.policy.timezone
        zone = self._zones.get(name)
        if zone is None:
            zone = self._zones[name] = ZoneInfo(name)
        return zone

    def run(self, contact: Contact, events: list[Event], tally: Tally) -> State:
        """Run one contact from the start to `until`; its state at `until`
        (scores, tags, attributes) is what a test reads at that moment."""
        run = _ContactRun(self, contact, events, tally)
        run.go()
        self.undecided = run.undecided
        return run.s


class _ContactRun(_Clock, _Thresholds, _Membership, _Delivery):
    """One contact's run, from the start to `until`. Its parts (the base
    classes) share this one object's state, so a step costs no more than
    it did when they were one class; each says which state it owns."""

    # state most contacts never change, kept off the instance until they do
    recheck_next = False  # an `entry when` flow was left the moment it was entered: look again at the next happening
    decay_seen = False  # an event some score counts with decay has been recorded
    # experiments entered (first entries only) and their open goal windows:
    # (experiment, arm, window close)
    experimented: frozenset[str] | set[str] = frozenset()
    watches: list[tuple[_Experiment, int, float]] | None = None
    # an arm of an experiment with no decision yet was drawn: a decision
    # taken later can change this run, and only such a run (command.py)
    undecided = False

    def __init__(self, runner: Runner, contact: Contact, events: list[Event], tally: Tally):
        self.r = runner
        self.p = runner.p
        self.contact = contact
        self.tally = tally
        self.s = State(runner.p, contact, runner.start)
        self.runs: dict[str, _Run] = {}
        self.s.runs = self.runs  # the same dict: `in_flow` reads it
        self.zone = runner.zone(contact.timezone)
        self.queue: list[Happening] = []
        self.seq = 0
        self.entries: dict[str, tuple[int, float]] = {}  # flow -> (times entered, last entry)
        self.pending: list[tuple[_Flow, _Trigger, float]] = []  # with the time of the event
        self.holding: set[tuple[str, str]] = set()
        self.crossed: set[tuple[str, str]] = set()
        self.fired_at: dict[tuple[str, str], float] = {}
        self.changed: set[str] = set()  # events recorded since the last reaction
        self.everything = True  # attributes, tags or the time changed: re-read every condition
        self.wake_stale = True  # something the next wake depends on changed
        self.wake_at = math.inf
        self.suppressed_until = -math.inf
        self.unsubscribed = False
        self.with_sales = False
        self.first_entry: float | None = None
        self.handed_off = False
        self.touch_times: list[float] = []
        self.channel_times: dict[str, list[float]] = {}
        self.touches = 0
        self.tracing = runner.tracing
        self.rng = runner.rng_for(contact.id) if runner.rng_for and runner.responder else None
        consent = contact.data.get("consent") or ()
        self.sms_consent = "sms" in consent
        self.has_phone = bool(contact.data.get("phone"))
        for event in events:
            if event.at < runner.start:
                self._record(event.name, event.arg, event.at, quiet=True)
            elif event.at <= runner.until:
                self._push(event.at, EVENT, event)
            else:
                tally.late_event()
        if self.s.events and not self.p.any_decay_event.isdisjoint(self.s.events):
            self.decay_seen = True  # from history

    def go(self) -> None:
        s, until, queue = self.s, self.r.until, self.queue
        if s.events and self.p.watched_scores:
            self._over_at_start()
        if s.created_at is not None and s.created_at > s.now:
            # Nothing is looked at before the contact exists (unless an
            # event of theirs comes earlier).
            self._push(s.created_at, WAKE)
        else:
            self._react()
        while queue:
            at, _, kind, payload = heapq.heappop(queue)
            if at > until:
                break
            if self.recheck_next and at > s.now:
                self.recheck_next = False
                self.everything = True
            s.now = at
            if kind == EVENT:
                event = payload[0]
                self._record(event.name, event.arg, at)
                if self.tracing:
                    self._trace("event", event=event.name, arg=event.arg)
            elif kind == TIMER:
                run, ticket, action, node_id = payload
                if run.active and run.ticket == ticket:
                    self._resume(run, action, node_id)
            elif kind == ENTRY:
                self.pending.append(payload)
            elif kind == WAKE:
                if at >= self.wake_at:
                    self.wake_at = math.inf
                self.everything = self.wake_stale = True
            elif kind == WINDOW:
                self._check_goals()
                self._check_attributions()
            elif kind == REVISIT:
                if self.suppressed_until <= at:
                    if self.tracing:
                        self._trace("revisit", reason="suppression ended")
                    self.everything = self.wake_stale = True
            if self.changed or self.everything or self.pending:
                self._react()
            elif self.wake_stale:
                # a timer moved the contact on (into another flow, say): the
                # conditions it now waits on may need a wake of their own
                self._schedule_wake()
        s.now = until
        for run in list(self.runs.values()):
            self.tally.remaining(run.flow.name)
            # still in: its goal counts if it holds by --until
            self._settle(run, None, run.flow.goal is not None and bool(run.flow.goal(s)))
        self._check_attributions(final=True)
        self.tally.contact(self.touches, self.first_entry is not None)

    def _record(self, name: str, arg: str | None, at: float, quiet: bool = False) -> None:
        s, p = self.s, self.p
        if self.holding and not quiet and name in p.threshold_deps.events:
            self._release_thresholds()
        found = s.events.get(name)
        if found is None:
            s.events[name] = [(at, arg)]
        else:
            found.append((at, arg))
        if p.channel_filters and name in TOUCH_EVENTS:
            channel = s.sent_channel.get(arg) if arg is not None else None
            if channel is None and arg is not None:
                channel = p.node_channels.get(arg)
            s.event_channels.setdefault(name, []).append(channel)
        s.version += 1
        passive = name in _PASSIVE_SET
        if not passive:
            s.last_activity = at
        if name == "unsubscribed" and not self.unsubscribed:
            self.unsubscribed = True  # also from history: no email to someone who opted out before the start
            if not quiet:
                self.tally.unsubscribed()
                for run in self.runs.values():  # the split and experiment arms they were in
                    for node_id, index in set(run.path):
                        if run.flow.nodes[node_id].type != "branch":
                            self.tally.arm_unsubscribed(run.flow.name, node_id, index)
        if quiet:
            return
        if name in p.reactive or p.any_activity and not passive:
            self.changed.add(name)
        if name in p.wake_events or p.wake_activity and not passive:
            self.wake_stale = True
            if not self.decay_seen and name in p.any_decay_event:
                self.decay_seen = True
        triggers = p.triggers.get(name)
        if triggers is None:
            return
        for flow, trigger in triggers:
            if trigger.match is None or arg in trigger.match:
                if trigger.delay:
                    self._push(at + trigger.delay, ENTRY, flow, trigger, at)
                else:
                    self.pending.append((flow, trigger, at))

    # -- reacting to a change

    def _react(self) -> None:
        s, p, runs = self.s, self.p, self.runs
        threshold_deps, goal_deps = p.threshold_deps, p.goal_deps
        changed: set[str] | frozenset[str]
        for _ in range(100):
            changed, everything = self.changed, self.everything
            if not (changed or everything or self.pending):
                break
            # Conditions are re-read only when something they depend on has
            # changed since the last round; changes made while reacting
            # (touches sent, tags set) are looked at in the next round. An
            # empty `changed` is kept (no new set each round) and read as
            # _NOTHING, so what this round adds to it waits for the next.
            if changed:
                self.changed = set()
                active = not changed <= _PASSIVE_SET
            else:
                changed, active = _NOTHING, False
            self.everything = False
            if everything or changed:
                # the same test for every group of conditions, inline: does
                # this round's change touch what they read (`Deps`)?
                deps = threshold_deps
                if everything or deps.activity and active or not deps.events.isdisjoint(changed):
                    self._thresholds()
                if runs:
                    for run in tuple(runs.values()):
                        deps = run.flow.exit_deps
                        if run.active and (
                            everything or deps.activity and active or not deps.events.isdisjoint(changed)
                        ):
                            reason = self._exit_reason(run)
                            if reason:
                                self._leave(run, reason)
                if runs:
                    for run in tuple(runs.values()):
                        node = run.waiting
                        if run.active and node is not None:
                            deps = node.deps
                            if everything or deps.activity and active or not deps.events.isdisjoint(changed):
                                edge = node.ready(self, run, node)
                                if edge is not None:
                                    self._stop_waiting(run, node, edge)
                if self.attributions and (
                    everything or goal_deps.activity and active or not goal_deps.events.isdisjoint(changed)
                ):
                    self._check_attributions()
            if self.pending:
                pending, self.pending = self.pending, []
                for flow, trigger, event_at in pending:
                    if trigger.condition is None or trigger.condition(s):
                        self._enter(flow, trigger.text, since=event_at)
            if (everything or changed) and not self.with_sales:
                for flow in p.condition_flows:
                    if flow.name in runs:
                        continue
                    deps = flow.entry_deps
                    if (
                        everything or deps.activity and active or not deps.events.isdisjoint(changed)
                    ) and self._may_enter(flow):
                        for trigger in flow.on_condition:
                            if trigger.condition(s):  # type: ignore[misc]  # `entry when` always has one
                                self._enter(flow, trigger.text)
                                break
        if self.watches:
            self._check_goals()
        self._schedule_wake()

    # -- experiments: each contact's goal window (experiments.py)

    def _watch_goal(self, exp: _Experiment, arm: int) -> None:
        """Count the contact's first entry into `exp`: watch its goal until
        the window closes."""
        if exp.key in self.experimented:
            return
        if not self.experimented:
            self.experimented = set()
        self.experimented.add(exp.key)  # type: ignore[union-attr]  # a set from here on
        close = self.s.now + exp.window
        if self.watches is None:
            self.watches = []
        self.watches.append((exp, arm, close))
        self._push(close, WINDOW)
        self._check_goals()

    def _check_goals(self) -> None:
        """Close the windows whose goal holds now (reached) or whose time is
        up (not reached). Checked at every reaction and when a window closes,
        whether or not the contact is still in the flow."""
        if not self.watches:
            return
        now, s = self.s.now, self.s
        still = []
        for exp, arm, close in self.watches:
            if now <= close and exp.goal(s):
                self.tally.experiment_window(exp.key, arm, close, True)
                if self.tracing:
                    self._trace("experiment_goal", flow=exp.flow, step=exp.node, arm=exp.arms[arm])
            elif now >= close:
                self.tally.experiment_window(exp.key, arm, close, False)
            else:
                still.append((exp, arm, close))
        self.watches = still

    def _exit_reason(self, run: _Run) -> str | None:
        for condition, text in run.flow.exits:
            if condition(self.s):
                return "exit on " + text
        return None

    # -- changing the contact, telling people

    def _notify(self, recipient: str | None, text: str, score: str | None, **where: Any) -> None:
        rendered = self._fill(text, score)
        self.tally.notified(recipient)
        if self.tracing:
            self._trace("notify", recipient=recipient, text=rendered, **where)

    def _fill(self, text: str, score: str | None) -> str:
        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "score" and score is not None:
                return number_text(self.s.score(score))
            if key in self.p.scores:
                return number_text(self.s.score(key))
            found = lookup(self.s.data, key)
            if found is None:
                return self.contact.id if key == "name" else match.group(0)
            return number_text(found) if isinstance(found, (int, float)) else str(found)

        return _PLACEHOLDER.sub(value, text)

    def _tag(self, tag: str, remove: bool) -> None:
        if self.holding:
            self._release_thresholds()
        tags = self.s.data.setdefault("tags", [])
        if remove and tag in tags:
            tags.remove(tag)
        elif not remove and tag not in tags:
            tags.append(tag)
        else:
            return
        self.s.version += 1
        self.s.data_version += 1
        self.everything = self.wake_stale = True

    # -- walking a flow

    def _resume(self, run: _Run, action: str, node_id: str) -> None:
        node = run.flow.nodes[node_id]
        if action == "send":
            if self._deliver(run, node):
                self._take(run, node, node.next[0])
        elif action == "timeout":  # the last transition of a wait_until or a wait_for
            run.waiting = None
            self.wake_stale = True
            self._take(run, node, node.next[-1])
        elif action == "arm":  # every happening of this moment is in: the first arm written wins
            edge = chosen_arm(self.s, run, node)
            if edge is not None and run.waiting is node:
                self._stop_waiting(run, node, edge)
        else:
            self._walk(run, node_id, came_from=run.node)

    def _stop_waiting(self, run: _Run, node: _Node, edge: _Edge) -> None:
        run.waiting = None
        self.wake_stale = True
        run.ticket += 1
        self._take(run, node, edge)

    def _take(self, run: _Run, node: _Node, edge: _Edge) -> None:
        self.tally.transition(run.flow.name, node.id, edge.index)
        if edge.delay and edge.kind != "timeout":
            run.ticket += 1
            run.node = node.id
            self._push(self.s.now + edge.delay, TIMER, run, run.ticket, "walk", edge.to)
            return
        self._walk(run, edge.to, came_from=node.id)

    def _walk(self, run: _Run, node_id: str, came_from: str | None = None) -> None:
        """Perform nodes from `node_id` until the run waits or leaves: each
        node's handler (nodes.py) does what the node does and says which
        transition follows; the walk counts it and takes it, at once or, when
        it has a delay, by a timer."""
        s, flow = self.s, run.flow
        nodes, tally = flow.nodes, self.tally
        for _ in range(MAX_STEPS_AT_ONCE):
            if not run.active:
                return
            node = nodes[node_id]
            run.node = node_id
            if node_id not in run.seen:
                run.seen.add(node_id)
                tally.step_reached[(flow.name, node_id)] += 1  # Tally.reached, without the call
            if node.counts_where:
                run.where = node_id
            edge = node.perform(self, run, node, came_from)
            if edge is None:  # it waits here, or it has left
                return
            tally.transition(flow.name, node_id, edge.index)  # a call: the test runner's tally records walks by it
            if node.choice:
                if len(run.path) < MAX_PATH:
                    run.path.append((node_id, edge.index))
                if node.type != "branch":
                    tally.arm(flow.name, node_id, edge.index)
            if edge.delay:
                run.ticket += 1
                self._push(s.now + edge.delay, TIMER, run, run.ticket, "walk", edge.to)
                return
            came_from, node_id = node_id, edge.to
        self._leave(run, "loop without a wait")

    # -- the trace

    def _trace(self, kind: str, **fields: Any) -> None:
        if not self.r.tracing:
            return
        record: dict[str, Any] = {"at": iso(self.s.now), "contact": self.contact.id, "type": kind}
        for key, value in fields.items():
            if value is not None:
                record[key] = value
        if self.p.scores:
            record["score"] = {name: rounded(self.s.score(name)) for name in sorted(self.p.scores)}
        self.r.trace_records.append(record)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
