"""Give-to-get: value before asks, on every path.

Family `give-to-get`, codes NUR3xx.
"""

from __future__ import annotations

from typing import Iterator

from ...diagnostics import Severity
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


RULES: tuple[type[Rule], ...] = (AskBeforeGives,)
