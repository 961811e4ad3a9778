"""The state the parts of one contact's run share, declared in one place.

`_ContactRun` (engine.py) is one object put together from its parts: the
clock (clock.py), thresholds (thresholds.py), flows entered and left
(membership.py) and touches (delivery.py). They read and change one
another's state and call one another, as the one class they were did,
which keeps a step as cheap as it was. This base says, for the type
checker and the reader, what that state is and which module owns each
piece; `_ContactRun.__init__` sets it. It holds no behaviour: the methods
declared below (for the type checker only) are defined by the parts.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .contact import Contact
    from .engine import Runner, State
    from .membership import _Run
    from .programme import Json, Programme, _Flow, _Trigger
    from .report import Tally

# a queue entry: (at, sequence number, kind of happening, what it carries)
Happening = tuple[float, int, int, tuple[Any, ...]]


class _Shared:
    # what the run is about (engine.py)
    r: Runner
    p: Programme
    contact: Contact
    tally: Tally
    s: State
    zone: ZoneInfo
    rng: Random | None  # the contact's own random numbers, for the responder
    tracing: bool
    # reacting (engine.py)
    changed: set[str]  # events recorded since the last reaction
    everything: bool  # attributes, tags or the time changed: re-read every condition
    pending: list[tuple[_Flow, _Trigger, float]]  # entries due, with the time of their event
    recheck_next: bool
    decay_seen: bool
    # the clock (clock.py)
    queue: list[Happening]
    seq: int
    wake_at: float
    wake_stale: bool  # something the next wake depends on changed
    # thresholds (thresholds.py)
    holding: set[tuple[str, str]]
    crossed: set[tuple[str, str]]
    # flows entered and left (membership.py)
    runs: dict[str, _Run]
    entries: dict[str, tuple[int, float]]  # flow -> (times entered, last entry)
    cadence_until: dict[str, float] | None
    first_entry: float | None
    with_sales: bool
    handed_off: bool
    teams: frozenset[str]
    suppressed_until: float
    # touches (delivery.py)
    touch_times: list[float]
    channel_times: dict[str, list[float]]  # channel -> moments its messages were sent, for its own cap
    touches: int
    unsubscribed: bool
    sms_consent: bool
    has_phone: bool

    if TYPE_CHECKING:
        # what the parts call across one another

        def _push(self, at: float, kind: int, *payload: Any) -> None: ...
        def _record(self, name: str, arg: str | None, at: float, quiet: bool = False) -> None: ...
        def _trace(self, kind: str, **fields: Any) -> None: ...
        def _exit_reason(self, run: _Run) -> str | None: ...
        def _walk(self, run: _Run, node_id: str, came_from: str | None = None) -> None: ...
        def _notify(self, recipient: str | None, text: str, score: str | None, **where: Any) -> None: ...
        def _tag(self, tag: str, remove: bool) -> None: ...
        def _may_enter(self, flow: _Flow, since: float | None = None) -> bool: ...
        def _enter(self, flow: _Flow, via: str, moved: bool = False, since: float | None = None) -> bool: ...
        def _leave(self, run: _Run, reason: str) -> None: ...
        def _window(self, per: float) -> int: ...
        def _week(self) -> int: ...
        def _handoff(self, team: str, via: str, run: _Run | None = None) -> None: ...
        def _crossed(self, score: str, threshold: str, value: float, actions: list[Json]) -> None: ...
