"""nurturedsl.digraph against networkx, its oracle: on random graphs both
give the same answers in the same order, since findings and diagrams list
things in the order these visit them."""

import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nurturedsl import digraph

ROOT = str(Path(__file__).resolve().parent.parent)

# small node sets make cycles, parallel edges and self-loops common
NODES = st.integers(min_value=0, max_value=9)
GRAPHS = st.tuples(
    st.lists(NODES, max_size=6),  # nodes added on their own first (some isolated)
    st.lists(st.tuples(NODES, NODES), max_size=30),
)


def build(spec, multi):
    nodes, edges = spec
    ours = digraph.MultiDiGraph() if multi else digraph.DiGraph()
    theirs = nx.MultiDiGraph() if multi else nx.DiGraph()
    for g in (ours, theirs):
        for node in nodes:
            g.add_node(node, label=str(node))
        for i, (u, v) in enumerate(edges):
            g.add_edge(u, v, i=i)
    return ours, theirs


@settings(max_examples=300, deadline=None)
@given(GRAPHS, st.booleans())
def test_same_nodes_edges_and_neighbours_in_the_same_order(spec, multi):
    ours, theirs = build(spec, multi)
    assert list(ours.nodes) == list(theirs.nodes)
    assert ours.nodes(data=True) == list(theirs.nodes(data=True))
    assert ours.edges() == list(theirs.edges())
    assert ours.edges(data=True) == list(theirs.edges(data=True))
    assert list(ours.edges) == list(theirs.edges)
    assert len(ours.edges) == len(theirs.edges) and len(ours) == len(theirs)
    if multi:
        assert ours.edges(keys=True, data=True) == list(theirs.edges(keys=True, data=True))
    for node in theirs:
        assert list(ours.successors(node)) == list(theirs.successors(node))
        assert list(ours.predecessors(node)) == list(theirs.predecessors(node))
        assert ours.out_edges(node, data=True) == list(theirs.out_edges(node, data=True))
        assert ours.in_edges(node, data=True) == list(theirs.in_edges(node, data=True))
        assert ours.out_edges(node) == list(theirs.out_edges(node))
        assert ours.in_edges(node) == list(theirs.in_edges(node))
        assert (ours.out_degree(node), ours.in_degree(node)) == (theirs.out_degree(node), theirs.in_degree(node))
        assert ours.nodes[node] == theirs.nodes[node]
        for other in theirs:
            assert ours.has_edge(node, other) == theirs.has_edge(node, other)


@settings(max_examples=300, deadline=None)
@given(GRAPHS, st.booleans())
def test_components_condensation_and_its_order_match_networkx(spec, multi):
    ours, theirs = build(spec, multi)
    components = list(digraph.strongly_connected_components(ours))
    assert components == list(nx.strongly_connected_components(theirs))
    c_ours, c_theirs = digraph.condensation(ours), nx.condensation(theirs)
    assert c_ours.nodes(data=True) == list(c_theirs.nodes(data=True))
    assert c_ours.edges() == list(c_theirs.edges())
    assert c_ours.graph["mapping"] == c_theirs.graph["mapping"]
    assert list(digraph.topological_sort(c_ours)) == list(nx.topological_sort(c_theirs))
    given_components = digraph.condensation(ours, components)
    assert given_components.nodes(data=True) == c_ours.nodes(data=True)


@settings(max_examples=300, deadline=None)
@given(GRAPHS, st.booleans())
def test_topological_sort_matches_networkx_or_both_find_a_cycle(spec, multi):
    nodes, edges = spec
    forward = [(min(u, v), max(u, v)) for u, v in edges if u != v]  # a DAG (parallel edges kept)
    for chosen in (edges, forward):
        ours, theirs = build((nodes, chosen), multi)
        try:
            expected = list(nx.topological_sort(theirs))
        except nx.NetworkXUnfeasible:
            with pytest.raises(digraph.CycleError):
                list(digraph.topological_sort(ours))
        else:
            assert list(digraph.topological_sort(ours)) == expected


@settings(max_examples=300, deadline=None)
@given(GRAPHS, st.booleans())
def test_descendants_match_networkx(spec, multi):
    ours, theirs = build(spec, multi)
    for node in theirs:
        assert digraph.descendants(ours, node) == nx.descendants(theirs, node)


def test_adding_a_node_again_updates_its_attributes_in_place():
    g = digraph.DiGraph()
    g.add_node("a", x=1)
    g.add_edge("b", "a", kind="next")
    g.add_node("a", y=2)
    g.add_edge("b", "a", weight=3)  # one edge between two nodes: its attributes merge
    assert list(g.nodes) == ["a", "b"] and g.nodes["a"] == {"x": 1, "y": 2}
    assert g.edges["b", "a"] == {"kind": "next", "weight": 3}


def test_parallel_edges_keep_their_own_attributes_and_keys():
    g = digraph.MultiDiGraph(flow="f")
    assert g.add_edge("a", "b", kind="branch") == 0
    assert g.add_edge("a", "b", kind="else") == 1
    assert g.edges(data=True) == [("a", "b", {"kind": "branch"}), ("a", "b", {"kind": "else"})]
    assert g.out_degree("a") == 2 and g.graph == {"flow": "f"}


def test_descendants_of_a_missing_node_is_an_error():
    with pytest.raises(KeyError):
        digraph.descendants(digraph.DiGraph(), "nowhere")


RUN_AND_LIST_NETWORKX = """
import runpy, sys
sys.argv = ["nurturedsl", *sys.argv[1:]]
try:
    runpy.run_module("nurturedsl", run_name="__main__")
except SystemExit:
    pass
print("networkx" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["lint", "playbooks/"],
        ["compile", "playbooks/programme.nurture", "-o", "{tmp}/programme.json"],
        ["render", "playbooks/programme.nurture", "--flow", "inbound", "--lint", "--format", "mermaid"],
    ],
)
def test_lint_compile_and_render_run_without_importing_networkx(argv, tmp_path):
    # its import alone took ~180 ms, longer than the lint run itself
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_NETWORKX, *(a.format(tmp=tmp_path) for a in argv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT),
        timeout=120,
    )
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
    assert "Error" not in done.stderr
