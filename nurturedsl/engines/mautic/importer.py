"""A Mautic campaign (the POST /api/campaigns/new payload, a GET
/api/campaigns/ID response `{"campaign": {...}}`, or a mautic:entity:export
file, the JSON array of export.bundle) as `.nurture` text.

The campaign's tree is written as nested steps: an interval becomes a
`wait` before the step, a condition becomes a one-arm `branch` whose `when`
arm is the `yes` path and `else` the `no` path, `campaign.jump_to_event` a
`goto` to the target's label. Every step keeps its Mautic id in
`meta { mautic_event ... }`; what has no construct is a `#` comment and a
diagnostic. A decision on the email before it (email.open, email.click,
email.reply) becomes `wait until opened(LABEL)` (`clicked`, `replied`), and
one on a page, form or asset (page.pagehit, form.submit, asset.download)
`wait for`, with the `yes` path `on event` and the `no` path `on timeout`
after `up to` its first event's interval. Engine ids become names (`email_101`, `segment_21`) and the
bindings that map them back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...units import MAX_DURATION_SECONDS
from ...vocabulary import CONSENT_CHANNELS
from ...webhook import METHODS
from ..core import Bindings, Imported, Kind, Report
from ..text import duration, ident, quote, unique
from .export import OPERATORS

MAX_NUMBER = 10**15  # check.py's limit on a number in a playbook

_COMPARISONS = {mautic: ours for ours, mautic in OPERATORS.items()}
_EMAIL_DECISIONS = {"email.open": "opened", "email.click": "clicked", "email.reply": "replied"}
_BOUND_DECISIONS = {
    "page.pagehit": ("visited", "page", "pages"),
    "form.submit": ("submitted", "form", "forms"),
    "asset.download": ("downloaded", "asset", "assets"),
}
_HHMM = re.compile(r"([0-2][0-9]):([0-5][0-9])")

_UNIT_SECONDS = {"i": 60, "h": 3600, "d": 86400, "m": 30 * 86400, "y": 365 * 86400}
_TOUCHES = ("email.send", "sms.send_text_sms", "campaign.sendwebhook")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ImportProblem(ValueError):
    """A document that is not a Mautic campaign; the message says where."""


def _campaign(doc: Any) -> dict[str, Any]:
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "campaign" in doc[0]:
        return from_bundle(doc[0], "/0")
    if isinstance(doc, dict) and isinstance(doc.get("campaign"), dict):
        found: dict[str, Any] = doc["campaign"]
        return found
    if isinstance(doc, dict) and isinstance(doc.get("campaign"), list):
        return from_bundle(doc)
    if isinstance(doc, dict) and "events" in doc:
        return doc
    raise ImportProblem(
        '/: expected a Mautic campaign: an object with `events`, `{"campaign": {...}}` or an export file'
    )


def from_bundle(entry: Any, at: str = "") -> dict[str, Any]:
    """One object of a mautic:entity:export file as the campaign the REST API
    shows: the `campaign` row, its `campaign_event` rows in the API's member
    names, and its segments from the `dependencies`
    (CampaignImportExportSubscriber.php@040f2624, processDependencies)."""
    rows = entry.get("campaign") if isinstance(entry, dict) else None
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        raise ImportProblem(f"{at}/campaign: expected an array with one campaign object")
    row = rows[0]
    campaign: dict[str, Any] = {
        "name": row.get("name"),
        "description": row.get("description"),
        "isPublished": row.get("is_published", row.get("isPublished")),
        "canvasSettings": row.get("canvas_settings", row.get("canvasSettings")),
        "lists": row.get("lists", []),
        "forms": row.get("forms", []),
        "uuid": row.get("uuid"),
    }
    for group in _items(entry.get("dependencies")):
        for source in ("lists", "forms"):
            for link in _items(group.get(source)) if isinstance(group, dict) else []:
                if isinstance(link, dict) and link.get(source) is not None:
                    campaign[source] = [*campaign[source], {"id": link[source]}]
    raw = entry.get("campaign_event", row.get("events", []))
    if not isinstance(raw, list):
        raise ImportProblem(f"{at}/campaign_event: expected an array of events")
    names = {
        "event_type": "eventType",
        "event_order": "order",
        "trigger_interval": "triggerInterval",
        "trigger_interval_unit": "triggerIntervalUnit",
        "trigger_mode": "triggerMode",
        "trigger_date": "triggerDate",
        "trigger_hour": "triggerHour",
        "parent_id": "parent",
    }
    events = [{names.get(k, k): v for k, v in e.items()} if isinstance(e, dict) else e for e in raw]
    for event in events:
        if isinstance(event, dict) and "children" not in event:
            event["children"] = [
                other.get("id")
                for other in events
                if isinstance(other, dict)
                and other.get("parent") is not None
                and other["parent"] == event.get("id")
                and other.get("id") is not None
            ]
    campaign["events"] = events
    return campaign


def _id(value: Any) -> int | None:
    """A Mautic id: a whole number above 0, also as a numeric text ("21"), as
    PHP forms and hand-written JSON give them; anything else is not an id."""
    if type(value) is int:
        return value if 0 < value <= MAX_NUMBER else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return _id(int(value))
    return None


def _items(value: Any) -> list[Any]:
    """A list member, or nothing when it is missing or not a list."""
    return value if isinstance(value, list) else []


def _key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return None if value.get("id") is None else str(value["id"])
    return str(value)


class _Importer:
    def __init__(self, campaign: dict[str, Any], bindings: Bindings | None, report: Report):
        self.campaign = campaign
        self.report = report
        self.bindings = bindings
        self.events: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[str]] = {}
        self.roots: list[str] = []
        self.labels: dict[str, str] = {}  # event id → step label
        self.taken: set[str] = set()
        self.content: dict[str, tuple[int, str, str]] = {}  # name → id, kind, channel
        self.segments: dict[str, int] = {}
        self.attributes: dict[str, tuple[str, str]] = {}
        self.tables: dict[Kind, dict[str, Any]] = {}
        self.quiet: tuple[str, str] | None = None
        self.days: list[int] | None = None
        self.scores: set[str] = set()  # the scores the campaign's points steps and tests name
        self.event_name: Any = None
        self.giving = "give"
        self.doing = "notify"
        self.skip_wait: set[str] = set()  # no-path events whose interval is a decision's `up to`
        self.targets: dict[str, int] = {}  # flow → the Mautic campaign a `move to` adds contacts to

    def name_for(self, kind: Kind, value: Any, prefix: str) -> str:
        if self.bindings is not None:
            for name, bound in self.bindings.tables.get(kind, {}).items():
                if bound == value:
                    return str(name)
        return f"{prefix}_{value}"

    def campaign_flow(self, campaign: int) -> str:
        """The flow a `move to` names for a Mautic campaign id: the flow the
        bindings give that campaign, else `campaign_ID`, written as an empty
        flow (the other campaign is not in this document)."""
        name = f"campaign_{campaign}"
        value: Any = {"campaign": campaign}
        if self.bindings is not None:
            for bound_name, bound in self.bindings.tables.get("flow", {}).items():
                if isinstance(bound, dict) and bound.get("campaign") == campaign:
                    name, value = str(bound_name), bound
        self.targets[name] = campaign
        self.bind("flow", name, value)
        return name

    def bind(self, kind: Kind, name: str, value: Any) -> None:
        self.tables.setdefault(kind, {})[name] = value

    def read(self) -> None:
        raw = self.campaign.get("events")
        events = list(raw.values()) if isinstance(raw, dict) else raw
        if not isinstance(events, list):
            raise ImportProblem("/events: expected an array (or object) of events")
        for i, event in enumerate(events):
            if not isinstance(event, dict) or _key(event.get("id")) is None:
                raise ImportProblem(f"/events/{i}: expected an event object with an `id`")
            for member in ("type", "eventType"):
                if not isinstance(event.get(member), str):
                    raise ImportProblem(f"/events/{i}/{member}: expected a text")
            self.events[str(_key(event["id"]))] = event
        for event_id, event in self.events.items():
            parent = _key(event.get("parent"))
            if parent is None:
                self.roots.append(event_id)
            elif parent not in self.events:
                raise ImportProblem(f"/events/{event_id}/parent: no event `{parent}` in the campaign")
            else:
                self.children.setdefault(parent, []).append(event_id)
        order = {event_id: i for i, event_id in enumerate(self.events)}

        def place(e: str) -> tuple[int, int]:
            given = self.events[e].get("order")
            return (given if type(given) is int else 0, order[e])

        for kids in self.children.values():
            kids.sort(key=place)
        self.roots.sort(key=place)
        for event_id, event in self.events.items():
            if event["type"] in _TOUCHES and isinstance(event.get("name"), str) and self._imports(event):
                self.labels[event_id] = unique(ident(event["name"]), self.taken)
            elif event["type"] == "email.send.to.user" and isinstance(event.get("name"), str):
                # a labelled notify/task keeps its label; `notify_1` is the id an unlabelled one gets
                name = event["name"]
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and not re.fullmatch(r"(notify|task)_[0-9]+", name):
                    self.labels[event_id] = unique(name, self.taken)
        # a branch's step id is generated (`branch_N`, in source order): the
        # order the steps are written in, which `_walk` follows
        branches = [e for e in self._walk(self.roots) if self._branch(self.events[e])]
        n = 0
        for event_id in branches:
            n += 1
            while f"branch_{n}" in self.taken:
                n += 1
            self.labels[event_id] = f"branch_{n}"

    def _imports(self, event: dict[str, Any]) -> bool:
        """Whether a touch becomes a step (a label to a comment would not check)."""
        props = event.get("properties")
        props = props if isinstance(props, dict) else {}
        if event["type"] == "email.send":
            return _id(props.get("email")) is not None
        if event["type"] == "sms.send_text_sms":
            return _id(props.get("sms")) is not None
        return _webhook(props) is not None

    def _branch(self, event: dict[str, Any]) -> bool:
        props = event.get("properties") or {}
        if event["eventType"] != "condition" or not isinstance(props, dict):
            return False
        return self.condition(event["type"], props, "", dry=True) is not None

    def _awaited(self, event_id: str) -> tuple[str, str] | None:
        """The `wait until`/`wait for` and its event test a decision reads as, or None."""
        event = self.events[event_id]
        if event["eventType"] != "decision":
            return None
        props = event.get("properties") or {}
        if event["type"] in _EMAIL_DECISIONS:
            parent = _key(event.get("parent"))
            above = self.events.get(parent or "")
            urls = props.get("urls") if isinstance(props, dict) else None
            if above is None or above["type"] != "email.send" or parent not in self.labels:
                return None
            if event["type"] == "email.click" and isinstance(urls, dict) and urls.get("list"):
                return None  # only some links: nurturedsl's `clicked` is any link
            return "wait until", f"{_EMAIL_DECISIONS[event['type']]}({self.labels[str(parent)]})"
        if event["type"] in _BOUND_DECISIONS and isinstance(props, dict):
            name, member, prop = _BOUND_DECISIONS[event["type"]]
            ids = props.get(prop)
            if isinstance(ids, list) and len(ids) == 1 and _id(ids[0]) is not None and not props.get("url"):
                value: dict[str, Any] = {member: _id(ids[0])}
            elif name == "visited" and isinstance(props.get("url"), str) and props["url"] and not ids:
                value = {"url": props["url"]}
            else:
                return None
            key = self.name_for("event", value, "")
            if not key.startswith(f"{name}("):
                key = f"{name}({quote(value['url'] if 'url' in value else f'{member}-{value[member]}')})"
            self.bind("event", key, value)
            return "wait for", key
        return None

    def _walk(self, starts: list[str]) -> list[str]:
        order: list[str] = []
        stack = list(reversed(starts))
        while stack:
            event_id = stack.pop()
            order.append(event_id)
            event = self.events[event_id]
            kids = self.children.get(event_id, [])
            if self._branch(event) or self._awaited(event_id) is not None:
                yes = [k for k in kids if self.events[k].get("decisionPath") == "yes"][:1]
                no = [k for k in kids if self.events[k].get("decisionPath") == "no"][:1]
                stack.extend(reversed(yes + no))
            elif event["eventType"] == "action":
                stack.extend(kids[:1])
        return order

    def delay(self, event: dict[str, Any], at: str) -> int:
        if event.get("triggerMode") != "interval":
            if event.get("triggerMode") not in (None, "immediate"):
                self.report.note(
                    "MAU101", None, f"{at}: trigger mode {event.get('triggerMode')!r} imported as immediate"
                )
            return 0
        unit = event.get("triggerIntervalUnit")
        count = event.get("triggerInterval") or 0
        if isinstance(count, str) and count.isascii() and count.isdigit():
            count = int(count)  # PHP forms send numbers as texts
        if not isinstance(unit, str) or unit not in _UNIT_SECONDS or type(count) is not int:
            raise ImportProblem(f"{at}/triggerIntervalUnit: expected i, h, d, m or y with a whole triggerInterval")
        if count < 0 or count * _UNIT_SECONDS[unit] > MAX_DURATION_SECONDS:
            raise ImportProblem(f"{at}/triggerInterval: {count}{unit} is not a wait of 0 to ten years")
        if unit in ("m", "y"):
            self.report.note("MAU102", None, f"{at}: {count}{unit} imported as {count * _UNIT_SECONDS[unit] // 86400}d")
        # "08:00" in a request, "08:00:00" in an export file, "1970-01-01T08:00:00+00:00"
        # in a response (JMS's datetime format `c`, app/config/config.php:246-251@24271492)
        start = _HHMM.search(str(event.get("triggerRestrictedStartHour") or ""))
        stop = _HHMM.search(str(event.get("triggerRestrictedStopHour") or ""))
        if start and stop and self.quiet is None:
            early, late = sorted((start.group(0), stop.group(0)))  # Mautic swaps them (Interval.php:263-269)
            self.quiet = (late, early)
        days = event.get("triggerRestrictedDaysOfWeek")
        if isinstance(days, list) and any(type(d) is not int or not -1 <= d <= 6 for d in days):
            raise ImportProblem(f"{at}/triggerRestrictedDaysOfWeek: expected days -1 to 6")
        if isinstance(days, list) and days and self.days is None:
            # -1 is the builder's "week days" choice (Form/Type/EventType.php:209)
            self.days = sorted({d for x in days for d in ((1, 2, 3, 4, 5) if int(x) == -1 else (int(x),))})
        return int(count) * _UNIT_SECONDS[unit]

    def steps(self, event_id: str, indent: str) -> list[str]:
        event = self.events[event_id]
        at = f"/events/{event_id}"
        lines: list[str] = []
        seconds = self.delay(event, at)
        if seconds and event_id not in self.skip_wait:  # a decision's time-out is its `up to`
            lines.append(f"{indent}wait {duration(seconds)}")
        kept = f" mautic_uuid {quote(event['uuid'])}" if _is_uuid(event.get("uuid")) else ""
        meta = f" meta {{ mautic_event {quote(str(event['id']))}{kept} }}"
        kind, props = event["type"], event.get("properties") or {}
        label = self.labels.get(event_id)
        if not isinstance(props, dict):
            props = {}
        kids = self.children.get(event_id, [])
        if event["eventType"] == "condition":
            test = self.condition(kind, props, at)
            yes = [k for k in kids if self.events[k].get("decisionPath") == "yes"]
            no = [k for k in kids if self.events[k].get("decisionPath") == "no"]
            if test is None:
                lines.append(f"{indent}# Mautic condition {kind} ({at}) has no nurturedsl test: its paths are left out")
                return lines
            lines.append(f"{indent}branch {{")
            lines.append(f"{indent}  when {test} {{")
            lines.extend(self.many(yes, indent + "    ", at))
            lines.append(f"{indent}  }}")
            if no:
                lines.append(f"{indent}  else {{")
                lines.extend(self.many(no, indent + "    ", at))
                lines.append(f"{indent}  }}")
            lines.append(f"{indent}}}{meta}")
            return lines
        if event["eventType"] == "decision":
            awaited = self._awaited(event_id)
            if awaited is None:
                self.report.note(
                    "MAU103", None, f"{at}: decision {kind} has no nurturedsl step; its paths are left out"
                )
                lines.append(f"{indent}# Mautic decision {kind} ({at}) is not imported")
                return lines
            construct, test = awaited
            yes = [k for k in kids if self.events[k].get("decisionPath") == "yes"]
            no = [k for k in kids if self.events[k].get("decisionPath") == "no"]
            timeout = self.delay(self.events[no[0]], f"/events/{no[0]}") if no else 0
            if no and not timeout:
                self.report.note("MAU107", None, f"{at}: the `no` path runs at once, with no time-out; it is left out")
                no = []
            if construct == "wait for" and not timeout:  # `wait for` needs `up to`
                construct = "wait until"
            limit = f" up to {duration(timeout)}" if timeout else ""
            arm = "on event" if construct == "wait until" else f"on {test}"
            head = f"{indent}{construct} {test}{limit}" if construct == "wait until" else f"{indent}wait for{limit}"
            body: list[str] = []
            if yes:
                body += [f"{indent}  {arm} {{", *self.many(yes, indent + "    ", at), f"{indent}  }}"]
            elif construct == "wait for":
                body += [f"{indent}  {arm} {{ }}"]
            if no and timeout:
                self.skip_wait.add(no[0])
                body += [f"{indent}  on timeout {{", *self.many(no, indent + "    ", at), f"{indent}  }}"]
            lines.extend([f"{head} {{", *body, f"{indent}}}{meta}"] if body else [f"{head}{meta}"])
            return lines
        marked = str(event.get("description") or "").strip()
        self.giving = "ask" if marked == "nurturedsl: ask" else "give"
        self.doing = "task" if marked == "nurturedsl: task" else "notify"
        self.event_name = event.get("name")
        step = self.action(kind, props, label, at)
        if step is None:
            lines.append(f"{indent}# Mautic action {kind} ({at}) is not imported")
        else:
            lines.append(f"{indent}{step}{meta}")
        lines.extend(self.many(kids, indent, at))
        return lines

    def many(self, kids: list[str], indent: str, at: str) -> list[str]:
        if len(kids) > 1:
            self.report.note(
                "MAU104",
                None,
                f"{at}: {len(kids)} events on one path run in parallel in Mautic; only the first is imported",
            )
            return self.steps(kids[0], indent) + [f"{indent}# {len(kids) - 1} parallel event(s) left out"]
        return self.steps(kids[0], indent) if kids else []

    def content_name(self, value: Any, prefix: str, kind: str, channel: str) -> str:
        name = self.name_for("content", value, prefix)
        self.content[name] = (int(value), kind, channel)
        self.bind("content", name, value)
        return name

    def action(self, kind: str, props: dict[str, Any], label: str | None, at: str) -> str | None:
        giving = self.giving
        if kind == "email.send" and _id(props.get("email")) is not None:
            name = self.content_name(_id(props["email"]), "email", giving, "email")
            return f"email {label}: {name}" if label else f"email {name}"
        if kind == "sms.send_text_sms" and _id(props.get("sms")) is not None:
            name = self.content_name(_id(props["sms"]), "sms", giving, "sms")
            return f"sms {label}: {name}" if label else f"sms {name}"
        if kind == "lead.changetags":
            add, remove = _items(props.get("add_tags")), _items(props.get("remove_tags"))
            if len(add) + len(remove) == 1 and all(isinstance(t, str) and t.strip() for t in add + remove):
                return f"tag {quote(str(add[0]))}" if add else f"untag {quote(str(remove[0]))}"
        points = props.get("points")
        if isinstance(points, str) and re.fullmatch(r"-?[0-9]{1,16}", points):
            points = int(points)  # a form's text
        if kind == "lead.changepoints" and type(points) is int and points != 0 and abs(points) <= MAX_NUMBER:
            # the export names the event `score_NAME_N` (the step id): the score's name comes back
            named = re.fullmatch(r"score_([A-Za-z_][A-Za-z0-9_]*)_[0-9]+", str(self.event_name or ""))
            score = named.group(1) if named else "points"
            self.scores.add(score)
            return f"score {score} {points:+d}"
        if kind == "lead.updatelead":
            fields = {k: v for k, v in props.items() if v not in (None, "")}
            if len(fields) == 1:
                alias, value = next(iter(fields.items()))
                if _literal(value) and isinstance(alias, str) and _alias(alias):
                    path = self.attribute(str(alias), value)
                    shown = (
                        ("true" if value else "false")
                        if isinstance(value, bool)
                        else (str(value) if isinstance(value, int | float) else quote(value))
                    )
                    return f"set {path} = {shown}"
        if kind == "campaign.sendwebhook" and _webhook(props) is not None:
            method = str(_webhook(props))
            body = self.placeholders(_webhook_body(props.get("additional_data")))
            props = {**props, "url": self.placeholders(props["url"])}
            text = (
                f"webhook {label}: {method} {quote(props['url'])}"
                if label
                else f"webhook {method} {quote(props['url'])}"
            )
            return text + (
                f" body {quote(body)}" if isinstance(body, str) and method in ("post", "put", "patch") else ""
            )
        owner = _id(props.get("owner"))
        if kind == "lead.changeowner" and owner is not None:
            team = self.name_for("team", owner, "user")
            self.bind("team", team, owner)
            return f"handoff {team}"
        if kind == "lead.changelist" and props.get("addToLists") and not props.get("removeFromLists"):
            lists = _items(props["addToLists"])
            if len(lists) == 1 and _id(lists[0]) is not None:
                name = self.name_for("list", _id(lists[0]), "segment")
                self.bind("list", name, _id(lists[0]))
                return f"suppress {quote(name)}"
        if kind == "email.send.to.user":
            email = (props.get("useremail") or {}).get("email") if isinstance(props.get("useremail"), dict) else None
            users = _items(props.get("user_id"))
            others = any(props.get(k) for k in ("to_owner", "to", "cc", "bcc"))
            user = _id(users[0]) if len(users) == 1 else None
            if _id(email) is not None and user is not None and not others:
                email, users = _id(email), [user]
                value = {"user": user, "email": email}
                name = self.name_for("recipient", value, "")
                if name.startswith("_"):  # not in the bindings
                    name = f"user_{users[0]}"
                self.bind("recipient", name, value)
                text = quote(f"Mautic email {email} to user {users[0]}")
                head = f"{self.doing} {label}:" if label else self.doing
                return f"{head} {text} for {name}" if self.doing == "task" else f"{head} {name} {text}"
        if kind == "campaign.addremovelead":
            # CampaignEventAddRemoveLeadType.php@24271492: campaign ids, or "this"
            adding, removing = _items(props.get("addTo")), props.get("removeFrom")
            campaign = _id(adding[0]) if len(adding) == 1 else None
            if campaign is not None and removing == ["this"]:
                return f"move to {self.campaign_flow(campaign)}"
        if kind == "campaign.jump_to_event":
            target = _key(props.get("jumpToEvent"))
            if target in self.labels:
                return f"goto {self.labels[target]}"
        self.report.note("MAU105", None, f"{at}: Mautic action {kind} with these properties has no nurturedsl step")
        return None

    def condition(self, kind: str, props: dict[str, Any], at: str, dry: bool = False) -> str | None:
        """The nurturedsl test of a Mautic condition (`dry`: only whether there is one)."""
        if kind == "lead.segments" and isinstance(props.get("segments"), list) and len(props["segments"]) == 1:
            value = _id(props["segments"][0])
            if value is not None:
                name = self.name_for("segment", value, "segment")
                if not dry:
                    self.segments[name] = value
                    self.bind("segment", name, value)
                return name
        if (
            kind == "lead.tags"
            and len(_items(props.get("tags"))) == 1
            and isinstance(props["tags"][0], str)
            and props["tags"][0].strip()
        ):
            return f"tagged {quote(str(props['tags'][0]))}"
        if kind == "lead.dnc" and isinstance(props.get("channels"), list) and len(props["channels"]) == 1:
            # Mautic's own channels include `notification` (web push), which no playbook names
            if not props.get("reason") and props["channels"][0] in CONSENT_CHANNELS:
                return f"not consent({quote(props['channels'][0])})"
        operator = props.get("operator")
        operator = operator if isinstance(operator, str) else None
        if kind == "lead.points" and operator in _COMPARISONS and not props.get("group"):
            score = props.get("score")
            if type(score) is int and abs(score) <= MAX_NUMBER:
                if not dry:
                    self.scores.add("points")
                return f"points {_COMPARISONS[operator]} {score}"
        if kind == "lead.field_value" and isinstance(props.get("field"), str) and _alias(props["field"]):
            value = props.get("value")
            if operator == "!empty":
                path = self.attribute(str(props["field"]), "", dry)
                return f"has {path}"
            numeric = type(value) in (int, float) and _literal(value)
            if operator in _COMPARISONS and (numeric or (isinstance(value, str) and operator in ("=", "!="))):
                path = self.attribute(str(props["field"]), value, dry)
                shown = str(value) if numeric else quote(str(value))
                return f"{path} {_COMPARISONS[operator]} {shown}"
        if not dry:
            self.report.note(
                "MAU106", None, f"{at}: Mautic condition {kind} with these properties has no nurturedsl test"
            )
        return None

    def placeholders(self, text: str | None) -> str | None:
        """Mautic's `{contactfield=ALIAS}` tokens as our `{attribute}` placeholders."""
        if text is None:
            return None

        def placeholder(match: re.Match[str]) -> str:
            alias = match.group(1)
            name = self.name_for("attribute", alias, "")
            return "{" + (alias if name.startswith("_") else name) + "}"

        return _CONTACT_TOKEN.sub(placeholder, text)

    def attribute(self, alias: str, value: Any, dry: bool = False) -> str:
        """The attribute path a Mautic field alias is imported as (declared, and bound back to the alias)."""
        path = self.name_for("attribute", alias, "mautic").replace("mautic_", "mautic.", 1)
        if "." not in path or not re.fullmatch(r"mautic\.[A-Za-z_][A-Za-z0-9_]*", path) and path.startswith("mautic."):
            path = f"mautic.{ident(alias, 'field')}"  # a name the grammar reads: `2fa` is `field_2fa`
        typ = "bool" if isinstance(value, bool) else "number" if isinstance(value, int | float) else "string"
        if not dry:
            self.attributes.setdefault(path, (typ, alias))
            self.bind("attribute", path, alias)
        return path

    def text(self) -> str:
        self.read()
        name = str(self.campaign.get("name") or "campaign")
        description = str(self.campaign.get("description") or "")
        flow = (
            ident(description.split("nurturedsl flow ", 1)[1])
            if "nurturedsl flow " in description
            else ident(name, "campaign")
        )
        body: list[str] = []
        for root in self.roots:
            body.extend(self.steps(root, "  "))
        lists = [_id(x.get("id")) for x in _items(self.campaign.get("lists")) if isinstance(x, dict)]
        lists = [x for x in lists if x is not None]
        if lists:
            self.bind("flow", flow, lists[0])
        out = [f"# Imported from the Mautic campaign {quote(name)}"]
        if self.quiet or self.days:
            out.append("policy {")
            if self.quiet:
                out.append(f"  quiet_hours {self.quiet[0]}..{self.quiet[1]}")
            if self.days:
                out.append("  send_days " + ", ".join(_DAYS[d] for d in self.days))
            out.append("}")
        for path, (typ, _alias) in sorted(self.attributes.items()):
            out.append(f"attribute {path}: {typ}")
        for seg, value in sorted(self.segments.items()):
            out.append(
                f"segment {seg} = tagged {quote(f'mautic-segment-{value}')}  # membership of Mautic segment {value}"
            )
        for content, (value, kind, channel) in sorted(self.content.items()):
            out.append(f"content {content} {kind} {quote(f'Mautic {channel} {value}')}")
        for score in sorted(self.scores):
            out.append(f"score {score} {{\n  threshold high at 100\n}}")
        out.append(f"flow {flow} {quote(name)} {{")
        if _is_uuid(self.campaign.get("uuid")):
            # mautic:entity:import updates the campaign of this uuid (bundle() writes it back)
            out.append(f"  meta {{ mautic_uuid {quote(self.campaign['uuid'])} }}")
        if self.campaign.get("allowRestart") is True:
            out.append("  reentry allowed")
        if lists:
            out.append(f"  # sources: Mautic segment(s) {', '.join(str(x) for x in lists)} (bindings `flows`)")
        if len(lists) > 1:
            self.report.note(
                "MAU109",
                None,
                f"/lists: {len(lists)} source segments; only the first, {lists[0]}, is bound to flow `{flow}`",
            )
        for form in _items(self.campaign.get("forms")):
            # a form source: whoever submits the form enters (bound back as { form = ID })
            form_id = _id(form.get("id")) if isinstance(form, dict) else None
            if form_id is not None:
                key = self.name_for("event", {"form": form_id}, "")
                if not key.startswith("submitted("):
                    key = "submitted(" + quote(f"form-{form_id}") + ")"
                self.bind("event", key, {"form": form_id})
                out.append(f"  entry on {key}")
        out.extend(body)
        out.append("}")
        for target, campaign in sorted(self.targets.items()):
            if target != flow:
                out.append(f"flow {target} {{  # the Mautic campaign {campaign} contacts are moved to\n}}")
        return "\n".join(out) + "\n"


def _literal(value: Any) -> bool:
    """A value a playbook can write: a text, a bool, or a number within check.py's limit
    (written without an exponent)."""
    if isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_NUMBER
    return isinstance(value, float) and abs(value) <= MAX_NUMBER and "e" not in repr(value) and value == value


def _alias(alias: str) -> bool:
    """A Mautic field alias the importer can name (letters, digits, underscores)."""
    return re.fullmatch(r"[A-Za-z0-9_]+", alias) is not None


def _webhook(props: dict[str, Any]) -> str | None:
    """The method of a campaign.sendwebhook nurturedsl can write, or None."""
    url, method = props.get("url"), props.get("method") or "post"
    if not (isinstance(url, str) and url.lower().startswith("http")) or not isinstance(method, str):
        return None
    return method.lower() if method.upper() in METHODS else None


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _webhook_body(data: Any) -> str | None:
    """The JSON object a webhook's label/value pairs send
    (WebhookBundle/Helper/CampaignHelper.php:53-59: additional_data.list)."""
    pairs = data.get("list") if isinstance(data, dict) else None
    if not isinstance(pairs, list) or not pairs:
        return None
    if not all(isinstance(p, dict) and isinstance(p.get("label"), str) for p in pairs):
        return None
    return json.dumps({p["label"]: str(p.get("value") or "") for p in pairs})


_CONTACT_TOKEN = re.compile(r"\{contactfield=([A-Za-z0-9_]+)\}")


def import_doc(doc: Any, bindings: Bindings | None, report: Report) -> Imported:
    if isinstance(doc, list) and len(doc) > 1:
        report.note("MAU108", None, f"/: the export file holds {len(doc)} campaigns; only the first, /0, is imported")
    try:
        importer = _Importer(_campaign(doc), bindings, report)
        text = importer.text()
    except ImportProblem as problem:
        report.refuse("MAU100", None, str(problem), "not a Mautic campaign this import can read")
        return Imported("", {})
    return Imported(text, importer.tables)
