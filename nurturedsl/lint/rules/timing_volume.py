"""Timing, part two: how many touches, and how many per window.

Family `timing`, codes NUR204-NUR206 (timing.py holds the rest of the
family: speed-to-lead and cadence).

Only messages count (`FlowAnalysis.is_contact`: the touches the policy's
`messages` lists, by default email, sms, LinkedIn message and connect);
presence (a LinkedIn follow or engage, an ad audience change, by default),
tasks and notifications do not.

All three rules work on `_Shape`, a flow's graph as graph.py builds it: a
`repeat` is left through its interval wait (`repeat` → body → interval wait
→ `done` → what follows; a repeat without `at most` is never left), and the
wait's edge back to the repeat, `again`, is kept aside. What is left has no
loops except backward `goto`s. Two computations, both linear in the size of the graph (times the
cap's count for the second), serve the rules:

- `_touch_counts` (NUR204): the most contact touches on one path, a
  `repeat ... at most k` counted k times. See its docstring.
- `_window` (NUR205, NUR206): for each node and j = 1..K, the shortest time
  since the j-th most recent contact touch over all paths into it. A touch
  at a node whose K-th value is under the window is the (K+1)-th touch in
  that window on some path. Each component's transfer is min-plus linear (a
  touch shifts the vector: d1 = 0, d(j+1) = old dj; an edge adds its
  shortest delay), so the per-component minimum over paths is exact on a
  graph without loops. Loops are followed round again, pass after pass,
  until nothing changes (at most 2K+2 passes: K+1 touches in one window need
  at most K rounds of a loop that sends, and a nested loop adds a second
  back edge per round); the `again` edge of a `repeat ... at most k` is
  followed in the first k-1 passes only, so a bounded loop never sends more
  than k times. A repeat nested in another has its bound counted over all
  rounds of the outer one, which can understate a window spanning two outer
  rounds: a rare shape.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ... import nodes as n
from ...diagnostics import Severity
from ...digraph import DiGraph, strongly_connected_components
from ...graph import ENTRY, programme_graph
from ...source import Span
from ..dataflow import INFINITY, FlowAnalysis, days, depth_first
from ..rule import Context, Finding, Option, Rule, head

# ---------------------------------------------------------------- helpers --


def _ordinal(number: int) -> str:
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    return f"{number}{({1: 'st', 2: 'nd', 3: 'rd'}).get(number % 10, 'th')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 'es' if word.endswith('ch') else 's'}"


def _names(nodes: list[str], most: int = 3) -> str:
    """`a`, `b` and `c`; `a`, `b`, `c` and 2 more."""
    shown = [f"`{x}`" for x in nodes[:most]]
    if len(nodes) > most:
        return ", ".join(shown) + f" and {len(nodes) - most} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


@dataclass
class _Loop:
    node: str  # the repeat step
    wait: str  # its interval wait node, `<id>@wait`
    body: str | None  # the first node of its body (the wait for an empty body)
    after: str | None  # where the flow goes on after it
    every: int
    bound: int | None  # `at most`, or None: loops until the contact leaves
    step: n.Repeat


class _Shape:
    """A flow's graph as these rules read it (see the module docstring): the
    successors of each node as (target, kind, shortest delay), a topological
    order from a depth-first search with the `again` edges left out, and the
    edges that close a loop (backward `goto`s)."""

    def __init__(self, fa: FlowAnalysis):
        self.fa = fa
        self.loops: dict[str, _Loop] = {}
        for node, step in fa.steps():
            if isinstance(step, n.Repeat):
                attrs = fa.g.nodes[node]
                body = next((target for target, data in fa.successors(node) if data["kind"] == "loop"), None)
                after = attrs["after"] if attrs["bound"] is not None else None
                self.loops[node] = _Loop(node, attrs["wait"], body, after, step.every.seconds, attrs["bound"], step)
        self.level = {node: fa.g.nodes[node].get("loop") for node in fa.g.nodes}
        self.succ: dict[str, list[tuple[str, str, float]]] = {}
        order, back = depth_first(ENTRY, lambda node: ((t, None) for t, k, _ in self.successors(node) if k != "again"))
        self.order, self.back = order, {(source, target) for source, target, _ in back}
        self.index = {node: i for i, node in enumerate(self.order)}

    def successors(self, node: str) -> list[tuple[str, str, float]]:
        found = self.succ.get(node)
        if found is None:
            found = self.succ[node] = [
                (target, data["kind"], self.fa.delays(node, data)[0]) for target, data in self.fa.successors(node)
            ]
        return found

    def path_back(self, preds: dict[str, str], node: str, stop: str | None = None) -> tuple[str, ...]:
        """The remembered path into `node`, from the entry or from `stop`."""
        path = [node]
        seen = {node}
        while path[-1] != stop and path[-1] in preds:
            previous = preds[path[-1]]
            if previous in seen:
                break
            seen.add(previous)
            path.append(previous)
        return tuple(reversed(path))


_SHAPES: weakref.WeakKeyDictionary[FlowAnalysis, _Shape] = weakref.WeakKeyDictionary()


def _shape(ctx: Context, flow: n.Flow) -> _Shape:
    fa = ctx.analysis(flow)
    found = _SHAPES.get(fa)
    if found is None:
        found = _SHAPES[fa] = _Shape(fa)
    return found


# ------------------------------------------------------- touches per path --


@dataclass
class _Counts:
    most: dict[str, int]  # most contact touches on the way into each node
    preds: dict[str, str]
    full: dict[str, int | None]  # most touches in one round of each repeat's body
    round_preds: dict[str, str]  # for a round's path: within the innermost repeat


def _touch_counts(s: _Shape) -> _Counts:
    """The most contact touches on a path into each node, a `repeat ... at
    most k` counted k times. Two passes over the rewired graph in its order,
    backward `goto`s left out (one that sends is NUR204's unbounded case;
    one that does not adds no touch):

    1. Count from the start of the innermost enclosing repeat's body, so the
       count at a repeat's interval wait is the most touches in one round of
       it (`full`). Leaving an inner repeat adds k × its `full`; a `goto`
       between levels is ignored here.
    2. Count from the entry. Entering a repeat's body adds (k-1) × its
       `full`: the rounds before this one. A path that leaves the flow in
       the last round so counts k-1 full rounds and its part of the last;
       one that goes on through the interval wait, k full rounds.
    """
    fa = s.fa

    def touch(node: str) -> int:
        return 1 if fa.is_contact(node) else 0

    def bound(loop: _Loop) -> int:
        return loop.bound if loop.bound is not None else 1

    inner: dict[str, int] = {ENTRY: 0}
    round_preds: dict[str, str] = {}
    for node in s.order:
        if node not in inner:
            continue
        out = inner[node] + touch(node)
        for target, kind, _ in s.successors(node):
            if kind == "again" or (node, target) in s.back:
                continue
            if kind == "loop":
                candidate = 0
            elif kind == "done":
                loop = s.loops[fa.g.nodes[node]["repeat"]]
                if loop.node not in inner:
                    continue
                candidate = inner[loop.node] + bound(loop) * out
            elif s.level.get(node) != s.level.get(target):
                continue
            else:
                candidate = out
            if candidate > inner.get(target, -1):
                inner[target] = candidate
                round_preds[target] = node
    full = {name: inner.get(loop.wait) for name, loop in s.loops.items()}

    most: dict[str, int] = {ENTRY: 0}
    preds: dict[str, str] = {}
    for node in s.order:
        if node not in most:
            continue
        out = most[node] + touch(node)
        for target, kind, _ in s.successors(node):
            if kind == "again" or (node, target) in s.back:
                continue
            candidate = out
            if kind == "loop" and full.get(node):
                candidate += (bound(s.loops[node]) - 1) * full[node]
            if candidate > most.get(target, -1):
                most[target] = candidate
                preds[target] = node
    return _Counts(most, preds, full, round_preds)


def _unbounded_loops(s: _Shape) -> list[tuple[str, list[str]]]:
    """Loops that send and that nothing counts: a `repeat` without `at most`,
    or a backward `goto`, with a contact touch on the way round. One
    (culprit, touches) per loop, the culprit the outermost such step.

    A loop is a strongly connected part of the graph once the `again` edges
    of bounded repeats are taken out."""
    fa = s.fa
    if not s.back and all(loop.bound is not None for loop in s.loops.values()):
        return []  # the rewired graph has no loop left
    g: DiGraph[str] = DiGraph()
    g.add_nodes_from(s.order)
    g.add_edges_from(
        (node, target)
        for node in s.order
        for target, kind, _ in s.successors(node)
        if kind != "again" or s.loops[target].bound is None
    )
    found = []
    for part in strongly_connected_components(g):
        if len(part) < 2:
            continue
        touches = sorted((v for v in part if fa.is_contact(v)), key=s.index.__getitem__)
        if not touches:
            continue
        repeats = [v for v in part if v in s.loops and s.loops[v].bound is None and s.loops[v].wait in part]
        gotos = [v for v in part if isinstance(fa.step(v), n.Goto) and fa.step(v).target in part]
        culprit = min(repeats or gotos or touches, key=s.index.__getitem__)
        found.append((culprit, touches))
    return sorted(found, key=lambda item: s.index[item[0]])


# --------------------------------------------------------- touches per window --


@dataclass
class _Window:
    size: int
    values: dict[str, tuple[float, ...]]  # on the way into each node
    preds: list[dict[str, str]]  # per component
    reach: dict[str, str]  # the edge each node was first reached by
    # the touches the window counts: every message, or one channel's
    counts: Callable[[str], bool] = field(default=lambda node: False)

    def witness(self, s: _Shape, node: str) -> tuple[str, ...]:
        """The path through the touches that make the window at the touch
        `node`, from the oldest of them, read back component by component.
        It starts at that touch, not at the entry: the window is what
        matters, and a path from the entry for every touch of a long flow
        would make the report grow with the square of the flow."""
        j = self.size - 1
        path = [node]
        seen = {(node, j)}
        while True:
            previous = self.preds[j].get(path[-1])
            if previous is None:
                break
            path.append(previous)
            if self.counts(previous):
                if j == 0:
                    break
                j -= 1
            if (previous, j) in seen:
                break
            seen.add((previous, j))
        if not self.counts(path[-1]):  # pragma: no cover - the chain ends at a touch
            return s.path_back(self.reach, path[-1]) + tuple(reversed(path))[1:]
        return tuple(reversed(path))

    def count(self, node: str, window: int) -> int:
        """Touches within the window ending at the touch `node`, itself
        included, at most `size` + 1."""
        return 1 + sum(1 for x in self.values[node] if x < window)


def _window(s: _Shape, size: int, window: int, counts: Callable[[str], bool] | None = None) -> _Window:
    """For each node, the shortest time since the 1st..`size`-th most recent
    contact touch over all paths into it (see the module docstring). Times
    of a window or more are as good as none and kept as infinity. `counts`
    says which touches count (default: every message; a channel's cap
    counts that channel's)."""
    fa = s.fa
    is_counted = counts or fa.is_contact
    values: dict[str, tuple[float, ...]] = {ENTRY: (INFINITY,) * size}
    preds: list[dict[str, str]] = [{} for _ in range(size)]
    reach: dict[str, str] = {}
    for number in range(1, 2 * size + 3):
        changed = False
        for node in s.order:
            value = values.get(node)
            if value is None:
                continue
            out = ((0,) + value[:-1]) if is_counted(node) else value
            for target, kind, low in s.successors(node):
                if kind == "again":
                    loop = s.loops[target]
                    if loop.bound is not None and number > loop.bound - 1:
                        continue
                candidate = tuple(x + low if x + low < window else INFINITY for x in out)
                old = values.get(target)
                if old is None:
                    values[target] = candidate
                    reach[target] = node
                    for j in range(size):
                        preds[j][target] = node
                    changed = True
                    continue
                better = False
                merged = list(old)
                for j in range(size):
                    if candidate[j] < old[j]:
                        merged[j] = candidate[j]
                        preds[j][target] = node
                        better = True
                if better:
                    values[target] = tuple(merged)
                    changed = True
        if not changed:
            break
    return _Window(size, values, preds, reach, is_counted)


# what a channel's messages are called in findings: one, many
_CHANNEL_WORDS = {
    "email": ("email", "emails"),
    "sms": ("SMS", "SMS"),
    "linkedin": ("LinkedIn message", "LinkedIn messages"),
    "ads": ("ad", "ads"),
}


@dataclass
class _Cap:
    """One frequency cap as these rules read it: the all-channel one (from
    the policy or the rule's `cap` option), or one channel's."""

    count: int
    window: int
    source: str  # where it comes from, for the notes
    channel: str | None = None  # None: every message
    span: Span | None = None  # the policy setting, when there is one

    def counts(self, fa: FlowAnalysis) -> Callable[[str], bool] | None:
        if self.channel is None:
            return None
        channel = self.channel

        def on_channel(node: str) -> bool:
            step = fa.step(node)
            return fa.is_contact(node) and step is not None and n.node_type(step) == channel

        return on_channel

    @property
    def touch(self) -> str:
        """What it counts, for messages: `contact touch` or `email`."""
        return "contact touch" if self.channel is None else _CHANNEL_WORDS[self.channel][0]

    def touches(self, count: int) -> str:
        """`3 contact touches`, `2 emails`, `1 SMS`."""
        if self.channel is None:
            return _plural(count, "touch").replace("touch", "contact touch")
        one, many = _CHANNEL_WORDS[self.channel]
        return f"{count} {one if count == 1 else many}"

    @property
    def name(self) -> str:
        return "the frequency cap" if self.channel is None else f"the {self.channel} frequency cap"


def _caps(ctx: Context, rule: Rule) -> list[_Cap]:
    """The caps a rule checks: the all-channel cap (the `cap` option, or the
    policy's), then the policy's per-channel caps, by channel."""
    caps = []
    cap = ctx.option(rule, "cap")
    if cap is not None:
        count, window = cap
        caps.append(_Cap(count, window, ctx.option_source(rule, "cap")))
    for channel, setting in sorted(ctx.programme.channel_caps.items()):
        caps.append(
            _Cap(
                setting.count.whole(),
                setting.per.seconds,
                f"the policy's `frequency_cap {channel} {setting.count.text} per {setting.per.text}`",
                channel,
                setting.span,
            )
        )
    return caps


_CAP_HELP = "contact touches allowed in any window, as `N per D`"


# ------------------------------------------------------------------- rules --


class TooManyTouches(Rule):
    """A path through a flow carries more contact touches than `max_touches`.

    More touches do not make a better flow: three well-timed emails beat
    twelve generic ones, and sequences with 22 touchpoints did worse than
    sequences with six. Every path through a flow must stay within
    `max_touches` messages (what the policy's `messages` lists; presence
    such as a LinkedIn follow or an ad audience does not count). A
    `repeat ... at most N` counts its body N times, and a loop that sends
    with nothing counting its rounds (a `repeat` without `at most`, a `goto`
    back) can send without limit. Source: Lacy, "Key Takeaways" (three
    well-timed emails beat twelve generic ones) and "What Content Should Go
    Into a B2B Nurture Sequence?" (22 touchpoints did worse than six).

    Bad:
        flow archive {
          entry when deal.stage == "closed_lost"
          cadence 45d
          max_touches 6
          repeat every 45d at most 8 {     # eight emails
            email market_note
          }
        }

    Good:
        flow archive {
          entry when deal.stage == "closed_lost"
          cadence 45d
          max_touches 6
          repeat every 45d at most 6 {
            email market_note
          }
        }
    """

    code = "NUR204"
    name = "too-many-touches"
    family = "timing"
    severity = Severity.WARNING
    options = (
        Option(
            "max",
            "int",
            12,
            "the most contact touches on one path through a flow",
            policy=n.MaxTouches,
            flow=n.MaxTouches,
        ),
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            s = _shape(ctx, flow)
            fa = s.fa
            counts = _touch_counts(s)
            loops = _unbounded_loops(s)
            for culprit, touches in loops:
                yield self._unbounded(s, counts, flow, culprit, touches)
            if loops:
                continue
            limit = ctx.option(self, "max", flow)
            ends = [(counts.most[v] + (1 if fa.is_contact(v) else 0), v) for v in s.order if v in counts.most]
            worst = max((total for total, _ in ends), default=0)
            if worst <= limit:
                continue
            end = next(v for total, v in reversed(ends) if total == worst)  # the whole path
            path = s.path_back(counts.preds, end)
            notes = [f"the limit comes from {ctx.option_source(self, 'max', flow)}"]
            hints = ["cut the weakest touches: three well-timed emails beat twelve generic ones"]
            for node in path:
                loop = s.loops.get(node)
                if loop is None or not counts.full.get(node) or (loop.bound or 1) < 2:
                    continue
                each = f"{_plural(counts.full[node], 'touch')} each round"
                if loop.wait in path:  # the path goes through every round
                    outer = s.level.get(node)
                    notes.append(
                        f"`{node}` runs its body up to {loop.bound} times, {each}: "
                        f"{loop.bound * counts.full[node]} " + (f"in each round of `{outer}`" if outer else "in all")
                    )
                else:  # it leaves the flow, or ends, in the last round
                    before = loop.bound - 1
                    notes.append(
                        f"`{node}` can run its body {before} time{'s' if before != 1 else ''} "
                        f"before the round shown, {each}: {before * counts.full[node]} more"
                    )
                hints.append(f"lower `at most {loop.bound}` on `{node}`")
            yield Finding(
                f"flow `{flow.name}` can send {worst} contact touches on one path; the limit is {limit}",
                flow.name_span,
                flow=flow.name,
                path=path,
                notes=tuple(notes),
                hints=tuple(hints),
            )

    def _unbounded(self, s: _Shape, counts: _Counts, flow: n.Flow, culprit: str, touches: list[str]) -> Finding:
        fa = s.fa
        step = fa.step(culprit)
        to_loop = s.path_back(counts.preds, culprit)
        sending = f"can send {_names(touches)} without limit"
        if isinstance(step, n.Repeat):
            one_round = s.path_back(counts.round_preds, s.loops[culprit].wait, stop=culprit)
            path = to_loop + one_round[1:] + (culprit,)
            message = f"`{culprit}` has no `at most`, so flow `{flow.name}` {sending}"
            span = head(step.span, "repeat")
            hint = f"bound it: `repeat every {step.every.text} at most 3 {{ ... }}`"
        elif isinstance(step, n.Goto):
            path = to_loop + (step.target,)
            message = f"`{culprit}` jumps back to `{step.target}`, so flow `{flow.name}` {sending}"
            span = step.span
            hint = "count the rounds with `repeat every D at most N { ... }` instead of a `goto`"
        else:  # pragma: no cover - every loop is a repeat or a goto
            path = to_loop
            message = f"flow `{flow.name}` {sending}"
            span = fa.span(culprit)
            hint = "bound the loop with `repeat every D at most N { ... }`"
        return Finding(
            message,
            span,
            flow=flow.name,
            path=path,
            notes=(
                "nothing counts the rounds: only an exit trigger, or a step in the loop that leaves the flow, ends it",
            ),
            hints=(hint, "or end it after a few rounds with `exit` or `suppress`"),
        )


class FlowFrequencyCap(Rule):
    """One flow alone can send more contact touches in one window than the
    frequency cap allows.

    The policy's `frequency_cap N per D` allows at most N messages in any
    window of D, across all flows (presence, such as a LinkedIn follow or
    an ad audience, is not counted or held). A flow that on some path sends N+1
    touches within D fights its own cap: the runner holds the extra touch
    back until the window allows it (it never drops it), so the flow does not
    run on the timing it was written with, and every later step slips too.
    Space the touches so the cap never has to step in. A channel's own cap
    (`frequency_cap email 2 per 7d`) is checked the same way, counting that
    channel's messages alone. Source: Vanderbuild, "Contact Frequency" (one
    contact every 1-2 weeks; more often is perceived as spam).

    Bad:
        policy { frequency_cap 2 per 7d }

        flow inbound {
          cadence 2d..7d
          email welcome: blog_post
          wait 2d
          email checklist: gdpr_list
          wait 2d
          email video: loom_video       # the 3rd touch in 4 days
        }

    Good:
        policy { frequency_cap 2 per 7d }

        flow inbound {
          cadence 2d..7d
          email welcome: blog_post
          wait 4d
          email checklist: gdpr_list
          wait 4d
          email video: loom_video       # 8 days after the first
        }
    """

    code = "NUR205"
    name = "flow-frequency-cap"
    family = "timing"
    severity = Severity.WARNING
    options = (Option("cap", "cap", None, _CAP_HELP, policy=n.FrequencyCap),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cap in _caps(ctx, self):
            yield from self.check_cap(ctx, cap)

    def check_cap(self, ctx: Context, cap: _Cap) -> Iterator[Finding]:
        count, window, source = cap.count, cap.window, cap.source
        for flow in ctx.flows:
            s = _shape(ctx, flow)
            fa = s.fa
            found = _window(s, count, window, cap.counts(fa))
            for node in s.order:
                if not found.counts(node) or node not in found.values:
                    continue
                since = found.values[node][count - 1]
                if since >= window:
                    continue
                within = "at once" if since == 0 else f"within {days(since)}"
                yield Finding(
                    f"`{node}` can be the {_ordinal(count + 1)} {cap.touch} {within}; "
                    f"{cap.name} is {count} per {days(window)}",
                    fa.span(node),
                    flow=flow.name,
                    path=found.witness(s, node),
                    notes=(
                        f"the runner holds `{node}` back up to {days(window - since)}, "
                        f"and the rest of the flow slips with it",
                        f"the cap comes from {source}",
                    ),
                    hints=(
                        f"space these {'touches' if cap.channel is None else _CHANNEL_WORDS[cap.channel][1]} so no more "
                        f"than {count} {'falls' if count == 1 else 'fall'} within {days(window)}, "
                        "or send fewer of them",
                    ),
                )


class ProgrammeFrequencyCap(Rule):
    """Flows a contact can be in at once can together send more contact
    touches in one window than the frequency cap allows.

    The frequency cap counts messages (what the policy's `messages` lists,
    not presence) across all flows. A contact in several
    flows at once (an inbound download, a webinar registration, an archive
    entry) gets all of them, and in the worst case each flow's busiest window
    lands on the same days. Each flow with an entry of its own counts with
    the most touches it can send in one window; a flow entered only by a
    step's `move to` counts as part of the flow that moves the contact there
    (the contact leaves one for the other). The runner holds touches over the
    cap back rather than dropping them, so this is a forecast of flows
    running late when they overlap, not a fault. A channel's own cap
    (`frequency_cap sms 1 per 30d`) is checked the same way, counting that
    channel's messages alone. Source: Vanderbuild, "Contact Frequency" (one
    contact every 1-2 weeks; more often is perceived as spam).

    Bad:
        policy { frequency_cap 2 per 7d }

        flow inbound {
          entry on downloaded("resource")
          email welcome: blog_post
          wait 3d
          email checklist: gdpr_list
        }
        flow webinar {
          entry on registered("webinar")
          email invite: loom_video
        }

    Good:
        policy { frequency_cap 2 per 7d }

        flow inbound {
          entry on downloaded("resource")
          email welcome: blog_post
          wait 3d
          move to webinar               # one flow at a time
        }
        flow webinar {
          email invite: loom_video
        }
    """

    code = "NUR206"
    name = "programme-frequency-cap"
    family = "timing"
    severity = Severity.INFO
    options = (Option("cap", "cap", None, _CAP_HELP, policy=n.FrequencyCap),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.is_library:
            return
        for cap in _caps(ctx, self):
            yield from self.check_cap(ctx, cap)

    def check_cap(self, ctx: Context, cap: _Cap) -> Iterator[Finding]:
        count, window = cap.count, cap.window
        flows = ctx.programme.flows
        pg = programme_graph(ctx.programme)
        by_threshold = {target for source, target in pg.edges if source not in flows}
        own = [name for name, flow in flows.items() if flow.entries or name in by_threshold]
        moved_only = {name for name in flows if name not in own}

        most: dict[str, int] = {}

        def busiest(name: str) -> int:
            if name not in most:
                s = _shape(ctx, flows[name])
                found = _window(s, count + 1, window, cap.counts(s.fa))
                most[name] = max(
                    (found.count(v, window) for v in s.order if v in found.values and found.counts(v)), default=0
                )
            return most[name]

        parts = []
        for name in own:
            # the flows a contact moves on to from here, entered no other way
            group, stack = [name], [name]
            while stack:
                for target in pg.successors(stack.pop()):
                    if target in moved_only and target not in group:
                        group.append(target)
                        stack.append(target)
            top = max(group, key=busiest)
            if busiest(top):
                parts.append((name, top, busiest(top)))
        total = sum(m for _, _, m in parts)
        if len(parts) < 2 or total <= count:
            return
        ceiling = count + 2  # counted up to here; more is "or more"
        notes = []
        for name, top, m in parts:
            via = "" if top == name else f" (through `{top}`, which it moves contacts to)"
            more = " or more" if m >= ceiling else ""
            what = _plural(m, "touch") if cap.channel is None else cap.touches(m)
            notes.append(f"`{name}`{via}: {what}{more} within {days(window)}")
        setting = ctx.programme.setting(n.FrequencyCap) if cap.channel is None else None
        if cap.span is not None:
            span = cap.span
        elif setting is not None:
            span = setting.span
        elif ctx.programme.header is not None:
            span = ctx.programme.header.span
        else:
            span = flows[parts[0][0]].name_span
        notes.append(
            "the runner holds touches over the cap back, so these flows run later than written "
            "when a contact is in them together"
        )
        notes.append(f"the cap comes from {cap.source}")
        at_least = " or more" if any(m >= ceiling for _, _, m in parts) else ""
        yield Finding(
            f"a contact in {_names([p[0] for p in parts]) if len(parts) <= 3 else f'{len(parts)} flows'} "
            f"at once can get {total}{at_least} "
            f"{cap.touches(total).split(' ', 1)[1]} within {days(window)}; "
            f"{cap.name} is {count} per {days(window)}",
            span,
            notes=tuple(notes),
            hints=(
                "keep contacts in one of these flows at a time (hand over with `move to`, or `exit on` "
                "the other flow's entry), or spread their touches out",
            ),
        )


RULES: tuple[type[Rule], ...] = (TooManyTouches, FlowFrequencyCap, ProgrammeFrequencyCap)
