"""Malformed (and some well-formed) inputs around the playbooks: simulate's
contacts, events, response models and column maps, lint configs in every
shape TOML allows, and values for the options that take dates, numbers and
ids. Each generator takes a `random.Random` and returns text or bytes.

The values come from lists of what CRMs, spreadsheets and hand edits
produce, and of what has broken parsers: dates outside Python's range,
numbers with thousands of digits, `1e308`, NaN, digits that are not ASCII
(`²`, `١٢٣`), lone surrogates in JSON escapes, deep nesting, wrong types.
"""

from __future__ import annotations

import json
import random

# ---------------------------------------------------------------- values --

NUMBERS = (
    "1200",
    "1,200",
    "2.5k",
    "5M",
    "0",
    "-1",
    "3.5",
    "about 50",
    "",
    " 12 ",
    "1e3",
    "1e308",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "١٢٣",
    "²",
    "1_000",
    "9" * 30,
    "9" * 400,
    "1.2.3",
    "5m",
    "5MM",
    "k",
    "1,2,3",
    ".5",
    "5.",
    "+7",
    "--1",
    "１２",
)
HUGE_NUMBERS = ("9" * 5000,)
DATES = (
    "2026-01-01",
    "2025-12-18",
    "2025-12-18 09:12",
    "2025-12-18T09:12:00Z",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "",
    "yesterday",
    "2026-1-1",
    "18/12/2025",
    "2026-01-01T25:00",
    "１９９９-01-01",
    "2026-W01",
    "-2026-01-01",
)
TIMESTAMPS = (
    "2026-01-05T09:14:00+01:00",
    "2026-01-22T17:00:00Z",
    "2026-01-05T10:00:00",
    "2026-01-05",
    "2026-01-05T09:14:00.123456Z",
    "2026-01-05 09:14:00+01:00",
    "2026-01-05T09:14:60Z",
    "2026-01-05T24:00:00Z",
    "2026-13-05T00:00:00Z",
    "2026-01-05T09:14:00+25:00",
    "2026-01-05T09:14:00+23:59",
    "2026-01-05T09:14:00-23:59",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59Z",
    "",
    "now",
    "1736064840",
    "2026-01-05T09:14Z",
    "2026-01-05T09Z",
    "+2026-01-05T09:14:00Z",
    "2026-06-31T00:00:00Z",
)
ZONES = (
    "Europe/Berlin",
    "UTC",
    "",
    "Mars/Olympus",
    "europe/berlin",
    "../../etc/passwd",
    "Etc/GMT+14",
    "America/Argentina/ComodRivadavia",
    "EST5EDT",
    "Factory",
    "Z",
    "+01:00",
    "Europe/Berlin\x00",
)
IDS = (
    "c1",
    "c2",
    "c1",
    "",
    " ",
    "cohort-000001",
    "cohort-²",
    "x" * 300,
    "ü",
    "a,b",
    'q"uote',
    "\t",
    "0",
    "-1",
    "c1 ",
    "C1",
    "null",
)
CONSENT = ("email;sms", "email", "", ";;", "EMAIL", "fax", "email; sms", "email,sms", "sms;sms")
TAGS = ("security-whitepaper", "", "a;b;c", ";", "x" * 200, "tag with space")
EVENTS = (
    "downloaded",
    "visited",
    "opened",
    "clicked",
    "replied",
    "booked",
    "attended",
    "unsubscribed",
    "sent",
    "registered",
    "visted",
    "",
    "DOWNLOADED",
    "trial_started",
    "bounced",
    "purchased",
    "submitted",
)
ARGS = ("resource", "pricing", "demo", "webinar", "", "video", "welcome", "loom_video", "a;b", "x" * 100)
COLUMNS = (
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "Email",
    "title",
    "role",
    "company",
    "industry",
    "employees",
    "revenue",
    "country",
    "timezone",
    "phone",
    "consent",
    "tags",
    "source",
    "lifecycle_stage",
    "created_at",
    "deal.stage",
    "deal.amount",
    "deal.closed_at",
    "deal.closed_ago",
    "deal",
    "custom",
    "custom.nested",
    "",
    "id",
    "deal..stage",
    ".x",
    "x.",
    "Record ID",
    "ünï",
    "a" * 200,
)


def value_for(rng: random.Random, column: str) -> str:
    if column in ("employees", "revenue", "deal.amount"):
        return rng.choice(NUMBERS)
    if column in ("created_at", "deal.closed_at"):
        return rng.choice(DATES)
    if column == "timezone":
        return rng.choice(ZONES)
    if column == "consent":
        return rng.choice(CONSENT)
    if column == "tags":
        return rng.choice(TAGS)
    if column == "id":
        return rng.choice(IDS)
    return rng.choice(
        (
            "SaaS",
            "CTO",
            "CEO",
            "",
            "closed_lost",
            "Acme, Inc.",
            "ünïcödé",
            "=cmd|' /C calc'!A0",
            "12",
            "true",
            "x" * 1000,
        )
        + NUMBERS[:6]
    )


def _csv_cell(rng: random.Random, value: str) -> str:
    if rng.random() < 0.03:
        return '"' + value  # a quote never closed
    if any(c in value for c in ',"\n\r') or rng.random() < 0.1:
        return '"' + value.replace('"', '""') + '"'
    return value


def contacts_csv(rng: random.Random) -> bytes:
    columns = ["id"] if rng.random() < 0.9 else []
    columns += rng.sample(COLUMNS, rng.randint(0, 8))
    delimiter = "\t" if rng.random() < 0.05 else ","
    lines = [delimiter.join(_csv_cell(rng, c) for c in columns)]
    for i in range(rng.randint(0, 12)):
        cells = []
        for column in columns:
            value = f"c{i}" if column == "id" and rng.random() < 0.8 else value_for(rng, column)
            cells.append(_csv_cell(rng, value))
        if rng.random() < 0.05:
            cells.append("extra")
        if rng.random() < 0.05 and cells:
            cells.pop()
        lines.append(delimiter.join(cells))
    ending = rng.choice(("\n", "\r\n", "\r", "\n\n"))
    text = ending.join(lines) + (ending if rng.random() < 0.8 else "")
    bom = b"\xef\xbb\xbf" if rng.random() < 0.1 else b""
    return bom + text.encode("utf-8", "surrogatepass")


def _json_value(rng: random.Random, column: str, depth: int = 0):
    pick = rng.random()
    if pick < 0.55:
        value = value_for(rng, column)
        if column in ("employees", "revenue") and rng.random() < 0.5:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    if pick < 0.65:
        return rng.choice((None, True, False, 0, -1, 1.5, 10**30, 1e308, [], {}, ["email", "sms"], [1, 2]))
    if pick < 0.7 and depth < 3:
        return {"stage": "closed_lost", "closed_at": rng.choice(DATES), "amount": rng.choice((5, "5k", None))}
    if pick < 0.75:
        return "\ud800" if rng.random() < 0.5 else "a\udfffb"
    return rng.choice(("", "x", "ü", "\u0000", "\u202e"))


def _dumps(value) -> str:
    # ensure_ascii keeps lone surrogates as `\ud800` escapes, as a CRM's JSON would
    return json.dumps(value, ensure_ascii=True)


def contacts_jsonl(rng: random.Random) -> bytes:
    lines = []
    for i in range(rng.randint(0, 10)):
        record = {}
        if rng.random() < 0.9:
            record["id"] = f"c{i}" if rng.random() < 0.8 else _json_value(rng, "id")
        for column in rng.sample(COLUMNS, rng.randint(0, 6)):
            record[column] = _json_value(rng, column)
        line = _dumps(record)
        pick = rng.random()
        if pick < 0.05:
            line = line[: rng.randint(0, len(line))]
        elif pick < 0.08:
            line = rng.choice(
                (
                    "[1, 2]",
                    '"text"',
                    "null",
                    "42",
                    "{",
                    "{}",
                    '{"id": "a", "id": "b"}',
                    '{"id": NaN}',
                    '{"id": "c1", "employees": 1e999}',
                    "\ufeff{}",
                )
            )
        elif pick < 0.1:
            line = '{"id": "deep", "x": ' + "[" * rng.choice((50, 1000)) + "]" * 0 + "}"
        lines.append(line)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _event(rng: random.Random, contacts: list[str]) -> dict:
    record = {}
    if rng.random() < 0.95:
        record["contact"] = rng.choice(contacts) if contacts and rng.random() < 0.9 else rng.choice(IDS)
    if rng.random() < 0.95:
        record["at"] = rng.choice(TIMESTAMPS) if rng.random() < 0.7 else f"2026-01-0{rng.randint(1, 9)}T09:00:00Z"
    if rng.random() < 0.95:
        record["event"] = rng.choice(EVENTS)
    if rng.random() < 0.6:
        record["args"] = rng.choice(
            ([rng.choice(ARGS)], [], [rng.choice(ARGS), "b"], rng.choice(ARGS), None, [1], [{"a": 1}], ["\ud800"])
        )
    if rng.random() < 0.05:
        record[rng.choice(("at", "event", "contact"))] = rng.choice((1, None, [], {}, 1e308, True))
    if rng.random() < 0.03:
        record["extra"] = "x"
    return record


def events_jsonl(rng: random.Random, contacts: list[str]) -> bytes:
    lines = []
    for _ in range(rng.randint(0, 15)):
        line = _dumps(_event(rng, contacts))
        if rng.random() < 0.05:
            line = line[: rng.randint(0, len(line))]
        lines.append(line)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def events_csv(rng: random.Random, contacts: list[str]) -> bytes:
    header = rng.choice(
        (
            "contact,at,event,args",
            "contact,at,event",
            "at,contact,event,args",
            "contact,when,event",
            "contact,at,event,args,extra",
            "",
        )
    )
    lines = [header]
    for _ in range(rng.randint(0, 15)):
        event = _event(rng, contacts)
        args = event.get("args")
        arg = (
            args[0]
            if isinstance(args, list) and args and isinstance(args[0], str)
            else (args if isinstance(args, str) else "")
        )
        cells = [str(event.get("contact", "")), str(event.get("at", "")), str(event.get("event", "")), arg]
        lines.append(",".join(_csv_cell(rng, c.encode("utf-8", "replace").decode()) for c in cells))
    return "\n".join(lines).encode("utf-8")


# ------------------------------------------------------- response models --


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string


def _probability(rng: random.Random) -> str:
    return rng.choice(
        ("0", "1", "0.5", "0.28", "-0.1", "1.5", "2", "1e-300", "1e308", "nan", "inf", '"0.5"', "true", "[0.5]", "0.1")
    )


def _duration_value(rng: random.Random) -> str:
    return rng.choice(
        (
            '"6h"',
            '"30m"',
            '"1d12h"',
            '"0m"',
            '"-1d"',
            '"99999999999w"',
            '"3650d"',
            "3",
            '"3"',
            '"1.5d"',
            '""',
            '"2w"',
            '"180d"',
        )
    )


def _population_entry(rng: random.Random) -> str:
    forms = (
        lambda: _toml_string(rng.choice(("SaaS", "", "x"))),
        lambda: rng.choice(("120", "-5", "1e308", "true", "2026-01-15", "1979-05-27T07:32:00Z", "[1, 2]")),
        lambda: f"{{ values = {{ SaaS = {_probability(rng)}, Fintech = {_probability(rng)} }} }}",
        lambda: "{ values = {} }",
        lambda: '{ choice = ["CTO", "CFO"] }',
        lambda: "{ choice = [] }",
        lambda: "{{ uniform = [{}, {}] }}".format(
            rng.choice(("10", "0", "-1e308", "1.5", '"1d"')), rng.choice(("5000", "1e308", "5", '"3d"', "10"))
        ),
        lambda: "{{ lognormal = {{ median = {}, sigma = {}{} }} }}".format(
            rng.choice(("120", "0", "-1", "1e308", "6000000", "1.5")),
            rng.choice(("1.0", "0", "-1", "1e308", "710", "1e-308", "nan")),
            rng.choice(("", ", min = 2", ", max = 50000", ", min = 10, max = 1", ", min = 1e308")),
        ),
        lambda: "{{ days_ago = [{}, {}] }}".format(
            rng.choice(("0", "150", "-5", "100000000000", "1e308", "1.5")),
            rng.choice(("720", "400", "100000000000", "0", "3000000")),
        ),
        lambda: f"{{ present = {_probability(rng)} }}",
        lambda: f"{{ lognormal = {{ median = 120, sigma = 1.0 }}, present = {_probability(rng)} }}",
        lambda: "{ nosuch = 1 }",
    )
    return rng.choice(forms)()


def responses_toml(rng: random.Random) -> bytes:
    attributes = (
        "industry",
        "employees",
        "revenue",
        "company",
        "email",
        "phone",
        "timezone",
        "created_at",
        "title",
        "role",
        "deal.closed_at",
        '"deal.stage"',
        "nosuch",
        "custom_attr",
        "tags",
        "consent",
    )
    lines = []
    if rng.random() < 0.9:
        lines.append("[population]")
        for name in rng.sample(attributes, rng.randint(0, 8)):
            if name == "consent":
                lines.append(
                    f"consent = {{ email = {_probability(rng)}, sms = {_probability(rng)}, fax = 0.1 }}"
                    if rng.random() < 0.3
                    else f"consent = {{ email = {_probability(rng)} }}"
                )
            elif name == "tags":
                lines.append(f'tags = {{ "vip" = {_probability(rng)} }}')
            elif name == "timezone":
                lines.append(f'timezone = {{ values = {{ "Europe/Berlin" = 0.5, "{rng.choice(ZONES)}" = 0.5 }} }}')
            else:
                lines.append(f"{name} = {_population_entry(rng)}")
        for group in rng.sample(("persona", "deal", "region"), rng.randint(0, 2)):
            for _ in range(rng.randint(0, 3)):
                lines.append(f"[[population.profiles.{group}]]")
                lines.append("weight = " + rng.choice(("0.5", "0", "-1", "1e308", '"x"', "0.1")))
                if rng.random() < 0.7:
                    lines.append(
                        f'"deal.closed_at" = {{ days_ago = [{rng.choice(("150", "100000000000", "-1"))}, 400] }}'
                    )
                    lines.append('title = "CTO"')
    for _ in range(rng.randint(0, 3)):
        lines.append("[[arrivals]]")
        if rng.random() < 0.9:
            lines.append(f"event = {_toml_string(rng.choice(EVENTS))}")
        if rng.random() < 0.7:
            lines.append(f"arg = {_toml_string(rng.choice(ARGS))}")
        if rng.random() < 0.8:
            lines.append(f"probability = {_probability(rng)}")
        if rng.random() < 0.9:
            lines.append(f"within = {_duration_value(rng)}")
        if rng.random() < 0.3:
            lines.append(f"after = {_duration_value(rng)}")
    tables = (
        "default",
        "email",
        "sms",
        "linkedin",
        "ads",
        "emial",
        "content.walkthrough",
        "content.nosuch",
        "segment.icp.email",
        "segment.icp.content.case_study",
        "segment.nosuch.email",
        "segment.icp",
    )
    for table in rng.sample(tables, rng.randint(0, 5)):
        lines.append(f"[responses.{table}]")
        for key in rng.sample(
            ("open", "click", "visit_pricing", "book_demo", "reply", "unsubscribe", "delay", "opne"), rng.randint(0, 4)
        ):
            lines.append(f"{key} = {_duration_value(rng) if key == 'delay' else _probability(rng)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def mapping_pairs(rng: random.Random) -> list[str]:
    pairs = []
    for _ in range(rng.randint(1, 3)):
        pairs.append(
            rng.choice(
                (
                    "Record ID=id",
                    "Email=email",
                    "Job Title=title",
                    "x=",
                    "=id",
                    "a=b=c",
                    "noequals",
                    "Company Name=company",
                    "Create Date=created_at",
                    "Close Date=deal.closed_at",
                    "id=id",
                    "employees=id",
                    "Nope=name",
                    "ü=name",
                    " Record ID = id ",
                )
            )
        )
    return pairs


def map_toml(rng: random.Random) -> bytes:
    lines = [rng.choice(("[map]", "[map]", "[mapping]", "", "map = 3", "[[map]]"))]
    for _ in range(rng.randint(0, 6)):
        source = rng.choice(("Record ID", "Email", "Job Title", "Notes", "Nope", "", "id", "a.b"))
        target = rng.choice(("id", "email", "title", "", "deal.closed_at", "nosuch", "id.x", ".", "name"))
        value = rng.choice((_toml_string(target), "3", "true", "[]", "{}"))
        lines.append(f"{_toml_string(source)} = {value}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# ------------------------------------------------------------ lint configs --

SELECTORS = (
    "ALL",
    "NUR2",
    "NUR301",
    "timing",
    "give-to-get",
    "ask-before-gives",
    "nosuch",
    "NUR999",
    "",
    " NUR1 ",
    "nur301",
    "all",
    "E501",
)


def _selector_value(rng: random.Random) -> str:
    return rng.choice(
        (
            lambda: json.dumps(rng.sample(SELECTORS, rng.randint(0, 3))),
            lambda: json.dumps(rng.choice(SELECTORS)),
            lambda: rng.choice(("3", "true", "[1, 2]", '[["NUR2"]]', "{}", "[]")),
        )
    )()


def _option_value(rng: random.Random) -> str:
    return rng.choice(
        (
            '"48h"',
            '"7d..14d"',
            '"3:1"',
            '"2 per 7d"',
            '["x"]',
            "5",
            "-1",
            "0",
            "true",
            '"-3d"',
            '"99999999999999w"',
            '"0m"',
            '"14d..7d"',
            '"0:0"',
            '"2 per 0d"',
            '"a"',
            "1e308",
            "[]",
            '"99999999999999999999d"',
            '"9 per 99999999999999w"',
            "9" * 30,
        )
    )


def lint_table(rng: random.Random) -> list[tuple[str, str]]:
    """(key, TOML value) pairs of a [tool.nurturedsl] table."""
    from nurturedsl.lint.registry import RULES

    items = []
    for key in rng.sample(
        ("select", "ignore", "extend-select", "fail-on", "per-file-ignores", "rules", "selct"), rng.randint(0, 4)
    ):
        if key in ("select", "ignore", "extend-select", "selct"):
            items.append((key, _selector_value(rng)))
        elif key == "fail-on":
            items.append((key, rng.choice(('"error"', '"warning"', '"info"', '"off"', '"ERROR"', "3", "[]"))))
        elif key == "per-file-ignores":
            items.append(
                (
                    key,
                    rng.choice(
                        (
                            '{ "legacy/*.nurture" = ["NUR901"] }',
                            '{ "*" = ["ALL"] }',
                            '{ "[" = ["NUR901"] }',
                            '{ "**/*" = "NUR901" }',
                            '["x"]',
                            "3",
                            '{ "a.nurture" = [3] }',
                            '{ "" = [] }',
                        )
                    ),
                )
            )
        else:
            rule = rng.choice(RULES)
            name = rng.choice((rule.code, rule.name, rule.code.lower(), "NUR000"))
            if rng.random() < 0.1:
                items.append(("rules", rng.choice(("3", "[]", '"x"', "true"))))
                continue
            settings = []
            if rng.random() < 0.5:
                settings.append("severity = " + rng.choice(('"error"', '"off"', '"warning"', '"fatal"', "3")))
            for option in rule.options:
                if rng.random() < 0.7:
                    settings.append(f"{option.name} = {_option_value(rng)}")
            if rng.random() < 0.1:
                settings.append("nosuch = 1")
            body = ", ".join(settings)
            items.append(("rules", "{{ {} = {} }}".format(json.dumps(name), rng.choice((f"{{ {body} }}", "3", "[]")))))
    return items


def lint_config(rng: random.Random) -> tuple[str, bytes]:
    """(file name, bytes) of a nurturedsl.toml or pyproject.toml of any shape."""
    items = lint_table(rng)
    body = "\n".join(f"{key} = {value}" for key, value in items)
    inline = "{ " + ", ".join(f"{json.dumps(key)} = {value}" for key, value in items) + " }"
    shape = rng.randrange(12)
    if shape < 4:
        return "nurturedsl.toml", (body + "\n").encode()
    if shape < 7:
        return "pyproject.toml", ('[project]\nname = "x"\n\n[tool.nurturedsl]\n' + body + "\n").encode()
    if shape == 7:  # dotted keys
        return "pyproject.toml", ("\n".join(f"tool.nurturedsl.{json.dumps(k)} = {v}" for k, v in items) + "\n").encode()
    if shape == 8:  # inline tables
        return "pyproject.toml", f"tool = {{ nurturedsl = {inline} }}\n".encode()
    if shape == 9:
        return "pyproject.toml", rng.choice(
            (
                b"tool = 3\n",
                b"[tool]\nnurturedsl = 3\n",
                b"[tool]\nnurturedsl = []\n",
                b"[[tool.nurturedsl]]\nselect = []\n",
                b"[tool.nurturedsl]\n",
                b"[tool]\nother = 1\n",
                b'tool.nurturedsl = "x"\n',
            )
        )
    if shape == 10:
        return "nurturedsl.toml", rng.choice(
            (
                b"rules = 3\n",
                b"[rules]\nNUR901 = 3\n",
                b"[rules.NUR901]\n",
                b'select = "ALL"\n',
                b"= 3\n",
                b"[x\n",
                b"\xff\xfe",
                b"\x00",
                b'select = ["ALL"]\nselect = []\n',
            )
        )
    return rng.choice(("nurturedsl.toml", "pyproject.toml")), (body + "\n[[x]]\n").encode()


# --------------------------------------------------------- option values --

START_DATES = (
    "2026-01-01",
    "2026-01-05T09:00:00+01:00",
    "2026-01-05T09:00:00",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2026-02-30",
    "",
    "tomorrow",
    "2026-1-1",
    "2026-01-01Z",
    "1970-01-01",
    "2038-01-19T03:14:08Z",
    "2026-01-05T09:00:00+24:00",
    "2026-01-01T00:00Z",
    "+002026-01-01",
    "2026-01-01T00:00:00.999999999Z",
    "20260101",
    "2026-W01-1",
    "2026-001",
)
COHORTS = ("1", "2", "3", "10", "0", "-1", "1.5", "1e3", "x", "", "٣")
RUNS = ("1", "2", "10", "1000", "1001", "0", "-3", "x")
SEEDS = ("0", "1", "-1", "99999999999999999999999", "x", "1.0", "0x10", "-0")
WORKERS = ("1", "2", "0", "65", "x")
TODAYS = ("2026-12-01", "2026-02-30", "0001-01-01", "9999-12-31", "", "today", "2026-12-01T00:00:00", "20261201")
CONTACT_IDS = (
    "c1",
    "c99",
    "",
    "cohort-000001",
    "cohort-²",
    "cohort-0",
    "cohort-999999999999999999999",
    "cohort-",
    "cohort-١",
    "cohort--1",
    "C1",
    " c1",
    "x" * 1000,
    "cohort-000001\n",
)
