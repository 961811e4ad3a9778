"""Give-to-get: value before asks, on every path.

Family `give-to-get`, codes NUR3xx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ... import nodes as n
from ...diagnostics import Severity
from ..dataflow import FlowAnalysis
from ..rule import Context, Finding, Option, Rule

_RATIO = Option("ratio", "ratio", (3, 1), "gives that must come before asks, as `gives:asks`", policy=n.GiveToGet)


class AskBeforeGives(Rule):
    """An ask can be reached before enough gives on some path.

    Give value three times before asking for anything: an ask (a demo, a
    call, a reply) before the contact has had three gives spends trust they
    have not yet extended. With a ratio of `g:a`, every path must carry at
    least `g` gives for each `a` asks up to and including each ask, so the
    second ask needs six gives at 3:1. Branches count separately: an ask after
    a branch needs enough gives in every arm; a give in a `repeat` counts once
    per run. A way out (content marked `way out`, the seed's "Should I close
    your file?": "Give the prospect an out. This builds trust and keeps the
    relationship intact") is not counted as an ask: it asks only whether to
    stop. A flow that only `move to` steps of
    other flows lead into (no `entry`, no threshold moving contacts there)
    starts with the gives the contact had before the fewest-gives such step.
    Source: Vanderbuild, "Mistake 3:
    Friction-Heavy Content Delivery" (the 3:1 give-to-get ratio).

    Bad:
        flow inbound {
          email welcome: blog_post
          wait 3d
          email ask: walkthrough as ask   # only one give before the ask
        }

    Good:
        flow inbound {
          email welcome: blog_post
          wait 3d
          email checklist: gdpr_list
          wait 4d
          email video: loom_video
          wait 4d
          email ask: walkthrough as ask   # three gives first
        }
    """

    code = "NUR301"
    name = "ask-before-gives"
    family = "give-to-get"
    severity = Severity.WARNING
    options = (_RATIO,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        gives, asks = ctx.option(self, "ratio")
        credit = _credits(ctx, gives, asks)
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            start = credit.get(flow.name)
            values, preds = ledger(fa, gives, asks, start.value if start else _Ledger(0, 0, 0))
            for node in fa.order:
                if counted(fa, node) != "ask" or node not in values:
                    continue
                value = values[node]
                if value.balance - gives >= 0:
                    continue
                notes = [f"the ratio comes from {ctx.option_source(self, 'ratio')}"]
                if start is not None:
                    notes.insert(
                        0,
                        f"counting the {_plural(start.value.gives, 'give')} a contact has had before "
                        f"`{start.source}` moves them here",
                    )
                before = (
                    f"after only {_plural(value.gives, 'give')}"
                    if not value.asks
                    else f"as ask {value.asks + 1} after only {_plural(value.gives, 'give')} "
                    f"({-(-(value.asks + 1) * gives // asks)} needed)"
                )
                yield Finding(
                    f"ask `{node}` can be reached {before}; give-to-get is {gives}:{asks}",
                    fa.span(node),
                    flow=flow.name,
                    path=fa.witness(preds, node),
                    notes=tuple(notes),
                    hints=("send more give content before this ask on every path, or move the ask later",),
                )


class _Ledger(NamedTuple):
    """Along one path: asks*gives_seen - gives*asks_seen at ratio gives:asks
    (below zero: too many asks), and the gives and asks seen."""

    balance: int
    gives: int
    asks: int


def counted(fa: FlowAnalysis, node: str) -> str | None:
    """ "give" or "ask" as the give-to-get ratio counts a node: a way out
    (content marked `way out`) is neither."""
    return None if fa.way_out(node) else fa.intent(node)


def ledger(fa: FlowAnalysis, gives: int, asks: int, start: _Ledger) -> tuple[dict[str, _Ledger], dict[str, str]]:
    """The lowest ledger balance on any path into each node, a give in a
    repeat counted once per run. Worked out once per flow, ratio and start
    (NUR301, NUR302 and the credits of flows moved into all read it)."""
    cache = fa.__dict__.setdefault("_ledgers", {})
    found = cache.get((gives, asks, start))
    if found is None:

        def transfer(node: str, value: _Ledger) -> _Ledger:
            return _after(fa, node, value, gives, asks)

        found = cache[(gives, asks, start)] = fa.forward(
            start, transfer, lambda value, node, edge: value, lambda a, b: a.balance < b.balance
        )
    return found


class _Credit(NamedTuple):
    value: _Ledger
    source: str  # a `move to` step, as `flow.step`


def _credits(ctx: Context, gives: int, asks: int) -> dict[str, _Credit]:
    """What a contact has had before a flow that only `move to` steps of
    other flows lead into (no `entry` of its own, no threshold moving
    contacts there): the lowest ledger over every such step, each source
    read from its own credit. Flows that move contacts round a circle are
    worked out together, from the highest credit down, until nothing
    changes; a circle that keeps lowering them (a lap with more asks than
    gives) gets none."""
    from ...digraph import condensation, topological_sort
    from ...graph import programme_graph

    pg = programme_graph(ctx.programme)
    flows = ctx.programme.flows
    credits: dict[str, _Credit] = {}

    def eligible(name: str) -> bool:
        flow = flows.get(name)
        sources = list(pg.predecessors(name))
        return flow is not None and not flow.entries and bool(sources) and all(s in flows for s in sources)

    def lowest(name: str, unknown: set[str]) -> _Credit | None:
        """The lowest ledger at the `move to` steps into `name`, sources in
        `unknown` left out (they can only raise it)."""
        worst: _Credit | None = None
        for source in pg.predecessors(name):
            if source in unknown:
                continue
            fa = ctx.analysis(flows[source])
            before = credits.get(source)
            values, _ = ledger(fa, gives, asks, before.value if before else _Ledger(0, 0, 0))
            for node, step in fa.steps():
                if getattr(step, "type", None) == "move_to" and step.flow == name and node in values:
                    if worst is None or values[node].balance < worst.value.balance:
                        worst = _Credit(values[node], f"{source}.{node}")
        return worst

    condensed = condensation(pg)
    for component in topological_sort(condensed):
        members = sorted(condensed.nodes[component]["members"])
        if not all(eligible(name) for name in members):
            continue  # a flow of the circle that contacts enter afresh: all start from nothing
        unknown = set(members)  # not worked out yet: counted as the highest credit
        for _ in range(2 * len(members) + 2):
            changed = False
            for name in members:
                found = lowest(name, unknown)
                old = credits.get(name)
                if found is None or (
                    name not in unknown and old is not None and found.value.balance >= old.value.balance
                ):
                    continue
                credits[name] = found
                unknown.discard(name)
                changed = True
            if not changed:
                break
        else:
            for name in members:
                credits.pop(name, None)
        for name in members:
            if name in credits and credits[name].value.balance <= 0:
                del credits[name]
    return credits


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _content_touches(fa: FlowAnalysis) -> tuple[list[str], list[str]]:
    """The reachable give and ask touches of a flow, each step once, in
    flow order."""
    gives, asks = [], []
    for node in fa.order:
        intent = counted(fa, node)
        if intent == "give":
            gives.append(node)
        elif intent == "ask":
            asks.append(node)
    return gives, asks


class AskShare(Rule):
    """A flow asks more often than the give-to-get ratio allows.

    Asking for a demo in every message creates decision fatigue: on every
    way through a flow, from its entry to where the contact leaves it, gives
    must outnumber asks by the give-to-get ratio, so at 3:1 at most one touch
    in four that a contact receives may be an ask. Counts are per path, what
    one contact receives: the arms of a `split` (an A/B test of the ask) or
    of a `branch` are alternatives and never add up, and a touch in a
    `repeat` counts once per run. Touches without content, internal
    notifications and a way out (content marked `way out`) do not count.
    Unlike NUR301, this reads the flow on its own, without the gives a
    contact had in an earlier flow. A flow with no give at all is NUR304's. Source: Vanderbuild,
    "Mistake 3: Friction-Heavy Content Delivery" (the 3:1 give-to-get ratio).

    Bad:
        flow inbound {
          email welcome: blog_post
          wait 4d
          email video: loom_video
          wait 4d
          email ask: walkthrough as ask    # 1 ask in 3 touches
        }

    Good:
        flow inbound {
          email welcome: blog_post
          wait 4d
          email checklist: gdpr_list
          wait 4d
          email video: loom_video
          wait 4d
          email ask: walkthrough as ask    # 1 ask in 4 touches
        }
    """

    code = "NUR302"
    name = "ask-share"
    family = "give-to-get"
    severity = Severity.WARNING
    options = (_RATIO,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            g, a = ctx.option(self, "ratio", flow)
            fa = ctx.analysis(flow)
            if not _content_touches(fa)[0]:
                continue  # no give at all: NUR304's
            values, preds = ledger(fa, g, a, _Ledger(0, 0, 0))
            # where paths end: the steps with no way on, and the end of the flow
            worst: tuple[_Ledger, str] | None = None
            for node in fa.order:
                if node in values and not fa.successors(node):
                    after = _after(fa, node, values[node], g, a)
                    if after.asks and (worst is None or after.balance < worst[0].balance):
                        worst = (after, node)
            if worst is None or worst[0].balance >= 0:
                continue
            value, end = worst
            path = fa.witness(preds, end)
            total = value.gives + value.asks
            needed = -(-value.asks * g // a)
            need = "needs" if value.asks == 1 else "need"
            asks_on_path = [node for node in path if counted(fa, node) == "ask"]
            yield Finding(
                f"flow `{flow.name}` can send {_plural(value.asks, 'ask')} among {total} give and ask touches "
                f"on one path ({round(100 * value.asks / total)}%); give-to-get {g}:{a} allows at most {a} in "
                f"{g + a} ({round(100 * a / (g + a))}%)",
                flow.name_span,
                flow=flow.name,
                path=path,
                notes=(
                    f"{_plural(value.asks, 'ask')} {need} at least {needed} gives at {g}:{a}; "
                    f"this path has {value.gives}",
                    f"the ratio comes from {ctx.option_source(self, 'ratio', flow)}",
                ),
                hints=("turn an ask into a give (a post, a checklist, a case study), or add gives",),
                related=tuple((fa.span(node), f"ask `{node}`") for node in dict.fromkeys(asks_on_path)),
            )


def _after(fa: FlowAnalysis, node: str, value: _Ledger, gives: int, asks: int) -> _Ledger:
    """The ledger once `node` itself has been sent."""
    intent = counted(fa, node)
    if intent == "give":
        return _Ledger(value.balance + asks, value.gives + 1, value.asks)
    if intent == "ask":
        return _Ledger(value.balance - gives, value.gives, value.asks + 1)
    return value


# ------------------------------------------------- "the last X since Y" --

_NOTHING = False  # the value of a path on which nothing is marked


def since_mark(
    fa: FlowAnalysis,
    mark: Callable[[str], bool],
    clear: Callable[[str], bool] = lambda node: False,
    new_round: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """May-dataflow: for each node, whether on SOME path into it a `mark`ed
    node came with no `clear`ed node after it. A value is `False` or
    `(origin, repeat)`, `origin` being the last marked node.

    With `new_round`, going round a `repeat` starts a new round: what the
    body marked does not carry into the body again through the repeat's own
    back edge (it still carries out of the loop, and round a `goto`). The
    value crossing the back edge is tagged with the repeat and loses the tag
    (or itself, into the body) on the repeat's next edge; an untagged value
    beats a tagged one, so a mark made before the loop still reaches the
    body.

    Values only rise (nothing, tagged, untagged), so the fixpoint comes after
    one pass without loops, and otherwise after about one pass more than
    loops nest (`forward` stops when a pass changes nothing): linear for
    real flows.
    """

    def transfer(node: str, value: Any) -> Any:
        if mark(node):
            return (node, None)
        if clear(node):
            return _NOTHING
        return value

    def along(value: Any, node: str, edge: dict) -> Any:
        if not value or not new_round:
            return value
        origin, tag = value
        repeat = fa.g.nodes[node].get("repeat")
        if repeat is not None:
            return (origin, repeat)
        if tag is not None:
            return _NOTHING if edge["kind"] == "loop" else (origin, None)
        return value

    def rank(value: Any) -> int:
        return 0 if not value else 1 if value[1] is not None else 2

    passes = len(fa.order) + 1 if fa.back_edges else 1
    return fa.forward(_NOTHING, transfer, along, lambda x, y: rank(x) > rank(y), passes=passes)


def reach_preds(fa: FlowAnalysis) -> dict[str, str]:
    """A tree of first-found paths from the entry to every reachable node."""
    return fa.forward(True, lambda node, value: value, lambda value, node, edge: value, lambda x, y: False, passes=1)[1]


def mark_witness(
    fa: FlowAnalysis, preds: dict[str, str], reach: dict[str, str], node: str, mark: Callable[[str], bool]
) -> tuple[str | None, tuple[str, ...]]:
    """For a node whose `since_mark` value is set: the marked node it
    follows, and a path from the entry through that node to this one."""
    chain = [node]
    seen: set[str] = set()
    current = node
    while True:
        previous = preds.get(current)
        if previous is None or previous in seen:
            return None, fa.witness(preds, node)
        seen.add(previous)
        chain.append(previous)
        if mark(previous):
            break
        current = previous
    chain.reverse()
    return chain[0], fa.witness(reach, chain[0]) + tuple(chain[1:])


def _following(
    fa: FlowAnalysis,
    mark: Callable[[str], bool],
    target: Callable[[str], bool],
    clear: Callable[[str], bool] = lambda node: False,
) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(node, the marked node it can follow, a witness path) for every
    `target` node that some path reaches after a `mark`ed one with no
    `clear`ed one in between."""
    values, preds = since_mark(fa, mark, clear)
    reach = reach_preds(fa)
    for node in fa.order:
        if target(node) and values.get(node):
            before, path = mark_witness(fa, preds, reach, node, mark)
            yield node, before or values[node][0], path


class ConsecutiveAsks(Rule):
    """An ask can directly follow another ask, with no give in between.

    Asking for a demo in every message creates decision fatigue: after an
    ask, give value again before the next one. On every path, a give must
    come between two asks; touches without content (a LinkedIn follow, a
    task) and internal notifications do not break a run of asks. Going round
    a `repeat` or a `goto` counts: a loop whose only content is an ask asks
    every time. Source: Vanderbuild, "Mistake 3: Friction-Heavy Content
    Delivery" (the 3:1 give-to-get ratio).

    Bad:
        policy { give_to_get 1:1 }       # so two asks fit in a short flow
        content call ask "Worth a 15-minute call this week?"  cta "Pick a time"

        flow ghost {
          email proof: case_study
          wait 7d
          email video: loom_video
          wait 7d
          email ask: walkthrough as ask
          wait 7d
          linkedin follow                  # presence, not a give
          wait 7d
          email call: call as ask          # ask right after an ask
        }

    Good:
        policy { give_to_get 1:1 }       # so two asks fit in a short flow
        content call ask "Worth a 15-minute call this week?"  cta "Pick a time"

        flow ghost {
          email proof: case_study
          wait 7d
          email video: loom_video
          wait 7d
          email ask: walkthrough as ask
          wait 7d
          email note: market_note          # a give in between
          wait 7d
          email call: call as ask
        }
    """

    code = "NUR303"
    name = "consecutive-asks"
    family = "give-to-get"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            is_ask = lambda node: counted(fa, node) == "ask"  # noqa: E731
            if sum(1 for node in fa.order if is_ask(node)) == 0:
                continue
            for node, before, path in _following(fa, is_ask, is_ask, lambda node: counted(fa, node) == "give"):
                what = (
                    f"ask `{node}` can follow itself round a loop"
                    if before == node
                    else f"ask `{node}` can directly follow ask `{before}`"
                )
                yield Finding(
                    f"{what}, with no give in between",
                    fa.span(node),
                    flow=flow.name,
                    path=path,
                    related=() if before == node else ((fa.span(before), f"the ask before it, `{before}`"),),
                    hints=(
                        "send a give (a post, a checklist, a case study) between the two asks, or drop one of them",
                    ),
                )


class AllAsks(Rule):
    """Every content touch of a flow is an ask.

    Asking for a demo in every message creates decision fatigue; a flow that
    never gives anything spends trust the contact has not extended and gives
    them no reason to stay. Every flow that sends content should give value
    (an ungated post, an attached checklist, a short video) as well as ask.
    Source: Vanderbuild, "Mistake 3: Friction-Heavy Content Delivery" (the 3:1
    give-to-get ratio).

    Bad:
        flow chase {
          email ask: walkthrough as ask    # the only content, an ask
          wait 7d
          email close: close_file          # a way out counts as neither
        }

    Good:
        flow chase {
          email proof: case_study          # a give first
          wait 7d
          email close: close_file
        }
    """

    code = "NUR304"
    name = "all-asks"
    family = "give-to-get"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            gives, asks = _content_touches(fa)
            if gives or not asks:
                continue
            yield Finding(
                f"every content touch of flow `{flow.name}` is an ask ({_plural(len(asks), 'ask')}, no give)",
                flow.name_span,
                related=tuple((fa.span(node), f"ask `{node}`") for node in asks),
                hints=("give value first: an ungated post, an attached checklist or a short video",),
            )


class WayOutNotLast(Rule):
    """Content follows a way out.

    "Should I close your file?" gives the prospect an out: it builds trust
    and keeps the relationship intact even when the timing is not right. It
    is why the give-to-get rules do not count content marked `way out` as an
    ask. A way out is the end of the conversation, so no give or ask may
    follow it on any path (waits, tags, `suppress`, `exit` and the like
    may); otherwise it is an ask that escapes the ratio. A way out sent again
    round a loop follows itself. Source: Vanderbuild, "Post-demo ghost
    recovery" (the "Should I close your file?" email: "Give the prospect an
    out").

    Bad:
        flow ghost {
          email case_study: case_study
          wait 5d
          email close: close_file          # a way out...
          wait 5d
          email ask: walkthrough as ask    # ...and then another ask
        }

    Good:
        flow ghost {
          email case_study: case_study
          wait 5d
          email close: close_file          # the way out comes last
          wait 7d
          suppress "cold-contacts" revisit 180d
        }
    """

    code = "NUR305"
    name = "way-out-not-last"
    family = "give-to-get"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            if not any(fa.way_out(node) for node in fa.order):
                continue
            for node, before, path in _following(fa, fa.way_out, lambda node: fa.intent(node) is not None):
                what = (
                    f"way out `{node}` can be sent again round a loop"
                    if before == node
                    else f"`{node}` can follow the way out `{before}`"
                )
                yield Finding(
                    f"{what}; a way out ends the conversation",
                    fa.span(node),
                    flow=flow.name,
                    path=path,
                    related=() if before == node else ((fa.span(before), f"the way out, `{before}`"),),
                    hints=("make the way out the last content the flow sends, or drop `way out` from its content",),
                )


RULES: tuple[type[Rule], ...] = (AskBeforeGives, AskShare, ConsecutiveAsks, AllAsks, WayOutNotLast)
