"""Score thresholds in one contact's run: crossing them and their actions.

A threshold fires when its score comes to hold it (`lead >= 40`) and it did
not hold before; it fires again only after the score has been seen below
it. Events and changes of attributes release the thresholds the score has
fallen below, just before the change (`_release_thresholds`); a fall by
decay or expiry alone wakes the clock when it crosses (clock.py), so every
time a threshold stopped holding is seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .shared import _Shared
from .values import rounded

if TYPE_CHECKING:
    from .programme import Json


class _Thresholds(_Shared):
    """Part of `_ContactRun` (engine.py). Owns `holding` (the (score,
    threshold) pairs that hold now), `crossed` (those ever crossed) and
    `fired_at` (when each last fired)."""

    fired_at: dict[tuple[str, str], float]

    def _thresholds(self) -> None:
        s = self.s
        for model in self.p.watched_scores:
            value = s.score(model.name)
            for name, op, bound, actions in model.thresholds:
                key = (model.name, name)
                holds = value >= bound if op == ">=" else value > bound
                if holds and key not in self.holding:
                    self.holding.add(key)
                    self.wake_stale = True  # its fall by decay may be due
                    if self.fired_at.get(key) == s.now:
                        continue  # at most once at one moment: score changes in actions cannot loop
                    self.fired_at[key] = s.now
                    self._crossed(model.name, name, value, actions)
                elif not holds:
                    self.holding.discard(key)

    def _over_at_start(self) -> None:
        """History is history: a threshold the score already holds at the
        start (from events before it) was crossed before the run. It holds
        (so it fires again only after a fall), nothing fires and no crossing
        is counted; it is counted apart, as `over_at_start`. A hand-off among
        its actions is the contact's state, as a real engine would have
        left it: with sales, handed off to that team (docs/simulation.md,
        "Where a replay starts")."""
        s = self.s
        for model in self.p.watched_scores:
            value = s.score(model.name)
            for name, op, bound, actions in model.thresholds:
                if not (value >= bound if op == ">=" else value > bound):
                    continue
                self.holding.add((model.name, name))
                self.wake_stale = True  # its fall by decay may be due
                self.tally.over_at_start[f"{model.name}.{name}"] += 1
                if self.tracing:
                    self._trace("over_at_start", threshold=f"{model.name}.{name}", value=rounded(value))
                for action in actions:
                    if action["type"] == "handoff":
                        self.with_sales = self.handed_off = True
                        self.teams = self.teams | {action["team"]}

    def _release_thresholds(self) -> None:
        """Forget thresholds the score has fallen below since they fired,
        looking just before a change (an event, an attribute); a fall by
        decay or expiry alone wakes the clock when it crosses (see
        _schedule_wake), so every time a threshold stopped holding is seen
        and it fires again on the next crossing."""
        s = self.s
        for model in self.p.watched_scores:
            value = s.score(model.name)
            for name, op, bound, _ in model.thresholds:
                if (model.name, name) in self.holding and not (value >= bound if op == ">=" else value > bound):
                    self.holding.discard((model.name, name))

    def _crossed(self, score: str, threshold: str, value: float, actions: list[Json]) -> None:
        first = (score, threshold) not in self.crossed
        self.crossed.add((score, threshold))
        name = f"{score}.{threshold}"
        self.tally.crossed(name, first)
        if self.tracing:
            self._trace("threshold", threshold=name, value=rounded(value))
        for action in actions:
            kind = action["type"]
            if kind == "handoff":
                self._handoff(action["team"], name)
            elif kind == "notify":
                self._notify(action.get("recipient"), action["text"], score, threshold=name)
            elif kind == "move_to":
                self._enter(self.p.flows[action["flow"]], name, moved=True)
            elif kind == "tag":
                self._tag(action["tag"], remove=False)
                if self.tracing:
                    self._trace("tag", threshold=name, tag=action["tag"])
            elif kind == "score":
                self._change_score(action["score"], action["op"], action.get("points"), threshold=name)

    def _change_score(self, score: str, op: str, points: float | None, **where: object) -> None:
        """`score S +N` / `reset`, from a step or a threshold: change the
        score (docs/ir.md, "Score changes"); its thresholds are looked at
        again in the next round of reacting, as after an event."""
        if self.holding:
            self._release_thresholds()  # judged on the score as it was
        self.s.change_score(score, op, points or 0)
        self.everything = self.wake_stale = True
        if self.tracing:
            self._trace("score_change", **where, changed=score, op=op, points=points)
