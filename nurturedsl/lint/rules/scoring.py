"""Scoring: a model agreed with sales, that decays and can hand off.

Family `scoring`, codes NUR4xx.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator

from ... import nodes as n
from ...diagnostics import Severity
from ...source import Span
from ..rule import Context, Finding, Rule

# ------------------------------------------------------------------ helpers --

_ORDER = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _event_text(name: str, args: list[n.EventArg]) -> str:
    if not args:
        return name
    arg = args[0]
    return f'{name}("{arg.value}")' if arg.kind == "string" else f"{name}({arg.value})"


def _num(value: float) -> str:
    return f"{value:g}"


def _threshold_span(t: n.Threshold) -> Span:
    """`threshold NAME at|above N`, without the actions on later lines."""
    return Span(t.span.file, t.span.line, t.span.column, t.value.span.end_line, t.value.span.end_column)


def _threshold_words(t: n.Threshold) -> str:
    return f"`{t.name}` ({t.op} {t.value.text})"


def _reaches(total: float, t: n.Threshold) -> bool:
    return total >= t.value.value if t.op == "at" else total > t.value.value


class _Conditions:
    """Questions about conditions, with segments expanded. Segments form a
    DAG (the core rejects circles), so answers are memoised per segment to
    stay linear however often one segment is used by others."""

    def __init__(self, ctx: Context):
        self.segments = ctx.programme.segments
        self._without_events: dict[str, bool | None] = {}
        self._accumulating: dict[tuple[str, bool], tuple | None] = {}
        self._opens: dict[str, tuple | None] = {}

    def without_events(self, c: n.Condition) -> bool | None:
        """The condition's value for a contact with no events at all: True,
        False, or None where it depends on who they are (Kleene logic)."""
        if isinstance(c, n.EventTest):
            if c.count_op is not None and c.count is not None:
                return _ORDER[c.count_op](0, c.count.value)
            return False
        if isinstance(c, n.Ref):
            if c.resolved == "event":
                return False
            if c.resolved == "segment":
                name = c.path[0]
                if name not in self._without_events:
                    self._without_events[name] = None
                    self._without_events[name] = self.without_events(self.segments[name].condition)
                return self._without_events[name]
            return None
        if isinstance(c, n.Not):
            inner = self.without_events(c.item)
            return None if inner is None else not inner
        if isinstance(c, n.And):
            values = [self.without_events(item) for item in c.items]
            if any(v is False for v in values):
                return False
            return True if all(v is True for v in values) else None
        if isinstance(c, n.Or):
            values = [self.without_events(item) for item in c.items]
            if any(v is True for v in values):
                return True
            return False if all(v is False for v in values) else None
        return None

    def is_behaviour(self, c: n.Condition) -> bool:
        """Holds only for a contact who did something: an event test in
        disguise, such as `clicked(any) count >= 3`."""
        return self.without_events(c) is False

    def accumulating(self, c: n.Condition, negated: bool = False) -> tuple | None:
        """An event test that counts the contact's whole history (no
        `within`) and makes the condition true by happening: (test span,
        text, segment it came through or None)."""
        if isinstance(c, n.EventTest):
            if negated or c.within is not None:
                return None
            if c.count_op is not None and c.count is not None and _ORDER[c.count_op](0, c.count.value):
                return None
            return (c.span, c, None)
        if isinstance(c, n.Ref):
            if c.resolved == "event" and not negated:
                return (c.span, c, None)
            if c.resolved == "segment":
                key = (c.path[0], negated)
                if key not in self._accumulating:
                    self._accumulating[key] = None
                    self._accumulating[key] = self.accumulating(self.segments[c.path[0]].condition, negated)
                found = self._accumulating[key]
                return None if found is None else (c.span, found[1], found[2] or c.path[0])
            return None
        if isinstance(c, n.Not):
            return self.accumulating(c.item, not negated)
        if isinstance(c, (n.And, n.Or)):
            for item in c.items:
                found = self.accumulating(item, negated)
                if found is not None:
                    return found
        return None

    def opens(self, c: n.Condition) -> tuple | None:
        """A test of `opened`: (span to point at, segment it came through or
        None)."""
        if isinstance(c, n.EventTest):
            return (c.name_span, None) if c.name == "opened" else None
        if isinstance(c, n.Ref):
            if c.resolved == "event" and c.path == ["opened"]:
                return (c.span, None)
            if c.resolved == "segment":
                name = c.path[0]
                if name not in self._opens:
                    self._opens[name] = None
                    self._opens[name] = self.opens(self.segments[name].condition)
                found = self._opens[name]
                return None if found is None else (c.span, found[1] or name)
            return None
        if isinstance(c, n.Not):
            return self.opens(c.item)
        if isinstance(c, (n.And, n.Or)):
            for item in c.items:
                found = self.opens(item)
                if found is not None:
                    return found
        return None


def _condition_text(c) -> str:
    if isinstance(c, n.EventTest):
        return _event_text(c.name, c.args) + (f" count {c.count_op} {c.count.text}" if c.count_op else "")
    if isinstance(c, n.Ref):
        return ".".join(c.path)
    return "this event"


# -------------------------------------------------------------------- rules --


class NoScoreModel(Rule):
    """The programme has flows but no lead score.

    Scoring agreed with sales is how nurture hands a lead over at the right
    moment: without a score nothing says which contacts are ready, so sales
    either hears about every lead or about none, and flows cannot exit
    contacts who became sales-qualified. A file of shared definitions with
    no flows is not checked. Source: Lacy, "How Do You Build a Lead Scoring
    Model That Sales Will Actually Use?"; Vanderbuild, "Mistake 4: Misaligned
    Sales and Marketing Hand-Off".

    Bad:
        flow inbound {
          entry on downloaded("resource")
          email welcome: blog_post
        }

    Good:
        score lead {
          +20 when industry == "SaaS"
          +15 on visited("pricing")  decay half_life 30d
          threshold sql above 60 -> handoff sales
        }

        flow inbound {
          entry on downloaded("resource")
          exit on unsubscribed, lead.sql
          email welcome: blog_post
        }
    """

    code = "NUR401"
    name = "no-score-model"
    family = "scoring"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.is_library or ctx.programme.scores:
            return
        programme = ctx.programme
        own = [f for f in ctx.flows if f.span.file == programme.path]
        flow = (own or ctx.flows)[0]
        count = len(ctx.flows)
        yield Finding(
            f"this programme has {count} flow{'s' if count != 1 else ''} but no `score`: nothing tells sales "
            "which leads are ready",
            flow.name_span,
            hints=(
                "add a `score` with fit and behaviour rules and a threshold that hands off to sales, "
                "or import the file that defines it",
            ),
        )


class NoHandoffThreshold(Rule):
    """A score has no threshold that hands off to sales.

    A score is for telling sales when a lead is ready: without a threshold
    whose actions include `handoff`, a hot lead keeps getting nurture email
    and sales never hears about it. A `handoff` step inside a flow, behind a
    test of the score, does not count: the threshold fires whichever flow the
    contact is in, or none. Source: Vanderbuild, "Mistake 4: Misaligned Sales
    and Marketing Hand-Off" (alert sales only when the score passes a
    threshold) and the "Handoff" line of its Quarterly Audit Checklist.

    Bad:
        score lead {
          +20 when industry == "SaaS"
          +15 on visited("pricing")  decay half_life 30d
          threshold sql above 60
        }

    Good:
        score lead {
          +20 when industry == "SaaS"
          +15 on visited("pricing")  decay half_life 30d
          threshold sql above 60 -> handoff sales
            notify sdr "Lead {name} has a score of {score}. Call now."
        }
    """

    code = "NUR402"
    name = "no-handoff-threshold"
    family = "scoring"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for score in ctx.programme.scores.values():
            if any(isinstance(a, n.Handoff) for t in score.thresholds for a in t.actions):
                continue
            names = ", ".join(f"`{t.name}`" for t in score.thresholds)
            notes = (
                (f"its thresholds: {names}; none has `-> handoff`",)
                if score.thresholds
                else ("it has no thresholds at all",)
            )
            yield Finding(
                f"score `{score.name}` never hands a lead to sales: no threshold has a `handoff` action",
                score.name_span,
                notes=notes,
                hints=(
                    "add `-> handoff sales` (and a `notify` saying why) to the threshold that means "
                    "sales-ready, e.g. `threshold sql above 60 -> handoff sales`",
                ),
            )


class ScoreNeverDecays(Rule):
    """A behaviour rule's points never fade.

    A pricing visit eight months ago is not one last week: points for
    behaviour must fade (`decay half_life D`) or lapse (`expires D`), or old
    activity piles up into false positives that sales learns to ignore.
    Penalties (negative points, such as `-40 on unsubscribed`) are exempt:
    an opt-out should keep counting. A fit rule that is behaviour in
    disguise (`+10 when clicked(any) count >= 3`) counts the contact's
    whole history unless its event test has `within D`, so it is checked
    too. Source: Lacy, "How Do You Build a Lead Scoring Model That Sales Will
    Actually Use?" ("Lead scoring should also decay over time").

    Bad:
        score lead {
          +15 on visited("pricing")
          +10 when clicked(any) count >= 3
          threshold sql above 60 -> handoff sales
        }

    Good:
        score lead {
          +15 on visited("pricing")  decay half_life 30d
          +10 when clicked(any) count >= 3 within 90d
          -40 on unsubscribed
          threshold sql above 60 -> handoff sales
        }
    """

    code = "NUR403"
    name = "score-never-decays"
    family = "scoring"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        conditions = _Conditions(ctx)
        for score in ctx.programme.scores.values():
            for rule in score.behaviour_rules:
                if rule.points <= 0 or n.find(rule.modifiers, n.Decay) or n.find(rule.modifiers, n.Expires):
                    continue
                event = _event_text(rule.event.name, rule.event.args)
                yield Finding(
                    f"`{rule.points:+d} on {event}` in score `{score.name}` never fades: an event from years "
                    "ago counts as much as one today",
                    rule.span,
                    hints=("add `decay half_life 30d` or `expires 90d` to the rule",),
                )
            for rule in score.fit_rules:
                if rule.points <= 0 or not conditions.is_behaviour(rule.condition):
                    continue
                found = conditions.accumulating(rule.condition)
                if found is None:
                    continue
                span, test, segment = found
                owner = f"segment `{segment}`'s " if segment else ""
                yield Finding(
                    f"fit rule `{ctx.source_text(rule.span)}` in score `{score.name}` never fades: {owner}"
                    f"`{_condition_text(test)}` has no `within`, so it counts the contact's whole history",
                    span,
                    hints=("add `within D` to the event test, e.g. `clicked(any) count >= 3 within 90d`",),
                )


class ScoresEmailOpens(Rule):
    """A score rule counts email opens.

    Apple Mail Privacy Protection opens every message it downloads, so an
    open says nothing about the person: scoring opens inflates the score of
    everyone on Apple Mail and hands sales leads who never read a line. Score
    what signals intent instead: clicks, replies, pricing-page visits, demo
    requests. Fit rules are checked too, through the segments they use.
    Source: Lacy, "How Do You Build a Lead Scoring Model That Sales Will
    Actually Use?" (sales did not take an email open as evidence of anything);
    Vanderbuild, "How to measure lead nurturing effectiveness?" (Apple's Mail
    Privacy Protection inflates opens).

    Bad:
        score lead {
          +5 on opened(any)  expires 30d
          threshold sql above 60 -> handoff sales
        }

    Good:
        score lead {
          +5  on clicked(any)         expires 30d
          +15 on visited("pricing")   decay half_life 30d
          threshold sql above 60 -> handoff sales
        }
    """

    code = "NUR404"
    name = "scores-email-opens"
    family = "scoring"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        conditions = _Conditions(ctx)
        hint = ("score clicks, replies or page visits instead: Apple Mail opens every message it downloads",)
        for score in ctx.programme.scores.values():
            for rule in score.behaviour_rules:
                if rule.event.name == "opened":
                    yield Finding(
                        f"`{rule.points:+d} on {_event_text(rule.event.name, rule.event.args)}` in score "
                        f"`{score.name}` scores email opens, which mail privacy protection inflates",
                        rule.event.span,
                        hints=hint,
                    )
            for rule in score.fit_rules:
                found = conditions.opens(rule.condition)
                if found is None:
                    continue
                span, segment = found
                via = f" through segment `{segment}`" if segment else ""
                yield Finding(
                    f"fit rule `{ctx.source_text(rule.span)}` in score `{score.name}` tests email opens{via}, "
                    "which mail privacy protection inflates",
                    span,
                    hints=hint,
                )


class UnreachableThreshold(Rule):
    """A threshold is higher than any contact can score.

    The most a contact can score is every positive fit rule at once plus,
    for each positive behaviour rule, its points times its `at most` count.
    A threshold above that never fires: its handoff or alert never happens
    and any flow waiting on it waits forever. A behaviour rule without
    `at most` can add up without limit, so then every threshold is
    reachable; so can a `score NAME +N` step or threshold action (a contact
    may pass it again and again), so a score with one is not checked.
    `at N` needs a score of at least N, `above N` more than N.
    Source: Vanderbuild, "Mistake 4: Misaligned Sales and Marketing Hand-Off"
    (the hand-off fires at a score threshold); that the threshold must be
    reachable is plain arithmetic on the score rules.

    Bad:
        score lead {
          +20 when industry == "SaaS"
          +15 on visited("pricing")  decay half_life 30d  at most 2
          threshold sql above 60 -> handoff sales    # at most 50
        }

    Good:
        score lead {
          +20 when industry == "SaaS"
          +20 when title == "CEO"
          +15 on visited("pricing")  decay half_life 30d  at most 2
          threshold sql above 60 -> handoff sales    # at most 70
        }
    """

    code = "NUR405"
    name = "unreachable-threshold"
    family = "scoring"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        raised = _raised_by_hand(ctx)
        for score in ctx.programme.scores.values():
            if any(rule.points > 0 and n.find(rule.modifiers, n.AtMost) is None for rule in score.behaviour_rules):
                continue  # some behaviour adds up without limit
            if score.name in raised:
                continue  # a `score NAME +N` adds up without limit too
            fit = sum(rule.points for rule in score.fit_rules if rule.points > 0)
            parts = []
            if fit:
                parts.append(f"fit rules {fit}")
            behaviour = 0
            for rule in score.behaviour_rules:
                if rule.points <= 0:
                    continue
                at_most = n.find(rule.modifiers, n.AtMost)
                assert at_most is not None  # rules without one were skipped above
                count = at_most.count.number()
                behaviour += rule.points * count
                parts.append(f"`{_event_text(rule.event.name, rule.event.args)}` {rule.points} × {_num(count)}")
            best = fit + behaviour
            for t in score.thresholds:
                if _reaches(best, t):
                    continue
                made = " + ".join(parts) if parts else "no rule adds points"
                need = f"at least {t.value.text}" if t.op == "at" else f"more than {t.value.text}"
                yield Finding(
                    f"threshold {_threshold_words(t)} of score `{score.name}` can never be reached: the most a "
                    f"contact can score is {_num(best)}",
                    _threshold_span(t),
                    notes=(f"{_num(best)} = {made}", f"the threshold needs {need}"),
                    hints=("lower the threshold, give the rules more points, or raise an `at most`",),
                )


def _raised_by_hand(ctx: Context) -> set[str]:
    """The scores some `score NAME +N` step or threshold action raises."""
    changes = [step for flow in ctx.flows for step in n.iter_steps(flow.steps)]
    changes += [a for score in ctx.programme.scores.values() for t in score.thresholds for a in t.actions]
    return {c.score for c in changes if isinstance(c, n.ScoreChange) and c.op == "add" and (c.points or 0) > 0}


class FitOnlyThreshold(Rule):
    """A threshold with actions fires on fit alone, with no behaviour.

    Fit says who a contact is, behaviour says they are interested. When the
    positive fit rules alone reach a threshold, a contact who matches the
    profile but never opened a page is handed off, alerted on or moved as if
    they were ready to buy. Only thresholds with actions are checked: one
    without is a label that flows test. Fit rules that need an event to hold
    (`+10 when clicked(any) count >= 3`) are behaviour in disguise and count
    as behaviour here. Source: Vanderbuild, "Mistake 4: Misaligned Sales and
    Marketing Hand-Off" (a hand-off "based on real behavior") and FAQ "When
    should a lead move from nurturing to sales?" (intent signals); Lacy, "How
    Do You Build a Lead Scoring Model That Sales Will Actually Use?" (real
    intent versus casual curiosity).

    Bad:
        score lead {
          +20 when title == "CEO"
          +20 when industry == "SaaS"
          +10 when revenue > 5M
          threshold sql at 40 -> handoff sales
        }

    Good:
        score lead {
          +20 when title == "CEO"
          +20 when industry == "SaaS"
          +10 when revenue > 5M
          +15 on visited("pricing")  decay half_life 30d
          threshold sql above 50 -> handoff sales
        }
    """

    code = "NUR406"
    name = "fit-only-threshold"
    family = "scoring"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        conditions = _Conditions(ctx)
        for score in ctx.programme.scores.values():
            fit_rules = [
                rule for rule in score.fit_rules if rule.points > 0 and not conditions.is_behaviour(rule.condition)
            ]
            fit = sum(rule.points for rule in fit_rules)
            for t in score.thresholds:
                if not t.actions or not _reaches(fit, t):
                    continue
                made = " + ".join(f"`{ctx.source_text(rule.condition.span)}` {rule.points}" for rule in fit_rules)
                actions = ", ".join(f"`{_action_words(a)}`" for a in t.actions)
                yield Finding(
                    f"threshold {_threshold_words(t)} of score `{score.name}` fires on fit alone: a contact who "
                    f"matches the profile scores {fit} without doing anything",
                    _threshold_span(t),
                    notes=(f"{fit} = {made}", f"reaching it triggers {actions}"),
                    hints=(
                        "raise the threshold above what fit rules give, so it also needs behaviour, "
                        "or lower the fit points",
                    ),
                )


def _action_words(action) -> str:
    if isinstance(action, n.Handoff):
        return f"handoff {action.team}"
    if isinstance(action, n.MoveTo):
        return f"move to {action.flow}"
    if isinstance(action, n.TagStep):
        return f'{"untag" if action.remove else "tag"} "{action.tag}"'
    return f"notify {action.recipient}" if getattr(action, "recipient", None) else "notify"


RULES: tuple[type[Rule], ...] = (
    NoScoreModel,
    NoHandoffThreshold,
    ScoreNeverDecays,
    ScoresEmailOpens,
    UnreachableThreshold,
    FitOnlyThreshold,
)
