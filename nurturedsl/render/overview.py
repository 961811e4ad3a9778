"""The whole programme on one page: what starts each flow, where flows hand
contacts to each other (`move to`, score thresholds), and the exits they
share: handoff to a team, a suppression list, unsubscribing.

Flows appear in the programme's own order (the order of its imports), and
shared exits in the order they are first used, so the page reads the way
the playbook does.
"""

from __future__ import annotations

from .. import nodes as n
from ..graph import END, flow_graph
from ..model import Programme, iter_conditions, message_items
from ..nodes import iter_steps
from ..policy import CONTACT_CHANNELS, is_message
from . import words
from .diagram import VARIES, Count, Diagram, Edge, Node, day_offsets, most_per_contact, typical_per_contact, where

UNSUBSCRIBED = "@unsubscribed"
OVERVIEW_NOTES = (
    "solid arrow: contacts go there (entry, move to, handoff, suppression)",
    "dashed arrow: contacts leave the flow when the exit condition holds",
)


def overview_diagram(programme: Programme) -> Diagram:
    title = [words.clean(programme.name), f"{len(programme.flows)} flows"]
    diagram = Diagram("overview", title, notes=OVERVIEW_NOTES)
    shared: dict[str, Node] = {}
    # (source, target) -> edge, so several steps to one place make one arrow
    arrows: dict[tuple[str, str], Edge] = {}

    def arrow(source: str, target: str, line: str, style: str = "solid") -> None:
        edge = arrows.get((source, target))
        if edge is None:
            edge = arrows[(source, target)] = Edge(source, target, [], style)
            diagram.edges.append(edge)
        if line and line not in edge.lines:
            edge.lines.append(line)

    def terminal(node_id: str, shape: str, lines: list[str], tooltip: list[str]) -> str:
        if node_id not in shared:
            shared[node_id] = Node(node_id, shape, shape, lines, tooltip)
        return node_id

    thresholds = _thresholds(programme)
    for name, flow in programme.flows.items():
        for k, entry in enumerate(flow.entries, 1):
            trigger = f"{name}@entry.{k}"
            lines = words.trigger(entry)
            diagram.nodes.append(
                Node(
                    trigger,
                    "start",
                    "start",
                    [part for x in lines for part in words.line(x)],
                    [words.clean(x) for x in lines] + [where(programme, entry.span)],
                )
            )
            arrow(trigger, name, "")
        diagram.nodes.append(_flow_node(programme, flow))

    suppression_lists = suppression_ids(programme)
    for name, flow in programme.flows.items():
        for step in iter_steps(flow.steps):
            if isinstance(step, n.MoveTo):
                arrow(name, step.flow, f"move to ({step.label})" if step.label else "move to")
            elif isinstance(step, n.Handoff):
                arrow(
                    name,
                    terminal(
                        f"@handoff.{step.team}",
                        "handoff",
                        [f"handoff to {step.team}"],
                        [f"handed to the {step.team} team"],
                    ),
                    step.label or "",
                )
            elif isinstance(step, n.Suppress):
                list_id = suppression_lists[step.list_name]
                lines = ["suppression list", words.shorten(words.quoted(step.list_name), 30)]
                terminal(list_id, "suppress", lines, [words.clean(f"suppression list {step.list_name}")])
                arrow(
                    name,
                    list_id,
                    ", ".join(
                        ([step.label] if step.label else [])
                        + ([f"revisit {words.duration(step.revisit.seconds)}"] if step.revisit else [])
                    ),
                )
        for condition in flow.exits:
            if _is_unsubscribe(condition):
                arrow(
                    name,
                    terminal(UNSUBSCRIBED, "exit", ["unsubscribed"], ["the contact unsubscribed"]),
                    "exit on unsubscribed",
                    "dashed",
                )
            elif isinstance(condition, n.Ref) and condition.resolved == "threshold":
                key = ".".join(condition.path)
                if key in thresholds:
                    arrow(name, key, f"exit on {key}", "dashed")

    for key, (score, threshold) in thresholds.items():
        op = "at" if threshold.op == "at" else "above"
        lines = [key, f"{score.name} score {op} {threshold.value.text}"]
        tooltip = [f"threshold {threshold.name} of score {score.name} ({where(programme, threshold.span)})"]
        for action in threshold.actions:
            if isinstance(action, n.Handoff):
                arrow(
                    key,
                    terminal(
                        f"@handoff.{action.team}",
                        "handoff",
                        [f"handoff to {action.team}"],
                        [f"handed to the {action.team} team"],
                    ),
                    "",
                )
            elif isinstance(action, n.MoveTo):
                arrow(key, action.flow, "move to")
            elif isinstance(action, n.TagStep):
                lines.append(("untag " if action.remove else "tag ") + words.shorten(words.quoted(action.tag), 28))
            elif isinstance(action, n.Touch):
                lines.append(f"notify {action.recipient}" if action.recipient else "notify")
                tooltip.append(words.clean(action.text or ""))
            elif isinstance(action, n.ScoreChange):
                lines.append(f"score {action.score} " + ("reset" if action.op == "reset" else f"{action.points:+d}"))
        diagram.nodes.append(Node(key, "threshold", "logic", lines, tooltip))

    diagram.nodes += shared.values()
    diagram.same_rank.append([node_id for node_id in shared])
    return diagram


def suppression_ids(programme: Programme) -> dict[str, str]:
    """Suppression list -> its box, numbered in the order of first use."""
    out: dict[str, str] = {}
    for flow in programme.flows.values():
        for step in iter_steps(flow.steps):
            if isinstance(step, n.Suppress):
                out.setdefault(step.list_name, f"@suppress.{len(out) + 1}")
    return out


def _thresholds(programme: Programme) -> dict[str, tuple[n.Score, n.Threshold]]:
    """`score.threshold` -> its score and threshold, for thresholds that act
    (hand off, move, tag, notify) or that some flow exits on."""
    used = {
        ".".join(c.path)
        for flow in programme.flows.values()
        for exit_ in flow.exits
        for c in iter_conditions(exit_)
        if isinstance(c, n.Ref) and c.resolved == "threshold"
    }
    out = {}
    for score in programme.scores.values():
        for threshold in score.thresholds:
            key = f"{score.name}.{threshold.name}"
            if threshold.actions or key in used:
                out[key] = (score, threshold)
    return out


def _is_unsubscribe(condition: n.Condition) -> bool:
    return (
        isinstance(condition, n.Ref)
        and condition.path == ["unsubscribed"]
        or isinstance(condition, n.EventTest)
        and condition.name == "unsubscribed"
        and not condition.args
    )


def _flow_node(programme: Programme, flow: n.Flow) -> Node:
    items = message_items(programme)
    g = flow_graph(flow)

    def contact_touch(node: str) -> n.Touch | None:
        step = g.nodes[node]["step"]
        return step if isinstance(step, n.Touch) and step.channel in CONTACT_CHANNELS else None

    def message(node: str) -> int:
        touch = contact_touch(node)
        return 1 if touch is not None and is_message(touch, items) else 0

    def presence(node: str) -> int:
        touch = contact_touch(node)
        return 1 if touch is not None and not is_message(touch, items) else 0

    lines = [f"flow {flow.name}"]
    if flow.title:
        lines += words.wrap(flow.title)
    # per contact, not per playbook: a branch's arms are not all sent to one
    # contact; messages are what cadence and caps count (presence is not)
    lines += messages_line(most_per_contact(g, message), typical_per_contact(g, message))
    shown = most_per_contact(g, presence)
    if shown.more:  # a goto or an endless repeat: "at most" would contradict it
        lines.append(f"+ {shown.n} or more presence touches")
    elif shown.n:  # presence apart: a follow or an ads audience is no message
        lines.append(f"+ {shown.n} presence at most")
    end = day_offsets(g).get(END)
    if end is not None and end != VARIES:
        lines.append(f"completes on {words.day(end)}")
    limits = words.rate_limits(flow)
    if limits:
        lines += words.line(limits)
    tooltip = [f"flow {flow.name} ({where(programme, flow.span)})"]
    if flow.exits:
        tooltip.append("exit on " + ", ".join(words.clean(words.condition(c)) for c in flow.exits))
    return Node(flow.name, "flow", "flow", lines, tooltip)


def messages_line(most: Count, typical: Count) -> list[str]:
    """`at most 5 messages,` `typically 4`; `at most 3 messages` when the
    typical contact gets the most; `5 or more` where a goto or an endless
    repeat sends again."""

    def amount(count: Count, at_most: bool) -> str:
        plural = "" if count.n == 1 and not count.more else "s"
        if count.more:
            return f"{count.n} or more message{plural}"
        return f"{'at most ' if at_most else ''}{count.n} message{plural}"

    if most == typical == Count(0):
        return ["no messages"]
    if most == typical:
        return [amount(most, True)]
    return [
        amount(most, True) + ",",
        "typically " + amount(typical, False).removesuffix(" messages").removesuffix(" message"),
    ]
