"""Path properties of a flow as dataflow over its state graph.

A flow with 30 nested branches has 2^30 paths, so no rule walks paths.
Instead a rule states, per node, the worst value over all paths that reach
it (the fewest gives before it, the longest time since the last touch), and
`FlowAnalysis.forward` computes that in one pass over the nodes in
topological order: linear in the size of the graph. Each improvement
remembers the node it came from, so one witness path can be read back.

Loops (`repeat`, a backwards `goto`) are the graph's back edges. A second
pass carries what flows along them once more round the loop; for the
properties here that is the whole effect of going round again (a touch in
the body resets what matters), and it keeps the cost linear. A loop body
with no touch at all is where two passes understate how long a contact can
go without one; NUR102 and NUR204 speak about such loops directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from .. import nodes as n
from .. import units
from ..digraph import MultiDiGraph
from ..graph import END, ENTRY, Attrs, repeat_wait
from ..source import Span

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Programme

INFINITY = math.inf

# Runs of a repeat are followed one by one, and no further once a run starts
# where the one before started. Additive counts (gives, touches) never do:
# they are followed for `at most` runs, up to ROUNDS, and nested repeats so
# that the product of the runs followed at each level stays within ROUNDS
# (an inner repeat is followed at least once per outer run), which keeps the
# cost linear in the flow's size times ROUNDS however deep repeats nest.
ROUNDS = 256

# The channels whose touches reach the contact (docs/ir.md); a task or a
# notification goes to our own team. What the timing rules count is narrower:
# the messages among these touches, as the policy's `messages` says
# (`FlowAnalysis.is_contact`); the rest (a LinkedIn follow, an ad audience
# change, by default) is presence and counts for nothing there.


def depth_first(
    start: str, children: Callable[[str], Iterable[tuple[str, Hashable]]]
) -> tuple[list[str], set[tuple[str, str, Hashable]]]:
    """Reverse postorder of the nodes reachable from `start`, and the edges
    that close a loop (to a node still on the stack), as (source, target,
    key). `children(node)` gives each outgoing edge as (target, key)."""
    postorder: list[str] = []
    back: set[tuple[str, str, Hashable]] = set()
    state: dict[str, int] = {start: 1}  # 1 on the stack, 2 done
    stack = [(start, iter(children(start)))]
    while stack:
        node, pending = stack[-1]
        for target, key in pending:
            seen = state.get(target)
            if seen is None:
                state[target] = 1
                stack.append((target, iter(children(target))))
                break
            if seen == 1:
                back.add((node, target, key))
        else:
            stack.pop()
            state[node] = 2
            postorder.append(node)
    postorder.reverse()
    return postorder, back


def _way_out_contents(programme: Programme | None) -> frozenset[str]:
    """The programme's contents marked `way out`, worked out once per
    programme: each flow's analysis asks, and reading every content for each
    of thousands of flows made NUR301 grow with flows x contents."""
    if programme is None:
        return frozenset()
    found: frozenset[str] | None = programme.__dict__.get("_lint_way_out_contents")
    if found is None:
        found = programme.__dict__["_lint_way_out_contents"] = frozenset(
            name for name, content in programme.contents.items() if n.has_flag(content, "way_out")
        )
    return found


# What `FlowAnalysis.forward` computes per node: a rule's own kind of value.
V = TypeVar("V")


class FlowAnalysis:
    def __init__(self, flow: n.Flow, g: MultiDiGraph[str], programme: Programme | None = None):
        self.flow = flow
        self.g = g
        self.programme = programme
        self._successors: dict[str, list[tuple[str, Attrs]]] = {}
        for source, target, data in g.edges(data=True):
            self._successors.setdefault(source, []).append((target, data))
        for out in self._successors.values():
            out.sort(key=lambda item: item[1]["order"])
        self.order, self.back_edges = depth_first(
            ENTRY, lambda node: ((target, data["order"]) for target, data in self._successors.get(node, ()))
        )
        self.reachable = set(self.order)
        # The flow's top level and each repeat's own level (its body's steps
        # and its wait), each in an order of its own: a `goto` into a body
        # can put the body's nodes out of order in `order`.
        self._repeats = {node for node in self.order if g.nodes[node]["type"] == "repeat"}
        level_of = {node: g.nodes[node].get("loop") for node in self.order}
        members: dict[str | None, list[str]] = {}
        for node in self.order:
            members.setdefault(level_of[node], []).append(node)
        self._top = _level_order(self, None, [ENTRY] + members.get(None, []), level_of)
        self._regions: dict[str, list[str]] = {}
        self._region_sets: dict[str, set[str]] = {}  # a repeat's whole body, nested bodies included
        for repeat in self._repeats:
            firsts = [target for target, data in self.successors(repeat) if data["kind"] == "loop"]
            self._regions[repeat] = _level_order(self, repeat, firsts + members.get(repeat, []), level_of)
        for node in self.order:
            level = level_of[node]
            while level is not None:
                self._region_sets.setdefault(level, set()).add(node)
                level = level_of.get(level)
        self._way_outs: set[str] | None = None
        self._messages: dict[str, bool] | None = None  # node -> is a message, worked out once

    # ---- structure
    def successors(self, node: str) -> list[tuple[str, Attrs]]:
        return self._successors.get(node, [])

    def step(self, node: str) -> n.AnyStep | None:
        step: n.AnyStep | None = self.g.nodes[node].get("step")
        return step

    def span(self, node: str) -> Span:
        span: Span = self.g.nodes[node]["span"]
        return span

    def steps(self) -> Iterator[tuple[str, n.AnyStep]]:
        for node, data in self.g.nodes(data=True):
            if data.get("step") is not None:
                yield node, data["step"]

    # ---- what a node does
    def is_contact(self, node: str) -> bool:
        """A message: a touch the policy's `messages` counts (see
        nurturedsl/policy.py). Presence, tasks and notifications are not;
        cadence, speed-to-lead, touch counts and caps count only these."""
        found = self._messages
        if found is None:
            from ..model import message_items
            from ..policy import is_message

            items = message_items(self.programme)
            found = self._messages = {v: is_message(step, items) for v, step in self.steps()}
        return found.get(node, False)

    def intent(self, node: str) -> str | None:
        """ "give" or "ask" for a touch that sends content, else None.
        Internal notifications never count."""
        step = self.step(node)
        if not isinstance(step, n.Touch) or step.channel == "notify":
            return None
        if step.content and self.programme is not None and step.content in self.programme.contents:
            return self.programme.contents[step.content].kind
        return step.intent

    def way_out(self, node: str) -> bool:
        """A touch that sends content marked `way out` (an honest "should I
        close your file?")."""
        if self._way_outs is None:
            marked = _way_out_contents(self.programme)
            self._way_outs = {
                node for node, step in self.steps() if isinstance(step, n.Touch) and step.content in marked
            }
        return node in self._way_outs

    def delays(self, node: str, data: Attrs) -> tuple[float, float]:
        """The shortest and longest time a contact spends on an edge (the
        graph's time bounds: an `on event` edge is taken any time from at
        once to the time-out)."""
        return data["min_delay"], data["max_delay"]

    # ---- dataflow
    def forward(
        self,
        init: V,
        transfer: Callable[[str, V], V | None],
        along: Callable[[V, str, Attrs], V | None],
        better: Callable[[V, V], bool],
        passes: int = 2,
    ) -> tuple[dict[str, V], Preds]:
        """The worst value over all paths into each node.

        `transfer(node, value)` is the value after the node (None: paths stop
        here); `along(value, node, edge)` the value at the end of an edge;
        `better(a, b)` says a is worse for the contact than b, so a wins.
        Returns the value on the way into each reachable node and, for
        witnesses, the predecessor that gave it.

        A `repeat` is followed run by run (see the module docstring): its
        `done` edge carries only what the last run left, and its `again`
        edge starts the next run from what the one before left.
        """
        values: dict[str, V] = {ENTRY: init}
        preds = Preds()
        sweep = _Sweep(self, transfer, along, better, preds)
        for _ in range(passes):
            if not sweep.run(self._top, values, preds):
                break
        return values, preds

    def witness(self, preds: dict[str, str], node: str) -> tuple[str, ...]:
        """The path from the entry to `node` that `forward` remembered; a
        node whose worst value came in a repeat's k-th run is reached through
        k-1 runs of its body before it."""
        path = [node]
        seen = {node}
        rounds: dict[str, int] = getattr(preds, "rounds", {})
        while path[-1] in preds:
            current = path[-1]
            previous = preds[current]
            if previous in seen:
                break
            run = rounds.get(current, 1)
            if run > 1 and previous == self.g.nodes[current].get("loop"):
                # the runs before: back through the repeat and one run of its body each
                body = self._run_back(preds, previous)
                for _ in range(run - 1):
                    path.append(previous)
                    path.extend(body)
            seen.add(previous)
            path.append(previous)
        return tuple(reversed(path))

    def _run_back(self, preds: dict[str, str], repeat: str) -> list[str]:
        """One run of a repeat's body, backwards: its interval wait, then the
        remembered nodes back to (not including) the repeat."""
        chain = [repeat_wait(repeat)]
        while chain[-1] in preds and preds[chain[-1]] != repeat and len(chain) <= len(self.order):
            chain.append(preds[chain[-1]])
        return chain

    def describe(self, path: Iterable[str]) -> str:
        """A witness path for people: step names, waits with their length;
        three or more identical runs of a repeat in a row are shortened to the
        first, a count, and the last."""
        words = []
        path = list(path)
        i = 0
        while i < len(path):
            node = path[i]
            i += 1
            if node in self._repeats:
                after = path.index(node, i) if node in path[i:] else -1
                run = path[i - 1 : after] if after > 0 else []
                count = 1
                while run and path[i - 1 + count * len(run) : i - 1 + (count + 1) * len(run)] == run:
                    count += 1
                if count >= 3:
                    words.append(self.describe(run))
                    words.append(f"… {count - 2} more runs of `{node}` …")
                    words.append(self.describe(run))
                    i += count * len(run) - 1
                    continue
            if node == ENTRY:
                words.append("entry")
            elif node == END:
                words.append("end of flow")
            else:
                step = self.step(node)
                if isinstance(step, n.Wait):
                    words.append(f"wait {step.duration.text}")
                elif step is None and self.g.nodes[node].get("repeat"):
                    repeat = self.step(self.g.nodes[node]["repeat"])
                    assert isinstance(repeat, n.Repeat)  # a repeat's own wait names it
                    words.append(f"wait {repeat.every.text} (repeat)")
                else:
                    words.append(node)
        return " → ".join(words)


def days(seconds: float) -> str:
    """A duration for messages: `3d`, `36h`, `90m`, `forever`."""
    return units.short(seconds)


def _level_order(fa: FlowAnalysis, level: str | None, starts: list[str], level_of: dict[str, str | None]) -> list[str]:
    """Reverse postorder of one level's nodes (`level`: a repeat, or None
    for the top), from `starts` in turn. A nested repeat is passed through
    to what follows its last run; edges leaving the level are not followed."""

    def children(node: str) -> list[str]:
        if node in fa._repeats and node != level:
            wait = fa.g.nodes[node]["wait"]
            targets = [t for t, data in fa.successors(wait) if data["kind"] == "done"]
        else:
            targets = [t for t, data in fa.successors(node) if data["kind"] not in ("again", "done")]
        return [t for t in targets if level_of.get(t) == level and t != level]

    postorder: list[str] = []
    seen: set[str] = set()
    for start in starts:
        if start in seen or level_of.get(start) != level:
            continue
        seen.add(start)
        stack = [(start, iter(children(start)))]
        while stack:
            node, pending = stack[-1]
            for target in pending:
                if target not in seen:
                    seen.add(target)
                    stack.append((target, iter(children(target))))
                    break
            else:
                stack.pop()
                postorder.append(node)
    postorder.reverse()
    return postorder


class Preds(dict[str, str]):
    """Predecessors `forward` remembered, and for nodes inside a repeat the
    run (1, 2, ...) in which their worst value came."""

    def __init__(self) -> None:
        super().__init__()
        self.rounds: dict[str, int] = {}


class _Sweep(Generic[V]):
    """One pass of `FlowAnalysis.forward` over a level of the flow (the top
    level, or one repeat's body), a repeat run by run."""

    def __init__(
        self,
        fa: FlowAnalysis,
        transfer: Callable[[str, V], V | None],
        along: Callable[[V, str, Attrs], V | None],
        better: Callable[[V, V], bool],
        preds: Preds,
    ):
        self.fa = fa
        self.transfer, self.along, self.better = transfer, along, better
        self.rounds = preds.rounds
        self.outer_runs = 1  # the product of the runs followed of the repeats around the one being run

    def offer(self, values: dict[str, V], preds: dict[str, str], target: str, candidate: V | None, source: str) -> bool:
        if candidate is None:
            return False
        old = values.get(target)
        if old is None or self.better(candidate, old):
            values[target] = candidate
            preds[target] = source
            return True
        return False

    def run(self, nodes: list[str], values: dict[str, V], preds: dict[str, str]) -> bool:
        changed = False
        fa = self.fa
        for node in nodes:
            if node in fa._repeats:
                changed |= self.repeat(node, values, preds)
                continue
            value = values.get(node)
            if value is None:
                continue
            out = self.transfer(node, value)
            if out is None:
                continue
            for target, data in fa.successors(node):
                if data["kind"] not in ("again", "done"):  # a repeat's runs take those
                    changed |= self.offer(values, preds, target, self.along(out, node, data), node)
        return changed

    def repeat(self, node: str, values: dict[str, V], preds: dict[str, str]) -> bool:
        """Follow a repeat's runs from the value into it; merge each run's
        values into `values` (worst wins) and send what the last run left
        along `done`."""
        fa = self.fa
        wait = repeat_wait(node)
        bound: int | None = fa.g.nodes[node]["bound"]
        out_edges: dict[str, tuple[str, Attrs]] = {data["kind"]: (target, data) for target, data in fa.successors(wait)}
        region = fa._regions.get(node, [])
        inside = fa._region_sets.get(node, set())
        # A `goto` from outside into the body joins the first run where it lands.
        entries = {
            target: values[target]
            for target in region
            if target in values and preds.get(target) not in inside and preds.get(target) != node
        }
        start = values.get(node)
        changed = False
        if start is None and not entries:
            return changed
        runs = max(1, min(bound if bound is not None else ROUNDS, ROUNDS // self.outer_runs))
        if "again" not in out_edges:
            runs = 1  # a graph unrolled to one run (NUR801's)
        outer = self.outer_runs
        self.outer_runs = outer * runs
        try:
            return self._runs(node, wait, runs, start, entries, region, out_edges, values, preds)
        finally:
            self.outer_runs = outer

    def _runs(
        self,
        node: str,
        wait: str,
        runs: int,
        start: V | None,
        entries: dict[str, V],
        region: list[str],
        out_edges: dict[str, tuple[str, Attrs]],
        values: dict[str, V],
        preds: dict[str, str],
    ) -> bool:
        fa = self.fa
        changed = False
        for run in range(1, runs + 1):
            local: dict[str, V] = {}
            local_preds: dict[str, str] = {}
            if start is not None:
                out = self.transfer(node, start)
                if out is None:
                    return changed
                for target, data in fa.successors(node):
                    self.offer(local, local_preds, target, self.along(out, node, data), node)
            if run == 1:
                for target, value in entries.items():
                    self.offer(local, local_preds, target, value, preds[target])
            self.run(region, local, local_preds)
            # what the run left, the repeat itself included: a `goto` back to
            # it from the body arrives afresh (a runner starts counting again)
            for inner, value in local.items():
                if self.offer(values, preds, inner, value, local_preds[inner]):
                    if inner != node:
                        self.rounds[inner] = run
                    changed = True
            if wait not in local:
                return changed  # every run leaves the flow in the body
            left = self.transfer(wait, local[wait])
            if left is None:
                return changed
            following = self.along(left, wait, out_edges["again"][1]) if run < runs else None
            if run == runs or following == start:
                if "done" in out_edges:
                    target, data = out_edges["done"]
                    changed |= self.offer(values, preds, target, self.along(left, wait, data), wait)
                return changed
            start = following
        return changed
