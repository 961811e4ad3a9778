"""The diagram review of issue 15 (REVIEW15-diagrams): what a reader of the
overview and the flow diagrams was told wrong or could not read, each case
hand-computed from docs/render.md."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nurturedsl import nodes as n
from nurturedsl.diagnostics import DiagnosticError
from nurturedsl.graph import flow_graph
from nurturedsl.render.command import diagram_for
from nurturedsl.render.diagram import Count, most_per_contact, typical_per_contact

from .test_render import playbook


def _touches(g):
    return lambda node: 1 if isinstance(g.nodes[node]["step"], n.Touch) else 0


# ------------------------------------------- most per contact (#1, #6) --


def test_a_repeat_inside_a_goto_loop_keeps_its_bound(tmp_path):
    body = """ email start: b
 repeat every 7d at most 8 { email a }
 branch {
  when s { goto start }
  else { email c }
 }"""
    programme = playbook(tmp_path, body)
    g = flow_graph(programme.flows["f"])
    # one round: b, then a 8 times, then c (the else arm) = 10; the goto goes round again
    assert most_per_contact(g, _touches(g)) == Count(10, more=True)
    assert typical_per_contact(g, _touches(g)) == Count(10)
    assert diagram_for(programme, None).node("f").lines[1:] == ["10 or more messages,", "typically 10"]


def test_nested_repeats_inside_a_goto_loop_multiply(tmp_path):
    body = """ email start: b
 repeat every 7d at most 3 {
  email a
  repeat every 1d at most 2 { email c }
 }
 branch {
  when s { goto start }
  else { exit "done" }
 }"""
    g = flow_graph(playbook(tmp_path, body).flows["f"])
    # 1 + 3 x (1 + 2 x 1) = 10 a round
    assert most_per_contact(g, _touches(g)) == Count(10, more=True)


_TOUCH = st.sampled_from([" email a", " email b", " email c"])


def _steps(depth: int) -> st.SearchStrategy[list[str]]:
    leaf = st.one_of(_TOUCH, st.just(" wait 1d"), st.just(" goto start"))
    if depth == 0:
        return st.lists(leaf, min_size=1, max_size=3)

    def block(inner: list[str]) -> str:
        return "\n".join(inner)

    inner = _steps(depth - 1).map(block)
    compound = st.one_of(
        st.tuples(st.integers(1, 4), inner).map(lambda t: f" repeat every 7d at most {t[0]} {{\n{t[1]}\n }}"),
        st.tuples(inner, inner).map(lambda t: f" branch {{\n  when s {{\n{t[0]}\n  }}\n  else {{\n{t[1]}\n  }}\n }}"),
        st.tuples(st.integers(1, 99), inner, inner).map(
            lambda t: f" split {{\n  {t[0]}% {{\n{t[1]}\n  }}\n  {100 - t[0]}% {{\n{t[2]}\n  }}\n }}"
        ),
    )
    return st.lists(st.one_of(leaf, compound), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_steps(2).map("\n".join))
def test_at_most_is_never_below_typically(tmp_path, body):
    try:
        programme = playbook(tmp_path, " email start: b\n" + body)
    except DiagnosticError:
        assume(False)
        raise
    g = flow_graph(programme.flows["f"])
    most, typical = most_per_contact(g, _touches(g)), typical_per_contact(g, _touches(g))
    assert most.n >= typical.n
    assert most.more or not typical.more


def test_a_flow_without_messages_says_no_messages(tmp_path):
    quiet = diagram_for(playbook(tmp_path, ' wait 1d\n tag "x"'), None).node("f")
    assert quiet.lines[1:] == ["no messages", "completes on day 1"]


def test_endless_presence_says_or_more_not_at_most(tmp_path):
    box = diagram_for(playbook(tmp_path, " repeat every 7d { linkedin follow }"), None).node("f")
    # a follow is presence, not a message; the repeat has no `at most`
    assert box.lines[1:] == ["no messages", "+ 1 or more presence touches"]
