"""Experiments: the one part of a run that depends on other contacts.

An `experiment` node sends each contact down an arm at random until its
decision, and every later contact down the winner's arm; the decision reads
the goal rates of all contacts so far. Contacts are otherwise independent,
and the simulator runs them one at a time (and in parallel slices), so the
decision is found in rounds (`decide_rounds`):

1. Run every contact with the decisions known so far (none at first). Each
   contact's first entry into an experiment is tallied as (arm, the moment
   its goal window closes, whether the goal was reached within it).
2. From those tallies, find the moment each undecided experiment would
   decide (docs/language.md, experiment). Take the earliest one only: what
   happened before it does not depend on any decision still to be taken,
   so it is the decision of the real run. Record it, and run again.
3. Stop when no experiment decides any more; the last round is the run.

A round changes what contacts do only after a decision's moment, which no
earlier decision looked at, so the result is the one a single runner with a
global clock would produce. The tallies are whole numbers added in slice
order, so it is the same for every `--workers`. With `--runs`, every run
decides on its own contacts. The cost: one more pass over the contacts per
decision taken.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .logic import Condition

Json = dict[str, Any]
# tallied per first entry: (experiment key, arm index, window close, goal reached)
WindowKey = tuple[str, int, float, bool]


def key(flow: str, node: str) -> str:
    return f"{flow}.{node}"


class _Experiment:
    """An experiment node, prepared once."""

    __slots__ = ("key", "flow", "node", "goal", "window", "per_arm", "on", "on_text", "arms")

    def __init__(self, flow: str, node_id: str, data: Json, goal: Condition, zone: str):
        self.key = key(flow, node_id)
        self.flow, self.node = flow, node_id
        self.goal = goal
        self.window: float = data["window"]["seconds"]
        decide = data["decide"]
        self.per_arm: int | None = decide.get("per_arm")
        self.on_text: str | None = decide.get("date")
        # 00:00 of the date in the programme's time zone
        self.on: float | None = (
            dt.datetime.combine(dt.date.fromisoformat(self.on_text), dt.time(0), ZoneInfo(zone)).timestamp()
            if self.on_text
            else None
        )
        self.arms: list[str] = [edge["label"] for edge in data["next"]]

    def rule(self) -> str:
        return f"decide after {self.per_arm} per arm" if self.per_arm is not None else f"decide on {self.on_text}"


@dataclass(frozen=True)
class Decision:
    at: float
    winner: int
    counted: tuple[int, ...]
    reached: tuple[int, ...]


def decision(exp: _Experiment, windows: Counter[WindowKey], until: float) -> Decision | None:
    """When and how `exp` decides on these tallied windows, or None if it
    does not by `until`."""
    closes: list[list[float]] = [[] for _ in exp.arms]
    marks: list[list[tuple[float, bool]]] = [[] for _ in exp.arms]
    for (name, arm, close, hit), count in windows.items():
        if name == exp.key:
            closes[arm].extend([close] * count)
            marks[arm].extend([(close, hit)] * count)
    if exp.per_arm is not None:
        need = exp.per_arm
        if any(len(arm) < need for arm in closes):
            return None
        # the first moment every arm has `need` closed windows
        at = max(sorted(arm)[need - 1] for arm in closes)
    else:
        assert exp.on is not None
        at = exp.on
    if at > until:
        return None
    counted = tuple(sum(1 for close, _ in arm if close <= at) for arm in marks)
    reached = tuple(sum(1 for close, hit in arm if close <= at and hit) for arm in marks)
    winner, best = 0, -1.0
    for index, (total, hits) in enumerate(zip(counted, reached)):
        # strictly better only: on a tie the arm written first keeps it
        if total and hits / total > best:
            winner, best = index, hits / total
    return Decision(at, winner, counted, reached)


Decisions = dict[int, dict[str, Decision]]  # run -> experiment key -> decision


def next_decisions(
    experiments: list[_Experiment], windows: dict[int, Counter[WindowKey]], known: Decisions, until: float
) -> Decisions | None:
    """`known` plus, per run, the earliest decision not yet taken; None when
    no run has one (the last round was the run)."""
    added = False
    out: Decisions = {run: dict(found) for run, found in known.items()}
    for run, counted in sorted(windows.items()):
        taken = out.setdefault(run, {})
        candidates = [
            (found.at, index, exp.key, found)
            for index, exp in enumerate(experiments)
            if exp.key not in taken and (found := decision(exp, counted, until)) is not None
        ]
        if candidates:
            _, _, name, found = min(candidates, key=lambda item: item[:2])
            taken[name] = found
            added = True
    return out if added else None


def section(
    experiments: list[_Experiment], decisions: Decisions, windows: dict[int, Counter[WindowKey]], until: float
) -> dict[str, Any]:
    """The report's `experiments`: per experiment and run, the decision (its
    moment, each arm's counted contacts, goals reached and rate, the winner)
    or, undecided, the counts at the end."""
    from .values import iso

    out: dict[str, Any] = {}
    for exp in experiments:
        runs = []
        for run in sorted(windows) or [0]:
            found = decisions.get(run, {}).get(exp.key)
            if found is None:
                at = until
                counted = tuple(
                    sum(
                        c
                        for (k, a, close, _), c in windows.get(run, Counter()).items()
                        if k == exp.key and a == i and close <= at
                    )
                    for i in range(len(exp.arms))
                )
                reached = tuple(
                    sum(
                        c
                        for (k, a, close, hit), c in windows.get(run, Counter()).items()
                        if k == exp.key and a == i and close <= at and hit
                    )
                    for i in range(len(exp.arms))
                )
            else:
                counted, reached = found.counted, found.reached
            runs.append(
                {
                    "decided_at": iso(found.at) if found else None,
                    "winner": exp.arms[found.winner] if found else None,
                    "arms": [
                        {
                            "arm": label,
                            "counted": counted[i],
                            "reached": reached[i],
                            "rate": round(reached[i] / counted[i], 4) if counted[i] else None,
                        }
                        for i, label in enumerate(exp.arms)
                    ],
                }
            )
        out[exp.key] = {"rule": exp.rule(), "window_seconds": int(exp.window), "runs": runs}
    return out


def text_lines(body: dict[str, Any]) -> list[str]:
    """The report's experiments section, for people."""
    lines = ["Experiments"]
    for name, exp in body.items():
        lines.append(f"  {name} ({exp['rule']})")
        many = len(exp["runs"]) > 1
        for index, run in enumerate(exp["runs"]):
            where = f"run {index + 1}: " if many else ""
            arms = ", ".join(
                f'"{arm["arm"]}" {arm["reached"]}/{arm["counted"]}'
                + (f" ({arm['rate'] * 100:.1f}%)" if arm["rate"] is not None else "")
                for arm in run["arms"]
            )
            if run["winner"] is not None:
                lines.append(f'    {where}decided {run["decided_at"]}: {arms}; winner "{run["winner"]}"')
            else:
                lines.append(f"    {where}undecided at the end: {arms}")
    return lines
