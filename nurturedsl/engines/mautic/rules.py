"""Mautic's own campaign graph rules, re-implemented for offline checking.

- at least one source (a segment in `lists` or a form in `forms`); the
  campaign builder refuses to save without one
  (app/bundles/CampaignBundle/Controller/CampaignController.php, "mautic.campaign.form.sources.required");
- `parent`/`children`/`decisionPath` agree with each other and with the
  canvas connections (CampaignModel::setCanvasSettings builds them from the
  connections' anchors: `yes`/`no` for a decision's paths, `bottom` for an
  action, `leadsource` for a source);
- only decisions and conditions have children on `yes`/`no`; an action's
  children have no decisionPath;
- `triggerIntervalUnit` is one of i, h, d, m, y (Form/Type/EventType.php);
- no loop of `campaign.jump_to_event` that never waits (an interval).
"""

from __future__ import annotations

from typing import Any

UNITS = ("i", "h", "d", "m", "y")


def problems(campaign: dict[str, Any], where: str = "") -> list[str]:
    out: list[str] = []
    raw = campaign.get("events") or []
    events = list(raw.values()) if isinstance(raw, dict) else raw
    by_id: dict[str, dict[str, Any]] = {}
    for i, event in enumerate(events):
        if isinstance(event, dict) and "id" in event:
            by_id[str(event["id"])] = event
        else:
            out.append(f"{where}/events/{i}: an event needs an `id`")
    if not campaign.get("lists") and not campaign.get("forms"):
        out.append(f"{where}: a campaign needs at least one source (a segment in `lists` or a form in `forms`)")
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        at = f"{where}/events/{i}"
        parent = event.get("parent")
        path = event.get("decisionPath")
        if parent is not None:
            parent_key = str(_key(parent))
            up = by_id.get(parent_key)
            if up is None:
                out.append(f"{at}/parent: no event `{parent_key}`")
            else:
                kids = [str(c["id"] if isinstance(c, dict) else c) for c in up.get("children", [])]
                if "children" in up and str(event["id"]) not in kids:
                    out.append(f"{at}/parent: `{parent_key}` does not list it among its children")
                kind = up.get("eventType")
                if kind in ("decision", "condition") and path not in ("yes", "no"):
                    out.append(f"{at}/decisionPath: a child of {kind} `{parent_key}` is on `yes` or `no`")
                if kind == "action" and path is not None:
                    out.append(f"{at}/decisionPath: a child of action `{parent_key}` has no decision path")
        elif path is not None:
            out.append(f"{at}/decisionPath: an event without a parent has no decision path")
        if event.get("triggerMode") == "interval" and event.get("triggerIntervalUnit") not in UNITS:
            out.append(f"{at}/triggerIntervalUnit: one of i, h, d, m, y, not {event.get('triggerIntervalUnit')!r}")
        for child in event.get("children", []):
            down = by_id.get(str(child["id"] if isinstance(child, dict) else child))
            if down is None or _key(down.get("parent")) != str(event["id"]):
                out.append(f"{at}/children: `{child}` does not have it as its parent")
    out.extend(_canvas(campaign, by_id, where))
    out.extend(_jump_loops(by_id, where))
    return out


def _canvas(campaign: dict[str, Any], by_id: dict[str, dict[str, Any]], where: str) -> list[str]:
    canvas = campaign.get("canvasSettings")
    if not isinstance(canvas, dict):
        return [f"{where}/canvasSettings: missing"]
    out: list[str] = []
    links = {}
    for i, c in enumerate(canvas.get("connections", [])):
        links[str(c.get("targetId"))] = (str(c.get("sourceId")), (c.get("anchors") or {}).get("source"), i)
    for event_id, event in by_id.items():
        link = links.get(event_id)
        parent = event.get("parent")
        if link is None:
            out.append(f"{where}/canvasSettings/connections: no connection into `{event_id}`")
            continue
        source, anchor, i = link
        at = f"{where}/canvasSettings/connections/{i}"
        if parent is None:
            if source not in ("lists", "forms"):
                out.append(f"{at}: `{event_id}` has no parent but is connected from `{source}`")
        else:
            parent_key = str(_key(parent))
            if source != parent_key:
                out.append(f"{at}: `{event_id}` has parent `{parent_key}` but is connected from `{source}`")
            expected = event.get("decisionPath") or "bottom"
            if anchor != expected:
                out.append(f"{at}/anchors/source: `{anchor}`, but the event's decision path says `{expected}`")
    return out


def _jump_loops(by_id: dict[str, dict[str, Any]], where: str) -> list[str]:
    """A jump whose target reaches the jump again with no interval on the way."""
    out: list[str] = []
    for event_id, event in by_id.items():
        if event.get("type") != "campaign.jump_to_event":
            continue
        target = str((event.get("properties") or {}).get("jumpToEvent"))
        waits = _waits(event, by_id)
        stack, seen = [target], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in by_id:
                continue
            seen.add(current)
            node = by_id[current]
            waits = waits or node.get("triggerMode") == "interval" or node.get("eventType") == "decision"
            if current == event_id and not waits:
                out.append(f"{where}/events/{event_id}: jump_to_event loop to `{target}` without an interval")
            stack.extend(str(_key(c)) for c in node.get("children", []))
    return out


def _waits(event: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> bool:
    return event.get("triggerMode") == "interval"


def _key(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None else str(value)
