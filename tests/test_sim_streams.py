"""`simulate --sorted` streams contact-sorted inputs: its report, trace and
messages are those of reading the same files whole; an unsorted row stops
it with exit 2 and the line to fix."""

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT, write

PROGRAMME = str(PLAYBOOKS / "programme.nurture")
EXAMPLES = ROOT / "examples"
EXAMPLE_CONTACTS = list(csv.DictReader(open(EXAMPLES / "contacts.csv", encoding="utf-8-sig", newline="")))
EXAMPLE_EVENTS = [json.loads(line) for line in open(EXAMPLES / "events.jsonl", encoding="utf-8") if line.strip()]
HEADER = [*EXAMPLE_CONTACTS[0], "event.unsubscribed", "event.unsubscribed_at"]
IDS = [f"c{i}" for i in range(7)] + ["c10", "d"]  # `c10` sorts before `c2`: byte order, not numbers


def run(*args):
    return CliRunner().invoke(main, ["simulate", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The programme compiled once: the generated cases run fast."""
    folder = tmp_path_factory.mktemp("ir")
    result = CliRunner().invoke(main, ["compile", PROGRAMME, "-o", str(folder / "programme.json")])
    assert result.exit_code == 0, result.output
    return str(folder / "programme.json")


def _contacts_text(rows: list[dict], kind: str) -> str:
    if kind == "jsonl":
        return "".join(json.dumps({k: v for k, v in row.items() if v != ""}, ensure_ascii=False) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _events_text(rows: list[dict], kind: str) -> str:
    if kind == "jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["contact", "at", "event", "args"])
    writer.writerows([row["contact"], row["at"], row["event"], ";".join(row.get("args", []))] for row in rows)
    return out.getvalue()


def _sorted_copies(folder: Path) -> dict[str, Path]:
    """The examples sorted by contact id (they are in c1, c2, ..., c10 order)."""
    paths = {}
    for name, key in (("contacts", "id"), ("events", "contact")):
        for kind in ("csv", "jsonl"):
            source = EXAMPLES / f"{name}.{kind}"
            if kind == "jsonl":
                lines = [line for line in source.read_text(encoding="utf-8").splitlines(True) if line.strip()]
                lines.sort(key=lambda line: str(json.loads(line)[key]))
                text = "".join(lines)
            else:
                rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline="")))
                column = [cell.strip() for cell in rows[0]].index(key)
                out = io.StringIO()
                csv.writer(out, lineterminator="\n").writerows([rows[0], *sorted(rows[1:], key=lambda r: r[column])])
                text = out.getvalue()
            paths[f"{name}.{kind}"] = write(folder, f"{name}.{kind}", text)
    return paths


def _same(tmp_path: Path, *args) -> str:
    """Run whole and --sorted; assert the same exit, stdout, stderr and
    trace; return stdout."""
    outputs = []
    for mode, extra in (("whole", []), ("sorted", ["--sorted"])):
        trace = tmp_path / f"{mode}.jsonl"
        result = run(*args, "--trace", trace, *extra)
        written = trace.read_bytes() if trace.exists() else None
        outputs.append((result.exit_code, result.stdout, result.stderr, written))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 0, outputs[0][2]
    return outputs[0][1]


@pytest.mark.parametrize("contacts", ["contacts.csv", "contacts.jsonl"])
@pytest.mark.parametrize("events", ["events.csv", "events.jsonl"])
@pytest.mark.parametrize("start", [[], ["--start", "2026-01-05"]])
def test_the_sorted_examples_stream_to_the_same_report_and_trace(tmp_path, contacts, events, start):
    paths = _sorted_copies(tmp_path / "in")
    report = _same(tmp_path, PROGRAMME, "--contacts", paths[contacts], "--events", paths[events], *start, "-f", "json")
    assert json.loads(report)["mode"] == "replay"


def test_streamed_workers_give_one_workers_output_and_text_reports_match(tmp_path):
    paths = _sorted_copies(tmp_path / "in")
    given = (PROGRAMME, "--contacts", paths["contacts.csv"], "--events", paths["events.jsonl"], "--start", "2026-01-05")
    one = run(*given, "--sorted")
    two = run(*given, "--sorted", "--workers", "2")
    whole = run(*given)
    assert one.exit_code == two.exit_code == whole.exit_code == 0
    assert one.stdout == two.stdout == whole.stdout


def test_one_contact_is_followed_from_the_stream(tmp_path):
    paths = _sorted_copies(tmp_path / "in")
    given = (PROGRAMME, "--contacts", paths["contacts.csv"], "--events", paths["events.jsonl"], "--contact", "c3")
    assert run(*given, "--sorted").stdout == run(*given).stdout
    missing = run(PROGRAMME, "--contacts", paths["contacts.csv"], "--sorted", "--contact", "c99")
    assert missing.exit_code == 2 and "--contact c99: no contact with that id" in missing.stderr


def test_a_mapped_crm_export_streams_too(tmp_path):
    export = EXAMPLES / "hubspot-contacts.csv"
    _same(tmp_path, PROGRAMME, "--contacts", export, "--map", EXAMPLES / "hubspot-map.toml", "--start", "2026-01-05")


@pytest.mark.parametrize("which", ["contacts", "events"])
def test_an_unsorted_row_stops_with_its_line_and_writes_nothing(tmp_path, which):
    contacts = write(tmp_path, "contacts.csv", "id,created_at\nc1,2026-01-01\nc2,2026-01-02\nc3,2026-01-03\n")
    events = write(
        tmp_path,
        "events.csv",
        "contact,at,event\nc1,2026-01-05T10:00:00Z,visited\nc3,2026-01-05T10:00:00Z,visited\n"
        "c2,2026-01-06T10:00:00Z,visited\n",
    )
    if which == "contacts":
        contacts = write(tmp_path, "contacts.csv", "id,created_at\nc1,2026-01-01\nc3,2026-01-03\nc2,2026-01-02\n")
        events = write(tmp_path, "events.csv", "contact,at,event\n")
    report = tmp_path / "report.txt"
    result = run(PROGRAMME, "--contacts", contacts, "--events", events, "--sorted", "-o", report)
    assert result.exit_code == 2
    path = contacts if which == "contacts" else events
    assert f"{path}:4: contact `c2` after `c3`: --sorted needs the file sorted by contact id" in result.stderr
    assert not report.exists()
    assert run(PROGRAMME, "--contacts", contacts, "--events", events, "-o", report).exit_code == 0


def test_sorted_is_for_replays():
    result = run(PROGRAMME, "--cohort", "10", "--responses", EXAMPLES / "responses.toml", "--sorted")
    assert result.exit_code == 2 and "--sorted streams the --contacts and --events files" in result.stderr


_contact_rows = st.lists(
    st.tuples(
        st.sampled_from([*IDS, "", " c3 "]),
        st.integers(0, len(EXAMPLE_CONTACTS) - 1),
        st.sampled_from(["", "", "bad", "unsubscribed", "unsubscribed on a day", "created late"]),
    ),
    max_size=9,
)
_event_rows = st.lists(
    st.tuples(
        st.sampled_from([*IDS, "c99", ""]),
        st.integers(0, len(EXAMPLE_EVENTS) - 1),
        st.sampled_from(["", "", "", "no zone", "unknown event", "later"]),
    ),
    max_size=30,
)


def _contact(contact_id: str, example: int, change: str) -> dict:
    row = dict.fromkeys(HEADER, "") | EXAMPLE_CONTACTS[example] | {"id": contact_id}
    if change == "bad":
        row["employees"] = "lots"
    elif change.startswith("unsubscribed"):
        row["event.unsubscribed"] = "yes"
        row["event.unsubscribed_at"] = "2026-02-01" if change.endswith("day") else ""
    elif change == "created late":
        row["created_at"] = "2026-03-01"
    return row


def _event(contact_id: str, example: int, change: str) -> dict:
    row = dict(EXAMPLE_EVENTS[example]) | {"contact": contact_id}
    if change == "no zone":
        row["at"] = row["at"][:19]
    elif change == "unknown event":
        row["event"] = "waved"
    elif change == "later":
        row["at"] = row["at"].replace("2026-01", "2026-05")
    row.setdefault("args", [])
    return row


def _without_hints(text: str) -> str:
    return re.sub(r"; did you mean `[^`]*`\?", "", text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    contact_rows=_contact_rows,
    event_rows=_event_rows,
    kinds=st.tuples(st.sampled_from(["csv", "jsonl"]), st.sampled_from(["csv", "jsonl", None])),
    start=st.sampled_from([None, "2026-01-05", "2026-02-01"]),
    skip=st.booleans(),
)
def test_streaming_sorted_files_is_reading_them_whole(compiled, contact_rows, event_rows, kinds, start, skip):
    contacts = sorted((_contact(*row) for row in contact_rows), key=lambda row: row["id"].strip())
    events = sorted((_event(*row) for row in event_rows), key=lambda row: row["contact"].strip())
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        args = ["--contacts", write(where, f"contacts.{kinds[0]}", _contacts_text(contacts, kinds[0]))]
        if kinds[1] is not None:
            args += ["--events", write(where, f"events.{kinds[1]}", _events_text(events, kinds[1]))]
        args += ["--start", start] if start else []
        args += ["--skip-bad-rows"] if skip else []
        found = []
        for extra in ([], ["--sorted"]):
            trace = where / "trace.jsonl"
            result = run(compiled, *args, "-f", "json", "--trace", trace, *extra)
            written = trace.read_bytes() if trace.exists() else None
            found.append((result.exit_code, result.stdout, _without_hints(result.stderr), written))
            if trace.exists():
                trace.unlink()
        assert found[0] == found[1]


def _parquet_copies(folder: Path) -> dict[str, Path]:
    """The sorted examples as Parquet: contacts as text columns (as a CRM
    export's CSV is), events with `at` a UTC timestamp and `args` a list."""
    pa = pytest.importorskip("pyarrow")
    parquet = pytest.importorskip("pyarrow.parquet")
    paths = _sorted_copies(folder)
    rows = list(csv.DictReader(open(paths["contacts.csv"], encoding="utf-8", newline="")))
    contacts = pa.table({name: [row[name] for row in rows] for name in rows[0]})
    events = [json.loads(line) for line in open(paths["events.jsonl"], encoding="utf-8")]
    import datetime as dt

    table = pa.table(
        {
            "contact": [e["contact"] for e in events],
            "at": pa.array(
                [dt.datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in events], pa.timestamp("us", "UTC")
            ),
            "event": [e["event"] for e in events],
            "args": [e.get("args", []) for e in events],
        }
    )
    parquet.write_table(contacts, folder / "contacts.parquet", row_group_size=5)
    parquet.write_table(table, folder / "events.parquet", row_group_size=7)  # rows of a contact across groups
    return paths | {"contacts.parquet": folder / "contacts.parquet", "events.parquet": folder / "events.parquet"}


@pytest.mark.parametrize("sorted_input", [[], ["--sorted"]])
def test_parquet_inputs_replay_as_their_csv_and_json_lines_do(tmp_path, sorted_input):
    paths = _parquet_copies(tmp_path / "in")
    reports = []
    for contacts, events in (("contacts.csv", "events.jsonl"), ("contacts.parquet", "events.parquet")):
        trace = tmp_path / f"{contacts}.trace"
        result = run(
            PROGRAMME,
            "--contacts",
            paths[contacts],
            "--events",
            paths[events],
            "-f",
            "json",
            "--trace",
            trace,
            *sorted_input,
        )
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        del report["inputs"]
        reports.append((report, trace.read_bytes()))
    assert reports[0] == reports[1]


def test_a_bad_parquet_row_is_named_by_its_row_number(tmp_path):
    pa = pytest.importorskip("pyarrow")
    parquet = pytest.importorskip("pyarrow.parquet")
    parquet.write_table(pa.table({"id": ["a", "b"], "employees": ["5", "lots"]}), tmp_path / "contacts.parquet")
    result = run(PROGRAMME, "--contacts", tmp_path / "contacts.parquet", "--start", "2026-01-05", "--sorted")
    assert result.exit_code == 2
    assert f"{tmp_path / 'contacts.parquet'}:2: `employees`: `lots` is not a number" in result.stderr


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = write(tmp_path, "contacts.parquet", "PAR1")
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    result = run(PROGRAMME, "--contacts", path, "--start", "2026-01-05")
    assert result.exit_code == 2
    assert "reading Parquet needs pyarrow: pip install 'nurturedsl[columnar]'" in result.stderr


def test_a_file_that_is_not_parquet_is_refused(tmp_path):
    pytest.importorskip("pyarrow")
    path = write(tmp_path, "contacts.parquet", "id\nc1\n")
    result = run(PROGRAMME, "--contacts", path, "--start", "2026-01-05", "--sorted")
    assert result.exit_code == 2 and "not a readable Parquet file" in result.stderr
