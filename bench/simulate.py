"""Simulator speed, memory and determinism: `nurturedsl simulate`.

    python bench/simulate.py            # everything, full sizes (about 8 min on 2 cores)
    python bench/simulate.py --quick    # scaled down (about 45 s)
    python bench/simulate.py --skip-cli # only the engine-vs-SimPy comparison

Goals (from the issue):
  * the engine simulates at least 5x more contacts per second than a SimPy
    model of the same bundled inbound flow, same semantics, same inputs,
    both in this one process;
  * 1,000,000 cohort contacts through playbooks/programme.nurture over 365
    days in under 30 s (whole process, `--workers 2`, this 2-core machine),
    and `--workers 2` at least 1.9x the contacts per second of `--workers 1`;
  * peak memory with tracing off does not grow with the number of contacts:
    1M contacts within 1.2x of 100k (`--workers 1`);
  * `--workers N` gives results identical to one worker (the JSON report,
    and the trace file too).

1. Engine vs SimPy. N contacts (default 20,000) are generated here with
   random.Random(seed): industry, employees, title, role, revenue, persona
   tags and a time zone, plus a replayed event list each (a download of
   "resource" in the first 60 days, sometimes a second one; replies,
   booked demos, unsubscribes, pricing visits, webinar attendance and
   clicks at random times). The engine (nurturedsl.sim.engine.Runner) runs
   them over playbooks/inbound.nurture's compiled IR for 180 days; the SimPy
   model, written by hand below, runs the same flow: one shared
   simpy.Environment, one process per contact replaying its events and one
   process per flow stay, exits delivered mid-wait by Process.interrupt().
   Both must give the same figures (touches by channel, entries, exits by
   reason, handoffs, threshold crossings, deferrals, goals, still in); a
   difference is printed, with the first contacts concerned, their events,
   both outcomes and the engine's timeline of them. The same SimPy model is
   also run with one Environment per contact, informative: the goal is
   judged against the shared Environment, the idiomatic choice.

2. `python -m nurturedsl simulate playbooks/programme.nurture --cohort 1000000
   --responses examples/responses.toml --seed 1 --workers 2 --format json
   -o TMP` as a subprocess, wall time (start-up and compile included).

3. The same with `--workers 1` at 100k and 1M contacts: peak RSS of the
   process (wait4's ru_maxrss), and the ratio.

4. `--workers 1` against `--workers 2` (20k contacts), JSON report compared
   byte for byte, once without and once with `--trace`.

Every subprocess runs `sys.executable -m nurturedsl` with PYTHONPATH set to
this checkout (an older nurturedsl may be installed in site-packages).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)  # measure the working tree, not an installed copy

from nurturedsl.sim.command import load_ir, parse_moment  # noqa: E402
from nurturedsl.sim.contact import Contact, Event  # noqa: E402
from nurturedsl.sim.engine import Programme, Runner  # noqa: E402
from nurturedsl.sim.report import Tally, timeline  # noqa: E402

INBOUND = "playbooks/inbound.nurture"
PROGRAMME = "playbooks/programme.nurture"
RESPONSES = "examples/responses.toml"
START = "2026-01-01"
DAY = 86400.0

# -- synthetic contacts for the inbound comparison ----------------------------

ZONES = [
    None,
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
]
TITLES = [("CEO", 0.15), ("Founder", 0.1), ("Director", 0.25), ("Manager", 0.3), ("Engineer", 0.2)]
ROLES = [
    ("CTO", 0.12),
    ("VP Engineering", 0.1),
    ("CFO", 0.1),
    ("VP Finance", 0.08),
    ("Marketing", 0.3),
    ("Operations", 0.3),
]
STEPS = ["welcome", "checklist", "video", "tech_proof", "biz_proof", "ask"]


def _pick(rng: random.Random, table) -> str:
    x = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


def make_contacts(n: int, seed: int, start: float) -> tuple[list[Contact], dict[str, list[Event]]]:
    """N contacts and their events, deterministic per seed. Times are floats
    with fractions of a second, so no two happenings of a contact share a
    moment (the order of simultaneous happenings is not what is compared)."""
    rng = random.Random(seed)
    contacts, events = [], {}
    for i in range(n):
        cid = f"c{i + 1:06d}"
        zone = rng.choice(ZONES)
        tags = []
        if rng.random() < 0.08:
            tags.append("security-whitepaper")
        if rng.random() < 0.06:
            tags.append("roi-calculator")
        data = {
            "id": cid,
            "industry": "SaaS" if rng.random() < 0.6 else rng.choice(["Fintech", "Retail"]),
            "employees": int(min(20000, max(2, rng.lognormvariate(4.8, 1.0)))),
            "title": _pick(rng, TITLES),
            "role": _pick(rng, ROLES),
            "tags": tags,
        }
        if rng.random() < 0.7:
            data["revenue"] = int(rng.lognormvariate(15.6, 1.2))
        if zone:
            data["timezone"] = zone
        contacts.append(Contact(cid, data, zone))

        def at(lo_days: float, hi_days: float) -> float:
            return start + rng.uniform(lo_days, hi_days) * DAY

        download = at(0, 60)
        evs = [(download, "downloaded", "resource")]
        if rng.random() < 0.1:
            evs.append((at(0, 150), "downloaded", "resource"))
        if rng.random() < 0.05:
            evs.append((at(0, 60), "downloaded", "ebook"))
        rel = (download - start) / DAY
        if rng.random() < 0.15:
            evs.append((at(rel, rel + 30), "replied", None))
        if rng.random() < 0.08:
            evs.append((at(0, 120), "booked", "demo"))
        if rng.random() < 0.02:
            evs.append((at(0, 120), "booked", "intro"))
        if rng.random() < 0.05:
            evs.append((at(rel, rel + 30), "unsubscribed", None))
        for _ in range(_pick(rng, [(0, 0.55), (1, 0.2), (2, 0.15), (3, 0.1)])):
            first = at(0, 175)  # a visit, sometimes a second one soon after
            evs.append((first, "visited", "pricing"))
            if rng.random() < 0.5:
                evs.append((first + rng.uniform(0.1, 3) * DAY, "visited", "pricing"))
        if rng.random() < 0.03:
            evs.append((at(0, 175), "visited", "careers"))
        if rng.random() < 0.1:
            evs.append((at(0, 175), "attended", "webinar"))
        if rng.random() < 0.25:
            for _ in range(rng.randint(1, 5)):
                evs.append((at(rel, rel + 100), "clicked", rng.choice(STEPS)))
        evs.sort(key=lambda e: e[0])
        events[cid] = [Event(t, name, arg) for t, name, arg in evs]
    return contacts, events


# -- the engine side -----------------------------------------------------------


def engine_figures(tally: Tally, reasons: dict[str, str]) -> Counter:
    """The figures the two models are compared on, from an engine tally;
    `reasons` maps the engine's exit texts to the model's."""
    out = Counter()
    out["entries"] = tally.entered["inbound"]
    for reason, count in tally.exits["inbound"].items():
        out["exit " + reasons.get(reason, reason)] += count
    for channel, count in tally.touches.items():
        out["touches " + channel] += count
    out["handoffs sales"] = tally.handoffs["sales"]
    out["handed off contacts"] = tally.handed_off
    for name, count in tally.crossings.items():
        out["crossings " + name] += count
    for reason, count in tally.deferred.items():
        out["deferred " + reason] += count
    out["goal reached"] = tally.goals["inbound"]
    out["still in"] = tally.still_in["inbound"]
    out["unsubscribes"] = tally.unsubscribes
    return +out


def exit_reasons(programme: Programme) -> dict[str, str]:
    names = ["replied", "booked demo", "unsubscribed", "lead.sql"]
    reasons = {"exit on " + text: name for (_, text), name in zip(programme.flows["inbound"].exits, names)}
    reasons["handoff to sales"] = "handoff"
    return reasons


def run_engine(ir: dict, contacts, events, start: float, until: float) -> tuple[float, Tally]:
    t = time.perf_counter()
    runner = Runner(Programme(ir), start, until)
    tally = Tally()
    run = runner.run
    for contact in contacts:
        run(contact, events[contact.id], tally)
    return time.perf_counter() - t, tally


# -- the SimPy model -----------------------------------------------------------
#
# playbooks/inbound.nurture written by hand from docs/simulation.md and its
# compiled IR (scoring.nurture's `lead` score and segments, policy.nurture's
# rules of contact), not from the engine's code:
#   entry on downloaded("resource") when icp and not booked("demo"); once ever
#   welcome, 3d, checklist, 4d, video, 4d, branch technical / economic / else
#   `linkedin follow` (the IR's implied node linkedin_follow_1, presence) and
#   `linkedin connect li_note` (a message), 3d, ask, webhook crm_sync (no
#   figure); exits on replied, booked("demo"), unsubscribed, lead > 60,
#   checked at entry and the moment any of them becomes true;
#   threshold sql (> 60): handoff to sales and notify; the contact leaves
#   the flow by its `exit on lead.sql` (an exit that holds names the way out);
#   threshold mql (>= 40): no action (counted); a threshold fires when it
#   starts to hold, again only after it has stopped holding;
#   policy (docs/simulation.md, Policy): only messages (the IR's `message`
#   flag: email, linkedin connect) are held; a presence touch (the follow)
#   goes out the moment it is reached and is not counted by the cap;
#   a message waits for the flow's cadence minimum (3d since the previous
#   message of the flow), then quiet hours (20:00-08:00 in the contact's zone,
#   Europe/Berlin when none; the policy has no send_days, every day is a send
#   day), then the cap (4 messages in 7 days); a `wait` starts when the touch
#   before it went out.

QUIET_START, QUIET_END = 20 * 60, 8 * 60
SEND_DAYS = frozenset(range(7))  # policy.nurture says no send_days: every day
CAP_COUNT, CAP_PER = 4, 7 * DAY
CADENCE_MIN = 3 * DAY  # the flow's `cadence 3d..5d`
HALF_LIFE, NINETY = 30 * DAY, 90 * DAY
WAITS = (3 * DAY, 4 * DAY, 4 * DAY, 3 * DAY)


class SimpyInbound:
    """One run of the model over a list of contacts. `shared=True`: one
    Environment, every contact a process in it (the idiomatic way); False:
    a fresh Environment per contact, run to the horizon one after another."""

    def __init__(
        self,
        simpy,
        start: float,
        until: float,
        default_zone: str = "Europe/Berlin",
        per_contact: bool = False,
        engine_moments: bool = False,
    ):
        self.simpy = simpy
        # engine_moments (diagnosis only, never timed): look at thresholds only
        # when the engine does (after every visited/attended/unsubscribed/clicked
        # event, and at the wakes it schedules 90 days after each click and
        # webinar), so a difference left over is not about threshold timing.
        self.engine_moments = engine_moments
        self.start, self.until = start, until
        self.zones: dict = {}
        self.default_zone = default_zone
        self.out = Counter()
        self.per_contact = {} if per_contact else None

    def zone(self, name):
        name = name or self.default_zone
        zone = self.zones.get(name)
        if zone is None:
            zone = self.zones[name] = ZoneInfo(name)
        return zone

    def run(self, contacts, events, shared: bool = True) -> Counter:
        simpy = self.simpy
        states = []
        if shared:
            env = simpy.Environment(initial_time=self.start)
            for c in contacts:
                st = _State(c, self)
                states.append(st)
                env.process(self.contact(env, st, events[c.id]))
            env.run(until=self.until)
        else:
            for c in contacts:
                env = simpy.Environment(initial_time=self.start)
                st = _State(c, self)
                states.append(st)
                env.process(self.contact(env, st, events[c.id]))
                env.run(until=self.until)
        for st in states:
            if st.flow is not None:
                st.out["still in"] += 1
            if self.per_contact is not None:
                self.per_contact[st.id] = +st.out
            self.out.update(st.out)
        return +self.out

    # the score, computed when needed (docs/ir.md, Scores)
    @staticmethod
    def score(st, now: float, skip_last: bool = False) -> float:
        total = st.fit
        visits, clicks, webinars = st.visits, st.clicks, st.webinars
        if skip_last:  # the score just before the event being recorded now
            last = st.last_kind
            visits = visits[:-1] if last == "visited" else visits
            clicks = clicks[:-1] if last == "clicked" else clicks
            webinars = webinars[:-1] if last == "attended" else webinars
        for at in visits[-2:]:
            total += 15 * 0.5 ** ((now - at) / HALF_LIFE)
        if sum(1 for at in clicks if now - at <= NINETY) >= 3:
            total += 10
        total += 25 * sum(1 for at in webinars if now - at <= NINETY)
        unsubscribes = st.unsubscribes - (1 if skip_last and st.last_kind == "unsubscribed" else 0)
        return total - 40 * unsubscribes

    def thresholds(self, env, st, before) -> None:
        """`before`: the score just before this moment's event (None at the
        start). Between events the score can only fall (decay, expiry), so a
        threshold stopped holding in between iff it does not hold `before`."""
        value = self.score(st, env.now)
        for name, holds in (("lead.mql", lambda v: v >= 40), ("lead.sql", lambda v: v > 60)):
            if before is not None and not holds(before):
                st.holding.discard(name)
            if holds(value):
                if name not in st.holding:
                    st.holding.add(name)
                    st.out["crossings " + name] += 1
                    if name == "lead.sql":
                        self.handoff(env, st)
            else:
                st.holding.discard(name)

    def handoff(self, env, st) -> None:
        # out of the flow by its exit condition when one holds (lead > 60
        # does), else by the hand-off; contacts are counted once, in a flow
        # or not (docs/simulation.md, "Counts")
        if st.flow is not None:
            self.leave(st, self.exit_reason(env, st) or "handoff")
        if not st.handed_off:
            st.out["handoffs sales"] += 1
            st.out["handed off contacts"] += 1
        st.handed_off = True

    def exit_reason(self, env, st):
        if st.replied:
            return "replied"
        if st.booked_demo:
            return "booked demo"
        if st.unsubscribes:
            return "unsubscribed"
        if self.score(st, env.now) > 60:
            return "lead.sql"
        return None

    def leave(self, st, reason: str, interrupt: bool = True) -> None:
        """Out of the flow; its process, when it is waiting, is interrupted."""
        flow, st.flow = st.flow, None
        st.out["exit " + reason] += 1
        if st.booked_demo:
            st.out["goal reached"] += 1
        if interrupt:
            flow.interrupt(reason)

    # the contact: its events, replayed
    def contact(self, env, st, evs):
        self.thresholds(env, st, None)
        until = self.until
        if self.engine_moments:
            evs = sorted(
                list(evs)
                + [
                    (at + NINETY, "@wake", None)
                    for at, name, arg in evs
                    if name == "clicked" or name == "attended" and arg == "webinar"
                ]
            )
        for at, name, arg in evs:
            if at > until:
                break
            yield env.timeout(at - env.now)
            if name == "@wake":
                self.thresholds(env, st, None)
                if st.flow is not None:
                    reason = self.exit_reason(env, st)
                    if reason:
                        self.leave(st, reason)
                continue
            st.last_kind = name
            scored = True
            if name == "visited" and arg == "pricing":
                st.visits.append(at)
            elif name == "clicked":
                st.clicks.append(at)
            elif name == "attended" and arg == "webinar":
                st.webinars.append(at)
            elif name == "unsubscribed":
                if not st.unsubscribes:
                    st.out["unsubscribes"] += 1
                st.unsubscribes += 1
            else:
                scored = False
                if name == "replied":
                    st.replied = True
                elif name == "booked" and arg == "demo":
                    st.booked_demo = True
            if self.engine_moments:
                if name in ("visited", "attended", "unsubscribed", "clicked"):
                    self.thresholds(env, st, None)
            elif scored:
                self.thresholds(env, st, self.score(st, at, skip_last=True))
            if st.flow is not None:
                reason = self.exit_reason(env, st)
                if reason:
                    self.leave(st, reason)
            if name == "downloaded" and arg == "resource" and not st.entered and st.icp and not st.booked_demo:
                st.entered = True
                st.out["entries"] += 1
                st.flow = True  # in the flow; the process comes next
                reason = self.exit_reason(env, st)
                if reason:
                    self.leave(st, reason, interrupt=False)
                else:
                    st.flow = env.process(self.inbound(env, st))

    # the flow
    def inbound(self, env, st):
        try:
            yield from self.touch(env, st, "email")  # welcome
            yield env.timeout(WAITS[0])
            yield from self.touch(env, st, "email")  # checklist
            yield env.timeout(WAITS[1])
            yield from self.touch(env, st, "email")  # video
            yield env.timeout(WAITS[2])
            if st.technical or st.economic:
                yield from self.touch(env, st, "email")  # tech_proof / biz_proof
            else:
                st.out["touches linkedin"] += 1  # linkedin_follow_1: presence, at once
                yield from self.touch(env, st, "linkedin")  # li_note: linkedin connect, a message
            yield env.timeout(WAITS[3])
            yield from self.touch(env, st, "email")  # ask
            self.leave(st, "completed", interrupt=False)
        except self.simpy.Interrupt:
            return

    def touch(self, env, st, channel: str):
        held: set = set()
        when = self.open_at(env.now, st, held)
        if when > env.now:
            yield env.timeout(when - env.now)
        st.touch_times.append(env.now)
        st.flow_last = env.now
        st.out["touches " + channel] += 1

    def open_at(self, when: float, st, held: set) -> float:
        """The first moment at or after `when` a message may go out: the
        cadence minimum, then quiet hours and send days, then the cap (and
        after a cap hold, quiet hours again); each hold counted once per
        reason."""
        times = st.touch_times
        if st.flow_last is not None and when < st.flow_last + CADENCE_MIN:
            when = st.flow_last + CADENCE_MIN
            held.add("cadence")
            st.out["deferred cadence"] += 1
        while True:
            when, reason = self.allowed(when, st.zone)
            if reason and reason not in held:
                held.add(reason)
                st.out["deferred " + reason] += 1
            recent = [t for t in times if t > when - CAP_PER]
            if len(recent) < CAP_COUNT:
                return when
            when = recent[-CAP_COUNT] + CAP_PER
            if "frequency_cap" not in held:
                held.add("frequency_cap")
                st.out["deferred frequency_cap"] += 1

    @staticmethod
    def allowed(when: float, zone) -> tuple[float, str | None]:
        local = dt.datetime.fromtimestamp(when, zone)
        reason = None
        while True:
            if local.weekday() not in SEND_DAYS:
                reason = reason or "send_days"
                local = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), zone)
                continue
            minute = local.hour * 60 + local.minute + local.second / 60
            if minute >= QUIET_START or minute < QUIET_END:
                reason = reason or "quiet_hours"
                day = local.date() if minute < QUIET_END else local.date() + dt.timedelta(days=1)
                local = dt.datetime.combine(day, dt.time(QUIET_END // 60, QUIET_END % 60), zone)
                continue
            return (local.timestamp() if reason else when), reason


class _State:
    __slots__ = (
        "id",
        "out",
        "zone",
        "fit",
        "icp",
        "technical",
        "economic",
        "visits",
        "clicks",
        "webinars",
        "unsubscribes",
        "replied",
        "booked_demo",
        "last_kind",
        "holding",
        "flow",
        "entered",
        "handed_off",
        "touch_times",
        "flow_last",
    )

    def __init__(self, contact: Contact, model: SimpyInbound):
        d = contact.data
        tags = d.get("tags") or ()
        self.id = contact.id
        self.out = Counter()
        self.zone = model.zone(contact.timezone)
        self.fit = (
            (20 if d.get("title") == "CEO" else 0)
            + (20 if d.get("industry") == "SaaS" else 0)
            + (10 if (d.get("revenue") or 0) > 5_000_000 else 0)
        )
        self.icp = d.get("industry") == "SaaS" and (d.get("employees") or 0) >= 50
        self.technical = d.get("role") in ("CTO", "VP Engineering") or "security-whitepaper" in tags
        self.economic = d.get("role") in ("CFO", "VP Finance") or "roi-calculator" in tags
        self.visits, self.clicks, self.webinars = [], [], []
        self.unsubscribes = 0
        self.replied = self.booked_demo = False
        self.last_kind = None
        self.holding: set = set()
        self.flow = None  # the flow's process while the contact is in it
        self.entered = self.handed_off = False
        self.touch_times: list[float] = []
        self.flow_last = None  # the last message of the inbound flow, any run


def run_simpy(simpy, contacts, events, start: float, until: float, shared: bool) -> tuple[float, Counter]:
    t = time.perf_counter()
    figures = SimpyInbound(simpy, start, until).run(contacts, events, shared=shared)
    return time.perf_counter() - t, figures


def mismatches(ir, contacts, events, start, until, reasons, simpy, show: int) -> list[str]:
    """The contacts whose figures differ between the models, described."""
    model = SimpyInbound(simpy, start, until, per_contact=True)
    model.run(contacts, events)
    programme = Programme(ir)
    runner = Runner(programme, start, until)
    tracer = Runner(programme, start, until, trace=True)
    lines, found = [], 0
    kinds = Counter()
    for contact in contacts:
        tally = Tally()
        runner.run(contact, events[contact.id], tally)
        mine, theirs = model.per_contact.get(contact.id, Counter()), engine_figures(tally, reasons)
        if mine == theirs:
            continue
        found += 1
        kinds[" / ".join(sorted(k for k in set(mine) | set(theirs) if mine[k] != theirs[k]))] += 1
        if found > show:
            continue
        tracer.trace_records.clear()
        tracer.run(contact, events[contact.id], Tally())
        d = contact.data
        lines.append(
            f"  {contact.id}: title {d.get('title')}, industry {d.get('industry')}, employees "
            f"{d.get('employees')}, revenue {d.get('revenue')}, role {d.get('role')}, tags {d.get('tags')}, "
            f"zone {contact.timezone}"
        )
        for e in events[contact.id]:
            lines.append(f"      {iso_ms(e.at)}  {e.name}" + (f"({e.arg})" if e.arg else ""))
        keys = sorted(set(mine) | set(theirs))
        lines.append("      simpy:  " + ", ".join(f"{k} {mine[k]}" for k in keys if mine[k] != theirs[k]))
        lines.append("      engine: " + ", ".join(f"{k} {theirs[k]}" for k in keys if mine[k] != theirs[k]))
        lines.append("      engine timeline:")
        try:
            text = timeline(tracer.trace_records, {"id": contact.id}, contact.timezone or "Europe/Berlin")
        except TypeError:  # an older signature, without the zone
            text = timeline(tracer.trace_records, {"id": contact.id})
        lines += ["      " + line for line in text.splitlines()]
    head = [
        f"  {found} contact(s) differ; by differing figures: " + "; ".join(f"{k} ({n})" for k, n in kinds.most_common())
    ]
    # The same model, looking at thresholds only when the engine does.
    engine_like = SimpyInbound(simpy, start, until, engine_moments=True).run(contacts, events)
    total = Tally()
    for contact in contacts:
        runner.run(contact, events[contact.id], total)
    theirs = engine_figures(total, reasons)
    left = sorted(k for k in set(engine_like) | set(theirs) if engine_like[k] != theirs[k])
    head.append(
        "  the SimPy model re-evaluating thresholds only at the engine's moments (score events and its "
        "90-day wakes) instead of noticing when a score stops holding between events: "
        + ("every figure equal to the engine's" if not left else "still differs in " + ", ".join(left))
    )
    return head + lines


def iso_ms(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


# -- the command line, as subprocesses -----------------------------------------

# Runs `python -m nurturedsl` and, at exit, writes the process's own peak RSS
# (VmHWM) to $SIMBENCH_HWM. wait4's ru_maxrss is no good here: Linux carries
# the parent's high-water mark over fork/vfork + exec, so every child would
# report at least this bench's own size.
LAUNCHER = r"""
import atexit, os, runpy, sys
def _hwm():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(os.environ["SIMBENCH_HWM"], "w") as out:
                    out.write(line.split()[1])
atexit.register(_hwm)
sys.argv[0] = "nurturedsl"
runpy.run_module("nurturedsl", run_name="__main__", alter_sys=True)
"""


def cli(args: list[str], cwd: str = REPO) -> dict:
    """Run `python -m nurturedsl simulate ...`; wall time, peak RSS of the
    main process (MiB; with --workers N each worker has its own), CPU time
    of it and its workers, exit code, stderr tail."""
    hwm = tempfile.NamedTemporaryFile(prefix="simbench-hwm-", delete=False)
    hwm.close()
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), SIMBENCH_HWM=hwm.name)
    try:
        with tempfile.TemporaryFile() as err:
            t = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, "simulate", *args],
                cwd=cwd,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
        with open(hwm.name) as f:
            text = f.read().strip()
        rss = int(text) / 1024 if text else usage.ru_maxrss / 1024
    finally:
        os.unlink(hwm.name)
    return {
        "wall": wall,
        "rss": rss,
        "cpu": usage.ru_utime + usage.ru_stime,
        "code": os.waitstatus_to_exitcode(status),
        "err": " | ".join(tail),
    }


def cohort_args(n: int, workers: int, out: str, trace: str | None = None) -> list[str]:
    args = [
        PROGRAMME,
        "--cohort",
        str(n),
        "--responses",
        RESPONSES,
        "--seed",
        "1",
        "--workers",
        str(workers),
        "--format",
        "json",
        "--no-progress",
        "-o",
        out,
    ]
    return args + (["--trace", trace] if trace else [])


def digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# -- main --------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Simulator benchmark: engine vs SimPy, 1M cohort, memory, workers.")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="scaled down: 5,000 contacts vs SimPy, 200k cohort, memory 20k vs 200k, determinism 5,000",
    )
    ap.add_argument("--contacts", type=int, help="contacts in the engine-vs-SimPy comparison (default 20,000)")
    ap.add_argument("--days", type=float, default=180, help="simulated days of the comparison (default 180)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the comparison's contacts (default 1)")
    ap.add_argument("--repeat", type=int, help="runs of each model; the best counts (default 3, quick 1)")
    ap.add_argument("--show", type=int, default=5, help="differing contacts to print in full (default 5)")
    ap.add_argument("--cohort-size", type=int, help="cohort contacts for the speed goal (default 1,000,000)")
    ap.add_argument("--workers", type=int, default=2, help="workers for the speed goal (default 2)")
    ap.add_argument(
        "--memory-sizes",
        type=int,
        nargs=2,
        metavar=("SMALL", "LARGE"),
        help="cohort sizes of the memory goal, --workers 1 (default 100000 1000000)",
    )
    ap.add_argument("--determinism-size", type=int, help="cohort of the workers check (default 20,000)")
    ap.add_argument("--skip-cli", action="store_true", help="only the engine-vs-SimPy comparison")
    ap.add_argument("--skip-simpy", action="store_true", help="skip the engine-vs-SimPy comparison")
    args = ap.parse_args(argv)
    q = args.quick
    n = args.contacts or (5000 if q else 20000)
    repeat = args.repeat or (1 if q else 3)
    cohort = args.cohort_size or (200_000 if q else 1_000_000)
    small, large = args.memory_sizes or ((20_000, 200_000) if q else (100_000, 1_000_000))
    det = args.determinism_size or (5000 if q else 20000)

    began = time.perf_counter()
    print(
        f"# nurturedsl simulate benchmark  (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load()} at the start)\n"
    )
    goals: list[tuple[str, str, str, str]] = []  # figure, measured, goal, met/missed

    def verdict(ok: bool) -> str:
        return "met" if ok else "missed"

    if not args.skip_simpy:
        goals += compare(args, n, repeat)
    if not args.skip_cli:
        tmp = tempfile.mkdtemp(prefix="simbench-")
        try:
            goals += cli_goals(tmp, cohort, args.workers, small, large, det, verdict)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\n## Goals\n")
    w0 = max(len(g[0]) for g in goals)
    w1 = max(len(g[1]) for g in goals)
    w2 = max(len(g[2]) for g in goals)
    print(f"{'figure':<{w0}}  {'measured':<{w1}}  {'goal':<{w2}}  verdict")
    for figure, measured, goal, ok in goals:
        print(f"{figure:<{w0}}  {measured:<{w1}}  {goal:<{w2}}  {ok}")
    print(f"\n(whole run {time.perf_counter() - began:.0f} s; load average {load()} at the end)")
    return 0


def compare(args, n: int, repeat: int) -> list[tuple[str, str, str, str]]:
    try:
        import simpy
    except ImportError:
        print(
            "SimPy is not installed (`python -m pip install simpy`, or `pip install -e '.[bench]'`): "
            "the comparison is skipped.\n"
        )
        return [("engine vs SimPy, inbound", "not run (no simpy)", ">= 5x", "missed")]
    start = parse_moment(START, "--start")
    until = start + args.days * DAY
    ir, _ = load_ir(INBOUND)
    reasons = exit_reasons(Programme(ir))
    t = time.perf_counter()
    contacts, events = make_contacts(n, args.seed, start)
    made = time.perf_counter() - t
    n_events = sum(len(e) for e in events.values())
    print(
        f"## Engine vs SimPy {simpy.__version__}: {INBOUND}, {n:,} contacts, {n_events:,} events, "
        f"{args.days:g} days from {START}, seed {args.seed}, best of {repeat}\n"
    )
    print(f"(contacts and events generated in {made:.2f} s, not timed below)")

    times: dict[str, list[float]] = {"engine": [], "simpy shared": [], "simpy per contact": []}
    figures: dict[str, Counter] = {}
    for _ in range(repeat):  # interleaved, so drift in machine load hits all alike
        gc.collect()
        seconds, tally = run_engine(ir, contacts, events, start, until)
        times["engine"].append(seconds)
        figures["engine"] = engine_figures(tally, reasons)
        for name, shared in (("simpy shared", True), ("simpy per contact", False)):
            gc.collect()
            seconds, figures[name] = run_simpy(simpy, contacts, events, start, until, shared)
            times[name].append(seconds)

    keys = sorted(set().union(*figures.values()))
    print(f"\n{'figure':<28} {'engine':>9} {'simpy':>9}  {'':<4}")
    for key in keys:
        a, b = figures["engine"][key], figures["simpy shared"][key]
        print(f"{key:<28} {a:>9,} {b:>9,}  {'' if a == b else 'DIFF'}")
    same = figures["engine"] == figures["simpy shared"]
    if figures["simpy shared"] != figures["simpy per contact"]:
        print("  (the SimPy model's two variants disagree with each other: a bug in the bench)")
    if not same:
        print("\nThe models disagree:")
        for line in mismatches(ir, contacts, events, start, until, reasons, simpy, args.show):
            print(line)

    print(f"\n{'model':<48} {'best s':>8} {'contacts/s':>11}  runs (s)")
    rate = {}
    labels = {
        "engine": "nurturedsl engine (Runner.run per contact)",
        "simpy shared": "SimPy, one shared Environment (idiomatic)",
        "simpy per contact": "SimPy, one Environment per contact",
    }
    for name, runs in times.items():
        rate[name] = n / min(runs)
        print(f"{labels[name]:<48} {min(runs):8.2f} {rate[name]:11,.0f}  " + " ".join(f"{r:.2f}" for r in runs))
    ratio = rate["engine"] / rate["simpy shared"]
    other = rate["engine"] / rate["simpy per contact"]
    print(
        f"engine / SimPy shared Environment: {ratio:.1f}x  (informative: engine / SimPy Environment per "
        f"contact {other:.1f}x)"
    )
    return [
        (
            f"engine vs SimPy (one shared Environment), {n:,} inbound contacts",
            f"{ratio:.1f}x ({rate['engine']:,.0f} vs {rate['simpy shared']:,.0f}/s)",
            ">= 5x",
            "met" if ratio >= 5 else "missed",
        ),
        (
            "  informative: engine vs SimPy, Environment per contact",
            f"{other:.1f}x ({rate['simpy per contact']:,.0f}/s)",
            ">= 5x",
            "met" if other >= 5 else "missed",
        ),
        (
            "  same figures, engine and SimPy",
            "same" if same else "DIFFERENT (see above)",
            "same",
            "met" if same else "missed",
        ),
    ]


def cli_goals(tmp: str, cohort: int, workers: int, small: int, large: int, det: int, verdict) -> list:
    goals = []
    print(
        f"\n## Cohort runs: python -m nurturedsl simulate {PROGRAMME} --cohort N --responses {RESPONSES} "
        "--seed 1 --format json (365 days)\n"
    )
    print(f"{'run':<34} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'contacts/s':>11}  load")

    def run(label, n, w, trace=False, name=None):
        out = os.path.join(tmp, (name or label.replace(" ", "-")) + ".json")
        tr = out[:-5] + ".jsonl" if trace else None
        r = cli(cohort_args(n, w, out, tr))
        r["out"], r["trace"] = out, tr
        print(f"{label:<34} {r['wall']:8.1f} {r['cpu']:8.1f} {r['rss']:9.0f} {n / r['wall']:11,.0f}  {load()}")
        if r["code"] != 0:
            print(f"  exit code {r['code']}: {r['err']}")
        return r

    # 2. speed
    r = run(f"{cohort:,} contacts, --workers {workers}", cohort, workers, name="speed")
    goal = 30 * cohort / 1_000_000
    scaled = "" if cohort == 1_000_000 else f" (30 s per 1M, pro rata: {goal:.0f} s)"
    goals.append(
        (
            f"{cohort:,} cohort contacts, programme, 365 d, --workers {workers}",
            f"{r['wall']:.1f} s" if r["code"] == 0 else f"failed ({r['code']})",
            f"< {goal:.0f} s" + scaled,
            verdict(r["code"] == 0 and r["wall"] < goal),
        )
    )
    os.unlink(r["out"]) if os.path.exists(r["out"]) else None

    # 3. memory
    lo = run(f"{small:,} contacts, --workers 1", small, 1, name="mem-small")
    hi = run(f"{large:,} contacts, --workers 1", large, 1, name="mem-large")
    ratio = hi["rss"] / lo["rss"]
    goals.append(
        (
            f"peak RSS {large:,} / {small:,} contacts, --workers 1",
            f"{ratio:.2f}x ({hi['rss']:.0f} / {lo['rss']:.0f} MiB)",
            "<= 1.2x",
            verdict(lo["code"] == 0 and hi["code"] == 0 and ratio <= 1.2),
        )
    )
    # the speed run's workers against one worker: contacts per second, since
    # the sizes may differ (the full run: 1M both)
    if workers > 1:
        speedup = (cohort / r["wall"]) / (large / hi["wall"])
        goals.append(
            (
                f"--workers {workers} / --workers 1, contacts/s ({cohort:,} / {large:,} contacts)",
                f"{speedup:.2f}x ({cohort / r['wall']:,.0f} / {large / hi['wall']:,.0f})",
                ">= 1.9x" if workers == 2 else f">= {0.95 * workers:.1f}x",
                verdict(r["code"] == 0 and hi["code"] == 0 and speedup >= 0.95 * workers),
            )
        )

    # 4. determinism
    checks = []
    for trace in (False, True):
        tag = " --trace" if trace else ""
        one = run(f"{det:,} contacts, --workers 1{tag}", det, 1, trace, name=f"det1{int(trace)}")
        two = run(f"{det:,} contacts, --workers 2{tag}", det, 2, trace, name=f"det2{int(trace)}")
        ok = one["code"] == two["code"] == 0 and digest(one["out"]) == digest(two["out"])
        text = f"report {digest(one['out'])} vs {digest(two['out'])}"
        if trace and one["code"] == two["code"] == 0:
            same_trace = digest(one["trace"]) == digest(two["trace"])
            ok = ok and same_trace
            lines = sum(1 for _ in open(one["trace"], "rb"))
            text += f", trace {digest(one['trace'])} vs {digest(two['trace'])} ({lines:,} lines)"
        checks.append((tag, ok))
        print(f"  --workers 1 vs 2{tag}: {text}: {'identical' if ok else 'DIFFERENT'}")
    for tag, ok in checks:
        goals.append(
            (
                f"--workers 1 == --workers 2, {det:,} contacts{tag or ' (JSON report)'}",
                "identical" if ok else "different",
                "byte-identical",
                verdict(ok),
            )
        )
    return goals


if __name__ == "__main__":
    sys.exit(main())
