"""Touches in one contact's run: sent now, blocked, or held until they may go.

A touch is blocked (counted, and the flow goes on) by suppression, an
unsubscribe, a missing phone or SMS consent, or the flow's `max_touches`.
A message is held for the flow's cadence minimum, quiet hours, send days
and the frequency cap; presence (a LinkedIn follow, an ad audience) is
never held. A sent touch is recorded as a `sent` event and, in cohort mode,
asks the responder what the contact does about it.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from .clock import EVENT, TIMER
from .contact import Contact, Touch
from .shared import _Shared
from .values import iso

if TYPE_CHECKING:
    from .membership import _Run
    from .programme import _Node

_UNSUBSCRIBE_STOPS = ("email", "sms")  # what an unsubscribe stops


class _Delivery(_Shared):
    """Part of `_ContactRun` (engine.py). Owns `touch_times` (the moments
    messages were sent, for the frequency cap), `touches`, `unsubscribed`,
    `sms_consent` and `has_phone`."""

    def _deliver(self, run: _Run, node: _Node) -> bool:
        """Send a touch now, count it as blocked, or hold it until it may
        go out. False when the run stops here (held, or it left)."""
        if self.changed or self.everything:
            reason = self._exit_reason(run)
            if reason:
                self._leave(run, reason)
                return False
        s, data, channel = self.s, node.data, node.type
        blocked = None
        if s.now < self.suppressed_until:
            blocked = "suppressed"
        elif channel in _UNSUBSCRIBE_STOPS and self.unsubscribed:
            blocked = "unsubscribed"
        elif channel == "sms" and not self.has_phone:
            blocked = "sms without phone"
        elif channel == "sms" and not self.sms_consent:
            blocked = "sms without consent"
        elif node.message and run.messages >= run.flow.max_touches:
            blocked = "max_touches"
        if blocked:
            self.tally.block(blocked)
            if self.tracing:
                self._trace(
                    "blocked",
                    flow=run.flow.name,
                    step=node.id,
                    channel=channel,
                    content=data.get("content"),
                    reason=blocked,
                )
            return True
        when = self._open_at(s.now, run) if node.message else s.now  # presence is never held
        if when > s.now:
            run.ticket += 1
            run.node = node.id
            self._push(when, TIMER, run, run.ticket, "send", node.id)
            return False
        run.held_for = None
        self.touches += 1
        late = None
        if node.message:  # the frequency cap, the cadence and first_touch count messages
            now = s.now
            self.touch_times.append(now)
            run.cadence_until = now + run.flow.cadence_min
            if run.messages:
                run.messages += 1
            else:
                run.messages = 1
                if now - run.entered_at > self.p.first_touch:
                    late = True
                    self.tally.late_first_touch(run.flow.name)
        content, kind = data.get("content"), data.get("give_or_ask")
        self.tally.touch(run.flow.name, channel, "way_out" if kind == "ask" and content in self.p.way_outs else kind)
        if self.tracing:
            self._trace(
                "touch",
                flow=run.flow.name,
                step=node.id,
                channel=channel,
                content=content,
                give_or_ask=kind,
                action=data.get("action"),
                late_first_touch=late,
            )
        self._record("sent", node.id, s.now)
        if self.r.responder is not None:
            touch = Touch(run.flow.name, node.id, channel, content, kind, data.get("action"))
            for event in self.r.responder(self.contact, touch, s.now, self.rng, self._in_segment):
                if event.at <= self.r.until:
                    self._push(event.at, EVENT, event)
        return True

    def _in_segment(self, name: str, contact: Contact | None = None) -> bool:
        return self.s.segment(name)

    def _open_at(self, when: float, run: _Run) -> float:
        """The first moment a touch due at `when` may go out; counts each
        reason it is held once per touch."""
        policy = self.p.policy
        held = run.held_for if run.held_for is not None else set()
        run.held_for = held
        if when < run.cadence_until:  # the flow's cadence minimum since its previous message
            when = run.cadence_until
            if "cadence" not in held:
                held.add("cadence")
                self.tally.defer("cadence")
                if self.tracing:
                    self._trace("deferred", flow=run.flow.name, step=run.node, reason="cadence", until=iso(when))
        for _ in range(100):
            when, reasons = policy.next_open(when, self.zone)
            for reason in reasons:
                if reason not in held:
                    held.add(reason)
                    self.tally.defer(reason)
                    if self.tracing:
                        self._trace("deferred", flow=run.flow.name, step=run.node, reason=reason, until=iso(when))
            if policy.cap is None:
                return when
            count, per = policy.cap
            times = self.touch_times
            if len(times) - bisect_right(times, when - per) < count:
                return when
            when = times[-count] + per
            if "frequency_cap" not in held:
                held.add("frequency_cap")
                self.tally.defer("frequency_cap")
                if self.tracing:
                    self._trace("deferred", flow=run.flow.name, step=run.node, reason="frequency_cap", until=iso(when))
        return when  # pragma: no cover
