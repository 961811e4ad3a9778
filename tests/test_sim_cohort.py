"""Cohort mode's model: synthetic contacts, arrivals, responses, intervals."""

import datetime as dt
import json
import math
import os
import re
import statistics
import subprocess
import sys
import textwrap
from collections import Counter

import pytest

from nurturedsl.ir import compile_programme, dumps
from nurturedsl.model import load
from nurturedsl.sim.cohort import CohortError, contact_rng, interval, load_responses, parse_responses
from nurturedsl.sim.contact import Contact, Event, Touch

from .conftest import PLAYBOOKS, ROOT

EXAMPLE = ROOT / "examples" / "responses.toml"
START = 1767225600.0  # 2026-01-01T00:00:00Z
DAY = 86400


@pytest.fixture(scope="module")
def ir():
    return json.loads(dumps(compile_programme(load(str(PLAYBOOKS / "programme.nurture")))))


@pytest.fixture(scope="module")
def example(ir):
    return load_responses(str(EXAMPLE), ir)


def parse(ir, text):
    return parse_responses(textwrap.dedent(text), ir, "responses.toml")


def error(ir, text) -> str:
    with pytest.raises(CohortError) as info:
        parse(ir, text)
    return str(info.value)


def touch(node="ask", channel="email", content="walkthrough", kind="ask", action=None, flow="inbound"):
    return Touch(flow, node, channel, content, kind, action)


def docstring_example() -> str:
    """The model documented in docs/simulation.md."""
    doc = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    rest = doc[doc.index("### The model file") :]
    begin = rest.index("```toml") + len("```toml")
    return rest[begin : rest.index("```", begin)]


# ---------------------------------------------------------------- loading


def test_the_example_and_the_documented_example_load(ir, example):
    contact, _ = example.contact(0, 1, START)
    assert contact.id == "cohort-000001"
    documented = parse(ir, docstring_example())
    contact, _ = documented.contact(0, 1, START)
    assert contact.data["name"] == "Contact 1" and contact.data["company"] == "Company 1"


def test_an_empty_file_gives_bare_contacts_and_no_responses(ir):
    model = parse(ir, "")
    contact, events = model.contact(16, 3, START)
    assert contact == Contact(
        "cohort-000017", {"id": "cohort-000017", "tags": [], "consent": [], "name": "Contact 17"}, None, 0
    )
    assert events == []
    assert model.respond(contact, touch(), START, contact_rng(3, contact.id), None) == []


def test_a_missing_file_is_a_cohort_error(ir, tmp_path):
    with pytest.raises(CohortError, match=r"cannot read .*nope\.toml: No such file"):
        load_responses(str(tmp_path / "nope.toml"), ir)


# ---------------------------------------------------------------- contacts


def test_contacts_are_deterministic_and_differ_by_index_and_seed(ir, example):
    again = load_responses(str(EXAMPLE), ir)
    for i in (0, 1, 999, 123456):
        assert example.contact(i, 42, START) == again.contact(i, 42, START)
    # called in any order: contact i depends on (seed, i) alone
    forward = [example.contact(i, 5, START) for i in range(50)]
    backward = [again.contact(i, 5, START) for i in reversed(range(50))][::-1]
    assert forward == backward
    datas = [c.data for c, _ in forward]
    assert (
        len(
            {
                json.dumps({k: v for k, v in d.items() if k not in ("id", "name", "company", "email")}, sort_keys=True)
                for d in datas
            }
        )
        > 40
    )
    a, _ = example.contact(7, 1, START)
    b, _ = example.contact(7, 2, START)
    assert a.id == b.id == "cohort-000008"
    assert a.data != b.data


def test_contacts_are_the_same_in_another_process(example):
    code = (
        "import json, sys; from nurturedsl.model import load; from nurturedsl.ir import compile_programme, dumps;"
        "from nurturedsl.sim.cohort import load_responses, contact_rng;"
        "ir = json.loads(dumps(compile_programme(load(sys.argv[1]))));"
        "m = load_responses(sys.argv[2], ir); c, e = m.contact(314, 9, 1767225600.0);"
        "print(json.dumps([c.data, c.timezone, e, contact_rng(9, c.id).random()]))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code, str(PLAYBOOKS / "programme.nurture"), str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    contact, events = example.contact(314, 9, START)
    here = [contact.data, contact.timezone, [list(e) for e in events], contact_rng(9, contact.id).random()]
    assert json.loads(out) == here


def test_random_streams_are_pinned(ir):
    # A change here changes every simulation's output: make it only on purpose.
    assert contact_rng(1, "cohort-000001").random() == 0.7980514895995429
    assert contact_rng(1, "cohort-000001").random() != contact_rng(2, "cohort-000001").random()
    assert contact_rng(1, "cohort-000001").random() != contact_rng(1, "cohort-000002").random()
    model = parse(
        ir,
        """
        [population]
        employees = { uniform = [0, 1000000] }
        industry = { choice = ["A", "B", "C"] }
    """,
    )
    assert [model.contact(i, 1, START)[0].data for i in range(3)] == [
        {"id": "cohort-000001", "tags": [], "consent": [], "name": "Contact 1", "employees": 901382, "industry": "A"},
        {"id": "cohort-000002", "tags": [], "consent": [], "name": "Contact 2", "employees": 325770, "industry": "B"},
        {"id": "cohort-000003", "tags": [], "consent": [], "name": "Contact 3", "employees": 809983, "industry": "A"},
    ]


def test_a_model_pickles_for_worker_processes(example):
    import pickle

    copy = pickle.loads(pickle.dumps(example))
    assert [copy.contact(i, 3, START) for i in range(20)] == [example.contact(i, 3, START) for i in range(20)]
    contact, _ = example.contact(0, 3, START)
    assert copy.params(touch(), ("icp",)) == example.params(touch(), ("icp",))


def test_ids_grow_past_six_digits(ir):
    model = parse(ir, "")
    assert model.contact(999_999, 1, START)[0].id == "cohort-1000000"


def test_the_example_population_matches_its_weights(example):
    n = 20000
    industries, titles, closed, stages, sms, phones, tags, downloads = Counter(), Counter(), 0, Counter(), 0, 0, 0, 0
    employees, registered = [], 0
    start_day = dt.date(2026, 1, 1)
    pairs = set()
    for i in range(n):
        c, events = example.contact(i, 2026, START)
        d = c.data
        industries[d["industry"]] += 1
        titles[d["title"]] += 1
        pairs.add((d["title"], d["role"]))
        employees.append(d["employees"])
        assert isinstance(d["employees"], int) and d["employees"] >= 2
        assert d["timezone"] == c.timezone
        if "deal" in d:
            stages[d["deal"]["stage"]] += 1
            ago = (start_day - dt.date.fromisoformat(d["deal"]["closed_at"])).days
            assert 150 <= ago <= 400
            assert set(d["deal"]) == {"stage", "closed_at", "amount", "lost_reason"}
            closed += 1
        sms += "sms" in d["consent"]
        assert "email" in d["consent"]
        phones += "phone" in d
        tags += "security-whitepaper" in d["tags"]
        names = [e.name for e in events]
        downloads += "downloaded" in names
        registered += "registered" in names
        assert [e.at for e in events] == sorted(e.at for e in events)
        for e in events:
            assert START <= e.at < START + 300 * DAY
            if e.name == "downloaded":
                assert e.arg == "resource" and e.at < START + 180 * DAY
    assert abs(industries["SaaS"] / n - 0.60) < 0.02
    assert abs(industries["Fintech"] / n - 0.25) < 0.02
    assert abs(titles["CTO"] / n - 0.08) < 0.01
    assert ("CTO", "CTO") in pairs and ("Marketing Manager", "Marketing") in pairs and len(pairs) == 9
    assert 110 <= statistics.median(employees) <= 130
    assert abs(closed / n - 0.10) < 0.01 and set(stages) == {"closed_lost"}
    assert abs(sms / n - 0.30) < 0.02
    assert abs(phones / n - 0.40) < 0.02
    assert abs(tags / n - 0.08) < 0.01
    assert abs(downloads / n - 0.40) < 0.02
    assert abs(registered / n - 0.15) < 0.015


def test_every_form_of_attribute(ir):
    model = parse(
        ir,
        """
        [population]
        industry  = "SaaS"
        country   = { choice = ["DE", "AT"] }
        employees = { uniform = [10, 12] }
        revenue   = { uniform = [1.5, 2.5], present = 0.5 }
        "deal.amount" = { values = { "100" = 1, "2.5" = 1 } }
        created_at = 2025-06-01
        "deal.closed_at" = { days_ago = [0, 2] }
        deal = { stage = "closed_lost" }
        phone     = { present = 0.5 }
        email     = { present = 1.0 }
        lifecycle_stage = { present = 1.0 }
        name      = { choice = ["Dana Roe", "Sam Lee"] }
        timezone  = "America/New_York"
        tags      = { vip = 1.0, "roi-calculator" = 0.5 }
        consent   = { sms = 0.5, email = 1.0 }
    """,
    )
    seen = {k: set() for k in ("country", "employees", "amount", "closed_at", "name")}
    revenue = phone = 0
    n = 4000
    for i in range(n):
        c, _ = model.contact(i, 1, START)
        d = c.data
        assert d["industry"] == "SaaS" and d["created_at"] == "2025-06-01"
        assert d["deal"]["stage"] == "closed_lost"
        assert d["email"] == f"contact{i + 1}@example.com"
        assert d["lifecycle_stage"] == f"lifecycle_stage {i + 1}"
        assert d["tags"][0] == "vip" and c.timezone == "America/New_York"
        assert d["consent"][0] == "email"  # channel order, not file order
        seen["country"].add(d["country"])
        seen["employees"].add(d["employees"])
        seen["amount"].add(d["deal"]["amount"])
        seen["closed_at"].add(d["deal"]["closed_at"])
        seen["name"].add(d["name"])
        if "revenue" in d:
            revenue += 1
            assert 1.5 <= d["revenue"] <= 2.5 and isinstance(d["revenue"], float)
        if "phone" in d:
            phone += 1
            assert d["phone"] == f"+1-555-{i + 1:07d}"
    assert seen["country"] == {"DE", "AT"}
    assert seen["employees"] == {10, 11, 12}
    assert seen["amount"] == {100, 2.5}
    assert seen["closed_at"] == {"2026-01-01", "2025-12-31", "2025-12-30"}
    assert seen["name"] == {"Dana Roe", "Sam Lee"}
    assert abs(revenue / n - 0.5) < 0.04 and abs(phone / n - 0.5) < 0.04


def test_lognormal_median_spread_and_clamps(ir):
    model = parse(
        ir,
        """
        [population]
        employees = { lognormal = { median = 100, sigma = 0.5, max = 200 } }
        revenue   = { lognormal = { median = 1000.0, sigma = 1.0 } }
    """,
    )
    emp, rev = [], []
    for i in range(20000):
        d = model.contact(i, 8, START)[0].data
        emp.append(d["employees"])
        rev.append(d["revenue"])
    assert all(isinstance(e, int) and e <= 200 for e in emp) and max(emp) == 200
    assert 95 <= statistics.median(emp) <= 105
    assert all(isinstance(r, float) for r in rev)
    assert 950 <= statistics.median(rev) <= 1050
    # sigma 1: the quartiles are median * exp(+-0.6745)
    q = statistics.quantiles(rev, n=4)
    assert 1000 * math.exp(-0.6745) * 0.93 < q[0] < 1000 * math.exp(-0.6745) * 1.07
    assert 1000 * math.exp(0.6745) * 0.93 < q[2] < 1000 * math.exp(0.6745) * 1.07


def test_profiles_draw_attributes_together(ir):
    model = parse(
        ir,
        """
        [[population.profiles.persona]]
        weight = 3
        title = "CTO"
        role = "CTO"
        tags = { "security-whitepaper" = 1.0 }

        [[population.profiles.persona]]
        weight = 1
        title = "CFO"
        role = "CFO"

        [[population.profiles.deal]]
        weight = 1

        [[population.profiles.deal]]
        weight = 1
        deal = { stage = "closed_lost", closed_at = { days_ago = [200, 200] } }
    """,
    )
    ctos = deals = 0
    n = 8000
    for i in range(n):
        d = model.contact(i, 4, START)[0].data
        assert (d["title"], d["role"]) in {("CTO", "CTO"), ("CFO", "CFO")}
        assert (d["tags"] == ["security-whitepaper"]) == (d["title"] == "CTO")
        ctos += d["title"] == "CTO"
        if "deal" in d:
            deals += 1
            assert d["deal"] == {"stage": "closed_lost", "closed_at": "2025-06-15"}
    assert abs(ctos / n - 0.75) < 0.03
    assert abs(deals / n - 0.5) < 0.03


def test_arrivals(ir):
    model = parse(
        ir,
        """
        [[arrivals]]
        event = "downloaded"
        arg = "resource"
        probability = 0.3
        within = "90d"

        [[arrivals]]
        event = "registered"
        within = "2w"
        after = "1d12h"
    """,
    )
    n, downloads = 10000, 0
    for i in range(n):
        _, events = model.contact(i, 11, START)
        registered = [e for e in events if e.name == "registered"]
        assert len(registered) == 1 and registered[0].arg is None
        assert START + 1.5 * DAY <= registered[0].at < START + 15.5 * DAY
        for e in events:
            if e.name == "downloaded":
                downloads += 1
                assert e.arg == "resource" and START <= e.at < START + 90 * DAY
        assert [e.at for e in events] == sorted(e.at for e in events)
    assert abs(downloads / n - 0.3) < 0.02


# ---------------------------------------------------------------- responses

ALWAYS = """
    [responses.email]
    open = 1
    click = 1
    visit_pricing = 1
    book_demo = 1
    reply = 1
    unsubscribe = 1
    delay = "2h"
"""


def names(events):
    return sorted((e.name, e.arg) for e in events)


def test_an_email_that_does_everything_does_it_in_causal_order(ir):
    model = parse(ir, ALWAYS)
    contact, _ = model.contact(0, 1, START)
    rng = contact_rng(1, contact.id)
    for _ in range(500):
        events = model.respond(contact, touch(node="ask"), START, rng, None)
        assert names(events) == [
            ("booked", "demo"),
            ("clicked", "ask"),
            ("opened", "ask"),
            ("replied", "ask"),
            ("unsubscribed", None),
            ("visited", "pricing"),
        ]
        at = {e.name: e.at for e in events}
        assert all(t > START for t in at.values())
        assert at["opened"] < at["clicked"] < at["visited"] and at["clicked"] < at["booked"]
        assert [e.at for e in events] == sorted(e.at for e in events)


def test_response_delays_are_exponential_with_the_mean_given(ir):
    model = parse(ir, ALWAYS)
    contact, _ = model.contact(0, 1, START)
    rng = contact_rng(1, contact.id)
    gaps = [
        next(e.at for e in model.respond(contact, touch(), START, rng, None) if e.name == "opened") - START
        for _ in range(20000)
    ]
    assert 7000 < statistics.mean(gaps) < 7400  # 1 s + 2 h
    assert 0.6 < sum(g < 7201 for g in gaps) / len(gaps) < 0.66  # 1 - 1/e


def test_probabilities_match_over_many_touches(example, ir):
    contact, _ = example.contact(0, 1, START)
    rng = contact_rng(1, contact.id)
    n = 40000
    counts = Counter()
    for _ in range(n):
        for e in example.respond(
            contact, touch(node="welcome", content="blog_post", kind="give"), START, rng, lambda s, c: False
        ):
            counts[e.name] += 1
    assert abs(counts["opened"] / n - 0.28) < 0.01
    assert abs(counts["clicked"] / n - 0.028) < 0.004
    assert abs(counts["replied"] / n - 0.012) < 0.003
    assert counts["unsubscribed"] / n < 0.006


def test_other_channels_have_no_opens_and_click_given_delivery(ir):
    model = parse(
        ir,
        """
        [responses.sms]
        click = 1
        book_demo = 1
        [responses.default]
        open = 0
    """,
    )
    contact, _ = model.contact(0, 1, START)
    events = model.respond(
        contact,
        touch(node="nudge", channel="sms", content="sms_reminder", kind="give"),
        START,
        contact_rng(1, contact.id),
        None,
    )
    assert names(events) == [("booked", "demo"), ("clicked", "nudge")]


def test_ads_removal_gets_no_response(ir):
    model = parse(ir, "[responses.default]\nclick = 1\nreply = 1\n")
    contact, _ = model.contact(0, 1, START)
    rng = contact_rng(1, contact.id)
    assert (
        model.respond(
            contact, touch(node="off", channel="ads", content=None, kind=None, action="remove"), START, rng, None
        )
        == []
    )
    assert names(
        model.respond(contact, touch(node="on", channel="ads", content=None, kind=None, action="add"), START, rng, None)
    ) == [("clicked", "on"), ("replied", "on")]


PRECEDENCE = """
    [responses.default]
    reply = 1
    [responses.email]
    open = 1
    [responses.linkedin]
    click = 1
    [responses.content.walkthrough]
    book_demo = 1
    [responses.content.blog_post]
    open = 0
    [responses.segment.icp.email]
    click = 1
    unsubscribe = 1
    [responses.segment.icp.content.walkthrough]
    reply = 0
    visit_pricing = 1
    [responses.segment.technical.content.walkthrough]
    reply = 1
    unsubscribe = 0
"""


def test_precedence_key_by_key(ir):
    model = parse(ir, PRECEDENCE)
    contact, _ = model.contact(0, 1, START)
    rng = contact_rng(1, contact.id)
    asked = []

    def member(*segments):
        def in_segment(name, c):
            assert c is contact
            asked.append(name)
            return name in segments

        return in_segment

    def respond(t, in_segment):
        return names(model.respond(contact, t, START, rng, in_segment))

    ask, blog = touch(), touch(node="welcome", content="blog_post", kind="give")
    # plain: channel open, default reply, content book_demo (needs a click: none)
    assert respond(ask, member()) == [("opened", "ask"), ("replied", "ask")]
    # icp: segment+channel click and unsubscribe, segment+content reply 0 and visit
    assert respond(ask, member("icp")) == [
        ("booked", "demo"),
        ("clicked", "ask"),
        ("opened", "ask"),
        ("unsubscribed", None),
        ("visited", "pricing"),
    ]
    # both: icp comes first in the file, so its reply = 0 wins; technical's
    # unsubscribe = 0 (segment+content) beats icp's unsubscribe = 1 (segment+channel)
    assert respond(ask, member("icp", "technical")) == [
        ("booked", "demo"),
        ("clicked", "ask"),
        ("opened", "ask"),
        ("visited", "pricing"),
    ]
    assert respond(ask, member("technical")) == [("opened", "ask"), ("replied", "ask")]
    # content beats channel: blog_post is never opened, so no click even for icp
    assert respond(blog, member("icp")) == [("replied", "welcome"), ("unsubscribed", None)]
    # in_segment is asked only about segments with a table for the touch
    asked.clear()
    assert respond(
        touch(node="follow", channel="linkedin", content=None, kind=None, action="follow"), member("icp")
    ) == [("clicked", "follow"), ("replied", "follow")]
    respond(blog, member())
    assert asked == ["icp"]
    # without in_segment no segment applies
    assert respond(ask, None) == [("opened", "ask"), ("replied", "ask")]


def test_params_shows_the_resolved_values(ir):
    model = parse(ir, PRECEDENCE)
    assert model.segments == ("icp", "technical")
    p = model.params(touch(), ("icp",))
    assert p == {
        "open": 1.0,
        "click": 1.0,
        "reply": 0.0,
        "visit_pricing": 1.0,
        "book_demo": 1.0,
        "unsubscribe": 1.0,
        "delay": 21600.0,
    }
    assert model.params(touch(channel="sms", content="sms_reminder"))["open"] == 1.0
    assert model.params(touch(content="blog_post"))["open"] == 0.0


def test_responses_are_deterministic_with_contact_rng(example):
    contact, _ = example.contact(3, 77, START)
    touches = [
        touch(),
        touch(node="welcome", content="blog_post", kind="give"),
        touch(node="nudge", channel="sms", content="sms_reminder", kind="give"),
    ]

    def run(seed):
        rng = contact_rng(seed, contact.id)
        return [
            example.respond(contact, t, START + i * DAY, rng, lambda s, c: s == "icp")
            for i in range(300)
            for t in touches
        ]

    first = run(77)
    assert first == run(77)
    assert first != run(78)
    assert any(first)
    assert all(isinstance(e, Event) and e.at > START for events in first for e in events)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "text, message",
    [
        # tables and keys
        ('[populaton]\nindustry = "SaaS"\n', "responses.toml: [populaton]: unknown table; did you mean [population]?"),
        ("seed = 3\n", "responses.toml: the top level: unknown key `seed`"),
        (
            "[responses.emial]\nopen = 0.3\n",
            "responses.toml: [responses.emial]: unknown table; did you mean [responses.email]?",
        ),
        (
            "[responses.email]\nopn = 0.3\n",
            "responses.toml: [responses.email]: unknown key `opn`; did you mean `open`?",
        ),
        (
            "[responses]\nopen = 0.3\n",
            "responses.toml: [responses]: unknown key `open`; probabilities go in a table such as [responses.default]",
        ),
        (
            "[responses.sms]\nopen = 0.9\n",
            "responses.toml: [responses.sms]: `open` applies to email only: sms, linkedin and ads record no opens "
            "(`click` is given delivery there)",
        ),
        (
            "[responses.content.walkthru]\nbook_demo = 0.3\n",
            "responses.toml: [responses.content.walkthru]: unknown content `walkthru`; did you mean `walkthrough`?",
        ),
        (
            "[responses.segment.icq.email]\nopen = 0.4\n",
            "responses.toml: [responses.segment.icq]: unknown segment `icq`; did you mean `icp`?",
        ),
        (
            "[responses.segment.icp.emial]\nopen = 0.4\n",
            "responses.toml: [responses.segment.icp.emial]: unknown table; did you mean [responses.segment.icp.email]?",
        ),
        (
            "[responses.segment.icp]\nopen = 0.4\n",
            "responses.toml: [responses.segment.icp]: unknown key `open`: a segment's probabilities go in its channel "
            "or content tables, such as [responses.segment.icp.email]",
        ),
        (
            "[responses.segment.icp.content.case_studdy]\nclick = 0.2\n",
            "responses.toml: [responses.segment.icp.content.case_studdy]: unknown content `case_studdy`; "
            "did you mean `case_study`?",
        ),
        # probabilities and durations
        (
            "[responses.email]\nopen = 30\n",
            "responses.toml: [responses.email]: `open` must be a probability from 0 to 1, not 30",
        ),
        (
            "[responses.email]\nclick = -0.1\n",
            "responses.toml: [responses.email]: `click` must be a probability from 0 to 1, not -0.1",
        ),
        (
            '[responses.email]\nreply = "1%"\n',
            'responses.toml: [responses.email]: `reply` must be a probability from 0 to 1, not "1%"',
        ),
        (
            '[responses.default]\ndelay = "6 hours"\n',
            'responses.toml: [responses.default]: `delay` must be a duration like "3d" (units: s, m, h, d, w), '
            'not "6 hours"',
        ),
        (
            '[responses.default]\ndelay = "0h"\n',
            "responses.toml: [responses.default]: `delay` must be longer than zero",
        ),
        # population
        (
            '[population]\nindusty = "SaaS"\n',
            "responses.toml: [population]: unknown attribute `industy`; did you mean `industry`?",
        ),
        (
            '[population]\nemployees = "many"\n',
            'responses.toml: [population] employees: `employees` is a number attribute: a number, not "many"',
        ),
        (
            "[population]\nindustry = { value = { SaaS = 1 } }\n",
            "responses.toml: [population] industry: unknown key `value`; did you mean `values`?",
        ),
        (
            "[population]\nindustry = { uniform = [1, 2] }\n",
            "responses.toml: [population] industry: `uniform` needs a number or duration attribute; `industry` is a string",
        ),
        (
            "[population]\nemployees = { uniform = [50, 10] }\n",
            "responses.toml: [population] employees: `uniform` runs backwards: 50 is above 10",
        ),
        (
            "[population]\nemployees = { present = 0.5 }\n",
            "responses.toml: [population] employees: give a value: one of `values`, `choice`, `uniform`, `lognormal`, "
            "`days_ago` (`present` alone generates placeholders for string attributes only)",
        ),
        (
            "[population]\nphone = { present = 1.5 }\n",
            "responses.toml: [population] phone: `present` must be a probability from 0 to 1, not 1.5",
        ),
        (
            "[population]\nemployees = { lognormal = { median = 120, sigma = 1.0, mx = 9 } }\n",
            "responses.toml: [population] employees lognormal: unknown key `mx`; did you mean `max`?",
        ),
        (
            "[population]\nemployees = { lognormal = { median = 120 } }\n",
            "responses.toml: [population] employees lognormal: `sigma` is missing",
        ),
        (
            '[population]\ncreated_at = "2026-02-30"\n',
            "responses.toml: [population] created_at: `created_at` is a date attribute: a date (YYYY-MM-DD), "
            'not "2026-02-30"',
        ),
        (
            '[population]\n"deal.closed_at" = { days_ago = [400, 150] }\n',
            "responses.toml: [population] deal.closed_at: `days_ago` runs backwards: 400 is above 150",
        ),
        (
            '[population]\n"deal.closed_ago" = "200d"\n',
            "responses.toml: [population]: `deal.closed_ago` is computed from `deal.closed_at`; give `deal.closed_at` instead",
        ),
        (
            '[population]\nid = "x"\n',
            "responses.toml: [population]: `id` is the contact's id (`cohort-000001`...) and cannot be given",
        ),
        (
            '[population]\ntimezone = { values = { "Europe/Berlin" = 0.5, "Europe/Berlim" = 0.5 } }\n',
            "responses.toml: [population] timezone: unknown time zone `Europe/Berlim`; use an IANA name such as "
            '"Europe/Berlin" or "UTC"',
        ),
        (
            "[population]\nconsent = { emial = 1.0 }\n",
            "responses.toml: [population] consent: unknown channel `emial`; did you mean `email`?",
        ),
        (
            "[population]\ntags = { vip = 2 }\n",
            "responses.toml: [population] tags: `vip` must be a probability from 0 to 1, not 2",
        ),
        (
            "[population]\nindustry = { values = { SaaS = 0, Retail = 0 } }\n",
            "responses.toml: [population] industry: the weights of `values` add up to 0",
        ),
        (
            '[population]\ntitle = "CTO"\n[[population.profiles.persona]]\ntitle = "CFO"\n',
            "responses.toml: [[population.profiles.persona]] #1: `title` is also given in [population]: "
            "give each attribute in one place",
        ),
        (
            "[[population.profiles.persona]]\nweight = -1\n",
            "responses.toml: [[population.profiles.persona]] #1: `weight` must be a weight (a number, 0 or more), not -1",
        ),
        (
            '[[population.profiles.persona]]\ntitel = "CTO"\n',
            "responses.toml: [[population.profiles.persona]] #1: unknown attribute `titel`; did you mean `title`?",
        ),
        (
            "[population]\ntimezone = { present = 0.5 }\n",
            "responses.toml: [population] timezone: give time zones with `values` or `choice`, or one zone as a string",
        ),
        (
            '[population]\ntags = ["vip"]\n',
            'responses.toml: [population]: write `tags` as a table of probabilities: tags = { "vip" = 0.1 }',
        ),
        (
            '[population]\n"deal.stage" = "open"\ndeal = { stage = "won" }\n',
            "responses.toml: [population]: `deal.stage` is given twice",
        ),
        (
            "[[population.profiles.deal]]\nconsent = { email = 1 }\n",
            "responses.toml: [[population.profiles.deal]] #1: `consent` belongs in [population], not in a profile",
        ),
        (
            "[responses.content]\nwalkthrough = 0.3\n",
            "responses.toml: [responses.content.walkthrough]: must be a table, not 0.3",
        ),
        # arrivals
        (
            '[[arrivals]]\nevent = "downlaoded"\nwithin = "90d"\n',
            "responses.toml: [[arrivals]] #1: unknown event `downlaoded`; did you mean `downloaded`?",
        ),
        (
            '[[arrivals]]\nevent = "downloaded"\nwithin = "90d"\n[[arrivals]]\nevent = "registered"\nwithn = "9d"\n',
            "responses.toml: [[arrivals]] #2: unknown key `withn`; did you mean `within`?",
        ),
        (
            '[[arrivals]]\nevent = "downloaded"\n',
            'responses.toml: [[arrivals]] #1: `within` is missing: the window the event falls in, such as "90d"',
        ),
        (
            '[[arrivals]]\nevent = "downloaded"\nwithin = "90 days"\n',
            'responses.toml: [[arrivals]] #1: `within` must be a duration like "3d" (units: s, m, h, d, w), '
            'not "90 days"',
        ),
        (
            '[[arrivals]]\nevent = "downloaded"\nwithin = "9d"\nprobability = 1.2\n',
            "responses.toml: [[arrivals]] #1: `probability` must be a probability from 0 to 1, not 1.2",
        ),
        (
            '[arrivals]\nevent = "downloaded"\n',
            "responses.toml: [arrivals]: write each arrival as [[arrivals]] (an array of tables)",
        ),
    ],
)
def test_errors(ir, text, message):
    assert error(ir, text) == message


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("[responses.email]\nopen = 30%\n", 2, "Expected newline or end of document after a statement"),
        ("[responses.email]\nopen = \n", 2, "Invalid value"),
        ('[population]\nindustry = "SaaS"\n"industry" = "Retail"\n', 3, "Cannot overwrite a value"),
    ],
)
def test_toml_syntax_errors_give_line_and_column(ir, text, line, message):
    # tomllib's wording and columns may change between Python versions: pin
    # the shape, the line, and (on 3.11, where they were written) the rest.
    got = error(ir, text)
    assert re.fullmatch(rf"responses\.toml:{line}:\d+: not valid TOML: \S.*", got), got
    if sys.version_info[:2] == (3, 11):
        assert got.endswith(": not valid TOML: " + message)


# ---------------------------------------------------------------- intervals


def test_interval_of_known_values():
    mean, low, high = interval([1, 2, 3, 4, 5])
    assert mean == 3
    half = 2.776 * statistics.stdev([1, 2, 3, 4, 5]) / math.sqrt(5)
    assert half == pytest.approx(1.963, abs=5e-4)
    assert (low, high) == (pytest.approx(3 - half), pytest.approx(3 + half))


def test_interval_edge_cases():
    assert interval([7.5]) == (7.5, 7.5, 7.5)
    assert interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    assert interval([0, 2]) == (1.0, pytest.approx(1 - 12.706), pytest.approx(1 + 12.706))
    mean, low, high = interval([0, 1] * 50)  # beyond 30 degrees of freedom: 1.96
    assert mean == 0.5
    assert high - mean == pytest.approx(1.96 * statistics.stdev([0, 1] * 50) / 10)
    with pytest.raises(ValueError):
        interval([])
