"""A HubSpot automation v4 flow (the POST /automation/v4/flows body, or a
GET /automation/v4/flows/{flowId} response) as `.nurture` text.

The graph is written depth-first from `startActionId`: a connection to an
action not written yet is followed in place (STANDARD or GOTO alike), one to
an action already written becomes a `goto` to its step id, so HubSpot's
joins and loops come back as the language's. A LIST_BRANCH is a `branch`
(each list branch a `when`, the default branch `else`), an AB_TEST_BRANCH a
`split` with each arm's percentage (evenly, HS108, when they do not add
up to 100), a delay a `wait`. Every step keeps its action id
in `meta { hubspot_action "N" }`; what has no construct is a `#` comment and
an HS1xx diagnostic. Engine ids become names (`email_113782603056`,
`list_178`, `hs_4_1639801`) and the bindings that map them back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...check import MAX_NUMBER
from ...units import MAX_DURATION_SECONDS
from ...vocabulary import BUILTIN_ATTRIBUTES, BUILTIN_EVENTS
from ..conditions import And, Compare, Condition, EventCount, Has, InSegment, Not, Or, Tagged
from ..core import Bindings, Imported, Kind, Report
from ..text import condition, duration, ident, quote, value
from .export import DAYS, NUMBER_OPERATORS, OWNER_PROPERTY, holds_without_value

_UNIT_SECONDS = {"SECONDS": 1, "MINUTES": 60, "HOURS": 3600, "DAYS": 86400, "WEEKS": 7 * 86400}
_OPERATORS = {v: k for k, v in NUMBER_OPERATORS.items()}
_DAY_NAMES = {v: k for k, v in DAYS.items()}
_KEY = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)(?:\("(.*)"\))?$')
_LABELLED = ("email", "webhook", "task", "notify")


class ImportProblem(ValueError):
    """A document that is not a HubSpot flow; the message says where."""


class Unreadable(ValueError):
    """A filter with no nurturedsl condition."""


class _Importer:
    def __init__(self, doc: dict[str, Any], bindings: Bindings | None, report: Report):
        self.doc = doc
        self.bindings = bindings
        self.report = report
        self.actions: dict[str, dict[str, Any]] = {}
        self.index: dict[str, int] = {}
        self.tables: dict[Kind, dict[str, Any]] = {}
        self.content: dict[str, int] = {}
        self.segments: dict[str, int] = {}
        self.attributes: dict[str, str] = {}
        self.events: set[str] = set()
        self.targets: set[str] = set()  # actions a `goto` leads to
        self.reset()

    def reset(self) -> None:
        self.written: dict[str, str] = {}  # action id → step id
        self.counts: dict[str, int] = {}
        self.taken: set[str] = set()
        self.notes = True

    # -- names

    def name_for(self, kind: Kind, engine_value: Any, fallback: str) -> str:
        if self.bindings is not None:
            for name, bound in self.bindings.tables.get(kind, {}).items():
                if str(bound) == str(engine_value):
                    return str(name)
        return fallback

    def bind(self, kind: Kind, name: str, bound: Any) -> None:
        self.tables.setdefault(kind, {})[name] = bound

    def note(self, code: str, message: str) -> None:
        if self.notes:
            self.report.note(code, None, message)

    def types(self) -> dict[str, str]:
        return {**BUILTIN_ATTRIBUTES, **self.attributes}

    def attribute(self, prop: Any, kind: str) -> str:
        if not isinstance(prop, str) or not prop:
            raise Unreadable("a property filter without a property")
        name = self.name_for("attribute", prop, f"hubspot.{ident(prop, 'property')}")
        if name not in BUILTIN_ATTRIBUTES:
            self.attributes.setdefault(name, kind)
        self.bind("attribute", name, prop)
        return name

    def event(self, type_id: Any) -> EventCount:
        if not isinstance(type_id, str) or not re.match(r"^[0-9]+-[0-9]+$", type_id):
            raise Unreadable(f"event type id {type_id!r}")
        key = self.name_for("event", type_id, "hs_" + type_id.replace("-", "_"))
        match = _KEY.match(key)
        if match is None:
            key = "hs_" + type_id.replace("-", "_")
            match = _KEY.match(key)
            assert match is not None
        name, arg = match.group(1), match.group(2)
        if name not in BUILTIN_EVENTS:
            self.events.add(name)
        self.bind("event", key, type_id)
        return EventCount(name, arg)

    def list_test(self, list_id: Any) -> Condition:
        if not (isinstance(list_id, str | int) and str(list_id).isdigit()):
            raise Unreadable(f"list id {list_id!r}")
        tag = self.name_for("tag", list_id, "")
        if tag:
            self.bind("tag", tag, int(list_id))
            return Tagged(tag)
        name = self.name_for("segment", list_id, f"list_{list_id}")
        self.segments[name] = int(list_id)
        self.bind("segment", name, int(list_id))
        return InSegment(name)

    # -- filters

    def filter_branch(self, branch: Any) -> Condition:
        if not isinstance(branch, dict):
            raise Unreadable("a filter branch that is not an object")
        kind = branch.get("filterBranchType")
        if kind == "UNIFIED_EVENTS":
            if branch.get("filters") or branch.get("filterBranches"):
                raise Unreadable("an event filter with refinements")
            test = self.event(branch.get("eventTypeId"))
            if branch.get("operator") == "HAS_COMPLETED":
                return test
            if branch.get("operator") == "HAS_NOT_COMPLETED":
                return Not(test)
            raise Unreadable(f"event operator {branch.get('operator')!r}")
        parts: list[Condition] = [self.filter(f) for f in _items(branch.get("filters"))]
        parts += [self.filter_branch(b) for b in _items(branch.get("filterBranches"))]
        if not parts:
            raise Unreadable("an empty filter branch")
        if kind == "AND":
            return parts[0] if len(parts) == 1 else And(tuple(parts))
        if kind == "OR":
            return parts[0] if len(parts) == 1 else Or(tuple(parts))
        if kind == "NOT_ANY":
            return Not(parts[0] if len(parts) == 1 else Or(tuple(parts)))
        if kind == "NOT_ALL":
            return Not(parts[0] if len(parts) == 1 else And(tuple(parts)))
        raise Unreadable(f"filter branch type {kind!r}")

    def filter(self, found: Any) -> Condition:
        if not isinstance(found, dict):
            raise Unreadable("a filter that is not an object")
        if found.get("filterType") == "IN_LIST":
            test = self.list_test(found.get("listId"))
            if found.get("operator") == "IN_LIST":
                return test
            if found.get("operator") == "NOT_IN_LIST":
                return Not(test)
            raise Unreadable(f"list operator {found.get('operator')!r}")
        if found.get("filterType") != "PROPERTY" or not isinstance(found.get("operation"), dict):
            raise Unreadable(f"filter type {found.get('filterType')!r}")
        test = self.property_test(found)
        included = found["operation"].get("includeObjectsWithNoValueSet")
        ours = holds_without_value(test) if isinstance(test, Compare) else isinstance(test, Not)
        if isinstance(included, bool) and included != ours:
            self.note(
                "HS109",
                f"the filter on `{found.get('property')}` {'includes' if included else 'leaves out'} contacts "
                f"without a value; nurturedsl's test {'holds' if ours else 'does not hold'} for them",
            )
        return test

    def property_test(self, found: dict[str, Any]) -> Condition:
        op = found["operation"]
        kind, operator = op.get("operationType"), op.get("operator")
        prop = found.get("property")
        if kind == "ALL_PROPERTY" and operator in ("IS_KNOWN", "IS_UNKNOWN"):
            has = Has(self.attribute(prop, "string"))
            return has if operator == "IS_KNOWN" else Not(has)
        if kind in ("MULTISTRING", "STRING", "ENUMERATION") and operator in ("IS_EQUAL_TO", "IS_NOT_EQUAL_TO"):
            values = op.get("values") if "values" in op else [op.get("value")]
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise Unreadable("a text filter without texts")
            name = self.attribute(prop, "string")
            if len(values) == 1:
                return Compare(name, "==" if operator == "IS_EQUAL_TO" else "!=", values[0])
            return Compare(name, "in" if operator == "IS_EQUAL_TO" else "not in", tuple(values))
        if kind == "NUMBER" and isinstance(operator, str) and operator in _OPERATORS:
            number = op.get("value")
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise Unreadable("a number filter without a number")
            if not abs(number) <= MAX_NUMBER:  # also NaN: the language's numbers are at most 10^15
                raise Unreadable(f"a number filter on {number!r}, beyond 10^15,")
            return Compare(self.attribute(prop, "number"), _OPERATORS[operator], number)  # type: ignore[arg-type]
        if kind == "BOOL" and operator == "IS_EQUAL_TO" and isinstance(op.get("value"), bool):
            return Compare(self.attribute(prop, "bool"), "==", op["value"])
        raise Unreadable(f"property operation {kind} {operator}")

    def cond_text(self, branch: Any, at: str) -> str | None:
        try:
            return condition(self.filter_branch(branch), self.types())
        except Unreadable as why:
            self.note("HS103", f"{at}: {why} has no nurturedsl condition")
            return None

    # -- the graph

    def read(self) -> None:
        actions = self.doc.get("actions")
        if not isinstance(actions, list):
            raise ImportProblem("/actions: expected an array of actions")
        for i, action in enumerate(actions):
            if not isinstance(action, dict) or not isinstance(action.get("actionId"), str):
                raise ImportProblem(f"/actions/{i}: expected an action object with a string `actionId`")
            if not isinstance(action.get("type"), str):
                raise ImportProblem(f"/actions/{i}/type: expected a text")
            self.actions[action["actionId"]] = action
            self.index[action["actionId"]] = i
        start = self.doc.get("startActionId")
        if (actions or start is not None) and (not isinstance(start, str) or start not in self.actions):
            raise ImportProblem(f"/startActionId: `{start}` is no action's id")

    def step_id(self, kind: str, label: str | None) -> str:
        if label is not None:
            self.taken.add(label)
            return label
        n = self.counts.get(kind, 0)
        while True:
            n += 1
            if f"{kind}_{n}" not in self.taken:
                break
        self.counts[kind] = n
        return f"{kind}_{n}"

    def follow(self, conn: Any, indent: str, at: str) -> list[str]:
        if conn is None:
            return []
        target = conn.get("nextActionId") if isinstance(conn, dict) else None
        if not isinstance(target, str) or target not in self.actions:
            raise ImportProblem(f"{at}/nextActionId: `{target}` is no action's id")
        if target in self.written:
            self.targets.add(target)
            self.step_id("goto", None)
            return [f"{indent}goto {self.written[target]}"]
        return self.steps(target, indent)

    def steps(self, action_id: str, indent: str) -> list[str]:
        action = self.actions[action_id]
        at = f"/actions/{self.index[action_id]}"
        meta = f" meta {{ hubspot_action {quote(action_id)} }}"
        label = f"action_{action_id}" if action_id in self.targets else None
        kind = action["type"]
        self.written[action_id] = f"pending_{action_id}"
        if kind == "LIST_BRANCH":
            return self.list_branch(action, action_id, indent, at, meta)
        if kind == "AB_TEST_BRANCH":
            return self.split(action, action_id, indent, at, meta)
        if kind == "WEBHOOK":
            url, method = action.get("webhookUrl"), str(action.get("method") or "POST").lower()
            if (
                isinstance(url, str)
                and url.lower().startswith(("http://", "https://"))
                and method
                in (
                    "get",
                    "post",
                    "put",
                    "patch",
                    "delete",
                )
            ):
                self.written[action_id] = self.step_id("webhook", label)
                head = f"webhook {label}: " if label else "webhook "
                line = f"{indent}{head}{method} {quote(url)}{meta}"
                return [line, *self.follow(action.get("connection"), indent, at)]
            self.note("HS101", f"{at}: a webhook without an http(s) URL or with method {method!r}")
            return [
                f"{indent}# HubSpot webhook ({at}) is not imported",
                *self.follow(action.get("connection"), indent, at),
            ]
        if kind != "SINGLE_CONNECTION":
            self.note("HS102", f"{at}: a {kind} action has no nurturedsl step; its paths are left out")
            del self.written[action_id]
            return [f"{indent}# HubSpot {kind} action ({at}) is not imported, nor what follows it"]
        try:
            step = self.single(action, action_id, label, at)
        except Unreadable as why:  # a property action whose property no attribute can name
            self.note("HS101", f"{at}: {why}: the action has no nurturedsl step")
            step = None
        conn = action.get("connection")
        if step is None:
            del self.written[action_id]
            line = f"{indent}# HubSpot action {action.get('actionTypeId')} ({at}) is not imported"
            return [line, *self.follow(conn, indent, at)]
        text, ends = step
        # single() reads an owner or list action as a path-ending handoff or
        # suppress only when nothing follows it (else it is a `set` or `tag`)
        assert not (ends and conn is not None)
        return [f"{indent}{text}{meta}", *self.follow(conn, indent, at)]

    def single(self, action: dict[str, Any], action_id: str, label: str | None, at: str) -> tuple[str, bool] | None:
        type_id, fields = action.get("actionTypeId"), action.get("fields")
        if not isinstance(fields, dict):
            fields = {}
        head = f" {label}:" if label else ""
        if type_id == "0-1":
            unit, delta = fields.get("time_unit"), str(fields.get("delta", ""))
            if isinstance(unit, str) and unit in _UNIT_SECONDS and delta.isdigit() and int(delta) > 0:
                seconds = int(delta) * _UNIT_SECONDS[unit]
                if seconds > MAX_DURATION_SECONDS:
                    self.note("HS101", f"{at}: a delay of {delta} {unit.lower()}, beyond the language's ten years")
                    return None
                self.written[action_id] = self.step_id("wait", None)
                return f"wait {duration(seconds)}", False
        elif type_id == "0-4" and str(fields.get("content_id", "")).isdigit():
            content = int(fields["content_id"])
            name = self.name_for("content", content, f"email_{content}")
            self.content[name] = content
            self.bind("content", name, content)
            self.written[action_id] = label or name
            return f"email{head} {name}", False
        elif (
            type_id == "0-13"
            and fields.get("operation") in ("ADD", "REMOVE")
            and str(fields.get("list_id", "")).isdigit()
        ):
            list_id = int(fields["list_id"])
            tag = self.name_for("tag", list_id, "")
            suppress = self.name_for("list", list_id, "")
            if not tag and suppress and fields["operation"] == "ADD" and action.get("connection") is None:
                self.bind("list", suppress, list_id)
                self.written[action_id] = self.step_id("suppress", None)
                return f"suppress {quote(suppress)}", True
            tag = tag or f"hubspot-list-{list_id}"
            self.bind("tag", tag, list_id)
            self.written[action_id] = self.step_id("tag", None)
            return f"{'tag' if fields['operation'] == 'ADD' else 'untag'} {quote(tag)}", False
        elif (
            type_id == "0-5" and isinstance(fields.get("property_name"), str) and isinstance(fields.get("value"), dict)
        ):
            static = fields["value"].get("staticValue")
            if fields["value"].get("type") == "STATIC_VALUE" and isinstance(static, str):
                prop = fields["property_name"]
                if prop == OWNER_PROPERTY and static.isdigit() and action.get("connection") is None:
                    team = self.name_for("team", int(static), f"owner_{static}")
                    self.bind("team", team, int(static))
                    self.written[action_id] = self.step_id("handoff", None)
                    return f"handoff {team}", True
                name = self.attribute(prop, "string")
                kind = self.types().get(name, "string")
                literal = _literal(static, kind)
                if literal is not None:
                    self.written[action_id] = self.step_id("set", None)
                    return f"set {name} = {literal}", False
        elif type_id == "0-9" and isinstance(fields.get("user_ids"), list) and len(fields["user_ids"]) == 1:
            user = str(fields["user_ids"][0])
            text = fields.get("body") if isinstance(fields.get("body"), str) else fields.get("subject")
            if user.isdigit() and isinstance(text, str) and text.strip():
                if fields.get("subject") not in (None, text):
                    self.note(
                        "HS104", f"{at}: the notification's subject is left out (nurturedsl's notify has one text)"
                    )
                recipient = self.name_for("recipient", int(user), f"user_{user}")
                self.bind("recipient", recipient, int(user))
                self.written[action_id] = self.step_id("notify", label)
                return f"notify{head} {recipient} {quote(text)}", False
        elif type_id == "0-3" and isinstance(fields.get("subject"), str) and fields["subject"].strip():
            if set(fields) - {"subject", "task_type"} or fields.get("task_type", "TODO") != "TODO":
                self.note("HS104", f"{at}: the task's fields other than its subject are left out")
            self.written[action_id] = self.step_id("task", label)
            return f"task{head} {quote(fields['subject'])}", False
        self.note("HS101", f"{at}: HubSpot action {type_id} with these fields has no nurturedsl step")
        return None

    def list_branch(self, action: dict[str, Any], action_id: str, indent: str, at: str, meta: str) -> list[str]:
        self.written[action_id] = self.step_id("branch", None)
        arms: list[str] = []
        listed = action.get("listBranches")
        for i, arm in enumerate(listed if isinstance(listed, list) else []):
            where = f"{at}/listBranches/{i}"
            if not isinstance(arm, dict):
                raise ImportProblem(f"{where}: expected a list branch object")
            test = self.cond_text(arm.get("filterBranch"), where)
            if test is None:
                arms.append(f"{indent}  # list branch {i + 1} ({where}) is not imported, nor its path")
                continue
            arms.append(f"{indent}  when {test} {{")
            arms.extend(self.follow(arm.get("connection"), indent + "    ", where))
            arms.append(f"{indent}  }}")
        if not any(line.lstrip().startswith("when ") for line in arms):
            del self.written[action_id]
            return [*arms, *self.follow(action.get("defaultBranch"), indent, at)]
        lines = [f"{indent}branch {{", *arms]
        if action.get("defaultBranch") is not None:
            lines.append(f"{indent}  else {{")
            lines.extend(self.follow(action["defaultBranch"], indent + "    ", f"{at}/defaultBranch"))
            lines.append(f"{indent}  }}")
        lines.append(f"{indent}}}{meta}")
        return lines

    def split(self, action: dict[str, Any], action_id: str, indent: str, at: str, meta: str) -> list[str]:
        arms = [arm for arm in _items(action.get("testBranches")) if isinstance(arm, dict)]
        # each arm is {connection, percentage} (ApiABTestBranch); older
        # documents gave the bare connection, and an even split
        conns = [arm.get("connection", arm) for arm in arms]
        if len(arms) < 2:
            self.note("HS108", f"{at}/testBranches: an A/B test with {len(arms)} arm(s) is no split; its path as is")
            del self.written[action_id]
            return self.follow(conns[0] if conns else None, indent, at)
        self.written[action_id] = self.step_id("split", None)
        given = [arm.get("percentage") for arm in arms]
        whole = [share for share in given if type(share) is int and 0 < share < 100]
        if len(whole) == len(given) and sum(whole) == 100:
            shares = whole
        else:
            if any(share is not None for share in given):
                self.note("HS108", f"{at}/testBranches: percentages that do not add up to 100; split evenly")
            share, extra = divmod(100, len(arms))
            shares = [share + (extra if i == 0 else 0) for i in range(len(arms))]
        lines = [f"{indent}split {{"]
        for i, (conn, share) in enumerate(zip(conns, shares, strict=True)):
            where = f"{at}/testBranches/{i}" + ("/connection" if "connection" in arms[i] else "")
            lines.append(f"{indent}  {share}% {{")
            lines.extend(self.follow(conn, indent + "    ", where))
            lines.append(f"{indent}  }}")
        lines.append(f"{indent}}}{meta}")
        return lines

    # -- the flow

    def body(self) -> list[str]:
        start = self.doc.get("startActionId")
        if start is None:
            return []
        # a first pass finds the actions a `goto` leads to, so the second can label them
        self.notes = False
        self.steps(str(start), "  ")
        self.reset()
        return self.steps(str(start), "  ")

    def header(self) -> list[str]:
        lines: list[str] = []
        unenroll: str | None = None  # the exit test of unEnrollObjectsNotMeetingCriteria
        enrollment = self.doc.get("enrollmentCriteria")
        if isinstance(enrollment, dict):
            kind = enrollment.get("type")
            if kind == "EVENT_BASED":
                guards = []
                for i, branch in enumerate(_items(enrollment.get("listMembershipFilterBranches"))):
                    text = self.cond_text(branch, f"/enrollmentCriteria/listMembershipFilterBranches/{i}")
                    if text is not None:
                        guards.append(
                            text if len(_items(enrollment.get("listMembershipFilterBranches"))) == 1 else f"({text})"
                        )
                for i, branch in enumerate(_items(enrollment.get("eventFilterBranches"))):
                    try:
                        event = condition(self.filter_branch(branch), self.types())
                    except Unreadable as why:
                        self.note("HS105", f"/enrollmentCriteria/eventFilterBranches/{i}: {why}: not an entry")
                        continue
                    if event.startswith("not "):
                        self.note("HS105", f"/enrollmentCriteria/eventFilterBranches/{i}: a negated event is no entry")
                        continue
                    when = f" when {' and '.join(guards)}" if guards else ""
                    lines.append(f"  entry on {event}{when}")
            elif kind == "LIST_BASED":
                text = self.cond_text(enrollment.get("listFilterBranch"), "/enrollmentCriteria/listFilterBranch")
                if text is not None:
                    lines.append(f"  entry when {text}")
                if enrollment.get("unEnrollObjectsNotMeetingCriteria") is True:
                    # "unenroll records that no longer meet the criteria": leaving when they stop holding
                    if text is not None:
                        unenroll = f"not ({text})"
                    else:
                        self.note(
                            "HS105",
                            "/enrollmentCriteria/unEnrollObjectsNotMeetingCriteria: unenrolling on criteria "
                            "nurturedsl cannot read is left out",
                        )
                if _items(enrollment.get("reEnrollmentTriggersFilterBranches")):
                    self.note(
                        "HS105",
                        "/enrollmentCriteria/reEnrollmentTriggersFilterBranches: re-enrollment triggers are left "
                        "out (`reentry allowed` re-enrolls whenever the criteria hold again)",
                    )
            elif kind not in (None, "MANUAL"):
                self.note("HS105", f"/enrollmentCriteria/type: {kind!r} enrollment is not imported")
            if enrollment.get("shouldReEnroll") is True:
                lines.append("  reentry allowed")
        if self.doc.get("goalFilterBranch") is not None:
            text = self.cond_text(self.doc["goalFilterBranch"], "/goalFilterBranch")
            if text is not None:
                lines.append(f"  goal {text}")
        exits = []
        suppression = self.doc.get("suppressionListIds")
        for i, list_id in enumerate(suppression if isinstance(suppression, list) else []):
            try:
                exits.append(condition(self.list_test(list_id), self.types()))
            except Unreadable as why:
                self.note("HS105", f"/suppressionListIds/{i}: {why}")
        if unenroll is not None:
            exits.append(unenroll)
        if exits:
            lines.append(f"  exit on {', '.join(exits)}")
        return lines

    def policy(self) -> list[str]:
        windows = [w for w in _items(self.doc.get("timeWindows")) if isinstance(w, dict)]
        if not windows:
            return []
        times = {(_hhmm(w.get("startTime")), _hhmm(w.get("endTime"))) for w in windows}
        if len(times) > 1 or None in {t for pair in times for t in pair}:
            self.note("HS106", "/timeWindows: windows that differ by day; the first one's hours are used")
        start, end = _hhmm(windows[0].get("startTime")) or "00:00", _hhmm(windows[0].get("endTime")) or "23:59"
        days = [_DAY_NAMES[w["day"]] for w in windows if isinstance(w.get("day"), str) and w["day"] in _DAY_NAMES]
        ordered = [d for d in DAYS if d in days]
        out = ["policy {"]
        if (start, end) != ("00:00", "23:59"):
            out.append(f"  quiet_hours {end}..{start}")
        if ordered and len(ordered) < 7:
            out.append("  send_days " + ", ".join(ordered))
        out.append("}")
        return out if len(out) > 2 else []

    def text(self) -> str:
        self.read()
        name = str(self.doc.get("name") or "flow")
        description = str(self.doc.get("description") or "")
        flow = (
            ident(description.split("nurturedsl flow ", 1)[1], "flow")
            if "nurturedsl flow " in description
            else ident(name, "flow")
        )
        body = self.body()
        header = self.header()
        blocked = _items(self.doc.get("blockedDates"))
        if blocked:
            self.note("HS106", "/blockedDates: blocked dates have no nurturedsl setting; left out")
        out = [f"# Imported from the HubSpot flow {quote(name)}"]
        out.extend(self.policy())
        for path, typ in sorted(self.attributes.items()):
            out.append(f"attribute {path}: {typ}")
        if self.events:
            out.append("event " + ", ".join(sorted(self.events)))
        for seg, list_id in sorted(self.segments.items()):
            out.append(
                f"segment {seg} = tagged {quote(f'hubspot-list-{list_id}')}  # membership of HubSpot list {list_id}"
            )
        for content, content_id in sorted(self.content.items()):
            out.append(f"content {content} give {quote(f'HubSpot email {content_id}')}")
        out.append(f"flow {flow} {quote(name)} {{")
        if blocked:
            out.append("  # blocked dates: " + ", ".join(json.dumps(d) for d in blocked))
        out.extend(header)
        out.extend(body)
        out.append("}")
        return "\n".join(out) + "\n"


def _items(value: Any) -> list[Any]:
    """A member that should be an array, or [] when it is anything else."""
    return value if isinstance(value, list) else []


def _hhmm(time: Any) -> str | None:
    if not isinstance(time, dict) or not isinstance(time.get("hour"), int) or not isinstance(time.get("minute"), int):
        return None
    if isinstance(time["hour"], bool) or not (0 <= time["hour"] <= 23 and 0 <= time["minute"] <= 59):
        return None
    return f"{time['hour']:02d}:{time['minute']:02d}"


def _literal(static: str, kind: str) -> str | None:
    """A property's static value as a literal of the attribute's type, or None when it is not one."""
    if kind == "bool":
        return static if static in ("true", "false") else None
    if kind == "number":
        try:
            number = float(static)
        except ValueError:
            return None
        if not abs(number) <= MAX_NUMBER:  # inf, NaN, or beyond what the checker accepts
            return None
        return value(int(number) if number.is_integer() else number, "number")
    if kind in ("duration", "date"):
        return None
    return quote(static)


def import_doc(doc: Any, bindings: Bindings | None, report: Report) -> Imported:
    if not isinstance(doc, dict) or "actions" not in doc:
        report.refuse(
            "HS100",
            None,
            "/: expected a HubSpot flow: an object with `actions` (a create body or a GET response)",
            "not a HubSpot flow this import can read",
        )
        return Imported("", {})
    try:
        importer = _Importer(doc, bindings, report)
        text = importer.text()
    except ImportProblem as problem:
        report.refuse("HS100", None, str(problem), "not a HubSpot flow this import can read")
        return Imported("", {})
    return Imported(text, importer.tables)
