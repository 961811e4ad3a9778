"""The parser, construct by construct: what each piece of a playbook turns
into (values, durations in seconds, amounts expanded, how conditions group),
plus the text-level promises: a UTF-8 BOM, Windows line ends and tabs are
all fine, and the caret of a diagnostic stays under tab-indented text.

Syntax trees come from `nurturedsl.syntax.parse`; where a name only means
something once the whole programme is known (a segment, a threshold, a
boolean attribute) the test loads a file with `nurturedsl.model.load`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nurturedsl import nodes as n
from nurturedsl.diagnostics import DiagnosticError, render_text
from nurturedsl.model import load
from nurturedsl.source import SourceFile
from nurturedsl.syntax import parse

PLAYBOOKS = Path(__file__).resolve().parent.parent / "playbooks"

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 604800


# ------------------------------------------------------------------ helpers --


def parse_text(text: str, path: str = "t.nurture") -> n.Document:
    return parse(SourceFile(path, text))


def only(text: str):
    """The one declaration in `text`."""
    (declaration,) = parse_text(text).declarations
    return declaration


def flow(body: str) -> n.Flow:
    return only("flow f {\n" + body + "\n}\n")


def steps(body: str) -> list:
    return flow(body).steps


def step(body: str):
    (s,) = steps(body)
    return s


def condition(text: str):
    return only(f"segment s = {text}\n").condition


def keyed(settings_list) -> dict:
    """Settings by the word they are written with: typed nodes, one kind each."""
    return {s.key: s for s in settings_list}


def load_text(tmp_path: Path, text: str, name: str = "main.nurture"):
    (tmp_path / "nurturedsl.toml").touch()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load(str(path))


def load_problems(tmp_path: Path, text: str) -> list:
    with pytest.raises(DiagnosticError) as caught:
        load_text(tmp_path, text)
    return caught.value.diagnostics


def refs(c) -> list[str]:
    """A condition tree as nested lists of names, for checking grouping:
    `a or b and c` -> ['or', 'a', ['and', 'b', 'c']]."""
    if isinstance(c, n.Ref):
        return ".".join(c.path)
    if isinstance(c, n.Not):
        return ["not", refs(c.item)]
    if isinstance(c, (n.And, n.Or)):
        return [c.type, *(refs(item) for item in c.items)]
    raise AssertionError(f"unexpected {c!r}")


# -------------------------------------------------------------------- files --


def test_empty_file_has_no_declarations():
    assert parse_text("").declarations == []
    assert parse_text("# only a comment\n\n").declarations == []


@pytest.mark.parametrize("path", sorted(PLAYBOOKS.glob("*.nurture")), ids=lambda p: p.name)
def test_bundled_playbooks_parse(path):
    document = parse_text(path.read_text(encoding="utf-8"), str(path))
    assert document.declarations


# ------------------------------------------------------------------ imports --


def test_import_keeps_the_path_as_written():
    imp = only('import "shared/policy.nurture"')
    assert isinstance(imp, n.Import)
    assert imp.path == "shared/policy.nurture"


def test_imported_names_are_usable(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "content.nurture").write_text('content post give "A post"\n')
    programme = load_text(tmp_path, 'import "lib/content.nurture"\nflow f {\n  email post\n}\n')
    assert programme.contents["post"].title == "A post"
    assert len(programme.sources) == 2


# -------------------------------------------------------- playbook header --


def test_playbook_header():
    header = only(
        'playbook "Acme nurture" {\n  owner "revops@acme.example"\n  reviewed 2026-11-02\n'
        '  version "2026.11"\n  description "Inbound and more."\n}'
    )
    assert isinstance(header, n.PlaybookHeader)
    assert header.name == "Acme nurture"
    settings_ = keyed(header.settings)
    assert isinstance(settings_["owner"], n.Owner) and settings_["owner"].text == "revops@acme.example"
    assert isinstance(settings_["reviewed"], n.Reviewed) and settings_["reviewed"].date == "2026-11-02"
    assert isinstance(settings_["version"], n.Version) and settings_["version"].text == "2026.11"
    assert isinstance(settings_["description"], n.Description)
    assert settings_["description"].text == "Inbound and more."


def test_programme_is_named_by_its_header_or_its_file(tmp_path):
    assert load_text(tmp_path, 'playbook "Acme nurture" {\n}\n').name == "Acme nurture"
    assert load_text(tmp_path, "", name="archive.nurture").name == "archive"


# ------------------------------------------------------------------- policy --


def policy(item: str) -> dict:
    return keyed(only("policy {\n  " + item + "\n}").settings)


def test_policy_give_to_get():
    ratio = policy("give_to_get 3:1")["give_to_get"]
    assert isinstance(ratio, n.GiveToGet)
    assert (ratio.gives.value, ratio.asks.value) == (3, 1)


def test_policy_cadence_range_and_single():
    cadence = policy("cadence 7d..14d")["cadence"]
    assert isinstance(cadence, n.Cadence)
    assert (cadence.low.seconds, cadence.high.seconds) == (7 * DAY, 14 * DAY)
    cadence = policy("cadence 10d")["cadence"]
    assert cadence.low.seconds == cadence.high.seconds == 10 * DAY


def test_policy_first_touch():
    assert policy("first_touch within 48h")["first_touch"].within.seconds == 48 * HOUR


def test_policy_max_touches():
    assert policy("max_touches 12")["max_touches"].count.value == 12


def test_policy_frequency_cap():
    cap = policy("frequency_cap 2 per 7d")["frequency_cap"]
    assert (cap.count.value, cap.per.seconds) == (2, 7 * DAY)


def test_policy_quiet_hours():
    quiet = policy("quiet_hours 20:00..08:00")["quiet_hours"]
    assert (quiet.start.text, quiet.end.text) == ("20:00", "08:00")
    assert quiet.end.span.column == quiet.start.span.column + len("20:00..")


def test_policy_send_days_range_and_list():
    days = policy("send_days mon..fri")["send_days"]
    assert (days.form, [d.text for d in days.days]) == ("range", ["mon", "fri"])
    days = policy("send_days mon, wed, fri")["send_days"]
    assert (days.form, [d.text for d in days.days]) == ("list", ["mon", "wed", "fri"])


def test_policy_timezone():
    assert policy('timezone "Europe/Berlin"')["timezone"].zone.text == "Europe/Berlin"


def test_policy_unsubscribe_required():
    assert isinstance(policy("unsubscribe required")["unsubscribe_required"], n.UnsubscribeRequired)


def test_full_policy_checks_clean(tmp_path):
    programme = load_text(
        tmp_path,
        """policy {
  give_to_get   3:1
  cadence       7d..14d
  first_touch   within 48h
  max_touches   12
  frequency_cap 2 per 7d
  quiet_hours   20:00..08:00
  send_days     mon..fri
  timezone      "Europe/Berlin"
  unsubscribe   required
}
""",
    )
    assert {kind.KEY for kind in programme.policy} == {
        "give_to_get",
        "cadence",
        "first_touch",
        "max_touches",
        "frequency_cap",
        "quiet_hours",
        "send_days",
        "timezone",
        "unsubscribe_required",
    }


# ---------------------------------------------------- attributes and events --


def test_attribute_declaration():
    decl = only("attribute contact.vip: bool")
    assert isinstance(decl, n.AttributeDecl)
    assert (decl.path, decl.type_name) == (["contact", "vip"], "bool")


def test_declared_attribute_is_typed_and_usable(tmp_path):
    programme = load_text(
        tmp_path,
        "attribute contact.vip: bool\nattribute trial_ends: date\n"
        "segment v = contact.vip and trial_ends < 2026-01-01\n",
    )
    assert programme.attributes["contact.vip"] == "bool"
    assert programme.attributes["trial_ends"] == "date"
    vip, trial = programme.segments["v"].condition.items
    assert vip.resolved == "attribute"
    assert trial.resolved == "attribute"


def test_event_declaration():
    decls = parse_text("event webinar_attended, trial_started\n").declarations
    assert [d.name for d in decls] == ["webinar_attended", "trial_started"]
    assert all(isinstance(d, n.EventDecl) for d in decls)


# ----------------------------------------------------------------- segments --


def test_segment():
    segment = only('segment icp = industry == "SaaS" and employees >= 50')
    assert isinstance(segment, n.Segment)
    assert segment.name == "icp"
    assert isinstance(segment.condition, n.And)


# ------------------------------------------------------------------ content --


@pytest.mark.parametrize("kind", ["give", "ask"])
def test_content_kind_and_title(kind):
    content = only(f'content walkthrough {kind} "Book a walkthrough"')
    assert (content.name, content.kind, content.title) == ("walkthrough", kind, "Book a walkthrough")
    assert content.options == []


def test_content_with_every_option():
    content = only(
        'content guide give "The guide"\n'
        "  stage early persona technical gated attached\n"
        '  url "https://acme.example/guide" subject "Your guide" body "Here it is."\n'
        '  cta "Read it" unsubscribe link reviewed 2026-11-02'
    )
    options = keyed(content.options)
    assert options["stage"].stage.text == "early"
    assert options["persona"].persona == "technical"
    assert {key for key, o in options.items() if isinstance(o, n.ContentFlag)} == {
        "gated",
        "attached",
        "unsubscribe_link",
    }
    assert {key: o.text for key, o in options.items() if isinstance(o, n.ContentText)} == {
        "url": "https://acme.example/guide",
        "subject": "Your guide",
        "body": "Here it is.",
        "cta": "Read it",
    }
    assert options["reviewed"].date == "2026-11-02"


def test_content_options_may_span_lines_and_any_order():
    content = only('content a give "A"\n  unsubscribe link\n  stage late\n')
    assert [o.key for o in content.options] == ["unsubscribe_link", "stage"]


def test_text_escapes():
    content = only(r'content a give "She said \"hi\"\nthen left\\"')
    assert content.title == 'She said "hi"\nthen left\\'


def test_keywords_can_be_names_where_no_keyword_is_expected():
    document = parse_text(
        'content email give "E"\ncontent wait ask "W"\nflow f {\n  email email\n  wait 1d\n  email wait as ask\n}\n'
    )
    content_a, content_b, f = document.declarations
    assert (content_a.name, content_b.name) == ("email", "wait")
    first, pause, last = f.steps
    assert (first.channel, first.content) == ("email", "email")
    assert pause.duration.seconds == DAY
    assert (last.content, last.intent) == ("wait", "ask")


# ------------------------------------------------------------------ scoring --


def test_fit_rules():
    score = only('score lead {\n  +20 when title == "CEO"\n  -5 when employees < 10\n}')
    assert isinstance(score, n.Score)
    assert [r.points for r in score.fit_rules] == [20, -5]
    assert isinstance(score.fit_rules[0].condition, n.Compare)


def test_fit_rule_on_an_event_count():
    (rule,) = only("score lead {\n  +10 when clicked(any) count >= 3\n}").fit_rules
    test = rule.condition
    assert isinstance(test, n.EventTest)
    assert (test.name, test.args[0].kind, test.count_op, test.count.value) == ("clicked", "any", ">=", 3)


def test_behaviour_rule_with_decay_and_at_most():
    (rule,) = only('score lead {\n  +15 on visited("pricing") decay half_life 30d at most 2\n}').behaviour_rules
    assert rule.points == 15
    assert (rule.event.name, rule.event.args[0].value) == ("visited", "pricing")
    modifiers = keyed(rule.modifiers)
    assert modifiers["decay"].half_life.seconds == 30 * DAY
    assert modifiers["at_most"].count.value == 2


def test_behaviour_rule_with_expires():
    (rule,) = only('score lead {\n  +25 on attended("webinar") expires 90d\n}').behaviour_rules
    assert keyed(rule.modifiers)["expires"].after.seconds == 90 * DAY


def test_behaviour_rule_without_argument_or_modifier():
    (rule,) = only("score lead {\n  -40 on unsubscribed\n}").behaviour_rules
    assert (rule.points, rule.event.name, rule.event.args, rule.modifiers) == (-40, "unsubscribed", [], [])


def test_thresholds_at_and_above():
    score = only("score lead {\n  threshold mql at 40\n  threshold sql above 60\n}")
    assert [(t.name, t.op, t.value.value) for t in score.thresholds] == [("mql", "at", 40), ("sql", "above", 60)]
    assert all(t.actions == [] for t in score.thresholds)


def test_threshold_actions():
    (threshold,) = only(
        "score lead {\n  threshold sql above 60 -> handoff sales\n"
        '    notify sdr "Call {name} now"\n    notify "Hot lead"\n'
        '    move to fast_track\n    tag "hot"\n}'
    ).thresholds
    handoff, notify_sdr, notify_anyone, move, tag = threshold.actions
    assert isinstance(handoff, n.Handoff) and handoff.team == "sales"
    assert (notify_sdr.channel, notify_sdr.recipient, notify_sdr.text) == ("notify", "sdr", "Call {name} now")
    assert (notify_anyone.recipient, notify_anyone.text) == (None, "Hot lead")
    assert isinstance(move, n.MoveTo) and move.flow == "fast_track"
    assert isinstance(tag, n.TagStep) and (tag.tag, tag.remove) == ("hot", False)


def test_rules_and_thresholds_may_interleave():
    score = only('score lead {\n  threshold mql at 40\n  +5 when industry == "SaaS"\n  +1 on opened\n}')
    assert (len(score.fit_rules), len(score.behaviour_rules), len(score.thresholds)) == (1, 1, 1)


# ------------------------------------------------------------- flow headers --


def test_flow_name_and_title():
    assert (flow("").name, flow("").title) == ("f", None)
    titled = only('flow inbound "Inbound: resource downloaded" {\n}')
    assert (titled.name, titled.title) == ("inbound", "Inbound: resource downloaded")


def test_entry_on_event_after_when():
    (entry,) = flow('entry on attended("demo") after 3d when not replied within 3d').entries
    assert (entry.event.name, entry.event.args[0].value) == ("attended", "demo")
    assert entry.delay.seconds == 3 * DAY
    assert isinstance(entry.condition, n.Not)
    assert entry.condition.item.within.seconds == 3 * DAY


def test_entry_on_event_alone_and_entry_when_alone():
    first, second, third = flow("entry on replied\nentry on clicked(any) after 2h\nentry when inactive for 30d").entries
    assert (first.event.name, first.delay, first.condition) == ("replied", None, None)
    assert (second.event.args[0].kind, second.delay.seconds) == ("any", 2 * HOUR)
    assert third.event is None
    assert third.condition.duration.seconds == 30 * DAY


def test_audience_and_goal():
    settings_ = keyed(flow('audience icp\ngoal booked("demo")').settings)
    assert settings_["audience"].condition.path == ["icp"]
    goal = settings_["goal"].condition
    assert (goal.name, goal.args[0].value) == ("booked", "demo")


def test_exit_on_several_conditions():
    f = flow('exit on replied, booked("demo"), unsubscribed, lead.sql')
    assert len(f.exits) == 4
    assert f.exits[0].path == ["replied"]
    assert f.exits[1].name == "booked"
    assert f.exits[3].path == ["lead", "sql"]


def test_flow_cadence_max_touches_reviewed():
    settings_ = keyed(flow("cadence 3d..5d\nmax_touches 6\nreviewed 2026-11-02").settings)
    cadence = settings_["cadence"]
    assert (cadence.low.seconds, cadence.high.seconds) == (3 * DAY, 5 * DAY)
    assert settings_["max_touches"].count.value == 6
    assert settings_["reviewed"].date == "2026-11-02"


def test_reentry_after_and_allowed():
    assert keyed(flow("reentry after 30d").settings)["reentry"].after.seconds == 30 * DAY
    allowed = keyed(flow("reentry allowed").settings)["reentry"]
    assert isinstance(allowed, n.Reentry) and allowed.after is None


def test_header_items_and_steps_may_mix():
    f = flow('entry on replied\nwait 1d\ngoal replied\nexit "done"')
    assert [s.key for s in f.settings] == ["goal"]
    assert [s.type for s in f.steps] == ["wait", "exit"]


# ---------------------------------------------------------------- touches --


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_email_and_sms(channel):
    plain, labelled, give, ask = steps(
        f"{channel} post\n{channel} hello: post\n{channel} post as give\n{channel} demo as ask"
    )
    assert (plain.channel, plain.content, plain.label, plain.intent) == (channel, "post", None, None)
    assert (labelled.label, labelled.content) == ("hello", "post")
    assert (give.content, give.intent) == ("post", "give")
    assert (ask.content, ask.intent) == ("demo", "ask")


@pytest.mark.parametrize("action", ["follow", "engage"])
def test_linkedin_actions_without_content(action):
    touch = step(f"linkedin {action}")
    assert (touch.channel, touch.action, touch.content) == ("linkedin", action, None)


def test_linkedin_connect_and_message_with_content():
    connect, message = steps("linkedin invite: connect intro_note as give\nlinkedin message intro_note")
    assert (connect.label, connect.action, connect.content, connect.intent) == (
        "invite",
        "connect",
        "intro_note",
        "give",
    )
    assert (message.action, message.content, message.intent) == ("message", "intro_note", None)


def test_ads_add_and_remove():
    add, remove, add_with = steps(
        'ads li: add "linkedin-nurture"\nads remove "retargeting"\nads retarget: add "retargeting" with roi_ad as give'
    )
    assert (add.label, add.action, add.audience, add.content) == ("li", "add", "linkedin-nurture", None)
    assert (remove.action, remove.audience) == ("remove", "retargeting")
    assert (add_with.audience, add_with.content, add_with.intent) == ("retargeting", "roi_ad", "give")


def test_task_with_and_without_owner():
    call, note = steps('task call: "Call them" for sdr\ntask "Write a note"')
    assert (call.channel, call.label, call.text, call.recipient) == ("task", "call", "Call them", "sdr")
    assert (note.text, note.recipient) == ("Write a note", None)


def test_notify_with_and_without_recipient():
    to_sdr, to_anyone = steps('notify sdr "Hot lead"\nnotify alert: "Someone replied"')
    assert (to_sdr.channel, to_sdr.recipient, to_sdr.text) == ("notify", "sdr", "Hot lead")
    assert (to_anyone.label, to_anyone.recipient, to_anyone.text) == ("alert", None, "Someone replied")


# ------------------------------------------------------------------- waits --


@pytest.mark.parametrize("text, seconds", [("30m", 30 * MINUTE), ("2h", 2 * HOUR), ("3d", 3 * DAY), ("2w", 2 * WEEK)])
def test_wait_durations_in_seconds(text, seconds):
    wait = step(f"wait {text}")
    assert isinstance(wait, n.Wait)
    assert (wait.duration.seconds, wait.duration.text) == (seconds, text)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from("mhdw"))
def test_any_duration_is_number_times_unit(number, unit):
    assert step(f"wait {number}{unit}").duration.seconds == number * {"m": MINUTE, "h": HOUR, "d": DAY, "w": WEEK}[unit]


def test_negative_and_zero_waits_parse_for_the_checker_to_refuse():
    assert step("wait -3d").duration.seconds == -3 * DAY
    assert step("wait 0d").duration.seconds == 0


def test_wait_until_with_time_out_and_arms():
    wait = step(
        'wait until replied up to 5d {\n  on event { exit "re-engaged" }\n'
        "  on timeout { email close: close_file as ask }\n}"
    )
    assert isinstance(wait, n.WaitUntil)
    assert wait.condition.path == ["replied"]
    assert wait.timeout.seconds == 5 * DAY
    assert [s.reason for s in wait.on_event] == ["re-engaged"]
    assert [(s.label, s.content) for s in wait.on_timeout] == [("close", "close_file")]


def test_wait_until_arms_in_either_order():
    wait = step('wait until replied up to 3d { on timeout { exit } on event { tag "x" } }')
    assert [s.type for s in wait.on_event] == ["tag"]
    assert [s.type for s in wait.on_timeout] == ["exit"]


def test_wait_until_bare():
    wait = step("wait until clicked(any) within 2d")
    assert (wait.timeout, wait.on_event, wait.on_timeout) == (None, None, None)
    assert wait.condition.within.seconds == 2 * DAY


# ---------------------------------------------------------------- control --


def test_branch_with_else():
    branch = step("branch {\n  when technical { email a }\n  when economic { email b }\n  else { linkedin follow }\n}")
    assert isinstance(branch, n.Branch)
    assert [arm.condition.path for arm in branch.arms] == [["technical"], ["economic"]]
    assert [arm.steps[0].content for arm in branch.arms] == ["a", "b"]
    assert [s.action for s in branch.otherwise] == ["follow"]


def test_branch_without_else_and_with_empty_else():
    assert step("branch { when a { wait 1d } }").otherwise is None
    assert step("branch { when a { } else { } }").otherwise == []


def test_split_with_percentages_and_labels():
    split = step('split {\n  33.5% "control" { wait 1d }\n  66.5% { email post }\n}')
    assert isinstance(split, n.Split)
    assert [(arm.percent, arm.name) for arm in split.arms] == [(33.5, "control"), (66.5, None)]
    assert [len(arm.steps) for arm in split.arms] == [1, 1]


def test_repeat_every_at_most():
    repeat = step("repeat every 45d at most 8 {\n  email market_note\n}")
    assert isinstance(repeat, n.Repeat)
    assert (repeat.every.seconds, repeat.at_most.value) == (45 * DAY, 8)
    assert [s.content for s in repeat.steps] == ["market_note"]
    assert step("repeat every 1w { wait 1d }").at_most is None


def test_nested_blocks_keep_source_order():
    outer = step(
        'repeat every 7d {\n  branch {\n    when a { split { 50% { tag "x" } 50% { untag "x" } } }\n  }\n  wait 1d\n}'
    )
    branch, wait = outer.steps
    split = branch.arms[0].steps[0]
    assert [arm.steps[0].remove for arm in split.arms] == [False, True]
    assert wait.duration.seconds == DAY


def test_goto_and_move_to():
    goto, move = steps("goto start\nmove to archive")
    assert isinstance(goto, n.Goto) and goto.target == "start"
    assert isinstance(move, n.MoveTo) and move.flow == "archive"


def test_tag_and_untag():
    tag, untag = steps('tag "archive-complete"\nuntag "hot"')
    assert (tag.tag, tag.remove) == ("archive-complete", False)
    assert (untag.tag, untag.remove) == ("hot", True)


@pytest.mark.parametrize(
    "literal, kind, value",
    [
        ('"SaaS"', "string", "SaaS"),
        ("50", "number", 50),
        ("5M", "amount", 5_000_000),
        ("180d", "duration", 180 * DAY),
        ("2026-01-31", "date", "2026-01-31"),
        ("true", "bool", True),
        ("false", "bool", False),
    ],
)
def test_set_each_kind_of_literal(literal, kind, value):
    s = step(f"set deal.stage = {literal}")
    assert isinstance(s, n.SetStep)
    assert s.path == ["deal", "stage"]
    assert (s.value.kind, s.value.value) == (kind, value)


def test_suppress_with_and_without_revisit():
    revisit, forever = steps('suppress "cold-contacts" revisit 180d\nsuppress "do-not-contact"')
    assert (revisit.list_name, revisit.revisit.seconds) == ("cold-contacts", 180 * DAY)
    assert (forever.list_name, forever.revisit) == ("do-not-contact", None)


def test_handoff():
    assert step("handoff sales").team == "sales"


def test_exit_with_and_without_reason():
    with_reason, bare = steps('exit "re-engaged"\nexit')
    assert with_reason.reason == "re-engaged"
    assert bare.reason is None


# -------------------------------------------------------------- conditions --


@pytest.mark.parametrize(
    "text, grouping",
    [
        ("a or b and c", ["or", "a", ["and", "b", "c"]]),
        ("a and b or c", ["or", ["and", "a", "b"], "c"]),
        ("a or b or c", ["or", "a", "b", "c"]),
        ("a and b and c", ["and", "a", "b", "c"]),
        ("not a and b", ["and", ["not", "a"], "b"]),
        ("not a or b", ["or", ["not", "a"], "b"]),
        ("(a or b) and c", ["and", ["or", "a", "b"], "c"]),
        ("a and (b or c)", ["and", "a", ["or", "b", "c"]]),
        ("not (a or b)", ["not", ["or", "a", "b"]]),
        ("not not a", ["not", ["not", "a"]]),
        ("((a))", "a"),
    ],
)
def test_and_binds_tighter_than_or(text, grouping):
    assert refs(condition(text)) == grouping


def _evaluate(c, truth: dict) -> bool:
    if isinstance(c, n.Ref):
        return truth[c.path[0]]
    if isinstance(c, n.Not):
        return not _evaluate(c.item, truth)
    if isinstance(c, n.And):
        return all(_evaluate(i, truth) for i in c.items)
    return any(_evaluate(i, truth) for i in c.items)


_expressions = st.recursive(
    st.sampled_from(["a", "b", "c", "d"]),
    lambda inner: st.one_of(
        st.builds(lambda x, y: f"{x} and {y}", inner, inner),
        st.builds(lambda x, y: f"{x} or {y}", inner, inner),
        st.builds(lambda x: f"not {x}", inner),
        st.builds(lambda x: f"({x})", inner),
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(_expressions, st.fixed_dictionaries({k: st.booleans() for k in "abcd"}))
def test_conditions_group_like_boolean_algebra(text, truth):
    """`not` before `and` before `or`, as in Python, so Python can be the oracle."""
    assert _evaluate(condition(text), truth) == eval(text, {}, dict(truth))


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    c = condition(f"employees {op} 50")
    assert isinstance(c, n.Compare)
    assert (c.path, c.op, c.value.value) == (["employees"], op, 50)


@pytest.mark.parametrize(
    "literal, kind, value",
    [
        ('"SaaS"', "string", "SaaS"),
        ("50", "number", 50),
        ("-5", "number", -5),
        ("2.5", "number", 2.5),
        ("5M", "amount", 5_000_000),
        ("50k", "amount", 50_000),
        ("1.5M", "amount", 1_500_000),
        ("2.5k", "amount", 2_500),
        ("180d", "duration", 180 * DAY),
        ("12h", "duration", 12 * HOUR),
        ("2026-11-01", "date", "2026-11-01"),
        ("true", "bool", True),
        ("false", "bool", False),
    ],
)
def test_comparison_literals(literal, kind, value):
    c = condition(f"x == {literal}")
    assert (c.value.kind, c.value.value, c.value.text) == (kind, value, literal)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["k", "M"]))
def test_amounts_are_expanded(number, suffix):
    assert condition(f"revenue > {number}{suffix}").value.value == number * {"k": 1_000, "M": 1_000_000}[suffix]


def test_dotted_paths():
    c = condition('deal.stage == "closed_lost"')
    assert c.path == ["deal", "stage"]


def test_in_and_not_in():
    member = condition('role in ["CTO", "VP Engineering"]')
    assert isinstance(member, n.Member)
    assert (member.path, [v.value for v in member.values], member.negated) == (
        ["role"],
        ["CTO", "VP Engineering"],
        False,
    )
    excluded = condition("employees not in [1, 2, 5k]")
    assert excluded.negated is True
    assert [v.value for v in excluded.values] == [1, 2, 5_000]


def test_tagged_has_consent_inactive():
    tagged, has, consent, inactive = condition(
        'tagged "roi-calculator" and has deal.amount and consent("sms") and inactive for 90d'
    ).items
    assert isinstance(tagged, n.Tagged) and tagged.tag == "roi-calculator"
    assert isinstance(has, n.Has) and has.path == ["deal", "amount"]
    assert isinstance(consent, n.Consent) and consent.channel == "sms"
    assert isinstance(inactive, n.Inactive) and inactive.duration.seconds == 90 * DAY


@pytest.mark.parametrize(
    "text, name, args",
    [
        ('visited("pricing")', "visited", [("string", "pricing")]),
        ("opened(video)", "opened", [("name", "video")]),
        ("clicked(any)", "clicked", [("any", "any")]),
    ],
)
def test_event_predicates_with_arguments(text, name, args):
    test = condition(text)
    assert isinstance(test, n.EventTest)
    assert test.name == name
    assert [(a.kind, a.value) for a in test.args] == args
    assert (test.within, test.count) == (None, None)


def test_bare_event_name_is_a_reference():
    c = condition("replied")
    assert isinstance(c, n.Ref) and c.path == ["replied"]


def test_event_within_and_count():
    within = condition("replied within 3d")
    assert isinstance(within, n.EventTest)
    assert (within.name, within.args, within.within.seconds) == ("replied", [], 3 * DAY)
    both = condition("opened(video) within 7d count > 2")
    assert (both.within.seconds, both.count_op, both.count.value) == (7 * DAY, ">", 2)
    counted = condition("clicked count >= 3")
    assert (counted.name, counted.count_op, counted.count.value) == ("clicked", ">=", 3)


def test_names_resolve_to_what_they_name(tmp_path):
    programme = load_text(
        tmp_path,
        """attribute contact.vip: bool
segment icp = industry == "SaaS"
score lead {
  threshold mql at 40
}
segment hot = icp or lead.mql or opened or contact.vip
segment warm = lead >= 20 and employees > 50k
""",
    )
    assert [r.resolved for r in programme.segments["hot"].condition.items] == [
        "segment",
        "threshold",
        "event",
        "attribute",
    ]
    score, attribute = programme.segments["warm"].condition.items
    assert (score.resolved, attribute.resolved) == ("score", "attribute")
    assert attribute.value.value == 50_000


def test_step_names_become_ids(tmp_path):
    programme = load_text(
        tmp_path,
        """content post give "A post"
flow f {
  email hello: post
  wait 1d
  email post
  wait 2d
  linkedin follow
}
""",
    )
    assert [s.id for s in programme.flows["f"].steps] == ["hello", "wait_1", "post", "wait_2", "linkedin_follow_1"]


def test_repeated_content_ids_skip_2_as_documented(tmp_path):
    """docs/language.md, Step ids: repeated content gets `_2`, `_3`, ..."""
    programme = load_text(
        tmp_path, 'content post give "A post"\nflow f {\n  email post\n  email post\n  email post\n}\n'
    )
    assert [s.id for s in programme.flows["f"].steps] == ["post", "post_2", "post_3"]


# ------------------------------------------------------- text-level details --


def test_comments_are_ignored_anywhere():
    f = only('flow f { # the flow\n  wait 1d # a day\n  # a whole line\n  exit "# not a comment"\n}')
    assert [s.type for s in f.steps] == ["wait", "exit"]
    assert f.steps[1].reason == "# not a comment"


def test_declarations_may_share_a_line_and_spread_over_lines():
    document = parse_text('content a give "A" content b ask "B"\nsegment s =\n  industry\n  ==\n  "SaaS"\n')
    assert [d.name for d in document.declarations] == ["a", "b", "s"]


def test_utf8_bom_is_accepted(tmp_path):
    (tmp_path / "nurturedsl.toml").touch()
    path = tmp_path / "bom.nurture"
    path.write_bytes(b'\xef\xbb\xbfcontent post give "A post"\nflow f {\n  email post\n}\n')
    programme = load(str(path))
    # the BOM takes no column: the first declaration starts at 1:1
    assert programme.contents["post"].span.column == 1
    assert programme.flows["f"].steps[0].content == "post"


def test_windows_line_endings_are_accepted(tmp_path):
    (tmp_path / "nurturedsl.toml").touch()
    path = tmp_path / "crlf.nurture"
    path.write_bytes(b'content post give "A post"\r\nflow f {\r\n  email post\r\n  wait 3d\r\n}\r\n')
    programme = load(str(path))
    email, wait = programme.flows["f"].steps
    assert (email.span.line, email.span.column) == (3, 3)
    assert (wait.span.line, wait.duration.seconds) == (4, 3 * DAY)
    assert programme.contents["post"].title == "A post"


def test_windows_line_endings_keep_error_positions(tmp_path):
    problems = load_problems(tmp_path, 'content post give "A post"\r\nflow f {\r\n  email psot\r\n}\r\n')
    (problem,) = problems
    assert (problem.code, problem.span.line, problem.span.column) == ("NUR010", 3, 9)


def test_tabs_are_accepted():
    f = only("flow\tf\t{\n\temail\tpost\n\twait\t3d\n}\n")
    assert [s.type for s in f.steps] == ["touch", "wait"]
    assert f.steps[1].duration.seconds == 3 * DAY


@pytest.mark.parametrize("tab_size", [2, 4, 8])
def test_caret_lines_up_under_tab_indented_text(tmp_path, tab_size):
    text = 'content post give "A post"\nflow f {\n\tbranch {\n\t\twhen replied {\temail psot }\n\t}\n}\n'
    (tmp_path / "nurturedsl.toml").touch()
    path = tmp_path / "tabs.nurture"
    path.write_text(text)
    with pytest.raises(DiagnosticError) as caught:
        load(str(path))
    (problem,) = caught.value.diagnostics
    rendered = render_text(problem, caught.value.sources).splitlines()
    source_line = next(line for line in rendered if line.startswith("4 | "))
    caret_line = rendered[rendered.index(source_line) + 1]
    # both lines carry a gutter of the same width, so tab stops agree
    column = source_line.expandtabs(tab_size).index("psot")
    assert caret_line.expandtabs(tab_size).index("^") == column
    assert caret_line.expandtabs(tab_size)[column:] == "^^^^"


@pytest.mark.parametrize(
    "text, word, hint",
    [
        ("flow f {\n  emailblog\n}\n", "emailblog", "email blog"),  # was read as `email blog`
        ('segment icp = tagged "x"\nflow f {\n  goalicp\n}\n', "goalicp", "goal icp"),  # was `goal icp`
        ('content c give "C" way_out\n', "way_out", "way out"),
        ("flow f {\n  goall replied\n}\n", "goall", "goal"),
        ('content c give "C" stagelate\n', "stagelate", "stage late"),
    ],
)
def test_a_keyword_run_together_with_the_next_word_is_an_error(text, word, hint):
    with pytest.raises(DiagnosticError) as caught:
        parse_text(text)
    (d,) = caught.value.diagnostics
    assert d.code == "NUR005" and d.message.startswith(f"unknown keyword `{word}`")
    assert d.span.end_column - d.span.column == len(word)
    assert d.hints == (f"did you mean `{hint}`?",)


def test_parsing_from_several_threads_checks_each_threads_own_text():
    """The whole-word check reads the text being lexed: per thread."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f'content c{i} give "C"\nsegment s{i} = tagged "x"\nflow f{i} {{\n  email c{i}\n  wait {i + 1}d\n}}\n'
        for i in range(8)
    ]

    def work(text):
        return [len(parse_text(text).declarations) for _ in range(25)]

    with ThreadPoolExecutor(8) as pool:
        assert all(counts == [3] * 25 for counts in pool.map(work, texts))
