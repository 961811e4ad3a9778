"""Where cadence, max_touches and first_touch bind (engines/limits.py),
computed by hand from docs/ir.md's walk of a flow."""

from __future__ import annotations

import math

import pytest

from nurturedsl.engines import limits
from nurturedsl.ir import compile_model
from nurturedsl.model import load

HEAD = 'content a give "A"\ncontent b give "B"\nsegment vip = tagged "vip"\n'


def _flow(tmp_path, body: str):
    path = tmp_path / "f.nurture"
    path.write_text(HEAD + 'flow f {\n  entry on downloaded("guide")\n' + body + "\n}\n")
    return compile_model(load(str(path))).flows["f"]


def emails(node) -> bool:
    return node.type == "email"


def test_the_closest_pair_of_messages_on_any_path(tmp_path):
    # a -3d- b on one arm, a -1d- a on the other: the closest is 1d
    flow = _flow(tmp_path, "email one: a\nbranch {\n when vip { wait 3d email b }\n else { wait 1d email a }\n}")
    first, then, gap = limits.closest_messages(flow, emails)
    assert (first, gap) == ("one", 86400) and flow.nodes[then].content == "a"
    assert limits.closest_messages(_flow(tmp_path, "email a"), emails) is None


def test_an_event_arm_can_come_at_once_and_a_calendar_wait_too(tmp_path):
    flow = _flow(tmp_path, "email one: a\nwait until replied up to 5d { on event { email b } }")
    assert limits.closest_messages(flow, emails)[2] == 0
    flow = _flow(tmp_path, "email one: a\nwait until mon 09:00\nemail b")
    assert limits.closest_messages(flow, emails)[2] == 0


def test_most_messages_on_one_path_and_loops(tmp_path):
    assert limits.most_messages(_flow(tmp_path, "email a\nbranch {\n when vip { email b email a }\n}"), emails) == 3
    # a loop through a message sends without end
    assert limits.most_messages(_flow(tmp_path, "email again: a\nwait 7d\ngoto again"), emails) == math.inf
    # a loop that sends nothing does not add: the email before it is the one message
    assert limits.most_messages(_flow(tmp_path, 'email a\nset lifecycle_stage = "looping"\ngoto set_1'), emails) == 1


@pytest.mark.parametrize(("loops", "most"), [(True, math.inf), (False, 1)])
def test_an_endless_repeat_loops_only_where_the_target_keeps_the_loop(tmp_path, loops, most):
    flow = _flow(tmp_path, "repeat every 7d { email a }")
    assert limits.most_messages(flow, emails, loops=loops) == most
    # `at most N` runs its body once in both targets
    flow = _flow(tmp_path, "repeat every 7d at most 3 { email a }")
    assert limits.most_messages(flow, emails, loops=loops) == 1


def test_the_latest_first_message(tmp_path):
    assert limits.latest_first_message(_flow(tmp_path, "wait 2d\nemail a"), emails) == 2 * 86400
    # the time-out arm is the later way to the first email
    flow = _flow(tmp_path, "wait until replied up to 5d { on event { email a } }\nemail b")
    assert limits.latest_first_message(flow, emails) == 5 * 86400
    assert limits.latest_first_message(_flow(tmp_path, 'tag "x"'), emails) == -math.inf
    # a loop that waits can come before the first email as often as it likes
    flow = _flow(tmp_path, "wait 1d\nbranch {\n when vip { goto wait_1 }\n}\nemail a")
    assert limits.latest_first_message(flow, emails) == math.inf
