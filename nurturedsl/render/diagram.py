"""A flow's state graph as a neutral diagram: boxes with a shape, a tone and
lines of text, arrows with labels. `dot.py` and `mermaid.py` draw the same
diagram, so both formats say the same thing.

The visual language:

- a touch's shape is its channel (email, SMS, LinkedIn, ads, task/notify);
  its tone is what it sends: give (green), ask (amber), nothing (blue) or
  a message to your own team (grey); a touch that is presence, not a
  message (the policy's `messages`), says `presence`;
- waits are not boxes but the label of the arrow they hold back (`wait 4d`),
  and `goto` is a dashed arrow: both only decide when and where the contact
  goes next;
- branch, split and repeat are diamonds, their conditions, shares and loop
  on the arrows; an experiment is a split's diamond that also says its goal,
  window and decision rule; `wait until` is a hexagon with `event` and `timeout` arrows;
- entry, completion, exit, handoff, suppression and `move to` each have a
  terminal shape of their own;
- a node says its step name, the content's title and the day it happens,
  counted from entry, when every path to it agrees on that day.

Node order is source order and edge order is transition order, so the
output depends on nothing but the playbook.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from typing_extensions import assert_never

from .. import nodes as n
from ..digraph import MultiDiGraph, condensation, strongly_connected_components, topological_sort
from ..graph import END, ENTRY, Attrs, EdgeKind, edges, flow_graph, transitions
from ..model import Programme, message_items
from ..policy import CONTACT_CHANNELS, is_message
from ..source import Span
from . import words


@dataclass
class Node:
    id: str
    shape: str  # a key of SHAPES
    tone: str  # a key of TONES
    lines: list[str]
    tooltip: list[str] = field(default_factory=list)
    # lint findings on this node: (code, one-line description)
    findings: list[tuple[str, str]] = field(default_factory=list)
    # the graph node it stands for, when it stands for one
    source: str | None = None


@dataclass
class Edge:
    source: str
    target: str
    lines: list[str] = field(default_factory=list)
    style: str = "solid"  # solid, dashed, dotted
    tooltip: list[str] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)
    # the transition's kind, and the first wait or goto folded into it
    kind: EdgeKind = "next"
    via: str | None = None
    # the transition's position among its source's (the IR's order)
    index: int | None = None
    # `render --sim`: pen width by volume; muted: a transition never taken
    width: float | None = None
    muted: bool = False


@dataclass
class Diagram:
    name: str
    title: list[str]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # node ids drawn side by side (terminals on the right of the overview)
    same_rank: list[list[str]] = field(default_factory=list)
    # graph nodes drawn as arrow labels (waits, gotos), not boxes
    folded: set[str] = field(default_factory=set)
    # what the legend says beside its boxes
    notes: tuple[str, ...] = ()
    # a flow's node -> the page to open when it is clicked (the HTML page)
    links: dict[str, str] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)


# shape -> what a marketer calls it (the legend)
SHAPES = {
    "start": "entry",
    "email": "email",
    "sms": "SMS",
    "linkedin": "LinkedIn",
    "ads": "ads audience",
    "internal": "task or notify (your team)",
    "action": "tag or set",
    "score": "score change",
    "webhook": "webhook (the runner calls a URL)",
    "wait": "wait",
    "decision": "branch, split or repeat",
    "wait_until": "wait until an event",
    "end": "completed",
    "exit": "exit",
    "handoff": "handoff",
    "suppress": "suppression list",
    "move": "move to another flow",
    "flow": "flow",
    "threshold": "score threshold",
}

# tone -> (fill, border, legend word)
TONES = {
    "give": ("#dcefdc", "#2e7d32", "give"),
    "ask": ("#ffe2ad", "#b26a00", "ask"),
    "touch": ("#e3edf9", "#3d6fa8", ""),
    "internal": ("#ececec", "#6d6d6d", ""),
    "logic": ("#ffffff", "#546e7a", ""),
    "start": ("#e1f0fb", "#1565c0", ""),
    "end": ("#f2f2f2", "#424242", ""),
    "exit": ("#f2f2f2", "#616161", ""),
    "handoff": ("#e6e8f6", "#3949ab", ""),
    "suppress": ("#e9edf0", "#455a64", ""),
    "move": ("#f3e6f5", "#7b1fa2", ""),
    "flow": ("#ffffff", "#263238", ""),
}
LINT_COLOUR = "#d32f2f"
MUTED = "#b0bec5"  # `render --sim`: an arrow no contact took


def pen(width: float) -> str:
    """A pen width as DOT and Mermaid write it: one decimal, `2.5`, `1`."""
    return f"{width:.1f}".removesuffix(".0")


CHANNEL_SHAPES = {
    "email": "email",
    "sms": "sms",
    "linkedin": "linkedin",
    "ads": "ads",
    "task": "internal",
    "notify": "internal",
}
TERMINAL_SHAPES = {"exit": "exit", "handoff": "handoff", "suppress": "suppress", "move_to": "move"}


def legend(diagram: Diagram) -> list[tuple[str, str, str]]:
    """(shape, tone, words) for each kind of box the diagram uses, in a fixed
    order: a legend of what is on the page, not of everything there is."""
    used = {(node.shape, node.tone) for node in diagram.nodes}
    order = list(TONES)
    out = []
    for shape in SHAPES:
        for tone in sorted({t for s, t in used if s == shape}, key=order.index):
            word = TONES[tone][2]
            out.append((shape, tone, SHAPES[shape] + (f", {word}" if word else "")))
    return out


# shape -> the word or two the compact legend gives it
SHORT_SHAPES = {
    "start": "entry",
    "email": "email",
    "sms": "SMS",
    "linkedin": "LinkedIn",
    "ads": "ads",
    "internal": "your team",
    "action": "tag or set",
    "score": "score",
    "webhook": "webhook",
    "wait": "wait",
    "decision": "branch or split",
    "wait_until": "wait until",
    "end": "completed",
    "exit": "exit",
    "handoff": "handoff",
    "suppress": "suppress",
    "move": "move to",
    "flow": "flow",
    "threshold": "threshold",
}
# boxes whose words already say what they are: no need to repeat them in a compact legend
SELF_EXPLAINED = {"start", "end", "exit", "handoff", "suppress", "move", "flow"}


def short_legend(diagram: Diagram) -> list[tuple[str, str, str]]:
    """The compact legend: (shape, tone, a word or two) for each kind of box
    the diagram uses whose own label does not say what it is. A touch's
    box says its channel but not whether it gives or asks, so touches
    stay; `entry`, `completed`, `exit` and the like say what they are."""
    out = []
    for shape, tone, _ in legend(diagram):
        if shape in SELF_EXPLAINED:
            continue
        word = TONES[tone][2]
        out.append((shape, tone, SHORT_SHAPES[shape] + (f", {word}" if word else "")))
    return out


FLOW_NOTES = (
    "wait 4d on an arrow: the wait before the next step",
    "day 7: days after entry, where every path agrees",
    "dashed arrow: goto, repeat or time-out",
)


# ------------------------------------------------------------- day offsets --

VARIES = -1


def day_offsets(g: MultiDiGraph[str]) -> dict[str, int]:
    """Seconds from entry to each node, or VARIES when two paths disagree;
    unreachable nodes are absent.

    A forward dataflow over the graph: a node's value can only go from
    unknown to a number to VARIES, so each node is visited at most twice
    and the cost is linear however many paths there are. An `event` arm
    varies (the event comes when it comes); a time-out arm does not.
    """
    offsets = {ENTRY: 0}
    stack = [ENTRY]
    while stack:
        node = stack.pop()
        here = offsets[node]
        for _, target, data in g.out_edges(node, data=True):
            varies = data["kind"] == "event" or data["min_delay"] != data["max_delay"]  # a calendar wait
            there = VARIES if here == VARIES or varies else here + (data["delay"] or 0)
            known = offsets.get(target)
            if known is None:
                offsets[target] = there
                stack.append(target)
            elif known != there and known != VARIES:
                offsets[target] = VARIES
                stack.append(target)
    return offsets


# ---------------------------------------------------- touches per contact --


@dataclass(frozen=True)
class Count:
    """How many of something a contact gets: `n`, or `n` and more
    (`more`: a goto goes round again, or a repeat without `at most`)."""

    n: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.n}+" if self.more else str(self.n)


def most_per_contact(g: MultiDiGraph[str], counts: Callable[[str], int]) -> Count:
    """The most of `counts` (1 for a node that counts, else 0) any contact
    can meet on one way through the flow: the longest path, a forward
    dataflow in topological order over the graph without its repeats'
    `again` edges, each node and arrow visited once. A repeat's body counts
    `at most` times (its `done` arrow multiplies what the body added); a
    loop of gotos (a strongly connected component) counts once, with
    `more` when it holds something that counts, as does a repeat without
    `at most` whose body does. A repeat inside such a loop has its `done`
    arrow inside the component too, so there its body's members count
    `at most` times each (the bounds of every repeat of the component
    around them multiplied): one round of the loop runs the repeat whole.

    engines/limits.py `_over_components` also takes a longest path of
    messages (for `max_touches`), over the compiled IR; it counts a repeat
    body once, as the targets export it, where this counts what a contact
    is sent, so the two differ for a flow with `at most N` (N > 1)."""
    h: MultiDiGraph[str] = MultiDiGraph()
    h.add_nodes_from(g.nodes)
    for source, target, data in g.edges(data=True):
        if data["kind"] != "again":
            h.add_edge(source, target, **data)
    components = list(strongly_connected_components(h))
    component = {node: k for k, members in enumerate(components) for node in members}
    dag = condensation(h, components)
    most: dict[str, int] = {}
    more: dict[str, bool] = {}
    for k in topological_sort(dag):
        members = components[k]
        came: int | None = 0 if ENTRY in members else None
        beyond = False
        for node in members:
            for source, _, data in h.in_edges(node, data=True):
                if component[source] == k or source not in most:
                    continue
                value = most[source]
                if data["kind"] == "done":  # the body, `at most` times over
                    repeat = g.nodes[source]["repeat"]
                    value = most[repeat] + data["bound"] * (value - most[repeat])
                came = value if came is None else max(came, value)
                beyond = beyond or more[source]
        if came is None:
            continue  # unreachable
        inside = sum(counts(node) * _rounds(g, node, component, k) for node in members)
        looped = len(members) > 1 or any(h.has_edge(node, node) for node in members)
        for node in members:
            most[node] = came + inside
            more[node] = beyond or (looped and inside > 0)
        for node in members:
            repeat = g.nodes[node].get("repeat")
            if repeat is not None and g.nodes[repeat]["bound"] is None and most[node] > most.get(repeat, most[node]):
                more[node] = True  # the body runs until the contact leaves
    if not most:
        return Count(0)
    top = max(most.values())
    return Count(top, any(more.values()))


def _rounds(g: MultiDiGraph[str], node: str, component: dict[str, int], k: int) -> int:
    """How often one round of component `k` runs `node`: the product of the
    bounds of the repeats around it that are in the component too (an
    endless one counts once: it already says `more`)."""
    rounds = 1
    repeat = g.nodes[node].get("loop")
    while repeat is not None and component.get(repeat) == k:
        rounds *= g.nodes[repeat]["bound"] or 1
        repeat = g.nodes[repeat].get("loop")
    return rounds


def typical_per_contact(g: MultiDiGraph[str], counts: Callable[[str], int]) -> Count:
    """What a contact gets that no condition picks out and who does not
    act: the one way through the flow along each branch's `else`, each
    wait's time-out, each split's largest share (the first of equals) and
    every round of a repeat. One walk, each node at most once (a repeat's
    body is walked once and multiplied); a node met again (a goto going
    round) stops the walk with `more`."""

    seen: set[str] = set()  # shared by the body walks: a goto out of a body back before its repeat goes round

    def walk(node: str, stop: str | None) -> Count:
        total = 0
        while node != stop and node != END:
            if node in seen:
                return Count(total, True)
            seen.add(node)
            total += counts(node)
            data = g.nodes[node]
            if data["type"] == "repeat":
                (first,) = [t for t, d in edges(g, node) if d["kind"] == "loop"]
                body = walk(first, data["wait"])
                if data["bound"] is None:
                    return Count(total + body.n, body.more or body.n > 0)
                total += data["bound"] * body.n
                if body.more:
                    return Count(total, True)
                node = data["after"]
                continue
            ways = [(t, d) for t, d in edges(g, node) if d["kind"] != "again"]
            chosen = _quiet_way(ways)
            if chosen is None:
                break
            node = chosen
        return Count(total)

    return walk(ENTRY, None)


def _quiet_way(ways: list[tuple[str, Attrs]]) -> str | None:
    """The arrow a contact takes who matches no condition and does nothing."""
    shares: list[tuple[str, float]] = []
    for target, data in ways:
        kind: EdgeKind = data["kind"]
        match kind:
            case "else" | "timeout":
                return target  # the way no condition or event picks
            case "branch" | "event":
                pass  # a condition or an event the quiet contact does not meet
            case "split":
                shares.append((target, data["weight"] or 0))
            case "next" | "loop" | "done" | "goto" | "again":
                return target  # the one way on
            case _:
                assert_never(kind)
    if shares:
        return max(shares, key=lambda share: share[1])[0]  # max keeps the first of equals
    return None  # waits for an event that does not come


# ---------------------------------------------------------------- the flow --


def _first_touch(steps: list[n.AnyStep]) -> n.Touch | None:
    """The first touch with content that every contact going through
    `steps` meets, or None: straight down the steps (into a repeat's body,
    which runs at once), stopping where contacts part (a branch, a split,
    an experiment, a wait for an event) or leave (a goto, an exit)."""
    for step in steps:
        if isinstance(step, n.Touch):
            if step.content:
                return step
        elif isinstance(step, n.Repeat):
            return _first_touch(step.steps)
        elif not isinstance(step, (n.Wait, n.WaitCalendar, n.TagStep, n.SetStep, n.ScoreChange, n.Webhook)):
            return None
    return None


def flow_diagram(programme: Programme, flow: n.Flow, g: MultiDiGraph[str] | None = None) -> Diagram:
    """The diagram of one flow of a checked programme."""
    return _FlowDiagram(programme, flow, g if g is not None else flow_graph(flow)).build()


def where(programme: Programme, span: Span) -> str:
    """`inbound.nurture:19`, relative to the playbook's folder, so output is
    the same whatever folder the command runs in."""
    folder = os.path.dirname(os.path.abspath(programme.path))
    path = os.path.relpath(os.path.abspath(span.file), folder).replace(os.sep, "/")
    return f"{path}:{span.line}"


class _FlowDiagram:
    def __init__(self, programme: Programme, flow: n.Flow, g: MultiDiGraph[str]):
        self.programme = programme
        self.flow = flow
        self.g = g
        self.offsets = day_offsets(g)

    def build(self) -> Diagram:
        flow = self.flow
        title = [f"{flow.name}: {words.clean(flow.title)}" if flow.title else f"flow {flow.name}"]
        if flow.exits:
            title.append(words.shorten("exit on " + ", ".join(words.condition(c) for c in flow.exits), 100))
        limits = words.rate_limits(flow)
        if limits:
            title.append(limits)
        diagram = Diagram(flow.name, title, notes=FLOW_NOTES)
        # `@end` is synthetic: when every path ends in exit, handoff or the
        # like, a lone "completed" box would only confuse.
        # (the runner's transitions: a repeat without `at most` keeps a `done` arrow)
        ends = any(target == END for node in self.g.nodes for target, _ in transitions(self.g, node))
        order = sorted((x for x in self.g.nodes if x != END or ends), key=self._position)
        passing = self._pass_through(order)
        diagram.folded = set(passing)
        for node_id in order:
            if node_id not in passing:
                diagram.nodes.append(self._node(node_id))
        resolved = self._resolver(passing)
        for node_id in order:
            if node_id in passing:
                continue
            for index, (target, data) in enumerate(transitions(self.g, node_id)):
                edge = self._edge(node_id, target, data, passing, resolved)
                edge.index = index
                diagram.edges.append(edge)
        return diagram

    def _position(self, node_id: str) -> tuple[int, int, int, str]:
        if node_id == ENTRY:
            return (0, 0, 0, "")
        if node_id == END:
            return (2, 0, 0, "")
        span = self.g.nodes[node_id]["span"]
        return (1, span.line, span.column, node_id)

    # ---- waits and gotos become edge labels

    def _pass_through(self, order: list[str]) -> dict[str, tuple[str, Attrs]]:
        """Waits and gotos to fold into the arrows through them: node -> its
        one transition. Kept as boxes: those nothing leads to (unreachable,
        they would vanish) and those on a loop of nothing but waits and
        gotos (there would be no box left to draw the loop on)."""
        g = self.g
        passing = {}
        for node_id in order:
            if g.nodes[node_id]["type"] in ("wait", "goto") and g.in_degree(node_id):
                (only,) = transitions(g, node_id)
                passing[node_id] = only
        state: dict[str, int] = {}
        for start in list(passing):
            if start not in passing:
                continue
            path, node = [], start
            while node in passing and node not in state:
                state[node] = 1
                path.append(node)
                node = passing[node][0]
            if node in passing and state[node] == 1:
                for looped in path[path.index(node) :]:
                    del passing[looped]
            for seen in path:
                state[seen] = 2
        return passing

    def _resolver(self, passing: dict[str, tuple[str, Attrs]]) -> Callable[[str], tuple[str, int, bool, bool]]:
        """node -> (first box after it, total wait, a goto on the way, a
        repeat's interval on the way), memoised so that a long run of waits
        is walked once."""
        memo: dict[str, tuple[str, int, bool, bool]] = {}

        def resolve(node: str) -> tuple[str, int, bool, bool]:
            chain: list[str] = []
            while node in passing and node not in memo:
                chain.append(node)
                node = passing[node][0]
            target, delay, jump, again = memo.get(node, (node, 0, False, False))
            for folded in reversed(chain):
                data = passing[folded][1]
                delay += data["delay"] or 0
                jump = jump or data["kind"] == "goto"
                again = again or "repeat" in self.g.nodes[folded]
                memo[folded] = (target, delay, jump, again)
            return target, delay, jump, again

        return resolve

    def _edge(
        self,
        source: str,
        target: str,
        data: Attrs,
        passing: dict[str, tuple[str, Attrs]],
        resolve: Callable[[str], tuple[str, int, bool, bool]],
    ) -> Edge:
        kind: EdgeKind = data["kind"]
        lines, tooltip, style = [], [], "solid"
        guard = data["guard"]
        match kind:
            case "branch":
                text = "when " + words.condition(guard)
                lines += words.line(text)
                tooltip.append(words.clean(text))
            case "else":
                lines.append(data["label"] or "else")
            case "split":
                lines += words.line(f"{data['weight']:g}%" + (f" {data['label']}" if data["label"] else ""))
            case "event":
                text = "event: " + words.condition(guard)
                lines += words.line(text)
                tooltip.append(words.clean(text))
            case "timeout":
                lines.append(f"timeout {words.duration(data['delay'])}")
                style = "dashed"
            case "loop":
                lines.append("repeat")
            case "done":
                at_most = self.g.nodes[source]["step"].at_most
                lines.append(f"done after {at_most.text}" if at_most is not None else "done")
            case "goto":
                style = "dashed"
            case "next" | "again":
                pass  # an arrow that only leads on: its wait, if any, is added below
            case _:
                assert_never(kind)
        via = target if target in passing else None
        if via is not None:
            target, delay, jump, again = resolve(target)
            if delay:
                lines.append(f"wait {words.duration(delay)}")
            if jump:
                lines.append("goto")
            if jump or again:
                style = "dashed"
        if kind == "split":  # after the wait: what the arm sends, last
            lines += self._arm_subject(source, data["order"], via or target, passing, resolve)
        return Edge(source, target, lines, style, tooltip, kind=kind, via=via)

    def _arm_subject(
        self,
        source: str,
        order: int,
        target: str,
        passing: dict[str, tuple[str, Attrs]],
        resolve: Callable[[str], tuple[str, int, bool, bool]],
    ) -> list[str]:
        """What a split or experiment arm sends first, so that A and B do not
        look alike: the email's subject (or the content's title) of the
        arm's first touch, in quotes, unless the box the arrow points to
        already says it (the arm starts with that touch and its content has
        no subject). Only a touch every contact of the arm meets first: one
        inside a branch, or after a wait for an event, is not the arm's."""
        step = self.g.nodes[source]["step"]
        if not isinstance(step, (n.Split, n.Experiment)) or order >= len(step.arms):
            return []
        first = _first_touch(step.arms[order].steps)
        content = self.programme.contents.get(first.content) if first is not None and first.content else None
        if first is None or content is None:
            return []
        subject = words.subject(content)
        box = resolve(target)[0] if target in passing else target
        if box == first.id and subject is None:
            return []
        return words.line(f"“{subject or content.title}”")

    # ---- boxes

    def _node(self, node_id: str) -> Node:
        attrs = self.g.nodes[node_id]
        step = attrs["step"]
        offset = self.offsets.get(node_id)
        when = [words.day(offset)] if offset is not None and offset != VARIES else []
        span = attrs["span"]
        tooltip = [f"{node_id} ({where(self.programme, span)})"] if step is not None else []
        if node_id == ENTRY:
            return Node(
                node_id,
                "start",
                "start",
                ["entry", *self._entry_lines()],
                ["entry", *self._entry_lines(full=True)],
                source=node_id,
            )
        if node_id == END:
            return Node(node_id, "end", "end", ["completed", *when], ["the contact completed the flow"], source=node_id)
        if step is not None and step.meta is not None:  # engine bindings, for whoever wires the runner
            tooltip = tooltip + [words.clean(f"meta {k} = {v}") for k, v in step.meta.as_dict().items()]
        if isinstance(step, n.Touch):
            return self._touch(node_id, step, when, tooltip)
        if step is None:  # a repeat's interval node kept as a box
            return Node(
                node_id,
                "wait",
                "logic",
                [f"wait {words.duration(self._delay(node_id))}", *when],
                tooltip,
                source=node_id,
            )
        shape, tone, lines = self._step(step)
        return Node(node_id, shape, tone, [*lines, *when], tooltip + self._full(step), source=node_id)

    def _delay(self, node_id: str) -> int:
        return transitions(self.g, node_id)[0][1]["delay"] or 0

    def _entry_lines(self, full: bool = False) -> list[str]:
        lines = []
        for entry in self.flow.entries:
            for line in words.trigger(entry):
                lines += [words.clean(line)] if full else words.line(line)
        audience = n.find(self.flow.settings, n.Audience)
        if audience is not None:
            text = "audience " + words.condition(audience.condition)
            lines += [words.clean(text)] if full else words.line(text)
        if not self.flow.entries:
            lines.append("only by move to")
        return lines

    def _touch(self, node_id: str, step: n.Touch, when: list[str], tooltip: list[str]) -> Node:
        channel = step.channel
        head = {
            "email": "email",
            "sms": "SMS",
            "linkedin": f"LinkedIn {step.action}",
            "ads": f"ads {step.action}",
            "task": "task",
            "notify": "notify",
        }[channel]
        # the step's own name when it has one; a generated id (`linkedin_follow_1`) is for the tooltip
        lines = [f"{head}: {step.label}" if step.label else head]
        if channel in CONTACT_CHANNELS and not is_message(step, message_items(self.programme)):
            lines.append("presence")
            tooltip = tooltip + [
                "presence, not a message: no cadence, touch count, cap or quiet hours (policy `messages`)"
            ]
        if channel == "ads" and step.audience:
            lines += words.line(("to " if step.action == "add" else "from ") + words.quoted(step.audience))
        content = self.programme.contents.get(step.content) if step.content else None
        if content is not None:
            lines += words.wrap(content.title)
            tooltip = tooltip + [f"{content.kind}: {content.name}: {words.clean(content.title)}"]
            tone: str = step.intent or content.kind
        elif channel in ("task", "notify"):
            lines += words.wrap(step.text or "")
            if step.recipient:
                lines.append(("for " if channel == "task" else "to ") + step.recipient)
            tooltip = tooltip + [words.clean(step.text or "")]
            tone = "internal"
        else:
            tone = "touch"
        return Node(node_id, CHANNEL_SHAPES[channel], tone, lines + when, tooltip, source=node_id)

    def _step(self, step: n.AnyStep) -> tuple[str, str, list[str]]:
        """(shape, tone, lines) of a step other than a touch."""
        match step:
            case n.Branch() | n.Split():
                return "decision", "logic", [step.label or ("branch" if isinstance(step, n.Branch) else "split")]
            case n.Experiment():
                # the decision rule in the box; the arms' shares on the arrows
                if step.decide_after is not None:
                    rule = f"decide after {step.decide_after.text} per arm"
                else:
                    rule = f"decide on {step.decide_on.text if step.decide_on else ''}"
                goal = words.wrap("goal " + words.condition(step.goal))
                return (
                    "decision",
                    "logic",
                    [
                        f"experiment {step.label}" if step.label else "experiment",
                        *goal,
                        f"window {words.duration(step.window.seconds)}",
                        rule,
                    ],
                )
            case n.Repeat():
                every = f"every {words.duration(step.every.seconds)}"
                return (
                    "decision",
                    "logic",
                    [step.label or "repeat", every + (f", at most {step.at_most.text}" if step.at_most else "")],
                )
            case n.WaitUntil():
                text = words.wrap("wait until " + words.condition(step.condition))
                return (
                    "wait_until",
                    "logic",
                    text + ([f"up to {words.duration(step.timeout.seconds)}"] if step.timeout else []),
                )
            case n.Wait():
                return "wait", "logic", [f"wait {words.duration(step.duration.seconds)}"]
            case n.WaitCalendar():
                # a box, not an arrow label: how long it waits depends on the clock
                return "wait", "logic", ["wait " + words.calendar(step), "contact's time"]
            case n.WaitFor():
                lines = ["wait for the first event"]
                return (
                    "wait_until",
                    "logic",
                    lines + ([f"up to {words.duration(step.timeout.seconds)}"] if step.timeout else []),
                )
            case n.Goto():
                return "action", "logic", [f"goto {step.target}"]
            case n.TagStep():
                return (
                    "action",
                    "logic",
                    words.line(("untag " if step.remove else "tag ") + words.quoted(step.tag)),
                )
            case n.SetStep():
                return "action", "logic", words.line(f"set {'.'.join(step.path)} = {step.value.text}")
            case n.MoveTo():
                return "move", "move", [f"move to {step.flow}"]
            case n.Suppress():
                lines = ["suppress", words.shorten(words.quoted(step.list_name), words.TITLE_WIDTH)]
                return (
                    "suppress",
                    "suppress",
                    lines + ([f"revisit {words.duration(step.revisit.seconds)}"] if step.revisit else []),
                )
            case n.Handoff():
                return "handoff", "handoff", [f"handoff to {step.team}"]
            case n.ExitStep():
                return (
                    "exit",
                    "exit",
                    ["exit"] + (words.line(words.quoted(step.reason)) if step.reason else []),
                )
            case n.Webhook():
                return (
                    "webhook",
                    "internal",
                    [f"webhook {step.method.upper()}", words.shorten(step.url, words.TITLE_WIDTH)],
                )
            case n.ScoreChange():
                change = "reset" if step.op == "reset" else f"{step.points:+d}"
                return "score", "logic", [f"score {step.score} {change}"]
            case n.Touch():
                raise AssertionError("touches are drawn by _touch")
            case _:
                assert_never(step)

    @staticmethod
    def _full(step: n.AnyStep) -> list[str]:
        """What a shortened label leaves out, for the tooltip."""
        if isinstance(step, n.WaitUntil):
            return [words.clean("wait until " + words.condition(step.condition))]
        if isinstance(step, n.Suppress):
            return [words.clean(f"suppression list {step.list_name}")]
        if isinstance(step, n.ExitStep) and step.reason:
            return [words.clean(step.reason)]
        if isinstance(step, n.TagStep):
            return [words.clean(step.tag)]
        if isinstance(step, n.Webhook):
            return [words.clean(f"{step.method.upper()} {step.url}")] + (
                [words.clean("body " + step.body)] if step.body else []
            )
        return []
