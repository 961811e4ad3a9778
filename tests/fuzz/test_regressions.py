"""The failures a fuzz campaign found (issue 11), each as a plain example, so
they stay fixed; then the ones tests/fuzz found since (`found by the fuzz
suite` below).

Most run in-process through the same harness as the fuzz tests (judged by
the same contract: exit 0/1/2, a located or one-line message, no input
changed, nothing partial); those that need a real process (a full device, a
file-size limit, Ctrl-C, memory bounds) run `python -m nurturedsl` from this
checkout. Output paths pointed at inputs are the matrix in
test_output_paths.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest

from . import harness
from .harness import Case, Fifo

PROGRAMME = "playbooks/programme.nurture"
EXAMPLES = "examples"


def _files(**extra) -> dict:
    files = {**harness.bundled_playbooks(), **harness.bundled_examples()}
    files.update({name.replace("__", "/").replace("_DOT_", "."): data for name, data in extra.items()})
    return files


def run(args: list[str], files: dict | None = None, timeout: float = harness.CLI_TIMEOUT, **case) -> harness.Outcome:
    outcome = harness.run_case(
        Case(args, files if files is not None else _files(), **case), timeout=timeout, counter="regressions"
    )
    harness.assert_ok(outcome)
    return outcome


def one_line(outcome: harness.Outcome) -> str:
    said = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert len(said) == 1, f"expected one line on stderr:\n{outcome.describe()}"
    return said[0]


def located(outcome: harness.Outcome, path: str, line: int | None = None) -> str:
    pattern = re.escape(path) + (rf":{line}(:\d+)?: " if line else r":\d+(:\d+)?: ")
    found = [text for text in outcome.stderr.splitlines() if re.search(pattern, text)]
    assert found, f"expected a message located at {path}:{line or 'N'}:\n{outcome.describe()}"
    return found[0]


REPLAY = ["simulate", "@" + PROGRAMME, "--contacts", "@examples/contacts.csv", "--events", "@examples/events.jsonl"]
COHORT = ["simulate", "@" + PROGRAMME, "--cohort", "5", "--responses", "@examples/responses.toml", "--runs", "1"]


# ------------------------------------------------------------- data loss


def test_simulate_refuses_to_write_its_report_over_its_playbook():
    outcome = run(REPLAY + ["-o", "@" + PROGRAMME])
    assert outcome.exit_code == 2
    assert PROGRAMME in one_line(outcome)


# ------------------------------------- dates outside Python's range: exit 2


def test_an_event_in_year_one_is_a_bad_row():
    events = b'{"contact": "c1", "at": "0001-01-01T00:00:00Z", "event": "downloaded", "args": ["resource"]}\n'
    outcome = run(
        ["simulate", "@" + PROGRAMME, "--contacts", "@examples/contacts.csv", "--events", "@in/events.jsonl"],
        _files(in__events_DOT_jsonl=events),
    )
    assert outcome.exit_code == 2
    located(outcome, "in/events.jsonl", 1)


@pytest.mark.parametrize(
    "args, option",
    [
        (COHORT + ["--start", "0001-01-01"], "--start"),
        (REPLAY + ["--start", "9999-12-31"], "--start"),
        (REPLAY + ["--until", "9999-12-31T23:59:59-23:59"], "--until"),
        (REPLAY + ["--start", "0001-01-01T00:00:00+23:59"], "--start"),
    ],
    ids=["cohort-start-year-1", "start-year-9999", "until-past-year-9999", "start-before-year-1"],
)
def test_a_moment_outside_the_calendar_is_a_usage_error(args, option):
    outcome = run(args)
    assert outcome.exit_code == 2
    assert option in one_line(outcome)


def _model(text: str) -> dict:
    return _files(in__model_DOT_toml=text.encode())


COHORT_WITH_MODEL = ["simulate", "@" + PROGRAMME, "--cohort", "5", "--responses", "@in/model.toml", "--runs", "1"]


@pytest.mark.parametrize(
    "model",
    [
        "[population]\ncreated_at = { days_ago = [0, 100000000000] }\n",
        "[population]\nemployees = { lognormal = { median = 120, sigma = 1e308 } }\n",
    ],
    ids=["days-ago-10^11", "sigma-1e308"],
)
def test_a_response_model_value_too_large_is_explained(model):
    outcome = run(COHORT_WITH_MODEL, _model(model))
    assert outcome.exit_code == 2
    assert "in/model.toml" in one_line(outcome)


# --------------------------------------------------------- numbers, nesting


def test_a_five_thousand_digit_number_in_a_contact_is_a_bad_row():
    contacts = ("id,employees\nc1," + "9" * 5000 + "\n").encode()
    outcome = run(
        ["simulate", "@" + PROGRAMME, "--contacts", "@in/contacts.csv", "--start", "2026-01-01"],
        _files(in__contacts_DOT_csv=contacts),
    )
    assert outcome.exit_code == 2
    located(outcome, "in/contacts.csv", 2)


def test_a_json_value_nested_100000_deep_is_a_bad_row():
    contacts = ('{"id": "c1", "deal": ' + "[" * 100_000 + "]" * 100_000 + "}\n").encode()
    outcome = run(
        ["simulate", "@" + PROGRAMME, "--contacts", "@in/contacts.jsonl", "--start", "2026-01-01"],
        _files(in__contacts_DOT_jsonl=contacts),
    )
    assert outcome.exit_code == 2
    located(outcome, "in/contacts.jsonl", 1)


# ------------------------------------------------------- lone surrogates

SURROGATES = b'{"id": "\\ud800", "name": "A"}\n{"id": "c2", "name": "B \\udfff"}\n'
REPLAY_SURROGATES = ["simulate", "@" + PROGRAMME, "--contacts", "@in/contacts.jsonl", "--start", "2026-01-01"]


@pytest.mark.parametrize(
    "extra",
    [
        ["--trace", "@trace.jsonl"],
        ["--contact", "c2"],
        ["--contact", "c2", "-o", "@timeline.txt"],
    ],
    ids=["id-in-a-trace", "name-in-a-timeline", "name-in-a-timeline-file"],
)
def test_a_lone_surrogate_in_an_id_or_name_is_a_bad_row(extra):
    outcome = run(
        REPLAY_SURROGATES + extra, _files(in__contacts_DOT_jsonl=SURROGATES), outputs=("trace.jsonl", "timeline.txt")
    )
    assert outcome.exit_code == 2
    located(outcome, "in/contacts.jsonl")


def test_a_cohort_id_with_a_superscript_digit_is_no_such_contact():
    outcome = run(COHORT + ["--contact", "cohort-²"])
    assert outcome.exit_code == 2
    assert "--contact" in one_line(outcome)


# ---------------------------------------------------- lint config shapes


@pytest.mark.parametrize(
    "name, text",
    [
        ("nurturedsl.toml", "rules = 3\n"),
        ("pyproject.toml", "tool = 3\n"),
        ("pyproject.toml", "[tool]\nnurturedsl = 3\n"),
    ],
    ids=["rules-3", "tool-3", "tool.nurturedsl-3"],
)
@pytest.mark.parametrize(
    "command",
    [
        ["lint", "@playbooks/inbound.nurture"],
        ["render", "@playbooks/inbound.nurture", "--lint", "--format", "dot"],
    ],
    ids=["lint", "render--lint"],
)
def test_a_config_of_the_wrong_shape_is_a_config_error(name, text, command):
    outcome = run(command, {**_files(), name: text.encode()})
    assert outcome.exit_code == 2
    assert name in one_line(outcome)


@pytest.mark.parametrize(
    "text",
    [
        'tool = { nurturedsl = { select = ["nosuch"] } }\n',
        'tool.nurturedsl.select = ["nosuch"]\n',
        '[tool]\nnurturedsl = { select = ["nosuch"] }\n',
    ],
    ids=["inline-table", "dotted-keys", "inline-under-tool"],
)
def test_a_pyproject_with_inline_or_dotted_tables_is_read(text):
    outcome = run(["lint", "@playbooks/inbound.nurture"], {**_files(), "pyproject.toml": text.encode()})
    assert outcome.exit_code == 2
    message = one_line(outcome)
    assert "pyproject.toml" in message and "nosuch" in message


# ----------------------------------------------------- import path too long


@pytest.mark.parametrize(
    "path", ["a" * 300 + ".nurture", "/".join(["b" * 200] * 30) + ".nurture"], ids=["name-over-255", "path-over-4096"]
)
def test_an_import_path_too_long_for_the_file_system_is_located(path):
    files = {"p/main.nurture": f'playbook "m" {{}}\nimport "{path}"\n'.encode()}
    outcome = run(["check", "@p/main.nurture"], files)
    assert outcome.exit_code in (1, 2)
    located(outcome, "p/main.nurture", 2)


# ------------------------------------------------ inputs that are not files

# An input that is a FIFO blocks open() for ever unless refused first; the
# harness's alarm turns that into a failed test instead of a hung suite.
FIFO_CASES = {
    "playbook": (["compile", "@pipe.nurture"], {"pipe.nurture": Fifo()}, 2),
    "imported-playbook": (
        ["check", "@p/main.nurture"],
        {"p/main.nurture": b'import "pipe.nurture"\n', "p/pipe.nurture": Fifo()},
        1,
    ),
    "contacts": (
        ["simulate", "@" + PROGRAMME, "--contacts", "@pipe.csv", "--start", "2026-01-01"],
        {"pipe.csv": Fifo()},
        2,
    ),
    "events": (
        ["simulate", "@" + PROGRAMME, "--contacts", "@examples/contacts.csv", "--events", "@pipe.jsonl"],
        {"pipe.jsonl": Fifo()},
        2,
    ),
    "responses": (
        ["simulate", "@" + PROGRAMME, "--cohort", "3", "--responses", "@pipe.toml"],
        {"pipe.toml": Fifo()},
        2,
    ),
    "map": (
        [
            "simulate",
            "@" + PROGRAMME,
            "--contacts",
            "@examples/hubspot-contacts.csv",
            "--map",
            "@pipe.toml",
            "--start",
            "2026-01-05",
        ],
        {"pipe.toml": Fifo()},
        2,
    ),
    "lint-config": (["lint", "@" + PROGRAMME, "--config", "@pipe.toml"], {"pipe.toml": Fifo()}, 2),
    "found-config": (["lint", "@" + PROGRAMME], {"nurturedsl.toml": Fifo()}, (0, 2)),  # passed over, or refused
    "sim-report": (["render", "@" + PROGRAMME, "--sim", "@pipe.json"], {"pipe.json": Fifo()}, 2),
}


@pytest.mark.parametrize("name", list(FIFO_CASES))
def test_a_fifo_for_any_input_is_refused_not_waited_on(name):
    args, extra, code = FIFO_CASES[name]
    outcome = run(args, {**_files(), **extra}, timeout=4)
    if isinstance(code, tuple):
        assert outcome.exit_code in code
        return
    assert outcome.exit_code == code
    assert "pipe" in outcome.stderr


def nurturedsl(args, cwd, timeout=60, memory=None, file_size=None, **kwargs):
    """This checkout's CLI in a child process, optionally with the address
    space or the file size limited (RLIMIT_AS, RLIMIT_FSIZE)."""
    import resource

    def limits():
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if file_size:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    env = {**os.environ, "PYTHONPATH": harness.ROOT, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "nurturedsl", *args],
        cwd=cwd,
        env=env,
        timeout=timeout,
        preexec_fn=limits,
        capture_output=True,
        text=True,
        errors="replace",
        **kwargs,
    )


@pytest.fixture
def workspace():
    space = harness.Workspace()
    space.materialise(_files())
    yield space
    space.cleanup()


# (a device as the playbook is tests/test_reliability.py's)
DEVICE_INPUTS = {
    "contacts": ["simulate", PROGRAMME, "--contacts", "/dev/zero", "--start", "2026-01-01"],
    "events": ["simulate", PROGRAMME, "--contacts", "examples/contacts.csv", "--events", "/dev/urandom"],
    "responses": ["simulate", PROGRAMME, "--cohort", "3", "--responses", "/dev/zero"],
    "lint-config": ["lint", PROGRAMME, "--config", "/dev/zero"],
    "sim-report": ["render", PROGRAMME, "--sim", "/dev/zero"],
}


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("name", list(DEVICE_INPUTS))
def test_a_character_device_for_any_input_is_refused_before_it_is_read(name, workspace):
    result = nurturedsl(DEVICE_INPUTS[name], workspace.root, timeout=30, memory=2 << 30)
    assert result.returncode == 2, result.stderr[-500:]
    assert "character device" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


# ---------------------------------------------------------- failed writes


@pytest.mark.parametrize("flag", ["--trace", "-o"])
def test_an_output_past_the_file_size_limit_is_exit_two_and_leaves_nothing(flag, workspace):
    before = set(os.listdir(workspace.root))
    args = [
        "simulate",
        PROGRAMME,
        "--cohort",
        "200",
        "--responses",
        "examples/responses.toml",
        "--runs",
        "1",
        "--format",
        "json",
        flag,
        "out.jsonl",
    ]
    result = nurturedsl(args, workspace.root, file_size=2048)
    assert result.returncode == 2, result.stderr[-500:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "internal error" not in result.stderr
    assert set(os.listdir(workspace.root)) == before  # no partial output, no temporary file


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [  # every other command: tests/test_reliability.py
        ["simulate", PROGRAMME, "--cohort", "5", "--responses", "examples/responses.toml"],
        [
            "simulate",
            PROGRAMME,
            "--contacts",
            "examples/contacts.csv",
            "--events",
            "examples/events.jsonl",
            "--contact",
            "c1",
        ],
    ],
    ids=["simulate-cohort", "simulate-timeline"],
)
def test_stdout_on_a_full_device_is_exit_two(args, workspace):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "nurturedsl", *args],
            cwd=workspace.root,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": harness.ROOT, "NO_COLOR": "1"},
        )
    assert result.returncode == 2, result.stderr[-500:]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------- bounded work


def test_a_cohort_of_ten_to_the_twenty_is_bounded_or_shows_progress_and_stops(workspace):
    """Either refused at once (a documented maximum), or it streams with a
    progress display and stops cleanly on Ctrl-C."""
    env = {**os.environ, "PYTHONPATH": harness.ROOT, "NO_COLOR": "1"}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nurturedsl",
            "simulate",
            PROGRAMME,
            "--cohort",
            "99999999999999999999",
            "--responses",
            "examples/responses.toml",
            "--progress",
        ],
        cwd=workspace.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _out, err = child.communicate(timeout=10)
        assert child.returncode == 2, err
        assert "--cohort" in err and len(err.strip().splitlines()) == 1, err
        return
    except subprocess.TimeoutExpired:
        pass
    child.send_signal(signal.SIGINT)
    try:
        _out, err = child.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail("--cohort 10^20 neither refused nor stopped by Ctrl-C")
    assert re.search(r"\d", err), f"ran for 10 s without any progress figure on stderr: {err!r}"
    assert child.returncode not in (0, 3) and "Traceback" not in err, err


def _undefined_names(count: int) -> dict:
    known = "".join(f'content known_{i:05d} give "x"\n' for i in range(count // 4))
    steps = "".join(f"  email unknown_{i:05d}\n" for i in range(count))
    return {"p/many.nurture": f'playbook "p" {{}}\n{known}flow f {{\n{steps}}}\n'.encode()}


def test_many_undefined_names_are_checked_in_linear_time():
    """2,000 unknown names took 13 s (difflib against every candidate): the
    time for four times the names must grow far less than sixteenfold."""

    def seconds(count):
        started = time.perf_counter()
        outcome = run(["check", "@p/many.nurture"], _undefined_names(count), timeout=60)
        assert outcome.exit_code == 1
        return time.perf_counter() - started

    seconds(100)  # warm up: imports, grammar
    small, large = seconds(500), seconds(2000)
    assert large < 8 * small + 0.5, f"500 unknown names: {small:.2f} s; 2,000: {large:.2f} s"


# ---------------------------------------- conformance with output consumers

_PATH_CHARACTER = r"[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2}"  # RFC 3986 pchar, less ":"


def _is_relative_uri_reference(uri: str) -> bool:
    """An RFC 3986 relative reference that is a path alone: pchars, `/` and
    percent escapes, no `?` or `#`, and no `:` in the first segment (it
    would read as a scheme)."""
    first, *rest = uri.split("/")
    return re.fullmatch(rf"(?:{_PATH_CHARACTER})+", first) is not None and all(
        re.fullmatch(rf"(?:{_PATH_CHARACTER}|:)*", segment) for segment in rest
    )


ODD_NAME = "odd dir #1/a b#2%41:c.nurture"
ODD_PLAYBOOK = b'flow f {\n  entry on downloaded("x")\n  email hello: guide\n}\ncontent guide ask "x"\n'


def _sarif(outcome_files, target):
    case = Case(
        ["lint", "@" + target, "--today", "2026-12-01", "--format", "sarif", "-o", "@report.sarif"],
        outcome_files,
        outputs=("report.sarif",),
    )
    workspace = harness.Workspace()
    try:
        workspace.materialise(case.files)
        cwd = os.getcwd()
        os.chdir(workspace.root)
        try:
            code, _out, err, crash, _hung = harness.invoke(harness.expand(case.args, workspace))
        finally:
            os.chdir(cwd)
        assert crash is None and code in (0, 1), err
        return json.loads(workspace.read("report.sarif"))
    finally:
        workspace.cleanup()


def _locations(sarif):
    for run_ in sarif["runs"]:
        for result in run_["results"]:
            for location in result.get("locations", []):
                yield result, location["physicalLocation"]["artifactLocation"]


def test_sarif_uris_are_percent_encoded_relative_references():
    sarif = _sarif({ODD_NAME: ODD_PLAYBOOK}, ODD_NAME)
    uris = [artifact["uri"] for _result, artifact in _locations(sarif)]
    assert uris, "expected findings in the report"
    for uri in uris:
        assert _is_relative_uri_reference(uri), f"not a relative URI reference: {uri!r}"
        assert urllib.parse.unquote(uri) == ODD_NAME, f"{uri!r} does not name {ODD_NAME!r}"


def test_sarif_results_carry_the_fingerprint_github_reads():
    sarif = _sarif(harness.bundled_playbooks(), "playbooks")
    results = [result for run_ in sarif["runs"] for result in run_["results"]]
    assert results
    for result in results:
        assert result.get("partialFingerprints", {}).get("primaryLocationLineHash"), result.get("ruleId")


IMPORTING = {
    "proj/a.nurture": b'import "sub/b.nurture"\nflow x {\n  entry when tagged "a"\n  email nosuch_a\n}\n',
    "proj/sub/b.nurture": b'flow y {\n  entry when tagged "b"\n  email nosuch_b\n}\n',
}


@pytest.mark.parametrize("output_format", ["github", "json", "sarif", "text"])
def test_lint_names_root_and_imported_files_alike_however_the_root_is_spelt(output_format):
    outputs = set()
    for spelling in ("proj/a.nurture", "./proj/a.nurture", "proj/./a.nurture", "proj/sub/../a.nurture"):
        outcome = run(["lint", "@" + spelling, "--format", output_format, "--today", "2026-12-01"], dict(IMPORTING))
        # (a SARIF report names the folder it was made in: each run has its own)
        outputs.add(re.sub(r"file:///[^\"]*", "file:///FOLDER/", outcome.stdout) + outcome.stderr)
        assert "./" not in outcome.stdout.replace("file:///", "") and "../" not in outcome.stdout, outcome.stdout
    assert len(outputs) == 1, "\n---\n".join(sorted(outputs))


def _mermaid_classes(text: str):
    defs, members = {}, {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("classDef "):
            _, name, style = line.split(" ", 2)
            defs[name] = style
        elif line.startswith("class "):
            _, nodes, name = line.split(" ", 2)
            for node in nodes.split(","):
                members.setdefault(node, []).append(name)
    return defs, members


def test_a_mermaid_lint_outline_does_not_rely_on_style_lines_beating_classes():
    """Mermaid 10 makes class styles `!important`, so a `style` line cannot
    override a class there: every class of an outlined node that sets a
    stroke must set the lint outline itself."""
    playbook = (
        b'playbook "p" { reviewed 2026-11-01 }\ncontent ask_first ask "Book a call" unsubscribe link\n'
        b'content give_later give "A guide" unsubscribe link\n'
        b'flow f {\n  entry on downloaded("x")\n  goal booked("demo")\n  exit on unsubscribed, booked("demo")\n'
        b"  email first: ask_first\n  wait 3d\n  email later: give_later\n}\n"
    )
    outcome = run(["render", "@p.nurture", "--flow", "f", "--format", "mermaid", "--lint"], {"p.nurture": playbook})
    assert outcome.exit_code == 0
    text = outcome.stdout
    defs, members = _mermaid_classes(text)
    outlined = [line.split()[1] for line in text.splitlines() if line.strip().startswith("style ") and "stroke" in line]
    lint_nodes = {
        node
        for node, names in members.items()
        for name in names
        if "stroke:#d32f2f" in defs.get(name, "") and "lint_" not in node
    }
    assert outlined or lint_nodes, "expected a node outlined for its finding"
    for node in set(outlined) | lint_nodes:
        strokes = [defs[name] for name in members.get(node, []) if "stroke:" in defs.get(name, "")]
        assert strokes and all("stroke:#d32f2f" in style for style in strokes), (node, members.get(node), text)


# ------------------------------------------------- found by the fuzz suite


def test_a_score_whose_rule_tests_the_score_itself_is_not_a_crash():
    """`+5 when lead >= 40` inside `score lead`: check and compile accepted
    it and simulate recursed until RecursionError (exit 3)."""
    playbook = (
        b'score lead {\n  +5 when lead >= 40\n  +10 on visited("pricing")\n  threshold sql at 50\n}\n'
        b'content c give "x" unsubscribe link\n'
        b'flow f {\n  entry when tagged "a"\n  exit on unsubscribed\n  email c\n}\n'
    )
    contacts = b"id,tags\nc1,a\n"
    outcome = run(
        ["simulate", "@p.nurture", "--contacts", "@c.csv", "--start", "2026-01-01"],
        {"p.nurture": playbook, "c.csv": contacts},
    )
    assert outcome.exit_code in (0, 1)


def test_a_trace_to_dash_leaves_no_file_named_dash():
    """`-o -` is stdout; `--trace -` wrote a file called `-` instead."""
    outcome = run(REPLAY + ["--trace", "-"])
    assert outcome.exit_code in (0, 2)


def test_a_contact_id_with_a_newline_is_reported_on_one_line():
    outcome = run(COHORT + ["--contact", "cohort-000001\nsecond line"])
    assert outcome.exit_code == 2
    one_line(outcome)


def test_a_keyword_run_into_a_non_ascii_letter_at_the_end_is_a_syntax_error():
    """`andé` at the end of the file: the run-together check indexed past
    the end of the word (IndexError, exit 3)."""
    outcome = run(["check", "@p.nurture"], {"p.nurture": "flow f { goal x andé".encode()})
    assert outcome.exit_code == 1
    located(outcome, "p.nurture", 1)


def test_a_contact_id_that_is_a_json_object_is_a_bad_row():
    """`{"id": {"stage": "x"}}`: an object under a name that nests (`id.stage`
    is no attribute) reached the duplicate-id check as a dict (TypeError)."""
    outcome = run(REPLAY_SURROGATES, _files(in__contacts_DOT_jsonl=b'{"id": {"stage": "x"}}\n'))
    assert outcome.exit_code == 2
    located(outcome, "in/contacts.jsonl", 1)


@pytest.mark.parametrize(
    "text",
    [
        "# a\u2028b\nflow f {\n  email nosuch\n}\n",
        "# a\x85b\nflow f {\n  email nosuch\n}\n",
        "# a\x1eb\nflow f {\n  email nosuch\n}\n",
        "flow f {\x0c\n  email nosuch\n}\n",
        "flow f {\r  email nosuch\r}\r",
    ],
    ids=["line-separator-in-a-comment", "NEL-in-a-comment", "record-separator-in-a-comment", "form-feed", "CR-only"],
)
def test_a_diagnostic_quotes_the_line_it_locates(text):
    """The lexer counts lines by `\\n`; the excerpt under a diagnostic was
    taken from `str.splitlines()`, which also breaks at `\\r`, `\\x0c`,
    `\\x1e`, `\\x85`, `\\u2028`...: the excerpt showed another line than the
    location, and a quoted `\\r` broke the message in two."""
    outcome = run(["check", "@p.nurture"], {"p.nurture": text.encode()})
    assert outcome.exit_code == 1
    excerpt = next(line for line in outcome.stderr.splitlines() if re.match(r"^\s*\d+ \| ", line))
    assert "nosuch" in excerpt, outcome.stderr
