"""Acceptance suite for `nurturedsl simulate`, written from the documentation alone.

Every folder `NN-slug/` next to this file is one scenario: a small playbook, its contacts
(`contacts.jsonl` or `contacts.csv`), its events (`events.jsonl`) and `expected.toml`, whose
comments hold the hand computation from docs/simulation.md, docs/ir.md, docs/language.md and
the lead's decisions (S1-S6, L4). The expectations were written before the simulator was run;
they are not to be edited to match its output.

The simulator runs in-process through click's CliRunner (`nurturedsl.cli:main`) with
`--trace T --format json -o R`. Only what expected.toml states is compared:

- ``[run]``: ``start`` / ``until`` options.
- ``[report]``: a nested subset of the JSON report (numbers compared to 2 decimals).
- ``[text_report]``: ``matches``: regular expressions the text report must contain.
- ``[timeline]``: ``contact`` and ``lines``: each a list of substrings that must appear together
  on one line of ``--contact ID`` output.
- ``[trace]``: ``distinct_handoff_contacts``: contacts with at least one `handoff` line.
- ``[split]``: determinism of a split (see 16-split-determinism/expected.toml).
- ``[contacts.ID]``: lists per trace type (``touches`` = type `touch`, ``exits``, ``enters``,
  ``handoffs``, ``thresholds``, ``blocked``, ``deferred``, ``notifies``, ``tasks``, ``tags``,
  ``revisits``, ``events``). Each actual record of that type for the contact (in trace order) is
  cut down to the fields the expected items name, and the two lists must be equal: so a stated
  list also says that nothing else of that type happened. ``events`` only looks at the event
  names it lists. ``deferred_of`` compares the `deferred` lines of one step.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from nurturedsl.cli import main

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "expected.toml").is_file())

TYPES = {
    "touches": "touch",
    "exits": "exit",
    "enters": "enter",
    "handoffs": "handoff",
    "thresholds": "threshold",
    "blocked": "blocked",
    "deferred": "deferred",
    "notifies": "notify",
    "tasks": "task",
    "tags": "tag",
    "revisits": "revisit",
    "events": "event",
}


def _contacts_file(folder: Path) -> Path:
    for name in ("contacts.jsonl", "contacts.csv"):
        if (folder / name).is_file():
            return folder / name
    raise AssertionError(f"{folder.name}: no contacts.jsonl or contacts.csv")


def _simulate(
    playbook: Path, contacts: Path, events: Path, run: dict, out: Path, *, fmt: str = "json", contact: str | None = None
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    trace, report = out / "trace.jsonl", out / f"report.{fmt}"
    args = [
        "simulate",
        str(playbook),
        "--contacts",
        str(contacts),
        "--events",
        str(events),
        "--format",
        fmt,
        "-o",
        str(report),
    ]
    if contact is None:
        args += ["--trace", str(trace)]
    else:
        args += ["--contact", contact]
    for option in ("start", "until"):
        if option in run:
            args += [f"--{option}", run[option]]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, f"simulate exited {result.exit_code}:\n{result.output}"
    return trace, report


def _read_trace(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _same(expected, actual) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return round(float(expected), 2) == round(float(actual), 2)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_same(e, a) for e, a in zip(expected, actual))
        )
    return expected == actual


def _project(record: dict, fields: list[str]) -> dict:
    return {f: record.get(f, "<absent>") for f in fields}


def _compare_list(label: str, expected: list[dict], actual: list[dict], problems: list[str]) -> None:
    fields: list[str] = []
    for item in expected:
        fields += [k for k in item if k not in fields]
    if not fields:
        fields = ["at"]
    projected = [_project(r, fields) for r in actual]
    ok = len(expected) == len(projected) and all(_same(e, {k: p[k] for k in e}) for e, p in zip(expected, projected))
    if not ok:
        problems.append(f"{label}:\n  expected {json.dumps(expected)}\n  actual   {json.dumps(projected)}")


def _report_subset(expected: dict, actual, path: str, problems: list[str]) -> None:
    for key, value in expected.items():
        where = f"{path}.{key}" if path else key
        if not isinstance(actual, dict) or key not in actual:
            problems.append(f"report {where}: missing (expected {value!r})")
        elif isinstance(value, dict):
            _report_subset(value, actual[key], where, problems)
        elif not _same(value, actual[key]):
            problems.append(f"report {where}: expected {value!r}, got {actual[key]!r}")


def _check_contacts(expected: dict, trace: list[dict], problems: list[str]) -> None:
    for cid, checks in expected.items():
        mine = [r for r in trace if r.get("contact") == cid]
        for key, items in checks.items():
            if key == "deferred_of":
                for block in items:
                    actual = [r for r in mine if r.get("type") == "deferred" and r.get("step") == block["step"]]
                    _compare_list(f"{cid} deferred of {block['step']}", block["records"], actual, problems)
                continue
            assert key in TYPES, f"unknown key {key!r} for contact {cid}"
            actual = [r for r in mine if r.get("type") == TYPES[key]]
            if key == "events":
                names = {item["event"] for item in items}
                actual = [r for r in actual if r.get("event") in names]
            _compare_list(f"{cid} {key}", items, actual, problems)


def _split_arms(trace: list[dict], spec: dict) -> dict[str, list[str]]:
    return {
        cid: [
            r["step"]
            for r in trace
            if r.get("contact") == cid and r.get("type") == "touch" and r.get("flow") == spec["flow"]
        ]
        for cid in spec["contacts"]
    }


def _check_split(folder: Path, spec: dict, run: dict, trace_path: Path, tmp: Path, problems: list[str]) -> None:
    contacts, events = _contacts_file(folder), folder / "events.jsonl"
    trace = _read_trace(trace_path)
    arms = _split_arms(trace, spec)
    for cid, steps in arms.items():
        times = [r["at"] for r in trace if r.get("contact") == cid and r.get("type") == "touch"]
        if times != spec["times"]:
            problems.append(f"{cid}: touches at {times}, expected {spec['times']}")
        if len(set(steps)) != 1 or steps[0] not in spec["steps"]:
            problems.append(f"{cid}: split arms {steps}: expected one arm of {spec['steps']} every time")
    # the same inputs again: byte-identical trace
    again, _ = _simulate(folder / "playbook.nurture", contacts, events, run, tmp / "again")
    if again.read_bytes() != trace_path.read_bytes():
        problems.append("a second identical run gave a different trace")
    # reversed contacts and events
    rev = tmp / "reversed"
    rev.mkdir()
    rev_contacts = rev / contacts.name
    rev_contacts.write_text("".join(reversed(contacts.read_text().splitlines(True))))
    rev_events = rev / "events.jsonl"
    rev_events.write_text("".join(reversed(events.read_text().splitlines(True))))
    rev_trace, _ = _simulate(folder / "playbook.nurture", rev_contacts, rev_events, run, rev / "out")
    if _split_arms(_read_trace(rev_trace), spec) != arms:
        problems.append(f"reversed input order changed the arms: {_split_arms(_read_trace(rev_trace), spec)} vs {arms}")
    # each contact alone
    lines = {json.loads(row)["id"]: row for row in contacts.read_text().splitlines(True) if row.strip()}
    for cid in spec["contacts"]:
        alone = tmp / f"alone-{cid}"
        alone.mkdir()
        (alone / contacts.name).write_text(lines[cid])
        (alone / "events.jsonl").write_text(
            "".join(row for row in events.read_text().splitlines(True) if json.loads(row)["contact"] == cid)
        )
        t, _ = _simulate(folder / "playbook.nurture", alone / contacts.name, alone / "events.jsonl", run, alone / "out")
        got = _split_arms(_read_trace(t), {**spec, "contacts": [cid]})[cid]
        if got != arms[cid]:
            problems.append(f"{cid} alone got arms {got}, with the others {arms[cid]}")


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario(folder: Path, tmp_path: Path) -> None:
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    run = expected.get("run", {})
    playbook, contacts, events = folder / "playbook.nurture", _contacts_file(folder), folder / "events.jsonl"
    trace_path, report_path = _simulate(playbook, contacts, events, run, tmp_path / "main")
    trace = _read_trace(trace_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    problems: list[str] = []

    _report_subset(expected.get("report", {}), report, "", problems)
    _check_contacts(expected.get("contacts", {}), trace, problems)

    if "trace" in expected and "distinct_handoff_contacts" in expected["trace"]:
        distinct = {r["contact"] for r in trace if r.get("type") == "handoff"}
        want = expected["trace"]["distinct_handoff_contacts"]
        if len(distinct) != want:
            problems.append(f"trace: {len(distinct)} distinct contacts handed off {sorted(distinct)}, expected {want}")
        if report.get("handoffs", {}).get("contacts") != len(distinct):
            problems.append(
                f"JSON handoffs.contacts {report.get('handoffs', {}).get('contacts')} "
                f"!= distinct contacts in the trace {len(distinct)}"
            )

    if "text_report" in expected:
        _, text_path = _simulate(playbook, contacts, events, run, tmp_path / "text", fmt="text")
        text = text_path.read_text(encoding="utf-8")
        for pattern in expected["text_report"].get("matches", []):
            if not re.search(pattern, text):
                problems.append(f"text report does not match /{pattern}/:\n{text}")

    if "timeline" in expected:
        spec = expected["timeline"]
        _, out = _simulate(playbook, contacts, events, run, tmp_path / "timeline", fmt="text", contact=spec["contact"])
        text = out.read_text(encoding="utf-8")
        for parts in spec["lines"]:
            if not any(all(p in line for p in parts) for line in text.splitlines()):
                problems.append(f"timeline of {spec['contact']} has no line with {parts}:\n{text}")

    if "split" in expected:
        _check_split(folder, expected["split"], run, trace_path, tmp_path, problems)

    assert not problems, f"{folder.name}: {len(problems)} disagreement(s)\n" + "\n".join(problems)
