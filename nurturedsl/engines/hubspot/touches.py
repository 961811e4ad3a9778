"""Where a flow's `cadence`, `max_touches` and the policy's `first_touch`
bind, for the HubSpot export, which has none of them.

docs/ir.md ("policy"): a runner holds a message until the flow's
`cadence.min` has passed since the contact's previous message in the flow,
sends no message beyond `max_touches` in one stay, and reports a first
message later than `first_touch` after entry. A HubSpot flow sends each
email when its delays say, every time, and reports nothing; so each is an
approximation exactly when some path through the flow could meet it. The
messages counted are the flow's emails: the only messages the export
sends (SMS and LinkedIn steps are skipped, HS017).
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from ...irmodel import FlowIR

WEEK = 7 * 86400


def sends(node: Any) -> bool:
    """Whether a node is a message the HubSpot flow sends."""
    return bool(node.type == "email" and node.message is not False)


def _edges(flow: FlowIR, node: Any, longest: bool) -> list[tuple[str, float]]:
    """Each next node with the time a contact spends getting there: the least
    it can be (`longest` False) or the most. As the export runs it, a
    `repeat ... at most N` runs its body once (HS012): its interval node
    (docs/ir.md, "How to walk a flow": `<id>@wait`), a delay, leads to what
    follows."""
    out: list[tuple[str, float]] = []
    if node.type == "goto":
        return [(node.target, 0.0)]
    repeat = flow.nodes.get(getattr(node, "repeat", None) or "")
    if node.type == "wait" and repeat is not None and repeat.type == "repeat" and repeat.at_most is not None:
        return [(t.to, float(node.duration.seconds)) for t in repeat.next if t.kind == "done"]
    for t in node.next:
        delay = getattr(t, "delay", None)
        if delay is not None:
            seconds: float = delay.seconds
        elif node.type in ("wait_until", "wait_for") and t.kind == "event":
            # at once, or as late as the time-out (no time-out: any time)
            seconds = (node.timeout.seconds if node.timeout is not None else math.inf) if longest else 0.0
        elif node.type == "wait_calendar":
            # at once, or up to a week for a weekday and time; a date can be any time ahead
            seconds = (math.inf if node.date is not None else WEEK) if longest else 0.0
        else:
            seconds = 0.0
        out.append((t.to, seconds))
    return out


def shortest_gaps(flow: FlowIR) -> list[tuple[str, str, float]]:
    """(email, next email, the least time between them) for every pair of
    emails with no email between them on some path."""
    found: list[tuple[str, str, float]] = []
    for first in sorted(n for n, node in flow.nodes.items() if sends(node)):
        best: dict[str, float] = {}
        queue: list[tuple[float, str]] = [(d, to) for to, d in _edges(flow, flow.nodes[first], longest=False)]
        heapq.heapify(queue)
        while queue:
            spent, node_id = heapq.heappop(queue)
            if node_id in best:
                continue
            best[node_id] = spent
            node = flow.nodes[node_id]
            if sends(node):
                found.append((first, node_id, spent))
                continue
            for to, d in _edges(flow, node, longest=False):
                if to not in best:
                    heapq.heappush(queue, (spent + d, to))
    return found


def most(flow: FlowIR, node_cost: Any, edge_longest: bool, stop: Any) -> float:
    """The largest total cost of a path from the flow's start: each node's
    `node_cost` plus, when `edge_longest`, the most time on each edge; a path
    ends at a `stop` node (which counts) or at the flow's end (which counts
    only when `stop` is None). A cycle with any cost is unbounded (inf)."""
    memo: dict[str, float] = {}
    stack: list[str] = []
    costs: list[float] = []  # the cost of reaching stack[i] from stack[i - 1]

    def walk(node_id: str) -> float:
        if node_id in stack:
            at = stack.index(node_id)
            cycle = sum(costs[at:]) + sum(node_cost(flow.nodes[n]) for n in stack[at:])
            return math.inf if cycle > 0 else -math.inf
        if node_id in memo:
            return memo[node_id]
        node = flow.nodes[node_id]
        own = float(node_cost(node))
        if stop is not None and stop(node):
            return own
        edges = _edges(flow, node, True) if edge_longest else [(to, 0.0) for to, _ in _edges(flow, node, True)]
        if not edges:
            return own if stop is None else -math.inf
        stack.append(node_id)
        best = -math.inf
        for to, d in edges:
            costs.append(d)
            best = max(best, d + walk(to))
            costs.pop()
        stack.pop()
        memo[node_id] = own + best
        return own + best

    return walk(flow.start)


def most_emails(flow: FlowIR) -> float:
    """The most emails one stay can send (inf: a loop through an email)."""
    return most(flow, lambda node: 1.0 if sends(node) else 0.0, edge_longest=False, stop=None)


def latest_first_email(flow: FlowIR) -> float:
    """The most time from entry to a stay's first email (-inf: none is sent).
    An `entry ... after D` enters when D is over (sim/engine.py: the ENTRY
    event is pushed at `at + trigger.delay`), so D does not count."""
    return most(flow, lambda node: 0.0, edge_longest=True, stop=sends)
