"""`nurturedsl simulate` loses nothing and never crashes on its inputs: no
output replaces an input, a failed or interrupted write leaves no partial
file, and every input out of range (dates, numbers, nesting, text, sizes, file
kinds) is exit 2 with its location, never exit 3 (docs/simulation.md,
"Nothing lost, nothing half-written" and "Limits")."""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT, write

EXAMPLES = ROOT / "examples"


def run(*args, **kwargs):
    return CliRunner().invoke(main, ["simulate", *map(str, args)], catch_exceptions=False, **kwargs)


def assert_clean_refusal(result, *needles):
    """Exit 2, and a message, not a crash."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def leftovers(folder):
    """Temporary files a write left beside its target."""
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


@pytest.fixture
def project(tmp_path):
    """Copies of the bundled programme and examples: a test that fails must
    not overwrite the repository's own files."""
    for source in PLAYBOOKS.glob("*.nurture"):
        shutil.copy(source, tmp_path / source.name)
    for name in ("contacts.csv", "events.jsonl", "responses.toml", "hubspot-contacts.csv", "hubspot-map.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


@contextmanager
def deadline(seconds):
    """Fail instead of hanging: a FIFO opened without care blocks for ever."""

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- 1. no output replaces an input -------------------------------------------

REPLAY = ("programme.nurture", "--contacts", "contacts.csv", "--events", "events.jsonl")
COHORT = ("programme.nurture", "--cohort", "20", "--responses", "responses.toml")
MAPPED = (
    "programme.nurture",
    "--contacts",
    "hubspot-contacts.csv",
    "--map",
    "hubspot-map.toml",
    "--start",
    "2026-01-05",
)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("option", ["-o", "--trace"])
@pytest.mark.parametrize(
    "args, target, what",
    [
        (REPLAY, "programme.nurture", "the playbook"),
        (REPLAY, "inbound.nurture", "a playbook it imports"),
        (REPLAY, "contacts.csv", "the contacts file"),
        (REPLAY, "events.jsonl", "the events file"),
        (COHORT, "responses.toml", "the response model"),
        (MAPPED, "hubspot-map.toml", "a --map file"),
    ],
)
def test_no_output_may_be_an_input(project, monkeypatch, args, target, what, option, workers):
    monkeypatch.chdir(project)
    before = (project / target).read_bytes()
    result = run(*args, option, target, "--workers", workers)
    assert_clean_refusal(result, f"{option}: {target} is {what}")
    assert (project / target).read_bytes() == before
    assert leftovers(project) == []


def test_a_hard_link_to_an_input_is_that_input(project, monkeypatch):
    monkeypatch.chdir(project)
    os.link("contacts.csv", "linked.csv")
    before = (project / "contacts.csv").read_bytes()
    result = run(*REPLAY, "--trace", "linked.csv")
    assert_clean_refusal(result, "--trace: linked.csv is the contacts file (contacts.csv)")
    assert (project / "contacts.csv").read_bytes() == before


def test_the_refusal_comes_before_anything_is_read(project, monkeypatch):
    """A bad row would stop the run too; the output is refused first, so
    nothing was spent on reading or simulating."""
    monkeypatch.chdir(project)
    write(project, "bad.csv", "id,employees\nc1,lots\n")
    result = run("programme.nurture", "--contacts", "bad.csv", "--start", "2026-01-05", "-o", "bad.csv")
    assert_clean_refusal(result, "-o: bad.csv is the contacts file")
    assert "lots" not in result.stderr


def test_the_report_and_the_trace_need_a_file_each(project, monkeypatch):
    monkeypatch.chdir(project)
    result = run(*REPLAY, "-o", "out.json", "--trace", "./out.json", "--workers", "2")
    assert_clean_refusal(result, "--trace ./out.json is also the -o file")
    assert not (project / "out.json").exists()


# -- 2. a failed write is exit 2 and leaves nothing half-written ---------------


def _file_size_limit(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write() instead of death by signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_trace_too_large_for_the_disk_is_exit_2_and_the_old_trace_stays(project, workers):
    (project / "trace.jsonl").write_text("the previous trace\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nurturedsl",
            "simulate",
            *COHORT[:2],
            "200",
            *COHORT[3:],
            "--trace",
            "trace.jsonl",
            "--workers",
            workers,
        ],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_file_size_limit(50_000),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "nurturedsl: error: cannot write trace.jsonl: File too large"
    assert (project / "trace.jsonl").read_text() == "the previous trace\n"
    assert leftovers(project) == []


# -- 3. dates outside the calendar --------------------------------------------


@pytest.mark.parametrize(
    "at, message",
    [
        ("0001-01-01T00:00:00+01:00", "events.jsonl:1: `0001-01-01T00:00:00+01:00` is before 1900-01-01"),
        ("9999-12-31T23:59:59-05:00", "events.jsonl:1: `9999-12-31T23:59:59-05:00` is after 9000-01-01"),
    ],
)
def test_an_event_outside_the_simulated_time_is_a_located_bad_row(tmp_path, at, message):
    contacts = write(tmp_path, "contacts.csv", "id\nc1\n")
    events = write(tmp_path, "events.jsonl", json.dumps({"contact": "c1", "at": at, "event": "visited"}) + "\n")
    result = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--events", events, "--start", "2026-01-05")
    assert_clean_refusal(result, f"{tmp_path / message}: simulated time runs from 1900-01-01 to 9000-01-01 (UTC)")


@pytest.mark.parametrize(
    "args, message",
    [
        (("--start", "0001-01-01"), "--start 0001-01-01 is before 1900-01-01"),
        (
            ("--start", "2026-01-05", "--until", "9999-12-31T23:59:59-23:59"),
            "--until 9999-12-31T23:59:59-23:59 is after",
        ),
        (("--start", "9999-12-31"), "--start 9999-12-31 is after 9000-01-01"),
        (
            ("--start", "8999-12-31"),
            (
                "would run until 9000-12-31T00:00:00Z, 365 days after the start, which is after "
                "9000-01-01: simulated time runs from 1900-01-01 to 9000-01-01 (UTC); give --until"
            ),
        ),
    ],
)
def test_a_start_or_end_outside_the_simulated_time_is_refused(tmp_path, args, message):
    contacts = write(tmp_path, "contacts.csv", "id\nc1\n")
    assert_clean_refusal(run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, *args), message)


def test_the_whole_simulated_time_runs_in_every_time_zone(tmp_path):
    """At both ends of the range, in the zones furthest from UTC and with the
    history of 1900 (local mean time), every held message, revisit and
    timeline line still has its date; contacts' own dates may be any date."""
    zones = ["Pacific/Kiritimati", "Etc/GMT+12", "America/New_York", "Asia/Kolkata"]
    rows = [
        f"z{i},Contact {i},{zone},email;sms,+1 555,{created}"
        for i, (zone, created) in enumerate((z, d) for z in zones for d in ("0001-01-01", "9999-12-31"))
    ]
    contacts = write(tmp_path, "contacts.csv", "id,name,timezone,consent,phone,created_at\n" + "\n".join(rows) + "\n")
    events = write(
        tmp_path,
        "events.jsonl",
        "".join(
            json.dumps({"contact": f"z{i}", "at": at, "event": "downloaded", "args": ["resource"]}) + "\n"
            for i in range(len(rows))
            for at in ("1900-01-01T00:00:00Z", "8999-12-31T20:00:00Z")
        ),
    )
    trace = tmp_path / "trace.jsonl"
    result = run(
        PLAYBOOKS / "programme.nurture",
        "--contacts",
        contacts,
        "--events",
        events,
        "--start",
        "1900-01-01",
        "--until",
        "9000-01-01",
        "--trace",
        trace,
    )
    assert result.exit_code == 0, result.stderr
    moments = [json.loads(line)["at"] for line in trace.read_text().splitlines()]
    assert min(moments) == "1900-01-01T00:00:00Z" and max(moments) >= "8999-12-31T20:00:00Z"
    for contact in ("z2", "z3"):  # Etc/GMT+12, created at either end of the calendar
        timeline = run(
            PLAYBOOKS / "programme.nurture",
            "--contacts",
            contacts,
            "--events",
            events,
            "--start",
            "8999-12-31",
            "--until",
            "9000-01-01",
            "--contact",
            contact,
        )
        assert timeline.exit_code == 0, timeline.stderr
        assert "8999-12-31" in timeline.stdout


# -- 4. numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "header, value, message",
    [
        ("revenue", "9" * 5000, "`revenue`: `999"),  # a number column: Python's 4,300-digit limit on int()
        ("lucky", "9" * 5000, "`lucky`: `999"),  # a custom column, guessed to be a number
        ("revenue", "9" * 400, "`revenue`: `999"),  # fits int(), not a float: OverflowError in conditions
        ("revenue", "0" * 5000 + "1", None),  # leading zeros are not digits of the number
    ],
)
def test_a_number_no_float_holds_is_a_bad_row(tmp_path, header, value, message):
    contacts = write(tmp_path, "contacts.csv", f"id,{header}\nc1,{value}\n")
    result = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--start", "2026-01-05")
    if message is None:
        assert result.exit_code == 0, result.stderr
        return
    assert_clean_refusal(result, f"{contacts}:2: {message}", "is too large a number")


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "c1", "lucky": NaN}', "`lucky`: `NaN` is not a finite number"),
        ('{"id": "c1", "lucky": [1, Infinity]}', "`lucky`: `Infinity` is not a finite number"),
        ('{"id": "c1", "revenue": 1e400}', "`revenue`: `Infinity` is not a finite number"),
        ('{"id": "c1", "employees": ' + "9" * 5000 + "}", "a number with more than 4,300 digits"),
        ('{"id": "c1", "employees": ' + "9" * 400 + "}", "`employees`: `999"),
    ],
)
def test_json_numbers_no_float_holds_are_bad_rows(tmp_path, line, message):
    contacts = write(tmp_path, "contacts.jsonl", line + "\n")
    result = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--start", "2026-01-05")
    assert_clean_refusal(result, f"{contacts}:1: ", message)


@pytest.mark.parametrize(
    "toml, message",
    [
        (
            "[population]\nemployees = { lognormal = { median = 120, sigma = 1e308 } }\n",
            "`sigma` = 1e+308 draws numbers too large to compute",
        ),
        (
            "[population]\nemployees = { lognormal = { median = nan, sigma = 1 } }\n",
            "`median` must be a number above 0",
        ),
        (
            "[population]\nemployees = { lognormal = { median = 120, sigma = inf, max = 500 } }\n",
            "`sigma` = inf is not a number a simulation can compute with",
        ),
        ("[population]\nemployees = { uniform = [-1e308, 1e308] }\n", "-1e+308 is not a number a simulation can"),
        ("[population]\nemployees = inf\n", "`employees`: inf is not a number a simulation can compute with"),
        ("[population]\nemployees = { values = { " + "9" * 5000 + " = 1 } }\n", "is not a number a simulation can"),
        ("[population]\ncreated_at = { days_ago = [0, 100000000000] }\n", "`days_ago` goes back at most 36,500 days"),
        ('[[arrivals]]\nevent = "downloaded"\nwithin = "' + "9" * 400 + 'd"\n', "`within` is longer than 3650d"),
        ('[responses.default]\ndelay = "' + "9" * 400 + 'd"\n', "`delay` is longer than 3650d"),
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "nested too deeply"),
    ],
)
def test_a_model_file_out_of_range_is_refused_with_its_table(tmp_path, toml, message):
    model = write(tmp_path, "model.toml", toml)
    result = run(PLAYBOOKS / "programme.nurture", "--cohort", "5", "--responses", model)
    assert_clean_refusal(result, f"{model}: ", message)


def test_a_lognormal_with_a_max_never_overflows(tmp_path):
    model = write(
        tmp_path,
        "model.toml",
        "[population]\nemployees = { lognormal = { median = 1e-300, sigma = 1000, max = 5000 } }\n",
    )
    # e^(sigma z) overflows for most draws; the draws themselves are at most `max`
    result = run(PLAYBOOKS / "programme.nurture", "--cohort", "50", "--responses", model, "-f", "json")
    assert result.exit_code == 0, result.stderr


# -- 5. nesting ----------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 900])  # json's own limit, and what json reads but Python cannot walk
def test_a_deeply_nested_json_line_is_a_located_bad_row(tmp_path, depth):
    deep = "[" * depth + "]" * depth
    contacts = write(tmp_path, "contacts.jsonl", '{"id": "c1"}\n{"id": "c2", "x": ' + deep + "}\n")
    events = write(
        tmp_path,
        "events.jsonl",
        '{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event": "visited", "args": ' + deep + "}\n",
    )
    for args in (
        ("--contacts", contacts, "--start", "2026-01-05"),
        ("--contacts", write(tmp_path, "c1.jsonl", '{"id": "c1"}\n'), "--events", events),
    ):
        result = run(PLAYBOOKS / "programme.nurture", *args)
        assert_clean_refusal(result, ":2: nested too deeply" if "--start" in args else f"{events}:1: nested too deeply")
    skipped = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--start", "2026-01-05", "--skip-bad-rows")
    assert skipped.exit_code == 0 and "replay of 1 contact" in skipped.stdout


def test_a_deeply_nested_map_file_is_refused(tmp_path):
    contacts = write(tmp_path, "contacts.csv", "Record ID\nc1\n")
    mapping = write(tmp_path, "map.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--start", "2026-01-05", "--map", mapping)
    assert_clean_refusal(result, f"--map: {mapping}: nested too deeply")


# -- 6. text that is not text --------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "c\\ud800", "name": "Avery"}',
        '{"id": "c1", "name": "Avery \\udc00"}',
        '{"id": "c1", "name": "Avery", "deal": {"stage\\udbff": "won"}}',
    ],
)
@pytest.mark.parametrize("output", ["--trace", "--contact", "-o"])
def test_a_lone_surrogate_is_a_located_bad_row(tmp_path, line, output):
    contacts = write(tmp_path, "contacts.jsonl", line + "\n")
    extra = {
        "--trace": ("--trace", tmp_path / "t.jsonl"),
        "--contact": ("--contact", "c1"),
        "-o": ("-o", tmp_path / "r.json", "-f", "json"),
    }[output]
    result = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--start", "2026-01-05", *extra)
    assert_clean_refusal(result, f"{contacts}:1: ", "is half of a UTF-16 surrogate pair, not a character")
    assert leftovers(tmp_path) == [] and not (tmp_path / "t.jsonl").exists()


def test_a_surrogate_pair_is_a_character(tmp_path):
    contacts = write(tmp_path, "contacts.jsonl", '{"id": "c1", "name": "Avery \\ud83d\\ude00"}\n')
    events = write(
        tmp_path,
        "events.jsonl",
        '{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event": "downloaded", "args": ["resource"]}\n',
    )
    result = run(PLAYBOOKS / "programme.nurture", "--contacts", contacts, "--events", events, "--contact", "c1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Contact c1 (Avery \N{GRINNING FACE})")


def test_a_file_name_that_is_not_utf8_is_shown_escaped_in_the_report(tmp_path):
    name = os.fsdecode(b"contacts-\xff.csv")
    shutil.copy(EXAMPLES / "contacts.csv", tmp_path / name)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nurturedsl",
            "simulate",
            str(PLAYBOOKS / "programme.nurture"),
            "--contacts",
            name,
            "--events",
            str(EXAMPLES / "events.jsonl"),
            "--format",
            "json",
        ],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["inputs"]["contacts"] == "contacts-\\xff.csv"


# -- 7. contact ids that look like numbers -------------------------------------


@pytest.mark.parametrize("contact", ["cohort-²", "cohort-①", "cohort-" + "1" * 5000])
def test_a_cohort_id_with_other_digits_is_no_such_contact(contact):
    result = run(
        PLAYBOOKS / "programme.nurture",
        "--cohort",
        "10",
        "--responses",
        EXAMPLES / "responses.toml",
        "--contact",
        contact,
    )
    assert_clean_refusal(result, "no such contact in a cohort of 10 (ids run from cohort-000001 to cohort-000010)")


# -- 8. unbounded work, and Ctrl-C ---------------------------------------------


def test_a_cohort_has_a_documented_maximum():
    with deadline(20):
        result = run(
            PLAYBOOKS / "programme.nurture",
            "--cohort",
            "99999999999999999999",
            "--responses",
            EXAMPLES / "responses.toml",
        )
    assert_clean_refusal(result, "a cohort has at most 10,000,000 contacts")
    assert "at most 10,000,000" in (ROOT / "docs" / "simulation.md").read_text()


def test_ctrl_c_leaves_the_previous_outputs_and_no_temporary_file(project, monkeypatch):
    from nurturedsl.sim import engine

    monkeypatch.chdir(project)
    (project / "report.txt").write_text("old report\n")
    (project / "trace.jsonl").write_text("old trace\n")
    simulated = []
    real_run = engine.Runner.run

    def interrupted(self, contact, events, tally):
        if len(simulated) == 30:
            raise KeyboardInterrupt
        simulated.append(contact.id)
        real_run(self, contact, events, tally)

    monkeypatch.setattr(engine.Runner, "run", interrupted)
    result = run(*COHORT[:2], "100", *COHORT[3:], "--trace", "trace.jsonl", "-o", "report.txt")
    assert result.exit_code == 130
    assert result.stderr.strip() == "nurturedsl: interrupted; no output was written"
    assert (project / "report.txt").read_text() == "old report\n"
    assert (project / "trace.jsonl").read_text() == "old trace\n"
    assert leftovers(project) == []


def test_ctrl_c_stops_every_worker_at_once(project):
    """A real SIGINT to the process group, as a terminal sends it, while two
    workers write their parts of the trace."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nurturedsl",
            "simulate",
            *COHORT[:2],
            "2000000",
            *COHORT[3:],
            "--workers",
            "2",
            "--trace",
            "trace.jsonl",
            "-o",
            "report.txt",
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        give_up = time.monotonic() + 60
        while sum(name.startswith(".trace-") for name in os.listdir(project)) < 2 and time.monotonic() < give_up:
            time.sleep(0.05)
        time.sleep(0.5)  # the workers are writing
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert time.monotonic() - sent < 10
    assert "nurturedsl: interrupted; no output was written" in stderr and "Traceback" not in stderr
    assert leftovers(project) == [] and not (project / "trace.jsonl").exists()
    assert not (project / "report.txt").exists()


# -- 9. inputs that are not regular files --------------------------------------


@pytest.mark.parametrize(
    "option, kind",
    [
        ("--contacts", "a contacts file"),
        ("--events", "a file of events"),
        ("--responses", "a response model"),
        ("--map", "a --map file"),
        ("playbook", "a compiled playbook"),
    ],
)
def test_a_fifo_input_is_refused_before_it_is_opened(project, monkeypatch, option, kind):
    monkeypatch.chdir(project)
    fifo = "pipe.toml" if option in ("--responses", "--map") else "pipe.json" if option == "playbook" else "pipe.csv"
    os.mkfifo(fifo)
    args = {
        "--contacts": ("programme.nurture", "--contacts", fifo, "--start", "2026-01-05"),
        "--events": ("programme.nurture", "--contacts", "contacts.csv", "--events", fifo),
        "--responses": ("programme.nurture", "--cohort", "5", "--responses", fifo),
        "--map": ("programme.nurture", "--contacts", "hubspot-contacts.csv", "--map", fifo, "--start", "2026-01-05"),
        "playbook": (fifo, "--contacts", "contacts.csv", "--events", "events.jsonl"),
    }[option]
    with deadline(10):
        result = run(*args)
    assert_clean_refusal(result, f"{fifo} is a named pipe (FIFO), not {kind}")


def test_a_device_is_not_a_contacts_file(tmp_path):
    def bounded():  # were /dev/zero read, the child would fail on memory, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nurturedsl",
            "simulate",
            str(PLAYBOOKS / "programme.nurture"),
            "--contacts",
            "/dev/zero",
            "--start",
            "2026-01-05",
        ],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=bounded,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == "/dev/zero is a character device, not a contacts file; give the path of a regular file\n"


def test_a_compiled_playbook_is_limited_as_a_playbook_is(tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(9 << 20)  # sparse: nothing is written, nothing should be read
    result = run(huge, "--contacts", EXAMPLES / "contacts.csv", "--events", EXAMPLES / "events.jsonl")
    assert_clean_refusal(result, f"{huge} is 9.0 MiB; a compiled playbook is limited to 8.0 MiB")


# -- hand-edited IR: values a runner cannot compute with -----------------------


def _compiled(tmp_path):
    target = tmp_path / "programme.json"
    assert CliRunner().invoke(main, ["compile", str(PLAYBOOKS / "programme.nurture"), "-o", str(target)]).exit_code == 0
    return target, json.loads(target.read_text())


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda ir: ir["policy"]["frequency_cap"]["per"].update(seconds=10**15),
            "policy.frequency_cap.per.seconds: a duration is 1 to 315360000 seconds (10 years)",
        ),
        (lambda ir: ir["scores"]["lead"]["fit"][0].update(points=10**400), "a 401-digit number is not a number"),
        (lambda ir: ir["playbook"].update(name="\ud800"), "playbook.name: holds half of a UTF-16 surrogate pair"),
        (
            lambda ir: ir["policy"].update(quiet_hours={"start": "²:00", "end": "08:00"}),
            "policy.quiet_hours.start: expected HH:MM, not `²:00`",
        ),
        # computing these would recurse until Python's stack ran out
        (
            lambda ir: ir["scores"]["lead"]["fit"][0].update(condition={">=": [{"score": ["lead"]}, 40]}),
            "score `lead` is defined by itself: score lead -> score lead",
        ),
        (
            lambda ir: ir["segments"].update(
                a=dict(ir["segments"]["icp"], condition={"segment": ["b"]}),
                b=dict(ir["segments"]["icp"], condition={"!": [{"segment": ["a"]}]}),
            ),
            "segment `a` is defined by itself: segment a -> segment b -> segment a",
        ),
    ],
)
def test_a_hand_edited_ir_with_values_out_of_range_is_refused(tmp_path, edit, message):
    target, ir = _compiled(tmp_path)
    edit(ir)
    target.write_text(json.dumps(ir))
    result = run(
        target,
        "--contacts",
        EXAMPLES / "contacts.csv",
        "--events",
        EXAMPLES / "events.jsonl",
        "--trace",
        tmp_path / "t.jsonl",
    )
    assert_clean_refusal(result, message)
