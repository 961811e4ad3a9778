"""Compliance: consent and opt-out.

Family `compliance`, codes NUR5xx.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import nodes as n
from ...diagnostics import Severity
from ...nodes import iter_steps
from ..rule import Context, Finding, Option, Rule

# What a contact must be known to have before an SMS, and how it is written.
_SMS_FACTS = (("phone", "has phone", "a phone number"), ("sms", 'consent("sms")', "SMS consent"))


class _Facts:
    """The SMS facts (`has phone`, `consent("sms")`) a condition guarantees
    when it holds: its conjuncts, through `and`, segments, and `or` when
    every alternative guarantees them. Memoised per segment."""

    def __init__(self, ctx: Context):
        self.segments = ctx.programme.segments
        self._memo: dict[str, frozenset[str]] = {}

    def of(self, c: n.Condition | None) -> frozenset[str]:
        if c is None:
            return frozenset()
        if isinstance(c, n.Has):
            return frozenset({"phone"}) if c.path == ["phone"] else frozenset()
        if isinstance(c, n.Consent):
            return frozenset({"sms"}) if c.channel == "sms" else frozenset()
        if isinstance(c, n.And):
            return frozenset().union(*(self.of(item) for item in c.items))
        if isinstance(c, n.Or):
            found = [self.of(item) for item in c.items]
            return frozenset.intersection(*found) if found else frozenset()
        if isinstance(c, n.Ref) and c.resolved == "segment":
            name = c.path[0]
            if name not in self._memo:
                self._memo[name] = frozenset()
                self._memo[name] = self.of(self.segments[name].condition)
            return self._memo[name]
        return frozenset()


class SmsWithoutConsent(Rule):
    """An SMS can be sent without knowing the contact has a phone number and
    SMS consent.

    SMS is the most personal channel, and GDPR and CCPA want consent for it:
    send one only to a contact known to have a phone number and to have
    agreed to texts. A step is covered when every path to it passes a test
    of both, as plain conditions joined with `and` (directly or through a
    segment): the flow's `audience`, a condition every `entry` has, a
    `branch` arm or a `wait until` whose `on event` arm the SMS is in. An
    `else` arm and an `on timeout` arm know nothing. Source: Vanderbuild,
    "Multi-Channel Surround Sound Strategy" (an SMS only "if phone number is
    available and consent is given").

    Bad:
        flow surround {
          entry on registered("webinar")
          wait 14d
          sms nudge: sms_reminder
        }

    Good:
        flow surround {
          entry on registered("webinar")
          wait 14d
          branch {
            when has phone and consent("sms") { sms nudge: sms_reminder }
            else                              { linkedin follow }
          }
        }
    """

    code = "NUR501"
    name = "sms-without-consent"
    family = "compliance"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        facts = _Facts(ctx)
        for flow in ctx.flows:
            fa = ctx.analysis(flow)
            sms = [
                node
                for node, step in fa.steps()
                if isinstance(step, n.Touch) and step.channel == "sms" and node in fa.reachable
            ]
            if not sms:
                continue
            audience = n.find(flow.settings, n.Audience)
            known = facts.of(audience.condition if audience else None)
            if flow.entries:
                known |= frozenset.intersection(*(facts.of(e.condition) for e in flow.entries))

            def along(value, node, edge, fact):
                # a path knows the fact once a guard on it guarantees it
                if value or edge["kind"] not in ("branch", "event"):
                    return value
                return fact in facts.of(edge["guard"])

            # one must-analysis per fact: False (not known on some path) wins
            results = {}
            for fact, _, _ in _SMS_FACTS:
                results[fact] = fa.forward(
                    fact in known,
                    lambda node, value: value,
                    lambda value, node, edge, fact=fact: along(value, node, edge, fact),
                    lambda a, b: not a and b,
                    passes=len(fa.back_edges) + 2,
                )
            position = {node: i for i, node in enumerate(fa.order)}
            for node in sorted(sms, key=position.__getitem__):
                missing = [
                    (fact, text, words) for fact, text, words in _SMS_FACTS if not results[fact][0].get(node, True)
                ]
                if not missing:
                    continue
                values, preds = results[missing[0][0]]
                tests = " and ".join(f"`{text}`" for _, text, _ in missing)
                what = " and ".join(words for _, _, words in missing)
                yield Finding(
                    f"sms `{node}` can be sent without knowing the contact has {what}: "
                    f"no test of {tests} guards it on every path",
                    fa.span(node),
                    flow=flow.name,
                    path=fa.witness(preds, node),
                    hints=(
                        'put the SMS in a `when has phone and consent("sms") { ... }` branch arm, or add '
                        "the test to the flow's `audience`",
                    ),
                )


class MissingUnsubscribeLink(Rule):
    """Content sent by email has no `unsubscribe link`, and the policy
    requires one.

    An easy way to unsubscribe in every message is what separates nurture
    from spam, and the law (CAN-SPAM, GDPR) wants it too. When the policy
    says `unsubscribe required`, every content sent on a checked channel
    (option `channels`, by default email only: an SMS opts out by replying
    STOP, and LinkedIn and ads carry their own) must be declared with
    `unsubscribe link`. Reported once per content, at its declaration.
    Without the policy setting nothing is checked. Source: Vanderbuild, FAQ
    "How do you distinguish lead nurturing from spam?" (an easy way to
    unsubscribe).

    Bad:
        policy { unsubscribe required }
        content blog_post give "Ungated post"
        flow inbound { email welcome: blog_post }

    Good:
        policy { unsubscribe required }
        content blog_post give "Ungated post"  unsubscribe link
        flow inbound { email welcome: blog_post }
    """

    code = "NUR502"
    name = "missing-unsubscribe-link"
    family = "compliance"
    severity = Severity.ERROR
    options = (Option("channels", "words", ("email",), "the channels whose content must carry `unsubscribe link`"),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        policy = ctx.programme.setting(n.UnsubscribeRequired)
        if policy is None:
            return
        channels = set(ctx.option(self, "channels"))
        reported: set[str] = set()
        for flow in ctx.flows:
            for step in iter_steps(flow.steps):
                if not isinstance(step, n.Touch) or step.channel not in channels or not step.content:
                    continue
                content = ctx.programme.contents.get(step.content)
                if content is None or content.name in reported:
                    continue
                if n.has_flag(content, "unsubscribe_link"):
                    continue
                reported.add(content.name)
                notes = (
                    ()
                    if ctx.option_source(self, "channels") == "the default" and channels == {"email"}
                    else (
                        f"channels checked: {', '.join(sorted(channels))} (from {ctx.option_source(self, 'channels')})",
                    )
                )
                yield Finding(
                    f"content `{content.name}` has no `unsubscribe link`, but {step.channel} step `{step.id}` "
                    f"of flow `{flow.name}` sends it and the policy requires one in every message",
                    content.name_span,
                    notes=notes,
                    related=((step.span, f"sent by {step.channel} here"), (policy.span, "required here")),
                    hints=(f"add `unsubscribe link` to content `{content.name}`",),
                )


class WebhookWithoutHttps(Rule):
    r"""A webhook calls a plain `http://` URL.

    A webhook carries what the runner knows about a contact (an email
    address, a score, a company) to another system. Over plain HTTP anyone on
    the way can read or change it, which GDPR's duty to keep personal data
    secure in transit (Art. 32) does not allow; every serious receiving end
    (CRMs, Zapier, Slack) takes HTTPS. Source: neither article; it rests on
    GDPR Art. 32 and what a webhook sends (docs/ir.md, "Webhooks").

    Bad:
        flow inbound {
          entry on downloaded("guide")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          webhook post "http://hooks.acme.example/lead" body "{\"email\": \"{email}\"}"
        }

    Good:
        flow inbound {
          entry on downloaded("guide")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          webhook post "https://hooks.acme.example/lead" body "{\"email\": \"{email}\"}"
        }
    """

    code = "NUR503"
    name = "webhook-without-https"
    family = "compliance"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            for step in iter_steps(flow.steps):
                if isinstance(step, n.Webhook) and step.url.lower().startswith("http://"):
                    yield Finding(
                        f"webhook `{step.id}` sends contact data over plain HTTP",
                        step.url_span,
                        flow=flow.name,
                        hints=("use an https:// URL",),
                    )


RULES: tuple[type[Rule], ...] = (SmsWithoutConsent, MissingUnsubscribeLink, WebhookWithoutHttps)
