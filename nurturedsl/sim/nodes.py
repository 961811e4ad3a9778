"""What each node of a flow does when a contact arrives at it.

One handler per IR node type, in one registry keyed by the type. The
registry is checked against the IR's list of node types when this module is
imported, so a node type without a handler (a new step kind whose simulator
part was forgotten) fails the import and the test suite, never a run. The
programme stores each node's handler on the node once (`_Node.perform`), so
a step costs one call, not a lookup.

A handler gets the contact's run (engine.py's `_ContactRun`, called `c`),
the stay in the flow (`run`), the node, and the node the contact came from
(`came_from`: a `repeat` counts its loops by it). It returns the transition
to take next, or None when the contact stops here: it waits (a `wait until`
whose condition does not hold yet, a touch held for quiet hours) or it has
left the flow. The walk (`_ContactRun._walk`) takes the transition: it
counts it, and follows it now or after its delay.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, get_args

# The IR's list of node types. This import is the one place the simulator
# reads it (see `ir_node_types`); when the IR models move to their own
# module, only this line changes.
from .. import units
from ..irmodel import NodeType
from .clock import REVISIT, TIMER
from .experiments import key as experiment_key
from .values import assign, calendar_moment, iso

if TYPE_CHECKING:
    from .engine import State, _ContactRun
    from .membership import _Run
    from .programme import _Edge, _Node

Handler = Callable[["_ContactRun", "_Run", "_Node", "str | None"], "_Edge | None"]
# What a contact waiting at a node looks at when something it reads changes:
# the transition to take now, or None to go on waiting.
Ready = Callable[["_ContactRun", "_Run", "_Node"], "_Edge | None"]

HANDLERS: dict[str, Handler] = {}


def ir_node_types() -> tuple[str, ...]:
    """The node types the IR defines, in its order."""
    return get_args(NodeType)


def handles(*types: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `types`."""

    def register(handler: Handler) -> Handler:
        for kind in types:
            if kind in HANDLERS:
                raise RuntimeError(f"two simulator handlers for node type `{kind}`")
            HANDLERS[kind] = handler
        return handler

    return register


def check_complete(handlers: dict[str, Handler], types: tuple[str, ...]) -> None:
    """Refuse a registry that misses a node type or handles one the IR does
    not have (a stale handler hides a renamed type)."""
    missing = [kind for kind in types if kind not in handlers]
    unknown = sorted(set(handlers) - set(types))
    if missing or unknown:
        raise RuntimeError(
            "the simulator's node handlers do not match the IR's node types:"
            + (f" no handler for {', '.join(missing)};" if missing else "")
            + (f" a handler for {', '.join(unknown)}, which the IR does not define;" if unknown else "")
            + " add or remove it in nurturedsl/sim/nodes.py"
        )


# -- touches -----------------------------------------------------------------


@handles("email", "sms", "linkedin", "ads")
def _touch(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # sent, blocked (then the flow goes on as if sent), or held until it may go
    return node.next[0] if c._deliver(run, node) else None


# -- moving on ---------------------------------------------------------------


@handles("entry", "goto")
def _next(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    return node.next[0]


@handles("wait")
def _wait(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # the wait's length is the delay of its one transition, which the walk keeps
    return node.next[0]


@handles("wait_until")
def _wait_until(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    if node.condition(c.s):
        return node.next[0]
    # Sit here: a reaction takes the `event` transition once the condition
    # holds (_ContactRun._react), the timer the `timeout` one, if there is one.
    run.waiting = node
    c.wake_stale = True
    run.ticket += 1
    if len(node.next) > 1:
        c._push(c.s.now + node.next[1].delay, TIMER, run, run.ticket, "timeout", node.id)
    c._schedule_wake()
    return None


@handles("wait_calendar")
def _wait_calendar(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data, now = node.data, c.s.now
    days = data.get("days")
    at = calendar_moment(
        now,
        c.zone,  # the contact's time zone, else the policy's
        data.get("date"),
        frozenset(units.day_index(day) for day in days) if days else None,
        units.time_minutes(data.get("time", "00:00")),
    )
    edge = node.next[0]
    if at <= now:  # the moment is now, or the date is past
        return edge
    # as the walk takes a delayed transition: counted now, followed by a timer
    c.tally.transition(run.flow.name, node.id, edge.index)
    run.ticket += 1
    c._push(at, TIMER, run, run.ticket, "walk", edge.to)
    return None


@handles("wait_for")
def _wait_for(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # Only events recorded from now on count (docs/simulation.md): an event
    # before arrival, even one of this same moment, was not waited for.
    s = c.s
    run.marks = {name: len(s.events.get(name, ())) for _, name, _ in node.arms}
    run.waiting = node
    c.wake_stale = True
    run.ticket += 1
    c._push(s.now + node.next[-1].delay, TIMER, run, run.ticket, "timeout", node.id)
    return None


def chosen_arm(s: State, run: _Run, node: _Node) -> _Edge | None:
    """The first arm, in the order written, with an event of its since the
    contact arrived at the wait_for `node`."""
    for edge, name, match in node.arms:
        found = s.events.get(name)
        if found:
            for _at, arg in found[run.marks.get(name, 0) :]:
                if match is None or arg in match:
                    return edge
    return None


def _condition_holds(c: _ContactRun, run: _Run, node: _Node) -> _Edge | None:
    return node.next[0] if node.condition(c.s) else None


def _arm_seen(c: _ContactRun, run: _Run, node: _Node) -> _Edge | None:
    # An arm's event is in, but others of this very moment may still be
    # queued: decide once they are recorded (an `arm` timer queued after
    # them), so that of events at the same moment the first arm written wins.
    if chosen_arm(c.s, run, node) is not None:
        c._push(c.s.now, TIMER, run, run.ticket, "arm", node.id)
    return None


# by the type of the node a contact waits at
READY: dict[str, Ready] = {"wait_until": _condition_holds, "wait_for": _arm_seen}


@handles("branch")
def _branch(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    s = c.s
    for edge in node.next:
        if edge.guard is None or edge.guard(s):
            return edge
    raise AssertionError(f"branch `{node.id}` has no `else`")  # pragma: no cover - the IR check requires one


@handles("split")
def _split(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # The same contact takes the same arm in every run (and every process).
    point = stable_fraction(c.contact.id, run.flow.name, node.id) * 100
    edge = None
    for edge in node.next:
        point -= edge.weight
        if point < 0:
            break
    return edge  # the last arm takes what rounding leaves over 100


@handles("experiment")
def _experiment(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # Before the decision a split's draw (the same contact, the same arm);
    # from its moment on, the winner's arm (experiments.py).
    exp = c.p.experiments[experiment_key(run.flow.name, node.id)]
    decided = c.r.decisions.get(exp.key)
    if decided is not None and c.s.now >= decided.at:
        edge = node.next[decided.winner]
    else:
        if decided is None:
            c.undecided = True
        point = stable_fraction(c.contact.id, run.flow.name, node.id) * 100
        for edge in node.next:
            point -= edge.weight
            if point < 0:
                break
    c._watch_goal(exp, edge.index)
    if c.tracing:
        c._trace(
            "experiment",
            flow=run.flow.name,
            step=node.id,
            arm=exp.arms[edge.index],
            decided=decided is not None and c.s.now >= decided.at,
        )
    return edge


@handles("repeat")
def _repeat(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # Coming back from its own interval node (`<id>@wait`) is one more loop;
    # arriving any other way starts the count again (docs/ir.md).
    loops = run.loops.get(node.id, 0) if came_from == node.id + "@wait" else 0
    at_most = node.data.get("at_most")
    if at_most is None or loops < at_most:
        run.loops[node.id] = loops + 1
        return node.next[0]
    return node.next[1]


# -- changing the contact, telling people -----------------------------------


@handles("tag")
def _tag(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data = node.data
    c._tag(data["tag"], data["remove"])
    if c.tracing:
        c._trace("untag" if data["remove"] else "tag", flow=run.flow.name, step=node.id, tag=data["tag"])
    return node.next[0]


@handles("set")
def _set(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data, s = node.data, c.s
    if c.holding:
        c._release_thresholds()  # judged on the attributes as they were
    assign(s.data, data["attribute"], data["value"])
    s.version += 1
    s.data_version += 1
    c.everything = c.wake_stale = True
    if c.tracing:
        c._trace("set", flow=run.flow.name, step=node.id, attribute=data["attribute"], value=data["value"])
    return node.next[0]


@handles("task")
def _task(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data = node.data
    c.tally.task(data.get("recipient"))
    if c.tracing:
        c._trace(
            "task",
            flow=run.flow.name,
            step=node.id,
            recipient=data.get("recipient"),
            text=c._fill(data["text"], None),
        )
    return node.next[0]


@handles("notify")
def _notify(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data = node.data
    c._notify(data.get("recipient"), data["text"], None, flow=run.flow.name, step=node.id)
    return node.next[0]


@handles("webhook")
def _webhook(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    # No network, ever: the call is counted and traced, and the contact goes on
    # at once, as a runner that does not wait for the answer does (docs/ir.md).
    data = node.data
    c.tally.webhook(run.flow.name, node.id)
    if c.tracing:  # the URL as written: the simulator fills in nothing it does not send
        c._trace("webhook", flow=run.flow.name, step=node.id, method=data["method"], url=data["url"])
    return node.next[0]


@handles("score")
def _score(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data = node.data
    c._change_score(data["score"], data["op"], data.get("points"), flow=run.flow.name, step=node.id)
    return node.next[0]


# -- leaving the flow --------------------------------------------------------


@handles("end")
def _end(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    c._leave(run, "completed")
    return None


@handles("exit")
def _exit(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data = node.data
    c._leave(run, "exit " + (f'"{data["reason"]}"' if "reason" in data else "step"))
    return None


@handles("handoff")
def _handoff(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    c._handoff(node.data["team"], f"{run.flow.name}.{node.id}", run)
    return None


@handles("suppress")
def _suppress(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    data, now = node.data, c.s.now
    revisit = data.get("revisit")
    c.suppressed_until = now + revisit["seconds"] if revisit else math.inf
    c.wake_stale = True
    if c.tracing:
        c._trace(
            "suppress",
            flow=run.flow.name,
            step=node.id,
            list=data["suppression_list"],
            until=iso(c.suppressed_until) if revisit else None,
        )
    c._leave(run, f'suppressed "{data["suppression_list"]}"')
    c.tally.suppress(data["suppression_list"])
    if revisit:
        c._push(c.suppressed_until, REVISIT)
    return None


@handles("move_to")
def _move_to(c: _ContactRun, run: _Run, node: _Node, came_from: str | None) -> _Edge | None:
    target = node.data["flow"]
    c._leave(run, f"moved to {target}")
    c._enter(c.p.flows[target], f"moved from {run.flow.name}", moved=True)
    return None


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) fixed by `parts`, the same in every process."""
    digest = hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


check_complete(HANDLERS, ir_node_types())
