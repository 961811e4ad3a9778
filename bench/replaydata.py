"""Replay inputs of any size, sorted by contact id, for `simulate --sorted`.

    python bench/replaydata.py N_CONTACTS N_EVENTS -o DIR [--seed S] [--format csv|jsonl]

Writes DIR/contacts.csv and DIR/events.csv (or .jsonl): N_CONTACTS contacts
`c000000001`... (zero-padded, so byte order is number order) with the
attributes `playbooks/programme.nurture` reads, and N_EVENTS events spread
over them in contact order (about N_EVENTS / N_CONTACTS each, at times in the
first half of 2026, in no time order within a contact), such as CRM exports
hold: visits, downloads, opens, clicks, replies, bookings. Deterministic for
a seed: the same arguments give the same bytes.

DuckDB writes the files (vectorised; 100M events in minutes, not the hour a
Python loop takes) when it is installed, in one ordered stream with
`preserve_insertion_order`; without it, a Python loop writes them (fine up to
a few million rows). DIR is made if missing; existing files in it are
replaced atomically (temporary name + rename).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

INDUSTRIES = ["SaaS", "Fintech", "Healthcare", "Retail", "Manufacturing", "Media"]
TITLES = ["CEO", "CTO", "VP Marketing", "Head of Growth", "Engineer", "Analyst"]
ROLES = ["CEO", "CTO", "Marketing", "Marketing", "Engineering", "Finance"]
COUNTRIES = [
    ("Germany", "Europe/Berlin"),
    ("US", "America/New_York"),
    ("France", "Europe/Paris"),
    ("UK", "Europe/London"),
]
STAGES = ["", "", "", "open", "closed_lost", "closed_won"]
# (event, argument): what a CRM records of a lead, weighted by repetition
EVENTS = [
    ("visited", "pricing"),
    ("visited", "blog"),
    ("visited", "pricing"),
    ("opened", ""),
    ("opened", ""),
    ("clicked", ""),
    ("downloaded", "resource"),
    ("registered", "webinar"),
    ("replied", ""),
    ("booked", ""),
]
HALF_YEAR = 181 * 86400
EPOCH_2026 = 1767225600  # 2026-01-01T00:00:00Z

CONTACT_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "title",
    "role",
    "company",
    "industry",
    "employees",
    "revenue",
    "country",
    "timezone",
    "consent",
    "created_at",
    "deal.stage",
]


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def with_duckdb(contacts: int, events: int, folder: str, seed: int, kind: str) -> None:
    import duckdb

    db = duckdb.connect()
    db.execute("SET preserve_insertion_order = true")
    options = "(HEADER, DELIMITER ',')" if kind == "csv" else "(FORMAT JSON)"
    # hash(i, seed) gives each row its draws; list[1 + h % n] picks from a list
    draw = "hash(i, {seed}, {salt})"

    def pick(items: list[str], salt: int) -> str:
        return f"{_sql_list(items)}[1 + ({draw.format(seed=seed, salt=salt)} % {len(items)})::INT]"

    country = pick([c for c, _ in COUNTRIES], 5)
    zone = f"{_sql_list([z for _, z in COUNTRIES])}[1 + ({draw.format(seed=seed, salt=5)} % {len(COUNTRIES)})::INT]"
    contact_sql = f"""
        SELECT 'c' || lpad((i + 1)::VARCHAR, 9, '0') AS id,
               'First' || (i % 997)::VARCHAR AS first_name,
               'Last' || (i % 991)::VARCHAR AS last_name,
               'person' || (i + 1)::VARCHAR || '@example.com' AS email,
               {pick(TITLES, 1)} AS title,
               {pick(ROLES, 1)} AS role,
               'Company ' || ((i // 7) + 1)::VARCHAR AS company,
               {pick(INDUSTRIES, 2)} AS industry,
               (10 + {draw.format(seed=seed, salt=3)} % 5000)::BIGINT AS employees,
               (100000 + {draw.format(seed=seed, salt=4)} % 50000000)::BIGINT AS revenue,
               {country} AS country,
               {zone} AS timezone,
               CASE WHEN {draw.format(seed=seed, salt=6)} % 4 = 0 THEN 'email;sms' ELSE 'email' END AS consent,
               strftime(DATE '2025-01-01' + ({draw.format(seed=seed, salt=7)} % 540)::INT, '%Y-%m-%d') AS created_at,
               {pick(STAGES, 8)} AS "deal.stage"
        FROM range({contacts}) t(i) ORDER BY i
    """
    names = [e for e, _ in EVENTS]
    args = [a for _, a in EVENTS]
    index = f"1 + ({draw.format(seed=seed, salt=11)} % {len(EVENTS)})::INT"
    event_sql = f"""
        SELECT 'c' || lpad(((i * {contacts}) // {events} + 1)::VARCHAR, 9, '0') AS contact,
               strftime(to_timestamp({EPOCH_2026} + ({draw.format(seed=seed, salt=10)} % {HALF_YEAR})::BIGINT)
                        AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at,
               {_sql_list(names)}[{index}] AS event,
               {_sql_list(args)}[{index}] AS args
        FROM range({events}) t(i) ORDER BY i
    """
    for name, sql in (("contacts", contact_sql), ("events", event_sql)):
        final = os.path.join(folder, f"{name}.{kind}")
        temp = os.path.join(folder, f".{name}.{kind}.tmp")
        db.execute(f"COPY ({sql}) TO '{temp}' {options}")
        os.replace(temp, final)


def with_python(contacts: int, events: int, folder: str, seed: int, kind: str) -> None:
    import csv
    import json
    import random

    rng = random.Random(seed)
    for name in ("contacts", "events"):
        final = os.path.join(folder, f"{name}.{kind}")
        temp = os.path.join(folder, f".{name}.{kind}.tmp")
        with open(temp, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n") if kind == "csv" else None
            if name == "contacts":
                if writer:
                    writer.writerow(CONTACT_COLUMNS)
                for i in range(contacts):
                    country, zone = rng.choice(COUNTRIES)
                    row = [
                        f"c{i + 1:09d}",
                        f"First{i % 997}",
                        f"Last{i % 991}",
                        f"person{i + 1}@example.com",
                        rng.choice(TITLES),
                        rng.choice(ROLES),
                        f"Company {i // 7 + 1}",
                        rng.choice(INDUSTRIES),
                        10 + rng.randrange(5000),
                        100000 + rng.randrange(50000000),
                        country,
                        zone,
                        "email;sms" if rng.randrange(4) == 0 else "email",
                        time.strftime("%Y-%m-%d", time.gmtime(1735689600 + rng.randrange(540) * 86400)),
                        rng.choice(STAGES),
                    ]
                    if writer:
                        writer.writerow(row)
                    else:
                        out.write(json.dumps(dict(zip(CONTACT_COLUMNS, row))) + "\n")
            else:
                if writer:
                    writer.writerow(["contact", "at", "event", "args"])
                for i in range(events):
                    event, arg = rng.choice(EVENTS)
                    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH_2026 + rng.randrange(HALF_YEAR)))
                    row = [f"c{i * contacts // events + 1:09d}", at, event, arg]
                    if writer:
                        writer.writerow(row)
                    else:
                        out.write(json.dumps(dict(zip(["contact", "at", "event", "args"], row))) + "\n")
        os.replace(temp, final)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("contacts", type=int, metavar="N_CONTACTS")
    parser.add_argument("events", type=int, metavar="N_EVENTS")
    parser.add_argument("-o", "--output", required=True, metavar="DIR")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--python", action="store_true", help="write with the Python loop even if DuckDB is there")
    args = parser.parse_args(argv)
    if args.contacts < 1 or args.events < 0:
        parser.error("N_CONTACTS must be at least 1 and N_EVENTS at least 0")
    os.makedirs(args.output, exist_ok=True)
    began = time.perf_counter()
    writer = with_python
    if not args.python:
        try:
            import duckdb  # noqa: F401

            writer = with_duckdb
        except ImportError:
            pass
    writer(args.contacts, args.events, args.output, args.seed, args.format)
    print(
        f"{args.contacts:,} contacts, {args.events:,} events in {args.output} "
        f"({writer.__name__.replace('with_', '')}, {time.perf_counter() - began:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
