"""Inputs that are not files, outputs that cannot be written, and work that
must stay bounded: each a clear message and a documented exit code, never a
hang, a traceback or exit 3."""

import difflib
import os
import string
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from nurturedsl.cli import main
from nurturedsl.diagnostics import COMPARED_WHOLE, closest_name

from .conftest import PLAYBOOKS, ROOT, write

PROGRAMME = str(PLAYBOOKS / "programme.nurture")
CLI = [sys.executable, "-m", "nurturedsl"]


def nurturedsl(*args, timeout=30, **kwargs):
    """The real command in a child process, so a hang is a failed test, not a hung suite."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -------------------------------------------------- inputs that are not files


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.nurture"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", [["check"], ["lint"], ["compile"], ["render", "--format", "dot"]])
def test_a_fifo_playbook_is_refused_not_waited_on(fifo, command):
    result = nurturedsl(*command, str(fifo))
    said = result.stdout + result.stderr  # lint's text report goes to stdout
    assert result.returncode == 2, said
    assert "is a named pipe (FIFO), not a playbook" in said
    assert "Traceback" not in said


def test_a_fifo_playbook_is_refused_by_simulate(fifo, tmp_path):
    contacts = write(tmp_path, "c.csv", "id\nc1\n")
    result = nurturedsl("simulate", str(fifo), "--contacts", str(contacts), "--start", "2026-01-01")
    assert result.returncode == 2, result.stderr
    assert "named pipe" in result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_character_device_is_refused_before_it_is_read(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} is not on this system")
    result = nurturedsl("check", device)
    assert result.returncode == 2
    assert f"{device} is a character device, not a playbook" in result.stderr


def test_an_imported_fifo_is_located_at_its_import(tmp_path):
    os.mkfifo(tmp_path / "shared.nurture")
    main_file = write(tmp_path, "main.nurture", 'playbook "m" {}\nimport "shared.nurture"\n')
    result = nurturedsl("check", str(main_file))
    assert result.returncode == 1, result.stderr
    assert f"{main_file}:2:1: error[NUR020] imported `shared.nurture` is a named pipe (FIFO)" in result.stderr


def test_a_fifo_beside_the_playbook_does_not_stall_the_import_hint(tmp_path):
    # An undefined name makes check look through the project's other
    # playbooks for the missing import; a FIFO among them must be passed by.
    write(tmp_path, "nurturedsl.toml", "")
    write(tmp_path, "library.nurture", 'content guide give "A guide" unsubscribe link\n')
    os.mkfifo(tmp_path / "stuck.nurture")
    flow = write(tmp_path, "flow.nurture", 'flow f {\n  entry on downloaded("x")\n  email hello: guide\n}\n')
    result = nurturedsl("check", str(flow))
    assert result.returncode == 1, result.stderr
    assert 'import "library.nurture"' in result.stderr


def test_an_import_path_longer_than_the_file_system_allows(tmp_path):
    long_name = "a" * 300 + ".nurture"
    long_path = "/".join(["b" * 200] * 30) + ".nurture"
    path = write(tmp_path, "main.nurture", f'playbook "m" {{}}\nimport "{long_name}"\nimport "{long_path}"\n')
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:2:1: error[NUR020] cannot read imported file" in result.stderr
    assert f"{path}:3:1: error[NUR020]" in result.stderr
    assert "File name too long" in result.stderr
    assert "internal error" not in result.stderr


# ------------------------------------------------------ outputs that fail


COMMANDS_WITH_STDOUT = [
    ["schema"],
    ["rules"],
    ["rules", "NUR301"],
    ["rules", "--format", "markdown"],
    ["--help"],
    ["compile", PROGRAMME],
    ["lint", PROGRAMME, "--format", "json"],
    ["render", PROGRAMME, "--format", "mermaid"],
    ["simulate", PROGRAMME, "--contacts", "examples/contacts.csv", "--events", "examples/events.jsonl"],
]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS_WITH_STDOUT, ids=lambda c: " ".join(c[:2]))
def test_stdout_on_a_full_device_is_exit_two_with_the_reason(command):
    with open("/dev/full", "w") as full:
        result = subprocess.run([*CLI, *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "nurturedsl: cannot write the output: No space left on device"
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_a_pipe_closed_early_is_exit_two_and_quiet():
    reader, writer = os.pipe()
    os.close(reader)  # like `| head` that has already gone
    try:
        result = subprocess.run([*CLI, "schema"], stdout=writer, stderr=subprocess.PIPE, text=True, timeout=30)
    finally:
        os.close(writer)
    assert result.returncode == 2
    assert result.stderr == ""


def test_the_exit_code_table_names_the_full_device():
    result = run("--help")
    assert "stdout included" in result.output


# --------------------------------------------------------- bounded work


def test_many_undefined_names_among_many_known_ones_all_get_their_hint(tmp_path):
    # Every unknown name is one letter off a known one: each gets that name
    # back, through the trigram index (more known names than are compared whole).
    known = [f"asset_{i:04d}" for i in range(COMPARED_WHOLE * 3)]
    contents = "".join(f'content {name} give "x" unsubscribe link\n' for name in known)
    flows = "".join(
        f'flow f{i} {{\n  entry on downloaded("x")\n  email s: {name[:-1]}x{name[-1]}\n}}\n'
        for i, name in enumerate(known)
    )
    path = write(tmp_path, "typos.nurture", 'playbook "t" {}\n' + contents + flows)
    result = run("check", str(path))
    assert result.exit_code == 1
    hints = [line for line in result.stderr.splitlines() if "did you mean" in line]
    assert len(hints) == len(known)
    for line, name in zip(hints, known):
        assert f"did you mean `{name}`?" in line


def _ratio(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio()


names = st.text(alphabet=string.ascii_lowercase + "_", min_size=3, max_size=14)


@settings(max_examples=40, deadline=None)
@given(st.lists(names, min_size=COMPARED_WHOLE + 1, max_size=COMPARED_WHOLE * 3, unique=True), st.data())
def test_the_index_suggests_as_close_a_name_as_difflib_for_one_typo(known, data):
    intended = data.draw(st.sampled_from(known))
    at = data.draw(st.integers(0, len(intended) - 1))
    typo = intended[:at] + data.draw(st.sampled_from("qxz")) + intended[at + 1 :]
    if typo in known:
        return
    suggested = closest_name(typo, known)
    exhaustive = difflib.get_close_matches(typo, sorted(known), n=1, cutoff=0.6)
    # a one-letter typo of a name of 3+ letters may fall under difflib's
    # cutoff; when difflib finds a name, the index finds one as close
    if exhaustive:
        assert suggested is not None
        assert _ratio(typo, suggested) >= _ratio(typo, exhaustive[0]) - 1e-9 or suggested == intended
    else:
        assert suggested is None


def test_a_typo_of_a_short_name_is_found_among_many_long_ones():
    # hypothesis found it: `qyd` shares one trigram with `yyd` and one with
    # each of many `q...` names, which sorted first and filled the shortlist
    many_q = [f"q{chr(97 + i % 26)}{chr(97 + i // 26)}long_name" for i in range(100)]
    others = [f"other_{i:04d}" for i in range(COMPARED_WHOLE)]  # over the length compared whole
    known = ["yyd", *many_q, *others]
    assert closest_name("qyd", known) == "yyd"


def test_short_lists_are_compared_whole_as_before():
    assert closest_name("boked", ["booked", "replied", "opened"]) == "booked"
    assert closest_name("zzz", ["booked", "replied"]) is None


def test_trusted_nodes_equal_validated_nodes():
    """The builder's fast path (no validation, defaults filled in by nodes.make)
    builds exactly the nodes that validation builds, for every bundled file."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from nurturedsl.source import SourceFile\n"
        "from nurturedsl.syntax import parse\n"
        "out = {}\n"
        "for path in sorted(Path(sys.argv[1]).glob('*.nurture')):\n"
        "    document = parse(SourceFile(str(path), path.read_text()))\n"
        "    out[path.name] = repr(document)\n"
        "print(json.dumps(out))\n"
    )
    outputs = {}
    for validate in ("0", "1"):
        env = {**os.environ, "NURTUREDSL_VALIDATE_NODES": validate}
        outputs[validate] = subprocess.run(
            [sys.executable, "-c", script, str(PLAYBOOKS)], capture_output=True, text=True, check=True, env=env
        ).stdout
    assert outputs["0"] == outputs["1"]
    assert len(outputs["0"]) > 10_000


def test_ctrl_c_mid_run_exits_130_and_leaves_no_file(tmp_path):
    import signal
    import time

    out, trace = tmp_path / "report.json", tmp_path / "trace.jsonl"
    child = subprocess.Popen(
        [
            *CLI,
            "simulate",
            PROGRAMME,
            "--cohort",
            "2000000",
            "--responses",
            "examples/responses.toml",
            "--format",
            "json",
            "-o",
            str(out),
            "--trace",
            str(trace),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    # wait until the run has begun writing its trace (a temporary file beside it)
    while not any(tmp_path.iterdir()) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "nurturedsl: interrupted" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def _with_file_size_limit(limit_bytes):
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return limit


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_stdout_past_the_file_size_limit_is_exit_two_even_unbuffered(tmp_path, unbuffered):
    # PYTHONUNBUFFERED made a short write vanish: the output cut at the limit, exit 0
    flows = "".join(f'flow f{i} {{\n  entry on downloaded("x")\n  email s{i}: e\n}}\n' for i in range(300))
    big = write(tmp_path, "big.nurture", 'playbook "b" {}\ncontent e give "x" unsubscribe link\n' + flows)
    env = (
        {**os.environ, "PYTHONUNBUFFERED": unbuffered}
        if unbuffered
        else {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    )
    with open(tmp_path / "out.json", "wb") as out:
        result = subprocess.run(
            [*CLI, "compile", str(big)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            preexec_fn=_with_file_size_limit(20_000),
        )
    assert result.returncode == 2, result.stderr
    assert "cannot write the output: File too large" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["check", PROGRAMME], ["compile", "missing.nurture"]])
def test_stderr_on_a_full_device_is_exit_two_not_a_traceback(command):
    with open("/dev/full", "w") as full:
        result = subprocess.run([*CLI, *command], stdout=subprocess.DEVNULL, stderr=full, timeout=60, cwd=ROOT)
    # check's summary and compile's "no such file" go to stderr
    assert result.returncode == 2


def test_a_playbook_one_byte_over_the_limit_says_by_how_much(tmp_path):
    from nurturedsl.model import MAX_FILE_BYTES

    path = tmp_path / "over.nurture"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    result = run("check", str(path))
    assert result.exit_code == 1  # NUR008, a problem of the playbook (split it), as before
    assert f"file is {MAX_FILE_BYTES + 1:,} bytes; playbooks are limited to 8 MiB" in result.stderr


def test_an_import_from_a_symlinked_playbook_is_the_file_beside_the_real_one(tmp_path, monkeypatch):
    write(tmp_path, "nurturedsl.toml", "")
    write(
        tmp_path,
        "sub/main.nurture",
        'import "lib.nurture"\nflow f {\n  entry on downloaded("x")\n  email s: thing\n}\n',
    )
    write(tmp_path, "sub/lib.nurture", 'content thing give "x" unsubscribe link\n')
    write(tmp_path, "lib.nurture", "this is not the file the import means\n")
    (tmp_path / "main.nurture").symlink_to(tmp_path / "sub" / "main.nurture")
    monkeypatch.chdir(tmp_path)
    result = run("check", "main.nurture")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "score, segments, fires",
    [
        ("+5 when lead >= 40", "", True),  # the score reads itself
        ("+5 when hot", "segment hot = lead >= 40\n", True),  # through a segment
        ("+5 when other >= 10", "score other {\n  +1 when lead >= 5\n}\n", True),  # through another score
        ("+5 when other >= 10", 'score other {\n  +1 on visited("pricing")\n}\n', False),  # another score: fine
        ("+5 when hot", 'segment hot = title == "CEO"\n', False),
    ],
)
def test_a_score_defined_by_itself_is_a_located_check_error(tmp_path, score, segments, fires):
    text = f'score lead {{\n  {score}\n  +10 on visited("pricing")\n  threshold sql at 50\n}}\n{segments}'
    path = write(tmp_path, "p.nurture", text)
    result = run("check", str(path))
    if fires:
        assert result.exit_code == 1
        assert "error[NUR021]" in result.stderr and "is defined by itself" in result.stderr
        assert f"{path}:" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr
