"""Every output flag of every command pointed at each of the command's
inputs, at a folder, through symbolic and hard links, into a missing
folder, and at plain new or old files: no input is ever replaced, nothing
partial is ever left, and what is written is the whole output."""

import functools

import pytest
from hypothesis import given

from . import cases, harness
from .harness import Case, Fifo, Folder, HardLink, Link
from .strategies import check, fuzz_settings, seeds

PROGRAMME = "playbooks/programme.nurture"
IMPORTED = "playbooks/inbound.nurture"


@functools.lru_cache(maxsize=1)
def _sim_report() -> bytes:
    """A simulation report of the bundled programme, for `render --sim`."""
    files = {**harness.bundled_playbooks(), **harness.bundled_examples()}
    case = Case(
        [
            "simulate",
            "@" + PROGRAMME,
            "--contacts",
            "@examples/contacts.csv",
            "--events",
            "@examples/events.jsonl",
            "--format",
            "json",
            "-o",
            "@report.json",
        ],
        files,
        outputs=("report.json",),
    )
    workspace = harness.Workspace()
    try:
        workspace.materialise(case.files)
        import os

        cwd = os.getcwd()
        os.chdir(workspace.root)
        try:
            code, _out, err, _crash, _hung = harness.invoke(harness.expand(case.args, workspace))
        finally:
            os.chdir(cwd)
        assert code == 0, err
        return workspace.read("report.json")
    finally:
        workspace.cleanup()


# name: (arguments without the output flag, the case files it reads, output flags)
COMMANDS = {
    "compile": (["compile", "@" + PROGRAMME], [PROGRAMME, IMPORTED], ["-o"]),
    "lint": (
        ["lint", "@" + PROGRAMME, "--today", "2026-12-01", "--format", "sarif", "--config", "@cfg/lint.toml"],
        [PROGRAMME, IMPORTED, "cfg/lint.toml"],
        ["-o"],
    ),
    "render": (
        ["render", "@" + PROGRAMME, "--flow", "inbound", "--format", "mermaid", "--lint", "--sim", "@reports/sim.json"],
        [PROGRAMME, IMPORTED, "reports/sim.json", "nurturedsl.toml"],
        ["-o"],
    ),
    "schema": (["schema"], [], ["-o"]),
    "rules": (["rules", "--format", "json"], [], ["-o"]),
    "simulate-replay": (
        [
            "simulate",
            "@" + PROGRAMME,
            "--contacts",
            "@examples/contacts.csv",
            "--events",
            "@examples/events.jsonl",
            "--format",
            "json",
        ],
        [PROGRAMME, IMPORTED, "examples/contacts.csv", "examples/events.jsonl"],
        ["-o", "--trace"],
    ),
    "simulate-map": (
        [
            "simulate",
            "@" + PROGRAMME,
            "--contacts",
            "@examples/hubspot-contacts.csv",
            "--map",
            "@examples/hubspot-map.toml",
            "--start",
            "2026-01-05",
        ],
        [PROGRAMME, "examples/hubspot-contacts.csv", "examples/hubspot-map.toml"],
        ["-o", "--trace"],
    ),
    "simulate-cohort": (
        ["simulate", "@" + PROGRAMME, "--cohort", "20", "--responses", "@examples/responses.toml", "--runs", "2"],
        [PROGRAMME, IMPORTED, "examples/responses.toml"],
        ["-o", "--trace"],
    ),
    "simulate-timeline": (
        [
            "simulate",
            "@" + PROGRAMME,
            "--contacts",
            "@examples/contacts.csv",
            "--events",
            "@examples/events.jsonl",
            "--contact",
            "c1",
        ],
        [PROGRAMME, "examples/contacts.csv", "examples/events.jsonl"],
        ["-o"],
    ),
}


def _files() -> dict:
    files = {**harness.bundled_playbooks(), **harness.bundled_examples()}
    files["cfg/lint.toml"] = b'ignore = ["NUR704"]\n'
    files["nurturedsl.toml"] = b'ignore = ["NUR704"]\n'
    files["reports/sim.json"] = _sim_report()
    return files


def _targets(inputs):
    """(id, -o value, extra files, outputs it may create, existing files it may
    replace, whether the command must refuse with exit 2)."""
    for rel in inputs:
        yield f"input:{rel}", "@" + rel, {}, (), (), True
    if inputs:
        yield "symlink-to-input", "@link.out", {"link.out": Link(inputs[0])}, (), (), True
        yield "hardlink-to-input", "@hard.out", {"hard.out": HardLink(inputs[-1])}, (), (), True
    yield "folder", "@out", {"out": Folder()}, (), (), True
    yield "missing-folder", "@missing/out.txt", {}, (), (), True
    yield "fifo", "@pipe.out", {"pipe.out": Fifo()}, (), (), True
    yield "dangling-symlink", "@dangling.out", {"dangling.out": Link("nowhere/out.txt")}, (), (), False
    yield "new-file", "@new out#1.txt", {}, ("new out#1.txt",), (), False
    yield "older-output", "@old.out", {"old.out": b"an older report\n"}, ("old.out",), ("old.out",), False
    yield (
        "through-symlinked-folder",
        "@to-dir/out.txt",
        {"dir": Folder(), "to-dir": Link("dir")},
        ("dir/out.txt",),
        (),
        False,
    )


def _matrix():
    for name, (_args, inputs, flags) in COMMANDS.items():
        for flag in flags:
            for target_id, target, extra, outputs, replaceable, refuse in _targets(inputs):
                yield pytest.param(
                    name, flag, target, extra, outputs, replaceable, refuse, False, id=f"{name}{flag}={target_id}"
                )
                if (
                    name.startswith("simulate")
                    and name != "simulate-timeline"
                    and (target_id in ("new-file", "input:" + PROGRAMME) or target_id.startswith("input:examples"))
                ):
                    yield pytest.param(
                        name,
                        flag,
                        target,
                        extra,
                        outputs,
                        replaceable,
                        refuse,
                        True,
                        id=f"{name}{flag}={target_id}-workers2",
                    )


@pytest.mark.parametrize("name, flag, target, extra, outputs, replaceable, refuse, workers", list(_matrix()))
def test_an_output_never_replaces_an_input_nor_leaves_a_partial_file(
    name, flag, target, extra, outputs, replaceable, refuse, workers
):
    args, _inputs, _flags = COMMANDS[name]
    files = {**_files(), **extra}
    command = list(args) + (["--workers", "2"] if workers else [])
    case = Case(
        command + [flag, target],
        files,
        outputs=outputs,
        replaceable=replaceable,
        twin=command if flag == "-o" else None,
        must_write=bool(outputs),
        kind="output-matrix",
    )
    outcome = harness.run_case(case, counter="output paths (matrix)")
    harness.assert_ok(outcome)
    if refuse:
        assert outcome.exit_code == 2, f"expected a refusal (exit 2):\n{outcome.describe()}"
        # one line saying why (click's usage errors add their `Usage:` and `Try` lines)
        said = [
            line for line in outcome.stderr.splitlines() if line.strip() and not line.startswith(("Usage: ", "Try '"))
        ]
        assert len(said) == 1, f"expected one line saying why:\n{outcome.describe()}"
    elif outputs:
        assert outcome.exit_code == 0, outcome.describe()


@fuzz_settings(120)
@given(seeds)
def test_random_output_paths_keep_the_contract(seed):
    check(cases.output_case, seed, "output paths (random)")
