"""Entering and leaving flows in one contact's run.

Who may enter a flow now (suppression, the re-entry rule, its audience),
why a move into one was refused, what leaving records (the reason, the
goal, the cadence the next stay inherits), and the handoff to a team,
which takes the contact out of every flow.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import units
from .clock import WINDOW
from .programme import FLOWS_CHANGED
from .shared import _Shared
from .values import iso

if TYPE_CHECKING:
    from .programme import _Flow, _Node

# A flow that takes a contact back in at every event (`reentry allowed`,
# `entry when`, a body that takes no time) while each entry brings more
# events must not hang the run: one contact enters one flow at most this
# often in a run.
MAX_ENTRIES = 10_000


class _Run:
    """A contact's stay in one flow."""

    __slots__ = (
        "flow",
        "last_message",
        "out_at_entry",
        "active",
        "ticket",
        "node",
        "waiting",
        "entered_at",
        "loops",
        "held_for",
        "via",
        "messages",
        "cadence_until",
        "marks",
        "path",
        "seen",
        "left_at",
        "where",
    )

    def __init__(self, flow: _Flow, now: float, via: str):
        self.flow = flow
        self.active = True
        self.ticket = 0  # bumped whenever the run moves, so stale timers are ignored
        self.node = flow.start
        self.waiting: _Node | None = None  # the wait_until node it sits at
        self.entered_at = now
        self.loops: dict[str, int] = {}
        self.held_for: set[str] | None = None  # deferral reasons of the touch it waits to send
        self.via = via
        self.messages = 0  # messages sent in this run (max_touches, first_touch)
        self.cadence_until = -math.inf  # no message before: the previous one (in any run of the flow) + cadence min
        # at a wait_for: how many events of each arm's name were recorded when the contact arrived
        self.marks: dict[str, int] = {}
        # the arms taken at branches, splits and experiments: (node, arm index), in order
        self.path: list[tuple[str, int]] = []
        self.seen: set[str] = set()  # the steps it arrived at (the funnel's `reached`)
        self.left_at = math.inf
        # the funnel's step it is at: the node, or the step before a plain
        # `wait` it sits in (a contact who leaves during the wait after an
        # email is lost by that email)
        self.where = flow.start
        # the last message step it delivered: the email that lost them when
        # the run is lost later, at a wait, a branch or an exit step
        self.last_message: str | None = None
        self.out_at_entry = False  # an exit condition held as it came in


class _Membership(_Shared):
    """Part of `_ContactRun` (engine.py). Owns `runs` (the flows the contact
    is in), `entries` (flow -> (times entered, last entry)), `cadence_until`,
    `first_entry`, `with_sales`, `handed_off` and `teams`."""

    # state most contacts never change, kept off the instance until they do
    teams: frozenset[str] = frozenset()  # teams the contact was handed to
    handing_off = False  # within a hand-off, while it takes the contact out of its flows
    # runs that ended without their flow's goal, watched until the attribution
    # window closes: (run, left by a loss, window close)
    attributions: list[tuple[_Run, str | None, float]] | None = None
    cadence_until: dict[str, float] | None = None  # flow -> cadence_until of its last run that sent a message

    def _may_enter(self, flow: _Flow, since: float | None = None) -> bool:
        """Whether suppression and the re-entry rule let the contact into
        `flow` now: at most once ever without `reentry`; with it, once
        `reentry_after` has passed since the previous entry, and never twice
        at one moment (a flow that sends the contact straight back in must
        not spin)."""
        now = self.s.now
        if now < self.suppressed_until:
            return False
        entered = self.entries.get(flow.name)
        if entered is None:
            return True
        if not flow.reentry or entered[0] >= MAX_ENTRIES:
            return False
        # an event entry is judged by its event's time (`after D` delays it),
        # a condition entry by now, the moment the clock wakes for
        return now > entered[1] and (now if since is None else since) >= entered[1] + flow.reentry_after

    def _refusal(self, flow: _Flow) -> str:
        """Why a move into `flow` did not take the contact in."""
        if flow.name in self.runs:
            return "already in the flow"
        if self.s.now < self.suppressed_until:
            return "suppressed"
        entered = self.entries.get(flow.name)
        if entered is not None:
            if not flow.reentry:
                return "entered before; no reentry"
            if entered[0] >= MAX_ENTRIES:
                return f"entered {MAX_ENTRIES:,} times, the most a run allows"
            if entered[1] == self.s.now:
                return "entered at this moment already"
            if self.s.now < entered[1] + flow.reentry_after:
                return (
                    f"reentry after {units.short(flow.reentry_after, weeks=True)}: "
                    f"not before {iso(entered[1] + flow.reentry_after)}"
                )
        return "not in its audience"

    def _enter(self, flow: _Flow, via: str, moved: bool = False, since: float | None = None) -> bool:
        """Take the contact into `flow` if its rules allow; a move (`move
        to`, a step's or a threshold's) that is refused is traced."""
        if (
            flow.name in self.runs
            or not self._may_enter(flow, since)
            or (flow.audience is not None and not flow.audience(self.s))
        ):
            if moved and self.tracing:
                self._trace("refused", flow=flow.name, reason=via, why=self._refusal(flow))
            return False
        now = self.s.now
        if self.attributions:
            self._reentered(flow)
        count = self.entries.get(flow.name, (0, 0))[0]
        self.entries[flow.name] = (count + 1, now)
        if self.first_entry is None:
            self.first_entry = now
        run = self.runs[flow.name] = _Run(flow, now, via)
        self._flows_changed()
        if "entries" in flow.rate_limits:
            self.tally.rated(flow.name, "entries", self._window(flow.rate_limits["entries"][1]))
        if self.cadence_until is not None and flow.name in self.cadence_until:
            run.cadence_until = self.cadence_until[flow.name]
        self.wake_stale = True
        self.tally.entry(flow.name, count == 0, self._week())
        run.seen.add(flow.start)
        self.tally.reached(flow.name, flow.start)
        if self.tracing:
            self._trace("enter", flow=flow.name, reason=via)
        reason = self._exit_reason(run)
        if reason:
            # out at entry: never reachable, so never lost (docs/simulation.md, "Funnel")
            run.out_at_entry = True
            self.tally.out_at_entry[flow.name] += 1
            self._leave(run, reason)
            return True
        self._walk(run, flow.start)
        return True

    def _leave(self, run: _Run, reason: str) -> None:
        if not run.active:
            return
        run.active = False
        run.ticket += 1
        run.left_at = self.s.now
        flow = run.flow
        del self.runs[flow.name]
        self._flows_changed()
        if run.messages and flow.cadence_min:
            if self.cadence_until is None:
                self.cadence_until = {}
            self.cadence_until[flow.name] = run.cadence_until
        self.wake_stale = True
        goal = bool(flow.goal(self.s)) if flow.goal is not None else None
        self.tally.left(flow.name, reason, goal, run.where)
        if self.tracing:
            self._trace(
                "exit",
                flow=flow.name,
                step=run.node,
                reason=reason,
                goal=goal,
                funnel_step=run.where if run.where != run.node else None,
            )
        self._attribute(run, reason, goal)
        if flow.readmits and not self.with_sales:
            # an `entry when` flow that re-admits: look at the entries again
            # now (or at the next happening when it was entered just now);
            # when the re-entry delay has not passed, the clock wakes for it
            last = self.entries[flow.name][1]
            if last == self.s.now:
                self.recheck_next = True
            elif self.s.now >= last + flow.reentry_after:
                self.everything = True

    def _flows_changed(self) -> None:
        """The contact entered or left a flow: `in flow` conditions may now
        read otherwise, so they are looked at again (only when some
        condition reads it; scores that read it are recomputed)."""
        if self.p.reads_flows:
            self.changed.add(FLOWS_CHANGED)
            self.s.version += 1

    def _window(self, per: float) -> int:
        """Which window of `per` seconds, counted from the start of the
        simulation, the moment is in: what a rate limit's count is kept by."""
        return int((self.s.now - self.r.start) // per)

    def _handoff(self, team: str, via: str, run: _Run | None = None) -> None:
        """Hand the contact to `team` (`via`: the threshold or the step; `run`:
        the run whose `handoff` step this is). They leave every flow they are
        in; a flow whose exit condition holds at this moment records that
        exit, as it would have taken them out at this moment anyway."""
        self.handing_off = True  # the runs it ends are not lost: the contact went to sales
        for other in list(self.runs.values()):
            reason = None if other is run else self._exit_reason(other)
            self._leave(other, reason or f"handoff to {team}")
        self.handing_off = False
        self.with_sales = True
        self.recheck_next = False
        self.wake_stale = True
        first = not self.handed_off
        since = None if not first or self.first_entry is None else self.s.now - self.first_entry
        self.tally.handoff(team, first, team not in self.teams, since, self._week())
        self.handed_off = True
        self.teams = self.teams | {team}
        if self.tracing:
            self._trace("handoff", team=team, reason=via)

    # -- the goal's attribution window

    def _week(self) -> int:
        """The week of the report's weekly series the moment is in."""
        week = int((self.s.now - self.r.start) // units.WEEK)
        last = self.r.last_week  # --until itself (where runs still in are settled) is in the last week
        return week if week < last else last

    def _attribute(self, run: _Run, reason: str, goal: bool | None) -> None:
        """A run ended: settle whether its goal counts for the flow now, or
        watch for it until the attribution window closes. A run that ended
        by completing, a hand-off (its own or an exit at one) or a move is
        never lost."""
        lossy = (
            None
            if self.handing_off
            or run.out_at_entry
            or reason == "completed"
            or reason.startswith(("handoff to ", "moved to "))
            else reason
        )
        window = self.r.attribution
        # an opt-out is not a win: a run that ends with the contact
        # unsubscribed or suppressed gets no attribution window
        opted_out = self.unsubscribed or self.s.now < self.suppressed_until
        if goal is None or goal or window <= 0 or self.s.now >= self.r.until or opted_out:
            self._settle(run, lossy, bool(goal))
            return
        close = self.s.now + window
        if self.attributions is None:
            self.attributions = []
        self.attributions.append((run, lossy, close))
        self._push(close, WINDOW)

    def _check_attributions(self, final: bool = False) -> None:
        """Settle the watched runs whose goal holds now (attributed) or whose
        window is over (not); `final` at --until settles them all."""
        if not self.attributions:
            return
        now, s = self.s.now, self.s
        still = []
        for run, lossy, close in self.attributions:
            goal = run.flow.goal
            assert goal is not None  # only runs of flows with a goal are watched
            if now <= close and goal(s):
                self._settle(run, lossy, True)
                if self.tracing:
                    self._trace("goal", flow=run.flow.name, step=run.where, left_at=iso(run.left_at))
            elif now >= close or final:
                self._settle(run, lossy, False)
            else:
                still.append((run, lossy, close))
        self.attributions = still

    def _reentered(self, flow: _Flow) -> None:
        """Back in `flow`: the new run owns its goal from here, so the
        windows of its earlier runs close unmet (one goal, one run)."""
        assert self.attributions is not None
        keep = []
        for watched in self.attributions:
            if watched[0].flow is flow:
                self._settle(watched[0], watched[1], False)
            else:
                keep.append(watched)
        self.attributions = keep

    def _settle(self, run: _Run, lossy: str | None, attributed: bool) -> None:
        """`lossy`: the reason the run left by, when that is a loss."""
        # lost at a message step (held there): that step's; lost anywhere
        # else (a wait until, a branch, a suppress, an exit): the last
        # message the run delivered, the email that lost them (with none,
        # where it left)
        node = run.flow.nodes.get(run.where)
        credited = run.where if node is not None and node.message else run.last_message or run.where
        self.tally.settled(
            run.flow.name, credited, tuple(run.path), None if attributed else lossy, attributed, self._week()
        )
