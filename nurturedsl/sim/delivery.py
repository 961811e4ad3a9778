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
from .contact import Contact
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
            self.tally.block(blocked, run.flow.name, node.id)
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
        now = s.now
        if node.message:  # presence is never held
            when = self._open_at(now, run, channel)
            if when > now:
                run.ticket += 1
                run.node = node.id
                self._push(when, TIMER, run, run.ticket, "send", node.id)
                return False
        run.held_for = None
        self.touches += 1
        late = None
        flow, tally = run.flow, self.tally
        if node.message:  # the frequency cap, the cadence and first_touch count messages
            self.touch_times.append(now)
            if channel in self.p.policy.channel_caps:
                self.channel_times.setdefault(channel, []).append(now)
            if flow.rate_limits and "sends" in flow.rate_limits:
                tally.rated(flow.name, "sends", self._window(flow.rate_limits["sends"][1]))
            run.cadence_until = now + flow.cadence_min
            run.last_message = node.id
            if run.messages:
                run.messages += 1
            else:
                run.messages = 1
                if now - run.entered_at > self.p.first_touch:
                    late = True
                    tally.late_first_touch(flow.name)
        touch = node.touch
        tally.touch(flow.name, channel, node.tally_kind, node.id, self._week())
        if self.tracing:
            self._trace(
                "touch",
                flow=flow.name,
                step=node.id,
                channel=channel,
                content=touch.content,
                give_or_ask=touch.kind,
                action=touch.action,
                late_first_touch=late,
            )
        if self.p.channel_filters:  # what a later event about this step or its content was about
            s.sent_channel[node.id] = channel
            if touch.content is not None:
                s.sent_channel[touch.content] = channel
        self._record("sent", node.id, now)
        responder = self.r.responder
        if responder is not None:
            until = self.r.until
            for event in responder(self.contact, touch, now, self.rng, self._in_segment):
                if event.at <= until:
                    self._push(event.at, EVENT, event)
        return True

    def _in_segment(self, name: str, contact: Contact | None = None) -> bool:
        return self.s.segment(name)

    def _open_at(self, when: float, run: _Run, channel: str) -> float:
        """The first moment a touch on `channel` due at `when` may go out;
        counts each reason it is held once per touch (a channel's own cap
        counts as `frequency_cap`, as the all-channel one does)."""
        policy = self.p.policy
        held = run.held_for if run.held_for is not None else set()
        run.held_for = held
        if when < run.cadence_until:  # the flow's cadence minimum since its previous message
            when = run.cadence_until
            self._held(run, held, "cadence", when)
        for _ in range(100):
            when, reasons = policy.next_open(when, self.zone)
            for reason in reasons:
                self._held(run, held, reason, when)
            later = self._capped_until(when, channel)
            if later is None:
                return when
            when = later
            self._held(run, held, "frequency_cap", when)
        return when  # pragma: no cover

    def _held(self, run: _Run, held: set[str], reason: str, until: float) -> None:
        """Count a touch held for `reason`, once per touch and reason (and
        the touch once, for its step's funnel, at its first reason)."""
        if reason in held:
            return
        first = not held
        held.add(reason)
        self.tally.defer(reason, run.flow.name, run.node, first)
        if self.tracing:
            self._trace("deferred", flow=run.flow.name, step=run.node, reason=reason, until=iso(until))

    def _capped_until(self, when: float, channel: str) -> float | None:
        """When the frequency caps hold a message on `channel` due at `when`:
        the moment the oldest message of the window of the cap it is over
        leaves it; None when no cap holds it."""
        policy = self.p.policy
        if policy.cap is None and not policy.channel_caps:
            return None
        caps = []
        if policy.cap is not None:
            caps.append((policy.cap, self.touch_times))
        if channel in policy.channel_caps:
            caps.append((policy.channel_caps[channel], self.channel_times.get(channel, [])))
        for (count, per), times in caps:
            if len(times) - bisect_right(times, when - per) >= count:
                return times[-count] + per
        return None
