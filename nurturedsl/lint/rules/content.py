"""Content: what is sent and how it reads.

Family `content`, codes NUR6xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ... import nodes as n
from ...diagnostics import Severity
from ..rule import Context, Finding, Option, Rule
from .give_to_get import mark_witness, reach_preds, since_mark


class GatedGive(Rule):
    """Gated content is sent as a give.

    A give delivers value and asks for nothing; content behind a form asks
    the contact to type in details you already have. You already have their
    email: link the asset directly or attach it. Gate content for strangers,
    not for contacts in a nurture flow. Source: Vanderbuild, "Mistake 3:
    Friction-Heavy Content Delivery" (gating every piece of content; "You
    already have their email").

    Bad:
        content benchmark give "2026 onboarding benchmarks" gated

        flow inbound {
          email report: benchmark
        }

    Good:
        content benchmark give "2026 onboarding benchmarks" attached

        flow inbound {
          email report: benchmark
        }
    """

    code = "NUR601"
    name = "gated-give"
    family = "content"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        contents = ctx.programme.contents
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            for node in fa.order:
                if fa.intent(node) != "give":
                    continue
                step = fa.step(node)
                content = contents.get(step.content) if step.content else None
                gated = n.find_flag(content, "gated") if content is not None else None
                if gated is None:
                    continue
                what = (
                    f"`{node}` is sent as a give, but it is gated"
                    if node == content.name
                    else f"`{node}` sends `{content.name}` as a give, but `{content.name}` is gated"
                )
                yield Finding(
                    f"{what}: the contact must fill in a form to get it",
                    fa.span(node),
                    related=((gated.span, f"`{content.name}` is marked `gated` here"),),
                    hints=(f"you already have their email: drop `gated` from `{content.name}` and link or attach it",),
                )


DEAD_WEIGHT = (
    "just checking in",
    "did you have a chance",
    "touching base",
    "circling back",
    "just following up",
    "bumping this",
)


def _pattern(phrase: str) -> re.Pattern[str]:
    words = _normal(phrase).split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def _normal(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _quoted(found: list[str]) -> str:
    quoted = [f'"{f}"' for f in found]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


class DeadWeightCopy(Rule):
    """Copy says "just checking in" or another phrase that carries nothing.

    "Just checking in" and "did you have a chance to think it over" are dead
    weight: they ask for attention and give nothing back. Say what is new for
    the contact (a case study from their industry, a change in their market),
    or give them an honest way out. Checked, case-insensitively, in each
    content's title, `subject`, `body` and `cta`, and in the text of `task`
    steps (what a person will say to the contact); internal `notify` texts
    are not checked. Source: Vanderbuild, "The Nurturing Playbook" (Flow 2:
    "Did you have a chance to think it over?" is dead weight; "Should I close
    your file?" gives the prospect an out).

    Bad:
        content nudge ask "Just checking in"
          body "Did you have a chance to look at the proposal?"
        content bump ask "Bumping this to the top of your inbox"

    Good:
        content proof give "How a logistics team like yours cut onboarding by 40%"
          subject "What {company} could copy from a similar rollout"
        content out ask "Should I close your file?"
          cta "Reply 'not now' and we'll check back in six months"
    """

    code = "NUR602"
    name = "dead-weight-copy"
    family = "content"
    severity = Severity.WARNING
    options = (Option("phrases", "words", DEAD_WEIGHT, "phrases that are dead weight in copy (any case)"),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        phrases = ctx.option(self, "phrases")
        patterns = [(phrase, _pattern(phrase)) for phrase in phrases if phrase.strip()]
        source = ctx.option_source(self, "phrases")

        def found_in(text: str) -> list[str]:
            text = _normal(text)
            return [phrase for phrase, pattern in patterns if pattern.search(text)]

        def finding(what: str, found: list[str], span) -> Finding:
            return Finding(
                f"{what} says {_quoted(found)}, which is dead weight",
                span,
                notes=(f"the phrases come from {source}",),
                hints=(
                    "say what is new for them (a case study, a change in their market), or give them an honest way out",
                ),
            )

        for content in ctx.programme.contents.values():
            found = found_in(content.title)
            if found:
                yield finding(f"the title of `{content.name}`", found, content.name_span)
            for option in content.options:
                if isinstance(option, n.ContentText) and option.name in ("subject", "body", "cta"):
                    found = found_in(option.text)
                    if found:
                        yield finding(f"the {option.name} of `{content.name}`", found, option.span)
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            for node, step in fa.steps():
                if isinstance(step, n.Touch) and step.channel == "task" and step.text:
                    found = found_in(step.text)
                    if found:
                        yield finding(f"task `{node}`", found, step.span)


class RepeatedContent(Rule):
    """The same content can reach a contact twice on one path.

    Sequences that run out of things to say start repeating themselves, and
    prospects notice. Each content should reach a contact at most once per
    pass through a flow: on no path may a touch send content that an earlier
    touch (or a `goto` back to it) may already have sent. A `repeat` is
    exempt for its own rounds: sending the same content again each time
    round is what it is for (a market note every 45 days); content sent
    before the loop and again in it, twice in one round, or again after it
    still counts. Source: Lacy, "What Content Should Go Into a B2B Nurture
    Sequence?" (long sequences "ran out of things to say and started repeating
    themselves").

    Bad:
        flow inbound {
          email welcome: blog_post
          wait 4d
          email video: loom_video
          wait 4d
          email again: blog_post    # the same post twice
        }

    Good:
        flow inbound {
          email welcome: blog_post
          wait 4d
          email video: loom_video
          wait 4d
          email proof: case_study
        }
    """

    code = "NUR603"
    name = "repeated-content"
    family = "content"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            senders: dict[str, list[str]] = {}
            for node in fa.order:
                step = fa.step(node)
                if isinstance(step, n.Touch) and step.content:
                    senders.setdefault(step.content, []).append(node)
            reach = None
            # One may-analysis per content that could repeat: sent by two
            # steps, or by one in a flow with loops. Each is linear.
            for content, nodes in senders.items():
                if len(nodes) < 2 and not fa.back_edges:
                    continue
                sends = set(nodes)
                is_send = sends.__contains__
                values, preds = since_mark(fa, is_send, new_round=True)
                if not any(values.get(node) for node in nodes):
                    continue
                if reach is None:
                    reach = reach_preds(fa)
                for node in nodes:
                    if not values.get(node):
                        continue
                    before, path = mark_witness(fa, preds, reach, node, is_send)
                    before = before or values[node][0]
                    what = (
                        f"`{node}` can send `{content}` again to a contact it already reached"
                        if before == node
                        else f"`{node}` can send `{content}` to a contact `{before}` already sent it to"
                    )
                    yield Finding(
                        what,
                        fa.span(node),
                        flow=flow.name,
                        path=path,
                        related=() if before == node else ((fa.span(before), f"`{content}` is sent here first"),),
                        hints=("send something new here, or put the two sends on different branches",),
                    )


class AskWithoutNextStep(Rule):
    """Ask content does not name its next step (`cta`).

    An ask requests something: a demo, a call, a reply. Say exactly what the
    contact should do and how long it takes ("Book a 20-minute walkthrough",
    "Reply 'not now' and we'll check back in six months"); late-stage
    content is about clear next steps that make the decision feel safe and
    straightforward. Every `ask` content declares a `cta`. Source: Lacy, "What
    Content Should Go Into a B2B Nurture Sequence?" (late-stage content: clear
    next steps); Vanderbuild, "Mistake 3: Friction-Heavy Content Delivery"
    ("Book a tailored walkthrough").

    Bad:
        content walkthrough ask "Ready to see how this works for {company}?"

    Good:
        content walkthrough ask "Ready to see how this works for {company}?"
          cta "Book a 20-minute walkthrough"
        content close_file ask "Should I close your file?"
          cta "Reply 'not now' and we'll check back in six months"
    """

    code = "NUR604"
    name = "ask-without-next-step"
    family = "content"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for content in ctx.programme.contents.values():
            if content.kind != "ask":
                continue
            cta = n.content_text(content, "cta")
            if cta is not None and cta.strip():
                continue
            yield Finding(
                f"ask `{content.name}` has no `cta`: it does not tell the contact what to do next",
                content.name_span,
                hints=('name the next step, e.g. `cta "Book a 20-minute walkthrough"`',),
            )


RULES: tuple[type[Rule], ...] = (GatedGive, DeadWeightCopy, RepeatedContent, AskWithoutNextStep)
