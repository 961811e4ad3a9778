"""The simulator's semantics, each from the source articles or docs/simulation.md,
run through the compiled IR as a user's runner would see it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nurturedsl.ir import compile_programme, dumps
from nurturedsl.model import load
from nurturedsl.sim.contact import Contact, Event
from nurturedsl.sim.engine import Programme, Runner
from nurturedsl.sim.report import Tally

from .conftest import PLAYBOOKS, write

DAY = 86400.0


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ir_of(path: Path) -> dict:
    return json.loads(dumps(compile_programme(load(str(path)))))


_PROGRAMME: dict = {}


def programme_ir() -> dict:
    if not _PROGRAMME:
        _PROGRAMME.update(ir_of(PLAYBOOKS / "programme.nurture"))
    return _PROGRAMME


class Sim:
    """One simulation's outcome: trace records and the tally."""

    def __init__(
        self,
        ir: dict,
        contacts: list[Contact],
        events: dict[str, list[Event]],
        start="2026-01-05T00:00:00Z",
        until="2026-12-31T00:00:00Z",
    ):
        self.runner = Runner(Programme(ir), at(start), at(until), trace=True)
        self.tally = Tally()
        for contact in contacts:
            self.runner.run(contact, sorted(events.get(contact.id, [])), self.tally)
        self.records = self.runner.trace_records

    def of(self, contact: str, *types: str) -> list[dict]:
        return [r for r in self.records if r["contact"] == contact and (not types or r["type"] in types)]

    def touches(self, contact: str) -> list[dict]:
        return self.of(contact, "touch")


def playbook(tmp_path: Path, text: str) -> dict:
    return ir_of(write(tmp_path, "p.nurture", text))


# -- the six-signal scoring model ------------------------------------------------


def ceo(contact_id="c1", **extra) -> Contact:
    data = {"name": "Ada Lovelace", "title": "CEO", "industry": "SaaS", "revenue": 6_000_000, "employees": 120}
    data.update(extra)
    return Contact(contact_id, data, "Europe/Berlin")


def test_six_signals_score_65_hand_off_at_the_visit_and_stop_nurture():
    events = {
        "c1": [
            Event(at("2026-01-05T10:00:00Z"), "downloaded", "resource"),
            Event(at("2026-01-08T09:00:00Z"), "visited", "pricing"),
        ]
    }
    sim = Sim(programme_ir(), [ceo()], events)
    crossing = sim.of("c1", "threshold")[-1]
    assert crossing["threshold"] == "lead.sql" and crossing["value"] == 65  # 20 + 20 + 10 + 15
    handoff = sim.of("c1", "handoff")
    assert [(h["at"], h["team"]) for h in handoff] == [("2026-01-08T09:00:00Z", "sales")]
    alert = sim.of("c1", "notify")[0]
    assert alert["recipient"] == "sdr"
    assert alert["text"] == ("Lead Ada Lovelace just visited the pricing page and has a score of 65. Call now.")
    left = sim.of("c1", "exit")
    # inbound says `exit on lead.sql`: the crossing takes the contact out by that exit (the overview's arrow
    # from inbound to lead.sql), and the threshold's hand-off counts them as handed off
    assert [(e["flow"], e["reason"], e["at"]) for e in left] == [
        ("inbound", "exit on lead.sql", "2026-01-08T09:00:00Z")
    ]
    assert all(t["at"] < "2026-01-08T09:00:00Z" for t in sim.touches("c1"))
    assert sim.touches("c1"), "the welcome email went out before the hand-off"
    # a whole year later, no flow has taken the contact back in
    assert len(sim.of("c1", "enter")) == 1
    assert sim.tally.handed_off == 1 and sim.tally.crossed_contacts["lead.sql"] == 1


def test_a_pricing_visit_eight_months_old_is_worth_almost_nothing():
    old_visit = Event(at("2026-01-05T10:00:00Z"), "visited", "pricing")
    sim = Sim(
        programme_ir(),
        [Contact("c1", {"title": "CTO"})],
        {"c1": [old_visit, Event(at("2026-09-01T10:00:00Z"), "registered", "newsletter")]},
        start="2026-01-01T00:00:00Z",
    )
    then = sim.of("c1", "event")[0]["score"]["lead"]
    later = sim.of("c1", "event")[-1]["score"]["lead"]
    assert then == 15
    # 239 days is almost 8 half-lives: 15 * 0.5 ** (239 / 30) = 0.06
    assert 0 < later < 0.1


def test_fresh_pricing_visit_counts_fully_and_at_most_two_visits_count():
    visits = [Event(at(f"2026-01-0{d}T10:00:00Z"), "visited", "pricing") for d in (5, 6, 7)]
    sim = Sim(programme_ir(), [Contact("c1", {})], {"c1": visits})
    scores = [r["score"]["lead"] for r in sim.of("c1", "event")]
    assert scores[0] == 15
    assert 28 < scores[1] < 30  # the first has decayed a day: 15 * 0.5 ** (1/30) + 15
    assert 28 < scores[2] < 30  # `at most 2`: the oldest no longer counts


# -- re-engagement and surround sound ----------------------------------------------


def test_reengagement_sends_exactly_three_emails_then_suppresses():
    sim = Sim(
        programme_ir(),
        [Contact("quiet", {"name": "Quinn"}, "Europe/Berlin")],
        {"quiet": [Event(at("2026-01-05T10:00:00Z"), "visited", "blog")]},
    )
    touches = sim.touches("quiet")
    assert [(t["flow"], t["step"], t["channel"]) for t in touches] == [
        ("reengage", "honest", "email"),
        ("reengage", "trends", "email"),
        ("reengage", "last", "email"),
    ]
    entered = sim.of("quiet", "enter")[0]
    assert entered["at"] == "2026-04-05T10:00:00Z"  # 90 days after the last activity
    left = sim.of("quiet", "exit")[0]
    assert left["reason"] == 'suppressed "cold-contacts"'
    assert left["at"] > touches[-1]["at"]
    assert sim.tally.suppressed["cold-contacts"] == 1


def webinar(contact: str, *more: Event) -> list[Event]:
    return [Event(at("2026-01-05T09:00:00Z"), "registered", "webinar"), *more]


def test_surround_sound_retargets_only_openers_of_email_3_who_did_not_click():
    icp = {"industry": "SaaS", "employees": 200}
    contacts = [Contact(c, dict(icp), "Europe/Berlin") for c in ("opener", "clicker", "silent")]
    # email 3 (`video`) is due on Saturday, day 5, at 10:00 in Berlin: the
    # policy sends on every day outside quiet hours; the branch comes two days later
    events = {
        "opener": webinar("opener", Event(at("2026-01-10T12:00:00Z"), "opened", "video")),
        "clicker": webinar(
            "clicker",
            Event(at("2026-01-10T12:00:00Z"), "opened", "video"),
            Event(at("2026-01-10T12:05:00Z"), "clicked", "video"),
        ),
        "silent": webinar("silent"),
    }
    sim = Sim(programme_ir(), contacts, events)
    video = [t for t in sim.touches("opener") if t["step"] == "video"][0]
    assert video["at"] == "2026-01-10T09:00:00Z"
    ads = {c: [t for t in sim.touches(c) if t["step"] == "retarget"] for c in events}
    assert len(ads["opener"]) == 1 and ads["opener"][0]["channel"] == "ads"
    assert ads["clicker"] == [] and ads["silent"] == []


def test_surround_sound_sms_only_with_phone_and_consent():
    icp = {"industry": "SaaS", "employees": 200}
    contacts = [
        Contact("both", dict(icp, phone="+4915100000", consent=["email", "sms"]), "Europe/Berlin"),
        Contact("no-consent", dict(icp, phone="+4915100001", consent=["email"]), "Europe/Berlin"),
        Contact("no-phone", dict(icp, consent=["email", "sms"]), "Europe/Berlin"),
    ]
    sim = Sim(programme_ir(), contacts, {c.id: webinar(c.id) for c in contacts})
    sms = {c.id: [t for t in sim.touches(c.id) if t["channel"] == "sms"] for c in contacts}
    assert len(sms["both"]) == 1 and sms["both"][0]["step"] == "nudge"
    assert sms["no-consent"] == [] and sms["no-phone"] == []
    # the branch sent the others LinkedIn instead; nothing was blocked
    assert all(any(t["channel"] == "linkedin" for t in sim.touches(c)) for c in ("no-consent", "no-phone"))
    assert sim.tally.blocked == {}


def test_sms_without_a_guard_is_blocked_and_counted(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "A note"
flow careless {
  entry on registered("webinar")
  exit on unsubscribed
  sms text_me: note
  email after: note
}
""",
    )
    contacts = [
        Contact("phone-only", {"phone": "+1555"}),
        Contact("consent-only", {"consent": ["sms"]}),
        Contact("ok", {"phone": "+1555", "consent": ["sms"]}),
    ]
    sim = Sim(ir, contacts, {c.id: [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")] for c in contacts})
    assert [t["channel"] for t in sim.touches("ok")] == ["sms", "email"]
    assert [t["channel"] for t in sim.touches("phone-only")] == ["email"]  # the flow goes on
    assert sim.of("phone-only", "blocked")[0]["reason"] == "sms without consent"
    assert sim.of("consent-only", "blocked")[0]["reason"] == "sms without phone"
    assert sim.tally.blocked == {"sms without consent": 1, "sms without phone": 1}


# -- exits, waits and wait until --------------------------------------------------


def test_a_reply_during_a_wait_exits_at_the_replys_time():
    contact = Contact("c1", {"industry": "SaaS", "employees": 80}, "Europe/Berlin")
    reply = "2026-01-06T15:47:00Z"  # inside the 3-day wait after the welcome email
    sim = Sim(
        programme_ir(),
        [contact],
        {"c1": [Event(at("2026-01-05T10:00:00Z"), "downloaded", "resource"), Event(at(reply), "replied", "welcome")]},
    )
    left = sim.of("c1", "exit")[0]
    assert (left["flow"], left["at"], left["reason"], left["step"]) == ("inbound", reply, "exit on replied", "wait_1")
    assert [t["step"] for t in sim.touches("c1")] == ["welcome"]


def test_wait_until_takes_the_event_path_at_once_or_the_timeout(tmp_path):
    ir = playbook(
        tmp_path,
        """
content case give "Case study"
content close ask "Close your file?"
flow ghost {
  entry on attended("demo")
  exit on unsubscribed
  cadence 1d..7d
  email first: case
  wait until replied up to 5d {
    on event   { tag "re-engaged" }
    on timeout { email close_it: close }
  }
}
""",
    )
    demo = Event(at("2026-01-05T10:00:00Z"), "attended", "demo")
    sim = Sim(
        ir,
        [Contact("replies"), Contact("silent")],
        {"replies": [demo, Event(at("2026-01-07T11:30:00Z"), "replied")], "silent": [demo]},
    )
    assert [(r["type"], r["at"]) for r in sim.of("replies", "tag")] == [("tag", "2026-01-07T11:30:00Z")]
    assert [t["step"] for t in sim.touches("replies")] == ["first"]
    close = [t for t in sim.touches("silent") if t["step"] == "close_it"]
    assert close[0]["at"] == "2026-01-10T10:00:00Z"  # five days after the first email
    assert sim.of("silent", "tag") == []


# -- splits, repeats, goto, move to ----------------------------------------------


def test_split_arms_are_stable_per_contact_and_follow_the_weights(tmp_path):
    ir = playbook(
        tmp_path,
        """
content a give "A"
content b give "B"
flow ab {
  entry on registered("webinar")
  split {
    30% "short" { email short_subject: a }
    70% "long"  { email long_subject: b }
  }
}
""",
    )
    contacts = [Contact(f"c{i}") for i in range(2000)]
    events = {c.id: [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")] for c in contacts}
    first = Sim(ir, contacts, events)
    again = Sim(ir, contacts[::-1], events)
    arm = {r["contact"]: r["step"] for r in first.records if r["type"] == "touch"}
    assert arm == {r["contact"]: r["step"] for r in again.records if r["type"] == "touch"}
    short = sum(1 for step in arm.values() if step == "short_subject")
    assert 520 < short < 680  # 30% of 2000, within about 4 standard deviations


def test_repeat_runs_its_bound_then_continues(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Market note"
flow archive {
  entry on registered("webinar")
  repeat every 10d at most 3 {
    email market_note: note
  }
  tag "archive-complete"
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")]})
    assert [t["at"][:10] for t in sim.touches("c1")] == ["2026-01-05", "2026-01-15", "2026-01-25"]
    assert sim.of("c1", "tag")[0]["at"][:10] == "2026-02-04"  # `done` one interval after the third


def test_goto_loops_until_the_exit_and_move_to_starts_the_other_flow(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow first {
  entry on registered("webinar")
  exit on clicked(any)
  email reminder: note
  wait 7d
  branch {
    when not opened(reminder) within 7d { goto reminder }
  }
  move to second
}
flow second {
  email welcome_second: note
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1")],
        {
            "c1": [
                Event(at("2026-01-05T10:00:00Z"), "registered", "webinar"),
                Event(at("2026-01-20T10:00:00Z"), "opened", "reminder"),
            ]
        },
    )
    sent = [(t["flow"], t["at"][:10]) for t in sim.touches("c1")]
    assert sent == [("first", "2026-01-05"), ("first", "2026-01-12"), ("first", "2026-01-19"), ("second", "2026-01-26")]
    assert [e["reason"] for e in sim.of("c1", "exit")] == ["moved to second", "completed"]


def test_a_loop_without_a_wait_stops_instead_of_hanging(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow spin {
  entry on registered("webinar")
  task top: "Call them"
  goto top
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")]})
    assert sim.of("c1", "exit")[0]["reason"] == "loop without a wait"


# -- entries ---------------------------------------------------------------------


def test_entry_condition_is_read_when_the_event_happens_and_reentry_is_off_by_default(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow inbound {
  entry on downloaded("resource") when industry == "SaaS"
  email welcome: note
}
""",
    )
    twice = [
        Event(at("2026-01-05T10:00:00Z"), "downloaded", "resource"),
        Event(at("2026-02-05T10:00:00Z"), "downloaded", "resource"),
    ]
    sim = Sim(
        ir,
        [Contact("saas", {"industry": "SaaS"}), Contact("retail", {"industry": "Retail"})],
        {"saas": twice, "retail": twice},
    )
    assert len(sim.touches("saas")) == 1
    assert sim.touches("retail") == []


def test_reentry_after_lets_a_contact_in_again_once_that_long_has_passed(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow inbound {
  entry on downloaded("resource")
  reentry after 30d
  email welcome: note
}
""",
    )
    times = ["2026-01-05", "2026-01-20", "2026-02-10"]
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(at(f"{d}T10:00:00Z"), "downloaded", "resource") for d in times]})
    assert [t["at"][:10] for t in sim.touches("c1")] == ["2026-01-05", "2026-02-10"]


def test_entry_after_a_delay_reads_the_condition_then(tmp_path):
    demo = Event(at("2026-01-05T10:00:00Z"), "attended", "demo")
    sim = Sim(
        programme_ir(),
        [Contact("ghost"), Contact("answered")],
        {"ghost": [demo], "answered": [demo, Event(at("2026-01-06T10:00:00Z"), "replied")]},
    )
    entered = sim.of("ghost", "enter")
    assert [(e["flow"], e["at"]) for e in entered][0] == ("ghost", "2026-01-08T10:00:00Z")
    assert not [e for e in sim.of("answered", "enter") if e["flow"] == "ghost"]


def test_condition_only_entry_fires_when_elapsed_time_passes_a_bound():
    closed = Contact("lost", {"deal": {"stage": "closed_lost", "closed_at": "2025-08-01"}}, "Europe/Berlin")
    sim = Sim(programme_ir(), [closed], {}, start="2026-01-05T00:00:00Z")
    archive = [e for e in sim.of("lost", "enter") if e["flow"] == "archive"]
    # closed_ago reaches 180 days on 2026-01-28
    assert archive and archive[0]["at"][:10] == "2026-01-28"


# -- policy ----------------------------------------------------------------------


def test_quiet_hours_push_a_21_00_send_to_08_00_the_next_allowed_day_in_the_contacts_zone(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
policy {
  quiet_hours 20:00..08:00
  send_days mon..fri
}
flow f {
  entry on registered("webinar")
  email welcome: note
}
""",
    )
    # Tuesday 21:00 in New York -> Wednesday 08:00; Friday 21:00 in Tokyo -> Monday 08:00
    contacts = [Contact("ny", {}, "America/New_York"), Contact("tokyo", {}, "Asia/Tokyo")]
    sim = Sim(
        ir,
        contacts,
        {
            "ny": [Event(at("2026-01-06T21:00:00-05:00"), "registered", "webinar")],
            "tokyo": [Event(at("2026-01-09T21:00:00+09:00"), "registered", "webinar")],
        },
    )
    assert sim.touches("ny")[0]["at"] == "2026-01-07T13:00:00Z"  # 08:00 in New York
    assert sim.touches("tokyo")[0]["at"] == "2026-01-11T23:00:00Z"  # Monday 08:00 in Tokyo
    # Tokyo's Friday night is held for the night and for the weekend: under both
    # reasons, as docs/simulation.md's Counts table says
    assert sim.tally.deferred == {"quiet_hours": 2, "send_days": 1}


def test_two_flows_capped_at_2_per_7_days_never_send_a_third_in_any_7_day_window(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
policy {
  frequency_cap 2 per 7d
  cadence 1d..14d
}
flow one {
  entry on registered("webinar")
  email a1: note
  wait 1d
  email a2: note
  wait 1d
  email a3: note
  wait 2d
  email a4: note
}
flow two {
  entry on registered("webinar")
  email b1: note
  wait 2d
  email b2: note
  wait 1d
  email b3: note
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")]})
    sent = sorted(at(t["at"]) for t in sim.touches("c1"))
    assert len(sent) == 7, "the cap defers touches, it never drops them"
    for i, first in enumerate(sent):
        in_window = [t for t in sent[i:] if t < first + 7 * DAY]
        assert len(in_window) <= 2, f"three touches within 7 days from {first}"
    assert sim.tally.deferred["frequency_cap"] == 5


def test_suppression_stops_touches_from_every_flow_until_revisit(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow long {
  entry on registered("webinar")
  exit on unsubscribed
  email l1: note
  wait 10d
  email l2: note
  wait 30d
  email l3: note
}
flow short {
  entry on registered("webinar")
  email s1: note
  wait 1d
  suppress "cold" revisit 20d
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")]})
    assert sorted(t["step"] for t in sim.touches("c1")) == ["l1", "l3", "s1"]
    assert sim.of("c1", "blocked")[0]["step"] == "l2"
    assert sim.tally.blocked == {"suppressed": 1}


# -- scoring ---------------------------------------------------------------------


def test_thresholds_fire_once_per_crossing_and_negative_points_uncross(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +30 on visited("pricing")
  -40 on unsubscribed
  threshold hot at 50 -> tag "hot"
}
""",
    )
    days = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-09"]
    events = [
        Event(at(f"{days[0]}T10:00:00Z"), "visited", "pricing"),
        Event(at(f"{days[1]}T10:00:00Z"), "visited", "pricing"),  # 60: crosses
        Event(at(f"{days[2]}T10:00:00Z"), "unsubscribed"),  # 20: falls back
        Event(at(f"{days[3]}T10:00:00Z"), "visited", "pricing"),  # 50: crosses again
        Event(at(f"{days[3]}T11:00:00Z"), "visited", "pricing"),
    ]  # 80: still above
    sim = Sim(ir, [Contact("c1")], {"c1": events})
    assert [r["at"][:10] for r in sim.of("c1", "threshold")] == [days[1], days[3]]
    assert sim.tally.crossings["lead.hot"] == 2 and sim.tally.crossed_contacts["lead.hot"] == 1


def test_expired_events_stop_counting_and_can_drop_a_contact_out_of_an_exit(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +25 on attended("webinar") expires 90d
  threshold warm at 25
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1")],
        {
            "c1": [
                Event(at("2026-01-05T10:00:00Z"), "attended", "webinar"),
                Event(at("2026-05-01T10:00:00Z"), "visited", "blog"),
            ]
        },
    )
    scores = [r["score"]["lead"] for r in sim.of("c1", "event")]
    assert scores == [25, 0]


# -- whole runs ------------------------------------------------------------------


def test_the_same_inputs_give_the_same_trace():
    contacts = [ceo("a"), Contact("b", {"industry": "SaaS", "employees": 60}, "Asia/Tokyo")]
    events = {
        "a": [Event(at("2026-01-05T10:00:00Z"), "downloaded", "resource")],
        "b": [Event(at("2026-01-05T10:00:00Z"), "registered", "webinar")],
    }
    assert Sim(programme_ir(), contacts, events).records == Sim(programme_ir(), contacts, events).records


@pytest.mark.parametrize("document", ["format", "version"])
def test_the_runner_refuses_documents_it_does_not_understand(document):
    from nurturedsl.sim.engine import IRError

    ir = dict(programme_ir())
    ir[document] = "2.0.0" if document == "version" else "something-else"
    with pytest.raises(IRError):
        Programme(ir)


def test_history_before_the_start_is_seen_but_starts_nothing(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow inbound {
  entry on downloaded("resource")
  email welcome: note
  wait 1d
  email second: note
}
""",
    )
    history = [
        Event(at("2025-12-01T10:00:00Z"), "downloaded", "resource"),
        Event(at("2025-12-02T10:00:00Z"), "unsubscribed"),
    ]
    now = [Event(at("2026-01-06T10:00:00Z"), "downloaded", "resource")]
    sim = Sim(ir, [Contact("old"), Contact("opted-out")], {"old": history[:1], "opted-out": history + now})
    assert sim.of("old") == []
    assert sim.touches("opted-out") == [], "no email to a contact who unsubscribed before the start"
    assert sim.tally.blocked == {"unsubscribed": 2} and sim.tally.unsubscribes == 0


def test_a_threshold_fires_again_after_decay_took_the_score_below_it(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +40 when title == "CEO"
  +25 on visited("pricing") decay half_life 30d
  threshold sql above 60 -> notify sdr "{name} is at {score}"
}
""",
    )
    visits = [
        Event(at("2026-01-05T10:00:00Z"), "visited", "pricing"),  # 65: crosses
        Event(at("2026-03-01T10:00:00Z"), "visited", "pricing"),
    ]  # the first is worth ~7 by now: ~72
    sim = Sim(ir, [Contact("c1", {"title": "CEO", "name": "Ada"})], {"c1": visits})
    alerts = sim.of("c1", "notify")
    assert [a["at"][:10] for a in alerts] == ["2026-01-05", "2026-03-01"]
    assert alerts[0]["text"] == "Ada is at 65"
    assert sim.tally.crossings["lead.sql"] == 2 and sim.tally.crossed_contacts["lead.sql"] == 1


def test_a_within_window_is_looked_at_again_when_its_event_has_left_it(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow recent {
  entry when not visited("pricing") within 7d and tagged "watch"
  email nudge: note
}
""",
    )
    visit = Event(at("2026-01-05T10:00:00Z"), "visited", "pricing")  # history before the start
    sim = Sim(ir, [Contact("c1", {"tags": ["watch"]})], {"c1": [visit]}, start="2026-01-06T00:00:00Z")
    entered = sim.of("c1", "enter")
    assert [e["at"] for e in entered] == ["2026-01-12T10:00:01Z"]


def test_a_contact_created_after_the_start_exists_only_from_then_on():
    late = ceo("late", created_at="2026-01-20")
    sim = Sim(programme_ir(), [late], {}, start="2026-01-05T00:00:00Z")
    first = sim.of("late")[0]
    assert (first["type"], first["at"]) == ("threshold", "2026-01-20T00:00:00Z")  # fit alone: 50, lead.mql
    entered = [e for e in sim.of("late", "enter") if e["flow"] == "reengage"]
    assert entered[0]["at"] == "2026-04-20T00:00:00Z", "inactive for 90 days counted from created_at"
