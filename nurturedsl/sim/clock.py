"""The clock of one contact's run: pending happenings and the wakes.

The run does not tick: it jumps from one pending happening to the next, in
a heap ordered by time (then by when each was pushed, so that happenings at
one moment keep their order). A happening is an input event, a timer (the
end of a wait, a deferred send, a time-out), a delayed entry, the end of a
suppression, or a wake. A wake is pushed for the next moment a condition
the contact is watched by may change while nothing happens: a `within`
window closing, an `inactive` period running out, an elapsed-time attribute
passing its bound, a decaying score crossing the number it is compared
with, a flow's re-entry delay running out. `wake_stale` says something
the next wake depends on has changed, so it is computed again only then.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from .logic import date_seconds
from .shared import _Shared
from .values import lookup

if TYPE_CHECKING:
    from collections.abc import Collection

    from .programme import Pair, Source

# the kinds of happening, the third member of every queue entry
EVENT, TIMER, ENTRY, WAKE, REVISIT = range(5)
WINDOW = 5  # an experiment's goal window closes (experiments.py)


class _Clock(_Shared):
    """Part of `_ContactRun` (engine.py): the queue of happenings and the
    wake. Owns `queue`, `seq`, `wake_at` and `wake_stale` (set by every part
    that changes what the wake depends on)."""

    # (data_version, date attribute -> its moment), for `since` sources
    _since_cache: tuple[int, dict[str, float | None]] | None = None

    def _push(self, at: float, kind: int, *payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, kind, payload))

    def _schedule_wake(self) -> None:
        if not self.wake_stale:
            return
        self.wake_stale = False
        now, runs = self.s.now, self.runs
        soonest = self._soonest(self.p.threshold_timed, math.inf)
        for run in runs.values():
            if run.flow.exit_timed:
                soonest = self._soonest(run.flow.exit_timed, soonest)
            if run.waiting is not None and run.waiting.timed:
                soonest = self._soonest(run.waiting.timed, soonest)
        if not self.with_sales:
            for flow in self.p.condition_flows:
                if flow.name in runs:
                    continue
                entered = self.entries.get(flow.name)
                if entered is None:
                    if flow.entry_timed and now >= self.suppressed_until:
                        soonest = self._soonest(flow.entry_timed, soonest)
                elif flow.reentry:
                    allowed = entered[1] + flow.reentry_after
                    if now < allowed:
                        if allowed < soonest:  # re-entry: look again the moment it is allowed
                            soonest = allowed
                    elif flow.entry_timed and self._may_enter(flow):
                        soonest = self._soonest(flow.entry_timed, soonest)
        if self.decay_seen:
            decay = self._decay_wake()
            if decay is not None and decay < soonest:
                soonest = decay
        if now < soonest < self.wake_at and soonest <= self.r.until:
            self.wake_at = soonest
            self._push(soonest, WAKE)

    def _soonest(self, sources: tuple[Source, ...], soonest: float) -> float:
        """The earlier of `soonest` and the next moment one of `sources`
        (the time sources of a group of conditions) changes by itself."""
        s = self.s
        now = s.now
        for source in sources:
            kind = source[0]
            if kind == "within":
                _, name, match, seconds = source
                found = s.events.get(name)
                if found:
                    first = bisect_right(found, now - seconds, key=_time_of)
                    for when, arg in found[first:]:
                        if match is None or arg in match:
                            # a window still holds an event exactly `seconds`
                            # old: look a second later, when it has left
                            if when + seconds + 1 < soonest:
                                soonest = when + seconds + 1
                            break
            elif kind == "inactive":
                when = s.last_activity + source[1]
                if now < when < soonest:
                    soonest = when
            elif kind == "since":
                start = self._since_start(source[1])
                if start is not None and now < start + source[2] + 1 < soonest:
                    soonest = start + source[2] + 1
        return soonest

    def _since_start(self, path: str) -> float | None:
        """The moment the date attribute `path` names (None: none), kept
        until the contact's attributes change: every wake of a contact an
        `entry when` elapsed-time condition watches reads it."""
        s = self.s
        cache = self._since_cache
        if cache is None or cache[0] != s.data_version:
            cache = self._since_cache = (s.data_version, {})
        starts = cache[1]
        if path in starts:
            return starts[path]
        base = lookup(s.data, path)
        start = starts[path] = date_seconds(base) if isinstance(base, str) else None
        return start

    def _decay_wake(self) -> float | None:
        """The next moment decay takes a score across a number that a
        watched condition or a held threshold compares it with (only for
        contacts with events some score counts with decay)."""
        p, s = self.p, self.s
        pairs: list[Collection[Pair]] = [p.threshold_pairs]
        if self.holding:
            falls = p.threshold_falls
            pairs.append([(key[0], falls[key]) for key in self.holding if key in falls])
        for run in self.runs.values():
            pairs.append(run.flow.exit_pairs)
            if run.waiting is not None:
                pairs.append(run.waiting.pairs)
        if not self.with_sales:
            for flow in p.condition_flows:
                if flow.entry_pairs and flow.name not in self.runs and self._may_enter(flow):
                    pairs.append(flow.entry_pairs)
        soonest, now, until = None, s.now, self.r.until
        parts: dict[str, dict[float, float]] = {}
        for group in pairs:
            for name, bound in group:
                decaying = parts.get(name)
                if decaying is None:
                    decaying = parts[name] = s.decaying(name)
                if decaying:
                    when = _crossing(s.score(name), decaying, bound, now, until)
                    if when is not None and (soonest is None or when < soonest):
                        soonest = when
        return soonest


_SOON = 0.001  # seconds: "just after now", when a score sits on the number it is compared with


def _crossing(total: float, parts: dict[float, float], bound: float, now: float, until: float) -> float | None:
    """When a score that is `total` now, `parts` of it decaying (by
    half-life), next reaches `bound` if nothing else happens, from the decay
    law (docs/ir.md): the moment itself, so `lead <= 8` holds then (a strict
    `<` a moment later, when the score is found sitting on the number); or
    None when it does not before `until`."""
    parts = {half_life: part for half_life, part in parts.items() if part}
    if not parts:
        return None
    rest = total - sum(parts.values())
    gap = total - bound
    if gap == 0:
        when = now + _SOON
    elif len(parts) == 1:
        ((half_life, part),) = parts.items()
        ratio = (bound - rest) / part  # 0.5 ** (dt / half_life) at the crossing
        if not 0 < ratio < 1:
            return None
        when = now - half_life * math.log2(ratio)
    else:

        def value(dt: float) -> float:
            here: float = rest - bound + sum(part * 0.5 ** (dt / half_life) for half_life, part in parts.items())
            return here

        # several half-lives: step through the future (a quarter of the
        # shortest half-life at a time, in at most 10,000 steps) to the first
        # change of side, then halve; after 64 of the longest half-lives the
        # score is its rest for good
        horizon = min(until - now, 64 * max(parts))
        step = max(min(parts) / 4, horizon / 10_000)
        low, high = 0.0, step
        while True:
            if low > horizon:
                return None
            if (value(high) > 0) != (gap > 0):
                break
            low, high = high, high + step
        while high - low > _SOON:
            middle = (low + high) / 2
            if (value(middle) > 0) == (gap > 0):
                low = middle
            else:
                high = middle
        when = now + high
    # rounding may leave the score a hair short of the number at `when`:
    # then the next look is just after, never at the same moment again
    when = max(when, now + _SOON)
    return when if when <= until else None


def _time_of(event: tuple[float, str | None]) -> float:
    return event[0]
