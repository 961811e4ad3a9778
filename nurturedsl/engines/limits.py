"""Where a flow's runtime limits bind, for targets whose engines have none:
the flow's `cadence` minimum, its `max_touches`, and the policy's
`first_touch` (docs/ir.md, "policy"). A runner holds a message until
`cadence.min` has passed since the contact's previous message in the
flow, sends none beyond `max_touches` in one stay, and reports a first
message later than `first_touch` after entry. An engine that sends each
message when its delays say does none of that, so each is an
approximation exactly when some path of the exported flow can meet it.

`sends(node)` says which nodes are messages the target's document sends
(Mautic sends email and SMS, HubSpot email). Time on a path is what the
export makes of it: a wait's delay and a time-out are exact; an event arm
or a calendar wait takes from nothing to the time-out (a week for a
weekday, any time for a date); a `repeat ... at most N` runs its body once,
as both targets export it (MAU006, HS012), its interval leading to what
follows; an endless repeat is a loop where the target keeps one (HubSpot's
GOTO) and runs once where it does not (Mautic).

Each analysis is linear in the flow (one Dijkstra, or strongly connected
components then one pass over their DAG), never path enumeration.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

from ..irmodel import FlowIR

WEEK = 7 * 86400
Sends = Callable[[Any], bool]


def edges(flow: FlowIR, node: Any, longest: bool, loops: bool = True) -> list[tuple[str, float]]:
    """Each next node with the time a contact spends getting there: the most
    it can be when `longest`, else the least. A repeat's interval leads to
    what follows the repeat when the export runs its body once: always when
    not `loops` (Mautic), else only for `at most N` (HubSpot loops an
    endless repeat with a GOTO)."""
    repeat = flow.nodes.get(getattr(node, "repeat", None) or "")
    once = repeat is not None and repeat.type == "repeat" and (repeat.at_most is not None or not loops)
    if node.type == "wait" and once and repeat is not None:
        return [(t.to, float(node.duration.seconds)) for t in repeat.next if t.kind == "done"]
    out: list[tuple[str, float]] = []
    for t in node.next:
        delay = getattr(t, "delay", None)
        if delay is not None:
            seconds: float = delay.seconds
        elif node.type in ("wait_until", "wait_for") and t.kind == "event":
            # at once, or as late as the time-out (no time-out: any time)
            seconds = (node.timeout.seconds if node.timeout is not None else math.inf) if longest else 0.0
        elif node.type == "wait_calendar":
            seconds = (math.inf if node.date is not None else WEEK) if longest else 0.0
        else:
            seconds = 0.0
        out.append((t.to, seconds))
    return out


def closest_messages(flow: FlowIR, sends: Sends, loops: bool = True) -> tuple[str, str, float] | None:
    """(a message, the next one, the least time between them) for the pair of
    consecutive messages closest together on any path; None with fewer than
    two. One Dijkstra from every message at once: a node's distance is the
    least time since some message, and a message reached is the end of a gap."""
    best: dict[str, tuple[float, str]] = {}
    origins = sorted(n for n, node in flow.nodes.items() if sends(node))
    # (time, origin's rank, node, origin): of equally close pairs, the first message's wins
    queue: list[tuple[float, int, str, str]] = []
    for rank, origin in enumerate(origins):
        for to, seconds in edges(flow, flow.nodes[origin], False, loops):
            heapq.heappush(queue, (seconds, rank, to, origin))
    while queue:
        spent, rank, node_id, origin = heapq.heappop(queue)
        node = flow.nodes[node_id]
        if sends(node):
            return (origin, node_id, spent)  # the first message popped ends the least gap
        if node_id in best:
            continue
        best[node_id] = (spent, origin)
        for to, seconds in edges(flow, node, False, loops):
            heapq.heappush(queue, (spent + seconds, rank, to, origin))
    return None


def most_messages(flow: FlowIR, sends: Sends, loops: bool = True) -> float:
    """The most messages one stay can send (inf: a loop through a message)."""

    def value(component: list[str], cyclic: bool, after: float) -> float:
        here = sum(1 for n in component if sends(flow.nodes[n]))
        return math.inf if cyclic and here else here + max(after, 0.0)

    return _over_components(flow, lambda node: edges(flow, node, False, loops), lambda _n: False, value)


def latest_first_message(flow: FlowIR, sends: Sends, loops: bool = True) -> float:
    """The most time from entry to a stay's first message (-inf: no path
    sends one; inf: a loop that takes time can come first). An `entry ...
    after D` enters when D is over, so D does not count."""

    def value(component: list[str], cyclic: bool, after: float) -> float:
        if any(sends(flow.nodes[n]) for n in component):
            return 0.0  # the first message: the path's time is what came before
        if after == -math.inf:
            return -math.inf  # no message after this: no first message to be late
        inside = set(component)
        waits = any(
            seconds > 0 for n in component for to, seconds in edges(flow, flow.nodes[n], True, loops) if to in inside
        )
        return math.inf if cyclic and waits else after

    return _over_components(
        flow, lambda node: edges(flow, node, True, loops), lambda node: bool(sends(node)), value, timed=True
    )


def _over_components(
    flow: FlowIR,
    out_edges: Callable[[Any], list[tuple[str, float]]],
    stops: Callable[[Any], bool],
    value: Callable[[list[str], bool, float], float],
    timed: bool = False,
) -> float:
    """A longest-path value from the flow's start, over the DAG of the
    strongly connected components of the nodes it reaches (Tarjan's, without
    recursion). A `stops` node ends a path (its edges are not followed).
    `value(component, cyclic, after)` gives a component's value from the best
    value `after` it (-inf when nothing follows); `timed` adds each edge's
    time between components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component_of: dict[str, int] = {}
    components: list[list[str]] = []

    def followed(node_id: str) -> list[tuple[str, float]]:
        node = flow.nodes[node_id]
        return [] if stops(node) else out_edges(node)

    work: list[tuple[str, int]] = [(flow.start, 0)]
    while work:
        node_id, i = work.pop()
        if i == 0:
            index[node_id] = low[node_id] = len(index)
            stack.append(node_id)
            on_stack.add(node_id)
        succ = followed(node_id)
        if i < len(succ):
            work.append((node_id, i + 1))
            to = succ[i][0]
            if to not in index:
                work.append((to, 0))
            elif to in on_stack:
                low[node_id] = min(low[node_id], index[to])
            continue
        for to, _ in succ:
            if to in component_of:
                continue
            if to in on_stack:
                low[node_id] = min(low[node_id], low[to])
        if low[node_id] == index[node_id]:
            members: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component_of[member] = len(components)
                members.append(member)
                if member == node_id:
                    break
            components.append(members)
    # Tarjan's finds components in reverse topological order: what follows first
    values: list[float] = []
    for c, members in enumerate(components):
        inside = set(members)
        cyclic = len(members) > 1 or any(to in inside for to, _ in followed(members[0]))
        after = -math.inf
        for n in members:
            for to, seconds in followed(n):
                if component_of[to] != c:
                    after = max(after, values[component_of[to]] + (seconds if timed else 0.0))
        if not any(followed(n) for n in members) and not timed:
            after = 0.0  # the path ends here
        values.append(value(members, cyclic, after))
    return values[component_of[flow.start]]
