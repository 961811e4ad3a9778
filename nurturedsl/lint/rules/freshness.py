"""Freshness: sequences are audited every quarter.

Family `freshness`, codes NUR9xx.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Sequence

from ... import nodes as n
from ...diagnostics import Severity
from ...source import Span
from ..rule import Context, Finding, Option, Rule, format_duration

# A review dated tomorrow may be today somewhere else: a reviewer ahead of
# the time zone the linter runs in.
_CLOCK_SLACK_DAYS = 1


def _date(setting: n.Reviewed) -> _dt.date | None:
    """A `reviewed` date; None if it is not one (the core reports that)."""
    try:
        return _dt.date.fromisoformat(setting.date)
    except ValueError:
        return None


def _reviewed(settings: Sequence[n.Setting]) -> n.Reviewed | None:
    return n.find(settings, n.Reviewed)


def _flows_by_file(ctx: Context) -> dict[str, list[n.Flow]]:
    found: dict[str, list[n.Flow]] = {}
    for flow in ctx.flows:
        found.setdefault(flow.span.file, []).append(flow)
    return found


class StaleReview(Rule):
    """A review date is older than a quarter, or lies in the future.

    The market changes every quarter, and a sequence written a year ago is
    likely obsolete: audit each one at least every 90 days (segments, give and
    ask balance, channels, copy) and record the date. Every `reviewed` date is
    checked: a file's `playbook` header (it covers everything in that file)
    and a flow's own `reviewed` (it covers that flow). A date after today
    (more than a day ahead, to allow for time zones) is a typo, and a typo
    that would keep the rule quiet for ever, so it is a finding too. Source:
    Vanderbuild, "Mistake 5: Setting and Forgetting Your Sequences" (Quarterly
    Audit Checklist: "Has the sequence been updated in the last 90 days?").

    Bad:
        playbook "Inbound" {
          reviewed 2025-06-30            # more than 90 days ago
        }

    Good:
        playbook "Inbound" {
          reviewed 2026-11-02
        }
    """

    code = "NUR901"
    name = "stale-review"
    family = "freshness"
    severity = Severity.WARNING
    options = (Option("max-age", "duration", 90 * 86400, "the longest time since a `reviewed` date"),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        dated: list[tuple[n.Reviewed, str]] = [
            (setting, "") for setting in (_reviewed(h.settings) for h in ctx.programme.headers.values()) if setting
        ]
        dated += [
            (setting, f"flow `{flow.name}` was ")
            for flow in ctx.flows
            if (setting := _reviewed(flow.settings)) is not None
        ]
        for setting, whose in sorted(dated, key=lambda item: (item[0].span.file, item[0].span.line)):
            yield from self._check(ctx, setting, whose)

    def _check(self, ctx: Context, setting: n.Reviewed, whose: str) -> Iterator[Finding]:
        date = _date(setting)
        if date is None:
            return
        age = (ctx.today - date).days
        if age < -_CLOCK_SLACK_DAYS:
            yield Finding(
                f"{whose}reviewed {date.isoformat()}, {-age} days in the future (today is {ctx.today.isoformat()})",
                setting.span,
                notes=("a review date in the future keeps the staleness check quiet until it comes",),
                hints=("write the date the review took place",),
            )
            return
        max_age = ctx.option(self, "max-age")
        if age * 86400 <= max_age:
            return
        limit = format_duration(max_age)
        yield Finding(
            f"{whose}reviewed {date.isoformat()}, {age} days ago; review sequences at least every {limit}",
            setting.span,
            notes=(f"the limit of {limit} comes from {ctx.option_source(self, 'max-age')}",),
            hints=(
                "audit the flows (segments, give/ask balance, channels, copy), then set `reviewed` "
                "to the day of the review",
            ),
        )


class MissingReviewDate(Rule):
    """A file with flows says nowhere when they were last reviewed.

    A sequence nobody has dated cannot be held to the quarterly audit: the
    linter cannot tell a flow reviewed last week from one written two years
    ago. A file that defines flows needs a `reviewed DATE` in its `playbook`
    header, unless every flow in it carries its own `reviewed`. Files without
    flows (content, segment, scoring and policy libraries) are not required
    to carry one; if they do, NUR901 checks it. Source: Vanderbuild, "Mistake
    5: Setting and Forgetting Your Sequences" (Quarterly Audit Checklist: "Has
    the sequence been updated in the last 90 days?").

    Bad:
        playbook "Inbound" {
          owner "revops@acme.example"    # no `reviewed`
        }
        flow inbound {
          entry on downloaded("resource") when icp
          email welcome: blog_post
        }

    Good:
        playbook "Inbound" {
          owner    "revops@acme.example"
          reviewed 2026-11-02
        }
        flow inbound {
          entry on downloaded("resource") when icp
          email welcome: blog_post
        }
    """

    code = "NUR902"
    name = "missing-review-date"
    family = "freshness"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for file, flows in sorted(_flows_by_file(ctx).items()):
            header = ctx.programme.headers.get(file)
            if header is not None and _reviewed(header.settings) is not None:
                continue
            undated = [flow for flow in flows if _reviewed(flow.settings) is None]
            if not undated:
                continue
            names = ", ".join(f"`{flow.name}`" for flow in undated)
            plural = "s" if len(undated) > 1 else ""
            if header is None:
                where = "this file has no `playbook` header"
                span = Span.point(file, 1, 1)
                hint = f'add `playbook "NAME" {{ reviewed {ctx.today.isoformat()} }}` once the flows are reviewed'
            else:
                where = "its `playbook` header has no `reviewed` date"
                span = Span(
                    file, header.span.line, header.span.column, header.span.line, header.span.column + len("playbook")
                )
                hint = f"add `reviewed {ctx.today.isoformat()}` to the header once the flows are reviewed"
            yield Finding(
                f"flow{plural} {names} {'have' if plural else 'has'} no review date: {where}", span, hints=(hint,)
            )


class WaitDatePassed(Rule):
    """A `wait until DATE` names a date that has already passed.

    A calendar wait holds contacts until its date, in their own time zone;
    once the date is past, every contact who arrives goes straight on. So a
    wait for last year's launch or webinar day does nothing, and the step
    after it goes out at once, to everyone, which is rarely what was meant:
    a date that is past is a campaign nobody updated (or a typo in the
    year). A date a day behind the linter's clock may still be ahead in
    another time zone and is not reported. Source: neither article; it
    rests on what a calendar wait does with a past date (docs/language.md)
    and on workflow tools that refuse one (Plumber's Delay action: "Delay
    until timestamp entered is in the past"); a warning, not an error,
    since a playbook is linted long after it was written.

    Bad:
        playbook "Launch" {
          reviewed 2026-11-02
        }
        flow launch {
          entry on registered("webinar")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          wait until 2025-12-01 09:00     # a year ago: nobody waits
          email recap: trends_report
        }

    Good:
        playbook "Launch" {
          reviewed 2026-11-02
        }
        flow launch {
          entry on registered("webinar")
          goal booked("demo")
          exit on unsubscribed, booked("demo")
          wait until 2027-03-01 09:00
          email recap: trends_report
        }
    """

    code = "NUR903"
    name = "wait-date-passed"
    family = "freshness"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            for step in n.iter_steps(flow.steps):
                if not isinstance(step, n.WaitCalendar) or step.date is None:
                    continue
                try:
                    date = _dt.date.fromisoformat(step.date.text)
                except ValueError:
                    continue  # the core reports a date not on the calendar
                behind = (ctx.today - date).days
                if behind <= _CLOCK_SLACK_DAYS:
                    continue
                yield Finding(
                    f"`wait until {step.date.text}` is {behind} days past (today is {ctx.today.isoformat()}): "
                    "every contact goes straight on",
                    step.date.span,
                    flow=flow.name,
                    hints=("give the date this wait is for, or remove the wait",),
                )


RULES: tuple[type[Rule], ...] = (StaleReview, MissingReviewDate, WaitDatePassed)
