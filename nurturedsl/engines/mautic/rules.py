"""Mautic's own campaign graph rules, re-implemented for offline checking.

Read in mautic/mautic at 24271492a83834e2dd68d9a2c63b61f689a661ac:

- at least one event and at least one source (a segment in `lists` or a
  form in `forms`): Controller/Api/CampaignApiController.php:144-153
  refuses the request otherwise;
- `parent`/`children`/`decisionPath` agree with each other and with the
  canvas connections: Mautic builds parent and decision path from the
  connections' anchors alone (Model/CampaignModel.php:266-330: `yes`/`no`
  for a decision's or condition's paths, `bottom` for an action's child,
  `leadsource` from a source), so an event that says otherwise is not what
  runs. An event without a parent may carry a decisionPath (the functional
  test's "Send email" does); Mautic nulls it (CampaignModel.php:324-327);
- only decisions and conditions have children on `yes`/`no`; an action's
  children have no decisionPath;
- `triggerIntervalUnit` is one of i, h, d, m, y (Form/Type/EventType.php:121-130);
- a `campaign.jump_to_event` has no children (its connectionRestrictions
  allow no target, EventListener/CampaignActionJumpToEventSubscriber.php:52-58),
  and its `jumpToEvent` is another event of the campaign that is neither a
  decision nor a jump (the builder offers only those,
  Assets/js/campaign.js:2151);
- no jump loop without an interval: a jump runs its target at once unless
  the target has an interval (onJumpToEvent, CampaignActionJumpToEventSubscriber.php:96-103),
  so a cycle from the target down to the jump in which no event waits (an
  interval above 0, a date, or a decision waiting for the contact) would
  run for ever;
- `campaign.addremovelead` adding the contact to this campaign again waits
  at least 30 minutes (Form/Validator/Constraints/InfiniteLoopValidator.php:27-45);
- an action on a decision's `no` path waits (interval or date): the builder
  offers no `immediate` there (Form/Type/EventType.php:57-65), and the path
  runs only once the decision has not happened for that long
  (Executioner/InactiveExecutioner.php:187-206);
- an email decision (email.open, email.click, email.reply) hangs under an
  email.send, the email it is about (EmailBundle/EventListener/CampaignSubscriber.php:62-123,
  connectionRestrictions source action email.send).
"""

from __future__ import annotations

from typing import Any

UNITS = ("i", "h", "d", "m", "y")
EMAIL_DECISIONS = ("email.open", "email.click", "email.reply")


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
    if not events:
        out.append(f"{where}/events: a campaign needs at least one event")
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
        up = by_id.get(str(_key(parent))) if parent is not None else None
        if up is not None and up.get("eventType") == "decision" and path == "no":
            if event.get("eventType") == "action" and event.get("triggerMode") not in ("interval", "date"):
                out.append(f"{at}/triggerMode: an action on a decision's `no` path waits (interval or date)")
        if event.get("type") in EMAIL_DECISIONS and (up is None or up.get("type") != "email.send"):
            out.append(f"{at}/parent: {event.get('type')} is about the email.send it hangs under")
        if event.get("type") == "campaign.jump_to_event":
            out.extend(_jump(event, by_id, at))
        if event.get("type") == "campaign.addremovelead" and "this" in (
            (event.get("properties") or {}).get("addTo") or []
        ):
            mode, count, unit = (
                event.get("triggerMode"),
                event.get("triggerInterval") or 0,
                event.get("triggerIntervalUnit"),
            )
            if mode == "immediate" or (mode == "interval" and unit == "i" and count < 30):
                out.append(
                    f"{at}/triggerMode: adding the contact to this campaign again needs a delay of 30 minutes or more"
                )
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


def _jump(event: dict[str, Any], by_id: dict[str, dict[str, Any]], at: str) -> list[str]:
    out = []
    if event.get("children"):
        out.append(f"{at}/children: a jump to an event is the end of its path; nothing can follow it")
    target = by_id.get(str((event.get("properties") or {}).get("jumpToEvent")))
    if target is None:
        out.append(f"{at}/properties/jumpToEvent: no such event in the campaign")
    elif target.get("eventType") == "decision" or target.get("type") == "campaign.jump_to_event":
        out.append(
            f"{at}/properties/jumpToEvent: a jump's target is an action or a condition, not a decision or a jump"
        )
    return out


def _waits(event: dict[str, Any]) -> bool:
    """Whether reaching the event holds the contact: an interval above 0, a date, or a decision."""
    if event.get("eventType") == "decision" or event.get("triggerMode") == "date":
        return True
    return event.get("triggerMode") == "interval" and bool(event.get("triggerInterval"))


def _jump_loops(by_id: dict[str, dict[str, Any]], where: str) -> list[str]:
    """A jump reachable from its own target through events none of which waits."""
    children: dict[str, list[str]] = {}
    for event_id, event in by_id.items():
        parent = _key(event.get("parent"))
        if parent is not None:
            children.setdefault(parent, []).append(event_id)
    out: list[str] = []
    for event_id, event in by_id.items():
        if event.get("type") != "campaign.jump_to_event" or _waits(event):
            continue
        target = str((event.get("properties") or {}).get("jumpToEvent"))
        stack, seen = [target], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in by_id or _waits(by_id[current]):
                continue
            if current == event_id:
                out.append(f"{where}/events/{event_id}: jump_to_event loop to `{target}` without an interval")
                break
            seen.add(current)
            stack.extend(children.get(current, []))
    return out


def _key(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None else str(value)
