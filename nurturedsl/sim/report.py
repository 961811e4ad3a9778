"""Figures over many contacts: the tally the engine fills, and the report
printed from it (text for people, versioned JSON for tools), plus one
contact's journey as a timeline.

Everything in a tally is a whole number or a histogram of whole numbers, so
tallies from worker processes add up to exactly what one process would
count, and the report is byte-identical whatever `--workers` is.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import Counter, defaultdict

REPORT_FORMAT = "nurturedsl-simulation"
REPORT_VERSION = "1.3.0"
_REASONS = ("quiet_hours", "send_days", "frequency_cap", "cadence")


class Tally:
    def __init__(self):
        self.contacts = 0
        self.nurtured = 0  # contacts that entered at least one flow
        self.entered = Counter()  # flow -> entries
        self.entered_contacts = Counter()  # flow -> contacts
        self.exits: dict[str, Counter] = defaultdict(Counter)  # flow -> reason -> count
        self.goals = Counter()  # flow -> contacts that left with the goal reached
        self.still_in = Counter()
        self.transitions: dict[str, Counter] = defaultdict(Counter)  # flow -> (node, index) -> count
        self.handoffs = Counter()  # team -> contacts handed to that team
        self.handed_off = 0  # contacts handed off, in a flow or not
        self.velocity = Counter()  # minutes from first entry to first handoff -> contacts
        self.crossings = Counter()  # "score.threshold" -> crossings
        self.crossed_contacts = Counter()
        self.over_at_start = Counter()  # "score.threshold" -> contacts history put over it before the start
        self.touches = Counter()  # channel -> touches
        self.flow_touches = Counter()
        self.late_first = Counter()  # flow -> runs whose first message went out later than first_touch
        self.kinds = Counter()  # give/ask -> touches
        self.per_contact = Counter()  # touches -> nurtured contacts
        self.deferred = Counter()
        self.blocked = Counter()
        self.suppressed = Counter()
        self.unsubscribes = 0
        self.notifications = Counter()
        self.tasks = Counter()
        self.webhooks = Counter()  # "flow.step" -> calls made
        self.late_events = 0
        # "flow entries" / "flow sends" -> window of the flow's rate limit -> count
        self.rate_windows: dict[str, Counter] = defaultdict(Counter)
        # experiments.py: (experiment, arm, window close, goal reached) -> first entries
        self.experiment_windows: Counter = Counter()
        # the funnel, by (flow, step): runs that arrived, touches sent, held
        # (and by reason), blocked, runs that left there (by reason) and lost
        self.step_reached: Counter = Counter()
        self.step_sent: Counter = Counter()
        self.step_held: Counter = Counter()
        self.step_held_by: Counter = Counter()  # (flow, step, reason)
        self.step_blocked: Counter = Counter()
        self.step_left: Counter = Counter()  # (flow, step, reason)
        self.step_lost: Counter = Counter()  # (flow, last message step delivered, reason)
        self.out_at_entry = Counter()  # flow -> runs whose exit held as they entered
        self.attributed = Counter()  # flow -> runs whose goal counts for it (attribution window)
        self.paths: Counter = Counter()  # (flow, ((step, arm index), ...), attributed) -> runs
        self.arm_entries: Counter = Counter()  # (flow, step, arm index) -> entries into a split's arm
        self.arm_goals: Counter = Counter()  # (flow, step, arm index) -> runs through it whose goal counts
        self.arm_unsubscribes: Counter = Counter()  # (flow, step, arm index) -> contacts
        self.weekly: Counter = Counter()  # (what, week) -> count; what: entries, handoffs, goals, touch:CHANNEL
        # Not a figure: the source indices of the contacts counted here whose
        # run drew an arm of an experiment not yet decided, ascending. A
        # decision can change only their runs (command.py's `_passes`).
        # Eight bytes each: at worst every contact of the source.
        self.undecided = array("q")

    # -- what the engine calls

    def contact(self, touches: int, nurtured: bool) -> None:
        self.contacts += 1
        if nurtured:
            self.nurtured += 1
            self.per_contact[touches] += 1

    def entry(self, flow: str, first: bool, week: int = 0) -> None:
        self.entered[flow] += 1
        self.weekly[("entries", week)] += 1
        if first:
            self.entered_contacts[flow] += 1

    def left(self, flow: str, reason: str, goal: bool | None, step: str | None = None) -> None:
        self.exits[flow][reason] += 1
        if step is not None:
            self.step_left[(flow, step, reason)] += 1
        if goal:
            self.goals[flow] += 1

    def reached(self, flow: str, step: str) -> None:
        self.step_reached[(flow, step)] += 1

    def arm(self, flow: str, step: str, index: int) -> None:
        self.arm_entries[(flow, step, index)] += 1

    def arm_unsubscribed(self, flow: str, step: str, index: int) -> None:
        self.arm_unsubscribes[(flow, step, index)] += 1

    def settled(
        self,
        flow: str,
        step: str,
        path: tuple[tuple[str, int], ...],
        lost: str | None,
        attributed: bool,
        week: int,
    ) -> None:
        """A run's goal is settled: it counts for the flow (`attributed`), or
        the run is over without it; `lost`: the exit reason when it also
        left by a loss."""
        if lost is not None:
            self.step_lost[(flow, step, lost)] += 1
        self.paths[(flow, path, attributed)] += 1
        if attributed:
            self.attributed[flow] += 1
            self.weekly[("goals", week)] += 1
            for node, index in set(path):
                self.arm_goals[(flow, node, index)] += 1

    def transition(self, flow: str, node: str, index: int) -> None:
        self.transitions[flow][(node, index)] += 1

    def handoff(self, team: str, first: bool, first_to_team: bool, since: float | None, week: int = 0) -> None:
        """A hand-off: `first` for the contact's first, `first_to_team` for
        their first to this team; `since`: seconds from their first flow
        entry (None when they entered none before)."""
        if first_to_team:
            self.handoffs[team] += 1
        if first:
            self.handed_off += 1
            self.weekly[("handoffs", week)] += 1
            if since is not None:
                self.velocity[round(since / 60)] += 1

    def late_first_touch(self, flow: str) -> None:
        self.late_first[flow] += 1

    def crossed(self, name: str, first: bool) -> None:
        self.crossings[name] += 1
        if first:
            self.crossed_contacts[name] += 1

    def touch(self, flow: str, channel: str, kind: str | None, step: str | None = None, week: int = 0) -> None:
        self.touches[channel] += 1
        self.flow_touches[flow] += 1
        self.weekly[("touch:" + channel, week)] += 1
        if step is not None:
            self.step_sent[(flow, step)] += 1
        if kind:
            self.kinds[kind] += 1

    def defer(self, reason: str, flow: str | None = None, step: str | None = None, first: bool = False) -> None:
        """A touch held for `reason` (once per touch and reason); `first` at
        the touch's first reason."""
        self.deferred[reason] += 1
        if flow is not None and step is not None:
            self.step_held_by[(flow, step, reason)] += 1
            if first:
                self.step_held[(flow, step)] += 1

    def block(self, reason: str, flow: str | None = None, step: str | None = None) -> None:
        self.blocked[reason] += 1
        if flow is not None and step is not None:
            self.step_blocked[(flow, step)] += 1

    def suppress(self, name: str) -> None:
        self.suppressed[name] += 1

    def unsubscribed(self) -> None:
        self.unsubscribes += 1

    def notified(self, recipient: str | None) -> None:
        self.notifications[recipient or "(default)"] += 1

    def task(self, recipient: str | None) -> None:
        self.tasks[recipient or "(default)"] += 1

    def webhook(self, flow: str, step: str) -> None:
        self.webhooks[f"{flow}.{step}"] += 1

    def remaining(self, flow: str) -> None:
        self.still_in[flow] += 1

    def late_event(self) -> None:
        self.late_events += 1

    def rated(self, flow: str, kind: str, window: int) -> None:
        """An entry into, or a message from, a flow with a rate limit of
        that kind, in the limit's `window`-th window from the start."""
        self.rate_windows[f"{flow} {kind}"][window] += 1

    def experiment_window(self, experiment: str, arm: int, close: float, reached: bool) -> None:
        self.experiment_windows[(experiment, arm, close, reached)] += 1

    # -- adding up

    def add(self, other: Tally) -> None:
        self._combine(other, 1)

    def subtract(self, other: Tally) -> None:
        """Take off what `other` counted (`undecided` is left as it is):
        the figures of some contacts counted here, so every count stays
        whole and at least 0. Keys left at 0 stay until `tidy`."""
        self._combine(other, -1)

    def _combine(self, other: Tally, sign: int) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, int):
                setattr(self, name, mine + sign * value)
            elif isinstance(value, array):
                if sign > 0:
                    mine.extend(value)
            elif isinstance(value, defaultdict):
                for key, counter in value.items():
                    (mine[key].update if sign > 0 else mine[key].subtract)(counter)
            else:
                (mine.update if sign > 0 else mine.subtract)(value)

    def tidy(self) -> None:
        """Drop the keys whose count is 0 after a `subtract` (every count
        the engine makes is 1 or more, so a key at 0 counts nothing and a
        tally that never held those contacts would not have it)."""
        for value in vars(self).values():
            if isinstance(value, defaultdict):
                for key in [key for key, counter in value.items() if not _tidy(counter)]:
                    del value[key]
            elif isinstance(value, Counter):
                _tidy(value)


def _tidy(counter: Counter) -> int:
    """Drop the keys at 0; how many are left."""
    for key in [key for key, count in counter.items() if not count]:
        del counter[key]
    return len(counter)


def _quantile(histogram: Counter, q: float) -> float | None:
    """The q-quantile (nearest rank) of a histogram of values."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, -(-int(q * total * 1000) // 1000))  # ceil without float drift for the usual q
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover


def _ratio(gives: int, asks: int) -> float | None:
    return round(gives / asks, 2) if asks else None


def layout(ir: dict) -> dict:
    """What every report lists, whether it happened or not: each flow's
    steps with their number of transitions, and each score threshold."""
    return {
        "flows": {
            name: {node_id: len(node["next"]) for node_id, node in sorted(flow["nodes"].items()) if node["next"]}
            for name, flow in sorted(ir["flows"].items())
        },
        "thresholds": sorted(
            f"{score}.{t['name']}" for score, data in ir["scores"].items() for t in data["thresholds"]
        ),
        "first_touch": ir["policy"].get("first_touch", {}).get("iso"),
        # only a playbook with webhooks has the figure, so reports of others keep their shape
        "webhooks": sorted(
            f"{name}.{node_id}"
            for name, flow in ir["flows"].items()
            for node_id, node in flow["nodes"].items()
            if node["type"] == "webhook"
        ),
        # flow -> kind -> count allowed per window (IR 1.2 rate limits)
        "rate_limits": {
            name: {kind: limit["count"] for kind, limit in sorted(flow["rate_limits"].items())}
            for name, flow in sorted(ir["flows"].items())
            if flow.get("rate_limits")
        },
        # flow -> its steps in written order, what the funnel lists
        "steps": {name: _steps(ir, flow) for name, flow in sorted(ir["flows"].items())},
        "has_goal": {name: "goal" in flow for name, flow in sorted(ir["flows"].items())},
    }


_TOUCHES = ("email", "sms", "linkedin", "ads")
_CHOICES = ("branch", "split", "experiment")


def _steps(ir: dict, flow: dict) -> list[dict]:
    """A flow's steps in the order they are written (by their spans; a
    repeat's interval right after its repeat), `@entry` first and `@end`
    last: id, kind, a human label, and for a choice its arms' names."""
    from .describe import Describer
    from .programme import is_message

    describe = Describer(ir).describe
    nodes = flow["nodes"]

    def where(node_id: str) -> tuple:
        if node_id == "@entry":
            return (0, 0, 0)
        if node_id == "@end":
            return (2, 0, 0)
        node = nodes[node_id]
        owner = nodes.get(node.get("repeat", ""), node)  # a repeat's `@wait` sits with its repeat
        span = owner.get("span") or node.get("span")
        if span is None:
            return (1, 10**9, 0, node_id)
        return (1, span["line"], span["column"], 1 if owner is not node else 0, node_id)

    arm_of = _arms_holding(nodes)
    steps = []
    for node_id in sorted(nodes, key=where):
        node = nodes[node_id]
        label = _label(ir, node, describe)
        if node["type"] == "experiment":  # its id is the name it was written with
            label += f" {node_id}"
        if node_id in arm_of:  # a step inside a split's or an experiment's arm carries the arm
            choice, index = arm_of[node_id]
            label += f' (arm "{_arm_name(nodes[choice], index, nodes[choice]["next"][index], describe)}")'
        step = {"step": node_id, "kind": node["type"], "label": label}
        step["message"] = node_id[0] != "@" and is_message(node)  # what lost_most ranks
        if node["type"] in _CHOICES:
            step["arms"] = [_arm_name(node, index, edge, describe) for index, edge in enumerate(node["next"])]
        steps.append(step)
    return steps


def _arms_holding(nodes: dict) -> dict[str, tuple[str, int]]:
    """The steps inside exactly one arm of a split or an experiment: step ->
    (the choice, the arm's index). A step every arm (or none) reaches is
    after the choice, not in an arm; in nested choices, the innermost."""
    found: dict[str, tuple[str, int]] = {}
    for choice, node in nodes.items():
        if node["type"] not in ("split", "experiment"):
            continue
        reached: list[set[str]] = []
        for edge in node["next"]:
            seen: set[str] = set()
            todo = [edge["to"]]
            while todo:
                here = todo.pop()
                if here in seen or here == choice or here not in nodes:
                    continue
                seen.add(here)
                todo.extend(e["to"] for e in nodes[here].get("next", ()) if "to" in e)
            reached.append(seen)
        for index, seen in enumerate(reached):
            others = set().union(*(r for i, r in enumerate(reached) if i != index))
            for step in seen - others:
                if step not in found or _reach(nodes, found[step][0], choice):
                    found[step] = (choice, index)
    return found


def _reach(nodes: dict, start: str, target: str) -> bool:
    """Whether `target` is reachable from `start` (the inner choice of two)."""
    seen: set[str] = set()
    todo = [e["to"] for e in nodes[start].get("next", ()) if "to" in e]
    while todo:
        here = todo.pop()
        if here == target:
            return True
        if here in seen or here not in nodes:
            continue
        seen.add(here)
        todo.extend(e["to"] for e in nodes[here].get("next", ()) if "to" in e)
    return False


def _arm_name(node: dict, index: int, edge: dict, describe) -> str:
    if edge.get("label"):
        return str(edge["label"])
    if node["type"] == "branch":
        return describe(edge["guard"]) if "guard" in edge else "else"
    return str(index + 1)


def _label(ir: dict, node: dict, describe) -> str:
    """What a person calls a step: its kind and what it sends or does,
    never an internal id (`suppress_1`). Every node type of the IR has its
    words in `_LABELS` (a test checks the map against irmodel's node union)."""
    return _LABELS[node["type"]](ir, node, describe)


def _touch_label(ir: dict, node: dict, describe) -> str:
    kind = node["type"]
    content = node.get("content")
    title = ir.get("content", {}).get(content, {}).get("title") if content else None
    what = title or content or node.get("audience") or ""
    action = node.get("action")
    head = f"{kind} {action}" if action and kind != "email" else kind
    return f'{head} "{what}"' if what else head


def _wait_label(ir: dict, node: dict, describe) -> str:
    from .. import units

    return f"wait {units.short(node['duration']['seconds'])}"


def _wait_for_label(ir: dict, node: dict, describe) -> str:
    events = [
        edge["event"]["name"] + (f'("{edge["event"]["arg"]}")' if edge["event"].get("arg") else "")
        for edge in node["next"]
        if edge.get("event")
    ]
    return "wait for " + " or ".join(events)


def _wait_calendar_label(ir: dict, node: dict, describe) -> str:
    days = node.get("days")
    return (
        "wait until " + (node.get("date") or ", ".join(days or ())) + (f" {node['time']}" if node.get("time") else "")
    )


def _named(kind: str):
    """A choice's label: its kind and, when written, its name (`split "x"`)."""

    def label(ir: dict, node: dict, describe) -> str:
        name = node.get("name") or node.get("label")
        return f'{kind} "{name}"' if name else kind

    return label


_LABELS = {
    "entry": lambda ir, node, describe: "entry",
    "end": lambda ir, node, describe: "end (completed)",
    "email": _touch_label,
    "sms": _touch_label,
    "linkedin": _touch_label,
    "ads": _touch_label,
    "task": lambda ir, node, describe: f"task for {node.get('recipient') or '(default)'}",
    "notify": lambda ir, node, describe: f"notify {node.get('recipient') or '(default)'}",
    "wait": _wait_label,
    "wait_until": lambda ir, node, describe: f"wait until {describe(node['condition'])}",
    "wait_calendar": _wait_calendar_label,
    "wait_for": _wait_for_label,
    "branch": _named("branch"),
    "split": _named("split"),
    "experiment": _named("experiment"),
    "repeat": lambda ir, node, describe: (
        "repeat" + (f" at most {node['at_most']} times" if node.get("at_most") else "")
    ),
    "goto": lambda ir, node, describe: "go to",
    "tag": lambda ir, node, describe: ("untag" if node.get("remove") else "tag") + f' "{node.get("tag")}"',
    "set": lambda ir, node, describe: f"set {node.get('attribute')}",
    "move_to": lambda ir, node, describe: f"move to {node.get('flow')}",
    "suppress": lambda ir, node, describe: f'suppress "{node.get("suppression_list")}"',
    "handoff": lambda ir, node, describe: f"handoff to {node.get('team')}",
    "exit": lambda ir, node, describe: f'exit "{node.get("reason", "")}"' if node.get("reason") else "exit",
    "webhook": lambda ir, node, describe: f"webhook {node.get('method', '')}".strip(),
    "score": lambda ir, node, describe: (
        f"score {node.get('score')} " + ("reset" if node.get("op") == "reset" else "change")
    ),
}


def figures(tally: Tally, shape: dict) -> dict:
    """The report's numbers as a nested dict (the JSON report's body);
    `shape` is `layout(ir)`."""
    per_contact = tally.per_contact
    grouped = _by_flow(tally) if "steps" in shape else {}
    velocity = tally.velocity
    body = {
        "contacts": tally.contacts,
        "nurtured": tally.nurtured,
        "flows": {},
        "handoffs": {
            "contacts": tally.handed_off,
            "by_team": dict(sorted(tally.handoffs.items())),
            "velocity_days": {
                "median": _days(_quantile(velocity, 0.5)),
                "p90": _days(_quantile(velocity, 0.9)),
            },
        },
        "thresholds": {
            name: {
                "contacts": tally.crossed_contacts[name],
                "crossings": tally.crossings[name],
                "over_at_start": tally.over_at_start[name],
            }
            for name in sorted(set(shape["thresholds"]) | set(tally.crossings) | set(tally.over_at_start))
        },
        "touches": {
            "total": sum(tally.touches.values()),
            "by_channel": dict(sorted(tally.touches.items())),
            "per_contact": {
                "median": _quantile(per_contact, 0.5),
                "p90": _quantile(per_contact, 0.9),
                "max": max(per_contact) if per_contact else None,
            },
            "gives": tally.kinds["give"],
            "asks": tally.kinds["ask"],
            "way_outs": tally.kinds["way_out"],
            "gives_per_ask": _ratio(tally.kinds["give"], tally.kinds["ask"]),
        },
        "first_touch": {"within": shape.get("first_touch"), "late": sum(tally.late_first.values())},
        "deferred": {reason: tally.deferred[reason] for reason in _REASONS},
        "blocked": dict(sorted(tally.blocked.items())),
        "suppressed": dict(sorted(tally.suppressed.items())),
        "unsubscribes": tally.unsubscribes,
        "notifications": dict(sorted(tally.notifications.items())),
        "tasks": dict(sorted(tally.tasks.items())),
    }
    hooks = sorted(set(shape.get("webhooks", ())) | set(tally.webhooks))
    if hooks:
        body["webhooks"] = {name: tally.webhooks[name] for name in hooks}
    for flow, steps in shape["flows"].items():
        taken = tally.transitions[flow]
        transitions = {node: [taken[(node, index)] for index in range(count)] for node, count in steps.items()}
        body["flows"][flow] = {
            "entered": tally.entered[flow],
            "contacts": tally.entered_contacts[flow],
            "exits": dict(sorted(tally.exits[flow].items())),
            "goal_reached": tally.goals[flow],
            "still_in": tally.still_in[flow],
            "touches": tally.flow_touches[flow],
            "late_first_touches": tally.late_first[flow],
            "transitions": transitions,
        }
        limits = shape.get("rate_limits", {}).get(flow)
        if limits:
            body["flows"][flow]["rate_limit"] = _over_rate(tally, flow, limits)
        if "steps" in shape:
            body["flows"][flow].update(
                _funnel(tally, flow, shape["steps"][flow], shape["has_goal"][flow], grouped.get(flow, {}))
            )
    if "steps" in shape:
        body["splits"] = _splits(tally, shape)
        body["weekly"] = _weekly(tally, shape.get("weeks", []))
        body["handoffs"]["time_to_handoff"] = _time_to_handoff(velocity)
    return body


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _by_flow(tally: Tally) -> dict[str, dict[str, dict]]:
    """The funnel's counters grouped by flow, in one pass over each (not a
    scan per flow): flow -> "left" / "lost" / "held_by" -> step -> reason ->
    count, and flow -> "paths" -> (path, attributed) -> runs."""
    out: dict[str, dict[str, dict]] = defaultdict(
        lambda: {"left": defaultdict(dict), "lost": defaultdict(dict), "held_by": defaultdict(dict), "paths": {}}
    )
    for member, counter in (("left", tally.step_left), ("lost", tally.step_lost), ("held_by", tally.step_held_by)):
        for (name, step, reason), count in sorted(counter.items()):
            out[name][member][step][reason] = count
    for (name, path, attributed), count in tally.paths.items():
        out[name]["paths"][(path, attributed)] = count
    return out


def _funnel(tally: Tally, flow: str, steps: list[dict], has_goal: bool, grouped: dict) -> dict:
    """A flow's funnel (per step in written order), its conversion, the
    steps that lose most and its paths; `grouped`: its counters (_by_flow)."""
    left = grouped.get("left", {})
    lost = grouped.get("lost", {})
    held_by = grouped.get("held_by", {})
    funnel = []
    for step in steps:
        node = step["step"]
        funnel.append(
            {
                "step": node,
                "label": step["label"],
                "kind": step["kind"],
                "reached": tally.step_reached[(flow, node)],
                "sent": tally.step_sent[(flow, node)],
                "held": tally.step_held[(flow, node)],
                "held_by": {reason: held_by.get(node, {}).get(reason, 0) for reason in _REASONS},
                "blocked": tally.step_blocked[(flow, node)],
                "left": left.get(node, {}),
                "lost": sum(lost.get(node, {}).values()),
                "lost_by": lost.get(node, {}),
            }
        )
        if step["kind"] == "entry":
            funnel[-1]["out_at_entry"] = tally.out_at_entry[flow]
    order = {step["step"]: index for index, step in enumerate(funnel)}
    messages = {step["step"] for step in steps if step.get("message")}
    lost_most = [  # which email loses people: message steps only
        item["step"]
        for item in sorted(funnel, key=lambda item: (-item["lost"], order[item["step"]]))
        if item["lost"] and item["step"] in messages
    ]
    attributed = tally.attributed[flow] if has_goal else 0
    return {
        "has_goal": has_goal,
        "goal_attributed": attributed,
        "conversion": {"rate": _rate(attributed, tally.entered[flow])},
        "funnel": funnel,
        "out_at_entry": tally.out_at_entry[flow],
        "lost_most": lost_most,
        "paths": _paths(grouped.get("paths", {}), steps, has_goal),
    }


_TOP_PATHS = 10


def _paths(paths: dict, steps: list[dict], has_goal: bool) -> list[dict]:
    """The flow's 10 most-run paths (the arms a run took, in order), ties by
    their text, and the rest as one `(other)`; [] without choices."""
    arms = {step["step"]: step["arms"] for step in steps if "arms" in step}
    if not arms:
        return []
    kinds = {step["step"]: step["kind"] for step in steps}

    def taken(node: str, index: int) -> str:
        """An arm taken, in words: `split "x"`, `branch: else`, `experiment subj: "short"`."""
        arm = arms[node][index]
        if kinds[node] == "split":
            return f'split "{arm}"'
        if kinds[node] == "experiment":
            return f'experiment {node}: "{arm}"'
        return f"branch: {arm}"

    runs: Counter = Counter()
    goals: Counter = Counter()
    for (path, attributed), count in paths.items():
        words = tuple(taken(node, index) for node, index in path)
        runs[words] += count
        if attributed and has_goal:
            goals[words] += count
    ranked = sorted(runs, key=lambda words: (-runs[words], " > ".join(words)))
    out = [
        {
            "path": list(words),
            "runs": runs[words],
            "goal_attributed": goals[words],
            "rate": _rate(goals[words], runs[words]),
        }
        for words in ranked[:_TOP_PATHS]
    ]
    rest = ranked[_TOP_PATHS:]
    if rest:
        total, hit = sum(runs[w] for w in rest), sum(goals[w] for w in rest)
        out.append({"path": ["(other)"], "runs": total, "goal_attributed": hit, "rate": _rate(hit, total)})
    return out


def _splits(tally: Tally, shape: dict) -> dict:
    """Every split and experiment step: its arms side by side, the best
    arm's lead over the next and whether it is clear (experiments.py
    decides an experiment's winner; report() fills it in)."""
    from .stats import newcombe, wilson

    # (experiment, arm) -> [windows counted, goals reached], in one pass
    windows: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for (key_, arm_, _, hit_), count_ in tally.experiment_windows.items():
        windows[(key_, arm_)][0] += count_
        if hit_:
            windows[(key_, arm_)][1] += count_
    out = {}
    for flow, steps in shape["steps"].items():
        for step in steps:
            if step["kind"] not in ("split", "experiment"):
                continue
            node, experiment = step["step"], step["kind"] == "experiment"
            key = f"{flow}.{node}"
            arms = []
            for index, name in enumerate(step["arms"]):
                entered = tally.arm_entries[(flow, node, index)]
                if experiment:  # its own goal within its window, over the windows closed by --until
                    counted, hits = windows.get((key, index), (0, 0))
                else:
                    counted, hits = entered, tally.arm_goals[(flow, node, index)] if shape["has_goal"][flow] else 0
                interval = wilson(hits, counted)
                arm = {
                    "arm": name,
                    "entered": entered,
                    "goal_attributed": hits,
                    "rate": _rate(hits, counted),
                    "rate_interval": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
                    "unsubscribes": tally.arm_unsubscribes[(flow, node, index)],
                }
                if experiment:
                    arm["counted"] = counted
                arms.append((arm, hits, counted))
            ranked = sorted((a for a in arms if a[2]), key=lambda a: (-a[1] / a[2], a[0]["arm"]))
            difference = None
            winner = None
            if len(ranked) >= 2:
                (best, b_hits, b_n), (second, s_hits, s_n) = ranked[0], ranked[1]
                found = newcombe(b_hits, b_n, s_hits, s_n)
                assert found is not None
                difference = {
                    "between": [best["arm"], second["arm"]],
                    "value": round(b_hits / b_n - s_hits / s_n, 4),
                    "interval": [round(found[0], 4), round(found[1], 4)],
                }
                if found[0] > 0:
                    winner = best["arm"]
            out[key] = {
                "kind": step["kind"],
                "arms": [arm for arm, _, _ in arms],
                "difference": difference,
                "winner": winner,
                "decided": False,
            }
    return out


def week_count(start: float, until: float) -> int:
    """How many weeks the weekly series has: every 7 days from the start, the
    last one maybe cut short by --until (the engine's last week is this - 1)."""
    import math

    return max(1, math.ceil((until - start) / (7 * 86400)))


def weeks(start: float, until: float) -> list[str]:
    """The dates (UTC) the weekly series' weeks start on: every 7 days from
    the start; the last week may be cut short by --until."""
    import datetime as dt

    count = week_count(start, until)
    return [dt.datetime.fromtimestamp(start + 7 * 86400 * k, dt.timezone.utc).date().isoformat() for k in range(count)]


def _weekly(tally: Tally, starts: list[str]) -> list[dict]:
    channels = sorted({what[6:] for what, _ in tally.weekly if what.startswith("touch:")} | set(tally.touches))
    return [
        {
            "week": k,
            "from": day,
            "entries": tally.weekly[("entries", k)],
            "touches": {channel: tally.weekly[("touch:" + channel, k)] for channel in channels},
            "handoffs": tally.weekly[("handoffs", k)],
            "goals": tally.weekly[("goals", k)],
        }
        for k, day in enumerate(starts)
    ]


_HANDOFF_EDGES = (0, 1, 3, 7, 14, 30, 60, 90, 180, 365, None)


def _time_to_handoff(velocity: Counter) -> dict:
    """How long hand-offs took from the first entry: contacts per bucket of
    days (a bucket holds from <= days < to) and quartiles and p90."""
    buckets = []
    for low, high in zip(_HANDOFF_EDGES, _HANDOFF_EDGES[1:]):
        contacts = sum(
            count
            for minutes, count in velocity.items()
            if minutes >= low * 1440 and (high is None or minutes < high * 1440)
        )
        buckets.append({"from_days": low, "to_days": high, "contacts": contacts})
    return {
        "buckets": buckets,
        "p25": _days(_quantile(velocity, 0.25)),
        "median": _days(_quantile(velocity, 0.5)),
        "p75": _days(_quantile(velocity, 0.75)),
        "p90": _days(_quantile(velocity, 0.9)),
    }


def _over_rate(tally: Tally, flow: str, limits: dict[str, int]) -> dict[str, int]:
    """How many of a flow's entries and messages went over its rate limits:
    in each window, those beyond the limit's count. A runner refuses such
    an entry and holds such a message; the simulator, whose contacts run
    independently of one another, counts them and changes no path."""
    over = {}
    for kind, word in (("entries", "entries_refused"), ("sends", "sends_held")):
        if kind in limits:
            windows = tally.rate_windows.get(f"{flow} {kind}", Counter())
            over[word] = sum(max(0, count - limits[kind]) for count in windows.values())
    return over


def _days(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 1440, 2)


# A list of objects is keyed by its items' ids in dotted paths: a funnel's
# steps by `step`, a split's arms by `arm`, weeks by `week`, time-to-handoff
# buckets by `from_days`. Those ids are labels, not figures.
_ITEM_KEYS = ("step", "arm", "week", "from_days")
_NOT_FIGURES = frozenset(("transitions", "paths", "to_days") + _ITEM_KEYS)


def flatten(body: dict, prefix: str = "") -> dict[str, float]:
    """Dotted key -> number, for every number of a report body (intervals are
    keyed like this). Transitions and paths are left out: transitions are
    for diagrams, and a path's rank is not the same path from run to run."""
    out = {}
    for key, value in body.items():
        name = f"{prefix}{key}"
        if key in _NOT_FIGURES:
            continue
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for item in value:
                ids = [item[k] for k in _ITEM_KEYS if k in item]
                if ids:
                    out.update(flatten(item, f"{name}.{ids[0]}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = value
    return out


# Figures that grow with the number of contacts; a run's value is scaled to
# the whole cohort before intervals are taken. The others are medians,
# quantiles and ratios, which do not.
def _extensive(key: str) -> bool:
    last = key.rsplit(".", 1)[-1]
    return not (
        last in _QUANTILES + ("gives_per_ask", "rate", "value") or ".per_contact." in key or ".velocity_days." in key
    )


_QUANTILES = ("median", "p25", "p75", "p90", "max")


def intervals(runs: list[tuple[int, dict]], total_contacts: int) -> dict[str, list[float]]:
    """95% intervals of each figure over the runs: (contacts in the run, its
    flattened figures) each. A count missing from a run is 0 there; a
    median that a run has no data for is left out. Figures every run agrees
    on (the number of contacts) get no interval, and none for maxima, which
    do not average."""
    from .cohort import interval

    keys = sorted(set().union(*(figs.keys() for _, figs in runs)))
    out = {}
    for key in keys:
        if not _extensive(key) and key.rsplit(".", 1)[-1] in _QUANTILES:
            continue  # quantiles of a run's share are not quantiles of the cohort
        extensive = _extensive(key)
        values = []
        for size, figs in runs:
            if not size:
                continue
            if key in figs:
                values.append(figs[key] * total_contacts / size if extensive else figs[key])
            elif extensive:
                values.append(0)
        if len(values) < 2:
            continue
        _, low, high = interval(values)
        low = max(low, 0.0)
        if extensive:
            low, high = int(low), int(-(-high // 1))  # outwards to whole numbers
            if key == "nurtured" or key.endswith(".contacts"):
                high = min(high, total_contacts)  # no more contacts than the cohort has
        if low != high:
            out[key] = [_neat(low), _neat(high)]
    return out


def _neat(value: float):
    value = round(value, 2)
    return int(value) if value == int(value) else value


def as_json(header: dict, body: dict, interval_map: dict | None = None) -> str:
    document = {"format": REPORT_FORMAT, "version": REPORT_VERSION, **header, **body}
    if interval_map is not None:
        document["intervals"] = interval_map
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- text


def as_text(header: dict, body: dict, interval_map: dict | None = None) -> str:
    ranges = interval_map or {}

    def n(key: str, value) -> str:
        if value is None:
            return "-"
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
        if key in ranges:
            low, high = ranges[key]
            text += f" [{low:,}–{high:,}]"
        return text

    lines = []
    mode = header["mode"]
    contacts = f"{n('contacts', body['contacts'])} {_plural(body['contacts'], 'contact')}"
    what = (
        f"cohort of {contacts} in {header['runs']} {_plural(header['runs'], 'run')}, seed {header['seed']}"
        if mode == "cohort"
        else f"replay of {contacts}"
    )
    lines.append(f"{header['playbook']}: {what}")
    lines.append(f"from {header['start']} until {header['until']}")
    if header.get("start_reason"):  # a line of its own: the reasons run to 80 characters
        lines.append(f"start: {header['start_reason']}")
    if ranges:
        lines.append("figures in [brackets]: 95% interval over the runs")
    lines.append("")
    lines.append(f"Flows ({n('nurtured', body['nurtured'])} contacts entered at least one)")
    width = max([len(name) for name in body["flows"]] + [4])
    for name, flow in body["flows"].items():
        base = f"flows.{name}"
        head = f"  {name:<{width}}  entered {n(base + '.entered', flow['entered'])}"
        if flow["entered"] != flow["contacts"]:
            head += f" ({n(base + '.contacts', flow['contacts'])} contacts)"
        head += f", touches {n(base + '.touches', flow['touches'])}, goal reached {n(base + '.goal_reached', flow['goal_reached'])}"
        if flow["still_in"]:
            head += f", still in at the end {n(base + '.still_in', flow['still_in'])}"
        lines.append(head)
        if "rate_limit" in flow:
            over = flow["rate_limit"]
            parts = [
                f"{n(f'{base}.rate_limit.{key}', over[key])} {one if over[key] == 1 else many}"
                for key, one, many in (
                    ("entries_refused", "entry refused", "entries refused"),
                    ("sends_held", "message held", "messages held"),
                )
                if key in over
            ]
            lines.append(f"  {'':<{width}}  over its rate limit: " + ", ".join(parts))
        if flow["exits"]:
            exits = ", ".join(
                f"{reason} {n(f'{base}.exits.{reason}', count)}"
                for reason, count in sorted(flow["exits"].items(), key=lambda item: (-item[1], item[0]))
            )
            lines.append(f"  {'':<{width}}  left: {exits}")
        lines.extend(f"  {'':<{width}}  {line}" for line in _flow_lines(header, flow, base, n, 100 - width - 4))
    lines.append("")
    handoffs = body["handoffs"]
    lines.append("Sales")
    velocity = handoffs["velocity_days"]
    line = f"  handed off     {n('handoffs.contacts', handoffs['contacts'])} {_plural(handoffs['contacts'], 'contact')}"
    if velocity["median"] is not None:
        line += (
            f"; time from first entry to handoff (nurture velocity): median "
            f"{n('handoffs.velocity_days.median', velocity['median'])} days, "
            f"p90 {n('handoffs.velocity_days.p90', velocity['p90'])} days"
        )
    lines.append(line)
    for name, threshold in body["thresholds"].items():
        lines.append(
            f"  {name:<14} {n(f'thresholds.{name}.contacts', threshold['contacts'])} "
            f"{_plural(threshold['contacts'], 'contact')} crossed"
            + (
                f" ({n(f'thresholds.{name}.over_at_start', threshold['over_at_start'])} already over at the start)"
                if threshold.get("over_at_start")
                else ""
            )
        )
    if body["notifications"]:
        lines.append(
            "  alerts         "
            + ", ".join(f"{who} {n(f'notifications.{who}', count)}" for who, count in body["notifications"].items())
        )
    if body["tasks"]:
        lines.append(
            "  tasks          " + ", ".join(f"{who} {n(f'tasks.{who}', count)}" for who, count in body["tasks"].items())
        )
    if body.get("webhooks"):
        lines.append(
            "  webhooks       "
            + ", ".join(f"{step} {n(f'webhooks.{step}', count)}" for step, count in body["webhooks"].items())
        )
    lines.append("")
    touches = body["touches"]
    lines.append("Touches")
    channels = ", ".join(
        f"{channel} {n(f'touches.by_channel.{channel}', count)}" for channel, count in touches["by_channel"].items()
    )
    lines.append(f"  sent           {n('touches.total', touches['total'])}" + (f" ({channels})" if channels else ""))
    per = touches["per_contact"]
    lines.append(
        f"  per contact    median {n('touches.per_contact.median', per['median'])}, "
        f"p90 {n('touches.per_contact.p90', per['p90'])}, max {n('touches.per_contact.max', per['max'])}"
        " (contacts who entered a flow)"
    )
    ratio = touches["gives_per_ask"]
    lines.append(
        f"  gives / asks   {n('touches.gives', touches['gives'])} / {n('touches.asks', touches['asks'])}"
        + (f": {n('touches.gives_per_ask', ratio)} gives per ask" if ratio is not None else "")
        + (
            f"; ways out {n('touches.way_outs', touches['way_outs'])} (not asks: they offer to stop)"
            if touches["way_outs"]
            else ""
        )
    )
    lines.append("")
    if body.get("experiments") or body.get("splits"):
        lines.extend(_split_lines(body, n))
        lines.append("")
    if body.get("weekly"):
        lines.extend(_weekly_lines(body))
        lines.append("")
    lines.append("Policy")
    deferred = body["deferred"]
    lines.append(
        "  deferred       "
        + ", ".join(f"{reason_words(reason)} {n(f'deferred.{reason}', deferred[reason])}" for reason in _REASONS)
    )
    blocked = body["blocked"]
    lines.append(
        "  blocked        "
        + (", ".join(f"{reason} {n(f'blocked.{reason}', count)}" for reason, count in blocked.items()) or "none")
    )
    first = body.get("first_touch") or {}
    if first.get("within"):
        late = [
            f"{name} {n(f'flows.{name}.late_first_touches', flow['late_first_touches'])}"
            for name, flow in body["flows"].items()
            if flow.get("late_first_touches")
        ]
        lines.append(
            f"  first touch    late {n('first_touch.late', first['late'])} "
            f"(first message more than {_iso_words(first['within'])} after entry"
            + (": " + ", ".join(late) if late else "")
            + ")"
        )
    if body["suppressed"]:
        lines.append(
            "  suppressed     "
            + ", ".join(f'"{name}" {n(f"suppressed.{name}", count)}' for name, count in body["suppressed"].items())
        )
    lines.append(f"  unsubscribes   {n('unsubscribes', body['unsubscribes'])}")
    notes = header.get("notes") or []
    if notes:
        lines.append("")
        lines.extend(notes)
    return "\n".join(lines) + "\n"


def _flow_lines(header: dict, flow: dict, base: str, n, room: int) -> list[str]:
    """A flow's conversion within the attribution window and the steps that
    lose most contacts: which email loses people; in `room` columns where
    the numbers allow (the reasons and the runners-up go on lines of their
    own when they do not fit)."""
    lines = []
    if flow.get("has_goal"):
        seconds = (header.get("attribution") or {}).get("seconds", 0)
        when = f"within {_short(seconds)} of the end" if seconds else "at the end"
        rate = flow["conversion"]["rate"]
        lines.append(
            f"goal ({when}) {n(base + '.goal_attributed', flow['goal_attributed'])} of {n(base + '.entered', flow['entered'])}"
            + (f" ({rate * 100:.1f}%)" if rate is not None else "")
        )
    steps = {item["step"]: item for item in flow.get("funnel", ())}
    ranked = flow.get("lost_most") or []
    if ranked:
        first = steps[ranked[0]]
        key = f"{base}.funnel.{first['step']}"
        why = ", ".join(
            f"{n(f'{key}.lost_by.{reason}', count)} {reason}"
            for reason, count in sorted(first["lost_by"].items(), key=lambda item: (-item[1], item[0]))
        )
        line = f"loses most: {step_words(first)} {n(key + '.lost', first['lost'])} lost"
        if len(line) + len(why) + 3 <= room:
            lines.append(f"{line} — {why}")
        else:
            lines.extend([line, f"  — {why}"])
        others = [
            f"{step_words(steps[step])} {n(f'{base}.funnel.{step}.lost', steps[step]['lost'])} lost"
            for step in ranked[1:3]
        ]
        if others and len(", ".join(others)) + 7 > room:
            lines.extend(f"  then {other}" for other in others)
        elif others:
            lines.append("  then " + ", ".join(others))
    return lines


# The ids the compiler gives unlabelled steps that send no content
# (docs/language.md, "Step ids"): a kind and a number.
GENERATED_ID = re.compile(
    r"(?:wait|wait_until|wait_calendar|wait_for|branch|split|repeat|goto|move_to|tag|set|suppress|handoff"
    r"|exit|webhook|task|notify|ads|score_\w+|linkedin_(?:follow|engage|connect))_\d+"
)


def _short(seconds: float) -> str:
    from .. import units

    return units.short(seconds)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _split_lines(body: dict, n) -> list[str]:
    """Experiments and splits: each one's arms side by side, the best arm's
    lead over the next with its interval, and the verdict."""
    lines = ["Experiments and splits"]
    experiments = body.get("experiments") or {}
    for name, split in (body.get("splits") or {}).items():
        exp = experiments.get(name)
        lines.append(f"  {name} ({split['kind']}" + (f", {exp['rule']})" if exp else ")"))
        if exp:
            from .experiments import text_lines

            lines.extend(text_lines({name: exp})[2:])
        width = max([len(arm["arm"]) for arm in split["arms"]] + [3])
        lines.append(f"    {'arm':<{width}}  {'entered':>8}  {'goal':>6}  {'rate [95%]':<22}  unsubscribed")
        key = f"splits.{name}.arms"
        for arm in split["arms"]:
            interval = arm["rate_interval"]
            rate = _percent(arm["rate"]) + (
                f" [{interval[0] * 100:.1f}–{interval[1] * 100:.1f}%]" if interval is not None else ""
            )
            name_ = arm["arm"]
            lines.append(
                f"    {name_:<{width}}  {n(f'{key}.{name_}.entered', arm['entered']):>8}  "
                f"{n(f'{key}.{name_}.goal_attributed', arm['goal_attributed']):>6}  {rate:<22}  "
                f"{n(f'{key}.{name_}.unsubscribes', arm['unsubscribes'])}"
            )
        difference = split["difference"]
        if difference is None:
            lines.append(f"    {verdict_words(split, exp)}")
            continue
        lines.append(f"    {difference_words(difference)}")
        # the verdict and what it rests on, a clause a line (100 columns)
        lines.extend(f"    {clause}" for clause in verdict_words(split, exp).split("; "))
    return lines


_MAX_WEEK_ROWS = 13


def _weekly_lines(body: dict) -> list[str]:
    """Over time: a row per week with activity (or per 4 weeks, when more
    than 13 have some), and the time-to-handoff buckets."""
    weekly = body["weekly"]
    channels = sorted({channel for week in weekly for channel in week["touches"]})

    def busy(week: dict) -> bool:
        return bool(week["entries"] or week["handoffs"] or week["goals"] or any(week["touches"].values()))

    rows = [week for week in weekly if busy(week)]
    group = 4 if len(rows) > _MAX_WEEK_ROWS else 1
    lines = [f"Over time (weeks from {weekly[0]['from']}" + (", in 4-week groups)" if group > 1 else ")")]
    head = f"  {'week':<7}  {'from':<10}  {'entries':>7}" + "".join(f"  {c:>7}" for c in channels)
    lines.append(head + f"  {'handoffs':>8}  {'goals':>6}")
    grouped: dict[int, list[dict]] = {}
    for week in rows:
        grouped.setdefault(week["week"] // group, []).append(week)
    for index, weeks_in in grouped.items():
        first = weeks_in[0]["week"] if group == 1 else index * group
        label = str(first) if group == 1 else f"{first}–{min(first + group, len(weekly)) - 1}"
        since = weekly[first]["from"]
        total = lambda what: sum(week[what] for week in weeks_in)  # noqa: E731
        line = f"  {label:<7}  {since:<10}  {total('entries'):>7,}" + "".join(
            f"  {sum(week['touches'].get(c, 0) for week in weeks_in):>7,}" for c in channels
        )
        lines.append(line + f"  {total('handoffs'):>8,}  {total('goals'):>6,}")
    if not rows:
        lines.append("  nothing happened")
    handoff = body["handoffs"].get("time_to_handoff")
    if handoff and handoff["median"] is not None:
        buckets = ", ".join(f"{bucket_words(b)} {b['contacts']:,}" for b in handoff["buckets"] if b["contacts"])
        lines.append(
            f"  time to handoff: {buckets}; p25 {handoff['p25']:g}, median {handoff['median']:g}, "
            f"p75 {handoff['p75']:g}, p90 {handoff['p90']:g} days"
        )
    return lines


def _iso_words(text: str) -> str:
    """An ISO 8601 duration of the IR in the language's words: P2D -> 2d,
    PT48H -> 48h, P1DT12H -> 1d12h."""
    return text.replace("P", "").replace("T", "").lower()


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


# -- one contact's journey


def timeline(records: list[dict], contact: dict, zone: str) -> str:
    """A trace of one contact as lines a person reads top to bottom, in the
    contact's own time zone, where quiet hours and send days make sense."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    name = contact.get("name")
    lines = [f"Contact {contact['id']}" + (f" ({name})" if name else "") + f", times in {zone}"]
    for record in records:
        moment = dt.datetime.fromisoformat(record["at"].replace("Z", "+00:00")).astimezone(local)
        score = record.get("score")
        score_text = "  [" + ", ".join(f"{k} {v}" for k, v in score.items()) + "]" if score else ""
        lines.append(f"  {moment:%a %Y-%m-%d %H:%M}  {_describe(record, local)}{score_text}")
    if len(lines) == 1:
        lines.append("  nothing happened")
    return "\n".join(lines) + "\n"


def _describe(record: dict, local) -> str:
    kind = record["type"]
    flow = record.get("flow", "")
    step = record.get("step", "")
    if kind == "event":
        return f"event      {record['event']}" + (f"({record['arg']})" if record.get("arg") else "")
    if kind == "enter":
        return f"enter      {flow}" + (f"  ({record['reason']})" if record.get("reason") else "")
    if kind == "exit":
        return f"leave      {flow} at {step}: {record['reason']}"
    if kind == "touch":
        what = record.get("content") or record.get("action") or ""
        tag = f" [{record['give_or_ask']}]" if record.get("give_or_ask") else ""
        late = " (late first touch)" if record.get("late_first_touch") else ""
        return f"{record['channel']:<10} {flow}.{step}: {what}{tag}{late}"
    if kind == "deferred":
        import datetime as dt

        until = dt.datetime.fromisoformat(record["until"].replace("Z", "+00:00")).astimezone(local)
        return f"held       {flow}.{step} until {until:%a %H:%M} ({reason_words(record['reason'])})"
    if kind == "blocked":
        return f"blocked    {flow}.{step} ({record['channel']}): {record['reason']}"
    if kind == "threshold":
        return f"threshold  {record['threshold']} crossed at {record['value']}"
    if kind == "over_at_start":
        return f"threshold  {record['threshold']} already over at the start ({record['value']})"
    if kind == "handoff":
        return f"handoff    to {record['team']} ({record['reason']})"
    if kind == "notify":
        return f"notify     {record.get('recipient') or '(default)'}: {record['text']}"
    if kind == "task":
        return f"task       {record.get('recipient') or '(default)'}: {record['text']}"
    if kind in ("tag", "untag"):
        return f"{kind:<10} {record['tag']} ({record.get('threshold') or f'{flow}.{step}'})"
    if kind == "refused":
        return f"refused    {flow} ({record['reason']}): {record['why']}"
    if kind == "set":
        return f"set        {record['attribute']} = {record['value']} ({flow}.{step})"
    if kind == "suppress":
        until = record.get("until")
        if until:
            import datetime as dt

            until = dt.datetime.fromisoformat(until.replace("Z", "+00:00")).astimezone(local)
        return f'suppress   "{record["list"]}" ({flow}.{step})' + (
            f", revisit {until:%a %Y-%m-%d %H:%M}" if until else ", for good"
        )
    if kind == "revisit":
        return "revisit    suppression ended"
    if kind == "experiment":
        when = "the winner" if record.get("decided") else "at random"
        return f'experiment {flow}.{step}: arm "{record["arm"]}" ({when})'
    if kind == "goal":
        return f"goal       {flow}: met after the run (left at {step}); counts for the flow"
    if kind == "experiment_goal":
        return f'goal       {flow}.{step}: reached in arm "{record["arm"]}"'
    if kind == "webhook":
        return f"webhook    {flow}.{step}: {record['method']} {record['url']}"
    if kind == "score_change":
        change = "reset" if record["op"] == "reset" else f"{record['points']:+d}"
        return f"score      {record['changed']} {change} ({record.get('threshold') or f'{flow}.{step}'})"
    return kind


# -- the words of a figure, one place for each: the text report uses them
# and the readout (page, charts) imports them, so the two cannot drift.


def step_words(step: dict) -> str:
    """A step as the text report names it: `"Welcome" email (welcome)`."""
    label, kind = step["label"], step["kind"]
    if kind == "entry":  # an exit condition that already held when the contact came in
        label = "on entering"
    if kind in _TOUCHES and '"' in label:
        head, _, what = label.partition(' "')
        what = what[:-1]
        if len(what) > 32:  # the report is read at 100 columns
            what = what[:31] + "…"
        label = f'"{what}" {head}'
    if kind == "entry" or GENERATED_ID.fullmatch(step["step"]):
        return label  # `suppress_1` means nothing to a reader; a label or a content name does
    return f"{label} ({step['step']})"


def bucket_words(bucket: dict) -> str:
    """A time-to-handoff bucket: `0–1d`, `365d+` (from <= days < to)."""
    low, high = bucket["from_days"], bucket["to_days"]
    return f"{low:g}d+" if high is None else f"{low:g}–{high:g}d"


def reason_words(key: str) -> str:
    """A deferral or hold reason's key in words: quiet_hours -> quiet hours."""
    return key.replace("_", " ")


def difference_words(difference: dict) -> str:
    """The best arm's lead over the next: `"long" − "short": +17.1 points [-31.8, +56.2]`."""
    best, second = difference["between"]
    low, high = difference["interval"]
    return f'"{best}" − "{second}": {difference["value"] * 100:+.1f} points [{low * 100:+.1f}, {high * 100:+.1f}]'


def verdict_words(split: dict, experiment: dict | None) -> str:
    """What a split's or experiment's figures say, and what it rests on.

    A plain split (or an undecided experiment): the arms' interval rule. A
    decided experiment: its winner, the moment and the counts it decided on
    (a tie goes to the first arm, docs/language.md "experiment"), and, when
    the figures at the end put another arm first, that arm and whether its
    lead is significant (the 95% interval of the difference excludes 0).
    `split` is a `splits` member, `experiment` the `experiments` member of
    the same name (None for a split)."""
    difference = split.get("difference")
    runs = (experiment or {}).get("runs") or []
    decided = [run for run in runs if run.get("winner") is not None]
    if split.get("decided") and decided:
        winner = split.get("winner")
        if winner is None:
            votes: dict[str, int] = {}
            for run in decided:
                votes[run["winner"]] = votes.get(run["winner"], 0) + 1
            said = ", ".join(f'"{arm}" {count}' for arm, count in votes.items())
            return f"no winner: the runs decided for different arms ({said})"
        if len(runs) == 1:
            run = decided[0]
            counts = " vs ".join(f"{arm['reached']}/{arm['counted']}" for arm in run["arms"])
            rates = [arm["rate"] for arm in run["arms"] if arm["rate"] is not None]
            tie = len(rates) > 1 and rates.count(max(rates)) > 1
            text = f'winner "{winner}", decided {str(run["decided_at"])[:10]} on {counts}'
            text += " (a tie: the first arm)" if tie else ""
        else:
            for_winner = sum(1 for run in decided if run["winner"] == winner)
            text = f'winner "{winner}", decided for it in {for_winner} of {len(runs)} runs'
        if difference is not None and difference["value"] > 0 and difference["between"][0] != winner:
            significant = difference["interval"][0] > 0
            text += f'; since then "{difference["between"][0]}" leads, ' + (
                "significant" if significant else "not significant"
            )
        return text
    if difference is None:
        return "no difference yet: fewer than two arms with contacts"
    prefix = "undecided; " if experiment is not None else ""
    if split.get("winner") is not None:
        return prefix + f'"{split["winner"]}" leads, interval excludes 0'
    return prefix + "no clear winner"
