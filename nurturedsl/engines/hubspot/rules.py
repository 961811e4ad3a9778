"""HubSpot's own graph rules for an automation v4 flow, re-implemented so an
export is checked offline (docs/engines.md, "HubSpot", offline validation).

Shapes: ApiConnection {edgeType, nextActionId}; LIST_BRANCH listBranches[].connection
and defaultBranch; AB_TEST_BRANCH testBranches[] {connection, percentage} (HubSpot's public v4 spec,
ApiListBranchAction / ApiABTestBranchAction / ApiConnection).
"""

from __future__ import annotations

from typing import Any


def _targets(action: dict[str, Any]) -> list[tuple[str, Any]]:
    """(JSON pointer suffix, connection) for every outgoing edge of an action."""
    out: list[tuple[str, Any]] = []
    if "connection" in action:
        out.append(("/connection", action["connection"]))
    for i, arm in enumerate(action.get("listBranches") or []):
        if isinstance(arm, dict) and "connection" in arm:
            out.append((f"/listBranches/{i}/connection", arm["connection"]))
    for i, arm in enumerate(action.get("staticBranches") or []):
        if isinstance(arm, dict) and "connection" in arm:
            out.append((f"/staticBranches/{i}/connection", arm["connection"]))
    for i, arm in enumerate(action.get("testBranches") or []):
        out.append((f"/testBranches/{i}/connection", arm.get("connection") if isinstance(arm, dict) else None))
    if "defaultBranch" in action:
        out.append(("/defaultBranch", action["defaultBranch"]))
    return out


def graph_problems(doc: dict[str, Any]) -> list[str]:
    """Every broken graph rule of a flow document, each located by a JSON pointer; [] = valid."""
    problems: list[str] = []
    actions = doc.get("actions")
    if not isinstance(actions, list):
        return ["/actions: expected a list of actions"]
    ids: dict[str, int] = {}
    for i, action in enumerate(actions):
        if not isinstance(action, dict) or not isinstance(action.get("actionId"), str):
            problems.append(f"/actions/{i}: an action needs a string `actionId`")
            continue
        if action["actionId"] in ids:
            problems.append(f"/actions/{i}/actionId: `{action['actionId']}` is used twice")
        ids[action["actionId"]] = i
    nxt = doc.get("nextAvailableActionId")
    if nxt is not None:
        if not (isinstance(nxt, str) and nxt.isdigit()):
            problems.append("/nextAvailableActionId: expected a number as a string")
        else:
            for aid, i in ids.items():
                if not aid.isdigit() or int(aid) >= int(nxt):
                    problems.append(f"/actions/{i}/actionId: `{aid}` is not below nextAvailableActionId {nxt}")
    start = doc.get("startActionId")
    if actions and start not in ids:
        problems.append(f"/startActionId: `{start}` is no action's id")
    edges: dict[str, list[str]] = {aid: [] for aid in ids}
    for aid, i in ids.items():
        action = actions[i]
        if action.get("type") == "LIST_BRANCH":
            if not action.get("listBranches"):
                problems.append(f"/actions/{i}/listBranches: a LIST_BRANCH needs at least one branch")
        if action.get("type") == "AB_TEST_BRANCH":
            arms = action.get("testBranches") or []
            if len(arms) < 2:
                problems.append(f"/actions/{i}/testBranches: an AB_TEST_BRANCH needs at least two branches")
            given = [arm.get("percentage") for arm in arms if isinstance(arm, dict)]
            shares = [share for share in given if type(share) is int]
            if shares and len(shares) == len(given) and sum(shares) != 100:
                problems.append(f"/actions/{i}/testBranches: the percentages add up to {sum(shares)}, not 100")
        for where, conn in _targets(action):
            target = conn.get("nextActionId") if isinstance(conn, dict) else None
            if not isinstance(conn, dict) or conn.get("edgeType") not in ("STANDARD", "GOTO"):
                problems.append(f"/actions/{i}{where}: expected edgeType STANDARD or GOTO")
            if target not in ids:
                problems.append(f"/actions/{i}{where}/nextActionId: `{target}` is no action's id")
            else:
                edges[aid].append(target)
    if start in ids:
        seen = {start}
        stack = [start]
        while stack:
            for target in edges[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        for aid, i in ids.items():
            if aid not in seen:
                problems.append(f"/actions/{i}: action `{aid}` cannot be reached from startActionId")
    return problems
