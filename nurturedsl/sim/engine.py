"""One contact's run through the compiled IR, as a discrete-event simulation.

`Runner(ir, ...)` prepares a programme once (conditions compiled, nodes
indexed); `Runner.run(contact, events, tally)` then simulates one contact
from `start` to `until` on a simulated clock and adds what happened to the
tally. Contacts are independent (the frequency cap and suppression are per
contact), so the caller streams them one at a time and memory stays flat.

The meaning of every step is docs/simulation.md's; the engine keeps to it in
this order at each moment something happens: record the event, then fire
score thresholds, then exits, then `wait until` guards, then entries. The
clock jumps from one pending happening to the next (a heap): an input event,
the end of a wait, a deferred send, a time-out, the end of a suppression,
or a "wake" when a time-dependent condition (`within`, `inactive`,
`deal.closed_ago`, an expiring score, a decaying score crossing the number
it is compared with) may have changed, or when a flow's re-entry delay
runs out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import math
import re
from bisect import bisect_right
from collections.abc import Callable
from zoneinfo import ZoneInfo

from .. import units
from .contact import Contact, Event, Touch
from .describe import _duration as _duration_text
from .logic import Compiler, date_seconds, time_sources

TOUCH_CHANNELS = ("email", "sms", "linkedin", "ads")
TOUCH_EVENTS = frozenset(("sent", "opened", "clicked", "replied"))  # events whose argument is a step or content
_UNSUBSCRIBE_STOPS = ("email", "sms")  # what an unsubscribe stops
_PASSIVE = ("sent", "bounced")  # events that are not the contact's own activity
MAX_STEPS_AT_ONCE = 10_000  # a loop without a wait must not hang the run
# Nor may a flow that takes a contact back in at every event (`reentry
# allowed`, `entry when`, a body that takes no time) while each entry brings
# more events: one contact enters one flow at most this often in a run.
MAX_ENTRIES = 10_000
_EVENT, _TIMER, _ENTRY, _WAKE, _REVISIT = range(5)


class IRError(Exception):
    """The document is not an IR this runner understands."""


def is_message(node: dict) -> bool:
    """Whether a node of the IR is a message: what max_touches, the cadence
    minimum, first_touch and the frequency cap count, and what quiet hours
    and send days hold. Other touches (a LinkedIn follow, an ad audience
    change, by default) are presence: sent at once, counted by none of
    these. The node's `message` flag says which (IR 1.1); a 1.0 document
    has none, and the default `messages` list decides."""
    if node.get("message") is not None:
        return bool(node["message"])
    from ..policy import is_message as by_default

    return by_default(node)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def iso(seconds: float) -> str:
    """A moment as `2026-01-05T09:00:00Z`. By calendar arithmetic, not the C
    library's gmtime (which may refuse times before 1970): every moment of
    contact.EARLIEST..LATEST, and well past it, has its date."""
    return (_EPOCH + dt.timedelta(seconds=round(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(seconds: float, zone: ZoneInfo) -> dt.datetime:
    if seconds >= 0:
        return dt.datetime.fromtimestamp(seconds, zone)  # the fast way, where every platform has it
    return (_EPOCH + dt.timedelta(seconds=seconds)).astimezone(zone)


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) fixed by `parts`, the same in every process."""
    digest = hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


# -- the programme, prepared once ------------------------------------------


class _Edge:
    __slots__ = ("to", "kind", "guard", "delay", "weight", "index")

    def __init__(self, data: dict, index: int, compile_):
        self.to = data["to"]
        self.kind = data["kind"]
        self.guard = compile_(data["guard"]) if "guard" in data else None
        self.delay = data["delay"]["seconds"] if "delay" in data else 0
        self.weight = data.get("weight")
        self.index = index


class _Node:
    __slots__ = ("id", "type", "next", "data", "condition", "sources", "deps", "message", "timed", "pairs")

    def __init__(self, node_id: str, data: dict, compile_):
        self.id = node_id
        self.type = data["type"]
        self.next = [_Edge(edge, i, compile_) for i, edge in enumerate(data["next"])]
        self.data = data
        self.message = is_message(data)
        self.condition = compile_(data["condition"]) if self.type == "wait_until" else None
        self.sources: set = set()
        self.deps = None


class _Trigger:
    __slots__ = ("event", "arg", "match", "delay", "condition", "sources", "text")

    def __init__(self, data: dict, compile_, describe_, match_):
        event = data.get("event")
        self.event = event["name"] if event else None
        self.arg = event.get("arg") if event else None
        self.match = match_(self.event, self.arg)  # the event arguments it matches; None: any
        self.delay = data["delay"]["seconds"] if "delay" in data else 0
        self.condition = compile_(data["condition"]) if "condition" in data else None
        self.sources: set = set()
        words = [f"on {self.event}" + (f"({self.arg})" if self.arg else "")] if event else []
        if "condition" in data:
            words.append(("when " if event else "") + describe_(data["condition"]))
        self.text = " ".join(words)


class _Flow:
    def __init__(self, name: str, data: dict, compile_, describe_, match_):
        self.name = name
        self.nodes = {node_id: _Node(node_id, node, compile_) for node_id, node in data["nodes"].items()}
        self.start = data["start"]
        self.triggers = [_Trigger(t, compile_, describe_, match_) for t in data["entry"]]
        self.on_condition = [t for t in self.triggers if t.event is None]
        self.audience = compile_(data["audience"]) if "audience" in data else None
        self.exits = [(compile_(rule), describe_(rule)) for rule in data["exit"]]
        self.goal = compile_(data["goal"]) if "goal" in data else None
        reentry = data["reentry"]
        self.reentry = reentry["allowed"]
        self.reentry_after = reentry["after"]["seconds"] if "after" in reentry else 0
        self.max_touches = data.get("max_touches", math.inf)
        self.readmits = bool(self.on_condition) and self.reentry  # an `entry when` flow that takes contacts back
        cadence = data.get("cadence")
        self.cadence_min = cadence["min"]["seconds"] if cadence and "min" in cadence else 0
        self.exit_sources: set = set()
        self.entry_sources: set = set()


class _Behaviour:
    __slots__ = ("event", "arg", "points", "half_life", "expires", "at_most")

    def __init__(self, data: dict, match_):
        self.event = data["event"]["name"]
        self.arg = match_(self.event, data["event"].get("arg"))  # the event arguments it counts; None: any
        self.points = data["points"]
        self.half_life = data["decay_half_life"]["seconds"] if "decay_half_life" in data else None
        self.expires = data["expires"]["seconds"] if "expires" in data else None
        self.at_most = data.get("at_most")


class _Score:
    def __init__(self, name: str, data: dict, compile_, ir: dict, durations: dict, match_):
        self.name = name
        # Fit rules that read only attributes and tags change only when those
        # do, so their sum is kept until then; the others are summed each time.
        self.static_fit, self.fit = [], []
        for rule in data["fit"]:
            condition = rule["condition"]
            reads = _deps(condition, ir)
            static = not reads.events and not reads.activity and not time_sources(condition, ir["segments"], durations)
            (self.static_fit if static else self.fit).append((compile_(condition), rule["points"]))
        self.behaviour = [_Behaviour(rule, match_) for rule in data["behaviour"]]
        self.decaying = [rule for rule in self.behaviour if rule.half_life is not None]
        self.thresholds = [(t["name"], t["op"], t["value"], t["actions"]) for t in data["thresholds"]]


class _Policy:
    def __init__(self, data: dict):
        self.timezone = data.get("timezone", "UTC")
        self.days = frozenset(units.day_index(day) for day in data.get("send_days", units.DAYS))
        quiet = data.get("quiet_hours")
        self.quiet = (units.time_minutes(quiet["start"]), units.time_minutes(quiet["end"])) if quiet else None
        cap = data.get("frequency_cap")
        self.cap = (cap["count"], cap["per"]["seconds"]) if cap else None

    def quiet_at(self, minute: float) -> bool:
        start, end = self.quiet
        if start <= end:
            return start <= minute < end
        return minute >= start or minute < end

    def next_open(self, when: float, zone: ZoneInfo) -> tuple[float, tuple[str, ...]]:
        """The first moment at or after `when` outside quiet hours on a send
        day, in the contact's zone, and what held the touch back, in the
        order met (a Friday-night message waits for the night and for the
        weekend: both)."""
        if self.quiet is None and len(self.days) == 7:
            return when, ()
        local = _local(when, zone)
        reasons: tuple[str, ...] = ()
        for _ in range(16):
            minute = local.hour * 60 + local.minute + local.second / 60
            if local.weekday() not in self.days:
                if "send_days" not in reasons:
                    reasons += ("send_days",)
                local = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), zone)
                continue
            if self.quiet is not None and self.quiet_at(minute):
                if "quiet_hours" not in reasons:
                    reasons += ("quiet_hours",)
                end = self.quiet[1]
                day = local.date() if minute < end else local.date() + dt.timedelta(days=1)
                local = dt.datetime.combine(day, dt.time(end // 60, end % 60), zone)
                continue
            return (local.timestamp() if reasons else when), reasons
        return local.timestamp(), reasons  # pragma: no cover - no send day at all is a checked error


class Programme:
    """An IR document prepared for running."""

    def __init__(self, ir: dict):
        if ir.get("format") != "nurturedsl-ir":
            raise IRError('not a nurturedsl IR document (its `format` is not "nurturedsl-ir")')
        version = str(ir.get("version", ""))
        if version.split(".")[0] != "1":
            raise IRError(f"IR version {version or '?'} is not supported; this runner reads 1.x")
        from .describe import Describer

        _refuse_cycles(ir)
        match_ = self.matcher(ir)
        compiler = Compiler(ir["attributes"], match_)
        cache: dict[str, Callable] = {}

        def compile_(rule):
            import json

            key = json.dumps(rule, sort_keys=True)
            if key not in cache:
                cache[key] = compiler.compile(rule)
            return cache[key]

        describe_ = Describer(ir).describe
        self.durations = compiler.durations
        self.policy = _Policy(ir["policy"])
        # asks that offer an honest way out: counted apart, as lint counts them
        self.way_outs = frozenset(name for name, content in ir["content"].items() if content.get("way_out"))
        self.segments = {name: compile_(seg["condition"]) for name, seg in ir["segments"].items()}
        self.scores = {
            name: _Score(name, data, compile_, ir, self.durations, match_) for name, data in ir["scores"].items()
        }
        self.flows = {name: _Flow(name, data, compile_, describe_, match_) for name, data in ir["flows"].items()}
        self.match = match_
        self.first_touch = ir["policy"]["first_touch"]["seconds"] if "first_touch" in ir["policy"] else math.inf
        self._prepare_time_sources(ir)
        self.condition_flows = [f for f in self.flows.values() if f.on_condition]
        self.triggers: dict[str, list[tuple[_Flow, _Trigger]]] = {}  # event name -> triggers it may fire
        for flow in self.flows.values():
            for trigger in flow.triggers:
                if trigger.event is not None:
                    self.triggers.setdefault(trigger.event, []).append((flow, trigger))
        self.watched_scores = [s for s in self.scores.values() if s.thresholds]

    @staticmethod
    def matcher(ir: dict) -> Callable:
        """`match(event, arg)`: the set of arguments of `event` events that
        a test naming `arg` matches (None for no argument: any). For the
        events about a touch (TOUCH_EVENTS), a step label matches events
        about that step or about its content, and a content name events
        about that content or about any step (of any flow) that sends it;
        anything else, and any argument of another event
        (`submitted("guide")`), only itself."""
        related: dict[str, set] = {}
        for flow in ir["flows"].values():
            for node_id, node in flow["nodes"].items():
                content = node.get("content")
                if node["type"] in TOUCH_CHANNELS and content is not None:
                    related.setdefault(node_id, {node_id}).add(content)
                    related.setdefault(content, {content}).add(node_id)
        known = {arg: frozenset(names) for arg, names in related.items()}

        def match(event, arg):
            if arg is None:
                return None
            found = known.get(arg) if event in TOUCH_EVENTS else None
            return found if found is not None else frozenset((arg,))

        return match

    def _prepare_time_sources(self, ir: dict) -> None:
        def sources(rule) -> set:
            return time_sources(rule, ir["segments"], self.durations)

        self.score_sources = {}
        for name, data in ir["scores"].items():
            found = set()
            for rule in data["fit"]:
                found |= sources(rule["condition"])
            for rule in data["behaviour"]:
                if "expires" in rule:
                    found.add(("within", rule["event"]["name"], rule["event"].get("arg"), rule["expires"]["seconds"]))
            self.score_sources[name] = found

        def note(rule):
            return self._expand(sources(rule))

        every = Deps()
        for name, data in ir["flows"].items():
            flow = self.flows[name]
            flow.exit_sources = set().union(*(note(rule) for rule in data["exit"])) if data["exit"] else set()
            flow.exit_deps = _deps(data["exit"], ir)
            flow.entry_deps = Deps()
            for trigger, raw in zip(flow.triggers, data["entry"]):
                trigger.sources = note(raw["condition"]) if "condition" in raw else set()
                if trigger.event is None:
                    flow.entry_deps = flow.entry_deps | _deps(raw["condition"], ir)
                else:
                    every = every | Deps({trigger.event})
            flow.entry_sources = set().union(*(t.sources for t in flow.on_condition)) if flow.on_condition else set()
            if "audience" in data:
                flow.entry_sources |= note(data["audience"])
                flow.entry_deps = flow.entry_deps | _deps(data["audience"], ir)
            for node_id, node in data["nodes"].items():
                if node["type"] == "wait_until":
                    flow.nodes[node_id].sources = note(node["condition"])
                    flow.nodes[node_id].deps = _deps(node["condition"], ir)
                    every = every | flow.nodes[node_id].deps
            every = every | flow.exit_deps | flow.entry_deps
        self.threshold_sources = (
            self._expand(
                set().union(
                    *(
                        self.score_sources[s.name]
                        | {("decay", s.name, "rise", value) for _, _, value, _ in s.thresholds}
                        for s in self.scores.values()
                        if s.thresholds
                    )
                )
            )
            if self.scores
            else set()
        )
        self.threshold_deps = Deps()
        for score in self.scores.values():
            if score.thresholds:
                self.threshold_deps = self.threshold_deps | _deps({"score": [score.name]}, ir)
        every = every | self.threshold_deps
        every_source = set(self.threshold_sources)
        for flow in self.flows.values():
            every_source |= flow.exit_sources | flow.entry_sources
            for node in flow.nodes.values():
                every_source |= node.sources
        # Events that move the next wake: those a `within` window counts (and,
        # below, those a score counts with decay, when decay is watched).
        self.wake_events = frozenset(source[1] for source in every_source if source[0] == "within")
        self.wake_activity = any(source[0] == "inactive" for source in every_source)
        # Events nothing reads (typically `sent`) need no reaction at all.
        self.reactive = every.events
        self.any_activity = every.activity
        # what _schedule_wake reads: each set of sources cut in two, the
        # moments to compute from events and data, and the (score, number)
        # pairs whose crossing by decay _decay_wake computes
        self.threshold_timed, self.threshold_pairs = _split(self.threshold_sources)
        self.decay_events = {
            name: tuple({rule.event for rule in score.decaying}) for name, score in self.scores.items()
        }
        # a threshold that holds and whose score decay can lower: the fall
        # below it is woken for too (a later rise, by an expiry or a fit rule,
        # is a new crossing)
        self.threshold_falls = {
            (score.name, name): value
            for score in self.scores.values()
            for name, _, value, _ in score.thresholds
            if any(rule.points > 0 for rule in score.decaying)
        }
        watched = {source[1] for source in every_source if source[0] == "decay"}
        watched |= {score for score, _ in self.threshold_falls}
        self.any_decay_event = frozenset(event for name in watched for event in self.decay_events[name])
        self.wake_events |= self.any_decay_event
        for flow in self.flows.values():
            flow.exit_timed, flow.exit_pairs = _split(flow.exit_sources)
            flow.entry_timed, flow.entry_pairs = _split(flow.entry_sources)
            for node in flow.nodes.values():
                node.timed, node.pairs = _split(node.sources)

    def _expand(self, found: set) -> set:
        """Replace ("score", name) by what makes that score change; give
        `within` sources the set of arguments they match; keep a decay
        source only when decay can move the score the way that makes the
        condition true (a score whose decaying points are all positive only
        falls between events: `lead > 60` cannot become true by decay, nor a
        threshold be crossed by it; the fall below a held threshold has its
        own wake, `threshold_falls`)."""
        out = set()
        for source in found:
            if source[0] == "score":
                nested = {s for s in self.score_sources.get(source[1], ()) if s[0] != "score"}
                # a comparison inside a fit rule moves the score either way
                out |= self._expand({s[:2] + ("both",) + s[3:] if s[0] == "decay" else s for s in nested})
            elif source[0] == "within":
                out.add(("within", source[1], self.match(source[1], source[2]), source[3]))
            elif source[0] == "decay":
                points = [rule.points for rule in self.scores[source[1]].decaying]
                way = source[2]
                if points and (way == "both" or way == "rise" and min(points) < 0 or way == "fall" and max(points) > 0):
                    out.add(source)
            else:
                out.add(source)
        return out


def _split(sources: set) -> tuple[tuple, frozenset]:
    return (
        tuple(source for source in sources if source[0] != "decay"),
        frozenset((source[1], source[3]) for source in sources if source[0] == "decay"),
    )


def _named(rule) -> set[tuple[str, str]]:
    """The scores and segments a condition reads by name, at any depth."""
    found, stack = set(), [rule]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for op, args in item.items():
                if op in ("score", "segment") and isinstance(args, list) and args and isinstance(args[0], str):
                    found.add((op, args[0]))
                else:
                    stack.append(args)
    return found


def _refuse_cycles(ir: dict) -> None:
    """A score whose fit rule reads the score itself (`+5 when lead >= 40` in
    `score lead`), or a segment defined by itself, directly or through
    others, has no value: computing it would recurse for ever."""
    reads = {("segment", name): _named(segment["condition"]) for name, segment in ir["segments"].items()}
    for name, score in ir["scores"].items():
        reads[("score", name)] = set().union(*(_named(rule["condition"]) for rule in score["fit"]))
    done: set = set()
    for start in sorted(reads):
        path, on_path, stack = [], set(), [(start, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                path.pop()
                on_path.discard(node)
                done.add(node)
                continue
            if node in on_path:
                loop = path[path.index(node) :] + [node]
                raise IRError(
                    f"{loop[0][0]} `{loop[0][1]}` is defined by itself: "
                    + " -> ".join(f"{kind} {name}" for kind, name in loop)
                    + " (its value would depend on its own value)"
                )
            if node in done or node not in reads:
                continue
            path.append(node)
            on_path.add(node)
            stack.append((node, True))
            stack.extend((inner, False) for inner in sorted(reads[node]))


class Deps:
    """What a condition reads that can change while the clock stands still:
    which events, whether any activity at all (`inactive`), and whether the
    contact's attributes and tags (`data`)."""

    __slots__ = ("events", "activity")

    def __init__(self, events=frozenset(), activity=False):
        self.events = frozenset(events)
        self.activity = activity

    def __or__(self, other: Deps) -> Deps:
        return Deps(self.events | other.events, self.activity or other.activity)


def _deps(rule, ir: dict, _seen=frozenset()) -> Deps:
    found = Deps()
    if isinstance(rule, list):
        for item in rule:
            found = found | _deps(item, ir, _seen)
        return found
    if not isinstance(rule, dict):
        return found
    ((op, args),) = rule.items()
    if op == "event_count":
        return Deps({args[0]})
    if op == "inactive":
        return Deps(activity=True)
    if op in ("segment", "score") and (op, args[0]) in _seen:
        return found
    if op == "segment":
        return _deps(ir["segments"][args[0]]["condition"], ir, _seen | {(op, args[0])})
    if op == "score":
        score = ir["scores"][args[0]]
        found = Deps(rule["event"]["name"] for rule in score["behaviour"])
        for fit in score["fit"]:
            found = found | _deps(fit["condition"], ir, _seen | {(op, args[0])})
        return found
    return _deps(args if isinstance(args, list) else [args], ir, _seen)


# -- one contact's run -------------------------------------------------------


class _Run:
    """A contact's stay in one flow."""

    __slots__ = (
        "flow",
        "active",
        "ticket",
        "node",
        "waiting",
        "entered_at",
        "loops",
        "held_for",
        "via",
        "messages",
        "cadence_until",
    )

    def __init__(self, flow: _Flow, now: float, via: str):
        self.flow = flow
        self.active = True
        self.ticket = 0  # bumped whenever the run moves, so stale timers are ignored
        self.node = flow.start
        self.waiting: _Node | None = None  # the wait_until node it sits at
        self.entered_at = now
        self.loops: dict[str, int] = {}
        self.held_for: set | None = None  # deferral reasons of the touch it waits to send
        self.via = via
        self.messages = 0  # messages sent in this run (max_touches, first_touch)
        self.cadence_until = -math.inf  # no message before: the previous one (in any run of the flow) + cadence min


class State:
    """Everything known about one contact at the current moment: what
    conditions read (see logic.py) and what the engine keeps between steps."""

    def __init__(self, programme: Programme, contact: Contact, start: float):
        self.programme = programme
        self.contact = contact
        self.data = contact.data
        self.now = start
        self.events: dict[str, list[tuple]] = {}
        # With no activity, a contact is inactive since it was created (or
        # since the start, when that is unknown).
        self.last_activity = start
        created = contact.data.get("created_at")
        self.created_at = date_seconds(created) if isinstance(created, str) else None
        if self.created_at is not None:
            self.last_activity = self.created_at
        self.version = 0  # bumped by every recorded event and every change of attributes or tags
        self.data_version = 0  # bumped by changes of attributes or tags only
        self._scores: dict[str, tuple] = {}
        self._fit: dict[str, tuple] = {}

    def count_events(self, name: str, match, within) -> int:
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
        return bool(self.programme.segments[name](self))

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
        total = fixed[1]
        for condition, points in model.fit:
            if condition(self):
                total += points
        now = self.now
        for rule in model.behaviour:
            found = self.events.get(rule.event)
            if not found:
                continue
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
            found = self.events.get(rule.event)
            if not found:
                continue
            counted, match, half_life = 0, rule.arg, rule.half_life
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
        responder=None,
        trace: bool = False,
        rng_for: Callable | None = None,
    ):
        self.p = programme
        self.start = start
        self.until = until
        self.responder = responder
        self.rng_for = rng_for
        self.tracing = trace
        self.trace_records: list[dict] = []
        self._zones: dict[str, ZoneInfo] = {}

    def zone(self, name: str | None) -> ZoneInfo:
        name = name or self.p.policy.timezone
        zone = self._zones.get(name)
        if zone is None:
            zone = self._zones[name] = ZoneInfo(name)
        return zone

    def run(self, contact: Contact, events: list[Event], tally) -> None:
        _ContactRun(self, contact, events, tally).go()


class _ContactRun:
    # state most contacts never change, kept off the instance until they do
    teams: frozenset = frozenset()  # teams the contact was handed to
    recheck_next = False  # an `entry when` flow was left the moment it was entered: look again at the next happening
    cadence_until: dict | None = None  # flow -> cadence_until of its last run that sent a message
    decay_seen = False  # an event some score counts with decay has been recorded

    def __init__(self, runner: Runner, contact: Contact, events: list[Event], tally):
        self.r = runner
        self.p = runner.p
        self.contact = contact
        self.tally = tally
        self.s = State(runner.p, contact, runner.start)
        self.zone = runner.zone(contact.timezone)
        self.queue: list[tuple] = []
        self.seq = 0
        self.runs: dict[str, _Run] = {}
        self.entries: dict[str, tuple[int, float]] = {}  # flow -> (times entered, last entry)
        self.pending: list[tuple[_Flow, _Trigger, float]] = []  # with the time of the event
        self.holding: set[tuple[str, str]] = set()
        self.crossed: set[tuple[str, str]] = set()
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
                self._push(event.at, _EVENT, event)
            else:
                tally.late_event()
        if self.s.events and not self.p.any_decay_event.isdisjoint(self.s.events):
            self.decay_seen = True  # from history

    # -- the clock

    def _push(self, at: float, kind: int, *payload) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, kind, payload))

    def go(self) -> None:
        s, until, queue = self.s, self.r.until, self.queue
        if s.created_at is not None and s.created_at > s.now:
            # Nothing is looked at before the contact exists (unless an
            # event of theirs comes earlier).
            self._push(s.created_at, _WAKE)
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
            if kind == _EVENT:
                event = payload[0]
                self._record(event.name, event.arg, at)
                if self.tracing:
                    self._trace("event", event=event.name, arg=event.arg)
            elif kind == _TIMER:
                run, ticket, action, node_id = payload
                if run.active and run.ticket == ticket:
                    self._resume(run, action, node_id)
            elif kind == _ENTRY:
                self.pending.append(payload)
            elif kind == _WAKE:
                if at >= self.wake_at:
                    self.wake_at = math.inf
                self.everything = self.wake_stale = True
            elif kind == _REVISIT:
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
        self.tally.contact(self.touches, self.first_entry is not None)

    def _record(self, name: str, arg, at: float, quiet: bool = False) -> None:
        s = self.s
        if self.holding and not quiet and name in self.p.threshold_deps.events:
            self._release_thresholds()
        s.events.setdefault(name, []).append((at, arg))
        s.version += 1
        if name not in _PASSIVE:
            s.last_activity = at
        if name == "unsubscribed" and not self.unsubscribed:
            self.unsubscribed = True  # also from history: no email to someone who opted out before the start
            if not quiet:
                self.tally.unsubscribed()
        if quiet:
            return
        if name in self.p.reactive or self.p.any_activity and name not in _PASSIVE:
            self.changed.add(name)
        if name in self.p.wake_events or self.p.wake_activity and name not in _PASSIVE:
            self.wake_stale = True
            if not self.decay_seen and name in self.p.any_decay_event:
                self.decay_seen = True
        for flow, trigger in self.p.triggers.get(name, ()):
            if trigger.match is None or arg in trigger.match:
                if trigger.delay:
                    self._push(at + trigger.delay, _ENTRY, flow, trigger, at)
                else:
                    self.pending.append((flow, trigger, at))

    # -- reacting to a change

    def _react(self) -> None:
        s = self.s
        for _ in range(100):
            if not (self.changed or self.everything or self.pending):
                break
            # Conditions are re-read only when something they depend on has
            # changed since the last round; changes made while reacting
            # (touches sent, tags set) are looked at in the next round.
            changed, everything = self.changed, self.everything
            self.changed, self.everything = set(), False
            active = any(name not in _PASSIVE for name in changed)

            def touched(deps: Deps) -> bool:
                return everything or bool(deps.events & changed) or deps.activity and active

            if touched(self.p.threshold_deps):
                self._thresholds()
            for run in list(self.runs.values()):
                if run.active and touched(run.flow.exit_deps):
                    reason = self._exit_reason(run)
                    if reason:
                        self._leave(run, reason)
            for run in list(self.runs.values()):
                node = run.waiting
                if run.active and node is not None and touched(node.deps) and node.condition(s):
                    run.waiting = None
                    self.wake_stale = True
                    run.ticket += 1
                    self._take(run, node, node.next[0])
            pending, self.pending = self.pending, []
            for flow, trigger, event_at in pending:
                if trigger.condition is None or trigger.condition(s):
                    self._enter(flow, trigger.text, since=event_at)
            if not self.with_sales:
                for flow in self.p.condition_flows:
                    if flow.name not in self.runs and touched(flow.entry_deps) and self._may_enter(flow):
                        for trigger in flow.on_condition:
                            if trigger.condition(s):
                                self._enter(flow, trigger.text)
                                break
        self._schedule_wake()

    def _exit_reason(self, run: _Run) -> str | None:
        for condition, text in run.flow.exits:
            if condition(self.s):
                return "exit on " + text
        return None

    def _thresholds(self) -> None:
        s = self.s
        for model in self.p.watched_scores:
            value = s.score(model.name)
            for name, op, bound, actions in model.thresholds:
                key = (model.name, name)
                holds = value >= bound if op == ">=" else value > bound
                if holds and key not in self.holding:
                    self.holding.add(key)
                    self.wake_stale = True  # its fall by decay may be due
                    self._crossed(model.name, name, value, actions)
                elif not holds:
                    self.holding.discard(key)

    def _release_thresholds(self) -> None:
        """Forget thresholds the score has fallen below since they fired,
        looking just before a change (an event, an attribute); a fall by
        decay or expiry alone wakes the clock when it crosses (see
        _schedule_wake), so every time a threshold stopped holding is seen
        and it fires again on the next crossing."""
        s = self.s
        for model in self.p.watched_scores:
            value = s.score(model.name)
            for name, op, bound, _ in model.thresholds:
                if (model.name, name) in self.holding and not (value >= bound if op == ">=" else value > bound):
                    self.holding.discard((model.name, name))

    def _crossed(self, score: str, threshold: str, value: float, actions: list) -> None:
        first = (score, threshold) not in self.crossed
        self.crossed.add((score, threshold))
        name = f"{score}.{threshold}"
        self.tally.crossed(name, first)
        if self.tracing:
            self._trace("threshold", threshold=name, value=_round(value))
        for action in actions:
            kind = action["type"]
            if kind == "handoff":
                self._handoff(action["team"], name)
            elif kind == "notify":
                self._notify(action.get("recipient"), action["text"], score, threshold=name)
            elif kind == "move_to":
                self._enter(self.p.flows[action["flow"]], name, moved=True)
            elif kind == "tag":
                self._tag(action["tag"], remove=False)
                if self.tracing:
                    self._trace("tag", threshold=name, tag=action["tag"])

    def _schedule_wake(self) -> None:
        if not self.wake_stale:
            return
        self.wake_stale = False
        groups = [self.p.threshold_timed]
        for run in self.runs.values():
            groups.append(run.flow.exit_timed)
            if run.waiting is not None:
                groups.append(run.waiting.timed)
        now, s = self.s.now, self.s
        soonest = math.inf
        if not self.with_sales:
            for flow in self.p.condition_flows:
                if flow.name in self.runs:
                    continue
                entered = self.entries.get(flow.name)
                if entered is None:
                    if flow.entry_sources and now >= self.suppressed_until:
                        groups.append(flow.entry_timed)
                elif flow.reentry:
                    allowed = entered[1] + flow.reentry_after
                    if now < allowed:
                        if allowed < soonest:  # re-entry: look again the moment it is allowed
                            soonest = allowed
                    elif flow.entry_sources and self._may_enter(flow):
                        groups.append(flow.entry_timed)
        for sources in groups:
            for source in sources:
                kind = source[0]
                if kind == "within":
                    _, name, match, seconds = source
                    found = s.events.get(name)
                    if found:
                        first = bisect_right(found, now - seconds, key=_time_of)
                        for when, arg in found[first:]:
                            if match is None or arg in match:
                                # a window still holds an event exactly `seconds`
                                # old: look a second later, when it has left
                                if when + seconds + 1 < soonest:
                                    soonest = when + seconds + 1
                                break
                elif kind == "inactive":
                    when = s.last_activity + source[1]
                    if now < when < soonest:
                        soonest = when
                elif kind == "since":
                    base = _lookup(s.data, source[1])
                    start = date_seconds(base) if isinstance(base, str) else None
                    if start is not None and now < start + source[2] + 1 < soonest:
                        soonest = start + source[2] + 1
        if self.decay_seen:
            when = self._decay_wake()
            if when is not None and when < soonest:
                soonest = when
        if now < soonest < self.wake_at and soonest <= self.r.until:
            self.wake_at = soonest
            self._push(soonest, _WAKE)

    def _decay_wake(self) -> float | None:
        """The next moment decay takes a score across a number that a
        watched condition or a held threshold compares it with (only for
        contacts with events some score counts with decay)."""
        p, s = self.p, self.s
        pairs = [p.threshold_pairs]
        if self.holding:
            falls = p.threshold_falls
            pairs.append([(key[0], falls[key]) for key in self.holding if key in falls])
        for run in self.runs.values():
            pairs.append(run.flow.exit_pairs)
            if run.waiting is not None:
                pairs.append(run.waiting.pairs)
        if not self.with_sales:
            for flow in p.condition_flows:
                if flow.entry_pairs and flow.name not in self.runs and self._may_enter(flow):
                    pairs.append(flow.entry_pairs)
        soonest, now, until = None, s.now, self.r.until
        parts: dict = {}
        for group in pairs:
            for name, bound in group:
                decaying = parts.get(name)
                if decaying is None:
                    decaying = parts[name] = s.decaying(name)
                if decaying:
                    when = _crossing(s.score(name), decaying, bound, now, until)
                    if when is not None and (soonest is None or when < soonest):
                        soonest = when
        return soonest

    # -- entering and leaving flows

    def _may_enter(self, flow: _Flow, since: float | None = None) -> bool:
        """Whether suppression and the re-entry rule let the contact into
        `flow` now: at most once ever without `reentry`; with it, once
        `reentry_after` has passed since the previous entry, and never twice
        at one moment (a flow that sends the contact straight back in must
        not spin)."""
        now = self.s.now
        if now < self.suppressed_until:
            return False
        entered = self.entries.get(flow.name)
        if entered is None:
            return True
        if not flow.reentry or entered[0] >= MAX_ENTRIES:
            return False
        # an event entry is judged by its event's time (`after D` delays it),
        # a condition entry by now, the moment the clock wakes for
        return now > entered[1] and (now if since is None else since) >= entered[1] + flow.reentry_after

    def _refusal(self, flow: _Flow) -> str:
        """Why a move into `flow` did not take the contact in."""
        if flow.name in self.runs:
            return "already in the flow"
        if self.s.now < self.suppressed_until:
            return "suppressed"
        entered = self.entries.get(flow.name)
        if entered is not None:
            if not flow.reentry:
                return "entered before; no reentry"
            if entered[0] >= MAX_ENTRIES:
                return f"entered {MAX_ENTRIES:,} times, the most a run allows"
            if entered[1] == self.s.now:
                return "entered at this moment already"
            if self.s.now < entered[1] + flow.reentry_after:
                return (
                    f"reentry after {_duration_text(flow.reentry_after)}: "
                    f"not before {iso(entered[1] + flow.reentry_after)}"
                )
        return "not in its audience"

    def _enter(self, flow: _Flow, via: str, moved: bool = False, since: float | None = None) -> bool:
        """Take the contact into `flow` if its rules allow; a move (`move
        to`, a step's or a threshold's) that is refused is traced."""
        if (
            flow.name in self.runs
            or not self._may_enter(flow, since)
            or (flow.audience is not None and not flow.audience(self.s))
        ):
            if moved and self.tracing:
                self._trace("refused", flow=flow.name, reason=via, why=self._refusal(flow))
            return False
        now = self.s.now
        count = self.entries.get(flow.name, (0, 0))[0]
        self.entries[flow.name] = (count + 1, now)
        if self.first_entry is None:
            self.first_entry = now
        run = self.runs[flow.name] = _Run(flow, now, via)
        if self.cadence_until is not None and flow.name in self.cadence_until:
            run.cadence_until = self.cadence_until[flow.name]
        self.wake_stale = True
        self.tally.entry(flow.name, count == 0)
        if self.tracing:
            self._trace("enter", flow=flow.name, reason=via)
        reason = self._exit_reason(run)
        if reason:
            self._leave(run, reason)
            return True
        self._walk(run, flow.start)
        return True

    def _leave(self, run: _Run, reason: str) -> None:
        if not run.active:
            return
        run.active = False
        run.ticket += 1
        flow = run.flow
        del self.runs[flow.name]
        if run.messages and flow.cadence_min:
            if self.cadence_until is None:
                self.cadence_until = {}
            self.cadence_until[flow.name] = run.cadence_until
        self.wake_stale = True
        goal = bool(flow.goal(self.s)) if flow.goal is not None else None
        self.tally.left(flow.name, reason, goal)
        if self.tracing:
            self._trace("exit", flow=flow.name, step=run.node, reason=reason, goal=goal)
        if flow.readmits and not self.with_sales:
            # an `entry when` flow that re-admits: look at the entries again
            # now (or at the next happening when it was entered just now);
            # when the re-entry delay has not passed, the clock wakes for it
            last = self.entries[flow.name][1]
            if last == self.s.now:
                self.recheck_next = True
            elif self.s.now >= last + flow.reentry_after:
                self.everything = True

    def _handoff(self, team: str, via: str, run: _Run | None = None) -> None:
        """Hand the contact to `team` (`via`: the threshold or the step; `run`:
        the run whose `handoff` step this is). They leave every flow they are
        in; a flow whose exit condition holds at this moment records that
        exit, as it would have taken them out at this moment anyway."""
        for other in list(self.runs.values()):
            reason = None if other is run else self._exit_reason(other)
            self._leave(other, reason or f"handoff to {team}")
        self.with_sales = True
        self.recheck_next = False
        self.wake_stale = True
        first = not self.handed_off
        since = None if not first or self.first_entry is None else self.s.now - self.first_entry
        self.tally.handoff(team, first, team not in self.teams, since)
        self.handed_off = True
        self.teams = self.teams | {team}
        if self.tracing:
            self._trace("handoff", team=team, reason=via)

    def _notify(self, recipient: str | None, text: str, score: str | None, **where) -> None:
        rendered = self._fill(text, score)
        self.tally.notified(recipient)
        if self.tracing:
            self._trace("notify", recipient=recipient, text=rendered, **where)

    def _fill(self, text: str, score: str | None) -> str:
        def value(match):
            key = match.group(1)
            if key == "score" and score is not None:
                return _number_text(self.s.score(score))
            if key in self.p.scores:
                return _number_text(self.s.score(key))
            found = _lookup(self.s.data, key)
            if found is None:
                return self.contact.id if key == "name" else match.group(0)
            return _number_text(found) if isinstance(found, (int, float)) else str(found)

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
        elif action == "timeout":
            run.waiting = None
            self.wake_stale = True
            self._take(run, node, node.next[1])
        else:
            self._walk(run, node_id, came_from=run.node)

    def _take(self, run: _Run, node: _Node, edge) -> None:
        self.tally.transition(run.flow.name, node.id, edge.index)
        if edge.delay and edge.kind != "timeout":
            run.ticket += 1
            run.node = node.id
            self._push(self.s.now + edge.delay, _TIMER, run, run.ticket, "walk", edge.to)
            return
        self._walk(run, edge.to, came_from=node.id)

    def _walk(self, run: _Run, node_id: str, came_from: str | None = None) -> None:
        """Perform nodes from `node_id` until the run waits or leaves."""
        s, flow = self.s, run.flow
        for _ in range(MAX_STEPS_AT_ONCE):
            if not run.active:
                return
            node = flow.nodes[node_id]
            run.node = node_id
            kind = node.type
            data = node.data
            edge = None
            if kind in TOUCH_CHANNELS:
                if not self._deliver(run, node):
                    return
                edge = node.next[0]
            elif kind == "wait" or kind == "entry":
                edge = node.next[0]
            elif kind == "branch":
                for candidate in node.next:
                    if candidate.guard is None or candidate.guard(s):
                        edge = candidate
                        break
            elif kind == "split":
                point = stable_fraction(self.contact.id, flow.name, node.id) * 100
                for candidate in node.next:
                    point -= candidate.weight
                    edge = candidate
                    if point < 0:
                        break
            elif kind == "repeat":
                loops = run.loops.get(node_id, 0) if came_from == node_id + "@wait" else 0
                at_most = data.get("at_most")
                if at_most is None or loops < at_most:
                    run.loops[node_id] = loops + 1
                    edge = node.next[0]
                else:
                    edge = node.next[1]
            elif kind == "wait_until":
                if node.condition(s):
                    edge = node.next[0]
                else:
                    run.waiting = node
                    self.wake_stale = True
                    run.ticket += 1
                    if len(node.next) > 1:
                        self._push(s.now + node.next[1].delay, _TIMER, run, run.ticket, "timeout", node_id)
                    self._schedule_wake()
                    return
            elif kind == "goto":
                edge = node.next[0]
            elif kind == "tag":
                self._tag(data["tag"], data["remove"])
                if self.tracing:
                    self._trace("untag" if data["remove"] else "tag", flow=flow.name, step=node_id, tag=data["tag"])
                edge = node.next[0]
            elif kind == "set":
                if self.holding:
                    self._release_thresholds()
                _assign(s.data, data["attribute"], data["value"])
                s.version += 1
                s.data_version += 1
                self.everything = self.wake_stale = True
                if self.tracing:
                    self._trace("set", flow=flow.name, step=node_id, attribute=data["attribute"], value=data["value"])
                edge = node.next[0]
            elif kind == "task":
                self.tally.task(data.get("recipient"))
                if self.tracing:
                    self._trace(
                        "task",
                        flow=flow.name,
                        step=node_id,
                        recipient=data.get("recipient"),
                        text=self._fill(data["text"], None),
                    )
                edge = node.next[0]
            elif kind == "notify":
                self._notify(data.get("recipient"), data["text"], None, flow=flow.name, step=node_id)
                edge = node.next[0]
            elif kind == "end":
                self._leave(run, "completed")
                return
            elif kind == "exit":
                self._leave(run, "exit " + (f'"{data["reason"]}"' if "reason" in data else "step"))
                return
            elif kind == "handoff":
                self._handoff(data["team"], f"{flow.name}.{node_id}", run)
                return
            elif kind == "suppress":
                revisit = data.get("revisit")
                self.suppressed_until = s.now + revisit["seconds"] if revisit else math.inf
                self.wake_stale = True
                if self.tracing:
                    self._trace(
                        "suppress",
                        flow=flow.name,
                        step=node_id,
                        list=data["suppression_list"],
                        until=iso(self.suppressed_until) if revisit else None,
                    )
                self._leave(run, f'suppressed "{data["suppression_list"]}"')
                self.tally.suppress(data["suppression_list"])
                if revisit:
                    self._push(self.suppressed_until, _REVISIT)
                return
            elif kind == "move_to":
                self._leave(run, f"moved to {data['flow']}")
                self._enter(self.p.flows[data["flow"]], f"moved from {flow.name}", moved=True)
                return
            else:  # pragma: no cover - the schema admits no other type
                raise IRError(f"unknown node type `{kind}`")
            self.tally.transition(flow.name, node_id, edge.index)
            if edge.delay:
                run.ticket += 1
                self._push(s.now + edge.delay, _TIMER, run, run.ticket, "walk", edge.to)
                return
            came_from, node_id = node_id, edge.to
        self._leave(run, "loop without a wait")

    def _deliver(self, run: _Run, node: _Node) -> bool:
        """Send a touch now, count it as blocked, or hold it until it may
        go out. False when the run stops here (held, or it left)."""
        if self.changed or self.everything:
            reason = self._exit_reason(run)
            if reason:
                self._leave(run, reason)
                return False
        s, data, channel = self.s, node.data, node.type
        blocked = None
        if s.now < self.suppressed_until:
            blocked = "suppressed"
        elif channel in _UNSUBSCRIBE_STOPS and self.unsubscribed:
            blocked = "unsubscribed"
        elif channel == "sms" and not self.has_phone:
            blocked = "sms without phone"
        elif channel == "sms" and not self.sms_consent:
            blocked = "sms without consent"
        elif node.message and run.messages >= run.flow.max_touches:
            blocked = "max_touches"
        if blocked:
            self.tally.block(blocked)
            if self.tracing:
                self._trace(
                    "blocked",
                    flow=run.flow.name,
                    step=node.id,
                    channel=channel,
                    content=data.get("content"),
                    reason=blocked,
                )
            return True
        when = self._open_at(s.now, run) if node.message else s.now  # presence is never held
        if when > s.now:
            run.ticket += 1
            run.node = node.id
            self._push(when, _TIMER, run, run.ticket, "send", node.id)
            return False
        run.held_for = None
        self.touches += 1
        late = None
        if node.message:  # the frequency cap, the cadence and first_touch count messages
            now = s.now
            self.touch_times.append(now)
            run.cadence_until = now + run.flow.cadence_min
            if run.messages:
                run.messages += 1
            else:
                run.messages = 1
                if now - run.entered_at > self.p.first_touch:
                    late = True
                    self.tally.late_first_touch(run.flow.name)
        content, kind = data.get("content"), data.get("give_or_ask")
        self.tally.touch(run.flow.name, channel, "way_out" if kind == "ask" and content in self.p.way_outs else kind)
        if self.tracing:
            self._trace(
                "touch",
                flow=run.flow.name,
                step=node.id,
                channel=channel,
                content=content,
                give_or_ask=kind,
                action=data.get("action"),
                late_first_touch=late,
            )
        self._record("sent", node.id, s.now)
        if self.r.responder is not None:
            touch = Touch(run.flow.name, node.id, channel, content, kind, data.get("action"))
            for event in self.r.responder(self.contact, touch, s.now, self.rng, self._in_segment):
                if event.at <= self.r.until:
                    self._push(event.at, _EVENT, event)
        return True

    def _in_segment(self, name: str, contact=None) -> bool:
        return self.s.segment(name)

    def _open_at(self, when: float, run: _Run) -> float:
        """The first moment a touch due at `when` may go out; counts each
        reason it is held once per touch."""
        policy = self.p.policy
        held = run.held_for if run.held_for is not None else set()
        run.held_for = held
        if when < run.cadence_until:  # the flow's cadence minimum since its previous message
            when = run.cadence_until
            if "cadence" not in held:
                held.add("cadence")
                self.tally.defer("cadence")
                if self.tracing:
                    self._trace("deferred", flow=run.flow.name, step=run.node, reason="cadence", until=iso(when))
        for _ in range(100):
            when, reasons = policy.next_open(when, self.zone)
            for reason in reasons:
                if reason not in held:
                    held.add(reason)
                    self.tally.defer(reason)
                    if self.tracing:
                        self._trace("deferred", flow=run.flow.name, step=run.node, reason=reason, until=iso(when))
            if policy.cap is None:
                return when
            count, per = policy.cap
            times = self.touch_times
            if len(times) - bisect_right(times, when - per) < count:
                return when
            when = times[-count] + per
            if "frequency_cap" not in held:
                held.add("frequency_cap")
                self.tally.defer("frequency_cap")
                if self.tracing:
                    self._trace("deferred", flow=run.flow.name, step=run.node, reason="frequency_cap", until=iso(when))
        return when  # pragma: no cover

    # -- the trace

    def _trace(self, kind: str, **fields) -> None:
        if not self.r.tracing:
            return
        record = {"at": iso(self.s.now), "contact": self.contact.id, "type": kind}
        for key, value in fields.items():
            if value is not None:
                record[key] = value
        if self.p.scores:
            record["score"] = {name: _round(self.s.score(name)) for name in sorted(self.p.scores)}
        self.r.trace_records.append(record)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


_SOON = 0.001  # seconds: "just after now", when a score sits on the number it is compared with


def _crossing(total: float, parts: dict[float, float], bound: float, now: float, until: float) -> float | None:
    """When a score that is `total` now, `parts` of it decaying (by
    half-life), next reaches `bound` if nothing else happens, from the decay
    law (docs/ir.md): the moment itself, so `lead <= 8` holds then (a strict
    `<` a moment later, when the score is found sitting on the number); or
    None when it does not before `until`."""
    parts = {half_life: part for half_life, part in parts.items() if part}
    if not parts:
        return None
    rest = total - sum(parts.values())
    gap = total - bound
    if gap == 0:
        when = now + _SOON
    elif len(parts) == 1:
        ((half_life, part),) = parts.items()
        ratio = (bound - rest) / part  # 0.5 ** (dt / half_life) at the crossing
        if not 0 < ratio < 1:
            return None
        when = now - half_life * math.log2(ratio)
    else:

        def value(dt: float) -> float:
            return rest - bound + sum(part * 0.5 ** (dt / half_life) for half_life, part in parts.items())

        # several half-lives: step through the future (a quarter of the
        # shortest half-life at a time, in at most 10,000 steps) to the first
        # change of side, then halve; after 64 of the longest half-lives the
        # score is its rest for good
        horizon = min(until - now, 64 * max(parts))
        step = max(min(parts) / 4, horizon / 10_000)
        low, high = 0.0, step
        while True:
            if low > horizon:
                return None
            if (value(high) > 0) != (gap > 0):
                break
            low, high = high, high + step
        while high - low > _SOON:
            middle = (low + high) / 2
            if (value(middle) > 0) == (gap > 0):
                low = middle
            else:
                high = middle
        when = now + high
    # rounding may leave the score a hair short of the number at `when`:
    # then the next look is just after, never at the same moment again
    when = max(when, now + _SOON)
    return when if when <= until else None


def _time_of(event: tuple) -> float:
    return event[0]


def _round(value: float):
    value = round(value, 2)
    return int(value) if value == int(value) else value


def _number_text(value) -> str:
    value = _round(value)
    return str(value)


def _lookup(data: dict, path: str):
    value = data
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _assign(data: dict, path: str, value) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        data = data.setdefault(key, {})
    data[keys[-1]] = value
