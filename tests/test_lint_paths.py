"""Path semantics every lint rule reads from the state graph: a `repeat`
runs its body before anything after it, `at most N` times; alternatives
(split and branch arms) never add up. Each case is a twin: the shape that
must fire and the one that must stay silent, told apart only by the fix."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import write

HEAD = """\
playbook "t" { reviewed 2026-11-20 }
policy { give_to_get 3:1  cadence 1d..30d  max_touches 20 }
content post give "Ungated post" unsubscribe link
content guide give "A guide" unsubscribe link
content demo ask "Book a demo" cta "Book a demo" unsubscribe link
content demo2 ask "Book a call" cta "Book a call" unsubscribe link
segment tech = role == "CTO"
"""


def diagnostics(path, select: str) -> list[dict]:
    """What `lint --format json --select SELECT` finds in a file."""
    result = CliRunner().invoke(
        main,
        ["lint", str(path), "--format", "json", "--today", "2026-11-22", "--select", select],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["diagnostics"]


def codes(tmp_path, body: str, select: str) -> list[tuple[str, int]]:
    path = write(
        tmp_path,
        "f.nurture",
        HEAD + 'flow f {\n  entry on downloaded("guide")\n  exit on unsubscribed, booked("demo")\n' + body + "\n}\n",
    )
    return [(d["code"], d["line"]) for d in diagnostics(path, select)]


def line_of(body: str, text: str) -> int:
    return HEAD.count("\n") + 3 + next(i for i, line in enumerate(body.splitlines()) if text in line) + 1


@pytest.mark.parametrize("runs, fires", [(3, False), (2, True)])
def test_gives_in_a_repeat_count_once_per_run(tmp_path, runs, fires):
    # 3 runs of the give precede the ask on the only path; 2 are too few at 3:1.
    body = f"  repeat every 7d at most {runs} {{\n    email post\n  }}\n  email ask: demo as ask"
    found = codes(tmp_path, body, "NUR301")
    assert (("NUR301", line_of(body, "email ask")) in found) is fires


@pytest.mark.parametrize(
    "between, fires", [("repeat every 7d at most 1 {\n    email post\n  }", False), ("wait 7d", True)]
)
def test_the_step_after_a_repeat_follows_its_body(tmp_path, between, fires):
    # The give in the repeat always comes between the two asks: no ask-after-ask.
    body = (
        f"  email post\n  wait 7d\n  email guide\n  wait 7d\n  email post\n  wait 7d\n"
        f"  email ask: demo as ask\n  wait 7d\n  {between}\n  wait 7d\n  email ask2: demo2 as ask"
    )
    found = codes(tmp_path, body, "NUR303")
    assert (("NUR303", line_of(body, "email ask2")) in found) is fires


@pytest.mark.parametrize("arm, fires", [('exit "done"', True), ("wait 1d", False)])
def test_a_repeat_whose_body_always_leaves_makes_what_follows_dead(tmp_path, arm, fires):
    body = f"  email post\n  repeat every 7d at most 2 {{\n    email guide\n    {arm}\n  }}\n  email after: post"
    found = codes(tmp_path, body, "NUR101")
    assert (("NUR101", line_of(body, "email after")) in found) is fires


@pytest.mark.parametrize("at_most, fires", [("", True), ("at most 2", False)])
def test_what_follows_a_repeat_without_at_most_is_dead(tmp_path, at_most, fires):
    body = f"  email post\n  repeat every 7d {at_most} {{\n    email guide\n  }}\n  email after: post"
    found = codes(tmp_path, body, "NUR101")
    assert (("NUR101", line_of(body, "email after")) in found) is fires


@pytest.mark.parametrize(
    "arms, fires",
    [
        # an A/B test of the ask: one contact gets one ask, after three gives
        ('50% "A" { email ask_a: demo as ask }\n    50% "B" { email ask_b: demo2 as ask }', False),
        # both asks on one path: two asks after three gives
        ('100% "A" { email ask_a: demo as ask\n wait 7d\n email ask_b: demo2 as ask }', True),
    ],
)
def test_split_arms_are_alternatives_for_the_ask_share(tmp_path, arms, fires):
    body = (
        f"  email post\n  wait 7d\n  email guide\n  wait 7d\n  email p3: post\n  wait 7d\n  split {{\n    {arms}\n  }}"
    )
    found = codes(tmp_path, body, "NUR302")
    assert any(code == "NUR302" for code, _ in found) is fires


@pytest.mark.parametrize(
    "arms, fires",
    [
        ("when tech { email ask_a: demo as ask }\n    else { email ask_b: demo2 as ask }", False),
        ("when tech { email ask_a: demo as ask\n wait 7d\n email ask_b: demo2 as ask }", True),
    ],
)
def test_branch_arms_are_alternatives_for_the_ask_share(tmp_path, arms, fires):
    body = (
        f"  email post\n  wait 7d\n  email guide\n  wait 7d\n  email p3: post\n  wait 7d\n  branch {{\n    {arms}\n  }}"
    )
    found = codes(tmp_path, body, "NUR302")
    assert any(code == "NUR302" for code, _ in found) is fires


@pytest.mark.parametrize("runs, fires", [(5, True), (4, False)])
def test_touches_in_a_repeat_count_per_run_against_max_touches(tmp_path, runs, fires):
    # one email before, `runs` in the repeat: 6 > 5, 5 <= 5
    body = f"  max_touches 5\n  email post\n  wait 7d\n  repeat every 7d at most {runs} {{\n    email guide\n  }}"
    found = codes(tmp_path, body, "NUR204")
    assert any(code == "NUR204" for code, _ in found) is fires


CLOSE = 'content close ask "Should I close your file?" cta "Reply not now" unsubscribe link'


@pytest.mark.parametrize("marked, fires", [(" way out", False), ("", True)])
def test_a_way_out_is_not_counted_as_an_ask(tmp_path, marked, fires):
    # ghost recovery as the seed recommends: a case study, then "should I close your file?"
    path = write(
        tmp_path,
        "g.nurture",
        HEAD
        + CLOSE
        + marked
        + "\n"
        + """\
flow ghost {
  entry on attended("demo") after 3d
  exit on replied, unsubscribed
  email proof: guide
  wait until replied up to 5d {
    on event   { exit "re-engaged" }
    on timeout { email close: close as ask }
  }
}
""",
    )
    found = {d["code"] for d in diagnostics(path, "give-to-get")}
    assert bool(found & {"NUR301", "NUR302"}) is fires
    assert "NUR305" not in found


@pytest.mark.parametrize("gives, own_entry, fires", [(3, False, False), (2, False, True), (3, True, True)])
def test_gives_before_a_move_to_count_in_the_flow_moved_into(tmp_path, gives, own_entry, fires):
    sends = "\n  wait 7d\n".join(["  email post"] + ["  email guide"] * (gives - 1))
    entry = '  entry on booked("call")\n' if own_entry else ""
    path = write(
        tmp_path,
        "m.nurture",
        HEAD
        + f"""\
flow first {{
  entry on downloaded("guide")
  exit on unsubscribed
{sends}
  wait 7d
  move to second
}}

flow second {{
{entry}  exit on unsubscribed, booked("demo")
  email ask: demo as ask
}}
""",
    )
    found = [d for d in diagnostics(path, "NUR301") if d["code"] == "NUR301"]
    assert bool(found) is fires


@pytest.mark.parametrize("jump, fires", [('branch { when tagged "vip" { goto inner } }', True), ("wait 1d", False)])
def test_a_goto_into_a_repeat_body_is_followed(tmp_path, jump, fires):
    # the vip path jumps past g1 and g2: the ask after one give
    body = (
        f"  email first: post\n  wait 7d\n  {jump}\n  repeat every 7d at most 1 {{\n    email g1: guide\n"
        f"    wait 7d\n    email g2: post\n    wait 7d\n    email inner: demo as ask\n  }}"
    )
    found = codes(tmp_path, body, "NUR301")
    assert (("NUR301", line_of(body, "email inner")) in found) is fires


@pytest.mark.parametrize("jump, fires", [('branch { when tagged "x" { goto repeat_1 } }', True), ("wait 1d", False)])
def test_a_goto_back_to_its_repeat_starts_it_again(tmp_path, jump, fires):
    # three gives, then a repeat of one ask that a `goto` can start again: the
    # second ask comes after no further give
    body = (
        f"  email post\n  wait 7d\n  email guide\n  wait 7d\n  email p3: post\n  wait 7d\n"
        f"  repeat every 7d at most 1 {{\n    email ask: demo as ask\n    wait 7d\n    {jump}\n  }}"
    )
    found = codes(tmp_path, body, "NUR301,NUR303")
    assert (("NUR303", line_of(body, "email ask")) in found) is fires
    assert (("NUR301", line_of(body, "email ask")) in found) is fires


@pytest.mark.parametrize(
    "arm, fires", [("email a1: demo as ask\n wait 7d\n email a2: demo2 as ask", True), ("email p4: guide", False)]
)
def test_a_path_with_no_give_counts_for_the_ask_share(tmp_path, arm, fires):
    # the flow gives on one arm only; the other arm only asks
    body = (
        f'  split {{\n    50% "push" {{ {arm} }}\n    50% "give" {{ email post\n wait 7d\n email guide\n'
        f" wait 7d\n email p3: post\n wait 7d\n email ask: demo as ask }}\n  }}"
    )
    found = codes(tmp_path, body, "NUR302")
    assert any(code == "NUR302" for code, _ in found) is fires


def test_credit_goes_round_a_circle_of_moves(tmp_path):
    # `a` gives three times and moves contacts to `b`; `b` and `c` move them
    # to each other and give on the way; `d`, moved into only from `b`,
    # starts after at least three gives
    path = write(
        tmp_path,
        "c.nurture",
        HEAD
        + """\
flow a {
  entry on downloaded("guide")
  exit on unsubscribed
  email post
  wait 7d
  email guide
  wait 7d
  email p3: post
  wait 7d
  move to b
}
flow b {
  exit on unsubscribed
  email b1: guide
  wait 7d
  branch { when tagged "c" { move to c } else { move to d } }
}
flow c {
  exit on unsubscribed
  email c1: post
  wait 7d
  move to b
}
flow d {
  exit on unsubscribed, booked("demo")
  email ask: demo as ask
}
""",
    )
    assert diagnostics(path, "NUR301") == []


def test_many_runs_of_a_repeat_are_shortened_in_the_witness(tmp_path):
    body = "  repeat every 7d at most 20 {\n    email post\n    wait 7d\n    email ask: demo as ask\n  }"
    path = write(
        tmp_path,
        "f.nurture",
        HEAD + 'flow f {\n  entry on downloaded("guide")\n  exit on unsubscribed, booked("demo")\n' + body + "\n}\n",
    )
    result = CliRunner().invoke(main, ["lint", str(path), "--select", "NUR301"], catch_exceptions=False)
    assert "as ask 20 after only 20 gives (60 needed)" in result.output
    assert "… 17 more runs of `repeat_1` …" in result.output
