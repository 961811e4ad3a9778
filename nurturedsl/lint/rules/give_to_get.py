"""Give-to-get: value before asks, on every path.

Family `give-to-get`, codes NUR3xx.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from ...diagnostics import Severity
from ..dataflow import FlowAnalysis
from ..rule import Context, Finding, Option, Rule

_RATIO = Option("ratio", "ratio", (3, 1), "gives that must come before asks, as `gives:asks`",
                policy="give_to_get")


class AskBeforeGives(Rule):
    """An ask can be reached before enough gives on some path.

    Give value three times before asking for anything: an ask (a demo, a
    call, a reply) before the contact has had three gives spends trust they
    have not yet extended. With a ratio of `g:a`, every path must carry at
    least `g` gives for each `a` asks up to and including each ask, so the
    second ask needs six gives at 3:1. Branches count separately: an ask after
    a branch needs enough gives in every arm. Source: [004], give-to-get 3:1.

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
        for flow in ctx.flows:
            gives, asks = ctx.option(self, "ratio")
            fa = ctx.analysis(flow)
            # balance = asks*gives_seen - gives*asks_seen; it must not drop
            # below zero at an ask. The worst path is the lowest balance.
            def transfer(node, balance):
                intent = fa.intent(node)
                if intent == "give":
                    return balance + asks
                if intent == "ask":
                    return balance - gives
                return balance

            values, preds = fa.forward(0, transfer, lambda value, node, edge: value, lambda a, b: a < b)
            for node in fa.order:
                if fa.intent(node) != "ask" or node not in values:
                    continue
                after = values[node] - gives
                if after >= 0:
                    continue
                path = fa.witness(preds, node)
                seen = sum(1 for step in path[:-1] if fa.intent(step) == "give")
                source = ctx.option_source(self, "ratio")
                yield Finding(
                    f"ask `{node}` can be reached after only {seen} give{'s' if seen != 1 else ''}; "
                    f"give-to-get is {gives}:{asks}",
                    fa.span(node), flow=flow.name, path=path,
                    notes=(f"the ratio comes from {source}",),
                    hints=("send more give content before this ask on every path, or move the ask later",),
                )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _content_touches(fa: FlowAnalysis) -> tuple[list[str], list[str]]:
    """The reachable give and ask touches of a flow, each step once, in
    flow order."""
    gives, asks = [], []
    for node in fa.order:
        intent = fa.intent(node)
        if intent == "give":
            gives.append(node)
        elif intent == "ask":
            asks.append(node)
    return gives, asks


class AskShare(Rule):
    """A flow asks more often than the give-to-get ratio allows.

    Asking for a demo in every message creates decision fatigue: across a
    flow, gives must outnumber asks by the give-to-get ratio, so at 3:1 at
    most one touch in four may be an ask. This counts each give and ask touch
    of the flow once, whichever path it is on (NUR301 checks the order along
    each path); touches without content and internal notifications do not
    count. A flow with no give at all is NUR304's. Source: [004], give-to-get
    3:1.

    Bad:
        flow inbound {
          email welcome: blog_post
          wait 4d
          email ask: walkthrough as ask
          wait 4d
          email video: loom_video
          wait 4d
          email close: close_file as ask   # 2 asks in 4 touches
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
            gives, asks = _content_touches(fa)
            if not gives or len(asks) * g <= len(gives) * a:
                continue
            total = len(gives) + len(asks)
            needed = -(-len(asks) * g // a)
            need = "needs" if len(asks) == 1 else "need"
            yield Finding(
                f"flow `{flow.name}` has {_plural(len(asks), 'ask')} among {total} give and ask touches "
                f"({round(100 * len(asks) / total)}%); give-to-get {g}:{a} allows at most {a} in {g + a} "
                f"({round(100 * a / (g + a))}%)",
                flow.name_span,
                notes=(f"{_plural(len(asks), 'ask')} {need} at least {needed} gives at {g}:{a}; "
                       f"the flow has {len(gives)}",
                       f"the ratio comes from {ctx.option_source(self, 'ratio', flow)}"),
                hints=("turn an ask into a give (a post, a checklist, a case study), or add gives",),
                related=tuple((fa.span(node), f"ask `{node}`") for node in asks),
            )


# ------------------------------------------------- "the last X since Y" --

_NOTHING = False  # the value of a path on which nothing is marked


def since_mark(fa: FlowAnalysis, mark: Callable[[str], bool], clear: Callable[[str], bool] = lambda node: False,
               new_round: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
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
    return fa.forward(True, lambda node, value: value, lambda value, node, edge: value,
                      lambda x, y: False, passes=1)[1]


def mark_witness(fa: FlowAnalysis, preds: dict[str, str], reach: dict[str, str], node: str,
                 mark: Callable[[str], bool]) -> tuple[str | None, tuple[str, ...]]:
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


class ConsecutiveAsks(Rule):
    """An ask can directly follow another ask, with no give in between.

    Asking for a demo in every message creates decision fatigue: after an
    ask, give value again before the next one. On every path, a give must
    come between two asks; touches without content (a LinkedIn follow, a
    task) and internal notifications do not break a run of asks. Going round
    a `repeat` or a `goto` counts: a loop whose only content is an ask asks
    every time. Source: [004], give-to-get 3:1.

    Bad:
        flow ghost {
          email ask: walkthrough as ask
          wait 5d
          linkedin follow
          wait 5d
          email close: close_file as ask   # ask right after an ask
        }

    Good:
        flow ghost {
          email ask: walkthrough as ask
          wait 5d
          email proof: case_study          # a give in between
          wait 5d
          email close: close_file as ask
        }
    """

    code = "NUR303"
    name = "consecutive-asks"
    family = "give-to-get"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            is_ask = lambda node: fa.intent(node) == "ask"  # noqa: E731
            if sum(1 for node in fa.order if is_ask(node)) == 0:
                continue
            values, preds = since_mark(fa, is_ask, lambda node: fa.intent(node) == "give")
            reach = reach_preds(fa)
            for node in fa.order:
                if not is_ask(node) or not values.get(node):
                    continue
                before, path = mark_witness(fa, preds, reach, node, is_ask)
                before = before or values[node][0]
                what = (f"ask `{node}` can follow itself round a loop" if before == node
                        else f"ask `{node}` can directly follow ask `{before}`")
                yield Finding(
                    f"{what}, with no give in between",
                    fa.span(node), flow=flow.name, path=path,
                    related=() if before == node else ((fa.span(before), f"the ask before it, `{before}`"),),
                    hints=("send a give (a post, a checklist, a case study) between the two asks, "
                           "or drop one of them",),
                )


class AllAsks(Rule):
    """Every content touch of a flow is an ask.

    Asking for a demo in every message creates decision fatigue; a flow that
    never gives anything spends trust the contact has not extended and gives
    them no reason to stay. Every flow that sends content should give value
    (an ungated post, an attached checklist, a short video) as well as ask.
    Source: [004], give-to-get 3:1.

    Bad:
        flow chase {
          email ask: walkthrough as ask
          wait 7d
          email close: close_file as ask
        }

    Good:
        flow chase {
          email proof: case_study
          wait 7d
          email ask: walkthrough as ask
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


RULES: tuple[type[Rule], ...] = (AskBeforeGives, AskShare, ConsecutiveAsks, AllAsks)
