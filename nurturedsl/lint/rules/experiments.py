"""Experiments: can the decision be taken on data, and is the contest fair?

Family `structure` (an experiment is a step of the flow's shape), codes NUR12x.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

from ... import nodes as n
from ... import units
from ...diagnostics import Severity
from ...digraph import descendants
from ...nodes import iter_steps
from ..rule import Context, Finding, Rule, head


def _experiments(flow: n.Flow) -> Iterator[n.Experiment]:
    for step in iter_steps(flow.steps):
        if isinstance(step, n.Experiment):
            yield step


def _needed(condition: n.Condition) -> set[str] | None:
    """Names of content or steps one of which a contact must have had a
    touch of for `condition` to hold (an event test on them, at least once),
    or None when the condition may hold without any such touch."""
    match condition:
        case n.EventTest():
            names = {arg.value for arg in condition.args if arg.kind == "name"}
            if not names:
                return None
            count = condition.count.value if condition.count is not None else None
            at_least_one = condition.count_op is None or (
                isinstance(count, (int, float))
                and ((condition.count_op == ">" and count >= 0) or (condition.count_op in (">=", "==") and count >= 1))
            )
            return names if at_least_one else None
        case n.Or():
            found: set[str] = set()
            for item in condition.items:
                inner = _needed(item)
                if inner is None:
                    return None
                found |= inner
            return found
        case n.And():
            # every item must hold, so what any one of them needs is needed
            for item in condition.items:
                inner = _needed(item)
                if inner is not None:
                    return inner
            return None
        case _:
            return None


def _sends(step: n.AnyStep, names: set[str]) -> bool:
    return isinstance(step, n.Touch) and (step.id in names or step.content in names)


class ExperimentGoalOutOfReach(Rule):
    """An experiment arm cannot reach the goal.

    The goal counts events on touches (`clicked(long_subject)`) that only
    another arm sends: no contact of this arm can reach it, so its goal rate
    is zero by construction and the decision is settled before a single
    contact enters. Measure every arm by the same yardstick: name the touches
    of every arm (`clicked(short_subject) or clicked(long_subject)`), or a
    goal outside the experiment (`booked("demo")`). An arm that reaches a
    touch of the goal later (after the experiment, or by a `goto`), or a
    touch sent elsewhere in the programme, is not reported. Source: neither
    article; it rests on how an experiment decides (docs/language.md,
    experiment: the arm with the best goal rate wins).

    Bad:
        experiment subject_test {
          goal clicked(long_subject)
          window 14d
          decide after 200 per arm
          50% "short" { email short_subject: roi_story }
          50% "long"  { email long_subject: case_study }
        }

    Good:
        experiment subject_test {
          goal clicked(short_subject) or clicked(long_subject)
          window 14d
          decide after 200 per arm
          50% "short" { email short_subject: roi_story }
          50% "long"  { email long_subject: case_study }
        }
    """

    code = "NUR120"
    name = "experiment-goal-out-of-reach"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow in ctx.flows:
            for step in _experiments(flow):
                yield from self._check(ctx, flow, step)

    def _check(self, ctx: Context, flow: n.Flow, step: n.Experiment) -> Iterator[Finding]:
        names = _needed(step.goal)
        if names is None:
            return
        in_arms = {s.id for arm in step.arms for s in iter_steps(arm.steps)}
        elsewhere = any(
            _sends(s, names) and not (other is flow and s.id in in_arms)
            for other in ctx.flows
            for s in iter_steps(other.steps)
        )
        if elsewhere:
            return
        g = ctx.graph(flow)
        arms = [target for _, target, data in sorted(g.out_edges(step.id, data=True), key=lambda e: e[2]["order"])]
        for arm, start in zip(step.arms, arms):
            reached = descendants(g, start) | {start}
            if any(_sends(g.nodes[node]["step"], names) for node in reached if g.nodes[node].get("step")):
                continue
            shown = ", ".join(f"`{name}`" for name in sorted(names))
            yield Finding(
                f'arm "{arm.name}" of experiment `{step.id}` can never reach its goal: '
                f"no touch of {shown} is sent on its way",
                arm.span,
                flow=flow.name,
                notes=("its goal rate is 0 by construction, so the decision is made before anyone enters",),
                hints=("name a touch of every arm in the goal, or measure a goal outside the experiment",),
            )


class ExperimentAlreadyDecided(Rule):
    """An experiment's `decide on` date has passed.

    From its decision date on, every contact takes the winning arm: the
    experiment no longer tests anything, and the playbook no longer says
    what contacts get (the winner is known only to the runner). Once the
    date has passed, replace the experiment with the winning arm's steps,
    or give it a later date to keep testing. Source: neither article; it
    rests on how an experiment decides (docs/language.md, experiment).

    Bad:
        experiment subject_test {
          goal clicked(short_subject) or clicked(long_subject)
          window 14d
          decide on 2026-06-01
          50% "short" { email short_subject: roi_story }
          50% "long"  { email long_subject: case_study }
        }

    Good:
        experiment subject_test {
          goal clicked(short_subject) or clicked(long_subject)
          window 14d
          decide on 2027-06-01
          50% "short" { email short_subject: roi_story }
          50% "long"  { email long_subject: case_study }
        }
    """

    code = "NUR121"
    name = "experiment-already-decided"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow, step, date in _decision_dates(ctx):
            if date <= ctx.today:
                yield Finding(
                    f"experiment `{step.id}` decided on {date.isoformat()} (today is {ctx.today.isoformat()}): "
                    "every contact now takes the winning arm",
                    head(step.span, "experiment"),
                    flow=flow.name,
                    hints=("replace the experiment with the winning arm's steps, or give it a later date",),
                )


class ExperimentDecidedBeforeAnyWindow(Rule):
    """An experiment decides on a date before any contact's window can close.

    A contact counts towards the decision only once its `window` after
    entering has closed. When the `decide on` date comes sooner than one
    window from today, no contact can have counted by then: every arm has
    a goal rate of nothing, and the first arm wins by default, whatever the
    contacts do. The sample the decision needs is out of reach. Give the
    experiment a later date (at least one window from the first entries,
    and a few more for a sample), or a shorter window. Source: neither
    article; it rests on how an experiment decides (docs/language.md,
    experiment: only closed windows count).

    Bad:
        experiment subject_test {
          goal clicked(short_subject) or clicked(long_subject)
          window 30d
          decide on 2026-12-10
          50% "short" { email short_subject: roi_story }
          50% "long"  { email long_subject: case_study }
        }

    Good:
        experiment subject_test {
          goal clicked(short_subject) or clicked(long_subject)
          window 30d
          decide on 2027-03-01
          50% "short" { email short_subject: roi_story }
          50% "long"  { email long_subject: case_study }
        }
    """

    code = "NUR122"
    name = "experiment-decided-before-any-window"
    family = "structure"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for flow, step, date in _decision_dates(ctx):
            first_close = ctx.today + _dt.timedelta(seconds=step.window.seconds)
            if ctx.today < date < first_close:  # on or before today is NUR121's
                yield Finding(
                    f"experiment `{step.id}` decides on {date.isoformat()}, before any contact's "
                    f"{units.short(step.window.seconds)} window can close (the first closes on "
                    f"{first_close.isoformat()} at the earliest): no contact counts, and the first arm wins",
                    head(step.span, "experiment"),
                    flow=flow.name,
                    hints=(f"decide on {first_close.isoformat()} or later, or shorten the window",),
                )


def _decision_dates(ctx: Context) -> Iterator[tuple[n.Flow, n.Experiment, _dt.date]]:
    """Every experiment that decides on a date, with the date."""
    for flow in ctx.flows:
        for step in _experiments(flow):
            if step.decide_on is None:
                continue
            try:
                date = _dt.date.fromisoformat(step.decide_on.text)
            except ValueError:
                continue  # the core reports it
            yield flow, step, date


RULES: tuple[type[Rule], ...] = (ExperimentGoalOutOfReach, ExperimentAlreadyDecided, ExperimentDecidedBeforeAnyWindow)
