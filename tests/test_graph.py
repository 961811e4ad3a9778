"""The state graph each flow becomes: what lint, render and simulate read."""

import networkx as nx

from nurturedsl import graph, model
from nurturedsl import nodes as n

from .conftest import PLAYBOOKS, write


def as_networkx(g) -> nx.MultiDiGraph:
    """The same graph in networkx, for the path questions the package itself never asks."""
    copy = nx.MultiDiGraph()
    copy.add_nodes_from(g.nodes(data=True))
    copy.add_edges_from(g.edges(keys=True, data=True))
    return copy


def flow_graph(tmp_path, body: str, extra: str = ""):
    text = (
        f'content a give "A"\ncontent b give "B"\ncontent c ask "C"\nsegment s = tagged "x"\n{extra}\n'
        f"flow f {{\n exit on unsubscribed\n{body}\n}}\n"
    )
    programme = model.load(str(write(tmp_path, "f.nurture", text)))
    return graph.flow_graph(programme.flows["f"])


def edges(g, node):
    return [(target, data["kind"]) for target, data in graph.transitions(g, node)]


def test_sequence_runs_from_entry_to_end_with_delays_on_wait_edges(tmp_path):
    g = flow_graph(tmp_path, "email one: a\nwait 3d\nemail two: b")
    assert edges(g, graph.ENTRY) == [("one", "next")]
    assert edges(g, "one") == [("wait_1", "next")]
    ((_, data),) = graph.transitions(g, "wait_1")
    assert data["delay"] == 3 * 86400
    assert edges(g, "two") == [(graph.END, "next")]
    assert g.nodes["one"]["type"] == "email" and g.nodes["one"]["span"].line == 8


def test_branch_fans_out_with_guards_and_rejoins(tmp_path):
    g = flow_graph(
        tmp_path, 'branch {\n when s { email x: a }\n when tagged "y" { }\n else { email z: b }\n}\nemail after: c'
    )
    assert edges(g, "branch_1") == [("x", "branch"), ("after", "branch"), ("z", "else")]
    guards = [data["guard"] for _, data in graph.transitions(g, "branch_1")]
    assert guards[0].type == "ref" and guards[2] is None
    assert edges(g, "x") == [("after", "next")] and edges(g, "z") == [("after", "next")]


def test_branch_without_else_falls_through(tmp_path):
    g = flow_graph(tmp_path, "branch { when s { email x: a } }\nemail after: b")
    assert edges(g, "branch_1") == [("x", "branch"), ("after", "else")]


def test_wait_until_has_event_and_timeout_paths(tmp_path):
    g = flow_graph(
        tmp_path, 'wait until replied up to 5d {\n on event { exit "won" }\n on timeout { email last: c }\n}'
    )
    assert edges(g, "wait_until_1") == [("exit_1", "event"), ("last", "timeout")]
    timeout = graph.transitions(g, "wait_until_1")[1][1]
    assert timeout["delay"] == 5 * 86400
    assert edges(g, "exit_1") == []  # terminal


def test_split_arms_carry_weights(tmp_path):
    g = flow_graph(tmp_path, 'split {\n 50% "A" { email x: a }\n 50% "B" { email y: b }\n}')
    assert [(t, d["weight"], d["label"]) for t, d in graph.transitions(g, "split_1")] == [
        ("x", 50, "A"),
        ("y", 50, "B"),
    ]


def analysis_edges(g, node):
    return [
        (target, data["kind"], data["min_delay"], data["max_delay"], data["bound"])
        for target, data in graph.edges(g, node)
    ]


def test_repeat_is_left_only_after_its_body_ran(tmp_path):
    # the runner's view (the IR's): the repeat counts its loops and takes `done`
    g = flow_graph(tmp_path, "repeat every 45d at most 8 { email note: a }")
    assert edges(g, "repeat_1") == [("note", "loop"), (graph.END, "done")]
    assert edges(g, "note") == [("repeat_1@wait", "next")]
    assert edges(g, "repeat_1@wait") == [("repeat_1", "next")]
    # what analyses read: no way past the repeat that skips the body; `done`
    # leaves from the interval wait, 45 days after the last run
    day45 = 45 * 86400
    assert analysis_edges(g, "repeat_1") == [("note", "loop", 0, 0, None)]
    assert analysis_edges(g, "repeat_1@wait") == [
        ("repeat_1", "again", day45, day45, 8),
        (graph.END, "done", day45, day45, 8),
    ]
    assert g.nodes["note"]["loop"] == "repeat_1" and g.nodes["repeat_1@wait"]["loop"] == "repeat_1"
    cycle = nx.find_cycle(as_networkx(g), "repeat_1")
    assert "repeat_1@wait" in {u for u, *_ in cycle}


def test_a_repeat_without_at_most_is_never_left(tmp_path):
    g = flow_graph(tmp_path, "repeat every 7d { email note: a }\nemail after: b")
    assert [kind for _, kind, *_ in analysis_edges(g, "repeat_1@wait")] == ["again"]
    assert not nx.has_path(as_networkx(g), graph.ENTRY, "after")
    assert edges(g, "repeat_1") == [("note", "loop"), ("after", "done")]  # the IR keeps its shape


def test_edges_carry_time_bounds(tmp_path):
    g = flow_graph(
        tmp_path,
        "wait until replied up to 5d {\n on timeout { email last: c }\n}\nwait until opened(last)\nemail end: a",
    )
    event, timeout = graph.edges(g, "wait_until_1")
    assert (event[1]["min_delay"], event[1]["max_delay"]) == (0, 5 * 86400)
    assert (timeout[1]["min_delay"], timeout[1]["max_delay"]) == (5 * 86400, 5 * 86400)
    (forever,) = graph.edges(g, "wait_until_2")
    assert forever[1]["max_delay"] == float("inf")


def test_goto_makes_an_edge_and_steps_after_an_exit_are_unreachable(tmp_path):
    g = flow_graph(tmp_path, "email top: a\nwait 7d\ngoto top\nemail never: b")
    assert edges(g, "goto_1") == [("top", "goto")]
    assert "never" in g.nodes
    assert not nx.has_path(as_networkx(g), graph.ENTRY, "never")


def test_terminal_steps_have_no_transitions(tmp_path):
    g = flow_graph(
        tmp_path, 'branch {\n when s { handoff sales }\n when tagged "q" { suppress "cold" }\n else { move to f }\n}'
    )
    for node in ("handoff_1", "suppress_1", "move_to_1"):
        assert edges(g, node) == []


def test_every_step_is_a_node_in_every_bundled_flow():
    programme = model.load(str(PLAYBOOKS / "programme.nurture"))
    for flow in programme.flows.values():
        g = graph.flow_graph(flow)
        steps = {s.id for s in n.iter_steps(flow.steps)}
        assert steps <= set(g.nodes)
        assert all(nx.has_path(as_networkx(g), graph.ENTRY, s) for s in steps)


def test_programme_graph_links_flows_moved_into(tmp_path):
    text = (
        'content a give "A"\nflow one { exit on unsubscribed\n email a\n move to two }\n'
        "flow two { exit on unsubscribed\n email a }\n"
    )
    programme = model.load(str(write(tmp_path, "p.nurture", text)))
    g = graph.programme_graph(programme)
    assert list(g.edges) == [("one", "two")]
