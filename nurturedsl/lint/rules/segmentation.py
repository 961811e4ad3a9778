"""Segmentation and reach: who gets a flow, through which channels, and what is defined but never used.

Family `segmentation`, codes NUR7xx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ... import nodes as n
from ...diagnostics import Severity
from ...model import iter_conditions
from ...source import Span
from ..rule import Context, Finding, Rule

# Events whose absence says a contact can still be mailed, not who they are.
_HYGIENE_EVENTS = ("unsubscribed", "bounced")


def _broad(c: n.Condition, broad_segments: dict[str, bool]) -> bool:
    """A condition that only says a contact can be reached (`has email`,
    `consent("email")`, `not unsubscribed`), not who they are or what they
    did: it admits the whole database."""
    if isinstance(c, (n.Has, n.Consent)):
        return True
    if isinstance(c, n.Not):
        item = c.item
        if isinstance(item, n.EventTest):
            return item.name in _HYGIENE_EVENTS
        return isinstance(item, n.Ref) and item.resolved == "event" and item.path[0] in _HYGIENE_EVENTS
    if isinstance(c, n.And):
        return all(_broad(item, broad_segments) for item in c.items)
    if isinstance(c, n.Or):
        return any(_broad(item, broad_segments) for item in c.items)
    if isinstance(c, n.Ref) and c.resolved == "segment":
        return broad_segments.get(c.path[0], False)
    return False


class BroadcastFlow(Rule):
    """A flow sends one track to everyone who enters it.

    Segmentation is not optional: one track sent to the whole database treats
    a cold prospect like a warm one and a CTO like a CFO; that is broadcast
    email with a drip timer, not nurture. A flow is a broadcast when nothing
    decides who gets which steps: it has no `audience`, some `entry` admits
    contacts on an event alone (no `when`) or on a condition that only says
    they can be reached (`has email`, `consent("email")`, `not
    unsubscribed`), and no `branch` in its body sends different contacts
    different steps. An event says what a contact did, not who they are: a
    download from a customer, a student and a buyer starts the same emails.
    Any of an `audience`, a real `when` on every entry, or one `branch` on a
    segment or behaviour is enough. A flow without `entry` is entered only
    through `move to`, which does the choosing, so it is not judged.
    Source: Lacy, "How Should You Segment a B2B Nurture Database?" ("broadcast
    email with a drip timer attached"); Vanderbuild, "Designing Communication
    Scenarios" (each segment needs its own scenario).

    Bad:
        flow inbound {
          entry on downloaded("resource")   # everyone who downloads
          email welcome: blog_post
          linkedin follow
          wait 7d
          email checklist: gdpr_list
        }

    Good:
        flow inbound {
          entry on downloaded("resource") when icp and not booked("demo")
          email welcome: blog_post
          linkedin follow
          wait 7d
          email checklist: gdpr_list
        }
    """

    code = "NUR701"
    name = "broadcast-flow"
    family = "segmentation"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        broad_segments = None
        for flow in ctx.flows:
            if not flow.entries:
                continue
            if broad_segments is None:
                broad_segments = ctx.segment_facts(_broad)
            audience = n.find(flow.settings, n.Audience)
            if audience is not None and not _broad(audience.condition, broad_segments):
                continue
            entry = next((e for e in flow.entries if e.condition is None or _broad(e.condition, broad_segments)), None)
            if entry is None:
                continue
            fa = ctx.analysis(flow)
            if any(
                isinstance(step, n.Branch)
                and node in fa.reachable
                and any(not _broad(arm.condition, broad_segments) for arm in step.arms)
                for node, step in fa.steps()
            ):
                continue
            if entry.condition is None:
                who = f"everyone who triggers `{ctx.source_text(entry.event.span)}`"
            else:
                who = f"every contact it can reach: `{ctx.source_text(entry.condition.span)}` selects no segment"
            notes = [
                "no `audience`, and no `branch` sends different contacts different steps"
                if audience is None
                else f"`audience {ctx.source_text(audience.condition.span)}` selects no segment either, "
                "and no `branch` sends different contacts different steps"
            ]
            yield Finding(
                f"flow `{flow.name}` sends one track to {who}",
                entry.span,
                notes=tuple(notes),
                hints=(
                    "add `audience SEGMENT` (e.g. `audience icp`), a `when` condition on this entry, "
                    "or a `branch` by persona or behaviour",
                ),
            )


# ------------------------------------------------------- unused definitions --


def _judged(ctx: Context, span: Span) -> bool:
    """Whether what is defined at `span` can be called unused in this run.

    A programme without flows (a library linted on its own, e.g.
    `scoring.nurture`) has no users to judge against. Otherwise uses are
    collected from every programme in the run (`ctx.run.used_*`), so a
    library imported by the linted files is judged against all of them.
    Findings in files that were not named are dropped by the engine anyway."""
    return not ctx.is_library and os.path.realpath(span.file) in ctx.run.linted_files


class UnusedSegment(Rule):
    """A segment that no flow and no score uses.

    Segments exist to give each group its own conversation: one that nothing
    refers to is a group that gets no track of its own, or a leftover that
    makes readers think it does. A segment counts as used when a flow's
    `entry`, `audience`, `goal`, `exit on`, `branch` or `wait until`, or a
    score's fit rule refers to it, directly or through another used segment;
    a segment used only by unused segments is unused too. Uses are looked for
    in every file linted in the same run, so lint the folder (or the file
    that imports the whole programme) to judge a shared segment library; a
    library linted on its own, with no flows, is not judged. Source: Lacy,
    "How Should You Segment a B2B Nurture Database?"; Vanderbuild, "Designing
    Communication Scenarios" (each segment needs its own scenario).

    Bad:
        segment technical = role in ["CTO", "VP Engineering"]
        segment economic  = role in ["CFO", "VP Finance"]   # used nowhere
        flow inbound {
          entry on downloaded("resource") when technical
          email welcome: blog_post
          linkedin follow
        }

    Good:
        segment technical = role in ["CTO", "VP Engineering"]
        segment economic  = role in ["CFO", "VP Finance"]
        flow inbound {
          entry on downloaded("resource") when technical or economic
          email welcome: blog_post
          linkedin follow
        }
    """

    code = "NUR702"
    name = "unused-segment"
    family = "segmentation"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        segments = ctx.programme.segments
        unused = [s for name, s in segments.items() if name not in ctx.run.used_segments and _judged(ctx, s.name_span)]
        if not unused:
            return
        users: dict[str, list[str]] = {}
        for name, segment in segments.items():
            for c in iter_conditions(segment.condition):
                if isinstance(c, n.Ref) and c.resolved == "segment" and name not in users.setdefault(c.path[0], []):
                    users[c.path[0]].append(name)
        for segment in unused:
            by = users.get(segment.name, [])
            if by:
                names = ", ".join(f"`{b}`" for b in by)
                message = (
                    f"segment `{segment.name}` is used only by segment{'s' if len(by) > 1 else ''} {names}, "
                    f"which no flow or score uses"
                )
            else:
                message = f"segment `{segment.name}` is never used: no flow or score refers to it"
            yield Finding(
                message,
                segment.name_span,
                hints=("give it a track (an `audience`, an entry's `when`, a `branch` arm) or remove it",),
            )


class UnusedContent(Rule):
    """Content that no flow sends and no score threshold uses.

    Every asset in the library is there to be sent to someone at some stage:
    one that no step sends is a gap in a track (the persona or stage it was
    written for gets nothing) or dead weight that the quarterly audit still
    has to read. Content counts as used when a step of a flow sends it (an
    email, SMS, LinkedIn note or ad creative) or a score threshold's action
    does; an event test such as `clicked(video)` does not send it. Uses are
    looked for in every file linted in the same run, so lint the folder (or
    the file that imports the whole programme) to judge a shared content
    library; a library linted on its own, with no flows, is not judged.
    Source: Lacy, "The Practical Starting Point for B2B Lead Nurturing" (map
    your content to buying stages); Vanderbuild, "Mistake 5: Setting and
    Forgetting Your Sequences" (the quarterly audit).

    Bad:
        content post give "Ungated post"
        content docs give "API docs"      # sent by no flow
        flow inbound {
          entry on downloaded("resource") when icp
          email welcome: post
          linkedin follow
        }

    Good:
        content post give "Ungated post"
        content docs give "API docs"
        flow inbound {
          entry on downloaded("resource") when icp
          email welcome: post
          linkedin follow
          wait 7d
          branch { when technical { email tech_proof: docs } else { } }
        }
    """

    code = "NUR703"
    name = "unused-content"
    family = "segmentation"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for name, content in ctx.programme.contents.items():
            if name in ctx.run.used_contents or not _judged(ctx, content.name_span):
                continue
            yield Finding(
                f"content `{name}` is never sent: no flow step or score threshold uses it",
                content.name_span,
                hints=("send it where its stage and persona fit, or remove it from the library",),
            )


class EmailOnlyFlow(Rule):
    """Every touch of a flow is an email.

    Even the best email sequence is opened by 20-30% of a list: a flow that
    only emails never reaches most of the contacts it is for. Surround the
    email with presence where they are: a LinkedIn follow or engagement for
    those who do not respond, a retargeting ads audience with a different
    angle, an SMS where there is a phone number and consent, a task for a
    call. Internal notifications do not count as a channel; a flow with no
    touches at all is not judged. Source: Vanderbuild, "Mistake 2: Relying
    Exclusively on Email" (a 20-30% open rate at best) and "Multi-Channel
    Surround Sound Strategy".

    Bad:
        flow ghost {
          entry on attended("demo") after 3d when not replied within 3d
          email case_study: case_study
          wait 4d
          email close: close_file as ask
        }

    Good:
        flow ghost {
          entry on attended("demo") after 3d when not replied within 3d
          email case_study: case_study
          ads retarget: add "retargeting" with retarget_roi
          wait 4d
          linkedin follow
          email close: close_file as ask
        }
    """

    code = "NUR704"
    name = "email-only-flow"
    family = "segmentation"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            touches = [
                step
                for node, step in fa.steps()
                if isinstance(step, n.Touch) and step.channel != "notify" and node in fa.reachable
            ]
            if not touches or any(step.channel != "email" for step in touches):
                continue
            count = len(touches)
            yield Finding(
                f"flow `{flow.name}` reaches contacts by email only ({count} email step{'s' if count != 1 else ''}); "
                "email alone is opened by 20-30% of a list",
                flow.name_span,
                hints=(
                    "add LinkedIn presence (`linkedin follow`) for those who do not respond, or a retargeting "
                    'audience (`ads add "retargeting" with CONTENT`)',
                ),
            )


RULES: tuple[type[Rule], ...] = (BroadcastFlow, UnusedSegment, UnusedContent, EmailOnlyFlow)
