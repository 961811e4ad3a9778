"""Reading contacts and events files for the simulator (nurturedsl/sim/inputs.py)."""

import copy
import json
from pathlib import Path

import pytest

from nurturedsl.ir import compile_programme, dumps
from nurturedsl.model import load
from nurturedsl.sim.contact import Event
from nurturedsl.sim.inputs import (
    BadRow,
    InputError,
    load_contacts,
    load_events,
    parse_mapping,
    parse_timestamp,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def programme_ir():
    return json.loads(dumps(compile_programme(load(str(ROOT / "playbooks" / "programme.nurture")))))


@pytest.fixture
def ir(programme_ir):
    """The programme's IR plus a few declared custom attributes."""
    ir = copy.deepcopy(programme_ir)
    ir["attributes"].update({"vip": "bool", "renewal": "date", "seats": "number", "trial_left": "duration"})
    return ir


def write(tmp_path, name, text, newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return str(path)


def contacts(tmp_path, ir, text, name="contacts.csv", **options):
    found, bad = load_contacts(write(tmp_path, name, text), ir, **options)
    return found


def error(function, *args, **options) -> str:
    with pytest.raises(InputError) as caught:
        function(*args, **options)
    return str(caught.value)


# --- the examples ------------------------------------------------------------


def test_examples_load_with_no_bad_rows(programme_ir):
    found, bad = load_contacts(str(EXAMPLES / "contacts.csv"), programme_ir)
    assert bad == [] and len(found) == 12
    assert len({c.timezone for c in found}) >= 10
    events, bad = load_events(str(EXAMPLES / "events.jsonl"), programme_ir, {c.id for c in found})
    assert bad == []
    assert events["c1"][:2] == [
        Event(parse_timestamp("2026-01-05T08:14:00Z"), "downloaded", "resource"),
        Event(parse_timestamp("2026-01-08T14:32:00Z"), "visited", "pricing"),
    ]
    c2 = next(c for c in found if c.id == "c2")
    assert c2.data["consent"] == ["email", "sms"] and c2.data["phone"] == "+55 11 91234 5678"
    c3 = next(c for c in found if c.id == "c3")
    assert c3.data["deal"] == {
        "stage": "closed_lost",
        "amount": 48000,
        "lost_reason": "budget",
        "closed_at": "2025-07-20",
    }


def test_example_csv_and_jsonl_say_the_same(programme_ir):
    from_csv, _ = load_contacts(str(EXAMPLES / "contacts.csv"), programme_ir)
    from_jsonl, _ = load_contacts(str(EXAMPLES / "contacts.jsonl"), programme_ir)
    assert [(c.id, c.data, c.timezone) for c in from_csv] == [(c.id, c.data, c.timezone) for c in from_jsonl]
    assert [c.line for c in from_csv] == list(range(2, 14))
    assert [c.line for c in from_jsonl] == list(range(1, 13))
    ids = {c.id for c in from_csv}
    events_csv, _ = load_events(str(EXAMPLES / "events.csv"), programme_ir, ids)
    events_jsonl, _ = load_events(str(EXAMPLES / "events.jsonl"), programme_ir, ids)
    assert events_csv == events_jsonl
    assert sum(map(len, events_csv.values())) == 21


def test_hubspot_example_with_its_mapping(programme_ir):
    mapping = parse_mapping([str(EXAMPLES / "hubspot-map.toml")])
    assert mapping["Record ID"] == "id" and mapping["Close Date"] == "deal.closed_at"
    found, bad = load_contacts(str(EXAMPLES / "hubspot-contacts.csv"), programme_ir, mapping)
    assert bad == [] and len(found) == 5
    avery, bruno, chloe, james = found[:4]
    assert avery.id == "51234001" and avery.data["name"] == "Avery Chen"
    assert avery.data["created_at"] == "2025-12-18"  # "2025-12-18 09:12" cut to its date
    assert bruno.data["revenue"] == 3_500_000  # 3.5M
    assert james.data["employees"] == 1200  # 1,200
    assert chloe.data["deal"] == {"stage": "closed_lost", "closed_at": "2025-07-20"}
    assert avery.data["lead_status"] == "New" and avery.timezone == "Europe/Berlin"


# --- contacts: typing ----------------------------------------------------------


def test_declared_types_are_applied(tmp_path, ir):
    [c] = contacts(
        tmp_path,
        ir,
        "id,phone,employees,revenue,seats,vip,renewal,created_at,trial_left,timezone\n"
        'c1,0049301234,2.5k,5M,"1,200",Yes,2026-04-01,2026-01-05T10:00:00+09:00,3d,Asia/Tokyo\n',
    )
    assert c.data == {
        "id": "c1",
        "phone": "0049301234",
        "employees": 2500,
        "revenue": 5_000_000,
        "seats": 1200,
        "vip": True,
        "renewal": "2026-04-01",
        "created_at": "2026-01-05",
        "trial_left": 259200,
        "timezone": "Asia/Tokyo",
        "tags": [],
        "consent": [],
    }
    assert c.timezone == "Asia/Tokyo" and c.line == 2


@pytest.mark.parametrize(
    "text, value",
    [
        ("1200", 1200),
        ("-3", -3),
        ("1.50", 1.5),
        ("2.0", 2),
        ("1,200,000.5", 1200000.5),
        ("1.25k", 1250),
        ("0.5M", 500000),
        ("2B", 2_000_000_000),
    ],
)
def test_number_formats(tmp_path, ir, text, value):
    [c] = contacts(tmp_path, ir, f'id,revenue\nc1,"{text}"\n')
    assert c.data["revenue"] == value and type(c.data["revenue"]) is type(value)


def test_undeclared_columns_are_guessed(tmp_path, ir):
    [c] = contacts(
        tmp_path,
        ir,
        'id,score_2025,ratio,zip,plan,since,big\nc1,42,-1.5,01234,Pro 2,2026-01-05,"1,200"\n',
    )
    assert c.data == {
        "id": "c1",
        "score_2025": 42,
        "ratio": -1.5,
        "zip": "01234",
        "plan": "Pro 2",
        "since": "2026-01-05",
        "big": "1,200",
        "tags": [],
        "consent": [],
    }


def test_dotted_columns_nest_and_empty_cells_are_absent(tmp_path, ir):
    found = contacts(
        tmp_path,
        ir,
        "id,deal.stage,deal.closed_at,deal.amount,title\nc1,closed_lost,2025-08-01,12k,\nc2,,,,CEO\n",
    )
    assert found[0].data["deal"] == {"stage": "closed_lost", "closed_at": "2025-08-01", "amount": 12000}
    assert "title" not in found[0].data
    assert "deal" not in found[1].data and found[1].timezone is None


def test_tags_and_consent_are_lists(tmp_path, ir):
    [c] = contacts(tmp_path, ir, "id,tags,consent\nc1, vip ;beta;vip;, Email; SMS\n")
    assert c.data["tags"] == ["vip", "beta"]
    assert c.data["consent"] == ["email", "sms"]


def test_name_is_built_from_first_and_last_name_only_when_absent(tmp_path, ir):
    found = contacts(
        tmp_path,
        ir,
        "id,first_name,last_name,name\nc1,Ada,Lovelace,\nc2,Ada,,\nc3,Ada,Lovelace,Countess\n",
    )
    assert [c.data.get("name") for c in found] == ["Ada Lovelace", "Ada", "Countess"]


def test_bom_and_crlf(tmp_path, ir):
    path = tmp_path / "excel.csv"
    path.write_bytes(b'\xef\xbb\xbfid,title,employees\r\nc1,CEO,120\r\n\r\nc2,"Head of\r\nSales",80\r\nc3,CTO,9\r\n')
    found, _ = load_contacts(str(path), ir)
    assert [(c.id, c.data["title"], c.line) for c in found] == [
        ("c1", "CEO", 2),
        ("c2", "Head of\r\nSales", 4),
        ("c3", "CTO", 6),
    ]


def test_jsonl_values_may_be_typed_or_text(tmp_path, ir):
    found = contacts(
        tmp_path,
        ir,
        '{"id": 7, "employees": 120, "revenue": "5M", "tags": ["a", "b"], "consent": "email;sms",'
        ' "deal": {"stage": "open", "closed_at": "2026-01-02"}, "vip": true, "phone": null, "x": [1, 2]}\n'
        "\n"
        '{"id": "c2", "deal.stage": "won", "seats": 3.0, "vip": 0, "title": ""}\n',
        name="contacts.jsonl",
    )
    assert found[0].id == "7" and found[0].line == 1
    assert found[0].data == {
        "id": "7",
        "employees": 120,
        "revenue": 5_000_000,
        "tags": ["a", "b"],
        "consent": ["email", "sms"],
        "deal": {"stage": "open", "closed_at": "2026-01-02"},
        "vip": True,
        "x": [1, 2],
    }
    assert found[1].line == 3
    assert found[1].data == {"id": "c2", "deal": {"stage": "won"}, "seats": 3, "vip": False, "tags": [], "consent": []}


def test_unknown_extension_is_sniffed(tmp_path, ir):
    assert contacts(tmp_path, ir, '{"id": "c1"}\n', name="contacts.txt")[0].id == "c1"
    assert contacts(tmp_path, ir, "id\nc1\n", name="contacts.export")[0].id == "c1"


# --- contacts: bad rows ------------------------------------------------------


BAD_CONTACTS = (
    "id,employees,timezone,vip,created_at,consent\n"
    "c1,50,Europe/Berlin,yes,2026-01-01,email\n"
    "c2,lots,Europe/Berln,maybe,01/05/2026,email;whatsapp\n"
    ",10,,,,\n"
    "c1,60,,,,\n"
    "c4,1,2\n"
    "c5,70,,,2026-02-30,e-mail\n"
    "c6,80,,,,\n"
)


def test_bad_contacts_are_all_reported(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", BAD_CONTACTS)
    message = error(load_contacts, path, ir)
    assert message == "\n".join(
        [
            f"{path}:3: `employees`: `lots` is not a number (write e.g. 1200, 1,200, 2.5k or 5M); "
            "`timezone`: unknown time zone `Europe/Berln`; did you mean `Europe/Berlin`?; "
            "`vip`: `maybe` is not true or false (write true/false, yes/no or 1/0); "
            "`created_at`: `01/05/2026` is not a date (write YYYY-MM-DD); "
            "`consent`: unknown channel `whatsapp`; channels are email, sms, phone, linkedin, ads",
            f"{path}:4: no `id`",
            f"{path}:5: duplicate id `c1` (first on line 2)",
            f"{path}:6: the row has 3 cells, the header 6 columns",
            f"{path}:7: `created_at`: `2026-02-30` is not a date: day is out of range for month; "
            "`consent`: unknown channel `e-mail`; did you mean `email`? channels are email, sms, phone, linkedin, ads",
        ]
    )


def test_skip_bad_rows_returns_them(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", BAD_CONTACTS)
    found, bad = load_contacts(path, ir, skip_bad_rows=True)
    assert [c.id for c in found] == ["c1", "c6"]
    assert [row.line for row in bad] == [3, 4, 5, 6, 7]
    assert bad[1] == BadRow(path, 4, "no `id`") and str(bad[1]) == f"{path}:4: no `id`"


def test_error_lists_twenty_bad_rows_and_counts_the_rest(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", "id,employees\n" + "".join(f"c{i},x\n" for i in range(25)))
    with pytest.raises(InputError) as caught:
        load_contacts(path, ir)
    lines = str(caught.value).split("\n")
    assert len(lines) == 21 and len(caught.value.bad_rows) == 25
    assert lines[0] == f"{path}:2: `employees`: `x` is not a number (write e.g. 1200, 1,200, 2.5k or 5M)"
    assert lines[-1] == f"{path}: and 5 more bad rows (25 in all)"


def test_bad_jsonl_lines(tmp_path, ir):
    path = write(
        tmp_path,
        "contacts.jsonl",
        '{"id": "c1"}\n'
        '{"id": "c2",}\n'
        '["c3"]\n'
        '{"id": "c4", "employees": "9x", "phone": 1.5, "tags": [1], "created_at": 20260101}\n'
        '{"id": ["c5"]}\n'
        '{"name": "No Id"}\n',
    )
    assert error(load_contacts, path, ir) == "\n".join(
        [
            f"{path}:2: not valid JSON: Expecting property name enclosed in double quotes (column 13)",
            f"{path}:3: expected a JSON object {{...}}, got a list",
            f"{path}:4: `employees`: `9x` is not a number (write e.g. 1200, 1,200, 2.5k or 5M); "
            "`phone`: expected text, got a number `1.5`; "
            "`tags`: expected a list of text, but it holds a number `1`; "
            "`created_at`: expected text, got a number `20260101`",
            f'{path}:5: `id`: expected text, got a list `["c5"]`',
            f"{path}:6: no `id`",
        ]
    )


def test_jsonl_key_problems(tmp_path, ir):
    path = write(
        tmp_path,
        "contacts.jsonl",
        '{"id": "c1", "deal": {"stage": "a"}, "deal.stage": "b"}\n'
        '{"id": "c2", "consent": "email,sms", "timezone": "Mars/Olympus"}\n',
    )
    assert error(load_contacts, path, ir) == "\n".join(
        [
            f"{path}:1: `deal.stage` is given twice",
            f"{path}:2: `consent`: `email,sms`: separate channels with `;`, not `,`; "
            "`timezone`: unknown time zone `Mars/Olympus` (write an IANA name such as Europe/Berlin)",
        ]
    )
    computed = write(tmp_path, "computed.jsonl", '{"id": "c1"}\n{"id": "c2", "deal": {"closed_ago": 100}}\n')
    assert error(load_contacts, computed, ir) == (
        f"{computed}:2: key `deal.closed_ago`: `deal.closed_ago` is computed from `deal.closed_at` "
        "at each moment; give `deal.closed_at` instead"
    )


def test_tab_separated(tmp_path, ir):
    [c] = contacts(tmp_path, ir, "id\ttags\nc1\ta;b\n", name="contacts.tsv")
    assert c.data["tags"] == ["a", "b"]


# --- contacts: file problems --------------------------------------------------


def test_file_problems(tmp_path, ir):
    assert error(load_contacts, str(tmp_path / "nope.csv"), ir) == f"{tmp_path / 'nope.csv'}: no such file"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name\nc1,Zo\xe9\n".encode("latin-1"))
    assert error(load_contacts, str(latin), ir) == f"{latin}:2: not UTF-8 (byte 0xe9); save the file as UTF-8"
    empty = write(tmp_path, "empty.csv", "\n\n")
    assert error(load_contacts, empty, ir) == f"{empty}: the file is empty; expected a header line with an `id` column"
    header = write(tmp_path, "header.csv", "id,name\n")
    assert error(load_contacts, header, ir) == f"{header}: no contacts after the header"
    blank = write(tmp_path, "blank.jsonl", "")
    assert error(load_contacts, blank, ir) == f"{blank}: the file is empty; expected one JSON object per line"
    semicolons = write(tmp_path, "semi.csv", "id;name\nc1;Ann\n")
    assert error(load_contacts, semicolons, ir) == (
        f"{semicolons}:1: the header has one column, separated by `;`; save the file with commas"
    )
    quote = write(tmp_path, "quote.csv", 'id,name\nc1,"Ann\nc2,Bob\n')
    assert error(load_contacts, quote, ir) == f'{quote}:2: a quoted cell is never closed (a stray `"`?)'
    array = write(tmp_path, "contacts.json", '[{"id": "c1"}]\n')
    assert error(load_contacts, array, ir) == (
        f"{array}: holds a JSON array; write one JSON object per line (JSON Lines)"
    )


def test_no_id_column(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", "Record ID,Job Title\n1,CEO\n")
    assert error(load_contacts, path, ir) == (
        f"{path}:1: no `id` column; columns are `Record ID`, `Job Title`; map one with --map 'Record ID=id'"
    )


def test_header_problems_are_reported_together(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", "id,Email,deal.closed_ago,name,name,deal,deal.stage\nc1,a,b,c,d,e,f\n")
    assert error(load_contacts, path, ir) == "\n".join(
        [
            f"{path}:1: columns 4 and 5 are both named `name`",
            f"{path}:1: column `Email` is not an attribute; did you mean `email`? "
            "map it with --map 'Email=email' (or --map 'Email=' to ignore it)",
            f"{path}:1: column `deal.closed_ago`: `deal.closed_ago` is computed from `deal.closed_at` "
            "at each moment; give `deal.closed_at` instead",
            f"{path}:1: columns `deal` and `deal.stage` both set `deal`",
        ]
    )


# --- mapping ----------------------------------------------------------------


def test_mapping_from_pairs(tmp_path, ir):
    mapping = parse_mapping(["Record ID=id", " Job Title = title ", "Notes="])
    assert mapping == {"Record ID": "id", "Job Title": "title", "Notes": ""}
    found = contacts(tmp_path, ir, "Record ID,Job Title,Notes\n17,CEO,call back\n", mapping=mapping)
    assert found[0].id == "17" and found[0].data == {"id": "17", "title": "CEO", "tags": [], "consent": []}


def test_mapping_from_toml(tmp_path):
    under_map = write(tmp_path, "a.toml", '[map]\n"Record ID" = "id"\ndeal.stage = "stage"\n')
    top_level = write(tmp_path, "b.toml", '"Job Title" = "title"\n')
    assert parse_mapping([under_map, top_level, "Email=email"]) == {
        "Record ID": "id",
        "deal.stage": "stage",
        "Job Title": "title",
        "Email": "email",
    }


def test_mapping_errors(tmp_path):
    assert error(parse_mapping, ["title"]) == (
        "--map: `title` is neither FROM=TO nor a TOML file (write e.g. --map 'Record ID=id')"
    )
    assert error(parse_mapping, ["missing.toml"]) == "--map: missing.toml: no such file"
    assert error(parse_mapping, ["=id"]) == "--map: `=id`: no column name before `=`"
    assert error(parse_mapping, ["Job Title=job title"]) == (
        "--map: `Job Title=job title`: `job title` is not an attribute name (letters, digits and _, parts joined by dots)"
    )
    assert error(parse_mapping, ["A=title", "A=role"]) == (
        "--map: `A` is mapped twice: to `title` (`A=title`) and to `role` (`A=role`)"
    )
    assert error(parse_mapping, ["A=title", "B=title"]) == "--map: both `A` and `B` are mapped to `title`"
    broken = write(tmp_path, "broken.toml", '[map]\n"Record ID" id\n')
    assert error(parse_mapping, [broken]).startswith(f"--map: {broken}: not valid TOML: ")
    mixed = write(tmp_path, "mixed.toml", 'x = "y"\n[map]\n"A" = "b"\n')
    assert error(parse_mapping, [mixed]) == (
        f'--map: {mixed}: unexpected `x` outside [map]; put every FROM = "TO" pair under [map]'
    )
    number = write(tmp_path, "number.toml", "[map]\nA = 3\n")
    assert error(parse_mapping, [number]) == (
        f"--map: {number}: `A` should be the name of an attribute in quotes, not 3"
    )


def test_unused_mapping_is_an_error(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", "Record ID,Job Title\n1,CEO\n")
    assert error(load_contacts, path, ir, {"Record ID": "id", "Job title": "title"}) == (
        f"{path}:1: --map: no column `Job title` in contacts.csv; did you mean `Job Title`?"
    )
    jsonl = write(tmp_path, "contacts.jsonl", '{"Record ID": 1}\n')
    assert error(load_contacts, jsonl, ir, {"Record ID": "id", "Recrd": "title"}) == (
        f"{jsonl}: --map: no line of contacts.jsonl has a key `Recrd`; did you mean `Record ID`?"
    )


def test_mapped_columns_may_swap_but_not_collide(tmp_path, ir):
    [c] = contacts(tmp_path, ir, "id,title,role\nc1,CTO,Engineering\n", mapping={"title": "role", "role": "title"})
    assert (c.data["title"], c.data["role"]) == ("Engineering", "CTO")
    path = write(tmp_path, "contacts.csv", "id,Job Title,title\nc1,CEO,Boss\n")
    assert error(load_contacts, path, ir, {"Job Title": "title"}) == (
        f"{path}:1: columns `Job Title` and `title` both become `title`"
    )


def test_mapped_column_is_named_in_messages(tmp_path, ir):
    path = write(tmp_path, "contacts.csv", "id,Annual Revenue\nc1,lots\n")
    assert error(load_contacts, path, ir, {"Annual Revenue": "revenue"}) == (
        f"{path}:2: `Annual Revenue` (revenue): `lots` is not a number (write e.g. 1200, 1,200, 2.5k or 5M)"
    )


# --- events -----------------------------------------------------------------


def test_events_are_grouped_and_sorted_stably(tmp_path, ir):
    path = write(
        tmp_path,
        "events.jsonl",
        '{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event": "visited", "args": ["b"]}\n'
        '{"contact": "c2", "at": "2026-01-01T00:00:00Z", "event": "replied"}\n'
        '{"contact": "c1", "at": "2026-01-05T11:00:00+01:00", "event": "visited", "arg": "a"}\n'
        '{"contact": "c1", "at": "2026-01-04T10:00:00Z", "event": "downloaded", "args": []}\n',
    )
    events, bad = load_events(path, ir, {"c1": None, "c2": None, "c3": None})
    t = parse_timestamp("2026-01-05T10:00:00Z")
    assert events == {
        "c1": [
            Event(t - 86400, "downloaded", None),
            Event(t, "visited", "b"),
            Event(t, "visited", "a"),
        ],
        "c2": [Event(parse_timestamp("2026-01-01T00:00:00Z"), "replied", None)],
    }
    assert bad == []


def test_bad_events_jsonl(tmp_path, ir):
    path = write(
        tmp_path,
        "events.jsonl",
        '{"contact": "c1", "at": "2026-01-05T10:00:00", "event": "vistied", "args": ["a", "b"]}\n'
        '{"contact": "c100", "at": "2026-01-05", "event": "replied"}\n'
        '{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event": "replied"\n'
        '{"contact": "c1", "when": "2026-01-05T10:00:00Z", "event": "replied", "arg": "x", "args": []}\n',
    )
    assert error(load_events, path, ir, {"c1", "c2", "c10"}) == "\n".join(
        [
            f"{path}:1: timestamp `2026-01-05T10:00:00` has no time zone: add Z for UTC or an offset such as +01:00; "
            "unknown event `vistied`; did you mean `visited`?; "
            'an event has at most one argument; got 2: `["a", "b"]`',
            f"{path}:2: unknown contact `c100`; did you mean `c10`?; "
            "timestamp `2026-01-05` has no time of day (write e.g. 2026-01-05T10:00:00Z)",
            f"{path}:3: not valid JSON: Expecting ',' delimiter (column 67)",
            f"{path}:4: unknown key `when` (the keys are contact, at, event and args); "
            "both `arg` and `args`; give one; no `at`",
        ]
    )


def test_bad_events_csv_and_skipping(tmp_path, ir):
    path = write(
        tmp_path,
        "events.csv",
        "Contact,At,Event,Args\n"
        "c1,2026-01-05T10:00:00Z,visited,pricing\n"
        "c1,2026-01-05T10:00:00Z,visited,pricing;docs\n"
        ",2026-01-05T10:00:00Z,,\n"
        "c2,2026-01-05T25:00:00Z,replied,\n",
        newline="\r\n",
    )
    assert error(load_events, path, ir, {"c1", "c2"}) == "\n".join(
        [
            f"{path}:3: an event has at most one argument; got 2: `pricing;docs`",
            f"{path}:4: `contact` is empty; `event` is empty",
            f"{path}:5: `2026-01-05T25:00:00Z` is not a valid timestamp: no such time of day",
        ]
    )
    events, bad = load_events(path, ir, {"c1", "c2"}, skip_bad_rows=True)
    assert events == {"c1": [Event(parse_timestamp("2026-01-05T10:00:00Z"), "visited", "pricing")]}
    assert [row.line for row in bad] == [3, 4, 5]


def test_events_csv_header_problems(tmp_path, ir):
    path = write(tmp_path, "events.csv", "contact,time,event,argz\n")
    assert error(load_events, path, ir, set()) == "\n".join(
        [
            f"{path}:1: unknown column `time` (the columns are contact, at, event and args)",
            f"{path}:1: unknown column `argz`; did you mean `args`? (the columns are contact, at, event and args)",
            f"{path}:1: no `at` column (the columns are contact, at, event and args)",
        ]
    )
    header_only = write(tmp_path, "none.csv", "contact,at,event\n")
    assert load_events(header_only, ir, set()) == ({}, [])


def test_no_contact_hints_for_huge_lists(tmp_path, ir):
    path = write(tmp_path, "events.csv", "contact,at,event\nc00001x,2026-01-05T10:00:00Z,replied\n")
    ids = {f"c{i:05}" for i in range(10_001)}
    assert error(load_events, path, ir, ids) == f"{path}:2: unknown contact `c00001x`"


# --- timestamps ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1970-01-01T01:00:00+01:00", 0.0),
        ("1970-01-01 00:00-0130", 5400.0),
        ("1970-01-01T00:00:01.5z", 1.5),
        ("2026-01-05T10:00:00Z", 1767607200.0),
    ],
)
def test_parse_timestamp(text, seconds):
    assert parse_timestamp(text) == seconds


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "2026-01-05T10:00",
            "timestamp `2026-01-05T10:00` has no time zone: add Z for UTC or an offset such as +01:00",
        ),
        ("yesterday", "`yesterday` is not an ISO 8601 timestamp (write e.g. 2026-01-05T10:00:00Z)"),
        ("2026-13-01T00:00Z", "`2026-13-01T00:00Z` is not a valid timestamp: month must be in 1..12"),
    ],
)
def test_parse_timestamp_refuses(text, message):
    with pytest.raises(ValueError) as caught:
        parse_timestamp(text)
    assert str(caught.value) == message


def test_padded_cells_and_blank_arguments_read_as_the_plain_ones(tmp_path, ir):
    path = write(
        tmp_path,
        "events.jsonl",
        '{"contact": " c1 ", "at": " 2026-01-05T10:00:00Z ", "event": " visited ", "args": [" b "]}\n'
        '{"contact": "c1", "at": "2026-01-05T11:00:00Z", "event": "visited", "args": [" "]}\n'
        '{"contact": "c1", "at": "2026-01-05T12:00:00Z", "event": "visited", "args": "  "}\n'
        '{"contact": "c1", "at": "2026-01-05T13:00:00Z", "event": "visited", "args": " a ;"}\n',
    )
    events, bad = load_events(path, ir, {"c1"})
    t = parse_timestamp("2026-01-05T10:00:00Z")
    assert bad == []
    assert events == {
        "c1": [
            Event(t, "visited", "b"),
            Event(t + 3600, "visited", None),
            Event(t + 7200, "visited", None),
            Event(t + 10800, "visited", "a"),
        ]
    }
