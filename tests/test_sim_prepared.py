"""What the engine keeps between steps must follow the contact: a segment's
answer (kept until attributes or tags change) and the next moment a touch
may go out (kept per moment and time zone). Each test fails on an engine
that keeps the answer too long or shares it between contacts."""

from __future__ import annotations

from nurturedsl.sim.contact import Contact, Event

from .test_sim_semantics import START, day
from .test_simulate import Sim, playbook

SEGMENTS = """
content note give "Note"
segment fits = industry == "SaaS" and employees >= 50
segment watched = tagged "watch"
flow promote {
  entry on downloaded("guide")
  set industry = "SaaS"
  tag "watch"
}
flow fitting {
  entry on downloaded("resource") when fits
  email hello: note
}
flow watching {
  entry on downloaded("resource") when watched
  email hi: note
}
"""


def test_a_segment_answers_anew_once_a_step_changes_what_it_reads(tmp_path):
    ir = playbook(tmp_path, SEGMENTS)
    events = [
        Event(day(1), "downloaded", "resource"),  # not in either segment yet: enters neither
        Event(day(2), "downloaded", "guide"),  # `set industry`, `tag "watch"`
        Event(day(3), "downloaded", "resource"),  # now in both
    ]
    contact = Contact("c1", {"industry": "Retail", "employees": 120}, "UTC")
    sim = Sim(ir, [contact], {"c1": events}, start=START)
    entered = [(r["flow"], r["at"]) for r in sim.of("c1", "enter")]
    assert entered == [
        ("promote", "2026-01-07T10:00:00Z"),
        ("fitting", "2026-01-08T10:00:00Z"),
        ("watching", "2026-01-08T10:00:00Z"),
    ]
    assert sim.tally.entered == {"promote": 1, "fitting": 1, "watching": 1}


def test_a_segment_answer_is_the_contacts_own(tmp_path):
    ir = playbook(tmp_path, SEGMENTS)
    # one runner, one contact after another: the small company between
    # two that fit must not be given their answer, nor they its
    contacts = [
        Contact("fits", {"industry": "SaaS", "employees": 120}, "UTC"),
        Contact("small", {"industry": "SaaS", "employees": 10}, "UTC"),
        Contact("fits too", {"industry": "SaaS", "employees": 50}, "UTC"),
    ]
    download = [Event(day(1), "downloaded", "resource")]
    sim = Sim(ir, contacts, {c.id: download for c in contacts}, start=START)
    assert [r["contact"] for r in sim.records if r["type"] == "enter"] == ["fits", "fits too"]


def test_one_moment_is_held_by_quiet_hours_in_one_zone_and_not_in_another(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
policy {
  quiet_hours 20:00..08:00
}
flow f {
  entry on registered("webinar")
  email hello: note
}
""",
    )
    # 2026-01-06 23:00 UTC is night in London, 08:00 the next morning in
    # Tokyo and 15:00 in Los Angeles: one moment, three answers
    zones = {"london": "Europe/London", "tokyo": "Asia/Tokyo", "la": "America/Los_Angeles"}
    contacts = [Contact(name, {}, zone) for name, zone in zones.items()]
    moment = Event(day(1, hour=23), "registered", "webinar")  # the same moment for all three
    sim = Sim(ir, contacts, {name: [moment] for name in zones}, start=START)
    sent = {name: [t["at"] for t in sim.touches(name)] for name in zones}
    assert sent == {
        "london": ["2026-01-07T08:00:00Z"],  # held until 08:00 London
        "tokyo": ["2026-01-06T23:00:00Z"],  # 08:00 in Tokyo: open at once
        "la": ["2026-01-06T23:00:00Z"],  # 15:00 in Los Angeles: open
    }
    assert sim.tally.deferred == {"quiet_hours": 1}
