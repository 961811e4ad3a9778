"""Run one fuzz case through the CLI in-process and judge it by the contract
every command keeps, whatever the input:

* the exit code is 0, 1 or 2, never 3 ("a bug in nurturedsl") and never an
  exception escaping click (a traceback);
* a failure says why on stderr, in lines a person or an editor can use:
  `path:line[:col]: ...`, `nurturedsl: ...`, a summary line, click's usage
  message, with any detail indented under them; nothing else at the top;
* no file that existed before is changed, moved or removed, except an
  output the case names as replaceable;
* nothing is left behind but the outputs the case names (a temporary file
  beside an output is a partial write), and an output that appears is
  complete: what the same command prints on stdout, where that is known.

A case is plain data (`Case`: files by relative path, arguments with
`@name` standing for the path of a file of the case), so bench/fuzz.py can
shrink it and print it, and tests can build it with any generator.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import stat
import tempfile
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(ROOT, "playbooks")
EXAMPLES = os.path.join(ROOT, "examples")

# A case slower than this counts as a hang: in-process there is no other way
# to notice one, and the inputs of the fuzz suite are all small.
CLI_TIMEOUT = float(os.environ.get("NURTUREDSL_FUZZ_TIMEOUT", "20"))

# How many CLI runs this process has made, by test (conftest prints it).
RUNS: dict[str, int] = {}


class Link(str):
    """A symbolic link to this target (relative to the link's folder)."""


class Folder(str):
    """An empty folder (the value is ignored)."""


class HardLink(str):
    """A second name for this case file (relative to the workspace)."""


class Fifo(str):
    """A named pipe (the value is ignored): opening it for reading blocks
    until a writer comes, which none ever does here."""


@dataclass
class Case:
    """One CLI invocation and the files it runs on.

    `args` may say `@rel/path` for the absolute path of a case file (or of a
    path that does not exist yet, such as an output). `outputs` are the
    relative paths the command may create or replace; `expect` maps an output
    to the bytes it must hold if it is written."""

    args: list[str]
    files: dict[str, object] = field(default_factory=dict)  # rel path -> bytes | str | Link | Folder
    outputs: tuple[str, ...] = ()
    expect: dict[str, bytes] = field(default_factory=dict)
    twin: list[str] | None = None  # a command whose stdout outputs[0] must equal, if written
    must_write: bool = False  # on exit 0, outputs[0] must have been written
    replaceable: tuple[str, ...] = ()  # existing files that are outputs, not inputs
    kind: str = ""  # which generator made it, for reports

    def command(self) -> str:
        return self.args[0] if self.args else ""


@dataclass(frozen=True)
class Problem:
    kind: str  # exit-3, traceback, bad-exit, silent, unlocated, input-changed, stray-file, partial-output, hang
    detail: str

    def signature(self, command: str) -> str:
        """What makes two problems the same bug: the command, the kind, and
        the message with the particulars (paths, numbers, quoted values) taken out."""
        detail = self.detail
        if self.kind in _ABOUT_A_FILE:
            detail = "FILE " + detail.partition(" ")[2]  # which file is a particular, not the bug
        return f"{command}: {self.kind}: {normalise(detail)}"


_ABOUT_A_FILE = ("input-changed", "stray-file", "partial-output", "output-mode", "missing-output")


@dataclass
class Outcome:
    case: Case
    exit_code: int | None
    stdout: str
    stderr: str
    elapsed: float
    problems: list[Problem]

    def describe(self) -> str:
        lines = [f"$ nurturedsl {' '.join(_quote(a) for a in self.case.args)}", f"exit {self.exit_code}"]
        if self.stderr.strip():
            lines.append("stderr: " + _clip(self.stderr.strip(), 600))
        lines += [f"  {p.kind}: {_clip(p.detail, 400)}" for p in self.problems]
        return "\n".join(lines)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else repr(arg)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit // 2] + " ... " + text[-limit // 2 :]


_PARTICULARS = [
    (re.compile(r"`[^`]*`"), "`X`"),
    (re.compile(r"'[^']*'"), "'X'"),
    (re.compile(r'"[^"]*"'), '"X"'),
    (re.compile(r"(/[^\s:,;)]*)+"), "PATH"),
    (re.compile(r"\b[\w.-]+\.(nurture|csv|jsonl|json|toml|tsv|txt|ndjson|sarif|svg|dot|mmd|md|html|png)\b"), "FILE"),
    (re.compile(r"0x[0-9a-fA-F]+"), "N"),
    (re.compile(r"\d+"), "N"),
]


def normalise(text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    for pattern, replacement in _PARTICULARS:
        text = pattern.sub(replacement, text)
    return text[:160]


# ---------------------------------------------------------------------------
# The workspace: a fresh temporary folder per case


class Workspace:
    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="nurture-fuzz-")

    def path(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def materialise(self, files: dict[str, object]) -> None:
        pending = []  # hard links, made once their targets exist
        for rel, content in files.items():
            path = self.path(rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if isinstance(content, Link):
                os.symlink(str(content), path)
            elif isinstance(content, HardLink):
                pending.append((self.path(str(content)), path))
            elif isinstance(content, Fifo):
                os.mkfifo(path)
            elif isinstance(content, Folder):
                os.makedirs(path, exist_ok=True)
            else:
                data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
                with open(path, "wb") as handle:
                    handle.write(data)
        for target, path in pending:
            os.link(target, path)

    def snapshot(self) -> dict[str, tuple]:
        """Every entry under the root, without following links: what it is
        and, for a file, a hash of its bytes and its mode."""
        entries: dict[str, tuple] = {}
        for folder, subfolders, names in os.walk(self.root):
            for name in subfolders + names:
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, self.root)
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    entries[rel] = ("link", os.readlink(path))
                elif stat.S_ISDIR(info.st_mode):
                    entries[rel] = ("folder",)
                elif stat.S_ISREG(info.st_mode):
                    with open(path, "rb") as handle:
                        digest = hashlib.sha256(handle.read()).hexdigest()
                    entries[rel] = ("file", digest, stat.S_IMODE(info.st_mode), info.st_ino)
                else:
                    entries[rel] = ("other", stat.S_IFMT(info.st_mode))
        return entries

    def read(self, rel: str) -> bytes | None:
        try:
            with open(self.path(rel), "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def cleanup(self) -> None:
        def unlock(function, path, _info):
            os.chmod(os.path.dirname(path), 0o700)
            function(path)

        shutil.rmtree(self.root, onerror=unlock)


# ---------------------------------------------------------------------------
# Running


class Hang(BaseException):
    """Raised by the alarm in a run that takes too long. A BaseException, so
    that neither the CLI's last line of defence nor click catches it."""


@contextlib.contextmanager
def _deadline(seconds: float):
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def ring(_signum, _frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def expand(args: list[str], workspace: Workspace) -> list[str]:
    """`@rel` is the path relative to the workspace, where the command runs
    (so reports do not depend on the temporary folder's name); `@@rel` the
    absolute path."""
    return [
        workspace.path(a[2:]) if a.startswith("@@") else a[1:] if a.startswith("@") and len(a) > 1 else a for a in args
    ]


def invoke(args: list[str], timeout: float = CLI_TIMEOUT):
    """(exit code or None, stdout, stderr, exception text or None, hung)."""
    from click.testing import CliRunner

    from nurturedsl.cli import main

    runner = CliRunner()
    try:
        with _deadline(timeout):
            result = runner.invoke(main, args, env={"NO_COLOR": "1", "FORCE_COLOR": None}, catch_exceptions=True)
    except Hang:
        return None, "", "", None, True
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        crash = "".join(
            traceback.format_exception(type(result.exception), result.exception, result.exception.__traceback__)
        )
    return result.exit_code, result.stdout, result.stderr, crash, False


def run_case(case: Case, timeout: float = CLI_TIMEOUT, counter: str | None = None) -> Outcome:
    workspace = Workspace()
    try:
        workspace.materialise(case.files)
        before = workspace.snapshot()
        args = expand(case.args, workspace)
        cwd = os.getcwd()
        os.chdir(workspace.root)  # relative paths in reports, as a user in the folder would see them
        try:
            expect = dict(case.expect)
            if case.twin is not None and case.outputs:
                # the same command printing to stdout, in the same folder (a
                # SARIF report names the folder it was made in)
                twin_code, twin_out, _, twin_crash, twin_hung = invoke(expand(case.twin, workspace), timeout)
                if twin_code == 0 and not twin_crash and not twin_hung:
                    expect[case.outputs[0]] = twin_out.encode("utf-8", "surrogatepass")
            started = time.perf_counter()
            code, out, err, crash, hung = invoke(args, timeout)
        finally:
            os.chdir(cwd)
        elapsed = time.perf_counter() - started
        after = workspace.snapshot()
        problems = judge(case, code, out, err, crash, hung, before, after, workspace, expect, timeout)
        if counter is not None:
            RUNS[counter] = RUNS.get(counter, 0) + 1
        return Outcome(
            case, code, out, err.replace(workspace.root + os.sep, "").replace(workspace.root, "."), elapsed, problems
        )
    finally:
        workspace.cleanup()


# ---------------------------------------------------------------------------
# Judging

# A line of stderr that stands on its own must be one of these; anything
# indented (source excerpts, notes, hints, lists) is detail under the line above.
_LOCATED = re.compile(r"^.+?:\d+(:\d+)?: \S")
_OF_A_FILE = re.compile(r"^[^\s:]+\.(nurture|csv|tsv|jsonl|ndjson|json|toml|txt)( \(.*?\))?: \S")  # `x.csv: and 5 more`
_HEADLINE = re.compile(r"^(nurturedsl: |(error|warning|info)\[NUR\d+\] )\S")  # the latter: no place to give
_SUMMARY = re.compile(r"^(no problems|\d+ (errors?|warnings?|notes?)\b)")
_CLICK_USAGE = re.compile(r"^(Usage: |Try '|Error: |Aborted!$)")
_EXCERPT = re.compile(r"^\s*\d* \|")


def _top_level_lines(stderr: str) -> list[str]:
    return [
        line for line in stderr.splitlines() if line.strip() and not line[:1].isspace() and not _EXCERPT.match(line)
    ]


def judge(
    case: Case,
    code,
    out: str,
    err: str,
    crash,
    hung: bool,
    before,
    after,
    workspace,
    expect: dict[str, bytes] | None = None,
    timeout: float = CLI_TIMEOUT,
) -> list[Problem]:
    problems: list[Problem] = []
    command = case.command()
    if hung:
        problems.append(Problem("hang", f"no answer within {timeout:g} s"))
    elif crash is not None:
        last = crash.strip().splitlines()[-1]
        frame = _innermost_frame(crash)
        problems.append(Problem("traceback", f"{last} at {frame}"))
    elif code == 3 or "internal error" in err:
        line = next((text for text in err.splitlines() if "internal error" in text), err.strip()[:200])
        problems.append(Problem("exit-3", line))
    elif code not in (0, 1, 2):
        problems.append(Problem("bad-exit", f"exit {code}: {err.strip()[:200]}"))
    if "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out:
        problems.append(Problem("traceback", "a traceback was printed"))
    if not hung and crash is None and code in (1, 2):
        # lint reports findings (exit 1) and playbooks that fail to check
        # (exit 2) in its report, on stdout or in -o, in the format asked for
        report_elsewhere = command == "lint" and (
            out.strip() or any(rel not in before for rel in after if rel in case.outputs)
        )
        if not err.strip() and not report_elsewhere:
            problems.append(Problem("silent", f"exit {code} with nothing on stderr"))
    if not hung and crash is None and not any(p.kind == "exit-3" for p in problems):
        stray = [
            line
            for line in _top_level_lines(err)
            if not (
                _LOCATED.match(line)
                or _OF_A_FILE.match(line)
                or _HEADLINE.match(line)
                or _SUMMARY.match(line)
                or _CLICK_USAGE.match(line)
                or line.startswith("::")
            )
        ]
        if stray and len(_top_level_lines(err)) > 1:
            problems.append(Problem("unlocated", f"stderr line without a place or `nurturedsl:`: {stray[0][:200]}"))
    problems += _judge_files(case, code, before, after, workspace, expect if expect is not None else case.expect)
    return problems


def _innermost_frame(trace: str) -> str:
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', trace)
    ours = [f for f in frames if "nurturedsl" in f[0]] or frames
    if not ours:
        return "?"
    path, line, function = ours[-1]
    return f"{os.path.basename(path)}:{function}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()
_NEW_FILE_MODE = 0o666 & ~_UMASK


def _judge_files(case: Case, code, before, after, workspace, expect: dict[str, bytes]) -> list[Problem]:
    problems: list[Problem] = []
    outputs = set(case.outputs)
    replaceable = set(case.replaceable)
    for rel, entry in before.items():
        now = after.get(rel)
        if rel in replaceable and now is not None and now[0] == "file" and code == 0:
            continue
        if now is None:
            problems.append(Problem("input-changed", f"{rel} was removed"))
        elif now[:3] != entry[:3]:
            problems.append(Problem("input-changed", f"{rel} was changed ({entry[0]} -> {now[0]})"))
    for rel, entry in after.items():
        if rel in before:
            continue
        if rel not in outputs:
            problems.append(Problem("stray-file", f"{rel} was left behind"))
            continue
        if code != 0 and not (case.command() == "lint" and code in (1, 2)):
            problems.append(Problem("partial-output", f"{rel} was written although the command failed (exit {code})"))
        elif entry[0] != "file":
            problems.append(Problem("partial-output", f"{rel} is a {entry[0]}, not a file"))
        elif entry[2] != _NEW_FILE_MODE:
            problems.append(
                Problem(
                    "output-mode",
                    f"{rel} was created with mode {entry[2]:o}, not "
                    f"{_NEW_FILE_MODE:o} as open() makes files under umask "
                    f"{_UMASK:03o}",
                )
            )
    if case.must_write and code == 0 and case.outputs:
        rel = case.outputs[0]
        if after.get(rel, ("",))[0] != "file" or after.get(rel) == before.get(rel):
            problems.append(Problem("missing-output", f"{rel} was not written, yet the command exited 0"))
    for rel in outputs:
        if (
            code == 0
            and rel.endswith(".jsonl")
            and after.get(rel, ("",))[0] == "file"
            and after.get(rel) != before.get(rel)
        ):
            problems += _judge_json_lines(rel, workspace.read(rel) or b"")
        expected = expect.get(rel)
        if expected is None or code != 0:
            continue
        data = workspace.read(rel)
        if data is not None and (rel not in before or after.get(rel) != before.get(rel)) and data != expected:
            problems.append(
                Problem(
                    "partial-output",
                    f"{rel} holds {len(data)} bytes, not the {len(expected)} the command prints on stdout",
                )
            )
    return problems


def _judge_json_lines(rel: str, data: bytes) -> list[Problem]:
    import json

    if data and not data.endswith(b"\n"):
        return [Problem("partial-output", f"{rel} does not end with a newline: its last line is cut")]
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        try:
            json.loads(line)
        except ValueError:
            return [Problem("partial-output", f"{rel}:{number} is not a JSON line")]
    return []


# ---------------------------------------------------------------------------
# Files every generator starts from


def _tree(folder: str, prefix: str, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    files = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(suffixes):
            with open(os.path.join(folder, name), "rb") as handle:
                files[f"{prefix}/{name}"] = handle.read()
    return files


_BUNDLED: dict[str, dict[str, bytes]] = {}


def bundled_playbooks() -> dict[str, bytes]:
    if "playbooks" not in _BUNDLED:
        _BUNDLED["playbooks"] = _tree(PLAYBOOKS, "playbooks", (".nurture",))
    return dict(_BUNDLED["playbooks"])


def bundled_examples() -> dict[str, bytes]:
    if "examples" not in _BUNDLED:
        _BUNDLED["examples"] = _tree(EXAMPLES, "examples", (".csv", ".jsonl", ".toml"))
    return dict(_BUNDLED["examples"])


def assert_ok(outcome: Outcome) -> None:
    """Fail with one exception type per distinct problem (kind and message),
    so that hypothesis reports distinct bugs apart: it tells failures apart
    by the exception's type and where it was raised."""
    if not outcome.problems:
        return
    problem = outcome.problems[0]
    signature = problem.signature(outcome.case.command())
    failure = _BY_SIGNATURE.get(signature)
    if failure is None:
        base = _FAILURES.get(problem.kind, ContractBroken)
        failure = _BY_SIGNATURE[signature] = type(base.__name__, (base,), {"signature": signature})
    raise failure(outcome.describe())


_BY_SIGNATURE: dict[str, type] = {}


class ContractBroken(AssertionError):
    pass


class ExitThree(ContractBroken):
    pass


class EscapedException(ContractBroken):
    pass


class InputChanged(ContractBroken):
    pass


class PartialOutput(ContractBroken):
    pass


class StrayFile(ContractBroken):
    pass


class BadMessage(ContractBroken):
    pass


class Hung(ContractBroken):
    pass


_FAILURES = {
    "exit-3": ExitThree,
    "traceback": EscapedException,
    "input-changed": InputChanged,
    "partial-output": PartialOutput,
    "stray-file": StrayFile,
    "silent": BadMessage,
    "unlocated": BadMessage,
    "hang": Hung,
    "bad-exit": ExitThree,
    "missing-output": PartialOutput,
    "output-mode": PartialOutput,
}
