"""The simulator's dispatch over node types: one handler for each type the IR
defines, checked when the engine is imported, so a step kind whose simulator
part was forgotten fails here, not in a user's run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nurturedsl.sim import nodes
from nurturedsl.sim.engine import IRError, Programme

from .conftest import PLAYBOOKS, ROOT
from .test_simulate import ir_of


def test_every_node_type_of_the_ir_has_exactly_one_handler():
    assert nodes.ir_node_types(), "the IR's list of node types was not found"
    assert set(nodes.HANDLERS) == set(nodes.ir_node_types())
    assert all(callable(handler) for handler in nodes.HANDLERS.values())


def test_a_node_type_without_a_handler_is_refused_by_the_check():
    with pytest.raises(RuntimeError, match=r"no handler for carrier_pigeon;"):
        nodes.check_complete(nodes.HANDLERS, nodes.ir_node_types() + ("carrier_pigeon",))
    without_wait = {kind: handler for kind, handler in nodes.HANDLERS.items() if kind != "wait"}
    with pytest.raises(RuntimeError, match=r"no handler for wait;"):
        nodes.check_complete(without_wait, nodes.ir_node_types())


def test_a_handler_for_a_type_the_ir_does_not_define_is_refused():
    stale = dict(nodes.HANDLERS, carrier_pigeon=nodes.HANDLERS["task"])
    with pytest.raises(RuntimeError, match=r"a handler for carrier_pigeon, which the IR does not define"):
        nodes.check_complete(stale, nodes.ir_node_types())


def test_a_new_node_type_in_the_ir_without_a_handler_fails_the_import_of_the_engine():
    # A fresh interpreter in which the IR defines one more node type, as it
    # would after a step kind is added to the IR and forgotten here. The
    # module patched is the one nodes.py reads the list from.
    script = (
        "import typing\n"
        "import nurturedsl.irmodel as ir\n"
        "ir.NodeType = typing.Literal[typing.get_args(ir.NodeType) + ('carrier_pigeon',)]\n"
        "import nurturedsl.sim.engine\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "no handler for carrier_pigeon" in result.stderr
    assert "nurturedsl/sim/nodes.py" in result.stderr


def test_a_node_of_an_unknown_type_is_refused_when_the_programme_is_prepared():
    ir = ir_of(PLAYBOOKS / "inbound.nurture")
    flow = next(iter(ir["flows"].values()))
    node_id = next(node_id for node_id, node in flow["nodes"].items() if node["type"] == "email")
    flow["nodes"][node_id]["type"] = "carrier_pigeon"
    with pytest.raises(IRError, match=rf"node `{node_id}` has the unknown type `carrier_pigeon`"):
        Programme(ir)


def test_each_prepared_node_carries_the_handler_of_its_type():
    programme = Programme(ir_of(PLAYBOOKS / "programme.nurture"))
    prepared = [node for flow in programme.flows.values() for node in flow.nodes.values()]
    assert prepared
    assert all(node.perform is nodes.HANDLERS[node.type] for node in prepared)
