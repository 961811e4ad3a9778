"""HubSpot's graph rules (nurturedsl/engines/hubspot/rules.py) on a flow shaped
like HubSpot's documented GET /automation/v4/flows/{flowId} example."""

from __future__ import annotations

import copy

from nurturedsl.engines.hubspot.rules import graph_problems

# The shape of the example in HubSpot's workflows v4 guide ("Fetch specific workflow by ID").
FLOW = {
    "startActionId": "1",
    "nextAvailableActionId": "3",
    "actions": [
        {
            "type": "SINGLE_CONNECTION",
            "actionId": "1",
            "actionTypeVersion": 0,
            "actionTypeId": "0-13",
            "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
            "fields": {"operation": "ADD", "list_id": "178"},
        },
        {
            "type": "SINGLE_CONNECTION",
            "actionId": "2",
            "actionTypeVersion": 0,
            "actionTypeId": "0-9",
            "fields": {"user_ids": ["2620022"], "delivery_method": "APP", "subject": "s", "body": "b"},
        },
    ],
}


def test_the_documented_example_follows_the_rules():
    assert graph_problems(FLOW) == []


def test_a_missing_next_action_is_located():
    doc = copy.deepcopy(FLOW)
    doc["actions"][0]["connection"]["nextActionId"] = "9"
    assert any(p.startswith("/actions/0/connection/nextActionId") for p in graph_problems(doc))


def test_start_duplicates_ids_and_unreachable_actions_are_reported():
    doc = copy.deepcopy(FLOW)
    doc["startActionId"] = "2"
    assert any("cannot be reached" in p for p in graph_problems(doc))
    doc = copy.deepcopy(FLOW)
    doc["actions"][1]["actionId"] = "1"
    assert any("used twice" in p for p in graph_problems(doc))
    doc = copy.deepcopy(FLOW)
    doc["nextAvailableActionId"] = "2"
    assert any("nextAvailableActionId" in p for p in graph_problems(doc))
    doc = copy.deepcopy(FLOW)
    doc["startActionId"] = "7"
    assert any(p.startswith("/startActionId") for p in graph_problems(doc))


def test_branches_are_well_formed():
    doc = copy.deepcopy(FLOW)
    doc["actions"][1] = {
        "type": "AB_TEST_BRANCH",
        "actionId": "2",
        "testBranches": [{"connection": {"edgeType": "GOTO", "nextActionId": "1"}, "percentage": 100}],
    }
    assert any("at least two" in p for p in graph_problems(doc))
    doc["actions"][1] = {
        "type": "LIST_BRANCH",
        "actionId": "2",
        "listBranches": [],
        "defaultBranch": {"edgeType": "GOTO", "nextActionId": "1"},
    }
    assert any("at least one branch" in p for p in graph_problems(doc))


def test_ab_test_percentages_add_up_to_100():
    doc = copy.deepcopy(FLOW)
    arms = [{"connection": {"edgeType": "GOTO", "nextActionId": "1"}, "percentage": share} for share in (50, 50)]
    doc["actions"][1] = {"type": "AB_TEST_BRANCH", "actionId": "2", "testBranches": arms}
    assert graph_problems(doc) == []
    arms[1]["percentage"] = 40
    assert graph_problems(doc) == ["/actions/1/testBranches: the percentages add up to 90, not 100"]
    # the arm's connection is followed: a dangling one is reported where it is
    arms[1]["connection"]["nextActionId"] = "99"
    assert "/actions/1/testBranches/1/connection/nextActionId: `99` is no action's id" in graph_problems(doc)
