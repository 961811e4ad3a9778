"""The programme: an IR document prepared once for running many contacts.

Everything here is computed before the first contact and never changes
during a run: conditions compiled to closures (logic.py), nodes indexed with
their handler (nodes.py), triggers by event name, and for every condition
what can change it while the clock stands still (`Deps`) or as time passes
(its time sources, which tell the clock when to look again).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from .. import units
from ..policy import CONTACT_CHANNELS
from .experiments import _Experiment, key
from .logic import Compiler, Condition, time_sources
from .nodes import HANDLERS, READY, Handler, Ready
from .values import local as local_time

TOUCH_CHANNELS = CONTACT_CHANNELS  # the channels that reach the contact (policy.py)
Json = dict[str, Any]  # an object of the IR document
Rule = Any  # a JsonLogic rule of the IR
Matches = frozenset[str] | None  # the event arguments a test matches; None: any
Match = Callable[[str | None, str | None], Matches]
Compile = Callable[[Rule], Condition]
Describe = Callable[[Rule], str]
# what makes a condition change as time passes (logic.time_sources), such as
# ("within", event, arguments, seconds) or ("decay", score, way, number)
Source = tuple[Any, ...]
Pair = tuple[str, float]  # (score, number): a crossing by decay to wake for
Threshold = tuple[str, str, float, list[Json]]  # name, op, number, actions

TOUCH_EVENTS = frozenset(("sent", "opened", "clicked", "replied"))  # events whose argument is a step or content
# What `in_flow` conditions depend on, as if it were an event name (one no
# event can have): entering or leaving a flow "records" it, so the
# conditions that read it are looked at again, and only those.
FLOWS_CHANGED = " flows"


class IRError(Exception):
    """The document is not an IR this runner understands."""


def is_message(node: Json) -> bool:
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


# -- the programme, prepared once ------------------------------------------


def _never(state: Any) -> bool:
    return False


class _Edge:
    __slots__ = ("to", "kind", "guard", "delay", "weight", "index")

    def __init__(self, data: Json, index: int, compile_: Compile):
        self.to: str = data["to"]
        self.kind: str = data["kind"]
        self.guard: Condition | None = compile_(data["guard"]) if "guard" in data else None
        self.delay: float = data["delay"]["seconds"] if "delay" in data else 0
        self.weight: float = data.get("weight", 0)  # split arms only
        self.index = index


class _Node:
    __slots__ = (
        "id",
        "type",
        "perform",
        "next",
        "data",
        "condition",
        "sources",
        "deps",
        "message",
        "timed",
        "pairs",
        "ready",
        "arms",
        "choice",
        "counts_where",
        "touch",
        "tally_kind",
    )

    def __init__(self, node_id: str, data: Json, compile_: Compile):
        self.id = node_id
        self.type: str = data["type"]
        # what the node does, resolved once here rather than at every step
        perform = HANDLERS.get(self.type)
        if perform is None:
            raise IRError(f"node `{node_id}` has the unknown type `{self.type}`")
        self.perform: Handler = perform
        self.next = [_Edge(edge, i, compile_) for i, edge in enumerate(data["next"])]
        self.data = data
        self.message = is_message(data)
        # a branch, split or experiment: its arm is part of a run's path (the report's paths and splits)
        self.choice = self.type in ("branch", "split", "experiment")
        # where the funnel counts a contact who leaves here: at this step, or
        # (a plain wait) at the step before it
        self.counts_where = self.type != "wait"
        # a wait_until's condition; for other nodes one that never holds
        self.condition: Condition = compile_(data["condition"]) if self.type == "wait_until" else _never
        # what a waiting contact looks at when something changes (nodes.py's READY)
        self.ready: Ready = READY[self.type] if self.type in READY else READY["wait_until"]
        # a wait_for's arms: (transition, event name, the arguments it matches); set by the programme
        self.arms: tuple[tuple[_Edge, str, Matches], ...] = ()
        self.sources: set[Source] = set()
        self.deps = Deps()
        self.timed: tuple[Source, ...] = ()
        self.pairs: frozenset[Pair] = frozenset()
        # a touch node's delivery, prepared once (Programme sets them): what
        # the responder is told, and the kind the report counts it under
        self.touch: Any = None
        self.tally_kind: str | None = None


class _Trigger:
    __slots__ = ("event", "arg", "match", "delay", "condition", "sources", "text")

    def __init__(self, data: Json, compile_: Compile, describe_: Describe, match_: Match):
        event = data.get("event")
        self.event: str | None = event["name"] if event else None
        self.arg: str | None = event.get("arg") if event else None
        self.match = match_(self.event, self.arg)  # the event arguments it matches; None: any
        self.delay: float = data["delay"]["seconds"] if "delay" in data else 0
        self.condition: Condition | None = compile_(data["condition"]) if "condition" in data else None
        self.sources: set[Source] = set()
        words = [f"on {self.event}" + (f"({self.arg})" if self.arg else "")] if event else []
        if "condition" in data:
            words.append(("when " if event else "") + describe_(data["condition"]))
        self.text = " ".join(words)


class _Flow:
    # what Programme._prepare_time_sources adds, once every flow exists
    exit_deps: Deps
    entry_deps: Deps
    exit_timed: tuple[Source, ...]
    exit_pairs: frozenset[Pair]
    entry_timed: tuple[Source, ...]
    entry_pairs: frozenset[Pair]

    def __init__(self, name: str, data: Json, compile_: Compile, describe_: Describe, match_: Match):
        self.name = name
        self.nodes = {node_id: _Node(node_id, node, compile_) for node_id, node in data["nodes"].items()}
        self.start: str = data["start"]
        self.triggers = [_Trigger(t, compile_, describe_, match_) for t in data["entry"]]
        self.on_condition = [t for t in self.triggers if t.event is None]
        self.audience = compile_(data["audience"]) if "audience" in data else None
        self.exits = [(compile_(rule), describe_(rule)) for rule in data["exit"]]
        self.goal = compile_(data["goal"]) if "goal" in data else None
        reentry = data["reentry"]
        self.reentry: bool = reentry["allowed"]
        self.reentry_after: float = reentry["after"]["seconds"] if "after" in reentry else 0
        self.max_touches: float = data.get("max_touches", math.inf)
        self.readmits = bool(self.on_condition) and self.reentry  # an `entry when` flow that takes contacts back
        cadence = data.get("cadence")
        self.cadence_min: float = cadence["min"]["seconds"] if cadence and "min" in cadence else 0
        # since IR 1.2: kind ("entries", "sends") -> (count, per), over all contacts
        limits = data.get("rate_limits") or {}
        self.rate_limits: dict[str, tuple[int, float]] = {
            kind: (limit["count"], limit["per"]["seconds"]) for kind, limit in sorted(limits.items())
        }
        self.exit_sources: set[Source] = set()
        self.entry_sources: set[Source] = set()


class _Behaviour:
    __slots__ = ("event", "arg", "points", "half_life", "expires", "at_most")

    def __init__(self, data: Json, match_: Match):
        self.event: str = data["event"]["name"]
        self.arg = match_(self.event, data["event"].get("arg"))  # the event arguments it counts; None: any
        self.points: float = data["points"]
        self.half_life: float | None = data["decay_half_life"]["seconds"] if "decay_half_life" in data else None
        self.expires: float | None = data["expires"]["seconds"] if "expires" in data else None
        self.at_most: int | None = data.get("at_most")


class _Score:
    def __init__(self, name: str, data: Json, compile_: Compile, ir: Json, durations: dict[str, str], match_: Match):
        self.name = name
        # Fit rules that read only attributes and tags change only when those
        # do, so their sum is kept until then; the others are summed each time.
        self.static_fit: list[tuple[Condition, float]] = []
        self.fit: list[tuple[Condition, float]] = []
        for rule in data["fit"]:
            condition = rule["condition"]
            reads = _deps(condition, ir)
            static = not reads.events and not reads.activity and not time_sources(condition, ir["segments"], durations)
            (self.static_fit if static else self.fit).append((compile_(condition), rule["points"]))
        self.behaviour = [_Behaviour(rule, match_) for rule in data["behaviour"]]
        self.decaying = [rule for rule in self.behaviour if rule.half_life is not None]
        self.thresholds: list[Threshold] = [(t["name"], t["op"], t["value"], t["actions"]) for t in data["thresholds"]]


# (moment, zone) answers of next_open kept, at most. 100k entries cost 10 MiB
# of peak memory at 200k contacts and more, for no measurable speed
# (200k contacts: 29.8 s against 28.8-30.2 s), and memory must stay flat.
_OPEN_CACHE_SIZE = 10_000


class _Policy:
    def __init__(self, data: Json):
        self.timezone: str = data.get("timezone", "UTC")
        self.days = frozenset(units.day_index(day) for day in data.get("send_days", units.DAYS))
        quiet = data.get("quiet_hours")
        self.quiet = (units.time_minutes(quiet["start"]), units.time_minutes(quiet["end"])) if quiet else None
        cap = data.get("frequency_cap")
        self.cap: tuple[int, float] | None = (cap["count"], cap["per"]["seconds"]) if cap else None
        # since IR 1.2: channel -> (count, per), on top of `cap`
        self.channel_caps: dict[str, tuple[int, float]] = {
            c["channel"]: (c["count"], c["per"]["seconds"]) for c in data.get("frequency_caps", ())
        }
        self._open_cache: dict[tuple[float, ZoneInfo], tuple[float, tuple[str, ...]]] = {}

    def quiet_at(self, minute: float) -> bool:
        assert self.quiet is not None  # asked only with quiet hours
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
        # Touches fall due at the same moments for many contacts (entered at
        # the start, then fixed waits): nine calls in ten repeat an earlier
        # (moment, zone), so the answer is kept; it depends on nothing else.
        found = self._open_cache.get((when, zone))
        if found is None:
            if len(self._open_cache) >= _OPEN_CACHE_SIZE:
                self._open_cache.clear()
            found = self._open_cache[(when, zone)] = self._next_open(when, zone)
        return found

    def _next_open(self, when: float, zone: ZoneInfo) -> tuple[float, tuple[str, ...]]:
        local = local_time(when, zone)
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

    def __init__(self, ir: Json):
        if ir.get("format") != "nurturedsl-ir":
            raise IRError('not a nurturedsl IR document (its `format` is not "nurturedsl-ir")')
        version = str(ir.get("version", ""))
        if version.split(".")[0] != "1":
            raise IRError(f"IR version {version or '?'} is not supported; this runner reads 1.x")
        from .describe import Describer

        _refuse_cycles(ir)
        match_ = self.matcher(ir)
        compiler = Compiler(ir["attributes"], match_)
        cache: dict[str, Condition] = {}

        def compile_(rule: Rule) -> Condition:
            import json

            key = json.dumps(rule, sort_keys=True)
            if key not in cache:
                cache[key] = compiler.compile(rule)
            return cache[key]

        describe_: Describe = Describer(ir).describe
        self.durations: dict[str, str] = compiler.durations
        self.policy = _Policy(ir["policy"])
        # asks that offer an honest way out: counted apart, as lint counts them
        self.way_outs = frozenset(name for name, content in ir["content"].items() if content.get("way_out"))
        self.segments = {name: compile_(seg["condition"]) for name, seg in ir["segments"].items()}
        # segments that read only attributes and tags: a contact's answer is
        # kept until those change (State.segment, by `data_version`)
        self.static_segments = frozenset(
            name for name, seg in ir["segments"].items() if _reads_only_data(seg["condition"], ir, self.durations)
        )
        self.scores = {
            name: _Score(name, data, compile_, ir, self.durations, match_) for name, data in ir["scores"].items()
        }
        self.flows = {name: _Flow(name, data, compile_, describe_, match_) for name, data in ir["flows"].items()}
        from .contact import Touch

        for flow in self.flows.values():
            for node in flow.nodes.values():
                if node.type in TOUCH_CHANNELS:
                    content, kind = node.data.get("content"), node.data.get("give_or_ask")
                    node.touch = Touch(flow.name, node.id, node.type, content, kind, node.data.get("action"))
                    node.tally_kind = "way_out" if kind == "ask" and content in self.way_outs else kind
        self.experiments = _experiments(ir, compile_, self.policy.timezone)
        self.match = match_
        self.first_touch: float = ir["policy"]["first_touch"]["seconds"] if "first_touch" in ir["policy"] else math.inf
        self._prepare_time_sources(ir)
        self.condition_flows = [f for f in self.flows.values() if f.on_condition]
        self.triggers: dict[str, list[tuple[_Flow, _Trigger]]] = {}  # event name -> triggers it may fire
        for flow in self.flows.values():
            for trigger in flow.triggers:
                if trigger.event is not None:
                    self.triggers.setdefault(trigger.event, []).append((flow, trigger))
        self.watched_scores = [s for s in self.scores.values() if s.thresholds]
        # what the run keeps up only when a condition reads it: the channel
        # of each touch event, and a change of the flows the contact is in
        self.channel_filters = compiler.channel_filters
        self.reads_flows = compiler.reads_flows
        self.node_channels = _node_channels(ir)

    @staticmethod
    def matcher(ir: Json) -> Match:
        """`match(event, arg)`: the set of arguments of `event` events that
        a test naming `arg` matches (None for no argument: any). For the
        events about a touch (TOUCH_EVENTS), a step label matches events
        about that step or about its content, and a content name events
        about that content or about any step (of any flow) that sends it;
        anything else, and any argument of another event
        (`submitted("guide")`), only itself."""
        related: dict[str, set[str]] = {}
        for flow in ir["flows"].values():
            for node_id, node in flow["nodes"].items():
                content = node.get("content")
                if node["type"] in TOUCH_CHANNELS and content is not None:
                    related.setdefault(node_id, {node_id}).add(content)
                    related.setdefault(content, {content}).add(node_id)
        known = {arg: frozenset(names) for arg, names in related.items()}

        def match(event: str | None, arg: str | None) -> Matches:
            if arg is None:
                return None
            found = known.get(arg) if event in TOUCH_EVENTS else None
            return found if found is not None else frozenset((arg,))

        return match

    def _prepare_time_sources(self, ir: Json) -> None:
        def sources(rule: Rule) -> set[Source]:
            return time_sources(rule, ir["segments"], self.durations)

        self.score_sources: dict[str, set[Source]] = {}
        for name, data in ir["scores"].items():
            found = set()
            for rule in data["fit"]:
                found |= sources(rule["condition"])
            for rule in data["behaviour"]:
                if "expires" in rule:
                    found.add(("within", rule["event"]["name"], rule["event"].get("arg"), rule["expires"]["seconds"]))
            self.score_sources[name] = found

        def note(rule: Rule) -> set[Source]:
            return self._expand(sources(rule))

        every = Deps()
        # what the flows' goals read: a run's goal watched after it ended
        # (membership._check_attributions) is looked at again only then
        self.goal_deps = Deps()
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
                elif node["type"] == "experiment":
                    every = every | _deps(node["goal"], ir)  # its goal is watched after entry
                elif node["type"] == "wait_for":
                    prepared = flow.nodes[node_id]
                    prepared.arms = tuple(
                        (edge, raw["event"]["name"], self.match(raw["event"]["name"], raw["event"].get("arg")))
                        for edge, raw in zip(prepared.next, node["next"])
                        if raw["kind"] == "event"
                    )
                    prepared.deps = Deps(name for _, name, _ in prepared.arms)
                    every = every | prepared.deps
            if "goal" in data:  # watched after a run ends, for the attribution window
                self.goal_deps = self.goal_deps | _deps(data["goal"], ir)
                every = every | self.goal_deps
            every = every | flow.exit_deps | flow.entry_deps
        self.threshold_sources: set[Source] = (
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

    def _expand(self, found: set[Source]) -> set[Source]:
        """Replace ("score", name) by what makes that score change; give
        `within` sources the set of arguments they match; keep a decay
        source only when decay can move the score the way that makes the
        condition true (a score whose decaying points are all positive only
        falls between events: `lead > 60` cannot become true by decay, nor a
        threshold be crossed by it; the fall below a held threshold has its
        own wake, `threshold_falls`)."""
        out: set[Source] = set()
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


def _node_channels(ir: Json) -> dict[str, str]:
    """The channel of the touch an event's argument names, when the
    programme says it: a touch node's id, or a content every touch of which
    (in any flow) goes out on one channel. The run prefers what it sent the
    contact last (`State.sent_channel`)."""
    found: dict[str, set[str]] = {}
    for flow in ir["flows"].values():
        for node_id, node in flow["nodes"].items():
            if node["type"] in TOUCH_CHANNELS:
                found.setdefault(node_id, set()).add(node["type"])
                if node.get("content") is not None:
                    found.setdefault(node["content"], set()).add(node["type"])
    return {arg: next(iter(channels)) for arg, channels in found.items() if len(channels) == 1}


def _experiments(ir: Json, compile_: Compile, zone: str) -> dict[str, _Experiment]:
    """The experiment nodes by `flow.node`, in document order."""
    return {
        key(name, node_id): _Experiment(name, node_id, node, compile_(node["goal"]), zone)
        for name, flow in ir["flows"].items()
        for node_id, node in flow["nodes"].items()
        if node["type"] == "experiment"
    }


def _split(sources: set[Source]) -> tuple[tuple[Source, ...], frozenset[Pair]]:
    return (
        tuple(source for source in sources if source[0] != "decay"),
        frozenset((source[1], source[3]) for source in sources if source[0] == "decay"),
    )


# the operations whose value depends on nothing but the contact's attributes
# and tags (and literals): not on events, the time, scores or flows
_DATA_OPS = frozenset(("var", "==", "!=", "<", "<=", ">", ">=", "in", "and", "or", "!", "!!"))


def _reads_only_data(rule: Rule, ir: Json, durations: dict[str, str], _seen: frozenset[str] = frozenset()) -> bool:
    """Whether a condition reads only attributes and tags, so that its value
    can change only when they do (an elapsed-time attribute, `days_since_x`,
    reads the clock too: not this)."""
    if isinstance(rule, list):
        return all(_reads_only_data(item, ir, durations, _seen) for item in rule)
    if not isinstance(rule, dict):
        return True
    ((op, args),) = rule.items()
    if op == "segment":
        name = args[0] if isinstance(args, list) else args
        if name in _seen:
            return False
        return _reads_only_data(ir["segments"][name]["condition"], ir, durations, _seen | {name})
    if op not in _DATA_OPS:
        return False
    if op == "var":
        path = args[0] if isinstance(args, list) else args
        return isinstance(path, str) and path not in durations
    return _reads_only_data(args, ir, durations, _seen)


def _named(rule: Rule) -> set[tuple[str, str]]:
    """The scores and segments a condition reads by name, at any depth."""
    found: set[tuple[str, str]] = set()
    stack = [rule]
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


def _refuse_cycles(ir: Json) -> None:
    """A score whose fit rule reads the score itself (`+5 when lead >= 40` in
    `score lead`), or a segment defined by itself, directly or through
    others, has no value: computing it would recurse for ever."""
    reads = {("segment", name): _named(segment["condition"]) for name, segment in ir["segments"].items()}
    for name, score in ir["scores"].items():
        reads[("score", name)] = set().union(*(_named(rule["condition"]) for rule in score["fit"]))
    done: set[tuple[str, str]] = set()
    for start in sorted(reads):
        path: list[tuple[str, str]] = []
        on_path: set[tuple[str, str]] = set()
        stack = [(start, False)]
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

    def __init__(self, events: Iterable[str] = frozenset(), activity: bool = False):
        self.events = frozenset(events)
        self.activity = activity

    def __or__(self, other: Deps) -> Deps:
        return Deps(self.events | other.events, self.activity or other.activity)


def _deps(rule: Rule, ir: Json, _seen: frozenset[tuple[str, str]] = frozenset()) -> Deps:
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
    if op == "in_flow":
        return Deps({FLOWS_CHANGED})
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
